"""Voting power computed from the rules as implemented, against the classic figures and an
independent implementation (powerindex's weighted-game algorithm)."""

from fractions import Fraction

import numpy as np
import pytest

from sim.power import power_indices
from sim.rules import RULES

PERMANENT = np.array([True] * 5 + [False] * 10)
CODES = [f"M{i}" for i in range(15)]


def test_resolution_shapley_shubik_classic_figures():
    indices = power_indices(RULES["resolution"], PERMANENT, CODES)
    assert indices.shapley_shubik[:5] == [Fraction(421, 2145)] * 5
    assert indices.shapley_shubik[5:] == [Fraction(4, 2145)] * 10
    assert sum(indices.shapley_shubik) == 1
    assert indices.winning_coalitions == 848  # sum over k=4..10 of C(10, k)


def test_resolution_banzhaf_classic_figures():
    indices = power_indices(RULES["resolution"], PERMANENT, CODES)
    assert float(indices.banzhaf[0]) == pytest.approx(0.1669, abs=5e-5)
    assert float(indices.banzhaf[5]) == pytest.approx(0.0165, abs=5e-5)


def test_agrees_with_powerindex_weighted_game():
    powerindex = pytest.importorskip("powerindex")
    game = powerindex.Game(quota=39, weights=[7] * 5 + [1] * 10)
    game.calc_shapley_shubik()
    game.calc_banzhaf()
    indices = power_indices(RULES["resolution"], PERMANENT, CODES)
    assert [float(x) for x in indices.shapley_shubik] == pytest.approx(game.shapley_shubik, abs=1e-12)
    assert [float(x) for x in indices.banzhaf] == pytest.approx(game.banzhaf, abs=1e-12)


@pytest.mark.parametrize("kind", ["procedural", "committee", "statement"])
def test_symmetric_rules_give_equal_power(kind):
    indices = power_indices(RULES[kind], PERMANENT, CODES)
    assert indices.shapley_shubik == [Fraction(1, 15)] * 15


def test_procedural_winning_coalitions_are_those_of_nine_or_more():
    from math import comb

    indices = power_indices(RULES["procedural"], PERMANENT, CODES)
    assert indices.winning_coalitions == sum(comb(15, k) for k in range(9, 16))
