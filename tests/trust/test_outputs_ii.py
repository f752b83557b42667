"""Trust II, outputs: every export is formula-safe and writable, whatever the ledger holds.

Family 1 (formula injection): no cell or header that spendkit writes to a CSV or XLSX file, or
prints as CSV, is run by a spreadsheet; whatever the column's type (text, Categorical) and
wherever it came from (a payee, a ledger's own header, a breakdown by that header).
Family 6 (control characters): a bell or other character XML cannot hold, in a payee or a
zip member's name, is dropped from XLSX output instead of crashing the write.
Family 2 (a user's files destroyed): an --out that is, or would overwrite, any input (after
links; the rejected-rows sidecar too) is refused with exit status 2 before any work; the
supplier list made with a supplier file keeps every cell the team typed there.
Atomic writes: all outputs of a run are put in place together or not at all, temporary
files are recognisable and removed on any exit (stale ones of killed runs by the next run).
Family 9: a name over the file-system limit is an output error; a closed pipe ends quietly.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from spendkit import errors
from spendkit.output import export
from tests.helpers import run

HOSTILE_HEADER = '=HYPERLINK("http://evil.invalid","x")'
HOSTILE = ['=HYPERLINK("http://evil.invalid","Click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]


def runs(value: str) -> bool:
    """Would a spreadsheet run this cell? A formula character first, also behind whitespace
    or control characters; or a tab, carriage return or line feed first; numbers excepted."""
    if value[:1] in ("\t", "\r", "\n"):
        return True
    stripped = re.sub(r"^[\s\x00-\x1f\x7f\u200b-\u200f\u2060\ufeff]*", "", value)
    return stripped[:1] in ("=", "+", "-", "@") and re.fullmatch(r"[+-]?[0-9,]*\.?[0-9]+", stripped) is None


def hostile_ledger(path: Path) -> Path:
    rows = [["Supplier Name", "Amount", "Payment Date", "Postcode", HOSTILE_HEADER],
            *[[name, f"{10 * (i + 1)}.00", "01/02/2024", "WN1 1YN", HOSTILE[-1 - i]]
              for i, name in enumerate(HOSTILE)],
            ["Bell\x07 Ltd", "60.00", "01/02/2024", "WN1 1YN", "=1+1"]]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def xlsx_cells(path: Path) -> list[tuple[str, object, str]]:
    book = openpyxl.load_workbook(path)
    return [(ws.title, c.value, c.data_type) for ws in book.worksheets for row in ws.iter_rows()
            for c in row if c.value is not None]


def assert_nothing_runs(cells: list[str]) -> None:
    assert cells, "no cells read"
    assert [c for c in cells if runs(c)] == []


# ---------------------------------------------------------------- the neutraliser itself

@pytest.mark.parametrize("value", ["\n=1+1", "\r=1+1", "\t=1+1", " =1+1", "\u00a0=1+1",
                                   "\u200b=1+1", "\x01=1", "\n", "-", "+44 20 7946 0000"])
def test_text_behind_whitespace_or_a_line_feed_is_neutralised(value: str) -> None:
    """A cell starting with whitespace, a line feed or a control character before '=' (or
    with a tab, CR or LF at all) gets the leading apostrophe."""
    out = export.safe_table(pd.DataFrame({"x": pd.Series([value], dtype="str")}))
    assert out["x"].iloc[0] == "'" + value


@pytest.mark.parametrize("dtype", ["object", "str", "category", "string"])
def test_every_text_dtype_is_neutralised_and_numbers_stay_numbers(dtype: str) -> None:
    """Object, str, pandas string and Categorical columns alike; Categoricals by category.
    Numbers (negative ones too, in text or numeric columns) are left as they are."""
    frame = pd.DataFrame({HOSTILE_HEADER: pd.Series([*HOSTILE, "-5.00"], dtype=dtype),
                          "pence": pd.Series([-1, 2, 3, 4, 5], dtype="int64")})
    out = export.safe_table(frame)
    assert list(out.columns) == ["'" + HOSTILE_HEADER, "pence"]
    assert out.iloc[:, 0].tolist() == ["'" + v for v in HOSTILE] + ["-5.00"]
    assert out["pence"].tolist() == [-1, 2, 3, 4, 5] and out["pence"].dtype == "int64"


def test_xlsx_text_loses_characters_xml_cannot_hold() -> None:
    """A bell, a NUL or U+FFFF are dropped for XLSX; then neutralised."""
    frame = pd.DataFrame({"a\x07b": pd.Series(["Bell\x07 Ltd", "\x00=1", "x\uffffy"],
                                              dtype="str")})
    out = export.safe_table(frame, xlsx=True)
    assert list(out.columns) == ["ab"]
    assert out["ab"].tolist() == ["Bell Ltd", "'=1", "xy"]


def test_sheet_names_keep_no_control_characters_or_end_apostrophes() -> None:
    assert export.sheet_name("By =x\x07[y]") == "By =x-y-"
    assert export.sheet_name("'quoted'") == "quoted"
    assert export.sheet_name("\x07") == "Sheet"


# ---------------------------------------------------------------- through the commands

@pytest.mark.parametrize("how", ["format", "out"])
def test_rank_csv_neutralises_payee_names(tmp_path: Path, how: str) -> None:
    """`rank --format csv` and `rank --out x.csv` write hostile payee names (held as a
    Categorical) with the apostrophe."""
    ledger = hostile_ledger(tmp_path / "L.csv")
    if how == "format":
        res = run("rank", ledger, "-p", "Wigan", "--format", "csv", "-q")
        assert res.exit_code == 0, res.output
        text = res.stdout
    else:
        out = tmp_path / "x.csv"
        res = run("rank", ledger, "-p", "Wigan", "--out", out, "-q")
        assert res.exit_code == 0, res.output
        text = out.read_text(encoding="utf-8-sig")
    cells = csv_cells(text)
    assert "'" + HOSTILE[0] in cells
    assert_nothing_runs(cells)


@pytest.mark.parametrize("command", ["report", "rank", "classify"])
def test_xlsx_has_no_formula_from_cells_or_headers(tmp_path: Path, command: str) -> None:
    """A hostile ledger header, and `--by` that header, write no formula anywhere in the
    workbook (row sheets, breakdown sheets, headers); the bell in a payee does not crash it."""
    ledger = hostile_ledger(tmp_path / "L.csv")
    out = tmp_path / "x.xlsx"
    extra = ["--by", HOSTILE_HEADER] if command == "report" else []
    res = run(command, ledger, "-p", "Wigan", "--out", out, "-q", *extra)
    assert res.exit_code == 0, res.output
    cells = xlsx_cells(out)
    assert [c for c in cells if c[2] == "f"] == []
    assert_nothing_runs([v for _, v, _ in cells if isinstance(v, str)])
    assert not any("\x07" in v for _, v, _ in cells if isinstance(v, str))
    if command == "report":
        assert any(v == "'" + HOSTILE_HEADER for _, v, _ in cells)  # the header, neutralised


def test_control_character_in_a_zip_member_name_writes_xlsx(tmp_path: Path) -> None:
    """A zip member named with a bell: the report workbook is written (the name without it)."""
    ledger = hostile_ledger(tmp_path / "L.csv")
    archive = tmp_path / "z.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("led\x07ger.csv", ledger.read_text(encoding="utf-8"))
    out = tmp_path / "r.xlsx"
    res = run("report", archive, "-p", "Wigan", "--out", out, "-q")
    assert res.exit_code == 0, res.output
    values = [v for _, v, _ in xlsx_cells(out) if isinstance(v, str)]
    assert any("ledger.csv" in v for v in values)
    assert not any("\x07" in v for v in values)


# ---------------------------------------------------------------- family 2: inputs never overwritten

def plain_ledger(path: Path, payees: int = 5) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Supplier Name", "Amount", "Payment Date", "Postcode"])
        for i in range(payees):
            w.writerow([f"Supplier {i} Ltd", "10.00", "01/02/2024", "WN1 1YN"])
    return path


def assert_refused(res, *files: tuple[Path, bytes]) -> None:
    """Exit status 2 (bad usage), a message and no traceback, and every input as it was."""
    assert res.exit_code == errors.EXIT_USAGE, res.output
    assert "never writes over a file it reads" in res.stderr and "Traceback" not in res.output
    for path, before in files:
        assert path.read_bytes() == before


@pytest.mark.parametrize("command", ["classify", "report", "rank", "suppliers"])
def test_out_naming_the_ledger_is_refused(tmp_path: Path, command: str) -> None:
    """`COMMAND L.csv --out L.csv` is refused with exit status 2; the ledger is untouched."""
    ledger = plain_ledger(tmp_path / "L.csv")
    before = ledger.read_bytes()
    res = run(command, ledger, "-p", "Wigan", "--out", ledger)
    assert_refused(res, (ledger, before))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["L.csv"]


def test_out_whose_rejected_sidecar_is_the_ledger_is_refused(tmp_path: Path) -> None:
    """`classify x.rejected.csv --out x.csv` would write the rejected rows over the ledger."""
    ledger = plain_ledger(tmp_path / "x.rejected.csv")
    before = ledger.read_bytes()
    res = run("classify", ledger, "-p", "Wigan", "--out", tmp_path / "x.csv")
    assert_refused(res, (ledger, before))
    assert "rejected rows" in res.stderr
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_out_linked_to_the_ledger_is_refused(tmp_path: Path, link: str) -> None:
    """An --out that is a symbolic or hard link to the ledger is the ledger."""
    ledger = plain_ledger(tmp_path / "L.csv")
    before = ledger.read_bytes()
    out = tmp_path / "out.csv"
    (out.symlink_to if link == "symbolic" else out.hardlink_to)(ledger)
    res = run("classify", ledger, "-p", "Wigan", "--out", out)
    assert_refused(res, (ledger, before))


@pytest.mark.parametrize("option", ["--suppliers", "--postcodes", "--companies", "--charities",
                                    "--respend", "--config"])
def test_out_naming_any_other_input_is_refused(tmp_path: Path, option: str) -> None:
    """Supplier file, postcode directory, registers, re-spend shares, config file: refused
    before anything is read (so the file's content does not matter)."""
    ledger = plain_ledger(tmp_path / "L.csv")
    other = tmp_path / "other.csv"
    other.write_text("anything,at,all\n", encoding="utf-8")
    target = other
    if option == "--config":  # a config file is .toml: an --out can only reach it by a link
        other = tmp_path / "spendkit.toml"
        other.write_text("", encoding="utf-8")
        target = tmp_path / "out.csv"
        target.symlink_to(other)
    before = other.read_bytes()
    command = "report" if option == "--respend" else "classify"
    res = run(command, ledger, "-p", "Wigan", option, other, "--out", target)
    assert_refused(res, (other, before))


def test_suppliers_out_over_the_supplier_file_is_refused_with_a_rename_hint(tmp_path: Path) -> None:
    """The documented round trip writes to a new file: --out naming the --suppliers file is
    refused (exit 2) and the hint says to write a new file and rename it."""
    ledger = plain_ledger(tmp_path / "L.csv")
    sup = tmp_path / "S.csv"
    sup.write_text("Supplier Name,Postcode,Employees\nSupplier 1 Ltd,WN1 1YN,5\n", encoding="utf-8")
    before = sup.read_bytes()
    res = run("suppliers", ledger, "-p", "Wigan", "--suppliers", sup, "--out", sup)
    assert_refused(res, (sup, before))
    assert "new file" in res.stderr and "rename" in res.stderr


@pytest.mark.parametrize("which", ["manifest", "ledger", "peers"])
def test_league_out_over_the_manifest_or_its_files_is_refused(tmp_path: Path, which: str) -> None:
    """A league's manifest, the ledgers it names and its peers' table are inputs too."""
    ledger = plain_ledger(tmp_path / "L.csv")
    peers = tmp_path / "peers.csv"
    peers.write_text("name,local_share\nPeer,12%\n", encoding="utf-8")
    manifest = tmp_path / "m.toml"
    manifest.write_text('peers = "peers.csv"\n[[organisation]]\nname = "Wigan"\nplace = "Wigan"\n'
                        'ledgers = ["L.csv"]\n', encoding="utf-8")
    target = {"manifest": tmp_path / "m.csv", "ledger": ledger, "peers": peers}[which]
    if which == "manifest":
        target.symlink_to(manifest)
    before = {p: p.read_bytes() for p in (ledger, peers, manifest)}
    res = run("league", manifest, "--out", target)
    assert_refused(res, *before.items())


def test_api_classify_and_export_refuses_its_own_ledger(tmp_path: Path) -> None:
    from spendkit import api
    from spendkit.config import Settings
    from spendkit.errors import UsageError

    ledger = plain_ledger(tmp_path / "L.csv")
    with pytest.raises(UsageError):
        api.classify_and_export([ledger], Settings(), out=ledger)


# ---------------------------------------------------------------- the supplier-file round trip

def test_supplier_list_keeps_every_column_the_team_filled(tmp_path: Path) -> None:
    """`suppliers L.csv --suppliers S.csv --out S2.csv`: for every payee S lists, S2 keeps the
    company number, staff, turnover, postcode as typed, and the extra columns (Notes); the
    suppliers S lists that L did not pay stay too; S2 passed back classifies as S does."""
    ledger = plain_ledger(tmp_path / "L.csv")
    sup = tmp_path / "S.csv"
    sup.write_text("Supplier Name,Postcode,Company Number,Employees,Turnover,Notes\n"
                   "Supplier 1 Ltd,wn1 1yn,01234567,5,100000,call Bob\n"
                   "supplier 2 limited,,,300,,big\n"
                   "Never Paid Ltd,WN2 2AA,,7,,old friend\n", encoding="utf-8")
    out = tmp_path / "S2.csv"
    res = run("suppliers", ledger, "-p", "Wigan", "--suppliers", sup, "--out", out)
    assert res.exit_code == 0, res.output
    rows = {r["Supplier Name"]: r for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))}
    one = rows["Supplier 1 Ltd"]
    assert (one["Postcode"], one["Company Number"], one["Employees"], one["Turnover"], one["Notes"]) \
        == ("wn1 1yn", "01234567", "5", "100000", "call Bob")
    assert rows["supplier 2 limited"]["Employees"] == "300" and rows["supplier 2 limited"]["Notes"] == "big"
    assert rows["Never Paid Ltd"]["Notes"] == "old friend" and rows["Never Paid Ltd"]["Employees"] == "7"
    assert rows["Never Paid Ltd"]["spendkit: spend (£)"] == "0.00"
    assert rows["Supplier 0 Ltd"]["Employees"] == "" and rows["Supplier 0 Ltd"]["Notes"] == ""
    first = run("classify", ledger, "-p", "Wigan", "--suppliers", sup, "--format", "json")
    again = run("classify", ledger, "-p", "Wigan", "--suppliers", out, "--format", "json")
    assert json.loads(first.stdout)["size"] == json.loads(again.stdout)["size"]


def test_supplier_list_without_supplier_ids_on_many_payees() -> None:
    """A ledger without supplier ids and with over 127 payees lists them (pandas once failed
    reindexing the empty id table)."""
    import spendkit
    from spendkit.aggregate.supplier_list import supplier_list

    folder = Path(__import__("tempfile").mkdtemp())
    result = spendkit.classify([plain_ledger(folder / "L.csv", 300)], place="Wigan")
    table = supplier_list(result)
    assert len(table) == 300 and (table["Supplier ID"] == "").all()


# ---------------------------------------------------------------- atomic writes

def test_a_failure_renaming_the_second_file_puts_the_first_back(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Both or neither, the rename step the other way round: the classified file was put in
    place, the rejected one fails: the old classified file is back, and no temporary file."""
    ledger = plain_ledger(tmp_path / "L.csv")
    out = tmp_path / "c.csv"
    out.write_text("old classified", encoding="utf-8")
    (tmp_path / "c.rejected.csv").write_text("old rejected", encoding="utf-8")
    real = os.replace

    def flaky(src, dst, *a, **k):
        if Path(dst).name == "c.rejected.csv":
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst, *a, **k)

    monkeypatch.setattr(export.os, "replace", flaky)
    res = run("classify", ledger, "-p", "Wigan", "--out", out)
    monkeypatch.undo()
    assert res.exit_code == errors.EXIT_OUTPUT, res.output
    assert out.read_text(encoding="utf-8") == "old classified"
    assert (tmp_path / "c.rejected.csv").read_text(encoding="utf-8") == "old rejected"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["L.csv", "c.csv", "c.rejected.csv"]


def test_several_report_outs_are_all_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`report --out a.json --out b.csv`: if b.csv cannot be put in place, a.json is not new."""
    ledger = plain_ledger(tmp_path / "L.csv")
    (tmp_path / "a.json").write_text("old", encoding="utf-8")
    real = os.replace

    def flaky(src, dst, *a, **k):
        if Path(dst).name == "b.csv":
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst, *a, **k)

    monkeypatch.setattr(export.os, "replace", flaky)
    res = run("report", ledger, "-p", "Wigan", "--out", tmp_path / "a.json", "--out", tmp_path / "b.csv")
    monkeypatch.undo()
    assert res.exit_code == errors.EXIT_OUTPUT, res.output
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["L.csv", "a.json"]


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temporary_files_are_recognisable_and_stale_ones_are_removed(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Temporary files are named .NAME.spendkit-tmp-PID-XXXX.tmp; the next run over the same
    target removes those of processes that are gone (a kill -9), never a live run's."""
    ledger = plain_ledger(tmp_path / "L.csv")
    stale = tmp_path / f".c.csv.spendkit-tmp-{dead_pid()}-abcd1234.tmp"
    live = tmp_path / f".c.csv.spendkit-tmp-{os.getpid()}-abcd1234.tmp"
    other = tmp_path / ".c.csv.mine.tmp"  # not spendkit's: left alone
    for p in (stale, live, other):
        p.write_text("half", encoding="utf-8")
    seen: list[str] = []
    real = export._write_one

    def spy(frame, path, tmp, sheet, record):
        seen.append(tmp.name)
        return real(frame, path, tmp, sheet, record)

    monkeypatch.setattr(export, "_write_one", spy)
    res = run("classify", ledger, "-p", "Wigan", "--out", tmp_path / "c.csv")
    assert res.exit_code == 0, res.output
    assert all(re.fullmatch(rf"\.c(\.rejected)?\.csv\.spendkit-tmp-{os.getpid()}-\w+\.tmp", n) for n in seen), seen
    assert not stale.exists() and live.exists() and other.exists()


SLOW_WRITE = """
import sys, time
from pathlib import Path
from spendkit.output import export, save

def slow(*args, **kwargs):
    tmp = [a for a in args if isinstance(a, Path)][-1]
    tmp.write_text("half written")
    time.sleep({sleep})

export._write_one = slow
save.save_output = slow
sys.argv = ["spendkit", *sys.argv[1:]]
from spendkit.cli.app import main
main()
"""


@pytest.mark.parametrize("command,sig,status", [("report", signal.SIGTERM, 143), ("report", signal.SIGINT, 130),
                                                ("classify", signal.SIGTERM, 143)])
def test_a_signal_during_the_write_leaves_no_temporary_file(tmp_path: Path, command: str, sig: int,
                                                           status: int) -> None:
    """SIGTERM (a kill, a CI time-out) or Ctrl-C while an output is half written: the run
    ends with 143 or 130, the old output as it was, and no temporary file beside it."""
    ledger = plain_ledger(tmp_path / "L.csv")
    out = tmp_path / "out.csv"
    out.write_text("old", encoding="utf-8")
    sleep = 60 if command == "report" else 2  # classify writes in a thread: it finishes first
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITE.format(sleep=sleep), command, str(ledger),
                             "-p", "Wigan", "--out", str(out), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.csv.spendkit-tmp-*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == status, proc.stderr.read() if proc.stderr else ""
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["L.csv", "out.csv"]


# ---------------------------------------------------------------- family 9: names, pipes

@pytest.mark.parametrize("command,name", [("classify", "a" * 300 + ".csv"), ("report", "a" * 300 + ".xlsx"),
                                          ("classify", "a" * 248 + ".csv")])
def test_a_name_over_the_file_system_limit_is_an_output_error(tmp_path: Path, command: str,
                                                             name: str) -> None:
    """--out with a name too long (or whose rejected-rows file's name would be): exit 6 and a
    message saying so, nothing written; a long name that fits is written."""
    ledger = plain_ledger(tmp_path / "L.csv")
    res = run(command, ledger, "-p", "Wigan", "--out", tmp_path / name, "-q")
    assert res.exit_code == errors.EXIT_OUTPUT, res.output
    assert "longer than the file system allows" in res.stderr and "Traceback" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["L.csv"]
    fits = tmp_path / ("b" * 250 + ".xlsx")
    assert run("report", ledger, "-p", "Wigan", "--out", fits, "-q").exit_code == 0 and fits.exists()


@pytest.mark.parametrize("args", [["rank", "--top", "3000"], ["rank", "--top", "3000", "--format", "csv"],
                                  ["suppliers", "--top", "3000"], ["classify", "--format", "json"],
                                  ["report", "--by", "payee"]])
def test_a_closed_pipe_ends_quietly_with_status_0(tmp_path: Path, args: list[str]) -> None:
    """`spendkit ... | head -1`: exit status 0, nothing on stderr (no traceback, no
    "Exception ignored")."""
    ledger = plain_ledger(tmp_path / "L.csv", 3000)
    proc = subprocess.Popen([sys.executable, "-m", "spendkit", args[0], str(ledger), "-p", "Wigan", *args[1:]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    assert proc.stderr.read() == b""


@pytest.mark.parametrize("args", [["--help"], ["classify", "--help"], ["league", "--help"]])
def test_help_into_a_closed_pipe_ends_quietly_with_status_0(args: list[str]) -> None:
    """`spendkit classify --help | head -1`: Typer's own console meets the closed pipe; exit
    status 0 and nothing on stderr, as for a command's output."""
    env = {**os.environ, "COLUMNS": "80"}
    proc = subprocess.Popen([sys.executable, "-m", "spendkit", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    assert proc.stderr.read() == b""
