"""Figures of what the simulation says, drawn from its tidy tables.

Every function returns a :class:`Plot`: the matplotlib ``Figure`` and the exact data drawn on it
(tidy frames), so callers can save the figure and tests can check the plotted values. Figures are
built with ``matplotlib.figure.Figure`` on the Agg canvas, never through pyplot: no display, no
global state, safe in a web server (the interactive page and the report reuse these functions).

- sweep tables (``unsc-sim sweep --out``): a line with its 95% interval band for one swept
  parameter, a heatmap for two;
- run tables (``unsc-sim run --out``, one row per lane): each member's yes / no / abstain shares
  and the tally distribution;
- from a run in memory: outcome probabilities with intervals, the council's seat chart.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Wedge
from matplotlib.ticker import PercentFormatter

from sim.files import atomic_write
from sim.results import read_metadata
from sim.scenario import (
    PERMANENT_MEMBERS,
    ScenarioError,
    builtin_members,
    load_scenario,
)

FIGURE_FORMATS = (".png", ".svg", ".pdf")
TABLE_FORMATS = (".parquet", ".csv")
DPI = 150
TOP_TALLIES = 12
"""The tally chart shows the most common tallies only; the rest are summed in the caption."""

MAX_TICKS = 11
"""Heatmap axes label at most this many cells (every k-th one beyond)."""
MAX_ANNOTATED = 12
"""Heatmap cells carry their value when neither axis has more cells than this."""

VOTES = ("yes", "no", "abstain", "not_cast")
VOTE_LABELS = {"yes": "yes", "no": "no", "abstain": "abstain", "not_cast": "not put to the vote"}
VOTE_COLOURS = {"yes": "#2e7d32", "no": "#c62828", "abstain": "#f9a825", "not_cast": "#bdbdbd"}
OUTCOME_COLOURS = {
    "adopted": "#2e7d32",
    "vetoed": "#c62828",
    "failed": "#6d4c41",
    "blocked": "#ad1457",
    "withdrawn": "#757575",
}

CONTEXT_LABELS = {
    "date": "Date of the decision",
    "nuclear_test": "Nuclear test on the day (what-if)",
    "icbm_launch": "ICBM launch on the day (what-if)",
    "provocation": "Provocation stock (a nuclear test = 1)",
    "unreciprocated_steps": "Unreciprocated DPRK steps (stock)",
    "talks_under_way": "Talks under way",
    "great_power_tension": "Great-power tension (0-1)",
    "status_quo_pressure": "Pressure of the regime in force (0-1)",
    "status_quo_reciprocity": "Reciprocity of the regime in force (0-1)",
}
"""``[context]`` keys (:class:`sim.scenario.ContextSpec`)."""
STANCE_LABELS = {
    "pressure": "pressure stance (0-1)",
    "reciprocity": "reciprocity stance (0-1)",
    "veto_cost": "veto cost (0-1)",
    "salience": "salience (0-1)",
    "noise": "noise (sd of the vote shock)",
}
PARAMETER_LABELS = {
    "stake_weight": "Weight of the stake (utility per unit of quadratic gain)",
    "consensus_norm": "Consensus norm (utility of going along)",
    "sponsor_affinity": "Weight of ties to the sponsors",
    "noise_scale": "Noise scale (x every member's noise)",
    "provocation_response": "Rise in ideal pressure per unit of provocation",
    "talks_restraint": "Fall in ideal pressure while talks are under way",
    "tension_veto_discount": "Discount of objection costs at full tension (0-1)",
    "shared_veto_discount": "Discount of a shared objection's cost (0-1)",
    "ga_pressure_mid": "Pressure stance at UNGA ideal point 0",
    "ga_pressure_slope": "Pressure stance per unit of UNGA ideal point",
    "ga_dprk_weight": "Pressure stance per step of the UNGA DPRK human-rights vote",
    "elected_salience": "Salience of the file to an elected member (0-1)",
    "abstention_band": "Abstention band (utility units)",
    "provocation_half_life_days": "Half-life of a provocation (days)",
    "steps_half_life_days": "Half-life of a DPRK step (days)",
    "softening_step": "Softening per round (share of the text)",
    "min_text_scale": "Weakest text the penholder accepts (0-1)",
}
"""The global model parameters (:data:`sim.parameters.PARAMETER_SPECS`) in words."""
NEGOTIATION_KEYS = ("softening_step", "min_text_scale")
"""Parameters a scenario sets in ``[negotiation]`` rather than ``[decision]``."""
SETTING_LABELS = {
    "negotiation.rounds": "Negotiation rounds before the vote",
    "proposal.draft": "Draft (first: talks happen; final: as voted)",
    **{f"negotiation.{name}": PARAMETER_LABELS[name] for name in NEGOTIATION_KEYS},
    **{
        f"decision.{name}": label
        for name, label in PARAMETER_LABELS.items()
        if name not in NEGOTIATION_KEYS
    },
}
STANCE_FORMS = {"value": "", "low": "lower bound", "high": "upper bound", "mean": "mean", "sd": "sd"}


SHARE_COLUMN = re.compile(r"^[A-Z]{3}_(yes|no|abstain)$")
"""A sweep table's per-member vote share column, e.g. ``CHN_yes``."""


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


# ------------------------------------------------------------------------------------ labels


def member_names(metadata: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Member code -> name: the shipped presets, overridden by the scenario a table names."""
    names = {code: spec.name or code for code, spec in builtin_members().items()}
    scenario_file = (metadata or {}).get("scenario_file")
    if scenario_file and Path(scenario_file).is_file():
        try:
            names.update({m.code: m.name for m in load_scenario(scenario_file).members})
        except ScenarioError:
            pass  # the table still plots; names fall back to the presets
    return names


def mathtext_safe(text: Any) -> str:
    """``text`` as matplotlib should show it literally: every ``$`` escaped, so that a name
    such as ``$x$`` is drawn as written instead of parsed (or failing) as mathtext."""
    return str(text).replace("$", r"\$")


def member_label(code: str, names: Mapping[str, str], permanent: bool | None = None) -> str:
    permanent = code in PERMANENT_MEMBERS if permanent is None else permanent
    name = names.get(code, code)
    return mathtext_safe(f"{name} ({code}, P5)" if permanent else f"{name} ({code})")


def parameter_label(key: str, names: Mapping[str, str] | None = None) -> str:
    """:func:`_parameter_label`, safe to draw (see :func:`mathtext_safe`)."""
    return mathtext_safe(_parameter_label(key, names))


def _parameter_label(key: str, names: Mapping[str, str] | None = None) -> str:
    """A swept key in words with its unit: ``members.CHN.pressure`` -> "China: pressure stance
    (0-1)", ``context.great_power_tension`` -> "Great-power tension (0-1)"."""
    names = names or {}
    parts = key.split(".")
    if parts[0] == "context" and len(parts) == 2 and parts[1] in CONTEXT_LABELS:
        return CONTEXT_LABELS[parts[1]]
    if parts[0] == "members" and len(parts) >= 3:
        who = names.get(parts[1], parts[1])
        stance = STANCE_LABELS.get(parts[2], parts[2].replace("_", " "))
        form = STANCE_FORMS.get(parts[3], parts[3]) if len(parts) > 3 else ""
        return f"{who}: {stance}" + (f", {form}" if form else "")
    return SETTING_LABELS.get(key, key)


def metric_label(metric: str, names: Mapping[str, str] | None = None) -> str:
    """:func:`_metric_label`, safe to draw (see :func:`mathtext_safe`)."""
    return mathtext_safe(_metric_label(metric, names))


def _metric_label(metric: str, names: Mapping[str, str] | None = None) -> str:
    """``p_vetoed`` -> "P(vetoed)"; ``CHN_yes`` -> "China: share of lanes voting yes"."""
    names = names or {}
    if metric.startswith("p_"):
        return f"P({metric[2:]})"
    code, _, vote = metric.rpartition("_")
    if code and vote in VOTES:
        return f"{names.get(code, code)}: share of lanes voting {VOTE_LABELS[vote]}"
    return metric


def format_value(value: Any) -> str:
    """Tick labels: integers without decimals, floats in short form, booleans as no / yes."""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return mathtext_safe(value)


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
        if (column.startswith("p_") and not column.endswith(("_low", "_high")))
        or SHARE_COLUMN.match(column)
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
    labels = voted["yes"].astype(int).astype(str) + "-" + voted["no"].astype(int).astype(str) + "-" + voted[
        "abstain"
    ].astype(int).astype(str)
    counts = labels.value_counts(sort=False).sort_index()
    series = (counts / len(voted)).sort_values(ascending=False, kind="stable").rename("share")
    series.index.name = "tally"
    return series


# ---------------------------------------------------------------------------- sweep figures


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
            f"{len(grouped)} lines (one per value of {', '.join(groups)}): choose --y for a heatmap "
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
            label = ", ".join(f"{parameter_label(k, names)} = {format_value(v)}" for k, v in zip(groups, values, strict=True))
        (line,) = ax.plot(xs, ys, marker="o", linewidth=2, label=label)
        row = pd.DataFrame({"group": label or "", x: part[x].to_numpy()[order], metric: ys})
        if has_band:
            low = part[f"{metric}_low"].to_numpy(float)[order]
            high = part[f"{metric}_high"].to_numpy(float)[order]
            ax.fill_between(xs, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
            row[f"{metric}_low"], row[f"{metric}_high"] = low, high
        drawn.append(row)
    if tick_labels is not None:
        ax.set_xticks(range(len(tick_labels)), tick_labels)
    ax.set_xlabel(parameter_label(x, names))
    ax.set_ylabel(metric_label(metric, names))
    if metric.startswith("p_") or metric.rpartition("_")[2] in VOTES:
        ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    if groups:
        ax.legend(fontsize="small")
    band = ", band: 95% Wilson interval" if has_band else ""
    ax.set_title(f"{metric_label(metric, names)} by {parameter_label(x, names)}{_replicates_note(frame)}{band}", fontsize="medium")
    return Plot(figure, "line", {"line": pd.concat(drawn, ignore_index=True)})


def _metric_lines(
    frame: pd.DataFrame, x: str, metrics: list[str], names: Mapping[str, str], others: Iterable[str], max_lines: int
) -> Plot:
    """Several metrics against ``x`` on one axes, each with its band where the table has one."""
    if len(metrics) > max_lines:
        raise PlotError(f"--metric: {len(metrics)} metrics, at most {max_lines} lines a figure")
    still = _varying(frame, [key for key in others if key != x])
    if still:
        raise PlotError(
            f"--metric: several metrics need a sweep of one parameter, but {', '.join(still)} also varies: "
            "give one metric"
        )
    figure = new_figure(7.5, 4.6)
    ax = figure.add_subplot()
    xs, tick_labels = _positions(frame[x])
    order = np.argsort(xs, kind="stable")
    drawn = []
    for metric in metrics:
        ys = frame[metric].to_numpy(float)[order]
        (line,) = ax.plot(xs[order], ys, marker="o", linewidth=2, label=metric_label(metric, names), gid=f"line-{metric}")
        row = pd.DataFrame({"metric": metric, x: frame[x].to_numpy()[order], "value": ys})
        if f"{metric}_low" in frame.columns and f"{metric}_high" in frame.columns:
            low = frame[f"{metric}_low"].to_numpy(float)[order]
            high = frame[f"{metric}_high"].to_numpy(float)[order]
            ax.fill_between(xs[order], low, high, color=line.get_color(), alpha=0.2, linewidth=0)
            row["low"], row["high"] = low, high
        drawn.append(row)
    if tick_labels is not None:
        ax.set_xticks(range(len(tick_labels)), tick_labels)
    ax.set_xlabel(parameter_label(x, names))
    ax.set_ylabel("Probability or share of lanes")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(f"By {parameter_label(x, names)}{_replicates_note(frame)}, bands: 95% Wilson intervals",
                 fontsize="medium")
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
        raise PlotError(f"--x and --y are both {x}: a heatmap needs two different parameters")
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
                ax.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize="small",
                        color="white" if (probability and value < 0.6) else "black")
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
    chosen = [m.strip() for m in metric.split(",") if m.strip()] if isinstance(metric, str) else list(metric or [])
    chosen = chosen or ["p_vetoed"]
    for one in chosen:
        if one not in frame.columns or one not in metrics:
            outcomes = [m for m in metrics if m.startswith("p_")]
            codes = list(dict.fromkeys(m[:3] for m in metrics if SHARE_COLUMN.match(m)))
            shares = f", or <CODE>_yes|_no|_abstain for {', '.join(codes)}" if codes else ""
            raise PlotError(f"{label}: --metric: unknown metric {one!r} (choose from: {', '.join(outcomes)}{shares})")
    for option, key in (("--x", x), ("--y", y)):
        if key is not None and key not in keys:
            raise PlotError(
                f"{label}: {option}: {key!r} is not a swept parameter (swept: {', '.join(keys) or 'none'})"
            )
    varying = _varying(frame, keys) or keys
    if not is_grid(frame, varying, metadata):
        design = metadata.get("design", {}).get("name", "sampled") if isinstance(metadata.get("design"), Mapping) else "sampled"
        if y is not None:
            raise PlotError(f"{label}: --y: a heatmap needs a grid design; this is a {design} sweep (scatter panels)")
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
                "choose one with --x (and a second with --y for a heatmap)"
            )
    if y is None:
        return sweep_line(frame, x, metric, names, others=keys)
    if not isinstance(metric, str):
        raise PlotError(f"{label}: --metric: a heatmap shows one metric; give one, or lines with --x alone")
    return sweep_heatmap(frame, x, y, metric, names, others=keys)


# ------------------------------------------------------------------------------ run figures


def draw_member_shares(ax, shares: pd.DataFrame, names: Mapping[str, str] | None = None) -> None:
    """Stacked horizontal bars: each member's share of lanes voting yes / no / abstain."""
    names = names or dict(zip(shares["code"], shares["name"], strict=True))
    positions = np.arange(len(shares))
    left = np.zeros(len(shares))
    for vote in VOTES:
        if vote == "not_cast" and not shares[vote].any():
            continue
        widths = shares[vote].to_numpy(float)
        ax.barh(positions, widths, left=left, color=VOTE_COLOURS[vote], label=VOTE_LABELS[vote],
                gid=f"share-{vote}")
        left += widths
    ax.set_yticks(positions, [member_label(c, names, p) for c, p in zip(shares["code"], shares["permanent"], strict=True)])
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
    return Plot(figure, "run", {"members": shares.reset_index(drop=True), "tallies": shown.rename("share").to_frame()})


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
    ax.barh(positions, p, xerr=np.clip(errors, 0, None), capsize=4,
            color=[OUTCOME_COLOURS.get(o, "#607d8b") for o in outcomes["outcome"]], gid="outcomes")
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
            ax.add_patch(Wedge((x, y), radius, start, start + 360 * share, color=VOTE_COLOURS[vote],
                               gid=f"seat-{row.code}-{vote}"))
            start += 360 * share
        ax.add_patch(Circle((x, y), radius, fill=False, linewidth=2.4 if row.permanent else 0.6,
                            edgecolor="black"))
        outward = 1 + radius + 0.1
        ax.text(x * outward, y * outward, mathtext_safe(row.code), ha="center", va="center", fontsize="small",
                fontweight="bold" if row.permanent else "normal")
    handles = [Wedge((0, 0), 1, 0, 360, color=VOTE_COLOURS[v], label=VOTE_LABELS[v]) for v in VOTES[:3]]
    ax.legend(handles=handles, loc="center", bbox_to_anchor=(0.5, 0.42), frameon=False,
              fontsize="small", title="share of lanes", title_fontsize="small")
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
        given = [name for name, value in (("--x", x), ("--y", y), ("--metric", metric)) if value]
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
            raise PlotError(f"{path}: --x, --y and --metric apply to sweep tables; this is a sensitivity table")
        from sim.sensitivity import indices_plot

        return indices_plot(frame, metadata)
    return plot_sweep(frame, metadata, x, y, metric, label=str(path))

