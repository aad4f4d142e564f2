"""The README's figures are the commands' real output.

A command whose output the README shows is marked (``check-slow`` for one that takes many
seconds, run only with ``UNSC_SIM_SLOW_TESTS=all``: the Sobol analysis, about 50 s, which
``.ci/run`` leaves out to keep CI under ten minutes), on the line before its output block, with

    <!-- check: unsc-sim run scenarios/history/2022-05-26-s-2022-431.toml --replicates 10000 --seed 1 -->

and this test runs it and checks that every line of the block (whitespace runs folded; "..."
lines, which mark an abridgement, skipped) appears in the output, in order. Lines that report
wall-clock time or speed are not compared: they differ from run to run by design.

The rolling-forecast table ("How well it predicts") is marked ``<!-- check-rolling -->``: its
rows are compared with ``calibrate --rolling --json``. That command refits the model 29 times
(about a minute), so it runs only when ``UNSC_SIM_SLOW_TESTS`` is set (``.ci/run`` sets it on the
first Python) or the test is selected by name.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MARK = re.compile(
    r"^<!-- check(?P<slow>-slow)?: (?P<command>.+?) -->\n```[a-z]*\n(?P<block>.*?)^```", re.M | re.S
)
ROLLING_MARK = re.compile(r"^<!-- check-rolling -->\n(?P<table>(?:\|.*\n)+)", re.M)
VOLATILE = re.compile(r"\d+(\.\d+)? ?(s|ms|seconds|minutes)\b|decisions/s|\bs on \d+ process|written to ")
"""Lines with a wall-clock time, a speed or an output path in them: not compared (a marked
command is run without its output options, so that the test writes nothing)."""
SLOW = os.environ.get("UNSC_SIM_SLOW_TESTS") == "all"


def _fold(line: str) -> str:
    return " ".join(line.split())


def marked_blocks(text: str, slow: bool = SLOW) -> list[tuple[str, list[str]]]:
    """(command, expected lines) for every marked output block of ``text``; a block marked
    ``check-slow`` (a command of many seconds) only when ``slow``."""
    blocks = []
    for match in MARK.finditer(text):
        if match.group("slow") and not slow:
            continue
        lines = [_fold(line) for line in match.group("block").splitlines()]
        expected = [line for line in lines if line and line != "..." and not VOLATILE.search(line)]
        blocks.append((match.group("command"), expected))
    return blocks


def missing_lines(expected: list[str], output: str) -> list[str]:
    """The expected lines not found in ``output`` in order (an empty list when all are)."""
    remaining = [_fold(line) for line in output.splitlines()]
    missing, position = [], 0
    for line in expected:
        try:
            position = remaining.index(line, position) + 1
        except ValueError:
            missing.append(line)
    return missing


def _invoke(command: str) -> str:
    """Run a README command in-process from the repository's root (a ``*.toml`` glob expanded)."""
    words = []
    for word in shlex.split(command):
        words += sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(word)) if "*" in word else [word]
    assert words[0] == "unsc-sim", f"README check marks run unsc-sim commands, not {words[0]!r}"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(app, words[1:])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, f"{command}\n{result.output}"
    return result.stdout


BLOCKS = marked_blocks(README.read_text(encoding="utf-8"))


def test_the_readme_marks_the_outputs_it_shows():
    assert len(BLOCKS) >= 3
    assert ROLLING_MARK.search(README.read_text(encoding="utf-8"))


def test_the_checker_finds_a_changed_figure():
    expected = ["outcome probability 95% interval", "vetoed 1.000 [1.000, 1.000]"]
    assert (
        missing_lines(expected, "  outcome    probability   95% interval\n  vetoed 1.000   [1.000, 1.000]\n")
        == []
    )
    assert missing_lines(expected, "outcome probability 95% interval\nvetoed 0.990 [0.98, 1.000]\n") == [
        expected[1]
    ]
    assert missing_lines(expected[::-1], "outcome probability 95% interval\nvetoed 1.000 [1.000, 1.000]\n")


@pytest.mark.parametrize(("command", "expected"), BLOCKS, ids=[command[9:60] for command, _ in BLOCKS])
def test_a_marked_output_is_what_the_command_prints(command: str, expected: list[str]):
    missing = missing_lines(expected, _invoke(command))
    assert not missing, f"{command}: README lines not in its output:\n" + "\n".join(missing)


def _rolling_rows(table: str) -> dict[str, tuple[int, float]]:
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip().strip("*") for cell in line.strip("|").split("|")]
        rows[cells[0]] = (int(cells[1]), float(cells[2].replace("−", "-")))
    return rows


ROLLING_LABELS = {
    "the model": None,
    "baseline: regime break in 2018 (0 parameters)": "regime_break",
    "baseline: same as the last decision of its kind": "same_kind",
    "baseline: yes unless a P5 stance opposes": "p5_opposition",
    "baseline: last vote on this issue": "last_vote",
    "baseline: weighted mean position (BdM)": "weighted_mean",
}


@pytest.mark.long
def test_the_rolling_table_is_the_rolling_forecast(request):
    if not os.environ.get("UNSC_SIM_SLOW_TESTS") and request.node.name not in " ".join(request.config.args):
        pytest.skip("refits the model 29 times (about a minute): set UNSC_SIM_SLOW_TESTS=1")
    table = ROLLING_MARK.search(README.read_text(encoding="utf-8")).group("table")
    rows = _rolling_rows(table)
    assert set(rows) == set(ROLLING_LABELS)
    # on two processes, as CI has two cores (the figures do not depend on it: tests/test_calibrate.py)
    report = json.loads(_invoke("unsc-sim calibrate scenarios/history/*.toml --rolling --json --workers 2"))
    for label, key in ROLLING_LABELS.items():
        figures = report["rolling"] if key is None else report["baselines"][key]
        assert rows[label] == (figures["outcomes_right"], round(figures["event_log_likelihood"], 2)), label
