"""Help readable in an 80-column terminal, for every command, and shell completion installable.

Each command's --help is rendered as in an 80-column terminal (COLUMNS=80 and Typer's runner
at width 80): no line wider than the terminal, no option text or choice cut short (`…` or a
trailing `...`), no Python type for a metavar (`<list[Path]>`), and text with brackets shown
as written (`pip install 'spendkit[spark]'`, `[[organisation]]`)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from spendkit.cli import app


def _commands() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [()]

    def walk(command: Any, path: tuple[str, ...]) -> None:
        for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
            if not sub.hidden:
                paths.append((*path, name))
                walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return paths


COMMANDS = _commands()


def help_at_80(*path: str) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=80, prog_name="spendkit",
                                env={"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_walked() -> None:
    assert {("classify",), ("report",), ("rank",), ("league",), ("config", "init"),
            ("schema",)} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "spendkit" for p in COMMANDS])
def test_help_fits_80_columns(path: tuple[str, ...]) -> None:
    text = help_at_80(*path)
    wide = [line for line in text.splitlines() if len(line) > 80]
    assert not wide, f"lines wider than 80 columns: {wide}"
    assert "…" not in text, text
    cut = [line for line in text.splitlines() if line.rstrip().endswith("...")
           and not line.startswith("Usage:") and not re.search(r"\b[A-Z]+\.\.\.", line)]
    assert not cut, f"cut short: {cut}"
    assert "<list[" not in text and "<path>" not in text and "<str>" not in text, text
    assert "<bool>" not in text and "<int>" not in text, text
    assert not re.search(r"\{[A-Z]+\}", text), text  # {LEDGER}: Typer's own marker, not usage


def test_options_keep_room_for_their_text() -> None:
    """Descriptions start at a fixed column and use the rest of the line (never ~18 chars)."""
    text = help_at_80("classify")
    described = [line for line in text.splitlines() if line.startswith("  -p, --place PLACE")]
    assert described and len(described[0].split("  ")[-1]) > 30, text


def test_choices_and_brackets_shown_in_full() -> None:
    classify = " ".join(help_at_80("classify").split())
    for rule in ("procurement-act-2023", "eu-2003-361", "companies-act-2006,",
                 "companies-act-2006-2025", "islington-2020"):
        assert rule in classify
    assert "'spendkit[spark]'" in classify
    assert "[[organisation]]" in " ".join(help_at_80("league").split())


def test_plain_metavars() -> None:
    classify = help_at_80("classify")
    assert "Usage: spendkit classify [OPTIONS] LEDGER..." in classify
    for shown in ("-o, --out FILE", "--size-rule RULE", "--max-rejected N|P%", "-f, --format FORMAT",
                  "-c, --column ROLE=HEADER"):
        assert shown in classify
    assert "[FOLDER]" in help_at_80("config", "init")


@pytest.mark.parametrize(("shell", "line"), [
    ("bash", "complete -o default -F _spendkit_completion spendkit"),
    ("zsh", "compdef _spendkit_completion spendkit"),
    ("fish", "complete --command spendkit"),
])
def test_completion_can_be_installed(shell: str, line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`spendkit --show-completion` prints the script for the shell it runs in (found from the
    process tree; fixed here) and `--install-completion` adds it to that shell's start-up file."""
    import typer.completion

    top = help_at_80()
    assert "--install-completion" in top and "--show-completion" in top
    monkeypatch.setattr(typer.completion, "_get_shell_name", lambda: shell)
    result = CliRunner().invoke(app, ["--show-completion"], prog_name="spendkit")
    assert result.exit_code == 0, result.output
    assert "_SPENDKIT_COMPLETE" in result.output and line in result.output, result.output


def test_completion_completes_commands_and_options() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "_SPENDKIT_COMPLETE": "complete_bash", "COMP_WORDS": "spendkit classify --si",
           "COMP_CWORD": "2"}
    code = "import sys; sys.argv[0] = 'spendkit'; from spendkit.cli import main; main()"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.split() == ["--size-rule"], (proc.stdout, proc.stderr)


def test_completion_offers_an_options_values() -> None:
    import os
    import subprocess
    import sys
    from typing import get_args

    from spendkit.cli.options import SIZE_RULES
    from spendkit.config import OrganisationRules

    assert get_args(OrganisationRules.model_fields["size_rule"].annotation) == SIZE_RULES
    env = {**os.environ, "_SPENDKIT_COMPLETE": "complete_bash",
           "COMP_WORDS": "spendkit classify --size-rule comp", "COMP_CWORD": "3"}
    code = "import sys; sys.argv[0] = 'spendkit'; from spendkit.cli import main; main()"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.split() == ["companies-act-2006", "companies-act-2006-2025"], proc.stderr


def test_the_command_line_starts_without_the_data_libraries() -> None:
    """`spendkit --help` and `--version` answer in a tenth of a second: importing the command
    line loads no pandas, NumPy or pyarrow (each command imports what it needs when it runs)."""
    import subprocess
    import sys

    probe = ("import sys, spendkit.cli; "
             "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
