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


@pytest.fixture(scope="module")
def real_sweep(tmp_path_factory):
    table = tmp_path_factory.mktemp("real") / "lhs.parquet"
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
            "--engine",
            "lanes",
            "--out",
            str(table),
            "--no-progress",
        ],
    )
    assert made.exit_code == 0, made.output
    return table


def test_cli_on_a_real_lhs_sweep(real_sweep, tmp_path):
    table, figure = real_sweep, tmp_path / "box.png"
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


# --- a table with nothing to discover, JSON nulls, the version, metric names (a user test) ----------

FIRST_DRAFT_2022 = OIL_CAP_2022.parents[1] / "negotiated" / "2022-05-26-s-2022-431-first-draft.toml"


def _strict_json(text: str):
    """JSON as the standard has it: NaN and Infinity are refused."""

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def _one_point_sweep(path):
    frame = synthetic_sweep(path, points=1)
    return frame


@pytest.mark.parametrize(
    "above, fragment",
    [
        (-1.0, "all 400 points of {path} have p_adopted above -1 (the smallest is 0.1): nothing to discover"),
        (
            0.95,
            "no point of {path} has p_adopted above 0.95 (the largest of its 400 is 0.9): nothing to discover",
        ),
    ],
)
def test_all_or_no_point_of_interest_is_one_line_and_exit_2(tmp_path, above, fragment):
    path, figure = tmp_path / "sweep.parquet", tmp_path / "box.png"
    synthetic_sweep(path)
    with pytest.raises(DiscoverError, match="nothing to discover"):
        discover(path, "p_adopted", above)
    result = runner.invoke(
        app, ["discover", str(path), "--metric", "p_adopted", "--above", str(above), "--plot", str(figure)]
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert lines == [f"error: --above {above:g}: {fragment.format(path=path)}"]
    assert not figure.exists()


def test_a_one_point_sweep_has_nothing_to_discover(tmp_path):
    path = tmp_path / "one.parquet"
    _one_point_sweep(path)
    for above in (0.0, 0.99):
        result = runner.invoke(app, ["discover", str(path), "--metric", "p_adopted", "--above", str(above)])
        assert result.exit_code == 2, result.output
        assert "nothing to discover" in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_a_real_sweep_vetoed_at_every_point(tmp_path):
    """The user's case: the 2022 first draft is vetoed whatever China's stance (Russia vetoes)."""
    table = tmp_path / "lhs.parquet"
    made = runner.invoke(
        app,
        [
            "sweep",
            str(FIRST_DRAFT_2022),
            "--design",
            "lhs",
            "--samples",
            "64",
            "-n",
            "20",
            "--param",
            "members.CHN.pressure=0:1",
            "--engine",
            "lanes",
            "--out",
            str(table),
            "--no-progress",
        ],
    )
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["discover", str(table), "--metric", "p_vetoed", "--above", "0.5", "--json"])
    assert result.exit_code == 2, result.output
    smallest = pd.read_parquet(table)["p_vetoed"].min()  # below 1 in some lanes: a surprise's yes
    assert 0.5 < smallest < 1
    assert result.output.strip().splitlines() == [
        f"error: --above 0.5: all 64 points of {table} have p_vetoed above 0.5 (the smallest is {smallest:.3g}): "
        "nothing to discover"
    ]


def test_json_gives_null_for_an_unrestricted_side_and_the_version(tmp_path):
    from sim import __version__

    path = tmp_path / "sweep.parquet"
    synthetic_sweep(path)
    result = runner.invoke(
        app,
        ["discover", str(path), "--metric", "p_adopted", "--above", "0.5", "--threshold-density", "0.9"]
        + ["--json"],
    )
    assert result.exit_code == 0, result.output
    data = _strict_json(result.stdout)
    assert data["version"] == __version__
    assert data["table"] == str(path)
    assert data["table_version"] is None  # the synthetic table records none
    quasi = {limit["key"]: limit["quasi_p"] for limit in data["box"]["limits"]}
    # China's stance is cut from below only, Russia's from above only: the other side is null
    assert quasi["members.CHN.pressure"][0] < 0.05 and quasi["members.CHN.pressure"][1] is None
    assert quasi["members.RUS.pressure"][0] is None and quasi["members.RUS.pressure"][1] < 0.05
    assert all(v is None or v >= 0 for pair in quasi.values() if pair for v in pair)
    text = runner.invoke(app, ["discover", str(path), "--metric", "p_adopted", "--above", "0.5"])
    assert f"unsc-sim {__version__}" in text.output.splitlines()[0]
    assert " / -" in text.output or "- / " in text.output  # the text still prints "-"


def test_discover_takes_the_metric_names_sensitivity_takes(real_sweep):
    """`vetoed` is p_vetoed and `no:CHN` is CHN_no, as for sensitivity (the same function)."""
    from sim.sensitivity import metric_alias

    assert metric_alias("vetoed") == "p_vetoed" and metric_alias(" no:CHN ") == "CHN_no"
    for alias, column in (("vetoed", "p_vetoed"), ("no:CHN", "CHN_no"), ("adopted", "p_adopted")):
        assert discover(real_sweep, alias, 0.5).metric == column
        cli = runner.invoke(app, ["discover", str(real_sweep), "--metric", alias, "--above", "0.5", "--json"])
        assert cli.exit_code == 0, cli.output
        assert _strict_json(cli.stdout)["metric"] == column
    bad = runner.invoke(app, ["discover", str(real_sweep), "--metric", "no:ZZZ", "--above", "0.5"])
    assert bad.exit_code == 2 and "--metric no:ZZZ: not a metric of" in bad.output


def test_plot_takes_the_same_metric_names(real_sweep, tmp_path):
    figure = tmp_path / "vetoed.png"
    result = runner.invoke(app, ["plot", str(real_sweep), "--metric", "vetoed,no:CHN", "--out", str(figure)])
    assert result.exit_code == 0, result.output
    assert figure.stat().st_size > 0
