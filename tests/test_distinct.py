"""The per-distinct helpers and the first-known choice of sources: the shortcuts give exactly
what the plain computation gives."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from spendkit.decide.precedence import first_known, joined
from spendkit.distinct import as_categorical, group_codes, on_distinct_rows, take_rows
from spendkit.read import headers as columns

values = st.sampled_from(["", "a", "b", "Acme Ltd", "ACME LTD"])


def _naive_groups(columns: list[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    seen: dict[tuple, int] = {}
    codes, first = [], []
    for i, row in enumerate(zip(*(c.astype(object).where(c.notna(), None) for c in columns), strict=True)):
        if row not in seen:
            seen[row] = len(seen)
            first.append(i)
        codes.append(seen[row])
    return np.array(codes, dtype=np.int64), np.array(first, dtype=np.int64)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(values, values, st.integers(-1, 3), st.sampled_from(["x", "y", None])), max_size=40))
def test_group_codes_numbers_groups_by_first_appearance(rows):
    frame = pd.DataFrame(rows, columns=["text", "cat", "int", "flag"])
    cols = [frame["text"].astype("str"), frame["cat"].astype("category"), frame["int"],
            frame["flag"].astype("category")]
    codes, first = group_codes(cols)
    want_codes, want_first = _naive_groups(cols) if rows else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    assert codes.tolist() == want_codes.tolist()
    assert first.tolist() == want_first.tolist()


def test_group_codes_survives_packing_overflow():
    rng = np.random.default_rng(0)
    cols = [pd.Series(rng.integers(0, 2**20, 3000)) for _ in range(5)]  # 2^100 combinations
    codes, first = group_codes(cols)
    want_codes, want_first = _naive_groups(cols)
    assert codes.tolist() == want_codes.tolist() and first.tolist() == want_first.tolist()


def test_on_distinct_rows_is_the_function_row_by_row():
    frame = pd.DataFrame({"a": ["x", "y", "x", "x", "z"] * 300, "b": [1, 2, 1, 3, 1] * 300})
    calls = []

    def fn(f: pd.DataFrame) -> pd.DataFrame:
        calls.append(len(f))
        return pd.DataFrame({"label": f["a"] + f["b"].astype(str)}, index=f.index)

    out = on_distinct_rows(fn, frame)
    assert calls == [4]  # four distinct rows, decided once each
    assert out.index.equals(frame.index)
    assert out["label"].tolist() == (frame["a"] + frame["b"].astype(str)).tolist()


def test_as_categorical_keeps_values_and_leaves_missing_alone():
    s = pd.Series(["b", "a", "b", ""], dtype="str")
    c = as_categorical(s)
    assert isinstance(c.dtype, pd.CategoricalDtype) and c.astype(str).tolist() == s.tolist()
    with_na = pd.Series(["a", None], dtype="str")
    assert as_categorical(with_na) is with_na


def test_first_known_wins_and_later_disagreement_is_a_conflict():
    values = np.array([["unknown", "small", "unknown"],
                       ["large", "micro", "unknown"],
                       ["large", "small", "unknown"]], dtype=object)
    evidence = np.array([["", "figures", "no figures"],
                         ["flag 'No'", "flag 'Yes'", ""],
                         ["plc", "name", "no name"]], dtype=object)
    strength = np.array([["", "strong", ""], ["strong", "strong", ""], ["weak", "weak", ""]], dtype=object)
    won = first_known(values, ["file", "flag", "form"], evidence, strength)
    assert won.value.tolist() == ["large", "small", "unknown"]
    assert won.source.tolist() == ["flag", "file", ""]
    assert won.evidence.tolist() == ["flag 'No'", "figures", ""]
    assert won.extra[0].tolist() == ["strong", "strong", ""]
    assert won.conflict.tolist() == ["", "flag says micro (flag 'Yes')", ""]
    assert joined(evidence[:, [2]]).tolist() == ["no figures; no name"]


def test_header_words_mend_as_difflib_over_the_whole_vocabulary():
    """The vocabulary prefilter only drops words difflib's own quick test would drop."""
    rng = np.random.default_rng(1)
    letters = list("abcdefghijklmnopqrstuvwxyz")
    words = []
    for v in columns.VOCABULARY:
        for _ in range(10):
            w = list(v)
            i = int(rng.integers(len(w)))
            w[i] = letters[int(rng.integers(26))]
            words.append("".join(w))
    for w in [*words, "beneficary", "orgnisational", "transacton", "consulting", "logistics"]:
        if len(w) >= 7 and w not in columns.VOCABULARY:
            want = difflib.get_close_matches(w, columns.VOCABULARY, n=1, cutoff=columns.MEND_CUTOFF)
            assert columns._mend(w) == (want[0] if want else w), w


def test_take_rows_from_many_chunks_is_take():
    import pyarrow as pa

    chunks = [pa.array([f"r{i}" for i in range(start, start + 7)], pa.large_string()) for start in range(0, 70, 7)]
    frame = pd.DataFrame({"text": pd.array(pa.chunked_array(chunks), dtype="str"),
                          "n": np.arange(70), "cat": pd.Categorical(["a", "b"] * 35)})
    assert frame["text"].array._pa_array.num_chunks == 10
    at = np.array([0, 6, 7, 33, 34, 69])
    got = take_rows(frame, at)
    pd.testing.assert_frame_equal(got, frame.take(at))
    assert take_rows(frame, np.array([], dtype=np.int64)).empty
