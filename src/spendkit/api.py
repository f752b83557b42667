"""The Python API a notebook calls; the CLI is a thin client over it.

    import spendkit
    result = spendkit.classify("ledger.xlsx", place="Wigan", suppliers="suppliers.csv",
                               size_rule="eu-2003-361")
    result                    # Local 16.1% · SME 17.0% · VCFSE 2.0% ... (a table in a notebook)
    result.headline.local_share
    result.rows               # a DataFrame: the ledger's columns plus the classes and evidence
    rep = spendkit.make_report(result_or_ledgers..., fy="2024/25")

Keyword names are the command line's options (``--size-rule`` is ``size_rule=``, ``--from``
is ``date_from=``); a ledger is a file name, ``-`` (standard input) or a pandas DataFrame.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, Unpack

from spendkit.aggregate.league import LeagueTable, make_league
from spendkit.aggregate.periods import check_options
from spendkit.aggregate.rank import Ranking, check_top, rank_result
from spendkit.aggregate.report import Report, build_report
from spendkit.aggregate.result import Result
from spendkit.aggregate.supplier_list import supplier_list as build_supplier_list
from spendkit.config import Settings
from spendkit.engines.local import classify as _engine_classify
from spendkit.errors import ConfigError
from spendkit.output import export
from spendkit.output.save import OUTPUT_FORMATS, save_output
from spendkit.progress import step

if TYPE_CHECKING:
    import pandas as pd

    Ledger: TypeAlias = str | Path | pd.DataFrame  # a file, '-' (standard input), or a table
    Ledgers: TypeAlias = Ledger | Sequence[Ledger]


class SettingOptions(TypedDict, total=False):
    """The settings a call takes by keyword, named as the command line's options; each one
    given wins over ``settings`` (or the ``config`` file).

    place: district names or ONS codes (``--place``), e.g. "Wigan" or ["Wigan", "Bolton"].
    sub_regional, regional: named areas or districts (``--sub-regional``, ``--regional``).
    suppliers: the supplier file (``--suppliers``). postcodes: an ONSPD/NSPL download.
    column: "ROLE=HEADER" strings (``--column``), or a dict; columns: {role: header}.
    sheet: the workbook sheet(s) to read. size_rule: "procurement-act-2023" (default),
    "eu-2003-361", "companies-act-2006", "companies-act-2006-2025" or "islington-2020".
    guarantee_is_vcfse: count companies limited by guarantee as VCFSE.
    companies, charities, oscr, ccni, mutuals: register downloads (files, or lists of them),
    used beside (and replacing, kind by kind) the registers installed with `spendkit registers`.
    no_registers: do not use the installed registers (``--no-registers``).
    decisions: a decisions file (CSV: payee,org_id or none) applied before any matching.
    config: a spendkit.toml to start from (``--config``).
    dates, organisations, headline, registries: a section of spendkit.toml as a dict, merged
    into the settings' own (e.g. dates={"unreadable": "keep"}).
    """

    place: str | Sequence[str]
    sub_regional: str | Sequence[str]
    regional: str | Sequence[str]
    suppliers: str | Path
    postcodes: str | Path
    column: str | Sequence[str] | dict[str, str]
    columns: dict[str, str]
    sheet: str | Sequence[str]
    size_rule: str
    guarantee_is_vcfse: bool
    companies: str | Path | Sequence[str | Path]
    charities: str | Path | Sequence[str | Path]
    oscr: str | Path | Sequence[str | Path]
    ccni: str | Path | Sequence[str | Path]
    mutuals: str | Path | Sequence[str | Path]
    no_registers: bool
    decisions: str | Path
    config: str | Path
    dates: dict[str, Any]
    organisations: dict[str, Any]
    headline: dict[str, Any]
    registries: dict[str, Any]


_SECTIONS = ("dates", "organisations", "headline", "registries")
_LISTS = ("place", "sub_regional", "regional", "sheet", "companies", "charities", "oscr", "ccni",
          "mutuals")


def settings_for(settings: Settings | None = None, *, function: str = "settings_for",
                 **options: Any) -> Settings:
    """``settings`` (else the ``config`` file given, else the defaults) with every keyword
    option given applied (see SettingOptions). An unknown keyword is a TypeError naming it;
    a bad value a ConfigError naming the option."""
    from spendkit.config import apply_overrides, load_settings, parse_column_options

    unknown = sorted(set(options) - set(SettingOptions.__annotations__))
    if unknown:
        raise TypeError(f"{function}() got an unexpected keyword argument {unknown[0]!r} (settings "
                        f"it takes: {', '.join(SettingOptions.__annotations__)})")
    config = options.pop("config", None)
    if settings is None:
        settings = load_settings(Path(config))[0] if config is not None else Settings()
    elif config is not None:
        raise TypeError(f"{function}(): give settings= or config=, not both")
    flags: dict[str, Any] = {}  # sections first: an option given by name wins over its section
    for key in _SECTIONS:
        if options.get(key) is not None:
            flags[key] = {**getattr(settings, key).model_dump(), **options[key]}
    for key, value in options.items():
        if value is None or key in _SECTIONS:
            continue
        if key in _LISTS and isinstance(value, str | Path):
            value = [value]
        if key == "column":
            value = dict(value) if isinstance(value, dict) else \
                parse_column_options([value] if isinstance(value, str) else list(value))
            flags["columns"] = {**flags.get("columns", {}), **value}
        elif key == "columns":
            flags["columns"] = {**dict(value), **flags.get("columns", {})}
        elif key == "no_registers":
            flags["installed"] = not value
        elif key == "decisions":
            flags["decisions"] = Path(value)
        else:
            flags["districts" if key == "place" else key] = value
    try:
        return apply_overrides(settings, **flags)
    except ConfigError as exc:  # "options: organisations.size_rule: ..." -> "keyword size_rule: ..."
        import re

        message = re.sub(r"(^options: |; )(?:place\.|organisations\.|registries\.)?(\w+)", r"\1\2",
                         exc.message).replace("districts", "place")
        raise ConfigError(message.replace("options: ", f"{function}() keyword ", 1),
                          hint=exc.hint) from None


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    """A DataFrame as Parquet bytes, read as a ledger file is (numbers, dates and text as they
    are; a column of mixed values as text)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = frame.rename(columns=str).reset_index(drop=True)
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        mixed = frame.select_dtypes(include="object").columns
        frame = frame.astype({c: "string" for c in mixed})
        table = pa.Table.from_pandas(frame, preserve_index=False)
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def _classify(ledgers: Ledgers, settings: Settings) -> Result:
    """The local engine on ``ledgers``: files, '-', or DataFrames (read as ``<DataFrame>``)."""
    import pandas as pd

    from spendkit.read.files import in_memory

    given = [ledgers] if isinstance(ledgers, str | Path | pd.DataFrame) else list(ledgers)
    if not given:
        raise ConfigError("no ledger given.", hint="Give a file name, '-' or a DataFrame.")
    frames = [g for g in given if isinstance(g, pd.DataFrame)]
    if not frames:
        return _engine_classify(given, settings)
    with in_memory([_frame_bytes(f) for f in frames]) as names:
        named = iter(names)
        return _engine_classify([next(named) if isinstance(g, pd.DataFrame) else g for g in given],
                                settings)


def classify(ledgers: Ledgers, settings: Settings | None = None,
             **options: Unpack[SettingOptions]) -> Result:
    """Classify the payments in ``ledgers``: place, size and sector of every payee, with the
    evidence, every row counted or rejected with its reason, reconciled to the penny. The
    call behind `spendkit classify`.

    Parameters:
        ledgers: a ledger or a list of them: file names (CSV, XLSX/XLS, Parquet, a zip of
            them), '-' for standard input, or pandas DataFrames (read as a Parquet file of
            the frame would be; named ``<DataFrame>`` in ``source_file``).
        settings: a Settings to start from (default: the defaults, or ``config=``).
        **options: the command line's options by name (place="Wigan", suppliers=...,
            size_rule="eu-2003-361", column="payee=Vendor Name", sheet=...; see
            SettingOptions). Each one given wins over ``settings``.

    Returns:
        Result: ``rows`` (a DataFrame: the ledger's columns, the classes and evidence),
        ``rejected`` (rows not counted, with the reason), ``summary()`` (the classify
        document as a dict), ``document()`` (the same, typed), ``headline`` and
        ``reconciliation``.

    Raises:
        SpendkitError (its subclasses: InputFileError, ColumnError, ConfigError...) for
        anything a user can fix; TypeError for an unknown keyword.
    """
    return _classify(ledgers, settings_for(settings, function="classify", **options))


Inputs = Sequence[tuple[Path, str]]  # (a file a run reads, what it is: "the ledger"...)


def run_inputs(ledgers: Sequence[str | Path], settings: Settings, also: Inputs = ()) -> list[tuple[Path, str]]:
    """Every file a run reads: the ledgers, the supplier file, the postcode directory, the
    sector rules, the registers, and ``also`` (the config file, a re-spend file...)."""
    reg = settings.registries
    named = [(settings.suppliers, "the supplier file"), (settings.postcodes, "the postcode directory"),
             (settings.organisations.rules, "the sector rules"), (reg.decisions, "the decisions file")]
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
                  also: Inputs = (), unresolved: bool = False) -> tuple[Result, Any]:
    """One row per payee (name variants merged), written to ``out`` if given (never over the
    supplier file it read: write a new file, then rename it). ``unresolved``: only the payees
    no register entry was found for, with the cumulative share of spend (the review list)."""
    if out is not None:
        check_outputs([out], run_inputs(ledgers, settings, also), (".csv", ".xlsx"))
    result = _engine_classify(ledgers, settings)
    table = build_supplier_list(result, *_supplier_file(settings.suppliers), unresolved=unresolved)
    if out is not None:
        step(f"Writing {out.name}")
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
    result = _engine_classify(ledgers, settings)
    if out is None:
        return result, result.summary()
    # Both or neither: a full disk on the second file must not leave the first one new. The
    # files are written (by pyarrow, mostly without Python's lock) while the summary is counted;
    # if counting is stopped (Ctrl-C, SIGTERM) the writing puts nothing in place.
    # A Parquet file's footer carries the summary, which the writer waits for after the rows.
    step(f"Writing {out.name} and {rejected_path(out).name}")
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


def report(ledgers: Ledgers, settings: Settings | None = None, *,
           by: Sequence[str] = ("department", "month"),
           date_from: str | date | None = None, date_to: str | date | None = None,
           fy: str | None = None, year: int | None = None, keep_duplicates: bool = False,
           shares_of: str = "auto", respend: str | Path | None = None,
           **options: Unpack[SettingOptions]) -> Report:
    """Classify ``ledgers`` and build the report: the call behind `spendkit report`.

    Parameters:
        ledgers: as ``classify``'s (files, '-', DataFrames).
        settings, **options: as ``classify``'s (place=, suppliers=, size_rule=...).
        by: the breakdowns: department, expense_type, month, quarter, fy, year or a ledger
            column (default: department and month, as the command line's).
        date_from, date_to: the first and last payment dates counted (``--from``, ``--to``).
        fy: one UK financial year ("2024/25"); year: one calendar year. One period at most.
        keep_duplicates: keep rows repeating an earlier file's row (default: dropped).
        shares_of: "influenceable", "all" or "auto" (influenceable when sectors are known).
        respend: a CSV of re-spend shares: adds an LM3 estimate.

    Returns:
        Report: ``headline``, ``breakdowns``, ``trends``, ``reconciliation()``, ``to_dict()``
        (the JSON document) and ``document()`` (typed); save it with ``spendkit.save``.
    """
    check_options(date_from, date_to, fy, year)
    settings = settings_for(settings, function="report", **options)
    return build_report(_classify(ledgers, settings), by=by, date_from=date_from,
                        date_to=date_to, fy=fy, year=year, keep_duplicates=keep_duplicates,
                        shares_of=shares_of, respend=respend)


def rank(ledgers: Ledgers, settings: Settings | None = None, *, top: int = 20,
         date_from: str | date | None = None, date_to: str | date | None = None,
         fy: str | None = None, year: int | None = None, keep_duplicates: bool = False,
         **options: Unpack[SettingOptions]) -> Ranking:
    """Classify ``ledgers`` and rank their suppliers: the call behind `spendkit rank`.

    Parameters:
        ledgers, settings, **options: as ``classify``'s.
        top: how many suppliers in each ranking (1 or more).
        date_from, date_to, fy, year, keep_duplicates: the period and repeated rows, as
            ``report``'s.

    Returns:
        Ranking: ``overall`` (a DataFrame), ``by_class``, ``concentration``, ``leakage``,
        ``cles``, ``to_dict()`` and ``document()``.
    """
    check_options(date_from, date_to, fy, year)
    check_top(top)
    settings = settings_for(settings, function="rank", **options)
    return rank_result(_classify(ledgers, settings), top=top, date_from=date_from, date_to=date_to,
                       fy=fy, year=year, keep_duplicates=keep_duplicates)


def league(manifest: str | Path, settings: Settings | None = None, *, method: str | None = None,
           fy: str | None = None, year: int | None = None, shares_of: str = "auto",
           **options: Unpack[SettingOptions]) -> LeagueTable:
    """Read the manifest, classify each organisation's ledgers and rank them: the call behind
    `spendkit league`.

    Parameters:
        manifest: a TOML manifest of [[organisation]] tables, or a CSV of published shares.
        settings: the settings each organisation starts from (or ``config=``, a spendkit.toml).
        method: "spendkit" (default) or "tussell" (Tussell's index: a calendar ``year``).
        fy, year: one UK financial year or calendar year.
        shares_of: "influenceable", "all" or "auto".
        **options: settings by the command line's option names (see ``SettingOptions``:
            ``config``, the registers, ``no_registers``...), applied to every organisation.

    Returns:
        LeagueTable: ``ordered()`` (the organisations, ranked), ``sentences()``,
        ``to_dict()`` and ``document()``.
    """
    settings = settings_for(settings, function="league", **options)
    return make_league(Path(manifest), settings, classify=_engine_classify, method=method, fy=fy,
                       year=year, shares_of=shares_of)


def save(thing: Report | Ranking | LeagueTable, path: str | Path) -> None:
    """Write a report, ranking or league table by the file's extension: .xlsx (workbook),
    .html (dashboard), .json (the document), .csv or .parquet (the figures); whole or not at
    all, never over an existing file's contents until it is complete."""
    path = Path(path)
    export.check_output(path, OUTPUT_FORMATS)
    with export.atomic_path(path) as tmp:
        save_output(thing, tmp, suffix=path.suffix)


def json_schema(command: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the document a command prints with --format json.

    Parameters:
        command: "classify", "report", "rank" or "league".

    Returns:
        dict: the schema; every object lists its keys and forbids others (docs/json-schema.md).
    """
    from spendkit.aggregate.documents import DOCUMENTS, schema

    if command not in DOCUMENTS:
        raise ConfigError(f"no JSON document named '{command}'.",
                          hint=f"Use one of {', '.join(DOCUMENTS)}.")
    return schema(command)


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
    from spendkit.reference.registries.store import install_all

    kinds: dict[str, list[Any]] = {}
    for f in found:
        kinds.setdefault(f.kind, []).append(f)
    return install_all(kinds, settings or Settings())


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
