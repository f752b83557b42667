"""Faults: a killed process, an output that cannot be written, a full disk, a damaged cache.

* Outputs are written to a temporary file beside the target and renamed over it: a process
  killed mid-write leaves the old file (or none), never a truncated one.
* A missing, unwritable or full output folder is a clear error (exit 6) with nothing left behind.
* A corrupt or stale postcode index or adjacency cache is detected and rebuilt, never trusted
  (tests/test_places.py covers damaged files; this covers damage to their content).
"""

from __future__ import annotations

import csv
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from spendkit import errors
from spendkit.cli import app
from spendkit.normalise import postcodes
from spendkit.output import export
from spendkit.reference import postcode_index as places
from spendkit.reference.postcode_index import PostcodeIndex

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def write_ledger(path: Path, rows: int) -> Path:
    pcs = ["WN1 1YN", "BL1 1AA", "M1 1AE", "SW1A 1AA", "TBC", ""]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Supplier Name", "Net Amount", "Payment Date", "Postcode", "Service Area"])
        for i in range(rows):
            w.writerow([f"Supplier {i % 5000} Ltd", f"{i % 997}.50", "01/02/2024", pcs[i % 6],
                        f"Dept {i % 40}"])
    return path


@pytest.fixture(scope="module")
def big_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_ledger(tmp_path_factory.mktemp("big") / "big_ledger.csv", 100_000)


def classify(*args: str, **kw):
    return runner.invoke(app, ["classify", *args, "--place", "Wigan"], **kw)


# ---------------------------------------------------------------- atomic writes

@pytest.mark.parametrize("old", [None, b"the complete file of an earlier run\r\n"], ids=["none", "old"])
def test_killed_mid_write_leaves_the_old_file_or_none(big_ledger: Path, tmp_path: Path,
                                                      old: bytes | None) -> None:
    target = tmp_path / "big.csv"
    if old is not None:
        target.write_bytes(old)
    proc = subprocess.Popen(
        [sys.executable, "-m", "spendkit", "classify", str(big_ledger), "--place", "Wigan",
         "--out", str(target), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    killed_mid_write = False
    deadline = time.monotonic() + 120
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            temps = list(tmp_path.glob(".big.csv.*.tmp"))
            if temps and any(t.exists() and t.stat().st_size > 0 for t in temps):
                os.kill(proc.pid, signal.SIGKILL)  # mid-write: the temporary file is half written
                killed_mid_write = True
                break
            time.sleep(0.002)
    finally:
        if proc.poll() is None and not killed_mid_write:
            proc.kill()
        proc.wait(timeout=30)
    assert killed_mid_write, f"the write was never seen (exit {proc.returncode}): {proc.stderr.read()!r}"
    assert proc.returncode == -signal.SIGKILL
    if old is None:
        assert not target.exists()  # none, not a truncated file
    else:
        assert target.read_bytes() == old  # the old file, whole
    # what SIGKILL leaves is a hidden temporary file beside it, never the target itself
    leftovers = {p.name for p in tmp_path.iterdir()} - {target.name}
    # (the classified and rejected files are written together, so either may have its own)
    assert all(n.startswith((".big.csv.", ".big.rejected.csv.")) and n.endswith(".tmp")
               for n in leftovers), leftovers


def test_atomic_path_removes_the_temporary_file_on_any_error(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    target.write_text("old")
    with pytest.raises(ValueError), export.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise ValueError("a bug half way")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


# ---------------------------------------------------------------- output errors

def test_output_folder_is_a_file(samples: Path, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    result = classify(str(samples / "ledger.csv"), "--out", str(tmp_path / "afile" / "out.csv"))
    assert result.exit_code == errors.EXIT_OUTPUT
    assert "is a file, not a folder" in result.stderr and "Traceback" not in result.output


def test_output_is_a_folder(samples: Path, tmp_path: Path) -> None:
    (tmp_path / "out.csv").mkdir()
    result = classify(str(samples / "ledger.csv"), "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == errors.EXIT_OUTPUT
    assert "is a folder" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_output_folder_not_writable(samples: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = classify(str(samples / "ledger.csv"), "--out", str(folder / "out.csv"))
    finally:
        folder.chmod(0o755)
    assert result.exit_code == errors.EXIT_OUTPUT
    assert "cannot be written" in result.stderr
    assert list(folder.iterdir()) == []


def _disk_full_after(nbytes: int):
    """A DataFrame.to_csv that writes ``nbytes`` and then finds the disk full."""
    def to_csv(self, path, *args, **kwargs):
        Path(path).write_bytes(b"x" * nbytes)
        raise OSError(errno.ENOSPC, "No space left on device")
    return to_csv


def test_disk_full_gives_a_clear_error_and_leaves_nothing(samples: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "keep.txt").write_text("there before")
    monkeypatch.setattr(pd.DataFrame, "to_csv", _disk_full_after(4096))
    result = classify(str(samples / "ledger.csv"), "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == errors.EXIT_OUTPUT
    # the message names the file that could not be written (classified or rejected: both or neither)
    assert "the disk is full" in result.stderr
    assert "out.csv" in result.stderr or "out.rejected.csv" in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_disk_full_on_rename(samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.replace

    def replace(src, dst):
        if str(dst).startswith(str(tmp_path)):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(export.os, "replace", replace)
    result = classify(str(samples / "ledger.csv"), "--out", str(tmp_path / "out.xlsx"))
    assert result.exit_code == errors.EXIT_OUTPUT and "the disk is full" in result.stderr
    assert list(tmp_path.iterdir()) == []


def _second_csv_write_fills_the_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = pd.DataFrame.to_csv

    def second_fails(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", second_fails)


def test_write_tables_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The classified and rejected files are one output: if the second cannot be written,
    the first is not left new (export.write_tables)."""
    rows = pd.DataFrame({"payee": ["a"], "amount_pence": [1]})
    (tmp_path / "out.csv").write_text("old rows")
    _second_csv_write_fills_the_disk(monkeypatch)
    with pytest.raises(errors.OutputError, match="disk is full"):
        export.write_tables([(rows, tmp_path / "out.csv", "Rows"),
                             (rows, tmp_path / "out.rejected.csv", "Rejected")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert (tmp_path / "out.csv").read_text() == "old rows"


def test_cli_disk_full_on_the_rejected_file_leaves_no_classified_file(
        samples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _second_csv_write_fills_the_disk(monkeypatch)
    result = classify(str(samples / "ledger.csv"), "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == errors.EXIT_OUTPUT
    assert list(tmp_path.iterdir()) == []


def test_unreadable_ledger_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """(The corpus's no-permission case is skipped as root; this one is not.)"""
    ledger = write_ledger(tmp_path / "locked.csv", 3)
    real = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self == ledger:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    result = classify(str(ledger))
    assert result.exit_code == errors.EXIT_INPUT
    assert "locked.csv: cannot be read (Permission denied)" in result.stderr


# ---------------------------------------------------------------- the postcode cache

@pytest.fixture(scope="module")
def directory(index: PostcodeIndex, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small postcode directory of real postcodes in Wigan, Bolton and Salford (enough for
    adjacency), written as an ONSPD-style CSV."""
    wanted = [index.codes.index(c) for c in ("E08000010", "E08000001", "E08000006")]
    district = np.asarray(index.district)
    picks = np.flatnonzero(np.isin(district, wanted))
    path = tmp_path_factory.mktemp("onspd") / "onspd_small.csv"
    pd.DataFrame({
        "pcds": [p.decode() for p in np.asarray(index.postcodes)[picks]],
        "laua": [index.codes[d] for d in district[picks]],
        "oseast1m": np.asarray(index.east)[picks], "osnrth1m": np.asarray(index.north)[picks],
    }).to_csv(path, index=False)
    return path


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPENDKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    calls: list[Path] = []
    real = places._frame_from_file
    monkeypatch.setattr(places, "_frame_from_file", lambda p: calls.append(p) or real(p))
    return calls


def _save(folder: Path, name: str, array: np.ndarray) -> None:
    np.save(folder / f"{name}.npy", array, allow_pickle=False)


def _meta(folder: Path, **changes) -> None:
    meta = json.loads((folder / "meta.json").read_text())
    meta.update(changes)
    (folder / "meta.json").write_text(json.dumps(meta))


CONTENT_DAMAGE = {
    # the right files, of the right length, that would give wrong answers or crash a lookup
    "district codes out of range": lambda f, n: _save(f, "district", np.full(n, 30000, np.int16)),
    "district below -1": lambda f, n: _save(f, "district", np.full(n, -7, np.int16)),
    "postcodes unsorted": lambda f, n: _save(f, "postcodes", np.load(f / "postcodes.npy")[::-1].copy()),
    "postcodes duplicated": lambda f, n: _save(f, "postcodes", np.sort(np.repeat(
        np.load(f / "postcodes.npy")[: (n + 1) // 2], 2)[:n])),
    "postcodes as integers": lambda f, n: _save(f, "postcodes", np.arange(n, dtype=np.int64)),
    "district as floats": lambda f, n: _save(f, "district", np.zeros(n, np.float64)),
    "east two-dimensional": lambda f, n: _save(f, "east", np.zeros((n, 1), np.int32)),
    "codes not text": lambda f, n: _meta(f, codes=[1, 2, 3]),
    "source not text": lambda f, n: _meta(f, source=["x"]),
    "count not a number": lambda f, n: _meta(f, count="many"),
}


@pytest.mark.parametrize("damage", list(CONTENT_DAMAGE))
def test_index_with_damaged_content_is_rebuilt(directory: Path, cache: Path, builds: list,
                                               damage: str) -> None:
    fresh = PostcodeIndex.load(directory)
    (folder,) = (cache / "postcodes").iterdir()
    CONTENT_DAMAGE[damage](folder, len(fresh.postcodes))
    again = PostcodeIndex.load(directory)
    assert len(builds) == 2  # detected and rebuilt, not trusted
    pcs = postcodes.compact(pd.Series(["WN1 1YN", "BL1 1AA", "M5 4WT", "ZZ9 9ZZ"], dtype="str"))
    pd.testing.assert_frame_equal(again.lookup(pcs), fresh.lookup(pcs))
    PostcodeIndex.load(directory)
    assert len(builds) == 2  # and the rebuilt cache is trusted again


def _adjacency_doc(folder: Path) -> dict:
    return json.loads((folder / "adjacency.json").read_text())


ADJACENCY_DAMAGE = {
    "garbage": lambda doc: "{not json",
    "empty file": lambda doc: "",
    "a list": lambda doc: "[]",
    "old format (a bare table)": lambda doc: json.dumps(doc["adjacency"]),
    "another index's": lambda doc: json.dumps({**doc, "count": doc["count"] + 1}),
    "emptied, same header": lambda doc: json.dumps({**doc, "adjacency": {}}),
    "values not lists": lambda doc: json.dumps({**doc, "adjacency": {k: 5 for k in doc["adjacency"]}}),
    "unknown district": lambda doc: json.dumps({**doc, "adjacency": {**doc["adjacency"],
                                                                     "E99999999": ["E08000010"]}}),
    "one-sided": lambda doc: json.dumps({**doc, "adjacency": {
        k: v for k, v in doc["adjacency"].items() if k != "E08000001"}}),
}


@pytest.mark.parametrize("damage", list(ADJACENCY_DAMAGE))
def test_adjacency_cache_damage_is_detected(directory: Path, cache: Path, damage: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first = PostcodeIndex.load(directory)
    expected = first.adjacency
    assert "E08000001" in expected["E08000010"]  # Bolton touches Wigan
    (folder,) = (cache / "postcodes").iterdir()
    doc = _adjacency_doc(folder)
    (folder / "adjacency.json").write_text(ADJACENCY_DAMAGE[damage](doc))
    computed = []
    real = places.adjacency_from_grid
    monkeypatch.setattr(places, "adjacency_from_grid", lambda ix: computed.append(1) or real(ix))
    assert PostcodeIndex.load(directory).adjacency == expected
    assert computed == [1]  # recomputed, not trusted
    assert _adjacency_doc(folder) == doc  # and written back whole
    assert PostcodeIndex.load(directory).adjacency == expected
    assert computed == [1]


def test_cli_survives_a_damaged_cache(samples: Path, directory: Path, cache: Path) -> None:
    """End to end: a damaged index and adjacency cache still give the same figures."""
    args = (str(samples / "ledger.csv"), "--postcodes", str(directory), "--format", "json")
    good = classify(*args)
    assert good.exit_code == 0, good.output
    (folder,) = (cache / "postcodes").iterdir()
    n = json.loads((folder / "meta.json").read_text())["count"]
    _save(folder, "district", np.full(n, 32000, np.int16))
    (folder / "adjacency.json").write_text('{"format": 1}')
    result = classify(*args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["geography"] == json.loads(good.stdout)["geography"]
    assert json.loads(result.stdout)["place"] == json.loads(good.stdout)["place"]
