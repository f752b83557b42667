"""`spendkit classify`, `spendkit suppliers` and `spendkit config init`: each reads its options,
makes one library call, and renders."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from spendkit.cli.app import app, console, figures_console, user_errors
from spendkit.cli.options import (
    CcniOpt,
    CharitiesOpt,
    ColumnOpt,
    CompaniesOpt,
    ConfigOpt,
    DecisionsOpt,
    FormatOpt,
    GuaranteeOpt,
    Ledgers,
    MaxRejectedOpt,
    MutualsOpt,
    NoRegistersOpt,
    OscrOpt,
    OutOpt,
    PlaceOpt,
    PostcodesOpt,
    QuietOpt,
    RegionalOpt,
    SheetOpt,
    SizeRuleOpt,
    SubRegionalOpt,
    SuppliersOpt,
    check_rejected,
    choices,
    config_input,
    one_out,
    parse_max_rejected,
    register_flags,
    settings_from_options,
)
from spendkit.cli.watch import progress


@app.command(short_help="Place, size and sector every payee, reconciled to the penny.")
def classify(
    ledgers: Ledgers,
    place: PlaceOpt = None,
    sub_regional: SubRegionalOpt = None,
    regional: RegionalOpt = None,
    suppliers: SuppliersOpt = None,
    outs: OutOpt = None,
    format: FormatOpt = "table",
    column: ColumnOpt = None,
    sheet: SheetOpt = None,
    postcodes: PostcodesOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    size_rule: SizeRuleOpt = None,
    guarantee_is_vcfse: GuaranteeOpt = None,
    max_rejected: MaxRejectedOpt = None,
    companies: CompaniesOpt = None,
    charities: CharitiesOpt = None,
    oscr: OscrOpt = None,
    ccni: CcniOpt = None,
    mutuals: MutualsOpt = None,
    no_registers: NoRegistersOpt = False,
    decisions: DecisionsOpt = None,
    engine: Annotated[str, typer.Option(
        "--engine", metavar="ENGINE", autocompletion=choices("local", "spark"),
        help="local (default) or spark (pip install 'spendkit[spark]'; docs/spark.md).")] = "local",
    encoding: Annotated[str, typer.Option(
        "--encoding", metavar="NAME",
        help="With --engine spark: the CSV files' encoding (default UTF-8).")] = "UTF-8",
) -> None:
    """Place, size and sector every payee; show the headline shares and spend per class,
    reconciled to the penny."""
    # Over 60 lines only because typer reads the options from the signature (30 lines); the
    # body is some 30.
    with user_errors():
        from spendkit import api
        from spendkit.output.export import to_json

        out = one_out(outs)
        parse_max_rejected(max_rejected)
        if format not in ("table", "json", "csv", "jsonl"):
            raise typer.BadParameter("use table or json (the figures), csv or jsonl (the rows)",
                                     param_hint="--format")
        if engine not in ("local", "spark"):
            raise typer.BadParameter("use local or spark", param_hint="--engine")
        if engine == "spark" and format in ("csv", "jsonl"):
            raise typer.BadParameter("the rows of a Spark run are written by Spark: give --out "
                                     "NAME.parquet (and --format table or json)", param_hint="--format")
        settings = settings_from_options(
            config, column=column, districts=place, sub_regional=sub_regional, regional=regional,
            suppliers=suppliers, postcodes=postcodes, sheet=sheet, size_rule=size_rule,
            guarantee_is_vcfse=guarantee_is_vcfse, decisions=decisions,
            **register_flags(companies, charities, oscr, ccni, mutuals, no_registers))
        if engine == "spark":
            from spendkit.engines.spark import classify_for_cli

            if out is not None:
                api.check_outputs([out], api.run_inputs(ledgers, settings, config_input(config)),
                                  (out.suffix,))
            spark_result, summary = classify_for_cli(ledgers, settings, out=out, encoding=encoding)
            notes = spark_result.register_notes  # what reading the registers found, as below
        else:
            with progress(quiet):
                result, summary = api.classify_and_export(ledgers, settings, out=out,
                                                          also=config_input(config))
            notes = result.notes  # what reading the registers found (rows skipped)
        if notes and not quiet:
            from spendkit.output.render import safe

            for note in notes:
                console(stderr=True).print(f"[dim]{safe(note)}[/dim]", highlight=False, emoji=False)
        if format in ("csv", "jsonl"):  # the rows on stdout; the figures' one line on stderr
            from spendkit.output.export import stream_rows
            from spendkit.output.render import counted_line

            stream_rows(result.rows, sys.stdout, format)
            sys.stdout.flush()  # (a reader gone stops here, quietly: no line on stderr)
            if not quiet:
                typer.echo(counted_line(summary["reconciliation"], out is not None), err=True)
        elif format == "json":
            sys.stdout.write(to_json(summary))
        else:
            from spendkit.output.render import print_classify, safe

            print_classify(summary, figures_console(), verbose=not quiet)
            if out is not None and not quiet:
                wrote = str(out) if engine == "spark" else f"{out} and {api.rejected_path(out)}"
                console(stderr=True).print(f"[dim]Wrote {safe(wrote)}[/dim]", highlight=False, emoji=False)
        sys.stdout.flush()
        check_rejected(max_rejected, summary["reconciliation"])


@app.command(short_help="One row per payee: spend, classes, evidence, missing facts.")
def suppliers(
    ledgers: Ledgers,
    outs: Annotated[list[Path] | None, typer.Option(
        "--out", "-o", metavar="FILE", help="Write the list (.csv or .xlsx). Once only.")] = None,
    place: PlaceOpt = None,
    suppliers: SuppliersOpt = None,
    column: ColumnOpt = None,
    sheet: SheetOpt = None,
    config: ConfigOpt = None,
    size_rule: SizeRuleOpt = None,
    top: Annotated[int, typer.Option("--top", metavar="N", help="Rows to show in the terminal.")] = 25,
    companies: CompaniesOpt = None,
    charities: CharitiesOpt = None,
    oscr: OscrOpt = None,
    ccni: CcniOpt = None,
    mutuals: MutualsOpt = None,
    no_registers: NoRegistersOpt = False,
    decisions: DecisionsOpt = None,
    unresolved: Annotated[bool, typer.Option(
        "--unresolved", help="Only payees no register entry was found for: the review list.")] = False,
) -> None:
    """One row per payee (name variants merged): spend, classes, evidence and missing facts.

    Fill in the blanks and pass the file back with --suppliers: it wins over weaker evidence.
    With registers (and --unresolved), the payees to review and their candidates."""
    with user_errors():
        from spendkit import api

        out = one_out(outs)
        settings = settings_from_options(config, column=column, districts=place,
                                         suppliers=suppliers, sheet=sheet, size_rule=size_rule,
                                         decisions=decisions,
                                         **register_flags(companies, charities, oscr, ccni, mutuals,
                                                          no_registers))
        with progress(False):
            _result, table = api.supplier_list(ledgers, settings, out=out, also=config_input(config),
                                               unresolved=unresolved)
        from spendkit.output.render import print_supplier_list, safe

        print_supplier_list(table, figures_console(), top=top, review=unresolved)
        if out is not None:
            console(stderr=True).print(f"[dim]Wrote {safe(out)}: fill in the blanks, then pass it back "
                                       f"with --suppliers {safe(out)}[/dim]", highlight=False, emoji=False)


config_app = typer.Typer(help="Settings files.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("init", short_help="Write a commented spendkit.toml and the sector rules.")
def config_init(
    folder: Annotated[Path, typer.Argument(help="Where to write spendkit.toml and spendkit-rules.toml.",
                                           metavar="[FOLDER]")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write a commented spendkit.toml and a copy of the sector rules to edit."""
    with user_errors():
        from spendkit.config import write_starter_files

        for path in write_starter_files(folder, force=force):
            typer.echo(f"wrote {path}")
