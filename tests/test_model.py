"""The council model: reproducibility, independence of lanes, the decision rule against its
closed form, context effects and the penholder's strategies."""

import numpy as np
import pytest
from scipy.stats import norm

from sim.context import ContextEffect, provocation_index
from sim.model import CouncilModel
from sim.rules import ABSTAIN, NO, YES, Outcome
from sim.runner import chunk_seed, run
from sim.scenario import load_scenario

from .conftest import MINIMAL, OIL_CAP_2022, RELIEF_2019

UNCERTAIN_CHINA = MINIMAL + """
[members.CHN]
pressure = { low = 0.3, high = 1.0 }
reciprocity = { mean = 0.5, sd = 0.3 }
noise = 0.3
"""


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
    scenario = load_scenario(write_scenario(UNCERTAIN_CHINA))
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


def test_vote_shares_match_the_random_utility_rule(write_scenario):
    """P(yes) = P(u + noise > band); for an elected member P(no) = P(u + noise < -band); for a
    permanent member the "no" threshold is its (visibility-scaled) veto cost."""
    text = MINIMAL.replace("[context]", "[negotiation]\nrounds = 0\n\n[context]") + """
[members.CHN]
noise = 0.4
[members.BRA]
noise = 0.4
"""
    scenario = load_scenario(write_scenario(text))
    lanes = 40_000
    model = CouncilModel(scenario, lanes=lanes, rng=123, collect=False)
    utility = {m.code: float(m.support()[0]) for m in model.members}
    model.run_model()
    band = model.settings.abstention_band
    for code in ("CHN", "BRA"):
        member = model.member(code)
        sigma = 0.4
        threshold = max(band, float(member.effective_veto_cost[0])) if member.permanent else band
        expected_yes = 1 - norm.cdf((band - utility[code]) / sigma)
        expected_no = norm.cdf((-threshold - utility[code]) / sigma)
        votes = model.votes[member.index]
        for observed, expected in ((np.mean(votes == YES), expected_yes), (np.mean(votes == NO), expected_no)):
            se = np.sqrt(expected * (1 - expected) / lanes)
            assert abs(observed - expected) < 4.5 * se + 1e-9, (code, observed, expected)


def test_context_moves_stances_by_members_own_stances():
    pressure = np.array([0.2, 0.9])
    reciprocity = np.array([0.9, 0.1])
    calm = ContextEffect(provocation_index(False, False, 0), False, False, 0.3)
    icbm = ContextEffect(provocation_index(False, True, 20), False, False, 0.3)
    snub = ContextEffect(provocation_index(False, False, 0), False, True, 0.3)
    rise = icbm.ideal_pressure(pressure, reciprocity) - calm.ideal_pressure(pressure, reciprocity)
    assert np.all(rise > 0) and rise[1] > rise[0]  # the pressure-minded react more to an ICBM
    fall = calm.ideal_pressure(pressure, reciprocity) - snub.ideal_pressure(pressure, reciprocity)
    assert np.all(fall >= 0) and fall[0] > fall[1]  # the reciprocity-minded react to a snub
    tense = ContextEffect(0.0, False, False, 1.0)
    assert tense.veto_cost(np.array([0.5]))[0] < calm.veto_cost(np.array([0.5]))[0]


def test_high_veto_cost_turns_a_veto_into_an_abstention():
    base = run(load_scenario(OIL_CAP_2022), 4_000, 2)
    china = base.codes.index("CHN")
    assert np.mean(base.votes[china] == NO) > 0.9
    reluctant = load_scenario(OIL_CAP_2022, overrides={"members.CHN.veto_cost": 1.0, "members.CHN.noise": 0.05})
    result = run(reluctant, 4_000, 2)
    china_votes = result.votes[china]
    assert np.mean(china_votes == ABSTAIN) > np.mean(base.votes[china] == ABSTAIN) + 0.3
    assert np.mean(china_votes == NO) < np.mean(base.votes[china] == NO) - 0.3
    assert np.mean(china_votes == YES) < 0.01  # it still opposes the draft: it only stops vetoing


def test_alignment_pulls_allies_together(write_scenario):
    text = MINIMAL.replace("[context]", "[negotiation]\nrounds = 3\nalignment_pull = 0.5\n\n[context]")
    model = CouncilModel(load_scenario(write_scenario(text)), lanes=1, rng=0)
    gap_before = abs(model.member("RUS").ideal_pressure[0] - model.member("CHN").ideal_pressure[0])
    usa_before = model.member("USA").ideal_pressure[0]
    for _ in range(3):
        model.step()
    gap_after = abs(model.member("RUS").ideal_pressure[0] - model.member("CHN").ideal_pressure[0])
    assert gap_after < gap_before
    assert model.member("USA").ideal_pressure[0] != usa_before  # pulled toward GBR, FRA, JPN...
    assert len(model.datacollector.get_model_vars_dataframe()) == 4  # initial state + 3 rounds


def test_withdraw_if_vetoed_withdraws_doomed_drafts():
    result = run(load_scenario(RELIEF_2019), 2_000, 4)
    assert np.mean(result.outcome == Outcome.WITHDRAWN) > 0.9
    forced = run(load_scenario(RELIEF_2019, overrides={"negotiation.strategy": "force_vote"}), 2_000, 4)
    assert np.mean(forced.outcome == Outcome.VETOED) > 0.9
    assert "USA" in forced.defeaters()


def test_seek_adoption_softens_the_text_until_it_passes_or_hits_the_floor():
    scenario = load_scenario(
        OIL_CAP_2022,
        overrides={"negotiation.strategy": "seek_adoption", "negotiation.rounds": 6, "members.CHN.veto_cost": 0.95},
    )
    result = run(scenario, 2_000, 4)
    assert result.text_scale.max() <= 1.0 and result.text_scale.min() >= 0.4 - 1e-12
    assert result.text_scale.mean() < 0.9  # the penholder softened in many lanes
    forced = run(load_scenario(OIL_CAP_2022), 2_000, 4)
    assert np.all(forced.text_scale == 1.0)


def test_model_requires_positive_lanes():
    with pytest.raises(ValueError):
        CouncilModel(load_scenario(OIL_CAP_2022), lanes=0)
