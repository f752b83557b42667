"""Small files that expand (issue 14, families 3 and 5): a workbook's parts are measured before
they are opened, every part under any name and every spelling of a cell reference; a Parquet
file is checked against the memory limit by what it expands to, not its size on disk. Each is
refused with exit 3 naming the file, never an abort or an out-of-memory kill.

These run spendkit in a child process with its address space capped (tests/trust/hostile.py),
so a reader that aborts or runs away fails the case, not the test session. Each case states
the expected behaviour first."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from make_corpus import H, Raw, Sheet, ledger, xlsx

from tests.trust.hostile import process_refused, spendkit_process

INPUT = 3


def _classify(path: Path, **kw):
    return spendkit_process("classify", path, "--place", "Wigan", "--format", "json", **kw)


def _far(row_xml: str) -> bytes:
    """A two-payment workbook with one more row, written as given (a reference spelled oddly)."""
    return xlsx([Sheet("Payments", ledger(2), tail=row_xml)])


def _renamed(book: bytes, new: str) -> bytes:
    """The workbook with its sheet part moved from xl/worksheets/sheet1.xml to ``new``, its
    relationship and content type following it (a valid workbook; the part is just named
    otherwise)."""
    src, out = zipfile.ZipFile(io.BytesIO(book)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            name = new if info.filename == "xl/worksheets/sheet1.xml" else info.filename
            data = data.replace(b"/xl/worksheets/sheet1.xml", f"/{new}".encode())
            data = data.replace(b'Target="worksheets/sheet1.xml"', f'Target="/{new}"'.encode())
            z.writestr(name, data)
    return out.getvalue()


CELL = '<c r="{ref}" t="inlineStr"><is><t>x</t></is></c>'
DIMENSION_BOMBS = {
    "lower_case_reference": '<row r="1048576">' + CELL.format(ref="xfd1048576") + "</row>",
    "single_quoted_reference": "<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>",
    "zero_padded_reference": '<row r="1048576">' + CELL.format(ref="XFD01048576") + "</row>",
    "far_column_and_far_row_apart": ('<row r="4">' + CELL.format(ref="XFD4") + "</row>"
                                     '<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>'),
    "spaces_around_the_attribute": '<row r = "1048576"><c r = "XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
}


@pytest.mark.parametrize("spelling", list(DIMENSION_BOMBS))
def test_dimension_bomb_reference_spellings(tmp_path: Path, spelling: str) -> None:
    """A 2 KB workbook with one cell at XFD1048576, however the reference is spelled: exit 3,
    the file named; never an abort."""
    path = tmp_path / f"{spelling}.xlsx"
    path.write_bytes(_far(DIMENSION_BOMBS[spelling]))
    process_refused(_classify(path), INPUT, path.name)


@pytest.mark.parametrize("part", ["xl/worksheets/data.xml", "xl/sheet1.xml", "xl/payments/april.xml"])
def test_dimension_bomb_in_a_sheet_part_named_otherwise(tmp_path: Path, part: str) -> None:
    """The same bomb in a sheet part not named xl/worksheets/sheetN.xml: exit 3, the file
    named; never an abort."""
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(_renamed(_far('<row r="1048576">' + CELL.format(ref="XFD1048576") + "</row>"), part))
    process_refused(_classify(path), INPUT, "renamed.xlsx")


def test_renamed_sheet_part_is_still_read(tmp_path: Path) -> None:
    """A harmless workbook whose sheet part is named otherwise is read (exit 0): the guard
    measures parts, it does not refuse unusual names."""
    path = tmp_path / "renamed_ok.xlsx"
    path.write_bytes(_renamed(xlsx([Sheet("Payments", ledger(2))]), "xl/worksheets/data.xml"))
    proc = _classify(path)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert '"rows_counted": 2' in proc.stdout


def test_huge_merge_is_refused_or_ignored(tmp_path: Path) -> None:
    """A merged range A5:XFD1048576 (filling it would make 17 billion cells): exit 3 naming
    the file, or the two payments read (exit 0); never an abort."""
    path = tmp_path / "merge_bomb.xlsx"
    path.write_bytes(xlsx([Sheet("Payments", [*ledger(2), ["note"]], merges=["A4:XFD1048576"])]))
    proc = _classify(path)
    assert proc.returncode in (0, INPUT), proc.stderr[-1500:]
    if proc.returncode:
        process_refused(proc, INPUT, path.name)


def test_declared_dimension_is_only_a_hint(tmp_path: Path) -> None:
    """`<dimension ref="A1:XFD1048576"/>` over a small table: read (exit 0) or refused (exit 3
    naming the file); never an abort."""
    book = xlsx([Sheet("Payments", ledger(2))])
    src, out = zipfile.ZipFile(io.BytesIO(book)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>')
            z.writestr(info.filename, data)
    path = tmp_path / "dimension.xlsx"
    path.write_bytes(out.getvalue())
    proc = _classify(path)
    assert proc.returncode in (0, INPUT), proc.stderr[-1500:]
    if proc.returncode:
        process_refused(proc, INPUT, path.name)


def test_shared_strings_claiming_billions(tmp_path: Path) -> None:
    """A sharedStrings part that claims 4 billion strings (a reader that reserves room for them
    asks for ~100 GB): read (exit 0) or refused (exit 3 naming the file); never an abort."""
    shared = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
              'spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000"><si><t>Acme Ltd</t></si></sst>')
    rows = [H, [Raw('<c r="{ref}" t="s"><v>0</v></c>'), 10, "01/02/2024", "WN1 1YN"]]
    path = tmp_path / "shared_strings.xlsx"
    path.write_bytes(xlsx([Sheet("Payments", rows)], shared=shared))
    proc = _classify(path)
    assert proc.returncode in (0, INPUT), proc.stderr[-1500:]
    if proc.returncode:
        process_refused(proc, INPUT, path.name)


def _parquet_bomb(path: Path, rows: int, columns: int = 6) -> Path:
    """``rows`` records of one repeated value per column, dictionary-encoded: a few KB on disk."""
    batch = 1_000_000
    names = [*H, *[f"Extra {i}" for i in range(columns - len(H))]]
    values = ["Acme Ltd", "10.00", "01/02/2024", "WN1 1YN", *["x"] * (columns - len(H))]
    schema = pa.schema([(n, pa.dictionary(pa.int32(), pa.string())) for n in names])
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for _ in range(rows // batch):
            idx = pa.array(np.zeros(batch, dtype=np.int32))
            writer.write_table(pa.table([pa.DictionaryArray.from_arrays(idx, pa.array([v])) for v in values],
                                        schema=schema))
    return path


def test_parquet_expansion_bomb(tmp_path: Path) -> None:
    """A Parquet file of a few KB that expands to 12 million rows, with the memory limit at
    200 MB: exit 3 naming the file (too large to read in memory), never an ArrowMemoryError."""
    path = _parquet_bomb(tmp_path / "expands.parquet", 12_000_000)
    assert path.stat().st_size < 1_000_000
    proc = _classify(path, env={"SPENDKIT_MEMORY_LIMIT": "200M"}, timeout=300)
    process_refused(proc, INPUT, "expands.parquet")


def test_parquet_within_the_limit_is_read(tmp_path: Path) -> None:
    """The same shape at 1 million rows with the limit at 2 GB: read, every row counted."""
    path = _parquet_bomb(tmp_path / "fits.parquet", 1_000_000, columns=4)
    proc = _classify(path, env={"SPENDKIT_MEMORY_LIMIT": "2G"}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert '"rows_counted": 1000000' in proc.stdout
