"""Terminal tables: print_classify and print_report onto a recording console."""

from __future__ import annotations

import copy
import re
from types import SimpleNamespace

import pytest
from rich.console import Console

from spendkit.output.render import print_classify, print_report
from spendkit.report import build_report

# data/samples/README.md: rows with a readable amount and date (what a whole-row reader counts),
# and every readable amount.
COUNTED_PENCE = 4_021_571_766
READ_PENCE = 4_022_349_683


def render(printer, thing, *, verbose: bool = True) -> str:
    console = Console(record=True, width=160, color_system=None)
    printer(thing, console, verbose=verbose)
    return " ".join(console.export_text().split())  # lines re-joined: wrapping does not matter


def pounds_text(pence: int) -> str:
    """'£1,234.56', written here independently of spendkit.money."""
    whole, part = divmod(abs(pence), 100)
    return f"{'-' if pence < 0 else ''}£{whole:,}.{part:02d}"


@pytest.fixture(scope="module")
def summary(result) -> dict:
    return result.summary()


@pytest.fixture(scope="module")
def report(result):
    return build_report(result)


def test_classify_prints_the_summary_totals(summary) -> None:
    text = render(print_classify, summary)
    rec = summary["reconciliation"]
    assert rec["pence_counted"] == COUNTED_PENCE and rec["pence_read"] == READ_PENCE
    assert pounds_text(COUNTED_PENCE) == "£40,215,717.66"
    for family in ("geography", "size", "sector"):
        total = sum(v["pence"] for v in summary[family].values())
        assert total == COUNTED_PENCE
        assert re.search(r"Total[ │|]+£40,215,717\.66", text), family
        for cls in summary[family].values():
            assert pounds_text(cls["pence"]) in text
    assert (f"{pounds_text(READ_PENCE)} read = {pounds_text(COUNTED_PENCE)} counted + "
            f"{pounds_text(READ_PENCE - COUNTED_PENCE)} rejected: reconciled") in text
    assert "Rows: 3,000 read = 2,994 counted + 6 rejected" in text
    assert f"Influenceable spend {pounds_text(summary['headline']['influenceable_pence'])}" in text
    assert "DOES NOT RECONCILE" not in text


def test_classify_not_verbose_prints_place_only(summary) -> None:
    text = render(print_classify, summary, verbose=False)
    assert "Spend by place: Wigan" in text
    assert "Spend by size" not in text and "Spend by sector" not in text
    assert "reconciled" in text


def test_classify_unbalanced_does_not_say_reconciled(summary) -> None:
    broken = copy.deepcopy(summary)
    broken["reconciliation"]["balanced"] = False
    broken["reconciliation"]["pence_counted"] -= 1
    text = render(print_classify, broken)
    assert "reconciled" not in text
    assert "DOES NOT RECONCILE" in text
    assert f"{pounds_text(COUNTED_PENCE - 1)} counted" in text


def test_report_prints_its_totals(report) -> None:
    text = render(print_report, report)
    head, rec = report.headline, report.reconciliation()
    assert head["pence"] == COUNTED_PENCE
    assert f"Spend report: Wigan, {report.period['label']}: £40,215,717.66" in text
    assert f"({pounds_text(head['denominator_pence'])})" in text
    for section in report.class_totals().values():
        for cls in section.values():
            assert pounds_text(cls["pence"]) in text
    assert (f"Classified {pounds_text(rec['pence_counted'])} (2,994 rows) = reported "
            f"{pounds_text(rec['pence_reported'])} (2,994)") in text
    assert text.endswith(": reconciled")


def test_report_breakdown_months_are_printed_and_add_up(result) -> None:
    rep = build_report(result, by=["month"])
    text = render(print_report, rep, verbose=False)
    b = next(b for b in rep.breakdowns if b.family == "geography")
    assert b.title in text
    # Each month's spend appears, and they add up to the counted pence.
    assert int(b.table["pence"].sum()) == COUNTED_PENCE
    for pence in b.table["pence"]:
        assert pounds_text(int(pence)) in text


def test_report_unbalanced_does_not_say_reconciled(report) -> None:
    rec = copy.deepcopy(report.reconciliation())
    rec["balanced"] = False
    fake = SimpleNamespace(summary=report.summary, headline=report.headline, period=report.period,
                           class_totals=report.class_totals, breakdowns=report.breakdowns,
                           trends=report.trends, reconciliation=lambda: rec)
    text = render(print_report, fake)
    assert "reconciled" not in text
    assert text.endswith(": DOES NOT RECONCILE")
