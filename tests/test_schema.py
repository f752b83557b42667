"""The column contract between stages (``spendkit.schema``), checked at each boundary on the
sample ledger: what normalise hands on, what the supplier join adds, what decide leaves, and
the counted rows of ``spendkit.classify``. The Spark engine's output schema is the same list."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spendkit import schema
from spendkit.config import PlaceSettings, Settings
from spendkit.schema import names

LEDGER = names(schema.LEDGER_COLUMNS)
PLACE = names(schema.PLACE_COLUMNS)
ORGANISATION = names(schema.ORGANISATION_COLUMNS)
HELPERS = {*schema.NORMALISE_HELPERS, *schema.DECIDE_HELPERS}
PANDAS_KINDS = {"int64": ("int64",), "bool": ("bool", "boolean"),
                "timestamp": ("datetime64[ns]", "datetime64[us]"), "string": ("str", "category")}


@pytest.fixture(scope="module")
def settings(samples: Path) -> Settings:
    return Settings(place=PlaceSettings(districts=["Wigan"]), suppliers=samples / "suppliers.csv")


@pytest.fixture(scope="module")
def own(samples: Path) -> list[str]:
    """The sample ledger's own columns, as read."""
    from spendkit.read.files import read_tables

    (table,) = read_tables(samples / "ledger.csv")
    return list(table.frame.columns)


@pytest.fixture(scope="module")
def stages(samples: Path, settings: Settings) -> dict[str, pd.DataFrame]:
    from spendkit.decide.place import place_rows
    from spendkit.decide.rows import organisation_rows, prepare
    from spendkit.normalise.ledger import load_ledgers
    from spendkit.reference.suppliers import join_suppliers

    prepared = prepare(settings)
    (ledger,) = load_ledgers([samples / "ledger.csv"], settings)
    joined = ledger.rows.join(join_suppliers(ledger.rows, prepared.supplier_file))
    placed = place_rows(joined, prepared.index, prepared.place, prepared.districts,
                        prepared.supplier_file)
    decided = organisation_rows(placed, prepared.supplier_file, settings, prepared.rules)
    return {"normalised": ledger.rows, "rejected": ledger.rejected, "joined": joined,
            "placed": placed, "decided": decided}


def test_the_lists_do_not_overlap() -> None:
    every = [*LEDGER, *PLACE, *ORGANISATION, *HELPERS, *schema.REGISTRY_KEPT]
    assert len(every) == len(set(every))
    assert set(schema.REGISTRY_COLUMNS) <= {*schema.REGISTRY_KEPT, *schema.REGISTRY_HELPERS}


def test_normalise_hands_on_the_ledger_columns_and_postcode_raw(stages, own) -> None:
    rows = stages["normalised"]
    # the helper rides before the source columns (source_file, source_sheet, source_row)
    assert list(rows.columns) == [*own, *LEDGER[:-3], *schema.NORMALISE_HELPERS, *LEDGER[-3:]]
    assert list(stages["rejected"].columns) == [*own, *names(schema.REJECTED_COLUMNS)]


def test_the_supplier_join_adds_only_its_helpers(stages) -> None:
    before, after = stages["normalised"], stages["joined"]
    assert list(after.columns) == [*before.columns, *schema.SUPPLIER_HELPERS]


def test_place_drops_postcode_raw_and_adds_the_place_columns(stages) -> None:
    before, after = stages["joined"], stages["placed"]
    assert list(after.columns) == [*[c for c in before.columns if c != "postcode_raw"], *PLACE]


def test_decide_leaves_no_helper(stages, own) -> None:
    rows = stages["decided"]
    assert set(rows.columns) == {*own, *LEDGER, *PLACE, *ORGANISATION}
    assert not HELPERS & set(rows.columns)


def test_counted_rows_of_classify_follow_the_contract(samples: Path, settings: Settings, own) -> None:
    import spendkit

    rows = spendkit.classify(samples / "ledger.csv", settings=settings).rows
    assert list(rows.columns[:len(own)]) == own
    assert set(rows.columns[len(own):]) == {*LEDGER, *PLACE, *ORGANISATION}
    for name, kind in (*schema.LEDGER_COLUMNS, *schema.PLACE_COLUMNS, *schema.ORGANISATION_COLUMNS):
        assert str(rows[name].dtype) in PANDAS_KINDS[kind], (name, rows[name].dtype)


def test_spark_output_schema_is_the_contract() -> None:
    from spendkit.engines.spark.executor import OUTPUT_COLUMNS, output_columns

    spark_own = ("row_id", "rejected_reason", "totals_row_pence", "amount_text")
    assert [c for c in OUTPUT_COLUMNS if c[0] not in spark_own] \
        == [*schema.LEDGER_COLUMNS, *schema.PLACE_COLUMNS, *schema.ORGANISATION_COLUMNS]
    assert output_columns(registers=False) == OUTPUT_COLUMNS
    # with registers, the match's columns where the local engine's rows have them
    assert [c for c in output_columns(registers=True) if c[0] not in spark_own] \
        == [*schema.LEDGER_COLUMNS, *[(c, "string") for c in schema.REGISTRY_KEPT],
            *schema.PLACE_COLUMNS, *schema.ORGANISATION_COLUMNS]
