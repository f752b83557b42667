"""Reference tables for the hand-written baselines, exported once from spendkit's own data.

* ``bench/out/postcodes.parquet``: every postcode in the ONS Postcode Directory as spendkit
  holds it (``PostcodeIndex``): ``postcode`` compact ('WN11YN'), ``district`` (ONS code,
  null where the directory gives none).
* ``bench/out/classes-wigan.parquet``: ``district`` -> ``class`` for the place Wigan:
  local = E08000010; sub_regional = its neighbours (``PostcodeIndex.adjacency``); regional =
  the rest of North West (``Districts``); outside_uk = Channel Islands and Isle of Man.
  Every other district is national; a postcode not in the directory is unknown.

An analyst would have such tables at hand (a postcode lookup and a list of districts), so
building them is not timed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
PLACE = "Wigan"


def export(out: Path = OUT) -> tuple[Path, Path]:
    from spendkit.reference.districts import Districts, resolve_place
    from spendkit.reference.postcode_index import OUTSIDE_UK, PostcodeIndex

    out.mkdir(parents=True, exist_ok=True)
    index = PostcodeIndex.load()
    postcodes_path = out / "postcodes.parquet"
    classes_path = out / f"classes-{PLACE.lower()}.parquet"
    stamp = out / "reference.source"
    if postcodes_path.exists() and classes_path.exists() and stamp.exists() \
            and stamp.read_text() == index.source:
        return postcodes_path, classes_path
    codes = np.array([*index.codes, None], dtype=object)
    district = np.asarray(index.district).astype(np.int64)
    pq.write_table(pa.table({
        "postcode": pa.array(np.char.decode(np.asarray(index.postcodes), "ascii"), pa.string()),
        "district": pa.array(codes[np.where(district < 0, len(codes) - 1, district)], pa.string()),
    }), postcodes_path, compression="zstd")
    place = resolve_place([PLACE], Districts(), index)
    rows = ([(c, "local") for c in place.local] + [(c, "sub_regional") for c in place.sub_regional]
            + [(c, "regional") for c in place.regional] + [(c, "outside_uk") for c in OUTSIDE_UK])
    pq.write_table(pa.table({"district": [r[0] for r in rows], "class": [r[1] for r in rows]}),
                   classes_path)
    stamp.write_text(index.source)
    return postcodes_path, classes_path


if __name__ == "__main__":
    for p in export():
        print(p)
