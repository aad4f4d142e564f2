"""Scores of a run against the record, checked on small hand-computed cases; the baselines; the
``compare`` command."""

import json
import math
import textwrap
import tomllib

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.baselines import baseline_comparisons, baseline_forecasts, positions_on_draft
from sim.cli import app
from sim.compare import CompareError, compare_result, totals
from sim.results import RunResult
from sim.rules import ABSTAIN, NO, YES, Outcome
from sim.scenario import scenario_from_dict

from .conftest import BASELINE_NAMES, HISTORY, OIL_CAP_2022, RES_2397

runner = CliRunner()

TWO_MEMBERS = """
[scenario]
name = "two-member council"

[council]
members = ["AAA", "BBB"]
quota = 1

[members.AAA]
name = "A"
permanent = true
pressure = 0.5
reciprocity = 0.5
veto_cost = 0.5
salience = 1.0
noise = 0.1

[members.BBB]
name = "B"
permanent = false
pressure = 0.9
reciprocity = 0.1
veto_cost = 0.5
salience = 1.0
noise = 0.1

[proposal]
kind = "resolution"
title = "test"
sponsors = ["BBB"]

[[proposal.measures]]
type = "custom"
description = "test"
pressure = 0.2

[context]
date = "2020-01-01"
status_quo_pressure = 0.5
status_quo_reciprocity = 0.1
"""


def two_member(history: str) -> "Scenario":  # noqa: F821
    raw = tomllib.loads(textwrap.dedent(TWO_MEMBERS) + textwrap.dedent(history))
    return scenario_from_dict(raw, label="two.toml")


def hand_run(scenario) -> RunResult:
    """Four lanes written by hand (rows: AAA, BBB):
    lane 0: yes, no   -> adopted 1-1-0
    lane 1: yes, yes  -> adopted 2-0-0
    lane 2: no, no    -> vetoed by AAA 0-2-0
    lane 3: abst, no  -> failed 0-1-1
    """
    votes = np.array([[YES, YES, NO, ABSTAIN], [NO, YES, NO, NO]], dtype=np.int8)
    outcome = np.array([Outcome.ADOPTED, Outcome.ADOPTED, Outcome.VETOED, Outcome.FAILED], dtype=np.int8)
    defeated_by = np.array([[False, False, True, False], [False, False, False, False]])
    return RunResult.from_arrays(
        scenario,
        seed=0,
        votes=votes,
        outcome=outcome,
        defeated_by=defeated_by,
        fell_short=np.array([False, False, True, True]),
        text_scale=np.ones(4),
    )


ADOPTED_1_1 = """
[history]
symbol = "S/TEST/1"
date = "2020-01-01"
source = "test"
outcome = "adopted"
tally = "1-1-0"
votes = { AAA = "yes", BBB = "no" }
"""


def test_scores_of_a_two_member_council_by_hand():
    comparison = compare_result(hand_run(two_member(ADOPTED_1_1)))
    # P(AAA yes) = 2/4, P(BBB no) = 3/4
    assert comparison.p_members == {"AAA": 0.5, "BBB": 0.75}
    assert comparison.log_likelihood == pytest.approx(math.log(0.5) + math.log(0.75))
    # Brier per member: sum over yes/no/abstain/not cast of (p - o)^2
    # AAA: (0.5-1)^2 + 0.25^2 + 0.25^2 = 0.375; BBB: 0.25^2 + (0.75-1)^2 = 0.125
    assert comparison.brier == pytest.approx((0.375 + 0.125) / 2)
    assert comparison.p_tally == pytest.approx(0.25)  # only lane 0 is 1-1-0
    assert comparison.p_outcome == pytest.approx(0.5)  # lanes 0 and 1 adopted
    assert comparison.modal_outcome == "adopted" and comparison.outcome_correct
    assert comparison.floor == pytest.approx(1 / 8)
    d = comparison.to_dict()
    for key in ("file", "symbol", "p_outcome", "p_tally", "p_members", "log_likelihood", "brier"):
        assert key in d


def test_a_vote_never_simulated_is_floored_at_half_a_lane():
    scenario = two_member(ADOPTED_1_1.replace('BBB = "no"', 'BBB = "abstain"').replace("1-1-0", "1-0-1"))
    comparison = compare_result(hand_run(scenario))
    assert comparison.p_members["BBB"] == 0.0
    assert comparison.log_likelihood == pytest.approx(math.log(0.5) + math.log(1 / 8))
    assert comparison.p_tally == 0.0


def test_the_outcome_must_have_the_same_vetoing_members():
    vetoed = """
    [history]
    symbol = "S/TEST/2"
    date = "2020-01-02"
    source = "test"
    outcome = "vetoed"
    vetoed_by = ["AAA"]
    """
    comparison = compare_result(hand_run(two_member(vetoed)))
    assert comparison.p_outcome == pytest.approx(0.25)
    assert comparison.p_outcome_kind == pytest.approx(0.25)
    # no votes and no tally in the record: undefined, and said so
    assert comparison.p_members is None and comparison.log_likelihood is None and comparison.brier is None
    assert comparison.p_tally is None
    assert any("undefined" in note for note in comparison.notes)
    assert comparison.event_log_likelihood == pytest.approx(math.log(0.25))
    assert not comparison.outcome_correct  # the most likely outcome is adoption


def test_a_veto_by_another_member_does_not_count():
    scenario = two_member(ADOPTED_1_1)
    result = hand_run(scenario)
    record = """
    [history]
    symbol = "S/TEST/3"
    date = "2020-01-03"
    source = "test"
    outcome = "vetoed"
    vetoed_by = ["AAA"]
    """
    # the same lanes, but lane 2's defeat is credited to BBB instead of AAA (arrays written by hand)
    defeated = result.defeated_by.copy()
    defeated[0, 2] = False
    defeated[1, 2] = True
    other = RunResult.from_arrays(
        two_member(record),
        0,
        votes=result.votes,
        outcome=result.outcome,
        defeated_by=defeated,
        fell_short=result.fell_short,
        text_scale=result.text_scale,
    )
    comparison = compare_result(other)
    assert comparison.p_outcome == 0.0 and comparison.p_outcome_kind == pytest.approx(0.25)


def test_a_file_without_history_cannot_be_compared():
    scenario = scenario_from_dict(tomllib.loads(textwrap.dedent(TWO_MEMBERS)), label="bare.toml")
    with pytest.raises(CompareError, match="bare.toml: history: no \\[history\\] table"):
        compare_result(hand_run(scenario))


def test_totals_add_log_likelihoods_and_average_briers():
    a = compare_result(hand_run(two_member(ADOPTED_1_1)))
    b = compare_result(hand_run(two_member(ADOPTED_1_1.replace("2020-01-01", "2020-02-01"))))
    total = totals([a, b])
    assert total["log_likelihood"] == pytest.approx(2 * a.log_likelihood)
    assert total["brier"] == pytest.approx(a.brier)
    assert total["member_votes"] == 4 and total["outcomes_correct"] == 2


# ------------------------------------------------------------------ baselines on small cases

THREE_MEMBERS = """
[scenario]
name = "three-member council"

[council]
members = ["AAA", "BBB", "CCC"]
quota = 2

[members.AAA]
name = "A"
permanent = true
pressure = 0.55
reciprocity = 0.1
veto_cost = 0.5
salience = 1.0
noise = 0.1

[members.BBB]
name = "B"
permanent = false
pressure = 0.9
reciprocity = 0.1
veto_cost = 0.5
salience = {salience}
noise = 0.1

[members.CCC]
name = "C"
permanent = false
pressure = 0.8
reciprocity = 0.1
veto_cost = 0.5
salience = {salience}
noise = 0.1

[proposal]
kind = "resolution"
title = "test"
sponsors = ["BBB"]

[[proposal.measures]]
type = "custom"
description = "test"
pressure = 0.2
reciprocity = -0.02

[context]
date = "{date}"
status_quo_pressure = 0.5
status_quo_reciprocity = 0.1

[history]
symbol = "S/TEST/{n}"
date = "{date}"
source = "test"
outcome = "adopted"
tally = "3-0-0"
votes = {{ AAA = "{a}", BBB = "yes", CCC = "yes" }}
"""


def three(n: int, date: str, a: str = "yes", salience: float = 0.6):
    text = THREE_MEMBERS.format(n=n, date=date, a=a, salience=salience)
    if a != "yes":
        text = text.replace(
            'outcome = "adopted"\ntally = "3-0-0"', 'outcome = "vetoed"\nvetoed_by = ["AAA"]\ntally = "2-1-0"'
        )
    return scenario_from_dict(tomllib.loads(textwrap.dedent(text)), label=f"three{n}.toml")


def test_positions_on_the_draft_axis():
    # status quo (0.5, 0.1), draft shift (0.2, -0.02): t = (x - s).d / |d|^2
    d = np.array([0.2, -0.02])
    expected = [(np.array([p, 0.1]) - np.array([0.5, 0.1])) @ d / (d @ d) for p in (0.55, 0.9, 0.8)]
    assert positions_on_draft(three(1, "2020-01-01")) == pytest.approx(expected)


def test_last_vote_baseline_repeats_each_members_previous_position():
    first = three(1, "2020-01-01", a="no")  # AAA vetoed
    second = three(2, "2020-02-01")  # AAA really voted yes
    forecasts = baseline_forecasts([second, first])  # given out of date order on purpose
    last = forecasts["last_vote"]
    # first file: nobody has a position yet -> everyone yes
    assert last[1].member_probabilities[:, 0].tolist() == [1.0, 1.0, 1.0]
    # second file: AAA's last position was its "no" -> veto predicted
    assert last[0].member_probabilities[0, 1] == 1.0 and last[0].modal_outcome == "vetoed"
    assert last[0].modal_defeaters == ("AAA",)
    scored = baseline_comparisons([first, second], floor=0.01)["last_vote"]
    assert scored[1].log_likelihood == pytest.approx(math.log(0.01))  # one wrong vote, floored
    assert scored[1].brier == pytest.approx(2 / 3)  # wrong vote scores 2, right ones 0


def test_p5_opposition_baseline_vetoes_when_a_permanent_stance_is_short_of_the_midpoint():
    # AAA's position t = 0.25 < 0.5: it opposes, so it votes no and vetoes
    forecast = baseline_forecasts([three(1, "2020-01-01")])["p5_opposition"][0]
    assert forecast.modal_outcome == "vetoed" and forecast.modal_defeaters == ("AAA",)
    assert forecast.member_probabilities[1:, 0].tolist() == [1.0, 1.0]


def test_weighted_mean_baseline_by_hand():
    # Shapley-Shubik with a veto player AAA and quota 2 of 3: AAA 4/6, BBB 1/6, CCC 1/6.
    t = positions_on_draft(three(1, "2020-01-01"))
    for salience, carries in ((0.6, True), (0.1, False)):
        weights = np.array([4 / 6 * 1.0, 1 / 6 * salience, 1 / 6 * salience])
        mean = weights @ t / weights.sum()
        assert (mean > 0.5) == carries  # the two cases straddle the cutting line
        forecast = baseline_forecasts([three(1, "2020-01-01", salience=salience)])["weighted_mean"][0]
        if carries:
            assert forecast.modal_outcome == "adopted" and forecast.p_outcome == 1.0
        else:
            assert forecast.modal_outcome == "vetoed" and forecast.p_outcome == 0.0


# ------------------------------------------------------------------ real files and the command


def test_compare_result_on_the_2022_veto_at_the_shipped_parameters():
    from sim.runner import run
    from sim.scenario import load_scenario

    comparison = compare_result(run(load_scenario(OIL_CAP_2022), 4_000, 1))
    assert comparison.p_outcome > 0.5 and comparison.outcome_correct
    assert comparison.modal_defeaters == ("CHN", "RUS")
    assert comparison.p_members["CHN"] > 0.5 and comparison.p_members["FRA"] > 0.9
    assert comparison.p_tally > 0.3


def test_compare_json_has_the_documented_shape():
    result = runner.invoke(
        app, ["compare", str(OIL_CAP_2022), str(RES_2397), "-n", "500", "--seed", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"files", "total", "baselines"}
    assert [f["symbol"] for f in data["files"]] == ["S/RES/2397", "S/2022/431"]  # date order
    for f in data["files"]:
        assert set(f) >= {"file", "symbol", "p_outcome", "p_tally", "p_members", "log_likelihood", "brier"}
    assert data["total"]["files"] == 2
    assert set(data["baselines"]) == BASELINE_NAMES
    assert data["total"]["log_likelihood"] == pytest.approx(sum(f["log_likelihood"] for f in data["files"]))


def test_compare_json_gives_each_files_scenario_fingerprint(tmp_path):
    """Each scored file says what its numbers were simulated from: its scenario's fingerprint
    (the one ``run --out`` and ``sweep`` record), beside the keys it always had."""
    from sim.scenario import load_scenario

    result = runner.invoke(app, ["compare", str(OIL_CAP_2022), str(RES_2397), "-n", "200", "--json"])
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    assert {f["file"]: f["scenario_fingerprint"] for f in files} == {
        str(path): load_scenario(path).fingerprint() for path in (OIL_CAP_2022, RES_2397)
    }
    assert all({"file", "symbol", "method", "p_outcome", "notes"} <= set(f) for f in files)
    preset = tmp_path / "preset.toml"  # another veto cost for China: another fingerprint
    preset.write_text('[CHN]\nname = "China"\npermanent = true\nnoise = 0.1\nveto_cost = 0.9\n')
    other = runner.invoke(app, ["compare", str(OIL_CAP_2022), "-n", "200", "--preset", str(preset), "--json"])
    assert other.exit_code == 0, other.output
    changed = json.loads(other.stdout)["files"][0]["scenario_fingerprint"]
    assert changed != load_scenario(OIL_CAP_2022).fingerprint()
    # and the output names the preset that made it
    assert json.loads(other.stdout)["preset"] == str(preset)
    assert json.loads(result.stdout)["preset"] is None
    text = runner.invoke(app, ["compare", str(OIL_CAP_2022), "-n", "200", "--preset", str(preset)])
    assert f"stances from the preset {preset} (--preset) in every file" in text.stdout


def test_regime_break_and_same_kind_baselines():
    """The zero-parameter rule and "as last time": both deterministic, both rolling by nature."""
    files = [
        HISTORY / name
        for name in (
            "2017-12-22-s-res-2397.toml",
            "2018-03-15-press-statement.toml",
            "2018-03-21-s-res-2407.toml",
            "2019-12-16-relief-draft.toml",
            "2022-05-26-s-2022-431.toml",
        )
    ]
    from sim.scenario import load_scenario

    scenarios = [load_scenario(p) for p in files]
    forecasts = baseline_forecasts(scenarios)
    regime = forecasts["regime_break"]
    assert [f.modal_outcome for f in regime] == ["adopted", "blocked", "vetoed", "withdrawn", "vetoed"]
    assert regime[1].modal_defeaters == ("USA",) and regime[4].modal_defeaters == ("CHN", "RUS")
    same = forecasts["same_kind"]
    # the 2407 renewal follows the 2397 resolution (adopted), the 2022 draft follows the relief
    # draft (withdrawn), the first statement has no predecessor (adopted)
    assert [f.modal_outcome for f in same] == ["adopted", "adopted", "adopted", "adopted", "withdrawn"]


def test_compare_table_is_readable():
    result = runner.invoke(
        app, ["compare", str(HISTORY / "2018-07-19-committee-refined-halt.toml"), "-n", "300"]
    )
    assert result.exit_code == 0, result.output
    assert "blocked by CHN+RUS" in result.output
    assert "baseline: last vote on this issue" in result.output


def test_compare_bad_files_exit_2_one_line_each(write_scenario, tmp_path):
    from .conftest import MINIMAL

    no_history = write_scenario(MINIMAL, "plain.toml")
    broken = write_scenario(MINIMAL + "\n[members.CHN]\npressure = 1.7\n", "broken.toml")
    result = runner.invoke(app, ["compare", str(no_history), str(broken), "-n", "100"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: {no_history}: history: no [history] table, nothing to compare with",
        f"error: {broken}: members.CHN.pressure: must be between 0 and 1, got 1.7",
    ]
    missing = runner.invoke(app, ["compare", str(OIL_CAP_2022), "--preset", str(tmp_path / "none.toml")])
    assert missing.exit_code == 2 and "--preset" in missing.stderr
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("")
    for path, message in (
        (tmp_path / "adir", "is a directory"),
        (tmp_path / "afile", "expected a .toml preset file"),
    ):
        bad = runner.invoke(app, ["compare", str(OIL_CAP_2022), "--preset", str(path)])
        assert bad.exit_code == 2 and f"--preset: {path}: {message}" in bad.stderr


def test_compare_and_calibrate_refuse_a_file_given_twice():
    """compare scored a file given twice as two decisions (an outside user's glob twice: 12/14);
    calibrate would have fitted to it twice."""
    import os

    relative = os.path.relpath(OIL_CAP_2022)
    for command in (["compare", "-n", "50"], ["calibrate"]):
        result = runner.invoke(app, [*command, str(OIL_CAP_2022), str(RES_2397), relative])
        assert result.exit_code == 2, result.output
        assert f"error: {relative}: given twice (as {OIL_CAP_2022})" in result.stderr


def test_shapley_shubik_by_formula_matches_enumeration_and_serves_large_councils(write_scenario):
    """The weighted-mean baseline needs Shapley-Shubik indices; enumeration stops at 20 members
    (compare on a council of 21+ raised ValueError): the counting formula gives the same numbers
    where both work, and any size beyond."""
    from sim.baselines import _shapley_shubik, _shapley_shubik_by_formula
    from sim.rules import rule_for

    for permanent, quota in (((True,) * 5 + (False,) * 10, None), ((True,) * 3 + (False,) * 9, 7)):
        enumerated = _shapley_shubik("resolution", quota, permanent)
        formula = _shapley_shubik_by_formula(rule_for("resolution", quota), np.array(permanent))
        assert formula == pytest.approx(enumerated, abs=1e-12)
    big = _shapley_shubik("resolution", 20, (True,) * 5 + (False,) * 30)
    assert big.sum() == pytest.approx(1.0) and big[0] > big[-1] > 0
    codes = ["USA", "CHN", "RUS", "GBR", "FRA"] + [
        f"E{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(20)
    ]
    lines = [
        "[scenario]",
        'name = "25 members"',
        "[council]",
        f"members = {codes!r}".replace("'", '"'),
        "quota = 13",
    ]
    for code in codes[5:]:
        lines += [
            f"[members.{code}]",
            f'name = "{code}"',
            "permanent = false",
            "pressure = 0.8",
            "reciprocity = 0.2",
            "veto_cost = 0.8",
            "noise = 0.1",
        ]
    lines += [
        "[proposal]",
        'kind = "resolution"',
        'title = "t"',
        'sponsors = ["USA"]',
        'draft = "final"',
        "[[proposal.measures]]",
        'type = "panel_renewal"',
        "[context]",
        'date = "2020-01-01"',
        "[history]",
        'symbol = "X"',
        'date = "2020-01-01"',
        'source = "test"',
        'outcome = "adopted"',
    ]
    result = runner.invoke(
        app, ["compare", str(write_scenario("\n".join(lines), "big.toml")), "-n", "200", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "weighted_mean" in json.loads(result.stdout)["baselines"]
