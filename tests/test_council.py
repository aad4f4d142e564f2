"""Any council, any year: templates (`like`), inheritance (`extends`), showing the stances used
and where they came from, the measures catalogue and warnings for drafts that make no sense."""

import json

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.council import member_stances
from sim.measures import MEASURE_TYPES, measure_catalogue
from sim.scenario import ScenarioError, load_scenario

from .conftest import MINIMAL, OIL_CAP_2022, RES_2397

runner = CliRunner()


def test_like_a_member_or_a_group_takes_its_position_and_says_so(write_scenario):
    text = (
        MINIMAL
        + """
[members.IND]
like = "NOR"

[members.GAB]
like = "close-to-russia"

[members.GHA]
like = "western"
veto_cost = 0.3
"""
    )
    scenario = load_scenario(write_scenario(text))
    by_code = {m.code: m for m in scenario.members}
    assert by_code["IND"].position.code == "NOR" and by_code["IND"].name == "India"
    assert by_code["IND"].origins["pressure"] == "template NOR (UNGA)"
    assert by_code["GAB"].position.dprk_vote == -1  # the group's states voted no on DPRK human rights
    assert (
        by_code["GHA"].origins["veto_cost"] == "scenario" and by_code["GHA"].stances["veto_cost"].value == 0.3
    )
    rows = {row["code"]: row for row in member_stances(scenario)}
    plain = {row["code"]: row for row in member_stances(load_scenario(write_scenario(MINIMAL, "plain.toml")))}
    norway = plain["NOR"]["pressure"]
    assert rows["IND"]["pressure"] == pytest.approx(norway)  # India now stands where Norway does
    assert rows["GAB"]["pressure"] < plain["GAB"]["pressure"]


def test_like_an_unknown_name_lists_the_groups(write_scenario):
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(MINIMAL + '\n[members.IND]\nlike = "martians"\n'))
    assert (
        "members.IND.like: 'martians' is neither a member code nor a group (groups: close-to-russia"
        in info.value.problems[0]
    )


def test_extends_starts_from_another_file_but_never_its_history(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text(f'''extends = "{OIL_CAP_2022}"
[scenario]
name = "2022 with a reluctant China"

[members.CHN]
veto_cost = 0.95
''')
    scenario = load_scenario(child)
    base = load_scenario(OIL_CAP_2022)
    assert scenario.spec.history is None and base.spec.history is not None
    assert scenario.spec.proposal == base.spec.proposal
    assert scenario.name == "2022 with a reluctant China"
    china = next(m for m in scenario.members if m.code == "CHN")
    assert china.stances["veto_cost"].value == 0.95 and china.origins["veto_cost"] == "scenario"


def test_extends_cycles_and_missing_files_are_one_line_errors(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text('extends = "b.toml"\n')
    b.write_text('extends = "a.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(a)
    assert "extends" in info.value.problems[0] and "cycle" in info.value.problems[0]
    c = tmp_path / "c.toml"
    c.write_text('extends = "nowhere.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(c)
    where = (tmp_path / "nowhere.toml").resolve()
    assert info.value.problems == [
        f"{c}: extends: nowhere.toml (read as {where}, relative to this file): file not found"
    ]


def test_run_shows_the_stances_used_and_their_origins(write_scenario):
    text = MINIMAL + '\n[members.CHN]\npressure = { value = 0.9, source = "what-if" }\n'
    result = runner.invoke(app, ["run", str(write_scenario(text)), "-n", "200", "--json"])
    assert result.exit_code == 0, result.output
    council = json.loads(result.stdout)["council"]
    china = next(row for row in council["stances"] if row["code"] == "CHN")
    assert china["pressure"] == 0.9 and china["pressure_origin"] == "scenario"
    assert china["pressure_source"] == "what-if"
    russia = next(row for row in council["stances"] if row["code"] == "RUS")
    assert russia["pressure_origin"] == "derived (UNGA)" and "UNGA ideal point" in russia["pressure_source"]
    assert council["situation"]["overridden"] == ["status_quo_pressure"]  # MINIMAL sets it
    text_output = runner.invoke(app, ["run", str(write_scenario(text, "t.toml")), "-n", "200"]).output
    assert "Stances used" in text_output and "UNGA" in text_output and "(set by the file)" in text_output


@pytest.mark.parametrize("year", [2006, 2013, 2020, 2026])
def test_members_lists_any_years_council(year):
    result = runner.invoke(app, ["members", "--year", str(year), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["stances"]) == 15
    assert all(row["pressure_origin"] for row in data["stances"])
    if year > 2019:
        assert all("carried forward from 2019" in row["pressure_source"] for row in data["stances"])
    text = runner.invoke(app, ["members", "--year", str(year)]).output
    assert f"The council of {year}" in text


def test_the_legend_names_the_elected_member_default_only_where_a_member_took_it():
    """CHE and DZA (2024) have no preset, so their veto cost is the elected-member default: the
    legend of `members` and `run` says what "default" means there, and not where nobody took it."""
    data = json.loads(runner.invoke(app, ["members", "--year", "2024", "--json"]).stdout)
    defaults = {row["code"] for row in data["stances"] if row["veto_cost_origin"] == "default"}
    assert {"CHE", "DZA"} <= defaults
    text = runner.invoke(app, ["members", "--year", "2024"]).output
    assert "Stances used (origin: UNGA" in text and "default = the elected-member default" in text
    run = runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "200"]).output
    assert "Stances used (origin: UNGA" in run and "default =" not in run


def test_measures_lists_every_type_with_fields_and_effect():
    catalogue = measure_catalogue()
    assert [entry["type"] for entry in catalogue] == MEASURE_TYPES
    for entry in catalogue:
        assert entry["effect"] and entry["summary"]
        for field in entry["fields"]:
            assert field["description"], (entry["type"], field["name"])
    text = runner.invoke(app, ["measures"]).output
    assert "refined_petroleum_cap" in text and "barrels a year" in text


def test_a_cap_raised_and_a_sponsor_against_its_own_draft_are_warned_about(write_scenario):
    text = MINIMAL.replace("to = 3_000_000", "to = 5_000_000")
    result = runner.invoke(app, ["run", str(write_scenario(text)), "-n", "100"])
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "raises the cap (4,000,000 -> 5,000,000)" in result.stderr
    against = (
        MINIMAL.replace('sponsors = ["USA"]', 'sponsors = ["RUS"]')
        + """
[decision]
sponsor_affinity = 0.0

[members.RUS]
pressure = 0.0
reciprocity = 1.0
veto_cost = 0.0
"""
    )
    result = runner.invoke(app, ["run", str(write_scenario(against, "against.toml")), "-n", "100"])
    assert "RUS is predicted to vote against its own draft" in result.stderr


def test_a_council_without_one_of_the_five_is_warned_about(write_scenario):
    """A what-if council may leave out China; the run goes on, and says that only four members
    then hold a veto (found by a user test: it ran with four and said nothing)."""
    four = MINIMAL.replace(
        "year = 2022",
        'members = ["FRA", "RUS", "GBR", "USA", "ALB", "ARE", "BRA", "GAB", "GHA", "IND", "IRL", "KEN", "MEX", "NOR", "CHE"]',
    )
    result = runner.invoke(app, ["run", str(write_scenario(four)), "-n", "100"])
    assert result.exit_code == 0, result.output
    assert "council: no CHN: this council seats 4 of the Charter's five permanent members" in result.stderr
    full = runner.invoke(app, ["run", str(write_scenario(MINIMAL, "full.toml")), "-n", "100"])
    assert "permanent members" not in full.stderr


def test_run_says_when_a_scenario_lies_beyond_the_record_it_was_fitted_to(write_scenario):
    """A 2024 draft: after the latest decision of the shipped fit, and with the 2019 General
    Assembly estimates standing in for 2024's; a 2017 decision is neither."""
    from sim.council import beyond_record
    from sim.parameters import fitted_record_end

    end = fitted_record_end()
    assert end is not None
    later = write_scenario(MINIMAL.replace("year = 2022", "year = 2024").replace("2022-05-26", "2024-03-28"))
    beyond = beyond_record(load_scenario(later))
    assert beyond == {"record_through": end, "after_record": True, "stances_carried_forward_from": [2019]}
    text = runner.invoke(app, ["run", str(later), "-n", "200"]).stdout
    assert f"Beyond the record: the model's parameters were fitted to decisions up to {end}" in text
    assert "the estimates of 2019 carried forward" in text

    within = RES_2397
    assert beyond_record(load_scenario(within)) == {
        "record_through": end,
        "after_record": False,
        "stances_carried_forward_from": [],
    }
    text = runner.invoke(app, ["run", str(within), "-n", "200"]).stdout
    assert "Beyond the record" not in text and "carried forward" not in text
    # the JSON carries it too
    data = json.loads(runner.invoke(app, ["run", str(later), "-n", "200", "--json"]).stdout)
    assert data["council"]["beyond_record"]["after_record"] is True


def test_a_cap_in_the_wrong_unit_and_a_record_of_another_day_are_warned_about(write_scenario):
    """4 to 3 barrels reads like 4M to 3M (the cut is a ratio), but 4,000,000 to 2 is a ban: a cap
    below 1,000 barrels a year is flagged. A record dated otherwise than context.date is scored
    on the scenario's day, which the user should know."""
    text = MINIMAL.replace("to = 3_000_000", "to = 2") + (
        '\n[history]\nsymbol = "x"\ndate = "2022-05-27"\nsource = "y"\noutcome = "adopted"\n'
    )
    result = runner.invoke(app, ["validate", str(write_scenario(text))])
    assert result.exit_code == 0
    assert "proposal.measures.0.to: 2 barrels a year: caps are in barrels" in result.stderr
    assert "proposal.measures.0.from" not in result.stderr  # 4,000,000 is plausible
    assert "history.date: the record is dated 2022-05-27 and the scenario 2022-05-26" in result.stderr
    plain = runner.invoke(app, ["validate", str(write_scenario(MINIMAL, "plain.toml"))])
    assert plain.exit_code == 0 and "warning" not in plain.stderr
