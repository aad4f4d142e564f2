"""Exact probabilities of a decision's recorded events, from the model itself.

With fixed stances everything before the vote is deterministic: the situation, the members'
equilibrium objection probabilities, the penholder's softening. At the vote each member draws its
own Gaussian shock (a permanent member, in a share of lanes, a surprise on top: a scale mixture of
normals), so given the equilibrium the members' intentions are independent:
:meth:`sim.model.CouncilModel.vote_probabilities`. The penholder's final canvass reads those
intentions, so whether the draft is put to the vote is a function of them:

- a resolution (or procedural vote) short of the quota is withdrawn: P(withdrawn) = P(yes < quota);
  a recorded vote (always with at least nine in favour) has probability prod_i p_i(v_i);
  a veto by exactly the set S is the quota reached with exactly S's permanent "no"s;
- in a consensus body nothing is withdrawn: adopted = prod_i (1 - p_i(no)), and a block by
  exactly S is prod_{i in S} p_i(no) prod_{i not in S} (1 - p_i(no)).

**Many parameter values in one model run.** Members hold their state as arrays over lanes, and
the global parameters may be per-lane arrays too; :func:`with_lane_values` gives lane j the j-th
parameter vector, so one ``CouncilModel`` evaluates a point and all the points of its
finite-difference gradient at once. No Monte Carlo noise enters, so L-BFGS-B can use them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from sim.compare import (
    CATEGORY_INDEX,
    FileComparison,
    Record,
    VoteForecast,
    parse_tally,
    record_of,
    score,
)
from sim.errors import InputError
from sim.model import CouncilModel
from sim.parameters import SPECS
from sim.rules import ABSTAIN as ABSTAIN_
from sim.rules import NO as NO_
from sim.rules import OUTCOME_LABELS, Outcome, _yes_count_distribution, p_vetoed_exactly
from sim.rules import YES as YES_
from sim.scenario import STANCE_FIELDS, Scenario

ANALYTIC_FLOOR = 1e-12
"""Analytic probabilities below this are scored as this (log = -27.6), so a vote the model
all but excludes costs a large but finite amount and the objective stays finite."""

STANCE_BOUNDS = (0.0, 1.0)


class CalibrationError(InputError):
    """Bad calibration input; ``problems`` holds one line each (like ScenarioError)."""


# ------------------------------------------------------------------------ parameters


@dataclass(frozen=True)
class Parameter:
    """One fitted quantity: ``decision.NAME`` (a global parameter of :mod:`sim.parameters`) or
    ``members.CODE.FIELD`` (one member's stance)."""

    key: str
    code: str | None
    field: str
    low: float
    high: float
    log_scale: bool = False

    @property
    def is_global(self) -> bool:
        return self.code is None


def global_parameter(name: str) -> Parameter:
    spec = SPECS[name]
    return Parameter(f"decision.{name}", None, name, spec.low, spec.high, spec.log_scale)


def parse_params(keys: Sequence[str], scenarios: Sequence[Scenario]) -> list[Parameter]:
    """Check parameter keys; raises :class:`CalibrationError` with one line per bad key."""
    problems: list[str] = []
    params: list[Parameter] = []
    seated = {code for scenario in scenarios for code in scenario.codes}
    for key in keys:
        key = key.strip()
        parts = key.split(".")
        if len(parts) == 2 and parts[0] == "decision" and parts[1] in SPECS:
            params.append(global_parameter(parts[1]))
        elif len(parts) == 3 and parts[0] == "members" and parts[2] in STANCE_FIELDS:
            if parts[1] not in seated:
                problems.append(f"params: {key}: {parts[1]} sits on none of the councils given")
            else:
                params.append(Parameter(key, parts[1], parts[2], *STANCE_BOUNDS))
        else:
            problems.append(
                f"params: {key}: expected decision.NAME (NAME one of {', '.join(SPECS)}) or "
                f"members.CODE.FIELD (FIELD one of {', '.join(STANCE_FIELDS)})"
            )
    if len({p.key for p in params}) != len(params):
        problems.append("params: a parameter is listed twice")
    if not params and not problems:
        problems.append("params: nothing to fit")
    if problems:
        raise CalibrationError(problems)
    return params


class PerLaneStance:
    """A stance with a given value in each lane (duck-types :class:`sim.scenario.Stance` for
    ``Member``): lane j of the model evaluates the j-th parameter vector."""

    is_random = True
    source = None

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=float)

    @property
    def center(self) -> float:
        return float(self.values.mean())

    def draw(self, rng: np.random.Generator, lanes: int) -> np.ndarray:
        if lanes != self.values.shape[0]:
            raise ValueError(f"per-lane stance has {self.values.shape[0]} values for {lanes} lanes")
        return self.values.copy()


def with_lane_values(scenario: Scenario, params: Sequence[Parameter], points: np.ndarray) -> Scenario:
    """The scenario with parameter vector ``points[:, j]`` in lane j."""
    global_values = {p.field: row for p, row in zip(params, points) if p.is_global}
    stance_values = {(p.code, p.field): row for p, row in zip(params, points) if not p.is_global}
    members = []
    for profile in scenario.members:
        changed = {
            name: PerLaneStance(values)
            for (code, name), values in stance_values.items()
            if code == profile.code
        }
        members.append(
            dataclasses.replace(profile, stances={**profile.stances, **changed}) if changed else profile
        )
    parameters = scenario.parameters.with_values(global_values)
    # the situation depends on the half-lives: recompute it where they vary
    situation = (
        None
        if {"provocation_half_life_days", "steps_half_life_days"} & set(global_values)
        else scenario.situation
    )
    return dataclasses.replace(scenario, members=tuple(members), parameters=parameters, situation=situation)


# ------------------------------------------------------------------------ exact probabilities


@dataclass(frozen=True)
class LaneProbabilities:
    """Exact probabilities of one decision's events, per lane."""

    codes: tuple[str, ...]
    intent: np.ndarray
    """(members, 3, lanes): P(yes / no / abstain) of each member's intention at the final text."""
    member: np.ndarray
    """(members, 4, lanes): P(votes yes / no / abstain / not cast): cast only where put to the vote."""
    outcome: np.ndarray
    """(5, lanes): P(each Outcome)."""
    consensus: bool
    quota: int
    permanent: np.ndarray
    eligible: np.ndarray
    """(members,) bool: whose "no" defeats the draft."""
    counts: np.ndarray | None
    """(members + 1, members + 1, lanes): P(put to the vote with yes = i, no = j); None under consensus."""
    text_scale: np.ndarray

    def p_defeated_exactly(self, defeaters: Sequence[str]) -> np.ndarray:
        """P(vetoed / blocked by exactly these members)."""
        wanted = np.array([code in defeaters for code in self.codes])
        if not self.eligible[wanted].all():
            return np.zeros(self.outcome.shape[1])
        yes, no, abstain = self.intent[:, 0], self.intent[:, 1], self.intent[:, 2]
        if self.consensus:
            return np.prod(np.where(wanted[:, None], no, 1.0 - no), axis=0)
        from sim.rules import DecisionRule

        rule = DecisionRule("resolution", "", quota=self.quota, permanent_veto=True)
        return p_vetoed_exactly(rule, yes, no, abstain, self.permanent, wanted)

    def p_tally(self, tally: str) -> np.ndarray:
        yes, no, abstain = parse_tally(tally)
        if self.counts is None or yes + no + abstain != len(self.codes):
            return np.zeros(self.outcome.shape[1])
        return self.counts[yes, no]

    def p_record(self, record: Record) -> np.ndarray:
        """P(the recorded outcome, with exactly the named vetoing / blocking members)."""
        if record.defeaters and record.outcome in {"vetoed", "blocked"}:
            return self.p_defeated_exactly(record.defeaters)
        return self.outcome[OUTCOME_LABELS.index(record.outcome)]

    def member_log_likelihood(self, record: Record, floor: float = ANALYTIC_FLOOR) -> np.ndarray:
        """log P(every recorded vote): the product of the intentions (the record reached the
        quota, so the penholder called the vote whenever these votes were intended)."""
        total = np.zeros(self.outcome.shape[1])
        for i, code in enumerate(self.codes):
            if code in record.votes:
                column = CATEGORY_INDEX[record.votes[code]]
                p = self.intent[i, column] if column < 3 else self.member[i, column]
                total += np.log(np.maximum(p, floor))
        return total

    def event_log_likelihood(self, record: Record, floor: float = ANALYTIC_FLOOR) -> np.ndarray:
        """The evidence of one decision: the member votes where known, else the outcome."""
        if record.votes:
            return self.member_log_likelihood(record, floor)
        return np.log(np.maximum(self.p_record(record), floor))


def _withdraw(outcome: np.ndarray, calls_vetoed_vote: bool) -> None:
    """The drafter's final canvass (:func:`sim.penholders.canvass_withdraws`), in distribution:
    lanes short of the quota are withdrawn, and so are vetoed lanes unless the drafter calls
    vetoed votes (in place)."""
    outcome[Outcome.WITHDRAWN] = outcome[Outcome.FAILED]
    outcome[Outcome.FAILED] = 0.0
    if not calls_vetoed_vote:
        outcome[Outcome.WITHDRAWN] += outcome[Outcome.VETOED]
        outcome[Outcome.VETOED] = 0.0


def negotiated_model(scenario: Scenario, lanes: int = 1, seed: int = 0) -> CouncilModel:
    """A model run through its rounds of talks, stopped just before the vote."""
    model = CouncilModel(scenario, lanes=lanes, rng=seed, collect=False)
    while model.round < model.rounds:
        model.step()
    return model


def _count_distribution(yes: np.ndarray, no: np.ndarray, abstain: np.ndarray) -> np.ndarray:
    """(m+1, m+1, lanes) P(yes count, no count) of independent members (Poisson-multinomial)."""
    members, lanes = yes.shape
    dist = np.zeros((members + 1, members + 1, lanes))
    dist[0, 0] = 1.0
    for i in range(members):
        new = dist * abstain[i]
        new[1:, :] += dist[:-1, :] * yes[i]
        new[:, 1:] += dist[:, :-1] * no[i]
        dist = new
    return dist


def lane_probabilities(scenario: Scenario, lanes: int = 1, seed: int = 0) -> LaneProbabilities:
    """Exact event probabilities of ``scenario`` per lane (see the module docstring)."""
    from sim.rules import outcome_probabilities

    model = negotiated_model(scenario, lanes, seed)
    yes, no, abstain = model.vote_probabilities()
    rule = model.rule
    outcome = outcome_probabilities(rule, yes, no, abstain, model.permanent)
    members = yes.shape[0]
    member = np.zeros((members, 4, lanes))
    counts = None
    if rule.consensus:
        member[:, 0], member[:, 1], member[:, 2] = yes, no, abstain
    else:
        _withdraw(outcome, model.calls_vetoed_vote)
        # Cast votes: only where the draft is put to the vote. For the penholder's draft that is
        # the quota reached; for another sponsor's, the quota reached with no permanent "no".
        vetoes_withdrawn = not model.calls_vetoed_vote and rule.permanent_veto
        kept_no = np.where(model.permanent[:, None], 0.0, no) if vetoes_withdrawn else no
        counts = _count_distribution(yes, kept_no, abstain)
        counts[: rule.quota] = 0.0
        for i in range(members):
            others_yes = np.delete(yes, i, axis=0)
            others_other = np.delete(abstain + kept_no, i, axis=0)
            dist = _yes_count_distribution(others_yes, others_other)
            reach_with_yes = dist[max(rule.quota - 1, 0) :].sum(axis=0)
            reach_without = dist[rule.quota :].sum(axis=0)
            member[i, 0] = yes[i] * reach_with_yes
            member[i, 1] = kept_no[i] * reach_without
            member[i, 2] = abstain[i] * reach_without
        member[:, 3] = outcome[Outcome.WITHDRAWN][None, :]
    return LaneProbabilities(
        codes=tuple(scenario.codes),
        intent=np.stack([yes, no, abstain], axis=1),
        member=member,
        outcome=outcome,
        consensus=rule.consensus,
        quota=rule.quota,
        permanent=model.permanent,
        eligible=model.blockers,
        counts=counts,
        text_scale=np.broadcast_to(model.text_scale, (lanes,)).copy(),
    )


def _modal_defeaters(lp: LaneProbabilities, modal: str) -> tuple[str, ...]:
    """Most likely set of vetoing / blocking members given the modal outcome is a defeat."""
    if modal not in {"vetoed", "blocked"} or not lp.eligible.any():
        return ()
    mean_no = lp.intent[:, 1].mean(axis=1)
    candidates = [i for i in np.argsort(-mean_no) if lp.eligible[i] and mean_no[i] > 1e-3][:8]
    best, best_p = (), -1.0
    for size in range(1, len(candidates) + 1):
        for subset in combinations(sorted(candidates), size):
            p = float(lp.p_defeated_exactly([lp.codes[i] for i in subset]).mean())
            if p > best_p:
                best, best_p = tuple(lp.codes[i] for i in subset), p
    return best


def forecast_from_probabilities(scenario: Scenario, lp: LaneProbabilities) -> VoteForecast:
    """Average lane probabilities into a :class:`VoteForecast` (lanes = draws of the stances)."""
    record = record_of(scenario)
    outcome = lp.outcome.mean(axis=1)
    modal = OUTCOME_LABELS[int(np.argmax(outcome))]
    modal_tally = None
    if lp.counts is not None and lp.counts.sum() > 0:
        counts = lp.counts.mean(axis=2)
        yes, no = np.unravel_index(int(np.argmax(counts)), counts.shape)
        modal_tally = f"{yes}-{no}-{len(lp.codes) - yes - no}"
    return VoteForecast(
        codes=lp.codes,
        member_probabilities=lp.member.mean(axis=2),
        p_outcome=float(lp.p_record(record).mean()),
        p_outcome_kind=float(outcome[OUTCOME_LABELS.index(record.outcome)]),
        p_tally=float(lp.p_tally(record.tally).mean()) if record.tally else None,
        outcome_probabilities={label: float(p) for label, p in zip(OUTCOME_LABELS, outcome)},
        modal_outcome=modal,
        modal_defeaters=_modal_defeaters(lp, modal),
        modal_tally=modal_tally,
    )


def analytic_comparison(
    scenario: Scenario,
    params: Sequence[Parameter] = (),
    values: np.ndarray | None = None,
    draws: int = 1,
    seed: int = 0,
) -> FileComparison:
    """Score the scenario's record with exact probabilities (optionally at given values).

    With stances drawn per lane use ``draws`` > 1: the probabilities are then averaged over that
    many draws (exact given each draw)."""
    if params and values is not None:
        scenario_at = with_lane_values(scenario, params, np.asarray(values, float)[:, None])
        lp = lane_probabilities(scenario_at, 1, seed)
    else:
        lp = lane_probabilities(scenario, draws, seed)
    forecast = forecast_from_probabilities(scenario, lp)
    method = "analytic" if draws == 1 else f"analytic ({draws} stance draws, seed {seed})"
    return score(scenario, forecast, floor=ANALYTIC_FLOOR, method=method)


def event_log_likelihood(
    scenario: Scenario, record: Record, lanes: int, floor: float = ANALYTIC_FLOOR
) -> np.ndarray:
    """:meth:`LaneProbabilities.event_log_likelihood` computed with only what it needs (the
    calibration objective's hot path: no member marginals or tally distribution)."""
    from sim.rules import outcome_probabilities

    model = negotiated_model(scenario, lanes)
    yes, no, abstain = model.vote_probabilities()
    if record.votes:
        total = np.zeros(lanes)
        columns = {YES_: yes, NO_: no, ABSTAIN_: abstain}
        for i, code in enumerate(scenario.codes):
            if code in record.votes:
                total += np.log(np.maximum(columns[record.votes[code]][i], floor))
        return total
    rule = model.rule
    if record.defeaters and record.outcome in {"vetoed", "blocked"}:
        wanted = np.array([code in record.defeaters for code in scenario.codes])
        if not model.blockers[wanted].all() or not (rule.consensus or model.calls_vetoed_vote):
            p = np.zeros(lanes)
        elif rule.consensus:
            p = np.prod(np.where(wanted[:, None], no, 1.0 - no), axis=0)
        else:
            p = p_vetoed_exactly(rule, yes, no, abstain, model.permanent, wanted)
    else:
        outcome = outcome_probabilities(rule, yes, no, abstain, model.permanent)
        if not rule.consensus:
            _withdraw(outcome, model.calls_vetoed_vote)
        p = outcome[OUTCOME_LABELS.index(record.outcome)]
    return np.log(np.maximum(p, floor))


def total_log_likelihood(
    scenarios: Sequence[Scenario], params: Sequence[Parameter], points: np.ndarray
) -> np.ndarray:
    """Sum of the event log-likelihoods of ``scenarios`` at each column of ``points``."""
    total = np.zeros(points.shape[1])
    for scenario in scenarios:
        at = with_lane_values(scenario, params, points)
        total += event_log_likelihood(at, record_of(scenario), points.shape[1])
    return total


__all__: list[Any] = [
    "ANALYTIC_FLOOR",
    "CalibrationError",
    "LaneProbabilities",
    "Parameter",
    "PerLaneStance",
    "analytic_comparison",
    "forecast_from_probabilities",
    "global_parameter",
    "lane_probabilities",
    "negotiated_model",
    "parse_params",
    "total_log_likelihood",
    "with_lane_values",
]
