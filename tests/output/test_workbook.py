"""workbook.py: the report workbook opened with openpyxl: sheets, formats, sums, safety."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import spendkit
from spendkit.aggregate import report as R
from spendkit.output.export import GBP_FORMAT
from spendkit.output.workbook import write_report


@pytest.fixture(scope="module")
def book(result, tmp_path_factory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("wb") / "report.xlsx"
    write_report(R.build_report(result, by=["department", "month"]), path)
    assert [p.name for p in path.parent.iterdir()] == ["report.xlsx"]  # no temporary left
    return openpyxl.load_workbook(path)


def _table(ws) -> tuple[list[str], list[tuple]]:
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def test_sheets(book) -> None:
    assert book.sheetnames == [
        "Summary", "Trend by month", "Trend by year",
        "Geography by department", "Size by department", "Sector by department",
        "Geography by month", "Size by month", "Sector by month",
        "Suppliers", "Top by class", "Leakage", "Classified rows", "Rejected rows", "Method"]


def test_breakdown_sheets_sum_to_the_classified_total(book, counted: int) -> None:
    for name in ("Geography by department", "Size by month", "Sector by department"):
        ws = book[name]
        header, rows = _table(ws)
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{len(rows)}"
        spend = header.index("Spend £")
        body, total = rows[:-1], rows[-1]
        assert total[0] == "Total"
        assert round(sum(r[spend] for r in body) * 100) == counted
        assert round(total[spend] * 100) == counted
        cell = ws.cell(row=2, column=spend + 1)
        assert cell.number_format == GBP_FORMAT
        share = header.index(next(h for h in header if h.endswith("share")))
        assert ws.cell(row=2, column=share + 1).number_format == "0.0%"
        assert ws.cell(row=1, column=1).font.bold


def test_geography_sheet_has_the_known_local_figure(book) -> None:
    header, rows = _table(book["Geography by month"])
    local = header.index("Local £")
    assert round(sum(r[local] for r in rows[:-1]) * 100) == 634_423_754
    assert [r[0] for r in rows[:3]] == ["2024-04", "2024-05", "2024-06"]


def test_summary_headline_and_reconciliation(book, result) -> None:
    cells: dict = {}
    for r in book["Summary"].iter_rows(values_only=True):
        if r and r[0]:
            cells.setdefault(r[0], r[1:])  # the first 'Local' is the headline's
    head = result.summary()["headline"]
    assert cells["Local"][0] == head["local_share"]
    assert round(cells["Local"][2] * 100) == head["influenceable_pence"]
    rec = result.summary()["reconciliation"]
    assert cells["Read from the ledgers"][0] == rec["rows_read"]
    assert round(cells["Counted (classified)"][1] * 100) == rec["pence_counted"]
    assert round(cells["Reported"][1] * 100) == rec["pence_counted"]
    assert cells["Reconciles"][0] == "yes"


def test_rows_sheets_and_suppliers(book, result, counted: int) -> None:
    header, rows = _table(book["Classified rows"])
    assert len(rows) == len(result.rows)
    assert sum(r[header.index("amount_pence")] for r in rows) == counted
    assert round(sum(r[header.index("amount")] for r in rows) * 100) == counted
    assert book["Classified rows"].cell(row=2, column=header.index("amount") + 1).number_format == GBP_FORMAT
    assert {r[header.index("in_report")] for r in rows} == {"reported"}
    assert book["Classified rows"].cell(row=2, column=header.index("payment_date") + 1).number_format \
        == "dd/mm/yyyy"
    rej_header, rejected = _table(book["Rejected rows"])
    assert len(rejected) == 6 and "reason" in rej_header
    sup_header, suppliers = _table(book["Suppliers"])
    assert round(suppliers[-1][sup_header.index("Spend £")] * 100) == counted
    method = {r[0]: r[1] for r in book["Method"].iter_rows(values_only=True) if r and r[0]}
    assert method["spendkit version"] and "ONS Postcode Directory" in method["Postcodes"]
    assert method["place.districts"] == '["Wigan"]'


def test_text_that_looks_like_a_formula_is_neutralised(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "Supplier Name,Amount,Payment Date,Postcode,Service Area\n"
        '"=HYPERLINK(""http://x"",""click"")",100.00,01/04/2024,WN1 1YN,+SUM(A1)\n'
        "Plain Ltd,50.00,02/04/2024,M1 1AE,@Adults\n", encoding="utf-8")
    out = tmp_path / "r.xlsx"
    rep = R.build_report(spendkit.classify(ledger, place="Wigan"), by=["department"])
    write_report(rep, out)
    book = openpyxl.load_workbook(out)
    values = [c.value for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [v for v in values if v.startswith(("=", "+", "@"))]
    assert "'=HYPERLINK(\"http://x\",\"click\")" in values and "'+SUM(A1)" in values
    assert all(c.data_type != "f" for ws in book for row in ws.iter_rows() for c in row)
