"""The posterior (sim/posterior.py): emcee draws within bounds with diagnostics, reproducible
from the seed; runs that give each lane its own draw have wider intervals, record the file, and
reject a bad file before writing anything."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.calibrate import default_params, fit
from sim.cli import app
from sim.likelihood import lane_probabilities
from sim.parameters import FITTED
from sim.posterior import draw_counts, load_posterior, sample_posterior
from sim.results import read_metadata, write_table
from sim.rules import OUTCOME_LABELS
from sim.runner import run
from sim.scenario import load_scenario

from .conftest import HISTORY, OIL_CAP_2022

runner = CliRunner()
FILES = sorted(str(p) for p in HISTORY.glob("*.toml"))[-4:]
WALKERS, STEPS, BURN = 28, 40, 10


@pytest.fixture(scope="module")
def posterior_file(tmp_path_factory: pytest.TempPathFactory):
    """A short chain on four decisions, made by the command itself."""
    out = tmp_path_factory.mktemp("posterior") / "posterior.parquet"
    result = runner.invoke(
        app,
        [
            "calibrate",
            *FILES,
            "--posterior",
            str(out),
            "--walkers",
            str(WALKERS),
            "--steps",
            str(STEPS),
            "--burn",
            str(BURN),
            "--seed",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "R-hat" in result.stdout and "Draws written to" in result.stdout
    return out


def test_draws_lie_within_bounds_with_the_right_shape_and_diagnostics(posterior_file) -> None:
    posterior = load_posterior(posterior_file)
    assert posterior.draws.shape == (WALKERS * (STEPS - BURN), len(FITTED))
    for i, param in enumerate(posterior.params):
        column = posterior.draws[:, i]
        assert (column >= param.low).all() and (column <= param.high).all(), param.key
        assert np.unique(column).size > WALKERS, f"{param.key}: the walkers never moved"
    meta = read_metadata(posterior_file)
    assert (meta["walkers"], meta["steps"], meta["burn"], meta["seed"], meta["prior_sd"]) == (
        WALKERS,
        STEPS,
        BURN,
        5,
        2.0,
    )
    assert meta["files"] == FILES and "--posterior" in meta["command"]
    assert 0 < meta["acceptance_fraction"] < 1
    rows = {row["param"]: row for row in meta["summary"]}
    assert set(rows) == {f"decision.{name}" for name in FITTED}
    for row in rows.values():
        assert np.isfinite(row["rhat"]) and row["rhat"] > 0.9
        assert row["ess_bulk"] > 0
        assert row["q05"] <= row["mean"] <= row["q95"]


def test_the_same_seed_gives_the_same_draws() -> None:
    scenarios = [load_scenario(path) for path in FILES[-2:]]
    params = default_params()
    start = fit(scenarios, params, uncertainty=False).values
    first, again, other = (
        sample_posterior(scenarios, params, start, 2.0, walkers=26, steps=8, burn=2, seed=seed)
        for seed in (11, 11, 12)
    )
    assert np.array_equal(first.chain, again.chain)
    assert np.array_equal(first.rhat, again.rhat, equal_nan=True)
    assert not np.array_equal(first.chain, other.chain)


def _run_json(*options: str) -> dict:
    result = runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "4000", "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_run_with_the_posterior_has_a_wider_interval_for_the_veto(posterior_file) -> None:
    fixed = _run_json()
    drawn = _run_json("--posterior", str(posterior_file))
    width = {
        name: s["outcomes"]["vetoed"]["ci_high"] - s["outcomes"]["vetoed"]["ci_low"]
        for name, s in (("fixed", fixed), ("drawn", drawn))
    }
    # the fixed-parameter interval is Monte Carlo error only; the drawn one adds the parameters'
    assert width["drawn"] > 5 * width["fixed"] and width["drawn"] > 0.01
    assert drawn["posterior"]["file"] == str(posterior_file) and "posterior" not in fixed
    assert drawn["outcomes"] == _run_json("--posterior", str(posterior_file))["outcomes"]  # same seed
    assert drawn["outcomes"] != _run_json("--posterior", str(posterior_file), "--seed", "1")["outcomes"]
    text = runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "500", "--posterior", str(posterior_file)])
    assert f"posterior draws from {posterior_file}" in text.stdout
    assert "intervals include parameter and vote uncertainty" in text.stdout


def test_lanes_use_the_draws_the_intervals_are_computed_over(posterior_file) -> None:
    """The simulated shares match the exact probabilities averaged over the lanes' draws."""
    posterior = load_posterior(posterior_file)
    scenario = load_scenario(OIL_CAP_2022)
    lanes, seed = 6000, 3
    result = run(scenario, replicates=lanes, seed=seed, posterior=posterior)
    counts = draw_counts(posterior, lanes, seed, 50_000)
    used = np.flatnonzero(counts)
    exact = lane_probabilities(posterior.scenario_for_lanes(scenario, used), len(used), seed).outcome
    expected = exact @ counts[used] / lanes
    shares = np.bincount(result.outcome, minlength=len(OUTCOME_LABELS)) / lanes
    assert np.all(np.abs(shares - expected) < 4 * np.sqrt(expected * (1 - expected) / lanes) + 1e-9)
    table = result.outcome_table().set_index("outcome")
    assert table.loc["vetoed", "ci_low"] <= result.parameter_uncertainty.low[OUTCOME_LABELS.index("vetoed")]


def test_explain_over_the_posterior_explains_the_lanes_that_ran(posterior_file) -> None:
    """run --explain --posterior explains the draws the run used, not the shipped parameters:
    each member's mean P(no) in the explanation is its share of "no" votes in the run's lanes
    (within Monte Carlo error), and it says that it is a mean over draws."""
    drawn = _run_json("--posterior", str(posterior_file), "--explain")
    fixed = _run_json("--explain")
    lanes = drawn["replicates"]
    assert drawn["explain"]["posterior_draws"] is True and fixed["explain"]["posterior_draws"] is False
    assert drawn["explain"]["stake_weight"] != fixed["explain"]["stake_weight"]
    shares = {row["code"]: row["no"] for row in drawn["members"]}
    for member in drawn["explain"]["members"]:
        share = shares[member["code"]]
        assert abs(member["p_no"] - share) < 4 * np.sqrt(max(share * (1 - share), 1e-4) / lanes) + 0.01
    text = runner.invoke(
        app, ["run", str(OIL_CAP_2022), "-n", "500", "--explain", "--posterior", str(posterior_file)]
    )
    assert "each at its own posterior draw of the parameters" in text.stdout


def test_sweep_compare_and_report_record_the_posterior(posterior_file, tmp_path) -> None:
    out = tmp_path / "sweep.parquet"
    swept = runner.invoke(
        app,
        [
            "sweep",
            str(OIL_CAP_2022),
            "-p",
            "decision.noise_scale=0.5,1",
            "-n",
            "500",
            "-o",
            str(out),
            "--no-progress",
            "--posterior",
            str(posterior_file),
        ],
    )
    assert swept.exit_code == 0, swept.output
    assert read_metadata(out)["posterior"]["file"] == str(posterior_file)
    compared = runner.invoke(
        app, ["compare", str(OIL_CAP_2022), "-n", "500", "--json", "--posterior", str(posterior_file)]
    )
    assert compared.exit_code == 0, compared.output
    assert json.loads(compared.stdout)["posterior"]["draws"] == WALKERS * (STEPS - BURN)
    page = tmp_path / "report.html"
    reported = runner.invoke(
        app, ["report", str(OIL_CAP_2022), "-n", "300", "-o", str(page), "--posterior", str(posterior_file)]
    )
    assert reported.exit_code == 0, reported.output
    html = page.read_text(encoding="utf-8")
    assert "posterior draws from" in html and "95% interval (parameters and votes)" in html


def _bad_files(posterior_file, tmp_path):
    draws = pd.read_parquet(posterior_file)
    outside = draws.copy()
    outside["decision.noise_scale"] = -1.0
    write_table(outside, tmp_path / "outside.parquet", read_metadata(posterior_file))
    write_table(draws, tmp_path / "bare.parquet", {"table": "lanes"})
    (tmp_path / "garbage.parquet").write_text("not parquet")
    return {
        "missing.parquet": "file not found",
        "outside.parquet": "decision.noise_scale: values must lie in",
        "bare.parquet": "no posterior metadata",
        "garbage.parquet": "cannot be read",
    }


def test_a_bad_posterior_file_is_named_and_nothing_is_written(posterior_file, tmp_path) -> None:
    for name, expected in _bad_files(posterior_file, tmp_path).items():
        out = tmp_path / f"lanes-{name}"
        result = runner.invoke(
            app,
            ["run", str(OIL_CAP_2022), "-n", "100", "--posterior", str(tmp_path / name), "--out", str(out)],
        )
        assert result.exit_code == 2, (name, result.output)
        assert f"--posterior: {tmp_path / name}" in result.stderr and expected in result.stderr, result.stderr
        assert not out.exists()
    few = runner.invoke(
        app, ["calibrate", FILES[-1], "--posterior", str(tmp_path / "p.parquet"), "--walkers", "4"]
    )
    assert few.exit_code == 2 and "--walkers" in few.stderr and not (tmp_path / "p.parquet").exists()
