"""`spendkit report` and `spendkit rank` end to end: outputs, determinism, bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from spendkit import errors
from spendkit.aggregate import report as R
from tests.helpers import run


@pytest.fixture(scope="module")
def base(samples: Path) -> list[str]:
    return ["--place", "Wigan", "--suppliers", str(samples / "suppliers.csv")]


@pytest.fixture(scope="module")
def report_json(samples: Path, base: list[str]) -> tuple[str, str]:
    """Two runs of the same JSON report (determinism), stdout only."""
    args = ["report", samples / "ledger.csv", *base, "--by", "department", "--by", "quarter",
            "--fy", "2024/25", "--format", "json"]
    first, second = run(*args), run(*args)
    assert first.exit_code == 0, first.output
    return first.stdout, second.stdout


def test_json_equals_the_python_api(report_json, result, counted: int) -> None:
    doc = json.loads(report_json[0])
    api = R.build_report(result, by=["department", "quarter"], fy="2024/25").to_dict()
    api = json.loads(json.dumps(api))
    for key in ("reconciliation", "headline", "classes", "breakdowns", "trends", "period"):
        assert doc[key] == api[key], key
    assert doc["reconciliation"]["pence_reported"] == counted
    assert doc["classification"]["reconciliation"]["pence_counted"] == counted
    assert doc["method"]["period"] == "financial year 2024/25"


def test_same_inputs_same_bytes(report_json, samples: Path, base: list[str], tmp_path: Path) -> None:
    assert report_json[0] == report_json[1]
    outs = []
    for i in range(2):
        out = tmp_path / f"r{i}.csv"
        result = run("report", samples / "ledger.csv", *base, "--by", "month", "--format", "csv",
                     "--out", out, "--quiet")
        assert result.exit_code == 0, result.output
        outs.append((out.read_bytes(), result.stdout))
    assert outs[0] == outs[1]
    assert outs[0][0].startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    # the file is stdout's CSV (click's runner shows CRLF as LF)
    assert outs[0][0][3:].decode().replace("\r\n", "\n") == outs[0][1]
    assert outs[0][0].count(b"\r\n") == outs[0][1].count("\n")


def test_csv_figures_add_up(samples: Path, base: list[str], counted: int) -> None:
    result = run("report", samples / "ledger.csv", *base, "--by", "expense_type", "--by", "fy",
                 "--format", "csv")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    assert set(frame["by"]) == {"all", "expense_type", "fy"}
    assert set(frame["family"]) == {"geography", "size", "sector"}
    for _, part in frame.groupby(["family", "by"]):
        assert part["pence"].sum() == counted
        assert (part["amount"].map(lambda a: round(float(a) * 100)) == part["pence"]).all()


def test_table_output_and_logs_on_stderr(samples: Path, base: list[str], tmp_path: Path) -> None:
    out = tmp_path / "dash.html"
    result = run("report", samples / "ledger.csv", *base, "--by", "department", "--out", out)
    assert result.exit_code == 0, result.output
    assert "Geography by department" in result.stdout and "reconciled" in result.stdout
    assert "Adult Social Care" in result.stdout and "£40,215,717.66" in result.stdout
    assert f"Wrote {out}" in result.stderr and "Wrote" not in result.stdout
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    quiet = run("report", samples / "ledger.csv", *base, "--by", "department", "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert "Size by department" not in quiet.stdout and "Geography by department" in quiet.stdout


def test_several_out_files_from_one_run(samples: Path, base: list[str], tmp_path: Path,
                                        counted: int) -> None:
    outs = [tmp_path / f"report{suffix}" for suffix in (".json", ".parquet", ".xlsx", ".html")]
    result = run("report", samples / "ledger.csv", *base, "--quiet", "--format", "json",
                 *(x for o in outs for x in ("--out", o)))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(o.name for o in outs)
    assert json.loads(outs[0].read_text()) == json.loads(result.stdout)
    frame = pq.read_table(outs[1]).to_pandas()
    assert frame[(frame["family"] == "geography") & (frame["by"] == "month")]["pence"].sum() == counted
    import openpyxl

    book = openpyxl.load_workbook(outs[2], read_only=True)
    assert book.sheetnames[:3] == ["Summary", "Trend by month", "Trend by year"]


def test_rank_workbook(samples: Path, base: list[str], tmp_path: Path) -> None:
    out = tmp_path / "rank.xlsx"
    result = run("rank", samples / "ledger.csv", *base, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    import openpyxl

    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["Summary", "Suppliers", "Top by class", "Leakage", "Method"]


def test_rank_json(samples: Path, base: list[str], counted: int) -> None:
    result = run("rank", samples / "ledger.csv", *base, "--top", "5", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["pence"] == counted and doc["concentration"]["suppliers"] == 21
    first = doc["rankings"][0]
    assert first["key"] == "all" and len(first["suppliers"]) == 5
    assert first["suppliers"][0]["payee"] == "Calderstone Care Group PLC"
    assert len(doc["cles"]) == 222 and sum(s["pence"] for s in doc["cles"]) == counted
    assert doc["leakage"]["category"] == "expense_type"
    table = run("rank", samples / "ledger.csv", *base, "--top", "3")
    assert "All suppliers: top 3" in table.stdout and "make up 80% of spend" in table.stdout


def test_report_with_respend_gives_an_lm3_estimate(samples: Path, base: list[str], tmp_path: Path) -> None:
    shares = tmp_path / "respend.csv"
    shares.write_text("class,respend\nlocal,40%\n", encoding="utf-8")
    result = run("report", samples / "ledger.csv", *base, "--respend", shares, "--format", "json")
    assert result.exit_code == 0, result.output
    lm3 = json.loads(result.stdout)["lm3"]
    assert lm3["r3_pence"] == round(lm3["r2_pence"] * 0.4)
    assert lm3["lm3"] == round((lm3["r1_pence"] + lm3["r2_pence"] + lm3["r3_pence"]) / lm3["r1_pence"], 4)


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("extra, status, message", [
    (["--fy", "2024/26"], errors.EXIT_CONFIG, "not a UK financial year"),
    (["--from", "yesterday"], errors.EXIT_CONFIG, "not a date"),
    (["--by", "Cost Centre"], errors.EXIT_COLUMNS, "Choose one of: month, quarter, fy"),
    (["--place", "Wign"], errors.EXIT_CONFIG, "Wigan"),
    (["--shares-of", "half"], errors.EXIT_CONFIG, "all or influenceable"),
    (["--format", "xml"], errors.EXIT_USAGE, "table, json, csv"),
])
def test_bad_options_fail_cleanly_and_write_nothing(samples: Path, base: list[str], tmp_path: Path,
                                                    extra: list[str], status: int, message: str) -> None:
    out = tmp_path / "report.xlsx"
    result = run("report", samples / "ledger.csv", *base, *extra, "--out", out)
    assert result.exit_code == status, result.output
    assert message in result.stderr or message in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_missing_ledger_and_bad_out(samples: Path, base: list[str], tmp_path: Path) -> None:
    result = run("report", tmp_path / "nope.csv", *base, "--out", tmp_path / "r.json")
    assert result.exit_code == errors.EXIT_INPUT and "nope.csv" in result.stderr
    result = run("rank", samples / "ledger.csv", *base, "--out", tmp_path / "r.docx")
    assert result.exit_code == errors.EXIT_OUTPUT and ".docx" in result.stderr
    result = run("report", samples / "ledger.csv", *base, "--out", tmp_path / "r.json",
                 "--out", tmp_path / "no" / "r.json")
    assert result.exit_code == errors.EXIT_OUTPUT
    assert list(tmp_path.iterdir()) == []


def test_help_for_every_command() -> None:
    for command in ("report", "rank", "league"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "--out" in result.stdout and "--format" in result.stdout


def test_a_failure_while_writing_leaves_no_file_at_all(samples: Path, base: list[str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from spendkit.output import workbook

    def full(*_args: object, **_options: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workbook, "write_report", full)
    result = run("report", samples / "ledger.csv", *base, "--out", tmp_path / "r.json",
                 "--out", tmp_path / "r.xlsx")
    assert result.exit_code == errors.EXIT_OUTPUT, result.output
    assert "disk is full" in result.stderr
    assert list(tmp_path.iterdir()) == []  # the JSON, written first, was not kept either


def test_the_spendkit_command_has_the_report_commands() -> None:
    """cli.py registers them: `from .cli_reports import register; register(app)`."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "spendkit", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for command in ("classify", "report", "rank", "league"):
        assert command in proc.stdout
