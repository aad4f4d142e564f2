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
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import InputError
from sim.presets import read_toml as _read_toml
from sim.results import write_table
from sim.rules import OUTCOME_LABELS
from sim.runner import CHUNK_LANES
from sim.scenario import load_scenario
from sim.sweep import Sweep, SweepReport, check_points, run_sweep
from sim.sweep.design import BOUNDS_SPEC, Design, DesignError, Parameter, key_info, parse_parameter
from sim.sweep.lanes import lane_problems

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
    noise_share: float
    seconds: float

    def metadata(self) -> dict[str, Any]:
        sweep = self.plan.sweep
        return {
            "table": "sensitivity",
            "method": self.plan.method,
            "metric": self.plan.metric,
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
            "noise_share": self.noise_share,
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
            "indices": self.indices.to_dict(orient="records"),
        }

    def describe(self, runner: str = "") -> str:
        """The table as text."""
        plan, sweep = self.plan, self.plan.sweep
        keys = len(sweep.design.parameters)
        if plan.method == "sobol":
            design = f"Saltelli sample, N = {plan.samples:,} x ({keys} keys + 2)"
        else:
            design = f"Morris, {plan.samples:,} trajectories x ({keys} keys + 1), {MORRIS_LEVELS} levels"
        lines = [
            f"{'Sobol indices' if plan.method == 'sobol' else 'Morris elementary effects'} of "
            f"{plan.metric} for {sweep.scenario.name}",
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
            lines.append(f"  {row['key']:<{width}}  " + "  ".join(f"{row[c]:7.3f}" for c in columns))
        lines.append("")
        if plan.method == "sobol":
            lines.append(
                f"  sum of S1 = {self.indices['S1'].sum():.3f} (the rest is interactions and noise); "
                f"widest interval: +-{max(self.indices['S1_conf'].max(), self.indices['ST_conf'].max()):.3f}"
            )
        lines.append(
            f"  variance of {plan.metric} over the sample {self.metric_variance:.4f}; binomial noise "
            f"{self.noise_share:.1%} of it"
        )
        lines.append(
            f"  {self.seconds:.1f} s{f' on {runner}' if runner else ''} "
            f"({self.report.decisions_per_s:,.0f} decisions/s)"
        )
        return "\n".join(lines)


# ---------------------------------------------------------------------------- planning


def metric_column(metric: str, codes: Sequence[str]) -> str:
    """The sweep-table column of ``metric``: ``p_vetoed`` (or ``vetoed``), ``CHN_no`` (or
    ``no:CHN``); :class:`SensitivityError` listing the choices otherwise."""
    text = metric.strip()
    if text in OUTCOME_LABELS:
        text = f"p_{text}"
    if ":" in text:
        vote, _, code = text.partition(":")
        text = f"{code.strip()}_{vote.strip()}"
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
    metric: str = "p_vetoed",
    samples: int | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = 0,
    chunk_lanes: int = CHUNK_LANES,
) -> SensitivityPlan:
    """Check the options, draw the sample and validate it as a lanes sweep; nothing runs."""
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
    raw = _read_toml(path, str(path))
    column = metric_column(metric, scenario.codes)
    lanes = lane_problems(
        [p.key for p in parameters], [p.kind for p in parameters], scenario.codes, label="params ", advice=""
    )
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
    sample = draw_sample(method, problem, samples, seed)  # type: ignore[arg-type]
    points = tuple({p.key: float(v) for p, v in zip(parameters, row)} for row in sample)
    design = Design(name=method, parameters=tuple(parameters), samples=len(points))  # type: ignore[arg-type]
    sweep = Sweep(scenario, raw, path.parent, design, points, replicates, seed, chunk_lanes, engine="lanes")
    check_points(sweep)
    return SensitivityPlan(sweep, method, column, samples, sample)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- running


def sample_path_for(out: Path) -> Path:
    """Where the evaluated sample (a sweep table) is kept beside ``--out``: resumable there."""
    return out.with_name(f"{out.stem}.sample.parquet")


def analyse(plan: SensitivityPlan, y: np.ndarray) -> pd.DataFrame:
    """SALib's analysis of the metric values ``y`` (one per sample point), one row per key."""
    problem, keys = plan.problem, plan.problem["names"]
    seed = plan.sweep.seed
    if plan.method == "sobol":
        from SALib.analyze import sobol

        result = sobol.analyze(
            problem, y, calc_second_order=False, num_resamples=BOOTSTRAP, conf_level=0.95, seed=seed
        )
        columns = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        from SALib.analyze import morris

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
    result = SensitivityResult(
        plan=plan,
        indices=indices,
        report=report,
        metric_variance=variance,
        noise_share=noise / variance if variance > 0 else math.inf,
        seconds=time.perf_counter() - started,
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
