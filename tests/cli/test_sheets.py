"""The commands on a workbook's sheets (--sheet, repeatable) and on a file given twice: every
command reads it once and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run
from tests.sheets import month_workbook, reheader_csv


@pytest.fixture(scope="module")
def fire(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fire") / "fire.csv"
    reheader_csv(path)
    return path


def _json(*args: str) -> dict:
    got = run(*args, "--place", "Wigan", "--format", "json")
    assert got.exit_code == 0, got.output
    return json.loads(got.stdout)


@pytest.mark.parametrize("command", ["classify", "report"])
def test_every_command_reads_a_file_given_twice_once(fire: Path, command: str) -> None:
    once, twice = _json(command, str(fire)), _json(command, str(fire), str(fire))
    assert twice["reconciliation"] == once["reconciliation"]
    assert f"{fire} given 2 times: read once" in json.dumps(twice)
    if command == "report":  # nothing left to drop as a repeat: the file was read once
        assert twice["reconciliation"]["duplicates_dropped"]["rows"] == 0


def test_rank_reads_a_file_given_twice_once(fire: Path) -> None:
    assert _json("rank", str(fire), str(fire)) == _json("rank", str(fire))


def test_sheet_option_repeats(tmp_path: Path) -> None:
    path = tmp_path / "pcc.xlsx"
    month_workbook(path)
    doc = _json("classify", str(path), "--sheet", "Apr 18", "--sheet", "May '18")
    assert doc["reconciliation"]["rows_counted"] == 4 + 5
    assert [i["sheet"] for i in doc["inputs"]] == ["Apr 18", "May '18"]
    got = run("classify", str(path), "--place", "Wigan", "--sheet", "April")
    assert got.exit_code == 3
    assert "there is no sheet named 'April'" in got.output
