"""Import one module of a package without running the package's ``__init__`` first.

Why: Mesa's and SciPy's package ``__init__`` files import most of the library eagerly
(``import mesa`` pulls in networkx, scipy.spatial, pandas and tqdm, about 0.65 s;
``import scipy.special`` its array-API layer, about 0.15 s), while a ``run`` needs three small
modules of Mesa and one compiled function of SciPy. Issue 11 asks ``run`` to start within 4x
``import numpy``.

:func:`lean_import` registers the package un-run, then imports the module asked for. The package
finishes itself the first time anyone asks it for a name it does not yet have (PEP 562
``__getattr__``): ``import mesa; mesa.batch_run`` or ``from scipy.special import gammaln`` work
as usual and pay the full import only then. If the package was already imported, nothing changes.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

__all__ = ["lean_import"]


def lean_import(package: str, module: str) -> ModuleType:
    """``package.module``, importing ``package``'s ``__init__`` only when first needed."""
    if package not in sys.modules:
        _register_unrun(package)
    return importlib.import_module(f"{package}.{module}")


def _register_unrun(package: str) -> None:
    """Put ``package`` in ``sys.modules`` without running it; it runs on its first missing name."""
    parent, _, _ = package.rpartition(".")
    if parent:
        importlib.import_module(parent)
    spec = importlib.util.find_spec(package)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not an ordinary package: the plain import will say what is wrong
    module = importlib.util.module_from_spec(spec)

    def complete(name: str) -> object:
        """Run the package's ``__init__`` once, then answer as the finished package would."""
        module.__dict__.pop("__getattr__", None)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        try:
            return module.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None

    module.__getattr__ = complete  # type: ignore[attr-defined]
    sys.modules[package] = module
    if parent:
        setattr(sys.modules[parent], package.rpartition(".")[2], module)
