"""Derive each UN member's yearly position from the General Assembly's roll calls.

Reads Erik Voeten's UN General Assembly voting data (Harvard Dataverse, hdl:1902.1/12379, CC0;
the Parquet copies of the R package ``unvotes`` tables) and writes three small files that the
simulator ships, so that it never needs the source folder at run time:

* ``ga_positions.csv``  one row per (state, year): a one-dimensional ideal point, agreement with
  the USA, Russia and China, agreement with the USA on nuclear/disarmament and on human-rights
  votes, and the state's vote on that year's resolution on human rights in the DPRK;
* ``states.csv``        every state that appears, with ISO 3166-1 alpha-3 and alpha-2 codes;
* ``ga_positions.provenance.toml``  source, licence, command, date, method, column meanings.

Usage (from the repository root)::

    python tools/derive_positions.py --unvotes ../shared/data/unvotes --out sim/data/

The output is deterministic: the same input, years and ``--made-on`` date give the same bytes.

Method, briefly (the provenance file says it in full). A year is a General Assembly session
(year = session + 1945: the session opens in September of that year). Votes are coded yes = 1,
abstain = 0.5, no = 0. The ideal point is the first principal component of the year's vote
matrix, an approximation of the one-dimensional ideal points of Bailey, Strezhnev & Voeten (2017),
"Estimating Dynamic State Preferences from United Nations Voting Data", Journal of Conflict
Resolution 61(2): 430-456, rescaled each year so that the USA is +1 and Russia is -1. Agreement
is Lijphart's index: the mean over common roll calls of 1 - |difference|, so yes/abstain and
no/abstain count as half agreement.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_FIRST_YEAR = 2000
DEFAULT_LAST_YEAR = 2019
VOTE_VALUE = {"yes": 1.0, "abstain": 0.5, "no": 0.0}
# Fewer common roll calls than this and a share or an ideal point is too noisy to ship: left empty.
MIN_COMMON_VOTES = 10
# A state takes part in fitting the year's principal component if it voted on this share of the
# roll calls; every state (with MIN_COMMON_VOTES votes) is then scored on the votes it cast.
CORE_PARTICIPATION = 0.5
# Nuclear/disarmament and human-rights agreement pool the roll calls of this many years ending
# with the year: one session has 14-35 such votes, fewer still in common for a sparse voter.
ISSUE_WINDOW_YEARS = 3
NUCLEAR_ISSUES = ("nu", "di")
HUMAN_RIGHTS_ISSUES = ("hr",)
ANCHOR_HIGH, ANCHOR_LOW = "USA", "RUS"
DECIMALS = 4
# The yearly DPRK human-rights resolution, tolerant of the mis-encoded apostrophe in the data.
DPRK_HR_TITLE = re.compile(
    r"^\s*situation of human rights in the democratic people.{0,12}republic of korea",
    re.IGNORECASE,
)

# ISO 3166-1 alpha-2 (as in the data) -> alpha-3. Every code that appears in un_votes is here;
# the script stops if a new one turns up. Historical codes keep their former alpha-3 codes.
ISO2_TO_ISO3: dict[str, str] = {
    "AD": "AND",
    "AE": "ARE",
    "AF": "AFG",
    "AG": "ATG",
    "AL": "ALB",
    "AM": "ARM",
    "AO": "AGO",
    "AR": "ARG",
    "AT": "AUT",
    "AU": "AUS",
    "AZ": "AZE",
    "BA": "BIH",
    "BB": "BRB",
    "BD": "BGD",
    "BE": "BEL",
    "BF": "BFA",
    "BG": "BGR",
    "BH": "BHR",
    "BI": "BDI",
    "BJ": "BEN",
    "BN": "BRN",
    "BO": "BOL",
    "BR": "BRA",
    "BS": "BHS",
    "BT": "BTN",
    "BW": "BWA",
    "BY": "BLR",
    "BZ": "BLZ",
    "CA": "CAN",
    "CD": "COD",
    "CF": "CAF",
    "CG": "COG",
    "CH": "CHE",
    "CI": "CIV",
    "CL": "CHL",
    "CM": "CMR",
    "CN": "CHN",
    "CO": "COL",
    "CR": "CRI",
    "CS": "CSK",
    "CU": "CUB",
    "CV": "CPV",
    "CY": "CYP",
    "CZ": "CZE",
    "DD": "DDR",
    "DE": "DEU",
    "DJ": "DJI",
    "DK": "DNK",
    "DM": "DMA",
    "DO": "DOM",
    "DZ": "DZA",
    "EC": "ECU",
    "EE": "EST",
    "EG": "EGY",
    "ER": "ERI",
    "ES": "ESP",
    "ET": "ETH",
    "FI": "FIN",
    "FJ": "FJI",
    "FM": "FSM",
    "FR": "FRA",
    "GA": "GAB",
    "GB": "GBR",
    "GD": "GRD",
    "GE": "GEO",
    "GH": "GHA",
    "GM": "GMB",
    "GN": "GIN",
    "GQ": "GNQ",
    "GR": "GRC",
    "GT": "GTM",
    "GW": "GNB",
    "GY": "GUY",
    "HN": "HND",
    "HR": "HRV",
    "HT": "HTI",
    "HU": "HUN",
    "ID": "IDN",
    "IE": "IRL",
    "IL": "ISR",
    "IN": "IND",
    "IQ": "IRQ",
    "IR": "IRN",
    "IS": "ISL",
    "IT": "ITA",
    "JM": "JAM",
    "JO": "JOR",
    "JP": "JPN",
    "KE": "KEN",
    "KG": "KGZ",
    "KH": "KHM",
    "KI": "KIR",
    "KM": "COM",
    "KN": "KNA",
    "KP": "PRK",
    "KR": "KOR",
    "KW": "KWT",
    "KZ": "KAZ",
    "LA": "LAO",
    "LB": "LBN",
    "LC": "LCA",
    "LI": "LIE",
    "LK": "LKA",
    "LR": "LBR",
    "LS": "LSO",
    "LT": "LTU",
    "LU": "LUX",
    "LV": "LVA",
    "LY": "LBY",
    "MA": "MAR",
    "MC": "MCO",
    "MD": "MDA",
    "ME": "MNE",
    "MG": "MDG",
    "MH": "MHL",
    "MK": "MKD",
    "ML": "MLI",
    "MM": "MMR",
    "MN": "MNG",
    "MR": "MRT",
    "MT": "MLT",
    "MU": "MUS",
    "MV": "MDV",
    "MW": "MWI",
    "MX": "MEX",
    "MY": "MYS",
    "MZ": "MOZ",
    "NA": "NAM",
    "NE": "NER",
    "NG": "NGA",
    "NI": "NIC",
    "NL": "NLD",
    "NO": "NOR",
    "NP": "NPL",
    "NR": "NRU",
    "NZ": "NZL",
    "OM": "OMN",
    "PA": "PAN",
    "PE": "PER",
    "PG": "PNG",
    "PH": "PHL",
    "PK": "PAK",
    "PL": "POL",
    "PT": "PRT",
    "PW": "PLW",
    "PY": "PRY",
    "QA": "QAT",
    "RO": "ROU",
    "RU": "RUS",
    "RW": "RWA",
    "SA": "SAU",
    "SB": "SLB",
    "SC": "SYC",
    "SD": "SDN",
    "SE": "SWE",
    "SG": "SGP",
    "SI": "SVN",
    "SK": "SVK",
    "SL": "SLE",
    "SM": "SMR",
    "SN": "SEN",
    "SO": "SOM",
    "SR": "SUR",
    "SS": "SSD",
    "ST": "STP",
    "SV": "SLV",
    "SY": "SYR",
    "SZ": "SWZ",
    "TD": "TCD",
    "TG": "TGO",
    "TH": "THA",
    "TJ": "TJK",
    "TL": "TLS",
    "TM": "TKM",
    "TN": "TUN",
    "TO": "TON",
    "TR": "TUR",
    "TT": "TTO",
    "TV": "TUV",
    "TW": "TWN",
    "TZ": "TZA",
    "UA": "UKR",
    "UG": "UGA",
    "US": "USA",
    "UY": "URY",
    "UZ": "UZB",
    "VC": "VCT",
    "VE": "VEN",
    "VN": "VNM",
    "VU": "VUT",
    "WS": "WSM",
    "YD": "YMD",
    "YE": "YEM",
    "YU": "YUG",
    "ZA": "ZAF",
    "ZM": "ZMB",
    "ZW": "ZWE",
}
# States of the past: dropped from any year from this one on (they do not appear there anyway).
DEFUNCT_FROM_YEAR = {"CS": 1993, "DD": 1991, "YD": 1991, "TW": 1972}
# "YU" in the data from 2000 on is the Federal Republic of Yugoslavia, admitted on 1 November
# 2000, renamed Serbia and Montenegro (2003) and continued by Serbia (2006): Serbia's record.
SUCCESSOR_FROM_YEAR = {"YU": (2000, "SRB", "RS", "Serbia")}
# Rows without a code in the data, named by their country.
ISO3_BY_NAME_WITHOUT_CODE = {"Federal Republic of Germany": "DEU", "Yemen Arab Republic": "YEM"}

COLUMNS = [
    "code",
    "year",
    "ideal_point",
    "agree_usa",
    "agree_rus",
    "agree_chn",
    "agree_usa_nuclear",
    "agree_usa_hr",
    "dprk_hr_vote",
    "n_votes",
    "n_nuclear",
    "n_hr",
]
COLUMN_MEANINGS = {
    "code": "ISO 3166-1 alpha-3 code of the state",
    "year": "General Assembly session year (session + 1945; the session opens in September)",
    "ideal_point": "first principal component of the year's votes, USA = +1 and RUS = -1 "
    f"(empty with fewer than {MIN_COMMON_VOTES} votes)",
    "agree_usa": "Lijphart agreement with the USA over the year's common roll calls (0..1)",
    "agree_rus": "Lijphart agreement with Russia over the year's common roll calls (0..1)",
    "agree_chn": "Lijphart agreement with China over the year's common roll calls (0..1)",
    "agree_usa_nuclear": "agreement with the USA on roll calls coded nu or di, pooled over "
    f"{ISSUE_WINDOW_YEARS} years ending with the year",
    "agree_usa_hr": "agreement with the USA on roll calls coded hr, pooled the same way",
    "dprk_hr_vote": "vote on the year's 'Situation of human rights in the DPRK' resolution: "
    "yes / no / abstain / absent; empty in years when it was adopted without a vote",
    "n_votes": "roll calls the state voted on in the year (yes, no or abstain)",
    "n_nuclear": "common roll calls with the USA behind agree_usa_nuclear",
    "n_hr": "common roll calls with the USA behind agree_usa_hr",
}


@dataclass(frozen=True)
class UnVotes:
    """The three source tables, votes already carrying year and ISO-3 code."""

    votes: pd.DataFrame  # rcid, year, code, iso2, country, value
    rollcalls: pd.DataFrame  # rcid, year, date, unres, amend, para, short, descr
    issues: pd.DataFrame  # rcid, short_name


SOURCE_FILES = ("un_votes.parquet", "un_roll_calls.parquet", "un_roll_call_issues.parquet")


def load_unvotes(folder: Path) -> UnVotes:
    """Read the Parquet tables and give each vote its session year and ISO-3 code."""
    votes = pd.read_parquet(folder / "un_votes.parquet")
    rollcalls = pd.read_parquet(folder / "un_roll_calls.parquet")
    issues = pd.read_parquet(folder / "un_roll_call_issues.parquet")
    rollcalls = rollcalls.assign(rcid=rollcalls["rcid"].astype(int))
    rollcalls["year"] = (rollcalls["session"] + 1945).astype(int)
    votes = votes.assign(rcid=votes["rcid"].astype(int), value=votes["vote"].map(VOTE_VALUE))
    if votes["value"].isna().any():
        raise ValueError(f"unexpected vote values: {sorted(set(votes['vote']) - set(VOTE_VALUE))}")
    votes = votes.merge(rollcalls[["rcid", "year"]], on="rcid", how="inner")
    votes = assign_iso3(votes)
    issues = issues.assign(rcid=issues["rcid"].astype(int))[["rcid", "short_name"]]
    return UnVotes(votes=votes, rollcalls=rollcalls, issues=issues)


def assign_iso3(votes: pd.DataFrame) -> pd.DataFrame:
    """Add ``code`` (ISO-3) and ``iso2``; drop defunct states in years after their end."""
    unknown = sorted(set(votes["country_code"].dropna()) - set(ISO2_TO_ISO3))
    if unknown:
        raise ValueError(f"country codes without an ISO-3 mapping: {unknown}")
    iso2 = votes["country_code"]
    code = iso2.map(ISO2_TO_ISO3)
    code = code.fillna(votes["country"].map(ISO3_BY_NAME_WITHOUT_CODE))
    country = votes["country"]
    for old, (from_year, new_code, new_iso2, new_name) in SUCCESSOR_FROM_YEAR.items():
        later = (iso2 == old) & (votes["year"] >= from_year)
        code = code.mask(later, new_code)
        iso2 = iso2.mask(later, new_iso2)
        country = country.mask(later, new_name)
    keep = code.notna()
    for old, from_year in DEFUNCT_FROM_YEAR.items():
        keep &= ~((votes["country_code"] == old) & (votes["year"] >= from_year))
    out = votes.assign(
        code=code, iso2=iso2, source_code=votes["country_code"], source_name=votes["country"], country=country
    )
    return out[keep].reset_index(drop=True)


def vote_matrix(votes: pd.DataFrame) -> pd.DataFrame:
    """States x roll calls, values 1 / 0.5 / 0, NaN where the state did not vote."""
    return votes.pivot(index="code", columns="rcid", values="value").sort_index(axis=0).sort_index(axis=1)


def first_component_scores(matrix: pd.DataFrame) -> pd.Series:
    """Each state's score on the year's first principal component, from the votes it cast.

    The component is fitted on the states that voted on at least CORE_PARTICIPATION of the roll
    calls (their rare absences filled with the roll call's mean); every state is then scored by
    least squares on its own votes only, so that a sparse voter is not pulled to the centre.
    """
    values = matrix.to_numpy()
    voted = ~np.isnan(values)
    core = voted.mean(axis=1) >= CORE_PARTICIPATION
    means = np.nanmean(values[core], axis=0)
    centred_core = np.where(voted[core], values[core], means) - means
    _, _, vt = np.linalg.svd(centred_core, full_matrices=False)
    loadings = vt[0]
    deviations = np.where(voted, values - means, 0.0)
    weight = (voted * loadings**2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = (deviations * loadings).sum(axis=1) / weight
    scores[voted.sum(axis=1) < MIN_COMMON_VOTES] = np.nan
    return pd.Series(scores, index=matrix.index)


def anchored(scores: pd.Series) -> pd.Series:
    """Rescale so that ANCHOR_HIGH (USA) is +1 and ANCHOR_LOW (Russia) is -1.

    One year's principal component has an arbitrary sign and scale; fixing two states makes
    years comparable (a position is read relative to the US-Russia divide of its year).
    """
    high, low = scores[ANCHOR_HIGH], scores[ANCHOR_LOW]
    if not np.isfinite(high - low) or abs(high - low) < 1e-9:
        raise ValueError("the anchors USA and RUS have no distinct ideal points this year")
    return -1.0 + 2.0 * (scores - low) / (high - low)


def agreement(matrix: pd.DataFrame, reference: str) -> tuple[pd.Series, pd.Series]:
    """Lijphart agreement of every state with ``reference``, and its number of common votes."""
    if reference not in matrix.index:
        nan = pd.Series(np.nan, index=matrix.index)
        return nan, pd.Series(0, index=matrix.index)
    values = matrix.to_numpy()
    ref = matrix.loc[reference].to_numpy()
    common = ~np.isnan(values) & ~np.isnan(ref)
    n_common = common.sum(axis=1)
    distance = np.where(common, np.abs(values - ref), 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = 1.0 - distance / n_common
    share[n_common < MIN_COMMON_VOTES] = np.nan
    return pd.Series(share, index=matrix.index), pd.Series(n_common, index=matrix.index)


def dprk_hr_rollcalls(rollcalls: pd.DataFrame) -> dict[int, int]:
    """Year -> rcid of the vote on the whole DPRK human-rights resolution (not amendments)."""
    title = rollcalls["descr"].fillna("").str.contains(DPRK_HR_TITLE) | rollcalls["short"].fillna(
        ""
    ).str.contains(DPRK_HR_TITLE)
    whole = (rollcalls["amend"].fillna(0) == 0) & (rollcalls["para"].fillna(0) == 0)
    found = rollcalls[title & whole].sort_values("rcid")
    by_year: dict[int, int] = {}
    for year, rcid in zip(found["year"], found["rcid"]):
        if year in by_year:
            raise ValueError(f"two DPRK human-rights roll calls in {year}: {by_year[year]}, {rcid}")
        by_year[int(year)] = int(rcid)
    return by_year


def issue_rcids(data: UnVotes, issues: tuple[str, ...]) -> set[int]:
    """Roll calls coded with any of ``issues``."""
    return set(data.issues.loc[data.issues["short_name"].isin(issues), "rcid"])


def issue_agreement_with_usa(
    data: UnVotes, rcids: set[int], year: int, codes: pd.Index
) -> tuple[pd.Series, pd.Series]:
    """Agreement with the USA on ``rcids`` over the ISSUE_WINDOW_YEARS years ending ``year``."""
    window = data.votes[
        data.votes["rcid"].isin(rcids) & data.votes["year"].between(year - ISSUE_WINDOW_YEARS + 1, year)
    ]
    share, n_common = agreement(vote_matrix(window), "USA")
    return share.reindex(codes), n_common.reindex(codes).fillna(0).astype(int)


def year_positions(data: UnVotes, year: int, dprk_rcid: int | None) -> pd.DataFrame:
    """One row per state that voted in ``year``."""
    votes = data.votes[data.votes["year"] == year]
    matrix = vote_matrix(votes)
    codes = matrix.index
    rows = pd.DataFrame(index=codes)
    rows["code"] = codes
    rows["year"] = year
    rows["ideal_point"] = anchored(first_component_scores(matrix))
    for reference in ("USA", "RUS", "CHN"):
        rows[f"agree_{reference.lower()}"] = agreement(matrix, reference)[0]
    nuclear = issue_agreement_with_usa(data, issue_rcids(data, NUCLEAR_ISSUES), year, codes)
    rights = issue_agreement_with_usa(data, issue_rcids(data, HUMAN_RIGHTS_ISSUES), year, codes)
    rows["agree_usa_nuclear"], rows["n_nuclear"] = nuclear
    rows["agree_usa_hr"], rows["n_hr"] = rights
    rows["dprk_hr_vote"] = dprk_hr_votes(votes, dprk_rcid, codes)
    rows["n_votes"] = matrix.notna().sum(axis=1)
    return rows[COLUMNS].reset_index(drop=True)


def dprk_hr_votes(votes: pd.DataFrame, rcid: int | None, codes: pd.Index) -> pd.Series:
    """Each state's vote on the DPRK resolution; 'absent' if it cast none, '' if no vote held."""
    if rcid is None:
        return pd.Series("", index=codes)
    cast = votes.loc[votes["rcid"] == rcid].set_index("code")["vote"]
    return cast.reindex(codes).fillna("absent")


def derive_positions(data: UnVotes, years: range) -> pd.DataFrame:
    """The whole table, sorted by year then code, floats rounded to DECIMALS."""
    dprk = dprk_hr_rollcalls(data.rollcalls)
    table = pd.concat([year_positions(data, year, dprk.get(year)) for year in years])
    table = table.sort_values(["year", "code"]).reset_index(drop=True)
    floats = ["ideal_point", "agree_usa", "agree_rus", "agree_chn", "agree_usa_nuclear", "agree_usa_hr"]
    table[floats] = table[floats].round(DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    return table


def states_table(data: UnVotes, years: range) -> pd.DataFrame:
    """Every state in the years: ISO-3, name, ISO-2, and how the data name and code it."""
    votes = data.votes[data.votes["year"].between(years.start, years.stop - 1)]
    latest = votes.sort_values(["year", "rcid"]).drop_duplicates("code", keep="last")
    states = latest.rename(columns={"country": "name"})[
        ["code", "name", "iso2", "source_code", "source_name"]
    ]
    return states.sort_values("code").reset_index(drop=True)


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """CSV with fixed float format and line ends, so that diffs are stable."""
    table.to_csv(path, index=False, float_format=f"%.{DECIMALS}f", lineterminator="\n")


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def provenance_text(source: Path, out: Path, years: range, made_on: str) -> str:
    """The provenance record (TOML), naming the inputs and outputs by their SHA-256."""
    command = (
        "python tools/derive_positions.py --unvotes ../shared/data/unvotes --out sim/data/ "
        f"--years {years.start}-{years.stop - 1} --made-on {made_on}"
    )
    lines = [
        "# Provenance of ga_positions.csv and states.csv, written by tools/derive_positions.py.",
        "# Do not edit by hand: re-run the command below.",
        "",
        "[source]",
        'dataset = "United Nations General Assembly Voting Data (Erik Voeten), as packaged in '
        'the R package unvotes (D. Robinson)"',
        'handle = "hdl:1902.1/12379 (Harvard Dataverse)"',
        'licence = "CC0 1.0 (public domain dedication)"',
        'coverage = "sessions 1-74, 1946-01-01 to 2020-01-14"',
        "",
        "[source.sha256]",
        *[f'"{name}" = "{sha256(source / name)}"' for name in SOURCE_FILES],
        "",
        "[derivation]",
        f'command = "{command}"',
        'run_from = "the repository root, with shared/data/unvotes beside it"',
        f'made_on = "{made_on}"',
        f"first_year = {years.start}",
        f"last_year = {years.stop - 1}",
        'after_last_year = "Years after the last year are NOT in the table: sim.gapositions.position '
        'carries the last estimate forward and says so (carried_forward_from)."',
        "",
        "[method]",
        'year = "General Assembly session year: year = session + 1945 (a session opens in '
        'September; its few votes of the next calendar year count to it)."',
        'coding = "yes = 1, abstain = 0.5, no = 0; an absence is missing, not a vote."',
        "ideal_point = \"First principal component of the year's vote matrix (states x roll "
        f"calls). Fitted on the states that voted on >= {CORE_PARTICIPATION:g} of the year's roll "
        "calls, their absences filled with the roll call's mean; every state is then scored by "
        "least squares on the votes it cast. Rescaled each year linearly so that the USA is +1 "
        "and Russia -1, so years are comparable relative to the US-Russia divide (the USA-Russia "
        "distance itself is read from agree_usa in Russia's row). Approximates the "
        "one-dimensional ideal points of Bailey, Strezhnev & Voeten (2017), 'Estimating Dynamic "
        "State Preferences from United Nations Voting Data', Journal of Conflict Resolution "
        f'61(2): 430-456. Empty for a state with fewer than {MIN_COMMON_VOTES} votes in the year."',
        "agreement = \"Lijphart's index: mean over common roll calls of 1 - |a - b|, so yes/no "
        f"is 0, yes/abstain and no/abstain 0.5. Empty with fewer than {MIN_COMMON_VOTES} common "
        'roll calls."',
        f"issue_window_years = {ISSUE_WINDOW_YEARS}",
        f"nuclear_issues = {list(NUCLEAR_ISSUES)}".replace("'", '"'),
        f"human_rights_issues = {list(HUMAN_RIGHTS_ISSUES)}".replace("'", '"'),
        'dprk_human_rights = "The roll call on the whole resolution (not an amendment or a '
        "paragraph) whose description begins 'Situation of human rights in the Democratic "
        "People's Republic of Korea'. Recorded votes in 2005-2011, 2014 and 2015; adopted "
        'without a vote in the other years (empty there)."',
        "codes = \"ISO 3166-1 alpha-3 from the data's alpha-2 by a table in the script. The data's "
        "YU from 2000 on is the Federal Republic of Yugoslavia / Serbia and Montenegro / Serbia, "
        'shipped as SRB (Serbia); defunct states (CS, DD, YD, TW) are dropped after their end."',
        "",
        "[columns]",
        *[f'{name} = "{meaning}"' for name, meaning in COLUMN_MEANINGS.items()],
        "",
        "[output.sha256]",
        *[f'"{name}" = "{sha256(out / name)}"' for name in ("ga_positions.csv", "states.csv")],
        "",
    ]
    return "\n".join(lines)


def parse_years(text: str) -> range:
    """'2000-2019' or '2013' -> the inclusive range of years."""
    first, _, last = text.partition("-")
    start, stop = int(first), int(last or first)
    if stop < start:
        raise argparse.ArgumentTypeError(f"--years {text}: the last year is before the first")
    return range(start, stop + 1)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--unvotes",
        type=Path,
        required=True,
        help="folder with un_votes.parquet, un_roll_calls.parquet, un_roll_call_issues.parquet",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument(
        "--years",
        type=parse_years,
        default=range(DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR + 1),
        help=f"inclusive range, default {DEFAULT_FIRST_YEAR}-{DEFAULT_LAST_YEAR}",
    )
    parser.add_argument(
        "--made-on",
        default=dt.date.today().isoformat(),
        help="date recorded in the provenance (default today); pass the shipped "
        "one to reproduce the files byte for byte",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = load_unvotes(args.unvotes)
    args.out.mkdir(parents=True, exist_ok=True)
    positions = derive_positions(data, args.years)
    write_csv(positions, args.out / "ga_positions.csv")
    write_csv(states_table(data, args.years), args.out / "states.csv")
    provenance = provenance_text(args.unvotes, args.out, args.years, args.made_on)
    (args.out / "ga_positions.provenance.toml").write_text(provenance, encoding="utf-8")
    print(
        f"{len(positions)} rows, {positions['code'].nunique()} states, "
        f"{args.years.start}-{args.years.stop - 1} -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
