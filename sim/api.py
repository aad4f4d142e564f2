"""The library as a notebook uses it: one call per thing the command line does.

``import sim`` re-exports these names lazily (:mod:`sim.__init__`), so ``import sim`` itself stays
quick; the first call imports numpy, Mesa and the rest. Errors are :class:`~sim.errors.InputError`
(``problems``: one line each, naming the argument or the file's key), never a command-line flag.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable, Mapping, Sequence
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


def _scenario(item: ScenarioLike) -> Scenario:
    from sim.scenario import load_scenario

    return load_scenario(item) if isinstance(item, (str, Path)) else item


def run(scenario: ScenarioLike, replicates: int = 10_000, seed: int = 0) -> RunResult:
    """Simulate ``replicates`` lanes of a scenario (or scenario file) from ``seed``: what
    ``unsc-sim run`` prints is ``result.summary()``; ``result.outcome_table()``,
    ``result.member_table()`` and ``result.tallies()`` are DataFrames."""
    from sim.runner import run as run_lanes

    return run_lanes(_scenario(scenario), replicates=replicates, seed=seed)


def sweep(
    scenario_file: str | Path,
    params: Iterable[str] | Mapping[str, str] | None = None,
    design: str | None = None,
    samples: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    workers: int = 1,
    progress: bool = False,
) -> pd.DataFrame:
    """Sweep a scenario file's keys; one row per point. ``params`` are ``"KEY=SPEC"`` texts (as
    ``--param``) or a mapping ``{KEY: SPEC}`` and replace the file's ``[sweep]`` table; ``design``
    is "grid", "random" or "lhs". The table is written to ``out`` only if one is given."""
    from sim.sweep import load_sweep, run_sweep

    if isinstance(params, Mapping):
        params = [f"{key}={spec}" for key, spec in params.items()]
    plan = load_sweep(scenario_file, params, design, samples, replicates, seed)
    return run_sweep(plan, out, workers=workers, progress=progress).frame


def _history_scenarios(scenarios: Sequence[ScenarioLike]) -> list[Scenario]:
    from sim.compare import record_of

    loaded = [_scenario(item) for item in scenarios]
    for scenario in loaded:
        record_of(scenario)  # a file without [history] fails here, naming the file
    return loaded


def compare(
    scenarios: Sequence[ScenarioLike],
    replicates: int = 10_000,
    seed: int = 0,
    earlier: Sequence[ScenarioLike] = (),
) -> ComparisonReport:
    """Score the model against the real record of each scenario (files with a ``[history]``
    table), with the baselines; ``report.to_dict()`` is what ``unsc-sim compare --json`` prints.
    ``earlier``: record files the baselines remember without scoring them (``--record-dir``)."""
    from sim.compare import compare_scenarios

    return compare_scenarios(
        _history_scenarios(scenarios),
        replicates=replicates,
        seed=seed,
        earlier=_history_scenarios(earlier),
    )


def calibrate(
    scenarios: Sequence[ScenarioLike],
    params: Sequence[str] | None = None,
    prior_sd: float = 2.0,
    rolling: bool = False,
) -> CalibrationReport:
    """Fit the model's free parameters (``params``: keys such as ``"decision.veto_aversion"`` or
    ``"members.CHN.pressure"``; default: every fitted global) to the record by penalised maximum
    likelihood; ``rolling`` adds the out-of-sample forecast of every decision from 2009 on."""
    from sim.calibrate import DEFAULT_PARAMS, parse_params
    from sim.calibrate import calibrate as fit_record

    loaded = _history_scenarios(scenarios)
    parameters = parse_params(list(params) if params is not None else list(DEFAULT_PARAMS), loaded)
    return fit_record(loaded, parameters, prior_sd=prior_sd, with_rolling=rolling)
