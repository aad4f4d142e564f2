"""The interactive page: it runs the real model (the numbers equal `unsc-sim run`'s), its controls
start at the file's values, `unsc-sim ui` without the extra says how to install it, and in a
real headless browser (Debian's chromium, driven by playwright) moving a slider changes the
probabilities shown to exactly what the model gives for the new setting."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app as cli
from sim.runner import run
from sim.scenario import load_scenario

from .conftest import HISTORY, OIL_CAP_2022, ROOT

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
HAS_UI = importlib.util.find_spec("solara") is not None and importlib.util.find_spec("mesa") is not None
HAS_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Mesa 3.3's own ComponentsView trips solara's hook checker on import; not this project's code.
pytestmark = pytest.mark.filterwarnings("ignore:.*ComponentsView.*:UserWarning")
needs_ui = pytest.mark.skipif(not HAS_UI, reason='the ui extra is not installed (pip install -e ".[ui]")')


def test_ui_without_the_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "solara", None)  # `import solara` now raises ImportError
    monkeypatch.setenv("SOLARA_CHECK_HOOKS", "warn")  # restored afterwards (the command sets a default)
    result = CliRunner().invoke(cli, ["ui", "--port", "0"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        'error: the interactive page needs the ui extra: pip install -e ".[ui]"'
    )


@needs_ui
def test_the_page_runs_the_real_model_and_shows_what_run_gives():
    from sim.app import CouncilExplorer, PageSettings, bundled_scenarios

    label = next(label for label, path in bundled_scenarios().items() if path.name.startswith("2022-05-26"))
    overrides = {"members.CHN.veto_cost": 0.9, "context.nuclear_test": True}
    model = CouncilExplorer(PageSettings(label, overrides), lanes=1500, seed=4)
    shown = model.result()
    expected = run(load_scenario(HISTORY / "2022-05-26-s-2022-431.toml", overrides), replicates=1500, seed=4)
    assert shown.outcome_table().equals(expected.outcome_table())
    assert (shown.votes == expected.votes).all()
    assert model.running is False and model.votes.shape == (15, 1500)
    steps = model.steps
    model.step()  # Mesa's Step button after the vote: nothing more happens
    assert (model.votes == expected.votes).all() and model.steps >= steps


@needs_ui
def test_controls_start_at_the_files_values():
    from sim.app import CouncilExplorer, PageSettings, bundled_scenarios, controls_for, default_proposal

    labels = list(bundled_scenarios())
    assert len(labels) == len(list(HISTORY.glob("*.toml")))
    assert default_proposal() == labels[-1] and "S/2022/431" in default_proposal()
    model = CouncilExplorer(PageSettings(default_proposal(), {"members.CHN.pressure": 0.9}), lanes=200)
    permanent, elected, context = controls_for(model, {"members.CHN.pressure": 0.9})
    assert len(permanent) == 5 * 3 and len(elected) == 10 * 3
    assert permanent["members.CHN.pressure"].value == 0.9  # the moved value
    # stances the file leaves out start where the model derived them (sim/stances.py)
    untouched = CouncilExplorer(PageSettings(default_proposal(), {}), lanes=200)
    scenario = untouched.council_scenario
    russia = untouched.member("RUS")
    assert "pressure" not in scenario.members[2].stances
    assert permanent["members.RUS.pressure"].value == round(float(russia.pressure[0]), 2)
    assert permanent["members.RUS.reciprocity"].value == round(float(russia.reciprocity[0]), 2)
    assert permanent["members.CHN.veto_cost"].value == round(
        scenario.members[0].stances["veto_cost"].center, 2
    )
    assert permanent["members.CHN.veto_cost"].label.startswith("China: veto cost (0-1): ")
    # the context: what-if additions off, talks and tension as on the date (the dated series)
    situation = scenario.situation
    assert set(context) == {
        "context.nuclear_test",
        "context.icbm_launch",
        "context.talks_under_way",
        "context.great_power_tension",
    }
    assert (
        context["context.nuclear_test"]["value"] is False and context["context.icbm_launch"]["value"] is False
    )
    assert context["context.talks_under_way"]["value"] is situation.talks_under_way is False
    assert context["context.great_power_tension"].value == round(situation.tension, 2) == 0.87
    # a moved context control shows the moved value, and the model runs with it
    moved = {"context.great_power_tension": 0.2, "context.talks_under_way": True}
    tense = CouncilExplorer(PageSettings(default_proposal(), moved), lanes=200)
    _, _, context = controls_for(tense, moved)
    assert (
        context["context.great_power_tension"].value == 0.2
        and context["context.talks_under_way"]["value"] is True
    )
    assert tense.situation.tension == 0.2 and tense.situation.talks_under_way is True
    assert set(tense.situation.overridden) == {"tension", "talks_under_way"}


VOTING = "\n[decision]\nshared_veto_discount = 0.9\n"
"""Added to the page's copy of the 2022 file: China's pressure stance then moves Russia's veto
too (a veto shared costs each less), so the slider changes the outcome and not only China's votes."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the ui server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"the ui server did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@needs_ui
@pytest.mark.skipif(not HAS_PLAYWRIGHT, reason="playwright is not installed (pip install playwright)")
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium browser installed (apt-get install chromium)")
def test_moving_a_slider_in_a_real_browser_changes_the_probabilities(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from sim.app import LANES, SEED

    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    path = scenarios / "2022-05-26-s-2022-431.toml"
    path.write_text(OIL_CAP_2022.read_text() + VOTING)
    before = run(load_scenario(path), replicates=LANES, seed=SEED).outcome_table().set_index("outcome")
    moved = {"members.CHN.pressure": 1.0}  # China's pressure stance to the top of its slider
    after = run(load_scenario(path, moved), replicates=LANES, seed=SEED).outcome_table().set_index("outcome")
    assert (before.probability.round(3) != after.probability.round(3)).any()  # the move matters
    reseeded = run(load_scenario(path, moved), replicates=LANES, seed=99).outcome_table().set_index("outcome")
    assert (reseeded.probability.round(3) != after.probability.round(3)).any()

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "server.log"
    with log.open("w") as stream:
        server = subprocess.Popen(
            [sys.executable, "-m", "sim", "ui", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            stdout=stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore", "UNSC_SIM_SCENARIOS": str(scenarios)},
        )
    try:
        wait_until_serving(url, server, log)
        with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1400, "height": 1000},
            )
            try:
                page = context.new_page()
                page.goto(url, timeout=60_000)
                shown = {o: page.locator(f".unsc-p-{o}") for o in before.index}
                for outcome, row in before.iterrows():
                    expect(shown[outcome]).to_have_text(f"{row.probability:.3f}", timeout=60_000)
                slider = page.get_by_role("slider", name="China: pressure stance (0-1)")
                slider.focus()
                slider.press("End")
                for outcome, row in after.iterrows():
                    expect(shown[outcome]).to_have_text(f"{row.probability:.3f}", timeout=20_000)
                expect(slider).to_have_attribute("aria-valuenow", "1")
                expect(page.locator(".unsc-changed")).to_contain_text("China: pressure stance (0-1) = 1")
                # Mesa's own model parameters apply on Reset: a new seed, the same council settings
                seed = page.get_by_role("slider", name="Seed (applied on Reset)")
                seed.focus()
                seed.press("End")
                page.get_by_role("button", name="Reset").click()
                for outcome, row in reseeded.iterrows():
                    expect(shown[outcome]).to_have_text(f"{row.probability:.3f}", timeout=20_000)
                expect(page.get_by_text(f"{LANES:,} lanes, seed 99")).to_be_visible()
            except Exception:
                page.screenshot(path=str(tmp_path / "failure.png"))
                raise
            finally:
                context.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
