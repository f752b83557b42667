"""Special files, unreadable files, pipes and long names (issue 14, family 9): a FIFO or a device
given as any input is refused at once (exit 3, the file named), never read forever; an
unreadable file is exit 3 whichever input it is; `spendkit ... | head` ends quietly; a name
over the file system's limit is a clear error. Cases that could hang or read forever run in a
child process with a timeout. Each case states the expected behaviour first."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.trust.hostile import cli, ledger, listing, process_refused, refused, spendkit_process

INPUT = 3
ZERO = Path("/dev/zero")
needs_dev_zero = pytest.mark.skipif(not ZERO.exists(), reason="no /dev/zero here")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


@needs_fifo
def test_fifo_as_the_ledger(tmp_path: Path) -> None:
    """A FIFO given as the ledger: exit 3 naming it, at once (never waiting for a writer)."""
    fifo = _fifo(tmp_path / "ledger.csv")
    process_refused(spendkit_process("classify", fifo, "--place", "Wigan", timeout=30), INPUT, "ledger.csv")


@needs_fifo
def test_fifo_as_the_supplier_file(tmp_path: Path) -> None:
    """A FIFO given as the supplier file: exit 3 naming it, at once."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    fifo = _fifo(tmp_path / "suppliers.csv")
    process_refused(spendkit_process("classify", path, "--place", "Wigan", "--suppliers", fifo, timeout=30),
                    INPUT, "suppliers.csv")


@needs_fifo
def test_fifo_as_a_league_manifest(tmp_path: Path) -> None:
    """A FIFO given as the league manifest: exit 3 naming it, at once."""
    fifo = _fifo(tmp_path / "league.toml")
    process_refused(spendkit_process("league", fifo, timeout=30), INPUT, "league.toml")


@needs_dev_zero
@pytest.mark.parametrize("option", ["--companies", "--charities", "--suppliers"])
def test_dev_zero_as_a_reference_file(tmp_path: Path, option: str) -> None:
    """/dev/zero given as a register or supplier file: exit 3 naming it (a device), never read
    forever."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    process_refused(spendkit_process("classify", path, "--place", "Wigan", option, ZERO, timeout=30),
                    INPUT, "/dev/zero")


@needs_dev_zero
def test_dev_zero_as_the_respend_file(tmp_path: Path) -> None:
    """/dev/zero given as the re-spend file: exit 3 naming it, never read forever."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    process_refused(spendkit_process("report", path, "--place", "Wigan", "--respend", ZERO, timeout=30),
                    INPUT, "/dev/zero")


@needs_dev_zero
def test_dev_zero_as_the_postcode_directory(tmp_path: Path) -> None:
    """/dev/zero given with --postcodes: refused (exit 3 or 7) naming it, never read forever."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    proc = spendkit_process("classify", path, "--place", "Wigan", "--postcodes", ZERO, timeout=30,
                            env={"SPENDKIT_CACHE_DIR": str(tmp_path / "cache")})
    assert proc.returncode in (INPUT, 7), proc.stderr[-1500:]
    assert "/dev/zero" in proc.stderr and "Traceback" not in proc.stderr


def _denied(monkeypatch: pytest.MonkeyPatch, target: Path) -> None:
    """Reading ``target`` fails as a file without read permission does (root ignores chmod)."""
    real_bytes, real_open = Path.read_bytes, open

    def read_bytes(self: Path) -> bytes:
        if self.resolve() == target.resolve():
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_bytes(self)

    def opener(file, *args, **kwargs):
        if isinstance(file, str | Path) and Path(file).resolve() == target.resolve():
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr("builtins.open", opener)
    monkeypatch.setattr("io.open", opener)  # what Path.open and Path.read_text call


def test_unreadable_supplier_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A supplier file the user may not read: exit 3 (as docs/cli.md says), naming it."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    suppliers = tmp_path / "suppliers.csv"
    suppliers.write_text("Supplier Name,Postcode\nAcme Ltd,WN1 1YN\n", encoding="utf-8")
    _denied(monkeypatch, suppliers)
    refused(cli("classify", path, "--place", "Wigan", "--suppliers", suppliers), INPUT, "suppliers.csv")


def test_unreadable_respend_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A re-spend file the user may not read: exit 3 naming it."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    respend = tmp_path / "respend.csv"
    respend.write_text("supplier,class,respend\n,local,40%\n", encoding="utf-8")
    _denied(monkeypatch, respend)
    refused(cli("report", path, "--place", "Wigan", "--respend", respend), INPUT, "respend.csv")


def test_unreadable_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A league manifest the user may not read: exit 3 naming it."""
    manifest = tmp_path / "league.toml"
    manifest.write_text('title = "t"\n', encoding="utf-8")
    _denied(monkeypatch, manifest)
    refused(cli("league", manifest), INPUT, "league.toml")


@pytest.mark.parametrize("command", [["rank", "--top", "1000", "--format", "json"], ["rank", "--top", "1000"]])
def test_output_piped_into_head_ends_quietly(samples: Path, command: list[str]) -> None:
    """`spendkit rank ... | head -c 100`: the reader goes away early; spendkit ends quietly, with
    no traceback or error text, and not with the bug status 1."""
    proc = subprocess.Popen([sys.executable, "-m", "spendkit", command[0], str(samples / "ledger.csv"),
                             "--place", "Wigan", *command[1:]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()  # what head does once it has its lines
    stderr = proc.stderr.read().decode("utf-8", "replace")
    status = proc.wait(timeout=120)
    assert status != 1, stderr[-1500:]
    assert "Traceback" not in stderr and "Exception" not in stderr and "Broken pipe" not in stderr, stderr


def test_ledger_name_over_the_file_system_limit(tmp_path: Path) -> None:
    """A ledger path whose name is 300 characters (over the 255-byte limit): exit 3, the message
    naming it; never a traceback."""
    name = "x" * 296 + ".csv"
    refused(cli("classify", tmp_path / name, "--place", "Wigan"), INPUT, name[:50])


def test_output_name_over_the_file_system_limit(tmp_path: Path) -> None:
    """`--out` a 300-character name: exit 6 naming it, nothing written."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    name = "y" * 296 + ".csv"
    refused(cli("classify", path, "--place", "Wigan", "--out", tmp_path / name), 6, name[:50])
    assert listing(tmp_path) == ["l.csv"]


def test_report_output_name_over_the_file_system_limit(tmp_path: Path) -> None:
    """`report --out` a 300-character workbook name: exit 6, nothing written."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    refused(cli("report", path, "--place", "Wigan", "--out", tmp_path / ("z" * 296 + ".xlsx")), 6, "zzzz")
    assert listing(tmp_path) == ["l.csv"]


def test_output_path_over_the_path_limit(tmp_path: Path) -> None:
    """`--out` a path of 5,000 characters (over PATH_MAX): exit 6, nothing written."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    deep = tmp_path.joinpath(*["d" * 200] * 25) / "out.csv"
    result = cli("classify", path, "--place", "Wigan", "--out", deep)
    refused(result, 6, "out.csv")
    assert listing(tmp_path) == ["l.csv"]
