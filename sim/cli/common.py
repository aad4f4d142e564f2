"""What every command shares: printing, exit codes, output-path checks, loading scenario and
posterior files, and translating the library's argument names into the command line's flags.

Bad input (a scenario file, an option) is reported as one line per problem on stderr with exit
code 2, and no result file is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer

from sim.api import MAX_REPLICATES
from sim.errors import InputError
from sim.files import output_problem, strip_controls

if TYPE_CHECKING:
    from sim.scenario import Scenario

EXIT_BAD_INPUT = 2
MAX_RUN_REPLICATES = MAX_REPLICATES
"""The limit of :data:`sim.api.MAX_REPLICATES`, one number for the API and the command line.
``run`` keeps counts, chunk by chunk (:mod:`sim.counts`): a peak of 190 MB at this size, 12 MB
above the interpreter's whatever the size (``benchmarks/run_memory.py``). With ``--out`` (or
``--explain``, which finds pivotal members lane by lane) it keeps every lane: about 45 bytes a
lane, a peak of 1.1 GB at this size."""
POSTERIOR_OPTION_HELP = (
    "Draws from calibrate --posterior: each lane takes its own parameter set, so intervals "
    "include parameter uncertainty."
)

# Options and arguments several commands share (``name: JsonFlag = False``).
ScenarioFile = Annotated[Path, typer.Argument(metavar="FILE", help="Scenario TOML file.")]
ScenarioFiles = Annotated[list[Path], typer.Argument(metavar="FILE...", help="Scenario files.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
PosteriorDraws = Annotated[Optional[Path], typer.Option("--posterior", help=POSTERIOR_OPTION_HELP)]
ProgressBar = Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")]
ProgressBars = Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bars on stderr.")]
RootSeed = Annotated[int, typer.Option("--seed", "-s", min=0, help="Root seed.")]
Workers = Annotated[int, typer.Option("--workers", "-w", min=1, help="Local processes.")]


def echo(text: object = "", err: bool = False) -> None:
    """Print a line, without control characters that file content could smuggle into a terminal."""
    typer.echo(strip_controls(str(text)), err=err)


def fail(problems: list[str]) -> NoReturn:
    """Print one line per problem on stderr and exit with code 2."""
    for problem in problems:
        echo(f"error: {problem}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def check_output_path(
    path: Optional[Path], option: str = "--out", suffixes: tuple[str, ...] = (".csv", ".parquet")
) -> None:
    """Before any computation: ``path`` has a known extension and can be written (its directory
    exists or can be made and is writable; it is not a directory); else one line, exit 2."""
    if path is None:
        return
    if path.suffix.lower() not in suffixes:
        fail([f"{option}: {path}: must end in {' or '.join(suffixes)}"])
    problem = output_problem(path, option)
    if problem is not None:
        fail([problem])


def load_scenario(path: Path, overrides: Optional[dict] = None) -> Scenario:
    """:func:`sim.scenario.load_scenario`, imported on first use (it pulls in numpy and scipy)."""
    from sim.scenario import load_scenario as load

    return load(path, overrides=overrides)


def load_or_fail(path: Path) -> Scenario:
    with flags_for():
        return load_scenario(path)


def load_all_or_fail(
    paths: Sequence[Path],
    overrides: Optional[dict] = None,
    check: Optional[Callable[[Scenario], object]] = None,
) -> list[Scenario]:
    """Every file loaded (and passed to ``check``, which may raise :class:`InputError`), or exit 2
    listing the problems of all of them (:func:`sim.scenario.load_all`)."""
    from sim.scenario import load_all

    try:
        return load_all(paths, overrides, check)
    except InputError as exc:
        fail(exc.problems)


def load_posterior_or_fail(path: Optional[Path]):
    """The draws of ``--posterior FILE`` (None without the option); bad file: exit 2."""
    if path is None:
        return None
    from sim.posterior import load_posterior

    with flags_for({"posterior": "--posterior"}):
        return load_posterior(path)


SWEEP_FLAGS = {
    "params": "--param",
    "design": "--design",
    "samples": "--samples",
    "replicates": "--replicates",
    "seed": "--seed",
    "chunk_lanes": "--chunk-lanes",
    "engine": "--engine",
    "out": "--out",
    "workers": "--workers",
    "scheduler": "--scheduler",
    "per_lane": "--per-lane",
    "restart": "--restart",
    "posterior": "--posterior",
    "metric": "--metric",
    "method": "--method",
}
"""The sweep engine's argument names (``sim.sweep``, ``sim.sensitivity``) and the options that
set them."""

ARGUMENT = re.compile(r"^([a-z_]+)(?=[: ])|`([a-z_]+)`")
"""Where a library message names an argument: its first word, or a name in backticks."""


def as_flags(problem: str, flags: dict[str, str]) -> str:
    """A library problem as the command line says it: an argument that starts the message
    ("samples: ...", "params members.X: ...") or stands in backticks ("use `engine` points")
    becomes its option ("--samples: ...", "--param members.X: ...", "use --engine points")."""

    def option(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return flags.get(name, match.group(0) if match.group(1) else name)

    problem = ARGUMENT.sub(option, problem)
    for argument, flag in flags.items():
        problem = problem.replace(f"larger {argument})", f"larger {flag})")
    return problem


@contextmanager
def flags_for(flags: Optional[dict[str, str]] = None) -> Iterator[None]:
    """Turn a library :class:`InputError` raised inside the block into one line per problem and
    exit 2, naming the arguments in ``flags`` by their options."""
    try:
        yield
    except InputError as exc:
        fail([as_flags(problem, flags) if flags else problem for problem in exc.problems])


def only_one_runner(workers: int, scheduler: Optional[str]) -> None:
    """``--workers`` and ``--scheduler`` exclude each other."""
    if scheduler is not None and workers != 1:
        fail(["--workers: give --workers (local processes) or --scheduler (a dask cluster), not both"])


def engine_options(workers: int, scheduler: Optional[str], restart: bool, progress: bool) -> dict[str, Any]:
    """What every command on the sweep engine (``sweep``, ``sensitivity``) passes it alike: where
    to run, whether to start over, and whether to draw a bar (never under ``--json``)."""
    return {"workers": workers, "scheduler": scheduler, "restart": restart, "progress": progress}


def runner_name(scheduler: Optional[str], workers: int) -> str:
    """Where a sweep ran, as its report says it: "dask cluster ADDRESS" or "N process(es)"."""
    return f"dask cluster {scheduler}" if scheduler else f"{workers} process{'es' if workers > 1 else ''}"


def exit_interrupted(exc) -> NoReturn:
    """Ctrl-C during a sweep (:class:`sim.sweep.SweepInterrupted`): say what is saved, exit 130."""
    echo(
        f"interrupted: {exc.saved} of {exc.units} work units are saved in {exc.work_dir}; "
        "run the same command again to resume",
        err=True,
    )
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # exiting now: a second Ctrl-C changes nothing
    raise typer.Exit(130)


def replicates_option(help: str) -> Any:
    """``--replicates`` / ``-n``: lanes per scenario, at most :data:`MAX_RUN_REPLICATES`."""
    return typer.Option("--replicates", "-n", min=1, max=MAX_RUN_REPLICATES, help=help)
