"""Registers (Companies House, charity registers, mutuals) and matching payees to them.

Fixtures in tests/data/registries are invented organisations written in the genuine
download formats (see the README there).
"""

from __future__ import annotations

import io
import math
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spendkit.decide import matching as M
from spendkit.errors import EXIT_INPUT, InputFileError
from spendkit.normalise.values import name_key
from spendkit.reference import registries as R

DATA = Path(__file__).parents[1] / "data" / "registries"
CH_CSV = DATA / "BasicCompanyData-2024-05-01.csv"
CH_PART1 = DATA / "BasicCompanyData-2024-05-01-part1_2.zip"
CH_PART2 = DATA / "BasicCompanyData-2024-05-01-part2_2.zip"
CCEW_TXT = DATA / "publicextract.charity.txt"
CCEW_ZIP = DATA / "publicextract.charity.zip"
CCEW_SUBSET = DATA / "charities_operating_in_area.csv"
OSCR = DATA / "CharityExport-01-May-2024.csv"
CCNI = DATA / "ccni-charitydetails_2024_05_01_09_00_00.csv"
MUTUALS = DATA / "SocietyList.csv"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Every test gets its own cache directory: nothing touches the user's real cache."""
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> pd.DataFrame:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPENDKIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        return R.load_registries(companies=CH_CSV, charities=CCEW_TXT, oscr=OSCR, ccni=CCNI,
                                 mutuals=MUTUALS)


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("org_id")


def payees(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """(name, company_number, charity_number) rows -> a payees frame as the pipeline makes it."""
    frame = pd.DataFrame(rows, columns=["name", "company_number", "charity_number"], dtype="str")
    frame.index = [f"payee{i}" for i in range(len(frame))]
    frame["payee_key"] = name_key(frame["name"])
    return frame


def match_one(registry: pd.DataFrame, name: str, company: str = "", charity: str = "",
              **kwargs) -> pd.Series:
    return M.match_payees(payees((name, company, charity)), registry, **kwargs).iloc[0]


# ---------------------------------------------------------------- Companies House

def test_companies_house_csv_common_frame():
    ch = R.read_companies_house(CH_CSV)
    assert list(ch.columns) == [*R.COLUMNS, "previous_names"]
    assert len(ch) == 17
    assert all(isinstance(ch[c].dtype, pd.StringDtype) for c in R.TEXT_COLUMNS)
    assert ch["income_pounds"].dtype == "float64" and ch["income_pounds"].isna().all()
    assert (ch["registry"] == "companies_house").all()
    assert (ch["org_id"] == "GB-COH-" + ch["number"]).all()
    rows = by_id(ch)
    acme = rows.loc["GB-COH-04142000"]
    assert acme["name"] == "ACME LIMITED" and acme["name_key"] == "ACME"
    assert acme["postcode"] == "WN1 1AA" and acme["accounts_category"] == "MICRO ENTITY"
    assert acme["company_number"] == "04142000" and acme["sic_codes"] == "43220"
    assert rows.loc["GB-COH-09876543", "sic_codes"] == "43220;43210"
    assert rows.loc["GB-COH-12345678", "legal_form"] == "Community Interest Company"
    assert rows.loc["GB-COH-01234567", "legal_form"] == "Public Limited Company"
    assert rows.loc["GB-COH-07000001", "legal_form"].startswith("PRI/LTD BY GUAR/NSC")
    assert rows.loc["GB-COH-SC654321", "name"] == "THISTLE JOINERY LTD"  # Scottish company
    faraway = rows.loc["GB-COH-FC041234"]
    assert faraway["postcode"] == "" and faraway["sic_codes"] == ""  # no postcode; "None Supplied"
    assert rows.loc["GB-COH-10101010", "name"] == '"QUOTED" WIDGETS LIMITED'  # embedded quotes
    assert rows.loc["GB-COH-05000001", "status"] == "Dissolved"


def test_companies_house_header_has_leading_spaces_as_downloaded():
    header = CH_CSV.read_text().splitlines()[0].split(",")
    assert len(header) == 55 and " CompanyNumber" in header


def test_companies_house_numbers_are_zero_padded(tmp_path):
    text = CH_CSV.read_text().replace('"04142000"', '"4142000"').replace('"SC654321"', '"SC 654321"')
    unpadded = tmp_path / "BasicCompanyData-unpadded.csv"
    unpadded.write_text(text)
    ch = R.read_companies_house(unpadded)
    assert {"GB-COH-04142000", "GB-COH-SC654321"} <= set(ch["org_id"])
    assert "4142000" not in set(ch["number"])


def test_companies_house_multi_part_zips(tmp_path):
    whole = R.read_companies_house(CH_CSV)
    both = R.read_companies_house([CH_PART1, CH_PART2])
    pd.testing.assert_frame_equal(both, whole)
    # one part given: the rest of the set is found beside it
    pd.testing.assert_frame_equal(R.read_companies_house(CH_PART2), whole)


def test_companies_house_missing_part_is_an_error(tmp_path):
    shutil.copy(CH_PART1, tmp_path / CH_PART1.name)
    with pytest.raises(InputFileError, match=r"part 1 of 2 .* missing: BasicCompanyData-2024-05-01-part2_2\.zip"):
        R.read_companies_house(tmp_path / CH_PART1.name)


def test_companies_house_single_zip(tmp_path):
    one = tmp_path / "BasicCompanyDataAsOneFile-2024-05-01.zip"
    with zipfile.ZipFile(one, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(CH_CSV, "BasicCompanyDataAsOneFile-2024-05-01.csv")
    pd.testing.assert_frame_equal(R.read_companies_house(one), R.read_companies_house(CH_CSV))


def test_companies_house_reading_writes_nothing(tmp_path):
    """Reading the register is only reading: a run keeps it as an install (``store``), never as
    a cache of this frame."""
    R.read_companies_house(CH_CSV)
    assert not (tmp_path / "cache").exists()


# ---------------------------------------------------------------- charity registers

def test_charity_commission_extract():
    cc = R.read_charity_commission(CCEW_TXT)
    assert list(cc.columns) == R.COLUMNS
    assert list(cc["org_id"]) == ["GB-CHC-1234567", "GB-CHC-1180001", "GB-CHC-214999",
                                  "GB-CHC-1000002", "GB-CHC-1190002"]  # the linked charity is dropped
    assert cc["org_id"].is_unique
    assert any("1 linked charity" in n for n in cc.attrs["notes"])
    rows = by_id(cc)
    food = rows.loc["GB-CHC-1234567"]
    assert food["name"] == "WIGAN FOOD BANK" and food["income_pounds"] == 250000.0
    assert food["company_number"] == "07123456" and food["legal_form"] == "Charitable company"
    assert food["status"] == "Registered" and food["registry"] == "charity_commission"
    assert rows.loc["GB-CHC-1180001", "legal_form"] == "CIO"
    assert rows.loc["GB-CHC-214999", "legal_form"] == "Registered charity"  # type "Other"
    assert math.isnan(rows.loc["GB-CHC-214999", "income_pounds"])
    assert rows.loc["GB-CHC-214999", "postcode"] == "WN6 8LL"  # trailing space trimmed
    assert rows.loc["GB-CHC-1000002", "status"] == "Removed"
    assert rows.loc["GB-CHC-1190002", "name"] == 'PENNINE "FRIENDS" OF THE EARTH'
    assert rows.loc["GB-CHC-1190002", "income_pounds"] == 8200.5


def test_charity_commission_zip_and_bom(tmp_path):
    pd.testing.assert_frame_equal(R.read_charity_commission(CCEW_ZIP), R.read_charity_commission(CCEW_TXT))
    assert CCEW_TXT.read_bytes().startswith(b"\xef\xbb\xbf")
    # without the BOM, and with registered_charity_number as the very first column
    lines = CCEW_TXT.read_bytes().removeprefix(b"\xef\xbb\xbf").decode().split("\r\n")
    cut = ["\t".join(line.split("\t")[1:]) for line in lines if line]
    plain = tmp_path / "publicextract.charity.txt"
    plain.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(cut).encode() + b"\r\n")
    assert list(R.read_charity_commission(plain)["org_id"]) == list(R.read_charity_commission(CCEW_TXT)["org_id"])


def test_charity_commission_reduced_csv_shape():
    cc = R.read_charity_commission(CCEW_SUBSET)
    rows = by_id(cc)
    assert list(cc["org_id"]) == ["GB-CHC-1180001", "GB-CHC-1234567", "GB-CHC-219999"]
    assert rows.loc["GB-CHC-1180001", "postcode"] == "WN7 1JJ"  # "WN7 1JJ " in the file
    assert rows.loc["GB-CHC-1180001", "company_number"] == ""  # NA
    assert rows.loc["GB-CHC-1234567", "company_number"] == "07123456"
    assert rows.loc["GB-CHC-219999", "postcode"] == ""
    assert (cc["status"] == "").all() and cc["income_pounds"].isna().all()  # not in this shape
    assert cc.attrs["notes"] == []


def test_oscr():
    sc = R.read_oscr(OSCR)
    assert list(sc["org_id"]) == ["GB-SC-SC045678", "GB-SC-SC012345"]
    larder = by_id(sc).loc["GB-SC-SC045678"]
    assert larder["registry"] == "oscr" and larder["postcode"] == "G12 8QQ"
    assert larder["income_pounds"] == 45000.0 and larder["legal_form"].startswith("SCIO")


def test_ccni():
    ni = R.read_ccni(CCNI)
    assert list(ni["org_id"]) == ["GB-NIC-100001", "GB-NIC-100002"]  # the sub-charity is dropped
    rows = by_id(ni)
    assert rows.loc["GB-NIC-100001", "postcode"] == "BT27 4XD"  # from the public address
    assert rows.loc["GB-NIC-100001", "company_number"] == ""  # "0" means none
    assert rows.loc["GB-NIC-100002", "company_number"] == "NI612345"
    assert rows.loc["GB-NIC-100002", "income_pounds"] == 120000.0


def test_mutuals():
    mu = R.read_mutuals(MUTUALS)
    assert list(mu["org_id"]) == ["GB-MPR-12345R", "GB-MPR-23456R", "GB-MPR-34567R", "GB-MPR-45678R"]
    rows = by_id(mu)
    assert rows.loc["GB-MPR-12345R", "legal_form"] == "Community Benefit Society"
    assert rows.loc["GB-MPR-23456R", "legal_form"] == "Co-operative Society"
    assert rows.loc["GB-MPR-12345R", "postcode"] == "WN1 1DQ"
    assert rows.loc["GB-MPR-45678R", "name"] == "Café Solidarité Co-operative Limited"  # Windows-1252
    assert rows.loc["GB-MPR-45678R", "status"] == "Deregistered"


def test_mutuals_corrected_header_or_number_and_suffix(tmp_path):
    text = MUTUALS.read_bytes().decode("cp1252")
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(text.replace("Full Registation Number", "Full Registration Number"), encoding="utf-8")
    assert "GB-MPR-12345R" in set(R.read_mutuals(fixed)["org_id"])
    no_full = tmp_path / "no_full.csv"
    no_full.write_text(text.replace("Full Registation Number", "Something Else"), encoding="utf-8")
    assert "GB-MPR-12345R" in set(R.read_mutuals(no_full)["org_id"])  # Society Number + Suffix
    neither = tmp_path / "neither.csv"
    neither.write_text(text.replace("Full Registation Number", "X").replace("Society Number", "Y"),
                       encoding="utf-8")
    with pytest.raises(InputFileError, match="Full Registation Number"):
        R.read_mutuals(neither)


def test_load_registries(registry):
    assert list(registry.columns) == [*R.COLUMNS, "previous_names"]  # Companies House's old names
    assert registry["org_id"].is_unique
    assert registry["registry"].value_counts().to_dict() == {
        "companies_house": 17, "charity_commission": 5, "mutuals": 4, "oscr": 2, "ccni": 2}
    assert len(registry.attrs["notes"]) == 2
    assert R.load_registries().columns.tolist() == R.COLUMNS


# ---------------------------------------------------------------- wrong files

def test_wrong_register_names_file_registry_and_columns():
    with pytest.raises(InputFileError) as err:
        R.read_charity_commission(CH_CSV)
    text = str(err.value)
    assert str(CH_CSV) in text
    assert "Charity Commission register extract" in text
    assert "'registered_charity_number'" in text and "'charity_name'" in text  # expected
    assert "'CompanyName'" in text and "'CompanyNumber'" in text  # found
    assert err.value.exit_code == EXIT_INPUT
    with pytest.raises(InputFileError, match=r"(?s)Companies House BasicCompanyData.*registered_charity_number"):
        R.read_companies_house(CCEW_TXT)
    with pytest.raises(InputFileError, match=r"(?s)Northern Ireland.*'Reg charity number'"):
        R.read_ccni(OSCR)
    with pytest.raises(InputFileError, match="Scottish Charity Register"):
        R.read_oscr(MUTUALS)
    with pytest.raises(InputFileError, match="Mutuals Public Register"):
        R.read_mutuals(CCNI)


def test_missing_needed_column(tmp_path):
    text = CH_CSV.read_text().replace("CompanyStatus", "CoStatus", 1)
    bad = tmp_path / "BasicCompanyData-bad.csv"
    bad.write_text(text)
    with pytest.raises(InputFileError, match=r"cannot find the column\(s\) 'CompanyStatus'") as err:
        R.read_companies_house(bad)
    assert "'CoStatus'" in str(err.value)  # what was found
    lines = OSCR.read_text().splitlines()
    lines[0] = lines[0].replace("Postcode", "Post Town")
    nopc = tmp_path / "oscr.csv"
    nopc.write_text("\n".join(lines))
    with pytest.raises(InputFileError, match="'Postcode'"):
        R.read_oscr(nopc)


def test_not_a_text_file(tmp_path):
    book = tmp_path / "register.xlsx"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InputFileError, match="Excel workbook"):
        R.read_charity_commission(book)
    with pytest.raises(InputFileError, match="Excel workbook"):
        R.read_companies_house(book)
    binary = tmp_path / "blob.csv"
    binary.write_bytes(bytes(range(256)) * 50)
    with pytest.raises(InputFileError, match="binary"):
        R.read_oscr(binary)
    empty_zip = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty_zip, "w") as z:
        z.writestr("readme.md", "nothing here")
    with pytest.raises(InputFileError, match="holds no CSV"):
        R.read_ccni(empty_zip)
    with pytest.raises(InputFileError, match="no such file"):
        R.read_mutuals(tmp_path / "missing.csv")
    with pytest.raises(InputFileError, match="no such file"):
        R.read_companies_house(tmp_path / "missing.zip")


def test_ragged_file_is_refused(tmp_path):
    bad = tmp_path / "ccni.csv"
    header = CCNI.read_text().splitlines()[0]
    bad.write_text(header + "\n" + "\n".join("1,2,3" for _ in range(50)) + "\n")
    with pytest.raises(InputFileError, match="do not have the header's 19 columns"):
        R.read_ccni(bad)


# ---------------------------------------------------------------- number normalisation

def test_normalise_company_numbers():
    raw = pd.Series(["4142000", " 04142000 ", "sc 654321", "SC54321", "GB-COH-01234567", "NI612345",
                     "CE012345", "0", "N/A", "", "123456789", "OC 30 1234"], dtype="str")
    assert list(R.normalise_company_numbers(raw)) == [
        "04142000", "04142000", "SC654321", "SC054321", "01234567", "NI612345", "CE012345", "", "", "",
        "", "OC301234"]


def test_normalise_charity_numbers():
    raw = pd.Series(["1190002", "GB-CHC-1190002", "1234567-1", "SC45678", "GB-SC-SC045678", "NIC100001",
                     "GB-NIC-100001", "0214999", "0", "n/a", ""], dtype="str")
    assert list(R.normalise_charity_numbers(raw)) == [
        "1190002", "1190002", "1234567", "SC045678", "SC045678", "100001", "100001", "214999", "", "", ""]


# ---------------------------------------------------------------- matching

def test_match_by_company_number_padded_or_not(registry):
    for number in ("4142000", "04142000"):
        m = match_one(registry, "Acme (invoices)", company=number)
        assert m["org_id"] == "GB-COH-04142000"
        assert m["match_method"] == "company number" and m["match_score"] == 100.0
        assert m["match_evidence"] == "Companies House GB-COH-04142000 by company number"
        assert m["reg_name"] == "ACME LIMITED" and m["reg_accounts_category"] == "MICRO ENTITY"


def test_company_number_wins_over_name(registry):
    m = match_one(registry, "ACME LTD", company="09876543")
    assert m["org_id"] == "GB-COH-09876543" and m["match_method"] == "company number"


def test_company_number_of_a_charity_without_companies_house(registry):
    charities_only = registry[registry["registry"] != "companies_house"]
    m = match_one(charities_only, "Food bank", company="7123456")
    assert m["org_id"] == "GB-CHC-1234567" and m["match_method"] == "company number"
    assert m["match_evidence"] == ("Charity Commission GB-CHC-1234567 by company number 07123456 "
                                   "(the charity's registered company)")
    with_ch = match_one(registry, "Food bank", company="7123456")
    assert with_ch["org_id"] == "GB-COH-07123456" and with_ch["linked_org_ids"] == "GB-CHC-1234567"


@pytest.mark.parametrize(("number", "org_id"), [
    ("1190002", "GB-CHC-1190002"), ("GB-CHC-1190002", "GB-CHC-1190002"), ("1234567-1", "GB-CHC-1234567"),
    ("SC45678", "GB-SC-SC045678"), ("NIC100002", "GB-NIC-100002"), ("100001", "GB-NIC-100001")])
def test_match_by_charity_number(registry, number, org_id):
    m = match_one(registry, "someone we paid", charity=number)
    assert m["org_id"] == org_id and m["match_method"] == "charity number"
    assert m["match_evidence"].endswith(f"{org_id} by charity number")


def test_match_by_exact_name_variants(registry):
    out = M.match_payees(payees(("ACME LTD", "", ""), ("Acme Limited.", "", ""), ("acme ltd", "", "")),
                         registry)
    assert list(out["org_id"]) == ["GB-COH-04142000"] * 3
    assert (out["match_method"] == "name").all() and (out["match_score"] == 100.0).all()
    assert (out["match_evidence"] == "name exact ('ACME LIMITED') Companies House GB-COH-04142000").all()
    bare = match_one(registry, "The Acme")
    assert bare["org_id"] == "GB-COH-04142000"
    assert bare["match_evidence"] == "name without legal form ('ACME LIMITED') Companies House GB-COH-04142000"


def test_payee_key_computed_when_missing(registry):
    frame = payees(("Acme Limited.", "", "")).drop(columns="payee_key")
    assert M.match_payees(frame, registry)["org_id"].iloc[0] == "GB-COH-04142000"


def test_exact_name_prefers_the_active_entry(registry):
    m = match_one(registry, "Greenway Landscapes Ltd")
    assert m["org_id"] == "GB-COH-08000001" and m["reg_status"] == "Active"  # not the dissolved 05000001


def test_exact_name_one_organisation_on_two_registers(registry):
    food = match_one(registry, "Wigan Food Bank")  # charity + its company (linked by number)
    assert food["org_id"] == "GB-CHC-1234567" and food["linked_org_ids"] == "GB-COH-07123456"
    cio = match_one(registry, "Leigh Community Gardens")  # CIO on both, no linking number
    assert cio["org_id"] == "GB-CHC-1180001" and cio["linked_org_ids"] == "GB-COH-CE012345"


def test_fuzzy_match_with_score_in_evidence(registry):
    m = match_one(registry, "ACME PLUMBNG SERVICES LTD")
    assert m["org_id"] == "GB-COH-09876543" and m["match_method"] == "fuzzy name"
    assert 97 < m["match_score"] < 98
    assert m["match_evidence"].startswith(f"fuzzy {m['match_score'] / 100:.2f}, ")
    assert m["match_evidence"].endswith("'ACME PLUMBING SERVICES LIMITED' Companies House GB-COH-09876543")
    assert m["reg_postcode"] == "WN3 4BB"


def test_fuzzy_threshold_and_key_length_are_settings(registry):
    assert match_one(registry, "ACME PLUMBNG SERVICES LTD", fuzzy_threshold=99)["org_id"] == ""
    too_short = match_one(registry, "ACME PLUMBNG SERVICES LTD", min_key_length=30)
    assert too_short["org_id"] == "" and "too short" in too_short["match_evidence"]


def test_short_key_is_not_fuzzy_matched(registry):
    m = match_one(registry, "ABC LTD")  # registry has ABD LIMITED: one letter away
    assert m["org_id"] == "" and m["match_method"] == ""
    assert m["match_evidence"] == "no registry match (name too short for fuzzy matching)"


def test_generic_key_is_not_fuzzy_matched(registry):
    m = match_one(registry, "CARE SERVICES LTD")  # registry has CARE SERVICE LTD
    assert m["org_id"] == ""
    assert m["match_evidence"] == "no registry match (name too generic for fuzzy matching)"
    assert M.generic_key(pd.Series(["CARE SERVICES", "NORTH WEST CARE", "24 7 CARE", "ACME CARE", ""],
                                   dtype="str")).tolist() == [True, True, True, False, True]


def test_similar_to_two_organisations_is_not_matched(registry):
    # HARTLEY ROOFING CONTRACTOR LTD and HARTLEYS ROOFING CONTRACTORS LTD: each differs from the
    # payee by a real word (a plural), so neither is this payee
    m = match_one(registry, "HARTLEY ROOFING CONTRACTORS LTD")
    assert m["org_id"] == "" and m["match_method"] == ""
    assert m["match_evidence"] == "no registry match (no close name)"


def test_same_name_on_two_registers_is_ambiguous(registry):
    m = match_one(registry, "Zenith Supplies Ltd")  # a company and an unrelated co-operative
    assert m["org_id"] == ""
    assert m["match_evidence"].startswith("not matched: ambiguous name: 2 organisations: ")
    assert "GB-COH-11555666" in m["match_evidence"] and "GB-MPR-34567R" in m["match_evidence"]


@pytest.mark.parametrize("name", ["REDACTED", "Redacted - personal data", "Personal Data", "INDIVIDUAL",
                                  "Mr X", "MRS J SMITH"])
def test_redacted_and_individuals_never_match(registry, name):
    m = match_one(registry, name, company="04142000", charity="1190002")
    assert m["org_id"] == "" and m["match_method"] == "" and math.isnan(m["match_score"])
    assert m["match_evidence"].startswith("not matched: ")


def test_titled_company_is_not_an_individual():
    reasons = M.redacted_or_individual(pd.Series(["Dr Foster Limited", "Mr X", "REDACTED", "Acme"], dtype="str"))
    assert reasons.tolist() == ["", "looks like an individual", "redacted or personal data", ""]


def test_unmatched_says_why(registry):
    m = match_one(registry, "Totally Unknown Widget Makers", company="99999999", charity="1999999")
    assert m["match_evidence"] == ("no registry match (company number 99999999 not in the registers "
                                   "loaded; charity number 1999999 not in the registers loaded; no close name)")


def test_result_shape(registry):
    frame = payees(("ACME LTD", "", ""), ("nobody at all here", "", ""), ("REDACTED", "", ""))
    frame.index = [10, 20, 30]
    out = M.match_payees(frame, registry)
    assert list(out.index) == [10, 20, 30]
    assert list(out.columns[:5]) == ["org_id", "match_method", "match_score", "match_evidence", "linked_org_ids"]
    assert {f"reg_{c}" for c in R.COLUMNS if c != "org_id"} <= set(out.columns)
    assert out.loc[20, "reg_name"] == "" and np.isnan(out.loc[20, "reg_income_pounds"])
    assert all(isinstance(out[c].dtype, pd.StringDtype) for c in out.columns
               if c not in ("match_score", "reg_income_pounds", "reg_postcode_share"))


def test_empty_inputs(registry):
    none = M.match_payees(payees(), registry)
    assert none.empty and "org_id" in none
    nothing = M.match_payees(payees(("ACME LTD", "04142000", "")), R.empty_registry())
    assert nothing["org_id"].iloc[0] == ""


def test_registry_written_and_read_back_as_csv_still_matches(registry, tmp_path):
    """A registry saved by a user (e.g. to CSV) and read back with dtype=str still works."""
    buf = io.StringIO()
    registry.to_csv(buf, index=False)
    back = pd.read_csv(io.StringIO(buf.getvalue()), dtype="str", keep_default_na=False)
    m = match_one(back, "ACME LTD")
    assert m["org_id"] == "GB-COH-04142000"


def test_a_cic_plc_or_llp_is_never_a_charity(registry):
    # the charity PENNINE "FRIENDS" OF THE EARTH has exactly this name key
    assert match_one(registry, "Pennine Friends of the Earth")["org_id"] == "GB-CHC-1190002"
    cic = match_one(registry, "Pennine Friends of the Earth CIC")
    assert cic["org_id"] == "" and cic["match_evidence"] == "no registry match (no close name)"
    assert match_one(registry, "Brightstart Community CIC")["org_id"] == "GB-COH-12345678"
    assert match_one(registry, "Zenith Supplies PLC")["org_id"] == "GB-COH-11555666"  # not the co-op


def test_linked_company_from_the_charity_register_itself(registry):
    charities_only = registry[registry["registry"] != "companies_house"]
    m = match_one(charities_only, "Wigan Food Bank")
    assert m["org_id"] == "GB-CHC-1234567" and m["linked_org_ids"] == "GB-COH-07123456"


def test_same_register_given_twice_is_deduplicated():
    both = R.load_registries(charities=[CCEW_TXT, CCEW_SUBSET])
    assert both["org_id"].is_unique
    assert {"GB-CHC-219999", "GB-CHC-1234567"} <= set(both["org_id"])
    assert any("given twice" in n for n in both.attrs["notes"])
