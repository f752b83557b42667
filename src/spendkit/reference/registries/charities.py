"""The charity registers -> the common frame: the Charity Commission for England and Wales,
the Scottish Charity Register (OSCR) and the Charity Commission for Northern Ireland, each
read as downloaded; linked and sub-charities (which share their main charity's number) dropped."""

from __future__ import annotations

import pandas as pd

from spendkit.normalise import postcodes
from spendkit.normalise.values import clean_text
from spendkit.reference.registries.common import (
    Field,
    PathLike,
    common_frame,
    finish_frame,
    normalise_company_numbers,
)
from spendkit.reference.registries.files import read_register

CCEW_FIELDS = (
    Field("number", "registered_charity_number", ("regno", "charity_number")),
    Field("linked", "linked_charity_number", ("subno",), required=False),
    Field("name", "charity_name"),
    Field("type", "charity_type", required=False),
    Field("status", "charity_registration_status", required=False),
    Field("company", "charity_company_registration_number", ("coyno",), required=False),
    Field("postcode", "charity_contact_postcode", ("postcode",)),
    Field("income", "latest_income", required=False),
    Field("cio", "charity_is_cio", required=False),
)
OSCR_FIELDS = (
    Field("number", "Charity Number", ("Charity No", "Scottish Charity Number")),
    Field("name", "Charity Name"),
    Field("postcode", "Postcode", ("Post Code",)),
    Field("income", "Most recent year income", ("Most recent income",), required=False),
    Field("status", "Charity Status", ("Status",), required=False),
    Field("form", "Constitutional Form", required=False),
)
CCNI_FIELDS = (
    Field("number", "Reg charity number", ("Registered charity number", "Charity number")),
    Field("sub", "Sub charity number", required=False),
    Field("name", "Charity name"),
    Field("address", "Public address", ("Address",)),
    Field("income", "Total income", required=False),
    Field("status", "Status", required=False),
    Field("company", "Company number", required=False),
)


def read_charity_commission(path: PathLike) -> pd.DataFrame:
    """Charity Commission for England and Wales register extract -> common frame.

    ``publicextract.charity.txt`` (tab-separated, UTF-8, BOM or not) or the zip holding it;
    also CSV subsets with the same column names (``NA`` as null). Linked charities
    (``linked_charity_number`` not 0) share their main charity's number and are dropped.
    """
    raw, source, notes = read_register(path, "charity_commission", CCEW_FIELDS,
                                       prefer=r"publicextract\.charity\.(?:txt|csv)$")
    raw = _main_charities(raw, "linked", "linked charit", "linked_charity_number", notes)
    number = raw["number"].str.strip().str.lstrip("0")
    ctype = clean_text(raw["type"])
    is_cio = raw["cio"].str.strip().str.lower().isin(["true", "1", "yes", "t"]) | ctype.str.fullmatch(r"(?i)cio")
    legal = ctype.where(~ctype.isin(["", "Other"]), "Registered charity").where(~is_cio, "CIO")
    out = common_frame(
        registry="charity_commission", number=number, name=raw["name"], postcode=raw["postcode"],
        legal_form=legal, status=raw["status"], income=raw["income"],
        company_number=normalise_company_numbers(raw["company"]))
    return finish_frame(out, source, notes)


def _main_charities(raw: pd.DataFrame, column: str, noun: str, header: str,
                    notes: list[str]) -> pd.DataFrame:
    """Keep main charities only: linked and sub-charities (``column`` not 0) share their main
    charity's number, and are dropped with a note."""
    main = raw[column].str.strip().isin(["", "0"])
    dropped = int((~main).sum())
    if dropped:
        notes.append(f"{dropped} {noun}{'y' if dropped == 1 else 'ies'} ({header} not 0) dropped: "
                     "they share their main charity's number")
    return raw.loc[main.to_numpy()].reset_index(drop=True)


def read_oscr(path: PathLike) -> pd.DataFrame:
    """Scottish Charity Register (OSCR) download: ``CharityExport-DD-Mon-YYYY.csv`` or its zip."""
    raw, source, notes = read_register(path, "oscr", OSCR_FIELDS, prefer=r"\.csv$")
    number = raw["number"].str.upper().str.replace(r"\s+", "", regex=True)
    form = clean_text(raw["form"])
    out = common_frame(registry="oscr", number=number, name=raw["name"], postcode=raw["postcode"],
                       legal_form=form.where(form != "", "Registered charity"), status=raw["status"],
                       income=raw["income"], company_number=pd.Series("", index=raw.index, dtype="str"))
    return finish_frame(out, source, notes)


def read_ccni(path: PathLike) -> pd.DataFrame:
    """Charity Commission for Northern Ireland register export (CSV); the postcode is taken
    from the end of the public address. Sub-charities (Sub charity number not 0) are dropped."""
    raw, source, notes = read_register(path, "ccni", CCNI_FIELDS, prefer=r"\.csv$")
    raw = _main_charities(raw, "sub", "sub-charit", "Sub charity number", notes)
    number = raw["number"].str.upper().str.replace(r"\s+|^NIC", "", regex=True).str.lstrip("0")
    coy = raw["company"].str.strip().str.upper()
    # The register gives Northern Ireland company numbers as bare digits ("612345" is NI612345);
    # 0 and 999999 mean none.
    ni = coy.str.fullmatch(r"\d{1,6}") & ~coy.str.fullmatch(r"0+|999999")
    coy = coy.where(~ni, "NI" + coy.str.zfill(6)).where(~coy.str.fullmatch(r"0+|999999"), "")
    company = normalise_company_numbers(coy)
    legal = pd.Series("Registered charity", index=raw.index, dtype="str").where(company == "",
                                                                                "Charitable company")
    out = common_frame(registry="ccni", number=number, name=raw["name"],
                       postcode=postcodes.extract(raw["address"]), legal_form=legal, status=raw["status"],
                       income=raw["income"], company_number=company)
    return finish_frame(out, source, notes)


