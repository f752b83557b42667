"""The documentation matches the code: every command is documented and has help, every relative
link in README.md and docs/ leads to a file, and every `spendkit...` module the docs import or
name can be imported."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from spendkit.cli import app

ROOT = Path(__file__).resolve().parents[1]
CLI_DOC = ROOT / "docs" / "cli.md"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

FENCE = re.compile(r"^(```|~~~)[^\n]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.MULTILINE)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)  # http:, https:, mailto:...
IMPORT_LINE = re.compile(
    r"^\s*(?:from\s+(spendkit(?:\.\w+)*)\s+import\s+(.+)|import\s+(spendkit(?:\.\w+)*)\b.*)$")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
DOTTED = re.compile(r"^spendkit(?:\.[A-Za-z_]\w*)+$")


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ---------------------------------------------------------------- commands

def _commands() -> list[tuple[tuple[str, ...], Any]]:
    """Every registered command and sub-command, by its path below `spendkit` (groups too).
    (Typer may bring its own copy of click, so groups are known by their ``commands``.)"""
    out: list[tuple[tuple[str, ...], Any]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        if path:
            out.append((path, command))
        for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
            if not sub.hidden:
                walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return out


COMMANDS = _commands()


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"classify", "suppliers", "report", "rank", "league", "config", "config init"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_help(path: tuple[str, ...], command: Any) -> None:
    description = (command.help or "").strip()
    assert description, f"spendkit {' '.join(path)} has no description (its docstring or help=)"
    result = CliRunner().invoke(app, [*path, "--help"],
                                env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.split())
    first_words = " ".join(description.split()[:3])
    assert first_words in shown, f"--help does not show the description {description!r}:\n{result.output}"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_documented_in_cli_md(path: tuple[str, ...]) -> None:
    """Each command's full name is in a heading of docs/cli.md (a group's, in its sub-commands')."""
    full = " ".join(("spendkit", *path))
    lines = CLI_DOC.read_text(encoding="utf-8").splitlines()
    headings = [line for line in lines if line.startswith("#")]
    assert any(re.search(rf"`{re.escape(full)}(?:[ `]|$)", h) for h in headings), (
        f"docs/cli.md has no section for `{full}`")


# ---------------------------------------------------------------- links

def _without_code_blocks(text: str) -> str:
    return FENCE.sub("", text)


def _links(path: Path) -> list[str]:
    text = _without_code_blocks(path.read_text(encoding="utf-8"))
    text = INLINE_CODE.sub("", text)  # `[x](y)` written as code is not a link
    return INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)


LINKS = [(doc, target) for doc in DOCS for target in _links(doc)
         if not EXTERNAL.match(target) and not target.startswith("#")]


def test_docs_have_relative_links() -> None:
    assert LINKS, "no relative links found: the link pattern is broken"


@pytest.mark.parametrize(("doc", "target"), LINKS, ids=[f"{_rel(d)}->{t}" for d, t in LINKS])
def test_relative_link_points_to_a_file(doc: Path, target: str) -> None:
    file_part = target.split("#", 1)[0].split("?", 1)[0]
    resolved = (doc.parent / file_part).resolve()
    assert resolved.exists(), f"{_rel(doc)} links to {target}, which does not exist"


# ---------------------------------------------------------------- imports and module paths

def _imports() -> list[tuple[str, str, list[str]]]:
    """(document, module, names) for every `import spendkit...` / `from spendkit... import ...`
    line in a code block of README.md or docs/."""
    found = []
    for doc in DOCS:
        for _, block in FENCE.findall(doc.read_text(encoding="utf-8")):
            for line in block.splitlines():
                m = IMPORT_LINE.match(line.split("#", 1)[0].rstrip())
                if not m:
                    continue
                if m.group(1):
                    names = [n.strip().split(" as ")[0] for n in m.group(2).strip("() ").split(",")]
                    found.append((_rel(doc), m.group(1), [n for n in names if n]))
                else:
                    found.append((_rel(doc), m.group(3), []))
    return found


IMPORTS = _imports()


def test_docs_have_imports() -> None:
    assert any(module == "spendkit" for _, module, _ in IMPORTS)


@pytest.mark.parametrize(("doc", "module", "names"), IMPORTS,
                         ids=[f"{d}:{m}" for d, m, _ in IMPORTS])
def test_documented_import_works(doc: str, module: str, names: list[str]) -> None:
    imported = importlib.import_module(module)
    for name in names:
        assert hasattr(imported, name), f"{doc}: `from {module} import {name}`: no such name"


def _dotted_paths() -> list[tuple[str, str]]:
    """(document, path) for every `spendkit.a.b` written as inline code in README.md or docs/
    (outside code blocks): module paths, or a module's attribute such as
    `spendkit.distinct.per_distinct`. `spendkit.toml` is a file, not a module."""
    found = set()
    for doc in DOCS:
        for code in INLINE_CODE.findall(_without_code_blocks(doc.read_text(encoding="utf-8"))):
            code = code.strip().removesuffix("()")
            if DOTTED.match(code) and code != "spendkit.toml":
                found.add((_rel(doc), code))
    return sorted(found)


DOTTED_PATHS = _dotted_paths()


def _resolve(path: str) -> object:
    """Import the longest module prefix of ``path``, then look up the rest as attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError as exc:
            if exc.name is None or not ".".join(parts[:cut]).startswith(exc.name):
                raise  # a module that exists failed on one of its own imports
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(path)


@pytest.mark.parametrize(("doc", "path"), DOTTED_PATHS, ids=[f"{d}:{p}" for d, p in DOTTED_PATHS])
def test_documented_module_path_exists(doc: str, path: str) -> None:
    try:
        _resolve(path)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"{doc} names `{path}`, which cannot be imported: {exc}")


# ---------------------------------------------------------------- file paths

PACKAGE = ROOT / "src" / "spendkit"
REPO_PATH = re.compile(r"^(?:src|tests|scripts|data|docs)/[\w./-]*\w/?$")
PACKAGE_PATH = re.compile(r"^(?:[a-z_]+/)+(?:[a-z_]+\.py)?$")  # a folder, or a file in one


def _file_paths() -> list[tuple[str, str, Path]]:
    """(document, path, where it should be) for every repository path written as inline code
    (`tests/engines/test_spark.py`, `src/spendkit/data/rules.toml`) in README.md or docs/, and
    every package path (`decide/place.py`, `reference/registries/`) in docs/architecture.md."""
    found = set()
    for doc in DOCS:
        text = _without_code_blocks(doc.read_text(encoding="utf-8"))
        for code in INLINE_CODE.findall(text):
            code = code.strip()
            if REPO_PATH.match(code):
                found.add((_rel(doc), code, ROOT / code))
            elif doc.name == "architecture.md" and PACKAGE_PATH.match(code):
                found.add((_rel(doc), code, PACKAGE / code))
    return sorted(found)


FILE_PATHS = _file_paths()


@pytest.mark.parametrize(("doc", "path", "where"), FILE_PATHS,
                         ids=[f"{d}:{p}" for d, p, _ in FILE_PATHS])
def test_documented_file_exists(doc: str, path: str, where: Path) -> None:
    if path.startswith("tests/artifacts/"):  # what tests write (git-ignored), absent until they run
        assert "tests/artifacts/" in (ROOT / ".gitignore").read_text(encoding="utf-8")
        return
    assert where.exists(), f"{doc} names `{path}`, which does not exist ({_rel(where)})"
