"""Run a sweep's units on an existing dask.distributed cluster."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from sim.sweep.plan import SweepError
from sim.sweep.work import run_unit


def run_dask(tasks: Iterator[Any], address: str) -> Iterator[dict[str, np.ndarray]]:
    """An existing dask.distributed cluster (its workers need unsc-sim installed)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise SweepError(["scheduler: needs dask.distributed: pip install 'unsc-sim[distributed]'"]) from None
    try:
        client = Client(address, set_as_default=False, timeout=30)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SweepError([f"scheduler {address}: cannot connect: {exc}"]) from None
    try:
        tasks = iter(tasks)
        window = max(4, 2 * sum(client.nthreads().values()))
        initial = [client.submit(run_unit, task, pure=False) for _, task in zip(range(window), tasks)]
        queue = as_completed(initial, loop=client.loop)
        for future in queue:
            result = future.result()
            future.release()
            following = next(tasks, None)
            if following is not None:
                queue.add(client.submit(run_unit, following, pure=False))
            yield result
    finally:
        client.close()
