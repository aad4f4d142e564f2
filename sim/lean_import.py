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

A submodule that asks its package for a name *while it loads* (``from mesa import Agent`` at the
top of Mesa 3.5's ``mesa.datacollection``) would make the package run its ``__init__`` in the
middle of that submodule's import, which then fails as a circular import; import such modules
after :func:`whole`, which runs the package's ``__init__`` first.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType

__all__ = ["lean_import", "whole"]

_UNRUN: dict[str, Callable[[], None]] = {}
"""Packages registered without running their ``__init__`` -> what runs it."""


def lean_import(package: str, module: str) -> ModuleType:
    """``package.module``, importing ``package``'s ``__init__`` only when first needed."""
    if package not in sys.modules:
        _register_unrun(package)
    return importlib.import_module(f"{package}.{module}")


def whole(package: str) -> ModuleType:
    """``package`` with its ``__init__`` run: now, if :func:`lean_import` had put it off."""
    finish = _UNRUN.get(package)
    if finish is not None:
        finish()
    return importlib.import_module(package)


def _register_unrun(package: str) -> None:
    """Put ``package`` in ``sys.modules`` without running it; it runs on its first missing name."""
    parent, _, _ = package.rpartition(".")
    if parent:
        importlib.import_module(parent)
    spec = importlib.util.find_spec(package)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not an ordinary package: the plain import will say what is wrong
    module = importlib.util.module_from_spec(spec)

    def finish() -> None:
        """Run the package's ``__init__``, once."""
        _UNRUN.pop(package, None)
        module.__dict__.pop("__getattr__", None)
        spec.loader.exec_module(module)  # type: ignore[union-attr]

    def missing(name: str) -> object:
        """A name the package does not have yet: finish it, then answer as it would."""
        finish()
        try:
            return module.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None

    module.__getattr__ = missing  # type: ignore[attr-defined]
    _UNRUN[package] = finish
    sys.modules[package] = module
    if parent:
        setattr(sys.modules[parent], package.rpartition(".")[2], module)
