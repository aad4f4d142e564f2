"""Global sensitivity (sim/sensitivity.py): Sobol indices that find the key that decides and the
key that cannot matter, Morris output, reproducible numbers, and clear errors."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.results import read_metadata
from sim.sensitivity import SensitivityError, load_sensitivity, metric_column, run_sensitivity

from .conftest import OIL_CAP_2022

DECISIVE = "members.CHN.pressure=0:1"
IDLE = "members.GHA.veto_cost=0:1"
"""An elected member's veto cost: its "no" defeats nothing, so the model never reads it."""


@pytest.fixture(scope="module")
def sobol():
    plan = load_sensitivity(
        OIL_CAP_2022,
        [DECISIVE, IDLE, "decision.noise_scale=0.5:1.5"],
        "sobol",
        "no:CHN",
        samples=256,
        replicates=200,
        seed=1,
    )
    return run_sensitivity(plan)


def test_sobol_finds_the_decisive_key_and_the_idle_one(sobol):
    indices = sobol.indices.set_index("key")
    assert list(indices.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    chn, gha = indices.loc["members.CHN.pressure"], indices.loc["members.GHA.veto_cost"]
    assert chn["ST"] > 0.5 and chn["S1"] > 0.5
    assert abs(gha["ST"]) < 0.02 and abs(gha["S1"]) < 0.05
    assert (indices[["S1_conf", "ST_conf"]] > 0).all().all()
    assert len(sobol.report.frame) == 256 * (3 + 2)
    assert sobol.noise_share < 0.05


def test_the_table_text_names_every_key(sobol):
    text = sobol.describe("1 process")
    for key in (
        "members.CHN.pressure",
        "members.GHA.veto_cost",
        "decision.noise_scale",
        "CHN_no",
        "Saltelli",
    ):
        assert key in text


def test_morris_gives_mu_star_and_sigma_per_key():
    plan = load_sensitivity(
        OIL_CAP_2022, [DECISIVE, IDLE], "morris", "CHN_no", samples=20, replicates=100, seed=2
    )
    assert plan.sample.shape == (20 * 3, 2)
    result = run_sensitivity(plan)
    frame = result.indices.set_index("key")
    assert list(frame.columns) == ["mu_star", "mu_star_conf", "mu", "sigma"]
    assert list(frame.index) == ["members.CHN.pressure", "members.GHA.veto_cost"]
    assert frame.loc["members.CHN.pressure", "mu_star"] > 0.3
    assert frame.loc["members.GHA.veto_cost", "mu_star"] < 0.1
    assert frame.loc["members.CHN.pressure", "mu"] < 0  # more pressure, fewer Chinese "no"s


def test_same_seed_same_numbers_with_one_and_two_workers(tmp_path):
    def indices(workers, seed=5):
        plan = load_sensitivity(
            OIL_CAP_2022,
            [DECISIVE, "context.great_power_tension=0:1"],
            "sobol",
            "p_vetoed",
            samples=64,
            replicates=100,
            seed=seed,
        )
        return run_sensitivity(plan, tmp_path / f"w{workers}-{seed}.csv", workers=workers).indices

    one = indices(1)
    pd.testing.assert_frame_equal(one, indices(2))
    assert not one.equals(indices(1, seed=6))


def test_metric_names_are_the_sweeps():
    codes = ["CHN", "USA"]
    assert metric_column("vetoed", codes) == "p_vetoed"
    assert metric_column("no:CHN", codes) == "CHN_no"
    assert metric_column("USA_abstain", codes) == "USA_abstain"
    with pytest.raises(SensitivityError, match="CHN_no"):
        metric_column("no:RUS", codes)


def test_the_command_writes_the_indices_the_sample_and_the_chart(tmp_path):
    out, chart = tmp_path / "s.parquet", tmp_path / "s.png"
    result = CliRunner().invoke(
        app,
        [
            "sensitivity",
            str(OIL_CAP_2022),
            "--param",
            DECISIVE,
            "--param",
            IDLE,
            "--samples",
            "32",
            "-n",
            "50",
            "--seed",
            "3",
            "--out",
            str(out),
            "--plot",
            str(chart),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert [row["key"] for row in summary["indices"]] == ["members.CHN.pressure", "members.GHA.veto_cost"]
    assert read_metadata(out)["table"] == "sensitivity"
    assert len(pd.read_parquet(tmp_path / "s.sample.parquet")) == 32 * 4
    assert chart.stat().st_size > 1000
    again = CliRunner().invoke(app, ["plot", str(out), "--out", str(tmp_path / "again.svg")])
    assert again.exit_code == 0, again.output
    from sim.plots import plot_results

    drawn = plot_results(out)
    assert drawn.kind == "sensitivity_sobol"
    assert list(drawn.data["indices"]["key"]) == ["members.CHN.pressure", "members.GHA.veto_cost"]


@pytest.mark.parametrize(
    "options, fragment",
    [
        (["--param", "members.CHN.presure=0:1"], "unknown key 'presure'"),
        (["--param", "members.CHN.pressure=0:1:3"], "expected bounds LOW:HIGH"),
        (["--param", "negotiation.rounds=0:5"], "negotiation.rounds: cannot take a value per lane"),
        (["--param", "members.CHN.pressure=0:1.5"], "members.CHN.pressure: must be between 0 and 1, got 1.5"),
        (["--param", "members.CHN.pressure=0.5:0.5"], "low must be below high"),
        (["--param", "members.ZZZ.pressure=0:1"], "ZZZ does not sit on this council"),
        (["--param", DECISIVE, "--metric", "no:XXX"], "--metric: unknown metric"),
        (["--param", DECISIVE, "--samples", "100"], "power of 2"),
        (["--param", DECISIVE, "--method", "fast"], "--method: expected one of sobol, morris"),
        ([], "--param: give at least one"),
    ],
)
def test_bad_input_exits_2_naming_it_and_writes_nothing(tmp_path, options, fragment):
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(
        app,
        ["sensitivity", str(OIL_CAP_2022), *options, "--out", str(out), "--plot", str(tmp_path / "s.png")],
    )
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert list(tmp_path.iterdir()) == []
