"""Why a run came out as it did: each member's utility in its parts, and who was pivotal.

A member's deterministic utility for the draft (:meth:`sim.member.Member._support`) is

    stake_weight * salience * gain  +  norm * [penholder's draft]  +  ties to the sponsors

(the norm is ``consensus_norm`` weakened by the day's great-power tension,
:meth:`sim.context.ContextEffect.consensus_norm`; a sponsor's tie to its own draft is whole,
:meth:`sim.model.CouncilModel._sponsor_pull`)

and at the vote it adds a Gaussian shock of sd ``noise`` (a permanent member, in a share
``surprise_share`` of lanes, a surprise of sd ``surprise_sd`` too); it votes no below ``-threshold`` (for a
member whose "no" defeats the draft, its objection cost at the equilibrium of
:meth:`sim.model.CouncilModel.settle`, as :meth:`CouncilModel._thresholds_given` sets it; for the
others, the abstention band) and yes above the abstention band. Every number here is
read from the model's own arrays after the talks (:meth:`CouncilModel._council_arrays`,
:meth:`CouncilModel.thresholds`), built as the run's first chunk was (same seed, so the same
stance draws), and averaged over its lanes where stances are random.

**Pivotal.** In a lane where the draft was put to the vote and not adopted (vetoed, failed,
blocked), a member is pivotal if switching its vote to yes would have changed the outcome to
adopted, under the same rule (:func:`sim.rules.decide`). A draft vetoed by two permanent members
has no pivotal member: neither switch alone adopts it. Withdrawn lanes have no votes to switch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.likelihood import negotiated_model
from sim.results import RunResult
from sim.rules import YES, Outcome, decide
from sim.runner import CHUNK_LANES, chunk_seed
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.posterior import Posterior

PIVOTAL_SLICE = 200_000
"""Failed lanes re-decided at once per member (bounds the memory of the switched votes)."""
NOT_ADOPTED = (Outcome.VETOED, Outcome.FAILED, Outcome.BLOCKED)


@dataclass(frozen=True)
class MemberParts:
    """One member's utility in its parts (means over lanes) and its pivotal share."""

    code: str
    name: str
    permanent: bool
    blocker: bool
    salience: float
    gain: float
    stake: float
    consensus_norm: float
    ties: float
    utility: float
    threshold: float
    objection_cost: float
    noise_sd: float
    p_yes: float
    p_no: float
    p_abstain: float
    pivotal_share: float | None
    """Share of the failed lanes in which this member was pivotal (None: no failed lane)."""

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass(frozen=True)
class Explanation:
    scenario: str
    stake_weight: float
    abstention_band: float
    text_scale: float
    lanes_explained: int
    failed_lanes: dict[str, int]
    no_pivotal_share: float | None
    """Share of the failed lanes in which no single member's switch would have adopted the draft."""
    members: list[MemberParts]
    posterior_draws: bool = False
    """Whether the lanes explained drew their parameters from a posterior (means over draws)."""
    notes: tuple[str, ...] = ()
    """Lines on parts of the utility this draft has and most do not (a human-rights agenda item,
    a procedural vote's missing norm)."""
    surprise_share: float = 0.0
    surprise_sd: float = 0.0
    """A permanent member's surprise at the vote: its chance and sd (``sim.parameters``)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "stake_weight": self.stake_weight,
            "abstention_band": self.abstention_band,
            "text_scale": self.text_scale,
            "lanes_explained": self.lanes_explained,
            "failed_lanes": self.failed_lanes,
            "no_pivotal_share": self.no_pivotal_share,
            "posterior_draws": self.posterior_draws,
            "surprise_share": self.surprise_share,
            "surprise_sd": self.surprise_sd,
            "notes": list(self.notes),
            "members": [m.to_dict() for m in self.members],
        }


def utility_parts(scenario: Scenario, lanes: int, seed: int) -> dict[str, np.ndarray]:
    """(members, lanes or 1) arrays of every part of the members' utilities after the talks,
    from the model built as the run's chunk of ``lanes`` lanes from ``seed`` is."""
    model = negotiated_model(scenario, lanes, seed)
    params = model.params
    utility, noise_sd, cost = model._council_arrays()
    width = utility.shape[1]
    as_rows = lambda rows: np.stack([np.broadcast_to(np.atleast_1d(r), (width,)) for r in rows])  # noqa: E731
    salience = as_rows([m._salience for m in model.members])  # compact where lanes agree
    gain = as_rows([m.gain() for m in model.members])
    stake = np.asarray(params.stake_weight, dtype=float) * salience * gain
    norm = np.broadcast_to(np.asarray(model.norm_term, dtype=float), stake.shape)
    ties = np.broadcast_to(model.sponsor_pull, stake.shape)
    yes, no, abstain = model._intent_probabilities()
    return {
        "salience": salience,
        "gain": gain,
        "stake": stake,
        "consensus_norm": norm,
        "ties": ties,
        "utility": utility,
        "threshold": np.stack(model.thresholds()),
        "objection_cost": cost,
        "noise_sd": noise_sd,
        "p_yes": yes,
        "p_no": no,
        "p_abstain": abstain,
        "blocker": model.blockers,
        "text_scale": np.atleast_1d(model.text_scale),
        "stake_weight": np.atleast_1d(params.stake_weight),
        "abstention_band": np.atleast_1d(params.abstention_band),
        "surprise_share": np.atleast_1d(params.surprise_share),
        "surprise_sd": np.atleast_1d(params.surprise_sd),
    }


def _pivotal_slices(result: RunResult) -> Iterator[np.ndarray]:
    """(members, lanes) bool for successive slices of the failed lanes: whether each member's
    switch to yes would have adopted the draft in each lane put to the vote and not adopted."""
    from sim.rules import rule_for

    spec = result.scenario.spec
    rule = rule_for(spec.proposal.kind, spec.council.quota)
    permanent = np.array([m.permanent for m in result.scenario.members], dtype=bool)
    failed = np.flatnonzero(np.isin(result.outcome, [int(o) for o in NOT_ADOPTED]))
    for start in range(0, failed.size, PIVOTAL_SLICE):
        votes = result.votes[:, failed[start : start + PIVOTAL_SLICE]]
        pivotal = np.zeros(votes.shape, dtype=bool)
        for i in range(len(permanent)):
            switched = votes.copy()
            switched[i] = YES
            pivotal[i] = decide(rule, switched, permanent).outcome == Outcome.ADOPTED
        yield pivotal


def pivotal_lanes(result: RunResult) -> tuple[np.ndarray, np.ndarray]:
    """(failed lane indices, (members, failed lanes) bool): who was pivotal in each failed lane."""
    failed = np.flatnonzero(np.isin(result.outcome, [int(o) for o in NOT_ADOPTED]))
    slices = list(_pivotal_slices(result))
    members = len(result.scenario.members)
    return failed, np.concatenate(slices, axis=1) if slices else np.zeros((members, 0), dtype=bool)


def pivotal_counts(result: RunResult) -> tuple[int, np.ndarray, int]:
    """(failed lanes, per-member pivotal lanes, lanes with no pivotal member), counted slice by
    slice so that a long run never holds a mask of all its failed lanes."""
    failed, counts, none = 0, np.zeros(len(result.scenario.members), dtype=np.int64), 0
    for pivotal in _pivotal_slices(result):
        failed += pivotal.shape[1]
        counts += pivotal.sum(axis=1)
        none += int((~pivotal.any(axis=0)).sum())
    return failed, counts, none


def explain_run(scenario: Scenario, result: RunResult, posterior: Posterior | None = None) -> Explanation:
    """Every member's utility in its parts and its pivotal share in the failed lanes of ``result``.
    A run over a ``posterior`` is explained over the same draws as its lanes (the first chunk's),
    not at the shipped parameters: the parts are then means over parameter draws too."""
    lanes = min(result.replicates, CHUNK_LANES)
    explained = scenario
    if posterior is not None:
        explained = posterior.scenario_for_lanes(scenario, posterior.lane_draws(result.seed, 0, lanes))
    parts = utility_parts(explained, lanes, chunk_seed(result.seed, 0))
    failed, pivotal, no_pivotal = pivotal_counts(result)
    counts = {o.label: int(np.sum(result.outcome == o)) for o in NOT_ADOPTED if np.any(result.outcome == o)}
    mean = lambda name, i: float(np.mean(parts[name][i]))  # noqa: E731
    members = [
        MemberParts(
            code=profile.code,
            name=profile.name,
            permanent=profile.permanent,
            blocker=bool(parts["blocker"][i]),
            **{
                name: mean(name, i)
                for name in (
                    "salience",
                    "gain",
                    "stake",
                    "consensus_norm",
                    "ties",
                    "utility",
                    "threshold",
                    "objection_cost",
                    "noise_sd",
                    "p_yes",
                    "p_no",
                    "p_abstain",
                )
            },
            pivotal_share=float(pivotal[i] / failed) if failed else None,
        )
        for i, profile in enumerate(scenario.members)
    ]
    return Explanation(
        scenario=scenario.name,
        stake_weight=float(np.mean(parts["stake_weight"])),
        abstention_band=float(np.mean(parts["abstention_band"])),
        text_scale=float(np.mean(parts["text_scale"])),
        lanes_explained=lanes,
        posterior_draws=posterior is not None,
        failed_lanes=counts,
        no_pivotal_share=no_pivotal / failed if failed else None,
        members=members,
        notes=_utility_notes(scenario),
        surprise_share=float(np.mean(parts["surprise_share"])),
        surprise_sd=float(np.mean(parts["surprise_sd"])),
    )


def _utility_notes(scenario: Scenario) -> tuple[str, ...]:
    """What :func:`format_explanation` says of a human-rights agenda item and a procedural vote."""
    from sim.measures import human_rights_change
    from sim.rules import rule_for

    notes = []
    weight = human_rights_change(scenario.spec.proposal.measures)
    if weight:
        notes.append(
            f"The gain includes the agenda item on human rights: {weight:.3g} x the member's latest General "
            "Assembly vote on the DPRK human-rights resolution (yes +1, abstain or none 0, no -1)."
        )
    if not rule_for(scenario.spec.proposal.kind).negotiated:
        notes.append("A procedural vote carries no consensus norm: it is held only where a member objects.")
    return tuple(notes)


UNNEEDED_THRESHOLD = 1000.0
"""A threshold above this is an elected member's cost of a hold divided by a near-zero chance that
the hold is needed: printed as ">1,000" (its exact size says nothing)."""


def format_explanation(explanation: Explanation) -> str:
    """The table printed by ``run --explain``."""
    failed = sum(explanation.failed_lanes.values())
    lines = [
        "  Each member's utility for the draft (means over lanes"
        + (", each at its own posterior draw of the parameters" if explanation.posterior_draws else "")
        + "): stake = stake weight "
        f"{explanation.stake_weight:.3g}{' (mean over the draws)' if explanation.posterior_draws else ''} x salience x gain, + consensus norm (on the penholder's draft, "
        "weakened by great-power tension) + ties to the sponsors (a sponsor's own draft: whole).",
        "  It votes no below -threshold (a blocker's objection cost at the equilibrium; else the abstention "
        f"band {explanation.abstention_band:.3g}), yes above the band, after a shock of sd 'noise'"
        + (
            f" and, for a permanent member in {100 * explanation.surprise_share:.3g}% of lanes, a surprise of sd "
            f"{explanation.surprise_sd:.3g} (P(no) counts both)."
            if explanation.surprise_share > 0
            else "."
        ),
        f"  Text after the talks: {100 * explanation.text_scale:.0f}% of the first draft's strength.",
        *(f"  {note}" for note in explanation.notes),
        "",
        f"  {'member':<30} {'salience':>8} {'gain':>8} {'stake':>8} {'norm':>7} {'ties':>7} {'utility':>8} "
        f"{'threshold':>9} {'noise':>6} {'P(no)':>6} {'pivotal':>7}",
    ]
    unneeded = False
    for m in explanation.members:
        name = f"{m.name} ({m.code}{', P5' if m.permanent else ''})"
        pivotal = "-" if m.pivotal_share is None else f"{100 * m.pivotal_share:.1f}%"
        threshold = f"{m.threshold:>9.3f}" if m.threshold < UNNEEDED_THRESHOLD else f"{'>1,000':>9}"
        unneeded |= m.threshold >= UNNEEDED_THRESHOLD
        lines.append(
            f"  {name[:30]:<30} {m.salience:>8.2f} {m.gain:>8.4f} {m.stake:>8.3f} {m.consensus_norm:>7.3f} "
            f"{m.ties:>7.3f} {m.utility:>8.3f} {threshold} {m.noise_sd:>6.3f} {100 * m.p_no:>5.1f}% {pivotal:>7}"
        )
    if unneeded:
        lines.append(
            "  threshold >1,000: an elected member's hold that is almost never needed (a permanent member "
            "objects anyway), so it places none"
        )
    if failed:
        kinds = ", ".join(f"{count:,} {label}" for label, count in explanation.failed_lanes.items())
        lines.append(
            f"  pivotal: share of the {failed:,} lanes not adopted ({kinds}) in which the member's switch to yes "
            "alone would have adopted the draft"
        )
        if explanation.no_pivotal_share:
            lines.append(
                f"  in {100 * explanation.no_pivotal_share:.1f}% of them no single switch would have "
                "(e.g. a veto cast by two permanent members)"
            )
    else:
        lines.append("  pivotal: no lane was put to the vote and not adopted")
    return "\n".join(lines)
