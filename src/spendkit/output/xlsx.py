"""Excel workbooks, fast: xlsxwriter writes the frame of the workbook (formats, column widths,
named tables, charts, print set-up, the free-form sheets and each table's header and total
rows), and the body rows of every table are written as worksheet XML built a column at a
time with pandas, in blocks of rows, then spliced into the file xlsxwriter wrote. No Python
code runs per cell or per row, so 210,068 classified rows are written in seconds, and
memory holds one block of rows at a time.

Cells are typed: money from exact pence ('1234.56', the exact decimal, with a £ format),
counts and shares as numbers, dates as Excel dates (dd/mm/yyyy), flags as booleans (TRUE,
FALSE; empty where unknown) and text as text. An empty value writes no cell. The tables are
named Excel tables (``Classified``, ``Suppliers``...), which Power Query and Power BI refresh
by name; every sheet prints landscape, one page wide, with its header row on every page.
Text is passed through the one neutraliser (``cells.safe_strings``: formula-safe, XML-safe);
xlsxwriter's own conversions (text to formulas, numbers or links) are switched off.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spendkit.money import pounds
from spendkit.output.cells import GBP_FORMAT, safe_strings, sheet_name

Progress = Callable[[int, int], None]  # (rows written so far, rows in all) -> None

SHARE_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
PP_FORMAT = '+0.00" pp";-0.00" pp";0.00" pp"'
DATE_FORMAT = "dd/mm/yyyy"
HEAD_FILL = "#DDE4EE"
TABLE_STYLE = "Table Style Light 9"
BLOCK_ROWS = 20_000  # rows of XML built at once
MIN_WIDTH, MAX_TEXT_WIDTH = 8, 60
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_CELL_REF = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[RrCc][0-9]*|[Rr][0-9]*[Cc][0-9]*)$")
_ESCAPE_LIKE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")  # text Excel would read as an escape


def text_width(text: str, *, bold: bool = False) -> float:
    """Columns (Excel's width unit, about one digit) that ``text`` needs, with a margin."""
    return len(text) * (1.1 if bold else 1.0) + 2


def money_text(pence: int) -> str:
    """What the £ format shows for ``pence``: '-£1,234.56'."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def number_text(value: float, fmt: str | None) -> str:
    """What ``fmt`` shows for ``value`` (near enough to size a column)."""
    if fmt == SHARE_FORMAT:
        return f"{value * 100:.1f}%"
    if fmt == PP_FORMAT:
        return f"{value:+.2f} pp"
    if fmt == COUNT_FORMAT:
        return f"{value:,.0f}"
    if fmt == DATE_FORMAT:
        return "00/00/0000"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def table_name(title: str) -> str:
    """An Excel table name from a title: 'Geography by department' -> 'GeographyByDepartment'
    (letters, digits and underscores; never a cell reference such as 'A1')."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    name = "".join(w[:1].upper() + w[1:] for w in words)[:200] or "Table"
    if name[0].isdigit() or _CELL_REF.match(name):
        name = f"T_{name}"
    return name


@dataclass
class Column:
    """One column of a table: its header, kind and number format, and its cells' values."""

    header: str
    kind: str  # 'money' (pence), 'number', 'date', 'bool', 'text'
    fmt: str | None
    values: pd.Series


def column_kind(values: pd.Series, fmt: str | None, money: bool) -> str:
    dtype = str(values.dtype)
    if money:
        return "money"
    if dtype.startswith("datetime"):
        return "date"
    if dtype in ("bool", "boolean"):
        return "bool"
    if pd.api.types.is_numeric_dtype(values.dtype):
        return "number"
    return "text"


class Book:
    """An xlsxwriter workbook built in memory (the frame: small), whose tables' body rows are
    spliced in as the file is written (``write_to``)."""

    def __init__(self) -> None:
        import xlsxwriter

        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {
            "in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
            "strings_to_urls": False, "nan_inf_to_errors": False})
        self.formats: dict[tuple[Any, ...], Any] = {}
        self.sheet_names: set[str] = set()
        self.table_names: set[str] = set()
        # sheet name -> (its table's columns, body rows, last column, last row with the total)
        self.bodies: dict[str, tuple[list[Column], int, int, int]] = {}
        self.refs: dict[str, str] = {}  # table name -> its real range

    # ------------------------------------------------------------ formats and names

    def fmt(self, num_format: str | None = None, *, bold: bool = False, head: bool = False,
            title: bool = False, wrap: bool = False) -> Any:
        key = (num_format, bold, head, title, wrap)
        if key not in self.formats:
            props: dict[str, Any] = {}
            if num_format:
                props["num_format"] = num_format
            if bold or head or title:
                props["bold"] = True
            if head:
                props["bg_color"] = HEAD_FILL
            if title:
                props["font_size"] = 14
            if wrap:
                props["text_wrap"] = True
                props["valign"] = "top"
            self.formats[key] = self.book.add_format(props)
        return self.formats[key]

    def sheet(self, title: str, *, landscape: bool = True, one_page: bool = False) -> Any:
        """A new worksheet (its name made valid and unique) with the print set-up."""
        base = sheet_name(title)
        ws = self.book.add_worksheet(_unique(base, self.sheet_names, lambda i: f"{base[:28]} {i}"))
        if landscape:
            ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 1 if one_page else 0)  # one page wide (and tall: the Summary)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&L&A&RPage &P of &N")
        return ws

    def unique_table_name(self, title: str) -> str:
        base = table_name(title)
        return _unique(base, self.table_names, lambda i: f"{base}{i}")

    # ------------------------------------------------------------ tables

    def table(self, title: str, columns: list[Column], *, name: str | None = None,
              total: list[Any] | None = None) -> tuple[Any, str]:
        """A sheet holding one named Excel table: a bold header row (frozen, repeated on every
        printed page), the body rows, and ``total`` (a list of (value, number format) or None
        per column) as a bold row below the table. Returns the sheet and the table's name."""
        ws = self.sheet(title)
        name = self.unique_table_name(name or title)
        n = len(columns[0].values) if columns else 0
        headers = _table_headers([c.header for c in columns])
        for i, c in enumerate(columns):
            width = _column_width(headers[i], c, total[i] if total else None)
            ws.set_column(i, i, width, self.fmt(c.fmt) if c.fmt else None)
        last_col = max(len(columns) - 1, 0)
        # The table is declared over its header and one row (add_table would visit each cell
        # of the real range); the real range is written in when the file is saved.
        ws.add_table(0, 0, 1, last_col, {
            "name": name, "style": TABLE_STYLE, "autofilter": True,
            "columns": [{"header": h, "header_format": self.fmt(head=True)} for h in headers]})
        self.refs[name] = _range(0, 0, max(n, 1), last_col)
        if total:
            for i, item in enumerate(total):
                if item is not None:
                    value, fmt = item
                    ws.write(n + 1, i, value, self.fmt(fmt, bold=True))
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)
        self.bodies[ws.name] = (columns, n, last_col, n + (2 if total else 1))
        return ws, name

    def inline_table(self, ws: Any, first_row: int, headers: list[str], rows: list[list[Any]],
                     title: str) -> str:
        """A small named table written cell by cell on a free-form sheet (the Summary's
        spend by place, size and sector); each row item a value or (value, number format)."""
        name = self.unique_table_name(title)
        last_row = first_row + max(len(rows), 1)
        ws.add_table(first_row, 0, last_row, len(headers) - 1, {
            "name": name, "style": TABLE_STYLE, "autofilter": False,
            "columns": [{"header": h, "header_format": self.fmt(head=True)}
                        for h in _table_headers(headers)]})
        for r, row in enumerate(rows, start=first_row + 1):
            for c, item in enumerate(row):
                value, fmt = item if isinstance(item, tuple) else (item, None)
                if value is not None:
                    ws.write(r, c, value, self.fmt(fmt) if fmt else None)
        return name

    # ------------------------------------------------------------ saving

    def write_to(self, target: Path, progress: Progress | None = None) -> None:
        """Close the workbook and write the file to ``target`` (a temporary file the caller
        puts in place: ``export.atomic_path``), the tables' rows spliced in."""
        self.book.close()
        skeleton = zipfile.ZipFile(io.BytesIO(self.buffer.getvalue()))
        sheets = _sheet_files(skeleton)
        total_rows = sum(b[1] for b in self.bodies.values())
        done = 0
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for info in skeleton.infolist():
                data = skeleton.read(info.filename)
                sheet = sheets.get(info.filename)
                if sheet in self.bodies:
                    columns, n, last_col, last_row = self.bodies[sheet]
                    head, tail = _split_sheet(data.decode("utf-8"), _range(0, 0, last_row - 1,
                                                                          last_col))
                    styles = [self.fmt(c.fmt).xf_index if c.fmt else None for c in columns]
                    with out.open(info.filename, "w", force_zip64=True) as f, \
                            _Writer(f) as writer:
                        writer.put(head.encode("utf-8"))
                        for rows, block in body_xml(columns, n, styles):
                            writer.put(block)
                            done += rows
                            if progress:
                                progress(done, total_rows)
                        writer.put(tail.encode("utf-8"))
                elif info.filename.startswith("xl/tables/"):
                    out.writestr(info.filename, _patch_table(data.decode("utf-8"), self.refs))
                else:
                    out.writestr(info.filename, data)
        if progress:
            progress(total_rows, total_rows)


class _Writer:
    """Writes blocks to a file in a second thread (compressing them, which zlib does without
    the interpreter's lock) while the next block is made; at most two blocks wait."""

    def __init__(self, target: Any) -> None:
        import queue
        import threading

        self.target = target
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Writer:
        self.thread.start()
        return self

    def _run(self) -> None:
        while (block := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.target.write(block)
                except BaseException as exc:  # handed back to the writing thread
                    self.error = exc

    def put(self, block: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(block)

    def __exit__(self, *exc: object) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error


def _table_headers(names: list[str]) -> list[str]:
    """Header texts a table takes: text, on one line, at most 255 characters (Excel's limit
    for a table column's name), none empty, unique ignoring case."""
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names):
        name = re.sub(r"[\r\n\t]+", " ", str(raw)).strip()[:240] or f"Column {i + 1}"
        label, n = name, 1
        while label.lower() in seen:
            n += 1
            label = f"{name} ({n})"
        seen.add(label.lower())
        out.append(label)
    return out


def _range(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    from xlsxwriter.utility import xl_range

    return str(xl_range(first_row, first_col, last_row, last_col))


def _column_width(header: str, column: Column, total: tuple[Any, str | None] | None) -> float:
    """Wide enough for the header (and its filter button), the widest formatted value (so no
    '###'), and the bold total; text columns by the longest of most of their values."""
    widths = [text_width(header, bold=True) + 2, MIN_WIDTH]
    values = column.values
    if total is not None and total[0] is not None:
        value, fmt = total
        widths.append(text_width(money_text(round(value * 100)) if fmt == GBP_FORMAT
                                 else number_text(value, fmt) if not isinstance(value, str)
                                 else value, bold=True))
    known = values.dropna() if len(values) else values
    if column.kind == "money" and len(known):
        p = known.astype("int64")
        widths += [text_width(money_text(int(p.max()))), text_width(money_text(int(p.min())))]
    elif column.kind == "number" and len(known):
        finite = known[np.isfinite(known.astype("float64"))]
        if len(finite):
            hi, lo = finite.max(), finite.min()
            as_int = pd.api.types.is_integer_dtype(values.dtype)
            for v in (hi, lo):
                widths.append(text_width(number_text(int(v) if as_int else float(v), column.fmt)))
    elif column.kind == "date":
        widths.append(text_width("00/00/0000"))
    elif column.kind == "bool":
        widths.append(text_width("FALSE"))
    elif len(known):
        sample = known.iloc[:20_000].astype("str").str.len()
        widths.append(min(MAX_TEXT_WIDTH, float(sample.quantile(0.9)) + 2))
    return round(max(widths), 1)


def _sheet_files(book: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet name, from the workbook and its relationships."""
    workbook = book.read("xl/workbook.xml").decode("utf-8")
    rels = book.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = dict(re.findall(r'<Relationship Id="([^"]+)" Type="[^"]+/worksheet" Target="([^"]+)"',
                              rels))
    out = {}
    for name, rid in re.findall(r'<sheet name="([^"]*)" sheetId="\d+" r:id="([^"]+)"', workbook):
        out["xl/" + targets[rid]] = _unescape(name)
    return out


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def _split_sheet(xml: str, dimension: str) -> tuple[str, str]:
    """A skeleton sheet (its header row, maybe a total row) cut where the body rows go, just
    after the header row, with its dimension made the table's whole range."""
    xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>', xml, count=1)
    start = xml.index("<sheetData>")
    cut = xml.index("</row>", start) + len("</row>")
    return xml[:cut], xml[cut:]


def _patch_table(xml: str, refs: dict[str, str]) -> str:
    name = re.search(r' name="([^"]+)"', xml)
    if name is None or name.group(1) not in refs:
        return xml
    return re.sub(r' ref="[A-Z]+[0-9]+:[A-Z]+[0-9]+"', f' ref="{refs[name.group(1)]}"', xml)


# ---------------------------------------------------------------- safe text, once per value

def safe_categories(values: pd.Series) -> pd.Series:
    """Text as a Categorical of its distinct values, each passed once through the one
    neutraliser (``cells.safe_strings``: formula-safe, without what XML cannot hold, cut to
    Excel's cell limit); missing and empty text become missing."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), pd.Series(values.cat.categories)
    else:
        codes, raw = pd.factorize(values.astype("object"), use_na_sentinel=True)
        uniques = pd.Series(raw)
    safe = safe_strings(uniques.astype("object").astype("str"), xlsx=True)
    again, distinct = pd.factorize(safe.to_numpy(dtype=object))
    mapped = np.where(codes >= 0, again[np.maximum(codes, 0)] if len(again) else -1, -1)
    empty = np.flatnonzero(np.asarray(distinct, dtype=object) == "")
    if len(empty):
        mapped = np.where(mapped == empty[0], -1, mapped)
    return pd.Series(pd.Categorical.from_codes(mapped, categories=pd.Index(distinct, dtype=object)),
                     index=values.index, name=values.name)


def safe_columns(frame: pd.DataFrame, headers: list[str]) -> list[tuple[str, pd.Series]]:
    """(safe header, column) pairs: text columns as ``safe_categories``, others as they are."""
    titles = safe_strings(pd.Series(headers, dtype="object").astype("str"), xlsx=True).tolist()
    out = []
    for i, title in enumerate(titles):
        values = frame.iloc[:, i]
        text = values.dtype == object or pd.api.types.is_string_dtype(values.dtype) or \
            isinstance(values.dtype, pd.CategoricalDtype)
        out.append((title, safe_categories(values) if text else values))
    return out


# ---------------------------------------------------------------- the body rows as XML

@dataclass
class _Cells:
    """How one column's cells are made: the XML around each value, and either the values as
    text (numbers, dates, money: null where empty) or a Categorical's codes into ``words``
    (each distinct text's whole cell tail, escaped once)."""

    open: str
    close: str
    text: Any = None  # pyarrow string array, full length
    codes: np.ndarray | None = None
    words: Any = None  # pyarrow string array of cell tails, one per category


def body_xml(columns: list[Column], n: int, styles: list[int | None], first_row: int = 2
             ) -> Iterator[tuple[int, bytes]]:
    """The rows of ``columns`` as worksheet XML, ``BLOCK_ROWS`` at a time (with how many rows
    each block holds). Every cell is made by Arrow's string kernels, column by column: its
    reference ('<c r="B17"'), its value and the XML around it; then each row's cells are
    joined and the block's bytes are the joined rows' buffer, as it is."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from xlsxwriter.utility import xl_col_to_name

    join = pc.binary_join_element_wise
    prefixes = ['<c r="' + xl_col_to_name(i) for i in range(len(columns))]
    makers = [_cells(c, xf) for c, xf in zip(columns, styles, strict=True)]
    for start in range(0, n, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS)
        numbers = pc.cast(pa.array(np.arange(start + first_row, stop + first_row)), pa.string())
        cells = []
        for prefix, m in zip(prefixes, makers, strict=True):
            if m.codes is not None:
                codes = m.codes[start:stop]
                tails = pc.take(m.words, pa.array(codes, mask=codes < 0))
                cells.append(join(prefix, numbers, tails, ""))
            else:
                cells.append(join(prefix, numbers, m.open, m.text.slice(start, stop - start),
                                  m.close, ""))
        rows = join('<row r="', numbers, '">', *cells, "</row>", "", null_handling="replace",
                    null_replacement="")
        yield stop - start, _buffer(rows)


def _buffer(strings: Any) -> bytes:
    """The UTF-8 bytes of a string array's values, one after another."""
    _validity, offsets, data = strings.buffers()
    ends = np.frombuffer(offsets, dtype=np.int32)[strings.offset: strings.offset + len(strings) + 1]
    return bytes(memoryview(data)[int(ends[0]):int(ends[-1])]) if len(strings) else b""


def _cells(column: Column, xf: int | None) -> _Cells:
    import pyarrow as pa

    values = column.values
    style = f' s="{xf}"' if xf else ""
    number = ('"' + style + "><v>", "</v></c>")
    if column.kind == "money":
        missing = values.isna().to_numpy()
        return _Cells(*number, text=pa.array(pounds(values).to_numpy(dtype=object), pa.string(),
                                             mask=missing))
    if column.kind == "date":
        d = values.to_numpy(dtype="datetime64[ns]")
        missing = np.isnat(d)
        days = np.where(missing, 0, (d - _EXCEL_EPOCH) / np.timedelta64(1, "D"))
        whole = bool((np.floor(days) == days).all())
        text = pa.array(days.astype("int64") if whole else days, mask=missing).cast(pa.string())
        return _Cells(*number, text=text)
    if column.kind == "bool":
        missing = values.isna().to_numpy()
        flags = values.fillna(False).astype(bool).to_numpy()
        return _Cells('"' + style + ' t="b"><v>', "</v></c>",
                      text=pa.array(np.where(flags, "1", "0"), pa.string(), mask=missing))
    if column.kind == "number":
        floats = values.astype("float64").to_numpy()
        missing = ~np.isfinite(floats)
        raw = values.astype("Int64").fillna(0).to_numpy(dtype=np.int64) \
            if pd.api.types.is_integer_dtype(values.dtype) else np.where(missing, 0.0, floats)
        return _Cells(*number, text=pa.array(raw, mask=missing).cast(pa.string()))
    cats = values if isinstance(values.dtype, pd.CategoricalDtype) else safe_categories(values)
    words = pd.Series(cats.cat.categories, dtype="object").astype("str")
    words = (words.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False)
             .str.replace(">", "&gt;", regex=False))
    escape = words.str.contains("_x", regex=False)
    if escape.any():  # text Excel would read as its own _xHHHH_ escape
        words[escape] = words[escape].str.replace(_ESCAPE_LIKE, r"_x005F\1", regex=True)
    # xml:space="preserve" only where the text starts or ends with white space
    spaced = words.str.match(r"^\s|.*\s$", flags=re.DOTALL).fillna(False).to_numpy(dtype=bool)
    opening = np.where(spaced, '" t="inlineStr"><is><t xml:space="preserve">',
                       '" t="inlineStr"><is><t>').astype(object)
    tails = opening + words.to_numpy(dtype=object) + "</t></is></c>"
    return _Cells("", "", codes=cats.cat.codes.to_numpy().astype(np.int32),
                  words=pa.array(tails, pa.string()))


def _unique(base: str, taken: set[str], numbered: Callable[[int], str]) -> str:
    """``base``, or ``numbered(2)``, ``numbered(3)``... : the first name not in ``taken``
    (compared without case, as Excel does); it is added to ``taken``."""
    name, i = base, 2
    while name.lower() in taken:
        name = numbered(i)
        i += 1
    taken.add(name.lower())
    return name
