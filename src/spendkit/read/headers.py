"""Header words: which role a header cell names (payee, amount, date...), the spellings councils
use, and how header-like a row is. Detection works on words, not exact strings: a header is split
into words (``BeneficiaryName`` -> beneficiary, name), misspelt words are mended against a small
vocabulary ("Benificiary", "Catergory"), and each role has words that must appear, words that
rule a header out, and a rank among its candidates."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

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
                "sme", "vcse", "country", "town", "city", "voluntary", "enterprise", "registered"],
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
                {"company", "no"}, {"companies", "house"}, {"comp", "reg"}, {"comp", "no"},
                {"registered", "company"}, {"crn"}],
        "not": ["vat", "charity"],
    },
    "charity_number": {
        "any": [{"charity", "number"}, {"charity", "registration"}, {"charity", "no"},
                {"charity", "reg"}, {"registered", "charity"}],
        "not": ["vat"],
    },
    "vat_number": {
        "any": [{"vat", "registration"}, {"vat", "reg"}, {"vat", "number"}, {"vat", "no"},
                {"vat", "regno"}, {"vatno"}],
        "not": ["amount", "value", "rate", "code"],
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
    "vcse_flag": {"any": [{"vcse"}, {"vcfse"}, {"vcs"}, {"voluntary", "sector"},
                          {"voluntary", "community"}, {"social", "enterprise"}, {"third", "sector"},
                          {"voluntary", "organisation"}, {"charity", "voluntary"}],
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
        # "VCSE Organisation (Y/N)", "Third Sector Organisation?": a flag, not the publisher
        "not": ["uri", "unit", "vcse", "vcfse", "vcs", "voluntary", "third", "social", "charity", "sme",
                "enterprise", "type"],
    },
}
REQUIRED_ROLES = ("payee", "amount")
FACT_ROLES = ("sme_flag", "vcse_flag", "legal_form", "employees", "turnover", "balance_sheet",
              "sector", "large_group")
SUPPLIER_FILE_ROLES = ("payee", "supplier_id", "postcode", "address", "company_number",
                       "charity_number", "vat_number", "country", *FACT_ROLES)
# In a supplier file there is no publisher, so a plain "Name" is the supplier's name.
SUPPLIER_FILE_NAMES = ({"name"}, {"organisation", "name"}, {"supplier"}, {"organisation"})
# Roles read from the header alone; order decides who claims a column first.
ROLE_ORDER = ("publisher", "payee", "amount", "date", "postcode", "supplier_id", "company_number",
              "charity_number", "vat_number", "transaction_id", "department", "expense_type", "address", "country",
              "sme_flag", "vcse_flag")

VOCABULARY = sorted({w for spec in ROLES.values() for alt in spec["any"] for w in alt} | {
    "organisational", "expenditure", "registration", "description", "beneficiary", "category",
    "directorate", "organisation", "transaction", "department", "irrecoverable", "reference"})


@lru_cache(maxsize=4096)
def words(header: str) -> tuple[str, ...]:
    """A header as lower-case words, camelCase split (an acronym too: ``VATRegistrationNumber``
    -> vat, registration, number) and misspellings mended."""
    text = re.sub(r"([a-z])([A-Z])|([A-Z])([A-Z][a-z])", r"\1\3 \2\4", header.strip())
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


HEADER_MAX_WORDS = 12  # the longest real header seen has 7 ("Voluntary Community and Social Enterprise Supplier")


def role_rank(header: str, role: str) -> int:
    """How well a header names a role: 0 for not at all, higher is better. A cell of more
    than HEADER_MAX_WORDS words is a sentence (a description in a data dictionary, a note),
    not a header, whatever words it holds."""
    spec = ROLES[role]
    listed = words(header)
    ws = set(listed)
    if not ws or len(listed) > HEADER_MAX_WORDS:
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


_SQL = re.compile(r"(?i)^\W*(?:sql\b|select\b|from\b|where\b|and\b|or\b|inner join\b|left join\b|join\b"
                  r"|order by\b|group by\b|query\b|columns\b)")
_PARAMETER = re.compile(r"(?i)^[^:]{1,40}:\W*\S|\b(?:parameters?|criteria|run (?:date|by)|report date)\b")
_PIVOT = re.compile(r"(?i)^(?:sum|count|average) of\b|row labels|grand total")


def preamble_note(rows: Sequence[Sequence[str]], header_row: int) -> str | None:
    """What the rows above a header are, in a note: SQL text (a query pasted above its result),
    report parameters, a pivot table's title, or a title; None when they are all blank."""
    lines = [" ".join(c.strip() for c in r if c and c.strip()) for r in rows]
    text = [t for t in lines if t]
    if not text:
        return None
    kinds = (("SQL text", _SQL), ("a pivot table's title", _PIVOT), ("report parameters", _PARAMETER))
    kind = next((k for k, pattern in kinds if sum(bool(pattern.search(t)) for t in text) * 2 >= len(text)),
                "a title")
    excerpt = text[0] if len(text[0]) <= 60 else text[0][:57] + "..."
    return (f"{len(rows):,} row(s) above the header (row {header_row:,}) are not data but {kind}: "
            f"'{excerpt}'")
