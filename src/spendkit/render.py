"""Summaries -> rich terminal tables. Reads the summary dict only, never the rows."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

LABELS = {
    "local": "Local", "sub_regional": "Sub-regional", "regional": "Regional",
    "national": "National", "outside_uk": "Outside UK", "unknown": "Unknown",
    "micro": "Micro", "small": "Small", "medium": "Medium", "sme": "SME (band unknown)",
    "large": "Large", "vcfse": "VCFSE", "private": "Private", "public": "Public bodies",
    "individual": "Individuals",
}


def money(pence: int) -> str:
    """Exact £ text: -123456 -> '-£1,234.56'."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def class_table(title: str, section: dict[str, dict[str, Any]], labels: dict[str, str]) -> Table:
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
    if rec.get("blank_rows_skipped"):
        lines.append(f"{rec['blank_rows_skipped']:,} blank row(s) skipped.")
    totals = rec.get("totals_rows")
    if totals:
        check = "equal to the sum of the other rows" if totals["all_match"] else \
            "[yellow]not equal to the sum of the other rows[/yellow]"
        lines.append(f"{totals['rows']} totals row(s) stating {money(totals['pence'])} ({check}) "
                     "set aside as not payments.")
    for reason, n in rec.get("rejected_by_reason", {}).items():
        lines.append(f"  rejected {n:,}: {reason}")
    return lines


def headline_lines(head: dict[str, Any]) -> list[str]:
    excluded = ", ".join(LABELS.get(s, s).lower() for s in head["excluded_sectors"]) or "nothing"
    left_out = sum(head["excluded_pence"].values())
    return [
        f"[bold]Influenceable spend {money(head['influenceable_pence'])}[/bold] with "
        f"{head['influenceable_payees']:,} payees ({excluded} left out: {money(left_out)})",
        f"  Local {share(head['local_share'])}  ·  local + sub-regional "
        f"{share(head['local_or_sub_regional_share'])}  ·  SME {share(head['sme_share'])}  ·  "
        f"VCFSE {share(head['vcfse_share'])}",
        f"  Unknown: place {share(head['unknown_place_share'])}, size "
        f"{share(head['unknown_size_share'])}, sector {share(head['unknown_sector_share'])}"
        f"  [dim](size rule: {head['size_rule']['name']})[/dim]",
    ]


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
    for line in headline_lines(summary["headline"]):
        console.print(line, highlight=False)
    console.print(class_table(f"Spend by place: {local}", summary["geography"], LABELS))
    if verbose:
        console.print(class_table("Spend by size", summary["size"], LABELS))
        console.print(class_table("Spend by sector", summary["sector"], LABELS))
        console.print(cross_table("Place × sector", summary["cross"]["geography_by_sector"]))
        console.print(cross_table("Place × size", summary["cross"]["geography_by_size"]))
    for line in reconciliation_lines(summary["reconciliation"]):
        console.print(line, highlight=False)
    if verbose:
        console.print(f"[dim]Sub-regional: {subs} ({place['sub_regional_basis']}). "
                      f"Regional: {place['regional_basis']}. Postcodes: {summary['postcode_directory']}.[/dim]",
                      highlight=False)
        for info in summary["inputs"]:
            cols = ", ".join(f"{k}='{v}'" for k, v in info["columns"].items() if k != "publisher")
            where = f" sheet '{info['sheet']}'" if info.get("sheet") else ""
            console.print(f"[dim]{info['file']}{where}: header on row {info['header_row']}; {cols}[/dim]",
                          highlight=False)
            for note in info["notes"]:
                if not note.startswith(("payee: '", "date: '", "postcode: '")):
                    console.print(f"[dim]  {note}[/dim]", highlight=False)
