"""A run kept as counts, chunk by chunk: the one place a run's lanes are analysed.

:class:`sim.results.RunResult` holds every lane (about 45 bytes each); for a summary only counts
are needed: lanes with each outcome, each tally, each member's votes and vetoes, each set of
vetoing members, and two sums. :func:`run_counts` simulates the same chunks from the same seeds
as :func:`sim.runner.run` (``CHUNK_LANES`` lanes each, a constant: the numbers never depend on
the machine) and adds each chunk's counts before dropping it, so memory stays flat however many
lanes. :class:`~sim.results.RunResult` analyses its lanes by building the same counts (in slices),
so both give the same summary (``tests/test_counts.py``).

**Tallies** have their home here too (:func:`tally_keys`, :func:`tally_text`, :func:`modal_tally`,
:func:`modal_tallies`), for runs and sweeps alike. A lane's tally is its yes-no-abstain count among
the votes cast, kept as the integer key ``(yes * n + no) * n + abstain`` with ``n = members + 1``
and written ``"yes-no-abstain"``; only lanes put to the vote have one. The modal tally is the most
common, ties going to the smallest key; where no lane was put to the vote there is none: ``None``
(a sweep table writes that as an empty cell, :data:`sim.sweep.counts.NO_TALLY`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.results import RunResult, lane_slices, pack_sets, unpack_set, wilson_interval
from sim.rules import ABSTAIN, NO, NOT_CAST, OUTCOME_LABELS, YES, Outcome
from sim.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

VOTE_ORDER = (("yes", YES), ("no", NO), ("abstain", ABSTAIN), ("not_cast", NOT_CAST))


# ------------------------------------------------------------------------------ tallies


def tally_label(yes: int, no: int, abstain: int) -> str:
    return f"{yes}-{no}-{abstain}"


def tally_keys(votes: np.ndarray) -> np.ndarray:
    """Each lane's tally key (module docstring) from its votes, (members, lanes) -> (lanes,) int64."""
    n = votes.shape[0] + 1
    yes, no, abstain = (
        np.count_nonzero(votes == code, axis=0).astype(np.int64) for code in (YES, NO, ABSTAIN)
    )
    return (yes * n + no) * n + abstain


def tally_text(key: int, members: int) -> str:
    """The ``"yes-no-abstain"`` label of a tally key of a council of ``members``."""
    n = members + 1
    return tally_label(key // (n * n), (key // n) % n, key % n)


def modal_tally(tally_counts: Mapping[int, int], members: int) -> str | None:
    """The most common tally of ``tally_counts`` (key -> lanes), ties to the smallest key; None
    if no lane was put to the vote."""
    if not tally_counts:
        return None
    top = max(tally_counts.values())
    return tally_text(min(key for key, count in tally_counts.items() if count == top), members)


def modal_tallies(rows: np.ndarray, points: int, members: int) -> list[str | None]:
    """:func:`modal_tally` of many points at once, from ``(point, key, lanes)`` rows (a point may
    have several rows of one key: they are added up); None where a point has no row."""
    labels: list[str | None] = [None] * points
    if not len(rows):
        return labels
    pairs, inverse = np.unique(rows[:, :2], axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=rows[:, 2])
    order = np.lexsort((pairs[:, 1], -counts, pairs[:, 0]))  # by point, then most common, then key
    first = order[np.r_[True, pairs[order[1:], 0] != pairs[order[:-1], 0]]]
    for point, key in pairs[first]:
        labels[int(point)] = tally_text(int(key), members)
    return labels


# ------------------------------------------------------------------------------ a run's counts


@dataclass
class RunCounts:
    """Counts of a run's lanes, added chunk by chunk (:meth:`add`)."""

    scenario: Scenario
    seed: int
    lanes: int = 0
    outcomes: np.ndarray = field(default_factory=lambda: np.zeros(len(OUTCOME_LABELS), dtype=np.int64))
    tally_counts: dict[int, int] = field(default_factory=dict)
    """(yes * n + no) * n + abstain, n = members + 1 -> lanes put to the vote with that tally."""
    votes: np.ndarray | None = None
    """(members, 4): lanes in which each member voted yes / no / abstain / was not asked."""
    defeated: np.ndarray | None = None
    """(members,): lanes in which each member's "no" vetoed or blocked the draft."""
    set_counts: dict[bytes, int] = field(default_factory=dict)
    """Each set of vetoing / blocking members (packed by :func:`sim.results.pack_sets`) -> lanes."""
    vetoed: int = 0
    vetoed_fell_short: int = 0
    text_scale_sum: float = 0.0
    parameter_uncertainty: Any = None
    """As ``RunResult.parameter_uncertainty``: widens the outcome intervals (sim/posterior.py)."""

    metadata = RunResult.metadata  # the same description of what made the run (scenario, seed, lanes)

    @property
    def replicates(self) -> int:
        return self.lanes

    @property
    def codes(self) -> list[str]:
        return self.scenario.codes

    def add(
        self,
        votes: np.ndarray,
        outcome: np.ndarray,
        defeated_by: np.ndarray,
        fell_short: np.ndarray,
        text_scale: np.ndarray,
    ) -> None:
        """Count one chunk's lanes (the arrays of :class:`sim.runner.ChunkOutput`)."""
        members = votes.shape[0]
        if self.votes is None:
            self.votes = np.zeros((members, len(VOTE_ORDER)), dtype=np.int64)
            self.defeated = np.zeros(members, dtype=np.int64)
        assert self.defeated is not None
        self.lanes += int(outcome.shape[0])
        self.outcomes += np.bincount(np.asarray(outcome, dtype=np.int64), minlength=len(OUTCOME_LABELS))
        for column, (_, code) in enumerate(VOTE_ORDER):
            self.votes[:, column] += np.count_nonzero(votes == code, axis=1)
        self.defeated += np.count_nonzero(defeated_by, axis=1)
        vetoed = outcome == Outcome.VETOED
        self.vetoed += int(vetoed.sum())
        self.vetoed_fell_short += int(np.count_nonzero(fell_short[vetoed]))
        self.text_scale_sum += float(np.sum(text_scale, dtype=np.float64))
        voted = outcome != Outcome.WITHDRAWN
        if voted.any():
            keys, counts = np.unique(tally_keys(votes[:, voted]), return_counts=True)
            for key, count in zip(keys.tolist(), counts.tolist()):
                self.tally_counts[key] = self.tally_counts.get(key, 0) + count
        for part in lane_slices(outcome.shape[0]):
            mask = defeated_by[:, part]
            defeated = mask.any(axis=0)
            if defeated.any():
                rows, counts = np.unique(pack_sets(mask[:, defeated]), axis=0, return_counts=True)
                for row, count in zip(rows, counts.tolist()):
                    key = row.tobytes()
                    self.set_counts[key] = self.set_counts.get(key, 0) + count

    # -- the analysis (RunResult's methods of the same names use these) --------------------------

    def outcome_rows(self) -> list[dict[str, Any]]:
        """Each outcome's count and probability with its 95% Wilson interval, as plain rows
        (what :meth:`outcome_table` tabulates; the summary needs no pandas)."""
        low, high = wilson_interval(self.outcomes, self.lanes)
        if self.parameter_uncertainty is not None:  # parameter uncertainty too (sim/posterior.py)
            low = np.minimum(low, self.parameter_uncertainty.low)
            high = np.maximum(high, self.parameter_uncertainty.high)
        probability = self.outcomes / self.lanes
        return [
            {
                "outcome": label,
                "count": int(self.outcomes[index]),
                "probability": float(probability[index]),
                "ci_low": float(low[index]),
                "ci_high": float(high[index]),
            }
            for index, label in enumerate(OUTCOME_LABELS)
        ]

    def outcome_table(self) -> pd.DataFrame:
        """Probability of each outcome with its 95% Wilson interval."""
        import pandas as pd

        return pd.DataFrame(self.outcome_rows())

    def tally_shares(self) -> dict[str, float]:
        """Share of lanes with each yes-no-abstain tally (lanes put to the vote only), most
        common first, ties in tally order (what :meth:`tallies` tabulates)."""
        total = sum(self.tally_counts.values())
        keys = sorted(self.tally_counts)
        shares = [(tally_text(key, len(self.codes)), self.tally_counts[key] / total) for key in keys]
        return dict(sorted(shares, key=lambda item: -item[1]))

    def tallies(self) -> pd.Series:
        """:meth:`tally_shares` as a Series named ``share``, indexed by ``tally``."""
        import pandas as pd

        shares = self.tally_shares()
        series = pd.Series(list(shares.values()), index=list(shares), name="share", dtype=float)
        series.index.name = "tally"
        return series

    def member_rows(self) -> list[dict[str, Any]]:
        """Each member's share of yes / no / abstain / not asked (over all lanes) and how often
        its "no" vetoed (resolutions) or blocked (consensus bodies) the draft."""
        assert self.votes is not None and self.defeated is not None
        rows = []
        for index, profile in enumerate(self.scenario.members):
            shares = {
                name: int(self.votes[index, column]) / self.lanes
                for column, (name, _) in enumerate(VOTE_ORDER)
            }
            rows.append(
                {
                    "code": profile.code,
                    "name": profile.name,
                    "permanent": profile.permanent,
                    **shares,
                    "defeated": int(self.defeated[index]) / self.lanes,
                }
            )
        return rows

    def member_table(self) -> pd.DataFrame:
        """:meth:`member_rows` as a table."""
        import pandas as pd

        return pd.DataFrame(self.member_rows())

    def defeaters(self) -> dict[str, float]:
        """Members whose "no" vetoed or blocked the draft in some lane -> share of lanes."""
        assert self.defeated is not None
        shares = self.defeated / self.lanes
        return {
            code: float(share)
            for code, share in sorted(zip(self.codes, shares), key=lambda item: -item[1])
            if share > 0
        }

    def modal_tally(self) -> str | None:
        """The most common tally, None if no lane was put to the vote (:func:`modal_tally`)."""
        return modal_tally(self.tally_counts, len(self.codes))

    def defeater_sets(self) -> dict[tuple[str, ...], int]:
        """Each set of vetoing / blocking members that defeated the draft -> lanes."""
        return {tuple(unpack_set(key, self.codes)): count for key, count in sorted(self.set_counts.items())}

    def modal_defeaters(self) -> list[str]:
        """The most common set of vetoing / blocking members among defeated lanes."""
        sets = self.defeater_sets()
        if not sets:
            return []
        top = max(sets.values())
        return list(next(members for members, count in sets.items() if count == top))

    def summary(self) -> dict[str, Any]:
        """What ``RunResult.summary()`` gives for the same lanes (``unsc-sim run --json``)."""
        outcomes = {
            row["outcome"]: {key: row[key] for key in ("probability", "ci_low", "ci_high", "count")}
            for row in self.outcome_rows()
        }
        tallies = self.tally_shares()
        return {
            **self.metadata(),
            "most_likely_outcome": max(outcomes, key=lambda label: outcomes[label]["count"]),
            "outcomes": outcomes,
            "also_fell_short": self.vetoed_fell_short / self.vetoed if self.vetoed else 0.0,
            "modal_tally": self.modal_tally(),
            "tallies": dict(list(tallies.items())[:10]),
            "defeated_by": self.defeaters(),
            "modal_defeaters": self.modal_defeaters(),
            "mean_text_scale": self.text_scale_sum / self.lanes,
            "members": self.member_rows(),
        }


def run_counts(scenario: Scenario, replicates: int = 10_000, seed: int = 0) -> RunCounts:
    """Simulate as :func:`sim.runner.run` does (same chunks, same seeds) keeping counts only."""
    from sim.runner import CHUNK_LANES, chunk_bounds, chunk_seed, simulate_chunk

    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    counts = RunCounts(scenario, seed)
    for index, (start, stop) in enumerate(chunk_bounds(replicates, CHUNK_LANES)):
        chunk = simulate_chunk(scenario, stop - start, chunk_seed(seed, index))
        counts.add(
            chunk.votes, chunk.outcome, chunk.defeated_by, chunk.fell_short, np.asarray(chunk.text_scale)
        )
        del chunk
    return counts
