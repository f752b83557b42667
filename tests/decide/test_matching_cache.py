"""A Companies House file given for a run: its name index is built once, beside the register's
Parquet cache, and read by memory map on every later run (the same matches either way)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from spendkit.decide import matching as M
from spendkit.reference import registries as R

CH = Path(__file__).parents[1] / "data" / "registries" / "BasicCompanyData-2024-05-01.csv"
CCEW = Path(__file__).parents[1] / "data" / "registries" / "publicextract.charity.txt"


def test_companies_house_index_is_cached_beside_the_register(tmp_path, monkeypatch):
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(tmp_path))
    payees = pd.DataFrame({"name": ["Acme Ltd", "Wigan Food Bank", "Acme Plumbng Services"],
                           "company_number": "", "charity_number": ""})
    first = M.match_payees(payees, R.load_registries(companies=CH, charities=CCEW))
    indexes = list((tmp_path / "registries").glob("*.index"))
    assert len(indexes) == 1 and (indexes[0] / "index.json").exists()
    built = (indexes[0] / "index.json").stat().st_mtime_ns
    again = M.match_payees(payees, R.load_registries(companies=CH, charities=CCEW))
    assert (indexes[0] / "index.json").stat().st_mtime_ns == built  # read, not rebuilt
    assert first["org_id"].tolist() == again["org_id"].tolist() == [
        "GB-COH-04142000", "GB-CHC-1234567", "GB-COH-09876543"]
    assert first["linked_org_ids"].iloc[1] == "GB-COH-07123456"
