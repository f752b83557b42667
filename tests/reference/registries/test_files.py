"""Reading a register's file as downloaded: zip or not, header, columns by name, damage."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from spendkit.errors import InputFileError
from spendkit.reference.registries.common import Field
from spendkit.reference.registries.files import (
    check_path,
    map_fields,
    read_header,
    read_register,
    reject_kind,
    skipped_rows,
)

DATA = Path(__file__).parents[2] / "data" / "registries"
CCEW_TXT = DATA / "publicextract.charity.txt"
MUTUALS = DATA / "SocietyList.csv"

FIELDS = (
    Field("number", "Charity Number", ("Charity No",)),
    Field("name", "Charity Name"),
    Field("income", "Income", required=False),
)


def test_read_header_tab_bom_crlf() -> None:
    headers, delimiter, encoding = read_header(CCEW_TXT.read_bytes())
    assert delimiter == "\t" and encoding == "utf-8"
    assert headers[:3] == ["date_of_extract", "organisation_number", "registered_charity_number"]
    assert not headers[-1].endswith("\r")


def test_read_header_comma_and_windows_1252() -> None:
    headers, delimiter, encoding = read_header(MUTUALS.read_bytes())
    assert delimiter == "," and encoding == "utf-8"  # the header line itself is ASCII
    assert headers[2] == "Full Registation Number"
    headers, _, encoding = read_header("Nom,Caf\xe9\r\nx,y\r\n".encode("cp1252"))
    assert encoding == "cp1252" and headers == ["Nom", "Café"]


def test_map_fields_by_name_alias_case_and_punctuation() -> None:
    found = map_fields(["  charity no. ", "x", "CHARITY_NAME"], FIELDS, "f.csv", "oscr")
    assert found == {"number": 0, "name": 2}


def test_map_fields_names_the_missing_and_the_found() -> None:
    with pytest.raises(InputFileError) as err:
        map_fields(["Charity Number", "Postcode"], FIELDS, "f.csv", "oscr")
    message = str(err.value)
    assert message.startswith("f.csv: not the Scottish Charity Register (OSCR) CSV download")
    assert "cannot find the column(s) 'Charity Name'" in message
    assert "Found 2 column(s): 'Charity Number', 'Postcode'" in message
    with pytest.raises(InputFileError, match="none of its columns"):
        map_fields(["a", "b"], FIELDS, "f.csv", "oscr")


def test_read_register_csv(tmp_path: Path) -> None:
    path = tmp_path / "reg.csv"
    path.write_text('Charity No,Charity Name,Other\n'
                    '"SC012345","Thistle, Youth",x\n'
                    'SC045678,NA,y\n'
                    '  SC000001 ,"Multi\nline",z\n', encoding="utf-8")
    raw, source, notes = read_register(path, "oscr", FIELDS, prefer=r"\.csv$")
    assert source == str(path) and notes == []
    assert list(raw.columns) == ["number", "name", "income"]
    assert raw["number"].tolist() == ["SC012345", "SC045678", "SC000001"]
    assert raw["name"].tolist() == ["Thistle, Youth", "", "Multi\nline"]  # NA is null
    assert raw["income"].tolist() == ["", "", ""]  # optional, absent


def test_read_register_zip_prefers_the_matching_member(tmp_path: Path) -> None:
    path = tmp_path / "download.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "Charity Number,Charity Name\n" + "1,x\n" * 50)
        z.writestr("data/register.csv", "Charity Number,Charity Name\nSC012345,Thistle\n")
        z.writestr("folder/", "")
    raw, source, _ = read_register(path, "oscr", FIELDS, prefer=r"register\.csv$")
    assert source == f"{path}!data/register.csv"
    assert raw["name"].tolist() == ["Thistle"]


def test_read_register_cp1252_body(tmp_path: Path) -> None:
    raw, _, _ = read_register(MUTUALS, "mutuals", (Field("name", "Society Name"),), prefer=r"\.csv$")
    assert "Café Solidarité Co-operative Limited" in raw["name"].tolist()


def test_zip_without_text_files(tmp_path: Path) -> None:
    path = tmp_path / "empty.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("image.png", b"\x89PNG")
    with pytest.raises(InputFileError, match="the zip holds no CSV or text file"):
        read_register(path, "oscr", FIELDS, prefer=r"\.csv$")


def test_check_path(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        check_path(tmp_path / "missing.csv", "ccni")
    with pytest.raises(InputFileError, match="is a folder, not the Charity Commission for Northern"):
        check_path(tmp_path, "ccni")
    (tmp_path / "ok.csv").write_text("a\n")
    check_path(tmp_path / "ok.csv", "ccni")


@pytest.mark.parametrize(("head", "what"), [
    (b"", "empty"), (b"PAR1\x00\x00", "a Parquet file"), (b"\x00\x01\x02\x03" * 50, "binary data"),
])
def test_reject_kind(head: bytes, what: str) -> None:
    with pytest.raises(InputFileError, match=what):
        reject_kind(head, "f", "mutuals")
    reject_kind(b"Society Name\r\nA\r\n", "f", "mutuals")  # text passes


def test_skipped_rows_note_or_refusal() -> None:
    assert skipped_rows("f.csv", 0, 5, 100, "hint") == []
    assert skipped_rows("f.csv", 3, 5, 100, "hint") == [
        "f.csv: 3 line(s) without the header's 5 columns skipped"]
    assert skipped_rows("f.csv", 20, 5, 5000, "hint")  # 20 <= 1% of 5000: a note
    with pytest.raises(InputFileError, match="11 line"):
        skipped_rows("f.csv", 11, 5, 100, "hint")


def test_a_few_ragged_lines_are_skipped_with_a_note(tmp_path: Path) -> None:
    lines = ["Charity Number,Charity Name"] + [f"SC{i:06d},Name {i}" for i in range(1, 31)]
    lines[5] = "SC999999,too,many,cells"
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw, _, notes = read_register(path, "oscr", FIELDS, prefer=r"\.csv$")
    assert len(raw) == 29
    assert "SC999999" not in raw["number"].tolist()
    assert notes == [f"{path}: 1 line(s) without the header's 2 columns skipped"]
