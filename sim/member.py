"""A Council member and how it decides.

Each member is one Mesa agent holding its state for all R lanes (independent replicates) as numpy
arrays of shape (R,), so one agent step moves a million councils at once; R = 1 is an ordinary
run. Nothing here knows what other lanes hold: lanes never interact.

The decision is a spatial random-utility rule. The member has an ideal point ``x`` in the
(pressure, reciprocity) plane; the status quo ``s`` and the draft ``s + d`` are points too. With
quadratic loss, the member prefers the draft by

    2 * (x - m) . u,    m = s + d/2 (the midpoint), u = d / |d| (the direction of change),

the signed distance of its ideal point past the "cutting line" (as in NOMINATE-style roll-call
models). This is multiplied by ``salience`` (how much it cares), shifted by its tie to the sponsors
(weighted by great-power tension), and perturbed by Gaussian noise of scale ``noise``. Within the
abstention band the member abstains. A member whose lone "no" would kill the draft (a permanent
member on a resolution, anyone in a consensus body) objects only if its opposition exceeds its
veto cost, else it abstains: this is how China and Russia could let S/RES/1695 pass in 2006.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
from scipy.special import ndtr

from sim.lanes import PerLane, full_lanes
from sim.rules import ABSTAIN, NO, NOT_CAST, YES
from sim.scenario import MemberProfile

if TYPE_CHECKING:
    from sim.model import CouncilModel


class Member(mesa.Agent):
    """One of the fifteen, for every lane at once.

    Each state attribute reads as an array over lanes. A fixed stance, and what is computed
    from fixed stances before the vote, is the same in every lane: it is stored once (see
    :mod:`sim.lanes`) and computed once, which is what makes a million lanes cheap.
    """

    model: "CouncilModel"
    pressure = PerLane()
    reciprocity = PerLane()
    veto_cost = PerLane()
    salience = PerLane()
    noise = PerLane()
    ideal_pressure = PerLane()
    ideal_reciprocity = PerLane()
    effective_veto_cost = PerLane()

    def __init__(self, model: "CouncilModel", profile: MemberProfile, index: int) -> None:
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
            key: stance.draw(rng, lanes if stance.is_random else 1)
            for key, stance in profile.stances.items()
        }
        self.pressure: np.ndarray = stances["pressure"]
        self.reciprocity: np.ndarray = stances["reciprocity"]
        self.veto_cost: np.ndarray = stances["veto_cost"]
        self.salience: np.ndarray = stances["salience"]
        self.noise: np.ndarray = stances["noise"]
        self.ties = dict(profile.ties)

        context = model.context_effect
        self.ideal_pressure = context.ideal_pressure(self._pressure, self._reciprocity)
        self.ideal_reciprocity = context.ideal_reciprocity(self._reciprocity)
        self.effective_veto_cost = context.veto_cost(self._veto_cost)
        self._next_position: tuple[np.ndarray, np.ndarray] | None = None
        self.vote: np.ndarray = np.full(lanes, NOT_CAST, dtype=np.int8)

    # -- negotiation (simultaneous: every member considers, then all adjust) -----------------

    def consider(self) -> None:
        """Look at allies' current positions and work out where to move (not moving yet)."""
        pull = self.model.negotiation.alignment_pull
        allies = [(self.model.member(code), weight) for code, weight in self.ties.items() if weight > 0]
        if pull == 0 or not allies:
            self._next_position = None
            return
        total = sum(weight for _, weight in allies)
        mean_pressure = sum(w * ally._ideal_pressure for ally, w in allies) / total
        mean_reciprocity = sum(w * ally._ideal_reciprocity for ally, w in allies) / total
        # Strong ties pull harder: a member tied at 0.3 to one ally moves less than one tied at 0.9.
        rate = pull * min(1.0, total)
        self._next_position = (
            self._ideal_pressure + rate * (mean_pressure - self._ideal_pressure),
            self._ideal_reciprocity + rate * (mean_reciprocity - self._ideal_reciprocity),
        )

    def adjust(self) -> None:
        """Move to the position worked out in :meth:`consider`."""
        if self._next_position is not None:
            self.ideal_pressure, self.ideal_reciprocity = self._next_position
            self._next_position = None

    # -- voting -------------------------------------------------------------------------------

    def support(self) -> np.ndarray:
        """Deterministic utility of the draft over the status quo, per lane (no noise)."""
        return np.broadcast_to(self._support(), (self.lanes,))

    def _support(self) -> np.ndarray:
        """:meth:`support`, compact where every lane agrees (see :mod:`sim.lanes`)."""
        proposal = self.model.proposal_state
        along_pressure = (self._ideal_pressure - proposal.midpoint_pressure) * proposal.direction[0]
        along_reciprocity = (
            self._ideal_reciprocity - proposal.midpoint_reciprocity
        ) * proposal.direction[1]
        utility = 2.0 * self._salience * (along_pressure + along_reciprocity)
        return utility + self.model.sponsor_pull[self.index]

    def vote_thresholds(self) -> tuple[float, np.ndarray | float]:
        """(band, threshold): a utility above ``band`` is a yes, below ``-threshold`` a no, in
        between an abstention. A member whose lone "no" kills the draft needs its opposition to
        exceed its (visible) veto cost before it objects."""
        band = self.model.settings.abstention_band
        objection_cost = np.maximum(
            band, self._effective_veto_cost * self.model.rule.objection_visibility
        )
        is_blocker = bool(self.model.blockers[self.index])
        threshold = objection_cost if is_blocker else band
        return band, threshold

    def choose(self, utility: np.ndarray) -> np.ndarray:
        """Map a utility (with or without noise) to yes / no / abstain codes."""
        band, threshold = self.vote_thresholds()
        yes, no, abstain = np.int8(YES), np.int8(NO), np.int8(ABSTAIN)
        return np.where(utility > band, yes, np.where(utility < -threshold, no, abstain))

    def vote_probabilities(self) -> dict[int, np.ndarray]:
        """Exact probabilities of each vote code per lane, had the vote been held now.

        The vote is ``choose(support() + noise_scale * noise * z)`` with z standard normal, so
        P(yes) = Phi((u - band) / s) and P(no) = Phi((-threshold - u) / s) with u = support() and
        s = noise_scale * noise (a step function where s = 0). Withdrawn lanes are not cast.
        Calibration uses this instead of sampling: the same engine, without Monte Carlo noise.
        """
        utility = self.support()
        band, threshold = self.vote_thresholds()
        scale = self.model.settings.noise_scale * self.noise
        safe = np.where(scale > 0, scale, 1.0)
        p_yes = np.where(scale > 0, ndtr((utility - band) / safe), (utility > band).astype(float))
        p_no = np.where(
            scale > 0, ndtr((-threshold - utility) / safe), (utility < -threshold).astype(float)
        )
        p_abstain = np.clip(1.0 - p_yes - p_no, 0.0, 1.0)
        withdrawn = self.model.withdrawn
        open_lanes = (~withdrawn).astype(float)
        return {
            YES: p_yes * open_lanes,
            NO: p_no * open_lanes,
            ABSTAIN: p_abstain * open_lanes,
            NOT_CAST: withdrawn.astype(float),
        }

    def ballot(self, shock: np.ndarray) -> np.ndarray:
        """The vote this member casts given standard-normal ``shock`` per lane: the vote itself,
        or (with fresh shocks) how it answers the penholder's canvass before the vote."""
        utility = self._support() + self.model.settings.noise_scale * self._noise * shock
        return full_lanes(self.choose(utility), self.lanes)

    def cast_vote(self) -> None:
        """Vote in every lane where the draft was put to the vote."""
        vote = self.ballot(self.model.vote_shocks[self.index])
        withdrawn = self.model._withdrawn
        self.vote = np.where(withdrawn, np.int8(NOT_CAST), vote) if withdrawn.any() else vote
