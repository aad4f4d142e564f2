"""Commands on one scenario or the council: ``run``, ``members``, ``measures``, ``validate``,
``power``, ``version``."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import (
    MAX_RUN_REPLICATES,
    POSTERIOR_OPTION_HELP,
    check_output_path,
    echo,
    fail,
    load_or_fail,
    load_posterior_or_fail,
    load_scenario,
)
from sim.errors import InputError


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




def version() -> None:
    """Print the version."""
    from sim import __version__

    echo(__version__)

