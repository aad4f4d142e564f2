"""Commands on one scenario or the council: ``run``, ``members``, ``measures``, ``validate``,
``power``, ``version``."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import (
    JsonFlag,
    PosteriorDraws,
    RootSeed,
    ScenarioFile,
    ScenarioFiles,
    check_output_path,
    echo,
    fail,
    flags_for,
    load_or_fail,
    load_posterior_or_fail,
    load_scenario,
    replicates_option,
)
from sim.errors import InputError


def run(
    scenario_file: ScenarioFile,
    replicates: Annotated[
        int,
        replicates_option(
            "Independent lanes, at most 20,000,000 (counted chunk by chunk: memory does not grow "
            "with lanes; with --out, --explain or --posterior every lane is kept: about 45 bytes each, a "
            "peak of 1.1 GB at the maximum)."
        ),
    ] = 10_000,
    seed: RootSeed = 0,
    as_json: JsonFlag = False,
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Per-lane table (.csv or .parquet).")
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Each member's utility in its parts, and who was pivotal where the draft failed.",
        ),
    ] = False,
    posterior: PosteriorDraws = None,
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
    from sim.council import council_summary

    summary["council"] = council_summary(scenario)
    explanation = None
    if explain:
        from sim.explain import explain_run

        explanation = explain_run(scenario, result, posterior=draws)
        summary["explain"] = explanation.to_dict()
    if out is not None:
        result.write(out)
    if as_json:
        echo(json.dumps(summary, indent=2))
    else:
        from sim.text import format_run_text

        echo(format_run_text(summary, scenario, explanation))
        if out is not None:
            echo(f"\n  Per-lane table written to {out}")


def warn_about(scenario) -> None:
    """One line on stderr for each thing in the draft that makes no sense (the run still happens)."""
    from sim.checks import draft_warnings

    for line in draft_warnings(scenario):
        echo(f"warning: {line}", err=True)


def members(
    year: Annotated[
        int, typer.Option("--year", "-y", min=2006, max=2026, help="The council of this year.")
    ] = 2022,
    date: Annotated[
        Optional[str],
        typer.Option(
            "--date", help="Day whose situation and UNGA positions to use (default: 1 July of the year)."
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List a year's council: every member's stances, where each came from, and the situation."""
    from sim.council import (
        beyond_record_notes,
        council_of_year,
        council_summary,
        format_situation,
        format_stances,
        stance_legend,
    )

    try:
        scenario = council_of_year(year, date, label=f"--year {year}")
    except InputError as exc:
        fail([problem.replace("context.date", "--date") for problem in exc.problems])
    summary = council_summary(scenario)
    if as_json:
        echo(json.dumps({"year": year, **summary}, indent=2))
        return
    echo(f"The council of {year}")
    echo("\n".join(format_situation(scenario)))
    for label, text in beyond_record_notes(summary["beyond_record"]):  # as `run` prints them
        echo(f"  {label}: {text}")
    echo(stance_legend(summary["stances"], summary["preset_file"]))
    echo("\n".join(format_stances(summary["stances"])))


def measures(
    as_json: JsonFlag = False,
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


def validate(
    scenario_files: ScenarioFiles,
) -> None:
    """Check scenario files; print one line per problem (exit 2 if any)."""
    problems: list[str] = []
    for path in scenario_files:
        try:
            scenario = load_scenario(path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if scenario.spec.sweep is not None and (refused := sweep_problems(path)):
            problems.extend(refused)
            continue
        count = len(scenario.spec.proposal.measures)
        echo(
            f"{path}: ok ({scenario.spec.proposal.kind}, {len(scenario.members)} members, "
            f"{count} measure{'' if count == 1 else 's'})"
        )
        warn_about(scenario)  # what `run` would warn of: valid, but probably not what was meant
    if problems:
        fail(problems)


def sweep_problems(path: Path) -> list[str]:
    """What `sweep FILE` would refuse in the file's [sweep] table (swept keys, ranges, samples, every
    point), so that validate's "ok" also means the declared sweep will start."""
    from sim.sweep import load_sweep

    try:
        load_sweep(path)
    except InputError as exc:
        return exc.problems
    return []


class PowerRule(str, Enum):
    resolution = "resolution"
    procedural = "procedural"
    committee = "committee"
    statement = "statement"


def power(
    rule: Annotated[PowerRule, typer.Option("--rule", help="Decision rule.")] = PowerRule.resolution,
    year: Annotated[Optional[int], typer.Option("--year", help="Name the elected ten of a year.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Exact Shapley-Shubik and Banzhaf voting power under a rule, by enumerating coalitions."""
    from sim.power import council_seats, format_power, power_indices, power_table
    from sim.rules import rule_for

    with flags_for({"year": "--year"}):
        codes, permanent = council_seats(year)
    decision_rule = rule_for(rule.value)
    indices = power_indices(decision_rule, permanent, codes)
    echo(
        json.dumps(power_table(rule.value, indices, permanent), indent=2)
        if as_json
        else format_power(decision_rule, indices, permanent)
    )


def version() -> None:
    """Print the version."""
    from sim import __version__

    echo(__version__)
