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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import OutputError

TABLE_FORMATS = (".csv", ".xlsx", ".parquet")
INTERNAL_COLUMNS = ("payee_key",)
_FORMULA_START = r"^[=+\-@\t\r]"
_NUMBER = r"^[+-]?[\d,]*\.?\d+$"
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
    if not folder.is_dir():
        raise OutputError(f"{path}: the folder '{folder}' does not exist.",
                          hint="Create it first, or choose another --out.")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{path}: the folder '{folder}' cannot be written to.")


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
        os.replace(tmp, path)
    except OSError as exc:
        why = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror
        raise OutputError(f"{path}: could not be written ({why}); nothing was left behind.") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


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
    frame = frame.drop(columns=[c for c in INTERNAL_COLUMNS if c in frame.columns])
    suffix = path.suffix.lower()
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            _csv(frame).to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        elif suffix == ".parquet":
            _parquet(frame, tmp)
        elif suffix == ".xlsx":
            write_workbook({sheet: frame}, tmp)
        else:
            raise OutputError(f"{path}: unknown output format '{path.suffix}'.")


def pounds(pence: pd.Series) -> pd.Series:
    """int64 pence -> exact decimal text '-1234.56'."""
    p = pence.astype(np.int64)
    a = p.abs()
    sign = pd.Series(np.where(p < 0, "-", ""), index=p.index)
    return sign + (a // 100).astype("str") + "." + (a % 100).astype("str").str.zfill(2)


def safe_text(s: pd.Series) -> pd.Series:
    """Neutralise text a spreadsheet would run as a formula (numbers are left alone)."""
    risky = s.str.match(_FORMULA_START) & ~s.str.match(_NUMBER)
    return s.mask(risky, "'" + s)


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if frame[c].dtype == object or str(frame[c].dtype) == "str"]


def _csv(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in _text_columns(out):
        out[c] = safe_text(out[c].fillna("").astype("str"))
    if "amount_pence" in out:
        out.insert(out.columns.get_loc("amount_pence"), "amount", pounds(out["amount_pence"]))
    for c in out.columns:
        if str(out[c].dtype).startswith("datetime"):
            out[c] = out[c].dt.strftime("%Y-%m-%d").fillna("")
    return out


def _parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if "amount_pence" in frame:
        pence = frame["amount_pence"].to_numpy(dtype=np.int64)
        words = np.empty((len(pence), 2), dtype=np.int64)  # 128-bit little-endian unscaled value
        words[:, 0] = pence
        words[:, 1] = np.where(pence < 0, -1, 0)
        amount = pa.Array.from_buffers(pa.decimal128(18, 2), len(pence), [None, pa.py_buffer(words)])
        table = table.add_column(table.schema.get_field_index("amount_pence"), "amount", amount)
    pq.write_table(table, path, compression="zstd")


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
        out = frame.copy()
        for c in _text_columns(out):
            out[c] = safe_text(out[c].fillna("").astype("str"))
        money = "amount_pence" in out
        if money:
            out.insert(out.columns.get_loc("amount_pence"), "amount", out["amount_pence"] / 100)
        cols = list(out.columns)
        for i, c in enumerate(cols, start=1):
            width = min(60, max(10, len(str(c)) + 2, int(out[c].astype("str").str.len().quantile(0.9)) + 2
                                if len(out) else 0))
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
                    row.append(v if not isinstance(v, float) or v == v else None)
                else:
                    cell = WriteOnlyCell(ws, value=None if pd.isna(v) else
                                         (v.to_pydatetime() if hasattr(v, "to_pydatetime") else v))
                    cell.number_format = formats[c]
                    row.append(cell)
            ws.append(row)
    book.save(path)
