"""One contract for every registered penholder behaviour (sim/penholders.py): a new behaviour is
one class there, and these tests pick it up."""

from __future__ import annotations

import numpy as np
import pytest

from sim.likelihood import lane_probabilities, parse_params, with_lane_values
from sim.model import CouncilModel
from sim.penholders import PENHOLDERS, Penholder, penholder
from sim.rules import NOT_CAST, OUTCOME_LABELS, YES, Outcome
from sim.runner import run
from sim.scenario import ScenarioError, load_scenario

from .conftest import NEGOTIATED

FIRST_2022 = NEGOTIATED / "2022-05-26-s-2022-431-first-draft.toml"
NOISY = {"decision.noise_scale": 6.0, "decision.stake_weight": 10.0, "negotiation.rounds": 4}
"""Noisy enough that adopted, vetoed and withdrawn lanes all occur."""
BEHAVIOURS = sorted(PENHOLDERS)


def _scenario(name: str, **overrides: object):
    return load_scenario(FIRST_2022, overrides={**NOISY, "negotiation.penholder": name, **overrides})


def test_the_registry_holds_the_default_and_the_firm_setter():
    assert {"concedes", "firm"} <= set(PENHOLDERS)
    assert type(penholder(None)).name == "concedes"
    with pytest.raises(KeyError, match="known: "):
        penholder("nobody")


def test_a_second_behaviour_with_a_taken_name_is_refused():
    with pytest.raises(ValueError, match="two penholder behaviours"):
        type("Copy", (Penholder,), {"name": "firm"})


def test_a_scenario_naming_an_unknown_behaviour_gets_a_clear_error():
    with pytest.raises(ScenarioError, match=r"negotiation\.penholder: .*must be one of .*firm"):
        load_scenario(FIRST_2022, overrides={"negotiation.penholder": "hawk"})


@pytest.mark.parametrize("name", BEHAVIOURS)
def test_the_text_never_strengthens_and_stays_within_the_floor(name):
    model = CouncilModel(_scenario(name, **{"negotiation.rounds": 8}), lanes=1, rng=0)
    model.run_model()
    scales = model.datacollector.get_model_vars_dataframe()["mean_text_scale"].to_numpy()
    assert np.all(np.diff(scales) <= 1e-12)
    assert scales[-1] >= float(model.params.min_text_scale) - 1e-12 and scales[0] == 1.0


@pytest.mark.parametrize("name", BEHAVIOURS)
def test_the_canvass_is_the_vote_and_withdrawn_drafts_cast_no_votes(name):
    result = run(_scenario(name), 4_000, 3)
    withdrawn = result.outcome == Outcome.WITHDRAWN
    assert np.all(result.votes[:, withdrawn] == NOT_CAST)
    voted = ~withdrawn
    assert np.all((result.votes[:, voted] == YES).sum(axis=0) >= 9)
    assert not np.any(result.outcome == Outcome.FAILED)  # a draft short of nine is withdrawn


@pytest.mark.parametrize("name", BEHAVIOURS)
def test_simulated_outcomes_match_the_exact_probabilities(name):
    scenario = _scenario(name)
    exact = lane_probabilities(scenario).outcome[:, 0]
    n = 20_000
    simulated = np.bincount(run(scenario, n, 5).outcome, minlength=len(OUTCOME_LABELS)) / n
    assert exact[Outcome.ADOPTED] > 0.02 and exact[Outcome.VETOED] + exact[Outcome.WITHDRAWN] > 0.02
    bound = 4.5 * np.sqrt(exact * (1 - exact) / n) + 1e-3
    assert np.all(np.abs(simulated - exact) <= bound), (simulated, exact)


@pytest.mark.parametrize("name", BEHAVIOURS)
def test_a_costlier_veto_never_raises_the_chance_of_a_veto(name):
    scenario = _scenario(name)
    costs = np.linspace(0.0, 1.0, 21)
    [param] = parse_params(["members.CHN.veto_cost"], [scenario])
    vetoed = lane_probabilities(with_lane_values(scenario, [param], costs[None, :]), len(costs)).outcome[
        Outcome.VETOED
    ]
    assert np.all(np.diff(vetoed) <= 1e-9), vetoed


@pytest.mark.parametrize("name", BEHAVIOURS)
def test_same_seed_same_numbers(name):
    first, again = run(_scenario(name), 2_000, 9), run(_scenario(name), 2_000, 9)
    assert np.array_equal(first.votes, again.votes) and np.array_equal(first.outcome, again.outcome)


def test_the_firm_setter_keeps_its_first_draft_and_the_default_concedes():
    firm = CouncilModel(_scenario("firm"), lanes=1, rng=0)
    conceding = CouncilModel(_scenario("concedes"), lanes=1, rng=0)
    firm.run_model()
    conceding.run_model()
    assert float(firm.text_scale[0]) == 1.0 and float(conceding.text_scale[0]) < 1.0


@pytest.mark.parametrize("name", BEHAVIOURS)
def test_a_procedural_vote_has_no_one_to_concede_to(name):
    from .conftest import SCENARIOS

    scenario = load_scenario(
        SCENARIOS / "procedural-human-rights-agenda.toml", overrides={"negotiation.penholder": name}
    )
    model = CouncilModel(scenario, lanes=3, rng=0)
    model.run_model()
    assert np.all(model.text_scale == 1.0)
