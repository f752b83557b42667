"""The reader: files -> RawTable of text cells, on small fixtures shaped like real ledgers.

Every fixture is built here (bytes written to tmp_path); the shapes imitate the
published files described in shared/realdata/README.md (Lambeth, Craven,
Newcastle, Darlington, Gateshead, Oxford...), without copying them.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import spendkit
from spendkit.errors import InputFileError
from spendkit.read import csvfile as read_csv
from spendkit.read.files import read_tables
from spendkit.read.table import RawTable, unique_names


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read_one(path: Path, **kwargs) -> RawTable:
    tables = read_tables(path, **kwargs)
    assert len(tables) == 1
    return tables[0]


def cells(table: RawTable) -> dict[str, list[str]]:
    return table.frame.to_dict("list")


def assert_all_str(table: RawTable) -> None:
    assert all(dtype == "str" for dtype in table.frame.dtypes), table.frame.dtypes


# ---------------------------------------------------------------- encodings

def test_utf8_csv(tmp_path: Path) -> None:
    data = ("Body Name,Paid Date,Amount,Supplier Name\n"
            "Oxford City Council,07/04/2015,1054.11,Café Nero Ltd\n"
            "Oxford City Council,08/04/2015,-0.01,\n")
    t = read_one(write(tmp_path, "oxford.csv", data))
    assert t.encoding == "utf-8"
    assert t.delimiter == ","
    assert t.header_row == 1
    assert t.headers == ["Body Name", "Paid Date", "Amount", "Supplier Name"]
    assert cells(t) == {
        "Body Name": ["Oxford City Council", "Oxford City Council"],
        "Paid Date": ["07/04/2015", "08/04/2015"],
        "Amount": ["1054.11", "-0.01"],
        "Supplier Name": ["Café Nero Ltd", ""],
    }
    assert t.row_numbers.tolist() == [2, 3]
    assert t.blank_rows == 0
    assert t.source == str(tmp_path / "oxford.csv")
    assert t.sheet is None
    assert_all_str(t)


def test_utf8_bom_is_not_part_of_first_header(tmp_path: Path) -> None:
    # Gateshead 2016-07: UTF-8 with BOM, cryptic headers.
    data = ("\ufeffStrgrpcc(T),TransNo,Supplier ID (T),Amount,VAT RegNo\r\n"
            "Communities & Environment,43905637,INSTITUTE OF SWIMMING,540.00,\r\n"
            "Communities & Environment,43914073,HIGHFIELD AWARDING BODY,946.25,928 5243 09\r\n")
    t = read_one(write(tmp_path, "gateshead.csv", data.encode("utf-8")))
    assert t.encoding == "utf-8-sig"
    assert t.headers[0] == "Strgrpcc(T)"
    assert t.frame.columns[0] == "Strgrpcc(T)"
    assert cells(t)["Supplier ID (T)"] == ["INSTITUTE OF SWIMMING", "HIGHFIELD AWARDING BODY"]
    assert cells(t)["VAT RegNo"] == ["", "928 5243 09"]
    assert t.row_numbers.tolist() == [2, 3]


def test_windows_1252_pound_sign_survives(tmp_path: Path) -> None:
    # Craven March 2017: cp1252 (0xB4 acute accent), CRLF, quoted amounts with thousands commas.
    data = ("Body Name,Supplier Name,Payment Date,Amount\r\n"
            "Craven District Council,Neville\u00b4s Kitchen,06/03/2017,\"£1,234.56\"\r\n"
            "Craven District Council,Brenntag Uk Ltd,24/03/2017,696.06\r\n").encode("cp1252")
    assert b"\xa3" in data and b"\xb4" in data  # really single-byte cp1252, not UTF-8
    t = read_one(write(tmp_path, "craven.csv", data))
    assert t.encoding == "cp1252"
    assert cells(t)["Amount"] == ["£1,234.56", "696.06"]
    assert cells(t)["Supplier Name"] == ["Neville´s Kitchen", "Brenntag Uk Ltd"]


def test_cp1252_curly_apostrophe(tmp_path: Path) -> None:
    # Bradford 2019-12: 'Children’s' written with 0x92.
    data = b"Service Label,Supplier Name,Net Amount\nChildren\x92s Services,ACME LTD,10.00\n"
    t = read_one(write(tmp_path, "bradford.csv", data))
    assert cells(t)["Service Label"] == ["Children\u2019s Services"]


# ---------------------------------------------------------------- delimiters and shapes

@pytest.mark.parametrize(("delimiter", "amount"), [
    (",", '"1,234.56"'),
    (";", "1,234.56"),
    ("\t", "1,234.56"),
    ("|", "1,234.56"),
])
def test_delimiters(tmp_path: Path, delimiter: str, amount: str) -> None:
    lines = [["Supplier Name", "Payment Date", "Amount", "Service Area"],
             ['"Smith, Jones & Co"' if delimiter == "," else "Smith, Jones & Co", "03/04/2024",
              amount, "Adults"],
             ["ACME LTD", "04/04/2024", "99.00", "Children, Young People"
              if delimiter != "," else '"Children, Young People"']]
    data = "\n".join(delimiter.join(r) for r in lines) + "\n"
    t = read_one(write(tmp_path, "ledger.csv", data))
    assert t.delimiter == delimiter
    assert t.headers == ["Supplier Name", "Payment Date", "Amount", "Service Area"]
    assert cells(t) == {
        "Supplier Name": ["Smith, Jones & Co", "ACME LTD"],
        "Payment Date": ["03/04/2024", "04/04/2024"],
        "Amount": ["1,234.56", "99.00"],
        "Service Area": ["Adults", "Children, Young People"],
    }
    assert t.row_numbers.tolist() == [2, 3]


def test_quoted_field_with_embedded_newline_keeps_spreadsheet_row_numbers(tmp_path: Path) -> None:
    data = ("Supplier Name,Address,Amount\r\n"
            "ACME LTD,\"Unit 4\r\nWigan Road\",100.00\r\n"
            "B LTD,\"1 High St\",200.00\r\n"
            "C LTD,,300.00\r\n")
    t = read_one(write(tmp_path, "ledger.csv", data))
    assert cells(t)["Address"] == ["Unit 4\r\nWigan Road", "1 High St", ""]
    assert cells(t)["Amount"] == ["100.00", "200.00", "300.00"]
    # A spreadsheet shows one row per record, however many lines the record spans.
    assert t.row_numbers.tolist() == [2, 3, 4]


def test_cr_only_line_endings_with_pivot_title(tmp_path: Path) -> None:
    # Lambeth 2011-11: CR-only (old Mac) line endings, pivot-table title row above the header.
    data = ("Sum of Invoice Nett Amount,\r"
            "Supplier Name,Total\r"
            "Transport Trading Limited,2837397.00\r"
            "Engage Lambeth Limited,2069817.84\r"
            "\"Weybourne Residential Care Home, Avante Partnership\",1992.37\r"
            "Grand Total,6909207.21\r")
    t = read_one(write(tmp_path, "2011-11-payments.csv", data))
    assert t.header_row == 2
    assert t.headers == ["Supplier Name", "Total"]
    assert cells(t) == {
        "Supplier Name": ["Transport Trading Limited", "Engage Lambeth Limited",
                          "Weybourne Residential Care Home, Avante Partnership", "Grand Total"],
        "Total": ["2837397.00", "2069817.84", "1992.37", "6909207.21"],
    }
    assert t.row_numbers.tolist() == [3, 4, 5, 6]


def test_pivot_title_row_and_padded_cells(tmp_path: Path) -> None:
    # Lambeth 2011-02: a pivot title row, and every cell padded with spaces.
    data = (" Sum of Invoice Nett Amount ,\n"
            " Supplier Name , Total\n"
            " 16 Plus Independent Living Project ,3562.12\n"
            " 198 Contemporary Arts & Learning Ltd ,26939.00\n")
    t = read_one(write(tmp_path, "2011-02-payments.csv", data))
    assert t.header_row == 2
    assert t.headers == ["Supplier Name", "Total"]  # header cells are trimmed
    # data cells are left as written: tidying is normalise's job
    assert cells(t)["Supplier Name"] == [" 16 Plus Independent Living Project ",
                                         " 198 Contemporary Arts & Learning Ltd "]
    assert t.row_numbers.tolist() == [3, 4]


LAMBETH_2012_06 = (
    "Lambeth Invoices Over Specified Nett Amount,,,,,\n"
    ",,,,,\n"
    "Report Date:\u2020 02/07/2012\u2020 16:59:18,,,,,\n"
    ",,,,,\n"
    "Parameters: ,,,,,\n"
    "Invoice Approval Date From:\u2020 01-JUN-2012,,,,,\n"
    "Invoice Approval Date To:\u2020 \u2020 \u2020 30-JUN-2012,,,,,\n"
    "Invoice Threshold Nett Amt:\u2020 \u2020 500,,,,,\n"
    ",,,,,\n"
    "Body,Department,Supplier Name,Invoice Creation Date,Invoice Nett Amount,Subj Description\n"
    "Lambeth,Adults' and Community Services,170 Community Project,08/06/2012,1534.24,"
    "FLOATING SUPPORT SERVICES\n"
    "Lambeth,Children and Young People's Service,198 Contemporary Arts & Learning Ltd,06/06/2012,"
    "1750.00,GRANTS\n"
    "Lambeth,Housing,Lambeth Living Ltd,25/06/2012900,MANAGEMENT FEE,\n"
    ",,,,,\n"
    "Total,,,,40292334.84,\n"
)


def test_nine_preamble_lines_with_dagger_padding(tmp_path: Path) -> None:
    t = read_one(write(tmp_path, "2012-06-payments.csv", LAMBETH_2012_06))
    assert t.header_row == 10
    assert t.headers == ["Body", "Department", "Supplier Name", "Invoice Creation Date",
                         "Invoice Nett Amount", "Subj Description"]
    assert cells(t)["Supplier Name"] == ["170 Community Project",
                                         "198 Contemporary Arts & Learning Ltd",
                                         "Lambeth Living Ltd", ""]
    # the broken row (date and amount fused) is kept as written, for normalise to reject
    assert cells(t)["Invoice Creation Date"][2] == "25/06/2012900"
    assert cells(t)["Body"][-1] == "Total"
    assert t.blank_rows == 1  # the ",,,,," line between the data and the total
    assert t.row_numbers.tolist() == [11, 12, 13, 15]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_blank_lines_in_body(tmp_path: Path, newline: str) -> None:
    lines = ["Supplier Name,Amount", "A LTD,1.00", "", "B LTD,2.00", ",", "", "C LTD,3.00", ""]
    t = read_one(write(tmp_path, "ledger.csv", newline.join(lines)))
    assert cells(t) == {"Supplier Name": ["A LTD", "B LTD", "C LTD"],
                        "Amount": ["1.00", "2.00", "3.00"]}
    # the rows a spreadsheet shows: header 1, A 2, blank 3, B 4, "," 5, blank 6, C 7
    assert t.row_numbers.tolist() == [2, 4, 7]
    assert t.blank_rows == 3


def test_ragged_rows_keep_extra_trailing_value(tmp_path: Path) -> None:
    # Newcastle 2022-08: 10 headers, rows of 10 or 11 fields (a stray '#N/A' or "Don’t Redact").
    header = ("Directorate,Service Area,Group Description,Paid Date,Supplier Name,Internal Ref,"
              "Cap/Rev,Cost Centre,Cost Centre Name,Total (excludes VAT)")
    data = (header + "\n"
            "ASC,Adult Social Care,Revenue Expenditure,2022-08-02,18 SEA VIEW VILLAS,8663068,"
            "revenue,1MK34,Shared Lives - Adult LD,1847.04,#N/A\n"
            "ASC,Adult Social Care,Revenue Expenditure,2022-08-03,ACME LTD,8663069,"
            "revenue,1MK34,Shared Lives - Adult LD,12.50\n"
            "ASC,Adult Social Care,Revenue Expenditure,2022-08-04,B LTD,8663070,"
            "revenue,1MK34,Shared Lives - Adult LD,99.00,Don\u2019t Redact\n")
    t = read_one(write(tmp_path, "newcastle.csv", data))
    assert len(t.headers) == 10
    assert list(t.frame.columns)[-1] == "Column 11"
    assert cells(t)["Column 11"] == ["#N/A", "", "Don\u2019t Redact"]
    assert cells(t)["Total (excludes VAT)"] == ["1847.04", "12.50", "99.00"]
    assert any("Column 11" in n for n in t.notes)
    assert t.row_numbers.tolist() == [2, 3, 4]


def test_duplicate_header_names_made_unique(tmp_path: Path) -> None:
    # Craven March 2017: the code and its description share a header.
    data = ("Body Name,Transaction No,Supplier ID,Supplier Name,Payment Date,Account Code,"
            "Account Code,Cost Centre Code,Cost Centre Code,Amount\r\n"
            "Craven District Council,57011389,10065,Harrogate Borough Council,06/03/2017,2280,"
            "Miscellaneous,R255,Development Control,\"1,000.00\"\r\n")
    t = read_one(write(tmp_path, "craven.csv", data))
    assert list(t.frame.columns) == [
        "Body Name", "Transaction No", "Supplier ID", "Supplier Name", "Payment Date",
        "Account Code", "Account Code (2)", "Cost Centre Code", "Cost Centre Code (2)", "Amount"]
    assert t.headers.count("Account Code") == 2  # the header as written is kept
    assert cells(t)["Account Code"] == ["2280"]
    assert cells(t)["Account Code (2)"] == ["Miscellaneous"]
    assert cells(t)["Amount"] == ["1,000.00"]


def test_unique_names_never_collide() -> None:
    assert unique_names(["A", "A", "A (2)"]) == ["A", "A (2)", "A (2) (2)"]
    assert unique_names(["", "Column 1", "x"]) == ["Column 1", "Column 1 (2)", "x"]
    assert unique_names(["A", "A", "A"]) == ["A", "A (2)", "A (3)"]


def test_two_unnamed_leading_columns(tmp_path: Path) -> None:
    # Darlington 2022-09.
    data = (",,Directotate,Service,Supplier,Transaction Number,Transaction Date,"
            "Invoice Line Value (net of VAT),Account\n"
            "INSERTED DETAIL,,Balance Sheet,Balance Sheet,AVC WISE LTD,55515058,2022-08-25,555.72,"
            "General Debits\n"
            "INSERTED DETAIL,,Balance Sheet,Balance Sheet,DARLINGTON CREDIT UNION LIMITED,11152576,"
            "2022-09-01,19731.07,General Debits\n")
    t = read_one(write(tmp_path, "darlington.csv", data))
    assert t.header_row == 1
    assert list(t.frame.columns)[:3] == ["Column 1", "Column 2", "Directotate"]
    assert t.headers[:2] == ["", ""]
    assert cells(t)["Column 1"] == ["INSERTED DETAIL", "INSERTED DETAIL"]
    assert cells(t)["Column 2"] == ["", ""]
    assert cells(t)["Supplier"] == ["AVC WISE LTD", "DARLINGTON CREDIT UNION LIMITED"]


# ---------------------------------------------------------------- fast path == fallback path

CLEAN = ("Body Name,Supplier Name,Payment Date,Amount,Description\r\n"
         "Wigan Council,\"Smith, Jones & Co\",03/04/2024,\"1,234.56\",\"a \"\"quoted\"\" word\"\r\n"
         "Wigan Council,Café Nero Ltd,04/04/2024,-12.00,\"two\nlines\"\r\n"
         "Wigan Council,ACME LTD,05/04/2024,,\r\n"
         "Wigan Council,Ä B C Ltd,06/04/2024,0.01,plain\r\n")


def test_arrow_and_csv_module_paths_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "clean.csv", CLEAN)

    def no_fallback(*args, **kwargs):
        raise AssertionError("clean data should be read by the pyarrow path")

    with monkeypatch.context() as m:
        m.setattr(read_csv, "_python_body", no_fallback)
        fast = read_one(path)
    with monkeypatch.context() as m:
        m.setattr(read_csv, "_arrow_body", lambda *a, **k: None)  # force the fallback
        slow = read_one(path)

    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    np.testing.assert_array_equal(fast.row_numbers, slow.row_numbers)
    assert fast.row_numbers.tolist() == [2, 3, 4, 5]
    assert fast.frame["Description"].tolist() == ['a "quoted" word', "two\nlines", "", "plain"]
    assert (fast.headers, fast.header_row, fast.blank_rows, fast.encoding, fast.delimiter) == \
        (slow.headers, slow.header_row, slow.blank_rows, slow.encoding, slow.delimiter)
    assert_all_str(fast)
    assert_all_str(slow)


def test_private_body_readers_agree() -> None:
    header = ["Body Name", "Supplier Name", "Payment Date", "Amount", "Description"]
    offset = CLEAN.index("\r\n") + 2
    fast = read_csv._arrow_body(CLEAN[offset:], header, ",", "utf-8", CLEAN.encode(), offset)
    slow = read_csv._python_body(CLEAN, ",", 0, header)
    assert fast is not None
    pd.testing.assert_frame_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1], slow[1])
    assert fast[1].tolist() == [0, 1, 2, 3]


def test_ragged_body_falls_back_from_arrow() -> None:
    body = "A,1\nB,2,extra\n"
    assert read_csv._arrow_body(body, ["Supplier Name", "Amount"], ",", "utf-8", b"", 0) is None
    frame, numbers, _ = read_csv._python_body("Supplier Name,Amount\n" + body, ",", 0,
                                          ["Supplier Name", "Amount"])
    assert frame.to_dict("list") == {0: ["A", "B"], 1: ["1", "2"], 2: ["", "extra"]}
    assert numbers.tolist() == [0, 1]


def test_preamble_and_title_rows_read_the_same_by_both_paths(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = ("Sum of Invoice Nett Amount,\n" "Supplier Name,Total\n"
            + "".join(f"Supplier {i} Ltd,{i}.50\n" for i in range(50)))
    path = write(tmp_path, "pivot.csv", data)
    fast = read_one(path)
    monkeypatch.setattr(read_csv, "_arrow_body", lambda *a, **k: None)
    slow = read_one(path)
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert fast.row_numbers.tolist() == slow.row_numbers.tolist() == list(range(3, 53))


# ---------------------------------------------------------------- workbooks

def workbook_bytes(*, noisy_float: bool = False) -> bytes:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes["A1"] = "Payments over £500 published under the Local Government Transparency Code."
    notes["A2"] = "Contact: transparency@example.gov.uk"
    data = wb.create_sheet("Payments")
    data.append(["Wigan Council: payments to suppliers"])
    data.append(["Period: April 2024"])
    data.append(["Supplier Name", "Payment Date", "Amount", "Service Area"])
    data.append(["ACME LTD", dt.datetime(2024, 4, 3), 1234.56, "Adults"])
    data.append(["B & Q PLC", dt.date(2024, 4, 5), 1000.0, "Children"])
    data.append(["C LTD", dt.datetime(2024, 4, 5, 10, 30), 999.99, None])
    data.append([])
    data.append(["Total", None, 3234.55, None])
    lookup = wb.create_sheet("Lookup")
    lookup.sheet_state = "hidden"
    lookup.append(["Supplier Name", "Amount", "Payment Date"])
    for i in range(30):  # bigger than the data sheet: must still not be chosen while hidden
        lookup.append([f"Hidden {i}", i, "2024-01-01"])
    buf = io.BytesIO()
    wb.save(buf)
    raw = buf.getvalue()
    if not noisy_float:
        return raw
    # Excel writes full doubles (3703.6800000000003); openpyxl rounds, so patch the XML.
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                assert b"<v>999.99</v>" in body
                body = body.replace(b"<v>999.99</v>", b"<v>3703.6800000000003</v>")
            dst.writestr(info, body)
    return out.getvalue()


def test_xlsx_picks_data_sheet_below_title_rows(tmp_path: Path) -> None:
    t = read_one(write(tmp_path, "payments.xlsx", workbook_bytes()))
    assert t.sheet == "Payments"
    assert t.header_row == 3
    assert t.headers == ["Supplier Name", "Payment Date", "Amount", "Service Area"]
    assert cells(t) == {
        "Supplier Name": ["ACME LTD", "B & Q PLC", "C LTD", "Total"],
        "Payment Date": ["2024-04-03", "2024-04-05", "2024-04-05 10:30:00", ""],
        "Amount": ["1234.56", "1000", "999.99", "3234.55"],
        "Service Area": ["Adults", "Children", "", ""],
    }
    # rows as Excel numbers them: data from row 4, the blank row 7 dropped, Total on row 8
    assert t.row_numbers.tolist() == [4, 5, 6, 8]
    assert t.blank_rows == 1
    assert any("Payments" in n for n in t.notes)
    assert_all_str(t)


def test_xlsx_numbers_without_float_noise(tmp_path: Path) -> None:
    t = read_one(write(tmp_path, "payments.xlsx", workbook_bytes(noisy_float=True)))
    assert cells(t)["Amount"] == ["1234.56", "1000", "3703.68", "3234.55"]


def test_xlsx_sheet_option_selects_named_sheet(tmp_path: Path) -> None:
    path = write(tmp_path, "payments.xlsx", workbook_bytes())
    t = read_one(path, sheet="Lookup")
    assert t.sheet == "Lookup"
    assert t.header_row == 1
    assert len(t.frame) == 30
    assert cells(t)["Amount"][:3] == ["0", "1", "2"]
    assert read_one(path, sheet="Payments").row_numbers.tolist() == [4, 5, 6, 8]


def test_xlsx_unknown_sheet_lists_sheets(tmp_path: Path) -> None:
    path = write(tmp_path, "payments.xlsx", workbook_bytes())
    with pytest.raises(InputFileError) as err:
        read_tables(path, sheet="April")
    msg = str(err.value)
    assert "payments.xlsx" in msg
    assert "'April'" in msg
    assert "Notes, Payments, Lookup" in msg


def test_sheet_option_on_csv_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "ledger.csv", "Supplier Name,Amount\nA,1\n")
    with pytest.raises(InputFileError, match=r"ledger\.csv.*no sheets"):
        read_tables(path, sheet="Payments")


# ---------------------------------------------------------------- zips and broken files

def zip_bytes(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in members.items():
            z.writestr(name, text)
    return buf.getvalue()


def test_zip_with_one_csv(tmp_path: Path) -> None:
    # Trafford publishes its supplier spend as a zip holding one CSV.
    text = ("OrganisationLabel,BeneficiaryName,PaymentDate,Amount\r\n"
            "Trafford Council,VLC (Stairlifts) Limited,2026-05-29,742.50\r\n"
            "Trafford Council,Redacted,2026-05-29,-12.00\r\n")
    path = write(tmp_path, "file.zip", zip_bytes({"member.csv": text, "__MACOSX/": ""}))
    t = read_one(path)
    assert t.source == f"{path}!member.csv"
    assert t.source.endswith("file.zip!member.csv")
    assert cells(t)["BeneficiaryName"] == ["VLC (Stairlifts) Limited", "Redacted"]
    assert t.row_numbers.tolist() == [2, 3]


def test_zip_without_tables(tmp_path: Path) -> None:
    path = write(tmp_path, "docs.zip", zip_bytes({"readme.md": "hello"}))
    with pytest.raises(InputFileError, match=r"docs\.zip.*no CSV"):
        read_tables(path)


def test_truncated_zip(tmp_path: Path) -> None:
    good = zip_bytes({"member.csv": "Supplier Name,Amount\n" + "ACME LTD,1.00\n" * 200})
    path = write(tmp_path, "broken.zip", good[: len(good) // 2])
    with pytest.raises(InputFileError) as err:
        read_tables(path)
    assert "broken.zip" in str(err.value)
    assert "damaged" in str(err.value)


def test_zip_with_corrupt_member_data(tmp_path: Path) -> None:
    good = bytearray(zip_bytes({"member.csv": "Supplier Name,Amount\n" + "ACME LTD,1.00\n" * 200}))
    start = 30 + len("member.csv")  # the compressed data follows the local file header
    for i in range(start, start + 20):
        good[i] ^= 0xFF
    path = write(tmp_path, "corrupt.zip", bytes(good))
    with pytest.raises(InputFileError) as err:
        read_tables(path)
    assert "corrupt.zip" in str(err.value)


@pytest.mark.parametrize("content", [b"", b"\n\r\n  \n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, "empty.csv", content)
    with pytest.raises(InputFileError, match=r"empty\.csv: the file is empty"):
        read_tables(path)


def test_binary_junk_named_csv(tmp_path: Path) -> None:
    junk = bytes((i * 37 + 11) % 256 for i in range(4096))
    path = write(tmp_path, "payments.csv", junk)
    with pytest.raises(InputFileError, match=r"payments\.csv.*binary"):
        read_tables(path)


def test_missing_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "ledger-2024-04.csv"
    with pytest.raises(InputFileError, match=r"ledger-2024-04\.csv: no such file"):
        read_tables(path)


def test_folder_is_not_a_ledger(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="folder"):
        read_tables(tmp_path)


@pytest.mark.parametrize("module", sorted(p.stem for p in Path(spendkit.__file__).parent.glob("*.py")
                                          if p.stem != "__main__"))
def test_every_module_can_be_imported_first(module: str) -> None:
    """A notebook may import any module first (read_csv before read): no import cycle breaks."""
    done = subprocess.run([sys.executable, "-c", f"import spendkit.{module}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
