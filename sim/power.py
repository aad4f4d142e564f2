"""Voting power of each member, computed exactly from the rules as implemented.

Every coalition of the council is enumerated (2^15 = 32,768): its members vote yes, the others
no, and :func:`sim.rules.decide` says whether the draft passes. So the indices describe the
rule the simulator actually applies, not a weighted-game shortcut of it. Fractions are exact.

- Shapley-Shubik: the share of the n! orderings in which a member is pivotal; a member i is
  pivotal after coalition S (not containing i) with probability |S|! (n - |S| - 1)! / n!.
- Banzhaf (normalised): a member's swings (winning coalitions that lose without it) over all
  members' swings.
Classic figures for the 15-member council under Art. 27(3): Shapley-Shubik 421/2145 for each
permanent member, 4/2145 for each elected one.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import factorial

import numpy as np

from sim.rules import NO, YES, DecisionRule, Outcome, decide

MAX_ENUMERATED_MEMBERS = 20
"""2^20 coalitions is about a million: beyond this, enumeration is not the right tool."""


@dataclass(frozen=True)
class PowerIndices:
    codes: list[str]
    shapley_shubik: list[Fraction]
    banzhaf: list[Fraction]
    swings: list[int]
    winning_coalitions: int


def winning_coalitions(rule: DecisionRule, permanent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All coalitions as bit masks, and whether each passes when its members vote yes and the
    rest vote no."""
    n = len(permanent)
    if n > MAX_ENUMERATED_MEMBERS:
        raise ValueError(f"{n} members: too many to enumerate (at most {MAX_ENUMERATED_MEMBERS})")
    masks = np.arange(1 << n, dtype=np.int64)
    members_in = (masks[None, :] >> np.arange(n)[:, None]) & 1
    votes = np.where(members_in == 1, YES, NO).astype(np.int8)
    passed = decide(rule, votes, np.asarray(permanent, dtype=bool)).outcome == Outcome.ADOPTED
    return masks, passed


def power_indices(rule: DecisionRule, permanent: np.ndarray, codes: list[str]) -> PowerIndices:
    """Exact Shapley-Shubik and normalised Banzhaf indices under ``rule``."""
    n = len(permanent)
    masks, passed = winning_coalitions(rule, permanent)
    sizes = np.array([bin(int(m)).count("1") for m in masks])
    n_factorial = factorial(n)
    weight_by_size = [Fraction(factorial(s) * factorial(n - s - 1), n_factorial) for s in range(n)]
    shapley: list[Fraction] = []
    swings: list[int] = []
    for i in range(n):
        bit = 1 << i
        without = masks[(masks & bit) == 0]
        pivotal = passed[without | bit] & ~passed[without]
        swings.append(int(pivotal.sum()))
        counts = np.bincount(sizes[without][pivotal], minlength=n)
        shapley.append(sum((int(counts[s]) * weight_by_size[s] for s in range(n)), Fraction(0)))
    total_swings = sum(swings)
    banzhaf = [Fraction(s, total_swings) if total_swings else Fraction(0) for s in swings]
    return PowerIndices(
        codes=list(codes),
        shapley_shubik=shapley,
        banzhaf=banzhaf,
        swings=swings,
        winning_coalitions=int(passed.sum()),
    )


def council_seats(year: int | None = None) -> tuple[list[str], np.ndarray]:
    """The fifteen codes, the five permanent members first, then a preset year's elected ten
    (sorted) or E1 ... E10 without a year; and which of them are permanent."""
    from sim.errors import InputError
    from sim.presets import PERMANENT_MEMBERS, builtin_councils

    if year is not None:
        councils = builtin_councils()
        if year not in councils:
            raise InputError(
                [f"year: no preset council for {year} (known: {', '.join(map(str, sorted(councils)))})"]
            )
        elected = sorted(councils[year]["elected"])
    else:
        elected = [f"E{i}" for i in range(1, 11)]
    return list(PERMANENT_MEMBERS) + elected, np.array([True] * 5 + [False] * 10)


def power_table(rule_name: str, indices: PowerIndices, permanent: np.ndarray) -> dict:
    """The indices as plain data (``unsc-sim power --json``): exact fractions as strings beside
    their values."""
    return {
        "rule": rule_name,
        "winning_coalitions": indices.winning_coalitions,
        "members": [
            {
                "code": code,
                "permanent": bool(perm),
                "shapley_shubik": str(ss),
                "shapley_shubik_value": float(ss),
                "banzhaf": str(bz),
                "banzhaf_value": float(bz),
                "swings": swings,
            }
            for code, perm, ss, bz, swings in zip(
                indices.codes, permanent, indices.shapley_shubik, indices.banzhaf, indices.swings
            )
        ],
    }


def format_power(rule: DecisionRule, indices: PowerIndices, permanent: np.ndarray) -> str:
    """The indices as text, one member a line, each index exact and as a decimal."""
    lines = [
        f"Voting power under {rule.description}",
        f"  {indices.winning_coalitions:,} winning coalitions of {2 ** len(indices.codes):,}",
        f"  {'member':<8} {'Shapley-Shubik':>24} {'Banzhaf (normalised)':>28}",
    ]
    for code, perm, ss, bz in zip(indices.codes, permanent, indices.shapley_shubik, indices.banzhaf):
        label = f"{code}{' (P5)' if perm else ''}"
        lines.append(f"  {label:<10} {str(ss):>12} = {float(ss):.5f} {str(bz):>16} = {float(bz):.5f}")
    return "\n".join(lines)
