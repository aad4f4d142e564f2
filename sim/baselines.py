"""The baselines the model is compared with: simple rules that need no simulation.

Each predicts every decision deterministically (probability 1 on one set of votes and the outcome
they make under the file's rule) and is scored by the same code as the model
(:func:`sim.compare.score`), so their totals sit beside the model's in ``unsc-sim compare`` and in
the rolling forecast of ``unsc-sim calibrate``. Kept apart from the scoring so that adding a
baseline touches this file only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from sim.compare import FileComparison, Record, VoteForecast, forecast_from_lanes, record_of, score
from sim.rules import NO, NOT_CAST, YES, Outcome
from sim.scenario import Scenario

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
        "status quo (t = 0) to the draft (t = 1; on a draft that moves only human rights, t = 0.5 + "
        "half the member's human-rights position); no context, salience or ties"
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
    size = float(change @ change)
    if size == 0.0:  # a draft off the sanctions plane (the DPRK's human rights on the agenda):
        # the position is the member's human-rights one, -1 -> 0 (status quo), +1 -> 1 (draft)
        rights = np.array([m.human_rights for m in model.members], dtype=float)
        return 0.5 + 0.5 * rights, salience
    return (stances - model.reversion) @ change / size, salience


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
            math.lgamma(m)
            - math.lgamma(q - k)
            - math.lgamma(m - q + k + 1)
            + math.lgamma(q)
            + math.lgamma(n - q + 1)
            - math.lgamma(n + 1)
        )
    return np.where(permanent, (1.0 - m * elected) / k, elected)


def _last_vote_forecasts(scenarios: Sequence[Scenario]) -> dict[int, VoteForecast]:
    order = sorted(
        range(len(scenarios)), key=lambda i: (record_of(scenarios[i]).date, str(scenarios[i].path))
    )
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
        if (
            record.outcome == "adopted"
            and not record.votes
            and scenario.spec.proposal.kind in {"committee", "statement"}
        ):
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
    order = sorted(
        range(len(scenarios)), key=lambda i: (record_of(scenarios[i]).date, str(scenarios[i].path))
    )
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


def baseline_comparisons(scenarios: Sequence[Scenario], floor: float) -> dict[str, list[FileComparison]]:
    """The baselines scored like the model, with the same floor for zero probabilities."""
    return {
        name: [score(s, f, floor, name) for s, f in zip(scenarios, forecasts)]
        for name, forecasts in baseline_forecasts(scenarios).items()
    }


BASELINE_LABELS: dict[str, str] = {
    "last_vote": "last vote on this issue",
    "p5_opposition": "yes unless a P5 stance opposes",
    "weighted_mean": "weighted mean position (BdM)",
    "regime_break": "regime break in 2018 (0 parameters)",
    "same_kind": "same as the last decision of its kind",
}
