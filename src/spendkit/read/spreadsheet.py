"""XLSX and XLS workbooks -> a raw table, read with python-calamine: the sheet holding the ledger,
its header row, cell text as a spreadsheet shows it; hostile workbooks refused before opening."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spendkit.errors import InputFileError
from spendkit.read.guard import check_workbook
from spendkit.read.table import (
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    HeaderScorer,
    RawTable,
    clean_header,
    default_scorer,
    find_header,
    finish,
    names_ledger_roles,
    numberish,
    split_at_headers,
    too_wide,
    trim,
)

if TYPE_CHECKING:
    import numpy as np

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
def read_workbook(data: bytes, source: str, *, sheet: str | Sequence[str] | None = None,
                  score_header: HeaderScorer | None = None, legacy: bool = False,
                  every_sheet: bool = True) -> list[RawTable]:
    """Read the sheets that hold the ledger (or those named in ``sheet``; with
    ``every_sheet=False``, the one sheet most like a ledger) with python-calamine: one table
    per sheet (more where a sheet's header is repeated part-way down: see
    ``table.split_at_headers``), in the workbook's order."""
    from python_calamine import CalamineError, CalamineWorkbook

    scorer = score_header or default_scorer
    if not legacy:
        check_workbook(data, source)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as exc:
        raise _not_opened(exc, source) from None
    named = [sheet] if isinstance(sheet, str) else list(sheet or [])
    tables, notes = _choose_sheet(book, named, source, scorer, every_sheet)
    tables[0].notes[:0] = notes
    return tables


def _sheet_table(sheet: _Sheet, source: str, scorer: HeaderScorer) -> list[RawTable]:
    """One sheet's rows, below its header, as a RawTable (more than one where a header is
    repeated part-way down)."""
    import numpy as np
    import pandas as pd

    rows, header_idx, name = sheet.rows, sheet.header_idx, sheet.name
    header = trim([clean_header(_cell_text(c)) for c in rows[header_idx]])
    # The body is read a column at a time (see _column_text), not a cell at a time.
    columns = _body_columns(rows, header_idx + 1)
    notes = []
    filled = _fill_merged(sheet.merged, columns, header_idx)
    if filled:
        notes.append(f"{filled} merged cell range(s): their text is read on every row they span "
                     "(numbers only on the first)")
    n = len(rows) - header_idx - 1
    # As wide as the header, or as the last column holding text (trailing empty cells do not count).
    width = next((j + 1 for j in range(len(columns) - 1, len(header) - 1, -1)
                  if _has_text(columns[j])), len(header))
    if width > MAX_COLUMNS:
        raise InputFileError(*too_wide(f"{source} [{name}]", header_idx + 1, width))
    if n:
        columns += [[""] * n for _ in range(width - len(columns))]
        frame = pd.DataFrame({j: pd.array(_str_array(columns[j]), dtype="str") for j in range(width)},
                             index=range(n), columns=range(width))  # n rows, even of no column
    else:
        frame = pd.DataFrame([], columns=range(width), dtype="str").fillna("")
    del columns
    numbers = np.arange(n, dtype=np.int64)
    tables = split_at_headers(finish(frame, numbers, header, header_idx + 1, source, 0, sheet=name),
                              scorer)
    tables[0].notes[:0] = notes
    return tables


Merged = list[tuple[tuple[int, int], tuple[int, int]]]


def _not_opened(exc: Exception, source: str) -> InputFileError:
    """Why calamine could not open a workbook, in words: locked, or damaged."""
    msg = str(exc)
    locked = type(exc).__name__ == "PasswordError" or "encrypt" in msg.lower() \
        or "password" in msg.lower()
    why = "it is password-protected or encrypted" if locked \
        else f"it is damaged or not a workbook ({msg.splitlines()[0] if msg else type(exc).__name__})"
    return InputFileError(f"{source}: cannot open the workbook: {why}.",
                          hint="Save it again from Excel as .xlsx without a password.")


@dataclass
class _Sheet:
    """A sheet as calamine gives it: its rows of cells, where its header is and how well it
    scores, whether it names a payee and an amount, and its merged ranges."""

    name: str
    rows: list[list[Any]]
    header_idx: int
    score: float
    ledger: bool
    merged: Merged


def _choose_sheet(book: Any, named: list[str], source: str, scorer: HeaderScorer, every: bool
                  ) -> tuple[list[RawTable], list[str]]:
    """(the tables read, notes): the sheets ``named``, else (if ``every``) every visible sheet
    whose header names a payee and an amount (a ledger: the others are skipped, and said so),
    else the one sheet that looks most like a ledger, visible first (hidden sheets are read
    only when no visible one holds a ledger). Sheets are read one at a time."""
    visible = [s.name for s in book.sheets_metadata if str(s.visible).lower().endswith("visible")
               and "hidden" not in str(s.visible).lower()] or list(book.sheet_names)
    hidden = [n for n in book.sheet_names if n not in visible]
    if named:
        missing = [n for n in named if n not in book.sheet_names]
        if missing:
            raise InputFileError(f"{source}: there is no sheet named {', '.join(map(repr, missing))}.",
                                 hint=f"Its sheets are: {', '.join(book.sheet_names)}.")
        names = list(dict.fromkeys(named))
        tables = [t for n in names for t in _sheet_table(_parse_sheet(book, n, source, scorer), source, scorer)]
        return tables, [_read_note(names, len(names))]
    tables, skipped, best = _ledger_sheets(book, visible, source, scorer, every)
    notes = []
    if not tables and hidden and (best is None or best.score <= 0):
        # No visible sheet looks like a ledger: the data may be on a hidden one.
        tables, _, found = _ledger_sheets(book, hidden, source, scorer, every)
        if not tables and found is not None and found.score > 0:
            tables = _sheet_table(found, source, scorer)
        if tables:
            notes.append("no visible sheet holds a ledger: read hidden sheet(s) "
                         f"{', '.join(dict.fromkeys(repr(t.sheet) for t in tables))}")
            skipped = []
    if not tables:
        if best is None or not best.rows:
            raise InputFileError(f"{source}: the workbook has no rows.",
                                 hint="Check the right file was exported.")
        tables = _sheet_table(best, source, scorer)
        skipped = [(n, why) for n, why in skipped if n != best.name]
    read = list(dict.fromkeys(str(t.sheet) for t in tables))
    if hidden and not notes:
        notes.append(f"hidden sheet(s) not read: {', '.join(repr(h) for h in hidden)}")
    notes[:0] = [_read_note(read, len(visible)),
                 *(f"sheet '{n}' not read: {why}" for n, why in skipped if every)]
    return tables, notes


def _read_note(names: list[str], visible: int) -> str:
    if len(names) == 1:
        return f"read sheet '{names[0]}'" + (f" (of {visible} visible)" if visible > 1 else "")
    return f"read {len(names)} sheets (of {visible} visible): {', '.join(map(repr, names))}"


def _ledger_sheets(book: Any, names: list[str], source: str, scorer: HeaderScorer, every: bool
                   ) -> tuple[list[RawTable], list[tuple[str, str]], _Sheet | None]:
    """(the tables of the sheets among ``names`` that hold a ledger (none unless ``every``),
    the others with why they were not read, and while no sheet holds a ledger the
    best-scoring of those others, its cells kept: it is read if none does). One sheet's cells
    are held at a time, but for that best one."""
    tables: list[RawTable] = []
    skipped: list[tuple[str, str]] = []
    best: _Sheet | None = None
    for name in names:
        sheet = _parse_sheet(book, name, source, scorer)
        if sheet.ledger and every:
            tables += _sheet_table(sheet, source, scorer)
            best = None  # not needed now: its cells are let go
            continue
        skipped.append((name, "it is empty" if not any(map(any, sheet.rows)) else
                        "no header naming a payee and an amount (not a ledger: notes, a pivot "
                        "table, a summary or a lookup)"))
        if not tables and (best is None or (sheet.score, len(sheet.rows)) > (best.score, len(best.rows))):
            best = sheet
    return tables, skipped, best


def _parse_sheet(book: Any, name: str, source: str, scorer: HeaderScorer) -> _Sheet:
    """A sheet's rows of cells as calamine gives them, and its header. Only the rows searched
    for the header are made text here: the body of a sheet read is made text a column at a
    time."""
    from python_calamine import CalamineError

    try:
        sheet = book.get_sheet_by_name(name)  # parses the sheet: once per sheet
        rows = sheet.to_python(skip_empty_area=False)
        merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
    except (CalamineError, ValueError) as exc:
        raise InputFileError(f"{source}: sheet '{name}' cannot be read ({exc}).") from None
    head = [trim([_cell_text(c) for c in r]) for r in rows[:HEADER_SEARCH_ROWS]] or [[]]
    idx = find_header(head, scorer)
    return _Sheet(name, rows, idx, scorer(head[idx]), names_ledger_roles(head[idx]), merged)


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
    text = pa.array(np.where(isdate, cells, None), type=pa.date32()).cast(  # type: ignore[call-overload]
        pa.large_string())
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
        if not value or numberish(value):
            continue
        for i in range(r0 + 1 - first, min(r1 - first, len(column) - 1) + 1):
            if column[i] == "":
                column[i] = value
        filled += 1
    return filled


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

