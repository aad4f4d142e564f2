"""``run`` without --out keeps counts only (sim.counts): the same numbers as keeping every lane."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.counts import run_counts
from sim.runner import CHUNK_LANES, run
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "scenarios").rglob("*.toml"))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_counts_give_the_summary_of_every_lane(path):
    scenario = load_scenario(path)
    lanes = 2 * CHUNK_LANES + 1_234  # three chunks, the last one short
    try:
        expected = run(scenario, lanes, seed=7).summary()
    except ValueError as exc:  # a model failure (not the counting's): the counting path meets it too
        with pytest.raises(type(exc)):
            run_counts(scenario, lanes, seed=7)
        return
    assert run_counts(scenario, lanes, seed=7).summary() == expected


def test_a_blocked_and_a_vetoed_file_are_among_them():
    """The comparison above covers vetoes, blocks and withdrawals, not only adoptions."""
    history = sorted((ROOT / "scenarios" / "history").glob("*.toml"))
    outcomes = {run_counts(load_scenario(p), 2_000, seed=7).summary()["most_likely_outcome"] for p in history}
    assert {"adopted", "vetoed", "blocked", "withdrawn"} <= outcomes


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others():
    scenario = load_scenario(ROOT / "scenarios/history/2022-05-26-s-2022-431.toml")
    first = run_counts(scenario, CHUNK_LANES + 10, seed=11).summary()
    assert run_counts(scenario, CHUNK_LANES + 10, seed=11).summary() == first
    other = run_counts(scenario, CHUNK_LANES + 10, seed=12).summary()
    assert other["outcomes"] != first["outcomes"] or other["tallies"] != first["tallies"]


def test_run_json_with_and_without_out_agree(tmp_path):
    path = ROOT / "scenarios/history/2022-05-26-s-2022-431.toml"
    runner = CliRunner()
    counted = runner.invoke(app, ["run", str(path), "-n", "3000", "--seed", "2", "--json"])
    kept = runner.invoke(
        app, ["run", str(path), "-n", "3000", "--seed", "2", "--json", "--out", str(tmp_path / "l.parquet")]
    )
    assert counted.exit_code == 0 and kept.exit_code == 0
    assert json.loads(counted.output) == json.loads(kept.output)


def test_run_explain_still_sees_every_lane():
    """--explain needs the lanes (pivotal members lane by lane): it keeps them, counts or not."""
    path = ROOT / "scenarios/history/2022-05-26-s-2022-431.toml"
    result = CliRunner().invoke(app, ["run", str(path), "-n", "2000", "--seed", "1", "--explain", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert "explain" in summary and summary["replicates"] == 2000
