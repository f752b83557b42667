"""Registration numbers as evidence without a register: a charity number (the ledger's column,
the supplier file's, or printed in the name beside a word that says so) makes a payee VCFSE and
outranks "Ltd" in its name; a bare number in a name does not; a company number decides no sector
and is named; a VCSE flag is read under long headers and with the kind written as its value."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import spendkit
from spendkit.decide.organisations import OrganisationSettings, decide
from spendkit.normalise.columns import detect_columns
from spendkit.normalise.identifiers import charity_numbers_in_names, charity_register


def evidence(**columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns).astype("str")


@pytest.mark.parametrize(("name", "number"), [
    ("STOP HATE UK REG.CHARITY 1062692", "1062692"),
    ("THE NET NORTH SHIELDS CHARITY NUMBER 1151677", "1151677"),
    ("Hope Trust (Registered Charity No: 326550)", "326550"),
    ("Stop Hate UK GB-CHC-1062692", "1062692"),
    ("Highland Hospice SCIO SC012345", "SC012345"),
    ("Hope Centre CIO 1151677", "1151677"),
    ("Belfast Hope charity no NIC100123", "100123"),
    # near misses: a bare number is a publisher's reference; a CIO that is a chief information officer
    ("RINGTONS LTD (387786)", ""),
    ("CO-OP GROUP 190294", ""),
    ("SUSTRANS LTD 326550", ""),
    ("CHARITY SHOP SUPPLIES 123456 LTD", ""),
    ("CIO Connect 1234567", ""),
    ("The Charity 12345678", ""),  # eight digits: no register's shape
])
def test_charity_number_in_name_needs_a_word_that_says_so(name: str, number: str) -> None:
    assert charity_numbers_in_names(pd.Series([name])).tolist() == [number]


def test_charity_register_by_shape() -> None:
    got = charity_register(pd.Series(["326550", "1062692", "100123", "SC012345", "1797726", "12345",
                                      "10927778", ""]))
    assert got.tolist() == ["England and Wales", "England and Wales", "Northern Ireland", "Scotland",
                            "", "", "", ""]


def test_a_charity_number_outranks_ltd_in_the_name() -> None:
    payees = evidence(name=["SUSTRANS LTD", "GROUNDWORK WAKEFIELD LIMITED", "SUSTRANS LTD"],
                      charity_number=["326550", "519846", ""])
    out = decide(payees, OrganisationSettings())
    assert out["sector"].tolist() == ["vcfse", "vcfse", "private"]
    first = out.iloc[0]
    assert "registered charity 326550" in first["sector_evidence"]
    assert "England and Wales" in first["sector_evidence"]
    assert "ledger's charity number column" in first["sector_evidence"]
    assert first["sector_strength"] == "strong"
    assert "name says private" in first["sector_conflict"]  # the weaker answer is kept


def test_a_charity_number_of_no_register_decides_nothing() -> None:
    # a company number typed into the charity column, or five digits
    out = decide(evidence(name=["ACME LTD", "ACME TWO LTD"], charity_number=["1797726", "12345"]),
                 OrganisationSettings())
    assert out["sector"].tolist() == ["private", "private"]


def test_a_number_printed_in_the_name() -> None:
    out = decide(evidence(name=["STOP HATE UK REG.CHARITY 1062692 LTD", "RINGTONS LTD (387786)"]),
                 OrganisationSettings())
    assert out["sector"].tolist() == ["vcfse", "private"]
    assert "registered charity 1062692" in out.loc[0, "sector_evidence"]
    assert "printed in the name" in out.loc[0, "sector_evidence"]


def test_the_supplier_files_charity_number_counts() -> None:
    out = decide(evidence(name=["Creative Support Ltd"], sup_charity_number=["1123236"]),
                 OrganisationSettings())
    assert out.loc[0, "sector"] == "vcfse"
    assert "the supplier file" in out.loc[0, "sector_evidence"]


def test_a_company_number_decides_no_sector_and_is_named() -> None:
    out = decide(evidence(name=["AURA (NEWCASTLE) PROJECT COMPANY", "NOVUS LTD"],
                          company_number=["05293377", "01234567"]), OrganisationSettings())
    assert out["sector"].tolist() == ["unknown", "private"]
    assert "company number 05293377: a registered company" in out.loc[0, "sector_evidence"]
    assert "company number" not in out.loc[1, "sector_evidence"]


@pytest.mark.parametrize(("flag", "sector"), [("VCSE", "vcfse"), ("Charity", "vcfse"), ("Yes", "vcfse"),
                                              ("Social enterprise", "vcfse"), ("No", "private"),
                                              ("Non-VCSE", "private"), ("", "private")])
def test_a_ledger_vcse_flag_may_name_the_kind(flag: str, sector: str) -> None:
    out = decide(evidence(name=["Hope Ltd"], vcse_flag=[flag]), OrganisationSettings())
    assert out.loc[0, "sector"] == sector


@pytest.mark.parametrize("header", [
    "Is the supplier a Voluntary, Community or Social Enterprise organisation?",
    "VCSE Organisation (Y/N)", "Voluntary Sector Organisation", "Third Sector Organisation?",
    "Charity/Voluntary Organisation Y/N", "Voluntary, Community & Social Enterprise (VCSE) Flag"])
def test_a_vcse_flag_under_a_long_header(header: str) -> None:
    frame = pd.DataFrame({"Organisation Name": ["Wigan Council"] * 2, "Supplier Name": ["A Ltd", "B"],
                          "Amount": ["1", "2"], header: ["Y", "N"]})
    cmap = detect_columns(frame, "x.csv")
    assert cmap.get("vcse_flag") == header
    assert cmap.get("publisher") == "Organisation Name"


def test_end_to_end_charity_column_and_flag(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "Supplier Name,Amount,Payment Date,Charity Registration Number,VCSE Organisation (Y/N)\n"
        "SUSTRANS LTD,1000.00,2024-05-01,326550,\n"
        "HOPE CARE LTD,500.00,2024-05-01,N/A,Yes\n"
        "RINGTONS LTD (387786),200.00,2024-05-01,EXEMPT,No\n", encoding="utf-8")
    rows = spendkit.classify(ledger, place="Wigan").rows.set_index("payee")
    assert rows.loc["SUSTRANS LTD", "sector"] == "vcfse"
    assert "326550" in rows.loc["SUSTRANS LTD", "sector_evidence"]
    assert rows.loc["HOPE CARE LTD", "sector"] == "vcfse"
    assert "VCSE flag 'Yes'" in rows.loc["HOPE CARE LTD", "sector_evidence"]
    assert rows.loc["RINGTONS LTD (387786)", "sector"] == "private"


def test_an_org_id_column_gives_the_charity_number(tmp_path: Path) -> None:
    ledger = tmp_path / "grants.csv"
    ledger.write_text(
        "Recipient Org:Name,Amount Awarded,Award Date,Recipient Org:Identifier\n"
        "STOP HATE UK LTD,1000.00,2024-05-01,GB-CHC-1062692\n"
        "ACME TRADING LTD,500.00,2024-05-01,GB-COH-01234567\n"
        "Tree Things Trafford,200.00,2024-05-01,360G-trafford-tree_things\n", encoding="utf-8")
    result = spendkit.classify(ledger, place="Trafford")
    rows = result.rows.set_index("payee")
    assert rows.loc["STOP HATE UK LTD", "sector"] == "vcfse"
    assert "registered charity 1062692" in rows.loc["STOP HATE UK LTD", "sector_evidence"]
    assert rows.loc["ACME TRADING LTD", "sector"] == "private"
    assert rows.loc["Tree Things Trafford", "sector"] == "unknown"
    assert len(result.rows) == 3  # the other org-ids are not charity numbers, and their payments count


def test_an_org_id_column_without_charities_is_not_a_charity_number() -> None:
    frame = pd.DataFrame({"Supplier Name": ["A Ltd", "B Ltd"], "Amount": ["1", "2"],
                          "Org ID": ["GB-COH-01234567", "GB-COH-07654321"]})
    assert detect_columns(frame, "x.csv").get("charity_number") is None

NAME_WORDS = st.sampled_from(["ACME", "HOPE", "TRUST", "LTD", "(", ")", "UK", "GROUP", "SERVICES", "CARE", "&"])


@given(st.lists(NAME_WORDS, min_size=1, max_size=5), st.integers(100000, 1299999))
def test_a_bare_number_after_any_name_is_never_read(words: list[str], number: int) -> None:
    name = " ".join(words) + f" {number}"
    assert charity_numbers_in_names(pd.Series([name])).tolist() == [""]


@given(st.lists(NAME_WORDS, max_size=4), st.sampled_from(["CHARITY", "Reg. Charity No", "charity number",
                                                         "Registered Charity No:", "CIO"]),
       st.integers(200000, 1299999))
def test_a_number_after_a_charity_word_is_read_as_written(words: list[str], context: str, number: int) -> None:
    name = " ".join([*words, context, str(number)])
    got = charity_numbers_in_names(pd.Series([name])).iloc[0]
    assert got == str(number)
    assert charity_register(pd.Series([got])).iloc[0] == "England and Wales"


@given(st.text(max_size=60))
def test_any_text_gives_a_register_number_or_nothing(text: str) -> None:
    got = charity_numbers_in_names(pd.Series([text])).iloc[0]
    assert got == "" or charity_register(pd.Series([got])).iloc[0] != ""
