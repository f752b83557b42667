"""Procurement notices in the Open Contracting Data Standard (Contracts Finder, Find a Tender)
-> the common frame: one row per supplier, with its address postcode, Companies House or
charity number where the notice gives one, and its own SME and VCSE declarations.

Accepted as published: JSON lines (one release, release package or record package per line), a
release package (``{"releases": [...]}``), a record package (``{"records": [{"compiledRelease":
...}]}``), a single release or a list of releases; or the zip holding one such file. A supplier
named in several notices is kept once, as the latest notice describes it.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any

import pandas as pd

from spendkit.errors import InputFileError
from spendkit.normalise import postcodes
from spendkit.normalise.values import clean_text, name_key
from spendkit.reference.registries.common import (
    COLUMNS,
    PathLike,
    normalise_charity_numbers,
    normalise_company_numbers,
)
from spendkit.reference.registries.files import check_path

# OCDS identifier schemes (org-id prefixes) spendkit resolves, and the register each is
SCHEMES = {"GB-COH": "companies_house", "GB-CHC": "charity_commission", "GB-SC": "oscr",
           "GB-NIC": "ccni", "GB-MPR": "mutuals"}
_HINT = "Download the notices again (a file cut short by a failed download shows this)."


def read_ocds(path: PathLike) -> pd.DataFrame:
    """OCDS notices -> the common frame (``registry`` "ocds"), one row per supplier. JSON lines
    are read a line at a time (a year of notices is gigabytes); a single JSON document whole."""
    p = Path(path)
    check_path(p, "ocds")
    opener, source = _opener(p)
    suppliers: list[dict[str, str]] = []
    releases = 0
    for release in iter_releases(opener, source):
        releases += 1
        suppliers.extend(_suppliers(release))
    notes: list[str] = []
    if releases == 0:
        raise InputFileError(f"{source}: holds no OCDS release.",
                             hint="Expected OCDS releases or a release/record package (JSON or JSON lines).")
    frame = pd.DataFrame(suppliers, columns=["org_id", "number", "scheme", "name", "address",
                                             "postcode", "scale", "vcse", "date"], dtype="str")
    out = _common(frame)
    unnamed = out["org_id"] == ""
    if unnamed.any():
        notes.append(f"{source}: {int(unnamed.sum())} supplier(s) without an identifier skipped")
    # the latest notice's description of each supplier
    order = frame["date"][~unnamed.to_numpy()].sort_values(kind="stable").index
    out = out.loc[order].drop_duplicates("org_id", keep="last")
    out = out.sort_values("org_id").reset_index(drop=True)
    out.attrs["notes"] = notes
    out.attrs["source"] = source
    out.attrs["releases"] = releases
    out.attrs["date"] = str(frame["date"].max())[:10] if len(frame) else ""
    return out


Opener = Callable[[], AbstractContextManager[IO[bytes]]]


def _opener(p: Path) -> tuple[Opener, str]:
    """How to open the notices (the file, or the largest JSON member of the zip it is) as a
    binary stream, and their name for messages."""
    try:
        with open(p, "rb") as fh:
            zipped = fh.read(4) == b"PK\x03\x04"
    except OSError as exc:
        raise InputFileError(f"{p}: cannot be read ({exc.strerror or exc}).") from None
    if not zipped:
        return (lambda: open(p, "rb")), str(p)
    try:
        with zipfile.ZipFile(p) as z:
            members = [i for i in z.infolist() if not i.is_dir()
                       and i.filename.lower().endswith((".json", ".jsonl", ".ndjson"))]
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputFileError(f"{p}: the zip file is damaged ({exc}).", hint=_HINT) from None
    if not members:
        raise InputFileError(f"{p}: the zip holds no JSON file.",
                             hint="Expected OCDS notices as JSON or JSON lines.")
    name = max(members, key=lambda i: i.file_size).filename

    @contextlib.contextmanager
    def member() -> Iterator[IO[bytes]]:
        with zipfile.ZipFile(p) as z, z.open(name) as fh:
            yield fh
    return member, f"{p}!{name}"


def iter_releases(data: bytes | Opener, source: str) -> Iterator[dict[str, Any]]:
    """Every release in ``data`` (bytes, or how to open them): JSON lines a line at a time, or
    one JSON document (a package, a release or a list of releases) read whole."""
    opener: Opener = (lambda: contextlib.nullcontext(io.BytesIO(data))) if isinstance(data, bytes) else data
    try:
        with opener() as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline=None)
            yield from _releases(text, source)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputFileError(f"{source}: cannot be read ({exc}).", hint=_HINT) from None


def _releases(text: IO[str], source: str) -> Iterator[dict[str, Any]]:
    lines = enumerate(text, 1)
    n, first = next(((i, line) for i, line in lines if line.strip()), (0, ""))
    stripped = first.lstrip()
    if not stripped:
        raise InputFileError(f"{source}: the file is empty.", hint=_HINT)
    if stripped[0] not in "{[":
        raise InputFileError(f"{source}: not JSON (it starts {stripped[:20]!r}).",
                             hint="Expected OCDS notices as JSON or JSON lines.")
    try:
        doc = json.loads(first)
    except json.JSONDecodeError:
        # one document over many lines (a package as published): read whole
        whole = first + text.read()
        try:
            doc = json.loads(whole)
        except json.JSONDecodeError as exc:
            end = not whole[exc.pos:].strip()
            what = "the file is cut short" if end else "not valid JSON"
            raise InputFileError(f"{source}: {what} ({exc.msg}, line {exc.lineno + n - 1} column "
                                 f"{exc.colno}).", hint=_HINT) from None
        yield from _unpack(doc)
        return
    yield from _unpack(doc)
    for i, line in lines:  # JSON lines: the rest, a line at a time
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            last = not any(rest.strip() for _, rest in lines)
            where = "the last line is cut short" if last else f"line {i} is not valid JSON"
            raise InputFileError(f"{source}: {where} ({exc.msg}, line {i} column {exc.colno}).",
                                 hint=_HINT) from None
        yield from _unpack(doc)


def _unpack(doc: Any) -> Iterator[dict[str, Any]]:
    if isinstance(doc, list):
        for item in doc:
            yield from _unpack(item)
    elif isinstance(doc, dict):
        if isinstance(doc.get("releases"), list):
            yield from (r for r in doc["releases"] if isinstance(r, dict))
        elif isinstance(doc.get("records"), list):
            for rec in doc["records"]:
                if isinstance(rec, dict) and isinstance(rec.get("compiledRelease"), dict):
                    yield rec["compiledRelease"]
                elif isinstance(rec, dict) and isinstance(rec.get("releases"), list):
                    yield from (r for r in rec["releases"] if isinstance(r, dict))
        elif "ocid" in doc or "parties" in doc:
            yield doc


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _suppliers(release: dict[str, Any]) -> Iterator[dict[str, str]]:
    date = _text(release.get("date"))
    for party in release.get("parties") or []:
        if not isinstance(party, dict) or "supplier" not in (party.get("roles") or []):
            continue
        ident: dict[str, Any] = party["identifier"] if isinstance(party.get("identifier"), dict) else {}
        ids = [ident, *[a for a in party.get("additionalIdentifiers") or [] if isinstance(a, dict)]]
        known = next(((_text(i.get("scheme")).upper(), _text(i.get("id"))) for i in ids
                      if _text(i.get("scheme")).upper() in SCHEMES and _text(i.get("id"))), None)
        scheme, number = known if known else ("", "")
        address: dict[str, Any] = party["address"] if isinstance(party.get("address"), dict) else {}
        details: dict[str, Any] = party["details"] if isinstance(party.get("details"), dict) else {}
        vcse = details.get("vcse")
        yield {
            "org_id": "" if known else _text(party.get("id")),
            "number": number, "scheme": scheme,
            "name": _text(party.get("name")) or _text(ident.get("legalName")),
            "address": " ".join(_text(address.get(k)) for k in
                                ("streetAddress", "locality", "region", "postalCode")),
            "postcode": _text(address.get("postalCode")),
            "scale": _text(details.get("scale")).lower(),
            "vcse": ("yes" if vcse else "no") if isinstance(vcse, bool) else "",
            "date": date,
        }


def _common(frame: pd.DataFrame) -> pd.DataFrame:
    idx = frame.index
    company = normalise_company_numbers(frame["number"].where(frame["scheme"] == "GB-COH", ""))
    charity = normalise_charity_numbers(frame["number"].where(
        frame["scheme"].isin(["GB-CHC", "GB-SC", "GB-NIC"]), ""))
    number = company.where(company != "", charity).where(
        (company != "") | (charity != ""), frame["number"].str.upper())
    org_id = (frame["scheme"] + "-" + number).where(frame["scheme"] != "", frame["org_id"])
    names = clean_text(frame["name"])
    given = frame["postcode"].str.upper().str.strip()
    found = postcodes.extract(frame["address"])
    out = pd.DataFrame({
        "org_id": org_id, "registry": "ocds", "number": number.where(frame["scheme"] != "", ""),
        "name": names, "name_key": name_key(names),
        "postcode": given.where(given != "", found),
        "legal_form": "", "status": "", "accounts_category": "",
        "income_pounds": float("nan"), "sic_codes": "", "company_number": company,
        "linked_ids": "",
        "sme_declared": frame["scale"].map({"sme": "yes", "large": "no"}).fillna(""),
        "vcse_declared": frame["vcse"],
    }, index=idx)
    for c in COLUMNS:
        if c != "income_pounds":
            out[c] = out[c].astype("str")
    return out[COLUMNS]
