"""Global sensitivity (sim/sensitivity.py): Sobol indices that find the key that decides and the
key that cannot matter, Morris output, reproducible numbers, and clear errors."""

import json
import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.results import read_metadata
from sim.sensitivity import SensitivityError, load_sensitivity, metric_column, run_sensitivity

from .conftest import HISTORY, NEGOTIATED, OIL_CAP_2022

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


# --- a metric that never varies, the default metric by decision rule, errors (a user test) ---------

FIRST_DRAFT_2022 = NEGOTIATED / "2022-05-26-s-2022-431-first-draft.toml"
"""Vetoed at every sample point over China's pressure stance: Russia vetoes it anyway."""
PRESS_STATEMENT = HISTORY / "2018-03-15-press-statement.toml"


def _strict_json(text: str):
    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_a_constant_metric_gives_null_indices_and_says_so(tmp_path):
    out = tmp_path / "c.csv"
    # without a permanent member's surprise the first draft of 2022 is vetoed in every lane
    quiet = tmp_path / "quiet.toml"
    quiet.write_text(f'extends = "{FIRST_DRAFT_2022}"\n[decision]\nsurprise_share = 0.0\n')
    options = [str(quiet), "-p", DECISIVE, "--samples", "64", "-n", "20", "--no-progress"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SALib's "invalid value encountered in divide" must not leak
        data = CliRunner().invoke(app, ["sensitivity", *options, "--json", "--out", str(out)])
        text = CliRunner().invoke(app, ["sensitivity", *options])
    assert data.exit_code == 0, data.output
    summary = _strict_json(data.stdout)
    assert summary["metric"] == "p_vetoed" and summary["metric_variance"] == 0.0
    assert summary["noise_share"] is None and summary["metric_constant"] is True
    assert all(row[c] is None for row in summary["indices"] for c in ("S1", "S1_conf", "ST", "ST_conf"))
    from sim.results import sidecar_path

    meta = _strict_json(sidecar_path(out).read_text())  # the written metadata is JSON too
    assert meta["noise_share"] is None and meta["metric_constant"] is True
    assert text.exit_code == 0, text.output
    assert "inf%" not in text.output and "0.000" not in text.output.split("key", 1)[1].split("\n\n")[0]
    assert "p_vetoed is 1 at every one of the 192 sample points" in text.output
    assert "the Sobol indices are undefined" in text.output
    assert "Warning" not in text.output


def test_the_default_metric_follows_the_decision_rule():
    statement = load_sensitivity(PRESS_STATEMENT, [DECISIVE], samples=4, replicates=10)
    assert statement.metric == "p_blocked"  # a statement is blocked, never vetoed
    assert load_sensitivity(OIL_CAP_2022, [DECISIVE], samples=4, replicates=10).metric == "p_vetoed"
    result = CliRunner().invoke(
        app,
        ["sensitivity", str(PRESS_STATEMENT), "-p", DECISIVE, "--samples", "16", "-n", "20", "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Sobol indices of p_blocked (the default: a statement is decided by consensus: "
        "a draft is blocked, never vetoed)"
    )


def test_vetoed_on_a_consensus_body_says_why_it_is_constant():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = CliRunner().invoke(
            app,
            ["sensitivity", str(PRESS_STATEMENT), "-p", DECISIVE, "--metric", "vetoed"]
            + ["--samples", "16", "-n", "20", "--no-progress"],
        )
    assert result.exit_code == 0, result.output
    assert "p_vetoed is 0 at every one of the 48 sample points" in result.output
    assert "a statement is decided by consensus: a draft is blocked, never vetoed" in result.output


def test_a_measure_of_a_first_draft_is_refused_in_sensitivitys_own_words(tmp_path):
    result = CliRunner().invoke(
        app,
        ["sensitivity", str(FIRST_DRAFT_2022), "-p", "proposal.measures.0.to=1000000:4000000"]
        + ["--out", str(tmp_path / "s.csv")],
    )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "--engine" not in lines[0] and "engine lanes" not in lines[0]
    assert lines[0].startswith("error: --param proposal.measures.0.to: ")
    assert "final draft" in lines[0] and "Drop this --param" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_a_key_problem_at_both_bounds_is_reported_once():
    result = CliRunner().invoke(app, ["sensitivity", str(OIL_CAP_2022), "-p", "proposal.measures.9.to=1:4"])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        "error: --param proposal.measures.9.to: proposal.measures.9: proposal.measures has 4 items, "
        "numbered from 0"
    ]
    # a problem of one bound still names that bound's value
    one = CliRunner().invoke(
        app, ["sensitivity", str(OIL_CAP_2022), "-p", "proposal.measures.0.to=-5:4000000"]
    )
    assert one.exit_code == 2
    assert one.output.strip().splitlines() == [
        "error: --param proposal.measures.0.to=-5: proposal.measures.0.to: Input should be greater than "
        "or equal to 0, got -5.0"
    ]
