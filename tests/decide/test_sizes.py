"""sizes.py and reference/size_rules.py: bands at every threshold under every rule, partial evidence,
proxies, combine()."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from spendkit.decide import sizes
from spendkit.errors import ConfigError
from spendkit.reference import size_rules

NAN = np.nan
M = 1_000_000


def bands(staff, turnover=None, balance=None, rule=size_rules.DEFAULT_RULE) -> list[str]:
    n = len(staff)
    turnover = [NAN] * n if turnover is None else turnover
    balance = [NAN] * n if balance is None else balance
    out = sizes.size_band(pd.Series(staff, dtype="float64"), pd.Series(turnover, dtype="float64"),
                          pd.Series(balance, dtype="float64"), rule)
    return out["size_band"].tolist()


def one(staff=NAN, turnover=NAN, balance=NAN, rule=size_rules.DEFAULT_RULE) -> dict[str, str]:
    return sizes.size_band(pd.Series([staff], dtype="float64"), pd.Series([turnover], dtype="float64"),
                           pd.Series([balance], dtype="float64"), rule).iloc[0].to_dict()


# --- staff thresholds -----------------------------------------------------------------------

@pytest.mark.parametrize("rule", ["procurement-act-2023", "eu-2003-361", "islington-2020"])
def test_fewer_than_staff_limits(rule):
    assert bands([0, 9, 10, 49, 50, 249, 250, 5000], rule=rule) == [
        "micro", "micro", "small", "small", "medium", "medium", "large", "large"]


@pytest.mark.parametrize("rule", ["companies-act-2006", "companies-act-2006-2025"])
def test_not_more_than_staff_limits(rule):
    # Companies Act: "not more than" 10 / 50 / 250 employees.
    assert bands([9, 10, 11, 49, 50, 51, 249, 250, 251], rule=rule) == [
        "micro", "micro", "small", "small", "small", "medium", "medium", "medium", "large"]


# --- money thresholds -----------------------------------------------------------------------

def test_procurement_act_turnover_inclusive():
    t = [2 * M, 2 * M + 0.01, 10 * M, 10 * M + 1, 44 * M, 44 * M + 0.01, 44 * M + 1]
    assert bands([NAN] * len(t), t) == ["micro", "small", "small", "medium", "medium", "large", "large"]


def test_procurement_act_balance_sheet_alternative():
    # Turnover £60m, but a balance sheet of £30m (≤ £38m): still an SME.
    assert one(100, 60 * M, 30 * M)["size_band"] == "medium"
    assert one(100, 60 * M, 38 * M)["size_band"] == "medium"
    assert one(100, 60 * M, 38 * M + 0.01)["size_band"] == "large"
    assert one(100, 60 * M, 38 * M + 0.01)["size_band"] == "large"
    # ... and 250 staff is never an SME, whatever the money.
    assert one(250, 1 * M, 1 * M)["size_band"] == "large"
    # The balance sheet alone (no turnover) also decides micro and small.
    assert bands([5, 5, 30], [NAN, 9 * M, NAN], [2 * M, 1.5 * M, 10 * M]) == ["micro", "micro", "small"]


def test_eu_thresholds_in_euros_at_the_documented_rate():
    rule = size_rules.RULES["eu-2003-361"]
    assert rule.eur_to_gbp == size_rules.EUR_TO_GBP == 0.85
    micro, small, medium = rule.limits()
    assert (micro.turnover, small.turnover, medium.turnover) == (1_700_000, 8_500_000, 42_500_000)
    assert medium.balance_sheet == 36_550_000
    t = [1_700_000, 1_700_000.01, 8_500_000, 8_500_001, 42_500_000, 42_500_001]
    assert bands([NAN] * 6, t, rule="eu-2003-361") == ["micro", "small", "small", "medium", "medium", "large"]
    # £2m is micro under the Procurement Act (at par) but small under the EU rule (€2m = £1.7m).
    assert one(5, 2 * M, rule="eu-2003-361")["size_band"] == "small"
    assert one(5, 2 * M)["size_band"] == "micro"
    # Balance-sheet alternative: turnover £50m, balance sheet £36.55m -> medium.
    assert one(100, 50 * M, 36_550_000, rule="eu-2003-361")["size_band"] == "medium"
    assert one(100, 50 * M, 36_550_001, rule="eu-2003-361")["size_band"] == "large"
    # Another rate is a one-line rule of the caller's own.
    parity = dataclasses.replace(rule, eur_to_gbp=1.0)
    assert one(5, 2 * M, rule=parity)["size_band"] == "micro"


def test_islington_strict_under_and_no_balance_sheet():
    t = [1_999_999.99, 2 * M, 9_999_999, 10 * M, 49_999_999.99, 50 * M]
    assert bands([NAN] * 6, t, rule="islington-2020") == ["micro", "small", "small", "medium", "medium", "large"]
    # No balance-sheet test: £30m balance sheet does not rescue £60m turnover.
    r = one(100, 60 * M, 30 * M, rule="islington-2020")
    assert r["size_band"] == "large"
    assert "balance sheet £30,000,000 not used by Islington 2020 strategy" in r["size_evidence"]
    # A balance sheet alone decides nothing under this rule.
    r = one(balance=1 * M, rule="islington-2020")
    assert r["size_band"] == "unknown" and r["size_strength"] == ""
    assert r["size_evidence"] == ("no staff or turnover figures (balance sheet £1,000,000 not used by "
                                  "Islington 2020 strategy)")


# --- Companies Act: two of three ----------------------------------------------------------------

def test_companies_act_two_of_three_differs_between_versions():
    staff = [8, 40, 300, 20, 20]
    turnover = [800_000, 12 * M, 40 * M, 632_000, 632_001]
    balance = [400_000, 6 * M, 20 * M, 316_000, 316_001]
    assert bands(staff, turnover, balance, "companies-act-2006") == ["small", "medium", "large", "micro", "small"]
    assert bands(staff, turnover, balance, "companies-act-2006-2025") == ["micro", "small", "medium", "micro", "micro"]


def test_companies_act_two_of_three_with_one_figure_out_of_band():
    # 5 staff and a £300k balance sheet are micro; £60m turnover is not: two of three -> micro.
    r = one(5, 60 * M, 300_000, "companies-act-2006")
    assert r["size_band"] == "micro" and r["size_strength"] == "strong"
    assert "disagree" not in r["size_evidence"]
    # At the 2025 limits exactly: £1m turnover and £500k balance sheet, 200 staff -> micro.
    assert one(200, 1 * M, 500_000, "companies-act-2006-2025")["size_band"] == "micro"
    # £1m + £1 turnover is small; staff medium; balance sheet micro: the middle one, small.
    assert one(200, 1 * M + 1, 500_000, "companies-act-2006-2025")["size_band"] == "small"


def test_companies_act_two_figures():
    # Two figures that agree decide (the third cannot change two of three).
    r = one(8, 500_000, rule="companies-act-2006")
    assert r["size_band"] == "micro" and r["size_strength"] == "strong"
    # Two that disagree: the larger band, partial, flagged.
    r = one(8, 800_000, rule="companies-act-2006")
    assert r["size_band"] == "small" and r["size_strength"] == "partial"
    assert "staff and turnover disagree (staff: micro, turnover: small)" in r["size_evidence"]
    assert "no balance sheet figure" in r["size_evidence"]
    r = one(turnover=500_000, balance=5 * M, rule="companies-act-2006")
    assert r["size_band"] == "small"
    assert "turnover and balance sheet disagree" in r["size_evidence"]


# --- partial and missing evidence --------------------------------------------------------------

def test_staff_only_and_money_only_are_partial():
    r = one(42)
    assert r == {"size_band": "small", "size_strength": "partial",
                 "size_evidence": "42 staff: small under Procurement Act 2023 "
                                  "(staff only: no turnover or balance sheet figure)"}
    r = one(turnover=3_100_000)
    assert r["size_band"] == "small" and r["size_strength"] == "partial"
    assert r["size_evidence"] == ("turnover £3,100,000: small under Procurement Act 2023 "
                                  "(turnover only: no staff figure)")
    r = one(turnover=60 * M, balance=30 * M)
    assert r["size_band"] == "medium" and r["size_strength"] == "partial"
    r = one(12000, rule="companies-act-2006")
    assert r["size_band"] == "large"
    assert "staff only: no turnover or balance sheet figure" in r["size_evidence"]


def test_full_evidence_is_strong():
    r = one(42, 3_100_000)
    assert r == {"size_band": "small", "size_strength": "strong",
                 "size_evidence": "42 staff and turnover £3,100,000: small under Procurement Act 2023"}
    r = one(8, 800_000, 400_000.5)
    assert r["size_evidence"] == ("8 staff, turnover £800,000 and balance sheet £400,000.50: "
                                  "micro under Procurement Act 2023")


def test_nothing_known_is_unknown():
    r = one()
    assert r == {"size_band": "unknown", "size_strength": "",
                 "size_evidence": "no staff, turnover or balance sheet figures"}
    # Negative or unreadable figures are not known either.
    out = sizes.size_band(pd.Series([-1, "n/a"]), pd.Series([-5.0, NAN]), pd.Series([NAN, NAN]))
    assert out["size_band"].tolist() == ["unknown", "unknown"]


def test_staff_and_money_disagree_larger_band_wins():
    r = one(5, 60 * M)
    assert r["size_band"] == "large" and r["size_strength"] == "strong"
    assert r["size_evidence"] == ("5 staff and turnover £60,000,000: large under Procurement Act 2023; "
                                  "staff and turnover disagree (staff: micro, turnover: large): "
                                  "the larger band applies")
    r = one(300, 1 * M)
    assert r["size_band"] == "large"
    assert "staff: large, turnover: micro" in r["size_evidence"]
    # The balance sheet, where it is the money figure that decides, is named.
    r = one(5, 60 * M, 30 * M)
    assert r["size_band"] == "medium"
    assert "staff and balance sheet disagree (staff: micro, balance sheet: medium)" in r["size_evidence"]


def test_fractional_staff_and_index_kept():
    idx = pd.Index(["a", "b"])
    out = sizes.size_band(pd.Series([9.5, 10.0], index=idx), pd.Series([NAN, NAN], index=idx),
                          pd.Series([NAN, NAN], index=idx))
    assert list(out.index) == ["a", "b"]
    assert out["size_band"].tolist() == ["micro", "small"]
    assert out["size_evidence"].iloc[0].startswith("9.5 staff: micro")
    assert list(out.columns) == sizes.COLUMNS
    assert all(str(out[c].dtype) == "str" for c in out.columns)


def test_unknown_rule_is_a_config_error():
    with pytest.raises(ConfigError, match="Unknown size rule 'sme-ish'"):
        one(5, rule="sme-ish")


def test_every_rule_named_and_cited():
    assert size_rules.DEFAULT_RULE == "procurement-act-2023"
    assert set(size_rules.RULES) == {"procurement-act-2023", "eu-2003-361", "companies-act-2006",
                                "companies-act-2006-2025", "islington-2020"}
    for rid, rule in size_rules.RULES.items():
        assert rule.id == rid and rule.name and len(rule.source) > 80
    assert "s.123" in size_rules.RULES["procurement-act-2023"].source
    assert "EU 2003/361" in size_rules.RULES["procurement-act-2023"].source


def test_is_sme():
    s = pd.Series(["micro", "small", "medium", "large", "unknown"])
    assert sizes.is_sme(s).tolist() == [True, True, True, False, False]


def _reference_band(rule: size_rules.SizeRule, staff: float, turnover: float, balance: float) -> str:
    """The rule written out plainly, one firm at a time, to check the vectorised version."""
    lims = rule.limits()

    def within(value: float, limit: float | None, inclusive: bool) -> bool | None:
        if limit is None or np.isnan(value):
            return None
        return bool(value <= limit) if inclusive else bool(value < limit)

    for name, lim in zip(("micro", "small", "medium"), lims, strict=True):
        s = within(staff, lim.staff, rule.staff_inclusive)
        t = within(turnover, lim.turnover, rule.money_inclusive)
        b = within(balance, lim.balance_sheet, rule.money_inclusive)
        known = [x for x in (s, t, b) if x is not None]
        if not known:
            return "unknown"
        if rule.test == "staff-and-money":
            money = [x for x in (t, b) if x is not None]
            ok = (s is None or s) and (not money or any(money))
        else:
            # three figures: two of three; two: both (the larger band); one: that one
            ok = sum(known) >= 2 if len(known) == 3 else all(known)
        if ok:
            return name
    return "large"


@pytest.mark.parametrize("rule", list(size_rules.RULES))
def test_vectorised_matches_a_plain_reading_of_the_rule(rule):
    rng = np.random.default_rng(7)
    n = 3000
    staff = rng.choice([NAN, 0, 5, 9, 10, 11, 30, 49, 50, 51, 100, 249, 250, 251, 900], n)
    money = [NAN, 300_000, 316_000, 500_000, 632_000, 1 * M, 1_700_000, 2 * M, 2 * M + 1, 5_100_000,
             7_500_000, 8_500_000, 10 * M, 10_200_000, 15 * M, 18 * M, 27 * M, 36 * M, 38 * M,
             42_500_000, 44 * M, 50 * M, 54 * M, 90 * M]
    turnover = rng.choice(money, n)
    balance = rng.choice(money, n)
    out = sizes.size_band(pd.Series(staff), pd.Series(turnover), pd.Series(balance), rule)
    r = size_rules.RULES[rule]
    expected = [_reference_band(r, *row) for row in zip(staff, turnover, balance, strict=True)]
    assert out["size_band"].tolist() == expected
    assert set(out["size_strength"]) <= set(sizes.STRENGTHS)
    assert ((out["size_band"] == "unknown") == (out["size_strength"] == "")).all()


# --- proxies ----------------------------------------------------------------------------------

def test_accounts_categories():
    cats = pd.Series(["MICRO ENTITY", "SMALL", "TOTAL EXEMPTION SMALL", "TOTAL EXEMPTION FULL",
                      "UNAUDITED ABRIDGED", "MEDIUM", "FULL", "GROUP", "DORMANT",
                      "AUDIT EXEMPTION SUBSIDIARY", "NO ACCOUNTS FILED", "ACCOUNTS TYPE NOT AVAILABLE",
                      " micro  entity ", "", None, "SOMETHING NEW"])
    out = sizes.band_from_accounts_category(cats)
    assert out["size_band"].tolist() == [
        "micro", "small", "small", "small", "small", "medium", "unknown", "unknown", "unknown",
        "unknown", "unknown", "unknown", "micro", "unknown", "unknown", "unknown"]
    assert out["size_strength"].tolist()[:6] == ["weak"] * 6
    assert (out["size_strength"][out["size_band"] == "unknown"] == "").all()
    assert out["size_evidence"].iloc[0] == ("Companies House accounts category MICRO ENTITY "
                                            "(micro-entity accounts; weak evidence)")
    assert out["size_evidence"].iloc[6] == ("Companies House accounts category FULL: "
                                            "files full accounts (size not implied)")
    assert out["size_evidence"].iloc[13] == "no Companies House accounts category"
    assert out["size_evidence"].iloc[15] == "Companies House accounts category 'SOMETHING NEW' not recognised"


def test_charity_income_is_weak():
    out = sizes.band_from_income(pd.Series([1_500_000, 1_500_000, 60 * M, NAN]), "procurement-act-2023")
    assert out["size_band"].tolist() == ["micro", "micro", "large", "unknown"]
    assert out["size_strength"].tolist() == ["weak", "weak", "weak", ""]
    assert out["size_evidence"].iloc[0] == ("charity income £1,500,000: micro under Procurement Act 2023 "
                                            "(income taken as turnover; staff not known: weak evidence)")
    assert out["size_evidence"].iloc[3] == "no charity income figure"
    assert sizes.band_from_income(pd.Series([2 * M]), "islington-2020")["size_band"].iloc[0] == "small"


def test_not_sme():
    out = sizes.not_sme(pd.Series([True, False, None]), "public limited company: not an SME")
    assert out["size_band"].tolist() == ["large", "unknown", "unknown"]
    assert out["size_strength"].tolist() == ["weak", "", ""]
    assert out["size_evidence"].tolist() == ["public limited company: not an SME", "", ""]


# --- combine ------------------------------------------------------------------------------------

def test_combine_priority_and_conflicts():
    supplier = sizes.size_band(pd.Series([20, NAN, NAN, NAN]), pd.Series([NAN, NAN, NAN, NAN]),
                               pd.Series([NAN, NAN, NAN, NAN]))
    plc = sizes.not_sme(pd.Series([False, False, True, False]), "public limited company: not an SME")
    ch = sizes.band_from_accounts_category(pd.Series(["MICRO ENTITY", "SMALL", "SMALL", "FULL"]))
    out = sizes.combine(supplier, plc, ch, sources=["supplier file", "legal form", "Companies House"])
    assert out["size_band"].tolist() == ["small", "small", "large", "unknown"]
    assert out["size_source"].tolist() == ["supplier file", "Companies House", "legal form", ""]
    assert out["size_strength"].tolist() == ["partial", "weak", "weak", ""]
    assert out["size_conflict"].iloc[0] == (
        "supplier file says small; Companies House says micro (Companies House accounts category "
        "MICRO ENTITY (micro-entity accounts; weak evidence))")
    assert out["size_conflict"].iloc[1] == ""
    assert out["size_conflict"].iloc[2].startswith("legal form says large; Companies House says small")
    assert out["size_evidence"].iloc[3] == ("no staff, turnover or balance sheet figures; "
                                            "Companies House accounts category FULL: files full accounts "
                                            "(size not implied)")


def test_combine_order_matters_and_labels():
    a = sizes.band_from_accounts_category(pd.Series(["MICRO ENTITY"]))
    b = sizes.band_from_accounts_category(pd.Series(["MEDIUM"]))
    assert sizes.combine(a, b)["size_band"].iloc[0] == "micro"
    out = sizes.combine(b, a)
    assert out["size_band"].iloc[0] == "medium"
    assert out["size_conflict"].iloc[0].startswith("source 1 says medium; source 2 says micro")
    with pytest.raises(ValueError):
        sizes.combine(a, b, sources=["only one"])
    with pytest.raises(ValueError):
        sizes.combine()
