"""Column parsers: amounts to pence, dates, postcodes, and payee name keys."""

from __future__ import annotations

import datetime as dt
import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spendkit import normalise, postcodes


def S(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype="str")


def one_amount(text: str) -> tuple[int, str]:
    parsed = normalise.parse_amounts(S([text]), "Amount")
    return int(parsed.values.iloc[0]), parsed.reasons.iloc[0]


# ---------------------------------------------------------------- amounts

@pytest.mark.parametrize(("text", "pence"), [
    ("£1,234.56", 123456),
    ("1234.56", 123456),
    ("(1,234.56)", -123456),
    ("(£1,234.56)", -123456),
    ("-1,234.56", -123456),
    ("-£1,234.56", -123456),
    ("1,234.56-", -123456),
    ("1,234.56 CR", -123456),
    ("1,234.56cr", -123456),
    ("1,234.56 DR", 123456),
    ("1e3", 100000),
    ("1.5E2", 15000),
    (".5", 50),
    ("1234.565", 123457),
    ("-1234.565", -123457),
    ("1234.564", 123456),
    ("0.005", 1),
    (" 1,000 ", 100000),
    ("1\u00a0000.00", 100000),
    ("GBP 12.30", 1230),
    ("+7", 700),
    ("2240", 224000),
    ("-0.01", -1),
    ("1,234,567.89", 123456789),
    ("9999999999999.99", 999999999999999),
])
def test_amounts(text: str, pence: int) -> None:
    assert one_amount(text) == (pence, "")


def test_amounts_keep_index_and_dtype() -> None:
    raw = pd.Series(["1.00", "x", "(2)"], index=[10, 4, 7], dtype="str")
    parsed = normalise.parse_amounts(raw, "Net")
    assert parsed.values.dtype == np.int64
    assert parsed.values.to_dict() == {10: 100, 4: 0, 7: -200}
    assert parsed.reasons.to_dict() == {10: "", 4: "Net: 'x' is not an amount", 7: ""}


def test_rounding_is_noted() -> None:
    parsed = normalise.parse_amounts(S(["1234.565", "1.00", "0.125", "2.50"]), "Amount")
    assert parsed.values.tolist() == [123457, 100, 13, 250]
    assert parsed.notes == [
        "2 amount(s) in 'Amount' had fractions of a penny and were rounded to the penny"]
    assert normalise.parse_amounts(S(["1.00", "2.500"]), "Amount").notes == []


@pytest.mark.parametrize(("text", "reason"), [
    ("N/A", "Amount: 'N/A' is not an amount"),
    ("£", "Amount: '£' is not an amount"),
    ("--5", "Amount: '--5' is not an amount"),
    ("(-5)", "Amount: '(-5)' is not an amount"),
    ("1e309", "Amount: '1e309' is not an amount"),
    ("TBC", "Amount: 'TBC' is not an amount"),
    ("1.2.3", "Amount: '1.2.3' is not an amount"),
    ("25/06/2012900", "Amount: '25/06/2012900' is not an amount"),
    # commas that are not thousands separators are not guessed at
    ("12,34", "Amount: '12,34' is not an amount"),
    ("1,,234", "Amount: '1,,234' is not an amount"),
    ("1.234,56", "Amount: '1.234,56' is not an amount"),
    ("", "Amount: no amount"),
    ("   ", "Amount: no amount"),
    ("1" * 100, "Amount: '" + "1" * 40 + "' is too large to be a payment"),
    ("10000000000000", "Amount: '10000000000000' is too large to be a payment"),
])
def test_amount_rejects(text: str, reason: str) -> None:
    assert one_amount(text) == (0, reason)


def _styles(pence: int) -> list[str]:
    sign = "-" if pence < 0 else ""
    pounds, pp = divmod(abs(pence), 100)
    plain = f"{pounds}.{pp:02d}"
    commas = f"{pounds:,}.{pp:02d}"
    return [
        f"{sign}{plain}",                                    # plain
        f"{sign}£{commas}",                                  # £ with thousands commas
        f"(£{commas})" if pence < 0 else f"£{commas}",       # parentheses for negatives
        f"{commas}-" if pence < 0 else commas,               # trailing minus
        f"{commas} CR" if pence < 0 else f"{commas} DR",     # credit / debit suffix
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-10**13, max_value=10**13), min_size=1, max_size=40))
def test_amount_styles_round_trip(pences: list[int]) -> None:
    texts = [t for p in pences for t in _styles(p)]
    expected = [p for p in pences for _ in range(5)]
    parsed = normalise.parse_amounts(S(texts), "Amount")
    assert (parsed.reasons == "").all(), parsed.reasons[parsed.reasons != ""].tolist()
    assert parsed.values.tolist() == expected
    assert parsed.notes == []


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize(("text", "date"), [
    ("03/04/2024", dt.date(2024, 4, 3)),  # day first, as in the UK
    ("3/4/24", dt.date(2024, 4, 3)),
    ("03.04.2024", dt.date(2024, 4, 3)),
    ("2024-04-03", dt.date(2024, 4, 3)),
    ("2024-04-03 00:00:00", dt.date(2024, 4, 3)),
    ("2024-04-03T10:00:00", dt.date(2024, 4, 3)),
    ("03/04/2024 10:30", dt.date(2024, 4, 3)),
    # Excel serial numbers: 1899-12-30 + n days (45385 is what Excel stores for 3 April 2024)
    ("45385", dt.date(2024, 4, 3)),
    ("45386", dt.date(2024, 4, 4)),
    ("03-Apr-2024", dt.date(2024, 4, 3)),
    ("01-JUN-2012", dt.date(2012, 6, 1)),
    ("3 April 2024", dt.date(2024, 4, 3)),
    (" 15/07/2014 ", dt.date(2014, 7, 15)),
    ("1/6/95", dt.date(1995, 6, 1)),  # two-digit years as strptime's %y
    ("31/12/68", dt.date(2068, 12, 31)),
])
def test_dates(text: str, date: dt.date) -> None:
    parsed = normalise.parse_dates(S([text]), "Paid Date")
    assert parsed.reasons.iloc[0] == ""
    assert parsed.values.iloc[0] == pd.Timestamp(date)
    assert parsed.values.dtype == "datetime64[ns]"


@pytest.mark.parametrize("text", [
    "31/02/2024", "00/00/0000", "00:00:00", "not a date", "TBC", "25/06/2012900", "12345",
    # years the column cannot hold are reasons, not a crash of the whole column
    "01/01/0000", "9999-12-31", "01/01/1500", "May", "3 May", "1 Jan 1500",
])
def test_date_rejects(text: str) -> None:
    parsed = normalise.parse_dates(S([text, "03/04/2024"]), "Paid Date")
    assert pd.isna(parsed.values.iloc[0])
    assert parsed.reasons.iloc[0] == f"Paid Date: '{text}' is not a date"
    assert parsed.values.iloc[1] == pd.Timestamp(2024, 4, 3)
    assert parsed.reasons.iloc[1] == ""


def test_empty_date_is_missing_without_reason() -> None:
    parsed = normalise.parse_dates(S(["", "  ", "2024-04-03"]), "Paid Date")
    assert parsed.values.isna().tolist() == [True, True, False]
    assert parsed.reasons.tolist() == ["", "", ""]


def test_mixed_date_column_keeps_index() -> None:
    raw = pd.Series(["45385", "03/04/2024", "3 April 2024", "x", ""], index=[9, 3, 7, 1, 5],
                    dtype="str")
    parsed = normalise.parse_dates(raw, "Date")
    assert parsed.values.loc[[9, 3, 7]].tolist() == [pd.Timestamp(2024, 4, 3)] * 3
    assert parsed.reasons.to_dict() == {9: "", 3: "", 7: "", 1: "Date: 'x' is not a date", 5: ""}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31)),
                min_size=1, max_size=30))
def test_dates_round_trip(dates: list[dt.date]) -> None:
    texts = [d.strftime("%d/%m/%Y") for d in dates] + [d.isoformat() for d in dates]
    parsed = normalise.parse_dates(S(texts), "Date")
    assert (parsed.reasons == "").all()
    assert [t.date() for t in parsed.values] == dates + dates


# ---------------------------------------------------------------- postcodes

@pytest.mark.parametrize(("text", "canonical"), [
    ("wn1 1yn", "WN1 1YN"),
    ("WN11YN", "WN1 1YN"),
    (" WN1  1YN ", "WN1 1YN"),
    ("n1 2ud", "N1 2UD"),
    ("EC1A 1BB", "EC1A 1BB"),
    ("ec1a1bb", "EC1A 1BB"),
    ("GIR 0AA", "GIR 0AA"),
    ("M20 6FJ ", "M20 6FJ"),
    ("W1A\u00a00AX", "W1A 0AX"),
])
def test_postcode_normalise(text: str, canonical: str) -> None:
    values, reasons = postcodes.normalise(S([text]))
    assert (values.iloc[0], reasons.iloc[0]) == (canonical, "")


@pytest.mark.parametrize("text", ["AB1", "TBC", "12345", "WN1 1Y", "WA15 OHF", "Various"])
def test_not_a_postcode(text: str) -> None:
    values, reasons = postcodes.normalise(S([text]))
    assert values.iloc[0] == ""
    assert reasons.iloc[0] == f"'{text}' is not a UK postcode"


def test_no_postcode() -> None:
    values, reasons = postcodes.normalise(S(["", "   "]))
    assert values.tolist() == ["", ""]
    assert reasons.tolist() == ["no postcode", "no postcode"]


LETTER = st.sampled_from(string.ascii_uppercase)
DIGIT = st.sampled_from(string.digits)
OUTWARD = st.one_of(
    st.tuples(LETTER, DIGIT),                       # A9
    st.tuples(LETTER, DIGIT, DIGIT),                # A99
    st.tuples(LETTER, DIGIT, LETTER),               # A9A
    st.tuples(LETTER, LETTER, DIGIT),               # AA9
    st.tuples(LETTER, LETTER, DIGIT, DIGIT),        # AA99
    st.tuples(LETTER, LETTER, DIGIT, LETTER),       # AA9A
).map("".join)
INWARD = st.tuples(DIGIT, LETTER, LETTER).map("".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(OUTWARD, INWARD), min_size=1, max_size=30))
def test_postcode_shapes_round_trip(parts: list[tuple[str, str]]) -> None:
    canonical = [f"{o} {i}" for o, i in parts]
    mangled = [c.lower().replace(" ", "") for c in canonical]
    values, reasons = postcodes.normalise(S(mangled))
    assert values.tolist() == canonical
    assert (reasons == "").all()
    again, _ = postcodes.normalise(values)
    assert again.tolist() == canonical


def test_extract_postcode_from_address() -> None:
    found = postcodes.extract(S([
        "Unit 4, Wigan Road, Wigan WN1 1YN",
        "1 High Street, Wigan",
        "",
        "c/o PO Box 12, Manchester M1 1AA, then London EC1A 1BB",
        "Unit 4B, 12 Station Rd",
        "wn11yn",
    ]))
    assert found.tolist() == ["WN1 1YN", "", "", "EC1A 1BB", "", "WN1 1YN"]


def test_extract_with_no_postcode_anywhere() -> None:
    found = postcodes.extract(pd.Series(["1 High Street", "Town Hall"], index=[5, 6], dtype="str"))
    assert found.to_dict() == {5: "", 6: ""}


# ---------------------------------------------------------------- name keys

def test_name_key_legal_suffixes_case_and_the() -> None:
    keys = normalise.name_key(S(["ACME LTD", "Acme Limited", "ACME LIMITED.", "The Acme Ltd",
                                 "Acme plc", "acme"]))
    assert keys.tolist() == ["ACME"] * 6


def test_name_key_ampersand() -> None:
    keys = normalise.name_key(S(["A & B Plumbing", "A and B Plumbing", "A&B PLUMBING LTD"]))
    assert keys.tolist() == ["A AND B PLUMBING"] * 3


def test_name_key_never_empty() -> None:
    keys = normalise.name_key(S(["LTD", "Limited", "The", "PLC."]))
    assert keys.tolist() == ["LTD", "LIMITED", "THE", "PLC"]


def test_name_key_keeps_different_names_apart() -> None:
    keys = normalise.name_key(S(["Acme Ltd", "Acme Services Ltd", "Limited Edition Ltd"]))
    assert keys.tolist() == ["ACME", "ACME SERVICES", "LIMITED EDITION"]


def test_old_newport_npt_postcodes_are_postcode_shaped() -> None:
    # The directory still holds 2,417 terminated 'NPT' postcodes (Newport); they must be looked up.
    from spendkit import postcodes as pc

    formatted, reasons = pc.normalise(pd.Series(["npt0ad", "NPT 0AD", "NPT0A"], dtype="str"))
    assert list(formatted) == ["NPT 0AD", "NPT 0AD", ""]
    assert reasons.iloc[2] != ""
