"""The report as an Excel workbook a finance team can send on, print and refresh from.

Sheets: Summary (headline figures, spend per class with a chart of spend by place, the
reconciliation, the notes), Trend by month, Trend by year, one sheet per breakdown,
Suppliers (every supplier, ranked, with place, size and sector), Top by class, Leakage,
Duplicates (when any), Classified rows (every counted row and whether the report includes
it), Rejected rows, Method (settings, rules, sources, version).

Every table is a named Excel table (``Headline``, ``ByPlace``, ``BySize``, ``BySector`` on
the Summary; ``TrendByMonth``, ``GeographyByDepartment``..., ``Suppliers``, ``TopByClass``,
``Leakage``, ``Duplicates``, ``Classified``, ``Rejected``), so Power Query and Power BI
refresh by name. Money is a number with a £ format, written from exact pence; totals are
the exact sums. Columns are as wide as their widest formatted value (bold totals included),
so no figure shows as ``###``. Labels are words, never spendkit's codes (``Outside UK``, not
``outside_uk``); flags are booleans; input files are named, never given as paths. Every sheet
prints landscape, one page wide, with its header row repeated; the Summary on one page. Text
a spreadsheet would run as a formula is neutralised (``export.safe_table``). The file is
written whole or not at all (``export.atomic_path``), fast (``spendkit.output.xlsx``).
"""

from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from spendkit.output.export import GBP_FORMAT, atomic_path, safe_value
from spendkit.output.xlsx import (
    COUNT_FORMAT,
    DATE_FORMAT,
    PP_FORMAT,
    SHARE_FORMAT,
    Book,
    Column,
    Progress,
    column_kind,
    money_text,
    number_text,
    safe_columns,
    text_width,
)
from spendkit.schema import CLASS_COLUMNS, COLUMN_LABELS, LABELS

if TYPE_CHECKING:
    from spendkit.aggregate.league import LeagueTable
    from spendkit.aggregate.rank import Ranking
    from spendkit.aggregate.report import Report

__all__ = ["COUNT_FORMAT", "DATE_FORMAT", "PP_FORMAT", "SHARE_FORMAT", "file_name", "header",
           "write_league", "write_ranking", "write_report"]

EXCEL_MAX_ROWS = 1_048_576
HEADERS = {"pence": "Spend £", "rows": "Rows", "payees": "Payees", "share": "Share",
           "cumulative_share": "Cumulative share", "group": "", "rank": "Rank", "payee": "Supplier",
           "period": "Period", "district_name": "District", "size_band": "Size", "sme": "SME",
           "geography": "Place", "sector": "Sector", "payee_key": "Supplier key",
           "share_of_group": "Share of group", "ranking": "Ranking", "category": "Category",
           "name": "Organisation", "source": "Figures from",
           "largest_non_local": "Largest supplier outside", "largest_non_local_place":
           "Its place", "local_suppliers": "Local suppliers", "postcode": "Postcode"}
MEASURES = {"local": "Local", "local_or_sub_regional": "Local + sub-regional", "sme": "SME",
            "vcfse": "VCFSE", "denominator": "Spend the shares are of", "non_local": "Not local",
            "largest_non_local": "Largest supplier outside"}
YES_NO = {"yes": "Yes", "no": "No", "unknown": "Unknown", "True": "Yes", "False": "No"}
FAMILY_TITLES = {"geography": "place", "size": "size", "sector": "sector"}
SOURCES = {"ledgers": "Ledgers", "published": "Published shares"}
_PATH = re.compile(r"\S*[/\\]\S*\.\w{1,8}(!\S+)?")  # folders and a file: 'data/ledger.csv'


def header(column: str, labels: dict[str, str] = LABELS) -> str:
    """'local_pence' -> 'Local £', 'vcfse_share' -> 'VCFSE share', 'sme_change_pp' -> ..."""
    if column in HEADERS:
        return HEADERS[column]
    for suffix, word in (("_pence", " £"), ("_share", " share"), ("_change_pp", " change"),
                         ("_yoy_pp", " on a year before"), ("_rank", " rank"),
                         ("_of", " ranked out of")):
        if column.endswith(suffix):
            stem = column[: -len(suffix)]
            return labels.get(stem, MEASURES.get(stem, stem.replace("_", " ").capitalize())) + word
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
    if column in ("rows", "payees", "rank", "local_suppliers") or column.endswith(("_rank", "_of")):
        return COUNT_FORMAT
    return None


def file_name(text: str) -> str:
    """An input's name without its folders: '/data/2024/ledger.zip!april.csv' ->
    'ledger.zip!april.csv' (a workbook never tells where a run was)."""
    outer, bang, member = str(text).partition("!")
    return Path(outer.replace("\\", "/")).name + bang + member


# ---------------------------------------------------------------- plain values

def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with spendkit's codes made words: classes by their labels (``LABELS``),
    yes/no flags as Yes/No/Unknown, a row's report status as Yes or why not, a supplier's
    place 'Manchester (sub_regional)' as 'Manchester (Sub-regional)', files by name."""
    out = frame.copy(deep=False)
    for c in out.columns:
        s = out[c]
        if c in CLASS_COLUMNS:
            out[c] = _relabel(s, LABELS)
        elif c == "sme" and not _is_flag(s):
            out[c] = _relabel(s, YES_NO)
        elif c == "in_report":
            out[c] = _relabel(s, {v: ("Yes" if v == "reported" else f"No: {v}")
                                  for v in pd.unique(s.astype("str"))})
        elif c in ("source_file", "file"):
            out[c] = _relabel(s, {v: file_name(v) for v in pd.unique(s.dropna().astype("str"))})
        elif c == "source":
            out[c] = _relabel(s, SOURCES)
        elif str(c).endswith("_place"):
            text = s.astype("object").where(s.notna(), "").astype("str")
            for code, label in LABELS.items():
                text = text.str.replace(f"({code})", f"({label})", regex=False)
            out[c] = text
    return out


def _is_flag(s: pd.Series) -> bool:
    return str(s.dtype) in ("bool", "boolean")


def _relabel(s: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """Values found in ``mapping`` replaced by their label, others kept (vectorised)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = [mapping.get(str(c), str(c)) for c in s.cat.categories]
        if len(set(cats)) == len(cats):
            return s.cat.rename_categories(cats)
    text = s.astype("object").where(s.notna(), "").astype("str")
    return text.map(mapping).fillna(text).astype("str")


def columns(frame: pd.DataFrame, *, headers: list[str] | None = None,
            formats: dict[str, str | None] | None = None, labels: dict[str, str] = LABELS
            ) -> list[Column]:
    """A frame as the columns of a workbook table: plain values, formula-safe text, a header
    and number format per column (money columns keep their exact pence)."""
    names = [str(c) for c in frame.columns]
    fmts = {c: number_format(c, frame[c].dtype) for c in names} | (formats or {})
    titles = headers or [header(c, labels) for c in names]
    safe = safe_columns(plain(frame), titles)
    return [Column(t, column_kind(values, fmts[c], fmts[c] == GBP_FORMAT), fmts[c], values)
            for c, (t, values) in zip(names, safe, strict=True)]


def totals(frame: pd.DataFrame, cols: list[Column]) -> list[Any]:
    """The bold Total row: 'Total', then the exact sum of every money column (pence -> £) and
    of the row counts; nothing under shares and ranks."""
    out: list[Any] = [("Total", None)]
    for name, col in zip(list(frame.columns)[1:], cols[1:], strict=True):
        if col.fmt == GBP_FORMAT:
            out.append((int(frame[name].sum()) / 100, GBP_FORMAT))
        elif name == "rows":
            out.append((int(frame[name].sum()), COUNT_FORMAT))
        else:
            out.append(None)
    return out


def table(book: Book, title: str, frame: pd.DataFrame, *, name: str | None = None,
          total: bool = False, labels: dict[str, str] = LABELS,
          formats: dict[str, str | None] | None = None, headers: list[str] | None = None) -> str:
    cols = columns(frame, labels=labels, formats=formats, headers=headers)
    ws, _ = book.table(title, cols, name=name,
                       total=totals(frame, cols) if total and len(cols) > 1 else None)
    return str(ws.name)


# ---------------------------------------------------------------- free-form sheets

class Sheet:
    """A free-form sheet written line by line (the Summary, the Method), its columns sized to
    what is written in them."""

    def __init__(self, book: Book, title: str, *, one_page: bool = False,
                 min_widths: tuple[float, ...] = (12,), max_widths: tuple[float, ...] = (60,)
                 ) -> None:
        self.book, self.row = book, 0
        self.ws = book.sheet(title, one_page=one_page)
        self.widths: dict[int, float] = dict(enumerate(min_widths))
        self.max_widths = max_widths

    def cell(self, col: int, item: Any) -> None:
        value, fmt, style = (*item, None, None)[:3] if isinstance(item, tuple) else (item, None, None)
        if value is None:
            return
        value = safe_value(value, xlsx=True)
        bold = style in ("bold", "head", "title")
        self.ws.write(self.row, col, value, self.book.fmt(fmt, bold=style == "bold",
                                                          head=style == "head",
                                                          title=style == "title"))
        if style == "title":
            return  # a title runs over the cells beside it
        shown = value if isinstance(value, str) else money_text(round(value * 100)) \
            if fmt == GBP_FORMAT else number_text(value, fmt)
        cap = self.max_widths[min(col, len(self.max_widths) - 1)]
        width = text_width(str(shown), bold=bold)
        if width <= cap or not isinstance(value, str):
            self.widths[col] = max(self.widths.get(col, 0), width)

    def line(self, *items: Any) -> int:
        for col, item in enumerate(items):
            self.cell(col, item)
        self.row += 1
        return self.row - 1

    def note(self, text: str, span: int = 5) -> None:
        """Long text wrapped across the first ``span`` columns."""
        chars = sum(self.widths.get(i, 12) for i in range(span))
        self.ws.merge_range(self.row, 0, self.row, span - 1, safe_value(text, xlsx=True),
                            self.book.fmt(wrap=True))
        self.ws.set_row(self.row, 15 * max(1, -(-len(text) // max(int(chars), 1))))
        self.row += 1

    def table(self, title: str, headers: list[str], rows: list[list[Any]]) -> int:
        """A small named table here; returns its header row."""
        first = self.row
        self.book.inline_table(self.ws, first, headers, rows, title)
        for col, h in enumerate(headers):
            self.widths[col] = max(self.widths.get(col, 0), text_width(h, bold=True))
        for r in rows:
            self.row += 1
            for col, item in enumerate(r):
                value, fmt = item if isinstance(item, tuple) else (item, None)
                if value is not None:
                    shown = value if isinstance(value, str) else money_text(round(value * 100)) \
                        if fmt == GBP_FORMAT else number_text(value, fmt)
                    self.widths[col] = max(self.widths.get(col, 0), text_width(str(shown)))
        self.row = first + max(len(rows), 1) + 1
        return first

    def finish(self) -> None:
        for col, width in self.widths.items():
            self.ws.set_column(col, col, round(width, 1))


def money_cell(pence: int) -> tuple[float, str]:
    return round(pence / 100, 2), GBP_FORMAT


# ---------------------------------------------------------------- the report workbook

def write_summary(book: Book, report: Report) -> None:
    s = report.summary
    place = ", ".join(d["name"] for d in s["place"]["local"])
    head = report.headline
    rec = report.reconciliation()
    sh = Sheet(book, "Summary", one_page=True, min_widths=(30, 14, 14, 14, 12), max_widths=(48, 30))
    sh.line((f"Spend report: {place}", None, "title"))
    sh.line(f"Period: {report.period['label']}. Headline shares are of {head['shares_of_text']}.")
    sh.line()
    sh.table("Headline", ["Measure", "Share", "Spend £", "Of £"], [
        [MEASURES[key], (head[key]["share"], SHARE_FORMAT), money_cell(head[key]["pence"]),
         money_cell(head["denominator_pence"])]
        for key in ("local", "local_or_sub_regional", "sme", "vcfse") if key in head])
    chart_rows: tuple[int, int] | None = None
    for family, section in report.class_totals().items():
        word = FAMILY_TITLES.get(family, family)
        sh.line()
        sh.line((f"Spend by {word}", None, "bold"))
        first = sh.table(f"By {word}", [word.capitalize(), "Spend £", "Share", "Payees", "Rows"], [
            [LABELS.get(cls, cls), money_cell(v["pence"]), (v["share"], SHARE_FORMAT),
             (v["payees"], COUNT_FORMAT), (v["rows"], COUNT_FORMAT)]
            for cls, v in section.items()])
        if family == "geography" and section:
            chart_rows = (first + 1, first + len(section))
        sh.line(("Total", None, "bold"),
                (*money_cell(sum(v["pence"] for v in section.values())), "bold"),
                (1.0 if rec["pence_reported"] else None, SHARE_FORMAT, "bold"), None,
                (sum(v["rows"] for v in section.values()), COUNT_FORMAT, "bold"))
    c = s["reconciliation"]
    sh.line()
    sh.line(("Reconciliation", None, "head"), ("Rows", None, "head"), ("Spend £", None, "head"))
    sh.line("Read from the ledgers", (c["rows_read"], COUNT_FORMAT), money_cell(c["pence_read"]))
    sh.line("Rejected (see Rejected rows)", (c["rows_rejected"], COUNT_FORMAT),
            money_cell(c["pence_rejected"]))
    sh.line("Counted (classified)", (c["rows_counted"], COUNT_FORMAT), money_cell(c["pence_counted"]))
    for label, key in (("Duplicates of an earlier file's rows, dropped", "duplicates_dropped"),
                       ("Paid outside the period", "outside_period"),
                       ("Undated, left out by the period", "undated_left_out")):
        sh.line(label, (rec[key]["rows"], COUNT_FORMAT), money_cell(rec[key]["pence"]))
    sh.line(("Reported", None, "bold"), (rec["rows_reported"], COUNT_FORMAT, "bold"),
            (*money_cell(rec["pence_reported"]), "bold"))
    sh.line("Reconciles", "Yes" if rec["balanced"] and c["balanced"] else "NO")
    notes = report.notes()
    if notes:
        sh.line()
        sh.line(("Notes", None, "head"))
        for n in notes:
            sh.note(n)
    if chart_rows is not None:
        _place_chart(book, sh, *chart_rows)
    sh.finish()


def _place_chart(book: Book, sh: Sheet, first: int, last: int) -> None:
    """A bar chart of spend by place, beside the Summary's tables."""
    chart = book.book.add_chart({"type": "bar"})
    name = sh.ws.name
    chart.add_series({"name": "Spend £", "categories": [name, first, 0, last, 0],
                      "values": [name, first, 1, last, 1], "fill": {"color": "#2F5597"},
                      "data_labels": {"value": True, "num_format": '"£"#,##0'}})
    chart.set_title({"name": "Spend by place", "name_font": {"size": 12}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True})
    chart.set_x_axis({"num_format": '"£"#,##0', "major_gridlines": {"visible": True}})
    chart.set_size({"width": 560, "height": 300})
    sh.ws.insert_chart(3, 6, chart, {"x_offset": 10, "y_offset": 0})


def write_method(book: Book, report: Report) -> None:
    s = report.summary
    m = report.method()
    place = s["place"]
    sh = Sheet(book, "Method", min_widths=(30, 60), max_widths=(48, 100))
    sh.line(("Method", None, "title"))
    sh.line()
    for label, value in (
        ("spendkit version", version("spendkit")),
        ("Period", m["period"]),
        ("Headline shares are of", m["shares_of"]),
        ("Duplicates", m["duplicates"]),
        ("Local", f"{place['local_basis']} ({', '.join(d['code'] for d in place['local'])})"),
        ("Sub-regional", f"{', '.join(d['name'] for d in place['sub_regional']) or 'none'} "
                         f"({place['sub_regional_basis']})"),
        ("Regional", place["regional_basis"]),
        ("Postcodes", s["postcode_directory"]),
        ("Supplier file", file_name((s["supplier_file"] or {}).get("file") or "none")),
    ):
        sh.line(label, value)
    if m.get("size_rule"):
        sh.line("Size rule", f"{m['size_rule']['name']} ({m['size_rule']['id']})")
        sh.line("Companies limited by guarantee as VCFSE",
                "Yes" if m.get("vcfse_includes_guarantee_companies") else "No")
    settings = getattr(report.result, "settings", None)
    if settings is not None:
        sh.line()
        sh.line(("Settings (spendkit.toml)", None, "head"), ("Value", None, "head"))
        for key, value in _flatten(settings.model_dump(mode="json")):
            sh.line(key, setting_text(value))
    sh.line()
    sh.line(("Inputs", None, "head"), ("", None, "head"))
    for info in s["inputs"]:
        where = f" [{info['sheet']}]" if info.get("sheet") else ""
        sh.line(f"{file_name(info['file'])}{where}", f"header on row {info['header_row']}; "
                f"{info['rows_read']:,} rows read")
        for role, col in info["columns"].items():
            sh.line(f"  {role.replace('_', ' ')}", col)
        for note in info["notes"]:
            sh.line("  note", note)
    sh.line()
    sh.line("Sources", "ONS Postcode Directory (Office for National Statistics, Open Government "
            "Licence v3.0); district names and regions shipped with spendkit. See "
            "docs/methodology.md.")
    sh.finish()


def setting_text(value: Any) -> str:
    """A setting's value as words: a list joined ('Public bodies, Individuals'), a file by its
    name, none, Yes/No."""
    if value is None or value == [] or value == {}:
        return "none"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(setting_text(v) for v in value)
    if isinstance(value, str):
        if _PATH.fullmatch(value) or Path(value).is_absolute():
            return file_name(value)
        return LABELS.get(value, value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in data.items():
        if isinstance(v, dict) and v:
            out += _flatten(v, f"{prefix}{k}.")
        else:
            out.append((f"{prefix}{k}", v))
    return out


def write_report(report: Report, path: Path, ranking: Ranking | None = None,
                 progress: Progress | None = None) -> None:
    """The report workbook (``ranking`` defaults to the report's rows, top 20 per class);
    ``progress(rows written, rows in all)`` is called as the tables' rows are written."""
    from spendkit.aggregate.rank import Ranking

    ranking = ranking or Ranking(report.rows, 20)
    book = Book()
    write_summary(book, report)
    for key, title in (("monthly", "Trend by month"), ("yearly", "Trend by year")):
        frame = report.trends[key]
        if len(frame):
            table(book, title, frame.rename(columns={"pence": "denominator_pence"}), labels=MEASURES)
    for b in report.breakdowns:
        table(book, b.title, b.table.rename(columns={"group": b.by}), total=True)
    _ranking_sheets(book, ranking)
    if len(report.duplicates):
        _rows_sheet(book, "Duplicates", report.duplicates[_listed(report.duplicates)], "Duplicates")
    rows = report.result.rows.assign(in_report=report.status.to_numpy())
    _rows_sheet(book, "Classified rows", rows, "Classified")
    _rows_sheet(book, "Rejected rows", report.result.rejected, "Rejected")
    write_method(book, report)
    _save(book, path, progress)


def write_ranking(ranking: Ranking, path: Path, progress: Progress | None = None) -> None:
    book = Book()
    c = ranking.concentration
    sh = Sheet(book, "Summary", one_page=True, min_widths=(30, 14), max_widths=(48, 30))
    sh.line(("Suppliers ranked", None, "title"))
    sh.line(f"Period: {ranking.period.get('label', 'all dates')}")
    sh.line()
    sh.line("Suppliers", (c["of"], COUNT_FORMAT))
    sh.line("Spend", money_cell(c["total_pence"]))
    sh.line(f"Suppliers making up {c['target']:.0%} of spend", (c["suppliers"], COUNT_FORMAT))
    sh.finish()
    _ranking_sheets(book, ranking)
    sh = Sheet(book, "Method", min_widths=(24, 60), max_widths=(40, 100))
    for k, v in ranking.method.items():
        sh.line(k.replace("_", " ").capitalize(), setting_text(v))
    sh.finish()
    _save(book, path, progress)


def write_league(league: LeagueTable, path: Path, progress: Progress | None = None) -> None:
    book = Book()
    table(book, "League", league.long(), labels={**LABELS, "sme": "SME"})
    sh = Sheet(book, "Rankings", min_widths=(60,), max_widths=(120,))
    sh.line(("Ranking", None, "head"))
    for line in league.sentences():
        sh.line(line)
    sh.finish()
    sh = Sheet(book, "Method", min_widths=(24, 60), max_widths=(40, 120))
    for k, v in league.method.items():
        sh.line(k.replace("_", " ").capitalize(), setting_text(v))
    sh.finish()
    _save(book, path, progress)


def _ranking_sheets(book: Book, ranking: Ranking) -> None:
    table(book, "Suppliers", ranking.all_suppliers, total=True)
    top = [t.assign(ranking=ranking_title(key, title))[["ranking", *t.columns]]
           for key, title, t in ranking.by_class]
    table(book, "Top by class", pd.concat(top, ignore_index=True) if top else ranking.long())
    leak = ranking.leakage.rename(columns={"category": ranking.leakage_category})
    table(book, "Leakage", leak, labels={**LABELS, **MEASURES})


def _save(book: Book, path: Path, progress: Progress | None) -> None:
    """The workbook to ``path``, whole or not at all."""
    with atomic_path(path) as tmp:
        book.write_to(tmp, progress)


def ranking_title(key: str, title: str) -> str:
    """A ranking's name that says which family an unknown class is of ('Suppliers of unknown
    place', not three rankings all called 'Unknown suppliers')."""
    family, _, cls = key.partition("=")
    if cls == "unknown":
        return f"Suppliers of unknown {FAMILY_TITLES.get(family, family)}"
    if cls in ("individual", "public"):
        return LABELS[cls]
    return title


def _listed(frame: pd.DataFrame) -> list[str]:
    from spendkit.aggregate.periods import DUPLICATE_COLUMNS

    return [c for c in DUPLICATE_COLUMNS if c in frame.columns]


def _rows_sheet(book: Book, title: str, rows: pd.DataFrame, name: str) -> None:
    """Every row: the ledger's own columns as they are, spendkit's under plain headers
    (``schema.COLUMN_LABELS``), the amount in £ beside its exact pence."""
    if len(rows) >= EXCEL_MAX_ROWS:
        sh = Sheet(book, title)
        sh.line(f"{len(rows):,} rows are more than one sheet holds: write them with "
                "`spendkit classify --out rows.parquet` (or .csv).")
        sh.finish()
        return
    from spendkit.output.export import _insert_amount  # the same 'amount' as `classify --out`

    frame = rows.drop(columns=[c for c in ("payee_key",) if c in rows.columns])
    formats: dict[str, str | None] = {}
    if "amount_pence" in frame:
        frame = _insert_amount(frame, frame["amount_pence"])
        formats = {"amount": GBP_FORMAT, "amount_pence": "0"}
    names = [str(c) for c in frame.columns]
    own = {c.lower() for c in names if c not in COLUMN_LABELS}  # the ledger's own columns
    headers = [c if c not in COLUMN_LABELS else COLUMN_LABELS[c] if COLUMN_LABELS[c].lower()
               not in own else f"{COLUMN_LABELS[c]} (spendkit)" for c in names]
    table(book, title, frame, name=name, formats=formats, headers=headers)

