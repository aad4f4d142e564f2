"""Properties the model must have whatever its parameters (issue: "properties as tests"), checked
with the exact probabilities over many parameter values at once (one lane each)."""

import numpy as np
import pytest

from sim.likelihood import lane_probabilities, parse_params, with_lane_values
from sim.model import CouncilModel
from sim.rules import Outcome
from sim.scenario import load_scenario, scenario_from_dict

from .conftest import HISTORY, NEGOTIATED, OIL_CAP_2022

GRID = np.linspace(0.0, 1.0, 41)
FINAL = [
    OIL_CAP_2022,
    HISTORY / "2017-12-22-s-res-2397.toml",
    HISTORY / "2018-07-19-committee-refined-halt.toml",
    HISTORY / "2019-04-10-s-res-2464.toml",
]
FIRST = [
    NEGOTIATED / "2022-05-26-s-2022-431-first-draft.toml",
    NEGOTIATED / "2017-09-11-s-res-2375-first-draft.toml",
]
TIGHTENING = FINAL + FIRST
SETTINGS = [
    {},
    {"decision.noise_scale": 4.0, "decision.consensus_norm": 0.0},
    {
        "decision.shared_veto_discount": 0.9,
        "decision.tension_veto_discount": 0.8,
        "decision.stake_weight": 60.0,
    },
]


def _probabilities(path, key: str, values: np.ndarray, overrides: dict):
    """Exact probabilities with ``key`` set to each of ``values``, one lane each."""
    scenario = load_scenario(path, overrides=overrides)
    [param] = parse_params([key], [scenario])
    return lane_probabilities(with_lane_values(scenario, [param], values[None, :]), len(values))


def _along(path, key: str, values: np.ndarray, overrides: dict) -> np.ndarray:
    """(5, len(values)) outcome probabilities with ``key`` set to each value."""
    return _probabilities(path, key, values, overrides).outcome


@pytest.mark.parametrize("overrides", SETTINGS)
@pytest.mark.parametrize("path", FINAL, ids=lambda p: p.name)
def test_a_members_pressure_stance_never_lowers_adoption_of_a_tightening_draft(path, overrides):
    for code in ("CHN", "RUS", "USA"):
        adopted = _along(path, f"members.{code}.pressure", GRID, overrides)[Outcome.ADOPTED]
        assert np.all(np.diff(adopted) >= -1e-9), (path.name, code, adopted)


def _text_along(path, key: str, values: np.ndarray, overrides: dict) -> np.ndarray:
    return _probabilities(path, key, values, overrides).text_scale


@pytest.mark.parametrize("overrides", SETTINGS)
@pytest.mark.parametrize("path", FIRST, ids=lambda p: p.name)
def test_a_more_hawkish_council_lets_the_penholder_keep_a_stronger_text(path, overrides):
    """For a first draft the penholder turns a friendlier council into a stronger text rather
    than a likelier adoption (the setter model): the text it keeps never weakens as a member's
    pressure stance rises; P(adopted) at any given text never falls (the test above)."""
    for code in ("CHN", "RUS"):
        text = _text_along(path, f"members.{code}.pressure", GRID, overrides)
        assert np.all(np.diff(text) >= -1e-12), (path.name, code, text)


@pytest.mark.parametrize("overrides", SETTINGS)
@pytest.mark.parametrize("path", TIGHTENING, ids=lambda p: p.name)
def test_a_nuclear_test_never_lowers_adoption_of_a_tightening_draft(path, overrides):
    calm = lane_probabilities(load_scenario(path, overrides=overrides)).outcome[Outcome.ADOPTED, 0]
    tested = lane_probabilities(
        load_scenario(path, overrides={**overrides, "context.nuclear_test": True})
    ).outcome[Outcome.ADOPTED, 0]
    assert tested >= calm - 1e-9, (path.name, calm, tested)


@pytest.mark.parametrize("overrides", SETTINGS)
@pytest.mark.parametrize(
    "path", TIGHTENING + [HISTORY / "2019-12-16-relief-draft.toml"], ids=lambda p: p.name
)
def test_a_members_veto_cost_never_raises_the_chance_of_a_veto(path, overrides):
    """Whatever the penholder does (first drafts are softened in the talks)."""
    for code in ("CHN", "RUS", "USA"):
        outcome = _along(path, f"members.{code}.veto_cost", GRID, overrides)
        defeated = outcome[Outcome.VETOED] + outcome[Outcome.BLOCKED]
        assert np.all(np.diff(defeated) <= 1e-9), (path.name, code, defeated)


def test_the_stake_goes_to_zero_as_the_draft_shrinks_to_the_status_quo(write_scenario):
    from .conftest import MINIMAL

    stakes = []
    for to in (3_000_000, 3_900_000, 3_990_000, 3_999_000):
        model = CouncilModel(
            load_scenario(write_scenario(MINIMAL.replace("to = 3_000_000", f"to = {to}"))), collect=False
        )
        stakes.append(abs(float(model.member("CHN").gain()[0])))
    assert stakes[0] > stakes[1] > stakes[2] > stakes[3]
    assert stakes[3] < stakes[0] * 2e-3
    # and what is left of the utility is the constant part: the consensus norm (weakened by the
    # day's tension) and ties
    model = CouncilModel(
        load_scenario(write_scenario(MINIMAL.replace("to = 3_000_000", "to = 3_999_999"))), collect=False
    )
    china = model.member("CHN")
    norm = np.ravel(model.context_effect.consensus_norm())[0] * model.penholder_draft
    assert 0 < norm < np.ravel(model.params.consensus_norm)[0]  # tension > 0 on the day
    constant = float(norm + model.sponsor_pull[china.index][0])
    assert float(china.support()[0]) == pytest.approx(constant, abs=1e-3)


def test_permuting_members_or_renaming_the_file_changes_no_distribution(write_scenario):
    path = OIL_CAP_2022
    base = load_scenario(path)
    raw = base.spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    order = list(reversed(base.codes))
    permuted_raw = {**raw, "council": {"members": order}}
    permuted = scenario_from_dict(permuted_raw, label="elsewhere/renamed.toml")
    a = lane_probabilities(base)
    b = lane_probabilities(permuted)
    assert a.outcome[:, 0] == pytest.approx(b.outcome[:, 0], abs=1e-12)
    index = {code: i for i, code in enumerate(b.codes)}
    for i, code in enumerate(a.codes):
        assert a.member[i, :, 0] == pytest.approx(b.member[index[code], :, 0], abs=1e-12), code
    renamed = scenario_from_dict(raw, label="another/name.toml")
    assert renamed.fingerprint() == base.fingerprint()
    from sim.runner import run

    assert np.array_equal(run(base, 2_000, 3).votes, run(renamed, 2_000, 3).votes)
