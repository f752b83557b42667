"""The registers' shared pieces: number normalising, Field, the common frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spendkit.reference.registries.common import (
    COLUMNS,
    REGISTRIES,
    TEXT_COLUMNS,
    Field,
    as_list,
    common_frame,
    finish_frame,
    fold,
    normalise_charity_numbers,
    normalise_company_numbers,
    text_column,
)


@pytest.mark.parametrize(("raw", "expected"), [
    ("4142000", "04142000"),  # leading zero lost in a spreadsheet
    ("258137", "00258137"),
    ("07289121", "07289121"),
    ("sc 12345", "SC012345"),  # prefix, space, short digits
    ("SC854302", "SC854302"),
    ("oc401162", "OC401162"),
    ("NI612345", "NI612345"),
    ("GB-COH-01234567", "01234567"),  # org-id
    ("12.345.678", "12345678"),
    ("01-23-45-67", "01234567"),
    ("00000000", ""),  # all zeros: none
    ("SC000000", ""),
    ("123456789", ""),  # too long
    ("ABC", ""),
    ("", ""),
])
def test_normalise_company_numbers(raw: str, expected: str) -> None:
    assert normalise_company_numbers(pd.Series([raw])).tolist() == [expected]


def test_normalise_company_numbers_keeps_the_index_and_treats_missing_as_none() -> None:
    raw = pd.Series(["4142000", None, np.nan], index=["a", "b", "c"], dtype=object)
    out = normalise_company_numbers(raw)
    assert out.to_dict() == {"a": "04142000", "b": "", "c": ""}


@pytest.mark.parametrize(("raw", "expected"), [
    ("1234567", "1234567"),
    ("01234567", "1234567"),  # leading zero dropped
    ("GB-CHC-1234567", "1234567"),
    ("gb-chc-1234567", "1234567"),
    ("1234567-1", "1234567"),  # a linked charity -> its main charity
    ("1234567/2", "1234567"),
    ("214999", "214999"),
    ("GB-SC-SC012345", "SC012345"),
    ("sc 12345", "SC012345"),  # zero-padded to six digits
    ("SC045678", "SC045678"),
    ("NIC100001", "100001"),
    ("GB-NIC-100001", "100001"),
    ("1234", ""),  # too short
    ("123456789", ""),  # too long
    ("SC000000", ""),
    ("SC1234567", ""),
    ("", ""),
])
def test_normalise_charity_numbers(raw: str, expected: str) -> None:
    assert normalise_charity_numbers(pd.Series([raw])).tolist() == [expected]


def test_field_names_and_fold_ignore_case_spaces_and_punctuation() -> None:
    f = Field("number", "Full Registation Number", ("Full Registration Number",))
    assert f.required is True
    assert fold(" Full Registation Number ") == "fullregistationnumber"
    assert f.names() == {"fullregistationnumber", "fullregistrationnumber"}
    assert fold("Charity No.") == fold("charity_no") == "charityno"


def test_as_list() -> None:
    assert as_list(None) == []
    assert as_list("a.csv") == ["a.csv"]
    assert as_list(Path("a.csv")) == [Path("a.csv")]
    assert as_list(["a.csv", Path("b.csv")]) == ["a.csv", Path("b.csv")]


def test_text_column() -> None:
    assert text_column(pd.Series(["x", None, np.nan], dtype=object)).tolist() == ["x", "", ""]
    assert text_column(pd.Series(["x", None], dtype="string")).tolist() == ["x", ""]
    assert text_column(None, pd.RangeIndex(2)).tolist() == ["", ""]


def test_common_frame_columns_org_ids_and_income() -> None:
    idx = pd.RangeIndex(3)
    frame = common_frame(
        registry="oscr", number=pd.Series([" SC012345 ", "SC045678", ""]),
        name=pd.Series(["  Thistle   Youth Trust ", "Larder", "No Number"]),
        postcode=pd.Series([" EH7 5QQ ", "", "G1 1AA"]),
        legal_form=pd.Series(["Trust", "SCIO", ""]), status=pd.Series(["Active"] * 3),
        income=pd.Series(["£1,234.50", "", "n/a"]), company_number=pd.Series([""] * 3, index=idx))
    assert list(frame.columns) == COLUMNS
    assert set(TEXT_COLUMNS) == set(COLUMNS) - {"income_pounds"}
    assert frame["org_id"].tolist() == ["GB-SC-SC012345", "GB-SC-SC045678", ""]
    assert REGISTRIES["oscr"][1] == "GB-SC-"
    assert frame["number"].tolist() == ["SC012345", "SC045678", ""]
    assert frame["name"].tolist()[0] == "Thistle Youth Trust"
    assert frame["postcode"].tolist() == ["EH7 5QQ", "", "G1 1AA"]
    assert frame["registry"].tolist() == ["oscr"] * 3
    assert frame["income_pounds"].iloc[0] == 1234.5
    assert frame["income_pounds"].iloc[1:].isna().all()
    assert frame["accounts_category"].tolist() == ["", "", ""]


def test_common_frame_without_income_is_all_missing() -> None:
    frame = common_frame(registry="mutuals", number=pd.Series(["12345R"]), name=pd.Series(["Co-op"]),
                         postcode=pd.Series([""]), legal_form=pd.Series([""]),
                         status=pd.Series([""]), income=None, company_number=pd.Series([""]))
    assert frame["org_id"].tolist() == ["GB-MPR-12345R"]
    assert frame["income_pounds"].dtype == np.float64 and frame["income_pounds"].isna().all()


def test_finish_frame_drops_rows_without_a_number_with_a_note() -> None:
    frame = pd.DataFrame({"number": ["1", "", "3", ""], "name": ["a", "b", "c", "d"]},
                         index=[10, 11, 12, 13])
    notes: list[str] = ["earlier note"]
    out = finish_frame(frame, "reg.csv", notes)
    assert out["name"].tolist() == ["a", "c"]
    assert out.index.tolist() == [0, 1]
    assert out.attrs["notes"] == ["earlier note", "reg.csv: 2 row(s) without a registration number skipped"]
    assert out.attrs["source"] == "reg.csv"
    clean = finish_frame(frame.iloc[[0]], "x", [])
    assert clean.attrs["notes"] == []
