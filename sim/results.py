"""What a run produced, and the analysis of it: outcome probabilities with intervals, tallies,
members' vote shares, who vetoed or blocked, and tidy tables to write out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.files import atomic_write, atomic_write_text
from sim.rules import ABSTAIN, NO, NOT_CAST, OUTCOME_LABELS, VOTE_LABELS, YES, Outcome
from sim.scenario import Scenario

Z_95 = 1.959963984540054


def wilson_interval(successes: np.ndarray | int, n: int, z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion: honest near 0 and 1, unlike p +- 2se."""
    successes = np.asarray(successes, dtype=float)
    if n == 0:
        return np.full_like(successes, np.nan), np.full_like(successes, np.nan)
    p = successes / n
    denominator = 1 + z**2 / n
    center = (p + z**2 / (2 * n)) / denominator
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    low = np.where(successes == 0, 0.0, np.clip(center - half, 0, 1))
    high = np.where(successes == n, 1.0, np.clip(center + half, 0, 1))
    return low, high


def tally_label(yes: int, no: int, abstain: int) -> str:
    return f"{yes}-{no}-{abstain}"


@dataclass(frozen=True)
class RunResult:
    """Every lane of a run: the votes (members x lanes), outcomes, and what produced them."""

    scenario: Scenario
    seed: int
    votes: np.ndarray
    outcome: np.ndarray
    defeated_by: np.ndarray
    fell_short: np.ndarray
    text_scale: np.ndarray

    @classmethod
    def from_arrays(cls, scenario: Scenario, seed: int, **arrays: np.ndarray) -> "RunResult":
        return cls(scenario=scenario, seed=seed, **arrays)

    # -- basic facts ----------------------------------------------------------------------------

    @property
    def replicates(self) -> int:
        return int(self.outcome.shape[0])

    @property
    def codes(self) -> list[str]:
        return self.scenario.codes

    def metadata(self) -> dict[str, Any]:
        """What made this result, so that a study can be rerun."""
        spec = self.scenario.spec
        return {
            "scenario": self.scenario.name,
            "scenario_file": self.scenario.path,
            "scenario_fingerprint": self.scenario.fingerprint(),
            "table": "lanes",
            "symbol": spec.proposal.symbol,
            "proposal_kind": spec.proposal.kind,
            "seed": self.seed,
            "replicates": self.replicates,
            "version": __version__,
            "stance_sources": {
                member.code: member.sources for member in self.scenario.members if member.sources
            },
        }

    # -- analysis -------------------------------------------------------------------------------

    def outcome_table(self) -> pd.DataFrame:
        """Probability of each outcome with its 95% Wilson interval."""
        counts = np.bincount(self.outcome.astype(np.int64), minlength=len(OUTCOME_LABELS))
        low, high = wilson_interval(counts, self.replicates)
        return pd.DataFrame(
            {
                "outcome": OUTCOME_LABELS,
                "count": counts,
                "probability": counts / self.replicates,
                "ci_low": low,
                "ci_high": high,
            }
        )

    def tallies(self) -> pd.Series:
        """Share of lanes with each yes-no-abstain tally (lanes put to the vote only)."""
        voted = self.outcome != Outcome.WITHDRAWN
        if not voted.any():
            return pd.Series(dtype=float, name="share")
        yes = (self.votes[:, voted] == YES).sum(axis=0)
        no = (self.votes[:, voted] == NO).sum(axis=0)
        abstain = (self.votes[:, voted] == ABSTAIN).sum(axis=0)
        n = len(self.codes) + 1
        keys = (yes * n + no) * n + abstain
        unique, counts = np.unique(keys, return_counts=True)
        labels = [tally_label(k // (n * n), (k // n) % n, k % n) for k in unique]
        series = pd.Series(counts / voted.sum(), index=labels, name="share")
        series.index.name = "tally"
        return series.sort_values(ascending=False, kind="stable")

    def modal_tally(self) -> str | None:
        tallies = self.tallies()
        return None if tallies.empty else str(tallies.index[0])

    def member_table(self) -> pd.DataFrame:
        """Each member's share of yes / no / abstain (over all lanes) and how often its "no"
        vetoed (resolutions) or blocked (consensus bodies) the draft."""
        rows = []
        for index, profile in enumerate(self.scenario.members):
            row = self.votes[index]
            rows.append(
                {
                    "code": profile.code,
                    "name": profile.name,
                    "permanent": profile.permanent,
                    "yes": float(np.mean(row == YES)),
                    "no": float(np.mean(row == NO)),
                    "abstain": float(np.mean(row == ABSTAIN)),
                    "not_cast": float(np.mean(row == NOT_CAST)),
                    "defeated": float(np.mean(self.defeated_by[index])),
                }
            )
        return pd.DataFrame(rows)

    def defeaters(self) -> dict[str, float]:
        """Members whose "no" vetoed or blocked the draft in some lane -> share of lanes."""
        shares = self.defeated_by.mean(axis=1)
        return {
            code: float(share)
            for code, share in sorted(zip(self.codes, shares), key=lambda item: -item[1])
            if share > 0
        }

    def modal_defeaters(self) -> list[str]:
        """The most common set of vetoing / blocking members among defeated lanes."""
        defeated = self.defeated_by.any(axis=0)
        if not defeated.any():
            return []
        weights = 1 << np.arange(len(self.codes), dtype=np.int64)
        keys = (self.defeated_by[:, defeated].astype(np.int64) * weights[:, None]).sum(axis=0)
        unique, counts = np.unique(keys, return_counts=True)
        key = int(unique[np.argmax(counts)])
        return [code for i, code in enumerate(self.codes) if key >> i & 1]

    def _defeater_labels(self) -> np.ndarray:
        """Per lane, the vetoing / blocking members joined by "+" ("" if none)."""
        weights = 1 << np.arange(len(self.codes), dtype=np.int64)
        keys = (self.defeated_by.astype(np.int64) * weights[:, None]).sum(axis=0)
        unique, inverse = np.unique(keys, return_inverse=True)
        labels = np.array(
            ["+".join(c for i, c in enumerate(self.codes) if int(k) >> i & 1) for k in unique],
            dtype=object,
        )
        return labels[inverse]

    def summary(self) -> dict[str, Any]:
        """The run as one JSON-ready object (what ``unsc-sim run --json`` prints)."""
        outcomes = {
            row.outcome: {
                "probability": row.probability,
                "ci_low": row.ci_low,
                "ci_high": row.ci_high,
                "count": int(row.count),
            }
            for row in self.outcome_table().itertuples()
        }
        most_likely = max(outcomes, key=lambda label: outcomes[label]["count"])
        vetoed = self.outcome == Outcome.VETOED
        return {
            **self.metadata(),
            "most_likely_outcome": most_likely,
            "outcomes": outcomes,
            "also_fell_short": float(np.mean(self.fell_short[vetoed])) if vetoed.any() else 0.0,
            "modal_tally": self.modal_tally(),
            "tallies": {k: float(v) for k, v in self.tallies().head(10).items()},
            "defeated_by": self.defeaters(),
            "modal_defeaters": self.modal_defeaters(),
            "mean_text_scale": float(self.text_scale.mean()),
            "members": self.member_table().to_dict(orient="records"),
        }

    # -- tidy tables ----------------------------------------------------------------------------

    def lanes_frame(self) -> pd.DataFrame:
        """One row per lane: outcome, tally, who vetoed or blocked, text strength, every vote."""
        outcome_labels = np.array(OUTCOME_LABELS, dtype=object)[self.outcome.astype(np.int64)]
        defeaters = self._defeater_labels()
        frame = pd.DataFrame(
            {
                "lane": np.arange(self.replicates),
                "outcome": pd.Categorical(outcome_labels, categories=OUTCOME_LABELS),
                "yes": (self.votes == YES).sum(axis=0),
                "no": (self.votes == NO).sum(axis=0),
                "abstain": (self.votes == ABSTAIN).sum(axis=0),
                "fell_short": self.fell_short,
                "defeated_by": defeaters,
                "text_scale": self.text_scale,
            }
        )
        vote_categories = [VOTE_LABELS[c] for c in (YES, NO, ABSTAIN, NOT_CAST)]
        lookup = np.empty(NOT_CAST + 2, dtype=object)
        for code, label in VOTE_LABELS.items():
            lookup[code] = label  # NO (-1) lands in the last slot
        for index, code in enumerate(self.codes):
            frame[f"vote_{code}"] = pd.Categorical(lookup[self.votes[index]], categories=vote_categories)
        return frame

    def write(self, path: str | Path) -> Path:
        """Write the per-lane table (CSV or Parquet, by extension) with its metadata.

        Written to a temporary file beside the target and renamed into place, so an interrupted
        write never leaves a partial file at ``path``. CSV gets a ``.meta.json`` sidecar; Parquet
        carries the metadata in its schema.
        """
        return write_table(self.lanes_frame(), path, self.metadata())


def write_table(frame: pd.DataFrame, path: str | Path, metadata: dict[str, Any]) -> Path:
    """Atomically write ``frame`` to CSV or Parquet with ``metadata`` (see RunResult.write)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".parquet"}:
        raise ValueError(f"{path}: output must end in .csv or .parquet")
    if suffix == ".csv":
        atomic_write_text(path.with_name(path.name + ".meta.json"), json.dumps(metadata, indent=2, default=str))
        return atomic_write(path, lambda temporary: frame.to_csv(temporary, index=False))

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    existing = table.schema.metadata or {}
    table = table.replace_schema_metadata(
        {**existing, b"unsc_sim": json.dumps(metadata, default=str).encode()}
    )
    return atomic_write(path, lambda temporary: pq.write_table(table, temporary))


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata written with a table by :func:`write_table`."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        raw = pq.read_schema(path).metadata or {}
        return json.loads(raw.get(b"unsc_sim", b"{}"))
    sidecar = path.with_name(path.name + ".meta.json")
    return json.loads(sidecar.read_text()) if sidecar.exists() else {}
