"""The exact likelihood (sim/likelihood.py): the same model as the simulation, without Monte
Carlo noise. Checked against brute-force enumeration and against 20,000 simulated lanes."""

import itertools

import numpy as np
import pytest

from sim.compare import compare_result, record_of
from sim.likelihood import (
    _count_distribution,
    analytic_comparison,
    event_log_likelihood,
    lane_probabilities,
)
from sim.rules import OUTCOME_LABELS, RULES, Outcome, _yes_count_distribution
from sim.runner import run
from sim.scenario import load_scenario

from .conftest import COMMITTEE_2018, HISTORY, OIL_CAP_2022, RELIEF_2019

RES_2356 = HISTORY / "2017-06-02-s-res-2356.toml"
STATEMENT_MARCH_2018 = HISTORY / "2018-03-15-press-statement.toml"


def test_count_distributions_match_brute_force_enumeration():
    rng = np.random.default_rng(4)
    raw = rng.dirichlet([1, 1, 1], size=4)  # 4 members: P(yes), P(no), P(abstain)
    yes, no, abstain = (raw[:, k][:, None] for k in range(3))
    dist = _count_distribution(yes, no, abstain)[:, :, 0]
    brute = np.zeros((5, 5))
    for votes in itertools.product(range(3), repeat=4):
        p = np.prod([raw[i, v] for i, v in enumerate(votes)])
        brute[votes.count(0), votes.count(1)] += p
    assert dist == pytest.approx(brute, abs=1e-12)
    # sub-probability of the yes count where member 0 may not vote no
    other = np.where(np.arange(4)[:, None] == 0, abstain, abstain + no)
    sub = _yes_count_distribution(yes, other)[:, 0]
    brute_sub = np.zeros(5)
    for votes in itertools.product(range(3), repeat=4):
        if votes[0] != 1:
            brute_sub[votes.count(0)] += np.prod([raw[i, v] for i, v in enumerate(votes)])
    assert sub == pytest.approx(brute_sub, abs=1e-12)


NOISY = {
    "decision.noise_scale": 5.0,
    "decision.stake_weight": 5.0,
    "decision.consensus_norm": 0.0,
    "decision.sponsor_affinity": 0.2,
    "decision.shared_veto_discount": 0.5,
}
"""More noise and smaller stakes, so that the checked probabilities sit well inside (0, 1)."""


@pytest.mark.parametrize("path", [RES_2356, STATEMENT_MARCH_2018, COMMITTEE_2018, RELIEF_2019, OIL_CAP_2022])
def test_analytic_probabilities_agree_with_simulation(path):
    """The exact probabilities and 20,000 simulated lanes of the same model agree within 4.5
    binomial standard errors: a wrong threshold, sign or noise scale would break this."""
    scenario = load_scenario(path, overrides=NOISY)
    exact = analytic_comparison(scenario)
    simulated = compare_result(run(scenario, 20_000, 11))
    n = 20_000

    def close(a: float, b: float) -> bool:
        se = np.sqrt(max(a * (1 - a), 1e-4) / n)
        return abs(a - b) < 4.5 * se

    assert close(exact.p_outcome, simulated.p_outcome)
    for label in OUTCOME_LABELS:
        assert close(exact.outcome_probabilities[label], simulated.outcome_probabilities[label])
    if exact.p_members is not None:
        for code, p in exact.p_members.items():
            assert close(p, simulated.p_members[code]), code
        assert close(exact.p_tally, simulated.p_tally)


def test_at_least_one_checked_probability_is_far_from_0_and_1():
    """Guard for the test above: agreement at 0 and 1 alone would prove little."""
    exact = analytic_comparison(load_scenario(RES_2356, overrides=NOISY))
    assert 0.1 < exact.p_members["CHN"] < 0.9
    veto = analytic_comparison(load_scenario(OIL_CAP_2022, overrides=NOISY))
    assert 0.01 < veto.outcome_probabilities["vetoed"] < 0.99


def test_withdrawal_is_exactly_the_penholders_canvass_rule():
    """The file's penholder withdraws only a draft short of nine; another sponsor also withdraws
    one the canvass shows would be vetoed (so it is never vetoed on the record)."""
    from sim.rules import outcome_probabilities

    for path, penholder in ((OIL_CAP_2022, True), (RELIEF_2019, False)):
        lp = lane_probabilities(load_scenario(path, overrides=NOISY))
        yes, no, abstain = lp.intent[:, 0], lp.intent[:, 1], lp.intent[:, 2]
        at_vote = outcome_probabilities(RULES["resolution"], yes, no, abstain, lp.permanent)[:, 0]
        short = _yes_count_distribution(yes, no + abstain)[:9].sum(axis=0)[0]
        assert at_vote[Outcome.FAILED] == pytest.approx(short)
        expected = short if penholder else short + at_vote[Outcome.VETOED]
        assert lp.outcome[Outcome.WITHDRAWN, 0] == pytest.approx(expected)
        assert lp.outcome[Outcome.FAILED, 0] == 0.0  # nobody lets a draft fail on the floor
        assert (lp.outcome[Outcome.VETOED, 0] == 0.0) == (not penholder)
        assert lp.outcome[:, 0].sum() == pytest.approx(1.0)
        assert 0.01 < lp.outcome[Outcome.WITHDRAWN, 0] < 0.99


def test_the_objectives_fast_path_equals_the_full_probabilities():
    """Calibration's hot path computes only the recorded event: it must give the same number as
    the full LaneProbabilities for every kind of record."""
    for path in sorted(HISTORY.glob("*.toml")):
        scenario = load_scenario(path, overrides=NOISY)
        record = record_of(scenario)
        full = lane_probabilities(scenario).event_log_likelihood(record)
        fast = event_log_likelihood(scenario, record, 1)
        assert fast == pytest.approx(full, rel=1e-9, abs=1e-12), path.name


SURPRISED = {
    **NOISY,
    "decision.noise_scale": 1.0,
    "decision.surprise_share": 0.3,
    "decision.surprise_sd": 1.0,
}
"""A permanent member's surprise in 30% of lanes, at a noise where the mixture's two parts differ."""


@pytest.mark.parametrize("path", [STATEMENT_MARCH_2018, COMMITTEE_2018])
def test_analytic_probabilities_agree_with_simulation_with_surprises(path):
    """The exact probabilities (a scale mixture of normals for the permanent members) and 20,000
    simulated lanes (a surprise drawn in a share of them) agree within 4.5 binomial standard
    errors; a mixture weight or sd applied on one side only would break this."""
    scenario = load_scenario(path, overrides=SURPRISED)
    exact = analytic_comparison(scenario)
    plain = analytic_comparison(load_scenario(path, overrides={**SURPRISED, "decision.surprise_share": 0.0}))
    simulated = compare_result(run(scenario, 20_000, 11))
    n = 20_000

    def close(a: float, b: float) -> bool:
        se = np.sqrt(max(a * (1 - a), 1e-4) / n)
        return abs(a - b) < 4.5 * se

    for label in OUTCOME_LABELS:
        assert close(exact.outcome_probabilities[label], simulated.outcome_probabilities[label]), label
    if exact.p_members is not None:
        for code, p in exact.p_members.items():
            assert close(p, simulated.p_members[code]), code
    # the check has power: the surprises move some outcome's probability by many standard errors
    moved = max(abs(exact.outcome_probabilities[k] - plain.outcome_probabilities[k]) for k in OUTCOME_LABELS)
    assert moved > 0.01
