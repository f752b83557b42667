"""The local engine called directly: every data row of the sample ledger accounted for, and
the counted pence equal to an independent Decimal sum of those rows' Net Amount."""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import pytest

from spendkit.config import PlaceSettings, Settings
from spendkit.engines.local import classify

# data/samples/README.md: the deliberately unreadable rows (transaction -> data row, from 0).
UNREADABLE = {"4100407": 211, "4101423": 734, "4102348": 1190, "4103285": 1655,
              "4104443": 2248, "4105580": 2817}


def parse_amount(text: str) -> Decimal:
    """Net Amount as the sample writes it: 1234.56, "13,841.72", £1,234.56, and credit notes
    (1,234.56), -1,234.56, 1,234.56- and 1,234.56 CR."""
    t = text.strip().replace("£", "").replace(",", "")
    negative = False
    if t.upper().endswith("CR"):
        t, negative = t[:-2].strip(), True
    if t.startswith("(") and t.endswith(")"):
        t, negative = t[1:-1], True
    if t.endswith("-"):
        t, negative = t[:-1], True
    if t.startswith("-"):
        t, negative = t[1:], True
    if not re.fullmatch(r"\d+(\.\d{1,2})?", t):
        raise ValueError(text)
    return -Decimal(t) if negative else Decimal(t)


@pytest.fixture(scope="module")
def ledger(samples: Path) -> list[dict[str, str]]:
    with open(samples / "ledger.csv", encoding="cp1252", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def classified(samples: Path):
    settings = Settings(place=PlaceSettings(districts=["Wigan"]), suppliers=samples / "suppliers.csv")
    return classify([samples / "ledger.csv"], settings)


def test_every_data_row_is_counted_or_rejected(classified, ledger) -> None:
    assert len(ledger) == 3000
    assert len(classified.rows) + len(classified.rejected) == len(ledger)
    assert len(classified.rejected) == len(UNREADABLE)
    counted_ids = set(classified.rows["transaction_id"])
    all_ids = [r["Transaction Number"] for r in ledger]
    assert len(set(all_ids)) == len(all_ids)
    assert counted_ids == set(all_ids) - set(UNREADABLE)
    assert {t: all_ids.index(t) for t in UNREADABLE} == UNREADABLE
    # source_row is the row a spreadsheet shows: header on row 1, so data row N is row N + 2
    # (the quoted line break in data row 1502 does not add a row, unlike a physical line count).
    rejected = dict(zip(classified.rejected["Transaction Number"].astype(str),
                        classified.rejected["source_row"].astype(int), strict=True))
    assert rejected == {t: n + 2 for t, n in UNREADABLE.items()}
    assert classified.rejected["reason"].str.len().gt(0).all()


def test_counted_pence_equal_an_independent_decimal_sum(classified, ledger) -> None:
    by_id = {r["Transaction Number"]: r["Net Amount"] for r in ledger}
    counted = classified.rows
    expected = sum((parse_amount(by_id[t]) for t in counted["transaction_id"]), Decimal(0))
    assert int(counted["amount_pence"].sum()) == int(expected * 100)
    assert expected == Decimal("40215717.66")  # the README's figure for whole-row readers
    # Row by row too.
    for t, pence in zip(counted["transaction_id"], counted["amount_pence"], strict=True):
        assert parse_amount(by_id[t]) * 100 == pence, t


def test_credit_notes_are_negative(classified) -> None:
    credits = classified.rows[classified.rows["amount_pence"] < 0]
    assert len(credits) == 40
    assert int(credits["amount_pence"].sum()) == -58_829_282  # README


def test_result_carries_the_settings_and_inputs(classified, samples: Path) -> None:
    assert classified.settings.place.districts == ["Wigan"]
    assert len(classified.inputs) == 1
    assert classified.inputs[0]["columns"]["amount"] == "Net Amount"
    assert classified.suppliers is not None
    assert set(classified.rows["geography"]) <= {"local", "sub_regional", "regional", "national",
                                                 "outside_uk", "unknown"}
