"""normalise.ledger: rows dated by a period keep it; a date column nobody can read counts its
rows undated, loudly; rejected rows carry the text of their amount; a run whose amounts cannot
be summed exactly in int64 is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spendkit
from spendkit.aggregate import periods as P
from spendkit.aggregate.report import build_report
from spendkit.config import Settings
from spendkit.errors import InputFileError
from spendkit.money import INT64_MAX
from spendkit.normalise import values
from spendkit.normalise.ledger import Ledger, check_sums_fit, load_ledgers
from tests.helpers import run


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_month_column_is_counted_with_its_period(tmp_path: Path) -> None:
    """As Darlington publishes: every Date cell is the month ('2016-06'); once, every row was
    rejected ('is not a date')."""
    path = write(tmp_path, "month.csv", "Date,Supplier,Amount\n2016-06,Acme Ltd,533.10\n"
                 "2016-06,Beta Ltd,3750\n2016-07,Acme Ltd,10.00\n")
    result = spendkit.classify(path, place="Wigan")
    assert len(result.rows) == 3 and len(result.rejected) == 0
    assert result.rows["payment_date"].tolist() == [pd.Timestamp(2016, 6, 1)] * 2 + [pd.Timestamp(2016, 7, 1)]
    assert result.rows["period_end"].tolist() == [pd.Timestamp(2016, 6, 30)] * 2 + [pd.Timestamp(2016, 7, 31)]
    assert "date: 3 value(s) in 'Date' are periods (months, quarters, financial-year periods), not days: each " \
           "row keeps its period (payment_date to period_end)" in result.inputs[0]["notes"]
    rec = result.summary()["reconciliation"]
    assert rec["balanced"] and rec["rows_undated"] == 0
    assert rec["dates"] == {"from": "2016-06-01", "to": "2016-07-31", "months": 2, "months_missing": []}


def test_a_day_column_has_period_end_equal_to_the_day(tmp_path: Path) -> None:
    path = write(tmp_path, "days.csv", "Date,Supplier,Amount\n03/04/2024,Acme Ltd,1\n,Beta Ltd,2\n")
    rows = spendkit.classify(path, place="Wigan").rows
    assert rows["period_end"].tolist()[0] == rows["payment_date"].tolist()[0] == pd.Timestamp(2024, 4, 3)
    assert rows["period_end"].isna().tolist() == [False, True]


def test_a_date_column_read_nowhere_counts_its_rows_undated_and_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.csv", "Date,Supplier,Amount\nweek 23,Acme Ltd,1.00\nweek 24,Beta Ltd,2.00\n"
                 "31/02/2024,Gamma Ltd,4.00\n")
    result = spendkit.classify(path, place="Wigan")
    # 'week 23' is a form nobody reads: counted undated; '31/02/2024' is a date that is wrong.
    assert result.rows["payee"].tolist() == ["Acme Ltd", "Beta Ltd"]
    assert result.rows["payment_date"].isna().all()
    assert result.rejected["reason"].tolist() == ["Date: '31/02/2024' is not a date"]
    assert ("UNDATED: not one of the 3 value(s) in 'Date' is a date or a period (e.g. 'week 23'); 2 row(s) are "
            "counted undated, so no trend or period can place them (map the date with --column date=HEADER)"
            ) in result.inputs[0]["notes"]
    rec = result.summary()["reconciliation"]
    assert rec["rows_undated"] == 2 and rec["dates"] is None and rec["balanced"]
    assert rec["checked"] == ("Checked 1 file(s); 3 rows; their pence; 2 counted row(s) UNDATED")


def test_today_and_now_are_rejected_never_the_run_s_day(tmp_path: Path) -> None:
    path = write(tmp_path, "rel.csv", "Date,Supplier,Amount\n03/04/2024,Acme Ltd,1\ntoday,Beta Ltd,2\n"
                 "now,Gamma Ltd,3\n")
    result = spendkit.classify(path, place="Wigan")
    assert result.rows["payee"].tolist() == ["Acme Ltd"]
    assert result.rejected["reason"].tolist() == [
        f"Date: '{w}' is not a date (a day relative to the run: the ledger must give the day)" for w in ("today", "now")]


def test_dates_with_a_time_zone_are_read_not_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "tz.csv", "Date,Supplier,Amount\n2024-04-01 10:00:00 GMT,Acme Ltd,1\n"
                 "2024-03-31 23:30:00 +00:00,Beta Ltd,2\n2024-04-01 00:30:00 BST,Gamma Ltd,3\n")
    result = run("classify", path, "--place", "Wigan", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = spendkit.classify(path, place="Wigan").rows
    assert rows["payment_date"].tolist() == [pd.Timestamp(2024, 4, 1)] * 3


def test_rejected_rows_keep_the_text_of_their_amount(tmp_path: Path) -> None:
    path = write(tmp_path, "amounts.csv", "Date,Supplier,Amount\n01/04/2024,Acme Ltd,TBC\n"
                 "01/04/2024,,12.50\n01/04/2024,Beta Ltd,\n31/02/2024,Gamma Ltd,7.00\n01/04/2024,Delta Ltd,1\n")
    result = spendkit.classify(path, place="Wigan")
    rejected = result.rejected
    assert rejected["amount_text"].tolist() == ["TBC", "12.50", "", "7.00"]
    # unreadable amounts are missing, not £0.00; readable ones keep their pence
    assert [None if pd.isna(p) else int(p) for p in rejected["amount_pence"]] == [None, 1250, None, 700]
    rec = result.summary()["reconciliation"]
    assert rec["rejected_amount_unreadable"] == 2
    assert rec["pence_read"] == 1250 + 700 + 100 == rec["pence_counted"] + rec["pence_rejected"]
    assert rec["checked"].endswith("; 2 rejected row(s) with an unreadable amount (pence unknown)")


def test_reconciliation_names_the_months_missing_inside_the_range(tmp_path: Path) -> None:
    path = write(tmp_path, "gap.csv", "Date,Supplier,Amount\n03/04/2024,A Ltd,1\nQ2 2024/25,B Ltd,2\n"
                 "2025-02,C Ltd,3\n")
    rec = spendkit.classify(path, place="Wigan").summary()["reconciliation"]
    assert rec["dates"] == {"from": "2024-04-03", "to": "2025-02-28", "months": 11,
                            "months_missing": ["2024-05", "2024-06", "2024-10", "2024-11", "2024-12", "2025-01"]}
    result = run("classify", path, "--place", "Wigan")
    assert result.exit_code == 0
    assert ("dates 2024-04-03 to 2025-02-28 (6 month(s) missing inside: 2024-05, 2024-06, 2024-10, 2024-11, "
            "2024-12, 2025-01)"
            in " ".join(result.output.split()))


def test_trends_and_financial_years_use_the_whole_period(tmp_path: Path) -> None:
    path = write(tmp_path, "q.csv", "Date,Supplier,Amount\n15/04/2024,A Ltd,1\nQ2 2024/25,B Ltd,2\n"
                 "Jan 2025 - Jun 2025,C Ltd,4\n")
    result = spendkit.classify(path, place="Wigan")
    rows = result.rows
    assert P.periods(rows["payment_date"], "month", rows["period_end"]).tolist() == [
        "2024-04", "2024-07 to 2024-09", "2025-01 to 2025-06"]
    assert P.periods(rows["payment_date"], "fy", rows["period_end"]).tolist() == [
        "2024/25", "2024/25", "2024/25 to 2025/26"]
    assert any("span two or more UK financial years (e.g. 'Jan 2025 - Jun 2025')" in n
               for n in result.inputs[0]["notes"])
    report = build_report(result, fy="2024/25")
    assert report.period["partly_inside"] == {"rows": 1, "pence": 400}
    assert report.rows["amount_pence"].sum() == 300
    assert "1 of them, £4.00, are dated by a period (a month, a quarter) only partly within financial year " \
           "2024/25: left out, not split." in report.notes()
    trend = build_report(result).trends["monthly"]
    assert list(trend["period"]) == ["2024-04", "2024-07 to 2024-09", "2025-01 to 2025-06"]


def test_amounts_of_10bn_or_more_are_rejected_so_9300_broken_cells_do_not_overflow(tmp_path: Path) -> None:
    """issue 14: 9,300 rows of 9999999999999.99 summed past int64 and printed a negative total."""
    path = write(tmp_path, "big.csv", "Date,Supplier,Amount\n" + "01/04/2024,Acme Ltd,9999999999999.99\n" * 9300
                 + "01/04/2024,Beta Ltd,12.00\n")
    result = run("classify", path, "--place", "Wigan", "--format", "json")
    assert result.exit_code == 0, result.output
    rec = spendkit.classify(path, place="Wigan").summary()["reconciliation"]
    assert (rec["rows_counted"], rec["pence_counted"], rec["rows_rejected"]) == (1, 1200, 9300)
    assert rec["rejected_by_reason"] == {"Amount: '…' is too large to be a payment": 9300}
    assert rec["rejected_amount_unreadable"] == 9300 and rec["balanced"]


def _ledger(name: str, pence: list[int]) -> Ledger:
    return Ledger(pd.DataFrame({"amount_pence": np.array(pence, dtype=np.int64)}),
                  pd.DataFrame({"amount_pence": pd.array([], dtype="Int64")}), {"file": name})


def test_sums_are_checked_at_the_int64_edge() -> None:
    half = 2**62
    check_sums_fit([_ledger("a.csv", [half - 1]), _ledger("b.csv", [-half])])  # |sum| = INT64_MAX: fits
    with pytest.raises(InputFileError, match=r"a\.csv, b\.csv: the amounts add up to more than "
                                             r"£92,233,720,368,547,758\.07, past what can be summed exactly"):
        check_sums_fit([_ledger("a.csv", [half]), _ledger("b.csv", [-half])])  # INT64_MAX + 1
    with pytest.raises(InputFileError):  # credits count by their size: they cannot hide the rest
        check_sums_fit([_ledger("a.csv", [INT64_MAX, -1])])


def test_a_run_past_int64_is_refused_with_exit_3(tmp_path: Path, monkeypatch) -> None:
    """With the per-amount cap lifted, 9,300 cells of 9999999999999.99 sum past int64: the run
    is refused (exit 3, naming the file), not reported as a negative total, balanced."""
    monkeypatch.setattr(values, "MAX_PENCE", 10**16)
    at_edge = 9223 * 999_999_999_999_999
    text = "Date,Supplier,Amount\n" + "01/04/2024,Acme Ltd,9999999999999.99\n" * 9223
    last = INT64_MAX - at_edge  # to the penny: the largest total that can be summed
    edge = write(tmp_path, "edge.csv", text + f"01/04/2024,Beta Ltd,{last // 100}.{last % 100:02d}\n")
    rec = spendkit.classify(edge, place="Wigan").summary()["reconciliation"]
    assert rec["pence_counted"] == rec["pence_read"] == INT64_MAX and rec["balanced"]
    past = write(tmp_path, "past.csv", text + f"01/04/2024,Beta Ltd,{last // 100}.{last % 100 + 1:02d}\n")
    result = run("classify", past, "--place", "Wigan")
    assert result.exit_code == 3
    assert "past.csv: the amounts add up to more than £92,233,720,368,547,758.07" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    with pytest.raises(InputFileError):
        load_ledgers([past], Settings())
