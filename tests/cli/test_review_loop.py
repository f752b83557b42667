"""The review loop: `spendkit suppliers --unresolved` lists the payees no register entry was found
for, biggest spend first, with the cumulative share and the candidates; a decisions file
(`--decisions`, or `[registries] decisions` in the settings) is applied before any matching."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.helpers import run

REGISTRIES = Path(__file__).parents[1] / "data" / "registries"
CH = REGISTRIES / "BasicCompanyData-2024-05-01.csv"
MUTUALS = REGISTRIES / "SocietyList.csv"


def ledger(tmp_path: Path) -> Path:
    rows = [("Zenith Supplies Ltd", "5000.00"),  # a company and an unrelated co-operative: ambiguous
            ("Acme Ltd", "3000.00"),  # exact
            ("Nobody Known Ltd", "1500.00"),  # in no register
            ("Acme Plumbng Services", "500.00")]  # a slip: fuzzy
    path = tmp_path / "ledger.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Supplier Name", "Amount", "Date"])
        for name, amount in rows:
            w.writerow([name, amount, "01/04/2024"])
    return path


def config(tmp_path: Path, decisions: Path | None = None) -> Path:
    path = tmp_path / "spendkit.toml"
    text = (f'[place]\ndistricts = ["Wigan"]\n\n[registries]\ncompanies = ["{CH.as_posix()}"]\n'
            f'mutuals = ["{MUTUALS.as_posix()}"]\n')
    if decisions is not None:
        text += f'decisions = "{decisions.as_posix()}"\n'
    path.write_text(text)
    return path


def test_unresolved_payees_ranked_with_cumulative_share_and_candidates(tmp_path):
    out = tmp_path / "review.csv"
    result = run("suppliers", ledger(tmp_path), "--config", config(tmp_path), "--unresolved", "--out", out)
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8-sig", newline="") as f:
        table = list(csv.DictReader(f))
    assert [r["Supplier Name"] for r in table] == ["Zenith Supplies Ltd", "Nobody Known Ltd"]
    assert [r["spendkit: share of spend"] for r in table] == ["50.00%", "15.00%"]
    assert [r["spendkit: cumulative share"] for r in table] == ["50.00%", "65.00%"]
    assert "GB-COH-11555666" in table[0]["spendkit: candidates"]
    assert "GB-MPR-34567R" in table[0]["spendkit: candidates"]
    assert "ambiguous" in table[0]["spendkit: register match"]
    assert "Payees to review: 2" in result.stdout
    # the file keeps the figure; the screen groups its thousands
    assert table[0]["spendkit: spend (£)"] == "5000.00" and "5,000.00" in result.stdout


def test_decisions_file_resolves_the_review_list(tmp_path):
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("payee,org_id\nZenith Supplies Ltd,GB-COH-11555666\n"
                         "Nobody Known Ltd,none\nAcme Plumbng Services,none\n")
    out = tmp_path / "review.csv"
    result = run("suppliers", ledger(tmp_path), "--config", config(tmp_path), "--unresolved",
                 "--decisions", decisions, "--out", out)
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8-sig", newline="") as f:
        table = list(csv.DictReader(f))
    # 'none' is a decision too: the payee stays unknown, listed with the reason
    assert [r["Supplier Name"] for r in table] == ["Nobody Known Ltd", "Acme Plumbng Services"]
    assert "decisions file decisions.csv row 3" in table[0]["spendkit: register match"]
    # the setting does the same for classify
    result = run("classify", ledger(tmp_path), "--config", config(tmp_path, decisions), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["reconciliation"]


def test_bad_decisions_file_is_an_input_error(tmp_path):
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("payee,org_id\nAcme Ltd,12345678\n")
    result = run("classify", ledger(tmp_path), "--config", config(tmp_path), "--decisions", decisions)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "decisions.csv: row 2, column 'org_id'" in result.stderr
