"""unsc-sim: an agent-based scenario simulator of UN Security Council voting, built on Mesa.

Modules, one job each: ``rules`` (the Charter's decision rules), ``measures`` (what a draft does,
placed in the policy space), ``context`` (how events move stances), ``scenario`` (the file schema),
``member`` and ``model`` (the Mesa agents and model), ``runner`` (replicates and seeds),
``results`` (analysis of a run), ``power`` (voting-power indices), ``cli`` (the command line).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("unsc-sim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
