"""A file spendkit wrote, classified again: read from the ledger's own columns (spendkit's
earlier answers left out, and said so), giving the first run's figures; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

import spendkit
from spendkit.api import classify_and_export
from spendkit.config import PlaceSettings, Settings
from spendkit.normalise.ledger import spendkit_columns

FIGURES = ("pence_counted", "rows_counted")  # the rejected rows are in their own file


@pytest.fixture(scope="module")
def written(samples: Path, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("written")
    settings = Settings(place=PlaceSettings(districts=["Wigan"]), suppliers=samples / "suppliers.csv")
    out = {}
    for suffix in (".parquet", ".csv"):
        out[suffix] = folder / f"classified{suffix}"
        classify_and_export([samples / "ledger.csv"], settings, out=out[suffix])
    return out


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_a_classified_file_is_classified_again_from_the_ledgers_columns(
        written: dict[str, Path], samples: Path, result, suffix: str) -> None:
    again = spendkit.classify(written[suffix], place="Wigan", suppliers=samples / "suppliers.csv")
    first, second = result.summary(), again.summary()
    for key in FIGURES:
        assert second["reconciliation"][key] == first["reconciliation"][key], key
    for family in ("geography", "size", "sector"):
        assert {c: v["pence"] for c, v in second[family].items()} == \
            {c: v["pence"] for c, v in first[family].items()}, family
    (info,) = again.inputs
    assert info["columns"]["payee"] == "Supplier Name" and info["columns"]["amount"] == "Net Amount"
    assert info["columns"]["date"] == "Payment Date" and "postcode" not in info["columns"]
    assert any("a file spendkit wrote" in n and "left out" in n for n in info["notes"])
    # The evidence is the first run's: the postcode comes from the supplier file, not the ledger.
    assert not again.rows["postcode_source"].astype(str).str.contains("ledger").any()


def test_a_file_written_twice_reads_without_a_traceback(
        written: dict[str, Path], tmp_path: Path) -> None:
    """Written, classified again and written again, then read: still the ledger's columns."""
    settings = Settings(place=PlaceSettings(districts=["Wigan"]))
    second = tmp_path / "again.parquet"
    classify_and_export([written[".parquet"]], settings, out=second)
    third = spendkit.classify(second, place="Wigan")
    assert third.summary()["reconciliation"]["pence_counted"] == \
        spendkit.classify(written[".parquet"], place="Wigan").summary()["reconciliation"]["pence_counted"]


def test_a_ledger_column_named_as_spendkits_twice_over_is_kept_apart(tmp_path: Path) -> None:
    """'postcode' and 'postcode (ledger)' in one ledger (not a file spendkit wrote): both kept,
    under names that differ."""
    path = tmp_path / "ledger.csv"
    path.write_text("Supplier,Amount,Date,postcode,postcode (ledger)\n"
                    "Acme Ltd,12.50,01/04/2024,WN1 1YN,M1 1AA\n", encoding="utf-8")
    res = spendkit.classify(path, place="Wigan")
    assert res.summary()["reconciliation"]["pence_counted"] == 1250
    assert res.rows["postcode"].tolist() == ["WN1 1YN"]
    assert {"postcode (ledger)", "postcode (ledger 2)"} <= set(res.rows.columns)


def test_only_a_file_with_spendkits_marks_loses_columns() -> None:
    assert spendkit_columns(["Supplier", "geography", "amount_pence"]) == []
    cols = ["Supplier", "amount_pence", "source_file", "source_row", "geography", "Net"]
    assert spendkit_columns(cols) == ["amount_pence", "source_file", "source_row", "geography"]
    assert spendkit_columns(cols, {"geography"}) == ["amount_pence", "source_file", "source_row"]
