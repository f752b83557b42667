"""The fuzz suite finds the corpus helpers (scripts/make_corpus.py) the way tests/trust does."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
