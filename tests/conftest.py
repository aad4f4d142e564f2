"""Shared fixtures: the bundled scenarios and a writer for small scenario files."""

from __future__ import annotations

import itertools
import os
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
HISTORY = SCENARIOS / "history"
OIL_CAP_2022 = HISTORY / "2022-05-26-s-2022-431.toml"
RES_2397 = HISTORY / "2017-12-22-s-res-2397.toml"
COMMITTEE_2018 = HISTORY / "2018-07-19-committee-refined-halt.toml"
STATEMENT_2018 = HISTORY / "2018-06-28-press-statement.toml"
RELIEF_2019 = HISTORY / "2019-12-16-relief-draft.toml"
RENEWAL_2019 = HISTORY / "2019-04-10-s-res-2464.toml"
NEGOTIATED = SCENARIOS / "negotiated"
BASELINE_NAMES = {"last_vote", "p5_opposition", "weighted_mean", "regime_break", "same_kind"}
"""The baselines compare and calibrate --rolling score, by their JSON names."""

MINIMAL = """
[scenario]
name = "test"

[council]
year = 2022

[proposal]
kind = "resolution"
title = "test draft"
sponsors = ["USA"]

[[proposal.measures]]
type = "crude_oil_cap"
from = 4_000_000
to = 3_000_000

[context]
date = "2022-05-26"
status_quo_pressure = 0.7
"""


@pytest.fixture
def write_scenario(tmp_path):
    """Write a scenario file from text (dedented) and return its path."""

    def write(text: str = MINIMAL, name: str = "x.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return write


def local_dask_cluster():
    """A one-worker dask cluster in this process on loopback (skips the test without dask)."""
    distributed = pytest.importorskip("distributed")
    return distributed.LocalCluster(
        n_workers=1,
        processes=False,
        threads_per_worker=1,
        host="127.0.0.1",
        protocol="tcp",
        dashboard_address=None,
    )


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, hand out tests two at a time (``--maxschedchunk 2`` unless given): by
    default each process starts with a quarter of its share, so that both tests marked ``long``
    (four minutes together) landed on the first process, queued in front of a hundred others."""
    if config.pluginmanager.hasplugin("xdist") and config.getoption("maxschedchunk", None) is None:
        config.option.maxschedchunk = 2


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``long`` are put first, each followed by one other test, so that ``pytest
    -n 2``, which starts each process with two tests (``pytest_configure``), starts one long test
    on each process at once instead of leaving one process alone with minutes of work at the end
    (CI's time limit); the other process meanwhile takes the rest.

    ``.ci/run`` runs the suite on a second Python with ``UNSC_SIM_REPEAT_RUN`` set: the long
    reproductions of shipped data (the calibration, the General Assembly positions), the same
    computation on any interpreter, ran on the first and are skipped there."""
    long = [item for item in items if item.get_closest_marker("long") is not None]
    rest = [item for item in items if item.get_closest_marker("long") is None]
    paired = [test for pair in itertools.zip_longest(long, rest[: len(long)]) for test in pair if test]
    items[:] = paired + rest[len(long) :]  # the order kept otherwise
    if not os.environ.get("UNSC_SIM_REPEAT_RUN"):
        return
    skip = pytest.mark.skip(reason="same on every Python: run on .ci/run's first Python")
    for item in items:
        if item.get_closest_marker("same_on_every_python") is not None:
            item.add_marker(skip)
