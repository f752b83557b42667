"""What a column's values look like: organisation names, amounts of money, dates, registration
numbers. ``normalise.columns`` asks these when a header's words do not settle a role (a payee
column headed ``Name``, an amount column with no header). Each test reads a sample of the
column's distinct values with vectorised string operations and gives the share that fits and the
reason in words, for the column-mapping note."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from spendkit.distinct import as_text
from spendkit.normalise.identifiers import (
    normalise_charity_numbers,
    normalise_company_numbers,
    normalise_vat_numbers,
)

SAMPLE_ROWS = 5000  # the rows sampled from the top of a column
SAMPLE_DISTINCT = 2000  # at most this many of their distinct values are tested

# Words that end or mark an organisation's name, and the ways payees are redacted.
LEGAL_FORM = (r"(?i)\b(?:ltd|limited|plc|llp|cic|cio|inc|llc|company|council|trust|charity|association"
              r"|society|partnership|foundation|university|college|nhs|club|church)\b")
REDACTED = r"(?i)redacted|personal data|personal information|\bindividual\b|third party|withheld"
MONEY = r"\s*[£(+-]*\s*£?[\d,]*\.?\d+\s*\)?\s*(?:-|CR|DR|cr|dr)?\s*"
PENCE = r"\.\d\d\s*\)?\s*(?:-|CR|DR|cr|dr)?\s*$|£"
DATE = (r"\s*(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}(?:[ T][\d:.]+)?"
        r"|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2,4})(?:\s+[\d:.]+)?\s*")

NAMES_SHARE = 0.2  # of distinct values with a legal form or redaction marker: a payee column
NAME_MAX_WORDS = 8  # the typical (median) name has fewer words; sentences are descriptions
MOSTLY = 0.9  # of distinct values that must read as money, dates or a kind of number


@dataclass(frozen=True)
class Evidence:
    """How far a column's values fit a role: the share that fits, and why in words."""

    share: float
    why: str


def distinct_values(column: pd.Series) -> pd.Series:
    """The distinct non-empty values (stripped) among the column's first rows."""
    head = as_text(column.iloc[:SAMPLE_ROWS]).str.strip()
    return pd.Series(head[head != ""].unique()[:SAMPLE_DISTINCT], dtype="str")


def _pct(share: float) -> str:
    return f"{share:.0%}"


def organisation_names(column: pd.Series) -> Evidence | None:
    """Do the values look like payees' names: words, varied, short (not sentences), and a good
    share with a legal form (Ltd, Limited, PLC, CIC, Council, Trust...) or a redaction marker?"""
    d = distinct_values(column)
    if len(d) < 2:
        return None
    wordy = float(d.str.contains(r"[A-Za-z]{2}").mean())
    named = float((d.str.contains(LEGAL_FORM) | d.str.contains(REDACTED)).mean())
    sentences = d.str.count(r"\S+").median() > NAME_MAX_WORDS  # descriptions, not names
    if wordy < MOSTLY or named < NAMES_SHARE or sentences:
        return None
    return Evidence(named, f"values look like organisation names: {_pct(named)} of {len(d):,} distinct "
                           "values have a legal form (Ltd, Limited, PLC, CIC, Council, Trust...) "
                           "or are redacted")


def money(column: pd.Series) -> Evidence | None:
    """Do the values read as amounts of money, mostly with pence?"""
    d = distinct_values(column)
    if d.empty:
        return None
    amounts = float(d.str.fullmatch(MONEY).mean())
    pence = float(d.str.contains(PENCE).mean())
    if amounts < MOSTLY or pence < 0.5:
        return None
    return Evidence(amounts, f"values are amounts: {_pct(amounts)} of {len(d):,} distinct values read "
                             f"as money, {_pct(pence)} with pence")


def dates(column: pd.Series) -> Evidence | None:
    """Are the values written as dates (day, month and year)?"""
    d = distinct_values(column)
    if d.empty:
        return None
    share = float(d.str.fullmatch(DATE).mean())
    if share < MOSTLY:
        return None
    return Evidence(share, f"values are dates: {_pct(share)} of {len(d):,} distinct values")


def registration_numbers(column: pd.Series) -> tuple[str, Evidence] | None:
    """Which kind of registration number a column holds, if its values say so: UK VAT numbers
    (their check digits pass), company numbers (eight characters, some with a prefix such as SC
    or OC or a leading zero) or charity numbers (six or seven digits, or SC and six)."""
    d = distinct_values(column)
    d = d[d.str.contains(r"\d")]
    if d.empty:
        return None
    upper = d.str.upper().str.replace(r"[\s.\-/]+", "", regex=True)
    vat = float((normalise_vat_numbers(d) != "").mean())
    if vat >= MOSTLY and (len(d) >= 3 or upper.str.startswith("GB").all()):
        return "vat_number", Evidence(vat, f"values are UK VAT numbers: {_pct(vat)} of {len(d):,} "
                                           "distinct values pass HMRC's check digits")
    company = float((normalise_company_numbers(d) != "").mean())
    marked = float(upper.str.match(r"[A-Z]{2}\d|R\d{7}$|0").mean())
    if company >= MOSTLY and marked >= 0.3:
        return "company_number", Evidence(company, f"values are company numbers: {_pct(company)} of "
                                                   f"{len(d):,} distinct values, {_pct(marked)} with a "
                                                   "prefix (SC, OC, NI...) or a leading zero")
    charity = float((upper.str.fullmatch(r"\d{6,7}|SC\d{6}") & (normalise_charity_numbers(d) != "")).mean())
    if charity >= MOSTLY:
        return "charity_number", Evidence(charity, f"values are charity numbers: {_pct(charity)} of "
                                                   f"{len(d):,} distinct values have six or seven digits")
    return None
