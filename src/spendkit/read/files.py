"""Files -> raw tables of text: the format decided by content (not by file name), then the
format's reader; a zip's members each read as a file. ``iter_tables`` reads large CSV and
Parquet files a part at a time.

Row numbers are the ones a spreadsheet shows: row 1 is the file's first record (CSV) or the
sheet's first row (XLSX), so a message saying "row 812" can be found by opening the file. A
Parquet file reads as a CSV with its column names on row 1: its first record is row 2.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import threading
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from spendkit.errors import InputFileError
from spendkit.read import csvfile, csvstream, parquet, spreadsheet
from spendkit.read.guard import (
    CSV_EXPANSION,
    XLSX_MAX_UNCOMPRESSED,
    ZIP_ERRORS,
    check_memory,
    check_need,
    check_path,
    unreadable,
)
from spendkit.read.table import (
    HEADER_SEARCH_ROWS,
    HeaderScorer,
    RawTable,
    default_scorer,
    split_at_headers,
    trim,
)

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods")
# The sheets to read: one name, several, or None (every sheet that holds a ledger).
Sheets = str | Sequence[str] | None
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the OLE2 stream of an encrypted OOXML


STDIN = "-"  # as a ledger: standard input
STDIN_NAME = "<stdin>"  # its name in messages and source_file
_STDIN_READ: list[tuple[Any, bytes]] = []  # (the stream, its bytes): stdin is read only once


def stdin_bytes() -> bytes:
    """Standard input, read whole (once per stream: a second read gets the same bytes) under the
    memory guard: reading stops, with a clear message, once it would not fit in memory."""
    import sys

    stream = sys.stdin
    for seen, data in _STDIN_READ:
        if seen is stream:
            return data
    if stream is None or stream.isatty():
        raise InputFileError(f"{STDIN_NAME}: '-' reads the ledger from standard input, but that is "
                             "a terminal.", hint="Pipe the ledger in: spendkit classify - < ledger.csv")
    source = getattr(stream, "buffer", stream)
    parts, size = [], 0
    try:
        while chunk := source.read(1 << 20):
            chunk = chunk.encode() if isinstance(chunk, str) else chunk
            parts.append(chunk)
            size += len(chunk)
            check_need(STDIN_NAME, size * CSV_EXPANSION)
    except OSError as exc:
        raise InputFileError(f"{STDIN_NAME}: cannot read standard input ({exc.strerror or exc}).") from None
    data = b"".join(parts)
    _STDIN_READ[:] = [(stream, data)]
    return data


_IN_MEMORY: dict[str, bytes] = {}  # ledgers given as data, not files (a DataFrame): name -> bytes
_IN_MEMORY_LOCK = threading.Lock()


@contextlib.contextmanager
def in_memory(tables: Sequence[bytes], name: str = "<DataFrame>") -> Iterator[list[str]]:
    """Ledgers given as bytes (a DataFrame the Python API wrote as Parquet), read by
    ``read_tables`` and ``iter_tables`` as files are, under the names yielded (``<DataFrame>``,
    or ``<DataFrame 1>``, ``<DataFrame 2>``... for several): the names their rows'
    ``source_file`` and every message give. The bytes are forgotten on leaving."""
    with _IN_MEMORY_LOCK:
        names: list[str] = []
        for i, data in enumerate(tables, start=1):
            base = name if len(tables) == 1 else f"{name[:-1]} {i}>"
            unique, n = base, 1
            while unique in _IN_MEMORY:  # another thread's, at the same time
                n += 1
                unique = f"{base[:-1]} #{n}>"
            _IN_MEMORY[unique] = data
            names.append(unique)
    try:
        yield names
    finally:
        with _IN_MEMORY_LOCK:
            for unique in names:
                _IN_MEMORY.pop(unique, None)


def read_tables(path: str | Path, *, sheet: Sheets = None, score_header: HeaderScorer | None = None,
                every_sheet: bool = True) -> list[RawTable]:
    """Read every table in ``path`` (``-``: standard input; a name ``in_memory`` gave: those
    bytes): one for a CSV, one per ledger sheet of a workbook (with ``every_sheet=False``, of
    its one sheet most like a ledger: a supplier file), one per member of a zip; more where a
    header appears again part-way down."""
    if str(path) == STDIN:
        return _read_bytes(stdin_bytes(), STDIN_NAME, sheet=sheet,
                           score_header=score_header or default_scorer, every_sheet=every_sheet)
    if str(path) in _IN_MEMORY:
        return _read_bytes(_IN_MEMORY[str(path)], str(path), sheet=sheet,
                           score_header=score_header or default_scorer, every_sheet=every_sheet)
    path = Path(path)
    check_path(path)
    try:
        check_memory(path)
        data = path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc) from None
    return _read_bytes(data, str(path), sheet=sheet, score_header=score_header or default_scorer,
                       every_sheet=every_sheet)


def distinct_files(paths: Sequence[str | Path]) -> tuple[list[Path], dict[Path, str]]:
    """(``paths`` with each file once, in the order first given; for each file given more than
    once, the note saying so): the one place every command's ledgers are made distinct.

    The same file is the same resolved path (symbolic links and ``..`` followed), not the same
    content: two files with equal bytes are two publications (a month republished under
    another name is a choice the user made, and the report's repeated-rows check still finds
    its rows), and hashing every ledger would read each one twice."""
    given: dict[Path, list[str]] = {}
    first: dict[Path, Path] = {}
    for p in map(Path, paths):
        key = p.resolve()
        given.setdefault(key, []).append(str(p))
        first.setdefault(key, p)
    notes = {}
    for key, spellings in given.items():
        if len(spellings) > 1:
            also = [s for s in dict.fromkeys(spellings) if s != spellings[0]]
            notes[first[key]] = (f"{spellings[0]} given {len(spellings)} times"
                                 + (f" (also as {', '.join(also)})" if also else "") + ": read once")
    return list(first.values()), notes


class RestartWhole(Exception):
    """Raised by ``iter_tables`` when a CSV it was streaming turns out, after some of its parts
    were yielded, to need reading whole (met part-way: a ragged row, a record longer than
    STREAM_BLOCK, or a value under an unnamed column that part 0 did not keep): discard the
    parts received and read this file again with ``read_tables``."""


def iter_tables(path: str | Path, *, sheet: Sheets = None,
                score_header: HeaderScorer | None = None,
                chunk_rows: int = 1_000_000) -> Iterator[RawTable]:
    """``read_tables``, a part at a time: the tables of ``path``, each as one or more RawTables
    of at most ``chunk_rows`` rows (``part`` 0, 1, 2...), holding only a part in memory.

    A CSV file larger than csvstream.STREAM_MIN_BYTES that pyarrow can read as it is (UTF-8 without NUL
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
    if str(path) == STDIN or str(path) in _IN_MEMORY:
        yield from read_tables(path, sheet=sheet, score_header=score_header)
        return
    path = Path(path)
    check_path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(csvfile.HEAD_BYTES)
            f.seek(max(0, size - 4))
            end = f.read(4)
    except OSError as exc:
        raise unreadable(path, exc) from None
    if not sheet and head[:4] == b"PAR1" and end == b"PAR1":
        yield from parquet.parquet_parts(parquet.open_parquet(path, source), source, chunk_rows)
        return
    if not sheet and size > csvstream.STREAM_MIN_BYTES and sniff_format(head) == "csv":
        yielded = False
        try:
            for table in csvstream.csv_parts(path, source, head, score_header or default_scorer, chunk_rows):
                yielded = True
                yield table
            return
        except csvstream.NotStreamable:
            if yielded:
                raise RestartWhole(f"{source}: read it again whole (read_tables).") from None
    yield from read_tables(path, sheet=sheet, score_header=score_header)



def _read_bytes(data: bytes, source: str, *, sheet: Sheets, score_header: HeaderScorer,
                every_sheet: bool = True, nested: bool = False) -> list[RawTable]:
    kind = sniff_format(data)
    if kind == "empty":
        raise InputFileError(f"{source}: the file is empty.", hint="Export the ledger again.")
    if kind == "xlsx":
        return spreadsheet.read_workbook(data, source, sheet=sheet, score_header=score_header,
                                         every_sheet=every_sheet)
    if kind == "xls":
        if _ENCRYPTED_PACKAGE in data:
            raise InputFileError(f"{source}: cannot open the workbook: it is password-protected "
                                 "or encrypted.",
                                 hint="Save it again from Excel as .xlsx without a password.")
        return spreadsheet.read_workbook(data, source, sheet=sheet, score_header=score_header,
                                         legacy=True, every_sheet=every_sheet)
    if kind == "json":
        raise not_a_table_json(data, source)
    if kind == "zip":
        if nested:
            raise InputFileError(f"{source}: is itself a zip; a zip inside a zip is not read.",
                                 hint="Unzip the inner zip and give its files instead.")
        return _read_zip(data, source, sheet=sheet, score_header=score_header, every_sheet=every_sheet)
    if kind == "binary":
        raise InputFileError(
            f"{source}: this is not a text or spreadsheet file (it holds binary data).",
            hint="spendkit reads CSV, XLSX/XLS, Parquet, or a zip holding them.",
        )
    if sheet:
        what = "a Parquet" if kind == "parquet" else "a CSV"
        raise InputFileError(f"{source}: --sheet was given but this is {what} file, which has no sheets.")
    if kind == "parquet":
        return [parquet.read_parquet_bytes(data, source)]
    return split_at_headers(csvfile.read_csv_bytes(data, source, score_header=score_header), score_header)


def sniff_format(data: bytes) -> str:
    """'xlsx', 'xls', 'zip', 'parquet', 'json', 'csv', 'binary' or 'empty', decided by content."""
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
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or csvfile.utf16_without_bom(head):
        return "csv"  # UTF-16 text: every other byte is NUL
    if b"\x00" in head.replace(b"\x00\x00", b"") and head.count(b"\x00") > len(head) // 10:
        return "binary"
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13, 0))
    if controls > len(head) // 20:
        return "binary"
    return "json" if _json_start(head) is not None else "csv"


def _json_start(head: bytes) -> Any:
    """The first JSON value of a file that starts with one (a JSON document's first line, or a
    JSON-lines file's first record), else None."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text.startswith((b"{", b"[")):
        return None
    for candidate in (text.split(b"\n", 1)[0], text):  # a JSON-lines record, or a small document
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def not_a_table_json(data: bytes, source: str) -> InputFileError:
    """A JSON file refused, saying what it holds: procurement notices (OCDS), or JSON."""
    first = _json_start(data[:65536])
    record = first[0] if isinstance(first, list) and first else first
    keys = set(record) if isinstance(record, dict) else set()
    ocds = keys & {"ocid", "releases", "records", "tender", "awards"}
    what = ("procurement notices in OCDS (Open Contracting) JSON, as Contracts Finder and Find a "
            "Tender publish them" if ocds else "JSON")
    return InputFileError(
        f"{source}: this file is {what}, not a payment ledger; nothing was counted.",
        hint="spendkit reads payment ledgers: a table (CSV, XLSX/XLS or Parquet) with a payee and an "
             "amount on each row" + (". Award notices say who won a contract, not what was paid." if ocds else "."))


def _read_zip(data: bytes, source: str, *, sheet: Sheets, score_header: HeaderScorer,
              every_sheet: bool) -> list[RawTable]:
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
                              sheet=sheet, score_header=score_header, every_sheet=every_sheet,
                              nested=True)
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
    text, _ = csvfile.decode(data[:262144])
    with csvfile.field_limit():
        try:
            records = csvfile.first_records(text, csvfile.sniff_delimiter(text[:65536]), limit=HEADER_SEARCH_ROWS)
        except csv.Error:
            return True
    return any(score_header(trim(r)) > 0 for r in records)
