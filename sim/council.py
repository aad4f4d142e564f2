"""What a scenario's council looks like on the day: every member's stances as the model uses them
(derived ones computed at the scenario's parameters), where each came from, and the situation.

``run`` prints this (and ``--json`` carries it) so that a what-if that changes nothing is seen
to change nothing; ``unsc-sim members`` prints it for any year's council.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.scenario import STANCE_FIELDS, Scenario

SHORT_ORIGIN = {
    "scenario": "file",
    "rule": "rule",
    "default": "default",
    "derived (UNGA)": "UNGA",
}


def _short(origin: str) -> str:
    if origin in SHORT_ORIGIN:
        return SHORT_ORIGIN[origin]
    if origin.startswith("preset sim/data/members.toml"):
        return "preset"
    if origin.startswith("preset "):
        return "preset file"
    if origin.startswith("template "):
        return "like " + origin.removeprefix("template ").removesuffix(" (UNGA)")
    return origin


def member_stances(scenario: Scenario) -> list[dict[str, Any]]:
    """One row per member: each stance's value (its mean where drawn per lane), its origin and
    its source text."""
    from sim.model import CouncilModel

    model = CouncilModel(scenario, lanes=1, rng=0, collect=False)
    rows = []
    for profile, member in zip(scenario.members, model.members):
        row: dict[str, Any] = {"code": profile.code, "name": profile.name, "permanent": profile.permanent}
        for key in STANCE_FIELDS:
            stance = profile.stances.get(key)
            value = stance.center if stance is not None else float(np.mean(getattr(member, key)))
            row[key] = round(float(value), 4)
            row[f"{key}_origin"] = profile.origins.get(key, "scenario")
            if key in profile.sources:
                row[f"{key}_source"] = profile.sources[key]
        row["ideal_pressure"] = round(float(np.mean(member.ideal_pressure)), 4)
        row["human_rights"] = profile.human_rights
        rows.append(row)
    return rows


def council_of_year(year: int, date: str | None = None, label: str | None = None) -> Scenario:
    """A year's council on ``date`` (ISO; default 1 July of the year) with a placeholder draft (a
    panel renewal sponsored by the USA): what ``unsc-sim members`` shows. A bad date raises
    :class:`sim.scenario.ScenarioError` naming ``context.date``; ``label`` names the source in the
    problems (default "year YEAR")."""
    from sim.scenario import scenario_from_dict

    raw = {
        "scenario": {"name": f"The council of {year}"},
        "council": {"year": year},
        "proposal": {
            "kind": "resolution",
            "title": "(none)",
            "sponsors": ["USA"],
            "measures": [{"type": "panel_renewal"}],
        },
        "context": {"date": date or f"{year}-07-01"},
    }
    return scenario_from_dict(raw, label=label or f"year {year}")


def council_summary(scenario: Scenario) -> dict[str, Any]:
    """The stances, the situation on the date and the parameters the file overrides."""
    rows = member_stances(scenario)
    return {
        "situation": scenario.situation.as_dict(),
        "situation_sources": scenario.situation.sources,
        "overridden_parameters": scenario.overridden_parameters,
        "preset_file": scenario.spec.council.preset,
        "stances": rows,
        "beyond_record": beyond_record(scenario),
    }


def beyond_record(scenario: Scenario) -> dict[str, Any]:
    """How far the scenario lies outside what the shipped parameters were fitted to: the date of
    the latest decision of the fit, whether the scenario comes after it, and the years whose
    General Assembly estimates stand in for later years' stances (the table ends in 2019)."""
    from sim.parameters import fitted_record_end
    from sim.situation import parse_date

    end = fitted_record_end()
    carried = sorted(
        {
            p.position.from_year
            for p in scenario.members
            if p.position is not None and p.position.from_year != p.position.year
        }
    )
    return {
        "record_through": end,
        "after_record": end is not None and scenario.situation.date > parse_date(end),
        "stances_carried_forward_from": carried,
    }


def beyond_record_notes(beyond: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of each caution for a scenario that asks the model to extrapolate:
    ``run`` prints them, the report shows them with the situation."""
    notes = []
    if beyond["after_record"]:
        notes.append(
            (
                "Beyond the record",
                f"the model's parameters were fitted to decisions up to {beyond['record_through']} "
                "(the shipped fit), so read these probabilities as an extrapolation; the later "
                "decisions held out in scenarios/held-out/ show where it has gone wrong after the fit "
                '(README: "Held out").',
            )
        )
    if beyond["stances_carried_forward_from"]:
        years = ", ".join(str(y) for y in beyond["stances_carried_forward_from"])
        notes.append(
            (
                "General Assembly stances",
                f"the estimates of {years} carried forward (the table ends there); nothing in them "
                "sees a later change of position.",
            )
        )
    return notes


def stance_legend(rows: list[dict[str, Any]], preset_file: str | None = None) -> str:
    """The line that says what each origin tag of :func:`format_stances` means; "default" is
    named only where a member took the elected-member defaults (a state with no preset)."""
    parts = ["UNGA = derived from the General Assembly record", "preset = sim/data/members.toml"]
    if preset_file:
        parts.append(f"preset file = {preset_file}")
    parts += ["file = this scenario", "like X = template", "rule = salience rule"]
    keys = ("pressure", "reciprocity", "veto_cost", "salience")
    if any(row.get(f"{key}_origin") == "default" for row in rows for key in keys):
        parts.append("default = the elected-member default, judgement (sim/stances.py ELECTED_DEFAULTS)")
    return "  Stances used (origin: " + ", ".join(parts) + "):"


def format_stances(rows: list[dict[str, Any]]) -> list[str]:
    """The stances as text: value with a short origin tag (UNGA, preset, rule, file, like X)."""
    lines = [
        f"  {'member':<30} {'pressure':>15} {'reciprocity':>15} {'veto cost':>15} {'salience':>12} {'ideal':>6}",
    ]
    for row in rows:
        name = f"{row['name']} ({row['code']}{', P5' if row['permanent'] else ''})"
        cells = [
            f"{row[key]:.2f} {_short(row[f'{key}_origin']):<10}"[:15]
            for key in ("pressure", "reciprocity", "veto_cost")
        ]
        salience = f"{row['salience']:.2f} {_short(row['salience_origin'])}"[:12]
        lines.append(
            f"  {name[:30]:<30} {cells[0]:>15} {cells[1]:>15} {cells[2]:>15} {salience:>12} {row['ideal_pressure']:>6.2f}"
        )
    return lines


ADDED_EVENT_NAMES = {"nuclear_test": "a nuclear test", "icbm_launch": "an ICBM launch"}
"""How the situation line names the provocations a file adds on the day (``context``)."""


def format_situation(scenario: Scenario) -> list[str]:
    s = scenario.situation
    marked = set(s.overridden)

    def tag(key: str) -> str:
        if key in marked:
            return " (set by the file)"
        if key in ("provocation", "provocation_record") and s.added_events:
            added = " and ".join(ADDED_EVENT_NAMES.get(kind, kind) for kind in s.added_events)
            return f" (with {added} added by the file)"
        return ""

    return [
        f"  Situation on {s.date.isoformat()}: provocation stock {s.provocation:.2f}{tag('provocation')}, "
        f"record {s.provocation_record:.2f}{tag('provocation_record')}, "
        f"unreciprocated steps {s.unreciprocated_steps:.2f}{tag('unreciprocated_steps')}, "
        f"talks {'under way' if s.talks_under_way else 'not under way'}{tag('talks_under_way')}, "
        f"great-power tension {s.tension:.2f}{tag('tension')}, regime in force {s.status_quo_pressure:.3f}"
        f"{tag('status_quo_pressure')}",
    ]
