"""The Python API a notebook calls; the CLI is a thin client over it.

    import spendkit
    result = spendkit.classify(["ledger.xlsx"], place="Wigan", suppliers="suppliers.csv")
    result.summary()["geography"]["local"]
    result.rows        # a DataFrame: the ledger's columns plus the classes and evidence
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from . import export
from .config import PlaceSettings, Settings
from .pipeline import Result
from .pipeline import classify as _classify


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


def supplier_list(ledgers: Sequence[Path], settings: Settings, *, out: Path | None = None
                  ) -> tuple[Result, Any]:
    """One row per payee (name variants merged), written to ``out`` if given."""
    from .payees import supplier_list as build

    if out is not None:
        export.check_output(out, (".csv", ".xlsx"))
    result = _classify(ledgers, settings)
    table = build(result)
    if out is not None:
        export.write_table(table, out, sheet="Suppliers")
    return result, table


def rejected_path(out: Path) -> Path:
    return export.sidecar(out, "rejected")


def classify_and_export(ledgers: Sequence[Path], settings: Settings, *, out: Path | None = None
                        ) -> tuple[Result, dict[str, Any]]:
    """Classify, then write the classified rows and the rejected rows (if ``out``)."""
    if out is not None:
        export.check_output(out)
    result = _classify(ledgers, settings)
    if out is None:
        return result, result.summary()
    # Both or neither: a full disk on the second file must not leave the first one new. The
    # files are written (by pyarrow, mostly without Python's lock) while the summary is counted.
    with ThreadPoolExecutor(max_workers=1) as pool:
        written = pool.submit(export.write_tables, [(result.rows, out, "Classified"),
                                                    (result.rejected, rejected_path(out), "Rejected")])
        summary = result.summary()
        written.result()  # raises what the writing raised
    return result, summary
