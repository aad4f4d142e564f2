"""The sweep as text for a terminal: its table (:func:`format_sweep_table`, ``sweep`` without
``--out``) and the summary of a finished sweep (:func:`describe_sweep`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from sim.sweep.run import SweepReport


def swept_number(value: float) -> str:
    """A swept value as the scenario file writes it: a cap in full with thousands separators
    (375,000; four digits printed it as 3.75e+05 and two caps 5 barrels apart alike), a stance or
    a tension to four digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def format_sweep_table(frame: pd.DataFrame, max_rows: int = 200) -> str:
    """The sweep's table for a terminal (``sweep`` without ``--out``): each point's swept values,
    the probability of every outcome that occurs anywhere, and the modal tally; the members'
    columns and intervals stay in the written table."""
    outcomes = [c for c in frame.columns if c.startswith("p_") and not c.endswith(("_low", "_high"))]
    shown = [c for c in outcomes if (frame[c] > 0).any()] or outcomes[:1]
    first_outcome = frame.columns.get_loc(outcomes[0]) if outcomes else len(frame.columns)
    swept = [c for c in frame.columns[:first_outcome] if c not in {"point", "replicates"}]
    table = frame[["point", *swept, *shown, "modal_tally"]]
    numbers = {key: swept_number for key in swept if pd.api.types.is_float_dtype(frame[key])}
    text = table.head(max_rows).to_string(index=False, formatters=numbers, float_format=lambda v: f"{v:.4g}")
    if len(table) > max_rows:
        text += f"\n... {len(table) - max_rows:,} more rows (give --out to write them all)"
    return text


def describe_sweep(report: SweepReport, runner: str = "") -> str:
    """A short human-readable summary of a finished sweep."""
    meta = report.metadata
    axes = ", ".join(
        f"{p['key']} ({len(p['values'])} values)"
        if "values" in p
        else f"{p['key']} in [{swept_number(p['low'])}, {swept_number(p['high'])}]"
        for p in meta["parameters"]
    )
    lines = [
        f"Sweep of {meta['scenario']}",
        f"  {meta['design']['name']} design over {axes}: {report.points:,} points",
        f"  {meta['replicates']:,} replicates a point, seed {meta['seed']}: "
        f"{report.lanes:,} lanes (council decisions)",
        f"  {report.seconds:.1f} s{f' on {runner}' if runner else ''}: "
        f"{report.decisions_per_s:,.0f} decisions/s",
    ]
    if report.units_resumed:
        lines.append(f"  resumed: {report.units_resumed} of {report.units} work units were already done")
    if report.path is not None:
        lines.append(f"  Table written to {report.path}")
    if report.lanes_path is not None:
        lines.append(f"  Per-lane rows written to {report.lanes_path}")
    return "\n".join(lines)
