"""Progress bars on stderr, in one style for every long command (``compare``, ``report``,
``sweep``, ``calibrate``): gone when done (``leave=False``) so the results stay the last lines,
and drawn only when asked for, so piped output and ``--json`` stay clean.

tqdm is imported when a bar is made, not with this module.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any


def progress_bar(
    description: str, unit: str, enabled: bool, items: Iterable[Any] | None = None, **options: Any
) -> Any:
    """A tqdm bar on stderr (over ``items`` if given; else updated by hand), shown if ``enabled``;
    ``options`` go to tqdm (``total``, ``initial``, ``unit_scale``, ``smoothing``)."""
    from tqdm import tqdm

    return tqdm(
        items,
        desc=description,
        unit=unit,
        file=sys.stderr,
        disable=not enabled,
        leave=False,
        dynamic_ncols=True,
        **options,
    )


class FitProgress:
    """The two callbacks :func:`sim.calibrate.calibrate` takes, as two bars, one after the other: ``evaluated(n)`` counts the fit's parameter points,
    ``forecast(done, total)`` the rolling forecast's decisions (its first call closes the fit's
    bar). With ``shown`` false nothing is drawn. A context manager: leaving it closes both."""

    def __init__(self, shown: bool):
        self.shown = shown
        self.fitting = progress_bar("calibrate: fitting", " points", shown)
        self.forecasting: Any = None

    def evaluated(self, n: int = 1) -> None:
        self.fitting.update(n)

    def forecast(self, done: int, total: int) -> None:
        if self.forecasting is None:
            self.fitting.close()
            self.forecasting = progress_bar(
                "calibrate: rolling forecast", " decisions", self.shown, total=total
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
