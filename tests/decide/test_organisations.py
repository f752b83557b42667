"""Size and sector end to end: evidence layers, headline shares, the supplier list round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

import spendkit
from spendkit.cli import app

runner = CliRunner()


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


LEDGER = """Supplier Name,Supplier ID,Amount,Postcode,SME Supplier?
Acme Plumbing Ltd,S1,1000.00,WN1 1YN,
Wigan Council,S2,500.00,WN1 1YN,
REDACTED,,200.00,,
Hope Community Interest Company,S3,300.00,BL1 1RU,
Bigco PLC,S4,2000.00,N1 2UD,
Flagged Firm Ltd,S5,100.00,WN1 1YN,No
"""
SUPPLIERS = """Supplier ID,Supplier Name,Employees,Turnover,Legal Form
S1,Acme Plumbing Ltd,4,150000,Private limited company
S5,Flagged Firm Ltd,5,200000,
"""


def test_size_sector_and_headline(tmp_path: Path) -> None:
    result = spendkit.classify(write(tmp_path, "l.csv", LEDGER), place="Wigan",
                               suppliers=write(tmp_path, "s.csv", SUPPLIERS))
    rows = result.rows.set_index("payee")
    assert rows.loc["Acme Plumbing Ltd", "size_band"] == "micro"
    assert "supplier file" in rows.loc["Acme Plumbing Ltd", "size_evidence"]
    assert rows.loc["Wigan Council", "sector"] == "public"
    assert rows.loc["REDACTED", "sector"] == "individual"
    assert rows.loc["Hope Community Interest Company", "sector"] == "vcfse"
    assert rows.loc["Bigco PLC", "size_band"] == "large"
    assert rows.loc["Bigco PLC", "sme"] is False or rows.loc["Bigco PLC", "sme"] == False  # noqa: E712
    # Conflicting facts: supplier file figures (5 staff: micro) beat the ledger's SME flag 'No',
    # and both appear in the evidence.
    assert rows.loc["Flagged Firm Ltd", "size_band"] == "micro"
    assert "ledger SME flag says large" in rows.loc["Flagged Firm Ltd", "size_conflict"]

    head = result.summary()["headline"]
    # Influenceable: everything but the council (public) and REDACTED (individual).
    assert head["influenceable_pence"] == 100000 + 30000 + 200000 + 10000
    assert head["excluded_pence"] == {"individual": 20000, "public": 50000}
    assert head["local_share"] == round((100000 + 10000) / 340000, 6)
    assert head["sme_share"] == round((100000 + 10000) / 340000, 6)
    assert head["vcfse_share"] == round(30000 / 340000, 6)
    assert head["size_rule"]["id"] == "procurement-act-2023"


def test_headline_denominator_is_configurable(tmp_path: Path) -> None:
    cfg = write(tmp_path, "spendkit.toml", '[place]\ndistricts = ["Wigan"]\n[headline]\nexclude = []\n')
    result = runner.invoke(app, ["classify", str(write(tmp_path, "l.csv", LEDGER)), "--config", str(cfg),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    head = json.loads(result.stdout)["headline"]
    assert head["excluded_sectors"] == [] and head["influenceable_pence"] == 410000


def test_size_rule_is_named_and_changes_bands(tmp_path: Path) -> None:
    suppliers = write(tmp_path, "s.csv", "Supplier ID,Supplier Name,Employees,Turnover\n"
                      "S1,Acme Plumbing Ltd,100,46000000\n")
    ledger = write(tmp_path, "l.csv", LEDGER)
    default = spendkit.classify(ledger, place="Wigan", suppliers=suppliers)
    islington = spendkit.classify(ledger, place="Wigan", suppliers=suppliers,
                                  organisations={"size_rule": "islington-2020"})
    band = {r: x.rows.set_index("payee").loc["Acme Plumbing Ltd", "size_band"]
            for r, x in (("pa", default), ("isl", islington))}
    assert band == {"pa": "large", "isl": "medium"}  # £46m: over the Act's £44m, under Islington's £50m
    assert islington.summary()["headline"]["size_rule"]["id"] == "islington-2020"


def test_supplier_list_round_trip(tmp_path: Path) -> None:
    ledger = write(tmp_path, "l.csv", LEDGER + "ACME PLUMBING LIMITED.,S1,10.00,WN1 1YN,\n")
    out = tmp_path / "suppliers.csv"
    result = runner.invoke(app, ["suppliers", str(ledger), "--place", "Wigan", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    acme = table[table["Supplier ID"] == "S1"]
    assert len(acme) == 1  # name variants merged
    assert "ACME PLUMBING LIMITED." in acme["spendkit: name variants"].iloc[0]
    assert acme["spendkit: spend (£)"].iloc[0] == "1010.00"
    assert "size" in acme["spendkit: missing"].iloc[0]
    # The analyst fills in what the team knows and passes the file back.
    table.loc[table["Supplier ID"] == "S1", ["Employees", "Turnover"]] = ["30", "3000000"]
    table.loc[table["Supplier ID"] == "S4", "Sector"] = "VCFSE"
    table.to_csv(out, index=False)
    again = spendkit.classify(ledger, place="Wigan", suppliers=out).rows.set_index("payee")
    assert again.loc["Acme Plumbing Ltd", "size_band"] == "small"
    assert again.loc["Bigco PLC", "sector"] == "vcfse"
    assert "supplier file sector 'VCFSE'" in again.loc["Bigco PLC", "sector_evidence"]


def test_config_init_and_user_rules(tmp_path: Path) -> None:
    result = runner.invoke(app, ["config", "init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "spendkit.toml").exists() and (tmp_path / "spendkit-rules.toml").exists()
    again = runner.invoke(app, ["config", "init", str(tmp_path)])
    assert again.exit_code == 6 and "--force" in again.stderr
    broken = tmp_path / "spendkit-rules.toml"
    broken.write_text(broken.read_text() + '\n[[name]]\nid = "bad"\nsector = "vcfse"\npattern = "("\n')
    result = runner.invoke(app, ["classify", str(write(tmp_path, "l.csv", LEDGER)),
                                 "--config", str(tmp_path / "spendkit.toml")])
    assert result.exit_code == 5
    assert "spendkit-rules.toml" in result.stderr and "bad" in result.stderr


REGISTRIES = Path(__file__).parents[1] / "data" / "registries"


def test_registries_fill_postcode_size_and_sector(tmp_path: Path) -> None:
    ledger = write(tmp_path, "l.csv", "Supplier Name,Amount,Company Number\n"
                   "Acme Ltd,100.00,4142000\nWigan Food Bank,50.00,\nNobody Known Ltd,5.00,\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(ledger), "--place", "Wigan", "--out", str(out), "-q",
                                 "--companies", str(REGISTRIES / "BasicCompanyData-2024-05-01.csv"),
                                 "--charities", str(REGISTRIES / "publicextract.charity.txt")])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig").set_index("payee")
    acme = rows.loc["Acme Ltd"]
    assert acme["org_id"] == "GB-COH-04142000"  # matched on the unpadded company number
    assert acme["geography"] == "local"
    assert "registry: Companies House GB-COH-04142000" in acme["geography_evidence"]
    assert acme["size_band"] == "micro" and "weak evidence" in acme["size_evidence"]
    bank = rows.loc["Wigan Food Bank"]
    assert bank["org_id"] == "GB-CHC-1234567" and bank["sector"] == "vcfse"
    assert rows.loc["Nobody Known Ltd", "org_id"] == ""
    assert rows.loc["Nobody Known Ltd", "geography"] == "unknown"


def test_supplier_file_numbers_fill_blank_ledger_numbers_for_registries(tmp_path: Path) -> None:
    """The ledger's company number column is blank for Acme; the supplier file knows it."""
    ledger = write(tmp_path, "l.csv", "Supplier ID,Supplier Name,Amount,Company Number\n"
                   "S1,Acme Ltd,100.00,\nS2,Wigan Food Bank,50.00,\nS3,Nobody Known Ltd,5.00,99999999\n")
    suppliers = write(tmp_path, "s.csv", "Supplier ID,Supplier Name,Company Number\nS1,Acme Ltd,04142000\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(ledger), "--place", "Wigan", "--out", str(out), "-q",
                                 "--suppliers", str(suppliers),
                                 "--companies", str(REGISTRIES / "BasicCompanyData-2024-05-01.csv"),
                                 "--charities", str(REGISTRIES / "publicextract.charity.txt")])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig").set_index("payee")
    assert rows.loc["Acme Ltd", "org_id"] == "GB-COH-04142000"
    assert rows.loc["Wigan Food Bank", "org_id"] == "GB-CHC-1234567"
    assert rows.loc["Nobody Known Ltd", "org_id"] == ""


def test_registry_in_wrong_format_is_a_clear_error(tmp_path: Path) -> None:
    ledger = write(tmp_path, "l.csv", "Supplier Name,Amount\nAcme Ltd,1.00\n")
    bogus = write(tmp_path, "companies.csv", "Name,Thing\nA,B\n")
    result = runner.invoke(app, ["classify", str(ledger), "--place", "Wigan", "--companies", str(bogus)])
    assert result.exit_code == 3
    assert "companies.csv" in result.stderr and "Traceback" not in result.output


def test_formation_agent_office_is_weak_evidence_of_place() -> None:
    from spendkit.decide.rows import registry_rows
    from spendkit.normalise.values import name_key
    from spendkit.reference.registries import COLUMNS

    n = 600  # companies registered at one formation agent's address
    names = pd.Series([f"SHELF COMPANY {i} LIMITED" for i in range(n)], dtype="str")
    registry = pd.DataFrame({
        "org_id": [f"GB-COH-{i:08d}" for i in range(n)], "registry": "companies_house",
        "number": [f"{i:08d}" for i in range(n)], "name": names, "name_key": name_key(names),
        "postcode": "EC1V 2NX", "legal_form": "Private Limited Company", "status": "Active",
        "accounts_category": "", "income_pounds": float("nan"), "sic_codes": "", "company_number": "",
        "linked_ids": "", "sme_declared": "", "vcse_declared": "",
    })[COLUMNS]
    rows = pd.DataFrame({"payee": ["Shelf Company 7 Ltd"], "payee_key": name_key(pd.Series(["Shelf Company 7 Ltd"])),
                         "company_number": [""], "charity_number": [""]})
    out = registry_rows(rows, None, registry)
    assert out.loc[0, "org_id"] == "GB-COH-00000007"
    assert out.loc[0, "reg_postcode"] == "EC1V 2NX"
    assert "registered office shared by 600 companies: weak evidence of place" in out.loc[0, "reg_label"]


def test_a_notices_declaration_fills_in_where_the_register_implies_no_size() -> None:
    """The declaration (weak) decides only where accounts and charity income do not; a register
    band that disagrees keeps the decision and the declaration shows as the conflict."""
    from spendkit.decide.organisations import OrganisationSettings, decide

    payees = pd.DataFrame({
        "name": ["Full Accounts Ltd", "Micro Ltd", "Micro Too Ltd", "Guarantee Co"],
        "reg_registry": "companies_house",
        "reg_accounts_category": ["FULL", "MICRO ENTITY", "MICRO ENTITY", ""],
        "reg_legal_form": ["Private Limited Company"] * 3
        + ["PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)"],
        "reg_sme_declared": ["yes", "no", "yes", ""],
        "reg_vcse_declared": ["", "", "", "yes"],
        "reg_org_id": ["GB-COH-1", "GB-COH-2", "GB-COH-3", "GB-COH-4"],
    })
    out = decide(payees, OrganisationSettings())
    assert out["size_band"].tolist() == ["sme", "micro", "micro", "unknown"]
    assert out.loc[0, "size_evidence"] == "procurement notice: the supplier's own SME declaration 'yes'"
    assert out.loc[0, "size_strength"] == "weak" and bool(out.loc[0, "sme"]) is True
    assert "; procurement notice says large" in out.loc[1, "size_conflict"]
    assert out.loc[2, "size_conflict"] == ""  # SME and micro agree
    assert out.loc[3, "sector"] == "vcfse" and "own VCSE declaration" in out.loc[3, "sector_evidence"]
    assert out.loc[3, "sector_strength"] == "weak"
