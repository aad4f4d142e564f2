"""The Council's decision rules, and nothing else.

Everything here works on whole arrays of lanes at once: ``votes`` has one row per member and one
column per lane (an independent replicate), so that one call decides a million drafts.

Sources:
- Charter Art. 27(3): substantive decisions need nine affirmative votes "including the concurring
  votes of the permanent members"; by settled practice (ICJ, *Namibia* advisory opinion, 1971,
  para. 22) a permanent member's abstention does not block.
- Charter Art. 27(2): procedural matters need nine affirmative votes of any members; no veto.
- Sanctions committees (e.g. the 1718 Committee) decide by consensus, so one member's hold
  blocks; press and presidential statements need the agreement of all fifteen.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

import numpy as np

# Vote codes, stored as int8 in (members, lanes) arrays.
YES: int = 1
ABSTAIN: int = 0
NO: int = -1
NOT_CAST: int = 9
"""The draft never came to a vote in that lane (withdrawn)."""

VOTE_LABELS: dict[int, str] = {YES: "yes", NO: "no", ABSTAIN: "abstain", NOT_CAST: "not_cast"}
VOTE_CODES: dict[str, int] = {label: code for code, label in VOTE_LABELS.items()}


class Outcome(IntEnum):
    """What became of a draft in one lane."""

    ADOPTED = 0
    VETOED = 1
    FAILED = 2
    BLOCKED = 3
    WITHDRAWN = 4

    @property
    def label(self) -> str:
        return self.name.lower()


OUTCOME_LABELS: list[str] = [outcome.label for outcome in Outcome]

ProposalKind = Literal["resolution", "procedural", "committee", "statement"]


@dataclass(frozen=True)
class DecisionRule:
    """How one kind of decision is taken.

    ``quota`` is the number of affirmative votes needed (ignored under consensus).
    ``permanent_veto``: a permanent member's negative vote defeats the draft.
    ``consensus``: any member's objection (a "no") blocks; silence (abstain) does not.
    ``objection_visibility`` scales a member's ``veto_cost`` when its "no" alone would kill the
    draft: a public veto in the chamber costs most; a hold placed in a committee's confidential
    no-objection procedure costs least.
    """

    kind: ProposalKind
    description: str
    quota: int = 9
    permanent_veto: bool = False
    consensus: bool = False
    objection_visibility: float = 1.0
    negotiated: bool = True
    """Whether the decision is on a text negotiated among the fifteen, which the consensus norm
    carries. A procedural vote is not: the agenda is adopted without a vote unless a member
    objects, so a procedural vote is taken only where one does (China in 2014, 2015 and 2024 on
    the DPRK's human rights; scprocedure.org, "Procedural vote on new DPRK agenda item")."""

    def possible_outcomes(self) -> tuple[str, ...]:
        """What a draft under this rule can come to: a consensus body's draft is blocked by an
        objection (no vote fails it); a vote fails short of the quota, and is vetoed only where
        a permanent member's no defeats it; any draft may be withdrawn."""
        if self.consensus:
            return ("adopted", "blocked", "withdrawn")
        vetoed = ("vetoed",) if self.permanent_veto else ()
        return ("adopted", *vetoed, "failed", "withdrawn")

    def is_blocker(self, permanent: np.ndarray) -> np.ndarray:
        """Which members' single "no" defeats the draft (and so carries a veto cost)."""
        permanent = np.asarray(permanent, dtype=bool)
        if self.consensus:
            return np.ones_like(permanent)
        if self.permanent_veto:
            return permanent.copy()
        return np.zeros_like(permanent)


RULES: dict[str, DecisionRule] = {
    "resolution": DecisionRule(
        "resolution",
        "Art. 27(3): nine affirmative votes and no negative vote of a permanent member",
        quota=9,
        permanent_veto=True,
        objection_visibility=1.0,
    ),
    "procedural": DecisionRule(
        "procedural", "Art. 27(2): nine affirmative votes, no veto", quota=9, negotiated=False
    ),
    "committee": DecisionRule(
        "committee",
        "Sanctions committee: consensus, one member's hold blocks",
        consensus=True,
        objection_visibility=0.35,
    ),
    "statement": DecisionRule(
        "statement",
        "Press or presidential statement: agreement of all members",
        consensus=True,
        objection_visibility=0.5,
    ),
}


def rule_for(kind: str, quota: int | None = None) -> DecisionRule:
    """The rule for a proposal kind, optionally with another quota (for hypothetical councils)."""
    rule = RULES[kind]
    if quota is not None and quota != rule.quota:
        rule = DecisionRule(
            rule.kind,
            f"{rule.description}; on this council {quota} affirmative votes (council.quota)",
            quota=quota,
            permanent_veto=rule.permanent_veto,
            consensus=rule.consensus,
            objection_visibility=rule.objection_visibility,
            negotiated=rule.negotiated,
        )
    return rule


@dataclass(frozen=True)
class Decision:
    """The result of applying a rule to the votes of every lane."""

    outcome: np.ndarray
    """(lanes,) int8 Outcome codes."""
    yes: np.ndarray
    no: np.ndarray
    abstain: np.ndarray
    defeated_by: np.ndarray
    """(members, lanes) bool: the member's "no" vetoed (resolution) or blocked (consensus)."""
    fell_short: np.ndarray
    """(lanes,) bool: fewer affirmative votes than the quota (also set on vetoed drafts)."""


def decide(
    rule: DecisionRule, votes: np.ndarray, permanent: np.ndarray, withdrawn: np.ndarray | None = None
) -> Decision:
    """Apply ``rule`` to ``votes`` (members x lanes) of a council whose ``permanent`` mask is given.

    Labels follow Council practice: a draft with fewer affirmative votes than the quota has
    *failed*, whoever voted no (a permanent member's "no" on it is not counted as a veto);
    ``VETOED`` means the quota was reached and a permanent member voted no.
    """
    votes = np.asarray(votes)
    if votes.ndim == 1:
        votes = votes[:, None]
    permanent = np.asarray(permanent, dtype=bool)
    if permanent.shape != (votes.shape[0],):
        raise ValueError("permanent mask must have one entry per member (row of votes)")
    yes_mask = votes == YES
    no_mask = votes == NO
    yes = yes_mask.sum(axis=0)
    no = no_mask.sum(axis=0)
    abstain = (votes == ABSTAIN).sum(axis=0)
    fell_short = yes < rule.quota
    lanes = votes.shape[1]

    if rule.consensus:
        defeated_by = no_mask
        outcome = np.where(no > 0, Outcome.BLOCKED, Outcome.ADOPTED)
        fell_short = np.zeros(lanes, dtype=bool)
    elif rule.permanent_veto:
        defeated_by = no_mask & permanent[:, None] & ~fell_short[None, :]
        vetoed = defeated_by.any(axis=0)
        outcome = np.where(fell_short, Outcome.FAILED, np.where(vetoed, Outcome.VETOED, Outcome.ADOPTED))
    else:
        defeated_by = np.zeros_like(no_mask)
        outcome = np.where(fell_short, Outcome.FAILED, Outcome.ADOPTED)

    outcome = outcome.astype(np.int8)
    if withdrawn is not None:
        withdrawn = np.asarray(withdrawn, dtype=bool)
        outcome[withdrawn] = Outcome.WITHDRAWN
        defeated_by = defeated_by & ~withdrawn[None, :]
        fell_short = fell_short & ~withdrawn
    return Decision(outcome, yes, no, abstain, defeated_by, fell_short)


def outcome_probabilities(
    rule: DecisionRule,
    p_yes: np.ndarray,
    p_no: np.ndarray,
    p_abstain: np.ndarray,
    permanent: np.ndarray,
) -> np.ndarray:
    """Exact probability of each outcome, (len(Outcome), lanes), when members vote independently
    with the given (members, lanes) probabilities: :func:`decide` in distribution, without
    sampling (calibration's likelihood). Withdrawal is the penholder's act, not the rule's: its
    row is 0 here."""
    permanent = np.asarray(permanent, dtype=bool)
    outcome = np.zeros((len(Outcome), p_yes.shape[1]))
    if rule.consensus:
        p_clear = np.prod(1.0 - p_no, axis=0)
        outcome[Outcome.ADOPTED] = p_clear
        outcome[Outcome.BLOCKED] = 1.0 - p_clear
        return outcome
    if rule.permanent_veto:
        # P(at least quota yes AND no permanent "no"): permanent members' "no" mass is dropped.
        other = np.where(permanent[:, None], p_abstain, p_abstain + p_no)
        adopted = _yes_count_distribution(p_yes, other)[rule.quota :].sum(axis=0)
        reached = _yes_count_distribution(p_yes, p_abstain + p_no)[rule.quota :].sum(axis=0)
        outcome[Outcome.ADOPTED] = adopted
        outcome[Outcome.VETOED] = np.clip(reached - adopted, 0.0, 1.0)
        outcome[Outcome.FAILED] = np.clip(1.0 - reached, 0.0, 1.0)
        return outcome
    adopted = _yes_count_distribution(p_yes, p_abstain + p_no)[rule.quota :].sum(axis=0)
    outcome[Outcome.ADOPTED] = adopted
    outcome[Outcome.FAILED] = 1.0 - adopted
    return outcome


def p_vetoed_exactly(
    rule: DecisionRule,
    p_yes: np.ndarray,
    p_no: np.ndarray,
    p_abstain: np.ndarray,
    permanent: np.ndarray,
    vetoers: np.ndarray,
) -> np.ndarray:
    """P(a veto by exactly the members in the bool mask ``vetoers``), per lane, for independent
    members: the quota is reached, they vote no, and no other permanent member does."""
    permanent = np.asarray(permanent, dtype=bool)[:, None]
    vetoers = np.asarray(vetoers, dtype=bool)[:, None]
    keep_yes = np.where(vetoers, 0.0, p_yes)
    keep_other = np.where(vetoers, p_no, np.where(permanent, p_abstain, p_abstain + p_no))
    return _yes_count_distribution(keep_yes, keep_other)[rule.quota :].sum(axis=0)


def _yes_count_distribution(p_yes: np.ndarray, p_other: np.ndarray) -> np.ndarray:
    """(members + 1, lanes) sub-probability of each count of yes votes, by dynamic programming
    over members; ``p_other`` is the mass of the non-yes events kept (the rest is dropped)."""
    members, lanes = p_yes.shape
    distribution = np.zeros((members + 1, lanes))
    distribution[0] = 1.0
    for i in range(members):
        step = distribution * p_other[i]
        step[1:] += distribution[:-1] * p_yes[i]
        distribution = step
    return distribution
