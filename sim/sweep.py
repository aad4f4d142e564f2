"""Parameter sweeps: every point of a design run for R replicates through the council model,
counted as it goes, on this process, on local processes or on a dask cluster, resumable.

**Seeds.** Point ``p`` has the seed ``point_seed(seed, p)`` (from ``SeedSequence(seed,
spawn_key=(p,))``); its chunk ``c`` holds lanes ``[c * chunk_lanes, ...)`` and draws from
``sim.runner.chunk_seed(point_seed, c)``. That is exactly what ``sim.runner.run(point_scenario,
R, point_seed(seed, p), chunk_lanes)`` does, so a point's lanes are those of a plain run, and
no number depends on how the work is spread: worker count, cluster, or resumption.

**Work units.** The (point, chunk) pairs, in order, are grouped into units of about
``total_lanes / 200`` lanes (at least 10,000, at most 500,000), a rule that depends on the
sweep alone. A unit
comes back as counts per point (outcomes, tallies, members' votes), not lanes, so memory stays
flat however many lanes run; with ``per_lane`` it also carries its lanes.

**Resumption.** Each finished unit is saved (atomically) in a work directory beside the output,
``.<output name>.partial/``, under a manifest keyed by a hash of what determines the numbers
(scenario fingerprint, design, points, seed, replicates, chunk size, version). Rerunning the same
sweep skips saved units and writes the same file; a different sweep refuses the directory. The
table is always built from the saved units, written atomically, and the directory removed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.design import (
    Design,
    DesignError,
    DesignName,
    Value,
    build_design,
    parse_param_option,
    parse_parameter,
)
from sim.errors import InputError
from sim.files import atomic_write, atomic_write_text
from sim.results import RunResult, wilson_interval, write_table
from sim.rules import ABSTAIN, NO, OUTCOME_LABELS, YES, Outcome
from sim.runner import (
    CHUNK_LANES,
    ChunkOutput,
    chunk_bounds,
    chunk_seed,
    simulate_chunk,
)
from sim.scenario import Scenario, ScenarioError, _read_toml, load_scenario, scenario_from_dict

DEFAULT_REPLICATES = 1_000
TARGET_UNITS = 200
"""Units per sweep to aim for: enough to spread over workers and resume finely."""
MIN_UNIT_LANES = 10_000
"""At least this many lanes per unit (unless a sweep is smaller): saving a unit costs about a
millisecond, so smaller units would spend more time on files than on councils."""
MAX_UNIT_LANES = 500_000
"""At most this many lanes per unit (about a quarter of a second of one core)."""
MAX_LISTED_PROBLEMS = 20
UNIT_FORMAT = 1
"""Version of the saved unit files: part of the manifest key."""
MAX_PIECES = 1_000_000
POSTERIOR_INTERVALS = ("with --posterior: p_*_low/high span the 2.5-97.5% range over lanes of the outcome's exact "
                       "probability at each lane's parameter draw, and the Wilson interval of the share")
"""At most this many (point, chunk) pieces: points x ceil(replicates / chunk lanes). Planning
holds them all; at the default chunk size this is 50 billion lanes, some ten hours of a core."""
UNIT_LOG = "units.sha256"
"""The manifest's record of saved units: one line ``<index> <sha256 of the unit file>`` each,
appended after the unit file is in place. A unit file without its line, or whose bytes do not
hash to it (corrupt, truncated, copied from elsewhere), is recomputed, never trusted."""


class SweepError(InputError):
    """The sweep cannot run as asked (e.g. its work directory holds another sweep's work)."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: ``saved`` of ``units`` units are kept in ``work_dir``."""

    def __init__(self, saved: int, units: int, work_dir: Path):
        self.saved, self.units, self.work_dir = saved, units, work_dir
        super().__init__(f"{saved} of {units} work units saved in {work_dir}")


def point_seed(seed: int, point: int) -> int:
    """The root seed of point ``point``'s lanes, from the sweep's seed and the index alone."""
    sequence = np.random.SeedSequence(seed, spawn_key=(point,))
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


# ------------------------------------------------------------------------------- the plan

@dataclass(frozen=True)
class Piece:
    """One chunk of one point: lanes ``[start, stop)`` of point ``point``."""

    point: int
    chunk: int
    start: int
    stop: int

    @property
    def lanes(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class Unit:
    """Consecutive pieces run, saved and resumed together."""

    index: int
    pieces: tuple[Piece, ...]

    @property
    def lanes(self) -> int:
        return sum(piece.lanes for piece in self.pieces)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: a scenario, a design and its points (each a valid scenario), and
    what fixes the numbers (replicates, seed, chunk size)."""

    scenario: Scenario
    raw: dict[str, Any] = field(repr=False)
    base_dir: Path
    design: Design
    points: tuple[dict[str, Value], ...]
    replicates: int
    seed: int
    chunk_lanes: int = CHUNK_LANES
    posterior: Any = None
    """A :class:`sim.posterior.Posterior`: each lane at its own parameter draw (``--posterior``)."""
    engine: str = "points"
    """"points": one model per point; "lanes": blocks of points as lanes of one model
    (:mod:`sim.sweep_lanes`, its own seeds)."""

    @property
    def total_lanes(self) -> int:
        return len(self.points) * self.replicates

    def point_scenario(self, point: int) -> Scenario:
        """The scenario at one point: the file with the point's values set."""
        return scenario_from_dict(
            self.raw, label=self.scenario.path or "<scenario>", base_dir=self.base_dir,
            overrides=self.points[point],
        )

    def units(self) -> list[Unit]:
        """The work units (see the module docstring): a function of the sweep alone."""
        if self.engine == "lanes":
            from sim.sweep_lanes import lane_units

            return lane_units(self)
        budget = min(MAX_UNIT_LANES, max(MIN_UNIT_LANES, self.total_lanes // TARGET_UNITS, 1))
        bounds = chunk_bounds(self.replicates, self.chunk_lanes)
        units: list[Unit] = []
        current: list[Piece] = []
        lanes = 0
        for point in range(len(self.points)):
            for chunk, (start, stop) in enumerate(bounds):
                piece = Piece(point, chunk, start, stop)
                if current and lanes + piece.lanes > budget:
                    units.append(Unit(len(units), tuple(current)))
                    current, lanes = [], 0
                current.append(piece)
                lanes += piece.lanes
        if current:
            units.append(Unit(len(units), tuple(current)))
        return units

    def metadata(self) -> dict[str, Any]:
        """What made the table, deterministically (no clock, no worker count)."""
        spec = self.scenario.spec
        return {
            "table": "sweep",
            "scenario": self.scenario.name,
            "scenario_file": self.scenario.path,
            "scenario_fingerprint": self.scenario.fingerprint(),
            "symbol": spec.proposal.symbol,
            "proposal_kind": spec.proposal.kind,
            "seed": self.seed,
            "version": __version__,
            "design": self.design.describe(),
            "parameters": [parameter.describe() for parameter in self.design.parameters],
            "replicates": self.replicates,
            "chunk_lanes": self.chunk_lanes,
            "points": len(self.points),
            "lanes": self.total_lanes,
            "seeds": "point p: SeedSequence(seed, spawn_key=(p,)); its chunk c: "
                     "sim.runner.chunk_seed(point seed, c)",
            **({"posterior": self.posterior.summary(), "posterior_sha256": self.posterior.digest(),
                "intervals": POSTERIOR_INTERVALS} if self.posterior is not None else {}),
            **(_LANES_METADATA if self.engine == "lanes" else {}),
        }

    def key(self, per_lane: bool) -> str:
        """Hash of everything that determines the saved units (the work directory's key)."""
        if self.engine == "lanes":  # numbers only: hash the array (200,000 points in JSON take a second)
            from sim.sweep_lanes import point_matrix

            values = hashlib.sha256(json.dumps(self.design.keys).encode() + point_matrix(self).tobytes()).hexdigest()
        else:
            values = hashlib.sha256(json.dumps(self.points, sort_keys=True, default=str).encode()).hexdigest()
        identity = {
            **{k: v for k, v in self.metadata().items() if k != "scenario_file"},  # content counts, not path
            "point_values": values,
            "per_lane": per_lane,
            "unit_format": UNIT_FORMAT,
            "units": len(self.units()),
        }
        return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:20]


_LANES_METADATA = {
    "engine": "lanes",
    "seeds": "blocks of max(1, chunk_lanes // replicates) points (sim.sweep_lanes); block b: "
             "SeedSequence(seed, spawn_key=(0x6C616E6573, b))",
}


def load_sweep(
    path: str | Path,
    params: Iterable[str] | None = None,
    design: DesignName | None = None,
    samples: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    chunk_lanes: int = CHUNK_LANES,
    engine: str = "points",
) -> Sweep:
    """Read a scenario and its sweep: ``params`` (``KEY=SPEC`` texts, as ``--param``) replace
    the file's ``[sweep]`` parameters; ``design``, ``samples``, ``replicates`` and ``seed``
    override its settings. Every point is validated before anything runs.

    Raises ScenarioError (a bad file or a bad value at some point) or DesignError (a bad key
    or range), each problem on one line naming the key.
    """
    path = Path(path)
    scenario = load_scenario(path)
    raw = _read_toml(path, str(path))  # the same checks (regular file, size, nesting)
    table = scenario.spec.sweep
    label = str(path)
    params = list(params or [])
    name: DesignName = design or (table.design if table else "grid")
    samples_from = "--samples"
    if samples is None and table is not None and name != "grid":
        samples = table.samples
        if design is None:
            samples_from = f"{label}: sweep.samples"
    replicates = replicates if replicates is not None else (
        table.replicates if table and table.replicates else DEFAULT_REPLICATES
    )
    seed = seed if seed is not None else (table.seed if table and table.seed is not None else 0)
    problems: list[str] = []
    if replicates < 1:
        problems.append(f"replicates: must be at least 1, got {replicates}")
    if seed < 0:
        problems.append(f"seed: must be a non-negative integer, got {seed}")
    if chunk_lanes < 1:
        problems.append(f"chunk_lanes: must be at least 1, got {chunk_lanes}")

    parameters = []
    if params:
        for option in params:
            try:
                parameters.append(parse_param_option(option, name))
            except DesignError as exc:
                problems.extend(exc.problems)
    elif table is not None:
        for key, spec in table.parameters.items():
            try:
                parameters.append(parse_parameter(key, spec, name, where=f"{label}: sweep.parameters.{key}"))
            except DesignError as exc:
                problems.extend(exc.problems)
    if problems:
        raise DesignError(problems)
    built = build_design(parameters, name, samples, where=samples_from)
    pieces = built.size * -(-replicates // chunk_lanes)
    if pieces > MAX_PIECES:
        raise DesignError(
            [f"replicates: {built.size:,} points x {replicates:,} replicates in chunks of "
             f"{chunk_lanes:,} lanes is {pieces:,} pieces of work, more than {MAX_PIECES:,}: "
             "fewer points or replicates (or larger chunk_lanes)"]
        )
    points = tuple(built.points(seed))
    sweep = Sweep(scenario, raw, path.parent, built, points, replicates, seed, chunk_lanes, engine=engine)
    check_points(sweep)
    return sweep


def check_points(sweep: Sweep) -> None:
    """Validate a sweep's points (the lanes engine checks each key's extremes, not every point)."""
    if sweep.engine == "lanes":
        from sim.sweep_lanes import lane_problems, validate_lane_points

        kinds = [parameter.kind for parameter in sweep.design.parameters]
        problems = lane_problems(sweep.design.keys, kinds, sweep.scenario.codes)
        if problems:
            raise DesignError(problems)
        validate_lane_points(sweep)
    elif sweep.engine == "points":
        _validate_points(sweep)
    else:
        raise DesignError([f"--engine: expected points or lanes, got {sweep.engine!r}"])


def _validate_points(sweep: Sweep) -> None:
    """Build every point's scenario once; collect each distinct problem, naming its key."""
    problems: list[str] = []
    seen: set[str] = set()
    codes = sweep.scenario.codes
    for point in range(len(sweep.points)):
        try:
            scenario = sweep.point_scenario(point)
        except ScenarioError as exc:
            found = exc.problems
        else:
            found = []
            if scenario.codes != codes:
                keys = ", ".join(sweep.design.keys)
                found = [f"{keys}: changes who sits on the council; a sweep keeps one council"]
        for problem in found:
            if problem not in seen:
                seen.add(problem)
                problems.append(problem)
    if problems:
        if len(problems) > MAX_LISTED_PROBLEMS:
            more = len(problems) - MAX_LISTED_PROBLEMS
            problems = problems[:MAX_LISTED_PROBLEMS] + [f"... and {more} more problems"]
        raise ScenarioError(problems)


# ------------------------------------------------------------------------------ counting

@dataclass
class PointCounts:
    """Running counts for one point: all the sweep table needs, whatever the number of lanes."""

    members: int
    lanes: int = 0
    outcomes: np.ndarray = field(default=None)  # type: ignore[assignment]
    votes: np.ndarray = field(default=None)  # type: ignore[assignment]
    """(members, 3) lanes in which each member voted yes, no, abstain."""
    tallies: dict[int, int] = field(default_factory=dict)
    """Tally key ``(yes * n + no) * n + abstain`` (n = members + 1) -> lanes put to the vote."""

    def __post_init__(self) -> None:
        if self.outcomes is None:
            self.outcomes = np.zeros(len(OUTCOME_LABELS), dtype=np.int64)
        if self.votes is None:
            self.votes = np.zeros((self.members, 3), dtype=np.int64)

    def add_chunk(self, chunk: ChunkOutput) -> None:
        votes, outcome = chunk.votes, chunk.outcome
        self.lanes += int(outcome.shape[0])
        self.outcomes += np.bincount(outcome.astype(np.int64), minlength=len(OUTCOME_LABELS))
        is_yes, is_no, is_abstain = votes == YES, votes == NO, votes == ABSTAIN
        self.votes += np.stack([is_yes.sum(axis=1), is_no.sum(axis=1), is_abstain.sum(axis=1)], axis=1)
        voted = outcome != Outcome.WITHDRAWN
        if voted.any():
            n = self.members + 1
            keys = (is_yes.sum(axis=0) * n + is_no.sum(axis=0)) * n + is_abstain.sum(axis=0)
            unique, counts = np.unique(keys[voted], return_counts=True)
            self.add_tallies(unique, counts)

    def add_tallies(self, keys: Iterable[int], counts: Iterable[int]) -> None:
        for key, count in zip(keys, counts):
            self.tallies[int(key)] = self.tallies.get(int(key), 0) + int(count)

    def merge(self, other: "PointCounts") -> None:
        self.lanes += other.lanes
        self.outcomes += other.outcomes
        self.votes += other.votes
        self.add_tallies(other.tallies.keys(), other.tallies.values())

    def modal_tally(self) -> str:
        """The most common yes-no-abstain tally ("" if never put to the vote); ties go to the
        smallest key, as in RunResult.tallies."""
        if not self.tallies:
            return ""
        top = max(self.tallies.values())
        key = min(k for k, count in self.tallies.items() if count == top)
        n = self.members + 1
        return f"{key // (n * n)}-{(key // n) % n}-{key % n}"

    def row(self, codes: list[str]) -> dict[str, Any]:
        """The point's columns of the sweep table (after its swept values)."""
        row: dict[str, Any] = {"replicates": self.lanes}
        low, high = wilson_interval(self.outcomes, self.lanes)
        for i, label in enumerate(OUTCOME_LABELS):
            row[f"p_{label}"] = self.outcomes[i] / self.lanes
            row[f"p_{label}_low"] = float(low[i])
            row[f"p_{label}_high"] = float(high[i])
        row["modal_tally"] = self.modal_tally()
        for index, code in enumerate(codes):
            for j, vote in enumerate(("yes", "no", "abstain")):
                row[f"{code}_{vote}"] = self.votes[index, j] / self.lanes
        return row


# -------------------------------------------------------------------------- running units

@dataclass(frozen=True)
class UnitTask:
    """What a worker needs for one unit: each piece with its point's scenario and seed."""

    unit: Unit
    scenarios: dict[int, Scenario]
    seeds: dict[int, int]
    per_lane: bool
    posterior: Any = None


LANE_FIELDS = ("votes", "outcome", "defeated_by", "fell_short", "text_scale")


def run_unit(task: UnitTask) -> dict[str, np.ndarray]:
    """Simulate one unit and return its counts per point (and its lanes if asked) as arrays
    ready to save. Runs in whichever process or dask worker gets it."""
    if not isinstance(task, UnitTask):  # the lanes engine's task (sim.sweep_lanes)
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
    points = sorted(counts)
    tally_rows = [(p, k, c) for p in points for k, c in sorted(counts[p].tallies.items())]
    arrays.update(
        unit=np.array([task.unit.index]),
        points=np.array(points, dtype=np.int64),
        lanes=np.array([counts[p].lanes for p in points], dtype=np.int64),
        outcomes=np.stack([counts[p].outcomes for p in points]),
        votes=np.stack([counts[p].votes for p in points]),
        tallies=np.array(tally_rows, dtype=np.int64).reshape(-1, 3),
    )
    return arrays


def unit_counts(arrays: dict[str, np.ndarray] | Any, members: int) -> dict[int, PointCounts]:
    """The counts per point saved for one unit (the inverse of :func:`run_unit`'s layout)."""
    result: dict[int, PointCounts] = {}
    tallies = arrays["tallies"]
    for i, point in enumerate(arrays["points"].tolist()):
        counts = PointCounts(
            members, int(arrays["lanes"][i]), arrays["outcomes"][i].copy(), arrays["votes"][i].copy()
        )
        rows = tallies[tallies[:, 0] == point]
        counts.add_tallies(rows[:, 1].tolist(), rows[:, 2].tolist())
        result[point] = counts
    return result


def _run_inline(tasks: Iterator[UnitTask]) -> Iterator[dict[str, np.ndarray]]:
    for task in tasks:
        yield run_unit(task)


def _worker_init(parent: int) -> None:
    """Set up a local worker process so that it never outlives the sweep that started it.

    Ctrl-C goes to the parent alone (it stops the pool); on Linux the kernel kills the worker
    when the parent dies (``PR_SET_PDEATHSIG``), and everywhere a watchdog thread exits the
    worker as soon as its parent is gone (``kill -9`` of the parent included)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass  # the watchdog below still applies
    if os.getppid() != parent:  # the parent died before we got here
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="unsc-sim-watchdog", daemon=True).start()


WATCHDOG_SECONDS = 0.5


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(WATCHDOG_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while worker processes start, so that they start with it ignored (an
    ignored signal stays ignored across exec) and a Ctrl-C to the process group while they
    import does not print a traceback from each; the parent's own handler is restored at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_processes(tasks: Iterator[UnitTask], workers: int) -> Iterator[dict[str, np.ndarray]]:
    """Local processes, started with "spawn" (no fork of a parent holding threads or locks;
    the same on every OS). At most a few units per worker are in flight, so scenarios are
    built as they are needed. Workers die with this process (see :func:`_worker_init`)."""
    context = multiprocessing.get_context("spawn")
    with _sigint_ignored():
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
        )
    pending: set = set()
    try:
        for task in tasks:
            with _sigint_ignored():
                pending.add(pool.submit(run_unit, task))
            if len(pending) >= 2 * workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    except BrokenProcessPool as exc:
        raise SweepError(
            [f"--workers: a worker process died ({exc}); the units it finished are saved: "
             "rerun the same command to resume"]
        ) from None
    finally:
        with _sigint_ignored():  # a second Ctrl-C while the workers stop would only print tracebacks
            pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(tasks: Iterator[UnitTask], address: str) -> Iterator[dict[str, np.ndarray]]:
    """An existing dask.distributed cluster (its workers need unsc-sim installed)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise SweepError(
            ["--scheduler: needs dask.distributed: pip install 'unsc-sim[distributed]'"]
        ) from None
    try:
        client = Client(address, set_as_default=False, timeout=30)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SweepError([f"--scheduler {address}: cannot connect: {exc}"]) from None
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


# ----------------------------------------------------------------------- the work directory

def work_dir_for(out: Path) -> Path:
    """Where unfinished work for ``out`` is kept: ``.<name>.partial`` beside it."""
    return out.with_name(f".{out.name}.partial")


def lanes_path_for(out: Path) -> Path:
    """Where ``--per-lane`` rows go: ``<stem>.lanes<suffix>`` beside the table."""
    return out.with_name(f"{out.stem}.lanes{out.suffix}")


def _unit_file(work: Path, index: int) -> Path:
    return work / f"unit-{index:06d}.npz"


def _save_unit(work: Path, index: int, arrays: dict[str, np.ndarray]) -> None:
    """Save a unit atomically, then record its checksum in the manifest's unit log."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    data = buffer.getvalue()
    atomic_write(_unit_file(work, index), lambda temporary: temporary.write_bytes(data))
    with (work / UNIT_LOG).open("a", encoding="ascii") as log:
        log.write(f"{index} {hashlib.sha256(data).hexdigest()}\n")


def _recorded_units(work: Path) -> dict[int, str]:
    """The unit log: index -> checksum (a torn last line, from a kill, is ignored)."""
    recorded: dict[int, str] = {}
    try:
        lines = (work / UNIT_LOG).read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return recorded
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and len(parts[1]) == 64:
            recorded[int(parts[0])] = parts[1]
    return recorded


def _verified_units(work: Path, units: list[Unit]) -> set[int]:
    """Units whose saved file hashes to the checksum logged for it; any other file in the work
    directory (corrupt, foreign, unlogged) is removed so that its unit is recomputed."""
    recorded = _recorded_units(work)
    valid = {unit.index for unit in units}
    done: set[int] = set()
    for path in work.glob("unit-*.npz"):
        stem = path.stem.split("-")[-1]
        index = int(stem) if stem.isdigit() else -1
        try:
            good = (
                index in valid and index in recorded and path.is_file()
                and hashlib.sha256(path.read_bytes()).hexdigest() == recorded[index]
            )
        except OSError:
            good = False
        if good:
            done.add(index)
        else:
            path.unlink(missing_ok=True)
    return done


def _load_unit(work: Path, unit: Unit, members: int):
    """A saved unit's arrays, checked against the unit it should hold (a file that is not what
    this sweep saved is an error, never silently counted)."""
    path = _unit_file(work, unit.index)
    try:
        with np.load(path) as stored:
            arrays = {name: stored[name] for name in stored.files}
        points = sorted({piece.point for piece in unit.pieces})
        lanes = {p: sum(piece.lanes for piece in unit.pieces if piece.point == p) for p in points}
        ok = (
            int(arrays["unit"][0]) == unit.index
            and arrays["points"].tolist() == points
            and arrays["lanes"].tolist() == [lanes[p] for p in points]
            and arrays["votes"].shape[1:] == (members, 3)
        )
    except Exception as exc:  # a corrupt zip, a missing array, a wrong shape: one line
        raise SweepError([f"{path}: unreadable unit file ({exc}); rerun the same command to recompute it"]) from None
    if not ok:
        path.unlink(missing_ok=True)
        raise SweepError([f"{path}: does not hold unit {unit.index} of this sweep; removed: rerun the same command to recompute it"])
    return arrays


def _prepare_work_dir(work: Path, key: str, sweep: Sweep, restart: bool) -> set[int]:
    """Create or reopen the work directory; the indices of units already saved there (and
    verified against their checksums)."""
    manifest = work / "manifest.json"
    if work.exists() and not work.is_dir():
        raise SweepError([f"{work}: exists and is not a directory (the sweep's work directory); remove it"])
    if work.exists():
        try:
            saved_key = json.loads(manifest.read_text())["key"]
        except (OSError, ValueError, KeyError, TypeError):
            saved_key = None  # never got as far as a manifest: nothing to keep
        if saved_key == key and not restart:
            return _verified_units(work, sweep.units())
        if saved_key is not None and saved_key != key and not restart:
            raise SweepError(
                [f"{work}: holds unfinished work of a different sweep (another scenario, design, "
                 "seed, replicates, chunk size, --per-lane or version); rerun that sweep to "
                 "finish it, or pass --restart to discard it"]
            )
        shutil.rmtree(work)
    work.mkdir(parents=True)
    atomic_write_text(
        manifest,
        json.dumps(
            {"key": key, "units": len(sweep.units()), "unit_log": UNIT_LOG, **sweep.metadata()},
            indent=1, default=str,
        ),
    )
    return set()


def lock_path_for(out: Path) -> Path:
    """The lock held while a sweep writes ``out``: ``.<name>.lock`` beside it."""
    return out.with_name(f".{out.name}.lock")


@contextmanager
def _sweep_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out``'s work for the whole sweep: a second sweep on the same
    ``--out`` is refused at once (one line) instead of racing for the same unit files. The lock
    is released by the kernel if the process dies, so a killed sweep never leaves it held."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock (documented)
        yield
        return
    lock = lock_path_for(out)
    lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise SweepError(
                [f"--out {out}: locked: another sweep is writing it now ({lock}); wait for it to "
                 "finish, or give another --out"]
            ) from None
        try:  # the previous holder may have removed the file between our open and lock
            current = os.stat(lock)
        except FileNotFoundError:
            current = None
        if current is not None and os.path.samestat(current, os.fstat(fd)):
            break
        os.close(fd)
    try:
        yield
    finally:
        try:
            lock.unlink(missing_ok=True)
        finally:
            os.close(fd)


# ------------------------------------------------------------------------------ the sweep

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
        }

    def describe(self, runner: str = "") -> str:
        """A short human-readable summary."""
        meta = self.metadata
        axes = ", ".join(
            f"{p['key']} ({len(p['values'])} values)" if "values" in p
            else f"{p['key']} in [{p['low']:g}, {p['high']:g}]"
            for p in meta["parameters"]
        )
        lines = [
            f"Sweep of {meta['scenario']}",
            f"  {meta['design']['name']} design over {axes}: {self.points:,} points",
            f"  {meta['replicates']:,} replicates a point, seed {meta['seed']}: "
            f"{self.lanes:,} lanes (council decisions)",
            f"  {self.seconds:.1f} s{f' on {runner}' if runner else ''}: "
            f"{self.decisions_per_s:,.0f} decisions/s",
        ]
        if self.units_resumed:
            lines.append(f"  resumed: {self.units_resumed} of {self.units} work units were already done")
        if self.path is not None:
            lines.append(f"  Table written to {self.path}")
        if self.lanes_path is not None:
            lines.append(f"  Per-lane rows written to {self.lanes_path}")
        return "\n".join(lines)


def format_sweep_table(frame: pd.DataFrame, max_rows: int = 200) -> str:
    """The sweep's table for a terminal (``sweep`` without ``--out``): each point's swept values,
    the probability of every outcome that occurs anywhere, and the modal tally; the members'
    columns and intervals stay in the written table."""
    outcomes = [c for c in frame.columns if c.startswith("p_") and not c.endswith(("_low", "_high"))]
    shown = [c for c in outcomes if (frame[c] > 0).any()] or outcomes[:1]
    first_outcome = frame.columns.get_loc(outcomes[0]) if outcomes else len(frame.columns)
    swept = [c for c in frame.columns[:first_outcome] if c not in {"point", "replicates"}]
    table = frame[["point", *swept, *shown, "modal_tally"]]
    text = table.head(max_rows).to_string(index=False, float_format=lambda v: f"{v:.4g}")
    if len(table) > max_rows:
        text += f"\n... {len(table) - max_rows:,} more rows (give --out to write them all)"
    return text


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
            report = run_sweep(sweep, Path(scratch) / "sweep.parquet", workers, scheduler, False, True,
                               progress, on_unit)
        return dataclasses.replace(report, path=None)
    out = Path(out)
    if out.suffix.lower() not in {".csv", ".parquet"}:
        raise SweepError([f"out: {out}: must end in .csv or .parquet"])
    if workers < 1:
        raise SweepError([f"workers: must be at least 1, got {workers}"])
    if per_lane and sweep.engine == "lanes":
        raise SweepError(["--per-lane: not with --engine lanes (it keeps counts per point only)"])
    if sweep.posterior is not None and sweep.engine == "lanes":
        raise SweepError(["--posterior: not with --engine lanes (its lanes hold the points' values)"])
    started = time.perf_counter()
    with _sweep_lock(out):
        return _run_locked(sweep, out, workers, scheduler, per_lane, restart, progress, on_unit, started)


def _run_locked(
    sweep: Sweep, out: Path, workers: int, scheduler: str | None, per_lane: bool, restart: bool,
    progress: bool, on_unit: Callable[[int], None] | None, started: float,
) -> SweepReport:
    units = sweep.units()
    work = work_dir_for(out)
    done = _prepare_work_dir(work, sweep.key(per_lane), sweep, restart)
    done &= {unit.index for unit in units}
    todo = [unit for unit in units if unit.index not in done]
    resumed_lanes = sum(units[i].lanes for i in done)
    workers = max(1, min(workers, len(todo)))  # never more processes than units to run

    seeds = {p: point_seed(sweep.seed, p) for p in range(len(sweep.points))} if sweep.engine == "points" else {}

    def tasks() -> Iterator[UnitTask]:
        if sweep.engine == "lanes":
            from sim.sweep_lanes import lane_tasks

            yield from lane_tasks(sweep, todo)
            return
        cache: dict[int, Scenario] = {}
        for unit in todo:
            wanted = sorted({piece.point for piece in unit.pieces})
            scenarios = {p: cache[p] if p in cache else sweep.point_scenario(p) for p in wanted}
            cache = {wanted[-1]: scenarios[wanted[-1]]}  # a point may continue in the next unit
            yield UnitTask(unit, scenarios, {p: seeds[p] for p in wanted}, per_lane, sweep.posterior)

    if scheduler is not None:
        results = _run_dask(tasks(), scheduler)
    elif workers > 1:
        results = _run_processes(tasks(), workers)
    else:
        results = _run_inline(tasks())

    bar = _progress_bar(sweep.total_lanes, resumed_lanes, enabled=progress)
    saved = len(done)
    try:
        for arrays in results:
            index = int(arrays["unit"][0])
            _save_unit(work, index, arrays)
            saved += 1
            bar.update(units[index].lanes)
            if on_unit is not None:
                on_unit(index)
    except KeyboardInterrupt:
        raise SweepInterrupted(saved, len(units), work) from None
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
        bar.close()

    if sweep.engine == "lanes":
        from sim.lanes_table import lane_sweep_table

        frame = lane_sweep_table(sweep, work, units)
    else:
        frame = sweep_table(sweep, work, units)
    metadata = sweep.metadata()
    lanes_path = None
    if per_lane:
        lanes_path = lanes_path_for(out)
        metadata["lanes_file"] = lanes_path.name
        write_table(lanes_table(sweep, work, units), lanes_path, {**metadata, "table": "sweep_lanes"})
    write_table(frame, out, metadata)
    shutil.rmtree(work)
    return SweepReport(
        path=out, lanes_path=lanes_path, frame=frame, metadata=metadata, points=len(sweep.points),
        lanes=sweep.total_lanes, lanes_run=sweep.total_lanes - resumed_lanes, units=len(units),
        units_resumed=len(done), seconds=time.perf_counter() - started, workers=workers,
    )


def _progress_bar(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total, initial=initial, disable=not enabled, file=sys.stderr, unit=" lanes",
        unit_scale=True, desc="sweep", dynamic_ncols=True, smoothing=0.1,
    )


def sweep_table(sweep: Sweep, work: Path, units: list[Unit]) -> pd.DataFrame:
    """The tidy table, one row per point, from the units saved in ``work``."""
    members = len(sweep.scenario.members)
    totals = {p: PointCounts(members) for p in range(len(sweep.points))}
    for unit in units:
        arrays = _load_unit(work, unit, members)
        for point, counts in unit_counts(arrays, members).items():
            totals[point].merge(counts)
    codes = sweep.scenario.codes
    rows = [
        {"point": p, **sweep.points[p], **totals[p].row(codes)} for p in range(len(sweep.points))
    ]
    if sweep.posterior is not None:
        from sim.posterior import parameter_uncertainty

        for p, row in enumerate(rows):
            spread = parameter_uncertainty(
                sweep.posterior, sweep.point_scenario(p), sweep.replicates, point_seed(sweep.seed, p), sweep.chunk_lanes
            )
            for i, label in enumerate(OUTCOME_LABELS):
                row[f"p_{label}_low"] = min(row[f"p_{label}_low"], float(spread.low[i]))
                row[f"p_{label}_high"] = max(row[f"p_{label}_high"], float(spread.high[i]))
    frame = pd.DataFrame(rows)
    for parameter in sweep.design.parameters:
        if parameter.kind == "int":
            frame[parameter.key] = frame[parameter.key].astype(np.int64)
        elif parameter.kind == "float":
            frame[parameter.key] = frame[parameter.key].astype(np.float64)
    frame["modal_tally"] = frame["modal_tally"].astype(object)
    return frame


def lanes_table(sweep: Sweep, work: Path, units: list[Unit]) -> pd.DataFrame:
    """``--per-lane`` rows: ``point`` then RunResult.lanes_frame()'s columns, point by point."""
    frames: list[pd.DataFrame] = []
    chunks: dict[str, list[np.ndarray]] = {name: [] for name in LANE_FIELDS}
    current: int | None = None

    def flush(point: int) -> None:
        result = RunResult.from_arrays(
            sweep.point_scenario(point),
            seed=point_seed(sweep.seed, point),
            votes=np.concatenate(chunks["votes"], axis=1),
            outcome=np.concatenate(chunks["outcome"]),
            defeated_by=np.concatenate(chunks["defeated_by"], axis=1),
            fell_short=np.concatenate(chunks["fell_short"]),
            text_scale=np.concatenate(chunks["text_scale"]),
        )
        frame = result.lanes_frame()
        frame.insert(0, "point", point)
        frames.append(frame)
        for name in LANE_FIELDS:
            chunks[name].clear()

    members = len(sweep.scenario.members)
    for unit in units:
        arrays = _load_unit(work, unit, members)
        for piece in unit.pieces:
            if current is not None and piece.point != current:
                flush(current)
            current = piece.point
            for name in LANE_FIELDS:
                chunks[name].append(arrays[f"lanes_{piece.point}_{piece.chunk}_{name}"])
    if current is not None:
        flush(current)
    return pd.concat(frames, ignore_index=True)


# `sim.sweep(...)` is the public call sim.api.sweep; the module stays importable as before.
from sim.api import callable_module  # noqa: E402

callable_module(__name__)
