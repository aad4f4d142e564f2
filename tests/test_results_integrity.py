"""Issue 12, items 1, 2 and 7: a table and its metadata are one unit; veto / block sets for any
council size; the analysis of a run without lanes x members integer matrices."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.files import atomic_write_group, remove_stale_parts
from sim.results import MetadataMismatch, RunResult, read_metadata, sidecar_path, write_table

from .conftest import OIL_CAP_2022

runner = CliRunner()


# ------------------------------------------------------------------- item 1: one atomic unit


def _frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"lane": np.arange(rows), "x": np.arange(rows) * 2})


def test_a_failed_csv_table_write_keeps_the_old_table_with_its_own_metadata(tmp_path, monkeypatch):
    out = tmp_path / "lanes.csv"
    write_table(_frame(10), out, {"seed": 1, "replicates": 10})
    before = out.read_bytes(), sidecar_path(out).read_bytes()

    def fail_midway(self, path, **kwargs):
        with open(path, "w") as stream:
            stream.write("lane,x\n0,0\n")
        raise OSError(27, "File too large")

    monkeypatch.setattr(pd.DataFrame, "to_csv", fail_midway)
    with pytest.raises(OSError):
        write_table(_frame(2000), out, {"seed": 2, "replicates": 2000})
    assert (out.read_bytes(), sidecar_path(out).read_bytes()) == before
    assert read_metadata(out)["seed"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lanes.csv", "lanes.csv.meta.json"]


def test_ctrl_c_between_table_and_sidecar_leaves_no_temporary_and_no_mismatch(tmp_path):
    out = tmp_path / "t.csv"
    write_table(_frame(3), out, {"seed": 1})

    def interrupted(temporary):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write_group([(out, lambda t: t.write_text("new")), (sidecar_path(out), interrupted)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.csv.meta.json"]
    assert read_metadata(out)["seed"] == 1


def test_a_sidecar_of_another_table_is_detected(tmp_path):
    out = tmp_path / "t.csv"
    write_table(_frame(3), out, {"seed": 1})
    _frame(5).to_csv(out, index=False)  # the table replaced behind the sidecar's back
    with pytest.raises(MetadataMismatch):
        read_metadata(out)


def test_temporaries_of_a_killed_writer_are_removed_by_the_next_write(tmp_path):
    out = tmp_path / "lanes.parquet"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    stale = tmp_path / f".lanes.parquet.{int(dead.stdout)}.abc123.part"
    stale.write_bytes(b"x" * 1000)
    live = tmp_path / f".lanes.parquet.{os.getpid()}.zzz.part"  # a live writer's: kept
    live.write_bytes(b"x")
    assert remove_stale_parts(out) == [stale]
    write_table(_frame(3), out, {"seed": 1})
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "lanes.parquet"]


def test_parquet_keeps_its_metadata_inside_the_file(tmp_path):
    out = tmp_path / "t.parquet"
    write_table(_frame(3), out, {"seed": 5})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet"]
    assert read_metadata(out)["seed"] == 5


# ------------------------------------------------------------ item 2: sets of any council size


def _result(codes: list[str], defeated_by: np.ndarray) -> RunResult:
    members, lanes = defeated_by.shape
    scenario = SimpleNamespace(codes=codes, members=[])
    return RunResult(
        scenario=scenario,
        seed=0,
        votes=np.zeros((members, lanes), dtype=np.int8),
        outcome=np.zeros(lanes, dtype=np.int8),
        defeated_by=defeated_by,
        fell_short=np.zeros(lanes, dtype=bool),
        text_scale=np.ones(lanes),
    )


@pytest.mark.parametrize("members", [15, 63, 64, 65, 70, 200])
def test_veto_sets_are_right_for_any_council_size(members):
    codes = [f"M{i:03d}" for i in range(members)]
    defeated = np.zeros((members, 10), dtype=bool)
    last = members - 1
    defeated[last, :6] = True  # the last member alone in 6 lanes
    defeated[[0, last], 6:9] = True  # with the first in 3
    result = _result(codes, defeated)
    assert result.modal_defeaters() == [codes[last]]
    assert result.defeater_sets() == {(codes[last],): 6, (codes[0], codes[last]): 3}
    labels = list(result._defeater_labels())
    assert labels == [codes[last]] * 6 + [f"{codes[0]}+{codes[last]}"] * 3 + [""]


def test_a_70_member_council_runs_with_consistent_veto_figures(tmp_path):
    codes = [chr(65 + i // 26) + chr(65 + i % 26) + "Z" for i in range(70)]
    codes[0] = "USA"  # the file's penholder sponsors, so a vetoed draft is put to the vote
    lines = [
        "[scenario]",
        'name = "large council"',
        "[council]",
        "members = [" + ", ".join(f'"{c}"' for c in codes) + "]",
        "quota = 36",
        "",
    ]
    for index, code in enumerate(codes):
        permanent = index >= 66  # four permanent members, all past bit 63
        pressure = 0.0 if index in (67, 69) else 0.9
        lines += [
            f"[members.{code}]",
            f'name = "Member {code}"',
            f"permanent = {str(permanent).lower()}",
            f"pressure = {pressure}",
            "reciprocity = 0.2",
            "veto_cost = 0.1",
            "salience = 1.0",
            "noise = 0.05",
            "",
        ]
    lines += [
        "[proposal]",
        'kind = "resolution"',
        'title = "t"',
        f'sponsors = ["{codes[0]}"]',
        'draft = "final"',
        "[[proposal.measures]]",
        'type = "crude_oil_cap"',
        "from = 4_000_000",
        "to = 1_000_000",
        "[context]",
        'date = "2022-05-26"',
        "status_quo_pressure = 0.5",
    ]
    path = tmp_path / "big.toml"
    path.write_text("\n".join(lines))
    result = runner.invoke(app, ["run", str(path), "-n", "300", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    vetoers = set(data["defeated_by"])
    assert vetoers and vetoers <= {codes[66], codes[67], codes[68], codes[69]}
    assert set(data["modal_defeaters"]) <= vetoers and data["modal_defeaters"]


# ----------------------------------------------------------------------- item 7: lean analysis


def test_run_analysis_matches_a_direct_count(tmp_path):
    from sim.runner import run
    from sim.scenario import load_scenario

    result = run(load_scenario(OIL_CAP_2022), replicates=3000, seed=4, chunk_lanes=700)
    frame = result.lanes_frame()
    assert list(frame["yes"]) == list((result.votes == 1).sum(axis=0))
    assert frame["yes"].dtype == np.int16 and frame["vote_CHN"].dtype.name == "category"
    counts = frame.loc[frame["outcome"] != "withdrawn"].groupby(["yes", "no", "abstain"]).size()
    expected = {f"{y}-{n}-{a}": c / counts.sum() for (y, n, a), c in counts.items()}
    assert result.tallies().to_dict() == pytest.approx(expected)
    for index, code in enumerate(result.codes):
        shares = frame[f"vote_{code}"].value_counts(normalize=True)
        assert shares.get("no", 0) == pytest.approx(np.mean(result.votes[index] == -1))


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_a_run_written_in_slices_reads_back_as_one_table(tmp_path, monkeypatch, suffix):
    import sim.results
    from sim.runner import run
    from sim.scenario import load_scenario

    result = run(load_scenario(OIL_CAP_2022), replicates=2500, seed=2)
    whole = result.lanes_frame()
    monkeypatch.setattr(sim.results, "WRITE_LANES", 700)  # four slices, dictionaries differ
    out = tmp_path / f"lanes{suffix}"
    result.write(out)
    back = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out, keep_default_na=False)
    assert len(back) == 2500 and list(back.columns) == list(whole.columns)
    for column in ("lane", "yes", "no", "fell_short"):
        assert list(back[column]) == list(whole[column])
    for column in ("outcome", "defeated_by", "vote_CHN", "vote_RUS"):
        assert list(back[column].astype(str)) == list(whole[column].astype(str))
    assert read_metadata(out)["replicates"] == 2500


def test_a_run_and_its_summary_hold_about_45_bytes_a_lane():
    """What ``run --help`` states (measured end to end by benchmarks/run_memory.py): the lanes
    kept (votes int8, sets bool, outcome, text strength: 40 bytes with 15 members) and an
    analysis whose temporaries do not grow with the lanes."""
    import gc
    import tracemalloc

    from sim.runner import run
    from sim.scenario import load_scenario

    scenario = load_scenario(OIL_CAP_2022)
    lanes = 300_000
    gc.collect()
    tracemalloc.start()
    try:
        result = run(scenario, replicates=lanes, seed=1)
        result.summary()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 45 * lanes + 25_000_000, f"{peak / lanes:.0f} bytes a lane"
