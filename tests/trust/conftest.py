"""Fixtures for the trust tests: the hostile-input corpus, generated once per session.

``scripts/make_corpus.py`` declares the cases (and writes them); these tests run the CLI
on each and hold it to the outcome the case documents.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import make_corpus  # noqa: E402  (a script, found through the path above)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, make_corpus.Case]]]:
    """(folder, {name: case}): every corpus file, written into a temporary folder."""
    folder = tmp_path_factory.mktemp("corpus")
    cases = make_corpus.build(folder)
    yield folder, {c.name: c for c in cases}
    for path in folder.iterdir():  # give back what the no-permission case took away
        if not os.access(path, os.R_OK):
            path.chmod(0o644)
