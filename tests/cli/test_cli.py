"""The CLI end to end, through Typer's runner, on the shipped sample ledger."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from spendkit import errors
from spendkit.cli import app

runner = CliRunner()
GEO = ["local", "sub_regional", "regional", "national", "outside_uk", "unknown"]


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def sample_json(samples: Path) -> dict:
    result = run("classify", str(samples / "ledger.csv"), "--place", "Wigan",
                 "--suppliers", str(samples / "suppliers.csv"), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_document_shape_and_reconciliation(sample_json: dict) -> None:
    doc = sample_json
    assert doc["schema_version"] == "2.0"
    rec = doc["reconciliation"]
    assert rec["balanced"] is True
    assert rec["rows_read"] == rec["rows_counted"] + rec["rows_rejected"]
    assert rec["pence_read"] == rec["pence_counted"] + rec["pence_rejected"]
    assert list(doc["geography"]) == GEO
    assert sum(v["pence"] for v in doc["geography"].values()) == rec["pence_counted"]
    assert sum(v["rows"] for v in doc["geography"].values()) == rec["rows_counted"]
    assert all(set(v) >= {"pence", "rows", "payees"} for v in doc["geography"].values())
    # The sample is built to have spend in every class, and some deliberately bad rows.
    assert all(doc["geography"][c]["pence"] > 0 for c in GEO)
    assert rec["rows_rejected"] >= 5
    subs = {d["name"] for d in doc["place"]["sub_regional"]}
    assert subs == {"Bolton", "Chorley", "Salford", "St. Helens", "Warrington", "West Lancashire"}


def test_csv_and_xlsx_samples_agree(samples: Path, sample_json: dict) -> None:
    result = run("classify", str(samples / "ledger.xlsx"), "--place", "Wigan",
                 "--suppliers", str(samples / "suppliers.csv"), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["geography"] == sample_json["geography"]
    assert doc["reconciliation"]["pence_counted"] == sample_json["reconciliation"]["pence_counted"]
    assert doc["inputs"][0]["sheet"] == "Payments"
    assert doc["reconciliation"]["totals_rows"]["rows"] == 1


def test_table_output_names_classes_and_reconciles(samples: Path) -> None:
    result = run("classify", str(samples / "ledger.csv"), "--place", "E08000010",
                 "--suppliers", str(samples / "suppliers.csv"))
    assert result.exit_code == 0, result.output
    for label in ("Local", "Sub-regional", "Regional", "National", "Outside UK", "Unknown"):
        assert label in result.stdout
    assert "reconciled" in result.stdout


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_out_writes_classified_and_rejected(tmp_path: Path, samples: Path, sample_json: dict,
                                            suffix: str) -> None:
    out = tmp_path / f"classified{suffix}"
    result = run("classify", str(samples / "ledger.csv"), "--place", "Wigan",
                 "--suppliers", str(samples / "suppliers.csv"), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    rejected = tmp_path / f"classified.rejected{suffix}"
    assert out.exists() and rejected.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, rejected.name])
    rec = sample_json["reconciliation"]
    if suffix == ".csv":
        rows = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        rej = pd.read_csv(rejected, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert rows["amount_pence"].astype(int).sum() == rec["pence_counted"]
        # amount is exact decimal text equal to pence / 100
        assert (rows["amount"].str.replace(".", "", regex=False).astype(int)
                == rows["amount_pence"].astype(int)).all()
    elif suffix == ".parquet":
        rows = pq.read_table(out).to_pandas()
        rej = pq.read_table(rejected).to_pandas()
        assert int(rows["amount_pence"].sum()) == rec["pence_counted"]
        assert sum(rows["amount"]) * 100 == rec["pence_counted"]  # Decimal, exact
    else:
        book = openpyxl.load_workbook(out, read_only=True)
        sheet = book["Classified"]
        header = [c.value for c in next(sheet.iter_rows(max_row=1))]
        pence_col = header.index("amount_pence")
        total = sum(r[pence_col] for r in sheet.iter_rows(min_row=2, values_only=True))
        assert total == rec["pence_counted"]
        rows = pd.DataFrame(columns=header)
        rej = pd.read_excel(rejected, dtype=str, engine="openpyxl")
    assert len(rej) == rec["rows_rejected"]
    assert "reason" in rej.columns and "source_row" in rej.columns
    for col in ("Supplier Name", "district_code", "district_name", "geography", "geography_evidence"):
        assert col in rows.columns


def test_evidence_names_postcode_and_district(tmp_path: Path, samples: Path) -> None:
    out = tmp_path / "c.csv"
    result = run("classify", str(samples / "ledger.csv"), "--place", "Wigan",
                 "--suppliers", str(samples / "suppliers.csv"), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    local = rows[rows["geography"] == "local"]
    assert (local["district_name"] == "Wigan").all()
    assert local["geography_evidence"].str.contains(r"postcode [A-Z0-9]+ [0-9][A-Z]{2} .* is in Wigan").all()
    unknown = rows[rows["geography"] == "unknown"]
    assert (unknown["district_code"] == "").all()
    assert (unknown["geography_evidence"] != "").all()


def test_version_and_help() -> None:
    assert run("--version").stdout.startswith("spendkit ")
    result = run("classify", "--help")
    assert result.exit_code == 0
    assert "--place" in result.stdout


# ---------------------------------------------------------------- bad input

def test_missing_file(tmp_path: Path) -> None:
    result = run("classify", str(tmp_path / "nope.csv"), "--place", "Wigan")
    assert result.exit_code == errors.EXIT_INPUT
    assert "nope.csv" in result.stderr and "Traceback" not in result.output


def test_unreadable_format(tmp_path: Path) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 40)
    result = run("classify", str(junk), "--place", "Wigan")
    assert result.exit_code == errors.EXIT_INPUT
    assert "junk.csv" in result.stderr


def test_no_payee_or_amount_column_lists_headers(tmp_path: Path) -> None:
    f = tmp_path / "ledger.csv"
    f.write_text("Date,Reference,Cost Centre\n01/04/2024,A1,X\n")
    out = tmp_path / "out.csv"
    result = run("classify", str(f), "--place", "Wigan", "--out", str(out))
    assert result.exit_code == errors.EXIT_COLUMNS
    assert "'Reference'" in result.stderr and "--column" in result.stderr
    assert not out.exists()


def test_column_override(tmp_path: Path) -> None:
    f = tmp_path / "ledger.csv"
    f.write_text("When,Who,How Much\n01/04/2024,Acme Ltd,100.00\n")
    result = run("classify", str(f), "--place", "Wigan", "--column", "payee=Who",
                 "--column", "amount=how much", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["reconciliation"]["pence_counted"] == 10000


def test_unknown_place_suggests(samples: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = run("classify", str(samples / "ledger.csv"), "--place", "Wigam", "--out", str(out))
    assert result.exit_code == errors.EXIT_CONFIG
    assert "Wigan" in result.stderr
    assert not out.exists()


def test_output_folder_missing(samples: Path, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "dir" / "out.csv"
    result = run("classify", str(samples / "ledger.csv"), "--place", "Wigan", "--out", str(out))
    assert result.exit_code == errors.EXIT_OUTPUT
    assert "does not exist" in result.stderr


def test_unknown_output_format(samples: Path, tmp_path: Path) -> None:
    result = run("classify", str(samples / "ledger.csv"), "--place", "Wigan",
                 "--out", str(tmp_path / "out.docx"))
    assert result.exit_code == errors.EXIT_OUTPUT
    assert ".docx" in result.stderr


def test_no_place(samples: Path) -> None:
    result = run("classify", str(samples / "ledger.csv"))
    assert result.exit_code == errors.EXIT_CONFIG
    assert "--place" in result.stderr


def test_config_file_sets_place(samples: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "spendkit.toml"
    cfg.write_text('[place]\ndistricts = ["Wigan"]\nsub_regional = ["Greater Manchester"]\n')
    result = run("classify", str(samples / "ledger.csv"), "--config", str(cfg),
                 "--suppliers", str(samples / "suppliers.csv"), "--format", "json")
    assert result.exit_code == 0, result.output
    place = json.loads(result.stdout)["place"]
    assert len(place["sub_regional"]) == 9  # Greater Manchester less Wigan itself
    assert "Greater Manchester" in place["sub_regional_basis"]


def test_bad_config_file(samples: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "spendkit.toml"
    cfg.write_text('[place]\ndistrict = "Wigan"\n')
    result = run("classify", str(samples / "ledger.csv"), "--config", str(cfg))
    assert result.exit_code == errors.EXIT_CONFIG
    assert "place.district" in result.stderr
