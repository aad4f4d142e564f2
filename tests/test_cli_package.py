"""The command line as a package: every command registered once, in the order ``--help`` lists
them; the logic it calls lives in the library, whose errors name arguments, not flags."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.cli import COMMANDS, app

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_is_registered_once_in_order():
    names = [command.name or command.callback.__name__ for command in app.registered_commands]
    assert names == [command.__name__ for command in COMMANDS]
    assert names[:3] == ["run", "members", "measures"] and len(set(names)) == len(names) == 15


def test_no_cli_module_is_long():
    for module in (ROOT / "sim" / "cli").glob("*.py"):
        assert len(module.read_text(encoding="utf-8").splitlines()) < 500, module.name


def test_power_seats_name_the_argument():
    from sim.power import council_seats, format_power, power_indices, power_table
    from sim.rules import rule_for

    with pytest.raises(sim.InputError) as caught:
        council_seats(1990)
    assert caught.value.problems[0].startswith("year: no preset council for 1990")
    codes, permanent = council_seats(None)
    assert codes[5:] == [f"E{i}" for i in range(1, 11)] and permanent.sum() == 5
    indices = power_indices(rule_for("resolution"), permanent, codes)
    table = power_table("resolution", indices, permanent)
    assert table["members"][0]["shapley_shubik"] == "421/2145"
    assert "421/2145 = 0.19627" in format_power(rule_for("resolution"), indices, permanent)


def test_council_of_year_names_the_date_key():
    from sim.council import council_of_year

    assert council_of_year(2019).spec.council.year == 2019
    with pytest.raises(sim.ScenarioError) as caught:
        council_of_year(2019, "2019-13-45")
    assert any("context.date" in problem and "--" not in problem for problem in caught.value.problems)
