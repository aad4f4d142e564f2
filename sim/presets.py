"""Reading the TOML inputs: any scenario or preset file (with its size and nesting guards), the
``extends`` chain of a scenario file, the shipped member presets, groups and councils, and a
preset file of the user's; and writing the calibrated defaults (``sim/data/parameters.toml``).

One home for how input files are read, so the schema (:mod:`sim.scenario`) only says what a file
may contain and the council resolver (:mod:`sim.council_resolver`) only combines what is read.
"""

from __future__ import annotations

import datetime as _dt
import os
import shlex
import stat
import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sim.scenario import MEMBER_CODE, MemberSpec, ScenarioError, _format_errors

if TYPE_CHECKING:
    from sim.calibrate import FitResult
    from sim.likelihood import Parameter

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


def read_toml(path: Path, label: str) -> dict[str, Any]:
    """Parse a scenario or preset file, every failure a :class:`ScenarioError` naming ``label``."""
    # Opened without blocking and checked on the open handle: a FIFO, a device (/dev/zero) or a
    # socket is refused at once instead of hanging or filling memory; so is a huge file.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError
            if not stat.S_ISREG(mode):
                raise ScenarioError(
                    [f"{label}: not a regular file (a pipe, device or socket), expected a .toml file"]
                )
            data = handle.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise ScenarioError(
                [f"{label}: larger than {MAX_INPUT_BYTES:,} bytes; not a scenario or preset file"]
            )
        raw = tomllib.loads(
            data.decode("utf-8").removeprefix("\ufeff")
        )  # a BOM, as some Windows editors write
    except FileNotFoundError:
        raise ScenarioError([f"{label}: file not found"]) from None
    except IsADirectoryError:
        raise ScenarioError([f"{label}: is a directory, expected a .toml file"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{label}: not valid TOML: {exc}"]) from None
    except UnicodeDecodeError:
        raise ScenarioError([f"{label}: not UTF-8 text, expected a TOML file"]) from None
    except RecursionError:
        raise ScenarioError(
            [f"{label}: tables or arrays nested too deeply (at most {MAX_NESTING} levels)"]
        ) from None
    except OSError as exc:
        raise ScenarioError([f"{label}: cannot read: {exc.strerror or exc}"]) from None
    if _nesting(raw) > MAX_NESTING:
        raise ScenarioError([f"{label}: tables or arrays nested too deeply (at most {MAX_NESTING} levels)"])
    return raw


def load_members_table(raw: dict[str, Any], label: str) -> dict[str, MemberSpec]:
    """Validate a preset table (one sub-table per member code), collecting every problem."""
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
        _BUILTIN_CACHE["members"] = load_members_table(tomllib.loads(text), "sim/data/members.toml")
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
    return load_members_table(read_toml(path, label), label)


MAX_EXTENDS = 8


def merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """``child`` over ``base``: tables merge key by key, anything else (arrays included) is
    replaced."""
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_scenario_toml(path: Path) -> dict[str, Any]:
    """A scenario file as a dict, with its ``extends`` resolved: what :func:`sim.scenario.load_scenario`
    validates, for the code that sets keys in it before validating (sweeps, sensitivity)."""
    return with_extends(read_toml(path, str(path)), path, [path.resolve()])


def with_extends(raw: dict[str, Any], path: Path, chain: list[Path]) -> dict[str, Any]:
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
    where = parent if Path(parent) == base_path else f"{parent} (read as {base_path}, relative to this file)"
    base = with_extends(read_toml(base_path, f"{path}: extends: {where}"), base_path, [*chain, base_path])
    base = {key: value for key, value in base.items() if key not in {"history", "extends"}}
    child = {key: value for key, value in raw.items() if key != "extends"}
    return merge(base, child)


# ------------------------------------------------------------------------ writing the defaults

DEFAULTS_PATH = Path(__file__).parent / "data" / "parameters.toml"
"""The shipped global parameters, read by :func:`sim.parameters.default_parameters`."""


def unwritable(params: Sequence[Parameter], held: dict[str, float | None]) -> list[str]:
    """Why a fit of ``params`` (holding the other globals at ``held``, see
    :func:`sim.calibrate.held_values`) cannot be written as a parameters file: at most one line
    for the members' stances (a parameters file holds global parameters only) and one for the
    globals the files hold at different values (no single value is what the fit used)."""
    problems = []
    members = [p.key for p in params if not p.is_global]
    if members:
        problems.append(
            f"{', '.join(members)}: a member's stance cannot go in a parameters file (it holds the "
            "global parameters only); fit it without --out and --write-defaults"
        )
    differing = [f"decision.{name}" for name, value in held.items() if value is None]
    if differing:
        it = "it" if len(differing) == 1 else "each"
        problems.append(
            f"{', '.join(differing)}: not fitted, and the files hold {it} at different values (their "
            "[decision] or [negotiation] tables), so no one value in a parameters file is what the "
            f"fit used; fit {'it' if len(differing) == 1 else 'them'} too (--params) or give every "
            "file the same value"
        )
    return problems


def defaults_text(
    result: FitResult, command: str, today: _dt.date | None = None, record_through: str | None = None
) -> str:
    """A parameters file (``sim/data/parameters.toml`` or ``calibrate --out``) for a fit of global
    parameters: every value the fit used, the fitted ones marked ``fitted`` and the others at the
    values the fit held them (``result.held``: the shipped defaults, or the value every scenario
    file sets), so that the file scores the records as the fit reported. ``command``: the command
    that made it (:func:`defaults_command`); ``record_through``: the date of the latest decision
    fitted (see :func:`sim.parameters.fitted_record_end`). A fit of a member's stance, or one
    whose held values differ between files, cannot be written (:func:`unwritable`): ValueError."""
    from sim import __version__
    from sim.parameters import PARAMETER_SPECS, SPECS, default_parameters, parameters_text

    problems = unwritable(result.params, result.held)
    fitted = {p.field for p in result.params}
    missing = [
        spec.name for spec in PARAMETER_SPECS if spec.name not in fitted and spec.name not in result.held
    ]
    if missing:
        problems.append(f"the fit does not say at which values it held {', '.join(missing)}")
    if problems:
        raise ValueError("; ".join(problems))
    shipped = default_parameters()
    values: dict[str, float] = {}
    comments: dict[str, str] = {}
    for p, value in zip(result.params, result.values):
        values[p.field] = round(float(value), 6)
        comments[p.field] = "fitted"
    at_shipped: list[str] = []
    at_scenarios: list[str] = []
    for spec in PARAMETER_SPECS:
        if spec.name in fitted:
            continue
        held = result.held[spec.name]
        assert held is not None  # refused above
        value = values[spec.name] = float(held)
        if value != float(getattr(shipped, spec.name)):
            comments[spec.name] = "held at the scenarios' value, not fitted"
            at_scenarios.append(spec.name)
        elif SPECS[spec.name].fitted:
            comments[spec.name] = "held at the shipped default, not fitted"
            at_shipped.append(spec.name)
        else:
            comments[spec.name] = "judgement, not fitted"

    today = today or _dt.date.today()
    count = len(result.params)
    header = [
        "The model's global parameters, written by `unsc-sim calibrate` (sim/calibrate.py).",
        f"Made {today.isoformat()} with unsc-sim {__version__} by:",
        f"  {command}",
        f"{count} {'number' if count == 1 else 'numbers'} fitted to {len(result.files)} decisions; "
        f"log-likelihood {result.log_likelihood:.3f} at the fit (the values below), "
        f"{result.start_log_likelihood:.3f} with the fitted ones at their priors' centres.",
        f"Gaussian priors: centres and widths from sim/parameters.py (judgement, set before any fit), "
        f"widths x {result.prior_sd:g}; on the log of scale parameters.",
        "Fitted (std. error from the observed information; '-' at a bound or not identified):",
    ]
    for row in result.table():
        se = "-" if row["std_error"] is None else f"{row['std_error']:.3f}"
        header.append(f"  {row['param']:<34} {row['value']:.4f}  (se {se}; prior centre {row['start']:.4f})")
    if at_shipped:
        header.append(
            f"Refitted by this command: {', '.join(p.key for p in result.params)}; held at the shipped "
            f"defaults it found, not refitted (how those were fitted: the header of "
            f"sim/data/parameters.toml as it then was): {', '.join(at_shipped)}."
        )
    if at_scenarios:
        header.append(
            "Held at the value every scenario file sets ([decision] or [negotiation]), not fitted: "
            f"{', '.join(at_scenarios)}."
        )
    if at_shipped or at_scenarios:
        header.append(
            "Rerun that command to reproduce this file while the numbers it does not fit are held "
            "at these values (the shipped defaults, or the scenarios' own)."
        )
    elif "--write-defaults" in shlex.split(command):
        header.append("Rerun that command to reproduce this file (tests/test_calibrate.py checks it).")
    else:
        header.append("Rerun that command to reproduce this file.")
    return parameters_text(values, header, record_through, comments)


def defaults_command(
    files: Sequence[str],
    params: Sequence[Parameter],
    prior_sd: float,
    out: str | Path | None = None,
    write_defaults: bool = True,
) -> str:
    """The command that makes a parameters file, quoted in its header: the options that shape
    the file and its targets (``--write-defaults`` only when it wrote the shipped defaults,
    ``--out FILE`` when given), each word quoted for a POSIX shell where it needs it."""
    from sim.calibrate import DEFAULT_PARAMS, DEFAULT_PRIOR_SD

    keys = ",".join(p.key for p in params)
    words = ["unsc-sim", "calibrate", *files]
    if keys != ",".join(DEFAULT_PARAMS):
        words += ["--params", keys]
    if prior_sd != DEFAULT_PRIOR_SD:
        words += ["--prior-sd", f"{prior_sd:g}"]
    if write_defaults:
        words.append("--write-defaults")
    if out is not None:
        words += ["--out", str(out)]
    return " ".join(shlex.quote(word) for word in words)


def write_defaults(path: str | Path, text: str) -> Path:
    """Write atomically, after checking the text reads as a parameters file."""
    from sim.files import atomic_write_text

    tomllib.loads(text)
    return atomic_write_text(path, text)
