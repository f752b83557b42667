"""Files -> raw tables of text.

This module finds the table in a file and nothing more: the format (by
content, not by file name), the encoding, the delimiter, the sheet and the
header row. Every cell comes out as a string ("" when empty); interpreting
amounts, dates and postcodes is ``normalise``'s job.

Row numbers are the ones a spreadsheet shows: row 1 is the file's first
record (CSV) or the sheet's first row (XLSX), so a message saying "row 812"
can be found by opening the file. A Parquet file reads as a CSV with its column
names on row 1: its first record is row 2.

This module decides the format and holds what the formats share (RawTable, the memory
guard, header finding, column naming); ``read_csv``, ``read_workbook`` and ``read_parquet``
read each format.
"""

from __future__ import annotations

import contextlib
import csv
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
# Memory a file takes once read, as a multiple of its size (CSV, or a zip's members), or
# of its uncompressed XML (XLSX): text, then Arrow, then pandas columns, then the copies
# the ledger makes. Approximate on purpose: the guard is for files far too large.
CSV_EXPANSION = 8
XLSX_EXPANSION = 3
MEMORY_LIMIT_ENV = "SPENDKIT_MEMORY_LIMIT"  # bytes (or 500M, 2G): overrides the memory guard

_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the OLE2 stream of an encrypted OOXML
# What Python's zipfile raises on a damaged archive: a bad offset is a ValueError (negative
# seek), an unknown version or method NotImplementedError, a bad stream zlib.error.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error, ValueError,
              NotImplementedError, KeyError)



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

    A CSV file larger than read_csv.STREAM_MIN_BYTES that pyarrow can read as it is (UTF-8 without NUL
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
            head = f.read(read_csv.HEAD_BYTES)
            f.seek(max(0, size - 4))
            end = f.read(4)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if sheet is None and head[:4] == b"PAR1" and end == b"PAR1":
        yield from read_parquet.parquet_parts(read_parquet.open_parquet(path, source), source, chunk_rows)
        return
    if sheet is None and size > read_csv.STREAM_MIN_BYTES and sniff_format(head) == "csv":
        yielded = False
        try:
            for table in read_csv.csv_parts(path, source, head, score_header or _default_scorer, chunk_rows):
                yielded = True
                yield table
            return
        except read_csv.NotStreamable:
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
        return [read_workbook.read_workbook(data, source, sheet=sheet, score_header=score_header)]
    if kind == "xls":
        if _ENCRYPTED_PACKAGE in data:
            raise InputFileError(f"{source}: cannot open the workbook: it is password-protected "
                                 "or encrypted.",
                                 hint="Save it again from Excel as .xlsx without a password.")
        return [read_workbook.read_workbook(data, source, sheet=sheet, score_header=score_header, legacy=True)]
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
        return [read_parquet.read_parquet_bytes(data, source)]
    return [read_csv.read_csv_bytes(data, source, score_header=score_header)]


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
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or read_csv.utf16_without_bom(head):
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
    text, _ = read_csv.decode(data[:262144])
    with read_csv.field_limit():
        try:
            records = read_csv.first_records(text, read_csv.sniff_delimiter(text[:65536]), limit=HEADER_SEARCH_ROWS)
        except csv.Error:
            return True
    return any(score_header(_trim(r)) > 0 for r in records)


def _clean_header(cell: str) -> str:
    return cell.replace("\ufeff", "").replace("ï»¿", "").replace("\u2020", "").strip()


# ---------------------------------------------------------------- shared

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


def rechunk(batches: Iterable[Any], rows: int) -> Iterator[tuple[list[Any], bool]]:
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


# The formats' readers use the shared pieces above (RawTable, _finish...): imported last.
from . import read_csv, read_parquet, read_workbook  # noqa: E402
