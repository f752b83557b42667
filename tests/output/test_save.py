"""save_output: a report to .json/.csv/.parquet/.xlsx/.html; csv_text's exact amounts."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spendkit.errors import EXIT_OUTPUT, OutputError
from spendkit.output.save import csv_text, save_output
from spendkit.report import build_report

COUNTED_PENCE = 4_021_571_766  # data/samples/README.md


@pytest.fixture(scope="module")
def report(result):
    return build_report(result, by=["month"])


def exact_amount(pence: int) -> str:
    return str((Decimal(pence) / 100).quantize(Decimal("0.01")))


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_json(report, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    save_output(report, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["command"] == "report"
    assert doc["reconciliation"]["pence_counted"] == COUNTED_PENCE
    assert doc["reconciliation"]["balanced"] is True
    assert {k: v["pence"] for k, v in doc["classes"]["geography"].items()} == \
        {k: v["pence"] for k, v in report.class_totals()["geography"].items()}


def test_csv_has_an_exact_amount_next_to_the_pence(report, tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    save_output(report, path)
    rows = read_csv_rows(path)
    assert len(rows) == len(report.long())
    header = list(rows[0])
    assert header[header.index("pence") + 1] == "amount"
    for row in rows:
        assert row["amount"] == exact_amount(int(row["pence"]))
    whole = [r for r in rows if r["by"] == "all" and r["family"] == "geography"]
    assert sum(int(r["pence"]) for r in whole) == COUNTED_PENCE
    assert sum(Decimal(r["amount"]) for r in whole) == Decimal("40215717.66")


def test_parquet_is_the_long_table(report, tmp_path: Path) -> None:
    path = tmp_path / "report.parquet"
    save_output(report, path)
    back = pd.read_parquet(path)
    expected = report.long()
    assert list(back.columns) == list(expected.columns)
    assert back["pence"].dtype == np.int64
    assert back["pence"].tolist() == expected["pence"].tolist()
    assert back["class"].tolist() == expected["class"].tolist()


def test_xlsx_is_a_workbook(report, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "report.xlsx"
    save_output(report, path)
    assert path.read_bytes()[:4] == b"PK\x03\x04"
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        assert "Summary" in wb.sheetnames
    finally:
        wb.close()


def test_html_is_a_dashboard(report, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    save_output(report, path)
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html>")
    assert "£40,215,717.66" in text


def test_suffix_argument_overrides_the_extension(report, tmp_path: Path) -> None:
    path = tmp_path / "report.out"
    save_output(report, path, suffix=".JSON")
    assert json.loads(path.read_text(encoding="utf-8"))["command"] == "report"


def test_unknown_suffix_raises_output_error_and_writes_nothing(report, tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    with pytest.raises(OutputError) as err:
        save_output(report, path)
    assert err.value.exit_code == EXIT_OUTPUT
    assert "'.txt'" in str(err.value)
    assert ".xlsx" in str(err.value) and ".parquet" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_csv_text_amount_columns_formula_safety_and_line_ends() -> None:
    frame = pd.DataFrame({
        "name": ["=HYPERLINK(\"x\")", "Acme", None],
        "pence": np.array([123456, -5, 0], dtype=np.int64),
        "local_pence": pd.array([100, None, -123456789], dtype="Int64"),
        "share": [0.5, 0.25, 0.0],
    })
    text = csv_text(frame)
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["name", "pence", "amount", "local_pence", "local_amount", "share"]
    assert rows[1] == ["'=HYPERLINK(\"x\")", "123456", "1234.56", "100", "1.00", "0.5"]
    assert rows[2] == ["Acme", "-5", "-0.05", "", "", "0.25"]
    assert rows[3] == ["", "0", "0.00", "-123456789", "-1234567.89", "0.0"]
    # the same table gives the same text; the frame given is not changed
    assert csv_text(frame) == text
    assert list(frame.columns) == ["name", "pence", "local_pence", "share"]
