"""The Spark engine: the same classifier, run on Apache Spark (local mode or any cluster).

    from spendkit.spark import classify_spark, local_session
    spark = local_session()                      # or the cluster's session (Databricks, Fabric, EMR)
    result = classify_spark(spark, ["s3://bucket/ledgers/*.csv"], settings)
    result.summary()["geography"]["local"]       # the same dict as spendkit.classify(...).summary()
    result.write_parquet("s3://bucket/classified/")

How it works (docs/spark.md says more):

* Spark reads the CSV files (``header=False``, every column text, ``multiLine=True``,
  ``escape='"'``): each file is read whole by one task, so its first record is its header
  (checked against the first file's) and a data row's record number is its row number.
* On the driver: the columns are detected ONCE (``columns.detect_columns`` on the first
  2,000 rows of the first file), the place is resolved (``places.resolve_place``) and the
  supplier file is read (``suppliers.load_suppliers``).
* On the executors: ``DataFrame.mapInArrow`` hands each Arrow batch to the local engine's
  own column-wise steps, in the local engine's order: ``read.RawTable`` ->
  ``ledger.to_ledger`` -> ``suppliers.join_suppliers`` -> ``pipeline.place_rows`` ->
  ``pipeline.organisation_rows``. Every step decides row by row (parsing, place, size,
  sector), so a batch gives the rows the whole file gives. Counted, rejected and blank rows
  all flow out, in one fixed schema, with ``rejected_reason`` (null for a counted row).
* Reference data is broadcast: the postcode lookup arrays (sorted compact postcodes,
  district numbers, terminated flags: about 27 MB for the 2.7 million postcodes), the
  resolved place, the district table and the supplier file.
* Spark aggregates (``groupBy``: sum of pence, rows, distinct payee keys) into the same
  summary sections as ``aggregate.summarise``.

Not on this engine: XLSX/zip input, title rows above the header, registry matching
(--companies, --charities...). Use the local engine for those (docs/spark.md).
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import tempfile
import uuid
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from spendkit.config import Settings
from spendkit.errors import ConfigError, InputFileError, OutputError
from spendkit.normalise import ledger as _ledger
from spendkit.normalise import values as normalise
from spendkit.normalise.columns import detect_columns
from spendkit.read.headers import header_score
from spendkit.read.table import RawTable, clean_header, find_header, trim, unique_names
from spendkit.reference.districts import Districts, Place, resolve_place
from spendkit.reference.postcode_index import PostcodeIndex
from spendkit.reference.suppliers import SupplierFile, join_suppliers, load_suppliers
from spendkit.schema import GEOGRAPHY_CLASSES, SECTOR_CLASSES, SIZE_CLASSES

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

BLANK_REASON = "blank row (every cell empty; skipped, not counted)"
SAMPLE_ROWS = 2000  # what detect_columns looks at (columns._sample), as the local engine does
DATAFRAME_SOURCE = "spark-dataframe"
# Charsets Spark 4 reads without spark.sql.legacy.javaCharsets (Spark's CSVOptions list).
SPARK_CHARSETS = {"iso-8859-1", "us-ascii", "utf-16", "utf-16be", "utf-16le", "utf-32", "utf-8"}
_FILE, _ROW_ID = "__spendkit_file", "__spendkit_row_id"

# The output schema after the ledger's own columns (all text): name -> Arrow type name.
CANONICAL = [("payee", "string"), ("payee_key", "string"), ("amount_pence", "int64"),
             ("payment_date", "timestamp"), ("supplier_id", "string"), ("department", "string"),
             ("expense_type", "string"), ("transaction_id", "string"), ("company_number", "string"),
             ("charity_number", "string"), ("sme_flag", "string"), ("vcse_flag", "string"),
             ("source_file", "string"), ("source_row", "int64"), ("row_id", "int64")]
PLACE_COLUMNS = [(c, "string") for c in ("postcode", "postcode_source", "district_code",
                                         "district_name", "geography", "geography_evidence")]
ORGANISATION_COLUMNS = [("size_band", "string"), ("size_evidence", "string"),
                        ("size_strength", "string"), ("size_conflict", "string"), ("sme", "bool"),
                        ("sector", "string"), ("sector_evidence", "string"),
                        ("sector_strength", "string"), ("sector_conflict", "string"),
                        ("influenceable", "bool")]
STATUS_COLUMNS = [("rejected_reason", "string"), ("totals_row_pence", "int64")]
OUTPUT_COLUMNS = CANONICAL + PLACE_COLUMNS + ORGANISATION_COLUMNS + STATUS_COLUMNS


def _require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError("the Spark engine needs pyspark, which is not installed.",
                          hint="pip install 'spendkit[spark]' (and Java 17 or 21).") from None


# ---------------------------------------------------------------- sessions

def local_session(cores: int | str = 2, *, driver_memory: str = "1g", shuffle_partitions: int = 4,
                  app_name: str = "spendkit") -> SparkSession:
    """A small Spark session on this machine (``local[cores]``), its Python workers this Python."""
    _require_pyspark()
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master(f"local[{cores}]").appName(app_name)
             .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", driver_memory)
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", "50000")
             .config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def session() -> SparkSession:
    """The session to use from the command line: the one spark-submit (or PYSPARK_SUBMIT_ARGS
    with --master) configures, else a local session on every core of this machine."""
    _require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if "PYSPARK_GATEWAY_PORT" in os.environ or "--master" in os.environ.get("PYSPARK_SUBMIT_ARGS", ""):
        return SparkSession.builder.appName("spendkit").getOrCreate()
    return local_session("*", driver_memory="2g", shuffle_partitions=max(4, os.cpu_count() or 4))


# ---------------------------------------------------------------- the result

@dataclass
class SparkResult:
    """Classified rows as a Spark DataFrame, and the figures Spark aggregates from them.

    ``frame`` holds every row read: counted rows (``rejected_reason`` null), rejected rows
    (with the reason) and blank rows (``rejected_reason`` = BLANK_REASON).
    """

    frame: DataFrame
    place: Place
    districts: Districts
    directory: str
    settings: Settings
    columns: dict[str, str]
    suppliers: dict[str, Any] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    _summary: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def rows(self) -> DataFrame:
        """Counted rows (the local engine's ``Result.rows``)."""
        from pyspark.sql import functions as F

        return self.frame.filter(F.col("rejected_reason").isNull())

    @property
    def rejected(self) -> DataFrame:
        """Rows not counted, each with its reason (the local engine's ``Result.rejected``)."""
        from pyspark.sql import functions as F

        reason = F.col("rejected_reason")
        return self.frame.filter(reason.isNotNull() & (reason != BLANK_REASON))

    def summary(self) -> dict[str, Any]:
        """The classify document (``aggregate.summarise``'s shape), aggregated by Spark."""
        if self._summary is None:
            self._summary = _summarise(self)
        return self._summary

    @property
    def inputs(self) -> list[dict[str, Any]]:
        return self.summary()["inputs"]

    def write_parquet(self, path: str | Path, *, mode: str = "overwrite",
                      partition_by: Sequence[str] | None = None, reuse: bool = True) -> None:
        """Write every row (counted, rejected, blank) to Parquet at ``path`` (a folder).

        With ``reuse`` (the default) the result then reads its rows from that Parquet, so a
        later ``summary()`` aggregates the written files instead of classifying again.
        """
        writer = self.frame.write.mode(mode)
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        writer.parquet(str(path))
        if reuse:
            self.frame = self.frame.sparkSession.read.parquet(str(path))


# ---------------------------------------------------------------- classify

@dataclass
class _Task:
    """Everything a task needs besides the postcode arrays; pickled once and broadcast."""

    settings: Settings  # columns = the roles detected on the driver (so never detected again)
    names: list[str]  # the ledger's column names, one per raw column
    header: list[str] | None  # the header every file must have (None: a DataFrame was given)
    place: Place
    districts: Districts
    suppliers: SupplierFile | None
    rules_text: str | None
    source: str  # source_file for DataFrame input


class _Value:
    """Stands in for a Broadcast where Spark offers none (Spark Connect): shipped with the task."""

    def __init__(self, value: Any) -> None:
        self.value = value


def classify_spark(spark: SparkSession, ledgers: str | Path | Sequence[str | Path] | DataFrame,
                   settings: Settings | None = None, *, encoding: str = "UTF-8",
                   delimiter: str = ",", source: str = DATAFRAME_SOURCE,
                   broadcast: bool = True) -> SparkResult:
    """Classify CSV ledgers (paths, folders or globs Spark can read) or a Spark DataFrame.

    CSV files must share one header, on their first line. A DataFrame's columns are the
    ledger's columns (cast to text); its rows have no file row numbers (``source_row`` null).
    ``encoding`` is the files' encoding (UTF-8 by default; 'windows-1252' is allowed, by
    setting ``spark.sql.legacy.javaCharsets``). ``broadcast=False`` ships the reference data
    inside each task instead of as Spark broadcast variables (what Spark Connect needs; used
    automatically when the session has no SparkContext).
    """
    _require_pyspark()
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    settings = settings or Settings()  # type: ignore[call-arg]
    _check_settings(settings)
    districts = Districts()
    index = PostcodeIndex.load(settings.postcodes)
    place = resolve_place(settings.place.districts, districts, index,
                          settings.place.sub_regional, settings.place.regional)
    supplier_file = load_suppliers(settings.suppliers) if settings.suppliers else None
    rules_text = None
    if settings.organisations.rules is not None:
        from spendkit.decide.sectors import load_rules

        load_rules(settings.organisations.rules)  # a bad rules file fails here, not in a task
        rules_text = Path(settings.organisations.rules).read_text(encoding="utf-8")
    notes: list[str] = []

    if isinstance(ledgers, DataFrame):
        raw_names = list(ledgers.columns)
        df = ledgers.select(*[F.col(_quote(c)).cast("string").alias(f"_c{i}")
                              for i, c in enumerate(raw_names)],
                            F.lit(None).cast("string").alias(_FILE),
                            F.monotonically_increasing_id().alias(_ROW_ID))
        names = unique_names([clean_header(str(c)) for c in raw_names])
        header = None
        sample_rows = [r[:len(names)] for r in df.limit(SAMPLE_ROWS + 500).collect()]
        first = source
        encoding_used, delimiter_used = None, None
    else:
        paths = [str(p) for p in ([ledgers] if isinstance(ledgers, str | Path) else ledgers)]
        if not paths:
            raise InputFileError("no ledger files given.")
        encoding_used = _allow_charset(spark, encoding, notes)
        delimiter_used = delimiter
        raw = (spark.read.option("header", False).option("multiLine", True)
               .option("escape", '"').option("quote", '"').option("sep", delimiter)
               .option("encoding", encoding).option("mode", "PERMISSIVE").csv(paths))
        width = len(raw.columns)
        df = raw.select(*[F.col(c) for c in raw.columns],
                        F.col("_metadata.file_path").alias(_FILE),
                        F.monotonically_increasing_id().alias(_ROW_ID))
        df = df.toDF(*[f"_c{i}" for i in range(width)], _FILE, _ROW_ID)
        got = df.limit(SAMPLE_ROWS + 500).collect()
        if not got:
            raise InputFileError(f"{', '.join(paths)}: no rows (empty files?).")
        first = got[0][_FILE]
        records = [["" if v is None else v for v in r[:width]] for r in got if r[_FILE] == first]
        cells = trim([clean_header(c) for c in records[0]])
        head_at = find_header([trim(r) for r in records[:60]], _header_scorer)
        # A later row that looks more like the header means title rows above it. (Spark takes
        # the width from the first line, so a one-cell title row also leaves no header at all.)
        if head_at != 0 or (header_score(cells) <= 0 and not settings.columns):
            raise InputFileError(
                f"{first}: the first line is not a ledger's header"
                + (f" (it looks like row {head_at + 1} is)." if head_at else "."),
                hint="The Spark engine reads the header from each file's first line: remove title "
                     "rows, or use the local engine (spendkit classify without --engine spark).")
        header = cells
        if len(header) > width:
            raise InputFileError(f"{first}: the header has {len(header)} cells but Spark read "
                                 f"{width} columns: the files' headers differ.")
        names = unique_names([*header, *[""] * (width - len(header))])
        sample_rows = records[1:]

    sample = pd.DataFrame([[("" if v is None else str(v)) for v in r] for r in sample_rows],
                          columns=names, dtype="str") if sample_rows else \
        pd.DataFrame({n: pd.Series([], dtype="str") for n in names})
    sample = sample.loc[(sample != "").any(axis=1)].head(SAMPLE_ROWS).reset_index(drop=True)
    cmap = detect_columns(sample, first, settings.columns)
    garbled = int(sample.apply(lambda s: s.str.contains("\ufffd", regex=False)).to_numpy().sum()) \
        if len(sample) else 0
    if garbled:
        note = (f"{garbled} cell(s) in the first {len(sample):,} rows hold U+FFFD (bytes that are "
                f"not {encoding}): give the files' encoding (e.g. encoding='windows-1252') or "
                "convert them to UTF-8; amounts written with them are rejected")
        notes.append(note)
        warnings.warn(note, stacklevel=2)

    task = _Task(settings=settings.model_copy(update={"columns": dict(cmap.roles)}), names=names,
                 header=header, place=place, districts=districts, suppliers=supplier_file,
                 rules_text=rules_text, source=source)
    task_ref = _share(spark, task, broadcast)
    index_ref = _shared_index(spark, index, broadcast)
    out_names = _output_names(names)
    schema = _arrow_schema(out_names)
    func = functools.partial(_run_partition, task_ref=task_ref, index_ref=index_ref,
                             out_names=out_names, schema=schema)
    classified = df.mapInArrow(func, _spark_schema(schema))
    return SparkResult(frame=classified, place=place, districts=districts, directory=index.source,
                       settings=settings, columns=dict(cmap.roles),
                       suppliers=supplier_file.info if supplier_file else None,
                       encoding=encoding_used, delimiter=delimiter_used,
                       notes=[*cmap.notes, *notes])


def _check_settings(settings: Settings) -> None:
    r = settings.registries
    if any((r.companies, r.charities, r.oscr, r.ccni, r.mutuals)):
        raise ConfigError("registry matching (--companies, --charities, --oscr, --ccni, --mutuals) "
                          "is not available on the Spark engine yet.",
                          hint="Use the local engine for registry matching (docs/spark.md).")
    if settings.sheet is not None:
        raise ConfigError("--sheet is for workbooks; the Spark engine reads CSV files.",
                          hint="Use the local engine for XLSX (docs/spark.md).")


def _header_scorer(row: Sequence[str]) -> float:
    return header_score(row)


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _allow_charset(spark: SparkSession, encoding: str, notes: list[str]) -> str:
    """Spark 4 reads a short list of charsets; others (windows-1252) need a legacy setting."""
    if encoding.lower().replace("_", "-") not in SPARK_CHARSETS:
        try:
            spark.conf.set("spark.sql.legacy.javaCharsets", "true")
            notes.append(f"read as {encoding} (spark.sql.legacy.javaCharsets set to true)")
        except Exception as exc:  # e.g. a Spark Connect server that forbids it
            raise ConfigError(f"Spark cannot read the encoding '{encoding}' here ({exc}).",
                              hint="Convert the files to UTF-8 (iconv -f WINDOWS-1252 -t UTF-8).") from None
    return encoding


def _share(spark: SparkSession, value: Any, broadcast: bool) -> Any:
    if broadcast:
        try:
            return spark.sparkContext.broadcast(value)
        except Exception:  # Spark Connect has no SparkContext: ship it with the task
            pass
    return _Value(value)


_INDEX_SHARED: dict[tuple[int, str, int], tuple[Any, Any]] = {}


def _shared_index(spark: SparkSession, index: PostcodeIndex, broadcast: bool) -> Any:
    """The postcode lookup arrays, broadcast once per SparkContext and index (see docs/spark.md
    for the memory they take)."""
    def arrays() -> dict[str, Any]:
        return {"postcodes": np.array(index.postcodes, copy=True),
                "district": np.array(index.district, copy=True),
                "terminated": None if index.terminated is None else np.array(index.terminated, copy=True),
                "codes": list(index.codes), "source": index.source}

    try:
        sc = spark.sparkContext if broadcast else None
    except Exception:  # Spark Connect has no SparkContext: ship the arrays with the tasks
        sc = None
    if sc is None:
        return _Value(arrays())
    key = (id(sc), index.source, len(index.postcodes))
    held = _INDEX_SHARED.get(key)
    if held is not None and held[0] is sc:
        return held[1]
    shared = sc.broadcast(arrays())
    _INDEX_SHARED[key] = (sc, shared)
    return shared


def _output_names(names: list[str]) -> list[str]:
    """The ledger's column names in the output: made unique ignoring case (Spark and Parquet
    compare names that way), and clear of spendkit's own columns ('payee' -> 'payee (ledger)')."""
    taken = {n.lower() for n, _ in OUTPUT_COLUMNS}
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{name} (ledger)" if n == 2 else f"{name} (ledger {n - 1})"
        taken.add(candidate.lower())
        out.append(candidate)
    return out


def _arrow_schema(out_names: list[str]) -> pa.Schema:
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "bool": pa.bool_(),
             "timestamp": pa.timestamp("us")}
    return pa.schema([pa.field(n, pa.string()) for n in out_names]
                     + [pa.field(n, types[t]) for n, t in OUTPUT_COLUMNS])


def _spark_schema(schema: pa.Schema) -> Any:
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


# ---------------------------------------------------------------- on the executors

def _run_partition(batches: Iterable[pa.RecordBatch], *, task_ref: Any, index_ref: Any,
                   out_names: list[str], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """One partition's Arrow batches -> classified batches. A file is never split across
    partitions (multiLine), so records are counted per file from its first, the header."""
    task: _Task = task_ref.value
    arrays = index_ref.value
    index = PostcodeIndex(postcodes=arrays["postcodes"], district=arrays["district"],
                          east=np.zeros(0, np.int32), north=np.zeros(0, np.int32),
                          terminated=arrays["terminated"], codes=arrays["codes"],
                          source=arrays["source"])
    settings = task.settings
    if task.rules_text is not None:
        settings = settings.model_copy(deep=True)
        settings.organisations.rules = _rules_file(task.rules_text)
    seen: dict[str, int] = {}
    for batch in batches:
        if batch.num_rows:
            yield from _classify_batch(batch, task, settings, index, seen, out_names, schema)


def _rules_file(text: str) -> Path:
    """The driver's sector rules, written once per worker (organisation_rows reads a path)."""
    path = Path(tempfile.gettempdir()) / f"spendkit-rules-{hashlib.sha256(text.encode()).hexdigest()[:16]}.toml"
    if not path.is_file():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return path


def _classify_batch(batch: pa.RecordBatch, task: _Task, settings: Settings, index: PostcodeIndex,
                    seen: dict[str, int], out_names: list[str], schema: pa.Schema
                    ) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    width = len(task.names)
    frame = pd.DataFrame({name: batch.column(i).to_pandas() for i, name in enumerate(task.names)})
    frame = frame.fillna("").astype("str")
    files = batch.column(width).to_pandas()
    row_ids = batch.column(width + 1).to_numpy(zero_copy_only=False).astype(np.int64)
    chunks: list[tuple[str, np.ndarray, np.ndarray | None]] = []
    if task.header is None:
        chunks.append((task.source, np.arange(len(frame)), None))
    else:
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
    tables = [_classify_chunk(frame.iloc[pos].reset_index(drop=True), source, records,
                              row_ids[pos], task, settings, index, out_names, schema)
              for source, pos, records in chunks if len(pos)]
    if tables:
        yield from pa.concat_tables(tables).combine_chunks().to_batches()


def _classify_chunk(frame: pd.DataFrame, source: str, records: np.ndarray | None,
                    row_ids: np.ndarray, task: _Task, settings: Settings, index: PostcodeIndex,
                    out_names: list[str], schema: pa.Schema) -> pa.Table:
    """Rows of one file (or of the DataFrame) -> the local engine's steps -> one Arrow table."""
    import pyarrow as pa

    nonblank = (frame != "").any(axis=1).to_numpy()
    kept = np.flatnonzero(nonblank)
    blank = np.flatnonzero(~nonblank)
    body = frame.iloc[kept].reset_index(drop=True)
    table = RawTable(frame=body, source=source, row_numbers=np.arange(len(body), dtype=np.int64),
                     header_row=1, headers=list(task.names), encoding=None, delimiter=None)
    pieces = []
    if len(body):
        led = _ledger.to_ledger(table, settings)
        rows = led.rows
        if task.suppliers is not None:
            rows = rows.join(join_suppliers(rows, task.suppliers))
        from spendkit.decide.place import place_rows
        from spendkit.decide.rows import organisation_rows

        rows = place_rows(rows, index, task.place, task.districts, task.suppliers)
        rows = organisation_rows(rows, task.suppliers, settings)
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


def _counted_table(rows: pd.DataFrame, body: pd.DataFrame, kept: np.ndarray,
                   records: np.ndarray | None, row_ids: np.ndarray, out_names: list[str],
                   schema: pa.Schema) -> pa.Table:
    pos = rows["source_row"].to_numpy()  # positions in ``body`` (RawTable.row_numbers)
    at = kept[pos]
    cols: dict[str, Any] = {o: body[n].take(pos) for o, n in zip(out_names, body.columns, strict=True)}
    for name, _ in CANONICAL + PLACE_COLUMNS + ORGANISATION_COLUMNS:
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
        # them (SparkResult.summary: inputs[].totals_rows); a batch cannot say.
        reason[totals] = [f"totals row ({money(int(p))} stated; not a payment)" for p in pence]
    cols.update(amount_pence=rejected["amount_pence"], source_file=[source] * len(pos),
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


# ---------------------------------------------------------------- aggregation

_KEYS = ["status", "file", "kind", "geography", "size_band", "sector", "influenceable", "sme"]
_SETS = {
    "files": ["status", "file", "kind"],
    "fine": ["status", "geography", "size_band", "sector", "influenceable", "sme"],
    "geography": ["status", "geography"],
    "size": ["status", "size_band"],
    "sector": ["status", "sector"],
    "influenceable": ["status", "influenceable"],
}


def _gid(cols: list[str]) -> int:
    """Spark's grouping_id() for a grouping set: a 1 bit for each key not grouped, first key highest."""
    return sum(1 << (len(_KEYS) - 1 - i) for i, k in enumerate(_KEYS) if k not in cols)


def _aggregate(frame: DataFrame) -> dict[str, pd.DataFrame]:
    """One Spark job: per payee and class first (small), then every grouping set at once."""
    from pyspark.sql import functions as F

    reason = F.col("rejected_reason")
    status = (F.when(reason.isNull(), F.lit("counted"))
              .when(reason == BLANK_REASON, F.lit("blank")).otherwise(F.lit("rejected")))
    kind = F.regexp_replace(F.regexp_replace(reason, "'[^']*'", "'…'"), r"\([^)]*\)", "(…)")
    base = frame.select(status.alias("status"), F.col("source_file").alias("file"),
                        kind.alias("kind"), "geography", "size_band", "sector", "influenceable",
                        "sme", "payee_key", "amount_pence", "totals_row_pence")
    per_payee = base.groupBy(*_KEYS, "payee_key").agg(
        F.count(F.lit(1)).alias("rows"), F.sum("amount_pence").alias("pence"),
        F.sum("totals_row_pence").alias("stated"))
    # GROUPING SETS in SQL (DataFrame.groupingSets is Spark 4 only; this runs on 3.5 too).
    view = f"spendkit_per_payee_{uuid.uuid4().hex}"
    per_payee.createOrReplaceTempView(view)
    try:
        keys = ", ".join(f"`{k}`" for k in _KEYS)
        sets = ", ".join("(" + ", ".join(f"`{c}`" for c in cols) + ")" for cols in _SETS.values())
        grouped = per_payee.sparkSession.sql(
            f"SELECT {keys}, SUM(`rows`) AS `rows`, SUM(`pence`) AS `pence`, "
            "SUM(`stated`) AS `stated`, COUNT(DISTINCT `payee_key`) AS `payees`, "
            f"grouping_id() AS `gid` FROM `{view}` GROUP BY {keys} GROUPING SETS ({sets})").collect()
    finally:
        per_payee.sparkSession.catalog.dropTempView(view)
    got = pd.DataFrame([r.asDict() for r in grouped],
                       columns=[*_KEYS, "rows", "pence", "stated", "payees", "gid"])
    for c in ("rows", "pence", "stated", "payees", "gid"):
        got[c] = got[c].fillna(0).astype("int64")
    return {name: got.loc[got["gid"] == _gid(cols), [*cols, "rows", "pence", "stated", "payees"]]
            .reset_index(drop=True) for name, cols in _SETS.items()}


def _summarise(result: SparkResult) -> dict[str, Any]:
    from spendkit.aggregate.summary import SCHEMA_VERSION, headline_figures
    from spendkit.money import money

    parts = _aggregate(result.frame)
    files = parts["files"]
    counted = files[files["status"] == "counted"]
    rejected = files[files["status"] == "rejected"]
    blank = files[files["status"] == "blank"]
    is_total = rejected["kind"].fillna("").str.startswith("totals row")

    inputs = []
    for name in sorted(set(files["file"].dropna()) | ({DATAFRAME_SOURCE} if files["file"].isna().any() else set())):
        def of(part: pd.DataFrame, name: str = name) -> pd.DataFrame:
            return part[part["file"].fillna(DATAFRAME_SOURCE) == name]
        info: dict[str, Any] = {
            "file": name, "sheet": None, "encoding": result.encoding, "delimiter": result.delimiter,
            "header_row": 1 if result.encoding is not None else None,
            "columns": dict(result.columns),
            "rows_read": int(of(counted)["rows"].sum() + of(rejected)["rows"].sum()),
            "blank_rows": int(of(blank)["rows"].sum()),
            "notes": [*result.notes, "classified on Spark (spendkit.spark)"],
        }
        tot = of(rejected[is_total])
        if len(tot):
            stated = int(tot["stated"].sum())
            others = int(of(counted)["pence"].sum() + of(rejected[~is_total])["pence"].sum())
            match = stated == others
            info["totals_rows"] = {
                "rows": int(tot["rows"].sum()), "pence": stated, "other_rows_pence": others,
                "matches": match,
                "summary": f"{money(stated)}, {'equal to' if match else 'not equal to'} the sum "
                           "of the other rows"}
        inputs.append(info)

    pence_counted = int(counted["pence"].sum())
    pence_rejected = int(rejected["pence"].sum())
    by_reason = rejected.groupby("kind")["rows"].sum()
    rec: dict[str, Any] = {
        "rows_read": int(counted["rows"].sum() + rejected["rows"].sum()),
        "rows_counted": int(counted["rows"].sum()),
        "rows_rejected": int(rejected["rows"].sum()),
        "pence_read": pence_counted + pence_rejected,
        "pence_counted": pence_counted,
        "pence_rejected": pence_rejected,
        "blank_rows_skipped": int(blank["rows"].sum()),
        "rejected_by_reason": {k: int(by_reason[k]) for k in sorted(by_reason.index)},
    }
    rec["balanced"] = (rec["rows_read"] == rec["rows_counted"] + rec["rows_rejected"]
                       and rec["pence_read"] == rec["pence_counted"] + rec["pence_rejected"])
    totals = [i["totals_rows"] for i in inputs if "totals_rows" in i]
    if totals:
        rec["totals_rows"] = {"rows": sum(t["rows"] for t in totals),
                              "pence": sum(t["pence"] for t in totals),
                              "all_match": all(t["matches"] for t in totals)}

    def breakdown(part: pd.DataFrame, by: str, classes: tuple[str, ...]) -> dict[str, dict[str, Any]]:
        part = part[part["status"] == "counted"].set_index(by)
        out = {}
        for c in classes:
            p = int(part["pence"].get(c, 0))
            out[c] = {"pence": p, "rows": int(part["rows"].get(c, 0)),
                      "payees": int(part["payees"].get(c, 0)),
                      "share": round(p / pence_counted, 6) if pence_counted else None}
        return out

    fine = parts["fine"]
    fine = fine[fine["status"] == "counted"]
    influenceable = fine["influenceable"].fillna(False).astype(bool)
    inf = fine[influenceable]
    inf_payees = parts["influenceable"]
    inf_payees = inf_payees[(inf_payees["status"] == "counted")
                            & inf_payees["influenceable"].fillna(False).astype(bool)]
    excluded = fine[~influenceable].groupby("sector", sort=True)["pence"].sum()
    headline = headline_figures(inf, excluded, int(inf_payees["payees"].sum()), result.settings,
                                pence="pence")

    def crosstab(a: str, a_classes: tuple[str, ...], b: str, b_classes: tuple[str, ...]
                 ) -> dict[str, dict[str, int]]:
        sums = fine.groupby([a, b])["pence"].sum()
        return {x: {y: int(sums.get((x, y), 0)) for y in b_classes} for x in a_classes}

    return {
        "schema_version": SCHEMA_VERSION,
        "spendkit_version": version("spendkit"),
        "inputs": inputs,
        "supplier_file": result.suppliers,
        "postcode_directory": result.directory,
        "place": result.place.to_dict(result.districts),
        "reconciliation": rec,
        "geography": breakdown(parts["geography"], "geography", GEOGRAPHY_CLASSES),
        "size": breakdown(parts["size"], "size_band", SIZE_CLASSES),
        "sector": breakdown(parts["sector"], "sector", SECTOR_CLASSES),
        "headline": headline,
        "cross": {
            "geography_by_size": crosstab("geography", GEOGRAPHY_CLASSES, "size_band", SIZE_CLASSES),
            "geography_by_sector": crosstab("geography", GEOGRAPHY_CLASSES, "sector", SECTOR_CLASSES),
        },
    }


# ---------------------------------------------------------------- the command line

def classify_for_cli(ledgers: Sequence[Path | str], settings: Settings, *, out: Path | str | None = None,
                     encoding: str = "UTF-8") -> tuple[SparkResult, dict[str, Any]]:
    """What ``spendkit classify --engine spark`` runs: classify, write Parquet, summarise."""
    if out is not None and Path(str(out)).suffix.lower() != ".parquet":
        raise OutputError(f"{out}: the Spark engine writes Parquet (a folder of part files).",
                          hint="Give --out NAME.parquet.")
    result = classify_spark(session(), [as_uri(p) for p in ledgers], settings, encoding=encoding)
    if out is not None:
        result.write_parquet(as_uri(out))  # then summary() reads the Parquet: one classification pass
    return result, result.summary()


# Object stores always name a bucket or container after '//'; pathlib.Path("s3://b/k") gives
# "s3:/b/k", which loses it. (file:/ and hdfs:/ are valid with one slash, so left alone.)
_BUCKET_SCHEMES = ("s3", "s3a", "s3n", "gs", "abfs", "abfss", "wasb", "wasbs", "oss", "r2")


def as_uri(path: Path | str) -> str:
    """A path or URI as Spark wants it, mending what ``pathlib.Path`` does to 's3://...'."""
    text = str(path)
    scheme, sep, rest = text.partition(":/")
    if sep and scheme.lower() in _BUCKET_SCHEMES and not rest.startswith("/"):
        return f"{scheme}://{rest}"
    return text
