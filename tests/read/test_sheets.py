"""The reader on workbooks of many sheets and on tables whose header appears again part-way
down (fixtures from tests/sheets.py)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from spendkit.errors import InputFileError
from spendkit.read import csvstream
from spendkit.read.files import RestartWhole, distinct_files, iter_tables, read_tables
from spendkit.read.table import split_at_headers
from tests.sheets import MONTHS, NEW_HEADER, OLD_HEADER, month_workbook, reheader_csv, reheader_xlsx


@pytest.fixture()
def months(tmp_path: Path) -> Path:
    path = tmp_path / "pcc.xlsx"
    month_workbook(path)
    return path


def test_every_ledger_sheet_is_read_in_order_and_the_others_are_named(months: Path) -> None:
    tables = read_tables(months)
    assert [t.sheet for t in tables] == [*MONTHS, "Total"]
    notes = tables[0].notes
    assert "read 13 sheets (of 15 visible): 'Apr 18', \"May '18\"" in notes[0]
    for skipped in ("Notes", "Pivot"):
        assert (f"sheet '{skipped}' not read: no header naming a payee and an amount (not a "
                "ledger: notes, a pivot table, a summary or a lookup)") in notes
    assert "hidden sheet(s) not read: 'Lookup'" in notes


def test_each_sheet_keeps_its_own_header_and_row_numbers(months: Path) -> None:
    tables = {t.sheet: t for t in read_tables(months)}
    assert tables["Apr 18"].headers == ["Expenditure Category", "Date", "Total Invoice Amount", "SUPPLIER"]
    assert tables["Oct 18"].headers[:3] == ["* SUPPLIER FINAL", "Date", "TOTAL"]
    assert list(tables["Mar 19"].frame.columns[4:]) == ["Column 5", "Column 6", "Column 7"]
    assert tables["Nov 18"].row_numbers.tolist() == [2, 3, 4, 5, 6, 8]  # row 7 is blank
    assert tables["Nov 18"].blank_rows == 1


def test_sheet_option_reads_the_sheets_named(months: Path) -> None:
    assert [t.sheet for t in read_tables(months, sheet="May '18")] == ["May '18"]
    tables = read_tables(months, sheet=["Mar 19", "Notes", "Mar 19"])
    assert [t.sheet for t in tables] == ["Mar 19", "Notes"]  # named: read as they are, once
    assert tables[0].notes[0] == "read 2 sheets (of 2 visible): 'Mar 19', 'Notes'"


def test_a_missing_sheet_is_named_with_the_sheets_there_are(months: Path) -> None:
    with pytest.raises(InputFileError) as err:
        read_tables(months, sheet=["Apr 18", "April", "Totals"])
    assert "there is no sheet named 'April', 'Totals'" in str(err.value)
    assert "Apr 18" in err.value.hint


def test_a_header_part_way_down_starts_a_new_table_in_csv_and_xlsx(tmp_path: Path) -> None:
    for path, build in ((tmp_path / "fire.csv", reheader_csv), (tmp_path / "fire.xlsx", reheader_xlsx)):
        want, new_at = build(path)
        old, new = read_tables(path)
        assert old.headers == OLD_HEADER and new.headers == NEW_HEADER
        assert old.row_numbers.tolist() == [2, 3, 4, 5, 6, 7]  # row 4 mentions "Supplier Total"
        assert new.header_row == new_at == 8
        assert new.row_numbers.tolist() == [9, 10, 11, 12, 13, 15, 16, 17]  # row 14: header again
        assert new.frame["Amount"].tolist()[0] == "2000.00"  # the amount one column left
        assert f"row {new_at}: a new header; the rows below it are read under it (" \
            "Transaction Number, Date, Subjective Description, Supplier Name, Amount)" in new.notes
        assert "row(s) 14: the header again; read as a header, not a payment" in new.notes
        assert len(old.frame) + len(new.frame) == want.rows_read


def test_a_payment_naming_a_supplier_and_a_total_is_not_a_header(tmp_path: Path) -> None:
    path = tmp_path / "words.csv"
    path.write_text("Supplier Name,Description,Amount\n"
                    "Supplier Total Ltd,Amount paid to supplier,\n"  # no amount, no number: 2 cells named
                    "Acme Ltd,Net amount total,12.00\n", encoding="utf-8")
    [table] = read_tables(path)
    assert table.row_numbers.tolist() == [2, 3]
    assert not [n for n in table.notes if "header" in n]


def swapped_csv(path: Path) -> None:
    """Ten rows, then a header as wide in another order (so pyarrow streams it), ten rows."""
    lines = ["Supplier Name,Date,Amount", *(f"Acme {i} Ltd,01/04/2024,{i}.50" for i in range(10)),
             "Date,Amount,Supplier Name", *(f"02/05/2024,{i}.25,Other {i} Ltd" for i in range(10))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_streamed_csv_with_a_header_part_way_down_is_read_whole(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "swapped.csv"
    swapped_csv(path)
    whole = read_tables(path)
    assert [t.row_numbers.tolist() for t in whole] == [list(range(2, 12)), list(range(13, 23))]
    monkeypatch.setattr(csvstream, "STREAM_MIN_BYTES", 0)
    parts = iter_tables(path, chunk_rows=4)
    assert next(parts).row_numbers.tolist() == [2, 3, 4, 5]  # streamed, until the header is met
    with pytest.raises(RestartWhole):
        list(parts)
    # met in the first part: read whole at once
    assert [t.headers for t in iter_tables(path, chunk_rows=100)] == [t.headers for t in whole]


def test_split_leaves_a_table_without_a_second_header_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("Supplier Name,Amount\nAcme Ltd,1.00\nAmount Ltd,\n", encoding="utf-8")
    [table] = read_tables(path)
    assert split_at_headers(table, lambda row: 9.0) == [table]  # one cell named, whatever the score


def test_a_file_given_twice_is_one_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x"), b.write_text("x")
    (tmp_path / "sub").mkdir()
    again = tmp_path / "sub" / ".." / "a.csv"
    files, notes = distinct_files([a, b, a, again])
    assert files == [a, b]  # same bytes, another file: b is kept
    assert notes == {a: f"{a} given 3 times (also as {again}): read once"}


def test_a_supplier_file_reads_its_one_sheet_most_like_a_list(tmp_path: Path) -> None:
    """every_sheet=False (the supplier file): the sheet whose header names most roles, as
    before, not the sheets of payments beside it."""
    path = tmp_path / "suppliers.xlsx"
    wb = openpyxl.Workbook()
    spend = wb.active
    spend.title = "Spend"
    spend.append(["Supplier", "Amount"])
    spend.append(["Acme Ltd", 10.5])
    lst = wb.create_sheet("Suppliers")
    lst.append(["Supplier Name", "Supplier ID", "Postcode", "Company Number"])
    lst.append(["Acme Ltd", "S1", "WN1 1YN", "01234567"])
    wb.save(path)
    assert [t.sheet for t in read_tables(path)] == ["Spend"]
    [table] = read_tables(path, every_sheet=False)
    assert table.sheet == "Suppliers"
    assert table.notes == ["read sheet 'Suppliers' (of 2 visible)"]


def test_each_table_of_a_split_has_the_columns_its_own_rows_fill(tmp_path: Path) -> None:
    path = tmp_path / "wider.csv"
    # (70 rows first: among the first 60 rows, find_header takes the best-scoring header)
    path.write_text("Supplier Name,Amount,Date\n" + "Acme Ltd,1.00,01/04/2024\n" * 70
                    + "Date,Supplier Name,Amount,Department\n02/05/2024,Beta Ltd,2.00,Fleet\n",
                    encoding="utf-8")
    old, new = read_tables(path)
    assert (len(old.frame), new.header_row, new.row_numbers.tolist()) == (70, 72, [73])
    assert list(old.frame.columns) == ["Supplier Name", "Amount", "Date"]
    assert not [n for n in old.notes if "beyond the header" in n]
    assert list(new.frame.columns) == ["Date", "Supplier Name", "Amount", "Department"]
    assert new.frame.iloc[0].tolist() == ["02/05/2024", "Beta Ltd", "2.00", "Fleet"]


def test_payments_above_a_richer_header_are_read_not_taken_for_a_title(tmp_path: Path) -> None:
    """A short first layout (payee and amount) with payments under it, then a richer header:
    the first is the header and the second a header part-way down; no payment is lost above it."""
    rows = [["Supplier", "Amount"], ["Acme Ltd", "10.00"], ["Beta Ltd", "20.00"],
            ["Transaction Number", "Date", "Subjective Description", "Supplier Name", "Amount"],
            ["T1", "01/04/2024", "Stationery", "Gamma Ltd", "30.00"]]
    path = tmp_path / "two.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    first, second = read_tables(path)
    assert first.header_row == 1 and first.frame["Amount"].tolist() == ["10.00", "20.00"]
    assert second.header_row == 4 and second.frame["Amount"].tolist() == ["30.00"]


def test_a_title_naming_an_amount_is_still_a_title(tmp_path: Path) -> None:
    """A pivot's title ("Sum of Invoice Nett Amount") above its header is not a header."""
    path = tmp_path / "pivot.csv"
    path.write_text("Sum of Invoice Nett Amount,\nSupplier Name,Total\nAcme Ltd,10.00\n", encoding="utf-8")
    [table] = read_tables(path)
    assert table.header_row == 2 and table.row_numbers.tolist() == [3]
