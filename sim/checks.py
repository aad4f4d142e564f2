"""Warnings for drafts that make no sense: the run still happens, but the user is told.

- a "tightening" measure that loosens (a cap raised above the one in force);
- a relief draft sponsored by a member that opposes relief (its ideal point lies past the
  status quo on the pressure axis, away from the draft);
- a sponsor the model predicts will vote against its own draft;
- a council of one year deciding on a date in another (the members sit in one year, the
  situation and the General Assembly stances come from the other);
- a council that seats fewer than the Charter's five permanent members (a what-if may, but the
  rule's veto then belongs to fewer);
- a cap written in the wrong unit (a few barrels a year, where S/RES/2397 set millions and
  hundreds of thousands: a cut from 4 to 3 reads like one from 4M to 3M, but 4M to 2 is a ban);
- a record dated other than the scenario's day (``compare`` scores the model on context.date).
"""

from __future__ import annotations

import numpy as np

from sim.presets import PERMANENT_MEMBERS
from sim.scenario import Scenario

SMALLEST_PLAUSIBLE_CAP = 1_000
"""Barrels a year below which a non-zero cap is probably a slip of unit (S/RES/2397's caps are
4,000,000 and 500,000; the smallest cap ever discussed, the 2018 halt, is 0)."""


def draft_warnings(scenario: Scenario) -> list[str]:
    from sim.model import CouncilModel

    label = scenario.path or scenario.name
    lines: list[str] = []
    proposal = scenario.spec.proposal
    year, date = scenario.spec.council.year, scenario.spec.context.date
    if year is not None and str(year) != date[:4]:
        lines.append(
            f"{label}: council.year: the council of {year} decides on context.date {date}: its members "
            f"sit in {year}, the situation and their stances are those of {date[:4]}"
        )
    seated = {member.code for member in scenario.members if member.permanent}
    absent = [code for code in PERMANENT_MEMBERS if code not in seated]
    if absent:
        lines.append(
            f"{label}: council: no {', '.join(absent)}: this council seats {len(seated)} of the Charter's five "
            "permanent members (Art. 23), so only they hold a veto"
        )
    for index, measure in enumerate(proposal.measures):
        if measure.type not in {"crude_oil_cap", "refined_petroleum_cap"}:
            continue
        if measure.to > measure.from_:
            lines.append(
                f"{label}: proposal.measures.{index}: {measure.type} raises the cap "
                f"({measure.from_:,.0f} -> {measure.to:,.0f}): this loosens the regime"
            )
        for key, value in (("from", measure.from_), ("to", measure.to)):
            if 0 < value < SMALLEST_PLAUSIBLE_CAP:
                lines.append(
                    f"{label}: proposal.measures.{index}.{key}: {value:,.0f} barrels a year: caps are in "
                    "barrels, not millions or thousands (S/RES/2397: 4,000,000 crude, 500,000 refined)"
                )
    history = scenario.spec.history
    if history is not None and history.date != date:
        lines.append(
            f"{label}: history.date: the record is dated {history.date} and the scenario "
            f"{date} (context.date): the model reads the situation on {date}"
        )
    model = CouncilModel(scenario, lanes=1, rng=0, collect=False)
    yes, no, _ = model.vote_probabilities()
    relief = any(m.type == "sanctions_relief" for m in proposal.measures)
    for code in proposal.sponsors:
        member = model.member(code)
        if float(no[member.index, 0]) > 0.5:
            lines.append(
                f"{label}: proposal.sponsors: {code} is predicted to vote against its own draft "
                f"(P(no) = {float(no[member.index, 0]):.2f})"
            )
        if relief and float(np.mean(member.ideal_pressure)) > model.situation.status_quo_pressure:
            lines.append(
                f"{label}: proposal.sponsors: {code} sponsors relief but wants more pressure than "
                f"the regime in force (ideal {float(np.mean(member.ideal_pressure)):.2f} > "
                f"{model.situation.status_quo_pressure:.2f})"
            )
    return lines
