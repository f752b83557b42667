"""Where a register given for a run is kept once installed (``store.given_install``): a key of
the files it was built from, so that the same files give the same install and a changed file a
new one."""

from __future__ import annotations

import hashlib
from pathlib import Path

CACHE_FORMAT = 3  # bump when what an install of a given register holds changes


def cache_key(files: list[Path]) -> str:
    """A key of the files' names, sizes and modification times (and the cache format)."""
    h = hashlib.sha256(f"spendkit-registries-{CACHE_FORMAT}".encode())
    for p in sorted(files, key=lambda q: q.name):
        st = p.stat()
        h.update(f"|{p.name}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:24]
