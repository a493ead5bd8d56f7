"""``python -m snop`` runs the command line."""

from snop.cli.main import run

run()
