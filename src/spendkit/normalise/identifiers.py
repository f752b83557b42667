"""Registration numbers in the forms the registers write them: company numbers (Companies House),
charity numbers (the three charity registers) and UK VAT numbers (HMRC, with its check digits).

Ledgers write them every which way (``4869035`` for ``04869035``, ``sc 12345``, ``108 2470 36``,
``GB-COH-01234567``). Each parser takes text and gives the register's form, or "" for a value that
is not a number of that kind: a bad shape or check digit is never a rejection of the payment, only
a note (``parse_identifiers``). The registers' readers use the same parsers, so a ledger's number
and a register's meet in one form. All work is vectorised string and array operations, run once
per distinct value.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from spendkit.distinct import factorize, spread_categorical

_SEPARATORS = r"[\s.\-/]+"


def _text(raw: pd.Series) -> pd.Series:
    if not isinstance(raw.dtype, pd.StringDtype):
        raw = raw.astype(object)
    return raw.fillna("").astype("str")


def normalise_company_numbers(raw: pd.Series) -> pd.Series:
    """Company numbers as Companies House writes them: '4142000' -> '04142000',
    'sc 12345' -> 'SC012345', 'GB-COH-01234567' -> '01234567'; '' when not a company number
    (eight characters: eight digits, or a two-letter prefix such as SC, NI, OC, SO, NC, CE and six
    digits, or R and seven digits)."""
    t = _text(raw).str.upper().str.replace(_SEPARATORS, "", regex=True)
    t = t.str.replace(r"^GBCOH", "", regex=True)
    digits = t.str.fullmatch(r"\d{1,8}")
    t = t.where(~digits, t.str.zfill(8))
    parts = t.str.extract(r"^([A-Z]{2})(\d{1,6})$")
    prefixed = parts[0].notna()
    if prefixed.any():
        t = t.where(~prefixed, parts[0].fillna("") + parts[1].fillna("").str.zfill(6))
    valid = t.str.fullmatch(r"[A-Z0-9]{8}") & ~t.str.fullmatch(r"[A-Z]{0,2}0+")
    return t.where(valid, "")


def normalise_charity_numbers(raw: pd.Series) -> pd.Series:
    """Charity numbers as the registers write them: '1234567', 'SC012345', '100001' (NI).

    Accepts org-ids (GB-CHC-1234567, GB-SC-SC012345, GB-NIC-100001), 'NIC100001',
    a linked charity's '1234567-1' (-> its main charity) and leading zeros."""
    t = _text(raw).str.upper().str.replace(r"\s+", "", regex=True)
    t = t.str.replace(r"^GB-?(?:CHC|SC|NIC)-?", "", regex=True).str.replace(r"^NIC", "", regex=True)
    t = t.str.replace(r"^(\d+)[-/]\d+$", r"\1", regex=True)
    sc = t.str.extract(r"^SC(\d{1,6})$")[0]
    t = t.where(sc.isna(), "SC" + sc.fillna("").str.zfill(6))
    t = t.where(~t.str.fullmatch(r"\d+"), t.str.lstrip("0"))
    valid = t.str.fullmatch(r"\d{5,8}|SC\d{6}") & (t != "SC000000")
    return t.where(valid, "")


_VAT_WEIGHTS = np.array([8, 7, 6, 5, 4, 3, 2])


def normalise_vat_numbers(raw: pd.Series) -> pd.Series:
    """UK VAT numbers as HMRC writes them: 'GB' and nine digits (twelve with a branch), or
    GBGD/GBHA and three digits (government departments, health authorities): '108 2470 36' ->
    'GB108247036'. '' when the shape is wrong or the check digits fail HMRC's modulus 97 test
    (the weighted sum of the first seven digits, plus the last two, plus 0 or 55, divisible by
    97)."""
    t = _text(raw).str.upper().str.replace(_SEPARATORS, "", regex=True).str.replace(r"^GB", "", regex=True)
    standard = t.str.fullmatch(r"\d{9}(?:\d{3})?").to_numpy(dtype=bool)
    valid = t.str.fullmatch(r"(?:GD|HA)\d{3}").to_numpy(dtype=bool, copy=True)
    if standard.any():
        nine = t[standard].str.slice(0, 9)
        digits = np.frombuffer("".join(nine).encode("ascii"), dtype=np.uint8).reshape(-1, 9) - ord("0")
        total = digits[:, :7].astype(np.int64) @ _VAT_WEIGHTS + digits[:, 7] * 10 + digits[:, 8]
        valid[standard] = (total % 97 == 0) | ((total + 55) % 97 == 0)
    return ("GB" + t).where(valid, "")


PARSERS: dict[str, tuple[Callable[[pd.Series], pd.Series], str]] = {
    "company_number": (normalise_company_numbers, "company numbers"),
    "charity_number": (normalise_charity_numbers, "charity numbers"),
    "vat_number": (normalise_vat_numbers, "UK VAT numbers (shape or check digits)"),
}


def parse_identifiers(raw: pd.Series, role: str, column: str) -> tuple[pd.Series, list[str]]:
    """A ledger's identifier column in the register's form (a Categorical; "" where none), and a
    note counting the values that hold digits but are not a number of this kind (kept as none:
    the payment is still counted). Placeholders with no digit ('Not yet available', 'N/A') are
    simply none."""
    parse, what = PARSERS[role]
    if isinstance(raw.dtype, pd.CategoricalDtype):
        codes = raw.cat.codes.to_numpy()
        uniques = pd.Series(raw.cat.categories, dtype="str")
        if (codes < 0).any():
            codes = np.where(codes < 0, len(uniques), codes)
            uniques = pd.concat([uniques, pd.Series([""], dtype="str")], ignore_index=True)
    else:
        codes, index = factorize(raw)
        uniques = pd.Series(index, dtype="str")
    text = uniques.str.strip()
    parsed = parse(text)
    bad = ((parsed == "") & text.str.contains(r"\d")).to_numpy(dtype=bool)
    notes = []
    if bad.any():
        rows = int(np.bincount(codes, minlength=len(text))[bad].sum())
        example = text[bad].iloc[0]
        notes.append(f"{role}: {rows:,} value(s) in '{column}' are not {what} (e.g. '{example}'); "
                     "kept as none (the payments are counted)")
    return spread_categorical(parsed.reset_index(drop=True), codes, raw.index), notes
