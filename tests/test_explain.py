"""``run --explain``: each member's utility in its parts, and who was pivotal where the draft failed."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.explain import explain_run, pivotal_lanes, utility_parts
from sim.likelihood import negotiated_model
from sim.rules import Outcome
from sim.runner import run
from sim.scenario import load_scenario

from .conftest import OIL_CAP_2022

runner = CliRunner()

CHINA_ALONE = f"""
extends = "{OIL_CAP_2022}"
[scenario]
name = "S/2022/431 if Russia went along and a veto cost China nothing"
[members.RUS]
pressure = {{ value = 0.9, source = "what-if" }}
reciprocity = {{ value = 0.1, source = "what-if" }}
[members.CHN]
veto_cost = {{ value = 0.0, source = "what-if" }}
[decision]
surprise_share = 0.0  # no permanent member's surprise: China's veto is alone by construction
"""

RANDOM_STANCE = f"""
extends = "{OIL_CAP_2022}"
[scenario]
name = "S/2022/431 with China's pressure stance uncertain"
[members.CHN]
pressure = {{ low = 0.3, high = 0.9, source = "what-if" }}
"""


@pytest.fixture(scope="module")
def oil_cap_2022():
    return load_scenario(OIL_CAP_2022)


def test_the_parts_add_up_to_the_models_utility(oil_cap_2022):
    parts = utility_parts(oil_cap_2022, lanes=1, seed=0)
    total = parts["stake"] + parts["consensus_norm"] + parts["ties"]
    np.testing.assert_allclose(total, parts["utility"], rtol=0, atol=1e-12)
    # ... which is what each member computes itself
    model = negotiated_model(oil_cap_2022, 1, 0)
    own = np.stack([np.atleast_1d(m._support()) for m in model.members])
    np.testing.assert_allclose(parts["utility"], own, rtol=0, atol=1e-12)
    # and the intentions are those of the vote
    np.testing.assert_allclose(parts["p_yes"] + parts["p_no"] + parts["p_abstain"], 1.0, atol=1e-12)


def test_parts_add_up_with_random_stances(write_scenario):
    scenario = load_scenario(write_scenario(RANDOM_STANCE))
    parts = utility_parts(scenario, lanes=200, seed=3)
    assert parts["utility"].shape == (15, 200)
    assert np.ptp(parts["stake"][scenario.codes.index("CHN")]) > 0  # the draws differ per lane
    np.testing.assert_allclose(
        parts["stake"] + parts["consensus_norm"] + parts["ties"], parts["utility"], atol=1e-12
    )
    result = run(scenario, replicates=300, seed=3)
    explanation = explain_run(scenario, result)
    for member in explanation.members:
        assert member.stake + member.consensus_norm + member.ties == pytest.approx(member.utility, abs=1e-9)


def test_pivotal_shares_are_shares_and_a_joint_veto_has_no_pivot(oil_cap_2022):
    result = run(oil_cap_2022, replicates=2000, seed=1)
    explanation = explain_run(oil_cap_2022, result)
    shares = [m.pivotal_share for m in explanation.members]
    assert all(s is not None and 0.0 <= s <= 1.0 for s in shares)
    failed, pivotal = pivotal_lanes(result)
    vetoers = result.defeated_by[:, failed].sum(axis=0)
    # a lane vetoed by two: no single switch adopts it; by one: that one is pivotal
    assert not pivotal[:, vetoers >= 2].any()
    single = vetoers == 1
    assert np.array_equal(pivotal[:, single], result.defeated_by[:, failed][:, single])
    assert explanation.no_pivotal_share == pytest.approx(float(np.mean(vetoers >= 2)))


def test_a_lone_veto_is_pivotal_in_every_vetoed_lane(write_scenario):
    scenario = load_scenario(write_scenario(CHINA_ALONE))
    result = run(scenario, replicates=1000, seed=2)
    vetoed = result.outcome == Outcome.VETOED
    assert vetoed.mean() > 0.9 and np.all(result.defeated_by[scenario.codes.index("CHN"), vetoed])
    explanation = explain_run(scenario, result)
    by_code = {m.code: m for m in explanation.members}
    assert explanation.failed_lanes == {"vetoed": int(vetoed.sum())}
    assert by_code["CHN"].pivotal_share == 1.0
    assert by_code["RUS"].pivotal_share == 0.0


def test_no_failed_lane_means_no_pivotal_share():
    from .conftest import RES_2397

    scenario = load_scenario(RES_2397)
    result = run(scenario, replicates=200, seed=0)
    explanation = explain_run(scenario, result)
    none_failed = not np.isin(result.outcome, [Outcome.VETOED, Outcome.FAILED, Outcome.BLOCKED]).any()
    assert (explanation.failed_lanes == {}) == none_failed
    assert all((m.pivotal_share is None) == none_failed for m in explanation.members)
    assert (explanation.no_pivotal_share is None) == none_failed


def test_cli_explain_table_and_json():
    text = runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "1000", "--explain"])
    assert text.exit_code == 0, text.output
    assert "stake = stake weight" in text.output and "pivotal" in text.output
    assert "China (CHN, P5)" in text.output.split("stake = stake weight")[1]
    data = json.loads(
        runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "1000", "--json", "--explain"]).stdout
    )
    members = data["explain"]["members"]
    assert len(members) == 15
    assert data["explain"]["surprise_share"] == 0.1 and data["explain"]["surprise_sd"] == 1.0
    assert "for a permanent member in 10% of lanes, a surprise of sd 1" in text.output
    for member in members:
        assert member["stake"] + member["consensus_norm"] + member["ties"] == pytest.approx(member["utility"])
    assert "explain" not in json.loads(
        runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "100", "--json"]).stdout
    )


def test_a_hold_that_is_never_needed_prints_no_huge_threshold(tmp_path):
    """In a consensus body an elected member's threshold is its hold's cost over the chance that
    the hold is needed; behind a permanent member's certain objection that is a six-figure number
    that says nothing: printed as >1,000, with a line saying why. The JSON keeps the number."""
    from .conftest import HISTORY

    # without surprises, the US objection is certain (with them, 98%: Bolivia's threshold is 24)
    quiet = tmp_path / "quiet.toml"
    quiet.write_text(
        f'extends = "{HISTORY / "2018-06-28-press-statement.toml"}"\n[decision]\nsurprise_share = 0.0\n'
    )
    path = str(quiet)
    text = runner.invoke(app, ["run", path, "-n", "500", "--explain"]).stdout
    rows = [line for line in text.splitlines() if "(BOL)" in line and "%" in line and ">1,000" in line]
    assert rows and "threshold >1,000: an elected member's hold that is almost never needed" in text
    data = json.loads(runner.invoke(app, ["run", path, "-n", "500", "--explain", "--json"]).stdout)
    bolivia = next(m for m in data["explain"]["members"] if m["code"] == "BOL")
    assert bolivia["threshold"] > 1000
    plain = runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "500", "--explain"]).stdout
    assert ">1,000" not in plain


def test_the_report_carries_the_explanation(tmp_path, oil_cap_2022):
    from sim.report import report

    page = report([oil_cap_2022], tmp_path / "r.html", replicates=500, seed=0)
    html = page.read_text()
    assert "Why: each member's utility" in html and 'class="explain"' in html
    assert "for a permanent member in 10% of lanes, a surprise of sd 1 (P(no) counts both)" in html


def test_explain_says_where_a_gain_comes_from_human_rights_and_why_the_norm_is_zero():
    """On a procedural vote on the DPRK's human rights the gain is the item's weight times each
    member's General Assembly vote and the norm is 0; --explain says both, and says neither of a
    resolution on sanctions."""
    from .conftest import SCENARIOS

    agenda = SCENARIOS / "held-out" / "2024-06-12-procedural-vote.toml"
    data = json.loads(runner.invoke(app, ["run", str(agenda), "-n", "200", "--explain", "--json"]).stdout)
    notes = data["explain"]["notes"]
    assert any("human-rights resolution" in note for note in notes)
    assert any("no consensus norm" in note for note in notes)
    members = {m["code"]: m for m in data["explain"]["members"]}
    assert members["CHN"]["gain"] < 0 < members["FRA"]["gain"] and members["MOZ"]["gain"] == 0
    assert all(m["consensus_norm"] == 0 for m in members.values())
    sanctions = json.loads(
        runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "200", "--explain", "--json"]).stdout
    )
    assert sanctions["explain"]["notes"] == []
