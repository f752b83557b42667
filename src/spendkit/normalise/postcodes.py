"""UK postcodes as text: normalise, validate, and pull one out of an address.

Only the shape is checked here (outward code, space, inward code). Whether a
postcode exists, and where, is the ONS Postcode Directory's to say
(``reference.postcode_index.PostcodeIndex``). Nothing is guessed: a value that is not a
postcode stays unknown, with the reason.
"""

from __future__ import annotations

import pandas as pd

# Outward code (A9, A99, A9A, AA9, AA99, AA9A) + inward code (9AA); GIR 0AA is Girobank's.
# NPT is the old Newport outward code, still in the directory for terminated postcodes.
COMPACT = r"(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA|NPT[0-9][A-Z]{2})"
_IN_TEXT = r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b"


def compact(raw: pd.Series) -> pd.Series:
    """'wn1  1yn ' -> 'WN11YN'; no validation."""
    return raw.str.upper().str.replace("[ \t\r\n\f\v\xa0]+", "", regex=True)  # RE2-safe: no \\s


def normalise(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Postcode text -> ('WN1 1YN' or '', reason '' / 'not a UK postcode' / 'no postcode')."""
    c = compact(raw)
    valid = c.str.fullmatch(COMPACT)
    formatted = (c.str.slice(0, -3) + " " + c.str.slice(-3)).where(valid, "")
    reasons = pd.Series("", index=raw.index, dtype="str")
    reasons = reasons.mask(~valid, "'" + raw.str.strip().str.slice(0, 20) + "' is not a UK postcode")
    reasons = reasons.mask(c == "", "no postcode")
    return formatted, reasons


def extract(address: pd.Series) -> pd.Series:
    """The last postcode-shaped token in an address ('' where there is none)."""
    found = address.str.upper().str.extractall(_IN_TEXT)
    out = pd.Series("", index=address.index, dtype="str")
    if found.empty:
        return out
    last = found.groupby(level=0).last()
    out.loc[last.index] = last[0] + " " + last[1]
    return out
