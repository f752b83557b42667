"""reference.suppliers: reading a supplier file, joining it to ledger rows (supplier id first,
then the normalised name), and taking its facts per row."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from spendkit.errors import InputFileError, SpendkitError
from spendkit.normalise.values import name_key
from spendkit.reference.suppliers import (
    SupplierFile,
    join_suppliers,
    load_suppliers,
    supplier_facts,
)

FILE = """Supplier ID,Supplier Name,Address,Postcode,Company Number,Charity Number,Legal Form,Employees,Turnover
S1,Acme Plumbing Ltd,"1 High Street, Wigan, WN1 1YN",WN1 1YN,01234567,,Private limited company,4,150000
S2,Bolt Engineering Limited,"2 Mill Lane, Bolton, BL1 1RU",,,,,,
S3,Hope Trust,,TBC,,1234567,Charity,,
S1,Acme Plumbing (duplicate row),,M1 1AA,,,,999,
,Nameonly Supplies Ltd,,N1 2UD,,,,,
"""


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def suppliers(tmp_path: Path) -> SupplierFile:
    return load_suppliers(write(tmp_path, "suppliers.csv", FILE))


def ledger(*rows: tuple[str, str]) -> pd.DataFrame:
    """(supplier_id, payee) -> the ledger columns the join reads."""
    frame = pd.DataFrame(rows, columns=["supplier_id", "payee"])
    frame["payee_key"] = name_key(frame["payee"])
    return frame


def test_load_reads_the_columns_of_the_contract(suppliers: SupplierFile, tmp_path: Path) -> None:
    f = suppliers.frame
    assert len(f) == 5
    for col in ("supplier_id", "name", "payee_key", "postcode_raw", "source_row", "company_number",
                "charity_number", "legal_form", "employees", "turnover"):
        assert col in f.columns, col
    assert f["supplier_id"].tolist() == ["S1", "S2", "S3", "S1", ""]
    assert f["company_number"].iloc[0] == "01234567"  # kept as text, leading zero and all
    assert f["employees"].iloc[0] == "4" and f["turnover"].iloc[0] == "150000"
    # A blank Postcode is taken from the end of the Address.
    assert f["postcode_raw"].tolist()[:3] == ["WN1 1YN", "BL1 1RU", "TBC"]
    # Rows are numbered as a spreadsheet numbers them (header on line 1).
    assert f["source_row"].tolist() == [2, 3, 4, 5, 6]
    assert suppliers.info["rows"] == 5
    assert suppliers.info["file"].endswith("suppliers.csv")
    assert suppliers.info["columns"]["supplier_id"] == "Supplier ID"


def test_repeated_ids_give_a_note_and_the_first_row_wins(suppliers: SupplierFile) -> None:
    notes = [n for n in suppliers.info["notes"] if "repeated supplier id" in n]
    assert notes == ["1 repeated supplier id(s): the first row of each is used"]
    rows = ledger(("S1", "Acme Plumbing Ltd"))
    joined = join_suppliers(rows, suppliers)
    assert joined["supplier_row"].tolist() == [0]
    assert supplier_facts(joined, suppliers, "employees").tolist() == ["4"]


def test_no_note_without_repeats(tmp_path: Path) -> None:
    clean = load_suppliers(write(tmp_path, "s.csv", "Supplier ID,Supplier Name,Postcode\nA,X Ltd,WN1 1YN\n"
                                                    "B,Y Ltd,WN1 1YN\n,Z Ltd,\n,W Ltd,\n"))
    assert not any("repeated" in n for n in clean.info["notes"])  # blank ids are not repeats


def test_join_by_id_first_then_by_name(suppliers: SupplierFile) -> None:
    rows = ledger(
        ("S2", "Acme Plumbing Ltd"),       # id says Bolt, name says Acme: the id wins
        ("", "ACME PLUMBING LIMITED"),     # no id: matched on the name key (Ltd = Limited)
        ("X99", "Nameonly Supplies Ltd."),  # an id the file lacks: falls back to the name
        ("", "Somebody Else Ltd"),         # nothing matches
        ("S3", "Hope Trust"),
        ("S2", "Acme Plumbing Ltd"),       # the same pair again: the same answer
    )
    joined = join_suppliers(rows, suppliers)
    assert joined.index.equals(rows.index)
    assert joined["supplier_row"].tolist() == [1, 0, 4, -1, 2, 1]
    assert joined["supplier_match"].astype(str).tolist() == ["supplier id", "name", "name", "", "supplier id",
                                                             "supplier id"]
    assert supplier_facts(joined, suppliers, "postcode_raw").tolist() == \
        ["BL1 1RU", "WN1 1YN", "N1 2UD", "", "TBC", "BL1 1RU"]
    assert supplier_facts(joined, suppliers, "charity_number").tolist() == ["", "", "", "", "1234567", ""]


def test_an_unmatched_payee_stays_unmatched(suppliers: SupplierFile) -> None:
    rows = ledger(("", "Unknown Payee"), ("NOPE", "Another Unknown"), ("", ""))
    joined = join_suppliers(rows, suppliers)
    assert joined["supplier_row"].tolist() == [-1, -1, -1]
    assert set(joined["supplier_match"].astype(str)) == {""}
    for col in ("postcode_raw", "employees", "company_number", "supplier_id"):
        assert supplier_facts(joined, suppliers, col).tolist() == ["", "", ""], col


def test_join_keeps_a_non_default_index(suppliers: SupplierFile) -> None:
    rows = ledger(("S3", "Hope Trust"), ("", "Bolt Engineering Ltd"))
    rows.index = pd.Index([10, 7])
    joined = join_suppliers(rows, suppliers)
    assert joined.index.tolist() == [10, 7]
    assert joined.loc[7, "supplier_row"] == 1 and joined.loc[10, "supplier_row"] == 2
    assert supplier_facts(joined, suppliers, "supplier_id").to_dict() == {10: "S3", 7: "S2"}


def test_an_empty_supplier_file_matches_nothing(tmp_path: Path) -> None:
    empty = load_suppliers(write(tmp_path, "s.csv", "Supplier ID,Supplier Name,Postcode\n"))
    joined = join_suppliers(ledger(("S1", "Acme Plumbing Ltd")), empty)
    assert joined["supplier_row"].tolist() == [-1]


def test_a_workbook_supplier_file(tmp_path: Path) -> None:
    path = tmp_path / "suppliers.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Supplier ID", "Supplier Name", "Postcode", "Employees"])
    sheet.append([101, "Acme Plumbing Ltd", "wn1 1yn", 4])
    book.save(path)
    loaded = load_suppliers(path)
    assert loaded.frame["supplier_id"].tolist() == ["101"]
    joined = join_suppliers(ledger(("101", "Whatever")), loaded)
    assert joined["supplier_row"].tolist() == [0]
    assert supplier_facts(joined, loaded, "employees").tolist() == ["4"]


def test_a_zip_with_two_tables_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "two-tables.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.csv", "Supplier ID,Supplier Name,Postcode\nS1,Firm A Ltd,WN1 1YN\n")
        z.writestr("b.csv", "Supplier ID,Supplier Name,Postcode\nS2,Firm B Ltd,WN1 1YN\n")
    with pytest.raises(InputFileError) as err:
        load_suppliers(path)
    assert "two-tables.zip" in str(err.value) and "one table" in str(err.value)


@pytest.mark.parametrize("case", ["missing", "empty", "binary", "no-columns"])
def test_a_bad_supplier_file_names_the_file(tmp_path: Path, case: str) -> None:
    path = tmp_path / f"bad-{case}.csv"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "binary":
        path.write_bytes(b"\x00\x01\x02\xff" * 200)
    elif case == "no-columns":
        path.write_text("Colour,Shape\nred,square\nblue,circle\n", encoding="utf-8")
    with pytest.raises(SpendkitError) as err:
        load_suppliers(path)
    assert f"bad-{case}.csv" in str(err.value)
    assert type(err.value) is not SpendkitError  # a subclass, with its own exit status
    assert err.value.exit_code in (3, 4)


def test_the_sample_supplier_file(samples: Path) -> None:
    loaded = load_suppliers(samples / "suppliers.csv")
    assert len(loaded.frame) == 220
    assert loaded.frame["supplier_id"].is_unique
    assert not any("repeated" in n for n in loaded.info["notes"])
    # Lost leading zeros are kept as written (the registry join pads them, not this reader).
    assert (loaded.frame["company_number"] != "").sum() == 108
