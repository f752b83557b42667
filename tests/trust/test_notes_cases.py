"""Notes, never silence (issue 14, family 7): every row skipped in a register or supplier file is
counted and reported, and conflicting supplier rows are reported and resolved by a stated
rule. Each case compares a run on the damaged or conflicting file with a run on the clean one:
the damage must add a note. Each case states the expected behaviour first."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from tests.trust.hostile import cli, ledger, ok

REGISTRIES = Path(__file__).resolve().parents[1] / "data" / "registries"


def _texts(doc: Any) -> set[str]:
    """Every string in a JSON document."""
    if isinstance(doc, dict):
        return set().union(*(_texts(v) for v in doc.values())) if doc else set()
    if isinstance(doc, list):
        return set().union(*(_texts(v) for v in doc)) if doc else set()
    return {doc} if isinstance(doc, str) else set()


def _notes(*args: Any) -> set[str]:
    """What a classify run says: every string of its JSON document and every line on stderr."""
    result = cli("classify", *args, "--place", "Wigan", "--format", "json")
    doc = ok(result)
    return _texts(doc) | {line.strip() for line in result.stderr.splitlines() if line.strip()}


def _new_notes(clean: set[str], damaged: set[str], clean_name: str, damaged_name: str) -> set[str]:
    return {t for t in damaged - {c.replace(clean_name, damaged_name) for c in clean}
            if damaged_name in t or "skipped" in t.lower() or "conflict" in t.lower()}


def _cut_last_row(src: Path, dst: Path) -> Path:
    data = src.read_bytes().rstrip(b"\r\n")
    dst.write_bytes(data[: data.rfind(b",") if b"," in data[-200:] else len(data) - 20] + b"\n")
    return dst


def test_company_register_damaged_last_row_is_noted(tmp_path: Path, monkeypatch) -> None:
    """A Companies House file whose last row is cut short: read (exit 0) with a note that
    names the file and says a row was skipped."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    clean = tmp_path / "clean" / "BasicCompanyData-clean.csv"
    clean.parent.mkdir()
    clean.write_bytes((REGISTRIES / "BasicCompanyData-2024-05-01.csv").read_bytes())
    damaged = _cut_last_row(clean, tmp_path / "BasicCompanyData-cut.csv")
    new = _new_notes(_notes(path, "--companies", clean), _notes(path, "--companies", damaged),
                     "BasicCompanyData-clean.csv", "BasicCompanyData-cut.csv")
    assert any("BasicCompanyData-cut.csv" in t for t in new), new


def test_charity_register_damaged_last_row_is_noted(tmp_path: Path, monkeypatch) -> None:
    """A Charity Commission extract whose last row is cut short: read with a note naming it."""
    path = ledger(tmp_path / "l.csv", ["Wigan Food Bank"])
    source = (REGISTRIES / "publicextract.charity.txt").read_bytes().rstrip(b"\r\n")
    clean = tmp_path / "clean" / "publicextract.charity.txt"
    clean.parent.mkdir()
    clean.write_bytes(source + b"\r\n")
    damaged = tmp_path / "cut" / "publicextract.charity.txt"
    damaged.parent.mkdir()
    damaged.write_bytes(source[: source.rfind(b"\t", 0, len(source) - 100)] + b"\r\n")
    before, after = _notes(path, "--charities", clean), _notes(path, "--charities", damaged)
    new = {t for t in after - {c.replace(str(clean), str(damaged)) for c in before}
           if "skipped" in t.lower() or "damaged" in t.lower() or "row" in t.lower()}
    assert new, sorted(after - before)


def _suppliers(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Supplier Name", "Postcode"])
        w.writerows(rows)
    return path


def test_conflicting_supplier_rows_for_one_payee_are_noted(tmp_path: Path) -> None:
    """Two supplier-file rows for one payee (`Acme Ltd` and `ACME LIMITED`) with different
    postcodes: a note reports the conflict (and the rule that resolved it)."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"], postcode="")
    one = _suppliers(tmp_path / "one.csv", [["Acme Ltd", "WN1 1YN"]])
    two = _suppliers(tmp_path / "two.csv", [["Acme Ltd", "WN1 1YN"], ["ACME LIMITED", "SW1A 1AA"]])
    new = _new_notes(_notes(path, "--suppliers", one), _notes(path, "--suppliers", two), "one.csv", "two.csv")
    assert any("conflict" in t.lower() or "SW1A 1AA" in t or "ACME LIMITED" in t for t in new), new


def test_repeated_supplier_ids_are_noted(tmp_path: Path) -> None:
    """Two supplier-file rows with one supplier id: a note (this already worked; kept so that
    it keeps working)."""
    path = tmp_path / "l.csv"
    path.write_text("Supplier ID,Supplier Name,Net Amount,Payment Date\nS1,Acme Ltd,10.00,01/02/2024\n",
                    encoding="utf-8")
    suppliers = tmp_path / "s.csv"
    suppliers.write_text("Supplier ID,Supplier Name,Postcode\nS1,Acme Ltd,WN1 1YN\nS1,Acme Ltd,SW1A 1AA\n",
                         encoding="utf-8")
    assert any("repeated supplier id" in t for t in _notes(path, "--suppliers", suppliers))


def test_supplier_file_rows_without_a_name_or_id_are_counted(tmp_path: Path) -> None:
    """Supplier-file rows with neither a name nor an id (they can match nothing): counted in a
    note, not dropped in silence."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"], postcode="")
    clean = _suppliers(tmp_path / "clean.csv", [["Acme Ltd", "WN1 1YN"]])
    blank = _suppliers(tmp_path / "blank.csv", [["Acme Ltd", "WN1 1YN"], ["", "BL1 1AA"], ["", "M1 1AE"]])
    new = _new_notes(_notes(path, "--suppliers", clean), _notes(path, "--suppliers", blank), "clean.csv",
                     "blank.csv")
    assert new, "two unusable supplier rows dropped without a note"
