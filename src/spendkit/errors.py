"""Errors a user can fix, each with its own exit status.

Problems found *in the data* (an unreadable amount on one row) are not errors:
they become rejected rows with a reason. These exceptions stop a run; the CLI
prints their message and exits with ``exit_code``. Anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

# The exit statuses are a documented contract (docs/cli.md); never renumber.
EXIT_OK = 0
EXIT_BUG = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_COLUMNS = 4
EXIT_CONFIG = 5
EXIT_OUTPUT = 6
EXIT_REFERENCE = 7
EXIT_TOO_MANY_REJECTED = 8  # --max-rejected: outputs written, but more rows rejected than allowed


class SpendkitError(Exception):
    """A problem the user can fix. ``str(err)`` is the whole message."""

    exit_code = EXIT_BUG

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class UsageError(SpendkitError):
    """A command asked for something it must not do: an output that would overwrite an input."""

    exit_code = EXIT_USAGE


class InputFileError(SpendkitError):
    """A ledger or supplier file is missing, unreadable or not a table."""

    exit_code = EXIT_INPUT


class ColumnError(SpendkitError):
    """A column the run needs cannot be found, or a mapping names no column."""

    exit_code = EXIT_COLUMNS


class ConfigError(SpendkitError):
    """Bad settings: an unknown place, a malformed config file or option."""

    exit_code = EXIT_CONFIG


class OutputError(SpendkitError):
    """An output file cannot be written."""

    exit_code = EXIT_OUTPUT


class ReferenceDataError(SpendkitError):
    """The postcode directory (or another reference table) is unusable."""

    exit_code = EXIT_REFERENCE
