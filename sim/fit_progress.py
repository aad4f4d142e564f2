"""Progress bars on stderr for :func:`sim.calibrate.calibrate`, as the two callbacks it takes:
first the parameter points the fit evaluates, then the decisions of the rolling forecast.

tqdm is imported when the bars are made, not with this module.
"""

from __future__ import annotations

import sys
from typing import Any


class FitProgress:
    """Two bars, one after the other: ``evaluated(n)`` counts the fit's parameter points,
    ``forecast(done, total)`` the rolling forecast's decisions (its first call closes the fit's
    bar). With ``shown`` false nothing is drawn. A context manager: leaving it closes both."""

    def __init__(self, shown: bool):
        from tqdm import tqdm

        self._tqdm = tqdm
        self.shown = shown
        self.fitting = tqdm(
            desc="calibrate: fitting",
            unit=" points",
            file=sys.stderr,
            disable=not shown,
            leave=False,
            dynamic_ncols=True,
        )
        self.forecasting: Any = None

    def evaluated(self, n: int = 1) -> None:
        self.fitting.update(n)

    def forecast(self, done: int, total: int) -> None:
        if self.forecasting is None:
            self.fitting.close()
            self.forecasting = self._tqdm(
                total=total,
                desc="calibrate: rolling forecast",
                unit=" decisions",
                file=sys.stderr,
                disable=not self.shown,
                leave=False,
                dynamic_ncols=True,
            )
        self.forecasting.update(done - self.forecasting.n)

    def close(self) -> None:
        for bar in (self.fitting, self.forecasting):
            if bar is not None:
                bar.close()

    def __enter__(self) -> FitProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
