"""Several sources in priority order, one answer: the first source that knows wins.

Size and sector are each decided from layers of evidence (a supplier file's figures before a
ledger's flag before a name). Each layer gives a value per payee, "unknown" where it cannot
tell, with its evidence; the first known value wins, and a later source that knows another
value is recorded as a conflict. Layers are (sources, rows) object arrays, so choosing is a few
whole-array operations and text is built only for the rows that need it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Won:
    value: np.ndarray  # the first known value of each row, "unknown" where no source knows
    source: np.ndarray  # the label of the source that decided, "" where none did
    evidence: np.ndarray  # that source's evidence, "" where none decided
    extra: list[np.ndarray]  # further columns of the source that decided, "" where none did
    conflict: np.ndarray  # "B says y (its evidence); C says z (...)": later sources that disagree


def layers(frames: Sequence[pd.DataFrame], column: str, missing: str = "") -> np.ndarray:
    """One column of each frame as a (frames, rows) object array, ``missing`` for NA."""
    return np.stack([f[column].astype("object").fillna(missing).to_numpy(dtype=object) for f in frames])


def first_known(values: np.ndarray, labels: Sequence[str], evidence: np.ndarray,
                *extra: np.ndarray, agree: frozenset[tuple[str, str]] = frozenset()) -> Won:
    """The first value per row that is not "unknown", with its source, evidence, the ``extra``
    columns of the same source, and the later sources that know another value (a pair of values
    in ``agree``, winner first, is no conflict: "sme" and "micro" say the same)."""
    known = values != "unknown"
    decided = known.any(axis=0)
    win = known.argmax(axis=0)
    cols = np.arange(values.shape[1])

    def winner(of: np.ndarray) -> np.ndarray:
        return np.where(decided, of[win, cols], "")

    value = np.where(decided, values[win, cols], "unknown")
    source = np.where(decided, np.array(labels, dtype=object)[win], "")
    conflict = np.full(values.shape[1], "", dtype=object)
    for i, label in enumerate(labels):
        rows = np.flatnonzero(known[i] & decided & (values[i] != value))
        if len(rows) and agree:
            pairs = pd.Series(value[rows] + "|" + values[i, rows], dtype="str")
            rows = rows[~pairs.isin([f"{a}|{b}" for a, b in agree]).to_numpy()]
        if len(rows):
            note = label + " says " + values[i, rows] + " (" + evidence[i, rows] + ")"
            before = conflict[rows]
            conflict[rows] = np.where(before == "", note, before + "; " + note)
    return Won(value, source, winner(evidence), [winner(e) for e in extra], conflict)


def joined(texts: np.ndarray, sep: str = "; ") -> np.ndarray:
    """(sources, rows) texts -> per row, the non-empty ones joined with ``sep``."""
    out = np.full(texts.shape[1], "", dtype=object)
    for text in texts:
        out = np.where(text == "", out, np.where(out == "", text, out + sep + text))
    return out
