"""How the situation on the day moves a member's ideal point and the cost of its objection.

A member's stances are standing dispositions; :class:`sim.situation.Situation` says what the
DPRK and the great powers have done. The reactions depend on the member's own stances:

- **The record realises a stance.** A member's pressure stance is how far it would go against a
  proliferator with a full record; before the DPRK had one, no member wanted a sanctions regime
  of any size. Ideal pressure takes ``pressure * (1 - exp(-record / RECORD_SCALE))`` of the
  stance, where the record is every test and launch to the day, not faded (one nuclear test
  realises 63%, six realise all but a quarter of a percent). Incrementalism: a regime, and the
  willingness to carry one, is built step by step on the record it answers (Lindblom 1959, "The
  Science of 'Muddling Through'", *Public Administration Review* 19(2)); in July 2006, before
  the first test, China threatened to veto a Chapter VII text over seven missile launches (AP, 15
  July 2006) and voted for one, S/RES/1718, five days after the test of 9 October.
- **Provocation** raises ideal pressure: half of the reaction is common to all members (the
  non-proliferation norm: China and Russia voted for every resolution that answered a nuclear
  test), half in proportion to the member's pressure stance.
- **Talks and DPRK steps move nothing.** Responses to talks under way and to the stock of
  unreciprocated DPRK steps (the restraint and the "action for action" China and Russia asked
  for) were in the model; each, switched off, left every out-of-sample outcome as it was and the
  log-likelihood no worse (README, ablations), so both went. The series are still shown with
  the situation (``sim/situation.py``).
- **Great-power tension** lowers the cost of an objection (relations are already bad) and
  weakens the norm of consensus that carries the penholder's drafts: the Council's unanimity
  and its veto count have tracked relations among the permanent members, from the Cold War's
  deadlock to the near-unanimity of the 1990s and the vetoes of the 2010s and 2020s (Voeten
  2001, "Outside Options and the Logic of Security Council Action", APSR 95(4); Bosco 2009,
  *Five to Rule Them All*; the Dag Hammarskjöld Library's list of vetoes).

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

RECORD_SCALE = 1.0
"""The record (in nuclear tests, :data:`sim.situation.PROVOCATION_WEIGHTS`) that realises 63% of
a member's pressure stance: judgement, one test; half a test is too short for the first draft
of S/RES/1695 to be softened (README, "The model" and "How much the forecast owes to the
judgement constants")."""


@dataclass(frozen=True)
class ContextEffect:
    """The situation and the parameters that turn it into ideal points."""

    situation: Situation
    params: ModelParameters

    def ideal_pressure(self, pressure: np.ndarray, reciprocity: np.ndarray) -> np.ndarray:
        s, p = self.situation, self.params
        realised = 1.0 - np.exp(-s.provocation_record / RECORD_SCALE)
        reaction = p.provocation_response * s.provocation * (NORM_SHARE + (1 - NORM_SHARE) * pressure)
        return pressure * realised + reaction

    def ideal_reciprocity(self, reciprocity: np.ndarray) -> np.ndarray:
        return np.asarray(reciprocity, dtype=float)

    def veto_cost(self, veto_cost: np.ndarray) -> np.ndarray:
        """Cost of an objection that alone would defeat the draft, under the day's tension."""
        return veto_cost * (1 - self.params.tension_veto_discount * self.situation.tension)

    def consensus_norm(self) -> np.ndarray:
        """Weight of the norm of going along with the penholder's text, under the day's tension:
        ``consensus_norm * (1 - tension_norm_discount * tension)``."""
        return self.params.consensus_norm * (1 - self.params.tension_norm_discount * self.situation.tension)
