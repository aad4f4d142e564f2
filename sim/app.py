"""The interactive council page, on Mesa's own visualisation (SolaraViz).

Run it with ``unsc-sim ui`` (or ``solara run sim/app.py``); it needs the ``[ui]`` extra. As in
Mesa's examples this is the only module that imports visualisation.

What the page runs is the real model: every change builds a :class:`CouncilExplorer`, which is a
:class:`~sim.model.CouncilModel` of 2,000 lanes (independent replicates) for the chosen bundled
scenario with the page's settings applied as scenario overrides, and runs its negotiation rounds
and vote. It seeds the model as the runner seeds chunk 0, so the page shows exactly what
``unsc-sim run FILE --replicates 2000 --seed S`` gives for the same settings.

Layout: the sidebar first holds the council settings, which apply at once: the proposal, the
context (what-if additions on the day, a nuclear test or an ICBM launch; whether talks are under
way and the great-power tension, starting at the situation on the scenario's date from
:mod:`sim.situation`), and each member's pressure / reciprocity / veto-cost stances (starting at
the values the model holds, derived from UNGA positions where the file gives none; the permanent
five shown, the elected ten folded); below them Mesa's own cards, with the number of lanes and the seed, which
apply on Reset as Mesa's model parameters always do. The main area shows the outcome
probabilities with 95% intervals, the Council's seat chart coloured by vote, the tally histogram
and the proposal (with what really happened).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import solara

from sim.lean_import import whole

whole("mesa")  # its visualisation asks the package for names while it loads (sim/lean_import.py)

from mesa.visualization import Slider, SolaraViz
from mesa.visualization.solara_viz import UserInputs

from sim.member import Member
from sim.model import CouncilModel
from sim.plots import parameter_label, seat_plot, tally_plot
from sim.results import RunResult
from sim.runner import chunk_seed
from sim.scenario import MemberProfile, Scenario, ScenarioError, load_scenario

LANES = 2_000
"""Lanes per page update: intervals of about +-2 percentage points, a model run of milliseconds."""
SEED = 1
SCENARIOS_ENV = "UNSC_SIM_SCENARIOS"
"""Directory of the scenarios the page offers (default: the repository's scenarios/history)."""
PAGE_STANCES = ("pressure", "reciprocity", "veto_cost")


def scenario_dir() -> Path:
    return Path(
        os.environ.get(SCENARIOS_ENV) or Path(__file__).resolve().parents[1] / "scenarios" / "history"
    )


@cache
def bundled_scenarios(directory: str | None = None) -> dict[str, Path]:
    """Label -> file for every valid scenario in the directory, oldest first."""
    found: dict[str, Path] = {}
    for path in sorted(Path(directory or scenario_dir()).glob("*.toml")):
        try:
            scenario = load_scenario(path)
        except ScenarioError:
            continue  # `unsc-sim validate` reports broken files; the page offers the good ones
        date = scenario.spec.context.date or path.stem[:10]
        found[f"{date}: {scenario.name}"] = path
    return found


def default_proposal() -> str:
    """The newest bundled decision (the S/2022/431 veto in the shipped set)."""
    labels = list(bundled_scenarios())
    if not labels:
        raise FileNotFoundError(f"no scenario files in {scenario_dir()} (set {SCENARIOS_ENV})")
    return labels[-1]


@dataclass(frozen=True)
class PageSettings:
    """What the page's controls say: the proposal and the overrides moved away from its file."""

    proposal: str = field(default_factory=default_proposal)
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def scenario(self) -> Scenario:
        return load_scenario(bundled_scenarios()[self.proposal], dict(self.overrides))


class CouncilExplorer(CouncilModel):
    """The Council model for the page: a bundled scenario with the page's overrides, run to its
    vote on creation (Mesa's Reset creates one with the same keyword arguments)."""

    def __init__(
        self,
        state: solara.Reactive[PageSettings] | PageSettings | None = None,
        lanes: int = LANES,
        seed: int = SEED,
    ) -> None:
        settings = state.value if isinstance(state, solara.Reactive) else (state or PageSettings())
        super().__init__(settings.scenario(), lanes=int(lanes), rng=chunk_seed(int(seed), 0), collect=False)
        self.page_settings = settings
        self.root_seed = int(seed)
        self.run_model()

    def step(self) -> None:
        """Mesa's Step and Play buttons: nothing left to do once the vote is held."""
        if self.running:
            super().step()

    def result(self) -> RunResult:
        """The lanes as a RunResult (what ``unsc-sim run`` analyses)."""
        assert self.outcome is not None and self.votes is not None
        return RunResult.from_arrays(
            self.council_scenario,
            seed=self.root_seed,
            votes=self.votes,
            outcome=self.outcome.outcome,
            defeated_by=self.outcome.defeated_by,
            fell_short=self.outcome.fell_short,
            text_scale=self.text_scale,
        )


def stance_value(member: Member, profile: MemberProfile, stance: str) -> float:
    """A member's stance as the model holds it: the file's or preset's value (a drawn stance at
    its centre), else the value the model derived (pressure and reciprocity from the member's
    UNGA position, :mod:`sim.stances`)."""
    if stance in profile.stances:
        return float(profile.stances[stance].center)
    return float(np.mean(getattr(member, stance)))


def controls_for(model: CouncilModel, overrides: Mapping[str, Any]) -> tuple[dict, dict, dict]:
    """Mesa user inputs (keyed by override path) for the permanent members, the elected members
    and the context, starting at the values of the built ``model`` (stances as its members hold
    them, the situation on the scenario's date) unless the page moved them."""
    scenario = model.council_scenario
    names = {m.code: m.name for m in scenario.members}
    permanent: dict[str, Any] = {}
    elected: dict[str, Any] = {}
    for member, profile in zip(model.members, scenario.members, strict=True):
        target = permanent if profile.permanent else elected
        for stance in PAGE_STANCES:
            key = f"members.{profile.code}.{stance}"
            value = round(float(overrides.get(key, stance_value(member, profile, stance))), 2)
            target[key] = Slider(
                f"{parameter_label(key, names)}: {value:.2f}", value=value, min=0.0, max=1.0, step=0.01
            )
    context = scenario.spec.context
    situation = scenario.situation
    assert situation is not None

    def now(key: str, value: Any) -> Any:
        return overrides.get(f"context.{key}", value)

    tension = round(float(now("great_power_tension", situation.tension)), 2)
    inputs = {
        "context.nuclear_test": {
            "type": "Checkbox",
            "label": parameter_label("context.nuclear_test"),
            "value": bool(now("nuclear_test", context.nuclear_test)),
        },
        "context.icbm_launch": {
            "type": "Checkbox",
            "label": parameter_label("context.icbm_launch"),
            "value": bool(now("icbm_launch", context.icbm_launch)),
        },
        "context.talks_under_way": {
            "type": "Checkbox",
            "label": parameter_label("context.talks_under_way"),
            "value": bool(now("talks_under_way", situation.talks_under_way)),
        },
        "context.great_power_tension": Slider(
            f"{parameter_label('context.great_power_tension')}: {tension:.2f}",
            value=tension,
            min=0.0,
            max=1.0,
            step=0.01,
        ),
    }
    return permanent, elected, inputs


# ------------------------------------------------------------------------------ page state

settings_state: solara.Reactive[PageSettings] = solara.reactive(PageSettings())
"""The council settings; solara keeps one value per browser session."""
model_state: solara.Reactive[CouncilExplorer] = solara.reactive(CouncilExplorer(settings_state.value))
error_state: solara.Reactive[str | None] = solara.reactive(None)
generation_state = solara.reactive(0)
"""Bumped to rebuild the inputs at the file's values (new proposal or the reset button)."""


def apply(settings: PageSettings) -> None:
    """Build and run a new model for ``settings``, keeping the lanes and seed of the current one."""
    current = model_state.value
    try:
        model = CouncilExplorer(settings, lanes=current.lanes, seed=current.root_seed)
    except ScenarioError as exc:  # the controls' ranges are valid; a broken file is not
        error_state.value = "; ".join(exc.problems)
        return
    error_state.value = None
    settings_state.value = settings
    model_state.value = model


@solara.component
def CouncilSettings() -> None:
    """The proposal, stances and context controls, placed in the sidebar below Mesa's cards."""
    settings = settings_state.value
    permanent, elected, context = controls_for(model_state.value, settings.overrides)

    def choose(label: str) -> None:
        generation_state.value += 1
        apply(PageSettings(label, {}))

    def change(name: str, value: Any) -> None:
        apply(PageSettings(settings_state.value.proposal, {**settings_state.value.overrides, name: value}))

    def restore() -> None:
        generation_state.value += 1
        apply(PageSettings(settings_state.value.proposal, {}))

    key = f"{settings.proposal}-{generation_state.value}"
    with solara.Sidebar():
        with solara.Card("Proposal and council (applied at once)"):
            solara.Select(
                "Proposal (bundled scenarios)",
                values=list(bundled_scenarios()),
                value=settings.proposal,
                on_value=choose,
            )
            if error_state.value:
                solara.Error(error_state.value)
            solara.HTML(tag="b", unsafe_innerHTML="Context")
            UserInputs(context, on_change=change).key(f"context-{key}")
            solara.HTML(tag="b", unsafe_innerHTML="Permanent members")
            UserInputs(permanent, on_change=change).key(f"permanent-{key}")
            with solara.Details("Elected members"):
                UserInputs(elected, on_change=change).key(f"elected-{key}")
            solara.Button("Back to the file's values", on_click=restore, text=True)


CELL = "text-align:right;padding:0 0 0 1.2em;font-variant-numeric:tabular-nums"


def _share(value: float) -> str:
    return f"{value:.3f}"


@solara.component
def OutcomeProbabilities(model: CouncilExplorer) -> None:
    """The outcome probabilities with 95% Wilson intervals, the modal tally and who vetoed."""
    result = model.result()
    table = result.outcome_table()
    rows = "".join(
        f"<tr><td>{escape(row.outcome)}</td><td class='unsc-p unsc-p-{row.outcome}' style='{CELL}'>"
        f"{_share(row.probability)}</td><td style='{CELL}'>[{_share(row.ci_low)}, {_share(row.ci_high)}]</td></tr>"
        for row in table.itertuples()
    )
    summary = result.summary()
    lines = [f"<b>Most likely: {escape(summary['most_likely_outcome'])}</b>"]
    if summary["defeated_by"]:
        lines.append(
            "Vetoed or blocked by "
            + ", ".join(
                f"{escape(code)} {100 * share:.1f}%" for code, share in summary["defeated_by"].items()
            )
        )
    if summary["modal_tally"]:
        lines.append(
            f"Modal tally (yes-no-abstain): <span class='unsc-modal-tally'>{escape(summary['modal_tally'])}</span>"
        )
    lines.append(f"{result.replicates:,} lanes, seed {result.seed}")
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            "<table class='unsc-outcomes' style='border-collapse:collapse;margin-bottom:.5em'>"
            f"<tr><th style='text-align:left'>Outcome</th><th style='{CELL}'>P</th><th style='{CELL}'>95% interval"
            "</th></tr>"
            f"{rows}</table>" + "<br>".join(lines)
        ),
    )


@solara.component
def SeatChart(model: CouncilExplorer) -> None:
    """The Council's horseshoe, each seat a pie of the member's yes / no / abstain shares."""
    members = model.result().member_table()
    solara.FigureMatplotlib(seat_plot(members, size=(5.4, 3.9), title="Votes by seat").figure, format="png")


@solara.component
def TallyHistogram(model: CouncilExplorer) -> None:
    solara.FigureMatplotlib(
        tally_plot(model.result().tallies(), top=10, size=(5.4, 3.6)).figure, format="png"
    )


@solara.component
def ProposalCard(model: CouncilExplorer) -> None:
    """The draft in words, the settings moved away from the file, and what really happened."""
    scenario = model.council_scenario
    spec = scenario.spec
    names = {m.code: m.name for m in scenario.members}
    sponsors = ", ".join(names.get(c, c) for c in spec.proposal.sponsors)
    parts = [
        f"<b>{escape(spec.proposal.symbol or spec.proposal.kind)}</b>: {escape(spec.proposal.title)}",
        f"<br><i>{escape(spec.proposal.kind)}</i>, sponsored by {escape(sponsors)}",
        "<ul>" + "".join(f"<li>{escape(m.describe())}</li>" for m in spec.proposal.measures) + "</ul>",
    ]
    situation = model.situation
    overridden = (
        f" (set by the file or this page: {', '.join(situation.overridden)})" if situation.overridden else ""
    )
    parts.append(
        f"<p class='unsc-situation'><b>Situation on {escape(situation.date.isoformat())}:</b> provocation stock "
        f"{situation.provocation:.2f}, record {situation.provocation_record:.2f}, unreciprocated DPRK steps {situation.unreciprocated_steps:.2f}, talks "
        f"{'under way' if situation.talks_under_way else 'not under way'}, great-power tension "
        f"{situation.tension:.2f}, regime in force: pressure {situation.status_quo_pressure:.2f}, reciprocity "
        f"{situation.status_quo_reciprocity:.2f}{escape(overridden)}</p>"
    )
    moved = model.page_settings.overrides
    if moved:
        changed = "; ".join(f"{parameter_label(k, names)} = {v}" for k, v in moved.items())
        parts.append(f"<p class='unsc-changed'><b>Changed on this page:</b> {escape(changed)}</p>")
    if spec.history is not None:
        record = spec.history
        tally = f", {record.tally}" if record.tally else ""
        parts.append(
            f"<p><b>What happened:</b> {escape(record.outcome + tally)} "
            f"({escape(record.symbol)}, {escape(record.date)}; {escape(record.source)})</p>"
        )
    solara.HTML(tag="div", unsafe_innerHTML="".join(parts))


MODEL_PARAMS = {
    "state": settings_state,
    "lanes": Slider("Lanes (replicates; applied on Reset)", value=LANES, min=500, max=20_000, step=500),
    "seed": Slider("Seed (applied on Reset)", value=SEED, min=0, max=99, step=1),
}


@solara.component
def Page() -> None:
    with solara.Column():
        SolaraViz(
            model_state,
            components=[(OutcomeProbabilities, 0), (SeatChart, 0), (TallyHistogram, 0), (ProposalCard, 0)],
            model_params=MODEL_PARAMS,
            name="UN Security Council: DPRK sanctions votes",
        )
        CouncilSettings()
