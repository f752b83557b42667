"""Which column is the payee, the amount, the date...: headers read by their words (see
``read.headers``: the spellings councils use, misspellings mended). Column values then veto a
payee column that is all one value, looks like URIs or numbers; and a role the headers leave
unfilled is looked for by the values (``normalise.content``: a payee column headed ``Name``, an
amount column with no header, a ``Registration Number`` holding VAT numbers), never in a column
a header already names. A user's mapping (``--column payee="Vendor Name"``) always wins.

``ColumnMap.notes`` is the one place the mapping is explained (``inputs[].notes`` of the
classify JSON): ``payee: 'Name' (values look like organisation names: ...)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spendkit.errors import ColumnError
from spendkit.normalise import content
from spendkit.read.headers import (
    REQUIRED_ROLES,
    ROLE_ORDER,
    ROLES,
    SUPPLIER_FILE_NAMES,
    SUPPLIER_FILE_ROLES,
    role_rank,
    words,
)

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class ColumnMap:
    """Which header each role was read from, and why."""

    roles: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def get(self, role: str) -> str | None:
        return self.roles.get(role)

    def assign(self, role: str, header: str, why: str | None = None) -> None:
        """Read ``role`` from ``header``, saying why in the notes when it is not the header's words."""
        self.roles[role] = header
        self.notes.append(f"{role}: '{header}'" + (f" ({why})" if why else ""))


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
    _roles_from_values(frame, cmap, kind)
    if kind == "suppliers":
        if not {"payee", "supplier_id"} & set(cmap.roles):
            raise ColumnError(f"{source}: cannot find a supplier name or supplier id column.",
                              hint=_headers_hint(headers) + '\nMap one with --column payee="<header>".')
        return cmap
    missing = [r for r in REQUIRED_ROLES if r not in cmap.roles]
    if "amount" in missing and (numbers := _registration_columns(frame, cmap)):
        raise ColumnError(
            f"{source}: this looks like a list of organisations ({', '.join(numbers)}), not a payment "
            "ledger: it has no amount column.",
            hint=_headers_hint(headers) + "\nspendkit classifies payment ledgers (a payee and an amount on "
            "each row). A register or a lookup table (charity <-> company numbers) is installed once "
            f"with: spendkit registers add {source}; a register for one run goes with --companies, "
            "--charities, --oscr, --ccni or --mutuals; a list of your suppliers with --suppliers.")
    if missing:
        raise ColumnError(
            f"{source}: cannot find the {' and '.join(missing)} column{'s' if len(missing) > 1 else ''}.",
            hint=_headers_hint(headers) + "\nMap them with, e.g., "
            + " ".join(f'--column {r}="<header>"' for r in missing)
            + " (or a [columns] table in spendkit.toml).")
    return cmap


ORG_ID = r"\s*GB-(?:COH|CHC|SC|NIC|MPR)-\w+\s*"
NUMBER_WORDS = {"company_number": "company numbers", "charity_number": "charity numbers",
                "vat_number": "VAT numbers"}


def _registration_columns(frame: pd.DataFrame, cmap: ColumnMap) -> list[str]:
    """What in a file says it lists organisations: its registration-number and org-id columns."""
    found = [f"{what} in '{cmap.roles[role]}'" for role, what in NUMBER_WORDS.items() if role in cmap.roles]
    taken = set(cmap.roles.values())
    return found + [f"org-ids in '{h}'" for h in frame.columns
                    if h not in taken and _sample(frame[h]).str.fullmatch(ORG_ID).mean() > 0.5]


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
            cmap.assign("payee", header, "named like an id, but its values are names")
            if cmap.roles.get("supplier_id") == header:
                del cmap.roles["supplier_id"]
            return


REGISTRATION_WORDS = {"reg", "registration", "registered", "regno", "crn"}
PUBLISHERS = 3  # a column read as the publisher with more distinct names than this may be the payee
NAME_BONUS = 0.25  # a header with the word "name" counts for this much share of named values


def _roles_from_values(frame: pd.DataFrame, cmap: ColumnMap, kind: str) -> None:
    """Roles the headers left unfilled, found by the columns' values (``normalise.content``):
    the payee, the amount and the date, and a registration number's kind. Only columns no role
    has claimed, whose header has none of the role's excluded words, are looked at; the payee
    may also be a column taken for the publisher (``Entity Name``), when its values are many
    names, more than a few bodies'."""
    taken = set(cmap.roles.values())

    def free(role: str) -> list[str]:
        return [h for h in frame.columns if h not in taken and not set(words(h)) & set(ROLES[role]["not"])]

    def best(role: str, found: list[tuple[float, int, str, content.Evidence]]) -> None:
        if found:
            _, _, header, evidence = max(found)
            cmap.assign(role, header, evidence.why)
            taken.add(header)

    if "payee" not in cmap.roles:
        publisher = cmap.get("publisher")
        if publisher and _sample(frame[publisher]).nunique() <= PUBLISHERS:
            publisher = None  # a publisher column holds one body, or a few
        found = [(ev.share + NAME_BONUS * ("name" in words(h)), -i, h, ev)
                 for i, h in enumerate([*free("payee"), *([publisher] if publisher else [])])
                 if (ev := content.organisation_names(frame[h]))]
        if found and max(found)[2] == publisher:
            del cmap.roles["publisher"]
        best("payee", found)
    if kind == "ledger":
        for role, test in (("amount", content.money), ("date", content.dates)):
            if role not in cmap.roles:
                best(role, [(ev.share, -i, h, ev) for i, h in enumerate(free(role)) if (ev := test(frame[h]))])
    for header in [h for h in frame.columns if h not in taken and set(words(h)) & REGISTRATION_WORDS]:
        kind_of = content.registration_numbers(frame[header])
        if kind_of and kind_of[0] not in cmap.roles:
            cmap.assign(kind_of[0], header, kind_of[1].why)
            taken.add(header)
    # (A file with no amount is a list of organisations, refused as such with its org-id columns.)
    if "charity_number" not in cmap.roles and (kind != "ledger" or "amount" in cmap.roles):
        _charity_org_ids(frame, cmap, taken)


ANY_ORG_ID = r"(?i)\s*(?:[A-Z]{2}-[A-Z]{2,6}|360G)-\S+\s*"  # GB-CHC-1062692, GB-COH-..., 360G-...
CHARITY_ORG_ID = r"(?i)\s*GB-(?:CHC|SC|NIC)-"


def _charity_org_ids(frame: pd.DataFrame, cmap: ColumnMap, taken: set[str]) -> None:
    """An org-id column ('Org ID', 360Giving's 'Recipient Org:Identifier') whose values include
    charities' org-ids (GB-CHC-, GB-SC-, GB-NIC-) is read as the charity number where no column
    holds one: the other org-ids in it (companies, unregistered groups) are counted as not
    charity numbers, and the payments kept."""
    for header in frame.columns:
        if header in taken:
            continue
        values = _sample(frame[header]).astype("str").str.strip()
        values = values[values != ""]
        if values.empty or values.str.fullmatch(ANY_ORG_ID).mean() < 0.5:
            continue
        charities = values.str.match(CHARITY_ORG_ID)
        if charities.any():
            cmap.assign("charity_number", header,
                        f"values are org-ids, {charities.mean():.0%} of them charities' (GB-CHC-, GB-SC-, "
                        "GB-NIC-): read as charity numbers")
            taken.add(header)
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
