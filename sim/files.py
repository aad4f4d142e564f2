"""Writing result files so that nobody ever sees half of one, and checking where they go.

Every output of the project (tables, figures, reports, presets, a sweep's saved units) goes
through :func:`atomic_write`: the content is written to a temporary file beside the target, given
the usual file mode, and renamed into place. An interrupted write leaves no file at the target,
and the temporary file is removed on every exit path (an exception, Ctrl-C). A temporary file
left by a process killed outright (``kill -9``) carries that process's id in its name and is
removed by the next write to the same target once that process is gone.

:func:`atomic_write_group` writes several files that belong together (a CSV table and its
``.meta.json`` sidecar): all are written to temporary files first, and renamed into place in
order only once every one of them is complete.

:func:`output_problem` says, before any computation, why a path cannot be written (its
directory is missing and cannot be made, is not writable, or the target is a directory).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

PART_SUFFIX = ".part"
_PART_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.part$")


def _temporary_for(path: Path) -> Path:
    handle, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=PART_SUFFIX
    )
    os.close(handle)
    return Path(name)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_parts(path: str | Path) -> list[Path]:
    """Remove temporary files of earlier writes to ``path`` whose writer is gone (killed with
    ``kill -9`` mid-write); those of live processes are left alone. Returns what was removed."""
    path = Path(path)
    removed: list[Path] = []
    try:
        candidates = list(path.parent.glob(f".{glob_escape(path.name)}.*{PART_SUFFIX}"))
    except OSError:
        return removed
    for candidate in candidates:
        match = _PART_NAME.match(candidate.name)
        if match is None or match.group("name") != path.name:
            continue
        if _pid_alive(int(match.group("pid"))):
            continue
        try:
            candidate.unlink()
            removed.append(candidate)
        except OSError:
            pass
    return removed


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Create ``path`` by calling ``write(temporary_path)``, then renaming it into place."""
    return atomic_write_group([(Path(path), write)])[0]


def atomic_write_group(
    items: Sequence[tuple[str | Path, Callable[[Path], None]]],
    before_rename: Callable[[], None] | None = None,
) -> list[Path]:
    """Write every ``(path, write)`` item to a temporary file; only when all are complete,
    call ``before_rename()`` (if given) and rename them into place in the order given.
    Whatever happens (an exception, KeyboardInterrupt), no temporary file is left behind."""
    paths = [Path(path) for path, _ in items]
    temporaries: list[Path] = []
    try:
        for path, (_, write) in zip(paths, items):
            path.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_parts(path)
            temporary = _temporary_for(path)
            temporaries.append(temporary)
            write(temporary)
            # mkstemp creates files readable by their owner only; give the result the usual mode.
            os.chmod(temporary, 0o666 & ~_umask())
        if before_rename is not None:
            before_rename()
        for temporary, path in zip(temporaries, paths):
            os.replace(temporary, path)
    finally:
        for temporary in temporaries:
            try:
                temporary.unlink(missing_ok=True)
            except OSError:
                pass
    return paths


def atomic_write_text(path: str | Path, text: str) -> Path:
    """:func:`atomic_write` for a text file (UTF-8)."""
    return atomic_write(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def _umask() -> int:
    """The process's umask (reading it means setting it: restored at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---------------------------------------------------------------------------- output checks


def output_problem(path: str | Path, option: str = "--out") -> str | None:
    """Why ``path`` cannot be written as an output file, in one line, or None if it can.

    The target must not be a directory; its directory must exist (or be creatable: the nearest
    existing ancestor is a directory) and be writable (tested by creating and removing a
    temporary file, which also catches read-only file systems)."""
    path = Path(path)
    if path.is_dir():
        return f"{option}: {path}: is a directory; give a file name"
    if path.exists() and not path.is_file():
        return f"{option}: {path}: exists and is not a regular file"
    ancestor = path.parent
    while not ancestor.exists():
        if ancestor.is_symlink():
            return f"{option}: {path}: {ancestor} is a broken link"
        if ancestor == ancestor.parent:
            break
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"{option}: {path}: {ancestor} is not a directory"
    try:
        handle, name = tempfile.mkstemp(dir=ancestor, prefix=".unsc-sim-write-test.")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return f"{option}: {path}: cannot write in {ancestor}: {reason}"
    os.close(handle)
    try:
        os.unlink(name)
    except OSError:
        pass
    return None


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """``text`` without control characters (escape sequences, carriage returns, bidi
    overrides) that would let file content rewrite a terminal; newlines and tabs are kept."""
    return _CONTROL.sub("", text)
