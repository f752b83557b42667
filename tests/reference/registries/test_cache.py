"""The Parquet cache of a register's common frame: round trip, key, and distrust."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spendkit.reference.registries.cache import (
    CACHE_FORMAT,
    CACHE_KEEP,
    cache_key,
    cache_path,
    read_cache,
    write_cache,
)
from spendkit.reference.registries.common import COLUMNS
from spendkit.reference.registries.companies_house import read_companies_house

CH_CSV = Path(__file__).parents[2] / "data" / "registries" / "BasicCompanyData-2024-05-01.csv"


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(folder))
    return folder


def small_frame() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(["a", "b"], dtype="str") for c in COLUMNS})
    frame["org_id"] = ["GB-COH-00000001", "GB-COH-SC000002"]
    frame["income_pounds"] = [1.5, float("nan")]
    frame.attrs["notes"] = ["a note"]
    return frame


def test_cache_path_is_under_the_cache_dir(cache_dir: Path) -> None:
    assert cache_path("abc") == cache_dir / "registries" / "abc.parquet"


def test_key_follows_names_sizes_and_times_not_order(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x")
    b.write_text("y")
    key = cache_key([a, b])
    assert key == cache_key([b, a]) and len(key) == 24
    assert key != cache_key([a])
    st = a.stat()
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert cache_key([a, b]) != key
    b.write_text("yy")
    assert cache_key([a]) != key


def test_round_trip(cache_dir: Path) -> None:
    path = cache_path("k1")
    frame = small_frame()
    assert write_cache(path, "k1", frame) is True
    assert path.is_file()
    assert [p.name for p in path.parent.iterdir()] == ["k1.parquet"]  # no temporary file left
    back = read_cache(path, "k1")
    assert back is not None
    assert list(back.columns) == [*COLUMNS, "previous_names"]  # Companies House keeps its old names
    assert back["org_id"].tolist() == ["GB-COH-00000001", "GB-COH-SC000002"]
    assert back["income_pounds"].iloc[0] == 1.5 and pd.isna(back["income_pounds"].iloc[1])
    assert back.attrs["notes"] == ["a note"]
    assert back.attrs["source"] == "Companies House"
    meta = json.loads(pq.read_schema(path).metadata[b"spendkit"])
    assert meta == {"format": CACHE_FORMAT, "key": "k1", "rows": 2, "notes": ["a note"]}


def test_missing_stale_or_damaged_cache_is_not_trusted(cache_dir: Path) -> None:
    path = cache_path("k1")
    assert read_cache(path, "k1") is None  # missing
    write_cache(path, "k1", small_frame())
    assert read_cache(path, "other-key") is None  # another key
    path.write_bytes(path.read_bytes()[:40])  # cut short
    assert read_cache(path, "k1") is None


def test_cache_with_wrong_column_types_is_not_trusted(cache_dir: Path) -> None:
    path = cache_path("k1")
    path.parent.mkdir(parents=True)
    frame = small_frame()
    frame["income_pounds"] = ["1.5", ""]  # text where a float belongs
    table = pa.Table.from_pandas(frame[COLUMNS], preserve_index=False)
    meta = {b"spendkit": json.dumps({"format": CACHE_FORMAT, "key": "k1", "rows": 2}).encode()}
    pq.write_table(table.replace_schema_metadata(meta), path)
    assert read_cache(path, "k1") is None


def test_only_the_most_recent_caches_are_kept(cache_dir: Path) -> None:
    paths = [cache_path(f"k{i}") for i in range(CACHE_KEEP + 2)]
    for i, p in enumerate(paths):
        write_cache(p, f"k{i}", small_frame())
        os.utime(p, (time.time() - 1000 + i, time.time() - 1000 + i))
    kept = sorted(p.name for p in paths[0].parent.glob("*.parquet"))
    assert len(kept) == CACHE_KEEP
    assert paths[-1].name in kept


def test_companies_house_round_trip_through_the_cache(cache_dir: Path) -> None:
    first = read_companies_house(CH_CSV)
    key = cache_key([CH_CSV])
    path = cache_path(key)
    assert path.is_file()
    cached = read_cache(path, key)
    assert cached is not None
    pd.testing.assert_frame_equal(cached.reset_index(drop=True), first.reset_index(drop=True),
                                  check_dtype=False)
    # The next read is served from the cache: a (marked) cache under the key is what comes back.
    marked = cached.copy()
    marked.loc[0, "name"] = "FROM THE CACHE"
    assert write_cache(path, key, marked)
    again = read_companies_house(CH_CSV)
    assert again["name"].iloc[0] == "FROM THE CACHE"
    assert again["org_id"].tolist() == first["org_id"].tolist()
    # Without the cache, the file is read again.
    assert read_companies_house(CH_CSV, use_cache=False)["name"].iloc[0] == first["name"].iloc[0]
