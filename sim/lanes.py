"""Per-lane arrays that are stored once when every lane holds the same value.

Before the vote, a council whose stances are all fixed numbers (the bundled presets) is the same
in every lane: only the shocks at the vote differ (Gaussian, and a permanent member's surprise). Holding such state as an array of
shape (1,) and letting numpy broadcast it makes negotiation and the penholder's counting cost the
same for a million lanes as for one, and gives bit-for-bit the same numbers (the same float
operations run on the same values, just once instead of once per lane).

:class:`PerLane` keeps that an implementation detail: the compact array lives under
``_<name>`` for the class's own arithmetic, while ``obj.<name>`` always reads with shape
``(..., lanes)`` (a read-only broadcast view, no copy, where the stored array is compact).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class PerLane:
    """Descriptor for an array attribute over lanes, possibly stored compact (last axis 1).

    The owner must have a ``lanes`` attribute (an int). Assigning stores the array as given
    (compact or full); reading broadcasts a compact array to the full number of lanes.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.private = "_" + name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return full_lanes(getattr(obj, self.private), obj.lanes)

    def __set__(self, obj: Any, value: Any) -> None:
        setattr(obj, self.private, np.asarray(value))


def full_lanes(array: np.ndarray, lanes: int) -> np.ndarray:
    """``array`` with its last axis broadcast to ``lanes`` (itself if it already has them)."""
    if array.shape[-1] == lanes:
        return array
    return np.broadcast_to(array, array.shape[:-1] + (lanes,))


def common_lanes(*arrays: np.ndarray) -> int:
    """The number of lanes arrays broadcast to together: 1 if all are compact."""
    return max(array.shape[-1] for array in arrays)
