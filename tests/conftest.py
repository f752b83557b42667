from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture(scope="session", autouse=True)
def empty_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test runs with an empty data folder of its own (no installed registers), never the
    user's; a test that installs registers points SPENDKIT_DATA_DIR at its own folder."""
    import os

    folder = tmp_path_factory.mktemp("spendkit-data")
    os.environ["SPENDKIT_DATA_DIR"] = str(folder)
    return folder


@pytest.fixture(scope="session", autouse=True)
def test_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder of the test run's own (registers given for runs are installed there, never
    among the user's), sharing the user's postcode index: built once per machine, not per run."""
    import os

    from spendkit.reference.postcode_index import cache_dir

    postcodes = cache_dir() / "postcodes"
    postcodes.mkdir(parents=True, exist_ok=True)
    folder = tmp_path_factory.mktemp("spendkit-cache")
    (folder / "postcodes").symlink_to(postcodes, target_is_directory=True)
    os.environ["SPENDKIT_CACHE_DIR"] = str(folder)
    return folder


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


@pytest.fixture(scope="session")
def result(samples: Path):
    """The sample ledger classified for Wigan with the supplier file (about 2 s, once)."""
    import spendkit

    return spendkit.classify(samples / "ledger.csv", place="Wigan",
                             suppliers=samples / "suppliers.csv")


@pytest.fixture(scope="session")
def counted(result) -> int:
    return result.summary()["reconciliation"]["pence_counted"]


@pytest.fixture(scope="session")
def monthly(samples: Path, result, tmp_path_factory) -> list[Path]:
    from tests.helpers import split_by_month

    return split_by_month(samples, result, tmp_path_factory.mktemp("monthly"))
