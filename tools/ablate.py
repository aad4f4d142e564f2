"""The rolling forecast with some mechanisms switched off, or with stances from a preset file:
the figures of README's ablation table and of its comparison with the old fitted templates.

    python tools/ablate.py                                   # the model as shipped
    python tools/ablate.py --off talks_restraint              # a mechanism held at 0, not fitted
    python tools/ablate.py --preset old-members.toml         # stances from a preset file
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from sim.calibrate import default_params, rolling, rolling_summary
from sim.compare import by_date
from sim.scenario import load_scenario

HISTORY = Path(__file__).resolve().parents[1] / "scenarios" / "history"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--off", nargs="*", default=[], help="global parameters held at 0 and not fitted")
    parser.add_argument("--preset", help="a stance preset file applied to every decision (council.preset)")
    args = parser.parse_args()
    overrides = {"council.preset": str(Path(args.preset).resolve())} if args.preset else None
    scenarios = by_date([load_scenario(path, overrides=overrides) for path in sorted(HISTORY.glob("*.toml"))])
    off = {name: 0.0 for name in args.off}
    scenarios = [
        dataclasses.replace(s, parameters=s.parameters.with_values(off), situation=None) for s in scenarios
    ]
    unused = {"ga_pressure_mid", "ga_pressure_slope", "ga_dprk_weight", "elected_salience"} if args.preset else set()
    params = [p for p in default_params() if p.field not in off and p.field not in unused]
    summary = rolling_summary(rolling(scenarios, params))
    print(json.dumps({
        "off": args.off,
        "preset": args.preset,
        "fitted": len(params),
        "decisions": summary["decisions"],
        "outcomes_right": summary["outcomes_right"],
        "event_log_likelihood": round(summary["event_log_likelihood"], 2),
        "brier": round(summary["brier"], 4),
        "misses": [[f["date"], f["recorded"], f["predicted"]] for f in summary["files"] if not f["outcome_right"]],
    }, indent=2))


if __name__ == "__main__":
    main()
