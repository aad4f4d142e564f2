"""Penholder behaviours: how the drafter negotiates its text, and when it calls the vote.

Each behaviour is one small class (Axelrod's strategies are the model): a docstring with the
practice or source it reflects, ``soften`` for one round of talks and ``calls_vetoed_vote`` for
the canvass before the vote. Subclassing :class:`Penholder` with a ``name`` registers it; a scenario
picks one with ``negotiation.penholder = "<name>"``, and ``tests/test_penholders.py`` holds every
registered behaviour to the same contract. The shipped files use the default,
:class:`ConcedingPenholder`, for every decision.

The canvass is common to all (the rules of :func:`canvass_withdraws`): it reads the intentions
members will vote with, so it carries information about the vote; a behaviour may only say
whether a draft the canvass shows would be vetoed is still put to the vote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.rules import NO, YES, DecisionRule

if TYPE_CHECKING:
    from sim.model import CouncilModel

DEFAULT_PENHOLDER = "concedes"

PENHOLDERS: dict[str, type[Penholder]] = {}
"""Every registered behaviour by name (filled by subclassing :class:`Penholder`)."""


class Penholder:
    """The drafter of the text under debate."""

    name: ClassVar[str] = ""
    """How a scenario names the behaviour (``negotiation.penholder``)."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            if cls.name in PENHOLDERS:
                raise ValueError(f"two penholder behaviours are named {cls.name!r}")
            PENHOLDERS[cls.name] = cls

    def soften(self, model: CouncilModel) -> np.ndarray | None:
        """One round of talks: the new text scale per lane (compact where lanes agree), or None
        where the text stays as it is. Never stronger than the text on the table."""
        return None

    def calls_vetoed_vote(self, penholder_draft: bool) -> bool:
        """Whether a draft the canvass shows would be vetoed is still put to the vote. The file's
        penholder does so (the veto is then on the vetoer's record, as in May 2022); any other
        sponsor tabled its draft to test support and withdraws it (the China–Russia relief
        drafts of 2019 and 2021)."""
        return penholder_draft


class ConcedingPenholder(Penholder):
    """Concedes part of the way to the most demanding member who can block (the default).

    While a member who can block the draft (a permanent member on a resolution, anyone in a
    consensus body) would choose a weaker text, the penholder gives up a share
    ``softening_step`` of the distance between its text and the weakest text such a member would
    choose, never below ``min_text_scale`` of its first draft: bargaining that meets the most
    demanding veto player part of the way (Nash 1950; the split-the-difference norm of
    negotiation, Raiffa 1982). China and Russia watered drafts down that they then voted for
    (S/RES/1695 lost Chapter VII, S/RES/2375 traded a full oil ban for caps), and the US halved
    its 2022 cut and was still vetoed. What it concedes depends on the blockers' positions, not on
    what a veto costs them, so that a costlier veto never leads to a stronger text and more
    vetoes."""

    name = "concedes"

    def soften(self, model: CouncilModel) -> np.ndarray | None:
        current = model._text_scale
        target = model.negotiating_target()
        pressing = target < current
        if not np.any(pressing):
            return None
        softened = current - model.params.softening_step * (current - target)
        return np.where(pressing, softened, current)


class FirmPenholder(Penholder):
    """Concedes nothing: the take-it-or-leave-it offer of the setter model (Romer & Rosenthal
    1978), in which the agenda setter proposes once and the others can only accept or reject.
    For what-ifs ("had the US not softened its 2022 draft"); no shipped file uses it."""

    name = "firm"


def penholder(name: str | None) -> Penholder:
    """The behaviour registered under ``name`` (the default when None)."""
    key = DEFAULT_PENHOLDER if name is None else name
    if key not in PENHOLDERS:
        raise KeyError(f"unknown penholder behaviour {key!r} (known: {', '.join(sorted(PENHOLDERS))})")
    return PENHOLDERS[key]()


def canvass_withdraws(
    rule: DecisionRule, intents: np.ndarray, permanent: np.ndarray, calls_vetoed_vote: bool
) -> np.ndarray | bool:
    """Per lane, whether the drafter withdraws after the final canvass of ``intents`` (members x
    lanes): a resolution short of the quota is withdrawn rather than lost, and one that would be
    vetoed unless the drafter calls vetoed votes. Consensus bodies have no vote to avoid."""
    if rule.consensus:
        return False
    short = (intents == YES).sum(axis=0) < rule.quota
    if calls_vetoed_vote or not rule.permanent_veto:
        return short
    return short | ((intents == NO) & np.asarray(permanent)[:, None]).any(axis=0)
