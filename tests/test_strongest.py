"""``unsc-sim strongest``: the strongest text within a bound on P(vetoed or failed)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.likelihood import lane_probabilities
from sim.rules import Outcome
from sim.scenario import load_scenario
from sim.strongest import BISECTION_TOLERANCE, StrongestError, TextEvaluator, strongest_text

from .conftest import NEGOTIATED, OIL_CAP_2022, RELIEF_2019

runner = CliRunner()
FIRST_DRAFT_2375 = NEGOTIATED / "2017-09-11-s-res-2375-first-draft.toml"


@pytest.fixture(scope="module")
def oil_cap_2022():
    return load_scenario(OIL_CAP_2022)


def test_the_bound_holds_at_the_text_and_breaks_just_above(oil_cap_2022):
    result = strongest_text(oil_cap_2022, 0.1)
    assert result.scale is not None and result.scale < 1.0  # the draft as voted was vetoed
    assert result.scale_above is not None
    assert 0 < result.scale_above - result.scale <= BISECTION_TOLERANCE
    evaluator = TextEvaluator(oil_cap_2022)
    assert evaluator.at(result.scale).risk <= 0.1
    assert evaluator.at(result.scale_above).risk > 0.1
    # and every grid scale of the last feasible interval meets it, the next grid scale does not
    low, high = result.feasible_intervals[-1]
    grid = {round(p.scale, 9): p.risk for p in result.curve}
    assert all(risk <= 0.1 for scale, risk in grid.items() if low <= scale <= high)
    assert all(risk > 0.1 for scale, risk in grid.items() if scale > high)


def test_a_tighter_bound_gives_a_weaker_text(oil_cap_2022):
    loose = strongest_text(oil_cap_2022, 0.5, grid_points=51)
    tight = strongest_text(oil_cap_2022, 0.06, grid_points=51)  # a surprise veto: 4.5% at any text
    assert tight.scale < loose.scale


def test_the_full_scale_is_the_models_own_vote(oil_cap_2022):
    """At scale 1 the evaluator gives the exact probabilities of the file's own model."""
    exact = lane_probabilities(oil_cap_2022).outcome[:, 0]
    point = TextEvaluator(oil_cap_2022).at(1.0)
    assert point.probabilities["adopted"] == pytest.approx(exact[Outcome.ADOPTED], abs=1e-12)
    assert point.probabilities["vetoed"] == pytest.approx(exact[Outcome.VETOED], abs=1e-12)
    # short of nine the penholder withdraws: "failed" here is "withdrawn" there
    assert point.probabilities["failed"] == pytest.approx(exact[Outcome.WITHDRAWN], abs=1e-12)


def test_the_text_is_in_the_measures_units_and_only_named_measures_move(oil_cap_2022):
    # the crude cut alone, the rest of the draft as written: vetoed with p >= 0.73 at any cut
    result = strongest_text(oil_cap_2022, 0.85, measures=["crude_oil_cap"], grid_points=51)
    assert result.scaled_measures == [0]
    crude = re.fullmatch(r"crude oil cap 4,000,000 -> ([\d,]+) bbl/yr", result.text[0])
    assert crude is not None
    assert float(crude.group(1).replace(",", "")) == pytest.approx(4e6 - result.scale * 1e6, abs=1)
    assert result.text[1:] == result.full_text[1:]  # the rest of the draft as written
    both = strongest_text(oil_cap_2022, 0.85, measures=["0", "refined_petroleum_cap"], grid_points=51)
    assert both.scaled_measures == [0, 1]


def test_an_unknown_measure_is_named(oil_cap_2022):
    with pytest.raises(StrongestError, match="bogus"):
        strongest_text(oil_cap_2022, 0.1, measures=["bogus"])


def test_no_text_meets_the_bound_is_said_plainly():
    result = strongest_text(load_scenario(RELIEF_2019), 0.1, grid_points=21)
    assert result.scale is None and result.text == [] and result.feasible_intervals == []
    assert "no text meets the bound" in result.notes[0]
    cli = runner.invoke(app, ["strongest", str(RELIEF_2019)])
    assert cli.exit_code == 0, cli.output
    assert "no text meets the bound" in cli.output


def test_a_draft_that_already_meets_the_bound():
    result = strongest_text(load_scenario(FIRST_DRAFT_2375), 0.1, grid_points=21)
    assert result.scale == 1.0 and result.scale_above is None
    assert result.text == result.full_text
    assert any("already meets" in note for note in result.notes)


def test_cli_json_and_plot(tmp_path):
    figure = tmp_path / "curve.png"
    cli = runner.invoke(
        app, ["strongest", str(OIL_CAP_2022), "--max-veto-risk", "0.2", "--json", "--plot", str(figure)]
    )
    assert cli.exit_code == 0, cli.output
    data = json.loads(cli.stdout)
    assert data["max_veto_risk"] == 0.2 and data["risk_at_scale"] <= 0.2 < data["risk_above_scale"]
    curve = data["curve"]
    assert len(curve) > 100 and all(abs(p["adopted"] + p["vetoed"] + p["failed"] - 1) < 1e-9 for p in curve)
    assert np.all(np.diff([p["scale"] for p in curve]) > 0)
    assert figure.stat().st_size > 0
    # what made it
    scenario = load_scenario(OIL_CAP_2022)
    assert data["scenario_fingerprint"] == scenario.fingerprint() and data["version"]
    assert data["scenario_file"] == str(scenario.path)


def test_a_statement_bound_is_on_p_blocked_throughout():
    """In a consensus body the bound is on P(blocked): the note says so too (it said P(vetoed or
    failed) under a "bound: P(blocked)" line)."""
    from .conftest import HISTORY

    text = runner.invoke(app, ["strongest", str(HISTORY / "2018-03-15-press-statement.toml")]).output
    assert "bound: P(blocked) <= 0.1" in text and "the lowest P(blocked) on the curve" in text
    assert "vetoed or failed" not in text


def test_cli_bad_options():
    assert runner.invoke(app, ["strongest", str(OIL_CAP_2022), "--max-veto-risk", "1.5"]).exit_code == 2
    bad = runner.invoke(app, ["strongest", str(OIL_CAP_2022), "-m", "nothing"])
    assert bad.exit_code == 2 and "--measure nothing: the draft has no such measure" in bad.output


def test_a_curve_that_rises_then_falls_is_reported_as_such():
    """Every interval of scales meeting the bound is listed; a weak text breaking it is noted."""
    from .conftest import HISTORY

    result = strongest_text(load_scenario(HISTORY / "2006-07-15-s-res-1695.toml"), 0.1, grid_points=41)
    risks = {round(p.scale, 9): p.risk for p in result.curve}
    within = lambda s, a, b: a - 1e-9 <= s <= b + 1e-9  # noqa: E731  (the keys are rounded to 9 places)
    for low, high in result.feasible_intervals:
        assert all(risk <= 0.1 for scale, risk in risks.items() if within(scale, low, high))
    meets = [scale for scale, risk in risks.items() if risk <= 0.1]
    assert sum(1 for s in meets if any(within(s, a, b) for a, b in result.feasible_intervals)) == len(meets)
    weak_breaks = risks[0.0] > 0.1
    assert weak_breaks == any("not monotone" in note for note in result.notes)


def test_random_stances_are_averaged_over_draws(write_scenario):
    path = write_scenario(f"""
extends = "{OIL_CAP_2022}"
[scenario]
name = "S/2022/431 with China's pressure stance uncertain"
[members.CHN]
pressure = {{ low = 0.3, high = 0.9, source = "what-if" }}
""")
    scenario = load_scenario(path)
    evaluator = TextEvaluator(scenario)
    assert evaluator.draws > 1
    result = strongest_text(scenario, 0.2, grid_points=21)
    assert result.scale is not None
    assert evaluator.at(result.scale).risk <= 0.2
    if result.scale_above is not None:
        assert evaluator.at(result.scale_above).risk > 0.2
