"""Charity Commission (E&W), OSCR and CCNI downloads -> the common frame.

Expected values are read off the fixture files in tests/data/registries by eye."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pytest

from spendkit.errors import InputFileError
from spendkit.reference.registries.charities import read_ccni, read_charity_commission, read_oscr
from spendkit.reference.registries.common import COLUMNS

DATA = Path(__file__).parents[2] / "data" / "registries"
CCEW_TXT = DATA / "publicextract.charity.txt"
CCEW_ZIP = DATA / "publicextract.charity.zip"
CCEW_SUBSET = DATA / "charities_operating_in_area.csv"
OSCR = DATA / "CharityExport-01-May-2024.csv"
CCNI = DATA / "ccni-charitydetails_2024_05_01_09_00_00.csv"


def rows(frame, *cols):
    return {r["org_id"]: tuple(r[c] for c in cols) for r in frame.to_dict("records")}


def test_charity_commission_extract() -> None:
    f = read_charity_commission(CCEW_TXT)
    assert list(f.columns) == COLUMNS
    assert set(f["registry"]) == {"charity_commission"}
    # 6 records, one a linked charity (linked_charity_number 1) that shares 1234567: dropped.
    assert rows(f, "name", "postcode", "legal_form", "status", "company_number") == {
        "GB-CHC-1234567": ("WIGAN FOOD BANK", "WN1 3XX", "Charitable company", "Registered", "07123456"),
        "GB-CHC-1180001": ("LEIGH COMMUNITY GARDENS", "WN7 1JJ", "CIO", "Registered", ""),
        "GB-CHC-214999": ("ORCHARD VALE ALMSHOUSES", "WN6 8LL", "Registered charity", "Registered", ""),
        "GB-CHC-1000002": ("OLD MILL YOUTH CLUB", "WN2 4MM", "Trust", "Removed", ""),
        "GB-CHC-1190002": ('PENNINE "FRIENDS" OF THE EARTH', "OL14 6NN", "Charitable company",
                           "Registered", "09111222"),
    }
    income = dict(zip(f["org_id"], f["income_pounds"], strict=True))
    assert income["GB-CHC-1234567"] == 250000.0 and income["GB-CHC-1190002"] == 8200.5
    assert math.isnan(income["GB-CHC-214999"])
    assert f.attrs["notes"] == ["1 linked charity (linked_charity_number not 0) dropped: "
                                "they share their main charity's number"]
    assert f.attrs["source"] == str(CCEW_TXT)


def test_charity_commission_zip_is_the_same_as_the_text() -> None:
    f = read_charity_commission(CCEW_ZIP)
    assert f.attrs["source"] == f"{CCEW_ZIP}!publicextract.charity.txt"
    assert f.equals(read_charity_commission(CCEW_TXT))


def test_charity_commission_reduced_csv_subset() -> None:
    f = read_charity_commission(CCEW_SUBSET)
    assert rows(f, "name", "postcode", "legal_form", "company_number") == {
        "GB-CHC-1180001": ("LEIGH COMMUNITY GARDENS", "WN7 1JJ", "CIO", ""),  # trailing space gone
        "GB-CHC-1234567": ("WIGAN FOOD BANK", "WN1 3XX", "Charitable company", "07123456"),
        "GB-CHC-219999": ("ASTLEY PAROCHIAL CHARITY", "", "Registered charity", ""),  # NA -> ""
    }
    assert f["income_pounds"].isna().all()


def test_charity_commission_leading_zeros_and_cio_flag(tmp_path: Path) -> None:
    path = tmp_path / "publicextract.charity.txt"
    path.write_text("registered_charity_number\tlinked_charity_number\tcharity_name\tcharity_type\t"
                    "charity_contact_postcode\tcharity_is_cio\n"
                    "0214999\t0\tOld Trust\tTrust\tWN1 1AA\tTrue\n"
                    "1000003\t\tNew Trust\t\tWN1 1AB\tFalse\n", encoding="utf-8")
    f = read_charity_commission(path)
    assert f["org_id"].tolist() == ["GB-CHC-214999", "GB-CHC-1000003"]
    assert f["legal_form"].tolist() == ["CIO", "Registered charity"]


def test_oscr() -> None:
    f = read_oscr(OSCR)
    assert list(f.columns) == COLUMNS
    assert rows(f, "name", "postcode", "status") == {
        "GB-SC-SC045678": ("KELVINSIDE COMMUNITY LARDER", "G12 8QQ", "Active"),
        "GB-SC-SC012345": ("THISTLE YOUTH MUSIC TRUST", "EH7 5QQ", "Active"),
    }
    forms = dict(zip(f["org_id"], f["legal_form"], strict=True))
    assert forms["GB-SC-SC045678"].startswith("SCIO")
    assert forms["GB-SC-SC012345"].startswith("Trust")
    income = dict(zip(f["org_id"], f["income_pounds"], strict=True))
    assert income["GB-SC-SC045678"] == 45000.0 and math.isnan(income["GB-SC-SC012345"])
    assert (f["company_number"] == "").all()


def test_oscr_number_upper_cased_without_spaces_and_blank_form(tmp_path: Path) -> None:
    path = tmp_path / "CharityExport.csv"
    path.write_text("Charity Number,Charity Name,Postcode,Constitutional Form\n"
                    "sc 045678,Larder,G12 8QQ,\n,No number,G1 1AA,Trust\n", encoding="utf-8")
    f = read_oscr(path)
    assert f["org_id"].tolist() == ["GB-SC-SC045678"]
    assert f["legal_form"].tolist() == ["Registered charity"]
    assert f.attrs["notes"] == [f"{path}: 1 row(s) without a registration number skipped"]


def test_ccni() -> None:
    f = read_ccni(CCNI)
    assert rows(f, "name", "postcode", "legal_form", "company_number", "income_pounds") == {
        "GB-NIC-100001": ("LAGAN VALLEY BEFRIENDING SCHEME", "BT27 4XD", "Registered charity", "", 64000.0),
        # A bare NI company number 612345 is NI612345.
        "GB-NIC-100002": ("MOURNE COASTAL RESCUE", "BT34 4AX", "Charitable company", "NI612345",
                          120000.0),
    }
    assert f.attrs["notes"] == ["1 sub-charity (Sub charity number not 0) dropped: "
                                "they share their main charity's number"]


def test_ccni_prefixed_numbers_and_none_company_numbers(tmp_path: Path) -> None:
    path = tmp_path / "ccni.csv"
    path.write_text("Reg charity number,Charity name,Public address,Company number\n"
                    'NIC 0100003,One,"1 Main St, Belfast, BT1 1AA",999999\n'
                    'NIC100004,Two,"2 Main St, Belfast, BT1 1AB",NI000123\n', encoding="utf-8")
    f = read_ccni(path)
    assert f["org_id"].tolist() == ["GB-NIC-100003", "GB-NIC-100004"]
    assert f["company_number"].tolist() == ["", "NI000123"]
    assert f["postcode"].tolist() == ["BT1 1AA", "BT1 1AB"]


def test_the_wrong_register_is_refused_by_name() -> None:
    with pytest.raises(InputFileError) as err:
        read_oscr(CCNI)
    assert "not the Scottish Charity Register (OSCR) CSV download" in str(err.value)
    with pytest.raises(InputFileError, match="Charity Commission for Northern Ireland"):
        read_ccni(OSCR)


def test_a_workbook_in_a_zip_is_not_a_register(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("notes.md", "nothing")
    with pytest.raises(InputFileError, match="no CSV or text file"):
        read_charity_commission(path)
