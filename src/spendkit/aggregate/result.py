"""What a classification returns: the counted rows (the ledger's columns plus each row's
classes and evidence), the rejected rows with their reasons, and how they were decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from spendkit.aggregate.summary import summarise
from spendkit.config import Settings
from spendkit.reference.districts import Districts, Place


@dataclass
class Result:
    """Everything a report needs: counted rows, rejected rows, and how they were decided."""

    rows: pd.DataFrame
    rejected: pd.DataFrame
    inputs: list[dict[str, Any]]
    place: Place
    districts: Districts
    directory: str
    settings: Settings = field(default_factory=Settings)
    suppliers: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)  # what reading the reference data found (registers)
    registers: list[dict[str, Any]] = field(default_factory=list)  # the registers used, and their dates

    def summary(self) -> dict[str, Any]:
        return summarise(self)
