"""The fitted parameters as a posterior, not a point: sampling it, storing it, using it.

**Sampling** (``unsc-sim calibrate --posterior OUT``): emcee's ensemble sampler with
differential-evolution moves (80% DEMove, 20% DESnookerMove: on the 32 decisions they mixed
faster than the default stretch move, autocorrelation times of about 32 steps against 41 and
R-hat 1.43 against 2.40 after 800 steps of 64 walkers, measured on the model before commit
412f14c) on the same target the fit maximises, the exact log-likelihood of the
recorded decisions plus the Gaussian priors of :mod:`sim.parameters` (widths times ``prior_sd``),
in the same search space as the fit (the log of scale parameters, where the priors are Gaussian,
so no Jacobian enters) and zero density outside the bounds. Every walker is evaluated in one
model run per file (``vectorize=True``: lane j holds walker j). The walkers start in a small ball
around the penalised maximum-likelihood fit. Diagnostics come from arviz, which treats each walker
as a chain: the walkers of an ensemble are not independent chains, so R-hat and ESS are rough
checks of mixing, not guarantees.

**Using** (``run / compare / sweep / report --posterior FILE``): every lane draws its own
parameter set from the stored draws (with replacement), from a stream fixed by the run's seed and
the lane's chunk, so the same seed gives the same numbers however the work is split. A parameter
the scenario file sets itself keeps the file's value.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import InputError
from sim.likelihood import Parameter, global_parameter, with_lane_values
from sim.parameters import SPECS
from sim.scenario import STANCE_FIELDS, Scenario

POSTERIOR_TABLE = "posterior draws"
"""The ``table`` entry of a posterior file's metadata: what :func:`load_posterior` expects."""
DRAW_STREAM = 0x505354
"""Spawn-key tag of the stream choosing lanes' draws (distinct from the chunks' vote streams)."""
BALL_SCALE = 1e-3
"""Walkers start this many prior widths (in the search space) around the fit."""
DEFAULT_WALKERS = 64
"""Cheap: all walkers are evaluated in one model run per file (64 cost 1.5 times 32)."""
DEFAULT_STEPS = 1000
DEFAULT_BURN = 300


class PosteriorError(InputError):
    """A posterior file that cannot be used; ``problems`` names the file and what was expected."""


# ------------------------------------------------------------------------ sampling


@dataclass(frozen=True)
class PosteriorSample:
    """The kept draws of an emcee run and what made them."""

    params: tuple[Parameter, ...]
    chain: np.ndarray
    """(steps kept, walkers, parameters), natural units (not the search space)."""
    log_posterior: np.ndarray
    """(steps kept, walkers): log-likelihood + log-prior (up to a constant)."""
    acceptance: np.ndarray
    """(walkers,): each walker's acceptance fraction over all steps."""
    rhat: np.ndarray
    ess_bulk: np.ndarray
    autocorr: np.ndarray
    """emcee's integrated autocorrelation time per parameter, in steps (rough when the kept
    chain is shorter than 50 of them)."""
    map_values: np.ndarray
    files: tuple[str, ...]
    prior_sd: float
    walkers: int
    steps: int
    burn: int
    seed: int
    seconds: float

    @property
    def draws(self) -> np.ndarray:
        """(draws, parameters): the chain flattened step by step."""
        return self.chain.reshape(-1, self.chain.shape[-1])

    def table(self) -> list[dict[str, Any]]:
        """Per parameter: posterior mean, 5% and 95% quantiles, R-hat, bulk ESS, MAP."""
        draws = self.draws
        low, high = np.quantile(draws, [0.05, 0.95], axis=0)
        return [
            {
                "param": p.key,
                "map": float(self.map_values[i]),
                "mean": float(draws[:, i].mean()),
                "q05": float(low[i]),
                "q95": float(high[i]),
                "rhat": float(self.rhat[i]),
                "ess_bulk": float(self.ess_bulk[i]),
                "autocorr_steps": float(self.autocorr[i]),
            }
            for i, p in enumerate(self.params)
        ]

    def metadata(self, command: str) -> dict[str, Any]:
        return {
            "table": POSTERIOR_TABLE,
            "version": __version__,
            "command": command,
            "files": list(self.files),
            "params": [p.key for p in self.params],
            "prior_sd": self.prior_sd,
            "target": "exact log-likelihood of the files' records + Gaussian priors of "
            "sim/parameters.py (widths x prior_sd, on the log of scale parameters)",
            "sampler": "emcee EnsembleSampler, moves 0.8 DEMove + 0.2 DESnookerMove, vectorised over walkers",
            "walkers": self.walkers,
            "steps": self.steps,
            "burn": self.burn,
            "seed": self.seed,
            "draws": int(self.draws.shape[0]),
            "acceptance_fraction": float(self.acceptance.mean()),
            "diagnostics": "arviz R-hat (rank-normalised) and bulk ESS, each walker taken as a chain; "
            "emcee integrated autocorrelation time in steps",
            "summary": self.table(),
            "seconds": self.seconds,
        }

    def frame(self) -> pd.DataFrame:
        steps, walkers, _ = self.chain.shape
        data: dict[str, Any] = {
            "step": np.repeat(np.arange(self.burn, self.burn + steps), walkers),
            "walker": np.tile(np.arange(walkers), steps),
            "log_posterior": self.log_posterior.reshape(-1),
        }
        for i, p in enumerate(self.params):
            data[p.key] = self.chain[:, :, i].reshape(-1)
        return pd.DataFrame(data)


def initial_ball(objective: Any, center: np.ndarray, walkers: int, rng: np.random.Generator) -> np.ndarray:
    """(walkers, parameters) starting points in the search space: a small Gaussian ball around
    ``center`` (natural units), reflected into the bounds (a fit at a bound stays valid)."""
    low, high = objective.to_search(objective.low), objective.to_search(objective.high)
    y0 = objective.to_search(np.clip(center, objective.low, objective.high))
    widths = objective.widths * (objective.prior_sd if objective.prior_sd > 0 else 1.0)
    ball = y0 + BALL_SCALE * widths * rng.standard_normal((walkers, len(y0)))
    ball = np.where(ball < low, 2 * low - ball, ball)
    ball = np.where(ball > high, 2 * high - ball, ball)
    return np.clip(ball, low, high)


def log_posterior_function(objective: Any):
    """The target for emcee on (walkers, parameters) in the search space: -inf outside bounds."""
    low, high = objective.to_search(objective.low), objective.to_search(objective.high)

    def log_posterior(y: np.ndarray) -> np.ndarray:
        y = np.atleast_2d(y)
        inside = np.all((y >= low) & (y <= high), axis=1)
        result = np.full(y.shape[0], -np.inf)
        if inside.any():
            points = objective.from_search(y[inside]).T
            result[inside] = -objective.negative(points)
        return result

    return log_posterior


def diagnostics(chain: np.ndarray, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """arviz's rank-normalised R-hat and bulk ESS per parameter, each walker as a chain."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import arviz as az

        data = {f"p{i}": chain[:, :, i].T for i in range(len(names))}  # (chain, draw)
        dataset = az.convert_to_dataset(data)
        rhat = az.rhat(dataset)
        ess = az.ess(dataset, method="bulk")
    return (
        np.array([float(rhat[f"p{i}"]) for i in range(len(names))]),
        np.array([float(ess[f"p{i}"]) for i in range(len(names))]),
    )


def _autocorrelation_times(sampler: Any, burn: int, dimensions: int) -> np.ndarray:
    """emcee's estimate without its log warning (the table says how rough it is)."""
    import logging

    if sampler.iteration - burn < 2:
        return np.full(dimensions, np.nan)
    logger = logging.getLogger("emcee.autocorr")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return np.asarray(sampler.get_autocorr_time(discard=burn, quiet=True), float)
    finally:
        logger.setLevel(level)


def sample_posterior(
    scenarios: Sequence[Scenario],
    params: Sequence[Parameter],
    map_values: np.ndarray,
    prior_sd: float,
    walkers: int = DEFAULT_WALKERS,
    steps: int = DEFAULT_STEPS,
    burn: int = DEFAULT_BURN,
    seed: int = 0,
    progress: bool = False,
) -> PosteriorSample:
    """Run emcee from a ball around ``map_values``; keep the steps after ``burn``."""
    import emcee

    from sim.calibrate import Objective, prior_center

    if walkers < 2 * len(params):
        raise InputError(
            [
                f"walkers: {walkers}: emcee needs at least twice the {len(params)} parameters ({2 * len(params)})"
            ]
        )
    if not 0 <= burn < steps:
        raise InputError([f"burn: {burn}: must be at least 0 and less than `steps` ({steps})"])
    began = time.perf_counter()
    objective = Objective(scenarios, params, center=prior_center(params, scenarios), prior_sd=prior_sd)
    rng = np.random.default_rng(seed)
    start = initial_ball(objective, np.asarray(map_values, float), walkers, rng)
    moves = [(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)]
    sampler = emcee.EnsembleSampler(
        walkers, len(params), log_posterior_function(objective), moves=moves, vectorize=True
    )
    sampler.random_state = np.random.RandomState(seed).get_state()
    sampler.run_mcmc(start, steps, progress=progress)
    chain_search = sampler.get_chain(discard=burn)
    chain = objective.from_search(chain_search)
    rhat, ess = diagnostics(chain_search, [p.key for p in params])
    autocorr = _autocorrelation_times(sampler, burn, len(params))
    return PosteriorSample(
        params=tuple(params),
        chain=chain,
        log_posterior=sampler.get_log_prob(discard=burn),
        acceptance=np.asarray(sampler.acceptance_fraction),
        rhat=rhat,
        ess_bulk=ess,
        autocorr=np.asarray(autocorr, float),
        map_values=np.asarray(map_values, float),
        files=tuple(str(s.path) for s in scenarios),
        prior_sd=prior_sd,
        walkers=walkers,
        steps=steps,
        burn=burn,
        seed=seed,
        seconds=time.perf_counter() - began,
    )


def format_sample(sample: PosteriorSample, path: str | Path | None = None) -> str:
    """The table ``calibrate --posterior`` prints."""
    n = sample.draws.shape[0]
    lines = [
        f"Posterior: {sample.walkers} walkers x {sample.steps} steps, first {sample.burn} discarded: "
        f"{n:,} draws (seed {sample.seed}, {sample.seconds:.0f} s); mean acceptance fraction "
        f"{sample.acceptance.mean():.3f}",
        f"  target: exact likelihood of {len(sample.files)} decisions x Gaussian priors (sd x "
        f"{sample.prior_sd:g}); R-hat and bulk ESS from arviz, each walker taken as a chain (walkers of "
        "one ensemble are not independent: a rough check); tau = autocorrelation time in steps",
        "",
        f"  {'parameter':<34}  {'MAP':>8}  {'mean':>8}  {'5%':>8}  {'95%':>8}  {'R-hat':>6}  {'ESS':>6}  {'tau':>5}",
    ]
    for row in sample.table():
        lines.append(
            f"  {row['param']:<34}  {row['map']:>8.3f}  {row['mean']:>8.3f}  {row['q05']:>8.3f}  "
            f"{row['q95']:>8.3f}  {row['rhat']:>6.3f}  {row['ess_bulk']:>6.0f}  {row['autocorr_steps']:>5.0f}"
        )
    worst = float(np.max(sample.rhat))
    if worst > 1.1:
        lines.append(
            f"  warning: R-hat up to {worst:.2f} (> 1.1): the walkers have not mixed; run more steps"
        )
    if path is not None:
        lines += ["", f"  Draws written to {path}"]
    return "\n".join(lines)


def write_posterior(path: str | Path, sample: PosteriorSample, command: str) -> Path:
    """The draws, one row per (step, walker), with the metadata (in the Parquet file, or a
    ``.json`` sidecar beside a CSV), written atomically."""
    from sim.results import write_table

    return write_table(sample.frame(), path, sample.metadata(command))


# ------------------------------------------------------------------------ using the draws


def parameter_for_key(key: str) -> Parameter | None:
    """The Parameter a column of a posterior file names, or None if it names none."""
    parts = key.split(".")
    if len(parts) == 2 and parts[0] == "decision" and parts[1] in SPECS:
        return global_parameter(parts[1])
    if len(parts) == 3 and parts[0] == "members" and parts[2] in STANCE_FIELDS:
        return Parameter(key, parts[1], parts[2], 0.0, 1.0)
    return None


@dataclass(frozen=True)
class Posterior:
    """Draws read from a posterior file, ready to give each lane its own parameter set."""

    path: str
    params: tuple[Parameter, ...]
    draws: np.ndarray
    """(draws, parameters), natural units."""
    metadata: dict[str, Any] = field(default_factory=dict)

    def lane_draws(self, seed: int, chunk_index: int, lanes: int) -> np.ndarray:
        """Indices of the draws used by the lanes of one chunk: fixed by the seed and the chunk."""
        sequence = np.random.SeedSequence(seed, spawn_key=(chunk_index, DRAW_STREAM))
        return np.random.default_rng(sequence).integers(0, self.draws.shape[0], size=lanes)

    def applied(self, scenario: Scenario) -> list[int]:
        """Columns used for ``scenario``: not a parameter the file sets itself."""
        own = set(scenario.overridden_parameters)
        return [i for i, p in enumerate(self.params) if not (p.is_global and p.field in own)]

    def scenario_for_lanes(self, scenario: Scenario, indices: np.ndarray) -> Scenario:
        """``scenario`` with lane j at draw ``indices[j]``."""
        columns = self.applied(scenario)
        params = [self.params[i] for i in columns]
        return with_lane_values(scenario, params, self.draws[np.ix_(indices, columns)].T)

    def describe(self) -> str:
        return (
            f"parameter uncertainty: {self.draws.shape[0]:,} posterior draws from {self.path} "
            "(each lane draws its own parameter set); intervals include parameter and vote uncertainty"
        )

    def digest(self) -> str:
        """SHA-256 of the draws and their columns: what a resumable sweep's key must include."""
        import hashlib

        digest = hashlib.sha256(",".join(p.key for p in self.params).encode())
        digest.update(np.ascontiguousarray(self.draws).tobytes())
        return digest.hexdigest()

    def summary(self) -> dict[str, Any]:
        """What a result's metadata records about the posterior it used."""
        return {
            "file": self.path,
            "draws": int(self.draws.shape[0]),
            "params": [p.key for p in self.params],
            "command": self.metadata.get("command"),
            "seed": self.metadata.get("seed"),
        }


def load_posterior(path: str | Path, option: str = "posterior") -> Posterior:
    """Read and check a file written by ``calibrate --posterior``; one problem line each."""
    from sim.results import read_metadata

    path = Path(path)
    where = f"{option}: {path}"
    expected = "expected a posterior file written by unsc-sim calibrate --posterior (.parquet, or .csv with its .meta.json)"
    if path.suffix.lower() not in {".parquet", ".csv"}:
        raise PosteriorError([f"{where}: must end in .parquet or .csv ({expected})"])
    if not path.is_file():
        raise PosteriorError([f"{where}: file not found ({expected})"])
    try:
        metadata = read_metadata(path)
        frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except Exception as exc:  # any unreadable file is bad input here, whatever the reader raised
        raise PosteriorError([f"{where}: cannot be read ({type(exc).__name__}: {exc}); {expected}"]) from None
    if metadata.get("table") != POSTERIOR_TABLE:
        raise PosteriorError([f"{where}: no posterior metadata ({expected})"])
    keys = metadata.get("params")
    problems: list[str] = []
    if not isinstance(keys, list) or not keys:
        raise PosteriorError([f"{where}: metadata lists no parameters ({expected})"])
    params: list[Parameter] = []
    for key in keys:
        param = parameter_for_key(str(key))
        if param is None:
            problems.append(
                f"{where}: column {key}: not a model parameter (decision.NAME or members.CODE.FIELD)"
            )
        elif key not in frame.columns:
            problems.append(f"{where}: column {key}: missing")
        else:
            params.append(param)
    if problems:
        raise PosteriorError(problems)
    if frame.empty:
        raise PosteriorError([f"{where}: no draws ({expected})"])
    draws = frame[[p.key for p in params]].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    for i, p in enumerate(params):
        column = draws[:, i]
        if not np.isfinite(column).all():
            problems.append(f"{where}: column {p.key}: values must be finite numbers")
        elif (column < p.low).any() or (column > p.high).any():
            problems.append(f"{where}: column {p.key}: values must lie in [{p.low:g}, {p.high:g}]")
    if problems:
        raise PosteriorError(problems)
    return Posterior(str(path), tuple(params), draws, metadata)


# ------------------------------------------------------------------------ intervals of a run

INTERVAL_BLOCK = 4096
"""Draws evaluated per exact model run when computing intervals (bounds the memory)."""


@dataclass(frozen=True)
class ParameterUncertainty:
    """What a run with a posterior records: the file used and, per outcome, the 2.5% and 97.5%
    quantiles over lanes of the outcome's exact probability at the lane's parameter draw."""

    posterior: dict[str, Any]
    low: np.ndarray
    high: np.ndarray
    note: str


def draw_counts(posterior: Posterior, replicates: int, seed: int, chunk_lanes: int) -> np.ndarray:
    """How many lanes of a run use each draw (the same choice the runner makes)."""
    from sim.runner import chunk_bounds

    counts = np.zeros(posterior.draws.shape[0], dtype=np.int64)
    for index, (start, stop) in enumerate(chunk_bounds(replicates, chunk_lanes)):
        counts += np.bincount(posterior.lane_draws(seed, index, stop - start), minlength=len(counts))
    return counts


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles: Sequence[float]) -> np.ndarray:
    """Quantiles of ``values`` (last axis) where value j counts ``weights[j]`` times."""
    order = np.argsort(values, axis=-1)
    sorted_values = np.take_along_axis(values, order, axis=-1)
    cumulative = np.cumsum(weights[order], axis=-1) / weights.sum()
    result = []
    for q in quantiles:
        position = np.minimum((cumulative < q).sum(axis=-1), values.shape[-1] - 1)
        result.append(np.take_along_axis(sorted_values, position[..., None], axis=-1)[..., 0])
    return np.stack(result)


def parameter_uncertainty(
    posterior: Posterior, scenario: Scenario, replicates: int, seed: int, chunk_lanes: int
) -> ParameterUncertainty:
    """Per outcome, the 95% range of its exact probability over the run's lanes' draws."""
    from sim.likelihood import lane_probabilities

    counts = draw_counts(posterior, replicates, seed, chunk_lanes)
    used = np.flatnonzero(counts)
    outcome = np.concatenate(
        [
            lane_probabilities(posterior.scenario_for_lanes(scenario, block), len(block), seed).outcome
            for block in np.array_split(used, max(1, -(-len(used) // INTERVAL_BLOCK)))
        ],
        axis=1,
    )
    low, high = weighted_quantiles(outcome, counts[used].astype(float), (0.025, 0.975))
    return ParameterUncertainty(
        posterior=posterior.summary(),
        low=low,
        high=high,
        note="95% intervals: the 2.5-97.5% range over lanes of each outcome's exact probability "
        "at the lane's parameter draw, widened where needed to cover the Wilson interval of the "
        "simulated share",
    )
