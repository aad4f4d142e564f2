"""How the suite is handed to ``pytest -n 2`` (``tests/conftest.py``): CI's ten minutes hang on it.

Both tests marked ``long`` (the README's rolling forecast, four minutes; the refit of the shipped
parameters, most of one) once landed on the first process, queued in front of a hundred others,
while the second ran out of work: the suite took as long as the two together plus that hundred.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .conftest import pytest_collection_modifyitems


@dataclass
class FakeItem:
    name: str
    long: bool = False

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name == "long" and self.long else None


def _order(items: list[FakeItem]) -> list[str]:
    pytest_collection_modifyitems(None, items)  # type: ignore[arg-type]
    return [item.name for item in items]


def test_each_long_test_leads_a_pair_so_two_processes_start_one_each():
    items = [FakeItem("a"), FakeItem("L1", True), FakeItem("b"), FakeItem("c"), FakeItem("L2", True)]
    # handed out two at a time: the first process gets (L1, a), the second (L2, b)
    assert _order(items) == ["L1", "a", "L2", "b", "c"]


def test_no_test_is_lost_when_long_tests_outnumber_the_rest():
    assert _order([FakeItem("L1", True), FakeItem("L2", True), FakeItem("a")]) == ["L1", "a", "L2"]
    assert _order([FakeItem("L1", True)]) == ["L1"]
    assert _order([FakeItem("a"), FakeItem("b")]) == ["a", "b"]


def test_tests_are_handed_out_two_at_a_time_under_xdist(request: pytest.FixtureRequest):
    if not request.config.pluginmanager.hasplugin("xdist"):
        pytest.skip("pytest-xdist is not installed")
    assert request.config.getoption("maxschedchunk") == 2
