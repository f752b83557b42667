"""Every real published ledger in ``../shared/realdata`` reads with no mapping and is counted to
the penny against an independent sum.

The independent sum is this file's own: Python's ``csv`` module (openpyxl for a workbook), the
payee and amount headers written out below by hand for each publisher, and ``Decimal`` for the
amounts. It shares no code with spendkit's readers, so a row spendkit loses, a column it
shifts or a sheet it skips shows here as a difference. Skipped where the folder is absent
(the files are not copied into this repository).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pytest

import spendkit

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"

# (path pattern, payee header, amount header): the headers as the publisher wrote them,
# compared without case, spaces or junk characters. The first matching pattern decides.
LAYOUTS: list[tuple[str, str, str]] = [
    (r"lambeth/2011-01", "Supplier Name", "Sum of Invoice Nett Amount"),
    (r"lambeth/2012-06", "Supplier Name", "Invoice Nett Amount"),
    (r"lambeth/", "Supplier Name", "Total"),
    (r"craven-district/", "Supplier Name", "Amount"),
    (r"cabinetoffice", "Supplier", "Amount"),
    (r"calderdale_2011", "Supplier Name", "Amount"),
    (r"calderdale_.*card", "Supplier Name", "Net Amount"),
    (r"darlington", "Supplier", "Invoice Line Value (net of VAT)"),
    (r"gateshead", "Supplier id(T)", "Amount"),
    (r"harrogate", "Supplier Name", "Net Amount"),
    (r"leeds_", "SupplierName", "NetAmount"),
    (r"london_", "Vendor Name", "Amount"),
    (r"manchester_2010", "Supplier Name", "Amount"),
    (r"manchester_", "Supplier Name", "Net Amount"),
    (r"networkrail", "Supplier Name", "Spend"),
    (r"newcastle", "Supplier Name", "Total (excludes VAT)"),
    (r"northtyneside", "Supplier (Beneficiary) Name", "Net Amount"),
    (r"salford_2022-07_contracts", "Supplier Company Name", "Annual Value"),
    (r"salford_2015", "Supplier Name", "Net"),
    (r"salford_", "Vendor Name", "Net"),
    (r"sheffield", "Supplier Name", "Invoiced Value"),
    (r"tfl_", "Vendor Name", "Amount"),
    (r"wakefield_2018-Q3", "Supplier Name", "Amount"),
    (r"wakefield_", "Supplier Name", "Net Amount"),
    (r"bradford", "Supplier Name", "Net Amount"),
    (r"oxford-city/", "Supplier Name", "Amount"),
    (r"trafford/.*360giving", "Recipient Org:Name", "Amount Awarded"),
    (r"trafford/", "BeneficiaryName", "Amount"),
    (r"lancashire-pcc/", "SUPPLIER", "Total Invoice Amount"),
]
NOT_LEDGERS = ("charity-lookups/", "companies-house/", "contracts-finder-ocds/",
               "trafford/charities_operating")


@dataclass
class Totals:
    rows: int = 0  # payment rows (whatever their amount cell holds)
    pence: int = 0  # the sum of their readable amounts
    totals_rows: int = 0  # the publisher's own totals rows
    totals_pence: int = 0


def _key(cell: object) -> str:
    return re.sub(r"[^a-z0-9()]", "", str(cell or "").lower())


def _pence(cell: object) -> int | None:
    """An amount cell as pence, or None: £ and commas dropped, (1.00) and 1.00- negative."""
    text = re.sub(r"[£,\s\u2020]", "", str(cell if cell is not None else ""))
    negative = (text.startswith("(") and text.endswith(")")) or text.endswith("-")
    text = text.strip("()").rstrip("-")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    pence = int((abs(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return -pence if negative != (value < 0) else pence


_TOTAL = re.compile(r"(grand|sub-?)?totals?:?")


def _sum_rows(rows: list[list[object]], payee: str, amount: str) -> Totals:
    """The payment rows and the publisher's own totals rows of a table, under its header:
    every header row met (a layout may start again part-way) says where the columns are below
    it. A totals row says "Total" in a cell, or has an amount and nothing else."""
    want_payee, want_amount = _key(payee), _key(amount)
    out = Totals()
    column = None
    for row in rows:
        keys = [_key(c) for c in row]
        if want_amount in keys and any(k.startswith(want_payee) for k in keys):
            column = keys.index(want_amount)
            continue
        if column is None or not any(str(c if c is not None else "").strip() for c in row):
            continue
        value = _pence(row[column]) if column < len(row) else None
        if any(_TOTAL.fullmatch(k) for k in keys) or (value is not None and sum(map(bool, keys)) == 1):
            out.totals_rows += 1
            out.totals_pence += value or 0
        else:
            out.rows += 1
            out.pence += value or 0
    return out


def _csv_rows(data: bytes) -> list[list[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return list(csv.reader(io.StringIO(text, newline="")))


def _workbook_tables(data: bytes) -> list[list[list[object]]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    return [[list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets
            if ws.sheet_state == "visible"]


def independent_totals(path: Path, payee: str, amount: str) -> Totals:
    """The payment rows and totals rows in ``path`` as this file reads them."""
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04" and path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            tables = [_csv_rows(archive.read(n)) for n in sorted(archive.namelist())
                      if n.lower().endswith(".csv")]
    elif data[:4] == b"PK\x03\x04":
        tables = _workbook_tables(data)
    else:
        tables = [_csv_rows(data)]
    out = Totals()
    for table in tables:
        part = _sum_rows(table, payee, amount)
        for name in ("rows", "pence", "totals_rows", "totals_pence"):
            setattr(out, name, getattr(out, name) + getattr(part, name))
    return out


def _ledgers() -> list[tuple[Path, str, str]]:
    if not REALDATA.is_dir():
        return []
    out = []
    for path in sorted(REALDATA.rglob("*")):
        rel = path.relative_to(REALDATA).as_posix()
        if not path.is_file() or path.suffix not in (".csv", ".xlsx", ".zip") \
                or rel.startswith(NOT_LEDGERS):
            continue
        layout = next((lay for lay in LAYOUTS if re.search(lay[0], rel)), None)
        assert layout is not None, f"no layout written down for {rel}"
        out.append((path, layout[1], layout[2]))
    return out


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not beside the project")
@pytest.mark.parametrize(("path", "payee", "amount"), _ledgers(),
                         ids=lambda v: v.parent.name + "/" + v.name if isinstance(v, Path) else "")
def test_real_ledger_is_counted_to_the_penny(path: Path, payee: str, amount: str) -> None:
    """Every row under the header is counted or rejected; the pence counted plus the pence of
    the rejected payment rows whose amount was readable are the independent sum; the
    publisher's totals rows are rejected as such; every rejected row has a reason; and most
    rows are counted (a file whose every row is rejected is not "read")."""
    want = independent_totals(path, payee, amount)
    result = spendkit.classify(path, place="Wigan")
    counted, rejected = result.rows, result.rejected
    totals = rejected["reason"].astype(str).str.startswith("totals row")
    assert len(counted) >= 0.75 * want.rows, "most rows of a real ledger are payments it reads"
    assert len(counted) + len(rejected) == want.rows + want.totals_rows
    assert int(totals.sum()) == want.totals_rows
    assert int(counted["amount_pence"].sum()) + int(rejected.loc[~totals, "amount_pence"].sum()) \
        == want.pence
    assert (rejected["reason"].astype(str).str.len() > 0).all()
