"""aggregate.summary: the classify document. Every figure is checked against sums written here
in plain Python over the rows (not spendkit's groupby), on the sample ledger and on small
hand-made classified frames."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from spendkit.aggregate import summary as S
from spendkit.aggregate.result import Result
from spendkit.schema import GEOGRAPHY_CLASSES, SECTOR_CLASSES, SIZE_CLASSES

FAMILIES = {"geography": ("geography", GEOGRAPHY_CLASSES), "size": ("size_band", SIZE_CLASSES),
            "sector": ("sector", SECTOR_CLASSES)}


def sums_by(rows: pd.DataFrame, column: str) -> dict[str, dict[str, int]]:
    """{class: {pence, rows, payees}} by looping over the rows."""
    pence: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    payees: dict[str, set[str]] = defaultdict(set)
    for cls, p, key in zip(rows[column].astype(str), rows["amount_pence"].tolist(),
                           rows["payee_key"].astype(str), strict=True):
        pence[cls] += int(p)
        count[cls] += 1
        payees[cls].add(key)
    return {c: {"pence": pence[c], "rows": count[c], "payees": len(payees[c])} for c in pence}


@pytest.fixture(scope="module")
def doc(result) -> dict:
    return result.summary()


# --------------------------------------------------------------------------- the sample ledger


@pytest.mark.parametrize("family", list(FAMILIES))
def test_breakdown_equals_an_independent_sum(result, doc: dict, family: str) -> None:
    column, classes = FAMILIES[family]
    mine = sums_by(result.rows, column)
    total = sum(int(p) for p in result.rows["amount_pence"].tolist())
    section = doc[family]
    assert list(section) == list(classes)  # every class, in the schema's order
    assert set(mine) <= set(classes)  # no row has a class outside the schema
    for c in classes:
        want = mine.get(c, {"pence": 0, "rows": 0, "payees": 0})
        got = section[c]
        assert (got["pence"], got["rows"], got["payees"]) == (want["pence"], want["rows"], want["payees"]), c
        assert type(got["pence"]) is int and type(got["rows"]) is int and type(got["payees"]) is int
        assert got["share"] == round(want["pence"] / total, 6)
    assert sum(v["pence"] for v in section.values()) == total
    assert sum(v["rows"] for v in section.values()) == len(result.rows)


def test_known_sample_figures(doc: dict) -> None:
    """The README's figures for the sample (place Wigan, with the supplier file)."""
    assert doc["geography"]["local"] == {"pence": 634_423_754, "rows": 752, "payees": 70, "share": 0.157755}
    assert doc["reconciliation"]["pence_counted"] == 4_021_571_766


def test_reconciliation_against_the_file(samples: Path, result, doc: dict) -> None:
    rec = doc["reconciliation"]
    with open(samples / "ledger.csv", encoding="cp1252", newline="") as f:
        data_rows = sum(1 for _ in csv.reader(f)) - 1
    assert rec["rows_read"] == data_rows == 3000
    assert rec["rows_read"] == rec["rows_counted"] + rec["rows_rejected"]
    assert rec["pence_read"] == rec["pence_counted"] + rec["pence_rejected"]
    assert rec["rows_counted"] == len(result.rows) and rec["rows_rejected"] == len(result.rejected)
    assert rec["pence_counted"] == sum(int(p) for p in result.rows["amount_pence"].tolist())
    assert rec["pence_rejected"] == sum(int(p) for p in result.rejected["amount_pence"].dropna().tolist())
    assert rec["balanced"] is True
    # The three rejected rows whose amount could not be read weigh nothing known, not £0.00.
    unread = result.rejected[result.rejected["amount_pence"].isna()]
    assert rec["rejected_amount_unreadable"] == len(unread) == 3
    assert sorted(unread["amount_text"]) == ["", "N/A", "TBC"]
    assert sum(rec["rejected_by_reason"].values()) == rec["rows_rejected"] == 6
    assert rec["rejected_by_reason"] == {"Net Amount: '…' is not an amount": 2, "Net Amount: no amount": 1,
                                         "Payment Date: '…' is not a date": 3}
    assert "totals_rows" not in rec  # the CSV has no totals row


def test_balanced_is_false_when_a_counted_row_goes_missing(result) -> None:
    dropped = dataclasses.replace(result, rows=result.rows.iloc[1:])
    rec = dropped.summary()["reconciliation"]
    assert rec["rows_read"] == 3000 and rec["rows_counted"] == 2993
    assert rec["balanced"] is False


def test_balanced_is_false_when_a_penny_goes_missing(result) -> None:
    """pence_read is counted as the file is read, not as counted + rejected: it can disagree."""
    rows = result.rows.copy()
    rows.loc[0, "amount_pence"] += 1
    rec = dataclasses.replace(result, rows=rows).summary()["reconciliation"]
    assert rec["rows_read"] == rec["rows_counted"] + rec["rows_rejected"]
    assert rec["pence_read"] == rec["pence_counted"] + rec["pence_rejected"] - 1
    assert rec["balanced"] is False


def test_balanced_is_false_when_rows_read_disagree(result) -> None:
    inputs = [{**i, "rows_read": i["rows_read"] + 1} for i in result.inputs]
    assert dataclasses.replace(result, inputs=inputs).summary()["reconciliation"]["balanced"] is False
    fewer = dataclasses.replace(result, rejected=result.rejected.iloc[:-1])
    assert fewer.summary()["reconciliation"]["balanced"] is False


@pytest.mark.parametrize(("name", "a", "b"), [("geography_by_size", "geography", "size"),
                                              ("geography_by_sector", "geography", "sector")])
def test_cross_tables_add_up_to_the_breakdowns(result, doc: dict, name: str, a: str, b: str) -> None:
    table = doc["cross"][name]
    assert list(table) == list(FAMILIES[a][1])
    assert all(list(row) == list(FAMILIES[b][1]) for row in table.values())
    for x, row in table.items():
        assert sum(row.values()) == doc[a][x]["pence"], x
    for y in FAMILIES[b][1]:
        assert sum(row[y] for row in table.values()) == doc[b][y]["pence"], y
    # One cell by hand: local micro / local vcfse.
    col = FAMILIES[b][0]
    cell = "micro" if b == "size" else "vcfse"
    rows = result.rows
    mask = (rows["geography"].astype(str) == "local") & (rows[col].astype(str) == cell)
    assert table["local"][cell] == sum(int(p) for p in rows.loc[mask, "amount_pence"].tolist())


def test_headline_equals_independent_sums(result, doc: dict) -> None:
    rows = result.rows
    exclude = set(result.settings.headline.exclude)
    assert exclude == {"public", "individual"}
    inf_mask = ~rows["sector"].astype(str).isin(exclude)
    assert (inf_mask == rows["influenceable"]).all()
    inf = rows[inf_mask]
    total = sum(int(p) for p in inf["amount_pence"].tolist())
    head = doc["headline"]
    assert head["influenceable_pence"] == total
    assert head["influenceable_payees"] == len(set(inf["payee_key"].astype(str)))

    def share(mask: pd.Series) -> float:
        return round(sum(int(p) for p in inf.loc[mask, "amount_pence"].tolist()) / total, 6)

    geo, size, sector = (inf[c].astype(str) for c in ("geography", "size_band", "sector"))
    assert head["local_share"] == share(geo == "local") == 0.161008
    assert head["sub_regional_share"] == share(geo == "sub_regional")
    assert head["local_or_sub_regional_share"] == share(geo.isin(["local", "sub_regional"]))
    assert head["sme_share"] == share(size.isin(["micro", "small", "medium", "sme"]))
    assert head["vcfse_share"] == share(sector == "vcfse")
    assert head["unknown_place_share"] == share(geo == "unknown")
    assert head["unknown_size_share"] == share(size == "unknown")
    assert head["unknown_sector_share"] == share(sector == "unknown")
    excluded = {s: sum(int(p) for p in rows.loc[rows["sector"].astype(str) == s, "amount_pence"].tolist())
                for s in exclude}
    assert head["excluded_pence"] == excluded
    assert head["influenceable_pence"] + sum(excluded.values()) == doc["reconciliation"]["pence_counted"]
    assert head["excluded_sectors"] == ["public", "individual"]
    assert head["size_rule"]["id"] == "procurement-act-2023"


def test_document_is_json_and_versioned(doc: dict) -> None:
    assert doc["schema_version"] == S.SCHEMA_VERSION
    assert json.loads(json.dumps(doc, default=str))["geography"] == doc["geography"]
    assert doc["place"]["local"] == [{"code": "E08000010", "name": "Wigan"}]
    assert list(doc) == ["schema_version", "spendkit_version", "inputs", "supplier_file", "postcode_directory",
                         "registers", "place", "reconciliation", "geography", "size", "sector", "headline", "cross",
                         "bases", "list_payees"]


# --------------------------------------------------------------------------- hand-made frames


def frame(rows: list[tuple[int, str, str, str, str]], *, categorical: bool = False) -> pd.DataFrame:
    """(pence, payee_key, geography, size_band, sector) -> a classified frame."""
    out = pd.DataFrame(rows, columns=["amount_pence", "payee_key", "geography", "size_band", "sector"])
    out["amount_pence"] = out["amount_pence"].astype("int64")
    out["sme"] = pd.array([b in ("micro", "small", "medium", "sme") if b != "unknown" else None
                           for b in out["size_band"]], dtype="boolean")
    out["influenceable"] = ~out["sector"].isin(["public", "individual"])
    # Dated: a day in April, a day in June, a quarter (July-September); the rest undated.
    days = ["2024-04-03", "2024-06-01", "2024-07-01"] + [None] * (len(out) - 3)
    out["payment_date"] = pd.to_datetime(pd.Series(days[:len(out)], dtype="object"))
    out["period_end"] = out["payment_date"].where(out.index != 2, pd.Timestamp("2024-09-30"))
    if categorical:
        for c in ("payee_key", "geography", "size_band", "sector"):
            out[c] = out[c].astype("category")
    return out


SMALL = [
    (1000, "ACME", "local", "micro", "private"),
    (-250, "ACME", "local", "micro", "private"),  # a credit note: netted
    (500, "BOLT", "national", "large", "private"),
    (300, "HOPE", "sub_regional", "small", "vcfse"),
    (700, "WIGAN COUNCIL", "local", "unknown", "public"),
    (200, "REDACTED", "unknown", "unknown", "individual"),
    (1, "BOLT", "national", "large", "private"),
]


@pytest.mark.parametrize("categorical", [False, True])
def test_breakdown_on_a_small_frame(result, categorical: bool) -> None:
    rows = frame(SMALL, categorical=categorical)
    got = dataclasses.replace(result, rows=rows).summary()["geography"]
    assert S.breakdown(rows, "geography", GEOGRAPHY_CLASSES) == got
    total = 1000 - 250 + 500 + 300 + 700 + 200 + 1
    assert got == {
        "local": {"pence": 1450, "rows": 3, "payees": 2, "share": round(1450 / total, 6)},
        "sub_regional": {"pence": 300, "rows": 1, "payees": 1, "share": round(300 / total, 6)},
        "regional": {"pence": 0, "rows": 0, "payees": 0, "share": 0.0},
        "national": {"pence": 501, "rows": 2, "payees": 1, "share": round(501 / total, 6)},
        "outside_uk": {"pence": 0, "rows": 0, "payees": 0, "share": 0.0},
        "unknown": {"pence": 200, "rows": 1, "payees": 1, "share": round(200 / total, 6)},
    }
    assert list(got) == list(GEOGRAPHY_CLASSES)
    assert all(type(v["pence"]) is int for v in got.values())


def test_shares_are_none_when_the_total_is_zero(result) -> None:
    rows = frame([(500, "ACME", "local", "micro", "private"), (-500, "ACME", "local", "micro", "private")])
    got = dataclasses.replace(result, rows=rows).summary()["geography"]
    assert got["local"] == {"pence": 0, "rows": 2, "payees": 1, "share": None}
    assert all(v["share"] is None for v in got.values())
    empty = dataclasses.replace(result, rows=frame([]), rejected=result.rejected.iloc[:0]).summary()
    for family, (_, classes) in FAMILIES.items():
        assert list(empty[family]) == list(classes)
        assert all(v == {"pence": 0, "rows": 0, "payees": 0, "share": None} for v in empty[family].values())
    assert all(v is None for k, v in empty["headline"].items() if k.endswith("_share"))


def test_crosstab_on_a_small_frame(result) -> None:
    got = dataclasses.replace(result, rows=frame(SMALL)).summary()["cross"]["geography_by_sector"]
    assert got["local"] == {"vcfse": 0, "private": 750, "public": 700, "individual": 0, "unknown": 0}
    assert got["national"]["private"] == 501
    assert got["regional"] == dict.fromkeys(SECTOR_CLASSES, 0)
    assert sum(v for row in got.values() for v in row.values()) == 2451


def test_a_whole_document_from_a_hand_made_result(result) -> None:
    rows = frame(SMALL, categorical=True)
    rejected = pd.DataFrame({"amount_pence": pd.Series([999, 0], dtype="int64"),
                             "reason": ["Payment Date: '31/02/2025' is not a date",
                                        "Net Amount: 'TBC' is not an amount"]})
    small = dataclasses.replace(result, rows=rows, rejected=rejected,
                                inputs=[{"file": "a.csv", "rows_read": 5, "blank_rows": 1, "pence_read": 3000},
                                        {"file": "b.csv", "rows_read": 4, "blank_rows": 0, "pence_read": 450,
                                         "totals_rows": {"rows": 1, "pence": 1, "matches": False}}])
    assert isinstance(small, Result)
    doc = small.summary()
    rec = doc["reconciliation"]
    assert rec == {"rows_read": 9, "rows_counted": 7, "rows_rejected": 2, "pence_read": 2451 + 999,
                   "pence_counted": 2451, "pence_rejected": 999, "blank_rows_skipped": 1,
                   "rejected_amount_unreadable": 0, "rows_undated": 4,
                   "rejected_by_reason": {"Net Amount: '…' is not an amount": 1,
                                          "Payment Date: '…' is not a date": 1},
                   "dates": {"from": "2024-04-03", "to": "2024-09-30", "months": 6,
                             "months_missing": ["2024-05"]},
                   "balanced": True, "totals_rows": {"rows": 1, "pence": 1, "all_match": False},
                   "checked": "Checked 2 file(s); 9 rows; their pence; dates 2024-04-03 to 2024-09-30 "
                              "(1 month(s) missing inside: 2024-05); 4 counted row(s) UNDATED"}
    head = doc["headline"]
    influenceable = 1000 - 250 + 500 + 300 + 1  # not the council, not REDACTED
    assert head["influenceable_pence"] == influenceable
    assert head["influenceable_payees"] == 3
    assert head["excluded_pence"] == {"public": 700, "individual": 200}
    assert head["local_share"] == round(750 / influenceable, 6)
    assert head["sme_share"] == round((750 + 300) / influenceable, 6)
    assert head["vcfse_share"] == round(300 / influenceable, 6)
    assert head["unknown_size_share"] == 0.0
    assert doc["size"]["unknown"]["pence"] == 900
    assert sum(doc["cross"]["geography_by_size"]["local"].values()) == doc["geography"]["local"]["pence"] == 1450


def test_headline_shares_are_none_without_influenceable_spend(result) -> None:
    only_public = frame([(700, "WIGAN COUNCIL", "local", "unknown", "public")])
    head = dataclasses.replace(result, rows=only_public).summary()["headline"]
    assert head["influenceable_pence"] == 0 and head["influenceable_payees"] == 0
    shares = [k for k in head if k.endswith("_share")]
    assert len(shares) == 8
    assert all(head[k] is None for k in shares)
    assert head["excluded_pence"] == {"public": 700}
