"""The long fuzz run of issue 12: generated scenario files and command lines, counted.

    python tools/fuzz.py [--cases 10000] [--seed 0] [--json]

Half the cases are mutated scenario files (``unsc-sim run FILE -n 50``), half random command
lines (every command but ``ui``), from the generators of ``tests/test_fuzz.py``. Every case must
end with exit code 0 or 2 and no traceback, within ``UNSC_FUZZ_CASE_SECONDS`` (default 60 s;
longer is a hang). Prints the counts (cases, ok, known classes, tracebacks, hangs, time) and
each distinct traceback or hang; exit code 1 if there was any.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from tests.test_fuzz import check_command, check_scenario, command_lines, mutated_scenarios  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="total cases (half of each kind)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()

    counts: Counter = Counter()
    problems: dict[str, str] = {}
    started = time.perf_counter()
    kinds = {
        "scenario files": (mutated_scenarios(), check_scenario),
        "command lines": (command_lines(), check_command),
    }
    with tempfile.TemporaryDirectory(prefix="unsc-fuzz-") as directory:
        workdir = Path(directory)
        for label, (strategy, check) in kinds.items():
            quota = options.cases // 2

            @settings(
                max_examples=quota,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
                derandomize=False,
            )
            @given(strategy)
            def case(value):
                verdict = check(value, workdir)  # noqa: B023 (case runs within this iteration)
                if counts[("all", "cases")] % 500 == 0:
                    print(
                        f"{counts[('all', 'cases')]:,} cases, {time.perf_counter() - started:,.0f} s",
                        file=sys.stderr,
                        flush=True,
                    )
                counts[(label, verdict.kind)] += 1  # noqa: B023
                counts[("all", "cases")] += 1
                if verdict.kind in {"traceback", "hang"}:
                    # one entry per command, option names and kind of problem
                    args = verdict.detail.split("]: ", 1)[0]
                    options = [a for a in args.split("'") if a.startswith("-")]
                    key = f"{verdict.kind} {args.split(',')[0]} {sorted(set(options))} {verdict.detail.split(']: ', 1)[-1][:80]}"
                    problems.setdefault(key, f"{verdict.kind}: {verdict.detail[:2000]}")

            from hypothesis import seed as hypothesis_seed

            hypothesis_seed(options.seed)(case)()
    seconds = time.perf_counter() - started
    summary = {
        "cases": counts[("all", "cases")],
        "by_kind": {f"{label} / {kind}": n for (label, kind), n in sorted(counts.items()) if label != "all"},
        "tracebacks": sum(n for (label, kind), n in counts.items() if kind == "traceback"),
        "hangs": sum(n for (label, kind), n in counts.items() if kind == "hang"),
        "known": sum(n for (label, kind), n in counts.items() if kind.startswith("known:")),
        "seconds": round(seconds, 1),
        "command": " ".join(["python", "tools/fuzz.py", *sys.argv[1:]]),
        "distinct_problems": list(problems.values()),
    }
    if options.json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"{summary['cases']:,} cases in {seconds:,.0f} s: {summary['tracebacks']} tracebacks, "
            f"{summary['hangs']} hangs, {summary['known']} of known classes"
        )
        for key, n in summary["by_kind"].items():
            print(f"  {key}: {n:,}")
        for problem in summary["distinct_problems"]:
            print(f"- {problem}")
    return 1 if summary["tracebacks"] or summary["hangs"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
