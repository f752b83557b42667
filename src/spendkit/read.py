"""Files -> raw tables of text.

This module finds the table in a file and nothing more: the format (by
content, not by file name), the encoding, the delimiter, the sheet and the
header row. Every cell comes out as a string ("" when empty); interpreting
amounts, dates and postcodes is ``normalise``'s job.

Row numbers are the ones a spreadsheet shows: row 1 is the file's first
record (CSV) or the sheet's first row (XLSX), so a message saying "row 812"
can be found by opening the file. A Parquet file reads as a CSV with its column
names on row 1: its first record is row 2.
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
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    part: int = 0  # iter_tables: 0 for a table's first part, 1, 2... for the parts that follow


# A header-scoring function: given a row of cells, how header-like it is.
HeaderScorer = Callable[[Sequence[str]], float]


def read_tables(path: str | Path, *, sheet: str | None = None,
                score_header: HeaderScorer | None = None) -> list[RawTable]:
    """Read every table in ``path``: one for a CSV or workbook, one per member of a zip."""
    path = Path(path)
    _check_path(path)
    try:
        check_memory(path)
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from None
    return _read_bytes(data, str(path), sheet=sheet, score_header=score_header or _default_scorer)


class RestartWhole(Exception):
    """Raised by ``iter_tables`` when a CSV it was streaming turns out, after some of its parts
    were yielded, to need reading whole (met part-way: a ragged row, a record longer than
    STREAM_BLOCK, or a value under an unnamed column that part 0 did not keep): discard the
    parts received and read this file again with ``read_tables``."""


def iter_tables(path: str | Path, *, sheet: str | None = None,
                score_header: HeaderScorer | None = None,
                chunk_rows: int = 1_000_000) -> Iterator[RawTable]:
    """``read_tables``, a part at a time: the tables of ``path``, each as one or more RawTables
    of at most ``chunk_rows`` rows (``part`` 0, 1, 2...), holding only a part in memory.

    A CSV file larger than STREAM_MIN_BYTES that pyarrow can read as it is (UTF-8 without NUL
    bytes, blank lines or a ragged row, header lines without quotes) and a Parquet file are
    streamed: every part has the table's source, header, encoding and delimiter, columns named
    as ``read_tables`` names them, and the row numbers ``read_tables`` gives those rows; notes
    are on part 0, ``blank_rows`` counts the blank rows dropped from each part. Concatenated,
    the parts are what ``read_tables`` returns. Anything else (a workbook, a zip, a smaller or
    irregular CSV) is read whole by ``read_tables``, one part per table.

    A problem a streamed CSV shows only part-way (a ragged row, say, which the csv module must
    read, file-wide) makes it be read whole: silently when no part was yielded yet, else by
    raising RestartWhole. A fault ``read_tables`` would refuse the file for, found part-way (a
    quote left open at the end of a CSV, a damaged Parquet file), raises its InputFileError.
    The memory guard (``check_memory``) applies only to a file read whole.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    path = Path(path)
    _check_path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES)
            f.seek(max(0, size - 4))
            end = f.read(4)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if sheet is None and head[:4] == b"PAR1" and end == b"PAR1":
        yield from _parquet_parts(_open_parquet(path, source), source, chunk_rows)
        return
    if sheet is None and size > STREAM_MIN_BYTES and sniff_format(head) == "csv":
        yielded = False
        try:
            for table in _csv_parts(path, source, head, score_header or _default_scorer, chunk_rows):
                yielded = True
                yield table
            return
        except _NotStreamable:
            if yielded:
                raise RestartWhole(f"{source}: read it again whole (read_tables).") from None
    yield from read_tables(path, sheet=sheet, score_header=score_header)


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputFileError(f"{path}: no such file.", hint="Check the path and try again.")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not a ledger file.")
    if path.is_char_device() or path.is_block_device():  # /dev/zero would never end
        raise InputFileError(f"{path}: is a device, not a ledger file.")


def _unreadable(path: Path, exc: OSError) -> InputFileError:
    return InputFileError(f"{path}: cannot be read ({exc.strerror or exc}).",
                          hint="Check the file's permissions (can you open it?).")


# ---------------------------------------------------------------- memory

def check_memory(path: Path) -> None:
    """Refuse, before reading it, a file that would not fit in memory: a clear message, never
    an out-of-memory kill. The need is estimated from the file's size (a CSV), or from the
    sizes its zip directory declares (an XLSX, or a zip of ledgers), or from the uncompressed
    sizes a Parquet file's footer declares."""
    size = path.stat().st_size
    need = size * CSV_EXPANSION
    with path.open("rb") as f:
        magic = f.read(4)
    zipped = magic == b"PK\x03\x04"
    if magic == b"PAR1":  # Parquet: what its columns take once uncompressed, from its footer
        with contextlib.suppress(Exception):  # damaged: reading it says so
            import pyarrow.parquet as pq

            meta = pq.read_metadata(path)
            need = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)) \
                * CSV_EXPANSION
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
            hint="spendkit reads CSV, XLSX/XLS, Parquet, or a zip holding them.",
        )
    if sheet is not None:
        what = "a Parquet" if kind == "parquet" else "a CSV"
        raise InputFileError(f"{source}: --sheet was given but this is {what} file, which has no sheets.")
    if kind == "parquet":
        return [read_parquet_bytes(data, source)]
    return [read_csv_bytes(data, source, score_header=score_header)]


def sniff_format(data: bytes) -> str:
    """'xlsx', 'xls', 'zip', 'parquet', 'csv', 'binary' or 'empty', decided by content."""
    # A BOM alone is still an empty file. (The start decides for any real file, without
    # copying it whole to strip it.)
    if not data[:65539].removeprefix(b"\xef\xbb\xbf").strip() \
            and not data.removeprefix(b"\xef\xbb\xbf").strip():
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
    if data[:4] == b"PAR1" and (data[-4:] == b"PAR1" or b"\x00" in head):
        return "parquet"  # (binary after the magic: a damaged one, which reading it says)
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

HEAD_BYTES = 4 * 262144 + 8  # bytes that decode to at least the 262,144 characters searched for the header
ARROW_BLOCK = 8 << 20  # the bytes pyarrow parses at a time (a record may not be longer)
# ... when streaming, where it reads some 30 blocks ahead: the memory that takes
STREAM_BLOCK = 1 << 20
# pyarrow's threads take some 60% more CPU time than one thread (1M rows: 0.41 s against
# 0.25 s), which two cores hardly win back, and a busy machine does not: one thread.
ARROW_THREADS = False
STREAM_MIN_BYTES = 32 << 20  # iter_tables reads a smaller CSV whole
SCAN_BLOCK = 4 << 20  # iter_tables checks a CSV it streams (UTF-8, NUL bytes, blank lines) by blocks
_BLANK_LINES = (b"\n\n", b"\n\r\n", b"\r\r")  # _has_blank_line's patterns, as bytes


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
    scorer = score_header or _default_scorer
    tried_arrow = False
    utf8 = _utf8_start(data)
    if utf8 is not None:
        # UTF-8 without NUL bytes: pyarrow reads the file's own bytes, and only the head (where
        # the header is) is decoded. Anything it cannot read is read below, as text.
        encoding, start = utf8
        whole = start + HEAD_BYTES >= len(data)
        head = _decode_head(data[start:start + HEAD_BYTES], whole=whole)
        layout = _csv_layout(head, source, scorer)
        body_at = _body_byte_offset(layout, head, start, whole=whole)
        if body_at is not None and not _has_blank_line_bytes(data, body_at):
            tried_arrow = True
            table = _arrow_body("", layout.full_header, layout.delimiter, encoding, data, body_at)
            if table is not None:
                frame, row_numbers, blank = table
                _check_unclosed_quote_at_end(frame, row_numbers, _FileBytes(data=data), start, source,
                                             layout.header_row)
                return _finish(frame, row_numbers, layout.header, layout.header_row, source, blank,
                               encoding=encoding, delimiter=layout.delimiter)
    text, encoding = decode(data)
    if "\x00" in text:
        text = text.replace("\x00", "")
    layout = _csv_layout(text, source, scorer)
    with _csv_field_limit():
        try:
            table = None
            if (not tried_arrow and layout.body is not None and len(layout.full_header) <= MAX_COLUMNS
                    and not _has_blank_line(text, layout.body)):
                table = _arrow_body(text[layout.body:], layout.full_header, layout.delimiter)
            if table is None:
                table = _python_body(text, layout.delimiter, layout.header_idx, layout.header, source)
        except csv.Error as exc:
            raise _not_csv(source, exc) from None
    frame, row_numbers, blank = table
    _check_unclosed_quote(frame, row_numbers, text, source, layout.header_row)
    return _finish(frame, row_numbers, layout.header, layout.header_row, source, blank,
                   encoding=encoding, delimiter=layout.delimiter)


@dataclass
class _Layout:
    """Where a CSV's table is, found in its first lines."""

    delimiter: str
    header_idx: int  # the header's index among the records
    full_header: list[str]  # the header's cells, cleaned, trailing empty ones included
    header: list[str]  # without them: trailing empty cells are not headers
    body: int | None  # character offset of the line after the header, if every line up to it is
    # one record (no quote or line break inside a cell)

    @property
    def header_row(self) -> int:
        return self.header_idx + 1


def _csv_layout(text: str, source: str, scorer: HeaderScorer) -> _Layout:
    """The delimiter and the header, from the text's start (its first 262,144 characters)."""
    delimiter = sniff_delimiter(text[:65536])
    with _csv_field_limit():
        try:
            head_records = _records(text, delimiter, limit=HEADER_SEARCH_ROWS)
        except csv.Error as exc:
            raise _not_csv(source, exc) from None
    header_idx = find_header([_trim(r) for r in head_records], scorer)
    full_header = [_clean_header(h) for h in head_records[header_idx]]
    header = _trim(full_header)
    if len(header) > MAX_COLUMNS:
        raise InputFileError(*_too_wide(source, header_idx + 1, len(header)))
    return _Layout(delimiter, header_idx, full_header, header,
                   _offset_after_records(text, header_idx + 1, head_records))


def _not_csv(source: str, exc: csv.Error) -> InputFileError:
    return InputFileError(f"{source}: cannot be read as CSV ({exc}).",
                          hint="Open it in a text editor, or export it again.")


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
                          header_row: int, *, lines_before: Callable[[int], int] | None = None) -> None:
    """Refuse a file whose quote (") opens a cell that is never closed.

    Both parsers then read every line after it into that one cell: the rows would vanish
    inside a rejected row. Such a cell is the last of the file and runs to its end.
    ``text`` may be the file's end only (see _check_unclosed_quote_at_end), when
    ``lines_before(i)`` counts the line breaks in the file before ``text[i]``.
    """
    cell = _multiline_last_cell(frame)
    if cell is None:
        return
    for raw in (cell, cell.replace('"', '""')):
        start = len(text) - len(raw) - 1
        if text.endswith(raw) and start >= 0 and text[start] == '"':
            line = (lines_before(start) if lines_before else len(_LINE_BREAK.findall(text, 0, start))) + 1
            row = int(row_numbers[-1]) + header_row + 1
            raise InputFileError(
                f"{source}: row {row} (line {line} of the file): a quote (\") opens a cell that is "
                f"never closed, so the {len(_LINE_BREAK.findall(raw.rstrip(chr(13) + chr(10)))):,} "
                "line(s) after it would be read as one cell.",
                hint=f'Remove or close the quote on line {line} (write a quote inside a cell as "").')


def _multiline_last_cell(frame: pd.DataFrame) -> str | None:
    """The last row's last non-empty cell, if it spans lines: where an unclosed quote ends up."""
    if not len(frame):
        return None
    last = [str(v) for v in frame.iloc[-1].tolist() if v]
    if not last or not ("\n" in last[-1] or "\r" in last[-1]):
        return None
    return last[-1]


def _check_unclosed_quote_at_end(frame: pd.DataFrame, row_numbers: np.ndarray, src: _FileBytes,
                                 text_start: int, source: str, header_row: int) -> None:
    """_check_unclosed_quote for a UTF-8 file read as bytes: only its end is decoded, enough to
    hold the last cell with its quotes doubled and the character before it."""
    cell = _multiline_last_cell(frame)
    if cell is None:
        return
    at = max(text_start, src.size - 4 * (2 * len(cell) + 2))
    tail = src.read(at, src.size)
    skip = 0
    while at > text_start and skip < min(3, len(tail)) and 0x80 <= tail[skip] < 0xC0:
        skip += 1  # start on a character, not inside one
    text = tail[skip:].decode("utf-8")
    at += skip
    _check_unclosed_quote(frame, row_numbers, text, source, header_row,
                          lines_before=lambda i: src.line_breaks(at + len(text[:i].encode("utf-8"))))


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
    """Fast path: pyarrow parses a clean body. Returns None if any row is ragged.

    Given ``original`` (the file's bytes, which the caller found to be UTF-8: ``encoding``),
    pyarrow reads them as they are from byte ``offset`` on, instead of ``body`` encoded again.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    invalid: list[Any] = []
    width = len(header)
    if original and encoding in ("utf-8", "utf-8-sig"):
        buffer = pa.py_buffer(memoryview(original)[offset:])
    else:
        buffer = pa.py_buffer(body.encode("utf-8"))
    try:
        tbl = pacsv.read_csv(pa.BufferReader(buffer), **_arrow_options(width, delimiter, invalid))
    except pa.ArrowInvalid:
        return None
    if invalid:
        return None
    frame = tbl.to_pandas()
    frame.columns = list(range(width))
    return frame, np.arange(tbl.num_rows, dtype=np.int64), 0


def _arrow_options(width: int, delimiter: str, invalid: list[Any], block: int | None = None,
                   threads: bool | None = None) -> dict[str, Any]:
    """pyarrow's CSV options for a body of ``width`` text columns; ragged rows go to ``invalid``.
    The body is UTF-8 (checked, or encoded from text), so pyarrow need not check it again."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def on_invalid(row: Any) -> str:
        invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(width)]
    return {"read_options": pacsv.ReadOptions(column_names=names, block_size=block or ARROW_BLOCK,
                                              use_threads=ARROW_THREADS if threads is None else threads),
            "parse_options": pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                                invalid_row_handler=on_invalid),
            "convert_options": pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                    strings_can_be_null=False,
                                                    quoted_strings_can_be_null=False,
                                                    check_utf8=False)}


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


# The fast path reads a UTF-8 file's own bytes: these find what read_csv_bytes finds in its
# text, without decoding more than the head (and, for iter_tables, without holding the file).

def _utf8_start(data: bytes) -> tuple[str, int] | None:
    """(encoding, where the text starts) when ``decode`` reads ``data`` as plain UTF-8, with or
    without a BOM, and nothing is dropped from it (no NUL byte): pyarrow may then read the
    bytes as they are. (UTF-16 always holds NUL bytes, or bytes UTF-8 never has.)"""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if b"\x00" in data or not _valid_utf8(memoryview(data)[start:]):
        return None
    return ("utf-8-sig" if start else "utf-8"), start


def _valid_utf8(buffer: bytes | memoryview) -> bool:
    """Is ``buffer`` UTF-8? (pyarrow checks it in place, many times faster than decoding it.)"""
    import numpy as np
    import pyarrow as pa

    n = memoryview(buffer).nbytes
    text = pa.Array.from_buffers(pa.large_string(), 1, [
        None, pa.py_buffer(np.array([0, n], dtype=np.int64)), pa.py_buffer(buffer)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _utf8_complete(buffer: bytes | memoryview) -> int:
    """The length of ``buffer`` without a character cut short at its end."""
    view = memoryview(buffer)
    n = len(view)
    i = n - 1
    while i >= 0 and n - i <= 4 and 0x80 <= view[i] < 0xC0:
        i -= 1
    if i < 0 or n - i > 4:
        return n  # no character starts here: validating says what it is
    lead = view[i]
    need = 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
    return i if n - i < need else n


def _decode_head(raw: bytes, *, whole: bool) -> str:
    """The text of UTF-8 ``raw``, the file's start (or all of it, ``whole``): a character cut at
    its end is left out."""
    return codecs.getincrementaldecoder("utf-8")().decode(raw, final=whole)


def _body_byte_offset(layout: _Layout, head: str, start: int, *, whole: bool) -> int | None:
    """Byte offset of the body's first line, for pyarrow; None when the body is not plain (or
    the header's line may end past the head, where a CR could be followed by a LF)."""
    if layout.body is None or len(layout.full_header) > MAX_COLUMNS:
        return None
    if not whole and layout.body >= len(head):
        return None
    return start + len(head[:layout.body].encode("utf-8"))


def _has_blank_line_bytes(data: bytes, start: int = 0) -> bool:
    """_has_blank_line on bytes (on UTF-8, the same answer as on its text).

    numpy looks, 256 KB at a time, for two line-break bytes in a row (LF LF, CR CR or LF CR);
    only a block holding some is searched for the patterns themselves.
    """
    import numpy as np

    n = len(data)
    block = 1 << 18
    for s in range(start, n - 1, block):
        for off in (0, 1):
            count = min(block // 2, (n - s - off) // 2)
            if count <= 0:
                continue
            pairs = np.frombuffer(data, "<u2", count=count, offset=s + off)
            if ((pairs == 0x0A0A) | (pairs == 0x0D0D) | (pairs == 0x0D0A)).any():
                end = min(n, s + block + 2)
                if any(data.find(p, s, end) >= 0 for p in _BLANK_LINES):
                    return True
                break
    return False


class _FileBytes:
    """A file's bytes: held (``data``), or read from ``path`` when asked."""

    def __init__(self, *, data: bytes | None = None, path: Path | None = None) -> None:
        self.data, self.path = data, path
        self.size = len(data) if data is not None else path.stat().st_size if path else 0

    def read(self, start: int, end: int) -> bytes:
        if self.data is not None:
            return self.data[start:end]
        assert self.path is not None
        with self.path.open("rb") as f:
            f.seek(start)
            return f.read(end - start)

    def line_breaks(self, end: int) -> int:
        """Line breaks (CRLF, LF or CR, as _LINE_BREAK finds them) in the bytes before ``end``."""
        if self.data is not None:
            d = self.data
            return d.count(b"\n", 0, end) + d.count(b"\r", 0, end) - d.count(b"\r\n", 0, end)
        assert self.path is not None
        n, pos, cr = 0, 0, False
        with self.path.open("rb") as f:
            while pos < end and (block := f.read(min(SCAN_BLOCK, end - pos))):
                n += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
                n -= cr and block[:1] == b"\n"  # a CRLF cut in two
                cr = block[-1:] == b"\r"
                pos += len(block)
        return n


class _NotStreamable(Exception):
    """This CSV must be read whole (by read_tables)."""


def _csv_parts(path: Path, source: str, head: bytes, scorer: HeaderScorer,
               chunk_rows: int) -> Iterator[RawTable]:
    """iter_tables for a CSV file: its parts, read by pyarrow from the file a block at a time.
    Raises _NotStreamable for a file read_csv_bytes would not give pyarrow as it is."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    src = _FileBytes(path=path)
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    encoding = "utf-8-sig" if start else "utf-8"
    whole = src.size <= len(head)
    if b"\x00" in head:
        raise _NotStreamable
    try:
        text = _decode_head(head[start:], whole=whole)
    except UnicodeDecodeError:
        raise _NotStreamable from None
    layout = _csv_layout(text, source, scorer)
    body_at = _body_byte_offset(layout, text, start, whole=whole)
    if body_at is None or not _scan_csv(path, start, body_at):
        raise _NotStreamable
    width = len(layout.full_header)
    invalid: list[Any] = []
    names: list[str] = []
    done = 0
    with pa.OSFile(str(path)) as f:
        f.seek(body_at)
        try:
            reader = pacsv.open_csv(f, **_arrow_options(width, layout.delimiter, invalid,
                                                        min(ARROW_BLOCK, STREAM_BLOCK)))
        except pa.ArrowInvalid:
            raise _NotStreamable from None
        for part, (batches, last) in enumerate(_rechunk(_checked_batches(reader, invalid), chunk_rows)):
            tbl = pa.Table.from_batches(batches, schema=reader.schema)
            frame = tbl.to_pandas()
            frame.columns = list(range(width))
            del tbl, batches
            numbers = np.arange(done, done + len(frame), dtype=np.int64)
            done += len(frame)
            if last:
                _check_unclosed_quote_at_end(frame, numbers, src, start, source, layout.header_row)
            table = _finish(frame, numbers, layout.header, layout.header_row, source, 0,
                            encoding=encoding, delimiter=layout.delimiter)
            table.part = part
            kept = list(table.frame.columns)
            if not part:
                names = kept
            else:
                # Columns beyond the header are kept up to the last that holds a value anywhere
                # in the file: as part 0 found them, which a later part may not outgrow.
                if len(kept) > len(names):
                    raise _NotStreamable
                for name in names[len(kept):]:
                    table.frame[name] = ""
                table.notes = []
            yield table


def _checked_batches(reader: Any, invalid: list[Any]) -> Iterator[Any]:
    """The record batches of a pyarrow CSV reader, until a ragged row (or an error) shows the
    file must be read whole: raises _NotStreamable before any batch after it."""
    import pyarrow as pa

    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid:  # a cell longer than a block, say
            raise _NotStreamable from None
        if invalid:
            raise _NotStreamable
        yield batch
    if invalid:
        raise _NotStreamable


def _rechunk(batches: Iterable[Any], rows: int) -> Iterator[tuple[list[Any], bool]]:
    """Record batches regrouped ``rows`` rows at a time, each group with whether it is the last
    (found by reading on: the last group is known before it is given). There is always a group,
    if an empty one."""
    pending: list[Any] = []
    held = 0
    for batch in batches:
        pending.append(batch)
        held += batch.num_rows
        while held > rows:
            group, got = [], 0
            while got < rows:
                b = pending[0]
                if got + b.num_rows <= rows:
                    group.append(pending.pop(0))
                    got += b.num_rows
                else:
                    group.append(b.slice(0, rows - got))
                    pending[0] = b.slice(rows - got)
                    got = rows
            held -= rows
            yield group, False
    yield pending, True


def _scan_csv(path: Path, text_start: int, body_at: int) -> bool:
    """What read_csv_bytes checks of a whole file before giving it to pyarrow, a block at a
    time: no NUL byte, UTF-8 from ``text_start`` on, no blank line from ``body_at`` on."""
    pos, carry, tail = 0, b"", b""
    with path.open("rb") as f:
        while block := f.read(SCAN_BLOCK):
            if b"\x00" in block:
                return False
            text = carry + block[max(0, text_start - pos):] if carry else \
                block[max(0, text_start - pos):]
            cut = _utf8_complete(text)
            if not _valid_utf8(memoryview(text)[:cut]):
                return False
            carry = text[cut:]
            end = pos + len(block)
            if end > body_at:
                if _has_blank_line_bytes(block, max(0, body_at - pos)):
                    return False
                joint, joint_at = tail + block[:2], pos - len(tail)  # a pattern across blocks
                if any(joint.find(p, max(0, body_at - joint_at)) >= 0 for p in _BLANK_LINES):
                    return False
            tail = (tail + block)[-2:] if len(block) < 2 else block[-2:]
            pos = end
    return not carry


# ---------------------------------------------------------------- Parquet
# A Parquet file is read as a CSV with its column names on row 1: row N is its record N - 1
# (the first record is row 2), every value as text ("" for a null).

def read_parquet_bytes(data: bytes, source: str) -> RawTable:
    """A Parquet file's records as one table of text."""
    import pyarrow as pa

    return next(_parquet_parts(_open_parquet(pa.BufferReader(data), source), source, None))


def _open_parquet(file: Any, source: str) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(file if isinstance(file, pa.NativeFile) else str(file))
    except (pa.ArrowException, OSError, ValueError, EOFError) as exc:
        raise _damaged_parquet(source, exc) from None


def _damaged_parquet(source: str, exc: BaseException) -> InputFileError:
    msg = str(exc).strip().splitlines()
    return InputFileError(f"{source}: the Parquet file is damaged ({msg[0] if msg else type(exc).__name__}).",
                          hint="Export or download it again.")


def _parquet_parts(pf: Any, source: str, chunk_rows: int | None) -> Iterator[RawTable]:
    """A Parquet file's parts of ``chunk_rows`` records (all in one, None), read by record batch."""
    import numpy as np
    import pyarrow as pa

    header = [str(n) for n in pf.schema_arrow.names]
    if len(header) > MAX_COLUMNS:
        raise InputFileError(*_too_wide(source, 1, len(header)))

    def batches() -> Iterator[Any]:
        if chunk_rows is None:
            yield from pf.read().to_batches()
        else:
            yield from pf.iter_batches(batch_size=min(chunk_rows, 65536))

    def checked() -> Iterator[Any]:
        it = batches()
        while True:
            try:
                batch = next(it)
            except StopIteration:
                return
            except (pa.ArrowException, OSError, ValueError, EOFError) as exc:
                raise _damaged_parquet(source, exc) from None
            yield batch

    done = 0
    for part, (group, _) in enumerate(_rechunk(checked(), chunk_rows or 2**62)):
        tbl = pa.Table.from_batches(group) if group else pf.schema_arrow.empty_table()
        frame = _parquet_frame(tbl)
        del tbl, group
        numbers = np.arange(done, done + len(frame), dtype=np.int64)
        done += len(frame)
        table = _finish(frame, numbers, header, 1, source, 0)
        table.part = part
        yield table


def _parquet_frame(tbl: Any) -> pd.DataFrame:
    """A pyarrow table's columns as text, in a frame with columns 0, 1, 2..."""
    import pandas as pd
    import pyarrow as pa

    texts = [_parquet_text(tbl.column(i)) for i in range(tbl.num_columns)]
    frame = pa.table(texts, names=[f"c{i}" for i in range(len(texts))]).to_pandas() if texts \
        else pd.DataFrame(index=range(tbl.num_rows))
    frame.columns = list(range(len(texts)))
    return frame


def _parquet_text(col: Any) -> Any:
    """A Parquet column as text, "" for a null: strings as they are, integers as digits, floats
    as _parquet_floats, decimals exactly, dates as YYYY-MM-DD, date-times as
    _parquet_timestamps, times as HH:MM:SS, booleans as true/false, anything else as Python
    writes it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = col.type
    if pa.types.is_dictionary(t):
        col, t = col.cast(t.value_type), t.value_type
    if pa.types.is_null(t) or pa.types.is_string(t) or pa.types.is_large_string(t) \
            or pa.types.is_string_view(t):
        text = col.cast(pa.string())
    elif pa.types.is_floating(t):
        text = _parquet_floats(col)
    elif pa.types.is_timestamp(t):
        text = _parquet_timestamps(col)
    elif pa.types.is_date64(t):
        text = col.cast(pa.date32()).cast(pa.string())
    elif pa.types.is_time(t):
        text = pc.replace_substring_regex(col.cast(pa.string()), r"\.0+$", "")
    elif (pa.types.is_integer(t) or pa.types.is_decimal(t) or pa.types.is_boolean(t)
          or pa.types.is_date32(t)):
        text = col.cast(pa.string())
    else:
        try:
            if not (pa.types.is_binary(t) or pa.types.is_large_binary(t)):
                raise pa.ArrowInvalid("not text")
            text = col.cast(pa.string())  # binary holding UTF-8
        except pa.ArrowInvalid:
            text = pa.array([None if v is None else
                             v.decode("utf-8", errors="spendkit-cp1252") if isinstance(v, bytes)
                             else str(v) for v in col.to_pylist()], pa.string())
    return pc.fill_null(text, "")


def _parquet_floats(col: Any) -> Any:
    """Floats as text. pyarrow writes the shortest text that reads back as the same number:
    exact for a ledger's amounts ("1234.5"), but with an exponent for very large or small
    numbers, and the binary noise of arithmetic (3703.6800000000003). Those few are written as
    Excel shows numbers, to 15 significant digits ("3703.68"), never with an exponent; NaN is
    an empty cell."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_float16(col.type):
        col = col.cast(pa.float32())
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    text = col.cast(pa.string())
    odd = pc.fill_null(pc.or_(pc.greater(pc.utf8_length(text), 15),
                              pc.match_substring_regex(text, "[en]")), False)
    if not pc.any(odd).as_py():
        return text
    values = pc.filter(col, odd).to_numpy(zero_copy_only=False)
    fixed = ["" if np.isnan(v) else str(v) if np.isinf(v) else
             np.format_float_positional(v, precision=15, unique=True, fractional=False, trim="-")
             for v in values]
    return pc.replace_with_mask(text, odd, pa.array(fixed, pa.string()))


def _parquet_timestamps(col: Any) -> Any:
    """Date-times as text: "YYYY-MM-DD" at midnight, else "YYYY-MM-DD HH:MM:SS" (with the
    fraction, if any, of a second). A zoned one is written at its zone's local time."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if col.type.tz is not None:
        col = pc.local_timestamp(col)
    seconds = pc.floor_temporal(col, unit="second")
    text = seconds.cast(pa.timestamp("s")).cast(pa.string())
    text = pc.if_else(pc.equal(pc.floor_temporal(col, unit="day"), col),
                      pc.utf8_slice_codeunits(text, 0, 10), text)
    fraction = pc.not_equal(seconds, col)
    if pc.any(fraction).as_py():
        text = pc.if_else(fraction, col.cast(pa.string()), text)
    return text


def _clean_header(cell: str) -> str:
    return cell.replace("\ufeff", "").replace("ï»¿", "").replace("\u2020", "").strip()


# ---------------------------------------------------------------- XLSX / XLS

@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cycle collector paused while a sheet is read: calamine makes a list per row
    (hundreds of thousands, holding no cycle), and each pass of the collector over them all
    costs more than turning them into text. It runs again, as it was, afterwards."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_gc_paused()
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
    _, _, name, rows, header_idx, merged = best
    import numpy as np
    import pandas as pd

    header = _trim([_clean_header(_cell_text(c)) for c in rows[header_idx]])
    # The body is read a column at a time (see _column_text), not a cell at a time.
    columns = _body_columns(rows, header_idx + 1)
    filled = _fill_merged(merged, columns, header_idx)
    if filled:
        notes.append(f"{filled} merged cell range(s): their text is read on every row they span "
                     "(numbers only on the first)")
    n = len(rows) - header_idx - 1
    # As wide as the header, or as the last column holding text (trailing empty cells do not count).
    width = next((j + 1 for j in range(len(columns) - 1, len(header) - 1, -1)
                  if _has_text(columns[j])), len(header))
    if width > MAX_COLUMNS:
        raise InputFileError(*_too_wide(source, header_idx + 1, width))
    if n:
        columns += [[""] * n for _ in range(width - len(columns))]
        frame = pd.DataFrame({j: pd.array(_str_array(columns[j]), dtype="str") for j in range(width)},
                             index=range(n), columns=range(width))  # n rows, even of no column
    else:
        frame = pd.DataFrame([], columns=range(width), dtype="str").fillna("")
    del columns
    numbers = np.arange(n, dtype=np.int64)
    note = [f"read sheet '{name}'" + (f" (of {len(candidates)} visible)" if len(candidates) > 1 else "")]
    table = _finish(frame, numbers, header, header_idx + 1, source, 0, sheet=name)
    table.notes[:0] = note + notes
    return table


Merged = list[tuple[tuple[int, int], tuple[int, int]]]


def _best_sheet(book: Any, names: list[str], source: str, scorer: HeaderScorer
                ) -> tuple[float, int, str, list[list[Any]], int, Merged] | None:
    """(header score, rows, name, rows of cells as calamine gives them, header index, merged
    ranges) of the sheet most like a ledger. Only the rows searched for the header are made
    text here: the body of the one sheet read is made text a column at a time."""
    from python_calamine import CalamineError

    best: tuple[float, int, str, list[list[Any]], int, Merged] | None = None
    for name in names:
        try:
            sheet = book.get_sheet_by_name(name)  # parses the sheet: once per sheet
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
        except (CalamineError, ValueError) as exc:
            raise InputFileError(f"{source}: sheet '{name}' cannot be read ({exc}).") from None
        head = [_trim([_cell_text(c) for c in r]) for r in rows[:HEADER_SEARCH_ROWS]] or [[]]
        idx = find_header(head, scorer)
        score = scorer(head[idx])
        key = (score, len(rows))
        if best is None or key > best[:2]:
            best = (score, len(rows), name, rows, idx, merged)
    return best


# A column of the body, made text: an Arrow array when every cell was text already, else a list.
Column = Any


def _body_columns(rows: list[list[Any]], start: int) -> list[Column]:
    """The text of ``rows[start:]``, as columns (a short row is padded with empty cells)."""
    from itertools import chain

    import numpy as np

    body = rows[start:]
    if not body:
        return []
    width = max(map(len, body))
    if min(map(len, body)) < width:  # calamine's rows are a rectangle; should one not be
        body = [r + [""] * (width - len(r)) for r in body]
    # The fastest way to columns (np.array(body) looks into every cell for a nested sequence).
    cells = np.fromiter(chain.from_iterable(body), dtype=object, count=len(body) * width)
    block = cells.reshape(len(body), width)
    return [_column_text(block[:, j]) for j in range(width)]


def _column_text(cells: np.ndarray) -> Column:
    """``_cell_text`` of each cell of a column (an object array), by the types the column
    holds: text alone is kept as it is, numbers and dates are written by Arrow where it writes
    them as ``_cell_text`` does, any other cell by ``_cell_text``."""
    import pyarrow as pa

    try:  # text alone (the usual column): Arrow takes it as it is, and refuses any other type
        text = pa.array(cells, type=pa.large_string())
        if not text.null_count:
            return text
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    kinds = set(map(type, cells))
    if kinds <= {str, float}:
        return _float_text(cells, kinds)
    if kinds <= {str, dt.date}:  # dates alone (a datetime is another type)
        return _date_text(cells, kinds)
    if kinds <= {str, dt.datetime}:
        return [c if c.__class__ is str else c.isoformat(sep=" ") if c.time() != _MIDNIGHT
                else c.date().isoformat() for c in cells]
    return [c if c.__class__ is str else _cell_text(c) for c in cells]


_MIDNIGHT = dt.time(0)
# The decimals of a number of pence, as "%.15g" writes them: "", ".01" ... ".1", ".11" ... ".99".
_PENCE = ["", *(f".{p:02d}".rstrip("0") for p in range(1, 100))]


def _float_text(cells: np.ndarray, kinds: set[type]) -> Any:
    """``_cell_text`` of a column of floats (and text), as an Arrow array.

    ``_cell_text`` writes a float with "%.15g" (a whole number under 1e15: its digits). A
    whole number under 1e15, or a number of pence k / 100 with |k| < 1e15 (the float nearest
    it), has at most 15 significant digits, so "%.15g" writes exactly those, in plain
    notation: Arrow writes them from the integers. Any other float is written by Python."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(cells)
    if kinds == {float}:
        isfloat = np.ones(n, dtype=bool)
        v = cells.astype(np.float64)
    else:
        isfloat = np.fromiter((c.__class__ is float for c in cells), dtype=bool, count=n)
        v = np.zeros(n)
        v[isfloat] = cells[isfloat].astype(np.float64)
    with np.errstate(all="ignore"):  # inf and nan are Python's to write
        whole = isfloat & (np.trunc(v) == v) & (np.abs(v) < 1e15)
        k = np.round(v * 100)
        pence = isfloat & ~whole & (k / 100 == v) & (np.abs(k) < 1e15)
        a = np.abs(np.where(whole, v, np.where(pence, k, 0.0))).astype(np.int64)
    negative = np.where(whole, v < 0, k < 0)  # never -0.0, which "%.15g" would write "-0"
    text = pc.binary_join_element_wise(
        pa.array(["", "-"], type=pa.large_string()).take(pa.array(negative.view(np.uint8))),
        pa.array(np.where(whole, a, a // 100)).cast(pa.large_string()),
        pa.array(_PENCE, type=pa.large_string()).take(pa.array(np.where(whole, 0, a % 100))),
        pa.scalar("", type=pa.large_string()))
    rest = ~(whole | pence)
    if rest.any():
        others = [c if c.__class__ is str else _cell_text(c) for c in cells[rest]]
        text = pc.replace_with_mask(text, pa.array(rest), pa.array(others, type=pa.large_string()))
    return text


def _date_text(cells: np.ndarray, kinds: set[type]) -> Any:
    """``_cell_text`` of a column of dates (and text), as an Arrow array: Arrow writes a date
    as ``date.isoformat`` does (YYYY-MM-DD, every year from 1 to 9999)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if kinds == {dt.date}:
        return pa.array(cells, type=pa.date32()).cast(pa.large_string())
    isdate = np.fromiter((c.__class__ is dt.date for c in cells), dtype=bool, count=len(cells))
    text = pa.array(np.where(isdate, cells, None), type=pa.date32()).cast(pa.large_string())
    return pc.replace_with_mask(text, pa.array(~isdate),
                                pa.array(cells[~isdate], type=pa.large_string()))


def _has_text(column: Column) -> bool:
    if isinstance(column, list):
        return any(column)
    import pyarrow.compute as pc

    return bool(pc.max(pc.binary_length(column)).as_py())


def _str_array(column: Column) -> Any:
    """A column as an Arrow array of text (pandas' "str" arrays hold one; its conversion of a
    list checks each cell again)."""
    import pyarrow as pa

    return column if isinstance(column, pa.Array) else pa.array(column, type=pa.large_string())


def _fill_merged(merged: Merged, columns: list[Column], header_idx: int) -> int:
    """A merged cell's text belongs to every row it spans (a payee merged over its payments):
    copy it down its first column, below the header. Numbers are never copied, so an amount
    merged over two rows is counted once, not twice. Returns the ranges filled.

    ``columns`` are the body's, the rows below the header (row ``header_idx + 1`` is their
    first cell); ranges are in the sheet's rows and columns, from 0."""
    filled = 0
    first = header_idx + 1
    for (r0, c0), (r1, _) in merged:
        if r1 <= r0 or r0 <= header_idx or c0 >= len(columns) or r0 - first >= len(columns[c0]):
            continue
        column = columns[c0]
        if not isinstance(column, list):  # an Arrow array: a list, to be written in
            columns[c0] = column = column.to_pylist()
        value = column[r0 - first]
        if not value or _numberish(value):
            continue
        for i in range(r0 + 1 - first, min(r1 - first, len(column) - 1) + 1):
            if column[i] == "":
                column[i] = value
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
                if not any(map(_has_far_cell, _chunks(archive, info))):
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


def _has_far_cell(chunk: bytes) -> bool:
    """Whether ``_FAR_CELL`` occurs in ``chunk``: the same search by RE2 (through Arrow, which
    matches binary byte by byte), three times as fast as Python's re on a sheet's XML."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(chunk) >= 2**31 - 1:  # beyond one Arrow binary value (never a chunk of _chunks)
        return _FAR_CELL.search(chunk) is not None
    offsets = pa.py_buffer(np.array([0, len(chunk)], dtype=np.int32))
    one = pa.Array.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(chunk)])
    return bool(pc.match_substring_regex(one, _FAR_CELL.pattern.decode())[0].as_py())


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
