"""The shipped General Assembly positions against facts anyone can check in the UN's records,
the loader's carry-forward and errors, and the derivation's byte-for-byte reproducibility."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from sim import gapositions
from sim.gapositions import NoPositionError, UnknownStateError, load_positions, position, state_name

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sim" / "data"
UNVOTES = ROOT.parent / "shared" / "data" / "unvotes"
YEARS = range(2000, 2020)
P5 = ("USA", "GBR", "FRA", "RUS", "CHN")
# Recorded votes on "Situation of human rights in the DPRK" (A/RES/60/173 ... 70/172); in
# 2012-2013 and 2016-2019 the resolution was adopted without a vote.
DPRK_HR_VOTE_YEARS = {2005, 2006, 2007, 2008, 2009, 2010, 2011, 2014, 2015}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_positions()


def by_year(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Years x codes for one column."""
    return table.pivot(index="year", columns="code", values=column)


def test_one_row_per_state_and_year_with_the_p5_every_year(table: pd.DataFrame) -> None:
    assert not table.duplicated(["code", "year"]).any()
    assert set(table["year"]) == set(YEARS)
    for year, codes in table.groupby("year")["code"]:
        assert set(P5) <= set(codes), year
        assert len(codes) >= 175, year  # 179-193 voted in 2000-2019
    assert table["code"].str.fullmatch(r"[A-Z]{3}").all()
    assert set(table.loc[table["year"] == 2019, "code"]) >= {"PRK", "KOR", "JPN", "SSD", "SRB"}


def test_every_state_is_named_with_its_codes() -> None:
    assert set(load_positions()["code"]) <= set(gapositions._states().index)
    assert state_name("prk") == "North Korea"
    assert state_name("SRB") == "Serbia"  # the data's 'YU' from 2000 on
    assert gapositions._states().loc["NAM", "iso2"] == "NA"  # not read as missing


def test_dprk_human_rights_votes_china_russia_no_and_p3_yes(table: pd.DataFrame) -> None:
    votes = by_year(table, "dprk_hr_vote")
    voted_years = set(votes.index[votes["USA"].notna()])
    assert voted_years == DPRK_HR_VOTE_YEARS
    for year in sorted(DPRK_HR_VOTE_YEARS):
        assert votes.loc[year, "CHN"] == "no", year
        assert votes.loc[year, "RUS"] == "no", year
        assert votes.loc[year, "PRK"] == "no", year
        assert votes.loc[year, "GBR"] == "yes", year
        assert votes.loc[year, "FRA"] == "yes", year
        assert votes.loc[year, "USA"] in {"yes", "absent"}, year
        assert votes.loc[year, "JPN"] == "yes", year
    assert votes.loc[sorted(set(YEARS) - DPRK_HR_VOTE_YEARS)].isna().all().all()


def test_dprk_human_rights_tallies_match_the_record(table: pd.DataFrame) -> None:
    """A/RES/60/173 (2005): 88-21-60; A/RES/69/188 (2014): 116-20-53; A/RES/70/172: 119-19-48."""
    for year, expected in {2005: (88, 21, 60), 2014: (116, 20, 53), 2015: (119, 19, 48)}.items():
        counts = table.loc[table["year"] == year, "dprk_hr_vote"].value_counts()
        assert (counts["yes"], counts["no"], counts["abstain"]) == expected, year


def test_russia_agrees_with_the_usa_less_than_the_uk_every_year(table: pd.DataFrame) -> None:
    agree = by_year(table, "agree_usa")
    assert (agree["RUS"] < agree["GBR"]).all()
    assert (agree["CHN"] < agree["FRA"]).all()
    assert (by_year(table, "agree_rus")["CHN"] > 0.75).all()  # China votes with Russia


def test_usa_ideal_point_is_above_russia_and_china_every_year(table: pd.DataFrame) -> None:
    ideal = by_year(table, "ideal_point")
    assert (ideal["USA"] == 1.0).all() and (ideal["RUS"] == -1.0).all()  # the anchors
    assert (ideal["USA"] > ideal["CHN"]).all()
    assert (ideal["GBR"] > ideal["CHN"]).all() and (ideal["FRA"] > ideal["RUS"]).all()


def test_israel_is_near_the_usa_and_its_adversaries_far(table: pd.DataFrame) -> None:
    ideal = by_year(table, "ideal_point")
    assert ((ideal["USA"] - ideal["ISR"]).abs() < 0.4).all()
    for ally in ("JPN", "KOR"):
        assert (ideal["ISR"] > ideal[ally]).all(), ally
    # Above the UK and France too, except in 2002 (UK 0.97, France 0.85, Israel 0.76).
    assert (ideal["ISR"] > ideal[["GBR", "FRA"]].max(axis=1)).sum() == len(YEARS) - 1
    for adversary in ("CUB", "IRN", "SYR", "PRK"):
        assert (ideal[adversary] < ideal["RUS"]).all(), adversary
        assert (ideal[adversary] < ideal["ISR"] - 1.5).all(), adversary


def test_agreement_and_counts_are_in_range(table: pd.DataFrame) -> None:
    shares = table[["agree_usa", "agree_rus", "agree_chn", "agree_usa_nuclear", "agree_usa_hr"]]
    assert ((shares.dropna() >= 0) & (shares.dropna() <= 1)).all().all()
    assert table["ideal_point"].notna().mean() > 0.98
    assert (table.loc[table["ideal_point"].isna(), "n_votes"] < 10).all()
    assert (table.loc[table["code"] == "USA", ["agree_usa", "agree_usa_nuclear"]] == 1.0).all().all()


def test_position_of_a_year_in_the_table() -> None:
    row = position("GBR", 2017)
    assert row["code"] == "GBR" and row["year"] == 2017
    assert row["carried_forward_from"] is None
    assert row["dprk_hr_vote"] is None  # adopted without a vote in 2017
    assert isinstance(row["ideal_point"], float) and isinstance(row["n_votes"], int)
    assert position("rus", 2006)["dprk_hr_vote"] == "no"


def test_later_years_carry_the_2019_estimate_forward() -> None:
    later, last = position("CHN", 2024), position("CHN", 2019)
    assert later["carried_forward_from"] == 2019
    assert last["carried_forward_from"] is None
    assert {k: v for k, v in later.items() if k != "carried_forward_from"} == {
        k: v for k, v in last.items() if k != "carried_forward_from"
    }


def test_unknown_state_names_the_code() -> None:
    with pytest.raises(UnknownStateError, match="XYZ"):
        position("XYZ", 2010)
    with pytest.raises(KeyError, match="ZZZ"):
        state_name("ZZZ")
    assert "'QQQ'" in str(UnknownStateError("unknown state code 'QQQ'"))


def test_no_position_before_a_state_existed() -> None:
    with pytest.raises(NoPositionError, match="SSD.*2011"):
        position("SSD", 2005)
    with pytest.raises(KeyError, match="USA"):
        position("USA", 1999)


def test_provenance_records_the_shipped_files() -> None:
    provenance = tomllib.loads((DATA / "ga_positions.provenance.toml").read_text(encoding="utf-8"))
    assert provenance["source"]["licence"].startswith("CC0")
    assert provenance["derivation"]["last_year"] == 2019
    assert "Bailey, Strezhnev & Voeten (2017)" in provenance["method"]["ideal_point"]
    for name, digest in provenance["output"]["sha256"].items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.skipif(
    not (UNVOTES / "un_votes.parquet").exists(),
    reason=f"the source data ({UNVOTES}) are not beside the repository",
)
@pytest.mark.same_on_every_python
def test_derivation_reproduces_the_shipped_files_byte_for_byte(tmp_path: Path) -> None:
    """Runs the whole derivation (about 6 s) with the shipped date."""
    provenance = tomllib.loads((DATA / "ga_positions.provenance.toml").read_text(encoding="utf-8"))
    made_on = provenance["derivation"]["made_on"]
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "derive_positions.py"),
            "--unvotes",
            str(UNVOTES),
            "--out",
            str(tmp_path),
            "--years",
            "2000-2019",
            "--made-on",
            made_on,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    for name in ("ga_positions.csv", "states.csv", "ga_positions.provenance.toml"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
