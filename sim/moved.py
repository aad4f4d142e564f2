"""Names that moved to another module, still importable from their old one.

Splitting a module must not break ``from sim.compare import format_report`` in callers, tests and
notebooks; but a plain re-export would import the new module (which imports the old one) while the
old one is still loading. :func:`moved_names` gives the old module a PEP 562 ``__getattr__`` that
imports the new home on first use instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def moved_names(module: str, moved: Mapping[str, tuple[str, str]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``module``: ``moved`` maps an old name to (new module, name)."""

    def __getattr__(name: str) -> Any:
        if name in moved:
            home, attribute = moved[name]
            return getattr(importlib.import_module(home), attribute)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
