"""The public API: ``import sim`` stays light, and the README's notebook example runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("mesa", "pandas", "scipy", "matplotlib")


def imported_after(code: str) -> list[str]:
    """The heavy libraries in sys.modules after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.splitlines()[-1])


def test_import_sim_loads_no_heavy_library():
    assert imported_after("import sim; sim.__all__; sim.__version__") == []


@pytest.mark.parametrize("argv", [["version"], ["--help"], ["run", "--help"], ["sweep", "--help"]])
def test_version_and_help_load_no_heavy_library(argv):
    code = (
        f"import sys; sys.argv = ['unsc-sim', *{argv!r}]\n"
        "from sim.cli import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )
    assert imported_after(code) == []


def test_every_public_name_resolves():
    for name in sim.__all__:
        assert getattr(sim, name) is not None, name
    assert set(sim.__all__) <= set(dir(sim))
    with pytest.raises(AttributeError):
        sim.no_such_name  # noqa: B018


def test_the_callable_modules_stay_modules():
    import sim.sweep

    assert callable(sim.sweep) and callable(sim.compare) and callable(sim.calibrate)
    assert sim.sweep.load_sweep.__module__ == "sim.sweep.plan"  # still the package after its import


def readme_python_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Use from Python", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the README's 'Use from Python' section has one python block"
    return blocks[0]


def test_the_readme_example_runs(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(readme_python_example(), "README.md", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "vetoed" in printed and "p_vetoed" in printed
    assert namespace["result"].replicates == 10_000
    table = namespace["table"]
    assert list(table["members.CHN.pressure"]) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert ((table["p_adopted"] + table["p_vetoed"]) <= 1.0 + 1e-12).all()
    assert 0.0 <= namespace["report"].files[0].p_outcome <= 1.0


def test_library_errors_name_arguments_not_flags(tmp_path):
    from sim.sweep import load_sweep, run_sweep

    plan = load_sweep(
        ROOT / "scenarios/history/2022-05-26-s-2022-431.toml", ["members.CHN.pressure=0:1:2"], replicates=10
    )
    with pytest.raises(sim.InputError) as caught:
        run_sweep(plan, tmp_path / "table.txt")
    assert caught.value.problems[0].startswith("out: ") and "--" not in caught.value.problems[0]
    with pytest.raises(sim.InputError) as caught:
        run_sweep(plan, None, per_lane=True)
    assert caught.value.problems[0].startswith("per_lane: ")


def test_sweep_errors_name_arguments_in_python_and_flags_on_the_command_line():
    from typer.testing import CliRunner

    from sim.cli import app

    scenario = ROOT / "scenarios/history/2022-05-26-s-2022-431.toml"
    with pytest.raises(sim.InputError) as caught:
        sim.sweep(scenario, ["members.CHN.pressure=0:1:3"], replicates=0, seed=-1)
    assert caught.value.problems == [
        "replicates: must be at least 1, got 0",
        "seed: must be a non-negative integer, got -1",
    ]
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(scenario),
            "-p",
            "members.CHN.pressure=0:1:3",
            "-n",
            "1000000000",
            "--chunk-lanes",
            "1",
        ],
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --replicates: 3 points x 1,000,000,000 replicates")
    assert "(or larger --chunk-lanes)" in result.stderr


# ------------------------------------------------------------------ argument checks (issue: API hardening)

OIL = str(ROOT / "scenarios/history/2022-05-26-s-2022-431.toml")
RENEWAL = str(ROOT / "scenarios/history/2019-04-10-s-res-2464.toml")
PARAM = "members.CHN.pressure=0:1:3"
REPLICATES = "replicates: must be an integer from 1 to 20,000,000, got "
SEED = "seed: must be a non-negative integer, got "
SCENARIO = "expected a scenario file (str or Path) or a sim.Scenario, got "
NO_FILES = ["scenarios: give at least one scenario file"]


class Ran(Exception):
    """The call got past its checks and started the work."""


@pytest.fixture
def no_work(monkeypatch):
    """Every long computation behind the API raises :class:`Ran` instead of running, so a check
    that is missing fails the test at once instead of allocating or computing."""
    from importlib import import_module

    def refuse(*args, **kwargs):
        raise Ran()

    for module, name in [
        ("sim.runner", "run"),
        ("sim.counts", "run_counts"),
        ("sim.compare", "compare_scenarios"),
        ("sim.calibrate", "calibrate"),
        ("sim.sweep", "run_sweep"),
    ]:
        monkeypatch.setattr(import_module(module), name, refuse)


def test_the_replicate_limit_is_the_command_lines():
    import sim.api
    from sim.cli.common import MAX_RUN_REPLICATES

    assert sim.api.MAX_REPLICATES == MAX_RUN_REPLICATES == 20_000_000


@pytest.mark.parametrize(
    ("call", "replicates"),
    [
        (lambda n: sim.run(OIL, replicates=n), 10**12),
        (lambda n: sim.run(OIL, replicates=n), 20_000_001),
        (lambda n: sim.compare([OIL], replicates=n), 10**9),
        (lambda n: sim.compare([OIL], replicates=n), 10**12),
    ],
    ids=["run-1e12", "run-limit+1", "compare-1e9", "compare-1e12"],
)
def test_huge_replicates_are_refused_at_once_without_allocating(no_work, call, replicates):
    import time
    import tracemalloc

    sim.load_scenario(OIL)  # the imports are paid for before the measurement
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(sim.InputError) as caught:
            call(replicates)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.problems == [f"{REPLICATES}{replicates:,}"]
    assert elapsed < 2.0
    assert peak < 5_000_000


def test_the_limit_itself_is_allowed(no_work):
    with pytest.raises(Ran):
        sim.run(OIL, replicates=20_000_000)
    with pytest.raises(Ran):
        sim.compare([OIL], replicates=20_000_000)


def loaded_oil():
    return sim.load_scenario(OIL)


BAD_ARGUMENTS = {
    "run-replicates-0": (lambda: sim.run(OIL, replicates=0), [REPLICATES + "0"]),
    "run-seed-negative": (lambda: sim.run(OIL, seed=-1), [SEED + "-1"]),
    "run-both": (lambda: sim.run(OIL, replicates=0, seed=-1), [REPLICATES + "0", SEED + "-1"]),
    "run-replicates-str": (lambda: sim.run(OIL, replicates="100"), [REPLICATES + "str '100'"]),
    "run-replicates-float": (lambda: sim.run(OIL, replicates=2.5), [REPLICATES + "2.5"]),
    "run-replicates-bool": (lambda: sim.run(OIL, replicates=True), [REPLICATES + "bool True"]),
    "run-seed-none": (lambda: sim.run(OIL, seed=None), [SEED + "None"]),
    "run-int": (lambda: sim.run(42), ["scenario: " + SCENARIO + "int 42"]),
    "run-none": (lambda: sim.run(None), ["scenario: " + SCENARIO + "None"]),
    "compare-replicates-0": (lambda: sim.compare([OIL], replicates=0), [REPLICATES + "0"]),
    "compare-seed-negative": (lambda: sim.compare([OIL], seed=-1), [SEED + "-1"]),
    "compare-seed-none": (lambda: sim.compare([OIL], seed=None), [SEED + "None"]),
    "compare-item": (lambda: sim.compare([OIL, 42]), ["scenarios[1]: " + SCENARIO + "int 42"]),
    "compare-earlier-item": (
        lambda: sim.compare([OIL], earlier=[None]),
        ["earlier[0]: " + SCENARIO + "None"],
    ),
    "compare-not-a-list": (
        lambda: sim.compare(42),
        ["scenarios: expected a scenario file (str or Path), a sim.Scenario or a list of them, got int 42"],
    ),
    "compare-empty": (lambda: sim.compare([]), NO_FILES),
    "calibrate-empty": (lambda: sim.calibrate([]), NO_FILES),
    "calibrate-empty-tuple": (lambda: sim.calibrate(()), NO_FILES),
    "calibrate-prior-negative": (
        lambda: sim.calibrate([OIL], prior_sd=-1),
        ["prior_sd: must be a finite number of at least 0 (0: no prior), got -1"],
    ),
    "calibrate-prior-nan": (
        lambda: sim.calibrate([OIL], prior_sd=float("nan")),
        ["prior_sd: must be a finite number of at least 0 (0: no prior), got nan"],
    ),
    "calibrate-prior-str": (
        lambda: sim.calibrate([OIL], prior_sd="2"),
        ["prior_sd: must be a finite number of at least 0 (0: no prior), got str '2'"],
    ),
    "calibrate-param-item": (
        lambda: sim.calibrate([OIL], params=["decision.noise_scale", 3]),
        ["params[1]: expected a key such as decision.noise_scale or members.CHN.pressure, got int 3"],
    ),
    "calibrate-rolling-str": (
        lambda: sim.calibrate([OIL], rolling="no"),
        ["rolling: must be True or False, got str 'no'"],
    ),
    "sweep-scenario-object": (
        lambda: sim.sweep(loaded_oil(), [PARAM]),
        [
            "scenario_file: a sweep reads its scenario file (its [sweep] table and keys): give the "
            "file's path (str or Path), not a loaded sim.Scenario"
        ],
    ),
    "sweep-int": (
        lambda: sim.sweep(42),
        ["scenario_file: expected the path of a scenario file (str or Path), got int 42"],
    ),
    "sweep-replicates-str": (
        lambda: sim.sweep(OIL, [PARAM], replicates="100"),
        ["replicates: must be an integer of at least 1, or None (the file's or the default), got str '100'"],
    ),
    "sweep-seed-float": (
        lambda: sim.sweep(OIL, [PARAM], seed=1.5),
        ["seed: must be a non-negative integer, or None (the file's or 0), got 1.5"],
    ),
    "sweep-samples-str": (
        lambda: sim.sweep(OIL, ["members.CHN.pressure=0:1"], design="lhs", samples="8"),
        ["samples: must be an integer of at least 1, or None (the file's), got str '8'"],
    ),
    "sweep-workers-0": (lambda: sim.sweep(OIL, [PARAM], workers=0), ["workers: must be at least 1, got 0"]),
    "sweep-param-item": (
        lambda: sim.sweep(OIL, [PARAM, 7]),
        ["params[1]: expected a KEY=SPEC text such as members.CHN.pressure=0:1:5, got int 7"],
    ),
    "sweep-design-int": (
        lambda: sim.sweep(OIL, [PARAM], design=3),
        ["design: expected one of grid, random, lhs, got int 3"],
    ),
    "sweep-progress-str": (
        lambda: sim.sweep(OIL, [PARAM], progress="yes"),
        ["progress: must be True or False, got str 'yes'"],
    ),
}


@pytest.mark.parametrize("name", BAD_ARGUMENTS)
def test_bad_arguments_are_input_errors_naming_the_argument(no_work, name):
    call, problems = BAD_ARGUMENTS[name]
    with pytest.raises(sim.InputError) as caught:
        call()
    assert caught.value.problems == problems


def test_sweep_range_checks_keep_their_wording(no_work):
    with pytest.raises(sim.InputError) as caught:
        sim.sweep(OIL, [PARAM], replicates=0, seed=-1, samples=None)
    assert caught.value.problems == [
        "replicates: must be at least 1, got 0",
        "seed: must be a non-negative integer, got -1",
    ]


def test_numpy_integers_are_integers():
    import numpy as np

    result = sim.run(OIL, replicates=np.int64(50), seed=np.uint8(1))
    assert result.replicates == 50 and result.seed == 1


def test_every_bad_file_is_named_at_once(no_work, tmp_path):
    first, second = tmp_path / "one.toml", tmp_path / "two.toml"
    with pytest.raises(sim.ScenarioError) as caught:
        sim.compare([first, OIL, second])
    assert caught.value.problems == [f"{first}: file not found", f"{second}: file not found"]


def test_a_single_sweep_param_string_is_one_param():
    table = sim.sweep(OIL, PARAM, replicates=10, seed=1)
    assert list(table["members.CHN.pressure"]) == [0.0, 0.5, 1.0]


@pytest.fixture
def fit_calls(monkeypatch):
    """sim.calibrate's fit replaced by a recorder: the (scenarios, parameter keys, prior_sd) it got."""
    from importlib import import_module

    calls = []

    def record(scenarios, params, prior_sd=2.0, with_rolling=False, **kwargs):
        calls.append(([s.path for s in scenarios], [p.key for p in params], prior_sd))
        return "report"

    monkeypatch.setattr(import_module("sim.calibrate"), "calibrate", record)
    return calls


def test_a_single_calibrate_param_string_is_one_key_or_a_comma_list(fit_calls):
    assert sim.calibrate([OIL], params="decision.noise_scale") == "report"
    assert sim.calibrate(OIL, params="decision.noise_scale, members.CHN.pressure", prior_sd=0) == "report"
    assert fit_calls == [
        ([OIL], ["decision.noise_scale"], 2.0),
        ([OIL], ["decision.noise_scale", "members.CHN.pressure"], 0),
    ]


def test_a_single_scenario_is_a_list_of_one():
    expected = sim.compare([OIL], replicates=200, seed=1).to_dict()
    for single in (OIL, Path(OIL), loaded_oil()):
        assert sim.compare(single, replicates=200, seed=1).to_dict() == expected
    remembered = sim.compare(OIL, replicates=200, seed=1, earlier=RENEWAL).to_dict()
    assert remembered == sim.compare([OIL], replicates=200, seed=1, earlier=[RENEWAL]).to_dict()


def test_sweep_checks_out_before_any_work(no_work, tmp_path):
    (tmp_path / "afile").write_text("")
    (tmp_path / "folder.csv").mkdir()
    cases = {
        tmp_path / "afile" / "x.csv": "is not a directory",
        tmp_path / "x.txt": "must end in .csv or .parquet",
        tmp_path / "folder.csv": "is a directory",
    }
    for out, expected in cases.items():
        for given in (out, str(out)):
            with pytest.raises(sim.InputError) as caught:
                sim.sweep(OIL, [PARAM], replicates=10, out=given)
            [problem] = caught.value.problems
            assert problem.startswith(f"out: {out}: ") and expected in problem
    assert sorted(path.name for path in tmp_path.iterdir()) == ["afile", "folder.csv"]


def test_calibrate_docstring_keys_are_real_keys():
    import sim.api
    from sim.likelihood import parse_params

    keys = re.findall(r'"((?:decision|members)\.[A-Za-z_.]+)"', sim.api.calibrate.__doc__)
    assert keys
    parse_params(keys, [loaded_oil()])


def test_run_docstring_gives_the_types_the_tables_have():
    import pandas as pd

    import sim.api

    result = sim.run(OIL, replicates=100)
    assert isinstance(result.outcome_table(), pd.DataFrame)
    assert isinstance(result.member_table(), pd.DataFrame)
    assert isinstance(result.tallies(), pd.Series)
    doc = " ".join(sim.api.run.__doc__.split())
    assert "``result.outcome_table()`` and ``result.member_table()`` are DataFrames" in doc
    assert "``result.tallies()`` is a Series" in doc
