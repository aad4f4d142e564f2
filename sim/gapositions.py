"""Each UN member's position per year, as derived from the General Assembly's roll calls.

The table ships in ``sim/data/ga_positions.csv`` (years 2000-2019), with ``states.csv`` naming
every state; both were made by ``tools/derive_positions.py`` from Erik Voeten's United Nations
General Assembly Voting Data (Harvard Dataverse, hdl:1902.1/12379, CC0), and
``ga_positions.provenance.toml`` records how. The ideal point approximates the one-dimensional
ideal points of Bailey, Strezhnev & Voeten (2017), Journal of Conflict Resolution 61(2): 430-456,
rescaled each year so that the USA is +1 and Russia -1; agreement is Lijphart's index.

Years after the table's last year are not estimated: :func:`position` carries the state's last
estimate forward and says so in ``carried_forward_from``.
"""

from __future__ import annotations

import csv
import functools
import math
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

POSITIONS_FILE = "ga_positions.csv"
STATES_FILE = "states.csv"


class UnknownStateError(KeyError):
    """A code that names no state in the shipped tables."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


class NoPositionError(KeyError):
    """A known state without any estimate in or before the year asked for."""

    def __str__(self) -> str:
        return str(self.args[0])


def _read_csv(name: str) -> pd.DataFrame:
    """A shipped table; only empty cells are missing (Namibia's ISO-2 code is 'NA')."""
    import pandas as pd

    with resources.files("sim.data").joinpath(name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, keep_default_na=False, na_values=[""])


@functools.lru_cache(maxsize=4)
def columns(name: str, *wanted: str) -> tuple[tuple[str, ...], ...]:
    """The ``wanted`` columns of a shipped table, row by row, as strings ("" where empty), read
    without pandas: every scenario load looks up stances here, and pandas would double the
    start-up of a ``run``."""
    with resources.files("sim.data").joinpath(name).open("r", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        where = [header.index(column) for column in wanted]
        return tuple(tuple(row[index] for index in where) for row in reader)


@functools.lru_cache(maxsize=1)
def _positions() -> pd.DataFrame:
    return _read_csv(POSITIONS_FILE)


@functools.lru_cache(maxsize=1)
def _states() -> pd.DataFrame:
    return _read_csv(STATES_FILE).set_index("code")


def load_positions() -> pd.DataFrame:
    """The whole table: one row per (ISO-3 code, year); a copy, free to change."""
    return _positions().copy()


def load_states() -> pd.DataFrame:
    """Every state in the record, indexed by ISO-3 code; a copy, free to change."""
    return _states().copy()


def _normalised(code: str) -> str:
    """The ISO-3 code in upper case, or UnknownStateError naming it."""
    normal = str(code).strip().upper()
    if normal not in _states().index:
        raise UnknownStateError(
            f"unknown state code {code!r}: not in sim/data/{STATES_FILE} "
            "(codes are ISO 3166-1 alpha-3, e.g. USA, CHN, PRK)"
        )
    return normal


def state_name(code: str) -> str:
    """The state's name, as the General Assembly data name it (Serbia for the data's 'YU')."""
    return str(_states().loc[_normalised(code), "name"])


def _plain(value: Any) -> Any:
    """NaN -> None and numpy scalars -> Python ones, so a row reads as plain data."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def position(code: str, year: int) -> dict[str, Any]:
    """The state's row for ``year``, or its latest earlier row, carried forward.

    ``year`` is the year of the estimate returned; ``carried_forward_from`` is None when that is
    the year asked for, else that earlier year (e.g. 2019 for any later year: the source data end with the 2019 session).
    Missing values (too few votes, no DPRK human-rights vote that year) are None.
    """
    normal = _normalised(code)
    table = _positions()
    rows = table[(table["code"] == normal) & (table["year"] <= year)]
    if rows.empty:
        first = int(table.loc[table["code"] == normal, "year"].min())
        raise NoPositionError(
            f"no General Assembly position for {normal} in or before {year}: "
            f"its first year in sim/data/{POSITIONS_FILE} is {first}"
        )
    row = rows.loc[rows["year"].idxmax()]
    found = {column: _plain(value) for column, value in row.items()}
    found["carried_forward_from"] = None if found["year"] == year else found["year"]
    return found
