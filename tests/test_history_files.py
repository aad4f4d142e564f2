"""The shipped historical record: one file per decision of history.md, each valid, sourced and
with the context of its day; and the shipped calibrated preset."""

import re
import tomllib

import numpy as np
import pytest

from sim.compare import record_of
from sim.measures import total_shift
from sim.rules import Outcome
from sim.runner import run
from sim.scenario import builtin_members, load_preset, load_scenario

from .conftest import HISTORY, ROOT

FILES = sorted(HISTORY.glob("*.toml"))
PRESET = ROOT / "scenarios" / "presets" / "calibrated.toml"

ADOPTED = ["S/RES/1695", "S/RES/1718", "S/RES/1874", "S/RES/2087", "S/RES/2094", "S/RES/2270",
           "S/RES/2321", "S/RES/2356", "S/RES/2371", "S/RES/2375", "S/RES/2397"]
PRESS_RELEASES = {"S/RES/1695": "SC/8778", "S/RES/1718": "SC/8853", "S/RES/1874": "SC/9679",
                  "S/RES/2356": "SC/12853", "S/2022/431": "SC/14911"}
NEVER_VOTED = {  # date -> (outcome, blocking members)
    "2018-03-15": ("blocked", ["USA"]),
    "2018-06-28": ("blocked", ["USA"]),
    "2018-07-19": ("blocked", ["CHN", "RUS"]),
    "2019-06": ("blocked", ["CHN", "RUS"]),
    "2019-12-16": ("withdrawn", []),
    "2021-11": ("withdrawn", []),
}
# Nuclear tests: Oct 2006, May 2009, Feb 2013, Jan and Sep 2016, Sep 2017 (history.md); a file
# flags one in the calendar year of its decision, up to its date.
NUCLEAR = {"S/RES/1718", "S/RES/1874", "S/RES/2094", "S/RES/2270", "S/RES/2321", "S/RES/2375", "S/RES/2397"}
ICBM = {"S/RES/2371", "S/RES/2375", "S/RES/2397", "S/2022/431"}  # ICBMs 2017 (from July) and 2022


@pytest.fixture(scope="module")
def scenarios():
    return {path.name: load_scenario(path) for path in FILES}


def test_every_decision_of_history_md_has_its_own_file(scenarios):
    records = [record_of(s) for s in scenarios.values()]
    symbols = [r.symbol for r in records]
    for symbol in ADOPTED + ["S/2022/431"]:
        assert symbols.count(symbol) == 1, symbol
    dates = {r.date: r for r in records}
    for date, (outcome, blockers) in NEVER_VOTED.items():
        assert dates[date].outcome == outcome
        assert sorted(dates[date].defeaters) == sorted(blockers)
    assert len(records) == 18


def test_every_file_carries_its_source_and_real_votes(scenarios):
    for name, scenario in scenarios.items():
        history = scenario.spec.history
        assert history is not None and history.source.strip() and history.date, name
        assert name.startswith(history.date), name  # file names start with the date
        assert str(scenario.spec.council.year) == history.date[:4], name
        if history.symbol in PRESS_RELEASES:
            assert PRESS_RELEASES[history.symbol] in history.source, name
        if history.symbol in ADOPTED:
            assert history.outcome == "adopted" and history.tally == "15-0-0"
            assert set(history.votes) == set(scenario.codes)
            assert set(history.votes.values()) == {"yes"}
        if history.symbol == "S/2022/431":
            assert history.tally == "13-2-0" and sorted(history.vetoed_by) == ["CHN", "RUS"]
            assert [c for c, v in history.votes.items() if v == "no"] == ["CHN", "RUS"]
        if history.date in NEVER_VOTED:
            assert not history.votes and history.tally is None


def test_context_says_what_was_true_on_the_day(scenarios):
    for name, scenario in scenarios.items():
        symbol = scenario.spec.history.symbol
        context = scenario.spec.context
        assert context.nuclear_test == (symbol in NUCLEAR), name
        assert context.icbm_launch == (symbol in ICBM), name
        year = int(scenario.spec.history.date[:4])
        if year < 2018:
            assert context.diplomacy == "none", name
        if year >= 2019:
            assert context.diplomacy == "unreciprocated", name
        if year >= 2018:
            assert context.status_quo_pressure == pytest.approx(0.70, abs=0.005), name  # 2397 in force


def test_the_regime_in_force_is_the_sum_of_what_was_adopted(scenarios):
    """status_quo_pressure before each decision is the sum of the pressure shifts of the Chapter
    VII resolutions adopted before it (S/RES/1695 was not under Chapter VII): one additive scale,
    computed from the measures themselves, not a per-file choice."""
    adopted = sorted(
        (s for s in scenarios.values() if s.spec.history.symbol in ADOPTED),
        key=lambda s: s.spec.history.date,
    )
    in_force = [
        (s.spec.history.date, total_shift(s.spec.proposal.measures)[0])
        for s in adopted
        if s.spec.history.symbol != "S/RES/1695"
    ]
    levels = []
    for scenario in sorted(scenarios.values(), key=lambda s: s.spec.history.date):
        expected = sum(shift for date, shift in in_force if date < scenario.spec.history.date)
        assert scenario.spec.context.status_quo_pressure == pytest.approx(expected, abs=0.0015), scenario.path
        levels.append(scenario.spec.context.status_quo_pressure)
    assert levels == sorted(levels) and levels[0] == 0.0
    assert sum(shift for _, shift in in_force) == pytest.approx(0.70, abs=0.005)  # after S/RES/2397


def test_the_shipped_preset_says_how_it_was_made_and_covers_every_member():
    text = PRESET.read_text()
    assert re.search(r"^#\s+unsc-sim calibrate scenarios/history/", text, re.M)
    assert re.search(r"^# Made \d{4}-\d{2}-\d{2}", text, re.M)
    assert "Log-likelihood of the records" in text
    preset = load_preset(PRESET)
    assert set(preset) == set(builtin_members())
    tomllib.loads(text)


@pytest.mark.parametrize("preset", [None, PRESET], ids=["built-in", "calibrated"])
def test_2022_is_vetoed_by_china_and_russia_and_2017_adopted(preset):
    overrides = {"council.preset": str(PRESET)} if preset else None
    veto = run(load_scenario(HISTORY / "2022-05-26-s-2022-431.toml", overrides=overrides), 3_000, 5).summary()
    assert veto["most_likely_outcome"] == "vetoed" and veto["modal_defeaters"] == ["CHN", "RUS"]
    for path in sorted(HISTORY.glob("2017-*.toml")):
        result = run(load_scenario(path, overrides=overrides), 3_000, 5)
        assert np.mean(result.outcome == Outcome.ADOPTED) > 0.95, path.name
