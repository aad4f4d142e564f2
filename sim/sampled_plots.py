"""Figures of random and Latin-hypercube sweeps: scatter and partial-dependence panels.

A sampled design has no grid to draw a line or heatmap on: every point sets every swept key at
once. So each panel puts one swept key across and one metric up, shows every point, and draws the
*partial dependence*: the mean of the metric over the points within each of a few equal-width
bins of that key (the other keys averaged over their sampled ranges). One row of panels per
metric, one column per swept key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.plots import VOTES, Plot, PlotError, metric_label, new_figure, parameter_label

DEPENDENCE_BINS = 8
"""Bins of a swept key for the partial-dependence line (fewer when the key takes fewer values)."""
MAX_PANELS = 24


def is_grid(frame: pd.DataFrame, keys: Sequence[str], metadata: Mapping) -> bool:
    """Whether lines and heatmaps apply: the design named in the table's metadata, else (a table
    without it) a grid unless two or more keys vary with a new value at every point, as sampled
    designs do."""
    design = metadata.get("design")
    if isinstance(design, Mapping) and design.get("name"):
        return design["name"] == "grid"
    return len(keys) < 2 or any(frame[key].nunique(dropna=False) < len(frame) for key in keys)


def partial_dependence(x: np.ndarray, y: np.ndarray, bins: int = DEPENDENCE_BINS) -> pd.DataFrame:
    """Mean of ``y`` within equal-width bins of ``x`` (empty bins left out): bin centre, mean,
    number of points."""
    distinct = np.unique(x)
    if len(distinct) <= bins:  # few values: one "bin" per value
        groups = pd.Series(y).groupby(x)
        return pd.DataFrame(
            {
                "x": groups.mean().index.to_numpy(float),
                "mean": groups.mean().to_numpy(float),
                "points": groups.size().to_numpy(),
            }
        )
    edges = np.linspace(distinct[0], distinct[-1], bins + 1)
    index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    groups = pd.Series(y).groupby(index)
    centres = (edges[:-1] + edges[1:]) / 2
    return pd.DataFrame(
        {
            "x": centres[groups.mean().index],
            "mean": groups.mean().to_numpy(float),
            "points": groups.size().to_numpy(),
        }
    )


def _across(values: pd.Series) -> tuple[np.ndarray, list[str] | None]:
    """x positions of a swept column: its numbers, or for text (or true/false) values the
    position of each value among the sorted distinct ones, with those as tick labels."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(float), None
    labels = values.astype(str)
    categories = sorted(labels.unique())
    return labels.map({c: i for i, c in enumerate(categories)}).to_numpy(float), categories


def sampled_panels(
    frame: pd.DataFrame,
    keys: Sequence[str],
    metrics: Sequence[str],
    names: Mapping[str, str] | None = None,
    design: str = "sampled",
) -> Plot:
    """Scatter of every point with its partial-dependence line, for each (metric, key) pair."""
    names = names or {}
    numeric = list(keys)  # every swept key: a text-valued one (proposal.draft) by its categories
    if not numeric:
        raise PlotError("no swept parameter to put across")
    if len(numeric) * len(metrics) > MAX_PANELS:
        raise PlotError(
            f"{len(numeric)} keys x {len(metrics)} metrics is more than {MAX_PANELS} panels: "
            "choose one key with `x` or fewer metrics"
        )
    figure = new_figure(max(5.0, 3.4 * len(numeric) + 0.6), 2.9 * len(metrics) + 0.9)
    axes = np.atleast_2d(figure.subplots(len(metrics), len(numeric), squeeze=False, sharey="row"))
    points, lines = [], []
    for row, metric in enumerate(metrics):
        y = frame[metric].to_numpy(float)
        for column, key in enumerate(numeric):
            ax = axes[row, column]
            x, categories = _across(frame[key])
            ax.scatter(x, y, s=10, alpha=0.45, color="#455a64", linewidths=0, gid=f"points-{metric}-{key}")
            dependence = partial_dependence(x, y)
            ax.plot(
                dependence["x"],
                dependence["mean"],
                color="#c62828",
                linewidth=2,
                marker="o",
                markersize=3,
                gid=f"dependence-{metric}-{key}",
            )
            if categories is not None:
                ax.set_xticks(range(len(categories)), categories, fontsize="small")
            if metric.startswith("p_") or metric.rpartition("_")[2] in VOTES:
                ax.set_ylim(-0.02, 1.02)
            ax.grid(True, alpha=0.3)
            if row == len(metrics) - 1:
                ax.set_xlabel(parameter_label(key, names), fontsize="small")
            if column == 0:
                ax.set_ylabel(metric_label(metric, names), fontsize="small")
            points.append(pd.DataFrame({"metric": metric, "key": key, "x": x, "y": y}))
            lines.append(dependence.assign(metric=metric, key=key))
    replicates = frame["replicates"].unique() if "replicates" in frame.columns else []
    each = f", {int(replicates[0]):,} replicates a point" if len(replicates) == 1 else ""
    figure.suptitle(
        f"{design} design: {len(frame):,} points{each}\n"
        "dots: points; line: mean within bins of the key (partial dependence)",
        fontsize="small",
    )
    return Plot(
        figure,
        "scatter",
        {"points": pd.concat(points, ignore_index=True), "dependence": pd.concat(lines, ignore_index=True)},
    )
