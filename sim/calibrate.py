"""Fitting member stances to the historical record, and leave-one-out prediction.

**The likelihood is analytic, from the model itself.** With fixed stances everything before the
vote is deterministic (the context, the negotiation rounds, the penholder's amendments), and at the
vote each member draws its own Gaussian shock, so the members' votes are independent given the
model's utilities: ``Member.vote_probabilities()`` gives P(yes) = Phi((u - band) / s) etc. from
the same ``support()`` and thresholds the simulation uses. From those, the probability of every
recorded event is exact: each member's real vote, the outcome with its vetoing / blocking members
(a product over the members who may defeat the draft), the tally (a dynamic programme over the
members). No Monte Carlo noise enters the fit, so scipy's L-BFGS-B can use finite-difference
gradients.

**Many parameter values in one model run.** Members hold their stances as arrays over *lanes*.
Calibration gives each lane its own stance values (:class:`PerLaneStance`), so one
``CouncilModel`` evaluates the objective at a point and at all the points of its
finite-difference gradient (or Hessian) at once. The fitted noise scale is folded into each
member's per-lane noise (the vote only ever uses ``noise_scale * noise``).

**What counts as evidence** (``event`` below): for a decision put to the vote, every member's
recorded vote; for one that never came to a vote, its outcome: the defeating members' objection
(exactly the members the record names: a committee hold, a blocked statement) or the penholder's
withdrawal. The model's penholder (``withdraw_if_vetoed``) canvasses once when the talks end, a
trial of the vote with fresh shocks, and withdraws if the canvass shows a veto or a block: so the
probability of withdrawal is exactly the probability that the draft, put to the vote, would be
vetoed or blocked, which is what is scored here, and the vote it calls otherwise is independent
of the canvass (the member marginals below rely on that).

**The fit** maximises the log-likelihood, optionally penalised by independent Gaussian priors
centred on the built-in stances (``prior_sd``; 0 = plain maximum likelihood), within the schema's
bounds. Uncertainty: standard errors from the inverse of the (penalised) observed information,
a central-difference Hessian at the optimum, over the parameters not at a bound.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import time
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from scipy.optimize import minimize

from sim import __version__
from sim.compare import (
    CATEGORIES,
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
from sim.rules import (
    ABSTAIN,
    NO,
    NOT_CAST,
    OUTCOME_LABELS,
    YES,
    Outcome,
    outcome_probabilities,
)
from sim.scenario import (
    PERMANENT_MEMBERS,
    STANCE_FIELDS,
    Scenario,
    Stance,
    builtin_members,
)

ANALYTIC_FLOOR = 1e-12
"""Analytic probabilities below this are scored as this (log = -27.6), so a vote the model
all but excludes costs a large but finite amount and the objective stays finite."""

NOISE_SCALE_BOUNDS = (0.05, 5.0)
"""Search range of the noise scale: below 0.05 the likelihood is nearly a step function."""

STANCE_BOUNDS = (0.0, 1.0)

DEFAULT_FIELDS: tuple[str, ...] = ("pressure", "reciprocity", "veto_cost")
DEFAULT_PARAMS: tuple[str, ...] = tuple(
    f"members.{code}.{name}" for code in PERMANENT_MEMBERS for name in DEFAULT_FIELDS
) + ("decision.noise_scale",)
"""What ``calibrate`` fits unless told otherwise: the P5's pressure, reciprocity and veto cost,
and the noise scale."""

GRADIENT_STEP = 1e-5
HESSIAN_STEP = 1e-3


class CalibrationError(InputError):
    """Bad calibration input; ``problems`` holds one line each (like ScenarioError)."""


# ------------------------------------------------------------------------ per-lane stances

class PerLaneStance:
    """A stance with a given value in each lane (duck-types :class:`sim.scenario.Stance` for
    ``Member``): lane j of the model evaluates the j-th parameter vector. It counts as random
    (it differs between lanes) but draws no random numbers."""

    is_random = True

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=float)

    @property
    def center(self) -> float:
        return float(self.values.mean())

    @property
    def source(self) -> None:
        return None

    def draw(self, rng: np.random.Generator, lanes: int) -> np.ndarray:
        if lanes != self.values.shape[0]:
            raise ValueError(f"per-lane stance has {self.values.shape[0]} values for {lanes} lanes")
        return self.values.copy()


# ------------------------------------------------------------------------ parameters

@dataclass(frozen=True)
class Parameter:
    """One fitted quantity: ``members.CODE.FIELD`` (a stance) or ``decision.noise_scale``."""

    key: str
    code: str | None
    field: str
    low: float
    high: float

    @property
    def is_noise_scale(self) -> bool:
        return self.code is None


def parse_params(keys: Sequence[str], scenarios: Sequence[Scenario]) -> list[Parameter]:
    """Check parameter keys: stances of members sitting on at least one of the councils, or
    ``decision.noise_scale``. Raises :class:`CalibrationError` with one line per bad key."""
    problems: list[str] = []
    params: list[Parameter] = []
    seated = {code for scenario in scenarios for code in scenario.codes}
    for key in keys:
        key = key.strip()
        parts = key.split(".")
        if key == "decision.noise_scale":
            params.append(Parameter(key, None, "noise_scale", *NOISE_SCALE_BOUNDS))
        elif len(parts) == 3 and parts[0] == "members" and parts[2] in STANCE_FIELDS:
            if parts[1] not in seated:
                problems.append(f"--params: {key}: {parts[1]} sits on none of the councils given")
            else:
                params.append(Parameter(key, parts[1], parts[2], *STANCE_BOUNDS))
        else:
            problems.append(
                f"--params: {key}: expected members.CODE.FIELD (FIELD one of "
                f"{', '.join(STANCE_FIELDS)}) or decision.noise_scale"
            )
    if len({p.key for p in params}) != len(params):
        problems.append("--params: a parameter is listed twice")
    if not params and not problems:
        problems.append("--params: nothing to fit")
    if problems:
        raise CalibrationError(problems)
    return params


def default_values(params: Sequence[Parameter], scenarios: Sequence[Scenario] = ()) -> np.ndarray:
    """Starting values (and prior centres): each stance as the first of ``scenarios`` seating the
    member has it (the built-in preset unless the file overrides it), else the built-in preset;
    the noise scale as the first scenario has it (1 unless set)."""
    presets = builtin_members()
    values = []
    for p in params:
        if p.is_noise_scale:
            values.append(scenarios[0].spec.decision.noise_scale if scenarios else 1.0)
            continue
        stance = None
        for scenario in scenarios:
            profile = next((m for m in scenario.members if m.code == p.code), None)
            if profile is not None:
                stance = profile.stances[p.field]
                break
        if stance is None:
            stance = getattr(presets[p.code], p.field)
        values.append(float(stance.center))
    return np.clip(np.array(values), [p.low for p in params], [p.high for p in params])


def with_lane_values(scenario: Scenario, params: Sequence[Parameter], points: np.ndarray) -> Scenario:
    """The scenario with parameter vector ``points[:, j]`` in lane j (stances fixed at their
    centres otherwise). The noise scale is folded into the members' per-lane noise."""
    lanes = points.shape[1]
    scale = np.full(lanes, scenario.spec.decision.noise_scale)
    stance_values: dict[tuple[str, str], np.ndarray] = {}
    for p, row in zip(params, points):
        if p.is_noise_scale:
            scale = row
        else:
            stance_values[(p.code, p.field)] = row  # type: ignore[index]
    members = []
    for profile in scenario.members:
        stances: dict[str, Any] = {}
        for name in STANCE_FIELDS:
            values = stance_values.get((profile.code, name))
            if values is None:
                values = np.full(lanes, profile.stances[name].center)
            if name == "noise":
                values = values * scale
            stances[name] = PerLaneStance(values)
        members.append(dataclasses.replace(profile, stances=stances))
    decision = scenario.spec.decision.model_copy(update={"noise_scale": 1.0})
    spec = scenario.spec.model_copy(update={"decision": decision})
    return dataclasses.replace(scenario, spec=spec, members=tuple(members))


# ------------------------------------------------------------------------ analytic probabilities

@dataclass(frozen=True)
class LaneProbabilities:
    """Exact probabilities of one decision's events, per lane."""

    codes: tuple[str, ...]
    member: np.ndarray
    """(members, 4, lanes): P(yes / no / abstain / not cast), columns in CATEGORIES order."""
    outcome: np.ndarray
    """(5, lanes): P(each Outcome)."""
    at_vote_no: np.ndarray
    """(members, lanes): P(no) had the draft been put to the vote."""
    eligible: np.ndarray
    """(members,) bool: whose "no" defeats the draft (permanent members / everyone / nobody)."""
    p_put_to_vote: np.ndarray
    """(lanes,): P(the draft is put to the vote)."""
    counts: np.ndarray
    """(members + 1, members + 1, lanes): P(yes = i, no = j) given the draft is put to the vote."""

    def p_defeated_exactly(self, defeaters: Sequence[str]) -> np.ndarray:
        """P(the draft is put to the vote and defeated by exactly these members)."""
        wanted = np.array([code in defeaters for code in self.codes])
        if not self.eligible[wanted].all():
            return np.zeros(self.outcome.shape[1])
        no = self.at_vote_no[self.eligible]
        mask = wanted[self.eligible][:, None]
        return self.p_put_to_vote * np.prod(np.where(mask, no, 1.0 - no), axis=0)

    def p_tally(self, tally: str) -> np.ndarray:
        yes, no, abstain = parse_tally(tally)
        if yes + no + abstain != len(self.codes):
            return np.zeros(self.outcome.shape[1])
        return self.p_put_to_vote * self.counts[yes, no]

    def p_record(self, record: Record) -> np.ndarray:
        """P(the recorded outcome, with exactly the named vetoing / blocking members)."""
        if record.defeaters and record.outcome in {"vetoed", "blocked"}:
            return self.p_defeated_exactly(record.defeaters)
        return self.outcome[OUTCOME_LABELS.index(record.outcome)]

    def member_log_likelihood(self, record: Record, floor: float = ANALYTIC_FLOOR) -> np.ndarray:
        total = np.zeros(self.outcome.shape[1])
        for i, code in enumerate(self.codes):
            if code in record.votes:
                p = self.member[i, CATEGORY_INDEX[record.votes[code]]]
                total += np.log(np.maximum(p, floor))
        return total

    def event_log_likelihood(self, record: Record, floor: float = ANALYTIC_FLOOR) -> np.ndarray:
        """The evidence of one decision: the member votes where known, else the outcome."""
        if record.votes:
            return self.member_log_likelihood(record, floor)
        return np.log(np.maximum(self.p_record(record), floor))


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


def negotiated_model(scenario: Scenario, lanes: int = 1, seed: int = 0) -> CouncilModel:
    """A model run through its negotiation rounds, stopped just before the vote."""
    model = CouncilModel(scenario, lanes=lanes, rng=seed, collect=False)
    while model.round < model.negotiation.rounds and not model.withdrawn.all():
        model.step()
    return model


def lane_probabilities(scenario: Scenario, lanes: int = 1, seed: int = 0) -> LaneProbabilities:
    """Exact event probabilities of ``scenario`` per lane (see the module docstring)."""
    foresight = scenario.spec.negotiation.strategy == "withdraw_if_vetoed"
    if foresight:
        negotiation = scenario.spec.negotiation.model_copy(update={"strategy": "force_vote"})
        scenario = dataclasses.replace(
            scenario, spec=scenario.spec.model_copy(update={"negotiation": negotiation})
        )
    model = negotiated_model(scenario, lanes, seed)
    probs = [member.vote_probabilities() for member in model.members]
    # At-vote probabilities (whatever the penholder did), then withdrawal applied on top.
    open_lanes = ~model.withdrawn
    yes = np.stack([p[YES] for p in probs])
    no = np.stack([p[NO] for p in probs])
    abstain = np.stack([p[ABSTAIN] for p in probs])
    # (withdraw_if_vetoed was replaced by foresight above; force_vote and seek_adoption never
    # withdraw, so every lane reaches the vote here)
    counts = _count_distribution(yes, no, abstain)
    outcome = outcome_probabilities(model.rule, yes, no, abstain, model.permanent)
    eligible = model.rule.is_blocker(model.permanent)

    p_withdrawn = (~open_lanes).astype(float)
    if foresight:
        # The penholder's canvass is a trial of the vote with its own shocks: it withdraws with
        # the probability of a defeat, and the vote it calls otherwise is independent of it.
        p_withdrawn = outcome[Outcome.VETOED] + outcome[Outcome.BLOCKED]
        outcome *= (1.0 - p_withdrawn)[None, :]
    else:
        outcome *= open_lanes[None, :]
    outcome[Outcome.WITHDRAWN] = p_withdrawn
    p_vote = 1.0 - p_withdrawn
    # Member marginals: cast votes scaled by P(put to the vote); exact, since the vote is
    # independent of the canvass that decided whether to hold it.
    member = np.stack(
        [yes * p_vote, no * p_vote, abstain * p_vote, np.broadcast_to(p_withdrawn, yes.shape)],
        axis=1,
    )
    assert tuple(CATEGORIES) == (YES, NO, ABSTAIN, NOT_CAST)
    if not foresight:
        # lanes the model itself withdrew (none unless the penholder withdrew deterministically)
        member[:, :3, ~open_lanes] = 0.0
    return LaneProbabilities(
        codes=tuple(scenario.codes),
        member=member,
        outcome=outcome,
        at_vote_no=no,
        eligible=eligible,
        p_put_to_vote=p_vote,
        counts=counts,
    )


def _modal_defeaters(lp: LaneProbabilities, modal: str) -> tuple[str, ...]:
    """Most likely set of vetoing / blocking members given the modal outcome is a defeat."""
    if modal not in {"vetoed", "blocked"} or not lp.eligible.any():
        return ()
    mean_no = lp.at_vote_no.mean(axis=1)
    candidates = [i for i in np.argsort(-mean_no) if lp.eligible[i] and mean_no[i] > 1e-3][:12]
    if not candidates:
        return ()
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
    counts = (lp.counts * lp.p_put_to_vote[None, None, :]).mean(axis=2)
    modal_tally = None
    if counts.sum() > 0:
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
    """Score the scenario's record with exact probabilities (optionally at fitted values).

    With stances drawn per lane (``{ low, high }`` or ``{ mean, sd }``) use ``draws`` > 1:
    the probabilities are then averaged over that many draws (exact given each draw)."""
    if params and values is not None:
        scenario_at = with_lane_values(scenario, params, np.asarray(values, float)[:, None])
        lp = lane_probabilities(scenario_at, 1, seed)
    else:
        lp = lane_probabilities(scenario, draws, seed)
    forecast = forecast_from_probabilities(scenario, lp)
    method = "analytic" if draws == 1 else f"analytic ({draws} stance draws, seed {seed})"
    return score(scenario, forecast, floor=ANALYTIC_FLOOR, method=method)


# ------------------------------------------------------------------------ the objective

@dataclass
class Objective:
    """Penalised negative log-likelihood of the records of ``scenarios`` at parameter points."""

    scenarios: Sequence[Scenario]
    params: Sequence[Parameter]
    prior_center: np.ndarray
    prior_sd: float
    evaluations: int = 0

    def __post_init__(self) -> None:
        self.records = [record_of(s) for s in self.scenarios]
        self.low = np.array([p.low for p in self.params])
        self.high = np.array([p.high for p in self.params])
        # the noise scale's prior acts on its log (it is a scale); stances' on their value
        self.log_scale = np.array([p.is_noise_scale for p in self.params])

    def log_likelihood(self, points: np.ndarray) -> np.ndarray:
        """Total event log-likelihood at each column of ``points`` (params x lanes)."""
        total = np.zeros(points.shape[1])
        for scenario, record in zip(self.scenarios, self.records):
            lp = lane_probabilities(with_lane_values(scenario, self.params, points), points.shape[1])
            total += lp.event_log_likelihood(record)
        self.evaluations += points.shape[1]
        return total

    def penalty(self, points: np.ndarray) -> np.ndarray:
        if self.prior_sd <= 0:
            return np.zeros(points.shape[1])
        transformed = points.copy()
        transformed[self.log_scale] = np.log(points[self.log_scale])
        center = np.where(self.log_scale, np.log(self.prior_center), self.prior_center)
        return 0.5 * np.sum(((transformed - center[:, None]) / self.prior_sd) ** 2, axis=0)

    def negative(self, points: np.ndarray) -> np.ndarray:
        return -self.log_likelihood(points) + self.penalty(points)

    def value_and_gradient(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """Central differences (one-sided at a bound), all points in one model run per file."""
        n = len(x)
        up = np.minimum(x + GRADIENT_STEP, self.high)
        down = np.maximum(x - GRADIENT_STEP, self.low)
        points = np.repeat(x[:, None], 1 + 2 * n, axis=1)
        for i in range(n):
            points[i, 1 + i] = up[i]
            points[i, 1 + n + i] = down[i]
        values = self.negative(points)
        gradient = (values[1 : 1 + n] - values[1 + n :]) / np.maximum(up - down, 1e-300)
        return float(values[0]), gradient

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """Central-difference Hessian of the penalised negative log-likelihood at ``x``."""
        n = len(x)
        h = np.full(n, HESSIAN_STEP)
        columns = [x.copy()]
        for i in range(n):
            for sign in (1, -1):
                point = x.copy()
                point[i] += sign * h[i]
                columns.append(point)
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        for i, j in pairs:
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                point = x.copy()
                point[i] += si * h[i]
                point[j] += sj * h[j]
                columns.append(point)
        points = np.stack(columns, axis=1)
        values = self.negative(points)
        f0 = values[0]
        hess = np.zeros((n, n))
        for i in range(n):
            hess[i, i] = (values[1 + 2 * i] - 2 * f0 + values[2 + 2 * i]) / h[i] ** 2
        offset = 1 + 2 * n
        for k, (i, j) in enumerate(pairs):
            pp, pm, mp, mm = values[offset + 4 * k : offset + 4 * k + 4]
            hess[i, j] = hess[j, i] = (pp - pm - mp + mm) / (4 * h[i] * h[j])
        return hess


# ------------------------------------------------------------------------ fitting

@dataclass(frozen=True)
class FitResult:
    params: tuple[Parameter, ...]
    start: np.ndarray
    values: np.ndarray
    std_errors: np.ndarray
    """NaN where the parameter ended at a bound or is not identified (flat likelihood)."""
    at_bound: np.ndarray
    log_likelihood: float
    start_log_likelihood: float
    penalised: float
    prior_sd: float
    files: tuple[str, ...]
    converged: bool
    message: str
    evaluations: int
    seconds: float

    def table(self) -> list[dict[str, Any]]:
        rows = []
        for p, start, value, se, bound in zip(
            self.params, self.start, self.values, self.std_errors, self.at_bound
        ):
            rows.append(
                {
                    "param": p.key,
                    "start": float(start),
                    "value": float(value),
                    "std_error": None if not np.isfinite(se) else float(se),
                    "at_bound": bool(bound),
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": list(self.files),
            "params": self.table(),
            "log_likelihood": self.log_likelihood,
            "start_log_likelihood": self.start_log_likelihood,
            "penalised_objective": self.penalised,
            "prior_sd": self.prior_sd,
            "converged": self.converged,
            "message": self.message,
            "evaluations": self.evaluations,
            "seconds": self.seconds,
            "uncertainty": "standard errors from the inverse observed information (central-"
            "difference Hessian of the penalised negative log-likelihood) over the parameters "
            "not at a bound; null where at a bound or not identified",
        }


def fit(
    scenarios: Sequence[Scenario],
    params: Sequence[Parameter],
    prior_sd: float = 0.0,
    start: np.ndarray | None = None,
    uncertainty: bool = True,
    max_iterations: int = 200,
) -> FitResult:
    """Maximum (penalised) likelihood of the records of ``scenarios`` over ``params``."""
    began = time.perf_counter()
    center = default_values(params, scenarios)
    x0 = center.copy() if start is None else np.asarray(start, float)
    objective = Objective(scenarios, params, prior_center=center, prior_sd=prior_sd)
    bounds = [(p.low, p.high) for p in params]
    result = minimize(
        objective.value_and_gradient,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iterations, "ftol": 1e-10, "gtol": 1e-6},
    )
    x = np.clip(result.x, objective.low, objective.high)
    both = np.stack([x, x0], axis=1)
    ll = objective.log_likelihood(both)
    at_bound = (x <= objective.low + 1e-6) | (x >= objective.high - 1e-6)
    std_errors = np.full(len(x), np.nan)
    if uncertainty:
        free = ~at_bound
        if free.any():
            hess = objective.hessian(x)[np.ix_(free, free)]
            try:
                eigenvalues = np.linalg.eigvalsh(hess)
                if eigenvalues.min() > 1e-8 * max(1.0, eigenvalues.max()):
                    std_errors[free] = np.sqrt(np.diag(np.linalg.inv(hess)))
                else:
                    # not identified along some direction: report only well-determined ones
                    inverse = np.linalg.pinv(hess, rcond=1e-8)
                    diag = np.diag(inverse)
                    ok = (np.diag(hess) > 1e-8) & (diag > 0)
                    std_errors[np.flatnonzero(free)[ok]] = np.sqrt(diag[ok])
            except np.linalg.LinAlgError:
                pass
        # An error wider than the parameter's whole range says only that the record does not
        # pin the value down: report it as not identified rather than as a number.
        std_errors[std_errors > (objective.high - objective.low)] = np.nan
    return FitResult(
        params=tuple(params),
        start=x0,
        values=x,
        std_errors=std_errors,
        at_bound=at_bound,
        log_likelihood=float(ll[0]),
        start_log_likelihood=float(ll[1]),
        penalised=float(result.fun),
        prior_sd=prior_sd,
        files=tuple(str(s.path) for s in scenarios),
        converged=bool(result.success),
        message=str(result.message),
        evaluations=objective.evaluations,
        seconds=time.perf_counter() - began,
    )


# ------------------------------------------------------------------------ leave-one-out

@dataclass(frozen=True)
class HeldOut:
    """One decision predicted by a fit on all the others."""

    comparison: FileComparison
    """Scored at the values fitted without this decision."""
    default: FileComparison
    """The same decision scored at the starting (built-in) values, for reference."""
    values: np.ndarray


def leave_one_out(
    scenarios: Sequence[Scenario], params: Sequence[Parameter], prior_sd: float = 0.0
) -> list[HeldOut]:
    """Refit without each decision in turn (from the built-in values) and predict it."""
    held: list[HeldOut] = []
    for k, scenario in enumerate(scenarios):
        others = [s for i, s in enumerate(scenarios) if i != k]
        result = fit(others, params, prior_sd=prior_sd, uncertainty=False)
        held.append(
            HeldOut(
                comparison=analytic_comparison(scenario, params, result.values),
                default=analytic_comparison(scenario, params, result.start),
                values=result.values,
            )
        )
    return held


def loo_summary(held: Sequence[HeldOut]) -> dict[str, Any]:
    n = len(held)
    return {
        "decisions": n,
        "outcome_accuracy": float(np.mean([h.comparison.outcome_correct for h in held])) if n else None,
        "outcomes_correct": int(sum(h.comparison.outcome_correct for h in held)),
        "event_log_likelihood": float(sum(h.comparison.event_log_likelihood for h in held)),
        "mean_p_outcome": float(np.mean([h.comparison.p_outcome for h in held])) if n else None,
        "default_outcome_accuracy": (
            float(np.mean([h.default.outcome_correct for h in held])) if n else None
        ),
        "default_event_log_likelihood": float(sum(h.default.event_log_likelihood for h in held)),
    }


# ------------------------------------------------------------------------ the preset file

def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != 0 else "0.0"
    if isinstance(value, str):
        if "\n" in value or '"' in value:
            return '"""' + value.replace('"""', "'''") + '"""'
        return '"' + value + '"'
    raise TypeError(value)


def preset_text(result: FitResult, command: str, today: _dt.date | None = None) -> str:
    """A stance preset (the format of ``sim/data/members.toml``) carrying the fitted values.

    Every built-in member is written out in full (a preset replaces a member's whole table).
    A fitted noise scale is folded into every member's ``noise`` (noise x scale): the vote
    only depends on that product, so a scenario using the preset keeps ``noise_scale = 1``.
    """
    today = today or _dt.date.today()
    fitted = {(p.code, p.field): v for p, v in zip(result.params, result.values) if not p.is_noise_scale}
    errors = {(p.code, p.field): se for p, se in zip(result.params, result.std_errors) if not p.is_noise_scale}
    scale = next((float(v) for p, v in zip(result.params, result.values) if p.is_noise_scale), 1.0)
    lines = [
        "# Stance preset fitted to the historical record by `unsc-sim calibrate` (sim/calibrate.py).",
        f"# Made {today.isoformat()} with unsc-sim {__version__} by:",
        f"#   {command}",
        f"# Files ({len(result.files)}): " + ", ".join(Path(f).name for f in result.files),
        f"# Log-likelihood of the records: {result.log_likelihood:.3f} at the fit, "
        f"{result.start_log_likelihood:.3f} at the built-in stances"
        + (f" (penalised fit, Gaussian priors sd {result.prior_sd:g} on the built-in values)"
           if result.prior_sd > 0 else " (plain maximum likelihood)"),
        "# Fitted (std. error from the observed information; '-' at a bound or not identified):",
    ]
    for row in result.table():
        se = "-" if row["std_error"] is None else f"{row['std_error']:.3f}"
        lines.append(f"#   {row['param']:<28} {row['value']:.4f}  (se {se}; start {row['start']:.4f})")
    lines += [
        f"# Noise scale {scale:.4f} is folded into every member's noise below (noise x scale), so",
        "# scenarios using this preset keep decision.noise_scale = 1 (the default).",
        "# Use: in a scenario's [council] table, preset = \"<path to this file, relative to the scenario>\"",
        "# (e.g. preset = \"../presets/calibrated.toml\" from scenarios/history/), or",
        "# `unsc-sim compare FILE... --preset THIS_FILE`.",
        "",
    ]
    for code, spec in builtin_members().items():
        lines.append(f"[{code}]")
        lines.append(f"name = {_toml_value(spec.name)}")
        lines.append(f"permanent = {_toml_value(bool(spec.permanent))}")
        for name in STANCE_FIELDS:
            stance: Stance = getattr(spec, name)
            value = fitted.get((code, name), stance.center)
            if name == "noise":
                value = min(1.0, value * scale)
            if (code, name) in fitted:
                se = errors[(code, name)]
                note = "fitted" + (f", se {se:.3f}" if np.isfinite(se) else "")
                lines.append(f'{name} = {{ value = {float(value):.4f}, source = "calibrate: {note}" }}')
            elif name == "noise" and scale != 1.0:
                lines.append(
                    f'{name} = {{ value = {float(value):.4f}, source = "built-in {stance.center:g} x fitted noise scale {scale:.4f}" }}'
                )
            else:
                lines.append(f"{name} = {_toml_value(float(value))}")
        ties = ", ".join(f"{other} = {_toml_value(float(w))}" for other, w in spec.ties.items())
        lines.append(f"ties = {{ {ties} }}" if ties else "ties = {}")
        if spec.note:
            lines.append(f"note = {_toml_value(spec.note)}")
        lines.append("")
    return "\n".join(lines)


def write_preset(path: str | Path, text: str) -> Path:
    """Write atomically (temporary file + rename), after checking the text loads as a preset."""
    import tomllib

    from sim.files import atomic_write_text
    from sim.scenario import _load_members_table

    _load_members_table(tomllib.loads(text), str(path))
    return atomic_write_text(path, text)


# ------------------------------------------------------------------------ the whole calibration

def fitted_overrides(scenario: Scenario, params: Sequence[Parameter], values: np.ndarray) -> dict[str, Any]:
    """Scenario overrides that set the fitted values (for members on this council)."""
    overrides: dict[str, Any] = {}
    for p, value in zip(params, values):
        if p.is_noise_scale:
            overrides[p.key] = float(value)
        elif p.code in scenario.codes:
            overrides[p.key] = float(value)
    return overrides


@dataclass(frozen=True)
class CalibrationReport:
    fit: FitResult
    at_fit: list[FileComparison]
    at_start: list[FileComparison]
    loo: list[HeldOut] | None
    monte_carlo: list[FileComparison] | None
    replicates: int | None
    seed: int | None
    preset: str | None = None

    def to_dict(self) -> dict[str, Any]:
        from sim.compare import totals

        data: dict[str, Any] = {
            "version": __version__,
            "fit": self.fit.to_dict(),
            "files": [c.to_dict() for c in self.at_fit],
            "total": totals(self.at_fit),
            "total_at_start": totals(self.at_start),
            "preset": self.preset,
        }
        if self.loo is not None:
            data["leave_one_out"] = {
                "summary": loo_summary(self.loo),
                "decisions": [
                    {
                        **h.comparison.to_dict(),
                        "fitted_without": {p.key: float(v) for p, v in zip(self.fit.params, h.values)},
                        "p_outcome_at_start": h.default.p_outcome,
                        "outcome_correct_at_start": h.default.outcome_correct,
                    }
                    for h in self.loo
                ],
            }
        if self.monte_carlo is not None:
            data["monte_carlo_check"] = {
                "replicates": self.replicates,
                "seed": self.seed,
                "total": totals(self.monte_carlo),
                "files": [c.to_dict() for c in self.monte_carlo],
            }
        return data


def calibrate(
    scenarios: Sequence[Scenario],
    params: Sequence[Parameter],
    prior_sd: float = 0.0,
    loo: bool = True,
    replicates: int | None = 2_000,
    seed: int = 0,
) -> CalibrationReport:
    """Fit, score every decision at the fit, leave-one-out, and check the fit by simulation."""
    from sim.compare import by_date, compare_result
    from sim.runner import run
    from sim.scenario import load_scenario

    ordered = by_date(scenarios)
    result = fit(ordered, params, prior_sd=prior_sd)
    at_fit = [analytic_comparison(s, params, result.values) for s in ordered]
    at_start = [analytic_comparison(s, params, result.start) for s in ordered]
    held = leave_one_out(ordered, params, prior_sd=prior_sd) if loo else None
    monte_carlo = None
    if replicates:
        monte_carlo = []
        for scenario in ordered:
            fitted = load_scenario(scenario.path, overrides=fitted_overrides(scenario, params, result.values))
            monte_carlo.append(compare_result(run(fitted, replicates=replicates, seed=seed)))
    return CalibrationReport(result, at_fit, at_start, held, monte_carlo, replicates, seed if replicates else None)


def format_calibration(report: CalibrationReport) -> str:
    """The human-readable output of ``unsc-sim calibrate``."""
    from sim.compare import describe_forecast, describe_record, format_files, totals

    r = report.fit
    how = (
        f"penalised maximum likelihood (Gaussian priors, sd {r.prior_sd:g}, centred on the built-in values)"
        if r.prior_sd > 0 else "maximum likelihood"
    )
    lines = [
        f"Calibration on {len(r.files)} decisions: {how}, analytic likelihood",
        f"  {'converged' if r.converged else 'NOT converged'} ({r.message}); {r.evaluations:,} "
        f"parameter points evaluated in {r.seconds:.1f} s",
        f"  log-likelihood of the records: {r.log_likelihood:.3f} at the fit, "
        f"{r.start_log_likelihood:.3f} at the built-in stances",
        "",
        f"  {'parameter':<28}  {'start':>7}  {'fitted':>7}  {'std. error':>10}",
    ]
    for row in r.table():
        se = row["std_error"]
        se_text = f"{se:10.3f}" if se is not None else ("  at bound" if row["at_bound"] else "         -")
        lines.append(f"  {row['param']:<28}  {row['start']:>7.3f}  {row['value']:>7.3f}  {se_text}")
    lines += [
        "  (std. error: inverse observed information, a central-difference Hessian of the penalised",
        "   negative log-likelihood at the fit, over the parameters not at a bound)",
        "",
        "  Every decision at the fitted values (exact probabilities):",
        *format_files(report.at_fit),
    ]
    fit_total, start_total = totals(report.at_fit), totals(report.at_start)
    lines.append(
        f"  outcomes right: {fit_total['outcomes_correct']}/{fit_total['files']} at the fit, "
        f"{start_total['outcomes_correct']}/{start_total['files']} at the built-in stances"
    )
    if report.loo is not None:
        summary = loo_summary(report.loo)
        lines += [
            "",
            "  Leave-one-out: each decision predicted by a fit on all the others (from the built-in values):",
            f"  {'date':<10}  {'decision':<28}  {'record':<24}  {'predicted':<24}  {'p(out)':>6}  ok",
        ]
        for h in report.loo:
            c = h.comparison
            lines.append(
                f"  {c.date:<10}  {c.symbol[:28]:<28}  {describe_record(c)[:24]:<24}  "
                f"{describe_forecast(c)[:24]:<24}  {c.p_outcome:>6.3f}  {'yes' if c.outcome_correct else 'NO'}"
            )
        lines.append(
            f"  Leave-one-out outcome accuracy: {summary['outcomes_correct']}/{summary['decisions']} "
            f"({summary['outcome_accuracy']:.2f}); held-out event log-likelihood "
            f"{summary['event_log_likelihood']:.2f} (built-in stances: "
            f"{summary['default_event_log_likelihood']:.2f}, outcome accuracy {summary['default_outcome_accuracy']:.2f})"
        )
        wrong = [h.comparison for h in report.loo if not h.comparison.outcome_correct]
        if wrong:
            lines.append("  Fails on: " + "; ".join(
                f"{c.date} {c.symbol} (record: {describe_record(c)}; predicted {describe_forecast(c)})" for c in wrong
            ))
    if report.monte_carlo is not None:
        mc = totals(report.monte_carlo)
        lines += [
            "",
            f"  Monte Carlo check at the fitted values ({report.replicates:,} replicates per file, seed {report.seed}): "
            f"outcomes right {mc['outcomes_correct']}/{mc['files']}, member-vote log-likelihood "
            f"{mc['log_likelihood']:.2f}" if mc["log_likelihood"] is not None else "",
        ]
    if report.preset:
        lines += ["", f"  Preset written to {report.preset}"]
    return "\n".join(lines)


def preset_command(files: Sequence[str], params: Sequence[Parameter], prior_sd: float, out: str) -> str:
    """The command line that reproduces a preset (for its header)."""
    keys = ",".join(p.key for p in params)
    default = keys == ",".join(DEFAULT_PARAMS)
    return (
        "unsc-sim calibrate " + " ".join(files)
        + ("" if default else f" --params {keys}")
        + f" --prior-sd {prior_sd:g} --out {out}"
    )


__all__ = [
    "ANALYTIC_FLOOR",
    "CalibrationError",
    "DEFAULT_PARAMS",
    "FitResult",
    "HeldOut",
    "LaneProbabilities",
    "Objective",
    "Parameter",
    "PerLaneStance",
    "analytic_comparison",
    "default_values",
    "fit",
    "lane_probabilities",
    "leave_one_out",
    "loo_summary",
    "parse_params",
    "preset_text",
    "with_lane_values",
    "write_preset",
]
