"""Executors: where a sweep's units run. Each takes an iterator of tasks and yields each unit's
arrays (:func:`sim.sweep.work.run_unit`) as it finishes, in any order; one file each, as EMA
Workbench keeps its evaluators: this process (:mod:`.serial`), local processes
(:mod:`.processes`), a dask.distributed cluster (:mod:`.dask`). No number depends on which runs
a unit or when (:mod:`sim.sweep.plan`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np


def run_units(
    tasks: Iterator[Any], workers: int = 1, scheduler: str | None = None
) -> Iterator[dict[str, np.ndarray]]:
    """Run ``tasks`` on a dask cluster (``scheduler``, an address), ``workers`` local processes
    (more than one), or this process."""
    if scheduler is not None:
        from sim.sweep.executors.dask import run_dask

        return run_dask(tasks, scheduler)
    if workers > 1:
        from sim.sweep.executors.processes import run_processes

        return run_processes(tasks, workers)
    from sim.sweep.executors.serial import run_serial

    return run_serial(tasks)
