"""Resolving a scenario's council: who sits, and each member's profile built from layers.

A member's stances come from layers, lowest first: its preset (built-in or the scenario's
``council.preset``), the member or group it is ``like``, then the scenario's own
``[members.XXX]`` table. What no layer gives is derived from the member's General Assembly
position (:mod:`sim.stances`) or filled by a rule or default, and every stance records where it
came from. Kept apart from the schema (:mod:`sim.scenario`) so each step is a small function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.presets import PERMANENT_MEMBERS, builtin_councils, builtin_groups, builtin_members, load_preset
from sim.resolved import MemberProfile
from sim.rules import rule_for
from sim.scenario import REQUIRED_STANCES, STANCE_FIELDS, MemberSpec, ScenarioError, ScenarioSpec, Stance
from sim.stances import ELECTED_DEFAULTS, Position, position, state_names

DEFAULT_PRESET_ORIGIN = "preset sim/data/members.toml"


@dataclass
class _Layer:
    """One source of a member's stances, with the name outputs give it."""

    spec: MemberSpec
    origin: str
    position: Position | None = None


@dataclass
class _Merged:
    """A member's layers merged: the values given (name, permanent, stances), where each came
    from, ties, note, and the UNGA position a ``like`` layer brought, if any."""

    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    ties: dict[str, float] = field(default_factory=dict)
    note: str = ""
    position: Position | None = None
    position_origin: str = "derived (UNGA)"
    human_rights: float | None = None
    """The human-rights position a layer gave: its ``human_rights`` key, or a template's General
    Assembly vote on the DPRK human-rights resolution (None: the member's own vote applies)."""


def decision_year(spec: ScenarioSpec) -> int | None:
    """The year whose General Assembly positions the members' derived stances use: the
    decision's (its date), else the council's year."""
    from sim.situation import parse_date

    try:
        return parse_date(spec.context.date).year
    except ValueError:
        return spec.council.year


# ------------------------------------------------------------------------------------ layers


def _group_layer(name: str, year: int | None) -> _Layer | None:
    """A named group of ``sim/data/groups.toml`` as a layer: its veto cost and noise, and the
    median UNGA position of its states in the year."""
    group = builtin_groups().get(name)
    if group is None:
        return None
    spec = MemberSpec(
        veto_cost=Stance(value=float(group["veto_cost"])), noise=Stance(value=float(group["noise"]))
    )
    found = [p for p in (position(code, year) for code in group["states"]) if p is not None] if year else []
    if not found:
        return _Layer(spec, f"template {name}")
    votes = [p.dprk_vote for p in found if p.dprk_vote_year is not None]
    typical = Position(
        code=name,
        year=int(year),  # type: ignore[arg-type]
        ideal_point=float(np.median([p.ideal_point for p in found])),
        from_year=max(p.from_year for p in found),
        dprk_vote=max(set(votes), key=votes.count) if votes else 0,
        dprk_vote_year=max((p.dprk_vote_year for p in found if p.dprk_vote_year), default=None),
    )
    return _Layer(spec, f"template {name}", typical)


def _like_layers(
    code: str, like: str, presets: dict[str, MemberSpec], year: int | None, label: str, problems: list[str]
) -> list[_Layer]:
    """The layers of ``like = "..."``: another member's preset and UNGA position, or a group's."""
    if like in presets or position(like, year or 2019) is not None:
        layers = [_Layer(presets[like], f"template {like}")] if like in presets else []
        layers.append(_Layer(MemberSpec(), f"template {like}", position(like, year) if year else None))
        return layers
    group = _group_layer(like, year)
    if group is None:
        known = ", ".join(sorted(builtin_groups()))
        problems.append(
            f"{label}: members.{code}.like: {like!r} is neither a member code nor a group (groups: {known})"
        )
        return []
    return [group]


def _member_layers(
    code: str,
    spec: ScenarioSpec,
    presets: dict[str, MemberSpec],
    preset_origin: dict[str, str],
    year: int | None,
    label: str,
    problems: list[str],
) -> list[_Layer]:
    """The layers of one member, lowest first: its preset (or that of the member or group it is
    "like"), then the scenario's own table."""
    override = spec.members.get(code)
    layers: list[_Layer] = []
    if code in presets:
        layers.append(_Layer(presets[code], preset_origin.get(code, DEFAULT_PRESET_ORIGIN)))
    if override is not None and override.like is not None:
        layers.extend(_like_layers(code, override.like, presets, year, label, problems))
    if override is not None:
        layers.append(_Layer(override, "scenario"))
    return layers


# ----------------------------------------------------------------------------------- profiles


def _merge_layers(layers: list[_Layer]) -> _Merged:
    """Each layer over the ones below; a template gives stances only, not name or seat, and a
    layer's UNGA position replaces the pressure and reciprocity given below it."""
    merged = _Merged()
    for layer in layers:
        template = layer.origin.startswith("template")
        for key in ("name", "permanent", *STANCE_FIELDS):
            value = getattr(layer.spec, key)
            if value is not None and not (template and key in ("name", "permanent")):
                merged.values[key] = value
                merged.origins[key] = layer.origin
        if layer.position is not None:
            merged.position, merged.position_origin = layer.position, f"{layer.origin} (UNGA)"
            merged.values.pop("pressure", None), merged.values.pop("reciprocity", None)
            if layer.position.dprk_vote_year is not None:
                merged.human_rights = float(layer.position.dprk_vote)
        if layer.spec.human_rights is not None:
            merged.human_rights = layer.spec.human_rights
        merged.ties.update(layer.spec.ties)
        merged.note = layer.spec.note or merged.note
    return merged


def _check_ties(
    code: str,
    override: MemberSpec,
    codes: list[str],
    presets: dict[str, MemberSpec],
    label: str,
    problems: list[str],
) -> None:
    for other in override.ties:
        if other not in presets and other not in codes:
            problems.append(
                f"{label}: members.{code}.ties.{other}: no such member (not on this council and no preset)"
            )


def _fill_without_preset(code: str, merged: _Merged) -> None:
    """For a member with no preset: its name from ``states.csv``, its seat by the Charter, and
    the elected-member defaults for stances not given."""
    values, origins = merged.values, merged.origins
    if values.get("name") is None and state_names().get(code):
        values["name"], origins["name"] = state_names()[code], "states.csv"
    if "permanent" not in values:
        values["permanent"], origins["permanent"] = code in PERMANENT_MEMBERS, "default"
    for key, value in ELECTED_DEFAULTS.items():
        if key not in values:
            values[key] = Stance(value=value, source="elected-member default (judgement)")
            origins[key] = "default"


def _missing(values: dict[str, Any], no_position: bool) -> list[str]:
    """What a member lacks to be simulated, in words for the error message."""
    missing = [key for key in ("name", "permanent", *REQUIRED_STANCES) if values.get(key) is None]
    if no_position:
        missing.append("pressure and reciprocity (no General Assembly position to derive them from)")
    return missing


def _note_derived(merged: _Merged, found: Position | None, sources: dict[str, str]) -> None:
    """Sources and origins of the stances given, those derived from ``found`` and salience."""
    values, origins = merged.values, merged.origins
    for key in STANCE_FIELDS:
        if key in values and values[key].source:
            sources[key] = values[key].source
    if found is not None:
        for key in ("pressure", "reciprocity"):
            if key not in values:
                sources[key] = found.source
                origins[key] = merged.position_origin
    if "salience" not in values:
        sources["salience"] = "rule: 1 for a permanent member, elected_salience otherwise"
        origins["salience"] = "rule"


def _profile(
    code: str,
    layers: list[_Layer],
    codes: list[str],
    presets: dict[str, MemberSpec],
    year: int | None,
    spec: ScenarioSpec,
    label: str,
    problems: list[str],
) -> MemberProfile | None:
    """Merge a member's layers into its profile, noting where each stance came from."""
    merged = _merge_layers(layers)
    sources: dict[str, str] = {}
    override = spec.members.get(code)
    if override is not None:
        _check_ties(code, override, codes, presets, label, problems)
        if override.source:
            sources["member"] = override.source
    if code not in presets:
        _fill_without_preset(code, merged)
    values = merged.values
    needs_position = "pressure" not in values or "reciprocity" not in values
    found = merged.position
    if needs_position and found is None and year is not None:
        found = position(code, year)
    missing = _missing(values, needs_position and found is None)
    if missing:
        where = f"members.{code}" if code in spec.members else f"council: {code}"
        problems.append(f"{label}: {where}: no preset for this member; give {', '.join(missing)}")
        return None
    _note_derived(merged, found if needs_position else None, sources)
    return MemberProfile(
        code=code,
        name=values["name"],
        permanent=values["permanent"],
        stances={key: values[key] for key in STANCE_FIELDS if key in values},
        ties={other: w for other, w in merged.ties.items() if other in codes and other != code},
        note=merged.note,
        sources=sources,
        position=found if needs_position else None,
        origins={key: merged.origins[key] for key in STANCE_FIELDS if key in merged.origins},
        human_rights=_human_rights(code, year, merged),
    )


def _human_rights(code: str, year: int | None, merged: _Merged) -> float:
    """The member's position on the DPRK's human rights: what its layers give (a ``human_rights``
    key in a preset or the file, a template's vote), else its own General Assembly vote on the
    DPRK human-rights resolution, the latest up to ``year`` (+1, 0, -1); 0 where none is recorded."""
    if merged.human_rights is not None:
        return merged.human_rights
    found = position(code, year) if year is not None else None
    return float(found.dprk_vote) if found is not None and found.dprk_vote_year is not None else 0.0


# ------------------------------------------------------------------------------------ council


def _presets(
    spec: ScenarioSpec, label: str, base_dir: Path, problems: list[str]
) -> tuple[dict[str, MemberSpec], dict[str, str]]:
    """The built-in presets with the scenario's preset file over them, and where each came from."""
    presets = dict(builtin_members())
    preset_origin: dict[str, str] = {}
    if spec.council.preset:
        try:
            from_file = load_preset(base_dir / spec.council.preset)
            presets.update(from_file)
            preset_origin.update({code: f"preset {spec.council.preset}" for code in from_file})
        except ScenarioError as exc:
            problems.extend(f"{label}: council.preset: {problem}" for problem in exc.problems)
    return presets, preset_origin


def council_codes(spec: ScenarioSpec, label: str) -> list[str]:
    """Who sits: the five permanent members and a year's elected ten, or the file's list."""
    if spec.council.year is None:
        return list(spec.council.members or [])
    councils = builtin_councils()
    if spec.council.year not in councils:
        known = ", ".join(str(y) for y in sorted(councils))
        raise ScenarioError(
            [f"{label}: council.year: no preset council for {spec.council.year} (known: {known})"]
        )
    return list(PERMANENT_MEMBERS) + sorted(councils[spec.council.year]["elected"])


def _check_size(spec: ScenarioSpec, codes: list[str], label: str, problems: list[str]) -> None:
    quota = spec.council.quota
    if quota is None and len(codes) != 15:
        problems.append(
            f"{label}: council: {len(codes)} members; the Charter's council has 15 "
            "(set council.quota to study another size)"
        )
    if quota is not None and quota > len(codes):
        problems.append(f"{label}: council.quota: {quota} exceeds the {len(codes)} members")


def _check_sponsors(spec: ScenarioSpec, codes: list[str], label: str, problems: list[str]) -> None:
    for index, sponsor in enumerate(spec.proposal.sponsors):
        if sponsor not in codes:
            problems.append(f"{label}: proposal.sponsors.{index}: {sponsor} is not on this council")


WHY_NOT: dict[str, str] = {  # why a record outside DecisionRule.possible_outcomes cannot be
    "resolution": "a draft resolution is vetoed by a permanent member's no, or fails short of nine votes",
    "procedural": "a procedural vote knows no veto (Art. 27(2)): under nine votes in favour it fails",
    "committee": "a committee decides by consensus: one member's hold blocks it, and nothing is vetoed",
    "statement": "a statement needs every member's agreement: one objection blocks it, and nothing is vetoed",
}


def _check_history(
    spec: ScenarioSpec, codes: list[str], permanent: set[str], label: str, problems: list[str]
) -> None:
    """The record names only members of this council, its tally agrees with its votes, and it
    agrees with itself: vetoing (blocking) members only for a vetoed (blocked) draft, vetoes cast
    by permanent members voting no. compare reads vetoed_by only of a vetoed draft, so an
    "adopted" record naming a vetoer was scored without a word."""
    history = spec.history
    if history is None:
        return
    kind = spec.proposal.kind
    rule = rule_for(kind, spec.council.quota)
    possible = rule.possible_outcomes()
    if history.outcome not in possible:
        problems.append(
            f"{label}: history.outcome: a {kind} can be {', '.join(repr(o) for o in possible)}, "
            f"got {history.outcome!r} ({WHY_NOT[kind]})"
        )
    if rule.consensus and (history.tally or history.votes):
        key = "tally" if history.tally else "votes"
        problems.append(
            f"{label}: history.{key}: a {kind} is agreed by consensus, with no recorded vote: "
            "name who objected in history.blocked_by"
        )
    for key, outcome in (("vetoed_by", "vetoed"), ("blocked_by", "blocked")):
        named = getattr(history, key)
        for code in named:
            if code not in codes:
                problems.append(f"{label}: history.{key}: {code} is not on this council")
        if named and history.outcome != outcome:
            problems.append(
                f"{label}: history.{key}: only a {outcome} draft has {outcome.replace('ed', 'ing')} "
                f"members, and history.outcome is {history.outcome!r}"
            )
    for code in history.vetoed_by:
        if code in codes and code not in permanent:
            problems.append(f"{label}: history.vetoed_by: {code} is not a permanent member (only they veto)")
        elif history.votes.get(code, "no") != "no":
            problems.append(
                f"{label}: history.vetoed_by: {code} voted {history.votes[code]!r} in history.votes, "
                "and a veto is a permanent member's 'no'"
            )
    for code in history.votes:
        if code not in codes:
            problems.append(f"{label}: history.votes.{code}: not on this council")
    if history.tally and history.votes and len(history.votes) == len(codes):
        counts = [list(history.votes.values()).count(v) for v in ("yes", "no", "abstain")]
        if "-".join(map(str, counts)) != history.tally:
            problems.append(
                f"{label}: history.tally: {history.tally} disagrees with history.votes "
                f"({'-'.join(map(str, counts))})"
            )


def resolve_council(spec: ScenarioSpec, label: str, base_dir: Path) -> list[MemberProfile]:
    """Every member's profile, in council order; all problems found are raised together."""
    problems: list[str] = []
    presets, preset_origin = _presets(spec, label, base_dir, problems)
    codes = council_codes(spec, label)
    for code in spec.members:
        if code not in codes:
            problems.append(f"{label}: members.{code}: not on this council ({', '.join(codes)})")
    year = decision_year(spec)
    profiles: list[MemberProfile] = []
    for code in codes:
        layers = _member_layers(code, spec, presets, preset_origin, year, label, problems)
        profile = _profile(code, layers, codes, presets, year, spec, label, problems)
        if profile is not None:
            profiles.append(profile)
    _check_size(spec, codes, label, problems)
    _check_sponsors(spec, codes, label, problems)
    _check_history(spec, codes, {p.code for p in profiles if p.permanent}, label, problems)
    if problems:
        raise ScenarioError(problems)
    return profiles
