"""The plan of a sweep: its declaration (:class:`Sweep`, read by :func:`load_sweep`), the seed of
each point, and the work units the points' lanes are grouped into (see :mod:`sim.sweep`).

**Seeds.** Point ``p`` has the seed ``point_seed(seed, p)`` (from ``SeedSequence(seed,
spawn_key=(p,))``); its chunk ``c`` holds lanes ``[c * chunk_lanes, ...)`` and draws from
``sim.runner.chunk_seed(point_seed, c)``. That is exactly what ``sim.runner.run(point_scenario,
R, point_seed(seed, p), chunk_lanes)`` does, so a point's lanes are those of a plain run, and
no number depends on how the work is spread: worker count, cluster, or resumption.

**Work units.** The (point, chunk) pairs, in order, are grouped into units of about
``total_lanes / 200`` lanes (at least 10,000, at most 500,000), a rule that depends on the
sweep alone (:func:`unit_budget`, :func:`pack_units`; the lanes engine packs whole blocks,
:mod:`sim.sweep.lanes`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim import __version__
from sim.errors import InputError
from sim.presets import read_scenario_toml
from sim.runner import CHUNK_LANES, chunk_bounds
from sim.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict
from sim.sweep.design import (
    Design,
    DesignError,
    DesignName,
    Value,
    build_design,
    parse_param_option,
    parse_parameter,
)

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
POSTERIOR_INTERVALS = (
    "with --posterior: p_*_low/high span the 2.5-97.5% range over lanes of the outcome's exact "
    "probability at each lane's parameter draw, and the Wilson interval of the share"
)
"""At most this many (point, chunk) pieces: points x ceil(replicates / chunk lanes). Planning
holds them all; at the default chunk size this is 50 billion lanes, some ten hours of a core."""


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


def unit_budget(total_lanes: int) -> int:
    """Lanes a work unit holds at most (unless one piece is larger): a function of the sweep's size."""
    return min(MAX_UNIT_LANES, max(MIN_UNIT_LANES, total_lanes // TARGET_UNITS, 1))


def pack_units(groups: Iterable[Sequence[Piece]], budget: int) -> list[Unit]:
    """Consecutive groups of pieces (a piece, or a lanes-engine block's pieces) packed in order
    into units of at most ``budget`` lanes; a group is never split."""
    units: list[Unit] = []
    current: list[Piece] = []
    lanes = 0
    for group in groups:
        size = sum(piece.lanes for piece in group)
        if current and lanes + size > budget:
            units.append(Unit(len(units), tuple(current)))
            current, lanes = [], 0
        current.extend(group)
        lanes += size
    if current:
        units.append(Unit(len(units), tuple(current)))
    return units


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
    (:mod:`sim.sweep.lanes`, its own seeds)."""

    @property
    def total_lanes(self) -> int:
        return len(self.points) * self.replicates

    def point_scenario(self, point: int) -> Scenario:
        """The scenario at one point: the file with the point's values set."""
        return scenario_from_dict(
            self.raw,
            label=self.scenario.path or "<scenario>",
            base_dir=self.base_dir,
            overrides=self.points[point],
        )

    def units(self) -> list[Unit]:
        """The work units (see the module docstring): a function of the sweep alone."""
        if self.engine == "lanes":
            from sim.sweep.lanes import lane_units

            return lane_units(self)
        bounds = chunk_bounds(self.replicates, self.chunk_lanes)
        pieces = (
            (Piece(point, chunk, start, stop),)
            for point in range(len(self.points))
            for chunk, (start, stop) in enumerate(bounds)
        )
        return pack_units(pieces, unit_budget(self.total_lanes))

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
            **(
                {
                    "posterior": self.posterior.summary(),
                    "posterior_sha256": self.posterior.digest(),
                    "intervals": POSTERIOR_INTERVALS,
                }
                if self.posterior is not None
                else {}
            ),
            **(_LANES_METADATA if self.engine == "lanes" else {}),
        }

    def key(self, per_lane: bool) -> str:
        """Hash of everything that determines the saved units (the work directory's key)."""
        if self.engine == "lanes":  # numbers only: hash the array (200,000 points in JSON take a second)
            values = hashlib.sha256(
                json.dumps(self.design.keys).encode() + point_matrix(self).tobytes()
            ).hexdigest()
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
    "seeds": "blocks of max(1, chunk_lanes // replicates) points (sim.sweep.lanes); block b: "
    "SeedSequence(seed, spawn_key=(0x6C616E6573, b))",
}


def point_matrix(sweep: Sweep) -> np.ndarray:
    """(keys, points) float values of the sweep's points, built once per sweep object."""
    cached = sweep.__dict__.get("_point_matrix")
    if cached is None:
        keys = sweep.design.keys
        cached = (
            np.array([[float(point[key]) for key in keys] for point in sweep.points], dtype=float)
            .reshape(len(sweep.points), len(keys))
            .T.copy()
        )
        object.__setattr__(sweep, "_point_matrix", cached)  # a frozen dataclass: a private cache
    return cached


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
    raw = read_scenario_toml(path)  # the same checks (regular file, size, nesting), extends resolved
    table = scenario.spec.sweep
    label = str(path)
    params = list(params or [])
    name: DesignName = design or (table.design if table else "grid")
    samples_from = "samples"
    if samples is None and table is not None and name != "grid":
        samples = table.samples
        if design is None:
            samples_from = f"{label}: sweep.samples"
    replicates = (
        replicates
        if replicates is not None
        else (table.replicates if table and table.replicates else DEFAULT_REPLICATES)
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
            [
                f"replicates: {built.size:,} points x {replicates:,} replicates in chunks of "
                f"{chunk_lanes:,} lanes is {pieces:,} pieces of work, more than {MAX_PIECES:,}: "
                "fewer points or replicates (or larger chunk_lanes)"
            ]
        )
    points = tuple(built.points(seed))
    sweep = Sweep(scenario, raw, path.parent, built, points, replicates, seed, chunk_lanes, engine=engine)
    check_points(sweep, where="params" if params else f"{label}: sweep point")
    return sweep


def check_points(sweep: Sweep, where: str = "params") -> None:
    """Validate a sweep's points (the lanes engine checks each key's extremes, not every point).
    Each problem starts with ``where`` and the point it was found at (``params KEY=VALUE, ...:``),
    so the value to change is named; a problem found at several points is listed once."""
    if sweep.engine == "lanes":
        from sim.sweep.lanes import lane_problems, validate_lane_points

        kinds = [parameter.kind for parameter in sweep.design.parameters]
        problems = lane_problems(sweep.design.keys, kinds, sweep.scenario.codes)
        if problems:
            raise DesignError(problems)
        validate_lane_points(sweep, where)
    elif sweep.engine == "points":
        _validate_points(sweep, where)
    else:
        raise DesignError([f"engine: expected points or lanes, got {sweep.engine!r}"])


ONE_COUNCIL = "changes who sits on the council; a sweep keeps one council"


def value_text(value: Value) -> str:
    """A swept value as a ``--param`` would give it: true/false, 0.15 (12 significant digits), text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)


def point_text(point: dict[str, Value]) -> str:
    """A point as ``KEY=VALUE, KEY=VALUE``."""
    return ", ".join(f"{key}={value_text(value)}" for key, value in point.items())


def point_problems(where: str, found: dict[str, tuple[str, int]]) -> list[str]:
    """``found``: each problem (without the file's name) -> (the first point it was found at, as
    text; how many points in all). One line each, at most :data:`MAX_LISTED_PROBLEMS`."""
    problems = []
    for problem, (point, count) in found.items():
        more = f" (and {count - 1:,} more point{'s' if count > 2 else ''})" if count > 1 else ""
        problems.append(f"{where} {point}{more}: {problem}")
    if len(problems) > MAX_LISTED_PROBLEMS:
        extra = len(problems) - MAX_LISTED_PROBLEMS
        problems = problems[:MAX_LISTED_PROBLEMS] + [f"... and {extra} more problems"]
    return problems


def _validate_points(sweep: Sweep, where: str) -> None:
    """Build every point's scenario once; collect each distinct problem with the first point
    (``where`` KEY=VALUE, ...) it was found at."""
    label = f"{sweep.scenario.path or '<scenario>'}: "  # the file's name; the point replaces it
    found: dict[str, tuple[str, int]] = {}
    codes = sweep.scenario.codes
    for point in range(len(sweep.points)):
        try:
            scenario = sweep.point_scenario(point)
        except ScenarioError as exc:
            here = [problem.removeprefix(label) for problem in exc.problems]
        else:
            here = [] if scenario.codes == codes else [ONE_COUNCIL]
        for problem in dict.fromkeys(here):
            first, count = found.get(problem, (None, 0))
            found[problem] = (first or point_text(sweep.points[point]), count + 1)
    if found:
        raise ScenarioError(point_problems(where, found))
