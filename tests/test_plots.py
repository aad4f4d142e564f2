"""Figures: the values drawn equal the table's (line, band, heatmap cells, bar widths), labels
name members and units, and bad input is one line, exit 2, no file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.image import AxesImage
from typer.testing import CliRunner

from sim.cli import app
from sim.parameters import PARAMETER_SPECS
from sim.plots import (
    PlotError,
    metric_label,
    outcome_plot,
    parameter_label,
    plot_results,
    seat_plot,
    tally_shares,
)
from sim.results import RunResult, write_table
from sim.rules import OUTCOME_LABELS
from sim.runner import run
from sim.scenario import ContextSpec, DecisionSpec, NegotiationSpec, load_scenario

from .conftest import OIL_CAP_2022

runner = CliRunner()


VOTING = {"decision.consensus_norm": 1.0}
"""Held fixed so that the 2022 draft comes to a vote whatever the shipped parameters are (at the
prior centres it is withdrawn in every lane)."""
RUSSIA_LIKE_THE_WEST = {"members.RUS.pressure": 0.9, **VOTING}
"""Held fixed under the sweeps below, so that China's stance alone decides whether a veto falls."""


def sweep_frame(points: list[dict], replicates: int = 300, seed: int = 5) -> pd.DataFrame:
    """A sweep table following the issue-4 schema, from real runs (a test fixture, not an
    engine: the sweep command builds these tables in the package)."""
    rows = []
    for index, overrides in enumerate(points):
        scenario = load_scenario(OIL_CAP_2022, {**RUSSIA_LIKE_THE_WEST, **overrides})
        result = run(scenario, replicates=replicates, seed=seed)
        row: dict = {"point": index, **overrides, "replicates": replicates}
        for outcome in result.outcome_table().itertuples():
            row[f"p_{outcome.outcome}"] = outcome.probability
            row[f"p_{outcome.outcome}_low"] = outcome.ci_low
            row[f"p_{outcome.outcome}_high"] = outcome.ci_high
        row["modal_tally"] = result.modal_tally()
        for member in result.member_table().itertuples():
            for vote in ("yes", "no", "abstain"):
                row[f"{member.code}_{vote}"] = getattr(member, vote)
        rows.append(row)
    return pd.DataFrame(rows)


def write_sweep(tmp_path, frame: pd.DataFrame, keys: list[str], name: str = "sweep.parquet"):
    path = tmp_path / name
    metadata = {"table": "sweep", "parameters": [{"key": key} for key in keys], "seed": 5}
    write_table(frame, path, metadata)
    return path


@pytest.fixture(scope="module")
def pressure_sweep() -> pd.DataFrame:
    # China's pressure stance from well below its preset (0.50) to the Western members' level:
    # the veto must become rarer, so the plotted values differ from point to point.
    return sweep_frame([{"members.CHN.pressure": v} for v in (0.9, 0.3, 0.5, 0.7)])


@pytest.fixture(scope="module")
def grid_sweep() -> pd.DataFrame:
    return sweep_frame(
        [
            {"members.CHN.pressure": p, "context.great_power_tension": t}
            for p in (0.2, 0.3, 0.95)
            for t in (0.1, 0.9)
        ],
        replicates=200,
    )


def test_line_plot_draws_the_table_probabilities_and_interval_band(tmp_path, pressure_sweep):
    path = write_sweep(tmp_path, pressure_sweep, ["members.CHN.pressure"])
    plot = plot_results(path)
    assert plot.kind == "line"
    ax = plot.figure.axes[0]
    (line,) = ax.get_lines()
    ordered = pressure_sweep.sort_values("members.CHN.pressure")
    np.testing.assert_allclose(line.get_xdata(), ordered["members.CHN.pressure"])
    np.testing.assert_allclose(line.get_ydata(), ordered["p_vetoed"])
    # the values really vary (the model responds to China's stance)
    assert ordered["p_vetoed"].iloc[0] - ordered["p_vetoed"].iloc[-1] > 0.3
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    vertices = band.get_paths()[0].vertices
    for x, low, high in ordered[["members.CHN.pressure", "p_vetoed_low", "p_vetoed_high"]].itertuples(
        index=False
    ):
        at_x = vertices[np.isclose(vertices[:, 0], x), 1]
        assert np.isclose(at_x.min(), low) and np.isclose(at_x.max(), high)
    drawn = plot.data["line"]
    np.testing.assert_allclose(drawn["p_vetoed_low"], ordered["p_vetoed_low"])
    np.testing.assert_allclose(drawn["p_vetoed_high"], ordered["p_vetoed_high"])
    assert ax.get_xlabel() == "China: pressure stance (0-1)"
    assert ax.get_ylabel() == "P(vetoed)"
    assert "300 replicates a point" in ax.get_title()


def test_other_metrics_and_one_line_per_value_of_a_second_parameter(tmp_path, grid_sweep):
    keys = ["members.CHN.pressure", "context.great_power_tension"]
    path = write_sweep(tmp_path, grid_sweep, keys)
    plot = plot_results(path, x="members.CHN.pressure", metric="CHN_yes")
    lines = plot.figure.axes[0].get_lines()
    assert len(lines) == 2  # one per level of tension
    for line, tension in zip(lines, (0.1, 0.9), strict=True):
        part = grid_sweep[grid_sweep["context.great_power_tension"] == tension].sort_values(
            "members.CHN.pressure"
        )
        np.testing.assert_allclose(line.get_ydata(), part["CHN_yes"])
        assert line.get_label() == f"Great-power tension (0-1) = {tension}"
    assert grid_sweep["CHN_yes"].max() - grid_sweep["CHN_yes"].min() > 0.3  # China's vote moves
    assert plot.figure.axes[0].get_ylabel() == "China: share of lanes voting yes"
    assert not [
        c for c in plot.figure.axes[0].collections if isinstance(c, PolyCollection)
    ]  # no interval columns


def test_text_and_boolean_parameters_are_categories(tmp_path):
    frame = sweep_frame(
        [
            {"context.talks_under_way": w, "context.nuclear_test": t}
            for w in (False, True)
            for t in (False, True)
        ],
        replicates=200,
    )
    path = write_sweep(tmp_path, frame, ["context.talks_under_way", "context.nuclear_test"], name="cat.csv")
    plot = plot_results(path, x="context.talks_under_way", metric="p_adopted")
    ax = plot.figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["no", "yes"]
    assert ax.get_xlabel() == "Talks under way"
    for line, test in zip(ax.get_lines(), (False, True), strict=True):
        assert line.get_label() == f"Nuclear test on the day (what-if) = {'yes' if test else 'no'}"
        np.testing.assert_allclose(line.get_xdata(), [0, 1])
        np.testing.assert_allclose(
            line.get_ydata(), frame[frame["context.nuclear_test"] == test]["p_adopted"]
        )
    heatmap = plot_results(path, metric="p_adopted").figure.axes[0]
    assert [t.get_text() for t in heatmap.get_yticklabels()] == ["no", "yes"]


def test_heatmap_cells_equal_the_pivoted_table(tmp_path, grid_sweep):
    keys = ["members.CHN.pressure", "context.great_power_tension"]
    path = write_sweep(tmp_path, grid_sweep, keys)
    plot = plot_results(path, metric="p_adopted")  # two swept parameters: a heatmap by default
    assert plot.kind == "heatmap"
    ax = plot.figure.axes[0]
    (image,) = [a for a in ax.get_images() if isinstance(a, AxesImage)]
    expected = grid_sweep.pivot(
        index="context.great_power_tension", columns="members.CHN.pressure", values="p_adopted"
    )
    np.testing.assert_allclose(np.asarray(image.get_array()), expected.to_numpy())
    assert expected.to_numpy().max() - expected.to_numpy().min() > 0.3  # the cells differ
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.2", "0.3", "0.95"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.1", "0.9"]
    assert ax.get_xlabel() == "China: pressure stance (0-1)"
    assert ax.get_ylabel() == "Great-power tension (0-1)"
    assert plot.figure.axes[1].get_ylabel() == "P(adopted)"  # the colour bar
    # swapping the axes transposes the grid
    swapped = plot_results(
        path, x="context.great_power_tension", y="members.CHN.pressure", metric="p_adopted"
    )
    np.testing.assert_allclose(
        np.asarray(swapped.figure.axes[0].get_images()[0].get_array()), expected.to_numpy().T
    )


def test_sweep_options_are_checked_with_the_choices_named(tmp_path, grid_sweep):
    three = grid_sweep.assign(**{"decision.noise_scale": [1.0, 2.0] * 3})
    keys = ["members.CHN.pressure", "context.great_power_tension", "decision.noise_scale"]
    path = write_sweep(tmp_path, three, keys)
    with pytest.raises(
        PlotError,
        match=r"varies 3 parameters \(members.CHN.pressure, context.great_power_tension, "
        r"decision.noise_scale\): choose one with `x`",
    ):
        plot_results(path)
    with pytest.raises(PlotError, match="decision.noise_scale also varies"):
        plot_results(path, x="members.CHN.pressure", y="context.great_power_tension")
    with pytest.raises(
        PlotError, match=r"`metric`: unknown metric 'p_vetod' \(choose from: p_adopted, p_vetoed"
    ):
        plot_results(path, x="members.CHN.pressure", metric="p_vetod")
    with pytest.raises(
        PlotError, match=r"`x`: 'members.RUS.pressure' is not a swept parameter \(swept: members"
    ):
        plot_results(path, x="members.RUS.pressure")


@pytest.fixture(scope="module")
def oil_cap_run() -> RunResult:
    # China's pressure stance drawn per lane over a wide range: its votes split
    overrides = {"members.CHN.pressure": {"low": 0.2, "high": 1.0}, **VOTING}
    return run(load_scenario(OIL_CAP_2022, overrides), replicates=1500, seed=3)


def test_run_table_bars_equal_member_shares_and_tallies(tmp_path, oil_cap_run):
    path = tmp_path / "lanes.parquet"
    oil_cap_run.write(path)
    plot = plot_results(path)
    assert plot.kind == "run"
    members_ax, tallies_ax = plot.figure.axes[:2]
    expected = oil_cap_run.member_table()  # computed from the arrays, not from the table
    for vote in ("yes", "no", "abstain"):
        widths = [p.get_width() for p in members_ax.patches if p.get_gid() == f"share-{vote}"]
        np.testing.assert_allclose(widths, expected[vote])
    # the shares drawn are not all 0 / 1: China's vote splits
    china = expected.set_index("code").loc["CHN"]
    assert china[["yes", "no", "abstain"]].max() < 0.9
    labels = [t.get_text() for t in members_ax.get_yticklabels()]
    assert (
        labels[0] == "China (CHN, P5)"
        and "Russian Federation (RUS, P5)" in labels
        and "Norway (NOR)" in labels
    )
    tallies = oil_cap_run.tallies()
    heights = [p.get_height() for p in tallies_ax.patches if p.get_gid() == "tallies"]
    np.testing.assert_allclose(heights, tallies.head(len(heights)))
    assert [t.get_text() for t in tallies_ax.get_xticklabels()] == list(tallies.index[: len(heights)])
    assert "1,500 lanes, seed 3" in plot.figure.get_suptitle()


def test_csv_run_table_gives_the_same_shares(tmp_path, oil_cap_run):
    oil_cap_run.write(tmp_path / "lanes.csv")
    oil_cap_run.write(tmp_path / "lanes.parquet")
    csv = plot_results(tmp_path / "lanes.csv").data
    parquet = plot_results(tmp_path / "lanes.parquet").data
    pd.testing.assert_frame_equal(csv["members"], parquet["members"])
    pd.testing.assert_frame_equal(csv["tallies"], parquet["tallies"])


def test_tally_shares_match_the_run(oil_cap_run):
    pd.testing.assert_series_equal(
        tally_shares(oil_cap_run.lanes_frame()), oil_cap_run.tallies(), check_names=False
    )


def test_outcome_and_seat_figures_draw_the_run(oil_cap_run):
    outcomes = oil_cap_run.outcome_table()
    bars = [p for p in outcome_plot(outcomes).figure.axes[0].patches if p.get_gid() == "outcomes"]
    np.testing.assert_allclose([b.get_width() for b in bars], outcomes["probability"])
    shares = oil_cap_run.member_table()
    seats = seat_plot(shares)
    wedges = {p.get_gid(): p for p in seats.figure.axes[0].patches if p.get_gid()}
    for row in shares.itertuples():
        for vote in ("yes", "no", "abstain"):
            share = getattr(row, vote)
            wedge = wedges.get(f"seat-{row.code}-{vote}")
            if share == 0:
                assert wedge is None
            else:
                assert np.isclose((wedge.theta2 - wedge.theta1) / 360, share)
    assert len(seats.data["seats"]) == 15


def test_labels_name_members_and_units():
    names = {"CHN": "China"}
    assert parameter_label("members.CHN.veto_cost", names) == "China: veto cost (0-1)"
    assert parameter_label("members.CHN.pressure.mean", names) == "China: pressure stance (0-1), mean"
    assert parameter_label("context.great_power_tension") == "Great-power tension (0-1)"
    assert parameter_label("decision.noise_scale") == "Noise scale (x every member's noise)"
    assert parameter_label("context.talks_under_way") == "Talks under way"
    assert parameter_label("context.provocation") == "Provocation stock (a nuclear test = 1)"
    assert parameter_label("negotiation.softening_step") == "Softening per round (share of the text)"
    # every global parameter a file may set has words; removed keys have none
    for spec in PARAMETER_SPECS:
        table = "negotiation" if spec.name in NegotiationSpec.model_fields else "decision"
        assert parameter_label(f"{table}.{spec.name}") != f"{table}.{spec.name}"
    for key in DecisionSpec.model_fields:
        assert parameter_label(f"decision.{key}") != f"decision.{key}"
    for key in set(ContextSpec.model_fields) - {"note"}:
        assert parameter_label(f"context.{key}") != f"context.{key}"
    for removed in (
        "context.ballistic_launches",
        "context.diplomacy",
        "negotiation.alignment_pull",
        "negotiation.strategy",
    ):
        assert parameter_label(removed) == removed
    assert metric_label("p_withdrawn") == "P(withdrawn)"
    assert set(OUTCOME_LABELS) == {"adopted", "vetoed", "failed", "blocked", "withdrawn"}


def test_cli_writes_png_and_svg(tmp_path, pressure_sweep):
    path = write_sweep(tmp_path, pressure_sweep, ["members.CHN.pressure"])
    result = runner.invoke(app, ["plot", str(path), "--out", str(tmp_path / "fig.png")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = runner.invoke(
        app, ["plot", str(path), "--metric", "p_adopted", "--out", str(tmp_path / "fig.svg")]
    )
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "fig.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "P(adopted)" in svg
    result = runner.invoke(app, ["plot", str(path)])  # default: beside the table
    assert result.exit_code == 0 and (tmp_path / "sweep.png").exists()
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.parquet"], "error: {d}/missing.parquet: file not found"),
        (
            ["sweep.parquet", "--metric", "p_nope"],
            "error: {d}/sweep.parquet: --metric: unknown metric 'p_nope'",
        ),
        (
            ["sweep.parquet", "--x", "context.nuclear_test"],
            "error: {d}/sweep.parquet: --x: 'context.nuclear_test' is not a swept parameter",
        ),
        (
            ["sweep.parquet", "--out", "{d}/fig.jpg"],
            "error: --out: {d}/fig.jpg: must end in .png, .svg or .pdf",
        ),
        (["notes.txt"], "error: {d}/notes.txt: results must be a .parquet or .csv table"),
        (
            ["lanes.parquet", "--metric", "p_vetoed"],
            "error: {d}/lanes.parquet: --metric applies to sweep tables only",
        ),
    ],
)
def test_cli_bad_input_is_one_line_exit_2_and_no_file(tmp_path, pressure_sweep, oil_cap_run, args, message):
    write_sweep(tmp_path, pressure_sweep, ["members.CHN.pressure"])
    oil_cap_run.write(tmp_path / "lanes.parquet")
    (tmp_path / "notes.txt").write_text("not a table")
    before = set(tmp_path.iterdir())
    args = [
        a.format(d=tmp_path) if "{d}" in a else (str(tmp_path / a) if a.endswith((".parquet", ".txt")) else a)
        for a in args
    ]
    result = runner.invoke(app, ["plot", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message.format(d=tmp_path)), result.stderr
    assert set(tmp_path.iterdir()) == before


def test_a_swept_measure_field_is_labelled_with_its_meaning_and_unit():
    """A swept cap is named by what it is and in what unit, and its ticks read as the file writes
    barrels (375,000), not as the raw key and 375000 or 3.75e+05 (found by a user test)."""
    from sim.plot_labels import format_value, parameter_label

    assert parameter_label("proposal.measures.0.to") == "Measure 1: cap the draft sets, barrels a year"
    assert parameter_label("proposal.measures.2.months") == "Measure 3: length of the renewed mandate, months"
    assert format_value(375_000.0) == "375,000" and format_value(3_750_000.0) == "3,750,000"
    assert format_value(0.25) == "0.25" and format_value(7.0) == "7"
