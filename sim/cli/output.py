"""Commands that draw or serve results: ``plot``, ``report``, ``ui``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import (
    PosteriorDraws,
    ProgressBars,
    RootSeed,
    ScenarioFiles,
    as_flags,
    check_output_path,
    echo,
    fail,
    load_all_or_fail,
    load_posterior_or_fail,
    replicates_option,
)


def plot(
    results: Annotated[Path, typer.Argument(metavar="RESULTS", help="Table from run --out or sweep --out.")],
    x: Annotated[Optional[str], typer.Option("--x", help="Swept parameter across (sweep tables).")] = None,
    y: Annotated[Optional[str], typer.Option("--y", help="Second swept parameter: a heatmap.")] = None,
    metric: Annotated[
        Optional[str],
        typer.Option(
            "--metric",
            help="Column(s) to plot, e.g. p_vetoed, or several joined by commas: p_adopted,p_vetoed,CHN_yes.",
        ),
    ] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Figure (.png, .svg or .pdf).")] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Without --out: replace the figure beside the table instead of writing <name>-2.png.",
        ),
    ] = False,
) -> None:
    """Draw a results table: line or heatmap for a grid sweep, scatter panels for a random or LHS
    sweep; members' votes and tallies for a run. Never replaces a figure without saying so."""
    from sim.plots import FIGURE_FORMATS, PlotError, plot_results, unused_path

    asked = out
    out = out if out is not None else results.with_suffix(".png")
    if out.suffix.lower() not in FIGURE_FORMATS:
        fail([f"--out: {out}: must end in .png, .svg or .pdf"])
    check_output_path(out, suffixes=tuple(FIGURE_FORMATS))
    try:
        drawn = plot_results(results, x=x, y=y, metric=metric)
    except PlotError as exc:
        fail([as_flags(str(exc), {"x": "--x", "y": "--y", "metric": "--metric"})])
    note = ""
    if out.exists():
        if asked is None and not overwrite:
            taken, out = out, unused_path(out)
            note = f" ({taken} already exists and is kept; --overwrite replaces it)"
        else:
            note = " (replacing the figure that was there)"
    drawn.save(out)
    echo(f"{drawn.kind} plot written to {out}{note}")


def report(
    scenario_files: ScenarioFiles,
    out: Annotated[Path, typer.Option("--out", "-o", help="The page (.html).")] = Path("results/report.html"),
    replicates: Annotated[
        int,
        replicates_option("Lanes per scenario (each scenario's lanes are kept, as in run)."),
    ] = 10_000,
    seed: RootSeed = 0,
    posterior: PosteriorDraws = None,
    progress: ProgressBars = True,
) -> None:
    """One self-contained HTML page: proposal, council, outcomes, tallies, votes, history."""
    from sim.report import REPORT_FORMATS
    from sim.report import report as write_study_report

    if out.suffix.lower() not in REPORT_FORMATS:
        fail([f"--out: {out}: must end in .html"])
    check_output_path(out, suffixes=tuple(REPORT_FORMATS))
    scenarios = load_all_or_fail(scenario_files)
    draws = load_posterior_or_fail(posterior)
    write_study_report(scenarios, out, replicates=replicates, seed=seed, posterior=draws, progress=progress)
    echo(f"Report on {len(scenarios)} scenario(s), {replicates:,} replicates each, seed {seed}: {out}")
    if draws is not None:
        echo(draws.describe())


UI_INSTALL_HINT = 'the interactive page needs the ui extra: pip install -e ".[ui]"'


def ui(
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="Port (0: any free port).")
    ] = 8765,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open a browser tab.")] = False,
) -> None:
    """Serve the interactive council page (Mesa's SolaraViz) until interrupted."""
    import importlib.util
    import os
    import sys

    # Mesa 3.3's own ComponentsView trips solara's hook checker (a warning about Mesa's code, not
    # this page's); set SOLARA_CHECK_HOOKS=warn to see it. The server inherits the setting.
    os.environ.setdefault("SOLARA_CHECK_HOOKS", "off")
    try:
        import solara  # noqa: F401
        from mesa.visualization import SolaraViz  # noqa: F401
    except ImportError as exc:
        fail([f"{UI_INSTALL_HINT} ({exc})"])
    if importlib.util.find_spec("solara_assets") is None:
        echo("note: solara-assets is not installed: the page will fetch its scripts from a CDN", err=True)
    page = Path(__file__).parent.parent / "app.py"  # sim/app.py
    echo(f"Serving the council page on http://{host}:{port} (Ctrl+C stops it)", err=True)
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(page),
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--open" if open_browser else "--no-open",
        "--log-level",
        "warning",
    ]
    # Replace this process by the server, so that stopping it (Ctrl+C, kill) stops the server.
    os.execv(sys.executable, command)
