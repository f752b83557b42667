"""The name-matching index of an installed register (written beside its organisations.parquet)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def build(frame: pd.DataFrame, directory: Path) -> None:
    """Write any name-matching index for this register's frame into directory (called at install)."""
