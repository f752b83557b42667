"""Workbooks of many sheets, headers part-way down and files given twice, counted to the
penny: golden reconciliations of generated fixtures (tests/sheets.py), a property test that
splitting a ledger into sheets or files never changes what is counted, and a real workbook
against an independent sum."""

from __future__ import annotations

import os
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path

import openpyxl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import spendkit
from spendkit.config import Settings
from spendkit.normalise import ledger as ledger_module
from spendkit.normalise.ledger import load_ledgers
from spendkit.read import csvstream
from tests.read.test_sheets import swapped_csv
from tests.sheets import MONTHS, PAYEES, month_workbook, reheader_csv, reheader_xlsx

ROOT = Path(__file__).resolve().parents[2]
REALDATA = Path(os.environ.get("SPENDKIT_REALDATA", ROOT.parent / "shared" / "realdata"))


def reconciliation(path: Path | list[Path], **options) -> tuple[dict, spendkit.Result]:
    result = spendkit.classify(path, place="Wigan", **options)
    return result.summary()["reconciliation"], result


def test_month_workbook_golden_reconciliation(tmp_path: Path) -> None:
    want = month_workbook(tmp_path / "pcc.xlsx")
    rec, result = reconciliation(tmp_path / "pcc.xlsx")
    golden = {"rows_read": 68, "rows_counted": 60, "rows_rejected": 8, "pence_counted": 4_642_194,
              "pence_rejected": 1_250, "blank_rows_skipped": 1, "balanced": True}
    assert {k: rec[k] for k in golden} == golden
    assert (rec["rows_read"], rec["rows_counted"], rec["pence_counted"]) == (
        want.rows_read, want.rows_counted, want.pence_counted)
    counted = result.rows["source_sheet"].astype(str).value_counts().to_dict()
    assert counted == want.sheets and list(want.sheets) == MONTHS
    assert set(result.rows["source_file"].astype(str)) == {f"{tmp_path / 'pcc.xlsx'} [{m}]" for m in MONTHS}
    reasons = result.rejected.set_index(result.rejected["source_sheet"].astype(str))["reason"]
    assert reasons["Aug 18"].startswith("Total Invoice Amount: 'n/a'")
    assert reasons["Nov 18"] == "no payee"
    assert (reasons["Total"] == "totals sheet (£46,421.94, equal to the sum of the other sheets; "
            "not payments)").all()
    total = next(i for i in result.inputs if i["sheet"] == "Total")
    assert total["totals_sheet"] == {"pence": 4_642_194, "other_sheets_pence": 4_642_194, "matches": True}
    assert ("sheet 'Total' is a totals sheet: £46,421.94, equal to the sum of the other sheets; "
            "checked, not counted (its 6 row(s) are rejected as totals)") in total["notes"]


def test_a_totals_sheet_that_does_not_add_up_is_still_not_counted(tmp_path: Path) -> None:
    month_workbook(tmp_path / "pcc.xlsx", totals_off_by=1)
    rec, result = reconciliation(tmp_path / "pcc.xlsx")
    assert (rec["rows_counted"], rec["pence_counted"]) == (60, 4_642_194)
    assert set(result.rejected.loc[result.rejected["source_sheet"] == "Total", "reason"]) == {
        "totals sheet (£46,421.95, not equal to the sum of the other sheets (£46,421.94); not payments)"}


def test_a_named_sheet_is_counted_as_it_is(tmp_path: Path) -> None:
    month_workbook(tmp_path / "pcc.xlsx")
    rec, _ = reconciliation(tmp_path / "pcc.xlsx", sheet=["Total"])  # asked for: a ledger
    assert (rec["rows_counted"], rec["pence_counted"]) == (6, 4_642_194)
    rec, _ = reconciliation(tmp_path / "pcc.xlsx", sheet="Apr 18")  # one name, as a string
    assert rec["rows_counted"] == 4


def test_a_sheet_equal_to_one_other_is_not_a_totals_sheet(tmp_path: Path) -> None:
    """Equal to the sum of the others only counts with two others that hold payments: April
    and June paying the same, beside an empty May, are both counted."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (("Apr", [("Acme Ltd", 12.5)]), ("May", []), ("Jun", [("Beta Ltd", 12.5)])):
        ws = wb.create_sheet(name)
        ws.append(["Supplier Name", "Amount"])
        for row in rows:
            ws.append(row)
    wb.save(tmp_path / "q.xlsx")
    rec, _ = reconciliation(tmp_path / "q.xlsx")
    assert (rec["rows_counted"], rec["pence_counted"], rec["rows_rejected"]) == (2, 2_500, 0)


@pytest.mark.parametrize("build", [reheader_csv, reheader_xlsx])
def test_header_part_way_down_golden_reconciliation(tmp_path: Path, build) -> None:
    path = tmp_path / f"fire.{'csv' if build is reheader_csv else 'xlsx'}"
    want, _ = build(path)
    rec, result = reconciliation(path)
    golden = {"rows_read": 14, "rows_counted": 14, "rows_rejected": 0, "pence_counted": 2_330_111}
    assert {k: rec[k] for k in golden} == golden
    assert (want.rows_read, want.pence_counted) == (14, 2_330_111)
    late = result.rows[result.rows["source_row"] > 8]
    assert late["transaction_id"].tolist()[:2] == ["N0", "N1"]  # read under the new header
    assert late["payment_date"].dt.month.unique().tolist() == [11]


def test_a_csv_streamed_then_met_a_header_is_read_whole(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "swapped.csv"
    swapped_csv(path)
    whole = load_ledgers([path], Settings())
    monkeypatch.setattr(csvstream, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(ledger_module, "CHUNK_ROWS", 4)
    again = load_ledgers([path], Settings())
    assert [len(x.rows) for x in again] == [len(x.rows) for x in whole] == [10, 10]
    assert sum(int(x.rows["amount_pence"].sum()) for x in again) == 10 * 50 + 4500 + 10 * 25 + 4500


def test_a_file_given_twice_is_counted_once_and_said(tmp_path: Path) -> None:
    path = tmp_path / "fire.csv"
    reheader_csv(path)
    once, _ = reconciliation(path)
    twice, result = reconciliation([path, path])
    assert twice == once
    assert f"{path} given 2 times: read once" in result.inputs[0]["notes"]


# ---------------------------------------------------------------- splitting changes nothing

ROWS = st.lists(st.tuples(st.sampled_from([*PAYEES, ""]), st.integers(-10**8, 10**8)),
                min_size=1, max_size=40)


def _write_sheets(path: Path, groups: list[list[tuple[str, int]]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for k, group in enumerate(groups):
        ws = wb.create_sheet(f"Part {k + 1}")
        ws.append(["Supplier Name", "Net Amount"])
        for payee, pence in group:
            ws.append([payee or None, pence / 100])
    wb.save(path)


def _write_csv(path: Path, group: list[tuple[str, int]]) -> None:
    text = "".join(f"{payee},{'-' if pence < 0 else ''}{abs(pence) // 100}.{abs(pence) % 100:02d}\n"
                   for payee, pence in group)
    path.write_text("Supplier Name,Net Amount\n" + text, encoding="utf-8")


def _counted(paths: list[Path]) -> tuple[int, int, int]:
    ledgers = load_ledgers(paths, Settings())
    return (sum(x.info["rows_read"] for x in ledgers), sum(len(x.rows) for x in ledgers),
            sum(int(x.rows["amount_pence"].sum()) for x in ledgers))


@settings(max_examples=25, deadline=None)
@given(rows=ROWS, cuts=st.lists(st.integers(0, 40), max_size=5), as_sheets=st.booleans())
def test_splitting_a_ledger_never_changes_what_is_counted(tmp_path_factory, rows, cuts, as_sheets) -> None:
    """One table, or the same rows cut into sheets of one workbook or into several CSV files:
    the same rows read, rows counted and pence counted (rows with no payee are rejected in
    each). A sheet whose pence equal all the other sheets' is a totals sheet by rule, not
    counted: such a split is left out."""
    bounds = sorted({min(c, len(rows)) for c in cuts} | {0, len(rows)})
    groups = [rows[a:b] for a, b in pairwise(bounds) if b > a]
    sums = [sum(p for name, p in g if name) for g in groups]
    assume(not as_sheets or not any(2 * p == sum(sums) and sum(1 for q in sums if q) >= 3
                                    for p in sums))
    folder = tmp_path_factory.mktemp("split")
    whole = folder / "whole.csv"
    _write_csv(whole, rows)
    if as_sheets:
        parts = [folder / "split.xlsx"]
        _write_sheets(parts[0], groups)
    else:
        parts = [folder / f"part{k}.csv" for k in range(len(groups))]
        for path, group in zip(parts, groups, strict=True):
            _write_csv(path, group)
    want = (len(rows), sum(1 for name, _ in rows if name), sum(p for name, p in rows if name))
    assert _counted([whole]) == want
    assert _counted(parts) == want


# ---------------------------------------------------------------- a real workbook

PCC = REALDATA / "lancashire-pcc" / "pcc-2019-20.xlsx"


def _independent_pence(path: Path) -> tuple[int, int]:
    """(rows, pence) of every sheet, summed with openpyxl: each amount cell's float rounded to
    pence (the float artefacts 9533.910000000003 are Excel's, not the ledger's)."""
    rows = pence = 0
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for ws in book.worksheets:
        cells = list(ws.iter_rows(values_only=True))
        amount = next(j for j, h in enumerate(cells[0]) if h and ("amount" in str(h).lower()
                                                                   or str(h).strip().lower() == "total"))
        for row in cells[1:]:
            if any(c not in (None, "") for c in row):
                rows += 1
                pence += int((Decimal(repr(row[amount])) * 100).quantize(Decimal(1), ROUND_HALF_UP))
    return rows, pence


@pytest.mark.skipif(not PCC.is_file(), reason="the published workbook is not here (SPENDKIT_REALDATA)")
def test_lancashire_pcc_year_is_all_twelve_months_to_the_penny() -> None:
    """Independently: 7,211 rows, £50,267,675.95 (one sheet, the old reading, was 764 rows)."""
    assert _independent_pence(PCC) == (7_211, 5_026_767_595)
    rec, result = reconciliation(PCC)
    assert (rec["rows_read"], rec["rows_counted"], rec["pence_counted"]) == (7_211, 7_211, 5_026_767_595)
    assert result.rows["source_sheet"].nunique() == 12
