"""Figures of what the simulation says, drawn from its tidy tables.

Every function returns a :class:`Plot`: the matplotlib ``Figure`` and the exact data drawn on it
(tidy frames), so callers can save the figure and tests can check the plotted values. Figures are
built with ``matplotlib.figure.Figure`` on the Agg canvas, never through pyplot: no display, no
global state, safe in a web server (the interactive page and the report reuse these functions).

- sweep tables (``unsc-sim sweep --out``): a line with its 95% interval band for one swept
  parameter, a heatmap for two (:mod:`sim.grid_plots`; random and LHS designs:
  :mod:`sim.sampled_plots`);
- run tables (``unsc-sim run --out``, one row per lane): each member's yes / no / abstain shares
  and the tally distribution;
- from a run in memory: outcome probabilities with intervals, the council's seat chart.

Labels and colours are :mod:`sim.plot_labels`, re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Wedge
from matplotlib.ticker import PercentFormatter

from sim.files import atomic_write
from sim.plot_labels import (  # noqa: F401 (re-exported: figures elsewhere import them from here)
    CONTEXT_LABELS,
    NEGOTIATION_KEYS,
    OUTCOME_COLOURS,
    PARAMETER_LABELS,
    SETTING_LABELS,
    SHARE_COLUMN,
    STANCE_FORMS,
    STANCE_LABELS,
    VOTE_COLOURS,
    VOTE_LABELS,
    VOTES,
    _metric_label,
    _parameter_label,
    format_value,
    mathtext_safe,
    member_label,
    member_names,
    metric_label,
    parameter_label,
)
from sim.presets import PERMANENT_MEMBERS
from sim.results import read_metadata


class PlotError(ValueError):
    """Bad input to a plot (file, table or option): the message is one line naming it."""


@dataclass(frozen=True)
class Plot:
    """A figure and the data drawn on it, panel by panel (tidy frames)."""

    figure: Figure
    kind: str
    data: dict[str, pd.DataFrame] = field(default_factory=dict)

    def save(self, path: str | Path) -> Path:
        return save_figure(self.figure, path)


def new_figure(width: float, height: float) -> Figure:
    """A figure on the Agg canvas (headless), without pyplot's global state."""
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


FIGURE_FORMATS = (".png", ".svg", ".pdf")
TABLE_FORMATS = (".parquet", ".csv")
DPI = 150


def save_figure(figure: Figure, path: str | Path) -> Path:
    """Write ``figure`` as PNG, SVG or PDF (by extension), atomically: temporary file, then rename."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FIGURE_FORMATS:
        raise PlotError(f"{path}: a figure must end in .png, .svg or .pdf")
    # No creation date in the file: the same table gives the same bytes.
    metadata = {"Date": None} if suffix == ".svg" else {"CreationDate": None} if suffix == ".pdf" else {}
    return atomic_write(
        path, lambda temporary: figure.savefig(temporary, format=suffix[1:], dpi=DPI, metadata=metadata)
    )


def unused_path(path: str | Path) -> Path:
    """``path`` if nothing is there, else the first free ``<stem>-2<suffix>``, ``-3``, ...: where
    a figure goes by default so that it never replaces an earlier one."""
    path = Path(path)
    number = 2
    candidate = path
    while candidate.exists() or candidate.is_symlink():
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
        number += 1
    return candidate


# ------------------------------------------------------------------------------------ tables


def read_results(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A results table (Parquet or CSV) and its metadata; the kind is in ``metadata["table"]``
    ("sweep" or "lanes"), inferred from the columns for a table without metadata."""
    path = Path(path)
    if path.suffix.lower() not in TABLE_FORMATS:
        raise PlotError(
            f"{path}: results must be a .parquet or .csv table from unsc-sim run --out or sweep --out"
        )
    if not path.exists():
        raise PlotError(f"{path}: file not found")
    if not path.is_file():
        raise PlotError(f"{path}: not a regular file (a directory, pipe or device)")
    try:
        frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
        metadata = dict(read_metadata(path))
    except Exception as exc:  # pyarrow / pandas / json raise many types; report one line
        raise PlotError(f"{path}: cannot read the table: {str(exc).splitlines()[0]}") from None
    kind = metadata.get("table")
    if kind is None:
        if {"lane", "outcome"} <= set(frame.columns):
            kind = "lanes"
        elif "point" in frame.columns:
            kind = "sweep"
    if kind not in {"lanes", "sweep", "sensitivity"}:
        raise PlotError(f"{path}: not a run (lanes) or sweep table (metadata table = {kind!r})")
    metadata["table"] = kind
    return frame, metadata


def swept_keys(frame: pd.DataFrame, metadata: Mapping[str, Any]) -> list[str]:
    """The swept parameters: from the metadata, else every dotted column name."""
    keys = [p["key"] for p in metadata.get("parameters", []) if isinstance(p, Mapping) and "key" in p]
    if not keys:
        keys = [column for column in frame.columns if "." in column]
    return [key for key in keys if key in frame.columns]


def sweep_metrics(frame: pd.DataFrame) -> list[str]:
    """Columns a sweep can be plotted by: outcome probabilities and members' vote shares."""
    return [
        column
        for column in frame.columns
        if (column.startswith("p_") and not column.endswith(("_low", "_high"))) or SHARE_COLUMN.match(column)
    ]


def member_shares(lanes: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Each member's share of lanes voting yes / no / abstain / not put to the vote, from a run
    table's ``vote_<CODE>`` columns (council order)."""
    rows = []
    for column in [c for c in lanes.columns if c.startswith("vote_")]:
        code = column.removeprefix("vote_")
        votes = lanes[column].astype(str)
        rows.append(
            {
                "code": code,
                "name": names.get(code, code),
                "permanent": code in PERMANENT_MEMBERS,
                **{vote: float((votes == vote).mean()) for vote in VOTES},
            }
        )
    return pd.DataFrame(rows, columns=["code", "name", "permanent", *VOTES])


def tally_shares(lanes: pd.DataFrame) -> pd.Series:
    """Share of lanes put to the vote with each yes-no-abstain tally, most common first (the
    same numbers as ``RunResult.tallies()``)."""
    voted = lanes[lanes["outcome"].astype(str) != "withdrawn"]
    if voted.empty:
        return pd.Series(dtype=float, name="share")
    labels = (
        voted["yes"].astype(int).astype(str)
        + "-"
        + voted["no"].astype(int).astype(str)
        + "-"
        + voted["abstain"].astype(int).astype(str)
    )
    counts = labels.value_counts(sort=False).sort_index()
    series = (counts / len(voted)).sort_values(ascending=False, kind="stable").rename("share")
    series.index.name = "tally"
    return series


# ------------------------------------------------------------------------------ run figures


TOP_TALLIES = 12
"""The tally chart shows the most common tallies only; the rest are summed in the caption."""


def draw_member_shares(ax, shares: pd.DataFrame, names: Mapping[str, str] | None = None) -> None:
    """Stacked horizontal bars: each member's share of lanes voting yes / no / abstain."""
    names = names or dict(zip(shares["code"], shares["name"], strict=True))
    positions = np.arange(len(shares))
    left = np.zeros(len(shares))
    for vote in VOTES:
        if vote == "not_cast" and not shares[vote].any():
            continue
        widths = shares[vote].to_numpy(float)
        ax.barh(
            positions,
            widths,
            left=left,
            color=VOTE_COLOURS[vote],
            label=VOTE_LABELS[vote],
            gid=f"share-{vote}",
        )
        left += widths
    ax.set_yticks(
        positions,
        [member_label(c, names, p) for c, p in zip(shares["code"], shares["permanent"], strict=True)],
    )
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel("Share of lanes (%)")
    ax.set_title("How each member votes", fontsize="medium")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.06), ncol=4, fontsize="small", frameon=False)


def draw_tallies(ax, tallies: pd.Series, top: int = TOP_TALLIES) -> pd.Series:
    """Bars of the most common tallies; returns the shares drawn."""
    shown = tallies.head(top)
    if shown.empty:
        ax.text(0.5, 0.5, "No lane came to a vote", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return shown
    bars = ax.bar(range(len(shown)), shown.to_numpy(float), color="#37474f", gid="tallies")
    ax.bar_label(bars, labels=[f"{100 * v:.1f}%" for v in shown], fontsize="x-small", padding=2)
    ax.set_xticks(range(len(shown)), list(shown.index), rotation=45, ha="right")
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel("Tally (yes-no-abstain)")
    ax.set_ylabel("Share of lanes put to the vote (%)")
    rest = float(tallies.iloc[top:].sum()) if len(tallies) > top else 0.0
    note = f" (top {top} of {len(tallies)}; others {100 * rest:.1f}%)" if rest else ""
    ax.set_title(f"Tally distribution{note}", fontsize="medium")
    ax.grid(True, axis="y", alpha=0.3)
    return shown


def run_plot(shares: pd.DataFrame, tallies: pd.Series, title: str = "") -> Plot:
    """Members' vote shares beside the tally distribution (the figure for a run table)."""
    figure = new_figure(12, max(4.8, 0.34 * len(shares) + 1.8))
    left, right = figure.subplots(1, 2, width_ratios=[1.25, 1])
    draw_member_shares(left, shares)
    shown = draw_tallies(right, tallies)
    if title:
        figure.suptitle(mathtext_safe(title), fontsize="large")
    return Plot(
        figure, "run", {"members": shares.reset_index(drop=True), "tallies": shown.rename("share").to_frame()}
    )


def plot_lanes(frame: pd.DataFrame, metadata: Mapping[str, Any]) -> Plot:
    names = member_names(metadata)
    title = str(metadata.get("scenario", ""))
    if "replicates" in metadata:
        title += f": {int(metadata['replicates']):,} lanes, seed {metadata.get('seed', '?')}"
    return run_plot(member_shares(frame, names), tally_shares(frame), title)


def tally_plot(tallies: pd.Series, top: int = TOP_TALLIES, size: tuple[float, float] = (6, 4)) -> Plot:
    figure = new_figure(*size)
    shown = draw_tallies(figure.add_subplot(), tallies, top)
    return Plot(figure, "tallies", {"tallies": shown.rename("share").to_frame()})


def outcome_plot(outcomes: pd.DataFrame, size: tuple[float, float] = (6, 3)) -> Plot:
    """Outcome probabilities with 95% intervals, from ``RunResult.outcome_table()``."""
    figure = new_figure(*size)
    ax = figure.add_subplot()
    positions = np.arange(len(outcomes))
    p = outcomes["probability"].to_numpy(float)
    errors = np.vstack([p - outcomes["ci_low"].to_numpy(float), outcomes["ci_high"].to_numpy(float) - p])
    ax.barh(
        positions,
        p,
        xerr=np.clip(errors, 0, None),
        capsize=4,
        color=[OUTCOME_COLOURS.get(o, "#607d8b") for o in outcomes["outcome"]],
        gid="outcomes",
    )
    ax.set_yticks(positions, list(outcomes["outcome"]))
    ax.invert_yaxis()
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("Probability (bars: 95% Wilson interval)")
    for position, value in zip(positions, p, strict=True):
        ax.text(min(value, 0.86) + 0.02, position, f"{value:.3f}", va="center", fontsize="small")
    ax.grid(True, axis="x", alpha=0.3)
    return Plot(figure, "outcomes", {"outcomes": outcomes.reset_index(drop=True)})


def seat_positions(count: int) -> np.ndarray:
    """(count, 2) seat centres on the horseshoe of the Council chamber (an arc of 220 degrees,
    open at the bottom), in council order from the left."""
    angles = np.radians(np.linspace(200, -20, count))
    return np.column_stack([np.cos(angles), np.sin(angles)])


def seat_plot(shares: pd.DataFrame, size: tuple[float, float] = (6.4, 4.4), title: str = "") -> Plot:
    """The Council as a horseshoe of seats, each a pie of its yes / no / abstain shares; the
    permanent members ringed in black, codes written outside the horseshoe."""
    figure = new_figure(*size)
    ax = figure.add_subplot()
    radius = 0.115
    centres = seat_positions(len(shares))
    for (x, y), row in zip(centres, shares.itertuples(index=False), strict=True):
        start = 90.0
        for vote in VOTES:
            share = float(getattr(row, vote))
            if share <= 0:
                continue
            ax.add_patch(
                Wedge(
                    (x, y),
                    radius,
                    start,
                    start + 360 * share,
                    color=VOTE_COLOURS[vote],
                    gid=f"seat-{row.code}-{vote}",
                )
            )
            start += 360 * share
        ax.add_patch(
            Circle((x, y), radius, fill=False, linewidth=2.4 if row.permanent else 0.6, edgecolor="black")
        )
        outward = 1 + radius + 0.1
        ax.text(
            x * outward,
            y * outward,
            mathtext_safe(row.code),
            ha="center",
            va="center",
            fontsize="small",
            fontweight="bold" if row.permanent else "normal",
        )
    handles = [Wedge((0, 0), 1, 0, 360, color=VOTE_COLOURS[v], label=VOTE_LABELS[v]) for v in VOTES[:3]]
    ax.legend(
        handles=handles,
        loc="center",
        bbox_to_anchor=(0.5, 0.42),
        frameon=False,
        fontsize="small",
        title="share of lanes",
        title_fontsize="small",
    )
    ax.set_xlim(-1.42, 1.42)
    ax.set_ylim(-0.62, 1.38)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(mathtext_safe(title), fontsize="medium")
    data = shares.reset_index(drop=True).copy()
    data["x"], data["y"] = centres[:, 0], centres[:, 1]
    return Plot(figure, "seats", {"seats": data})


def plot_results(
    path: str | Path, x: str | None = None, y: str | None = None, metric: str | Sequence[str] | None = None
) -> Plot:
    """The figure for a results file: sweep -> line or heatmap; run -> member shares + tallies."""
    frame, metadata = read_results(path)
    if metadata["table"] == "lanes":
        given = [name for name, value in (("`x`", x), ("`y`", y), ("`metric`", metric)) if value]
        if given:
            raise PlotError(
                f"{path}: {', '.join(given)} {'applies' if len(given) == 1 else 'apply'} to sweep "
                "tables only; this is a run table (one row per lane)"
            )
        missing = {"outcome", "yes", "no", "abstain"} - set(frame.columns)
        if missing or not any(c.startswith("vote_") for c in frame.columns):
            raise PlotError(f"{path}: run table lacks columns {sorted(missing) or ['vote_<CODE>']}")
        return plot_lanes(frame, metadata)
    if metadata["table"] == "sensitivity":  # unsc-sim sensitivity --out: the indices as bars
        if x or y or metric:
            raise PlotError(
                f"{path}: `x`, `y` and `metric` apply to sweep tables; this is a sensitivity table"
            )
        from sim.sensitivity import indices_plot

        return indices_plot(frame, metadata)
    from sim.grid_plots import plot_sweep

    return plot_sweep(frame, metadata, x, y, metric, label=str(path))
