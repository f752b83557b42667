"""The report as an Excel workbook a finance team can send on.

Sheets: Summary (headline figures, spend per class, the reconciliation), Trend by month,
Trend by year, one sheet per breakdown, Suppliers (every supplier, ranked, with place, size
and sector), Top by class, Leakage, Duplicates (when any), Classified rows (every counted row
and whether the report includes it), Rejected rows, Method (settings, rules, sources, version).

Money is written in pounds (pence / 100) with a £ number format; the pence stay alongside as
whole numbers where a sheet lists rows. Headers are bold and frozen, tables have an
autofilter, and text a spreadsheet would run as a formula is neutralised
(``spendkit.output.export.safe_table``, for every cell and header). The file is written whole or not at all.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from spendkit.output.export import GBP_FORMAT, atomic_path, safe_table, safe_value, sheet_name
from spendkit.schema import LABELS

if TYPE_CHECKING:
    from spendkit.aggregate.league import LeagueTable
    from spendkit.aggregate.rank import Ranking
    from spendkit.aggregate.report import Report

SHARE_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
PP_FORMAT = '+0.00" pp";-0.00" pp";0.00" pp"'
DATE_FORMAT = "dd/mm/yyyy"
EXCEL_MAX_ROWS = 1_048_576
HEADERS = {"pence": "Spend £", "rows": "Rows", "payees": "Payees", "share": "Share",
           "cumulative_share": "Cumulative share", "group": "", "rank": "Rank", "payee": "Supplier",
           "period": "Period", "district_name": "District", "size_band": "Size", "sme": "SME",
           "geography": "Place", "sector": "Sector", "payee_key": "Supplier key",
           "share_of_group": "Share of group"}


MEASURES = {"local": "Local", "local_or_sub_regional": "Local + sub-regional", "sme": "SME",
            "vcfse": "VCFSE", "denominator": "Spend the shares are of"}


def header(column: str, labels: dict[str, str] = LABELS) -> str:
    """'local_pence' -> 'Local £', 'vcfse_share' -> 'VCFSE share', 'sme_change_pp' -> ..."""
    if column in HEADERS:
        return HEADERS[column]
    for suffix, word in (("_pence", " £"), ("_share", " share"), ("_change_pp", " change"),
                         ("_yoy_pp", " on a year before")):
        if column.endswith(suffix):
            stem = column[: -len(suffix)]
            return labels.get(stem, stem.replace("_", " ").capitalize()) + word
    return column.replace("_", " ").capitalize() if column.islower() else column


def number_format(column: str, dtype: Any) -> str | None:
    if column == "pence" or column.endswith("_pence"):
        return GBP_FORMAT
    if column.endswith("share"):
        return SHARE_FORMAT
    if column.endswith("_pp"):
        return PP_FORMAT
    if str(dtype).startswith("datetime"):
        return DATE_FORMAT
    if column in ("rows", "payees", "rank", "local_suppliers"):
        return COUNT_FORMAT
    return None


class Book:
    """A write-only openpyxl workbook with the house style."""

    def __init__(self) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill

        self.book = Workbook(write_only=True)
        self.bold = Font(bold=True)
        self.title_font = Font(bold=True, size=14)
        self.fill = PatternFill("solid", fgColor="DDE4EE")
        self.names: set[str] = set()

    def _name(self, title: str) -> str:
        base = sheet_name(title)
        name, i = base, 2
        while name.lower() in self.names:
            name = f"{base[:28]} {i}"
            i += 1
        self.names.add(name.lower())
        return name

    def cell(self, ws: Any, value: Any, fmt: str | None = None, *, bold: bool = False,
             title: bool = False, fill: bool = False) -> Any:
        from openpyxl.cell import WriteOnlyCell

        c = WriteOnlyCell(ws, value=value)
        if fmt:
            c.number_format = fmt
        if bold or title:
            c.font = self.title_font if title else self.bold
        if fill:
            c.fill = self.fill
        return c

    def table(self, title: str, frame: pd.DataFrame, *, total: bool = False,
              formats: dict[str, str | None] | None = None, raw_headers: bool = False,
              labels: dict[str, str] = LABELS) -> str:
        """One sheet holding ``frame``: a bold frozen header, autofilter, formats by column name
        (``*pence`` as £, ``*share`` as %), and optionally a Total row below the filter range."""
        from openpyxl.utils import get_column_letter

        name = self._name(title)
        ws = self.book.create_sheet(name)
        out = frame.copy()
        cols = [str(c) for c in out.columns]
        formats = {c: number_format(c, out[c].dtype) for c in cols} | (formats or {})
        def title_of(c: str) -> str:
            return c if raw_headers else header(c, labels)

        for c in cols:
            if formats[c] == GBP_FORMAT:
                out[c] = out[c].astype("float64") / 100  # a missing figure stays empty
            elif str(out[c].dtype) == "boolean":  # written as text, like the other flags
                out[c] = out[c].astype("object").fillna("").astype("str")
        out = safe_table(out, xlsx=True, headers=[title_of(c) for c in cols])
        titles = list(out.columns)
        for i, t in enumerate(titles, start=1):
            width = _width(t, out[t], formats[cols[i - 1]])
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        if cols:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(out) + 1}"
        ws.append([self.cell(ws, t, bold=True, fill=True) for t in titles])
        fmts = [formats[c] for c in cols]
        for values in out.itertuples(index=False, name=None):
            ws.append([self.cell(ws, _value(v), f) if f else _value(v)
                       for v, f in zip(values, fmts, strict=True)])
        if total and len(cols) > 1:
            sums: list[Any] = [self.cell(ws, "Total", bold=True)]
            for c in cols[1:]:
                additive = formats[c] == GBP_FORMAT or c == "rows"
                v = round(int(frame[c].sum()) / 100, 2) if formats[c] == GBP_FORMAT else \
                    int(frame[c].sum()) if additive else None
                sums.append(self.cell(ws, v, formats[c], bold=True) if additive else None)
            ws.append(sums)
        return name

    def sheet(self, title: str, lines: list[list[Any]], widths: tuple[int, ...] = (34, 18, 14, 14, 14)
              ) -> str:
        """A free-form sheet: each line a list of items, each a value or (value, number format
        [, style]) with style 'bold', 'title' or 'head' (a header cell)."""
        from openpyxl.utils import get_column_letter

        name = self._name(title)
        ws = self.book.create_sheet(name)
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        for line in lines:
            row = []
            for item in line:
                value, fmt, style = (*item, None, None)[:3] if isinstance(item, tuple) else \
                    (item, None, None)
                row.append(self.cell(ws, safe_value(value, xlsx=True), fmt, bold=style == "bold", title=style == "title",
                                     fill=style == "head"))
            ws.append(row)
        return name

    def save(self, path: Path) -> None:
        with atomic_path(path) as tmp:
            self.book.save(tmp)


def _value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT or v == "":  # an empty cell is not written at all
        return None
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "to_pydatetime"):
        return v.to_pydatetime()
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def _width(title: str, values: pd.Series, fmt: str | None) -> int:
    if fmt == GBP_FORMAT:
        return max(14, len(title) + 2)
    if fmt in (SHARE_FORMAT, COUNT_FORMAT, PP_FORMAT, DATE_FORMAT):
        return max(10, len(title) + 2)
    lengths = values.astype("str").str.len().fillna(0)  # an empty cell (NA) has no length
    longest = int(lengths.quantile(0.9)) + 2 if len(values) else 0
    return min(60, max(10, len(title) + 2, longest))


# ---------------------------------------------------------------- the report workbook

def money_cell(pence: int) -> tuple[float, str]:
    return round(pence / 100, 2), GBP_FORMAT


def summary_lines(report: Report) -> list[list[Any]]:
    s = report.summary
    place = ", ".join(d["name"] for d in s["place"]["local"])
    head = report.headline
    rec = report.reconciliation()
    lines: list[list[Any]] = [
        [(f"Spend report: {place}", None, "title")],
        [f"Period: {report.period['label']}. Headline shares are of {head['shares_of_text']}."],
        [],
        [("Headline", None, "head"), ("Share", None, "head"), ("Spend £", None, "head"),
         ("Of £", None, "head")],
    ]
    for key in ("local", "local_or_sub_regional", "sme", "vcfse"):
        if key in head:
            lines.append([MEASURES[key],
                          (head[key]["share"], SHARE_FORMAT), money_cell(head[key]["pence"]),
                          money_cell(head["denominator_pence"])])
    for family, section in report.class_totals().items():
        lines += [[], [(f"Spend by {'place' if family == 'geography' else family}", None, "head"),
                       ("Spend £", None, "head"), ("Share", None, "head"), ("Payees", None, "head"),
                       ("Rows", None, "head")]]
        for cls, v in section.items():
            lines.append([LABELS.get(cls, cls), money_cell(v["pence"]), (v["share"], SHARE_FORMAT),
                          (v["payees"], COUNT_FORMAT), (v["rows"], COUNT_FORMAT)])
        lines.append([("Total", None, "bold"),
                      (*money_cell(sum(v["pence"] for v in section.values())), "bold"),
                      (1.0 if rec["pence_reported"] else None, SHARE_FORMAT, "bold"), None,
                      (sum(v["rows"] for v in section.values()), COUNT_FORMAT, "bold")])
    c = s["reconciliation"]
    lines += [[], [("Reconciliation", None, "head"), ("Rows", None, "head"), ("Spend £", None, "head")],
              ["Read from the ledgers", (c["rows_read"], COUNT_FORMAT), money_cell(c["pence_read"])],
              ["Rejected (see Rejected rows)", (c["rows_rejected"], COUNT_FORMAT),
               money_cell(c["pence_rejected"])],
              ["Counted (classified)", (c["rows_counted"], COUNT_FORMAT), money_cell(c["pence_counted"])]]
    for label, key in (("Duplicates of an earlier file's rows, dropped", "duplicates_dropped"),
                       ("Paid outside the period", "outside_period"),
                       ("Undated, left out by the period", "undated_left_out")):
        lines.append([label, (rec[key]["rows"], COUNT_FORMAT), money_cell(rec[key]["pence"])])
    lines.append([("Reported", None, "bold"), (rec["rows_reported"], COUNT_FORMAT, "bold"),
                  (*money_cell(rec["pence_reported"]), "bold")])
    lines.append(["Reconciles", "yes" if rec["balanced"] and c["balanced"] else "NO"])
    notes = report.notes()
    if notes:
        lines += [[], [("Notes", None, "head")], *[[n] for n in notes]]
    return lines


def method_lines(report: Report) -> list[list[Any]]:
    s = report.summary
    m = report.method()
    place = s["place"]
    lines: list[list[Any]] = [
        [("Method", None, "title")], [],
        ["spendkit version", version("spendkit")],
        ["Period", m["period"]],
        ["Headline shares are of", m["shares_of"]],
        ["Duplicates", m["duplicates"]],
        ["Local", f"{place['local_basis']} ({', '.join(d['code'] for d in place['local'])})"],
        ["Sub-regional", f"{', '.join(d['name'] for d in place['sub_regional']) or 'none'} "
                         f"({place['sub_regional_basis']})"],
        ["Regional", place["regional_basis"]],
        ["Postcodes", s["postcode_directory"]],
        ["Supplier file", (s["supplier_file"] or {}).get("file", "none")],
    ]
    if m.get("size_rule"):
        lines.append(["Size rule", f"{m['size_rule']['name']} ({m['size_rule']['id']})"])
        lines.append(["Companies limited by guarantee as VCFSE",
                      "yes" if m.get("vcfse_includes_guarantee_companies") else "no"])
    settings = getattr(report.result, "settings", None)
    if settings is not None:
        lines += [[], [("Settings", None, "head"), ("Value", None, "head")]]
        for key, value in _flatten(settings.model_dump(mode="json")):
            lines.append([key, json.dumps(value, ensure_ascii=False) if not isinstance(value, str)
                          else value])
    lines += [[], [("Inputs", None, "head"), ("", None, "head")]]
    for info in s["inputs"]:
        where = f" [{info['sheet']}]" if info.get("sheet") else ""
        lines.append([f"{info['file']}{where}", f"header on row {info['header_row']}; "
                      f"{info['rows_read']:,} rows read"])
        for role, col in info["columns"].items():
            lines.append([f"  {role}", col])
        for note in info["notes"]:
            lines.append(["  note", note])
    lines += [[], ["Sources: ONS Postcode Directory (Office for National Statistics, Open Government "
                   "Licence v3.0); district names and regions shipped with spendkit. See "
                   "docs/methodology.md."]]
    return lines


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in data.items():
        if isinstance(v, dict) and v:
            out += _flatten(v, f"{prefix}{k}.")
        else:
            out.append((f"{prefix}{k}", v))
    return out


def write_report(report: Report, path: Path, ranking: Ranking | None = None) -> None:
    """The report workbook (``ranking`` defaults to the report's rows, top 20 per class)."""
    from spendkit.aggregate.rank import Ranking

    ranking = ranking or Ranking(report.rows, 20)
    book = Book()
    book.sheet("Summary", summary_lines(report), widths=(46, 18, 18, 18, 12))
    for key, title in (("monthly", "Trend by month"), ("yearly", "Trend by year")):
        frame = report.trends[key]
        if len(frame):
            book.table(title, frame.rename(columns={"pence": "denominator_pence"}), labels=MEASURES)
    for b in report.breakdowns:
        table = b.table.rename(columns={"group": b.by})
        book.table(b.title, table, total=True)
    _ranking_sheets(book, ranking)
    if len(report.duplicates):
        book.table("Duplicates", report.duplicates[_listed(report.duplicates)])
    rows = report.result.rows.assign(in_report=report.status.to_numpy())
    _rows_sheet(book, "Classified rows", rows)
    _rows_sheet(book, "Rejected rows", report.result.rejected)
    book.sheet("Method", method_lines(report), widths=(40, 100))
    book.save(path)


def write_ranking(ranking: Ranking, path: Path) -> None:
    book = Book()
    c = ranking.concentration
    book.sheet("Summary", [
        [("Suppliers ranked", None, "title")],
        [f"Period: {ranking.period.get('label', 'all dates')}"], [],
        ["Suppliers", (c["of"], COUNT_FORMAT)],
        ["Spend", money_cell(c["total_pence"])],
        [f"Suppliers making up {c['target']:.0%} of spend", (c["suppliers"], COUNT_FORMAT)],
    ])
    _ranking_sheets(book, ranking)
    book.sheet("Method", [[k, json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v]
                          for k, v in ranking.method.items()], widths=(30, 100))
    book.save(path)


def write_league(table: LeagueTable, path: Path) -> None:
    book = Book()
    book.table("League", table.long(), labels={**LABELS, "sme": "SME"})
    book.sheet("Rankings", [[("Ranking", None, "head")], *[[line] for line in table.sentences()]],
               widths=(120,))
    book.sheet("Method", [[k.replace("_", " "), str(v)] for k, v in table.method.items()],
               widths=(24, 120))
    book.save(path)


def _ranking_sheets(book: Book, ranking: Ranking) -> None:
    book.table("Suppliers", ranking.all_suppliers, total=True)
    book.table("Top by class", ranking.long())
    book.table("Leakage", ranking.leakage.rename(columns={"category": ranking.leakage_category}))


def _listed(frame: pd.DataFrame) -> list[str]:
    from spendkit.aggregate.periods import DUPLICATE_COLUMNS

    return [c for c in DUPLICATE_COLUMNS if c in frame.columns]


def _rows_sheet(book: Book, title: str, rows: pd.DataFrame) -> None:
    """Every row with its own column names (as `spendkit classify --out` writes them): 'amount'
    in £ where the ledger row's pence are, and 'amount_pence' kept as whole pence."""
    if len(rows) >= EXCEL_MAX_ROWS:
        book.sheet(title, [[f"{len(rows):,} rows are more than one sheet holds: write them with "
                            "`spendkit classify --out rows.parquet` (or .csv)."]])
        return
    from spendkit.output.export import (
        _insert_amount,  # the same 'amount' column as `classify --out` writes
    )

    frame = rows.drop(columns=[c for c in ("payee_key",) if c in rows.columns])
    formats: dict[str, str | None] = {}
    if "amount_pence" in frame:
        frame = _insert_amount(frame, frame["amount_pence"])
        formats = {"amount": GBP_FORMAT, "amount_pence": "0"}
    book.table(title, frame, formats=formats, raw_headers=True)
