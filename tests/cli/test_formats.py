"""--format on stdout: classify's rows as csv or jsonl (the figures as table or json); report,
rank and league's figures as table, json, csv or jsonl; piped tables sized to their content."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from spendkit import errors
from tests.helpers import run

CUT_FIGURE = re.compile(r"[£\d,.%]…")


@pytest.fixture(scope="module")
def base(samples: Path) -> list[str]:
    return [str(samples / "ledger.csv"), "--place", "Wigan", "--suppliers", str(samples / "suppliers.csv")]


@pytest.fixture(scope="module")
def figures(base: list[str]) -> dict:
    result = run("classify", *base, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_classify_rows_as_csv_are_the_out_file(base: list[str], figures: dict, tmp_path: Path) -> None:
    out = tmp_path / "rows.csv"
    result = run("classify", *base, "--format", "csv", "--out", out)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    rec = figures["reconciliation"]
    assert len(rows) == rec["rows_counted"] == 2994
    assert sum(int(r["amount_pence"]) for r in rows) == rec["pence_counted"]
    assert {r["geography"] for r in rows} <= set(figures["geography"])
    assert all(re.fullmatch(r"-?\d+\.\d\d", r["amount"]) for r in rows)
    # the --out file's text, but for the BOM a spreadsheet needs and a pipe does not (the
    # runner's stdout shows CRLF as LF)
    assert result.stdout == out.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    assert "2,994 of 3,000 rows counted" in result.stderr
    assert "6 rejected (in the .rejected file beside --out)" in result.stderr


def test_classify_rows_as_jsonl(base: list[str], figures: dict) -> None:
    result = run("classify", *base, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    rec = figures["reconciliation"]
    assert len(rows) == rec["rows_counted"]
    assert all(isinstance(r["amount_pence"], int) for r in rows)
    assert sum(r["amount_pence"] for r in rows) == rec["pence_counted"]
    assert sum(r["amount_pence"] for r in rows if r["geography"] == "local") == \
        figures["geography"]["local"]["pence"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["payment_date"]) for r in rows)
    assert {type(r["sme"]) for r in rows} <= {bool, type(None)}
    assert "payee_key" not in rows[0] and "\\/" not in result.stdout
    assert rows[0]["source_file"].endswith("ledger.csv")
    assert "6 rejected (not in this output" in result.stderr


def test_rows_on_stdout_quiet_and_max_rejected(base: list[str]) -> None:
    quiet = run("classify", *base, "--format", "jsonl", "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    over = run("classify", *base, "--format", "csv", "--quiet", "--max-rejected", "0")
    assert over.exit_code == errors.EXIT_TOO_MANY_REJECTED
    assert len(list(csv.DictReader(io.StringIO(over.stdout)))) == 2994  # every row written first
    assert "more than --max-rejected 0" in over.stderr


def test_formula_text_is_neutralised_in_csv_not_in_jsonl(tmp_path: Path) -> None:
    ledger = tmp_path / "l.csv"
    ledger.write_text('Supplier Name,Amount,Date,Postcode\n"=HYPERLINK(""x"")",10.00,03/04/2024,WN1 1YN\n',
                      encoding="utf-8")
    as_csv = run("classify", ledger, "--place", "Wigan", "--format", "csv", "--quiet")
    assert as_csv.exit_code == 0, as_csv.output
    assert next(iter(csv.DictReader(io.StringIO(as_csv.stdout))))["payee"] == "'=HYPERLINK(\"x\")"
    as_jsonl = run("classify", ledger, "--place", "Wigan", "--format", "jsonl", "--quiet")
    assert json.loads(as_jsonl.stdout)["payee"] == '=HYPERLINK("x")'


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "xml"], "csv or jsonl (the rows)"),
    (["--format", "csv", "--engine", "spark"], "written by Spark"),
])
def test_bad_formats_are_refused(base: list[str], args: list[str], message: str) -> None:
    result = run("classify", *base, *args)
    assert result.exit_code == errors.EXIT_USAGE
    assert message in result.output


@pytest.mark.parametrize("command", ["report", "rank", "league"])
def test_figures_as_jsonl_match_csv(command: str, base: list[str], samples: Path, tmp_path: Path) -> None:
    if command == "league":
        peers = tmp_path / "peers.csv"
        peers.write_text("name,local_share,sme_share\nPeer A,20%,30%\nPeer B,10%,\n", encoding="utf-8")
        args = [str(peers)]
    else:
        args = base
    as_csv = run(command, *args, "--format", "csv", "--quiet")
    as_jsonl = run(command, *args, "--format", "jsonl", "--quiet")
    assert as_csv.exit_code == as_jsonl.exit_code == 0, as_jsonl.output
    table = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    lines = [json.loads(line) for line in as_jsonl.stdout.splitlines()]
    assert len(lines) == len(table) > 0
    for key in lines[0]:
        assert key in table[0]
    if command == "report":
        local = [r for r in lines if r["by"] == "all" and r["family"] == "geography"]
        assert isinstance(local[0]["pence"], int)
        doc = json.loads(run("report", *base, "--format", "json").stdout)
        assert sum(r["pence"] for r in local) == doc["reconciliation"]["pence_reported"]


@pytest.mark.parametrize("command", ["report", "rank"])
def test_piped_tables_cut_no_figure(command: str, base: list[str]) -> None:
    """Not a terminal (the runner's stdout): tables are as wide as their content."""
    result = run(command, *base)
    assert result.exit_code == 0, result.output
    assert "£40,215,717.66" in result.stdout or command == "rank"
    assert not CUT_FIGURE.search(result.stdout), result.stdout
    assert "…" not in result.stdout


@pytest.mark.parametrize("format", ["csv", "jsonl"])
def test_rows_in_parts_are_the_rows_whole(format: str, base: list[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Written a part at a time (here 251 rows: 12 parts), the stream is what one part would give: one
    header, every row once, in order."""
    from spendkit.output import export

    whole = run("classify", *base, "--format", format, "--quiet")
    monkeypatch.setattr(export, "STREAM_ROWS", 251)
    parts = run("classify", *base, "--format", format, "--quiet")
    assert parts.exit_code == whole.exit_code == 0
    assert parts.stdout == whole.stdout
