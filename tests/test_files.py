"""Atomic writes: the target holds the whole new content or is untouched, never a part."""

import os

import pytest

from sim.files import atomic_write, atomic_write_text


def test_writes_the_content_with_the_usual_mode_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "deep" / "out.txt"
    atomic_write_text(target, "hello")
    assert target.read_text() == "hello"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_a_failing_write_leaves_no_file_and_keeps_an_old_one(tmp_path):
    def half_then_fail(temporary):
        temporary.write_text("half")
        raise RuntimeError("interrupted")

    fresh = tmp_path / "fresh.csv"
    with pytest.raises(RuntimeError):
        atomic_write(fresh, half_then_fail)
    assert list(tmp_path.iterdir()) == []

    old = tmp_path / "old.csv"
    old.write_text("complete old content")
    with pytest.raises(RuntimeError):
        atomic_write(old, half_then_fail)
    assert old.read_text() == "complete old content"
    assert [p.name for p in tmp_path.iterdir()] == ["old.csv"]
