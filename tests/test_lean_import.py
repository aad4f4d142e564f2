"""``sim.lean_import``: a package's module without its ``__init__``, and the package still whole
for anyone who asks it for more."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def fresh(code: str, result: str) -> dict:
    """Run ``code`` in a new interpreter, then evaluate ``result`` there (a dict expression)."""
    program = f"import json\n{code}\nprint(json.dumps({result}))"
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(done.stdout.splitlines()[-1])


MESA_CORE_IS_LIGHT = tuple(int(part) for part in version("mesa").split(".")[:2]) < (3, 4)
"""Mesa 3.3's ``mesa.agent`` and ``mesa.model`` import only numpy; from 3.4 ``mesa.agent`` imports
pandas and ``mesa.model`` ``mesa.experimental`` (and so scipy), whatever the package's ``__init__``."""


@pytest.mark.skipif(not MESA_CORE_IS_LIGHT, reason="Mesa >= 3.4: mesa.agent itself imports pandas")
def test_the_model_loads_without_the_rest_of_mesa_pandas_or_scipy_special():
    seen = fresh(
        "import sys\n"
        "import sim.model\n"
        "heavy = ['pandas', 'networkx', 'scipy.spatial', 'mesa.space', 'mesa.batchrunner', 'tqdm']",
        "{'loaded': [m for m in heavy if m in sys.modules],"
        " 'special_init_ran': 'gammaln' in vars(sys.modules['scipy.special'])}",
    )
    assert seen == {"loaded": [], "special_init_ran": False}


def test_the_packages_finish_themselves_when_asked_for_more():
    seen = fresh(
        "from sim import mesa_core\n"
        "import sim.model\n"
        "import mesa\n"
        "from scipy.special import gammaln, ndtr\n"
        "from sim.model import ndtr as model_ndtr",
        "{'batch_run': callable(mesa.batch_run), 'version': mesa.__version__,"
        " 'same_agent': mesa.Agent is mesa_core.Agent, 'same_model': mesa.Model is mesa_core.Model,"
        " 'space': hasattr(mesa, 'space'), 'gammaln': float(gammaln(4.0)), 'same_ndtr': model_ndtr is ndtr}",
    )
    assert (
        seen["batch_run"]
        and seen["same_agent"]
        and seen["same_model"]
        and seen["space"]
        and seen["same_ndtr"]
    )
    assert seen["version"].startswith("3.")
    assert abs(seen["gammaln"] - 1.791759469228055) < 1e-12  # log(3!)


def test_a_name_the_package_lacks_is_still_an_attribute_error():
    seen = fresh(
        "from sim.lean_import import lean_import\n"
        "lean_import('mesa', 'agent')\n"
        "import mesa\n"
        "try:\n"
        "    mesa.no_such_name\n"
        "    raised = False\n"
        "except AttributeError:\n"
        "    raised = True",
        "{'raised': raised, 'model': callable(mesa.Model)}",
    )
    assert seen == {"raised": True, "model": True}


def test_an_already_imported_package_is_left_as_it_is():
    seen = fresh(
        "import mesa\n"
        "before = mesa\n"
        "from sim.lean_import import lean_import\n"
        "agent = lean_import('mesa', 'agent')\n"
        "import mesa as after",
        "{'same': before is after, 'agent': agent.Agent is after.Agent}",
    )
    assert seen == {"same": True, "agent": True}


def test_the_data_collector_comes_with_the_whole_package():
    """From Mesa 3.5 ``mesa.datacollection`` asks the package for ``Agent`` while it loads: fetched
    on its own, it would meet a package that has not run its ``__init__``."""
    seen = fresh(
        "from sim import mesa_core\nimport sim.model\ncollector = mesa_core.DataCollector\nimport mesa",
        "{'same': collector is mesa.DataCollector, 'model': mesa.Model is mesa_core.Model}",
    )
    assert seen == {"same": True, "model": True}


def test_whole_runs_a_put_off_init_at_once_and_only_once():
    seen = fresh(
        "import sys\n"
        "from sim.lean_import import lean_import, whole\n"
        "lean_import('mesa', 'agent')\n"
        "before = 'Model' in vars(sys.modules['mesa'])\n"
        "package = whole('mesa')\n"
        "after = 'Model' in vars(package)\n"
        "again = whole('mesa') is package",
        "{'before': before, 'after': after, 'again': again}",
    )
    assert seen == {"before": False, "after": True, "again": True}
