"""The record as data: councils by year, the dated situational series and the new decision files.

These read the TOML directly (not through the scenario schema) so they check the data itself."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from datetime import date

import pytest

from .conftest import HISTORY, ROOT, SCENARIOS

COUNCILS = ROOT / "sim" / "data" / "councils.toml"
SITUATION = ROOT / "sim" / "data" / "situation.toml"
HISTORY_MD = ROOT.parent / "shared" / "history.md"
P5 = {"CHN", "FRA", "RUS", "GBR", "USA"}

NAMES = {
    "Albania": "ALB",
    "Algeria": "DZA",
    "Angola": "AGO",
    "Argentina": "ARG",
    "Australia": "AUS",
    "Austria": "AUT",
    "Azerbaijan": "AZE",
    "Bahrain": "BHR",
    "Belgium": "BEL",
    "Bolivia": "BOL",
    "Bosnia and Herzegovina": "BIH",
    "Brazil": "BRA",
    "Burkina Faso": "BFA",
    "Chad": "TCD",
    "Chile": "CHL",
    "Colombia": "COL",
    "Congo": "COG",
    "Costa Rica": "CRI",
    "Côte d'Ivoire": "CIV",
    "Croatia": "HRV",
    "Democratic Republic of the Congo": "COD",
    "Denmark": "DNK",
    "Dominican Republic": "DOM",
    "Ecuador": "ECU",
    "Egypt": "EGY",
    "Equatorial Guinea": "GNQ",
    "Estonia": "EST",
    "Ethiopia": "ETH",
    "Gabon": "GAB",
    "Germany": "DEU",
    "Ghana": "GHA",
    "Greece": "GRC",
    "Guatemala": "GTM",
    "Guyana": "GUY",
    "India": "IND",
    "Indonesia": "IDN",
    "Ireland": "IRL",
    "Italy": "ITA",
    "Japan": "JPN",
    "Jordan": "JOR",
    "Kazakhstan": "KAZ",
    "Kenya": "KEN",
    "Kuwait": "KWT",
    "Latvia": "LVA",
    "Lebanon": "LBN",
    "Liberia": "LBR",
    "Libya": "LBY",
    "Lithuania": "LTU",
    "Luxembourg": "LUX",
    "Malaysia": "MYS",
    "Malta": "MLT",
    "Mexico": "MEX",
    "Morocco": "MAR",
    "Mozambique": "MOZ",
    "Netherlands": "NLD",
    "New Zealand": "NZL",
    "Niger": "NER",
    "Nigeria": "NGA",
    "Norway": "NOR",
    "Pakistan": "PAK",
    "Panama": "PAN",
    "Peru": "PER",
    "Poland": "POL",
    "Portugal": "PRT",
    "Qatar": "QAT",
    "Republic of Korea": "KOR",
    "Rwanda": "RWA",
    "Saint Vincent and the Grenadines": "VCT",
    "Senegal": "SEN",
    "Sierra Leone": "SLE",
    "Slovakia": "SVK",
    "Slovenia": "SVN",
    "Somalia": "SOM",
    "South Africa": "ZAF",
    "Spain": "ESP",
    "Sweden": "SWE",
    "Switzerland": "CHE",
    "Togo": "TGO",
    "Tunisia": "TUN",
    "Turkey": "TUR",
    "Uganda": "UGA",
    "Ukraine": "UKR",
    "United Arab Emirates": "ARE",
    "United Republic of Tanzania": "TZA",
    "Uruguay": "URY",
    "Venezuela": "VEN",
    "Viet Nam": "VNM",
}

NUCLEAR_TESTS = ["2006-10-09", "2009-05-25", "2013-02-12", "2016-01-06", "2016-09-09", "2017-09-03"]
KINDS = {"nuclear_test", "icbm_launch", "satellite_launch", "ballistic_launch"}
DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")

NEW_HISTORY = [
    "2006-10-06-s-prst-2006-41.toml",
    "2009-04-13-s-prst-2009-7.toml",
    "2010-06-07-s-res-1928.toml",
    "2011-06-10-s-res-1985.toml",
    "2012-04-16-s-prst-2012-13.toml",
    "2012-06-12-s-res-2050.toml",
    "2014-03-05-s-res-2141.toml",
    "2015-03-04-s-res-2207.toml",
    "2016-03-24-s-res-2276.toml",
    "2017-03-23-s-res-2345.toml",
    "2018-03-21-s-res-2407.toml",
    "2019-04-10-s-res-2464.toml",
    "2020-03-30-s-res-2515.toml",
    "2021-03-26-s-res-2569.toml",
]
NEGOTIATED = sorted((SCENARIOS / "negotiated").glob("*.toml"))
NEW_FILES = [HISTORY / name for name in NEW_HISTORY] + NEGOTIATED
SITUATION_KEYS = {
    "ballistic_launches",
    "icbm_launch",
    "nuclear_test",
    "diplomacy",
    "great_power_tension",
    "status_quo_pressure",
    "status_quo_reciprocity",
}


def _load(path):
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _parse(text: str) -> date:
    """A "YYYY-MM-DD" day or a "YYYY-MM" month (its first day); raises if not a real date."""
    assert DATE.match(text), text
    return date.fromisoformat(text if len(text) == 10 else text + "-01")


@pytest.fixture(scope="module")
def councils():
    return {int(year): body for year, body in _load(COUNCILS)["year"].items()}


@pytest.fixture(scope="module")
def situation():
    return _load(SITUATION)


# ------------------------------------------------------------------------------- councils


def test_every_year_2006_2026_has_ten_distinct_elected_codes(councils):
    assert sorted(councils) == list(range(2006, 2027))
    for year, body in councils.items():
        elected = body["elected"]
        assert len(elected) == 10 and len(set(elected)) == 10, year
        assert all(re.fullmatch(r"[A-Z]{3}", code) for code in elected), year
        assert not set(elected) & P5, year
        assert body["source"].strip(), year


def test_councils_match_history_md(councils):
    if not HISTORY_MD.exists():
        pytest.skip(f"{HISTORY_MD} not found (history.md lives in the shared folder beside the repo)")
    rows = re.findall(r"^\| (\d{4}) \| ([^|]+) \|$", HISTORY_MD.read_text(encoding="utf-8"), re.M)
    assert len(rows) == 21
    for year, names in rows:
        expected = {NAMES[name.strip()] for name in names.split(",")}
        assert set(councils[int(year)]["elected"]) == expected, year


def test_italy_and_the_netherlands_split_their_term(councils):
    assert "ITA" in councils[2017]["elected"] and "NLD" not in councils[2017]["elected"]
    assert "NLD" in councils[2018]["elected"] and "ITA" not in councils[2018]["elected"]


# ------------------------------------------------------------------------------ situation


def test_every_row_is_dated_sourced_and_sorted(situation):
    for table in ("provocation", "dprk_step", "reciprocation"):
        rows = situation[table]
        assert rows, table
        for row in rows:
            assert row["source"].strip() and row["note"].strip(), (table, row)
            _parse(row["date"])
        dates = [row["date"] for row in rows]
        assert dates == sorted(dates), table  # "YYYY-MM" sorts before that month's days
    starts = [row["start"] for row in situation["talks"]]
    assert starts == sorted(starts)
    for row in situation["talks"]:
        assert _parse(row["start"]) <= _parse(row["end"]) and row["source"].strip(), row


def test_provocations_have_known_kinds_and_counts(situation):
    for row in situation["provocation"]:
        assert row["kind"] in KINDS, row
        assert isinstance(row["count"], int) and row["count"] >= 1, row
        if row["kind"] in {"nuclear_test", "satellite_launch"}:
            assert row["count"] == 1 and len(row["date"]) == 10, row
        if row["kind"] == "icbm_launch":
            assert len(row["date"]) == 10, row
    first = min(_parse(r["date"]) for r in situation["provocation"])
    last = max(_parse(r["date"]) for r in situation["provocation"])
    assert first <= date(2006, 7, 5) and last >= date(2024, 10, 31)


def test_the_six_nuclear_tests_and_the_known_icbm_and_satellite_launches(situation):
    by_kind = {}
    for row in situation["provocation"]:
        by_kind.setdefault(row["kind"], []).append(row["date"])
    assert by_kind["nuclear_test"] == NUCLEAR_TESTS
    for day in [
        "2017-07-04",
        "2017-07-28",
        "2017-11-29",
        "2022-03-24",
        "2022-05-25",
        "2022-11-03",
        "2022-11-18",
        "2024-10-31",
    ]:
        assert day in by_kind["icbm_launch"], day
    assert sum(d.startswith("2023") for d in by_kind["icbm_launch"]) == 5
    assert by_kind["satellite_launch"] == [
        "2009-04-05",
        "2012-04-13",
        "2012-12-12",
        "2016-02-07",
        "2023-05-31",
        "2023-08-24",
        "2023-11-21",
        "2024-05-27",
    ]
    assert not any(d.startswith("2018") for k, ds in by_kind.items() for d in ds)  # the 2018 lull


def test_yearly_missile_totals_match_the_commonly_cited_ones(situation):
    totals = {}
    for row in situation["provocation"]:
        if row["kind"] in {"ballistic_launch", "icbm_launch"}:
            totals[row["date"][:4]] = totals.get(row["date"][:4], 0) + row["count"]
    assert totals["2017"] == 20
    assert totals["2019"] == 25  # Japan MoD, the record until 2022
    assert totals["2022"] >= 59 and totals["2022"] == max(totals.values())  # record year
    before_vote = sum(
        r["count"]
        for r in situation["provocation"]
        if r["kind"] in {"ballistic_launch", "icbm_launch"} and "2022-01" <= r["date"] <= "2022-05-26"
    )
    assert before_vote == 23  # the figure given before the vote on S/2022/431 (seed 000)


def test_no_council_sanctions_relief_in_the_reciprocation_series(situation):
    assert not any("S/RES/" in row["note"] for row in situation["reciprocation"])


def _tension_module():
    spec = importlib.util.spec_from_file_location("tension_series", ROOT / "tools" / "tension_series.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tension_is_one_row_a_year_in_unit_range_and_reproduces_from_the_rule(situation):
    rows = situation["tension"]
    assert [row["year"] for row in rows] == list(range(2006, 2027))
    for row in rows:
        assert 0 <= row["value"] <= 1 and row["note"].strip() and row["source"].strip(), row
    module = _tension_module()
    assert module.check(situation) == []
    assert module.compute(situation) == {row["year"]: row["value"] for row in rows}
    for event in situation["tension_event"]:
        assert event["source"].strip() and event["amount"] > 0, event


def test_tension_check_catches_a_tampered_value(situation):
    module = _tension_module()
    tampered = dict(situation, tension=[dict(row) for row in situation["tension"]])
    tampered["tension"][16]["value"] = 0.9 if tampered["tension"][16]["value"] != 0.9 else 0.1
    assert module.check(tampered)


# ------------------------------------------------------------------------ decision files


@pytest.mark.parametrize("path", NEW_FILES, ids=lambda p: p.name)
def test_new_decision_files_carry_a_full_sourced_record(path, councils):
    assert path.exists(), path
    raw = _load(path)
    history, context = raw["history"], raw["context"]
    for key in ("symbol", "source", "date", "outcome"):
        assert str(history.get(key, "")).strip(), (path.name, key)
    assert path.name.startswith(history["date"])
    assert context["date"] == history["date"]
    assert context["note"].strip()
    assert not SITUATION_KEYS & set(context), sorted(SITUATION_KEYS & set(context))
    year = raw["council"]["year"]
    assert str(year) == history["date"][:4]
    if history.get("tally"):
        members = P5 | set(councils[year]["elected"])
        assert set(history.get("votes", {})) == members, path.name
        counts = [list(history["votes"].values()).count(v) for v in ("yes", "no", "abstain")]
        assert "-".join(map(str, counts)) == history["tally"], path.name
    if raw["proposal"]["kind"] == "statement":
        assert history["outcome"] == "adopted" and not history.get("tally") and not history.get("votes")


def test_panel_renewals_are_unanimous_and_name_their_months():
    for name in NEW_HISTORY:
        raw = _load(HISTORY / name)
        if "-s-res-" not in name:
            continue
        measures = raw["proposal"]["measures"]
        assert [m["type"] for m in measures] == ["panel_renewal"] and 12 <= measures[0]["months"] <= 13
        assert raw["history"]["tally"] == "15-0-0"
        assert set(raw["history"]["votes"].values()) == {"yes"}
        if raw["history"]["date"][:4] in {"2020", "2021"}:
            assert "written procedure" in raw["history"]["note"]


def test_negotiated_first_drafts_record_what_reached_the_vote():
    assert len(NEGOTIATED) == 3
    outcomes = {}
    for path in NEGOTIATED:
        history = _load(path)["history"]
        assert history["softened"] is True and history["final_text"].strip()
        outcomes[history["symbol"]] = (
            history["outcome"],
            history["tally"],
            sorted(history.get("vetoed_by", [])),
        )
    assert outcomes == {
        "S/RES/1695": ("adopted", "15-0-0", []),
        "S/RES/2375": ("adopted", "15-0-0", []),
        "S/2022/431": ("vetoed", "13-2-0", ["CHN", "RUS"]),
    }
