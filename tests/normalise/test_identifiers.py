"""normalise.identifiers: company, charity and VAT numbers in the registers' form, and a bad
number as a counted note (never a rejection)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spendkit.normalise.identifiers import (
    normalise_company_numbers,
    normalise_vat_numbers,
    parse_identifiers,
)

WEIGHTS = (8, 7, 6, 5, 4, 3, 2)


def check_digits(seven: str, *, new_scheme: bool = False) -> str:
    """HMRC's two check digits for seven digits, computed here by the published rule."""
    total = sum(int(d) * w for d, w in zip(seven, WEIGHTS, strict=True)) + (55 if new_scheme else 0)
    return f"{-total % 97:02d}"


@pytest.mark.parametrize(("raw", "expected"), [
    ("GB999999973", "GB999999973"),  # HMRC's own example
    ("GB 999 9999 73", "GB999999973"),
    ("999999973", "GB999999973"),
    ("gb812311285", "GB812311285"),  # Trafford's VATRegistrationNumber column
    ("928 5243 09", "GB928524309"),  # Gateshead's 'VAT RegNo', spaced
    ("928 5243 08", ""),  # check digits fail
    ("GB999999974", ""),
    ("GB999999973001", "GB999999973001"),  # a branch
    ("GBGD001", "GBGD001"),  # a government department
    ("12345", ""),
    ("NA", ""),
    ("", ""),
])
def test_vat_numbers(raw: str, expected: str) -> None:
    assert normalise_vat_numbers(pd.Series([raw])).tolist() == [expected]


@given(st.text("0123456789", min_size=7, max_size=7), st.booleans(), st.sampled_from(["", " ", "-", "."]))
def test_every_vat_number_with_its_check_digits_is_read_however_spaced(seven: str, new: bool, sep: str) -> None:
    number = seven + check_digits(seven, new_scheme=new)
    spaced = "GB" + sep.join([number[:3], number[3:7], number[7:]])
    assert normalise_vat_numbers(pd.Series([spaced])).tolist() == ["GB" + number]


@given(st.text("0123456789", min_size=7, max_size=7), st.integers(0, 8), st.integers(1, 9))
def test_one_wrong_digit_fails_the_check(seven: str, at: int, change: int) -> None:
    number = seven + check_digits(seven)
    wrong = number[:at] + str((int(number[at]) + change) % 10) + number[at + 1:]
    other_scheme = {check_digits(wrong[:7]), check_digits(wrong[:7], new_scheme=True)}
    if wrong[7:] not in other_scheme:  # (a changed digit can land on the other scheme's check)
        assert normalise_vat_numbers(pd.Series([wrong])).tolist() == [""]


@given(st.integers(1, 99_999_999))
def test_company_numbers_without_their_leading_zeros_are_padded(n: int) -> None:
    assert normalise_company_numbers(pd.Series([str(n)])).tolist() == [f"{n:08d}"]


def test_parse_identifiers_pads_notes_bad_values_and_keeps_placeholders_quiet() -> None:
    raw = pd.Series(["4869035", "4869035", "SC 12345", "Not yet available", "", "12-34-56-78-9", "OC401162"],
                    dtype="str").astype("category")
    values, notes = parse_identifiers(raw, "company_number", "Supplier Registered Company Number")
    assert isinstance(values.dtype, pd.CategoricalDtype)
    assert values.astype(str).tolist() == ["04869035", "04869035", "SC012345", "", "", "", "OC401162"]
    assert notes == ["company_number: 1 value(s) in 'Supplier Registered Company Number' are not company "
                     "numbers (e.g. '12-34-56-78-9'); kept as none (the payments are counted)"]


def test_parse_identifiers_of_text_counts_rows_not_values() -> None:
    raw = pd.Series(["GB999999974"] * 3 + ["GB999999973"], dtype="str")
    values, notes = parse_identifiers(raw, "vat_number", "VAT Registration Number")
    assert values.astype(str).tolist() == ["", "", "", "GB999999973"]
    assert notes[0].startswith("vat_number: 3 value(s) in 'VAT Registration Number' are not UK VAT numbers")
