"""Parameter sweeps: every point of a design run for R replicates through the council model,
counted as it goes, on this process, on local processes or on a dask cluster, resumable.

One job per module:

- :mod:`sim.sweep.design`: what a sweep varies (parameters) and the designs that make its points
  (grid, random, Latin hypercube);
- :mod:`sim.sweep.plan`: the declaration (:class:`Sweep`, :func:`load_sweep`), the seed of each
  point, and the work units (no number depends on how the work is spread: workers, cluster,
  resumption);
- :mod:`sim.sweep.counts`: per-point counts and the arrays a unit comes back as (counts, not
  lanes, so memory stays flat); the tally itself lives in :mod:`sim.counts`;
- :mod:`sim.sweep.work`: one unit of work, as a worker runs it;
- :mod:`sim.sweep.executors`: where units run, one file each (serial, processes, dask);
- :mod:`sim.sweep.store`: the resumable store of finished units beside the output, and its lock;
- :mod:`sim.sweep.lanes`: the lanes engine (blocks of points as lanes of one model);
- :mod:`sim.sweep.table`: the sweep table (and the per-lane rows) from the saved units;
- :mod:`sim.sweep.run`: :func:`run_sweep`, which ties them together, and :class:`SweepReport`;
- :mod:`sim.sweep.text`: the sweep as text for a terminal.

``sim.sweep`` re-exports the names callers use, and is itself callable: ``sim.sweep(file, ...)``
is :func:`sim.api.sweep`. The sizes of work units (``MIN_UNIT_LANES`` and the rest) are read from
:mod:`sim.sweep.plan`: set them there.
"""

from __future__ import annotations

from sim.sweep.counts import NO_TALLY, PointCounts, unit_counts
from sim.sweep.design import Design, DesignError, build_design
from sim.sweep.plan import (
    DEFAULT_REPLICATES,
    Piece,
    Sweep,
    SweepError,
    SweepInterrupted,
    Unit,
    check_points,
    load_sweep,
    point_seed,
)
from sim.sweep.run import SweepReport, run_sweep
from sim.sweep.store import (
    lanes_path_for,
    load_unit,
    lock_path_for,
    save_unit,
    sweep_lock,
    unit_file,
    work_dir_for,
)
from sim.sweep.table import lane_sweep_table, lanes_table, sweep_table
from sim.sweep.text import describe_sweep, format_sweep_table
from sim.sweep.work import LANE_FIELDS, UnitTask, run_unit

# The names of the store's functions before the package (tests and scripts import them).
_save_unit, _unit_file, _sweep_lock = save_unit, unit_file, sweep_lock

__all__ = [
    "DEFAULT_REPLICATES",
    "LANE_FIELDS",
    "NO_TALLY",
    "Design",
    "DesignError",
    "Piece",
    "PointCounts",
    "Sweep",
    "SweepError",
    "SweepInterrupted",
    "SweepReport",
    "Unit",
    "UnitTask",
    "build_design",
    "check_points",
    "describe_sweep",
    "format_sweep_table",
    "lane_sweep_table",
    "lanes_path_for",
    "lanes_table",
    "load_sweep",
    "load_unit",
    "lock_path_for",
    "point_seed",
    "run_sweep",
    "run_unit",
    "save_unit",
    "sweep_lock",
    "sweep_table",
    "unit_counts",
    "unit_file",
    "work_dir_for",
]

# `sim.sweep(...)` is the public call sim.api.sweep; the package stays importable as before.
from sim.api import callable_module  # noqa: E402

callable_module(__name__)
