"""Commands that explore many variants of a scenario: ``sweep``, ``sensitivity``, ``strongest``,
``discover``."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import (
    SWEEP_FLAGS,
    JsonFlag,
    PosteriorDraws,
    ProgressBar,
    ScenarioFile,
    Workers,
    check_output_path,
    echo,
    engine_options,
    exit_interrupted,
    fail,
    flags_for,
    load_or_fail,
    load_posterior_or_fail,
    only_one_runner,
    runner_name,
)


def check_scheduler(scheduler: Optional[str]) -> None:
    """Before anything is loaded: ``--scheduler`` has the form [scheme://]host:port (the
    connection itself is tried before the sweep makes any file); else one line, exit 2."""
    if scheduler is None:
        return
    from sim.sweep.executors.dask import check_address

    with flags_for(SWEEP_FLAGS):
        check_address(scheduler)


class SweepDesign(str, Enum):
    grid = "grid"
    random = "random"
    lhs = "lhs"


def sweep(
    scenario_file: ScenarioFile,
    param: Annotated[
        Optional[list[str]],
        typer.Option(
            "--param",
            "-p",
            metavar="KEY=VALUES",
            help="A swept key: start:stop:count (grid, ends included), a,b,c (list) or low:high "
            "(random, lhs). Repeat for more keys; replaces the file's [sweep] parameters.",
        ),
    ] = None,
    design: Annotated[
        Optional[SweepDesign], typer.Option("--design", help="grid (default), random or lhs.")
    ] = None,
    samples: Annotated[
        Optional[int], typer.Option("--samples", min=1, help="Points to draw (random, lhs).")
    ] = None,
    replicates: Annotated[
        Optional[int], typer.Option("--replicates", "-n", min=1, help="Lanes per point [default: 1,000].")
    ] = None,
    seed: Annotated[
        Optional[int], typer.Option("--seed", "-s", min=0, help="Root seed [default: 0].")
    ] = None,
    out: Annotated[
        Optional[Path],
        typer.Option(
            "--out",
            "-o",
            help="The table, one row per point (.parquet or .csv); without it the table is printed.",
        ),
    ] = None,
    per_lane: Annotated[
        bool, typer.Option("--per-lane", help="Also write every lane to <out stem>.lanes<suffix>.")
    ] = False,
    workers: Workers = 1,
    scheduler: Annotated[
        Optional[str],
        typer.Option(
            "--scheduler", metavar="ADDRESS", help="Run on a dask.distributed cluster (tcp://host:8786)."
        ),
    ] = None,
    chunk_lanes: Annotated[
        int,
        typer.Option(
            "--chunk-lanes", min=1, help="Lanes per model instance (part of what fixes the numbers)."
        ),
    ] = 50_000,
    restart: Annotated[
        bool, typer.Option("--restart", help="Discard unfinished work of another sweep at the same --out.")
    ] = False,
    progress: ProgressBar = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    posterior: PosteriorDraws = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="points: one model per point; lanes: blocks of points as lanes of one model (stances, decision.*, context numbers; sim/sweep/lanes.py).",
        ),
    ] = "points",
) -> None:
    """Sweep scenario keys over a grid, random or Latin-hypercube design: one row per point."""
    from sim.sweep import SweepInterrupted, load_sweep, run_sweep

    check_output_path(out)
    if per_lane and out is None:
        fail(["--per-lane: needs --out (the per-lane rows go beside the table)"])
    if per_lane:
        from sim.sweep import lanes_path_for

        check_output_path(lanes_path_for(out), "--per-lane")
    only_one_runner(workers, scheduler)
    check_scheduler(scheduler)
    cpus = os.cpu_count() or 1
    if workers > cpus:
        echo(
            f"warning: --workers {workers} is more than the {cpus} CPUs of this machine: "
            "the extra processes only cost memory",
            err=True,
        )
    draws = load_posterior_or_fail(posterior)
    try:
        with flags_for(SWEEP_FLAGS):
            plan = load_sweep(
                scenario_file,
                param,
                design.value if design else None,
                samples,
                replicates,
                seed,
                chunk_lanes,
                engine=engine,
            )
            if draws is not None:
                plan = dataclasses.replace(plan, posterior=draws)
            options = engine_options(workers, scheduler, restart, progress and not as_json)
            report = run_sweep(plan, out, per_lane=per_lane, **options)
    except SweepInterrupted as exc:
        exit_interrupted(exc)
    runner = runner_name(scheduler, report.workers)
    if as_json:
        summary = report.summary(runner)
        if out is None:  # nothing written: the rows themselves are the result
            summary["rows"] = json.loads(report.frame.to_json(orient="records"))
        echo(json.dumps(summary, indent=2))
    else:
        echo(report.describe(runner))
        if draws is not None:
            echo(f"  {draws.describe()}")
        if out is None:
            from sim.sweep import format_sweep_table

            echo("")
            echo(format_sweep_table(report.frame))


# --- sensitivity (issue 10) ------------------------------------------------------------------


def sensitivity(
    scenario_file: ScenarioFile,
    param: Annotated[
        Optional[list[str]],
        typer.Option(
            "--param", "-p", metavar="KEY=LOW:HIGH", help="A key and its range; repeat for more keys."
        ),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="sobol (first and total order) or morris (mu*, sigma).")
    ] = "sobol",
    metric: Annotated[
        Optional[str],
        typer.Option(
            "--metric",
            help="A sweep column: p_vetoed (or vetoed), p_adopted, CHN_no (or no:CHN), ... "
            "[default: how the draft is defeated: p_vetoed, p_blocked for a statement or committee, "
            "p_failed for a procedural vote].",
        ),
    ] = None,
    samples: Annotated[
        Optional[int],
        typer.Option(
            "--samples",
            help="Sobol: base samples N, a power of 2 (points N(D+2)) [1024]; Morris: trajectories [200].",
        ),
    ] = None,
    replicates: Annotated[
        int, typer.Option("--replicates", "-n", min=1, help="Lanes per sample point.")
    ] = 1_000,
    seed: Annotated[
        int, typer.Option("--seed", "-s", min=0, help="Root seed (sample, lanes, bootstrap).")
    ] = 0,
    out: Annotated[
        Optional[Path],
        typer.Option(
            "--out",
            "-o",
            help="Indices table (.csv or .parquet); the evaluated sample is kept (and resumable) at <stem>.sample.parquet.",
        ),
    ] = None,
    plot_path: Annotated[
        Optional[Path], typer.Option("--plot", help="Bar chart of the indices (.png or .svg).")
    ] = None,
    workers: Workers = 1,
    scheduler: Annotated[
        Optional[str],
        typer.Option("--scheduler", metavar="ADDRESS", help="Run on a dask.distributed cluster."),
    ] = None,
    restart: Annotated[
        bool, typer.Option("--restart", help="Discard unfinished work of another analysis at the same --out.")
    ] = False,
    progress: ProgressBar = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the indices as one JSON object.")] = False,
) -> None:
    """Global sensitivity (SALib): Sobol indices or Morris effects of a sweep metric over key ranges."""
    from sim.plots import FIGURE_FORMATS
    from sim.sensitivity import load_sensitivity, run_sensitivity, sample_path_for, sensitivity_plot
    from sim.sweep import SweepInterrupted

    if out is not None:
        check_output_path(out)
        check_output_path(sample_path_for(out), "--out (its sample table)")
    if plot_path is not None:
        if plot_path.suffix.lower() not in FIGURE_FORMATS:
            fail([f"--plot: {plot_path}: must end in .png or .svg"])
        check_output_path(plot_path, "--plot", suffixes=tuple(FIGURE_FORMATS))
    only_one_runner(workers, scheduler)
    check_scheduler(scheduler)
    try:
        with flags_for(SWEEP_FLAGS):
            plan = load_sensitivity(scenario_file, param or [], method, metric, samples, replicates, seed)
            result = run_sensitivity(
                plan, out, **engine_options(workers, scheduler, restart, progress and not as_json)
            )
    except SweepInterrupted as exc:
        exit_interrupted(exc)
    if plot_path is not None:
        sensitivity_plot(result).save(plot_path)
    runner = runner_name(scheduler, result.report.workers)
    if as_json:
        echo(json.dumps(result.summary(runner), indent=2, default=float))
    else:
        echo(result.describe(runner))
        if out is not None:
            echo(f"  Indices written to {out}; the evaluated sample to {sample_path_for(out)}")
        if plot_path is not None:
            echo(f"  Bar chart written to {plot_path}")


def strongest(
    scenario_file: ScenarioFile,
    max_veto_risk: Annotated[
        float,
        typer.Option(
            "--max-veto-risk",
            min=0.0,
            max=1.0,
            help="Bound on P(vetoed or failed) of the text put to the vote.",
        ),
    ] = 0.1,
    measure: Annotated[
        Optional[list[str]],
        typer.Option(
            "--measure",
            "-m",
            metavar="NAME",
            help="Scale only this measure (its type, or its position from 0); repeat for more. Default: all.",
        ),
    ] = None,
    as_json: JsonFlag = False,
    plot_path: Annotated[
        Optional[Path], typer.Option("--plot", help="Draw the curve (.png or .svg).")
    ] = None,
) -> None:
    """The strongest text of the draft whose P(vetoed or failed) stays under the bound."""
    from sim.plots import FIGURE_FORMATS
    from sim.strongest import format_strongest, plot_strongest, strongest_text

    check_output_path(plot_path, "--plot", tuple(FIGURE_FORMATS))
    scenario = load_or_fail(scenario_file)
    with flags_for({"bound": "--max-veto-risk", "measures": "--measure"}):
        result = strongest_text(scenario, max_veto_risk, measure)
    _show(result, as_json, format_strongest, plot_path, plot_strongest, "Curve drawn to")


def discover(
    sweep_table: Annotated[
        Path,
        typer.Argument(metavar="SWEEP_TABLE", help="Table from unsc-sim sweep --out (random or lhs design)."),
    ],
    metric: Annotated[
        str,
        typer.Option(
            "--metric", help="Column of the table, e.g. p_adopted, p_vetoed (or vetoed), CHN_no (or no:CHN)."
        ),
    ],
    above: Annotated[
        float, typer.Option("--above", help="A point is of interest when the metric exceeds this.")
    ],
    threshold_density: Annotated[
        float,
        typer.Option(
            "--threshold-density", help="Density the box must reach: the box of highest coverage that does."
        ),
    ] = 0.8,
    plot_path: Annotated[
        Optional[Path], typer.Option("--plot", help="Peeling trajectory and box limits (.png or .svg).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """PRIM scenario discovery: the swept conditions under which a metric exceeds a value."""
    from sim.discover import discover as run_discovery
    from sim.discover import format_discovery, plot_discovery
    from sim.plots import FIGURE_FORMATS

    check_output_path(plot_path, "--plot", tuple(FIGURE_FORMATS))
    with flags_for({"metric": "--metric", "above": "--above", "threshold_density": "--threshold-density"}):
        result = run_discovery(sweep_table, metric, above, threshold_density)
    _show(result, as_json, format_discovery, plot_path, plot_discovery, "Trajectory and box drawn to")


def _show(
    result, as_json: bool, text: Callable, plot_path: Optional[Path], draw: Callable, drawn: str
) -> None:
    """Draw ``result`` to ``--plot`` if asked, then print it: one JSON object, or its text and where
    the figure went (``drawn``: "Curve drawn to")."""
    if plot_path is not None:
        draw(result).save(plot_path)
    if as_json:
        echo(json.dumps(result.to_dict(), indent=2))
        return
    echo(text(result))
    if plot_path is not None:
        echo(f"\n  {drawn} {plot_path}")
