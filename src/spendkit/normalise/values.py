"""Text cells -> typed values, whole columns at a time.

Each parser returns the parsed column and a column of reasons ("" where the
value was read). A non-empty reason makes the row rejected; the reason names
the column and the value so the user can find and fix it.

Money is integer pence from start to finish: "1,234.567" is never a float,
it is 123457 pence (rounded half away from zero, and counted as rounded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, Overflow

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spendkit.money import MAX_PAYMENT_PENCE

MAX_PENCE = MAX_PAYMENT_PENCE  # £10bn: a larger cell is "too large to be a payment" (see spendkit.money)
MAX_WHOLE_DIGITS = 13  # pounds: the longest whole part read as digits (then checked against MAX_PENCE)
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EXCEL_SERIAL_RANGE = (20000, 80000)  # 1954-10-03 .. 2119-01-10

# Character classes are spelt out (no \\s, no \\u escapes) so pandas runs them in pyarrow's
# RE2 engine rather than falling back to Python's re, row by row.
WS = "[ \t\r\n\f\v\xa0]"
# Every character Python's \s matches (str.isspace), spelt out for the same reason.
SPACE_CHARS = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
               "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
SPACES = f"[{SPACE_CHARS}]+"

# An amount is what is left of a cell once currency signs, spaces and "GBP" (any case) are taken
# out, wherever they are (one left-to-right pass), if that is
#     ( [+]NUMBER )  |  -[+]NUMBER  |  [+]NUMBER[-]        then optionally CR or DR (any case)
# NUMBER being 1234, 1,234 (commas only as thousands separators: "12,34" and "1.234,56" are
# unreadable, never 100 or 1,000 times too large) or .5, with optional decimals. One sign at
# most ("(-5)", "--5" and "-5-" are unreadable); CR makes it a credit. _AMOUNT is that grammar
# with the ignored characters allowed after every symbol: one RE2 pass over the raw cells.
_IGNORED = "[£$€ \t\r\n\f\v\xa0]|[Gg][Bb][Pp]"
_GAP = f"(?:{_IGNORED})*"
_DIGIT = f"[0-9]{_GAP}"
_PLUS = rf"(?:\+{_GAP})?"
_NUMBER = (rf"(?:(?:(?:{_DIGIT})+|(?:{_DIGIT}){{1,3}}(?:,{_GAP}(?:{_DIGIT}){{3}})+)(?:\.{_GAP}(?:{_DIGIT})*)?"
           rf"|\.{_GAP}(?:{_DIGIT})+)")
_AMOUNT = (rf"^{_GAP}(?:\({_GAP}{_PLUS}{_NUMBER}\){_GAP}|-{_GAP}{_PLUS}{_NUMBER}|{_PLUS}{_NUMBER}(?:-{_GAP})?)"
           rf"(?:[CcDd]{_GAP}[Rr]{_GAP})?$")
# Scientific notation ("1e3", "(1.5E2)"), matched once the ignored characters are taken out.
_SCIENTIFIC = r"[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+"
_SCIENTIFIC_AMOUNT = rf"^(?:\(\+?{_SCIENTIFIC}\)|-\+?{_SCIENTIFIC}|\+?{_SCIENTIFIC}-?)(?:[CcDd][Rr])?$"


@dataclass
class Parsed:
    values: pd.Series
    reasons: pd.Series  # "" where read
    notes: list[str]
    ends: pd.Series | None = None  # dates: the last day of each value's period (= values for a day)


def parse_amounts(raw: pd.Series, column: str) -> Parsed:
    """Amount text -> int64 pence. Handles £, commas, (1.00), -1.00, 1.00-, 1.00 CR/DR.

    Whole-column work on the UTF-8 bytes under the Arrow strings: one RE2 pass finds the cells
    that are amounts (cells of digits and at most one point need none), the digits of each are
    cast to int64 in one go, and only unreadable cells are looked at again.

    Long (some 90 lines) because every step reads the same byte-level arrays (offsets, digit
    counts, point and sign positions) built once at the start: split, each helper would take
    most of them as arguments, and the hot path would be harder to follow, not easier.
    """
    arr = _arrow_text(raw)
    n = len(arr)
    if n == 0:
        return Parsed(pd.Series(np.zeros(0, np.int64), index=raw.index),
                      pd.Series(np.zeros(0, object), index=raw.index, dtype="str"), [])
    off, data = _buffers(arr)
    start, end = off[:-1], off[1:]
    is_digit = (data - np.uint8(48)) < 10
    cum = np.zeros(len(data) + 1, np.int64 if len(data) >= 2**31 else np.int32)
    np.cumsum(is_digit, dtype=cum.dtype, out=cum[1:])
    digits = cum[end] - cum[start]
    points = np.flatnonzero(data == ord("."))
    point_row = np.searchsorted(off, points, side="right") - 1
    n_points = np.bincount(point_row, minlength=n)
    point_at = end.copy()
    point_at[point_row] = points  # the last point of a row (an amount has one at most)
    whole = cum[point_at] - cum[start]  # digits before the point
    decimals = digits - whole

    # Digits and at most one point ("1234.56", ".5", "7") are amounts; the others take the regex.
    valid = (digits > 0) & (n_points <= 1) & (digits + n_points == end - start)
    if arr.null_count:
        valid &= arr.is_valid().to_numpy(zero_copy_only=False)
    others = np.flatnonzero(~valid)
    if len(others):
        valid[others] = _true(pc.match_substring_regex(arr.take(others), _AMOUNT))

    # In an amount, "(" or "-" can only be its sign and "C" only the C of CR; an "E" may make it
    # scientific notation.
    lower = data | 32
    marks = np.flatnonzero((data == ord("(")) | (data == ord("-")) | (lower == ord("c")) | (lower == ord("e")))
    mark_row = np.searchsorted(off, marks, side="right") - 1
    is_e = lower[marks] == ord("e")
    e_rows = mark_row[is_e]  # rows that may be in scientific notation
    marks, mark_row = marks[~is_e], mark_row[~is_e]
    is_c = lower[marks] == ord("c")
    credit = np.zeros(n, bool)
    credit[mark_row[is_c]] = True
    negative = np.zeros(n, bool)
    negative[mark_row[~is_c]] = True
    negative ^= credit

    too_large = valid & (whole > MAX_WHOLE_DIGITS)
    read = valid & ~too_large
    digit_data = data[is_digit]
    digit_off = cum[off].astype(np.int64)
    # The digits of each amount down to the third decimal (13 + 3 at most) as one int64: 1/1000s.
    kept = whole + np.minimum(decimals, 3)
    number = pc.cast(_windows(digit_data, digit_off[:-1], digit_off[:-1] + kept, read), pa.int64())
    mills = number.fill_null(0).to_numpy()[::2] * np.array([1000, 100, 10, 1])[np.minimum(decimals, 3)]
    pence = (mills + 5) // 10  # half away from zero at the third decimal (before the sign)
    pence = np.where(negative, -pence, pence)
    too_large |= read & (np.abs(pence) >= MAX_PENCE)
    read &= ~too_large
    # Rounded: a digit after the second decimal is not 0.
    past = np.flatnonzero(read & (decimals > 2))
    tail = _windows(digit_data, digit_off[past] + whole[past] + 2, digit_off[past + 1])
    n_rounded = int(pc.sum(pc.greater(pc.binary_length(pc.utf8_ltrim(tail, "0")), 0)).as_py() or 0)

    reason_rows = [np.flatnonzero(too_large)]
    reason_texts = [_quoted(arr.take(reason_rows[0]), column, "is too large to be a payment")]
    bad = np.flatnonzero(~valid)
    if len(bad):
        cells = arr.take(bad)
        ok = np.zeros(len(bad), bool)
        maybe = np.flatnonzero(np.isin(bad, e_rows) & (digits[bad] > 1))  # "1e3" has 2 digits at least
        if len(maybe):
            ok[maybe] = _scientific(cells.take(maybe), bad[maybe], pence)
        cells, bad = cells.filter(~ok), bad[~ok]
        blank = pc.equal(pc.binary_length(pc.utf8_trim_whitespace(cells)), 0)
        reason_rows.append(bad)
        reason_texts.append(pc.if_else(blank, pa.scalar(f"{column}: no amount", pa.large_string()),
                                       _quoted(cells, column, "is not an amount")))
    rows = np.concatenate(reason_rows)
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    pence[rows] = 0
    reasons = _text_at(n, rows, pa.concat_arrays(reason_texts).take(order))
    notes = []
    if n_rounded:
        notes.append(f"{n_rounded} amount(s) in '{column}' had fractions of a penny and were rounded to the penny")
    return Parsed(pd.Series(pence, index=raw.index),
                  pd.Series(pd.array(reasons, dtype="str"), index=raw.index), notes)


def _windows(data: np.ndarray, first: np.ndarray, stop: np.ndarray,
             valid: np.ndarray | None = None) -> pa.LargeStringArray:
    """Strings ``data[first[i]:stop[i]]`` (ascending, not overlapping) at even positions, null
    where not ``valid``; the text between them at odd positions, null."""
    off = np.empty(2 * len(first) + 1, np.int64)
    off[0:-1:2] = first
    off[1::2] = stop
    off[-1] = off[-2] if len(first) else 0
    bits = np.zeros(2 * len(first), bool)
    bits[::2] = True if valid is None else valid
    return pa.LargeStringArray.from_buffers(len(bits), pa.py_buffer(off), pa.py_buffer(data),
                                            pa.py_buffer(np.packbits(bits, bitorder="little")))


def _scientific(cells: pa.Array, rows: np.ndarray, pence: np.ndarray) -> np.ndarray:
    """Read the cells in scientific notation ("1e3", "-1.5E2 CR") into ``pence`` at ``rows``;
    which cells were read. Decimal arithmetic, cell by cell: they are rare."""
    ok = np.zeros(len(cells), bool)
    stripped = pc.replace_substring_regex(cells, _IGNORED, "")
    for i in np.flatnonzero(_true(pc.match_substring_regex(stripped, _SCIENTIFIC_AMOUNT))):
        t = stripped[i].as_py().upper()
        credit = t.endswith("CR")
        if t.endswith(("CR", "DR")):
            t = t[:-2]
        paren = t.startswith("(") and t.endswith(")")
        if paren:
            t = t[1:-1]
        lead = t.startswith("-")
        if lead:
            t = t[1:]
        trail = t.endswith("-")
        if trail:
            t = t[:-1]
        t = t.removeprefix("+")
        try:
            value = (Decimal(t) * 100).to_integral_value(rounding="ROUND_HALF_UP")
        except (InvalidOperation, Overflow):  # '1E999999' is beyond any payment, not a crash
            continue
        if abs(value) < MAX_PENCE:
            pence[rows[i]] = -int(value) if credit != (paren or lead or trail) else int(value)
            ok[i] = True
    return ok


def _quoted(cells: pa.Array, column: str, what: str) -> pa.Array:
    """'{column}: '{cell}' {what}', the cell cut to 40 characters."""
    text = pa.large_string()
    return pc.binary_join_element_wise(pa.scalar(f"{column}: '", text), pc.utf8_slice_codeunits(cells, 0, 40),
                                       pa.scalar(f"' {what}", text), pa.scalar("", text))


def _true(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _arrow_text(raw: pd.Series) -> pa.LargeStringArray:
    """The column as one Arrow large_string array (the column's own buffers when it is Arrow text)."""
    if _is_arrow_text(raw):
        arr = pa.array(raw.array)
    else:
        arr = pa.array(raw.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr if arr.type == pa.large_string() else arr.cast(pa.large_string())


def _buffers(arr: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (from 0) and UTF-8 bytes of a large_string array, without copying."""
    _, offsets, data = arr.buffers()
    off = np.frombuffer(offsets, np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(data, np.uint8)[off[0]:off[-1]] if data is not None else np.zeros(0, np.uint8)
    return off - off[0], data


def _text_at(n: int, rows: np.ndarray, texts: pa.LargeStringArray) -> pa.LargeStringArray:
    """n strings: ``texts`` at ``rows`` (ascending), "" elsewhere."""
    text_off, text_data = _buffers(texts)
    lengths = np.zeros(n, np.int64)
    lengths[rows] = np.diff(text_off)
    off = np.zeros(n + 1, np.int64)
    np.cumsum(lengths, out=off[1:])
    validity = None
    if texts.null_count:
        valid = np.ones(n, bool)
        valid[rows] = texts.is_valid().to_numpy(zero_copy_only=False)
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(off), pa.py_buffer(text_data), validity)


def parse_dates(raw: pd.Series, column: str) -> Parsed:
    """Date text -> the day paid, or the period it names: ``values`` its first day and ``ends``
    its last (both the same day for a date). An empty cell is a missing date (kept); text that
    is neither a date nor a period is a reason.

    Days: UK day first ('03/04/2024' is 3 April), ISO ('2024-04-03', a time after it ignored),
    Excel serial numbers, '03-Apr-2024', '3 April 2024'. A time with a zone ('10:00 GMT', 'BST',
    '+01:00', 'Z') is that moment's day in the UK. Periods (``PERIOD_FORMS``): a calendar month
    ('2011-11', '11/2011', 'Apr-24', 'April 2024', and '202205', which is always the calendar
    month May 2022, never a finance period: finance periods are written with a P); a UK
    financial-year period ('P05 2023/24', 'P05 2023': P01 is April, a lone year is the year the
    financial year starts); a financial-year quarter ('Q1 2015/16': April-June 2015); a financial
    year ('2015/16'); and a range of any two of these ('July 2010-September 2010'). Relative words
    ('today', 'now') name no day and are reasons: the run's own day would change the figures.
    """
    index = raw.index  # worked on by position (labels may repeat), given back at the end
    raw = raw.reset_index(drop=True)
    s = raw.str.strip()
    start = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    # The common forms first, on every cell: an ISO day, a UK day ('03/04/2024') without a zone.
    known = s.str.match(_ISO_DAY)
    if known.any():
        start[known] = _as_ns(pd.to_datetime(s[known].str.slice(0, 10), format="%Y-%m-%d", errors="coerce"))
    rest = ~known & (s != "")
    if rest.any():
        dmy = _extract(s[rest], _DMY_DAY)
        hit = dmy[0].notna()
        if hit.any():
            dmy = dmy[hit]
            start[dmy.index] = _ymd(_year(dmy[2]), pd.to_numeric(dmy[1]), pd.to_numeric(dmy[0]))
            known[dmy.index] = True
    end = start.copy()
    rest = ~known & (s != "")
    if rest.any():  # every other form, on the cells left
        t = s[rest].str.lower().str.replace(SPACES, " ", regex=True)
        first, last = _single_dates(t)
        unread = first.isna()
        if unread.any():
            first[unread], last[unread] = _ranges(t[unread])
        start[rest], end[rest] = first, last
    bad = start.isna() & (s != "")
    reasons = pd.Series("", index=raw.index, dtype="str")
    if bad.any():
        reasons = reasons.mask(bad, f"{column}: '" + raw.str.slice(0, 40) + "' is not a date")
        relative = bad & s.str.lower().isin(RELATIVE_DAYS)
        reasons = reasons.mask(relative, f"{column}: '" + s + "' is not a date (a day relative to the run: "
                                         "the ledger must give the day)")
    for column_values in (start, reasons, end):
        column_values.index = index
    return Parsed(start, reasons, [], end)


def period_notes(raw: pd.Series, dates: Parsed, column: str) -> list[str]:
    """What a user must know of the periods among ``dates`` (parsed from ``raw``, row by row):
    how many rows carry a period rather than a day, and which span two financial years."""
    start, end = dates.values, dates.ends if dates.ends is not None else dates.values
    spans = (start.notna() & (end > start)).to_numpy()
    notes = []
    if spans.any():
        notes.append(f"date: {int(spans.sum()):,} value(s) in '{column}' are periods (months, quarters, "
                     "financial-year periods), not days: each row keeps its period (payment_date to "
                     "period_end)")
    two_years = spans & (_fy_start(start) != _fy_start(end)).to_numpy()
    if two_years.any():
        notes.append(f"date: {int(two_years.sum()):,} period(s) in '{column}' span two or more UK financial "
                     f"years (e.g. '{str(raw[two_years].iloc[0])[:40]}'): a trend by financial year shows "
                     "them as their own period")
    return notes


# A cell of this shape that is no real day ('31/02/2024') is a wrong date, not an unknown form.
DAY_SHAPE = r"[ \t]*[0-9]{1,4}[/.-][0-9]{1,2}[/.-][0-9]{1,4}"
_ISO_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$"
_DMY_DAY = r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4}|[0-9]{2})(?:[ \t]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?$"
RELATIVE_DAYS = ("today", "now", "yesterday", "tomorrow", "tonight")
_MON = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
        r"|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_MONTH_NUMBER = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                                 "sep", "oct", "nov", "dec"))}
_TIME = r"(?:[ t]([0-9]{1,2}):([0-9]{2})(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_ZONE = r"(?: ?(z|utc|gmt|bst|[+-][0-9]{2}:?[0-9]{2}))?"
_YEAR = r"([0-9]{4}|[0-9]{2})"
_FY = r"(?:fy ?)?([0-9]{4})(?:[/-]([0-9]{4}|[0-9]{2}))?"
# Day forms: (pattern, which groups are year, month, day; then hour, minute, zone follow).
_DAY_FORMS = (
    (rf"^([0-9]{{4}})-([0-9]{{2}})-([0-9]{{2}}){_TIME}{_ZONE}$", (0, 1, 2)),
    (rf"^([0-9]{{1,2}})[/.-]([0-9]{{1,2}})[/.-]{_YEAR}{_TIME}{_ZONE}$", (2, 1, 0)),
    (rf"^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,? )?([0-9]{{1,2}})(?:st|nd|rd|th)?[ /-]?{_MON}[ /,-]*"
     rf"{_YEAR}{_TIME}{_ZONE}$", (2, 1, 0)),
    (rf"^{_MON} ([0-9]{{1,2}})(?:st|nd|rd|th)?,? ([0-9]{{4}}){_TIME}{_ZONE}$", (2, 0, 1)),
)
# Period forms: (pattern, what it is). Month forms give (year, month); financial-year forms
# give (start year, end year or none, number).
PERIOD_FORMS = (
    (r"^([0-9]{4})-([0-9]{1,2})$", "month"),                     # 2011-11
    (r"^((?:19|20)[0-9]{2})(0[1-9]|1[0-2])$", "month"),          # 202205: calendar May 2022
    (r"^([0-9]{1,2})[/.-]([0-9]{4})$", "month of year"),        # 11/2011
    (rf"^{_MON}[ /,'’-]*{_YEAR}$", "named month"),               # Apr-24, April 2024
    (rf"^(?:p|per|period)\.? ?([0-9]{{1,2}}),? {_FY}$", "fy period"),   # P05 2023/24
    (rf"^{_FY}[ ,-]*(?:p|per|period)\.? ?([0-9]{{1,2}})$", "fy period first"),  # 2023/24 P05
    (rf"^(?:q|quarter) ?([1-4]),? {_FY}$", "fy quarter"),          # Q1 2015/16
    (rf"^{_FY}[ ,-]*(?:q|quarter) ?([1-4])$", "fy quarter first"),  # 2015/16 Q1
    (r"^(?:fy ?([0-9]{4})[/-]|([0-9]{4})/)([0-9]{4}|[0-9]{2})$", "fy"),  # 2015/16, FY2015-16
)


def _single_dates(t: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(first day, last day) of each lower-cased cell that is one date or one period; NaT else."""
    start = pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]")
    end = start.copy()
    todo = t.index  # each form is tried on the cells no earlier form matched
    for pattern, (y, m, d) in _DAY_FORMS:
        g = _extract(t[todo], pattern)
        g = g[g[0].notna()]
        if len(g):
            day = _ymd(_year(g[y]), _month(g[m]), pd.to_numeric(g[d]))
            start[g.index] = end[g.index] = _uk_day(day, g[g.columns[-3]], g[g.columns[-2]], g[g.columns[-1]])
            todo = todo.difference(g.index, sort=False)
    serial = t[todo].str.fullmatch(r"[0-9]{5}(?:\.[0-9]+)?")
    if serial.any():
        days = pd.to_numeric(t[todo][serial])
        ok = days.between(*EXCEL_SERIAL_RANGE)
        at = days.index[ok]
        start[at] = end[at] = EXCEL_EPOCH + pd.to_timedelta(days[ok].astype(int), unit="D")
        todo = todo.difference(days.index, sort=False)
    for pattern, form in PERIOD_FORMS:
        if not len(todo):
            break
        g = _extract(t[todo], pattern)
        g = g[g[0].notna() | (g[1].notna() if form == "fy" else False)]
        if len(g):
            start[g.index], end[g.index] = _period(g, form)
            todo = todo.difference(g.index, sort=False)
    return start, end


def _extract(t: pd.Series, pattern: str) -> pd.DataFrame:
    """``t.str.extract(pattern)`` in pyarrow's RE2 (many times faster than Python's re, cell by
    cell): one column per group, missing where the cell does not match or the group is empty."""
    n = 0

    def name(_: re.Match[str]) -> str:
        nonlocal n
        n += 1
        return f"(?P<g{n - 1}>"

    named = re.sub(r"(?<!\\)\((?!\?)", name, pattern)
    arr = _arrow_text(t)
    got = pc.extract_regex(arr, named)
    empty = pa.scalar(None, pa.large_string())
    text = pd.StringDtype("pyarrow", np.nan)
    out = pd.DataFrame({i: pd.array(pc.if_else(pc.equal(got.field(i), ""), empty, got.field(i)), dtype=text)
                        for i in range(n)})  # an unmatched group is "": missing
    out.index = t.index
    return out


def _period(g: pd.DataFrame, form: str) -> tuple[pd.Series, pd.Series]:
    """The first and last day of the periods ``g`` (a PERIOD_FORMS match) names."""
    if form in ("month", "month of year", "named month"):
        year, month = (g[0], g[1]) if form == "month" else (g[1], g[0])
        return _months(_year(year), _month(month), 1)
    if form == "fy":
        first = g[0].fillna(g[1])
        return _months(_fy_year(first, g[2]), pd.Series(4.0, index=g.index), 12)
    number, (first, second) = (g[0], (g[1], g[2])) if not form.endswith("first") else (g[2], (g[0], g[1]))
    n = pd.to_numeric(number)
    length = 1 if form.startswith("fy period") else 3
    n = n.where(n.between(1, 12 // length))  # P13-P16 (adjustments) are no month
    offset = (n - 1) * length  # months after April
    year = _fy_year(first, second) + (offset + 3) // 12
    return _months(year, (offset + 3) % 12 + 1, length)


def _ranges(t: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'A - B', 'A to B', 'A-B' (A and B dates or periods) -> (A's first day, B's last day). A
    bare '-' is tried at its middle (so '2010-07-2010-09' splits where the halves match)."""
    start = pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]")
    end = start.copy()
    splits = [r"^(.+?) (?:-|–|—|to|until) (.+)$", r"^(.+?) ?(?:–|—|to) ?(.+)$"]
    splits += [rf"^((?:[^-]*-){{{k}}}[^-]*)-((?:[^-]*-){{{k}}}[^-]*)$" for k in range(3)]
    for pattern in splits:
        g = _extract(t, pattern)
        hit = g[0].notna() & start.isna()
        if hit.any():
            a, _ = _single_dates(g.loc[hit, 0].str.strip())
            _, b = _single_dates(g.loc[hit, 1].str.strip())
            ok = a.notna() & b.notna() & (a <= b)
            start[ok[ok].index], end[ok[ok].index] = a[ok], b[ok]
    return start, end


def _year(text: pd.Series) -> pd.Series:
    """Year text -> number: two digits as strptime's %y reads them (00-68 -> 20xx, 69-99 -> 19xx);
    years datetime64[ns] cannot hold are missing."""
    year = pd.to_numeric(text)
    year = year.where(text.str.len() != 2, year + np.where(year < 69, 2000, 1900))
    return year.where(year.between(1678, 2261))


def _month(text: pd.Series) -> pd.Series:
    """A month as a number or a name ('apr', 'april.') -> 1-12."""
    named = text.str.slice(0, 3).map(_MONTH_NUMBER)
    return pd.to_numeric(text.where(named.isna()), errors="coerce").fillna(named)


def _fy_year(first: pd.Series, second: pd.Series) -> pd.Series:
    """The year a financial year starts: '2015' (with '16', '2016' or nothing after it); missing
    when the second year is not the next ('2015/17')."""
    year = _year(first)
    follows = second.isna() | (pd.to_numeric(second) == (year + 1) % np.where(second.str.len() == 2, 100, 10_000))
    return year.where(follows)


def _months(year: pd.Series, month: pd.Series, length: int) -> tuple[pd.Series, pd.Series]:
    """The first day of ``month`` of ``year`` and the last day ``length`` months on."""
    ok = year.notna() & month.between(1, 12)
    index = ((year - 1970) * 12 + month - 1).where(ok).fillna(0).astype("int64").to_numpy()
    first = index.astype("datetime64[M]")
    start = pd.Series(first.astype("datetime64[ns]"), index=year.index).where(ok)
    last = ((first + length).astype("datetime64[D]") - np.timedelta64(1, "D")).astype("datetime64[ns]")
    return start, pd.Series(last, index=year.index).where(ok)


def _ymd(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """Numbers (``year`` within datetime64[ns], as ``_year`` gives it) -> datetime64[ns]; NaT
    where they are no real day (31 February, month 13, day 0)."""
    ok = (year.notna() & month.between(1, 12) & day.between(1, 31)).to_numpy()
    months = ((year - 1970) * 12 + month - 1).where(ok, 0).astype("int64").to_numpy().astype("datetime64[M]")
    first = months.astype("datetime64[D]")
    days = first + (day.where(ok, 1).astype("int64").to_numpy() - 1).astype("timedelta64[D]")
    ok = ok & (days < (months + 1).astype("datetime64[D]"))
    return pd.Series(days.astype("datetime64[ns]"), index=year.index).where(ok)


def _uk_day(day: pd.Series, hour: pd.Series, minute: pd.Series, zone: pd.Series) -> pd.Series:
    """The day, or, where a time and a zone are given, the day of that moment in the UK."""
    zoned = zone.notna() & hour.notna() & day.notna()
    if not zoned.any():
        return day
    z = zone[zoned]
    sign = np.where(z.str.startswith("-"), -1, 1)
    digits = z.str.replace(r"[^0-9]", "", regex=True)
    offset = pd.to_numeric(digits.str.slice(0, 2), errors="coerce").fillna(0) * 60 + \
        pd.to_numeric(digits.str.slice(2, 4), errors="coerce").fillna(0)
    offset = (offset * sign).where(z.str.match(r"[+-]"), np.where(z == "bst", 60, 0))
    moment = day[zoned] + pd.to_timedelta(pd.to_numeric(hour[zoned]) * 60 + pd.to_numeric(minute[zoned])
                                          - offset, unit="min")
    uk = moment.dt.tz_localize("UTC").dt.tz_convert("Europe/London").dt.tz_localize(None).dt.normalize()
    out = day.copy()
    out[zoned] = uk.astype("datetime64[ns]")
    return out


def _fy_start(d: pd.Series) -> pd.Series:
    """The year the UK financial year of each day starts (1 April)."""
    return d.dt.year - (d.dt.month < 4).astype("int64")


def _as_ns(values: pd.Series) -> pd.Series:
    """Parsed dates as datetime64[ns]; one that type cannot hold ('9999-12-31', year 1) is NaT,
    so it becomes a reason instead of an OutOfBoundsDatetime for the whole column."""
    return values.where(values.between(pd.Timestamp.min, pd.Timestamp.max)).astype("datetime64[ns]")


def clean_text(raw: pd.Series) -> pd.Series:
    """Trim and collapse whitespace; remove the padding characters some exports add."""
    if not _is_arrow_text(raw):
        return _clean(raw)
    low, high = _byte_range(raw)
    if low > ord(" ") and high < 0xC2:  # no space, control character or non-ASCII whitespace
        return raw.copy(deep=False)
    arr = _arrow_text(raw)
    rows = _rows_to_clean(arr)
    if len(rows) == 0:
        return raw.copy(deep=False)
    if len(rows) > len(arr) // 4:
        cleaned = _clean_arrow(arr)
    else:
        mask = np.zeros(len(arr), bool)
        mask[rows] = True
        cleaned = pc.replace_with_mask(arr, pa.array(mask), _clean_arrow(arr.take(rows)))
    return pd.Series(pd.array(cleaned, dtype=raw.dtype), index=raw.index, name=raw.name)


def _clean(raw: pd.Series) -> pd.Series:
    return raw.str.replace("\u2020", "", regex=False).str.replace(WS + "+", " ", regex=True).str.strip()


def _clean_arrow(arr: pa.Array) -> pa.Array:
    """``_clean`` as the pyarrow calls pandas makes for Arrow-backed text."""
    text = pc.replace_substring_regex(pc.replace_substring(arr, "\u2020", ""), WS + "+", " ")
    return pc.utf8_trim_whitespace(text)


def _rows_to_clean(arr: pa.LargeStringArray) -> np.ndarray:
    """The rows ``_clean`` may change (and a few it will not): two spaces in a row, a space at
    either end, a control character, or a byte that can start NBSP, the dagger or other Unicode
    whitespace (0xC2: U+0085, U+00A0; 0xE1: U+1680; 0xE2: U+2000-U+205F; 0xE3: U+3000)."""
    off, data = _buffers(arr)
    if len(data) == 0:
        return np.zeros(0, np.int64)
    space = data == ord(" ")
    suspect = ((data - np.uint8(9)) < 5) | ((data - np.uint8(0x1C)) < 4) | (data == 0xC2) | ((data - np.uint8(0xE1)) < 3)
    suspect[1:] |= space[1:] & space[:-1]
    flag = np.zeros(len(arr), bool)
    flag[np.searchsorted(off, np.flatnonzero(suspect), side="right") - 1] = True
    filled = off[1:] > off[:-1]
    flag |= filled & (space[np.minimum(off[:-1], len(data) - 1)] | space[off[1:] - 1])
    return np.flatnonzero(flag)


def _is_arrow_text(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"


def _byte_range(s: pd.Series) -> tuple[int, int]:
    """The lowest and highest byte in the UTF-8 text of an Arrow-backed column (255, 0 if none)."""
    arr = pa.array(s.array)
    low, high = 255, 0
    for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        if len(chunk):
            _, data = _buffers(chunk if chunk.type == pa.large_string() else chunk.cast(pa.large_string()))
            if len(data):
                low, high = min(low, int(data.min())), max(high, int(data.max()))
    return low, high


LEGAL_SUFFIX = r"(?: +(?:LTD|LIMITED|PLC|LLP|LP|CIC|CIO|INC|CO))+\.?$"


def name_key(names: pd.Series) -> pd.Series:
    """A matching key for payee names: 'Acme Limited.' and 'ACME LTD' -> 'ACME'.

    Case, punctuation, '&'/'and', a leading 'The' and trailing legal suffixes
    are ignored for the key (the suffix itself is kept in the name as evidence).
    """
    k = names
    if not (_is_arrow_text(names) and _byte_range(names)[1] < 0x80):  # NFKD leaves ASCII as it is
        k = k.str.normalize("NFKD").str.replace("[\u0300-\u036f]", "", regex=True)  # Café -> Cafe
    k = k.str.upper().str.replace("&", " AND ", regex=False)
    k = _runs_to_spaces(k).str.strip()
    k = k.str.replace(r"^THE +", "", regex=True)
    stripped = k.str.replace(LEGAL_SUFFIX, "", regex=True).str.strip()
    return stripped.where(stripped != "", k)


def _runs_to_spaces(k: pd.Series) -> pd.Series:
    """Every run of characters other than A-Z and 0-9 (spaces too) -> one space. In Arrow text,
    only the rows holding such a character other than a lone space are rewritten."""
    if not _is_arrow_text(k):
        return k.str.replace(r"[^A-Z0-9]+", " ", regex=True)
    arr = _arrow_text(k)
    rows = np.flatnonzero(_true(pc.match_substring_regex(arr, "[^A-Z0-9 ]|  ")))
    if len(rows) > len(arr) // 4:
        return k.str.replace(r"[^A-Z0-9]+", " ", regex=True)
    if len(rows) == 0:
        return k
    mask = np.zeros(len(arr), bool)
    mask[rows] = True
    spaced = pc.replace_with_mask(arr, pa.array(mask), pc.replace_substring_regex(arr.take(rows), "[^A-Z0-9]+", " "))
    return pd.Series(pd.array(spaced, dtype=k.dtype), index=k.index, name=k.name)
