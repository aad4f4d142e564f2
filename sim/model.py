"""The Council as a Mesa model: negotiation rounds, then a vote, for R lanes at once.

Each ``step()`` is one round of negotiation (members drift toward their allies, the penholder
counts likely votes and amends, withdraws or waits); the step after the last round is the vote.
``run_model()`` does all of it. All randomness comes from ``self.rng`` in a fixed order (each
member's random stances in council order; for a ``withdraw_if_vetoed`` penholder, one Gaussian
shock per member and lane for its canvass at the end of the talks; then one per member and lane
at the vote), so the same scenario and seed give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.context import ContextEffect, provocation_index
from sim.lanes import PerLane, common_lanes, full_lanes
from sim.measures import total_shift
from sim.member import Member
from sim.rules import Decision, Outcome, decide, rule_for
from sim.scenario import Scenario

SPONSOR_TENSION_BASE = 0.5
"""In calm times ties to the sponsors count at this share; at tension 1 they count 1.5 times."""


@dataclass
class ProposalState:
    """Where the draft stands in each lane: its direction of change and the cutting-line
    midpoint, which moves toward the status quo as the text is softened."""

    direction: np.ndarray
    """(2,) unit vector: the draft's direction in the (pressure, reciprocity) plane."""
    midpoint_pressure: np.ndarray
    midpoint_reciprocity: np.ndarray


class CouncilModel(mesa.Model):
    """Fifteen members deciding one draft, in ``lanes`` independent replicates at once.

    ``text_scale`` and ``withdrawn`` read as arrays over lanes but are stored once while every
    lane agrees (see :mod:`sim.lanes`); so is everything members compute before the vote.
    """

    text_scale = PerLane()
    """Share of the draft's full strength still in the text (softening lowers it)."""
    withdrawn = PerLane()

    def __init__(
        self,
        scenario: Scenario,
        lanes: int = 1,
        rng: int | np.random.SeedSequence | None = None,
        collect: bool = True,
    ) -> None:
        super().__init__(rng=rng)
        if lanes < 1:
            raise ValueError("lanes must be at least 1")
        spec = scenario.spec
        self.council_scenario = scenario
        """The unsc-sim scenario (not `self.scenario`: Mesa 3.5 reserves that name)."""
        self.lanes = lanes
        self.negotiation = spec.negotiation
        self.settings = spec.decision
        self.rule = rule_for(spec.proposal.kind, spec.council.quota)
        context = spec.context
        self.context_effect = ContextEffect(
            provocation=provocation_index(
                context.nuclear_test, context.icbm_launch, context.ballistic_launches
            ),
            talks_under_way=context.diplomacy == "under_way",
            unreciprocated=context.diplomacy == "unreciprocated",
            tension=context.great_power_tension,
        )
        self.permanent = np.array([m.permanent for m in scenario.members], dtype=bool)
        self.blockers = self.rule.is_blocker(self.permanent)

        shift = np.array(total_shift(spec.proposal.measures), dtype=float)
        self.full_shift = shift
        self.status_quo = np.array([context.status_quo_pressure, context.status_quo_reciprocity])
        self.text_scale = np.ones(1)
        self.withdrawn = np.zeros(1, dtype=bool)
        self.proposal_state = self._proposal_state()

        self.members: tuple[Member, ...] = tuple(
            Member(self, profile, index) for index, profile in enumerate(scenario.members)
        )
        self._by_code = {member.code: member for member in self.members}
        # Mesa 3.3 keys a class-level dict of agent-id counters by model, so no model would ever
        # be freed (mesa#3179, fixed in 3.5). All agents are made: let go of this model's entry.
        counters = getattr(mesa.Agent, "_ids", None)
        if isinstance(counters, dict):
            counters.pop(self, None)
        self.sponsor_pull = self._sponsor_pull(spec.proposal.sponsors)

        self.round = 0
        self.vote_shocks: np.ndarray = np.zeros((len(self.members), 0))
        self.votes: np.ndarray | None = None
        self.outcome: Decision | None = None
        self.collect = collect
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "round": "round",
                "predicted_adoption": lambda m: float(
                    np.mean(m.predicted_decision().outcome == Outcome.ADOPTED)
                ),
                "mean_text_scale": lambda m: float(m.text_scale.mean()),
                "withdrawn": lambda m: float(m.withdrawn.mean()),
            },
            agent_reporters={
                "ideal_pressure": lambda a: float(a.ideal_pressure.mean()),
                "ideal_reciprocity": lambda a: float(a.ideal_reciprocity.mean()),
            },
        )
        if collect:
            self.datacollector.collect(self)

    # -- helpers ------------------------------------------------------------------------------

    def member(self, code: str) -> Member:
        return self._by_code[code]

    def _proposal_state(self) -> ProposalState:
        length = float(np.hypot(*self.full_shift))
        direction = self.full_shift / length
        half = self.full_shift[:, None] * self._text_scale[None, :] / 2
        return ProposalState(
            direction=direction,
            midpoint_pressure=self.status_quo[0] + half[0],
            midpoint_reciprocity=self.status_quo[1] + half[1],
        )

    def _sponsor_pull(self, sponsors: list[str]) -> np.ndarray:
        """Each member's lean toward the draft from its ties to the sponsors (a sponsor's tie to
        its own draft is 1), weighted by ``sponsor_affinity`` and great-power tension."""
        weight = self.settings.sponsor_affinity * (
            SPONSOR_TENSION_BASE + self.context_effect.tension
        )
        pulls = []
        for member in self.members:
            ties = [1.0 if member.code == s else member.ties.get(s, 0.0) for s in sponsors]
            pulls.append(weight * float(np.mean(ties)))
        return np.array(pulls)

    def predicted_votes(self) -> np.ndarray:
        """(members, lanes) votes each member signals before the vote (no noise)."""
        return full_lanes(self._predicted_votes(), self.lanes).copy()

    def predicted_decision(self) -> Decision:
        return decide(self.rule, self.predicted_votes(), self.permanent, self.withdrawn)

    def _predicted_votes(self) -> np.ndarray:
        """:meth:`predicted_votes`, compact (one column) while every lane agrees."""
        rows = [member.choose(member._support()) for member in self.members]
        lanes = common_lanes(*rows)
        return np.stack([full_lanes(row, lanes) for row in rows])

    def _predicted_decision(self) -> Decision:
        """:meth:`predicted_decision`, compact while every lane agrees."""
        votes = self._predicted_votes()
        lanes = common_lanes(votes, self._withdrawn)
        return decide(
            self.rule, full_lanes(votes, lanes), self.permanent, full_lanes(self._withdrawn, lanes)
        )

    # -- the model's steps --------------------------------------------------------------------

    def step(self) -> None:
        """One negotiation round, or the vote once the rounds are spent."""
        if self.round < self.negotiation.rounds and not self._withdrawn.all():
            # Simultaneous moves: everyone reads the others' positions, then everyone moves.
            self.agents.do("consider").do("adjust")
            self._penholder_acts()
            self.round += 1
        else:
            self._hold_vote()
            self.running = False
        if self.collect:
            self.datacollector.collect(self)

    def _penholder_acts(self) -> None:
        """The first sponsor counts likely votes and acts by its strategy, lane by lane."""
        strategy = self.negotiation.strategy
        if strategy == "force_vote":
            return
        open_lanes = ~self._withdrawn
        if strategy == "withdraw_if_vetoed":
            # It canvasses once, when the talks end: a trial of the vote with fresh shocks, so it
            # withdraws exactly as often as the draft would be defeated at the vote, and the vote
            # it then calls (where it does) is independent of the canvass. This is the
            # withdrawal calibration scores (sim.calibrate).
            if self.round < self.negotiation.rounds - 1:
                return
            shocks = self.rng.standard_normal((len(self.members), self.lanes))
            canvass = np.stack([member.ballot(shocks[member.index]) for member in self.members])
            outcome = decide(self.rule, canvass, self.permanent).outcome
            doomed = (outcome == Outcome.VETOED) | (outcome == Outcome.BLOCKED)
            self.withdrawn = self._withdrawn | (doomed & open_lanes)
            return
        predicted = self._predicted_decision().outcome
        if strategy == "seek_adoption":
            failing = (predicted != Outcome.ADOPTED) & open_lanes
            softened = self._text_scale * (1 - self.negotiation.softening_step)
            floor = self.negotiation.min_text_scale
            self.text_scale = np.where(failing, np.maximum(softened, floor), self._text_scale)
            self.proposal_state = self._proposal_state()

    def _hold_vote(self) -> None:
        self.vote_shocks = self.rng.standard_normal((len(self.members), self.lanes))
        # A show of hands: votes are simultaneous, so the order members are asked in is moot.
        self.agents.do("cast_vote")
        self.votes = np.stack([member.vote for member in self.members])
        # With no lane withdrawn, the rule needs no mask (the same decision, without a pass over lanes).
        withdrawn = self.withdrawn if self._withdrawn.any() else None
        self.outcome = decide(self.rule, self.votes, self.permanent, withdrawn)
