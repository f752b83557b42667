"""Installed registers: each register kind built once into a directory of the user data folder,
``registers/<kind>/`` holding ``organisations.parquet`` (the common frame, in the publisher's
order, in row groups that are read memory-mapped), ``name-index/`` (the rows again, uncompressed
for memory mapping, and the name index built from them) and ``manifest.json`` (what was installed, from
which files, dated when, how many rows, checksums). Every run reads them; ``registers add`` and
``registers fetch`` write them.

An install is built in a temporary directory beside the live one and renamed into place only
when complete: the old install keeps serving runs until then, and an error or Ctrl-C leaves
nothing half-installed (the temporary directory is removed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from spendkit.config import MAX_AGE_DAYS, REGISTER_URLS, Settings
from spendkit.errors import ReferenceDataError
from spendkit.reference.registries import name_index
from spendkit.reference.registries.common import (
    COLUMNS,
    LINK_REGISTRIES,
    REGISTRIES,
    TEXT_COLUMNS,
    text_column,
)
from spendkit.reference.registries.recognise import READERS, Recognised, check_complete

STORE_FORMAT = 1
ENV = "SPENDKIT_DATA_DIR"
FRAME = "organisations.parquet"
NAME_INDEX = "name-index"  # the name index of the install (reference.registries.name_index)
MANIFEST = "manifest.json"
ROW_GROUP = 262_144
# The order registers are read in: a name or number found on two is taken from the first.
ORDER = ["charity_commission", "oscr", "ccni", "mutuals", "companies_house", "ocds",
         *LINK_REGISTRIES]


def describe_kind(kind: str) -> str:
    """A kind's name in words (``REGISTRIES``)."""
    return REGISTRIES.get(kind, (kind, ""))[0]


def data_dir(settings: Settings | None = None) -> Path:
    """Where spendkit keeps installed data: the ``registries.data_dir`` setting, else
    $SPENDKIT_DATA_DIR, else the user data directory (platformdirs)."""
    if settings is not None and settings.registries.data_dir is not None:
        return settings.registries.data_dir
    env = os.environ.get(ENV)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("spendkit", appauthor=False))


def registers_dir(settings: Settings | None = None) -> Path:
    return data_dir(settings) / "registers"


@dataclass
class Installed:
    """One installed register, as its manifest describes it."""

    kind: str
    directory: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def date(self) -> str:
        return str(self.manifest.get("date", ""))

    @property
    def rows(self) -> int:
        return int(self.manifest.get("rows", 0))

    def age_days(self, today: dt.date | None = None) -> int | None:
        try:
            day = dt.date.fromisoformat(self.date)
        except ValueError:
            return None
        return ((today or datetime.now(tz=UTC).date()) - day).days

    def is_old(self, settings: Settings, today: dt.date | None = None) -> bool:
        limit = {**MAX_AGE_DAYS, **settings.registries.max_age_days}.get(self.kind, 90)
        age = self.age_days(today)
        return age is not None and age > limit

    def to_dict(self) -> dict[str, Any]:
        m = self.manifest
        return {"kind": self.kind, "name": describe_kind(self.kind), "date": self.date,
                "date_from": m.get("date_from", ""), "rows": self.rows,
                "files": [f["name"] for f in m.get("files", [])], "installed_at": m.get("installed_at", ""),
                "source": "installed"}


# ---------------------------------------------------------------- installing

def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def read_kind(kind: str, files: list[Recognised]) -> pd.DataFrame:
    """The common frame of one kind's files (each checked for a row cut short first)."""
    for f in files:
        check_complete(f.path, kind)
    return READERS[kind]([f.path for f in files])


def install(kind: str, files: list[Recognised], settings: Settings | None = None) -> Installed:
    """Read ``files`` (all of one kind) and install them as that kind's register, replacing any
    earlier install of it only once the new one is complete."""
    return install_all({kind: files}, settings)[0]


def install_all(kinds: dict[str, list[Recognised]], settings: Settings | None = None) -> list[Installed]:
    """Install several registers (kind -> its files): every one is built first, beside the live
    installs, and only when all are complete are they put in place; a file that cannot be read
    stops everything before anything is installed (what was built is removed)."""
    root = registers_dir(settings)
    built: list[tuple[str, Path, dict[str, Any]]] = []
    try:
        root.mkdir(parents=True, exist_ok=True)
        _remove_stale(root)
        check_space(root, [f.path for files in kinds.values() for f in files])
        for kind, files in kinds.items():
            building = Path(tempfile.mkdtemp(dir=root, prefix=f".building-{kind}-"))
            built.append((kind, building, {}))
            built[-1][2].update(_build(kind, files, building))
        for kind, building, _ in built:
            _swap(building, root / kind)
    except OSError as exc:  # the data folder, not the register files (their readers say so)
        why = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise ReferenceDataError(f"{root}: the registers could not be installed ({why}); nothing "
                                 "was installed and any earlier install is as it was.",
                                 hint=f"Free space there, or install elsewhere: set {ENV} or "
                                      "registries.data_dir in spendkit.toml.") from None
    finally:
        for _, building, _ in built:
            if building.exists():
                shutil.rmtree(building, ignore_errors=True)
    return [Installed(kind, root / kind, manifest) for kind, _, manifest in built]


# An install takes about as much room as the register's uncompressed text (Companies House:
# 2.6 GB for 2.3 GB of CSV): the rows twice (compressed and not) and the name index.
SPACE_PER_BYTE = 1.2


def check_space(folder: Path, files: list[Path]) -> None:
    """A ReferenceDataError, before anything is written, when ``folder``'s disk has less room
    than installing ``files`` needs (their uncompressed size, zips counted by their members)."""
    need = 0
    for p in files:
        try:
            with zipfile.ZipFile(p) as z:
                need += sum(i.file_size for i in z.infolist())
        except (zipfile.BadZipFile, OSError):
            need += p.stat().st_size if p.exists() else 0
    need = int(need * SPACE_PER_BYTE)
    free = shutil.disk_usage(folder).free
    if free < need:
        raise ReferenceDataError(
            f"{folder}: installing needs about {need / 1e9:.1f} GB and the disk has "
            f"{free / 1e9:.1f} GB free; nothing was installed.",
            hint=f"Free space there, or install elsewhere: set {ENV} or registries.data_dir in spendkit.toml.")


def _build(kind: str, files: list[Recognised], building: Path) -> dict[str, Any]:
    """Build one register's install in ``building``: its rows written a block at a time (the
    Parquet store and the name index's memory-mapped rows), then the name index from them, then
    the manifest. Returns the manifest."""
    from importlib.metadata import version

    for f in files:
        check_complete(f.path, kind)
    notes: list[str] = []
    attrs: dict[str, Any] = {}
    (building / NAME_INDEX).mkdir()
    rows = _write_rows(_blocks(kind, files, notes, attrs), building, notes,
                       once=kind not in LINK_REGISTRIES)
    name_index.build_from_rows(building / NAME_INDEX)
    day, day_from = install_date(files, str(attrs.get("date", "")))
    manifest = {
        "format": STORE_FORMAT, "kind": kind, "name": describe_kind(kind),
        "files": [{"name": p.name, "bytes": p.stat().st_size, "sha256": sha256(p)}
                  for p in source_files(kind, files)],
        "date": day, "date_from": day_from,
        "rows": rows, "notes": [_named(n, files) for n in notes],
        "spendkit_version": version("spendkit"),
        "installed_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
    }
    (building / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


# The columns an install keeps: the common frame's and Companies House's previous names (for the
# name index; runs do not read them).
STORE_COLUMNS = name_index.ROW_COLUMNS


def _store_schema() -> Any:
    import pyarrow as pa

    return pa.schema([(c, pa.float64() if c == "income_pounds" else pa.string()) for c in STORE_COLUMNS])


def _blocks(kind: str, files: list[Recognised], notes: list[str], attrs: dict[str, Any]) -> Iterator[Any]:
    """One kind's rows as Arrow tables of ``STORE_COLUMNS`` (those it has: ``_conform`` adds
    the rest): Companies House a block of its CSV at
    a time (5.7 million companies are never in memory whole), the smaller registers whole.
    Rows without the register's number are dropped and counted, as ``finish_frame`` does."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind == "companies_house":
        from spendkit.reference.registries.companies_house import companies_house_tables

        dropped = 0
        for table in companies_house_tables([f.path for f in files], notes):
            has = pc.not_equal(table.column("number"), "")
            dropped += table.num_rows - int(pc.sum(has).as_py() or 0)
            yield table.filter(has)
        if dropped:
            notes.append(f"Companies House: {dropped} row(s) without a registration number skipped")
        return
    frame = READERS[kind]([f.path for f in files])
    notes += frame.attrs.get("notes", [])
    attrs.update(frame.attrs)
    yield pa.Table.from_pandas(frame[[c for c in STORE_COLUMNS if c in frame]], preserve_index=False)


def _write_rows(blocks: Iterator[Any], building: Path, notes: list[str], *, once: bool) -> int:
    """Write ``blocks`` to the store's Parquet file and the name index's rows file as they come;
    with ``once``, an org-id read again is dropped (the first kept, counted in ``notes``: an
    install holds each organisation once). Returns the rows written."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    schema = _store_schema()
    ids = []
    rows_file = building / NAME_INDEX / name_index.ROWS
    with pq.ParquetWriter(building / FRAME, schema, compression="zstd") as parquet, \
            pa.OSFile(str(rows_file), "wb") as sink, pa.ipc.new_file(sink, schema) as ipc:
        for block in blocks:
            table = _conform(block, schema)
            parquet.write_table(table, row_group_size=ROW_GROUP)
            ipc.write_table(table, max_chunksize=1 << 20)
            ids.append(table.column("org_id"))
            del block, table
    every = pa.chunked_array([c for col in ids for c in col.chunks], type=pa.string())
    del ids
    if not once or pc.count_distinct(every).as_py() == len(every):
        return len(every)
    repeated = pd.Series(every.to_numpy(), dtype=object).duplicated().to_numpy()
    del every
    notes.append(f"{int(repeated.sum()):,} row(s) repeating an organisation already read: the first "
                 "of each kept")
    return _drop_rows(building, repeated, schema)


def _drop_rows(building: Path, drop: Any, schema: Any) -> int:
    """Write the install's rows again without those ``drop`` marks (rare: a register that lists
    an organisation twice), a record batch at a time from the memory-mapped rows file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows_file = building / NAME_INDEX / name_index.ROWS
    old = rows_file.with_name("rows-with-repeats.arrow")
    os.replace(rows_file, old)
    kept = 0
    with pa.memory_map(str(old)) as source, pq.ParquetWriter(building / FRAME, schema, compression="zstd") as parquet, \
            pa.OSFile(str(rows_file), "wb") as sink, pa.ipc.new_file(sink, schema) as ipc:
        reader = pa.ipc.open_file(source)
        start = 0
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i)
            keep = ~drop[start:start + batch.num_rows]
            start += batch.num_rows
            table = pa.Table.from_batches([batch.filter(pa.array(keep))], schema=schema)
            parquet.write_table(table, row_group_size=ROW_GROUP)
            ipc.write_table(table)
            kept += table.num_rows
    old.unlink()
    return kept


def _conform(table: Any, schema: Any) -> Any:
    """``table`` with exactly ``schema``'s columns and types (text never null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for field_ in schema:
        if field_.name in table.column_names:
            col = table.column(field_.name)
            if col.type != field_.type:
                col = col.cast(field_.type)
        else:
            col = pa.nulls(table.num_rows, field_.type)
        if field_.type == pa.string() and col.null_count:
            col = pc.fill_null(col, "")
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=schema)


def source_files(kind: str, files: list[Recognised]) -> list[Path]:
    """The files an install is read from: those given, and for Companies House every part of a
    multi-part download (one part given, the others are read from beside it)."""
    if kind == "companies_house":
        from spendkit.reference.registries.companies_house import _companies_house_files

        return _companies_house_files([f.path for f in files])
    return [f.path for f in files]


def install_date(files: list[Recognised], content_date: str) -> tuple[str, str]:
    """The install's date and where it came from: a date in a file's name, else one the reader
    found in the contents (the latest notice), else the recognised one (contents or the file's
    modification time)."""
    named = [f.date for f in files if f.date and f.date_from == "file name"]
    if named:
        return max(named), "file name"
    if content_date:
        return content_date, "contents"
    latest = max(files, key=lambda f: f.date)
    return latest.date, latest.date_from


def _named(note: str, files: list[Recognised]) -> str:
    """A reader's note with the file's path cut to its name (a manifest names no machine path)."""
    for f in files:
        note = note.replace(str(f.path.parent) + os.sep, "")
    return note


def _swap(new: Path, live: Path) -> None:
    """Put ``new`` where ``live`` is: the old directory is moved aside first, then removed."""
    old = None
    if live.exists():
        old = live.with_name(f".old-{live.name}-{os.getpid()}-{time.time_ns()}")
        os.replace(live, old)
    try:
        os.replace(new, live)
    except OSError:
        if old is not None:
            os.replace(old, live)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _remove_stale(root: Path, older_than: float = 3600) -> None:
    """Temporary directories left by a run that was killed (never a live install)."""
    now = time.time()
    for p in root.glob(".*-*"):
        with contextlib.suppress(OSError):
            if p.is_dir() and now - p.stat().st_mtime > older_than:
                shutil.rmtree(p, ignore_errors=True)


def remove(kind: str, settings: Settings | None = None) -> Installed:
    """Remove an installed register (a ReferenceDataError naming those installed if none)."""
    found = {i.kind: i for i in installed(settings)}
    if kind not in found:
        have = ", ".join(found) or "none"
        raise ReferenceDataError(f"no register '{kind}' is installed (installed: {have}).",
                                 hint="See `spendkit registers status`.")
    gone = found[kind]
    aside = gone.directory.with_name(f".old-{kind}-{os.getpid()}-{time.time_ns()}")
    os.replace(gone.directory, aside)
    shutil.rmtree(aside, ignore_errors=True)
    return gone


# ---------------------------------------------------------------- reading

def installed(settings: Settings | None = None) -> list[Installed]:
    """The registers installed, in reading order (a damaged install is an error that says what
    to do, never skipped quietly)."""
    root = registers_dir(settings)
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir()):
        if d.name.startswith(".") or not d.is_dir():
            continue
        out.append(Installed(d.name, d, _manifest(d)))
    rank = {k: i for i, k in enumerate(ORDER)}
    return sorted(out, key=lambda i: rank.get(i.kind, len(rank)))


def _manifest(d: Path, kind: str | None = None) -> dict[str, Any]:
    try:
        m = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(m, dict) or m.get("format") != STORE_FORMAT or m.get("kind") != (kind or d.name) \
                or not (d / FRAME).is_file() or not (d / NAME_INDEX / "index.json").is_file():
            raise ValueError("not this version's install")
        return m
    except (OSError, ValueError) as exc:
        raise ReferenceDataError(f"{d}: the installed register is damaged or from another "
                                 f"version ({exc}).",
                                 hint=f"Install it again (`spendkit registers add FILE`), or remove "
                                      f"it: `spendkit registers remove {d.name}`.") from None


def read_installed(item: Installed, columns: list[str] | None = None) -> pd.DataFrame:
    """An installed register's frame (only ``columns`` if given), memory-mapped."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = item.directory / FRAME
    try:
        table = pq.read_table(path, columns=columns, memory_map=True)
    except (OSError, pa.ArrowException) as exc:
        raise ReferenceDataError(f"{path}: cannot be read ({exc}).",
                                 hint=f"Install it again, or `spendkit registers remove {item.kind}`.") from None
    if table.num_rows != item.rows:
        raise ReferenceDataError(f"{path}: holds {table.num_rows:,} rows, its manifest says "
                                 f"{item.rows:,}.", hint=f"Install {item.kind} again.")
    frame = table.to_pandas()
    for name in frame.columns:
        if name in TEXT_COLUMNS:
            frame[name] = text_column(frame[name])
    return frame


def combine(frames: list[tuple[str, pd.DataFrame]]) -> tuple[pd.DataFrame, list[str]]:
    """The registers read for a run (kind, frame: those given for it, and the link tables) in
    one, the link tables added to the rows they link. Returns notes of what was done."""
    from spendkit.reference.registries import empty_registry
    from spendkit.reference.registries.lookups import apply_links

    notes: list[str] = []
    rank = {k: i for i, k in enumerate(ORDER)}
    frames = sorted(frames, key=lambda kf: rank.get(kf[0], len(rank)))
    links = [f for k, f in frames if k in LINK_REGISTRIES]
    main = [f for k, f in frames if k not in LINK_REGISTRIES]
    if not main:
        return empty_registry(), notes
    out = pd.concat(main, ignore_index=True) if len(main) > 1 else main[0]
    if links:
        out, linked = apply_links(out, pd.concat(links, ignore_index=True))
        if linked:
            notes.append(f"{linked:,} organisation(s) linked to their number on another register "
                         "(charity <-> company lookup tables)")
    return out, notes


# ---------------------------------------------------------------- a run's registers

# The columns a run reads from an installed register: all but the SIC codes (kept in the store
# for anyone analysing it; nothing in a run uses them).
RUN_COLUMNS = [c for c in COLUMNS if c != "sic_codes"]
GIVEN = {"companies_house": "companies", "charity_commission": "charities", "oscr": "oscr",
         "ccni": "ccni", "mutuals": "mutuals"}  # kind -> the setting (option) that gives files


def registers_for_run(settings: Settings, today: dt.date | None = None) -> pd.DataFrame | None:
    """The registers a run uses: the files given for it (``--companies`` ...) and every
    installed register (unless ``registries.installed`` is off); a kind given for the run
    replaces the installed one of that kind. None when there are none. ``attrs['notes']``
    names each register used and its date (and warns of old ones); ``attrs['registers']``
    lists them for the run's document."""
    r = settings.registries
    given = {kind: list(getattr(r, opt)) for kind, opt in GIVEN.items() if getattr(r, opt)}
    items = installed(settings) if r.installed else []
    # One process classifying several ledgers (league) reads the same registers once.
    key = (tuple(_stamp(Path(p)) for paths in given.values() for p in paths),
           tuple(_stamp(i.directory / FRAME) for i in items), today, repr(r.max_age_days))
    if _LAST and _LAST[0] == key:
        return _LAST[1]
    frame = _registers_for_run(settings, given, items, today)
    _LAST[:] = [key, frame]
    return frame


_LAST: list[Any] = []  # (key, frame) of the last registers read


def _stamp(path: Path) -> tuple[str, int, int, int]:
    """A file as it is now (a new install is a new file: another inode)."""
    try:
        st = path.stat()
    except OSError:
        return (str(path), 0, 0, 0)
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns)


def _registers_for_run(settings: Settings, given: dict[str, list[Path]], items: list[Installed],
                       today: dt.date | None) -> pd.DataFrame | None:
    from spendkit.reference.registries import load_registries

    r = settings.registries
    if not items and not given:
        return None
    frames: list[tuple[str, pd.DataFrame]] = []
    notes: list[str] = []
    used = []
    # Installed registers are matched through their install's name index (memory-mapped): a run
    # reads none of their rows but the few a match fetches (5.7 million companies are 4 GB in
    # pandas). Link tables and notices' declarations are small: they are read, and added to the
    # rows a match fetches (``NameIndex.rows``) as to the rows of registers given for the run.
    # Companies House given for the run (--companies) is installed into the cache folder the
    # first time, and matched the same way; the smaller registers given are read for the run.
    index_only: dict[str, str] = {}
    declared: list[pd.DataFrame] = []
    read_companies = False
    if "companies_house" in given:
        try:
            cached = given_install("companies_house", given["companies_house"])
            index_only["companies_house"] = str(cached.directory / NAME_INDEX)
            notes += cached.manifest.get("notes", [])
        except OSError as exc:  # an unwritable cache folder costs only speed
            notes.append(f"Companies House could not be kept in the cache folder ({exc}): read "
                         "for this run only")
            read_companies = True
    if read_companies or any(kind != "companies_house" for kind in given):
        run = load_registries(companies=r.companies if read_companies else None,
                              charities=r.charities or None, oscr=r.oscr or None, ccni=r.ccni or None,
                              mutuals=r.mutuals or None)
        notes += run.attrs.get("notes", [])
        frames += [(str(k), f[RUN_COLUMNS]) for k, f in run.groupby("registry", sort=False)]
    used += [_given(kind, paths) for kind, paths in given.items()]
    for item in items:
        if item.kind in given:
            notes.append(f"installed {describe_kind(item.kind)} {item.date} not used: files "
                         f"given with --{GIVEN[item.kind]} replace it for this run")
            continue
        if item.kind in LINK_REGISTRIES:
            frames.append((item.kind, read_installed(item, RUN_COLUMNS)))
        else:
            index_only[item.kind] = str(item.directory / NAME_INDEX)
        if item.kind == "ocds":
            from spendkit.reference.registries.lookups import declarations

            declared.append(declarations(read_installed(item, ["org_id", "sme_declared", "vcse_declared"])))
        used.append(item.to_dict())
        if item.is_old(settings, today):
            how = f"`spendkit registers fetch {item.kind}` or " if item.kind in REGISTER_URLS else ""
            notes.append(f"installed {describe_kind(item.kind)} is {item.age_days(today)} days old "
                         f"({item.date}): {how}`spendkit registers add` a newer file")
    frame, more = combine(frames)
    frame.attrs["notes"] = [*notes, *more, _used_note(used)]
    frame.attrs["registers"] = used
    # Matching reads each install's name index (``index_only``: memory-mapped, the links and
    # declarations added to the rows it fetches); the rows of the frame are indexed in memory.
    frame.attrs["index_only"] = index_only
    links = [f for k, f in frames if k in LINK_REGISTRIES]
    frame.attrs["links"] = pd.concat(links, ignore_index=True) if links else None
    frame.attrs["declarations"] = pd.concat(declared, ignore_index=True) if declared else None
    return frame


CACHE_KEEP = 3  # registers given for runs kept installed in the cache folder (the most recent)


def given_install(kind: str, paths: list[Path]) -> Installed:
    """A register given for a run (``--companies``) installed into the cache folder, as
    ``registers add`` installs one, under a key of the files' names, sizes and modification
    times: built on the first run that gives those files (with the same checks and notes), and
    matched through its name index on every later one. The ``CACHE_KEEP`` most recent are kept."""
    from spendkit.reference.postcode_index import cache_dir
    from spendkit.reference.registries.cache import cache_key
    from spendkit.reference.registries.recognise import date_in_name

    def recognised(p: Path) -> Recognised:
        day = date_in_name(p.name)
        return Recognised(p, kind, day, "file name" if day else "")

    files = [recognised(Path(p)) for p in paths]
    root = cache_dir() / "registries"
    target = root / f"{kind}-{cache_key(source_files(kind, files))}"
    with contextlib.suppress(OSError, ValueError, ReferenceDataError):
        if (target / NAME_INDEX / "index.json").is_file():
            return Installed(kind, target, _manifest(target, kind))
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale(root)
    building = Path(tempfile.mkdtemp(dir=root, prefix=f".building-{kind}-"))
    try:
        manifest = _build(kind, files, building)
        _swap(building, target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    kept = sorted(root.glob(f"{kind}-*"), key=lambda d: d.stat().st_mtime, reverse=True)
    for old in kept[CACHE_KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
    return Installed(kind, target, manifest)


def _given(kind: str, paths: list[Path]) -> dict[str, Any]:
    from spendkit.reference.registries.recognise import date_in_name

    days = [d for p in paths if (d := date_in_name(Path(p).name))]
    return {"kind": kind, "name": describe_kind(kind), "date": max(days) if days else "",
            "date_from": "file name" if days else "", "rows": None,
            "files": [Path(p).name for p in paths], "installed_at": "", "source": "given"}


def _used_note(used: list[dict[str, Any]]) -> str:
    parts = []
    for u in used:
        when = u["date"] or "undated"
        count = f", {u['rows']:,} rows" if u.get("rows") is not None else ""
        parts.append(f"{u['name']} {when} ({u['source']}{count})")
    return "registers used: " + "; ".join(parts)
