"""The bundled decisions at the shipped parameters (sim/data/parameters.toml), simulated with
10,000 replicates: the in-sample figures of the README (the model never reads [history])."""

import numpy as np
import pytest

from sim.rules import Outcome
from sim.runner import run
from sim.scenario import load_scenario

from .conftest import COMMITTEE_2018, OIL_CAP_2022, RELIEF_2019, RES_2397, STATEMENT_2018

FITTED = {
    "decision.stake_weight": 84.633,
    "decision.consensus_norm": 0.493,
    "decision.sponsor_affinity": 0.781,
    "decision.noise_scale": 1.511,
    "decision.provocation_response": 0.0,
    "decision.tension_veto_discount": 0.880,
    "decision.tension_norm_discount": 0.0,
    "decision.shared_veto_discount": 0.0,
    "decision.ga_pressure_mid": 0.830,
    "decision.ga_pressure_slope": 0.052,
    "decision.elected_salience": 0.122,
    "decision.provocation_half_life_days": 365.0,
}
"""An earlier fit of the global parameters (commit 894bde4), pinned as ``[decision]`` overrides by
the sweep and CLI tests, so that their figures test the engine and do not move with the shipped
``sim/data/parameters.toml`` (that fit predates the tension discount of the consensus norm, held
at 0 here, and the provocation half-life was the judgement of a year). The acceptance tests
below use the shipped parameters."""


@pytest.fixture(scope="module")
def results():
    return {
        path.name: run(load_scenario(path), 10_000, 1)
        for path in (OIL_CAP_2022, RES_2397, COMMITTEE_2018, STATEMENT_2018, RELIEF_2019)
    }


def test_2022_oil_cap_vetoed_13_2_by_china_and_russia(results):
    summary = results[OIL_CAP_2022.name].summary()
    assert summary["most_likely_outcome"] == "vetoed"
    assert summary["outcomes"]["vetoed"]["probability"] > 0.95
    assert summary["modal_tally"] == "13-2-0"
    assert summary["modal_defeaters"] == ["CHN", "RUS"]


def test_2397_adopted_unanimously(results):
    summary = results[RES_2397.name].summary()
    assert summary["most_likely_outcome"] == "adopted"
    assert summary["outcomes"]["adopted"]["probability"] > 0.95
    assert summary["modal_tally"] == "15-0-0"


def test_committee_request_held_by_russia_and_china(results):
    summary = results[COMMITTEE_2018.name].summary()
    assert summary["most_likely_outcome"] == "blocked"
    assert summary["modal_defeaters"] == ["CHN", "RUS"]
    assert summary["defeated_by"].get("USA", 0) == 0


def test_press_statement_blocked_by_the_united_states(results):
    summary = results[STATEMENT_2018.name].summary()
    assert summary["most_likely_outcome"] == "blocked"
    assert summary["modal_defeaters"] == ["USA"]
    assert max(summary["defeated_by"], key=summary["defeated_by"].get) == "USA"


def test_relief_draft_is_withdrawn(results):
    result = results[RELIEF_2019.name]
    assert np.mean(result.outcome == Outcome.ADOPTED) < 0.05
    assert result.summary()["most_likely_outcome"] == "withdrawn"


def test_history_is_never_read_by_the_model():
    """Removing or falsifying the [history] table changes nothing in the simulated numbers."""
    scenario = load_scenario(OIL_CAP_2022)
    falsified = load_scenario(OIL_CAP_2022, overrides={"history.outcome": "adopted", "history.vetoed_by": []})
    a, b = run(scenario, 2_000, 7), run(falsified, 2_000, 7)
    assert np.array_equal(a.votes, b.votes)
