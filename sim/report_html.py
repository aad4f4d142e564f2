"""The pieces of the report page (:mod:`sim.report`): escaping and public references, numbers,
embedded figures and tables, and the sections of each file (proposal, situation, council,
outcome, votes, record, explanation) and of the overview.

Apart from the page's assembly and writing so each file stays one job; every piece returns HTML
with all text from files escaped.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.compare import totals
from sim.measures import describe_at, human_rights_change, total_shift
from sim.member import Member
from sim.model import CouncilModel
from sim.plots import Plot, run_plot, seat_plot
from sim.results import RunResult
from sim.rules import rule_for
from sim.scenario import STANCE_FIELDS, Scenario
from sim.text import modal_tally_share, unvoted_note

if TYPE_CHECKING:
    from sim.report import ReportEntry

FIGURE_DPI = 100
FIGURE_COLOURS = 64
"""Figures are embedded as palette PNGs of this many colours: a third of the bytes of full
colour, with no visible change to flat-coloured charts (the page for 32 files: 7.2 MB -> 2.1 MB)."""

_SEED_ARTICLE = r"seed\s+articles?\s+\d+(?:(?:\s*,\s*|\s+and\s+)\d{3}\b)*"
"""A citation of the seed articles: "seed article 000", "seed articles 000 and 003"."""
_README_SECTION = r"README,\s*'[^']*'"
"""A citation of a README section: "README, 'Parameter uncertainty'"."""
_CITING = (
    r"(?:(?:(?:as\s+)?(?:reported|cited|quoted|described|noted|given)\s+(?:in|by)"
    r"|according\s+to|see|from|in)\s+)?"
)
"""The words that lead up to a citation ("as reported in", "see"): they go with it."""


def _drop_citation(match: re.Match[str]) -> str:
    """What replaces a citation left out of running text (its separators and lead-in words with
    it), so that the rest stays well-formed: nothing where it opened a parenthesis or the text or
    closed a clause ("(the US, as reported in seed article 000)" -> "(the US)"), else the
    separator it sat between ("launches, as reported in seed article 000, before" -> "launches
    before"; "MoD; seed article 000 (23 launches)" -> "MoD (23 launches)")."""
    text, start, end = match.string, match.start(), match.end()
    before = text[:start].rstrip()
    after = text[end:]
    if not before or before[-1] in "([" or not after or after[0] in ")].;:!?":
        return ""
    if match.group("before") and match.group("after"):  # between two separators: one stays
        return "; " if ";" in match.group("before") + match.group("after") else " "
    return " "


INTERNAL_REFERENCES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # Scenario and data files cite the project's working notes (history.md, the seed articles,
    # README sections) as their sources; readers of the page get public references instead.
    # A citation goes with its own parentheses only where it fills them, else with its separator
    # and lead-in words: the parentheses around it stay, so the text stays balanced.
    *(
        (re.compile(rf"\s*\(\s*{_CITING}{cited}\s*\)", re.IGNORECASE), "")
        for cited in (_README_SECTION, _SEED_ARTICLE)
    ),
    *(
        (
            re.compile(rf"(?P<before>\s*[;,])?\s*{_CITING}{cited}(?P<after>\s*[;,:])?\s*", re.IGNORECASE),
            _drop_citation,
        )
        for cited in (_README_SECTION, _SEED_ARTICLE)
    ),
    (re.compile(r"\s*\(history\.md\)"), " (UN Security Council records)"),
    (re.compile(r";\s*history\.md\b"), ""),
    (re.compile(r"\bhistory\.md:\s*"), ""),
    (re.compile(r"\bin history\.md\b"), "in the sources"),
    (re.compile(r"\bhistory\.md\b"), "UN Security Council records"),
    (re.compile(r"\(\s*\)"), ""),
)


def reader_text(text: str) -> str:
    """``text`` with the project's internal references (working notes, seed articles, README
    sections) replaced by public ones or left out: the page is for readers of the study."""
    for pattern, replacement in INTERNAL_REFERENCES:
        text = pattern.sub(replacement, text)
    return text


# ------------------------------------------------------------------------------ formatting


def html_text(value: Any) -> str:
    """Escaped text for the page, internal references replaced (:func:`reader_text`)."""
    return escape(reader_text(str(value)), quote=True)


_e = html_text  # short, as the sections use it on nearly every line


def _p(value: float | None, digits: int = 3) -> str:
    return "&ndash;" if value is None else f"{value:.{digits}f}"


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def _figure(plot: Plot, caption: str) -> str:
    """The figure as an embedded palette PNG (:data:`FIGURE_COLOURS`), with its caption."""
    from PIL import Image  # matplotlib's own dependency

    buffer = io.BytesIO()
    plot.figure.savefig(buffer, format="png", dpi=FIGURE_DPI)
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    palette = image.quantize(colors=FIGURE_COLOURS, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{encoded}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _table(
    headers: Iterable[tuple[str, str]], rows: Iterable[Iterable[tuple[str, str]]], cls: str = ""
) -> str:
    """A table from (html, css class) cells; every html fragment is escaped by the caller."""
    head = "".join(f'<th class="{c}">{h}</th>' for h, c in headers)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{v}</td>' for v, c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _facts(rows: Iterable[tuple[str, str]], cls: str = "facts") -> str:
    """A two-column table of (label, html) facts, without a header row."""
    body = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    return f'<table class="{cls}"><tbody>{body}</tbody></table>'


def _names(scenario: Scenario) -> dict[str, str]:
    return {m.code: m.name for m in scenario.members}


# ------------------------------------------------------------------------------ sections


def _proposal_section(scenario: Scenario, result: RunResult | None = None) -> str:
    """The proposal as drafted and, for a first draft, the text the model predicts the talks
    leave (``result``'s mean text strength over lanes, each measure at that strength: what
    ``unsc-sim run`` prints under "Text after the talks")."""
    spec = scenario.spec
    proposal = spec.proposal
    situation = scenario.situation
    assert situation is not None
    names = _names(scenario)
    rule = rule_for(proposal.kind, spec.council.quota)
    measures = "".join(f"<li>{_e(m.describe())}</li>" for m in proposal.measures)
    d_pressure, d_reciprocity = total_shift(proposal.measures)
    sponsors = ", ".join(f"{_e(names.get(c, c))} ({_e(c)})" for c in proposal.sponsors)
    if proposal.draft == "first":
        talks = (
            f"first draft: up to {spec.negotiation.rounds} rounds of talks, in each of which the penholder "
            f"({_e(names.get(proposal.sponsors[0], proposal.sponsors[0]))}) may soften the text"
        )
    else:
        talks = "final draft: the text as it reached the decision, no talks left"
    rows = [
        ("Title", _e(proposal.title)),
        ("Symbol", _e(proposal.symbol or "none given (proposal.symbol)")),
        ("Kind", f"{_e(proposal.kind)}: {_e(rule.description)}"),
        ("Sponsors (penholder first)", sponsors),
        ("Measures (as first drafted)" if proposal.draft == "first" else "Measures", f"<ul>{measures}</ul>"),
        (
            "Move of the regime",
            f"pressure {d_pressure:+.3f}, reciprocity {d_reciprocity:+.3f} "
            f"(from {situation.status_quo_pressure:.2f}, {situation.status_quo_reciprocity:.2f})"
            + (
                f"; human rights {rights:+.3f} (each member's stake is signed by its General Assembly vote "
                "on the DPRK human-rights resolution)"
                if (rights := human_rights_change(proposal.measures))
                else ""
            ),
        ),
        ("Negotiation", f'<span class="draft">{talks}</span>'),
    ]
    if proposal.draft == "first" and result is not None:
        rows.append(("Text after the talks (the model's prediction)", _text_after_talks(scenario, result)))
    if scenario.overridden_parameters:
        rows.append(("Model parameters set by the file", _e(", ".join(scenario.overridden_parameters))))
    return f"<h3>The proposal</h3>{_facts(rows)}{_situation_section(scenario)}"


def _text_after_talks(scenario: Scenario, result: RunResult) -> str:
    """The text the penholder's talks leave in the model: the first draft's strength kept, as a
    mean over lanes, and each measure at that strength (:func:`sim.measures.describe_at`, as
    ``unsc-sim run`` prints them)."""
    strength = result.summary()["mean_text_scale"]
    softened = "".join(f"<li>{_e(describe_at(m, strength))}</li>" for m in scenario.spec.proposal.measures)
    return (
        f'predicted, not recorded: mean over lanes <span class="text-scale">{100 * strength:.0f}%</span> '
        f"of the first draft's strength, each measure at that strength:"
        f'<ul class="text-after-talks">{softened}</ul>'
    )


SITUATION_ROWS: tuple[tuple[str, str, str], ...] = (
    # (Situation attribute, [context] key that overrides it, label)
    ("provocation", "provocation", "Provocation stock (a nuclear test = 1, fading)"),
    ("provocation_record", "provocation_record", "Provocation record (every test and launch, not fading)"),
    ("unreciprocated_steps", "unreciprocated_steps", "Unreciprocated DPRK steps (stock, fading)"),
    ("talks_under_way", "talks_under_way", "Talks under way"),
    ("tension", "great_power_tension", "Great-power tension (0-1)"),
    ("status_quo_pressure", "status_quo_pressure", "Regime in force: pressure (0-1)"),
    ("status_quo_reciprocity", "status_quo_reciprocity", "Regime in force: reciprocity (0-1)"),
)


def _situation_section(scenario: Scenario) -> str:
    """The situation on the date (:mod:`sim.situation`), each value with where it came from:
    the dated series, or the file's ``[context]`` where it overrides them."""
    context = scenario.spec.context
    situation = scenario.situation
    assert situation is not None
    rows = [("Date", _e(situation.date.isoformat()))]
    added = [
        label
        for key, label in (("nuclear_test", "a nuclear test"), ("icbm_launch", "an ICBM launch"))
        if getattr(context, key)
    ]
    if added:
        rows.append(
            ("Added on the day (what-if)", _e(" and ".join(added)) + " (in the provocation stock and record)")
        )
    for attribute, key, label in SITUATION_ROWS:
        value = getattr(situation, attribute)
        shown = ("yes" if value else "no") if isinstance(value, bool) else f"{value:.3f}"
        if attribute in situation.overridden:
            where = f'<span class="overridden">set by the file (context.{_e(key)})</span>'
        else:
            where = _e(situation.sources.get(attribute, "sim/situation.py"))
        rows.append((_e(label), f'<span class="situation-{_e(key)}">{shown}</span>; {where}'))
    if context.note:
        rows.append(("Note", _e(context.note)))
    from sim.council import beyond_record, beyond_record_notes

    for label, text in beyond_record_notes(beyond_record(scenario)):
        rows.append((_e(label), f'<span class="beyond-record">{_e(text)}</span>'))
    return f"<h3>The situation on the date</h3>{_facts(rows)}"


def _stance_cell(scenario: Scenario, member: Member, key: str) -> str:
    """The file's or preset's stance as written, else the value the model derived for it."""
    profile = scenario.members[member.index]
    if key in profile.stances:
        return _e(profile.stances[key].describe())
    return f"{float(np.mean(getattr(member, key))):.3g} (derived)"


def _council_section(scenario: Scenario) -> str:
    headers = [("Member", ""), ("Seat", "")] + [(_e(k.replace("_", " ")), "num") for k in STANCE_FIELDS]
    headers += [("Ties", ""), ("Basis", "")]
    # Stances the file leaves out are derived when the model is built (sim/stances.py): read them
    # from its members. A fixed seed: a drawn stance is shown as its distribution, never a draw.
    model = CouncilModel(scenario, lanes=1, rng=0, collect=False)
    rows = []
    for member, agent in zip(scenario.members, model.members, strict=True):
        ties = ", ".join(f"{_e(code)} {weight:+g}" for code, weight in sorted(member.ties.items()))
        sources = "".join(f"<li>{_e(k)}: {_e(v)}</li>" for k, v in member.sources.items())
        basis = _e(member.note) + (f"<ul>{sources}</ul>" if sources else "")
        rows.append(
            [
                (f"{_e(member.name)} ({_e(member.code)})", ""),
                ("permanent" if member.permanent else "elected", ""),
            ]
            + [(_stance_cell(scenario, agent, k), "num") for k in STANCE_FIELDS]
            + [
                (ties or "&ndash;", ""),
                (f"<details><summary>why</summary>{basis}</details>" if basis else "", ""),
            ]
        )
    note = (
        '<p class="note">Stances in [0, 1]; U(a, b) is drawn uniformly and N(m, s) from a normal '
        'truncated to [0, 1], afresh in every lane; "derived" values come from the member\'s UNGA '
        "position (pressure, reciprocity) or the salience rule. Ties: alignment with other members "
        "in [-1, 1].</p>"
    )
    return f"<h3>The council and its stances</h3>{note}{_table(headers, rows, 'stances')}"


def _outcome_section(result: RunResult) -> str:
    outcomes = result.outcome_table()
    rows = [
        [
            (_e(row.outcome), ""),
            (_p(row.probability), f"num p-{row.outcome}"),
            (f"[{_p(row.ci_low)}, {_p(row.ci_high)}]", "num"),
            (f"{int(row.count):,}", "num"),
        ]
        for row in outcomes.itertuples()
    ]
    table = _table(
        [
            ("Outcome", ""),
            ("Probability", "num"),
            (
                "95% interval (Wilson)"
                if result.parameter_uncertainty is None
                else "95% interval (parameters and votes)",
                "num",
            ),
            ("Lanes", "num"),
        ],
        rows,
        "outcomes",
    )
    summary = result.summary()
    consensus = rule_for(result.scenario.spec.proposal.kind).consensus
    lines = [f"Most likely outcome: <b>{_e(summary['most_likely_outcome'])}</b>."]
    if summary["defeated_by"]:
        verb = "Blocked" if consensus else "Vetoed"
        shares = ", ".join(f"{_e(c)} {_percent(s)}" for c, s in summary["defeated_by"].items())
        lines.append(
            f"{verb} by: {shares} of lanes; most common set: {_e('+'.join(summary['modal_defeaters']))}."
        )
    if summary["modal_tally"]:
        lines.append(
            f"Modal tally (yes-no-abstain): <b>{_e(summary['modal_tally'])}</b> "
            f"({_e(modal_tally_share(summary, consensus))})."
        )
    if (note := unvoted_note(summary)) is not None:
        lines.append(f"Members' votes: {_e(note)}.")
    # No chart of the outcomes: the table has the same numbers with their intervals (the page
    # carries two figures a file, not three).
    return f"<h3>Outcome probabilities</h3>{table}<p>{' '.join(lines)}</p>"


def _votes_section(entry: ReportEntry) -> str:
    result = entry.result
    members = result.member_table()
    tallies = result.tallies()
    record = entry.scenario.spec.history
    real = record.votes if record is not None else {}
    p_members = (entry.comparison.p_members or {}) if entry.comparison else {}
    defeated = "blocked" if entry.scenario.spec.proposal.kind in {"committee", "statement"} else "vetoed"
    headers = [("Member", ""), ("yes", "num"), ("no", "num"), ("abstain", "num"), (defeated, "num")]
    if real:
        headers += [("Real vote", ""), ("P(real vote)", "num")]
    rows = []
    for row in members.itertuples():
        cells = [
            (f"{_e(row.name)} ({_e(row.code)}{', P5' if row.permanent else ''})", ""),
            (_percent(row.yes), f"num yes-{row.code}"),
            (_percent(row.no), f"num no-{row.code}"),
            (_percent(row.abstain), f"num abstain-{row.code}"),
            (_percent(row.defeated), "num"),
        ]
        if real:
            cells += [
                (_e(real.get(row.code, "unknown")).replace("_", " "), ""),
                (_p(p_members.get(row.code)), "num"),
            ]
        rows.append(cells)
    tally_rows = [[(_e(label), ""), (_percent(share), "num")] for label, share in tallies.head(10).items()]
    tally_table = (
        _table(
            [("Tally (yes-no-abstain)", ""), ("Share of lanes put to the vote", "num")], tally_rows, "tallies"
        )
        if tally_rows
        else '<p class="note">No lane came to a vote.</p>'
    )
    title = f"{result.scenario.name}: {result.replicates:,} lanes, seed {result.seed}"
    figures = _figure(
        run_plot(members, tallies, title), "Each member's vote shares and the tally distribution"
    )
    figures += _figure(
        seat_plot(members, size=(6.0, 4.0)),
        "The Council's horseshoe: each seat a pie of the member's yes / no / abstain shares; permanent members ringed",
    )
    return (
        f"<h3>Tally distribution</h3>{tally_table}"
        f"<h3>Each member's votes</h3>{_table(headers, rows, 'members')}{figures}"
    )


def _record_source(record: Any) -> str:
    """The record's source as readers can look it up: the file's source without internal notes,
    or the decision's document symbol where the notes were the only source."""
    cited = reader_text(record.source).strip(" ;,")
    if not cited or cited.startswith("UN Security Council records"):
        rest = cited.removeprefix("UN Security Council records").strip()
        cited = f"UN Security Council records, {record.symbol}" + (f" {rest}" if rest else "")
    return cited


def _history_section(entry: ReportEntry) -> str:
    record = entry.scenario.spec.history
    comparison = entry.comparison
    if record is None or comparison is None:
        return '<h3>Comparison with history</h3><p class="note">The file has no [history] table.</p>'
    real = f"{_e(record.outcome)}"
    if comparison.observed_defeaters:
        real += " by " + _e("+".join(comparison.observed_defeaters))
    if record.tally:
        real += f", {_e(record.tally)}"
    verdict = (
        '<span class="hit">the most likely simulated outcome is what happened</span>'
        if comparison.outcome_correct
        else '<span class="miss">the most likely simulated outcome is not what happened</span>'
    )
    modal = _e(comparison.modal_outcome)
    if comparison.modal_defeaters:
        modal += " by " + _e("+".join(comparison.modal_defeaters))
    rows = [
        (
            "What happened",
            f"{real} ({_e(record.symbol)}, {_e(record.date)}; source: {_e(_record_source(record))})",
        ),
        ("Most likely in the model", f"{modal}: {verdict}"),
        ("P(real outcome)", f'<span class="p-real-outcome">{_p(comparison.p_outcome)}</span>'),
        ("P(real tally)", _p(comparison.p_tally)),
        ("Log-likelihood of the member votes", _p(comparison.log_likelihood)),
        ("Brier score of the member votes (0 best, 2 worst)", _p(comparison.brier)),
    ]
    if record.note:
        rows.append(("Record", _e(record.note)))
    notes = "".join(f"<li>{_e(n)}</li>" for n in comparison.notes)
    table = _facts(rows, "history")
    return f"<h3>Comparison with history</h3>{table}" + (f'<ul class="note">{notes}</ul>' if notes else "")


def _explain_section(entry: ReportEntry) -> str:
    """Each member's utility in its parts and its pivotal share (``run --explain``)."""
    from sim.explain import explain_run

    explanation = explain_run(entry.scenario, entry.result, posterior=entry.posterior)
    names = ("stake", "consensus_norm", "ties", "utility", "threshold", "noise_sd")
    headers = [("Member", "")] + [(name.replace("_", " "), "num") for name in names] + [("pivotal", "num")]
    rows = [
        [(f"{_e(m.name)} ({_e(m.code)})", "")]
        + [(f"{getattr(m, name):.3f}", "num") for name in names]
        + [("-" if m.pivotal_share is None else _percent(m.pivotal_share), "num")]
        for m in explanation.members
    ]
    note = (
        f'<p class="note">Utility = stake (stake weight {explanation.stake_weight:.3g} x salience x gain) + '
        "consensus norm (on the penholder's draft, weakened by great-power tension) + ties to the sponsors (a sponsor's own draft: whole); a no below -threshold, a yes above the abstention band"
        + (
            f" after the noise and, for a permanent member in {100 * explanation.surprise_share:.3g}% of lanes, a "
            f"surprise of sd {explanation.surprise_sd:.3g} (P(no) counts both). "
            if explanation.surprise_share > 0
            else ". "
        )
        + "Pivotal: share of the lanes not adopted in which the member's switch to yes alone adopts the draft.</p>"
    )
    extra = "".join(f'<p class="note">{_e(line)}</p>' for line in explanation.notes)
    return f"<h3>Why: each member's utility</h3>{_table(headers, rows, 'explain')}{note}{extra}"


def entry_section(index: int, entry: ReportEntry) -> str:
    scenario = entry.scenario
    made = (
        f'<p class="meta">File <code>{_e(scenario.path)}</code>; scenario fingerprint '
        f"<code>{_e(scenario.fingerprint())}</code>; {entry.result.replicates:,} replicates, seed "
        f"{entry.result.seed}.</p>"
    )
    description = (
        f"<p>{_e(scenario.spec.scenario.description)}</p>" if scenario.spec.scenario.description else ""
    )
    return (
        f'<section id="s{index}"><h2>{index}. {_e(scenario.name)}</h2>{made}{description}'
        f"{_proposal_section(scenario, entry.result)}{_council_section(scenario)}{_outcome_section(entry.result)}"
        f"{_votes_section(entry)}{_explain_section(entry)}{_history_section(entry)}</section>"
    )


def _defeaters(summary: dict[str, Any], most: int = 3) -> str:
    """Who vetoed or blocked, with the share of lanes in which each did ("none" if nobody)."""
    shares = list(summary["defeated_by"].items())
    if not shares:
        return "none"
    shown = ", ".join(f"{_e(code)} {_percent(share)}" for code, share in shares[:most])
    return shown + (f" and {len(shares) - most} more" if len(shares) > most else "")


def overview_section(entries: Sequence[ReportEntry]) -> str:
    headers = [
        ("#", "num"),
        ("Scenario", ""),
        ("Most likely (simulated)", ""),
        ("P(adopted)", "num"),
        ("P(vetoed)", "num"),
        ("Vetoed or blocked by (share of lanes)", ""),
        ("What happened", ""),
        ("P(real outcome)", "num"),
        ("P(real tally)", "num"),
        ("Log-lik.", "num"),
        ("Brier", "num"),
    ]
    rows = []
    for index, entry in enumerate(entries, start=1):
        summary = entry.result.summary()
        likely = summary["most_likely_outcome"]
        comparison = entry.comparison
        rows.append(
            [
                (str(index), "num"),
                (f'<a href="#s{index}">{_e(entry.scenario.name)}</a>', ""),
                (_e(likely), ""),
                (_p(summary["outcomes"]["adopted"]["probability"]), "num p-adopted"),
                (_p(summary["outcomes"]["vetoed"]["probability"]), "num p-vetoed"),
                (_defeaters(summary), "defeaters"),
                (_e(comparison.observed_outcome) if comparison else "&ndash;", ""),
                (_p(comparison.p_outcome) if comparison else "&ndash;", "num"),
                (_p(comparison.p_tally) if comparison else "&ndash;", "num"),
                (_p(comparison.log_likelihood) if comparison else "&ndash;", "num"),
                (_p(comparison.brier) if comparison else "&ndash;", "num"),
            ]
        )
    html = f"<h2>Overview</h2>{_table(headers, rows, 'overview')}"
    compared = [e.comparison for e in entries if e.comparison is not None]
    if compared:
        total = totals(compared)
        html += (
            f"<p>Against the record: the most likely simulated outcome is what happened in "
            f"<b>{total['outcomes_correct']} of {total['files']}</b> files; mean P(real outcome) "
            f"{_p(total['mean_p_outcome'])}; log-likelihood of {total['member_votes']} member votes "
            f"{_p(total['log_likelihood'])}; mean Brier score {_p(total['brier'])}.</p>"
        )
    return html
