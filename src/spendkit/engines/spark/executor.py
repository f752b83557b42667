"""The Spark engine on the executors: each Arrow batch through the local engine's own steps.

``DataFrame.mapInArrow`` hands ``run_partition`` a partition's batches. Each batch is split
by file (a file is never split across partitions: ``multiLine``), its rows numbered as a
spreadsheet shows them, and each file's rows go through ``normalise.ledger.to_ledger`` and
``decide.rows.classify_rows``, exactly what the local engine runs. Counted, rejected and
blank rows all come out as one Arrow table in one fixed schema (``output_columns`` after the
ledger's own columns: ``OUTPUT_COLUMNS``, and the register columns when registers are used).

With registers, a first pass (``run_keys``) takes each batch through the same steps as far
as the payees the registers are matched on (``decide.rows.match_keys``) and gives back its
distinct payees; the driver matches them all once, and ``run_partition`` joins that match
table (``Task.matches``) onto every batch's rows (``decide.rows.join_matches``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from spendkit.config import Settings
from spendkit.decide.rows import (
    MATCH_KEYS,
    Prepared,
    classify_rows,
    distinct_keys,
    match_keys,
    supplier_rows,
)
from spendkit.decide.sectors import Rules
from spendkit.errors import InputFileError
from spendkit.normalise import ledger as _ledger
from spendkit.normalise import values as normalise
from spendkit.read.table import RawTable, clean_header, trim
from spendkit.reference.districts import Districts, Place
from spendkit.reference.postcode_index import PostcodeIndex
from spendkit.reference.suppliers import SupplierFile
from spendkit.schema import LEDGER_COLUMNS, ORGANISATION_COLUMNS, PLACE_COLUMNS, REGISTRY_KEPT

if TYPE_CHECKING:
    import pyarrow as pa

BLANK_REASON = "blank row (every cell empty; skipped, not counted)"

# The output schema after the ledger's own columns: the stages' columns (spendkit.schema),
# Spark's row id, and each row's status. name -> Arrow type name.
SPARK_COLUMNS = [("row_id", "int64")]
STATUS_COLUMNS = [("rejected_reason", "string"), ("totals_row_pence", "int64"), ("amount_text", "string")]
OUTPUT_COLUMNS = [*LEDGER_COLUMNS, *SPARK_COLUMNS, *PLACE_COLUMNS, *ORGANISATION_COLUMNS,
                  *STATUS_COLUMNS]
REGISTER_COLUMNS = [(c, "string") for c in REGISTRY_KEPT]  # with registers, after row_id
_CLASSIFIED = [n for n, _ in (*LEDGER_COLUMNS, *REGISTER_COLUMNS, *PLACE_COLUMNS, *ORGANISATION_COLUMNS)]


@dataclass
class Task:
    """Everything a task needs besides the postcode arrays; pickled once and broadcast."""

    settings: Settings  # columns = the roles detected on the driver (so never detected again)
    names: list[str]  # the ledger's column names, one per raw column
    header: list[str] | None  # the header every file must have (None: a DataFrame was given)
    place: Place
    districts: Districts
    suppliers: SupplierFile | None
    rules: Rules  # the sector rules, loaded (and checked) on the driver
    source: str  # source_file for DataFrame input
    matches: pd.DataFrame | None = None  # the run's match table (decide.rows.match_registers)


def output_columns(registers: bool) -> list[tuple[str, str]]:
    """The output's columns after the ledger's own: ``OUTPUT_COLUMNS``, with the register
    match's (``REGISTER_COLUMNS``: org_id...) after ``row_id`` when registers are used."""
    if not registers:
        return list(OUTPUT_COLUMNS)
    at = OUTPUT_COLUMNS.index(SPARK_COLUMNS[-1]) + 1
    return [*OUTPUT_COLUMNS[:at], *REGISTER_COLUMNS, *OUTPUT_COLUMNS[at:]]


# ---------------------------------------------------------------- the output schema

def output_names(names: list[str]) -> list[str]:
    """The ledger's column names in the output: made unique ignoring case (Spark and Parquet
    compare names that way), and clear of spendkit's own columns ('payee' -> 'payee (ledger)')."""
    taken = {n.lower() for n, _ in output_columns(registers=True)}
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{name} (ledger)" if n == 2 else f"{name} (ledger {n - 1})"
        taken.add(candidate.lower())
        out.append(candidate)
    return out


def arrow_schema(out_names: list[str], registers: bool = False) -> pa.Schema:
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "bool": pa.bool_(),
             "timestamp": pa.timestamp("us")}
    return pa.schema([pa.field(n, pa.string()) for n in out_names]
                     + [pa.field(n, types[t]) for n, t in output_columns(registers)])


def keys_schema() -> pa.Schema:
    """What ``run_keys`` gives back: the payees as the registers are matched on them."""
    import pyarrow as pa

    return pa.schema([pa.field(n, pa.string()) for n in MATCH_KEYS])


def spark_schema(schema: pa.Schema) -> Any:
    import pyarrow as pa
    from pyspark.sql import types as T

    def spark_type(t: pa.DataType) -> T.DataType:
        if pa.types.is_string(t):
            return T.StringType()
        if pa.types.is_int64(t):
            return T.LongType()
        if pa.types.is_boolean(t):
            return T.BooleanType()
        return T.TimestampNTZType()

    return T.StructType([T.StructField(f.name, spark_type(f.type), True) for f in schema])


# ---------------------------------------------------------------- per partition

def run_partition(batches: Iterable[pa.RecordBatch], *, task_ref: Any, index_ref: Any,
                  out_names: list[str], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """One partition's Arrow batches -> classified batches. A file is never split across
    partitions (multiLine), so records are counted per file from its first, the header."""
    task: Task = task_ref.value
    arrays = index_ref.value
    index = PostcodeIndex(postcodes=arrays["postcodes"], district=arrays["district"],
                          east=np.zeros(0, np.int32), north=np.zeros(0, np.int32),
                          terminated=arrays["terminated"], codes=arrays["codes"],
                          source=arrays["source"])
    prepared = Prepared(districts=task.districts, index=index, place=task.place,
                        supplier_file=task.suppliers, rules=task.rules)
    seen: dict[str, int] = {}
    for batch in batches:
        if batch.num_rows:
            yield from _classify_batch(batch, task, prepared, seen, out_names, schema)


def run_keys(batches: Iterable[pa.RecordBatch], *, task_ref: Any) -> Iterator[pa.RecordBatch]:
    """One partition's Arrow batches -> the distinct payees of their counted rows, as the
    registers are matched on them (``decide.rows.match_keys``: after ``to_ledger`` and the
    supplier file's join, as ``classify_rows`` forms them)."""
    import pyarrow as pa

    task: Task = task_ref.value
    schema = keys_schema()
    seen: dict[str, int] = {}
    for batch in batches:
        if not batch.num_rows:
            continue
        frame, files, _ = _batch_frame(batch, task)
        keys = []
        for source, pos, _records in _file_chunks(frame, files, task, seen):
            body = _nonblank(frame.iloc[pos].reset_index(drop=True))[0]
            if not len(body):
                continue
            rows = supplier_rows(_ledger.to_ledger(_raw_table(body, source, task), task.settings).rows,
                                 task.suppliers)
            keys.append(distinct_keys(match_keys(rows, task.suppliers))[1])
        if keys:
            distinct = distinct_keys(pd.concat(keys, ignore_index=True))[1]
            yield pa.RecordBatch.from_pandas(distinct, schema=schema, preserve_index=False)


def _batch_frame(batch: pa.RecordBatch, task: Task) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """A batch's cells as text (one column per ledger column), its files and Spark's row ids."""
    width = len(task.names)
    frame = pd.DataFrame({name: batch.column(i).to_pandas() for i, name in enumerate(task.names)})
    frame = frame.fillna("").astype("str")
    files = batch.column(width).to_pandas()
    row_ids = batch.column(width + 1).to_numpy(zero_copy_only=False).astype(np.int64)
    return frame, files, row_ids


def _classify_batch(batch: pa.RecordBatch, task: Task, prepared: Prepared, seen: dict[str, int],
                    out_names: list[str], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    frame, files, row_ids = _batch_frame(batch, task)
    tables = [_classify_chunk(frame.iloc[pos].reset_index(drop=True), source, records,
                              row_ids[pos], task, prepared, out_names, schema)
              for source, pos, records in _file_chunks(frame, files, task, seen) if len(pos)]
    if tables:
        yield from pa.concat_tables(tables).combine_chunks().to_batches()


def _file_chunks(frame: pd.DataFrame, files: pd.Series, task: Task, seen: dict[str, int]
                 ) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """A batch's rows per file: (file, positions in the batch, spreadsheet row numbers), a
    file's header checked and left out; DataFrame input has no row numbers."""
    if task.header is None:
        return [(task.source, np.arange(len(frame)), None)]
    chunks: list[tuple[str, np.ndarray, np.ndarray | None]] = []
    for name in pd.unique(files):
        pos = np.flatnonzero((files == name).to_numpy())
        start = seen.get(name, 0)
        seen[name] = start + len(pos)
        records = start + np.arange(len(pos)) + 1  # 1-based: row 1 is the header
        if start == 0:
            cells = trim([clean_header(c) for c in frame.iloc[pos[0]].tolist()])
            if cells != task.header:
                raise InputFileError(
                    f"{name}: its first line is not the header the other files have "
                    f"({', '.join(cells[:8])} ... instead of {', '.join(task.header[:8])} ...).",
                    hint="Classify files with different layouts in separate runs.")
            pos, records = pos[1:], records[1:]
        chunks.append((name, pos, records))
    return chunks


def _classify_chunk(frame: pd.DataFrame, source: str, records: np.ndarray | None,
                    row_ids: np.ndarray, task: Task, prepared: Prepared, out_names: list[str],
                    schema: pa.Schema) -> pa.Table:
    """Rows of one file (or of the DataFrame) -> the local engine's steps -> one Arrow table."""
    import pyarrow as pa

    settings = task.settings
    body, kept, blank = _nonblank(frame)
    pieces = []
    if len(body):
        led = _ledger.to_ledger(_raw_table(body, source, task), settings)
        rows = classify_rows(led.rows, prepared, settings, matches=task.matches)
        pieces.append(_counted_table(rows, body, kept, records, row_ids, out_names, schema))
        if len(led.rejected):
            pieces.append(_rejected_table(led.rejected, body, kept, source, records, row_ids,
                                          settings, out_names, schema))
    if len(blank):
        cols: dict[str, Any] = {o: frame[n].iloc[blank] for o, n in zip(out_names, task.names,
                                                                           strict=True)}
        cols.update(source_file=[source] * len(blank), row_id=row_ids[blank],
                    source_row=None if records is None else records[blank],
                    rejected_reason=[BLANK_REASON] * len(blank))
        pieces.append(_table(cols, len(blank), schema))
    return pa.concat_tables(pieces) if pieces else schema.empty_table()


def _nonblank(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """(the rows with a cell filled, their positions, the positions of the blank rows)."""
    nonblank = (frame != "").any(axis=1).to_numpy()
    kept = np.flatnonzero(nonblank)
    return frame.iloc[kept].reset_index(drop=True), kept, np.flatnonzero(~nonblank)


def _raw_table(body: pd.DataFrame, source: str, task: Task) -> RawTable:
    """Non-blank rows of one file as the local engine's reader gives them (``source_row`` is
    the position in ``body``; the output tables turn it into the file's row number)."""
    return RawTable(frame=body, source=source, row_numbers=np.arange(len(body), dtype=np.int64),
                    header_row=1, headers=list(task.names), encoding=None, delimiter=None)


# ---------------------------------------------------------------- the output tables

def _counted_table(rows: pd.DataFrame, body: pd.DataFrame, kept: np.ndarray,
                   records: np.ndarray | None, row_ids: np.ndarray, out_names: list[str],
                   schema: pa.Schema) -> pa.Table:
    pos = rows["source_row"].to_numpy()  # positions in ``body`` (RawTable.row_numbers)
    at = kept[pos]
    cols: dict[str, Any] = {o: body[n].take(pos) for o, n in zip(out_names, body.columns, strict=True)}
    for name in _CLASSIFIED:
        if name in rows:
            cols[name] = rows[name]
    cols["source_row"] = None if records is None else records[at]
    cols["row_id"] = row_ids[at]
    return _table(cols, len(rows), schema)


def _rejected_table(rejected: pd.DataFrame, body: pd.DataFrame, kept: np.ndarray, source: str,
                    records: np.ndarray | None, row_ids: np.ndarray, settings: Settings,
                    out_names: list[str], schema: pa.Schema) -> pa.Table:
    from spendkit.money import money

    pos = rejected["source_row"].to_numpy()
    at = kept[pos]
    cols: dict[str, Any] = {o: body[n].take(pos) for o, n in zip(out_names, body.columns, strict=True)}
    payee_col = settings.columns.get("payee")
    amount_col = settings.columns.get("amount")
    if payee_col in body:
        payee = _ledger.clean_text(body[payee_col].take(pos).reset_index(drop=True))
        cols["payee"], cols["payee_key"] = payee, normalise.name_key(payee)
    reason = rejected["reason"].reset_index(drop=True)
    totals = reason.str.startswith("totals row").to_numpy()
    stated = pd.Series(pd.NA, index=reason.index, dtype="Int64")
    if totals.any() and amount_col is not None and amount_col in body:
        raw = body[amount_col].take(pos[totals]).reset_index(drop=True)
        pence = _ledger.parse_amounts(raw, amount_col).values.to_numpy()
        stated[totals] = pence
        # The file's own total is checked against all its other rows once Spark has summed
        # them (the summary's inputs[].totals_rows); a batch cannot say.
        reason[totals] = [_ledger.totals_reason(f"{money(int(p))} stated") for p in pence]
    cols.update(amount_pence=rejected["amount_pence"], amount_text=rejected["amount_text"],
                source_file=[source] * len(pos),
                source_row=None if records is None else records[at], row_id=row_ids[at],
                rejected_reason=reason, totals_row_pence=stated)
    return _table(cols, len(pos), schema)


def _table(cols: dict[str, Any], n: int, schema: pa.Schema) -> pa.Table:
    import pyarrow as pa

    arrays = []
    for f in schema:
        v = cols.get(f.name)
        if v is None:
            arrays.append(pa.nulls(n, f.type))
            continue
        if isinstance(v, pd.Series):
            if pa.types.is_timestamp(f.type):
                v = v.astype("datetime64[us]")
            elif pa.types.is_boolean(f.type):
                v = v.astype("boolean")
            elif pa.types.is_string(f.type):
                v = v.astype("str")
            v = v.reset_index(drop=True)
        arrays.append(pa.array(v, type=f.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)
