"""A user's files destroyed (issue 14, family 2): an output that is, or would overwrite, any input
(a ledger, a supplier file, a re-spend file, a manifest's ledger), after resolving links, the
rejected-rows sidecar included, is refused with the exit status for bad usage (2), the message
naming both, and nothing written. Each case states the expected behaviour first."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from tests.trust.hostile import cli, digest, ledger, listing, ok, refused

USAGE = 2
SUPPLIERS = ["Supplier ID", "Supplier Name", "Postcode", "Company Number", "Employees", "Turnover"]


def _refused_untouched(result, folder: Path, before: list[str], *inputs: Path, names: tuple[str, ...]) -> None:
    refused(result, USAGE, *names)
    assert listing(folder) == before, f"written on refusal: {listing(folder)}"


def _ledger(folder: Path) -> tuple[Path, str]:
    path = ledger(folder / "L.csv", ["Acme Ltd", "Bolton Builders"])
    return path, digest(path)


def test_classify_out_is_the_ledger(tmp_path: Path) -> None:
    """`classify L.csv --out L.csv`: exit 2, L.csv named, the ledger untouched."""
    path, before = _ledger(tmp_path)
    _refused_untouched(cli("classify", path, "--place", "Wigan", "--out", path), tmp_path, ["L.csv"],
                       names=("L.csv",))
    assert digest(path) == before


def test_classify_out_is_the_workbook_ledger(tmp_path: Path, samples: Path) -> None:
    """`classify L.xlsx --out L.xlsx`: exit 2, the workbook untouched."""
    book = tmp_path / "L.xlsx"
    book.write_bytes((samples / "ledger.xlsx").read_bytes())
    before = digest(book)
    _refused_untouched(cli("classify", book, "--place", "Wigan", "--out", book), tmp_path, ["L.xlsx"],
                       names=("L.xlsx",))
    assert digest(book) == before


def test_report_out_is_the_ledger(tmp_path: Path) -> None:
    """`report L.csv --out L.csv`: exit 2, the ledger untouched."""
    path, before = _ledger(tmp_path)
    _refused_untouched(cli("report", path, "--place", "Wigan", "--out", path), tmp_path, ["L.csv"],
                       names=("L.csv",))
    assert digest(path) == before


def test_rank_out_is_the_ledger(tmp_path: Path) -> None:
    """`rank L.csv --out L.csv`: exit 2, the ledger untouched."""
    path, before = _ledger(tmp_path)
    _refused_untouched(cli("rank", path, "--place", "Wigan", "--out", path), tmp_path, ["L.csv"],
                       names=("L.csv",))
    assert digest(path) == before


def test_report_second_out_is_the_ledger(tmp_path: Path) -> None:
    """`report L.csv --out r.xlsx --out L.csv`: refused before anything is written (not r.xlsx
    either)."""
    path, before = _ledger(tmp_path)
    _refused_untouched(cli("report", path, "--place", "Wigan", "--out", tmp_path / "r.xlsx", "--out", path),
                       tmp_path, ["L.csv"], names=("L.csv",))
    assert digest(path) == before


def test_rejected_sidecar_is_the_ledger(tmp_path: Path) -> None:
    """`classify X.rejected.csv --out X.csv`: the rejected rows would overwrite the ledger:
    exit 2 naming both, X.csv not written."""
    path = ledger(tmp_path / "X.rejected.csv", ["Acme Ltd", ""])
    before = digest(path)
    _refused_untouched(cli("classify", path, "--place", "Wigan", "--out", tmp_path / "X.csv"), tmp_path,
                       ["X.rejected.csv"], names=("X.rejected.csv", "X.csv"))
    assert digest(path) == before


def test_out_is_a_symlink_to_the_ledger(tmp_path: Path) -> None:
    """`--out link.csv` where link.csv points at the ledger: exit 2, the ledger untouched, the
    link still a link."""
    path, before = _ledger(tmp_path)
    (tmp_path / "link.csv").symlink_to(path)
    _refused_untouched(cli("classify", path, "--place", "Wigan", "--out", tmp_path / "link.csv"), tmp_path,
                       ["L.csv", "link.csv"], names=("link.csv", "L.csv"))
    assert digest(path) == before and (tmp_path / "link.csv").is_symlink()


def test_ledger_given_through_a_symlink(tmp_path: Path) -> None:
    """The ledger given as a link, `--out` its real file: exit 2, untouched."""
    path, before = _ledger(tmp_path)
    (tmp_path / "link.csv").symlink_to(path)
    _refused_untouched(cli("classify", tmp_path / "link.csv", "--place", "Wigan", "--out", path), tmp_path,
                       ["L.csv", "link.csv"], names=("L.csv",))
    assert digest(path) == before


def test_out_is_a_hard_link_to_the_ledger(tmp_path: Path) -> None:
    """`--out` a hard link to the ledger (the same file under another name): exit 2."""
    path, before = _ledger(tmp_path)
    os.link(path, tmp_path / "same.csv")
    _refused_untouched(cli("classify", path, "--place", "Wigan", "--out", tmp_path / "same.csv"), tmp_path,
                       ["L.csv", "same.csv"], names=("same.csv",))
    assert digest(path) == before


def test_out_spelled_another_way(tmp_path: Path) -> None:
    """`--out sub/../L.csv`: the same file spelled differently: exit 2."""
    path, before = _ledger(tmp_path)
    (tmp_path / "sub").mkdir()
    result = cli("classify", path, "--place", "Wigan", "--out", tmp_path / "sub" / ".." / "L.csv")
    _refused_untouched(result, tmp_path, ["L.csv", "sub"], names=("L.csv",))
    assert digest(path) == before


def test_out_is_the_second_of_two_ledgers(tmp_path: Path) -> None:
    """`classify A.csv B.csv --out B.csv`: exit 2, both untouched."""
    a = ledger(tmp_path / "A.csv", ["Acme Ltd"])
    b = ledger(tmp_path / "B.csv", ["Bolton Builders"])
    before = digest(b)
    _refused_untouched(cli("classify", a, b, "--place", "Wigan", "--out", b), tmp_path, ["A.csv", "B.csv"],
                       names=("B.csv",))
    assert digest(b) == before


def _supplier_file(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(SUPPLIERS)
        w.writerow(["", "Acme Ltd", "WN1 1YN", "01234567", "12", "450000"])
        w.writerow(["", "Bolton Builders", "BL1 1AA", "07654321", "240", "3100000"])
    return path


def test_classify_out_is_the_supplier_file(tmp_path: Path) -> None:
    """`classify L.csv --suppliers S.csv --out S.csv`: exit 2, the supplier file untouched."""
    path, _ = _ledger(tmp_path)
    suppliers = _supplier_file(tmp_path / "S.csv")
    before = digest(suppliers)
    _refused_untouched(cli("classify", path, "--place", "Wigan", "--suppliers", suppliers, "--out", suppliers),
                       tmp_path, ["L.csv", "S.csv"], names=("S.csv",))
    assert digest(suppliers) == before


def test_rejected_sidecar_is_the_supplier_file(tmp_path: Path) -> None:
    """`--suppliers S.rejected.csv --out S.csv`: the sidecar would overwrite the supplier file:
    exit 2, untouched."""
    path, _ = _ledger(tmp_path)
    suppliers = _supplier_file(tmp_path / "S.rejected.csv")
    before = digest(suppliers)
    result = cli("classify", path, "--place", "Wigan", "--suppliers", suppliers, "--out", tmp_path / "S.csv")
    _refused_untouched(result, tmp_path, ["L.csv", "S.rejected.csv"], names=("S.rejected.csv",))
    assert digest(suppliers) == before


def test_report_out_is_the_respend_file(tmp_path: Path) -> None:
    """`report --respend R.csv --out R.csv`: exit 2, the survey's shares untouched."""
    path, _ = _ledger(tmp_path)
    respend = tmp_path / "R.csv"
    respend.write_text("supplier,class,respend\n,local,40%\n", encoding="utf-8")
    before = digest(respend)
    _refused_untouched(cli("report", path, "--place", "Wigan", "--respend", respend, "--out", respend),
                       tmp_path, ["L.csv", "R.csv"], names=("R.csv",))
    assert digest(respend) == before


def test_suppliers_out_is_the_ledger(tmp_path: Path) -> None:
    """`suppliers L.csv --out L.csv`: exit 2, the ledger untouched."""
    path, before = _ledger(tmp_path)
    _refused_untouched(cli("suppliers", path, "--place", "Wigan", "--out", path), tmp_path, ["L.csv"],
                       names=("L.csv",))
    assert digest(path) == before


def _filled(path: Path) -> list[tuple[str, str, str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return sorted((r["Supplier Name"].lstrip("'"), r["Company Number"], r["Employees"], r["Turnover"])
                  for r in rows if r["Supplier Name"])


def test_supplier_round_trip_keeps_every_filled_column(tmp_path: Path) -> None:
    """`suppliers L.csv --suppliers S.csv --out S2.csv`: the company numbers, staff and turnover
    the team typed in are all in the new list."""
    path, _ = _ledger(tmp_path)
    suppliers = _supplier_file(tmp_path / "S.csv")
    ok(cli("suppliers", path, "--place", "Wigan", "--suppliers", suppliers, "--out", tmp_path / "S2.csv"))
    got = {name: rest for name, *rest in _filled(tmp_path / "S2.csv")}
    assert got["Acme Ltd"] == ["01234567", "12", "450000"]
    assert got["Bolton Builders"] == ["07654321", "240", "3100000"]


def test_supplier_round_trip_onto_itself_loses_nothing(tmp_path: Path) -> None:
    """`suppliers L.csv --suppliers S.csv --out S.csv` (the documented round trip): either
    refused (exit 2, S.csv untouched) or written keeping every value the team typed in; never
    blanked."""
    path, _ = _ledger(tmp_path)
    suppliers = _supplier_file(tmp_path / "S.csv")
    before, filled = digest(suppliers), _filled(suppliers)
    result = cli("suppliers", path, "--place", "Wigan", "--suppliers", suppliers, "--out", suppliers)
    if result.exit_code == USAGE:
        refused(result, USAGE, "S.csv")
        assert digest(suppliers) == before
    else:
        ok(result)
        assert set(filled) <= set(_filled(suppliers))


def test_league_out_is_a_manifest_ledger(tmp_path: Path) -> None:
    """`league M.toml --out <a ledger the manifest lists>`: exit 2, the ledger untouched."""
    path, before = _ledger(tmp_path)
    manifest = tmp_path / "M.toml"
    manifest.write_text('title = "t"\n[[organisation]]\nname = "Wigan"\nplace = "Wigan"\n'
                        'ledgers = ["L.csv"]\n', encoding="utf-8")
    _refused_untouched(cli("league", manifest, "--out", tmp_path / "L.csv"), tmp_path, ["L.csv", "M.toml"],
                       names=("L.csv",))
    assert digest(path) == before
