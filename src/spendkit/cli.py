"""The command line: each command reads options, makes one library call, renders.

Heavy libraries (pandas, pyarrow) are imported inside commands so that
``spendkit --help`` and ``--version`` stay instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import EXIT_USAGE, SpendkitError

app = typer.Typer(
    name="spendkit",
    help="Where does public money go? Classify payment ledgers by place, size and sector, to the penny.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # ledgers are financial data: keep them out of tracebacks
    add_completion=False,
)

State: dict[str, Any] = {"debug": False}


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version  # 30 ms to import: only when asked

        typer.echo(f"spendkit {version('spendkit')}")
        raise typer.Exit()


@app.callback()
def main_options(
    show_version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for every error.")] = False,
) -> None:
    """spendkit: local, SME and VCFSE spend from payment ledgers."""
    State["debug"] = debug


Ledgers = Annotated[list[Path], typer.Argument(help="Ledger files: CSV, XLSX/XLS, Parquet, or a zip of them.",
                                               show_default=False)]
PlaceOpt = Annotated[list[str] | None, typer.Option(
    "--place", "-p", help="The place: district name or ONS code (repeat for several).")]
SubRegionalOpt = Annotated[list[str] | None, typer.Option(
    "--sub-regional", help="Named area or districts for sub-regional (default: adjacent districts).")]
RegionalOpt = Annotated[list[str] | None, typer.Option(
    "--regional", help="Named area, region or districts for regional (default: the place's region).")]
SuppliersOpt = Annotated[Path | None, typer.Option(
    "--suppliers", "-s", help="Supplier file (CSV/XLSX) with supplier id or name, and postcode.")]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Write the classified rows (.csv, .xlsx or .parquet); rejected rows go "
                        "beside it as NAME.rejected.EXT.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]
ColumnOpt = Annotated[list[str] | None, typer.Option(
    "--column", "-c", help='Map a column: ROLE=HEADER, e.g. --column payee="Vendor Name".')]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="Workbook sheet to read.")]
PostcodesOpt = Annotated[Path | None, typer.Option(
    "--postcodes", help="An ONSPD/NSPL download (CSV or zip) to use instead of the packaged directory.")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="Settings file (default: ./spendkit.toml if present).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the figures.")]
SizeRuleOpt = Annotated[str | None, typer.Option(
    "--size-rule", help="procurement-act-2023 (default), eu-2003-361, companies-act-2006, "
                        "companies-act-2006-2025 or islington-2020.")]
GuaranteeOpt = Annotated[bool | None, typer.Option(
    "--guarantee-is-vcfse/--guarantee-is-not-vcfse",
    help="Count companies limited by guarantee as VCFSE (default: no).")]


def _settings(config: Path | None, *, column: list[str] | None = None, **flags: Any) -> Any:
    """Settings from the config file, then the flags given."""
    from .config import apply_overrides, load_settings, parse_column_options

    settings, _ = load_settings(config)
    return apply_overrides(settings, columns=parse_column_options(column), **flags)


@app.command()
def classify(
    ledgers: Ledgers,
    place: PlaceOpt = None,
    sub_regional: SubRegionalOpt = None,
    regional: RegionalOpt = None,
    suppliers: SuppliersOpt = None,
    out: OutOpt = None,
    format: FormatOpt = "table",
    column: ColumnOpt = None,
    sheet: SheetOpt = None,
    postcodes: PostcodesOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    size_rule: SizeRuleOpt = None,
    guarantee_is_vcfse: GuaranteeOpt = None,
    companies: Annotated[list[Path] | None, typer.Option(
        "--companies", help="Companies House BasicCompanyData CSV or zip (repeat for parts).")] = None,
    charities: Annotated[list[Path] | None, typer.Option(
        "--charities", help="Charity Commission register extract (publicextract.charity.txt/zip).")] = None,
    oscr: Annotated[list[Path] | None, typer.Option("--oscr", help="Scottish Charity Register CSV.")] = None,
    ccni: Annotated[list[Path] | None, typer.Option("--ccni", help="Charity Commission NI CSV.")] = None,
    mutuals: Annotated[list[Path] | None, typer.Option(
        "--mutuals", help="FCA Mutuals Public Register CSV.")] = None,
    engine: Annotated[str, typer.Option(
        "--engine", help="local (default) or spark: classify on Apache Spark (CSV input, "
                         "--out NAME.parquet; pip install 'spendkit[spark]'; see docs/spark.md).")] = "local",
    encoding: Annotated[str, typer.Option(
        "--encoding", help="With --engine spark: the CSV files' encoding (default UTF-8, "
                           "e.g. windows-1252).")] = "UTF-8",
) -> None:
    """Place, size and sector every payee; show the headline shares and spend per class,
    reconciled to the penny."""
    with _user_errors():
        from . import api
        from .export import to_json

        if format not in ("table", "json"):
            raise typer.BadParameter("use table or json", param_hint="--format")
        if engine not in ("local", "spark"):
            raise typer.BadParameter("use local or spark", param_hint="--engine")
        settings = _settings(config, column=column, districts=place, sub_regional=sub_regional,
                             regional=regional, suppliers=suppliers, postcodes=postcodes, sheet=sheet,
                             size_rule=size_rule, guarantee_is_vcfse=guarantee_is_vcfse,
                             companies=companies, charities=charities, oscr=oscr, ccni=ccni,
                             mutuals=mutuals)
        if engine == "spark":
            from .spark import classify_for_cli

            _result, summary = classify_for_cli(ledgers, settings, out=out, encoding=encoding)
        else:
            _result, summary = api.classify_and_export(ledgers, settings, out=out)
        if format == "json":
            sys.stdout.write(to_json(summary))
        else:
            from rich.console import Console

            from .render import print_classify

            print_classify(summary, Console(), verbose=not quiet)
            if out is not None and not quiet:
                wrote = str(out) if engine == "spark" else f"{out} and {api.rejected_path(out)}"
                Console(stderr=True).print(f"[dim]Wrote {wrote}[/dim]", highlight=False)


@app.command()
def suppliers(
    ledgers: Ledgers,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the list (.csv or .xlsx).")] = None,
    place: PlaceOpt = None,
    suppliers: SuppliersOpt = None,
    column: ColumnOpt = None,
    sheet: SheetOpt = None,
    config: ConfigOpt = None,
    size_rule: SizeRuleOpt = None,
    top: Annotated[int, typer.Option("--top", help="Rows to show in the terminal.")] = 25,
) -> None:
    """One row per payee (name variants merged): spend, classes, evidence and missing facts.

    Fill in the blanks and pass the file back with --suppliers: it wins over weaker evidence."""
    with _user_errors():
        from . import api

        settings = _settings(config, column=column, districts=place, suppliers=suppliers, sheet=sheet,
                             size_rule=size_rule)
        _result, table = api.supplier_list(ledgers, settings, out=out)
        from rich.console import Console
        from rich.table import Table

        show = Table(title=f"Payees: {len(table):,} (top {min(top, len(table))} by spend)",
                     title_justify="left")
        for name in ("Supplier Name", "spendkit: spend (£)", "spendkit: place", "spendkit: size band",
                     "spendkit: sector", "spendkit: missing"):
            show.add_column(name.removeprefix("spendkit: "), justify="right" if "£" in name else "left")
        for _, r in table.head(top).iterrows():
            show.add_row(*(str(r[c]) for c in ("Supplier Name", "spendkit: spend (£)", "spendkit: place",
                                               "spendkit: size band", "spendkit: sector",
                                               "spendkit: missing")))
        Console().print(show)
        if out is not None:
            Console(stderr=True).print(f"[dim]Wrote {out}: fill in the blanks, then pass it back with "
                                       f"--suppliers {out}[/dim]", highlight=False)


config_app = typer.Typer(help="Settings files.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("init")
def config_init(
    folder: Annotated[Path, typer.Argument(help="Where to write spendkit.toml and spendkit-rules.toml.")
                      ] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write a commented spendkit.toml and a copy of the sector rules to edit."""
    with _user_errors():
        from .config import write_starter_files

        for path in write_starter_files(folder, force=force):
            typer.echo(f"wrote {path}")


class _user_errors:
    """Turn a SpendkitError into its message on stderr and its exit status; no traceback."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        if isinstance(exc, SpendkitError) and not State["debug"]:
            typer.echo(f"spendkit: error: {exc}", err=True)
            raise typer.Exit(exc.exit_code)
        if isinstance(exc, typer.BadParameter):
            return False
        if isinstance(exc, BrokenPipeError):
            sys.stderr.close()
            raise typer.Exit(0)
        return False


# report, rank and league reuse the options above and add themselves to the app.
from . import cli_reports  # noqa: E402, F401


def main() -> None:
    import contextlib
    import os
    import signal

    # numpy asks the kernel for transparent huge pages on large arrays; where the kernel then
    # compacts memory to find them (THP defrag "madvise", common on VMs) a 1M-row run spends a
    # second in the kernel. Small pages are faster here; set NUMPY_MADVISE_HUGEPAGE=1 to differ.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

    # A `kill` (cron, CI time-outs) unwinds like Ctrl-C, so temporary files are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        app()
        code = 0
    except KeyboardInterrupt:
        typer.echo("spendkit: interrupted", err=True)
        code = 130
    except SystemExit as done:
        if not isinstance(done.code, int | None):
            raise
        code = done.code or 0
    # Everything is written: leave without tearing down a process that may hold a million rows
    # (a tenth of a second of freeing memory), once the output streams are flushed.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


__all__ = ["EXIT_USAGE", "app", "main"]
