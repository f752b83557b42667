"""Date cells that are periods (months, quarters, financial-year periods, ranges), relative
words and times with a zone: ``normalise.values.parse_dates`` gives each value its first day
(``values``) and last day (``ends``), or a reason."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spendkit.normalise import values as normalise


def S(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype="str")


def one(text: str) -> tuple[dt.date | None, dt.date | None, str]:
    parsed = normalise.parse_dates(S([text, "03/04/2024"]), "Date")
    assert parsed.values.iloc[1] == parsed.ends.iloc[1] == pd.Timestamp(2024, 4, 3)  # its neighbour kept
    start, end = parsed.values.iloc[0], parsed.ends.iloc[0]
    return (None if pd.isna(start) else start.date(), None if pd.isna(end) else end.date(),
            parsed.reasons.iloc[0])


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2011-11", (2011, 11, 1), (2011, 11, 30)),               # a month, ISO
    ("2024-02", (2024, 2, 1), (2024, 2, 29)),                 # a leap February
    ("11/2011", (2011, 11, 1), (2011, 11, 30)),
    ("202205", (2022, 5, 1), (2022, 5, 31)),                  # YYYYMM: the calendar month, always
    ("Apr-24", (2024, 4, 1), (2024, 4, 30)),
    ("April 2024", (2024, 4, 1), (2024, 4, 30)),
    ("SEPT 2023", (2023, 9, 1), (2023, 9, 30)),
    ("Jan '24", (2024, 1, 1), (2024, 1, 31)),
    ("P05 2023", (2023, 8, 1), (2023, 8, 31)),                # P01 is April; 2023 starts 2023/24
    ("P5 2023/24", (2023, 8, 1), (2023, 8, 31)),
    ("Period 12 2023/24", (2024, 3, 1), (2024, 3, 31)),
    ("2023/24 P10", (2024, 1, 1), (2024, 1, 31)),
    ("Q1 2015/16", (2015, 4, 1), (2015, 6, 30)),              # Q1 is April-June
    ("Q4 2015-16", (2016, 1, 1), (2016, 3, 31)),
    ("2015/16 Q3", (2015, 10, 1), (2015, 12, 31)),
    ("2015/16", (2015, 4, 1), (2016, 3, 31)),                 # a whole financial year
    ("FY2015-16", (2015, 4, 1), (2016, 3, 31)),
    ("July 2010-September 2010", (2010, 7, 1), (2010, 9, 30)),  # a quarter as a range
    ("Jul 2010 - Sep 2010", (2010, 7, 1), (2010, 9, 30)),
    ("2010-07 to 2010-09", (2010, 7, 1), (2010, 9, 30)),
    ("2010-07-2010-09", (2010, 7, 1), (2010, 9, 30)),
    ("01/07/2010 - 30/09/2010", (2010, 7, 1), (2010, 9, 30)),
    # times with a zone: the UK day of that moment
    ("2024-04-01 10:00:00 GMT", (2024, 4, 1), (2024, 4, 1)),
    ("2024-04-01 00:30:00 BST", (2024, 4, 1), (2024, 4, 1)),
    ("2024-03-31 23:30:00 +00:00", (2024, 4, 1), (2024, 4, 1)),  # 00:30 BST on 1 April
    ("2024-01-31 23:30:00 -02:00", (2024, 2, 1), (2024, 2, 1)),
    ("2024-04-01T10:00:00Z", (2024, 4, 1), (2024, 4, 1)),
    ("2024-06-30 23:59:59 UTC", (2024, 7, 1), (2024, 7, 1)),      # BST in summer
    ("01/04/2024 10:00 +0100", (2024, 4, 1), (2024, 4, 1)),
    ("Monday 1st April 2024", (2024, 4, 1), (2024, 4, 1)),
    ("April 3, 2024", (2024, 4, 3), (2024, 4, 3)),
])
def test_periods_and_zoned_times(text: str, first: tuple, last: tuple) -> None:
    assert one(text) == (dt.date(*first), dt.date(*last), "")


@pytest.mark.parametrize("text", [
    "P13 2023", "P0 2023", "Q5 2015/16", "2015/17", "Q1 2015/17", "202213", "2024-13",
    "2024-04-01 10:00 EST", "Sep 2010 - Jul 2010", "May", "3 May", "Q1",
])
def test_not_a_period(text: str) -> None:
    assert one(text) == (None, None, f"Date: '{text}' is not a date")


@pytest.mark.parametrize("text", ["today", "Now", " YESTERDAY ", "tomorrow"])
def test_relative_days_are_never_the_run_s_day(text: str) -> None:
    start, end, reason = one(text)
    assert start is None and end is None
    assert reason == f"Date: '{text.strip()}' is not a date (a day relative to the run: the ledger must give the day)"


def test_period_notes_count_rows_and_name_periods_across_financial_years() -> None:
    raw = S(["2016-01", "2016-01", "Jan 2016 - Jun 2016", "03/04/2024", ""])
    parsed = normalise.parse_dates(raw, "Date")
    assert normalise.period_notes(raw, parsed, "Date") == [
        "date: 3 value(s) in 'Date' are periods (months, quarters, financial-year periods), not days: "
        "each row keeps its period (payment_date to period_end)",
        "date: 1 period(s) in 'Date' span two or more UK financial years (e.g. 'Jan 2016 - Jun 2016'): "
        "a trend by financial year shows them as their own period"]


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def _month_texts(year: int, month: int) -> list[str]:
    name = MONTHS[month - 1]
    return [f"{year}-{month:02d}", f"{year}{month:02d}", f"{month:02d}/{year}", f"{name} {year}",
            f"{name[:3]}-{year % 100:02d}", f"{name[:3].upper()} {year}"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1970, 2068), st.integers(1, 12)), min_size=1, max_size=20))
def test_every_month_form_is_the_whole_calendar_month(months: list[tuple[int, int]]) -> None:
    texts = [t for y, m in months for t in _month_texts(y, m)]
    parsed = normalise.parse_dates(S(texts), "Date")
    assert (parsed.reasons == "").all(), parsed.reasons[parsed.reasons != ""].tolist()
    firsts = [pd.Timestamp(y, m, 1) for y, m in months for _ in range(6)]
    assert parsed.values.tolist() == firsts
    assert parsed.ends.tolist() == [f + pd.offsets.MonthEnd(0) for f in firsts]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1990, 2060), st.integers(1, 12), st.integers(1, 4)),
                min_size=1, max_size=20))
def test_financial_year_periods_and_quarters(items: list[tuple[int, int, int]]) -> None:
    """P01 is April of the financial year; Q1 is April-June; each lies inside its year."""
    texts = [t for y, p, q in items for t in (f"P{p:02d} {y}/{(y + 1) % 100:02d}", f"Q{q} {y}/{y + 1}")]
    parsed = normalise.parse_dates(S(texts), "Date")
    assert (parsed.reasons == "").all()
    for i, (y, p, q) in enumerate(items):
        month = pd.Timestamp(y, 4, 1) + pd.DateOffset(months=p - 1)
        assert parsed.values.iloc[2 * i] == month
        assert parsed.ends.iloc[2 * i] == month + pd.offsets.MonthEnd(0)
        quarter = pd.Timestamp(y, 4, 1) + pd.DateOffset(months=3 * (q - 1))
        assert parsed.values.iloc[2 * i + 1] == quarter
        assert parsed.ends.iloc[2 * i + 1] == quarter + pd.DateOffset(months=3) - pd.Timedelta(days=1)
        assert pd.Timestamp(y, 4, 1) <= parsed.values.iloc[2 * i + 1] <= parsed.ends.iloc[2 * i + 1] \
            <= pd.Timestamp(y + 1, 3, 31)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(max_size=25), min_size=1, max_size=20))
def test_any_text_is_a_period_or_a_reason_never_a_crash(texts: list[str]) -> None:
    """Whatever the cells: a first day no later than the last, or a reason naming the cell;
    never the day of the run, and the same answer today as any day."""
    parsed = normalise.parse_dates(S(texts), "Date")
    read = parsed.values.notna()
    assert (parsed.ends.notna() == read).all()
    assert (parsed.values[read] <= parsed.ends[read]).all()
    blank = S(texts).str.strip() == ""
    assert ((parsed.reasons != "") == (~read & ~blank.to_numpy())).all()
    today = pd.Timestamp.today().normalize()
    relative = S(texts).str.strip().str.lower().isin(normalise.RELATIVE_DAYS)
    assert not (parsed.values[relative.to_numpy()] == today).any()


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2060, 12, 31)),
       st.sampled_from([("GMT", 0), ("UTC", 0), ("Z", 0), ("BST", 60), ("+01:00", 60), ("-05:00", -300),
                        ("+0530", 330)]))
def test_a_zoned_time_is_the_uk_day_of_that_moment(moment: dt.datetime, zone: tuple[str, int]) -> None:
    name, minutes = zone
    text = moment.strftime("%Y-%m-%d %H:%M:%S") + ("" if name == "Z" else " ") + name
    parsed = normalise.parse_dates(S([text]), "Date")
    utc = pd.Timestamp(moment.replace(microsecond=0)) - pd.Timedelta(minutes=minutes)
    uk = utc.tz_localize("UTC").tz_convert("Europe/London").tz_localize(None).normalize()
    assert parsed.reasons.iloc[0] == ""
    assert parsed.values.iloc[0] == parsed.ends.iloc[0] == uk
