"""Measures a draft can carry, and where each moves the sanctions regime.

The policy space has two axes, both in [0, 1]:

- **pressure**: how coercive the regime is (0 = no UN measures; the regime after S/RES/2397 0.70);
- **reciprocity**: how much the Council rewards the DPRK's steps (0 = never; 1 = step for step).

Every measure maps to a shift ``(d_pressure, d_reciprocity)`` of the regime by a documented
function. A proposal's position is the status quo plus the sum of its measures' shifts. Tightening
moves the regime away from reciprocity at a twentieth of the rate it adds pressure (``PUNISHMENT_TILT``):
that is what a reciprocity-minded member objects to when a cut follows unreciprocated steps.
Easing does the reverse. The weights are modelling choices, fixed once for all scenarios so that
the same numbers explain every vote; change them here, not per scenario. Their ratios are judgement
(the comments say which measure bites harder, and why); ``PUNISHMENT_TILT`` was fitted with the
constants of :mod:`sim.context`, and the common scale by the rule below.

The pressure scale is additive: the regime in force before a decision (a scenario's
``context.status_quo_pressure``) is the sum of the shifts of the Chapter VII resolutions adopted
before it, from S/RES/1718 on (``tests/test_history_files.py`` checks every historical file). The
weights are scaled so that this sum is 0.70 once S/RES/2397 is in force.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PUNISHMENT_TILT = 0.05
"""d_reciprocity = -PUNISHMENT_TILT * d_pressure for measures that tighten (or ease) the regime."""

CRUDE_OIL_WEIGHT = 0.0921
"""Pressure of cutting the crude-oil cap to zero. Crude (via the Dandong pipeline) fuels the
Sungri refinery but is a smaller share of usable fuel than refined products."""

REFINED_PETROLEUM_WEIGHT = 0.127
"""Pressure of cutting the refined-petroleum cap to zero: diesel and gasoline run the economy
and the military, which is why S/RES/2375 and 2397 aimed at them first."""

EXPORT_BAN_WEIGHT = 0.00691
"""Pressure per category of DPRK exports banned (coal, textiles, seafood each earned hundreds
of millions of dollars; clocks and watches far less: one weight keeps it simple)."""

ASSET_FREEZE_WEIGHT = 0.00288
"""Pressure per individual or entity designated for an asset freeze and travel ban."""

PANEL_RENEWAL_PRESSURE = 0.0173
"""Pressure kept by renewing the Panel of Experts, relative to letting it lapse."""

RELIEF_PRESSURE = 0.0173
RELIEF_RECIPROCITY = 0.06
"""Per ban lifted: pressure removed, and reciprocity gained (relief is the reward for steps)."""

STATEMENT_WELCOME_RECIPROCITY = 0.08
STATEMENT_ADJUSTMENT_PRESSURE = 0.023
STATEMENT_ADJUSTMENT_RECIPROCITY = 0.04
STATEMENT_CONDEMNATION_PRESSURE = 0.023

CHAPTER_VII_PRESSURE = 0.03
"""Acting under Chapter VII makes the text's demands binding (judgement: a little more than a
condemnation or a Panel renewal, less than an oil cap's cut; the Japan/US draft of July 2006
invoked it, and China's veto threat removed it from S/RES/1695, even once narrowed to Article 40:
AP, The Jerusalem Post, 15 July 2006)."""

INTERDICTION_PRESSURE = 0.02
INTERDICTION_BY_FORCE_PRESSURE = 0.06
"""Authority to inspect DPRK cargo on the high seas: with the flag state's consent, or by force
(the first US draft of S/RES/2375 asked for force; judgement)."""

MAX_CAP = 1e9
"""Largest cap, in barrels a year, a file may give (the DPRK's whole supply is a few million)."""
MAX_ITEMS = 1000
"""Most goods, bans or designations one measure may list."""

AGENDA_ITEM_PRESSURE = 0.023
"""Putting a DPRK item other than human rights on the agenda names and shames: a little pressure."""

HUMAN_RIGHTS_AGENDA_WEIGHT = AGENDA_ITEM_PRESSURE
"""The gain of putting the DPRK's human rights on the agenda, on its own dimension: a member
gains this much times its human-rights position (+1, 0, -1: its latest General Assembly vote on
the DPRK human-rights resolution, 0 where none is recorded), not a step on the sanctions scale. Judgement: the size of the
agenda item's pressure step, so only the direction changes. China and Russia, who vote for
sanctions they have negotiated, voted against this agenda every time it came to a vote (2014,
2015, 2024), as they voted against the General Assembly's resolutions: "the human rights
situation of the DPRK does not constitute a threat to international peace and security" (China,
10 December 2015, Reuters)."""


def _each_once(names: list[str]) -> list[str]:
    """Each good, designation or ban counts once toward the measure's weight, so a name listed
    twice (a copy-paste slip) would silently double it: refused, naming the name."""
    seen: set[str] = set()
    for name in names:
        key = name.strip().casefold()
        if key in seen:
            raise ValueError(f"{name!r} is listed twice")
        seen.add(key)
    return names


def _tightening(d_pressure: float) -> tuple[float, float]:
    """A pure tightening (or easing, if negative) of the regime."""
    return d_pressure, -PUNISHMENT_TILT * d_pressure


class _Measure(BaseModel):
    # strict: no string-to-number or string-to-bool coercion (nuclear_test = "yes" is an error)
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, strict=True)

    renews: ClassVar[bool] = False
    """Whether the measure keeps something that lapses if the draft fails (the reversion point
    then lies below today's regime by this measure's shift)."""

    def shift(self) -> tuple[float, float]:  # pragma: no cover - every subclass overrides
        """(d_pressure, d_reciprocity) this measure moves the regime by."""
        raise NotImplementedError

    def describe(self, scale: float = 1.0) -> str:  # pragma: no cover - every subclass overrides
        """The measure in words, softened to ``scale`` of its full strength."""
        raise NotImplementedError


class _Cap(_Measure):
    from_: float = Field(
        alias="from", ge=0, le=MAX_CAP, allow_inf_nan=False, description="cap in force, barrels a year"
    )
    to: float = Field(ge=0, le=MAX_CAP, allow_inf_nan=False, description="cap the draft sets, barrels a year")

    _weight: float = 0.0
    _label: str = ""

    def fraction_cut(self) -> float:
        """Share of the cap removed, ``(from - to) / from``. A raise is the reverse of the cut
        from ``to`` down to ``from``, ``-(to - from) / to``: it undoes exactly what that cut
        added, and no raise takes more than the cap's whole weight (-1 at most), however large."""
        if self.to > self.from_:
            return -(self.to - self.from_) / self.to
        if self.from_ == 0:
            return 0.0
        return (self.from_ - self.to) / self.from_

    def shift(self) -> tuple[float, float]:
        return _tightening(self._weight * self.fraction_cut())

    def describe(self, scale: float = 1.0) -> str:
        to = self.from_ - scale * (self.from_ - self.to)
        return f"{self._label} cap {self.from_:,.0f} -> {to:,.0f} bbl/yr"


class CrudeOilCap(_Cap):
    """Change the cap on crude oil supplied to the DPRK (S/RES/2397 OP4: 4,000,000 bbl/yr).

    d_pressure = CRUDE_OIL_WEIGHT * (from - to) / from (a raise: (from - to) / to). Seed article: S/2022/431 would have cut
    it from 4M to 3M barrels a year.
    """

    type: Literal["crude_oil_cap"] = "crude_oil_cap"
    _weight: float = CRUDE_OIL_WEIGHT
    _label: str = "crude oil"


class RefinedPetroleumCap(_Cap):
    """Change the cap on refined petroleum products (S/RES/2397 OP5: 500,000 bbl/yr).

    d_pressure = REFINED_PETROLEUM_WEIGHT * (from - to) / from (a raise: (from - to) / to). S/2022/431: 500,000 -> 375,000;
    the 2018 US request to the 1718 Committee: halt all transfers (-> 0).
    """

    type: Literal["refined_petroleum_cap"] = "refined_petroleum_cap"
    _weight: float = REFINED_PETROLEUM_WEIGHT
    _label: str = "refined petroleum"


class ExportBan(_Measure):
    """Ban DPRK exports of the listed goods (S/RES/2371: coal, iron, seafood; S/2022/431: mineral
    fuels, oils and waxes; clocks and watches). d_pressure = EXPORT_BAN_WEIGHT per good."""

    type: Literal["export_ban"] = "export_ban"
    goods: list[str] = Field(min_length=1, max_length=MAX_ITEMS)

    @field_validator("goods")
    @classmethod
    def _goods_once(cls, names: list[str]) -> list[str]:
        return _each_once(names)

    def shift(self) -> tuple[float, float]:
        return _tightening(EXPORT_BAN_WEIGHT * len(self.goods))

    def describe(self, scale: float = 1.0) -> str:
        return f"export ban on {', '.join(self.goods)}"


class AssetFreeze(_Measure):
    """Designate individuals or entities for an asset freeze (S/2022/431: the Lazarus Group, one
    individual and two further companies). d_pressure = ASSET_FREEZE_WEIGHT per designation."""

    type: Literal["asset_freeze"] = "asset_freeze"
    entities: list[str] = Field(min_length=1, max_length=MAX_ITEMS)

    @field_validator("entities")
    @classmethod
    def _entities_once(cls, names: list[str]) -> list[str]:
        return _each_once(names)

    count: int | None = Field(default=None, ge=1, le=MAX_ITEMS)
    """Number of designations, where ``entities`` names only some (e.g. "16 individuals")."""

    @model_validator(mode="after")
    def _count_covers_entities(self) -> AssetFreeze:
        if self.count is not None and self.count < len(self.entities):
            raise ValueError(f"count ({self.count}) is less than the {len(self.entities)} entities named")
        return self

    @property
    def designations(self) -> int:
        return self.count if self.count is not None else len(self.entities)

    def shift(self) -> tuple[float, float]:
        return _tightening(ASSET_FREEZE_WEIGHT * self.designations)

    def describe(self, scale: float = 1.0) -> str:
        return f"asset freeze on {self.designations} designations"


class PanelRenewal(_Measure):
    """Renew the 1718 Committee's Panel of Experts (created by S/RES/1874) instead of letting it
    lapse. d_pressure = PANEL_RENEWAL_PRESSURE, no reciprocity shift."""

    type: Literal["panel_renewal"] = "panel_renewal"
    months: int = Field(default=12, ge=1, le=60)
    renews: ClassVar[bool] = True

    def shift(self) -> tuple[float, float]:
        return PANEL_RENEWAL_PRESSURE, 0.0

    def describe(self, scale: float = 1.0) -> str:
        return f"renew the Panel of Experts for {self.months} months"


class SanctionsRelief(_Measure):
    """Lift the listed bans (the 2019 China-Russia draft: statues, seafood, textiles, the worker
    repatriation deadline, inter-Korean rail and road projects). Per ban lifted:
    d_pressure = -RELIEF_PRESSURE, d_reciprocity = +RELIEF_RECIPROCITY."""

    type: Literal["sanctions_relief"] = "sanctions_relief"
    lifted: list[str] = Field(min_length=1, max_length=MAX_ITEMS)

    @field_validator("lifted")
    @classmethod
    def _lifted_once(cls, names: list[str]) -> list[str]:
        return _each_once(names)

    def shift(self) -> tuple[float, float]:
        n = len(self.lifted)
        return -RELIEF_PRESSURE * n, RELIEF_RECIPROCITY * n

    def describe(self, scale: float = 1.0) -> str:
        return f"lift bans on {', '.join(self.lifted)}"


class Statement(_Measure):
    """What a press or presidential statement says. Welcoming diplomacy adds reciprocity;
    signalling "willingness to adjust the measures" (China's 2018 text) also eases pressure;
    condemning launches adds pressure."""

    type: Literal["statement"] = "statement"
    welcomes_diplomacy: bool = False
    signals_adjustment: bool = False
    condemns: bool = False

    @model_validator(mode="after")
    def _says_something(self) -> Statement:
        if not (self.welcomes_diplomacy or self.signals_adjustment or self.condemns):
            raise ValueError(
                "a statement must welcome diplomacy, signal adjustment or condemn (set one true)"
            )
        return self

    def shift(self) -> tuple[float, float]:
        d_pressure = 0.0
        d_reciprocity = 0.0
        if self.welcomes_diplomacy:
            d_reciprocity += STATEMENT_WELCOME_RECIPROCITY
        if self.signals_adjustment:
            d_pressure -= STATEMENT_ADJUSTMENT_PRESSURE
            d_reciprocity += STATEMENT_ADJUSTMENT_RECIPROCITY
        if self.condemns:
            d_pressure += STATEMENT_CONDEMNATION_PRESSURE
        return d_pressure, d_reciprocity

    def describe(self, scale: float = 1.0) -> str:
        parts = [
            label
            for flag, label in [
                (self.welcomes_diplomacy, "welcomes diplomacy"),
                (self.signals_adjustment, "signals adjustment of measures"),
                (self.condemns, "condemns launches"),
            ]
            if flag
        ]
        return "statement that " + " and ".join(parts)


class AgendaItem(_Measure):
    """Put an item on the Council's agenda (a procedural vote). The DPRK's human rights, the
    default subject and the one DPRK agenda item the Council has voted on, move no sanctions:
    each member's gain is its human-rights position times HUMAN_RIGHTS_AGENDA_WEIGHT. Another
    subject: d_pressure = AGENDA_ITEM_PRESSURE."""

    type: Literal["agenda_item"] = "agenda_item"
    item: str
    subject: Literal["human_rights", "other"] = "human_rights"

    def shift(self) -> tuple[float, float]:
        return (0.0, 0.0) if self.subject == "human_rights" else (AGENDA_ITEM_PRESSURE, 0.0)

    def human_rights(self) -> float:
        return HUMAN_RIGHTS_AGENDA_WEIGHT if self.subject == "human_rights" else 0.0

    def describe(self, scale: float = 1.0) -> str:
        return f"put '{self.item}' on the agenda"


class ChapterVII(_Measure):
    """Act under Chapter VII of the Charter, making the text's demands binding.
    d_pressure = CHAPTER_VII_PRESSURE."""

    type: Literal["chapter_vii"] = "chapter_vii"

    def shift(self) -> tuple[float, float]:
        return _tightening(CHAPTER_VII_PRESSURE)

    def describe(self, scale: float = 1.0) -> str:
        return "act under Chapter VII"


class Interdiction(_Measure):
    """Authorise inspection of DPRK cargo on the high seas, with the flag state's consent or by
    force. d_pressure = INTERDICTION_PRESSURE or INTERDICTION_BY_FORCE_PRESSURE."""

    type: Literal["interdiction"] = "interdiction"
    by_force: bool = False

    def shift(self) -> tuple[float, float]:
        return _tightening(INTERDICTION_BY_FORCE_PRESSURE if self.by_force else INTERDICTION_PRESSURE)

    def describe(self, scale: float = 1.0) -> str:
        return "interdiction of cargo " + ("by force" if self.by_force else "with consent")


class CustomMeasure(_Measure):
    """Any other measure, placed in the space by the analyst (e.g. cargo inspection), with the
    reasoning in ``description``."""

    type: Literal["custom"] = "custom"
    description: str
    pressure: float = Field(ge=-1, le=1, allow_inf_nan=False)
    reciprocity: float = Field(default=0.0, ge=-1, le=1, allow_inf_nan=False)

    def shift(self) -> tuple[float, float]:
        return self.pressure, self.reciprocity

    def describe(self, scale: float = 1.0) -> str:
        return self.description


MEASURE_CLASSES: tuple[type[_Measure], ...] = (
    CrudeOilCap,
    RefinedPetroleumCap,
    ExportBan,
    AssetFreeze,
    PanelRenewal,
    SanctionsRelief,
    Statement,
    AgendaItem,
    ChapterVII,
    Interdiction,
    CustomMeasure,
)
"""Every measure type, in the order ``unsc-sim measures`` lists them."""

Measure = Annotated[Union[MEASURE_CLASSES], Field(discriminator="type")]  # type: ignore[valid-type]

MEASURE_TYPES: list[str] = [cls.model_fields["type"].default for cls in MEASURE_CLASSES]


def human_rights_change(measures: list[_Measure]) -> float:
    """How far the draft moves the Council on the DPRK's human rights (a dimension of its own: a
    member gains this times its human-rights position)."""
    return float(sum(m.human_rights() for m in measures if isinstance(m, AgendaItem)))


def total_shift(measures: list[_Measure]) -> tuple[float, float]:
    """Sum of the measures' shifts: the proposal's displacement from the status quo."""
    d_pressure = sum(m.shift()[0] for m in measures)
    d_reciprocity = sum(m.shift()[1] for m in measures)
    return d_pressure, d_reciprocity


def describe_at(measure: _Measure, scale: float) -> str:
    """A measure at ``scale`` of its strength (a softened text), in its own units where it has
    them (caps); any other is applied at that share of its weight, and says so."""
    if isinstance(measure, _Cap):
        return measure.describe(scale)
    text = measure.describe(1.0)
    return text if scale >= 1.0 else f"{text} (at {100 * scale:.1f}% of its weight)"


def change_and_reversion(
    measures: list[_Measure], status_quo: Sequence[float]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(change the draft makes to its reversion point, the reversion point).

    What happens if the draft fails (Romer & Rosenthal's reversion point): for new measures the
    regime stays as it is; for a renewal the renewed thing lapses, so the reversion point lies
    below today's regime by the renewal's shift and the draft, adopted, keeps today's regime."""
    lapsing = [m.shift() for m in measures if m.renews]
    reversion = (
        float(status_quo[0]) - sum(d[0] for d in lapsing),
        float(status_quo[1]) - sum(d[1] for d in lapsing),
    )
    return total_shift(measures), reversion


FIELD_DOCS: dict[str, str] = {
    "from": "cap in force, barrels a year (0 to 1e9)",
    "to": "cap the draft sets, barrels a year (0 to 1e9; above `from` loosens the cap)",
    "goods": "list of DPRK export categories banned (1 to 1000 names, each once)",
    "entities": "list of individuals or entities designated (1 to 1000 names, each once)",
    "count": "number of designations where `entities` names only some (optional, up to 1000)",
    "months": "length of the renewed mandate, months (1 to 60; default 12)",
    "lifted": "list of bans lifted (1 to 1000 names, each once)",
    "welcomes_diplomacy": "true/false: the statement welcomes talks or summits",
    "signals_adjustment": "true/false: it signals willingness to adjust the measures",
    "condemns": "true/false: it condemns launches or tests",
    "item": "the agenda item's title",
    "subject": '"human_rights" (default) or "other"',
    "by_force": "true/false: interdiction without the flag state's consent",
    "description": "what the measure is, and why it sits where it does",
    "pressure": "shift of the regime's pressure, -1 to 1",
    "reciprocity": "shift of the regime's reciprocity, -1 to 1 (default 0)",
}

EFFECTS: dict[str, str] = {
    "crude_oil_cap": f"pressure +{CRUDE_OIL_WEIGHT} x (from - to) / from; a raise: x (from - to) / to",
    "refined_petroleum_cap": f"pressure +{REFINED_PETROLEUM_WEIGHT} x (from - to) / from; a raise: x (from - to) / to",
    "export_ban": f"pressure +{EXPORT_BAN_WEIGHT} per good",
    "asset_freeze": f"pressure +{ASSET_FREEZE_WEIGHT} per designation",
    "panel_renewal": f"keeps pressure {PANEL_RENEWAL_PRESSURE} that lapses if the draft fails (the reversion point lies below today's regime)",
    "sanctions_relief": f"per ban lifted: pressure -{RELIEF_PRESSURE}, reciprocity +{RELIEF_RECIPROCITY}",
    "statement": (
        f"welcomes diplomacy: reciprocity +{STATEMENT_WELCOME_RECIPROCITY}; signals adjustment: pressure "
        f"-{STATEMENT_ADJUSTMENT_PRESSURE}, reciprocity +{STATEMENT_ADJUSTMENT_RECIPROCITY}; condemns: pressure "
        f"+{STATEMENT_CONDEMNATION_PRESSURE}"
    ),
    "agenda_item": (
        f"human rights (the default subject): no pressure; each member's gain is {HUMAN_RIGHTS_AGENDA_WEIGHT} x its "
        f"position (its latest General Assembly vote on the DPRK human-rights resolution: yes +1, abstain or none "
        f'0, no -1; members.X.human_rights sets it); subject = "other": pressure +{AGENDA_ITEM_PRESSURE}'
    ),
    "chapter_vii": f"pressure +{CHAPTER_VII_PRESSURE}",
    "interdiction": f"pressure +{INTERDICTION_PRESSURE} (with consent) or +{INTERDICTION_BY_FORCE_PRESSURE} (by force)",
    "custom": "the pressure and reciprocity given",
}
TILT_NOTE = f"Tightening measures also move reciprocity by -{PUNISHMENT_TILT} x their pressure shift."


def measure_catalogue() -> list[dict[str, object]]:
    """Every measure type with its fields, units and effect on the regime (``unsc-sim measures``)."""
    catalogue = []
    for cls in MEASURE_CLASSES:
        name = cls.model_fields["type"].default
        fields = [
            {"name": f.alias or key, "description": FIELD_DOCS.get(f.alias or key, "")}
            for key, f in cls.model_fields.items()
            if key != "type"
        ]
        summary = " ".join((cls.__doc__ or "").split())
        catalogue.append({"type": name, "summary": summary, "fields": fields, "effect": EFFECTS[name]})
    return catalogue
