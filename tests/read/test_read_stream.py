"""The reader's fast and streamed paths: pyarrow reading a CSV's own bytes, ``iter_tables``
reading a big CSV or a Parquet file a part at a time, and Parquet files as tables of text.

The streamed parts, put together, must be what ``read_tables`` gives, row numbers included;
the files are generated here (hypothesis), with the module's block sizes made tiny so a
few kilobytes cross every boundary a gigabyte would.
"""

from __future__ import annotations

import datetime as dt
import decimal
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spendkit import read
from spendkit.errors import InputFileError
from spendkit.read import csvbytes, csvstream
from spendkit.read import csvfile as read_csv
from spendkit.read.files import RestartWhole, iter_tables, read_tables
from spendkit.read.table import RawTable

HEADERS = ["Supplier Name", "Amount", "Payment Date", "Amount", "Description", "Cost Centre",
           "Service Area"]
WORDS = ["ACME LTD", "Café Nero", "Children’s Services", "£1,234.56", "-12.00", "Smith, Jones & Co",
         'a "quoted" word', "two\nlines", "CR\r\nLF", "", "", "x", "Zoë", "03/04/2024", " padded "]


def make_csv(seed: int) -> tuple[bytes, bool]:
    """A ledger-like CSV, and whether it is irregular (a ragged row, or a value under an
    unnamed column), which may make a streamed read start again whole."""
    rng = random.Random(seed)
    encoding = rng.choice(["utf-8", "utf-8", "utf-8-sig", "cp1252"])
    nl = rng.choice(["\n", "\r\n", "\r"])
    delim = rng.choice([",", ",", ";", "\t", "|"])
    header = rng.sample(HEADERS, rng.randint(2, 5))
    if rng.random() < 0.3:
        header.append(rng.choice(HEADERS))  # a duplicate name
    if rng.random() < 0.2:
        header.append("")  # an unnamed column: kept only if some row fills it
    irregular = False

    def cell(word: str) -> str:
        if any(c in word for c in (delim, '"', "\n", "\r")) or rng.random() < 0.1:
            return '"' + word.replace('"', '""') + '"'
        return word

    lines = []
    for _ in range(rng.choice([0, 0, 1, 3])):  # title lines above the header
        lines.append(rng.choice(["Payments over £500", "Council spend" + delim * 3, ""]))
    lines.append(delim.join(header))
    for _ in range(rng.randint(0, 40)):
        roll = rng.random()
        if roll < 0.05:
            lines.append(delim * (len(header) - 1))  # every cell empty: a blank row
            continue
        row = [rng.choice(WORDS) for _ in header]
        if header[-1] == "" and rng.random() < 0.5:
            row[-1] = ""
        elif header[-1] == "":
            irregular = True
        if roll > 0.98:
            row.append("stray")  # ragged
            irregular = True
        if rng.random() < 0.005:
            lines.append("")  # a blank line: the csv module reads the file
        lines.append(delim.join(cell(w) for w in row))
    text = nl.join(lines) + rng.choice([nl, ""])
    return text.encode(encoding), irregular


def assert_same(parts: list[RawTable], whole: RawTable, chunk_rows: int) -> None:
    assert [p.part for p in parts] == list(range(len(parts)))
    assert all(len(p.frame) <= chunk_rows for p in parts) or len(parts) == 1
    frame = pd.concat([p.frame for p in parts], ignore_index=True)
    pd.testing.assert_frame_equal(frame, whole.frame)
    np.testing.assert_array_equal(np.concatenate([p.row_numbers for p in parts]), whole.row_numbers)
    for p in parts:
        assert (p.source, p.header_row, p.headers, p.encoding, p.delimiter, p.sheet) == \
            (whole.source, whole.header_row, whole.headers, whole.encoding, whole.delimiter, whole.sheet)
        assert list(p.frame.columns) == list(whole.frame.columns)
        assert all(dtype == "str" for dtype in p.frame.dtypes), p.frame.dtypes
    assert parts[0].notes == whole.notes
    assert all(p.notes == [] for p in parts[1:])
    assert sum(p.blank_rows for p in parts) == whole.blank_rows


def read_each_way(path: Path, chunk_rows: int) -> tuple[list[RawTable] | None, RawTable]:
    whole = read_tables(path)
    assert len(whole) == 1
    try:
        parts = list(iter_tables(path, chunk_rows=chunk_rows))
    except RestartWhole:
        parts = None
    return parts, whole[0]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), chunk_rows=st.integers(1, 9),
       arrow_block=st.sampled_from([256, 4096, 8 << 20]), scan_block=st.sampled_from([7, 64, 16 << 20]))
def test_parts_put_together_are_the_whole(seed: int, chunk_rows: int, arrow_block: int,
                                          scan_block: int) -> None:
    data, irregular = make_csv(seed)
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as m:
        path = Path(tmp) / "ledger.csv"
        path.write_bytes(data)
        m.setattr(csvstream, "STREAM_MIN_BYTES", 0)
        m.setattr(read_csv, "ARROW_BLOCK", arrow_block)
        m.setattr(csvbytes, "SCAN_BLOCK", scan_block)
        try:
            parts, whole = read_each_way(path, chunk_rows)
        except InputFileError as exc:  # e.g. a cell opened by a quote in a title line
            with pytest.raises(InputFileError) as again:
                list(iter_tables(path, chunk_rows=chunk_rows))
            assert str(again.value) == str(exc)
            return
        if parts is None:
            assert irregular, "only a file irregular part-way restarts"
        else:
            assert_same(parts, whole, chunk_rows)
        # and the fast path (pyarrow on the bytes) reads as the text path does
        m.setattr(read_csv, "_utf8_start", lambda data: None)
        slow = read_tables(path)[0]
        pd.testing.assert_frame_equal(slow.frame, whole.frame)
        np.testing.assert_array_equal(slow.row_numbers, whole.row_numbers)
        assert (slow.encoding, slow.blank_rows, slow.notes) == (whole.encoding, whole.blank_rows, whole.notes)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


LEDGER = "Supplier Name,Amount,Description\n" + "".join(
    f"Supplier {i} Ltd,{i}.50,\"line {i}\nnext\"\n" for i in range(25))


@pytest.fixture
def stream_small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvstream, "STREAM_MIN_BYTES", 0)


def test_streamed_parts_are_numbered_as_the_file(tmp_path: Path, stream_small: None) -> None:
    data = ("\ufeffPayments over £500\r\n,,\r\nSupplier Name,Amount,Amount\r\n"
            + "".join(f"Café {i},{i}.00,\"{i},5\"\r\n" for i in range(10))).encode("utf-8")
    path = write(tmp_path, "ledger.csv", data)
    parts = list(iter_tables(path, chunk_rows=4))
    assert [len(p.frame) for p in parts] == [4, 4, 2]
    assert [p.row_numbers.tolist() for p in parts] == [[4, 5, 6, 7], [8, 9, 10, 11], [12, 13]]
    assert list(parts[2].frame.columns) == ["Supplier Name", "Amount", "Amount (2)"]
    assert parts[2].frame["Amount (2)"].tolist() == ["8,5", "9,5"]
    assert {(p.header_row, p.encoding) for p in parts} == {(3, "utf-8-sig")}
    assert_same(parts, read_tables(path)[0], 4)


def test_a_small_file_is_read_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "ledger.csv", LEDGER)
    parts = list(iter_tables(path, chunk_rows=5))  # smaller than STREAM_MIN_BYTES: one part
    assert len(parts) == 1 and parts[0].part == 0
    assert_same(parts, read_tables(path)[0], 25)


def test_ragged_row_in_the_first_part_reads_whole_silently(tmp_path: Path, stream_small: None) -> None:
    path = write(tmp_path, "ledger.csv", LEDGER.replace("Supplier 3 Ltd,", "Supplier 3 Ltd,x,"))
    parts = list(iter_tables(path, chunk_rows=10))
    assert len(parts) == 1 and len(parts[0].frame) == 25
    assert "Column 4" in parts[0].frame.columns  # read by the csv module, as read_tables does
    assert_same(parts, read_tables(path)[0], 25)


def test_ragged_row_after_a_part_was_given_restarts(tmp_path: Path, stream_small: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_csv, "ARROW_BLOCK", 1024)  # pyarrow reads a few blocks ahead, not the file
    text = "Supplier Name,Amount\n" + "".join(f"Supplier {i} Ltd,{i}.50\n" for i in range(5000))
    path = write(tmp_path, "ledger.csv", text.replace("Supplier 4990 Ltd,", "Supplier 4990 Ltd,x,"))
    got = []
    with pytest.raises(RestartWhole, match=r"ledger\.csv"):
        for part in iter_tables(path, chunk_rows=100):
            got.append(part)
    assert got and got[0].row_numbers[0] == 2


def test_values_beyond_the_header_as_part_0_found_them(tmp_path: Path, stream_small: None) -> None:
    def ledger(filled: range) -> str:
        return "Supplier Name,Amount,\n" + "".join(
            f"S{i},{i},{'x' if i in filled else ''}\n" for i in range(9))

    path = write(tmp_path, "ledger.csv", ledger(range(2)))  # only in part 0: later parts padded
    parts = list(iter_tables(path, chunk_rows=3))
    assert [list(p.frame.columns) for p in parts] == [["Supplier Name", "Amount", "Column 3"]] * 3
    assert_same(parts, read_tables(path)[0], 3)
    path = write(tmp_path, "ledger.csv", ledger(range(7, 9)))  # only after it: start again
    with pytest.raises(RestartWhole):
        list(iter_tables(path, chunk_rows=3))
    path = write(tmp_path, "ledger.csv", ledger(range(0)))  # a trailing comma on every line
    parts = list(iter_tables(path, chunk_rows=3))
    assert len(parts) == 3
    assert_same(parts, read_tables(path)[0], 3)


def test_blank_line_is_found_before_streaming(tmp_path: Path, stream_small: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for blank in ("\n\n", "\r\n\r\n"):
        path = write(tmp_path, "ledger.csv", LEDGER.replace("\n", "\r\n")[:-2] + blank)
        whole = read_tables(path)[0]
        for block in range(1, 12):  # the blank line falls across blocks, or not
            monkeypatch.setattr(csvbytes, "SCAN_BLOCK", block)
            parts = list(iter_tables(path, chunk_rows=5))
            assert len(parts) == 1  # read whole, by the csv module
            assert_same(parts, whole, 25)


def test_utf8_cut_across_scan_blocks(tmp_path: Path, stream_small: None,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Supplier Name,Amount\n" + "".join(f"Zoë’s 𝔘 {i},{i}\n" for i in range(20))
    path = write(tmp_path, "ledger.csv", text)
    for block in range(1, 12):
        monkeypatch.setattr(csvbytes, "SCAN_BLOCK", block)
        parts = list(iter_tables(path, chunk_rows=6))
        assert len(parts) == 4
        assert_same(parts, read_tables(path)[0], 6)
    path.write_bytes(text.encode("utf-8") + b"Caf\xe9,1\n")  # one Latin-1 byte at the end
    parts = list(iter_tables(path, chunk_rows=6))
    assert len(parts) == 1 and parts[0].encoding == "utf-8 (some lines Windows-1252)"
    assert parts[0].frame["Supplier Name"].iloc[-1] == "Café"


def test_unclosed_quote_at_the_end_is_refused_when_streamed(tmp_path: Path, stream_small: None) -> None:
    text = LEDGER + "Broken Ltd,1.00,\"never closed\nSupplier X,2.00,\n"
    path = write(tmp_path, "ledger.csv", text)
    with pytest.raises(InputFileError) as whole:
        read_tables(path)
    with pytest.raises(InputFileError) as streamed:
        list(iter_tables(path, chunk_rows=7))
    assert str(streamed.value) == str(whole.value)
    assert "row 27 (line 52 of the file)" in str(whole.value)


def test_unclosed_quote_check_reads_only_the_end(tmp_path: Path) -> None:
    # the fast path (bytes) and the text path give the same message, BOM and CRLF included
    text = "\ufeffSupplier Name,Amount\r\n" + "Café,1\r\n" * 5000 + 'Broken,"a ""b""\r\nc,d\r\n'
    path = write(tmp_path, "ledger.csv", text)
    with pytest.raises(InputFileError) as fast:
        read_tables(path)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(read_csv, "_utf8_start", lambda data: None)
        with pytest.raises(InputFileError) as slow:
            read_tables(path)
    assert str(fast.value) == str(slow.value)
    assert "row 5002 (line 5002 of the file)" in str(fast.value)


def test_blank_line_search_on_bytes_matches_text() -> None:
    rng = random.Random(7)
    for _ in range(400):
        data = bytes(rng.choice(b"ab\r\n") for _ in range(rng.randint(0, 40)))
        start = rng.randint(0, len(data))
        assert csvbytes.has_blank_line_bytes(data, start) == read_csv._has_blank_line(data.decode(), start)


# ---------------------------------------------------------------- Parquet

def parquet(tmp_path: Path, table: pa.Table, name: str = "ledger.parquet", **kw) -> Path:
    path = tmp_path / name
    pq.write_table(table, path, **kw)
    return path


def test_parquet_typed_columns_as_text(tmp_path: Path) -> None:
    table = pa.table({
        "Supplier Name": pa.array(["ACME LTD", None, "Café Nero"]),
        "Amount": pa.array([1234.5, 3703.6800000000003, None]),
        "Big": pa.array([1e20, 1e-7, float("nan")]),
        "Count": pa.array([7, None, -2], pa.int64()),
        "Net": pa.array([decimal.Decimal("1234.50"), decimal.Decimal("-0.01"), None], pa.decimal128(12, 2)),
        "Paid": pa.array([dt.date(2024, 4, 3), None, dt.date(1999, 12, 31)], pa.date32()),
        "At": pa.array([dt.datetime(2024, 4, 3), dt.datetime(2024, 4, 3, 10, 30, 5),
                        dt.datetime(2024, 4, 3, 0, 0, 0, 250000)], pa.timestamp("us")),
        "Zoned": pa.array([dt.datetime(2024, 7, 1, 11, 0), None, dt.datetime(2024, 1, 1, 12, 0)],
                          pa.timestamp("s", tz="Europe/London")),
        "Flag": pa.array([True, False, None]),
        "Code": pa.array(["A", "B", "A"]).dictionary_encode(),
        "When": pa.array([dt.time(9, 30), dt.time(17, 0, 1), None], pa.time64("us")),
        "Single": pa.array([0.1, 1234.5, 2.0], pa.float32()),
    })
    path = parquet(tmp_path, table, row_group_size=2)
    t = read_tables(path)[0]
    assert t.headers == table.column_names
    assert t.header_row == 1
    assert t.row_numbers.tolist() == [2, 3, 4]
    assert (t.encoding, t.delimiter, t.sheet, t.blank_rows) == (None, None, None, 0)
    assert all(dtype == "str" for dtype in t.frame.dtypes), t.frame.dtypes
    assert t.frame.to_dict("list") == {
        "Supplier Name": ["ACME LTD", "", "Café Nero"],
        "Amount": ["1234.5", "3703.68", ""],
        "Big": ["100000000000000000000", "0.0000001", ""],
        "Count": ["7", "", "-2"],
        "Net": ["1234.50", "-0.01", ""],
        "Paid": ["2024-04-03", "", "1999-12-31"],
        "At": ["2024-04-03", "2024-04-03 10:30:05", "2024-04-03 00:00:00.250000"],
        "Zoned": ["2024-07-01 12:00:00", "", "2024-01-01 12:00:00"],
        "Flag": ["true", "false", ""],
        "Code": ["A", "B", "A"],
        "When": ["09:30:00", "17:00:01", ""],
        "Single": ["0.1", "1234.5", "2"],
    }
    parts = list(iter_tables(path, chunk_rows=2))
    assert [len(p.frame) for p in parts] == [2, 1]
    assert_same(parts, t, 2)


def test_parquet_all_strings_streamed_in_parts(tmp_path: Path) -> None:
    n = 1000
    table = pa.table({"Supplier Name": [f"Supplier {i}" for i in range(n)],
                      "Amount": [f"{i}.00" if i % 7 else "" for i in range(n)],
                      "Note": [None if i % 3 else "x" for i in range(n)]})
    path = parquet(tmp_path, table, row_group_size=300)
    whole = read_tables(path)[0]
    assert whole.frame["Supplier Name"].tolist() == table["Supplier Name"].to_pylist()
    assert whole.row_numbers.tolist() == list(range(2, n + 2))
    assert read.sniff_format(path.read_bytes()) == "parquet"
    parts = list(iter_tables(path, chunk_rows=128))
    assert [len(p.frame) for p in parts] == [128] * 7 + [104]
    assert_same(parts, whole, 128)
    assert parts[3].row_numbers[0] == 3 * 128 + 2


def test_parquet_blank_records_dropped_as_in_a_csv(tmp_path: Path) -> None:
    table = pa.table({"Supplier Name": ["A", None, "", "B"], "Amount": [1.0, None, None, 2.0]})
    t = read_tables(parquet(tmp_path, table))[0]
    assert t.frame.to_dict("list") == {"Supplier Name": ["A", "B"], "Amount": ["1", "2"]}
    assert t.row_numbers.tolist() == [2, 5]
    assert t.blank_rows == 2


def test_parquet_without_rows(tmp_path: Path) -> None:
    schema = pa.schema([("Supplier Name", pa.string()), ("Amount", pa.float64())])
    path = parquet(tmp_path, schema.empty_table())
    t = read_tables(path)[0]
    assert t.headers == ["Supplier Name", "Amount"]
    assert list(t.frame.columns) == ["Supplier Name", "Amount"]
    assert len(t.frame) == 0 and t.row_numbers.tolist() == []
    parts = list(iter_tables(path, chunk_rows=10))
    assert len(parts) == 1 and len(parts[0].frame) == 0
    assert list(parts[0].frame.columns) == ["Supplier Name", "Amount"]


@pytest.mark.parametrize("damage", ["truncate", "scribble"])
def test_damaged_parquet_names_the_file(tmp_path: Path, damage: str) -> None:
    table = pa.table({"Supplier Name": [f"S{i}" for i in range(2000)], "Amount": list(range(2000))})
    good = parquet(tmp_path, table, name="good.parquet", compression="snappy").read_bytes()
    if damage == "truncate":
        bad = good[: len(good) // 2]
    else:
        bad = bytearray(good)
        bad[8:len(good) // 2] = bytes(len(good) // 2 - 8)  # the column data zeroed, footer intact
        bad = bytes(bad)
    path = write(tmp_path, "spend.parquet", bad)
    for reader in (read_tables, lambda p: list(iter_tables(p, chunk_rows=100))):
        with pytest.raises(InputFileError) as err:
            reader(path)
        assert "spend.parquet" in str(err.value)
        assert "Parquet file is damaged" in str(err.value)


def test_parquet_sheet_option_refused(tmp_path: Path) -> None:
    path = parquet(tmp_path, pa.table({"Supplier Name": ["A"]}))
    with pytest.raises(InputFileError, match=r"ledger\.parquet.*Parquet file, which has no sheets"):
        read_tables(path, sheet="Payments")


# ---------------------------------------------------------------- memory

MEMORY_PROBE = """
import resource, sys
import pandas, pyarrow as pa, pyarrow.csv
from spendkit.read.files import iter_tables
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
rows = peak = parts = 0
for table in iter_tables(sys.argv[1], chunk_rows=100_000):
    rows += len(table.frame)
    parts += 1
    peak = max(peak, pa.total_allocated_bytes())
    del table
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
print(rows, parts, peak, grown)
"""


def test_streaming_a_big_csv_keeps_memory_bounded(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    lines = [f"{7000000 + i},0{i % 9 + 1}/04/2024,{rng.integers(1e5, 1e6)},Supplier {i % 977} Ltd,"
             f"WN{i % 9} 1YN,Adults & Children,\"Care, residential\",{i % 5000}.{i % 100:02d}\n"
             for i in range(20_000)]
    block = "".join(lines).encode()
    repeats = 150_000_000 // len(block) + 1
    path = tmp_path / "big.csv"
    with path.open("wb") as f:
        f.write(b"Transaction Number,Payment Date,Supplier ID,Supplier Name,Supplier Postcode,"
                b"Service Area,Expense Type,Net Amount\n")
        for _ in range(repeats):
            f.write(block)
    size = path.stat().st_size
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path)], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    rows, parts, arrow_peak, grown = map(int, out.stdout.split())
    assert rows == repeats * 20_000
    assert parts == -(-rows // 100_000)
    # Read whole, the file takes several times its size (its bytes, then Arrow, then pandas);
    # streamed, a part and pyarrow's read-ahead (some 30 blocks of STREAM_BLOCK) at a time.
    assert arrow_peak < size / 2, (arrow_peak, size)
    assert grown < size, (grown, size)
