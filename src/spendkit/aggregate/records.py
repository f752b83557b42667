"""DataFrames as JSON-safe records, for the documents `spendkit report` and `rank` print."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame -> JSON-safe records: ints stay ints, NaN becomes null, dates ISO."""
    out = []
    for rec in frame.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, np.integer):
                v = int(v)
            elif isinstance(v, (float, np.floating)):
                v = None if np.isnan(v) else float(v)
            elif isinstance(v, pd.Timestamp):
                v = v.date().isoformat()
            elif v is pd.NA or v is pd.NaT:
                v = None
            elif isinstance(v, np.bool_):
                v = bool(v)
            clean[str(k)] = v
        out.append(clean)
    return out
