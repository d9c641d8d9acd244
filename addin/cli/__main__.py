"""``python -m addin.cli`` — the same as the ``wibudget`` command."""

from addin.cli import run

run()
