"""Fuzzy names: the slip-or-real-word rule and the words a slip away."""

from __future__ import annotations

import numpy as np

from spendkit.decide.fuzzy_names import slips, words_explained


def test_a_slip_is_forgiven_a_real_word_is_not():
    unknown = {"BUIDLING", "VALEY"}
    assert words_explained("PENDLE BUIDLING SUPPLIES", "PENDLE BUILDING SUPPLIES", unknown)
    assert words_explained("MERSEY VALEY ROOFING", "MERSEY VALLEY ROOFING", unknown)
    # SERVICES is a word the register knows: a different company, however close the spelling
    assert not words_explained("PENDLE BUILDING SERVICES", "PENDLE BUILDING SUPPLIES", unknown)
    # a plural, an extra word, a number
    assert not words_explained("ROOFING CONTRACTOR", "ROOFING CONTRACTORS", unknown)
    assert not words_explained("WIGAN CARE", "WIGAN HOME CARE", unknown)
    assert not words_explained("LANPAC 211594", "LANPAC 21F594", {"211594"})
    # 'AND', 'OF', 'THE' and 'A' are not words that make a difference
    assert words_explained("BANK OF ACME", "BANK ACME", set())


def test_slips_one_letter_away():
    words, owners = slips(np.array(["GAMA"], dtype=object), np.array([7]))
    found = set(words)
    assert {"GAMMA", "GAM", "AGMA", "GAMB", "GAMAS"} <= found and "GAMA" not in found
    assert (owners == 7).all()
    assert len(found) == len(words)  # each once
