"""Compact per-lane state: it reads like full arrays and gives exactly the numbers that full
per-lane arrays give."""

import numpy as np
import pytest

from sim.lanes import PerLane, common_lanes, full_lanes
from sim.model import CouncilModel
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


RUSSIA_OPPOSED = {"members.RUS.pressure": 0.0, "members.RUS.reciprocity": 1.0,
                  "members.RUS.veto_cost": 0.0, "members.RUS.salience": 1.0}
"""Makes Russia's veto certain before the vote, whatever the stance presets say."""


@pytest.mark.parametrize(
    "overrides, expect",
    [
        ({"negotiation.rounds": 3, "members.IND.noise": 1.0}, "votes vary"),
        ({"negotiation.strategy": "seek_adoption", "negotiation.rounds": 5, "members.IND.noise": 1.0,
          **RUSSIA_OPPOSED}, "softened"),
        ({"negotiation.strategy": "withdraw_if_vetoed", "negotiation.rounds": 2, **RUSSIA_OPPOSED},
         "withdrawn"),
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
    assert compact.member("USA")._ideal_pressure.shape == (1,)  # the fast path was taken
    monkeypatch.setattr(Stance, "is_random", property(lambda self: True))
    full = _run(scenario, lanes=2_000, seed=11)
    assert full.member("USA")._ideal_pressure.shape == (2_000,)
    assert np.array_equal(compact.votes, full.votes)
    assert np.array_equal(compact.outcome.outcome, full.outcome.outcome)
    assert np.array_equal(compact.outcome.defeated_by, full.outcome.defeated_by)
    assert np.array_equal(compact.text_scale, full.text_scale)
    assert np.array_equal(compact.withdrawn, full.withdrawn)
    assert compact.datacollector.get_model_vars_dataframe().equals(
        full.datacollector.get_model_vars_dataframe()
    )
    # each case exercises what it is there for
    if expect == "votes vary":
        assert len({tuple(column) for column in compact.votes.T[:200]}) > 1
    elif expect == "softened":
        assert compact.text_scale.max() < 1.0 and len({tuple(c) for c in compact.votes.T[:200]}) > 1
    else:
        assert compact.withdrawn.all()


def test_public_attributes_keep_their_per_lane_shape():
    scenario = load_scenario(OIL_CAP_2022, overrides={"members.CHN.pressure": {"low": 0.3, "high": 0.9}})
    model = _run(scenario, lanes=50, seed=2)
    china, usa = model.member("CHN"), model.member("USA")
    assert china._pressure.shape == (50,) and len(set(china.pressure)) == 50  # drawn per lane
    for member in (china, usa):
        for name in ("pressure", "reciprocity", "veto_cost", "salience", "noise",
                     "ideal_pressure", "ideal_reciprocity", "effective_veto_cost"):
            assert getattr(member, name).shape == (50,), name
        assert member.support().shape == (50,)
        assert member.vote.shape == (50,) and member.vote.dtype == np.int8
    assert model.text_scale.shape == (50,) and model.withdrawn.shape == (50,)
    assert model.predicted_votes().shape == (15, 50)
