"""The resumable store of a sweep's finished work, beside its output.

Each finished unit is saved (atomically) in a work directory beside the output,
``.<output name>.partial/``, under a manifest keyed by a hash of what determines the numbers
(:meth:`sim.sweep.plan.Sweep.key`: scenario fingerprint, design, points, seed, replicates, chunk
size, version). Rerunning the same sweep skips saved units and writes the same file; a different
sweep refuses the directory. The table is always built from the saved units, written atomically,
and the directory removed. A lock beside the output (:func:`sweep_lock`) keeps a second sweep
off the same files.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from sim.files import atomic_write, atomic_write_text
from sim.sweep.plan import Sweep, SweepError, Unit

UNIT_LOG = "units.sha256"
"""The manifest's record of saved units: one line ``<index> <sha256 of the unit file>`` each,
appended after the unit file is in place. A unit file without its line, or whose bytes do not
hash to it (corrupt, truncated, copied from elsewhere), is recomputed, never trusted."""


def work_dir_for(out: Path) -> Path:
    """Where unfinished work for ``out`` is kept: ``.<name>.partial`` beside it."""
    return out.with_name(f".{out.name}.partial")


def lanes_path_for(out: Path) -> Path:
    """Where ``--per-lane`` rows go: ``<stem>.lanes<suffix>`` beside the table."""
    return out.with_name(f"{out.stem}.lanes{out.suffix}")


def unit_file(work: Path, index: int) -> Path:
    return work / f"unit-{index:06d}.npz"


def save_unit(work: Path, index: int, arrays: dict[str, np.ndarray]) -> None:
    """Save a unit atomically, then record its checksum in the manifest's unit log."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    data = buffer.getvalue()
    atomic_write(unit_file(work, index), lambda temporary: temporary.write_bytes(data))
    with (work / UNIT_LOG).open("a", encoding="ascii") as log:
        log.write(f"{index} {hashlib.sha256(data).hexdigest()}\n")


def _recorded_units(work: Path) -> dict[int, str]:
    """The unit log: index -> checksum (a torn last line, from a kill, is ignored)."""
    recorded: dict[int, str] = {}
    try:
        lines = (work / UNIT_LOG).read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return recorded
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and len(parts[1]) == 64:
            recorded[int(parts[0])] = parts[1]
    return recorded


def verified_units(work: Path, units: list[Unit]) -> set[int]:
    """Units whose saved file hashes to the checksum logged for it; any other file in the work
    directory (corrupt, foreign, unlogged) is removed so that its unit is recomputed."""
    recorded = _recorded_units(work)
    valid = {unit.index for unit in units}
    done: set[int] = set()
    for path in work.glob("unit-*.npz"):
        stem = path.stem.split("-")[-1]
        index = int(stem) if stem.isdigit() else -1
        try:
            good = (
                index in valid
                and index in recorded
                and path.is_file()
                and hashlib.sha256(path.read_bytes()).hexdigest() == recorded[index]
            )
        except OSError:
            good = False
        if good:
            done.add(index)
        else:
            path.unlink(missing_ok=True)
    return done


def load_unit(work: Path, unit: Unit, members: int) -> dict[str, np.ndarray]:
    """A saved unit's arrays, checked against the unit it should hold (a file that is not what
    this sweep saved is an error, never silently counted), in time linear in its pieces (a
    lanes-engine unit names hundreds of points)."""
    path = unit_file(work, unit.index)
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
        raise SweepError(
            [f"{path}: unreadable unit file ({exc}); rerun the same command to recompute it"]
        ) from None
    if not ok:
        path.unlink(missing_ok=True)
        raise SweepError(
            [
                f"{path}: does not hold unit {unit.index} of this sweep; removed: rerun the same command to recompute it"
            ]
        )
    return arrays


def prepare_work_dir(work: Path, key: str, sweep: Sweep, restart: bool) -> set[int]:
    """Create or reopen the work directory; the indices of units already saved there (and
    verified against their checksums)."""
    manifest = work / "manifest.json"
    if work.exists() and not work.is_dir():
        raise SweepError([f"{work}: exists and is not a directory (the sweep's work directory); remove it"])
    if work.exists():
        try:
            saved_key = json.loads(manifest.read_text())["key"]
        except (OSError, ValueError, KeyError, TypeError):
            saved_key = None  # never got as far as a manifest: nothing to keep
        if saved_key == key and not restart:
            return verified_units(work, sweep.units())
        if saved_key is not None and saved_key != key and not restart:
            raise SweepError(
                [
                    f"{work}: holds unfinished work of a different sweep (another scenario, design, "
                    "seed, replicates, chunk size, `per_lane` or version); rerun that sweep to "
                    "finish it, or pass `restart` to discard it"
                ]
            )
        shutil.rmtree(work)
    work.mkdir(parents=True)
    atomic_write_text(
        manifest,
        json.dumps(
            {"key": key, "units": len(sweep.units()), "unit_log": UNIT_LOG, **sweep.metadata()},
            indent=1,
            default=str,
        ),
    )
    return set()


def lock_path_for(out: Path) -> Path:
    """The lock held while a sweep writes ``out``: ``.<name>.lock`` beside it."""
    return out.with_name(f".{out.name}.lock")


@contextmanager
def sweep_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out``'s work for the whole sweep: a second sweep on the same
    ``--out`` is refused at once (one line) instead of racing for the same unit files. The lock
    is released by the kernel if the process dies, so a killed sweep never leaves it held."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock (documented)
        yield
        return
    lock = lock_path_for(out)
    lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise SweepError(
                [
                    f"out {out}: locked: another sweep is writing it now ({lock}); wait for it to "
                    "finish, or give another `out`"
                ]
            ) from None
        try:  # the previous holder may have removed the file between our open and lock
            current = os.stat(lock)
        except FileNotFoundError:
            current = None
        if current is not None and os.path.samestat(current, os.fstat(fd)):
            break
        os.close(fd)
    try:
        yield
    finally:
        try:
            lock.unlink(missing_ok=True)
        finally:
            os.close(fd)
