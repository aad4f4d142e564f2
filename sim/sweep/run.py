"""Running a sweep: :func:`run_sweep` plans its units, skips those already saved, hands the rest
to an executor, saves each as it comes back, builds the table from the saved units and writes it;
:class:`SweepReport` is what it returns."""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.progress import progress_bar
from sim.results import write_table
from sim.sweep.executors import run_units
from sim.sweep.executors.dask import check_address, connect, run_dask
from sim.sweep.plan import Sweep, SweepError, SweepInterrupted
from sim.sweep.store import (
    lanes_path_for,
    prepare_work_dir,
    save_unit,
    sweep_lock,
    work_dir_for,
)
from sim.sweep.table import lane_sweep_table, lanes_table, sweep_table
from sim.sweep.work import unit_tasks

SUMMARY_PROVENANCE = (
    "scenario_file",
    "scenario_fingerprint",
    "symbol",
    "proposal_kind",
    "parameters",
    "chunk_lanes",
    "seeds",
    "engine",
    "posterior_sha256",
)
"""What the table's metadata records about what made it and ``--json`` gives beside the keys it
always had (those present: ``engine`` for the lanes engine, ``posterior_sha256`` with a
posterior), so a sweep can be rerun from its summary as from its file."""


@dataclass(frozen=True)
class SweepReport:
    """What a finished sweep produced and how long it took."""

    path: Path | None
    """The table written (None: the sweep was run for its frame alone, nothing written)."""
    lanes_path: Path | None
    frame: pd.DataFrame
    metadata: dict[str, Any]
    points: int
    lanes: int
    lanes_run: int
    """Lanes simulated by this call (the rest came from a previous, interrupted one)."""
    units: int
    units_resumed: int
    seconds: float
    workers: int = 1
    """Local processes used (``--workers``, at most the units left to run)."""

    @property
    def decisions_per_s(self) -> float:
        return self.lanes_run / self.seconds if self.seconds > 0 else float("nan")

    def summary(self, runner: str = "") -> dict[str, Any]:
        """The finished sweep as one JSON-ready object (``unsc-sim sweep --json``)."""
        return {
            "out": str(self.path) if self.path else None,
            "lanes_file": str(self.lanes_path) if self.lanes_path else None,
            "points": self.points,
            "lanes": self.lanes,
            "lanes_run": self.lanes_run,
            "units": self.units,
            "units_resumed": self.units_resumed,
            "seconds": round(self.seconds, 3),
            "decisions_per_s": round(self.decisions_per_s),
            "runner": runner,
            **{k: self.metadata[k] for k in ("scenario", "seed", "replicates", "design", "version")},
            **{k: self.metadata[k] for k in ("posterior", "intervals") if k in self.metadata},
            **{k: self.metadata[k] for k in SUMMARY_PROVENANCE if k in self.metadata},
        }

    def describe(self, runner: str = "") -> str:
        """A short human-readable summary (:func:`sim.sweep.text.describe_sweep`)."""
        from sim.sweep.text import describe_sweep

        return describe_sweep(self, runner)


def run_sweep(
    sweep: Sweep,
    out: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    per_lane: bool = False,
    restart: bool = False,
    progress: bool = False,
    on_unit: Callable[[int], None] | None = None,
) -> SweepReport:
    """Run ``sweep`` and write its table to ``out`` (.parquet or .csv), resuming from the work
    directory if the same sweep was interrupted. ``workers`` > 1 runs local processes;
    ``scheduler`` (an address) runs on a dask.distributed cluster. ``on_unit(index)`` is
    called after each unit is saved (a hook for tests and front ends).

    Without ``out`` the sweep works in a temporary directory and writes nothing (no
    resumption): the table is the report's ``frame``, for a notebook or a printed table."""
    if out is None:
        if per_lane:
            raise SweepError(["per_lane: the per-lane rows need an output file (out)"])
        import tempfile

        with tempfile.TemporaryDirectory(prefix="unsc-sim-sweep-") as scratch:
            report = run_sweep(
                sweep, Path(scratch) / "sweep.parquet", workers, scheduler, False, True, progress, on_unit
            )
        return dataclasses.replace(report, path=None)
    out = Path(out)
    if out.suffix.lower() not in {".csv", ".parquet"}:
        raise SweepError([f"out: {out}: must end in .csv or .parquet"])
    if workers < 1:
        raise SweepError([f"workers: must be at least 1, got {workers}"])
    if per_lane and sweep.engine == "lanes":
        raise SweepError(["per_lane: not with `engine` lanes (it keeps counts per point only)"])
    if sweep.posterior is not None and sweep.engine == "lanes":
        raise SweepError(["posterior: not with `engine` lanes (its lanes hold the points' values)"])
    if scheduler is not None:
        check_address(scheduler)
    started = time.perf_counter()
    # Connect before any file is made: a scheduler that does not answer leaves nothing behind
    # (and unfinished work of an earlier run untouched).
    client = connect(scheduler) if scheduler is not None else None
    try:
        with sweep_lock(out):
            return _run_locked(sweep, out, workers, client, per_lane, restart, progress, on_unit, started)
    finally:
        if client is not None:
            client.close()


def _run_locked(
    sweep: Sweep,
    out: Path,
    workers: int,
    client: Any,
    per_lane: bool,
    restart: bool,
    progress: bool,
    on_unit: Callable[[int], None] | None,
    started: float,
) -> SweepReport:
    """The sweep under its lock; ``client``: a connected dask client, or None (local)."""
    units = sweep.units()
    work = work_dir_for(out)
    done = prepare_work_dir(work, sweep.key(per_lane), sweep, restart)
    done &= {unit.index for unit in units}
    todo = [unit for unit in units if unit.index not in done]
    resumed_lanes = sum(units[i].lanes for i in done)
    workers = max(1, min(workers, len(todo)))  # never more processes than units to run

    tasks = unit_tasks(sweep, todo, per_lane)
    results = run_dask(tasks, client) if client is not None else run_units(tasks, workers)
    bar = progress_bar(
        "sweep",
        " lanes",
        progress,
        total=sweep.total_lanes,
        initial=resumed_lanes,
        unit_scale=True,
        smoothing=0.1,
    )
    saved = len(done)
    try:
        for arrays in results:
            index = int(arrays["unit"][0])
            save_unit(work, index, arrays)
            saved += 1
            bar.update(units[index].lanes)
            if on_unit is not None:
                on_unit(index)
    except KeyboardInterrupt:
        raise SweepInterrupted(saved, len(units), work) from None
    except Exception:
        if saved == 0:  # not one unit finished, now or before: nothing to resume
            shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
        bar.close()

    frame = (lane_sweep_table if sweep.engine == "lanes" else sweep_table)(sweep, work, units)
    metadata = sweep.metadata()
    lanes_path = None
    if per_lane:
        lanes_path = lanes_path_for(out)
        metadata["lanes_file"] = lanes_path.name
        write_table(lanes_table(sweep, work, units), lanes_path, {**metadata, "table": "sweep_lanes"})
    write_table(frame, out, metadata)
    shutil.rmtree(work)
    return SweepReport(
        path=out,
        lanes_path=lanes_path,
        frame=frame,
        metadata=metadata,
        points=len(sweep.points),
        lanes=sweep.total_lanes,
        lanes_run=sweep.total_lanes - resumed_lanes,
        units=len(units),
        units_resumed=len(done),
        seconds=time.perf_counter() - started,
        workers=workers,
    )
