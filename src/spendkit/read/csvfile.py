"""CSV text -> a raw table: encoding, delimiter, header row; pyarrow for clean files, the csv
module for ragged ones. See ``read`` for what a RawTable promises; ``csvstream`` reads a large
file in parts, ``csvbytes`` checks a file's bytes."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spendkit.errors import InputFileError
from spendkit.read.csvbytes import FileBytes, decode_head, has_blank_line_bytes, valid_utf8
from spendkit.read.headers import preamble_note
from spendkit.read.table import (
    DELIMITERS,
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    HeaderScorer,
    RawTable,
    clean_header,
    default_scorer,
    find_header,
    finish,
    numberish,
    too_wide,
    trim,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

CSV_FIELD_LIMIT = 2**31 - 1  # the csv module's default (131,072 characters) is too small


def _has_blank_line(text: str, start: int) -> bool:
    """An empty line after ``start`` (LF, CRLF or CR endings); str.find is far faster than a regex."""
    return any(text.find(pair, start) >= 0 for pair in ("\n\n", "\n\r\n", "\r\r"))


_LINE_BREAK = re.compile(r"\r\n|\n|\r")
# A well-formed UTF-8 sequence of two to four bytes: a file holding them is UTF-8 at heart,
# even when a few lines were pasted in from a Windows-1252 system.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]"
                             rb"|[\xe1-\xef][\x80-\xbf]{2}|\xf0[\x90-\xbf][\x80-\xbf]{2}"
                             rb"|[\xf1-\xf3][\x80-\xbf]{3}")

def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: bytes that are not UTF-8 are read as Windows-1252 (else Latin-1)."""
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start:err.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), err.end


codecs.register_error("spendkit-cp1252", _cp1252_fallback)


# ---------------------------------------------------------------- CSV

HEAD_BYTES = 4 * 262144 + 8  # bytes that decode to at least the 262,144 characters searched for the header
ARROW_BLOCK = 8 << 20  # the bytes pyarrow parses at a time (a record may not be longer)
# pyarrow's threads take some 60% more CPU time than one thread (1M rows: 0.41 s against
# 0.25 s), which two cores hardly win back, and a busy machine does not: one thread.
ARROW_THREADS = False


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16, else Windows-1252, else Latin-1.

    A UTF-8 file with a few Windows-1252 lines pasted in (a `£` written as the single byte
    0xA3) keeps both: each byte that is not UTF-8 is read as Windows-1252.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="spendkit-cp1252"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    utf16 = utf16_without_bom(data[:65536])
    if utf16:
        return data.decode(utf16, errors="replace"), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(data):
        return data.decode("utf-8", errors="spendkit-cp1252"), "utf-8 (some lines Windows-1252)"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when text has no BOM but a NUL in every other byte."""
    n = len(head) - len(head) % 2
    if n < 8:
        return None
    even, odd = head[0:n:2], head[1:n:2]
    half = n // 2
    if odd.count(0) > 0.9 * half and even.count(0) < 0.1 * half:
        return "utf-16-le"
    if even.count(0) > 0.9 * half and odd.count(0) < 0.1 * half:
        return "utf-16-be"
    return None


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the first lines most consistently into the most fields."""
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    best, best_score = ",", -1.0
    for delim in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        wide = [c for c in counts if c > 1]
        if not wide:
            continue
        mode = max(set(wide), key=wide.count)
        score = wide.count(mode) * mode
        if score > best_score:
            best, best_score = delim, score
    return best


def read_csv_bytes(data: bytes, source: str, *, score_header: HeaderScorer | None = None) -> RawTable:
    scorer = score_header or default_scorer
    moved = header_last(data, scorer)
    if moved is None:
        return _read_csv(data, source, scorer)
    # Read with the header first, then numbered as the file shows: data rows from row 1, the
    # header below them.
    table = _read_csv(moved, source, scorer)
    table.row_numbers = table.row_numbers - 1
    table.header_row = int(table.row_numbers.max(initial=0)) + 1
    table.notes.append(f"the header is the file's last line (row {table.header_row:,}): the rows "
                       "above it are read under it")
    return table


def header_last(data: bytes, scorer: HeaderScorer) -> bytes | None:
    """A file whose header is its last line (a sheet sorted with its header, say), with that line
    moved to the top; None when a header is found in the first lines, or the last is none."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    end = len(data)
    while end > start and data[end - 1] in b"\r\n":
        end -= 1
    near = max(start, end - HEAD_BYTES)  # a line longer than this is no header: nothing is copied
    cut = max(data.rfind(b"\n", near, end), data.rfind(b"\r", near, end)) + 1
    if cut <= start or b"\x00" in data[start:start + 4096]:  # one line, or UTF-16: not this shape
        return None
    head = decode(data[start:min(cut, start + HEAD_BYTES)])[0]
    delimiter = sniff_delimiter(head[:65536])
    with field_limit():
        try:
            if any(scorer(trim(r)) > 0 for r in first_records(head, delimiter, limit=HEADER_SEARCH_ROWS)):
                return None
            last = next(csv.reader([decode(data[cut:end])[0]], delimiter=delimiter), [])
        except csv.Error:
            return None
    last = trim([clean_header(c) for c in last])
    if scorer(last) <= 0 or any(numberish(c) for c in last if c):  # a totals line is no header
        return None
    return data[:start] + data[cut:end] + b"\n" + data[start:cut]


def _read_csv(data: bytes, source: str, scorer: HeaderScorer) -> RawTable:
    tried_arrow = False
    utf8 = _utf8_start(data)
    if utf8 is not None:
        # UTF-8 without NUL bytes: pyarrow reads the file's own bytes, and only the head (where
        # the header is) is decoded. Anything it cannot read is read below, as text.
        encoding, start = utf8
        whole = start + HEAD_BYTES >= len(data)
        head = decode_head(data[start:start + HEAD_BYTES], whole=whole)
        layout = csv_layout(head, source, scorer)
        body_at = body_byte_offset(layout, head, start, whole=whole)
        if body_at is not None and not has_blank_line_bytes(data, body_at):
            tried_arrow = True
            table = _arrow_body("", layout.full_header, layout.delimiter, encoding, data, body_at)
            if table is not None:
                frame, row_numbers, blank = table
                check_unclosed_quote_at_end(frame, row_numbers, FileBytes(data=data), start, source,
                                             layout.header_row)
                return layout.noted(finish(frame, row_numbers, layout.header, layout.header_row, source,
                                           blank, encoding=encoding, delimiter=layout.delimiter))
    text, encoding = decode(data)
    if "\x00" in text:
        text = text.replace("\x00", "")
    layout = csv_layout(text, source, scorer)
    with field_limit():
        try:
            table = None
            if (not tried_arrow and layout.body is not None and len(layout.full_header) <= MAX_COLUMNS
                    and not _has_blank_line(text, layout.body)):
                table = _arrow_body(text[layout.body:], layout.full_header, layout.delimiter)
            if table is None:
                table = _python_body(text, layout.delimiter, layout.header_idx, layout.header, source)
        except csv.Error as exc:
            raise _not_csv(source, exc) from None
    frame, row_numbers, blank = table
    _check_unclosed_quote(frame, row_numbers, text, source, layout.header_row)
    return layout.noted(finish(frame, row_numbers, layout.header, layout.header_row, source, blank,
                               encoding=encoding, delimiter=layout.delimiter))


@dataclass
class Layout:
    """Where a CSV's table is, found in its first lines."""

    delimiter: str
    header_idx: int  # the header's index among the records
    full_header: list[str]  # the header's cells, cleaned, trailing empty ones included
    header: list[str]  # without them: trailing empty cells are not headers
    body: int | None  # character offset of the line after the header, if every line up to it is
    # one record (no quote or line break inside a cell)
    preamble: str | None = None  # what the rows above the header are (read.headers.preamble_note)

    @property
    def header_row(self) -> int:
        return self.header_idx + 1

    def noted(self, table: RawTable) -> RawTable:
        """``table`` with the note on the rows above its header, if any."""
        table.notes += [self.preamble] if self.preamble else []
        return table


def csv_layout(text: str, source: str, scorer: HeaderScorer) -> Layout:
    """The delimiter and the header, from the text's start (its first 262,144 characters)."""
    delimiter = sniff_delimiter(text[:65536])
    with field_limit():
        try:
            head_records = first_records(text, delimiter, limit=HEADER_SEARCH_ROWS)
        except csv.Error as exc:
            raise _not_csv(source, exc) from None
    header_idx = find_header([trim(r) for r in head_records], scorer)
    full_header = [clean_header(h) for h in head_records[header_idx]]
    header = trim(full_header)
    if len(header) > MAX_COLUMNS:
        raise InputFileError(*too_wide(source, header_idx + 1, len(header)))
    return Layout(delimiter, header_idx, full_header, header,
                  _offset_after_records(text, header_idx + 1, head_records),
                  preamble_note(head_records[:header_idx], header_idx + 1))


def _not_csv(source: str, exc: csv.Error) -> InputFileError:
    return InputFileError(f"{source}: cannot be read as CSV ({exc}).",
                          hint="Open it in a text editor, or export it again.")


@contextlib.contextmanager
def field_limit() -> Iterator[None]:
    """Let the csv module read long cells (a 100,000-character description is real data)."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, CSV_FIELD_LIMIT))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _check_unclosed_quote(frame: pd.DataFrame, row_numbers: np.ndarray, text: str, source: str,
                          header_row: int, *, lines_before: Callable[[int], int] | None = None) -> None:
    """Refuse a file whose quote (") opens a cell that is never closed.

    Both parsers then read every line after it into that one cell: the rows would vanish
    inside a rejected row. Such a cell is the last of the file and runs to its end.
    ``text`` may be the file's end only (see check_unclosed_quote_at_end), when
    ``lines_before(i)`` counts the line breaks in the file before ``text[i]``.
    """
    cell = _multiline_last_cell(frame)
    if cell is None:
        return
    for raw in (cell, cell.replace('"', '""')):
        start = len(text) - len(raw) - 1
        if text.endswith(raw) and start >= 0 and text[start] == '"':
            line = (lines_before(start) if lines_before else len(_LINE_BREAK.findall(text, 0, start))) + 1
            row = int(row_numbers[-1]) + header_row + 1
            raise InputFileError(
                f"{source}: row {row} (line {line} of the file): a quote (\") opens a cell that is "
                f"never closed, so the {len(_LINE_BREAK.findall(raw.rstrip(chr(13) + chr(10)))):,} "
                "line(s) after it would be read as one cell.",
                hint=f'Remove or close the quote on line {line} (write a quote inside a cell as "").')


def _multiline_last_cell(frame: pd.DataFrame) -> str | None:
    """The last row's last non-empty cell, if it spans lines: where an unclosed quote ends up."""
    if not len(frame):
        return None
    last = [str(v) for v in frame.iloc[-1].tolist() if v]
    if not last or not ("\n" in last[-1] or "\r" in last[-1]):
        return None
    return last[-1]


def check_unclosed_quote_at_end(frame: pd.DataFrame, row_numbers: np.ndarray, src: FileBytes,
                                 text_start: int, source: str, header_row: int) -> None:
    """_check_unclosed_quote for a UTF-8 file read as bytes: only its end is decoded, enough to
    hold the last cell with its quotes doubled and the character before it."""
    cell = _multiline_last_cell(frame)
    if cell is None:
        return
    at = max(text_start, src.size - 4 * (2 * len(cell) + 2))
    tail = src.read(at, src.size)
    skip = 0
    while at > text_start and skip < min(3, len(tail)) and 0x80 <= tail[skip] < 0xC0:
        skip += 1  # start on a character, not inside one
    text = tail[skip:].decode("utf-8")
    at += skip
    _check_unclosed_quote(frame, row_numbers, text, source, header_row,
                          lines_before=lambda i: src.line_breaks(at + len(text[:i].encode("utf-8"))))


def first_records(text: str, delimiter: str, limit: int) -> list[list[str]]:
    out = []
    for rec in csv.reader(io.StringIO(text[:262144], newline=""), delimiter=delimiter):
        out.append(rec)
        if len(out) >= limit:
            break
    return out or [[]]


def _offset_after_records(text: str, n: int, records: list[list[str]]) -> int | None:
    """Character offset just after the first ``n`` lines, if they hold exactly ``n`` records."""
    if any('"' in cell or "\n" in cell or "\r" in cell for rec in records[:n] for cell in rec):
        return None
    pos = 0
    for _ in range(n):
        m = re.compile(r"\r\n|\n|\r").search(text, pos)
        if m is None:
            return None
        pos = m.end()
    return pos


def _arrow_body(body: str, header: list[str], delimiter: str, encoding: str | None = None,
                original: bytes = b"", offset: int = 0) -> tuple[pd.DataFrame, np.ndarray, int] | None:
    """Fast path: pyarrow parses a clean body. Returns None if any row is ragged.

    Given ``original`` (the file's bytes, which the caller found to be UTF-8: ``encoding``),
    pyarrow reads them as they are from byte ``offset`` on, instead of ``body`` encoded again.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    invalid: list[Any] = []
    width = len(header)
    if original and encoding in ("utf-8", "utf-8-sig"):
        buffer = pa.py_buffer(memoryview(original)[offset:])
    else:
        buffer = pa.py_buffer(body.encode("utf-8"))
    try:
        tbl = pacsv.read_csv(pa.BufferReader(buffer), **arrow_options(width, delimiter, invalid))
    except pa.ArrowInvalid:
        return None
    if invalid:
        return None
    frame = tbl.to_pandas()
    frame.columns = list(range(width))
    return frame, np.arange(tbl.num_rows, dtype=np.int64), 0


def arrow_options(width: int, delimiter: str, invalid: list[Any], block: int | None = None,
                   threads: bool | None = None) -> dict[str, Any]:
    """pyarrow's CSV options for a body of ``width`` text columns; ragged rows go to ``invalid``.
    The body is UTF-8 (checked, or encoded from text), so pyarrow need not check it again."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def on_invalid(row: Any) -> str:
        invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(width)]
    return {"read_options": pacsv.ReadOptions(column_names=names, block_size=block or ARROW_BLOCK,
                                              use_threads=ARROW_THREADS if threads is None else threads),
            "parse_options": pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                                invalid_row_handler=on_invalid),
            "convert_options": pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()),
                                                    strings_can_be_null=False,
                                                    quoted_strings_can_be_null=False,
                                                    check_utf8=False)}


def _python_body(text: str, delimiter: str, header_idx: int, header: list[str],
                 source: str = "") -> tuple[pd.DataFrame, np.ndarray, int]:
    """Robust path for ragged rows and blank lines: the csv module, record by record."""
    import numpy as np
    import pandas as pd

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    numbers: list[int] = []
    for i, rec in enumerate(reader):
        if i > header_idx:
            if len(rec) > len(header):
                rec = trim(rec)
                if len(rec) > MAX_COLUMNS:
                    raise InputFileError(*too_wide(source, i + 1, len(rec)))
            rows.append(rec)
            numbers.append(i - header_idx - 1)
    width = max([len(header), *map(len, rows)]) if rows else len(header)
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], columns=range(width), dtype="str")
    return frame.fillna(""), np.asarray(numbers, dtype=np.int64), 0


# The fast path reads a UTF-8 file's own bytes (``csvbytes`` checks them): where its text and
# its body start.

def _utf8_start(data: bytes) -> tuple[str, int] | None:
    """(encoding, where the text starts) when ``decode`` reads ``data`` as plain UTF-8, with or
    without a BOM, and nothing is dropped from it (no NUL byte): pyarrow may then read the
    bytes as they are. (UTF-16 always holds NUL bytes, or bytes UTF-8 never has.)"""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if b"\x00" in data or not valid_utf8(memoryview(data)[start:]):
        return None
    return ("utf-8-sig" if start else "utf-8"), start


def body_byte_offset(layout: Layout, head: str, start: int, *, whole: bool) -> int | None:
    """Byte offset of the body's first line, for pyarrow; None when the body is not plain (or
    the header's line may end past the head, where a CR could be followed by a LF)."""
    if layout.body is None or len(layout.full_header) > MAX_COLUMNS:
        return None
    if not whole and layout.body >= len(head):
        return None
    return start + len(head[:layout.body].encode("utf-8"))


