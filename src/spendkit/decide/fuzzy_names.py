"""Fuzzy matching of payees' name keys to the registers' name keys (``rapidfuzz``
token_sort_ratio), in blocks so that millions of registry rows stay tractable."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

MAX_MATRIX_CELLS = 8_000_000  # bound on a fuzzy-matching score matrix (float32 cells)


def fuzzy_pairs(keys: np.ndarray, todo: np.ndarray, reg: pd.DataFrame, threshold: float
                ) -> pd.DataFrame:
    """(payee p, registry row r, score) for every key scoring >= threshold within its block.

    Blocks: registry keys sharing the payee key's first three characters, and (since
    token_sort_ratio <= 100 * (1 - |la - lb| / (la + lb))) of a length that could reach the
    threshold. Score matrices are computed a slice at a time (at most MAX_MATRIX_CELLS)."""
    uq = pd.Series(keys[todo], dtype="str").drop_duplicates().to_numpy(dtype=object)
    blocks = _blocks(uq, reg)
    hits = _score_blocks(uq, blocks, threshold) if blocks is not None else None
    if hits is None:
        return pd.DataFrame({"p": np.array([], dtype=np.int64), "r": np.array([], dtype=np.int64),
                             "score": np.array([], dtype=float)})
    payees = pd.DataFrame({"p": todo, "qkey": keys[todo]})
    return payees.merge(hits, on="qkey")[["p", "r", "score"]]


class _Blocks(NamedTuple):
    """Payee keys ``uq`` and registry keys grouped by their first three characters."""

    qcode: np.ndarray  # per payee key: its block
    qlen: np.ndarray  # per payee key: its length
    rows: np.ndarray  # registry rows in a block, block by block
    bounds: np.ndarray  # block b is rows[bounds[b]:bounds[b + 1]]
    cvals: np.ndarray  # per entry of rows: its name key
    clen: np.ndarray  # and that key's length


def _blocks(uq: np.ndarray, reg: pd.DataFrame) -> _Blocks | None:
    """The blocks of the distinct payee keys ``uq`` (None when no registry key shares a prefix)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    qpref = pd.Series(uq, dtype="str").str.slice(0, 3)
    prefixes = pd.unique(qpref)
    qcode = pd.Index(prefixes).get_indexer(qpref)
    qlen = pd.Series(uq, dtype="str").str.len().to_numpy()
    rkeys = pa.array(reg["name_key"], type=pa.large_string())
    rcode = pc.fill_null(pc.index_in(pc.utf8_slice_codeunits(rkeys, 0, 3),
                                     value_set=pa.array(list(prefixes), type=pa.large_string())), -1)
    rcode = rcode.to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(rcode >= 0)
    if not len(rows):
        return None
    order = np.argsort(rcode[rows], kind="stable")
    rows = rows[order]
    bounds = np.searchsorted(rcode[rows], np.arange(len(prefixes) + 1))
    picked = pc.take(rkeys, pa.array(rows))
    cvals = picked.to_numpy(zero_copy_only=False)
    clen = pc.utf8_length(picked).to_numpy(zero_copy_only=False)
    return _Blocks(qcode, qlen, rows, bounds, cvals, clen)


def _score_blocks(uq: np.ndarray, b: _Blocks, threshold: float) -> pd.DataFrame | None:
    """(qkey, registry row r, score) scoring >= threshold, block by block (None when none)."""
    from rapidfuzz import fuzz, process

    slack = 1.0 - threshold / 100.0
    found_q: list[np.ndarray] = []
    found_r: list[np.ndarray] = []
    found_s: list[np.ndarray] = []
    for code, qidx in pd.Series(np.arange(len(uq))).groupby(b.qcode, sort=False).indices.items():
        block = np.arange(b.bounds[code], b.bounds[code + 1])
        if not len(block):
            continue
        qidx = qidx[np.argsort(b.qlen[qidx], kind="stable")]
        step = max(1, MAX_MATRIX_CELLS // len(block))
        for start in range(0, len(qidx), step):
            qs = qidx[start:start + step]
            lo = b.qlen[qs].min() * (1 - slack) / (1 + slack)
            hi = b.qlen[qs].max() * (1 + slack) / (1 - slack) if slack < 1 else np.inf
            cs = block[(b.clen[block] >= lo) & (b.clen[block] <= hi)]
            if not len(cs):
                continue
            scores = process.cdist(list(uq[qs]), list(b.cvals[cs]), scorer=fuzz.token_sort_ratio,
                                   score_cutoff=threshold, dtype=np.float32, workers=-1)
            qi, ci = np.nonzero(scores >= threshold)
            found_q.append(qs[qi])
            found_r.append(b.rows[cs[ci]])
            found_s.append(scores[qi, ci].astype(float))
    if not found_q:
        return None
    return pd.DataFrame({"qkey": uq[np.concatenate(found_q)], "r": np.concatenate(found_r),
                         "score": np.concatenate(found_s)})
