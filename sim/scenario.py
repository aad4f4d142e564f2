"""The scenario file schema, in one place: council, members' stances, proposal, context,
negotiation, decision settings and the historical record.

Files are TOML, validated by pydantic. Every problem becomes one line naming the file, the key
path and what was expected (``scenarios/x.toml: members.CHN.pressure: must be between 0 and 1,
got 1.7``); :class:`ScenarioError` carries them all so the CLI can print them and exit 2.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Mapping

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from scipy.special import ndtr, ndtri

from sim.errors import InputError
from sim.measures import MEASURE_TYPES, Measure, total_shift
from sim.parameters import ModelParameters, default_parameters
from sim.rules import ProposalKind
from sim.situation import Situation, situation_on
from sim.stances import ELECTED_DEFAULTS, Position, position, state_names

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
                "must be a number, { low = .., high = .. } or { mean = .., sd = .. }, "
                f"got {data!r}"
            )
        return data

    @model_validator(mode="after")
    def _one_form(self) -> "Stance":
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
    def _year_or_members(self) -> "CouncilSpec":
        if (self.year is None) == (self.members is None):
            raise ValueError("give either year (a preset council) or members (a list of codes)")
        if self.members is not None:
            bad = [code for code in self.members if not MEMBER_CODE.match(code)]
            if bad:
                raise ValueError(f"member codes are three capital letters (ISO3), got {bad}")
            if len(set(self.members)) != len(self.members):
                raise ValueError("members lists a code twice")
        return self


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

    @model_validator(mode="after")
    def _moves_something(self) -> "ProposalSpec":
        d_pressure, d_reciprocity = total_shift(self.measures)
        if abs(d_pressure) < 1e-12 and abs(d_reciprocity) < 1e-12:
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
    unreciprocated_steps: float | None = Field(default=None, ge=0, le=20, allow_inf_nan=False)
    talks_under_way: bool | None = None
    great_power_tension: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    status_quo_pressure: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    status_quo_reciprocity: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    note: str | None = None

    @field_validator("date")
    @classmethod
    def _date(cls, date: str) -> str:
        from sim.situation import parse_date

        try:
            parse_date(date)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        return date

    def overrides(self) -> dict[str, Any]:
        return {
            "provocation": self.provocation,
            "unreciprocated_steps": self.unreciprocated_steps,
            "talks_under_way": self.talks_under_way,
            "tension": self.great_power_tension,
            "status_quo_pressure": self.status_quo_pressure,
            "status_quo_reciprocity": self.status_quo_reciprocity,
        }

    def extra_events(self) -> tuple[str, ...]:
        return tuple(
            kind for kind, on in (("nuclear_test", self.nuclear_test), ("icbm_launch", self.icbm_launch)) if on
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
    talks_restraint: float | None = Field(default=None, ge=0, le=5, allow_inf_nan=False)
    tension_veto_discount: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    shared_veto_discount: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    ga_pressure_mid: float | None = Field(default=None, ge=-1, le=2, allow_inf_nan=False)
    ga_pressure_slope: float | None = Field(default=None, ge=0, le=2, allow_inf_nan=False)
    ga_dprk_weight: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    elected_salience: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    abstention_band: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    provocation_half_life_days: float | None = Field(default=None, ge=1, le=36500, allow_inf_nan=False)
    steps_half_life_days: float | None = Field(default=None, ge=1, le=36500, allow_inf_nan=False)


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


@dataclass(frozen=True)
class MemberProfile:
    """One member as the model builds it: identity, stances (fixed or random), ties."""

    code: str
    name: str
    permanent: bool
    stances: dict[str, Stance]
    ties: dict[str, float]
    note: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    position: Position | None = None
    """The member's UNGA position for the year (:mod:`sim.stances`), from which the model
    derives the pressure and reciprocity stances the scenario or preset does not give."""
    origins: dict[str, str] = field(default_factory=dict)
    """Where each stance came from: "scenario", "preset <file>", "template <name>", "derived
    (UNGA)", "rule" or "default"."""


@dataclass(frozen=True)
class Scenario:
    """A validated scenario, with the council resolved from presets, the global parameters
    (shipped defaults with the file's overrides) and the situation on its date."""

    spec: ScenarioSpec
    members: tuple[MemberProfile, ...]
    path: str | None = None
    parameters: ModelParameters = field(default_factory=default_parameters)
    situation: Situation | None = None

    def __post_init__(self) -> None:
        if self.situation is None:
            object.__setattr__(self, "situation", situation_for(self.spec, self.parameters))

    @property
    def overridden_parameters(self) -> list[str]:
        """Global parameters this file sets itself (instead of the calibrated values)."""
        set_here = self.spec.decision.model_dump(exclude_none=True)
        set_here.update(self.spec.negotiation.model_dump(exclude_none=True, exclude={"rounds", "penholder"}))
        return sorted(set_here)

    @property
    def name(self) -> str:
        return self.spec.scenario.name

    @property
    def codes(self) -> list[str]:
        return [member.code for member in self.members]

    def fingerprint(self) -> str:
        """Short hash of everything that determines the numbers (for result metadata)."""
        payload = json.dumps(
            {
                "spec": self.spec.model_dump(mode="json", by_alias=True, exclude={"history", "sweep"}),
                "parameters": {k: np.asarray(v).tolist() for k, v in self.parameters.as_dict().items()},
                "members": [
                    {
                        "code": m.code,
                        "permanent": m.permanent,
                        "stances": {k: s.model_dump(exclude={"source"}) for k, s in m.stances.items()},
                        "ties": m.ties,
                    }
                    for m in self.members
                ],
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------------- loading

def _format_errors(label: str, error: ValidationError, prefix: tuple[Any, ...] = ()) -> list[str]:
    problems = []
    for item in error.errors():
        loc = [str(part) for part in (*prefix, *item["loc"])]
        # pydantic adds the tag of a discriminated union to the path; the file has no such key
        loc = [part for part in loc if part not in MEASURE_TYPES]
        message = item["msg"]
        message = message.removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "required key is missing"
        elif item["type"] == "union_tag_invalid":
            message = f"unknown measure type {item['input'].get('type')!r} (known: {', '.join(MEASURE_TYPES)})"
        elif item["type"] == "union_tag_not_found":
            message = "a measure needs a type (one of: " + ", ".join(MEASURE_TYPES) + ")"
        elif item["type"] in {"float_parsing", "float_type", "int_parsing", "int_type", "bool_type",
                              "bool_parsing", "string_type", "literal_error", "int_from_float"}:
            message = f"{message}, got {item['input']!r}"
        elif "input" in item and item["type"].endswith(("_than", "_than_equal")):
            message = f"{message}, got {item['input']!r}"
        path = ".".join(loc) if loc else "(top level)"
        problems.append(f"{label}: {path}: {message}")
    return problems


MAX_INPUT_BYTES = 1_000_000
"""Scenario and preset files larger than this are refused (the bundled ones are under 10 kB)."""
MAX_NESTING = 16
"""Tables and arrays nested deeper than this are refused (a scenario needs 4 levels)."""


def _nesting(value: Any) -> int:
    """How deeply tables and arrays nest in ``value`` (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _read_toml(path: Path, label: str) -> dict[str, Any]:
    # Opened without blocking and checked on the open handle: a FIFO, a device (/dev/zero) or a
    # socket is refused at once instead of hanging or filling memory; so is a huge file.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError
            if not stat.S_ISREG(mode):
                raise ScenarioError([f"{label}: not a regular file (a pipe, device or socket), expected a .toml file"])
            data = handle.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise ScenarioError([f"{label}: larger than {MAX_INPUT_BYTES:,} bytes; not a scenario or preset file"])
        raw = tomllib.loads(data.decode("utf-8"))
    except FileNotFoundError:
        raise ScenarioError([f"{label}: file not found"]) from None
    except IsADirectoryError:
        raise ScenarioError([f"{label}: is a directory, expected a .toml file"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{label}: not valid TOML: {exc}"]) from None
    except UnicodeDecodeError:
        raise ScenarioError([f"{label}: not UTF-8 text, expected a TOML file"]) from None
    except RecursionError:
        raise ScenarioError([f"{label}: tables or arrays nested too deeply (at most {MAX_NESTING} levels)"]) from None
    except OSError as exc:
        raise ScenarioError([f"{label}: cannot read: {exc.strerror or exc}"]) from None
    if _nesting(raw) > MAX_NESTING:
        raise ScenarioError([f"{label}: tables or arrays nested too deeply (at most {MAX_NESTING} levels)"])
    return raw


def _load_members_table(raw: dict[str, Any], label: str) -> dict[str, MemberSpec]:
    problems: list[str] = []
    specs: dict[str, MemberSpec] = {}
    for code, body in raw.items():
        if not MEMBER_CODE.match(code):
            problems.append(
                f"{label}: [{code}]: not a member code; a preset file has one table per member, "
                "named by its three-letter code (e.g. [CHN])"
            )
            continue
        try:
            specs[code] = MemberSpec.model_validate(body)
        except ValidationError as exc:
            problems.extend(_format_errors(label, exc, (code,)))
    if problems:
        raise ScenarioError(problems)
    return specs


_BUILTIN_CACHE: dict[str, Any] = {}


def builtin_members() -> dict[str, MemberSpec]:
    """The shipped stance presets (``sim/data/members.toml``)."""
    if "members" not in _BUILTIN_CACHE:
        text = resources.files("sim.data").joinpath("members.toml").read_text(encoding="utf-8")
        _BUILTIN_CACHE["members"] = _load_members_table(tomllib.loads(text), "sim/data/members.toml")
    return _BUILTIN_CACHE["members"]


def builtin_groups() -> dict[str, dict[str, Any]]:
    """Named member templates (``sim/data/groups.toml``)."""
    if "groups" not in _BUILTIN_CACHE:
        text = resources.files("sim.data").joinpath("groups.toml").read_text(encoding="utf-8")
        _BUILTIN_CACHE["groups"] = tomllib.loads(text)
    return _BUILTIN_CACHE["groups"]


def builtin_councils() -> dict[int, dict[str, Any]]:
    """Elected members by year (``sim/data/councils.toml``), each with its source."""
    if "councils" not in _BUILTIN_CACHE:
        text = resources.files("sim.data").joinpath("councils.toml").read_text(encoding="utf-8")
        raw = tomllib.loads(text)
        _BUILTIN_CACHE["councils"] = {int(year): body for year, body in raw["year"].items()}
    return _BUILTIN_CACHE["councils"]


PERMANENT_MEMBERS: tuple[str, ...] = ("CHN", "FRA", "RUS", "GBR", "USA")
"""In the Charter's order (Art. 23): China, France, Russia, United Kingdom, United States."""


def load_preset(path: str | Path, label: str | None = None) -> dict[str, MemberSpec]:
    """A stance preset file: one table per member code, same keys as the built-in presets."""
    path = Path(path)
    label = label or str(path)
    return _load_members_table(_read_toml(path, label), label)


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


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, validate and resolve a scenario file. ``overrides`` set dotted keys before
    validation (sweeps use this), so a bad override is reported like a bad file."""
    path = Path(path)
    if path.suffix.lower() != ".toml":
        raise ScenarioError([f"{path}: expected a scenario file ending in .toml"])
    raw = _with_extends(_read_toml(path, str(path)), path, [path.resolve()])
    return scenario_from_dict(raw, label=str(path), base_dir=path.parent, overrides=overrides)


MAX_EXTENDS = 8


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """``child`` over ``base``: tables merge key by key, anything else (arrays included) is
    replaced."""
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _with_extends(raw: dict[str, Any], path: Path, chain: list[Path]) -> dict[str, Any]:
    """Resolve ``extends = "other.toml"``: the other file (itself possibly extending another),
    without its [history], with this file's keys over it."""
    parent = raw.get("extends")
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError([f"{path}: extends: expected a file name (a string), got {parent!r}"])
    base_path = (path.parent / parent).resolve()
    if base_path in chain:
        raise ScenarioError([f"{path}: extends: {parent} extends this file again (a cycle)"])
    if len(chain) > MAX_EXTENDS:
        raise ScenarioError([f"{path}: extends: more than {MAX_EXTENDS} files deep"])
    if base_path.suffix.lower() != ".toml":
        raise ScenarioError([f"{path}: extends: {parent}: expected a scenario file ending in .toml"])
    base = _with_extends(_read_toml(base_path, f"{path}: extends: {parent}"), base_path, [*chain, base_path])
    base = {key: value for key, value in base.items() if key not in {"history", "extends"}}
    child = {key: value for key, value in raw.items() if key != "extends"}
    return _merge(base, child)


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
    members = _resolve_council(spec, label, base_dir or Path("."))
    parameters = parameters_for(spec)
    return Scenario(spec=spec, members=tuple(members), path=label, parameters=parameters)


def _decision_year(spec: ScenarioSpec) -> int | None:
    """The year whose General Assembly positions the members' derived stances use: the
    decision's (its date), else the council's year."""
    from sim.situation import parse_date

    try:
        return parse_date(spec.context.date).year
    except ValueError:
        return spec.council.year


def parameters_for(spec: ScenarioSpec) -> ModelParameters:
    """The shipped global parameters with the file's ``[decision]`` and ``[negotiation]``
    overrides."""
    values = spec.decision.model_dump(exclude_none=True)
    values.update(spec.negotiation.model_dump(exclude_none=True, exclude={"rounds", "penholder"}))
    return default_parameters().with_values(values)


def situation_for(spec: ScenarioSpec, parameters: ModelParameters) -> Situation:
    """The situation on the scenario's date, with its ``[context]`` overrides."""
    context = spec.context
    return situation_on(
        context.date,
        provocation_half_life_days=parameters.provocation_half_life_days,
        steps_half_life_days=parameters.steps_half_life_days,
        extra_events=context.extra_events(),
        overrides=context.overrides(),
    )


def _profile(
    code: str,
    layers: list[_Layer],
    codes: list[str],
    presets: dict[str, MemberSpec],
    year: int | None,
    spec: ScenarioSpec,
    label: str,
    problems: list[str],
) -> MemberProfile | None:
    """Merge a member's layers into its profile, noting where each stance came from."""
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    ties: dict[str, float] = {}
    sources: dict[str, str] = {}
    note = ""
    found: Position | None = None
    position_origin = "derived (UNGA)"
    for layer in layers:
        template = layer.origin.startswith("template")
        for key in ("name", "permanent", *STANCE_FIELDS):
            value = getattr(layer.spec, key)
            if value is not None and not (template and key in ("name", "permanent")):
                merged[key] = value
                origins[key] = layer.origin
        if layer.position is not None:
            found, position_origin = layer.position, f"{layer.origin} (UNGA)"
            merged.pop("pressure", None), merged.pop("reciprocity", None)
        ties.update(layer.spec.ties)
        note = layer.spec.note or note
    override = spec.members.get(code)
    if override is not None:
        for other in override.ties:
            if other not in presets and other not in codes:
                problems.append(
                    f"{label}: members.{code}.ties.{other}: no such member (not on this "
                    "council and no preset)"
                )
        if override.source:
            sources["member"] = override.source
    if code not in presets:
        if merged.get("name") is None and state_names().get(code):
            merged["name"], origins["name"] = state_names()[code], "states.csv"
        if "permanent" not in merged:
            merged["permanent"], origins["permanent"] = code in PERMANENT_MEMBERS, "default"
        for key, value in ELECTED_DEFAULTS.items():
            if key not in merged:
                merged[key] = Stance(value=value, source="elected-member default (judgement)")
                origins[key] = "default"
    needs_position = "pressure" not in merged or "reciprocity" not in merged
    if needs_position and found is None and year is not None:
        found = position(code, year)
    missing = [key for key in ("name", "permanent", *REQUIRED_STANCES) if merged.get(key) is None]
    if needs_position and found is None:
        missing.append("pressure and reciprocity (no General Assembly position to derive them from)")
    if missing:
        where = f"members.{code}" if code in spec.members else f"council: {code}"
        problems.append(f"{label}: {where}: no preset for this member; give {', '.join(missing)}")
        return None
    for key in STANCE_FIELDS:
        if key in merged and merged[key].source:
            sources[key] = merged[key].source
    if needs_position and found is not None:
        for key in ("pressure", "reciprocity"):
            if key not in merged:
                sources[key] = found.source
                origins[key] = position_origin
    if "salience" not in merged:
        sources["salience"] = "rule: 1 for a permanent member, elected_salience otherwise"
        origins["salience"] = "rule"
    return MemberProfile(
        code=code,
        name=merged["name"],
        permanent=merged["permanent"],
        stances={key: merged[key] for key in STANCE_FIELDS if key in merged},
        ties={other: w for other, w in ties.items() if other in codes and other != code},
        note=note,
        sources=sources,
        position=found if needs_position else None,
        origins={key: origins[key] for key in STANCE_FIELDS if key in origins},
    )


@dataclass
class _Layer:
    """One source of a member's stances, with the name outputs give it."""

    spec: MemberSpec
    origin: str
    position: Position | None = None


def _group_layer(name: str, year: int | None) -> _Layer | None:
    """A named group of ``sim/data/groups.toml`` as a layer: its veto cost and noise, and the
    median UNGA position of its states in the year."""
    group = builtin_groups().get(name)
    if group is None:
        return None
    spec = MemberSpec(
        veto_cost=Stance(value=float(group["veto_cost"])), noise=Stance(value=float(group["noise"]))
    )
    found = [p for p in (position(code, year) for code in group["states"]) if p is not None] if year else []
    if not found:
        return _Layer(spec, f"template {name}")
    votes = [p.dprk_vote for p in found if p.dprk_vote_year is not None]
    typical = Position(
        code=name,
        year=int(year),  # type: ignore[arg-type]
        ideal_point=float(np.median([p.ideal_point for p in found])),
        from_year=max(p.from_year for p in found),
        dprk_vote=max(set(votes), key=votes.count) if votes else 0,
        dprk_vote_year=max((p.dprk_vote_year for p in found if p.dprk_vote_year), default=None),
    )
    return _Layer(spec, f"template {name}", typical)


def _member_layers(
    code: str,
    spec: ScenarioSpec,
    presets: dict[str, MemberSpec],
    preset_origin: dict[str, str],
    year: int | None,
    label: str,
    problems: list[str],
) -> list[_Layer]:
    """The layers of one member, lowest first: its preset (or that of the member or group it is
    "like"), then the scenario's own table."""
    override = spec.members.get(code)
    layers: list[_Layer] = []
    like = override.like if override is not None else None
    if like is not None:
        if like in presets or position(like, year or 2019) is not None:
            if like in presets:
                layers.append(_Layer(presets[like], f"template {like}"))
            layers.append(_Layer(MemberSpec(), f"template {like}", position(like, year) if year else None))
        else:
            group = _group_layer(like, year)
            if group is None:
                known = ", ".join(sorted(builtin_groups()))
                problems.append(
                    f"{label}: members.{code}.like: {like!r} is neither a member code nor a group "
                    f"(groups: {known})"
                )
            else:
                layers.append(group)
    if code in presets:
        layers.insert(0, _Layer(presets[code], preset_origin.get(code, "preset sim/data/members.toml")))
    if override is not None:
        layers.append(_Layer(override, "scenario"))
    return layers


def _resolve_council(spec: ScenarioSpec, label: str, base_dir: Path) -> list[MemberProfile]:
    problems: list[str] = []
    presets = dict(builtin_members())
    preset_origin: dict[str, str] = {}
    if spec.council.preset:
        preset_path = base_dir / spec.council.preset
        try:
            from_file = load_preset(preset_path)
            presets.update(from_file)
            preset_origin.update({code: f"preset {spec.council.preset}" for code in from_file})
        except ScenarioError as exc:
            problems.extend(f"{label}: council.preset: {problem}" for problem in exc.problems)

    if spec.council.year is not None:
        councils = builtin_councils()
        if spec.council.year not in councils:
            known = ", ".join(str(y) for y in sorted(councils))
            raise ScenarioError(
                [f"{label}: council.year: no preset council for {spec.council.year} (known: {known})"]
            )
        codes = list(PERMANENT_MEMBERS) + sorted(councils[spec.council.year]["elected"])
    else:
        codes = list(spec.council.members or [])

    for code in spec.members:
        if code not in codes:
            problems.append(f"{label}: members.{code}: not on this council ({', '.join(codes)})")
    year = _decision_year(spec)

    profiles: list[MemberProfile] = []
    for code in codes:
        layers = _member_layers(code, spec, presets, preset_origin, year, label, problems)
        profile = _profile(code, layers, codes, presets, year, spec, label, problems)
        if profile is not None:
            profiles.append(profile)

    quota = spec.council.quota
    if quota is None and len(codes) != 15:
        problems.append(
            f"{label}: council: {len(codes)} members; the Charter's council has 15 "
            "(set council.quota to study another size)"
        )
    if quota is not None and quota > len(codes):
        problems.append(f"{label}: council.quota: {quota} exceeds the {len(codes)} members")
    for index, sponsor in enumerate(spec.proposal.sponsors):
        if sponsor not in codes:
            problems.append(
                f"{label}: proposal.sponsors[{index}]: {sponsor} is not on this council"
            )
    if spec.history is not None:
        for key in ("vetoed_by", "blocked_by"):
            for code in getattr(spec.history, key):
                if code not in codes:
                    problems.append(f"{label}: history.{key}: {code} is not on this council")
        for code in spec.history.votes:
            if code not in codes:
                problems.append(f"{label}: history.votes.{code}: not on this council")
        if spec.history.tally and spec.history.votes and len(spec.history.votes) == len(codes):
            counts = [list(spec.history.votes.values()).count(v) for v in ("yes", "no", "abstain")]
            if "-".join(map(str, counts)) != spec.history.tally:
                problems.append(
                    f"{label}: history.tally: {spec.history.tally} disagrees with history.votes "
                    f"({'-'.join(map(str, counts))})"
                )
    if problems:
        raise ScenarioError(problems)
    return profiles
