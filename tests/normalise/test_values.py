"""Column parsers: amounts to pence, dates, postcodes, and payee name keys."""

from __future__ import annotations

import datetime as dt
import re
import string
from decimal import ROUND_HALF_UP, Decimal, Overflow

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from spendkit.normalise import postcodes
from spendkit.normalise import values as normalise


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
    ("9999999999.99", 999999999999),  # the largest payment read: £1 short of £10bn
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
    # £10bn (spendkit.money.MAX_PAYMENT_PENCE) and more is a broken cell; just under it is read
    ("10000000000", "Amount: '10000000000' is too large to be a payment"),
    ("-9999999999999.99", "Amount: '-9999999999999.99' is too large to be a payment"),
    ("1E999999", "Amount: '1E999999' is not an amount"),  # beyond Decimal's range: no crash
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
@given(st.lists(st.integers(min_value=-10**12 + 1, max_value=10**12 - 1), min_size=1, max_size=40))
def test_amount_styles_round_trip(pences: list[int]) -> None:
    texts = [t for p in pences for t in _styles(p)]
    expected = [p for p in pences for _ in range(5)]
    parsed = normalise.parse_amounts(S(texts), "Amount")
    assert (parsed.reasons == "").all(), parsed.reasons[parsed.reasons != ""].tolist()
    assert parsed.values.tolist() == expected
    assert parsed.notes == []


@pytest.mark.parametrize(("text", "pence"), [
    ("2.5000", 250),
    ("0000000000001.5", 150),  # leading zeros count towards the 13 digits of pounds
    ("£ 1 234.56", 123456),  # currency signs and spaces are ignored wherever they are
    ("(1,234.56) CR", 123456),  # a credit in parentheses
    ("-1e3", -100000),
    ("1E3 CR", -100000),
    ("(1.5e2)", -15000),
    ("+1.5E+2", 15000),
    ("1e-3", 0),
])
def test_more_amounts(text: str, pence: int) -> None:
    assert one_amount(text) == (pence, "")


@pytest.mark.parametrize(("text", "pence"), [
    ("1.0050", 101), ("1.23456", 123), ("9999999999.994", 10**12 - 1), ("1.0000000000000000000001", 100)])
def test_more_than_three_decimals_are_rounded_at_the_third(text: str, pence: int) -> None:
    parsed = normalise.parse_amounts(S([text, "2.5000"]), "Amount")
    assert parsed.values.tolist() == [pence, 250]
    assert parsed.notes == ["1 amount(s) in 'Amount' had fractions of a penny and were rounded to the penny"]


@pytest.mark.parametrize("text", ["1,000e3", "-5-", "1.5.", "(5", "5)", "GBP", "+-5", "5CRCR"])
def test_more_amount_rejects(text: str) -> None:
    assert one_amount(text) == (0, f"Amount: '{text}' is not an amount")


def test_amounts_of_every_kind_of_column() -> None:
    texts = ["£1.50", "x", "(2)", " 3.456 ", ""]
    index = [40, 30, 20, 10, 0]
    expected_values = {40: 150, 30: 0, 20: -200, 10: 346, 0: 0}
    expected_reasons = {40: "", 30: "Net: 'x' is not an amount", 20: "", 10: "", 0: "Net: no amount"}
    chunked = pa.chunked_array([texts[:2], texts[2:]], type=pa.large_string())
    for raw in (pd.Series(texts, index=index, dtype="str"), pd.Series(texts, index=index, dtype=object),
                pd.Series(texts, index=index, dtype="string[pyarrow]"),
                pd.Series(pd.array(chunked, dtype="str"), index=index)):
        parsed = normalise.parse_amounts(raw, "Net")
        assert parsed.values.dtype == np.int64
        assert parsed.values.to_dict() == expected_values
        assert parsed.reasons.to_dict() == expected_reasons
        assert str(parsed.reasons.dtype) == "str"
        assert parsed.notes == ["1 amount(s) in 'Net' had fractions of a penny and were rounded to the penny"]


def test_amounts_of_an_empty_column() -> None:
    parsed = normalise.parse_amounts(S([]), "Amount")
    assert parsed.values.dtype == np.int64
    assert (len(parsed.values), len(parsed.reasons), parsed.notes) == (0, 0, [])


def _reference_amount(text: str) -> tuple[int, str]:
    """The amount rules in plain Python, one cell at a time: (pence, reason after 'Amount: ')."""
    if text.strip() == "":
        return 0, "no amount"
    t = re.sub("[£$€ \t\r\n\f\v\xa0]|GBP", "", text.upper())
    credit = t.endswith("CR")
    t = t[:-2] if t.endswith(("CR", "DR")) else t
    signs = 0
    if t.startswith("(") and t.endswith(")"):
        t, signs = t[1:-1], signs + 1
    if t.startswith("-"):
        t, signs = t[1:], signs + 1
    if t.endswith("-"):
        t, signs = t[:-1], signs + 1
    t = t.removeprefix("+")
    unreadable = 0, f"'{text[:40]}' is not an amount"
    if signs > 1 or ("," in t and not re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?", t)):
        return unreadable
    t = t.replace(",", "")
    sign = -1 if credit != (signs == 1) else 1
    if re.fullmatch(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+", t):
        whole, _, frac = t.partition(".")
        frac3 = (frac + "000")[:3]
        pence = int(whole or "0") * 100 + int(frac3[:2]) + (frac3[2] >= "5")
        if len(whole) > 13 or pence >= 10**12:  # £10bn or more: a broken cell, not a payment
            return 0, f"'{text[:40]}' is too large to be a payment"
        return sign * pence, ""
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?E[+-]?[0-9]+", t):
        try:
            value = (Decimal(t) * 100).to_integral_value(rounding=ROUND_HALF_UP)
        except Overflow:
            return unreadable
        if abs(value) < 10**12:
            return sign * int(value), ""
    return unreadable


AMOUNT_PIECES = ["999999", "0", "1", "7", "12", "345", "1,000", "999,999", ",", ".", ".5", "(", ")", "-", "+", "£", "$",
                 "€", "GBP", "gbp", "G", "CR", "cr", "DR", "C", "R", "E", "e-", "E+", "e2", " ", "\t", "\xa0",
                 "\u2003", "x", "N/A", "é"]
AMOUNT_TEXTS = st.one_of(
    st.lists(st.sampled_from(AMOUNT_PIECES), max_size=8).map("".join),
    st.integers(min_value=-10**13, max_value=10**13).flatmap(lambda p: st.sampled_from(_styles(p))),
    st.decimals(min_value=-10**12, max_value=10**12, places=5, allow_nan=False).map(str),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(AMOUNT_TEXTS, min_size=1, max_size=40))
@example([".£999999"])  # rounded (0.999999 -> £1.00) though a sign sits between point and digits
def test_amounts_agree_with_a_cell_by_cell_reference(texts: list[str]) -> None:
    raw = pd.Series(texts, index=range(3 * len(texts), 0, -3), dtype="str")
    parsed = normalise.parse_amounts(raw, "Amount")
    expected = [_reference_amount(t) for t in texts]
    assert parsed.values.tolist() == [p for p, _ in expected]
    assert parsed.reasons.tolist() == [r and f"Amount: {r}" for _, r in expected]
    assert parsed.values.index.equals(raw.index)
    assert parsed.reasons.index.equals(raw.index)
    # As the reference reads them: currency signs and spaces anywhere are ignored ('.£999999').
    bare = [re.sub("[£$€ \t\r\n\f\v\xa0]|GBP", "", t.upper()) for t in texts]
    n_rounded = sum(r == "" and re.search(r"\.[0-9]{2}[0-9]*[1-9]", t) is not None
                    and not re.search("[eE]", t) for t, (_, r) in zip(bare, expected, strict=True))
    assert parsed.notes == ([f"{n_rounded} amount(s) in 'Amount' had fractions of a penny and were rounded "
                             "to the penny"] if n_rounded else [])


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


# ---------------------------------------------------------------- text cleaning

def _reference_clean(text: str) -> str:
    return re.sub("[ \t\r\n\f\v\xa0]+", " ", text.replace("\u2020", "")).strip()


@pytest.mark.parametrize("dtype", ["str", object, "string[pyarrow]"])
def test_clean_text(dtype: object) -> None:
    raw = pd.Series(["  Acme \t Ltd ", "7000001", "A\u00a0B", "\u2020Acme", "x\u3000", "a\r\nb", "plain"],
                    index=[5, 3, 9, 1, 2, 8, 0], dtype=dtype, name="Supplier")
    out = normalise.clean_text(raw)
    assert out.tolist() == ["Acme Ltd", "7000001", "A B", "Acme", "x", "a b", "plain"]
    assert out.index.equals(raw.index)
    assert (out.name, out.dtype) == ("Supplier", raw.dtype)


def test_clean_text_with_nothing_or_little_to_do() -> None:
    ids = [str(7000000 + i) for i in range(1000)]
    raw = pd.Series(ids, index=range(1000, 0, -1), dtype="str", name="Transaction Number")
    out = normalise.clean_text(raw)
    assert out.tolist() == ids
    assert out.index.equals(raw.index)
    assert out.name == "Transaction Number"
    messy = [*ids[:500], " 7000002 ", "70\u00a0000003", "a  b", "\u2020", "\x1cx", *ids[500:]]
    cleaned = [*ids[:500], "7000002", "70 000003", "a b", "", "x", *ids[500:]]
    assert normalise.clean_text(S(messy)).tolist() == cleaned
    assert normalise.clean_text(S([])).tolist() == []


TEXT_PIECES = ["a", "Acme", "7000001", " ", "  ", "\t", "\n", "\r\n", "\xa0", "\u2020", "\u2003", "\u3000",
               "\u1680", "\u2028", "\x85", "\x1c", "\u200b", "é", "’", "£", "€", "-", "&"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(TEXT_PIECES), max_size=6).map("".join), min_size=1, max_size=40))
def test_clean_text_agrees_with_a_cell_by_cell_reference(texts: list[str]) -> None:
    for column in (texts, texts + ["plain"] * 4 * len(texts)):  # many rows to clean, or a few
        assert normalise.clean_text(S(column)).tolist() == [_reference_clean(t) for t in column]


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


def test_name_key_same_with_or_without_accents_in_the_column() -> None:
    names = ["Acme  Ltd", "A & B - Plumbing", "The Acme, Ltd.", "O'Brien (UK) Limited"]
    keys = ["ACME", "A AND B PLUMBING", "ACME", "O BRIEN UK"]
    assert normalise.name_key(S(names)).tolist() == keys
    assert normalise.name_key(S([*names, "Café Ltd"])).tolist() == [*keys, "CAFE"]
    # a long column with punctuation or double spaces in only a few names
    assert normalise.name_key(S(["Plain Name Ltd"] * 40 + names)).tolist() == ["PLAIN NAME"] * 40 + keys


def test_name_key_keeps_different_names_apart() -> None:
    keys = normalise.name_key(S(["Acme Ltd", "Acme Services Ltd", "Limited Edition Ltd"]))
    assert keys.tolist() == ["ACME", "ACME SERVICES", "LIMITED EDITION"]


def test_old_newport_npt_postcodes_are_postcode_shaped() -> None:
    # The directory still holds 2,417 terminated 'NPT' postcodes (Newport); they must be looked up.
    from spendkit.normalise import postcodes as pc

    formatted, reasons = pc.normalise(pd.Series(["npt0ad", "NPT 0AD", "NPT0A"], dtype="str"))
    assert list(formatted) == ["NPT 0AD", "NPT 0AD", ""]
    assert reasons.iloc[2] != ""
