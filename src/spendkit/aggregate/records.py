"""DataFrames as JSON-safe records, for the documents `spendkit report` and `rank` print; and
the run's record a Parquet file carries in its footer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spendkit.aggregate.coverage import suppliers_command


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


RECORD_KEY = "spendkit"  # the Parquet footer key holding the run's record (JSON)


def run_record(document: dict[str, Any]) -> dict[str, Any]:
    """The classify document as a file's record: input files by name as given, an absolute
    path or a URI (which would tell where the run was) cut to its file name. Both engines'
    Parquet files carry it under ``RECORD_KEY``."""
    def named(entry: Any) -> Any:
        if isinstance(entry, dict) and isinstance(entry.get("file"), str) and _located(entry["file"]):
            return {**entry, "file": entry["file"].rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]}
        return entry

    out = {**document, "inputs": [named(e) for e in document.get("inputs", [])],
           "supplier_file": named(document.get("supplier_file"))}
    if "list_payees" in document:  # the command names the inputs: by the same names
        out["list_payees"] = suppliers_command([e["file"] for e in out["inputs"]],
                                               [d["name"] for d in document["place"]["local"]])
    return out


def _located(file: str) -> bool:
    """An absolute path, or a URI (file:/..., s3://...), rather than a name as given."""
    return Path(file).is_absolute() or bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", file))
