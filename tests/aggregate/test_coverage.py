"""Coverage in every figure: each share with the spend it is known on, its bounds, 'not enough
evidence' below headline.min_coverage with the next step; league ranks with intervals.

Known answers on small hand-made ledgers (committed here as text), the sample's figures
unchanged, and real published ledgers with no postcodes (skipped where absent)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spendkit.aggregate.coverage import (
    UnknownPayees,
    fine_table,
    measure,
    payees_carrying,
    suppliers_command,
)
from spendkit.aggregate.league import rank_intervals
from tests.helpers import run

REALDATA = Path(__file__).resolve().parents[3] / "shared" / "realdata"
ODILEEDS = REALDATA / "odileeds"
needs_realdata = pytest.mark.skipif(not ODILEEDS.is_dir(), reason="../shared/realdata is absent")


def _fine(rows: list[tuple[str, str, str, object, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["geography", "size_band", "sector", "sme", "amount_pence"])
    frame["sme"] = frame["sme"].astype("boolean")
    return fine_table(frame)


# ---------------------------------------------------------------- measure: known answers

def test_a_share_with_its_coverage_and_bounds() -> None:
    fine = _fine([("local", "small", "private", True, 500), ("national", "large", "private", False, 300),
                  ("unknown", "unknown", "unknown", None, 200)])
    local = measure(fine, "local", 1000, 0.5)
    assert local == {"pence": 500, "share": 0.5, "coverage": 0.8, "low": 0.5, "high": 0.7,
                     "enough_evidence": True}
    sme = measure(fine, "sme", 1000, 0.5)
    assert (sme["share"], sme["coverage"], sme["low"], sme["high"]) == (0.5, 0.8, 0.5, 0.7)
    vcfse = measure(fine, "vcfse", 1000, 0.5)
    assert (vcfse["share"], vcfse["low"], vcfse["high"]) == (0.0, 0.0, 0.2)
    # The same figures with a threshold above the coverage: the share is not stated.
    strict = measure(fine, "local", 1000, 0.81)
    assert strict["share"] is None and strict["enough_evidence"] is False
    assert (strict["coverage"], strict["low"], strict["high"]) == (0.8, 0.5, 0.7)
    # Exactly at the threshold is enough.
    assert measure(fine, "local", 1000, 0.8)["share"] == 0.5


def test_nothing_placed_is_not_a_share_of_zero() -> None:
    fine = _fine([("unknown", "unknown", "private", None, 700), ("unknown", "unknown", "vcfse", None, 300)])
    local = measure(fine, "local", 1000, 0.5)
    assert local == {"pence": 0, "share": None, "coverage": 0.0, "low": 0.0, "high": 1.0,
                     "enough_evidence": False}
    assert measure(fine, "vcfse", 1000, 0.5)["share"] == 0.3  # the sector is known
    assert measure(fine, "local", 0, 0.5)["share"] is None  # no spend: no share at all


def test_payees_carrying_most_of_the_unknown() -> None:
    got = payees_carrying(UnknownPayees(5, np.array([600, 250, 100, 50]), 1000))
    assert got == {"target": 0.8, "payees": 2, "of": 5, "at_least": False}  # 600 + 250 >= 800
    # Only the largest are kept: when they do not reach 80% the count is a floor.
    cut = payees_carrying(UnknownPayees(50_000, np.array([100, 100]), 10_000))
    assert cut["payees"] == 2 and cut["at_least"] is True
    assert payees_carrying(UnknownPayees(0, np.array([], dtype="int64"), 0))["payees"] == 0


def test_the_suppliers_command_names_the_files_and_place() -> None:
    assert suppliers_command(["a.csv", "my ledger.csv", "a.csv"], ["Wigan", "West Lancashire"]) == (
        'spendkit suppliers a.csv "my ledger.csv" --place Wigan --place "West Lancashire" '
        "--out suppliers.csv")


# ---------------------------------------------------------------- rank intervals

def test_rank_intervals_known_answers() -> None:
    bounds = {"E": (0.9, 0.9), "B": (0.6, 0.6), "A": (0.5, 0.7), "D": (0.4, 0.9)}
    assert rank_intervals(bounds) == {"E": (1, 1), "B": (2, 4), "A": (2, 4), "D": (1, 4)}
    # Equal shares tie at best and at worst (standard competition ranking).
    assert rank_intervals({"a": (0.3, 0.3), "b": (0.3, 0.3)}) == {"a": (1, 1), "b": (1, 1)}
    assert rank_intervals({"a": (0.1, 0.5), "b": (0.2, 0.2)}) == {"a": (1, 2), "b": (1, 2)}


LEDGER_HEAD = "Supplier Name,Amount,Payment Date,Postcode\n"
WIGAN, LONDON = "WN1 1YN", "SW1A 2AA"
# organisation: (pounds with a Wigan postcode, pounds outside, pounds with no postcode)
ORGS = {"E": (900, 100, 0), "B": (600, 400, 0), "A": (500, 300, 200), "D": (400, 100, 500),
        "C": (100, 0, 900)}


def _league_manifest(folder: Path) -> Path:
    text = 'title = "Coverage fixture"\n'
    for name, (local, outside, unknown) in ORGS.items():
        ledger = folder / f"{name}.csv"
        rows = [("Local", local, WIGAN), ("Outside", outside, LONDON), ("Nowhere", unknown, "")]
        ledger.write_text(LEDGER_HEAD + "".join(f"{who} {name} Ltd,{pounds},01/05/2024,{pc}\n"
                                                 for who, pounds, pc in rows if pounds),
                          encoding="utf-8")
        text += f'[[organisation]]\nname = "{name}"\nplace = "Wigan"\nledgers = ["{ledger.name}"]\n'
    path = folder / "league.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fixture_league(tmp_path_factory) -> tuple[dict, str, str]:
    folder = tmp_path_factory.mktemp("coverage-league")
    manifest = _league_manifest(folder)
    out = run("league", manifest, "--format", "json")
    assert out.exit_code == 0, out.output
    table = run("league", manifest)
    assert table.exit_code == 0, table.output
    text = run("league", manifest, "--format", "csv")
    assert text.exit_code == 0, text.output
    return json.loads(out.stdout), table.stdout, text.stdout


def test_league_ranks_with_intervals_and_leaves_the_unknown_unranked(fixture_league) -> None:
    doc, _table, _csv = fixture_league
    assert doc["schema_version"] == "2.0"
    orgs = {o["name"]: o for o in doc["organisations"]}
    local = {n: (o["ranks"]["local"]["rank"], o["ranks"]["local"]["best"], o["ranks"]["local"]["worst"])
             for n, o in orgs.items() if "local" in o["ranks"]}
    assert local == {"E": (1, 1, 1), "B": (2, 2, 4), "A": (3, 2, 4), "D": (4, 1, 4)}
    assert orgs["A"]["ranks"]["local"]["of"] == 4
    assert orgs["A"]["ranks"]["local"]["interval_text"] == "2nd-4th of 4"
    assert orgs["A"]["coverage"]["local"] == 0.8 and orgs["A"]["bounds"]["local"] == [0.5, 0.7]
    assert orgs["D"]["coverage"]["local"] == 0.5  # at the threshold: ranked
    # C's place is known for 10% of its spend: listed, with its coverage and bounds, not ranked.
    c = orgs["C"]
    assert "local" not in c["ranks"] and c["shares"]["local"] is None
    assert c["coverage"]["local"] == 0.1 and c["bounds"]["local"] == [0.1, 1.0]
    assert "place known for 10.0% of its spend, below 50%" in c["not_ranked"]["local"]
    assert any(s.startswith("A: 3rd of 4 (2nd-4th) for local spend") for s in doc["sentences"])
    assert any("C: " in s and "not ranked on local spend" in s for s in doc["sentences"])
    assert "every unknown counted in" in doc["method"]["rank_interval"]


def test_league_terminal_and_csv_show_coverage_and_intervals(fixture_league) -> None:
    _doc, table, text = fixture_league
    assert "3rd of 4 (2nd-4th)" in table and "not ranked" in table and "50.0–70.0%" in table
    assert "80.0% known" in table and "not enough evidence" in table
    frame = pd.read_csv(io.StringIO(text)).set_index("name")
    assert frame.loc["A", "local_rank_best"] == 2 and frame.loc["A", "local_rank_worst"] == 4
    assert frame.loc["A", "local_coverage"] == 0.8
    assert (frame.loc["A", "local_low"], frame.loc["A", "local_high"]) == (0.5, 0.7)
    assert pd.isna(frame.loc["C", "local_rank"]) and pd.isna(frame.loc["C", "local_share"])
    assert "below 50%" in frame.loc["C", "local_not_ranked"]


# ---------------------------------------------------------------- the sample: figures unchanged

def test_the_sample_figures_are_unchanged(samples: Path) -> None:
    """`make run`: the sample workbook with the supplier file; every share stated as before."""
    args = ("classify", samples / "ledger.xlsx", "--place", "Wigan", "--suppliers", samples / "suppliers.csv")
    out = run(*args)
    assert out.exit_code == 0, out.output
    assert "  Local 16.1%  ·  local + sub-regional 18.4%  ·  SME 17.0%  ·  VCFSE 2.1%" in out.stdout
    assert "not enough evidence" not in out.stdout.lower()
    assert "Known for: place 99.0%, size 86.0%, sector 99.9%" in out.stdout
    assert "Spend by place: Wigan (shares of all counted spend)" in out.stdout
    doc = json.loads(run(*args, "--format", "json").stdout)
    head = doc["headline"]
    assert {k: head[f"{k}_share"] for k in ("local", "sub_regional", "local_or_sub_regional", "sme", "vcfse")} \
        == {"local": 0.161008, "sub_regional": 0.022708, "local_or_sub_regional": 0.183716,
            "sme": 0.169674, "vcfse": 0.021124}
    for m, fig in head["measures"].items():
        assert fig["share"] == head[f"{m}_share"] == fig["low"] <= fig["high"]
        assert fig["enough_evidence"] is True
    assert head["measures"]["local"]["high"] == round(head["local_share"] + head["unknown_place_share"], 6)
    assert head["coverage"]["place"]["coverage"] == round(1 - head["unknown_place_share"], 6)
    assert all(f["next_step"] is None for f in head["coverage"].values())
    assert head["min_coverage"] == 0.5
    assert "influenceable" in doc["bases"]["headline"] and doc["bases"]["geography"] == "all counted spend"


def test_a_threshold_in_the_settings_file_withholds_a_share(samples: Path, tmp_path: Path) -> None:
    config = tmp_path / "spendkit.toml"
    config.write_text("[headline]\nmin_coverage = 0.9\n", encoding="utf-8")
    out = run("classify", samples / "ledger.csv", "--place", "Wigan", "--suppliers",
              samples / "suppliers.csv", "--config", config, "--format", "json")
    assert out.exit_code == 0, out.output
    head = json.loads(out.stdout)["headline"]
    assert head["local_share"] == 0.161008  # place known for 99%
    assert head["sme_share"] is None  # size known for 86% < 90%
    assert head["measures"]["sme"]["low"] == 0.169674
    assert head["coverage"]["size"]["next_step"].startswith("Not enough evidence on size: 14.0% of")
    bad = tmp_path / "bad.toml"
    bad.write_text("[headline]\nmin_coverage = 1.5\n", encoding="utf-8")
    refused = run("classify", samples / "ledger.csv", "--place", "Wigan", "--config", bad)
    assert refused.exit_code != 0 and "min_coverage" in refused.output


# ---------------------------------------------------------------- real ledgers with no postcodes

@needs_realdata
def test_a_real_ledger_with_no_postcodes_states_no_place_share() -> None:
    ledger = ODILEEDS / "manchester_2010-12.csv"
    out = run("classify", ledger, "--place", "Manchester")
    assert out.exit_code == 0, out.output
    assert "Local not enough evidence" in out.stdout
    assert "Local 0.0%" not in out.stdout and "local + sub-regional 0.0%" not in out.stdout
    assert "Not enough evidence on place: 100.0% of influenceable spend" in out.stdout
    assert "spendkit registers add/fetch" in out.stdout
    assert f"spendkit suppliers {ledger} --place Manchester --out suppliers.csv" in out.stdout
    doc = json.loads(run("classify", ledger, "--place", "Manchester", "--format", "json").stdout)
    head = doc["headline"]
    assert head["local_share"] is None and head["local_or_sub_regional_share"] is None
    assert head["measures"]["local"] == {"pence": 0, "share": None, "coverage": 0.0, "low": 0.0,
                                         "high": 1.0, "enough_evidence": False}
    place = head["coverage"]["place"]
    assert place["unknown_pence"] == head["influenceable_pence"]
    carrying = place["payees_carrying_unknown"]
    assert 0 < carrying["payees"] < carrying["of"] == head["influenceable_payees"]
    assert f"{carrying['payees']:,} of {carrying['of']:,} payees carry 80%" in place["next_step"]
    assert doc["list_payees"] == f"spendkit suppliers {ledger} --place Manchester --out suppliers.csv"
    # the carrying count, checked by hand from the rows
    import spendkit

    rows = spendkit.classify(ledger, place="Manchester").rows
    per = rows[rows["influenceable"]].groupby(rows["payee_key"].astype(str))["amount_pence"].sum()
    per = per[per > 0].sort_values(ascending=False)
    assert int((per.cumsum() < 0.8 * per.sum()).sum()) + 1 == carrying["payees"]


@needs_realdata
def test_a_report_on_a_real_ledger_says_not_enough_evidence() -> None:
    out = run("report", ODILEEDS / "darlington_2022-09.csv", "--place", "Darlington", "--format", "json")
    assert out.exit_code == 0, out.output
    head = json.loads(out.stdout)["headline"]
    assert head["local"]["share"] is None and head["local"]["coverage"] == 0.0
    assert head["vcfse"]["share"] is not None and head["vcfse"]["coverage"] >= 0.5
    assert head["coverage"]["place"]["next_step"].startswith("Not enough evidence on place")
    doc = json.loads(out.stdout)
    for period in doc["trends"]["monthly"]:  # no month states a local share on 0% coverage
        assert period["local_share"] is None and period["local_coverage"] == 0.0
    table = run("report", ODILEEDS / "darlington_2022-09.csv", "--place", "Darlington")
    assert "Local not enough evidence" in table.stdout
    assert "(shares of all reported spend)" in table.stdout and "n/e: not enough evidence" in table.stdout


REAL_LEAGUE = {"Manchester": ("Manchester", "manchester_2010-12.csv"),
               "Darlington": ("Darlington", "darlington_2022-09.csv"),
               "Salford": ("Salford", "salford_2022-06.csv"),
               "Harrogate": ("North Yorkshire", "harrogate_2022-08.csv"),
               "Calderdale (cards)": ("Calderdale", "calderdale_2022-08-card.csv")}


@needs_realdata
def test_a_league_of_real_ledgers_from_several_publishers(tmp_path: Path) -> None:
    manifest = tmp_path / "league.toml"
    manifest.write_text("".join(f'[[organisation]]\nname = "{n}"\nplace = "{p}"\nledgers = ["{ODILEEDS / f}"]\n'
                                for n, (p, f) in REAL_LEAGUE.items()), encoding="utf-8")
    out = run("league", manifest, "--format", "json", "--out", tmp_path / "league.csv")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    orgs = {o["name"]: o for o in doc["organisations"]}
    assert set(orgs) == set(REAL_LEAGUE)
    for o in orgs.values():
        # no postcodes in any of them: nobody ranked on local spend, nobody given a local share
        assert o["coverage"]["local"] == 0.0 and o["bounds"]["local"] == [0.0, 1.0]
        assert o["shares"]["local"] is None and "local" not in o["ranks"]
        assert "local" in o["not_ranked"]
    ranked = {n: o for n, o in orgs.items() if "vcfse" in o["ranks"]}
    assert len(ranked) >= 3  # their sectors are mostly known from names
    # nobody ranked on local spend: listed by VCFSE rank, the unranked last
    order = [o["name"] for o in doc["organisations"]]
    assert order[:len(ranked)] == sorted(ranked, key=lambda n: (ranked[n]["ranks"]["vcfse"]["rank"], n))
    for n, o in orgs.items():
        r = o["ranks"].get("vcfse")
        if r is None:
            assert o["coverage"]["vcfse"] < 0.5 and o["shares"]["vcfse"] is None
            continue
        assert o["coverage"]["vcfse"] >= 0.5 and r["of"] == len(ranked)
        assert r["best"] <= r["rank"] <= r["worst"]
        low, high = o["bounds"]["vcfse"]
        assert low == o["shares"]["vcfse"] <= high
        # best: its high beats the others' lows it is above
        assert r["best"] == 1 + sum(1 for m, p in ranked.items() if m != n and p["bounds"]["vcfse"][0] > high)
    with open(tmp_path / "league.csv", encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    assert {"vcfse_coverage", "vcfse_rank_best", "vcfse_rank_worst", "local_not_ranked"} <= set(header)


def test_a_files_record_names_inputs_in_the_command_as_in_the_inputs(result) -> None:
    """The Parquet record cuts an absolute input path to its file name: the command too."""
    from spendkit.output.export import run_record

    doc = result.summary()
    assert Path(doc["inputs"][0]["file"]).is_absolute()
    record = run_record(doc)
    assert record["list_payees"] == "spendkit suppliers ledger.csv --place Wigan --out suppliers.csv"
    assert str(Path(doc["inputs"][0]["file"]).parent) not in json.dumps(record)
