"""decide.organisations.decide on small evidence frames: which source of evidence wins."""

from __future__ import annotations

import pandas as pd
import pytest

from spendkit.decide.organisations import OrganisationSettings, decide


def evidence(**columns: list[str]) -> pd.DataFrame:
    """One row per payee: name plus the evidence columns given ("" where a payee has none)."""
    return pd.DataFrame(columns).astype("str")


@pytest.fixture(scope="module")
def settings() -> OrganisationSettings:
    return OrganisationSettings()


def test_supplier_file_staff_beat_the_plc_in_the_name(settings: OrganisationSettings) -> None:
    payees = evidence(name=["Bigco PLC", "Bigco PLC"], sup_employees=["5", ""], sup_turnover=["200000", ""])
    out = decide(payees, settings)
    assert out.index.equals(payees.index)
    figures, name_only = out.iloc[0], out.iloc[1]
    assert figures["size_band"] == "micro"
    assert figures["size_evidence"].startswith("supplier file: ")
    assert figures["size_strength"] == "strong"
    assert "public limited company" in figures["size_conflict"]  # the weaker source is kept
    assert bool(figures["sme"]) is True
    assert name_only["size_band"] == "large"
    assert "public limited company" in name_only["size_evidence"]
    assert bool(name_only["sme"]) is False


def test_supplier_file_sector_beats_a_name_rule(settings: OrganisationSettings) -> None:
    payees = evidence(name=["Wigan Council", "Wigan Council"], sup_sector=["Voluntary", ""])
    out = decide(payees, settings)
    assert out["sector"].tolist() == ["vcfse", "public"]
    assert "supplier file sector 'Voluntary'" in out.loc[0, "sector_evidence"]
    assert out.loc[0, "sector_conflict"] != ""  # the council name rule disagreed, and says so
    assert out["influenceable"].tolist() == [True, False]


def test_a_registered_charity_is_vcfse(settings: OrganisationSettings) -> None:
    payees = evidence(name=["Wigan Food Bank", "Wigan Food Bank"],
                      reg_registry=["charity_commission", ""], reg_org_id=["GB-CHC-1234567", ""],
                      reg_legal_form=["", ""], reg_income_pounds=["", ""], reg_accounts_category=["", ""])
    out = decide(payees, settings)
    assert out.loc[0, "sector"] == "vcfse"
    assert "GB-CHC-1234567" in out.loc[0, "sector_evidence"]
    assert out.loc[0, "sector_strength"] == "strong"
    assert out.loc[1, "sector"] != "vcfse" or "GB-CHC" not in out.loc[1, "sector_evidence"]
    assert bool(out.loc[0, "influenceable"]) is True


def test_ledger_vcse_flag_and_supplier_file_flag(settings: OrganisationSettings) -> None:
    payees = evidence(name=["Some Firm Ltd", "Other Firm Ltd", "Third Firm Ltd"],
                      vcse_flag=["Yes", "", "no"], sup_sme_flag=["", "Y", ""], sme_flag=["", "No", ""])
    out = decide(payees, settings)
    assert out.loc[0, "sector"] == "vcfse" and "ledger VCSE flag 'Yes'" in out.loc[0, "sector_evidence"]
    assert out.loc[2, "sector"] != "vcfse"  # 'no' is not a yes
    # The supplier file's SME flag beats the ledger's.
    assert out.loc[1, "size_band"] == "sme"
    assert "supplier file SME flag 'Y'" in out.loc[1, "size_evidence"]
    assert "ledger SME flag" in out.loc[1, "size_conflict"]


def test_unknown_stays_unknown_and_says_so(settings: OrganisationSettings) -> None:
    payees = evidence(name=["Zebedee", "J Smith"])
    out = decide(payees, settings)
    zeb = out.iloc[0]
    assert zeb["size_band"] == "unknown" and zeb["sector"] == "unknown"
    assert zeb["size_evidence"] != "" and zeb["sector_evidence"] != ""  # the why, not a blank
    assert pd.isna(zeb["sme"])
    assert bool(zeb["influenceable"]) is True  # unknown is not left out of the headline
    assert set(out.columns) >= {"size_band", "size_evidence", "size_strength", "size_conflict", "sme",
                                "sector", "sector_evidence", "sector_strength", "sector_conflict",
                                "influenceable"}


def test_the_size_rule_is_the_settings_one() -> None:
    payees = evidence(name=["Mid Firm Ltd"], sup_employees=["100"], sup_turnover=["46000000"])
    default = decide(payees, OrganisationSettings())
    islington = decide(payees, OrganisationSettings(size_rule="islington-2020"))
    assert (default.loc[0, "size_band"], islington.loc[0, "size_band"]) == ("large", "medium")


def test_the_headline_exclusion_is_the_settings_one() -> None:
    payees = evidence(name=["Wigan Council", "REDACTED", "Acme Ltd"])
    default = decide(payees, OrganisationSettings())
    everyone = decide(payees, OrganisationSettings(exclude_from_headline=()))
    assert default["sector"].tolist() == ["public", "individual", "private"]
    assert default["influenceable"].tolist() == [False, False, True]
    assert everyone["influenceable"].tolist() == [True, True, True]


def test_repeated_payees_get_the_same_answer(settings: OrganisationSettings) -> None:
    payees = evidence(name=["Acme Ltd"] * 3 + ["Hope CIC"], sup_employees=["30", "", "30", ""])
    payees.index = pd.Index([5, 3, 9, 1])
    out = decide(payees, settings)
    assert out.index.tolist() == [5, 3, 9, 1]
    assert out.loc[5].equals(out.loc[9])
    assert out.loc[5, "size_band"] == "small" and out.loc[3, "size_band"] == "unknown"
    assert out.loc[1, "sector"] == "vcfse"
