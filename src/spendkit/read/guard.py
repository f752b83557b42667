"""What a file must pass before it is read: a real file (not a folder or a device), that fits
in memory, and archive limits (zip bombs, damaged zips)."""

from __future__ import annotations

import contextlib
import os
import re
import zipfile
import zlib
from pathlib import Path

from spendkit.errors import ConfigError, InputFileError

XLSX_MAX_UNCOMPRESSED = 2 * 1024**3  # refuse zip bombs before inflating them
# Memory a file takes once read, as a multiple of its size (CSV, or a zip's members), or
# of its uncompressed XML (XLSX): text, then Arrow, then pandas columns, then the copies
# the ledger makes. Approximate on purpose: the guard is for files far too large.
CSV_EXPANSION = 8
XLSX_EXPANSION = 3
MEMORY_LIMIT_ENV = "SPENDKIT_MEMORY_LIMIT"  # bytes (or 500M, 2G): overrides the memory guard
# What Python's zipfile raises on a damaged archive: a bad offset is a ValueError (negative
# seek), an unknown version or method NotImplementedError, a bad stream zlib.error.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error, ValueError,
              NotImplementedError, KeyError)


def check_path(path: Path) -> None:
    if not path.exists():
        raise InputFileError(f"{path}: no such file.", hint="Check the path and try again.")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not a ledger file.")
    if path.is_char_device() or path.is_block_device():  # /dev/zero would never end
        raise InputFileError(f"{path}: is a device, not a ledger file.")


def unreadable(path: Path, exc: OSError) -> InputFileError:
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
            f"{path}: is too large to read in memory ({human_size(need)} needed, {human_size(available)} "
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


def human_size(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"
