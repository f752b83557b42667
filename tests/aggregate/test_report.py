"""aggregate.report and its parts (dimensions, periods, shares): breakdowns, periods, duplicates and
trends, on the sample ledger and tiny frames."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spendkit
from spendkit.aggregate import dimensions as D
from spendkit.aggregate import periods as P
from spendkit.aggregate import report as R
from spendkit.aggregate import shares as S
from spendkit.errors import ColumnError, ConfigError
from tests.helpers import split_by_month

SAMPLE_LOCAL = 634_423_754  # README / json-schema: local pence for the sample, place Wigan


@pytest.mark.parametrize("by", ["department", "expense_type", "month", "quarter", "fy", "year",
                                "Service Area", "service area", "district_name"])
def test_every_breakdown_adds_up_to_the_classified_total(result, counted: int, by: str) -> None:
    for family in D.families(result.rows):
        table = D.breakdown(result.rows, family, by)
        assert table["pence"].sum() == counted
        assert table["rows"].sum() == len(result.rows)
        per_class = table[[f"{c}_pence" for c in D.classes(result.rows, family)]]
        assert (per_class.sum(axis=1) == table["pence"]).all()
        assert per_class.dtypes.map(lambda d: d == np.int64).all()


def test_geography_by_fy_is_the_classified_figure(result) -> None:
    table = D.breakdown(result.rows, "geography", "fy")
    assert list(table["group"]) == ["2024/25"]
    assert table.loc[0, "local_pence"] == SAMPLE_LOCAL
    assert table.loc[0, "local_share"] == pytest.approx(0.157755, abs=1e-6)


def test_time_groups_run_in_date_order_with_fy_quarters(result) -> None:
    months = D.breakdown(result.rows, "geography", "month")["group"].tolist()
    assert months == [f"2024-{m:02d}" for m in range(4, 13)] + ["2025-01", "2025-02", "2025-03"]
    quarters = D.breakdown(result.rows, "geography", "quarter")["group"].tolist()
    assert quarters == ["2024/25 Q1", "2024/25 Q2", "2024/25 Q3", "2024/25 Q4"]
    april = result.rows["payment_date"].dt.month.isin([4, 5, 6])
    q1 = D.breakdown(result.rows, "geography", "quarter").iloc[0]
    assert q1["pence"] == result.rows.loc[april, "amount_pence"].sum()


def test_other_dimensions_run_largest_first(result) -> None:
    table = D.breakdown(result.rows, "geography", "department")
    assert table["pence"].is_monotonic_decreasing
    assert table.loc[0, "group"] == "Adult Social Care"


def test_unknown_by_column_lists_the_columns_that_exist(result) -> None:
    with pytest.raises(ColumnError) as err:
        D.breakdown(result.rows, "geography", "Cost Centre")
    text = str(err.value)
    assert "Cost Centre" in text and "department" in text and "Service Area" in text
    assert "month" in text and "fy" in text


def test_size_and_sector_appear_only_when_the_rows_carry_them(result, counted: int) -> None:
    assert D.families(result.rows) == ["geography", "size", "sector"]
    bare = result.rows.drop(columns=["size_band", "sme", "sector", "influenceable"])
    assert D.families(bare) == ["geography"]
    rep = R.Report(result, bare, bare.iloc[:0], P.filter_rows(bare)[1],
                   pd.Series("reported", index=bare.index), ["month"], "all")
    assert [b.family for b in rep.breakdowns] == ["geography"]
    head = S.headline(bare, S.resolve_denominator(bare))
    assert head["shares_of"] == "all" and set(head) >= {"local"} and "sme" not in head
    assert head["local"]["pence"] == SAMPLE_LOCAL and head["denominator_pence"] == counted
    with pytest.raises(ColumnError):
        D.breakdown(bare, "sector", "month")


# ---------------------------------------------------------------- periods

@pytest.mark.parametrize("text, start", [("2024/25", 2024), ("2024-25", 2024), ("2024/2025", 2024),
                                         ("FY2023/24", 2023), ("1999/00", 1999)])
def test_parse_fy(text: str, start: int) -> None:
    assert P.parse_fy(text) == (date(start, 4, 1), date(start + 1, 3, 31))


@pytest.mark.parametrize("bad", ["2024/26", "24/25", "2024", "last year", "2024/25/26", ""])
def test_parse_fy_refuses_what_is_not_a_financial_year(bad: str) -> None:
    with pytest.raises(ConfigError, match="not a UK financial year"):
        P.parse_fy(bad)


def _tiny(dates: list[str | None], pence: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"payment_date": pd.to_datetime(pd.Series(dates, dtype="object")),
                         "amount_pence": pd.Series(pence, dtype="int64"),
                         "geography": "local", "payee_key": [f"P{i}" for i in range(len(pence))]})


def test_filters_count_what_they_leave_out_including_undated_rows() -> None:
    rows = _tiny(["2024-03-31", "2024-04-01", None, "2025-03-31", "2025-04-01"], [1, 20, 300, 4000, 50000])
    kept, info = P.filter_rows(rows, fy="2024/25")
    assert kept["amount_pence"].tolist() == [20, 4000]
    assert info["outside"] == {"rows": 2, "pence": 50001}
    assert info["undated"] == {"rows": 1, "pence": 300}
    kept, info = P.filter_rows(rows, date_from="01/04/2024", date_to="2024-04-01")
    assert kept["amount_pence"].tolist() == [20] and info["undated"]["rows"] == 1
    kept, info = P.filter_rows(rows)
    assert len(kept) == 5 and info["undated"]["rows"] == 0 and info["label"] == "all dates"
    kept, _ = P.filter_rows(rows, year=2025)
    assert kept["amount_pence"].tolist() == [4000, 50000]


@pytest.mark.parametrize("kwargs, message", [
    ({"date_from": "31/02/2024"}, "not a date"),
    ({"date_from": "2024-05-01", "date_to": "2024-04-01"}, "after it ends"),
    ({"fy": "2024/25", "date_from": "2024-05-01"}, "one period"),
    ({"fy": "2024/25", "year": 2024}, "one period"),
])
def test_bad_periods(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        P.filter_rows(_tiny(["2024-04-01"], [1]), **kwargs)


# ---------------------------------------------------------------- duplicates

def test_twelve_monthly_files_give_the_single_file_figures(monthly: list[Path], result, counted: int
                                                           ) -> None:
    assert len(monthly) == 12
    annual = spendkit.classify(monthly, place="Wigan", suppliers=result.settings.suppliers)
    rep = R.build_report(annual, by=["month"], fy="2024/25")
    rec = rep.reconciliation()
    assert rec["pence_reported"] == counted and rec["balanced"]
    assert rep.class_totals()["geography"] == result.summary()["geography"]
    assert len(rep.duplicates) == 0


def test_rows_repeated_in_a_later_file_are_dropped_once(samples: Path, result, counted: int,
                                                        tmp_path: Path) -> None:
    files = split_by_month(samples, result, tmp_path, overlap=7)
    april = result.rows[result.rows["payment_date"].dt.month == 4]
    repeated = int(april["amount_pence"].iloc[-7:].sum())
    both = spendkit.classify(files[:2], place="Wigan", suppliers=samples / "suppliers.csv")
    mask = P.duplicates(both.rows)
    assert mask.sum() == 7
    assert set(both.rows.loc[mask, "source_file"]) == {str(files[1])}  # the later copy
    rep = R.build_report(both)
    rec = rep.reconciliation()
    assert rec["duplicates_dropped"] == {"rows": 7, "pence": repeated}
    assert rec["pence_reported"] == int(result.rows.loc[result.rows["payment_date"].dt.month.isin([4, 5]),
                                                        "amount_pence"].sum())
    assert rec["pence_counted"] == rec["pence_reported"] + repeated and rec["balanced"]
    assert "first occurrence is kept" in rep.notes()[0]
    kept = R.build_report(both, keep_duplicates=True).reconciliation()
    assert kept["pence_reported"] == kept["pence_counted"] and kept["duplicates_dropped"]["rows"] == 0


def test_the_same_file_twice_is_all_duplicates_and_lines_within_a_file_are_not() -> None:
    rows = pd.DataFrame({
        "transaction_id": ["T1", "T1", "T2", "", "", "T1", "T1", "T1", "T2", ""],
        "amount_pence": [100, 100, 5, 7, 7, 100, 100, 100, 5, 7],
        "payee_key": ["A"] * 10,
        "source_file": ["a.csv"] * 5 + ["a.csv"] * 5,  # the same file given twice
        "source_row": [2, 3, 4, 5, 6, 2, 3, 4, 5, 6],
    })
    # Within the first copy, T1 twice is two invoice lines; the second copy repeats both, and
    # its third T1 line has no twin earlier. Rows without a transaction id are never repeats.
    assert P.duplicates(rows).tolist() == [False] * 5 + [True, True, False, True, False]


# ---------------------------------------------------------------- trends and headline

def test_trends_by_month_and_year(result) -> None:
    t = S.trends(result.rows)
    assert t["shares_of"] == "influenceable"
    monthly = t["monthly"]
    assert len(monthly) == 12
    base = result.rows[result.rows["influenceable"]]
    may = base[base["payment_date"].dt.strftime("%Y-%m") == "2024-05"]
    row = monthly[monthly["period"] == "2024-05"].iloc[0]
    assert row["pence"] == may["amount_pence"].sum()
    local = may.loc[may["geography"] == "local", "amount_pence"].sum()
    assert row["local_share"] == pytest.approx(local / may["amount_pence"].sum(), abs=1e-6)
    april = monthly.iloc[0]
    assert row["local_change_pp"] == pytest.approx((row["local_share"] - april["local_share"]) * 100,
                                                   abs=0.01)
    assert monthly["local_yoy_pp"].isna().all()  # one year of data: nothing a year before
    assert {"sme_share", "vcfse_share"} <= set(monthly.columns)
    yearly = t["yearly"]
    assert yearly["period"].tolist() == ["2024/25"]
    assert yearly.loc[0, "local_share"] == result.summary()["headline"]["local_share"]


def test_year_on_year_change_in_percentage_points() -> None:
    rows = _tiny(["2023-05-01", "2023-05-02", "2024-05-01", "2024-05-02"], [100, 300, 100, 100])
    rows["geography"] = ["local", "national", "local", "national"]
    t = S.trends(rows, "all")
    assert t["monthly"]["local_share"].tolist() == [0.25, 0.5]
    assert t["monthly"]["local_yoy_pp"].tolist()[1] == pytest.approx(25.0)
    assert t["yearly"]["period"].tolist() == ["2023/24", "2024/25"]
    assert t["yearly"]["local_change_pp"].tolist()[1] == pytest.approx(25.0)


def test_headline_shares_match_the_classify_headline(result) -> None:
    rep = R.build_report(result)
    head, theirs = rep.headline, result.summary()["headline"]
    assert head["denominator_pence"] == theirs["influenceable_pence"]
    for key in ("local", "local_or_sub_regional", "sme", "vcfse"):
        assert head[key]["share"] == theirs[f"{key}_share"]
        # one implementation: the report's coverage and bounds are the classify headline's
        assert head[key] == theirs["measures"][key]
    everything = R.build_report(result, shares_of="all").headline
    rows = result.rows
    unknown_place = int(rows.loc[rows["geography"] == "unknown", "amount_pence"].sum())
    total = int(rows["amount_pence"].sum())
    assert everything["local"] == {
        "pence": SAMPLE_LOCAL, "share": 0.157755, "coverage": round(1 - unknown_place / total, 6),
        "low": 0.157755, "high": round((SAMPLE_LOCAL + unknown_place) / total, 6),
        "enough_evidence": True}
    assert everything["coverage"]["place"]["unknown_pence"] == unknown_place
    assert everything["coverage"]["place"]["next_step"] is None


def test_report_document_reconciles_and_is_json_safe(result, counted: int) -> None:
    import json

    rep = R.build_report(result, by=["department", "quarter"], fy="2024/25")
    doc = json.loads(json.dumps(rep.to_dict()))  # no NaN, numpy or timestamps left
    assert doc["reconciliation"]["pence_reported"] == counted
    for b in doc["breakdowns"]:
        assert sum(g["pence"] for g in b["groups"]) == counted
    long = rep.long()
    for _, part in long.groupby(["family", "by"]):
        assert part["pence"].sum() == counted
