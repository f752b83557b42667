"""Summaries -> rich terminal tables. Reads the summary dict only, never the rows.

Rich reads ``[...]`` in a string as markup and ``:name:`` as an emoji: text from a ledger, a
file name or a manifest goes into a table as ``cell`` (plain text) and into a line of markup
as ``safe`` (escaped), so ``J Smith [t/a Smith Plumbing]`` shows as written and ``[/]``
cannot end a style or crash the print. Lines holding such text are printed with emoji off.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from spendkit.aggregate.dimensions import DIMENSION_TITLES
from spendkit.aggregate.league import LABELS as MEASURE_LABELS
from spendkit.aggregate.league import ordinal
from spendkit.money import money, share
from spendkit.schema import LABELS

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # what a terminal obeys rather than shows


def printable(value: Any) -> str:
    """``value`` as text a terminal shows and does not obey: a line break or tab as a space,
    any other control character (an escape sequence that would clear or colour the screen) as
    its code, ``\\x1b``."""
    return _CONTROL.sub(lambda m: " " if m[0] in "\t\n\r" else f"\\x{ord(m[0]):02x}", str(value))


def safe(value: Any) -> str:
    """Ledger or user text for a line of Rich markup, escaped: shown as written."""
    return escape(printable(value))


def cell(value: Any) -> Text:
    """Ledger or user text for a table cell or title: plain text, never markup or an emoji."""
    return Text(printable(value))


def class_table(title: str | Text, section: dict[str, dict[str, Any]], labels: dict[str, str]) -> Table:
    table = Table(title=title, title_justify="left", show_footer=True)
    total_pence = sum(v["pence"] for v in section.values())
    table.add_column("Class", footer="Total")
    table.add_column("Spend", justify="right", footer=money(total_pence))
    table.add_column("Share", justify="right", footer=share(1.0) if total_pence else "–")
    table.add_column("Payees", justify="right")
    table.add_column("Rows", justify="right", footer=f"{sum(v['rows'] for v in section.values()):,}")
    for key, v in section.items():
        table.add_row(labels.get(key, key), money(v["pence"]), share(v["share"]),
                      f"{v['payees']:,}", f"{v['rows']:,}")
    return table


def reconciliation_lines(rec: dict[str, Any]) -> list[str]:
    mark = "[green]reconciled[/green]" if rec["balanced"] else "[bold red]DOES NOT RECONCILE[/bold red]"
    lines = [
        f"Rows: {rec['rows_read']:,} read = {rec['rows_counted']:,} counted + "
        f"{rec['rows_rejected']:,} rejected; pence: {money(rec['pence_read'])} read = "
        f"{money(rec['pence_counted'])} counted + {money(rec['pence_rejected'])} rejected: {mark}",
    ]
    if rec.get("checked"):  # tables, rows, pence, dates covered and months missing
        lines.append(rec["checked"] + ".")
    if rec.get("blank_rows_skipped"):
        lines.append(f"{rec['blank_rows_skipped']:,} blank row(s) skipped.")
    totals = rec.get("totals_rows")
    if totals:
        check = "equal to the sum of the other rows" if totals["all_match"] else \
            "[yellow]not equal to the sum of the other rows[/yellow]"
        lines.append(f"{totals['rows']} totals row(s) stating {money(totals['pence'])} ({check}) "
                     "set aside as not payments.")
    for reason, n in rec.get("rejected_by_reason", {}).items():
        lines.append(f"  rejected {n:,}: {safe(reason)}")
    return lines


MEASURE_NAMES = (("local", "Local"), ("local_or_sub_regional", "local + sub-regional"),
                 ("sme", "SME"), ("vcfse", "VCFSE"))
FAMILY_OF = {"local": "place", "local_or_sub_regional": "place", "sme": "size", "vcfse": "sector"}


def span(fig: dict[str, Any]) -> str:
    """A share's bounds, '16.1–17.1%' (every unknown out – every unknown in)."""
    if fig.get("low") is None:
        return "–"
    return f"{fig['low'] * 100:.1f}–{share(fig['high'])}"


def _share_or_not(fig: dict[str, Any] | None, value: float | None) -> str:
    """A headline share, or 'not enough evidence' when its family is known for too little."""
    if fig is not None and not fig["enough_evidence"] and fig["coverage"] is not None:
        return "[yellow]not enough evidence[/yellow]"
    return share(value)


def headline_lines(head: dict[str, Any], list_payees: str | None = None) -> list[str]:
    """The committee's lines: influenceable spend, the shares of it (or 'not enough evidence'),
    what each is known for and its bounds, and the next step where evidence is short."""
    excluded = ", ".join(LABELS.get(s, s).lower() for s in head["excluded_sectors"]) or "nothing"
    left_out = sum(head["excluded_pence"].values())
    measures = head.get("measures", {})
    lines = [
        f"[bold]Influenceable spend {money(head['influenceable_pence'])}[/bold] with "
        f"{head['influenceable_payees']:,} payees ({excluded} left out: {money(left_out)}); "
        "the shares below are of it",
        "  " + "  ·  ".join(f"{label} {_share_or_not(measures.get(m), head[f'{m}_share'])}"
                            for m, label in MEASURE_NAMES),
    ]
    cover = head.get("coverage")
    if cover and head["influenceable_pence"]:
        known = ", ".join(f"{fam} {share(f['coverage'])}" for fam, f in cover.items())
        bounds = "  ·  ".join(f"{label} {span(measures[m])}" for m, label in MEASURE_NAMES if m in measures)
        lines.append(f"  Known for: {known} of it (a share is stated at {share(head['min_coverage'])} "
                     f"or more). If every unknown were out – in: {bounds}")
    lines.append(f"  Unknown: place {share(head['unknown_place_share'])}, size "
                 f"{share(head['unknown_size_share'])}, sector {share(head['unknown_sector_share'])}"
                 f"  [dim](size rule: {head['size_rule']['name']})[/dim]")
    return lines + next_step_lines(cover or {}, list_payees)


def next_step_lines(cover: dict[str, Any], list_payees: str | None) -> list[str]:
    """Each family's next step where evidence is short, then the command listing the payees."""
    lines = [f"  [yellow]{safe(f['next_step'])}[/yellow]" for f in cover.values() if f.get("next_step")]
    if lines and list_payees:
        lines.append(f"  List the payees, largest spend first, with the facts each lacks (fill them "
                     f"in, pass the file back with --suppliers): {safe(list_payees)}")
    return lines


def coverage_lines(head: dict[str, Any], list_payees: str | None = None) -> list[str]:
    """A report headline's coverage and bounds, and the next step where evidence is short."""
    cover = head.get("coverage") or {}
    if not cover or not head.get("denominator_pence"):
        return []
    known = ", ".join(f"{fam} {share(f['coverage'])}" for fam, f in cover.items())
    bounds = "  ·  ".join(f"{label} {span(head[m])}" for m, label in MEASURE_NAMES if m in head)
    lines = [f"  Known for: {known} of it (a share is stated at {share(head['min_coverage'])} or "
             f"more). If every unknown were out – in: {bounds}"]
    return lines + next_step_lines(cover, list_payees)


def cross_table(title: str, cross: dict[str, dict[str, int]]) -> Table:
    columns = list(next(iter(cross.values())))
    table = Table(title=title, title_justify="left")
    table.add_column("")
    for c in columns:
        table.add_column(LABELS.get(c, c), justify="right")
    for row, values in cross.items():
        table.add_row(LABELS.get(row, row), *(money(v) if v else "–" for v in values.values()))
    return table


def print_classify(summary: dict[str, Any], console: Console, *, verbose: bool = True) -> None:
    place = summary["place"]
    local = ", ".join(d["name"] for d in place["local"])
    subs = ", ".join(d["name"] for d in place["sub_regional"]) or "none"
    for line in headline_lines(summary["headline"], summary.get("list_payees")):
        console.print(line, highlight=False, emoji=False)
    of_all = " (shares of all counted spend)"
    console.print(class_table(cell(f"Spend by place: {local}{of_all}"), summary["geography"], LABELS))
    if verbose:
        console.print(class_table(f"Spend by size{of_all}", summary["size"], LABELS))
        console.print(class_table(f"Spend by sector{of_all}", summary["sector"], LABELS))
        console.print(cross_table("Place × sector", summary["cross"]["geography_by_sector"]))
        console.print(cross_table("Place × size", summary["cross"]["geography_by_size"]))
    for line in reconciliation_lines(summary["reconciliation"]):
        console.print(line, highlight=False)
    if verbose:
        console.print(f"[dim]Sub-regional: {safe(subs)} ({safe(place['sub_regional_basis'])}). "
                      f"Regional: {safe(place['regional_basis'])}. "
                      f"Postcodes: {safe(summary['postcode_directory'])}.[/dim]", highlight=False, emoji=False)
        for info in summary["inputs"]:
            cols = ", ".join(f"{k}='{v}'" for k, v in info["columns"].items() if k != "publisher")
            where = f" sheet '{info['sheet']}'" if info.get("sheet") else ""
            console.print(f"[dim]{safe(info['file'] + where)}: header on row {info['header_row']}; "
                          f"{safe(cols)}[/dim]", highlight=False, emoji=False)
            for note in info["notes"]:
                if not note.startswith(("payee: '", "date: '", "postcode: '")):
                    console.print(f"[dim]  {safe(note)}[/dim]", highlight=False, emoji=False)


# ---------------------------------------------------------------- reports

def _pct(value: Any) -> str:

    return share(None if value is None or value != value else float(value))


def _pp(value: Any) -> str:
    return "" if value is None or value != value else f"{value:+.1f}"


def print_report(rep: Any, console: Any, *, verbose: bool = True) -> None:
    from rich.table import Table


    place = ", ".join(d["name"] for d in rep.summary["place"]["local"])
    head = rep.headline
    console.print(f"[bold]Spend report: {safe(place)}, {safe(rep.period['label'])}[/bold]: "
                  f"{money(head['pence'])}", emoji=False)
    parts = [f"{label} {_share_or_not(head[k], head[k]['share'])}" for k, label in MEASURE_NAMES
             if k in head]
    console.print(f"  Shares of {safe(head['shares_of_text'])} ({money(head['denominator_pence'])}): "
                  + "  ·  ".join(parts), emoji=False)
    for line in coverage_lines(head, rep.summary.get("list_payees")):
        console.print(line, emoji=False, highlight=False)
    of_all = " (shares of all reported spend)"
    titles = {"geography": f"Spend by place: {place}{of_all}", "size": f"Spend by size{of_all}",
              "sector": f"Spend by sector{of_all}"}
    for fam, section in rep.class_totals().items():
        if verbose or fam == "geography":
            console.print(class_table(cell(titles[fam]), section, LABELS))
    for b in rep.breakdowns:
        if not verbose and b.family != "geography":
            continue
        t = Table(title=cell(b.title), title_justify="left", show_footer=True)
        total = int(b.table["pence"].sum())
        t.add_column(cell(DIMENSION_TITLES.get(b.by, b.by).capitalize() if b.by.islower() else b.by),
                     footer="Total")
        t.add_column("Spend", justify="right", footer=money(total))
        t.add_column("Rows", justify="right", footer=f"{int(b.table['rows'].sum()):,}")
        for c in b.classes:
            overall = int(b.table[f"{c}_pence"].sum())
            t.add_column(LABELS.get(c, c), justify="right",
                         footer=_pct(overall / total if total else None))
        for rec in b.table.to_dict("records"):
            t.add_row(cell(rec["group"]), money(rec["pence"]), f"{rec['rows']:,}",
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
        withheld = False
        for rec in frame.to_dict("records"):
            cells = []
            for m in measures:
                short = rec[f"{m}_share"] != rec[f"{m}_share"] and rec.get(f"{m}_coverage") == rec.get(f"{m}_coverage")
                withheld = withheld or short
                cells += ["n/e" if short else _pct(rec[f"{m}_share"]), _pp(rec[f"{m}_change_pp"])]
            t.add_row(rec["period"], money(rec["pence"]), *cells)
        console.print(t)
        if withheld:
            console.print(f"[dim]n/e: not enough evidence (the measure's place, size or sector known for "
                          f"less than {share(trends.get('min_coverage'))} of that period's spend; "
                          "the JSON and CSV give each period's coverage).[/dim]", highlight=False)


def _supplier_table(title: str, frame: Any, console: Any) -> None:
    from rich.table import Table


    t = Table(title=cell(title), title_justify="left")
    for name, justify in (("#", "right"), ("Supplier", "left"), ("Spend", "right"),
                          ("Share", "right"), ("Cumulative", "right"), ("Place", "left"),
                          ("Size", "left"), ("Sector", "left")):
        t.add_column(name, justify=justify)  # type: ignore[arg-type]
    for rec in frame.to_dict("records"):
        where = f"{rec.get('district_name') or '?'} ({LABELS.get(rec['geography'], rec['geography'])})"
        t.add_row(str(rec["rank"]), cell(rec["payee"]), money(rec["pence"]), _pct(rec["share"]),
                  _pct(rec["cumulative_share"]), cell(where),
                  cell(LABELS.get(rec.get("size_band", ""), rec.get("size_band", ""))),
                  cell(LABELS.get(rec.get("sector", ""), rec.get("sector", ""))))
    console.print(t)


def print_ranking(ranking: Any, console: Any, *, verbose: bool = True) -> None:
    from rich.table import Table


    c = ranking.concentration
    shown = {"all", "geography=local", "sme", "sector=vcfse"}
    for key, title, frame in ranking.by_class:
        if (verbose and key in shown) or key == "all":
            _supplier_table(f"{title}: top {len(frame)}", frame, console)
    console.print(f"{c['suppliers']:,} of {c['of']:,} suppliers make up {c['target']:.0%} of "
                  f"spend ({money(c['pence'])} of {money(c['total_pence'])}).")
    cover = ranking.coverage() if hasattr(ranking, "coverage") else {}
    if cover:
        known = ", ".join(f"{fam} {share(f['coverage'])}" for fam, f in cover.items())
        console.print(f"Known for: {known} of this spend; a ranking within a class (local, SME, "
                      "VCFSE) leaves out the suppliers whose class is unknown.", highlight=False)
    if verbose and len(ranking.leakage):
        t = Table(title=cell(f"Leakage: by {ranking.leakage_category.replace('_', ' ')} where local "
                             "suppliers are also paid (top 10)"), title_justify="left")
        for name in ("Category", "Local", "Outside the place", "Largest outside supplier", "Spend",
                     "Where"):
            t.add_column(name, justify="left" if name in ("Category", "Largest outside supplier",
                                                          "Where") else "right")
        for rec in ranking.leakage.head(10).to_dict("records"):
            t.add_row(cell(rec["category"]), money(rec["local_pence"]), money(rec["non_local_pence"]),
                      cell(rec["largest_non_local"]), money(rec["largest_non_local_pence"]),
                      cell(rec["largest_non_local_place"]))
        console.print(t)
        console.print("[dim]The CLES view (top 300 suppliers with place, size and sector) and every "
                      "class's ranking are in --format json|csv and --out.[/dim]")


def print_league(table: Any, console: Any, *, verbose: bool = True) -> None:
    from rich.table import Table

    measures = table.measures()
    t = Table(title=cell(f"League table ({table.method['name']} method, {table.method['period']})"),
              title_justify="left")
    t.add_column("Organisation")
    t.add_column("Spend", justify="right")
    for m in measures:
        t.add_column(MEASURE_LABELS[m], justify="right")
        t.add_column("Rank", justify="right")
    for e in table.ordered():
        cells: list[str | Text] = [cell(e["name"]), money(e["pence"]) if e.get("pence") is not None else "published"]
        for m in measures:
            r, known = e["ranks"].get(m), e.get("coverage", {}).get(m)
            low, high = e.get("bounds", {}).get(m) or (None, None)
            figure = _pct(e["shares"].get(m)) if m not in e.get("not_ranked", {}) else "not enough evidence"
            if known is not None:
                figure += f" ({_pct(known)} known; {span({'low': low, 'high': high})})"
            place = ("not ranked" if m in e.get("not_ranked", {}) else "–") if not r else (
                f"{ordinal(r['rank'])} of {r['of']}" + ("" if r["best"] == r["worst"] else
                                                        f" ({ordinal(r['best'])}-{ordinal(r['worst'])})"))
            cells += [figure, place]
        t.add_row(*cells)
    console.print(t)
    for line in table.sentences():
        console.print(cell(line))
    if verbose:
        for k, v in table.method.items():
            if k != "name":
                console.print(f"[dim]{k.replace('_', ' ')}: {safe(v)}[/dim]", emoji=False)


SUPPLIER_LIST_COLUMNS = ("Supplier Name", "spendkit: spend (£)", "spendkit: place",
                         "spendkit: size band", "spendkit: sector", "spendkit: missing")


REVIEW_COLUMNS = ("Supplier Name", "spendkit: spend (£)", "spendkit: cumulative share",
                  "spendkit: register match", "spendkit: candidates")


def print_supplier_list(table: Any, console: Any, *, top: int = 25, review: bool = False) -> None:
    """The supplier list's ``top`` payees by spend, with their classes and missing facts (with
    ``review``: the unresolved payees, the cumulative share of spend and the candidates)."""
    from rich.table import Table

    what = "Payees to review" if review else "Payees"
    show = Table(title=f"{what}: {len(table):,} (top {min(top, len(table))} by spend)",
                 title_justify="left")
    columns = [c for c in (REVIEW_COLUMNS if review else SUPPLIER_LIST_COLUMNS) if c in table.columns]
    for name in columns:
        show.add_column(name.removeprefix("spendkit: "), justify="right" if "£" in name or "share" in name else "left")
    shown = table.head(top)[columns].astype(str)
    if "spendkit: spend (£)" in shown:  # '92857600.08' -> '92,857,600.08' (the file keeps the figure)
        shown["spendkit: spend (£)"] = shown["spendkit: spend (£)"].map(_grouped)
    for cells in shown.itertuples(index=False):
        show.add_row(*map(cell, cells))
    console.print(show)


def _grouped(pounds: str) -> str:
    """An exact pounds figure with thousands separators (as written when it is not one)."""
    from decimal import Decimal, InvalidOperation

    try:
        return f"{Decimal(pounds):,.2f}"
    except (InvalidOperation, ValueError):
        return pounds


def counted_line(rec: dict[str, Any], written: bool) -> str:
    """The one line on stderr when the rows themselves go to stdout (--format csv|jsonl): what
    was counted, what was rejected and where the rejected rows are."""
    money_ok = "reconciled" if rec["balanced"] else "DOES NOT RECONCILE"
    where = ("in the .rejected file beside --out" if written else
             "not in this output: --out FILE writes them beside the rows")
    rejected = (f"; {rec['rows_rejected']:,} rejected ({where})" if rec["rows_rejected"]
                else "; none rejected")
    return (f"spendkit: {rec['rows_counted']:,} of {rec['rows_read']:,} rows counted "
            f"({money(rec['pence_counted'])}){rejected}; {money_ok}")
