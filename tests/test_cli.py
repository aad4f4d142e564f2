"""The command line, as a user calls it."""

import json

import pandas as pd
from typer.testing import CliRunner

from sim.cli import app
from sim.results import read_metadata

from .conftest import OIL_CAP_2022, RELIEF_2019, RENEWAL_2019, RES_2397
from .test_bundled_scenarios import FITTED

runner = CliRunner()


def test_run_json_has_the_documented_keys_and_is_reproducible():
    args = ["run", str(OIL_CAP_2022), "--replicates", "2000", "--seed", "1", "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    for key in ("outcomes", "modal_tally", "members", "seed", "replicates", "scenario"):
        assert key in data
    assert data["seed"] == 1 and data["replicates"] == 2000
    assert sum(o["count"] for o in data["outcomes"].values()) == 2000
    assert json.loads(runner.invoke(app, args).stdout) == data


def test_run_table_is_readable(tmp_path):
    # S/RES/2397 at the pinned fitted parameters (not whatever defaults are shipped)
    decision = "\n".join(f"{key.split('.', 1)[1]} = {value!r}" for key, value in FITTED.items())
    path = tmp_path / RES_2397.name
    path.write_text(RES_2397.read_text() + "\n[decision]\n" + decision + "\n")
    result = runner.invoke(app, ["run", str(path), "-n", "1000"])
    assert result.exit_code == 0, result.output
    assert "Most likely outcome: adopted" in result.output
    assert "Modal tally (yes-no-abstain): 15-0-0" in result.output
    assert "China (CHN, P5)" in result.output


def test_run_writes_per_lane_parquet_and_csv_with_metadata(tmp_path):
    for name in ("lanes.parquet", "lanes.csv"):
        out = tmp_path / "sub" / name
        result = runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "500", "--seed", "3", "--out", str(out)])
        assert result.exit_code == 0, result.output
        frame = pd.read_parquet(out) if name.endswith("parquet") else pd.read_csv(out)
        assert len(frame) == 500
        assert {"outcome", "yes", "no", "abstain", "defeated_by", "vote_CHN", "vote_ARE"} <= set(
            frame.columns
        )
        meta = read_metadata(out)
        assert meta["seed"] == 3 and meta["replicates"] == 500 and meta["symbol"] == "S/2022/431"
        assert not list(out.parent.glob("*.part"))


def test_bad_scenario_exits_2_with_one_line_and_writes_nothing(write_scenario, tmp_path):
    from .conftest import MINIMAL

    path = write_scenario(MINIMAL + "\n[members.CHN]\npressure = 1.7\n")
    out = tmp_path / "never.parquet"
    result = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {path}: members.CHN.pressure: must be between 0 and 1, got 1.7"
    assert "Traceback" not in result.output
    assert not out.exists()


def test_run_says_of_what_its_shares_are_where_lanes_were_withdrawn():
    """Withdrawn lanes have no votes: "13-0-2 (44.7% of lanes put to the vote)" read as if 44.7% of
    lanes were voted on where 18.3% were, and members' rows summing to 18.3% (or all 0.0%) went
    unexplained."""
    from sim.rules import rule_for
    from sim.text import format_run

    def outcome(probability: float) -> dict:
        return {"probability": probability, "ci_low": probability, "ci_high": probability, "count": 1}

    member = {"code": "CHN", "name": "China", "permanent": True, "yes": 0.183, "no": 0.0, "abstain": 0.0}
    summary = {
        "scenario": "relief", "scenario_file": "x.toml", "proposal_kind": "resolution", "replicates": 4000,
        "seed": 0, "version": "0", "most_likely_outcome": "withdrawn",
        "outcomes": {"adopted": outcome(0.183), "withdrawn": outcome(0.817)},
        "defeated_by": {}, "modal_tally": "13-0-2", "tallies": {"13-0-2": 0.447, "14-0-1": 0.553},
        "members": [{**member, "defeated": 0.0}],
    }  # fmt: skip
    text = format_run(summary, rule_for("resolution"))
    assert "Modal tally (yes-no-abstain): 13-0-2 (44.7% of the 18.3% of lanes put to the vote)" in text
    assert (
        "withdrawn before a vote in 81.7% of them, so each member's yes, no and abstain add up to 18.3%"
        in text
    )
    summary["outcomes"], summary["most_likely_outcome"] = {"adopted": outcome(1.0)}, "adopted"
    text = format_run(summary, rule_for("resolution"))
    assert "(44.7% of lanes put to the vote)" in text and "withdrawn" not in text
    # a consensus body takes no vote: its tally is of the lanes where the draft was taken up
    text = format_run(summary, rule_for("statement"))
    assert "(44.7% of lanes where the draft was taken up)" in text and "put to the vote" not in text
    result = runner.invoke(app, ["run", str(RELIEF_2019), "-n", "300"])  # withdrawn in every lane
    assert result.exit_code == 0, result.output
    assert (
        "no lane was put to the vote: the draft was withdrawn in every one, so no member voted"
        in result.output
    )


def test_bad_output_extension_is_refused_before_running(tmp_path):
    result = runner.invoke(app, ["run", str(OIL_CAP_2022), "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "must end in .csv or .parquet" in result.stderr


def test_validate_reports_ok_and_problems(write_scenario):
    from .conftest import MINIMAL

    good = runner.invoke(app, ["validate", str(OIL_CAP_2022)])
    assert good.exit_code == 0 and "ok (resolution, 15 members, 4 measures)" in good.output
    single = runner.invoke(app, ["validate", str(RENEWAL_2019)])
    assert single.exit_code == 0 and "ok (resolution, 15 members, 1 measure)" in single.output
    bad = write_scenario(MINIMAL.replace("year = 2022", "year = 1800"))
    result = runner.invoke(app, ["validate", str(OIL_CAP_2022), str(bad)])
    assert result.exit_code == 2 and "council.year: no preset council for 1800" in result.stderr


def test_validate_checks_the_files_sweep_table_as_sweep_would(write_scenario):
    """validate's "ok" means `sweep FILE` will start: a misspelled swept key, a value out of range
    at some point or an lhs design without samples is one line naming the file and the key (it
    said ok, and only sweep refused)."""
    from .conftest import MINIMAL

    def with_sweep(table: str, name: str):
        return write_scenario(MINIMAL + "\n[sweep]\n" + table, name=name)

    cases = {
        'design = "grid"\n[sweep.parameters]\n"members.CHN.presure" = "0:1:3"\n': (
            "sweep.parameters.members.CHN.presure: unknown key 'presure' under members.CHN"
        ),
        '[sweep.parameters]\n"members.CHN.pressure" = "0:1.5:3"\n': (
            "members.CHN.pressure: must be between 0 and 1, got 1.5"
        ),
        'design = "lhs"\n[sweep.parameters]\n"members.CHN.pressure" = "0:1"\n': (
            "sweep.samples: required for the lhs design"
        ),
    }
    for number, (table, expected) in enumerate(cases.items()):
        path = with_sweep(table, f"s{number}.toml")
        result = runner.invoke(app, ["validate", str(path)])
        assert result.exit_code == 2, result.output
        assert "ok (" not in result.stdout
        assert f"error: {path}: " in result.stderr and expected in result.stderr, result.stderr
        assert "Traceback" not in result.output
    good = with_sweep('[sweep.parameters]\n"members.CHN.pressure" = "0:1:3"\n', "good.toml")
    result = runner.invoke(app, ["validate", str(good)])
    assert result.exit_code == 0 and "ok (resolution, 15 members, 1 measure)" in result.stdout


def test_validate_and_run_warn_of_a_council_of_another_year(write_scenario):
    """Valid, but probably not meant: the 2010 members deciding in the situation of 2022. Both
    commands say so on stderr; validate still exits 0."""
    from .conftest import MINIMAL

    path = write_scenario(MINIMAL.replace("year = 2022", "year = 2010"))
    warning = "council.year: the council of 2010 decides on context.date 2022-05-26"
    checked = runner.invoke(app, ["validate", str(path)])
    assert checked.exit_code == 0 and "ok (" in checked.stdout and warning in checked.stderr
    ran = runner.invoke(app, ["run", str(path), "-n", "100"])
    assert ran.exit_code == 0 and warning in ran.stderr
    assert "council.year" not in runner.invoke(app, ["validate", str(write_scenario())]).stderr


def test_run_names_the_quota_of_a_hypothetical_council(write_scenario):
    """A file's council.quota changes the rule, and the rule line says so (it said "nine")."""
    from .conftest import MINIMAL

    path = write_scenario(MINIMAL.replace("year = 2022", "year = 2022\nquota = 6"))
    result = runner.invoke(app, ["run", str(path), "-n", "200", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "on this council 6 affirmative votes (council.quota)" in result.output.splitlines()[2]
    plain = runner.invoke(app, ["run", str(write_scenario()), "-n", "200", "--seed", "1"])
    assert "council.quota" not in plain.output


def test_run_says_when_the_file_adds_a_nuclear_test_or_an_icbm_launch(write_scenario):
    """A what-if provocation shows in the text and the JSON, as an override does."""
    from .conftest import MINIMAL

    path = write_scenario(MINIMAL.replace("[context]", "[context]\nnuclear_test = true\nicbm_launch = true"))
    text = runner.invoke(app, ["run", str(path), "-n", "100"])
    assert text.exit_code == 0, text.output
    assert "(with a nuclear test and an ICBM launch added by the file)" in text.output
    data = json.loads(runner.invoke(app, ["run", str(path), "-n", "100", "--json"]).stdout)
    assert data["council"]["situation"]["added_events"] == ["nuclear_test", "icbm_launch"]
    plain = json.loads(runner.invoke(app, ["run", str(write_scenario()), "-n", "100", "--json"]).stdout)
    assert plain["council"]["situation"]["added_events"] == []
    assert plain["council"]["situation"]["provocation"] < data["council"]["situation"]["provocation"]


def test_members_text_says_what_its_json_says_beyond_the_record():
    """members --year 2024 prints the beyond-record and carried-forward lines, as run does."""
    text = runner.invoke(app, ["members", "--year", "2024"])
    assert text.exit_code == 0, text.output
    assert "General Assembly stances: the estimates of 2019 carried forward" in text.stdout
    assert "Beyond the record" in text.stdout
    assert "Beyond the record" not in runner.invoke(app, ["members", "--year", "2016"]).stdout


def test_power_prints_exact_fractions():
    result = runner.invoke(app, ["power"])
    assert result.exit_code == 0
    assert "421/2145" in result.output and "4/2145" in result.output
    data = json.loads(runner.invoke(app, ["power", "--rule", "procedural", "--json"]).stdout)
    assert {m["shapley_shubik"] for m in data["members"]} == {"1/15"}
    named = runner.invoke(app, ["power", "--year", "2022"])
    assert "IND" in named.output


def test_stance_sources_are_kept_in_outputs(tmp_path):
    from .conftest import SCENARIOS

    out = tmp_path / "whatif.parquet"
    result = runner.invoke(
        app, ["run", str(SCENARIOS / "what-if-china-shifts.toml"), "-n", "300", "--json", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    expected = "hypothetical: from 0.50 toward France's and the UK's (0.82)"
    assert json.loads(result.stdout)["stance_sources"]["CHN"]["pressure"] == expected
    assert read_metadata(out)["stance_sources"]["CHN"]["pressure"] == expected
    # a stance the file does not give keeps where it was derived from
    assert json.loads(result.stdout)["stance_sources"]["RUS"]["pressure"]


def test_written_tables_get_the_usual_file_mode(tmp_path):
    import os

    out = tmp_path / "lanes.csv"
    assert runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "50", "--out", str(out)]).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_option_errors_are_plain_one_line_errors():
    result = runner.invoke(app, ["run", str(OIL_CAP_2022), "--replicates", "0"])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: Invalid value for '--replicates' / '-n': 0 is not in the range 1<=x<=20000000."]
    assert "╭" not in result.stderr


def test_unreadable_and_misnamed_scenario_files(tmp_path):
    garbage = tmp_path / "b.toml"
    garbage.write_bytes(b"\xff\xfe\x00garbage")
    result = runner.invoke(app, ["run", str(garbage)])
    assert (
        result.exit_code == 2
        and result.stderr.strip() == f"error: {garbage}: not UTF-8 text, expected a TOML file"
    )
    text = tmp_path / "scenario.txt"
    text.write_text(OIL_CAP_2022.read_text())
    result = runner.invoke(app, ["run", str(text)])
    assert result.exit_code == 2 and "expected a scenario file ending in .toml" in result.stderr


def test_run_refuses_more_lanes_than_it_can_hold_and_points_to_sweep():
    result = runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "100000000"])
    assert result.exit_code == 2
    assert "100000000 is not in the range 1<=x<=20000000" in result.stderr


def test_a_procedural_vote_has_no_vetoed_column_and_says_why():
    """Under Art. 27(2) no member defeats a draft alone: a 'vetoed' column would read 0.0% for
    everyone, so `run` leaves it out and says that a permanent member's 'no' is any member's."""
    from .conftest import SCENARIOS

    procedural = runner.invoke(
        app, ["run", str(SCENARIOS / "procedural-human-rights-agenda.toml"), "-n", "500"]
    )
    assert procedural.exit_code == 0, procedural.output
    header = next(line for line in procedural.output.splitlines() if line.strip().startswith("member "))
    assert header.split() == ["member", "yes", "no", "abst."]
    assert "no veto on this rule" in procedural.output
    resolution = runner.invoke(app, ["run", str(OIL_CAP_2022), "-n", "500"]).output
    assert "vetoed" in next(line for line in resolution.splitlines() if line.strip().startswith("member "))
