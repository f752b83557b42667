"""A Companies House file given for a run: installed once into the cache folder and matched
through its name index (memory-mapped) on every later run; the same matches as the register's
frame indexed in memory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from spendkit.config import RegistrySettings, Settings
from spendkit.decide import matching as M
from spendkit.reference import registries as R
from spendkit.reference.registries import store

CH = Path(__file__).parents[1] / "data" / "registries" / "BasicCompanyData-2024-05-01.csv"
CCEW = Path(__file__).parents[1] / "data" / "registries" / "publicextract.charity.txt"


def test_companies_house_given_for_a_run_is_installed_once_in_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPENDKIT_DATA_DIR", str(tmp_path / "data"))
    payees = pd.DataFrame({"name": ["Acme Ltd", "Wigan Food Bank", "Acme Plumbng Services"],
                           "company_number": "", "charity_number": ""})
    settings = Settings(registries=RegistrySettings(companies=[CH], charities=[CCEW]))
    first = M.match_payees(payees, store.registers_for_run(settings))
    (index,) = (tmp_path / "cache" / "registries").glob("companies_house-*/name-index")
    built = (index / "index.json").stat().st_mtime_ns
    store._LAST.clear()
    again = M.match_payees(payees, store.registers_for_run(settings))
    assert (index / "index.json").stat().st_mtime_ns == built  # read, not rebuilt
    in_memory = M.match_payees(payees, R.load_registries(companies=CH, charities=CCEW))
    assert first["org_id"].tolist() == again["org_id"].tolist() == in_memory["org_id"].tolist() == [
        "GB-COH-04142000", "GB-CHC-1234567", "GB-COH-09876543"]
    assert first["linked_org_ids"].iloc[1] == in_memory["linked_org_ids"].iloc[1] == "GB-COH-07123456"
