"""The Parquet cache of a register's common frame (Companies House's is millions of rows):
kept in ``cache_dir()/registries`` under a key of the files it was built from, checked
before it is trusted, written atomically, and pruned to the most recent few."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from spendkit.reference.postcode_index import cache_dir
from spendkit.reference.registries.common import COLUMNS, TEXT_COLUMNS, text_column

CACHE_FORMAT = 2  # bump when the frame read_companies_house builds changes
CACHE_KEEP = 3  # most recent Companies House caches kept; older ones are removed


def cache_path(key: str) -> Path:
    """Where the frame cached under ``key`` lives."""
    return cache_dir() / "registries" / f"{key}.parquet"


def cache_key(files: list[Path]) -> str:
    """A key of the files' names, sizes and modification times (and the cache format)."""
    h = hashlib.sha256(f"spendkit-registries-{CACHE_FORMAT}".encode())
    for p in sorted(files, key=lambda q: q.name):
        st = p.stat()
        h.update(f"|{p.name}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:24]


def read_cache(path: Path, key: str) -> pd.DataFrame | None:
    """The cached frame, or None if missing, stale or damaged in any way (never trusted blindly)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():
        return None
    try:
        table = pq.read_table(path, memory_map=True)
        meta = json.loads((table.schema.metadata or {}).get(b"spendkit", b"{}"))
        if meta.get("format") != CACHE_FORMAT or meta.get("key") != key \
                or meta.get("rows") != table.num_rows or table.column_names != COLUMNS:
            return None
        for name in COLUMNS:
            t = table.schema.field(name).type
            ok = pa.types.is_floating(t) if name == "income_pounds" \
                else (pa.types.is_string(t) or pa.types.is_large_string(t))
            if not ok:
                return None
        frame = table.to_pandas()
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None
    for name in TEXT_COLUMNS:
        frame[name] = text_column(frame[name])
    frame.attrs["notes"] = list(meta.get("notes", []))
    frame.attrs["source"] = "Companies House"
    return frame


def write_cache(path: Path, key: str, frame: pd.DataFrame) -> bool:
    """Write to a temporary file beside the cache, then rename: a half-written cache is never seen."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(frame[COLUMNS], preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"spendkit"] = json.dumps({"format": CACHE_FORMAT, "key": key, "rows": len(frame),
                                        "notes": frame.attrs.get("notes", [])}).encode()
        table = table.replace_schema_metadata(meta)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".build-", suffix=".parquet")
        os.close(fd)
        tmp = Path(name)
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
        tmp = None
        _prune_cache(path)
        return True
    except (OSError, pa.ArrowException):  # an unusable cache still gives a working frame
        return False
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _prune_cache(keep: Path) -> None:
    try:
        caches = sorted((p for p in keep.parent.glob("*.parquet") if p != keep),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for old in caches[CACHE_KEEP - 1:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
