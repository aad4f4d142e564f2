"""The ``unsc-sim`` command line: thin wrappers that parse options, call the library, print.

One module per area: :mod:`sim.cli.run` (one scenario, the council), :mod:`sim.cli.history`
(against the record), :mod:`sim.cli.studies` (many variants of a scenario), :mod:`sim.cli.output`
(figures, the page, the interactive page); :mod:`sim.cli.common` holds what they share.

Bad input (a scenario file, an option) is reported as one line per problem on stderr with exit
code 2, and no result file is written.
"""

from __future__ import annotations

import typer

from sim.cli import history, output, run, studies

# numpy, pandas, scipy, mesa and the scenario schema are imported inside the commands that use
# them, so that `unsc-sim version` and `--help` start in a fraction of a second
# (benchmarks/startup.py).

app = typer.Typer(
    help="Agent-based scenario simulator of UN Security Council voting.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain errors: "Error: Invalid value for '--replicates'...", no boxes
)

# In the order `unsc-sim --help` lists them.
COMMANDS = (
    run.run,
    run.members,
    run.measures,
    run.validate,
    run.power,
    history.compare,
    history.calibrate,
    studies.sweep,
    studies.sensitivity,
    output.plot,
    output.report,
    output.ui,
    run.version,
    studies.strongest,
    studies.discover,
)
for command in COMMANDS:
    app.command()(command)

__all__ = ["app"]
