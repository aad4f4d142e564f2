"""The tables a sweep writes, built from the units saved in its work directory
(:mod:`sim.sweep.store`): the sweep table, one row per point (:func:`sweep_table`; for the lanes
engine :func:`lane_sweep_table`, the same frame built with arrays over all points at once, since
the per-point builder spends some 100 microseconds of Python a point, most of a 100,000-point
sweep), and the ``per_lane`` rows (:func:`lanes_table`).

Columns: ``point``, the swept keys, ``replicates``, ``p_OUTCOME`` with ``_low``/``_high`` (95%
Wilson interval), ``modal_tally`` (``yes-no-abstain``; :data:`sim.sweep.counts.NO_TALLY`, an empty
cell, where the point never went to the vote), and ``CODE_yes/no/abstain`` shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.counts import modal_tallies
from sim.results import RunResult, wilson_interval
from sim.rules import OUTCOME_LABELS
from sim.sweep.counts import NO_TALLY, VOTE_COLUMNS, PointCounts, unit_counts
from sim.sweep.plan import Sweep, Unit, point_matrix, point_seed
from sim.sweep.store import load_unit
from sim.sweep.work import LANE_FIELDS


def sweep_table(sweep: Sweep, work: Path, units: list[Unit]) -> pd.DataFrame:
    """The tidy table, one row per point, from the units saved in ``work``."""
    members = len(sweep.scenario.members)
    totals = {p: PointCounts(members) for p in range(len(sweep.points))}
    for unit in units:
        arrays = load_unit(work, unit, members)
        for point, counts in unit_counts(arrays, members).items():
            totals[point].merge(counts)
    codes = sweep.scenario.codes
    rows = [{"point": p, **sweep.points[p], **totals[p].row(codes)} for p in range(len(sweep.points))]
    if sweep.posterior is not None:
        from sim.posterior import parameter_uncertainty

        for p, row in enumerate(rows):
            spread = parameter_uncertainty(
                sweep.posterior,
                sweep.point_scenario(p),
                sweep.replicates,
                point_seed(sweep.seed, p),
                sweep.chunk_lanes,
            )
            for i, label in enumerate(OUTCOME_LABELS):
                row[f"p_{label}_low"] = min(row[f"p_{label}_low"], float(spread.low[i]))
                row[f"p_{label}_high"] = max(row[f"p_{label}_high"], float(spread.high[i]))
    frame = pd.DataFrame(rows)
    for parameter in sweep.design.parameters:
        if parameter.kind == "int":
            frame[parameter.key] = frame[parameter.key].astype(np.int64)
        elif parameter.kind == "float":
            frame[parameter.key] = frame[parameter.key].astype(np.float64)
    frame["modal_tally"] = frame["modal_tally"].astype(object)
    return frame


def lanes_table(sweep: Sweep, work: Path, units: list[Unit]) -> pd.DataFrame:
    """``--per-lane`` rows: ``point`` then RunResult.lanes_frame()'s columns, point by point."""
    frames: list[pd.DataFrame] = []
    chunks: dict[str, list[np.ndarray]] = {name: [] for name in LANE_FIELDS}
    current: int | None = None

    def flush(point: int) -> None:
        result = RunResult.from_arrays(
            sweep.point_scenario(point),
            seed=point_seed(sweep.seed, point),
            votes=np.concatenate(chunks["votes"], axis=1),
            outcome=np.concatenate(chunks["outcome"]),
            defeated_by=np.concatenate(chunks["defeated_by"], axis=1),
            fell_short=np.concatenate(chunks["fell_short"]),
            text_scale=np.concatenate(chunks["text_scale"]),
        )
        frame = result.lanes_frame()
        frame.insert(0, "point", point)
        frames.append(frame)
        for name in LANE_FIELDS:
            chunks[name].clear()

    members = len(sweep.scenario.members)
    for unit in units:
        arrays = load_unit(work, unit, members)
        for piece in unit.pieces:
            if current is not None and piece.point != current:
                flush(current)
            current = piece.point
            for name in LANE_FIELDS:
                chunks[name].append(arrays[f"lanes_{piece.point}_{piece.chunk}_{name}"])
    if current is not None:
        flush(current)
    return pd.concat(frames, ignore_index=True)


def lane_sweep_table(sweep: Sweep, work: Path, units: Sequence[Unit]) -> pd.DataFrame:
    """:func:`sweep_table` (the same frame, column for column), with the counts of all
    points added up and turned into columns as arrays rather than point by point."""
    members, total = len(sweep.scenario.members), len(sweep.points)
    lanes = np.zeros(total, dtype=np.int64)
    outcomes = np.zeros((total, len(OUTCOME_LABELS)), dtype=np.int64)
    votes = np.zeros((total, members, 3), dtype=np.int64)
    tallies: list[np.ndarray] = []
    for unit in units:
        arrays = load_unit(work, unit, members)
        points = arrays["points"]
        np.add.at(lanes, points, arrays["lanes"])
        np.add.at(outcomes, points, arrays["outcomes"])
        np.add.at(votes, points, arrays["votes"])
        tallies.append(arrays["tallies"])
    columns: dict[str, Any] = {"point": np.arange(total)}
    for row, parameter in enumerate(sweep.design.parameters):
        columns[parameter.key] = point_matrix(sweep)[row]
    columns["replicates"] = lanes
    n = lanes if np.all(lanes == lanes[0]) else None
    for i, label in enumerate(OUTCOME_LABELS):
        share = outcomes[:, i] / lanes
        if n is not None:
            low, high = wilson_interval(outcomes[:, i], int(lanes[0]))
        else:
            pairs = [wilson_interval(outcomes[p, i], int(lanes[p])) for p in range(total)]
            low, high = np.array([a for a, _ in pairs]), np.array([b for _, b in pairs])
        columns[f"p_{label}"], columns[f"p_{label}_low"], columns[f"p_{label}_high"] = share, low, high
    rows = np.concatenate(tallies) if tallies else np.zeros((0, 3), np.int64)
    columns["modal_tally"] = [NO_TALLY if t is None else t for t in modal_tallies(rows, total, members)]
    for index, code in enumerate(sweep.scenario.codes):
        for j, vote in enumerate(VOTE_COLUMNS):
            columns[f"{code}_{vote}"] = votes[:, index, j] / lanes
    frame = pd.DataFrame(columns)
    frame["modal_tally"] = frame["modal_tally"].astype(object)
    return frame
