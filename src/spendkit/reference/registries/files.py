"""Reading a register's file as its publisher's download comes: the file or the zip holding
it, its header (whatever the delimiter, encoding or byte-order mark), the columns a reader
needs found by name, and damaged rows skipped (a few, with a note) or refused (many)."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from spendkit.errors import InputFileError
from spendkit.read import guard
from spendkit.read.files import sniff_format
from spendkit.reference.registries.common import Field, PathLike, describe, fold, text_column

# a reader's extra test of the columns found (role -> header): the header missing, or None
Check = Callable[[dict[str, str]], str | None]


def check_path(path: Path, registry: str) -> None:
    """An InputFileError unless ``path`` is a regular file that can be read (read.guard)."""
    guard.check_path(path, f"the {describe(registry)}",
                     hint=f"Expected the {describe(registry)}, as downloaded.")


def reject_kind(head: bytes, source: str, registry: str) -> None:
    """An InputFileError if the file's first bytes show a workbook, Parquet, binary or nothing."""
    kind = sniff_format(head)
    what = {"xlsx": "an Excel workbook", "xls": "an Excel 97-2003 workbook",
            "parquet": "a Parquet file", "binary": "binary data, not text", "empty": "empty"}.get(kind)
    if what:
        raise InputFileError(f"{source}: this file is {what}, not the {describe(registry)}.",
                             hint="Give the register's CSV or text file as downloaded (or the zip holding it).")


def read_register(path: PathLike, registry: str, fields: Sequence[Field], *, prefer: str,
                  check: Check | None = None) -> tuple[pd.DataFrame, str, list[str]]:
    """A register's file (or the zip holding it) -> text columns named by role."""
    p = Path(path)
    check_path(p, registry)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise guard.unreadable(p, exc) from None
    source = str(p)
    if data[:4] == b"PK\x03\x04" and sniff_format(data) == "zip":
        data, source = _zip_member(data, source, registry, prefer)
    reject_kind(data[:65536], source, registry)
    return _parse_register(data, source, registry, fields, check)


def _zip_member(data: bytes, source: str, registry: str, prefer: str) -> tuple[bytes, str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in archive.infolist() if not i.is_dir()
                   and i.filename.lower().endswith((".csv", ".txt"))
                   and not Path(i.filename).name.startswith((".", "~$"))]
        if not members:
            raise InputFileError(f"{source}: the zip holds no CSV or text file.",
                                 hint=f"Expected the {describe(registry)}.")
        preferred = [i for i in members if re.search(prefer, i.filename, flags=re.IGNORECASE)]
        member = max(preferred or members, key=lambda i: i.file_size)
        return archive.read(member), f"{source}!{member.filename}"
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputFileError(f"{source}: the zip file is damaged ({exc}).",
                             hint="Download it again.") from None


def read_header(data: bytes) -> tuple[list[str], str, str]:
    """(header cells as written, delimiter, encoding) from the first line of ``data``."""
    first = data[:1 << 20].split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text, encoding = first.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = first.decode("cp1252", errors="replace"), "cp1252"
    delimiter = "\t" if text.count("\t") > text.count(",") else ","
    cells = next(csv.reader([text], delimiter=delimiter), [])
    return [c.replace("\ufeff", "").strip() for c in cells], delimiter, encoding


def map_fields(headers: list[str], fields: Sequence[Field], source: str, registry: str
               ) -> dict[str, int]:
    """role -> column position, or an InputFileError naming what was expected and found."""
    folded = [fold(h) for h in headers]
    found: dict[str, int] = {}
    for f in fields:
        names = f.names()
        hit = next((i for i, h in enumerate(folded) if h in names), None)
        if hit is not None:
            found[f.role] = hit
    missing = [f for f in fields if f.required and f.role not in found]
    if missing:
        raise columns_error(source, registry, fields, headers,
                            [f.header for f in missing])
    return found


def columns_error(source: str, registry: str, fields: Sequence[Field], headers: list[str],
                  missing: list[str]) -> InputFileError:
    """The file, the register expected, the columns it needs and the columns it has."""
    needed = [f.header for f in fields if f.required]
    expected = ", ".join(f"'{h}'" for h in needed)
    shown = ", ".join(f"'{h}'" for h in headers[:40]) + (" ..." if len(headers) > 40 else "")
    if set(missing) >= set(needed):
        what = f"none of its columns ({expected}) are here."
    else:
        what = "cannot find the column(s) " + ", ".join(f"'{m}'" for m in missing) + f" (it needs {expected})."
    return InputFileError(f"{source}: not the {describe(registry)}: {what}",
                          hint=f"Found {len(headers)} column(s): {shown or '(none)'}.")


def skipper(bad: list[Any]) -> Callable[[Any], str]:
    """A pyarrow invalid-row handler that records the row and skips it."""
    def handle(row: Any) -> str:
        bad.append(row)
        return "skip"
    return handle


def skipped_rows(source: str, bad: int, columns: int, rows: int, hint: str) -> list[str]:
    """The note for ``bad`` lines skipped (none for none); an InputFileError with ``hint``
    when they are too many (over 10 and over 1% of the ``rows`` read) to be stray damage."""
    if not bad:
        return []
    if bad > max(10, rows // 100):
        raise InputFileError(f"{source}: {bad} line(s) do not have the header's {columns} columns.",
                             hint=hint)
    return [f"{source}: {bad} line(s) without the header's {columns} columns skipped"]


def by_role(frame: pd.DataFrame, fields: Sequence[Field], found: dict[str, int],
            names: list[str]) -> pd.DataFrame:
    """The columns read (named ``names``) -> one text column per field's role ("" if absent)."""
    out = pd.DataFrame(index=frame.index)
    for f in fields:
        out[f.role] = text_column(frame[names[found[f.role]]]) if f.role in found \
            else pd.Series("", index=frame.index, dtype="str")
    return out


def _parse_register(data: bytes, source: str, registry: str, fields: Sequence[Field],
                    check: Check | None) -> tuple[pd.DataFrame, str, list[str]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16").encode("utf-8")
    data = data.removeprefix(codecs.BOM_UTF8)
    headers, delimiter, encoding = read_header(data)
    found = map_fields(headers, fields, source, registry)
    if check is not None:
        missing = check({role: headers[i] for role, i in found.items()})
        if missing:
            raise columns_error(source, registry, fields, headers, [missing])
    if encoding != "utf-8":
        data = data.decode("cp1252", errors="replace").encode("utf-8")
    names = [f"c{i}" for i in range(len(headers))]
    wanted = [names[i] for i in sorted(set(found.values()))]
    table, bad = _read_body(data, source, registry, names, wanted, delimiter)
    notes = skipped_rows(source, bad, len(headers), table.num_rows,
                         hint=f"This does not look like the {describe(registry)} as downloaded.")
    out = by_role(table.to_pandas(), fields, found, names)
    for role in out.columns:
        col = out[role].str.strip()
        out[role] = col.mask(col.isin(["NA", "NULL", "N/A", "#N/A"]), "")
    return out, source, notes


def _read_body(data: bytes, source: str, registry: str, names: list[str], wanted: list[str],
               delimiter: str) -> tuple[Any, int]:
    """The table read from ``data`` (bytes that are not UTF-8 read as Windows-1252), and how many
    rows were skipped; if some were, tried again with quotes as text, and the better reading kept."""
    import pyarrow as pa

    if not _utf8(data):
        # Bytes that are not UTF-8 (a Windows-1252 name) stop pyarrow, and stop it handing a
        # damaged row to the skipper: they are read as the CSV reader reads them.
        data = data.decode("utf-8", errors="spendkit-cp1252").encode("utf-8")
    try:
        table, bad = _arrow_csv(data, names, wanted, delimiter, quoted=True)
        if bad:  # a tab-separated export with stray quotes: read it again, quotes as text
            table2, bad2 = _arrow_csv(data, names, wanted, delimiter, quoted=False)
            if bad2 < bad:
                table, bad = table2, bad2
    except pa.ArrowInvalid as exc:
        raise InputFileError(f"{source}: cannot be read as the {describe(registry)} ({exc}).",
                             hint="Download the file again; do not open and re-save it in Excel.") from None
    return table, bad


def _utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 throughout."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _arrow_csv(body: bytes, names: list[str], wanted: list[str], delimiter: str, *,
               quoted: bool) -> tuple[Any, int]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad: list[Any] = []
    table = pacsv.read_csv(
        io.BytesIO(body),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=16 << 20),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"' if quoted else False,
                                          newlines_in_values=quoted,
                                          invalid_row_handler=skipper(bad)),
        convert_options=pacsv.ConvertOptions(
            include_columns=wanted,
            column_types=dict.fromkeys(wanted, pa.string()),
            strings_can_be_null=False, quoted_strings_can_be_null=False))
    return table, len(bad)
