"""Text as a spreadsheet may hold it: the one neutraliser every CSV and XLSX writer uses
(``safe_strings``: text a spreadsheet would run as a formula gets a leading apostrophe; for
XLSX, characters XML cannot hold are dropped and a cell is cut to Excel's limit), valid sheet
names, and the £ number format. Used by ``export`` (CSV, ``safe_table``) and ``xlsx``.
"""

from __future__ import annotations

import re

import pandas as pd

# A formula trigger (= + - @), possibly behind whitespace or characters a spreadsheet might
# drop (control, zero-width); or a tab, carriage return or line feed first.
_FORMULA_START = r"^[\s\x00-\x1f\x7f\u200b-\u200f\u2060\ufeff]*[=+\-@]|^[\t\r\n]"
# Characters XML (so XLSX) cannot hold: control characters, U+FFFE and U+FFFF.
_XML_ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
XLSX_MAX_CELL = 32767  # characters in one Excel cell
_NUMBER = r"^[+-]?[0-9,]*\.?[0-9]+$"
GBP_FORMAT = '"£"#,##0.00;[Red]-"£"#,##0.00'


def safe_text(s: pd.Series) -> pd.Series:
    """Neutralise text a spreadsheet would run as a formula (numbers are left alone)."""
    risky = s.str.contains(_FORMULA_START, regex=True) & ~s.str.match(_NUMBER)
    return s.mask(risky, "'" + s)


def safe_strings(s: pd.Series, *, xlsx: bool = False) -> pd.Series:
    """Text as it may be written: formula-safe (``safe_text``); for XLSX also without the
    characters XML cannot hold and cut to Excel's cell limit."""
    if xlsx:
        s = s.str.replace(_XML_ILLEGAL, "", regex=True)
    s = safe_text(s)
    if xlsx:
        s = s.mask(s.str.len() > XLSX_MAX_CELL, s.str.slice(0, XLSX_MAX_CELL - 1) + "…")
    return s


def sheet_name(title: str) -> str:
    """A title Excel accepts as a sheet name: no control characters, none of []:*?/\\, no
    apostrophe at either end, at most 31 characters (never run, so not formula-neutralised)."""
    name = re.sub(_XML_ILLEGAL, "", title)
    name = "".join("-" if ch in "[]:*?/\\" else ch for ch in name)[:31].strip("'")
    return name or "Sheet"
