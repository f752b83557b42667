"""rank.py: supplier rankings, concentration, leakage, the CLES view and LM3."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spendkit.aggregate import lm3 as L
from spendkit.aggregate import rank as K
from spendkit.errors import ConfigError, InputFileError


@pytest.fixture(scope="module")
def ranking(result):
    return K.rank_result(result, top=10)


def test_top_suppliers_overall(ranking, result, counted: int) -> None:
    top = ranking.overall
    assert len(top) == 10 and top["rank"].tolist() == list(range(1, 11))
    first = top.iloc[0]
    assert first["payee"] == "Calderstone Care Group PLC"
    mine = result.rows[result.rows["payee_key"] == first["payee_key"]]
    assert first["pence"] == mine["amount_pence"].sum() == 1_289_611_457
    assert first["share"] == pytest.approx(first["pence"] / counted, abs=1e-6)
    assert top["pence"].is_monotonic_decreasing
    assert top["cumulative_share"].iloc[-1] == pytest.approx(top["pence"].sum() / counted, abs=1e-6)
    assert ranking.all_suppliers["pence"].sum() == counted
    assert ranking.all_suppliers["payee_key"].is_unique


def test_the_commonest_spelling_names_the_supplier() -> None:
    rows = pd.DataFrame({"payee": ["ACME LTD", "Acme Limited", "Acme Limited", "Bolt plc"],
                         "payee_key": ["ACME", "ACME", "ACME", "BOLT"],
                         "amount_pence": [500, 100, 100, 600], "geography": ["local"] * 4})
    table = K.suppliers(rows)
    assert table[["payee", "pence", "rows"]].values.tolist() == [["Acme Limited", 700, 3],
                                                                 ["Bolt plc", 600, 1]]


def test_rankings_within_each_class(ranking, result) -> None:
    keys = [k for k, _t, _f in ranking.by_class]
    assert keys[0] == "all" and {"geography=local", "sme", "sector=vcfse", "size=micro"} <= set(keys)
    local = dict((k, f) for k, _t, f in ranking.by_class)["geography=local"]
    rows = result.rows[result.rows["geography"] == "local"]
    assert local["share"].iloc[0] == pytest.approx(local["pence"].iloc[0] / rows["amount_pence"].sum(),
                                                   abs=1e-6)
    assert (local["geography"] == "local").all()
    assert local.iloc[0]["payee"] == "Rigby Care Homes Limited"
    vcfse = dict((k, f) for k, _t, f in ranking.by_class)["sector=vcfse"]
    assert (vcfse["sector"] == "vcfse").all()
    sme = dict((k, f) for k, _t, f in ranking.by_class)["sme"]
    assert (sme["sme"] == "yes").all()


def test_how_many_suppliers_make_up_80_percent(ranking, counted: int) -> None:
    c = ranking.concentration
    cum = ranking.all_suppliers["pence"].cumsum()
    assert cum.iloc[c["suppliers"] - 1] >= 0.8 * counted > cum.iloc[c["suppliers"] - 2]
    assert c["suppliers"] == 21 and c["of"] == 222
    assert K.concentration(pd.DataFrame({"pence": [50, 30, 20]}))["suppliers"] == 2
    assert K.concentration(pd.DataFrame({"pence": [80, 20]}))["suppliers"] == 1


def test_leakage_by_expense_type(ranking, result) -> None:
    assert ranking.leakage_category == "expense_type"
    leak = ranking.leakage
    top = leak.iloc[0]
    assert top["category"] == "Residential Care Placements"
    assert top["largest_non_local"] == "Calderstone Care Group PLC"
    rows = result.rows[result.rows["influenceable"]]
    cat = rows[rows["expense_type"] == top["category"]]
    assert top["local_pence"] == cat.loc[cat["geography"] == "local", "amount_pence"].sum() > 0
    outside = cat[cat["geography"].isin(K.NON_LOCAL)]
    assert top["non_local_pence"] == outside["amount_pence"].sum()
    # every category listed pays local suppliers too
    assert (leak["local_pence"] > 0).all() and (leak["local_suppliers"] >= 1).all()
    assert leak["largest_non_local_pence"].is_monotonic_decreasing


def test_cles_view_is_the_top_300_with_place_size_and_sector(ranking, counted: int) -> None:
    cles = ranking.cles
    assert len(cles) == 222  # fewer than 300 suppliers in the sample: all of them
    assert {"district_name", "geography", "size_band", "sector"} <= set(cles.columns)
    assert cles["pence"].sum() == counted
    assert len(K.cles(pd.concat([ranking.rows] * 1), n=5)) == 5


def test_bad_top() -> None:
    with pytest.raises(ConfigError):
        K.rank_result(None, top=0)  # type: ignore[arg-type]


def test_lm3_from_supplier_and_class_shares(result, tmp_path: Path) -> None:
    path = tmp_path / "respend.csv"
    path.write_text("supplier,class,respend\nRigby Care Homes Ltd,,50%\n,vcfse,0.6\n", encoding="utf-8")
    shares = L.read_respend(path)
    est = L.lm3(result.rows, shares, str(path))
    base = result.rows[result.rows["influenceable"]]
    local = base[base["geography"] == "local"]
    rigby = local.loc[local["payee_key"] == "RIGBY CARE HOMES", "amount_pence"].sum()
    vcfse = local.loc[(local["sector"] == "vcfse") & (local["payee_key"] != "RIGBY CARE HOMES"),
                      "amount_pence"].sum()
    r1, r2 = base["amount_pence"].sum(), local["amount_pence"].sum()
    r3 = round(rigby * 0.5 + vcfse * 0.6)
    assert (est["r1_pence"], est["r2_pence"], est["r3_pence"]) == (r1, r2, r3)
    assert est["lm3"] == round((r1 + r2 + r3) / r1, 4)
    assert est["local_pence_without_share"] == r2 - rigby - vcfse
    assert est["estimate"] is True and "estimate" in est["label"] and "lower bound" in est["label"]


@pytest.mark.parametrize("text, message", [
    ("supplier,share\nA,0.5\n", "respend"),
    ("supplier,respend\nA,50\n", "ambiguous"),
    ("supplier,respend\nA,lots\n", "not a share"),
    ("supplier,class,respend\n,,0.5\n", "supplier or a class"),
])
def test_bad_respend_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises((InputFileError, ConfigError), match=message):
        L.read_respend(path)
