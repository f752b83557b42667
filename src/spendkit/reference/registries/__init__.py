"""Registers of organisations -> one common frame, and payees matched to it.

Readers take each register as its publisher's download comes (the file, or the zip
holding it) and return one row per organisation in a common frame:

==================  ==============================================================
org_id              org-id identifier: GB-COH-01234567, GB-CHC-1234567, GB-SC-SC012345,
                    GB-NIC-100001, GB-MPR-12345R
registry            companies_house | charity_commission | oscr | ccni | mutuals
number              the register's own number for it
name                its name as registered (whitespace tidied)
name_key            ``normalise.name_key(name)``
postcode            as the register gives it (trimmed, not validated)
legal_form          Companies House CompanyCategory; "Registered charity", "CIO" or the
                    register's own type for charities; "Registered As" for mutuals
status              as the register gives it ("Active", "Registered", "Removed"...)
accounts_category   Companies House only (MICRO ENTITY, SMALL, DORMANT...)
income_pounds       float, NaN when unknown: charities' latest income
sic_codes           Companies House only: SIC codes joined with ";"
company_number      Companies House rows: their own number; charities: the linked
                    company number where the register gives one; else ""
==================  ==============================================================

``match_payees`` joins distinct payees to that frame: by company number, then
charity number, then exact name key, then (carefully) a fuzzy name; every
result says how, with the evidence, and payees that could not be matched say why.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from spendkit.errors import ColumnError, InputFileError
from spendkit.normalise import postcodes
from spendkit.normalise.values import clean_text, name_key
from spendkit.read.files import sniff_format
from spendkit.reference.postcode_index import cache_dir

PathLike = str | os.PathLike[str]
Paths = PathLike | Sequence[PathLike]

COLUMNS = ["org_id", "registry", "number", "name", "name_key", "postcode", "legal_form", "status",
           "accounts_category", "income_pounds", "sic_codes", "company_number"]
TEXT_COLUMNS = [c for c in COLUMNS if c != "income_pounds"]

# registry -> (name in words, org-id prefix)
REGISTRIES: dict[str, tuple[str, str]] = {
    "companies_house": ("Companies House", "GB-COH-"),
    "charity_commission": ("Charity Commission", "GB-CHC-"),
    "oscr": ("Scottish Charity Register", "GB-SC-"),
    "ccni": ("Charity Commission for Northern Ireland", "GB-NIC-"),
    "mutuals": ("Mutuals Public Register", "GB-MPR-"),
}
# When one organisation is on two registers (a charitable company), a name match reports
# the charity: that registration is what makes it VCFSE.
NAME_PRIORITY = {"charity_commission": 0, "oscr": 1, "ccni": 2, "mutuals": 3, "companies_house": 4}
CHARITY_REGISTRIES = ("charity_commission", "oscr", "ccni")

CACHE_FORMAT = 1  # bump when the frame read_companies_house builds changes
CACHE_KEEP = 3  # most recent Companies House caches kept; older ones are removed

# Words that say nothing about which organisation a name is. A key made only of these
# (and numbers or single letters) is never fuzzy-matched: "CARE SERVICES" is thousands
# of companies, and one typo away from thousands more.
GENERIC_WORDS = frozenset([
    "COUNCIL", "SERVICES", "SERVICE", "TRUST", "TRUSTS", "CARE", "SOLUTIONS", "CONSULTING",
    "CONSULTANCY", "CONSULTANTS", "HOLDINGS", "GROUP", "UK", "GB", "NORTH", "SOUTH", "EAST",
    "WEST", "NORTHERN", "SOUTHERN", "EASTERN", "WESTERN", "CENTRAL", "NATIONAL",
    "INTERNATIONAL", "BRITISH", "BRITAIN", "ENGLAND", "LONDON", "MANAGEMENT", "ENTERPRISES",
    "ENTERPRISE", "ASSOCIATES", "PARTNERS", "PARTNERSHIP", "COMPANY", "CO", "AND", "OF", "THE",
    "FOR", "LTD", "LIMITED", "PLC", "HOME", "HOMES", "HEALTH", "HEALTHCARE", "SUPPORT",
    "SUPPLIES", "SUPPLY", "PROPERTY", "PROPERTIES", "CONSTRUCTION", "BUILDING", "BUILDERS",
    "TRADING", "INVESTMENTS", "DEVELOPMENTS", "DEVELOPMENT", "TECHNOLOGY", "TECHNOLOGIES",
    "SYSTEMS", "COMMUNITY", "CENTRE", "ASSOCIATION", "SOCIETY", "FOUNDATION", "CHARITY",
    "CHARITABLE", "PROJECT", "PROJECTS", "NETWORK", "HOUSING", "CLEANING", "SECURITY",
    "TRAINING", "EDUCATION", "TRANSPORT", "LOCAL", "REGIONAL", "SOCIAL", "FAMILY", "FAMILIES",
])

# Payees that are people or personal data: never matched to an organisation.
_REDACTED_ANYWHERE = r"\b(?:REDACTED|PERSONAL DATA|PERSONAL INFORMATION|WITHHELD|DATA PROTECTION|GDPR)\b"
_REDACTED_WHOLE = (r"(?:PRIVATE |NAMED )?INDIVIDUALS?|CONFIDENTIAL|NOT DISCLOSED|UNDISCLOSED|ANONYMOUS"
                   r"|PRIVATE|PERSONAL|SENSITIVE|PERSON|CLIENT|CLIENTS|SERVICE USER|SERVICE USERS")
_TITLE = r"^(?:MR|MRS|MS|MISS|MX|DR|MASTER|SIR|DAME|PROF|REV|REVD)\b"
_ORGANISATION_WORDS = (r"\b(?:LTD|LIMITED|PLC|LLP|CIC|CIO|INC|COMPANY|PARTNERS|PARTNERSHIP|ASSOCIATES|"
                       r"SURGERY|PRACTICE|TRUST|SERVICES|GROUP)\b")

# A payee whose name ends in one of these is a company, never a registered charity or
# society (a CIC cannot be a charity; charities are not PLCs or LLPs): name matches to those
# registers are ruled out for it.
_COMPANY_ONLY_SUFFIX = r"\b(?:CIC|C\.I\.C|COMMUNITY INTEREST COMPANY|PLC|P\.L\.C|LLP|L\.L\.P)\.?\s*$"
NOT_COMPANY_REGISTRIES = (*CHARITY_REGISTRIES, "mutuals")

_ACTIVE_STATUS = r"(?i)^\s*(?:active|registered|live|open|current|up[- ]to[- ]date)"
_INACTIVE_STATUS = (r"(?i)removed|dissolved|deregistered|de-registered|cancell?ed|ceased|closed|converted"
                    r"|struck off|liquidation|receivership|administration|insolven|dormant company")

MAX_MATRIX_CELLS = 8_000_000  # bound on a fuzzy-matching score matrix (float32 cells)


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
        return {_fold(n) for n in (self.header, *self.aliases)}


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


CH_FIELDS = (
    Field("name", "CompanyName"),
    Field("number", "CompanyNumber"),
    Field("postcode", "RegAddress.PostCode"),
    Field("category", "CompanyCategory"),
    Field("status", "CompanyStatus"),
    Field("accounts", "Accounts.AccountCategory"),
    Field("sic1", "SICCode.SicText_1"),
    Field("sic2", "SICCode.SicText_2", required=False),
    Field("sic3", "SICCode.SicText_3", required=False),
    Field("sic4", "SICCode.SicText_4", required=False),
)
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
MUTUALS_FIELDS = (
    # "Registation" is the register's own spelling; the corrected one is accepted too.
    Field("full", "Full Registation Number", ("Full Registration Number",), required=False),
    Field("number", "Society Number", required=False),
    Field("suffix", "Society Suffix", required=False),
    Field("name", "Society Name"),
    Field("form", "Registered As", required=False),
    Field("address", "Society Address"),
    Field("status", "Society Status", required=False),
)


# ---------------------------------------------------------------- number normalisation

def normalise_company_numbers(raw: pd.Series) -> pd.Series:
    """Company numbers as Companies House writes them: '4142000' -> '04142000',
    'sc 12345' -> 'SC012345', 'GB-COH-01234567' -> '01234567'; '' when not a company number."""
    t = _text(raw).str.upper().str.replace(r"[\s.\-/]+", "", regex=True)
    t = t.str.replace(r"^GBCOH", "", regex=True)
    digits = t.str.fullmatch(r"\d{1,8}")
    t = t.where(~digits, t.str.zfill(8))
    parts = t.str.extract(r"^([A-Z]{2})(\d{1,6})$")
    prefixed = parts[0].notna()
    if prefixed.any():
        t = t.where(~prefixed, parts[0].fillna("") + parts[1].fillna("").str.zfill(6))
    valid = t.str.fullmatch(r"[A-Z0-9]{8}") & ~t.str.fullmatch(r"[A-Z]{0,2}0+")
    return t.where(valid, "")


def normalise_charity_numbers(raw: pd.Series) -> pd.Series:
    """Charity numbers as the registers write them: '1234567', 'SC012345', '100001' (NI).

    Accepts org-ids (GB-CHC-1234567, GB-SC-SC012345, GB-NIC-100001), 'NIC100001',
    a linked charity's '1234567-1' (-> its main charity) and leading zeros."""
    t = _text(raw).str.upper().str.replace(r"\s+", "", regex=True)
    t = t.str.replace(r"^GB-?(?:CHC|SC|NIC)-?", "", regex=True).str.replace(r"^NIC", "", regex=True)
    t = t.str.replace(r"^(\d+)[-/]\d+$", r"\1", regex=True)
    sc = t.str.extract(r"^SC(\d{1,6})$")[0]
    t = t.where(sc.isna(), "SC" + sc.fillna("").str.zfill(6))
    t = t.where(~t.str.fullmatch(r"\d+"), t.str.lstrip("0"))
    valid = t.str.fullmatch(r"\d{5,8}|SC\d{6}") & (t != "SC000000")
    return t.where(valid, "")


# ---------------------------------------------------------------- readers

def read_companies_house(path: Paths, *, use_cache: bool = True) -> pd.DataFrame:
    """Companies House "Free Company Data Product" (BasicCompanyData) -> common frame.

    ``path``: the CSV, the single zip, or the multi-part zips (``...-part1_7.zip``; give one
    part and the others are found beside it, or give them all). Only the needed columns
    are read (pyarrow). The result is cached as Parquet in ``cache_dir()/registries`` under a
    hash of the files' names, sizes and modification times, and rebuilt if that cache is
    missing, stale or unreadable.
    """
    files = _companies_house_files(path)
    key = _cache_key(files)
    cached = cache_dir() / "registries" / f"{key}.parquet"
    if use_cache:
        frame = _read_cache(cached, key)
        if frame is not None:
            return frame
    frames, notes = [], []
    for source, opener in _companies_house_members(files):
        raw, note = _read_ch_member(source, opener)
        frames.append(raw)
        notes += note
    raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = _companies_house_frame(raw)
    frame.attrs["notes"] = notes
    if use_cache:
        _write_cache(cached, key, frame)
    return frame


def read_charity_commission(path: PathLike) -> pd.DataFrame:
    """Charity Commission for England and Wales register extract -> common frame.

    ``publicextract.charity.txt`` (tab-separated, UTF-8, BOM or not) or the zip holding it;
    also CSV subsets with the same column names (``NA`` as null). Linked charities
    (``linked_charity_number`` not 0) share their main charity's number and are dropped.
    """
    raw, source, notes = _read_register(path, "charity_commission", CCEW_FIELDS,
                                        prefer=r"publicextract\.charity\.(?:txt|csv)$")
    raw = _main_charities(raw, "linked", "linked charit", "linked_charity_number", notes)
    number = raw["number"].str.strip().str.lstrip("0")
    ctype = clean_text(raw["type"])
    is_cio = raw["cio"].str.strip().str.lower().isin(["true", "1", "yes", "t"]) | ctype.str.fullmatch(r"(?i)cio")
    legal = ctype.where(~ctype.isin(["", "Other"]), "Registered charity").where(~is_cio, "CIO")
    out = _frame(
        registry="charity_commission", number=number, name=raw["name"], postcode=raw["postcode"],
        legal_form=legal, status=raw["status"], income=raw["income"],
        company_number=normalise_company_numbers(raw["company"]))
    return _finish(out, source, notes)


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
    raw, source, notes = _read_register(path, "oscr", OSCR_FIELDS, prefer=r"\.csv$")
    number = raw["number"].str.upper().str.replace(r"\s+", "", regex=True)
    form = clean_text(raw["form"])
    out = _frame(registry="oscr", number=number, name=raw["name"], postcode=raw["postcode"],
                 legal_form=form.where(form != "", "Registered charity"), status=raw["status"],
                 income=raw["income"], company_number=pd.Series("", index=raw.index, dtype="str"))
    return _finish(out, source, notes)


def read_ccni(path: PathLike) -> pd.DataFrame:
    """Charity Commission for Northern Ireland register export (CSV); the postcode is taken
    from the end of the public address. Sub-charities (Sub charity number not 0) are dropped."""
    raw, source, notes = _read_register(path, "ccni", CCNI_FIELDS, prefer=r"\.csv$")
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
    out = _frame(registry="ccni", number=number, name=raw["name"],
                 postcode=postcodes.extract(raw["address"]), legal_form=legal, status=raw["status"],
                 income=raw["income"], company_number=company)
    return _finish(out, source, notes)


def read_mutuals(path: PathLike) -> pd.DataFrame:
    """FCA Mutuals Public Register download (``SocietyList.csv``): co-operative and community
    benefit societies, credit unions, friendly and building societies; the postcode is taken
    from the end of the society's address."""
    raw, source, notes = _read_register(path, "mutuals", MUTUALS_FIELDS, prefer=r"\.csv$",
                                        check=_mutuals_has_number)
    full = raw["full"].str.upper().str.replace(r"\s+", "", regex=True)
    built = (raw["number"].str.strip() + raw["suffix"].str.strip()).str.upper()
    number = full.where(full != "", built)
    out = _frame(registry="mutuals", number=number, name=raw["name"],
                 postcode=postcodes.extract(raw["address"]), legal_form=raw["form"],
                 status=raw["status"], income=None,
                 company_number=pd.Series("", index=raw.index, dtype="str"))
    return _finish(out, source, notes)


def load_registries(companies: Paths | None = None, charities: Paths | None = None,
                    oscr: Paths | None = None, ccni: Paths | None = None,
                    mutuals: Paths | None = None) -> pd.DataFrame:
    """Every register given, in one common frame (``attrs['notes']`` collects the readers' notes)."""
    frames: list[pd.DataFrame] = []
    if companies is not None:
        frames.append(read_companies_house(companies))
    readers: list[tuple[Paths | None, Callable[[PathLike], pd.DataFrame]]] = [
        (charities, read_charity_commission), (oscr, read_oscr), (ccni, read_ccni),
        (mutuals, read_mutuals)]
    for given, reader in readers:
        for p in _as_list(given):
            frames.append(reader(p))
    if not frames:
        return empty_registry()
    notes = [n for f in frames for n in f.attrs.get("notes", [])]
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    repeated = out["org_id"].duplicated()
    if repeated.any():  # e.g. a full extract and a local subset of it, both given
        notes.append(f"{int(repeated.sum())} organisation(s) given twice: the first of each is kept")
        out = out.loc[~repeated.to_numpy()].reset_index(drop=True)
    out.attrs["notes"] = notes
    return out


def empty_registry() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in TEXT_COLUMNS})
    frame["income_pounds"] = pd.Series([], dtype="float64")
    return frame[COLUMNS]


# ---------------------------------------------------------------- reading helpers

def _as_list(given: Paths | None) -> list[PathLike]:
    if given is None:
        return []
    if isinstance(given, str | os.PathLike):
        return [given]
    return list(given)


def _text(raw: pd.Series | None, index: pd.Index | None = None) -> pd.Series:
    if raw is None:
        return pd.Series("", index=index, dtype="str")
    if not isinstance(raw.dtype, pd.StringDtype):
        raw = raw.astype(object)
    return raw.fillna("").astype("str")


def _frame(*, registry: str, number: pd.Series, name: pd.Series, postcode: pd.Series,
           legal_form: pd.Series, status: pd.Series, income: pd.Series | None,
           company_number: pd.Series, accounts: pd.Series | None = None,
           sic: pd.Series | None = None) -> pd.DataFrame:
    idx = number.index
    number = _text(number).str.strip()
    names = clean_text(_text(name))
    prefix = REGISTRIES[registry][1]
    if income is None:
        income_pounds = pd.Series(np.nan, index=idx, dtype="float64")
    else:
        money = _text(income).str.replace(r"[£,\s]", "", regex=True)
        income_pounds = pd.to_numeric(money.where(money != "", np.nan), errors="coerce").astype("float64")
    frame = pd.DataFrame({
        "org_id": (prefix + number).where(number != "", ""),
        "registry": registry,
        "number": number,
        "name": names,
        "name_key": name_key(names),
        "postcode": _text(postcode).str.strip(),
        "legal_form": clean_text(_text(legal_form)),
        "status": clean_text(_text(status)),
        "accounts_category": clean_text(_text(accounts, idx)),
        "income_pounds": income_pounds,
        "sic_codes": _text(sic, idx),
        "company_number": _text(company_number),
    }, index=idx)
    frame["registry"] = frame["registry"].astype("str")
    return frame[COLUMNS]


def _finish(frame: pd.DataFrame, source: str, notes: list[str]) -> pd.DataFrame:
    """Drop rows without the register's number (nothing to identify them by); note how many."""
    empty = frame["number"] == ""
    if empty.any():
        notes.append(f"{source}: {int(empty.sum())} row(s) without a registration number skipped")
        frame = frame.loc[~empty.to_numpy()]
    frame = frame.reset_index(drop=True)
    frame.attrs["notes"] = notes
    frame.attrs["source"] = source
    return frame


def _describe(registry: str) -> str:
    return {"companies_house": "Companies House BasicCompanyData CSV",
            "charity_commission": "Charity Commission register extract (publicextract.charity)",
            "oscr": "Scottish Charity Register (OSCR) CSV download",
            "ccni": "Charity Commission for Northern Ireland register CSV",
            "mutuals": "FCA Mutuals Public Register CSV (SocietyList.csv)"}[registry]


def _check_path(path: Path, registry: str) -> None:
    if not path.exists():
        raise InputFileError(f"{path}: no such file.",
                             hint=f"Expected the {_describe(registry)}, as downloaded.")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not the {_describe(registry)}.")


def _reject_kind(head: bytes, source: str, registry: str) -> None:
    kind = sniff_format(head)
    what = {"xlsx": "an Excel workbook", "xls": "an Excel 97-2003 workbook",
            "parquet": "a Parquet file", "binary": "binary data, not text", "empty": "empty"}.get(kind)
    if what:
        raise InputFileError(f"{source}: this file is {what}, not the {_describe(registry)}.",
                             hint="Give the register's CSV or text file as downloaded (or the zip holding it).")


def _read_register(path: PathLike, registry: str, fields: Sequence[Field], *, prefer: str,
                   check: Callable[[dict[str, str]], str | None] | None = None
                   ) -> tuple[pd.DataFrame, str, list[str]]:
    """A register's file (or the zip holding it) -> text columns named by role."""
    p = Path(path)
    _check_path(p, registry)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{p}: cannot be read ({exc.strerror}).") from None
    source = str(p)
    if data[:4] == b"PK\x03\x04" and sniff_format(data) == "zip":
        data, source = _zip_member(data, source, registry, prefer)
    _reject_kind(data[:65536], source, registry)
    return _parse_register(data, source, registry, fields, check)


def _zip_member(data: bytes, source: str, registry: str, prefer: str) -> tuple[bytes, str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in archive.infolist() if not i.is_dir()
                   and i.filename.lower().endswith((".csv", ".txt"))
                   and not Path(i.filename).name.startswith((".", "~$"))]
        if not members:
            raise InputFileError(f"{source}: the zip holds no CSV or text file.",
                                 hint=f"Expected the {_describe(registry)}.")
        preferred = [i for i in members if re.search(prefer, i.filename, flags=re.IGNORECASE)]
        member = max(preferred or members, key=lambda i: i.file_size)
        return archive.read(member), f"{source}!{member.filename}"
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputFileError(f"{source}: the zip file is damaged ({exc}).",
                             hint="Download it again.") from None


def _header(data: bytes) -> tuple[list[str], str, str]:
    """(header cells as written, delimiter, encoding) from the first line of ``data``."""
    first = data[:1 << 20].split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text, encoding = first.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = first.decode("cp1252", errors="replace"), "cp1252"
    delimiter = "\t" if text.count("\t") > text.count(",") else ","
    cells = next(csv.reader([text], delimiter=delimiter), [])
    return [c.replace("\ufeff", "").strip() for c in cells], delimiter, encoding


def _map_fields(headers: list[str], fields: Sequence[Field], source: str, registry: str
                ) -> dict[str, int]:
    """role -> column position, or an InputFileError naming what was expected and found."""
    folded = [_fold(h) for h in headers]
    found: dict[str, int] = {}
    for f in fields:
        names = f.names()
        hit = next((i for i, h in enumerate(folded) if h in names), None)
        if hit is not None:
            found[f.role] = hit
    missing = [f for f in fields if f.required and f.role not in found]
    if missing:
        raise _columns_error(source, registry, fields, headers,
                             [f.header for f in missing])
    return found


def _columns_error(source: str, registry: str, fields: Sequence[Field], headers: list[str],
                   missing: list[str]) -> InputFileError:
    """The file, the register expected, the columns it needs and the columns it has."""
    needed = [f.header for f in fields if f.required]
    expected = ", ".join(f"'{h}'" for h in needed)
    shown = ", ".join(f"'{h}'" for h in headers[:40]) + (" ..." if len(headers) > 40 else "")
    if set(missing) >= set(needed):
        what = f"none of its columns ({expected}) are here."
    else:
        what = "cannot find the column(s) " + ", ".join(f"'{m}'" for m in missing) + f" (it needs {expected})."
    return InputFileError(f"{source}: not the {_describe(registry)}: {what}",
                          hint=f"Found {len(headers)} column(s): {shown or '(none)'}.")


def _mutuals_has_number(roles: dict[str, str]) -> str | None:
    return None if ("full" in roles or "number" in roles) else "Full Registation Number"


def _skipper(bad: list[Any]) -> Callable[[Any], str]:
    """A pyarrow invalid-row handler that records the row and skips it."""
    def handle(row: Any) -> str:
        bad.append(row)
        return "skip"
    return handle


def _parse_register(data: bytes, source: str, registry: str, fields: Sequence[Field],
                    check: Callable[[dict[str, str]], str | None] | None
                    ) -> tuple[pd.DataFrame, str, list[str]]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16").encode("utf-8")
    data = data.removeprefix(codecs.BOM_UTF8)
    headers, delimiter, encoding = _header(data)
    found = _map_fields(headers, fields, source, registry)
    if check is not None:
        missing = check({role: headers[i] for role, i in found.items()})
        if missing:
            raise _columns_error(source, registry, fields, headers, [missing])
    if encoding != "utf-8":
        data = data.decode("cp1252", errors="replace").encode("utf-8")
    names = [f"c{i}" for i in range(len(headers))]
    wanted = sorted(set(found.values()))
    notes: list[str] = []

    def parse(body: bytes, quoted: bool) -> tuple[Any, int]:
        bad: list[Any] = []
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"' if quoted else False,
                                              newlines_in_values=quoted,
                                              invalid_row_handler=_skipper(bad)),
            convert_options=pacsv.ConvertOptions(
                include_columns=[names[i] for i in wanted],
                column_types=dict.fromkeys((names[i] for i in wanted), pa.string()),
                strings_can_be_null=False, quoted_strings_can_be_null=False))
        return table, len(bad)

    try:
        try:
            table, bad = parse(data, quoted=True)
        except pa.ArrowInvalid as exc:
            if "UTF8" not in str(exc) and "utf8" not in str(exc).lower():
                raise
            data = data.decode("cp1252", errors="replace").encode("utf-8")
            table, bad = parse(data, quoted=True)
        if bad:  # a tab-separated export with stray quotes: read it again, quotes as text
            table2, bad2 = parse(data, quoted=False)
            if bad2 < bad:
                table, bad = table2, bad2
    except pa.ArrowInvalid as exc:
        raise InputFileError(f"{source}: cannot be read as the {_describe(registry)} ({exc}).",
                             hint="Download the file again; do not open and re-save it in Excel.") from None
    if bad:
        notes.append(f"{source}: {bad} line(s) without the header's {len(headers)} columns skipped")
        if bad > max(10, table.num_rows // 100):
            raise InputFileError(f"{source}: {bad} line(s) do not have the header's {len(headers)} columns.",
                                 hint=f"This does not look like the {_describe(registry)} as downloaded.")
    frame = table.to_pandas()
    out = pd.DataFrame(index=frame.index)
    for f in fields:
        col = frame[names[found[f.role]]] if f.role in found else pd.Series("", index=frame.index, dtype="str")
        col = _text(col).str.strip()
        out[f.role] = col.mask(col.isin(["NA", "NULL", "N/A", "#N/A"]), "")
    return out, source, notes


# ---------------------------------------------------------------- Companies House

_PART = re.compile(r"^(?P<stem>.+)-part(?P<i>\d+)_(?P<n>\d+)\.(?P<ext>zip|csv)$", re.IGNORECASE)


def _companies_house_files(path: Paths) -> list[Path]:
    """The physical files to read, with multi-part sets completed (or an error naming the gaps)."""
    given = [Path(p) for p in _as_list(path)]
    if not given:
        raise InputFileError("no Companies House file given.",
                             hint="Pass the BasicCompanyData CSV or zip(s) as downloaded.")
    files: dict[Path, None] = {}
    for p in given:
        _check_path(p, "companies_house")
        m = _PART.match(p.name)
        if not m:
            files[p] = None
            continue
        n = int(m["n"])
        parts = []
        for k in range(1, n + 1):
            sibling = p.with_name(f"{m['stem']}-part{k}_{n}.{m['ext']}")
            if not sibling.exists():
                matches = [q for q in p.parent.glob(f"{m['stem']}-part{k}_{n}.*")
                           if q.suffix.lower() == f".{m['ext'].lower()}"]
                sibling = matches[0] if matches else sibling
            parts.append(sibling)
        missing = [q.name for q in parts if not q.exists()]
        if missing:
            raise InputFileError(
                f"{p}: is part {m['i']} of {n} of a Companies House download, and "
                f"{len(missing)} part(s) are missing: {', '.join(missing)}.",
                hint="Download every part into the same folder (reading only some would leave "
                     "companies silently unmatched).")
        for q in parts:
            files[q] = None
    return list(files)


Opener = Callable[[], AbstractContextManager[IO[bytes]]]


def _companies_house_members(files: list[Path]) -> Iterable[tuple[str, Opener]]:
    for p in files:
        with open(p, "rb") as fh:
            head = fh.read(65536)
        if head[:4] == b"PK\x03\x04":
            try:
                with zipfile.ZipFile(p) as z:
                    names = z.namelist()
                    members = sorted(i.filename for i in z.infolist() if not i.is_dir()
                                     and i.filename.lower().endswith((".csv", ".txt"))
                                     and not Path(i.filename).name.startswith((".", "~$")))
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise InputFileError(f"{p}: the zip file is damaged ({exc}).",
                                     hint="Download it again from Companies House.") from None
            if "[Content_Types].xml" in names:
                _reject_kind(p.read_bytes(), str(p), "companies_house")
            if not members:
                raise InputFileError(f"{p}: the zip holds no CSV file.",
                                     hint=f"Expected the {_describe('companies_house')}.")
            for name in members:
                yield f"{p}!{name}", _zip_opener(p, name)
        else:
            _reject_kind(head, str(p), "companies_house")
            yield str(p), _file_opener(p)


def _zip_opener(path: Path, member: str) -> Opener:
    @contextlib.contextmanager
    def opener() -> Iterator[IO[bytes]]:
        with zipfile.ZipFile(path) as archive, archive.open(member) as fh:
            yield fh
    return opener


def _file_opener(path: Path) -> Opener:
    return lambda: open(path, "rb")


def _read_ch_member(source: str, opener: Opener) -> tuple[pd.DataFrame, list[str]]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        with opener() as fh:
            head = fh.read(1 << 20)
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
        raise InputFileError(f"{source}: cannot be read ({exc}).") from None
    _reject_kind(head[:65536], source, "companies_house")
    headers, delimiter, _ = _header(head.removeprefix(codecs.BOM_UTF8))
    found = _map_fields(headers, CH_FIELDS, source, "companies_house")
    names = [f"c{i}" for i in range(len(headers))]
    wanted = sorted(set(found.values()))
    bad: list[Any] = []

    def parse(encoding: str) -> Any:
        bad.clear()
        with opener() as fh:
            return pacsv.read_csv(
                fh,
                read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, encoding=encoding,
                                               block_size=32 << 20),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                                  invalid_row_handler=_skipper(bad)),
                convert_options=pacsv.ConvertOptions(
                    include_columns=[names[i] for i in wanted],
                    column_types=dict.fromkeys((names[i] for i in wanted), pa.string()),
                    strings_can_be_null=False, quoted_strings_can_be_null=False))

    try:
        try:
            table = parse("utf8")
        except pa.ArrowInvalid as exc:
            if "utf8" not in str(exc).lower():
                raise
            table = parse("latin-1")
    except (pa.ArrowInvalid, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise InputFileError(f"{source}: cannot be read as the {_describe('companies_house')} ({exc}).",
                             hint="Download the file again from Companies House.") from None
    notes = []
    if bad:
        notes.append(f"{source}: {len(bad)} line(s) without the header's {len(headers)} columns skipped")
        if len(bad) > max(10, table.num_rows // 100):
            raise InputFileError(f"{source}: {len(bad)} line(s) do not have the header's {len(headers)} columns.",
                                 hint=f"This does not look like the {_describe('companies_house')}.")
    frame = table.to_pandas()
    out = pd.DataFrame(index=frame.index)
    for f in CH_FIELDS:
        out[f.role] = _text(frame[names[found[f.role]]]) if f.role in found \
            else pd.Series("", index=frame.index, dtype="str")
    return out, notes


def _companies_house_frame(raw: pd.DataFrame) -> pd.DataFrame:
    number = normalise_company_numbers(raw["number"])
    # A number that is not shaped like one is kept as written (upper case), never dropped.
    number = number.where(number != "", raw["number"].str.strip().str.upper())
    codes = [raw[f"sic{i}"].str.extract(r"^\s*(\d{4,5})\b")[0].fillna("") for i in range(1, 5)]
    sic = (codes[0] + ";" + codes[1] + ";" + codes[2] + ";" + codes[3]) \
        .str.replace(r";{2,}", ";", regex=True).str.strip(";")
    frame = _frame(registry="companies_house", number=number, name=raw["name"],
                   postcode=raw["postcode"], legal_form=raw["category"], status=raw["status"],
                   income=None, company_number=number, accounts=raw["accounts"], sic=sic)
    return _finish(frame, "Companies House", [])


# ---------------------------------------------------------------- the Parquet cache

def _cache_key(files: list[Path]) -> str:
    h = hashlib.sha256(f"spendkit-registries-{CACHE_FORMAT}".encode())
    for p in sorted(files, key=lambda q: q.name):
        st = p.stat()
        h.update(f"|{p.name}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:24]


def _read_cache(path: Path, key: str) -> pd.DataFrame | None:
    """The cached frame, or None if missing, stale or damaged in any way (never trusted blindly)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():
        return None
    try:
        table = pq.read_table(path, memory_map=True)
        meta = json.loads((table.schema.metadata or {}).get(b"spendkit", b"{}"))
        if meta.get("format") != CACHE_FORMAT or meta.get("key") != key \
                or meta.get("rows") != table.num_rows or table.column_names != COLUMNS:
            return None
        for name in COLUMNS:
            t = table.schema.field(name).type
            ok = pa.types.is_floating(t) if name == "income_pounds" \
                else (pa.types.is_string(t) or pa.types.is_large_string(t))
            if not ok:
                return None
        frame = table.to_pandas()
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None
    for name in TEXT_COLUMNS:
        frame[name] = _text(frame[name])
    frame.attrs["notes"] = list(meta.get("notes", []))
    frame.attrs["source"] = "Companies House"
    return frame


def _write_cache(path: Path, key: str, frame: pd.DataFrame) -> bool:
    """Write to a temporary file beside the cache, then rename: a half-written cache is never seen."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(frame[COLUMNS], preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"spendkit"] = json.dumps({"format": CACHE_FORMAT, "key": key, "rows": len(frame),
                                        "notes": frame.attrs.get("notes", [])}).encode()
        table = table.replace_schema_metadata(meta)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".build-", suffix=".parquet")
        os.close(fd)
        tmp = Path(name)
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
        tmp = None
        _prune_cache(path)
        return True
    except (OSError, pa.ArrowException):  # an unusable cache still gives a working frame
        return False
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _prune_cache(keep: Path) -> None:
    try:
        caches = sorted((p for p in keep.parent.glob("*.parquet") if p != keep),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for old in caches[CACHE_KEEP - 1:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


# ---------------------------------------------------------------- matching

MATCH_COLUMNS = ["org_id", "match_method", "match_score", "match_evidence", "linked_org_ids"]


def redacted_or_individual(names: pd.Series) -> pd.Series:
    """Why a payee must not be matched to an organisation ('' where it may be)."""
    t = _text(names).str.upper().str.replace(r"[^A-Z0-9&]+", " ", regex=True).str.strip()
    redacted = t.str.contains(_REDACTED_ANYWHERE, regex=True) | t.str.fullmatch(_REDACTED_WHOLE)
    person = t.str.contains(_TITLE, regex=True) & ~t.str.contains(_ORGANISATION_WORDS, regex=True)
    reason = pd.Series("", index=names.index, dtype="str")
    reason = reason.mask(person, "looks like an individual")
    return reason.mask(redacted, "redacted or personal data")


def generic_key(keys: pd.Series) -> pd.Series:
    """True where a name key is made only of generic words, numbers and single letters."""
    tokens = _text(keys).str.split(" ")
    exploded = tokens.explode()
    plain = exploded.isin(list(GENERIC_WORDS)) | exploded.str.fullmatch(r"\d+|[A-Z]?") | exploded.isna()
    return plain.groupby(level=0).all().reindex(keys.index, fill_value=True).astype(bool)


def match_payees(payees: pd.DataFrame, registry: pd.DataFrame, *, fuzzy_threshold: float = 92.0,
                 min_key_length: int = 8) -> pd.DataFrame:
    """One row per payee (same index): the registry entry it is, how that was decided, and why.

    ``payees``: one row per distinct payee with ``payee_key`` (``name_key`` of the name; computed
    when missing or empty), ``name``, ``company_number`` and ``charity_number`` ("" if none).
    Order: company number -> charity number -> exact name key -> fuzzy name key
    (``rapidfuzz`` token_sort_ratio >= ``fuzzy_threshold``, only for keys of at least
    ``min_key_length`` characters that are not all generic words, compared within blocks
    of keys sharing their first three characters). Redacted and individual-looking payees
    are never matched. Columns: org_id, match_method ("company number" | "charity number" |
    "name" | "fuzzy name" | ""), match_score (100 for exact, NaN when unmatched),
    match_evidence, linked_org_ids (the same organisation on other registers), and the
    registry's columns prefixed ``reg_``.
    """
    reg = _prepare_registry(registry)
    n = len(payees)
    index = payees.index
    names = clean_text(_text(payees.get("name"), index))
    key = _text(payees.get("payee_key"), index)
    key = key.where(key != "", name_key(names))
    company = normalise_company_numbers(
        _text(payees.get("company_number"), index))
    charity = normalise_charity_numbers(
        _text(payees.get("charity_number"), index))
    excluded = redacted_or_individual(names).to_numpy(dtype=object)
    company_only = names.str.upper().str.contains(_COMPANY_ONLY_SUFFIX, regex=True).to_numpy(dtype=bool)

    chosen = np.full(n, -1, dtype=np.int64)
    method = np.full(n, "", dtype=object)
    score = np.full(n, np.nan)
    evidence = np.full(n, "", dtype=object)
    ambiguous = np.full(n, "", dtype=object)
    also = np.full(n, "", dtype=object)
    open_ = excluded == ""

    # 1. company number (a Companies House row first; else a charity whose company it is)
    comp = company.to_numpy(dtype=object)
    todo = open_ & (comp != "")
    if todo.any():
        cand = reg[reg["company_number"].isin(pd.unique(comp[todo]))]
        cand = cand.assign(_ch=(cand["registry"] != "companies_house").astype(int)) \
            .sort_values(["_ch", "_rank", "_prio"]).drop_duplicates("company_number")
        hit = pd.Series(cand["_pos"].to_numpy(), index=cand["company_number"].to_numpy())
        pos = pd.Series(comp).map(hit).to_numpy()
        ok = todo & ~pd.isna(pos)
        r = pos[ok].astype(np.int64)
        chosen[ok], method[ok], score[ok] = r, "company number", 100.0
        via_charity = _at(reg, "registry", r) != "companies_house"
        ev = _at(reg, "_label", r) + " " + _at(reg, "org_id", r) + " by company number"
        ev = np.where(via_charity, ev + " " + comp[ok] + " (the charity's registered company)", ev)
        evidence[ok] = ev

    # 2. charity number
    char = charity.to_numpy(dtype=object)
    todo = open_ & (chosen < 0) & (char != "")
    if todo.any():
        charities = reg[reg["registry"].isin(CHARITY_REGISTRIES)]
        cand = charities[charities["_charity_key"].isin(pd.unique(char[todo]))] \
            .sort_values(["_prio", "_rank"]).drop_duplicates("_charity_key")
        hit = pd.Series(cand["_pos"].to_numpy(), index=cand["_charity_key"].to_numpy())
        pos = pd.Series(char).map(hit).to_numpy()
        ok = todo & ~pd.isna(pos)
        r = pos[ok].astype(np.int64)
        chosen[ok], method[ok], score[ok] = r, "charity number", 100.0
        evidence[ok] = _at(reg, "_label", r) + " " + _at(reg, "org_id", r) + " by charity number"

    # 3. exact name key
    keys = key.to_numpy(dtype=object)
    todo = open_ & (chosen < 0) & (keys != "")
    if todo.any():
        p = np.flatnonzero(todo)
        wanted = pd.DataFrame({"p": p, "name_key": keys[p]})
        cand = reg.loc[reg["name_key"].isin(pd.unique(keys[p])), ["name_key", "_pos"]]
        pairs = wanted.merge(cand, on="name_key").rename(columns={"_pos": "r"})
        pairs["score"] = 100.0
        pairs = _compatible(pairs, reg, company_only)
        matched, amb = _resolve(pairs, reg, fuzzy=False)
        mp, mr = matched["p"].to_numpy(), matched["r"].to_numpy()
        chosen[mp], method[mp], score[mp], also[mp] = mr, "name", 100.0, matched["also"].to_numpy()
        evidence[mp] = ("exact name match to '" + _at(reg, "name", mr) + "' ("
                        + _at(reg, "_label", mr) + " " + _at(reg, "org_id", mr) + ")")
        ambiguous[amb.index.to_numpy()] = amb.to_numpy()

    # 4. fuzzy name key, for distinctive keys only
    lengths = key.str.len().to_numpy()
    generic = generic_key(key).to_numpy()
    todo = open_ & (chosen < 0) & (ambiguous == "") & (lengths >= min_key_length) & ~generic
    if todo.any():
        pairs = _compatible(_fuzzy_pairs(keys, np.flatnonzero(todo), reg, fuzzy_threshold), reg,
                            company_only)
        if len(pairs):
            matched, amb = _resolve(pairs, reg, fuzzy=True)
            mp, mr = matched["p"].to_numpy(), matched["r"].to_numpy()
            ms = np.round(matched["score"].to_numpy(dtype=float), 1)
            chosen[mp], method[mp], score[mp], also[mp] = mr, "fuzzy name", ms, matched["also"].to_numpy()
            evidence[mp] = ("fuzzy name match " + pd.Series(ms).map("{:.1f}".format).to_numpy(dtype=object)
                            + " to '" + _at(reg, "name", mr) + "' ("
                            + _at(reg, "_label", mr) + " " + _at(reg, "org_id", mr) + ")")
            ambiguous[amb.index.to_numpy()] = amb.to_numpy()

    # why the others are unmatched
    none = chosen < 0
    if none.any():
        c = np.where(comp != "", "company number " + comp + " not in the registers loaded; ", "")
        h = np.where(char != "", "charity number " + char + " not in the registers loaded; ", "")
        k = np.where(keys == "", "no name", np.where(
            lengths < min_key_length, "name too short for fuzzy matching",
            np.where(generic, "name too generic for fuzzy matching", "no close name")))
        text = np.where(excluded != "", "not matched: " + excluded,
                        np.where(ambiguous != "", "not matched: " + ambiguous,
                                 "no registry match (" + c.astype(object) + h.astype(object)
                                 + k.astype(object) + ")"))
        evidence[none] = text[none]

    return _assemble(index, reg, chosen, method, score, evidence, also)


def _compatible(pairs: pd.DataFrame, reg: pd.DataFrame, company_only: np.ndarray) -> pd.DataFrame:
    """Drop candidate pairs whose register the payee's own name rules out ("... CIC" is no charity)."""
    if pairs.empty or not company_only.any():
        return pairs
    ruled_out = company_only[pairs["p"].to_numpy()] & np.isin(
        _at(reg, "registry", pairs["r"].to_numpy()), NOT_COMPANY_REGISTRIES)
    return pairs[~ruled_out]


def _at(reg: pd.DataFrame, column: str, rows: np.ndarray) -> np.ndarray:
    """``reg[column]`` at positions ``rows``, as a NumPy array (without converting the whole column)."""
    picked = reg[column].take(np.asarray(rows, dtype=np.int64))
    return picked.to_numpy(dtype=object) if isinstance(picked.dtype, pd.StringDtype) else picked.to_numpy()


def _per_value(values: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``fn`` evaluated once per distinct value of a low-cardinality column, spread back."""
    if not len(values):
        return fn(pd.Series([], dtype="str")).to_numpy()
    codes, uniques = pd.factorize(values)
    return fn(pd.Series(uniques, dtype="str")).to_numpy()[codes]


def _prepare_registry(registry: pd.DataFrame) -> pd.DataFrame:
    """The registry with the helper columns matching uses (positions, rank, entity...)."""
    need = ["org_id", "registry", "number", "name"]
    missing = [c for c in need if c not in registry]
    if missing:
        raise ColumnError(f"the registry frame has no {', '.join(missing)} column(s).",
                          hint="Build it with spendkit.registries.load_registries().")
    reg = registry.reset_index(drop=True)
    for c in TEXT_COLUMNS:
        if c in reg:
            reg[c] = _text(reg[c])
        elif c != "name_key":
            reg[c] = pd.Series("", index=reg.index, dtype="str")
    if "name_key" not in registry:
        reg["name_key"] = name_key(reg["name"])
    reg["income_pounds"] = pd.to_numeric(reg["income_pounds"], errors="coerce").astype("float64") \
        if "income_pounds" in reg else np.nan
    reg["_pos"] = np.arange(len(reg), dtype=np.int64)

    def rank(status: pd.Series) -> pd.Series:
        inactive = status.str.contains(_INACTIVE_STATUS, regex=True)
        active = status.str.contains(_ACTIVE_STATUS, regex=True)
        return pd.Series(np.where(inactive, 2, np.where(active, 0, 1)).astype(np.int8))

    reg["_rank"] = _per_value(reg["status"], rank)
    reg["_prio"] = _per_value(reg["registry"], lambda r: r.map(NAME_PRIORITY).fillna(9).astype(np.int8))
    reg["_entity"] = ("COH:" + reg["company_number"]).where(reg["company_number"] != "", reg["org_id"])
    labels = {k: v[0] for k, v in REGISTRIES.items()}
    reg["_label"] = pd.Series(_per_value(reg["registry"], lambda r: r.map(labels).fillna(r)), dtype="str")
    charity = pd.Series(_per_value(reg["registry"], lambda r: r.isin(CHARITY_REGISTRIES)), dtype=bool)
    reg["_charity"] = charity
    charity_key = pd.Series("", index=reg.index, dtype="str")
    if charity.any():
        charity_key[charity] = normalise_charity_numbers(reg.loc[charity, "number"])
    reg["_charity_key"] = charity_key
    # CIOs are on Companies House (CE/CS numbers) and on a charity register, usually with no
    # number linking the two: a name match treats them as one organisation (see _resolve).
    cio_form = _per_value(reg["legal_form"], lambda f: f.str.contains(
        "Charitable Incorporated Organisation", case=False, regex=False))
    reg["_cio"] = (reg["registry"] == "companies_house") & (reg["number"].str.match(r"^C[ES]\d{6}$") | cio_form)
    return reg


def _resolve(pairs: pd.DataFrame, reg: pd.DataFrame, *, fuzzy: bool
             ) -> tuple[pd.DataFrame, pd.Series]:
    """Candidate (payee p, registry row r, score) pairs -> one match per payee, or 'ambiguous'.

    Active/registered entries win over others; rows that are one organisation on two
    registers count once (a charity and its company, by company number; a CIO on Companies
    House and the one charity of the same name among the candidates). More than one
    organisation left is ambiguous, and says which. The matches carry ``also``: the other
    registers' ids of the same organisation among the candidates."""
    if pairs.empty:
        return pairs.assign(score=pd.Series(dtype=float), also=pd.Series(dtype="str")), \
            pd.Series([], dtype="str")
    r = pairs["r"].to_numpy()
    pairs = pairs.assign(rank=_at(reg, "_rank", r), entity=_at(reg, "_entity", r),
                         prio=_at(reg, "_prio", r), charity=_at(reg, "_charity", r),
                         cio=_at(reg, "_cio", r))
    if pairs["cio"].any():
        charities = pairs[pairs["charity"]].groupby("p")["entity"].agg(["nunique", "first"])
        one = charities.loc[charities["nunique"] == 1, "first"]
        same = pairs["cio"] & pairs["p"].isin(one.index)
        pairs.loc[same, "entity"] = pairs.loc[same, "p"].map(one)
    pairs = pairs[pairs["rank"] == pairs.groupby("p")["rank"].transform("min")]
    n_entities = pairs.groupby("p")["entity"].transform("nunique")
    ordered = pairs[n_entities == 1].sort_values(["p", "prio", "score"], ascending=[True, True, False])
    single = ordered.drop_duplicates("p")
    others = ordered[ordered.duplicated("p")]
    also = pd.Series(_at(reg, "org_id", others["r"].to_numpy()), index=others["p"].to_numpy()) \
        .groupby(level=0).agg(lambda ids: ";".join(sorted(set(ids))))
    linked = single["p"].map(also).astype(object)
    single = single.assign(also=linked.where(linked.notna(), "").to_numpy())
    multi = pairs[n_entities > 1].sort_values(["p", "score", "prio"], ascending=[True, False, True]) \
        .drop_duplicates(["p", "entity"])
    if multi.empty:
        return single[["p", "r", "score", "also"]], pd.Series([], dtype="str")
    mr = multi["r"].to_numpy()
    desc = "'" + _at(reg, "name", mr) + "' " + _at(reg, "org_id", mr)
    if fuzzy:
        desc = desc + " (" + multi["score"].round(1).map("{:.1f}".format).to_numpy(dtype=object) + ")"
    multi = multi.assign(desc=desc)
    count = multi.groupby("p").size()
    listed = multi.groupby("p").head(3).groupby("p")["desc"].agg(", ".join)
    what = "ambiguous fuzzy name" if fuzzy else "ambiguous name"
    text = what + ": " + count.astype(str) + " organisations: " + listed \
        + np.where(count > 3, ", ...", "")
    return single[["p", "r", "score", "also"]], text.astype("str")


def _fuzzy_pairs(keys: np.ndarray, todo: np.ndarray, reg: pd.DataFrame, threshold: float
                 ) -> pd.DataFrame:
    """(payee p, registry row r, score) for every key scoring >= threshold within its block.

    Blocks: registry keys sharing the payee key's first three characters, and (since
    token_sort_ratio <= 100 * (1 - |la - lb| / (la + lb))) of a length that could reach the
    threshold. Score matrices are computed a slice at a time (at most MAX_MATRIX_CELLS)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from rapidfuzz import fuzz, process

    empty = pd.DataFrame({"p": np.array([], dtype=np.int64), "r": np.array([], dtype=np.int64),
                          "score": np.array([], dtype=float)})
    uq = pd.Series(keys[todo], dtype="str").drop_duplicates().to_numpy(dtype=object)
    qpref = pd.Series(uq, dtype="str").str.slice(0, 3)
    prefixes = pd.unique(qpref)
    qcode = pd.Index(prefixes).get_indexer(qpref)
    qlen = pd.Series(uq, dtype="str").str.len().to_numpy()
    rkeys = pa.array(reg["name_key"], type=pa.large_string())
    rcode = pc.fill_null(pc.index_in(pc.utf8_slice_codeunits(rkeys, 0, 3),
                                     value_set=pa.array(list(prefixes), type=pa.large_string())), -1)
    rcode = rcode.to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(rcode >= 0)
    if not len(rows):
        return empty
    order = np.argsort(rcode[rows], kind="stable")
    rows = rows[order]
    bounds = np.searchsorted(rcode[rows], np.arange(len(prefixes) + 1))
    picked = pc.take(rkeys, pa.array(rows))
    cvals = picked.to_numpy(zero_copy_only=False)
    clen = pc.utf8_length(picked).to_numpy(zero_copy_only=False)
    slack = 1.0 - threshold / 100.0
    found_q: list[np.ndarray] = []
    found_r: list[np.ndarray] = []
    found_s: list[np.ndarray] = []
    for code, qidx in pd.Series(np.arange(len(uq))).groupby(qcode, sort=False).indices.items():
        block = np.arange(bounds[code], bounds[code + 1])
        if not len(block):
            continue
        qidx = qidx[np.argsort(qlen[qidx], kind="stable")]
        step = max(1, MAX_MATRIX_CELLS // len(block))
        for start in range(0, len(qidx), step):
            qs = qidx[start:start + step]
            lo = qlen[qs].min() * (1 - slack) / (1 + slack)
            hi = qlen[qs].max() * (1 + slack) / (1 - slack) if slack < 1 else np.inf
            cs = block[(clen[block] >= lo) & (clen[block] <= hi)]
            if not len(cs):
                continue
            scores = process.cdist(list(uq[qs]), list(cvals[cs]), scorer=fuzz.token_sort_ratio,
                                   score_cutoff=threshold, dtype=np.float32, workers=-1)
            qi, ci = np.nonzero(scores >= threshold)
            found_q.append(qs[qi])
            found_r.append(rows[cs[ci]])
            found_s.append(scores[qi, ci].astype(float))
    if not found_q:
        return empty
    hits = pd.DataFrame({"qkey": uq[np.concatenate(found_q)], "r": np.concatenate(found_r),
                         "score": np.concatenate(found_s)})
    payees = pd.DataFrame({"p": todo, "qkey": keys[todo]})
    return payees.merge(hits, on="qkey")[["p", "r", "score"]]


def _assemble(index: pd.Index, reg: pd.DataFrame, chosen: np.ndarray, method: np.ndarray,
              score: np.ndarray, evidence: np.ndarray, also: np.ndarray) -> pd.DataFrame:
    columns = [c for c in reg.columns if not c.startswith("_") and c != "org_id"]
    hit = chosen >= 0
    picked = reg[columns].iloc[np.maximum(chosen, 0)].reset_index(drop=True) if len(reg) \
        else pd.DataFrame({c: pd.Series([np.nan] * len(chosen)) for c in columns})
    linked = _linked_org_ids(reg, chosen, also)
    org_ids = _at(reg, "org_id", np.maximum(chosen, 0)) if len(reg) else np.full(len(chosen), "")
    out = pd.DataFrame({
        "org_id": pd.Series(np.where(hit, org_ids, ""), dtype="str"),
        "match_method": pd.Series(method, dtype="str"),
        "match_score": pd.Series(score, dtype="float64"),
        "match_evidence": pd.Series(evidence, dtype="str"),
        "linked_org_ids": pd.Series(linked, dtype="str"),
    })
    for c in columns:
        col = picked[c]
        if c == "income_pounds":
            out[f"reg_{c}"] = col.astype("float64").where(hit, np.nan)
        else:
            out[f"reg_{c}"] = _text(col).where(hit, "")
    out.index = index
    return out


def _linked_org_ids(reg: pd.DataFrame, chosen: np.ndarray, also: np.ndarray) -> np.ndarray:
    """For each matched payee, the other registers' ids of the same organisation (';'-joined):
    rows sharing its company number, and rows the name match found to be the same CIO."""
    out = np.full(len(chosen), "", dtype=object)
    hit = np.flatnonzero(chosen >= 0)
    if not len(hit):
        return out
    rows = chosen[hit]
    ent = _at(reg, "_entity", rows)
    same = reg.loc[reg["_entity"].isin(pd.unique(ent)) & reg["_entity"].str.startswith("COH:"),
                   ["_entity", "org_id"]]
    links = pd.DataFrame({"i": hit, "_entity": ent, "own": _at(reg, "org_id", rows)})
    pairs = links.merge(same, on="_entity")[["i", "own", "org_id"]]
    extra = pd.DataFrame({"i": hit, "own": links["own"].to_numpy(),
                          "org_id": pd.Series(also[hit], dtype="str").str.split(";")}).explode("org_id")
    # a charity's linked company, as its own register gives it (Companies House loaded or not)
    coy = _at(reg, "company_number", rows)
    own_company = pd.DataFrame({"i": hit, "own": links["own"].to_numpy(),
                                "org_id": np.where(coy != "", "GB-COH-" + coy, "")})
    pairs = pd.concat([pairs, extra, own_company], ignore_index=True)
    pairs = pairs[(pairs["org_id"].fillna("") != "") & (pairs["org_id"] != pairs["own"])]
    if pairs.empty:
        return out
    joined = pairs.drop_duplicates(["i", "org_id"]).sort_values(["i", "org_id"]) \
        .groupby("i")["org_id"].agg(";".join)
    out[joined.index.to_numpy()] = joined.to_numpy()
    return out
