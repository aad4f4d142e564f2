"""The scenario schema: valid files resolve against presets; bad ones get one clear line each."""

import textwrap

import numpy as np
import pytest

from sim.presets import builtin_councils, builtin_members
from sim.scenario import ScenarioError, Stance, load_scenario

from .conftest import HISTORY, MINIMAL, SCENARIOS


def problems_of(path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def test_every_bundled_scenario_is_valid():
    files = sorted(HISTORY.glob("*.toml"))
    assert len(files) >= 5
    for path in files:
        scenario = load_scenario(path)
        assert len(scenario.members) == 15
        assert sum(m.permanent for m in scenario.members) == 5


def test_every_council_2006_to_2026_resolves_with_stances_and_their_sources(write_scenario):
    """Any year's council with no [members] table: every member gets stances, the derived ones
    saying where they came from (carried forward after 2019)."""
    councils = builtin_councils()
    assert sorted(councils) == list(range(2006, 2027))
    for year in range(2006, 2027):
        text = MINIMAL.replace("year = 2022", f"year = {year}").replace(
            'date = "2022-05-26"', f'date = "{year}-06-01"'
        )
        scenario = load_scenario(write_scenario(text, name=f"y{year}.toml"))
        assert len(scenario.members) == 15, year
        for member in scenario.members:
            assert member.name, (year, member.code)
            assert "pressure" in member.sources, (year, member.code)
            if year > 2019 and member.position is not None:
                assert "carried forward from" in member.sources["pressure"], (year, member.code)
    for code, spec in builtin_members().items():
        assert spec.note and len(spec.note) > 40, code
        assert spec.veto_cost is not None and spec.noise is not None, code


def test_out_of_range_stance_names_file_key_and_value(write_scenario):
    path = write_scenario(MINIMAL + "\n[members.CHN]\npressure = 1.7\n")
    assert problems_of(path) == [f"{path}: members.CHN.pressure: must be between 0 and 1, got 1.7"]


def test_several_problems_are_all_reported(write_scenario):
    text = (
        MINIMAL.replace('kind = "resolution"', 'kind = "resolutoin"')
        + "\n[members.CHN]\nsalience = -1\npresure = 0.2\n"
    )
    problems = problems_of(write_scenario(text))
    joined = "\n".join(problems)
    assert len(problems) == 3
    assert "proposal.kind: Input should be 'resolution'" in joined and "'resolutoin'" in joined
    assert "members.CHN.salience: must be between 0 and 1, got -1" in joined
    assert "members.CHN.presure: unknown key" in joined


def test_distribution_stances(write_scenario):
    text = (
        MINIMAL
        + '\n[members.CHN]\npressure = { low = 0.1, high = 0.3, source = "S/PV.9048" }\nreciprocity = { mean = 0.9, sd = 0.2 }\n'
    )
    scenario = load_scenario(write_scenario(text))
    china = next(m for m in scenario.members if m.code == "CHN")
    assert china.stances["pressure"].is_random and china.sources["pressure"] == "S/PV.9048"
    rng = np.random.default_rng(0)
    draws = china.stances["pressure"].draw(rng, 20_000)
    assert draws.min() >= 0.1 and draws.max() <= 0.3
    assert draws.mean() == pytest.approx(0.2, abs=0.005)
    normal = china.stances["reciprocity"].draw(rng, 20_000)
    assert normal.min() >= 0 and normal.max() <= 1  # truncated to [0, 1]
    assert normal.mean() < 0.9  # truncation at 1 pulls the mean down


@pytest.mark.parametrize(
    "stance, message",
    [
        ("{ low = 0.4, high = 0.2 }", "low must not exceed high"),
        ("{ low = 0.4 }", "needs both low and high"),
        ("{ mean = 0.4, sd = 0 }", "sd must be above 0"),
        ("{ value = 0.4, low = 0.1, high = 0.2 }", "exactly one of"),
        ('"high"', "must be a number"),
    ],
)
def test_bad_distributions(write_scenario, stance, message):
    path = write_scenario(MINIMAL + f"\n[members.RUS]\npressure = {stance}\n")
    problems = problems_of(path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}: members.RUS.pressure: ")
    assert message in problems[0]


def test_member_not_on_council_and_unknown_sponsor(write_scenario):
    text = MINIMAL.replace('sponsors = ["USA"]', 'sponsors = ["JPN"]') + "\n[members.DEU]\npressure = 0.5\n"
    problems = problems_of(write_scenario(text))
    assert any("members.DEU: not on this council" in p for p in problems)
    assert any("proposal.sponsors.0: JPN is not on this council" in p for p in problems)


def test_unknown_measure_type_and_missing_context(write_scenario):
    text = MINIMAL.replace('type = "crude_oil_cap"', 'type = "blockade"')
    problems = problems_of(write_scenario(text))
    assert any("proposal.measures.0: unknown measure type 'blockade'" in p for p in problems)
    text = MINIMAL.replace('date = "2022-05-26"', "")
    problems = problems_of(write_scenario(text))
    assert any("context.date: required key is missing" in p for p in problems)
    text = MINIMAL.replace('date = "2022-05-26"', 'date = "26 May 2022"')
    problems = problems_of(write_scenario(text))
    assert any("context.date: expected a date YYYY-MM-DD or YYYY-MM" in p for p in problems)


def test_unknown_year_and_explicit_council(write_scenario):
    problems = problems_of(write_scenario(MINIMAL.replace("year = 2022", "year = 1990")))
    assert "council.year: no preset council for 1990" in problems[0]
    explicit = MINIMAL.replace("year = 2022", 'members = ["CHN", "FRA", "RUS", "GBR", "USA", "ZZZ"]')
    problems = problems_of(write_scenario(explicit))
    assert any(
        "council: ZZZ: no preset for this member; give name, pressure and reciprocity" in p for p in problems
    )
    assert any("6 members; the Charter's council has 15" in p for p in problems)


def test_new_member_fully_described_and_quota(write_scenario):
    text = (
        MINIMAL.replace("year = 2022", 'members = ["CHN", "FRA", "RUS", "GBR", "USA", "ZZZ"]\nquota = 4')
        + """
[members.ZZZ]
name = "Hypothetical"
permanent = false
pressure = 0.5
reciprocity = 0.5
veto_cost = 0.5
salience = 0.5
noise = 0.1
"""
    )
    scenario = load_scenario(write_scenario(text))
    assert scenario.codes[-1] == "ZZZ"


@pytest.mark.parametrize("date", ["2031-01-01", "2005-12-31", "1990-01-01", "9999-12-31"])
def test_a_date_outside_the_dated_series_is_refused(write_scenario, date):
    """Beyond the series a situation would be carried forward or left at zero: refused, with
    the range, rather than run on made-up context."""
    problems = problems_of(write_scenario(MINIMAL.replace('date = "2022-05-26"', f'date = "{date}"')))
    assert len(problems) == 1 and problems[0].endswith(
        "context.date: must be between 2006-01-01 and 2026-12-31 (the dated series of "
        f"sim/data/situation.toml cover those years), got '{date}'"
    )
    for edge in ("2006-01-01", "2026-12-31"):
        assert load_scenario(write_scenario(MINIMAL.replace('date = "2022-05-26"', f'date = "{edge}"')))


def test_an_unquoted_date_and_a_byte_order_mark(write_scenario, tmp_path):
    """TOML reads date = 2022-05-26 as a date, not text: the error says to quote it. A file
    saved with a UTF-8 byte-order mark (as Windows Notepad saves) reads as the same file."""
    problems = problems_of(write_scenario(MINIMAL.replace('date = "2022-05-26"', "date = 2022-05-26")))
    assert len(problems) == 1 and problems[0].endswith(
        'context.date: write the date in quotes, e.g. "2022-05-26"'
    )
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + textwrap.dedent(MINIMAL).encode("utf-8"))
    plain = load_scenario(write_scenario())
    assert load_scenario(bom).spec == plain.spec


def test_invalid_toml_and_missing_file(write_scenario, tmp_path):
    problems = problems_of(write_scenario("[scenario\nname = 1"))
    assert "not valid TOML" in problems[0]
    assert problems_of(tmp_path / "nope.toml") == [f"{tmp_path / 'nope.toml'}: file not found"]


def test_history_tally_must_match_votes(write_scenario):
    votes = "\n".join(
        f'{c} = "yes"'
        for c in [
            "CHN",
            "FRA",
            "RUS",
            "GBR",
            "USA",
            "ALB",
            "BRA",
            "GAB",
            "GHA",
            "IND",
            "IRL",
            "KEN",
            "MEX",
            "NOR",
            "ARE",
        ]
    )
    text = (
        MINIMAL
        + f'\n[history]\nsymbol = "S/X"\ndate = "2022"\nsource = "x"\noutcome = "adopted"\ntally = "14-1-0"\n[history.votes]\n{votes}\n'
    )
    path = write_scenario(text)
    assert problems_of(path) == [f"{path}: history.tally: 14-1-0 disagrees with history.votes (15-0-0)"]


@pytest.mark.parametrize(
    "record, message",
    [
        (
            'outcome = "adopted"\nvetoed_by = ["CHN"]',
            "history.vetoed_by: only a vetoed draft has vetoing members, and history.outcome is 'adopted'",
        ),
        (
            'outcome = "vetoed"\nblocked_by = ["RUS"]',
            "history.blocked_by: only a blocked draft has blocking members, and history.outcome is 'vetoed'",
        ),
        ('outcome = "vetoed"\nvetoed_by = ["KEN"]', "history.vetoed_by: KEN is not a permanent member (only they veto)"),
        (
            'outcome = "vetoed"\nvetoed_by = ["CHN"]\n[history.votes]\nCHN = "abstain"',
            "history.vetoed_by: CHN voted 'abstain' in history.votes, and a veto is a permanent member's 'no'",
        ),
    ],
)  # fmt: skip
def test_a_record_that_contradicts_itself_is_refused(write_scenario, record, message):
    """A user's own [history] is scored by compare, which reads vetoed_by only of a vetoed draft:
    an "adopted" record naming China as its vetoer, or a veto by an elected member, was scored
    without a word."""
    head = '\n[history]\nsymbol = "S/X"\ndate = "2022-05-26"\nsource = "x"\n'
    path = write_scenario(MINIMAL + head + record + "\n")
    assert problems_of(path) == [f"{path}: {message}"]


def test_overrides_are_validated_like_the_file(write_scenario):
    from sim.scenario import load_scenario as load

    path = write_scenario()
    scenario = load(path, overrides={"members.CHN.pressure": 0.2})
    assert next(m for m in scenario.members if m.code == "CHN").stances["pressure"].value == 0.2
    with pytest.raises(ScenarioError, match=r"members\.CHN\.pressure: must be between 0 and 1, got 3"):
        load(path, overrides={"members.CHN.pressure": 3})


def test_stance_center():
    assert Stance.model_validate(0.3).center == 0.3
    assert Stance.model_validate({"low": 0.2, "high": 0.4}).center == pytest.approx(0.3)
    assert Stance.model_validate({"mean": 0.6, "sd": 0.1}).center == 0.6


def test_fingerprint_changes_with_stances_not_history(write_scenario):
    base = load_scenario(write_scenario()).fingerprint()
    other = load_scenario(
        write_scenario(MINIMAL + "\n[members.CHN]\npressure = 0.1\n", name="y.toml")
    ).fingerprint()
    assert base != other


def test_ties_to_unknown_members_and_a_scenario_given_as_preset(write_scenario):
    problems = problems_of(write_scenario(MINIMAL + "\n[members.CHN]\nties = { ZZZ = 0.5 }\n"))
    assert len(problems) == 1 and "members.CHN.ties.ZZZ: no such member" in problems[0]
    text = MINIMAL.replace("year = 2022", f'year = 2022\npreset = "{HISTORY / "2017-12-22-s-res-2397.toml"}"')
    problems = problems_of(write_scenario(text))
    assert all(": council.preset: " in p for p in problems)
    assert "[scenario]: not a member code; a preset file has one table per member" in problems[0]


def test_overrides_reach_into_lists_by_position(write_scenario):
    path = write_scenario()
    scenario = load_scenario(path, overrides={"proposal.measures.0.to": 2_000_000})
    assert scenario.spec.proposal.measures[0].to == 2_000_000
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides={"proposal.measures.3.to": 1})
    assert info.value.problems == [
        f"{path}: proposal.measures.3: proposal.measures has 1 items, numbered from 0"
    ]


@pytest.mark.parametrize(
    "change, message",
    [
        (("to = 3_000_000", "to = inf"), "proposal.measures.0.to: Input should be a finite number"),
        (("from = 4_000_000", "from = nan"), "proposal.measures.0.from: Input should be a finite number"),
        (
            ("to = 3_000_000", "to = 2_000_000_000"),
            "proposal.measures.0.to: Input should be less than or equal to 1000000000",
        ),
        (
            ('date = "2022-05-26"', 'date = "2022-05-26"\nnuclear_test = "yes"'),
            "context.nuclear_test: Input should be a valid boolean",
        ),
        (
            ('date = "2022-05-26"', 'date = "2022-05-26"\ngreat_power_tension = "0.5"'),
            "context.great_power_tension: Input should be a valid number",
        ),
    ],
)
def test_magnitudes_are_finite_and_bounded_and_types_strict(write_scenario, change, message):
    """Issue 12: `to = inf` validated and made every member abstain; `nuclear_test = "yes"` was
    coerced to true and flipped S/2022/431 to adopted. Both are errors now, one line each."""
    problems = problems_of(write_scenario(MINIMAL.replace(*change)))
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize(
    "change, message",
    [
        (('sponsors = ["USA"]', "sponsors = []"), "proposal.sponsors: must not be empty"),
        (
            ('sponsors = ["USA"]', 'sponsors = "USA"'),
            "proposal.sponsors: must be a list, e.g. ['USA'], got 'USA'",
        ),
        (
            ('type = "crude_oil_cap"\nfrom = 4_000_000\nto = 3_000_000', 'type = "crude_oil_cap"'),
            "proposal.measures.0.from: required key is missing: cap in force, barrels a year "
            "(unsc-sim measures lists every field)",
        ),
        (
            ('sponsors = ["USA"]\n', ""),
            "proposal.sponsors: required key is missing: who tabled the draft, a list of member codes, "
            'e.g. sponsors = ["USA"]; the consensus norm carries only drafts the file\'s penholder sponsors '
            "(the DPRK's: USA, sim/data/penholders.toml)",
        ),
        (("[proposal]", "[members]\nCHN = 0.5\n\n[proposal]"), "members.CHN: must be a table, got 0.5"),
        (
            ('date = "2022-05-26"', 'date = "2022-02-30"'),
            "context.date: not a day of the calendar (day is out of range for month), got '2022-02-30'",
        ),
    ],
)
def test_a_wrong_shape_is_said_in_the_files_words(write_scenario, change, message):
    """A user's slip is one line naming the key, what was expected and what was found, in the
    file's words: pydantic said "List should have at least 1 item after validation, not 0",
    "Input should be a valid list" (no value), "a valid dictionary or instance of MemberSpec",
    and the date's "day is out of range for month" named no date; a missing key now says what it
    should hold."""
    problems = problems_of(write_scenario(MINIMAL.replace(*change)))
    assert any(p.endswith(message) for p in problems), problems


CAP = 'type = "crude_oil_cap"\nfrom = 4_000_000\nto = 3_000_000'


@pytest.mark.parametrize(
    "change, message",
    [
        (("sponsors = [\"USA\"]", 'sponsors = ["USA", "GBR", "USA"]'), "proposal.sponsors: USA is listed twice"),
        ((CAP, 'type = "export_ban"\ngoods = ["seafood", "coal", "Seafood"]'), "proposal.measures.0.goods: 'Seafood' is listed twice"),
        ((CAP, 'type = "asset_freeze"\nentities = ["Lazarus Group", "Lazarus Group"]'), "proposal.measures.0.entities: 'Lazarus Group' is listed twice"),
        ((CAP, 'type = "sanctions_relief"\nlifted = ["textiles", "textiles"]'), "proposal.measures.0.lifted: 'textiles' is listed twice"),
        (
            (CAP, CAP + "\n\n[[proposal.measures]]\n" + CAP),
            "proposal: measures 0 and 1 are both crude_oil_cap: a draft sets the crude oil cap once (keep one)",
        ),
        (
            ("year = 2022", 'members = ["CHN", "FRA", "RUS", "GBR", "USA", "IND", "BRA", "KEN", "GHA", "GAB", "ARE", "ALB", "IRL", "CHN", "NOR"]'),
            "council: members lists CHN twice",
        ),
    ],
)  # fmt: skip
def test_a_name_listed_twice_is_refused_naming_it(write_scenario, change, message):
    """Each good, designation, lifted ban and sponsor counts once toward the draft, and a draft sets
    a cap once: a copy-paste slip doubled the draft's weight silently (two cuts of the crude cap
    from 4,000,000 added both; "seafood" twice weighed two goods), or was refused without the name."""
    problems = problems_of(write_scenario(MINIMAL.replace(*change)))
    assert problems == [f"{problems[0].split(': ')[0]}: {message}"], problems


def test_an_empty_measures_list_is_said_plainly(write_scenario):
    text = MINIMAL.replace(
        '[[proposal.measures]]\ntype = "crude_oil_cap"\nfrom = 4_000_000\nto = 3_000_000', ""
    )
    text = text.replace('sponsors = ["USA"]', 'sponsors = ["USA"]\nmeasures = []')
    problems = problems_of(write_scenario(text))
    assert problems == [f"{problems[0].split(':')[0]}: proposal.measures: must not be empty"], problems


def test_list_lengths_and_counts_have_documented_limits(write_scenario):
    goods = ", ".join(f'"g{i}"' for i in range(1001))
    text = MINIMAL.replace(
        'type = "crude_oil_cap"\nfrom = 4_000_000\nto = 3_000_000', f'type = "export_ban"\ngoods = [{goods}]'
    )
    assert any(
        "proposal.measures.0.goods: List should have at most 1000 items" in p
        for p in problems_of(write_scenario(text))
    )
    text = MINIMAL.replace(
        'type = "crude_oil_cap"\nfrom = 4_000_000\nto = 3_000_000',
        'type = "asset_freeze"\nentities = ["x"]\ncount = 9223372036854775807',
    )
    assert any(
        "proposal.measures.0.count: Input should be less than or equal to 1000" in p
        for p in problems_of(write_scenario(text))
    )


STATEMENT = MINIMAL.replace('kind = "resolution"', 'kind = "statement"').replace(
    'type = "crude_oil_cap"\nfrom = 4_000_000\nto = 3_000_000', 'type = "statement"\ncondemns = true'
)
RECORD = '\n[history]\nsymbol = "x"\ndate = "2022-05-26"\nsource = "y"\n'


@pytest.mark.parametrize(
    "text, message",
    [
        (
            STATEMENT + RECORD + 'outcome = "vetoed"\nvetoed_by = ["CHN"]\n',
            "history.outcome: a statement can be 'adopted', 'blocked', 'withdrawn', got 'vetoed'",
        ),
        (
            MINIMAL.replace('kind = "resolution"', 'kind = "committee"') + RECORD + 'outcome = "failed"\n',
            "history.outcome: a committee can be 'adopted', 'blocked', 'withdrawn', got 'failed'",
        ),
        (
            MINIMAL.replace('kind = "resolution"', 'kind = "procedural"') + RECORD + 'outcome = "vetoed"\n',
            "history.outcome: a procedural can be 'adopted', 'failed', 'withdrawn', got 'vetoed' "
            "(a procedural vote knows no veto (Art. 27(2))",
        ),
        (MINIMAL + RECORD + 'outcome = "blocked"\n', "history.outcome: a resolution can be"),
        (
            STATEMENT + RECORD + 'outcome = "adopted"\ntally = "15-0-0"\n',
            "history.tally: a statement is agreed by consensus, with no recorded vote",
        ),
    ],
)
def test_a_record_must_be_an_outcome_its_rule_can_reach(write_scenario, text, message):
    """An outside user recorded a blocked press statement as "vetoed" (and gave it a tally); both
    validated, and compare scored the file a miss whatever the model said."""
    problems = problems_of(write_scenario(text))
    assert any(message in p for p in problems), problems


def test_every_bundled_record_is_an_outcome_its_rule_can_reach():
    from sim.rules import rule_for

    for path in sorted(SCENARIOS.glob("*/*.toml")):
        spec = load_scenario(path).spec
        if spec.history is not None:
            assert spec.history.outcome in rule_for(spec.proposal.kind).possible_outcomes(), path.name


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "sponsors = [",
            "sponsers = [",
            "proposal.sponsers: unknown key (did you mean 'sponsors'? known here: kind,",
        ),
        (
            "to = 3_000_000",
            "too = 3_000_000",
            "proposal.measures.0.too: unknown key (did you mean 'to'? known here: from, to",
        ),
        (
            "status_quo_pressure",
            "tension = 0.3\nstatus_quo_pressure",
            "context.tension: unknown key (did you mean 'great_power_tension'?",
        ),
        (
            "[proposal]",
            "[members.CHN]\npresure = 0.3\n\n[proposal]",
            "members.CHN.presure: unknown key (did you mean 'pressure'?",
        ),
        (
            'name = "test"',
            'name = "test"\nzzz = 1',
            "scenario.zzz: unknown key (known here: name, description)",
        ),
    ],
)
def test_an_unknown_key_names_the_nearest_known_one_and_the_tables_keys(write_scenario, old, new, message):
    problems = problems_of(write_scenario(MINIMAL.replace(old, new, 1)))
    assert any(message in p for p in problems), problems
