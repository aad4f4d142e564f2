"""How the situation moves members' effective stances.

A member's declared stances (``pressure``, ``reciprocity``) are its standing dispositions; the
context turns them into the ideal point it votes from on the day. The reactions depend on the
member's own stances, so that one set of stances can explain the unanimous votes of 2017 (a
nuclear test and ICBMs, no diplomacy) and the vetoes of 2022 (ICBMs after unreciprocated summit
diplomacy, amid great-power rivalry):

- **Provocation** (nuclear test, ICBM launch, ballistic launches) raises everyone's ideal pressure:
  a part common to all members (the non-proliferation norm; China and Russia condemned the 2016-17
  nuclear tests) and a part proportional to the member's own pressure stance.
- **Diplomacy**: talks under way make reciprocity-minded members hold off new pressure; steps by
  the DPRK left unreciprocated (China's case in May 2022: the US "failed to reciprocate" the
  DPRK's "positive initiatives") push them further, toward easing.
- **Great-power tension** lowers the cost of a veto (relations are already bad) and sharpens
  how much members' votes follow their relation with the sponsor.

All functions are numpy-vectorised over lanes; effective stances are not clipped to [0, 1]
(a member can want more pressure than the scale's top after a nuclear test).

The mechanisms are design choices; the numbers below are **fitted**: a differential-evolution
search over these constants and the group stances of ``sim/data/members.toml``, for the values
that reproduce every vote of the eighteen decisions in ``scenarios/history`` with the largest
margin (README, "What it does"). Their comments say what each does, not why it has that value;
leave-one-out checks in ``unsc-sim calibrate`` refit stances only, so they are not independent
of these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROVOCATION_SHIFT = 0.97
"""Largest rise in ideal pressure from provocation (for a member with pressure stance 1)."""
NORM_SHARE = 0.67
"""Share of the provocation reaction common to all members, whatever their pressure stance."""
NUCLEAR_TEST_WEIGHT = 1.0
ICBM_WEIGHT = 0.5
LAUNCHES_WEIGHT = 0.3
LAUNCHES_SATURATION = 30
"""Ballistic launches in a year beyond this count add nothing more."""

PROVOCATION_RECIPROCITY_DROP = 0.2
"""Share of its ideal reciprocity a member gives up per unit of provocation: nobody rewards a
state for the week's nuclear test."""

TALKS_RESTRAINT = 0.13
"""Fall in ideal pressure per unit of reciprocity stance while diplomacy is under way."""
UNRECIPROCATED_SHIFT = 0.61
"""Fall in ideal pressure per unit of reciprocity stance when the DPRK's steps went unanswered."""
UNRECIPROCATED_RECIPROCITY_GAIN = 0.24
"""Rise in ideal reciprocity per unit of reciprocity stance in the same case."""

TENSION_VETO_DISCOUNT = 0.43
"""At tension 1 a veto costs (1 - this) of its calm-times cost."""


@dataclass(frozen=True)
class ContextEffect:
    """The context reduced to the numbers the members react to."""

    provocation: float
    talks_under_way: bool
    unreciprocated: bool
    tension: float

    def ideal_pressure(self, pressure: np.ndarray, reciprocity: np.ndarray) -> np.ndarray:
        """A member's ideal pressure on the day, from its stances."""
        reaction = PROVOCATION_SHIFT * self.provocation * (NORM_SHARE + (1 - NORM_SHARE) * pressure)
        restraint = 0.0
        if self.talks_under_way:
            restraint = restraint + TALKS_RESTRAINT * reciprocity
        if self.unreciprocated:
            restraint = restraint + UNRECIPROCATED_SHIFT * reciprocity
        return pressure + reaction - restraint

    def ideal_reciprocity(self, reciprocity: np.ndarray) -> np.ndarray:
        """A member's ideal reciprocity on the day."""
        factor = max(0.0, 1 - PROVOCATION_RECIPROCITY_DROP * self.provocation)
        if self.unreciprocated:
            factor += UNRECIPROCATED_RECIPROCITY_GAIN
        return reciprocity * factor

    def veto_cost(self, veto_cost: np.ndarray) -> np.ndarray:
        """Cost of a lone objection under the day's great-power relations."""
        return veto_cost * (1 - TENSION_VETO_DISCOUNT * self.tension)


def provocation_index(nuclear_test: bool, icbm_launch: bool, ballistic_launches: int) -> float:
    """Provocation in [0, 1.8]: a nuclear test counts 1, an ICBM 0.5, launches up to 0.3."""
    launches = min(ballistic_launches, LAUNCHES_SATURATION) / LAUNCHES_SATURATION
    return (
        NUCLEAR_TEST_WEIGHT * float(nuclear_test)
        + ICBM_WEIGHT * float(icbm_launch)
        + LAUNCHES_WEIGHT * launches
    )
