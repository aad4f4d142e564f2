"""Scenario discovery: under which swept conditions does a metric exceed a value?

PRIM (the Patient Rule Induction Method, Friedman & Fisher 1999), as EMA Workbench implements it
for scenario discovery (Bryant & Lempert 2010; ``ema_workbench.analysis.prim``), over the table of
a random or Latin-hypercube sweep (``unsc-sim sweep --design lhs``): each row is a point, the
swept keys are the inputs, and a point is "of interest" when ``metric > above``. PRIM peels
thin slices (``peel_alpha``, 5%) off the box of all points, each time the slice whose removal
raises the share of points of interest the most for the points lost, down to ``mass_min`` (5%)
of the points, then pastes back what helps. Each box on that peeling trajectory has a

- **coverage**: the share of all points of interest that lie in the box, and a
- **density**: the share of the box's points that are of interest.

The box reported is the one of highest coverage (then highest density) whose density reaches ``threshold_density``
(EMA's ``threshold``: "the density threshold that a box has to meet"); if none does, the densest
one, and the report says so. PRIM runs with a threshold just above 0 so that its peeled box is
always kept (with a 0/1 outcome the cases of interest are the same for any threshold in (0, 1]),
and the choice along the trajectory is made here. The quasi-p value of each restricted limit
(Bryant & Lempert's one-sided binomial test) says whether that restriction is more than noise.

A grid sweep works too, but its boxes snap to the grid's values: PRIM is meant for samples.

A table in which every point, or none, is of interest has nothing to discover (PRIM needs both):
one line saying so. Metric names are the sweep's and ``sensitivity``'s
(:func:`sim.sensitivity.metric_alias`: ``vetoed`` is ``p_vetoed``, ``no:CHN`` is ``CHN_no``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import InputError
from sim.plots import Plot, PlotError, new_figure, parameter_label, read_results, sweep_metrics, swept_keys

PEEL_ALPHA = 0.05
PASTE_ALPHA = 0.05
MASS_MIN = 0.05
"""EMA Workbench's defaults: peel 5% a step, stop at 5% of the points."""
INTEREST_THRESHOLD = 1e-6
"""PRIM's own acceptance threshold (see the module docstring): any box with a point of interest."""


class DiscoverError(InputError):
    """The table cannot be analysed as asked: one line naming what is wrong."""


@dataclass(frozen=True)
class Limit:
    """One swept key's range in the box, against its range over all the points."""

    key: str
    low: Any
    high: Any
    full_low: Any
    full_high: Any
    restricted: bool
    quasi_p: tuple[float | None, float | None] | None
    """(lower, upper) quasi-p values of a restricted limit (None where that side is not
    restricted: EMA Workbench's -1)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "low": _plain(self.low),
            "high": _plain(self.high),
            "full_low": _plain(self.full_low),
            "full_high": _plain(self.full_high),
            "restricted": self.restricted,
            "quasi_p": None if self.quasi_p is None else list(self.quasi_p),
        }


@dataclass
class Discovery:
    """The box of conditions, its statistics and the whole peeling trajectory."""

    table: str
    table_version: str | None
    """The unsc-sim version that made the sweep table (its metadata), if it says."""
    metric: str
    above: float
    threshold_density: float
    design: str
    points: int
    of_interest: int
    box_index: int
    coverage: float
    density: float
    mass: float
    limits: list[Limit]
    trajectory: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "table_version": self.table_version,
            "version": __version__,
            "metric": self.metric,
            "above": self.above,
            "threshold_density": self.threshold_density,
            "design": self.design,
            "points": self.points,
            "points_above": self.of_interest,
            "box": {
                "index": self.box_index,
                "coverage": self.coverage,
                "density": self.density,
                "mass": self.mass,
                "limits": [limit.to_dict() for limit in self.limits],
            },
            "trajectory": self.trajectory[["coverage", "density", "mass", "res_dim"]].to_dict(
                orient="records"
            ),
            "notes": self.notes,
        }


def _plain(value: Any) -> Any:
    """A JSON-ready value: numbers as floats, a set of categories as a sorted list."""
    if isinstance(value, (set, frozenset)):
        return sorted(str(v) for v in value)
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def _prim_module() -> Any:
    """``ema_workbench.analysis.prim``, without the warnings its import prints about optional
    extras (ipyparallel, altair) that PRIM does not use."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from ema_workbench.analysis import prim
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise DiscoverError([f"PRIM needs EMA Workbench: pip install ema_workbench ({exc})"]) from None
    return prim


def load_sweep_table(path: Path, metric: str) -> tuple[pd.DataFrame, dict[str, Any], list[str], str]:
    """The sweep table, its metadata, its swept keys and the metric's column (a column of the
    table, or a name of :func:`sim.sensitivity.metric_alias`: ``vetoed``, ``no:CHN``); a clear
    error for anything else."""
    from sim.sensitivity import metric_alias

    try:
        frame, metadata = read_results(path)
    except PlotError as exc:
        raise DiscoverError([str(exc)]) from None
    if metadata["table"] != "sweep":
        raise DiscoverError(
            [f"{path}: not a sweep table (a per-lane run table): make one with unsc-sim sweep --design lhs"]
        )
    keys = swept_keys(frame, metadata)
    if not keys:
        raise DiscoverError([f"{path}: the table names no swept keys"])
    column = metric if metric in frame.columns else metric_alias(metric)
    if column not in frame.columns or column in keys:
        raise DiscoverError(
            [f"metric {metric}: not a metric of {path} (known: {', '.join(sweep_metrics(frame))})"]
        )
    if not pd.api.types.is_numeric_dtype(frame[column]):
        raise DiscoverError([f"metric {metric}: not a numeric column of {path}"])
    return frame, metadata, keys, column


def _inputs(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The swept keys as PRIM reads them: numbers as floats, anything else (true/false, text
    choices) as a category. Whole numbers are given as floats too: EMA Workbench 2.5's pasting
    writes a midpoint such as 0.5 into an integer column, which pandas 2 refuses."""
    x = frame[keys].copy()
    for key in keys:
        if pd.api.types.is_bool_dtype(x[key]) or not pd.api.types.is_numeric_dtype(x[key]):
            x[key] = x[key].astype(str)
        else:
            x[key] = x[key].astype(np.float64)
    return x


def discover(path: Path, metric: str, above: float, threshold_density: float = 0.8) -> Discovery:
    """PRIM over the sweep table at ``path``: the box where ``metric > above``."""
    if not 0.0 < threshold_density <= 1.0:
        raise DiscoverError([f"threshold_density: must be in (0, 1], got {threshold_density}"])
    frame, metadata, keys, metric = load_sweep_table(path, metric)
    values = frame[metric].to_numpy(dtype=float)
    interest = (values > above).astype(int)
    _something_to_discover(path, metric, above, values, interest)
    design = str((metadata.get("design") or {}).get("name", "unknown"))
    notes: list[str] = []
    if design == "grid":
        notes.append(
            "a grid sweep: the box's limits snap to the grid's values (PRIM is meant for random or LHS samples)"
        )
    x = _inputs(frame, keys)
    prim = _prim_module()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas future warnings from inside the package
        algorithm = prim.Prim(
            x,
            interest,
            threshold=INTEREST_THRESHOLD,
            peel_alpha=PEEL_ALPHA,
            paste_alpha=PASTE_ALPHA,
            mass_min=MASS_MIN,
        )
        box = algorithm.find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    reaching = trajectory.index[trajectory["density"] >= threshold_density]
    if len(reaching):
        # the highest coverage, and among boxes of equal coverage the densest
        ranked = trajectory.loc[reaching].sort_values(["coverage", "density"], ascending=False, kind="stable")
        index = int(ranked.index[0])
    else:
        index = int(trajectory["density"].idxmax())
        notes.append(
            f"no box on the trajectory reaches density {threshold_density:g}: the densest "
            f"({trajectory.loc[index, 'density']:.3f}) is shown"
        )
    limits = _limits(box, index, keys)
    version = metadata.get("version")
    return Discovery(
        table=str(path),
        table_version=None if version is None else str(version),
        metric=metric,
        above=above,
        threshold_density=threshold_density,
        design=design,
        points=len(frame),
        of_interest=int(interest.sum()),
        box_index=index,
        coverage=float(trajectory.loc[index, "coverage"]),
        density=float(trajectory.loc[index, "density"]),
        mass=float(trajectory.loc[index, "mass"]),
        limits=limits,
        trajectory=trajectory,
        notes=notes,
    )


def _something_to_discover(
    path: Path, metric: str, above: float, values: np.ndarray, interest: np.ndarray
) -> None:
    """PRIM needs points of interest and points not of interest (EMA Workbench asserts both):
    one line, naming the value to change, when the table has only one kind."""
    points = len(values)
    if interest.all():
        raise DiscoverError(
            [
                f"above {above:g}: all {points:,} points of {path} have {metric} above {above:g} "
                f"(the smallest is {np.nanmin(values):.4g}): nothing to discover"
            ]
        )
    if not interest.any():
        largest = f"{np.nanmax(values):.4g}" if not np.isnan(values).all() else "undefined"
        raise DiscoverError(
            [
                f"above {above:g}: no point of {path} has {metric} above {above:g} "
                f"(the largest of its {points:,} is {largest}): nothing to discover"
            ]
        )


def _quasi_p(value: float) -> float | None:
    """A side's quasi-p value, None for EMA Workbench's -1 (that side is not restricted)."""
    return None if value < 0 or np.isnan(value) else value


def _limits(box: Any, index: int, keys: list[str]) -> list[Limit]:
    lims, full = box.box_lims[index], box.box_lims[0]
    quasi_p = box.qp[index] if index < len(box.qp) else {}
    limits = []
    for key in keys:
        if key not in lims.columns:  # a category PRIM dropped: one value only
            continue
        low, high = lims[key].iloc[0], lims[key].iloc[1]
        full_low, full_high = full[key].iloc[0], full[key].iloc[1]
        restricted = bool(low != full_low or high != full_high)
        qp = quasi_p.get(key)
        limits.append(
            Limit(
                key,
                low,
                high,
                full_low,
                full_high,
                restricted,
                None if qp is None else (_quasi_p(float(qp[0])), _quasi_p(float(qp[1]))),
            )
        )
    return limits


def _span(low: Any, high: Any) -> str:
    if isinstance(low, (set, frozenset)):
        return "{" + ", ".join(sorted(str(v) for v in low)) + "}"
    return f"[{low:.4g}, {high:.4g}]"


def format_discovery(result: Discovery) -> str:
    """The printed report: the box, its coverage and density, and the trajectory."""
    lines = [
        f"PRIM on {result.table} ({result.design} design, {result.points} points; unsc-sim {__version__}"
        + (
            f", the table by unsc-sim {result.table_version})"
            if result.table_version not in (None, __version__)
            else ")"
        ),
        f"  points with {result.metric} > {result.above:g}: {result.of_interest} of {result.points}",
        f"  box {result.box_index} of the peeling trajectory: coverage {result.coverage:.3f}, "
        f"density {result.density:.3f}, mass {result.mass:.3f} (threshold density {result.threshold_density:g})",
        "",
        f"  {'swept key':<34} {'box':>22} {'all points':>22}   quasi-p",
    ]
    for limit in result.limits:
        mark = "" if limit.restricted else "   (not restricted)"
        qp = ""
        if limit.restricted and limit.quasi_p is not None:
            qp = "  " + " / ".join("-" if v is None else f"{v:.2g}" for v in limit.quasi_p)
        lines.append(
            f"  {limit.key:<34} {_span(limit.low, limit.high):>22} {_span(limit.full_low, limit.full_high):>22}{qp}{mark}"
        )
    for note in result.notes:
        lines.append(f"  note: {note}")
    lines += ["", "  peeling trajectory (box, coverage, density, restricted keys):"]
    step = max(1, len(result.trajectory) // 12)
    for i, row in result.trajectory.iterrows():
        if i % step == 0 or i == len(result.trajectory) - 1 or i == result.box_index:
            chosen = "  <- the box" if i == result.box_index else ""
            lines.append(
                f"  {i:>4} {row['coverage']:>8.3f} {row['density']:>8.3f} {int(row['res_dim']):>4}{chosen}"
            )
    return "\n".join(lines)


def plot_discovery(result: Discovery) -> Plot:
    """Two panels: the peeling trajectory (coverage against density), and the box's limits on
    each swept key as a share of its range over all the points."""
    figure = new_figure(11, 4.6)
    left, right = figure.subplots(1, 2, width_ratios=[1, 1.2])
    trajectory = result.trajectory
    points = left.scatter(
        trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"], cmap="viridis", s=18
    )
    left.scatter(
        [result.coverage],
        [result.density],
        s=120,
        facecolors="none",
        edgecolors="red",
        linewidths=2,
        label="the box",
    )
    left.axhline(
        result.threshold_density,
        color="grey",
        linestyle="--",
        linewidth=1,
        label=f"density {result.threshold_density:g}",
    )
    figure.colorbar(points, ax=left, label="restricted keys")
    left.set_xlabel("coverage")
    left.set_ylabel("density")
    left.set_xlim(-0.02, 1.02)
    left.set_ylim(-0.02, 1.02)
    left.grid(True, alpha=0.3)
    left.legend(fontsize="small", loc="lower left")
    left.set_title(f"Peeling trajectory: {result.metric} > {result.above:g}", fontsize="medium")
    numeric = [limit for limit in result.limits if not isinstance(limit.low, (set, frozenset))]
    rows = []
    for position, limit in enumerate(numeric):
        width = float(limit.full_high - limit.full_low) or 1.0
        low, high = (
            (float(limit.low) - float(limit.full_low)) / width,
            (float(limit.high) - float(limit.full_low)) / width,
        )
        right.plot([0, 1], [position, position], color="#cfd8dc", linewidth=8, solid_capstyle="butt")
        right.plot(
            [low, high],
            [position, position],
            color="#c62828" if limit.restricted else "#78909c",
            linewidth=8,
            solid_capstyle="butt",
        )
        right.text(low, position + 0.25, f"{float(limit.low):.3g}", ha="center", fontsize="x-small")
        right.text(high, position + 0.25, f"{float(limit.high):.3g}", ha="center", fontsize="x-small")
        rows.append(
            {
                "key": limit.key,
                "low": float(limit.low),
                "high": float(limit.high),
                "restricted": limit.restricted,
            }
        )
    right.set_yticks(range(len(numeric)), [parameter_label(limit.key) for limit in numeric], fontsize="small")
    right.set_xlim(-0.05, 1.05)
    right.set_ylim(-0.6, len(numeric) - 0.2)
    right.set_xlabel("share of the key's range over all points")
    right.set_title(
        f"The box: coverage {result.coverage:.2f}, density {result.density:.2f} (red: restricted)",
        fontsize="medium",
    )
    return Plot(figure, "discover", {"trajectory": trajectory, "limits": pd.DataFrame(rows)})
