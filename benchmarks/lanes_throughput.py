"""Many sweep points at the engine's speed (issue 10 point 5) and the time of a Sobol analysis.

    python benchmarks/lanes_throughput.py [--json] [--points 100000] [--replicates 100]
                                          [--compare-points 2000] [--no-sensitivity]

All on one core (``workers=1``), S/2022/431 as written (a final draft: the vote only), table and
unit files written, on the same machine one after the other:

- ``one_point_decisions_per_s``: the per-point engine on ONE point, 1,000,000 replicates: the
  engine's own speed, with a single model set-up per 50,000 lanes.
- ``lanes_decisions_per_s``: ``--engine lanes``, a random design of ``--points`` points over
  ``members.CHN.pressure`` and ``context.great_power_tension`` x ``--replicates`` replicates
  (default 100,000 x 100 = 10 million decisions).
- ``lanes_setup_per_point_us``: what a point costs beyond its lanes: (wall time - lanes /
  one-point rate) / points, in microseconds.
- ``points_decisions_per_s`` and ``points_setup_per_point_us``: the same for the per-point engine
  on ``--compare-points`` points (default 2,000: it builds a model per point).
- ``sensitivity_seconds``: ``load_sensitivity`` + ``run_sensitivity`` of the README's Sobol
  analysis (10 keys, N = 16,384, 100 replicates: 196,608 points, 19.7 million decisions), with
  ``sensitivity_widest_interval`` (the largest half-width of the 95% intervals of S1 and ST).

Each figure is given on the wall clock and on this process's CPU time (``*_cpu_*``): on a
shared machine the wall clock counts the time other processes hold the core, the CPU time does
not (the engine runs on one thread). Figures vary from run to run (see the README).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.sensitivity import load_sensitivity, run_sensitivity  # noqa: E402
from sim.sweep import load_sweep, run_sweep  # noqa: E402

SCENARIO = ROOT / "scenarios" / "history" / "2022-05-26-s-2022-431.toml"
KEYS = ["members.CHN.pressure=0:1", "context.great_power_tension=0:1"]
SOBOL_KEYS = [
    "members.CHN.pressure=0:1",
    "members.RUS.pressure=0:1",
    "members.USA.pressure=0:1",
    "members.CHN.veto_cost=0:1",
    "members.RUS.veto_cost=0:1",
    "members.CHN.noise=0:0.5",
    "members.RUS.noise=0:0.5",
    "context.great_power_tension=0:1",
    "decision.noise_scale=0.5:2",
    "decision.shared_veto_discount=0:1",
]
SOBOL_SAMPLES, SOBOL_REPLICATES, SOBOL_METRIC = 16_384, 100, "p_vetoed"


def timed_sweep(
    directory: Path, name: str, points: int, replicates: int, engine: str
) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, from planning to the written table; lanes)."""
    started, cpu = time.perf_counter(), time.process_time()
    if points == 1:
        sweep = load_sweep(SCENARIO, ["members.CHN.pressure=0.5"], None, None, replicates, 1, engine=engine)
    else:
        sweep = load_sweep(SCENARIO, KEYS, "random", points, replicates, 1, engine=engine)
    run_sweep(sweep, directory / f"{name}.parquet")
    return time.perf_counter() - started, time.process_time() - cpu, sweep.total_lanes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--compare-points", type=int, default=2_000)
    parser.add_argument("--no-sensitivity", action="store_true")
    args = parser.parse_args()

    figures: dict[str, object] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        seconds, cpu, lanes = timed_sweep(directory, "one", 1, 1_000_000, "points")
        rate, cpu_rate = lanes / seconds, lanes / cpu
        figures["one_point_decisions_per_s"] = round(rate)
        figures["one_point_decisions_per_cpu_s"] = round(cpu_rate)
        for engine, points in (("lanes", args.points), ("points", args.compare_points)):
            if points <= 0:
                continue
            seconds, cpu, lanes = timed_sweep(directory, engine, points, args.replicates, engine)
            figures[f"{engine}_case"] = f"{points:,} points x {args.replicates:,} replicates"
            figures[f"{engine}_seconds"] = round(seconds, 2)
            figures[f"{engine}_cpu_seconds"] = round(cpu, 2)
            figures[f"{engine}_decisions_per_s"] = round(lanes / seconds)
            figures[f"{engine}_decisions_per_cpu_s"] = round(lanes / cpu)
            figures[f"{engine}_setup_per_point_us"] = round(
                1e6 * max(0.0, seconds - lanes / rate) / points, 1
            )
            figures[f"{engine}_setup_per_point_cpu_us"] = round(
                1e6 * max(0.0, cpu - lanes / cpu_rate) / points, 1
            )
        if not args.no_sensitivity:
            started, cpu = time.perf_counter(), time.process_time()
            plan = load_sensitivity(
                SCENARIO, SOBOL_KEYS, "sobol", SOBOL_METRIC, SOBOL_SAMPLES, SOBOL_REPLICATES, 1
            )
            result = run_sensitivity(plan)
            figures["sensitivity_case"] = (
                f"Sobol, {len(SOBOL_KEYS)} keys, N = {SOBOL_SAMPLES:,}, {SOBOL_REPLICATES} replicates: "
                f"{len(plan.sweep.points):,} points, {plan.sweep.total_lanes:,} decisions"
            )
            figures["sensitivity_seconds"] = round(time.perf_counter() - started, 2)
            figures["sensitivity_cpu_seconds"] = round(time.process_time() - cpu, 2)
            figures["sensitivity_widest_interval"] = round(
                float(max(result.indices["S1_conf"].max(), result.indices["ST_conf"].max())), 4
            )
    figures["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, value in figures.items():
            print(f"{name:>34}: {value:,}" if isinstance(value, (int, float)) else f"{name:>34}: {value}")


if __name__ == "__main__":
    main()
