"""Safe exports: nothing spendkit writes for a spreadsheet runs as a formula.

Text beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return (also behind control
characters) is written with a leading apostrophe in CSV and XLSX output; numbers stay
numbers, negative ones included. Parquet is data, not a spreadsheet: it keeps the text as is.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from spendkit.cli import app
from spendkit.errors import OutputError
from spendkit.output import export

RISKY = ["=SUM(A1:A9)", '=HYPERLINK("http://example.invalid","Click")', "+44 cmd", "-2+3",
         "@SUM(1)", "\tTabbed", "\rReturn", "=cmd|' /C calc'!A0", "\x01=hidden", "-"]
TEXT_COLUMNS = ["payee", "department", "geography_evidence"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def runs(value: str) -> bool:
    """Would a spreadsheet run this cell? (What the neutralising must prevent.)"""
    stripped = value.lstrip("".join(map(chr, range(1, 32))).replace("\t", "").replace("\r", ""))
    return stripped[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(stripped)


def _number(text: str) -> bool:
    import re

    return re.fullmatch(r"[+-]?[0-9,]*\.?[0-9]+", text) is not None


def frame() -> pd.DataFrame:
    n = len(RISKY)
    return pd.DataFrame({
        "=HYPERLINK(\"x\")": pd.Series(RISKY, dtype="str"),  # a ledger's own hostile header
        "payee": pd.Series(RISKY, dtype="str"),
        "department": pd.Series(RISKY[::-1], dtype="str"),
        "geography_evidence": pd.Series(RISKY, dtype="str"),
        "category_col": pd.Series(RISKY, dtype="category"),
        "amount_pence": pd.Series([-1234 * (i + 1) for i in range(n)], dtype="int64"),
        "plain_negative_text": pd.Series(["-5.00"] * n, dtype="str"),
        "payment_date": pd.Series([pd.NaT] * n, dtype="datetime64[ns]"),
    })


def test_csv_cells_are_neutralised(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    export.write_table(frame(), out)
    rows = read_csv(out)
    header = list(rows[0])
    assert header[0] == "'=HYPERLINK(\"x\")"
    for row in rows:
        for col in [*TEXT_COLUMNS, "category_col", header[0]]:
            assert not runs(row[col]), (col, row[col])
            assert row[col].startswith("'"), (col, row[col])  # every RISKY value is risky
        assert row["plain_negative_text"] == "-5.00"  # a number, left alone
        assert row["amount"].startswith("-") and float(row["amount"]) < 0
        assert int(row["amount_pence"]) < 0
    # the text itself is kept after the apostrophe
    assert [r["payee"] for r in rows] == ["'" + v for v in RISKY]


def test_xlsx_cells_are_neutralised_and_never_formulas(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    export.write_table(frame(), out, sheet="Rows")
    sheet = openpyxl.load_workbook(out)["Rows"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "'=HYPERLINK(\"x\")"
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    col = {name: i for i, name in enumerate(header)}
    for row in sheet.iter_rows(min_row=2):
        for name in [*TEXT_COLUMNS, "category_col"]:
            value = row[col[name]].value
            assert isinstance(value, str) and not runs(value), (name, value)
        amount = row[col["amount"]]
        assert amount.data_type == "n" and amount.value < 0  # negative numbers stay numbers
        assert row[col["amount_pence"]].data_type == "n" and row[col["amount_pence"]].value < 0
    # a control character before '=' is dropped (XML cannot hold it), and the '=' neutralised
    payees = [r[col["payee"]].value for r in sheet.iter_rows(min_row=2)]
    assert "'=hidden" in payees


def test_parquet_keeps_text_as_data(tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    export.write_table(frame(), out)
    table = pq.read_table(out).to_pandas()
    assert list(table["payee"]) == RISKY


def test_xlsx_cell_and_sheet_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    long = pd.DataFrame({"payee": pd.Series(["x" * 40000, "ok"], dtype="str"),
                         "amount_pence": pd.Series([1, 2], dtype="int64")})
    out = tmp_path / "long.xlsx"
    export.write_table(long, out)
    cell = openpyxl.load_workbook(out).active["A2"].value
    assert len(cell) == export.XLSX_MAX_CELL and cell.endswith("…")
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 2)
    with pytest.raises(OutputError, match="more than an Excel sheet holds"):
        export.write_table(long, tmp_path / "too_many.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.xlsx"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_cli_output_is_safe_end_to_end(tmp_path: Path, suffix: str) -> None:
    ledger = tmp_path / "ledger.csv"
    rows = [["Supplier Name", "Net Amount", "Payment Date", "Postcode", "Service Area"]]
    rows += [[v, f"-{i + 1}.50", "01/02/2024", "WN1 1YN", RISKY[-1 - i]] for i, v in enumerate(RISKY)]
    rows += [["Rejected =1+1", "N/A", "01/02/2024", "=cmd", "=2+2"]]
    with ledger.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    out = tmp_path / f"classified{suffix}"
    result = CliRunner().invoke(app, ["classify", str(ledger), "--place", "Wigan", "--out", str(out),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    rec = json.loads(result.stdout)["reconciliation"]
    assert rec["rows_counted"] == len(RISKY) and rec["rows_rejected"] == 1
    rejected = out.with_name(f"classified.rejected{suffix}")
    for path in (out, rejected):
        if suffix == ".csv":
            cells = [v for row in read_csv(path) for v in row.values()]
        else:
            sheet = openpyxl.load_workbook(path).active
            assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
            cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
            if path == out:
                header = [c.value for c in sheet[1]]
                amounts = [r[header.index("amount")] for r in sheet.iter_rows(min_row=2)]
                assert all(c.data_type == "n" and c.value < 0 for c in amounts)
        unsafe = [c for c in cells if runs(c)]
        assert unsafe == [], (path.name, unsafe)
