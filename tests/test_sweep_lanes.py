"""The lanes engine (sim/sweep/lanes.py): a block of sweep points as lanes of one model gives
the per-point engine's distributions, the full-width model's numbers, and one table for any
number of workers."""

import copy

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sim.sweep as sweep_module
from sim.cli import app
from sim.presets import read_toml as _read_toml
from sim.results import read_metadata
from sim.rules import Outcome
from sim.runner import simulate_chunk
from sim.scenario import load_scenario, scenario_from_dict
from sim.sweep import SweepError, _save_unit, load_sweep, run_sweep, sweep_table, work_dir_for
from sim.sweep.design import DesignError
from sim.sweep.lanes import (
    blocks,
    has_random_stances,
    lane_model,
    lane_scenario,
    measure_lanes,
    run_lane_unit,
    simulate_block,
)
from sim.sweep.table import lane_sweep_table

from .conftest import COMMITTEE_2018, NEGOTIATED, OIL_CAP_2022, RELIEF_2019, local_dask_cluster

KEYS = [
    "members.CHN.pressure",
    "decision.noise_scale",
    "context.great_power_tension",
    "negotiation.softening_step",
]
VALUES = np.array([[0.2, 0.5, 0.55, 0.9], [0.5, 1.0, 1.5, 2.0], [0.1, 0.5, 0.9, 1.0], [0.1, 0.2, 0.3, 0.5]])


def _first_draft(path, rounds=4):
    raw = _read_toml(path, str(path))
    return scenario_from_dict(
        raw, str(path), path.parent, overrides={"proposal.draft": "first", "negotiation.rounds": rounds}
    )


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(lambda: load_scenario(OIL_CAP_2022), id="final-draft"),
        pytest.param(lambda: _first_draft(OIL_CAP_2022), id="rounds-of-talks"),
        pytest.param(lambda: _first_draft(RELIEF_2019), id="another-sponsor-withdraws-vetoed"),
        pytest.param(lambda: _first_draft(COMMITTEE_2018), id="consensus"),
    ],
)
def test_a_compact_block_is_the_full_width_model_number_for_number(scenario):
    base = scenario()
    replicates = 700
    votes, outcome = simulate_block(base, KEYS, VALUES, replicates, seed=11)
    full = simulate_chunk(
        lane_scenario(base, KEYS, np.repeat(VALUES, replicates, axis=1)), 4 * replicates, 11
    )
    assert np.array_equal(votes, full.votes)
    assert np.array_equal(outcome, full.outcome)
    shares = [np.bincount(outcome[i * replicates : (i + 1) * replicates], minlength=5) for i in range(4)]
    if not (outcome == Outcome.WITHDRAWN).all():  # (the relief draft is always withdrawn: a US veto)
        assert len({tuple(s) for s in shares}) > 1  # the values reach the lanes: points differ


def test_a_random_stance_left_unswept_runs_the_full_width_model():
    raw = _read_toml(OIL_CAP_2022, str(OIL_CAP_2022))
    base = scenario_from_dict(
        raw,
        str(OIL_CAP_2022),
        OIL_CAP_2022.parent,
        overrides={"members.RUS.pressure": {"low": 0.0, "high": 0.6}},
    )
    assert has_random_stances(base)
    assert not has_random_stances(lane_scenario(base, ["members.RUS.pressure"], np.array([[0.3, 0.4]])))
    votes, outcome = simulate_block(base, KEYS, VALUES, 300, seed=2)
    assert votes.shape == (15, 1200) and outcome.shape == (1200,)
    # a measure's magnitude per lane on the full-width model: a deeper cut (the first draft's 2M)
    # against a token one (a crude ban would not reach nine votes and be withdrawn: no votes cast)
    votes, outcome = simulate_block(
        base, ["proposal.measures.0.to"], np.array([[2_000_000.0, 3_990_000.0]]), 2000, seed=3
    )
    deep, token = (np.mean(votes[0, i * 2000 : (i + 1) * 2000] == -1) for i in range(2))
    assert deep > token + 0.03  # China says no to the deeper cut more often (0.99 against 0.92 here)


def test_blocks_cover_every_point_and_replicate_once():
    for points, replicates, lanes in [(10, 3, 7), (5, 20, 7), (3, 1000, 400), (1, 1, 50)]:
        seen = np.zeros((points, replicates), dtype=int)
        for block in blocks(points, replicates, lanes):
            assert block.lanes <= max(lanes, replicates)
            seen[block.first : block.first + block.count, block.start : block.stop] += 1
        assert (seen == 1).all()


def _lanes_sweep(path=OIL_CAP_2022, **kwargs):
    settings = dict(
        params=["members.CHN.pressure=0.4:0.6:3", "context.great_power_tension=0,1"],
        replicates=4000,
        seed=3,
        engine="lanes",
    )
    settings.update(kwargs)
    return load_sweep(path, **settings)


def test_the_lanes_engine_gives_the_per_point_distributions(tmp_path):
    lanes = run_sweep(_lanes_sweep(), tmp_path / "lanes.parquet").frame
    points = run_sweep(_lanes_sweep(engine="points"), tmp_path / "points.parquet").frame
    assert lanes["CHN_no"].max() - lanes["CHN_no"].min() > 0.3  # the points differ: a mix-up would show
    for column in ("p_vetoed", "p_adopted", "CHN_no", "RUS_no", "CHN_abstain"):
        a, b = lanes[column].to_numpy(), points[column].to_numpy()
        pooled = (a + b) / 2
        se = np.sqrt(np.maximum(pooled * (1 - pooled), 1e-4) * 2 / 4000)
        assert np.all(np.abs(a - b) < 4.5 * se), column
    assert (lanes["replicates"] == 4000).all()
    assert list(lanes.columns) == list(points.columns)
    assert read_metadata(tmp_path / "lanes.parquet")["engine"] == "lanes"


def test_one_and_two_workers_give_the_same_table(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_module.plan, "MIN_UNIT_LANES", 1)  # many units, as a big sweep has
    sweep = _lanes_sweep(
        replicates=150,
        chunk_lanes=400,
        params=["members.CHN.pressure=0:1", "decision.noise_scale=0.5:2"],
        design="random",
        samples=40,
    )
    one = run_sweep(sweep, tmp_path / "one.parquet", workers=1)
    two = run_sweep(sweep, tmp_path / "two.parquet", workers=2)
    assert one.units > 4
    pd.testing.assert_frame_equal(one.frame, two.frame)
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()
    other = run_sweep(
        _lanes_sweep(
            replicates=150,
            chunk_lanes=400,
            seed=4,
            design="random",
            samples=40,
            params=["members.CHN.pressure=0:1", "decision.noise_scale=0.5:2"],
        ),
        tmp_path / "other.parquet",
    )
    assert not one.frame["CHN_no"].equals(other.frame["CHN_no"])  # another seed, other numbers


class Stop(Exception):
    pass


def test_a_dask_cluster_and_a_resumed_run_give_the_same_table(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_module.plan, "MIN_UNIT_LANES", 1)
    sweep = _lanes_sweep(
        replicates=150,
        chunk_lanes=400,
        design="random",
        samples=40,
        params=["members.CHN.pressure=0:1", "decision.noise_scale=0.5:2"],
    )
    whole = tmp_path / "whole.parquet"
    run_sweep(sweep, whole)
    finished: list[int] = []

    def stop_after_three(index: int) -> None:
        finished.append(index)
        if len(finished) == 3:
            raise Stop

    out = tmp_path / "resumed.parquet"
    with pytest.raises(Stop):
        run_sweep(sweep, out, on_unit=stop_after_three)
    assert not out.exists()
    again = run_sweep(sweep, out)
    assert again.units_resumed == 3 and out.read_bytes() == whole.read_bytes()
    with local_dask_cluster() as cluster:
        run_sweep(sweep, tmp_path / "dask.parquet", scheduler=cluster.scheduler_address)
    assert (tmp_path / "dask.parquet").read_bytes() == whole.read_bytes()


def test_a_point_split_over_blocks_is_counted_once(tmp_path):
    report = run_sweep(_lanes_sweep(replicates=1000, chunk_lanes=300), tmp_path / "split.parquet")
    assert (report.frame["replicates"] == 1000).all()
    shares = report.frame[
        [c for c in report.frame if c.startswith("p_") and not c.endswith(("_low", "_high"))]
    ]
    assert np.allclose(shares.sum(axis=1), 1.0)


def test_the_array_table_is_the_point_by_point_table(tmp_path):
    sweep = _lanes_sweep(replicates=200, chunk_lanes=500)
    work = tmp_path / "work"
    work.mkdir()
    units = sweep.units()
    from sim.sweep.lanes import lane_tasks

    for task in lane_tasks(sweep, units):
        _save_unit(work, task.index, run_lane_unit(task))
    pd.testing.assert_frame_equal(lane_sweep_table(sweep, work, units), sweep_table(sweep, work, units))


def test_keys_that_cannot_go_per_lane_are_named(tmp_path):
    with pytest.raises(DesignError) as caught:
        load_sweep(OIL_CAP_2022, ["negotiation.rounds=0:4:5", "members.CHN.ties.RUS=0,1"], engine="lanes")
    assert len(caught.value.problems) == 2
    assert "negotiation.rounds" in caught.value.problems[0] and "`engine` points" in caught.value.problems[0]
    with pytest.raises(SweepError, match="per_lane"):
        run_sweep(_lanes_sweep(replicates=10), tmp_path / "x.parquet", per_lane=True)
    assert not (tmp_path / "x.parquet").exists() and not work_dir_for(tmp_path / "x.parquet").exists()
    import dataclasses

    with pytest.raises(
        SweepError, match="posterior: not with"
    ):  # its lanes hold parameter draws, ours points
        run_sweep(
            dataclasses.replace(_lanes_sweep(replicates=10), posterior=object()), tmp_path / "x.parquet"
        )


def test_a_measure_per_lane_needs_a_final_draft():
    with pytest.raises(Exception) as caught:
        load_sweep(
            NEGOTIATED / "2022-05-26-s-2022-431-first-draft.toml",
            ["proposal.measures.0.to=0:1000000:3"],
            engine="lanes",
        )
    assert "proposal.measures.0.to: a measure goes per lane only for a final draft" in str(
        caught.value.problems
    )


def test_a_bad_value_is_found_without_building_every_point():
    with pytest.raises(Exception) as caught:
        load_sweep(OIL_CAP_2022, ["members.CHN.pressure=0:1.2:7"], engine="lanes")
    assert "members.CHN.pressure" in str(caught.value.problems) and "1.2" in str(caught.value.problems)


def test_the_command_takes_the_engine(tmp_path):
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(OIL_CAP_2022),
            "--param",
            "members.CHN.pressure=0:1:5",
            "-n",
            "200",
            "--engine",
            "lanes",
            "--out",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 5


LANE_KEYS = {
    "members.CHN.pressure": [0.3, 0.6],
    "members.RUS.reciprocity": [0.2, 0.9],
    "members.CHN.veto_cost": [0.1, 0.8],
    "members.GHA.salience": [0.2, 1.0],
    "members.RUS.noise": [0.05, 0.4],
    "decision.provocation_half_life_days": [100.0, 2000.0],
    "decision.ga_pressure_mid": [0.2, 0.9],
    "decision.elected_salience": [0.1, 0.9],
    "decision.stake_weight": [5.0, 60.0],
    "negotiation.min_text_scale": [0.2, 0.8],
    "negotiation.softening_step": [0.1, 0.6],
    "context.great_power_tension": [0.1, 0.9],
    "context.provocation": [0.5, 3.0],
    "context.unreciprocated_steps": [0.0, 2.0],
    "proposal.measures.0.to": [1_000_000.0, 3_500_000.0],
    "proposal.measures.1.from": [400_000.0, 900_000.0],
}


@pytest.mark.parametrize("key", sorted(LANE_KEYS))
def test_a_lane_holds_exactly_the_scenario_with_its_value_set(key):
    """Before the vote everything is deterministic: each lane's vote probabilities are those of
    the point's own scenario (the file with the value set), for every kind of lane key."""
    from sim.likelihood import negotiated_model

    raw = _read_toml(OIL_CAP_2022, str(OIL_CAP_2022))
    talks = not key.startswith("proposal.measures")  # a measure goes per lane in a final draft only
    settings = {"proposal.draft": "first", "negotiation.rounds": 3} if talks else {}
    base = scenario_from_dict(raw, str(OIL_CAP_2022), OIL_CAP_2022.parent, overrides=settings)
    values = np.array([LANE_KEYS[key]])
    model = lane_model(lane_scenario(base, [key], values), 2, 0, measure_lanes(base, [key], values))
    while model.round < model.rounds:
        model.step()
    lanes = model.vote_probabilities()
    for j, value in enumerate(LANE_KEYS[key]):
        point = scenario_from_dict(
            copy.deepcopy(raw), str(OIL_CAP_2022), OIL_CAP_2022.parent, overrides={**settings, key: value}
        )
        alone = negotiated_model(point, lanes=1).vote_probabilities()
        for lane_p, point_p in zip(lanes, alone):
            # within the equilibrium's tolerance (1e-10): a model iterates until all its lanes settle
            assert np.allclose(lane_p[:, j], point_p[:, 0], rtol=0, atol=1e-9), key
    if key != "context.unreciprocated_steps":  # shown with the situation; the model no longer reads it
        assert any(not np.array_equal(p[:, 0], p[:, 1]) for p in lanes), key  # the value reaches the lane
