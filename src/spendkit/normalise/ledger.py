"""Raw table -> ledger rows in canonical columns, and rejected rows with reasons.

Column contract of ``Ledger.rows`` (added beside the file's own columns):

=================  ==========================================================
payee              the payee name, whitespace tidied
payee_key          matching key (case, punctuation, legal suffix ignored)
amount_pence       int64, exact
payment_date       datetime64: the day paid, or the first day of the period the date
                   cell names (a month, a quarter...); NaT when the ledger gives none
period_end         datetime64: the last day of that period (= payment_date for a day)
supplier_id        text ("" when none)
department         service area / directorate ("" when none)
expense_type       expense type / category ("" when none)
transaction_id     text ("" when none)
company_number     in the register's form ("04869035"; "" when none or not a valid
                   number: a note counts those); so too charity_number and vat_number
sme_flag           the SME / VCSE flags some councils publish, as given ("" when none)
postcode_raw       the ledger's postcode cell, else one found in its address
source_file        the file (and sheet or zip member) the row came from
source_sheet       the workbook sheet it came from ("" for a CSV or Parquet file)
source_row         its row number there, as a spreadsheet shows it
=================  ==========================================================

``Ledger.rejected`` has the file's columns plus source_file, source_sheet, source_row,
amount_pence (nullable: missing where the amount cell could not be read, so such a row never
weighs £0.00), amount_text (the amount cell as written) and reason.

A workbook is read sheet by sheet (every sheet that holds a ledger: ``read.spreadsheet``),
each sheet a Ledger with its own columns. A sheet named as a total or summary (``Total``,
``Summary``, ``YTD``...), else one whose counted pence equal the sum of the other sheets'
(two others at least, not empty), is a totals sheet: checked against the others, never counted (its rows
are rejected as "totals sheet", with the check in the reason and a note).

Names and types: ``schema.LEDGER_COLUMNS``, ``NORMALISE_HELPERS`` and ``REJECTED_COLUMNS``
(the contract between stages is in ``spendkit.schema``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from spendkit.config import Settings
from spendkit.distinct import (
    as_categorical,
    as_text,
    categorical,
    categories_where,
    keep_rows,
    per_distinct,
    take_rows,
)
from spendkit.errors import InputFileError
from spendkit.money import INT64_MAX, abs_total, money
from spendkit.normalise import identifiers, postcodes
from spendkit.normalise import values as normalise
from spendkit.normalise.columns import ColumnMap, detect_columns
from spendkit.progress import step
from spendkit.read.files import RestartWhole, distinct_files, iter_tables, read_tables
from spendkit.read.table import RawTable
from spendkit.schema import (
    LEDGER_COLUMNS,
    NORMALISE_HELPERS,
    REGISTRY_COLUMNS,
    REJECTED_COLUMNS,
    names,
)

clean_text = per_distinct(normalise.clean_text)
parse_amounts = per_distinct(normalise.parse_amounts)
parse_dates = per_distinct(normalise.parse_dates)
extract_postcodes = per_distinct(postcodes.extract)

ZERO_TIME = r"[ \t]*0?0:00(:00)?[ \t]*"
TEXT_ROLES = ("supplier_id", "department", "expense_type", "transaction_id", "company_number",
              "charity_number", "vat_number", "sme_flag", "vcse_flag")
_TOTAL = r"[ \t]*(?:GRAND[ \t]+|SUB[ \t-]?)?TOTALS?[ \t]*:?[ \t]*"  # matched upper-cased; RE2-safe


@dataclass
class Ledger:
    rows: pd.DataFrame
    rejected: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
    column_map: ColumnMap | None = None  # how the columns were read (reused for later parts)
    other_pence: int = 0  # the pence of every row but a totals row (what a stated total should equal)


CHUNK_ROWS = 1_000_000  # a large CSV or Parquet ledger is read and normalised this many rows at a time
TOTALS_REASON = "totals row (not a payment)"


def load_ledgers(paths: list[Path], settings: Settings) -> list[Ledger]:
    """Read and normalise every table in every file (a file given twice is read once:
    ``read.files.distinct_files``). A large CSV or Parquet file is taken in parts of
    ``CHUNK_ROWS`` rows, so memory holds its rows once, not also its text and the copies each
    step makes; the parts of a table are then one Ledger again."""
    out: list[Ledger] = []
    files, repeated = distinct_files(paths)
    for i, path in enumerate(files, start=1):
        name = "standard input" if str(path) == "-" else path.name
        step(f"Reading {name}" + (f" ({i:,} of {len(files):,})" if len(files) > 1 else ""))
        try:
            loaded = _load_file(iter_tables(path, sheet=settings.sheet, chunk_rows=CHUNK_ROWS), settings)
        except RestartWhole:  # a problem only seen part-way: read the file whole instead
            loaded = _load_file(iter(read_tables(path, sheet=settings.sheet)), settings)
        if path in repeated:
            loaded[0].info["notes"].append(repeated[path])
        out += _totals_sheets(loaded)
    check_sums_fit(out)
    return out


TOTALS_SHEET = re.compile(r"\b(?:totals?|summary|summaries|ytd|year[ -]to[ -]date|full[ -]year|all[ -]months)\b",
                          re.IGNORECASE)


def _totals_sheets(ledgers: list[Ledger]) -> list[Ledger]:
    """A workbook's totals sheet, checked and not counted: a sheet named as a total or
    summary (beside another sheet), else one whose counted pence equal the sum of the other
    sheets' (two of them at least, not empty). The rule is the same whether or not its figure
    matches: a totals sheet is never counted, so the year is never counted twice."""
    pence: dict[str, int] = {}
    for ledger in ledgers:
        sheet = ledger.info.get("sheet")
        if sheet is not None:
            pence[sheet] = pence.get(sheet, 0) + int(ledger.rows["amount_pence"].sum())
    sheets = {s for s in pence if TOTALS_SHEET.search(s)}
    rest = {s: p for s, p in pence.items() if s not in sheets}
    if not rest:  # every sheet "a total": none is, by this rule
        return ledgers
    if not sheets:
        total = sum(rest.values())
        sheets = {s for s, p in rest.items()
                  if 2 * p == total and sum(1 for o, q in rest.items() if o != s and q) >= 2}
    others = sum(p for s, p in pence.items() if s not in sheets)
    for ledger in ledgers:
        if ledger.info.get("sheet") in sheets:
            _as_totals_sheet(ledger, pence[ledger.info["sheet"]], others)
    return ledgers


def _as_totals_sheet(ledger: Ledger, stated: int, others: int) -> None:
    """Move a totals sheet's counted rows to the rejected rows (amount 0: its figure is in
    the reason, as a totals row's is), and say what the check found."""
    match = stated == others
    what = (f"{money(stated)}, {'equal to' if match else 'not equal to'} the sum of the other "
            f"sheets{'' if match else f' ({money(others)})'}")
    rows = ledger.rows
    own = [c for c in rows.columns if c not in _ADDED]
    moved = rows[[*own, *names(REJECTED_COLUMNS)[:3]]].copy()
    moved["amount_pence"] = pd.array(np.zeros(len(moved), dtype=np.int64), dtype="Int64")
    header = ledger.info["columns"].get("amount")
    moved["amount_text"] = (as_text(rows[header]) if header in rows else
                            pd.Series("", index=moved.index, dtype="str"))
    moved["reason"] = pd.Series(f"totals sheet ({what}; not payments)", index=moved.index, dtype="str")
    ledger.rejected = concat_frames([ledger.rejected, moved]).sort_values(
        "source_row", kind="stable").reset_index(drop=True)
    ledger.rows = rows.iloc[:0]
    ledger.info["pence_read"] -= stated  # pence read are counted totals apart, as a totals row's
    ledger.info["totals_sheet"] = {"pence": stated, "other_sheets_pence": others, "matches": match}
    ledger.info["notes"].append(
        f"sheet '{ledger.info['sheet']}' is a totals sheet: {what}; checked, not counted "
        f"(its {len(moved):,} row(s) are rejected as totals)")


_ADDED = {*names(LEDGER_COLUMNS), *NORMALISE_HELPERS}  # the columns to_ledger adds to a table's own


def check_sums_fit(ledgers: list[Ledger]) -> None:
    """Refuse a run whose amounts could not be summed exactly: when the sum of every |amount|
    read fits in int64, every total and subtotal made from them does (``spendkit.money``)."""
    totals = [(led.info["file"], abs_total(led.rows["amount_pence"].to_numpy())
               + abs_total(led.rejected["amount_pence"].fillna(0).to_numpy())) for led in ledgers]
    if sum(t for _, t in totals) > INT64_MAX:
        biggest = max(totals, key=lambda t: t[1])[0]
        raise InputFileError(
            f"{', '.join(dict.fromkeys(str(f) for f, _ in totals))}: the amounts add up to more than "
            f"{money(INT64_MAX)}, past what can be summed exactly (the largest share is in {biggest}).",
            hint="The amount column is likely broken (cells such as 9999999999.99 repeated): check "
                 "it, or map the right one with --column amount=HEADER.")


def _load_file(tables: Iterator[RawTable], settings: Settings) -> list[Ledger]:
    ledgers: list[Ledger] = []
    parts: list[Ledger] = []
    for table in tables:
        if table.part == 0 and parts:
            ledgers.append(join_parts(parts))
            parts = []
        cmap = parts[0].column_map if table.part and parts else None  # decided on the first part
        parts.append(to_ledger(table, settings, column_map=cmap, finish=False))
    if parts:
        ledgers.append(join_parts(parts))
    return ledgers


def join_parts(parts: list[Ledger]) -> Ledger:
    """The parts of one table as one Ledger: rows together, counts summed, and the table's own
    totals row checked against all of its other rows."""
    first = parts[0]
    if len(parts) == 1:
        return _finish_totals(first)
    info = dict(first.info)
    for count in ("rows_read", "blank_rows", "pence_read"):
        info[count] = sum(p.info[count] for p in parts)
    info["notes"] = merge_notes([p.info["notes"] for p in parts])
    partial = [p.info["totals_rows"] for p in parts if "totals_rows" in p.info]
    if partial:
        info["totals_rows"] = {k: sum(t[k] for t in partial) for k in ("rows", "pence")}
    joined = Ledger(concat_frames([p.rows for p in parts]), concat_frames([p.rejected for p in parts]),
                    info, first.column_map, sum(p.other_pence for p in parts))
    return _finish_totals(joined)


def _finish_totals(ledger: Ledger) -> Ledger:
    """Does the file's own total equal the sum of its other rows? Say so in the totals rows'
    reason and in ``info`` (a check worth showing)."""
    totals = ledger.info.get("totals_rows")
    if not totals or "summary" in totals:
        return ledger
    ledger.info["totals_rows"] = {**totals, **totals_check(totals["pence"], ledger.other_pence)}
    reason = ledger.rejected["reason"]
    ledger.rejected["reason"] = reason.mask(reason == TOTALS_REASON,
                                            totals_reason(ledger.info["totals_rows"]["summary"]))
    return ledger


def totals_check(stated: int, other_pence: int) -> dict[str, Any]:
    """A file's own total (``stated`` pence) against the sum of its other rows, as
    ``inputs[].totals_rows`` reports it (both engines): other_rows_pence, matches, summary."""
    match = stated == other_pence
    return {"other_rows_pence": other_pence, "matches": match,
            "summary": f"{money(stated)}, {'equal to' if match else 'not equal to'} the sum of the other rows"}


def totals_reason(what: str) -> str:
    """A totals row's rejection reason, saying ``what`` is known of its figure (the check
    against the other rows, or, where they are not all seen, the figure stated)."""
    return f"totals row ({what}; not a payment)"


_COUNT = re.compile(r"[0-9][0-9,]*")


def merge_notes(notes: list[list[str]]) -> list[str]:
    """Notes of several parts of one table, once each; a note that counts something
    ("12 amount(s) ... rounded") appears once with the counts added up."""
    seen: dict[str, list[str]] = {}
    for note in (n for part in notes for n in part):
        m = _COUNT.search(note)
        seen.setdefault(note if m is None else note[:m.start()] + "\x00" + note[m.end():], []).append(note)
    out = []
    for key, same in seen.items():
        if len(same) == 1 or "\x00" not in key:  # said once (or counts nothing): as it was said
            out.append(same[0])
        else:
            total = sum(int(m[0].replace(",", "")) for n in same if (m := _COUNT.search(n)))
            out.append(key.replace("\x00", f"{total:,}"))
    return out


def concat_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Rows of several frames as one; Categoricals stay Categoricals (their categories joined),
    text missing from some frames is "" there."""
    if len(frames) == 1:
        return frames[0]
    order = list(dict.fromkeys(c for f in frames for c in f.columns))
    categorical_cols = [c for c in order if all(c in f and isinstance(f[c].dtype, pd.CategoricalDtype)
                                                for f in frames)]
    out = pd.concat([f.drop(columns=categorical_cols) for f in frames], ignore_index=True, sort=False)
    for c in categorical_cols:
        out[c] = union_categoricals([f[c] for f in frames], ignore_order=True)
    text = [c for c in out.columns if out[c].dtype == object or str(out[c].dtype) == "str"]
    out[text] = out[text].fillna("")
    return out[order]


# Columns spendkit adds to the ledger's rows (and to rejected rows): a ledger column with one
# of these names is kept as "NAME (ledger)" so that neither overwrites the other.
RESERVED = {
    "payee", "payee_key", "amount", "amount_pence", "amount_text", "payment_date", "period_end",
    *TEXT_ROLES, "postcode_raw",
    "source_file", "source_sheet", "source_row", "reason", "postcode", "postcode_source", "district_code",
    "district_name", "geography", "geography_evidence", "org_id", "match_method", "match_evidence",
    "reg_registry", "size_band", "size_evidence", "size_strength", "size_conflict", "sme", "sector",
    "sector_evidence", "sector_strength", "sector_conflict", "sector_rule", "influenceable",
}


# A file spendkit wrote (classified or rejected rows, as CSV, workbook or Parquet, by either
# engine) has all of these columns; its other columns of spendkit's are these (the Spark
# engine's own three included). The ledger's columns it holds keep their names, or
# "NAME (ledger)" where a name was spendkit's.
WRITTEN_MARKS = ("amount_pence", "source_file", "source_row")
WRITTEN_COLUMNS = RESERVED | set(REGISTRY_COLUMNS) | {"row_id", "rejected_reason", "totals_row_pence"}


def spendkit_columns(columns: list[str], keep: Collection[str] = ()) -> list[str]:
    """The columns spendkit added, if ``columns`` are those of a file spendkit wrote (else
    none): re-classifying such a file reads the ledger's own columns, never spendkit's
    earlier answers (a postcode found in the supplier file is no ledger postcode). A column
    named in ``keep`` (a --column choice) is kept."""
    if not all(m in columns for m in WRITTEN_MARKS):
        return []
    return [c for c in columns if c in WRITTEN_COLUMNS and c not in keep]


def _apart(columns: list[str]) -> dict[str, str]:
    """A ledger column whose name is spendkit's -> "NAME (ledger)" ("NAME (ledger 2)"... where
    that is taken too)."""
    taken = set(columns)
    out = {}
    for c in columns:
        if c in RESERVED:
            label, n = f"{c} (ledger)", 1
            while label in taken:
                n += 1
                label = f"{c} (ledger {n})"
            taken.add(label)
            out[c] = label
    return out


def to_ledger(table: RawTable, settings: Settings, *, column_map: ColumnMap | None = None,
              finish: bool = True) -> Ledger:
    """A raw table -> counted rows in canonical columns, and rejected rows with reasons.

    ``column_map`` reuses the columns decided on a table's first part; ``finish=False`` leaves
    the totals check to ``join_parts`` (it needs the whole table).

    Long (some 80 lines) because it is one pass whose parts share the same dozen columns and
    masks (payee, amounts, dates, totals, the rejected positions): each step is a few lines, and
    split apart they would be passed back and forth by the dozen."""
    frame = table.frame
    own = spendkit_columns([str(c) for c in frame.columns], set(settings.columns.values()))
    if own:
        frame = frame.drop(columns=own)
    clashes = _apart([str(c) for c in frame.columns])
    frame = frame.rename(columns=clashes) if clashes else frame
    cmap = column_map or detect_columns(frame, table.source, {role: clashes.get(h, h)
                                                              for role, h in settings.columns.items()})
    col = cmap.get
    reasons: list[pd.Series] = []  # per check, in order: why a row fails it ("" where it passes)
    notes = list(table.notes)
    if own:
        notes.append(f"a file spendkit wrote: its {len(own)} columns of spendkit's answers "
                     f"({', '.join(own[:4])}...) are left out, and the rows are classified again "
                     "from the ledger's own columns")

    # The ledger's own columns read for a role whose values repeat (payee, supplier id,
    # department...) are held as Categoricals too: cleaned, filtered and written once per value.
    frame = frame.copy(deep=False)
    for c in dict.fromkeys(col(r) for r in ("payee", "postcode", *TEXT_ROLES) if r != "transaction_id"):
        if c:
            frame[c] = as_categorical(frame[c])
    # Amounts and dates are parsed on a second core (numpy and pyarrow let go of the GIL) while
    # this one cleans the text columns.
    amount_col, date_col = cmap.roles["amount"], col("date")  # the amount is always found
    with ThreadPoolExecutor(1) as pool:
        parsing = pool.submit(parse_amounts, frame[amount_col], amount_col)
        dating = pool.submit(_payment_dates, frame[date_col], date_col, settings) if date_col else None
        payee = categorical(normalise.clean_text, frame[col("payee")])
        text = {role: _role_text(frame, col(role), role, notes) for role in TEXT_ROLES}
        payee_key = categorical(normalise.name_key, payee)
        postcode_raw = _ledger_postcodes(frame, cmap)
        amounts = parsing.result()
        dates = dating.result() if dating else None
    no_payee = (payee == "").to_numpy()
    reasons.append(amounts.reasons)
    notes += amounts.notes
    if dates is not None:
        notes += dates.notes
        if settings.dates.unreadable == "reject":
            reasons.append(dates.reasons)
        payment_date, period_end = dates.values, dates.ends
    else:
        payment_date = period_end = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")

    is_total = _totals_rows(frame, cmap, payee).to_numpy()
    bad = is_total | no_payee
    for r in reasons:
        bad |= (r != "").to_numpy()
    bad_at = np.flatnonzero(bad)

    # Text decided per distinct value is a Categorical (codes plus each value once): cheap to
    # filter, group and write, however many rows. Transaction ids are mostly distinct: text.
    source = table.source if table.sheet is None else f"{table.source} [{table.sheet}]"
    rows = frame.copy(deep=False)  # copy-on-write: the new columns never touch ``frame``
    rows["payee"] = payee
    rows["payee_key"] = payee_key
    rows["amount_pence"] = amounts.values
    rows["payment_date"] = payment_date
    rows["period_end"] = period_end
    for role, values in text.items():
        rows[role] = values
    rows["postcode_raw"] = postcode_raw
    rows["source_file"] = _constant(frame, source)
    rows["source_sheet"] = _constant(frame, table.sheet or "")
    rows["source_row"] = table.row_numbers

    pence = amounts.values.to_numpy()
    rejected = take_rows(frame, bad_at)
    for c in rejected.columns:
        if isinstance(rejected[c].dtype, pd.CategoricalDtype):
            rejected[c] = rejected[c].cat.remove_unused_categories()
    rejected["source_file"] = pd.Series(source, index=rejected.index, dtype="str")
    rejected["source_sheet"] = pd.Series(table.sheet or "", index=rejected.index, dtype="str")
    rejected["source_row"] = table.row_numbers[bad_at]
    unread = (amounts.reasons != "").to_numpy()
    rejected["amount_pence"] = pd.array(np.where(is_total, 0, pence)[bad_at], dtype="Int64")
    rejected.loc[unread[bad_at], "amount_pence"] = pd.NA  # an amount never read weighs nothing known
    rejected["amount_text"] = pd.Series(as_text(frame[amount_col].take(bad_at)).to_numpy(), index=rejected.index,
                                        dtype="str")
    rejected["reason"] = pd.Series(_reasons_at(bad_at, is_total, no_payee, reasons), index=rejected.index,
                                   dtype="str")
    info: dict[str, Any] = {
        "file": table.source, "sheet": table.sheet, "encoding": table.encoding,
        "delimiter": table.delimiter, "header_row": table.header_row,
        "columns": dict(cmap.roles), "rows_read": len(frame), "blank_rows": table.blank_rows,
        "pence_read": int(pence[~unread & ~is_total].sum()),
        "notes": [*cmap.notes, *notes],
    }
    if is_total.any():  # a total is not a payment: its figure goes in the reason, not in the sums
        info["totals_rows"] = {"rows": int(is_total.sum()), "pence": int(pence[is_total].sum())}
    rows = keep_rows(rows, ~bad) if len(bad_at) else rows.reset_index(drop=True)
    ledger = Ledger(rows, rejected.reset_index(drop=True), info, cmap, int(pence[~is_total].sum()))
    return _finish_totals(ledger) if finish else ledger


def _role_text(frame: pd.DataFrame, header: str | None, role: str, notes: list[str]) -> pd.Series | str:
    """A text role's column cleaned: a Categorical, but transaction ids (mostly distinct) as
    text, and registration numbers in the register's form (values that are not, noted in
    ``notes``); "" everywhere when the ledger has no such column."""
    if role == "transaction_id":
        return clean_text(frame[header]) if header else ""
    if role in identifiers.PARSERS and header:
        values, said = identifiers.parse_identifiers(frame[header], role, header)
        notes += said
        return values
    return categorical(normalise.clean_text, frame[header]) if header else _constant(frame, "")


def _payment_dates(raw: pd.Series, column: str, settings: Settings) -> normalise.Parsed:
    """The date column parsed; notes say what was read as no date, or kept though unreadable."""
    notes: list[str] = []
    midnight = raw.str.fullmatch(ZERO_TIME)
    if midnight.any():
        # A bare '00:00:00' is a null date/time as some systems export it (Oxford's
        # apr-jun-2014 file has nothing else): no date, not an unreadable one.
        raw = raw.mask(midnight, "")
        notes.append(f"date: {int(midnight.sum()):,} value(s) in '{column}' were a bare "
                     "'00:00:00' (no date); those rows are counted undated")
    dates = parse_dates(raw, column)
    unreadable = dates.reasons != ""
    # A form nobody reads, not a wrong day ('31/02/2024') nor a relative word ('today'): those
    # are faults of their rows, in any file.
    unknown = unreadable & ~raw.str.match(normalise.DAY_SHAPE) & \
        ~raw.str.strip().str.lower().isin(normalise.RELATIVE_DAYS)
    if unknown.any() and dates.values.notna().sum() == 0:
        # Not one cell is a date or a period: the column's form is unknown, not its rows wrong.
        notes.append(f"UNDATED: not one of the {int(unreadable.sum()):,} value(s) in '{column}' is a date or a "
                     f"period (e.g. '{str(raw[unknown].iloc[0])[:40]}'); {int(unknown.sum()):,} row(s) are "
                     "counted undated, so no trend or period can place them (map the date with "
                     "--column date=HEADER)")
        dates.reasons = dates.reasons.where(~unknown, "")
        unreadable &= ~unknown
    elif settings.dates.unreadable != "reject" and unreadable.any():
        notes.append(f"{int(unreadable.sum())} unreadable date(s) in '{column}' "
                     "kept as missing (dates.unreadable = 'keep')")
    dates.notes = notes + dates.notes + normalise.period_notes(raw, dates, column)
    return dates


def _constant(frame: pd.DataFrame, value: str) -> pd.Series:
    """``value`` on every row, as a one-category Categorical (a byte a row)."""
    return pd.Series(pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8),
                                               categories=pd.Index([value], dtype="str")), index=frame.index)


def _reasons_at(rows: np.ndarray, is_total: np.ndarray, no_payee: np.ndarray,
                reasons: list[pd.Series]) -> np.ndarray:
    """Why each of ``rows`` is rejected: a totals row, else the first check it fails (no payee,
    then the others in order). Only these rows' texts are looked at."""
    out = np.where(no_payee[rows], "no payee", "").astype(object)
    for r in reasons:
        out = np.where(out == "", r.take(rows).to_numpy(dtype=object), out)
    return np.where(is_total[rows], TOTALS_REASON, out)


def _totals_rows(frame: pd.DataFrame, cmap: ColumnMap, payee: pd.Series) -> pd.Series:
    """Rows that are a total, not a payment: a cell reading 'Total'/'Grand Total' with no
    payee (or 'Total' as the payee), or nothing but an amount."""
    amount_col = cmap.get("amount")
    others = [c for c in frame.columns if c != amount_col]
    candidates = categories_where(payee, lambda s: (s == "") | s.str.upper().str.fullmatch(_TOTAL))
    out = np.zeros(len(frame), dtype=bool)
    at = np.flatnonzero(candidates.to_numpy())
    if not len(at) or not others:
        return pd.Series(out, index=frame.index)
    # The few candidate rows as text (a Categorical's .str would work on all its categories).
    sub = take_rows(frame, at).apply(as_text)
    labelled = sub[others].apply(lambda s: s.str.upper().str.fullmatch(_TOTAL)).any(axis=1)
    only_amount = sub[others].apply(lambda s: s.str.strip() == "").all(axis=1) & (sub[amount_col].str.strip() != "")
    out[at] = (labelled | only_amount).to_numpy(dtype=bool)
    return pd.Series(out, index=frame.index)


def _ledger_postcodes(frame: pd.DataFrame, cmap: ColumnMap) -> pd.Series:
    """The postcode column's cell, else a postcode found in the address column (a Categorical
    when there is no address column: postcodes repeat)."""
    postcode, address = cmap.get("postcode"), cmap.get("address")
    out = categorical(lambda s: s.str.strip(), frame[postcode]) if postcode else _constant(frame, "")
    if address:
        out = as_text(out)
        out = out.mask(out == "", extract_postcodes(frame[address]))
    return out
