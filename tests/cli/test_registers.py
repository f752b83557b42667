"""`spendkit registers add | status | remove` through the CLI, and every command using the
installed registers: the same ledger gives the same figures from classify, report, rank and
league, whether the registers are installed or given for the run; --no-registers turns them off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run

DATA = Path(__file__).parents[1] / "data" / "registries"
CH = DATA / "BasicCompanyData-2024-05-01.csv"
CHARITIES = DATA / "publicextract.charity.txt"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPENDKIT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.csv"
    path.write_text("Supplier Name,Amount,Payment Date,Company Number\n"
                    "Acme Ltd,100.00,01/04/2024,4142000\n"
                    "Wigan Food Bank,50.00,02/04/2024,\n"
                    "Nobody Known Ltd,5.00,03/04/2024,\n"
                    "Brightstart Community CIC,20.00,04/04/2024,12345678\n", encoding="utf-8")
    return path


def test_add_says_what_each_file_is_then_status_and_remove(home: Path) -> None:
    added = run("registers", "add", CH, CHARITIES, DATA / "ocds-release-package.json")
    assert added.exit_code == 0, added.output
    assert "BasicCompanyData-2024-05-01.csv: Companies House BasicCompanyData CSV" in added.stderr
    assert ("installed companies_house: Companies House, dated 2024-05-01 (from the file name), "
            "17 rows") in added.stdout
    assert "installed charity_commission: Charity Commission, dated 2024-05-01 (from the contents), 5 rows" in added.stdout
    assert "installed ocds: Procurement notices (OCDS), dated 2024-04-30" in added.stdout
    status = run("registers", "status", "--format", "json")
    assert status.exit_code == 0, status.output
    doc = json.loads(status.stdout)
    assert [r["kind"] for r in doc["registers"]] == ["charity_commission", "companies_house", "ocds"]
    assert all(r["old"] for r in doc["registers"])  # 2024 data is old by now
    table = run("registers", "status")
    assert table.exit_code == 0 and "companies_house" in table.stdout
    assert "warning: Companies House is" in table.stderr
    assert run("registers", "remove", "ocds").exit_code == 0
    missing = run("registers", "remove", "ocds")
    assert missing.exit_code == 7 and "no register 'ocds' is installed" in missing.stderr
    assert "Traceback" not in missing.output


def test_status_with_nothing_installed(home: Path) -> None:
    result = run("registers", "status")
    assert result.exit_code == 0 and "No registers installed" in result.stdout


def test_a_bad_file_stops_add_with_its_name_and_installs_nothing(home: Path, tmp_path: Path) -> None:
    cut = tmp_path / "BasicCompanyData-2024-06-01.csv"
    cut.write_bytes(CH.read_bytes()[:-150])
    result = run("registers", "add", CHARITIES, cut)
    assert result.exit_code == 3
    assert str(cut) in result.stderr and "last row is cut short" in result.stderr
    assert "Traceback" not in result.output
    assert not (home / "registers").exists() or not any(
        p for p in (home / "registers").iterdir() if not p.name.startswith("."))
    what = run("registers", "add", Path(__file__).parents[2] / "data" / "samples" / "ledger.csv")
    assert what.exit_code == 3 and "not a register spendkit recognises" in what.stderr


def classified(args: list[str], out: Path) -> dict[str, str]:
    import pandas as pd

    result = run("classify", *args, "--place", "Wigan", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    org = rows.get("org_id", "")  # no register: no register columns
    return dict(zip(rows["payee"], org + "|" + rows["geography"] + "|" + rows["sector"], strict=True))


def test_installed_registers_give_the_same_rows_as_files_given_for_the_run(
        home: Path, ledger: Path, tmp_path: Path) -> None:
    given = classified([str(ledger), "--companies", str(CH), "--charities", str(CHARITIES)],
                       tmp_path / "given.csv")
    assert given["Acme Ltd"].startswith("GB-COH-04142000|local")
    assert given["Wigan Food Bank"].startswith("GB-CHC-1234567")
    assert run("registers", "add", CH, CHARITIES).exit_code == 0
    assert classified([str(ledger)], tmp_path / "installed.csv") == given
    off = classified([str(ledger), "--no-registers"], tmp_path / "off.csv")
    assert off["Acme Ltd"].split("|")[0] == ""  # no register: not matched


def test_every_command_names_the_registers_it_used_and_gives_the_same_figures(
        home: Path, ledger: Path, tmp_path: Path) -> None:
    assert run("registers", "add", CH, CHARITIES).exit_code == 0
    c = run("classify", ledger, "--place", "Wigan", "-f", "json")
    assert c.exit_code == 0, c.output
    doc = json.loads(c.stdout)
    assert [(r["kind"], r["date"]) for r in doc["registers"]] == [
        ("charity_commission", "2024-05-01"), ("companies_house", "2024-05-01")]
    assert "registers used: Charity Commission 2024-05-01 (installed, 5 rows)" in c.stderr
    r = run("report", ledger, "--place", "Wigan", "-f", "json")
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert [x["kind"] for x in rep["method"]["registers"]] == ["charity_commission", "companies_house"]
    k = run("rank", ledger, "--place", "Wigan", "-f", "json")
    assert k.exit_code == 0, k.output
    assert [x["kind"] for x in json.loads(k.stdout)["method"]["registers"]] == [
        "charity_commission", "companies_house"]
    manifest = tmp_path / "league.toml"
    manifest.write_text(f'[[organisation]]\nname = "Sample"\nplace = "Wigan"\nledgers = ["{ledger.as_posix()}"]\n',
                        encoding="utf-8")
    lg = run("league", manifest, "-f", "json")
    assert lg.exit_code == 0, lg.output
    # the same shares from classify and report, and league's row for the one organisation
    local_c = doc["geography"]["local"]["pence"]
    assert local_c == 10000 + 5000  # Acme and the food bank placed in Wigan by the registers
    league_org = json.loads(lg.stdout)["organisations"][0]
    for measure in ("local", "sme", "vcfse"):
        assert league_org["shares"][measure] == pytest.approx(doc["headline"][f"{measure}_share"], abs=1e-6)
    assert rep["headline"]["local"]["pence"] == local_c


@pytest.mark.parametrize("command", ["report", "rank", "suppliers"])
def test_every_command_takes_the_register_options(command: str, ledger: Path, home: Path) -> None:
    result = run(command, ledger, "--place", "Wigan", "--companies", CH, "--charities", CHARITIES)
    assert result.exit_code == 0, result.output
    off = run(command, ledger, "--place", "Wigan", "--no-registers")
    assert off.exit_code == 0, off.output


def test_a_notices_declarations_decide_size_and_sector_where_the_registers_do_not(
        home: Path, tmp_path: Path) -> None:
    """OCDS ``details.scale``/``details.vcse``: the supplier's own declaration decides only where no
    register figure or category does, says so, and agrees with a band within SME."""
    import pandas as pd

    assert run("registers", "add", CH, DATA / "ocds-release-package.json").exit_code == 0
    ledger = tmp_path / "notices.csv"
    ledger.write_text("Supplier Name,Amount,Payment Date\n"
                      "Acme Ltd,100.00,01/04/2024\n"  # Companies House: micro-entity accounts; declared SME
                      "Hilltop Catering Company,50.00,02/04/2024\n"  # only in the notices: large, VCSE
                      "No Declaration Ltd,5.00,03/04/2024\n", encoding="utf-8")
    out = tmp_path / "rows.csv"
    result = run("classify", ledger, "--place", "Wigan", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig").set_index("payee")
    acme = rows.loc["Acme Ltd"]
    assert acme["size_band"] == "micro" and "micro-entity accounts" in acme["size_evidence"]
    assert acme["size_conflict"] == ""  # declared SME and micro say the same
    hilltop = rows.loc["Hilltop Catering Company"]
    assert hilltop["org_id"] == "GB-CFS-200"
    assert hilltop["size_band"] == "large"
    assert hilltop["size_evidence"] == "procurement notice: the supplier's own SME declaration 'no'"
    assert hilltop["size_strength"] == "weak"
    assert hilltop["sector"] == "vcfse" and "own VCSE declaration" in hilltop["sector_evidence"]
    nobody = rows.loc["No Declaration Ltd"]
    assert nobody["size_band"] == "unknown" and nobody["sector"] != "vcfse"


def test_a_full_disk_is_a_clear_error_and_installs_nothing(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import shutil
    from collections import namedtuple

    from spendkit.reference.registries import name_index

    assert run("registers", "add", CH).exit_code == 0
    before = (home / "registers" / "companies_house" / "manifest.json").read_text()
    # not enough room, known before anything is written
    usage = namedtuple("usage", "total used free")
    real_usage = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 1000, 1000))
    short = run("registers", "add", CH, CHARITIES)
    assert short.exit_code == 7 and "installing needs about" in short.stderr and "1000" not in short.stderr
    assert "SPENDKIT_DATA_DIR" in short.stderr and "Traceback" not in short.output
    monkeypatch.setattr(shutil, "disk_usage", real_usage)

    # the disk fills up part-way
    def full(directory: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(name_index, "build_from_rows", full)
    failed = run("registers", "add", CH)
    assert failed.exit_code == 7 and "the disk is full" in failed.stderr and "Traceback" not in failed.output
    assert (home / "registers" / "companies_house" / "manifest.json").read_text() == before
    assert sorted(p.name for p in (home / "registers").iterdir()) == ["companies_house"]
