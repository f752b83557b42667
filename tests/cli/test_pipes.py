"""The CLI in pipes and cron: figures never cut when piped, one --out per file-writing command
refused when repeated, and --max-rejected failing a run (exit status 8) after its outputs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from spendkit import errors
from tests.helpers import run

CUT_FIGURE = re.compile(r"[£\d,.%]…")


def _classify(samples: Path, *args: str):
    return run("classify", samples / "ledger.csv", "--place", "Wigan",
               "--suppliers", samples / "suppliers.csv", *args)


def test_piped_classify_cuts_no_figure(samples: Path) -> None:
    result = _classify(samples)
    assert result.exit_code == 0, result.output
    assert "£40,215,717.66" in result.stdout
    assert not CUT_FIGURE.search(result.stdout), result.stdout


def test_piped_classify_through_a_real_pipe_cuts_no_figure(samples: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "spendkit", "classify", str(samples / "ledger.csv"),
                           "--place", "Wigan", "--suppliers", str(samples / "suppliers.csv")],
                          capture_output=True, text=True, encoding="utf-8", check=False,
                          env={**os.environ, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    assert not CUT_FIGURE.search(done.stdout), done.stdout


@pytest.mark.parametrize("command", ["classify", "suppliers"])
def test_repeated_out_is_refused_and_nothing_written(samples: Path, tmp_path: Path, command: str) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    result = run(command, samples / "ledger.csv", "--place", "Wigan", "--out", first, "--out", second)
    assert result.exit_code == errors.EXIT_USAGE
    assert "--out" in result.output and "give it once" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("limit", "status"), [("0", 8), ("5", 8), ("6", 0), ("0.1%", 8), ("1%", 0)])
def test_max_rejected_rows_or_share(samples: Path, limit: str, status: int) -> None:
    # the sample ledger has 6 of 3,000 rows rejected (0.2%)
    result = _classify(samples, "--quiet", "--format", "json", "--max-rejected", limit)
    assert result.exit_code == status, result.output
    json.loads(result.stdout)  # the figures are printed whole either way
    if status:
        assert f"6 of 3,000 rows rejected (0.20%), more than --max-rejected {limit}" in result.stderr


def test_max_rejected_fails_after_writing_every_output(samples: Path, tmp_path: Path) -> None:
    outs = [tmp_path / "r.json", tmp_path / "r.csv"]
    result = run("report", samples / "ledger.csv", "--place", "Wigan", "--quiet",
                 "--out", outs[0], "--out", outs[1], "--max-rejected", "0")
    assert result.exit_code == errors.EXIT_TOO_MANY_REJECTED, result.output
    assert all(p.stat().st_size > 0 for p in outs)
    classified = tmp_path / "rows.csv"
    result = _classify(samples, "--quiet", "--out", classified, "--max-rejected", "0")
    assert result.exit_code == errors.EXIT_TOO_MANY_REJECTED
    assert classified.exists() and (tmp_path / "rows.rejected.csv").exists()


@pytest.mark.parametrize("limit", ["x", "-1", "101%", "nan%", "1.5"])
def test_bad_max_rejected_is_refused_before_any_work(samples: Path, tmp_path: Path, limit: str) -> None:
    out = tmp_path / "rows.csv"
    result = _classify(samples, "--out", out, "--max-rejected", limit)
    assert result.exit_code == errors.EXIT_USAGE
    assert "--max-rejected" in result.output
    assert not out.exists()


@pytest.mark.parametrize("name", ["ledger.csv", "ledger.xlsx"])
def test_dash_reads_the_ledger_from_stdin(samples: Path, tmp_path: Path, name: str) -> None:
    from spendkit.cli import app
    from tests.helpers import runner

    expected = _classify(samples, "--format", "json")
    out = tmp_path / "rows.csv"
    result = runner.invoke(app, ["classify", "-", "--place", "Wigan", "--suppliers",
                                 str(samples / "suppliers.csv"), "--format", "json", "--out", str(out)],
                           input=(samples / name).read_bytes())
    assert result.exit_code == 0, result.output
    got, want = json.loads(result.stdout), json.loads(expected.stdout)
    assert got["reconciliation"]["pence_counted"] == want["reconciliation"]["pence_counted"]
    assert got["inputs"][0]["file"].startswith("<stdin>")
    rows = out.read_text(encoding="utf-8-sig")
    assert "<stdin>" in rows and str(samples) not in rows


def test_dash_through_a_real_pipe_and_empty_stdin(samples: Path) -> None:
    command = [sys.executable, "-m", "spendkit", "report", "-", "--place", "Wigan", "--quiet",
               "--format", "json"]
    done = subprocess.run(command, input=(samples / "ledger.csv").read_bytes(), capture_output=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["reconciliation"]["balanced"]
    empty = subprocess.run(command, input=b"", capture_output=True, check=False)
    assert empty.returncode == errors.EXIT_INPUT
    assert b"<stdin>: the file is empty." in empty.stderr


@pytest.mark.parametrize("command", ["classify", "report"])
def test_out_dash_is_refused(samples: Path, command: str) -> None:
    result = run(command, samples / "ledger.csv", "--place", "Wigan", "--out", "-")
    assert result.exit_code == errors.EXIT_USAGE
    assert "standard output" in result.output
