"""Sweeps: the same table for any number of workers or a dask cluster, after an interruption,
and point by point the same numbers as a plain run; clear errors for bad parameters."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sim.sweep as sweep_module
from sim.cli import app
from sim.results import read_metadata
from sim.rules import OUTCOME_LABELS
from sim.runner import run
from sim.scenario import ScenarioError, load_scenario
from sim.sweep import SweepError, load_sweep, point_seed, run_sweep, work_dir_for
from sim.sweep.design import DesignError

from .conftest import MINIMAL, OIL_CAP_2022, ROOT, local_dask_cluster
from .test_bundled_scenarios import FITTED

PARAMS = ["members.CHN.pressure=0.2:1:3", "members.CHN.veto_cost=0.3,0.9"]
"""Six points across which China goes from vetoing to voting in favour: the numbers move."""


@pytest.fixture
def oil_cap(tmp_path_factory):
    """S/2022/431 at the pinned fitted parameters (a ``[decision]`` table), so the sweep's
    numbers do not depend on the shipped defaults."""
    decision = "\n".join(f"{key.split('.', 1)[1]} = {value!r}" for key, value in FITTED.items())
    path = tmp_path_factory.mktemp("scenario") / OIL_CAP_2022.name
    path.write_text(OIL_CAP_2022.read_text() + "\n[decision]\n" + decision + "\n")
    return path


@pytest.fixture
def small_units(monkeypatch):
    """Let a small sweep split into many units (as a big one does), to exercise scheduling."""
    monkeypatch.setattr(sweep_module.plan, "MIN_UNIT_LANES", 1)


@pytest.fixture
def small_sweep(oil_cap):
    def make(**kwargs):
        settings = dict(replicates=600, seed=5, chunk_lanes=250)
        settings.update(kwargs)
        return load_sweep(oil_cap, PARAMS, **settings)

    return make


def test_one_two_workers_and_a_dask_cluster_give_the_same_table(tmp_path, small_units, small_sweep):
    sweep = small_sweep()
    assert len(sweep.units()) > 4  # several units to spread (3 chunks of each of 6 points)
    one = run_sweep(sweep, tmp_path / "one.parquet")
    two = run_sweep(sweep, tmp_path / "two.parquet", workers=2)
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()
    with local_dask_cluster() as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        cluster_run = run_sweep(sweep, tmp_path / "dask.parquet", scheduler=cluster.scheduler_address)
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "dask.parquet").read_bytes()
    pd.testing.assert_frame_equal(one.frame, two.frame)
    pd.testing.assert_frame_equal(one.frame, cluster_run.frame)
    # and the sweep is not trivially constant: China's no share falls as its pressure rises
    frame = one.frame
    assert frame["CHN_no"].max() > 0.9 and frame["CHN_no"].min() < 0.1
    assert frame["CHN_no"].iloc[0] > frame["CHN_no"].iloc[-1]
    assert frame["p_adopted"].iloc[-1] > frame["p_adopted"].iloc[0]


def test_the_table_has_the_agreed_columns_and_metadata(tmp_path, small_sweep):
    sweep = small_sweep()
    report = run_sweep(sweep, tmp_path / "s.parquet")
    frame = pd.read_parquet(tmp_path / "s.parquet")
    codes = sweep.scenario.codes
    expected = ["point", "members.CHN.pressure", "members.CHN.veto_cost", "replicates"]
    for label in OUTCOME_LABELS:
        expected += [f"p_{label}", f"p_{label}_low", f"p_{label}_high"]
    expected.append("modal_tally")
    for code in codes:
        expected += [f"{code}_yes", f"{code}_no", f"{code}_abstain"]
    assert list(frame.columns) == expected
    assert frame["point"].tolist() == list(range(6)) and (frame["replicates"] == 600).all()
    assert frame["members.CHN.veto_cost"].tolist() == [0.3, 0.9] * 3
    probabilities = frame[[f"p_{label}" for label in OUTCOME_LABELS]].to_numpy()
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert (frame["p_vetoed_low"] <= frame["p_vetoed"]).all() and (
        frame["p_vetoed"] <= frame["p_vetoed_high"]
    ).all()
    meta = read_metadata(tmp_path / "s.parquet")
    assert meta["table"] == "sweep" and meta["seed"] == 5 and meta["replicates"] == 600
    assert meta["chunk_lanes"] == 250 and meta["scenario_fingerprint"] == sweep.scenario.fingerprint()
    assert meta["design"] == {"name": "grid", "settings": {"points": 6}}
    assert meta["parameters"][1] == {"key": "members.CHN.veto_cost", "values": [0.3, 0.9]}
    assert meta["version"] and meta["scenario"] == sweep.scenario.name
    assert not work_dir_for(tmp_path / "s.parquet").exists()  # removed after success
    assert report.lanes == report.lanes_run == 3_600


def test_each_point_equals_a_plain_run_with_the_point_seed(tmp_path, small_sweep):
    """Exact, not statistical: point p's lanes are run(point scenario, R, point_seed(seed, p),
    chunk_lanes)'s lanes, so probabilities, intervals, modal tally and shares all match."""
    sweep = small_sweep()
    frame = run_sweep(sweep, tmp_path / "s.parquet").frame
    for point in (0, 3, 5):
        result = run(sweep.point_scenario(point), 600, point_seed(5, point), chunk_lanes=250)
        row = frame.iloc[point]
        table = result.outcome_table().set_index("outcome")
        for label in OUTCOME_LABELS:
            assert row[f"p_{label}"] == table.loc[label, "probability"]
            assert row[f"p_{label}_low"] == table.loc[label, "ci_low"]
            assert row[f"p_{label}_high"] == table.loc[label, "ci_high"]
        assert row["modal_tally"] == (result.modal_tally() or "")
        members = result.member_table().set_index("code")
        for code in sweep.scenario.codes:
            for vote in ("yes", "no", "abstain"):
                assert row[f"{code}_{vote}"] == members.loc[code, vote]


def test_per_lane_rows_are_the_runs_lanes(tmp_path, small_sweep):
    sweep = small_sweep(replicates=300)
    report = run_sweep(sweep, tmp_path / "s.csv", per_lane=True)
    assert report.lanes_path == tmp_path / "s.lanes.csv"
    lanes = pd.read_csv(report.lanes_path)
    assert len(lanes) == 6 * 300 and lanes["point"].tolist() == sorted(lanes["point"])
    expected = run(sweep.point_scenario(4), 300, point_seed(5, 4), chunk_lanes=250).lanes_frame()
    got = lanes[lanes["point"] == 4].drop(columns="point").reset_index(drop=True)
    assert got["outcome"].tolist() == expected["outcome"].astype(str).tolist()
    assert got["vote_CHN"].tolist() == expected["vote_CHN"].astype(str).tolist()
    assert got["defeated_by"].fillna("").tolist() == expected["defeated_by"].tolist()
    assert read_metadata(report.lanes_path)["table"] == "sweep_lanes"


class Stop(Exception):
    pass


def test_an_interrupted_sweep_resumes_to_the_same_file(tmp_path, small_units, small_sweep):
    sweep = small_sweep()
    whole = tmp_path / "whole.parquet"
    run_sweep(sweep, whole)
    out = tmp_path / "resumed.parquet"
    finished = []

    def stop_after_three(index: int) -> None:
        finished.append(index)
        if len(finished) == 3:
            raise Stop

    with pytest.raises(Stop):
        run_sweep(sweep, out, on_unit=stop_after_three)
    work = work_dir_for(out)
    assert not out.exists()  # nothing half-written at the output path
    assert len(list(work.glob("unit-*.npz"))) == 3
    again = run_sweep(sweep, out, on_unit=finished.append)
    assert again.units_resumed == 3 and again.lanes_run < again.lanes
    assert len(finished) == len(sweep.units())  # each unit ran once over the two calls
    assert out.read_bytes() == whole.read_bytes()
    assert not work.exists()


def test_a_different_sweep_refuses_the_unfinished_work_of_another(tmp_path, small_units, small_sweep):
    out = tmp_path / "s.parquet"
    with pytest.raises(Stop):
        run_sweep(small_sweep(), out, on_unit=lambda index: (_ for _ in ()).throw(Stop()))
    other = small_sweep(seed=6)
    with pytest.raises(SweepError) as caught:
        run_sweep(other, out)
    assert "holds unfinished work of a different sweep" in caught.value.problems[0]
    assert "`restart`" in caught.value.problems[0]
    restarted = run_sweep(other, out, restart=True)
    assert restarted.units_resumed == 0 and read_metadata(out)["seed"] == 6


@pytest.mark.timing
@pytest.mark.same_on_every_python  # a process signal, not the interpreter, is under test
def test_kill_dash_nine_then_rerun_gives_the_same_file(tmp_path):
    """The real thing: SIGKILL the command mid-sweep, rerun it, compare with an unbroken run."""
    args = [
        "sweep",
        str(OIL_CAP_2022),
        "--param",
        "members.CHN.veto_cost=0:1:40",
        "--replicates",
        "30000",
        "--seed",
        "3",
        "--chunk-lanes",
        "10000",
        "--no-progress",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # On a loaded machine (pytest -n 2 beside other work) the sweep once finished before the
    # test saw two units: that tests nothing, so it is tried again, at most thrice.
    for attempt in range(3):
        out = tmp_path / f"killed{attempt}.parquet"
        process = subprocess.Popen(
            [sys.executable, "-m", "sim", *args, "--out", str(out)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        work = work_dir_for(out)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list(work.glob("unit-*.npz"))) < 2:
            if process.poll() is not None:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        if not (process.returncode == 0 and out.exists()):  # only a finished sweep is tried again
            break
    assert process.returncode == -signal.SIGKILL, f"exit status {process.returncode}, not the kill's"
    units = len(list(work.glob("unit-*.npz")))
    assert not out.exists() and units >= 2, f"{units} units saved, table written: {out.exists()}"
    runner = CliRunner()
    resumed = runner.invoke(app, [*args, "--out", str(out)])
    assert resumed.exit_code == 0, resumed.output
    assert "already done" in resumed.output
    unbroken = runner.invoke(app, [*args, "--out", str(tmp_path / "unbroken.parquet")])
    assert unbroken.exit_code == 0, unbroken.output
    assert out.read_bytes() == (tmp_path / "unbroken.parquet").read_bytes()


# -------------------------------------------------------------------------- the command


def test_the_command_sweeps_and_reports(tmp_path):
    out = tmp_path / "results" / "china.parquet"
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(OIL_CAP_2022),
            "--param",
            "members.CHN.pressure=0:1:3",
            "--param",
            "negotiation.rounds=0:40:5",
            "--replicates",
            "200",
            "--seed",
            "7",
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "15 points" in result.output and "3,000 lanes" in result.output
    assert "decisions/s" in result.output and str(out) in result.output
    frame = pd.read_parquet(out)
    assert frame["negotiation.rounds"].dtype == np.int64
    assert sorted(set(frame["negotiation.rounds"])) == [0, 10, 20, 30, 40]


def test_lhs_from_the_command_line(tmp_path):
    out = tmp_path / "lhs.csv"
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(OIL_CAP_2022),
            "--design",
            "lhs",
            "--samples",
            "12",
            "--param",
            "members.CHN.pressure=0.1:0.9",
            "--param",
            "negotiation.rounds=0:40",
            "--replicates",
            "50",
            "--out",
            str(out),
            "--no-progress",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    pressure = frame["members.CHN.pressure"].to_numpy()
    assert len(frame) == 12 and np.all((pressure >= 0.1) & (pressure <= 0.9))
    assert sorted(np.floor((pressure - 0.1) / 0.8 * 12).astype(int)) == list(range(12))
    assert read_metadata(out)["design"] == {"name": "lhs", "settings": {"points": 12, "samples": 12}}


def test_a_sweep_declared_in_the_scenario_file(write_scenario, tmp_path):
    path = write_scenario(
        MINIMAL
        + """
[sweep]
replicates = 150
seed = 4

[sweep.parameters]
"members.CHN.pressure" = "0.2:1:3"
"members.CHN.veto_cost" = [0.3, 0.9]
"""
    )
    from_file = load_sweep(path)
    from_options = load_sweep(path, PARAMS, replicates=150, seed=4)
    assert from_file.points == from_options.points and from_file.replicates == 150
    a = run_sweep(from_file, tmp_path / "a.parquet").frame
    b = run_sweep(from_options, tmp_path / "b.parquet").frame
    pd.testing.assert_frame_equal(a, b)
    # the table is not part of the scenario's fingerprint (a plain run is unaffected)
    plain = write_scenario(MINIMAL, name="plain.toml")
    assert load_sweep(plain, PARAMS).scenario.fingerprint() == from_file.scenario.fingerprint()


def test_a_bad_sweep_table_is_reported_like_a_bad_file(write_scenario):
    path = write_scenario(
        MINIMAL
        + """
[sweep]
design = "lhs"

[sweep.parameters]
"members.CHN.pressure" = "0:1"
"""
    )
    with pytest.raises(DesignError) as caught:
        load_sweep(path)
    assert caught.value.problems == [
        f"{path}: sweep.samples: required for the lhs design (how many points to draw)"
    ]
    bad = write_scenario(
        MINIMAL
        + """
[sweep.parameters]
"members.CHN.presure" = "0:1:3"
""",
        name="bad.toml",
    )
    with pytest.raises(DesignError) as caught:
        load_sweep(bad)
    assert caught.value.problems[0].startswith(
        f"{bad}: sweep.parameters.members.CHN.presure: unknown key 'presure' under members.CHN"
    )


@pytest.mark.parametrize(
    "options, fragment",
    [
        (
            ["--param", "members.CHN.presure=0:1:3"],
            "error: --param members.CHN.presure: unknown key 'presure' under members.CHN",
        ),
        (
            ["--param", "members.CHN.pressure=0:1.5:4"],
            "members.CHN.pressure: must be between 0 and 1, got 1.5",
        ),
        (
            ["--param", "members.CHN.pressure=0:1:0"],
            "error: --param members.CHN.pressure: count must be at least 1, got 0",
        ),
        (
            ["--param", "members.CHN.pressure=low:high:3"],
            "error: --param members.CHN.pressure: expected start:stop:count with numbers",
        ),
        (
            ["--param", "negotiation.rounds=0:100:2"],
            "negotiation.rounds: Input should be less than or equal to 50, got 100",
        ),
        (
            ["--param", "context.great_power_tension=0:2:3"],
            "context.great_power_tension: Input should be less than or equal to 1, got 2.0",
        ),
        (
            ["--param", "negotiation.rounds=0:10:4"],
            "error: --param negotiation.rounds: negotiation.rounds takes whole numbers",
        ),
        (
            ["--param", "members.CHN.pressure=0:1", "--design", "lhs"],
            "error: --samples: required for the lhs design",
        ),
        ([], "error: no parameters to sweep"),
    ],
)
def test_bad_parameters_exit_2_naming_the_key_and_write_nothing(tmp_path, options, fragment):
    out = tmp_path / "s.parquet"
    result = CliRunner().invoke(
        app, ["sweep", str(OIL_CAP_2022), *options, "--out", str(out), "--no-progress"]
    )
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert not out.exists() and not work_dir_for(out).exists()
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_keeps_one_council(write_scenario):
    with pytest.raises(ScenarioError) as caught:
        load_sweep(write_scenario(MINIMAL), ["council.year=2017,2022"])
    assert caught.value.problems == [
        "params council.year=2017: changes who sits on the council; a sweep keeps one council"
    ]


def test_every_point_is_validated_when_the_sweep_is_planned():
    """Only the last two of 14 points are bad (CHN pressure 1.2, with either RUS noise): the
    plan fails before anything runs, and the problem is listed once, at the first point."""
    with pytest.raises(ScenarioError) as caught:
        load_sweep(OIL_CAP_2022, ["members.CHN.pressure=0:1.2:7", "members.RUS.noise=0.1,0.2"])
    assert caught.value.problems == [
        "params members.CHN.pressure=1.2, members.RUS.noise=0.1 (and 1 more point): "
        "members.CHN.pressure: must be between 0 and 1, got 1.2"
    ]


STATUS_QUO = "proposal: the measures cancel out: the draft is the status quo"
FINAL_MINIMAL = MINIMAL.replace('sponsors = ["USA"]', 'sponsors = ["USA"]\ndraft = "final"')
"""One crude oil cap, from 4,000,000 to 3,000,000 barrels, in a final draft (the lanes engine
takes a measure per lane only for a final draft): its ``to`` at 4,000,000 is the status quo."""


@pytest.mark.parametrize("engine", ["points", "lanes"])
@pytest.mark.parametrize("values", ["4000000,3000000,2000000", "5000000,4000000,3000000"])
def test_a_point_where_the_draft_is_the_status_quo_is_named(write_scenario, tmp_path, engine, values):
    """The point at which the draft is the status quo is named (key and value), the command exits
    2 and writes nothing: the user knows which value to drop. The lanes engine, which checks a
    key's extremes, finds it inside the range too."""
    out = tmp_path / "out" / "s.csv"
    out.parent.mkdir()
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(write_scenario(FINAL_MINIMAL)),
            "-p",
            f"proposal.measures.0.to={values}",
            "-n",
            "100",
            "--no-progress",
            "--engine",
            engine,
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: --param proposal.measures.0.to=4000000: {STATUS_QUO}\n"
    assert list(out.parent.iterdir()) == []


def test_the_status_quo_point_is_named_in_a_grid_of_several_keys_and_in_the_file(write_scenario):
    with pytest.raises(ScenarioError) as caught:
        load_sweep(write_scenario(), ["proposal.measures.0.to=4000000,3000000", "members.CHN.pressure=0,0.5"])
    assert caught.value.problems == [
        f"params proposal.measures.0.to=4000000, members.CHN.pressure=0 (and 1 more point): {STATUS_QUO}"
    ]
    declared = write_scenario(
        MINIMAL + '\n[sweep]\n[sweep.parameters]\n"proposal.measures.0.to" = [3000000, 4000000]\n', "s.toml"
    )
    with pytest.raises(ScenarioError) as caught:
        load_sweep(declared)
    assert caught.value.problems == [f"{declared}: sweep point proposal.measures.0.to=4000000: {STATUS_QUO}"]


def test_output_and_runner_options_are_checked(tmp_path):
    runner = CliRunner()
    base = ["sweep", str(OIL_CAP_2022), "--param", "members.CHN.pressure=0:1:3"]
    lanes_without_out = runner.invoke(app, [*base, "--per-lane"])
    assert lanes_without_out.exit_code == 2 and "--per-lane: needs --out" in lanes_without_out.output
    bad_suffix = runner.invoke(app, [*base, "--out", str(tmp_path / "s.txt")])
    assert bad_suffix.exit_code == 2 and "must end in .csv or .parquet" in bad_suffix.output
    both = runner.invoke(
        app, [*base, "--out", str(tmp_path / "s.csv"), "--workers", "2", "--scheduler", "tcp://x:1"]
    )
    assert both.exit_code == 2 and "not both" in both.output


# ------------------------------------------------------------- a scheduler that is not there

SCHEDULER_SWEEP = ["sweep", str(OIL_CAP_2022), "--param", "members.CHN.pressure=0:1:3", "-n", "200"]


def _sweep_in_a_process(tmp_path, scheduler: str, **env: str) -> tuple[subprocess.CompletedProcess, float]:
    """``unsc-sim sweep --scheduler SCHEDULER`` in a process of its own (what the interpreter
    prints at exit counts too), writing into an empty ``out/``; the result and its seconds."""
    (tmp_path / "out").mkdir()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "sim", *SCHEDULER_SWEEP, "--scheduler", scheduler]
        + ["--out", str(tmp_path / "out" / "sched.csv")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=45,
    )
    return done, time.monotonic() - started


def test_a_malformed_scheduler_address_exits_2_at_once_and_leaves_nothing(tmp_path):
    done, seconds = _sweep_in_a_process(tmp_path, "foo")
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "error: --scheduler foo: no port; expected tcp://HOST:PORT or HOST:PORT, e.g. tcp://127.0.0.1:8786"
    ]
    assert "Traceback" not in done.stdout + done.stderr
    assert seconds < 20  # no wait for a connection, nor for a client's clean-up at exit
    assert list((tmp_path / "out").iterdir()) == []  # no .sched.csv.partial/, no lock, no table


@pytest.mark.parametrize(
    "address, reason",
    [
        ("tcp://", "no host"),
        ("tcp://:8786", "no host"),
        ("tcp://127.0.0.1", "no port"),
        ("127.0.0.1:port", "port must be a number from 1 to 65535"),
        ("tcp://127.0.0.1:70000", "port must be a number from 1 to 65535"),
        ("http://127.0.0.1:8786", "unknown scheme 'http' (tcp, tls, ws, wss or ucx)"),
        ("tcp://::1:8786", "not a host name (an IPv6 address goes in brackets: [::1]:8786)"),
        ("tcp://bad host:8786", "not a host name"),
        ("", "empty"),
    ],
)
def test_each_malformed_scheduler_address_is_one_line_naming_the_option(tmp_path, address, reason):
    shown = address if address and " " not in address else repr(address)
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(app, [*SCHEDULER_SWEEP, "--scheduler", address, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        f"error: --scheduler {shown}: {reason}; expected tcp://HOST:PORT or HOST:PORT, "
        "e.g. tcp://127.0.0.1:8786"
    ]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "address",
    [
        "tcp://127.0.0.1:8786",
        "127.0.0.1:8786",
        "tls://scheduler.example.org:8786",
        "tcp://[::1]:8786",
        "ws://h:1",
    ],
)
def test_well_formed_scheduler_addresses_pass_the_check(address):
    from sim.sweep.executors.dask import check_address

    check_address(address)  # no error


def test_an_unreachable_scheduler_exits_2_after_its_connect_timeout_and_leaves_nothing(tmp_path):
    """Nothing listens on port 1: the connect timeout (dask's own setting, here 1 s) ends it."""
    pytest.importorskip("distributed")
    done, seconds = _sweep_in_a_process(
        tmp_path, "tcp://127.0.0.1:1", DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="1s"
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --scheduler tcp://127.0.0.1:1: cannot connect"), (
        lines
    )
    assert "is a dask scheduler running there?" in lines[0]
    assert "Traceback" not in done.stdout + done.stderr
    assert seconds < 20
    assert list((tmp_path / "out").iterdir()) == []


def test_a_failed_connect_keeps_an_interrupted_sweeps_work(tmp_path, monkeypatch, small_units, small_sweep):
    """Unfinished work beside the output survives a failed connect, and the rerun resumes it."""
    pytest.importorskip("distributed")
    from sim.sweep.executors import dask as dask_executor

    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT_S", 0.5)
    sweep = small_sweep()
    out = tmp_path / "s.parquet"
    with pytest.raises(Stop):
        run_sweep(sweep, out, on_unit=lambda index: (_ for _ in ()).throw(Stop()))
    work = work_dir_for(out)
    saved = sorted(work.iterdir())
    with pytest.raises(SweepError) as caught:
        run_sweep(sweep, out, scheduler="tcp://127.0.0.1:1")
    assert caught.value.problems[0].startswith("scheduler tcp://127.0.0.1:1: cannot connect")
    assert sorted(work.iterdir()) == saved and not out.exists()
    assert run_sweep(sweep, out).units_resumed == 1


def test_a_sweep_that_fails_before_its_first_unit_leaves_no_work_directory(
    tmp_path, monkeypatch, small_sweep
):
    """Work that never finished a unit has nothing to resume: its directory goes with the error;
    once a unit is saved, the directory stays (see the interrupted-sweep tests)."""
    import sim.sweep.run as run_module

    def broken(tasks, workers=1, scheduler=None):
        raise SweepError(["workers: the pool would not start"])
        yield  # a generator, as the executors are

    monkeypatch.setattr(run_module, "run_units", broken)
    out = tmp_path / "s.parquet"
    with pytest.raises(SweepError):
        run_sweep(small_sweep(), out)
    assert list(tmp_path.iterdir()) == []


def test_a_finished_model_is_freed(small_sweep):
    """What keeps a 10-million-lane sweep's memory flat: nothing holds on to a model once its
    chunk is counted (Mesa 3.3 kept every model alive, mesa#3179)."""
    import gc
    import weakref

    from sim.model import CouncilModel

    model = CouncilModel(small_sweep().point_scenario(0), lanes=10, rng=1, collect=False)
    model.run_model()
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None


def test_a_sweep_without_out_prints_its_table_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app,
        ["sweep", str(OIL_CAP_2022), "--param", "members.CHN.pressure=0:1:3", "-n", "200", "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.split()[:2] == ["point", "members.CHN.pressure"])
    assert "p_vetoed" in header.split() and "modal_tally" in header.split()
    rows = lines[lines.index(header) + 1 :]
    assert [row.split()[0] for row in rows if row.strip()] == ["0", "1", "2"]
    assert "written" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_swept_cap_prints_in_barrels_as_the_file_writes_it(tmp_path, monkeypatch):
    """Caps print in full (375,000), not to four digits (3.75e+05, and 412,340 and 412,345 both
    4.123e+05), in the table and in the bounds of a random design."""
    monkeypatch.chdir(tmp_path)
    grid = CliRunner().invoke(
        app,
        ["sweep", str(OIL_CAP_2022), "-p", "proposal.measures.1.to=375000,412340,412345",
         "-p", "members.CHN.pressure=0.25", "-n", "20", "--no-progress"],
    )  # fmt: skip
    assert grid.exit_code == 0, grid.output
    rows = grid.output.splitlines()[-3:]
    assert [row.split()[1] for row in rows] == ["375,000", "412,340", "412,345"]
    assert [row.split()[2] for row in rows] == ["0.25"] * 3
    drawn = CliRunner().invoke(
        app,
        ["sweep", str(OIL_CAP_2022), "-p", "proposal.measures.1.to=100000:400000", "--design", "random",
         "--samples", "2", "-n", "20", "--no-progress"],
    )  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    assert "proposal.measures.1.to in [100,000, 400,000]: 2 points" in drawn.output
    assert "e+0" not in grid.output + drawn.output


def test_the_library_sweep_returns_the_frame_without_a_file(tmp_path):
    import sim

    frame = sim.sweep(OIL_CAP_2022, {"members.CHN.pressure": "0:1:3"}, replicates=200)
    written = tmp_path / "s.parquet"
    sim.sweep(OIL_CAP_2022, ["members.CHN.pressure=0:1:3"], replicates=200, out=written)
    pd.testing.assert_frame_equal(frame, pd.read_parquet(written), check_dtype=False)  # parquet: str dtype


def test_a_sweep_without_out_gives_its_rows_in_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["sweep", str(OIL_CAP_2022), "--param", "members.CHN.pressure=0:1:2", "-n", "100", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["out"] is None and [row["members.CHN.pressure"] for row in summary["rows"]] == [0.0, 1.0]
    assert all(0.0 <= row["p_vetoed"] <= 1.0 for row in summary["rows"])


def test_sweep_json_says_what_made_it_as_the_file_does(tmp_path):
    """``--json`` carries the provenance the table's metadata records (scenario file and
    fingerprint, seed, version, the swept keys with their values or bounds, chunk size, seeds),
    the same values, beside the keys it always had."""
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(OIL_CAP_2022),
            "--design",
            "random",
            "--samples",
            "3",
            "-p",
            "members.CHN.pressure=0,0.5,1",
            "-p",
            "context.great_power_tension=0:1",
            "-n",
            "50",
            "--seed",
            "3",
            "--no-progress",
            "--json",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    metadata = read_metadata(out)
    always = {"out", "lanes_file", "points", "lanes", "lanes_run", "units", "units_resumed", "seconds"}
    always |= {"decisions_per_s", "runner", "scenario", "seed", "replicates", "design", "version"}
    assert always <= set(summary)
    provenance = ["scenario_file", "scenario_fingerprint", "symbol", "proposal_kind", "parameters"]
    provenance += ["chunk_lanes", "seeds", "scenario", "seed", "version", "design", "replicates"]
    assert {key: summary[key] for key in provenance} == {key: metadata[key] for key in provenance}
    assert summary["scenario_file"] == str(OIL_CAP_2022) and summary["seed"] == 3
    assert summary["scenario_fingerprint"] == load_scenario(OIL_CAP_2022).fingerprint()
    assert summary["parameters"] == [
        {"key": "members.CHN.pressure", "values": [0.0, 0.5, 1.0]},
        {"key": "context.great_power_tension", "low": 0.0, "high": 1.0, "integer": False},
    ]
    assert "engine" not in summary  # the lanes engine only


def test_sweep_json_names_the_lanes_engine_and_its_seeds():
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(OIL_CAP_2022),
            "-p",
            "members.CHN.pressure=0,1",
            "-n",
            "20",
            "--engine",
            "lanes",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["engine"] == "lanes" and summary["seeds"].startswith("blocks of")
    assert summary["parameters"] == [{"key": "members.CHN.pressure", "values": [0.0, 1.0]}]


def test_sweep_and_sensitivity_read_a_file_that_extends_another(tmp_path):
    """A what-if written as ``extends = ...`` (the README's way) was refused by sweep and
    sensitivity, which read the file without its base: "council: required key is missing"."""
    child = tmp_path / "child.toml"
    child.write_text(
        f'extends = "{OIL_CAP_2022}"\n[scenario]\nname = "what if"\n[decision]\nsurprise_share = 0.0\n'
    )
    out = tmp_path / "s.csv"
    sweep_options = "--param members.CHN.pressure=0:1:3 -n 20 --no-progress".split()
    swept = CliRunner().invoke(app, ["sweep", str(child), *sweep_options, "--out", str(out)])
    assert swept.exit_code == 0, swept.output
    table = pd.read_csv(out)
    # the base's draft, swept: China's no goes as its pressure stance rises (Russia still vetoes)
    assert len(table) == 3 and table["CHN_no"].iloc[0] == 1.0 and table["CHN_no"].iloc[-1] == 0.0
    sensitivity_options = "-p members.CHN.pressure=0:1 --samples 8 -n 5 --no-progress".split()
    indices = CliRunner().invoke(app, ["sensitivity", str(child), *sensitivity_options])
    assert indices.exit_code == 0, indices.output
