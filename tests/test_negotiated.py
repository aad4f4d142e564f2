"""The three negotiated texts of the record, each written as its first draft: the penholder's
softening is an outcome the model predicts. The record: S/RES/1695 and 2375 were softened and
adopted, S/2022/431 softened (crude 2M -> 3M, refined 250k -> 375k) and still vetoed. What the
model gets right is asserted; what it gets wrong is a strict xfail that flips when it is fixed
(README, "What the model still gets wrong")."""

import dataclasses

import pytest

from sim.likelihood import analytic_comparison, lane_probabilities
from sim.scenario import load_scenario

from .conftest import NEGOTIATED

FIRST_DRAFTS = sorted(NEGOTIATED.glob("*.toml"))
DRAFT_1695 = NEGOTIATED / "2006-07-15-s-res-1695-first-draft.toml"
DRAFT_2375 = NEGOTIATED / "2017-09-11-s-res-2375-first-draft.toml"
DRAFT_2022 = NEGOTIATED / "2022-05-26-s-2022-431-first-draft.toml"


def _final(path):
    scenario = load_scenario(path)
    return scenario, lane_probabilities(scenario).text_scale[0], analytic_comparison(scenario)


def test_there_are_three_first_drafts_each_with_its_record():
    assert len(FIRST_DRAFTS) == 3
    for path in FIRST_DRAFTS:
        scenario = load_scenario(path)
        assert scenario.spec.proposal.draft == "first"
        record = scenario.spec.history
        assert record.softened is True and record.final_text and record.source


def test_the_2022_first_draft_is_softened_and_still_vetoed_by_china_and_russia():
    """2M / 250k softened in the talks (the record's text: 3M / 375k, half the cut) and still
    vetoed by China and Russia: they want no cut at all, so no concession buys them."""
    scenario, text, comparison = _final(DRAFT_2022)
    assert scenario.parameters.min_text_scale - 1e-12 <= text < 0.8
    crude, refined = scenario.spec.proposal.measures[:2]
    assert "2,693,750" in crude.describe(text) and "336,719" in refined.describe(text)
    assert comparison.outcome_correct and comparison.modal_outcome == "vetoed"


def test_the_2375_first_draft_is_softened_and_adopted():
    """The full oil ban of the first US draft is traded down toward China's preferred text."""
    _, text, comparison = _final(DRAFT_2375)
    assert comparison.outcome_correct and text < 0.9


def test_the_1695_first_draft_is_softened_and_adopted():
    """Chapter VII dropped, then adopted 15-0-0: before the first nuclear test little of China's
    and Russia's pressure stances is realised (sim/context.py), so the Chapter VII text lies above
    what they want and the penholder concedes."""
    _, text, comparison = _final(DRAFT_1695)
    assert comparison.outcome_correct and text < 0.9


def test_the_1695_first_draft_is_softened_because_the_record_was_short():
    """The softening comes from the stance realised on the record: with the whole stance
    realised (an endless record on the day), the same draft passes unsoftened."""
    scenario = load_scenario(DRAFT_1695)
    assert scenario.situation is not None and scenario.situation.provocation_record < 0.1
    endless = dataclasses.replace(scenario.situation, provocation_record=float("inf"))
    whole = dataclasses.replace(scenario, situation=endless)
    comparison = analytic_comparison(whole)
    assert lane_probabilities(whole).text_scale[0] == 1.0 and comparison.modal_outcome == "adopted"


@pytest.mark.parametrize("path", [DRAFT_1695, DRAFT_2375], ids=lambda p: p.name)
def test_the_1695_and_2375_first_drafts_are_adopted(path):
    _, _, comparison = _final(path)
    assert comparison.modal_outcome == "adopted" and comparison.p_outcome > 0.5


def test_run_prints_the_text_after_the_talks():
    from typer.testing import CliRunner

    from sim.cli import app

    result = CliRunner().invoke(app, ["run", str(DRAFT_2022), "-n", "500", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "Text after the talks (mean over lanes: 65% of the first draft's strength)" in result.output
    assert "crude oil cap 4,000,000 -> 2,693,750 bbl/yr" in result.output
    # a measure without units of its own says at what share of its weight it stands
    assert "asset freeze on 3 designations (at 65.3% of its weight)" in result.output
