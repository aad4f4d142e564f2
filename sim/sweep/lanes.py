"""Many sweep points in one model: a block of points run as lanes with per-lane values.

Building a model costs about 5 ms, so a sweep of many points with few replicates each spends its
time building models (10,000 points x 1,000 replicates ran at 0.17 M decisions/s, one point at
1.45 M/s). Members, the global parameters and the situation already accept arrays over lanes
(calibration evaluates many parameter vectors in one model, :mod:`sim.likelihood`), so where
every swept key can take a per-lane value, ``--engine lanes`` runs a *block* of consecutive
points as the lanes of ONE model and splits the counts per point.

**Keys that go per lane** (:func:`lane_key`): members' stances ``members.CODE.FIELD`` (FIELD in
pressure, reciprocity, veto_cost, salience, noise), the global parameters ``decision.NAME`` and
``negotiation.softening_step`` / ``negotiation.min_text_scale``, the context numbers
``context.great_power_tension``, ``context.provocation``, ``context.unreciprocated_steps``, and
a measure's number fields (``proposal.measures.0.to``: each lane then votes on its own text,
:func:`measure_lanes`; final drafts only, since the penholder's concessions read one text per
model). Anything else (integers, texts, ties, the status quo) runs on the
per-point engine.

**Blocks and seeds.** With ``R`` replicates and ``chunk_lanes`` lanes a model (``--chunk-lanes``),
a block holds ``max(1, chunk_lanes // R)`` consecutive points, all their replicates, point-major
(point i's replicates are lanes ``[i R, (i + 1) R)``); if ``R > chunk_lanes`` a block is one
point's chunk of ``chunk_lanes`` replicates. Block ``b`` draws from ``SeedSequence(seed,
spawn_key=(LANES_STREAM, b))``. The plan is a function of the sweep alone, so the numbers do not
depend on workers, a cluster or resumption. They are not those of the per-point engine (another
stream), only equal in distribution (the tests check both).

**Compact vote.** When no stance left unswept is random, everything before the vote depends only
on the point: the model then runs one lane per point through its talks and :func:`replicated_vote`
draws ``R`` votes per point from the model's own generator, in the order ``CouncilModel`` would.
That is number for number the ``points x R``-lane model (a test checks it), at the cost of the
vote alone. With random stances the block is the full ``points x R``-lane model.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.counts import tally_keys
from sim.likelihood import Parameter as LaneParameter
from sim.likelihood import PerLaneStance, with_lane_values
from sim.model import CouncilModel, draw_surprises
from sim.penholders import canvass_withdraws
from sim.rules import ABSTAIN, NO, NOT_CAST, OUTCOME_LABELS, YES, Outcome, decide
from sim.runner import simulate_chunk
from sim.scenario import (
    STANCE_FIELDS,
    DecisionSpec,
    Scenario,
    ScenarioError,
    scenario_from_dict,
)
from sim.sweep.plan import (
    ONE_COUNCIL,
    Piece,
    Unit,
    pack_units,
    point_matrix,
    point_problems,
    point_text,
    unit_budget,
    value_text,
)

if TYPE_CHECKING:
    from sim.sweep.plan import Sweep

LANES_STREAM = 0x6C616E6573
"""First spawn-key entry of the lanes engine's block seeds ("lanes"): a stream of its own."""
CONTEXT_FIELDS = {
    "great_power_tension": "tension",
    "provocation": "provocation",
    "unreciprocated_steps": "unreciprocated_steps",
}
"""``context.KEY`` -> the :class:`sim.situation.Situation` field that takes per-lane values."""
NEGOTIATION_PARAMETERS = ("softening_step", "min_text_scale")


@dataclass(frozen=True)
class LaneKey:
    """How a swept key becomes per-lane: a member's stance, a global parameter, or a context number."""

    key: str
    kind: str
    """"stance", "global" or "context"."""
    code: str | None
    field: str


def lane_key(key: str) -> LaneKey | None:
    """The per-lane form of ``key``, or None if it must run one model per point."""
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "members" and parts[2] in STANCE_FIELDS:
        return LaneKey(key, "stance", parts[1], parts[2])
    if len(parts) == 2 and parts[0] == "decision" and parts[1] in DecisionSpec.model_fields:
        return LaneKey(key, "global", None, parts[1])
    if len(parts) == 2 and parts[0] == "negotiation" and parts[1] in NEGOTIATION_PARAMETERS:
        return LaneKey(key, "global", None, parts[1])
    if len(parts) == 2 and parts[0] == "context" and parts[1] in CONTEXT_FIELDS:
        return LaneKey(key, "context", None, CONTEXT_FIELDS[parts[1]])
    if len(parts) == 4 and parts[:2] == ["proposal", "measures"] and parts[2].isdigit():
        return LaneKey(key, "measure", None, f"{parts[2]}.{parts[3]}")  # a number field of a measure
    return None


def lane_problems(
    keys: Sequence[str],
    kinds: Sequence[str],
    codes: Sequence[str] | None,
    label: str = "engine lanes: ",
    advice: str = "; use `engine` points",
) -> list[str]:
    """Why these keys cannot run as lanes: one line per key (empty if they can); ``codes``
    (the council) None skips the check that a member key names a seated member."""
    problems: list[str] = []
    for key, kind in zip(keys, kinds):
        found = lane_key(key)
        if found is None or kind != "float":
            problems.append(
                f"{label}{key}: cannot take a value per lane (the lanes engine takes "
                "members.CODE.{" + ",".join(STANCE_FIELDS) + "}, decision.NAME, "
                "negotiation.softening_step/min_text_scale, context."
                + "/".join(CONTEXT_FIELDS)
                + f", proposal.measures.N.to and other number fields){advice}"
            )
        elif found.kind == "stance" and codes is not None and found.code not in codes:
            problems.append(f"{label}{key}: {found.code} does not sit on this council")
    return problems


def lane_scenario(base: Scenario, keys: Sequence[str], values: np.ndarray) -> Scenario:
    """``base`` with lane j holding ``values[k, j]`` for key ``keys[k]`` (values: keys x lanes)."""
    found = [lane_key(key) for key in keys]
    assert all(f is not None for f in found), keys
    per_lane = ("stance", "global")
    params = [
        LaneParameter(f.key, f.code, f.field, -np.inf, np.inf)
        for f in found
        if f is not None and f.kind in per_lane
    ]
    rows = np.array([values[k] for k, f in enumerate(found) if f is not None and f.kind in per_lane])
    scenario = with_lane_values(base, params, rows.reshape(len(params), -1)) if params else base
    context = {f.field: values[k] for k, f in enumerate(found) if f is not None and f.kind == "context"}
    if context:
        assert scenario.situation is not None
        situation = dataclasses.replace(scenario.situation, **context)
        scenario = dataclasses.replace(scenario, situation=situation)
    return scenario


def measure_lanes(
    base: Scenario, keys: Sequence[str], values: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """(change, reversion), each (2, lanes), of the draft with each lane's measure values, or
    None if no measure is swept: what ``CouncilModel`` computes once from the file's measures
    (``sim.measures.change_and_reversion``), per lane."""
    from sim.measures import change_and_reversion

    swept = [
        (k, found)
        for k, found in enumerate(lane_key(key) for key in keys)
        if found is not None and found.kind == "measure"
    ]
    if not swept:
        return None
    measures = list(base.spec.proposal.measures)
    situation = base.situation
    assert situation is not None
    status_quo = (situation.status_quo_pressure, situation.status_quo_reciprocity)
    names = []
    for _, found in swept:
        index, field = found.field.split(".")
        model = type(measures[int(index)])
        name = next(n for n, f in model.model_fields.items() if (f.alias or n) == field)
        names.append((int(index), name))
    lanes = values.shape[1]
    change, reversion = np.empty((2, lanes)), np.empty((2, lanes))
    for j in range(lanes):
        current = list(measures)
        for (k, _), (index, name) in zip(swept, names):
            current[index] = current[index].model_copy(update={name: float(values[k, j])})
        change[:, j], reversion[:, j] = change_and_reversion(current, status_quo)
    return change, reversion


def lane_model(
    scenario: Scenario, lanes: int, seed: int, draft: tuple[np.ndarray, np.ndarray] | None
) -> CouncilModel:
    """A model of ``lanes`` lanes; with ``draft`` (change, reversion per lane) each lane votes on
    its own text, set where the model would use its file's (a final draft: no rounds of talks,
    see :func:`validate_lane_points`)."""
    model = CouncilModel(scenario, lanes=lanes, rng=seed, collect=False)
    if draft is not None:
        model.full_change, model.reversion = draft
        model.proposal_state = model._proposal_state()
        model._arrays = None
    return model


def has_random_stances(scenario: Scenario) -> bool:
    """Whether some stance is drawn per lane (a per-lane value set by the sweep is not drawn)."""
    return any(
        stance.is_random and not isinstance(stance, PerLaneStance)
        for profile in scenario.members
        for stance in profile.stances.values()
    )


# ------------------------------------------------------------------------------ the vote


def replicated_vote(model: CouncilModel, replicates: int) -> tuple[np.ndarray, Any]:
    """The vote of a model whose lanes are points, ``replicates`` times per point (point-major):
    ``CouncilModel._hold_vote`` on ``lanes x replicates`` lanes of identical pre-vote state, with
    the shocks drawn from the model's generator as that model would draw them (the same float
    operations on the same values, so the same votes)."""
    members = model.members
    width = model.lanes
    count = len(members)

    def per_point(rows: Sequence[Any]) -> np.ndarray:
        """(members, points, 1): broadcasts against the shocks' (members, points, replicates)."""
        return np.stack([np.broadcast_to(np.asarray(r, dtype=float), (width,)) for r in rows])[:, :, None]

    thresholds = per_point(model.thresholds())
    shocks = model.rng.standard_normal((count, width * replicates)).reshape(count, width, replicates)
    band = np.broadcast_to(np.asarray(model.params.abstention_band, dtype=float), (width,))[None, :, None]
    utility = np.multiply(shocks, per_point([m.scale() for m in members]), out=shocks)
    utility += per_point([m.support() for m in members])  # support + scale * shock, as Member.intend
    share, sd = model.surprise_parameters()  # (members, 1 or points): a point's replicates share its values
    if np.any(share > 0):  # as CouncilModel._surprise_draws on the full-width model, draw for draw
        per_lane = lambda a: a if a.shape[1] == 1 else np.repeat(a, replicates, axis=1)  # noqa: E731
        rows, drawn = draw_surprises(model.rng, per_lane(share), per_lane(sd), width * replicates)
        flat = utility.reshape(count, width * replicates)  # a view: the shocks' own buffer
        flat[rows] += drawn
    yes = utility > band
    no = utility < -thresholds
    if (YES, NO, ABSTAIN) == (1, -1, 0):  # yes wins where both hold, as in Member.choose
        no &= ~yes
        intents = (yes.view(np.int8) - no.view(np.int8)).reshape(count, width * replicates)
    else:
        intents = np.where(yes, np.int8(YES), np.where(no, np.int8(NO), np.int8(ABSTAIN))).reshape(
            count, width * replicates
        )
    rule = model.rule
    withdrawn = np.broadcast_to(
        canvass_withdraws(rule, intents, model.permanent, model.calls_vetoed_vote), (width * replicates,)
    )
    if withdrawn.any():
        intents = np.where(withdrawn[None, :], np.int8(NOT_CAST), intents)
        return intents, decide(rule, intents, model.permanent, withdrawn)
    return intents, decide(rule, intents, model.permanent, None)


def simulate_block(
    base: Scenario, keys: Sequence[str], values: np.ndarray, replicates: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(votes (members, points x R), outcome (points x R,)) of one block: ``values`` is keys x
    points; lanes are point-major."""
    compact = lane_scenario(base, keys, values)
    draft = measure_lanes(base, keys, values)
    if not has_random_stances(compact):
        model = lane_model(compact, values.shape[1], seed, draft)
        while model.round < model.rounds:
            model.step()
        votes, decision = replicated_vote(model, replicates)
        return votes, decision.outcome
    full = lane_scenario(base, keys, np.repeat(values, replicates, axis=1))
    if draft is None:
        output = simulate_chunk(full, values.shape[1] * replicates, seed)
        return output.votes, output.outcome
    model = lane_model(
        full,
        values.shape[1] * replicates,
        seed,
        (np.repeat(draft[0], replicates, axis=1), np.repeat(draft[1], replicates, axis=1)),
    )
    model.run_model()
    assert model.votes is not None and model.outcome is not None
    return model.votes, model.outcome.outcome


# ------------------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class Block:
    """Points ``[first, first + count)``, replicates ``[start, stop)`` of each, in one model."""

    index: int
    first: int
    count: int
    start: int
    stop: int

    @property
    def replicates(self) -> int:
        return self.stop - self.start

    @property
    def lanes(self) -> int:
        return self.count * self.replicates


def blocks(points: int, replicates: int, block_lanes: int) -> list[Block]:
    """The blocks of a sweep (module docstring): a function of its size alone."""
    result: list[Block] = []
    if replicates <= block_lanes:
        per_block = max(1, block_lanes // replicates)
        for first in range(0, points, per_block):
            result.append(Block(len(result), first, min(per_block, points - first), 0, replicates))
    else:
        for point in range(points):
            for start in range(0, replicates, block_lanes):
                result.append(Block(len(result), point, 1, start, min(start + block_lanes, replicates)))
    return result


def block_seed(seed: int, block: int) -> int:
    """The integer seed of block ``block`` of the lanes engine."""
    sequence = np.random.SeedSequence(seed, spawn_key=(LANES_STREAM, block))
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


def lane_units(sweep: Sweep) -> list[Unit]:
    """Work units of whole blocks, about as large as the per-point engine's; each unit's
    pieces name its points and replicates so that saved units are checked the same way."""
    return list(
        _lane_units(len(sweep.points), sweep.replicates, sweep.chunk_lanes, unit_budget(sweep.total_lanes))
    )


@functools.lru_cache(maxsize=4)
def _lane_units(points: int, replicates: int, chunk_lanes: int, budget: int) -> tuple[Unit, ...]:
    """:func:`lane_units`, kept: a sweep asks for its units several times, and a sample of
    200,000 points has as many pieces."""
    groups = (
        [
            Piece(point, block.start // chunk_lanes, block.start, block.stop)
            for point in range(block.first, block.first + block.count)
        ]
        for block in blocks(points, replicates, chunk_lanes)
    )
    return tuple(pack_units(groups, budget))


@dataclass(frozen=True)
class LaneUnitTask:
    """What a worker needs for one unit of the lanes engine (picklable: runs anywhere)."""

    index: int
    base: Scenario
    keys: tuple[str, ...]
    blocks: tuple[Block, ...]
    values: np.ndarray
    """keys x points of this unit (the points of its blocks, in order)."""
    first_point: int
    seed: int

    def run(self) -> dict[str, np.ndarray]:
        return run_lane_unit(self)


def lane_tasks(sweep: Sweep, todo: Sequence[Unit]) -> Any:
    """One task per unit to run, its blocks rebuilt from the pieces (see :func:`lane_units`)."""
    keys = tuple(sweep.design.keys)
    plan = blocks(len(sweep.points), sweep.replicates, sweep.chunk_lanes)
    by_start = {(b.first, b.start): b for b in plan}
    for unit in todo:
        pieces = unit.pieces
        first = min(p.point for p in pieces)
        last = max(p.point for p in pieces)
        values = point_matrix(sweep)[:, first : last + 1]
        unit_blocks = tuple(by_start[(p.point, p.start)] for p in pieces if (p.point, p.start) in by_start)
        yield LaneUnitTask(unit.index, sweep.scenario, keys, unit_blocks, values, first, sweep.seed)


def run_lane_unit(task: LaneUnitTask) -> dict[str, np.ndarray]:
    """Run a unit's blocks; counts per point in the layout of :func:`sim.sweep.counts.unit_arrays`."""
    members = len(task.base.members)
    first = task.first_point
    points = sorted({p for b in task.blocks for p in range(b.first, b.first + b.count)})
    row = {p: i for i, p in enumerate(points)}
    lanes = np.zeros(len(points), dtype=np.int64)
    outcomes = np.zeros((len(points), len(OUTCOME_LABELS)), dtype=np.int64)
    votes = np.zeros((len(points), members, 3), dtype=np.int64)
    tallies: list[np.ndarray] = []
    n = members + 1
    for block in task.blocks:
        local = slice(block.first - first, block.first - first + block.count)
        block_votes, outcome = simulate_block(
            task.base, task.keys, task.values[:, local], block.replicates, block_seed(task.seed, block.index)
        )
        reps, count = block.replicates, block.count
        rows = [row[p] for p in range(block.first, block.first + block.count)]
        lanes[rows] += reps
        point_of_lane = np.repeat(np.arange(count), reps)
        codes = np.bincount(
            point_of_lane * len(OUTCOME_LABELS) + outcome.astype(np.int64),
            minlength=count * len(OUTCOME_LABELS),
        )
        outcomes[rows] += codes.reshape(count, len(OUTCOME_LABELS))
        is_vote = [block_votes == code for code in (YES, NO, ABSTAIN)]
        for j, mask in enumerate(is_vote):
            votes[rows, :, j] += mask.reshape(members, count, reps).sum(axis=2).T
        voted = outcome != Outcome.WITHDRAWN
        if voted.any():
            combined = (point_of_lane[voted] + block.first) * n**3 + tally_keys(block_votes[:, voted])
            unique, counts = np.unique(combined, return_counts=True)
            tallies.append(np.stack([unique // n**3, unique % n**3, counts], axis=1))
    tally_rows = np.concatenate(tallies) if tallies else np.zeros((0, 3), dtype=np.int64)
    if len(tally_rows):  # a point split over blocks of one unit: add its tallies up
        pairs, inverse = np.unique(tally_rows[:, :2], axis=0, return_inverse=True)
        summed = np.bincount(inverse.ravel(), weights=tally_rows[:, 2]).astype(np.int64)
        tally_rows = np.column_stack([pairs, summed])
    return {
        "unit": np.array([task.index]),
        "points": np.array(points, dtype=np.int64),
        "lanes": lanes,
        "outcomes": outcomes,
        "votes": votes,
        "tallies": tally_rows.astype(np.int64).reshape(-1, 3),
    }


# ------------------------------------------------------------------------------ checking


def validate_lane_points(sweep: Sweep, where: str = "params") -> None:
    """Check a lanes sweep without building every point: each key's constraints in the schema
    are bounds on that key alone, so its smallest and largest values are checked (2 scenarios a
    key, not one a point). Raises ScenarioError naming the key, and the value (``where``
    KEY=VALUE: ...) where a value is at fault."""
    problems: list[str] = []
    label = sweep.scenario.path or "<scenario>"
    spec = sweep.scenario.spec
    if spec.proposal.draft == "first" and spec.negotiation.rounds > 0:
        problems.extend(
            f"engine lanes: {key}: a measure goes per lane only for a final draft (the penholder's "
            "concessions in rounds of talks read one text per model); use `engine` points"
            for key in sweep.design.keys
            if (found := lane_key(key)) is not None and found.kind == "measure"
        )
    for key in sweep.design.keys:
        column = [point[key] for point in sweep.points]
        for value in sorted({min(column), max(column)}):
            try:
                scenario = scenario_from_dict(
                    sweep.raw, label=label, base_dir=sweep.base_dir, overrides={key: value}
                )
            except ScenarioError as exc:
                here = [problem.removeprefix(f"{label}: ") for problem in exc.problems]
            else:
                here = [] if scenario.codes == sweep.scenario.codes else [ONE_COUNCIL]
            at = f"{where} {key}={value_text(value)}: "
            problems.extend(at + problem for problem in here if at + problem not in problems)
    if not problems:
        problems = _status_quo_points(sweep, where)
    if problems:
        raise ScenarioError(problems)


def _status_quo_points(sweep: Sweep, where: str) -> list[str]:
    """The points whose swept measures together make the draft the status quo (which the
    schema refuses, and the points engine with it): a check of the measures at once, not of a
    key's extremes. One line (``where`` KEY=VALUE, ...: the schema's message) per problem."""
    from sim.measures import total_shift

    keys = [
        key for key in sweep.design.keys if (found := lane_key(key)) is not None and found.kind == "measure"
    ]
    if not keys:
        return []
    label = sweep.scenario.path or "<scenario>"
    measures = list(sweep.scenario.spec.proposal.measures)
    fields = []
    for key in keys:
        index, field = key.split(".")[2:]
        model = type(measures[int(index)])
        fields.append((int(index), next(n for n, f in model.model_fields.items() if (f.alias or n) == field)))
    moves: dict[tuple[float, ...], bool] = {}
    found: dict[str, tuple[str, int]] = {}
    for point in sweep.points:
        values = tuple(float(point[key]) for key in keys)
        if values not in moves:
            current = list(measures)
            for (index, name), value in zip(fields, values):
                current[index] = current[index].model_copy(update={name: value})
            d_pressure, d_reciprocity = total_shift(current)
            moves[values] = abs(d_pressure) >= 1e-12 or abs(d_reciprocity) >= 1e-12
        if moves[values]:
            continue
        at = {key: point[key] for key in keys}
        try:
            scenario_from_dict(sweep.raw, label=label, base_dir=sweep.base_dir, overrides=at)
        except ScenarioError as exc:
            for problem in dict.fromkeys(p.removeprefix(f"{label}: ") for p in exc.problems):
                first, count = found.get(problem, (point_text(at), 0))
                found[problem] = (first, count + 1)
        else:
            moves[values] = True  # the schema accepts it after all
    return point_problems(where, found)
