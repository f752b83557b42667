"""A register's names and numbers, indexed for matching payees to it at national scale.

``build_from_rows(directory)`` runs once when a register is installed, on the rows the install
wrote there a block at a time (``build(frame, directory)`` does the same from a common frame,
``spendkit.reference.registries``); ``load(directory)`` memory-maps the result, so a run pays
only for the pages it reads. ``NameIndex.from_frame`` builds the same thing in memory for a
register file given for one run. Everything is vectorised (Arrow compute and NumPy); nothing
loops over the register's rows.

What is indexed, per register row (an *entry* per name: its current name, and each previous name
Companies House lists):

* ``normalise_names``: the name's *full* form (upper case, accents and punctuation dropped,
  ``&``/``+`` as ``AND``, a leading or trailing ``THE`` dropped, UK legal forms written one way:
  ``LIMITED`` -> ``LTD``, ``PUBLIC LIMITED COMPANY`` -> ``PLC``, ``COMMUNITY INTEREST COMPANY``
  -> ``CIC``, Welsh ``CYFYNGEDIG`` -> ``LTD``...) and its *key* (the full form without the legal
  forms at its end). ``ACME (Northern) Limited`` -> ``ACME NORTHERN LTD`` / ``ACME NORTHERN``.
* the key, hashed (64-bit), sorted: exact lookups by binary search (each large sorted array has
  a *fence*, every page's first element, so a run's searches read a page each by ``pread``
  instead of mapping a 350 MB array into memory: ``fenced_search``);
* the full form's first ``PREFIX_BYTES`` bytes, sorted: prefix lookups for names a finance
  system cut at its field limit;
* the key's words (tokens), with each word's document frequency and its postings (the entries
  holding it), sorted by word: candidates for fuzzy matching are the entries sharing a
  payee's rarest words;
* the identifiers (company number, charity number, org-id), hashed and sorted;
* the rows themselves (``rows.arrow``: Arrow IPC, uncompressed, read by memory map), and
  ``postcode_share``: how many of the register's rows give the same postcode (a formation
  agent's address is shared by thousands of companies).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spendkit.errors import ReferenceDataError
from spendkit.reference.registries.common import (
    CHARITY_REGISTRIES,
    COLUMNS,
    normalise_charity_numbers,
    text_column,
)

INDEX_FORMAT = 1
PREFIX_BYTES = 56
EXTRA_COLUMNS = ["previous_names", "postcode_share"]

# UK legal forms, each written one way (applied to upper-case text whose punctuation is spaces).
_FORMS = [
    (r"\bPUBLIC LIMITED COMPANY$", "PLC"), (r"\bP L C$", "PLC"),
    (r"\bLIMITED LIABILITY PARTNERSHIP$", "LLP"), (r"\bL L P$", "LLP"),
    (r"\bLIMITED PARTNERSHIP$", "LP"),
    (r"\bCOMMUNITY INTEREST COMPANY$", "CIC"), (r"\bC I C$", "CIC"),
    (r"\bCWMNI BUDDIANT CYMUNEDOL$", "CIC"), (r"\bCBC$", "CIC"),
    (r"\bCHARITABLE INCORPORATED ORGANI[SZ]ATION$", "CIO"), (r"\bSCIO$", "CIO"),
    (r"\bCYFYNGEDIG CYHOEDDUS$", "PLC"), (r"\bCCC$", "PLC"),
    (r"\bLIMITED\b", "LTD"), (r"\bL T D\b", "LTD"), (r"\bCYFYNGEDIG\b", "LTD"), (r"\bCYF\b", "LTD"),
    (r"\bINCORPORATED$", "INC"), (r"\bCOMPANY$", "CO"), (r"\bCOMPANY (LTD|LIMITED|PLC|LLP|UNLIMITED)$", r"CO \1"),
    (r"\b(?:LIMTED|LIMITD|LMITED|LIMITIED|LIMTIED|LIMIED|LIMITTED|LIITED|LIMIITED|LIMITEED|LIMITEDD|LIMTD)$", "LTD"),
]
# the forms stripped from the end of a full name to make its key
TRAILING_FORMS = r"(?: (?:LTD|PLC|LLP|LP|CIC|CIO|INC|CO|UNLIMITED))+$"


# ---------------------------------------------------------------- normalising names

def _arrow(texts: pd.Series | pa.Array | pa.ChunkedArray | Iterable[str]) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        return texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    if isinstance(texts, pa.Array):
        return texts
    if isinstance(texts, pd.Series):
        return pa.array(text_column(texts).to_numpy(dtype=object), type=pa.string())
    return pa.array(list(texts), type=pa.string())


def normalise_names(texts: pd.Series | pa.Array | pa.ChunkedArray | Iterable[str]) -> tuple[pa.Array, pa.Array]:
    """Names -> (full, key): see the module's docstring. Vectorised (Arrow compute, RE2); the
    rarer rewrites (accents, apostrophes, the rarer legal forms) run only on the rows that need
    them."""
    a = pc.fill_null(_arrow(texts).cast(pa.string()), "")
    a = _where(a, pc.invert(pc.string_is_ascii(a)), lambda t: pc.replace_substring_regex(
        pc.utf8_normalize(t, "NFKD"), r"[\x{0300}-\x{036f}]", ""))
    a = pc.utf8_upper(a)
    a = _where(a, pc.match_substring_regex(a, r"['’`&+]"), lambda t: pc.replace_substring_regex(
        pc.replace_substring_regex(t, r"['’`]", ""), r"[&+]", " AND "))
    a = _where(a, pc.match_substring_regex(a, r"[^A-Z0-9 ]|  |^ | $"), lambda t: pc.utf8_trim_whitespace(
        pc.replace_substring_regex(t, r"[^A-Z0-9]+", " ")))
    a = _where(a, pc.match_substring_regex(a, r"^THE | THE$"), lambda t: pc.replace_substring_regex(
        pc.replace_substring_regex(t, r"^THE ", ""), r" THE$", ""))
    a = _where(a, pc.match_substring_regex(a, _RARE_FORMS), _rare_forms)
    a = pc.replace_substring_regex(a, r"\bLIMITED\b", "LTD")
    key = pc.replace_substring_regex(a, TRAILING_FORMS, "")
    key = pc.if_else(pc.equal(key, ""), a, key)
    return a, key


_RARE_FORMS = "|".join(p for p, _ in _FORMS if p != r"\bLIMITED\b")


def _rare_forms(t: pa.Array) -> pa.Array:
    for pattern, form in _FORMS:
        if pattern != r"\bLIMITED\b":
            t = pc.replace_substring_regex(t, pattern, form)
    return t


def _where(a: pa.Array, mask: pa.Array, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``a`` with ``fn`` applied to the rows ``mask`` selects only (all rows when most need it)."""
    rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    if not len(rows):
        return a
    if len(rows) > len(a) // 3:
        return fn(a)
    changed = fn(a.take(pa.array(rows)))
    out = np.arange(len(a))
    # scatter: the unchanged rows, then the changed ones, put back in order by one take
    combined = pa.concat_arrays([a, changed])
    out[rows] = len(a) + np.arange(len(rows))
    return combined.take(pa.array(out))


def tokens_of(keys: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(position of the key each word came from, the words), for the keys' words."""
    lists = pc.split_pattern(keys, " ")
    parent = pc.list_parent_indices(lists).to_numpy()
    words = pc.list_flatten(lists)
    keep = pc.greater(pc.utf8_length(words), 0)
    return parent[keep.to_numpy(zero_copy_only=False)], words.filter(keep)


CHUNK = 500_000  # texts turned into Python objects at a time (bounded memory on millions of rows)


def hash_texts(texts: pa.Array | np.ndarray | Iterable[str]) -> np.ndarray:
    """64-bit hashes of texts (the same text -> the same hash, in every process), a chunk at a
    time so that millions of texts never become Python objects all at once."""
    if not isinstance(texts, pa.Array | pa.ChunkedArray):
        values = np.asarray(list(texts) if not isinstance(texts, np.ndarray) else texts, dtype=object)
        return pd.util.hash_array(values, categorize=False).astype(np.uint64)
    arr = _arrow(texts)
    out = np.empty(len(arr), dtype=np.uint64)
    for start in range(0, len(arr), CHUNK):
        part = np.asarray(arr.slice(start, CHUNK).to_numpy(zero_copy_only=False), dtype=object)
        out[start:start + len(part)] = pd.util.hash_array(part, categorize=False)
    return out


def fixed_width(texts: pa.Array, width: int) -> np.ndarray:
    """Texts (ASCII) as a NumPy fixed-width byte array, cut at ``width`` bytes, a chunk at a time."""
    out = np.empty(len(texts), dtype=f"S{width}")
    cut = pc.utf8_slice_codeunits(texts, 0, width)
    for start in range(0, len(cut), CHUNK):
        part = cut.slice(start, CHUNK).to_numpy(zero_copy_only=False)
        out[start:start + len(part)] = np.asarray(part, dtype=f"S{width}")
    return out


# ---------------------------------------------------------------- building

ROWS = "rows.arrow"  # the register's rows (``ROW_COLUMNS``), Arrow IPC, read by memory map
ROW_COLUMNS = [*COLUMNS, "previous_names"]


def build(frame: pd.DataFrame, directory: Path) -> None:
    """Index the register ``frame`` (the common frame, optionally with ``previous_names``:
    ';'-joined) into ``directory``. Built beside it and renamed into place when complete, so an
    index already there keeps working until the new one is whole; ``index.json``, written last,
    marks a complete build (``load`` refuses a directory without it)."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    building = directory.with_name(f".{directory.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    try:
        write_ipc(_rows_table(frame), building / ROWS)
        build_from_rows(building)
        old = directory.with_name(f".{directory.name}.old-{os.getpid()}")
        if directory.exists():
            os.replace(directory, old)
        os.replace(building, directory)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(building, ignore_errors=True)


def build_from_rows(directory: Path) -> None:
    """Index the rows already in ``directory``/``ROWS`` (written by ``build``, or a block at a
    time by an install that never holds the register whole). Each part is written as soon as it
    is made and then let go, so the index's arrays are never all in memory at once; the rows
    are read by memory map. ``index.json`` is written last."""
    directory = Path(directory)
    rows = _open_ipc(directory / ROWS)
    meta: dict[str, object] = {}
    for name, part in _index_parts(rows, meta):
        if isinstance(part, pa.Table):
            write_ipc(part, directory / f"{name}.arrow")
        else:
            np.save(directory / f"{name}.npy", part, allow_pickle=False)
        del part
    (directory / "index.json").write_text(json.dumps(meta, indent=1))


def write_ipc(table: pa.Table, path: Path) -> None:
    import pyarrow.ipc as ipc

    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=1 << 20)


def _open_ipc(path: Path) -> pa.Table:
    """An Arrow IPC file's table, memory-mapped (zero copy)."""
    import pyarrow.ipc as ipc

    return ipc.open_file(pa.memory_map(str(path))).read_all()


def _index_parts(rows: pa.Table, meta: dict[str, object]) -> Iterator[tuple[str, np.ndarray | pa.Table]]:
    """The index of ``rows``, a part at a time (``meta`` filled at the end). Each intermediate is
    dropped as soon as the parts that need it are made: the peak is one step's, not the sum."""
    n = rows.num_rows
    # entries: current names, then previous names
    names = _arrow(rows.column("name")) if n else pa.array([], type=pa.string())
    entry_row = np.arange(n, dtype=np.int32)
    entry_kind = np.zeros(n, dtype=np.int8)
    prev = _arrow(rows.column("previous_names")) if n else pa.array([], type=pa.string())
    has_prev = pc.not_equal(prev, "").to_numpy(zero_copy_only=False) if n else np.zeros(0, bool)
    if has_prev.any():
        lists = pc.split_pattern(prev.filter(pa.array(has_prev)), ";")
        parent = np.flatnonzero(has_prev)[pc.list_parent_indices(lists).to_numpy()]
        flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
        keep = pc.not_equal(flat, "").to_numpy(zero_copy_only=False)
        names = pa.concat_arrays([names, flat.filter(pa.array(keep))])
        entry_row = np.concatenate([entry_row, parent[keep].astype(np.int32)])
        entry_kind = np.concatenate([entry_kind, np.ones(int(keep.sum()), dtype=np.int8)])
        del lists, parent, flat, keep
    del prev, has_prev
    n_entries = len(entry_row)
    full, key = normalise_names(names)
    del names
    yield "entries", pa.table({"full": full, "key": key, "row": pa.array(entry_row),
                               "kind": pa.array(entry_kind)})
    del entry_row, entry_kind
    # exact keys
    kh = hash_texts(key)
    order = np.argsort(kh, kind="stable")
    yield from _with_fence("key_hash", kh[order], meta)
    yield "key_entry", order.astype(np.int32)
    del kh, order
    # prefixes of the full names
    order = pc.sort_indices(full).to_numpy()  # Arrow's sort: full strings, so their prefixes too
    yield "prefix_entry", order.astype(np.int32)
    yield from _with_fence("prefix", fixed_width(full.take(pa.array(order)), PREFIX_BYTES), meta)
    del full, order
    # words: document frequency and postings
    parent, words = tokens_of(key)
    del key
    encoded = pc.dictionary_encode(words)
    del words
    codes = encoded.indices.to_numpy()
    vocab = encoded.dictionary
    del encoded
    vh = hash_texts(vocab)
    vorder = np.argsort(vh, kind="stable")
    rank = np.empty_like(vorder)
    rank[vorder] = np.arange(len(vorder))
    # one posting per (word, entry), distinct (sorting is much faster than NumPy's hashing unique)
    pairs = (rank[codes].astype(np.int64) if len(codes) else codes.astype(np.int64)) * (n_entries + 1)
    del codes
    pairs += parent
    del parent
    pairs.sort()
    if len(pairs):
        pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
    yield "vocab_hash", vh[vorder]
    vocab_df = np.bincount(pairs // (n_entries + 1), minlength=len(vh)).astype(np.int32)
    yield "vocab_df", vocab_df
    yield "post_offsets", np.concatenate([[0], np.cumsum(vocab_df, dtype=np.int64)])
    yield "post_entry", (pairs % (n_entries + 1)).astype(np.int32)
    del pairs
    # identifiers
    ident_hash, ident_row = _identifiers(rows)
    order = np.argsort(ident_hash, kind="stable")
    yield from _with_fence("id_hash", ident_hash[order], meta)
    yield "id_row", ident_row[order]
    del ident_hash, ident_row, order
    yield "postcode_share", postcode_share(rows.column("postcode"))
    counts = pc.value_counts(rows.column("registry")).to_pylist() if n else []
    meta.update({"format": INDEX_FORMAT, "rows": n, "entries": n_entries, "words": len(vh),
                 "registries": {str(c["values"]): int(c["counts"]) for c in counts}})


def _with_fence(name: str, arr: np.ndarray, meta: dict[str, object]) -> Iterator[tuple[str, np.ndarray]]:
    """A sorted array and its fence: every ``block``-th element, a block being about a page
    (``fenced_search``); the block is recorded in ``meta['fences']``."""
    block = max(1, 4096 // arr.dtype.itemsize)
    fences = meta.setdefault("fences", {})
    assert isinstance(fences, dict)
    fences[name] = block
    yield name, arr
    yield f"{name}_fence", np.ascontiguousarray(arr[::block])


def postcode_share(postcodes: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Per row, how many of the register's rows give the same postcode (0 for none)."""
    postcode = _arrow(pc.utf8_upper(pc.replace_substring(postcodes, " ", "")))
    encoded = pc.dictionary_encode(postcode)
    codes = encoded.indices.to_numpy()
    share = np.bincount(codes, minlength=len(encoded.dictionary))[codes].astype(np.int32) if len(codes) \
        else np.zeros(0, np.int32)
    share[pc.equal(postcode, "").to_numpy(zero_copy_only=False)] = 0
    return share


def _rows_table(frame: pd.DataFrame) -> pa.Table:
    """The common frame's columns (text as Arrow strings, income as float64) and previous names."""
    cols: dict[str, pa.Array | pa.ChunkedArray] = {}
    for c in COLUMNS:
        if c == "income_pounds":
            values = pd.to_numeric(frame[c], errors="coerce") if c in frame else pd.Series(np.nan, index=frame.index)
            cols[c] = pa.array(values.to_numpy(dtype="float64"), type=pa.float64())
        else:
            cols[c] = _text_arrow(frame, c)
    cols["previous_names"] = _text_arrow(frame, "previous_names")
    return pa.table(cols)


def _text_arrow(frame: pd.DataFrame, column: str) -> pa.Array | pa.ChunkedArray:
    """A frame's text column as Arrow strings, without copying when it is Arrow-backed already."""
    if column not in frame:
        return pa.array(np.full(len(frame), "", dtype=object), type=pa.string())
    col = frame[column]
    if isinstance(col.dtype, pd.ArrowDtype | pd.StringDtype):
        try:
            arr = pa.array(col.array)
            if arr.type != pa.string():
                arr = arr.cast(pa.string())
            return pc.fill_null(arr, "") if arr.null_count else arr
        except (pa.ArrowInvalid, pa.ArrowTypeError, NotImplementedError):
            pass
    return pa.array(text_column(col).to_numpy(dtype=object), type=pa.string())


def id_keys(kind: str, values: np.ndarray | pd.Series | pa.Array) -> np.ndarray:
    """Hashes of identifiers of a kind: 'C' company number, 'H' charity number, 'O' org-id."""
    arr = values if isinstance(values, pa.Array) else pa.array(
        pd.Series(np.asarray(values, dtype=object), dtype=object).astype(str).to_numpy(dtype=object),
        type=pa.string())
    return hash_texts(pc.binary_join_element_wise(kind, arr, ":"))


def _identifiers(rows: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """(hash, row) of every identifier a row holds: its company number, its charity number
    (charity registers, normalised) and its org-id. Arrow compute: no Python object per row."""
    at = np.arange(rows.num_rows, dtype=np.int32)
    parts_h, parts_r = [], []
    for kind, column in (("C", "company_number"), ("O", "org_id")):
        values = _arrow(rows.column(column))
        has = pc.not_equal(values, "")
        parts_h.append(id_keys(kind, values.filter(has)))
        parts_r.append(at[has.to_numpy(zero_copy_only=False)])
    charity = pc.is_in(_arrow(rows.column("registry")), value_set=pa.array(list(CHARITY_REGISTRIES)))
    charity_np = charity.to_numpy(zero_copy_only=False)
    if charity_np.any():
        number = pd.Series(_arrow(rows.column("number")).filter(charity).to_numpy(zero_copy_only=False), dtype="str")
        key = normalise_charity_numbers(number).to_numpy(dtype=object)
        ok = key != ""
        parts_h.append(id_keys("H", key[ok]))
        parts_r.append(at[charity_np][ok])
    return np.concatenate(parts_h).astype(np.uint64), np.concatenate(parts_r).astype(np.int32)


# ---------------------------------------------------------------- loading and lookups

def load(directory: Path) -> NameIndex:
    """The index ``build`` wrote in ``directory``, memory-mapped."""
    directory = Path(directory)
    marker = directory / "index.json"
    try:
        meta = json.loads(marker.read_text())
    except (OSError, ValueError):
        raise ReferenceDataError(f"{directory}: no complete register name index here.",
                                 hint="Install the register again (spendkit registers add).") from None
    if meta.get("format") != INDEX_FORMAT:
        raise ReferenceDataError(f"{directory}: the register's name index is of another format.",
                                 hint="Install the register again (spendkit registers add).")
    try:
        arrays = {p.stem: np.load(p, mmap_mode="r", allow_pickle=False) for p in directory.glob("*.npy")}
        tables = [_open_ipc(directory / f"{n}.arrow") for n in ("rows", "entries")]
    except (OSError, ValueError, pa.ArrowInvalid) as exc:
        raise ReferenceDataError(f"{directory}: the register's name index cannot be read ({exc}).",
                                 hint="Install the register again (spendkit registers add).") from None
    return NameIndex(arrays, tables[0], tables[1], meta)


@dataclass
class NameIndex:
    """One register's index (see the module's docstring). Row positions are the register frame's."""

    arrays: dict[str, np.ndarray]
    row_table: pa.Table
    entry_table: pa.Table
    meta: dict[str, object]
    # added to the rows ``rows`` gives (an installed register's, matched with link tables or
    # notices installed beside it): ``lookups.apply_links`` and ``lookups.apply_declarations``
    links: pd.DataFrame | None = None
    declarations: pd.DataFrame | None = None

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> NameIndex:
        """The index of a register frame, in memory (a register file given for one run)."""
        rows = _rows_table(frame)
        meta: dict[str, object] = {}
        arrays: dict[str, np.ndarray | pa.Table] = dict(_index_parts(rows, meta))
        entries = arrays.pop("entries")
        assert isinstance(entries, pa.Table)
        return cls({k: v for k, v in arrays.items() if isinstance(v, np.ndarray)}, rows, entries, meta)

    @property
    def n_rows(self) -> int:
        return self.row_table.num_rows

    @property
    def n_entries(self) -> int:
        return self.entry_table.num_rows

    def search(self, name: str, values: np.ndarray, side: Literal["left", "right"]) -> np.ndarray:
        """``np.searchsorted`` on the sorted array ``name``: through its fence when it has one
        and is on disk (``fenced_search``: a few thousand lookups then read a few thousand
        blocks, not every page of a 350 MB array), else directly."""
        arr = self.arrays[name]
        fence = self.arrays.get(f"{name}_fence")
        block = int(dict(self.meta.get("fences", {}) or {}).get(name, 0))  # type: ignore[call-overload]
        if fence is None or not block or not isinstance(arr, np.memmap):
            return np.asarray(np.searchsorted(arr, values, side), dtype=np.int64)
        return fenced_search(arr, np.asarray(fence), block, values, side)

    def _ranges(self, name: str, values: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query position, value) for every element of the sorted array ``name`` equal to a query."""
        lo, hi = self.search(name, queries, "left"), self.search(name, queries, "right")
        return _expand(lo, hi, np.arange(len(queries)), values)

    @cached_property
    def key_lengths(self) -> np.ndarray:
        """Per entry, its key's length in bytes (read from the offsets alone: no text is touched)."""
        return np.asarray(pc.binary_length(self.entry_table.column("key")).to_numpy(), dtype=np.int32)

    def rows(self, positions: np.ndarray) -> pd.DataFrame:
        """The register rows at ``positions`` (common-frame columns, ``previous_names``,
        ``postcode_share``), as a pandas frame with text columns as ``str``, with the links and
        declarations the index was given."""
        out = _take(self.row_table, positions).to_pandas()
        if "postcode_share" in self.arrays:  # (an index built before it was an array holds a column)
            out["postcode_share"] = np.asarray(self.arrays["postcode_share"])[np.asarray(positions, dtype=np.int64)]
        for c in out.columns:
            if c not in ("income_pounds", "postcode_share"):
                out[c] = text_column(out[c])
        if self.links is not None:
            from spendkit.reference.registries.lookups import apply_links

            out, _ = apply_links(out, self.links)
        if self.declarations is not None:
            from spendkit.reference.registries.lookups import apply_declarations

            out = apply_declarations(out, self.declarations)
        return out

    def entries(self, ids: np.ndarray, columns: tuple[str, ...] = ("full", "key", "row", "kind")
                ) -> pd.DataFrame:
        """Entries (full, key, row, kind: 0 current name, 1 previous name) at ``ids``."""
        taken = _take(self.entry_table.select(list(columns)), ids)
        return pd.DataFrame({c: taken.column(c).to_numpy(zero_copy_only=False) for c in columns})

    def by_key(self, keys: np.ndarray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """(query position, entry id) for every entry whose key equals a query's key."""
        return self._ranges("key_hash", self.arrays["key_entry"], hash_texts(keys))

    def by_id(self, kind: str, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query position, row) for every row holding an identifier: ``kind`` 'C' (company
        number), 'H' (charity number, normalised) or 'O' (org-id)."""
        return self._ranges("id_hash", self.arrays["id_row"], id_keys(kind, values))

    def by_prefix(self, prefixes: list[str], limit: int = 20) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query position, entry id) of the entries whose full form starts with a query, for
        queries with at most ``limit`` such entries; and per query, how many there are."""
        q = np.asarray([p.encode()[:PREFIX_BYTES] for p in prefixes], dtype=f"S{PREFIX_BYTES}")
        hi = np.asarray([_successor(p.encode()[:PREFIX_BYTES]) for p in prefixes], dtype=f"S{PREFIX_BYTES}")
        lo_at, hi_at = self.search("prefix", q, "left"), self.search("prefix", hi, "left")
        count = hi_at - lo_at
        small = count <= limit
        qs, ents = _expand(lo_at[small], hi_at[small], np.flatnonzero(small), self.arrays["prefix_entry"])
        return qs, ents, count

    def words(self, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per word: its id (-1 if the register has no such word) and document frequency (0)."""
        vh = self.arrays["vocab_hash"]
        h = hash_texts(words)
        at = np.searchsorted(vh, h)
        at_c = np.minimum(at, max(len(vh) - 1, 0))
        found = (at < len(vh)) & (vh[at_c] == h) if len(vh) else np.zeros(len(h), bool)
        wid = np.where(found, at_c, -1)
        df = np.where(found, np.asarray(self.arrays["vocab_df"])[at_c] if len(vh) else 0, 0)
        return wid.astype(np.int64), df.astype(np.int64)

    def postings(self, word_ids: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(owner, entry id) for every entry holding each word id (vectorised range expansion)."""
        off = self.arrays["post_offsets"]
        return _expand(off[word_ids], off[word_ids + 1], owners, self.arrays["post_entry"])


def _take(table: pa.Table, positions: np.ndarray) -> pa.Table:
    """``table.take(positions)``, a record batch at a time: Arrow's take on a chunked table joins
    the chunks first, which on a memory-mapped register copies every row it holds."""
    positions = np.asarray(positions, dtype=np.int64)
    batches = table.to_batches()
    if len(batches) <= 1:
        return table.take(pa.array(positions))
    starts = np.cumsum([0, *(b.num_rows for b in batches)])
    which = np.searchsorted(starts, positions, "right") - 1
    order = np.argsort(which, kind="stable")
    parts = []
    for b in np.unique(which):
        at = order[which[order] == b]
        parts.append(batches[b].take(pa.array(positions[at] - starts[b])))
    taken = pa.Table.from_batches(parts, schema=table.schema) if parts else table.slice(0, 0)
    back = np.empty(len(positions), dtype=np.int64)
    back[order] = np.arange(len(positions))
    return taken.take(pa.array(back))


def _successor(b: bytes) -> bytes:
    """The smallest byte string above every string starting with ``b``."""
    if not b:
        return b"\xff"
    return b[:-1] + bytes([min(b[-1] + 1, 255)])


def fenced_search(arr: np.ndarray, fence: np.ndarray, block: int, values: np.ndarray,
                  side: Literal["left", "right"]) -> np.ndarray:
    """``np.searchsorted(arr, values, side)`` for a sorted array on disk (a memory-mapped
    ``.npy``), reading only the blocks the answers lie in: ``fence`` (every ``block``-th element,
    in memory) says which block each answer is in, those blocks are read from the file (by
    ``pread``, so no page of the file is mapped into the process), and the answers are found in
    them. Answers in a block are the same as in the whole array: the blocks read, in order, are
    a sorted array whose elements before a query's block are all below it."""
    n = len(arr)
    if not len(values) or not n:
        return np.zeros(len(values), dtype=np.int64)
    which = np.clip(np.searchsorted(fence, values, side) - 1, 0, len(fence) - 1)
    blocks, at = np.unique(which, return_inverse=True)
    starts = blocks * block
    counts = np.minimum(block, n - starts)
    item = arr.dtype.itemsize
    base = int(getattr(arr, "offset", 0))
    fd = os.open(str(getattr(arr, "filename", "")), os.O_RDONLY)
    try:
        read = b"".join(os.pread(fd, int(c) * item, base + int(s) * item) for s, c in zip(starts, counts, strict=True))
    finally:
        os.close(fd)
    local = np.frombuffer(read, dtype=arr.dtype)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    found = np.searchsorted(local, values, side)
    return (starts[at] + found - first[at]).astype(np.int64)


def _expand(lo: np.ndarray, hi: np.ndarray, owners: np.ndarray, values: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """For each i, ``values[lo[i]:hi[i]]`` with ``owners[i]`` beside each, concatenated."""
    lo, hi = np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64)
    n = np.maximum(hi - lo, 0)
    total = int(n.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    own = np.repeat(np.asarray(owners, dtype=np.int64), n)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(n)[:-1]]), n)
    pos = starts + np.arange(total)
    return own, np.asarray(values[pos], dtype=np.int64)
