"""aggregate.supplier_list: one row per payee (name variants merged), spend to the penny, and the
facts still missing. Expected figures are summed here over the input rows."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import spendkit
from spendkit.aggregate.supplier_list import FILL_IN, INFO_PREFIX, supplier_list

SPEND = INFO_PREFIX + "spend (£)"
MISSING = INFO_PREFIX + "missing"
VARIANTS = INFO_PREFIX + "name variants"


def pence(pounds: str) -> int:
    return int(Decimal(pounds) * 100)


@pytest.fixture(scope="module")
def table(result) -> pd.DataFrame:
    return supplier_list(result)


def test_one_row_per_payee_and_spend_sums_to_the_counted_total(result, table: pd.DataFrame,
                                                                 counted: int) -> None:
    assert table.index.tolist() == list(range(len(table)))
    keys = set(result.rows["payee_key"].astype(str))
    assert len(table) == len(keys)
    assert sum(pence(s) for s in table[SPEND]) == counted
    assert sum(int(n) for n in table[INFO_PREFIX + "rows"]) == len(result.rows)
    # Biggest spend first.
    spend = [pence(s) for s in table[SPEND]]
    assert spend == sorted(spend, reverse=True)
    # The fill-in columns come first, in the documented order, then the information columns.
    assert list(table.columns[: len(FILL_IN)]) == FILL_IN
    assert all(c.startswith(INFO_PREFIX) for c in table.columns[len(FILL_IN):])


def test_spend_per_supplier_id_matches_the_ledger(result, table: pd.DataFrame) -> None:
    by_id: dict[str, int] = defaultdict(int)
    for sid, p in zip(result.rows["supplier_id"].astype(str), result.rows["amount_pence"].tolist(), strict=True):
        if sid:
            by_id[sid] += int(p)
    listed = table[table["Supplier ID"] != ""]
    assert listed["Supplier ID"].is_unique
    assert dict(zip(listed["Supplier ID"], (pence(s) for s in listed[SPEND]), strict=True)) == dict(by_id)


def test_the_sample_variants_are_merged(result, table: pd.DataFrame) -> None:
    """The sample spells 73 rows' names differently from the master file; each payee is one row."""
    rows = result.rows
    spellings = rows.groupby("payee_key", observed=True)["payee"].nunique()
    merged = spellings[spellings > 1]
    assert len(merged) > 0
    for key in merged.index[:10]:
        names = sorted(set(rows.loc[rows["payee_key"] == key, "payee"].astype(str)))
        line = table[table[VARIANTS] == " | ".join(names)]
        assert len(line) == 1, names


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


LEDGER = """Supplier Name,Supplier ID,Amount,Postcode
ACME LTD,,100.00,
Acme Limited,S1,200.00,
Acme Limited,S1,50.25,
ACME LIMITED.,S1,-10.00,
Acme Ltd.,,1.00,
Bolt Engineering Ltd,S2,400.00,WN1 1YN
Hope Community Interest Company,S3,30.00,TBC
"""
SUPPLIERS = """Supplier ID,Supplier Name,Employees,Turnover
S2,Bolt Engineering Ltd,12,900000
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple:
    tmp = tmp_path_factory.mktemp("suppliers")
    result = spendkit.classify(write(tmp, "l.csv", LEDGER), place="Wigan",
                               suppliers=write(tmp, "s.csv", SUPPLIERS))
    return result, supplier_list(result).set_index("Supplier Name")


def test_name_variants_merge_into_one_payee(small: tuple) -> None:
    result, table = small
    assert len(table) == 3
    acme = table.loc["Acme Limited"]  # the commonest spelling names it
    assert acme[VARIANTS] == "ACME LIMITED. | ACME LTD | Acme Limited | Acme Ltd."
    assert pence(acme[SPEND]) == 10000 + 20000 + 5025 - 1000 + 100
    assert int(acme[INFO_PREFIX + "rows"]) == 5
    assert acme["Supplier ID"] == "S1"  # rows without an id take the payee's id
    assert sum(pence(s) for s in table[SPEND]) == int(result.rows["amount_pence"].sum()) == 77125


def test_missing_names_what_to_fill_in(small: tuple) -> None:
    _, table = small
    # Bolt: postcode in Wigan, staff and turnover from the supplier file, private by its name.
    bolt = table.loc["Bolt Engineering Ltd"]
    assert bolt[INFO_PREFIX + "place"] == "local"
    assert bolt[INFO_PREFIX + "size band"] == "small"
    assert bolt[MISSING] == ""
    # Acme: no postcode and no size; a limited company, so the sector is known.
    acme = table.loc["Acme Limited"]
    assert acme[INFO_PREFIX + "place"] == "unknown"
    assert acme[MISSING].startswith("postcode, size (employees, turnover)")
    # Hope: 'TBC' is not a postcode; a CIC is VCFSE by its name.
    hope = table.loc["Hope Community Interest Company"]
    assert hope[INFO_PREFIX + "sector"] == "vcfse"
    assert "postcode" in hope[MISSING] and "sector" not in hope[MISSING]
    # The fill-in facts are blank for the analyst.
    for col in ("Legal Form", "Employees", "Turnover", "Sector", "SME"):
        assert (table[col] == "").all(), col


def classified(rows: list[tuple]) -> SimpleNamespace:
    """A minimal classified frame (what supplier_list reads from a Result)."""
    cols = ["payee", "payee_key", "supplier_id", "amount_pence", "geography", "size_band", "sector"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["amount_pence"] = frame["amount_pence"].astype("int64")
    for c in ("postcode", "company_number", "charity_number", "district_name"):
        frame[c] = ""
    for c in ("geography_evidence", "size_evidence", "sector_evidence"):
        frame[c] = "because"
    return SimpleNamespace(rows=frame)


def test_missing_lists_every_unknown_in_order() -> None:
    table = supplier_list(classified([
        ("A Ltd", "A", "", 5, "unknown", "unknown", "unknown"),
        ("B Ltd", "B", "", 4, "local", "unknown", "unknown"),
        ("C Ltd", "C", "", 3, "unknown", "micro", "private"),
        ("D Ltd", "D", "", 2, "local", "small", "unknown"),
        ("E Ltd", "E", "", 1, "national", "large", "private"),
    ])).set_index("Supplier Name")
    assert table[MISSING].to_dict() == {
        "A Ltd": "postcode, size (employees, turnover), sector",
        "B Ltd": "size (employees, turnover), sector",
        "C Ltd": "postcode",
        "D Ltd": "sector",
        "E Ltd": "",
    }


def test_ties_and_ids_on_a_hand_made_frame() -> None:
    table = supplier_list(classified([
        ("Zed Ltd", "ZED", "Z9", 100, "local", "micro", "private"),
        ("ZED LIMITED", "ZED", "Z1", 100, "local", "micro", "private"),
        ("ZED LIMITED", "ZED", "Z1", 1, "local", "micro", "private"),
        ("Alpha Ltd", "ALPHA", "", 201, "local", "micro", "private"),
    ]))
    # Equal spend: by name. The commonest spelling and the commonest id win.
    assert table["Supplier Name"].tolist() == ["Alpha Ltd", "ZED LIMITED"]
    assert table["Supplier ID"].tolist() == ["", "Z1"]
    assert table[SPEND].tolist() == ["2.01", "2.01"]
    assert table[VARIANTS].tolist() == ["Alpha Ltd", "ZED LIMITED | Zed Ltd"]


@pytest.mark.parametrize("payees", [128, 40_000])
def test_many_payees_none_with_a_supplier_id(payees: int) -> None:
    """More payees than int8 (and int16) category codes hold, none with a supplier id: the
    real 3,564-row Manchester ledger crashed here ("Buffer dtype mismatch")."""
    frame = classified([(f"Payee {i} Ltd", f"PAYEE {i}", "", i + 1, "local", "micro", "private")
                        for i in range(payees)]).rows
    for c in ("payee", "payee_key", "supplier_id", "geography"):
        frame[c] = frame[c].astype("category")
    table = supplier_list(SimpleNamespace(rows=frame))
    assert len(table) == payees
    assert (table["Supplier ID"] == "").all()
    assert table["Supplier Name"].iloc[0] == f"Payee {payees - 1} Ltd"  # the biggest spend first
    assert sum(pence(s) for s in table[SPEND]) == payees * (payees + 1) // 2
