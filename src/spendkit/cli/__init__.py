"""The command line: options -> the Python API -> output. Each command module adds its commands
to ``app`` when imported."""

from spendkit.cli import classify, registers, reports, schema
from spendkit.cli.app import app, main

__all__ = ["app", "classify", "main", "registers", "reports", "schema"]
