"""One unit of work: what a worker is given (:class:`UnitTask`) and what it does with it
(:func:`run_unit`). The executors (:mod:`sim.sweep.executors`) only move tasks and results."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.runner import chunk_seed, simulate_chunk
from sim.scenario import Scenario
from sim.sweep.counts import PointCounts, unit_arrays
from sim.sweep.plan import Unit, point_seed

if TYPE_CHECKING:
    from sim.sweep.plan import Sweep

LANE_FIELDS = ("votes", "outcome", "defeated_by", "fell_short", "text_scale")
"""The arrays of :class:`sim.runner.ChunkOutput` a ``per_lane`` unit keeps, lane by lane."""


@dataclass(frozen=True)
class UnitTask:
    """What a worker needs for one unit: each piece with its point's scenario and seed."""

    unit: Unit
    scenarios: dict[int, Scenario]
    seeds: dict[int, int]
    per_lane: bool
    posterior: Any = None


def unit_tasks(sweep: Sweep, todo: Sequence[Unit], per_lane: bool) -> Iterator[Any]:
    """The tasks of the units ``todo``, built as they are needed (each point's scenario once)."""
    if sweep.engine == "lanes":
        from sim.sweep.lanes import lane_tasks

        yield from lane_tasks(sweep, todo)
        return
    cache: dict[int, Scenario] = {}
    for unit in todo:
        wanted = sorted({piece.point for piece in unit.pieces})
        scenarios = {p: cache[p] if p in cache else sweep.point_scenario(p) for p in wanted}
        cache = {wanted[-1]: scenarios[wanted[-1]]}  # a point may continue in the next unit
        seeds = {p: point_seed(sweep.seed, p) for p in wanted}
        yield UnitTask(unit, scenarios, seeds, per_lane, sweep.posterior)


def run_unit(task: UnitTask) -> dict[str, np.ndarray]:
    """Simulate one unit and return its counts per point (and its lanes if asked) as arrays
    ready to save. Runs in whichever process or dask worker gets it."""
    if not isinstance(task, UnitTask):  # the lanes engine's task (sim.sweep.lanes)
        return task.run()
    counts: dict[int, PointCounts] = {}
    arrays: dict[str, np.ndarray] = {}
    for piece in task.unit.pieces:
        scenario = task.scenarios[piece.point]
        lanes_scenario = scenario
        if task.posterior is not None:  # the same draws as sim.runner.run with this posterior
            draws = task.posterior.lane_draws(task.seeds[piece.point], piece.chunk, piece.lanes)
            lanes_scenario = task.posterior.scenario_for_lanes(scenario, draws)
        output = simulate_chunk(lanes_scenario, piece.lanes, chunk_seed(task.seeds[piece.point], piece.chunk))
        counts.setdefault(piece.point, PointCounts(len(scenario.members))).add_chunk(output)
        if task.per_lane:
            for name in LANE_FIELDS:
                arrays[f"lanes_{piece.point}_{piece.chunk}_{name}"] = np.ascontiguousarray(
                    getattr(output, name)
                )
    arrays.update(unit_arrays(task.unit.index, counts))
    return arrays
