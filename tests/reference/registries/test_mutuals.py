"""The FCA Mutuals Public Register download -> the common frame."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from spendkit.errors import InputFileError
from spendkit.reference.registries.common import COLUMNS
from spendkit.reference.registries.mutuals import read_mutuals

MUTUALS = Path(__file__).parents[2] / "data" / "registries" / "SocietyList.csv"


def test_society_list_as_downloaded() -> None:
    f = read_mutuals(MUTUALS)
    assert list(f.columns) == COLUMNS
    assert set(f["registry"]) == {"mutuals"}
    got = {r["org_id"]: (r["number"], r["name"], r["postcode"], r["legal_form"], r["status"])
           for r in f.to_dict("records")}
    assert got == {
        "GB-MPR-12345R": ("12345R", "Wigan Community Energy Limited", "WN1 1DQ",
                          "Community Benefit Society", "Registered"),
        "GB-MPR-23456R": ("23456R", "Pennine Wholefoods Co-operative Limited", "OL14 5AB",
                          "Co-operative Society", "Registered"),
        "GB-MPR-34567R": ("34567R", "Zenith Supplies Limited", "WN8 9PQ", "Co-operative Society",
                          "Registered"),
        # Windows-1252 accents read correctly.
        "GB-MPR-45678R": ("45678R", "Café Solidarité Co-operative Limited", "WN3 4AB",
                          "Co-operative Society", "Deregistered"),
    }
    assert all(math.isnan(v) for v in f["income_pounds"])
    assert (f["company_number"] == "").all()
    assert f.attrs["source"] == str(MUTUALS)


def test_number_built_from_number_and_suffix_when_no_full_number(tmp_path: Path) -> None:
    path = tmp_path / "SocietyList.csv"
    path.write_text("Society Number,Society Suffix,Society Name,Society Address\n"
                    '1234,r,Leigh Credit Union,"1 Bond St, Leigh, WN7 1AA"\n'
                    '5678, C ,Astley Friendly Society,"No postcode here"\n', encoding="utf-8")
    f = read_mutuals(path)
    assert f["org_id"].tolist() == ["GB-MPR-1234R", "GB-MPR-5678C"]
    assert f["postcode"].tolist() == ["WN7 1AA", ""]


def test_corrected_header_spelling_and_spaces_in_the_number(tmp_path: Path) -> None:
    path = tmp_path / "SocietyList.csv"
    path.write_text("Full Registration Number,Society Name,Society Address\n"
                    '12345 r,Wigan Energy,"Wigan, WN1 1DQ"\n', encoding="utf-8")
    assert read_mutuals(path)["org_id"].tolist() == ["GB-MPR-12345R"]


def test_without_any_number_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "SocietyList.csv"
    path.write_text('Society Name,Society Address\nWigan Energy,"Wigan, WN1 1DQ"\n', encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_mutuals(path)
    assert "FCA Mutuals Public Register" in str(err.value)
    assert "Full Registation Number" in str(err.value)
