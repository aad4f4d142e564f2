"""Stances from public data: every state's General Assembly position, and the small mapping that
turns it into the model's pressure and reciprocity stances.

``sim/data/ga_positions.csv`` (made by ``tools/derive_positions.py`` from Voeten's UNGA roll
calls, 1946-2019, CC0) gives each state's yearly ideal point on the Assembly's main dimension,
anchored USA = +1, Russia = -1 (an agreement-based stand-in for Bailey, Strezhnev & Voeten 2017).
It also gives each state's vote on the Assembly's yearly resolution on the situation of human
rights in the DPRK (recorded votes 2005-2011, 2014, 2015; the latest up to the year is used):
the one roll call about the DPRK itself, and the one that separates China and Russia (no) from
most non-aligned states (abstain) and the West (yes), which the main dimension does not.
A member's stances on the day of a decision are

    pressure    = clip(ga_pressure_mid + ga_pressure_slope * ideal_point
                       + ga_dprk_weight * dprk_vote, 0, 1)        (dprk_vote: yes +1, abstain 0, no -1)
    reciprocity = 1 - pressure

with the three mapping parameters fitted by ``unsc-sim calibrate`` with the rest
(:mod:`sim.parameters`). Years after the table's last (2019) carry the last estimate forward,
and the member's source says so. Salience follows one rule: 1 for a permanent member, the fitted
``elected_salience`` for an elected one (elected members follow the file less closely).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.gapositions import POSITIONS_FILE, STATES_FILE, columns
from sim.parameters import ModelParameters

ELECTED_DEFAULTS: dict[str, float] = {"veto_cost": 0.85, "noise": 0.08}
"""Stances of an elected member with no preset (judgement: elected members are almost never
the lone objector in a consensus body; their noise as the presets')."""


DPRK_VOTE_CODES: dict[str, int] = {"yes": 1, "abstain": 0, "no": -1}


@dataclass(frozen=True)
class Position:
    code: str
    year: int
    """The year asked for."""
    ideal_point: float
    from_year: int
    """The year the estimate comes from (the last one in the table for later years)."""
    dprk_vote: int = 0
    """Latest recorded vote on the DPRK human-rights resolution up to the year: +1, 0, -1."""
    dprk_vote_year: int | None = None

    @property
    def source(self) -> str:
        carried = (
            f", carried forward from {self.from_year} (the table ends there)"
            if self.from_year != self.year
            else ""
        )
        vote = {1: "yes", 0: "abstain", -1: "no"}[self.dprk_vote]
        dprk = (
            f"; DPRK human-rights vote {vote} in {self.dprk_vote_year}"
            if self.dprk_vote_year is not None
            else "; no DPRK human-rights vote recorded"
        )
        return f"derived: UNGA ideal point {self.ideal_point:+.2f} in {self.from_year}{carried}{dprk}"


@lru_cache(maxsize=1)
def _positions() -> tuple[dict[str, dict[int, float]], dict[str, dict[int, int]]]:
    """From the shipped table, in one pass: code -> year -> ideal point (years with an estimate),
    and code -> year -> the recorded vote on the DPRK human-rights resolution (+1, 0, -1)."""
    table: dict[str, dict[int, float]] = {}
    votes: dict[str, dict[int, int]] = {}
    for code, year, ideal_point, vote in columns(
        POSITIONS_FILE, "code", "year", "ideal_point", "dprk_hr_vote"
    ):
        if ideal_point:
            table.setdefault(code, {})[int(year)] = float(ideal_point)
        if vote in DPRK_VOTE_CODES:
            votes.setdefault(code, {})[int(year)] = DPRK_VOTE_CODES[vote]
    return table, votes


@lru_cache(maxsize=1)
def state_names() -> dict[str, str]:
    """ISO3 code -> name of every state in the General Assembly record."""
    return dict(columns(STATES_FILE, "code", "name"))  # type: ignore[arg-type]


def position(code: str, year: int) -> Position | None:
    """The state's GA position in ``year`` (the last earlier year it voted, for later years);
    None if it has none up to that year."""
    table, dprk_votes = _positions()
    years = table.get(code)
    if not years:
        return None
    known = [y for y in years if y <= year]
    if not known:
        return None
    used = max(known)
    votes = dprk_votes.get(code, {})
    voted = [y for y in votes if y <= year]
    if voted:
        latest = max(voted)
        return Position(code, year, years[used], used, votes[latest], latest)
    return Position(code, year, years[used], used)


def derived_pressure(position: Position, params: ModelParameters) -> np.ndarray:
    return np.clip(
        params.ga_pressure_mid
        + params.ga_pressure_slope * position.ideal_point
        + params.ga_dprk_weight * position.dprk_vote,
        0.0,
        1.0,
    )
