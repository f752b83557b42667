"""Ledgers of each shape issue 11 names, generated small, read end to end with no mapping: the
columns found (and why), and the reconciliation against sums taken here from the text written
(not spendkit's parser). Plus files that are not ledgers, refused naming what they are."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import spendkit
from spendkit.errors import ColumnError, InputFileError
from tests.helpers import run

PAYEES = ["Acme Ltd", "Bolt Engineering Limited", "Hope Community Interest Company",
          "REDACTED - personal data", "Wigan Athletic Football Club", "Zed Scaffolding",
          "North West Ambulance Service NHS Trust", "Carers Association"]
AMOUNTS = ["1,200.00", "35.50", "-12.00", "999.99", "500.00", "0.01", "10,000.00", "72.10"]


def pence(amounts: list[str]) -> int:
    return sum(int(Decimal(a.replace(",", "")) * 100) for a in amounts)


def body(extra: list[list[str]] | None = None) -> list[list[str]]:
    """Rows of payee, amount, date (and any extra cells per row)."""
    return [[p, a, f"{i + 1:02d}/04/2024", *(extra[i] if extra else [])]
            for i, (p, a) in enumerate(zip(PAYEES, AMOUNTS, strict=True))]


def csv_text(rows: list[list[str]]) -> str:
    return "".join(",".join(f'"{c}"' if "," in c else c for c in r) + "\r\n" for r in rows)


def classify(tmp_path: Path, name: str, text: str) -> tuple[dict, dict]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = spendkit.classify(path, place="Wigan")
    summary = result.summary()
    return summary["reconciliation"], result.inputs[0]


def assert_all_counted(reconciliation: dict) -> None:
    assert reconciliation["rows_read"] == reconciliation["rows_counted"] == len(PAYEES)
    assert reconciliation["pence_counted"] == pence(AMOUNTS) == 1_279_560
    assert reconciliation["balanced"]


@pytest.mark.parametrize("payee_header", ["Name", "Name:  ", "Entity Name"])
def test_payee_headed_plainly(tmp_path: Path, payee_header: str) -> None:
    rec, info = classify(tmp_path, "l.csv", csv_text([[payee_header, "Amount", "Date"], *body()]))
    assert_all_counted(rec)
    assert info["columns"]["payee"] == payee_header.strip()
    assert any(n.startswith(f"payee: '{payee_header.strip()}' (values look like organisation names: ")
               for n in info["notes"])


def test_header_on_the_last_line(tmp_path: Path) -> None:
    rec, info = classify(tmp_path, "l.csv", csv_text([*body(), ["Supplier Name", "Amount", "Date"]]))
    assert_all_counted(rec)
    assert info["header_row"] == len(PAYEES) + 1
    assert "the header is the file's last line (row 9): the rows above it are read under it" in info["notes"]


def test_header_on_the_last_line_keeps_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text(csv_text([*body(), ["Supplier Name", "Amount", "Date"]]), encoding="utf-8")
    rows = spendkit.classify(path, place="Wigan").rows
    assert dict(zip(rows["payee"].astype(str), rows["source_row"], strict=True))["Acme Ltd"] == 1


def test_a_totals_line_at_the_end_is_no_header(tmp_path: Path) -> None:
    text = csv_text([["Supplier Name", "Amount", "Date"], *body(), ["Grand Total", "12,795.60", ""]])
    rec, info = classify(tmp_path, "l.csv", text)
    assert info["header_row"] == 1
    assert rec["rows_counted"] == len(PAYEES) and rec["pence_counted"] == pence(AMOUNTS)


SQL = ['"sql select t.apar_id, t.amount, d.apar_name from acrtrans t"',
       "sql inner join asuheader d on t.client = d.client",
       "sql where t.client = 'DC'", "sql and t.amount >= 500", "query"]


def test_sql_above_the_header(tmp_path: Path) -> None:
    text = "\r\n".join(SQL) + "\r\n" + csv_text([["Supplier", "Invoice Line Value (net of VAT)", "Date"], *body()])
    rec, info = classify(tmp_path, "l.csv", text)
    assert_all_counted(rec)
    assert info["header_row"] == 6
    assert ("5 row(s) above the header (row 6) are not data but SQL text: "
            "'sql select t.apar_id, t.amount, d.apar_name from acrtrans t'") in info["notes"]


def test_report_parameters_above_the_header(tmp_path: Path) -> None:
    text = ("Invoices Over Specified Nett Amount\r\nReport Date: 02/07/2012\r\nThreshold: 500\r\n"
            + csv_text([["Supplier Name", "Amount", "Date"], *body()]))
    rec, info = classify(tmp_path, "l.csv", text)
    assert_all_counted(rec)
    assert any(n.startswith("3 row(s) above the header (row 4) are not data but report parameters: ")
               for n in info["notes"])


IDENTIFIERS = [  # (header, cells per row, the column's values as spendkit gives them)
    ("Comp. reg. no", ["4869035", "SC 12345", "", "", "OC401162", "", "", "12345678901"],
     "company_number", ["04869035", "SC012345", "", "", "OC401162", "", "", ""]),
    ("Company Registraation Number", ["04869035"] + [""] * 7, "company_number", ["04869035"] + [""] * 7),
    ("Supplier Registered Company Number", ["4869035", "258137", "", "", "", "", "", ""],
     "company_number", ["04869035", "00258137", "", "", "", "", "", ""]),
    ("Charity Number", ["", "", "1000611", "", "", "", "", ""], "charity_number",
     ["", "", "1000611", "", "", "", "", ""]),
    ("Supplier Registered Charity Number", ["", "", "GB-CHC-1000611", "", "", "", "", "1144512"],
     "charity_number", ["", "", "1000611", "", "", "", "", "1144512"]),
    ("VAT Registration Number", ["GB 999 9999 73", "812311285", "", "", "", "GB999999974", "", ""],
     "vat_number", ["GB999999973", "GB812311285", "", "", "", "", "", ""]),
    ("Voluntary Community and Social Enterprise Supplier", ["No", "No", "Yes", "No", "No", "No", "No", "Yes"],
     "vcse_flag", ["No", "No", "Yes", "No", "No", "No", "No", "Yes"]),
    ("SME Supplier?", ["Yes", "Yes", "Yes", "No", "Yes", "Yes", "No", "Yes"],
     "sme_flag", ["Yes", "Yes", "Yes", "No", "Yes", "Yes", "No", "Yes"]),
]


@pytest.mark.parametrize(("header", "cells", "role", "expected"), IDENTIFIERS, ids=[i[0] for i in IDENTIFIERS])
def test_identifier_and_flag_columns(tmp_path: Path, header: str, cells: list[str], role: str,
                                     expected: list[str]) -> None:
    path = tmp_path / "l.csv"
    path.write_text(csv_text([["Supplier Name", "Amount", "Date", header], *body([[c] for c in cells])]),
                    encoding="utf-8")
    result = spendkit.classify(path, place="Wigan")
    assert_all_counted(result.summary()["reconciliation"])  # a bad number never rejects a payment
    info = result.inputs[0]
    assert info["columns"][role] == header
    by_row = dict(zip(result.rows["source_row"], result.rows[role].astype(str), strict=True))
    assert [by_row[r] for r in range(2, 2 + len(PAYEES))] == expected
    bad = sum(1 for c, e in zip(cells, expected, strict=True) if any(ch.isdigit() for ch in c) and not e)
    noted = [n for n in info["notes"] if n.startswith(f"{role}: ") and " are not " in n]
    assert [n.split(" are not ")[0] for n in noted] == ([f"{role}: {bad} value(s) in '{header}'"] if bad else [])


def test_the_ledger_vcse_flag_and_padded_number_reach_the_decisions(tmp_path: Path) -> None:
    header = ["Supplier Name", "Amount", "Date", "Voluntary Community and Social Enterprise Supplier"]
    path = tmp_path / "l.csv"
    path.write_text(csv_text([header, ["Zed Scaffolding", "10.00", "01/04/2024", "Yes"]]), encoding="utf-8")
    rows = spendkit.classify(path, place="Wigan").rows
    assert rows["sector"].astype(str).tolist() == ["vcfse"]
    assert "ledger VCSE flag 'Yes'" in rows["sector_evidence"].astype(str).iloc[0]


# ---------------------------------------------------------------- not ledgers

COMPANIES_HOUSE = ('CompanyName, CompanyNumber,RegAddress.PostCode,CompanyCategory,CompanyStatus,'
                   'Accounts.AccountCategory,SICCode.SicText_1\r\n'
                   '"ACME LIMITED","04869035","WN1 1YN","Private Limited Company","Active","SMALL",'
                   '"62020 - Information technology consultancy activities"\r\n')


def test_a_register_given_as_the_ledger(tmp_path: Path) -> None:
    path = tmp_path / "BasicCompanyData.csv"
    path.write_text(COMPANIES_HOUSE, encoding="utf-8")
    with pytest.raises(ColumnError) as err:
        spendkit.classify(path, place="Wigan")
    assert err.value.message == (f"{path}: this looks like the Companies House BasicCompanyData CSV, "
                                 "not a payment ledger.")
    assert err.value.hint.startswith(f"Give it with --companies {path}")
    out = run("classify", path, "--place", "Wigan")
    assert out.exit_code == 4
    assert "Traceback" not in out.output


def test_a_lookup_of_numbers_given_as_the_ledger(tmp_path: Path) -> None:
    path = tmp_path / "cio_company_numbers.csv"
    path.write_text("company_number,charity_number\r\nCE000952,1144512\r\nCE001234,1150000\r\n", encoding="utf-8")
    out = run("classify", path, "--place", "Wigan")
    assert out.exit_code == 4
    assert "this looks like a list of organisations (company numbers in" in out.output


OCDS = {"ocid": "ocds-b5fd17-1", "id": "1", "date": "2025-01-23T22:10:19Z", "tag": ["award"],
        "parties": [{"name": "Acme Ltd", "roles": ["supplier"], "details": {"scale": "sme"}}],
        "awards": [{"value": {"amount": 1000, "currency": "GBP"}}]}


@pytest.mark.parametrize("lines", [1, 3])
def test_procurement_notices_in_json_lines_are_refused(tmp_path: Path, lines: int) -> None:
    path = tmp_path / "releases.jsonl"
    path.write_text("".join(json.dumps(OCDS) + "\n" for _ in range(lines)), encoding="utf-8")
    with pytest.raises(InputFileError, match="procurement notices in OCDS"):
        spendkit.classify(path, place="Wigan")
    out = run("classify", path, "--place", "Wigan")
    assert out.exit_code == 3  # not a table at all (docs/cli.md: 3), not a table missing a column (4)
    assert "not a payment ledger; nothing was counted" in out.output


def test_other_json_is_refused_as_json(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text('[{"supplier": "Acme Ltd", "amount": 10}]', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"this file is JSON, not a payment ledger"):
        spendkit.classify(path, place="Wigan")


def test_windows_1252_header_on_the_last_line(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes("Neville\u00b4s Kitchen,\u00a3500.00,01/04/2024\r\nSupplier Name,Amount,Date\r\n".encode("cp1252"))
    rows = spendkit.classify(path, place="Wigan").rows
    assert rows["payee"].astype(str).tolist() == ["Neville\u00b4s Kitchen"]
    assert rows["amount_pence"].tolist() == [50000]
