"""Trust II, the guard: hostile inputs refused before any reader opens them, every refusal a
clear message with its documented exit status, never a traceback, a hang or an abort.

Each test's docstring states the expected behaviour first.
"""

from __future__ import annotations

import io
import os
import re
import socket
import zipfile
from pathlib import Path

import pytest

from spendkit.errors import InputFileError
from spendkit.read import guard
from spendkit.read.files import iter_tables, read_tables
from tests.helpers import run

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                 b'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
                 b'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
                 b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
                 b'"/%s" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                 b'worksheet+xml"/></Types>')
ROOT_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
             b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
             b'.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
             b'</Relationships>')
WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships"><sheets><sheet name="Payments" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                 b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
                 b'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/%s"/>'
                 b'</Relationships>')
LEDGER_ROWS = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>Supplier</t></is></c><c r="B1" t="inlineStr">'
               b'<is><t>Amount</t></is></c><c r="C1" t="inlineStr"><is><t>Date</t></is></c></row>'
               b'<row r="2"><c r="A2" t="inlineStr"><is><t>Acme Ltd</t></is></c><c r="B2"><v>12.5</v></c>'
               b'<c r="C2" t="inlineStr"><is><t>01/04/2024</t></is></c></row>')


def workbook(extra: bytes = b"", *, part: str = "xl/worksheets/sheet1.xml", dimension: bytes = b"") -> bytes:
    """A small XLSX written by hand: a two-row ledger on sheet 'Payments', stored in ``part``,
    with ``extra`` XML after its rows and ``dimension`` (a <dimension> element) before them."""
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main">' + dimension + b"<sheetData>" + LEDGER_ROWS + extra
             + b"</sheetData></worksheet>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES % part.encode())
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS % part.encode())
        z.writestr(part, sheet)
    return buf.getvalue()


def far(ref: bytes, quote: bytes = b'"') -> bytes:
    """A row holding one cell at ``ref``, written with ``quote`` around the reference."""
    return b"<row r=\"3\"><c r=" + quote + ref + quote + b' t="inlineStr"><is><t>x</t></is></c></row>'


@pytest.fixture(autouse=True)
def memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard's limit, the same on every machine: 2 GB."""
    monkeypatch.setenv(guard.MEMORY_LIMIT_ENV, "2G")


# ---------------------------------------------------------------- family 3: dimension bombs

BOMBS = {
    "the usual spelling": workbook(far(b"XFD1048576")),
    "lower case": workbook(far(b"xfd1048576")),
    "single quotes": workbook(far(b"XFD1048576", b"'")),
    "a leading zero": workbook(far(b"XFD01048576")),
    "dollar signs": workbook(far(b"$XFD$1048576")),
    "spaces around the equals sign": workbook(b'<row r="3"><c r = "XFD1048576"><v>1</v></c></row>'),
    "a sheet part not under xl/worksheets": workbook(far(b"XFD1048576"), part="xl/data/payments.xml"),
    "a sheet part named in upper case": workbook(far(b"XFD1048576"), part="XL/WORKSHEETS/SHEET1.XML"),
    "a dimension that lies": workbook(dimension=b'<dimension ref="A1:XFD1048576"/>'),
    "a row far down and a cell far right": workbook(b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
                                                   b'<row r="4"><c r="XFD4"><v>1</v></c></row>'),
    "cells without references": workbook(b'<row r="4">' + b"<c><v>1</v></c>" * 16384
                                         + b'</row><row r="1048576"><c><v>1</v></c></row>'),
    "rows without references": workbook(b"<row/>" * 1048573 + b"<row>" + b"<c/>" * 16384 + b"</row>"),
    "namespace prefixes": workbook(b'<x:row r="4"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'),
}


@pytest.mark.parametrize("name", BOMBS)
def test_dimension_bomb_is_refused_before_opening(name: str, tmp_path: Path) -> None:
    """A 2 KB workbook whose sheet reaches XFD1048576 (17 billion cells), however the
    reference is spelled and whatever the sheet part is called: refused by the guard with a
    message naming the part and its size (exit 3), before calamine would ask for 1 TB."""
    data = BOMBS[name]
    assert len(data) < (16384 if name == "rows without references" else 4096)
    with pytest.raises(InputFileError, match="too many to read in memory"):
        guard.check_workbook(data, "bomb.xlsx")
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data)
    result = run("classify", path, "--place", "Wigan")
    assert result.exit_code == 3, result.output
    assert re.search(r"spans 16,3\d\d columns by 1,04\d,\d{3} rows", result.output), result.output


def test_hand_written_workbook_reads(tmp_path: Path) -> None:
    """The hand-written workbook the bombs are made from, without a far cell, reads: the
    guard passes ordinary workbooks (and one with a stray note at CV20000)."""
    for extra in (b"", far(b"CV20000")):
        path = tmp_path / "ok.xlsx"
        path.write_bytes(workbook(extra))
        table = read_tables(path)[0]
        assert table.headers[:3] == ["Supplier", "Amount", "Date"]
        assert table.frame.iloc[0, 0] == "Acme Ltd"


# ---------------------------------------------------------------- family 9: special files and paths

def special_files(tmp_path: Path) -> dict[str, Path]:
    """A pipe, a device, a socket and a folder: none of them a file to read."""
    fifo = tmp_path / "ledger.csv"
    os.mkfifo(fifo)
    sock = tmp_path / "socket.csv"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock))
    server.close()
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    return {"pipe (FIFO)": fifo, "device": Path("/dev/zero"), "socket": sock, "folder": folder}


KINDS = ["pipe (FIFO)", "device", "socket", "folder"]


@pytest.mark.parametrize("kind", KINDS)
def test_special_file_as_a_ledger_is_refused(kind: str, tmp_path: Path) -> None:
    """A FIFO (which would hang), /dev/zero (which would read forever), a socket or a folder
    given as the ledger: refused before it is opened, naming what it is (exit 3)."""
    path = special_files(tmp_path)[kind]
    result = run("classify", path, "--place", "Wigan")
    assert result.exit_code == 3, result.output
    assert f"is a {kind}, not a ledger file" in result.output
    with pytest.raises(InputFileError, match=f"is a {re.escape(kind)}"):
        next(iter_tables(path))


@pytest.mark.parametrize("kind", KINDS)
def test_special_file_as_reference_data_is_refused(kind: str, tmp_path: Path) -> None:
    """The same, given as a register (exit 3), a supplier file (exit 3) or the postcode
    directory (exit 7): never read, never waited on."""
    path = special_files(tmp_path)[kind]
    ledger = tmp_path / "ok.csv"
    ledger.write_text("Supplier,Amount,Date\nAcme Ltd,12.50,01/04/2024\n")
    for option, status in (("--charities", 3), ("--suppliers", 3), ("--postcodes", 7)):
        result = run("classify", ledger, "--place", "Wigan", option, path)
        assert result.exit_code == status, (option, result.output)
        assert f"is a {kind}" in result.output, (option, result.output)


def test_path_too_long_is_refused(tmp_path: Path) -> None:
    """A file name over the file system's limit (255 bytes) or a path over 4096: a clear
    error saying the path is too long (exit 3), not an OSError traceback."""
    for path in (tmp_path / ("x" * 300 + ".csv"), tmp_path.joinpath(*["deep"] * 900, "l.csv")):
        result = run("classify", path, "--place", "Wigan")
        assert result.exit_code == 3, result.output
        assert "the path is too long" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its permissions")
def test_unreadable_ledger_exits_3(tmp_path: Path) -> None:
    """A ledger without read permission: 'cannot be read (Permission denied)', exit 3 (as
    docs/cli.md says)."""
    path = tmp_path / "locked.csv"
    path.write_text("Supplier,Amount\nAcme,1\n")
    path.chmod(0)
    result = run("classify", path, "--place", "Wigan")
    assert result.exit_code == 3, result.output
    assert "cannot be read" in result.output


def test_unreadable_file_is_refused_by_check_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """check_path refuses a file this process may not read (as root cannot be made to fail
    for real, os.access is made to say no): 'cannot be read', exit 3."""
    path = tmp_path / "locked.csv"
    path.write_text("Supplier,Amount\nAcme,1\n")
    monkeypatch.setattr(guard.os, "access", lambda *a, **k: False)
    with pytest.raises(InputFileError, match="cannot be read") as caught:
        guard.check_path(path)
    assert caught.value.exit_code == 3


@pytest.mark.parametrize("nesting", ["[" * 5000 + "]" * 5000, "{b=" * 5000 + "1" + "}" * 5000])
def test_toml_nested_5000_deep_is_a_config_error(nesting: str, tmp_path: Path) -> None:
    """A spendkit.toml (or league manifest) nested 5,000 deep: a ConfigError saying it is
    nested too deeply (exit 5), not a RecursionError traceback."""
    config = tmp_path / "deep.toml"
    config.write_text(f"a = {nesting}\n")
    ledger = tmp_path / "ok.csv"
    ledger.write_text("Supplier,Amount,Date\nAcme Ltd,12.50,01/04/2024\n")
    result = run("classify", ledger, "--place", "Wigan", "--config", config)
    assert result.exit_code == 5, result.output
    assert "nested too deeply" in result.output
    result = run("league", config)
    assert result.exit_code == 5, result.output
    assert "nested too deeply" in result.output


# ---------------------------------------------------------------- family 6: terminal text

BRACKETS = ["J Smith [t/a Smith Plumbing]", "Bad [/] Co", "[bold]Loud Ltd", "Smile :thumbs_up: Ltd",
            "Slash Ltd\\"]


def bracket_ledger(tmp_path: Path) -> Path:
    path = tmp_path / "brackets [2024].csv"
    rows = [f'"{name}",{100 + i}.00,01/04/2024,"Dept [x]"' for i, name in enumerate(BRACKETS)]
    path.write_text("Supplier,Amount,Date,Department\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("command", [["rank"], ["report", "--by", "Department"], ["suppliers"],
                                     ["classify"]])
def test_ledger_text_in_brackets_prints_as_written(command: list[str], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Ledger text holding Rich markup ([t/a ...], [/], [bold]) or an emoji code, and a file
    name in brackets: printed as written in terminal tables and notes, never hidden, styled
    or crashing the print (exit 0)."""
    monkeypatch.setenv("COLUMNS", "300")  # a wide terminal: no name is wrapped
    ledger = bracket_ledger(tmp_path)
    result = run(*command, ledger, "--place", "Wigan")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    shown = BRACKETS if command[0] in ("rank", "suppliers") else []
    for name in shown:
        assert " ".join(name.split()) in flat, (name, result.output)
    if command[0] == "report":
        assert "Dept [x]" in flat


# ---------------------------------------------------------------- families 8 and 9: values at the edge

def simple_ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.csv"
    path.write_text("Supplier,Amount,Date,Postcode\nAcme Ltd,12.50,01/04/2024,WN1 1YN\n")
    return path


@pytest.mark.parametrize("share", ["250%", "101%", "-5%", "-0.5", "inf%", "-inf%", "nan", "nan%", "1e999"])
def test_impossible_share_is_refused(share: str, tmp_path: Path) -> None:
    """A published share or a re-spend share that is not a finite number from 0% to 100%
    (250% would make LM3 4.5, which can never exceed 3; inf% made invalid JSON or an
    OverflowError): a ConfigError naming the file, row, column and value (exit 5)."""
    peers = tmp_path / "peers.csv"
    peers.write_text(f"name,local_share\nA Council,{share}\nB Council,10%\n")
    for args in (["league", peers], ["league", peers, "--format", "json"]):
        result = run(*args)
        assert result.exit_code == 5, result.output
        assert f"row 2 local_share: '{share}' is not a share from 0% to 100%" in result.output
    respend = tmp_path / "respend.csv"
    respend.write_text(f"class,respend\nlocal,{share}\n")
    result = run("report", simple_ledger(tmp_path), "--place", "Wigan", "--respend", respend)
    assert result.exit_code == 5, result.output
    assert f"row 2: '{share}' is not a share from 0% to 100%" in result.output


def test_shares_at_the_edges_are_read(tmp_path: Path) -> None:
    """0%, 100%, 0 and 1 are shares (the edges are inside the range)."""
    peers = tmp_path / "peers.csv"
    peers.write_text("name,local_share\nA,0%\nB,100%\nC,0\nD,1\n")
    result = run("league", peers, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "B,published,,,1.0,1," in result.output and "C,published,,,0.0," in result.output


@pytest.mark.parametrize("option", [["--year", "20224"], ["--year", "0"], ["--year", "-5"],
                                    ["--fy", "9999/00"], ["--fy", "1066/67"], ["--from", "0001-01-01"],
                                    ["--to", "99999-01-01"]])
def test_year_out_of_range_is_refused(option: list[str], tmp_path: Path) -> None:
    """A year outside 1900-2100 in --year, --fy, --from or --to: a ConfigError naming the
    option (exit 5), not a ValueError traceback."""
    result = run("report", simple_ledger(tmp_path), "--place", "Wigan", *option)
    assert result.exit_code == 5, result.output
    assert option[0] in result.output


@pytest.mark.parametrize("entry, wrong", [('ledgers = [3]', "ledgers = [3]"),
                                          ('ledgers = "l.csv"\nsuppliers = 5', "suppliers = 5"),
                                          ('ledgers = "l.csv"\nregional = [1.5]', "regional = [1.5]")])
def test_manifest_value_of_the_wrong_type_is_refused(entry: str, wrong: str, tmp_path: Path) -> None:
    """A league manifest with a number where a path or name is expected: a ConfigError
    naming the organisation and key (exit 5), not a TypeError traceback."""
    simple_ledger(tmp_path).rename(tmp_path / "l.csv")
    manifest = tmp_path / "league.toml"
    manifest.write_text(f'[[organisation]]\nname = "A"\nplace = "Wigan"\n{entry}\n')
    result = run("league", manifest)
    assert result.exit_code == 5, result.output
    assert f"organisation 1: wrong type: {wrong}" in result.output


# ---------------------------------------------------------------- family 5: Parquet that expands

def expanding_parquet(path: Path, rows: int) -> Path:
    """A Parquet file of ``rows`` records, each column one value dictionary-encoded: a few KB
    on disk, hundreds of MB as text."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    zeros = pa.array(np.zeros(rows, dtype=np.int32))
    table = pa.table({name: pa.DictionaryArray.from_arrays(zeros, pa.array([value]))
                      for name, value in (("Supplier", "Acme Ltd"), ("Amount", "12.50"),
                                          ("Date", "01/04/2024"))})
    pq.write_table(table, path, row_group_size=rows)
    return path


def test_parquet_that_expands_past_memory_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small Parquet file whose dictionary-encoded records expand past the memory limit:
    refused from its footer (records x columns) before it is read, whole or streamed a part
    at a time (exit 3), never an ArrowMemoryError or an out-of-memory kill."""
    path = expanding_parquet(tmp_path / "big.parquet", 2_000_000)
    assert path.stat().st_size < 100_000
    monkeypatch.setenv(guard.MEMORY_LIMIT_ENV, "100M")
    with pytest.raises(InputFileError, match="too large to read in memory"):
        read_tables(path)
    with pytest.raises(InputFileError, match="a part of 1,000,000 records is too large"):
        next(iter_tables(path))
    result = run("classify", path, "--place", "Wigan")
    assert result.exit_code == 3, result.output
    assert "too large to read in memory" in result.output


def test_parquet_streamed_in_parts_that_fit_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same file streamed in parts small enough to fit: read (the guard is per part)."""
    path = expanding_parquet(tmp_path / "big.parquet", 200_000)
    monkeypatch.setenv(guard.MEMORY_LIMIT_ENV, "100M")
    parts = list(iter_tables(path, chunk_rows=50_000))
    assert [len(p.frame) for p in parts] == [50_000] * 4
    assert parts[3].frame.iloc[-1].tolist() == ["Acme Ltd", "12.50", "01/04/2024"]


def test_parquet_text_that_is_not_utf8_reads_as_the_csv_reader_reads_it(tmp_path: Path) -> None:
    """A Parquet text column holding bytes that are not UTF-8 (Caf\\xe9): read as the CSV
    reader reads such bytes, as Windows-1252 ('Café Ltd'), not an ArrowException traceback."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = pa.array([b"Caf\xe9 Ltd", b"Acme", None], pa.binary())
    bad_text = pa.Array.from_buffers(pa.string(), 3, raw.buffers(), null_count=1)
    path = tmp_path / "latin1.parquet"
    pq.write_table(pa.table({"Supplier": bad_text, "Amount": ["1.00", "2.00", "3.00"]}), path)
    for tables in (read_tables(path), list(iter_tables(path))):
        assert tables[0].frame.iloc[:, 0].tolist() == ["Café Ltd", "Acme", ""]


# ---------------------------------------------------------------- family 7: notes, never silence

def test_supplier_rows_that_disagree_are_noted_and_resolved_by_evidence(tmp_path: Path) -> None:
    """Two supplier-file rows for one payee ('Acme Ltd' / 'ACME LIMITED') with different
    postcodes: the conflict is in the supplier file's notes (how many payees, which facts,
    the rows), and a name match uses the row with more facts filled in (here the second,
    which also gives staff), not silently the first."""
    from spendkit.reference.suppliers import join_suppliers, load_suppliers

    path = tmp_path / "suppliers.csv"
    path.write_text("Supplier Name,Postcode,Employees\nAcme Ltd,WN1 1YN,\nACME LIMITED,M1 1AA,12\n"
                    "Beta Ltd,BL1 1AA,\nBeta Limited,bl1 1aa,\n")
    suppliers = load_suppliers(path)
    assert any("1 payee(s) with conflicting rows (postcode), e.g. 'ACME' on rows 2, 3" in n
               for n in suppliers.info["notes"]), suppliers.info["notes"]
    import pandas as pd

    joined = join_suppliers(pd.DataFrame({"supplier_id": ["", ""], "payee_key": ["ACME", "BETA"]}),
                            suppliers)
    assert joined["supplier_row"].tolist() == [1, 2]  # Acme: the row with staff; Beta: agree, first


def test_register_damaged_last_row_is_counted_in_the_run_notes(tmp_path: Path) -> None:
    """A register (FCA mutuals) whose last row is cut short (and written in Windows-1252):
    the row is skipped, and the run's notes say so ('1 line(s) ... skipped'), on the report's
    notes; the rows before it are read."""
    from spendkit.reference.registries.mutuals import read_mutuals

    register = tmp_path / "SocietyList.csv"
    register.write_bytes(b"Society Number,Society Suffix,Society Name,Society Address,Society Status\n"
                         b'12345,R,Caf\xe9 Co-operative Limited,"1 Wallgate, Wigan, WN1 1YN",Registered\n'
                         b'23456,R,Cut Short Limi')
    frame = read_mutuals(register)
    assert frame["name"].tolist() == ["Café Co-operative Limited"]
    assert frame.attrs["notes"] == [f"{register}: 1 line(s) without the header's 5 columns skipped"]
    config = tmp_path / "spendkit.toml"
    config.write_text(f'[registries]\nmutuals = ["{register.name}"]\n')
    result = run("report", simple_ledger(tmp_path), "--place", "Wigan", "--config", config)
    assert result.exit_code == 0, result.output
    assert "1 line(s) without the header's 5 columns skipped" in " ".join(result.stderr.split())


@pytest.mark.parametrize("cut", ["csv", "zip"])
def test_truncated_postcode_directory_exits_7(cut: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An ONSPD file given with --postcodes that is cut short (a CSV ending mid-row, a zip
    missing its end): 'the postcode directory is damaged or cut short', exit 7, no traceback."""
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(tmp_path / "cache"))
    body = "pcds,laua,oseast1m,osnrth1m\n" + '"WN1 1YN",E08000010,357000,405000\n' * 2000
    if cut == "csv":
        onspd = tmp_path / "ONSPD_UK.csv"
        onspd.write_text(body + '"WN1 2')
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("Data/ONSPD_UK.csv", body)
        onspd = tmp_path / "ONSPD.zip"
        onspd.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    result = run("classify", simple_ledger(tmp_path), "--place", "Wigan", "--postcodes", onspd)
    assert result.exit_code == 7, result.output
    assert "the postcode directory is damaged or cut short" in result.output


@pytest.mark.parametrize("kind", KINDS)
def test_special_file_as_settings_or_a_side_file_is_refused(kind: str, tmp_path: Path) -> None:
    """A pipe, device, socket or folder given as the settings file (exit 5), a re-spend
    file or a league's published shares (exit 3): refused before it is opened."""
    path = special_files(tmp_path)[kind]
    (tmp_path / "in").mkdir()
    ledger = simple_ledger(tmp_path / "in")
    result = run("classify", ledger, "--place", "Wigan", "--config", path)
    assert result.exit_code == 5, result.output
    assert "is not a file" in result.output
    result = run("report", ledger, "--place", "Wigan", "--respend", path)
    assert result.exit_code == 3, result.output
    assert f"is a {kind}, not a re-spend file" in result.output
    shares = path.with_name(path.name + ".csv")
    if kind != "device":
        path.rename(shares)
    else:
        shares = path
    result = run("league", shares)
    assert result.exit_code == 3, result.output
    assert f"is a {kind}" in result.output


def test_path_with_a_nul_character_is_refused() -> None:
    """A path holding a NUL character (possible from a settings file, never from the command
    line): 'a path cannot hold a NUL character' (exit 3), not a ValueError traceback."""
    with pytest.raises(InputFileError, match="cannot hold a NUL character") as caught:
        guard.check_path(Path("ledger\0.csv"))
    assert caught.value.exit_code == 3


def test_shared_strings_claiming_billions_are_refused(tmp_path: Path) -> None:
    """A shared-strings part whose uniqueCount claims 4 billion strings (calamine reserves room
    for them first: ~100 GB): refused by the guard naming the part (exit 3), never an abort."""
    buf = io.BytesIO(workbook())
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr("xl/sharedStrings.xml", b'<?xml version="1.0"?><sst xmlns="x" count="1" '
                                            b'uniqueCount="4000000000"><si><t>Acme</t></si></sst>')
    with pytest.raises(InputFileError, match="claims 4,000,000,000 shared strings"):
        guard.check_workbook(buf.getvalue(), "strings.xlsx")
