"""The scenario file schema, in one place: council, members' stances, proposal, context,
negotiation, decision settings and the historical record.

Files are TOML, validated by pydantic. Every problem becomes one line naming the file, the key
path and what was expected (``scenarios/x.toml: members.CHN.pressure: must be between 0 and 1,
got 1.7``); :class:`ScenarioError` carries them all so the CLI can print them and exit 2.

Reading files and the shipped presets is :mod:`sim.presets`; combining them into each member's
profile is :mod:`sim.council_resolver`; the resolved :class:`Scenario` is :mod:`sim.resolved`
(re-exported here, where callers import it).
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Union

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.errors import InputError
from sim.measures import MEASURE_CLASSES, MEASURE_TYPES, Measure, human_rights_change, total_shift
from sim.resolved import MemberProfile, Scenario, parameters_for, situation_for  # noqa: F401 (re-exported)
from sim.rules import ProposalKind

STANCE_FIELDS: tuple[str, ...] = ("pressure", "reciprocity", "veto_cost", "salience", "noise")
"""Every member stance that may be a number or a distribution drawn per lane."""
REQUIRED_STANCES: tuple[str, ...] = ("veto_cost", "noise")
"""Stances every member needs from a preset or the file; the others are derived
(:mod:`sim.stances`) where not given."""

MEMBER_CODE = re.compile(r"^[A-Z]{3}$")
TALLY = re.compile(r"^(\d+)-(\d+)-(\d+)$")


class ScenarioError(InputError):
    """A scenario (or preset) file is invalid. ``problems`` holds one line per problem."""


class _Strict(BaseModel):
    # strict: no string-to-number or string-to-bool coercion (nuclear_test = "yes" is an error)
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, strict=True)


class Stance(_Strict):
    """A stance in [0, 1]: a number, ``{ low, high }`` (uniform) or ``{ mean, sd }`` (normal,
    truncated to [0, 1]) drawn per lane, optionally with the ``source`` it rests on."""

    value: float | None = None
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError(f"must be a number between 0 and 1 or a table, got {data!r}")
        if isinstance(data, (int, float)):
            return {"value": float(data)}
        if not isinstance(data, Mapping):
            raise ValueError(
                f"must be a number, {{ low = .., high = .. }} or {{ mean = .., sd = .. }}, got {data!r}"
            )
        return data

    @model_validator(mode="after")
    def _one_form(self) -> Stance:
        forms = {
            "value": self.value is not None,
            "low/high": self.low is not None or self.high is not None,
            "mean/sd": self.mean is not None or self.sd is not None,
        }
        given = [name for name, present in forms.items() if present]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of value, { low, high } or { mean, sd }"
                + (f", got {' and '.join(given)}" if given else "")
            )
        for name in ("value", "low", "high", "mean"):
            number = getattr(self, name)
            if number is not None and not 0 <= number <= 1:
                label = "" if name == "value" else f"{name} "
                raise ValueError(f"{label}must be between 0 and 1, got {number:g}")
        if forms["low/high"]:
            if self.low is None or self.high is None:
                raise ValueError("a uniform stance needs both low and high")
            if self.low > self.high:
                raise ValueError(f"low must not exceed high, got low={self.low:g} high={self.high:g}")
        if forms["mean/sd"]:
            if self.mean is None or self.sd is None:
                raise ValueError("a normal stance needs both mean and sd")
            if not 0 < self.sd <= 1:
                raise ValueError(f"sd must be above 0 and at most 1, got {self.sd:g}")
        return self

    @property
    def is_random(self) -> bool:
        return self.value is None

    @property
    def center(self) -> float:
        """The stance's central value (the number, the uniform midpoint or the normal mean)."""
        if self.value is not None:
            return self.value
        if self.low is not None and self.high is not None:
            return (self.low + self.high) / 2
        return float(self.mean)  # type: ignore[arg-type]

    def draw(self, rng: np.random.Generator, lanes: int) -> np.ndarray:
        """One value per lane. A fixed stance consumes no random numbers."""
        if self.value is not None:
            return np.full(lanes, self.value)
        if self.low is not None and self.high is not None:
            return rng.uniform(self.low, self.high, lanes)
        return _truncated_normal(rng, float(self.mean), float(self.sd), lanes)  # type: ignore[arg-type]

    def describe(self) -> str:
        if self.value is not None:
            text = f"{self.value:g}"
        elif self.low is not None:
            text = f"U({self.low:g}, {self.high:g})"
        else:
            text = f"N({self.mean:g}, {self.sd:g}) on [0, 1]"
        return text


def _truncated_normal(rng: np.random.Generator, mean: float, sd: float, n: int) -> np.ndarray:
    """Normal(mean, sd) truncated to [0, 1], by inverse-CDF sampling: exactly one draw a lane,
    so the stream of random numbers does not depend on rejection luck."""
    from scipy.special import ndtr, ndtri

    lo, hi = ndtr((0.0 - mean) / sd), ndtr((1.0 - mean) / sd)
    return np.clip(mean + sd * ndtri(rng.uniform(lo, hi, n)), 0.0, 1.0)


class MemberSpec(_Strict):
    """A member's stances. In the presets every field is given; in a scenario any subset
    overrides the preset (or, for a member with no preset, all must be given)."""

    name: str | None = None
    permanent: bool | None = None
    pressure: Stance | None = None
    reciprocity: Stance | None = None
    veto_cost: Stance | None = None
    salience: Stance | None = None
    noise: Stance | None = None
    ties: dict[str, float] = Field(default_factory=dict)
    human_rights: float | None = Field(default=None, ge=-1, le=1, allow_inf_nan=False)
    """Position on the DPRK's human rights, -1 (against putting them before the Council) to +1;
    by default the member's (or its template's) latest General Assembly vote on the DPRK
    human-rights resolution (+1 yes, 0 abstain or none recorded, -1 no). Moves only an agenda
    item on human rights."""
    like: str | None = None
    """Start from another member's preset and UNGA position (``like = "NOR"``) or a named group's
    (``like = "non-aligned"``; ``sim/data/groups.toml``); the keys given here override it."""
    note: str | None = None
    source: str | None = None

    @field_validator("ties")
    @classmethod
    def _ties(cls, ties: dict[str, float]) -> dict[str, float]:
        for code, weight in ties.items():
            if not MEMBER_CODE.match(code):
                raise ValueError(f"tie to {code!r}: member codes are three capital letters (ISO3)")
            if not -1 <= weight <= 1:
                raise ValueError(f"tie to {code} must be between -1 and 1, got {weight:g}")
        return ties


class CouncilSpec(_Strict):
    """Who sits: a year's elected ten (presets) or an explicit list of member codes."""

    year: int | None = None
    members: list[str] | None = None
    preset: str | None = None
    """A stance preset file (path relative to the scenario) overriding the built-in stances."""
    quota: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _year_or_members(self) -> CouncilSpec:
        if (self.year is None) == (self.members is None):
            raise ValueError("give either year (a preset council) or members (a list of codes)")
        if self.members is not None:
            bad = [code for code in self.members if not MEMBER_CODE.match(code)]
            if bad:
                raise ValueError(f"member codes are three capital letters (ISO3), got {bad}")
            twice = sorted({code for code in self.members if self.members.count(code) > 1})
            if twice:
                raise ValueError(f"members lists {', '.join(twice)} twice")
        return self


ONCE_PER_DRAFT = {
    "crude_oil_cap": "sets the crude oil cap",
    "refined_petroleum_cap": "sets the refined petroleum cap",
    "panel_renewal": "renews the Panel",
    "chapter_vii": "invokes Chapter VII",
}
"""Measures that a draft can carry once: each is one setting of the regime, not a list of items."""


class ProposalSpec(_Strict):
    kind: ProposalKind
    title: str
    symbol: str | None = None
    sponsors: list[str] = Field(min_length=1, max_length=200)
    """The penholder first: it decides whether to amend, call the vote or withdraw."""
    draft: Literal["first", "final"] = "first"
    """"first": a draft still to be negotiated (the penholder may soften it in the rounds of
    talks); "final": the text as it reached the decision (no talks remain), as in the history
    files."""
    measures: list[Measure] = Field(min_length=1, max_length=100)

    @field_validator("sponsors")
    @classmethod
    def _sponsors_once(cls, sponsors: list[str]) -> list[str]:
        """Each sponsor's ties count once; a code listed twice would count twice."""
        twice = sorted({code for code in sponsors if sponsors.count(code) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} is listed twice")
        return sponsors

    @model_validator(mode="after")
    def _one_of_each_setting(self) -> ProposalSpec:
        """A draft sets each cap once (two refined-petroleum caps from 500,000 would add both cuts)
        and renews the Panel or invokes Chapter VII once; the repeat is named."""
        first: dict[str, int] = {}
        for index, measure in enumerate(self.measures):
            if measure.type not in ONCE_PER_DRAFT:
                continue
            if measure.type in first:
                raise ValueError(
                    f"measures {first[measure.type]} and {index} are both {measure.type}: a draft "
                    f"{ONCE_PER_DRAFT[measure.type]} once (keep one)"
                )
            first[measure.type] = index
        return self

    @model_validator(mode="after")
    def _moves_something(self) -> ProposalSpec:
        d_pressure, d_reciprocity = total_shift(self.measures)
        if abs(d_pressure) < 1e-12 and abs(d_reciprocity) < 1e-12 and human_rights_change(self.measures) == 0:
            raise ValueError("the measures cancel out: the draft is the status quo")
        return self


class ContextSpec(_Strict):
    """The day of the decision. The situation on it (provocations, DPRK steps, talks, great-power
    tension, the regime in force) comes from the dated series of :mod:`sim.situation`; any of it
    may be overridden here for a what-if, and the output then says so."""

    date: str
    nuclear_test: bool = False
    """Add a nuclear test on the day (what-if)."""
    icbm_launch: bool = False
    """Add an ICBM launch on the day (what-if)."""
    provocation: float | None = Field(default=None, ge=0, le=20, allow_inf_nan=False)
    provocation_record: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    """The DPRK's whole record of provocations to the day, not faded (what-if)."""
    unreciprocated_steps: float | None = Field(default=None, ge=0, le=20, allow_inf_nan=False)
    talks_under_way: bool | None = None
    great_power_tension: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    status_quo_pressure: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    status_quo_reciprocity: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    note: str | None = None

    @field_validator("date")
    @classmethod
    def _date(cls, date: str) -> str:
        from sim.situation import covered_dates, parse_date

        try:
            day = parse_date(date)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        first, last = covered_dates()
        if not first <= day <= last:
            raise ValueError(
                f"must be between {first.isoformat()} and {last.isoformat()} (the dated series "
                f"of sim/data/situation.toml cover those years), got {date!r}"
            )
        return date

    def overrides(self) -> dict[str, Any]:
        return {
            "provocation": self.provocation,
            "provocation_record": self.provocation_record,
            "unreciprocated_steps": self.unreciprocated_steps,
            "talks_under_way": self.talks_under_way,
            "tension": self.great_power_tension,
            "status_quo_pressure": self.status_quo_pressure,
            "status_quo_reciprocity": self.status_quo_reciprocity,
        }

    def extra_events(self) -> tuple[str, ...]:
        return tuple(
            kind
            for kind, on in (("nuclear_test", self.nuclear_test), ("icbm_launch", self.icbm_launch))
            if on
        )


class NegotiationSpec(_Strict):
    rounds: int = Field(default=3, ge=0, le=50)
    """Rounds of talks before the vote, in each of which the penholder may soften its text."""
    softening_step: float | None = Field(default=None, gt=0, lt=1, allow_inf_nan=False)
    min_text_scale: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    penholder: str | None = None
    """The drafter's behaviour (:mod:`sim.penholders`); the default concedes toward blockers."""

    @field_validator("penholder")
    @classmethod
    def _known_penholder(cls, name: str | None) -> str | None:
        from sim.penholders import PENHOLDERS

        if name is not None and name not in PENHOLDERS:
            raise ValueError(f"must be one of {', '.join(sorted(PENHOLDERS))}, got {name!r}")
        return name


class DecisionSpec(_Strict):
    """Overrides of the model's global parameters (:mod:`sim.parameters`; shipped values in
    ``sim/data/parameters.toml``). Leave them out to use the calibrated values."""

    stake_weight: float | None = Field(default=None, ge=0, le=1000, allow_inf_nan=False)
    consensus_norm: float | None = Field(default=None, ge=-10, le=10, allow_inf_nan=False)
    sponsor_affinity: float | None = Field(default=None, ge=0, le=10, allow_inf_nan=False)
    noise_scale: float | None = Field(default=None, ge=0, le=10, allow_inf_nan=False)
    provocation_response: float | None = Field(default=None, ge=0, le=5, allow_inf_nan=False)
    tension_veto_discount: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    tension_norm_discount: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    shared_veto_discount: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    ga_pressure_mid: float | None = Field(default=None, ge=-1, le=2, allow_inf_nan=False)
    ga_pressure_slope: float | None = Field(default=None, ge=0, le=2, allow_inf_nan=False)
    ga_dprk_weight: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    elected_salience: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    abstention_band: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    provocation_half_life_days: float | None = Field(default=None, ge=1, le=36500, allow_inf_nan=False)
    steps_half_life_days: float | None = Field(default=None, ge=1, le=36500, allow_inf_nan=False)
    surprise_share: float | None = Field(default=None, ge=0, le=0.5, allow_inf_nan=False)
    surprise_sd: float | None = Field(default=None, ge=0, le=5, allow_inf_nan=False)


class HistorySpec(_Strict):
    """What really happened, with its source. Never read by the model: only by comparisons."""

    symbol: str
    date: str
    source: str
    """Press release or verbatim record (e.g. "SC/14911; S/PV.9048")."""
    outcome: Literal["adopted", "vetoed", "failed", "blocked", "withdrawn"]
    tally: str | None = None
    vetoed_by: list[str] = Field(default_factory=list)
    blocked_by: list[str] = Field(default_factory=list)
    votes: dict[str, Literal["yes", "no", "abstain", "not_cast"]] = Field(default_factory=dict)
    softened: bool | None = None
    """For a first draft: whether the text that reached the decision was softened."""
    final_text: str | None = None
    """For a first draft: the text that reached the decision, in words, with its source."""
    note: str | None = None

    @field_validator("tally")
    @classmethod
    def _tally(cls, tally: str | None) -> str | None:
        if tally is not None and not TALLY.match(tally):
            raise ValueError(f"must look like yes-no-abstain, e.g. 13-2-0, got {tally!r}")
        return tally


class ScenarioInfo(_Strict):
    name: str
    description: str = ""


SweepValue = bool | int | float | str


class SweepSpec(_Strict):
    """A parameter sweep declared with the scenario (``unsc-sim sweep FILE``; see sim.sweep.design).
    Never read by the model: ``parameters`` maps a key path to ``"start:stop:count"``,
    ``"a,b,c"``, ``"low:high"`` (random / lhs) or an array of values."""

    design: Literal["grid", "random", "lhs"] = "grid"
    samples: int | None = Field(default=None, ge=1)
    replicates: int | None = Field(default=None, ge=1)
    seed: int | None = Field(default=None, ge=0)
    parameters: dict[str, SweepValue | list[SweepValue]] = Field(min_length=1)


class ScenarioSpec(_Strict):
    extends: str | None = None
    """Another scenario file (relative to this one) this one starts from; its [history] table is
    never inherited."""
    scenario: ScenarioInfo
    council: CouncilSpec
    members: dict[str, MemberSpec] = Field(default_factory=dict)
    proposal: ProposalSpec
    context: ContextSpec
    negotiation: NegotiationSpec = Field(default_factory=NegotiationSpec)
    decision: DecisionSpec = Field(default_factory=DecisionSpec)
    history: HistorySpec | None = None
    sweep: SweepSpec | None = None


# ----------------------------------------------------------------------------------- loading


def _format_errors(label: str, error: ValidationError, prefix: tuple[Any, ...] = ()) -> list[str]:
    problems = []
    for item in error.errors():
        loc = [str(part) for part in (*prefix, *item["loc"])]
        # pydantic adds the tag of a discriminated union to the path; the file has no such key
        measure_type = next((part for part in loc if part in MEASURE_TYPES), None)
        loc = [part for part in loc if part not in MEASURE_TYPES]
        message = item["msg"]
        message = message.removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = _unknown_key_message(loc, measure_type)
        elif item["type"] == "missing":
            message = "required key is missing"
            hint = MISSING_KEY_HINTS.get(".".join(loc)) or _measure_field_hint(measure_type, loc[-1])
            if hint:
                message = f"{message}: {hint}"
        elif item["type"] == "union_tag_invalid":
            message = (
                f"unknown measure type {item['input'].get('type')!r} (known: {', '.join(MEASURE_TYPES)})"
            )
        elif item["type"] == "union_tag_not_found":
            message = "a measure needs a type (one of: " + ", ".join(MEASURE_TYPES) + ")"
        elif item["type"] == "string_type" and isinstance(item.get("input"), (_dt.date, _dt.time)):
            # an unquoted TOML date (date = 2022-05-26) parses as a date, not text
            message = f'write the date in quotes, e.g. "{item["input"].isoformat()}"'
        elif item["type"] == "too_short" and item.get("ctx", {}).get("min_length") == 1:
            message = "must not be empty"  # was "List should have at least 1 item after validation, not 0"
        elif item["type"] == "list_type":  # sponsors = "USA" for ["USA"]: pydantic named no value
            message = f"must be a list, e.g. [{item['input']!r}], got {item['input']!r}"
        elif item["type"] in {"dict_type", "model_type", "model_attributes_type"}:  # not "MemberSpec"
            message = f"must be a table, got {item['input']!r}"
        elif item["type"] in {
            "float_parsing",
            "float_type",
            "int_parsing",
            "int_type",
            "bool_type",
            "bool_parsing",
            "string_type",
            "literal_error",
            "int_from_float",
        }:
            message = f"{message}, got {item['input']!r}"
        elif "input" in item and item["type"].endswith(("_than", "_than_equal")):
            message = f"{message}, got {item['input']!r}"
        path = ".".join(loc) if loc else "(top level)"
        problems.append(f"{label}: {path}: {message}")
    return problems


MISSING_KEY_HINTS: dict[str, str] = {
    "scenario": 'a [scenario] table with name = "..." (and optionally description)',
    "scenario.name": 'a short name for the scenario, e.g. name = "S/RES/2397: the refined-petroleum cap"',
    "council": "a [council] table with year = 2006 to 2026 (that year's council) or members = [codes]",
    "proposal": "a [proposal] table with kind, title, sponsors and one or more [[proposal.measures]]",
    "proposal.kind": 'what is decided and under which rule: "resolution" (Art. 27(3)), "procedural" '
    '(Art. 27(2)), "committee" (a sanctions committee, by consensus) or "statement" (by consensus)',
    "proposal.title": 'what the draft does, in a line, e.g. title = "Cut the crude-oil cap to 3M barrels"',
    "proposal.sponsors": 'who tabled the draft, a list of member codes, e.g. sponsors = ["USA"]; the '
    "consensus norm carries only drafts the file's penholder sponsors (the DPRK's: USA, "
    "sim/data/penholders.toml)",
    "context": 'a [context] table with date = "YYYY-MM-DD" (the situation series are read on that day)',
    "context.date": 'the day of the decision, "YYYY-MM-DD" (or "YYYY-MM"); tension, talks and the '
    "provocation record are read on it",
    "history.symbol": 'the decision\'s document symbol, e.g. "S/RES/2397", or what stands for one',
    "history.date": 'the day of the real decision, "YYYY-MM-DD" (or "YYYY-MM" where the day is not known)',
    "history.source": "where the record comes from: document symbols, press releases, reports, with dates",
    "history.outcome": 'what happened: "adopted", "vetoed", "failed", "blocked" or "withdrawn"',
}
"""What a missing required key should hold, for the one-line error (file: key: what was expected)."""


def unwrap_optional(annotation: Any) -> Any:
    """A field's annotation without ``Annotated`` and without ``| None``."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def union_models(annotation: Any) -> list[type[BaseModel]]:
    """The models of a union of models (e.g. the measure types), else []."""
    if typing.get_origin(annotation) not in (Union, types.UnionType):
        return []
    args = typing.get_args(annotation)
    if all(isinstance(a, type) and issubclass(a, BaseModel) for a in args):
        return list(args)
    return []


def field_by_file_name(model: type[BaseModel], name: str) -> Any:
    """The annotation of the field a file names ``name`` (its alias, e.g. ``from``), or None."""
    for field_name, field in model.model_fields.items():
        if (field.alias or field_name) == name:
            return field.annotation
    return None


def _table_keys(loc: list[str], measure_type: str | None) -> list[str] | None:
    """The keys the table holding ``loc[-1]`` accepts (as written in files), or None if unknown.
    Walks the schema from :class:`ScenarioSpec` along the key path, as the sweep's ``key_info``
    does: a list's index and a dict's key (a member code) step into the item; a measure's model is
    its ``type``'s."""

    def as_model(node: Any) -> type[BaseModel] | None:
        node = unwrap_optional(node)
        models = union_models(node)
        if models:
            return next((m for m in models if m.model_fields["type"].default == measure_type), None)
        return node if isinstance(node, type) and issubclass(node, BaseModel) else None

    node: Any = ScenarioSpec
    for part in loc[:-1]:
        model = as_model(node)
        if model is not None:
            node = field_by_file_name(model, part)
            if node is None:
                return None
        elif typing.get_origin(unwrap_optional(node)) in (list, dict):
            node = typing.get_args(unwrap_optional(node))[-1]
        else:
            return None
    model = as_model(node)
    return None if model is None else [info.alias or name for name, info in model.model_fields.items()]


def _unknown_key_message(loc: list[str], measure_type: str | None) -> str:
    """ "unknown key", with the nearest known key and the table's keys."""
    import difflib

    keys = _table_keys(loc, measure_type)
    if not keys:
        return "unknown key"
    near = difflib.get_close_matches(loc[-1], keys, n=1, cutoff=0.6) or [k for k in keys if loc[-1] in k][:1]
    guess = f"did you mean {near[0]!r}? " if near else ""
    return f"unknown key ({guess}known here: {', '.join(keys)})"


def _measure_field_hint(measure_type: str | None, field: str) -> str | None:
    """A measure's missing field, described as ``unsc-sim measures`` describes it."""
    for cls in MEASURE_CLASSES:
        if cls.model_fields["type"].default != measure_type:
            continue
        for name, info in cls.model_fields.items():
            if (info.alias or name) == field and info.description:
                return f"{info.description} (unsc-sim measures lists every field)"
    return None


def set_key(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key path (``members.CHN.pressure``) in a raw scenario dict, creating tables.
    A number names an item of a list from 0 (``proposal.measures.0.to``: the first measure)."""
    parts = key.split(".")
    node: Any = raw
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(
                    [f"{where}: {'.'.join(parts[:depth])} has {len(node)} items, numbered from 0"]
                )
            if last:
                node[int(part)] = value
                return
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            raise ScenarioError([f"{key}: {'.'.join(parts[:depth])} is not a table"])
        if last:
            node[part] = value
            return
        if node.get(part) is None:
            node[part] = {}
        node = node[part]


def load_all(
    items: Sequence[str | Path | Scenario],
    overrides: Mapping[str, Any] | None = None,
    check: Callable[[Scenario], object] | None = None,
) -> list[Scenario]:
    """Every file loaded (a Scenario given is taken as it is) and passed to ``check``, which may
    raise :class:`InputError`; or one error listing the problems of all of them, of the class
    of the first where all share it (several bad files are reported together, not the first)."""
    loaded: list[Scenario] = []
    errors: list[InputError] = []
    for item in items:
        try:
            scenario = item if isinstance(item, Scenario) else load_scenario(item, overrides=overrides)
            if check is not None:
                check(scenario)
            loaded.append(scenario)
        except InputError as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        kind = type(errors[0]) if all(type(e) is type(errors[0]) for e in errors) else InputError
        raise kind([problem for error in errors for problem in error.problems])
    return loaded


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, validate and resolve a scenario file. ``overrides`` set dotted keys before
    validation (sweeps use this), so a bad override is reported like a bad file."""
    path = Path(path)
    if path.suffix.lower() != ".toml":
        raise ScenarioError([f"{path}: expected a scenario file ending in .toml"])
    from sim.presets import read_toml, with_extends

    raw = with_extends(read_toml(path, str(path)), path, [path.resolve()])
    return scenario_from_dict(raw, label=str(path), base_dir=path.parent, overrides=overrides)


def scenario_from_dict(
    raw: dict[str, Any],
    label: str = "<scenario>",
    base_dir: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Scenario:
    """Validate a scenario given as a dict (as parsed from TOML)."""
    if overrides:
        raw = copy.deepcopy(raw)
        for key, value in overrides.items():
            try:
                set_key(raw, key, value)
            except ScenarioError as exc:
                raise ScenarioError([f"{label}: {problem}" for problem in exc.problems]) from None
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(label, exc)) from None
    from sim.council_resolver import resolve_council

    members = resolve_council(spec, label, base_dir or Path("."))
    parameters = parameters_for(spec)
    return Scenario(spec=spec, members=tuple(members), path=label, parameters=parameters)
