"""What every format's reader shares: the RawTable it returns (text cells, "" when empty, with
the row numbers a spreadsheet shows), finding the header row below titles, and naming columns.
Interpreting amounts, dates and postcodes is ``normalise``'s job."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from spendkit.read.headers import header_score, role_rank

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_ROWS = 60
MAX_COLUMNS = 16384  # Excel's limit: a table wider than this is not a ledger


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



def clean_header(cell: str) -> str:
    return cell.replace("\ufeff", "").replace("ï»¿", "").replace("\u2020", "").strip()


# ---------------------------------------------------------------- shared

def trim(cells: list[str]) -> list[str]:
    """The cells without trailing empty ones (a row of 50,000 commas is one short row)."""
    if not cells or cells[-1]:
        return cells
    # NUL never survives decoding (see read_csv_bytes), so it can join and split the cells.
    joined = "\x00".join(cells).rstrip("\x00")
    return cells[:joined.count("\x00") + 1] if joined else []


def too_wide(source: str, row: int, width: int) -> tuple[str]:
    return (f"{source}: row {row} has {width:,} columns; a ledger has at most {MAX_COLUMNS:,} "
            "(Excel's limit), so this is not a payment table.",)



def find_header(records: list[list[str]], score_header: HeaderScorer) -> int:
    """Index of the header row among the first records: the best-scoring row, earliest on ties;
    but an earlier row that names a payee and an amount, with rows holding numbers between it
    and the best one, is the header: those rows are payments under a first layout (the best
    row is then a header part-way down, which ``split_at_headers`` reads), not a title.

    With no recognised header anywhere, the first row with the most non-empty
    text cells is taken.
    """
    scores = [score_header(r) for r in records]
    top = max(scores, default=0)
    if top > 0:
        best = scores.index(top)
        for i in range(best):
            if scores[i] > 0 and names_ledger_roles(records[i]) and any(
                    any(c.strip() and numberish(c) for c in r) for r in records[i + 1:best]):
                return i
        return best
    counts = [sum(1 for c in r if c.strip() and not numberish(c)) for r in records]
    return counts.index(max(counts)) if counts else 0


NUMBERISH = r"[\s£$€()\-+.,\d/:]+"


def numberish(cell: str) -> bool:
    return bool(re.fullmatch(NUMBERISH, cell))


def default_scorer(row: Sequence[str]) -> float:
    return header_score(row)


def finish(frame: pd.DataFrame, row_numbers: np.ndarray, header: list[str], header_row: int,
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


def names_ledger_roles(row: Sequence[str]) -> bool:
    """Whether a header row names a payee and an amount (in two different cells): a ledger's
    layout, as a workbook's sheets and a header part-way down a table are judged."""
    payee = {i for i, c in enumerate(row) if c and role_rank(c, "payee")}
    amount = {i for i, c in enumerate(row) if c and role_rank(c, "amount")}
    return bool(payee and amount and (len(payee | amount) > 1))


REHEADER_MIN_SCORE = 2.0  # what a row part-way down must score to be a header (two roles)
REHEADER_MIN_CELLS = 3  # and the cells it must fill (fewer only if the header has fewer)


def split_at_headers(table: RawTable, scorer: HeaderScorer) -> list[RawTable]:
    """A table whose header appears again part-way down, as the tables it holds.

    A row below the header is a header if it is the header itself, or if its cell under the
    (first) amount column is not a number, no cell is a number, it fills at least
    REHEADER_MIN_CELLS cells, names a payee and an amount, and scores REHEADER_MIN_SCORE by
    ``scorer`` (so a payment whose description says "Supplier" or "Total" is not one: its
    amount and date are numbers). The same header again (as in files joined end to end) is
    dropped and noted; a different one starts a new table there, whose rows are read under
    it and keep their row numbers (the header row is in neither table's rows).

    ``table`` is as ``finish`` made it (its notes are finish's, made again for each table).
    """
    import numpy as np

    at = _header_rows(table, scorer)
    if not at:
        return [table]
    current = table.headers
    repeats: list[int] = []
    cuts: list[tuple[int, list[str]]] = []  # (position, new header) where a new table starts
    for i, cells in at:
        if cells == current:
            repeats.append(i)
        else:
            cuts.append((i, cells))
            current = cells
    drop = np.zeros(len(table.frame), dtype=bool)
    drop[[i for i, _ in at]] = True
    bounds = [(0, table.headers), *cuts, (len(table.frame), [])]
    tables = []
    for (begin, header), (end, _) in pairwise(bounds):
        keep = np.flatnonzero(~drop[begin:end]) + begin
        body = table.frame.iloc[keep].reset_index(drop=True)
        body.columns = range(body.shape[1])
        header_row = int(table.row_numbers[begin]) if begin else table.header_row
        # finish again: the columns beyond each header are those its own rows fill
        part = finish(body, table.row_numbers[keep] - header_row - 1, header, header_row,
                      table.source, 0 if begin else table.blank_rows, encoding=table.encoding,
                      delimiter=table.delimiter, sheet=table.sheet)
        if begin:
            part.notes.insert(0, f"row {header_row}: a new header; the rows below it are read "
                                 f"under it ({', '.join(header)})")
        said = [int(table.row_numbers[i]) for i in repeats if begin <= i < end]
        if said:
            part.notes.append(f"row(s) {_list_rows(said)}: the header again; read as a header, "
                              "not a payment")
        tables.append(part)
    return tables


def _list_rows(rows: list[int], most: int = 10) -> str:
    shown = ", ".join(map(str, rows[:most]))
    return shown + (f" and {len(rows) - most:,} more" if len(rows) > most else "")


def _header_rows(table: RawTable, scorer: HeaderScorer) -> list[tuple[int, list[str]]]:
    """(position, cells) of each row of ``table`` that reads as a header (see split_at_headers).

    Whole columns narrow the rows down first: the amount cell not a number, then no cell a
    number and three cells filled, then a cell naming a payee and one naming an amount
    (checked once per distinct cell); only the rows left are scored one by one."""
    import numpy as np

    frame = table.frame
    amount = next((j for j, h in enumerate(table.headers) if h and role_rank(h, "amount")), None)
    if amount is None or not len(frame) or amount >= frame.shape[1]:
        return []
    at = np.flatnonzero(~_numbers(frame.iloc[:, amount]))
    if len(at):
        sub = frame.iloc[at]
        filled = np.zeros(len(at), dtype=np.int64)
        number = np.zeros(len(at), dtype=bool)
        for c in sub.columns:
            filled += (sub[c].astype("str") != "").to_numpy(dtype=bool)
            number |= _numbers(sub[c])
        at = at[~number & (filled >= min(REHEADER_MIN_CELLS, len(table.headers)))]
    if not len(at):
        return []
    sub = frame.iloc[at]
    named = {role: np.zeros(len(at), dtype=bool) for role in ("payee", "amount")}
    for c in sub.columns:
        column = sub[c].astype("str")
        for role, mask in named.items():
            words = [v for v in column.unique() if v and role_rank(v, role)]
            if words:
                mask |= column.isin(words).to_numpy(dtype=bool)
    out = []
    for i in at[named["payee"] & named["amount"]]:
        row = trim([clean_header(str(v)) for v in frame.iloc[i].tolist()])
        if row == table.headers or (names_ledger_roles(row) and scorer(row) >= REHEADER_MIN_SCORE):
            out.append((int(i), row))
    return out


def _numbers(column: pd.Series) -> np.ndarray:
    """Which cells of a column are a number (``numberish``), by Arrow's RE2: ten times as fast
    as pandas here. (Its \\d and \\s are ASCII: a cell it misses is only looked at more
    closely.)"""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pa.array(column.astype("str").array)
    return pc.fill_null(pc.match_substring_regex(cells, f"^(?:{NUMBERISH})$"), False).to_numpy(
        zero_copy_only=False)


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
