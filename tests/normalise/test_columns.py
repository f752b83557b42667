"""detect_columns over the header rows UK councils really publish.

The header lines are copied from the published files described in
shared/realdata/README.md; the rows under them are small, realistic values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spendkit.errors import ColumnError
from spendkit.normalise import content
from spendkit.normalise.columns import detect_columns
from spendkit.read.files import read_tables
from spendkit.read.headers import role_rank, words
from spendkit.read.table import unique_names


def frame(header: str, *rows: list[str]) -> pd.DataFrame:
    """A frame as the reader gives it: str columns, "" for empty, headers made unique."""
    names = unique_names([h.strip() for h in header.split(",")])
    for r in rows:
        assert len(r) == len(names), (len(r), len(names), r)
    return pd.DataFrame([list(r) for r in rows], columns=names, dtype="str")


def roles(df: pd.DataFrame, **kwargs) -> dict[str, str]:
    return detect_columns(df, "ledger.csv", **kwargs).roles


# ---------------------------------------------------------------- Oxford City Council's drift

OXFORD_ROWS = [
    ["Oxford City Council", "Policy, Culture and Communication", "Pitch & Site Rents", "K9534",
     "07/04/2015", "46285340_1", "1054.11", "Revenue", "20000000_46285340", "NIRA EVENTS"],
    ["Oxford City Council", "Financial Services", "Grants", "D3701", "08/04/2015", "46285341_1",
     "2240", "Revenue", "20000000_46285341", "Redacted personal data"],
    ["Oxford City Council", "Direct Services", "Subscriptions", "D3703", "09/04/2015",
     "46285342_1", "-0.01", "Revenue", "", ""],
]


@pytest.mark.parametrize(("header", "expected"), [
    ("Body Name,Organisational Unit,Expenditure Category,Expenditure Code,Paid Date,Trans No,"
     "Amount,Type,Supplier ID,Supplier Name",
     {"publisher": "Body Name", "department": "Organisational Unit", "date": "Paid Date",
      "expense_type": "Expenditure Category", "transaction_id": "Trans No"}),
    # jul-sep-2014: trailing space after the last header (the reader trims it)
    ("Body Name,Organisational Unit,Expenditure Category,Expenditure Code,Paid Date,Trans No,"
     "Amount,Type,Supplier ID,Supplier Name ",
     {"publisher": "Body Name", "department": "Organisational Unit"}),
    # apr-jun-2015: "Organisatonal" typo
    ("Body Name,Organisatonal Unit,Expenditure Category,Expenditure Code,Paid Date,Trans No,"
     "Amount,Type,Supplier ID,Supplier Name",
     {"publisher": "Body Name", "department": "Organisatonal Unit", "date": "Paid Date"}),
    # snake_case quarters
    ("body_name,organisational_unit,expenditure_category,expenditure_code,paid_date,trans_no,"
     "amount,caporrev,supplier_id,supplier_name",
     {"publisher": "body_name", "department": "organisational_unit", "date": "paid_date",
      "expense_type": "expenditure_category", "transaction_id": "trans_no"}),
    ("Organisation,Service Area,Expenditure Unit,Expenditure Code,Paid Date,Trans No,Amount,"
     "caporrev,Supplier ID,Supplier Name",
     {"publisher": "Organisation", "department": "Service Area", "date": "Paid Date"}),
    # 2016-2018: "Catergory" typo
    ("Client,Service Area,Expenditure Catergory,Expenditure Code,Paid Date,Trans No,Amount,"
     "Type of Expenditure,Supplier ID,Supplier Name",
     {"publisher": "Client", "department": "Service Area",
      "expense_type": "Expenditure Catergory", "date": "Paid Date"}),
])
def test_oxford_header_variants(header: str, expected: dict[str, str]) -> None:
    names = [h.strip() for h in header.split(",")]
    r = roles(frame(header, *OXFORD_ROWS))
    assert r["payee"] == names[-1]  # Supplier Name / supplier_name
    assert r["amount"] == names[6]  # Amount / amount
    assert r["supplier_id"] == names[-2]
    for role, col in expected.items():
        assert r[role] == col, role


def test_oxford_nine_column_variant_without_body() -> None:
    header = ("Service Area,Expenditure Catergory,Expenditure Code,Paid Date,Trans No,Amount,"
              "Type of Expenditure,Supplier ID,Supplier Name")
    r = roles(frame(header, *[row[1:] for row in OXFORD_ROWS]))
    assert r["payee"] == "Supplier Name"
    assert r["amount"] == "Amount"
    assert r["date"] == "Paid Date"
    assert r["department"] == "Service Area"
    assert "publisher" not in r


def test_oxford_variant_without_category() -> None:
    header = ("Client,Service Area,Expenditure Code,Paid Date,Trans No,Amount,Type of Expenditure,"
              "Supplier ID,Supplier Name")
    rows = [["OCC", "General Fund", "Z110205", "01/08/2017", "1038986 - 2", "198.35", "Revenue",
             "20019050", "SMS CONNECTIONS LTD"],
            ["OCC", "General Fund", "Z910198", "11/10/2016", "1031433 - 5", "-0.01", "Revenue",
             "", ""]]
    r = roles(frame(header, *rows))
    assert (r["payee"], r["amount"], r["date"], r["publisher"]) == \
        ("Supplier Name", "Amount", "Paid Date", "Client")
    assert r["expense_type"] == "Type of Expenditure"


# ---------------------------------------------------------------- other publishers

def test_trafford() -> None:
    header = ("OrganisationLabel,OrganisationURI,EffectiveDate,OrganisationalUnit,BeneficiaryName,"
              "BeneficiaryOtherID,PaymentDate,TransactionNumber,Amount,IrrecoverableVATAmount,"
              "Purpose,ProclassLabel,ProclassCode,InvoiceNumber,ProfitCentre,VATRegistrationNumber")
    uri = "https://opendatacommunities.org/id/metropolitan-district-council/trafford"
    rows = [
        ["Trafford Council", uri, "2026-05-31", "LIFT REPAIRS & MTCE", "VLC (Stairlifts) Limited",
         "3536", "2026-05-29", "5100509851", "742.50", "0.00", "CLIENTS LIFT REP & M",
         "FACILITIES MGT : Lifts", "191400", "68787", "250210", "GB812311285"],
        ["Trafford Council", uri, "2026-05-31", "ADULT SOCIAL CARE", "Redacted", "NA",
         "2026-05-28", "5100509852", "-120.00", "NA", "Care", "SOCIAL CARE", "NA", "NA",
         "250211", "NA"],
    ]
    r = roles(frame(header, *rows))
    assert r["payee"] == "BeneficiaryName"
    assert r["amount"] == "Amount"  # never the irrecoverable VAT
    assert r["date"] == "PaymentDate"  # not EffectiveDate
    assert r["department"] == "OrganisationalUnit"
    assert r["publisher"] == "OrganisationLabel"
    assert r["supplier_id"] == "BeneficiaryOtherID"
    assert r["transaction_id"] == "TransactionNumber"
    assert r["expense_type"] == "Purpose"
    assert r["vat_number"] == "VATRegistrationNumber"  # its own role, never a company number


def test_gateshead_supplier_id_column_holding_names() -> None:
    header = ("Strgrpcc(T),Cipfsubj(T),Cipfsubs(T),TransNo,Sequence no,Period,Supplier ID (T),"
              "Amount,Supplier Ref,VAT RegNo,Updated,Type,Report")
    rows = [
        ["Communities & Environment", "Employees", "Indirect Employee Expenses", "43905637", "0",
         "201604", "INSTITUTE OF SWIMMING", "540.00", "3207609GC", "", "2016-07-18", "Revenue",
         "TRDATA1R1"],
        ["Communities & Environment", "Employees", "Indirect Employee Expenses", "43914073", "0",
         "201604", "HIGHFIELD AWARDING BODY FOR COMPLIANCE LTD", "946.25", "3184875GC",
         "928 5243 09", "2016-07-29", "Revenue", "TRDATA1R1"],
        ["Corporate Resources", "Supplies & Services", "Equipment", "43914074", "0", "201604",
         "ACME OFFICE SUPPLIES LTD", "1,200.00", "3184876GC", "309885029", "2016-07-29",
         "Revenue", "TRDATA1R1"],
    ]
    cmap = detect_columns(frame(header, *rows), "gateshead.csv")
    assert cmap.roles["payee"] == "Supplier ID (T)"
    assert cmap.roles["amount"] == "Amount"
    assert "date" not in cmap.roles  # 'Updated' is not a payment date
    assert any("Supplier ID (T)" in n and "names" in n for n in cmap.notes)


def test_salford_gross_vat_net() -> None:
    header = ("Authority Name,Date of Payment,DocumentNo,Gross,VAT,Net,Vendor Name,Service Area,"
              "GL Description")
    rows = [
        ["Salford City Council", "2022-06-01", "601414480", "720.00", "120.00", "600.00",
         "Clare And Andrew Murdoch Limited", "Place Directorate", "Advertising"],
        ["Salford City Council", "2022-06-01", "601414478", "845.10", "140.85", "704.25",
         "Randstad Public Services Limited", "People (Childrens) Service Group", "Agency Fees"],
    ]
    cmap = detect_columns(frame(header, *rows), "salford.csv")
    r = cmap.roles
    assert r["amount"] == "Net"
    assert r["payee"] == "Vendor Name"
    assert r["publisher"] == "Authority Name"
    assert r["date"] == "Date of Payment"
    assert r["department"] == "Service Area"
    assert r["transaction_id"] == "DocumentNo"
    note = next(n for n in cmap.notes if n.startswith("amount:"))
    assert "'Net'" in note
    assert "'Gross'" in note and "--column amount" in note


CALDERDALE = ("Body,Body Name,Date,Transaction number,Invoice Number,Amount,Supplier Name,"
              "Supplier ID,VAT Registration Number,Expense Area,Expense Type")
CALDERDALE_URI = "http://statistics.data.gov.uk/doc/local-authority-district/00CY"


def test_calderdale_body_uri_and_body_name() -> None:
    rows = [[CALDERDALE_URI, "The Borough of Calderdale", "2011-01-04", "18337346", "INV1",
             "37985.30", "ACME CARE LTD", "100234", "", "Adults, Health and Social Care",
             "Transfer Payments"],
            [CALDERDALE_URI, "The Borough of Calderdale", "2011-01-05", "18337347", "INV2",
             "120.00", "Redacted", "", "GB123456789", "Communities", "Supplies"]]
    r = roles(frame(CALDERDALE, *rows))
    assert r["payee"] == "Supplier Name"
    assert r["publisher"] == "Body Name"
    assert r["amount"] == "Amount"
    assert r["date"] == "Date"
    assert r["supplier_id"] == "Supplier ID"
    assert r["department"] == "Expense Area"
    assert r["expense_type"] == "Expense Type"


def test_calderdale_card_layout_with_typo() -> None:
    header = ("Body,Organistion Name,Transaction Date,Transaction number,Supplier Name,Net Amount,"
              "Merchant Category,Merchant Category Group,Expense Area,Expense Type,Expense Code")
    rows = [[CALDERDALE_URI, "The Borough of Calderdale", "2022-07-05", "140878",
             "43024700 Costa Coffee", "6.20", "Fast Food Restaurants", "Restaurants And Bars",
             "Children's Services", "Miscellaneous Expenses", "72534855"]]
    r = roles(frame(header, *rows))
    assert r["payee"] == "Supplier Name"  # not 'Merchant Category'
    assert r["amount"] == "Net Amount"
    assert r["date"] == "Transaction Date"
    assert r["payee"] not in ("Body", "Organistion Name")


def test_craven_duplicate_account_code_through_the_reader(tmp_path: Path) -> None:
    data = ("Body Name,Transaction No,Supplier ID,Supplier Name,Payment Date,Account Code,"
            "Account Code,Cost Centre Code,Cost Centre Code,Amount\r\n"
            "Craven District Council,57011389,10065,Harrogate Borough Council,06/03/2017,2280,"
            "Miscellaneous,R255,Development Control,\"1,000.00\"\r\n"
            "Craven District Council,57011569,10066,Brenntag Uk Ltd,24/03/2017,1740,"
            "Chlorination and Purification,D105,Craven Swimming Pool,696.06\r\n"
            ",,,,,,,,,\"726,583.94\"\r\n").encode("cp1252")
    path = tmp_path / "payments-2017-03.csv"
    path.write_bytes(data)
    table = read_tables(path)[0]
    r = roles(table.frame)
    assert r["payee"] == "Supplier Name"
    assert r["amount"] == "Amount"
    assert r["date"] == "Payment Date"
    assert r["supplier_id"] == "Supplier ID"
    assert r["publisher"] == "Body Name"
    assert r["transaction_id"] == "Transaction No"


def test_north_tyneside() -> None:
    header = ("Payment Date,Transaction Number,Net Amount,Supplier (Beneficiary) Name,"
              "Local Supplier Internal Reference,Directorate / Service Where Expenditure Incurred,"
              "Service Category Label,Service Category URI,SeRCOP Expenditure Category,"
              "SeRCOP Expenditure Code,Purpose of Spend,Capital/Revenue,Procurement Classification")
    rows = [["2022-07-29", "7014096", "146.98", "SOLO PRESS", "393572",
             "Health, Education, Care and Safeguarding", "Children's & Education Services", "103",
             "Supplies and Services", "504", "Miscellaneous Expenses", "Revenue",
             "PRINTING SERVICES.PRINTING"],
            ["2022-07-29", "7014036", "38.99", "GM PACKAGING (UK) LTD", "393573",
             "Resources", "Central Services", "104", "Supplies and Services", "504",
             "Equipment", "Revenue", "PACKAGING"]]
    r = roles(frame(header, *rows))
    assert r["payee"] == "Supplier (Beneficiary) Name"
    assert r["amount"] == "Net Amount"
    assert r["date"] == "Payment Date"
    assert r["supplier_id"] == "Local Supplier Internal Reference"
    assert r["transaction_id"] == "Transaction Number"
    assert r["department"] == "Directorate / Service Where Expenditure Incurred"


def test_darlington() -> None:
    header = (",,Directotate,Service,Supplier,Transaction Number,Transaction Date,"
              "Invoice Line Value (net of VAT),Account,Bal Sheet Level 1,Bal Sheet Level 2")
    rows = [["INSERTED DETAIL", "", "Balance Sheet", "Balance Sheet", "AVC WISE LTD", "55515058",
             "2022-08-25", "555.72", "General Debits", "NON-BUDGETED", "NON BUDGETED"],
            ["INSERTED DETAIL", "", "People", "Children", "DARLINGTON CREDIT UNION LIMITED",
             "11152576", "2022-09-01", "19731.07", "General Debits", "NON-BUDGETED",
             "NON BUDGETED"]]
    df = frame(header, *rows)
    assert list(df.columns[:2]) == ["Column 1", "Column 2"]
    r = roles(df)
    assert r["payee"] == "Supplier"
    assert r["amount"] == "Invoice Line Value (net of VAT)"
    assert r["date"] == "Transaction Date"
    assert r["department"] == "Directotate"


def test_network_rail_spend() -> None:
    header = "Supplier Name,Category Family,Invoice GL Date,Spend"
    rows = [["AECOM Infrastructure & Environment UK Ltd", "Track", "2021-04-01", "62499.15"],
            ["AECOM Ltd", "General Civils", "2021-04-01", "593650.00"],
            ["Grand Total", "", "", "410476063.55"],
            ["", "", "© Copyright Network Rail 2021", ""]]
    r = roles(frame(header, *rows))
    assert (r["payee"], r["amount"], r["date"]) == ("Supplier Name", "Spend", "Invoice GL Date")


def test_newcastle_total_excludes_vat() -> None:
    header = ("Directorate,Service Area,Group Description,Paid Date,Supplier Name,Internal Ref,"
              "Cap/Rev,Cost Centre,Cost Centre Name,Total (excludes VAT),")
    rows = [["ASC & Integrated Services", "Adult Social Care", "Revenue Expenditure", "2022-08-02",
             "18 SEA VIEW VILLAS", "8663068", "revenue", "1MK34", "Shared Lives - Adult LD",
             "1847.04", "#N/A"],
            ["ASC & Integrated Services", "Adult Social Care", "Revenue Expenditure", "2022-08-31",
             "ACME CARE LTD", "8682534", "revenue", "1MK34", "Shared Lives - Adult LD",
             "1,847.04", ""]]
    r = roles(frame(header, *rows))
    assert r["amount"] == "Total (excludes VAT)"
    assert r["payee"] == "Supplier Name"
    assert r["date"] == "Paid Date"
    assert r["department"] == "Service Area"


def test_cabinet_office_supplier() -> None:
    header = ("#,Departmental Family,Entity,Date,Expense Type,Expense Area,Supplier,"
              "Transaction number,Amount")
    rows = [["1", "CAB", "CABINET OFFICE", "2022-07-07", "EXP - PURCHASE OF GOODS/SERVICES",
             "GBS - PCSPS PENSIONS (ADMIN)", "MYCSP LTD", "1037143471", "1963020.17"],
            ["2", "CAB", "GOVERNMENT PROPERTY AGENCY", "2022-07-20", "Interest - PFI",
             "Finance Costs", "AGP", "22", "1926857.97"]]
    r = roles(frame(header, *rows))
    assert r["payee"] == "Supplier"
    assert r["amount"] == "Amount"
    assert r["date"] == "Date"
    assert r["expense_type"] == "Expense Type"
    assert r["department"] == "Expense Area"
    assert r["transaction_id"] == "Transaction number"
    assert r["publisher"] in ("Entity", "Departmental Family")


def test_misspelt_beneficiary() -> None:
    assert words("Benificiary Name") == ("beneficiary", "name")
    header = "Organisation Name,Benificiary Name,Payment Date,Amount"
    rows = [["Wigan Council", "ACME LTD", "03/04/2024", "100.00"],
            ["Wigan Council", "B & Q PLC", "04/04/2024", "50.00"]]
    r = roles(frame(header, *rows))
    assert r["payee"] == "Benificiary Name"
    assert r["publisher"] == "Organisation Name"


# ---------------------------------------------------------------- what is never the payee

@pytest.mark.parametrize("publisher", ["Body Name", "Organisation Name", "Council"])
def test_publisher_is_never_the_payee(publisher: str) -> None:
    rows = [["Wigan Council", "03/04/2024", "100.00"], ["Bolton Council", "04/04/2024", "50.00"]]
    df = frame(f"{publisher},Payment Date,Amount", *rows)
    with pytest.raises(ColumnError, match="payee"):
        detect_columns(df, "ledger.csv")
    # and beside a real payee column, it is the publisher
    rows = [["Wigan Council", "ACME LTD", "100.00"], ["Wigan Council", "B LTD", "50.00"]]
    r = roles(frame(f"{publisher},Supplier Name,Amount", *rows))
    assert r["payee"] == "Supplier Name"
    assert r["publisher"] == publisher


@pytest.mark.parametrize("header", ["Supplier ID", "VAT Registration Number", "Transaction Number"])
def test_ids_are_never_the_payee(header: str) -> None:
    assert role_rank(header, "payee") == 0
    rows = [["20013684", "03/04/2024", "100.00"], ["20016580", "04/04/2024", "50.00"],
            ["GB812311285", "05/04/2024", "10.00"]]
    df = frame(f"{header},Payment Date,Amount", *rows)
    with pytest.raises(ColumnError, match="payee"):
        detect_columns(df, "ledger.csv")


def test_id_columns_lose_to_the_name_column() -> None:
    header = "Supplier ID,VAT Registration Number,Transaction Number,Supplier Name,Amount"
    rows = [["20013684", "GB812311285", "1034526", "ATKINS LIMITED", "200.00"],
            ["20016580", "", "1034527", "HMRC", "1541.69"]]
    r = roles(frame(header, *rows))
    assert r["payee"] == "Supplier Name"
    assert r["supplier_id"] == "Supplier ID"
    assert r["transaction_id"] == "Transaction Number"


def test_payee_column_of_one_value_is_skipped() -> None:
    header = "Supplier Name,Vendor Name,Amount"
    rows = [["Redacted", f"Vendor {i} Ltd", f"{i}.00"] for i in range(8)]
    cmap = detect_columns(frame(header, *rows), "ledger.csv")
    assert cmap.roles["payee"] == "Vendor Name"
    assert any("skipped 'Supplier Name'" in n and "Redacted" in n for n in cmap.notes)


def test_payee_column_of_uris_is_skipped() -> None:
    header = "Supplier Name,Payee,Amount"
    rows = [[f"http://example.gov.uk/supplier/{i}", f"Payee {i} Ltd", "10.00"] for i in range(4)]
    cmap = detect_columns(frame(header, *rows), "ledger.csv")
    assert cmap.roles["payee"] == "Payee"
    assert any("skipped 'Supplier Name'" in n and "web addresses" in n for n in cmap.notes)


def test_only_payee_candidate_is_uris_is_an_error() -> None:
    rows = [[f"https://opendatacommunities.org/id/{i}", "1.00"] for i in range(6)]
    with pytest.raises(ColumnError, match="payee"):
        detect_columns(frame("Beneficiary,Amount", *rows), "ledger.csv")


def test_single_valued_payee_column_is_kept_only_when_nothing_else_names_payees() -> None:
    # One value on every row says "not the payee" only when another candidate exists: a
    # ledger of payments all redacted (or all to one supplier) is still a ledger.
    rows = [["Redacted", "1.00"] for _ in range(6)]
    assert detect_columns(frame("Beneficiary,Amount", *rows), "ledger.csv").get("payee") == "Beneficiary"
    rows = [["Redacted", f"Firm {i}", "1.00"] for i in range(6)]
    cmap = detect_columns(frame("Supplier Name,Beneficiary,Amount", *rows), "ledger.csv")
    assert cmap.get("payee") == "Beneficiary"


# ---------------------------------------------------------------- mappings and errors

SALFORD_LIKE = "Supplier Name,Vendor Name,Net,Date of Payment"
SALFORD_ROWS = [["Salford City Council", "Clare And Andrew Murdoch Limited", "600.00", "2022-06-01"],
                ["Salford City Council", "Randstad Public Services Limited", "704.25", "2022-06-01"]]


@pytest.mark.parametrize("wanted", ["Vendor Name", "vendor name", "VENDOR  NAME", " vendorname "])
def test_override_wins_and_matches_loosely(wanted: str) -> None:
    df = frame(SALFORD_LIKE, *SALFORD_ROWS)
    assert roles(df)["payee"] == "Supplier Name"  # without the mapping
    cmap = detect_columns(df, "ledger.csv", {"payee": wanted})
    assert cmap.roles["payee"] == "Vendor Name"
    assert "payee: 'Vendor Name' (as mapped)" in cmap.notes
    assert cmap.roles["amount"] == "Net"


def test_override_naming_no_column() -> None:
    df = frame(SALFORD_LIKE, *SALFORD_ROWS)
    with pytest.raises(ColumnError) as err:
        detect_columns(df, "salford.csv", {"payee": "Beneficiary"})
    msg = str(err.value)
    assert "salford.csv" in msg and "Beneficiary" in msg
    assert "'Vendor Name'" in msg


def test_override_with_unknown_role() -> None:
    df = frame(SALFORD_LIKE, *SALFORD_ROWS)
    with pytest.raises(ColumnError, match="'colour' is not a column role"):
        detect_columns(df, "ledger.csv", {"colour": "Net"})


def test_no_payee_or_amount_lists_headers_and_how_to_map() -> None:
    header = "Reference,Description,Posted"
    df = frame(header, ["A1", "Stationery", "2024-04-03"], ["A2", "Repairs", "2024-04-04"])
    with pytest.raises(ColumnError) as err:
        detect_columns(df, "mystery.csv")
    msg = str(err.value)
    assert "mystery.csv: cannot find the payee and amount columns." in msg
    assert "Headers found: 'Reference', 'Description', 'Posted'." in msg
    assert '--column payee="<header>"' in msg
    assert '--column amount="<header>"' in msg
    assert err.value.exit_code == 4


def test_only_amount_missing() -> None:
    df = frame("Supplier Name,Description", ["ACME LTD", "Stationery"], ["B LTD", "Repairs"])
    with pytest.raises(ColumnError) as err:
        detect_columns(df, "ledger.csv")
    msg = str(err.value)
    assert "cannot find the amount column." in msg
    assert '--column amount="<header>"' in msg
    assert "--column payee" not in msg


def test_amount_column_of_text_is_skipped() -> None:
    header = "Supplier Name,Net,Amount"
    rows = [["ACME LTD", "see note", "100.00"], ["B LTD", "n/a", "200.00"]]
    cmap = detect_columns(frame(header, *rows), "ledger.csv")
    assert cmap.roles["amount"] == "Amount"
    assert "amount: skipped 'Net' (its values are mostly not amounts)" in cmap.notes


# ---------------------------------------------------------------- roles by their values

NAMED_ROWS = [["Acme Ltd", "100.00", "01/04/2024"], ["Bolt Engineering Limited", "250.50", "02/04/2024"],
              ["REDACTED - personal data", "75.00", "03/04/2024"], ["Zed Scaffolding", "12.00", "04/04/2024"]]


@pytest.mark.parametrize("name", ["Name", "Name:  ", "Entity Name", "NAME"])
def test_payee_headed_plainly_is_found_by_its_values(name: str) -> None:
    cmap = detect_columns(frame(f"{name},Amount,Date", *NAMED_ROWS), "ledger.csv")
    header = name.strip()
    assert cmap.roles["payee"] == header
    assert "publisher" not in cmap.roles  # 'Entity Name' holds payees, not the publisher
    assert (f"payee: '{header}' (values look like organisation names: 75% of 4 distinct values have a "
            "legal form (Ltd, Limited, PLC, CIC, Council, Trust...) or are redacted)") in cmap.notes


def test_values_never_take_a_column_a_header_names() -> None:
    """'Directorate' holds names with legal forms, but its header names the department; the
    publisher column is one body. Only 'Name' is left for the payee."""
    rows = [["Wigan Council", "Trust Services", r[0], r[1], r[2]] for r in NAMED_ROWS]
    cmap = detect_columns(frame("Organisation,Directorate,Name,Amount,Date", *rows), "ledger.csv")
    assert cmap.roles["payee"] == "Name"
    assert cmap.roles["publisher"] == "Organisation"
    assert cmap.roles["department"] == "Directorate"


def test_a_name_column_of_plain_words_is_not_a_payee() -> None:
    rows = [["Stationery", "100.00"], ["Printing", "20.00"], ["Postage", "3.00"]]
    with pytest.raises(ColumnError, match="cannot find the payee column"):
        detect_columns(frame("Name,Amount", *rows), "ledger.csv")


def test_amount_and_date_without_headers_are_found_by_their_values() -> None:
    rows = [["Acme Ltd", "4410", "£1,200.00", "01/04/2024"], ["Bolt Limited", "4411", "(35.50)", "2 Apr 2024"],
            ["Hope CIC", "4412", "99.99", "03/04/2024"]]
    cmap = detect_columns(frame("Supplier,Ref,,", *rows), "ledger.csv")
    assert cmap.roles["amount"] == "Column 3"  # not the whole-number references
    assert cmap.roles["date"] == "Column 4"
    assert "amount: 'Column 3' (values are amounts: 100% of 3 distinct values read as money, 100% with pence)" \
        in cmap.notes
    assert "date: 'Column 4' (values are dates: 100% of 3 distinct values)" in cmap.notes


@pytest.mark.parametrize(("header", "role"), [
    ("Comp. reg. no", "company_number"),
    ("Company Registraation Number", "company_number"),
    ("Supplier Registered Company Number", "company_number"),
    ("Charity Number", "charity_number"),
    ("Supplier Registered Charity Number", "charity_number"),
    ("VAT Registration Number", "vat_number"),
    ("VATRegistrationNumber", "vat_number"),
    ("Voluntary Community and Social Enterprise Supplier", "vcse_flag"),
    ("SME Supplier?", "sme_flag"),
])
def test_identifier_and_flag_headers(header: str, role: str) -> None:
    rows = [["Acme Ltd", "100.00", "Yes"], ["Bolt Limited", "20.00", "No"]]
    cmap = detect_columns(frame(f"Supplier Name,Amount,{header}", *rows), "ledger.csv")
    assert cmap.roles[role] == header.strip()
    assert cmap.roles["payee"] == "Supplier Name"


@pytest.mark.parametrize(("values", "role"), [
    (["GB999999973", "GB812311285", ""], "vat_number"),
    (["04869035", "SC012345", "OC401162"], "company_number"),
    (["1000611", "1144512", "519878"], "charity_number"),
])
def test_a_registration_column_s_kind_is_read_from_its_values(values: list[str], role: str) -> None:
    rows = [[n, "100.00", v] for n, v in zip(["Acme Ltd", "Bolt Ltd", "Hope Trust"], values, strict=True)]
    cmap = detect_columns(frame("Supplier Name,Amount,Registration Number", *rows), "ledger.csv")
    assert cmap.roles[role] == "Registration Number"
    assert any(n.startswith(f"{role}: 'Registration Number' (values are ") for n in cmap.notes)


@pytest.mark.parametrize(("header", "rows", "says"), [
    ("company_number,charity_number", [["04869035", "1000611"], ["CE000952", "1144512"]],
     "company numbers in 'company_number', charity numbers in 'charity_number'"),
    ("org_id_a,org_id_b,name", [["GB-CHC-1000611", "GB-COH-08591698", "Hope Trust"],
                                ["GB-CHC-1144512", "GB-COH-04869035", "Acme Trust"]],
     "org-ids in 'org_id_a', org-ids in 'org_id_b'"),
])
def test_a_list_of_organisations_is_not_a_ledger(header: str, rows: list[list[str]], says: str) -> None:
    with pytest.raises(ColumnError) as err:
        detect_columns(frame(header, *rows), "lookup.csv")
    assert err.value.message == (f"lookup.csv: this looks like a list of organisations ({says}), not a "
                                 "payment ledger: it has no amount column.")
    assert "--companies" in str(err.value.hint)


def test_content_tests_read_distinct_values_from_the_top() -> None:
    column = pd.Series(["Acme Ltd"] * 6000 + ["Bolt Limited"], dtype="str")
    assert content.distinct_values(column).tolist() == ["Acme Ltd"]  # only the first rows are sampled
    assert content.organisation_names(column) is None  # one name is no payee column


def test_descriptions_are_not_organisation_names() -> None:
    """Sentences that mention a trust or a charity (a data dictionary) are not payees' names."""
    described = pd.Series([f"The number the Charity Commission gives field {i} of the charity's trust return."
                           for i in range(20)])
    assert content.organisation_names(described) is None
    names = pd.Series(["Acme Ltd", "Wigan Council", "Bolton Builders", "Hope Trust", "J Smith"])
    assert content.organisation_names(names) is not None
