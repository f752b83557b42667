"""Write tables and documents: CSV, XLSX, Parquet, JSON, chosen by the file's extension.

Every file is written whole or not at all: to a temporary file beside the
target, then renamed over it. Text that a spreadsheet would run as a formula
(starting with = + - @, tab or carriage return) is neutralised with a leading
apostrophe in CSV and XLSX output.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spendkit.distinct import as_text
from spendkit.errors import OutputError
from spendkit.money import pounds

TABLE_FORMATS = (".csv", ".xlsx", ".parquet")
INTERNAL_COLUMNS = ("payee_key",)
# A formula trigger, possibly behind control characters a spreadsheet might drop.
_FORMULA_START = r"^[\x00-\x08\x0b\x0c\x0e-\x1f]*[=+\-@\t\r]"
_XML_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # control characters an XLSX cannot hold
XLSX_MAX_CELL = 32767  # characters in one Excel cell
XLSX_MAX_ROWS = 1048576  # rows in one Excel sheet, the header included
_NUMBER = r"^[+-]?[0-9,]*\.?[0-9]+$"
GBP_FORMAT = '"£"#,##0.00;[Red]-"£"#,##0.00'


def sidecar(path: Path, name: str = "rejected") -> Path:
    """classified.csv -> classified.rejected.csv"""
    return path.with_name(f"{path.stem}.{name}{path.suffix}")


def check_output(path: Path, formats: tuple[str, ...] = TABLE_FORMATS) -> None:
    """Fail before any work if ``path`` cannot be written."""
    if path.suffix.lower() not in formats:
        raise OutputError(f"{path}: unknown output format '{path.suffix}'.",
                          hint=f"Use one of: {', '.join(formats)}.")
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{path}: '{folder}' is a file, not a folder.",
                          hint="Choose another --out.")
    if not folder.is_dir():
        raise OutputError(f"{path}: the folder '{folder}' does not exist.",
                          hint="Create it first, or choose another --out.")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; --out names the file to write.",
                          hint="Give a file name, e.g. --out classified.xlsx.")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{path}: the folder '{folder}' cannot be written to.",
                          hint="Choose a folder you can write to, or ask for permission.")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write here ({exc.strerror}).") from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        _fsync(tmp)  # on disk before the rename, so a crash cannot leave an empty file
        os.replace(tmp, path)
    except OSError as exc:
        why = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror
        raise OutputError(f"{path}: could not be written ({why}); nothing was left behind.") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _fsync(name: str) -> None:
    fd = os.open(name, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(doc: dict[str, Any], path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(to_json(doc), encoding="utf-8")


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def write_table(frame: pd.DataFrame, path: Path, *, sheet: str = "Rows") -> None:
    """Write one table, by extension."""
    write_tables([(frame, path, sheet)])


def write_tables(tables: list[tuple[pd.DataFrame, Path, str]]) -> None:
    """Write several tables (the classified rows and the rejected rows) as one: each to a
    temporary file, and only when every one is written are they renamed into place, so a
    failure (a full disk) leaves none of them new and no temporary file behind."""
    for frame, path, _ in tables:
        _check_fits(frame, path)
    with contextlib.ExitStack() as stack:
        temps = [stack.enter_context(atomic_path(path)) for _, path, _ in tables]
        for (frame, path, sheet), tmp in zip(tables, temps, strict=True):
            _write_one(frame, path, tmp, sheet)


def _check_fits(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix.lower() == ".xlsx" and len(frame) >= XLSX_MAX_ROWS:
        raise OutputError(f"{path}: {len(frame):,} rows are more than an Excel sheet holds "
                          f"({XLSX_MAX_ROWS - 1:,} below its header); nothing was written.",
                          hint="Write .csv or .parquet instead.")


def _write_one(frame: pd.DataFrame, path: Path, tmp: Path, sheet: str) -> None:
    frame = frame.drop(columns=[c for c in INTERNAL_COLUMNS if c in frame.columns])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _csv(frame).to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    elif suffix == ".parquet":
        _parquet(frame, tmp)
    elif suffix == ".xlsx":
        write_workbook({sheet: frame}, tmp)
    else:
        raise OutputError(f"{path}: unknown output format '{path.suffix}'.")


def safe_text(s: pd.Series) -> pd.Series:
    """Neutralise text a spreadsheet would run as a formula (numbers are left alone)."""
    risky = s.str.match(_FORMULA_START) & ~s.str.match(_NUMBER)
    return s.mask(risky, "'" + s)


def _text_columns(frame: pd.DataFrame) -> list[str]:
    """Every column that can hold text: object, any string dtype, categories."""
    return [c for c in frame.columns if frame[c].dtype == object
            or pd.api.types.is_string_dtype(frame[c].dtype)
            or isinstance(frame[c].dtype, pd.CategoricalDtype)]


def _safe_frame(frame: pd.DataFrame, *, xlsx: bool = False) -> pd.DataFrame:
    """A copy with every text cell, and every column name, neutralised. For XLSX, control
    characters (which XML cannot hold) are dropped first, and cells cut to Excel's limit."""
    out = frame.copy()

    def clean(s: pd.Series) -> pd.Series:
        if xlsx:
            s = s.str.replace(_XML_ILLEGAL, "", regex=True)
        s = safe_text(s)
        if xlsx:
            s = s.mask(s.str.len() > XLSX_MAX_CELL, s.str.slice(0, XLSX_MAX_CELL - 1) + "…")
        return s

    for c in _text_columns(out):
        out[c] = per_category(clean, out[c])
    # A ledger's own header ("=HYPERLINK(...)") becomes a header cell of the output too.
    names = pd.Series([str(c) for c in out.columns], dtype="str")
    out.columns = unique_labels(clean(names).tolist())
    return out


def per_category(fn: Callable[[pd.Series], pd.Series], s: pd.Series) -> pd.Series:
    """``fn`` over a text column as str ("" where missing); over a Categorical's categories once."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = fn(pd.Series(s.cat.categories, dtype="str")).array
        values = pd.api.extensions.take(cats, s.cat.codes.to_numpy(), allow_fill=True, fill_value="")
        return pd.Series(values, index=s.index, dtype="str")
    return fn(as_text(s))


def unique_labels(names: list[str]) -> list[str]:
    used: set[str] = set()
    out = []
    for name in names:
        label, n = name, 1
        while label in used:
            n += 1
            label = f"{name} ({n})"
        used.add(label)
        out.append(label)
    return out


def _csv(frame: pd.DataFrame) -> pd.DataFrame:
    out = _safe_frame(frame)
    if "amount_pence" in out:
        out = _insert_amount(out, pounds(out["amount_pence"]))
    for c in out.columns:
        if str(out[c].dtype).startswith("datetime"):
            out[c] = out[c].dt.strftime("%Y-%m-%d").fillna("")
    return out


def _insert_amount(out: pd.DataFrame, values: Any) -> pd.DataFrame:
    """Put the exact ``amount`` just before amount_pence. A ledger column already named
    'amount' keeps its cells under a new name ('amount (ledger)'), never two of one name."""
    if "amount" in out.columns:
        taken = {str(c) for c in out.columns}
        label, n = "amount (ledger)", 1
        while label in taken:
            n += 1
            label = f"amount (ledger {n})"
        out = out.rename(columns={"amount": label})
    out.insert(out.columns.get_loc("amount_pence"), "amount", values)
    return out


def _parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if "amount" in frame.columns and "amount_pence" in frame.columns:
        frame = _insert_amount(frame, 0).drop(columns=["amount"])  # rename the ledger's own
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if "amount_pence" in frame:
        missing = frame["amount_pence"].isna().to_numpy()  # a rejected row's unreadable amount
        pence = frame["amount_pence"].fillna(0).to_numpy(dtype=np.int64)
        words = np.empty((len(pence), 2), dtype=np.int64)  # 128-bit little-endian unscaled value
        words[:, 0] = pence
        words[:, 1] = np.where(pence < 0, -1, 0)
        valid = pa.py_buffer(np.packbits(~missing, bitorder="little")) if missing.any() else None
        amount = pa.Array.from_buffers(pa.decimal128(18, 2), len(pence), [valid, pa.py_buffer(words)],
                                       null_count=int(missing.sum()))
        table = table.add_column(table.schema.get_field_index("amount_pence"), "amount", amount)
    # Min/max statistics for numbers, dates and flags (what readers filter on); computing them
    # for every text column would cost a third of the write for little use.
    stats = [f.name for f in table.schema if not (pa.types.is_string(f.type) or pa.types.is_large_string(
        f.type) or pa.types.is_dictionary(f.type))]
    # Dictionary pages only where values repeat: for transaction numbers and amounts the writer
    # would build a dictionary to throw away. zstd level 1: as small as level 3 on ledgers, faster.
    distinct = _mostly_distinct(frame)
    pq.write_table(table, path, compression="zstd", compression_level=1, write_statistics=stats,
                   use_dictionary=[f.name for f in table.schema if f.name not in distinct])


def _mostly_distinct(frame: pd.DataFrame, sample: int = 20_000) -> set[str]:
    """Columns (and the amount, with its pence) whose sampled values are mostly distinct."""
    head = frame.iloc[:sample]
    distinct = {c for c in head.columns if len(head) >= 1000 and head[c].nunique() > 0.5 * len(head)}
    return distinct | ({"amount"} if "amount_pence" in distinct else set())


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Sheets as a finance team expects: bold frozen header, autofilter, £ amounts, real dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, frame in sheets.items():
        ws = book.create_sheet(title[:31])
        out = _safe_frame(frame, xlsx=True)
        money = "amount_pence" in out
        if money:
            out = _insert_amount(out, out["amount_pence"] / 100)
        cols = list(out.columns)
        for i, c in enumerate(cols, start=1):
            lengths = as_text(out[c]).str.len()
            width = min(60, max(10, len(str(c)) + 2,
                                int(lengths.quantile(0.9)) + 2 if len(out) else 0))
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        if cols:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(out) + 1}"
        header = []
        for c in cols:
            cell = WriteOnlyCell(ws, value=str(c))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        formats = {c: GBP_FORMAT for c in cols if c == "amount"}
        formats.update({c: "dd/mm/yyyy" for c in cols if str(out[c].dtype).startswith("datetime")})
        plain = [c not in formats for c in cols]
        for values in out.itertuples(index=False, name=None):
            row: list[Any] = []
            for c, v, is_plain in zip(cols, values, plain, strict=True):
                if is_plain:
                    row.append(None if v is pd.NA or (isinstance(v, float) and v != v) else v)
                else:
                    cell = WriteOnlyCell(ws, value=None if pd.isna(v) else
                                         (v.to_pydatetime() if hasattr(v, "to_pydatetime") else v))
                    cell.number_format = formats[c]
                    row.append(cell)
            ws.append(row)
    book.save(path)
