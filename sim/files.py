"""Writing result files so that nobody ever sees half of one.

Every output of the project (tables, figures, reports, presets, a sweep's saved units) goes
through :func:`atomic_write`: the content is written to a temporary file beside the target, given
the usual file mode, and renamed into place. An interrupted write leaves no file at the target.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Create ``path`` by calling ``write(temporary_path)``, then renaming it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        # mkstemp creates files readable by their owner only; give the result the usual mode.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """:func:`atomic_write` for a text file (UTF-8)."""
    return atomic_write(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def _umask() -> int:
    """The process's umask (reading it means setting it: restored at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
