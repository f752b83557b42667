from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def index():
    """The real ONS Postcode Directory index (built into the user cache on first use)."""
    from spendkit.reference.postcode_index import PostcodeIndex

    return PostcodeIndex.load()


@pytest.fixture(scope="session")
def districts():
    from spendkit.reference.districts import Districts

    return Districts()
