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

import codecs
import contextlib
import csv
import datetime as dt
import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, InputFileError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods")
DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_ROWS = 60
XLSX_MAX_UNCOMPRESSED = 2 * 1024**3  # refuse zip bombs before inflating them
MAX_COLUMNS = 16384  # Excel's limit: a table wider than this is not a ledger
CSV_FIELD_LIMIT = 2**31 - 1  # the csv module's default (131,072 characters) is too small
# Memory a file takes once read, as a multiple of its size (CSV, or a zip's members), or
# of its uncompressed XML (XLSX): text, then Arrow, then pandas columns, then the copies
# the ledger makes. Approximate on purpose: the guard is for files far too large.
CSV_EXPANSION = 8
XLSX_EXPANSION = 3
MEMORY_LIMIT_ENV = "SPENDKIT_MEMORY_LIMIT"  # bytes (or 500M, 2G): overrides the memory guard

def _has_blank_line(text: str, start: int) -> bool:
    """An empty line after ``start`` (LF, CRLF or CR endings); str.find is far faster than a regex."""
    return any(text.find(pair, start) >= 0 for pair in ("\n\n", "\n\r\n", "\r\r"))
_LINE_BREAK = re.compile(r"\r\n|\n|\r")
# A well-formed UTF-8 sequence of two to four bytes: a file holding them is UTF-8 at heart,
# even when a few lines were pasted in from a Windows-1252 system.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]"
                             rb"|[\xe1-\xef][\x80-\xbf]{2}|\xf0[\x90-\xbf][\x80-\xbf]{2}"
                             rb"|[\xf1-\xf3][\x80-\xbf]{3}")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the OLE2 stream of an encrypted OOXML
_XML_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# A cell reference far from A1 (column AA+ at row 10,000+, or column AAA+): worth measuring
# the sheet's rectangle, which calamine allocates whole (a 2 KB file with one cell at
# XFD1048576 asks for 17 billion cells and aborts the process).
# (The patterns start with a literal, which re searches for fast; in a worksheet's XML only a
# cell's r attribute holds letters then digits after 'r="'.)
_FAR_CELL = re.compile(rb'r="(?:[A-Z]{3}[0-9]|[A-Z]{2}[0-9]{5})')
_CELL_REF = re.compile(rb'r="([A-Z]{1,3})([0-9]{1,7})"')
CELL_BYTES = 64  # memory per cell of a sheet's rectangle once read (calamine, then Python)
# What Python's zipfile raises on a damaged archive: a bad offset is a ValueError (negative
# seek), an unknown version or method NotImplementedError, a bad stream zlib.error.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error, ValueError,
              NotImplementedError, KeyError)


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: bytes that are not UTF-8 are read as Windows-1252 (else Latin-1)."""
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start:err.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), err.end


codecs.register_error("spendkit-cp1252", _cp1252_fallback)


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
    if path.is_char_device() or path.is_block_device():  # /dev/zero would never end
        raise InputFileError(f"{path}: is a device, not a ledger file.")
    try:
        check_memory(path)
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc}).",
                             hint="Check the file's permissions (can you open it?).") from None
    return _read_bytes(data, str(path), sheet=sheet, score_header=score_header or _default_scorer)


# ---------------------------------------------------------------- memory

def check_memory(path: Path) -> None:
    """Refuse, before reading it, a file that would not fit in memory: a clear message, never
    an out-of-memory kill. The need is estimated from the file's size (a CSV), or from the
    sizes its zip directory declares (an XLSX, or a zip of ledgers)."""
    size = path.stat().st_size
    need = size * CSV_EXPANSION
    with path.open("rb") as f:
        zipped = f.read(4) == b"PK\x03\x04"
    if zipped:
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
        except ZIP_ERRORS:
            infos = []  # damaged: reading it says so
        declared = [i.file_size for i in infos]
        if any(n > XLSX_MAX_UNCOMPRESSED for n in declared):
            return  # a zip bomb: the reader refuses it as one, by name
        if any(i.filename == "[Content_Types].xml" for i in infos):
            need = sum(declared) * XLSX_EXPANSION
        elif infos:
            need = size + sum(declared) * CSV_EXPANSION
    available = available_memory()
    if available is not None and need > available:
        raise InputFileError(
            f"{path}: is too large to read in memory ({_size(need)} needed, {_size(available)} "
            "available).",
            hint="Close other programs, run on a machine with more memory, or split the ledger "
                 f"into smaller files (one a month). {MEMORY_LIMIT_ENV}=BYTES sets the limit.")


def available_memory() -> int | None:
    """Bytes this process may still use: SPENDKIT_MEMORY_LIMIT if set, else the least of the
    system's available memory and the container's (cgroup) allowance; None if unknown."""
    env = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if env:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?", env, flags=re.IGNORECASE)
        if not m:
            raise ConfigError(f"{MEMORY_LIMIT_ENV}={env!r} is not a number of bytes.",
                              hint="Give bytes, e.g. 4000000000 or 4G.")
        return int(float(m[1]) * 1024 ** " KMGT".index(m[2].upper() or " "))
    found = []
    try:
        meminfo = Path("/proc/meminfo").read_text()
        hit = re.search(r"^MemAvailable:\s+(\d+) kB", meminfo, flags=re.MULTILINE)
        if hit:
            found.append(int(hit[1]) * 1024)
    except OSError:
        pass
    if not found:
        with contextlib.suppress(ValueError, OSError, AttributeError):
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    with contextlib.suppress(ValueError, OSError):
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
            found.append(max(0, int(limit) - used))
    return min(found) if found else None


def _size(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"


def _read_bytes(data: bytes, source: str, *, sheet: str | None,
                score_header: HeaderScorer, nested: bool = False) -> list[RawTable]:
    kind = sniff_format(data)
    if kind == "empty":
        raise InputFileError(f"{source}: the file is empty.", hint="Export the ledger again.")
    if kind == "xlsx":
        return [read_workbook(data, source, sheet=sheet, score_header=score_header)]
    if kind == "xls":
        if _ENCRYPTED_PACKAGE in data:
            raise InputFileError(f"{source}: cannot open the workbook: it is password-protected "
                                 "or encrypted.",
                                 hint="Save it again from Excel as .xlsx without a password.")
        return [read_workbook(data, source, sheet=sheet, score_header=score_header, legacy=True)]
    if kind == "zip":
        if nested:
            raise InputFileError(f"{source}: is itself a zip; a zip inside a zip is not read.",
                                 hint="Unzip the inner zip and give its files instead.")
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
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data[:4096].decode(
            "utf-16", errors="replace").strip("\ufeff \t\r\n"):
        return "empty"  # a UTF-16 BOM and blank lines
    if data[:4] == b"PK\x03\x04":
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except ZIP_ERRORS:
            return "zip"  # a damaged zip: _read_zip says so, naming the file
        return "xlsx" if "[Content_Types].xml" in names else "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    head = data[:65536]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(head):
        return "csv"  # UTF-16 text: every other byte is NUL
    if b"\x00" in head.replace(b"\x00\x00", b"") and head.count(b"\x00") > len(head) // 10:
        return "binary"
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13, 0))
    if controls > len(head) // 20:
        return "binary"
    return "csv"


def _read_zip(data: bytes, source: str, *, sheet: str | None,
              score_header: HeaderScorer) -> list[RawTable]:
    def damaged(exc: BaseException) -> InputFileError:
        return InputFileError(f"{source}: the zip file is damaged ({str(exc) or type(exc).__name__}).",
                              hint="Download or export it again.")

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in archive.infolist()
                   if not i.is_dir() and i.filename.lower().endswith(TABLE_SUFFIXES)
                   and not Path(i.filename).name.startswith((".", "~$"))]
    except ZIP_ERRORS as exc:
        raise damaged(exc) from None
    if not members:
        raise InputFileError(f"{source}: the zip holds no CSV or spreadsheet file.")
    tables, skipped = [], []
    for info in sorted(members, key=lambda i: i.filename):
        if info.file_size > XLSX_MAX_UNCOMPRESSED:
            raise InputFileError(f"{source}!{info.filename}: inflates to {info.file_size:,} bytes, "
                                 "too large to read safely.")
        try:
            member = archive.read(info)
        except ZIP_ERRORS as exc:
            raise damaged(exc) from None
        if info.filename.lower().endswith(".txt") and not _has_ledger_header(member, score_header):
            skipped.append(info.filename)  # a README beside the ledgers, not a ledger
            continue
        tables += _read_bytes(member, f"{source}!{info.filename}",
                              sheet=sheet, score_header=score_header, nested=True)
    if not tables:
        raise InputFileError(f"{source}: the zip holds no CSV or spreadsheet file "
                             f"({', '.join(skipped)}: text without a ledger's header).")
    if skipped:
        tables[0].notes.append(f"zip member(s) without a ledger's header skipped: {', '.join(skipped)}")
    return tables


def _has_ledger_header(data: bytes, score_header: HeaderScorer) -> bool:
    """Does a text file (a zip's .txt member) have a header naming a payee or an amount?"""
    if sniff_format(data) != "csv":
        return True  # a workbook or junk: reading it says what it is
    text, _ = decode(data[:262144])
    with _csv_field_limit():
        try:
            records = _records(text, sniff_delimiter(text[:65536]), limit=HEADER_SEARCH_ROWS)
        except csv.Error:
            return True
    return any(score_header(_trim(r)) > 0 for r in records)


# ---------------------------------------------------------------- CSV

def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16, else Windows-1252, else Latin-1.

    A UTF-8 file with a few Windows-1252 lines pasted in (a `£` written as the single byte
    0xA3) keeps both: each byte that is not UTF-8 is read as Windows-1252.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="spendkit-cp1252"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    utf16 = _utf16_without_bom(data[:65536])
    if utf16:
        return data.decode(utf16, errors="replace"), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(data):
        return data.decode("utf-8", errors="spendkit-cp1252"), "utf-8 (some lines Windows-1252)"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when text has no BOM but a NUL in every other byte."""
    n = len(head) - len(head) % 2
    if n < 8:
        return None
    even, odd = head[0:n:2], head[1:n:2]
    half = n // 2
    if odd.count(0) > 0.9 * half and even.count(0) < 0.1 * half:
        return "utf-16-le"
    if even.count(0) > 0.9 * half and odd.count(0) < 0.1 * half:
        return "utf-16-be"
    return None


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
    with _csv_field_limit():
        try:
            head_records = _records(text, delimiter, limit=HEADER_SEARCH_ROWS)
            header_idx = find_header([_trim(r) for r in head_records], score_header or _default_scorer)
            full_header = [_clean_header(h) for h in head_records[header_idx]]
            header = _trim(full_header)  # trailing empty cells are not headers
            width = len(full_header)
            if len(header) > MAX_COLUMNS:
                raise InputFileError(*_too_wide(source, header_idx + 1, len(header)))
            table = None
            body_offset = _offset_after_records(text, header_idx + 1, head_records)
            if body_offset is not None and width <= MAX_COLUMNS and not _has_blank_line(text, body_offset):
                table = _arrow_body(text[body_offset:], full_header, delimiter)
            if table is None:
                table = _python_body(text, delimiter, header_idx, header, source)
        except csv.Error as exc:
            raise InputFileError(f"{source}: cannot be read as CSV ({exc}).",
                                 hint="Open it in a text editor, or export it again.") from None
    frame, row_numbers, blank = table
    _check_unclosed_quote(frame, row_numbers, text, source, header_idx + 1)
    return _finish(frame, row_numbers, header, header_idx + 1, source, blank,
                   encoding=encoding, delimiter=delimiter)


@contextlib.contextmanager
def _csv_field_limit() -> Iterator[None]:
    """Let the csv module read long cells (a 100,000-character description is real data)."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, CSV_FIELD_LIMIT))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _trim(cells: list[str]) -> list[str]:
    """The cells without trailing empty ones (a row of 50,000 commas is one short row)."""
    if not cells or cells[-1]:
        return cells
    # NUL never survives decoding (see read_csv_bytes), so it can join and split the cells.
    joined = "\x00".join(cells).rstrip("\x00")
    return cells[:joined.count("\x00") + 1] if joined else []


def _too_wide(source: str, row: int, width: int) -> tuple[str]:
    return (f"{source}: row {row} has {width:,} columns; a ledger has at most {MAX_COLUMNS:,} "
            "(Excel's limit), so this is not a payment table.",)


def _check_unclosed_quote(frame: pd.DataFrame, row_numbers: np.ndarray, text: str, source: str,
                          header_row: int) -> None:
    """Refuse a file whose quote (") opens a cell that is never closed.

    Both parsers then read every line after it into that one cell: the rows would vanish
    inside a rejected row. Such a cell is the last of the file and runs to its end.
    """
    if not len(frame):
        return
    last = [str(v) for v in frame.iloc[-1].tolist() if v]
    if not last or not ("\n" in last[-1] or "\r" in last[-1]):
        return
    cell = last[-1]
    for raw in (cell, cell.replace('"', '""')):
        start = len(text) - len(raw) - 1
        if text.endswith(raw) and start >= 0 and text[start] == '"':
            line = len(_LINE_BREAK.findall(text, 0, start)) + 1
            row = int(row_numbers[-1]) + header_row + 1
            raise InputFileError(
                f"{source}: row {row} (line {line} of the file): a quote (\") opens a cell that is "
                f"never closed, so the {len(_LINE_BREAK.findall(raw.rstrip(chr(13) + chr(10)))):,} "
                "line(s) after it would be read as one cell.",
                hint=f'Remove or close the quote on line {line} (write a quote inside a cell as "").')


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


def _arrow_body(body: str, header: list[str], delimiter: str, encoding: str | None = None,
                original: bytes = b"", offset: int = 0) -> tuple[pd.DataFrame, np.ndarray, int] | None:
    """Fast path: pyarrow parses a clean body. Returns None if any row is ragged."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    invalid: list[Any] = []

    def on_invalid(row: Any) -> str:
        invalid.append(row)
        return "skip"

    width = len(header)
    names = [f"c{i}" for i in range(width)]
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
    frame.columns = list(range(width))
    return frame, np.arange(tbl.num_rows, dtype=np.int64), 0


def _python_body(text: str, delimiter: str, header_idx: int, header: list[str],
                 source: str = "") -> tuple[pd.DataFrame, np.ndarray, int]:
    """Robust path for ragged rows and blank lines: the csv module, record by record."""
    import numpy as np
    import pandas as pd

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    numbers: list[int] = []
    for i, rec in enumerate(reader):
        if i > header_idx:
            if len(rec) > len(header):
                rec = _trim(rec)
                if len(rec) > MAX_COLUMNS:
                    raise InputFileError(*_too_wide(source, i + 1, len(rec)))
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
        _check_xml_declarations(data, source)
        _check_sheet_extent(data, source)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as exc:
        msg = str(exc)
        locked = type(exc).__name__ == "PasswordError" or "encrypt" in msg.lower() \
            or "password" in msg.lower()
        why = "it is password-protected or encrypted" if locked \
            else f"it is damaged or not a workbook ({msg.splitlines()[0] if msg else type(exc).__name__})"
        raise InputFileError(f"{source}: cannot open the workbook: {why}.",
                             hint="Save it again from Excel as .xlsx without a password.") from None
    visible = [s.name for s in book.sheets_metadata if str(s.visible).lower().endswith("visible")
               and "hidden" not in str(s.visible).lower()] or list(book.sheet_names)
    hidden = [n for n in book.sheet_names if n not in visible]
    if sheet is not None:
        if sheet not in book.sheet_names:
            raise InputFileError(f"{source}: there is no sheet named '{sheet}'.",
                                 hint=f"Its sheets are: {', '.join(book.sheet_names)}.")
        candidates = [sheet]
    else:
        candidates = visible
    best = _best_sheet(book, candidates, source, scorer)
    notes = []
    if sheet is None and hidden and (best is None or best[0] <= 0):
        # No visible sheet looks like a ledger: the data may be on a hidden one.
        found = _best_sheet(book, hidden, source, scorer)
        if found is not None and found[0] > 0:
            best = found
            notes.append(f"no visible sheet holds a ledger: read hidden sheet '{found[2]}'")
    elif sheet is None and hidden:
        notes.append(f"hidden sheet(s) not read: {', '.join(repr(h) for h in hidden)}")
    if best is None or not best[3]:
        raise InputFileError(f"{source}: the workbook has no rows.", hint="Check the right file was exported.")
    _, _, name, text_rows, header_idx, merged = best
    import numpy as np
    import pandas as pd

    filled = _fill_merged(merged, text_rows, header_idx)
    if filled:
        notes.append(f"{filled} merged cell range(s): their text is read on every row they span "
                     "(numbers only on the first)")
    header = _trim([_clean_header(h) for h in text_rows[header_idx]])
    body = text_rows[header_idx + 1:]
    width = max([len(header), *map(len, body)]) if body else len(header)
    if width > MAX_COLUMNS:
        raise InputFileError(*_too_wide(source, header_idx + 1, width))
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in body], columns=range(width), dtype="str")
    numbers = np.arange(len(body), dtype=np.int64)
    note = [f"read sheet '{name}'" + (f" (of {len(candidates)} visible)" if len(candidates) > 1 else "")]
    table = _finish(frame.fillna(""), numbers, header, header_idx + 1, source, 0, sheet=name)
    table.notes[:0] = note + notes
    return table


Merged = list[tuple[tuple[int, int], tuple[int, int]]]


def _best_sheet(book: Any, names: list[str], source: str, scorer: HeaderScorer
                ) -> tuple[float, int, str, list[list[str]], int, Merged] | None:
    """(header score, rows, name, text rows, header index, merged ranges) of the sheet most
    like a ledger."""
    from python_calamine import CalamineError

    best: tuple[float, int, str, list[list[str]], int, Merged] | None = None
    for name in names:
        try:
            sheet = book.get_sheet_by_name(name)  # parses the sheet: once per sheet
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
        except (CalamineError, ValueError) as exc:
            raise InputFileError(f"{source}: sheet '{name}' cannot be read ({exc}).") from None
        text_rows = [_trim([_cell_text(c) for c in r]) for r in rows]
        head = text_rows[:HEADER_SEARCH_ROWS] or [[]]
        idx = find_header(head, scorer)
        score = scorer(head[idx])
        key = (score, len(text_rows))
        if best is None or key > best[:2]:
            best = (score, len(text_rows), name, text_rows, idx, merged)
    return best


def _fill_merged(merged: Merged, rows: list[list[str]], header_idx: int) -> int:
    """A merged cell's text belongs to every row it spans (a payee merged over its payments):
    copy it down its first column, below the header. Numbers are never copied, so an amount
    merged over two rows is counted once, not twice. Returns the ranges filled."""
    filled = 0
    for (r0, c0), (r1, _) in merged:
        if r1 <= r0 or r0 <= header_idx or r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        if not value or _numberish(value):
            continue
        for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c0:
                row.extend([""] * (c0 + 1 - len(row)))
            if row[c0] == "":
                row[c0] = value
        filled += 1
    return filled


def _check_zip_size(data: bytes, source: str) -> None:
    try:
        total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except ZIP_ERRORS:
        raise InputFileError(f"{source}: the workbook is damaged (not a valid zip).",
                             hint="Save it again from Excel.") from None
    if total > XLSX_MAX_UNCOMPRESSED:
        raise InputFileError(f"{source}: the workbook inflates to {total:,} bytes; refusing to open it.",
                             hint="This looks like a zip bomb, or a workbook far too large for memory.")


def _check_sheet_extent(data: bytes, source: str) -> None:
    """Refuse a sheet whose rectangle (A1 to its farthest cell) would not fit in memory.

    Only sheets with a cell far from A1 are measured (a scan of their XML); an ordinary
    ledger costs one quick search."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                name = info.filename
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                if not any(_FAR_CELL.search(chunk) for chunk in _chunks(archive, info)):
                    continue
                rows = cols = 0
                for chunk in _chunks(archive, info):
                    for col, row in set(_CELL_REF.findall(chunk)):
                        rows = max(rows, int(row))
                        cols = max(cols, _column_number(col))
                cells = rows * cols
                available = available_memory()
                if available is not None and cells * CELL_BYTES > available:
                    raise InputFileError(
                        f"{source}: {name} spans {cols:,} columns by {rows:,} rows ({cells:,} cells), "
                        f"too many to read in memory ({_size(cells * CELL_BYTES)} needed, "
                        f"{_size(available)} available).",
                        hint="A cell far from the table (a stray value or format at the sheet's far "
                             "corner) makes the sheet huge: delete the empty rows and columns after "
                             "the table, or save the sheet as CSV.")
    except ZIP_ERRORS:
        return  # damaged: calamine says so when it opens it


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int = 8 << 20) -> Iterator[bytes]:
    """A member's bytes in pieces that overlap by 32 bytes (so no cell reference is cut)."""
    with archive.open(info) as part:
        tail = b""
        while chunk := part.read(size):
            yield tail + chunk
            tail = chunk[-32:]


def _column_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + c - 64
    return n


def _check_xml_declarations(data: bytes, source: str) -> None:
    """Refuse XML with a DOCTYPE or entity declarations: Excel never writes them, and they are
    how an "entity expansion" (billion laughs) attack is made. Only each part's start is read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                with archive.open(info) as part:
                    start = part.read(8192)
                if _XML_DECLARATIONS.search(start):
                    raise InputFileError(
                        f"{source}: the workbook's {info.filename} declares XML entities "
                        "(<!DOCTYPE/<!ENTITY>), which Excel never writes; refusing to read it.",
                        hint="This can be an attack (entity expansion). Save it again from Excel.")
    except ZIP_ERRORS:
        return  # damaged: calamine says so when it opens it


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

    if frame.shape[1] > len(header):  # columns beyond the header that hold nothing are not kept
        filled = (frame.iloc[:, len(header):] != "").any(axis=0).to_numpy()
        frame = frame.iloc[:, :len(header) + (int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0)]
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
