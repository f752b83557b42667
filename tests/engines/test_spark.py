"""The Spark engine gives the local engine's figures, to the penny (Spark local mode).

Skipped when pyspark or Java is not available. One Spark session serves the module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytest.importorskip("pyspark")

import spendkit
from spendkit.config import PlaceSettings, Settings

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
SECTIONS = ("reconciliation", "geography", "size", "sector", "headline", "cross", "place",
            "postcode_directory", "supplier_file")
COMPARED = ["payee", "payee_key", "amount_pence", "supplier_id", "department", "expense_type",
            "postcode", "postcode_source", "district_code", "district_name", "geography",
            "geography_evidence", "size_band", "size_evidence", "sme", "sector", "sector_evidence",
            "sector_conflict", "influenceable"]


def settings(**more: Any) -> Settings:
    return Settings(place=PlaceSettings(districts=["Wigan"]), **more)


def assert_same_sections(spark_summary: dict, local_summary: dict) -> None:
    for section in SECTIONS:
        assert spark_summary[section] == local_summary[section], section


def plain(values: pd.Series) -> list:
    """Values to compare across engines: any missing value (None, NA, NaN) as None."""
    return [None if pd.isna(v) else v for v in values.astype(object)]


def local_key(path: str) -> str:
    return Path(str(path).removeprefix("file:")).name


def test_sample_ledger_same_figures_and_rows(spark) -> None:
    """data/samples/ledger.csv (Windows-1252, read as such by Spark) with the supplier file."""
    from spendkit.engines.spark import classify_spark

    s = settings(suppliers=SAMPLES / "suppliers.csv")
    local = spendkit.classify(SAMPLES / "ledger.csv", settings=s)
    result = classify_spark(spark, [str(SAMPLES / "ledger.csv")], s, encoding="windows-1252")
    result.frame = result.frame.cache()  # classified once, read three times below
    summary = result.summary()
    assert_same_sections(summary, local.summary())
    assert summary["reconciliation"]["pence_counted"] == 4_021_571_766
    assert summary["reconciliation"]["balanced"]
    (info,) = summary["inputs"]
    (local_info,) = local.inputs
    for key in ("rows_read", "blank_rows", "columns", "header_row"):
        assert info[key] == local_info[key], key

    # Row by row: the same classes and evidence, and the same spreadsheet row numbers.
    got = pd.DataFrame([r.asDict() for r in result.rows.select("source_row", "payment_date",
                                                                  *COMPARED).collect()])
    got = got.sort_values("source_row").reset_index(drop=True)
    want = local.rows.sort_values("source_row").reset_index(drop=True)
    assert list(got["source_row"]) == list(want["source_row"])
    for col in COMPARED:
        assert plain(got[col]) == plain(want[col]), col
    assert (pd.to_datetime(got["payment_date"]) == want["payment_date"]).all()

    rejected = pd.DataFrame([r.asDict() for r in result.rejected.select(
        "source_row", "rejected_reason", "amount_pence", "amount_text").collect()]).sort_values("source_row")
    assert rejected["source_row"].tolist() == local.rejected["source_row"].tolist()
    assert rejected["rejected_reason"].tolist() == local.rejected["reason"].tolist()
    # An amount that could not be read is missing in both, not 0; its text is kept.
    assert plain(rejected["amount_pence"]) == plain(local.rejected["amount_pence"])
    assert rejected["amount_text"].tolist() == local.rejected["amount_text"].tolist()


HEADER = "Supplier Name,Supplier Postcode,Amount,Date Paid,Department"
FILE_A = [  # (UTF-8 with a BOM, CRLF): good, bad and blank rows, a totals row that matches
    "Dootson Recruitment Limited,WN5 0DX,\"£1,234.56\",01/04/2024,Adult Care",
    "Makinson Plumbing & Heating Ltd,pr26ad,(100.00),02/04/2024,Highways",
    "Warrington Borough Council,WA5 5EU,5000,03/04/2024,Corporate",
    "Isherwood Taxis Ltd,EC4N 6HR,250.5,2024-04-04,Transport",
    "Millgate Solicitors Ltd,IM99 1FH,99.99,05/04/2024,Legal",
    "St Mary's Church,TBC,40.00,06/04/2024,\"Grants\r\n(Small)\"",
    "REDACTED,,75.00,07/04/2024,Children",
    "Acme Widgets Ltd,WN12 9ZZ,TBC,08/04/2024,Highways",       # not an amount
    ",WN5 0DX,10.00,09/04/2024,Highways",                      # no payee
    "Acme Widgets Ltd,WN5 0DX,12.00,31/02/2025,Highways",      # not a date
    ",,,,",                                                    # blank
    "Acme Widgets Ltd,WN5 0DX,,10/04/2024,Highways",           # no amount
    "Wigan Credit Union,WN1 1YN,1,00,11/04/2024,Finance",      # a comma too many: '1' amount
    "Total,,\"6,623.05\",,",
]
FILE_B = [  # (UTF-8, LF): more of the same payees, and a totals row that does not match
    "DOOTSON RECRUITMENT LTD,wn5  0dx,300.00,01/05/2024,Adult Care",
    "Tickle Security Ltd,LS19 7RX,\"12,000.00\",02/05/2024,Security",
    "Bolton Widgets Co,BL1 1RU,1.005,03/05/2024,Highways",
    "Nobody Known,,5.00,04/05/2024,",
    "Eckersley Consulting LLP,WN4 9DG,£700.00 CR,05/05/2024,Consulting",
    "Grand Total,,1.00,,",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("spark-ledgers")
    a, b = folder / "a.csv", folder / "b.csv"
    a.write_bytes(("\ufeff" + "\r\n".join([HEADER, *FILE_A]) + "\r\n").encode("utf-8"))
    b.write_bytes(("\n".join([HEADER, *FILE_B]) + "\n").encode("utf-8"))
    return [a, b]


def test_built_files_same_figures_via_parquet(spark, built, tmp_path) -> None:
    """Two UTF-8 files with a postcode column, bad rows, a blank row and totals rows: written
    to Parquet, then summarised from the Parquet files."""
    from spendkit.engines.spark import BLANK_REASON, classify_for_cli

    s = settings(suppliers=SAMPLES / "suppliers.csv")
    local = spendkit.classify(built, settings=s)
    out = tmp_path / "classified.parquet"
    # What `spendkit classify --engine spark --out classified.parquet` runs (in the active
    # session): classify, write Parquet, then summarise from the Parquet files.
    result, summary = classify_for_cli(built, s, out=out)
    assert_same_sections(summary, local.summary())
    rec = summary["reconciliation"]
    assert rec["rows_rejected"] == 7 and rec["blank_rows_skipped"] == 1
    assert rec["totals_rows"] == {"rows": 2, "pence": 662405, "all_match": False}
    by_file = {local_key(i["file"]): i for i in summary["inputs"]}
    for info in local.inputs:
        mine = by_file[local_key(info["file"])]
        for key in ("rows_read", "blank_rows", "totals_rows", "columns"):
            assert mine[key] == info[key], (info["file"], key)
    assert by_file["a.csv"]["totals_rows"]["matches"] is True

    back = spark.read.parquet(str(out))
    assert back.count() == rec["rows_read"] + rec["blank_rows_skipped"]
    assert {"Supplier Name", "payee", "amount_pence", "geography", "rejected_reason"} <= set(back.columns)
    blank = back.filter(back.rejected_reason == BLANK_REASON).collect()
    assert [(local_key(r.source_file), r.source_row) for r in blank] == [("a.csv", 12)]
    assert sorted(r.source_row for r in result.rejected.collect()) == \
        sorted(local.rejected["source_row"].tolist())


def test_dataframe_input_without_broadcast(spark, built) -> None:
    """A DataFrame of text columns (as read from Parquet or a table), reference data shipped
    with the tasks instead of broadcast (as on Spark Connect)."""
    from spendkit.engines.spark import classify_spark

    df = spark.read.options(header=True, multiLine=True, escape='"').csv([str(p) for p in built])
    local = spendkit.classify(built, place="Wigan")
    result = classify_spark(spark, df, settings(), broadcast=False)
    summary = result.summary()
    for section in ("geography", "size", "sector", "headline", "cross"):
        assert summary[section] == local.summary()[section], section
    rec, want = summary["reconciliation"], local.summary()["reconciliation"]
    for key in ("rows_read", "rows_counted", "rows_rejected", "pence_read", "pence_counted",
                "blank_rows_skipped", "rejected_by_reason"):
        assert rec[key] == want[key], key
    assert result.rows.filter("source_row is not null").count() == 0  # no file row numbers


def test_files_must_share_a_header_on_the_first_line(spark, built, tmp_path) -> None:
    from spendkit.engines.spark import classify_spark
    from spendkit.errors import InputFileError

    other = tmp_path / "other.csv"
    other.write_text("Payee,Amount\nAcme,1.00\n" + "Beta,2.00\n" * 3, encoding="utf-8")
    result = classify_spark(spark, [str(built[0]), str(other)], settings())
    with pytest.raises(Exception, match="not the header the other files have"):
        result.summary()
    titled = tmp_path / "titled.csv"
    titled.write_text("Payments over £500\n" + HEADER + "\n" + "\n".join(FILE_B) + "\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="first line is not a ledger's header"):
        classify_spark(spark, [str(titled)], settings())


def test_cli_helpers_need_no_cluster() -> None:
    from spendkit.engines.spark import as_uri, classify_for_cli
    from spendkit.errors import OutputError

    assert as_uri(Path("s3://bucket/ledgers/a.csv")) == "s3://bucket/ledgers/a.csv"
    assert as_uri(Path("abfss://c@acct.dfs.core.windows.net/x")) == "abfss://c@acct.dfs.core.windows.net/x"
    assert as_uri("dbfs:/x") == "dbfs:/x" and as_uri(Path("data/x.csv")) == "data/x.csv"
    with pytest.raises(OutputError, match="writes Parquet"):
        classify_for_cli([SAMPLES / "ledger.csv"], settings(), out=Path("classified.xlsx"))


def test_cli_reads_a_file_given_twice_once(spark, built) -> None:
    from spendkit.engines.spark import classify_for_cli

    _, once = classify_for_cli([built[0]], settings())
    _, twice = classify_for_cli([built[0], built[0]], settings())
    assert twice["reconciliation"] == once["reconciliation"]
    assert f"{built[0]} given 2 times: read once" in twice["inputs"][0]["notes"]


def test_periods_undated_and_unreadable_amounts_same_as_local(spark, tmp_path) -> None:
    """Months, quarters and a relative word in the date column; an unreadable amount: Spark
    gives the local reconciliation (dates covered, months missing, unreadable amounts) and
    the same periods."""
    from spendkit.engines.spark import classify_spark

    path = tmp_path / "periods.csv"
    path.write_text(HEADER + "\nAcme Ltd,WN1 1YN,10.00,2024-04,Highways\nBeta Ltd,,20.00,Q2 2024/25,\n"
                    "Gamma Ltd,,TBC,2024-05,\nDelta Ltd,,5.00,today,\nAcme Ltd,WN1 1YN,1.00,,\n", encoding="utf-8")
    local = spendkit.classify(path, settings=settings())
    summary = classify_spark(spark, [str(path)], settings()).summary()
    rec = summary["reconciliation"]
    assert rec == local.summary()["reconciliation"]
    assert rec["dates"] == {"from": "2024-04-01", "to": "2024-09-30", "months": 6,
                            "months_missing": ["2024-05", "2024-06"]}
    assert (rec["rows_undated"], rec["rejected_amount_unreadable"], rec["pence_read"]) == (1, 1, 3600)
    rows = classify_spark(spark, [str(path)], settings()).rows.select("payee", "period_end").collect()
    assert sorted((r.payee, r.period_end) for r in rows if r.period_end) == [
        ("Acme Ltd", pd.Timestamp(2024, 4, 30).to_pydatetime()),
        ("Beta Ltd", pd.Timestamp(2024, 9, 30).to_pydatetime())]


def test_a_spark_run_past_int64_is_refused() -> None:
    """Spark sums |pence| as decimals; past int64 the run is refused, as the local engine's."""
    from spendkit.engines.spark.grouping import check_sum_fits
    from spendkit.errors import InputFileError
    from spendkit.money import INT64_MAX

    check_sum_fits(pd.Series(["a.csv", "b.csv"]), [INT64_MAX - 1, 1])
    with pytest.raises(InputFileError, match=r"a\.csv, b\.csv: the amounts add up to more than"):
        check_sum_fits(pd.Series(["a.csv", "b.csv"]), [INT64_MAX, 1])
