"""Companies House "Free Company Data Product" (BasicCompanyData) -> the common frame: the CSV,
the single zip or every part of a multi-part download, read a member at a time (only the
columns needed), and cached as Parquet (``cache``)."""

from __future__ import annotations

import codecs
import contextlib
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any

import pandas as pd

from spendkit.errors import InputFileError
from spendkit.reference.registries.common import (
    TEXT_COLUMNS,
    Field,
    Paths,
    as_list,
    common_frame,
    describe,
    finish_frame,
    normalise_company_numbers,
    text_column,
)
from spendkit.reference.registries.files import (
    by_role,
    check_path,
    map_fields,
    read_header,
    reject_kind,
    skipped_rows,
    skipper,
)

CH_FIELDS = (
    Field("name", "CompanyName"),
    Field("number", "CompanyNumber"),
    Field("postcode", "RegAddress.PostCode"),
    Field("category", "CompanyCategory"),
    Field("status", "CompanyStatus"),
    Field("accounts", "Accounts.AccountCategory"),
    Field("sic1", "SICCode.SicText_1"),
    Field("sic2", "SICCode.SicText_2", required=False),
    Field("sic3", "SICCode.SicText_3", required=False),
    Field("sic4", "SICCode.SicText_4", required=False),
    *(Field(f"previous{i}", f"PreviousName_{i}.CompanyName", required=False) for i in range(1, 11)),
)

BLOCK_BYTES = 32 << 20  # CSV read (and turned into the common columns) this much at a time
_PART = re.compile(r"^(?P<stem>.+)-part(?P<i>\d+)_(?P<n>\d+)\.(?P<ext>zip|csv)$", re.IGNORECASE)

Opener = Callable[[], AbstractContextManager[IO[bytes]]]


def read_companies_house(path: Paths) -> pd.DataFrame:
    """Companies House "Free Company Data Product" (BasicCompanyData) -> common frame.

    ``path``: the CSV, the single zip, or the multi-part zips (``...-part1_7.zip``; give one
    part and the others are found beside it, or give them all). Only the needed columns are
    read (pyarrow), a block at a time. The whole register is 5.7 million rows: runs match
    against it through an install (``store``), never this frame.
    """
    import pyarrow as pa

    notes: list[str] = []
    parts = list(companies_house_tables(path, notes))
    if not parts:
        parts = [pa.Table.from_pandas(_ch_columns(_no_rows()), preserve_index=False)]
    table = pa.concat_tables(parts, promote_options="permissive")
    del parts
    columns = table.to_pandas()
    del table
    for name in [*TEXT_COLUMNS, "previous_names"]:
        columns[name] = text_column(columns[name])
    return finish_frame(columns, "Companies House", notes)


def companies_house_tables(path: Paths, notes: list[str]) -> Iterator[Any]:
    """The download (as ``read_companies_house`` takes it) a block at a time: Arrow tables of the
    common frame's columns and ``previous_names``, rows without a number included. Each block is
    turned into those columns at once, so the raw text of 5 million companies is never in memory
    whole (an install writes each table and lets it go). Notes of rows skipped go to ``notes``
    once each file is read."""
    for source, opener in _companies_house_members(_companies_house_files(path)):
        yield from _read_ch_member(source, opener, notes)


# ---------------------------------------------------------------- the files

def _companies_house_files(path: Paths) -> list[Path]:
    """The physical files to read, with multi-part sets completed (or an error naming the gaps)."""
    given = [Path(p) for p in as_list(path)]
    if not given:
        raise InputFileError("no Companies House file given.",
                             hint="Pass the BasicCompanyData CSV or zip(s) as downloaded.")
    files: dict[Path, None] = {}
    for p in given:
        check_path(p, "companies_house")
        m = _PART.match(p.name)
        parts = _all_parts(p, m) if m else [p]
        for q in parts:
            files[q] = None
    return list(files)


def _all_parts(p: Path, m: re.Match[str]) -> list[Path]:
    """Every part of the multi-part download ``p`` (matched by ``_PART``) is part of."""
    n = int(m["n"])
    parts = []
    for k in range(1, n + 1):
        sibling = p.with_name(f"{m['stem']}-part{k}_{n}.{m['ext']}")
        if not sibling.exists():
            matches = [q for q in p.parent.glob(f"{m['stem']}-part{k}_{n}.*")
                       if q.suffix.lower() == f".{m['ext'].lower()}"]
            sibling = matches[0] if matches else sibling
        parts.append(sibling)
    missing = [q.name for q in parts if not q.exists()]
    if missing:
        raise InputFileError(
            f"{p}: is part {m['i']} of {n} of a Companies House download, and "
            f"{len(missing)} part(s) are missing: {', '.join(missing)}.",
            hint="Download every part into the same folder (reading only some would leave "
                 "companies silently unmatched).")
    return parts


def _companies_house_members(files: list[Path]) -> Iterable[tuple[str, Opener]]:
    for p in files:
        with open(p, "rb") as fh:
            head = fh.read(65536)
        if head[:4] == b"PK\x03\x04":
            for name in _zip_members(p):
                yield f"{p}!{name}", _zip_opener(p, name)
        else:
            reject_kind(head, str(p), "companies_house")
            yield str(p), _file_opener(p)


def _zip_members(p: Path) -> list[str]:
    """The CSV (or text) members of the zip ``p``, sorted; an error if it holds none."""
    try:
        with zipfile.ZipFile(p) as z:
            names = z.namelist()
            members = sorted(i.filename for i in z.infolist() if not i.is_dir()
                             and i.filename.lower().endswith((".csv", ".txt"))
                             and not Path(i.filename).name.startswith((".", "~$")))
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputFileError(f"{p}: the zip file is damaged ({exc}).",
                             hint="Download it again from Companies House.") from None
    if "[Content_Types].xml" in names:
        reject_kind(p.read_bytes(), str(p), "companies_house")
    if not members:
        raise InputFileError(f"{p}: the zip holds no CSV file.",
                             hint=f"Expected the {describe('companies_house')}.")
    return members


def _zip_opener(path: Path, member: str) -> Opener:
    @contextlib.contextmanager
    def opener() -> Iterator[IO[bytes]]:
        with zipfile.ZipFile(path) as archive, archive.open(member) as fh:
            yield fh
    return opener


def _file_opener(path: Path) -> Opener:
    return lambda: open(path, "rb")


# ---------------------------------------------------------------- one member -> columns

def _read_ch_member(source: str, opener: Opener, notes: list[str]) -> Iterator[Any]:
    """One CSV of the download -> Arrow tables of the common frame's columns, a block at a
    time; a note of rows skipped added to ``notes`` at its end."""
    import pyarrow as pa

    try:
        with opener() as fh:
            head = fh.read(1 << 20)
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
        raise InputFileError(f"{source}: cannot be read ({exc}).") from None
    reject_kind(head[:65536], source, "companies_house")
    headers, delimiter, _ = read_header(head.removeprefix(codecs.BOM_UTF8))
    found = map_fields(headers, CH_FIELDS, source, "companies_house")
    names = [f"c{i}" for i in range(len(headers))]
    wanted = [names[i] for i in sorted(set(found.values()))]
    count = [0, 0]  # rows read, rows skipped
    try:
        try:
            yield from _arrow_csv(opener, names, wanted, delimiter, "utf8", found, count)
        except pa.ArrowInvalid as exc:
            if "utf8" not in str(exc).lower():
                raise
            # Not UTF-8 after all: read again as Latin-1, past the rows already given (they
            # were valid UTF-8, so ASCII or text that reads the same either way).
            done, count[:] = count[0], [0, 0]
            yield from _arrow_csv(opener, names, wanted, delimiter, "latin-1", found, count, skip=done)
    except (pa.ArrowInvalid, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise InputFileError(f"{source}: cannot be read as the {describe('companies_house')} ({exc}).",
                             hint="Download the file again from Companies House.") from None
    notes += skipped_rows(source, count[1], len(headers), count[0],
                          hint=f"This does not look like the {describe('companies_house')}.")


def _arrow_csv(opener: Opener, names: list[str], wanted: list[str], delimiter: str,
               encoding: str, found: dict[str, int], count: list[int], skip: int = 0) -> Iterator[Any]:
    """The common frame's columns as Arrow tables, one per block read, after the first ``skip``
    rows; ``count`` gets the rows read and skipped."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad: list[Any] = []
    with opener() as fh:
        reader = pacsv.open_csv(
            fh,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, encoding=encoding,
                                           block_size=BLOCK_BYTES, use_threads=True),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                              invalid_row_handler=skipper(bad)),
            convert_options=pacsv.ConvertOptions(
                include_columns=wanted,
                column_types=dict.fromkeys(wanted, pa.string()),
                strings_can_be_null=False, quoted_strings_can_be_null=False))
        for batch in reader:
            count[0] += batch.num_rows
            count[1] = len(bad)
            if skip >= batch.num_rows:
                skip -= batch.num_rows
                continue
            raw = by_role(batch.slice(skip).to_pandas(), CH_FIELDS, found, names)
            skip = 0
            yield pa.Table.from_pandas(_ch_columns(raw), preserve_index=False)
    count[1] = len(bad)


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame({f.role: pd.Series([], dtype="str") for f in CH_FIELDS})


def _ch_columns(raw: pd.DataFrame) -> pd.DataFrame:
    """Raw columns (by role) -> the common frame's columns (rows without a number still in)."""
    written = raw["number"].str.strip().str.upper()
    # Nearly every number is written in full (8 characters): only the others are normalised.
    full = written.str.fullmatch(r"[A-Z0-9]{8}") & ~written.str.fullmatch(r"[A-Z]{0,2}0+")
    number = written.copy()
    if not full.all():
        number[~full] = normalise_company_numbers(written[~full])
    # A number that is not shaped like one is kept as written (upper case), never dropped.
    number = number.where(number != "", written)
    codes = [_sic_code(raw[f"sic{i}"]) for i in range(1, 5)]
    sic = (codes[0] + ";" + codes[1] + ";" + codes[2] + ";" + codes[3]) \
        .str.replace(r";{2,}", ";", regex=True).str.strip(";")
    frame = common_frame(registry="companies_house", number=number, name=raw["name"],
                         postcode=raw["postcode"], legal_form=raw["category"], status=raw["status"],
                         income=None, company_number=number, accounts=raw["accounts"], sic=sic)
    frame["previous_names"] = previous_names(raw)
    return frame


def previous_names(raw: pd.DataFrame) -> pd.Series:
    """PreviousName_1..10.CompanyName, tidied and joined with ';' ("" when none): a payee may
    still be paid under a company's old name."""
    parts = [raw[f"previous{i}"].str.replace(";", ",", regex=False).str.strip()
             for i in range(1, 11) if f"previous{i}" in raw]
    if not parts:
        return pd.Series("", index=raw.index, dtype="str")
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + ";" + part
    return joined.str.replace(r";{2,}", ";", regex=True).str.strip(";").astype("str")


def _sic_code(text: pd.Series) -> pd.Series:
    """'62020 - Information technology...' -> '62020' ('' when it does not start with a code);
    vectorised (the regular expression runs in Arrow, not per row in Python)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.astype("str").to_numpy(dtype=object), pa.string())
    found = pc.extract_regex(arr, r"^\s*(?P<code>\d{4,5})\b")
    code = pc.fill_null(pc.struct_field(found, "code"), "")
    return pd.Series(code.to_numpy(zero_copy_only=False), index=text.index, dtype="str")
