"""`spendkit registers add | fetch | status | remove`: the registers installed once in the user
data folder and used by every command. Each reads its options, makes one library call, and
renders."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from spendkit.cli.app import app, console, figures_console, user_errors
from spendkit.cli.options import ConfigOpt, settings_from_options

registers_app = typer.Typer(
    help="Registers of organisations (Companies House, charities, mutuals, lookup tables, "
         "procurement notices) installed once and used by every command.",
    short_help="Install registers once; every command matches payees to them.",
    no_args_is_help=True)
app.add_typer(registers_app, name="registers")


def _installed_lines(items: list[Any]) -> None:
    from spendkit.output.render import safe

    out = figures_console()
    for item in items:
        m = item.manifest
        out.print(f"installed {safe(item.kind)}: {safe(m['name'])}, dated {safe(item.date)} (from "
                  f"the {safe(m.get('date_from', ''))}), {item.rows:,} rows", highlight=False,
                  emoji=False, soft_wrap=True)
        for note in m.get("notes", []):
            console(stderr=True).print(f"[dim]  {safe(note)}[/dim]", highlight=False, emoji=False,
                                       soft_wrap=True)


@registers_app.command("add")
def add(
    files: Annotated[list[Path], typer.Argument(
        metavar="FILE...", help="Register files as downloaded (CSV, text, JSON/JSON lines, or a zip of one); "
             "each is recognised by its content.", show_default=False)],
    config: ConfigOpt = None,
) -> None:
    """Install register files, each recognised by its content.

    Says what each file is, its date and rows; an earlier install of the same register is
    replaced only once the new one is complete."""
    with user_errors():
        from spendkit import api
        from spendkit.output.render import safe
        from spendkit.reference.registries.common import describe

        settings = settings_from_options(config)
        found = api.recognise_registers(files)
        for f in found:
            console(stderr=True).print(f"{safe(f.path.name)}: {safe(describe(f.kind))}",
                                       highlight=False, emoji=False, soft_wrap=True)
        _installed_lines(api.install_registers(found, settings))


@registers_app.command("fetch", short_help="Download registers from their publishers; install them.")
def fetch(
    names: Annotated[list[str] | None, typer.Argument(
        metavar="[NAME...]", help="Registers to download (default: every one with a download address: "
             "companies_house, charity_commission, oscr, ccni).", show_default=False)] = None,
    config: ConfigOpt = None,
) -> None:
    """Download registers from their publishers (registries.urls), resuming a cut download,
    check them, and install them as `add` does."""
    with user_errors():
        from spendkit import api
        from spendkit.reference.registries.fetch import urls

        settings = settings_from_options(config)
        kinds = list(names or [k for k, v in urls(settings).items() if v])
        if sys.stderr.isatty():
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TransferSpeedColumn,
            )

            with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                          TransferSpeedColumn(), console=console(stderr=True), transient=True) as bar:
                def track(kind: str) -> Any:
                    task = bar.add_task(kind, total=None)
                    return lambda done, total: bar.update(task, completed=done, total=total)

                installed = api.fetch_registers(kinds, settings, progress=track)
        else:
            installed = api.fetch_registers(kinds, settings)
        _installed_lines(installed)


@registers_app.command("status", short_help="What is installed, dated and counted; warns when old.")
def status(
    format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT",
                                        help="table or json.")] = "table",
    config: ConfigOpt = None,
) -> None:
    """What is installed: each register, its date, rows and files; warns when one is old."""
    with user_errors():
        from spendkit import api
        from spendkit.output.render import safe
        from spendkit.reference.registries.store import registers_dir

        if format not in ("table", "json"):
            raise typer.BadParameter("use table or json", param_hint="--format")
        settings = settings_from_options(config)
        items = api.registers_status(settings)
        if format == "json":
            from spendkit.output.export import to_json

            sys.stdout.write(to_json({"directory": str(registers_dir(settings)), "registers": items}))
            return
        out = figures_console()
        if not items:
            out.print(f"No registers installed (in {safe(registers_dir(settings))}). Install one with "
                      "`spendkit registers add FILE` or `spendkit registers fetch`.", highlight=False)
            return
        from rich.table import Table

        table = Table(title=f"Registers installed in {safe(registers_dir(settings))}", title_justify="left")
        for col, just in (("register", "left"), ("what", "left"), ("date", "left"),
                          ("age (days)", "right"), ("rows", "right"), ("files", "left")):
            table.add_column(col, justify=just)  # type: ignore[arg-type]
        for i in items:
            age = "" if i["age_days"] is None else str(i["age_days"])
            table.add_row(safe(i["kind"]), safe(i["name"]), safe(i["date"]),
                          f"[bold red]{age} old[/]" if i["old"] else age, f"{i['rows']:,}",
                          safe(", ".join(i["files"])))
        out.print(table)
        for i in items:
            if i["old"]:
                console(stderr=True).print(
                    f"warning: {safe(i['name'])} is {i['age_days']} days old: run `spendkit "
                    f"registers fetch {safe(i['kind'])}` or add a newer file", highlight=False,
                    soft_wrap=True)


@registers_app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The register to remove (as `status` names it).",
                                        show_default=False)],
    config: ConfigOpt = None,
) -> None:
    """Remove an installed register."""
    with user_errors():
        from spendkit import api
        from spendkit.output.render import safe

        gone = api.remove_register(name, settings_from_options(config))
        figures_console().print(f"removed {safe(gone.kind)} ({safe(gone.date)})", highlight=False)
