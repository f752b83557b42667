"""Text cells -> typed values, whole columns at a time.

Each parser returns the parsed column and a column of reasons ("" where the
value was read). A non-empty reason makes the row rejected; the reason names
the column and the value so the user can find and fix it.

Money is integer pence from start to finish: "1,234.567" is never a float,
it is 123457 pence (rounded half away from zero, and counted as rounded).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

MAX_PENCE = 10**15  # £10 trillion: anything larger is a broken cell, not a payment
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EXCEL_SERIAL_RANGE = (20000, 80000)  # 1954-10-03 .. 2119-01-10

# Character classes are spelt out (no \\s, no \\u escapes) so pandas runs them in pyarrow's
# RE2 engine rather than falling back to Python's re, row by row.
WS = "[ \t\r\n\f\v\xa0]"
_CURRENCY_AND_SPACE_KEEP_COMMAS = "[£$€ \t\r\n\f\v\xa0]|GBP"
_PLAIN = r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+"
_SCIENTIFIC = r"[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+"
# A comma that is not a thousands separator ("12,34", "1,,2", "1.234,56") makes the value unreadable,
# rather than silently 100 or 1,000 times too large.
_THOUSANDS = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"


@dataclass
class Parsed:
    values: pd.Series
    reasons: pd.Series  # "" where read
    notes: list[str]


def _blank(s: pd.Series) -> pd.Series:
    return s.str.strip() == ""


def parse_amounts(raw: pd.Series, column: str) -> Parsed:
    """Amount text -> int64 pence. Handles £, commas, (1.00), -1.00, 1.00-, 1.00 CR/DR."""
    t = raw.str.upper().str.replace(_CURRENCY_AND_SPACE_KEEP_COMMAS, "", regex=True)
    credit = t.str.endswith("CR")
    t = t.str.replace(r"(CR|DR)$", "", regex=True)
    paren = t.str.startswith("(") & t.str.endswith(")")
    t = t.where(~paren, t.str.slice(1, -1))
    lead = t.str.startswith("-")
    t = t.where(~lead, t.str.slice(1))
    trail = t.str.endswith("-")
    t = t.where(~trail, t.str.slice(0, -1))
    t = t.str.removeprefix("+")
    # Commas must be thousands separators: "12,34" or "1.234,56" is unreadable, never 100 or
    # 1,000 times too large. (A plain RE2 pattern, checked only where there is a comma.)
    has_comma = t.str.contains(",", regex=False)
    bad_comma = has_comma & ~t.str.fullmatch(_THOUSANDS)
    t = t.str.replace(",", "", regex=False)
    negative = (credit ^ (paren | lead | trail)) & ~((paren.astype(int) + lead + trail) > 1)
    double_sign = ((paren.astype(int) + lead + trail) > 1) | bad_comma
    plain = t.str.fullmatch(_PLAIN) & ~double_sign
    parts = t.where(plain, "0").str.partition(".")
    if parts.shape[1] < 3:  # an empty column (a header-only file) partitions into no columns
        parts = pd.DataFrame({0: t, 2: t}, index=t.index)
    whole, frac = parts[0], parts[2]
    too_long = whole.str.len() > 13
    plain &= ~too_long
    whole_n = pd.to_numeric(whole.where(plain & (whole != ""), "0")).astype(np.int64)
    frac3 = frac.where(plain, "").str.ljust(3, "0")
    cents = pd.to_numeric(frac3.str.slice(0, 2)).astype(np.int64)
    round_up = (frac3.str.slice(2, 3) >= "5").astype(np.int64)
    pence = whole_n * 100 + cents + round_up
    rounded = plain & (frac.str.rstrip("0").str.len() > 2)

    sci = ~plain & t.str.fullmatch(_SCIENTIFIC) & ~double_sign
    if sci.any():
        for i in np.flatnonzero(sci.to_numpy()):
            try:
                value = (Decimal(t.iat[i]) * 100).to_integral_value(rounding="ROUND_HALF_UP")
            except InvalidOperation:
                continue
            if abs(value) < MAX_PENCE:
                pence.iat[i] = int(value)
                plain.iat[i] = True
    pence = pence.where(~negative, -pence)
    blank = _blank(raw)
    reasons = pd.Series("", index=raw.index, dtype="str")
    reasons = reasons.mask(~plain, f"{column}: '" + raw.str.slice(0, 40) + "' is not an amount")
    reasons = reasons.mask(too_long & ~blank, f"{column}: '" + raw.str.slice(0, 40) + "' is too large to be a payment")
    reasons = reasons.mask(blank, f"{column}: no amount")
    notes = []
    n_rounded = int(rounded.sum())
    if n_rounded:
        notes.append(f"{n_rounded} amount(s) in '{column}' had fractions of a penny and were rounded to the penny")
    return Parsed(pence.where(reasons == "", 0).astype(np.int64), reasons, notes)


def parse_dates(raw: pd.Series, column: str) -> Parsed:
    """Date text -> datetime64. UK day-first, ISO, Excel serial numbers, '03-Apr-2024'.

    An empty cell is a missing date (kept); text that is not a real date is a reason.
    """
    s = raw.str.strip()
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    iso = s.str.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$")
    if iso.any():
        out[iso] = _as_ns(pd.to_datetime(s[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce"))
    dmy = s.str.extract(r"^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4}|[0-9]{2})(?:\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?$")
    is_dmy = dmy[0].notna()
    if is_dmy.any():
        year = pd.to_numeric(dmy.loc[is_dmy, 2])
        # Two-digit years as strptime's %y reads them (00-68 -> 20xx, 69-99 -> 19xx); '0000' stays 0.
        year = year.where(dmy.loc[is_dmy, 2].str.len() == 4, year + np.where(year < 69, 2000, 1900))
        out[is_dmy] = _as_ns(pd.to_datetime(
            pd.DataFrame({"year": year, "month": pd.to_numeric(dmy.loc[is_dmy, 1]),
                          "day": pd.to_numeric(dmy.loc[is_dmy, 0])}), errors="coerce"))
    serial = s.str.fullmatch(r"[0-9]{5}(?:\.[0-9]+)?")
    if serial.any():
        days = pd.to_numeric(s[serial])
        ok = days.between(*EXCEL_SERIAL_RANGE)
        out[serial[serial].index[ok]] = EXCEL_EPOCH + pd.to_timedelta(days[ok].astype(int), unit="D")
    named = ~(iso | is_dmy | serial) & s.str.contains(r"[A-Za-z]{3}", regex=True) & (s != "")
    if named.any():
        out[named] = _as_ns(pd.to_datetime(s[named], dayfirst=True, format="mixed", errors="coerce"))
    blank = s == ""
    bad = out.isna() & ~blank
    reasons = pd.Series("", index=raw.index, dtype="str")
    reasons = reasons.mask(bad, f"{column}: '" + raw.str.slice(0, 40) + "' is not a date")
    return Parsed(out, reasons, [])


def _as_ns(values: pd.Series) -> pd.Series:
    """Parsed dates as datetime64[ns]; one that type cannot hold ('9999-12-31', year 1) is NaT,
    so it becomes a reason instead of an OutOfBoundsDatetime for the whole column."""
    return values.where(values.between(pd.Timestamp.min, pd.Timestamp.max)).astype("datetime64[ns]")


def clean_text(raw: pd.Series) -> pd.Series:
    """Trim and collapse whitespace; remove the padding characters some exports add."""
    return raw.str.replace("\u2020", "", regex=False).str.replace(WS + "+", " ", regex=True).str.strip()


LEGAL_SUFFIX = r"(?: +(?:LTD|LIMITED|PLC|LLP|LP|CIC|CIO|INC|CO))+\.?$"


def name_key(names: pd.Series) -> pd.Series:
    """A matching key for payee names: 'Acme Limited.' and 'ACME LTD' -> 'ACME'.

    Case, punctuation, '&'/'and', a leading 'The' and trailing legal suffixes
    are ignored for the key (the suffix itself is kept in the name as evidence).
    """
    k = names.str.normalize("NFKD").str.replace("[\u0300-\u036f]", "", regex=True)  # Café -> Cafe
    k = k.str.upper().str.replace("&", " AND ", regex=False)
    k = k.str.replace(r"[^A-Z0-9 ]+", " ", regex=True).str.replace(" +", " ", regex=True).str.strip()
    k = k.str.replace(r"^THE +", "", regex=True)
    stripped = k.str.replace(LEGAL_SUFFIX, "", regex=True).str.strip()
    return stripped.where(stripped != "", k)
