"""Per-point counts of a sweep: all its table needs, whatever the number of lanes.

A work unit comes back as counts per point (lanes, outcomes, members' votes, tallies), not lanes,
so memory stays flat however many lanes run. :func:`unit_arrays` lays them out as the arrays a
unit file holds and :func:`unit_counts` reads them back; both engines use that layout. Tallies
are keyed and labelled by :mod:`sim.counts` (one home for the tally); a point never put to the
vote has no modal tally (None), written in the table as :data:`NO_TALLY`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.counts import modal_tally, tally_keys
from sim.results import wilson_interval
from sim.rules import ABSTAIN, NO, OUTCOME_LABELS, YES, Outcome
from sim.runner import ChunkOutput

NO_TALLY = ""
"""The sweep table's ``modal_tally`` cell for a point never put to the vote (the library's None:
an empty cell in CSV, and in Parquet a string column whatever the points)."""
VOTE_COLUMNS = ("yes", "no", "abstain")


@dataclass
class PointCounts:
    """Running counts for one point: all the sweep table needs, whatever the number of lanes."""

    members: int
    lanes: int = 0
    outcomes: np.ndarray = field(default=None)  # type: ignore[assignment]
    votes: np.ndarray = field(default=None)  # type: ignore[assignment]
    """(members, 3) lanes in which each member voted yes, no, abstain."""
    tallies: dict[int, int] = field(default_factory=dict)
    """Tally key (:func:`sim.counts.tally_keys`) -> lanes put to the vote."""

    def __post_init__(self) -> None:
        if self.outcomes is None:
            self.outcomes = np.zeros(len(OUTCOME_LABELS), dtype=np.int64)
        if self.votes is None:
            self.votes = np.zeros((self.members, 3), dtype=np.int64)

    def add_chunk(self, chunk: ChunkOutput) -> None:
        votes, outcome = chunk.votes, chunk.outcome
        self.lanes += int(outcome.shape[0])
        self.outcomes += np.bincount(outcome.astype(np.int64), minlength=len(OUTCOME_LABELS))
        self.votes += np.stack(
            [np.count_nonzero(votes == code, axis=1) for code in (YES, NO, ABSTAIN)], axis=1
        )
        voted = outcome != Outcome.WITHDRAWN
        if voted.any():
            unique, counts = np.unique(tally_keys(votes[:, voted]), return_counts=True)
            self.add_tallies(unique, counts)

    def add_tallies(self, keys: Iterable[int], counts: Iterable[int]) -> None:
        for key, count in zip(keys, counts):
            self.tallies[int(key)] = self.tallies.get(int(key), 0) + int(count)

    def merge(self, other: PointCounts) -> None:
        self.lanes += other.lanes
        self.outcomes += other.outcomes
        self.votes += other.votes
        self.add_tallies(other.tallies.keys(), other.tallies.values())

    def modal_tally(self) -> str | None:
        """The most common tally (:func:`sim.counts.modal_tally`): None if never put to the vote."""
        return modal_tally(self.tallies, self.members)

    def row(self, codes: list[str]) -> dict[str, Any]:
        """The point's columns of the sweep table (after its swept values)."""
        row: dict[str, Any] = {"replicates": self.lanes}
        low, high = wilson_interval(self.outcomes, self.lanes)
        for i, label in enumerate(OUTCOME_LABELS):
            row[f"p_{label}"] = self.outcomes[i] / self.lanes
            row[f"p_{label}_low"] = float(low[i])
            row[f"p_{label}_high"] = float(high[i])
        modal = self.modal_tally()
        row["modal_tally"] = NO_TALLY if modal is None else modal
        for index, code in enumerate(codes):
            for j, vote in enumerate(VOTE_COLUMNS):
                row[f"{code}_{vote}"] = self.votes[index, j] / self.lanes
        return row


def unit_arrays(index: int, counts: Mapping[int, PointCounts]) -> dict[str, np.ndarray]:
    """One unit's counts per point as the arrays its file holds (the inverse of :func:`unit_counts`)."""
    points = sorted(counts)
    tally_rows = [(p, k, c) for p in points for k, c in sorted(counts[p].tallies.items())]
    return {
        "unit": np.array([index]),
        "points": np.array(points, dtype=np.int64),
        "lanes": np.array([counts[p].lanes for p in points], dtype=np.int64),
        "outcomes": np.stack([counts[p].outcomes for p in points]),
        "votes": np.stack([counts[p].votes for p in points]),
        "tallies": np.array(tally_rows, dtype=np.int64).reshape(-1, 3),
    }


def unit_counts(arrays: dict[str, np.ndarray] | Any, members: int) -> dict[int, PointCounts]:
    """The counts per point saved for one unit (the inverse of :func:`unit_arrays`)."""
    result: dict[int, PointCounts] = {}
    tallies = arrays["tallies"]
    for i, point in enumerate(arrays["points"].tolist()):
        counts = PointCounts(
            members, int(arrays["lanes"][i]), arrays["outcomes"][i].copy(), arrays["votes"][i].copy()
        )
        rows = tallies[tallies[:, 0] == point]
        counts.add_tallies(rows[:, 1].tolist(), rows[:, 2].tolist())
        result[point] = counts
    return result
