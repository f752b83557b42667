"""A large CSV read in parts (``iter_tables``): pyarrow reads the file a block at a time while
the whole file is checked on a second core; a file it cannot stream raises NotStreamable and
is read whole (read_csv_bytes)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from spendkit.read import csvfile  # csvfile.ARROW_BLOCK read when called (tests set it)
from spendkit.read.csvbytes import FileBytes, decode_head, scan_csv
from spendkit.read.csvfile import (
    Layout,
    arrow_options,
    body_byte_offset,
    check_unclosed_quote_at_end,
    csv_layout,
)
from spendkit.read.table import HeaderScorer, RawTable, finish, rechunk, split_at_headers

# pyarrow reads some 30 blocks ahead when streaming: the memory that takes
STREAM_BLOCK = 1 << 20
STREAM_MIN_BYTES = 32 << 20  # iter_tables reads a smaller CSV whole


class NotStreamable(Exception):
    """This CSV must be read whole (by read_tables)."""


def csv_parts(path: Path, source: str, head: bytes, scorer: HeaderScorer,
              chunk_rows: int) -> Iterator[RawTable]:
    """iter_tables for a CSV file: its parts, read by pyarrow from the file a block at a time.
    Raises NotStreamable for a file read_csv_bytes would not give pyarrow as it is."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    src = FileBytes(path=path)
    layout, start, body_at = _stream_layout(head, src, source, scorer)
    encoding = "utf-8-sig" if start else "utf-8"
    width = len(layout.full_header)
    invalid: list[Any] = []
    names: list[str] = []
    done = 0
    # The whole file is checked (UTF-8, NUL bytes, blank lines) on a second core while pyarrow
    # parses the first part; no part is given before the check has passed.
    with ThreadPoolExecutor(1) as pool, pa.OSFile(str(path)) as f:
        scanned = pool.submit(scan_csv, path, start, body_at)
        f.seek(body_at)
        try:
            reader = pacsv.open_csv(f, **arrow_options(width, layout.delimiter, invalid,
                                                        min(csvfile.ARROW_BLOCK, STREAM_BLOCK)))
        except pa.ArrowInvalid:
            raise NotStreamable from None
        for part, (batches, last) in enumerate(rechunk(_checked_batches(reader, invalid), chunk_rows)):
            if not scanned.result():
                raise NotStreamable
            tbl = pa.Table.from_batches(batches, schema=reader.schema)
            frame = tbl.to_pandas()
            frame.columns = list(range(width))
            del tbl, batches
            numbers = np.arange(done, done + len(frame), dtype=np.int64)
            done += len(frame)
            if last:
                check_unclosed_quote_at_end(frame, numbers, src, start, source, layout.header_row)
            table = layout.noted(finish(frame, numbers, layout.header, layout.header_row, source, 0,
                                        encoding=encoding, delimiter=layout.delimiter))
            table.part = part
            if _has_header_rows(table, scorer):
                raise NotStreamable
            names = _same_columns(table, names)
            yield table


def _stream_layout(head: bytes, src: FileBytes, source: str, scorer: HeaderScorer
                   ) -> tuple[Layout, int, int]:
    """(layout, where the text starts, where the body starts) from the file's ``head``, or
    NotStreamable when pyarrow may not read the file's bytes as they are."""
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    whole = src.size <= len(head)
    if b"\x00" in head:
        raise NotStreamable
    try:
        text = decode_head(head[start:], whole=whole)
    except UnicodeDecodeError:
        raise NotStreamable from None
    layout = csv_layout(text, source, scorer)
    body_at = body_byte_offset(layout, text, start, whole=whole)
    if body_at is None:
        raise NotStreamable
    return layout, start, body_at


def _has_header_rows(table: RawTable, scorer: HeaderScorer) -> bool:
    """Whether a part holds a header row part-way down: the file is then read whole, where
    ``split_at_headers`` makes its tables."""
    split = split_at_headers(table, scorer)
    return len(split) > 1 or len(split[0].frame) != len(table.frame)


def _same_columns(table: RawTable, names: list[str]) -> list[str]:
    """Give a part part 0's columns (``names``; part 0 sets them) and drop its notes (part 0
    gave them). Columns beyond the header are kept up to the last that holds a value anywhere
    in the file: as part 0 found them, which a later part may not outgrow."""
    kept = list(table.frame.columns)
    if not table.part:
        return kept
    if len(kept) > len(names):
        raise NotStreamable
    for name in names[len(kept):]:
        table.frame[name] = ""
    table.notes = []
    return names


def _checked_batches(reader: Any, invalid: list[Any]) -> Iterator[Any]:
    """The record batches of a pyarrow CSV reader, until a ragged row (or an error) shows the
    file must be read whole: raises NotStreamable before any batch after it."""
    import pyarrow as pa

    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid:  # a cell longer than a block, say
            raise NotStreamable from None
        if invalid:
            raise NotStreamable
        yield batch
    if invalid:
        raise NotStreamable
