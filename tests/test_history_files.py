"""The shipped historical record: one file per decision of history.md, each valid and sourced,
written by the same conventions (the situation comes from the dated series, never the file)."""

import tomllib

import pytest

from sim.compare import record_of
from sim.measures import total_shift
from sim.scenario import load_scenario
from sim.situation import load_series, parse_date

from .conftest import HISTORY, ROOT

FILES = sorted(HISTORY.glob("*.toml"))

ADOPTED = [
    "S/RES/1695",
    "S/RES/1718",
    "S/RES/1874",
    "S/RES/2087",
    "S/RES/2094",
    "S/RES/2270",
    "S/RES/2321",
    "S/RES/2356",
    "S/RES/2371",
    "S/RES/2375",
    "S/RES/2397",
]
RENEWALS = [
    "S/RES/1928",
    "S/RES/1985",
    "S/RES/2050",
    "S/RES/2141",
    "S/RES/2207",
    "S/RES/2276",
    "S/RES/2345",
    "S/RES/2407",
    "S/RES/2464",
    "S/RES/2515",
    "S/RES/2569",
]
STATEMENTS = ["S/PRST/2006/41", "S/PRST/2009/7", "S/PRST/2012/13"]
PRESS_RELEASES = {
    "S/RES/1695": "SC/8778",
    "S/RES/1718": "SC/8853",
    "S/RES/1874": "SC/9679",
    "S/RES/2356": "SC/12853",
    "S/2022/431": "SC/14911",
    "S/RES/1928": "SC/9946",
    "S/RES/2407": "SC/13256",
    "S/RES/2464": "SC/13772",
    "S/RES/2515": "SC/14150",
}
NEVER_VOTED = {  # date -> (outcome, blocking members)
    "2018-03-15": ("blocked", ["USA"]),
    "2018-06-28": ("blocked", ["USA"]),
    "2018-07-19": ("blocked", ["CHN", "RUS"]),
    "2019-06": ("blocked", ["CHN", "RUS"]),
    "2019-12-16": ("withdrawn", []),
    "2021-11": ("withdrawn", []),
}
CONTEXT_KEYS = {"date", "note"}
"""All a history file's [context] may say: the situation on its date comes from the series."""


@pytest.fixture(scope="module")
def scenarios():
    return {path.name: load_scenario(path) for path in FILES}


def test_every_decision_of_history_md_has_its_own_file(scenarios):
    records = [record_of(s) for s in scenarios.values()]
    symbols = [r.symbol for r in records]
    for symbol in ADOPTED + RENEWALS + STATEMENTS + ["S/2022/431"]:
        assert symbols.count(symbol) == 1, symbol
    dates = {r.date: r for r in records}
    for date, (outcome, blockers) in NEVER_VOTED.items():
        assert dates[date].outcome == outcome
        assert sorted(dates[date].defeaters) == sorted(blockers)
    assert len(records) == 32


def test_every_file_carries_its_source_and_real_votes(scenarios):
    for name, scenario in scenarios.items():
        history = scenario.spec.history
        assert history is not None and history.source.strip() and history.date, name
        assert name.startswith(history.date), name  # file names start with the date
        assert str(scenario.spec.council.year) == history.date[:4], name
        if history.symbol in PRESS_RELEASES:
            assert PRESS_RELEASES[history.symbol] in history.source, name
        if history.symbol in ADOPTED + RENEWALS:
            assert history.outcome == "adopted" and history.tally == "15-0-0"
            assert set(history.votes) == set(scenario.codes)
            assert set(history.votes.values()) == {"yes"}
        if history.symbol in STATEMENTS:
            assert scenario.spec.proposal.kind == "statement" and history.outcome == "adopted"
        if history.symbol in RENEWALS:
            assert [m.type for m in scenario.spec.proposal.measures] == ["panel_renewal"]
        if history.symbol == "S/2022/431":
            assert history.tally == "13-2-0" and sorted(history.vetoed_by) == ["CHN", "RUS"]
            assert [c for c, v in history.votes.items() if v == "no"] == ["CHN", "RUS"]
        if history.date in NEVER_VOTED:
            assert not history.votes and history.tally is None


def test_no_file_chooses_its_situation_or_its_parameters():
    """Conventions written once: a history file gives the text that reached the decision
    (draft = "final"), its date and a note; the situation comes from the dated series and the
    parameters from the calibration, so no per-file knob can carry the outcome."""
    for path in FILES:
        raw = tomllib.loads(path.read_text())
        assert set(raw["context"]) <= CONTEXT_KEYS, path.name
        assert raw["proposal"].get("draft") == "final", path.name
        assert "decision" not in raw and "negotiation" not in raw, path.name
        assert "members" not in raw and "preset" not in raw["council"], path.name
        assert raw["context"]["date"] == raw["history"]["date"], path.name


def test_the_regime_in_force_is_the_sum_of_what_was_adopted(scenarios):
    """The status quo before each decision is the sum of the pressure shifts of the Chapter VII
    resolutions adopted before it (S/RES/1695 was not under Chapter VII): sim/data/regime.toml
    holds each one's shift, and each row must equal its file's measures."""
    regime = tomllib.loads((ROOT / "sim" / "data" / "regime.toml").read_text())["resolution"]
    by_symbol = {s.spec.history.symbol: s for s in scenarios.values()}
    chapter_vii = [s for s in ADOPTED if s != "S/RES/1695"]
    assert sorted(row["symbol"] for row in regime) == sorted(chapter_vii)
    for row in regime:
        scenario = by_symbol[row["symbol"]]
        pressure, reciprocity = total_shift(scenario.spec.proposal.measures)
        assert row["pressure"] == pytest.approx(pressure, abs=1e-6)
        assert row["reciprocity"] == pytest.approx(reciprocity, abs=1e-6)
        assert row["date"] == scenario.spec.history.date
    levels = []
    for scenario in sorted(scenarios.values(), key=lambda s: parse_date(s.spec.history.date)):
        on = parse_date(scenario.spec.history.date)
        expected = sum(r["pressure"] for r in regime if parse_date(r["date"]) < on)
        assert scenario.situation.status_quo_pressure == pytest.approx(expected, abs=1e-9)
        levels.append(scenario.situation.status_quo_pressure)
    assert levels == sorted(levels) and levels[0] == 0.0
    assert levels[-1] == pytest.approx(0.70, abs=0.005)  # after S/RES/2397


def test_the_situation_of_each_day_follows_the_series(scenarios):
    """Spot checks anyone can make: the nuclear-test years are provocation peaks, talks were
    under way in mid-2018, and great-power tension in 2022 exceeds 2006's."""
    series = load_series()
    assert len([e for e in series.provocations if e.kind == "nuclear_test"]) == 6
    by_date = {s.spec.history.date: s.situation for s in scenarios.values()}
    assert by_date["2017-09-11"].provocation > by_date["2015-03-04"].provocation + 0.5
    assert by_date["2018-06-28"].talks_under_way and not by_date["2017-12-22"].talks_under_way
    assert by_date["2022-05-26"].tension > by_date["2006-10-14"].tension
    assert by_date["2019-06"].unreciprocated_steps > by_date["2017-12-22"].unreciprocated_steps
