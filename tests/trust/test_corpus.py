"""Every hostile or broken input in the corpus gets its documented outcome.

For each case (``scripts/make_corpus.py``) the CLI runs as a user would,
``spendkit classify FILE --place Wigan --out <tmp>/out.csv --format json``, and must:

* exit with the documented status, never with a traceback;
* on failure, say on stderr what is wrong, naming the file (and the row, line or column
  where that is the trouble), and leave the output folder as it was (no partial file);
* on success, count every usable row and put every other row in ``out.rejected.csv`` with
  its reason, reconcile (rows and pence), and write no cell a spreadsheet would run.
"""

from __future__ import annotations

import os
from pathlib import Path

import make_corpus
import pytest

CASES = [case for case, _ in make_corpus.declare()]


def test_the_corpus_is_large_and_covers_every_category() -> None:
    names = [c.name for c in CASES]
    assert len(names) >= 60
    assert len(set(names)) == len(names)
    assert {c.category for c in CASES} == set(make_corpus.CATEGORIES)
    # the inputs the issue lists, by name
    for name in ("empty.csv", "header_only.csv", "binary_junk.csv", "csv_named_xlsx.xlsx",
                 "xlsx_named_csv.csv", "encrypted.xlsx", "truncated.zip", "zip_bomb.xlsx",
                 "billion_laughs_sheet.xlsx", "ragged_rows.csv", "mixed_utf8_cp1252.csv",
                 "nul_bytes.csv", "long_field_100k.csv", "bad_amounts.csv", "bad_dates.csv",
                 "postcodes.csv", "duplicate_columns.csv", "formula_cells.xlsx", "merged_cells.xlsx",
                 "hidden_data_sheet.xlsx", "nobody_placed.csv", "utf16_le_bom.csv", "bom_only.csv",
                 "folder.csv", "no_permission.csv", "too_many_columns.csv", "header_row_50.csv"):
        assert name in names


def test_every_failure_names_the_file_and_every_success_has_counts() -> None:
    for case in CASES:
        if case.expected_exit:
            assert case.name in case.message_contains, case.name
        else:
            assert case.rows_counted is not None and case.rows_rejected is not None, case.name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: make_corpus.Case, corpus: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = corpus
    if case.skip_as_root and hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("file permissions do not bind root")
    got = make_corpus.check(case, folder, tmp_path / "out")
    assert not got.traceback, got.problems
    assert got.exit_code == case.expected_exit, got.stderr
    if case.expected_exit:
        for text in case.message_contains:
            assert text in got.stderr
        assert "spendkit: error:" in got.stderr
    else:
        assert got.rows_counted == case.rows_counted
        assert got.rows_rejected == case.rows_rejected
        assert got.rows_read == got.rows_counted + got.rows_rejected
        assert got.rows_lost == 0
        assert got.unsafe_cells == 0
    assert got.problems == []
