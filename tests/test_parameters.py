"""The global parameters declared as data: one declaration per name, shipped values from the
file calibrate writes, and that file's round trip."""

import tomllib
from dataclasses import fields

import pytest

from sim.parameters import (
    FITTED,
    PARAMETER_SPECS,
    SPECS,
    ModelParameters,
    default_parameters,
    parameters_text,
    prior_parameters,
)


def test_every_declared_parameter_is_a_field_and_nothing_else():
    assert [f.name for f in fields(ModelParameters)] == [spec.name for spec in PARAMETER_SPECS]
    for spec in PARAMETER_SPECS:
        assert spec.low <= spec.prior_center <= spec.high, spec.name
        assert spec.prior_sd > 0 and spec.doc, spec.name


def test_the_shipped_values_are_the_fitted_ones_within_bounds():
    shipped = default_parameters()
    from importlib import resources

    header = resources.files("sim.data").joinpath("parameters.toml").read_text(encoding="utf-8")
    assert f"# {len(FITTED)} numbers fitted to 32 decisions" in header  # the file is of this model
    for name in FITTED:
        value = getattr(shipped, name)
        assert SPECS[name].low <= value <= SPECS[name].high, name
    for spec in PARAMETER_SPECS:
        if not spec.fitted:
            assert getattr(shipped, spec.name) == spec.prior_center, spec.name


def test_the_parameters_file_round_trips_and_unknown_names_are_refused():
    values = {"stake_weight": 12.5, "noise_scale": 0.75}
    text = parameters_text(values, ["a header"])
    parsed = tomllib.loads(text)["parameters"]
    assert parsed["stake_weight"] == 12.5 and parsed["noise_scale"] == 0.75
    assert parsed["consensus_norm"] == SPECS["consensus_norm"].prior_center
    assert text.startswith("# a header")
    assert "fit" not in tomllib.loads(text)  # no date given, none written
    dated = tomllib.loads(parameters_text(values, ["a header"], record_through="2022-05-26"))
    assert dated["fit"] == {"record_through": "2022-05-26"}
    assert dated["parameters"] == parsed
    with pytest.raises(KeyError, match="unknown model parameters: nope"):
        prior_parameters().with_values({"nope": 1.0})


def test_a_malformed_fit_date_is_one_error_naming_the_file_and_key(monkeypatch):
    import sim.parameters as parameters
    from sim.errors import InputError

    monkeypatch.setattr(parameters, "_shipped_file", lambda: {"fit": {"record_through": "May 2022"}})
    with pytest.raises(InputError) as raised:
        parameters.fitted_record_end()
    assert raised.value.problems == [
        "sim/data/parameters.toml: fit.record_through: expected a date YYYY-MM-DD or YYYY-MM, got 'May 2022'"
    ]
    monkeypatch.setattr(parameters, "_shipped_file", lambda: {"parameters": {}})
    assert parameters.fitted_record_end() is None  # a file that does not say: nothing claimed
