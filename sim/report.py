"""A study report: one self-contained HTML page for one scenario or a set of historical files.

For each file: the proposal (its measures in words, the penholder's rounds of talks or a final
draft and, for a first draft, the text the model predicts the talks leave), the situation on its
date (:mod:`sim.situation`, saying which values the file overrides), the council and its stances
(derived ones as the model derives them),
the outcome probabilities with 95% intervals, the tally distribution, each member's votes, and,
where the file has a [history] table, the comparison with what really happened
(:func:`sim.compare.compare_result`). Figures come from :mod:`sim.plots` and are embedded as
base64 PNG, styles are inline: the page needs no other file and no network. Every piece of text
from a file is HTML-escaped. The page says what made it (version, seed, replicates, each
scenario's fingerprint) and is written atomically. The pieces of the page (escaping, figures,
tables, sections) are :mod:`sim.report_html`; this module runs, assembles and writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim import __version__
from sim.compare import CompareError, FileComparison, compare_result
from sim.files import atomic_write_text
from sim.progress import progress_bar
from sim.report_html import (  # noqa: F401 (reader_text, FIGURE_*: re-exported where callers import them)
    FIGURE_COLOURS,
    FIGURE_DPI,
    INTERNAL_REFERENCES,
    entry_section,
    html_text,
    overview_section,
    reader_text,
)
from sim.results import RunResult
from sim.runner import run
from sim.scenario import Scenario

REPORT_FORMATS = (".html", ".htm")

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 72em;
       padding: 0 1em; color: #212121; line-height: 1.45; }
h1 { font-size: 1.7em; } h2 { border-bottom: 2px solid #37474f; padding-bottom: .2em; margin-top: 2.2em; }
h3 { margin-top: 1.5em; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .92em; }
th, td { border-bottom: 1px solid #cfd8dc; padding: .25em .7em; text-align: left; vertical-align: top; }
th { background: #eceff1; } table.facts th, table.history th { width: 16em; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; }
figcaption, .meta, .note { color: #546e7a; font-size: .9em; }
.hit { color: #2e7d32; font-weight: 600; } .miss { color: #c62828; font-weight: 600; }
details summary { cursor: pointer; color: #455a64; }
code { background: #f5f5f5; padding: 0 .25em; }
"""


class ReportError(ValueError):
    """Bad input to a report (e.g. the output path): one line."""


@dataclass(frozen=True)
class ReportEntry:
    """One scenario's run and, where its file has a [history] table, the comparison."""

    scenario: Scenario
    result: RunResult
    comparison: FileComparison | None
    posterior: Any = None
    """The posterior draws the run used, if any (its explanation is then over the same draws)."""


def build_entries(
    scenarios: Sequence[Scenario], replicates: int, seed: int, posterior: Any = None, progress: bool = False
) -> list[ReportEntry]:
    """Run every scenario with the same replicates and seed (and posterior draws, if given: see
    :mod:`sim.posterior`) and compare it with its record (``progress``: a bar on stderr)."""
    entries = []
    for scenario in progress_bar("report: simulating", " files", progress, scenarios):
        result = run(scenario, replicates=replicates, seed=seed, posterior=posterior)
        try:
            comparison: FileComparison | None = compare_result(result)
        except CompareError:
            comparison = None
        entries.append(ReportEntry(scenario, result, comparison, posterior))
    return entries


def render_report(entries: Sequence[ReportEntry], title: str | None = None, progress: bool = False) -> str:
    """The whole page as one string of HTML."""
    if not entries:
        raise ReportError("a report needs at least one scenario")
    title = title or (
        entries[0].scenario.name if len(entries) == 1 else f"unsc-sim study: {len(entries)} decisions"
    )
    first = entries[0].result
    made = (
        f'<p class="meta">Made by unsc-sim {html_text(__version__)} with {first.replicates:,} replicates '
        f"per scenario, seed {first.seed}. Each lane is an independent replicate of the council; "
        + (
            "probabilities are shares of lanes, intervals 95% Wilson intervals.</p>"
            if first.parameter_uncertainty is None
            else f"probabilities are shares of lanes. Parameter uncertainty: {first.parameter_uncertainty.posterior['draws']:,} "
            f"posterior draws from {html_text(first.parameter_uncertainty.posterior['file'])}, each lane its own; "
            f"{html_text(first.parameter_uncertainty.note)}.</p>"
        )
    )
    overview = overview_section(entries) if len(entries) > 1 else ""
    numbered = list(enumerate(entries, start=1))
    sections = "".join(
        entry_section(i, e) for i, e in progress_bar("report: drawing", " files", progress, numbered)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html_text(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html_text(title)}</h1>{made}{overview}{sections}</body></html>\n"
    )


def write_report(html: str, path: str | Path) -> Path:
    """Write the page atomically (temporary file beside it, then rename)."""
    path = Path(path)
    if path.suffix.lower() not in REPORT_FORMATS:
        raise ReportError(f"{path}: a report must end in .html")
    return atomic_write_text(path, html)


def report(
    scenarios: Sequence[Scenario],
    path: str | Path,
    replicates: int = 10_000,
    seed: int = 0,
    posterior: Any = None,
    progress: bool = False,
) -> Path:
    """Run, compare and write the report for ``scenarios`` (``progress``: bars on stderr)."""
    entries = build_entries(scenarios, replicates, seed, posterior, progress)
    return write_report(render_report(entries, progress=progress), path)
