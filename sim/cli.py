"""The ``unsc-sim`` command line: thin wrappers that parse options, call the library, print.

Bad input (a scenario file, an option) is reported as one line per problem on stderr with exit
code 2, and no result file is written.
"""

from __future__ import annotations

import dataclasses
import json
import os
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer

from sim.errors import InputError
from sim.files import output_problem, strip_controls

if TYPE_CHECKING:
    from sim.scenario import Scenario

# numpy, pandas, scipy, mesa and the scenario schema are imported inside the commands that use
# them, so that `unsc-sim version` and `--help` start in a fraction of a second
# (benchmarks/startup.py).

app = typer.Typer(
    help="Agent-based scenario simulator of UN Security Council voting.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain errors: "Error: Invalid value for '--replicates'...", no boxes
)

EXIT_BAD_INPUT = 2
MAX_RUN_REPLICATES = 20_000_000
"""``run`` keeps counts, chunk by chunk (:mod:`sim.counts`): a peak of 190 MB at this size, 12 MB
above the interpreter's whatever the size (``benchmarks/run_memory.py``). With ``--out`` (or
``--explain``, which finds pivotal members lane by lane) it keeps every lane: about 45 bytes a
lane, a peak of 1.1 GB at this size."""
POSTERIOR_OPTION_HELP = ("Draws from calibrate --posterior: each lane takes its own parameter set, so intervals "
                         "include parameter uncertainty.")


def echo(text: object = "", err: bool = False) -> None:
    """Print a line, without control characters that file content could smuggle into a terminal."""
    typer.echo(strip_controls(str(text)), err=err)


def fail(problems: list[str]) -> NoReturn:
    """Print one line per problem on stderr and exit with code 2."""
    for problem in problems:
        echo(f"error: {problem}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def check_output_path(path: Optional[Path], option: str = "--out", suffixes: tuple[str, ...] = (".csv", ".parquet")) -> None:
    """Before any computation: ``path`` has a known extension and can be written (its directory
    exists or can be made and is writable; it is not a directory); else one line, exit 2."""
    if path is None:
        return
    if path.suffix.lower() not in suffixes:
        fail([f"{option}: {path}: must end in {' or '.join(suffixes)}"])
    problem = output_problem(path, option)
    if problem is not None:
        fail([problem])


def load_scenario(path: Path, overrides: Optional[dict] = None) -> "Scenario":
    """:func:`sim.scenario.load_scenario`, imported on first use (it pulls in numpy and scipy)."""
    from sim.scenario import load_scenario as load

    return load(path, overrides=overrides)


def load_or_fail(path: Path) -> "Scenario":
    try:
        return load_scenario(path)
    except InputError as exc:
        fail(exc.problems)


def _percent(value: float) -> str:
    return f"{100 * value:5.1f}%"


def format_run(summary: dict, rule_description: str) -> str:
    """The human-readable report of ``unsc-sim run``."""
    lines = [
        f"{summary['scenario']}",
        f"  {summary['scenario_file']}",
        f"  {summary['proposal_kind']}: {rule_description}",
        f"  {summary['replicates']:,} replicates, seed {summary['seed']}, unsc-sim {summary['version']}",
        *(
            [f"  parameter uncertainty: {summary['posterior']['draws']:,} posterior draws from "
             f"{summary['posterior']['file']}, one per lane; intervals include parameter and vote uncertainty"]
            if summary.get("posterior")
            else []
        ),
        "",
        f"  {'outcome':<10} {'probability':>11}   95% interval",
    ]
    for label, row in summary["outcomes"].items():
        if row["count"] == 0 and label != summary["most_likely_outcome"]:
            continue
        lines.append(
            f"  {label:<10} {row['probability']:>11.3f}   [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"
        )
    lines.append("")
    lines.append(f"  Most likely outcome: {summary['most_likely_outcome']}")
    if summary["defeated_by"]:
        verb = "Blocked" if summary["proposal_kind"] in {"committee", "statement"} else "Vetoed"
        shares = ", ".join(f"{code} {_percent(share).strip()}" for code, share in summary["defeated_by"].items())
        lines.append(f"  {verb} by: {shares}")
        lines.append(f"  Most common {verb.lower()} set: {'+'.join(summary['modal_defeaters'])}")
    if summary["modal_tally"] is not None:
        top = summary["tallies"][summary["modal_tally"]]
        lines.append(
            f"  Modal tally (yes-no-abstain): {summary['modal_tally']} "
            f"({_percent(top).strip()} of lanes put to the vote)"
        )
    if summary["proposal_kind"] in {"committee", "statement"}:
        lines.append("  (consensus body: 'no' = objects/holds, 'abstain' = stays silent)")
    lines.append("")
    consensus = summary["proposal_kind"] in {"committee", "statement"}
    defeated_label = "blocked" if consensus else "vetoed"
    lines.append(f"  {'member':<34} {'yes':>6} {'no':>6} {'abst.':>6} {defeated_label:>7}")
    for member in summary["members"]:
        name = f"{member['name']} ({member['code']}{', P5' if member['permanent'] else ''})"
        lines.append(
            f"  {name:<34} {_percent(member['yes'])} {_percent(member['no'])} "
            f"{_percent(member['abstain'])} {_percent(member['defeated']):>7}"
        )
    return "\n".join(lines)


@app.command()
def run(
    scenario_file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario TOML file.")],
    replicates: Annotated[
        int,
        typer.Option(
            "--replicates",
            "-n",
            min=1,
            max=MAX_RUN_REPLICATES,
            help="Independent lanes, at most 20,000,000 (counted chunk by chunk: memory does not grow "
                 "with lanes; with --out, --explain or --posterior every lane is kept: about 45 bytes each, a "
                 "peak of 1.1 GB at the maximum).",
        ),
    ] = 10_000,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Root seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Per-lane table (.csv or .parquet).")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Each member's utility in its parts, and who was pivotal where the draft failed.")] = False,
    posterior: Annotated[Optional[Path], typer.Option("--posterior", help=POSTERIOR_OPTION_HELP)] = None,
) -> None:
    """Simulate a scenario: outcome probabilities, modal tally, members' votes, vetoes."""
    from sim.runner import run as run_scenario

    check_output_path(out)
    scenario = load_or_fail(scenario_file)
    draws = load_posterior_or_fail(posterior)
    warn_about(scenario)
    if out is None and not explain and draws is None:  # counts only, chunk by chunk: memory flat
        from sim.counts import run_counts

        summary = run_counts(scenario, replicates=replicates, seed=seed).summary()
    else:
        result = run_scenario(scenario, replicates=replicates, seed=seed, posterior=draws)
        summary = result.summary()
    from sim.council import council_summary, format_situation, format_stances

    summary["council"] = council_summary(scenario)
    explanation = None
    if explain:
        from sim.explain import explain_run

        explanation = explain_run(scenario, result)
        summary["explain"] = explanation.to_dict()
    if out is not None:
        result.write(out)
    if as_json:
        echo(json.dumps(summary, indent=2))
    else:
        from sim.rules import rule_for

        echo(format_run(summary, rule_for(scenario.spec.proposal.kind).description))
        council = summary["council"]
        if scenario.spec.proposal.draft == "first":
            strength = summary["mean_text_scale"]
            echo("")
            echo(f"  Text after the talks (mean over lanes: {100 * strength:.0f}% of the first draft's strength):")
            for measure in scenario.spec.proposal.measures:
                echo(f"    {measure.describe(strength)}")
        echo("")
        echo("\n".join(format_situation(scenario)))
        if council["overridden_parameters"]:
            echo("  Model parameters set by the file: " + ", ".join(council["overridden_parameters"]))
        echo(
            "  Stances used (origin: UNGA = derived from the General Assembly record, preset = "
            "sim/data/members.toml" + (f", preset file = {council['preset_file']}" if council["preset_file"] else "")
            + ", file = this scenario, like X = template, rule = salience rule):"
        )
        echo("\n".join(format_stances(council["stances"])))
        if explanation is not None:
            from sim.explain import format_explanation

            echo("")
            echo(format_explanation(explanation))
        if out is not None:
            echo(f"\n  Per-lane table written to {out}")


def warn_about(scenario) -> None:
    """One line on stderr for each thing in the draft that makes no sense (the run still happens)."""
    from sim.checks import draft_warnings

    for line in draft_warnings(scenario):
        echo(f"warning: {line}", err=True)


@app.command()
def members(
    year: Annotated[int, typer.Option("--year", "-y", min=2006, max=2026, help="The council of this year.")] = 2022,
    date: Annotated[Optional[str], typer.Option("--date", help="Day whose situation and UNGA positions to use (default: 1 July of the year).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """List a year's council: every member's stances, where each came from, and the situation."""
    from sim.council import council_summary, format_situation, format_stances
    from sim.scenario import ScenarioError, scenario_from_dict

    raw = {
        "scenario": {"name": f"The council of {year}"},
        "council": {"year": year},
        "proposal": {"kind": "resolution", "title": "(none)", "sponsors": ["USA"],
                     "measures": [{"type": "panel_renewal"}]},
        "context": {"date": date or f"{year}-07-01"},
    }
    try:
        scenario = scenario_from_dict(raw, label=f"--year {year}")
    except ScenarioError as exc:
        fail([problem.replace("context.date", "--date") for problem in exc.problems])
    summary = council_summary(scenario)
    if as_json:
        echo(json.dumps({"year": year, **summary}, indent=2))
        return
    echo(f"The council of {year}")
    echo("\n".join(format_situation(scenario)))
    echo("\n".join(format_stances(summary["stances"])))


@app.command()
def measures(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """List the measure types a proposal can carry: fields, units and effect on the regime."""
    from sim.measures import measure_catalogue

    catalogue = measure_catalogue()
    if as_json:
        echo(json.dumps(catalogue, indent=2))
        return
    for entry in catalogue:
        echo(f"{entry['type']}")
        echo(f"  {entry['summary']}")
        for field in entry["fields"]:
            echo(f"  - {field['name']}: {field['description']}")
        echo(f"  effect: {entry['effect']}")
        echo("")


@app.command()
def validate(
    scenario_files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Scenario files.")],
) -> None:
    """Check scenario files; print one line per problem (exit 2 if any)."""
    problems: list[str] = []
    for path in scenario_files:
        try:
            scenario = load_scenario(path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        echo(
            f"{path}: ok ({scenario.spec.proposal.kind}, {len(scenario.members)} members, "
            f"{len(scenario.spec.proposal.measures)} measures)"
        )
    if problems:
        fail(problems)


class PowerRule(str, Enum):
    resolution = "resolution"
    procedural = "procedural"
    committee = "committee"
    statement = "statement"


@app.command()
def power(
    rule: Annotated[PowerRule, typer.Option("--rule", help="Decision rule.")] = PowerRule.resolution,
    year: Annotated[Optional[int], typer.Option("--year", help="Name the elected ten of a year.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Exact Shapley-Shubik and Banzhaf voting power under a rule, by enumerating coalitions."""
    import numpy as np

    from sim.power import power_indices
    from sim.rules import rule_for
    from sim.scenario import PERMANENT_MEMBERS, builtin_councils

    if year is not None:
        councils = builtin_councils()
        if year not in councils:
            fail([f"--year: no preset council for {year} (known: {', '.join(map(str, sorted(councils)))})"])
        elected = sorted(councils[year]["elected"])
    else:
        elected = [f"E{i}" for i in range(1, 11)]
    codes = list(PERMANENT_MEMBERS) + elected
    permanent = np.array([True] * 5 + [False] * 10)
    decision_rule = rule_for(rule.value)
    indices = power_indices(decision_rule, permanent, codes)
    if as_json:
        echo(
            json.dumps(
                {
                    "rule": rule.value,
                    "winning_coalitions": indices.winning_coalitions,
                    "members": [
                        {
                            "code": code,
                            "permanent": bool(perm),
                            "shapley_shubik": str(ss),
                            "shapley_shubik_value": float(ss),
                            "banzhaf": str(bz),
                            "banzhaf_value": float(bz),
                            "swings": swings,
                        }
                        for code, perm, ss, bz, swings in zip(
                            codes, permanent, indices.shapley_shubik, indices.banzhaf, indices.swings
                        )
                    ],
                },
                indent=2,
            )
        )
        return
    echo(f"Voting power under {decision_rule.description}")
    echo(f"  {indices.winning_coalitions:,} winning coalitions of {2 ** len(codes):,}")
    echo(f"  {'member':<8} {'Shapley-Shubik':>24} {'Banzhaf (normalised)':>28}")
    for code, perm, ss, bz in zip(codes, permanent, indices.shapley_shubik, indices.banzhaf):
        label = f"{code}{' (P5)' if perm else ''}"
        echo(f"  {label:<10} {str(ss):>12} = {float(ss):.5f} {str(bz):>16} = {float(bz):.5f}")


# --- compare / calibrate (issue 3) ---------------------------------------------------------


def _load_history_files(paths: list[Path], preset: Optional[Path] = None) -> list:
    """Load scenario files that carry a [history] table; exit 2 listing every problem."""
    from sim.compare import record_of

    problems: list[str] = []
    scenarios = []
    overrides = {"council.preset": str(preset.resolve())} if preset is not None else None
    if preset is not None and not preset.is_file():
        fail([f"--preset: {preset}: file not found"])
    for path in paths:
        try:
            scenario = load_scenario(path, overrides=overrides)
            record_of(scenario)
            scenarios.append(scenario)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        fail(problems)
    return scenarios


@app.command()
def compare(
    scenario_files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Scenario files with a history table.")],
    replicates: Annotated[int, typer.Option("--replicates", "-n", min=1, max=MAX_RUN_REPLICATES, help="Lanes per file (each file's lanes are kept, as in run).")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Root seed (the same for every file).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    preset: Annotated[Optional[Path], typer.Option("--preset", help="Stance preset applied to every file (council.preset).")] = None,
    posterior: Annotated[Optional[Path], typer.Option("--posterior", help=POSTERIOR_OPTION_HELP)] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")] = True,
) -> None:
    """Score the model against the real record: outcome, tally, member votes; totals; baselines."""
    from sim.compare import compare_scenarios, format_report

    scenarios = _load_history_files(scenario_files, preset)
    draws = load_posterior_or_fail(posterior)
    report = compare_scenarios(
        scenarios, replicates=replicates, seed=seed, posterior=draws, progress=progress and not as_json
    )
    if as_json:
        echo(json.dumps(report.to_dict(), indent=2))
    else:
        echo(format_report(report))


@app.command()
def calibrate(
    scenario_files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Scenario files with a history table.")],
    params: Annotated[Optional[str], typer.Option("--params", help="Comma-separated keys to fit: decision.NAME (a global parameter) or members.CODE.FIELD (default: every fitted global parameter).")] = None,
    prior_sd: Annotated[float, typer.Option("--prior-sd", min=0.0, help="Sd of the Gaussian priors centred on the judgement values (on the log of scale parameters; 0: plain maximum likelihood).")] = 2.0,
    rolling_forecast: Annotated[bool, typer.Option("--rolling", help="Also forecast every decision from 2009 on from a fit on the decisions before its date, with the baselines.")] = False,
    write_defaults: Annotated[bool, typer.Option("--write-defaults", help="Write the fit to sim/data/parameters.toml, the defaults every scenario uses.")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the fitted parameters to this .toml file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    posterior: Annotated[Optional[Path], typer.Option("--posterior", help="Also sample the posterior with emcee from the fit; write the draws here (.parquet, or .csv with a .meta.json).")] = None,
    walkers: Annotated[int, typer.Option("--walkers", min=2, help="emcee walkers (--posterior; at least twice the parameters).")] = 64,
    steps: Annotated[int, typer.Option("--steps", min=1, help="Steps per walker (--posterior).")] = 1000,
    burn: Annotated[int, typer.Option("--burn", min=0, help="First steps discarded (--posterior).")] = 300,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Seed of the sampler (--posterior).")] = 0,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bars on stderr.")] = True,
) -> None:
    """Fit the model's free parameters to the record by maximum likelihood; rolling forecast;
    with --posterior, sample their posterior around the fit."""
    from sim.calibrate import (
        DEFAULT_PARAMS,
        DEFAULTS_PATH,
        CalibrationError,
        calibrate as run_calibration,
        defaults_command,
        defaults_text,
        format_calibration,
        parse_params,
        write_defaults as write_parameters,
    )

    if out is not None and out.suffix.lower() != ".toml":
        fail([f"--out: {out}: a parameters file must end in .toml"])
    check_output_path(out, suffixes=(".toml",))
    check_output_path(posterior, "--posterior")
    if posterior is not None and not 0 <= burn < steps:
        fail([f"--burn: {burn}: must be less than --steps ({steps})"])
    scenarios = _load_history_files(scenario_files)
    keys = [k for k in params.split(",") if k.strip()] if params is not None else list(DEFAULT_PARAMS)
    try:
        parameters = parse_params(keys, scenarios)
    except CalibrationError as exc:
        fail([problem.replace("params:", "--params:", 1) for problem in exc.problems])
    if posterior is not None and walkers < 2 * len(parameters):
        fail([f"--walkers: {walkers}: emcee needs at least twice the {len(parameters)} parameters ({2 * len(parameters)})"])

    import sys

    from tqdm import tqdm

    shown = progress and not as_json
    fitting = tqdm(desc="calibrate: fitting", unit=" points", file=sys.stderr, disable=not shown, leave=False,
                   dynamic_ncols=True)
    forecasting: list = []

    def forecast_progress(done: int, total: int) -> None:
        if not forecasting:
            fitting.close()
            forecasting.append(tqdm(total=total, desc="calibrate: rolling forecast", unit=" decisions",
                                    file=sys.stderr, disable=not shown, leave=False, dynamic_ncols=True))
        forecasting[0].update(done - forecasting[0].n)

    try:
        report = run_calibration(
            scenarios, parameters, prior_sd=prior_sd, with_rolling=rolling_forecast,
            progress=forecast_progress, evaluated=fitting.update,
        )
    finally:
        for bar in (fitting, *forecasting):
            bar.close()
    targets = [DEFAULTS_PATH] if write_defaults else []
    targets += [out] if out is not None else []
    if targets:
        text = defaults_text(report.fit, defaults_command([str(p) for p in scenario_files], parameters, prior_sd))
        for target in targets:
            write_parameters(target, text)
        report = dataclasses.replace(report, written=", ".join(str(t) for t in targets))
    sample = None
    if posterior is not None:
        from sim.posterior import sample_posterior, write_posterior

        try:
            sample = sample_posterior(scenarios, parameters, report.fit.values, prior_sd, walkers, steps, burn, seed, progress=not as_json)
        except InputError as exc:
            fail(exc.problems)
        command = _posterior_command(scenario_files, params, prior_sd, posterior, walkers, steps, burn, seed)
        write_posterior(posterior, sample, command)
    if as_json:
        data = report.to_dict()
        if sample is not None:
            data["posterior"] = {"file": str(posterior), **sample.metadata(command)}
        echo(json.dumps(data, indent=2))
    else:
        echo(format_calibration(report))
        if sample is not None:
            from sim.posterior import format_sample

            echo("")
            echo(format_sample(sample, posterior))


def _posterior_command(files: list[Path], params: Optional[str], prior_sd: float, out: Path, walkers: int, steps: int, burn: int, seed: int) -> str:
    """The command line that remakes a posterior file (recorded in its metadata)."""
    return (
        "unsc-sim calibrate " + " ".join(str(f) for f in files) + (f" --params {params}" if params else "")
        + f" --prior-sd {prior_sd:g} --posterior {out} --walkers {walkers} --steps {steps} --burn {burn} --seed {seed}"
    )


def load_posterior_or_fail(path: Optional[Path]):
    """The draws of ``--posterior FILE`` (None without the option); bad file: exit 2."""
    if path is None:
        return None
    from sim.posterior import PosteriorError, load_posterior

    try:
        return load_posterior(path)
    except PosteriorError as exc:
        fail(exc.problems)



# --- sweep (issue 4) ---------------------------------------------------------------------------


class SweepDesign(str, Enum):
    grid = "grid"
    random = "random"
    lhs = "lhs"


SWEEP_FLAGS = {"replicates": "--replicates", "seed": "--seed", "chunk_lanes": "--chunk-lanes", "out": "--out",
               "workers": "--workers", "per_lane": "--per-lane"}
"""The library's argument names (sim.sweep) and the options that set them."""


def as_flags(problem: str, flags: dict[str, str]) -> str:
    """A library problem ("replicates: ...") as the command line names it ("--replicates: ...")."""
    for argument, flag in flags.items():
        if problem.startswith(f"{argument}: "):
            problem = flag + problem[len(argument):]
            break
    for argument, flag in flags.items():
        problem = problem.replace(f"larger {argument})", f"larger {flag})")
    return problem


@app.command()
def sweep(
    scenario_file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario TOML file.")],
    param: Annotated[Optional[list[str]], typer.Option(
        "--param", "-p", metavar="KEY=VALUES",
        help="A swept key: start:stop:count (grid, ends included), a,b,c (list) or low:high "
             "(random, lhs). Repeat for more keys; replaces the file's [sweep] parameters.")] = None,
    design: Annotated[Optional[SweepDesign], typer.Option("--design", help="grid (default), random or lhs.")] = None,
    samples: Annotated[Optional[int], typer.Option("--samples", min=1, help="Points to draw (random, lhs).")] = None,
    replicates: Annotated[Optional[int], typer.Option("--replicates", "-n", min=1, help="Lanes per point [default: 1,000].")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", "-s", min=0, help="Root seed [default: 0].")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="The table, one row per point (.parquet or .csv); without it the table is printed.")] = None,
    per_lane: Annotated[bool, typer.Option("--per-lane", help="Also write every lane to <out stem>.lanes<suffix>.")] = False,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Local processes.")] = 1,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", metavar="ADDRESS", help="Run on a dask.distributed cluster (tcp://host:8786).")] = None,
    chunk_lanes: Annotated[int, typer.Option("--chunk-lanes", min=1, help="Lanes per model instance (part of what fixes the numbers).")] = 50_000,
    restart: Annotated[bool, typer.Option("--restart", help="Discard unfinished work of another sweep at the same --out.")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    posterior: Annotated[Optional[Path], typer.Option("--posterior", help=POSTERIOR_OPTION_HELP)] = None,
    engine: Annotated[str, typer.Option("--engine", help="points: one model per point; lanes: blocks of points as lanes of one model (stances, decision.*, context numbers; sim/sweep_lanes.py).")] = "points",
) -> None:
    """Sweep scenario keys over a grid, random or Latin-hypercube design: one row per point."""
    from sim.sweep import SweepInterrupted, load_sweep, run_sweep

    check_output_path(out)
    if per_lane and out is None:
        fail(["--per-lane: needs --out (the per-lane rows go beside the table)"])
    if per_lane:
        from sim.sweep import lanes_path_for

        check_output_path(lanes_path_for(out), "--per-lane")
    if scheduler is not None and workers != 1:
        fail(["--workers: give --workers (local processes) or --scheduler (a dask cluster), not both"])
    cpus = os.cpu_count() or 1
    if workers > cpus:
        echo(f"warning: --workers {workers} is more than the {cpus} CPUs of this machine: "
             "the extra processes only cost memory", err=True)
    try:
        draws = load_posterior_or_fail(posterior)
        plan = load_sweep(
            scenario_file, param, design.value if design else None, samples, replicates, seed, chunk_lanes,
            engine=engine,
        )
        if draws is not None:
            plan = dataclasses.replace(plan, posterior=draws)
        report = run_sweep(
            plan, out, workers=workers, scheduler=scheduler, per_lane=per_lane, restart=restart,
            progress=progress and not as_json,
        )
    except InputError as exc:
        fail([as_flags(problem, SWEEP_FLAGS) for problem in exc.problems])
    except SweepInterrupted as exc:
        echo(
            f"interrupted: {exc.saved} of {exc.units} work units are saved in {exc.work_dir}; "
            "run the same command again to resume",
            err=True,
        )
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # exiting now: a second Ctrl-C changes nothing
        raise typer.Exit(130)
    runner = f"dask cluster {scheduler}" if scheduler else f"{report.workers} process{'es' if report.workers > 1 else ''}"
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


@app.command()
def sensitivity(
    scenario_file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario TOML file.")],
    param: Annotated[Optional[list[str]], typer.Option(
        "--param", "-p", metavar="KEY=LOW:HIGH", help="A key and its range; repeat for more keys.")] = None,
    method: Annotated[str, typer.Option("--method", help="sobol (first and total order) or morris (mu*, sigma).")] = "sobol",
    metric: Annotated[str, typer.Option("--metric", help="A sweep column: p_vetoed, p_adopted, CHN_no (or no:CHN), ...")] = "p_vetoed",
    samples: Annotated[Optional[int], typer.Option("--samples", help="Sobol: base samples N, a power of 2 (points N(D+2)) [1024]; Morris: trajectories [200].")] = None,
    replicates: Annotated[int, typer.Option("--replicates", "-n", min=1, help="Lanes per sample point.")] = 1_000,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Root seed (sample, lanes, bootstrap).")] = 0,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Indices table (.csv or .parquet); the evaluated sample is kept (and resumable) at <stem>.sample.parquet.")] = None,
    plot_path: Annotated[Optional[Path], typer.Option("--plot", help="Bar chart of the indices (.png or .svg).")] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Local processes.")] = 1,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", metavar="ADDRESS", help="Run on a dask.distributed cluster.")] = None,
    restart: Annotated[bool, typer.Option("--restart", help="Discard unfinished work of another analysis at the same --out.")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")] = True,
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
    if scheduler is not None and workers != 1:
        fail(["--workers: give --workers (local processes) or --scheduler (a dask cluster), not both"])
    try:
        plan = load_sensitivity(scenario_file, param or [], method, metric, samples, replicates, seed)
        result = run_sensitivity(plan, out, workers=workers, scheduler=scheduler, restart=restart,
                                 progress=progress and not as_json)
    except InputError as exc:
        fail(exc.problems)
    except SweepInterrupted as exc:
        echo(f"interrupted: {exc.saved} of {exc.units} work units are saved in {exc.work_dir}; "
             "run the same command again to resume", err=True)
        raise typer.Exit(130)
    if plot_path is not None:
        sensitivity_plot(result).save(plot_path)
    runner = f"dask cluster {scheduler}" if scheduler else f"{result.report.workers} process{'es' if result.report.workers > 1 else ''}"
    if as_json:
        echo(json.dumps(result.summary(runner), indent=2, default=float))
    else:
        echo(result.describe(runner))
        if out is not None:
            echo(f"  Indices written to {out}; the evaluated sample to {sample_path_for(out)}")
        if plot_path is not None:
            echo(f"  Bar chart written to {plot_path}")


# --- plot / report / ui (issue 5) --------------------------------------------------------------


@app.command()
def plot(
    results: Annotated[Path, typer.Argument(metavar="RESULTS", help="Table from run --out or sweep --out.")],
    x: Annotated[Optional[str], typer.Option("--x", help="Swept parameter across (sweep tables).")] = None,
    y: Annotated[Optional[str], typer.Option("--y", help="Second swept parameter: a heatmap.")] = None,
    metric: Annotated[
        Optional[str],
        typer.Option("--metric", help="Column(s) to plot, e.g. p_vetoed, or several joined by commas: "
                                       "p_adopted,p_vetoed,CHN_yes."),
    ] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Figure (.png, .svg or .pdf).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Without --out: replace the figure beside the table instead of writing <name>-2.png.")] = False,
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
        fail([str(exc)])
    note = ""
    if out.exists():
        if asked is None and not overwrite:
            taken, out = out, unused_path(out)
            note = f" ({taken} already exists and is kept; --overwrite replaces it)"
        else:
            note = " (replacing the figure that was there)"
    drawn.save(out)
    echo(f"{drawn.kind} plot written to {out}{note}")


@app.command()
def report(
    scenario_files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Scenario files.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The page (.html).")] = Path("results/report.html"),
    replicates: Annotated[int, typer.Option("--replicates", "-n", min=1, max=MAX_RUN_REPLICATES, help="Lanes per scenario (each scenario's lanes are kept, as in run).")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Root seed.")] = 0,
    posterior: Annotated[Optional[Path], typer.Option("--posterior", help=POSTERIOR_OPTION_HELP)] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bars on stderr.")] = True,
) -> None:
    """One self-contained HTML page: proposal, council, outcomes, tallies, votes, history."""
    from sim.report import REPORT_FORMATS, report as write_study_report

    if out.suffix.lower() not in REPORT_FORMATS:
        fail([f"--out: {out}: must end in .html"])
    check_output_path(out, suffixes=tuple(REPORT_FORMATS))
    problems: list[str] = []
    scenarios = []
    for path in scenario_files:
        try:
            scenarios.append(load_scenario(path))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        fail(problems)
    draws = load_posterior_or_fail(posterior)
    write_study_report(scenarios, out, replicates=replicates, seed=seed, posterior=draws, progress=progress)
    echo(f"Report on {len(scenarios)} scenario(s), {replicates:,} replicates each, seed {seed}: {out}")
    if draws is not None:
        echo(draws.describe())


UI_INSTALL_HINT = 'the interactive page needs the ui extra: pip install -e ".[ui]"'


@app.command()
def ui(
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="Port (0: any free port).")] = 8765,
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
    page = Path(__file__).with_name("app.py")
    echo(f"Serving the council page on http://{host}:{port} (Ctrl+C stops it)", err=True)
    command = [sys.executable, "-m", "solara", "run", str(page), "--host", host, "--port", str(port),
               "--production", "--open" if open_browser else "--no-open", "--log-level", "warning"]
    # Replace this process by the server, so that stopping it (Ctrl+C, kill) stops the server.
    os.execv(sys.executable, command)


@app.command()
def version() -> None:
    """Print the version."""
    from sim import __version__

    echo(__version__)



# --- strongest / discover (issue 10) -----------------------------------------------------------


@app.command()
def strongest(
    scenario_file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario TOML file.")],
    max_veto_risk: Annotated[float, typer.Option("--max-veto-risk", min=0.0, max=1.0, help="Bound on P(vetoed or failed) of the text put to the vote.")] = 0.1,
    measure: Annotated[Optional[list[str]], typer.Option("--measure", "-m", metavar="NAME", help="Scale only this measure (its type, or its position from 0); repeat for more. Default: all.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    plot_path: Annotated[Optional[Path], typer.Option("--plot", help="Draw the curve (.png or .svg).")] = None,
) -> None:
    """The strongest text of the draft whose P(vetoed or failed) stays under the bound."""
    from sim.plots import FIGURE_FORMATS
    from sim.strongest import format_strongest, plot_strongest, strongest_text

    check_output_path(plot_path, "--plot", tuple(FIGURE_FORMATS))
    scenario = load_or_fail(scenario_file)
    try:
        result = strongest_text(scenario, max_veto_risk, measure)
    except InputError as exc:
        fail(exc.problems)
    if plot_path is not None:
        plot_strongest(result).save(plot_path)
    if as_json:
        echo(json.dumps(result.to_dict(), indent=2))
    else:
        echo(format_strongest(result))
        if plot_path is not None:
            echo(f"\n  Curve drawn to {plot_path}")


@app.command()
def discover(
    sweep_table: Annotated[Path, typer.Argument(metavar="SWEEP_TABLE", help="Table from unsc-sim sweep --out (random or lhs design).")],
    metric: Annotated[str, typer.Option("--metric", help="Column of the table, e.g. p_adopted, p_vetoed, CHN_no.")],
    above: Annotated[float, typer.Option("--above", help="A point is of interest when the metric exceeds this.")],
    threshold_density: Annotated[float, typer.Option("--threshold-density", help="Density the box must reach: the box of highest coverage that does.")] = 0.8,
    plot_path: Annotated[Optional[Path], typer.Option("--plot", help="Peeling trajectory and box limits (.png or .svg).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """PRIM scenario discovery: the swept conditions under which a metric exceeds a value."""
    from sim.discover import discover as run_discovery, format_discovery, plot_discovery
    from sim.plots import FIGURE_FORMATS

    check_output_path(plot_path, "--plot", tuple(FIGURE_FORMATS))
    try:
        result = run_discovery(sweep_table, metric, above, threshold_density)
    except InputError as exc:
        fail(exc.problems)
    if plot_path is not None:
        plot_discovery(result).save(plot_path)
    if as_json:
        echo(json.dumps(result.to_dict(), indent=2))
    else:
        echo(format_discovery(result))
        if plot_path is not None:
            echo(f"\n  Trajectory and box drawn to {plot_path}")
