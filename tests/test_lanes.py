"""Compact per-lane state: it reads like full arrays and gives exactly the numbers that full
per-lane arrays give."""

import numpy as np
import pytest

from sim.lanes import PerLane, common_lanes, full_lanes
from sim.model import CouncilModel
from sim.rules import Outcome
from sim.scenario import Stance, load_scenario

from .conftest import MINIMAL, OIL_CAP_2022


class Holder:
    value = PerLane()

    def __init__(self, lanes: int) -> None:
        self.lanes = lanes


def test_compact_value_reads_as_a_read_only_full_view():
    holder = Holder(lanes=6)
    holder.value = np.array([0.25])
    assert holder._value.shape == (1,)
    view = holder.value
    assert view.shape == (6,) and np.all(view == 0.25)
    with pytest.raises(ValueError):
        view[0] = 1.0  # a broadcast view cannot be written through
    full = np.arange(6.0)
    holder.value = full
    assert holder.value is full


def test_helpers_broadcast_the_last_axis():
    compact = np.array([[1], [2]])
    assert full_lanes(compact, 3).tolist() == [[1, 1, 1], [2, 2, 2]]
    assert common_lanes(np.ones(1), np.ones(4), np.ones((2, 1))) == 4
    assert common_lanes(np.ones(1), np.ones((3, 1))) == 1


def _run(scenario, lanes: int, seed: int) -> CouncilModel:
    model = CouncilModel(scenario, lanes=lanes, rng=seed, collect=True)
    model.run_model()
    return model


RUSSIA_OPPOSED = {
    "members.RUS.pressure": 0.0,
    "members.RUS.reciprocity": 1.0,
    "members.RUS.salience": 1.0,
    "members.RUS.noise": 0.0,
}
"""Makes Russia oppose the draft outright, whatever the stance presets say; whether it vetoes
then turns on its veto cost."""

NOBODY_GOES_ALONG = {"decision.consensus_norm": -5.0, "decision.noise_scale": 0.05}
"""Every member's utility for the draft far below zero: fewer than nine in favour."""


@pytest.mark.parametrize(
    "overrides, expect",
    [
        ({"negotiation.rounds": 3, "members.IND.noise": 1.0}, "votes vary"),
        # a first draft: Russia's pressure stance drawn per lane, so the penholder softens
        # where Russia opposes the text and not where it supports it
        (
            {
                "proposal.draft": "first",
                "negotiation.rounds": 5,
                "members.IND.noise": 1.0,
                **RUSSIA_OPPOSED,
                "members.RUS.pressure": {"low": 0.0, "high": 1.0},
                "members.RUS.reciprocity": 0.0,
                "members.CHN.pressure": 1.0,
                "members.CHN.reciprocity": 0.0,
            },
            "softened",
        ),
        ({"proposal.draft": "first", "negotiation.rounds": 2, **NOBODY_GOES_ALONG}, "withdrawn"),
        ({"proposal.kind": "statement", "members.IND.noise": 1.0}, "votes vary"),
    ],
)
def test_compact_state_gives_the_numbers_full_arrays_give(monkeypatch, write_scenario, overrides, expect):
    """Run each scenario twice with the same seed: once as written (fixed stances stored once)
    and once with every stance forced to full per-lane arrays. A fixed stance draws no random
    numbers either way, so the two must agree exactly, lane by lane, including the
    penholder's softening and withdrawals and the data collector's records."""
    scenario = load_scenario(write_scenario(MINIMAL), overrides=overrides)
    compact = _run(scenario, lanes=2_000, seed=11)
    assert compact.member("USA")._effective_veto_cost.shape == (1,)  # the fast path was taken
    monkeypatch.setattr(Stance, "is_random", property(lambda self: True))
    full = _run(scenario, lanes=2_000, seed=11)
    assert full.member("USA")._effective_veto_cost.shape == (2_000,)
    assert np.array_equal(compact.votes, full.votes)
    assert np.array_equal(compact.outcome.outcome, full.outcome.outcome)
    assert np.array_equal(compact.outcome.defeated_by, full.outcome.defeated_by)
    assert np.array_equal(compact.text_scale, full.text_scale)
    assert np.array_equal(compact.withdrawn, full.withdrawn)
    records = compact.datacollector.get_model_vars_dataframe()
    full_records = full.datacollector.get_model_vars_dataframe()
    # the recorded mean P(adopted) is the mean of one number against the mean of 2,000 copies of
    # it (equal up to the rounding of the sum); every other record is exact
    assert np.allclose(records.pop("p_adopted"), full_records.pop("p_adopted"), rtol=1e-12, atol=0)
    assert records.equals(full_records)
    # each case exercises what it is there for
    if expect == "votes vary":
        assert len({tuple(column) for column in compact.votes.T[:200]}) > 1
    elif expect == "softened":
        scale = compact.text_scale
        assert scale.min() < 1.0 and scale.max() == 1.0  # softened in some lanes, not in others
        assert len({tuple(c) for c in compact.votes.T[:200]}) > 1
        # the penholder softened where Russia opposed the text: its pressure stance was lower there
        pressure = compact.member("RUS").pressure
        assert pressure[scale < 1].mean() < pressure[scale == 1].mean()
    else:
        assert compact.withdrawn.all()
        assert compact.text_scale.min() < 1.0  # softened in the talks before withdrawing
        assert set(compact.outcome.outcome.tolist()) == {Outcome.WITHDRAWN}


def test_public_attributes_keep_their_per_lane_shape():
    scenario = load_scenario(OIL_CAP_2022, overrides={"members.CHN.pressure": {"low": 0.3, "high": 0.9}})
    model = _run(scenario, lanes=50, seed=2)
    china, usa = model.member("CHN"), model.member("USA")
    assert china._pressure.shape == (50,) and len(set(china.pressure)) == 50  # drawn per lane
    for member in (china, usa):
        for name in (
            "pressure",
            "reciprocity",
            "veto_cost",
            "salience",
            "noise",
            "ideal_pressure",
            "ideal_reciprocity",
            "effective_veto_cost",
        ):
            assert getattr(member, name).shape == (50,), name
        assert member.support().shape == (50,)
        assert member.vote.shape == (50,) and member.vote.dtype == np.int8
    assert model.text_scale.shape == (50,) and model.withdrawn.shape == (50,)
    assert model.votes.shape == (15, 50)
    assert all(p.shape == (15, 50) for p in model.vote_probabilities())
