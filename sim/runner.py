"""Running a scenario for many replicates: chunks of lanes, each seeded from the root seed.

Chunk ``i`` of a run with seed ``s`` always draws from ``SeedSequence(s, spawn_key=(i,))`` and
always holds lanes ``[i * CHUNK_LANES, (i + 1) * CHUNK_LANES)``. So the numbers depend only on the
scenario, the seed and the number of replicates, never on how chunks are spread over workers; and
the first N lanes of a longer run equal a run of N lanes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model import CouncilModel
from sim.results import RunResult
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.posterior import Posterior

CHUNK_LANES = 50_000
"""Lanes per model instance: large enough for numpy to pay, small enough to bound memory."""


@dataclass(frozen=True)
class ChunkOutput:
    """The arrays one model instance produces for its lanes."""

    votes: np.ndarray
    outcome: np.ndarray
    defeated_by: np.ndarray
    fell_short: np.ndarray
    text_scale: np.ndarray


def chunk_seed(seed: int, chunk_index: int) -> int:
    """The integer seed of one chunk, from the root seed and the chunk's index alone."""
    sequence = np.random.SeedSequence(seed, spawn_key=(chunk_index,))
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


def chunk_bounds(replicates: int, chunk_lanes: int = CHUNK_LANES) -> list[tuple[int, int]]:
    """[start, stop) of every chunk of a run of ``replicates`` lanes."""
    return [(start, min(start + chunk_lanes, replicates)) for start in range(0, replicates, chunk_lanes)]


def simulate_chunk(scenario: Scenario, lanes: int, seed: int, collect: bool = False) -> ChunkOutput:
    """Run one model instance of ``lanes`` lanes to its vote."""
    model = CouncilModel(scenario, lanes=lanes, rng=seed, collect=collect)
    model.run_model()
    outcome = model.outcome
    assert outcome is not None and model.votes is not None
    output = ChunkOutput(
        votes=model.votes,
        outcome=outcome.outcome,
        defeated_by=outcome.defeated_by,
        fell_short=outcome.fell_short,
        text_scale=np.array(model.text_scale),
    )
    _release(model)
    return output


def _release(model: CouncilModel) -> None:
    """Free a finished model's arrays now. The model and its agents refer to each other, so
    without this they wait for the cyclic garbage collector, and a long run held tens of
    chunks' working arrays at once (about 30 bytes a lane more at the peak); a full collection
    per chunk would cost more than the chunk."""
    for agent in list(getattr(model, "members", ())):
        vars(agent).clear()
    vars(model).clear()


def run(
    scenario: Scenario,
    replicates: int = 10_000,
    seed: int = 0,
    chunk_lanes: int = CHUNK_LANES,
    posterior: Posterior | None = None,
) -> RunResult:
    """Simulate ``replicates`` independent lanes of ``scenario`` from ``seed``; with a
    ``posterior``, each lane at its own parameter draw (chosen from the seed and its chunk)."""
    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    # Each chunk is copied into arrays allocated once for the whole run, so the run never holds
    # its lanes twice (a list of chunks and their concatenation).
    arrays: dict[str, np.ndarray] = {}
    for index, (start, stop) in enumerate(chunk_bounds(replicates, chunk_lanes)):
        lanes_scenario = scenario
        if posterior is not None:
            lanes_scenario = posterior.scenario_for_lanes(
                scenario, posterior.lane_draws(seed, index, stop - start)
            )
        output = simulate_chunk(lanes_scenario, stop - start, chunk_seed(seed, index))
        for name in ("votes", "outcome", "defeated_by", "fell_short", "text_scale"):
            chunk = np.asarray(getattr(output, name))
            if name not in arrays:
                arrays[name] = np.empty(chunk.shape[:-1] + (replicates,), dtype=chunk.dtype)
            arrays[name][..., start:stop] = chunk
        del output
    result = RunResult.from_arrays(scenario, seed=seed, **arrays)
    if posterior is not None:
        from sim.posterior import parameter_uncertainty

        uncertainty = parameter_uncertainty(posterior, scenario, replicates, seed, chunk_lanes)
        result = dataclasses.replace(result, parameter_uncertainty=uncertainty)
    return result
