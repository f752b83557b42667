"""`spendkit report`, `spendkit rank` and `spendkit league`: each reads its options, makes one
library call, and renders. They add themselves to the main app when imported.

Data goes to stdout (the terminal tables, or --format json|csv); notes and "Wrote ..." go to
stderr, and --quiet leaves them out. --out files are written whole or not at all, after
every check has passed: an error leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli import (
    ColumnOpt,
    ConfigOpt,
    Ledgers,
    PlaceOpt,
    PostcodesOpt,
    QuietOpt,
    RegionalOpt,
    SheetOpt,
    SizeRuleOpt,
    SubRegionalOpt,
    SuppliersOpt,
    _settings,
    _user_errors,
    app,
)

DEFAULT_BY = ["department", "month"]
FORMATS = ("table", "json", "csv")

ByOpt = Annotated[list[str] | None, typer.Option(
    "--by", "-b", help="Break spend down by: department (service area), expense_type, month, "
                       "quarter, fy (UK financial year), year, or any ledger column. Repeat for "
                       "several (default: department and month).")]
FromOpt = Annotated[str | None, typer.Option(
    "--from", help="First payment date to count: 2024-04-01 or 01/04/2024.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last payment date to count (included).")]
FyOpt = Annotated[str | None, typer.Option(
    "--fy", help="Count one UK financial year, e.g. 2024/25 (1 April 2024 to 31 March 2025).")]
YearOpt = Annotated[int | None, typer.Option("--year", help="Count one calendar year, e.g. 2024.")]
ReportFormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, json or csv (stdout).")]
ReportOutOpt = Annotated[list[Path] | None, typer.Option(
    "--out", "-o", help="Write the report: .xlsx workbook, .html dashboard, .json document, or "
                        "the figures as a .csv or .parquet table. Repeat for several files.")]
KeepDuplicatesOpt = Annotated[bool, typer.Option(
    "--keep-duplicates", help="Keep rows that repeat an earlier file's row (same transaction id, "
                              "amount and payee); by default they are dropped, and reported.")]
SharesOfOpt = Annotated[str, typer.Option(
    "--shares-of", help="Denominator of the headline shares: influenceable (default when sectors "
                        "are known: public bodies and individuals left out) or all.")]
RespendOpt = Annotated[Path | None, typer.Option(
    "--respend", help="CSV of re-spend shares (supplier or class, respend): adds an LM3 estimate.")]
TopOpt = Annotated[int, typer.Option("--top", "-n", help="How many suppliers in each ranking.")]
MethodOpt = Annotated[str, typer.Option(
    "--method", help="spendkit (the place and settings as given) or tussell (local = the same "
                     "ITL1 region, calendar year, EU SME rule, Tussell's VCSE rule).")]
Manifest = Annotated[Path, typer.Argument(
    help="TOML manifest ([[organisation]] name, place, ledgers, suppliers) or a CSV table of "
         "published shares (name,local_share,sub_regional_share,sme_share,vcfse_share).",
    show_default=False)]


# ---------------------------------------------------------------- commands

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
) -> None:
    """Spend by place (and size and sector) broken down by service area, expense type, month,
    quarter or financial year, with trends, for a period; several files combine into one run."""
    with _user_errors():
        from .report import make_report

        _check(format, out)
        settings = _settings(config, column=column, size_rule=size_rule, districts=place,
                             sub_regional=sub_regional,
                             regional=regional, suppliers=suppliers, postcodes=postcodes, sheet=sheet)
        with _progress(quiet):
            rep = make_report(ledgers, settings, by=by or DEFAULT_BY, date_from=date_from,
                              date_to=date_to, fy=fy, year=year, keep_duplicates=keep_duplicates,
                              shares_of=shares_of, respend=respend)
        _emit(rep, format, out, quiet, print_report)


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
) -> None:
    """Top suppliers overall and within each class, how many make up 80% of spend, leakage
    (the largest spend outside the place where local suppliers are also paid), and the CLES
    view of the top 300."""
    with _user_errors():
        from .rank import make_ranking

        _check(format, out)
        settings = _settings(config, column=column, size_rule=size_rule, districts=place,
                             sub_regional=sub_regional,
                             regional=regional, suppliers=suppliers, postcodes=postcodes, sheet=sheet)
        with _progress(quiet):
            ranking = make_ranking(ledgers, settings, top=top, date_from=date_from, date_to=date_to,
                                   fy=fy, year=year, keep_duplicates=keep_duplicates)
        _emit(ranking, format, out, quiet, print_ranking)


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
) -> None:
    """Several organisations ranked by local, sub-regional, SME and VCFSE share ("44th of 311"),
    from their ledgers or their published shares, with the method shown."""
    with _user_errors():
        from .config import load_settings
        from .league import make_league

        _check(format, out)
        with _progress(quiet):
            table = make_league(manifest, load_settings(config)[0], method=method, fy=fy,
                                year=year, shares_of=shares_of)
        _emit(table, format, out, quiet, print_league)


def register(app: typer.Typer) -> None:
    """Add report, rank and league to ``app`` (once)."""
    have = {c.name for c in app.registered_commands}
    for name, fn in (("report", report), ("rank", rank), ("league", league)):
        if name not in have:
            app.command(name)(fn)


# ---------------------------------------------------------------- shared steps

def _check(format: str, out: list[Path] | None) -> None:
    """Bad --format or --out fail before any work (so nothing is half done)."""
    if format not in FORMATS:
        raise typer.BadParameter(f"use {', '.join(FORMATS)}", param_hint="--format")
    from .export import check_output
    from .report import OUTPUT_FORMATS

    for path in out or []:
        check_output(path, OUTPUT_FORMATS)


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[None]:
    """A spinner on stderr, only when a person is watching (a terminal) and not --quiet."""
    if quiet or not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status("Reading and classifying the ledgers…"):
        yield


def _emit(thing: Any, format: str, out: list[Path] | None, quiet: bool, printer: Any) -> None:
    """Write each --out file, then the figures to stdout, then notes to stderr."""
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True, highlight=False)
    with contextlib.ExitStack() as stack:  # every file, or none: renamed only when all are written
        from .export import atomic_path

        for path in out or []:
            thing.save(stack.enter_context(atomic_path(path)), suffix=path.suffix)
    if format == "json":
        from .export import to_json

        sys.stdout.write(to_json(thing.to_dict()))
    elif format == "csv":
        from .report import csv_text

        sys.stdout.write(csv_text(thing.long()))
    else:
        # Piped or redirected, rich would assume 80 columns; the tables need more.
        console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
        printer(thing, console, verbose=not quiet)
    sys.stdout.flush()
    if not quiet:
        for note in getattr(thing, "notes", list)():
            err.print(f"[dim]{escape(note)}[/dim]")
        for path in out or []:
            err.print(f"[dim]Wrote {path}[/dim]")


# ---------------------------------------------------------------- terminal rendering

def _pct(value: Any) -> str:
    from .render import share

    return share(None if value is None or value != value else float(value))


def _pp(value: Any) -> str:
    return "" if value is None or value != value else f"{value:+.1f}"


def print_report(rep: Any, console: Any, *, verbose: bool = True) -> None:
    from rich.table import Table

    from .render import LABELS, class_table, money
    from .report import DIMENSION_TITLES

    place = ", ".join(d["name"] for d in rep.summary["place"]["local"])
    head = rep.headline
    console.print(f"[bold]Spend report: {place}, {rep.period['label']}[/bold]: "
                  f"{money(head['pence'])}")
    parts = [f"{label} {_pct(head[k]['share'])}" for k, label in
             (("local", "Local"), ("local_or_sub_regional", "local + sub-regional"),
              ("sme", "SME"), ("vcfse", "VCFSE")) if k in head]
    console.print(f"  Shares of {head['shares_of_text']} ({money(head['denominator_pence'])}): "
                  + "  ·  ".join(parts))
    titles = {"geography": f"Spend by place: {place}", "size": "Spend by size",
              "sector": "Spend by sector"}
    for fam, section in rep.class_totals().items():
        if verbose or fam == "geography":
            console.print(class_table(titles[fam], section, LABELS))
    for b in rep.breakdowns:
        if not verbose and b.family != "geography":
            continue
        t = Table(title=b.title, title_justify="left", show_footer=True)
        total = int(b.table["pence"].sum())
        t.add_column(DIMENSION_TITLES.get(b.by, b.by).capitalize() if b.by.islower() else b.by,
                     footer="Total")
        t.add_column("Spend", justify="right", footer=money(total))
        t.add_column("Rows", justify="right", footer=f"{int(b.table['rows'].sum()):,}")
        for c in b.classes:
            overall = int(b.table[f"{c}_pence"].sum())
            t.add_column(LABELS.get(c, c), justify="right",
                         footer=_pct(overall / total if total else None))
        for rec in b.table.to_dict("records"):
            t.add_row(str(rec["group"]), money(rec["pence"]), f"{rec['rows']:,}",
                      *(_pct(rec[f"{c}_share"]) for c in b.classes))
        console.print(t)
    _print_trends(rep.trends, console)
    rec = rep.reconciliation()
    mark = "[green]reconciled[/green]" if rec["balanced"] else "[bold red]DOES NOT RECONCILE[/bold red]"
    console.print(
        f"Classified {money(rec['pence_counted'])} ({rec['rows_counted']:,} rows) = reported "
        f"{money(rec['pence_reported'])} ({rec['rows_reported']:,}) + duplicates dropped "
        f"{money(rec['duplicates_dropped']['pence'])} ({rec['duplicates_dropped']['rows']:,}) + "
        f"outside the period {money(rec['outside_period']['pence'])} "
        f"({rec['outside_period']['rows']:,}) + undated {money(rec['undated_left_out']['pence'])} "
        f"({rec['undated_left_out']['rows']:,}): {mark}")


def _print_trends(trends: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    from .render import money

    measures = [m for m, label in (("local", "Local"), ("sme", "SME"), ("vcfse", "VCFSE"))
                if f"{m}_share" in trends["monthly"]]
    labels = {"local": "Local", "sme": "SME", "vcfse": "VCFSE"}
    for key, title in (("monthly", "Headline shares by month"),
                       ("yearly", "Headline shares by financial year")):
        frame = trends[key]
        if len(frame) < 1:
            continue
        t = Table(title=f"{title} (of {trends['shares_of']} spend; change in percentage points)",
                  title_justify="left")
        t.add_column("Period")
        t.add_column("Of spend", justify="right")
        for m in measures:
            t.add_column(labels[m], justify="right")
            t.add_column("±", justify="right")
        for rec in frame.to_dict("records"):
            t.add_row(rec["period"], money(rec["pence"]),
                      *(x for m in measures for x in (_pct(rec[f"{m}_share"]),
                                                       _pp(rec[f"{m}_change_pp"]))))
        console.print(t)


def _supplier_table(title: str, frame: Any, console: Any) -> None:
    from rich.table import Table

    from .render import LABELS, money

    t = Table(title=title, title_justify="left")
    for name, justify in (("#", "right"), ("Supplier", "left"), ("Spend", "right"),
                          ("Share", "right"), ("Cumulative", "right"), ("Place", "left"),
                          ("Size", "left"), ("Sector", "left")):
        t.add_column(name, justify=justify)  # type: ignore[arg-type]
    for rec in frame.to_dict("records"):
        where = f"{rec.get('district_name') or '?'} ({LABELS.get(rec['geography'], rec['geography'])})"
        t.add_row(str(rec["rank"]), str(rec["payee"]), money(rec["pence"]), _pct(rec["share"]),
                  _pct(rec["cumulative_share"]), where,
                  LABELS.get(rec.get("size_band", ""), rec.get("size_band", "")),
                  LABELS.get(rec.get("sector", ""), rec.get("sector", "")))
    console.print(t)


def print_ranking(ranking: Any, console: Any, *, verbose: bool = True) -> None:
    from rich.table import Table

    from .render import money

    c = ranking.concentration
    shown = {"all", "geography=local", "sme", "sector=vcfse"}
    for key, title, frame in ranking.by_class:
        if (verbose and key in shown) or key == "all":
            _supplier_table(f"{title}: top {len(frame)}", frame, console)
    console.print(f"{c['suppliers']:,} of {c['of']:,} suppliers make up {c['target']:.0%} of "
                  f"spend ({money(c['pence'])} of {money(c['total_pence'])}).")
    if verbose and len(ranking.leakage):
        t = Table(title=f"Leakage: by {ranking.leakage_category.replace('_', ' ')} where local "
                        "suppliers are also paid (top 10)", title_justify="left")
        for name in ("Category", "Local", "Outside the place", "Largest outside supplier", "Spend",
                     "Where"):
            t.add_column(name, justify="left" if name in ("Category", "Largest outside supplier",
                                                          "Where") else "right")
        for rec in ranking.leakage.head(10).to_dict("records"):
            t.add_row(str(rec["category"]), money(rec["local_pence"]), money(rec["non_local_pence"]),
                      str(rec["largest_non_local"]), money(rec["largest_non_local_pence"]),
                      str(rec["largest_non_local_place"]))
        console.print(t)
        console.print("[dim]The CLES view (top 300 suppliers with place, size and sector) and every "
                      "class's ranking are in --format json|csv and --out.[/dim]")


def print_league(table: Any, console: Any, *, verbose: bool = True) -> None:
    from rich.table import Table

    from .league import LABELS
    from .render import money

    measures = table.measures()
    t = Table(title=f"League table ({table.method['name']} method, {table.method['period']})",
              title_justify="left")
    t.add_column("Organisation")
    t.add_column("Spend", justify="right")
    for m in measures:
        t.add_column(LABELS[m], justify="right")
        t.add_column("Rank", justify="right")
    for e in table.ordered():
        cells = [e["name"], money(e["pence"]) if e.get("pence") is not None else "published"]
        for m in measures:
            r = e["ranks"].get(m)
            cells += [_pct(e["shares"].get(m)), f"{r['rank']} of {r['of']}" if r else "–"]
        t.add_row(*cells)
    console.print(t)
    for line in table.sentences():
        console.print(line)
    if verbose:
        for k, v in table.method.items():
            if k != "name":
                console.print(f"[dim]{k.replace('_', ' ')}: {v}[/dim]")


register(app)
