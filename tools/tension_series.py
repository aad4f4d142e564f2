"""Great-power tension (US vs Russia/China) by year, from the documented event list.

The rule (also at the top of the [[tension]] table of sim/data/situation.toml):

    value(y) = clamp(BASE + sum over events e with year(e) <= y of amount(e) * DECAY ** (y - year(e)), 0, 1)

rounded to two decimals. BASE, DECAY and the events (year, amount, note, source) are read from
``[tension_rule]`` and ``[[tension_event]]`` in situation.toml; nothing about the Council's DPRK
decisions enters. Amounts by the size of the crisis: 0.30 war between a great power and a
neighbour with Western sanctions in answer (2022); 0.25 annexation and sectoral sanctions (2014);
0.15 a war or a broad trade/technology confrontation (2008 Georgia, 2018 tariffs, 2020, 2025
tariffs); 0.10 sanctions or expulsions over a specific act; 0.05 a lesser documented incident.

    python tools/tension_series.py           # check the table against the rule (exit 1 if not)
    python tools/tension_series.py --rows    # print the [[tension]] rows the rule gives
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

SITUATION = Path(__file__).resolve().parents[1] / "sim" / "data" / "situation.toml"


def load(path: Path = SITUATION) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def compute(data: dict, years: range | None = None) -> dict[int, float]:
    """Yearly values the rule gives from the event list."""
    rule = data["tension_rule"]
    base, decay = float(rule["base"]), float(rule["decay"])
    first, last = int(rule["first_year"]), int(rule["last_year"])
    events = data["tension_event"]
    values = {}
    for year in years or range(first, last + 1):
        total = base + sum(
            float(e["amount"]) * decay ** (year - int(e["year"])) for e in events if int(e["year"]) <= year
        )
        values[year] = round(min(1.0, max(0.0, total)), 2)
    return values


def contributions(data: dict, year: int, floor: float = 0.02) -> list[str]:
    """Events still weighing at least ``floor`` in ``year``, largest first, for the row's note."""
    decay = float(data["tension_rule"]["decay"])
    items = [
        (float(e["amount"]) * decay ** (year - int(e["year"])), e)
        for e in data["tension_event"]
        if int(e["year"]) <= year
    ]
    items = [(w, e) for w, e in items if w >= floor]
    items.sort(key=lambda item: -item[0])
    return [f"{e['year']} {e['note'].split(':')[0]} ({w:.2f})" for w, e in items]


def check(data: dict) -> list[str]:
    """Problems: table rows that disagree with the rule, or years missing."""
    expected = compute(data)
    table = {int(row["year"]): float(row["value"]) for row in data["tension"]}
    problems = []
    for year, value in expected.items():
        if year not in table:
            problems.append(f"{year}: missing from [[tension]] (rule gives {value:.2f})")
        elif abs(table[year] - value) > 1e-9:
            problems.append(f"{year}: table has {table[year]:.2f}, rule gives {value:.2f}")
    for year in table:
        if year not in expected:
            problems.append(f"{year}: in [[tension]] but outside the rule's years")
    return problems


def rows(data: dict) -> str:
    out = []
    for year, value in compute(data).items():
        named = contributions(data, year)
        note = (
            "Base only: no event of the list up to this year."
            if not named
            else f"Base {float(data['tension_rule']['base']):.2f} plus events weighing (amount x decay^age): "
            + "; ".join(named)
            + "."
        )
        out.append(
            f'[[tension]]\nyear = {year}\nvalue = {value:.2f}\nnote = "{note}"\n'
            'source = "tools/tension_series.py from [[tension_event]] (each event sourced there)"\n'
        )
    return "\n".join(out)


def main(argv: list[str]) -> int:
    data = load()
    if "--rows" in argv:
        print(rows(data))
        return 0
    problems = check(data)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"[[tension]] agrees with the rule for {len(compute(data))} years")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
