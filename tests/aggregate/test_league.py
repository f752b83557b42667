"""league.py and `spendkit league`: known answers, ties, the Tussell preset, bad manifests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spendkit import errors
from spendkit.aggregate.league import competition_ranks, ordinal
from tests.helpers import run

PEERS = ("name,local_share,sub_regional_share,sme_share,vcfse_share\n"
         "Peer A,20%,5%,30%,4%\nPeer B,20%,,25%,2.0%\nPeer C,0.05,0.01,0.17,0.010\n")


def test_standard_competition_ranking() -> None:
    assert competition_ranks({"a": 0.5, "b": 0.4, "c": 0.4, "d": 0.1, "e": None}) == \
        {"a": 1, "b": 2, "c": 2, "d": 4}
    assert competition_ranks({"a": 0.3, "b": 0.3, "c": 0.3}) == {"a": 1, "b": 1, "c": 1}
    assert competition_ranks({"a": 0.1234564, "b": 0.1234561}) == {"a": 1, "b": 1}  # 6 dp
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 44, 101, 111, 112)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "44th",
         "101st", "111th", "112th"]


def _manifest(folder: Path, samples: Path, *, orgs: str | None = None) -> Path:
    (folder / "peers.csv").write_text(PEERS, encoding="utf-8")
    orgs = orgs if orgs is not None else "".join(
        f'[[organisation]]\nname = "Sample ({p})"\nplace = "{p}"\n'
        f'ledgers = ["{samples / "ledger.csv"}"]\nsuppliers = "{samples / "suppliers.csv"}"\n'
        for p in ("Wigan", "Bolton"))
    path = folder / "league.toml"
    path.write_text(f'title = "Test"\npeers = "peers.csv"\n{orgs}', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def league_doc(samples: Path, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("league")
    result = run("league", _manifest(folder, samples), "--fy", "2024/25", "--format", "json",
                 "--out", folder / "league.xlsx")
    assert result.exit_code == 0, result.output
    assert (folder / "league.xlsx").is_file()
    return json.loads(result.stdout)


def test_known_answers_with_ties(league_doc: dict, result) -> None:
    orgs = {o["name"]: o for o in league_doc["organisations"]}
    base = result.rows[result.rows["influenceable"]]
    total = base["amount_pence"].sum()
    wigan, bolton = orgs["Sample (Wigan)"], orgs["Sample (Bolton)"]
    assert wigan["shares"]["local"] == result.summary()["headline"]["local_share"] == 0.161008
    bolton_local = base.loc[base["district_name"] == "Bolton", "amount_pence"].sum() / total
    assert bolton["shares"]["local"] == pytest.approx(bolton_local, abs=1e-6)
    local = {n: o["ranks"]["local"]["rank"] for n, o in orgs.items()}
    # Peer A and B tie on 20%: both 1st, nobody 2nd.
    assert local == {"Peer A": 1, "Peer B": 1, "Sample (Wigan)": 3, "Peer C": 4, "Sample (Bolton)": 5}
    assert wigan["ranks"]["local"]["text"] == "3rd of 5"
    # Peer B published no sub-regional share: four are ranked on it.
    assert orgs["Peer B"]["ranks"].get("sub_regional") is None
    assert wigan["ranks"]["sub_regional"]["of"] == 4
    # The same ledger gives both samples the same SME and VCFSE shares: a tie.
    assert wigan["ranks"]["vcfse"]["rank"] == bolton["ranks"]["vcfse"]["rank"] == 2
    assert wigan["shares"]["sme"] == result.summary()["headline"]["sme_share"]
    assert league_doc["sentences"][0].startswith("Sample (Wigan): 3rd of 5 for local spend, ")
    assert league_doc["method"]["name"] == "spendkit" and "1, 2, 2, 4" in league_doc["method"]["ranking"]
    assert [o["name"] for o in league_doc["organisations"]][:2] == ["Peer A", "Peer B"]


def test_tussell_preset(samples: Path, tmp_path: Path, result) -> None:
    path = _manifest(tmp_path, samples)
    out = run("league", path, "--method", "tussell", "--year", "2024", "--format", "json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    orgs = {o["name"]: o for o in doc["organisations"]}
    rows = result.rows[result.rows["payment_date"].dt.year == 2024]
    north_west = rows["geography"].isin(["local", "sub_regional", "regional"])
    expected = round(rows.loc[north_west, "amount_pence"].sum() / rows["amount_pence"].sum(), 6)
    wigan, bolton = orgs["Sample (Wigan)"], orgs["Sample (Bolton)"]
    assert wigan["shares"]["local"] == bolton["shares"]["local"] == expected  # same region
    assert wigan["ranks"]["local"]["rank"] == bolton["ranks"]["local"]["rank"] == 1
    assert wigan["shares"]["sub_regional"] is None
    assert wigan["pence"] == rows["amount_pence"].sum()
    assert doc["method"]["name"] == "tussell" and doc["method"]["period"] == "calendar year 2024"
    assert "2003/361" in doc["method"]["description"]
    from spendkit.aggregate.league import METHODS

    applied = METHODS["tussell"].apply(result.settings, result.districts)
    assert applied.organisations.size_rule == "eu-2003-361"
    assert applied.organisations.guarantee_is_vcfse is True
    assert applied.place.districts == ["North West"]


def test_a_peer_table_alone(tmp_path: Path) -> None:
    path = tmp_path / "peers.csv"
    path.write_text(PEERS, encoding="utf-8")
    out = run("league", path, "--format", "csv")
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0].startswith("name,source,pence,amount,local_share,local_rank,local_of")
    assert lines[1].startswith("Peer A,published,,,0.2,1,3") and lines[2].startswith("Peer B,published,,,0.2,1,3")
    assert lines[3].startswith("Peer C,published,,,0.05,3,3")


@pytest.mark.parametrize("case, status, message", [
    ("missing ledger", errors.EXIT_INPUT, "nope.csv"),
    ("unknown place", errors.EXIT_CONFIG, "unknown place 'Wigxn'"),
    ("tussell without a year", errors.EXIT_CONFIG, "give --year"),
    ("bad share", errors.EXIT_CONFIG, "ambiguous"),
    ("unknown key", errors.EXIT_CONFIG, "unknown key(s) colour"),
])
def test_bad_manifests_fail_before_any_work(samples: Path, tmp_path: Path, case: str, status: int,
                                            message: str) -> None:
    good = (f'[[organisation]]\nname = "A"\nplace = "Wigan"\nledgers = ["{samples / "ledger.csv"}"]\n')
    orgs, args = good, []
    if case == "missing ledger":
        orgs = good + '[[organisation]]\nname = "B"\nplace = "Bolton"\nledgers = ["nope.csv"]\n'
    elif case == "unknown place":
        orgs = good.replace('"Wigan"', '"Wigxn"')
    elif case == "tussell without a year":
        args = ["--method", "tussell"]
    elif case == "bad share":
        (tmp_path / "extra.csv").write_text("name,local_share\nX,15\n", encoding="utf-8")
    elif case == "unknown key":
        orgs = good.replace('name = "A"', 'name = "A"\ncolour = "red"')
    path = _manifest(tmp_path, samples, orgs=orgs)
    if case == "bad share":
        path.write_text(path.read_text().replace('peers = "peers.csv"', 'peers = "extra.csv"'))
    out_file = tmp_path / "out.json"
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run("league", path, *args, "--out", out_file)
    assert result.exit_code == status, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
