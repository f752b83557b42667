"""dashboard.py: a self-contained page; rendered in headless Chromium when it is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from spendkit.aggregate import report as R
from spendkit.money import money
from spendkit.output.dashboard import report_html, write_report

CHROMIUM = next((p for p in ("chromium", "chromium-browser", "google-chrome") if shutil.which(p)), None)


@pytest.fixture(scope="module")
def page(result, tmp_path_factory) -> tuple[Path, str]:
    rep = R.build_report(result, by=["month"])
    path = tmp_path_factory.mktemp("dash") / "dashboard.html"
    write_report(rep, path)
    return path, path.read_text(encoding="utf-8")


def test_self_contained_and_deterministic(page, result) -> None:
    _path, text = page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "@import" not in text and "url(" not in text
    assert "default-src 'none'" in text  # the page may load nothing
    assert report_html(R.build_report(result, by=["month"])) == text
    assert text.count("<svg") == 4  # three class families and the months
    assert money(result.summary()["reconciliation"]["pence_counted"]) in text


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install "
                                             "chromium); the rendering test needs it")
def test_renders_in_headless_chromium_without_script_errors(page, result, tmp_path: Path) -> None:
    path, _ = page
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--enable-logging=stderr", "--v=0", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=2000", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=60)
    dom, log = proc.stdout, proc.stderr
    assert proc.returncode == 0, log[-2000:]
    # The inline script ran to its end: it writes this marker last.
    assert '<span id="rendered" hidden="">rendered</span>' in dom
    assert "Uncaught" not in log and "Refused to" not in log, log[-2000:]
    head = result.summary()["headline"]
    total = money(result.summary()["reconciliation"]["pence_counted"])
    assert re.search(r'id="total-spend">' + re.escape(total) + "<", dom)
    assert re.search(r'id="local-share">' + re.escape(f"{head['local_share'] * 100:.1f}%") + "<", dom)
    assert re.search(r'id="sme-share">' + re.escape(f"{head['sme_share'] * 100:.1f}%") + "<", dom)
    assert "Calderstone Care Group PLC" in dom and "<svg" in dom
