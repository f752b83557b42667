"""The fast workbook reader writes every cell as the cell-by-cell one does.

``read_workbook`` makes a sheet's body text a column at a time (Arrow for numbers, dates and
text, ``_cell_text`` for anything else) and searches the sheet XML for far cells with RE2.
These tests hold it to the plain definitions: ``_cell_text`` on each cell, and the body
read row by row, as the reader did before it was made fast.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import struct

import numpy as np
import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from spendkit.read import guard
from spendkit.read import spreadsheet as read_workbook
from spendkit.read import table as read


def texts(cells: list) -> list[str]:
    column = read_workbook._column_text(np.array(cells, dtype=object))
    return column if isinstance(column, list) else column.to_pylist()


def some_float(rnd: random.Random) -> float:
    kind = rnd.randrange(9)
    if kind == 0:
        return float(rnd.randint(-10**16, 10**16))
    if kind == 1:
        return round(rnd.uniform(-1e6, 1e6), rnd.randint(0, 4))
    if kind == 2:  # any double at all
        return struct.unpack("<d", rnd.getrandbits(64).to_bytes(8, "little"))[0]
    if kind == 3:
        return rnd.uniform(-1, 1) * 10.0 ** rnd.randint(-20, 20)
    if kind == 4:  # pence, up to the limit of the fast path and beyond
        return rnd.randint(-10**15, 10**15) / 100
    if kind == 5:
        return rnd.randint(-10**17, 10**17) / 100
    if kind == 6:
        return rnd.randint(-10**7, 10**7) / 100 + rnd.choice([1e-9, 1e-12, 0.001, 0.005])
    if kind == 7:
        return float(rnd.randint(-10**6, 10**6))
    return rnd.choice([0.0, -0.0, float("nan"), float("inf"), float("-inf"), 1e15, -1e15, 1e13,
                       1e13 - 0.01, 9999999999999.99, -9999999999999.99, 999999999999999.0,
                       99999999999999.99, 0.01, -0.01, 0.005, 0.29, 3703.6800000000003,
                       0.9999999999999999, 1e-300, 5e-324, 2.0**53])


def test_float_columns_are_written_as_cell_text_writes_them() -> None:
    rnd = random.Random(20240601)
    for trial in range(60):
        n = rnd.randint(1, 3000)
        blanks = 0 if trial % 3 == 0 else rnd.random() / 2  # floats alone, or with text cells
        cells = [some_float(rnd) if rnd.random() >= blanks else rnd.choice(["", "x", "-0", "1.5"])
                 for _ in range(n)]
        assert texts(cells) == [read_workbook._cell_text(c) for c in cells]


def test_every_number_of_pence_is_written_as_cell_text_writes_it() -> None:
    cells = [k / 100 for k in range(-200_000, 200_001)]
    assert texts(cells) == [read_workbook._cell_text(c) for c in cells]


def test_date_datetime_and_mixed_columns_are_written_as_cell_text_writes_them() -> None:
    rnd = random.Random(7)
    day = dt.date(1, 1, 1)
    every_year = [day.replace(year=y) for y in range(1, 10000, 7)] + [dt.date(9999, 12, 31)]
    assert texts(every_year) == [d.isoformat() for d in every_year]
    for _ in range(20):
        n = rnd.randint(1, 2000)
        dates = [dt.date(rnd.randint(1900, 2100), rnd.randint(1, 12), rnd.randint(1, 28))
                 if rnd.random() < 0.8 else rnd.choice(["", "n/a"]) for _ in range(n)]
        stamps = [dt.datetime(2024, 1, 1) + dt.timedelta(seconds=rnd.randint(0, 10**8),
                                                         microseconds=rnd.choice([0, 0, 5]))
                  if rnd.random() < 0.8 else rnd.choice(["", dt.datetime(2024, 1, 1)]) for _ in range(n)]
        mixed = [rnd.choice([True, False, 1.5, -0.0, 7, None, "", "s", dt.time(3, 4),
                             dt.timedelta(hours=30), dt.date(2020, 1, 2), dt.datetime(2020, 1, 2, 3)])
                 for _ in range(n)]
        text_and_none = [rnd.choice(["", "a", "b c"]) for _ in range(n)] + [None]
        for cells in (dates, [d for d in dates if not isinstance(d, str)] or [day], stamps, mixed,
                      text_and_none):
            assert texts(cells) == [read_workbook._cell_text(c) for c in cells]


def test_ragged_rows_are_padded_with_empty_cells() -> None:
    columns = read_workbook._body_columns([["title"], ["a"], ["b", 1.5, ""], []], 1)
    got = [c if isinstance(c, list) else c.to_pylist() for c in columns]
    assert got == [["a", "b", ""], ["", "1.5", ""], ["", "", ""]]
    assert read_workbook._body_columns([["header"]], 1) == []


def test_far_cell_search_gives_re_answer() -> None:
    rnd = random.Random(3)
    alphabet = b'r="AZ019\xff\xe2\x82\xac<> cR\n\'$:ef=/ow'
    samples = [b'r="XFD1048576"', b'r="AB12345"', b'r="AB1234"', b'r="ab12345"', b'R="AAA1',
               b'\xffr="AAA1', b'\xe2\x82r="AB12345', b'r="\xc3\x80AA1', b'<c r="A1"/>', b"",
               b"r='xfd1'", b' ref = "A1:$XFD$1"', b'r="B01048576"', b'<row r="1048576">',
               b"<c>", b'<c t="s">', b'<x:row spans="1:3"/>', b'<c r="A1" t="s">', b"<col>"]
    samples += [bytes(rnd.choice(alphabet) for _ in range(rnd.randint(0, 24))) for _ in range(20000)]
    for chunk in samples:
        assert guard.worth_measuring(chunk) == (re.search(guard._SUSPECT.encode(), chunk) is not None), chunk


# ---------------------------------------------------------------- whole sheets

def reference(data: bytes, sheet: str) -> tuple[read.RawTable, int]:
    """The sheet read cell by cell, as the reader did before (and the merged ranges filled)."""
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet)
    merged = list(rows.merged_cell_ranges or [])
    text = [read.trim([read_workbook._cell_text(c) for c in r]) for r in rows.to_python(skip_empty_area=False)]
    idx = read.find_header(text[:read.HEADER_SEARCH_ROWS] or [[]], read.default_scorer)
    filled = 0
    for (r0, c0), (r1, _) in merged:
        if r1 <= r0 or r0 <= idx or r0 >= len(text) or c0 >= len(text[r0]):
            continue
        value = text[r0][c0]
        if not value or read.numberish(value):
            continue
        for r in range(r0 + 1, min(r1, len(text) - 1) + 1):
            row = text[r]
            row.extend([""] * (c0 + 1 - len(row)))
            row[c0] = row[c0] or value
        filled += 1
    header = read.trim([read.clean_header(h) for h in text[idx]])
    body = text[idx + 1:]
    width = max([len(header), *map(len, body)])
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in body], columns=range(width), dtype="str")
    table = read.finish(frame.fillna(""), np.arange(len(body)), header, idx + 1, "x.xlsx", 0,
                         sheet=sheet)
    return table, filled


def random_workbook(seed: int) -> bytes:
    rnd = random.Random(seed)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    top, left = rnd.randint(0, 4), rnd.randint(1, 3)
    for t in range(top):
        ws.cell(row=t + 1, column=left, value=f"Title {t}")
    header = ["Date", "Supplier Name", "Amount", "Expense Type", "Postcode", "Ref"][:rnd.randint(2, 6)]
    for j, h in enumerate(header):
        ws.cell(row=top + 1, column=left + j, value=h)
    makers = {
        "float": lambda: rnd.uniform(-1e5, 1e5) if rnd.random() < .8 else float(rnd.randint(-9, 9)),
        "pence": lambda: rnd.randint(-10**7, 10**7) / 100,
        "date": lambda: dt.date(2023, 1, 1) + dt.timedelta(days=rnd.randint(0, 900)),
        "datetime": lambda: dt.datetime(2024, 1, 1) + dt.timedelta(minutes=rnd.randint(0, 10**6)),
        "text": lambda: rnd.choice(["Acme Ltd", "x", "WN1 1YN", "0", "-", " padded "]),
        "mixed": lambda: rnd.choice([None, "", "text", rnd.randint(-10**6, 10**6), -0.0, 1e15 + 2,
                                     dt.date(2024, 5, 3), dt.datetime(2024, 5, 6, 13, 0, 7),
                                     dt.time(11, 30), True, False, "=1+2", "£1,234.50"]),
    }
    kinds = [rnd.choice(list(makers)) for _ in range(len(header) + 3)]
    rows = rnd.randint(0, 80)
    for i in range(rows):
        for j, kind in enumerate(kinds):
            if rnd.random() < 0.15 or (j >= len(header) and rnd.random() < 0.9):
                continue
            ws.cell(row=top + 2 + i, column=left + j, value=makers[kind]())
    for _ in range(rnd.randint(0, 4)):
        r0, c0 = rnd.randint(1, top + 2 + rows), rnd.randint(1, left + len(kinds))
        try:
            ws.merge_cells(start_row=r0, start_column=c0, end_row=r0 + rnd.randint(0, 4),
                           end_column=c0 + rnd.randint(0, 2))
            ws.cell(row=r0, column=c0, value=rnd.choice(["Merged Payee Ltd", 12.5, "", "1,000"]))
        except (ValueError, AttributeError):  # overlapping an earlier range
            continue
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("seed", range(40))
def test_workbook_reads_as_it_does_cell_by_cell(seed: int) -> None:
    data = random_workbook(seed)
    [got] = read_workbook.read_workbook(data, "x.xlsx", sheet="Data")
    want, filled = reference(data, "Data")
    pd.testing.assert_frame_equal(got.frame, want.frame, check_exact=True)
    assert got.row_numbers.tolist() == want.row_numbers.tolist()
    assert (got.header_row, got.headers, got.blank_rows) == (want.header_row, want.headers,
                                                             want.blank_rows)
    assert got.notes[-len(want.notes):] == want.notes if want.notes else True
    assert any("merged cell range" in n for n in got.notes) == bool(filled)
    if filled:
        assert any(n.startswith(f"{filled} merged cell range(s)") for n in got.notes)


def test_body_is_not_made_text_cell_by_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Speed: only the rows searched for the header go through _cell_text one cell at a time."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Payment Date", "Supplier Name", "Amount", "Transaction Number"])
    for i in range(3000):
        ws.append([dt.date(2024, 4, 1 + i % 28), f"Supplier {i % 97} Ltd", (i * 137 % 100000) / 100,
                   float(7000000 + i)])
    buf = io.BytesIO()
    wb.save(buf)
    calls = []
    real = read_workbook._cell_text
    monkeypatch.setattr(read_workbook, "_cell_text", lambda v: calls.append(v) or real(v))
    [table] = read_workbook.read_workbook(buf.getvalue(), "x.xlsx")
    assert len(table.frame) == 3000
    assert table.frame["Amount"].iloc[1] == "1.37"
    assert len(calls) <= (read.HEADER_SEARCH_ROWS + 1) * 4


def test_sheet_of_empty_cells_counts_its_blank_rows() -> None:
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for r in range(1, 6):  # formatted, never filled: calamine gives empty text cells
        for c in range(1, 4):
            ws.cell(row=r, column=c).font = Font(bold=True)
    ws["A1"], ws["C5"] = "", " "
    buf = io.BytesIO()
    wb.save(buf)
    [got] = read_workbook.read_workbook(buf.getvalue(), "x.xlsx")
    want, _ = reference(buf.getvalue(), "Data")
    assert got.frame.shape == want.frame.shape == (0, 0)
    assert got.blank_rows == want.blank_rows == 4
