"""The Spark engine uses the registers as the local engine does: installed ones and files given
for the run (--companies...), matched once on the driver, with the same per-row matches,
places, sizes and sectors and the same figures; --no-registers uses none.

Skipped when pyspark or Java is not available (the ``spark`` fixture)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("pyspark")

import spendkit
from spendkit.cli import app
from spendkit.config import PlaceSettings, RegistrySettings, Settings

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3

REGISTRIES = Path(__file__).parents[1] / "data" / "registries"
COMPANIES = REGISTRIES / "BasicCompanyData-2024-05-01.csv"
CHARITIES = REGISTRIES / "publicextract.charity.txt"
SECTIONS = ("reconciliation", "geography", "size", "sector", "headline", "cross", "place",
            "registers")
COMPARED = ["payee", "amount_pence", "company_number", "org_id", "match_method",
            "match_evidence", "match_candidates", "reg_registry", "postcode", "postcode_source",
            "geography", "geography_evidence", "size_band", "size_evidence", "sme", "sector",
            "sector_evidence", "influenceable"]

HEADER = "Supplier ID,Supplier Name,Amount,Date Paid,Company Number"
FILE_A = [
    "S1,Acme Ltd,100.00,01/04/2024,4142000",            # company number (unpadded)
    "S2,Wigan Food Bank,50.00,02/04/2024,",              # name
    "S3,Brightstart Community CIC,75.00,03/04/2024,",    # name: a CIC
    "S4,Greenway Landscapes,20.00,04/04/2024,",          # LIMITED (active) and LTD (dissolved)
    "S5,Northshore Energy PLC,1000.00,05/04/2024,",
    "S6,Nobody Known Ltd,5.00,06/04/2024,",              # in no register
    "S1,Acme Ltd,TBC,07/04/2024,4142000",                # rejected: not matched
]
FILE_B = [
    "S1,Acme Ltd,30.00,01/05/2024,4142000",
    "S7,Z Supplies,12.00,02/05/2024,",                   # the supplier file's company number
    "S8,Mystery Trading,8.00,03/05/2024,",               # the decisions file
    "S9,Thistle Joinery Ltd,40.00,04/05/2024,",
    "S10,Mr J Smith,15.00,05/05/2024,",                  # an individual: never matched
]


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("spark-registers")
    (folder / "a.csv").write_text("\n".join([HEADER, *FILE_A]) + "\n", encoding="utf-8")
    (folder / "b.csv").write_text("\n".join([HEADER, *FILE_B]) + "\n", encoding="utf-8")
    (folder / "suppliers.csv").write_text("Supplier ID,Supplier Name,Company Number\n"
                                          "S7,Z Supplies,11555666\n", encoding="utf-8")
    (folder / "decisions.csv").write_text("payee,org_id\nMystery Trading,GB-COH-11111111\n",
                                          encoding="utf-8")
    return {"a": folder / "a.csv", "b": folder / "b.csv", "suppliers": folder / "suppliers.csv",
            "decisions": folder / "decisions.csv", "folder": folder}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Companies House and the Charity Commission installed in a data folder of this module's."""
    from spendkit import api

    folder = tmp_path_factory.mktemp("spark-registers-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPENDKIT_DATA_DIR", str(folder))
        api.install_registers(api.recognise_registers([COMPANIES, CHARITIES]), Settings())
        yield folder


def run_settings(ledgers: dict[str, Path], **registries: object) -> Settings:
    return Settings(place=PlaceSettings(districts=["Wigan"]), suppliers=ledgers["suppliers"],
                    registries=RegistrySettings(decisions=ledgers["decisions"], **registries))


def plain(values: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in values.astype(object)]


def by_row(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows in one order across engines: by file name, then row number."""
    files = rows["source_file"].astype(str).map(lambda p: Path(p.removeprefix("file:")).name)
    return rows.assign(_file=files.to_numpy()).sort_values(["_file", "source_row"]).reset_index(drop=True)


def assert_same_rows(spark_rows: pd.DataFrame, local_rows: pd.DataFrame) -> None:
    got, want = by_row(spark_rows), by_row(local_rows)
    assert list(got["source_row"]) == list(want["source_row"])
    for col in COMPARED:
        assert plain(got[col]) == plain(want[col]), col


def test_installed_registers_same_matches_and_figures(spark, ledgers, installed) -> None:
    """Installed registers (matched through their name indexes), the supplier file's numbers
    and a decisions file: every row's match, place, size and sector, and the figures, as the
    local engine gives them."""
    from spendkit.engines.spark import BLANK_REASON, classify_spark

    s = run_settings(ledgers)
    local = spendkit.classify([ledgers["a"], ledgers["b"]], s)
    result = classify_spark(spark, [str(ledgers["a"]), str(ledgers["b"])], s)
    result.frame = result.frame.cache()  # classified once, read twice below
    summary = result.summary()
    want = local.summary()
    for section in SECTIONS:
        assert summary[section] == want[section], section
    assert [r["kind"] for r in summary["registers"]] == ["charity_commission", "companies_house"]
    assert result.register_notes == local.notes
    assert any(n.startswith("registers used: ") for n in result.register_notes)

    every = result.frame.toPandas()
    rows = every[every["rejected_reason"].isna()]
    assert_same_rows(rows, local.rows)
    got = by_row(rows).set_index("payee")
    assert got.loc["Acme Ltd", "org_id"].tolist() == ["GB-COH-04142000"] * 2
    assert got.loc["Acme Ltd", "match_method"].iloc[0] == "company number"
    assert got.loc["Z Supplies", "org_id"] == "GB-COH-11555666"  # the supplier file's number
    assert got.loc["Mystery Trading", "match_method"] == "decisions file"
    assert got.loc["Greenway Landscapes", "org_id"] == "GB-COH-08000001"  # the active one
    assert got.loc["Nobody Known Ltd", "org_id"] == "" and got.loc["Mr J Smith", "org_id"] == ""
    assert got.loc["Brightstart Community CIC", "sector"] == "vcfse"
    assert "registry: Companies House GB-COH-04142000" in got.loc["Acme Ltd", "geography_evidence"].iloc[0]
    assert got.loc["Acme Ltd", "size_band"].iloc[0] == "micro"
    rejected = every[every["rejected_reason"].notna() & (every["rejected_reason"] != BLANK_REASON)]
    assert len(rejected) == len(local.rejected) == 1
    assert rejected["org_id"].isna().all()  # rejected rows are not matched


def cli(*args: object) -> dict:
    runner = CliRunner()
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return {"document": json.loads(result.stdout), "stderr": " ".join(result.stderr.split())}


def test_given_companies_file_on_the_command_line(spark, ledgers, installed, tmp_path) -> None:
    """`spendkit classify --engine spark --companies FILE` (refused before): the file replaces
    the installed Companies House for the run, as on the local engine; the figures and the
    Parquet rows are the local engine's, and the stderr notes name the registers."""
    common = [ledgers["a"], ledgers["b"], "--place", "Wigan", "--suppliers", ledgers["suppliers"],
              "--decisions", ledgers["decisions"], "--companies", COMPANIES, "--format", "json"]
    out = tmp_path / "classified.parquet"
    got = cli("classify", *common, "--engine", "spark", "--out", out)
    want = cli("classify", *common)
    for section in SECTIONS:
        assert got["document"][section] == want["document"][section], section
    used = {r["kind"]: r["source"] for r in got["document"]["registers"]}
    assert used == {"companies_house": "given", "charity_commission": "installed"}
    assert got["stderr"] == want["stderr"]
    assert "registers used: Companies House 2024-05-01 (given)" in got["stderr"]
    assert "files given with --companies replace it" in got["stderr"]

    local = spendkit.classify([ledgers["a"], ledgers["b"]],
                              run_settings(ledgers, companies=[COMPANIES]))
    written = pd.read_parquet(out)
    assert_same_rows(written[written["rejected_reason"].isna()], local.rows)
    assert (written["org_id"] == "GB-COH-04142000").sum() == 2


def test_no_registers_uses_none(spark, ledgers, installed) -> None:
    """--no-registers: the installed registers are not read; no row is matched, and the
    figures are the local engine's without registers (which differ from those with them)."""
    from spendkit.engines.spark import classify_spark

    common = [ledgers["a"], ledgers["b"], "--place", "Wigan", "--suppliers", ledgers["suppliers"],
              "--format", "json", "--no-registers"]
    got = cli("classify", *common, "--engine", "spark")
    want = cli("classify", *common)
    for section in SECTIONS:
        assert got["document"][section] == want["document"][section], section
    assert got["document"]["registers"] == [] and "registers used" not in got["stderr"]
    with_registers = spendkit.classify([ledgers["a"], ledgers["b"]], run_settings(ledgers))
    assert got["document"]["geography"] != with_registers.summary()["geography"]
    # no match columns (the schema is known without running a Spark job)
    result = classify_spark(spark, [str(ledgers["a"])],
                            run_settings(ledgers, installed=False))
    assert "org_id" not in result.frame.columns and "geography" in result.frame.columns
    assert result.registers == [] and result.register_notes == []
