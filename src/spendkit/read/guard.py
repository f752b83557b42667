"""What a file must pass before it is read: a real, readable file (not a folder, a device, a
pipe or a socket; a path the file system can hold), that fits in memory, and, for a
workbook, archive and sheet limits (zip bombs, entity declarations, sheets too large to hold)
measured before any reader opens it. Every reader of a user's file (ledgers, supplier files,
registers, the postcode directory, settings, manifests) checks its path here first."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spendkit.errors import ConfigError, InputFileError, SpendkitError

XLSX_MAX_UNCOMPRESSED = 2 * 1024**3  # refuse zip bombs before inflating them
# Memory a file takes once read, as a multiple of its size (CSV, or a zip's members), or
# of its uncompressed XML (XLSX): text, then Arrow, then pandas columns, then the copies
# the ledger makes. Approximate on purpose: the guard is for files far too large.
CSV_EXPANSION = 8
XLSX_EXPANSION = 3
# Memory per cell once read: a sheet's rectangle (calamine, then Python), or a Parquet
# file's records x columns made text (Arrow, then pandas, then the ledger's copies).
CELL_BYTES = 64
PARQUET_CELL_BYTES = 48
MEMORY_LIMIT_ENV = "SPENDKIT_MEMORY_LIMIT"  # bytes (or 500M, 2G): overrides the memory guard
# What Python's zipfile raises on a damaged archive: a bad offset is a ValueError (negative
# seek), an unknown version or method NotImplementedError, a bad stream zlib.error.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error, ValueError,
              NotImplementedError, KeyError)
# The longest file name and path (in bytes) the usual file systems hold (Linux, macOS).
NAME_MAX = 255
PATH_MAX = 4096

# ---------------------------------------------------------------- paths


def check_path(path: Path, what: str = "a ledger file", *, error: type[SpendkitError] = InputFileError,
               hint: str | None = None) -> None:
    """Refuse, before opening it, anything but a regular file this process can read: a
    folder, a device (``/dev/zero`` never ends), a pipe (a FIFO waits for a writer), a
    socket, a path too long for the file system, a file without read permission. ``what``
    names the file in the message ("a ledger file", "the supplier file"); ``error`` is the
    exception (its exit status) for this kind of input."""
    raw = os.fsencode(path)
    if b"\0" in raw:
        raise error(f"{_short(path)!r}: a path cannot hold a NUL character.", hint="Check the path.")
    longest = max((len(part) for part in raw.split(b"/")), default=0)
    if len(raw) > PATH_MAX or longest > NAME_MAX:
        raise error(f"{_short(path)}: the path is too long ({len(raw):,} bytes, a name of {longest:,}; "
                    f"file systems hold a name of up to {NAME_MAX} and a path of up to {PATH_MAX}).",
                    hint="Check the path, or move the file to a shorter one.")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise error(f"{path}: no such file.", hint=hint or "Check the path and try again.") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise error(f"{_short(path)}: the path is too long for the file system.",
                        hint="Check the path, or move the file to a shorter one.") from None
        raise unreadable(path, exc, error) from None
    kind = ("a folder" if stat.S_ISDIR(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else None if stat.S_ISREG(mode) else "not a regular file")
    if kind is not None:
        raise error(f"{path}: is {kind}, not {what}.",
                    hint=hint or "Give the file itself (a device or pipe could be read forever, "
                                 "or wait forever).")
    if not os.access(path, os.R_OK):
        raise unreadable(path, PermissionError(errno.EACCES, os.strerror(errno.EACCES)), error)


def _short(path: Path) -> str:
    """A path for a message: a very long one shortened to its start and end."""
    text = str(path)
    return text if len(text) <= 160 else f"{text[:60]}...{text[-80:]}"


def unreadable(path: Path, exc: OSError, error: type[SpendkitError] = InputFileError) -> SpendkitError:
    """The error for a file that cannot be opened or read (``exc`` says why)."""
    return error(f"{_short(path)}: cannot be read ({exc.strerror or exc}).",
                 hint="Check the file's permissions (can you open it?).")


# ---------------------------------------------------------------- memory

def check_memory(path: Path) -> None:
    """Refuse, before reading it, a file that would not fit in memory: a clear message, never
    an out-of-memory kill. The need is estimated from the file's size (a CSV), or from the
    sizes its zip directory declares (an XLSX, or a zip of ledgers), or from what a Parquet
    file's footer declares (``parquet_need``)."""
    size = path.stat().st_size
    need = size * CSV_EXPANSION
    with path.open("rb") as f:
        magic = f.read(4)
    zipped = magic == b"PK\x03\x04"
    if magic == b"PAR1":  # Parquet: what its records take once read, from its footer
        with contextlib.suppress(Exception):  # damaged: reading it says so
            import pyarrow.parquet as pq

            need = parquet_need(pq.read_metadata(path), None)
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
    check_need(str(path), need)


def parquet_need(meta: Any, rows_at_once: int | None) -> int:
    """Bytes a Parquet file takes once read as text, from its footer (``meta``): its records
    (or ``rows_at_once`` of them, read a part at a time) x its columns at PARQUET_CELL_BYTES a
    cell, or its row groups' uncompressed size x CSV_EXPANSION (the largest group, a part at
    a time), whichever is more. The uncompressed size alone misses a dictionary-encoded
    column: millions of copies of one value take a few bytes on disk."""
    rows = meta.num_rows if rows_at_once is None else min(rows_at_once, meta.num_rows)
    groups = [meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)]
    data = sum(groups) if rows_at_once is None else max(groups, default=0)
    return int(max(rows * meta.num_columns * PARQUET_CELL_BYTES, data * CSV_EXPANSION))


def check_need(source: str, need: int, what: str = "") -> None:
    """Refuse a file (or ``what`` of it) needing ``need`` bytes once read if that is more
    than the memory available: a clear message, never an out-of-memory kill."""
    available = available_memory()
    if available is not None and need > available:
        raise InputFileError(
            f"{source}: {what or 'is'} too large to read in memory ({human_size(need)} needed, "
            f"{human_size(available)} available).",
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


def human_size(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"


# ---------------------------------------------------------------- workbooks
# An XLSX is measured before calamine opens it: calamine allocates a sheet's whole rectangle,
# A1 to its farthest cell (or to what its <dimension ref> claims), so one cell at XFD1048576
# in a 2 KB file asks for 17 billion cells and aborts the process. Every part is measured,
# whatever its name (the workbook's relationships may name a sheet part anything), and every
# spelling of a reference calamine accepts: either case, either quote, spaces around the
# '=', '$' signs, leading zeros, a range's far corner.
_XML_DECLARATIONS = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_SST_TAG = re.compile(rb"<(?:\w+:)?sst\b[^>]*>")
_STRING_COUNT = re.compile(rb"\b(?:count|uniqueCount)\s*=\s*[\"']\s*([0-9]{1,20})")
STRING_BYTES = 32  # a shared string's room, reserved before it is read
# A reference far from A1 (column AA+ at row 10,000+, column AAA+, or row 1,000,000+,
# counting leading zeros as digits), or a row or cell written without a reference (each then
# follows the one before it, so only counting them measures the sheet): worth measuring the
# part. An ordinary ledger's parts cost one quick search. A reference is a cell's or a row's
# r="..." or a ref="..." (the dimension, a merged range), up to the far corner of a range.
_FAR_REF = (r'(?i:\br(?:ef)?\s*=\s*["\'][$0-9a-z:]*?'
            r"(?:[a-z]{3}\$?[0-9]|[a-z]{2}\$?[0-9]{5}|[a-z]?\$?[0-9]{7}))")
# A row's or cell's tag (with or without a namespace prefix) whose attributes have no r.
_ATTRIBUTE_NOT_R = r"""\s+(?:[\w.-]+:)?(?:[\w.-]{2,}|[^\sr=>/])\s*=\s*(?:"[^"]*"|'[^']*')"""
_LOOSE_ROW = rf"<(?:\w+:)?row(?:{_ATTRIBUTE_NOT_R})*\s*/?>"
_LOOSE_CELL = rf"<(?:\w+:)?c(?:{_ATTRIBUTE_NOT_R})*\s*/?>"
_SUSPECT = f"{_FAR_REF}|{_LOOSE_ROW}|{_LOOSE_CELL}"
# Each reference (or range corner): letters (none for a row's r) and digits.
_REF = re.compile(rb'(?i)\br(?:ef)?\s*=\s*["\']([$0-9a-z: ]{1,64})["\']')
_CORNER = re.compile(rb"(?i)\$?([a-z]{0,4})\$?([0-9]{1,12})")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_LOOSE = re.compile(f"{_LOOSE_ROW}|{_LOOSE_CELL}".encode())
_LOOSE_ROWS = re.compile(_LOOSE_ROW.encode())


def check_workbook(data: bytes, source: str) -> None:
    """Refuse, before it is opened, an XLSX (or any zip-based workbook) that is a zip bomb,
    declares XML entities, or holds a part whose rectangle would not fit in memory."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except ZIP_ERRORS:
        raise InputFileError(f"{source}: the workbook is damaged (not a valid zip).",
                             hint="Save it again from Excel.") from None
    total = sum(i.file_size for i in infos)
    if total > XLSX_MAX_UNCOMPRESSED:
        raise InputFileError(f"{source}: the workbook inflates to {total:,} bytes; refusing to open it.",
                             hint="This looks like a zip bomb, or a workbook far too large for memory.")
    try:
        for info in infos:
            _check_declarations(archive, info, source)
            _check_extent(archive, info, source)
    except ZIP_ERRORS:
        return  # damaged: calamine says so when it opens it


def _check_declarations(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> None:
    """Refuse XML with a DOCTYPE or entity declarations: Excel never writes them, and they are
    how an "entity expansion" (billion laughs) attack is made. Only each part's start is read."""
    with archive.open(info) as part:
        start = part.read(8192)
    if _XML_DECLARATIONS.search(start):
        raise InputFileError(
            f"{source}: the workbook's {info.filename} declares XML entities "
            "(<!DOCTYPE/<!ENTITY>), which Excel never writes; refusing to read it.",
            hint="This can be an attack (entity expansion). Save it again from Excel.")
    # A shared-strings table states how many strings it holds, and calamine reserves room for
    # that many before reading one: a claim of billions asks for 100 GB.
    claim = max((int(n) for tag in _SST_TAG.findall(start) for n in _STRING_COUNT.findall(tag)),
                default=0)
    available = available_memory()
    if available is not None and claim * STRING_BYTES > available:
        raise InputFileError(
            f"{source}: the workbook's {info.filename} claims {claim:,} shared strings, too many to "
            f"read in memory ({human_size(claim * STRING_BYTES)} needed, {human_size(available)} "
            "available).", hint="The workbook is damaged or hostile. Save it again from Excel.")


def _check_extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> None:
    """Refuse a part whose rectangle (A1 to its farthest cell) would not fit in memory. The
    farthest cell is the farthest reference, or, where rows or cells are written without one
    (each then follows the one before it), that plus the rows without one and the most cells
    in a row."""
    if not any(map(worth_measuring, _chunks(archive, info))):
        return
    rows = cols = loose_rows = widest = 0
    loose = any(_LOOSE.search(chunk) for chunk in _chunks(archive, info))
    for chunk in _chunks(archive, info):
        for value in set(_REF.findall(chunk)):
            for letters, digits in _CORNER.findall(value):
                rows = max(rows, int(digits))
                cols = max(cols, column_number(letters))
        if loose:
            loose_rows += len(_LOOSE_ROWS.findall(chunk))
            widest = max(widest, *(len(_CELL_TAG.findall(row)) for row in _ROW_TAG.split(chunk)))
    rows, cols = rows + loose_rows, cols + widest
    cells = rows * max(cols, 1)
    available = available_memory()
    if available is not None and cells * CELL_BYTES > available:
        raise InputFileError(
            f"{source}: {info.filename} spans {cols:,} columns by {rows:,} rows ({cells:,} cells), "
            f"too many to read in memory ({human_size(cells * CELL_BYTES)} needed, "
            f"{human_size(available)} available).",
            hint="A cell far from the table (a stray value or format at the sheet's far "
                 "corner) makes the sheet huge: delete the empty rows and columns after "
                 "the table, or save the sheet as CSV.")


def worth_measuring(chunk: bytes) -> bool:
    """Whether ``_SUSPECT`` (a far reference, or a row or cell without one) occurs in ``chunk``."""
    return _count(chunk, _SUSPECT) > 0


def _count(chunk: bytes, pattern: str) -> int:
    """How often ``pattern`` occurs in ``chunk``, counted by RE2 (through Arrow, which matches
    binary byte by byte): three times as fast as Python's re on a sheet's XML."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(chunk) >= 2**31 - 1:  # beyond one Arrow binary value (never a chunk of _chunks)
        return len(re.findall(pattern.encode(), chunk))
    offsets = pa.py_buffer(np.array([0, len(chunk)], dtype=np.int32))
    one = pa.Array.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(chunk)])
    return int(pc.count_substring_regex(one, pattern)[0].as_py())


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int = 8 << 20) -> Iterator[bytes]:
    """A member's bytes in pieces that overlap by 96 bytes (so no reference is cut)."""
    with archive.open(info) as part:
        tail = b""
        while chunk := part.read(size):
            yield tail + chunk
            tail = chunk[-96:]


def column_number(letters: bytes) -> int:
    """A column's number from its letters, in either case (A = 1, XFD = 16384; none = 0)."""
    n = 0
    for c in letters.upper():
        n = n * 26 + c - 64
    return n
