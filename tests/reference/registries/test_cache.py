"""The key of a register given for a run, under which its install is kept in the cache folder."""

from __future__ import annotations

import os
from pathlib import Path

from spendkit.reference.registries.cache import cache_key


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
