"""What a sweep varies, declared as data, and the designs that turn it into points.

In the manner of EMA Workbench, a parameter is data: a scenario key path and either a finite list
of values or bounds (:class:`Parameter`). A :class:`Design` is a full-factorial grid of listed
values, or ``samples`` points drawn at random or by Latin hypercube within bounds. Points are
plain ``{key: value}`` dicts, applied to the scenario as overrides (``sim.scenario.set_key``), so
whatever the scenario schema accepts can be swept and a bad value is reported like a bad file.
Running the points is the rest of :mod:`sim.sweep`'s job; nothing here simulates.

Parameters come from ``params`` (``--param KEY=SPEC`` options) or a scenario's ``[sweep]`` table. SPEC is
``start:stop:count`` (a grid axis, both ends included), ``a,b,c`` (a list), or ``low:high``
(bounds, for the random and Latin-hypercube designs). Keys are checked against the schema first,
so a typo is named at once; values are then checked by validating every point.
"""

from __future__ import annotations

import itertools
import math
import re
import typing
from dataclasses import dataclass
from typing import Any, Literal, Union

import numpy as np
from pydantic import BaseModel

from sim.errors import InputError
from sim.scenario import MEMBER_CODE, ScenarioSpec, Stance, field_by_file_name, union_models, unwrap_optional

DesignName = Literal["grid", "random", "lhs"]
DESIGNS: tuple[str, ...] = typing.get_args(DesignName)
Value = Union[bool, int, float, str]
KeyKind = Literal["int", "float", "bool", "choice", "text"]

NOT_SWEEPABLE = {
    "history": "history is the real record; the model never reads it",
    "sweep": "the sweep table describes the sweep itself",
}
MAX_POINTS = 1_000_000
"""A design with more points than this is almost surely a typo (21 values of 6 keys is 86M)."""
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
GRID_SPEC = re.compile(rf"^\s*({NUMBER})\s*:\s*({NUMBER})\s*:\s*([^:]*?)\s*$")
BOUNDS_SPEC = re.compile(rf"^\s*({NUMBER})\s*:\s*({NUMBER})\s*$")


class DesignError(InputError):
    """A sweep is badly declared. ``problems`` holds one line per problem, each naming the key."""


@dataclass(frozen=True)
class KeyInfo:
    """What kind of value a scenario key path holds (from the schema)."""

    key: str
    kind: KeyKind
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parameter:
    """One swept key: a finite list of ``values`` or numeric bounds ``low``..``high``."""

    key: str
    kind: KeyKind
    values: tuple[Value, ...] | None = None
    low: float | None = None
    high: float | None = None

    def describe(self) -> dict[str, Any]:
        """The parameter as recorded in result metadata."""
        if self.values is not None:
            return {"key": self.key, "values": list(self.values)}
        return {"key": self.key, "low": self.low, "high": self.high, "integer": self.kind == "int"}

    def from_unit(self, u: np.ndarray) -> list[Value]:
        """Map uniform numbers in [0, 1) to this parameter's values (random and LHS designs).

        Bounds: ``low + u (high - low)``; whole numbers for an integer key, each of
        ``low..high`` equally likely. A list: value ``floor(u k)`` of its ``k`` values.
        """
        if self.values is not None:
            index = np.minimum((u * len(self.values)).astype(np.int64), len(self.values) - 1)
            return [self.values[i] for i in index]
        assert self.low is not None and self.high is not None
        if self.kind == "int":
            low, high = int(self.low), int(self.high)
            return [int(v) for v in np.minimum(low + np.floor(u * (high - low + 1)), high)]
        return [float(v) for v in self.low + u * (self.high - self.low)]


@dataclass(frozen=True)
class Design:
    """A sweep design: the parameters and how points are drawn from them."""

    name: DesignName
    parameters: tuple[Parameter, ...]
    samples: int | None = None

    def describe(self) -> dict[str, Any]:
        settings: dict[str, Any] = {"points": self.size}
        if self.name != "grid":
            settings["samples"] = self.samples
        return {"name": self.name, "settings": settings}

    @property
    def keys(self) -> list[str]:
        return [parameter.key for parameter in self.parameters]

    @property
    def size(self) -> int:
        if self.name == "grid":
            return math.prod(len(p.values or ()) for p in self.parameters)
        return int(self.samples or 0)

    def points(self, seed: int) -> list[dict[str, Value]]:
        """Every point of the design, in order. Grid: the Cartesian product, the first key
        varying slowest. Random and LHS: drawn from ``numpy.random.default_rng(seed)`` (a stream
        of its own: lanes draw from ``SeedSequence(seed, spawn_key=(point,))``)."""
        keys = self.keys
        if self.name == "grid":
            axes = [p.values or () for p in self.parameters]
            return [dict(zip(keys, combo)) for combo in itertools.product(*axes)]
        rng = np.random.default_rng(seed)
        n, d = int(self.samples or 0), len(self.parameters)
        unit = latin_hypercube(rng, n, d) if self.name == "lhs" else rng.uniform(size=(n, d))
        columns = [p.from_unit(unit[:, j]) for j, p in enumerate(self.parameters)]
        return [dict(zip(keys, row)) for row in zip(*columns)]


def latin_hypercube(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """``n`` points in [0, 1)^d with exactly one point in each of the ``n`` equal strata of
    every dimension: stratum ``perm[i]`` of dimension ``j``, uniform within it."""
    strata = np.stack([rng.permutation(n) for _ in range(d)], axis=1) if d else np.empty((n, 0))
    return (strata + rng.uniform(size=(n, d))) / n


# ---------------------------------------------------------------------------- key paths


def _kind_of(annotation: Any) -> tuple[KeyKind, tuple[str, ...]] | None:
    """The kind of a leaf annotation, or None if it is not a single value."""
    if annotation is bool:
        return "bool", ()
    if annotation is int:
        return "int", ()
    if annotation is float or annotation is Stance:
        return "float", ()  # a stance given as a number is fixed in every lane
    if annotation is str:
        return "text", ()
    if typing.get_origin(annotation) is Literal:
        return "choice", tuple(str(a) for a in typing.get_args(annotation))
    return None


def key_info(key: str, label: str | None = None) -> KeyInfo:
    """What ``key`` (a dotted scenario key path) holds, from the schema; :class:`DesignError`
    naming the key if it is not a single value that a scenario file could set. ``label``
    (default: the key) starts each message, e.g. ``--param members.CHN.presure``."""
    label = label or key
    parts = key.split(".")
    if not key or any(not part for part in parts):
        shown = repr(key) if label == key else label
        raise DesignError([f"{shown}: not a key path (dotted names, e.g. members.CHN.pressure)"])
    if parts[0] in NOT_SWEEPABLE:
        raise DesignError([f"{label}: cannot be swept: {NOT_SWEEPABLE[parts[0]]}"])
    node: Any = ScenarioSpec
    for depth, part in enumerate(parts):
        parent = ".".join(parts[:depth]) or "the top level"
        node = unwrap_optional(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            fields = node.model_fields
            if part not in fields:
                known = ", ".join(name for name in fields if name not in NOT_SWEEPABLE)
                raise DesignError([f"{label}: unknown key {part!r} under {parent} (known: {known})"])
            node = fields[part].annotation
            continue
        models = union_models(node)
        if models:  # a measure: the key must name a field of some measure type
            found = [a for a in (field_by_file_name(m, part) for m in models) if a is not None]
            if not found:
                raise DesignError([f"{label}: no measure type has a key {part!r}"])
            node = found[0]
            continue
        origin = typing.get_origin(node)
        if origin is dict:
            key_type, value_type = typing.get_args(node)
            if parent.startswith("members") or parent.endswith("ties"):
                if not MEMBER_CODE.match(part):
                    raise DesignError(
                        [f"{label}: {part!r} under {parent} is not a member code (three capital letters)"]
                    )
            node = value_type
            continue
        if origin is list:
            if not part.isdigit():
                raise DesignError(
                    [f"{label}: {parent} is a list; name an item by its position from 0 (e.g. {parent}.0)"]
                )
            node = typing.get_args(node)[0]
            continue
        raise DesignError([f"{label}: {parent} is a single value and has no key {part!r}"])
    node = unwrap_optional(node)
    kind = _kind_of(node)
    if kind is None:
        if typing.get_origin(node) is list:
            raise DesignError([f"{label}: is a list; only single values can be swept"])
        raise DesignError([f"{label}: is a table; name a value inside it (e.g. {_example(key)})"])
    return KeyInfo(key=key, kind=kind[0], choices=kind[1])


def _example(key: str) -> str:
    examples = {
        "members": "members.CHN.pressure",
        "context": "context.great_power_tension",
        "negotiation": "negotiation.rounds",
        "decision": "decision.noise_scale",
        "council": "council.quota",
        "proposal": "proposal.kind",
    }
    head = key.split(".")[0]
    if head == "members" and key.count(".") == 1:
        return f"{key}.pressure"
    return examples.get(head, "members.CHN.pressure")


# ------------------------------------------------------------------------ parsing values


def _number(text: str, info: KeyInfo, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise DesignError([f"{where}: {text!r} is not a number"]) from None


def _coerce(raw: Any, info: KeyInfo, where: str) -> Value:
    """One listed value, as the key's kind (a string from the command line, or TOML data)."""
    if info.kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        raise DesignError([f"{where}: {info.key} is true or false, got {raw!r}"])
    if info.kind in ("choice", "text"):
        if isinstance(raw, (bool, int, float)):
            raise DesignError([f"{where}: {info.key} takes text{_choices(info)}, got {raw!r}"])
        text = str(raw).strip()
        if info.choices and text not in info.choices:
            raise DesignError([f"{where}: {text!r} is not one of {', '.join(info.choices)}"])
        return text
    if isinstance(raw, bool):
        raise DesignError([f"{where}: {info.key} is a number, got {raw!r}"])
    number = raw if isinstance(raw, (int, float)) else _number(str(raw).strip(), info, where)
    if not math.isfinite(number):
        raise DesignError([f"{where}: {raw!r} is not a finite number"])
    if info.kind == "int":
        if float(number) != int(number):
            raise DesignError([f"{where}: {info.key} takes whole numbers, got {raw!r}"])
        return int(number)
    return float(number)


def _choices(info: KeyInfo) -> str:
    return f" (one of {', '.join(info.choices)})" if info.choices else ""


def _tidy(value: float) -> float:
    """A grid value rounded to 12 significant digits: 0.15, not 0.15000000000000002."""
    return float(f"{value:.12g}")


def parse_parameter(key: str, spec: Any, design: DesignName, where: str | None = None) -> Parameter:
    """One parameter from its SPEC (command-line text, or TOML data from a ``[sweep]`` table:
    the same text, a number, or an array of values). ``where`` prefixes error messages."""
    where = where or key
    info = key_info(key, where)
    if isinstance(spec, (list, tuple)):
        if not spec:
            raise DesignError([f"{where}: an empty list of values"])
        if len(spec) > MAX_POINTS:
            raise DesignError([f"{where}: {len(spec):,} values is more than {MAX_POINTS:,} points"])
        return Parameter(key, info.kind, values=tuple(_coerce(v, info, where) for v in spec))
    if isinstance(spec, (bool, int, float)):
        return Parameter(key, info.kind, values=(_coerce(spec, info, where),))
    text = str(spec).strip()
    if not text:
        raise DesignError([f"{where}: no values given (start:stop:count, a,b,c or low:high)"])
    numeric = info.kind in ("int", "float")
    grid, bounds = GRID_SPEC.match(text), BOUNDS_SPEC.match(text)
    if (grid or bounds or text.count(":") in (1, 2)) and not numeric:
        raise DesignError(
            [
                f"{where}: a range needs a numeric key; {key} takes "
                f"{'true or false' if info.kind == 'bool' else 'text' + _choices(info)}: give a list a,b,c"
            ]
        )
    if text.count(":") == 2:
        if not grid:
            raise DesignError([f"{where}: expected start:stop:count with numbers, got {text!r}"])
        if design != "grid":
            raise DesignError(
                [
                    f"{where}: `design` {design} takes bounds low:high or a list a,b,c, "
                    f"not start:stop:count ({text!r})"
                ]
            )
        start, stop = float(grid.group(1)), float(grid.group(2))
        try:
            count = int(grid.group(3))
        except ValueError:
            raise DesignError([f"{where}: count must be a whole number, got {grid.group(3)!r}"]) from None
        if count < 1:
            raise DesignError([f"{where}: count must be at least 1, got {count}"])
        if count > MAX_POINTS:  # refused before a single value is made
            raise DesignError([f"{where}: count {count:,} is more than {MAX_POINTS:,} points"])
        if count == 1:
            values = [start]
        else:
            step = (stop - start) / (count - 1)
            values = [_tidy(start + i * step) for i in range(count - 1)] + [stop]
        if info.kind == "int":
            if any(v != int(v) for v in values):
                raise DesignError(
                    [
                        f"{where}: {key} takes whole numbers; {text} gives "
                        f"{', '.join(f'{v:g}' for v in values[:4])}{', ...' if len(values) > 4 else ''} "
                        "(make (stop - start) / (count - 1) whole)"
                    ]
                )
            return Parameter(key, info.kind, values=tuple(int(v) for v in values))
        return Parameter(key, info.kind, values=tuple(float(v) for v in values))
    if text.count(":") == 1:
        if not bounds:
            raise DesignError([f"{where}: expected low:high with numbers, got {text!r}"])
        if design == "grid":
            raise DesignError(
                [
                    f"{where}: bounds low:high are for `design` random or lhs; "
                    f"a grid takes start:stop:count or a list a,b,c (got {text!r})"
                ]
            )
        low, high = float(bounds.group(1)), float(bounds.group(2))
        if low > high:
            raise DesignError([f"{where}: low must not exceed high, got {text!r}"])
        if info.kind == "int" and (low != int(low) or high != int(high)):
            raise DesignError([f"{where}: {key} takes whole numbers, got bounds {text!r}"])
        return Parameter(key, info.kind, low=low, high=high)
    if ":" in text:
        raise DesignError([f"{where}: expected start:stop:count, a,b,c or low:high, got {text!r}"])
    if text.count(",") >= MAX_POINTS:
        raise DesignError([f"{where}: {text.count(',') + 1:,} values is more than {MAX_POINTS:,} points"])
    items = [item.strip() for item in text.split(",")]
    if any(not item for item in items):
        raise DesignError([f"{where}: an empty item in the list {text!r}"])
    return Parameter(key, info.kind, values=tuple(_coerce(item, info, where) for item in items))


def parse_param_option(option: str, design: DesignName) -> Parameter:
    """A ``--param KEY=SPEC`` option."""
    key, sep, spec = option.partition("=")
    key = key.strip()
    if not sep or not key:
        raise DesignError(
            [f"params {option}: expected KEY=VALUES (e.g. members.CHN.pressure=0:1:21), got {option!r}"]
        )
    return parse_parameter(key, spec, design, where=f"params {key}")


def build_design(
    parameters: list[Parameter],
    name: DesignName = "grid",
    samples: int | None = None,
    where: str = "samples",
) -> Design:
    """Check that ``parameters`` make a design of kind ``name``; one problem per line."""
    problems: list[str] = []
    if name not in DESIGNS:
        problems.append(f"design: expected one of {', '.join(DESIGNS)}, got {name!r}")
    if not parameters:
        problems.append("no parameters to sweep: give `params` KEY=VALUES or a [sweep] table")
    seen: set[str] = set()
    for parameter in parameters:
        if parameter.key in seen:
            problems.append(f"{parameter.key}: given twice")
        seen.add(parameter.key)
    if name == "grid":
        if samples is not None:
            problems.append(f"{where}: applies to `design` random or lhs, not to a grid")
    elif samples is None:
        problems.append(f"{where}: required for the {name} design (how many points to draw)")
    elif samples < 1:
        problems.append(f"{where}: must be at least 1, got {samples}")
    if problems:
        raise DesignError(problems)
    design = Design(name=name, parameters=tuple(parameters), samples=samples)
    if design.size > MAX_POINTS:
        raise DesignError(
            [
                f"the design has {design.size:,} points (more than {MAX_POINTS:,}): fewer values, "
                "or `design` lhs with `samples`"
            ]
        )
    return design
