"""The resolved scenario, as the model receives it: each member's profile (stances with where
they came from) and the scenario with its global parameters and situation.

Apart from :mod:`sim.scenario` (the file schema) so that the schema, the council resolver
(:mod:`sim.council_resolver`) and the model can all import these without a cycle: nothing here
needs the schema at run time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.parameters import ModelParameters, default_parameters
from sim.situation import Situation, situation_on

if TYPE_CHECKING:
    from sim.scenario import ScenarioSpec, Stance
    from sim.stances import Position


@dataclass(frozen=True)
class MemberProfile:
    """One member as the model builds it: identity, stances (fixed or random), ties."""

    code: str
    name: str
    permanent: bool
    stances: dict[str, Stance]
    ties: dict[str, float]
    note: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    position: Position | None = None
    """The member's UNGA position for the year (:mod:`sim.stances`), from which the model
    derives the pressure and reciprocity stances the scenario or preset does not give."""
    origins: dict[str, str] = field(default_factory=dict)
    """Where each stance came from: "scenario", "preset <file>", "template <name>", "derived
    (UNGA)", "rule" or "default"."""
    human_rights: float = 0.0
    """The member's position on the DPRK's human rights: its latest General Assembly vote on the
    DPRK human-rights resolution up to the year (+1 yes, 0 abstain or none recorded, -1 no).
    Moves only an agenda item on human rights (:mod:`sim.measures`)."""


@dataclass(frozen=True)
class Scenario:
    """A validated scenario, with the council resolved from presets, the global parameters
    (shipped defaults with the file's overrides) and the situation on its date."""

    spec: ScenarioSpec
    members: tuple[MemberProfile, ...]
    path: str | None = None
    parameters: ModelParameters = field(default_factory=default_parameters)
    situation: Situation | None = None

    def __post_init__(self) -> None:
        if self.situation is None:
            object.__setattr__(self, "situation", situation_for(self.spec, self.parameters))

    @property
    def overridden_parameters(self) -> list[str]:
        """Global parameters this file sets itself (instead of the calibrated values)."""
        set_here = self.spec.decision.model_dump(exclude_none=True)
        set_here.update(self.spec.negotiation.model_dump(exclude_none=True, exclude={"rounds", "penholder"}))
        return sorted(set_here)

    @property
    def name(self) -> str:
        return self.spec.scenario.name

    @property
    def codes(self) -> list[str]:
        return [member.code for member in self.members]

    def fingerprint(self) -> str:
        """Short hash of everything that determines the numbers (for result metadata)."""
        payload = json.dumps(
            {
                "spec": self.spec.model_dump(mode="json", by_alias=True, exclude={"history", "sweep"}),
                "parameters": {k: np.asarray(v).tolist() for k, v in self.parameters.as_dict().items()},
                "members": [
                    {
                        "code": m.code,
                        "permanent": m.permanent,
                        "stances": {k: s.model_dump(exclude={"source"}) for k, s in m.stances.items()},
                        "ties": m.ties,
                        "human_rights": m.human_rights,
                    }
                    for m in self.members
                ],
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def parameters_for(spec: ScenarioSpec) -> ModelParameters:
    """The shipped global parameters with the file's ``[decision]`` and ``[negotiation]``
    overrides."""
    values = spec.decision.model_dump(exclude_none=True)
    values.update(spec.negotiation.model_dump(exclude_none=True, exclude={"rounds", "penholder"}))
    return default_parameters().with_values(values)


def situation_for(spec: ScenarioSpec, parameters: ModelParameters) -> Situation:
    """The situation on the scenario's date, with its ``[context]`` overrides."""
    context = spec.context
    return situation_on(
        context.date,
        provocation_half_life_days=parameters.provocation_half_life_days,
        steps_half_life_days=parameters.steps_half_life_days,
        extra_events=context.extra_events(),
        overrides=context.overrides(),
    )
