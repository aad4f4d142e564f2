"""How the situation on the day moves a member's ideal point and the cost of its objection.

A member's stances are standing dispositions; :class:`sim.situation.Situation` says what the
DPRK and the great powers have done. The reactions depend on the member's own stances:

- **Provocation** raises ideal pressure: half of the reaction is common to all members (the
  non-proliferation norm: China and Russia voted for every resolution that answered a nuclear
  test), half in proportion to the member's pressure stance.
- **Talks under way** lower the ideal pressure of reciprocity-minded members: the restraint
  members show while negotiations are on (China and Russia asked for it through 2018-19). The
  stock of unreciprocated DPRK steps (``sim/situation.py``) is shown with the situation but moves
  nothing: a response to it fitted to 0 and, switched off, the rolling forecast kept every
  outcome and gained log-likelihood (README, ablations), so it went.
- **Great-power tension** lowers the cost of an objection: relations are already bad.

Ideal points live on the regime's own pressure scale (``sim/measures.py``), and have memory
because the provocation stock fades with half-lives (``sim/situation.py``) instead of
resetting each year. All functions are vectorised over lanes; the coefficients are the fitted
global parameters of :mod:`sim.parameters`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.parameters import ModelParameters
from sim.situation import Situation

NORM_SHARE = 0.5
"""Share of the provocation reaction common to all members (judgement, not fitted)."""


@dataclass(frozen=True)
class ContextEffect:
    """The situation and the parameters that turn it into ideal points."""

    situation: Situation
    params: ModelParameters

    def ideal_pressure(self, pressure: np.ndarray, reciprocity: np.ndarray) -> np.ndarray:
        s, p = self.situation, self.params
        reaction = p.provocation_response * s.provocation * (NORM_SHARE + (1 - NORM_SHARE) * pressure)
        restraint = p.talks_restraint * float(s.talks_under_way)
        return pressure + reaction - reciprocity * restraint

    def ideal_reciprocity(self, reciprocity: np.ndarray) -> np.ndarray:
        return np.asarray(reciprocity, dtype=float)

    def veto_cost(self, veto_cost: np.ndarray) -> np.ndarray:
        """Cost of an objection that alone would defeat the draft, under the day's tension."""
        return veto_cost * (1 - self.params.tension_veto_discount * self.situation.tension)
