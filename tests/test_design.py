"""Sweep designs: parsing --param specs against the scenario schema, grids, random and
Latin-hypercube samples."""

import numpy as np
import pytest

from sim.cli.common import SWEEP_FLAGS, as_flags
from sim.sweep.design import (
    DesignError,
    Parameter,
    build_design,
    key_info,
    latin_hypercube,
    parse_param_option,
    parse_parameter,
)


def library_problems(call) -> list[str]:
    with pytest.raises(DesignError) as caught:
        call()
    return caught.value.problems


def problems(call) -> list[str]:
    """The problems as ``unsc-sim sweep`` prints them (the library names arguments)."""
    return [as_flags(problem, SWEEP_FLAGS) for problem in library_problems(call)]


def test_the_library_names_arguments_and_the_command_line_its_options():
    [message] = library_problems(lambda: parse_param_option("members.CHN.pressure=0:1:0", "grid"))
    assert message == "params members.CHN.pressure: count must be at least 1, got 0"
    assert as_flags(message, SWEEP_FLAGS) == "--param members.CHN.pressure: count must be at least 1, got 0"
    [message] = library_problems(lambda: build_design([], "grid"))
    assert "`params` KEY=VALUES" in message and "--" not in message
    assert "give --param KEY=VALUES or a [sweep] table" in as_flags(message, SWEEP_FLAGS)


# ------------------------------------------------------------------------------- key paths


@pytest.mark.parametrize(
    "key, kind",
    [
        ("members.CHN.pressure", "float"),
        ("members.CHN.pressure.low", "float"),
        ("members.CHN.ties.RUS", "float"),
        ("context.great_power_tension", "float"),
        ("context.icbm_launch", "bool"),
        ("context.talks_under_way", "bool"),
        ("proposal.draft", "choice"),
        ("proposal.kind", "choice"),
        ("proposal.title", "text"),
        ("negotiation.rounds", "int"),
        ("decision.noise_scale", "float"),
    ],
)
def test_keys_resolve_against_the_schema(key, kind):
    assert key_info(key).kind == kind


def test_choice_keys_know_their_options():
    assert key_info("proposal.draft").choices == ("first", "final")
    assert key_info("proposal.kind").choices == ("resolution", "procedural", "committee", "statement")


@pytest.mark.parametrize(
    "key, fragment",
    [
        ("members.CHN.presure", "unknown key 'presure' under members.CHN"),
        ("context.launches", "unknown key 'launches' under context"),
        ("contxt.great_power_tension", "unknown key 'contxt'"),
        ("members.china.pressure", "'china' under members is not a member code"),
        ("context", "is a table; name a value inside it (e.g. context.great_power_tension)"),
        ("members.CHN", "is a table; name a value inside it (e.g. members.CHN.pressure)"),
        ("proposal.measures.x.to", "proposal.measures is a list; name an item by its position"),
        ("proposal.sponsors", "is a list"),
        ("history.outcome", "cannot be swept: history is the real record"),
        ("context.great_power_tension.x", "is a single value and has no key 'x'"),
        ("context.ballistic_launches", "unknown key 'ballistic_launches' under context"),
        ("negotiation.strategy", "unknown key 'strategy' under negotiation"),
        ("members..pressure", "not a key path"),
    ],
)
def test_bad_keys_are_named_with_what_is_wrong(key, fragment):
    [message] = problems(lambda: key_info(key))
    assert message.startswith(key) or message.startswith(repr(key))
    assert fragment in message


# ---------------------------------------------------------------------------------- specs


def test_grid_spec_includes_both_ends_with_tidy_values():
    parameter = parse_parameter("members.CHN.pressure", "0:1:21", "grid")
    assert len(parameter.values) == 21
    assert parameter.values[0] == 0.0 and parameter.values[-1] == 1.0
    assert parameter.values[3] == 0.15  # not 0.15000000000000002
    assert all(isinstance(v, float) for v in parameter.values)


def test_integer_keys_stay_integers():
    parameter = parse_parameter("negotiation.rounds", "0:40:5", "grid")
    assert parameter.values == (0, 10, 20, 30, 40)
    assert all(type(v) is int for v in parameter.values)
    assert parse_parameter("negotiation.rounds", "1,2,10", "grid").values == (1, 2, 10)
    assert parse_parameter("negotiation.rounds", [3, 7], "grid").values == (3, 7)
    assert all(type(v) is int for v in parse_parameter("negotiation.rounds", [3.0, 7], "grid").values)


def test_lists_bools_and_choices():
    assert parse_parameter("context.icbm_launch", "true,false", "grid").values == (True, False)
    assert parse_parameter("proposal.draft", "first, final", "grid").values == ("first", "final")
    assert parse_parameter("proposal.kind", ["resolution", "statement"], "grid").values == (
        "resolution",
        "statement",
    )
    assert parse_parameter("members.CHN.pressure", "0.2", "grid").values == (0.2,)
    assert parse_parameter("members.CHN.pressure", 0.2, "grid").values == (0.2,)


@pytest.mark.parametrize(
    "option, fragment",
    [
        ("members.CHN.pressure=0:1:0", "--param members.CHN.pressure: count must be at least 1, got 0"),
        ("members.CHN.pressure=0:1:-3", "--param members.CHN.pressure: count must be at least 1"),
        (
            "members.CHN.pressure=0:x:3",
            "--param members.CHN.pressure: expected start:stop:count with numbers",
        ),
        ("members.CHN.pressure=0:1:2.5", "--param members.CHN.pressure: count must be a whole number"),
        ("members.CHN.pressure=a,b", "--param members.CHN.pressure: 'a' is not a number"),
        (
            "members.CHN.pressure=0:1",
            "--param members.CHN.pressure: bounds low:high are for --design random or lhs",
        ),
        ("members.CHN.pressure=", "--param members.CHN.pressure: no values given"),
        ("members.CHN.pressure=0.1,,0.2", "an empty item"),
        ("negotiation.rounds=0:40:7", "negotiation.rounds takes whole numbers"),
        ("negotiation.rounds=2.5", "negotiation.rounds takes whole numbers, got '2.5'"),
        ("proposal.draft=0:1:3", "a range needs a numeric key; proposal.draft takes text"),
        ("proposal.draft=first,maybe", "'maybe' is not one of first, final"),
        (
            "context.talks_under_way=0:1:3",
            "a range needs a numeric key; context.talks_under_way takes true or false",
        ),
        ("context.icbm_launch=yes", "context.icbm_launch is true or false, got 'yes'"),
        ("members.CHN.pressure", "expected KEY=VALUES"),
        ("members.CHN.presure=0:1:3", "unknown key 'presure'"),
    ],
)
def test_bad_specs_get_one_line_naming_the_key(option, fragment):
    [message] = problems(lambda: parse_param_option(option, "grid"))
    assert fragment in message
    assert any(head in message for head in ("members.CHN", "context.", "negotiation.", "proposal."))


def test_bounds_belong_to_sampled_designs():
    parameter = parse_param_option("members.CHN.pressure=0.2:0.8", "lhs")
    assert (parameter.low, parameter.high) == (0.2, 0.8)
    [message] = problems(lambda: parse_param_option("members.CHN.pressure=0:1:21", "lhs"))
    assert "--design lhs takes bounds low:high" in message
    [message] = problems(lambda: parse_param_option("members.CHN.pressure=0.8:0.2", "random"))
    assert "low must not exceed high" in message
    [message] = problems(lambda: parse_param_option("negotiation.rounds=0:2.5", "lhs"))
    assert "takes whole numbers" in message


def test_design_level_problems():
    pressure = parse_param_option("members.CHN.pressure=0:1:3", "grid")
    assert "required for the lhs design" in problems(lambda: build_design([pressure], "lhs"))[0]
    assert "applies to --design random or lhs" in problems(lambda: build_design([pressure], "grid", 10))[0]
    assert "given twice" in problems(lambda: build_design([pressure, pressure], "grid"))[0]
    assert "no parameters to sweep" in problems(lambda: build_design([], "grid"))[0]
    wide = [parse_param_option(f"members.{c}.pressure=0:1:101", "grid") for c in ("CHN", "RUS", "USA")]
    assert "more than 1,000,000" in problems(lambda: build_design(wide, "grid"))[0]


# -------------------------------------------------------------------------------- designs


def test_grid_is_the_cartesian_product_first_key_slowest():
    design = build_design(
        [
            parse_param_option("members.CHN.pressure=0:1:3", "grid"),
            parse_param_option("negotiation.rounds=0,20", "grid"),
        ],
    )
    points = design.points(seed=0)
    assert design.size == len(points) == 6
    assert points[:3] == [
        {"members.CHN.pressure": 0.0, "negotiation.rounds": 0},
        {"members.CHN.pressure": 0.0, "negotiation.rounds": 20},
        {"members.CHN.pressure": 0.5, "negotiation.rounds": 0},
    ]
    assert design.points(seed=99) == points  # a grid does not depend on the seed


def test_latin_hypercube_has_one_point_per_stratum_in_every_dimension():
    unit = latin_hypercube(np.random.default_rng(1), 40, 3)
    assert unit.shape == (40, 3) and np.all((unit >= 0) & (unit < 1))
    for j in range(3):
        assert sorted(np.floor(unit[:, j] * 40).astype(int)) == list(range(40))


def test_lhs_design_values_within_bounds_stratified_and_seeded():
    parameters = [
        parse_param_option("members.CHN.pressure=0.2:0.7", "lhs"),
        parse_param_option("negotiation.rounds=0:4", "lhs"),
        parse_param_option("proposal.draft=first,final", "lhs"),
    ]
    design = build_design(parameters, "lhs", samples=50)
    points = design.points(seed=7)
    pressure = np.array([p["members.CHN.pressure"] for p in points])
    rounds = [p["negotiation.rounds"] for p in points]
    drafts = [p["proposal.draft"] for p in points]
    assert len(points) == 50
    assert np.all((pressure >= 0.2) & (pressure <= 0.7))
    # one sample in each of the 50 strata of the pressure range
    assert sorted(np.floor((pressure - 0.2) / 0.5 * 50).astype(int)) == list(range(50))
    # integers stay integers, each of 0..4 exactly 50 / 5 times; each choice exactly 25 times
    assert all(type(v) is int for v in rounds)
    assert sorted(set(rounds)) == [0, 1, 2, 3, 4] and all(rounds.count(v) == 10 for v in range(5))
    assert drafts.count("first") == drafts.count("final") == 25
    assert design.points(seed=7) == points
    assert design.points(seed=8) != points


def test_random_design_is_within_bounds_and_seeded():
    design = build_design([parse_param_option("decision.noise_scale=0.5:2", "random")], "random", 200)
    values = np.array([p["decision.noise_scale"] for p in design.points(3)])
    assert np.all((values >= 0.5) & (values <= 2))
    assert 0.3 < np.std(values) < 0.6  # uniform on [0.5, 2] has sd 0.43
    assert design.points(3) == design.points(3) and design.points(3) != design.points(4)


def test_parameters_describe_themselves_for_metadata():
    assert Parameter("k", "float", values=(0.1, 0.2)).describe() == {"key": "k", "values": [0.1, 0.2]}
    assert Parameter("k", "int", low=0, high=4).describe() == {
        "key": "k",
        "low": 0,
        "high": 4,
        "integer": True,
    }
    design = build_design([parse_param_option("members.CHN.pressure=0:1", "lhs")], "lhs", 12)
    assert design.describe() == {"name": "lhs", "settings": {"points": 12, "samples": 12}}


def test_measure_magnitudes_can_be_swept_by_position():
    from sim.sweep.design import key_info

    info = key_info("proposal.measures.0.to")
    assert info.kind == "float"
    assert key_info("proposal.measures.1.from").kind == "float"  # the file's name, not from_
    with pytest.raises(DesignError, match="no measure type has a key 'tonnes'"):
        key_info("proposal.measures.0.tonnes")
    with pytest.raises(
        DesignError, match=r"name an item by its position from 0 \(e.g. proposal.measures.0\)"
    ):
        key_info("proposal.measures.first.to")
