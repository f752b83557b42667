"""Fuzzy names: which register entries are candidates for a payee's name, and when a close
spelling is the same name.

Candidates come from term frequencies (the idea splink uses for its term-frequency
adjustments): a word few register names hold says much about which organisation a name is, a
word thousands hold ('SERVICES', 'LIMITED') says nothing. A payee's candidates are the entries
holding its rarest distinctive words, found in the name index's word postings (a join, never a
scan of the register).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spendkit.reference.registries.name_index import NameIndex

SINGLE_WORD_DF = 150  # a word in at most this many names gives candidates alone (the two rarest)...
ALONE_WORD_DF = 1_000  # a query's only distinctive word gives candidates alone up to this
MAX_WORD_DF = 3_000  # ...a commoner one only with the next rarest; past this a word is no candidate
_FILLER = frozenset({"AND", "OF", "THE", "A"})


def word_candidates(ix: NameIndex, parent: np.ndarray, wtext: np.ndarray, wid: np.ndarray,
                    df: np.ndarray, generic: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
    """(query, entry id) candidates: for each query (the key ``parent`` points to), the entries
    holding its two rarest distinctive words when those are in at most ``SINGLE_WORD_DF`` names,
    else the entries holding both its rarest and its next rarest word (each in at most
    ``MAX_WORD_DF`` names), or that word alone when it is the query's only distinctive word (in
    at most ``ALONE_WORD_DF`` names).
    Words of one letter, generic words and words the register does not hold are never
    distinctive."""
    text = pd.Series(wtext, dtype=object)
    t = pd.DataFrame({"q": parent, "wid": wid, "df": df})
    t = t[((t["df"] > 0) & (t["df"] <= MAX_WORD_DF)).to_numpy() & ~text.isin(generic).to_numpy()
          & (text.str.len() >= 2).to_numpy()]
    t = t.sort_values(["q", "df"]).drop_duplicates(["q", "wid"])
    first = t.drop_duplicates("q")
    second = t[t.duplicated("q")].drop_duplicates("q").set_index("q")
    rare = t[t["df"] <= SINGLE_WORD_DF].groupby("q").head(2)  # the two rarest, when rare
    # a query with one distinctive word only (however common, up to MAX_WORD_DF): that word
    alone = first[(first["df"] > SINGLE_WORD_DF) & (first["df"] <= ALONE_WORD_DF) & ~first["q"].isin(second.index)]
    rare = pd.concat([rare, alone])
    q1, e1 = ix.postings(rare["wid"].to_numpy(), rare["q"].to_numpy())
    both = first[(first["df"] > SINGLE_WORD_DF) & first["q"].isin(second.index)]
    qa, ea = ix.postings(both["wid"].to_numpy(), both["q"].to_numpy())
    sw = second.loc[both["q"].to_numpy(), "wid"].to_numpy()
    qb, eb = ix.postings(sw, both["q"].to_numpy())
    # entries holding both words: (query, entry) pairs of the first word found among the second's
    n_e = ix.n_entries + 1
    ka, kb = qa * n_e + ea, np.sort(qb * n_e + eb)
    at = np.minimum(np.searchsorted(kb, ka), max(len(kb) - 1, 0))
    hit = kb[at] == ka if len(kb) else np.zeros(len(ka), bool)
    q = np.concatenate([q1, qa[hit]])
    e = np.concatenate([e1, ea[hit]])
    return q, e


def words_explained(a: str, b: str, unknown: set[str]) -> bool:
    """Every word the keys ``a`` and ``b`` do not share is a typing slip: a word of letters no
    register name holds, within one letter (two, for words of seven letters or more) of the other
    name's word. A known word, a number or a plural 's' is a real difference."""
    wa, wb = a.split(" "), b.split(" ")
    only_a = [w for w in wa if w not in wb and w not in _FILLER]
    only_b = [w for w in wb if w not in wa and w not in _FILLER]
    if not only_a and not only_b:
        return True
    if len(only_a) != len(only_b) or len(only_a) > 2:
        return False
    from rapidfuzz.distance import Levenshtein

    for x in only_a:
        partner = min(only_b, key=lambda y: Levenshtein.distance(x, y))
        slip = x in unknown and x.isalpha() and Levenshtein.distance(x, partner) <= (1 if len(partner) < 7 else 2)
        if not slip:
            return False
        only_b.remove(partner)
    return True



_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def slips(words: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every word one typing slip away from each of ``words`` (a letter dropped, added, changed
    or two swapped), with its owner beside it: the words a slip may have been meant as."""
    out_w: list[str] = []
    out_o: list[int] = []
    for w, o in zip(words, owners, strict=True):
        splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
        found = {a + b[1:] for a, b in splits if b}
        found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        found |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
        found |= {a + c + b for a, b in splits for c in _LETTERS}
        found.discard(w)
        out_w += found
        out_o += [o] * len(found)
    return np.asarray(out_w, dtype=object), np.asarray(out_o, dtype=np.int64)
