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


def charity_register(numbers: pd.Series) -> pd.Series:
    """The register a charity number (in the register's form) belongs to, "" where its shape is
    no register's: 'England and Wales' (200000 to 1299999), 'Northern Ireland' (100000 to
    199999, written NIC100001), 'Scotland' (SC and six digits starting 0). Stricter than
    ``normalise_charity_numbers``: five or eight digits are not read as evidence (a company
    number in the charity column, a typo)."""
    t = _text(numbers).str.strip()
    digits = t.where(t.str.fullmatch(r"\d{6,7}"), "")
    value = pd.to_numeric(digits.where(digits != "", None), errors="coerce")
    out = pd.Series("", index=t.index, dtype="str")
    out = out.mask((value >= 200000) & (value < 1300000), "England and Wales")
    out = out.mask((value >= 100000) & (value < 200000), "Northern Ireland")
    return out.mask(t.str.fullmatch(r"SC0\d{5}"), "Scotland")


# A charity number printed in a payee's name is read only with a word that says what it is:
# after "charity" ("REG.CHARITY 1062692", "CHARITY NUMBER 1151677", "Registered Charity No:
# 326550"), after "CIO"/"SCIO", or as an org-id (GB-CHC-1062692). A bare
# number ("RINGTONS LTD (387786)", "CO-OP GROUP 190294") is a publisher's supplier or store
# reference far more often than a charity number (docs/accuracy.md measures it on the real
# ledgers: none of them was one), so it is not read.
_NUMBER_IN_NAME = (r"(?:\bGB-?(?:CHC|SC|NIC)-?|\bCHARITY(?:\s*(?:REG(?:ISTRATION|ISTERED)?|NO|NUMBER|NUM)\b\.?)*"
                   r"\s*[:#.]?\s*|\bS?CIO\s*(?:REG(?:ISTRATION)?\s*)?(?:(?:NO|NUMBER|NUM)\b\.?)?\s*[:#.]?\s*)"
                   r"((?:SC|NIC?)?\s?0?\d{5,7})\b")


def charity_numbers_in_names(names: pd.Series) -> pd.Series:
    """A charity number printed in each payee name, in the register's form ("" where none or
    where the number is no register's shape: ``charity_register``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = _text(names)
    out = pd.Series("", index=text.index, dtype="str")
    # The few names that may hold one are found in RE2 over the whole column; only those are
    # read in full.
    maybe = pc.match_substring_regex(pa.array(text.astype("str"), type=pa.large_string()),
                                     r"CHARIT|\bS?CIO\b|GB-?(?:CHC|SC|NIC)", ignore_case=True)
    maybe = maybe.to_numpy(zero_copy_only=False)
    if not maybe.any():
        return out
    found = text[maybe].str.upper().str.extract(_NUMBER_IN_NAME, expand=False).fillna("")
    number = normalise_charity_numbers(found.str.replace(r"^NIC?", "", regex=True))
    number = number.where(charity_register(number) != "", "")
    out[maybe] = number.to_numpy()
    return out
