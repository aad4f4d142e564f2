"""The Council as a Mesa model: rounds of talks, then a vote, for R lanes at once.

Each ``step()`` is one round of talks: the penholder concedes part of the way to the weakest text
a member who can block would choose (:mod:`sim.penholders`). The step after the last round is the
vote: the members work out, together, how likely each is to object (:meth:`CouncilModel.settle`),
the penholder canvasses their intentions, and they vote. ``run_model()`` does all of it.

**One penholder behaviour for every file** (the first sponsor drafts and softens, whoever else
signs; its behaviour is a class of
:mod:`sim.penholders`, the default for every shipped file), after the setter model (Romer & Rosenthal
1978) and Council practice (Security Council Report, "The Veto", 2015; Voeten 2001):

- while a member who can block the draft (a permanent member on a resolution, anyone in a
  consensus body) would choose a weaker text, it concedes a share ``softening_step`` of the way
  to the weakest such text each round, never below ``min_text_scale`` of its first draft
  (S/RES/1695 lost Chapter VII; S/RES/2375 traded a full oil ban for caps; S/2022/431 went from
  2M / 250k to 3M / 375k barrels);
- when the talks end it canvasses the intentions members will vote with. A resolution short of
  nine votes in favour is withdrawn rather than lost. The file's penholder puts a draft with
  nine or more to the vote even if a permanent member will veto it: its text went through the
  Council's process, and the veto is then on the vetoer's record (S/2022/431). Any other sponsor
  tables a draft that has not, to test support, and withdraws it when the canvass shows it would
  be vetoed (the China–Russia relief drafts of 2019 and 2021). Consensus bodies have no vote to
  avoid: an objection there is the block.

All randomness comes from ``self.rng`` in a fixed order (each member's random stances in council
order, then one Gaussian shock per member and lane when the talks end, then, where a surprise
share is positive, one uniform per permanent member and lane and one Gaussian per surprise), so
the same scenario and seed give the same numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim import mesa_core as mesa
from sim.context import ContextEffect
from sim.lanes import PerLane, full_lanes
from sim.lean_import import lean_import
from sim.measures import change_and_reversion, human_rights_change
from sim.member import Member
from sim.penholders import canvass_withdraws, penholder
from sim.rules import NOT_CAST, Decision, Outcome, decide, outcome_probabilities, rule_for
from sim.scenario import Scenario

try:  # the standard normal CDF: SciPy's ufunc, without scipy.special's __init__
    ndtr = lean_import("scipy.special", "_ufuncs").ndtr
except (ImportError, AttributeError):  # a SciPy that keeps it elsewhere
    from scipy.special import ndtr


@functools.lru_cache(maxsize=1)
def file_penholder() -> str:
    """The DPRK file's penholder (``sim/data/penholders.toml``)."""
    import tomllib
    from importlib import resources

    text = resources.files("sim.data").joinpath("penholders.toml").read_text(encoding="utf-8")
    return str(tomllib.loads(text)["DPRK"]["penholder"])


EQUILIBRIUM_ITERATIONS = 60
"""Rounds of best responses in the search for the members' joint objection probabilities."""
EQUILIBRIUM_TOLERANCE = 1e-10
DEFERENCE_FLOOR = 1e-6
"""Smallest chance of being needed an elected member's hold is weighed by (keeps thresholds finite)."""


@dataclass
class ProposalState:
    """Where the draft stands in each lane: the reversion point and the change the (possibly
    softened) text makes to it."""

    reversion: np.ndarray
    """(2,): the regime if the draft fails (pressure, reciprocity)."""
    change_pressure: np.ndarray
    change_reciprocity: np.ndarray
    change_human_rights: np.ndarray
    """How far the text moves the Council on the DPRK's human rights (an agenda item on them):
    a dimension of its own, on which a member gains this times its human-rights position."""


class CouncilModel(mesa.Model):
    """Fifteen members deciding one draft, in ``lanes`` independent replicates at once.

    ``text_scale`` and ``withdrawn`` read as arrays over lanes but are stored once while every
    lane agrees (see :mod:`sim.lanes`); so is everything members compute before the vote.
    """

    text_scale = PerLane()
    """Share of the first draft's strength still in the text (softening lowers it)."""
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
        self.params = scenario.parameters
        self.rounds = spec.negotiation.rounds if spec.proposal.draft == "first" else 0
        self.rule = rule_for(spec.proposal.kind, spec.council.quota)
        self.situation = scenario.situation
        self.context_effect = ContextEffect(self.situation, self.params)
        self.permanent = np.array([m.permanent for m in scenario.members], dtype=bool)
        self.blockers = self.rule.is_blocker(self.permanent)
        self.sharers = self.blockers & self.permanent
        """Blockers whose objections share their cost: the permanent members."""

        status_quo = np.array([self.situation.status_quo_pressure, self.situation.status_quo_reciprocity])
        change, reversion = change_and_reversion(spec.proposal.measures, status_quo)
        self.full_change = np.asarray(change, dtype=float)
        self.full_human_rights_change = human_rights_change(spec.proposal.measures)
        self.reversion = np.asarray(reversion, dtype=float)
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
        self.penholder_draft = float(self.penholder_sponsors(spec.proposal.sponsors))
        """1 if the file's penholder sponsors the draft (the consensus norm carries it), else 0."""
        self.norm_term = self.context_effect.consensus_norm() * self.penholder_draft * self.rule.negotiated
        """The consensus norm's part of every member's utility: the day's norm on the penholder's
        draft, 0 on anyone else's and on a procedural vote, which no text was negotiated for (the
        same for every member and every text)."""
        self.penholder = penholder(spec.negotiation.penholder)
        """The drafter's behaviour in the talks and at the canvass (:mod:`sim.penholders`)."""
        self.calls_vetoed_vote = self.penholder.calls_vetoed_vote(bool(self.penholder_draft))

        self.round = 0
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.objection: np.ndarray | None = None
        """(members, lanes or 1): equilibrium P(no) of each member at the current text."""
        self.vote_shocks: np.ndarray = np.zeros((len(self.members), 0))
        self.votes: np.ndarray | None = None
        self.outcome: Decision | None = None
        self.collect = collect
        self.datacollector: mesa.DataCollector | None = None
        """Mesa's collector of rounds and ideal points, made only when ``collect`` is set (its
        module imports pandas, which a run without collection does not need)."""
        if collect:
            self.datacollector = mesa.DataCollector(
                model_reporters={
                    "round": "round",
                    "p_adopted": lambda m: float(np.mean(m.p_adopted())),
                    "mean_text_scale": lambda m: float(m.text_scale.mean()),
                    "withdrawn": lambda m: float(m.withdrawn.mean()),
                },
                agent_reporters={
                    "ideal_pressure": lambda a: float(a.ideal_pressure.mean()),
                    "ideal_reciprocity": lambda a: float(a.ideal_reciprocity.mean()),
                },
            )
            self.datacollector.collect(self)

    # -- helpers ------------------------------------------------------------------------------

    def member(self, code: str) -> Member:
        return self._by_code[code]

    def _proposal_state(self) -> ProposalState:
        scale = self._text_scale
        return ProposalState(
            reversion=self.reversion,
            change_pressure=self.full_change[0] * scale,
            change_reciprocity=self.full_change[1] * scale,
            change_human_rights=self.full_human_rights_change * scale,
        )

    def _sponsor_pull(self, sponsors: list[str]) -> np.ndarray:
        """Each member's lean toward the draft, weighted by ``sponsor_affinity``: 1 for a sponsor
        (its name is on the text, however many others' are), else the mean of its ties to the
        sponsors. A co-sponsor votes for its draft: every co-sponsor in the record did, and so
        did every signatory of the letters that asked for the human-rights meetings of 2014-2017
        (S/2014/872, S/2015/931, S/2016/1034, S/2017/1006), Malaysia and Senegal among them,
        who abstained on the General Assembly's resolution."""
        pulls = []
        for member in self.members:
            if member.code in sponsors:
                pulls.append(1.0)
            else:
                pulls.append(float(np.mean([member.ties.get(s, 0.0) for s in sponsors])))
        return np.array(pulls)[:, None] * np.atleast_1d(self.params.sponsor_affinity)[None, :]

    # -- the members' joint decision ------------------------------------------------------------

    def _council_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(utility, noise sd, objection cost) of every member, (members, width): the terms of
        the joint decision, computed once per text."""
        if self._arrays is not None:
            return self._arrays
        utility = [np.atleast_1d(m._support()) for m in self.members]
        scale = [np.atleast_1d(m.scale()) for m in self.members]
        cost = [np.atleast_1d(m._effective_veto_cost * self.rule.objection_visibility) for m in self.members]
        width = max(a.shape[-1] for a in (*utility, *scale, *cost))
        stack = lambda rows: np.stack([np.broadcast_to(r, (width,)) for r in rows])  # noqa: E731
        self._arrays = (stack(utility), stack(scale), stack(cost))
        return self._arrays

    def settle(self) -> np.ndarray:
        """Each member's probability of objecting, (members, lanes or 1), when each knows the
        others': a quantal response equilibrium (McKelvey & Palfrey 1995) in which a permanent
        member's objection costs less the likelier another permanent member objects too, and an
        elected member's hold in a consensus body is weighed by the chance that it is needed
        (:meth:`_thresholds_given`). The permanent members' best responses, iterated from
        "nobody counts on anybody", rise monotonically to the least-objection equilibrium; the
        elected members respond to it."""
        utility, scale, _ = self._council_arrays()
        shared = np.asarray(self.params.shared_veto_discount, dtype=float)

        def p_no_given(others: np.ndarray) -> np.ndarray:
            return self._below(-self._thresholds_given(others) - utility, scale)

        sharers = self.sharers
        others = np.zeros_like(utility)
        p_no = p_no_given(others)
        if sharers.any() and np.any(shared != 0):
            for _ in range(EQUILIBRIUM_ITERATIONS):
                others = _others_object(p_no, sharers)
                updated = p_no_given(others)
                change = float(np.max(np.abs(updated - p_no)))
                p_no = updated
                if change < EQUILIBRIUM_TOLERANCE:
                    break
        # The elected members' holds respond to the permanent members' equilibrium (with no
        # shared discount the loop above does not run, and this is their only response).
        self._others = _others_object(p_no, sharers)
        p_no = p_no_given(self._others)
        self.objection = p_no
        return p_no

    def _thresholds_given(self, others: np.ndarray) -> np.ndarray:
        """(members, width): a utility below ``-threshold`` is a "no"; ``others`` is, for each
        member, the probability that some other permanent member objects.

        - A permanent member whose "no" defeats the draft pays its objection cost, lowered in
          proportion to ``others``: vetoes and holds cast together cost each less (China and
          Russia on S/2022/431 and in the 1718 Committee in 2018 and 2019). Its "no" is on the
          record, so it weighs its whole stake, needed or not.
        - An elected member of a consensus body (whose hold alone blocks too) weighs its stake by
          the chance ``1 - others`` that its hold is needed: the calculus of voting (Riker &
          Ordeshook 1968), p x B > C. It adds no hold behind a permanent member's, and places
          one where no permanent member objects.
        - Everyone else (an elected member on a resolution) needs only to clear the abstention
          band."""
        _, _, cost = self._council_arrays()
        band = np.asarray(self.params.abstention_band, dtype=float)
        shared = np.asarray(self.params.shared_veto_discount, dtype=float)
        discounted = np.maximum(band, cost * (1.0 - shared * others))
        # An elected member's hold matters only where no permanent member blocks: it weighs its
        # stake by the chance that it is needed (a hold behind a permanent member's buys nothing).
        needed = np.maximum(1.0 - others, DEFERENCE_FLOOR)
        deferring = np.maximum(band, cost / needed)
        return np.where(self.sharers[:, None], discounted, np.where(self.blockers[:, None], deferring, band))

    def thresholds(self) -> list[np.ndarray]:
        """Each member's objection threshold at the equilibrium of :meth:`settle`."""
        if self.objection is None:
            self.settle()
        return list(self._thresholds_given(self._others))

    def vote_probabilities(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(P(yes), P(no), P(abstain)), each (members, lanes): the intentions at the current
        text, members independent given the equilibrium (calibration's exact likelihood)."""
        yes, no, abstain = self._intent_probabilities()
        return tuple(np.broadcast_to(a, (a.shape[0], self.lanes)) for a in (yes, no, abstain))  # type: ignore[return-value]

    def _intent_probabilities(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`vote_probabilities`, compact (one column) where every lane agrees."""
        p_no = self.settle() if self.objection is None else self.objection
        utility, scale, _ = self._council_arrays()
        band = np.asarray(self.params.abstention_band, dtype=float)
        p_yes = self._below(utility - band, scale)
        p_abstain = np.clip(1.0 - p_yes - p_no, 0.0, 1.0)
        return p_yes, p_no, p_abstain

    @functools.cached_property
    def _surprise_parameters(self) -> tuple[np.ndarray, np.ndarray]:
        share = np.atleast_1d(np.asarray(self.params.surprise_share, dtype=float))[None, :]
        sd = np.atleast_1d(np.asarray(self.params.surprise_sd, dtype=float))[None, :]
        share, sd = np.broadcast_arrays(np.where(self.permanent[:, None], share, 0.0), sd)
        return share, sd

    def surprise_parameters(self) -> tuple[np.ndarray, np.ndarray]:
        """(share, sd) of the surprise shock per member, (members, 1 or lanes): permanent members
        only (``surprise_share``, ``surprise_sd``), 0 for the elected. Computed once per model
        (its parameters are fixed): the equilibrium's every iteration reads them."""
        return self._surprise_parameters

    def _below(self, margin: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """P(margin + shock > 0): the chance that a member's shocked utility clears a line
        ``margin`` below it, for the noise of sd ``scale`` and, with chance
        ``surprise_share`` for a permanent member, a surprise of sd ``surprise_sd`` on top (a scale
        mixture of normals). ``margin`` is utility minus the line (a yes) or minus utility minus
        the threshold (a no)."""
        safe = np.where(scale > 0, scale, 1.0)
        plain = np.where(scale > 0, ndtr(margin / safe), (margin > 0).astype(float))
        share, sd = self.surprise_parameters()
        if not np.any(share > 0):
            return plain
        wide = np.sqrt(scale * scale + sd * sd)
        surprised = np.where(
            wide > 0, ndtr(margin / np.where(wide > 0, wide, 1.0)), (margin > 0).astype(float)
        )
        return (1.0 - share) * plain + share * surprised

    def p_adopted(self) -> np.ndarray:
        """P(adopted) per lane (compact where lanes agree) had the text been put to the vote."""
        return outcome_probabilities(self.rule, *self._intent_probabilities(), self.permanent)[
            Outcome.ADOPTED
        ]

    # -- the model's steps --------------------------------------------------------------------

    def step(self) -> None:
        """One round of talks, or the vote once the rounds are spent."""
        if self.round < self.rounds:
            self._penholder_softens()
            self.round += 1
        else:
            self._hold_vote()
            self.running = False
        if self.collect and self.datacollector is not None:
            self.datacollector.collect(self)

    def preferred_scales(self) -> np.ndarray:
        """(members, width): the share of the first draft each member would choose if it could,
        the maximiser of its gain ``2 s d.(x - r) - s^2 |d|^2 + s h v`` (``h`` the draft's
        human-rights change, ``v`` the member's position on it): ``s* = (d.(x - r) + h v / 2) / |d|^2``.
        Below 0, the member wants the change reversed; above 1, more than the draft asks. A draft
        that moves no sanctions (only human rights) is linear in ``s``: a member against it would
        choose none of it (-inf), one for it or indifferent as much as it can have (inf)."""
        d_p, d_r = float(self.full_change[0]), float(self.full_change[1])
        rights = float(self.full_human_rights_change)
        size = d_p * d_p + d_r * d_r
        rows = []
        for member in self.members:
            toward = d_p * (member._ideal_pressure - self.reversion[0]) + d_r * (
                member._ideal_reciprocity - self.reversion[1]
            )
            toward = toward + 0.5 * rights * member.human_rights
            if size > 0:
                rows.append(np.atleast_1d(toward / size))
            else:
                rows.append(np.atleast_1d(np.where(np.asarray(toward) < 0, -np.inf, np.inf)))
        width = max(r.shape[-1] for r in rows)
        return np.stack([np.broadcast_to(r, (width,)) for r in rows])

    def negotiating_target(self) -> np.ndarray:
        """Per lane (compact where lanes agree): the text the penholder concedes toward, the
        weakest text a member who can block prefers, no weaker than ``min_text_scale``."""
        if not self.blockers.any():  # a procedural vote: no one can defeat it alone, no one presses
            return np.full(1, np.inf)
        demanded = self.preferred_scales()[self.blockers].min(axis=0)
        return np.maximum(demanded, self.params.min_text_scale)

    def _penholder_softens(self) -> None:
        """One round of talks: the penholder's behaviour (:mod:`sim.penholders`) may soften."""
        softened = self.penholder.soften(self)
        if softened is None:
            return
        self.text_scale = np.minimum(softened, self._text_scale)
        self.proposal_state = self._proposal_state()
        self.objection = None
        self._arrays = None

    @staticmethod
    def penholder_sponsors(sponsors: Sequence[str]) -> bool:
        """Whether the file's penholder sponsors the draft, first or as a co-sponsor (Japan's
        S/RES/1695 with the US): the drafts the consensus norm carries."""
        return file_penholder() in sponsors

    def _surprise_draws(self) -> np.ndarray:
        """(members, lanes or 1): each member's surprise at the vote (:func:`draw_surprises`)."""
        share, sd = self.surprise_parameters()
        rows, drawn = draw_surprises(self.rng, share, sd, self.lanes)
        if rows.size == 0:
            return np.zeros((len(self.members), 1))
        surprises = np.zeros((len(self.members), self.lanes))
        surprises[rows] = drawn
        return surprises

    def _hold_vote(self) -> None:
        """The final canvass reads the intentions members will vote with; the drafter withdraws
        where :func:`sim.penholders.canvass_withdraws` says so, else calls the vote."""
        thresholds = self.thresholds()
        self.vote_shocks = self.rng.standard_normal((len(self.members), self.lanes))
        surprises = self._surprise_draws()
        intents = np.stack(
            [
                m.intend(self.vote_shocks[m.index], t, surprises[m.index])
                for m, t in zip(self.members, thresholds)
            ]
        )
        withdraws = canvass_withdraws(self.rule, intents, self.permanent, self.calls_vetoed_vote)
        self.withdrawn = np.atleast_1d(np.asarray(withdraws, dtype=bool))
        withdrawn = self._withdrawn
        if withdrawn.any():
            intents = np.where(full_lanes(withdrawn, self.lanes)[None, :], np.int8(NOT_CAST), intents)
        for member in self.members:
            member.vote = intents[member.index]
        self.votes = intents
        mask = full_lanes(withdrawn, self.lanes) if withdrawn.any() else None
        self.outcome = decide(self.rule, self.votes, self.permanent, mask)


def draw_surprises(
    rng: np.random.Generator, share: np.ndarray, sd: np.ndarray, lanes: int
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, surprises): the members (rows) whose ``share`` is positive somewhere, and their
    surprises at the vote, (len(rows), lanes) in utility units: with chance ``share`` normal with
    sd ``sd``, else 0 (``share`` and ``sd`` are (members, 1 or lanes)). Drawn only for those rows,
    a uniform per lane and a normal per surprise, so a run without surprises draws what it always
    did; the sweep's lanes engine draws them the same way (:func:`sim.sweep.lanes.replicated_vote`)."""
    rows = np.flatnonzero((share > 0).any(axis=1))
    if rows.size == 0:
        return rows, np.zeros((0, 1))
    share, sd = share[rows], sd[rows]
    hit = rng.random((rows.size, lanes), dtype=np.float32) < share  # float32: half the cost
    surprises = np.zeros((rows.size, lanes))
    surprises[hit] = np.broadcast_to(sd, hit.shape)[hit] * rng.standard_normal(int(hit.sum()))
    return rows, surprises


def _others_object(p_no: np.ndarray, blockers: np.ndarray) -> np.ndarray:
    """For each member (row), P(at least one *other* member who can block objects): 1 minus the
    product of the others' (1 - p) over the blockers, by prefix and suffix products."""
    clear = np.where(blockers[:, None], 1.0 - p_no, 1.0)
    ones = np.ones((1, clear.shape[1]))
    prefix = np.cumprod(np.vstack([ones, clear[:-1]]), axis=0)
    suffix = np.cumprod(np.vstack([clear[1:], ones])[::-1], axis=0)[::-1]
    return 1.0 - prefix * suffix
