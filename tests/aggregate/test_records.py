"""records(): DataFrames as JSON-safe records."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from spendkit.aggregate.records import records


def test_types_become_plain_python_json_types() -> None:
    frame = pd.DataFrame({
        "pence": np.array([123456, -5], dtype=np.int64),
        "share": [0.25, np.nan],
        "date": [pd.Timestamp("2024-04-01"), pd.Timestamp("2025-03-31 13:45")],
        "flag": np.array([True, False]),
        "name": ["Acme", "Beta"],
    })
    out = records(frame)
    assert out == [
        {"pence": 123456, "share": 0.25, "date": "2024-04-01", "flag": True, "name": "Acme"},
        {"pence": -5, "share": None, "date": "2025-03-31", "flag": False, "name": "Beta"},
    ]
    first, second = out
    assert type(first["pence"]) is int and type(second["pence"]) is int
    assert type(first["share"]) is float
    assert type(first["flag"]) is bool and type(second["flag"]) is bool
    # Strict JSON (no NaN) works on the result.
    json.dumps(out, allow_nan=False)


def test_big_integers_stay_exact() -> None:
    pence = 2**53 + 1  # not representable as a float
    out = records(pd.DataFrame({"pence": np.array([pence], dtype=np.int64)}))
    assert out[0]["pence"] == pence and type(out[0]["pence"]) is int


def test_missing_values_of_every_kind_become_none() -> None:
    frame = pd.DataFrame({
        "when": pd.to_datetime(["2024-05-01", None]),
        "count": pd.array([1, None], dtype="Int64"),
        "f32": np.array([np.nan, 1.5], dtype=np.float32),
    })
    out = records(frame)
    assert out[0] == {"when": "2024-05-01", "count": 1, "f32": None}
    assert out[1] == {"when": None, "count": None, "f32": 1.5}
    assert type(out[0]["count"]) is int


def test_keys_are_strings_and_order_kept() -> None:
    frame = pd.DataFrame({2024: [1], "b": ["x"], 0: [2]})
    out = records(frame)
    assert list(out[0]) == ["2024", "b", "0"]
    assert records(frame.iloc[0:0]) == []
