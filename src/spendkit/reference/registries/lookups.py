"""Published lookup tables that link one organisation's numbers on two registers: charity <->
company numbers (``org_id_a,org_id_b,name``), CIO company numbers (``company_number,
charity_number``) and charities registered in both Scotland and England and Wales. Each is read
into the common frame (one row per link: ``org_id`` and the other number in ``linked_ids``);
``apply_links`` adds them to the rows of the registers they link. ``apply_declarations`` adds a
procurement notice's SME/VCSE declarations to another register's row of the same org-id."""

from __future__ import annotations

import pandas as pd

from spendkit.normalise.values import clean_text, name_key
from spendkit.reference.registries.common import (
    COLUMNS,
    Field,
    PathLike,
    normalise_charity_numbers,
    normalise_company_numbers,
)
from spendkit.reference.registries.files import read_register

CHARITY_COMPANY_FIELDS = (
    Field("a", "org_id_a"),
    Field("b", "org_id_b"),
    Field("name", "name", required=False),
)
CIO_FIELDS = (
    Field("company", "company_number"),
    Field("charity", "charity_number"),
)
DUAL_FIELDS = (
    Field("scottish", "Scottish Charity Number"),
    Field("ew", "E&W Charity Number"),
    Field("name", "Charity Name (E&W)", ("Charity Name",), required=False),
)

_ORG_ID = r"^GB-(?:COH|CHC|SC|NIC|MPR)-[A-Z0-9]+$"


def read_charity_company_links(path: PathLike) -> pd.DataFrame:
    """``charity-company-numbers.csv``: one row per pair of org-ids of one organisation."""
    raw, source, notes = read_register(path, "charity_company_links", CHARITY_COMPANY_FIELDS,
                                       prefer=r"\.csv$")
    a = org_ids(raw["a"])
    b = org_ids(raw["b"])
    ok = a.str.match(_ORG_ID) & b.str.match(_ORG_ID)
    return _links(a, b, raw["name"], ok, source, notes, "charity_company_links")


def org_ids(raw: pd.Series) -> pd.Series:
    """org-ids written as the registers write their numbers: ``GB-COH-7000001`` ->
    ``GB-COH-07000001``, ``GB-CHC-01234567`` -> ``GB-CHC-1234567``; others as given (upper case)."""
    text = raw.astype("str").str.strip().str.upper()
    coh = text.str.startswith("GB-COH-")
    chc = text.str.match(r"^GB-(?:CHC|SC|NIC)-")
    company = normalise_company_numbers(text.where(coh, ""))
    charity = normalise_charity_numbers(text.where(chc, ""))
    prefix = text.str.extract(r"^(GB-[A-Z]+-)", expand=False).fillna("")
    out = text.where(~(coh & (company != "")), "GB-COH-" + company)
    return out.where(~(chc & (charity != "")), prefix + charity).astype("str")


def read_cio_links(path: PathLike) -> pd.DataFrame:
    """``cio_company_numbers.csv``: a CIO's Companies House number (CE/CS...) and charity number."""
    raw, source, notes = read_register(path, "cio_links", CIO_FIELDS, prefer=r"\.csv$")
    company = normalise_company_numbers(raw["company"])
    charity = normalise_charity_numbers(raw["charity"])
    ok = (company != "") & (charity != "")
    return _links("GB-CHC-" + charity, "GB-COH-" + company, None, ok, source, notes, "cio_links")


def read_dual_registered(path: PathLike) -> pd.DataFrame:
    """``dual-registered-uk-charities.csv``: a charity's OSCR (SC...) and E&W numbers."""
    raw, source, notes = read_register(path, "dual_registered", DUAL_FIELDS, prefer=r"\.csv$")
    scottish = raw["scottish"].str.upper().str.replace(r"\s+", "", regex=True)
    ew = normalise_charity_numbers(raw["ew"])
    ok = scottish.str.fullmatch(r"SC\d{6}") & (ew != "")
    return _links("GB-SC-" + scottish, "GB-CHC-" + ew, raw["name"], ok, source, notes,
                  "dual_registered")


def _links(a: pd.Series, b: pd.Series, name: pd.Series | None, ok: pd.Series, source: str,
           notes: list[str], registry: str) -> pd.DataFrame:
    bad = int((~ok).sum())
    if bad:
        notes.append(f"{source}: {bad} row(s) without two valid numbers skipped")
    a, b = a[ok].astype("str"), b[ok].astype("str")
    names = clean_text(name[ok].astype("str")) if name is not None \
        else pd.Series("", index=a.index, dtype="str")
    frame = pd.DataFrame({c: pd.Series("", index=a.index, dtype="str") for c in COLUMNS})
    frame["org_id"] = a
    frame["registry"] = registry
    frame["number"] = a.str.replace(r"^GB-[A-Z]+-", "", regex=True)
    frame["name"] = names
    frame["name_key"] = name_key(names)
    frame["linked_ids"] = b
    frame["income_pounds"] = float("nan")
    frame = frame[COLUMNS].drop_duplicates(["org_id", "linked_ids"]).reset_index(drop=True)
    for c in COLUMNS:
        if c != "income_pounds":
            frame[c] = frame[c].astype("str")
    frame.attrs["notes"] = notes
    frame.attrs["source"] = source
    return frame


def apply_links(frame: pd.DataFrame, links: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``frame`` with each link added both ways to ``linked_ids`` of the rows it names, and a
    charity's company number filled from a link to Companies House where the register gave none.
    Returns the frame and how many of its rows gained a link."""
    if links.empty or frame.empty:
        return frame, 0
    pairs = pd.concat([
        pd.DataFrame({"org_id": links["org_id"], "other": links["linked_ids"]}),
        pd.DataFrame({"org_id": links["linked_ids"], "other": links["org_id"]})],
        ignore_index=True).drop_duplicates()
    pairs = pairs[pairs["org_id"].isin(frame["org_id"])]
    if pairs.empty:
        return frame, 0
    joined = pairs.sort_values(["org_id", "other"]).groupby("org_id", sort=False)["other"] \
        .agg(";".join)
    out = frame.copy()
    new = out["org_id"].map(joined).astype(object).fillna("").astype("str")
    had = out["linked_ids"].astype("str")
    out["linked_ids"] = (had + ";" + new).str.strip(";").where((had != "") & (new != ""),
                                                               had.where(new == "", new))
    company = pairs[pairs["other"].str.startswith("GB-COH-")].drop_duplicates("org_id")
    company_no = out["org_id"].map(company.set_index("org_id")["other"].str.slice(7)) \
        .astype(object).fillna("").astype("str")
    fill = (out["company_number"] == "") & (company_no != "")
    out["company_number"] = out["company_number"].where(~fill, company_no)
    return out, int((new != "").sum())


DECLARED = ("sme_declared", "vcse_declared")


def declarations(notices: pd.DataFrame) -> pd.DataFrame:
    """A notices register's declarations: org_id, sme_declared, vcse_declared, one row per
    org-id that declared anything (the notices register keeps each supplier once, as in its
    latest notice)."""
    said = (notices[list(DECLARED)] != "").any(axis=1)
    return notices.loc[said, ["org_id", *DECLARED]].drop_duplicates("org_id").reset_index(drop=True)


def apply_declarations(frame: pd.DataFrame, declared: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a notice's declarations (``declarations``) copied to the rows of the same
    org-id that hold none of their own (a notice's own rows keep theirs)."""
    if declared.empty or frame.empty:
        return frame
    said = declared.set_index("org_id")
    out = frame.copy()
    for col in DECLARED:
        if col not in out:
            out[col] = ""
        found = out["org_id"].map(said[col]).astype(object).fillna("").astype("str")
        out[col] = out[col].where((out[col] != "") | (found == ""), found)
    return out
