"""Progress on long work goes to stderr only when stderr is a terminal (a person watching),
never into a pipe, a redirect or cron, and never onto stdout."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

import spendkit
from spendkit.cli.watch import progress, watched
from spendkit.progress import listening, step

ROOT = Path(__file__).resolve().parents[2]
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def _spendkit(*args: str | Path, terminal: bool) -> tuple[int, str, str]:
    """Run `python -m spendkit ARGS` with stdout a pipe and stderr a terminal (a pty) or a pipe:
    (exit status, stdout, stderr)."""
    command = [sys.executable, "-m", "spendkit", *map(str, args)]
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300,
                              cwd=ROOT, check=False)
        return done.returncode, done.stdout, done.stderr
    import pty
    import tempfile

    master, slave = pty.openpty()
    with tempfile.TemporaryFile() as stdout:  # a file, not a pipe: a full pipe would block the run
        proc = subprocess.Popen(command, stdout=stdout, stderr=slave, env=env, cwd=ROOT)
        os.close(slave)
        chunks = []
        while True:  # read the terminal as the run writes to it (else a full pty blocks the run)
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the run closed its end
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        proc.wait(timeout=300)
        os.close(master)
        stdout.seek(0)
        out = stdout.read().decode()
    return proc.returncode, out, b"".join(chunks).decode(errors="replace")


BASE = ["data/samples/ledger.csv", "--place", "Wigan", "--suppliers", "data/samples/suppliers.csv"]
needs_pty = pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")


@needs_pty
def test_a_terminal_sees_each_step(tmp_path: Path) -> None:
    status, out, err = _spendkit("classify", *BASE, "--format", "json", terminal=True)
    assert status == 0, err
    json.loads(out)  # stdout is the document alone: progress never goes there
    for words in ("Reading the postcode directory and the supplier file…", "Reading ledger.csv…",
                  "Classifying 2,994 rows…"):
        assert words in err, err


@needs_pty
def test_a_terminal_sees_the_writing(tmp_path: Path) -> None:
    out_file = tmp_path / "r.xlsx"
    status, _, err = _spendkit("report", *BASE, "--format", "json", "--out", out_file, terminal=True)
    assert status == 0, err
    assert "Writing r.xlsx…" in err and out_file.is_file()


@needs_pty
def test_quiet_on_a_terminal_shows_no_progress() -> None:
    status, _, err = _spendkit("classify", *BASE, "--format", "json", "--quiet", terminal=True)
    assert status == 0
    assert err == "", repr(err)


@pytest.mark.parametrize("command", ["classify", "report", "rank"])
def test_nothing_on_stderr_when_it_is_not_a_terminal(command: str, tmp_path: Path) -> None:
    """Cron and pipes: not one character of progress (no spinner, no escape code)."""
    status, out, err = _spendkit(command, *BASE, "--format", "json", terminal=False)
    assert status == 0, err
    json.loads(out)
    assert "\x1b" not in err and not any(c in err for c in SPINNER), repr(err)
    assert "Reading" not in err and "Classifying" not in err, err
    if command == "classify":
        assert err == ""  # the sample has no notes to give


def test_nothing_written_with_out_when_not_a_terminal(tmp_path: Path) -> None:
    out_file = tmp_path / "rows.csv"
    status, _, err = _spendkit("classify", *BASE, "--out", out_file, "--quiet", terminal=False)
    assert status == 0 and err == ""


def test_steps_from_the_library(samples: Path, tmp_path: Path) -> None:
    """What a listener hears, in order; and nothing is heard without one."""
    heard: list[str] = []
    second = tmp_path / "second.csv"
    second.write_text("Supplier Name,Amount,Date\nAcme Ltd,1.00,01/04/2024\n", encoding="utf-8")
    with listening(heard.append):
        spendkit.classify([samples / "ledger.csv", second], place="Wigan")
    assert heard == ["Reading the postcode directory", "Reading ledger.csv (1 of 2)",
                     "Reading second.csv (2 of 2)", "Classifying 2,995 rows"]
    step("nobody listens")  # no listener: nothing happens, nothing fails


def test_the_cli_listens_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under the test runner stderr is no terminal: progress() sets no listener."""
    heard: list[str] = []
    assert not watched()
    with listening(heard.append), progress(quiet=False):
        step("inside")
    assert heard == ["inside"]  # the caller's listener, untouched: progress() added none
