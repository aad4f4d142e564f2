"""``.ci/run``'s exit trap: a run whose tests pass must exit 0, and an unfinished install must stop.

The trap once ran ``[ -n "$pid" ] && kill "$pid"`` under ``set -e``: the kill of an install that had
already finished failed, and a run whose every test passed exited 1. These tests take the trap's
function out of the script and run it in the script's own shell options.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CI_SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "run"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _cleanup_function() -> str:
    match = re.search(r"^cleanup\(\) \{\n.*?^\}\n", CI_SCRIPT.read_text(), re.S | re.M)
    assert match, ".ci/run has no cleanup() function"
    assert re.search(r"^trap cleanup EXIT$", CI_SCRIPT.read_text(), re.M), "cleanup is not the trap"
    return match.group(0)


def _run(body: str) -> subprocess.CompletedProcess[str]:
    script = "set -euo pipefail\n" + _cleanup_function() + "trap cleanup EXIT\n" + body
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)


def test_a_finished_install_does_not_fail_a_passing_run(tmp_path: Path) -> None:
    log = tmp_path / "install.log"
    log.write_text("log")
    result = _run(f'install_log="{log}"\nsleep 0 &\nsecond_install=$!\nwait "$second_install"\nexit 0\n')
    assert result.returncode == 0, result.stderr
    assert not log.exists()


def test_an_unfinished_install_is_stopped_and_the_status_kept(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    result = _run(
        f'install_log=""\n(sleep 3; touch "{marker}") &\nsecond_install=$!\necho "$second_install"\nexit 3\n'
    )
    assert result.returncode == 3
    pid = int(result.stdout.split()[0])
    subprocess.run(["sleep", "3.5"])
    assert not marker.exists(), f"the install (pid {pid}) ran on after the script ended"
