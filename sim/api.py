"""The library as a notebook uses it: one call per thing the command line does.

``import sim`` re-exports these names lazily (:mod:`sim.__init__`), so ``import sim`` itself stays
quick; the first call imports numpy, Mesa and the rest. Errors are :class:`~sim.errors.InputError`
(``problems``: one line each, naming the argument or the file's key), never a command-line flag.
"""

from __future__ import annotations

import math
import operator
import os
import sys
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    import pandas as pd

    from sim.calibrate import CalibrationReport
    from sim.compare import ComparisonReport
    from sim.results import RunResult
    from sim.scenario import Scenario

ScenarioLike = Union["Scenario", str, Path]
"""A loaded scenario, or the path of its TOML file."""


class CallableModule(types.ModuleType):
    """A module that is also the public call of the same name: ``sim.sweep``, ``sim.compare``
    and ``sim.calibrate`` are both their modules (``sim.sweep.load_sweep``, ``import
    sim.sweep``) and the calls of this module (``sim.sweep("file.toml", ...)``). Python binds a
    submodule to the package attribute of its name, so a function of the same name there would
    be replaced by the module on its first import."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return globals()[self.__name__.rpartition(".")[2]](*args, **kwargs)


def callable_module(name: str) -> None:
    """Make the (already imported) module ``name`` callable as :class:`CallableModule`."""
    sys.modules[name].__class__ = CallableModule


MAX_REPLICATES = 20_000_000
"""The most lanes :func:`run` and :func:`compare` simulate per scenario, and the command line's
``--replicates`` limit (``sim.cli.common.MAX_RUN_REPLICATES`` is this number). A run keeps every
lane, about 45 bytes each: 1.1 GB at the limit."""

# ------------------------------------------------------------------------- argument checks
# Each check appends one line per problem to ``problems``, naming the argument, and returns the
# value to use; the calls raise :class:`InputError` with every problem before any work.


def _is_bool(value: Any) -> bool:
    """Python's bool or numpy's (``numpy.bool_``, named ``bool`` from numpy 2)."""
    return isinstance(value, bool) or (
        type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_")
    )


def _shown(value: Any, typed: bool = False) -> str:
    """A value as a problem quotes it: where a number is expected, numbers as they are and
    anything else with its type ("str '100'"); with ``typed``, everything with its type."""
    if value is None:
        return "None"
    if not typed and isinstance(value, int) and not _is_bool(value):
        return f"{value:,}"
    if not typed and isinstance(value, float):
        return repr(value)
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _integer(value: Any) -> int | None:
    """``value`` as an int if it is an integer (Python's or numpy's, not a bool), else None."""
    if _is_bool(value):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def _replicates(problems: list[str], value: Any) -> int:
    number = _integer(value)
    if number is None or not 1 <= number <= MAX_REPLICATES:
        problems.append(f"replicates: must be an integer from 1 to {MAX_REPLICATES:,}, got {_shown(value)}")
    return number or 0


def _seed(problems: list[str], value: Any) -> int:
    number = _integer(value)
    if number is None or number < 0:
        problems.append(f"seed: must be a non-negative integer, got {_shown(value)}")
    return number or 0


def _optional_integer(problems: list[str], name: str, value: Any, expected: str) -> int | None:
    """None, or an integer (its range is checked where it is used); else one problem."""
    if value is None:
        return None
    number = _integer(value)
    if number is None:
        problems.append(f"{name}: must be {expected}, got {_shown(value)}")
    return number


def _flag(problems: list[str], name: str, value: Any) -> bool:
    if not _is_bool(value):
        problems.append(f"{name}: must be True or False, got {_shown(value, typed=True)}")
        return False
    return bool(value)


def _is_scenario(value: Any) -> bool:
    from sim.resolved import Scenario

    return isinstance(value, Scenario)


def _scenario_item(problems: list[str], name: str, item: Any) -> Scenario | Path | None:
    """A path (str or path-like) as a Path, or a loaded Scenario as it is; else one problem."""
    if isinstance(item, (str, os.PathLike)) and not isinstance(os.fspath(item), bytes):
        return Path(item)
    if _is_scenario(item):
        return item
    problems.append(
        f"{name}: expected a scenario file (str or Path) or a sim.Scenario, got {_shown(item, typed=True)}"
    )
    return None


def _scenario_items(
    problems: list[str], name: str, value: Any, required: bool = True
) -> list[Scenario | Path]:
    """One scenario (a path or a Scenario: a list of one) or an iterable of them."""
    if isinstance(value, (str, os.PathLike)) or _is_scenario(value):
        return [item for item in [_scenario_item(problems, name, value)] if item is not None]
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        problems.append(
            f"{name}: expected a scenario file (str or Path), a sim.Scenario or a list of them, "
            f"got {_shown(value, typed=True)}"
        )
        return []
    items = list(value)
    if required and not items:
        problems.append(f"{name}: give at least one scenario file")
    checked = [_scenario_item(problems, f"{name}[{i}]", item) for i, item in enumerate(items)]
    return [item for item in checked if item is not None]


def _texts(problems: list[str], name: str, value: Any, expected: str) -> list[str]:
    """An iterable of strings as a list; a string alone is a list of one."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        problems.append(f"{name}: expected {expected} or a list of them, got {_shown(value, typed=True)}")
        return []
    items = list(value)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            problems.append(f"{name}[{i}]: expected {expected}, got {_shown(item, typed=True)}")
    return [item for item in items if isinstance(item, str)]


def _raise(problems: list[str]) -> None:
    from sim.errors import InputError

    if problems:
        raise InputError(problems)


def _load(
    items: Sequence[Scenario | Path], check: Callable[[Scenario], object] | None = None
) -> list[Scenario]:
    """Every scenario loaded (and passed to ``check``), or one error listing the problems of all
    of them, as the command line reports several bad files (:func:`sim.scenario.load_all`)."""
    from sim.scenario import load_all

    return load_all(items, check=check)


def _history_scenarios(items: Sequence[Scenario | Path]) -> list[Scenario]:
    """:func:`_load`, each file required to have a ``[history]`` table (a file without one is
    named)."""
    from sim.compare import record_of

    return _load(items, check=record_of)


# ------------------------------------------------------------------------------- the calls


def run(scenario: ScenarioLike, replicates: int = 10_000, seed: int = 0) -> RunResult:
    """Simulate ``replicates`` lanes (1 to 20,000,000, :data:`MAX_REPLICATES`) of a scenario (or
    scenario file) from ``seed`` (a non-negative integer): what ``unsc-sim run`` prints is
    ``result.summary()``; ``result.outcome_table()`` and ``result.member_table()`` are
    DataFrames and ``result.tallies()`` is a Series (share of lanes by tally). Every lane is kept
    (about 45 bytes each). Bad arguments raise :class:`~sim.errors.InputError` before any work."""
    problems: list[str] = []
    item = _scenario_item(problems, "scenario", scenario)
    replicates = _replicates(problems, replicates)
    seed = _seed(problems, seed)
    _raise(problems)
    from sim.runner import run as run_lanes

    assert item is not None
    [loaded] = _load([item])
    return run_lanes(loaded, replicates=replicates, seed=seed)


def sweep(
    scenario_file: str | Path,
    params: Iterable[str] | Mapping[str, str] | str | None = None,
    design: str | None = None,
    samples: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    workers: int = 1,
    progress: bool = False,
) -> pd.DataFrame:
    """Sweep a scenario file's keys; one row per point. ``params`` are ``"KEY=SPEC"`` texts (as
    ``--param``; one text alone is one key) or a mapping ``{KEY: SPEC}`` and replace the file's
    ``[sweep]`` table; ``design`` is "grid", "random" or "lhs"; ``samples``, ``replicates``
    and ``seed`` left None come from the file's ``[sweep]`` table (or the defaults). The table
    is written to ``out`` (.csv or .parquet, checked before anything runs) only if one is given.
    ``scenario_file`` is a path: a sweep reads the file itself, not a loaded Scenario."""
    problems: list[str] = []
    if _is_scenario(scenario_file):
        problems.append(
            "scenario_file: a sweep reads its scenario file (its [sweep] table and keys): give the "
            "file's path (str or Path), not a loaded sim.Scenario"
        )
    elif not isinstance(scenario_file, (str, os.PathLike)):
        problems.append(
            f"scenario_file: expected the path of a scenario file (str or Path), got {_shown(scenario_file, typed=True)}"
        )
    if isinstance(params, Mapping):
        keys = _texts(problems, "params", list(params), "a key such as members.CHN.pressure")
        params = [f"{key}={params[key]}" for key in keys]
    elif params is not None:
        params = _texts(problems, "params", params, "a KEY=SPEC text such as members.CHN.pressure=0:1:5")
    if design is not None and not isinstance(design, str):
        from sim.sweep.design import DESIGNS

        problems.append(f"design: expected one of {', '.join(DESIGNS)}, got {_shown(design, typed=True)}")
    samples = _optional_integer(
        problems, "samples", samples, "an integer of at least 1, or None (the file's)"
    )
    replicates = _optional_integer(
        problems, "replicates", replicates, "an integer of at least 1, or None (the file's or the default)"
    )
    seed = _optional_integer(problems, "seed", seed, "a non-negative integer, or None (the file's or 0)")
    number = _integer(workers)
    if number is None or number < 1:
        problems.append(f"workers: must be at least 1, got {_shown(workers)}")
    progress = _flag(problems, "progress", progress)
    if out is not None:
        problems.extend(_output_problems(out))
    _raise(problems)
    from sim.sweep import load_sweep, run_sweep

    plan = load_sweep(Path(scenario_file), params, design, samples, replicates, seed)
    return run_sweep(plan, out, workers=number, progress=progress).frame


def _output_problems(out: Any) -> list[str]:
    """What the command line's ``check_output_path`` says of ``--out``, naming ``out``: a known
    extension, and a path that can be written (not a directory, under a writable directory)."""
    if not isinstance(out, (str, os.PathLike)):
        return [f"out: expected the path of a .csv or .parquet file, got {_shown(out, typed=True)}"]
    from sim.files import output_problem

    path = Path(out)
    if path.suffix.lower() not in (".csv", ".parquet"):
        return [f"out: {path}: must end in .csv or .parquet"]
    problem = output_problem(path, "out")
    return [problem] if problem is not None else []


def compare(
    scenarios: Sequence[ScenarioLike] | ScenarioLike,
    replicates: int = 10_000,
    seed: int = 0,
    earlier: Sequence[ScenarioLike] | ScenarioLike = (),
) -> ComparisonReport:
    """Score the model against the real record of each scenario (files with a ``[history]``
    table; one file or Scenario alone is a list of one), with the baselines;
    ``report.to_dict()`` is what ``unsc-sim compare --json`` prints. ``replicates``: lanes per
    file, 1 to 20,000,000 (:data:`MAX_REPLICATES`); every lane of a file is kept while it is
    scored. ``earlier``: record files the baselines remember without scoring them
    (``--record-dir``). Bad arguments raise :class:`~sim.errors.InputError` before any work."""
    problems: list[str] = []
    items = _scenario_items(problems, "scenarios", scenarios)
    remembered = _scenario_items(problems, "earlier", earlier, required=False)
    replicates = _replicates(problems, replicates)
    seed = _seed(problems, seed)
    _raise(problems)
    from sim.compare import compare_scenarios

    return compare_scenarios(
        _history_scenarios(items),
        replicates=replicates,
        seed=seed,
        earlier=_history_scenarios(remembered),
    )


def calibrate(
    scenarios: Sequence[ScenarioLike] | ScenarioLike,
    params: Sequence[str] | str | None = None,
    prior_sd: float = 2.0,
    rolling: bool = False,
) -> CalibrationReport:
    """Fit the model's free parameters (``params``: keys such as ``"decision.noise_scale"`` or
    ``"members.CHN.pressure"``, as a list or as one text, comma-separated like ``--params``;
    default: every fitted global) to the record of ``scenarios`` (files with a ``[history]``
    table; one alone is a list of one) by penalised maximum likelihood; ``prior_sd`` (at least 0;
    0: no prior) scales the priors' widths; ``rolling`` adds the out-of-sample forecast of every
    decision from 2009 on. Bad arguments raise :class:`~sim.errors.InputError` before any work."""
    problems: list[str] = []
    items = _scenario_items(problems, "scenarios", scenarios)
    if isinstance(params, str):  # one text: comma-separated keys, as --params
        keys: list[str] | None = [key for key in params.split(",") if key.strip()]
    elif params is not None:
        keys = _texts(
            problems, "params", params, "a key such as decision.noise_scale or members.CHN.pressure"
        )
    else:
        keys = None
    if _is_bool(prior_sd) or not isinstance(prior_sd, Real) or not math.isfinite(prior_sd) or prior_sd < 0:
        problems.append(
            f"prior_sd: must be a finite number of at least 0 (0: no prior), got {_shown(prior_sd)}"
        )
    rolling = _flag(problems, "rolling", rolling)
    _raise(problems)
    from sim.calibrate import DEFAULT_PARAMS, parse_params
    from sim.calibrate import calibrate as fit_record

    loaded = _history_scenarios(items)
    parameters = parse_params(keys if keys is not None else list(DEFAULT_PARAMS), loaded)
    return fit_record(loaded, parameters, prior_sd=prior_sd, with_rolling=rolling)
