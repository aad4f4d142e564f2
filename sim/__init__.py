"""unsc-sim: an agent-based scenario simulator of UN Security Council voting, built on Mesa.

From Python::

    import sim
    result = sim.run("scenarios/history/2022-05-26-s-2022-431.toml", replicates=10_000, seed=1)
    result.outcome_table()

The public names (``__all__``) are imported on first use (PEP 562), so ``import sim`` and the
command line's ``version`` and ``--help`` do not pay for numpy, pandas, scipy or Mesa.

Modules, one job each: ``rules`` (the Charter's decision rules), ``measures`` (what a draft does,
placed in the policy space), ``context`` (how events move stances), ``scenario`` (the file schema),
``member`` and ``model`` (the Mesa agents and model), ``runner`` (replicates and seeds),
``results`` (analysis of a run), ``power`` (voting-power indices), ``api`` (the calls below),
``cli`` (the command line).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "load_scenario",
    "run",
    "sweep",
    "compare",
    "calibrate",
    "Scenario",
    "RunResult",
    "SweepReport",
    "ComparisonReport",
    "CalibrationReport",
    "InputError",
    "ScenarioError",
    "__version__",
]

_HOMES = {
    "load_scenario": "sim.scenario",
    "run": "sim.api",
    "sweep": "sim.sweep",  # callable modules: sim.api.CallableModule
    "compare": "sim.compare",
    "calibrate": "sim.calibrate",
    "Scenario": "sim.scenario",
    "RunResult": "sim.results",
    "SweepReport": "sim.sweep",
    "ComparisonReport": "sim.compare",
    "CalibrationReport": "sim.calibrate",
    "InputError": "sim.errors",
    "ScenarioError": "sim.scenario",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("unsc-sim")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    """Import a public name from its home module on first use, then keep it here."""
    if name == "__version__":
        value: Any = _version()
    elif name in _HOMES:
        home = import_module(_HOMES[name])
        value = home if home.__name__ == f"sim.{name}" else getattr(home, name)
    else:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
