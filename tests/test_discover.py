"""``unsc-sim discover``: PRIM over a random or LHS sweep table."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.discover import DiscoverError, discover
from sim.results import write_table

from .conftest import OIL_CAP_2022

runner = CliRunner()


def synthetic_sweep(path, points: int = 400, seed: int = 0, design: str = "lhs"):
    """A sweep table whose metric is high exactly where a > 0.6 and b < 0.3 (c is noise)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "point": np.arange(points),
            "members.CHN.pressure": rng.uniform(size=points),
            "members.RUS.pressure": rng.uniform(size=points),
            "context.great_power_tension": rng.uniform(size=points),
        }
    )
    inside = (frame["members.CHN.pressure"] > 0.6) & (frame["members.RUS.pressure"] < 0.3)
    frame["replicates"] = 100
    frame["p_adopted"] = np.where(inside, 0.9, 0.1)
    keys = ["members.CHN.pressure", "members.RUS.pressure", "context.great_power_tension"]
    metadata = {
        "table": "sweep",
        "design": {"name": design, "settings": {"samples": points}},
        "parameters": [{"key": key, "low": 0.0, "high": 1.0, "integer": False} for key in keys],
    }
    write_table(frame, path, metadata)
    return frame


def _in_box(frame: pd.DataFrame, result) -> np.ndarray:
    inside = np.ones(len(frame), dtype=bool)
    for limit in result.limits:
        inside &= (frame[limit.key] >= limit.low) & (frame[limit.key] <= limit.high)
    return inside


def test_prim_finds_the_box_and_its_statistics_are_right(tmp_path):
    path = tmp_path / "sweep.parquet"
    frame = synthetic_sweep(path)
    result = discover(path, "p_adopted", 0.5, threshold_density=0.9)
    limits = {limit.key: limit for limit in result.limits}
    assert limits["members.CHN.pressure"].restricted and limits["members.RUS.pressure"].restricted
    assert not limits["context.great_power_tension"].restricted
    assert limits["members.CHN.pressure"].low == pytest.approx(0.6, abs=0.05)
    assert limits["members.RUS.pressure"].high == pytest.approx(0.3, abs=0.05)
    # coverage and density are what the box's limits give on the table itself
    interest = frame["p_adopted"].to_numpy() > 0.5
    inside = _in_box(frame, result)
    assert result.of_interest == interest.sum()
    assert result.coverage == pytest.approx((inside & interest).sum() / interest.sum())
    assert result.density == pytest.approx((inside & interest).sum() / inside.sum())
    assert result.density >= 0.9
    # the box chosen has the highest coverage among those reaching the density
    reaching = result.trajectory[result.trajectory["density"] >= 0.9]
    assert result.coverage == pytest.approx(reaching["coverage"].max())


def test_an_unreachable_density_is_said(tmp_path):
    path = tmp_path / "noise.csv"
    rng = np.random.default_rng(1)
    frame = synthetic_sweep(path, points=200)
    frame["p_adopted"] = rng.uniform(size=len(frame))  # no structure at all
    write_table(
        frame,
        path,
        {
            "table": "sweep",
            "design": {"name": "random"},
            "parameters": [
                {"key": key}
                for key in ("members.CHN.pressure", "members.RUS.pressure", "context.great_power_tension")
            ],
        },
    )
    result = discover(path, "p_adopted", 0.5, threshold_density=1.0)
    assert result.density < 1.0
    assert any("no box on the trajectory reaches density" in note for note in result.notes)


def test_clear_errors(tmp_path):
    path = tmp_path / "sweep.parquet"
    synthetic_sweep(path)
    with pytest.raises(DiscoverError, match="not a metric"):
        discover(path, "p_nothing", 0.5)
    with pytest.raises(DiscoverError, match="no point .* has p_adopted above"):
        discover(path, "p_adopted", 0.95)
    with pytest.raises(DiscoverError, match="threshold_density: must be in"):
        discover(path, "p_adopted", 0.5, threshold_density=0.0)
    lanes = tmp_path / "lanes.parquet"
    assert runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "50", "--out", str(lanes)]).exit_code == 0
    with pytest.raises(DiscoverError, match="not a sweep table"):
        discover(lanes, "p_adopted", 0.5)
    with pytest.raises(DiscoverError, match="file not found"):
        discover(tmp_path / "missing.parquet", "p_adopted", 0.5)


def test_cli_on_a_real_lhs_sweep(tmp_path):
    table, figure = tmp_path / "lhs.parquet", tmp_path / "box.png"
    made = runner.invoke(
        app,
        [
            "sweep",
            str(OIL_CAP_2022),
            "--design",
            "lhs",
            "--samples",
            "60",
            "--seed",
            "3",
            "-n",
            "50",
            "--param",
            "members.CHN.pressure=0:1",
            "--param",
            "members.RUS.pressure=0:1",
            "--out",
            str(table),
            "--no-progress",
        ],
    )
    assert made.exit_code == 0, made.output
    cli = runner.invoke(
        app,
        ["discover", str(table), "--metric", "p_adopted", "--above", "0.5", "--json", "--plot", str(figure)],
    )
    assert cli.exit_code == 0, cli.output
    data = json.loads(cli.stdout)
    assert data["design"] == "lhs" and data["points"] == 60
    box = data["box"]
    assert 0 < box["coverage"] <= 1 and 0 < box["density"] <= 1
    assert {limit["key"] for limit in box["limits"]} == {"members.CHN.pressure", "members.RUS.pressure"}
    assert any(limit["restricted"] for limit in box["limits"])  # adoption needs both to want pressure
    assert figure.stat().st_size > 0
    text = runner.invoke(app, ["discover", str(table), "--metric", "p_adopted", "--above", "0.5"])
    assert "coverage" in text.output and "<- the box" in text.output
    bad = runner.invoke(app, ["discover", str(table), "--metric", "p_adopted", "--above", "2"])
    assert bad.exit_code == 2 and "--above 2: no point" in bad.output


def test_whole_number_and_choice_keys(tmp_path):
    """An integer key (PRIM's pasting writes midpoints into it) and a text choice (a category)."""
    rng = np.random.default_rng(4)
    points = 300
    frame = pd.DataFrame(
        {
            "point": np.arange(points),
            "negotiation.rounds": rng.integers(0, 6, size=points).astype(np.int64),
            "proposal.draft": rng.choice(["first", "final"], size=points),
            "members.CHN.pressure": rng.uniform(size=points),
        }
    )
    frame["p_adopted"] = np.where(
        (frame["proposal.draft"] == "first") & (frame["negotiation.rounds"] >= 2), 1.0, 0.0
    )
    keys = ["negotiation.rounds", "proposal.draft", "members.CHN.pressure"]
    path = tmp_path / "mixed.parquet"
    write_table(
        frame, path, {"table": "sweep", "design": {"name": "lhs"}, "parameters": [{"key": k} for k in keys]}
    )
    result = discover(path, "p_adopted", 0.5)
    limits = {limit.key: limit for limit in result.limits}
    assert limits["proposal.draft"].restricted and set(limits["proposal.draft"].low) == {"first"}
    assert limits["negotiation.rounds"].restricted and 1 < limits["negotiation.rounds"].low <= 2
    assert result.density >= 0.8
    json.dumps(result.to_dict())  # sets of categories come out as lists
