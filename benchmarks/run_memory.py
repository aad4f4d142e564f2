"""Peak memory of ``unsc-sim run`` per lane: what ``run --help`` promises.

    python benchmarks/run_memory.py [--replicates N] [--out] [--json]

Runs ``unsc-sim run scenarios/history/2022-05-26-s-2022-431.toml -n N --seed 1`` (default N =
20,000,000, the documented maximum) in a subprocess, and the same with ``-n 1000`` as the
baseline (interpreter, numpy, pandas, Mesa). Each measurement runs under a fresh wrapper process
that waits for the command and reads ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``, so every
peak is that command's alone. Reports the peak resident set of each, and bytes per lane:
``(peak(N) - peak(1000)) / (N - 1000)``. ``--out`` also measures ``--out lanes.parquet`` (in a
temporary directory).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "history" / "2022-05-26-s-2022-431.toml"
BASELINE = 1_000

WRAPPER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, kB on Linux
print(json.dumps({"returncode": code, "peak_bytes": usage.ru_maxrss * scale,
                  "seconds": time.perf_counter() - started}))
"""


def command(replicates: int, out: Path | None = None) -> list[str]:
    executable = shutil.which("unsc-sim")
    base = [executable] if executable else [sys.executable, "-m", "sim"]
    args = [*base, "run", str(SCENARIO), "-n", str(replicates), "--seed", "1"]
    return args + (["--out", str(out)] if out is not None else [])


def measure(replicates: int, out: Path | None = None) -> dict:
    """Peak RSS of one ``unsc-sim run`` in its own process tree."""
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command(replicates, out)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(done.stdout)
    if result["returncode"] != 0:
        raise SystemExit(f"unsc-sim run -n {replicates} failed with exit code {result['returncode']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", "-n", type=int, default=20_000_000)
    parser.add_argument("--out", action="store_true", help="also measure run --out lanes.parquet")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()

    report: dict = {
        "scenario": str(SCENARIO.relative_to(ROOT)),
        "replicates": options.replicates,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }
    baseline = measure(BASELINE)
    report["baseline_peak_mb"] = round(baseline["peak_bytes"] / 1e6, 1)
    cases = [("run", None)]
    with tempfile.TemporaryDirectory() as directory:
        if options.out:
            cases.append(("run_out_parquet", Path(directory) / "lanes.parquet"))
        for name, out in cases:
            result = measure(options.replicates, out)
            extra = result["peak_bytes"] - baseline["peak_bytes"]
            report[f"{name}_peak_mb"] = round(result["peak_bytes"] / 1e6, 1)
            report[f"{name}_bytes_per_lane"] = round(extra / (options.replicates - BASELINE), 1)
            report[f"{name}_seconds"] = round(result["seconds"], 1)
    if options.json:
        print(json.dumps(report, indent=2))
        return
    print(f"unsc-sim run {report['scenario']} -n {options.replicates:,} (Python {report['python']})")
    print(f"  baseline (-n {BASELINE:,}): peak {report['baseline_peak_mb']:,.0f} MB")
    for name, _ in cases:
        print(
            f"  {name}: peak {report[f'{name}_peak_mb']:,.0f} MB, "
            f"{report[f'{name}_bytes_per_lane']:.0f} bytes per lane above the baseline, "
            f"{report[f'{name}_seconds']:.1f} s"
        )


if __name__ == "__main__":
    main()
