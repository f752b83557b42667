"""The Python API a notebook calls; the CLI is a thin client over it.

    import spendkit
    result = spendkit.classify(["ledger.xlsx"], place="Wigan", suppliers="suppliers.csv")
    result.summary()["geography"]["local"]
    result.rows        # a DataFrame: the ledger's columns plus the classes and evidence
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from spendkit.aggregate.league import LeagueTable, make_league
from spendkit.aggregate.periods import check_options
from spendkit.aggregate.rank import Ranking, check_top, rank_result
from spendkit.aggregate.report import Report, build_report
from spendkit.aggregate.result import Result
from spendkit.aggregate.supplier_list import supplier_list as build_supplier_list
from spendkit.config import PlaceSettings, Settings
from spendkit.engines.local import classify as _classify
from spendkit.output import export
from spendkit.output.save import OUTPUT_FORMATS, save_output


def classify(ledgers: str | Path | Sequence[str | Path], *, place: str | Sequence[str] | None = None,
             suppliers: str | Path | None = None, settings: Settings | None = None,
             **options: Any) -> Result:
    """Classify ``ledgers``. ``place`` and ``suppliers`` override ``settings``; other keyword
    options are Settings fields (columns={'payee': 'Vendor'}, sheet='Data', postcodes=...)."""
    paths = [ledgers] if isinstance(ledgers, str | Path) else list(ledgers)
    data = (settings or Settings()).model_dump()
    if place is not None:
        data["place"] = PlaceSettings(**{**data["place"], "districts":
                                         [place] if isinstance(place, str) else list(place)}).model_dump()
    if suppliers is not None:
        data["suppliers"] = Path(suppliers)
    data.update(options)
    return _classify(paths, Settings.model_validate(data))


Inputs = Sequence[tuple[Path, str]]  # (a file a run reads, what it is: "the ledger"...)


def run_inputs(ledgers: Sequence[str | Path], settings: Settings, also: Inputs = ()) -> list[tuple[Path, str]]:
    """Every file a run reads: the ledgers, the supplier file, the postcode directory, the
    sector rules, the registers, and ``also`` (the config file, a re-spend file...)."""
    reg = settings.registries
    named = [(settings.suppliers, "the supplier file"), (settings.postcodes, "the postcode directory"),
             (settings.organisations.rules, "the sector rules")]
    return [*((Path(p), "the ledger") for p in ledgers), *((p, what) for p, what in named if p),
            *((p, "a register") for p in (*reg.companies, *reg.charities, *reg.oscr, *reg.ccni,
                                          *reg.mutuals)),
            *also]


def league_inputs(manifest: Path, also: Inputs = ()) -> list[tuple[Path, str]]:
    """The manifest and every file it names (its organisations' ledgers and supplier files,
    its peers' table), checked as ``league`` checks them."""
    from spendkit.aggregate.league import load_manifest

    found = load_manifest(manifest)
    pairs = [(manifest, "the league manifest"), *also]
    for org in found.organisations:
        pairs += [(p, f"a ledger of {org.name}") for p in org.ledgers]
        if org.suppliers is not None:
            pairs.append((org.suppliers, f"the supplier file of {org.name}"))
    if manifest.suffix.lower() != ".csv":
        import tomllib

        peers = tomllib.loads(manifest.read_text(encoding="utf-8")).get("peers")
        if isinstance(peers, str):
            pairs.append((manifest.parent / peers, "the peers' table"))
    return pairs


def check_outputs(outputs: Sequence[Path], inputs: Inputs, formats: tuple[str, ...],
                  sidecars: Sequence[str] = ()) -> None:
    """Before any work: each output (and its ``sidecars``) can be written and is no input."""
    for path in outputs:
        export.check_output(path, formats)
        for name in sidecars:
            export.check_output(export.sidecar(path, name), formats)
    export.check_not_inputs(outputs, inputs, sidecars=sidecars)


def supplier_list(ledgers: Sequence[Path], settings: Settings, *, out: Path | None = None,
                  also: Inputs = ()) -> tuple[Result, Any]:
    """One row per payee (name variants merged), written to ``out`` if given (never over the
    supplier file it read: write a new file, then rename it)."""
    if out is not None:
        check_outputs([out], run_inputs(ledgers, settings, also), (".csv", ".xlsx"))
    result = _classify(ledgers, settings)
    table = build_supplier_list(result, *_supplier_file(settings.suppliers))
    if out is not None:
        export.write_table(table, out, sheet="Suppliers")
    return result, table


def _supplier_file(path: Path | None) -> tuple[Any, Any]:
    """The supplier file as classify reads it, and its cells as written (indexed by row
    number): what the supplier list keeps for the round trip. (None, None) without one."""
    if path is None:
        return None, None
    from spendkit.read.files import read_tables
    from spendkit.reference.suppliers import load_suppliers

    table = read_tables(path)[0]
    return load_suppliers(path), table.frame.set_axis(table.row_numbers)


def rejected_path(out: Path) -> Path:
    return export.sidecar(out, "rejected")


def classify_and_export(ledgers: Sequence[Path], settings: Settings, *, out: Path | None = None,
                        also: Inputs = ()) -> tuple[Result, dict[str, Any]]:
    """Classify, then write the classified rows and the rejected rows (if ``out``; never over
    an input, ``also`` naming inputs beyond the ledgers and settings)."""
    if out is not None:
        check_outputs([out], run_inputs(ledgers, settings, also), export.TABLE_FORMATS, ["rejected"])
    result = _classify(ledgers, settings)
    if out is None:
        return result, result.summary()
    # Both or neither: a full disk on the second file must not leave the first one new. The
    # files are written (by pyarrow, mostly without Python's lock) while the summary is counted;
    # if counting is stopped (Ctrl-C, SIGTERM) the writing puts nothing in place.
    # A Parquet file's footer carries the summary, which the writer waits for after the rows.
    cancel = threading.Event()
    counted: Future[dict[str, Any]] = Future()
    with ThreadPoolExecutor(max_workers=1) as pool:
        written = pool.submit(export.write_tables, [(result.rows, out, "Classified"),
                                                    (result.rejected, rejected_path(out), "Rejected")],
                              cancel, counted.result)
        try:
            summary = result.summary()
            counted.set_result(summary)
            written.result()  # raises what the writing raised
        except BaseException as stopped:
            cancel.set()
            if not counted.done():
                counted.set_exception(stopped)
            raise
    return result, summary


def report(ledgers: Sequence[str | Path], settings: Settings, **options: Any) -> Report:
    """Classify ``ledgers`` and build the report (options as ``aggregate.report.build_report``):
    the one call behind `spendkit report`."""
    check_options(**{k: options.get(k) for k in ("date_from", "date_to", "fy", "year")})
    return build_report(_classify(ledgers, settings), **options)


def rank(ledgers: Sequence[str | Path], settings: Settings, *, top: int = 20,
         date_from: str | date | None = None, date_to: str | date | None = None,
         fy: str | None = None, year: int | None = None, keep_duplicates: bool = False) -> Ranking:
    """Classify ``ledgers`` and rank their suppliers: the one call behind `spendkit rank`."""
    check_options(date_from, date_to, fy, year)
    check_top(top)
    return rank_result(_classify(ledgers, settings), top=top, date_from=date_from, date_to=date_to,
                       fy=fy, year=year, keep_duplicates=keep_duplicates)


def league(manifest: str | Path, settings: Settings | None = None, **options: Any) -> LeagueTable:
    """Read the manifest, classify each organisation's ledgers and rank them: the one call behind
    `spendkit league` (options: method, fy, year, shares_of)."""
    return make_league(Path(manifest), settings or Settings(), classify=_classify, **options)


def save(thing: Report | Ranking | LeagueTable, path: str | Path) -> None:
    """Write a report, ranking or league table by the file's extension: .xlsx, .html, .json,
    .csv or .parquet; whole or not at all."""
    path = Path(path)
    export.check_output(path, OUTPUT_FORMATS)
    with export.atomic_path(path) as tmp:
        save_output(thing, tmp, suffix=path.suffix)


# ---------------------------------------------------------------- installed registers

def recognise_registers(files: Sequence[str | Path]) -> list[Any]:
    """What each file is (``reference.registries.recognise.Recognised``): its register, by its
    content, and its date; an error naming the file if it is no register spendkit reads."""
    from spendkit.reference.registries.recognise import recognise

    return [recognise(Path(f)) for f in files]


def install_registers(found: Sequence[Any], settings: Settings | None = None) -> list[Any]:
    """Read every recognised file, then install each register kind (all files of one kind
    together): the installs (``store.Installed``). A file that cannot be read stops everything
    before anything is installed."""
    from spendkit.reference.registries.store import install, read_kind

    settings = settings or Settings()
    kinds: dict[str, list[Any]] = {}
    for f in found:
        kinds.setdefault(f.kind, []).append(f)
    frames = {kind: read_kind(kind, files) for kind, files in kinds.items()}
    return [install(kind, kinds[kind], settings, frame=frames.pop(kind)) for kind in list(kinds)]


def fetch_registers(kinds: Sequence[str], settings: Settings | None = None,
                    progress: Any = None) -> list[Any]:
    """Download each register kind from its publisher, check it and install it: the installs."""
    from spendkit.reference.registries.fetch import fetch

    settings = settings or Settings()
    out = []
    for kind in kinds:
        found = fetch(kind, settings, progress(kind) if progress else None)
        out += install_registers([found], settings)
    return out


def registers_status(settings: Settings | None = None) -> list[dict[str, Any]]:
    """Every installed register: kind, name, date, rows, files, age in days, and whether old."""
    from spendkit.reference.registries.store import installed

    settings = settings or Settings()
    return [{**i.to_dict(), "age_days": i.age_days(), "old": i.is_old(settings),
             "notes": i.manifest.get("notes", []), "directory": str(i.directory)}
            for i in installed(settings)]


def remove_register(kind: str, settings: Settings | None = None) -> Any:
    """Remove the installed register ``kind``."""
    from spendkit.reference.registries.store import remove

    return remove(kind, settings or Settings())
