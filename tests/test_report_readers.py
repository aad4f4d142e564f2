"""The report as its readers see it: no internal references (working notes, seed articles,
README sections), P(adopted), P(vetoed) and who vetoed in the overview, compact figures."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.report import reader_text

ROOT = Path(__file__).resolve().parents[1]
FILES = [
    ROOT / "scenarios/history" / name
    for name in (
        "2018-06-28-press-statement.toml",
        "2019-12-16-relief-draft.toml",
        "2022-05-26-s-2022-431.toml",
    )
]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(
        app, ["report", *map(str, FILES), "--out", str(out), "-n", "2000", "--seed", "1", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_the_files_do_cite_internal_notes():
    """What the page must translate: otherwise the test below proves nothing."""
    text = "".join(path.read_text(encoding="utf-8") for path in FILES)
    assert "history.md" in text and "seed article" in text


def test_the_page_has_no_internal_references(page):
    for internal in ("history.md", "seed article", "README", "Comparing with history"):
        assert internal not in page, internal
    assert "source: S/2022/431" in page or "S/2022/431" in page
    # the 2022 file's note cites a seed article inside a parenthesis: the parenthesis stays closed
    assert "(US Ambassador Thomas-Greenfield before the vote), ICBMs on 24 March" in page
    assert "as reported in" not in page


def balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize(
    "written, shown",
    [
        (  # the 2022 file's note as written: the citation ends a parenthetical, across a line break
            "23 ballistic launches in 2022 (US Ambassador Thomas-Greenfield before the vote, as reported in\n"
            "seed article 000), ICBMs on 24 March and 25 May (general knowledge); the 2018-19",
            "23 ballistic launches in 2022 (US Ambassador Thomas-Greenfield before the vote), ICBMs on 24 March "
            "and 25 May (general knowledge); the 2018-19",
        ),
        (
            "(US Ambassador Thomas-Greenfield before the vote, as reported in seed article 000), ICBMs on 24 March",
            "(US Ambassador Thomas-Greenfield before the vote), ICBMs on 24 March",
        ),
        (  # the citation is the whole parenthetical
            "Russia placed a hold, backed by China (seed article 003).",
            "Russia placed a hold, backed by China.",
        ),
        (
            "23 launches (as reported in seed article 000), ICBMs on 24 March",
            "23 launches, ICBMs on 24 March",
        ),
        (  # after a semicolon, closing the parenthetical (the first-draft file's note)
            "by the day of the vote (situation.toml; seed article 000). Three months",
            "by the day of the vote (situation.toml). Three months",
        ),
        ("(seed article 000; Reuters, 26 May 2022) before", "(Reuters, 26 May 2022) before"),
        (  # mid-sentence, no parentheses
            "The US counted 23 launches, as reported in seed article 000, before the vote.",
            "The US counted 23 launches before the vote.",
        ),
        (
            "The US counted 23 launches as reported in seed article 000 before the vote.",
            "The US counted 23 launches before the vote.",
        ),
        ("Japan MoD; seed article 000, 23 launches", "Japan MoD; 23 launches"),
        ("weakly (see README, 'Parameter uncertainty'; SC/9679)", "weakly (SC/9679)"),
    ],
)
def test_a_citation_goes_without_its_parenthesis(written, shown):
    """A citation inside a parenthetical goes with its lead-in words ("as reported in") and its
    separator, never with the closing parenthesis: the text stays balanced."""
    assert reader_text(written) == shown
    assert balanced(shown) and "as reported in," not in shown and "seed article" not in shown


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_every_bundled_text_keeps_its_parentheses_balanced():
    """Every text in the bundled scenario and data files, as the page shows it."""
    files = [*sorted((ROOT / "scenarios").rglob("*.toml")), *sorted((ROOT / "sim/data").glob("*.toml"))]
    cited = 0
    for path in files:
        for text in strings(tomllib.loads(path.read_text(encoding="utf-8"))):
            shown = reader_text(text)
            cited += "seed article" in text
            assert "seed article" not in shown and "as reported in," not in shown, (path, shown)
            if balanced(text):
                assert balanced(shown), (path, shown)
    assert cited >= 5  # the files do cite the seed articles: otherwise this proves nothing


@pytest.mark.parametrize(
    "written, shown",
    [
        ("SC/9679; S/RES/1874 (2009); history.md", "SC/9679; S/RES/1874 (2009)"),
        (
            "Reuters, 28 June and 20 July 2018 (seed article 003); history.md",
            "Reuters, 28 June and 20 July 2018",
        ),
        ("Japan MoD; seed article 000 (23 launches)", "Japan MoD (23 launches)"),
        (
            "voted for every DPRK resolution while seated (history.md), defending",
            "voted for every DPRK resolution while seated (UN Security Council records), defending",
        ),
        ("The day is not given in history.md.", "The day is not given in the sources."),
    ],
)
def test_internal_references_become_public_ones(written, shown):
    assert reader_text(written) == shown


def test_the_overview_gives_p_adopted_p_vetoed_and_who_vetoed(page):
    overview = page.split('<section id="s1">')[0]
    header = re.search(r"<thead>(.*?)</thead>", overview).group(1)
    assert "P(adopted)" in header and "P(vetoed)" in header and "Vetoed or blocked by" in header
    rows = re.findall(r"<tr>(.*?)</tr>", overview.split("<tbody>")[1])
    veto = next(row for row in rows if "S/2022/431" in row)
    p_vetoed = float(re.search(r'class="num p-vetoed">([0-9.]+)<', veto).group(1))
    assert p_vetoed > 0.9
    defeaters = re.search(r'class="defeaters">([^<]*)<', veto).group(1)
    assert "CHN" in defeaters and "RUS" in defeaters and "%" in defeaters
    withdrawn = next(row for row in rows if "relief" in row.lower() or "easing" in row.lower())
    assert re.search(r'class="defeaters">none<', withdrawn)


def test_the_page_is_compact(page):
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2 * len(FILES)
    assert len(page.encode()) < 100_000 * len(FILES)  # was about 220 kB a file
