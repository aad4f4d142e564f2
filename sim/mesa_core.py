"""Mesa's ``Agent``, ``Model`` and ``DataCollector``, without the cost of ``import mesa``.

The council model needs these three classes, whose modules import only numpy and the standard
library; ``mesa/__init__.py`` imports all of Mesa (see :mod:`sim.lean_import`). ``DataCollector``
is fetched on first use, with the whole package, as its module imports pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.lean_import import lean_import, whole

if TYPE_CHECKING:
    from mesa.datacollection import DataCollector

__all__ = ["Agent", "DataCollector", "Model"]

Agent = lean_import("mesa", "agent").Agent
Model = lean_import("mesa", "model").Model


def __getattr__(name: str) -> object:
    """``DataCollector`` on first use (PEP 562), from the whole package: from Mesa 3.5 its module
    asks the package for ``Agent`` while it loads, which only the package's ``__init__`` sets."""
    if name == "DataCollector":
        return whole("mesa").DataCollector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
