"""The three negotiated texts of the record, each written as its first draft: the penholder's
softening is an outcome the model predicts, and each must end where the record says (softened
and adopted: S/RES/1695, S/RES/2375; softened and still vetoed: S/2022/431)."""

import pytest

from sim.compare import record_of
from sim.likelihood import analytic_comparison, lane_probabilities
from sim.scenario import load_scenario

from .conftest import NEGOTIATED

FIRST_DRAFTS = sorted(NEGOTIATED.glob("*.toml"))


def test_there_are_three_first_drafts_each_with_its_record():
    assert len(FIRST_DRAFTS) == 3
    for path in FIRST_DRAFTS:
        scenario = load_scenario(path)
        assert scenario.spec.proposal.draft == "first"
        record = scenario.spec.history
        assert record.softened is True and record.final_text and record.source


@pytest.mark.parametrize("path", FIRST_DRAFTS, ids=lambda p: p.name)
def test_each_first_draft_ends_where_the_record_says(path):
    scenario = load_scenario(path)
    comparison = analytic_comparison(scenario)
    assert comparison.outcome_correct, (comparison.modal_outcome, comparison.modal_defeaters)
    text = lane_probabilities(scenario).text_scale[0]
    assert text < 1.0  # the penholder softened its first draft, as the record says it did
    assert text >= scenario.parameters.min_text_scale - 1e-12
    assert record_of(scenario).outcome in {"adopted", "vetoed"}
