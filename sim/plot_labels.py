"""The words and colours figures use: vote and outcome colours, labels of swept keys, metrics
and members, tick values.

Shared by every figure module (:mod:`sim.plots`, :mod:`sim.grid_plots`, :mod:`sim.sampled_plots`,
the report and the interactive page), so a key is named the same way everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sim.presets import PERMANENT_MEMBERS, builtin_members
from sim.scenario import ScenarioError, load_scenario

VOTES = ("yes", "no", "abstain", "not_cast")
VOTE_LABELS = {"yes": "yes", "no": "no", "abstain": "abstain", "not_cast": "not put to the vote"}
VOTE_COLOURS = {"yes": "#2e7d32", "no": "#c62828", "abstain": "#f9a825", "not_cast": "#bdbdbd"}
OUTCOME_COLOURS = {
    "adopted": "#2e7d32",
    "vetoed": "#c62828",
    "failed": "#6d4c41",
    "blocked": "#ad1457",
    "withdrawn": "#757575",
}

CONTEXT_LABELS = {
    "date": "Date of the decision",
    "nuclear_test": "Nuclear test on the day (what-if)",
    "icbm_launch": "ICBM launch on the day (what-if)",
    "provocation": "Provocation stock (a nuclear test = 1)",
    "provocation_record": "Provocation record (every test and launch, a nuclear test = 1)",
    "unreciprocated_steps": "Unreciprocated DPRK steps (stock)",
    "talks_under_way": "Talks under way",
    "great_power_tension": "Great-power tension (0-1)",
    "status_quo_pressure": "Pressure of the regime in force (0-1)",
    "status_quo_reciprocity": "Reciprocity of the regime in force (0-1)",
}
"""``[context]`` keys (:class:`sim.scenario.ContextSpec`)."""
STANCE_LABELS = {
    "pressure": "pressure stance (0-1)",
    "reciprocity": "reciprocity stance (0-1)",
    "veto_cost": "veto cost (0-1)",
    "salience": "salience (0-1)",
    "noise": "noise (sd of the vote shock)",
}
PARAMETER_LABELS = {
    "stake_weight": "Weight of the stake (utility per unit of quadratic gain)",
    "consensus_norm": "Consensus norm (utility of going along)",
    "sponsor_affinity": "Weight of ties to the sponsors",
    "noise_scale": "Noise scale (x every member's noise)",
    "provocation_response": "Rise in ideal pressure per unit of provocation",
    "tension_veto_discount": "Discount of objection costs at full tension (0-1)",
    "tension_norm_discount": "Discount of the consensus norm at full tension (0-1)",
    "shared_veto_discount": "Discount of a shared objection's cost (0-1)",
    "ga_pressure_mid": "Pressure stance at UNGA ideal point 0",
    "ga_pressure_slope": "Pressure stance per unit of UNGA ideal point",
    "ga_dprk_weight": "Pressure stance per step of the UNGA DPRK human-rights vote",
    "elected_salience": "Salience of the file to an elected member (0-1)",
    "abstention_band": "Abstention band (utility units)",
    "provocation_half_life_days": "Half-life of a provocation (days)",
    "steps_half_life_days": "Half-life of a DPRK step (days)",
    "softening_step": "Softening per round (share of the text)",
    "min_text_scale": "Weakest text the penholder accepts (0-1)",
    "surprise_share": "Chance of a permanent member's surprise (0-0.5)",
    "surprise_sd": "Size of a surprise (sd, utility)",
}
"""The global model parameters (:data:`sim.parameters.PARAMETER_SPECS`) in words."""
NEGOTIATION_KEYS = ("softening_step", "min_text_scale")
"""Parameters a scenario sets in ``[negotiation]`` rather than ``[decision]``."""
SETTING_LABELS = {
    "negotiation.rounds": "Negotiation rounds before the vote",
    "proposal.draft": "Draft (first: talks happen; final: as voted)",
    **{f"negotiation.{name}": PARAMETER_LABELS[name] for name in NEGOTIATION_KEYS},
    **{f"decision.{name}": label for name, label in PARAMETER_LABELS.items() if name not in NEGOTIATION_KEYS},
}
STANCE_FORMS = {"value": "", "low": "lower bound", "high": "upper bound", "mean": "mean", "sd": "sd"}


SHARE_COLUMN = re.compile(r"^[A-Z]{3}_(yes|no|abstain)$")
"""A sweep table's per-member vote share column, e.g. ``CHN_yes``."""


def member_names(metadata: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Member code -> name: the shipped presets, overridden by the scenario a table names."""
    names = {code: spec.name or code for code, spec in builtin_members().items()}
    scenario_file = (metadata or {}).get("scenario_file")
    if scenario_file and Path(scenario_file).is_file():
        try:
            names.update({m.code: m.name for m in load_scenario(scenario_file).members})
        except ScenarioError:
            pass  # the table still plots; names fall back to the presets
    return names


def mathtext_safe(text: Any) -> str:
    """``text`` as matplotlib should show it literally: every ``$`` escaped, so that a name
    such as ``$x$`` is drawn as written instead of parsed (or failing) as mathtext."""
    return str(text).replace("$", r"\$")


def member_label(code: str, names: Mapping[str, str], permanent: bool | None = None) -> str:
    permanent = code in PERMANENT_MEMBERS if permanent is None else permanent
    name = names.get(code, code)
    return mathtext_safe(f"{name} ({code}, P5)" if permanent else f"{name} ({code})")


def parameter_label(key: str, names: Mapping[str, str] | None = None) -> str:
    """:func:`_parameter_label`, safe to draw (see :func:`mathtext_safe`)."""
    return mathtext_safe(_parameter_label(key, names))


def _parameter_label(key: str, names: Mapping[str, str] | None = None) -> str:
    """A swept key in words with its unit: ``members.CHN.pressure`` -> "China: pressure stance
    (0-1)", ``context.great_power_tension`` -> "Great-power tension (0-1)"."""
    names = names or {}
    parts = key.split(".")
    if parts[0] == "context" and len(parts) == 2 and parts[1] in CONTEXT_LABELS:
        return CONTEXT_LABELS[parts[1]]
    if parts[0] == "members" and len(parts) >= 3:
        who = names.get(parts[1], parts[1])
        stance = STANCE_LABELS.get(parts[2], parts[2].replace("_", " "))
        form = STANCE_FORMS.get(parts[3], parts[3]) if len(parts) > 3 else ""
        return f"{who}: {stance}" + (f", {form}" if form else "")
    if parts[0] == "proposal" and len(parts) == 4 and parts[1] == "measures" and parts[2].isdigit():
        return _measure_field_label(int(parts[2]), parts[3])
    return SETTING_LABELS.get(key, key)


def _measure_field_label(index: int, field: str) -> str:
    """``proposal.measures.0.to`` -> "Measure 1: cap the draft sets, barrels a year" (the field's
    documented meaning and unit, without its bounds)."""
    from sim.measures import FIELD_DOCS

    words = FIELD_DOCS.get(field, field.replace("_", " ")).split(" (")[0]
    return f"Measure {index + 1}: {words}"


def metric_label(metric: str, names: Mapping[str, str] | None = None) -> str:
    """:func:`_metric_label`, safe to draw (see :func:`mathtext_safe`)."""
    return mathtext_safe(_metric_label(metric, names))


def _metric_label(metric: str, names: Mapping[str, str] | None = None) -> str:
    """``p_vetoed`` -> "P(vetoed)"; ``CHN_yes`` -> "China: share of lanes voting yes"."""
    names = names or {}
    if metric.startswith("p_"):
        return f"P({metric[2:]})"
    code, _, vote = metric.rpartition("_")
    if code and vote in VOTES:
        return f"{names.get(code, code)}: share of lanes voting {VOTE_LABELS[vote]}"
    return metric


def format_value(value: Any) -> str:
    """Tick labels: integers without decimals, floats in short form, booleans as no / yes."""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if number.is_integer() and abs(number) >= 10_000:  # a cap in barrels: 375,000, not 375000
            return f"{int(number):,}"
        return f"{number:g}"
    return mathtext_safe(value)
