"""A Council member and how it decides.

Each member is one Mesa agent holding its state for all R lanes (independent replicates) as numpy
arrays of shape (R,), so one agent step moves a million councils at once; R = 1 is an ordinary
run. Nothing here knows what other lanes hold: lanes never interact.

The decision is spatial voting with stakes and a reversion point (Romer & Rosenthal 1978; the
quadratic loss of NOMINATE-style models, Poole & Rosenthal). The member has an ideal point ``x``
in the (pressure, reciprocity) plane; the draft ``p`` and what happens if it fails, the
reversion point ``r``, are points too (a renewal that fails lets the Panel lapse: ``r`` lies
below today's regime). The member's utility for the draft is

    stake_weight * salience * (|x - r|^2 - |x - p|^2) + norm [if the penholder's draft]
        + sponsor_affinity * (1 for a sponsor, else its mean tie to the sponsors)

The first term scales with the size of the change (``2 d.(x - r) - |d|^2`` with ``d = p - r``),
so a small draft is a small stake and the constant terms (the norm of consensus, relations with
the sponsors) decide it. The norm is ``consensus_norm``, weakened by great-power tension
(:meth:`sim.context.ContextEffect.consensus_norm`). It carries only drafts the file's penholder
sponsors, first or as a co-sponsor (Japan's S/RES/1695 with the US): they reach a decision after
the penholder has negotiated them with all fifteen (``sim/data/penholders.toml``); a text the
penholder does not sponsor has not been through that.
Gaussian noise of scale ``noise_scale * noise`` perturbs it at the vote. An agenda item on the
DPRK's human rights is a stake of its own, signed by the member's General Assembly vote on the
DPRK human-rights resolution (:data:`sim.measures.HUMAN_RIGHTS_AGENDA_WEIGHT`), and a procedural
vote carries no norm (:attr:`sim.rules.DecisionRule.negotiated`).
Within the abstention band the member abstains. A member whose "no" defeats the draft (a
permanent member on a resolution, anyone in a consensus body) objects only if its opposition
exceeds its objection cost, which is lower when other permanent members are likely to object
too; an elected member of a consensus body places a hold only where it is needed, none behind a
permanent member's (:meth:`sim.model.CouncilModel.settle`). Else it abstains, as China and
Russia let S/RES/1695 to 2397 pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import mesa_core as mesa
from sim.lanes import PerLane, full_lanes
from sim.rules import ABSTAIN, NO, NOT_CAST, YES
from sim.scenario import MemberProfile
from sim.stances import derived_pressure

if TYPE_CHECKING:
    from sim.model import CouncilModel


class Member(mesa.Agent):
    """One of the fifteen, for every lane at once.

    Each state attribute reads as an array over lanes. A fixed stance, and what is computed
    from fixed stances before the vote, is the same in every lane: it is stored once (see
    :mod:`sim.lanes`) and computed once, which is what makes a million lanes cheap.
    """

    model: CouncilModel
    pressure = PerLane()
    reciprocity = PerLane()
    veto_cost = PerLane()
    salience = PerLane()
    noise = PerLane()
    ideal_pressure = PerLane()
    ideal_reciprocity = PerLane()
    effective_veto_cost = PerLane()

    def __init__(self, model: CouncilModel, profile: MemberProfile, index: int) -> None:
        super().__init__(model)
        self.code = profile.code
        self.name = profile.name
        self.permanent = profile.permanent
        self.index = index
        """Row of this member in the model's (members, lanes) arrays."""
        lanes = self.lanes = model.lanes
        rng = model.rng
        # A fixed stance draws no random numbers, so drawing it for one lane leaves the stream as is.
        stances = {
            key: stance.draw(rng, lanes if stance.is_random else 1) for key, stance in profile.stances.items()
        }
        params = model.params
        if profile.position is not None:
            derived = derived_pressure(profile.position, params)
            stances.setdefault("pressure", np.atleast_1d(derived))
            stances.setdefault("reciprocity", np.atleast_1d(1.0 - derived))
        if "salience" not in stances:
            salience = 1.0 if profile.permanent else params.elected_salience
            stances["salience"] = np.atleast_1d(np.asarray(salience, dtype=float))
        self.pressure: np.ndarray = stances["pressure"]
        self.reciprocity: np.ndarray = stances["reciprocity"]
        self.veto_cost: np.ndarray = stances["veto_cost"]
        self.salience: np.ndarray = stances["salience"]
        self.noise: np.ndarray = stances["noise"]
        self.ties = dict(profile.ties)
        self.human_rights = profile.human_rights
        """Position on the DPRK's human rights (+1, 0, -1; :class:`sim.scenario.MemberProfile`)."""

        context = model.context_effect
        self.ideal_pressure = context.ideal_pressure(self._pressure, self._reciprocity)
        self.ideal_reciprocity = context.ideal_reciprocity(self._reciprocity)
        self.effective_veto_cost = context.veto_cost(self._veto_cost)
        self.vote: np.ndarray = np.full(lanes, NOT_CAST, dtype=np.int8)

    # -- the stake ----------------------------------------------------------------------------

    def gain(self) -> np.ndarray:
        """|x - r|^2 - |x - p|^2 per lane (compact where lanes agree): how much closer the draft
        brings the regime to this member's ideal point than its failure would; plus, for an
        agenda item on the DPRK's human rights, the item's weight times the member's position
        on them (its General Assembly vote: a dimension the sanctions scale does not hold)."""
        state = self.model.proposal_state
        to_reversion_p = self._ideal_pressure - state.reversion[0]
        to_reversion_r = self._ideal_reciprocity - state.reversion[1]
        d_p, d_r = state.change_pressure, state.change_reciprocity
        spatial = 2.0 * (d_p * to_reversion_p + d_r * to_reversion_r) - (d_p * d_p + d_r * d_r)
        # An agenda item on human rights: a stake of its own, signed by the member's position.
        return spatial + state.change_human_rights * self.human_rights

    def _support(self) -> np.ndarray:
        """Deterministic utility of the draft against its failure (compact where lanes agree)."""
        params = self.model.params
        stake = params.stake_weight * self._salience * self.gain()
        return stake + self.model.norm_term + self.model.sponsor_pull[self.index]

    def support(self) -> np.ndarray:
        """Deterministic utility of the draft, per lane (no noise)."""
        return np.broadcast_to(self._support(), (self.lanes,))

    def scale(self) -> np.ndarray:
        """The sd of this member's utility shock at the vote."""
        return self.model.params.noise_scale * self._noise

    # -- voting -------------------------------------------------------------------------------

    def choose(self, utility: np.ndarray, threshold: np.ndarray) -> np.ndarray:
        """Map a utility (with or without noise) to yes / no / abstain codes."""
        band = self.model.params.abstention_band
        yes, no, abstain = np.int8(YES), np.int8(NO), np.int8(ABSTAIN)
        return np.where(utility > band, yes, np.where(utility < -threshold, no, abstain))

    def intend(
        self, shock: np.ndarray, threshold: np.ndarray, surprise: np.ndarray | float = 0.0
    ) -> np.ndarray:
        """The vote this member intends given its standard-normal ``shock`` per lane and its
        ``surprise`` (utility units; :meth:`sim.model.CouncilModel._surprise_draws`): the
        penholder's canvass reads it, and the member casts it if the draft is put to the vote."""
        utility = self._support() + self.scale() * shock + surprise
        return full_lanes(self.choose(utility, threshold), self.lanes)
