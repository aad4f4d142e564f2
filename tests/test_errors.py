"""Every kind of bad input is an InputError carrying one line per problem, so the command line
reports them all the same way (one line each, exit 2)."""

import pytest

from sim.calibrate import CalibrationError
from sim.compare import CompareError
from sim.errors import InputError
from sim.scenario import ScenarioError, load_scenario
from sim.sweep import SweepError
from sim.sweep.design import DesignError


@pytest.mark.parametrize("kind", [ScenarioError, DesignError, CompareError, CalibrationError, SweepError])
def test_each_input_error_keeps_its_problems(kind):
    error = kind(["a.toml: x.y: first", "a.toml: z: second"])
    assert isinstance(error, InputError) and isinstance(error, ValueError)
    assert error.problems == ["a.toml: x.y: first", "a.toml: z: second"]
    assert str(error) == "a.toml: x.y: first\na.toml: z: second"


def test_a_real_scenario_problem_is_caught_as_an_input_error(tmp_path):
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path / "missing.toml")
    assert info.value.problems == [f"{tmp_path / 'missing.toml'}: file not found"]
