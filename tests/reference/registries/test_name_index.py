"""The name index's sorted arrays searched through their fences (``fenced_search``): the same
answers as ``np.searchsorted`` on the whole array, reading only the blocks the answers are in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spendkit.reference.registries import name_index as NI


def on_disk(tmp: Path, arr: np.ndarray) -> np.ndarray:
    path = tmp / "a.npy"
    np.save(path, arr, allow_pickle=False)
    return np.load(path, mmap_mode="r")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.integers(0, 40), max_size=300), queries=st.lists(st.integers(-2, 43), max_size=40),
       block=st.integers(1, 17))
def test_fenced_search_is_searchsorted(tmp_path: Path, values: list[int], queries: list[int], block: int) -> None:
    arr = np.sort(np.asarray(values, dtype=np.uint64 if min(queries, default=0) >= 0 else np.int64))
    q = np.asarray(queries, dtype=arr.dtype)
    disk = on_disk(tmp_path, arr)
    fence = np.ascontiguousarray(arr[::block])
    for side in ("left", "right"):
        want = np.searchsorted(arr, q, side)
        got = NI.fenced_search(disk, fence, block, q, side) if len(arr) else np.zeros(len(q), np.int64)
        assert got.tolist() == want.tolist(), (side, arr.tolist(), q.tolist())


def test_fenced_prefix_search_on_an_installed_index(tmp_path: Path) -> None:
    """Fixed-width names (the prefix array) through the index's own fence, as installed."""
    words = [f"{a} {b} LTD" for a in ("ACME", "ACORN", "BRIGHT", "CEDAR", "DELTA") for b in range(40)]
    frame = pd.DataFrame({"org_id": [f"GB-COH-{i:08d}" for i in range(len(words))],
                          "registry": "companies_house", "number": [f"{i:08d}" for i in range(len(words))],
                          "name": words, "company_number": [f"{i:08d}" for i in range(len(words))]})
    NI.build(frame, tmp_path / "ix")
    ix = NI.load(tmp_path / "ix")
    assert ix.meta["fences"] == {"key_hash": 512, "prefix": 73, "id_hash": 512}
    assert isinstance(ix.arrays["prefix"], np.memmap)
    q, ents, count = ix.by_prefix(["ACME 1", "BRIGHT 39", "ZEBRA", "ACORN"])
    # ACME 1, ACME 10..19; BRIGHT 39; nothing; every ACORN (40, over the limit of 20: none listed)
    assert count.tolist() == [11, 1, 0, 40]
    full = ix.entries(ents, ("full",))["full"].tolist()
    assert sorted(f for i, f in zip(q, full, strict=True) if i == 1) == ["BRIGHT 39 LTD"]
    assert all(f.startswith("ACME 1") for i, f in zip(q, full, strict=True) if i == 0)
    found, entry = ix.by_key(np.asarray(["CEDAR 7", "NOBODY"], dtype=object))
    assert found.tolist() == [0] and ix.entries(entry, ("full",))["full"].tolist() == ["CEDAR 7 LTD"]
