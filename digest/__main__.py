"""Run the CLI with ``python -m digest``."""

from digest.cli import run

run()
