"""The study report: the numbers printed are the run's, text is escaped, the page stands alone,
it says what made it, and bad input writes nothing."""

from __future__ import annotations

import base64
import html as html_module
import itertools
import re

import pytest
from typer.testing import CliRunner

from sim import __version__
from sim.cli import app
from sim.compare import compare_result
from sim.model import CouncilModel
from sim.report import build_entries, render_report
from sim.runner import run
from sim.scenario import STANCE_FIELDS, load_scenario

from .conftest import MINIMAL, NEGOTIATED, OIL_CAP_2022, RELIEF_2019

runner = CliRunner()
REPLICATES, SEED = 1500, 7

DATED = MINIMAL if "date =" in MINIMAL else MINIMAL.replace("[context]\n", '[context]\ndate = "2022-05-26"\n')
"""The shared minimal file on the 2022 draft's date (the context needs one)."""
VOTING = {"decision.consensus_norm": 1.0}
"""Held fixed so that lanes come to a vote and the votes split, whatever the shipped parameters
are (at the prior centres the 2022 draft is withdrawn in every lane)."""

HOSTILE = DATED.replace('name = "test"', 'name = "<script>alert(1)</script> & \\"quotes\\""').replace(
    'title = "test draft"', 'title = "Cap <b>oil</b> & gas"'
)
# China's pressure stance drawn per lane over a wide range: its votes split, so the printed shares
# are not all 0 or 100%, whatever the preset stances are.
HOSTILE += '\n[members.CHN]\npressure = { low = 0.0, high = 1.0 }\nnote = "<img src=x onerror=alert(2)>"\n'
# Like VOTING, a global parameter held fixed (the file's own [decision] table), at which China's
# vote on this first draft splits.
HOSTILE += "\n[decision]\nconsensus_norm = 0.6\n"
# What-if additions and overrides of the situation: the report must say which values the file set.
HOSTILE = HOSTILE.replace("[context]\n", "[context]\nnuclear_test = true\ngreat_power_tension = 0.25\n")


def cell(html: str, css: str) -> str:
    match = re.search(rf'<td class="[^"]*\b{re.escape(css)}\b[^"]*">([^<]*)</td>', html)
    assert match, f"no cell {css}"
    return match.group(1)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[str, list]:
    directory = tmp_path_factory.mktemp("report")
    hostile = directory / "hostile.toml"
    hostile.write_text(HOSTILE)
    scenarios = [load_scenario(OIL_CAP_2022, VOTING), load_scenario(hostile)]
    entries = build_entries(scenarios, replicates=REPLICATES, seed=SEED)
    return render_report(entries), scenarios


def sections(html: str) -> list[str]:
    return re.split(r'<section id="s\d+">', html)[1:]


def test_outcome_probabilities_and_member_votes_are_the_runs(page):
    html, scenarios = page
    for section, scenario in zip(sections(html), scenarios, strict=True):
        result = run(scenario, replicates=REPLICATES, seed=SEED)  # rerun independently
        for row in result.outcome_table().itertuples():
            assert cell(section, f"p-{row.outcome}") == f"{row.probability:.3f}"
        for member in result.member_table().itertuples():
            assert cell(section, f"yes-{member.code}") == f"{100 * member.yes:.1f}%"
            assert cell(section, f"no-{member.code}") == f"{100 * member.no:.1f}%"
        assert f"Modal tally (yes-no-abstain): <b>{result.modal_tally()}</b>" in section
    oil, hostile = sections(html)
    # the hostile file's China splits its vote: a number that is neither 0 nor 100
    china = [float(cell(hostile, f"{vote}-CHN").rstrip("%")) for vote in ("yes", "no", "abstain")]
    assert sorted(china)[-2] > 5.0  # at least two kinds of vote, each in more than 5% of lanes


def test_comparison_with_history_where_the_file_has_one(page):
    html, scenarios = page
    oil, hostile = sections(html)
    comparison = compare_result(run(scenarios[0], replicates=REPLICATES, seed=SEED))
    assert re.search(rf'class="p-real-outcome">{comparison.p_outcome:.3f}<', oil)
    assert f"{comparison.p_tally:.3f}" in oil and f"{comparison.brier:.3f}" in oil
    assert "vetoed by CHN+RUS, 13-2-0 (S/2022/431, 2022-05-26; source: SC/14911)" in oil
    assert "P(real vote)" in oil
    assert "The file has no [history] table." in hostile and "P(real vote)" not in hostile
    # the overview lists both, with the real outcome only for the historical one
    overview = html.split('<section id="s1">')[0]
    assert "Overview" in overview and f"{int(comparison.outcome_correct)} of 1</b> files" in overview


def test_text_from_files_is_escaped(page):
    html, _ = page
    assert "<script" not in html and "<img src=x" not in html and "<b>oil</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in html
    assert "Cap &lt;b&gt;oil&lt;/b&gt; &amp; gas" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_page_is_self_contained_and_says_what_made_it(page):
    html, scenarios = page
    assert "<link" not in html and not re.search(r'(src|href)="(https?:)?//', html)
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 2 * len(scenarios)  # members and tallies, seats (the outcome table needs no chart)
    assert all(base64.b64decode(image)[:8] == b"\x89PNG\r\n\x1a\n" for image in images)
    assert (
        f"unsc-sim {__version__}" in html and f"{REPLICATES:,} replicates" in html and f"seed {SEED}" in html
    )
    for scenario in scenarios:
        assert scenario.fingerprint() in html
    assert "crude oil cap 4,000,000 -&gt; 3,000,000 bbl/yr" in html  # measures in words
    stances = sections(html)[0].split('class="stances"')[1].split("</table>")[0]
    china = scenarios[0].members[0]
    built = CouncilModel(scenarios[0], lanes=1).members[0]
    assert "pressure" not in china.stances  # derived from China's UNGA position
    shown = [
        china.stances[k].describe() if k in china.stances else f"{float(getattr(built, k)[0]):.3g} (derived)"
        for k in STANCE_FIELDS
    ]
    assert "<td>China (CHN)</td><td>permanent</td>" + "".join(  # its stances, in schema order
        f'<td class="num">{value}</td>' for value in shown
    ) in stances.replace(' class=""', "")
    assert f"{float(built.pressure[0]):.3g} (derived)" in shown


def test_situation_on_the_date_and_what_the_file_overrides(page):
    html, scenarios = page
    oil, hostile = sections(html)
    for section, scenario in zip((oil, hostile), scenarios, strict=True):
        situation = scenario.situation
        assert "<th>Date</th><td>2022-05-26</td>" in section
        for key, value in [
            ("provocation", situation.provocation),
            ("provocation_record", situation.provocation_record),
            ("unreciprocated_steps", situation.unreciprocated_steps),
            ("great_power_tension", situation.tension),
            ("status_quo_pressure", situation.status_quo_pressure),
        ]:
            assert f'<span class="situation-{key}">{value:.3f}</span>' in section
        assert (
            f'<span class="situation-talks_under_way">{"yes" if situation.talks_under_way else "no"}</span>'
            in section
        )
        assert "strategy" not in section
    # the 2022 file sets nothing: every value from the dated series, named
    assert scenarios[0].situation.overridden == () and 'class="overridden"' not in oil
    assert "sim/data/regime.toml: S/RES/1718" in oil
    # the hostile file sets the tension and adds a nuclear test on the day
    assert scenarios[1].situation.tension == 0.25 and "tension" in scenarios[1].situation.overridden
    assert hostile.count('class="overridden"') == len(scenarios[1].situation.overridden)
    assert (
        '<span class="situation-great_power_tension">0.250</span>; <span class="overridden">set by the file '
        "(context.great_power_tension)</span>" in hostile
    )
    assert (
        "<th>Added on the day (what-if)</th><td>a nuclear test (in the provocation stock and record)</td>"
        in hostile
    )
    assert scenarios[1].situation.provocation - scenarios[0].situation.provocation == pytest.approx(1.0)
    # final draft (history file) against a first draft negotiated by the penholder
    assert "final draft: the text as it reached the decision" in oil
    assert "first draft: up to 3 rounds of talks" in hostile and "(United States) may soften" in hostile
    for section in (oil, hostile):
        assert "Model parameters set by the file</th><td>consensus_norm" in section
        # 2022: within the fitted record, with the 2019 General Assembly estimates carried forward
        assert "<th>General Assembly stances</th>" in section and "Beyond the record" not in section


def test_same_seed_same_page():
    scenarios = [load_scenario(OIL_CAP_2022)]
    first = render_report(build_entries(scenarios, replicates=300, seed=2))
    assert first == render_report(build_entries(scenarios, replicates=300, seed=2))


def test_cli_writes_the_page_atomically(tmp_path):
    out = tmp_path / "results" / "report.html"
    result = runner.invoke(app, ["report", str(OIL_CAP_2022), "--out", str(out), "-n", "400", "--seed", "3"])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and "400 replicates" in html
    assert (
        cell(html, "p-vetoed")
        == f"{run(load_scenario(OIL_CAP_2022), 400, 3).outcome_table().probability[1]:.3f}"
    )
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, write_scenario):
    bad = write_scenario(DATED + "\n[members.CHN]\npressure = 1.7\n", name="bad.toml")
    out = tmp_path / "out" / "report.html"
    result = runner.invoke(
        app, ["report", str(OIL_CAP_2022), str(bad), str(tmp_path / "none.toml"), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {bad}: members.CHN.pressure: must be between 0 and 1, got 1.7",
        f"error: {tmp_path / 'none.toml'}: file not found",
    ]
    assert not out.parent.exists()
    result = runner.invoke(app, ["report", str(OIL_CAP_2022), "--out", str(tmp_path / "report.pdf")])
    assert (
        result.exit_code == 2
        and result.stderr.strip() == f"error: --out: {tmp_path / 'report.pdf'}: must end in .html"
    )
    assert not (tmp_path / "report.pdf").exists()


FIRST_DRAFT_2022 = NEGOTIATED / "2022-05-26-s-2022-431-first-draft.toml"


def test_a_first_draft_shows_the_text_after_the_talks_that_run_prints(tmp_path):
    """`run` prints the text the penholder's talks leave for a first draft (its mean strength over
    lanes, each measure at it); the page shows the same, labelled as the model's prediction, beside
    the measures as first drafted. A final draft has no talks: nothing of the kind."""
    args = ["-n", "600", "--seed", "5"]
    printed = runner.invoke(app, ["run", str(FIRST_DRAFT_2022), *args])
    assert printed.exit_code == 0, printed.output
    lines = printed.output.splitlines()
    start = next(i for i, line in enumerate(lines) if "Text after the talks" in line)
    share = re.search(r"mean over lanes: (\d+)% of the first draft's strength", lines[start]).group(1)
    softened = [line.strip() for line in itertools.takewhile(str.strip, lines[start + 1 :])]
    assert len(softened) == len(load_scenario(FIRST_DRAFT_2022).spec.proposal.measures)
    assert int(share) < 100 and "crude oil cap 4,000,000 -> 2,000,000 bbl/yr" not in softened  # softened

    out = tmp_path / "report.html"
    made = runner.invoke(
        app, ["report", str(FIRST_DRAFT_2022), str(OIL_CAP_2022), "--out", str(out), *args, "--no-progress"]
    )
    assert made.exit_code == 0, made.output
    first, final = sections(out.read_text())
    assert "<th>Measures (as first drafted)</th>" in first
    assert "crude oil cap 4,000,000 -&gt; 2,000,000 bbl/yr" in first  # the first draft itself, still shown
    row = re.search(r"<tr><th>Text after the talks \(the model's prediction\)</th><td>(.*?)</td></tr>", first)
    assert row, "no text after the talks for a first draft"
    assert f'<span class="text-scale">{share}%</span> of the first draft' + "'s strength" in row.group(1)
    shown = re.findall(r"<li>(.*?)</li>", row.group(1).split('class="text-after-talks">')[1])
    assert [html_module.unescape(text) for text in shown] == softened
    assert "<th>Measures</th>" in final
    assert (
        "Text after the talks" not in final and "text-scale" not in final and "as first drafted" not in final
    )


def test_a_draft_withdrawn_in_every_lane_says_why_no_member_voted():
    """Its members' table is all 0.0%: the page says that no lane was put to the vote."""
    html = render_report(build_entries([load_scenario(RELIEF_2019)], replicates=200, seed=SEED))
    assert "no lane was put to the vote: the draft was withdrawn in every one, so no member voted" in html


def test_the_page_says_where_a_human_rights_gain_comes_from(tmp_path):
    """A procedural vote on the DPRK's human rights: the proposal's move names the human-rights
    part and the utility section says how it is signed and that no norm carries the vote."""
    from .conftest import SCENARIOS

    out = tmp_path / "r.html"
    agenda = SCENARIOS / "held-out" / "2024-06-12-procedural-vote.toml"
    result = runner.invoke(app, ["report", str(agenda), "--out", str(out), "-n", "300"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "human rights +0.023" in page
    assert "DPRK human-rights resolution (yes +1" in page and "carries no consensus norm" in page
