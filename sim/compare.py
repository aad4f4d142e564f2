"""How well the model reproduces the real record: scores of a run against a file's [history].

For one decision the model gives, lane by lane, votes and an outcome; the record gives what
happened. The scores:

- ``p_outcome``: probability of the historical outcome *with the same vetoing / blocking members*
  where the record names them (a veto by China alone does not count for a veto by China and
  Russia); ``p_outcome_kind`` ignores who.
- ``p_tally``: probability of the exact yes-no-abstain tally (a withdrawn lane has no tally, so it
  counts as a miss). None where the record has no tally (committee holds, statements, drafts never
  put to the vote).
- ``p_members``: for each member whose real vote is known, the probability of that vote.
- ``log_likelihood``: sum over those members of ``log max(p, floor)``. A vote the model never
  produced in N lanes has an estimated probability of 0; it is floored at ``1 / (2N)`` (half a
  lane: the usual continuity correction), so one impossible vote costs ``log(2N)`` rather than
  infinity. None where no vote is known.
- ``brier``: the multi-category Brier score of the member votes: per member the sum over
  yes / no / abstain / not cast of ``(p_k - o_k)^2``, averaged over members (0 perfect, 2 worst).
- ``outcome_log_likelihood``: ``log max(p_outcome, floor)``; ``event_log_likelihood`` is what
  calibration maximises: the member votes where known, otherwise the outcome (the defeating
  member's objection or the penholder's withdrawal is then the observed event).

Member votes are scored as independent marginals (the product of each member's probability):
with fixed stances the model's votes *are* independent given the deterministic utilities; with
stances drawn per lane it is the usual composite-likelihood approximation.

The scores are computed from per-member category probabilities (:class:`VoteForecast`) so that
Monte Carlo runs (:func:`compare_result`), the analytic probabilities used in calibration
(:mod:`sim.calibrate`) and the baselines (:func:`sim.baselines.baseline_forecasts`) are scored by the same code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.results import RunResult
from sim.rules import ABSTAIN, NO, NOT_CAST, OUTCOME_LABELS, VOTE_CODES, YES, Outcome
from sim.scenario import Scenario

CATEGORIES: tuple[int, ...] = (YES, NO, ABSTAIN, NOT_CAST)
"""Vote categories, in the column order of every (members x categories) probability matrix."""
CATEGORY_INDEX: dict[int, int] = {code: i for i, code in enumerate(CATEGORIES)}


class CompareError(InputError):
    """A file cannot be compared (no [history] table). ``problems`` holds one line each."""


# ------------------------------------------------------------------------------ the record


@dataclass(frozen=True)
class Record:
    """A file's [history] in the form the scores need."""

    symbol: str
    date: str
    source: str
    outcome: str
    defeaters: tuple[str, ...]
    """Who vetoed (vetoed drafts) or blocked (consensus bodies), in council order; () if none named."""
    tally: str | None
    votes: dict[str, int]
    """Member code -> vote code, for the members whose vote is known."""


def record_of(scenario: Scenario) -> Record:
    """The scenario's [history] table, or a :class:`CompareError` if it has none."""
    history = scenario.spec.history
    if history is None:
        raise CompareError([f"{scenario.path}: history: no [history] table, nothing to compare with"])
    named = set(history.vetoed_by if history.outcome == "vetoed" else [])
    named |= set(history.blocked_by if history.outcome == "blocked" else [])
    return Record(
        symbol=history.symbol,
        date=history.date,
        source=history.source,
        outcome=history.outcome,
        defeaters=tuple(code for code in scenario.codes if code in named),
        tally=history.tally,
        votes={code: VOTE_CODES[label] for code, label in history.votes.items()},
    )


def parse_tally(tally: str) -> tuple[int, int, int]:
    yes, no, abstain = (int(part) for part in tally.split("-"))
    return yes, no, abstain


# ------------------------------------------------------------------------------ forecasts


@dataclass(frozen=True)
class VoteForecast:
    """What a model (or a baseline) says about one decision, in the form the scores need.

    ``member_probabilities`` is (members x 4): probability of yes / no / abstain / not cast for
    each member in council order. ``p_outcome`` etc. are the probabilities of the *recorded*
    events (None where undefined), ``outcome_probabilities`` those of every outcome label.
    """

    codes: tuple[str, ...]
    member_probabilities: np.ndarray
    p_outcome: float
    p_outcome_kind: float
    p_tally: float | None
    outcome_probabilities: dict[str, float]
    modal_outcome: str
    modal_defeaters: tuple[str, ...]
    modal_tally: str | None


@dataclass(frozen=True)
class FileComparison:
    """Scores of one forecast against one file's record. ``to_dict`` is the JSON form."""

    file: str
    symbol: str
    date: str
    kind: str
    source: str
    method: str
    """"monte carlo (N replicates, seed S)", "analytic" or a baseline's name."""
    floor: float
    observed_outcome: str
    observed_defeaters: tuple[str, ...]
    observed_tally: str | None
    p_outcome: float
    p_outcome_kind: float
    p_tally: float | None
    p_members: dict[str, float] | None
    log_likelihood: float | None
    brier: float | None
    outcome_log_likelihood: float
    event_log_likelihood: float
    outcome_probabilities: dict[str, float]
    modal_outcome: str
    modal_defeaters: tuple[str, ...]
    modal_tally: str | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def outcome_correct(self) -> bool:
        """The most likely outcome (and its vetoing / blocking members, where the record names
        them) is what happened."""
        if self.modal_outcome != self.observed_outcome:
            return False
        return not self.observed_defeaters or self.modal_defeaters == self.observed_defeaters

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "symbol": self.symbol,
            "date": self.date,
            "kind": self.kind,
            "source": self.source,
            "method": self.method,
            "observed_outcome": self.observed_outcome,
            "observed_defeaters": list(self.observed_defeaters),
            "observed_tally": self.observed_tally,
            "p_outcome": self.p_outcome,
            "p_outcome_kind": self.p_outcome_kind,
            "p_tally": self.p_tally,
            "p_members": self.p_members,
            "log_likelihood": self.log_likelihood,
            "brier": self.brier,
            "outcome_log_likelihood": self.outcome_log_likelihood,
            "event_log_likelihood": self.event_log_likelihood,
            "floor": self.floor,
            "modal_outcome": self.modal_outcome,
            "modal_defeaters": list(self.modal_defeaters),
            "modal_tally": self.modal_tally,
            "outcome_correct": self.outcome_correct,
            "outcome_probabilities": self.outcome_probabilities,
            "notes": list(self.notes),
        }


def score(scenario: Scenario, forecast: VoteForecast, floor: float, method: str) -> FileComparison:
    """Score ``forecast`` against the scenario's record (see the module docstring)."""
    record = record_of(scenario)
    notes: list[str] = []
    p_members: dict[str, float] | None = None
    log_likelihood: float | None = None
    brier: float | None = None
    if record.votes:
        index = {code: i for i, code in enumerate(forecast.codes)}
        p_members = {}
        squared = []
        for code in forecast.codes:
            if code not in record.votes:
                continue
            row = forecast.member_probabilities[index[code]]
            observed = np.zeros(len(CATEGORIES))
            observed[CATEGORY_INDEX[record.votes[code]]] = 1.0
            p_members[code] = float(row[CATEGORY_INDEX[record.votes[code]]])
            squared.append(float(np.sum((row - observed) ** 2)))
        log_likelihood = float(sum(math.log(max(p, floor)) for p in p_members.values()))
        brier = float(np.mean(squared))
        if len(p_members) < len(forecast.codes):
            notes.append(f"member votes known for {len(p_members)} of {len(forecast.codes)} members")
    else:
        notes.append(
            "no member votes in the record (never put to a vote): p_members, "
            "log_likelihood and brier are undefined; the outcome is the observed event"
        )
    if record.tally is None:
        notes.append("no tally in the record: p_tally is undefined")
    outcome_ll = math.log(max(forecast.p_outcome, floor))
    return FileComparison(
        file=str(scenario.path),
        symbol=record.symbol,
        date=record.date,
        kind=scenario.spec.proposal.kind,
        source=record.source,
        method=method,
        floor=floor,
        observed_outcome=record.outcome,
        observed_defeaters=record.defeaters,
        observed_tally=record.tally,
        p_outcome=forecast.p_outcome,
        p_outcome_kind=forecast.p_outcome_kind,
        p_tally=forecast.p_tally,
        p_members=p_members,
        log_likelihood=log_likelihood,
        brier=brier,
        outcome_log_likelihood=outcome_ll,
        event_log_likelihood=log_likelihood if log_likelihood is not None else outcome_ll,
        outcome_probabilities=forecast.outcome_probabilities,
        modal_outcome=forecast.modal_outcome,
        modal_defeaters=forecast.modal_defeaters,
        modal_tally=forecast.modal_tally,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------- Monte Carlo forecasts


def forecast_from_lanes(
    scenario: Scenario, votes: np.ndarray, outcome: np.ndarray, defeated_by: np.ndarray
) -> VoteForecast:
    """Estimate a :class:`VoteForecast` from simulated lanes (members x lanes votes)."""
    record = record_of(scenario)
    codes = tuple(scenario.codes)
    lanes = outcome.shape[0]
    member_probabilities = np.stack([np.mean(votes == category, axis=1) for category in CATEGORIES], axis=1)
    observed = OUTCOME_LABELS.index(record.outcome)
    kind_match = outcome == observed
    match = kind_match.copy()
    if record.defeaters:
        wanted = np.array([code in record.defeaters for code in codes])
        match &= np.all(defeated_by == wanted[:, None], axis=0)
    p_tally: float | None = None
    voted = outcome != Outcome.WITHDRAWN
    yes = (votes == YES).sum(axis=0)
    no = (votes == NO).sum(axis=0)
    abstain = (votes == ABSTAIN).sum(axis=0)
    if record.tally is not None:
        t_yes, t_no, t_abstain = parse_tally(record.tally)
        p_tally = float(np.mean(voted & (yes == t_yes) & (no == t_no) & (abstain == t_abstain)))
    counts = np.bincount(outcome.astype(np.int64), minlength=len(OUTCOME_LABELS))
    modal = int(np.argmax(counts))
    modal_defeaters: tuple[str, ...] = ()
    in_modal = outcome == modal
    if defeated_by[:, in_modal].any():
        # the most common column of the (members x lanes) mask: any council size
        sets, set_counts = np.unique(defeated_by[:, in_modal], axis=1, return_counts=True)
        best = sets[:, int(np.argmax(set_counts))]
        modal_defeaters = tuple(code for code, hit in zip(codes, best) if hit)
    modal_tally: str | None = None
    if voted.any():
        n = len(codes) + 1
        keys = (yes[voted] * n + no[voted]) * n + abstain[voted]
        values, key_counts = np.unique(keys, return_counts=True)
        key = int(values[np.argmax(key_counts)])
        modal_tally = f"{key // (n * n)}-{(key // n) % n}-{key % n}"
    return VoteForecast(
        codes=codes,
        member_probabilities=member_probabilities,
        p_outcome=float(np.mean(match)),
        p_outcome_kind=float(np.mean(kind_match)),
        p_tally=p_tally,
        outcome_probabilities={label: float(c / lanes) for label, c in zip(OUTCOME_LABELS, counts)},
        modal_outcome=OUTCOME_LABELS[modal],
        modal_defeaters=modal_defeaters,
        modal_tally=modal_tally,
    )


def compare_result(result: RunResult) -> FileComparison:
    """Score a Monte Carlo run against its scenario's [history] table.

    Probabilities are shares of the run's lanes; zero probabilities are floored at
    ``1 / (2 * replicates)`` in the log-likelihoods. Raises :class:`CompareError` if the scenario
    has no [history] table.
    """
    forecast = forecast_from_lanes(result.scenario, result.votes, result.outcome, result.defeated_by)
    return score(
        result.scenario,
        forecast,
        floor=1.0 / (2 * result.replicates),
        method=f"monte carlo ({result.replicates} replicates, seed {result.seed})",
    )


# ------------------------------------------------------------------------------ totals


def totals(comparisons: Sequence[FileComparison]) -> dict[str, Any]:
    """Sums and means over files: log-likelihoods add (the decisions are scored as independent),
    Brier scores and probabilities are averaged over the files where they are defined."""

    def defined(values: list[float | None]) -> list[float]:
        return [v for v in values if v is not None]

    lls = defined([c.log_likelihood for c in comparisons])
    briers = defined([c.brier for c in comparisons])
    tallies = defined([c.p_tally for c in comparisons])
    votes = sum(len(c.p_members or {}) for c in comparisons)
    return {
        "files": len(comparisons),
        "files_with_votes": len(lls),
        "member_votes": votes,
        "log_likelihood": float(sum(lls)) if lls else None,
        "log_likelihood_per_vote": float(sum(lls) / votes) if votes else None,
        "brier": float(np.mean(briers)) if briers else None,
        "outcome_log_likelihood": float(sum(c.outcome_log_likelihood for c in comparisons)),
        "event_log_likelihood": float(sum(c.event_log_likelihood for c in comparisons)),
        "mean_p_outcome": float(np.mean([c.p_outcome for c in comparisons])) if comparisons else None,
        "mean_p_tally": float(np.mean(tallies)) if tallies else None,
        "outcome_accuracy": (
            float(np.mean([c.outcome_correct for c in comparisons])) if comparisons else None
        ),
        "outcomes_correct": int(sum(c.outcome_correct for c in comparisons)),
    }


# ------------------------------------------------------------------------------ a full comparison


def _resolved(scenario: Scenario) -> str:
    """A scenario's file, resolved (the same file given twice is one decision)."""
    from pathlib import Path

    return str(Path(scenario.path).resolve()) if scenario.path is not None else str(id(scenario))


def by_date(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """Scenarios in the order of their records' dates (then file names)."""
    return sorted(scenarios, key=lambda s: (record_of(s).date, str(s.path)))


def latest_decision_date(comparisons: Sequence[FileComparison]) -> str | None:
    """The record's date of the latest of ``comparisons`` (as its file gives it), or None."""
    from sim.situation import parse_date

    return max((c.date for c in comparisons), key=parse_date, default=None)


@dataclass(frozen=True)
class ComparisonReport:
    """The model and the baselines against the record of several decisions."""

    files: list[FileComparison]
    baselines: dict[str, list[FileComparison]]
    method: str
    floor: float
    replicates: int | None
    seed: int | None
    posterior: dict[str, Any] | None = None
    """The posterior file the lanes drew their parameters from (``--posterior``), if any."""
    remembered: int = 0
    """Earlier record files the baselines remembered without scoring them (``--record-dir``)."""
    fingerprints: tuple[str, ...] = ()
    """The fingerprint of each scored scenario (:meth:`sim.scenario.Scenario.fingerprint`), in
    the order of ``files``: what its numbers were simulated from."""

    def to_dict(self) -> dict[str, Any]:
        from sim import __version__
        from sim.baselines import BASELINES

        return {
            "method": self.method,
            "replicates": self.replicates,
            "seed": self.seed,
            "posterior": self.posterior,
            "baselines_remember": self.remembered,
            "floor": self.floor,
            "version": __version__,
            "files": [
                {
                    **c.to_dict(),
                    "scenario_fingerprint": self.fingerprints[i] if i < len(self.fingerprints) else None,
                }
                for i, c in enumerate(self.files)
            ],
            "total": totals(self.files),
            "baselines": {
                name: {
                    "description": BASELINES[name],
                    "total": totals(comparisons),
                    "files": [c.to_dict() for c in comparisons],
                }
                for name, comparisons in self.baselines.items()
            },
        }


def compare_scenarios(
    scenarios: Sequence[Scenario],
    replicates: int = 10_000,
    seed: int = 0,
    posterior: Any = None,
    progress: bool = False,
    earlier: Sequence[Scenario] = (),
) -> ComparisonReport:
    """Run every scenario (Monte Carlo, ``replicates`` lanes from ``seed``; each lane at its own
    draw of a :class:`sim.posterior.Posterior` if given) and score it and the baselines against
    the record, in date order (``progress``: a bar on stderr).

    ``earlier`` are record files the baselines may remember but that are not scored: the
    baselines that repeat an earlier decision ("last vote", "same kind") then see the record
    before a held-out decision, as the model's fit did. Only those dated before a scored file
    can inform it (the baselines read files in date order)."""
    from sim.baselines import baseline_comparisons
    from sim.progress import progress_bar
    from sim.runner import run

    ordered = by_date(scenarios)
    for scenario in [*ordered, *earlier]:
        record_of(scenario)  # fail early on a file without [history]
    bar = progress_bar("compare", " files", progress, ordered)
    files = [compare_result(run(s, replicates=replicates, seed=seed, posterior=posterior)) for s in bar]
    floor = 1.0 / (2 * replicates)
    drawn = f", parameters drawn per lane from {posterior.path}" if posterior is not None else ""
    scored_paths = {_resolved(s) for s in ordered}
    # A remembered file is never one of the scored decisions, at its own path or another (a copy),
    # and none informs a scored decision of its own date: on a date, the scored files come first.
    scored_decisions = {(record_of(s).date, record_of(s).symbol) for s in ordered}
    remembered = [
        s
        for s in earlier
        if _resolved(s) not in scored_paths
        and (record_of(s).date, record_of(s).symbol) not in scored_decisions
    ]
    scored = {id(s) for s in ordered}
    together = sorted(
        [*ordered, *remembered], key=lambda s: (record_of(s).date, id(s) not in scored, str(s.path))
    )
    keep = [i for i, s in enumerate(together) if id(s) in scored]
    baselines = {
        name: [comparisons[i] for i in keep]
        for name, comparisons in baseline_comparisons(together, floor).items()
    }
    return ComparisonReport(
        files=files,
        baselines=baselines,
        method=f"monte carlo ({replicates} replicates per file, seed {seed}{drawn})",
        floor=floor,
        replicates=replicates,
        seed=seed,
        posterior=posterior.summary() if posterior is not None else None,
        remembered=len(remembered),
        fingerprints=tuple(s.fingerprint() for s in ordered),
    )


# `sim.compare(...)` is the public call sim.api.compare; the module stays importable as before.
from sim.api import callable_module  # noqa: E402

callable_module(__name__)
