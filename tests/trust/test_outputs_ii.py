"""Trust II, outputs: every export is formula-safe and writable, whatever the ledger holds.

Family 1 (formula injection): no cell or header that spendkit writes to a CSV or XLSX file, or
prints as CSV, is run by a spreadsheet; whatever the column's type (text, Categorical) and
wherever it came from (a payee, a ledger's own header, a breakdown by that header).
Family 6 (control characters): a bell or other character XML cannot hold, in a payee or a
zip member's name, is dropped from XLSX output instead of crashing the write.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from spendkit.output import export
from tests.helpers import run

HOSTILE_HEADER = '=HYPERLINK("http://evil.invalid","x")'
HOSTILE = ['=HYPERLINK("http://evil.invalid","Click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]


def runs(value: str) -> bool:
    """Would a spreadsheet run this cell? A formula character first, also behind whitespace
    or control characters; or a tab, carriage return or line feed first; numbers excepted."""
    if value[:1] in ("\t", "\r", "\n"):
        return True
    stripped = re.sub(r"^[\s\x00-\x1f\x7f\u200b-\u200f\u2060\ufeff]*", "", value)
    return stripped[:1] in ("=", "+", "-", "@") and re.fullmatch(r"[+-]?[0-9,]*\.?[0-9]+", stripped) is None


def hostile_ledger(path: Path) -> Path:
    rows = [["Supplier Name", "Amount", "Payment Date", "Postcode", HOSTILE_HEADER],
            *[[name, f"{10 * (i + 1)}.00", "01/02/2024", "WN1 1YN", HOSTILE[-1 - i]]
              for i, name in enumerate(HOSTILE)],
            ["Bell\x07 Ltd", "60.00", "01/02/2024", "WN1 1YN", "=1+1"]]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def xlsx_cells(path: Path) -> list[tuple[str, object, str]]:
    book = openpyxl.load_workbook(path)
    return [(ws.title, c.value, c.data_type) for ws in book.worksheets for row in ws.iter_rows()
            for c in row if c.value is not None]


def assert_nothing_runs(cells: list[str]) -> None:
    assert cells, "no cells read"
    assert [c for c in cells if runs(c)] == []


# ---------------------------------------------------------------- the neutraliser itself

@pytest.mark.parametrize("value", ["\n=1+1", "\r=1+1", "\t=1+1", " =1+1", "\u00a0=1+1",
                                   "\u200b=1+1", "\x01=1", "\n", "-", "+44 20 7946 0000"])
def test_text_behind_whitespace_or_a_line_feed_is_neutralised(value: str) -> None:
    """A cell starting with whitespace, a line feed or a control character before '=' (or
    with a tab, CR or LF at all) gets the leading apostrophe."""
    out = export.safe_table(pd.DataFrame({"x": pd.Series([value], dtype="str")}))
    assert out["x"].iloc[0] == "'" + value


@pytest.mark.parametrize("dtype", ["object", "str", "category", "string"])
def test_every_text_dtype_is_neutralised_and_numbers_stay_numbers(dtype: str) -> None:
    """Object, str, pandas string and Categorical columns alike; Categoricals by category.
    Numbers (negative ones too, in text or numeric columns) are left as they are."""
    frame = pd.DataFrame({HOSTILE_HEADER: pd.Series([*HOSTILE, "-5.00"], dtype=dtype),
                          "pence": pd.Series([-1, 2, 3, 4, 5], dtype="int64")})
    out = export.safe_table(frame)
    assert list(out.columns) == ["'" + HOSTILE_HEADER, "pence"]
    assert out.iloc[:, 0].tolist() == ["'" + v for v in HOSTILE] + ["-5.00"]
    assert out["pence"].tolist() == [-1, 2, 3, 4, 5] and out["pence"].dtype == "int64"


def test_xlsx_text_loses_characters_xml_cannot_hold() -> None:
    """A bell, a NUL or U+FFFF are dropped for XLSX; then neutralised."""
    frame = pd.DataFrame({"a\x07b": pd.Series(["Bell\x07 Ltd", "\x00=1", "x\uffffy"],
                                              dtype="str")})
    out = export.safe_table(frame, xlsx=True)
    assert list(out.columns) == ["ab"]
    assert out["ab"].tolist() == ["Bell Ltd", "'=1", "xy"]


def test_sheet_names_keep_no_control_characters_or_end_apostrophes() -> None:
    assert export.sheet_name("By =x\x07[y]") == "By =x-y-"
    assert export.sheet_name("'quoted'") == "quoted"
    assert export.sheet_name("\x07") == "Sheet"


# ---------------------------------------------------------------- through the commands

@pytest.mark.parametrize("how", ["format", "out"])
def test_rank_csv_neutralises_payee_names(tmp_path: Path, how: str) -> None:
    """`rank --format csv` and `rank --out x.csv` write hostile payee names (held as a
    Categorical) with the apostrophe."""
    ledger = hostile_ledger(tmp_path / "L.csv")
    if how == "format":
        res = run("rank", ledger, "-p", "Wigan", "--format", "csv", "-q")
        assert res.exit_code == 0, res.output
        text = res.stdout
    else:
        out = tmp_path / "x.csv"
        res = run("rank", ledger, "-p", "Wigan", "--out", out, "-q")
        assert res.exit_code == 0, res.output
        text = out.read_text(encoding="utf-8-sig")
    cells = csv_cells(text)
    assert "'" + HOSTILE[0] in cells
    assert_nothing_runs(cells)


@pytest.mark.parametrize("command", ["report", "rank", "classify"])
def test_xlsx_has_no_formula_from_cells_or_headers(tmp_path: Path, command: str) -> None:
    """A hostile ledger header, and `--by` that header, write no formula anywhere in the
    workbook (row sheets, breakdown sheets, headers); the bell in a payee does not crash it."""
    ledger = hostile_ledger(tmp_path / "L.csv")
    out = tmp_path / "x.xlsx"
    extra = ["--by", HOSTILE_HEADER] if command == "report" else []
    res = run(command, ledger, "-p", "Wigan", "--out", out, "-q", *extra)
    assert res.exit_code == 0, res.output
    cells = xlsx_cells(out)
    assert [c for c in cells if c[2] == "f"] == []
    assert_nothing_runs([v for _, v, _ in cells if isinstance(v, str)])
    assert not any("\x07" in v for _, v, _ in cells if isinstance(v, str))
    if command == "report":
        assert any(v == "'" + HOSTILE_HEADER for _, v, _ in cells)  # the header, neutralised


def test_control_character_in_a_zip_member_name_writes_xlsx(tmp_path: Path) -> None:
    """A zip member named with a bell: the report workbook is written (the name without it)."""
    ledger = hostile_ledger(tmp_path / "L.csv")
    archive = tmp_path / "z.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("led\x07ger.csv", ledger.read_text(encoding="utf-8"))
    out = tmp_path / "r.xlsx"
    res = run("report", archive, "-p", "Wigan", "--out", out, "-q")
    assert res.exit_code == 0, res.output
    values = [v for _, v, _ in xlsx_cells(out) if isinstance(v, str)]
    assert any("ledger.csv" in v for v in values)
    assert not any("\x07" in v for v in values)
