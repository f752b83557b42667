"""Reports, rankings and league tables -> files, by extension: an .xlsx workbook, an .html
dashboard, the .json document, or the tidy table as .csv / .parquet. Whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from spendkit.aggregate.league import LeagueTable
from spendkit.aggregate.rank import Ranking
from spendkit.aggregate.report import Report
from spendkit.errors import OutputError
from spendkit.money import pounds
from spendkit.output import dashboard, workbook
from spendkit.output.export import atomic_path, safe_table, to_json, write_parquet
from spendkit.output.xlsx import Progress

OUTPUT_FORMATS = (".xlsx", ".html", ".json", ".csv", ".parquet")
WRITERS = {Report: "write_report", Ranking: "write_ranking", LeagueTable: "write_league"}


def save_output(thing: Report | Ranking | LeagueTable, path: Path, suffix: str | None = None,
                progress: Progress | None = None) -> None:
    """Write ``thing`` to ``path`` by its extension (or ``suffix``); the document and the table
    are made only for the formats that need them. ``progress(rows written, rows in all)`` is
    called while a workbook's tables are written."""
    suffix = (suffix or path.suffix).lower()
    writer = WRITERS[type(thing)]
    if suffix == ".json":
        with atomic_path(path) as tmp:
            tmp.write_text(to_json(thing.to_dict()), encoding="utf-8")
    elif suffix == ".csv":
        with atomic_path(path) as tmp:
            tmp.write_text(csv_text(thing.long()), encoding="utf-8-sig", newline="")
    elif suffix == ".parquet":
        with atomic_path(path) as tmp:
            write_parquet(thing.long(), tmp)
    elif suffix == ".xlsx":
        getattr(workbook, writer)(thing, path, progress=progress)
    elif suffix == ".html":
        getattr(dashboard, writer)(thing, path)
    else:
        raise OutputError(f"{path}: unknown output format '{suffix}'.",
                          hint=f"Use one of: {', '.join(OUTPUT_FORMATS)}.")


def csv_text(frame: pd.DataFrame) -> str:
    """A table as CSV text, the same bytes for the same table: every pence column joined by its
    exact £ amount ('1234.56'), text and headers made formula-safe (``export.safe_table``),
    CRLF line ends (RFC 4180)."""
    out = frame.copy()
    for c in list(out.columns):
        if str(c) == "pence" or str(c).endswith("_pence"):
            name = "amount" if c == "pence" else str(c)[: -len("_pence")] + "_amount"
            known = out[c].notna()
            amount = pd.Series("", index=out.index, dtype="str")
            amount[known] = pounds(out.loc[known, c])
            out.insert(out.columns.get_loc(c) + 1, name, amount)
    return safe_table(out).to_csv(index=False, lineterminator="\r\n")
