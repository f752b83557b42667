"""The Python API (spendkit.api and the names spendkit exports): classify, classify_and_export,
supplier_list, report / rank / league, save, and the documented facades.

Expected figures come from reading the ledger here with the csv module and Decimal, not from
spendkit's reader."""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
import pytest

import spendkit
import spendkit.api
from spendkit.config import PlaceSettings, Settings
from spendkit.errors import ColumnError, OutputError, SpendkitError

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- an independent reader


@dataclass(frozen=True)
class Payment:
    txn: str
    supplier_id: str
    name: str
    pence: int | None  # None: the amount is not readable
    day: date | None  # None: the date is not readable


def parse_pence(text: str) -> int | None:
    """'£1,234.56', '(1,234.56)', '-1,234.56', '1,234.56-', '1,234.56 CR' -> pence; else None."""
    s = text.strip().replace("£", "").replace(",", "").strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    if s.upper().endswith("CR"):
        negative, s = True, s[:-2].strip()
    if s.endswith("-"):
        negative, s = True, s[:-1]
    if s.startswith("-"):
        negative, s = True, s[1:]
    if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", s):
        return None
    try:
        pence = int(Decimal(s) * 100)
    except InvalidOperation:
        return None
    return -pence if negative else pence


def parse_day(text: str) -> date | None:
    s = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            return date.fromisoformat(s)
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", s)
        return date(int(m[3]), int(m[2]), int(m[1])) if m else None
    except ValueError:
        return None


def read_ledger(path: Path, encoding: str = "cp1252") -> list[Payment]:
    with open(path, encoding=encoding, newline="") as f:
        rows = list(csv.DictReader(f))
    return [Payment(r["Transaction Number"], r["Supplier ID"].strip(), r["Supplier Name"],
                    parse_pence(r["Net Amount"]), parse_day(r["Payment Date"])) for r in rows]


@pytest.fixture(scope="module")
def payments(samples: Path) -> list[Payment]:
    return read_ledger(samples / "ledger.csv")


@pytest.fixture(scope="module")
def counted_pence(payments: list[Payment]) -> int:
    """Rows with a readable amount and a readable date: what spendkit should count."""
    return sum(p.pence for p in payments if p.pence is not None and p.day is not None)


def wigan(samples: Path, **extra) -> Settings:
    return Settings(place=PlaceSettings(districts=["Wigan"]), suppliers=samples / "suppliers.csv",
                    **extra)


def pence_of(pounds: str) -> int:
    return int(Decimal(pounds) * 100)


def test_the_independent_reader_agrees_with_the_sample_readme(payments: list[Payment],
                                                              counted_pence: int) -> None:
    """Guard the oracle itself: the sample README's exact totals."""
    assert len(payments) == 3000
    assert sum(p.pence for p in payments if p.pence is not None) == 4_022_349_683
    assert counted_pence == 4_021_571_766


# --------------------------------------------------------------------------- spendkit.classify


def test_classify_a_path_counts_what_an_independent_reader_counts(result, payments: list[Payment],
                                                                  counted_pence: int) -> None:
    """The conftest ``result`` is spendkit.classify(path, place='Wigan', suppliers=...)."""
    assert int(result.rows["amount_pence"].sum()) == counted_pence
    assert result.rows["amount_pence"].dtype == "int64"
    good = {p.txn for p in payments if p.pence is not None and p.day is not None}
    assert set(result.rows["transaction_id"]) == good
    assert set(result.rejected["Transaction Number"]) == {p.txn for p in payments} - good
    # Per transaction, pence equal the independent parse.
    mine = {p.txn: p.pence for p in payments if p.txn in good}
    theirs = dict(zip(result.rows["transaction_id"], result.rows["amount_pence"], strict=True))
    assert theirs == mine
    assert result.suppliers["file"].endswith("suppliers.csv") and result.suppliers["rows"] == 220


def test_classify_a_list_of_files_is_the_one_file(samples: Path, monthly: list[Path], result,
                                                  counted_pence: int) -> None:
    many = spendkit.classify(monthly, place="Wigan", suppliers=samples / "suppliers.csv")
    assert len(many.inputs) == len(monthly) == 12
    assert int(many.rows["amount_pence"].sum()) == counted_pence
    assert many.summary()["geography"] == result.summary()["geography"]
    # A one-element list and a str path are accepted too.
    one = spendkit.classify([str(monthly[0])], place="Wigan", suppliers=str(samples / "suppliers.csv"))
    april = read_ledger(monthly[0], encoding="utf-8")
    assert int(one.rows["amount_pence"].sum()) == sum(
        p.pence for p in april if p.pence is not None and p.day is not None)


ODD = "Who,How Much,Code\nAcme Plumbing Ltd,100.50,WN1 1YN\nBigco PLC,\"1,000.00\",N1 2UD\n"
COLUMNS = {"payee": "Who", "amount": "How Much", "postcode": "Code"}


def test_settings_overrides_map_columns(tmp_path: Path) -> None:
    ledger = tmp_path / "odd.csv"
    ledger.write_text(ODD, encoding="utf-8")
    found = spendkit.classify(ledger, place="Wigan")  # payee and amount found by their values
    assert found.inputs[0]["columns"]["payee"] == "Who"
    assert any("payee" in n and "values" in n for n in found.inputs[0]["notes"])
    (tmp_path / "worse.csv").write_text("Who,Code\nx,WN1 1YN\n", encoding="utf-8")
    with pytest.raises(ColumnError) as err:
        spendkit.classify(tmp_path / "worse.csv", place="Wigan")
    assert "Who" in str(err.value)  # the headers found are named
    r = spendkit.classify(ledger, place="Wigan", columns=COLUMNS)
    rows = r.rows.set_index("payee")
    assert rows["amount_pence"].to_dict() == {"Acme Plumbing Ltd": 10050, "Bigco PLC": 100000}
    # WN1 1YN is in Wigan, N1 2UD in Islington (ONS Postcode Directory).
    assert rows.loc["Acme Plumbing Ltd", "geography"] == "local"
    assert rows.loc["Bigco PLC", "district_name"] == "Islington"
    assert rows.loc["Bigco PLC", "geography"] == "national"
    assert r.inputs[0]["columns"] == COLUMNS


def test_place_as_a_list_makes_one_place(tmp_path: Path) -> None:
    ledger = tmp_path / "odd.csv"
    ledger.write_text(ODD, encoding="utf-8")
    r = spendkit.classify(ledger, place=["Wigan", "Islington"], columns=COLUMNS)
    assert set(r.rows["geography"]) == {"local"}
    assert [d["name"] for d in r.summary()["place"]["local"]] == ["Wigan", "Islington"]
    assert r.summary()["geography"]["local"]["pence"] == 110050


def test_keyword_arguments_win_over_settings(tmp_path: Path) -> None:
    ledger = tmp_path / "odd.csv"
    ledger.write_text(ODD, encoding="utf-8")
    base = Settings(place=PlaceSettings(districts=["Islington"]), columns=COLUMNS)
    assert set(spendkit.classify(ledger, settings=base).rows.set_index("payee")["geography"].items()) \
        == {("Acme Plumbing Ltd", "national"), ("Bigco PLC", "local")}
    over = spendkit.classify(ledger, settings=base, place="Wigan")
    assert over.rows.set_index("payee").loc["Acme Plumbing Ltd", "geography"] == "local"
    assert base.place.districts == ["Islington"]  # the caller's settings are not changed


def test_bad_option_is_a_spendkit_error(tmp_path: Path) -> None:
    ledger = tmp_path / "odd.csv"
    ledger.write_text(ODD, encoding="utf-8")
    with pytest.raises(SpendkitError, match="Narnia"):
        spendkit.classify(ledger, place="Narnia", columns=COLUMNS)
    with pytest.raises(Exception, match="no_such_setting"):
        spendkit.classify(ledger, place="Wigan", no_such_setting=1)


# --------------------------------------------------------------------------- classify_and_export


def _read_out(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_classify_and_export_writes_both_files_that_add_up(samples: Path, tmp_path: Path,
                                                           payments: list[Payment]) -> None:
    out = tmp_path / "classified.csv"
    result, summary = spendkit.api.classify_and_export([samples / "ledger.csv"], wigan(samples), out=out)
    rejected = tmp_path / "classified.rejected.csv"
    assert spendkit.api.rejected_path(out) == rejected
    assert out.is_file() and rejected.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["classified.csv", "classified.rejected.csv"]
    good, bad = _read_out(out), _read_out(rejected)
    assert len(good) + len(bad) == len(payments)
    # Every input row is in exactly one of the two files.
    assert sorted([*good["Transaction Number"], *bad["Transaction Number"]]) == sorted(p.txn for p in payments)
    counted = sum(int(x) for x in good["amount_pence"])
    rej = sum(int(x) for x in bad["amount_pence"] if x != "")
    readable = sum(p.pence for p in payments if p.pence is not None)
    assert counted + rej == readable
    # A rejected row whose amount could not be read shows no pence and no £, and its text.
    unread = bad[bad["amount_pence"] == ""]
    assert len(unread) == 3 and (unread["amount"] == "").all()
    assert sorted(unread["amount_text"]) == ["", "N/A", "TBC"]
    assert counted == sum(pence_of(x) for x in good["amount"])  # the £ column says the same
    rec = summary["reconciliation"]
    assert (rec["pence_counted"], rec["pence_rejected"], rec["rows_read"]) == (counted, rej, 3000)
    assert summary == result.summary()
    assert bad["reason"].str.len().gt(0).all()


def test_classify_and_export_without_out_writes_nothing(samples: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    small = tmp_path / "l.csv"
    small.write_text(ODD, encoding="utf-8")
    _, summary = spendkit.api.classify_and_export(
        [small], Settings(place=PlaceSettings(districts=["Wigan"]), columns=COLUMNS))
    assert summary["reconciliation"]["pence_counted"] == 110050
    assert list(tmp_path.iterdir()) == [small]


def test_classify_and_export_refuses_a_bad_out_before_reading(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-ledger.csv"  # never read: the output is checked first
    with pytest.raises(OutputError, match=r"\.txt"):
        spendkit.api.classify_and_export([missing], Settings(), out=tmp_path / "x.txt")
    with pytest.raises(OutputError, match="does not exist"):
        spendkit.api.classify_and_export([missing], Settings(), out=tmp_path / "nope" / "x.csv")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_failure_writing_the_rejected_file_leaves_neither(samples: Path, tmp_path: Path, suffix: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Both or neither: a full disk on the second file leaves the old first file as it was and
    no temporary file behind."""
    from spendkit.output import export

    out = tmp_path / f"classified{suffix}"
    out.write_bytes(b"old")
    real = export._write_one

    def full_disk(frame, path, tmp, sheet, record):
        if ".rejected" in path.name:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(frame, path, tmp, sheet, record)

    monkeypatch.setattr(export, "_write_one", full_disk)
    with pytest.raises(OutputError, match="disk is full"):
        spendkit.api.classify_and_export([samples / "ledger.csv"], wigan(samples), out=out)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_a_failure_renaming_the_second_file_leaves_neither(samples: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Both or neither, the rename step: if putting one file in place fails, the other must
    not be left new either."""
    from spendkit.output import export

    out = tmp_path / "classified.csv"
    rejected = tmp_path / "classified.rejected.csv"
    out.write_text("old classified", encoding="utf-8")
    rejected.write_text("old rejected", encoding="utf-8")
    real = os.replace

    def flaky(src, dst, *a, **k):
        if Path(dst).name == "classified.csv":
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst, *a, **k)

    monkeypatch.setattr(export.os, "replace", flaky)
    with pytest.raises(OutputError):
        spendkit.api.classify_and_export([samples / "ledger.csv"], wigan(samples), out=out)
    monkeypatch.undo()
    assert out.read_text(encoding="utf-8") == "old classified"
    assert rejected.read_text(encoding="utf-8") == "old rejected"


# --------------------------------------------------------------------------- supplier_list


def test_supplier_list_one_row_per_payee_and_written(samples: Path, tmp_path: Path, payments: list[Payment],
                                                     counted_pence: int) -> None:
    out = tmp_path / "suppliers.csv"
    result, table = spendkit.api.supplier_list([samples / "ledger.csv"], wigan(samples), out=out)
    assert len(table) == result.rows["payee_key"].nunique()
    assert table["Supplier Name"].notna().all()
    assert sum(pence_of(x) for x in table["spendkit: spend (£)"]) == counted_pence
    # Per supplier id, spend equals an independent sum over the input rows.
    by_id: dict[str, int] = defaultdict(int)
    for p in payments:
        if p.pence is not None and p.day is not None and p.supplier_id:
            by_id[p.supplier_id] += p.pence
    listed = table[table["Supplier ID"] != ""]
    assert {i: pence_of(s) for i, s in zip(listed["Supplier ID"], listed["spendkit: spend (£)"], strict=True)} \
        == dict(by_id)
    written = _read_out(out)
    assert list(written.columns) == list(table.columns)
    assert len(written) == len(table)
    assert list(written["Supplier ID"]) == list(table["Supplier ID"])


def test_supplier_list_refuses_a_table_format_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        spendkit.api.supplier_list([tmp_path / "missing.csv"], Settings(), out=tmp_path / "s.parquet")


# --------------------------------------------------------------------------- report / rank / league


@pytest.fixture(scope="module")
def report(samples: Path):
    return spendkit.api.report([samples / "ledger.csv"], wigan(samples), fy="2024/25", by=["department"])


def test_report_reconciles_to_the_independent_total(report, counted_pence: int) -> None:
    rec = report.to_dict()["reconciliation"]
    assert rec["pence_reported"] == rec["pence_counted"] == counted_pence
    assert rec["balanced"] is True
    long = report.long()
    for (family, by), part in long.groupby(["family", "by"]):
        assert int(part["pence"].sum()) == counted_pence, (family, by)
    assert set(long["by"]) == {"all", "department"}


def test_report_for_a_calendar_year_counts_only_that_year(samples: Path, payments: list[Payment]) -> None:
    rep = spendkit.api.report([samples / "ledger.csv"], wigan(samples), year=2024)
    in_2024 = sum(p.pence for p in payments if p.pence is not None and p.day is not None and p.day.year == 2024)
    after = sum(p.pence for p in payments if p.pence is not None and p.day is not None and p.day.year == 2025)
    rec = rep.reconciliation()
    assert rec["pence_reported"] == in_2024
    assert rec["outside_period"]["pence"] == after
    assert rec["balanced"] is True


def test_report_checks_the_period_before_reading(tmp_path: Path) -> None:
    with pytest.raises(SpendkitError):
        spendkit.api.report([tmp_path / "missing.csv"], Settings(), fy="2024/99")


def test_rank_through_the_api(samples: Path, payments: list[Payment], counted_pence: int) -> None:
    ranking = spendkit.api.rank([samples / "ledger.csv"], wigan(samples), top=5)
    doc = ranking.to_dict()
    assert doc["pence"] == counted_pence
    assert len(ranking.overall) == 5
    by_id: dict[str, int] = defaultdict(int)
    for p in payments:
        if p.pence is not None and p.day is not None and p.supplier_id:
            by_id[p.supplier_id] += p.pence
    biggest = sorted(by_id.values(), reverse=True)[:5]
    assert ranking.overall["pence"].tolist() == biggest
    with pytest.raises(SpendkitError, match="--top"):
        spendkit.api.rank([samples / "ledger.csv"], wigan(samples), top=0)


def _league_manifest(folder: Path, samples: Path, monthly: list[Path]) -> Path:
    half = monthly[:6]  # April to September 2024
    text = (
        'title = "API test"\n'
        '[[organisation]]\nname = "Whole year"\nplace = "Wigan"\n'
        f'ledgers = ["{samples / "ledger.csv"}"]\nsuppliers = "{samples / "suppliers.csv"}"\n'
        '[[organisation]]\nname = "First half"\nplace = ["Wigan"]\n'
        f'ledgers = [{", ".join(json.dumps(str(p)) for p in half)}]\n'
        f'suppliers = "{samples / "suppliers.csv"}"\n')
    path = folder / "league.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def league(samples: Path, monthly: list[Path], tmp_path_factory):
    folder = tmp_path_factory.mktemp("league")
    return spendkit.api.league(_league_manifest(folder, samples, monthly))


def test_league_of_two_organisations(league, result) -> None:
    rows = result.rows
    inf = rows[rows["influenceable"]]
    first_half = inf[inf["payment_date"] < pd.Timestamp("2024-10-01")]

    def local(frame: pd.DataFrame) -> float:
        return round(int(frame.loc[frame["geography"] == "local", "amount_pence"].sum())
                     / int(frame["amount_pence"].sum()), 6)

    orgs = {e["name"]: e for e in league.entries}
    assert set(orgs) == {"Whole year", "First half"}
    assert orgs["Whole year"]["shares"]["local"] == local(inf)
    assert orgs["First half"]["shares"]["local"] == local(first_half)
    assert orgs["Whole year"]["pence"] == int(rows["amount_pence"].sum())
    assert orgs["First half"]["pence"] == int(
        rows.loc[rows["payment_date"] < pd.Timestamp("2024-10-01"), "amount_pence"].sum())
    ranks = {n: e["ranks"]["local"] for n, e in orgs.items()}
    assert sorted(r["rank"] for r in ranks.values()) == [1, 2]
    assert all(r["of"] == 2 for r in ranks.values())
    winner = max(orgs, key=lambda n: orgs[n]["shares"]["local"])
    assert ranks[winner]["rank"] == 1


def test_league_manifest_with_a_missing_ledger_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "league.toml"
    bad.write_text('[[organisation]]\nname = "X"\nplace = "Wigan"\nledgers = ["gone.csv"]\n',
                   encoding="utf-8")
    with pytest.raises(SpendkitError, match=r"gone\.csv"):
        spendkit.api.league(bad)


# --------------------------------------------------------------------------- save


def _json_round_trip(doc: dict) -> dict:
    return json.loads(json.dumps(doc, ensure_ascii=False, default=str))


@pytest.mark.parametrize("suffix", [".json", ".csv", ".xlsx", ".html"])
def test_save_a_report(report, tmp_path: Path, suffix: str, counted_pence: int) -> None:
    path = tmp_path / f"report{suffix}"
    spendkit.save(report, path)
    assert path.is_file() and path.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    if suffix == ".json":
        assert json.loads(path.read_text(encoding="utf-8")) == _json_round_trip(report.to_dict())
    elif suffix == ".csv":
        table = pd.read_csv(path, encoding="utf-8-sig", dtype={"pence": "int64", "amount": "str"},
                            keep_default_na=False)
        assert len(table) == len(report.long())
        overall = table[(table["by"] == "all") & (table["family"] == "geography")]
        assert int(overall["pence"].sum()) == counted_pence
        assert [pence_of(a) for a in overall["amount"]] == overall["pence"].tolist()
    elif suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        assert book.sheetnames
        book.close()
    else:
        text = path.read_text(encoding="utf-8")
        assert text.lstrip().lower().startswith(("<!doctype html", "<html"))
        assert "</html>" in text.lower()


def test_save_a_ranking_and_a_league_as_json(samples: Path, league, tmp_path: Path) -> None:
    from spendkit.aggregate.rank import rank_result

    ranking = rank_result(spendkit.classify(samples / "ledger.csv", place="Wigan"), top=3)
    for thing, name in ((ranking, "rank.json"), (league, "league.json")):
        spendkit.save(thing, tmp_path / name)
        assert json.loads((tmp_path / name).read_text(encoding="utf-8")) == _json_round_trip(thing.to_dict())


def test_save_refuses_an_unknown_format_and_leaves_nothing(report, tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        spendkit.save(report, tmp_path / "report.docx")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- names


def test_classify_survives_importing_every_subpackage() -> None:
    """A subpackage or module named like an API function (spendkit/classify/, spendkit/save.py)
    would replace the lazy attribute once imported. Checked in a fresh interpreter, after
    importing every module of the package."""
    code = """
import importlib, pkgutil, sys
import spendkit
names = sorted(m.name for m in pkgutil.walk_packages(spendkit.__path__, "spendkit.")
               if not m.name.endswith(".__main__"))  # __main__ runs the CLI
assert "spendkit.engines.local" in names and "spendkit.cli" in names, names
for name in names:
    importlib.import_module(name)
import spendkit.api, spendkit.config
assert spendkit.classify is spendkit.api.classify, spendkit.classify
assert spendkit.save is spendkit.api.save, spendkit.save
assert spendkit.Settings is spendkit.config.Settings, spendkit.Settings
assert callable(spendkit.classify) and callable(spendkit.save)
print(len(names))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) > 30


def test_public_names() -> None:
    assert set(spendkit.__all__) == {
        "LeagueTable", "Ranking", "Report", "Result", "Settings", "SpendkitError", "__version__",
        "classify", "json_schema", "make_league", "make_ranking", "make_report", "save"}
    for name in spendkit.__all__:
        assert getattr(spendkit, name) is not None
        assert name in dir(spendkit)
    with pytest.raises(AttributeError):
        _ = spendkit.no_such_name


def test_documented_facades(tmp_path: Path) -> None:
    from spendkit.aggregate import rank as rank_module
    from spendkit.aggregate import report as report_module
    from spendkit.league import make_league
    from spendkit.rank import make_ranking, rank_result
    from spendkit.report import build_report, make_report

    assert make_report is spendkit.api.report and build_report is report_module.build_report
    assert make_ranking is spendkit.api.rank and rank_result is rank_module.rank_result
    assert make_league is spendkit.api.league
    ledger = tmp_path / "l.csv"
    ledger.write_text("Supplier Name,Amount,Date,Postcode\nAcme Ltd,10.00,03/04/2024,WN1 1YN\n"
                      "Bolt Ltd,5.25,04/04/2024,BL1 1RU\nCredit Ltd,-1.25,05/04/2024,WN1 1YN\n",
                      encoding="utf-8")
    settings = Settings(place=PlaceSettings(districts=["Wigan"]))
    rep = make_report([ledger], settings, fy="2024/25")
    assert rep.reconciliation()["pence_reported"] == 1000 + 525 - 125
    assert rep.class_totals()["geography"]["local"]["pence"] == 875
    assert rep.class_totals()["geography"]["sub_regional"]["pence"] == 525  # Bolton borders Wigan
    again = build_report(spendkit.classify(ledger, settings=settings))
    assert again.class_totals() == make_report([ledger], settings).class_totals()
    ranking = make_ranking([ledger], settings, top=2)
    assert ranking.overall["pence"].tolist() == [1000, 525]  # Credit Ltd is a payee of its own
    assert ranking.to_dict()["pence"] == 1400
    assert rank_result(spendkit.classify(ledger, settings=settings), top=3).overall["pence"].tolist() \
        == [1000, 525, -125]
    manifest = tmp_path / "m.toml"
    manifest.write_text(f'[[organisation]]\nname = "A"\nplace = "Wigan"\nledgers = ["{ledger.name}"]\n'
                        f'[[organisation]]\nname = "B"\nplace = "Bolton"\nledgers = ["{ledger.name}"]\n',
                        encoding="utf-8")
    table = make_league(manifest)
    shares = {e["name"]: e["shares"]["local"] for e in table.entries}
    assert shares == {"A": round(875 / 1400, 6), "B": round(525 / 1400, 6)}
    assert [e["name"] for e in table.ordered()] == ["A", "B"]
