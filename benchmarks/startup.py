"""Start-up time of the command line, as a ratio to ``python -c "import numpy"``.

    python benchmarks/startup.py [--repeats K] [--json]

Times whole processes: ``unsc-sim version`` and ``unsc-sim run
scenarios/history/2022-05-26-s-2022-431.toml -n 10000`` (output discarded), each against
``python -c "import numpy"``. The three commands are timed alternately, round after round, so a
busy machine slows them alike; each figure is the median over ``--repeats`` rounds, and each
ratio the median of the per-round ratios. Targets (issue 11): version <= 1.5x, run <= 4x.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "history" / "2022-05-26-s-2022-431.toml"
TARGETS = {"version": 1.5, "run": 4.0}


def unsc_sim() -> list[str]:
    """The installed script if there is one (what a user runs), else ``python -m sim``."""
    executable = shutil.which("unsc-sim")
    return [executable] if executable else [sys.executable, "-m", "sim"]


def commands() -> dict[str, list[str]]:
    return {
        "numpy": [sys.executable, "-c", "import numpy"],
        "version": [*unsc_sim(), "version"],
        "run": [*unsc_sim(), "run", str(SCENARIO), "-n", "10000"],
    }


def child_environment() -> dict[str, str]:
    """This environment, but letting Python cache bytecode: an installed package has its ``.pyc``
    files (pip compiles them on install), and an editable one writes them on its first run, unless
    ``PYTHONDONTWRITEBYTECODE`` is set, as on some CI machines; there every command would compile
    the whole package from source on every start (about 40 ms of ``run``)."""
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def seconds(command: list[str]) -> float:
    """Wall time of one whole process, from spawn to exit."""
    started = time.perf_counter()
    subprocess.run(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        cwd=ROOT,
        env=child_environment(),
    )
    return time.perf_counter() - started


def measure(repeats: int) -> dict:
    """Alternate the commands ``repeats`` times; medians of times and of per-round ratios."""
    timed: dict[str, list[float]] = {name: [] for name in commands()}
    for command in commands().values():  # one warm-up round: disk caches, .pyc files
        seconds(command)
    for _ in range(repeats):
        for name, command in commands().items():
            timed[name].append(seconds(command))
    report: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "repeats": repeats}
    for name, values in timed.items():
        report[f"{name}_seconds"] = round(statistics.median(values), 3)
    for name in TARGETS:
        ratios = [cmd / base for cmd, base in zip(timed[name], timed["numpy"])]
        report[f"{name}_ratio"] = round(statistics.median(ratios), 2)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    report = measure(options.repeats)
    if options.json:
        print(json.dumps(report, indent=2))
        return
    print(f"python -c 'import numpy': {report['numpy_seconds']:.3f} s (median of {options.repeats})")
    for name, target in TARGETS.items():
        verdict = "ok" if report[f"{name}_ratio"] <= target else "above target"
        print(
            f"unsc-sim {name}: {report[f'{name}_seconds']:.3f} s, {report[f'{name}_ratio']:.2f}x "
            f"(target <= {target}x: {verdict})"
        )


if __name__ == "__main__":
    main()
