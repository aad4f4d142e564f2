"""Fitting the model's free parameters to the record, and the rolling-origin forecast.

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

**Rolling-origin evaluation** (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*,
ch. 5): for every decision from ``ROLLING_FROM`` on, fit on the decisions strictly before its
date (from the same priors and starting values, which come from no decision) and predict it. The
stances come from General Assembly positions of the decision's own year or earlier, the situation
from series dated up to the decision: nothing later than the date shapes the forecast.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from scipy.optimize import minimize

from sim import __version__
from sim.compare import FileComparison, by_date, record_of, totals
from sim.likelihood import (
    ANALYTIC_FLOOR,
    CalibrationError,
    Parameter,
    analytic_comparison,
    global_parameter,
    parse_params,
    total_log_likelihood,
)
from sim.parameters import FITTED, SPECS, parameters_text
from sim.scenario import Scenario
from sim.situation import parse_date

DEFAULT_PARAMS: tuple[str, ...] = tuple(f"decision.{name}" for name in FITTED)
"""What ``calibrate`` fits unless told otherwise: every fitted global parameter."""
DEFAULT_PRIOR_SD = 2.0
ROLLING_FROM = "2009-01-01"
GRADIENT_STEP = 1e-5
HESSIAN_STEP = 1e-3


def default_params() -> list[Parameter]:
    return [global_parameter(name) for name in FITTED]


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


# ------------------------------------------------------------------------ rolling forecast

@dataclass(frozen=True)
class RollingForecast:
    """One decision forecast from a fit on the decisions strictly before its date."""

    comparison: FileComparison
    trained_on: int
    values: np.ndarray


def _date(scenario: Scenario) -> _dt.date:
    return parse_date(record_of(scenario).date)


def rolling(
    scenarios: Sequence[Scenario],
    params: Sequence[Parameter],
    prior_sd: float = DEFAULT_PRIOR_SD,
    start: str = ROLLING_FROM,
    progress: Callable[[int, int], None] | None = None,
) -> list[RollingForecast]:
    """For each decision dated ``start`` or later: fit on the earlier ones, predict it. Each fit
    starts where the previous one (on fewer, earlier decisions) ended: nothing later enters."""
    ordered = by_date(scenarios)
    first = parse_date(start)
    targets = [s for s in ordered if _date(s) >= first]
    forecasts: list[RollingForecast] = []
    cache: dict[int, np.ndarray] = {}
    previous: np.ndarray | None = None
    for k, target in enumerate(targets):
        training = [s for s in ordered if _date(s) < _date(target)]
        n = len(training)
        if n not in cache:
            cache[n] = (
                fit(training, params, prior_sd=prior_sd, uncertainty=False, start=previous).values
                if training
                else prior_center(params, ordered)
            )
            previous = cache[n]
        values = cache[n]
        forecasts.append(RollingForecast(analytic_comparison(target, params, values), n, values))
        if progress is not None:
            progress(k + 1, len(targets))
    return forecasts


def rolling_summary(forecasts: Sequence[RollingForecast]) -> dict[str, Any]:
    comparisons = [f.comparison for f in forecasts]
    briers = [c.brier for c in comparisons if c.brier is not None]
    return {
        "decisions": len(comparisons),
        "outcomes_right": int(sum(c.outcome_correct for c in comparisons)),
        "event_log_likelihood": float(sum(c.event_log_likelihood for c in comparisons)),
        "brier": float(np.mean(briers)) if briers else None,
        "files": [
            {
                "file": c.file,
                "symbol": c.symbol,
                "date": c.date,
                "predicted": c.modal_outcome
                + (" by " + "+".join(c.modal_defeaters) if c.modal_defeaters else ""),
                "recorded": c.observed_outcome + (" by " + "+".join(c.observed_defeaters) if c.observed_defeaters else ""),
                "p_outcome": c.p_outcome,
                "outcome_right": c.outcome_correct,
                "trained_on": f.trained_on,
            }
            for f, c in zip(forecasts, comparisons)
        ],
    }


def rolling_baselines(scenarios: Sequence[Scenario], start: str = ROLLING_FROM) -> dict[str, dict[str, Any]]:
    """The baselines on the same decisions: each uses only decisions before the one it predicts
    (the ones that need no fit are rolling by construction)."""
    from sim.compare import baseline_comparisons

    ordered = by_date(scenarios)
    first = parse_date(start)
    keep = [i for i, s in enumerate(ordered) if _date(s) >= first]
    result = {}
    for name, comparisons in baseline_comparisons(ordered, ANALYTIC_FLOOR).items():
        chosen = [comparisons[i] for i in keep]
        result[name] = {
            "outcomes_right": int(sum(c.outcome_correct for c in chosen)),
            "event_log_likelihood": float(sum(c.event_log_likelihood for c in chosen)),
        }
    return result


# ------------------------------------------------------------------------ the defaults file

DEFAULTS_PATH = Path(__file__).parent / "data" / "parameters.toml"


def defaults_text(result: FitResult, command: str, today: _dt.date | None = None) -> str:
    """``sim/data/parameters.toml`` for a fit of the global parameters."""
    today = today or _dt.date.today()
    header = [
        "The model's global parameters, written by `unsc-sim calibrate` (sim/calibrate.py).",
        f"Made {today.isoformat()} with unsc-sim {__version__} by:",
        f"  {command}",
        f"{len(result.params)} numbers fitted to {len(result.files)} decisions; log-likelihood "
        f"{result.log_likelihood:.3f} at the fit, {result.start_log_likelihood:.3f} at the priors' centres.",
        f"Gaussian priors: centres and widths from sim/parameters.py (judgement, set before any fit), "
        f"widths x {result.prior_sd:g}; on the log of scale parameters.",
        "Fitted (std. error from the observed information; '-' at a bound or not identified):",
    ]
    for row in result.table():
        se = "-" if row["std_error"] is None else f"{row['std_error']:.3f}"
        header.append(f"  {row['param']:<34} {row['value']:.4f}  (se {se}; prior centre {row['start']:.4f})")
    header.append("Rerun that command to reproduce this file (tests/test_calibrate.py checks it).")
    values = {p.field: round(float(v), 6) for p, v in zip(result.params, result.values) if p.is_global}
    return parameters_text(values, header)


def defaults_command(files: Sequence[str], params: Sequence[Parameter], prior_sd: float) -> str:
    keys = ",".join(p.key for p in params)
    default = keys == ",".join(DEFAULT_PARAMS)
    return (
        "unsc-sim calibrate " + " ".join(files)
        + ("" if default else f" --params {keys}")
        + (f" --prior-sd {prior_sd:g}" if prior_sd != DEFAULT_PRIOR_SD else "")
        + " --write-defaults"
    )


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
) -> CalibrationReport:
    """Fit on every decision, score each at the fit; optionally the rolling forecast.
    ``evaluated(n)`` follows the main fit (parameter points), ``progress(done, total)`` the
    rolling forecast (decisions)."""
    ordered = by_date(scenarios)
    result = fit(ordered, params, prior_sd=prior_sd, evaluated=evaluated)
    at_fit = [analytic_comparison(s, params, result.values) for s in ordered]
    at_start = [analytic_comparison(s, params, result.start) for s in ordered]
    forecasts = baselines = None
    if with_rolling:
        forecasts = rolling(ordered, params, prior_sd=prior_sd, progress=progress)
        baselines = rolling_baselines(ordered)
    return CalibrationReport(result, at_fit, at_start, forecasts, baselines)


def format_calibration(report: CalibrationReport) -> str:
    """The human-readable output of ``unsc-sim calibrate``."""
    from sim.compare import BASELINE_LABELS, describe_forecast, describe_record, format_files

    r = report.fit
    lines = [
        f"Calibration: {len(r.params)} numbers fitted to {len(r.files)} decisions (penalised maximum "
        f"likelihood, priors sd {r.prior_sd:g} centred on judgement values; exact likelihood)",
        f"  {'converged' if r.converged else 'NOT converged'} ({r.message}); {r.evaluations:,} "
        f"parameter points evaluated in {r.seconds:.1f} s",
        f"  log-likelihood of the records: {r.log_likelihood:.3f} at the fit, "
        f"{r.start_log_likelihood:.3f} at the priors' centres",
        "",
        f"  {'parameter':<34}  {'prior':>7}  {'fitted':>8}  {'std. error':>10}",
    ]
    for row in r.table():
        se = row["std_error"]
        se_text = f"{se:10.3f}" if se is not None else ("  at bound" if row["at_bound"] else "         -")
        lines.append(f"  {row['param']:<34}  {row['start']:>7.3f}  {row['value']:>8.3f}  {se_text}")
    lines += ["", "  Every decision at the fitted values (in-sample, exact probabilities):", *format_files(report.at_fit)]
    fit_total = totals(report.at_fit)
    lines.append(f"  in-sample outcomes right: {fit_total['outcomes_correct']}/{fit_total['files']}")
    if report.rolling is not None:
        summary = rolling_summary(report.rolling)
        lines += [
            "",
            "  Rolling forecast: each decision predicted by a fit on the decisions before its date:",
            f"  {'date':<10}  {'decision':<24}  {'record':<22}  {'predicted':<22}  {'p(out)':>6}  ok",
        ]
        for f in report.rolling:
            c = f.comparison
            lines.append(
                f"  {c.date:<10}  {c.symbol[:24]:<24}  {describe_record(c)[:22]:<22}  "
                f"{describe_forecast(c)[:22]:<22}  {c.p_outcome:>6.3f}  {'yes' if c.outcome_correct else 'NO'}"
            )
        lines.append(
            f"  out of sample: {summary['outcomes_right']}/{summary['decisions']} outcomes right, "
            f"event log-likelihood {summary['event_log_likelihood']:.2f}, Brier {summary['brier']:.3f}"
        )
        for name, scores in (report.baselines or {}).items():
            label = BASELINE_LABELS.get(name, name)
            lines.append(
                f"  baseline {label:<34} {scores['outcomes_right']}/{summary['decisions']} outcomes right, "
                f"event log-likelihood {scores['event_log_likelihood']:.2f}"
            )
    if report.written:
        lines += ["", f"  Parameters written to {report.written}"]
    return "\n".join(lines)


def write_defaults(path: str | Path, text: str) -> Path:
    """Write atomically, after checking the text reads as a parameters file."""
    import tomllib

    from sim.files import atomic_write_text

    tomllib.loads(text)
    return atomic_write_text(path, text)


__all__ = [
    "CalibrationError",
    "CalibrationReport",
    "DEFAULT_PARAMS",
    "FitResult",
    "Objective",
    "RollingForecast",
    "calibrate",
    "default_params",
    "defaults_command",
    "defaults_text",
    "fit",
    "format_calibration",
    "parse_params",
    "prior_center",
    "rolling",
    "rolling_baselines",
    "rolling_summary",
    "write_defaults",
]


# `sim.calibrate(...)` is the public call sim.api.calibrate; the module stays importable as before.
from sim.api import callable_module  # noqa: E402

callable_module(__name__)
