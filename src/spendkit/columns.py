"""Which column is the payee, the amount, the date...: header spellings councils use.

Detection works on words, not exact strings: a header is split into words
(``BeneficiaryName`` -> beneficiary, name; ``Supplier (Beneficiary) Name`` ->
supplier, beneficiary, name), misspelt words are mended against a small
vocabulary ("Benificiary", "Catergory", "Directotate"), and each role has words
that must appear, words that rule a header out, and a rank among its
candidates. Column values then veto a payee column that is all one value,
looks like URIs or numbers. A user's mapping (``--column payee="Vendor Name"``)
always wins.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import ColumnError

if TYPE_CHECKING:
    import pandas as pd

# role -> (required words: any of these sets must be a subset of the header's words,
#          excluded words, base rank)
# Earlier alternatives rank higher.
ROLES: dict[str, dict[str, list]] = {
    "payee": {
        "any": [{"supplier", "name"}, {"beneficiary", "name"}, {"vendor", "name"}, {"payee", "name"},
                {"creditor", "name"}, {"merchant", "name"}, {"recipient", "name"},
                {"supplier"}, {"beneficiary"}, {"vendor"}, {"payee"}, {"creditor"}, {"merchant"},
                {"recipient"}, {"paid", "to"}, {"company", "name"}],
        "not": ["id", "number", "no", "code", "ref", "reference", "vat", "type", "postcode",
                "address", "category", "uri", "registration", "internal", "other", "group",
                "sme", "vcse", "country", "town", "city"],
    },
    "amount": {
        "any": [{"net"}, {"nett"}, {"amount"}, {"value"}, {"spend"}, {"total"}, {"paid"},
                {"gross"}],
        "not": ["vat", "irrecoverable", "date", "code", "type", "number", "no", "id", "ref",
                "description", "category", "count", "reference"],
        "allow_with": ["excludes", "excluding", "excl", "exc", "ex", "of"],  # "net of VAT"
        "allow": ["vat"],
    },
    "date": {
        "any": [{"payment", "date"}, {"paid", "date"}, {"date", "paid"}, {"date", "of", "payment"},
                {"clearing", "date"}, {"transaction", "date"}, {"posting", "date"},
                {"invoice", "date"}, {"date"}],
        "not": ["effective", "start", "end", "updated", "report", "due"],
    },
    "postcode": {"any": [{"postcode"}, {"post", "code"}, {"postal", "code"}, {"zip"}],
                 "not": []},
    "address": {"any": [{"address"}], "not": ["email", "web"]},
    "country": {"any": [{"country"}], "not": ["origin"]},
    "supplier_id": {
        "any": [{"supplier", "id"}, {"vendor", "id"}, {"supplier", "number"}, {"supplier", "no"},
                {"supplier", "ref"}, {"supplier", "reference"}, {"supplier", "code"},
                {"beneficiary", "id"}, {"creditor", "number"}, {"creditor", "id"},
                {"vendor", "number"}, {"supplier", "internal", "reference"}],
        "not": ["vat", "company", "charity"],
    },
    "department": {
        "any": [{"service", "area"}, {"directorate"}, {"department"}, {"organisational", "unit"},
                {"service", "division"}, {"portfolio"}, {"service", "label"}, {"division"},
                {"cost", "centre", "name"}, {"service"}, {"expense", "area"}],
        "not": ["code", "uri", "category", "expenditure"],
        # SeRCOP's "Directorate / Service Where Expenditure Incurred" (North Tyneside)
        "allow_with": ["directorate", "department"],
        "allow": ["expenditure"],
    },
    "expense_type": {
        "any": [{"expense", "type"}, {"expenses", "type"}, {"expenditure", "category"},
                {"expenditure", "type"}, {"purpose"}, {"gl", "description"}, {"subj", "description"},
                {"expense", "description"}, {"account", "description"}, {"merchant", "category"},
                {"category"}, {"type", "of", "expenditure"}],
        "not": ["code", "uri", "group"],
    },
    "company_number": {
        "any": [{"company", "number"}, {"company", "registration"}, {"company", "reg"},
                {"company", "no"}, {"companies", "house"}],
        "not": ["vat"],
    },
    "charity_number": {
        "any": [{"charity", "number"}, {"charity", "registration"}, {"charity", "no"},
                {"charity", "reg"}],
        "not": [],
    },
    "transaction_id": {
        "any": [{"transaction", "number"}, {"transaction", "no"}, {"transaction", "id"},
                {"transaction", "ref"}, {"trans", "no"}, {"transno"}, {"document", "no"},
                {"documentno"}, {"document", "number"}, {"invoice", "number"}],
        "not": [],
    },
    # Facts about the supplier: in supplier files, and as flags in some ledgers.
    "sme_flag": {"any": [{"sme"}, {"sme", "supplier"}, {"sme", "flag"}, {"small", "business"}],
                 "not": ["spend", "amount", "value"]},
    "vcse_flag": {"any": [{"vcse"}, {"vcfse"}, {"vcs"}, {"voluntary", "sector"}],
                  "not": ["grant", "spend", "amount", "value"]},
    "legal_form": {"any": [{"legal", "form"}, {"legal", "status"}, {"company", "type"},
                           {"company", "category"}, {"organisation", "type"}, {"entity", "type"}],
                   "not": []},
    "employees": {"any": [{"employees"}, {"staff"}, {"headcount"}, {"employee", "count"},
                          {"number", "of", "employees"}, {"fte"}], "not": []},
    "turnover": {"any": [{"turnover"}, {"annual", "turnover"}, {"revenue"}, {"income"}],
                 "not": []},
    "balance_sheet": {"any": [{"balance", "sheet"}, {"total", "assets"}], "not": []},
    "sector": {"any": [{"sector"}, {"supplier", "type"}, {"supplier", "category"}],
               "not": ["public", "sic"]},
    "large_group": {"any": [{"large", "group"}, {"part", "of", "group"}, {"parent", "company"},
                            {"ultimate", "parent"}, {"group", "member"}], "not": []},
    "publisher": {
        "any": [{"body", "name"}, {"body"}, {"organisation", "name"}, {"organisation", "label"},
                {"organisation"}, {"council"}, {"authority", "name"}, {"authority"}, {"client"},
                {"entity"}, {"departmental", "family"}],
        "not": ["uri", "unit"],
    },
}
REQUIRED_ROLES = ("payee", "amount")
FACT_ROLES = ("sme_flag", "vcse_flag", "legal_form", "employees", "turnover", "balance_sheet",
              "sector", "large_group")
SUPPLIER_FILE_ROLES = ("payee", "supplier_id", "postcode", "address", "company_number",
                       "charity_number", "country", *FACT_ROLES)
# In a supplier file there is no publisher, so a plain "Name" is the supplier's name.
SUPPLIER_FILE_NAMES = ({"name"}, {"organisation", "name"}, {"supplier"}, {"organisation"})
# Roles read from the header alone; order decides who claims a column first.
ROLE_ORDER = ("publisher", "payee", "amount", "date", "postcode", "supplier_id", "company_number",
              "charity_number", "transaction_id", "department", "expense_type", "address", "country",
              "sme_flag", "vcse_flag")

VOCABULARY = sorted({w for spec in ROLES.values() for alt in spec["any"] for w in alt} | {
    "organisational", "expenditure", "registration", "description", "beneficiary", "category",
    "directorate", "organisation", "transaction", "department", "irrecoverable", "reference"})


@lru_cache(maxsize=4096)
def words(header: str) -> tuple[str, ...]:
    """A header as lower-case words, camelCase split and misspellings mended."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", header.strip())
    raw = [w for w in re.split(r"[^A-Za-z0-9]+", text.lower()) if w]
    return tuple(_mend(w) for w in raw)


MEND_CUTOFF = 0.85  # how close (difflib's ratio) a misspelling must be to a vocabulary word
_ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789"  # what ``words`` leaves in a word


@lru_cache(maxsize=8192)
def _mend(word: str) -> str:
    if len(word) < 7 or word in VOCABULARY:
        return word
    match = difflib.get_close_matches(word, _could_match(word), n=1, cutoff=MEND_CUTOFF)
    return match[0] if match else word


def _could_match(word: str) -> list[str]:
    """The vocabulary words that pass difflib's own quick test for ``word`` (enough letters in
    common, counted with repeats, for a ratio of MEND_CUTOFF), found in one array operation:
    get_close_matches would otherwise test every word of the vocabulary one by one."""
    import numpy as np

    counts, lengths = _vocabulary_counts()
    common = np.minimum(counts, [word.count(c) for c in _ALPHANUMERIC]).sum(axis=1)
    return [VOCABULARY[i] for i in np.flatnonzero(2.0 * common / (lengths + len(word)) >= MEND_CUTOFF)]


@lru_cache(maxsize=1)
def _vocabulary_counts() -> tuple[Any, Any]:
    import numpy as np

    return (np.array([[w.count(c) for c in _ALPHANUMERIC] for w in VOCABULARY]),
            np.array([len(w) for w in VOCABULARY]))


def role_rank(header: str, role: str) -> int:
    """How well a header names a role: 0 for not at all, higher is better."""
    spec = ROLES[role]
    ws = set(words(header))
    if not ws:
        return 0
    excluded = ws & set(spec["not"])
    if excluded and ws & set(spec.get("allow_with", [])):
        excluded -= set(spec.get("allow", []))
    if excluded:
        return 0
    alts = spec["any"]
    for i, alt in enumerate(alts):
        if alt <= ws:
            return len(alts) - i
    return 0


def header_score(row: Sequence[str]) -> float:
    """How much a row looks like a ledger header (used to find it below title rows)."""
    cells = [c for c in row if c and c.strip()]
    if len(cells) < 2:
        return 0.0
    roles = {r for c in cells for r in ROLE_ORDER if role_rank(c, r)}
    if not roles & set(REQUIRED_ROLES):
        return 0.0
    numeric = sum(1 for c in cells if re.fullmatch(r"[\s£$€()\-+.,\d]+", c))
    return len(roles) + 0.01 * len(cells) - numeric


@dataclass
class ColumnMap:
    """Which header each role was read from, and why."""

    roles: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def get(self, role: str) -> str | None:
        return self.roles.get(role)


def detect_columns(frame: pd.DataFrame, source: str,
                   overrides: Mapping[str, str] | None = None, *, kind: str = "ledger") -> ColumnMap:
    """Assign headers to roles. Raises ColumnError when payee or amount cannot be found.

    ``kind="suppliers"`` reads a supplier file: no amount, and either a name or an id.
    """
    headers = list(frame.columns)
    order = ROLE_ORDER if kind == "ledger" else SUPPLIER_FILE_ROLES
    if kind == "suppliers":  # spendkit's own information columns (spendkit suppliers) are not facts
        frame = frame[[h for h in headers if not h.lower().startswith("spendkit")]]
        headers = list(frame.columns)
    overrides = dict(overrides or {})
    cmap = ColumnMap()
    for role, header in overrides.items():
        if role not in ROLES:
            raise ColumnError(f"--column {role}=...: '{role}' is not a column role.",
                              hint=f"Roles: {', '.join(r for r in ROLE_ORDER if r != 'publisher')}.")
        match = _find_header(header, headers)
        if match is None:
            raise ColumnError(f"{source}: --column {role}=\"{header}\" names no column in this file.",
                              hint=_headers_hint(headers))
        cmap.roles[role] = match
        cmap.notes.append(f"{role}: '{match}' (as mapped)")
    taken = set(cmap.roles.values())
    for role in order:
        if role in cmap.roles:
            continue
        ranked = sorted(((role_rank(h, role), -i, h) for i, h in enumerate(headers) if h not in taken),
                        reverse=True)
        ranked = [r for r in ranked if r[0] > 0]
        chosen = _choose(role, [h for _, _, h in ranked], frame, cmap)
        if chosen:
            cmap.roles[role] = chosen
            taken.add(chosen)
    if "payee" not in cmap.roles and kind == "suppliers":
        for h in headers:
            if h not in taken and set(words(h)) in SUPPLIER_FILE_NAMES:
                cmap.roles["payee"] = h
                break
    if "payee" not in cmap.roles:
        _payee_from_values(frame, cmap, taken)
    if kind == "suppliers":
        if not {"payee", "supplier_id"} & set(cmap.roles):
            raise ColumnError(f"{source}: cannot find a supplier name or supplier id column.",
                              hint=_headers_hint(headers) + '\nMap one with --column payee="<header>".')
        return cmap
    missing = [r for r in REQUIRED_ROLES if r not in cmap.roles]
    if missing:
        raise ColumnError(
            f"{source}: cannot find the {' and '.join(missing)} column{'s' if len(missing) > 1 else ''}.",
            hint=_headers_hint(headers) + "\nMap them with, e.g., "
            + " ".join(f'--column {r}="<header>"' for r in missing)
            + " (or a [columns] table in spendkit.toml).")
    return cmap


def _choose(role: str, candidates: list[str], frame: pd.DataFrame, cmap: ColumnMap) -> str | None:
    for header in candidates:
        if role == "payee":
            why = _not_a_name(frame[header])
            # Web addresses and numbers are never names; an empty or single-valued column
            # is passed over only when another candidate remains.
            soft = why is not None and why.startswith(("it is empty", "every value"))
            if why and not (soft and header == candidates[-1]):
                cmap.notes.append(f"payee: skipped '{header}' ({why})")
                continue
        if role == "amount":
            # Values only choose between candidates: a lone amount column is kept even when
            # its values are bad (each bad value then rejects its row, with the reason).
            if _share_numeric(frame[header]) < 0.5 and header != candidates[-1]:
                cmap.notes.append(f"amount: skipped '{header}' (its values are mostly not amounts)")
                continue
            others = [h for h in candidates if h != header]
            cmap.notes.append(f"amount: '{header}'" + (f" (also found {', '.join(repr(o) for o in others)};"
                                                       f" use --column amount=... to change)" if others else ""))
        elif role in ("payee", "date", "postcode"):
            cmap.notes.append(f"{role}: '{header}'")
        return header
    return None


def _payee_from_values(frame: pd.DataFrame, cmap: ColumnMap, taken: set[str]) -> None:
    """Last resort: a supplier/vendor column named like an id whose values are plainly names."""
    for header in frame.columns:
        ws = set(words(header))
        if (header in taken and cmap.roles.get("supplier_id") != header) \
                or not ws & {"supplier", "vendor", "beneficiary", "payee"}:
            continue
        if _not_a_name(frame[header]) is None and _share_alpha(frame[header]) > 0.8:
            cmap.roles["payee"] = header
            cmap.notes.append(f"payee: '{header}' (named like an id, but its values are names)")
            if cmap.roles.get("supplier_id") == header:
                del cmap.roles["supplier_id"]
            return


def _sample(col: pd.Series, n: int = 2000) -> pd.Series:
    s = col.iloc[:n]
    return s[s.str.strip() != ""]


def _not_a_name(col: pd.Series) -> str | None:
    s = _sample(col)
    if s.empty:
        return "it is empty"
    if len(s) > 5 and s.nunique() == 1:
        return f"every value is '{s.iloc[0]}'"
    if s.str.match(r"^\s*(https?://|www\.)").mean() > 0.5:
        return "its values are web addresses"
    if s.str.fullmatch(r"[\s\d./_-]+").mean() > 0.8:
        return "its values are numbers or codes"
    return None


def _share_numeric(col: pd.Series) -> float:
    s = _sample(col)
    if s.empty:
        return 0.0  # an empty column is no amount column (e.g. 360Giving's "Amount Applied For")
    return float(s.str.fullmatch(r"\s*[£(+-]*\s*£?[\d,]*\.?\d+\s*\)?\s*(-|CR|DR|cr|dr)?\s*").mean())


def _share_alpha(col: pd.Series) -> float:
    s = _sample(col)
    return float(s.str.contains(r"[A-Za-z]{3}").mean()) if not s.empty else 0.0


def _find_header(wanted: str, headers: list[str]) -> str | None:
    if wanted in headers:
        return wanted
    key = _key(wanted)
    for h in headers:
        if _key(h) == key:
            return h
    return None


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _headers_hint(headers: list[str]) -> str:
    return "Headers found: " + ", ".join(f"'{h}'" for h in headers) + "."
