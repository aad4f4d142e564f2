"""Fitting the model's free parameters to the record.

**What is fitted**: the global parameters :mod:`sim.parameters` marks ``fitted`` (the stake
weight, the consensus norm, the sponsor affinity, the noise scale, the responses to provocation,
to unreciprocated steps and to talks, the two discounts of an objection's cost, the mapping from
General Assembly positions to stances, the elected members' salience), by maximising the exact
log-likelihood of the recorded events (:mod:`sim.likelihood`) plus Gaussian priors whose centres
and widths are the judgement values written in :mod:`sim.parameters` before any fit (on the log
of the scale parameters; ``prior_sd`` multiplies every width, 0 meaning no prior). The priors
carry what the General Assembly record says about positions (the US far from China and Russia)
into years when the Council's unanimous votes say nothing about it. ``unsc-sim calibrate --write-defaults`` writes the result to
``sim/data/parameters.toml``, which every scenario then uses; the same command reproduces it.

The rolling-origin forecast built on these fits is :mod:`sim.rolling`; writing the fit as the
shipped defaults is :mod:`sim.presets`; the printed table is :mod:`sim.text`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import minimize

from sim import __version__
from sim.compare import FileComparison, by_date, totals
from sim.likelihood import (
    CalibrationError,
    Parameter,
    analytic_comparison,
    global_parameter,
    parse_params,
    total_log_likelihood,
)
from sim.parameters import FITTED, SPECS
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.rolling import RollingForecast

DEFAULT_PARAMS: tuple[str, ...] = tuple(f"decision.{name}" for name in FITTED)
"""What ``calibrate`` fits unless told otherwise: every fitted global parameter."""
DEFAULT_PRIOR_SD = 2.0
GRADIENT_STEP = 1e-5
HESSIAN_STEP = 1e-3


def default_params() -> list[Parameter]:
    return [global_parameter(name) for name in FITTED]


def held_values(scenarios: Sequence[Scenario], params: Sequence[Parameter]) -> dict[str, float | None]:
    """The value at which a fit of ``params`` holds each global parameter it does not fit: the
    scenarios' own (the shipped defaults, with any ``[decision]`` or ``[negotiation]`` override),
    None where the scenarios hold it at different values (no single value is what the fit used)."""
    fitted = {p.field for p in params if p.is_global}
    held: dict[str, float | None] = {}
    for name in SPECS:
        if name in fitted:
            continue
        seen = {float(getattr(s.parameters, name)) for s in scenarios}
        held[name] = seen.pop() if len(seen) == 1 else None
    return held


def prior_center(params: Sequence[Parameter], scenarios: Sequence[Scenario] = ()) -> np.ndarray:
    """Prior centres and starting values: the judgement values of :mod:`sim.parameters` for the
    globals; for a member's stance, its value in the first scenario seating it."""
    values = []
    for p in params:
        if p.is_global:
            values.append(SPECS[p.field].prior_center)
            continue
        value = 0.5
        for scenario in scenarios:
            profile = next((m for m in scenario.members if m.code == p.code), None)
            if profile is not None and p.field in profile.stances:
                value = profile.stances[p.field].center
                break
        values.append(value)
    return np.clip(np.array(values, dtype=float), [p.low for p in params], [p.high for p in params])


@dataclass
class Objective:
    """Penalised negative log-likelihood of the records of ``scenarios`` at parameter points."""

    scenarios: Sequence[Scenario]
    params: Sequence[Parameter]
    center: np.ndarray
    prior_sd: float
    evaluations: int = 0
    evaluated: Callable[[int], None] | None = None
    """Told how many parameter points each likelihood call evaluated (a progress bar's hook)."""

    def __post_init__(self) -> None:
        self.low = np.array([p.low for p in self.params])
        self.high = np.array([p.high for p in self.params])
        self.log_scale = np.array([p.log_scale for p in self.params])
        self.widths = np.array([SPECS[p.field].prior_sd if p.is_global else 0.2 for p in self.params])

    def log_likelihood(self, points: np.ndarray) -> np.ndarray:
        self.evaluations += points.shape[1]
        values = total_log_likelihood(self.scenarios, self.params, points)
        if self.evaluated is not None:
            self.evaluated(points.shape[1])
        return values

    def penalty(self, points: np.ndarray) -> np.ndarray:
        if self.prior_sd <= 0:
            return np.zeros(points.shape[1])
        transformed = np.where(self.log_scale[:, None], np.log(np.maximum(points, 1e-12)), points)
        center = np.where(self.log_scale, np.log(self.center), self.center)
        widths = (self.widths * self.prior_sd)[:, None]
        return 0.5 * np.sum(((transformed - center[:, None]) / widths) ** 2, axis=0)

    def negative(self, points: np.ndarray) -> np.ndarray:
        return -self.log_likelihood(points) + self.penalty(points)

    # The optimiser works on y = log(x) for scale parameters (stake weight, noise scale,
    # half-lives) and y = x for the others, so that a step means the same everywhere.

    def to_search(self, x: np.ndarray) -> np.ndarray:
        return np.where(self.log_scale, np.log(np.maximum(x, 1e-300)), x)

    def from_search(self, y: np.ndarray) -> np.ndarray:
        return np.where(self.log_scale, np.exp(y), y)

    def search_bounds(self) -> list[tuple[float, float]]:
        low, high = self.to_search(self.low), self.to_search(self.high)
        return list(zip(low.tolist(), high.tolist()))

    def value_and_gradient(self, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Central differences in the search space (one-sided at a bound), all points in one
        model run per file."""
        n = len(y)
        low, high = self.to_search(self.low), self.to_search(self.high)
        up = np.minimum(y + GRADIENT_STEP, high)
        down = np.maximum(y - GRADIENT_STEP, low)
        points = np.repeat(y[:, None], 1 + 2 * n, axis=1)
        for i in range(n):
            points[i, 1 + i] = up[i]
            points[i, 1 + n + i] = down[i]
        values = self.negative(self.from_search(points.T).T)
        gradient = (values[1 : 1 + n] - values[1 + n :]) / np.maximum(up - down, 1e-300)
        return float(values[0]), gradient

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """Central-difference Hessian of the penalised negative log-likelihood at ``x``."""
        n = len(x)
        h = HESSIAN_STEP * np.maximum(1.0, np.abs(x))
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
        values = self.negative(np.stack(columns, axis=1))
        f0 = values[0]
        hess = np.zeros((n, n))
        for i in range(n):
            hess[i, i] = (values[1 + 2 * i] - 2 * f0 + values[2 + 2 * i]) / h[i] ** 2
        offset = 1 + 2 * n
        for k, (i, j) in enumerate(pairs):
            pp, pm, mp, mm = values[offset + 4 * k : offset + 4 * k + 4]
            hess[i, j] = hess[j, i] = (pp - pm - mp + mm) / (4 * h[i] * h[j])
        return hess


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
    held: dict[str, float | None] = field(default_factory=dict)
    """The global parameters not fitted, at the values the fit held them (:func:`held_values`)."""

    def table(self) -> list[dict[str, Any]]:
        return [
            {
                "param": p.key,
                "start": float(start),
                "value": float(value),
                "std_error": None if not np.isfinite(se) else float(se),
                "at_bound": bool(bound),
            }
            for p, start, value, se, bound in zip(
                self.params, self.start, self.values, self.std_errors, self.at_bound
            )
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": list(self.files),
            "params": self.table(),
            "fitted_numbers": len(self.params),
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
    prior_sd: float = DEFAULT_PRIOR_SD,
    uncertainty: bool = True,
    max_iterations: int = 400,
    start: np.ndarray | None = None,
    evaluated: Callable[[int], None] | None = None,
) -> FitResult:
    """Maximum penalised likelihood of the records of ``scenarios`` over ``params``, from the
    priors' centres (or from ``start``, e.g. an earlier fit on a subset of the same record).
    ``evaluated(n)`` is called after every ``n`` parameter points (progress)."""
    began = time.perf_counter()
    center = prior_center(params, scenarios)
    objective = Objective(scenarios, params, center=center, prior_sd=prior_sd, evaluated=evaluated)
    x0 = center.copy() if start is None else np.clip(np.asarray(start, float), objective.low, objective.high)
    result = minimize(
        objective.value_and_gradient,
        objective.to_search(x0),
        jac=True,
        method="L-BFGS-B",
        bounds=objective.search_bounds(),
        options={"maxiter": max_iterations, "ftol": 1e-10, "gtol": 1e-6},
    )
    x = np.clip(objective.from_search(result.x), objective.low, objective.high)
    ll = objective.log_likelihood(np.stack([x, center], axis=1))
    at_bound = (x <= objective.low + 1e-6) | (x >= objective.high - 1e-6)
    std_errors = np.full(len(x), np.nan)
    if uncertainty:
        std_errors = _standard_errors(objective, x, at_bound)
    return FitResult(
        params=tuple(params),
        start=center,
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
        held=held_values(scenarios, params),
    )


def _standard_errors(objective: Objective, x: np.ndarray, at_bound: np.ndarray) -> np.ndarray:
    std_errors = np.full(len(x), np.nan)
    free = ~at_bound
    if not free.any():
        return std_errors
    hess = objective.hessian(x)[np.ix_(free, free)]
    try:
        inverse = np.linalg.pinv(hess, rcond=1e-8)
    except np.linalg.LinAlgError:
        return std_errors
    diag = np.diag(inverse)
    ok = (np.diag(hess) > 1e-8) & (diag > 0)
    std_errors[np.flatnonzero(free)[ok]] = np.sqrt(diag[ok])
    # An error wider than the parameter's whole range says only that the record does not pin
    # the value down: report it as not identified rather than as a number.
    std_errors[std_errors > (objective.high - objective.low)] = np.nan
    return std_errors


# ------------------------------------------------------------------------ the whole calibration


@dataclass(frozen=True)
class CalibrationReport:
    fit: FitResult
    at_fit: list[FileComparison]
    at_start: list[FileComparison]
    rolling: list[RollingForecast] | None = None
    baselines: dict[str, dict[str, Any]] | None = None
    written: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": __version__,
            "fit": self.fit.to_dict(),
            "files": [c.to_dict() for c in self.at_fit],
            "total": totals(self.at_fit),
            "total_at_start": totals(self.at_start),
            "written": self.written,
        }
        if self.rolling is not None:
            from sim.rolling import rolling_summary

            data["rolling"] = rolling_summary(self.rolling)
            data["baselines"] = self.baselines
        return data


def calibrate(
    scenarios: Sequence[Scenario],
    params: Sequence[Parameter],
    prior_sd: float = DEFAULT_PRIOR_SD,
    with_rolling: bool = False,
    progress: Callable[[int, int], None] | None = None,
    evaluated: Callable[[int], None] | None = None,
    workers: int = 1,
) -> CalibrationReport:
    """Fit on every decision, score each at the fit; optionally the rolling forecast, its fits on
    ``workers`` local processes. ``evaluated(n)`` follows the main fit (parameter points),
    ``progress(done, total)`` the rolling forecast (decisions)."""
    ordered = by_date(scenarios)
    result = fit(ordered, params, prior_sd=prior_sd, evaluated=evaluated)
    at_fit = [analytic_comparison(s, params, result.values) for s in ordered]
    at_start = [analytic_comparison(s, params, result.start) for s in ordered]
    forecasts = baselines = None
    if with_rolling:
        from sim.rolling import rolling, rolling_baselines

        forecasts = rolling(ordered, params, prior_sd=prior_sd, progress=progress, workers=workers)
        baselines = rolling_baselines(ordered)
    return CalibrationReport(result, at_fit, at_start, forecasts, baselines)


__all__ = [
    "CalibrationError",
    "CalibrationReport",
    "DEFAULT_PARAMS",
    "FitResult",
    "Objective",
    "calibrate",
    "default_params",
    "fit",
    "held_values",
    "parse_params",
    "prior_center",
]


# `sim.calibrate(...)` is the public call sim.api.calibrate; the module stays importable as before.
from sim.api import callable_module  # noqa: E402

callable_module(__name__)
