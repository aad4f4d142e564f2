"""The text ``unsc-sim run`` prints: outcomes, defeaters, tally and votes, the text after the talks,
the situation, the stances used and, with ``--explain``, the explanation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from sim.explain import Explanation
    from sim.rules import DecisionRule
    from sim.scenario import Scenario


def _percent(value: float) -> str:
    return f"{100 * value:5.1f}%"


def format_run(summary: dict, rule: DecisionRule) -> str:
    """The outcomes, who defeated the draft, the modal tally and every member's votes."""
    consensus = rule.consensus
    lines = [
        f"{summary['scenario']}",
        f"  {summary['scenario_file']}",
        f"  {summary['proposal_kind']}: {rule.description}",
        f"  {summary['replicates']:,} replicates, seed {summary['seed']}, unsc-sim {summary['version']}",
        *(
            [
                f"  parameter uncertainty: {summary['posterior']['draws']:,} posterior draws from "
                f"{summary['posterior']['file']}, one per lane; intervals include parameter and vote uncertainty"
            ]
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
        verb = "Blocked" if consensus else "Vetoed"
        shares = ", ".join(
            f"{code} {_percent(share).strip()}" for code, share in summary["defeated_by"].items()
        )
        lines.append(f"  {verb} by: {shares}")
        lines.append(f"  Most common {verb.lower()} set: {'+'.join(summary['modal_defeaters'])}")
    if summary["modal_tally"] is not None:
        top = summary["tallies"][summary["modal_tally"]]
        lines.append(
            f"  Modal tally (yes-no-abstain): {summary['modal_tally']} "
            f"({_percent(top).strip()} of lanes put to the vote)"
        )
    if consensus:
        lines.append("  (consensus body: 'no' = objects/holds, 'abstain' = stays silent)")
    lines.append("")
    defeated_label = "blocked" if consensus else "vetoed"
    lines.append(f"  {'member':<34} {'yes':>6} {'no':>6} {'abst.':>6} {defeated_label:>7}")
    for member in summary["members"]:
        name = f"{member['name']} ({member['code']}{', P5' if member['permanent'] else ''})"
        lines.append(
            f"  {name:<34} {_percent(member['yes'])} {_percent(member['no'])} "
            f"{_percent(member['abstain'])} {_percent(member['defeated']):>7}"
        )
    return "\n".join(lines)


def format_run_text(
    summary: dict[str, Any], scenario: Scenario, explanation: Optional[Explanation] = None
) -> str:
    """The whole report of ``unsc-sim run`` on ``scenario``; ``summary`` is the run's summary with
    its ``council`` (:func:`sim.council.council_summary`)."""
    from sim.council import format_situation, format_stances
    from sim.rules import rule_for

    lines = [format_run(summary, rule_for(scenario.spec.proposal.kind))]
    council = summary["council"]
    if scenario.spec.proposal.draft == "first":
        strength = summary["mean_text_scale"]
        lines.append("")
        lines.append(
            f"  Text after the talks (mean over lanes: {100 * strength:.0f}% of the first draft's strength):"
        )
        lines.extend(f"    {measure.describe(strength)}" for measure in scenario.spec.proposal.measures)
    lines.append("")
    lines.extend(format_situation(scenario))
    if council["overridden_parameters"]:
        lines.append("  Model parameters set by the file: " + ", ".join(council["overridden_parameters"]))
    lines.append(
        "  Stances used (origin: UNGA = derived from the General Assembly record, preset = "
        "sim/data/members.toml"
        + (f", preset file = {council['preset_file']}" if council["preset_file"] else "")
        + ", file = this scenario, like X = template, rule = salience rule):"
    )
    lines.extend(format_stances(council["stances"]))
    if explanation is not None:
        from sim.explain import format_explanation

        lines.append("")
        lines.append(format_explanation(explanation))
    return "\n".join(lines)
