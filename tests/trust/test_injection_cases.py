"""Formula injection (issue 14, family 1): ledger text reaches every spreadsheet spendkit writes,
and none of it may run. The convention (src/spendkit/output/export.py, ``safe_text``): text a
spreadsheet would run is written with a leading apostrophe, whatever the column's type
(Categorical too), in headers and in every command's files and CSV on stdout; a workbook
holds no formula cell. Each case states the expected behaviour first."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from make_corpus import csv_rows, unsafe_cells

from tests.trust.hostile import HEADER, cli, export_cells, ledger, ok, safe_export

HYPERLINK = '=HYPERLINK("http://example.invalid/x","Click")'
DDE = "+cmd|' /C calc'!A0"
RISKY = [HYPERLINK, DDE, "@SUM(1)", "-2+3", "=1+1"]


def test_rank_csv_file_writes_formula_payees_behind_an_apostrophe(tmp_path: Path) -> None:
    """`rank --out x.csv`: every payee that would run is written as text behind an apostrophe."""
    path = ledger(tmp_path / "l.csv", RISKY)
    ok(cli("rank", path, "--place", "Wigan", "--out", tmp_path / "r.csv", "--quiet"))
    cells = safe_export(tmp_path / "r.csv", *RISKY)
    assert "'" + HYPERLINK in cells and "'" + DDE in cells


def test_rank_format_csv_on_stdout_is_neutralised(tmp_path: Path) -> None:
    """`rank --format csv`: stdout goes into spreadsheets too; no cell in it runs."""
    path = ledger(tmp_path / "l.csv", RISKY)
    result = cli("rank", path, "--place", "Wigan", "--format", "csv")
    ok(result)
    cells = [c for row in csv_rows(result.stdout) for c in row]
    assert unsafe_cells(cells) == []
    assert "'@SUM(1)" in cells


def test_rank_workbook_every_sheet_is_safe(tmp_path: Path) -> None:
    """`rank --out x.xlsx`: no formula cell and no runnable text on any sheet."""
    path = ledger(tmp_path / "l.csv", RISKY)
    ok(cli("rank", path, "--place", "Wigan", "--out", tmp_path / "r.xlsx", "--quiet"))
    safe_export(tmp_path / "r.xlsx", *RISKY)


def test_report_workbook_with_a_formula_header_keeps_it_as_text(tmp_path: Path) -> None:
    """A ledger header `=HYPERLINK(...)` is written as text (behind an apostrophe) in the
    report workbook's row sheets, never as a live formula."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd", "Bolton Builders"], header=[*HEADER[:-1], HYPERLINK])
    ok(cli("report", path, "--place", "Wigan", "--out", tmp_path / "r.xlsx", "--quiet"))
    cells = safe_export(tmp_path / "r.xlsx", HYPERLINK)
    assert "'" + HYPERLINK in cells


def test_report_breakdown_by_a_formula_column_is_safe(tmp_path: Path) -> None:
    """`report --by` a column whose header and values would run: the breakdown sheets hold
    them as text."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd", "Bolton Builders"], header=[*HEADER[:-1], "=Dept"],
                  department="=2+2")
    ok(cli("report", path, "--place", "Wigan", "--by", "=Dept", "--out", tmp_path / "r.xlsx",
           "--out", tmp_path / "r.csv", "--quiet"))
    safe_export(tmp_path / "r.xlsx", "=Dept", "=2+2")
    safe_export(tmp_path / "r.csv", "=Dept", "=2+2")


def test_report_csv_figures_neutralise_departments(tmp_path: Path) -> None:
    """`report --out x.csv` (the figures as a table): a department `@SUM(1)` is text."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"], department="@SUM(1)")
    ok(cli("report", path, "--place", "Wigan", "--by", "department", "--out", tmp_path / "r.csv",
           "--quiet"))
    cells = safe_export(tmp_path / "r.csv", "@SUM(1)")
    assert "'@SUM(1)" in cells


def test_line_feed_before_equals_is_neutralised_in_csv(tmp_path: Path) -> None:
    """A cell beginning with a line feed before `=` runs in a spreadsheet: written behind an
    apostrophe, the text kept."""
    path = ledger(tmp_path / "l.csv", ["\n=1+1 Ltd"], department="\n@SUM(1)")
    ok(cli("classify", path, "--place", "Wigan", "--out", tmp_path / "c.csv", "--quiet"))
    cells = safe_export(tmp_path / "c.csv", "\n=1+1 Ltd", "\n@SUM(1)")
    assert any(c.startswith("'") and "=1+1 Ltd" in c for c in cells)


def test_line_feed_before_equals_is_neutralised_in_xlsx(tmp_path: Path) -> None:
    """The same in a workbook: no runnable text, no formula cell."""
    path = ledger(tmp_path / "l.csv", ["\n=1+1 Ltd"], department="\n@SUM(1)")
    ok(cli("classify", path, "--place", "Wigan", "--out", tmp_path / "c.xlsx", "--quiet"))
    safe_export(tmp_path / "c.xlsx", "\n=1+1 Ltd", "\n@SUM(1)")


def test_tab_before_equals_is_neutralised(tmp_path: Path) -> None:
    """A leading tab (before `=` or alone) is written behind an apostrophe."""
    path = ledger(tmp_path / "l.csv", ["\t=1+1 Ltd"], department="\t-Dept")
    ok(cli("classify", path, "--place", "Wigan", "--out", tmp_path / "c.csv", "--quiet"))
    safe_export(tmp_path / "c.csv", "\t=1+1 Ltd", "\t-Dept")


def test_spaces_before_equals_are_neutralised(tmp_path: Path) -> None:
    """Spaces before `=`, `+`, `@`: still runnable in some spreadsheets; written behind an
    apostrophe."""
    path = ledger(tmp_path / "l.csv", ["  =1+1 Ltd", " +44 Ltd"], department=" @SUM(1)")
    ok(cli("classify", path, "--place", "Wigan", "--out", tmp_path / "c.csv", "--quiet"))
    safe_export(tmp_path / "c.csv", "  =1+1 Ltd", " +44 Ltd", " @SUM(1)")


def test_categorical_columns_are_neutralised_in_classified_rows(tmp_path: Path) -> None:
    """Departments (a Categorical column) that would run are written behind an apostrophe, in
    the classified file and in the rejected file."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd", "Bolton Builders"], department="=SUM(A1:A9)")
    with path.open("a", encoding="utf-8") as f:
        f.write('T9,Bad Ltd,N/A,01/02/2024,WN1 1YN,"=SUM(A1:A9)"\n')
    ok(cli("classify", path, "--place", "Wigan", "--out", tmp_path / "c.xlsx", "--quiet"))
    for name in ("c.xlsx", "c.rejected.xlsx"):
        assert "'=SUM(A1:A9)" in safe_export(tmp_path / name, "=SUM(A1:A9)")


def test_rejected_file_headers_are_neutralised(tmp_path: Path) -> None:
    """A ledger's own hostile header reaches the rejected file as text too."""
    path = ledger(tmp_path / "l.csv", ["", "Acme Ltd"], header=[*HEADER[:-1], "@Ref"])
    ok(cli("classify", path, "--place", "Wigan", "--out", tmp_path / "c.csv", "--quiet"))
    header = csv_rows((tmp_path / "c.rejected.csv").read_text(encoding="utf-8-sig"))[0]
    assert "'@Ref" in header and "@Ref" not in header


def test_supplier_list_is_neutralised(tmp_path: Path) -> None:
    """`spendkit suppliers --out x.csv` (the file a team fills in and opens in Excel): payee
    names that would run are text behind an apostrophe."""
    path = ledger(tmp_path / "l.csv", RISKY)
    ok(cli("suppliers", path, "--place", "Wigan", "--out", tmp_path / "s.csv"))
    safe_export(tmp_path / "s.csv", *RISKY)


def test_supplier_list_workbook_is_neutralised(tmp_path: Path) -> None:
    """The same as a workbook: no formula cell."""
    path = ledger(tmp_path / "l.csv", RISKY)
    ok(cli("suppliers", path, "--place", "Wigan", "--out", tmp_path / "s.xlsx"))
    safe_export(tmp_path / "s.xlsx", *RISKY)


def test_league_export_neutralises_organisation_names(tmp_path: Path) -> None:
    """`league` from published shares: an organisation named `=cmd|...` is text in the CSV and
    workbook written."""
    shares = tmp_path / "shares.csv"
    shares.write_text(f'name,local_share,sub_regional_share,sme_share,vcfse_share\n"{DDE}",15%,5%,20%,2%\n'
                      "Wigan Council,20%,6%,22%,3%\n", encoding="utf-8")
    ok(cli("league", shares, "--out", tmp_path / "l.csv", "--out", tmp_path / "l.xlsx", "--quiet"))
    safe_export(tmp_path / "l.csv", DDE)
    safe_export(tmp_path / "l.xlsx", DDE)


def test_sheet_names_from_a_ledger_column_are_valid_and_inert(tmp_path: Path) -> None:
    """`report --by` a column named with characters a sheet name cannot hold (`[ ] : * ? / \\`)
    or starting `=`: the workbook is written (exit 0) with legal sheet names, none starting
    with `=`."""
    name = "=Area [b]/x:y*?"
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"], header=[*HEADER[:-1], name])
    ok(cli("report", path, "--place", "Wigan", "--by", name, "--out", tmp_path / "r.xlsx", "--quiet"))
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    for title in book.sheetnames:
        assert not set(title) & set("[]:*?/\\") and not title.startswith("=") and len(title) <= 31
    assert export_cells(tmp_path / "r.xlsx")[1] == []


def test_html_dashboard_escapes_ledger_text(tmp_path: Path) -> None:
    """`report --out x.html`: a payee `<script>...` is shown as text, never run by the browser."""
    payee = '<script>alert("x")</script> Ltd'
    path = ledger(tmp_path / "l.csv", [payee, "<img src=x onerror=alert(1)>"])
    ok(cli("report", path, "--place", "Wigan", "--out", tmp_path / "r.html", "--quiet"))
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<script>alert("x")' not in html and "<img src=x" not in html
