"""The rolling forecast with some mechanisms switched off, or with stances from a preset file:
the figures of README's ablation table and of its comparison with the old fitted templates.

    python tools/ablate.py                                   # the model as shipped
    python tools/ablate.py --off shared_veto_discount         # a mechanism held at 0, not fitted
    python tools/ablate.py --preset old-members.toml         # stances from a preset file
    python tools/ablate.py --without deference               # elected members' holds not weighed by need
    python tools/ablate.py --without record-realisation      # a whole stance from the first day
    python tools/ablate.py --set abstention_band=0.16        # a judgement constant set otherwise
    python tools/ablate.py --files                           # also every forecast with its p
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

from sim import context as council_context
from sim import model as council_model
from sim.calibrate import default_params
from sim.compare import by_date
from sim.rolling import rolling, rolling_summary
from sim.scenario import load_scenario

HISTORY = Path(__file__).resolve().parents[1] / "scenarios" / "history"


def _without_deference() -> None:
    """An elected member of a consensus body objects whenever its stake exceeds its objection
    cost, needed or not (the model before elected members weighed a hold by its need)."""

    def thresholds(self, others):
        _, _, cost = self._council_arrays()
        band = np.asarray(self.params.abstention_band, dtype=float)
        shared = np.asarray(self.params.shared_veto_discount, dtype=float)
        discounted = np.maximum(band, cost * (1.0 - shared * others))
        plain = np.maximum(band, cost)
        return np.where(self.sharers[:, None], discounted, np.where(self.blockers[:, None], plain, band))

    council_model.CouncilModel._thresholds_given = thresholds


def _without_record_realisation() -> None:
    """A member's whole pressure stance counts from the first day, however short the DPRK's
    record, none included (the model before stances were realised on the record, December 2026)."""
    original = council_context.ContextEffect.ideal_pressure

    def ideal_pressure(self, pressure, reciprocity):
        whole = dataclasses.replace(self.situation, provocation_record=float("inf"))
        return original(dataclasses.replace(self, situation=whole), pressure, reciprocity)

    council_context.ContextEffect.ideal_pressure = ideal_pressure


def _first_sponsor_norm() -> None:
    """The consensus norm carries only a draft the file's penholder tabled first, not one it
    co-sponsors (the model before December 2026: Japan's S/RES/1695 with the US did not carry it)."""
    council_model.CouncilModel.penholder_sponsors = staticmethod(
        lambda sponsors: sponsors[0] == council_model.file_penholder()
    )


STRUCTURAL = {
    "deference": _without_deference,
    "record-realisation": _without_record_realisation,
    "co-sponsor-norm": _first_sponsor_norm,
}
"""Structural mechanisms ``--without`` can switch off (each by replacing one model method)."""


CONSTANTS = {
    "norm_share": "the share of the provocation reaction common to all members (sim/context.py NORM_SHARE)",
    "record_scale": "the record, in nuclear tests, that realises 63% of a stance (sim/context.py RECORD_SCALE)",
    "weight.icbm_launch": "an ICBM launch's provocation weight (sim/situation.py PROVOCATION_WEIGHTS)",
    "weight.satellite_launch": "a satellite launch's provocation weight",
    "weight.ballistic_launch": "one ballistic missile's provocation weight",
}
"""Judgement constants of the modules ``--set`` may change besides the global parameters (which
it holds at the value given, not fitted)."""


def _set_constant(name: str, value: float) -> None:
    from sim import situation

    if name == "norm_share":
        council_context.NORM_SHARE = value
    elif name == "record_scale":
        council_context.RECORD_SCALE = value
    else:
        situation.PROVOCATION_WEIGHTS[name.removeprefix("weight.")] = value


def _parse_settings(settings: list[str]) -> dict[str, float]:
    from sim.parameters import SPECS

    parsed = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        if name not in SPECS and name not in CONSTANTS:
            raise SystemExit(
                f"--set {setting}: unknown name (global parameters: sim/parameters.py; or {', '.join(CONSTANTS)})"
            )
        try:
            parsed[name] = float(value)
        except ValueError:
            raise SystemExit(f"--set {setting}: expected NAME=NUMBER") from None
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--off", nargs="*", default=[], help="global parameters held at 0 and not fitted")
    parser.add_argument("--preset", help="a stance preset file applied to every decision (council.preset)")
    parser.add_argument(
        "--without",
        nargs="*",
        default=[],
        choices=sorted(STRUCTURAL),
        help="structural mechanisms switched off",
    )
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="a global parameter held at VALUE (not fitted), or a judgement constant: "
        + ", ".join(CONSTANTS),
    )
    parser.add_argument(
        "--files",
        action="store_true",
        help="also list every forecast: date, symbol, predicted outcome, p of the record's outcome",
    )
    args = parser.parse_args()
    settings = _parse_settings(args.set)
    for name, value in settings.items():
        if name in CONSTANTS:
            _set_constant(name, value)
    for name in args.without:
        STRUCTURAL[name]()
    overrides = {"council.preset": str(Path(args.preset).resolve())} if args.preset else None
    scenarios = by_date([load_scenario(path, overrides=overrides) for path in sorted(HISTORY.glob("*.toml"))])
    off = {name: 0.0 for name in args.off}
    off.update({name: value for name, value in settings.items() if name not in CONSTANTS})
    scenarios = [
        dataclasses.replace(s, parameters=s.parameters.with_values(off), situation=None) for s in scenarios
    ]
    unused = (
        {"ga_pressure_mid", "ga_pressure_slope", "ga_dprk_weight", "elected_salience"}
        if args.preset
        else set()
    )
    params = [p for p in default_params() if p.field not in off and p.field not in unused]
    summary = rolling_summary(rolling(scenarios, params))
    print(
        json.dumps(
            {
                "off": args.off,
                "without": args.without,
                "set": settings,
                "preset": args.preset,
                "fitted": len(params),
                "decisions": summary["decisions"],
                "outcomes_right": summary["outcomes_right"],
                "event_log_likelihood": round(summary["event_log_likelihood"], 2),
                "brier": round(summary["brier"], 4),
                "misses": [
                    [f["date"], f["recorded"], f["predicted"]]
                    for f in summary["files"]
                    if not f["outcome_right"]
                ],
                **(
                    {
                        "files": [
                            [f["date"], f["symbol"], f["predicted"], round(f["p_outcome"], 4)]
                            for f in summary["files"]
                        ]
                    }
                    if args.files
                    else {}
                ),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
