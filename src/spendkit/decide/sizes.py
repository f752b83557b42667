"""Size bands (micro / small / medium / large / unknown) under a named rule, whole columns at a time.

Every function returns a DataFrame with the same index as its input and three columns:

* ``size_band``: one of ``BANDS``;
* ``size_evidence``: a sentence saying why ("42 staff and turnover £3,100,000: small under
  Procurement Act 2023");
* ``size_strength``: ``strong`` (staff and money figures decide), ``partial`` (only some of
  the figures the rule uses are known), ``weak`` (a proxy: Companies House accounts category,
  charity income, legal form) or ``""`` (the band is unknown).

Nothing is assumed: with no figures the band is ``unknown``. Where the known figures point to
different bands, a firm is only as small as *all* its known figures allow (the larger band
wins) and the evidence says the figures disagree. ``combine`` merges several sources in
priority order and records where a weaker source disagrees with the winner. The rules
themselves (ceilings, tests, sources) are in ``reference.size_rules``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from spendkit.decide.precedence import first_known, joined, layers
from spendkit.distinct import on_distinct_rows
from spendkit.normalise.values import SPACES
from spendkit.reference.size_rules import DEFAULT_RULE, SizeRule, get_rule

BANDS = ("micro", "small", "medium", "large", "unknown")
SME_BANDS = ("micro", "small", "medium")
STRENGTHS = ("strong", "partial", "weak", "")
COLUMNS = ["size_band", "size_evidence", "size_strength"]

_UNKNOWN = -1
_LARGE = 3
# "sme" (a flag or declaration) and a band within it say the same: no conflict either way round
_SME_AGREES = frozenset((a, b) for band in SME_BANDS for a, b in (("sme", band), (band, "sme")))


def is_sme(band: pd.Series) -> pd.Series:
    """True for micro, small and medium."""
    return band.isin(SME_BANDS)


# ---------------------------------------------------------------------------------------------
# Figures -> band


def size_band(employees: pd.Series, turnover_pounds: pd.Series, balance_sheet_pounds: pd.Series,
              rule: str | SizeRule = DEFAULT_RULE) -> pd.DataFrame:
    """Band each row from staff, turnover and balance-sheet figures (NaN: not known).

    * Staff and money known: the rule decides ("strong").
    * Only some figures known: the band they allow, and the evidence says which figures were
      missing ("partial").
    * None known: ``unknown``, "no staff, turnover or balance sheet figures".
    * Figures pointing to different bands: the larger band wins (a firm is only as small as all
      its known figures allow), flagged "staff and turnover disagree".
    Negative figures are treated as not known.
    """
    r = get_rule(rule)
    figures = pd.DataFrame({"staff": _figure(employees).to_numpy(), "turnover": _figure(turnover_pounds).to_numpy(),
                            "balance": _figure(balance_sheet_pounds).to_numpy()}, index=employees.index)
    return on_distinct_rows(lambda f: _size_band(f["staff"], f["turnover"], f["balance"], r), figures)


def _size_band(staff: pd.Series, turnover: pd.Series, balance: pd.Series, r: SizeRule) -> pd.DataFrame:
    index = staff.index
    lims = r.limits()
    ignored = pd.Series("", index=index, dtype="str")
    if lims[0].balance_sheet is None:
        ignored = ignored.mask(balance.notna(), "balance sheet " + _money_text(balance)
                               + f" not used by {r.name}")
        balance = pd.Series(np.nan, index=index)

    s_idx = _figure_band(staff, [lim.staff for lim in lims], r.staff_inclusive)
    t_idx = _figure_band(turnover, [lim.turnover for lim in lims], r.money_inclusive)
    b_idx = _figure_band(balance, [lim.balance_sheet for lim in lims], r.money_inclusive)
    test = _staff_and_money if r.test == "staff-and-money" else _two_of_three
    band, known, strong, disagree, other_idx, other_name = test(s_idx, t_idx, b_idx)

    band = np.where(known > 0, band, _UNKNOWN)
    out_band = np.array(BANDS)[np.where(band >= 0, band, 4)]
    evidence = _size_evidence(r, staff, turnover, balance, s_idx, t_idx, b_idx, out_band, known,
                              strong, disagree, other_idx, other_name)
    evidence = evidence.mask(ignored != "", evidence + " (" + ignored + ")")

    strength = np.select([known == 0, strong], ["", "strong"], "partial")
    return _frame(index, out_band, evidence, strength)


def _staff_and_money(s_idx: np.ndarray, t_idx: np.ndarray, b_idx: np.ndarray) -> tuple[np.ndarray, ...]:
    """The staff-and-money test, by band index (-1 unknown): (band, figures known, strong,
    disagree, the money figure's band and its name, which decided)."""
    has_s, has_t, has_b = s_idx >= 0, t_idx >= 0, b_idx >= 0
    has_money = has_t | has_b
    big = _LARGE + 1
    # Money: turnover OR balance sheet, so the smaller of the two known money bands.
    money = np.minimum(np.where(has_t, t_idx, big), np.where(has_b, b_idx, big))
    money = np.where(has_money, money, _UNKNOWN)
    band = np.maximum(s_idx, money)
    known = has_s.astype(int) + has_money
    strong = has_s & has_money
    disagree = strong & (s_idx != money)
    # Which money figure decided (turnover unless only the balance sheet allowed a smaller band).
    by_balance = has_b & (~has_t | (b_idx < t_idx))
    return band, known, strong, disagree, money, np.where(by_balance, "balance sheet", "turnover")


def _two_of_three(s_idx: np.ndarray, t_idx: np.ndarray, b_idx: np.ndarray) -> tuple[np.ndarray, ...]:
    """The two-of-three test (the Companies Act's), as ``_staff_and_money``."""
    has_t = t_idx >= 0
    stack = np.stack([s_idx, t_idx, b_idx])
    known = (stack >= 0).sum(axis=0)
    filled = np.where(stack >= 0, stack, _LARGE + 1)
    ordered = np.sort(filled, axis=0)
    # Two of three within a band's limits: with three figures the middle band decides; with
    # two, both must be within (the larger); with one, that one (partial evidence).
    band = np.select([known == 3, known == 2, known == 1],
                     [ordered[1], np.where(stack >= 0, stack, _UNKNOWN).max(axis=0), ordered[0]],
                     _UNKNOWN)
    two = known == 2
    spread = np.where(stack >= 0, stack, _UNKNOWN).max(axis=0) != ordered[0]
    strong = (known == 3) | (two & ~spread)
    disagree = two & spread
    # Name the pair that disagrees: staff with whichever money figure is known, or the two money figures.
    other_idx = np.where(has_t, t_idx, b_idx)
    other_name = np.where(has_t, "turnover", "balance sheet")
    return band, known, strong, disagree, other_idx, other_name


def _size_evidence(r: SizeRule, staff: pd.Series, turnover: pd.Series, balance: pd.Series,
                   s_idx: np.ndarray, t_idx: np.ndarray, b_idx: np.ndarray, out_band: np.ndarray,
                   known: np.ndarray, strong: np.ndarray, disagree: np.ndarray,
                   other_idx: np.ndarray, other_name: np.ndarray) -> pd.Series:
    """The evidence sentence per row: the figures, the band and rule, then what was partial or
    disagreed ("staff and turnover disagree (staff: small, turnover: medium): ...")."""
    index = staff.index
    names = np.array(BANDS)
    has_s, has_t, has_b = s_idx >= 0, t_idx >= 0, b_idx >= 0
    figures = _figure_text(staff, turnover, balance, has_s, has_t, has_b)
    head = figures + ": " + pd.Series(out_band, index=index) + " under " + r.name
    evidence = head.copy()
    partial = (known > 0) & ~strong & ~disagree
    only = pd.Series(_only_text(r, has_s, has_t, has_b), index=index, dtype="str")
    evidence = evidence.mask(partial, head + " (" + only + ")")
    first_name = np.where(has_s, "staff", "turnover")
    second_name = np.where(has_s, other_name, "balance sheet")
    first_idx = np.where(has_s, s_idx, t_idx)
    second_idx = np.where(has_s, other_idx, b_idx)
    clash = (pd.Series(first_name, index=index) + " and " + second_name + " disagree ("
             + first_name + ": " + names[np.clip(first_idx, 0, 4)] + ", " + second_name + ": "
             + names[np.clip(second_idx, 0, 4)] + "): the larger band applies")
    if r.test == "two-of-three":
        evidence = evidence.mask(disagree, head + " (" + only + "); " + clash)
    else:
        evidence = evidence.mask(disagree, head + "; " + clash)
    none = "no staff, turnover or balance sheet figures"
    if r.limits()[0].balance_sheet is None:
        none = "no staff or turnover figures"
    return evidence.mask(known == 0, none)


def band_from_income(income_pounds: pd.Series, rule: str | SizeRule = DEFAULT_RULE) -> pd.DataFrame:
    """A charity's latest income taken as its turnover: a band by money alone, "weak".

    Income is not turnover (grants and donations count) and a charity's staff are not known,
    so the band is a proxy and labelled as such.
    """
    r = get_rule(rule)
    income = _figure(income_pounds)
    nan = pd.Series(np.nan, index=income.index)
    base = size_band(nan, income, nan, r)
    known = income.notna()
    text = "charity income " + _money_text(income) + ": " + base["size_band"] + " under " + r.name
    evidence = text.where(known, "no charity income figure") + np.where(
        known, " (income taken as turnover; staff not known: weak evidence)", "")
    return _frame(income.index, base["size_band"].to_numpy(), evidence,
                  np.where(known, "weak", ""))


# ---------------------------------------------------------------------------------------------
# Proxies

# Companies House "accounts category" (AccountsCategory in the basic company data) -> band.
# The category is the accounts regime a company *chose* to file under, not a measurement, and it
# follows the Companies Act thresholds whatever rule the report uses: weak evidence, and an
# upper bound at most (a micro-entity may file small accounts). Categories that do not imply a
# size (full and group accounts are open to companies of any size; audit-exempt subsidiaries
# may belong to large groups; dormant companies are often subsidiaries of large groups) are
# unknown, with their reason.
ACCOUNTS_CATEGORIES: dict[str, tuple[str, str]] = {
    "MICRO ENTITY": ("micro", "micro-entity accounts"),
    "SMALL": ("small", "small company accounts"),
    "TOTAL EXEMPTION SMALL": ("small", "small company, exempt from audit"),
    "TOTAL EXEMPTION FULL": ("small", "exempt from audit, which only small companies may be"),
    "UNAUDITED ABRIDGED": ("small", "abridged accounts, which only small companies may file"),
    "AUDITED ABRIDGED": ("small", "abridged accounts, which only small companies may file"),
    "ABRIDGED": ("small", "abridged accounts, which only small companies may file"),
    "MEDIUM": ("medium", "medium-sized company accounts"),
    "FULL": ("unknown", "files full accounts (size not implied)"),
    "GROUP": ("unknown", "files group accounts (size not implied)"),
    "AUDIT EXEMPTION SUBSIDIARY": ("unknown", "subsidiary exempt from audit by its parent's "
                                              "guarantee (size not implied; may be part of a large group)"),
    "FILING EXEMPTION SUBSIDIARY": ("unknown", "subsidiary exempt from filing by its parent's "
                                               "guarantee (size not implied; may be part of a large group)"),
    "DORMANT": ("unknown", "dormant company accounts (size not implied)"),
    "PARTIAL EXEMPTION": ("unknown", "partial exemption accounts (size not implied)"),
    "INITIAL": ("unknown", "initial accounts (size not implied)"),
    "NO ACCOUNTS FILED": ("unknown", "no accounts filed"),
    "ACCOUNTS TYPE NOT AVAILABLE": ("unknown", "accounts type not available"),
}


def band_from_accounts_category(category: pd.Series) -> pd.DataFrame:
    """Companies House accounts category -> a weak band ("MICRO ENTITY" -> micro)."""
    key = category.fillna("").astype("str").str.upper().str.replace(SPACES, " ", regex=True).str.strip()
    band = key.map({k: v[0] for k, v in ACCOUNTS_CATEGORIES.items()}).fillna("unknown")
    why = key.map({k: v[1] for k, v in ACCOUNTS_CATEGORIES.items()})
    known = band != "unknown"
    evidence = ("Companies House accounts category " + key + " (" + why.fillna("") + "; weak evidence)")
    evidence = evidence.mask(~known & why.notna(), "Companies House accounts category " + key + ": "
                             + why.fillna(""))
    evidence = evidence.mask(why.isna(), "Companies House accounts category '" + key + "' not recognised")
    evidence = evidence.mask(key == "", "no Companies House accounts category")
    return _frame(category.index, band.to_numpy(), evidence, np.where(known, "weak", ""))


def not_sme(reason: pd.Series, why: str, strength: str = "weak") -> pd.DataFrame:
    """Rows where ``reason`` is True are ``large`` with evidence ``why``; the rest unknown.

    For what DOMAIN.md says is never an SME although its figures are not known: a public limited
    company (the Companies Act excludes public companies from the small and medium regimes) or a
    member of a large group (``not_sme(is_plc, "public limited company: not an SME")``). Without
    figures this is a proxy, so "weak" by default; put it after any figures in ``combine`` and a
    disagreeing figure will show as a conflict.
    """
    if strength not in STRENGTHS or strength == "":
        raise ValueError(f"strength must be one of strong, partial, weak (not {strength!r})")
    hit = reason.fillna(False).astype(bool).to_numpy()
    return _frame(reason.index, np.where(hit, "large", "unknown"),
                  pd.Series(np.where(hit, why, ""), index=reason.index, dtype="str"),
                  np.where(hit, strength, ""))


# ---------------------------------------------------------------------------------------------
# Several sources -> one


def combine(*frames: pd.DataFrame, sources: Sequence[str] | None = None) -> pd.DataFrame:
    """Merge size frames given in priority order: the first band that is not unknown wins.

    Returns the winner's ``size_band``, ``size_evidence`` and ``size_strength``, plus
    ``size_source`` (the winning source's label, "" when unknown) and ``size_conflict``: where a
    lower-priority source gives another (known) band, e.g. "supplier file says small;
    Companies House says micro (Companies House accounts category MICRO ENTITY ...)".
    Where every source is unknown, their evidence is joined with "; ".
    """
    if not frames:
        raise ValueError("combine() needs at least one size frame")
    labels = list(sources) if sources is not None else [f"source {i + 1}" for i in range(len(frames))]
    if len(labels) != len(frames):
        raise ValueError(f"{len(frames)} frames but {len(labels)} source labels")
    index = frames[0].index
    aligned = [f.reindex(index) for f in frames]
    bands, evidence, strength = (layers(aligned, c, missing) for c, missing in (
        ("size_band", "unknown"), ("size_evidence", ""), ("size_strength", "")))
    won = first_known(bands, labels, evidence, strength, agree=_SME_AGREES)
    # Where no source knows, the evidence is every source's reason, joined.
    undecided = np.flatnonzero(won.source == "")
    won.evidence[undecided] = joined(evidence[:, undecided])
    conflict = np.where(won.conflict == "", "", won.source + " says " + won.value + "; " + won.conflict)
    out = pd.DataFrame({"size_band": won.value, "size_evidence": won.evidence,
                        "size_strength": won.extra[0], "size_source": won.source,
                        "size_conflict": conflict}, index=index)
    return out.astype("str")


# ---------------------------------------------------------------------------------------------
# Helpers


def _figure(values: pd.Series) -> pd.Series:
    """Numbers as float64, NaN where missing, unreadable or negative."""
    v = pd.to_numeric(values, errors="coerce").astype("float64")
    return v.where(v >= 0)


def _figure_band(values: pd.Series, limits: list[float | None], inclusive: bool) -> np.ndarray:
    """0 micro .. 3 large by one figure alone; -1 where the figure (or its test) is missing."""
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    if limits[0] is None:
        return np.full(len(v), _UNKNOWN)
    idx = np.zeros(len(v), dtype=np.int64)
    for lim in limits:
        within = v <= lim if inclusive else v < lim  # type: ignore[operator]
        idx += ~within
    return np.where(np.isnan(v), _UNKNOWN, idx)


def _thousands(whole: pd.Series) -> pd.Series:
    """Non-negative integers -> '1,234,567' (arithmetic on groups of three digits, no regex)."""
    v = whole.to_numpy(dtype=np.int64)
    index = whole.index

    def group(values: np.ndarray, padded: np.ndarray) -> pd.Series:
        g = pd.Series(values % 1000, index=index).astype("str")
        return g.where(~padded, g.str.zfill(3))

    text = group(v, v >= 1000)
    rest = v // 1000
    while (rest > 0).any():
        text = (group(rest, rest >= 1000) + "," + text).where(rest > 0, text)
        rest = rest // 1000
    return text


def _money_text(values: pd.Series) -> pd.Series:
    """£1,234,567 (whole pounds) or £1,234,567.01; "" where missing."""
    known = values.notna()
    pence = (values.fillna(0) * 100).round().astype(np.int64)
    whole = _thousands(pence // 100)
    frac = (pence % 100).astype("str").str.zfill(2)
    text = ("£" + whole).where(frac == "00", "£" + whole + "." + frac)
    return text.where(known, "").astype("str")


def _staff_text(values: pd.Series) -> pd.Series:
    known = values.notna()
    tenths = (values.fillna(0) * 10).round().astype(np.int64)
    whole = _thousands(tenths // 10)
    frac = (tenths % 10).astype("str")
    text = (whole + " staff").where(frac == "0", whole + "." + frac + " staff")
    return text.where(known, "").astype("str")


def _figure_text(staff: pd.Series, turnover: pd.Series, balance: pd.Series,
                 has_s: np.ndarray, has_t: np.ndarray, has_b: np.ndarray) -> pd.Series:
    """'42 staff, turnover £3,100,000 and balance sheet £900,000' (only the known figures)."""
    a = _staff_text(staff)
    b = ("turnover " + _money_text(turnover)).where(has_t, "")
    c = ("balance sheet " + _money_text(balance)).where(has_b, "")
    sep_ab = np.select([has_s & has_t & has_b, has_s & has_t], [", ", " and "], "")
    sep_bc = np.where(has_b & (has_s | has_t), " and ", "")
    return (a + sep_ab + b + sep_bc + c).astype("str")


def _only_text(rule: SizeRule, has_s: np.ndarray, has_t: np.ndarray, has_b: np.ndarray) -> np.ndarray:
    """Why the evidence is partial, in words."""
    if rule.test == "two-of-three":
        return np.select([has_s & ~has_t & ~has_b, has_t & ~has_s & ~has_b,
                          has_b & ~has_s & ~has_t, ~has_s, ~has_t],
                         ["staff only: no turnover or balance sheet figure",
                          "turnover only: no staff or balance sheet figure",
                          "balance sheet only: no staff or turnover figure",
                          "no staff figure", "no turnover figure"], "no balance sheet figure")
    money_words = "turnover or balance sheet" if rule.micro.balance_sheet is not None else "turnover"
    return np.select([has_s, has_t & ~has_b, has_b & ~has_t],
                     [f"staff only: no {money_words} figure", "turnover only: no staff figure",
                      "balance sheet only: no staff figure"],
                     "turnover and balance sheet only: no staff figure")


def _frame(index: pd.Index, band: np.ndarray, evidence: pd.Series | np.ndarray,
           strength: np.ndarray) -> pd.DataFrame:
    ev = evidence.to_numpy() if isinstance(evidence, pd.Series) else evidence
    return pd.DataFrame({
        "size_band": pd.Series(band, index=index, dtype="str"),
        "size_evidence": pd.Series(ev, index=index, dtype="str"),
        "size_strength": pd.Series(strength, index=index, dtype="str"),
    }, index=index)
