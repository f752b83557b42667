"""Parquet -> a raw table of text: typed columns written as a finance system would write them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from spendkit.errors import InputFileError
from spendkit.read.guard import check_need, parquet_need
from spendkit.read.table import MAX_COLUMNS, RawTable, finish, rechunk, too_wide

if TYPE_CHECKING:
    import pandas as pd

# ---------------------------------------------------------------- Parquet
# A Parquet file is read as a CSV with its column names on row 1: row N is its record N - 1
# (the first record is row 2), every value as text ("" for a null).

def read_parquet_bytes(data: bytes, source: str) -> RawTable:
    """A Parquet file's records as one table of text."""
    import pyarrow as pa

    return next(parquet_parts(open_parquet(pa.BufferReader(data), source), source, None))


def open_parquet(file: Any, source: str) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(file if isinstance(file, pa.NativeFile) else str(file))
    except (pa.ArrowException, OSError, ValueError, EOFError) as exc:
        raise _damaged_parquet(source, exc) from None


def _damaged_parquet(source: str, exc: BaseException) -> InputFileError:
    msg = str(exc).strip().splitlines()
    return InputFileError(f"{source}: the Parquet file is damaged ({msg[0] if msg else type(exc).__name__}).",
                          hint="Export or download it again.")


def parquet_parts(pf: Any, source: str, chunk_rows: int | None) -> Iterator[RawTable]:
    """A Parquet file's parts of ``chunk_rows`` records (all in one, None), read by record batch.
    Each part must fit in memory as text (guard.parquet_need, from the footer): a small file
    of millions of repeated values is refused before it is expanded."""
    import numpy as np
    import pyarrow as pa

    header = [str(n) for n in pf.schema_arrow.names]
    if len(header) > MAX_COLUMNS:
        raise InputFileError(*too_wide(source, 1, len(header)))
    check_need(source, parquet_need(pf.metadata, chunk_rows),
               "is" if chunk_rows is None else f"a part of {chunk_rows:,} records is")

    def batches() -> Iterator[Any]:
        if chunk_rows is None:
            yield from pf.read().to_batches()
        else:
            yield from pf.iter_batches(batch_size=min(chunk_rows, 65536))

    def checked() -> Iterator[Any]:
        it = batches()
        while True:
            try:
                batch = next(it)
            except StopIteration:
                return
            except (pa.ArrowException, OSError, ValueError, EOFError) as exc:
                raise _damaged_parquet(source, exc) from None
            yield batch

    done = 0
    for part, (group, _) in enumerate(rechunk(checked(), chunk_rows or 2**62)):
        tbl = pa.Table.from_batches(group) if group else pf.schema_arrow.empty_table()
        frame = _parquet_frame(tbl)
        del tbl, group
        numbers = np.arange(done, done + len(frame), dtype=np.int64)
        done += len(frame)
        table = finish(frame, numbers, header, 1, source, 0)
        table.part = part
        yield table


def _parquet_frame(tbl: Any) -> pd.DataFrame:
    """A pyarrow table's columns as text, in a frame with columns 0, 1, 2..."""
    import pandas as pd
    import pyarrow as pa

    texts = [_parquet_text(tbl.column(i)) for i in range(tbl.num_columns)]
    frame = pa.table(texts, names=[f"c{i}" for i in range(len(texts))]).to_pandas() if texts \
        else pd.DataFrame(index=range(tbl.num_rows))
    frame.columns = list(range(len(texts)))
    return frame


def _parquet_text(col: Any) -> Any:
    """A Parquet column as text, "" for a null: strings as they are, integers as digits, floats
    as _parquet_floats, decimals exactly, dates as YYYY-MM-DD, date-times as
    _parquet_timestamps, times as HH:MM:SS, booleans as true/false, anything else as Python
    writes it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = col.type
    if pa.types.is_dictionary(t):
        col, t = col.cast(t.value_type), t.value_type
    if pa.types.is_null(t) or pa.types.is_string(t) or pa.types.is_large_string(t) \
            or pa.types.is_string_view(t):
        text = col.cast(pa.string())
        try:
            text.validate(full=True)  # a writer may store bytes that are not UTF-8 as text
        except pa.ArrowInvalid:
            text = _decoded(col)
    elif pa.types.is_floating(t):
        text = _parquet_floats(col)
    elif pa.types.is_timestamp(t):
        text = _parquet_timestamps(col)
    elif pa.types.is_date64(t):
        text = col.cast(pa.date32()).cast(pa.string())
    elif pa.types.is_time(t):
        text = pc.replace_substring_regex(col.cast(pa.string()), r"\.0+$", "")
    elif (pa.types.is_integer(t) or pa.types.is_decimal(t) or pa.types.is_boolean(t)
          or pa.types.is_date32(t)):
        text = col.cast(pa.string())
    elif pa.types.is_binary(t) or pa.types.is_large_binary(t):
        try:
            text = col.cast(pa.string())  # binary holding UTF-8
        except pa.ArrowInvalid:
            text = _decoded(col)
    else:
        text = pa.array([None if v is None else str(v) for v in col.to_pylist()], pa.string())
    return pc.fill_null(text, "")


def _decoded(col: Any) -> Any:
    """Bytes that are not all UTF-8 as text, as the CSV reader reads them: UTF-8 where they
    are, a byte that is not as Windows-1252 (decided once per distinct value)."""
    import pyarrow as pa

    from spendkit.read import csvfile  # noqa: F401  (registers the "spendkit-cp1252" handler)

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    codes = col.view(pa.binary()) if pa.types.is_string(col.type) else col.cast(pa.binary())
    codes = codes.dictionary_encode()
    values = [v.decode("utf-8", errors="spendkit-cp1252") for v in codes.dictionary.to_pylist()]
    return pa.array(values, pa.string()).take(codes.indices)


def _parquet_floats(col: Any) -> Any:
    """Floats as text. pyarrow writes the shortest text that reads back as the same number:
    exact for a ledger's amounts ("1234.5"), but with an exponent for very large or small
    numbers, and the binary noise of arithmetic (3703.6800000000003). Those few are written as
    Excel shows numbers, to 15 significant digits ("3703.68"), never with an exponent; NaN is
    an empty cell."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_float16(col.type):
        col = col.cast(pa.float32())
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    text = col.cast(pa.string())
    odd = pc.fill_null(pc.or_(pc.greater(pc.utf8_length(text), 15),
                              pc.match_substring_regex(text, "[en]")), False)
    if not pc.any(odd).as_py():
        return text
    values = pc.filter(col, odd).to_numpy(zero_copy_only=False)
    fixed = ["" if np.isnan(v) else str(v) if np.isinf(v) else
             np.format_float_positional(v, precision=15, unique=True, fractional=False, trim="-")
             for v in values]
    return pc.replace_with_mask(text, odd, pa.array(fixed, pa.string()))


def _parquet_timestamps(col: Any) -> Any:
    """Date-times as text: "YYYY-MM-DD" at midnight, else "YYYY-MM-DD HH:MM:SS" (with the
    fraction, if any, of a second). A zoned one is written at its zone's local time."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if col.type.tz is not None:
        col = pc.local_timestamp(col)
    seconds = pc.floor_temporal(col, unit="second")
    text = seconds.cast(pa.timestamp("s")).cast(pa.string())
    text = pc.if_else(pc.equal(pc.floor_temporal(col, unit="day"), col),
                      pc.utf8_slice_codeunits(text, 0, 10), text)
    fraction = pc.not_equal(seconds, col)
    if pc.any(fraction).as_py():
        text = pc.if_else(fraction, col.cast(pa.string()), text)
    return text

