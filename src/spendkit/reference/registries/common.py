"""What every register reader shares: the common frame's columns, the registers' names and
org-id prefixes, the column specification (``Field``), and building
and finishing a reader's frame. Numbers are normalised by ``normalise.identifiers`` (the
ledger's numbers use the same parsers)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spendkit.normalise.identifiers import (  # the readers' number normalising, shared with the ledger
    normalise_charity_numbers as normalise_charity_numbers,
)
from spendkit.normalise.identifiers import (
    normalise_company_numbers as normalise_company_numbers,
)
from spendkit.normalise.values import clean_text, name_key

PathLike = str | os.PathLike[str]
Paths = PathLike | Sequence[PathLike]

COLUMNS = ["org_id", "registry", "number", "name", "name_key", "postcode", "legal_form", "status",
           "accounts_category", "income_pounds", "sic_codes", "company_number", "linked_ids",
           "sme_declared", "vcse_declared"]
TEXT_COLUMNS = [c for c in COLUMNS if c != "income_pounds"]

# registry -> (name in words, org-id prefix)
REGISTRIES: dict[str, tuple[str, str]] = {
    "companies_house": ("Companies House", "GB-COH-"),
    "charity_commission": ("Charity Commission", "GB-CHC-"),
    "oscr": ("Scottish Charity Register", "GB-SC-"),
    "ccni": ("Charity Commission for Northern Ireland", "GB-NIC-"),
    "mutuals": ("Mutuals Public Register", "GB-MPR-"),
    "ocds": ("Procurement notices (OCDS)", ""),
    "charity_company_links": ("Charity and company number links", "GB-CHC-"),
    "cio_links": ("CIO company number links", "GB-CHC-"),
    "dual_registered": ("Charities registered in Scotland and England and Wales", "GB-SC-"),
}
# The kinds that only link organisations on other registers (same organisation, two numbers):
# they add to those registers' rows (``linked_ids``, ``company_number``), never rows of their own.
LINK_REGISTRIES = ("charity_company_links", "cio_links", "dual_registered")
# When one organisation is on two registers (a charitable company), a name match reports
# the charity: that registration is what makes it VCFSE.
NAME_PRIORITY = {"charity_commission": 0, "oscr": 1, "ccni": 2, "mutuals": 3, "companies_house": 4}
CHARITY_REGISTRIES = ("charity_commission", "oscr", "ccni")


# ---------------------------------------------------------------- column specifications

@dataclass(frozen=True)
class Field:
    """One column a reader needs: its role, the header the genuine download uses, accepted
    alternatives (compared case-, space- and punctuation-blind), and whether it must exist."""

    role: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    def names(self) -> set[str]:
        return {fold(n) for n in (self.header, *self.aliases)}


def fold(text: str) -> str:
    """A header compared case-, space- and punctuation-blind."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def describe(registry: str) -> str:
    """The register's download, in words (for messages)."""
    return {"companies_house": "Companies House BasicCompanyData CSV",
            "charity_commission": "Charity Commission register extract (publicextract.charity)",
            "oscr": "Scottish Charity Register (OSCR) CSV download",
            "ccni": "Charity Commission for Northern Ireland register CSV",
            "mutuals": "FCA Mutuals Public Register CSV (SocietyList.csv)",
            "ocds": "OCDS procurement notices (releases or packages, JSON or JSON lines)",
            "charity_company_links": "charity <-> company number lookup (org_id_a,org_id_b,name)",
            "cio_links": "CIO company number lookup (company_number,charity_number)",
            "dual_registered": "dual-registered charities lookup (Scottish and E&W numbers)",
            }[registry]


# ---------------------------------------------------------------- frames

def as_list(given: Paths | None) -> list[PathLike]:
    """One path or several -> a list of paths (none for None)."""
    if given is None:
        return []
    if isinstance(given, str | os.PathLike):
        return [given]
    return list(given)


def text_column(raw: pd.Series | None, index: pd.Index | None = None) -> pd.Series:
    """A column as text, missing values as "" (all "" on ``index`` when there is no column)."""
    if raw is None:
        return pd.Series("", index=index, dtype="str")
    if not isinstance(raw.dtype, pd.StringDtype):
        raw = raw.astype(object)
    return raw.fillna("").astype("str")


def common_frame(*, registry: str, number: pd.Series, name: pd.Series, postcode: pd.Series,
                 legal_form: pd.Series, status: pd.Series, income: pd.Series | None,
                 company_number: pd.Series, accounts: pd.Series | None = None,
                 sic: pd.Series | None = None) -> pd.DataFrame:
    """A reader's columns -> the common frame (``COLUMNS``), text tidied, income in pounds."""
    idx = number.index
    number = text_column(number).str.strip()
    names = clean_text(text_column(name))
    prefix = REGISTRIES[registry][1]
    if income is None:
        income_pounds = pd.Series(np.nan, index=idx, dtype="float64")
    else:
        money = text_column(income).str.replace(r"[£,\s]", "", regex=True)
        income_pounds = pd.to_numeric(money.where(money != "", np.nan), errors="coerce").astype("float64")
    frame = pd.DataFrame({
        "org_id": (prefix + number).where(number != "", ""),
        "registry": registry,
        "number": number,
        "name": names,
        "name_key": name_key(names),
        "postcode": text_column(postcode).str.strip(),
        "legal_form": clean_text(text_column(legal_form)),
        "status": clean_text(text_column(status)),
        "accounts_category": clean_text(text_column(accounts, idx)),
        "income_pounds": income_pounds,
        "sic_codes": text_column(sic, idx),
        "company_number": text_column(company_number),
        "linked_ids": "",
        "sme_declared": "",
        "vcse_declared": "",
    }, index=idx)
    for name in ("registry", "linked_ids", "sme_declared", "vcse_declared"):
        frame[name] = frame[name].astype("str")
    return frame[COLUMNS]


def finish_frame(frame: pd.DataFrame, source: str, notes: list[str]) -> pd.DataFrame:
    """Drop rows without the register's number (nothing to identify them by); note how many."""
    empty = frame["number"] == ""
    if empty.any():
        notes.append(f"{source}: {int(empty.sum())} row(s) without a registration number skipped")
        frame = frame.loc[~empty.to_numpy()]
    frame = frame.reset_index(drop=True)
    frame.attrs["notes"] = notes
    frame.attrs["source"] = source
    return frame
