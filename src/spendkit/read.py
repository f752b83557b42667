"""Files -> raw tables of text.

This module finds the table in a file and nothing more: the format (by
content, not by file name), the encoding, the delimiter, the sheet and the
header row. Every cell comes out as a string ("" when empty); interpreting
amounts, dates and postcodes is ``normalise``'s job.

Row numbers are the ones a spreadsheet shows: row 1 is the file's first
record (CSV) or the sheet's first row (XLSX), so a message saying "row 812"
can be found by opening the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputFileError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods")
DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_ROWS = 60
XLSX_MAX_UNCOMPRESSED = 2 * 1024**3  # refuse zip bombs before inflating them

_BLANK_LINE = re.compile(r"\n\r?\n|\r\r")


@dataclass
class RawTable:
    """One table read from a file: text cells, with where they came from."""

    frame: pd.DataFrame  # one str column per header; "" for an empty cell
    source: str  # file name as the user gave it (plus "!member" inside a zip)
    row_numbers: np.ndarray  # each data row's row number in the file
    header_row: int  # row number of the header
    headers: list[str]  # the header cells as written (frame columns are de-duplicated)
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    blank_rows: int = 0  # rows with every cell empty, dropped
    notes: list[str] = field(default_factory=list)


# A header-scoring function: given a row of cells, how header-like it is.
HeaderScorer = Callable[[Sequence[str]], float]


def read_tables(path: str | Path, *, sheet: str | None = None,
                score_header: HeaderScorer | None = None) -> list[RawTable]:
    """Read every table in ``path``: one for a CSV or workbook, one per member of a zip."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file.", hint="Check the path and try again.")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not a ledger file.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror}).") from None
    return _read_bytes(data, str(path), sheet=sheet, score_header=score_header or _default_scorer)


def _read_bytes(data: bytes, source: str, *, sheet: str | None,
                score_header: HeaderScorer) -> list[RawTable]:
    kind = sniff_format(data)
    if kind == "empty":
        raise InputFileError(f"{source}: the file is empty.", hint="Export the ledger again.")
    if kind == "xlsx":
        return [read_workbook(data, source, sheet=sheet, score_header=score_header)]
    if kind == "xls":
        return [read_workbook(data, source, sheet=sheet, score_header=score_header, legacy=True)]
    if kind == "zip":
        return _read_zip(data, source, sheet=sheet, score_header=score_header)
    if kind == "binary":
        raise InputFileError(
            f"{source}: this is not a text or spreadsheet file (it holds binary data).",
            hint="spendkit reads CSV, XLSX/XLS, or a zip holding them.",
        )
    if sheet is not None:
        raise InputFileError(f"{source}: --sheet was given but this is a CSV file, which has no sheets.")
    return [read_csv_bytes(data, source, score_header=score_header)]


def sniff_format(data: bytes) -> str:
    """'xlsx', 'xls', 'zip', 'csv', 'binary' or 'empty', decided by content."""
    if not data.removeprefix(b"\xef\xbb\xbf").strip():  # a BOM alone is still an empty file
        return "empty"
    if data[:4] == b"PK\x03\x04":
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "zip"  # a damaged zip: _read_zip says so, naming the file
        return "xlsx" if "[Content_Types].xml" in names else "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    head = data[:65536]
    if b"\x00" in head.replace(b"\x00\x00", b"") and head.count(b"\x00") > len(head) // 10:
        return "binary"
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13, 0))
    if controls > len(head) // 20:
        return "binary"
    return "csv"


def _read_zip(data: bytes, source: str, *, sheet: str | None,
              score_header: HeaderScorer) -> list[RawTable]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in archive.infolist()
                   if not i.is_dir() and i.filename.lower().endswith(TABLE_SUFFIXES)
                   and not Path(i.filename).name.startswith((".", "~$"))]
        if not members:
            raise InputFileError(f"{source}: the zip holds no CSV or spreadsheet file.")
        tables = []
        for info in sorted(members, key=lambda i: i.filename):
            if info.file_size > XLSX_MAX_UNCOMPRESSED:
                raise InputFileError(f"{source}!{info.filename}: inflates to {info.file_size:,} bytes, "
                                     "too large to read safely.")
            tables += _read_bytes(archive.read(info), f"{source}!{info.filename}",
                                  sheet=sheet, score_header=score_header)
        return tables
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise InputFileError(f"{source}: the zip file is damaged ({exc}).",
                             hint="Download or export it again.") from None


# ---------------------------------------------------------------- CSV

def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the first lines most consistently into the most fields."""
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    best, best_score = ",", -1.0
    for delim in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        wide = [c for c in counts if c > 1]
        if not wide:
            continue
        mode = max(set(wide), key=wide.count)
        score = wide.count(mode) * mode
        if score > best_score:
            best, best_score = delim, score
    return best


def read_csv_bytes(data: bytes, source: str, *, score_header: HeaderScorer | None = None) -> RawTable:
    text, encoding = decode(data)
    if "\x00" in text:
        text = text.replace("\x00", "")
    delimiter = sniff_delimiter(text[:65536])
    head_records = _records(text, delimiter, limit=HEADER_SEARCH_ROWS)
    header_idx = find_header(head_records, score_header or _default_scorer)
    header = [_clean_header(h) for h in head_records[header_idx]]
    table = None
    body_offset = _offset_after_records(text, header_idx + 1, head_records)
    if body_offset is not None and not _BLANK_LINE.search(text, body_offset):
        table = _arrow_body(text[body_offset:], header, delimiter, encoding, data, body_offset)
    if table is None:
        table = _python_body(text, delimiter, header_idx, header)
    frame, row_numbers, blank = table
    return _finish(frame, row_numbers, header, header_idx + 1, source, blank,
                   encoding=encoding, delimiter=delimiter)


def _records(text: str, delimiter: str, limit: int) -> list[list[str]]:
    out = []
    for rec in csv.reader(io.StringIO(text[:262144], newline=""), delimiter=delimiter):
        out.append(rec)
        if len(out) >= limit:
            break
    return out or [[]]


def _offset_after_records(text: str, n: int, records: list[list[str]]) -> int | None:
    """Character offset just after the first ``n`` lines, if they hold exactly ``n`` records."""
    if any('"' in cell or "\n" in cell or "\r" in cell for rec in records[:n] for cell in rec):
        return None
    pos = 0
    for _ in range(n):
        m = re.compile(r"\r\n|\n|\r").search(text, pos)
        if m is None:
            return None
        pos = m.end()
    return pos


def _arrow_body(body: str, header: list[str], delimiter: str, encoding: str,
                original: bytes, offset: int) -> tuple[pd.DataFrame, np.ndarray, int] | None:
    """Fast path: pyarrow parses a clean body. Returns None if any row is ragged."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    invalid: list[Any] = []

    def on_invalid(row: Any) -> str:
        invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(len(header))]
    raw = body.encode("utf-8")
    try:
        tbl = pacsv.read_csv(
            io.BytesIO(raw),
            read_options=pacsv.ReadOptions(column_names=names, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                              invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid:
        return None
    if invalid:
        return None
    frame = tbl.to_pandas()
    frame.columns = list(range(len(header)))
    return frame, np.arange(tbl.num_rows, dtype=np.int64), 0


def _python_body(text: str, delimiter: str, header_idx: int,
                 header: list[str]) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Robust path for ragged rows and blank lines: the csv module, record by record."""
    import numpy as np
    import pandas as pd

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    numbers: list[int] = []
    for i, rec in enumerate(reader):
        if i > header_idx:
            rows.append(rec)
            numbers.append(i - header_idx - 1)
    width = max([len(header), *map(len, rows)]) if rows else len(header)
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], columns=range(width), dtype="str")
    return frame.fillna(""), np.asarray(numbers, dtype=np.int64), 0


def _clean_header(cell: str) -> str:
    return cell.replace("\ufeff", "").replace("ï»¿", "").replace("\u2020", "").strip()


# ---------------------------------------------------------------- XLSX / XLS

def read_workbook(data: bytes, source: str, *, sheet: str | None = None,
                  score_header: HeaderScorer | None = None, legacy: bool = False) -> RawTable:
    """Read the sheet that holds the table (or ``sheet``) with python-calamine."""
    from python_calamine import CalamineError, CalamineWorkbook

    scorer = score_header or _default_scorer
    if not legacy:
        _check_zip_size(data, source)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as exc:
        msg = str(exc)
        why = "it is password-protected or encrypted" if "encrypt" in msg.lower() or "password" in msg.lower() \
            else f"it is damaged or not a workbook ({msg.splitlines()[0] if msg else type(exc).__name__})"
        raise InputFileError(f"{source}: cannot open the workbook: {why}.",
                             hint="Save it again from Excel as .xlsx without a password.") from None
    visible = [s.name for s in book.sheets_metadata if str(s.visible).lower().endswith("visible")
               and "hidden" not in str(s.visible).lower()] or list(book.sheet_names)
    if sheet is not None:
        if sheet not in book.sheet_names:
            raise InputFileError(f"{source}: there is no sheet named '{sheet}'.",
                                 hint=f"Its sheets are: {', '.join(book.sheet_names)}.")
        candidates = [sheet]
    else:
        candidates = visible
    best: tuple[float, int, str, list[list[str]], int] | None = None
    for name in candidates:
        try:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except (CalamineError, ValueError) as exc:
            raise InputFileError(f"{source}: sheet '{name}' cannot be read ({exc}).") from None
        text_rows = [[_cell_text(c) for c in r] for r in rows]
        head = text_rows[:HEADER_SEARCH_ROWS] or [[]]
        idx = find_header(head, scorer)
        score = scorer(head[idx])
        key = (score, len(text_rows))
        if best is None or key > best[:2]:
            best = (score, len(text_rows), name, text_rows, idx)
    if best is None or not best[3]:
        raise InputFileError(f"{source}: the workbook has no rows.", hint="Check the right file was exported.")
    _, _, name, text_rows, header_idx = best
    import numpy as np
    import pandas as pd

    header = [_clean_header(h) for h in text_rows[header_idx]]
    body = text_rows[header_idx + 1:]
    width = max([len(header), *map(len, body)]) if body else len(header)
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in body], columns=range(width), dtype="str")
    numbers = np.arange(len(body), dtype=np.int64)
    note = [f"read sheet '{name}'" + (f" (of {len(candidates)} visible)" if len(candidates) > 1 else "")]
    table = _finish(frame.fillna(""), numbers, header, header_idx + 1, source, 0, sheet=name)
    table.notes[:0] = note
    return table


def _check_zip_size(data: bytes, source: str) -> None:
    try:
        total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except zipfile.BadZipFile:
        raise InputFileError(f"{source}: the workbook is damaged (not a valid zip).",
                             hint="Save it again from Excel.") from None
    if total > XLSX_MAX_UNCOMPRESSED:
        raise InputFileError(f"{source}: the workbook inflates to {total:,} bytes; refusing to open it.",
                             hint="This looks like a zip bomb, or a workbook far too large for memory.")


def _cell_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # 15 significant digits, as Excel shows them: 3703.6800000000003 -> "3703.68"
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


# ---------------------------------------------------------------- shared

def find_header(records: list[list[str]], score_header: HeaderScorer) -> int:
    """Index of the header row among the first records: the best-scoring row, earliest on ties.

    With no recognised header anywhere, the first row with the most non-empty
    text cells is taken.
    """
    scores = [score_header(r) for r in records]
    top = max(scores, default=0)
    if top > 0:
        return scores.index(top)
    counts = [sum(1 for c in r if c.strip() and not _numberish(c)) for r in records]
    return counts.index(max(counts)) if counts else 0


def _numberish(cell: str) -> bool:
    return bool(re.fullmatch(r"[\s£$€()\-+.,\d/:]+", cell))


def _default_scorer(row: Sequence[str]) -> float:
    from .columns import header_score

    return header_score(row)


def _finish(frame: pd.DataFrame, row_numbers: np.ndarray, header: list[str], header_row: int,
            source: str, blank: int, *, encoding: str | None = None, delimiter: str | None = None,
            sheet: str | None = None) -> RawTable:
    """Name the columns, drop rows with every cell empty, and number rows as the file shows them."""
    import numpy as np

    width = frame.shape[1]
    names = unique_names([*header, *[""] * (width - len(header))])
    frame.columns = names
    notes = []
    extra = width - len(header)
    if extra > 0:
        notes.append(f"{extra} value column(s) beyond the header kept as {', '.join(names[len(header):])}")
    nonblank = (frame != "").any(axis=1).to_numpy() if width else np.zeros(len(frame), dtype=bool)
    blank += int((~nonblank).sum())
    frame = frame.loc[nonblank].reset_index(drop=True)
    numbers = row_numbers[nonblank] + header_row + 1
    return RawTable(frame=frame, source=source, row_numbers=numbers, header_row=header_row,
                    headers=header, sheet=sheet, encoding=encoding, delimiter=delimiter,
                    blank_rows=blank, notes=notes)


def unique_names(headers: Sequence[str]) -> list[str]:
    """Header cells made unique and non-empty: 'Account Code', 'Account Code (2)', 'Column 3'."""
    used: set[str] = set()
    out = []
    for i, h in enumerate(headers, start=1):
        name = base = h or f"Column {i}"
        n = 1
        while name in used:  # also when a header is itself written 'Account Code (2)'
            n += 1
            name = f"{base} ({n})"
        used.add(name)
        out.append(name)
    return out
