"""Issue 11 split compare, calibrate, scenario, plots and report into one module per concept: each
name has one home, and the old module no longer answers for a name that left it (callers import
it from where it lives)."""

import importlib
import subprocess
import sys

import pytest

REHOMED = [
    ("sim.scenario", "builtin_members", "sim.presets", "builtin_members"),
    ("sim.scenario", "builtin_councils", "sim.presets", "builtin_councils"),
    ("sim.scenario", "PERMANENT_MEMBERS", "sim.presets", "PERMANENT_MEMBERS"),
    ("sim.scenario", "load_preset", "sim.presets", "load_preset"),
    ("sim.scenario", "_read_toml", "sim.presets", "read_toml"),
    ("sim.compare", "BASELINES", "sim.baselines", "BASELINES"),
    ("sim.compare", "baseline_forecasts", "sim.baselines", "baseline_forecasts"),
    ("sim.compare", "positions_on_draft", "sim.baselines", "positions_on_draft"),
    ("sim.compare", "format_report", "sim.text", "format_comparison"),
    ("sim.compare", "describe_record", "sim.text", "describe_record"),
    ("sim.calibrate", "format_calibration", "sim.text", "format_calibration"),
    ("sim.calibrate", "rolling", "sim.rolling", "rolling"),
    ("sim.calibrate", "rolling_summary", "sim.rolling", "rolling_summary"),
    ("sim.calibrate", "DEFAULTS_PATH", "sim.presets", "DEFAULTS_PATH"),
    ("sim.calibrate", "write_defaults", "sim.presets", "write_defaults"),
    ("sim.plots", "plot_sweep", "sim.grid_plots", "plot_sweep"),
]


@pytest.mark.parametrize(("old", "name", "new", "new_name"), REHOMED)
def test_a_name_lives_in_its_new_home_only(old, name, new, new_name):
    assert hasattr(importlib.import_module(new), new_name)
    assert not hasattr(importlib.import_module(old), name)


@pytest.mark.parametrize(
    "first",
    [
        "sim.presets",
        "sim.council_resolver",
        "sim.baselines",
        "sim.rolling",
        "sim.grid_plots",
        "sim.report_html",
        "sim.text",
    ],
)
def test_each_new_module_imports_first_without_a_cycle(first):
    """Each new module imports the old one at its top; the old ones reach back only on use."""
    code = f"import {first}; import sim.scenario, sim.compare, sim.calibrate, sim.plots, sim.report"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_compare_and_calibrate_are_still_callable_modules():
    import sim

    assert callable(sim.compare) and callable(sim.calibrate)
