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
(:mod:`sim.calibrate`) and the baselines (:func:`baseline_forecasts`) are scored by the same code.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Sequence

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


def score(
    scenario: Scenario, forecast: VoteForecast, floor: float, method: str
) -> FileComparison:
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
        notes.append("no member votes in the record (never put to a vote): p_members, "
                     "log_likelihood and brier are undefined; the outcome is the observed event")
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
    member_probabilities = np.stack(
        [np.mean(votes == category, axis=1) for category in CATEGORIES], axis=1
    )
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


# ------------------------------------------------------------------------------ baselines

BASELINES: dict[str, str] = {
    "last_vote": (
        "every member votes as it did last time on this issue: its most recent known position "
        "in an earlier file (date order), where a recorded vote is the position, a vetoing or "
        "blocking member's is 'no' and, in a consensus body that adopted, everyone's is 'yes'; "
        "members with no earlier position vote yes"
    ),
    "p5_opposition": (
        "every member votes yes except permanent members whose declared stance opposes the draft, "
        "who vote no; 'opposes' = the member's (pressure, reciprocity) stance lies on the "
        "status-quo side of the cutting line, i.e. its position t < 0.5 on the axis from the "
        "status quo (t = 0) to the draft (t = 1); no context, salience or ties"
    ),
    "regime_break": (
        "zero parameters: adopted unanimously before 2018; from 2018 the other camp defeats the "
        "draft (China and Russia a Western draft, the US a Chinese or Russian one); relief drafts "
        "withdrawn"
    ),
    "same_kind": (
        "as the last earlier decision of the same kind (resolution, committee, statement) went: "
        "its votes, its vetoing or blocking members' 'no', or a withdrawal; the first of a kind "
        "is adopted unanimously"
    ),
    "weighted_mean": (
        "capability- and salience-weighted mean of positions (the expected-utility / bargaining "
        "baseline): positions t as in p5_opposition, weights = Shapley-Shubik power under the "
        "file's rule x salience; if the weighted mean is past the cutting line (t > 0.5) the "
        "bargain carries and every member votes yes, otherwise members with t < 0.5 vote no and "
        "the others yes"
    ),
}
"""What each baseline predicts. All are deterministic: a vote or outcome gets probability 1 or 0
(floored like the model's zero probabilities), and the outcome follows from the predicted votes
by the file's rule (a resolution short of nine votes is withdrawn, as the model's penholder
does)."""


def _deterministic_forecast(scenario: Scenario, votes: np.ndarray, withdraw: bool = False) -> VoteForecast:
    """A forecast that puts probability 1 on ``votes`` (one code per member) and their outcome:
    by the penholder's rule, a resolution short of the quota is withdrawn (as is any draft when
    ``withdraw``)."""
    from sim.rules import decide, rule_for

    spec = scenario.spec
    rule = rule_for(spec.proposal.kind, spec.council.quota)
    permanent = np.array([m.permanent for m in scenario.members], dtype=bool)
    lane = np.asarray(votes, dtype=np.int8)[:, None]
    decision = decide(rule, lane, permanent)
    outcome = decision.outcome.copy()
    defeated_by = decision.defeated_by
    if withdraw or (not rule.consensus and outcome[0] == Outcome.FAILED):
        outcome[:] = Outcome.WITHDRAWN
        lane = np.full_like(lane, NOT_CAST)
        defeated_by = np.zeros_like(defeated_by)
    return forecast_from_lanes(scenario, lane, outcome, defeated_by)


def positions_on_draft(scenario: Scenario) -> np.ndarray:
    """Each member's (pressure, reciprocity) stance, as the model derives it with no context,
    projected on the draft's axis: 0 at the reversion point, 1 at the draft."""
    return _stances_on_draft(scenario)[0]


def _stances_on_draft(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(positions on the draft's axis, saliences) of every member, as the model derives them."""
    from sim.model import CouncilModel

    model = CouncilModel(scenario, lanes=1, rng=0, collect=False)
    change = model.full_change
    stances = np.array([[float(m.pressure[0]), float(m.reciprocity[0])] for m in model.members])
    salience = np.array([float(m.salience[0]) for m in model.members])
    return (stances - model.reversion) @ change / float(change @ change), salience


@lru_cache(maxsize=32)
def _shapley_shubik(kind: str, quota: int | None, permanent: tuple[bool, ...]) -> np.ndarray:
    from sim.power import MAX_ENUMERATED_MEMBERS, power_indices
    from sim.rules import rule_for

    if len(permanent) > MAX_ENUMERATED_MEMBERS:
        return _shapley_shubik_by_formula(rule_for(kind, quota), np.array(permanent))
    codes = [f"M{i}" for i in range(len(permanent))]
    indices = power_indices(rule_for(kind, quota), np.array(permanent), codes)
    return np.array([float(value) for value in indices.shapley_shubik])


def _shapley_shubik_by_formula(rule: Any, permanent: np.ndarray) -> np.ndarray:
    """Shapley-Shubik indices of a council of k vetoers and m others with quota q, by counting
    (any size): an elected member is pivotal exactly when the members before it in the order
    are all k vetoers and q - 1 - k others, so its index is C(m - 1, q - 1 - k) (q - 1)! (n - q)! / n!;
    the vetoers share the rest. Without vetoes (or under consensus) all members are alike."""
    n = len(permanent)
    k = int(permanent.sum())
    if rule.consensus or not rule.permanent_veto or k == 0 or k == n:
        return np.full(n, 1.0 / n)
    q, m = rule.quota, n - k
    elected = 0.0
    if 0 <= q - 1 - k <= m - 1:
        elected = math.exp(
            math.lgamma(m) - math.lgamma(q - k) - math.lgamma(m - q + k + 1)
            + math.lgamma(q) + math.lgamma(n - q + 1) - math.lgamma(n + 1)
        )
    return np.where(permanent, (1.0 - m * elected) / k, elected)


def _last_vote_forecasts(scenarios: Sequence[Scenario]) -> dict[int, VoteForecast]:
    order = sorted(range(len(scenarios)), key=lambda i: (record_of(scenarios[i]).date, str(scenarios[i].path)))
    position: dict[str, int] = {}
    forecasts: dict[int, VoteForecast] = {}
    for i in order:
        scenario = scenarios[i]
        votes = np.array([position.get(code, YES) for code in scenario.codes])
        forecasts[i] = _deterministic_forecast(scenario, votes)
        record = record_of(scenario)
        position.update(record.votes)
        for code in record.defeaters:
            position[code] = NO
        if record.outcome == "adopted" and not record.votes and scenario.spec.proposal.kind in {"committee", "statement"}:
            position.update({code: YES for code in scenario.codes})
    return forecasts


WESTERN_SPONSORS = {"USA", "GBR", "FRA", "JPN"}
REGIME_BREAK_DATE = "2018-01-01"


def _regime_break_forecast(scenario: Scenario) -> VoteForecast:
    """Adopted unanimously before 2018; from 2018 the other camp defeats the draft (China and
    Russia a Western draft, the US a Chinese or Russian one); relief drafts withdrawn."""
    record = record_of(scenario)
    codes = scenario.codes
    yes = np.full(len(codes), YES)
    if record.date < REGIME_BREAK_DATE:
        return _deterministic_forecast(scenario, yes)
    relief = any(m.type == "sanctions_relief" for m in scenario.spec.proposal.measures)
    if relief:
        return _deterministic_forecast(scenario, yes, withdraw=True)
    western = scenario.spec.proposal.sponsors[0] in WESTERN_SPONSORS
    opponents = {"CHN", "RUS"} if western else {"USA"}
    return _deterministic_forecast(scenario, np.array([NO if c in opponents else YES for c in codes]))


def _same_kind_forecasts(scenarios: Sequence[Scenario]) -> dict[int, VoteForecast]:
    """Each decision as the last earlier decision of the same kind (resolution, committee,
    statement) went: its recorded votes, its defeating members' "no", or everyone's "yes";
    a withdrawn predecessor predicts a withdrawal. The first of a kind: adopted unanimously."""
    order = sorted(range(len(scenarios)), key=lambda i: (record_of(scenarios[i]).date, str(scenarios[i].path)))
    last: dict[str, Record] = {}
    forecasts: dict[int, VoteForecast] = {}
    for i in order:
        scenario = scenarios[i]
        kind = scenario.spec.proposal.kind
        previous = last.get(kind)
        if previous is None:
            forecasts[i] = _deterministic_forecast(scenario, np.full(len(scenario.codes), YES))
        elif previous.outcome == "withdrawn":
            forecasts[i] = _deterministic_forecast(scenario, np.full(len(scenario.codes), YES), withdraw=True)
        else:
            votes = np.array(
                [
                    NO if code in previous.defeaters else previous.votes.get(code, YES)
                    for code in scenario.codes
                ]
            )
            forecasts[i] = _deterministic_forecast(scenario, votes)
        last[kind] = record_of(scenario)
    return forecasts


def baseline_forecasts(scenarios: Sequence[Scenario]) -> dict[str, list[VoteForecast]]:
    """Each baseline's forecast of each scenario, in the order given (see :data:`BASELINES`)."""
    last = _last_vote_forecasts(scenarios)
    same_kind = _same_kind_forecasts(scenarios)
    result: dict[str, list[VoteForecast]] = {name: [] for name in BASELINES}
    for i, scenario in enumerate(scenarios):
        result["last_vote"].append(last[i])
        result["same_kind"].append(same_kind[i])
        result["regime_break"].append(_regime_break_forecast(scenario))
        t, salience = _stances_on_draft(scenario)
        permanent = np.array([m.permanent for m in scenario.members], dtype=bool)
        opposes = t < 0.5
        result["p5_opposition"].append(
            _deterministic_forecast(scenario, np.where(permanent & opposes, NO, YES))
        )
        spec = scenario.spec
        power = _shapley_shubik(spec.proposal.kind, spec.council.quota, tuple(bool(p) for p in permanent))
        weights = power * salience
        mean = float(weights @ t / weights.sum()) if weights.sum() > 0 else float(t.mean())
        votes = np.full(len(t), YES) if mean > 0.5 else np.where(opposes, NO, YES)
        result["weighted_mean"].append(_deterministic_forecast(scenario, votes))
    return result


def baseline_comparisons(
    scenarios: Sequence[Scenario], floor: float
) -> dict[str, list[FileComparison]]:
    """The baselines scored like the model, with the same floor for zero probabilities."""
    return {
        name: [score(s, f, floor, name) for s, f in zip(scenarios, forecasts)]
        for name, forecasts in baseline_forecasts(scenarios).items()
    }


# ------------------------------------------------------------------------------ a full comparison

BASELINE_LABELS: dict[str, str] = {
    "last_vote": "last vote on this issue",
    "p5_opposition": "yes unless a P5 stance opposes",
    "weighted_mean": "weighted mean position (BdM)",
    "regime_break": "regime break in 2018 (0 parameters)",
    "same_kind": "same as the last decision of its kind",
}


def by_date(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """Scenarios in the order of their records' dates (then file names)."""
    return sorted(scenarios, key=lambda s: (record_of(s).date, str(s.path)))


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

    def to_dict(self) -> dict[str, Any]:
        from sim import __version__

        return {
            "method": self.method,
            "replicates": self.replicates,
            "seed": self.seed,
            "posterior": self.posterior,
            "floor": self.floor,
            "version": __version__,
            "files": [c.to_dict() for c in self.files],
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
    scenarios: Sequence[Scenario], replicates: int = 10_000, seed: int = 0, posterior: Any = None,
    progress: bool = False,
) -> ComparisonReport:
    """Run every scenario (Monte Carlo, ``replicates`` lanes from ``seed``; each lane at its own
    draw of a :class:`sim.posterior.Posterior` if given) and score it and the baselines against
    the record, in date order (``progress``: a bar on stderr)."""
    import sys

    from tqdm import tqdm

    from sim.runner import run

    ordered = by_date(scenarios)
    for scenario in ordered:
        record_of(scenario)  # fail early on a file without [history]
    bar = tqdm(ordered, desc="compare", unit=" files", file=sys.stderr, disable=not progress, leave=False,
               dynamic_ncols=True)
    files = [compare_result(run(s, replicates=replicates, seed=seed, posterior=posterior)) for s in bar]
    floor = 1.0 / (2 * replicates)
    drawn = f", parameters drawn per lane from {posterior.path}" if posterior is not None else ""
    return ComparisonReport(
        files=files,
        baselines=baseline_comparisons(ordered, floor),
        method=f"monte carlo ({replicates} replicates per file, seed {seed}{drawn})",
        floor=floor,
        replicates=replicates,
        seed=seed,
        posterior=posterior.summary() if posterior is not None else None,
    )


def describe_record(c: FileComparison) -> str:
    text = c.observed_outcome
    if c.observed_defeaters:
        text += " by " + "+".join(c.observed_defeaters)
    if c.observed_tally:
        text += " " + c.observed_tally
    return text


def describe_forecast(c: FileComparison) -> str:
    text = c.modal_outcome
    if c.modal_defeaters:
        text += " by " + "+".join(c.modal_defeaters)
    if c.modal_outcome not in {"withdrawn", "blocked"} and c.modal_tally and c.kind in {"resolution", "procedural"}:
        text += " " + c.modal_tally
    return text


def _number(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def format_files(files: Sequence[FileComparison]) -> list[str]:
    """One row per decision: the record, the forecast's most likely outcome, the scores."""
    lines = [
        f"  {'date':<10}  {'decision':<28}  {'record':<24}  {'most likely':<24}"
        f"  {'p(out)':>6}  {'p(tally)':>8}  {'log-lik':>7}  {'Brier':>5}  ok",
    ]
    for c in files:
        lines.append(
            f"  {c.date:<10}  {c.symbol[:28]:<28}  {describe_record(c)[:24]:<24}  {describe_forecast(c)[:24]:<24}"
            f"  {c.p_outcome:>6.3f}  {_number(c.p_tally, '8.3f'):>8}  {_number(c.log_likelihood, '7.2f'):>7}"
            f"  {_number(c.brier, '5.3f'):>5}  {'yes' if c.outcome_correct else 'NO'}"
        )
    return lines


def format_totals_row(label: str, total: dict[str, Any]) -> str:
    return (
        f"  {label:<42}  {total['outcomes_correct']:>3}/{total['files']:<3}  {total['mean_p_outcome']:>7.3f}"
        f"  {_number(total['log_likelihood'], '9.2f'):>9}  {_number(total['brier'], '6.4f'):>6}"
        f"  {total['event_log_likelihood']:>9.2f}"
    )


def format_report(report: ComparisonReport) -> str:
    """The human-readable output of ``unsc-sim compare``."""
    n = len(report.files)
    lines = [
        f"Model vs the historical record: {n} decision{'s' if n != 1 else ''}, {report.method}",
        f"(probabilities of 0 are floored at {report.floor:.2g} in log-likelihoods; 'ok' = the most likely",
        " outcome, with the same vetoing / blocking members where the record names them, is what happened)",
        *(
            [f"parameter uncertainty: {report.posterior['draws']:,} posterior draws from {report.posterior['file']}; "
             "each lane draws its own parameter set, so the probabilities include parameter and vote uncertainty"]
            if report.posterior
            else []
        ),
        "",
        *format_files(report.files),
    ]
    doubtful = []
    for c in report.files:
        low = {code: p for code, p in (c.p_members or {}).items() if p < 0.5}
        if low:
            doubtful.append(f"    {c.date} {c.symbol}: " + ", ".join(f"{code} {p:.3f}" for code, p in low.items()))
    if doubtful:
        lines += ["", "  Members whose real vote the model gave a probability below 0.5:", *doubtful]
    model_total = totals(report.files)
    lines += [
        "",
        f"  Totals: log-lik = log-likelihood of the {model_total['member_votes']} known member votes"
        f" ({model_total['files_with_votes']} files); event log-lik adds the outcomes",
        "  of the decisions never put to a vote (their only evidence).",
        f"  {'':<42}  {'outcomes':>7}  {'mean p':>7}  {'log-lik':>9}  {'Brier':>6}  {'event ll':>9}",
        format_totals_row("model", model_total),
    ]
    for name, comparisons in report.baselines.items():
        lines.append(format_totals_row(f"baseline: {BASELINE_LABELS[name]}", totals(comparisons)))
    lines += ["", "  Baselines:"]
    for name in report.baselines:
        text = f"{BASELINE_LABELS[name]}: {BASELINES[name]}."
        lines += textwrap.wrap(text, 100, initial_indent="    ", subsequent_indent="      ")
    return "\n".join(lines)


# `sim.compare(...)` is the public call sim.api.compare; the module stays importable as before.
from sim.api import callable_module  # noqa: E402

callable_module(__name__)
