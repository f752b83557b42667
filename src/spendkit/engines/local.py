"""The local engine: ledgers -> classified rows with pandas, on this machine.

    result = classify(["ledger.csv"], Settings(place=PlaceSettings(districts=["Wigan"])))
    result.summary()["geography"]["local"]["pence"]

The set-up and the row steps are ``decide.rows.prepare`` and ``decide.rows.classify_rows``,
which the Spark engine runs too; the columns each stage adds are listed in ``spendkit.schema``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from spendkit.aggregate.result import Result
from spendkit.config import Settings
from spendkit.decide.rows import classify_rows, load_registries_for, prepare
from spendkit.errors import ColumnError
from spendkit.normalise.ledger import concat_frames, load_ledgers
from spendkit.progress import step
from spendkit.reference.registries import register_given_as_ledger


def classify(ledgers: Sequence[str | Path], settings: Settings | None = None) -> Result:
    """Read, normalise and place every row of ``ledgers``."""
    settings = settings or Settings()
    step("Reading the postcode directory" + (" and the supplier file" if settings.suppliers else ""))
    prepared = prepare(settings)
    paths = [Path(p) for p in ledgers]
    try:
        loaded = load_ledgers(paths, settings)
    except ColumnError:  # a register given as a ledger: say which, and where it goes
        instead = next((e for p in paths if (e := register_given_as_ledger(p))), None)
        if instead is None:
            raise
        raise instead from None
    rows = concat_frames([ledger.rows for ledger in loaded])
    rejected = concat_frames([ledger.rejected for ledger in loaded])
    reg = settings.registries
    if reg.companies or reg.charities or reg.oscr or reg.ccni or reg.mutuals:
        step("Reading the registers")
    registry = load_registries_for(settings)
    step(f"Classifying {len(rows):,} rows")
    rows = classify_rows(rows, prepared, settings, registry)
    supplier_file = prepared.supplier_file
    return Result(rows=rows, rejected=rejected, inputs=[ledger.info for ledger in loaded],
                  place=prepared.place, districts=prepared.districts,
                  directory=prepared.index.source, settings=settings,
                  suppliers=supplier_file.info if supplier_file else None,
                  notes=list(registry.attrs.get("notes", [])) if registry is not None else [],
                  registers=list(registry.attrs.get("registers", [])) if registry is not None else [])
