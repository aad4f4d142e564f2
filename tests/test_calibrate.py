"""Calibration: fitting recovers parameters that generated a record, the rolling forecast
uses nothing later than each decision, the command's outputs, and the shipped defaults are
reproduced by the command that made them."""

import json
import shlex
import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.calibrate import DEFAULT_PARAMS, fit
from sim.cli import app
from sim.compare import record_of
from sim.likelihood import CalibrationError, parse_params
from sim.parameters import FITTED, SPECS, default_parameters
from sim.presets import DEFAULTS_PATH
from sim.rolling import rolling, rolling_summary
from sim.rules import NO, OUTCOME_LABELS, YES
from sim.runner import run
from sim.scenario import load_scenario, scenario_from_dict
from sim.situation import parse_date

from .conftest import BASELINE_NAMES, COMMITTEE_2018, HISTORY, OIL_CAP_2022, RES_2397

runner = CliRunner()

# ------------------------------------------------------------------ recovering known stances

SYNTHETIC = """
[scenario]
name = "synthetic {i}"

[council]
members = ["AAA", "USA", "CCC"]
quota = 2

[members.AAA]
name = "A"
permanent = true
pressure = {pressure}
reciprocity = 0.1
veto_cost = 0.1
salience = 1.0
noise = 0.15

[members.USA]
name = "the penholder"
permanent = false
pressure = 0.95
reciprocity = 0.1
veto_cost = 0.5
salience = 1.0
noise = 0.15

[members.CCC]
name = "C"
permanent = false
pressure = 0.9
reciprocity = 0.1
veto_cost = 0.5
salience = 1.0
noise = 0.15

[proposal]
kind = "resolution"
title = "synthetic"
sponsors = ["USA"]

[[proposal.measures]]
type = "custom"
description = "synthetic"
pressure = 0.1

[context]
date = "2020-01-{day:02d}"
status_quo_pressure = {status_quo}
"""


PINNED_SYNTHETIC = {
    "stake_weight": 20.0,
    "consensus_norm": 0.0,
    "sponsor_affinity": 0.0,
    "provocation_response": 0.0,
}
"""The other global parameters, fixed in both the generating and the fitted model."""


def synthetic_record(n: int, pressure: float, noise_scale: float, seed: int = 0):
    """n decisions whose votes are *simulated* (Monte Carlo engine, one lane each) with the given
    true AAA pressure and noise scale, recorded as [history] tables."""
    scenarios = []
    for i, status_quo in enumerate(np.linspace(0.2, 0.8, n)):
        raw = tomllib.loads(
            textwrap.dedent(SYNTHETIC.format(i=i, pressure=pressure, day=1 + i % 28, status_quo=status_quo))
        )
        raw["decision"] = {**PINNED_SYNTHETIC, "noise_scale": noise_scale}
        simulated = run(scenario_from_dict(raw, label=f"syn{i}.toml"), 1, seed + i)
        votes = simulated.votes[:, 0]
        labels = {YES: "yes", NO: "no", 0: "abstain"}
        raw["history"] = {
            "symbol": f"SYN/{i}",
            "date": raw["context"]["date"],
            "source": "simulated",
            "outcome": OUTCOME_LABELS[int(simulated.outcome[0])],
            "vetoed_by": ["AAA"] if simulated.defeated_by[0, 0] else [],
            "votes": {
                code: labels[int(v)] for code, v in zip(["AAA", "USA", "CCC"], votes) if int(v) in labels
            },
        }
        raw["decision"] = dict(PINNED_SYNTHETIC)  # the fit starts from the noise scale's prior...
        raw["members"]["AAA"]["pressure"] = 0.5  # ...and from a wrong pressure
        scenarios.append(scenario_from_dict(raw, label=f"syn{i}.toml"))
    return scenarios


def test_fit_recovers_the_stances_that_generated_the_votes():
    true_pressure, true_scale = 0.66, 1.5
    scenarios = synthetic_record(80, true_pressure, true_scale, seed=100)
    # AAA's real votes must vary, or there is nothing to learn
    aaa = [record_of(s).votes.get("AAA") for s in scenarios]
    assert {YES, NO, 0} <= set(aaa)
    params = parse_params(["members.AAA.pressure", "decision.noise_scale"], scenarios)
    result = fit(scenarios, params, prior_sd=0.0)
    pressure, scale = result.values
    se_pressure, se_scale = result.std_errors
    assert abs(pressure - true_pressure) < max(3 * se_pressure, 0.02)
    assert abs(pressure - true_pressure) < 0.06
    assert abs(scale - true_scale) < max(3 * se_scale, 0.15)
    assert 0 < se_pressure < 0.05
    assert result.log_likelihood > result.start_log_likelihood


def test_the_rolling_forecast_uses_nothing_later_than_each_decision():
    """Changing the record of the last decision changes no earlier forecast, and each forecast
    is trained on exactly the decisions dated before it."""
    scenarios = synthetic_record(10, 0.66, 1.0, seed=7)
    params = parse_params(["members.AAA.pressure"], scenarios)
    first = rolling(scenarios, params, start="2020-01-05")
    assert [f.trained_on for f in first] == list(range(4, 10))
    flipped = list(scenarios)
    raw = flipped[-1].spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    raw["history"]["votes"]["AAA"] = "yes" if raw["history"]["votes"]["AAA"] != "yes" else "no"
    raw["history"]["vetoed_by"] = []
    raw["history"]["outcome"] = "adopted"
    flipped[-1] = scenario_from_dict(raw, label="flipped.toml")
    second = rolling(flipped, params, start="2020-01-05")
    for a, b in zip(first[:-1], second[:-1]):
        assert a.values == pytest.approx(b.values)
        assert a.comparison.p_outcome == pytest.approx(b.comparison.p_outcome)
    summary = rolling_summary(first)
    assert summary["decisions"] == 6 and 0 <= summary["outcomes_right"] <= 6
    assert {"file", "symbol", "date", "predicted", "p_outcome"} <= set(summary["files"][0])


def test_the_rolling_forecast_is_the_same_on_worker_processes():
    """The fits run on two local processes give exactly the serial forecast, and the progress
    reaches every decision (each once, in whatever order the fits finish)."""
    scenarios = synthetic_record(10, 0.66, 1.0, seed=7)
    params = parse_params(["members.AAA.pressure", "decision.noise_scale"], scenarios)
    serial = rolling(scenarios, params, start="2020-01-05")
    seen: list[tuple[int, int]] = []
    parallel = rolling(
        scenarios, params, start="2020-01-05", workers=2, progress=lambda d, t: seen.append((d, t))
    )
    assert [f.trained_on for f in parallel] == [f.trained_on for f in serial]
    for a, b in zip(serial, parallel):
        assert np.array_equal(a.values, b.values)
        assert a.comparison.p_outcome == b.comparison.p_outcome
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (6, 6)
    assert len(seen) == 6  # one fit per decision here: each training set is a different size


def test_bad_parameters_are_reported_one_line_each():
    scenarios = [load_scenario(OIL_CAP_2022)]
    with pytest.raises(CalibrationError) as info:
        parse_params(["members.CHN.pressur", "members.XXX.pressure", "decision.nope"], scenarios)
    assert len(info.value.problems) == 3
    assert info.value.problems[1] == "params: members.XXX.pressure: XXX sits on none of the councils given"
    assert len(parse_params(list(DEFAULT_PARAMS), scenarios)) == len(DEFAULT_PARAMS)


def test_calibrate_command_fits_writes_parameters_and_prints_json(tmp_path):
    out = tmp_path / "fit.toml"
    files = [str(OIL_CAP_2022), str(RES_2397), str(COMMITTEE_2018)]
    result = runner.invoke(
        app, ["calibrate", *files, "--params", "decision.noise_scale", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [row["param"] for row in data["fit"]["params"]] == ["decision.noise_scale"]
    assert data["fit"]["log_likelihood"] >= data["fit"]["start_log_likelihood"] - 1e-9
    assert data["fit"]["fitted_numbers"] == 1
    assert len(data["files"]) == 3 and data["written"] == str(out)
    written = tomllib.loads(out.read_text())["parameters"]
    assert written["noise_scale"] == pytest.approx(data["fit"]["params"][0]["value"], rel=1e-5)


def test_calibrate_rolling_json_has_the_documented_shape():
    files = sorted(str(p) for p in HISTORY.glob("2009-*.toml")) + sorted(
        str(p) for p in HISTORY.glob("2010-*.toml")
    )
    files = [str(HISTORY / "2006-10-14-s-res-1718.toml"), *files]
    result = runner.invoke(
        app, ["calibrate", *files, "--params", "decision.consensus_norm", "--rolling", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rolling_part = data["rolling"]
    assert rolling_part["decisions"] == len(files) - 1
    assert set(rolling_part) >= {"decisions", "outcomes_right", "event_log_likelihood", "brier", "files"}
    assert set(data["baselines"]) == BASELINE_NAMES
    for scores in data["baselines"].values():
        assert set(scores) == {"outcomes_right", "event_log_likelihood"}


def test_calibrate_bad_input_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "fit.toml"
    bad = runner.invoke(
        app, ["calibrate", str(OIL_CAP_2022), "--params", "members.CHN.nope", "--out", str(out)]
    )
    assert bad.exit_code == 2 and "--params: members.CHN.nope" in bad.stderr and not out.exists()
    wrong_suffix = runner.invoke(app, ["calibrate", str(OIL_CAP_2022), "--out", str(tmp_path / "fit.txt")])
    assert wrong_suffix.exit_code == 2 and "must end in .toml" in wrong_suffix.stderr


@pytest.mark.long
@pytest.mark.same_on_every_python
def test_the_shipped_defaults_are_what_the_command_in_their_header_gives(tmp_path):
    """Every fitted number comes from a command in the repository: rerun it, get the same."""
    text = DEFAULTS_PATH.read_text()
    command = next(
        line[3:].strip() for line in text.splitlines() if line.startswith("#   unsc-sim calibrate")
    )
    args = command.split()[1:]
    assert args[-1] == "--write-defaults"
    files = [str(HISTORY.parent.parent / a) if a.startswith("scenarios/") else a for a in args[1:-1]]
    out = tmp_path / "again.toml"
    result = runner.invoke(app, ["calibrate", *files, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    shipped = tomllib.loads(text)["parameters"]
    again = tomllib.loads(out.read_text())["parameters"]
    assert set(shipped) == set(again)
    for name, value in shipped.items():
        assert again[name] == pytest.approx(value, rel=2e-3, abs=2e-3), name
    # and the date of the latest decision fitted, which `run` uses to flag extrapolation
    assert tomllib.loads(out.read_text())["fit"] == tomllib.loads(text)["fit"]
    latest = max((tomllib.loads(Path(f).read_text())["history"]["date"] for f in files), key=parse_date)
    assert tomllib.loads(text)["fit"]["record_through"] == latest


def test_a_rolling_forecast_with_nothing_to_forecast_says_so():
    """Every file dated before 2009: no decision to forecast, a sentence rather than a crash."""
    files = sorted(str(p) for p in HISTORY.glob("2006-*.toml"))
    result = CliRunner().invoke(app, ["calibrate", *files, "--rolling", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "no decision in these files is dated from 2009 on: nothing to forecast" in result.stdout


# ------------------------------------------------------------------ what a written file holds

FILES_2016_2017 = sorted(str(p) for p in HISTORY.glob("2016*.toml")) + sorted(
    str(p) for p in HISTORY.glob("2017*.toml")
)


def _header_command(text: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith("#   unsc-sim calibrate"))
    return shlex.split(line[3:])


def _score_at_file(text: str, files: list[str]) -> float:
    """The log-likelihood of the records of ``files`` at every value the parameters file sets."""
    from sim.likelihood import global_parameter, total_log_likelihood

    written = tomllib.loads(text)["parameters"]
    assert set(written) == set(SPECS)
    params = [global_parameter(name) for name in written]
    points = np.array([[float(value)] for value in written.values()])
    return float(total_log_likelihood([load_scenario(f) for f in files], params, points)[0])


def test_the_written_file_holds_the_values_the_fit_used(tmp_path):
    """A partial fit written with --out: the numbers not fitted stay where the fit held them (the
    shipped defaults), so the file scores the records exactly as the fit reported; its header
    quotes the --out command actually run."""
    out = tmp_path / "fit.toml"
    keys = "decision.noise_scale,decision.consensus_norm"
    result = runner.invoke(
        app, ["calibrate", *FILES_2016_2017, "--params", keys, "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    text = out.read_text()
    assert _score_at_file(text, FILES_2016_2017) == pytest.approx(data["fit"]["log_likelihood"], abs=1e-3)
    shipped = default_parameters()
    lines = {line.split(" = ")[0]: line for line in text.splitlines() if " = " in line and "#" in line}
    for name in SPECS:
        if name in {"noise_scale", "consensus_norm"}:
            assert lines[name].endswith("# fitted"), lines[name]
        elif SPECS[name].fitted:
            assert lines[name].endswith("# held at the shipped default, not fitted"), lines[name]
            assert tomllib.loads(text)["parameters"][name] == pytest.approx(getattr(shipped, name), abs=1e-6)
        else:
            assert lines[name].endswith("# judgement, not fitted"), lines[name]
    command = _header_command(text)
    assert command[-2:] == ["--out", str(out)] and "--write-defaults" not in command
    assert command[command.index("--params") + 1] == keys
    assert f"# 2 numbers fitted to {len(FILES_2016_2017)} decisions" in text
    assert "--write-defaults" not in text


def test_a_partial_write_defaults_keeps_the_other_fitted_numbers(tmp_path, monkeypatch):
    """--write-defaults with some of the fitted set refits those only: the others keep their
    shipped values (not their priors), and the header says which were refitted."""
    import sim.presets

    target = tmp_path / "parameters.toml"
    monkeypatch.setattr(sim.presets, "DEFAULTS_PATH", target)
    files = [str(OIL_CAP_2022), str(RES_2397), str(COMMITTEE_2018)]
    result = runner.invoke(
        app, ["calibrate", *files, "--params", "decision.noise_scale", "--write-defaults", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["written"] == str(target)
    text = target.read_text()
    written = tomllib.loads(text)["parameters"]
    shipped = default_parameters()
    for name in FITTED:
        if name != "noise_scale":
            assert written[name] == pytest.approx(getattr(shipped, name), abs=1e-6), name
    assert written["noise_scale"] == pytest.approx(data["fit"]["params"][0]["value"], rel=1e-5)
    assert _score_at_file(text, files) == pytest.approx(data["fit"]["log_likelihood"], abs=1e-3)
    command = _header_command(text)
    assert command[-3:] == ["--params", "decision.noise_scale", "--write-defaults"]
    assert "--out" not in command
    assert "# Refitted by this command: decision.noise_scale;" in text
    assert "# 1 number fitted to 3 decisions" in text


def test_the_header_quotes_every_target_and_option_of_the_command():
    from sim.presets import defaults_command

    params = parse_params(["decision.noise_scale"], [load_scenario(OIL_CAP_2022)])
    files = [str(OIL_CAP_2022)]
    both = defaults_command(files, params, 1.0, out="my fit.toml", write_defaults=True)
    assert shlex.split(both)[-5:] == ["--prior-sd", "1", "--write-defaults", "--out", "my fit.toml"]
    only_out = defaults_command(files, params, 2.0, out="fit.toml", write_defaults=False)
    assert only_out.endswith("--params decision.noise_scale --out fit.toml")
    full = defaults_command(files, parse_params(list(DEFAULT_PARAMS), [load_scenario(OIL_CAP_2022)]), 2.0)
    assert full == f"unsc-sim calibrate {OIL_CAP_2022} --write-defaults"


def test_member_parameters_are_refused_for_a_parameters_file(tmp_path, monkeypatch):
    """A member's stance has no place in the global parameters file: one line, exit 2, nothing
    written (before any fit)."""
    import sim.presets

    target = tmp_path / "parameters.toml"
    monkeypatch.setattr(sim.presets, "DEFAULTS_PATH", target)
    out = tmp_path / "fit.toml"
    for flags in (["--out", str(out)], ["--write-defaults"]):
        result = runner.invoke(
            app, ["calibrate", str(OIL_CAP_2022), "--params", "members.CHN.veto_cost", *flags]
        )
        assert result.exit_code == 2, result.output
        errors = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(errors) == 1 and "members.CHN.veto_cost" in errors[0], result.stderr
        assert not out.exists() and not target.exists()


def test_files_that_hold_a_parameter_at_different_values_cannot_be_written(tmp_path):
    """A [decision] override in one file only: no single value in a parameters file is what the
    fit used, so writing is refused; when every file sets it, that value is written."""
    one = tmp_path / "one.toml"
    two = tmp_path / "two.toml"
    one.write_text(OIL_CAP_2022.read_text() + "\n[decision]\nstake_weight = 30.0\n")
    two.write_text(RES_2397.read_text())
    out = tmp_path / "fit.toml"
    args = ["calibrate", str(one), str(two), "--params", "decision.noise_scale", "--out", str(out)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "decision.stake_weight" in refused.stderr and not out.exists()
    two.write_text(RES_2397.read_text() + "\n[decision]\nstake_weight = 30.0\n")
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "stake_weight = 30.0  # held at the scenarios' value" in text
    data = json.loads(result.stdout)
    assert _score_at_file(text, [str(one), str(two)]) == pytest.approx(
        data["fit"]["log_likelihood"], abs=1e-3
    )
