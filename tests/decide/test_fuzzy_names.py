"""fuzzy_pairs: payee name keys against registry name keys (token_sort_ratio, in blocks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spendkit.decide import fuzzy_names
from spendkit.decide.fuzzy_names import fuzzy_pairs

# Already name keys (upper case, tidy), so the expected scores can be worked out by hand:
# token_sort_ratio = 100 * (1 - edits / (len(a) + len(b))) on the sorted tokens (indel distance).
PAYEES = np.array(["KESTREL FACILITIES GROUP", "MAKINSON AND SONS PRINT", "WIGAN FOOD BANK",
                   "ZEBRA CROSSING CONSULTANTS", "WIGAN FOOD BANK"], dtype=object)
REGISTRY = pd.DataFrame({"name_key": ["KESTREL FACILITIES GROUP", "MAKINSONS AND SONS PRINT",
                                      "WIGAN FOOD BANKS", "TOTALLY DIFFERENT NAME", "ZEBRA CROSSING"]})


def pairs(todo=None, reg=REGISTRY, threshold=85.0) -> dict[tuple[int, int], float]:
    todo = np.arange(len(PAYEES)) if todo is None else np.asarray(todo)
    out = fuzzy_pairs(PAYEES, todo, reg, threshold)
    assert list(out.columns) == ["p", "r", "score"]
    return {(int(p), int(r)): float(s) for p, r, s in out.itertuples(index=False)}


def test_near_spellings_pair_and_unrelated_names_do_not() -> None:
    got = pairs()
    assert set(got) == {(0, 0), (1, 1), (2, 2), (4, 2)}  # the repeated payee key pairs too
    assert got[(0, 0)] == 100.0
    # "AND MAKINSON PRINT SONS" (23) vs "AND MAKINSONS PRINT SONS" (24): one insertion.
    assert got[(1, 1)] == pytest.approx(100 * (1 - 1 / 47), abs=1e-3)
    # "BANK FOOD WIGAN" (15) vs "BANKS FOOD WIGAN" (16): one insertion.
    assert got[(2, 2)] == pytest.approx(100 * (1 - 1 / 31), abs=1e-3)
    assert got[(4, 2)] == got[(2, 2)]
    # ZEBRA CROSSING CONSULTANTS vs ZEBRA CROSSING: 100 * 2 * 14 / 40 = 70, under 85.
    assert not any(p == 3 for p, _ in got)


@pytest.mark.parametrize("threshold", [50.0, 85.0, 97.0, 100.0])
def test_every_score_is_within_the_bound(threshold: float) -> None:
    got = pairs(threshold=threshold)
    assert all(threshold <= s <= 100.0 for s in got.values())


def test_threshold_decides_what_pairs() -> None:
    assert set(pairs(threshold=97.0)) == {(0, 0), (1, 1)}
    assert set(pairs(threshold=100.0)) == {(0, 0)}
    assert (3, 4) in pairs(threshold=70.0)  # exactly 70 reaches a threshold of 70


def test_only_payees_to_do_are_scored() -> None:
    assert set(pairs(todo=[1, 3])) == {(1, 1)}
    assert pairs(todo=np.array([], dtype=np.int64)) == {}


def test_keys_with_another_first_three_letters_are_not_compared() -> None:
    # Identical but for the first letters: a different block, so never scored.
    reg = pd.DataFrame({"name_key": ["VIGAN FOOD BANK"]})
    assert pairs(reg=reg, threshold=50.0) == {}


def test_no_hits_gives_an_empty_typed_frame() -> None:
    out = fuzzy_pairs(PAYEES, np.arange(len(PAYEES)), pd.DataFrame({"name_key": ["QQQ"]}), 85.0)
    assert len(out) == 0
    assert out["p"].dtype == np.int64 and out["r"].dtype == np.int64 and out["score"].dtype == float


def test_small_matrix_slices_give_the_same_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = pairs(threshold=60.0)
    monkeypatch.setattr(fuzzy_names, "MAX_MATRIX_CELLS", 1)
    assert pairs(threshold=60.0) == whole
