"""Run a column function once per distinct value, then spread the result back.

Ledgers repeat themselves: a million rows hold perhaps twenty thousand payees,
a few hundred dates and departments. Parsing the distinct values and taking
the results by position is exact (the functions are pure) and many times
faster than parsing every cell.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

F = TypeVar("F", bound=Callable[..., Any])
WORTH_IT = 0.5  # below this share of distinct values, factorising pays for itself
MAX_RUNS = 2000  # keep_rows slices a column into at most this many runs of kept rows


def factorize(raw: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(codes, distinct values) of a text column in order of first appearance; missing is "".
    Arrow-backed text is dictionary-encoded by pyarrow (about twice as fast as pandas)."""
    arr = raw.array
    if isinstance(arr, pd.arrays.ArrowStringArray) and not raw.hasnans:
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(arr._pa_array).combine_chunks()
        return (encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp, copy=False),
                pd.Index(encoded.dictionary.to_pandas(types_mapper=lambda _: raw.dtype), dtype=raw.dtype))
    return pd.factorize(raw.fillna(""), sort=False)


def keep_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``frame`` where ``keep`` (a boolean array) is True, index reset. Arrow-backed columns are
    filtered chunk by chunk in pyarrow: several times faster than ``take`` on long text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mask = pa.array(keep)
    # Rows are dropped rarely (a few unreadable ones in a million): the kept runs, sliced without
    # copying, make the column; many runs are filtered (copied) instead.
    edges = np.flatnonzero(np.diff(np.concatenate(([False], keep, [False])).astype(np.int8)))
    runs = list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))
    at = None
    cols = {}
    for i, (name, s) in enumerate(frame.items()):
        if isinstance(s.array, pd.arrays.ArrowStringArray):
            text = s.array._pa_array
            if len(runs) <= MAX_RUNS:
                kept = pa.chunked_array([c for a, b in runs for c in text.slice(a, b - a).chunks],
                                        type=text.type)
            else:
                kept = pc.filter(text, mask)
            cols[i] = pd.Series(pd.array(kept, dtype=s.dtype), name=name)
        else:
            at = np.flatnonzero(keep) if at is None else at
            cols[i] = s.take(at).reset_index(drop=True)
    out = pd.DataFrame(cols)
    out.columns = frame.columns
    return out


def take_rows(frame: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` at ascending positions ``at`` (a few: rejected rows), index kept.
    Arrow text in many chunks (a streamed file) is taken chunk by chunk: pyarrow's own take
    would first join the chunks, copying the whole column for a handful of rows."""
    import pyarrow as pa

    cols = {}
    for i, (name, s) in enumerate(frame.items()):
        text = s.array._pa_array if isinstance(s.array, pd.arrays.ArrowStringArray) else None
        if text is not None and text.num_chunks > 1:
            starts = np.cumsum([0, *(len(c) for c in text.chunks)])
            chunk = np.searchsorted(starts, at, side="right") - 1
            parts = [text.chunk(k).take(pa.array(at[chunk == k] - starts[k])) for k in np.unique(chunk)]
            cols[i] = pd.Series(pd.array(pa.chunked_array(parts, type=text.type), dtype=s.dtype),
                                index=frame.index[at], name=name)
        else:
            cols[i] = s.take(at)
    out = pd.DataFrame(cols, index=frame.index[at])
    out.columns = frame.columns
    return out


def per_distinct(fn: F) -> F:
    """Wrap ``fn(series, *args)`` (returning a Series, or an object of Series fields)."""

    @functools.wraps(fn)
    def wrapper(raw: pd.Series, *args: Any, **kwargs: Any) -> Any:
        raw = raw.fillna("")
        if len(raw) < 1000 or _mostly_distinct(raw):
            return fn(raw, *args, **kwargs)
        codes, uniques = factorize(raw)
        if len(uniques) > WORTH_IT * len(raw):
            return fn(raw, *args, **kwargs)
        result = fn(pd.Series(uniques, dtype=raw.dtype), *args, **kwargs)
        return spread(result, codes, raw.index)

    return wrapper  # type: ignore[return-value]


def on_distinct_rows(fn: Callable[[pd.DataFrame], Any], frame: pd.DataFrame) -> Any:
    """``fn(frame)`` (a pure row-wise function returning a Series or frame per row) evaluated
    once per distinct row of ``frame``, its result spread back to every row."""
    codes, first = group_codes([frame[c] for c in frame.columns])
    if len(first) > WORTH_IT * len(frame):
        return fn(frame)
    return spread(fn(frame.iloc[first].reset_index(drop=True)), codes, frame.index)


def as_text(s: pd.Series) -> pd.Series:
    """Any column (text, Categorical, object) as str, "" where missing."""
    return s.astype("object").fillna("").astype("str")


def as_categorical(raw: pd.Series) -> pd.Series:
    """Text as a Categorical of its distinct values (in order of first appearance). A column
    with missing values, or one already Categorical, is given back as it is."""
    if isinstance(raw.dtype, pd.CategoricalDtype) or raw.hasnans:
        return raw
    codes, uniques = factorize(raw)
    return pd.Series(pd.Categorical.from_codes(codes, categories=uniques), index=raw.index, name=raw.name)


def categorical(fn: Callable[[pd.Series], pd.Series], raw: pd.Series) -> pd.Series:
    """``fn`` (text -> text) over the distinct values of ``raw``, as a Categorical: however many
    rows, the column holds integer codes and each distinct result once. A Categorical ``raw``
    is mapped through its categories."""
    if isinstance(raw.dtype, pd.CategoricalDtype):
        if raw.hasnans:
            raw = (raw if "" in raw.cat.categories else raw.cat.add_categories("")).fillna("")
        codes = raw.cat.codes.to_numpy()
        uniques = raw.cat.categories
    else:
        codes, uniques = factorize(raw)
    return spread_categorical(fn(pd.Series(uniques, dtype="str")), codes, raw.index)


def categories_where(column: pd.Series, test: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """A boolean test of a Categorical's text, run once per category."""
    hit = test(pd.Series(column.cat.categories, dtype="str")).to_numpy(dtype=bool)
    codes = column.cat.codes.to_numpy()
    return pd.Series(hit[codes] & (codes >= 0), index=column.index)


def group_codes(columns: list[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """(group per row, first row of each group) over the distinct combinations of ``columns``.

    Groups are numbered in order of first appearance. Works on integer codes (a Categorical's
    own, else a factorisation): a column of one value is skipped, and the codes of the others
    are packed into one integer per row, factorised only when the next would overflow it.
    """
    n = len(columns[0]) if columns else 0
    key = np.zeros(n, dtype=np.int64)
    size = 1  # the number of values ``key`` can take
    for s in columns:
        if isinstance(s.dtype, pd.CategoricalDtype):
            part = s.cat.codes.to_numpy().astype(np.int64) + 1  # missing (-1) is a value too
            card = len(s.cat.categories) + 1
        else:
            part = pd.factorize(s, sort=False, use_na_sentinel=False)[0].astype(np.int64)
            card = int(part.max(initial=0)) + 1
        if card <= 1 or (isinstance(s.dtype, pd.CategoricalDtype) and _one_value(part)):
            continue
        if size * card >= 2**62:
            key = pd.factorize(key, sort=False)[0].astype(np.int64)
            size = int(key.max(initial=0)) + 1
        key = key * card + part
        size *= card
    key = pd.factorize(key, sort=False)[0].astype(np.int64)
    # Numbered by first appearance: the running maximum rises exactly at each group's first row.
    first = np.flatnonzero(np.diff(np.maximum.accumulate(key), prepend=-1) > 0)
    return key, first


def _one_value(codes: np.ndarray) -> bool:
    return len(codes) == 0 or bool((codes == codes[0]).all())


def _mostly_distinct(raw: pd.Series, sample: int = 20_000) -> bool:
    """Are most of a sample of values distinct (transaction numbers)? Then factorising the whole
    column would be time spent for nothing."""
    head = raw.iloc[:sample]
    return len(raw) > 4 * sample and head.nunique() > 0.9 * len(head)


def spread(result: Any, codes: np.ndarray, index: pd.Index) -> Any:
    if isinstance(result, pd.Series | pd.DataFrame):
        out = result.take(codes)  # arrow-backed strings stay in arrow: no Python objects
        out.index = index
        return out
    if isinstance(result, tuple):
        return tuple(spread(r, codes, index) for r in result)
    if hasattr(result, "__dataclass_fields__"):
        fields = {k: spread(v, codes, index) if isinstance(v, pd.Series) else v
                  for k, v in vars(result).items()}
        return type(result)(**fields)
    return result


def spread_categorical(result: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Like ``spread`` for text decided per distinct value, as a Categorical: the million-row
    column holds integer codes and the few distinct strings once, so taking it costs nothing."""
    if result.dtype == object or str(result.dtype) == "str":
        inner, labels = pd.factorize(result.fillna(""), sort=False)
        small = inner.astype(np.int8 if len(labels) < 2**7 else np.int16 if len(labels) < 2**15 else np.int32)
        return pd.Series(pd.Categorical.from_codes(small[codes], categories=pd.Index(labels, dtype="str"),
                                                   validate=False), index=index)
    return spread(result, codes, index)
