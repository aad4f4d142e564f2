"""The rolling-origin forecast: every decision predicted by a fit on the decisions before it.

Following Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, ch. 5: for every
decision from ``ROLLING_FROM`` on, fit on the decisions strictly before its date (from the same
priors and starting values, which come from no decision) and predict it. The stances come from
General Assembly positions of the decision's own year or earlier, the situation from series dated
up to the decision: nothing later than the date shapes the forecast. The fitting itself is
:mod:`sim.calibrate`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.calibrate import DEFAULT_PRIOR_SD, fit, prior_center
from sim.compare import FileComparison, by_date, record_of
from sim.likelihood import ANALYTIC_FLOOR, CalibrationError, Parameter, analytic_comparison
from sim.scenario import Scenario
from sim.situation import parse_date

ROLLING_FROM = "2009-01-01"
"""The first decision the rolling forecast predicts."""


@dataclass(frozen=True)
class RollingForecast:
    """One decision forecast from a fit on the decisions strictly before its date."""

    comparison: FileComparison
    trained_on: int
    values: np.ndarray


def _date(scenario: Scenario) -> _dt.date:
    """The date of the decision a history file records."""
    return parse_date(record_of(scenario).date)


def rolling(
    scenarios: Sequence[Scenario],
    params: Sequence[Parameter],
    prior_sd: float = DEFAULT_PRIOR_SD,
    start: str = ROLLING_FROM,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> list[RollingForecast]:
    """For each decision dated ``start`` or later: fit on the earlier ones, predict it. Every fit
    starts from the priors' centres, as the fit of the shipped parameters does: nothing later
    enters, and no forecast depends on the path of earlier fits. (Starting each fit where the
    previous one ended, as this function did until December 2026, stopped at worse optima on some
    training sets, with a higher penalised negative log-likelihood, and forecast one decision
    more, the 2022 veto, by that luck; the better of both starts gives what the cold starts give.)

    The fits are independent, so ``workers`` local processes may run them at once; each fit is
    the same computation wherever it runs, so the forecast does not depend on ``workers``."""
    ordered = by_date(scenarios)
    first = parse_date(start)
    targets = [s for s in ordered if _date(s) >= first]
    sizes = [sum(1 for s in ordered if _date(s) < _date(target)) for target in targets]
    done = 0

    def fitted_on(n: int) -> None:  # every target trained on the first n decisions is ready
        nonlocal done
        done += sizes.count(n)
        if progress is not None:
            progress(done, len(targets))

    fitted = _fits(ordered, sorted(set(sizes)), params, prior_sd, workers, fitted_on)
    forecasts = []
    for target, n in zip(targets, sizes):
        values = fitted[n] if n else prior_center(params, ordered)
        forecasts.append(RollingForecast(analytic_comparison(target, params, values), n, values))
    return forecasts


def _fit_values(training: Sequence[Scenario], params: Sequence[Parameter], prior_sd: float) -> np.ndarray:
    """The fitted values on ``training`` (a worker process's task)."""
    return fit(training, params, prior_sd=prior_sd, uncertainty=False).values


def _fits(
    ordered: Sequence[Scenario],
    sizes: Sequence[int],
    params: Sequence[Parameter],
    prior_sd: float,
    workers: int,
    fitted_on: Callable[[int], None],
) -> dict[int, np.ndarray]:
    """The fit on the first ``n`` decisions of ``ordered``, for each ``n`` of ``sizes`` (none
    for 0), in this process or on ``workers`` local processes (the largest training sets first:
    they take longest); ``fitted_on(n)`` as each is ready, in any order."""
    wanted = [n for n in sizes if n > 0]
    if 0 in sizes:
        fitted_on(0)
    if workers <= 1 or len(wanted) <= 1:
        fitted = {}
        for n in wanted:
            fitted[n] = _fit_values(ordered[:n], params, prior_sd)
            fitted_on(n)
        return fitted
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    from sim.sweep.executors.processes import local_pool, shutdown, single_threaded_children, submit

    pool = local_pool(min(workers, len(wanted)))
    try:
        with single_threaded_children():  # the workers start as the tasks are submitted
            futures = {
                n: submit(pool, _fit_values, list(ordered[:n]), list(params), prior_sd)
                for n in sorted(wanted, reverse=True)
            }
        sizes_of = {future: n for n, future in futures.items()}
        fitted = {}
        for future in as_completed(sizes_of):
            fitted[sizes_of[future]] = future.result()
            fitted_on(sizes_of[future])
        return fitted
    except BrokenProcessPool as exc:
        raise CalibrationError(
            [f"--workers: a worker process died ({exc}); rerun, or use --workers 1"]
        ) from None
    finally:
        shutdown(pool)


def rolling_summary(forecasts: Sequence[RollingForecast]) -> dict[str, Any]:
    """The out-of-sample totals and one row per decision (the ``rolling`` part of the JSON)."""
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
                "recorded": c.observed_outcome
                + (" by " + "+".join(c.observed_defeaters) if c.observed_defeaters else ""),
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
    from sim.baselines import baseline_comparisons

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
