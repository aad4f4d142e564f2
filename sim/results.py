"""What a run produced, and the analysis of it: outcome probabilities with intervals, tallies,
members' vote shares, who vetoed or blocked, and tidy tables to write out."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import __version__
from sim.files import atomic_write, atomic_write_group
from sim.rules import ABSTAIN, NO, NOT_CAST, OUTCOME_LABELS, VOTE_LABELS, YES
from sim.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim.counts import RunCounts

Z_95 = 1.959963984540054
SLICE_LANES = 1 << 18
"""Lanes analysed at a time: temporaries stay a few tens of MB however long the run."""
WRITE_LANES = 1 << 20
"""Lanes written at a time by RunResult.write (a Parquet row group each)."""


def lane_slices(lanes: int, step: int = SLICE_LANES):
    """Consecutive slices covering ``range(lanes)``, ``step`` lanes each."""
    for start in range(0, lanes, step):
        yield slice(start, min(start + step, lanes))


def pack_sets(mask: np.ndarray) -> np.ndarray:
    """A (members, lanes) boolean mask as (lanes, bytes) uint8 rows, one bit per member
    (member 0 the highest bit of byte 0): a key of each lane's set for any council size."""
    mask = np.asarray(mask, dtype=bool)
    if mask.shape[0] == 0:
        return np.zeros((mask.shape[1], 1), dtype=np.uint8)
    return np.ascontiguousarray(np.packbits(mask, axis=0).T)


def unpack_set(key: bytes, codes: list[str]) -> list[str]:
    """The members of a set packed by :func:`pack_sets` (one row, as bytes)."""
    bits = np.unpackbits(np.frombuffer(key, dtype=np.uint8))[: len(codes)]
    return [code for code, bit in zip(codes, bits) if bit]


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
    parameter_uncertainty: Any = None
    """A :class:`sim.posterior.ParameterUncertainty` when each lane drew its own parameters."""

    @classmethod
    def from_arrays(cls, scenario: Scenario, seed: int, **arrays: np.ndarray) -> RunResult:
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
            **(
                {
                    "posterior": self.parameter_uncertainty.posterior,
                    "intervals": self.parameter_uncertainty.note,
                }
                if self.parameter_uncertainty is not None
                else {}
            ),
        }

    # -- analysis (counted by sim.counts.RunCounts, the one home of these figures) ---------------

    @cached_property
    def counts(self) -> RunCounts:
        """The run's lanes counted, slice by slice: outcomes, tallies, votes, veto sets. The
        slices are the runner's chunks, so sums (text strength) add in the order
        :func:`sim.counts.run_counts` adds them, to the last bit."""
        from sim.counts import RunCounts
        from sim.runner import CHUNK_LANES

        counts = RunCounts(self.scenario, self.seed, parameter_uncertainty=self.parameter_uncertainty)
        for part in lane_slices(self.replicates, CHUNK_LANES):
            counts.add(
                self.votes[:, part],
                self.outcome[part],
                self.defeated_by[:, part],
                self.fell_short[part],
                self.text_scale[part],
            )
        return counts

    def outcome_table(self) -> pd.DataFrame:
        """Probability of each outcome with its 95% Wilson interval."""
        return self.counts.outcome_table()

    def tallies(self) -> pd.Series:
        """Share of lanes with each yes-no-abstain tally (lanes put to the vote only)."""
        return self.counts.tallies()

    def modal_tally(self) -> str | None:
        return self.counts.modal_tally()

    def member_table(self) -> pd.DataFrame:
        """Each member's share of yes / no / abstain (over all lanes) and how often its "no"
        vetoed (resolutions) or blocked (consensus bodies) the draft."""
        return self.counts.member_table()

    def defeaters(self) -> dict[str, float]:
        """Members whose "no" vetoed or blocked the draft in some lane -> share of lanes."""
        return self.counts.defeaters()

    def defeater_sets(self) -> dict[tuple[str, ...], int]:
        """Each set of vetoing / blocking members that defeated the draft -> lanes."""
        return self.counts.defeater_sets()

    def modal_defeaters(self) -> list[str]:
        """The most common set of vetoing / blocking members among defeated lanes."""
        return self.counts.modal_defeaters()

    def _defeater_labels(self, part: slice | None = None) -> pd.Categorical:
        """Per lane (of ``part``), the vetoing / blocking members joined by "+" ("" if none)."""
        import pandas as pd

        defeated_by = self.defeated_by[:, part] if part is not None else self.defeated_by
        lanes = defeated_by.shape[1]
        categories: dict[bytes, int] = {}
        codes = np.empty(lanes, dtype=np.int32)
        for piece in lane_slices(lanes):
            unique, inverse = np.unique(pack_sets(defeated_by[:, piece]), axis=0, return_inverse=True)
            lookup = np.array(
                [categories.setdefault(row.tobytes(), len(categories)) for row in unique], dtype=np.int32
            )
            codes[piece] = lookup[np.asarray(inverse).reshape(-1)]
        labels = ["+".join(unpack_set(key, self.codes)) for key in categories]
        return pd.Categorical.from_codes(codes, categories=labels) if labels else pd.Categorical([])

    def summary(self) -> dict[str, Any]:
        """The run as one JSON-ready object (what ``unsc-sim run --json`` prints)."""
        return self.counts.summary()

    # -- tidy tables ----------------------------------------------------------------------------

    def lanes_table(self, part: slice | None = None):
        """:meth:`lanes_frame` (or the lanes of ``part``) as a pyarrow Table, built from the
        run's arrays with as few copies as possible (dictionary-encoded outcome, sets and votes;
        int16 tallies)."""
        import pyarrow as pa

        part = part if part is not None else slice(0, self.replicates)
        votes = self.votes[:, part]
        lanes = votes.shape[1]
        counts = {name: np.empty(lanes, dtype=np.int16) for name in ("yes", "no", "abstain")}
        for piece in lane_slices(lanes):
            for name, code in (("yes", YES), ("no", NO), ("abstain", ABSTAIN)):
                counts[name][piece] = np.count_nonzero(votes[:, piece] == code, axis=0)
        defeaters = self._defeater_labels(part)
        columns = {
            "lane": pa.array(np.arange(part.start, part.start + lanes, dtype=np.int64)),
            "outcome": _dictionary(self.outcome[part].astype(np.int8, copy=False), OUTCOME_LABELS),
            **{name: pa.array(values) for name, values in counts.items()},
            "fell_short": pa.array(self.fell_short[part]),
            "defeated_by": _dictionary(defeaters.codes, list(defeaters.categories)),
            "text_scale": pa.array(self.text_scale[part]),
        }
        order = (YES, NO, ABSTAIN, NOT_CAST)
        vote_categories = [VOTE_LABELS[c] for c in order]
        lookup = np.full(256, -1, dtype=np.int8)  # vote code (as uint8) -> category index
        for index, code in enumerate(order):
            lookup[np.uint8(np.int8(code))] = index
        for index, code in enumerate(self.codes):
            category = lookup[votes[index].astype(np.int8, copy=False).view(np.uint8)]
            columns[f"vote_{code}"] = _dictionary(category, vote_categories)
        return pa.table(columns)

    def lanes_frame(self) -> pd.DataFrame:
        """One row per lane: outcome, tally, who vetoed or blocked, text strength, every vote."""
        return self.lanes_table().to_pandas()

    def write(self, path: str | Path) -> Path:
        """Write the per-lane table (CSV or Parquet, by extension) with its metadata.

        Written to a temporary file beside the target and renamed into place, so an interrupted
        write never leaves a partial file at ``path``. CSV gets a ``.meta.json`` sidecar; Parquet
        carries the metadata in its schema. Written in slices of ``WRITE_LANES`` lanes (a
        Parquet row group each), so writing adds little memory to the run's own.
        """
        csv = Path(path).suffix.lower() == ".csv"

        def parts() -> Iterator[Any]:
            for part in lane_slices(self.replicates, WRITE_LANES):
                table = self.lanes_table(part)
                yield table.to_pandas() if csv else table

        return write_table_parts(parts, path, self.metadata())


def _dictionary(codes: np.ndarray, labels: list[str]):
    """A dictionary-encoded (categorical) arrow column from integer codes and their labels."""
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(labels, type=pa.string()))


def sidecar_path(path: str | Path) -> Path:
    """Where a CSV table's metadata goes: ``<name>.meta.json`` beside it."""
    path = Path(path)
    return path.with_name(path.name + ".meta.json")


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class MetadataMismatch(ValueError):
    """A CSV table's ``.meta.json`` sidecar does not describe the table beside it."""


def write_table(frame: Any, path: str | Path, metadata: dict[str, Any]) -> Path:
    """Atomically write ``frame`` (a DataFrame, or for Parquet also a pyarrow Table) to CSV or
    Parquet with ``metadata``; see :func:`write_table_parts`."""
    return write_table_parts(lambda: iter([frame]), path, metadata)


def write_table_parts(parts: Callable[[], Iterator[Any]], path: str | Path, metadata: dict[str, Any]) -> Path:
    """Atomically write the rows of ``parts()`` (DataFrames, or for Parquet pyarrow Tables, all
    with the same columns) to CSV or Parquet with ``metadata``, one part at a time.

    Parquet keeps the metadata inside the file (one rename). CSV: the table and its sidecar are
    both written to temporary files; the sidecar records the table's size and SHA-256. Only when
    both are complete is the old sidecar removed, the table renamed into place, then the
    sidecar. Whenever the process stops, the target holds the old table with its metadata, the
    new table with its metadata, or a table without a sidecar, never a table paired with
    another run's metadata (and :func:`read_metadata` checks the recorded digest)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".parquet"}:
        raise ValueError(f"{path}: output must end in .csv or .parquet")
    if suffix == ".csv":
        sidecar = sidecar_path(path)
        written: dict[str, Any] = {}

        def write_csv(temporary: Path) -> None:
            for index, frame in enumerate(parts()):
                frame.to_csv(temporary, index=False, mode="w" if index == 0 else "a", header=index == 0)
            written["table_bytes"] = temporary.stat().st_size
            written["table_sha256"] = _file_digest(temporary)

        def write_sidecar(temporary: Path) -> None:
            temporary.write_text(json.dumps({**metadata, **written}, indent=2, default=str), encoding="utf-8")

        atomic_write_group(
            [(path, write_csv), (sidecar, write_sidecar)],
            before_rename=lambda: sidecar.unlink(missing_ok=True),
        )
        return path

    import pyarrow as pa
    import pyarrow.parquet as pq

    def write_parquet(temporary: Path) -> None:
        writer = None
        try:
            for frame in parts():
                table = (
                    frame
                    if isinstance(frame, pa.Table)
                    else pa.Table.from_pandas(frame, preserve_index=False)
                )
                if writer is None:
                    existing = table.schema.metadata or {}
                    schema = table.schema.with_metadata(
                        {**existing, b"unsc_sim": json.dumps(metadata, default=str).encode()}
                    )
                    writer = pq.ParquetWriter(temporary, schema)
                writer.write_table(table.replace_schema_metadata(schema.metadata))
        finally:
            if writer is not None:
                writer.close()

    return atomic_write(path, write_parquet)


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata written with a table by :func:`write_table` ({} if it has none).

    A CSV sidecar whose recorded size or digest does not match the table raises
    :class:`MetadataMismatch`: it belongs to another table."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        raw = pq.read_schema(path).metadata or {}
        return json.loads(raw.get(b"unsc_sim", b"{}"))
    sidecar = sidecar_path(path)
    if not sidecar.is_file():  # absent (or not a regular file: never read a pipe or device)
        return {}
    metadata = json.loads(sidecar.read_text(encoding="utf-8"))
    if "table_sha256" in metadata:
        if (
            path.stat().st_size != metadata.get("table_bytes")
            or _file_digest(path) != metadata["table_sha256"]
        ):
            raise MetadataMismatch(
                f"{sidecar.name} does not match the table (another run's metadata): rerun to rewrite both"
            )
    return metadata
