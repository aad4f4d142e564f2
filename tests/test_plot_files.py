"""Using `plot` as a new user would: no figure is replaced silently, random and LHS sweeps are
drawn (scatter and partial-dependence panels), several metrics share a figure, PDF by suffix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.plots import PlotError, plot_results

from .conftest import OIL_CAP_2022

runner = CliRunner()


@pytest.fixture(scope="module")
def lhs_table(tmp_path_factory) -> tuple:
    path = tmp_path_factory.mktemp("lhs") / "lhs.parquet"
    frame = sim.sweep(
        OIL_CAP_2022,
        ["members.CHN.pressure=0:1", "context.great_power_tension=0:1"],
        design="lhs",
        samples=24,
        replicates=100,
        seed=3,
        out=path,
    )
    return path, frame


@pytest.fixture(scope="module")
def grid_table(tmp_path_factory):
    path = tmp_path_factory.mktemp("grid") / "grid.parquet"
    sim.sweep(OIL_CAP_2022, ["members.CHN.pressure=0:1:4"], replicates=100, seed=3, out=path)
    return path


def test_plot_never_replaces_the_default_figure_silently(tmp_path, grid_table):
    table = tmp_path / "grid.parquet"
    table.write_bytes(grid_table.read_bytes())
    first = runner.invoke(app, ["plot", str(table)])
    assert first.exit_code == 0, first.output
    earlier = (tmp_path / "grid.png").read_bytes()
    second = runner.invoke(app, ["plot", str(table), "--metric", "p_adopted"])
    assert second.exit_code == 0, second.output
    assert "grid-2.png" in second.output and "already exists" in second.output
    assert (tmp_path / "grid.png").read_bytes() == earlier  # the first figure is kept
    assert (tmp_path / "grid-2.png").read_bytes() != earlier
    replaced = runner.invoke(app, ["plot", str(table), "--metric", "p_adopted", "--overwrite"])
    assert replaced.exit_code == 0 and "replacing" in replaced.output
    assert (tmp_path / "grid.png").read_bytes() != earlier
    assert not (tmp_path / "grid-3.png").exists()


def test_an_explicit_out_that_exists_is_replaced_with_a_message(tmp_path, grid_table):
    out = tmp_path / "figure.png"
    out.write_bytes(b"an older figure")
    result = runner.invoke(app, ["plot", str(grid_table), "--out", str(out)])
    assert result.exit_code == 0 and "replacing the figure that was there" in result.output
    assert out.read_bytes().startswith(b"\x89PNG")


def test_an_lhs_sweep_is_plotted_as_panels_of_its_points(tmp_path, lhs_table):
    path, frame = lhs_table
    out = tmp_path / "lhs.png"
    result = runner.invoke(app, ["plot", str(path), "--metric", "p_adopted,p_vetoed", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG") and "scatter plot" in result.output
    drawn = plot_results(path, metric="p_adopted,p_vetoed")
    assert drawn.kind == "scatter"
    assert len(drawn.figure.axes) == 4  # two metrics x two swept keys
    points = drawn.data["points"]
    mine = points[(points["metric"] == "p_vetoed") & (points["key"] == "members.CHN.pressure")]
    np.testing.assert_allclose(mine["x"], frame["members.CHN.pressure"])
    np.testing.assert_allclose(mine["y"], frame["p_vetoed"])
    dependence = drawn.data["dependence"]
    one = dependence[(dependence["metric"] == "p_vetoed") & (dependence["key"] == "members.CHN.pressure")]
    assert one["points"].sum() == len(frame)  # every point in exactly one bin
    with pytest.raises(PlotError, match="grid design"):
        plot_results(path, x="members.CHN.pressure", y="context.great_power_tension")


def test_a_text_valued_key_of_a_sampled_sweep_gets_its_panel(tmp_path):
    """A random or LHS sweep over a text key (proposal.draft) plots it by category, with the
    categories as ticks and the mean of each as its dependence; it used to be left out silently."""
    from .conftest import NEGOTIATED

    path = tmp_path / "mixed.parquet"
    frame = sim.sweep(
        NEGOTIATED / "2022-05-26-s-2022-431-first-draft.toml",
        ["members.CHN.pressure=0:1", "proposal.draft=first,final"],
        design="random",
        samples=16,
        replicates=40,
        seed=2,
        out=path,
    )
    drawn = plot_results(path, metric="p_vetoed")
    assert len(drawn.figure.axes) == 2
    draft_axis = drawn.figure.axes[1]
    assert [t.get_text() for t in draft_axis.get_xticklabels()] == ["final", "first"]
    dependence = drawn.data["dependence"]
    by_draft = dependence[dependence["key"] == "proposal.draft"].set_index("x")["mean"]
    expected = frame.groupby("proposal.draft")["p_vetoed"].mean()
    assert by_draft[0.0] == pytest.approx(expected["final"]) and by_draft[1.0] == pytest.approx(
        expected["first"]
    )


def test_several_metrics_share_one_line_figure(grid_table):
    drawn = plot_results(grid_table, metric=["p_adopted", "p_vetoed", "CHN_no"])
    table = pd.read_parquet(grid_table)
    line = drawn.data["line"]
    assert set(line["metric"]) == {"p_adopted", "p_vetoed", "CHN_no"}
    np.testing.assert_allclose(
        line[line["metric"] == "p_vetoed"]["value"], table.sort_values("members.CHN.pressure")["p_vetoed"]
    )
    assert len(drawn.figure.axes[0].get_lines()) == 3


def test_pdf_by_suffix_and_the_same_table_gives_the_same_bytes(tmp_path, grid_table):
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for out in (first, second):
        result = runner.invoke(app, ["plot", str(grid_table), "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert first.read_bytes().startswith(b"%PDF")
    assert first.read_bytes() == second.read_bytes()
    wrong = runner.invoke(app, ["plot", str(grid_table), "--out", str(tmp_path / "a.jpg")])
    assert wrong.exit_code == 2 and ".png, .svg or .pdf" in wrong.output
