"""Stances from public data: every state's General Assembly position, and the small mapping that
turns it into the model's pressure and reciprocity stances.

``sim/data/ga_positions.csv`` (made by ``tools/derive_positions.py`` from Voeten's UNGA roll
calls, 1946-2019, CC0) gives each state's yearly ideal point on the Assembly's main dimension,
anchored USA = +1, Russia = -1 (an agreement-based stand-in for Bailey, Strezhnev & Voeten 2017).
A member's stances on the day of a decision are

    pressure    = clip(ga_pressure_mid + ga_pressure_slope * ideal_point, 0, 1)
    reciprocity = 1 - pressure

with the two mapping parameters fitted by ``unsc-sim calibrate`` with the rest
(:mod:`sim.parameters`). Years after the table's last (2019) carry the last estimate forward,
and the member's source says so. Salience follows one rule: 1 for a permanent member, the fitted
``elected_salience`` for an elected one (elected members follow the file less closely).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

ELECTED_DEFAULTS: dict[str, float] = {"veto_cost": 0.85, "noise": 0.08}
"""Stances of an elected member with no preset (judgement: elected members are almost never
the lone objector in a consensus body; their noise as the presets')."""


@dataclass(frozen=True)
class Position:
    code: str
    year: int
    """The year asked for."""
    ideal_point: float
    from_year: int
    """The year the estimate comes from (the last one in the table for later years)."""

    @property
    def source(self) -> str:
        carried = (
            f", carried forward from {self.from_year} (the table ends there)"
            if self.from_year != self.year
            else ""
        )
        return f"derived: UNGA ideal point {self.ideal_point:+.2f} in {self.from_year}{carried}"


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[int, float]]:
    text = resources.files("sim.data").joinpath("ga_positions.csv").read_text(encoding="utf-8")
    table: dict[str, dict[int, float]] = {}
    for row in csv.DictReader(text.splitlines()):
        if row["ideal_point"]:
            table.setdefault(row["code"], {})[int(row["year"])] = float(row["ideal_point"])
    return table


@lru_cache(maxsize=1)
def state_names() -> dict[str, str]:
    """ISO3 code -> name of every state in the General Assembly record."""
    text = resources.files("sim.data").joinpath("states.csv").read_text(encoding="utf-8")
    return {row["code"]: row["name"] for row in csv.DictReader(text.splitlines())}


def position(code: str, year: int) -> Position | None:
    """The state's GA position in ``year`` (the last earlier year it voted, for later years);
    None if it has none up to that year."""
    years = _table().get(code)
    if not years:
        return None
    known = [y for y in years if y <= year]
    if not known:
        return None
    used = max(known)
    return Position(code, year, years[used], used)


def derived_pressure(ideal_point: float, mid: np.ndarray | float, slope: np.ndarray | float) -> np.ndarray:
    return np.clip(mid + slope * ideal_point, 0.0, 1.0)
