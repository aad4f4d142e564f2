"""Plain-text rendering of results: what ``unsc-sim run``, ``compare`` and ``calibrate`` print
(the sweep's table text lives with the sweep, in :mod:`sim.sweep.text`).

One home for how results read as text, apart from the code that computes them; the computing
modules are imported only when a function here runs, so this module is quick to import.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from sim.calibrate import CalibrationReport
    from sim.compare import ComparisonReport, FileComparison
    from sim.explain import Explanation
    from sim.rules import DecisionRule
    from sim.scenario import Scenario


# ------------------------------------------------------------------------------ comparisons


def describe_record(c: FileComparison) -> str:
    """The record in a few words: outcome, who defeated it, tally."""
    text = c.observed_outcome
    if c.observed_defeaters:
        text += " by " + "+".join(c.observed_defeaters)
    if c.observed_tally:
        text += " " + c.observed_tally
    return text


def describe_forecast(c: FileComparison) -> str:
    """The most likely outcome in the same words as :func:`describe_record`."""
    text = c.modal_outcome
    if c.modal_defeaters:
        text += " by " + "+".join(c.modal_defeaters)
    if (
        c.modal_outcome not in {"withdrawn", "blocked"}
        and c.modal_tally
        and c.kind in {"resolution", "procedural"}
    ):
        text += " " + c.modal_tally
    return text


def _number(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def format_files(files: Sequence[FileComparison]) -> list[str]:
    """One row per decision: the record, the forecast's most likely outcome, the scores."""
    lines = [
        f"  {'date':<10}  {'decision':<28}  {'record':<24}  {'most likely':<24}"
        f"  {'p(out)':>6}  {'p(tally)':>8}  {'log-lik':>7}  {'Brier':>5}  ok",
    ]
    for c in files:
        lines.append(
            f"  {c.date:<10}  {c.symbol[:28]:<28}  {describe_record(c)[:24]:<24}  {describe_forecast(c)[:24]:<24}"
            f"  {c.p_outcome:>6.3f}  {_number(c.p_tally, '8.3f'):>8}  {_number(c.log_likelihood, '7.2f'):>7}"
            f"  {_number(c.brier, '5.3f'):>5}  {'yes' if c.outcome_correct else 'NO'}"
        )
    return lines


def format_totals_row(label: str, total: dict[str, Any]) -> str:
    """One row of the totals table (model or a baseline)."""
    return (
        f"  {label:<42}  {total['outcomes_correct']:>3}/{total['files']:<3}  {total['mean_p_outcome']:>7.3f}"
        f"  {_number(total['log_likelihood'], '9.2f'):>9}  {_number(total['brier'], '6.4f'):>6}"
        f"  {total['event_log_likelihood']:>9.2f}"
    )


def format_comparison(report: ComparisonReport) -> str:
    """The human-readable output of ``unsc-sim compare``."""
    from sim.baselines import BASELINE_LABELS, BASELINES
    from sim.compare import totals

    n = len(report.files)
    lines = [
        f"Model vs the historical record: {n} decision{'s' if n != 1 else ''}, {report.method}",
        f"(probabilities of 0 are floored at {report.floor:.2g} in log-likelihoods; 'ok' = the most likely",
        " outcome, with the same vetoing / blocking members where the record names them, is what happened)",
        *(
            [
                f"parameter uncertainty: {report.posterior['draws']:,} posterior draws from {report.posterior['file']}; "
                "each lane draws its own parameter set, so the probabilities include parameter and vote uncertainty"
            ]
            if report.posterior
            else []
        ),
        *(
            [
                f"the baselines remember {report.remembered} earlier record files, which are not scored "
                "(--record-dir): each baseline sees the decisions dated before the one it forecasts"
            ]
            if report.remembered
            else []
        ),
        "",
        *format_files(report.files),
    ]
    doubtful = []
    for c in report.files:
        low = {code: p for code, p in (c.p_members or {}).items() if p < 0.5}
        if low:
            doubtful.append(
                f"    {c.date} {c.symbol}: " + ", ".join(f"{code} {p:.3f}" for code, p in low.items())
            )
    if doubtful:
        lines += ["", "  Members whose real vote the model gave a probability below 0.5:", *doubtful]
    model_total = totals(report.files)
    lines += [
        "",
        f"  Totals: log-lik = log-likelihood of the {model_total['member_votes']} known member votes"
        f" ({model_total['files_with_votes']} files); event log-lik adds the outcomes",
        "  of the decisions never put to a vote (their only evidence).",
        f"  {'':<42}  {'outcomes':>7}  {'mean p':>7}  {'log-lik':>9}  {'Brier':>6}  {'event ll':>9}",
        format_totals_row("model", model_total),
    ]
    for name, comparisons in report.baselines.items():
        lines.append(format_totals_row(f"baseline: {BASELINE_LABELS[name]}", totals(comparisons)))
    lines += ["", "  Baselines:"]
    for name in report.baselines:
        text = f"{BASELINE_LABELS[name]}: {BASELINES[name]}."
        lines += textwrap.wrap(text, 100, initial_indent="    ", subsequent_indent="      ")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ calibration


def format_calibration(report: CalibrationReport) -> str:
    """The human-readable output of ``unsc-sim calibrate``."""
    from sim.baselines import BASELINE_LABELS
    from sim.compare import totals
    from sim.rolling import rolling_summary

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
    lines += [
        "",
        "  Every decision at the fitted values (in-sample, exact probabilities):",
        *format_files(report.at_fit),
    ]
    fit_total = totals(report.at_fit)
    lines.append(f"  in-sample outcomes right: {fit_total['outcomes_correct']}/{fit_total['files']}")
    if report.rolling is not None:
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
    if report.rolling is not None and not rolling_summary(report.rolling)["decisions"]:
        lines.append("  out of sample: no decision in these files is dated from 2009 on: nothing to forecast")
    elif report.rolling is not None:
        summary = rolling_summary(report.rolling)
        brier = "-" if summary["brier"] is None else f"{summary['brier']:.3f}"
        lines.append(
            f"  out of sample: {summary['outcomes_right']}/{summary['decisions']} outcomes right, "
            f"event log-likelihood {summary['event_log_likelihood']:.2f}, Brier {brier}"
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


# ------------------------------------------------------------------------------ runs


def _percent(value: float) -> str:
    return f"{100 * value:5.1f}%"


def _part(value: float) -> str:
    """A share that is neither none nor all, never printed as 0.0% or 100.0%."""
    if value < 0.0005:
        return "<0.1%"
    if value > 0.9995:
        return ">99.9%"
    return _percent(value).strip()


def voted_share(summary: dict) -> float:
    """Share of lanes put to the vote: all but the withdrawn ones, which have no votes."""
    withdrawn = summary["outcomes"].get("withdrawn", {}).get("probability", 0.0)
    return 1.0 - withdrawn


def modal_tally_share(summary: dict, consensus: bool = False) -> str:
    """The modal tally's share, and of what: "13-0-2 (44.7% of lanes put to the vote)" read as if
    44.7% of lanes were voted on where 18.3% were, so a partial vote names its own share. A
    consensus body takes no vote: its lanes are those where the draft was taken up."""
    share = _percent(summary["tallies"][summary["modal_tally"]]).strip()
    voted = voted_share(summary)
    where = "lanes where the draft was taken up" if consensus else "lanes put to the vote"
    if voted >= 1.0:
        return f"{share} of {where}"
    return f"{share} of the {_part(voted)} of {where}"


def unvoted_note(summary: dict) -> str | None:
    """Why the members' shares do not add up to 100% where the draft was withdrawn in some lanes
    (each share is of all lanes; a withdrawn lane has no vote), or None where every lane voted."""
    voted = voted_share(summary)
    if voted >= 1.0:
        return None
    if voted <= 0.0:
        return "no lane was put to the vote: the draft was withdrawn in every one, so no member voted"
    return (
        f"shares of all lanes: the draft was withdrawn before a vote in {_part(1 - voted)} of them, "
        f"so each member's yes, no and abstain add up to {_part(voted)}"
    )


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
        lines.append(
            f"  Modal tally (yes-no-abstain): {summary['modal_tally']} "
            f"({modal_tally_share(summary, consensus)})"
        )
    if consensus:
        lines.append("  (consensus body: 'no' = objects/holds, 'abstain' = stays silent)")
    # Under a rule with neither veto nor hold (a procedural vote) no member defeats a draft alone:
    # the column would be 0.0% for everyone, so it is left out and the line says why.
    defeats = consensus or rule.permanent_veto
    if not defeats:
        lines.append("  (no veto on this rule: a permanent member's 'no' counts as any other member's)")
    lines.append("")
    defeated_label = ("blocked" if consensus else "vetoed") if defeats else ""
    lines.append(f"  {'member':<34} {'yes':>6} {'no':>6} {'abst.':>6} {defeated_label:>7}".rstrip())
    for member in summary["members"]:
        name = f"{member['name']} ({member['code']}{', P5' if member['permanent'] else ''})"
        lines.append(
            f"  {name:<34} {_percent(member['yes'])} {_percent(member['no'])} "
            f"{_percent(member['abstain'])}" + (f" {_percent(member['defeated']):>7}" if defeats else "")
        )
    if (note := unvoted_note(summary)) is not None:
        lines.append(f"  ({note})")
    return "\n".join(lines)


def format_run_text(
    summary: dict[str, Any], scenario: Scenario, explanation: Optional[Explanation] = None
) -> str:
    """The whole report of ``unsc-sim run`` on ``scenario``; ``summary`` is the run's summary with
    its ``council`` (:func:`sim.council.council_summary`)."""
    from sim.council import beyond_record_notes, format_situation, format_stances, stance_legend
    from sim.measures import describe_at
    from sim.rules import rule_for

    lines = [format_run(summary, rule_for(scenario.spec.proposal.kind, scenario.spec.council.quota))]
    council = summary["council"]
    if scenario.spec.proposal.draft == "first":
        strength = summary["mean_text_scale"]
        lines.append("")
        lines.append(
            f"  Text after the talks (mean over lanes: {100 * strength:.0f}% of the first draft's strength):"
        )
        lines.extend(f"    {describe_at(measure, strength)}" for measure in scenario.spec.proposal.measures)
    lines.append("")
    lines.extend(format_situation(scenario))
    lines.extend(f"  {label}: {text}" for label, text in beyond_record_notes(council["beyond_record"]))
    if council["overridden_parameters"]:
        lines.append("  Model parameters set by the file: " + ", ".join(council["overridden_parameters"]))
    lines.append(stance_legend(council["stances"], council["preset_file"]))
    lines.extend(format_stances(council["stances"]))
    if explanation is not None:
        from sim.explain import format_explanation

        lines.append("")
        lines.append(format_explanation(explanation))
    return "\n".join(lines)
