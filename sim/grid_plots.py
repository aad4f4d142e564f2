"""Figures of a grid sweep table: a line (with its 95% interval band) for one swept parameter,
several metrics as several lines, a heatmap for two; and :func:`plot_sweep`, which chooses the
figure for any sweep table (random and LHS designs go to :mod:`sim.sampled_plots`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plot_labels import (
    SHARE_COLUMN,
    VOTES,
    format_value,
    mathtext_safe,
    member_names,
    metric_label,
    parameter_label,
)
from sim.plots import Plot, PlotError, new_figure, sweep_metrics, swept_keys

MAX_TICKS = 11
"""Heatmap axes label at most this many cells (every k-th one beyond)."""
MAX_ANNOTATED = 12
"""Heatmap cells carry their value when neither axis has more cells than this."""


def _positions(values: pd.Series) -> tuple[np.ndarray, list[str] | None]:
    """Numeric x positions for a swept column, with tick labels if it is not numeric."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(int).to_numpy(float), ["no", "yes"]
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(float), None
    categories = list(dict.fromkeys(values.astype(str)))
    lookup = {label: index for index, label in enumerate(categories)}
    return values.astype(str).map(lookup).to_numpy(float), [mathtext_safe(c) for c in categories]


def _varying(frame: pd.DataFrame, keys: Iterable[str]) -> list[str]:
    return [key for key in keys if frame[key].nunique(dropna=False) > 1]


def sweep_line(
    frame: pd.DataFrame,
    x: str,
    metric: str | Sequence[str] = "p_vetoed",
    names: Mapping[str, str] | None = None,
    others: Iterable[str] = (),
    max_lines: int = 8,
) -> Plot:
    """``metric`` against swept parameter ``x``, with the 95% interval band (``<metric>_low`` /
    ``_high``) where the table has one. Other swept parameters that vary give one line each;
    several metrics (with no other parameter varying) give one line each on the same axes."""
    metrics = [metric] if isinstance(metric, str) else list(metric)
    if len(metrics) > 1:
        return _metric_lines(frame, x, metrics, names or {}, others, max_lines)
    names = names or {}
    groups = _varying(frame, [key for key in others if key != x])
    grouped = list(frame.groupby(groups, sort=True, dropna=False)) if groups else [((), frame)]
    if len(grouped) > max_lines:
        raise PlotError(
            f"{len(grouped)} lines (one per value of {', '.join(groups)}): choose `y` for a heatmap "
            "or sweep fewer values"
        )
    has_band = f"{metric}_low" in frame.columns and f"{metric}_high" in frame.columns
    figure = new_figure(7.5, 4.6)
    ax = figure.add_subplot()
    drawn = []
    tick_labels: list[str] | None = None
    for group_key, part in grouped:
        xs, tick_labels = _positions(part[x])
        order = np.argsort(xs, kind="stable")
        xs = xs[order]
        ys = part[metric].to_numpy(float)[order]
        label = None
        if groups:
            values = group_key if isinstance(group_key, tuple) else (group_key,)
            label = ", ".join(
                f"{parameter_label(k, names)} = {format_value(v)}"
                for k, v in zip(groups, values, strict=True)
            )
        (line,) = ax.plot(xs, ys, marker="o", linewidth=2, label=label)
        row = pd.DataFrame({"group": label or "", x: part[x].to_numpy()[order], metric: ys})
        if has_band:
            low = part[f"{metric}_low"].to_numpy(float)[order]
            high = part[f"{metric}_high"].to_numpy(float)[order]
            ax.fill_between(xs, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
            row[f"{metric}_low"], row[f"{metric}_high"] = low, high
        drawn.append(row)
    ax.set_ylabel(metric_label(metric, names))
    if metric.startswith("p_") or metric.rpartition("_")[2] in VOTES:
        ax.set_ylim(-0.02, 1.02)
    band = ", band: 95% Wilson interval" if has_band else ""
    title = f"{metric_label(metric, names)} by {parameter_label(x, names)}{_replicates_note(frame)}{band}"
    return _finish_lines(figure, x, names, tick_labels, drawn, title, legend=bool(groups))


def _metric_lines(
    frame: pd.DataFrame,
    x: str,
    metrics: list[str],
    names: Mapping[str, str],
    others: Iterable[str],
    max_lines: int,
) -> Plot:
    """Several metrics against ``x`` on one axes, each with its band where the table has one."""
    if len(metrics) > max_lines:
        raise PlotError(f"metric: {len(metrics)} metrics, at most {max_lines} lines a figure")
    still = _varying(frame, [key for key in others if key != x])
    if still:
        raise PlotError(
            f"metric: several metrics need a sweep of one parameter, but {', '.join(still)} also varies: "
            "give one metric"
        )
    figure = new_figure(7.5, 4.6)
    ax = figure.add_subplot()
    xs, tick_labels = _positions(frame[x])
    order = np.argsort(xs, kind="stable")
    drawn = []
    for metric in metrics:
        ys = frame[metric].to_numpy(float)[order]
        (line,) = ax.plot(
            xs[order], ys, marker="o", linewidth=2, label=metric_label(metric, names), gid=f"line-{metric}"
        )
        row = pd.DataFrame({"metric": metric, x: frame[x].to_numpy()[order], "value": ys})
        if f"{metric}_low" in frame.columns and f"{metric}_high" in frame.columns:
            low = frame[f"{metric}_low"].to_numpy(float)[order]
            high = frame[f"{metric}_high"].to_numpy(float)[order]
            ax.fill_between(xs[order], low, high, color=line.get_color(), alpha=0.2, linewidth=0)
            row["low"], row["high"] = low, high
        drawn.append(row)
    ax.set_ylabel("Probability or share of lanes")
    ax.set_ylim(-0.02, 1.02)
    title = f"By {parameter_label(x, names)}{_replicates_note(frame)}, bands: 95% Wilson intervals"
    return _finish_lines(figure, x, names, tick_labels, drawn, title, legend=True)


def _finish_lines(
    figure: Figure,
    x: str,
    names: Mapping[str, str],
    tick_labels: list[str] | None,
    drawn: list[pd.DataFrame],
    title: str,
    legend: bool,
) -> Plot:
    """What every line figure ends with: the x axis, grid, legend and title, and the data drawn."""
    ax = figure.axes[0]
    if tick_labels is not None:
        ax.set_xticks(range(len(tick_labels)), tick_labels)
    ax.set_xlabel(parameter_label(x, names))
    ax.grid(True, alpha=0.3)
    if legend:
        ax.legend(fontsize="small")
    ax.set_title(title, fontsize="medium")
    return Plot(figure, "line", {"line": pd.concat(drawn, ignore_index=True)})


def sweep_heatmap(
    frame: pd.DataFrame,
    x: str,
    y: str,
    metric: str = "p_vetoed",
    names: Mapping[str, str] | None = None,
    others: Iterable[str] = (),
) -> Plot:
    """``metric`` over a grid of two swept parameters (``x`` across, ``y`` up)."""
    names = names or {}
    if x == y:
        raise PlotError(f"`x` and `y` are both {x}: a heatmap needs two different parameters")
    still = _varying(frame, [key for key in others if key not in {x, y}])
    if still or frame.duplicated([x, y]).any():
        raise PlotError(
            f"a heatmap needs one row per ({x}, {y}) pair; "
            + (f"{', '.join(still)} also varies" if still else "the table repeats pairs")
        )
    grid = frame.pivot(index=y, columns=x, values=metric).sort_index().sort_index(axis=1)
    values = grid.to_numpy(float)
    figure = new_figure(7.5, 5.2)
    ax = figure.add_subplot()
    probability = metric.startswith("p_") or metric.rpartition("_")[2] in VOTES
    image = ax.imshow(
        values,
        origin="lower",
        aspect="auto",
        cmap="viridis",
        vmin=0 if probability else None,
        vmax=1 if probability else None,
        interpolation="nearest",
    )
    _categorical_ticks(ax.set_xticks, list(grid.columns))
    _categorical_ticks(ax.set_yticks, list(grid.index))
    ax.set_xlabel(parameter_label(x, names))
    ax.set_ylabel(parameter_label(y, names))
    colorbar = figure.colorbar(image, ax=ax)
    colorbar.set_label(metric_label(metric, names))
    if max(values.shape) <= MAX_ANNOTATED:
        for (row, column), value in np.ndenumerate(values):
            if not math.isnan(value):
                ax.text(
                    column,
                    row,
                    f"{value:.2f}",
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="white" if (probability and value < 0.6) else "black",
                )
    ax.set_title(f"{metric_label(metric, names)}{_replicates_note(frame)}", fontsize="medium")
    return Plot(figure, "heatmap", {"grid": grid})


def _categorical_ticks(set_ticks, values: list, most: int = MAX_TICKS) -> None:
    """One tick per cell, labelled; past ``most`` cells only every k-th is labelled."""
    every = math.ceil(len(values) / most)
    positions = list(range(0, len(values), every))
    set_ticks(positions, [format_value(values[i]) for i in positions])


def _replicates_note(frame: pd.DataFrame) -> str:
    if "replicates" not in frame.columns or frame.empty:
        return ""
    counts = frame["replicates"].unique()
    return f" ({int(counts[0]):,} replicates a point)" if len(counts) == 1 else ""


def _metric_column(metric: str, frame: pd.DataFrame) -> str:
    """A metric as a column of ``frame``: a column's own name, or one that
    :func:`sim.sensitivity.metric_alias` reads (``vetoed``, ``no:CHN``), as ``sensitivity`` and
    ``discover`` take them."""
    if metric in frame.columns:
        return metric
    from sim.sensitivity import metric_alias

    return metric_alias(metric)


def plot_sweep(
    frame: pd.DataFrame,
    metadata: Mapping[str, Any],
    x: str | None = None,
    y: str | None = None,
    metric: str | Sequence[str] | None = None,
    label: str = "table",
) -> Plot:
    """Choose the figure for a sweep table: for a grid, a line for one parameter (several
    metrics: several lines), a heatmap for two; for a random or LHS design, scatter and
    partial-dependence panels (:mod:`sim.sampled_plots`).

    ``metric`` is a column or several (a list, or names joined by commas). ``x`` / ``y`` default
    to the swept parameters when that is unambiguous; otherwise the error names the choices."""
    from sim.sampled_plots import is_grid, sampled_panels

    names = member_names(metadata)
    keys = swept_keys(frame, metadata)
    metrics = sweep_metrics(frame)
    chosen = (
        [m.strip() for m in metric.split(",") if m.strip()] if isinstance(metric, str) else list(metric or [])
    )
    given = chosen or ["p_vetoed"]
    chosen = [_metric_column(one, frame) for one in given]
    for one, name in zip(chosen, given):
        if one not in frame.columns or one not in metrics:
            outcomes = [m for m in metrics if m.startswith("p_")]
            codes = list(dict.fromkeys(m[:3] for m in metrics if SHARE_COLUMN.match(m)))
            shares = f", or <CODE>_yes|_no|_abstain for {', '.join(codes)}" if codes else ""
            raise PlotError(
                f"{label}: `metric`: unknown metric {name!r} (choose from: {', '.join(outcomes)}{shares})"
            )
    for option, key in (("`x`", x), ("`y`", y)):
        if key is not None and key not in keys:
            raise PlotError(
                f"{label}: {option}: {key!r} is not a swept parameter (swept: {', '.join(keys) or 'none'})"
            )
    varying = _varying(frame, keys) or keys
    if not is_grid(frame, varying, metadata):
        design = (
            metadata.get("design", {}).get("name", "sampled")
            if isinstance(metadata.get("design"), Mapping)
            else "sampled"
        )
        if y is not None:
            raise PlotError(
                f"{label}: `y`: a heatmap needs a grid design; this is a {design} sweep (scatter panels)"
            )
        return sampled_panels(frame, [x] if x else varying, chosen, names, design)
    metric = chosen[0] if len(chosen) == 1 else chosen
    if x is None:
        candidates = [key for key in varying if key != y]
        if y is None and len(candidates) == 2:
            x, y = candidates
        elif len(candidates) == 1:
            x = candidates[0]
        else:
            raise PlotError(
                f"{label}: the sweep varies {len(varying)} parameters ({', '.join(varying)}): "
                "choose one with `x` (and a second with `y` for a heatmap)"
            )
    if y is None:
        return sweep_line(frame, x, metric, names, others=keys)
    if not isinstance(metric, str):
        raise PlotError(f"{label}: `metric`: a heatmap shows one metric; give one, or lines with `x` alone")
    return sweep_heatmap(frame, x, y, metric, names, others=keys)
