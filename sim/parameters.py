"""The model's global parameters, declared as data (EMA Workbench style): name, default, bounds,
whether ``unsc-sim calibrate`` fits it, and what it means.

The shipped values live in ``sim/data/parameters.toml``, written by ``unsc-sim calibrate
--write-defaults`` (its header records the command); running that command again reproduces
them. A scenario may override any of them in its ``[decision]`` table (the output then says so).
Values may be floats or numpy arrays over lanes: calibration evaluates many parameter vectors in
one model run by giving each lane its own values.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class ParameterSpec:
    """One global parameter: bounds, whether it is fitted, and on which scale its prior acts."""

    name: str
    low: float
    high: float
    fitted: bool
    log_scale: bool
    prior_center: float
    """Centre of the fit's prior and its starting value: set by judgement before any fit (the
    rolling forecast may use nothing later than each date, so priors are not fitted values)."""
    doc: str
    prior_sd: float = 1.0
    """Width of the fit's Gaussian prior (on the log for scale parameters), also judgement."""


PARAMETER_SPECS: tuple[ParameterSpec, ...] = (
    ParameterSpec(
        "stake_weight",
        0.5,
        500.0,
        True,
        True,
        20.0,
        "Utility per unit of quadratic gain |x - r|^2 - |x - p|^2 (regime units squared), times "
        "the member's salience: how much the size of the change matters against the constant "
        "terms (consensus norm, ties, veto cost).",
        prior_sd=1.0,
    ),
    ParameterSpec(
        "consensus_norm",
        -2.0,
        5.0,
        True,
        False,
        0.3,
        "Utility of going along with a text the file's penholder has negotiated and sponsors "
        "(first or as a co-sponsor), whatever its content: the Council's norm of consensus (most "
        "resolutions are adopted unanimously); drafts it does not sponsor do not carry it.",
        prior_sd=0.5,
    ),
    ParameterSpec(
        "sponsor_affinity",
        0.0,
        5.0,
        True,
        False,
        0.3,
        "Lean of a sponsor toward its own draft, and weight of another member's mean tie to the sponsors.",
        prior_sd=0.5,
    ),
    ParameterSpec(
        "noise_scale",
        0.05,
        10.0,
        True,
        True,
        1.0,
        "Multiplies every member's noise (the sd of its utility shock at the vote).",
        prior_sd=0.7,
    ),
    ParameterSpec(
        "provocation_response",
        0.0,
        2.0,
        True,
        False,
        0.1,
        "Rise in ideal pressure per unit of the provocation stock (a nuclear test counts 1).",
        prior_sd=0.1,
    ),
    ParameterSpec(
        "tension_veto_discount",
        0.0,
        1.0,
        True,
        False,
        0.3,
        "At great-power tension 1 an objection costs (1 - this) of its calm-times cost.",
        prior_sd=0.3,
    ),
    ParameterSpec(
        "tension_norm_discount",
        0.0,
        1.0,
        True,
        False,
        0.3,
        "At great-power tension 1 the consensus norm carries (1 - this) of its calm-times weight.",
        prior_sd=0.3,
    ),
    ParameterSpec(
        "shared_veto_discount",
        0.0,
        1.0,
        True,
        False,
        0.5,
        "Share of its objection cost a member saves when another member that can block is "
        "sure to object too (vetoes and holds cast together cost each less).",
        prior_sd=0.3,
    ),
    ParameterSpec(
        "ga_pressure_mid",
        -1.0,
        2.0,
        True,
        False,
        0.6,
        "Pressure stance of a state at UNGA ideal point 0 (sim/stances.py).",
        prior_sd=0.15,
    ),
    ParameterSpec(
        "ga_pressure_slope",
        0.0,
        2.0,
        True,
        False,
        0.2,
        "Rise in pressure stance per unit of UNGA ideal point (USA +1, Russia -1).",
        prior_sd=0.1,
    ),
    ParameterSpec(
        "ga_dprk_weight",
        0.0,
        1.0,
        True,
        False,
        0.1,
        "Rise in pressure stance per step of the state's latest vote on the Assembly's DPRK "
        "human-rights resolution (no -1, abstain 0, yes +1).",
        prior_sd=0.1,
    ),
    ParameterSpec(
        "elected_salience",
        0.0,
        1.0,
        True,
        False,
        0.5,
        "How much the DPRK file matters to an elected member, against 1 for a permanent one.",
        prior_sd=0.3,
    ),
    ParameterSpec(
        "abstention_band",
        0.0,
        1.0,
        False,
        False,
        0.08,
        "Utilities within +-band lead to abstention (judgement, not fitted).",
    ),
    ParameterSpec(
        "provocation_half_life_days",
        30.0,
        3650.0,
        True,
        True,
        365.0,
        "Half-life of a provocation's effect on ideal points, fitted (prior centre: a year; the "
        "Council answered each nuclear test within weeks, and a year on the next test set the "
        "agenda). Judgement until December 2026: held at its prior centre, a 'constant' the "
        "record can inform, weakly: the decisions' timing against the provocations (README, 'Parameter "
        "uncertainty', gives its posterior interval).",
        prior_sd=1.0,
    ),
    ParameterSpec(
        "steps_half_life_days",
        90.0,
        7300.0,
        False,
        True,
        730.0,
        "Half-life of a DPRK step's claim to be reciprocated (prior: two years).",
    ),
    ParameterSpec(
        "softening_step",
        0.01,
        0.99,
        False,
        False,
        0.25,
        "Share of the draft's remaining strength the penholder gives up per round of talks "
        "while its canvass shows the draft would not be adopted.",
    ),
    ParameterSpec(
        "min_text_scale",
        0.0,
        1.0,
        False,
        False,
        0.4,
        "The penholder does not water its draft down below this share of its first strength.",
    ),
    ParameterSpec(
        "surprise_share",
        0.0,
        0.5,
        False,
        False,
        0.1,
        "Chance that a permanent member's utility at the vote takes a surprise shock (sd "
        "surprise_sd) on top of its noise: an objection or a consent linked to matters on no "
        "dimension of the model (China's THAAD condition on a statement in August 2016, Russia's "
        "dispute of a missile's class in July 2017). Judgement, chosen by the rolling forecast "
        "among 0.02, 0.05, 0.1 and 0.2 (README, 'Surprises').",
    ),
    ParameterSpec(
        "surprise_sd",
        0.0,
        5.0,
        False,
        False,
        1.0,
        "Sd of the surprise shock, in utility units: about the consensus norm and a sponsor's "
        "pull together, so that a surprise can outweigh what carries a small text (judgement).",
    ),
)

SPECS: dict[str, ParameterSpec] = {spec.name: spec for spec in PARAMETER_SPECS}
FITTED: tuple[str, ...] = tuple(spec.name for spec in PARAMETER_SPECS if spec.fitted)


@dataclass(frozen=True)
class ModelParameters:
    """One value (a float, or an array over lanes) for every global parameter."""

    stake_weight: Any
    consensus_norm: Any
    sponsor_affinity: Any
    noise_scale: Any
    provocation_response: Any
    tension_veto_discount: Any
    tension_norm_discount: Any
    shared_veto_discount: Any
    ga_pressure_mid: Any
    ga_pressure_slope: Any
    ga_dprk_weight: Any
    elected_salience: Any
    abstention_band: Any
    provocation_half_life_days: Any
    steps_half_life_days: Any
    softening_step: Any
    min_text_scale: Any
    surprise_share: Any
    surprise_sd: Any

    def with_values(self, values: Mapping[str, Any]) -> ModelParameters:
        unknown = set(values) - set(SPECS)
        if unknown:
            raise KeyError(f"unknown model parameters: {', '.join(sorted(unknown))}")
        return replace(self, **dict(values))

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def prior_parameters() -> ModelParameters:
    """Every parameter at its prior centre (judgement set before any fit)."""
    return ModelParameters(**{spec.name: spec.prior_center for spec in PARAMETER_SPECS})


@lru_cache(maxsize=1)
def _shipped_file() -> dict[str, Any]:
    """``sim/data/parameters.toml`` as read, or an empty table where there is none (cached: to
    re-read a rewritten file, clear this cache as well as :func:`default_parameters`')."""
    resource = resources.files("sim.data").joinpath("parameters.toml")
    return tomllib.loads(resource.read_text(encoding="utf-8")) if resource.is_file() else {}


@lru_cache(maxsize=1)
def default_parameters() -> ModelParameters:
    """The shipped values (``sim/data/parameters.toml``), prior centres where it has none."""
    raw = _shipped_file().get("parameters", {})
    return prior_parameters().with_values({name: float(value) for name, value in raw.items()})


def fitted_record_end() -> str | None:
    """Date of the latest decision the shipped parameters were fitted to (``[fit]
    record_through``, as its file gives it), or None where the file does not say. A scenario
    dated after it asks the model to extrapolate."""
    value = _shipped_file().get("fit", {}).get("record_through")
    if value is None:
        return None
    from sim.errors import InputError
    from sim.situation import parse_date

    try:
        parse_date(str(value))
    except ValueError:
        raise InputError(
            [
                f"sim/data/parameters.toml: fit.record_through: expected a date YYYY-MM-DD or YYYY-MM, got {value!r}"
            ]
        ) from None
    return str(value)


def parameters_text(
    values: Mapping[str, float],
    header: list[str],
    record_through: str | None = None,
    comments: Mapping[str, str] | None = None,
) -> str:
    """``sim/data/parameters.toml`` for the given fitted values (others at their prior), and the
    date of the latest decision of the fit when given. ``comments``: each parameter's trailing
    comment (where given, its value is written as given, fitted or not; see
    :func:`sim.presets.defaults_text`)."""
    lines = [f"# {line}" if line else "#" for line in header]
    lines += ["", "[parameters]"]
    for spec in PARAMETER_SPECS:
        value = values.get(spec.name, spec.prior_center)
        if comments is not None and spec.name in comments:
            comment = comments[spec.name]
        else:
            comment = "fitted" if spec.fitted and spec.name in values else "judgement, not fitted"
        lines.append(f"{spec.name} = {float(value)!r}  # {comment}")
    if record_through is not None:
        lines += ["", "[fit]", f'record_through = "{record_through}"  # the latest decision the fit saw']
    return "\n".join(lines) + "\n"
