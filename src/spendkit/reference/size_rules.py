"""Size rules as data: the laws and definitions that say which firm is micro, small or medium.

``decide.sizes`` applies them (``size_band``); this module only knows them. Each rule has its
ceilings (staff, turnover, balance-sheet total), its test (staff and money, or two of three),
whether a ceiling is "not more than" or "fewer than", and its source in words.

    rule = get_rule("procurement-act-2023")
    rule.limits()       # the micro, small and medium ceilings in pounds
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from spendkit.errors import ConfigError

# A fixed rate, so that a supplier's band does not move with the exchange rate from one run to
# the next: a round figure near the annual averages of 2023-2025 (about £0.85 to the euro).
# A team that prefers another rate builds its own rule: dataclasses.replace(rule, eur_to_gbp=...).
EUR_TO_GBP = 0.85


@dataclass(frozen=True)
class Limits:
    """The ceiling of one band: staff, turnover and balance-sheet total (None: not a test)."""

    staff: float
    turnover: float | None
    balance_sheet: float | None


@dataclass(frozen=True)
class SizeRule:
    """A size definition. Money limits are in ``currency`` (converted with ``eur_to_gbp``).

    ``test``: ``staff-and-money`` means within the staff limit AND (turnover OR balance sheet)
    within theirs; ``two-of-three`` means at least two of staff, turnover and balance sheet
    within their limits (the Companies Act test).
    ``staff_inclusive``/``money_inclusive``: True for "not more than" (≤), False for "fewer
    than"/"under" (<).
    """

    id: str
    name: str
    source: str
    test: Literal["staff-and-money", "two-of-three"]
    micro: Limits
    small: Limits
    medium: Limits
    staff_inclusive: bool
    money_inclusive: bool
    currency: Literal["GBP", "EUR"] = "GBP"
    eur_to_gbp: float = 1.0

    def limits(self) -> tuple[Limits, Limits, Limits]:
        """The micro, small and medium ceilings in pounds."""
        rate = self.eur_to_gbp if self.currency == "EUR" else 1.0

        def pounds(v: float | None) -> float | None:
            return None if v is None else round(v * rate, 2)

        return tuple(Limits(lim.staff, pounds(lim.turnover), pounds(lim.balance_sheet))
                     for lim in (self.micro, self.small, self.medium))  # type: ignore[return-value]


M = 1_000_000

RULES: dict[str, SizeRule] = {
    "procurement-act-2023": SizeRule(
        id="procurement-act-2023",
        name="Procurement Act 2023",
        source=("Procurement Act 2023 s.123(1): a small and medium-sized enterprise is a supplier "
                "that has fewer than 250 staff, and has a turnover less than or equal to £44m or a "
                "balance sheet total less than or equal to £38m. The Act does not define micro or "
                "small: within SME, spendkit uses the EU 2003/361 ceilings, in pounds at par "
                "(micro: fewer than 10 staff and turnover or balance sheet ≤ £2m; small: fewer "
                "than 50 staff and turnover or balance sheet ≤ £10m)."),
        test="staff-and-money",
        micro=Limits(10, 2 * M, 2 * M),
        small=Limits(50, 10 * M, 10 * M),
        medium=Limits(250, 44 * M, 38 * M),
        staff_inclusive=False,
        money_inclusive=True,
    ),
    "eu-2003-361": SizeRule(
        id="eu-2003-361",
        name="EU Recommendation 2003/361",
        source=("Commission Recommendation 2003/361/EC, Annex art. 2 (as used by Crown Commercial "
                "Service and the Tussell index): micro fewer than 10 staff and turnover or balance "
                "sheet ≤ €2m; small fewer than 50 and ≤ €10m or ≤ €10m; medium fewer than 250 and "
                f"turnover ≤ €50m or balance sheet ≤ €43m. Euros converted at a fixed £{EUR_TO_GBP} "
                "per euro (spendkit's constant EUR_TO_GBP). The recommendation's group "
                "(partner/linked enterprise) test is not applied: no figures for it."),
        test="staff-and-money",
        micro=Limits(10, 2 * M, 2 * M),
        small=Limits(50, 10 * M, 10 * M),
        medium=Limits(250, 50 * M, 43 * M),
        staff_inclusive=False,
        money_inclusive=True,
        currency="EUR",
        eur_to_gbp=EUR_TO_GBP,
    ),
    "companies-act-2006": SizeRule(
        id="companies-act-2006",
        name="Companies Act 2006 (before 6 April 2025)",
        source=("Companies Act 2006 ss.382, 384A, 465 (financial years beginning before 6 April "
                "2025): two or more of turnover, balance sheet total and average employees not "
                "more than micro £632,000 / £316,000 / 10; small £10.2m / £5.1m / 50; medium "
                "£36m / £18m / 250. The two-consecutive-years rule and the exclusion of public "
                "and ineligible-group companies are not applied here (see not_sme)."),
        test="two-of-three",
        micro=Limits(10, 632_000, 316_000),
        small=Limits(50, 10_200_000, 5_100_000),
        medium=Limits(250, 36 * M, 18 * M),
        staff_inclusive=True,
        money_inclusive=True,
    ),
    "companies-act-2006-2025": SizeRule(
        id="companies-act-2006-2025",
        name="Companies Act 2006 (from 6 April 2025)",
        source=("Companies Act 2006 ss.382, 384A, 465 as amended by the Companies (Accounts and "
                "Reports) (Amendment and Transitional Provision) Regulations 2024 (financial years "
                "beginning on or after 6 April 2025): two or more of turnover, balance sheet total "
                "and average employees not more than micro £1m / £500,000 / 10; small £15m / "
                "£7.5m / 50; medium £54m / £27m / 250."),
        test="two-of-three",
        micro=Limits(10, 1 * M, 500_000),
        small=Limits(50, 15 * M, 7_500_000),
        medium=Limits(250, 54 * M, 27 * M),
        staff_inclusive=True,
        money_inclusive=True,
    ),
    "islington-2020": SizeRule(
        id="islington-2020",
        name="Islington 2020 strategy",
        source=("Islington Council progressive procurement strategy (2020): SMEs have fewer than "
                "250 employees and turnover under £50m; micro businesses under 10 staff and "
                "turnover under £2m. The strategy does not split small from medium: spendkit "
                "assumes small is under 50 staff and turnover under £10m. It has no balance-sheet "
                "test, so a balance-sheet figure is not used."),
        test="staff-and-money",
        micro=Limits(10, 2 * M, None),
        small=Limits(50, 10 * M, None),
        medium=Limits(250, 50 * M, None),
        staff_inclusive=False,
        money_inclusive=False,
    ),
}
DEFAULT_RULE = "procurement-act-2023"


def get_rule(rule: str | SizeRule) -> SizeRule:
    """A rule by its id (see ``RULES``); a SizeRule is returned as it is."""
    if isinstance(rule, SizeRule):
        return rule
    if rule not in RULES:
        raise ConfigError(f"Unknown size rule {rule!r}.", hint=f"Choose one of: {', '.join(RULES)}.")
    return RULES[rule]
