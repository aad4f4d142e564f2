"""The strongest text a draft can carry while its risk of defeat stays under a bound.

The penholder softens a draft by lowering the model's ``text_scale``: the share of the first
draft's change to the regime still in the text (:meth:`sim.model.CouncilModel._penholder_softens`).
This module asks the question the other way round: along that same scale, from 0 (the draft
changes nothing) to 1 (the draft as written), which is the largest scale at which
P(vetoed or failed) is at most a bound? It evaluates the model itself at each scale, with the
exact probabilities calibration uses (the members' quantal-response equilibrium, then
independent shocks at the vote: :meth:`CouncilModel.vote_probabilities` and
:func:`sim.rules.outcome_probabilities`): no Monte Carlo noise, no second model.

**The text at a scale is put to the vote as it is**: no further rounds of talks. "Failed" is
short of the quota (nine votes): the penholder's canvass would withdraw such a draft, so
P(vetoed or failed) is 1 - P(adopted) of the text put to the vote. In a consensus body the risk
is P(blocked).

**Monotone?** Not necessarily. Each member's utility is a concave quadratic in the scale
(``stake_weight * salience * (2 s d.(x - r) - s^2 |d|^2)`` plus constants), so a member who
wants less than the draft likes it less the stronger it gets, but a member who wants more likes it
more up to its own ideal: a weak text can fail for want of nine supporters while a stronger one
passes. So the curve is computed on a fine grid, every interval of scales that meets the bound
is reported, and the strongest text is the top of the highest such interval, refined by
bisection between that grid point and the next one up (which breaks the bound).

**Only some measures.** ``measures`` names the ones to scale (by type or position); the others
stay at full strength. The change is linear in each measure's shift, so the text at scale s is
``fixed + s * scaled``: the same proposal state the penholder's softening writes, with the
unscaled part held fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.measures import describe_at, human_rights_change, total_shift
from sim.model import CouncilModel, ProposalState
from sim.rules import OUTCOME_LABELS, Outcome, outcome_probabilities
from sim.scenario import Scenario

GRID_POINTS = 201
"""Scales 0, 0.005, ..., 1 on the curve."""
BISECTION_TOLERANCE = 1e-4
"""The returned scale is within this of the first scale above it that breaks the bound."""
STANCE_DRAWS = 500
"""Stance draws averaged over when a scenario has random stances (exact given each draw)."""


class StrongestError(InputError):
    """Bad input to ``strongest`` (an unknown measure name, a bound outside [0, 1])."""


@dataclass(frozen=True)
class CurvePoint:
    """The exact outcome probabilities of the text at one scale, put to the vote."""

    scale: float
    probabilities: dict[str, float]

    @property
    def risk(self) -> float:
        """P(vetoed or failed, or blocked): 1 - P(adopted)."""
        return 1.0 - self.probabilities["adopted"]


@dataclass
class StrongestText:
    """The answer: the strongest scale within the bound, the text in the measures' units, the
    curve, and the intervals of scales that meet the bound."""

    scenario: str
    bound: float
    scaled_measures: list[int]
    curve: list[CurvePoint]
    feasible_intervals: list[tuple[float, float]]
    scale: float | None
    """The strongest scale meeting the bound; None if no scale does."""
    scale_above: float | None
    """The nearest scale above ``scale`` found to break the bound (None if ``scale`` is 1)."""
    at_scale: CurvePoint | None
    above_scale: CurvePoint | None
    text: list[str] = field(default_factory=list)
    """Each measure at ``scale`` in its own units ("crude oil cap 4,000,000 -> 3,600,000 bbl/yr")."""
    full_text: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    scenario_file: str | None = None
    scenario_fingerprint: str | None = None
    version: str = ""
    """What made the answer (the project's standard: results say what made them)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "scenario_file": self.scenario_file,
            "scenario_fingerprint": self.scenario_fingerprint,
            "version": self.version,
            "max_veto_risk": self.bound,
            "scaled_measures": self.scaled_measures,
            "scale": self.scale,
            "scale_above": self.scale_above,
            "risk_at_scale": None if self.at_scale is None else self.at_scale.risk,
            "risk_above_scale": None if self.above_scale is None else self.above_scale.risk,
            "probabilities_at_scale": None if self.at_scale is None else self.at_scale.probabilities,
            "text": self.text,
            "full_text": self.full_text,
            "feasible_intervals": [list(pair) for pair in self.feasible_intervals],
            "notes": self.notes,
            "curve": [{"scale": p.scale, **p.probabilities, "risk": p.risk} for p in self.curve],
        }


class TextEvaluator:
    """One model of the scenario, put to the vote at any text scale.

    The model is built once (its members' stances and ideal points do not depend on the text);
    each evaluation writes the proposal state the penholder's softening would write and clears
    the cached equilibrium, as :meth:`CouncilModel._penholder_softens` does."""

    def __init__(self, scenario: Scenario, scaled: Sequence[int] | None = None, seed: int = 0) -> None:
        random = any(stance.is_random for profile in scenario.members for stance in profile.stances.values())
        self.draws = STANCE_DRAWS if random else 1
        self.model = CouncilModel(scenario, lanes=self.draws, rng=seed, collect=False)
        measures = scenario.spec.proposal.measures
        chosen = range(len(measures)) if scaled is None else scaled
        scalable = np.asarray(total_shift([measures[i] for i in chosen]), dtype=float)
        self.fixed = self.model.full_change - scalable
        self.scalable = scalable
        self.scalable_human_rights = human_rights_change([measures[i] for i in chosen])
        self.fixed_human_rights = self.model.full_human_rights_change - self.scalable_human_rights

    def at(self, scale: float) -> CurvePoint:
        """Exact outcome probabilities of the text at ``scale``, averaged over stance draws."""
        model = self.model
        model.text_scale = np.array([scale])
        change = self.fixed + scale * self.scalable
        model.proposal_state = ProposalState(
            reversion=model.reversion,
            change_pressure=np.array([change[0]]),
            change_reciprocity=np.array([change[1]]),
            change_human_rights=np.array([self.fixed_human_rights + scale * self.scalable_human_rights]),
        )
        model.objection = None
        model._arrays = None  # the cached (utility, noise, cost): recomputed at the new text
        yes, no, abstain = model.vote_probabilities()
        outcome = outcome_probabilities(model.rule, yes, no, abstain, model.permanent).mean(axis=1)
        probabilities = {
            label: float(outcome[o]) for label, o in zip(OUTCOME_LABELS, Outcome) if label != "withdrawn"
        }
        if model.rule.consensus:
            probabilities = {k: probabilities[k] for k in ("adopted", "blocked")}
        else:
            probabilities = {k: probabilities[k] for k in ("adopted", "vetoed", "failed")}
        return CurvePoint(scale=float(scale), probabilities=probabilities)


def measure_indices(scenario: Scenario, names: Sequence[str] | None) -> list[int] | None:
    """Positions of the measures named (by type, e.g. ``crude_oil_cap``, or position from 0);
    None (all) if no names are given."""
    if not names:
        return None
    measures = scenario.spec.proposal.measures
    chosen: list[int] = []
    problems: list[str] = []
    for name in names:
        if name.isdigit() and int(name) < len(measures):
            hits = [int(name)]
        else:
            hits = [i for i, m in enumerate(measures) if m.type == name]
        if not hits:
            known = ", ".join(f"{i} ({m.type})" for i, m in enumerate(measures))
            problems.append(f"measures {name}: the draft has no such measure (it has: {known})")
        chosen.extend(i for i in hits if i not in chosen)
    if problems:
        raise StrongestError(problems)
    return sorted(chosen)


def _intervals(scales: np.ndarray, ok: np.ndarray) -> list[tuple[float, float]]:
    """Maximal runs of consecutive grid scales that meet the bound, as (first, last)."""
    runs: list[tuple[float, float]] = []
    start: float | None = None
    for i, good in enumerate(ok):
        if good and start is None:
            start = float(scales[i])
        if start is not None and (not good or i == len(ok) - 1):
            runs.append((start, float(scales[i if good else i - 1])))
            start = None
    return runs


def strongest_text(
    scenario: Scenario,
    bound: float = 0.1,
    measures: Sequence[str] | None = None,
    grid_points: int = GRID_POINTS,
    tolerance: float = BISECTION_TOLERANCE,
) -> StrongestText:
    """The strongest text of ``scenario``'s draft whose P(vetoed or failed) is at most ``bound``."""
    from sim import __version__

    if not 0.0 <= bound <= 1.0:
        raise StrongestError([f"bound: must be between 0 and 1, got {bound}"])
    scaled = measure_indices(scenario, measures)
    evaluator = TextEvaluator(scenario, scaled)
    scales = np.linspace(0.0, 1.0, grid_points)
    curve = [evaluator.at(s) for s in scales]
    ok = np.array([p.risk <= bound for p in curve])
    intervals = _intervals(scales, ok)
    all_measures = scenario.spec.proposal.measures
    chosen = list(range(len(all_measures))) if scaled is None else scaled
    result = StrongestText(
        scenario=scenario.name,
        bound=bound,
        scaled_measures=chosen,
        curve=curve,
        feasible_intervals=intervals,
        scale=None,
        scale_above=None,
        at_scale=None,
        above_scale=None,
        full_text=[m.describe(1.0) for m in all_measures],
        scenario_file=None if scenario.path is None else str(scenario.path),
        scenario_fingerprint=scenario.fingerprint(),
        version=__version__,
    )
    if not intervals:
        lowest = min(curve, key=lambda p: p.risk)
        result.notes.append(
            f"no text meets the bound: the lowest {_risk_label(result)} on the curve is {lowest.risk:.3f}, "
            f"at scale {lowest.scale:.3f}"
        )
        return result
    top = intervals[-1][1]
    index = int(np.searchsorted(scales, top))
    if index == len(scales) - 1:
        low, high = 1.0, None
        result.notes.append("the draft as written already meets the bound")
    else:
        low, high = float(scales[index]), float(scales[index + 1])
        while high - low > tolerance:  # the bound holds at low and breaks at high
            middle = 0.5 * (low + high)
            if evaluator.at(middle).risk <= bound:
                low = middle
            else:
                high = middle
    if len(intervals) == 1 and intervals[0][0] > 0.0:
        result.notes.append(
            f"the curve is not monotone: texts weaker than {intervals[0][0]:.3f} break the bound too "
            "(too little in them to carry nine votes)"
        )
    if len(intervals) > 1:
        spans = ", ".join(f"[{a:.3f}, {b:.3f}]" for a, b in intervals)
        result.notes.append(
            f"the curve is not monotone: the scales meeting the bound are {spans}; the strongest is "
            f"the top of the last, the strongest with every weaker scale from {intervals[-1][0]:.3f} "
            f"up also meeting it"
        )
    result.scale, result.scale_above = low, high
    result.at_scale = evaluator.at(low)
    result.above_scale = None if high is None else evaluator.at(high)
    result.text = [describe_at(m, low if i in chosen else 1.0) for i, m in enumerate(all_measures)]
    return result


def _risk_label(result: StrongestText) -> str:
    """What the bound is on: P(blocked) in a consensus body, else P(vetoed or failed)."""
    return "P(blocked)" if "blocked" in result.curve[0].probabilities else "P(vetoed or failed)"


def format_strongest(result: StrongestText, every: int = 20) -> str:
    """The human-readable report: what made it, the text, the bound at and above it, and the curve."""
    consensus = "blocked" in result.curve[0].probabilities
    risk = _risk_label(result)
    lines = [
        result.scenario,
        f"  {result.scenario_file or '(no file)'}, unsc-sim {result.version}",
        f"  bound: {risk} <= {result.bound:g}, the text put to the vote as it stands (no further talks"
        + (
            ""
            if consensus
            else "; failed = short of nine votes, which the penholder's canvass would withdraw"
        )
        + ")",
    ]
    if result.scale is None:
        lines.append(f"  {result.notes[0]}")
    else:
        assert result.at_scale is not None
        lines.append(
            f"  strongest text: {100 * result.scale:.3f}% of the draft's change "
            f"({risk} {result.at_scale.risk:.5f}"
            + (
                f"; just above, at {100 * result.scale_above:.3f}%: {result.above_scale.risk:.5f})"
                if result.scale_above is not None and result.above_scale is not None
                else ")"
            )
        )
        for full, text in zip(result.full_text, result.text):
            lines.append(f"    {text}" if full == text else f"    {text}   (draft: {full})")
        for note in result.notes:
            lines.append(f"  note: {note}")
    labels = list(result.curve[0].probabilities)
    lines.append("")
    lines.append("  " + f"{'scale':>6} " + " ".join(f"{'P(' + k + ')':>13}" for k in labels))
    for i, point in enumerate(result.curve):
        if i % every == 0 or i == len(result.curve) - 1:
            lines.append(
                "  " + f"{point.scale:>6.3f} " + " ".join(f"{point.probabilities[k]:>13.3f}" for k in labels)
            )
    return "\n".join(lines)


def plot_strongest(result: StrongestText) -> Any:
    """The curve of outcome probabilities along the scale, the bound and the strongest text."""
    import pandas as pd

    from sim.plots import OUTCOME_COLOURS, Plot, new_figure

    frame = pd.DataFrame([{"scale": p.scale, **p.probabilities} for p in result.curve])
    figure = new_figure(7.5, 4.6)
    ax = figure.add_subplot()
    for label in result.curve[0].probabilities:
        ax.plot(frame["scale"], frame[label], linewidth=2, color=OUTCOME_COLOURS[label], label=f"P({label})")
    ax.plot(frame["scale"], 1.0 - frame["adopted"], linestyle=":", color="black", label="P(vetoed or failed)")
    ax.axhline(result.bound, color="grey", linestyle="--", linewidth=1, label=f"bound {result.bound:g}")
    if result.scale is not None:
        ax.axvline(result.scale, color="black", linewidth=1, label=f"strongest: {100 * result.scale:.1f}%")
    ax.set_xlabel("text scale (share of the draft's change to the regime)")
    ax.set_ylabel("probability (exact)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(f"{result.scenario}: the text put to the vote at each scale", fontsize="medium")
    return Plot(figure, "strongest", {"curve": frame})
