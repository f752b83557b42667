"""Limits: a file too large for memory is refused up front with a clear message, never an
out-of-memory kill. The guard compares the memory a file would take once read (its size x 8
for text; for a workbook, its uncompressed XML x 3; for a zip, its members) with the memory
available (MemAvailable, or the container's limit); SPENDKIT_MEMORY_LIMIT=BYTES overrides it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import make_corpus
import pytest
from typer.testing import CliRunner

from spendkit import errors
from spendkit.cli import app
from spendkit.errors import ConfigError, InputFileError
from spendkit.read import guard as read

runner = CliRunner()


def classify(path: Path, limit: str | None):
    env = {"SPENDKIT_MEMORY_LIMIT": limit} if limit is not None else None
    return runner.invoke(app, ["classify", str(path), "--place", "Wigan", "--format", "json"], env=env)


def test_available_memory_is_known_and_positive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPENDKIT_MEMORY_LIMIT", raising=False)
    available = read.available_memory()
    assert available is not None and available > 0


@pytest.mark.parametrize(("text", "expected"), [("12345", 12345), ("2G", 2 * 1024**3),
                                                ("500M", 500 * 1024**2), ("1.5GiB", int(1.5 * 1024**3)),
                                                ("64kb", 64 * 1024)])
def test_memory_limit_setting(monkeypatch: pytest.MonkeyPatch, text: str, expected: int) -> None:
    monkeypatch.setenv("SPENDKIT_MEMORY_LIMIT", text)
    assert read.available_memory() == expected


def test_bad_memory_limit_is_a_settings_error(tmp_path: Path, samples: Path) -> None:
    result = classify(samples / "ledger.csv", "lots")
    assert result.exit_code == errors.EXIT_CONFIG
    assert "SPENDKIT_MEMORY_LIMIT='lots'" in result.stderr


def test_csv_too_large_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(make_corpus.csv_text(make_corpus.ledger(100)))
    size = ledger.stat().st_size
    read_bytes = []
    monkeypatch.setattr(Path, "read_bytes", lambda self: read_bytes.append(self) or b"")
    result = classify(ledger, str(size * 4))  # needs ~8x its size
    assert result.exit_code == errors.EXIT_INPUT
    assert "ledger.csv: is too large to read in memory" in result.stderr
    assert "KB needed" in result.stderr and "available" in result.stderr
    assert "SPENDKIT_MEMORY_LIMIT" in result.stderr  # the hint says how to change the limit
    assert ledger not in read_bytes  # refused up front, not after reading it


def test_the_same_csv_is_read_with_enough_memory(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(make_corpus.csv_text(make_corpus.ledger(100)))
    assert classify(ledger, str(ledger.stat().st_size * 20)).exit_code == 0


def test_workbook_is_judged_by_its_uncompressed_size(tmp_path: Path) -> None:
    """A workbook is small on disk and large in memory: the guard looks inside the zip."""
    rows = make_corpus.ledger(3)
    rows[1][0] = "A" * 2_000_000  # compresses to almost nothing
    book = tmp_path / "book.xlsx"
    book.write_bytes(make_corpus.simple_xlsx(rows))
    on_disk = book.stat().st_size
    assert on_disk < 100_000
    limit = on_disk * read.CSV_EXPANSION * 2  # plenty, were it judged by its size on disk
    result = classify(book, str(limit))
    assert result.exit_code == errors.EXIT_INPUT
    assert "book.xlsx: is too large to read in memory" in result.stderr
    assert classify(book, str(30_000_000)).exit_code == 0


def test_zip_of_ledgers_is_judged_by_its_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for m in range(1, 4):
            z.writestr(f"2024-{m:02d}.csv", make_corpus.csv_text(make_corpus.ledger(2000)))
    path = tmp_path / "year.zip"
    path.write_bytes(buf.getvalue())
    monkeypatch.setenv("SPENDKIT_MEMORY_LIMIT", str(path.stat().st_size * read.CSV_EXPANSION * 2))
    with pytest.raises(InputFileError, match=r"year\.zip: is too large to read in memory"):
        read.check_memory(path)
    monkeypatch.setenv("SPENDKIT_MEMORY_LIMIT", "1G")
    read.check_memory(path)


def test_zip_bomb_gets_the_zip_bomb_message_not_the_memory_one(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(make_corpus.bomb_xlsx(2.5))
    result = classify(bomb, "1000")
    assert result.exit_code == errors.EXIT_INPUT
    assert "zip bomb" in result.stderr


def test_memory_limit_errors_are_config_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDKIT_MEMORY_LIMIT", "-5")
    with pytest.raises(ConfigError):
        read.available_memory()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_an_endless_device_is_refused_not_read() -> None:
    result = classify(Path("/dev/zero"), None)
    assert result.exit_code == errors.EXIT_INPUT
    assert "/dev/zero: is a device" in result.stderr
