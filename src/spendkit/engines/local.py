"""The local engine: ledgers -> classified rows with pandas, on this machine.

    result = classify(["ledger.csv"], Settings(place=PlaceSettings(districts=["Wigan"])))
    result.summary()["geography"]["local"]["pence"]

The columns each stage adds are listed in ``spendkit.schema``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from spendkit.aggregate.result import Result
from spendkit.config import Settings
from spendkit.decide.place import place_rows
from spendkit.decide.rows import load_registries_for, organisation_rows, registry_rows
from spendkit.normalise.ledger import concat_frames, load_ledgers
from spendkit.reference.districts import Districts, resolve_place
from spendkit.reference.postcode_index import PostcodeIndex
from spendkit.reference.suppliers import join_suppliers, load_suppliers


def classify(ledgers: Sequence[str | Path], settings: Settings | None = None) -> Result:
    """Read, normalise and place every row of ``ledgers``."""
    settings = settings or Settings()
    districts = Districts()
    index = PostcodeIndex.load(settings.postcodes)
    place = resolve_place(settings.place.districts, districts, index,
                          settings.place.sub_regional, settings.place.regional)
    supplier_file = load_suppliers(settings.suppliers) if settings.suppliers else None
    loaded = load_ledgers([Path(p) for p in ledgers], settings)
    rows = concat_frames([ledger.rows for ledger in loaded])
    rejected = concat_frames([ledger.rejected for ledger in loaded])
    if supplier_file is not None:
        rows = rows.join(join_suppliers(rows, supplier_file))
    registry = load_registries_for(settings)
    if registry is not None:
        rows = registry_rows(rows, supplier_file, registry)
    rows = place_rows(rows, index, place, districts, supplier_file)
    rows = organisation_rows(rows, supplier_file, settings)
    return Result(rows=rows, rejected=rejected, inputs=[ledger.info for ledger in loaded],
                  place=place, districts=districts, directory=index.source, settings=settings,
                  suppliers=supplier_file.info if supplier_file else None)
