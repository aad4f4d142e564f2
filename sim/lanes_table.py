"""The sweep table of a lanes-engine sweep (:mod:`sim.sweep_lanes`), built from its saved units
with arrays over all points at once: the per-point builder (:func:`sim.sweep.sweep_table`)
spends some 100 microseconds of Python a point, which is most of a 100,000-point sweep."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from sim.rules import OUTCOME_LABELS
from sim.sweep_lanes import point_matrix

if TYPE_CHECKING:
    from sim.sweep import Sweep, Unit


def load_lane_unit(work: Any, unit: "Unit", members: int) -> dict[str, np.ndarray]:
    """A saved unit's arrays, checked as :func:`sim.sweep._load_unit` checks them, in time
    linear in its pieces (a lanes unit names hundreds of points)."""
    from sim.sweep import SweepError, _unit_file

    path = _unit_file(work, unit.index)
    lanes: dict[int, int] = {}
    for piece in unit.pieces:
        lanes[piece.point] = lanes.get(piece.point, 0) + piece.lanes
    try:
        with np.load(path) as stored:
            arrays = {name: stored[name] for name in stored.files}
        points = sorted(lanes)
        ok = (
            int(arrays["unit"][0]) == unit.index
            and arrays["points"].tolist() == points
            and arrays["lanes"].tolist() == [lanes[p] for p in points]
            and arrays["votes"].shape[1:] == (members, 3)
        )
    except Exception as exc:  # a corrupt zip, a missing array, a wrong shape: one line
        raise SweepError([f"{path}: unreadable unit file ({exc}); rerun the same command to recompute it"]) from None
    if not ok:
        path.unlink(missing_ok=True)
        raise SweepError([f"{path}: does not hold unit {unit.index} of this sweep; removed: rerun the same command to recompute it"])
    return arrays


def lane_sweep_table(sweep: "Sweep", work: Any, units: Sequence["Unit"]) -> Any:
    """:func:`sim.sweep.sweep_table` (the same frame, column for column), with the counts of all
    points added up and turned into columns as arrays rather than point by point."""
    import pandas as pd

    from sim.results import wilson_interval

    members, total = len(sweep.scenario.members), len(sweep.points)
    lanes = np.zeros(total, dtype=np.int64)
    outcomes = np.zeros((total, len(OUTCOME_LABELS)), dtype=np.int64)
    votes = np.zeros((total, members, 3), dtype=np.int64)
    tallies: list[np.ndarray] = []
    for unit in units:
        arrays = load_lane_unit(work, unit, members)
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
    columns["modal_tally"] = modal_tallies(np.concatenate(tallies) if tallies else np.zeros((0, 3), np.int64), total, members)
    for index, code in enumerate(sweep.scenario.codes):
        for j, vote in enumerate(("yes", "no", "abstain")):
            columns[f"{code}_{vote}"] = votes[:, index, j] / lanes
    frame = pd.DataFrame(columns)
    frame["modal_tally"] = frame["modal_tally"].astype(object)
    return frame


def modal_tallies(rows: np.ndarray, points: int, members: int) -> list[str]:
    """Each point's most common tally from (point, key, count) rows, ties to the smallest key
    (as :meth:`sim.sweep.PointCounts.modal_tally`); "" where a point never went to the vote."""
    labels = [""] * points
    if not len(rows):
        return labels
    pairs, inverse = np.unique(rows[:, :2], axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=rows[:, 2])
    order = np.lexsort((pairs[:, 1], -counts, pairs[:, 0]))  # by point, then most common, then key
    first = order[np.r_[True, pairs[order[1:], 0] != pairs[order[:-1], 0]]]
    n = members + 1
    for point, key in pairs[first]:
        labels[int(point)] = f"{key // (n * n)}-{(key // n) % n}-{key % n}"
    return labels
