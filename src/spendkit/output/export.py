"""Write tables and documents: CSV, XLSX, Parquet, JSON, chosen by the file's extension.

Every file is written whole or not at all: to a temporary file beside the
target, then renamed over it. Every CSV and XLSX writer passes its text through
one neutraliser, ``cells.safe_strings`` (for CSV by ``safe_table``; for XLSX once per
distinct value, ``xlsx.safe_columns``): text a spreadsheet would run as a formula
(= + - @ first, also behind whitespace or control characters; or a tab, carriage
return or line feed first), in cells of any text type and in headers, gets a
leading apostrophe; for XLSX, characters XML cannot hold are dropped. Parquet and
JSON are data for programs, not spreadsheets: their text is written as it is.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spendkit.aggregate.records import RECORD_KEY, run_record
from spendkit.distinct import as_text
from spendkit.errors import OutputError, UsageError
from spendkit.money import pounds
from spendkit.output.cells import _FORMULA_START as _FORMULA_START
from spendkit.output.cells import _XML_ILLEGAL as _XML_ILLEGAL
from spendkit.output.cells import GBP_FORMAT as GBP_FORMAT
from spendkit.output.cells import XLSX_MAX_CELL as XLSX_MAX_CELL
from spendkit.output.cells import safe_strings as safe_strings
from spendkit.output.cells import safe_text as safe_text
from spendkit.output.cells import sheet_name as sheet_name

TABLE_FORMATS = (".csv", ".xlsx", ".parquet")
XLSX_MAX_ROWS = 1048576  # rows in one Excel sheet, the header included
INTERNAL_COLUMNS = ("payee_key",)


def sidecar(path: Path, name: str = "rejected") -> Path:
    """classified.csv -> classified.rejected.csv"""
    return path.with_name(f"{path.stem}.{name}{path.suffix}")


def check_output(path: Path, formats: tuple[str, ...] = TABLE_FORMATS) -> None:
    """Fail before any work if ``path`` cannot be written."""
    try:
        _check_output(path, formats)
    except OSError as exc:  # a name too long for the file system, a loop of links...
        raise _output_error(path, exc) from None


def _check_output(path: Path, formats: tuple[str, ...]) -> None:
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


def check_not_inputs(outputs: Sequence[Path], inputs: Sequence[tuple[Path, str]], *,
                     sidecars: Sequence[str] = ()) -> None:
    """Refuse (exit status 2), before any work, an output that is an input or would overwrite
    one: the same file once symbolic and hard links are followed (same device and inode).
    ``inputs`` are (path, what it is) pairs, e.g. (ledger.csv, "the ledger"); ``sidecars``
    name the files written beside each output (``sidecar``: "rejected")."""
    known: dict[tuple[int, int], tuple[Path, str]] = {}
    for path, role in inputs:
        with contextlib.suppress(OSError, ValueError):
            st = os.stat(path)
            known.setdefault((st.st_dev, st.st_ino), (path, role))
    for out in outputs:
        for name, target in [("", out), *((n, sidecar(out, n)) for n in sidecars)]:
            try:
                st = os.stat(target)
            except (OSError, ValueError):
                continue  # not there yet: it cannot be an input
            if (st.st_dev, st.st_ino) in known:
                _refuse(out, name, target, *known[(st.st_dev, st.st_ino)])


def _refuse(out: Path, name: str, target: Path, path: Path, role: str) -> None:
    what = f"{out} would write its {name} rows to {target}, which" if name else out
    hint = (f"Write to a new file (e.g. --out {out.stem}-new{out.suffix}), check it, then rename "
            f"it over {path}." if role == "the supplier file" else
            "Choose another --out name.")
    raise UsageError(f"{what} is {role} {path}: spendkit never writes over a file it reads, so "
                     "nothing was done.", hint=hint)


TEMP_MARK = ".spendkit-tmp-"  # in every temporary file's name: .NAME.spendkit-tmp-PID-XXXX.tmp
_TEMP_NAME_CHARS = 60  # of NAME, so a temporary name stays within the file-system's limit


def _temp_prefix(path: Path) -> str:
    return f".{path.name[:_TEMP_NAME_CHARS]}{TEMP_MARK}"


def remove_stale_temporaries(path: Path) -> None:
    """Remove the temporary files an earlier spendkit run left beside ``path`` when it was
    killed outright (SIGKILL): those whose process is gone (never on Windows, where a
    process cannot be asked about without ending it)."""
    prefix = _temp_prefix(path)
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
                continue
            pid = entry.name[len(prefix):].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill there would end the process: never call a file stale
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success."""
    with atomic_paths([path]) as temps:
        yield temps[0]


@contextlib.contextmanager
def atomic_paths(paths: Sequence[Path], cancel: threading.Event | None = None
                 ) -> Iterator[list[Path]]:
    """Yield a temporary path beside each of ``paths``. Only when the block succeeds (and
    ``cancel`` is not set) are they put in place, together: if one cannot be, those already
    put in place are put back as they were. On any error or exit (an exception, Ctrl-C,
    SIGTERM) the temporary files are removed; stale ones of killed runs are removed first."""
    temps: list[Path] = []
    current = paths[0] if paths else Path()
    try:
        for current in paths:
            remove_stale_temporaries(current)
            fd, name = tempfile.mkstemp(dir=current.parent, prefix=f"{_temp_prefix(current)}{os.getpid()}-",
                                       suffix=".tmp")
            os.close(fd)
            temps.append(Path(name))
        yield temps
        if cancel is not None and cancel.is_set():
            raise OutputError(f"{current}: not written (the run was stopped).")
        for tmp in temps:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
            _fsync(tmp)  # on disk before the rename, so a crash cannot leave an empty file
        _replace_all(temps, paths)
    except OSError as exc:
        named = {str(t): p for t, p in zip(temps, paths, strict=False)} | {str(p): p for p in paths}
        raise _output_error(named.get(str(exc.filename2), named.get(str(exc.filename), current)),
                            exc) from None
    finally:
        for tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _output_error(path: Path, exc: OSError) -> OutputError:
    if exc.errno == errno.ENAMETOOLONG:
        return OutputError(f"{path}: the name is longer than the file system allows.",
                           hint="Choose a shorter --out name.")
    why = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror
    return OutputError(f"{path}: could not be written ({why}); nothing was left behind.")


def _replace_all(temps: list[Path], paths: Sequence[Path]) -> None:
    """Rename each temporary file over its target; if one fails, put back the targets
    already replaced (from a hard link, or a copy, made before) and raise."""
    done: list[tuple[Path, Path | None]] = []
    try:
        for tmp, path in zip(temps, paths, strict=True):
            backup = _backup(path, tmp) if len(paths) > 1 else None
            try:
                os.replace(tmp, path)
            except OSError:
                if backup is not None:
                    os.unlink(backup)
                raise
            done.append((path, backup))
    except OSError:
        for path, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup is None:
                    os.unlink(path)
                else:
                    os.replace(backup, path)
        raise
    finally:
        for _, backup in done:
            if backup is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(backup)


def _backup(path: Path, tmp: Path) -> Path | None:
    """A second name for ``path``'s current file (None if there is none), beside it."""
    if not path.is_file() or path.is_symlink():
        return None
    backup = tmp.with_name(tmp.name[: -len(".tmp")] + ".old.tmp")
    try:
        os.link(path, backup)
    except OSError:
        shutil.copy2(path, backup)
    return backup


def _fsync(name: str | Path) -> None:
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


def write_tables(tables: list[tuple[pd.DataFrame, Path, str]], cancel: threading.Event | None = None,
                 record: Callable[[], dict[str, Any]] | None = None) -> None:
    """Write several tables (the classified rows and the rejected rows) as one: each to a
    temporary file, and only when every one is written are they renamed into place, so a
    failure (a full disk, a failed rename) leaves none of them new and no temporary file
    behind (``atomic_paths``). ``record`` gives the run's record (the classify document) that
    a Parquet file carries in its footer; it is asked for once the rows are written, so it may
    still be being counted while they are."""
    for frame, path, _ in tables:
        _check_fits(frame, path)
    with atomic_paths([path for _, path, _ in tables], cancel) as temps:
        for (frame, path, sheet), tmp in zip(tables, temps, strict=True):
            _write_one(frame, path, tmp, sheet, record)


def _check_fits(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix.lower() == ".xlsx" and len(frame) >= XLSX_MAX_ROWS:
        raise OutputError(f"{path}: {len(frame):,} rows are more than an Excel sheet holds "
                          f"({XLSX_MAX_ROWS - 1:,} below its header); nothing was written.",
                          hint="Write .csv or .parquet instead.")


def _write_one(frame: pd.DataFrame, path: Path, tmp: Path, sheet: str,
               record: Callable[[], dict[str, Any]] | None) -> None:
    frame = frame.drop(columns=[c for c in INTERNAL_COLUMNS if c in frame.columns])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _csv(frame).to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    elif suffix == ".parquet":
        write_parquet(frame, tmp, record)
    elif suffix == ".xlsx":
        write_workbook({sheet: frame}, tmp)
    else:
        raise OutputError(f"{path}: unknown output format '{path.suffix}'.")


STREAM_ROWS = 20_000  # rows written to a stream at a time (memory: one part's text, not all)
STREAM_FORMATS = ("csv", "jsonl")


def stream_rows(frame: pd.DataFrame, stream: Any, format: str) -> None:
    """Rows on a text stream (stdout), a part at a time: ``csv`` as the .csv file holds them
    (formula-safe text, the exact ``amount`` beside ``amount_pence``, dates YYYY-MM-DD; CRLF
    line ends; no BOM: a pipe is not Excel), or ``jsonl``, one JSON object per row (numbers as
    numbers, ``amount_pence`` an integer, dates YYYY-MM-DD, missing values null, text exactly
    as read)."""
    frame = frame.drop(columns=[c for c in INTERNAL_COLUMNS if c in frame.columns])
    for start in range(0, max(len(frame), 1), STREAM_ROWS):
        part = frame.iloc[start:start + STREAM_ROWS]
        if format == "csv":
            _csv(part).to_csv(stream, index=False, header=start == 0, lineterminator="\r\n")
        elif format == "jsonl":
            if len(part):
                stream.write(jsonl_text(part))
        else:
            raise ValueError(f"format {format!r}: use {' or '.join(STREAM_FORMATS)}")


def jsonl_text(frame: pd.DataFrame) -> str:
    """A table as JSON lines: one object per row, keys the column names, dates YYYY-MM-DD,
    missing values null, integers exact (pence), text as it is (JSON is for programs)."""
    out = frame.copy()
    for c in out.columns:
        if str(out[c].dtype).startswith("datetime"):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
        elif isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype("str").where(out[c].notna(), None)
    out.columns = unique_labels([str(c) for c in out.columns])
    text = out.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    text = text.replace("\\/", "/")  # pandas escapes every '/' (valid JSON, but noisy)
    return text if text.endswith("\n") else text + "\n"


def _text_columns(frame: pd.DataFrame) -> list[Any]:
    """Every column that can hold text: object, any string dtype, categories."""
    return [c for c in frame.columns if frame[c].dtype == object
            or pd.api.types.is_string_dtype(frame[c].dtype)
            or isinstance(frame[c].dtype, pd.CategoricalDtype)]


def safe_table(frame: pd.DataFrame, *, xlsx: bool = False, headers: list[str] | None = None
               ) -> pd.DataFrame:
    """The one neutraliser every CSV and XLSX writer passes its table through: a copy with
    every text cell (object, str or Categorical: its categories, once each) and every header
    (``headers`` if given, else the column names) made safe by ``safe_strings``. Numbers,
    dates and flags are left as they are."""
    out = frame.copy()
    for i in [out.columns.get_loc(c) for c in _text_columns(out)]:
        out.isetitem(i, per_category(lambda s: safe_strings(s, xlsx=xlsx), out.iloc[:, i]))
    names = pd.Series(headers if headers is not None else [str(c) for c in out.columns], dtype="str")
    out.columns = unique_labels(safe_strings(names, xlsx=xlsx).tolist())
    return out


def safe_value(value: Any, *, xlsx: bool = False) -> Any:
    """One cell through ``safe_strings`` (non-text values are left as they are)."""
    if not isinstance(value, str):
        return value
    if not re.search(f"{_FORMULA_START}|{_XML_ILLEGAL}", value) and len(value) <= XLSX_MAX_CELL:
        return value  # nothing to change (the common case, without building a Series)
    return safe_strings(pd.Series([value], dtype="str"), xlsx=xlsx).iloc[0]


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
    out = safe_table(frame)
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


_DAY_NS = 86_400 * 10**9


def write_parquet(frame: pd.DataFrame, path: Path,
                  record: Callable[[], dict[str, Any]] | None = None) -> None:
    """Rows as Parquet every reader takes (Spark, Databricks, Fabric, DuckDB): dates as DATE,
    pence as int64 (null where a rejected row's amount is unreadable, never a float), the
    amount as decimal(18, 2); ``record()``, if given, as JSON under the footer key ``spendkit``.
    Every Parquet spendkit writes (rows, rejected rows, report tables) is written here."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if "amount" in frame.columns and "amount_pence" in frame.columns:
        frame = _insert_amount(frame, 0).drop(columns=["amount"])  # rename the ledger's own
    frame = frame.rename(columns=_apart_ignoring_case(
        [str(c) for c in frame.columns], {"amount"} if "amount_pence" in frame.columns else set()))
    table = _portable(pa.Table.from_pandas(frame, preserve_index=False), frame)
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
    with pq.ParquetWriter(path, table.schema, compression="zstd", compression_level=1,
                          write_statistics=stats,
                          use_dictionary=[f.name for f in table.schema if f.name not in distinct]
                          ) as writer:
        writer.write_table(table)
        if record is not None:
            writer.add_key_value_metadata({RECORD_KEY: json.dumps(run_record(record()),
                                                                  ensure_ascii=False, default=str)})


def _apart_ignoring_case(names: list[str], added: set[str]) -> dict[str, str]:
    """Renames for the ledger's columns whose names differ from spendkit's (or ``added``) only
    in case ('Amount' beside 'amount'): Spark and DuckDB compare names ignoring case and refuse
    such a file. The ledger's column becomes 'Amount (ledger)', as the Spark engine names it."""
    from spendkit.normalise.ledger import RESERVED

    own = RESERVED | added
    taken = {n.lower() for n in names}
    renames = {}
    for name in names:
        if name not in own and name.lower() in own:
            label, n = f"{name} (ledger)", 1
            while label.lower() in taken:
                n += 1
                label = f"{name} (ledger {n})"
            taken.add(label.lower())
            renames[name] = label
    return renames


def _portable(table: Any, frame: pd.DataFrame) -> Any:
    """``table`` with nanosecond timestamps (which Spark refuses) made DATE where every value
    is a day (payment_date, period_end), else microsecond timestamps."""
    import pyarrow as pa

    fields = []
    for field in table.schema:
        if pa.types.is_timestamp(field.type) and field.type.unit == "ns":
            ns = frame[field.name].to_numpy(dtype="datetime64[ns]").view(np.int64)
            days = bool(((ns % _DAY_NS == 0) | (ns == np.iinfo(np.int64).min)).all())
            field = field.with_type(pa.date32() if days and field.type.tz is None
                                    else pa.timestamp("us", tz=field.type.tz))
        fields.append(field)
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def _mostly_distinct(frame: pd.DataFrame, sample: int = 20_000) -> set[str]:
    """Columns (and the amount, with its pence) whose sampled values are mostly distinct."""
    head = frame.iloc[:sample]
    distinct = {c for c in head.columns if len(head) >= 1000 and head[c].nunique() > 0.5 * len(head)}
    return distinct | ({"amount"} if "amount_pence" in distinct else set())


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Rows as a finance team expects them, each sheet one named Excel table (named as the
    sheet: ``Classified``, ``Rejected``, ``Suppliers``): the column names as in the CSV and
    Parquet files, a bold frozen header, £ amounts (from exact pence), real dates, flags as
    booleans, columns as wide as their values; written fast by ``spendkit.output.xlsx``."""
    from spendkit.output.xlsx import DATE_FORMAT, Book, Column, column_kind, safe_columns

    book = Book()
    for title, frame in sheets.items():
        out = frame.copy(deep=False)
        if "amount_pence" in out:
            out = _insert_amount(out, out["amount_pence"])
        names = unique_labels([str(c) for c in out.columns])
        cols = []
        for name, (header, values) in zip(names, safe_columns(out, names), strict=True):
            money = name == "amount" and "amount_pence" in out.columns
            fmt = GBP_FORMAT if money else DATE_FORMAT if str(values.dtype).startswith(
                "datetime") else None
            cols.append(Column(header, column_kind(values, fmt, money), fmt, values))
        book.table(title, cols, name=title)
    book.write_to(path)
