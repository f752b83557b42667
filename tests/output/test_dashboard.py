"""dashboard.py: self-contained pages (report, ranking, league) that show the place and method,
the rejected rows, the input files and the coverage; rendered in headless Chromium at a
phone's width (390 px) and a wide screen's (1,400 px) when Chromium is installed: nothing
overflows sideways, no visible text (SVG text included, as rendered) is under 11 px, wide
tables scroll inside their own box, and the inline script runs without an error.

Screenshots of every page at both widths (and the report printed to PDF) are kept in
``tests/artifacts/dashboard/`` (ignored by git; ``SPENDKIT_ARTIFACTS`` names another folder).
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest

from spendkit.aggregate import report as R
from spendkit.aggregate.rank import rank_result
from spendkit.api import league
from spendkit.money import money
from spendkit.output.dashboard import report_html, write_league, write_ranking, write_report
from tests.output.browser import CHROMIUM, MEASURE, SKIP_REASON, Browser

ARTIFACTS = Path(os.environ.get("SPENDKIT_ARTIFACTS") or Path(__file__).parents[1] / "artifacts") / "dashboard"
PEERS = "name,local_share,sub_regional_share,sme_share,vcfse_share\nPeer A,20%,5%,30%,4%\n"
WIDTHS = (390, 1400)


@pytest.fixture(scope="module")
def pages(result, samples: Path, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("dash")
    out = {name: folder / f"{name}.html" for name in ("report", "ranking", "league", "unsure")}
    write_report(R.build_report(result, by=["month"]), out["report"])
    write_report(R.build_report(unsure(result), by=["month"]), out["unsure"])
    write_ranking(rank_result(result), out["ranking"])
    (folder / "peers.csv").write_text(PEERS, encoding="utf-8")
    manifest = folder / "league.toml"
    manifest.write_text('title = "North West sample"\npeers = "peers.csv"\n' + "".join(
        f'[[organisation]]\nname = "Sample ({p})"\nplace = "{p}"\n'
        f'ledgers = ["{(samples / "ledger.csv").as_posix()}"]\n'
        f'suppliers = "{(samples / "suppliers.csv").as_posix()}"\n' for p in ("Wigan", "Bolton")),
        encoding="utf-8")
    write_league(league(manifest, fy="2024/25"), out["league"])
    return out


def unsure(result):
    """The sample's result under a threshold no figure reaches: every share lacks evidence."""
    settings = result.settings.model_copy(deep=True)
    settings.headline.min_coverage = 1.0
    return dataclasses.replace(result, settings=settings)


def test_headline_cards_say_how_much_is_known(pages, result) -> None:
    """A share's card says the share of spend it is known for; below the threshold the card
    says 'not enough evidence' and the bounds, never a share as if known."""
    head = R.build_report(result, by=["month"]).headline
    card = re.search(r'id="local-share">([^<]*)</div><div class="l">([^<]*)<', text(pages["report"]))
    assert card.group(1) == f"{head['local']['share'] * 100:.1f}%"
    assert f"known for {head['local']['coverage'] * 100:.1f}% of spend" in card.group(2)
    page = text(pages["unsure"])
    for key in ("local", "local-or-sub-regional", "sme", "vcfse"):
        card = re.search(rf'id="{key}-share">([^<]*)</div><div class="l">([^<]*)<', page)
        assert card.group(1) == "not enough evidence", key
        assert "between " in card.group(2), key


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_self_contained_and_deterministic(pages, result) -> None:
    for path in pages.values():
        page = text(path)
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
        assert "@import" not in page and "url(" not in page
        assert "default-src 'none'" in page  # the page may load nothing
        assert "@media print" in page and "@media (min-width:700px)" in page
    report = text(pages["report"])
    assert report_html(R.build_report(result, by=["month"])) == report
    assert report.count("<svg") == 2  # the months chart: its axis and its plot
    assert money(result.summary()["reconciliation"]["pence_counted"]) in report


def test_place_and_method_on_every_page(pages) -> None:
    for name, path in pages.items():
        meta = re.search(r'<dl class="meta" id="method">(.*?)</dl>', text(path))
        assert meta, name
        assert "<dt>Period</dt>" in meta.group(1), name
    assert "<dt>Place</dt><dd>Wigan (E08000010)</dd>" in text(pages["report"])
    assert "<dt>Place</dt><dd>Wigan</dd>" in text(pages["ranking"])
    assert "Suppliers ranked: Wigan" in text(pages["ranking"])
    league_page = text(pages["league"])
    assert "<dt>Method</dt><dd>spendkit:" in league_page and "financial year 2024/25" in league_page
    assert "<dt>Places</dt><dd>Sample (Wigan): Wigan; Sample (Bolton): Bolton</dd>" in league_page


def test_report_shows_rejected_rows_inputs_and_coverage(pages, result, samples: Path) -> None:
    page = text(pages["report"])
    rec = result.summary()["reconciliation"]
    assert rec["rows_rejected"] == 6  # the sample's: the section has something to show
    rejected = re.search(r'<section id="rejected">(.*?)</section>', page, re.S).group(1)
    assert f"<b>{rec['rows_rejected']:,}</b> row(s) rejected" in rejected
    assert money(rec["pence_rejected"]) in rejected
    for reason, n in rec["rejected_by_reason"].items():
        assert re.search(re.escape(reason.replace("'", "&#x27;")) + r"</td><td class=\"n\" data-v=\"" + str(n), rejected)
    inputs = re.search(r'<section id="inputs">(.*?)</section>', page, re.S).group(1)
    assert ">ledger.csv<" in inputs and "4,022,349,683" not in inputs
    assert money(rec["pence_read"]) in inputs and ">3,000<" in inputs
    assert str(samples) not in page and str(samples.parent) not in page  # names, never paths
    coverage = re.search(r'<section id="coverage">(.*?)</section>', page, re.S).group(1)
    totals = R.build_report(result, by=["month"]).class_totals()
    for fam, word in (("geography", "Place"), ("size", "Size"), ("sector", "Sector")):
        known = 1 - totals[fam]["unknown"]["share"]
        assert f"{word} known</span>" in coverage
        assert f"{known * 100:.1f}% · unknown {money(totals[fam]['unknown']['pence'])}" in coverage


def test_league_page_has_a_chart(pages) -> None:
    page = text(pages["league"])
    chart = re.search(r'<section id="league-chart">(.*?)</section>', page, re.S).group(1)
    for measure in ("Local", "SME"):
        assert f"<h3>{measure}" in chart
    # one bar per organisation and measure; the peer marked as published
    assert chart.count('class="bar-row"') >= 3 * 3
    assert "Peer A (published)" in chart and "Sample (Wigan)" in chart


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip(SKIP_REASON)
    b = Browser(tmp_path_factory.mktemp("chromium") / "profile")
    yield b
    b.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["report", "ranking", "league", "unsure"])
def test_renders_at_phone_and_wide_widths(browser, pages, name: str, width: int) -> None:
    page = browser.open(pages[name].as_uri(), width, mobile=width < 700)
    got = page.evaluate(MEASURE)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}-{width}.png"
    page.screenshot(shot)
    print(f"screenshot: {shot}")
    assert got["rendered"] == "rendered"  # the inline script ran to its end
    assert page.errors() == []  # no script error, nothing refused by the page's policy
    assert got["innerWidth"] == width
    assert got["scrollWidth"] <= got["innerWidth"], got["wide"]
    assert got["wide"] == []
    assert got["texts"] > 50 and got["small"] == [], got["small"]
    assert got["minPx"] >= 11
    for box in got["boxes"]:  # every table in its own scrolling box, inside the page
        assert box["overflow"] == "auto" and box["right"] <= width
    if name in ("report", "unsure"):
        assert got["svgTexts"] > 10  # the months chart's labels were measured too
    if name == "ranking" and width == 390:
        assert any(b["scrolls"] for b in got["boxes"])  # a wide table scrolls, not squeezed


def test_report_values_as_rendered(browser, pages, result) -> None:
    page = browser.open(pages["report"].as_uri(), 390, mobile=True)
    head = result.summary()["headline"]
    ids = page.evaluate('["total-spend", "local-share", "sme-share"].map('
                        'i => document.getElementById(i).textContent)')
    assert ids == [money(result.summary()["reconciliation"]["pence_counted"]),
                   f"{head['local_share'] * 100:.1f}%", f"{head['sme_share'] * 100:.1f}%"]
    assert "Calderstone Care Group PLC" in page.evaluate("document.body.innerText")


def test_report_prints(browser, pages) -> None:
    """Printed (A4-ish, Chromium's default paper): the page's print styles apply, and the
    report fits in a handful of pages."""
    page = browser.open(pages["report"].as_uri(), 1400)
    browser.send("Emulation.setEmulatedMedia", {"media": "print"}, page.session)
    assert page.evaluate('getComputedStyle(document.querySelector("section")).boxShadow') == "none"
    assert page.evaluate('getComputedStyle(document.querySelector(".scroll")).overflowX') == "visible"
    pdf = page.print_pdf()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    pages_printed = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages_printed <= 8, pages_printed  # 6 on Letter paper in Chromium 156


def test_months_chart_keeps_time_on_its_axis() -> None:
    """A month without payments is an empty column, not skipped (up to ten years of months)."""
    from spendkit.output.dashboard import _every_month

    got = _every_month([{"group": "2024-11", "local_pence": 5}, {"group": "2025-02", "local_pence": 7}],
                       ("local",))
    assert [(r["group"], r["local_pence"]) for r in got] == [
        ("2024-11", 5), ("2024-12", 0), ("2025-01", 0), ("2025-02", 7)]
    quarters = [{"group": "2024 Q1", "local_pence": 1}, {"group": "2024 Q3", "local_pence": 1}]
    assert _every_month(quarters, ("local",)) == quarters
    apart = [{"group": "1999-01", "local_pence": 1}, {"group": "2024-01", "local_pence": 1}]
    assert _every_month(apart, ("local",)) == apart
