"""Which register a downloaded file is, from its content (the header, or the JSON's shape), and
its date (from its name, else its content, else when the file was last changed)."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from spendkit.errors import InputFileError
from spendkit.read import guard
from spendkit.read.files import sniff_format
from spendkit.reference.registries.charities import (
    CCEW_FIELDS,
    CCNI_FIELDS,
    OSCR_FIELDS,
    read_ccni,
    read_charity_commission,
    read_oscr,
)
from spendkit.reference.registries.common import Field, PathLike, fold
from spendkit.reference.registries.companies_house import CH_FIELDS, read_companies_house
from spendkit.reference.registries.files import read_header
from spendkit.reference.registries.lookups import (
    CHARITY_COMPANY_FIELDS,
    CIO_FIELDS,
    DUAL_FIELDS,
    read_charity_company_links,
    read_cio_links,
    read_dual_registered,
)
from spendkit.reference.registries.mutuals import MUTUALS_FIELDS, read_mutuals
from spendkit.reference.registries.ocds import read_ocds

# kind -> its columns (most specific first: the order they are tried in)
TABLE_KINDS: dict[str, tuple[Field, ...]] = {
    "companies_house": CH_FIELDS, "charity_commission": CCEW_FIELDS, "oscr": OSCR_FIELDS,
    "ccni": CCNI_FIELDS, "mutuals": MUTUALS_FIELDS,
    "charity_company_links": CHARITY_COMPANY_FIELDS, "cio_links": CIO_FIELDS,
    "dual_registered": DUAL_FIELDS,
}
# Files people download beside the registers that are not registers: what to say of them.
NOT_REGISTERS: dict[frozenset[str], str] = {
    frozenset({"regnumber", "scale"}): "the charity scale table (charity_scale.csv)",
    frozenset({"table", "field", "description"}): "the Charity Commission's field list",
    frozenset({"type", "entity", "companynumber"}): "the academy trusts table",
}


def _ch(paths: list[Path]) -> pd.DataFrame:
    return read_companies_house(paths)


def _each(reader: Callable[[PathLike], pd.DataFrame]) -> Callable[[list[Path]], pd.DataFrame]:
    def read(paths: list[Path]) -> pd.DataFrame:
        frames = [reader(p) for p in paths]
        if len(frames) == 1:
            return frames[0]
        out = pd.concat(frames, ignore_index=True)
        out.attrs["notes"] = [n for f in frames for n in f.attrs.get("notes", [])]
        dates = [f.attrs.get("date", "") for f in frames]
        out.attrs["date"] = max(dates)
        return out
    return read


READERS: dict[str, Callable[[list[Path]], pd.DataFrame]] = {
    "companies_house": _ch, "charity_commission": _each(read_charity_commission),
    "oscr": _each(read_oscr), "ccni": _each(read_ccni), "mutuals": _each(read_mutuals),
    "charity_company_links": _each(read_charity_company_links),
    "cio_links": _each(read_cio_links), "dual_registered": _each(read_dual_registered),
    "ocds": _each(read_ocds),
}


@dataclass(frozen=True)
class Recognised:
    """A file and what it was found to be."""

    path: Path
    kind: str
    date: str  # YYYY-MM-DD, or "" when nothing says
    date_from: str  # "file name", "contents" or "file modified"


def head_of(path: Path, size: int = 1 << 20) -> tuple[bytes, str]:
    """The first bytes of the file, or of the largest data member of the zip it is."""
    guard.check_path(path, "a register file", hint="Give the register's file as downloaded.")
    try:
        with open(path, "rb") as fh:
            head = fh.read(size)
        if head[:4] != b"PK\x03\x04" or sniff_format(head) != "zip":
            return head, str(path)
        with zipfile.ZipFile(path) as z:
            members = [i for i in z.infolist() if not i.is_dir()
                       and i.filename.lower().endswith((".csv", ".txt", ".json", ".jsonl"))
                       and not Path(i.filename).name.startswith((".", "~$"))]
            if not members:
                raise InputFileError(f"{path}: the zip holds no CSV, text or JSON file.",
                                     hint="Give the register's file (or the zip holding it) as downloaded.")
            member = max(members, key=lambda i: i.file_size)
            with z.open(member) as fh:
                return fh.read(size), f"{path}!{member.filename}"
    except (zipfile.BadZipFile, EOFError) as exc:
        raise InputFileError(f"{path}: the zip file is damaged ({exc}).",
                             hint="Download it again.") from None
    except OSError as exc:
        raise guard.unreadable(path, exc) from None


def recognise(path: Path) -> Recognised:
    """What register ``path`` is, by its content; an InputFileError saying what it looks like
    when it is none that spendkit reads."""
    head, source = head_of(path)
    kind = _json_kind(head) if head.lstrip()[:1] in (b"{", b"[") else _table_kind(head, source)
    if kind is None:
        raise InputFileError(f"{source}: not OCDS notices (no release, package or record found "
                             "in its first part).",
                             hint="Expected OCDS releases or a release/record package.")
    day, where = file_date(path, head, kind)
    return Recognised(path=path, kind=kind, date=day, date_from=where)


def _json_kind(head: bytes) -> str | None:
    text = head.decode("utf-8-sig", errors="replace")
    if re.search(r'"(ocid|releases|records)"\s*:', text[:200_000]):
        return "ocds"
    return None


def _table_kind(head: bytes, source: str) -> str:
    kind_of = sniff_format(head)
    if kind_of in ("xlsx", "xls", "parquet", "binary", "empty"):
        what = {"xlsx": "an Excel workbook", "xls": "an Excel 97-2003 workbook",
                "parquet": "a Parquet file", "binary": "binary data", "empty": "empty"}[kind_of]
        raise InputFileError(f"{source}: this file is {what}, not a register spendkit reads.",
                             hint=_KNOWN_HINT)
    data = head.removeprefix(b"\xef\xbb\xbf")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    headers = {fold(h) for h in read_header(data)[0]}
    # Every kind whose needed columns are all here; the one that finds the most of its columns
    # (then the most under their own header, not an alternative name) is the file's.
    scores = {kind: (sum(bool(f.names() & headers) for f in fields),
                     sum(fold(f.header) in headers for f in fields))
              for kind, fields in TABLE_KINDS.items()
              if all(f.names() & headers for f in fields if f.required)}
    if scores:
        return max(scores, key=lambda k: scores[k])
    for cols, what in NOT_REGISTERS.items():
        if cols <= headers:
            raise InputFileError(f"{source}: this is {what}, not a register of organisations.",
                                 hint=_KNOWN_HINT)
    shown = ", ".join(sorted(read_header(data)[0])[:12])
    raise InputFileError(f"{source}: not a register spendkit recognises (its columns: {shown}).",
                         hint=_KNOWN_HINT)


_KNOWN_HINT = ("spendkit reads: Companies House BasicCompanyData (CSV or zip, one file or parts), "
               "the Charity Commission extract, OSCR, CCNI, the FCA mutuals list, the charity <-> "
               "company and CIO lookup tables, dual-registered charities, and OCDS notices (see "
               "docs/cli.md, `spendkit registers add`).")

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                        "sep", "oct", "nov", "dec"), start=1)}


def date_in_name(name: str) -> str:
    """A date written in a file's name (2024-05-01, 2024_05_01, 01-May-2024), or ""."""
    for pattern in (r"(?<!\d)(\d{4})[-_](\d{2})[-_](\d{2})(?!\d)",):
        m = re.search(pattern, name)
        if m:
            return _iso(int(m[1]), int(m[2]), int(m[3]))
    m = re.search(r"(?<!\d)(\d{1,2})[-_ ]([A-Za-z]{3})[A-Za-z]*[-_ ](\d{4})(?!\d)", name)
    if m and m[2].lower() in _MONTHS:
        return _iso(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    return ""


def _iso(y: int, m: int, d: int) -> str:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return ""


def file_date(path: Path, head: bytes, kind: str) -> tuple[str, str]:
    """(the data's date, where it was read from)."""
    found = date_in_name(path.name)
    if found:
        return found, "file name"
    found = _date_in_content(head, kind)
    if found:
        return found, "contents"
    when = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date().isoformat()
    return when, "file modified"


def _date_in_content(head: bytes, kind: str) -> str:
    text = head.decode("utf-8-sig", errors="replace")
    if kind == "ocds":
        return ""  # the reader dates notices by their latest release
    if kind == "charity_commission":
        lines = text.splitlines()
        if len(lines) > 1:
            cells = lines[0].split("\t") if "\t" in lines[0] else lines[0].split(",")
            names = [fold(c) for c in cells]
            if "dateofextract" in names:
                values = lines[1].split("\t") if "\t" in lines[0] else lines[1].split(",")
                i = names.index("dateofextract")
                m = re.match(r"(\d{4}-\d{2}-\d{2})", values[i].strip('" ')) if i < len(values) else None
                if m:
                    return m[1]
    return ""


def json_is_ocds(text: str) -> bool:
    """Whether a JSON document's text parses as OCDS (used by fetch's check of a download)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return False
    return isinstance(doc, dict) and any(k in doc for k in ("ocid", "releases", "records"))


def check_complete(path: Path, kind: str) -> None:
    """An InputFileError when a register's table (not zipped: a zip's checksums catch a cut
    download) ends part way through a row: the download was cut short. Such a row is never
    dropped quietly."""
    if kind == "ocds":
        return  # the OCDS reader names a cut last line itself
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
            if head[:4] == b"PK\x03\x04":
                return
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - (1 << 16)))
            tail = fh.read()
    except OSError as exc:
        raise guard.unreadable(path, exc) from None
    if not tail or tail.endswith(b"\n"):
        return
    data = head.removeprefix(b"\xef\xbb\xbf")
    headers, delimiter, encoding = read_header(data)
    last = tail.rsplit(b"\n", 1)[-1].decode(encoding, errors="replace")
    import csv

    cells = next(csv.reader([last], delimiter=delimiter), [])
    if last.count('"') % 2 or len(cells) < len(headers):
        raise InputFileError(
            f"{path}: the last row is cut short ({len(cells)} of the header's {len(headers)} "
            "columns, and no line end): the file looks truncated.",
            hint="Download it again (spendkit registers fetch resumes a cut download); nothing "
                 "was installed.")
