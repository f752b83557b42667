"""The recipes in docs/recipes/ run as written: each fenced sh/python block, in order, in a
fresh folder laid out like the repository (data/samples/...). A ```toml NAME block is written
to NAME. Other blocks (console, crontab) are shown, not run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECIPES = ROOT / "docs" / "recipes"
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)

# What each recipe's output must show, beyond every block succeeding.
EXPECT = {
    "cron.md": ["2025-03.csv", "2025-03.json", "2025-03.xlsx", "exit status: 3",
                "exports/2025-04.csv", "identical", "reported £40,215,717.66"],
    "annual.md": ["2024-04.csv", "2025-03.csv", "In financial year 2024/25 the council spent £40.2m",
                  "£6.3m (15.8%) with Wigan-based payees", "twelve files = one file: 4021571766 pence"],
}


def blocks(path: Path) -> list[tuple[str, str, str]]:
    """(language, argument, code) for each fenced block."""
    out = []
    for info, code in FENCE.findall(path.read_text(encoding="utf-8")):
        lang, _, arg = info.strip().partition(" ")
        out.append((lang, arg.strip(), code))
    return out


def run_recipe(path: Path, folder: Path) -> str:
    (folder / "data").mkdir()
    shutil.copytree(ROOT / "data" / "samples", folder / "data" / "samples")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    log = []
    for lang, arg, code in blocks(path):
        if lang == "toml" and arg:
            (folder / arg).write_text(code, encoding="utf-8")
            continue
        if lang == "sh":
            cmd = ["bash", "-c", code]
        elif lang == "python":
            cmd = [sys.executable, "-c", code]
        else:
            continue
        proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=120)
        log.append(proc.stdout + proc.stderr)
        assert proc.returncode == 0, f"{path.name} block failed:\n{code}\n--- output ---\n{log[-1]}"
    return "\n".join(log)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_recipe_runs_as_written(name: str, tmp_path: Path) -> None:
    output = run_recipe(RECIPES / name, tmp_path)
    for text in EXPECT[name]:
        assert text in output, f"{name}: expected {text!r} in:\n{output}"


def test_every_recipe_is_tested() -> None:
    assert sorted(p.name for p in RECIPES.glob("*.md")) == sorted(EXPECT)
    for name in EXPECT:
        assert any(lang in ("sh", "python") for lang, _a, _c in blocks(RECIPES / name))
