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
