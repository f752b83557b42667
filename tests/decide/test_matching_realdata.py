"""Matching on real published data: Trafford Council's voluntary sector grants (360Giving: each
recipient's own charity and company numbers) matched by name alone against Trafford Data Lab's
subset of the Charity Commission register. Skipped where ../shared/realdata is absent."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spendkit.decide import matching as M
from spendkit.reference import registries as R

TRAFFORD = Path(__file__).resolve().parents[3] / "shared" / "realdata" / "trafford"
GRANTS = TRAFFORD / "trafford_council_voluntary_sector_grants_360giving.csv"
CHARITIES = TRAFFORD / "charities_operating_in_trafford.csv"

pytestmark = pytest.mark.skipif(not (GRANTS.exists() and CHARITIES.exists()),
                                reason="../shared/realdata/trafford is not here")


def test_grant_recipients_matched_by_name_are_the_right_charities():
    grants = pd.read_csv(GRANTS, dtype=str, keep_default_na=False)
    rec = grants[["Recipient Org:Name", "Recipient Org:Charity Number", "Recipient Org:Company Number"]] \
        .drop_duplicates("Recipient Org:Name").reset_index(drop=True)
    payees = pd.DataFrame({"name": rec["Recipient Org:Name"], "company_number": "", "charity_number": ""})
    out = M.match_payees(payees, R.read_charity_commission(CHARITIES))
    charity = R.normalise_charity_numbers(rec["Recipient Org:Charity Number"])
    company = R.normalise_company_numbers(rec["Recipient Org:Company Number"])
    known = (charity != "") | (company != "")
    matched = out["org_id"] != ""
    right = (out["org_id"] == "GB-CHC-" + charity) | ((company != "") & (
        (out["reg_company_number"] == company)
        | pd.Series([f"GB-COH-{c}" in linked for c, linked in zip(company, out["linked_org_ids"], strict=True)])))
    checked = matched & known
    # 36 of the 37 checkable name matches are right; the other is 'Brink Productions', a CIO of
    # the same name as the company the funder recorded (one organisation, two registrations)
    assert checked.sum() >= 35
    assert (checked & ~right).sum() <= 1
    assert out.loc[checked & ~right, "match_evidence"].str.contains("BRINK PRODUCTIONS").all()


CH_SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "realdata" / "companies-house" \
    / "BasicCompanyData-sample-2021.csv"


@pytest.mark.skipif(not CH_SAMPLE.exists(), reason="../shared/realdata/companies-house is not here")
def test_previous_names_from_the_real_companies_house_layout(tmp_path):
    from spendkit.reference.registries import name_index
    from spendkit.reference.registries.companies_house import read_companies_house

    frame = read_companies_house(CH_SAMPLE)
    assert frame.loc[frame["number"] == frame["number"].iloc[11], "previous_names"].iloc[0] != ""
    name_index.build(frame, tmp_path)
    index = name_index.load(tmp_path)
    payees = pd.DataFrame({"name": ["Maycross Developments Ltd", "Obac Fittings Limited"],
                           "company_number": "", "charity_number": ""})
    out = M.match_payees(payees, [index])
    assert (out["match_method"] == "name").all()
    assert out["match_evidence"].str.startswith("previous name exact (now '").all()
    assert out["reg_name"].tolist() == ['"AJA PROPERTY DEVELOPMENT LTD"', "!OBAC UK LIMITED"]
