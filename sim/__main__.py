"""``python -m sim ...`` runs the ``unsc-sim`` command line (when the script is not on PATH)."""

from sim.cli import app

app(prog_name="unsc-sim")
