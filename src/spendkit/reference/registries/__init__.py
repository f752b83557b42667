"""Registers of organisations -> one common frame, and payees matched to it.

Readers take each register as its publisher's download comes (the file, or the zip
holding it) and return one row per organisation in a common frame:

==================  ==============================================================
org_id              org-id identifier: GB-COH-01234567, GB-CHC-1234567, GB-SC-SC012345,
                    GB-NIC-100001, GB-MPR-12345R
registry            companies_house | charity_commission | oscr | ccni | mutuals | ocds; the
                    link tables (charity_company_links, cio_links, dual_registered)
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
                    company number where the register gives one (or a link table does); else ""
linked_ids          org-ids of the same organisation on other registers, ";"-joined (from the
                    charity <-> company and CIO lookup tables, dual registrations); else ""
sme_declared        "yes" / "no": the supplier's own declaration in a procurement notice
                    (OCDS ``details.scale``: sme -> yes, large -> no); else ""
vcse_declared       "yes" / "no": the supplier's own VCSE declaration (OCDS ``details.vcse``)
==================  ==============================================================

Modules: ``common`` (the frame, ``Field``, number normalising), ``files`` (a register's file
as downloaded), ``companies_house`` (with its Parquet ``cache``), ``charities`` (Charity
Commission, OSCR, CCNI), ``mutuals``, ``lookups`` (charity <-> company and CIO links, dual
registrations) and ``ocds`` (procurement notices). ``recognise`` tells which register a file
is by its content, and its date; ``store`` installs registers once into the user data folder
and gives every run the registers it uses (``registers_for_run``); ``fetch`` downloads them
from their publishers; ``name_index`` writes a register's name-matching index at install.
Matching payees to this frame is ``spendkit.decide.matching``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from spendkit.errors import ColumnError
from spendkit.reference.registries.charities import (
    CCEW_FIELDS,
    CCNI_FIELDS,
    OSCR_FIELDS,
    read_ccni,
    read_charity_commission,
    read_oscr,
)
from spendkit.reference.registries.common import (
    CHARITY_REGISTRIES,
    COLUMNS,
    NAME_PRIORITY,
    REGISTRIES,
    TEXT_COLUMNS,
    Field,
    PathLike,
    Paths,
    as_list,
    describe,
    fold,
    normalise_charity_numbers,
    normalise_company_numbers,
    text_column,
)
from spendkit.reference.registries.companies_house import CH_FIELDS, read_companies_house
from spendkit.reference.registries.files import read_header
from spendkit.reference.registries.mutuals import MUTUALS_FIELDS, read_mutuals

__all__ = [
    "CHARITY_REGISTRIES", "COLUMNS", "NAME_PRIORITY", "REGISTRIES", "TEXT_COLUMNS", "Field",
    "PathLike", "Paths", "empty_registry", "load_registries", "normalise_charity_numbers",
    "normalise_company_numbers", "read_ccni", "read_charity_commission", "read_companies_house",
    "read_mutuals", "read_oscr", "register_given_as_ledger", "text_column",
]

# register -> (its columns, the classify option that takes it)
REGISTER_FILES: dict[str, tuple[tuple[Field, ...], str]] = {
    "companies_house": (CH_FIELDS, "--companies"), "charity_commission": (CCEW_FIELDS, "--charities"),
    "oscr": (OSCR_FIELDS, "--oscr"), "ccni": (CCNI_FIELDS, "--ccni"), "mutuals": (MUTUALS_FIELDS, "--mutuals"),
}


def register_given_as_ledger(path: PathLike) -> ColumnError | None:
    """The error to give when a register's download was given as a ledger: its header has every
    column a register's reader needs (the readers' own ``Field`` lists). None when it has not."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 20)
    except OSError:
        return None
    headers = {fold(h) for h in read_header(head)[0]}
    for registry, (fields, option) in REGISTER_FILES.items():
        if all(f.names() & headers for f in fields if f.required):
            return ColumnError(f"{path}: this looks like the {describe(registry)}, not a payment ledger.",
                               hint=f"Give it with {option} {path} (it is matched to the payees of the "
                                    "ledger you classify), and the payment ledger as the file to read; "
                                    f"or install it once for every run: spendkit registers add {path}")
    return None


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
        for p in as_list(given):
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
    """The common frame with no rows."""
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in TEXT_COLUMNS})
    frame["income_pounds"] = pd.Series([], dtype="float64")
    return frame[COLUMNS]
