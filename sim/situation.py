"""The situation on a date, from dated series with sources (``sim/data/situation.toml`` and
``sim/data/regime.toml``), so that no scenario file chooses it.

- **Provocation stock**: every nuclear test, long-range launch (ICBM or satellite) and
  shorter-range ballistic missile before the date, each fading with a half-life. Weights follow
  the Council's own graduated answers: every nuclear test was met by a Chapter VII resolution
  within weeks (S/RES/1718, 1874, 2094, 2270, 2321, 2375), long-range launches by a statement or
  resolution (S/PRST/2009/7, S/PRST/2012/13, S/RES/2087, 2397), short-range launches by neither.
- **Unreciprocated steps**: the DPRK's conciliatory steps (moratoria, dismantlement, summits'
  commitments) less the other side's reciprocal steps, each fading with its own half-life: what
  a reciprocity-minded member thinks is owed to the DPRK.
- **Talks under way**: whether the date falls in a period of active diplomacy.
- **Great-power tension**: the year's value of the tension series.
- **Status quo**: the regime in force, the sum of the pressure of the Chapter VII resolutions
  adopted before the date (``regime.toml``).

A scenario's ``[context]`` may override any of these (the output says which were overridden) and
may add a nuclear test or an ICBM launch on its date, for what-if studies.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

PROVOCATION_WEIGHTS: dict[str, float] = {
    "nuclear_test": 1.0,
    "icbm_launch": 0.5,
    "satellite_launch": 0.5,
    "ballistic_launch": 0.01,
}
"""Provocation per event (per missile for ballistic launches): judgement from the Council's
graduated answers (module docstring); a year of 50 short-range missiles weighs half a test."""

STATUS_QUO_RECIPROCITY = 0.10
"""The regime's reciprocity: constant, since the Council never granted relief (history.md)."""

DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD``, or ``YYYY-MM`` read as the 15th (a month known, not the day)."""
    match = DATE.match(str(text).strip())
    if not match:
        raise ValueError(f"expected a date YYYY-MM-DD or YYYY-MM, got {text!r}")
    year, month, day = match.groups()
    try:
        return dt.date(int(year), int(month), int(day) if day else 15)
    except ValueError as exc:  # "day is out of range for month" alone did not say which date
        raise ValueError(f"not a day of the calendar ({exc}), got {text!r}") from None


@dataclass(frozen=True)
class Event:
    date: dt.date
    kind: str
    count: float
    source: str


@dataclass(frozen=True)
class Series:
    """The dated tables, parsed."""

    provocations: tuple[Event, ...]
    steps: tuple[Event, ...]
    reciprocations: tuple[Event, ...]
    talks: tuple[tuple[dt.date, dt.date, str], ...]
    tension: dict[int, tuple[float, str]]
    regime: tuple[tuple[dt.date, str, float, float], ...]
    """(date adopted, symbol, pressure added, reciprocity added) of each resolution in force."""


def _events(rows: list[dict[str, Any]], default_kind: str) -> tuple[Event, ...]:
    return tuple(
        sorted(
            (
                Event(
                    parse_date(row["date"]),
                    str(row.get("kind", default_kind)),
                    float(row.get("count", 1)),
                    str(row.get("source", "")),
                )
                for row in rows
            ),
            key=lambda e: e.date,
        )
    )


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("sim.data").joinpath(name).read_text(encoding="utf-8"))


def covered_dates() -> tuple[dt.date, dt.date]:
    """The first and last day the dated series cover (the years of the tension series, which
    has a row for every year): a decision outside them would get a situation carried forward
    or left at zero, not one the data describe."""
    years = load_series().tension
    return dt.date(min(years), 1, 1), dt.date(max(years), 12, 31)


@lru_cache(maxsize=1)
def load_series() -> Series:
    raw = _read("situation.toml")
    regime = _read("regime.toml")
    return Series(
        provocations=_events(raw.get("provocation", []), "ballistic_launch"),
        steps=_events(raw.get("dprk_step", []), "dprk_step"),
        reciprocations=_events(raw.get("reciprocation", []), "reciprocation"),
        talks=tuple(
            (parse_date(row["start"]), parse_date(row["end"]), str(row.get("source", "")))
            for row in raw.get("talks", [])
        ),
        tension={
            int(row["year"]): (float(row["value"]), str(row.get("source", "")))
            for row in raw.get("tension", [])
        },
        regime=tuple(
            sorted(
                (
                    (
                        parse_date(row["date"]),
                        str(row["symbol"]),
                        float(row["pressure"]),
                        float(row.get("reciprocity", 0.0)),
                    )
                    for row in regime.get("resolution", [])
                ),
                key=lambda r: r[0],
            )
        ),
    )


def _decayed(
    events: tuple[Event, ...], on: dt.date, half_life_days: Any, weights: dict[str, float] | None
) -> Any:
    """The weighted events up to ``on``, each faded by its age; a float, or an array where the
    half-life is one (calibration evaluates many half-lives at once)."""
    half_life = np.asarray(half_life_days, dtype=float)
    total = np.zeros_like(half_life)
    for event in events:
        if event.date > on:
            break
        weight = weights.get(event.kind, 0.0) if weights is not None else 1.0
        total = total + weight * event.count * 0.5 ** ((on - event.date).days / half_life)
    return float(total) if total.ndim == 0 else total


@dataclass(frozen=True)
class Situation:
    """What the members react to on the day, and where each number came from."""

    date: dt.date
    provocation: Any
    """A float, or an array over lanes when the half-life is one (calibration)."""
    provocation_record: float
    """Every provocation to the day, weighted as ``provocation`` but not faded: the DPRK's whole
    record, in nuclear tests (how much of a member's stance is realised, :mod:`sim.context`)."""
    unreciprocated_steps: Any
    talks_under_way: bool
    tension: float
    status_quo_pressure: float
    status_quo_reciprocity: float
    overridden: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)
    added_events: tuple[str, ...] = ()
    """Provocations the file adds on the day (what-if: ``context.nuclear_test``, ``icbm_launch``)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "provocation": round(float(np.mean(self.provocation)), 4),
            "provocation_record": round(float(self.provocation_record), 4),
            "unreciprocated_steps": round(float(np.mean(self.unreciprocated_steps)), 4),
            "talks_under_way": self.talks_under_way,
            "great_power_tension": round(self.tension, 4),
            "status_quo_pressure": round(self.status_quo_pressure, 4),
            "status_quo_reciprocity": round(self.status_quo_reciprocity, 4),
            "overridden": list(self.overridden),
            "added_events": list(self.added_events),
        }


def situation_on(
    date: str | dt.date,
    provocation_half_life_days: Any = 365.0,
    steps_half_life_days: Any = 730.0,
    extra_events: tuple[str, ...] = (),
    overrides: dict[str, Any] | None = None,
) -> Situation:
    """The situation on ``date`` from the series (events on the date itself count: a decision
    answers the launch of the day before or the same morning). ``extra_events`` are provocation
    kinds added on the date (what-if); ``overrides`` replace computed values by name."""
    on = date if isinstance(date, dt.date) else parse_date(date)
    series = load_series()
    provocation = _decayed(series.provocations, on, provocation_half_life_days, PROVOCATION_WEIGHTS)
    added = sum(PROVOCATION_WEIGHTS[kind] for kind in extra_events)
    provocation = provocation + added
    record = _decayed(series.provocations, on, float("inf"), PROVOCATION_WEIGHTS) + added
    steps = _decayed(series.steps, on, steps_half_life_days, None)
    steps = steps - _decayed(series.reciprocations, on, steps_half_life_days, None)
    talks = any(start <= on <= end for start, end, _ in series.talks)
    years = [year for year in series.tension if year <= on.year]
    tension = series.tension[max(years)][0] if years else 0.0
    in_force = [r for r in series.regime if r[0] < on]
    values: dict[str, Any] = {
        "provocation": provocation,
        "provocation_record": record,
        "unreciprocated_steps": np.maximum(0.0, steps) if np.ndim(steps) else max(0.0, steps),
        "talks_under_way": talks,
        "tension": tension,
        "status_quo_pressure": sum(r[2] for r in in_force),
        "status_quo_reciprocity": STATUS_QUO_RECIPROCITY + sum(r[3] for r in in_force),
    }
    overridden = tuple(sorted(k for k, v in (overrides or {}).items() if v is not None))
    for key in overridden:
        values[key] = overrides[key]  # type: ignore[index]
    sources = {
        "provocation": "sim/data/situation.toml [[provocation]]",
        "provocation_record": "sim/data/situation.toml [[provocation]] (every row, not faded)",
        "unreciprocated_steps": "sim/data/situation.toml [[dprk_step]], [[reciprocation]]",
        "talks_under_way": "sim/data/situation.toml [[talks]]",
        "tension": "sim/data/situation.toml [[tension]]",
        "status_quo_pressure": "sim/data/regime.toml: "
        + (", ".join(r[1] for r in in_force) if in_force else "no resolution in force"),
    }
    for key in overridden:
        sources[key] = "scenario [context]"
    for key in ("provocation", "provocation_record"):
        if extra_events and key not in overridden:
            sources[key] += " + scenario [context]: " + ", ".join(extra_events)
    return Situation(
        date=on, overridden=overridden, sources=sources, added_events=tuple(extra_events), **values
    )
