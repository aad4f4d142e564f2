"""The council model: reproducibility, independence of lanes, the decision rule against its
closed form, the situation's effects, stakes and reversion points, interdependent vetoes and the
penholder."""

import datetime as dt

import numpy as np
import pytest
from scipy.stats import norm

from sim.context import ContextEffect
from sim.model import CouncilModel, file_penholder
from sim.parameters import FITTED, SPECS, prior_parameters
from sim.rules import ABSTAIN, NO, YES, Outcome
from sim.runner import chunk_seed, run
from sim.scenario import load_scenario
from sim.situation import Situation, situation_on

from .conftest import COMMITTEE_2018, MINIMAL, OIL_CAP_2022, RELIEF_2019, SCENARIOS

UNCERTAIN_CHINA = (
    MINIMAL
    + """
[members.CHN]
pressure = { low = 0.3, high = 1.0 }
reciprocity = { mean = 0.5, sd = 0.3 }
noise = 0.3
"""
)


def test_same_seed_same_numbers_different_seed_different_numbers(write_scenario):
    scenario = load_scenario(write_scenario(UNCERTAIN_CHINA))
    first, again, other = (run(scenario, 3_000, seed) for seed in (5, 5, 6))
    assert np.array_equal(first.votes, again.votes)
    assert np.array_equal(first.outcome, again.outcome)
    assert not np.array_equal(first.votes, other.votes)


def test_chunks_depend_only_on_their_index(write_scenario):
    """The first chunk of a longer run is the whole of a shorter one: lanes in a chunk do not
    depend on how many chunks follow (what makes sweeps worker-count independent)."""
    scenario = load_scenario(write_scenario(UNCERTAIN_CHINA))
    short = run(scenario, 500, 9, chunk_lanes=500)
    long = run(scenario, 1_700, 9, chunk_lanes=500)
    assert np.array_equal(short.votes, long.votes[:, :500])
    assert chunk_seed(9, 0) != chunk_seed(9, 1)


def test_lanes_are_independent_replicates(write_scenario):
    """R lanes in one model give the same distribution as R separate one-lane runs."""
    scenario = load_scenario(write_scenario(UNCERTAIN_CHINA), overrides=PINNED)
    together = run(scenario, 6_000, 1).votes[0]  # China's votes
    separate = []
    for seed in range(1_500):
        model = CouncilModel(scenario, lanes=1, rng=10_000 + seed, collect=False)
        model.run_model()
        separate.append(model.votes[0, 0])
    separate = np.array(separate)
    for code in (YES, NO, ABSTAIN):
        p1, p2 = np.mean(together == code), np.mean(separate == code)
        pooled = (p1 * 6_000 + p2 * 1_500) / 7_500
        se = np.sqrt(pooled * (1 - pooled) * (1 / 6_000 + 1 / 1_500)) + 1e-12
        assert abs(p1 - p2) / se < 4.5, (code, p1, p2)
    # the test has power: China's vote is genuinely uncertain in this scenario
    assert 0.1 < np.mean(together == YES) < 0.9


PINNED = {
    **{f"decision.{name}": SPECS[name].prior_center for name in FITTED},
    "decision.stake_weight": 5.0,
    "decision.consensus_norm": 0.3,
    "decision.sponsor_affinity": 0.5,
    "decision.noise_scale": 1.0,
    "decision.tension_veto_discount": 0.5,
    "decision.tension_norm_discount": 0.0,
    "decision.shared_veto_discount": 0.8,
    "decision.surprise_share": 0.0,
}
"""Parameter values set here, so that these tests check mechanisms, not the calibration (and
without a permanent member's surprise, which has a test of its own)."""


def test_vote_shares_match_the_random_utility_rule(write_scenario):
    """P(yes) = P(u + noise > band); P(no) = P(u + noise < -threshold), the threshold being the
    objection cost at the equilibrium (everyone can block in a committee, and nothing is
    withdrawn there, so every intention is a cast vote)."""
    text = (
        MINIMAL.replace('kind = "resolution"', 'kind = "committee"')
        + """
[members.CHN]
noise = 0.4
[members.BRA]
noise = 0.4
"""
    )
    scenario = load_scenario(write_scenario(text), overrides={**PINNED, "proposal.draft": "final"})
    lanes = 40_000
    model = CouncilModel(scenario, lanes=lanes, rng=123, collect=False)
    utility = {m.code: float(m.support()[0]) for m in model.members}
    thresholds = dict(zip(model.council_scenario.codes, model.thresholds()))
    model.run_model()
    band = float(model.params.abstention_band)
    for code in ("CHN", "BRA"):
        member = model.member(code)
        sigma = float(member.scale()[0])
        threshold = float(np.ravel(thresholds[code])[0])
        expected_yes = 1 - norm.cdf((band - utility[code]) / sigma)
        expected_no = norm.cdf((-threshold - utility[code]) / sigma)
        assert 0.02 < expected_yes + expected_no  # the check has power
        votes = model.votes[member.index]
        for observed, expected in (
            (np.mean(votes == YES), expected_yes),
            (np.mean(votes == NO), expected_no),
        ):
            se = np.sqrt(expected * (1 - expected) / lanes)
            assert abs(observed - expected) < 4.5 * se + 1e-9, (code, observed, expected)


def _situation(**changes) -> Situation:
    base = dict(
        date=dt.date(2020, 1, 1),
        provocation=0.0,
        provocation_record=30.0,
        unreciprocated_steps=0.0,
        talks_under_way=False,
        tension=0.3,
        status_quo_pressure=0.7,
        status_quo_reciprocity=0.1,
    )
    base.update(changes)
    return Situation(**base)


def test_context_moves_ideal_points_by_members_own_stances():
    params = prior_parameters().with_values({"provocation_response": 0.2, "tension_veto_discount": 0.5})
    pressure = np.array([0.2, 0.9])
    reciprocity = np.array([0.9, 0.1])
    calm = ContextEffect(_situation(), params)
    tested = ContextEffect(_situation(provocation=1.0), params)
    rise = tested.ideal_pressure(pressure, reciprocity) - calm.ideal_pressure(pressure, reciprocity)
    assert np.all(rise > 0) and rise[1] > rise[0]  # everyone reacts to a test, hawks more
    talks = ContextEffect(_situation(talks_under_way=True, unreciprocated_steps=2.0), params)
    assert np.array_equal(
        talks.ideal_pressure(pressure, reciprocity), calm.ideal_pressure(pressure, reciprocity)
    )
    tense = ContextEffect(_situation(tension=1.0), params)
    assert tense.veto_cost(np.array([0.5]))[0] < calm.veto_cost(np.array([0.5]))[0]


def test_a_stance_is_realised_as_the_record_builds_up():
    """Before any test no member wants a regime (ideal pressure = the reaction to recent
    provocations only); one test realises 1 - 1/e of a stance; a long record all of it; the
    ideal never falls as the record grows, whatever the stance."""
    params = prior_parameters().with_values({"provocation_response": 0.2})
    pressure = np.linspace(0.0, 1.0, 11)
    reciprocity = 1 - pressure

    def ideal(record: float) -> np.ndarray:
        return ContextEffect(_situation(provocation_record=record), params).ideal_pressure(
            pressure, reciprocity
        )

    assert np.allclose(ideal(0.0), 0.0)
    assert np.allclose(ideal(1.0), pressure * (1 - np.exp(-1)))
    assert np.allclose(ideal(30.0), pressure)
    records = np.linspace(0.0, 8.0, 33)
    assert np.all(np.diff([ideal(r) for r in records], axis=0) >= 0)


def test_the_situation_counts_the_whole_record_unfaded():
    """The record counts every test and launch to the day at its weight, however old, while the
    provocation stock fades; a what-if nuclear test adds one to both."""
    before, first_test = situation_on("2006-10-08"), situation_on("2006-10-09")
    assert before.provocation_record == pytest.approx(0.07)  # seven ballistic missiles, July 2006
    assert first_test.provocation_record - before.provocation_record == pytest.approx(1.0)
    later = situation_on("2016-01-05")
    assert later.provocation_record > 3.0 > later.provocation
    assert situation_on("2016-01-05", extra_events=("nuclear_test",)).provocation_record == pytest.approx(
        later.provocation_record + 1.0
    )


def test_a_draft_the_penholder_co_sponsors_carries_the_norm(write_scenario):
    """The consensus norm carries a draft the file's penholder sponsors in any place (Japan's
    S/RES/1695 with the US), not one it does not sponsor."""
    penholder = file_penholder()
    co_sponsored = MINIMAL.replace(f'sponsors = ["{penholder}"]', f'sponsors = ["IRL", "{penholder}"]')
    other = MINIMAL.replace(f'sponsors = ["{penholder}"]', 'sponsors = ["IRL"]')
    assert co_sponsored != MINIMAL and other != MINIMAL
    models = [
        CouncilModel(load_scenario(write_scenario(text)), collect=False) for text in (co_sponsored, other)
    ]
    assert models[0].penholder_draft == 1.0 and np.all(models[0].norm_term > 0)
    assert models[1].penholder_draft == 0.0 and np.all(models[1].norm_term == 0)


def test_tension_weakens_the_consensus_norm_in_proportion():
    params = prior_parameters().with_values({"consensus_norm": 0.8, "tension_norm_discount": 0.25})
    norms = [ContextEffect(_situation(tension=t), params).consensus_norm() for t in (0.0, 0.5, 1.0)]
    assert norms == pytest.approx([0.8, 0.7, 0.6])
    off = prior_parameters().with_values({"consensus_norm": 0.8, "tension_norm_discount": 0.0})
    assert ContextEffect(_situation(tension=1.0), off).consensus_norm() == pytest.approx(0.8)


def test_under_tension_the_penholders_draft_loses_votes_its_stake_alone_would_lose(write_scenario):
    """A penholder's draft China dislikes: the norm carries China's vote in calm times; at full
    tension, with the norm discounted, China objects more often. Members whose stake is positive
    are unaffected in direction (they vote yes either way)."""

    def p_no(tension: float, discount: float) -> np.ndarray:
        overrides = {
            **PINNED,
            "members.CHN.pressure": 0.3,
            "context.great_power_tension": tension,
            "decision.tension_veto_discount": 0.0,  # isolate the norm's channel
            "decision.tension_norm_discount": discount,
        }
        model = CouncilModel(load_scenario(OIL_CAP_2022, overrides=overrides), collect=False)
        return np.ravel(model.settle()[model.member("CHN").index])[0], model

    calm, _ = p_no(0.0, 0.8)
    tense, model = p_no(1.0, 0.8)
    assert tense > calm + 0.1
    assert p_no(1.0, 0.0)[0] == pytest.approx(calm)  # no discount: tension does nothing here
    usa = model.member("USA")
    assert float(np.ravel(usa.support())[0]) > 0


def test_provocation_memory_fades_with_its_half_life():
    """A nuclear test weighs 1 on its day and half after one half-life: ideal points have memory
    instead of resetting on 1 January."""

    on_day = situation_on("2017-09-03", provocation_half_life_days=365)
    year_on = situation_on("2018-09-03", provocation_half_life_days=365)
    before = situation_on("2017-09-02", provocation_half_life_days=365)
    assert on_day.provocation - before.provocation == pytest.approx(1.0, abs=0.01)
    # the 2017 test still counts a year later, at about half its weight (plus older events')
    assert 0.5 <= year_on.provocation < on_day.provocation
    assert situation_on("2018-01-02").provocation > situation_on("2018-12-30").provocation


def test_stake_scales_with_the_size_of_the_draft(write_scenario):
    """|x - r|^2 - |x - p|^2: a draft a tenth the size is about a tenth of the stake."""
    full = CouncilModel(load_scenario(write_scenario(MINIMAL)), collect=False)
    small = CouncilModel(
        load_scenario(write_scenario(MINIMAL.replace("to = 3_000_000", "to = 3_900_000"))), collect=False
    )
    for code in ("CHN", "USA"):
        ratio = float(small.member(code).gain()[0] / full.member(code).gain()[0])
        assert 0.08 < ratio < 0.12, (code, ratio)


def test_a_renewal_reverts_below_the_status_quo(write_scenario):
    """A Panel renewal that fails lets the Panel lapse: members who like today's regime gain
    from renewing it, whatever their wish for more pressure."""
    text = MINIMAL.replace(
        'type = "crude_oil_cap"\nfrom = 4_000_000\nto = 3_000_000', 'type = "panel_renewal"'
    )
    model = CouncilModel(load_scenario(write_scenario(text)), collect=False)
    assert model.reversion[0] < model.situation.status_quo_pressure
    usa = model.member("USA")
    assert float(usa.gain()[0]) > 0  # the US wants at least today's regime


def test_high_veto_cost_turns_a_veto_into_an_abstention():
    opposed = {
        **PINNED,
        "decision.shared_veto_discount": 0.0,
        "members.CHN.pressure": 0.1,
        "members.CHN.veto_cost": 0.1,
    }
    base = run(load_scenario(OIL_CAP_2022, overrides=opposed), 4_000, 2)
    china = base.codes.index("CHN")
    assert np.mean(base.votes[china] == NO) > 0.9
    reluctant = load_scenario(
        OIL_CAP_2022, overrides={**opposed, "members.CHN.veto_cost": 1.0, "members.CHN.noise": 0.05}
    )
    china_votes = run(reluctant, 4_000, 2).votes[china]
    assert np.mean(china_votes == NO) < 0.05
    assert np.mean(china_votes == ABSTAIN) > 0.9  # it still opposes the draft: it only stops vetoing


def test_a_veto_others_share_costs_less():
    """Interdependent vetoes: China objects more often when Russia is more likely to object
    (China's own stances unchanged), and not at all through this channel without the discount."""

    def p_no_china(russia_cost: float, discount: float) -> float:
        overrides = {
            **PINNED,
            "members.CHN.pressure": 0.3,
            "members.RUS.veto_cost": russia_cost,
            "decision.shared_veto_discount": discount,
        }
        model = CouncilModel(load_scenario(OIL_CAP_2022, overrides=overrides), collect=False)
        return float(np.ravel(model.settle()[model.member("CHN").index])[0])

    assert p_no_china(0.02, 0.8) > p_no_china(1.0, 0.8) + 0.5
    assert p_no_china(0.02, 0.0) == pytest.approx(p_no_china(1.0, 0.0))


@pytest.mark.parametrize("discount", [0.0, 0.8])
def test_an_elected_member_holds_a_committee_decision_only_where_no_permanent_member_does(discount):
    """The calculus of a hold (Riker & Ordeshook 1968): an elected member weighs its stake by the
    chance that its hold is needed, so it adds none behind a permanent member's, and places one
    where no permanent member objects."""

    def p_no(overrides: dict[str, object]) -> dict[str, float]:
        overrides = {**PINNED, "decision.shared_veto_discount": discount, **overrides}
        model = CouncilModel(load_scenario(COMMITTEE_2018, overrides=overrides), collect=False)
        p = model.settle()[:, 0]
        return {m.code: float(p[m.index]) for m in model.members}

    opposed = {"members.BOL.pressure": 0.0, "members.BOL.salience": 1.0, "members.BOL.veto_cost": 0.2}
    behind_china = p_no({**opposed, "members.CHN.pressure": 0.0, "members.CHN.veto_cost": 0.05})
    assert behind_china["CHN"] > 0.99
    assert behind_china["BOL"] < 0.01
    alone = p_no(
        {
            **opposed,
            **{
                f"members.{c}.{k}": v
                for c in ("CHN", "FRA", "RUS", "GBR", "USA")
                for k, v in (("pressure", 1.0), ("veto_cost", 1.0))
            },
        }
    )
    assert max(alone[c] for c in ("CHN", "FRA", "RUS", "GBR", "USA")) < 0.01
    assert alone["BOL"] > 0.99


def test_the_penholder_withdraws_a_resolution_short_of_nine_and_others_a_doomed_one():
    noisy = {**PINNED, "decision.noise_scale": 4.0, "decision.stake_weight": 2.0}
    for path, penholder in ((OIL_CAP_2022, True), (RELIEF_2019, False)):
        result = run(load_scenario(path, overrides=noisy), 4_000, 4)
        withdrawn = result.outcome == Outcome.WITHDRAWN
        assert 0 < np.mean(withdrawn) < 1
        voted = ~withdrawn
        # every draft put to the vote had at least nine in favour: the canvass is the vote's own intentions
        assert np.all((result.votes[:, voted] == YES).sum(axis=0) >= 9)
        assert not np.any(result.outcome == Outcome.FAILED)
        # the penholder lets a veto go on the record; another sponsor never does
        assert np.any(result.outcome == Outcome.VETOED) == penholder


def test_a_first_draft_is_softened_toward_the_floor_and_a_final_text_is_not(write_scenario):
    first = load_scenario(
        OIL_CAP_2022,
        overrides={
            **PINNED,
            "proposal.draft": "first",
            "negotiation.rounds": 6,
            "members.CHN.pressure": 0.0,
            "decision.consensus_norm": 0.0,
        },
    )
    model = CouncilModel(first, lanes=1, rng=0)
    model.run_model()
    floor, step = float(model.params.min_text_scale), float(model.params.softening_step)
    # China wants no cut at all: each round concedes a share `step` of the way to the floor
    assert float(model.text_scale[0]) == pytest.approx(floor + (1 - floor) * (1 - step) ** 6)
    assert bool(np.ravel(model.negotiating_target() < model.text_scale)[0])  # China still presses
    assert len(model.datacollector.get_model_vars_dataframe()) == 8  # initial + 6 rounds + the vote
    final = CouncilModel(load_scenario(OIL_CAP_2022), lanes=1, rng=0)
    final.run_model()
    assert float(final.text_scale[0]) == 1.0


def test_model_requires_positive_lanes():
    with pytest.raises(ValueError):
        CouncilModel(load_scenario(OIL_CAP_2022), lanes=0)


HUMAN_RIGHTS_AGENDA = """
[scenario]
name = "human-rights agenda"

[council]
year = 2015

[proposal]
kind = "procedural"
title = "Adopt the agenda item on the DPRK's human rights"
sponsors = ["USA"]
draft = "final"

[[proposal.measures]]
type = "agenda_item"
item = "The situation in the Democratic People's Republic of Korea"

[context]
date = "2015-12-10"
"""


def test_members_take_a_human_rights_agenda_as_they_voted_in_the_general_assembly(write_scenario):
    """Each member's stake in the agenda item is signed by its own General Assembly vote on the
    DPRK human-rights resolution (2015: China, Russia and Venezuela no, Angola and Nigeria
    abstaining, France yes), not by where its sanctions ideal point lies: China, whose ideal
    pressure lies above the regime, votes against."""
    from sim.measures import HUMAN_RIGHTS_AGENDA_WEIGHT

    model = CouncilModel(load_scenario(write_scenario(HUMAN_RIGHTS_AGENDA)), rng=0, collect=False)
    gain = {member.code: float(np.mean(member.gain())) for member in model.members}
    assert gain["CHN"] == gain["RUS"] == gain["VEN"] == pytest.approx(-HUMAN_RIGHTS_AGENDA_WEIGHT)
    assert gain["AGO"] == gain["NGA"] == 0.0
    assert gain["FRA"] == gain["ESP"] == pytest.approx(HUMAN_RIGHTS_AGENDA_WEIGHT)
    yes, no, abstain = (
        dict(zip([m.code for m in model.members], p[:, 0])) for p in model.vote_probabilities()
    )
    assert min(no["CHN"], no["RUS"], no["VEN"]) > 0.98
    assert abstain["NGA"] > 0.9 and yes["FRA"] > 0.99  # Nigeria's stake is 0: within the band


def test_a_co_sponsor_leans_toward_its_draft_in_full_however_many_others_sign_it(write_scenario):
    """A sponsor's pull is ``sponsor_affinity`` whether it signs alone or with eight others (the
    letter S/2015/931 had nine signatories, Malaysia among them, and all nine voted yes); a
    non-sponsor's is the mean of its ties to the sponsors."""
    alone = HUMAN_RIGHTS_AGENDA.replace('sponsors = ["USA"]', 'sponsors = ["MYS"]')
    nine = HUMAN_RIGHTS_AGENDA.replace(
        'sponsors = ["USA"]', 'sponsors = ["CHL", "FRA", "JOR", "LTU", "MYS", "NZL", "ESP", "GBR", "USA"]'
    )
    models = [
        CouncilModel(load_scenario(write_scenario(text)), rng=0, collect=False) for text in (alone, nine)
    ]
    for model in models:
        pull = dict(zip([m.code for m in model.members], model.sponsor_pull[:, 0]))
        assert pull["MYS"] == pytest.approx(model.params.sponsor_affinity)
    pull = dict(zip([m.code for m in models[1].members], models[1].sponsor_pull[:, 0]))
    nigeria = models[1].member("NGA")
    sponsors = ["CHL", "FRA", "JOR", "LTU", "MYS", "NZL", "ESP", "GBR", "USA"]
    expected = np.mean([nigeria.ties.get(code, 0.0) for code in sponsors]) * models[1].params.sponsor_affinity
    assert pull["NGA"] == pytest.approx(expected)
    yes = dict(zip([m.code for m in models[1].members], models[1].vote_probabilities()[0][:, 0]))
    assert yes["MYS"] > 0.99  # its Assembly abstention gives it no stake: the signature decides


def test_the_consensus_norm_carries_no_procedural_vote(write_scenario):
    """A procedural vote is held only where a member objects to the agenda: there is no text
    negotiated among the fifteen for the norm to carry, even when the penholder asks for it."""
    procedural = CouncilModel(load_scenario(write_scenario(HUMAN_RIGHTS_AGENDA)), collect=False)
    statement = CouncilModel(load_scenario(write_scenario(MINIMAL)), collect=False)
    assert procedural.penholder_draft == 1.0 and np.all(procedural.norm_term == 0)
    assert statement.penholder_draft == 1.0 and np.all(statement.norm_term > 0)


def test_a_human_rights_position_follows_the_template_and_the_file(write_scenario):
    """``like = "CHN"`` brings China's General Assembly record with its stances, its human-rights
    vote included; ``human_rights`` in the file overrides both (a what-if)."""
    text = (
        HUMAN_RIGHTS_AGENDA
        + """
[members.NZL]
like = "CHN"

[members.VEN]
human_rights = 1.0
"""
    )
    scenario = load_scenario(write_scenario(text))
    positions = {member.code: member.human_rights for member in scenario.members}
    assert positions["NZL"] == -1.0 and positions["VEN"] == 1.0 and positions["ESP"] == 1.0
    # a preset file (council.preset) sets it as it sets any stance: a layer like the others
    preset = write_scenario(
        '[CHN]\nname = "China"\npermanent = true\nveto_cost = 0.55\nnoise = 0.10\nhuman_rights = 0.5\n',
        "preset.toml",
    )
    with_preset = text.replace("year = 2015", f'year = 2015\npreset = "{preset}"')
    positions = {m.code: m.human_rights for m in load_scenario(write_scenario(with_preset, "p.toml")).members}
    assert positions["CHN"] == 0.5 and positions["NZL"] == -1.0


def test_a_vetoer_against_the_human_rights_item_presses_the_penholder_to_weaken_it(write_scenario):
    """A first-draft resolution whose only measure is the human-rights item: China and Russia,
    against it, would take none of it, so the penholder concedes in the talks as it does on
    sanctions (before, the talks saw only the sanctions change and conceded nothing)."""
    text = HUMAN_RIGHTS_AGENDA.replace('kind = "procedural"', 'kind = "resolution"').replace(
        'draft = "final"', 'draft = "first"'
    )
    model = CouncilModel(load_scenario(write_scenario(text)), rng=0, collect=False)
    preferred = dict(zip([m.code for m in model.members], model.preferred_scales()[:, 0]))
    assert preferred["CHN"] == -np.inf and preferred["FRA"] == np.inf
    model.run_model()
    assert float(model.text_scale[0]) < 1.0


def test_a_surprise_touches_only_permanent_members_and_can_block_a_small_text():
    """With ``surprise_share`` a permanent member's utility takes, in that share of lanes, a shock
    of sd ``surprise_sd`` (an objection linked to matters off the model's dimensions, as China's
    THAAD condition of August 2016): the elected members' vote probabilities do not move, the
    permanent members' objection probabilities rise with the share, and the statement of November
    2022, agreed with p = 1.00 without surprises, is blocked in some lanes."""
    path = SCENARIOS / "held-out" / "2022-11-21-presidential-statement.toml"
    blocked, elected = [], []
    for share in (0.0, 0.05, 0.2):
        scenario = load_scenario(path, overrides={"decision.surprise_share": share})
        model = CouncilModel(scenario, lanes=1, rng=0, collect=False)
        yes, no, _ = model.vote_probabilities()
        elected.append(np.array([yes[m.index, 0] for m in model.members if not m.permanent]))
        blocked.append(float(no[model.member("CHN").index, 0]))
    assert blocked[0] < 1e-6 < blocked[1] < blocked[2]
    assert 0.005 < blocked[1] < 0.05  # about share x P(a surprise of sd 1 outweighs China's utility)
    np.testing.assert_allclose(elected[0], elected[2], atol=1e-12)
