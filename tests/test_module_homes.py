"""Issue 11 split compare, calibrate, scenario, plots and report into one module per concept; the
names callers, tests and notebooks imported from the old modules must keep working, and be the
very objects of their new homes (not copies that could drift)."""

import importlib
import subprocess
import sys

import pytest

MOVED = [
    ("sim.scenario", "builtin_members", "sim.presets", "builtin_members"),
    ("sim.scenario", "builtin_councils", "sim.presets", "builtin_councils"),
    ("sim.scenario", "PERMANENT_MEMBERS", "sim.presets", "PERMANENT_MEMBERS"),
    ("sim.scenario", "load_preset", "sim.presets", "load_preset"),
    ("sim.scenario", "_read_toml", "sim.presets", "read_toml"),
    ("sim.scenario", "Scenario", "sim.resolved", "Scenario"),
    ("sim.scenario", "MemberProfile", "sim.resolved", "MemberProfile"),
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
    ("sim.plots", "parameter_label", "sim.plot_labels", "parameter_label"),
    ("sim.report", "reader_text", "sim.report_html", "reader_text"),
]


@pytest.mark.parametrize(("old", "name", "new", "new_name"), MOVED)
def test_a_moved_name_is_still_importable_from_its_old_module(old, name, new, new_name):
    assert getattr(importlib.import_module(old), name) is getattr(importlib.import_module(new), new_name)


def test_an_unknown_name_is_still_an_attribute_error():
    import sim.compare

    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        sim.compare.nothing_here  # noqa: B018


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
