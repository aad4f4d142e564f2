"""Run a sweep's units one after another in this process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from sim.sweep.work import run_unit


def run_serial(tasks: Iterator[Any]) -> Iterator[dict[str, np.ndarray]]:
    for task in tasks:
        yield run_unit(task)
