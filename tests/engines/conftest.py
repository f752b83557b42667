"""One Spark session (local mode, 2 cores) for every Spark engine test; they are skipped when
pyspark or Java is not available."""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest


def _java_runs() -> bool:
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java" if os.environ.get("JAVA_HOME") \
        else shutil.which("java")
    if not java:
        return False
    try:
        return subprocess.run([str(java), "-version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark")
    if not _java_runs():
        pytest.skip("Java is not available: the Spark engine needs Java 17 or 21")
    from spendkit.engines.spark import local_session

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        session = local_session(2)
    yield session
    session.stop()
