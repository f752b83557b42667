"""Tracebacks on realistic text, and ledger text hidden in the terminal (issue 14, family 6):
control characters reach workbooks, dates carry time zones, a reference file is cut short,
a Parquet string is not UTF-8; ledger text is printed as written (`[/]`, `[t/a ...]`, Rich
markup, escape sequences neither interpreted nor hidden). Each case states the expected
behaviour first."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from make_corpus import csv_text

from tests.trust.hostile import cli, ledger, no_traceback, ok, refused, spendkit_process

BELL = "Acme\x07 Ltd"


@pytest.mark.parametrize("command", ["report", "rank"])
def test_bell_in_a_payee_when_writing_a_workbook(tmp_path: Path, command: str) -> None:
    """A bell character in a payee: the report or ranking workbook is written (exit 0), the
    character dropped (XML cannot hold it), the name kept."""
    path = ledger(tmp_path / "l.csv", [BELL, "Bolton Builders"])
    # (in a child process: the error this case guards against leaves the interpreter unfit
    # to report it)
    proc = spendkit_process(command, path, "--place", "Wigan", "--out", tmp_path / "r.xlsx", "--quiet")
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert (tmp_path / "r.xlsx").exists()


def test_bell_in_a_zip_member_name_when_writing_a_workbook(tmp_path: Path) -> None:
    """A zip whose member is named `jan\\x07.csv`: classify --out x.xlsx writes the workbook
    (the source_file column without the bell)."""
    path = tmp_path / "year.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("jan\x07.csv", csv_text([["Supplier Name", "Amount", "Payment Date"],
                                            ["Acme Ltd", "10.00", "01/02/2024"]]))
    ok(cli("classify", path, "--place", "Wigan", "--out", tmp_path / "c.xlsx", "--quiet"))
    assert (tmp_path / "c.xlsx").exists()


@pytest.mark.parametrize("date", ["2024-04-01 10:00:00 GMT", "2024-04-01T10:00:00+01:00",
                                  "2024-04-01T10:00:00Z", "01/04/2024 10:00 BST"])
def test_date_with_a_time_zone(tmp_path: Path, date: str) -> None:
    """A payment date with a time zone: read as 1 April 2024, or the row rejected with a reason
    naming the value; never a traceback."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"], date=date)
    doc = ok(cli("classify", path, "--place", "Wigan", "--format", "json"))
    assert doc is not None
    rec = doc["reconciliation"]
    assert rec["rows_counted"] + rec["rows_rejected"] == 1


def _onspd(path: Path, rows: int = 200) -> Path:
    lines = ["pcds,laua,oseast1m,osnrth1m"] + [f"WN1 {i % 9}A{chr(65 + i % 26)},E08000010,{357000 + i},{405000 + i}"
                                               for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("how", ["cut_mid_row", "zip_cut_in_half"])
def test_truncated_postcode_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """A postcode directory cut short (a failed download) given with --postcodes: refused with
    exit 7 naming the file, or read with the damaged row noted; never a traceback."""
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(tmp_path / "cache"))
    full = _onspd(tmp_path / "onspd.csv")
    if how == "cut_mid_row":
        data = full.read_bytes()
        directory = tmp_path / "onspd_cut.csv"
        directory.write_bytes(data[: len(data) - 7])
    else:
        whole = tmp_path / "whole.zip"
        with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(full, "Data/ONSPD.csv")
        directory = tmp_path / "onspd_cut.zip"
        directory.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    result = cli("classify", path, "--place", "Wigan", "--postcodes", directory, "--format", "json")
    no_traceback(result)
    if result.exit_code:
        refused(result, 7, directory.name)


def test_invalid_utf8_in_a_parquet_string_column(tmp_path: Path) -> None:
    """A Parquet string column holding bytes that are not UTF-8: read (every row counted or
    rejected) or refused with exit 3 naming the file; never a traceback."""
    payees = pa.array([b"Acme \xff\xfe Ltd", b"Bolton Builders"], pa.binary()).view(pa.string())
    table = pa.table({"Supplier Name": payees, "Amount": pa.array(["10.00", "5.00"]),
                      "Payment Date": pa.array(["01/02/2024", "01/02/2024"])})
    path = tmp_path / "bad_utf8.parquet"
    pq.write_table(table, path)
    result = cli("classify", path, "--place", "Wigan", "--format", "json")
    no_traceback(result)
    if result.exit_code:
        refused(result, 3, "bad_utf8.parquet")
    else:
        doc = ok(result)
        assert doc is not None and doc["reconciliation"]["rows_read"] == 2


PRINTED = ["J Smith [t/a Smith Plumbing]", "Closing [/] Ltd", "[bold red]Loud Ltd[/bold red]",
           "[link=file:///etc/passwd]Click Ltd[/link]", "Back\\[slash Ltd"]


@pytest.mark.parametrize("payee", PRINTED)
def test_rank_prints_ledger_text_as_written(tmp_path: Path, payee: str) -> None:
    """The ranking's terminal table shows the payee exactly as written: brackets are text,
    never Rich markup (nothing hidden, no crash on `[/]`)."""
    path = ledger(tmp_path / "l.csv", [payee, "Bolton Builders"])
    result = cli("rank", path, "--place", "Wigan")
    ok(result)
    assert payee in result.stdout, result.stdout[-2000:]


def test_supplier_list_prints_ledger_text_as_written(tmp_path: Path) -> None:
    """`spendkit suppliers` shows `J Smith [t/a Smith Plumbing]` in full."""
    path = ledger(tmp_path / "l.csv", ["J Smith [t/a Smith Plumbing]"])
    result = cli("suppliers", path, "--place", "Wigan")
    ok(result)
    assert "J Smith [t/a Smith Plumbing]" in result.stdout


def test_terminal_escape_sequences_are_not_passed_through(tmp_path: Path) -> None:
    """A payee holding an ANSI escape sequence (`ESC[2J` clears the screen): no escape
    character reaches the terminal."""
    path = ledger(tmp_path / "l.csv", ["\x1b[2J\x1b[31mRed Ltd", "Bolton Builders"])
    result = cli("rank", path, "--place", "Wigan")
    ok(result)
    assert "\x1b" not in result.output, repr(result.output[-300:])
    assert "Red Ltd" in result.stdout


def test_error_message_shows_a_bracketed_file_name_in_full(tmp_path: Path) -> None:
    """A missing ledger named `[b]ledger[/b].csv`: the message names it as written."""
    result = cli("classify", tmp_path / "[b]ledger[/b].csv", "--place", "Wigan")
    refused(result, 3, "[b]ledger[/b].csv")


def test_notes_show_bracketed_headers_in_full(tmp_path: Path) -> None:
    """The note saying which column is the payee shows a header `Supplier [Name]` as written."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"],
                  header=["Transaction Number", "Supplier [Name]", "Net Amount", "Payment Date", "Postcode",
                          "Service Area"])
    result = cli("classify", path, "--place", "Wigan")
    ok(result)
    assert "Supplier [Name]" in result.output
