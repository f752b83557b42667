"""Write the hostile-input corpus: broken, strange and malicious ledgers, each with the outcome
spendkit promises for it.

    python scripts/make_corpus.py FOLDER      # writes FOLDER/<case files> and FOLDER/manifest.json

Everything is generated here (large inputs by code, small on disk), so nothing is committed
as a blob. ``tests/trust/test_corpus.py`` runs the CLI on every case and checks the manifest:

=================  ==========================================================================
name               the file (or folder) given to ``spendkit classify``
category           one of CATEGORIES (see docs/reliability.md)
about              what the case is, in words
expected_exit      the documented exit status (docs/cli.md)
message_contains   strings the error message on stderr must hold (the file's name; the row,
                   line or column where that is what is wrong)
rows_counted       where the run succeeds: rows counted, and rows rejected (each with its
rows_rejected      reason in ``out.rejected.csv``)
rejected           {source_row: text its reason holds} for rows whose reason is checked
pence_counted      the counted total, where it is checked
geography          {class: rows} where the places are checked
env                environment variables for the run (the memory guard's limit)
skip_as_root       the case means nothing to root (file permissions)
header_row, sheet  where the table was found, where that is checked
=================  ==========================================================================
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

CATEGORIES = {
    "not-a-ledger": "empty, binary or not a table at all: refused, naming the file (exit 3)",
    "damaged": "truncated or corrupt zip/workbook: refused, naming the file (exit 3)",
    "hostile": "built to attack the reader (zip bombs, XML entities, encryption): refused "
               "before any harm (exit 3)",
    "limits": "beyond what a ledger can be (columns, memory): refused up front (exit 3)",
    "layout": "odd but honest layouts (ragged rows, title rows, merged cells, hidden "
              "sheets, wrong extension): read, every row counted or rejected with a reason",
    "encoding": "UTF-16, Windows-1252, mixed encodings, NUL bytes: read without losing a row",
    "values": "unreadable amounts and dates: those rows rejected with the column and value, "
              "the rest counted",
    "places": "postcodes that are odd, missing or not postcodes: every row counted, unknown "
              "where it cannot be placed (never guessed)",
    "formulas": "formula text and formula cells: read as values, written out neutralised",
    "columns": "missing or ambiguous columns: refused with the headers found (exit 4), or "
               "read by the documented rule",
}

H = ["Supplier Name", "Amount", "Payment Date", "Postcode"]
ROW = ["Acme Supplies Ltd", "10.00", "01/02/2024", "WN1 1YN"]


@dataclass
class Case:
    name: str
    category: str
    about: str
    expected_exit: int
    message_contains: list[str] = field(default_factory=list)
    rows_counted: int | None = None
    rows_rejected: int | None = None
    rejected: dict[str, str] = field(default_factory=dict)
    pence_counted: int | None = None
    geography: dict[str, int] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    skip_as_root: bool = False
    header_row: int | None = None
    sheet: str | None = None


# ---------------------------------------------------------------- helpers

def csv_text(rows: list[list[str]], *, sep: str = ",", nl: str = "\n", quote_all: bool = False) -> str:
    """Rows as CSV text, quoted where a cell needs it (or every cell, ``quote_all``)."""
    def cell(v: str) -> str:
        needs = quote_all or any(c in v for c in (sep, '"', "\n", "\r"))
        return f'"{v.replace(chr(34), chr(34) * 2)}"' if needs else v
    return "".join(sep.join(cell(v) for v in r) + nl for r in rows)


def ledger(n: int = 3, *, payee: str = "Supplier {i} Ltd", pc: str = "WN1 1YN") -> list[list[str]]:
    return [H] + [[payee.format(i=i), f"{10 * (i + 1)}.00", "01/02/2024", pc] for i in range(n)]


@dataclass
class Formula:
    """A formula cell, with the value Excel saved beside it (None: never calculated)."""

    formula: str
    cached: float | str | None = None


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    state: str = "visible"
    merges: list[str] = field(default_factory=list)
    doctype: str = ""  # an XML prolog put before <worksheet> (hostile cases)
    tail: str = ""  # raw XML after the rows, inside <sheetData>


def far_cell(ref: str, text: str = "x") -> str:
    """A row holding one cell far from the others (``ref`` like 'XFD1048576')."""
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c></row>'


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _cell(ref: str, v: Any) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, Formula):
        f = f"<f>{escape(v.formula.removeprefix('='))}</f>"
        if v.cached is None:
            return f'<c r="{ref}">{f}</c>'
        if isinstance(v.cached, str):
            return f'<c r="{ref}" t="str">{f}<v>{escape(v.cached)}</v></c>'
        return f'<c r="{ref}">{f}<v>{v.cached!r}</v></c>'
    if isinstance(v, bool):
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, int | float):
        return f'<c r="{ref}"><v>{v!r}</v></c>'
    if isinstance(v, Raw):
        return v.xml.format(ref=ref)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(v))}</t></is></c>'


@dataclass
class Raw:
    xml: str  # a cell's XML, with {ref}


def sheet_xml(sheet: Sheet) -> str:
    rows = "".join(
        f'<row r="{r + 1}">' + "".join(_cell(f"{_col(c)}{r + 1}", v) for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(sheet.rows))
    merges = (f'<mergeCells count="{len(sheet.merges)}">'
              + "".join(f'<mergeCell ref="{m}"/>' for m in sheet.merges) + "</mergeCells>") if sheet.merges else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{sheet.doctype}'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{rows}{sheet.tail}</sheetData>{merges}</worksheet>")


def xlsx(sheets: list[Sheet], *, shared: str | None = None) -> bytes:
    """A minimal, valid XLSX written by hand: full control over every part."""
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.sheet.main+xml"/>'
          + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                    for i in range(len(sheets)))
          + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
             'officedocument.spreadsheetml.sharedStrings+xml"/>' if shared is not None else "")
          + "</Types>")
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
          + "".join(f'<sheet name="{escape(s.name)}" sheetId="{i + 1}" state="{s.state}" r:id="rId{i + 1}"/>'
                    for i, s in enumerate(sheets)) + "</sheets></workbook>")
    wbrels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              + "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/'
                        f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                        for i in range(len(sheets)))
              + (f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/'
                 'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                 if shared is not None else "")
              + "</Relationships>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", wbrels)
        for i, s in enumerate(sheets):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", sheet_xml(s))
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return buf.getvalue()


def simple_xlsx(rows: list[list[Any]], name: str = "Payments") -> bytes:
    return xlsx([Sheet(name, rows)])


def zipped(members: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


# -- an OLE2 compound file (what an encrypted .xlsx really is)

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _direntry(name: str, kind: int, start: int, size: int, *, right: int = _NOSTREAM,
              child: int = _NOSTREAM) -> bytes:
    n = name.encode("utf-16-le") + b"\0\0" if name else b""
    return (n.ljust(64, b"\0") + struct.pack("<HBB3I", len(n), kind, 1, _NOSTREAM, right, child)
            + b"\0" * 36 + struct.pack("<IQ", start, size))


def ole2(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 (CFB v3) file: one FAT sector, one directory sector, streams of 4 KiB or
    more (so no mini stream). At most three streams."""
    fat, data, starts, nxt = [_FATSECT, _END], [], [], 2
    for body in streams.values():
        body = body.ljust(max(4096, -(-len(body) // 512) * 512), b"\0")
        n = len(body) // 512
        starts.append(nxt)
        fat += [nxt + i + 1 for i in range(n - 1)] + [_END]
        data.append(body)
        nxt += n
    fat += [_FREE] * (128 - len(fat))
    names = list(streams)
    entries = [_direntry("Root Entry", 5, _END, 0, child=1)]
    entries += [_direntry(nm, 2, starts[i], len(streams[nm]),
                          right=i + 2 if i + 1 < len(names) else _NOSTREAM) for i, nm in enumerate(names)]
    entries += [_direntry("", 0, 0, 0)] * (4 - len(entries))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<9I", 0, 1, 1, 0, 0x1000, _END, 0, _END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108)
    return header + struct.pack("<128I", *fat) + b"".join(entries) + b"".join(data)


def encrypted_workbook() -> bytes:
    """What Excel writes for a password-protected .xlsx: EncryptionInfo + EncryptedPackage."""
    info = (struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption">'
            b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
            b'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512"/>'
            b"</encryption>")
    package = struct.pack("<Q", 8192) + random.Random(5).randbytes(8192)
    return ole2({"EncryptionInfo": info, "EncryptedPackage": package})


# -- zip bombs: a deflate stream of a repeated block, written without inflating it

def _gf2_times(mat: list[int], vec: int) -> int:
    s, i = 0, 0
    while vec:
        if vec & 1:
            s ^= mat[i]
        vec >>= 1
        i += 1
    return s


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """zlib's crc32_combine: the CRC of A+B from CRC(A), CRC(B) and len(B)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = [_gf2_times(odd, odd[n]) for n in range(32)]
    odd = [_gf2_times(even, even[n]) for n in range(32)]
    while True:
        even = [_gf2_times(odd, odd[n]) for n in range(32)]
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = [_gf2_times(even, even[n]) for n in range(32)]
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def _crc_repeated(chunk: bytes, times: int) -> int:
    block_crc, block_len, out, out_len = zlib.crc32(chunk), len(chunk), 0, 0
    while times:
        if times & 1:
            out = crc32_combine(out, block_crc, block_len) if out_len else block_crc
            out_len += block_len
        block_crc = crc32_combine(block_crc, block_crc, block_len)
        block_len *= 2
        times >>= 1
    return out


def bomb_member(prefix: bytes, chunk: bytes, times: int, suffix: bytes) -> tuple[bytes, int, int]:
    """(raw deflate data, CRC-32, inflated size) of prefix + chunk * times + suffix: each block
    is flushed whole, so its compressed bytes repeat and cost nothing to produce."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(suffix) + c.flush()
    crc = crc32_combine(zlib.crc32(prefix), _crc_repeated(chunk, times), len(chunk) * times)
    crc = crc32_combine(crc, zlib.crc32(suffix), len(suffix))
    return head + block * times + tail, crc, len(prefix) + len(chunk) * times + len(suffix)


def raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from (name, raw deflate data, crc, inflated size, declared size) members."""
    out, central = io.BytesIO(), []
    for name, body, crc, _size, declared in members:
        off, n = out.tell(), name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(body),
                              declared, len(n), 0) + n + body)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                                   len(body), declared, len(n), 0, 0, 0, 0, 0, off) + n)
    cd = out.tell()
    out.write(b"".join(central))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                          out.tell() - cd, cd, 0))
    return out.getvalue()


def _deflated(name: str, data: bytes) -> tuple[str, bytes, int, int, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, c.compress(data) + c.flush(), zlib.crc32(data), len(data), len(data)


def bomb_xlsx(inflated_gb: float, *, lie: bool = False) -> bytes:
    """An XLSX whose sheet is mostly whitespace: ~3 MB on disk, ``inflated_gb`` GB inflated.
    With ``lie`` the zip declares the sheet to be 5 KB."""
    book = zipfile.ZipFile(io.BytesIO(simple_xlsx(ledger(2))))
    parts = {i.filename: book.read(i) for i in book.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    cut = sheet.index(b"</sheetData>")
    times = int(inflated_gb * 1024)
    body, crc, size = bomb_member(sheet[:cut], b" " * (1 << 20), times, sheet[cut:])
    members = []
    for name, data in parts.items():
        if name == "xl/worksheets/sheet1.xml":
            members.append((name, body, crc, size, 5000 if lie else size))
        else:
            members.append(_deflated(name, data))
    return raw_zip(members)


def bomb_zip_member(inflated_gb: float) -> bytes:
    """A plain zip holding one CSV that inflates to ``inflated_gb`` GB of blank lines."""
    header = csv_text(ledger(1)).encode()
    body, crc, size = bomb_member(header, b"\n" * (1 << 20), int(inflated_gb * 1024), b"")
    return raw_zip([("payments.csv", body, crc, size, size)])


def billion_laughs(root: str) -> str:
    ents = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "lol" * 10}">'
                   for i in range(1, 10))
    return f"<!DOCTYPE {root} [{ents}]>"


# ---------------------------------------------------------------- the cases

Writer = Callable[[Path], None]


def build(folder: Path) -> list[Case]:
    """Write every case into ``folder`` (created if need be); return the cases."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    for case, data in declare():
        path = folder / case.name
        if callable(data):
            data(path)
        else:
            path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        cases.append(case)
    return cases


def declare() -> list[tuple[Case, bytes | str | Writer]]:
    """Every case and its content (bytes, text, or a function that writes it)."""
    cases: list[tuple[Case, bytes | str | Writer]] = []
    rng = random.Random(20240201)

    def add(name: str, data: bytes | str | Writer, case: Case) -> None:
        assert case.name == name and case.category in CATEGORIES, name
        cases.append((case, data))

    def fail(name: str, category: str, about: str, code: int, *also: str, **kw: Any) -> Case:
        return Case(name, category, about, code, [name, *also], **kw)

    def ok(name: str, category: str, about: str, counted: int, n_rejected: int = 0, **kw: Any) -> Case:
        return Case(name, category, about, 0, rows_counted=counted, rows_rejected=n_rejected, **kw)

    good = csv_text(ledger(3))

    # -------------------------------------------------- not a ledger
    add("empty.csv", b"", fail("empty.csv", "not-a-ledger", "a file of 0 bytes", 3, "empty"))
    add("bom_only.csv", b"\xef\xbb\xbf",
        fail("bom_only.csv", "not-a-ledger", "a UTF-8 byte-order mark and nothing else", 3, "empty"))
    add("bom_blank_lines.csv", b"\xef\xbb\xbf\r\n\r\n  \r\n",
        fail("bom_blank_lines.csv", "not-a-ledger", "a BOM and blank lines", 3, "empty"))
    add("utf16_bom_only.csv", b"\xff\xfe\r\x00\n\x00",
        fail("utf16_bom_only.csv", "not-a-ledger", "a UTF-16 BOM and a line break", 3, "empty"))
    add("whitespace_only.csv", " \t\n\n   \r\n",
        fail("whitespace_only.csv", "not-a-ledger", "spaces, tabs and line breaks", 3, "empty"))
    add("binary_junk.csv", rng.randbytes(20000),
        fail("binary_junk.csv", "not-a-ledger", "random bytes named .csv", 3, "binary"))
    add("png_named.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(4000),
        fail("png_named.csv", "not-a-ledger", "a PNG image named .csv", 3, "binary"))
    add("folder.csv", lambda p: (p.mkdir(exist_ok=True), (p / "inside.csv").write_text(good)),
        fail("folder.csv", "not-a-ledger", "a folder given as the ledger", 3, "folder"))
    add("no_permission.csv", lambda p: (p.write_text(good), p.chmod(0)),
        fail("no_permission.csv", "not-a-ledger", "a file the user may not read", 3,
             "cannot be read", skip_as_root=True))
    add("zip_without_tables.zip", zipped({"readme.txt": "Nothing here.\nSee the website.",
                                          "logo.png": b"\x89PNG"}),
        fail("zip_without_tables.zip", "not-a-ledger", "a zip holding no CSV or workbook", 3,
             "no CSV or spreadsheet"))
    add("workbook_no_rows.xlsx", xlsx([Sheet("Payments", [])]),
        fail("workbook_no_rows.xlsx", "not-a-ledger", "a workbook whose only sheet is empty", 3,
             "no rows"))

    # -------------------------------------------------- damaged
    book = simple_xlsx(ledger(3))
    add("truncated.xlsx", book[: len(book) // 2],
        fail("truncated.xlsx", "damaged", "an XLSX cut off half way (a failed download)", 3, "damaged"))
    whole = zipped({"jan.csv": csv_text(ledger(300)), "feb.csv": csv_text(ledger(300))})
    add("truncated.zip", whole[: len(whole) // 2],
        fail("truncated.zip", "damaged", "a zip of CSVs cut off half way", 3, "damaged"))
    corrupt = bytearray(zipped({"jan.csv": csv_text(ledger(200))}))
    corrupt[60:90] = b"\xff" * 30  # inside the compressed data
    add("corrupt_member.zip", bytes(corrupt),
        fail("corrupt_member.zip", "damaged", "a zip whose member's compressed data is corrupt",
             3, "damaged"))
    add("not_a_workbook.xlsx", zipped({"[Content_Types].xml": "<Types/>", "hello.txt": "hi"}),
        fail("not_a_workbook.xlsx", "damaged", "a zip that claims to be a workbook but holds none",
             3, "cannot open the workbook"))
    add("junk.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(3000),
        fail("junk.xls", "damaged", "an OLE2 signature followed by junk (a broken .xls)", 3,
             "cannot open the workbook"))

    # -------------------------------------------------- hostile
    enc = encrypted_workbook()
    add("encrypted.xlsx", enc,
        fail("encrypted.xlsx", "hostile", "a password-protected workbook (OLE2 EncryptedPackage)", 3,
             "password-protected"))
    add("encrypted_named.csv", enc,
        fail("encrypted_named.csv", "hostile", "the same encrypted workbook named .csv", 3,
             "password-protected"))
    add("zip_bomb.xlsx", bomb_xlsx(3.0),
        fail("zip_bomb.xlsx", "hostile", "an XLSX of 3 MB whose sheet inflates to 3 GB", 3,
             "inflates to", "zip bomb"))
    add("zip_bomb_lying.xlsx", bomb_xlsx(1.0, lie=True),
        fail("zip_bomb_lying.xlsx", "hostile",
             "an XLSX whose zip says its sheet is 5 KB while it inflates to 1 GB", 3,
             "larger than its declared"))
    add("zip_bomb_member.zip", bomb_zip_member(2.5),
        fail("zip_bomb_member.zip", "hostile", "a zip whose CSV inflates to 2.5 GB", 3,
             "payments.csv", "too large"))
    sheet = Sheet("Payments", [H, ["&lol9;", 10, "01/02/2024", "WN1 1YN"]],
                  doctype=billion_laughs("worksheet"))
    laughs = xlsx([sheet]).replace(b"&amp;lol9;", b"&lol9;")
    add("billion_laughs_sheet.xlsx", laughs,
        fail("billion_laughs_sheet.xlsx", "hostile", "entity expansion (billion laughs) in a sheet", 3,
             "sheet1.xml", "entities"))
    shared = ('<?xml version="1.0" encoding="UTF-8"?>' + billion_laughs("sst")
              + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                'uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    add("billion_laughs_shared.xlsx",
        xlsx([Sheet("Payments", [H, [Raw('<c r="{ref}" t="s"><v>0</v></c>'), 10, "01/02/2024",
                                      "WN1 1YN"]])], shared=shared),
        fail("billion_laughs_shared.xlsx", "hostile", "entity expansion in sharedStrings.xml", 3,
             "sharedStrings.xml", "entities"))
    xxe = Sheet("Payments", [H, [Raw('<c r="{ref}" t="inlineStr"><is><t>&xxe;</t></is></c>'), 10,
                                 "01/02/2024", "WN1 1YN"]],
                doctype='<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    add("external_entity.xlsx", xlsx([xxe]),
        fail("external_entity.xlsx", "hostile", "an external entity (XXE) reading /etc/passwd", 3,
             "entities"))
    add("dimension_bomb.xlsx", xlsx([Sheet("Payments", ledger(2), tail=far_cell("XFD1048576"))]),
        fail("dimension_bomb.xlsx", "hostile", "a 2 KB workbook with one cell at XFD1048576: a "
             "rectangle of 17 billion cells, which would abort the reader", 3,
             "16,384 columns by 1,048,576 rows", "too many to read in memory"))
    add("zip_in_zip.zip", zipped({"inner.csv": zipped({"jan.csv": good})}),
        fail("zip_in_zip.zip", "hostile", "a zip inside a zip (named .csv), the way to a zip quine",
             3, "inner.csv", "zip inside a zip"))
    add("zip_with_encrypted_member.zip", zipped({"jan.csv": good, "feb.xlsx": enc}),
        fail("zip_with_encrypted_member.zip", "hostile",
             "a zip of a good CSV and an encrypted workbook: the member is named", 3,
             "feb.xlsx", "password-protected"))

    # -------------------------------------------------- limits
    wide = [H + [f"Extra {i}" for i in range(20000)], ROW + ["x"] * 20000]
    add("too_many_columns.csv", csv_text(wide),
        fail("too_many_columns.csv", "limits", "20,004 named columns (Excel stops at 16,384)", 3,
             "row 1", "16,384"))
    add("memory_guard.csv", csv_text(ledger(50)),
        fail("memory_guard.csv", "limits", "a ledger larger than the memory allowed (the limit "
             "set low with SPENDKIT_MEMORY_LIMIT)", 3, "too large to read in memory", "available",
             env={"SPENDKIT_MEMORY_LIMIT": "2000"}))
    add("unterminated_quote.csv",
        csv_text(ledger(2)) + '"Broken Quote Ltd,30.00,01/02/2024,WN1 1YN\n' + csv_text(ledger(5)[1:]),
        fail("unterminated_quote.csv", "limits", "a quote that opens a cell and never closes: "
             "the 5 rows after it would vanish into one cell", 3, "row 4", "line 4", "never closed"))
    add("header_below_row_60.csv", "Payments report\n" * 69 + good,
        fail("header_below_row_60.csv", "columns", "the header on row 70, below the 60 rows searched",
             4, "amount", "--column"))
    add("no_payee_column.csv", csv_text([["Date", "Reference", "Cost Centre"], ["01/02/2024", "A1", "X"]]),
        fail("no_payee_column.csv", "columns", "no payee or amount column", 4, "'Reference'",
             "--column"))

    # -------------------------------------------------- layout
    add("header_only.csv", csv_text([H]),
        ok("header_only.csv", "layout", "the header and no rows (a month with no payments)", 0))
    add("csv_named_xlsx.xlsx", good,
        ok("csv_named_xlsx.xlsx", "layout", "a CSV with an .xlsx name (read by content)", 3))
    add("xlsx_named_csv.csv", simple_xlsx([H, *[[f"Supplier {i} Ltd", 10.0 * (i + 1), "01/02/2024",
                                                 "WN1 1YN"] for i in range(3)]]),
        ok("xlsx_named_csv.csv", "layout", "a workbook with a .csv name (read by content)", 3,
           pence_counted=6000))
    add("ragged_rows.csv",
        csv_text([H, ROW, ["Short Row Ltd", "5.00"], [*ROW, "stray", "values"], ["Tiny Ltd"]]),
        ok("ragged_rows.csv", "layout", "rows shorter and longer than the header", 3, 1,
           rejected={"5": "no amount"}))
    add("header_row_50.csv", "Council payments\n" + "\n" * 10 + "Report run 01/03/2024\n" * 38
        + good, ok("header_row_50.csv", "layout", "title lines and blank lines, the header on row 50",
                   3, header_row=50))
    add("title_rows.xlsx", simple_xlsx([["Wigan Council"], ["Payments over £500"], [], [], *ledger(4)]),
        ok("title_rows.xlsx", "layout", "a workbook with title rows above the header (row 5)", 4,
           pence_counted=10000, header_row=5))
    add("stray_far_cell.xlsx", xlsx([Sheet("Payments", ledger(2), tail=far_cell("CV20000", "note"))]),
        ok("stray_far_cell.xlsx", "layout", "a stray note at CV20000, far below and beside the "
           "table: the empty rows are skipped, the note's row rejected (no payee)", 2, 1,
           rejected={"20000": "no payee"}))
    add("blank_lines.csv", csv_text([H, ROW]) + "\n,,,\n\n" + csv_text([ROW, ROW]) + ",,,\n",
        ok("blank_lines.csv", "layout", "blank and delimiter-only lines among the rows", 3))
    add("line_endings_mixed.csv", csv_text([H, ROW], nl="\r\n") + csv_text([ROW], nl="\r")
        + csv_text([ROW], nl="\n"), ok("line_endings_mixed.csv", "layout", "CRLF, CR and LF in one file", 3))
    add("semicolons.csv", csv_text(ledger(4), sep=";"),
        ok("semicolons.csv", "layout", "semicolon-separated", 4))
    add("pipes.txt", csv_text(ledger(4), sep="|"), ok("pipes.txt", "layout", "pipe-separated .txt", 4))
    add("quoted_newlines.csv",
        csv_text([H, ["Multi\nLine Supplies Ltd", "10.00", "01/02/2024", "WN1 1YN"], ["Next Ltd", "x",
                                                                                     "01/02/2024", ""]]),
        ok("quoted_newlines.csv", "layout", "a payee with a line break inside quotes (the next "
           "record is row 3, as a spreadsheet shows it, though it is line 4)", 1, 1,
           rejected={"3": "Amount: 'x'"}))
    add("wide_trailing_commas.csv",
        "".join(",".join(r) + "," * 50000 + "\n" for r in ledger(3)),
        ok("wide_trailing_commas.csv", "layout", "50,000 empty columns after every row", 3))
    add("long_field_100k.csv", csv_text([H, ["A" * 100000, "10.00", "01/02/2024", "WN1 1YN"], ROW]),
        ok("long_field_100k.csv", "layout", "a 100,000-character payee", 2))
    add("long_field_300k_ragged.csv",
        csv_text([H, ["Note " * 60000, "10.00", "01/02/2024", "WN1 1YN"], [*ROW, "extra"]]),
        ok("long_field_300k_ragged.csv", "layout",
           "a 300,000-character cell in a ragged file (past the csv module's default limit)", 2))
    add("duplicate_columns.csv",
        csv_text([["Supplier Name", "Amount", "Amount", "Payment Date", "Postcode", "Supplier Name"],
                  ["Acme Ltd", "10.00", "99.00", "01/02/2024", "WN1 1YN", "Other"]]),
        ok("duplicate_columns.csv", "columns",
           "two 'Amount' and two 'Supplier Name' columns: the leftmost is used", 1, pence_counted=1000))
    merged = Sheet("Payments", [H, ["Merged Payee Ltd", 10, "01/02/2024", "WN1 1YN"],
                                ["", 20, "02/02/2024", "WN1 1YN"],
                                ["Two Row Amount Ltd", 30, "03/02/2024", "WN1 1YN"],
                                ["Second Payee Ltd", "", "03/02/2024", "WN1 1YN"]],
                   merges=["A2:A3", "B4:B5"])
    add("merged_cells.xlsx", xlsx([merged]),
        ok("merged_cells.xlsx", "layout", "a payee merged over two rows (read on both) and an amount "
           "merged over two rows (counted once; the second row rejected)", 3, 1,
           rejected={"5": "no amount"}, pence_counted=6000))
    add("hidden_data_sheet.xlsx",
        xlsx([Sheet("Read me", [["This workbook"], ["holds the payments on another sheet"]]),
              Sheet("Data", ledger(5), state="hidden")]),
        ok("hidden_data_sheet.xlsx", "layout", "the ledger on a hidden sheet, a note visible", 5,
           sheet="Data"))
    add("hidden_decoy_sheet.xlsx",
        xlsx([Sheet("Payments", ledger(2)), Sheet("Old", ledger(9), state="hidden"),
              Sheet("Older", ledger(9), state="veryHidden")]),
        ok("hidden_decoy_sheet.xlsx", "layout", "a visible ledger and hidden old ones: the visible "
           "sheet is read, the hidden ones named in the notes", 2, sheet="Payments"))
    add("two_months.zip", zipped({"2024-01.csv": csv_text(ledger(2)), "2024-02.xlsx": simple_xlsx(ledger(3)),
                                  "README.txt": "Payments over £500.\nPublished monthly."}),
        ok("two_months.zip", "layout", "a zip of a CSV and a workbook, and a README.txt (skipped: "
           "no ledger header)", 5))
    add("totals_row.csv", csv_text([*ledger(3), ["Total", "60.00", "", ""]]),
        ok("totals_row.csv", "layout", "a totals row at the foot: set aside, not counted twice", 3, 1,
           rejected={"5": "totals row"}, pence_counted=6000))

    # -------------------------------------------------- encoding
    text = csv_text([H, ["Café Nero Ltd", "£1,000.00", "01/02/2024", "WN1 1YN"], ["Zoë’s Bakery", "£5.00",
                                                                                  "01/02/2024", "WN1 1YN"]])
    add("utf16_le_bom.csv", text.encode("utf-16"),
        ok("utf16_le_bom.csv", "encoding", "UTF-16 little-endian with BOM (Excel's 'Unicode text')",
           2, pence_counted=100500))
    add("utf16_be_bom.csv", b"\xfe\xff" + text.encode("utf-16-be"),
        ok("utf16_be_bom.csv", "encoding", "UTF-16 big-endian with BOM", 2, pence_counted=100500))
    add("utf16_no_bom.csv", text.encode("utf-16-le"),
        ok("utf16_no_bom.csv", "encoding", "UTF-16 without a BOM", 2, pence_counted=100500))
    add("windows_1252.csv", text.encode("cp1252"),
        ok("windows_1252.csv", "encoding", "Windows-1252: £ and ’ as single bytes", 2,
           pence_counted=100500))
    add("mixed_utf8_cp1252.csv", text.encode("utf-8")
        + "Crème Ltd,£7.00,01/02/2024,WN1 1YN\n".encode("cp1252"),
        ok("mixed_utf8_cp1252.csv", "encoding",
           "UTF-8 with one line pasted from a Windows-1252 system (its £ is one byte)", 3,
           pence_counted=101200))
    add("utf8_bom_cp1252_line.csv", b"\xef\xbb\xbf" + text.encode("utf-8")
        + "Crème Ltd,£7.00,01/02/2024,WN1 1YN\n".encode("cp1252"),
        ok("utf8_bom_cp1252_line.csv", "encoding", "the same behind a UTF-8 BOM", 3, pence_counted=101200))
    add("latin1_undefined_bytes.csv", csv_text(ledger(2)).encode() + b"Odd \x81\x8d Ltd,3.00,01/02/2024,WN1 1YN\n",
        ok("latin1_undefined_bytes.csv", "encoding",
           "bytes Windows-1252 leaves undefined (read as Latin-1)", 3))
    add("nul_bytes.csv", csv_text(ledger(3)).replace("Supplier 1", "Supp\x00lier 1").encode(),
        ok("nul_bytes.csv", "encoding", "NUL bytes inside a cell", 3))
    add("control_characters.csv",
        csv_text([H] + [[f"Supplier {i}\x07 Ltd" if i % 50 == 0 else f"Supplier {i} Ltd", "1.00",
                         "01/02/2024", "WN1 1YN"] for i in range(200)]),
        ok("control_characters.csv", "encoding", "a few bell characters in payee names", 200))

    # -------------------------------------------------- values
    amounts = ["N/A", "1e309", "£", "--5", "nan", "inf", "0x10", "１０", "12,34", "1,2,3", "", "£££",
               "-", "1.2.3", "99999999999999999"]
    good_amounts = [("(5.00)", -500), ("5.00-", -500), ("5.00 CR", -500), ("£1,234.56", 123456),
                    ("1e3", 100000), (" 7 ", 700), ("-0.01", -1)]
    rows = [H] + [[f"Bad {i} Ltd", a, "01/02/2024", "WN1 1YN"] for i, a in enumerate(amounts)]
    rows += [[f"Good {i} Ltd", a, "01/02/2024", "WN1 1YN"] for i, (a, _) in enumerate(good_amounts)]
    add("bad_amounts.csv", csv_text(rows),
        ok("bad_amounts.csv", "values", "amounts N/A, 1e309, £, --5, NaN, hex, full-width digits, "
           "bad commas, blank, too large; and credits in four notations", len(good_amounts),
           len(amounts), pence_counted=sum(p for _, p in good_amounts),
           rejected={"2": "Amount: 'N/A' is not an amount", "3": "Amount: '1e309'",
                     "4": "Amount: '£'", "5": "Amount: '--5'", "12": "Amount: no amount",
                     "16": "too large"}))
    dates = ["31/02/2024", "00/00/0000", "2024-13-01", "29/02/2023", "yesterday", "32-Jan-2024",
             "01/02/20245", "99999"]
    good_dates = ["29/02/2024", "2024-02-01", "01-Feb-2024", "45323", "1/2/24", ""]
    rows = [H] + [[f"Bad {i} Ltd", "1.00", d, "WN1 1YN"] for i, d in enumerate(dates)]
    rows += [[f"Good {i} Ltd", "1.00", d, "WN1 1YN"] for i, d in enumerate(good_dates)]
    add("bad_dates.csv", csv_text(rows),
        ok("bad_dates.csv", "values", "dates 31/02/2024, 00/00/0000, month 13, 29/02 of a "
           "non-leap year, words; and good dates in five notations and one blank", len(good_dates),
           len(dates), rejected={"2": "Payment Date: '31/02/2024' is not a date",
                                 "3": "Payment Date: '00/00/0000'", "5": "'29/02/2023'"}))
    add("numbers_as_cells.xlsx",
        simple_xlsx([H, ["Float Ltd", 0.1 + 0.2, "01/02/2024", "WN1 1YN"], ["Huge Ltd", 1e300, "01/02/2024",
                                                                            "WN1 1YN"],
                     ["Negative Ltd", -12.5, "01/02/2024", "WN1 1YN"], ["Bool Ltd", True, "01/02/2024",
                                                                        "WN1 1YN"]]),
        ok("numbers_as_cells.xlsx", "values", "number cells: float noise, 1e300, negative, a boolean",
           2, 2, pence_counted=30 - 1250, rejected={"3": "Amount: '1e+300'", "5": "Amount: 'TRUE'"}))
    add("redacted_payees.csv",
        csv_text([H, ["REDACTED", "10.00", "01/02/2024", ""], ["Personal Information", "20.00", "01/02/2024",
                                                               ""],
                  ["", "30.00", "01/02/2024", "WN1 1YN"], ["   ", "40.00", "01/02/2024", "WN1 1YN"]]),
        ok("redacted_payees.csv", "values", "redacted payees (counted, unknown) and blank payees "
           "(rejected: no payee)", 2, 2, rejected={"4": "no payee", "5": "no payee"},
           geography={"unknown": 2}))

    # -------------------------------------------------- places
    pcs = [("WN1 1YN", "local"), ("wn1 1yn", "local"), ("  wn5   0lh ", "local"), ("WN11YN", "local"),
           ("BL1 1AA", "sub_regional"), ("WA1 1UH", "sub_regional"), ("M1 1AE", "regional"),
           ("L1 8JQ", "regional"), ("SW1A 1AA", "national"), ("BT1 1AA", "national"),
           ("CF10 1AA", "national"), ("GY1 1EW", "outside_uk"), ("IM1 1AA", "outside_uk"),
           ("GIR 0AA", "unknown"), ("AB1", "unknown"), ("WN1 OYN", "unknown"), ("0L1 1AA", "unknown"),
           ("ZZ9 9ZZ", "unknown"), ("TBC", "unknown"), ("", "unknown"), ("SW1A 1AAX", "unknown")]
    geo: dict[str, int] = {}
    for _, g in pcs:
        geo[g] = geo.get(g, 0) + 1
    add("postcodes.csv", csv_text([H] + [[f"Payee {i} Ltd", "1.00", "01/02/2024", pc]
                                          for i, (pc, _) in enumerate(pcs)]),
        ok("postcodes.csv", "places", "postcodes in lower case, compact, padded; AB1, GIR 0AA, "
           "letter O for zero, ZZ9 9ZZ, TBC, blank", len(pcs), geography=geo))
    add("nobody_placed.csv",
        csv_text([H] + [[f"Payee {i} Ltd", "1.00", "01/02/2024", pc] for i, pc in
                        enumerate(["", "TBC", "N/A", "AB1", "ZZ9 9ZZ", "unknown"])]),
        ok("nobody_placed.csv", "places", "a ledger in which no payee can be placed", 6,
           geography={"unknown": 6, "local": 0}))
    add("postcode_in_address.csv",
        csv_text([["Supplier Name", "Amount", "Address"], ["Acme Ltd", "1.00", "1 Market St, Wigan WN1 1YN"],
                  ["Far Ltd", "1.00", "10 Downing St, London SW1A 2AA"], ["None Ltd", "1.00", "PO Box 1"]]),
        ok("postcode_in_address.csv", "places", "no postcode column: postcodes found in addresses", 3,
           geography={"local": 1, "national": 1, "unknown": 1}))

    # -------------------------------------------------- formulas
    add("formula_text.csv",
        csv_text([["Supplier Name", "Amount", "Payment Date", "Postcode", "Service Area"],
                  ["=SUM(A1:A9)", "10.00", "01/02/2024", "WN1 1YN", "=1+1"],
                  ['=HYPERLINK("http://example.invalid/x","Click")', "5.00", "01/02/2024", "WN1 1YN", "+cmd"],
                  ["@SUM(1)", "1.00", "01/02/2024", "WN1 1YN", "\tTabbed"],
                  ["-2+3 Ltd", "-1.00", "01/02/2024", "WN1 1YN", "\rReturn"],
                  ["+44 Ltd", "2.00", "01/02/2024", "=cmd|' /C calc'!A0", "-Dept"]]),
        ok("formula_text.csv", "formulas", "payees and departments that a spreadsheet would run "
           "(=, +, -, @, tab, CR, a DDE payload)", 5, pence_counted=1700))
    add("formula_cells.xlsx",
        simple_xlsx([H, ["Cached Ltd", Formula("=10+5", 15.0), "01/02/2024", "WN1 1YN"],
                     [Formula('=CONCAT("Name"," Ltd")', "Name Ltd"), 7, "01/02/2024", "WN1 1YN"],
                     ["Uncalculated Ltd", Formula("=SUM(B2:B3)"), "01/02/2024", "WN1 1YN"],
                     ['=HYPERLINK("http://example.invalid","x")', 3, "01/02/2024", "WN1 1YN"]]),
        ok("formula_cells.xlsx", "formulas", "formula cells with saved values (read as values), one "
           "never calculated (no amount: rejected), and text that looks like a formula", 3, 1,
           pence_counted=2500, rejected={"4": "no amount"}))
    add("reserved_column_names.csv",
        csv_text([["payee", "amount", "date", "postcode", "geography", "reason", "source_row"],
                  ["Acme Ltd", "10.00", "01/02/2024", "WN1 1YN", "x", "y", "z"],
                  ["Bad Ltd", "ten", "01/02/2024", "WN1 1YN", "x", "y", "z"]]),
        ok("reserved_column_names.csv", "columns", "a ledger whose own headers are spendkit's output "
           "names (amount, geography, reason, source_row)", 1, 1, rejected={"3": "'ten'"}))

    return cases


# ---------------------------------------------------------------- running a case

# What a spreadsheet would run: = + - @ behind any whitespace, control or invisible characters
# (a line feed, a space, an RTL mark), or a leading tab or carriage return ...
UNSAFE = re.compile(r"^(?:[\t\r]|[\x00-\x20\x7f\u200b-\u200f\u202a-\u202e\ufeff]*[=+\-@])")
NUMBER = re.compile(r"[+-]?[0-9,]*\.?[0-9]+")  # ... unless it is a plain number


def unsafe_cells(cells: list[str]) -> list[str]:
    """Text cells a spreadsheet would run as a formula."""
    return [c for c in cells if UNSAFE.match(c) and not NUMBER.fullmatch(c.strip())]


def read_table(path: Path) -> tuple[list[list[str]], list[str], int]:
    """An output file as written: its rows (header first) as text, its text cells (what a
    spreadsheet might run), and its formula cells (XLSX)."""
    if path.suffix == ".xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(path).active
        cells = [c for row in sheet.iter_rows() for c in row]
        rows = [["" if c.value is None else str(c.value) for c in row] for row in sheet.iter_rows()]
        return rows, [c.value for c in cells if isinstance(c.value, str)], \
            sum(c.data_type == "f" for c in cells)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        columns = [["" if v is None else str(v) for v in col.to_pylist()] for col in table.columns]
        rows = [list(table.column_names)] + [list(r) for r in zip(*columns, strict=True)]
        return rows, [], 0  # data, not a spreadsheet: its text is kept as written
    return (rows := csv_rows(path.read_text(encoding="utf-8-sig"))), [c for r in rows for c in r], 0


def csv_rows(text: str) -> list[list[str]]:
    """CSV text (a file's, or stdout's) as rows of cells."""
    import csv

    csv.field_size_limit(2**31 - 1)
    return list(csv.reader(io.StringIO(text, newline="")))


@dataclass
class Outcome:
    """What one run of a case did, and every way it differed from its promise."""

    name: str
    category: str
    expected_exit: int
    exit_code: int | None = None
    traceback: bool = False
    stderr: str = ""
    problems: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_counted: int = 0
    rows_rejected: int = 0
    rows_lost: int = 0  # read, yet neither in the classified file nor the rejected file
    pence_read: int = 0
    pence_counted: int = 0
    pence_rejected: int = 0
    unsafe_cells: int = 0
    skipped: str = ""


def check(case: Case, folder: Path, workdir: Path, *, out_name: str = "out.csv") -> Outcome:
    """Run ``spendkit classify CASE --place Wigan --out WORKDIR/out.csv --format json`` in
    process and compare what it did with the case's promise (``out_name`` may be .xlsx)."""
    from typer.testing import CliRunner

    from spendkit.cli.app import app

    got = Outcome(case.name, case.category, case.expected_exit)
    if case.skip_as_root and hasattr(os, "geteuid") and os.geteuid() == 0:
        got.skipped = "file permissions do not bind root"
        return got
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "keep.txt").write_text("a file that was there before\n")
    before = sorted(p.name for p in workdir.iterdir())
    out = workdir / out_name
    result = CliRunner().invoke(app, ["classify", str(folder / case.name), "--place", "Wigan",
                                      "--out", str(out), "--format", "json"], env=case.env or None)
    got.exit_code, got.stderr = result.exit_code, result.stderr
    bug = result.exception is not None and not isinstance(result.exception, SystemExit)
    got.traceback = bug or "Traceback" in result.output or "Traceback" in result.stderr
    problems = got.problems
    if got.traceback:
        problems.append(f"a traceback ({result.exception!r})")
    if result.exit_code != case.expected_exit:
        problems.append(f"exit {result.exit_code}, expected {case.expected_exit}: "
                        f"{result.stderr.strip()[-300:]}")
    after = sorted(p.name for p in workdir.iterdir())
    if case.expected_exit != 0 or result.exit_code != 0:
        for text in case.message_contains:
            if text not in result.stderr:
                problems.append(f"the message does not hold {text!r}: {result.stderr.strip()[-300:]!r}")
        if after != before:
            problems.append(f"the output folder changed on failure: {after}")
        return got
    rejected_out = out.with_name(f"{out.stem}.rejected{out.suffix}")
    if after != sorted({*before, out.name, rejected_out.name}):
        problems.append(f"the output folder holds {after}")
    rec = json.loads(result.stdout)["reconciliation"]
    got.rows_read, got.rows_counted, got.rows_rejected = rec["rows_read"], rec["rows_counted"], rec["rows_rejected"]
    got.pence_read, got.pence_counted, got.pence_rejected = rec["pence_read"], rec["pence_counted"], rec["pence_rejected"]
    if not rec["balanced"]:
        problems.append(f"the reconciliation does not balance: {rec}")
    (rows, text, formulas), (rejected, rejected_text, rejected_formulas) = \
        read_table(out), read_table(rejected_out)
    in_files = (len(rows) - 1) + (len(rejected) - 1)
    got.rows_lost = max(0, got.rows_read - in_files)
    if len(rows) - 1 != got.rows_counted or len(rejected) - 1 != got.rows_rejected:
        problems.append(f"the files hold {len(rows) - 1} + {len(rejected) - 1} rows, the figures say "
                        f"{got.rows_counted} + {got.rows_rejected}")
    if got.rows_read != got.rows_counted + got.rows_rejected:
        problems.append(f"rows read {got.rows_read} != counted + rejected")
    if case.rows_counted is not None and got.rows_counted != case.rows_counted:
        problems.append(f"{got.rows_counted} rows counted, expected {case.rows_counted}")
    if case.rows_rejected is not None and got.rows_rejected != case.rows_rejected:
        problems.append(f"{got.rows_rejected} rows rejected, expected {case.rows_rejected}: "
                        f"{rec['rejected_by_reason']}")
    if case.pence_counted is not None and got.pence_counted != case.pence_counted:
        problems.append(f"{got.pence_counted} pence counted, expected {case.pence_counted}")
    if len(rejected) > 1:
        head = rejected[0]
        reasons = {r[head.index("source_row")]: r[head.index("reason")] for r in rejected[1:]}
        if any(not reason for reason in reasons.values()):
            problems.append("a rejected row has no reason")
        for row, text in case.rejected.items():
            if text not in reasons.get(row, ""):
                problems.append(f"row {row}'s reason {reasons.get(row)!r} lacks {text!r}")
    elif case.rejected:
        problems.append(f"no rejected rows; expected {case.rejected}")
    doc = json.loads(result.stdout)
    first = doc["inputs"][0] if doc["inputs"] else {}
    if case.header_row is not None and first.get("header_row") != case.header_row:
        problems.append(f"header found on row {first.get('header_row')}, expected {case.header_row}")
    if case.sheet is not None and first.get("sheet") != case.sheet:
        problems.append(f"read sheet {first.get('sheet')!r}, expected {case.sheet!r}")
    geography = doc["geography"]
    for cls, n in case.geography.items():
        if geography[cls]["rows"] != n:
            problems.append(f"{geography[cls]['rows']} rows {cls}, expected {n}")
    unsafe = unsafe_cells(text) + unsafe_cells(rejected_text)
    got.unsafe_cells = len(unsafe) + formulas + rejected_formulas
    if got.unsafe_cells:
        problems.append(f"cells a spreadsheet would run: {unsafe[:5]}, formula cells: "
                        f"{formulas + rejected_formulas}")
    return got


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    folder = Path(argv[0])
    cases = build(folder)
    manifest = {"categories": CATEGORIES, "cases": [asdict(c) for c in cases]}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and os.access(p, os.R_OK))
    print(f"{len(cases)} cases ({size / 1e6:.1f} MB) in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
