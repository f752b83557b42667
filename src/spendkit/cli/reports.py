"""`spendkit report`, `spendkit rank` and `spendkit league`: each reads its options, makes one
library call, and renders. They add themselves to the main app when imported.

Data goes to stdout (the terminal tables, or --format json|csv); notes and "Wrote ..." go to
stderr, and --quiet leaves them out. --out files are written whole or not at all, after
every check has passed: an error leaves nothing behind.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from spendkit.cli.app import app, console, figures_console, user_errors
from spendkit.cli.options import (
    ByOpt,
    CcniOpt,
    CharitiesOpt,
    ColumnOpt,
    CompaniesOpt,
    ConfigOpt,
    FromOpt,
    FyOpt,
    KeepDuplicatesOpt,
    Ledgers,
    Manifest,
    MaxRejectedOpt,
    MethodOpt,
    MutualsOpt,
    NoRegistersOpt,
    OscrOpt,
    PlaceOpt,
    PostcodesOpt,
    QuietOpt,
    RegionalOpt,
    ReportFormatOpt,
    ReportOutOpt,
    RespendOpt,
    SharesOfOpt,
    SheetOpt,
    SizeRuleOpt,
    SubRegionalOpt,
    SuppliersOpt,
    ToOpt,
    TopOpt,
    YearOpt,
    check_rejected,
    config_input,
    no_stdout,
    parse_max_rejected,
    register_flags,
    settings_from_options,
)
from spendkit.cli.watch import progress

DEFAULT_BY = ["department", "month"]
FORMATS = ("table", "json", "csv", "jsonl")


@app.command(short_help="Spend per class by service area, month or year, with trends.")
def report(
    ledgers: Ledgers,
    place: PlaceOpt = None,
    by: ByOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    fy: FyOpt = None,
    year: YearOpt = None,
    format: ReportFormatOpt = "table",
    out: ReportOutOpt = None,
    suppliers: SuppliersOpt = None,
    sub_regional: SubRegionalOpt = None,
    regional: RegionalOpt = None,
    keep_duplicates: KeepDuplicatesOpt = False,
    shares_of: SharesOfOpt = "auto",
    respend: RespendOpt = None,
    column: ColumnOpt = None,
    sheet: SheetOpt = None,
    postcodes: PostcodesOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    size_rule: SizeRuleOpt = None,
    max_rejected: MaxRejectedOpt = None,
    companies: CompaniesOpt = None,
    charities: CharitiesOpt = None,
    oscr: OscrOpt = None,
    ccni: CcniOpt = None,
    mutuals: MutualsOpt = None,
    no_registers: NoRegistersOpt = False,
) -> None:
    """Spend by place (and size and sector) broken down by service area, expense type, month,
    quarter or financial year, with trends, for a period; several files combine into one run."""
    with user_errors():
        from spendkit import api

        _check(format, out)
        parse_max_rejected(max_rejected)
        settings = settings_from_options(
            config, column=column, size_rule=size_rule, districts=place, sub_regional=sub_regional,
            regional=regional, suppliers=suppliers, postcodes=postcodes, sheet=sheet,
            **register_flags(companies, charities, oscr, ccni, mutuals, no_registers))
        also = config_input(config) + ([(respend, "the re-spend file")] if respend else [])
        _check_inputs(out, api.run_inputs(ledgers, settings, also))
        with progress(quiet):
            rep = api.report(ledgers, settings, by=by or DEFAULT_BY, date_from=date_from,
                              date_to=date_to, fy=fy, year=year, keep_duplicates=keep_duplicates,
                              shares_of=shares_of, respend=respend)
        _emit(rep, format, out, quiet, _render("print_report"))
        check_rejected(max_rejected, rep.summary["reconciliation"])


@app.command(short_help="Top suppliers overall and per class; concentration, leakage.")
def rank(
    ledgers: Ledgers,
    place: PlaceOpt = None,
    top: TopOpt = 20,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    fy: FyOpt = None,
    year: YearOpt = None,
    format: ReportFormatOpt = "table",
    out: ReportOutOpt = None,
    suppliers: SuppliersOpt = None,
    sub_regional: SubRegionalOpt = None,
    regional: RegionalOpt = None,
    keep_duplicates: KeepDuplicatesOpt = False,
    column: ColumnOpt = None,
    sheet: SheetOpt = None,
    postcodes: PostcodesOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    size_rule: SizeRuleOpt = None,
    companies: CompaniesOpt = None,
    charities: CharitiesOpt = None,
    oscr: OscrOpt = None,
    ccni: CcniOpt = None,
    mutuals: MutualsOpt = None,
    no_registers: NoRegistersOpt = False,
) -> None:
    """Top suppliers overall and within each class, how many make up 80% of spend, leakage
    (the largest spend outside the place where local suppliers are also paid), and the CLES
    view of the top 300."""
    with user_errors():
        from spendkit import api

        _check(format, out)
        settings = settings_from_options(
            config, column=column, size_rule=size_rule, districts=place, sub_regional=sub_regional,
            regional=regional, suppliers=suppliers, postcodes=postcodes, sheet=sheet,
            **register_flags(companies, charities, oscr, ccni, mutuals, no_registers))
        _check_inputs(out, api.run_inputs(ledgers, settings, config_input(config)))
        with progress(quiet):
            ranking = api.rank(ledgers, settings, top=top, date_from=date_from, date_to=date_to,
                                   fy=fy, year=year, keep_duplicates=keep_duplicates)
        _emit(ranking, format, out, quiet, _render("print_ranking"))


@app.command(short_help="Organisations ranked by local, sub-regional, SME, VCFSE share.")
def league(
    manifest: Manifest,
    method: MethodOpt = "spendkit",
    fy: FyOpt = None,
    year: YearOpt = None,
    shares_of: SharesOfOpt = "auto",
    format: ReportFormatOpt = "table",
    out: ReportOutOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    companies: CompaniesOpt = None,
    charities: CharitiesOpt = None,
    oscr: OscrOpt = None,
    ccni: CcniOpt = None,
    mutuals: MutualsOpt = None,
    no_registers: NoRegistersOpt = False,
) -> None:
    """Several organisations ranked by local, sub-regional, SME and VCFSE share ("44th of 311"),
    from their ledgers or their published shares, with the method shown."""
    with user_errors():
        from spendkit import api

        _check(format, out)
        settings = settings_from_options(
            config, **register_flags(companies, charities, oscr, ccni, mutuals, no_registers))
        if out:
            _check_inputs(out, api.league_inputs(manifest, [*config_input(config),
                                                            *api.run_inputs([], settings)]))
        with progress(quiet):
            table = api.league(manifest, settings, method=method, fy=fy,
                                year=year, shares_of=shares_of)
        _emit(table, format, out, quiet, _render("print_league"))


# ---------------------------------------------------------------- shared steps

def _check(format: str, out: list[Path] | None) -> None:
    """Bad --format or --out fail before any work (so nothing is half done)."""
    if format not in FORMATS:
        raise typer.BadParameter(f"use {', '.join(FORMATS)}", param_hint="--format")
    from spendkit.output.export import check_output
    from spendkit.output.save import OUTPUT_FORMATS

    no_stdout(out)
    for path in out or []:
        check_output(path, OUTPUT_FORMATS)


def _check_inputs(out: list[Path] | None, inputs: list[tuple[Path, str]]) -> None:
    """No --out may be, or overwrite, a file the run reads (exit status 2)."""
    from spendkit.output.export import check_not_inputs

    check_not_inputs(out or [], inputs)


def _render(name: str) -> Any:
    """The ``output.render`` function ``name``, imported when it prints (the command line starts
    without pandas: `spendkit --help` takes a tenth of a second)."""
    def printer(*args: Any, **options: Any) -> None:
        from spendkit.output import render

        getattr(render, name)(*args, **options)
    return printer


def _emit(thing: Any, format: str, out: list[Path] | None, quiet: bool, printer: Any) -> None:
    """Write each --out file, then the figures to stdout, then notes to stderr."""
    from spendkit.output.render import safe

    err = console(stderr=True, highlight=False)
    if out:
        from spendkit.output.export import atomic_paths
        from spendkit.output.save import save_output
        from spendkit.progress import counting, step

        with progress(quiet), atomic_paths(out) as temps:  # every file, or none: put in place
            for path, tmp in zip(out, temps, strict=True):      # only when all are written
                step(f"Writing {path.name}")
                save_output(thing, tmp, suffix=path.suffix, progress=counting(f"Writing {path.name}"))
    if format == "json":
        from spendkit.output.export import to_json

        sys.stdout.write(to_json(thing.to_dict()))
    elif format == "csv":
        from spendkit.output.save import csv_text

        sys.stdout.write(csv_text(thing.long()))
    elif format == "jsonl":
        from spendkit.output.export import jsonl_text

        sys.stdout.write(jsonl_text(thing.long()))
    else:
        printer(thing, figures_console(), verbose=not quiet)
    sys.stdout.flush()
    if not quiet:
        for note in getattr(thing, "notes", list)():
            err.print(f"[dim]{safe(note)}[/dim]", emoji=False)
        for path in out or []:
            err.print(f"[dim]Wrote {safe(path)}[/dim]", emoji=False)
