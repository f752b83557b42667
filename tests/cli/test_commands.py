"""Each command module adds its own commands to the one Typer app, and each command is the
module's function (so `spendkit X` runs cli/<module>.X)."""

from __future__ import annotations

from spendkit.cli import app
from spendkit.cli import classify as classify_commands
from spendkit.cli import registers as register_commands
from spendkit.cli import reports as report_commands
from spendkit.cli import schema as schema_commands


def callbacks() -> dict[str, object]:
    return {(c.name or c.callback.__name__): c.callback for c in app.registered_commands}


def test_classify_module_registers_classify_and_suppliers() -> None:
    got = callbacks()
    assert got["classify"] is classify_commands.classify
    assert got["suppliers"] is classify_commands.suppliers
    groups = {g.name: g.typer_instance for g in app.registered_groups}
    assert groups["config"] is classify_commands.config_app


def test_reports_module_registers_report_rank_and_league() -> None:
    got = callbacks()
    for name in ("report", "rank", "league"):
        assert got[name] is getattr(report_commands, name)


def test_schema_module_registers_schema() -> None:
    assert callbacks()["schema"] is schema_commands.schema


def test_no_command_is_registered_twice() -> None:
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert len(names) == len(set(names)) == 6


def test_registers_module_adds_the_registers_group() -> None:
    groups = {g.name: g.typer_instance for g in app.registered_groups}
    assert groups["registers"] is register_commands.registers_app
    names = {c.name for c in register_commands.registers_app.registered_commands}
    assert names == {"add", "fetch", "status", "remove"}
