"""Throughput and memory of the sweep engine, against what a Mesa user would write.

    python benchmarks/sweep_throughput.py [--json] [--big-lanes N] [--repeats K]

All figures are for one core (one process, ``workers=1``), on the S/2022/431 scenario
(``scenarios/history/2022-05-26-s-2022-431.toml``). A *decision* is one lane: one council
deciding the draft. A *single-round* decision is one with ``proposal.draft = "first"`` and
``negotiation.rounds = 1``: one round of talks in which the penholder canvasses the council and
may soften its text, then the vote (fifteen noisy votes and the Charter rule), counted into the
sweep table. (The history file's draft is "final", which has no rounds of talks.)

- ``engine_decisions_per_s``: ``run_sweep`` over 11 values of ``members.CHN.pressure`` x
  200,000 replicates (2.2M single-round decisions), table and unit files written; best of K.
- ``batch_run_decisions_per_s``: ``mesa.batch_run`` of a model class wrapping one lane (the
  same CouncilModel with ``lanes=1`` and a DataCollector recording the outcome),
  ``iterations=N``, ``number_processes=1``, single-round; best of K.
- ``ratio``: the first over the second.
- ``rounds_10_decisions_per_s``: as the engine figure with ``negotiation.rounds = 10``.
- ``rounds_10_random_stances_decisions_per_s``: the same with every member's pressure drawn per
  lane (uniform within +-0.05 of its value: from the preset or the file, else derived from its
  General Assembly position), so that nothing is shared between lanes and every round costs per
  lane: the engine's worst case.
- ``peak_mb``: peak resident memory of a separate process running a 10-million-lane sweep
  (20 points x 500,000 replicates, the scenario as written: a final draft, no rounds of talks),
  whole process included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import mesa  # noqa: E402
import numpy as np  # noqa: E402

from sim.model import CouncilModel  # noqa: E402
from sim.rules import OUTCOME_LABELS  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.stances import derived_pressure  # noqa: E402
from sim.sweep import load_sweep, run_sweep  # noqa: E402

SCENARIO = ROOT / "scenarios" / "history" / "2022-05-26-s-2022-431.toml"
SINGLE_ROUND = ["proposal.draft=first", "negotiation.rounds=1"]
TEN_ROUNDS = ["proposal.draft=first", "negotiation.rounds=10"]
CHINA_GRID = "members.CHN.pressure=0:1:11"


class OneLaneCouncil(CouncilModel):
    """One council per model instance, as a Mesa user would batch_run it."""

    def __init__(self, scenario, rng=None):
        super().__init__(scenario, lanes=1, rng=rng, collect=False)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "outcome": lambda m: OUTCOME_LABELS[int(m.outcome.outcome[0])] if m.outcome else ""
            }
        )

    def step(self):
        super().step()
        self.datacollector.collect(self)


def engine_rate(scenario: Path, params: list[str], replicates: int, repeats: int) -> float:
    """Best decisions per second of ``run_sweep`` over ``repeats`` runs."""
    best = 0.0
    for _ in range(repeats):
        sweep = load_sweep(scenario, params, replicates=replicates, seed=1)
        with tempfile.TemporaryDirectory() as directory:
            report = run_sweep(sweep, Path(directory) / "bench.parquet")
        best = max(best, report.decisions_per_s)
    return best


def batch_run_rate(iterations: int, repeats: int) -> float:
    """Best decisions per second of mesa.batch_run, one lane per model instance."""
    scenario = load_scenario(SCENARIO, overrides={"proposal.draft": "first", "negotiation.rounds": 1})
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        rows = mesa.batch_run(
            OneLaneCouncil,
            parameters={"scenario": scenario},
            iterations=iterations,
            number_processes=1,
            data_collection_period=-1,
            display_progress=False,
        )
        seconds = time.perf_counter() - started
        decided = sum(1 for row in rows if row["outcome"])
        assert decided == iterations, (decided, iterations)
        best = max(best, decided / seconds)
    return best


def random_stances_file(directory: Path) -> Path:
    """The scenario with every member's pressure drawn per lane around its value (given, or
    derived from its General Assembly position as the model derives it)."""
    scenario = load_scenario(SCENARIO)
    params = scenario.parameters
    lines = [SCENARIO.read_text()]
    for member in scenario.members:
        if "pressure" in member.stances:
            center = member.stances["pressure"].center
        else:
            center = float(derived_pressure(member.position, params))
        low, high = max(0.0, center - 0.05), min(1.0, center + 0.05)
        lines.append(f"\n[members.{member.code}]\npressure = {{ low = {low:.4f}, high = {high:.4f} }}\n")
    path = directory / "random-stances.toml"
    path.write_text("".join(lines))
    return path


def big_sweep_child(lanes: int) -> None:
    """Run in a fresh process: a ``lanes``-lane sweep; print its figures as JSON."""
    points = 20
    sweep = load_sweep(SCENARIO, [f"members.CHN.pressure=0:1:{points}"], replicates=lanes // points, seed=1)
    with tempfile.TemporaryDirectory() as directory:
        report = run_sweep(sweep, Path(directory) / "big.parquet")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "lanes": report.lanes,
                "seconds": report.seconds,
                "decisions_per_s": report.decisions_per_s,
                "peak_mb": peak_kb / 1024,
            }
        )
    )


def big_sweep(lanes: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--big-child", str(lanes)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs (default 3)")
    parser.add_argument("--replicates", type=int, default=200_000, help="lanes per point (default 200,000)")
    parser.add_argument("--iterations", type=int, default=2_000, help="batch_run iterations (default 2,000)")
    parser.add_argument("--big-lanes", type=int, default=10_000_000, help="lanes of the memory sweep")
    parser.add_argument("--big-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.big_child:
        big_sweep_child(args.big_child)
        return

    engine = engine_rate(SCENARIO, [CHINA_GRID, *SINGLE_ROUND], args.replicates, args.repeats)
    batch = batch_run_rate(args.iterations, args.repeats)
    rounds_10 = engine_rate(SCENARIO, [CHINA_GRID, *TEN_ROUNDS], args.replicates, args.repeats)
    with tempfile.TemporaryDirectory() as directory:
        random_file = random_stances_file(Path(directory))
        rounds_10_random = engine_rate(
            random_file, [CHINA_GRID, *TEN_ROUNDS], args.replicates // 4, args.repeats
        )
    big = big_sweep(args.big_lanes)
    figures = {
        "engine_decisions_per_s": round(engine),
        "batch_run_decisions_per_s": round(batch),
        "ratio": round(engine / batch, 1),
        "rounds_10_decisions_per_s": round(rounds_10),
        "rounds_10_random_stances_decisions_per_s": round(rounds_10_random),
        "peak_mb": round(big["peak_mb"], 1),
        "big_sweep_lanes": big["lanes"],
        "big_sweep_seconds": round(big["seconds"], 2),
        "big_sweep_decisions_per_s": round(big["decisions_per_s"]),
        "scenario": str(SCENARIO.relative_to(ROOT)),
        "single_round": "proposal.draft=first, negotiation.rounds=1; one lane = one decision",
        "engine_lanes": 11 * args.replicates,
        "batch_run_iterations": args.iterations,
        "repeats": args.repeats,
        "cores": 1,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}, mesa {mesa.__version__}",
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"Sweep throughput on {figures['scenario']} (one core; best of {args.repeats})")
    print(f"  engine, single round      {engine:>14,.0f} decisions/s  ({figures['engine_lanes']:,} lanes)")
    print(f"  mesa.batch_run, one lane  {batch:>14,.0f} decisions/s  ({args.iterations:,} iterations)")
    print(f"  ratio                     {engine / batch:>14,.1f} x")
    print(f"  engine, 10 rounds         {rounds_10:>14,.0f} decisions/s")
    print(
        f"  10 rounds, random stances {rounds_10_random:>14,.0f} decisions/s  (nothing shared between lanes)"
    )
    print(
        f"  {big['lanes']:,}-lane sweep: {big['seconds']:.1f} s, "
        f"{big['decisions_per_s']:,.0f} decisions/s, peak memory {big['peak_mb']:,.0f} MB"
    )


if __name__ == "__main__":
    main()
