"""The link tables and OCDS notices read on their own: every OCDS shape (JSON lines, release
package, record package, a list), suppliers without an identifier counted, links both ways."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from spendkit.errors import InputFileError
from spendkit.reference.registries.common import COLUMNS
from spendkit.reference.registries.lookups import (
    apply_links,
    read_charity_company_links,
    read_cio_links,
    read_dual_registered,
)
from spendkit.reference.registries.ocds import iter_releases, read_ocds

DATA = Path(__file__).parents[2] / "data" / "registries"
PACKAGE = json.loads((DATA / "ocds-release-package.json").read_text(encoding="utf-8"))


def test_release_package() -> None:
    frame = read_ocds(DATA / "ocds-release-package.json")
    assert list(frame.columns) == COLUMNS
    assert frame["org_id"].tolist() == ["GB-CFS-200", "GB-CFS-300", "GB-COH-04142000"]
    acme = frame.set_index("org_id").loc["GB-COH-04142000"]
    assert acme["company_number"] == "04142000" and acme["postcode"] == "WN1 1AA"
    assert frame.attrs["releases"] == 3 and frame.attrs["date"] == "2024-04-30"


@pytest.mark.parametrize("shape", ["lines", "records", "list", "single"])
def test_every_ocds_shape_gives_the_same_suppliers(tmp_path: Path, shape: str) -> None:
    releases = PACKAGE["releases"]
    text = {"lines": "\n".join(json.dumps(r) for r in releases) + "\n",
            "records": json.dumps({"records": [{"ocid": r["ocid"], "compiledRelease": r} for r in releases]}),
            "list": json.dumps(releases),
            "single": json.dumps(releases[0])}[shape]
    path = tmp_path / "notices.json"
    path.write_text(text, encoding="utf-8")
    frame = read_ocds(path)
    expected = read_ocds(DATA / "ocds-release-package.json") if shape != "single" else None
    if expected is None:
        assert frame["org_id"].tolist() == ["GB-COH-04142000"]
    else:
        pd.testing.assert_frame_equal(frame, expected)


def test_a_bad_line_in_the_middle_is_named(tmp_path: Path) -> None:
    path = tmp_path / "notices.jsonl"
    path.write_text(json.dumps(PACKAGE["releases"][0]) + "\n{not json\n" + json.dumps(PACKAGE["releases"][1]) + "\n")
    with pytest.raises(InputFileError, match="line 2 is not valid JSON"):
        list(iter_releases(path.read_bytes(), str(path)))


def test_json_lines_are_read_a_line_at_a_time() -> None:
    """The first release comes before the rest is read: a broken later line stops the reading
    only when it is reached (a year of notices is never in memory whole)."""
    lines = [json.dumps(r).encode() for r in PACKAGE["releases"]]
    releases = iter_releases(b"\n".join([lines[0], lines[1], b"{broken", lines[2]]), "n.jsonl")
    assert next(releases)["ocid"] == PACKAGE["releases"][0]["ocid"]
    assert next(releases)["ocid"] == PACKAGE["releases"][1]["ocid"]
    with pytest.raises(InputFileError, match="line 3 is not valid JSON"):
        next(releases)


def test_cut_notices_are_named_as_cut(tmp_path: Path) -> None:
    lines = tmp_path / "cut.jsonl"
    whole = "\n".join(json.dumps(r) for r in PACKAGE["releases"])
    lines.write_text(whole[:-15], encoding="utf-8")
    with pytest.raises(InputFileError, match="the last line is cut short"):
        read_ocds(lines)
    package = tmp_path / "cut.json"
    text = json.dumps(PACKAGE, indent=2)
    package.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(InputFileError, match="the file is cut short") as err:
        read_ocds(package)
    assert str(package) in str(err.value)


def test_zipped_json_lines(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "notices.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not the notices")
        z.writestr("notices.jsonl", "\n".join(json.dumps(r) for r in PACKAGE["releases"]) + "\n")
    frame = read_ocds(path)
    pd.testing.assert_frame_equal(frame, read_ocds(DATA / "ocds-release-package.json"), check_like=False)
    assert frame.attrs["source"].endswith("notices.zip!notices.jsonl")


def test_links_read_and_applied_both_ways() -> None:
    links = pd.concat([read_charity_company_links(DATA / "charity-company-numbers.csv"),
                       read_cio_links(DATA / "cio_company_numbers.csv"),
                       read_dual_registered(DATA / "dual-registered-uk-charities.csv")], ignore_index=True)
    assert set(links["org_id"]) == {"GB-CHC-1234567", "GB-CHC-1000002", "GB-CHC-1180001",
                                    "GB-CHC-1199999", "GB-SC-SC012345"}
    # the unpadded company number of the link table is padded
    assert "GB-COH-07000001" in set(links["linked_ids"])
    frame = pd.DataFrame({c: pd.Series([""] * 3, dtype="str") for c in COLUMNS})
    frame["org_id"] = ["GB-CHC-1190002", "GB-COH-07000001", "GB-CHC-5555555"]
    frame["income_pounds"] = float("nan")
    out, linked = apply_links(frame, links)
    assert linked == 2
    assert out["linked_ids"].tolist() == ["GB-SC-SC012345", "GB-CHC-1000002", ""]
    assert out["company_number"].tolist() == ["", "", ""]  # no company link for these charities
