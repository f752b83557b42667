"""The Spark engine on the driver: read the ledgers, set up once, hand the rows to the
executors, and make the summary from Spark's counts.

* Spark reads the CSV files (``header=False``, every column text, ``multiLine=True``,
  ``escape='"'``): each file is read whole by one task, so its first record is its header
  (checked against the first file's) and a data row's record number is its row number.
* On the driver: the columns are detected ONCE (``columns.detect_columns`` on the first
  2,000 rows of the first file); the place, supplier file and sector rules are set up by
  ``decide.rows.prepare``, and the registers read by ``decide.rows.load_registries_for``, as
  the local engine sets them up.
* With registers: a first Spark pass (``executor.run_keys``) gives every distinct payee of
  the run as the registers are matched on it; they are collected and matched ONCE on the
  driver (``decide.rows.match_registers``: the decisions file, identifiers, names), and the
  match table goes to the executors with the rest of the run.
* On the executors (``executor``): each Arrow batch goes through ``ledger.to_ledger`` and
  ``decide.rows.classify_rows`` (joining the match table), the local engine's own steps.
  Reference data is broadcast.
* Spark counts (``grouping``: one GROUPING SETS query) and ``aggregate.summary.document``
  makes the figures from the counts, as it does for the local engine.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from spendkit.aggregate.records import RECORD_KEY, run_record
from spendkit.aggregate.summary import document
from spendkit.config import Settings
from spendkit.decide.rows import MATCH_KEYS, load_registries_for, match_registers, prepare
from spendkit.engines.spark.executor import (
    BLANK_REASON,
    Task,
    arrow_schema,
    keys_schema,
    output_names,
    run_keys,
    run_partition,
    spark_schema,
)
from spendkit.engines.spark.grouping import (
    class_counts,
    date_spans,
    file_counts,
    group,
    unknown_payees,
)
from spendkit.engines.spark.session import require_pyspark, session
from spendkit.errors import ConfigError, InputFileError, OutputError
from spendkit.normalise.columns import ColumnMap, detect_columns
from spendkit.progress import step
from spendkit.read.files import distinct_files
from spendkit.read.headers import header_score
from spendkit.read.table import clean_header, find_header, trim, unique_names
from spendkit.reference.districts import Districts, Place
from spendkit.reference.postcode_index import PostcodeIndex

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SAMPLE_ROWS = 2000  # what detect_columns looks at (columns._sample), as the local engine does
DATAFRAME_SOURCE = "spark-dataframe"
# Charsets Spark 4 reads without spark.sql.legacy.javaCharsets (Spark's CSVOptions list).
SPARK_CHARSETS = {"iso-8859-1", "us-ascii", "utf-16", "utf-16be", "utf-16le", "utf-32", "utf-8"}
_FILE, _ROW_ID = "__spendkit_file", "__spendkit_row_id"


# ---------------------------------------------------------------- the result

@dataclass
class SparkResult:
    """Classified rows as a Spark DataFrame, and the figures Spark aggregates from them.

    ``frame`` holds every row read: counted rows (``rejected_reason`` null), rejected rows
    (with the reason) and blank rows (``rejected_reason`` = BLANK_REASON). ``notes``: what
    reading the ledgers found (in each ``inputs`` entry); ``register_notes`` and
    ``registers``: the registers used and what reading them found (the local engine's
    ``Result.notes`` and ``Result.registers``).
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
    register_notes: list[str] = field(default_factory=list)
    registers: list[dict[str, Any]] = field(default_factory=list)
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
        """The classify document: Spark counts (``grouping``), ``aggregate.summary.document``
        makes the figures, as for the local engine."""
        if self._summary is None:
            parts = group(self.frame)
            inputs = [self._input(got) for got in file_counts(parts, DATAFRAME_SOURCE)]
            self._summary = document(class_counts(parts, date_spans(self.frame), unknown_payees(self.frame)),
                                     inputs=inputs, suppliers=self.suppliers,
                                     directory=self.directory, place=self.place,
                                     districts=self.districts, settings=self.settings,
                                     registers=self.registers)
        return self._summary

    def _input(self, got: dict[str, Any]) -> dict[str, Any]:
        """One file's ``inputs`` entry, in the local engine's shape."""
        info: dict[str, Any] = {
            "file": got["file"], "sheet": None, "encoding": self.encoding,
            "delimiter": self.delimiter, "header_row": 1 if self.encoding is not None else None,
            "columns": dict(self.columns), "rows_read": got["rows_read"],
            "blank_rows": got["blank_rows"], "pence_read": got["pence_read"],
            "notes": [*self.notes, "classified on Spark (spendkit.spark)"],
        }
        if "totals_rows" in got:
            info["totals_rows"] = got["totals_rows"]
        return info

    @property
    def inputs(self) -> list[dict[str, Any]]:
        return self.summary()["inputs"]

    def write_parquet(self, path: str | Path, *, mode: str = "overwrite",
                      partition_by: Sequence[str] | None = None, reuse: bool = True,
                      record: bool = True) -> None:
        """Write every row (counted, rejected, blank) to Parquet at ``path`` (a folder), as
        the local engine writes its Parquet: ``payment_date`` and ``period_end`` as ``DATE``
        and, with ``record`` (the default), the run's record (the classify document,
        ``aggregate.records.run_record``) under the footer key ``spendkit`` of every part file
        (not with ``mode="append"``: the folder then holds other runs' rows too).

        With ``reuse`` (the default) the result then reads its rows from that Parquet, so a
        later ``summary()`` aggregates the written files instead of classifying again (the
        record is made from them too; without ``reuse`` it classifies the rows a second time).
        """
        from pyspark.sql import functions as F

        dated = self.frame.withColumns({c: F.col(c).cast("date") for c in DATE_COLUMNS})
        writer = dated.write.mode(mode)
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        writer.parquet(str(path))
        spark = self.frame.sparkSession
        if reuse:
            self.frame = spark.read.parquet(str(path))
        if record and mode != "append":  # appended, the folder holds other runs' rows too
            import pyarrow as pa

            try:
                stamp_parquet(str(path), run_record(self.summary()))
            except (pa.ArrowException, OSError, ValueError) as exc:  # a store pyarrow cannot write
                warnings.warn(f"{path}: the rows are written, but the run's record is not in the "
                              f"Parquet footers (pyarrow cannot rewrite the part files there: {exc})",
                              stacklevel=2)
            if reuse:  # the part files were written again: Spark must list them anew
                self.frame = spark.read.parquet(str(path))


DATE_COLUMNS = ("payment_date", "period_end")  # a day each (the executors' midnight timestamps)


def stamp_parquet(path: str, record: dict[str, Any]) -> int:
    """Put ``record`` (JSON) under the footer key ``spendkit`` of every Parquet part file in
    the folder ``path`` (a local path or a URI pyarrow's file systems open: s3://, gs://,
    hdfs://...). Spark offers no way to add footer metadata, so each part file is written
    again, one row group at a time (memory bounded by a row group), to a hidden temporary file
    beside it that then replaces it; a local folder's checksum files of the old parts are
    removed. Returns the number of part files."""
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    text = json.dumps(record, ensure_ascii=False, default=str).encode("utf-8")
    fs, root = _filesystem(path)
    infos = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    parts = [i for i in infos if i.type == pafs.FileType.File and i.base_name.endswith(".parquet")
             and not i.base_name.startswith((".", "_"))]
    for info in parts:
        folder = info.path[: -len(info.base_name)]
        tmp = f"{folder}.{info.base_name}.spendkit-tmp"
        with fs.open_input_file(info.path) as source:
            pf = pq.ParquetFile(source)
            schema = pf.schema_arrow.with_metadata({**(pf.schema_arrow.metadata or {}),
                                                    RECORD_KEY.encode(): text})
            meta = pf.metadata
            codec = (meta.row_group(0).column(0).compression.lower()
                     if meta.num_row_groups and meta.num_columns else "snappy")
            with fs.open_output_stream(tmp) as sink, \
                    pq.ParquetWriter(sink, schema, compression=codec) as writer:
                for i in range(pf.num_row_groups):
                    writer.write_table(pf.read_row_group(i).replace_schema_metadata(schema.metadata))
        fs.move(tmp, info.path)
        crc = f"{folder}.{info.base_name}.crc"  # Hadoop's local checksum of the old bytes
        if fs.get_file_info(crc).type == pafs.FileType.File:
            fs.delete_file(crc)
    return len(parts)


def _filesystem(path: str) -> tuple[Any, str]:
    """pyarrow's file system for ``path`` and the path within it."""
    import pyarrow.fs as pafs

    if path.startswith("dbfs:/") and Path("/dbfs").is_dir():  # Databricks: DBFS is mounted there
        return pafs.LocalFileSystem(), "/dbfs/" + path[len("dbfs:/"):].lstrip("/")
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", path):
        return pafs.FileSystem.from_uri(path)
    return pafs.LocalFileSystem(), str(Path(path).resolve())


# ---------------------------------------------------------------- classify

@dataclass
class _Read:
    """The ledgers as Spark reads them, and what the driver saw of them."""

    df: DataFrame  # _c0.._cN (text), the file, Spark's row id
    names: list[str]  # the ledger's column names
    header: list[str] | None  # the header every file must have (None: a DataFrame)
    sample_rows: list[list[Any]]  # the first data rows of the first file
    first: str  # the first file (or the DataFrame's source name)
    encoding: str | None = None
    delimiter: str | None = None


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

    The registers are the local engine's (``registries`` settings: files given for the run
    and the installed ones, unless ``registries.installed`` is off): with any, one more Spark
    pass collects the run's distinct payees, matched once on the driver (``_match``).
    """
    require_pyspark()
    from pyspark.sql import DataFrame

    settings = settings or Settings()  # type: ignore[call-arg]
    _check_settings(settings)
    prepared = prepare(settings)  # the local engine's set-up; a bad rules file fails here
    registry = load_registries_for(settings)  # as the local engine reads them (None: none)
    notes: list[str] = []
    if isinstance(ledgers, DataFrame):
        read = _read_dataframe(ledgers, source)
    else:
        read = _read_files(spark, ledgers, settings, encoding, delimiter, notes)
    cmap = _detect(read, settings, encoding, notes)

    task = Task(settings=settings.model_copy(update={"columns": dict(cmap.roles)}),
                names=read.names, header=read.header, place=prepared.place,
                districts=prepared.districts, suppliers=prepared.supplier_file,
                rules=prepared.rules, source=source)
    if registry is not None:
        task = dataclasses.replace(task, matches=_match(spark, read, task, registry,
                                                        prepared.decisions, broadcast))
    out_names = output_names(read.names)
    schema = arrow_schema(out_names, registers=registry is not None)
    func = functools.partial(run_partition, task_ref=_share(spark, task, broadcast),
                             index_ref=_shared_index(spark, prepared.index, broadcast),
                             out_names=out_names, schema=schema)
    classified = read.df.mapInArrow(func, spark_schema(schema))
    supplier_file = prepared.supplier_file
    return SparkResult(frame=classified, place=prepared.place, districts=prepared.districts,
                       directory=prepared.index.source, settings=settings,
                       columns=dict(cmap.roles),
                       suppliers=supplier_file.info if supplier_file else None,
                       encoding=read.encoding, delimiter=read.delimiter,
                       notes=[*cmap.notes, *notes],
                       register_notes=list(registry.attrs.get("notes", [])) if registry is not None else [],
                       registers=list(registry.attrs.get("registers", [])) if registry is not None else [])


def _match(spark: SparkSession, read: _Read, task: Task, registry: pd.DataFrame,
           decisions: pd.DataFrame | None, broadcast: bool) -> pd.DataFrame:
    """The run's match table: every distinct payee of the ledgers (one Spark pass, ``run_keys``:
    tens of thousands of rows, collected), matched to the registers once, here on the driver
    (``decide.rows.match_registers``, as the local engine matches its distinct payees)."""
    step("Collecting the payees to match to the registers")
    func = functools.partial(run_keys, task_ref=_share(spark, task, broadcast))
    got = read.df.mapInArrow(func, spark_schema(keys_schema())).distinct().collect()
    keys = list(MATCH_KEYS)
    payees = pd.DataFrame([[r[k] for k in keys] for r in got], columns=keys, dtype="str").fillna("")
    payees = payees.sort_values(keys, ignore_index=True)  # Spark's order varies: one order
    step(f"Matching {len(payees):,} payees to the registers")
    return match_registers(payees, registry, decisions)


def _read_dataframe(ledgers: DataFrame, source: str) -> _Read:
    """A DataFrame's columns as text, with Spark's row id; no file, no row numbers."""
    from pyspark.sql import functions as F

    raw_names = list(ledgers.columns)
    df = ledgers.select(*[F.col(_quote(c)).cast("string").alias(f"_c{i}")
                          for i, c in enumerate(raw_names)],
                        F.lit(None).cast("string").alias(_FILE),
                        F.monotonically_increasing_id().alias(_ROW_ID))
    names = unique_names([clean_header(str(c)) for c in raw_names])
    sample_rows = [r[:len(names)] for r in df.limit(SAMPLE_ROWS + 500).collect()]
    return _Read(df, names, None, sample_rows, source)


def _read_files(spark: SparkSession, ledgers: str | Path | Sequence[str | Path], settings: Settings,
                encoding: str, delimiter: str, notes: list[str]) -> _Read:
    """CSV files read by Spark, each whole by one task; the first file's header checked on
    its first line (title rows above it are refused: the local engine reads those)."""
    from pyspark.sql import functions as F

    paths = [str(p) for p in ([ledgers] if isinstance(ledgers, str | Path) else ledgers)]
    if not paths:
        raise InputFileError("no ledger files given.")
    encoding_used = _allow_charset(spark, encoding, notes)
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
    if len(cells) > width:
        raise InputFileError(f"{first}: the header has {len(cells)} cells but Spark read "
                             f"{width} columns: the files' headers differ.")
    names = unique_names([*cells, *[""] * (width - len(cells))])
    return _Read(df, names, cells, records[1:], first, encoding_used, delimiter)


def _detect(read: _Read, settings: Settings, encoding: str, notes: list[str]) -> ColumnMap:
    """The columns' roles, detected once on the first rows, as the local engine detects them;
    a warning (and a note) when the sample holds U+FFFD (the encoding is wrong)."""
    names = read.names
    sample = pd.DataFrame([[("" if v is None else str(v)) for v in r] for r in read.sample_rows],
                          columns=names, dtype="str") if read.sample_rows else \
        pd.DataFrame({n: pd.Series([], dtype="str") for n in names})
    sample = sample.loc[(sample != "").any(axis=1)].head(SAMPLE_ROWS).reset_index(drop=True)
    cmap = detect_columns(sample, read.first, settings.columns)
    garbled = int(sample.apply(lambda s: s.str.contains("\ufffd", regex=False)).to_numpy().sum()) \
        if len(sample) else 0
    if garbled:
        note = (f"{garbled} cell(s) in the first {len(sample):,} rows hold U+FFFD (bytes that are "
                f"not {encoding}): give the files' encoding (e.g. encoding='windows-1252') or "
                "convert them to UTF-8; amounts written with them are rejected")
        notes.append(note)
        warnings.warn(note, stacklevel=3)
    return cmap


def _check_settings(settings: Settings) -> None:
    if settings.sheet:
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


# ---------------------------------------------------------------- broadcast

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


# ---------------------------------------------------------------- the command line

def classify_for_cli(ledgers: Sequence[Path | str], settings: Settings, *, out: Path | str | None = None,
                     encoding: str = "UTF-8") -> tuple[SparkResult, dict[str, Any]]:
    """What ``spendkit classify --engine spark`` runs: classify, write Parquet, summarise."""
    if out is not None and Path(str(out)).suffix.lower() != ".parquet":
        raise OutputError(f"{out}: the Spark engine writes Parquet (a folder of part files).",
                          hint="Give --out NAME.parquet.")
    files, repeated = distinct_files(ledgers)  # a file given twice is read once, as locally
    result = classify_spark(session(), [as_uri(p) for p in files], settings, encoding=encoding)
    result.notes += repeated.values()
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
