"""The FCA Mutuals Public Register -> the common frame: co-operative and community benefit
societies, credit unions, friendly and building societies."""

from __future__ import annotations

import pandas as pd

from spendkit.normalise import postcodes
from spendkit.reference.registries.common import Field, PathLike, common_frame, finish_frame
from spendkit.reference.registries.files import read_register

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


def read_mutuals(path: PathLike) -> pd.DataFrame:
    """FCA Mutuals Public Register download (``SocietyList.csv``): co-operative and community
    benefit societies, credit unions, friendly and building societies; the postcode is taken
    from the end of the society's address."""
    raw, source, notes = read_register(path, "mutuals", MUTUALS_FIELDS, prefer=r"\.csv$",
                                       check=_mutuals_has_number)
    full = raw["full"].str.upper().str.replace(r"\s+", "", regex=True)
    built = (raw["number"].str.strip() + raw["suffix"].str.strip()).str.upper()
    number = full.where(full != "", built)
    out = common_frame(registry="mutuals", number=number, name=raw["name"],
                       postcode=postcodes.extract(raw["address"]), legal_form=raw["form"],
                       status=raw["status"], income=None,
                       company_number=pd.Series("", index=raw.index, dtype="str"))
    return finish_frame(out, source, notes)


def _mutuals_has_number(roles: dict[str, str]) -> str | None:
    return None if ("full" in roles or "number" in roles) else "Full Registation Number"

