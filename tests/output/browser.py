"""Headless Chromium driven over its DevTools protocol on a pipe (``--remote-debugging-pipe``:
commands on the browser's file descriptor 3, replies on 4, each a JSON text ended by a NUL):
open a page at a given width, run a script in it, take a full-page screenshot. Only the
standard library and the system's Chromium (Debian: apt-get install chromium); no download.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

CHROMIUM = next((p for p in ("chromium", "chromium-browser", "google-chrome") if shutil.which(p)), None)
SKIP_REASON = "Chromium is not installed (Debian: apt-get install chromium); the rendering test needs it"


class Browser:
    """One headless Chromium; ``open`` a page per width."""

    def __init__(self, profile: Path, timeout: float = 60) -> None:
        assert CHROMIUM is not None
        self.timeout = timeout
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def fds() -> None:  # in the child: the pipe ends where Chromium expects them
            # (moved above 10 first: a pipe end may itself be 3 or 4)
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child_r, from_child_w)]
            for fd, want in zip(high, (3, 4), strict=True):
                os.dup2(fd, want, inheritable=True)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--disable-background-networking", "--no-first-run", "--hide-scrollbars",
             "--disable-extensions", "--mute-audio", f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=fds, close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []

    # ------------------------------------------------------------ protocol

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None
             ) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)
        raise TimeoutError(method)

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe: " + self.proc.stderr.read().decode()[-2000:]
                                   if self.proc.stderr else "")
            self._buffer += chunk
        text, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(text)

    # ------------------------------------------------------------ pages

    def open(self, url: str, width: int, height: int = 900, *, mobile: bool = False) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
                  session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        deadline = time.monotonic() + self.timeout
        while page.evaluate("document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise TimeoutError(url)
            time.sleep(0.05)
        return page

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError, TimeoutError):
            self.send("Browser.close")
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_child)
        os.close(self._from_child)


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser, self.session = browser, session

    def evaluate(self, expression: str) -> Any:
        got = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                     "awaitPromise": True}, self.session)
        if "exceptionDetails" in got:
            raise RuntimeError(json.dumps(got["exceptionDetails"])[:2000])
        return got["result"].get("value")

    def errors(self) -> list[str]:
        """Script errors and console errors (a Content-Security-Policy refusal among them)."""
        out = []
        for ev in self.browser.events:
            if ev.get("sessionId") != self.session:
                continue
            if ev.get("method") == "Runtime.exceptionThrown":
                out.append(json.dumps(ev["params"]["exceptionDetails"])[:500])
            elif ev.get("method") == "Log.entryAdded" and ev["params"]["entry"]["level"] == "error":
                out.append(ev["params"]["entry"]["text"])
        return out

    def screenshot(self, path: Path) -> None:
        """The whole page, not only the window, as PNG."""
        size = self.browser.send("Page.getLayoutMetrics", session=self.session)["cssContentSize"]
        shot = self.browser.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}},
            self.session)
        path.write_bytes(base64.b64decode(shot["data"]))

    def print_pdf(self) -> bytes:
        got = self.browser.send("Page.printToPDF", {"printBackground": True}, self.session)
        return base64.b64decode(got["data"])


# What the tests measure in the page: horizontal overflow, and every visible piece of text's
# rendered font size (for SVG text: its font size times the SVG's scale on screen).
MEASURE = r"""
(() => {
  const small = [], seen = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    if (!text) continue;
    const el = node.parentElement;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (!range.getClientRects().length || box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    let px = parseFloat(style.fontSize);
    if (el instanceof SVGElement) {
      const m = el.getScreenCTM();
      px *= Math.sqrt(m.c * m.c + m.d * m.d);
    }
    seen.push(px);
    if (px < 11) small.push({text: text.slice(0, 40), px: px});
  }
  const doc = document.documentElement;
  const wide = [];
  document.querySelectorAll("body *").forEach(el => {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > innerWidth + 0.5 && !el.closest(".scroll")) wide.push(el.tagName + "." + el.className);
  });
  const boxes = Array.from(document.querySelectorAll(".scroll")).map(b => ({
    overflow: getComputedStyle(b).overflowX, scrolls: b.scrollWidth > b.clientWidth,
    right: b.getBoundingClientRect().right}));
  return {scrollWidth: doc.scrollWidth, innerWidth: innerWidth, small: small,
          minPx: Math.min(...seen), texts: seen.length, wide: wide.slice(0, 10), boxes: boxes,
          svgTexts: document.querySelectorAll("svg text").length,
          rendered: (document.getElementById("rendered") || {}).textContent || ""};
})()
"""
