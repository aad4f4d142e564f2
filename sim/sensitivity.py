"""Global sensitivity of a sweep metric to scenario keys, with SALib: Sobol or Morris.

A sweep answers "how does P(vetoed) move along these axes"; sensitivity answers "which of these
keys matter, alone and through interactions, over their whole ranges". The sample comes from
SALib (Saltelli's extension of Sobol' sequences for Sobol indices, Morris trajectories for the
elementary effects), every sample point is a sweep point run on the lanes engine
(:mod:`sim.sweep.lanes`) with the sweep's workers, cluster and resumption, and the sweep's
metric column (``p_vetoed``, ``CHN_no``, ...) is handed to SALib's analysis.

**Seeds.** SALib draws the sample from ``seed`` (scrambled Sobol' sequence, Morris trajectories)
and its bootstrap from ``seed``; the lanes draw from the lanes engine's block seeds of the same
seed. Same command, same numbers, whatever the workers.

**Monte Carlo noise.** Each point's metric is a share of ``R`` replicates, so it carries binomial
noise of variance about p(1-p)/R. That noise is variance no key explains: it lowers first-order
indices a little and adds about (noise variance / metric variance) to every total index. The
report prints that ratio (``noise_share``); more replicates shrink it.

**A metric that never varies.** If the metric takes one value at every sample point (a draft
Russia vetoes whatever China's stance; ``p_vetoed`` of a statement, which is blocked, never
vetoed), Sobol indices, shares of a variance of 0, are undefined: they are NaN in the table, null
in JSON, and the report says why; Morris effects are then 0, as they should be. The default
metric follows the decision rule (:func:`default_metric`): ``p_vetoed`` for a resolution,
``p_blocked`` for a consensus body (statement, committee), ``p_failed`` for a procedural vote.
"""

from __future__ import annotations

import math
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import InputError
from sim.presets import read_scenario_toml
from sim.results import write_table
from sim.rules import OUTCOME_LABELS, DecisionRule, rule_for
from sim.runner import CHUNK_LANES
from sim.scenario import load_scenario
from sim.sweep import Sweep, SweepReport, check_points, run_sweep
from sim.sweep.design import BOUNDS_SPEC, Design, DesignError, Parameter, key_info, parse_parameter
from sim.sweep.lanes import lane_key, lane_problems
from sim.sweep.plan import value_text

Method = Literal["sobol", "morris"]
METHODS: tuple[str, ...] = ("sobol", "morris")
DEFAULT_SAMPLES = {"sobol": 1024, "morris": 200}
"""Sobol: base samples N (points N (D + 2)); Morris: trajectories (points r (D + 1))."""
DEFAULT_REPLICATES = 1_000
MORRIS_LEVELS = 4
BOOTSTRAP = 100
"""Bootstrap resamples behind the 95% confidence intervals."""
MAX_SAMPLE_POINTS = 1_000_000


class SensitivityError(InputError):
    """Bad sensitivity input: one line per problem, each naming the option or key."""


@dataclass(frozen=True)
class SensitivityPlan:
    """A validated sensitivity analysis: the sample as a lanes sweep, and what to compute."""

    sweep: Sweep
    method: Method
    metric: str
    samples: int
    sample: np.ndarray
    """(points, keys) the SALib sample."""
    metric_note: str = ""
    """Why this metric when none was asked for ("the default: a statement is decided by consensus: ..."), else ""."""

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem definition."""
        parameters = self.sweep.design.parameters
        return {
            "num_vars": len(parameters),
            "names": [p.key for p in parameters],
            "bounds": [[p.low, p.high] for p in parameters],
        }


@dataclass(frozen=True)
class SensitivityResult:
    """The indices (one row per key) and how they were obtained."""

    plan: SensitivityPlan
    indices: pd.DataFrame
    report: SweepReport
    metric_variance: float
    noise_share: float | None
    """Binomial noise variance over the metric's variance; None when the metric never varies."""
    seconds: float
    constant: float | None = None
    """The metric's one value when it takes the same value at every sample point, else None."""

    @property
    def note(self) -> str:
        """What a metric that never varies means for the indices, and why it may not vary; ""."""
        if self.constant is None:
            return ""
        plan = self.plan
        points = len(plan.sweep.points)
        what = (
            "the Sobol indices are undefined (shares of a variance of 0)"
            if plan.method == "sobol"
            else "every elementary effect is 0"
        )
        why = never_happens(plan.metric, scenario_rule(plan.sweep.scenario))
        return (
            f"{plan.metric} is {self.constant:.4g} at every one of the {points:,} sample points: it is "
            f"constant over the sample, so {what}: no key moves it over these ranges"
            + (f"; {why}" if why else "")
        )

    def metadata(self) -> dict[str, Any]:
        sweep = self.plan.sweep
        return {
            "table": "sensitivity",
            "method": self.plan.method,
            "metric": self.plan.metric,
            **({"metric_note": self.plan.metric_note} if self.plan.metric_note else {}),
            "scenario": sweep.scenario.name,
            "scenario_file": sweep.scenario.path,
            "scenario_fingerprint": sweep.scenario.fingerprint(),
            "parameters": [p.describe() for p in sweep.design.parameters],
            "samples": self.plan.samples,
            "points": len(sweep.points),
            "replicates": sweep.replicates,
            "seed": sweep.seed,
            "lanes": sweep.total_lanes,
            "metric_variance": self.metric_variance,
            "noise_share": _finite(self.noise_share),
            "metric_constant": self.constant is not None,
            **({"note": self.note} if self.note else {}),
            "confidence": "95% bootstrap (SALib), half-width in the *_conf columns",
            "version": __version__,
        }

    def summary(self, runner: str = "") -> dict[str, Any]:
        """JSON-ready (``--json``)."""
        return {
            **self.metadata(),
            "seconds": round(self.seconds, 3),
            "decisions_per_s": round(self.report.decisions_per_s),
            "runner": runner,
            "indices": [
                {name: _finite(value) for name, value in row.items()}
                for row in self.indices.to_dict(orient="records")
            ],
        }

    def describe(self, runner: str = "") -> str:
        """The table as text."""
        plan, sweep = self.plan, self.plan.sweep
        keys = len(sweep.design.parameters)
        if plan.method == "sobol":
            design = f"Saltelli sample, N = {plan.samples:,} x ({keys} keys + 2)"
        else:
            design = f"Morris, {plan.samples:,} trajectories x ({keys} keys + 1), {MORRIS_LEVELS} levels"
        because = f" ({plan.metric_note})" if plan.metric_note else ""
        lines = [
            f"{'Sobol indices' if plan.method == 'sobol' else 'Morris elementary effects'} of "
            f"{plan.metric}{because} for {sweep.scenario.name}",
            f"  {design} = {len(sweep.points):,} points x {sweep.replicates:,} replicates "
            f"({sweep.total_lanes:,} lanes), seed {sweep.seed}",
            "",
        ]
        width = max(len("key"), *(len(k) for k in self.indices["key"]))
        columns = (
            ["S1", "S1_conf", "ST", "ST_conf"]
            if plan.method == "sobol"
            else ["mu_star", "mu_star_conf", "mu", "sigma"]
        )
        heads = {"S1_conf": "+-95%", "ST_conf": "+-95%", "mu_star": "mu*", "mu_star_conf": "+-95%"}
        lines.append(f"  {'key':<{width}}  " + "  ".join(f"{heads.get(c, c):>7}" for c in columns))
        for _, row in self.indices.iterrows():
            lines.append(f"  {row['key']:<{width}}  " + "  ".join(f"{_number(row[c]):>7}" for c in columns))
        lines.append("")
        if self.constant is not None:
            lines.append(f"  {self.note}")
        else:
            if plan.method == "sobol":
                lines.append(
                    f"  sum of S1 = {self.indices['S1'].sum():.3f} (the rest is interactions and noise); "
                    f"widest interval: +-{max(self.indices['S1_conf'].max(), self.indices['ST_conf'].max()):.3f}"
                )
            noise = "" if self.noise_share is None else f"; binomial noise {self.noise_share:.1%} of it"
            lines.append(f"  variance of {plan.metric} over the sample {self.metric_variance:.4f}{noise}")
        lines.append(
            f"  {self.seconds:.1f} s{f' on {runner}' if runner else ''} "
            f"({self.report.decisions_per_s:,.0f} decisions/s)"
        )
        return "\n".join(lines)


def _finite(value: Any) -> Any:
    """``value`` for JSON: a NaN or infinite number (an undefined index or ratio) as None."""
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        return None
    return value


def _number(value: Any) -> str:
    """An index as the table prints it: 3 decimals, or "-" where it is undefined."""
    return f"{value:.3f}" if math.isfinite(value) else "-"


# ---------------------------------------------------------------------------- planning


def metric_alias(metric: str) -> str:
    """The sweep-table column a metric name stands for: ``vetoed`` is ``p_vetoed``, ``no:CHN`` is
    ``CHN_no``; any other name as given (stripped). The one reading of metric names, shared by
    ``sensitivity``, ``discover`` and ``plot``; it checks nothing (see :func:`metric_column`)."""
    text = metric.strip()
    if text in OUTCOME_LABELS:
        return f"p_{text}"
    if ":" in text:
        vote, _, code = text.partition(":")
        return f"{code.strip()}_{vote.strip()}"
    return text


def scenario_rule(scenario: Any) -> DecisionRule:
    """The decision rule of a loaded scenario's draft."""
    spec = scenario.spec
    return rule_for(spec.proposal.kind, spec.council.quota)


def default_metric(rule: DecisionRule) -> str:
    """How a draft is defeated under ``rule``: ``p_vetoed`` (a resolution), ``p_blocked`` (a
    consensus body: a statement or a committee), ``p_failed`` (a procedural vote, which has no
    veto)."""
    if rule.consensus:
        return "p_blocked"
    return "p_vetoed" if rule.permanent_veto else "p_failed"


KIND_NAMES = {
    "resolution": "resolution",
    "procedural": "procedural vote",
    "committee": "committee decision",
    "statement": "statement",
}


def rule_text(rule: DecisionRule) -> str:
    """How ``rule`` defeats a draft, in words: "a statement is decided by consensus: a draft is
    blocked, never vetoed"."""
    kind = KIND_NAMES.get(rule.kind, rule.kind)
    if rule.consensus:
        return f"a {kind} is decided by consensus: a draft is blocked, never vetoed"
    if rule.permanent_veto:
        return f"a {kind} is put to a vote: a draft is vetoed or fails, never blocked"
    return f"a {kind} is put to a vote without veto: a draft fails, never vetoed or blocked"


def never_happens(metric: str, rule: DecisionRule) -> str:
    """Why an outcome metric is 0 under ``rule`` whatever the keys ("a statement is decided by
    consensus: a draft is blocked, never vetoed (metric p_blocked)"), or "" if it can happen."""
    outcome = metric.removeprefix("p_") if metric.startswith("p_") else ""
    impossible = (
        {"vetoed", "failed"}
        if rule.consensus
        else {"blocked"}
        if rule.permanent_veto
        else {"vetoed", "blocked"}
    )
    if outcome not in impossible:
        return ""
    return f"{rule_text(rule)} (metric {default_metric(rule)})"


def metric_column(metric: str, codes: Sequence[str]) -> str:
    """The sweep-table column of ``metric``: ``p_vetoed`` (or ``vetoed``), ``CHN_no`` (or
    ``no:CHN``); :class:`SensitivityError` listing the choices otherwise."""
    text = metric_alias(metric)
    choices = [f"p_{o}" for o in OUTCOME_LABELS] + [
        f"{c}_{v}" for c in codes for v in ("yes", "no", "abstain")
    ]
    if text not in choices:
        raise SensitivityError(
            [
                f"metric: unknown metric {metric!r} (one of {', '.join(choices[: len(OUTCOME_LABELS)])}, "
                f"or CODE_yes / CODE_no / CODE_abstain (also no:CODE) for a member of this council, "
                f"e.g. {codes[0]}_no)"
            ]
        )
    return text


def _bounds(params: Sequence[str]) -> list[Parameter]:
    """``--param KEY=LOW:HIGH`` options: known number keys with low < high, one problem per line."""
    problems: list[str] = []
    parameters: list[Parameter] = []
    for option in params:
        key, sep, spec = (part.strip() for part in option.partition("="))
        where = f"params {key}"
        if not sep or not key:
            problems.append(f"params {option}: expected KEY=LOW:HIGH (e.g. members.CHN.pressure=0:1)")
            continue
        try:
            key_info(key, where)
            if not BOUNDS_SPEC.match(spec):
                raise DesignError([f"{where}: expected bounds LOW:HIGH (e.g. {key}=0:1), got {spec!r}"])
            parameter = parse_parameter(key, spec, "random", where=where)
        except DesignError as exc:
            problems.extend(exc.problems)
            continue
        lanes = lane_problems([key], [parameter.kind], None, label="params ", advice="")
        if lanes:
            problems.extend(lanes)
        elif not parameter.low < parameter.high:  # type: ignore[operator]
            problems.append(f"{where}: low must be below high, got {spec!r}")
        else:
            parameters.append(parameter)
    if not params:
        problems.append("params: give at least one KEY=LOW:HIGH")
    keys = [p.key for p in parameters]
    problems.extend(f"params {k}: given twice" for k in sorted({k for k in keys if keys.count(k) > 1}))
    if problems:
        raise SensitivityError(problems)
    return parameters


def draw_sample(method: Method, problem: dict[str, Any], samples: int, seed: int) -> np.ndarray:
    """The SALib sample, (points, keys)."""
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)


def load_sensitivity(
    path: str | Path,
    params: Sequence[str],
    method: str = "sobol",
    metric: str | None = None,
    samples: int | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = 0,
    chunk_lanes: int = CHUNK_LANES,
) -> SensitivityPlan:
    """Check the options, draw the sample and validate it as a lanes sweep; nothing runs.
    ``metric`` None: the draft's defeat under its decision rule (:func:`default_metric`)."""
    path = Path(path)
    problems: list[str] = []
    if method not in METHODS:
        problems.append(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    samples = samples if samples is not None else DEFAULT_SAMPLES.get(method, 1)
    if samples < 2:
        problems.append(f"samples: must be at least 2, got {samples}")
    elif method == "sobol" and samples & (samples - 1):
        low = 1 << (samples.bit_length() - 1)
        problems.append(
            f"samples: Sobol' sequences need a power of 2, got {samples} (e.g. {low} or {low * 2})"
        )
    if replicates < 1:
        problems.append(f"replicates: must be at least 1, got {replicates}")
    if seed < 0:
        problems.append(f"seed: must be a non-negative integer, got {seed}")
    try:
        parameters = _bounds(params)
    except SensitivityError as exc:
        problems.extend(exc.problems)
        parameters = []
    if problems:
        raise SensitivityError(problems)
    scenario = load_scenario(path)
    raw = read_scenario_toml(path)  # extends resolved, as load_scenario does
    note = ""
    if metric is None:
        rule = scenario_rule(scenario)
        column = default_metric(rule)
        if column != "p_vetoed":
            note = f"the default: {rule_text(rule)}"
    else:
        column = metric_column(metric, scenario.codes)
    lanes = lane_problems(
        [p.key for p in parameters], [p.kind for p in parameters], scenario.codes, label="params ", advice=""
    )
    lanes += _first_draft_measures(scenario, parameters)
    if lanes:
        raise SensitivityError(lanes)
    keys = len(parameters)
    size = samples * (keys + 2 if method == "sobol" else keys + 1)
    if size > MAX_SAMPLE_POINTS:
        raise SensitivityError([f"samples: {size:,} points is more than {MAX_SAMPLE_POINTS:,}"])
    problem = {
        "num_vars": keys,
        "names": [p.key for p in parameters],
        "bounds": [[p.low, p.high] for p in parameters],
    }
    corners = tuple({p.key: float(getattr(p, end)) for p in parameters} for end in ("low", "high"))
    try:
        check_points(
            Sweep(
                scenario,
                raw,
                path.parent,
                Design(method, tuple(parameters), 2),  # type: ignore[arg-type]
                corners,
                replicates,
                seed,
                chunk_lanes,
                engine="lanes",
            )
        )  # the bounds themselves, named as given
    except InputError as exc:
        raise SensitivityError(_key_problems(exc.problems, parameters)) from None
    sample = draw_sample(method, problem, samples, seed)  # type: ignore[arg-type]
    points = tuple({p.key: float(v) for p, v in zip(parameters, row)} for row in sample)
    design = Design(name=method, parameters=tuple(parameters), samples=len(points))  # type: ignore[arg-type]
    sweep = Sweep(scenario, raw, path.parent, design, points, replicates, seed, chunk_lanes, engine="lanes")
    check_points(sweep)
    return SensitivityPlan(sweep, method, column, samples, sample, note)  # type: ignore[arg-type]


def _first_draft_measures(scenario: Any, parameters: Sequence[Parameter]) -> list[str]:
    """A measure's number varies per lane only in a final draft: in a first draft with rounds of
    talks the penholder's concessions read one text for every lane. One line a key, in
    sensitivity's terms (the lanes engine's own check advises the per-point engine, which
    sensitivity does not have)."""
    spec = scenario.spec
    if spec.proposal.draft != "first" or spec.negotiation.rounds == 0:
        return []
    return [
        f"params {p.key}: a measure can be a sensitivity key only in a final draft; in this first "
        f"draft ({spec.negotiation.rounds} rounds of talks) the penholder's concessions read one "
        "text for all the sample points. Drop this `params`, or analyse the text as put to the vote "
        '(a file with [proposal] draft = "final", e.g. one that extends this one); '
        "unsc-sim sweep can vary the measure in this draft"
        for p in parameters
        if (found := lane_key(p.key)) is not None and found.kind == "measure"
    ]


def _key_problems(problems: Sequence[str], parameters: Sequence[Parameter]) -> list[str]:
    """The problems of a check of each key's bounds, a problem found at both bounds of a key
    once, naming the key (it is the key's, not a value's: ``params KEY: ...``); a problem of one
    bound keeps naming it (``params KEY=VALUE: ...``)."""
    ends = {
        f"params {p.key}={value_text(float(getattr(p, end)))}: ": p.key
        for p in parameters
        for end in ("low", "high")
    }
    parsed: list[tuple[str | None, str]] = []
    for problem in problems:
        prefix = next((prefix for prefix in ends if problem.startswith(prefix)), None)
        parsed.append((ends[prefix], problem[len(prefix) :]) if prefix else (None, problem))
    counts = Counter(parsed)
    lines: list[str] = []
    for key, text in parsed:
        if key is None:
            line = text
        elif counts[(key, text)] > 1:
            line = f"params {key}: {text}"
        else:
            line = next(problem for problem, item in zip(problems, parsed) if item == (key, text))
        if line not in lines:
            lines.append(line)
    return lines


# ----------------------------------------------------------------------------- running


def sample_path_for(out: Path) -> Path:
    """Where the evaluated sample (a sweep table) is kept beside ``--out``: resumable there."""
    return out.with_name(f"{out.stem}.sample.parquet")


def analyse(plan: SensitivityPlan, y: np.ndarray) -> pd.DataFrame:
    """SALib's analysis of the metric values ``y`` (one per sample point), one row per key."""
    problem, keys = plan.problem, plan.problem["names"]
    seed = plan.sweep.seed
    constant = len(y) > 0 and bool(np.all(y == y[0]))
    if plan.method == "sobol":
        columns = ("S1", "S1_conf", "ST", "ST_conf")
        if constant:  # shares of a variance of 0: undefined (SALib would divide by 0 and say 0)
            return pd.DataFrame({"key": keys, **{c: np.full(len(keys), np.nan) for c in columns}})
        from SALib.analyze import sobol

        with _quiet():
            result = sobol.analyze(
                problem, y, calc_second_order=False, num_resamples=BOOTSTRAP, conf_level=0.95, seed=seed
            )
    else:
        from SALib.analyze import morris

        with _quiet():
            result = morris.analyze(
                problem,
                plan.sample,
                y,
                num_resamples=BOOTSTRAP,
                conf_level=0.95,
                num_levels=MORRIS_LEVELS,
                seed=seed,
            )
        columns = ("mu_star", "mu_star_conf", "mu", "sigma")
    frame = pd.DataFrame({"key": keys, **{c: np.asarray(result[c], dtype=float) for c in columns}})
    return frame


@contextmanager
def _quiet() -> Iterator[None]:
    """SALib's numpy warnings (a division by a variance near 0) kept off stderr: the report says
    what they would."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def run_sensitivity(
    plan: SensitivityPlan,
    out: str | Path | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    restart: bool = False,
    progress: bool = False,
) -> SensitivityResult:
    """Evaluate the sample (lanes engine; resumable beside ``out``), analyse it, and write the
    indices to ``out`` (.csv or .parquet) if given."""
    started = time.perf_counter()
    out_path = Path(out) if out is not None else None
    if out_path is not None and out_path.suffix.lower() not in {".csv", ".parquet"}:
        raise SensitivityError([f"out: {out_path}: must end in .csv or .parquet"])
    with tempfile.TemporaryDirectory(prefix="unsc-sensitivity-") as scratch:
        table = sample_path_for(out_path) if out_path is not None else Path(scratch) / "sample.parquet"
        report = run_sweep(
            plan.sweep, table, workers=workers, scheduler=scheduler, restart=restart, progress=progress
        )
    y = report.frame[plan.metric].to_numpy(dtype=float)
    indices = analyse(plan, y)
    variance = float(np.var(y, ddof=1)) if len(y) > 1 else 0.0
    noise = float(np.mean(y * (1 - y)) / plan.sweep.replicates)
    constant = float(y[0]) if len(y) and bool(np.all(y == y[0])) else None
    result = SensitivityResult(
        plan=plan,
        indices=indices,
        report=report,
        metric_variance=variance,
        noise_share=noise / variance if variance > 0 else None,
        seconds=time.perf_counter() - started,
        constant=constant,
    )
    if out_path is not None:
        write_table(indices, out_path, result.metadata())
    return result


def sensitivity_plot(result: SensitivityResult) -> Any:
    """A bar chart of the indices with their 95% intervals (a :class:`sim.plots.Plot`)."""
    return indices_plot(result.indices, result.metadata())


def indices_plot(frame: pd.DataFrame, metadata: dict[str, Any]) -> Any:
    """Bars of S1 and ST (Sobol) or mu* and sigma (Morris) per key, with 95% intervals, from an
    indices table and its metadata (``unsc-sim plot`` on a ``sensitivity --out`` table too)."""
    from sim.plots import (
        Plot,
        PlotError,
        mathtext_safe,
        member_names,
        metric_label,
        new_figure,
        parameter_label,
    )

    sobol = metadata.get("method", "sobol") == "sobol"
    needed = (
        {"key", "S1", "S1_conf", "ST", "ST_conf"} if sobol else {"key", "mu_star", "mu_star_conf", "sigma"}
    )
    if not needed <= set(frame.columns):
        raise PlotError(f"sensitivity table lacks columns {sorted(needed - set(frame.columns))}")
    names = member_names(metadata)
    labels = [parameter_label(key, names) for key in frame["key"]]
    figure = new_figure(7.5, 1.4 + 0.42 * len(frame))
    ax = figure.add_subplot()
    rows = np.arange(len(frame))
    if sobol:
        ax.barh(
            rows - 0.2, frame["S1"], 0.4, xerr=frame["S1_conf"], label="first order (S1)", color="#1565c0"
        )
        ax.barh(rows + 0.2, frame["ST"], 0.4, xerr=frame["ST_conf"], label="total (ST)", color="#90caf9")
        ax.set_xlabel("Sobol index (share of variance), 95% interval")
    else:
        ax.barh(
            rows - 0.2,
            frame["mu_star"],
            0.4,
            xerr=frame["mu_star_conf"],
            label="mu* (mean |effect|)",
            color="#2e7d32",
        )
        ax.barh(rows + 0.2, frame["sigma"], 0.4, label="sigma (interactions, non-linearity)", color="#a5d6a7")
        ax.set_xlabel("elementary effect on the metric")
    ax.set_yticks(rows, labels)
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title(
        f"Sensitivity of {metric_label(str(metadata.get('metric', '')), names)}\n"
        f"{mathtext_safe(metadata.get('scenario', ''))}",
        fontsize="medium",
    )
    return Plot(figure, f"sensitivity_{'sobol' if sobol else 'morris'}", {"indices": frame.copy()})
