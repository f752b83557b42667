"""Generated fixtures for workbooks of many sheets and tables whose header appears again
part-way down, with what each holds worked out here (by the builder, not by spendkit), so a
test can check spendkit's reconciliation against it to the penny."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

# Month sheets named as a police and crime commissioner names them: inconsistently.
MONTHS = ["Apr 18", "May '18", "JUN 18", "Jul 18", "Aug 18", "Sep 18", "Oct 18", "Nov 18",
          "Dec 18", "Jan '19", "FEB 19", "Mar 19"]
PAYEES = ["Wyre Borough Council", "4NET TECHNOLOGIES LTD", "Third Party Forensics",
          "Altberg Ltd", "THIRD PARTY SUPPLIER", "Whitegate Vehicle Solutions Ltd"]


@dataclass
class Expected:
    """What a fixture holds: data rows (not headers, not blank), those that are payments, and
    their pence; the rejected rows' reasons start with these words."""

    rows_read: int = 0
    rows_counted: int = 0
    pence_counted: int = 0
    rejected: list[str] = field(default_factory=list)
    sheets: dict[str, int] = field(default_factory=dict)  # counted rows per sheet

    def count(self, sheet: str, pence: int) -> None:
        self.rows_read += 1
        self.rows_counted += 1
        self.pence_counted += pence
        self.sheets[sheet] = self.sheets.get(sheet, 0) + 1

    def reject(self, why: str) -> None:
        self.rows_read += 1
        self.rejected.append(why)


def month_workbook(path: Path, *, totals_off_by: int = 0) -> Expected:
    """Twelve month sheets with header drift (``* SUPPLIER FINAL`` / ``SUPPLIER``, ``TOTAL`` /
    ``Total Invoice Amount``, an empty ``Column1``, three unnamed helper columns on one
    sheet), a Notes sheet, a pivot, a hidden sheet, and a ``Total`` sheet (payee, amount)
    whose amounts equal the months' sum (or are ``totals_off_by`` pence more)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    notes = wb.create_sheet("Notes")
    notes.append(["Payments over £500, Lancashire-style publication"])
    notes.append(["Redacted payees are shown as THIRD PARTY SUPPLIER"])
    want = Expected()
    by_payee: dict[str, int] = {}
    for m, name in enumerate(MONTHS):
        ws = wb.create_sheet(name)
        if m < 6:
            ws.append(["Expenditure Category", "Date", "Total Invoice Amount", "SUPPLIER"])
        elif m < 9:
            ws.append(["* SUPPLIER FINAL", "Date", "TOTAL", "Expenditure Category", "Column1"])
        else:  # three unnamed helper columns, holding numbers
            ws.append(["Expenditure Category", "Date", "TOTAL", "SUPPLIER", None, None, None])
        for i in range(4 + m % 3):
            payee = PAYEES[(m + i) % len(PAYEES)]
            pence = 50_000 + 1_237 * m + 9_871 * i + (3 if i % 2 else 0)
            day = dt.datetime(2018 + (m >= 9), (m + 3) % 12 + 1, 1 + i)
            amount = pence / 100
            if m < 6:
                ws.append(["Rents - General", day, amount, payee])
            elif m < 9:
                ws.append([payee, day, amount, "Equipment General", None])
            else:
                ws.append(["Equipment General", day, amount, payee, i, 2 * i, "x"])
            want.count(name, pence)
            by_payee[payee] = by_payee.get(payee, 0) + pence
        if m == 4:  # an amount that is not one: rejected
            ws.append(["Rates", dt.datetime(2018, 8, 30), "n/a", "Altberg Ltd"])
            want.reject("amount")
        if m == 7:  # a blank row, then a row without a payee: rejected
            ws.append([])
            ws.append([None, dt.datetime(2018, 11, 30), 12.5, "Rates", None])
            want.reject("no payee")
    pivot = wb.create_sheet("Pivot")
    pivot.append(["Row Labels", "Sum of TOTAL"])
    for payee, pence in sorted(by_payee.items()):
        pivot.append([payee, pence / 100])
    total = wb.create_sheet("Total")
    total.append(["Supplier", "Amount"])
    for i, (payee, pence) in enumerate(sorted(by_payee.items())):
        total.append([payee, (pence + (totals_off_by if i == 0 else 0)) / 100])
        want.reject("totals sheet")
    hidden = wb.create_sheet("Lookup")
    hidden.append(["Supplier", "Amount"])
    hidden.append(["Hidden Ltd", 99.0])
    hidden.sheet_state = "hidden"
    wb.save(path)
    return want


# A ledger whose finance system changed part-way: the header is written again, in another
# order, and the amount moves one column left (then the same header is repeated, as files
# joined end to end repeat it).
OLD_HEADER = ["Body Name", "Transaction Number", "Date", "Supplier Name", "Expense Type", "Amount"]
NEW_HEADER = ["Transaction Number", "Date", "Subjective Description", "Supplier Name", "Amount"]


def reheader_rows() -> tuple[list[list[object]], Expected, int]:
    """(rows, what they hold, the spreadsheet row of the new header): 6 rows under the old
    header (one a payment whose description names a supplier and a total, which is not a
    header), the new header, 5 rows, the new header again, 3 rows."""
    want = Expected()
    rows: list[list[object]] = [OLD_HEADER]
    for i in range(6):
        pence = 120_000 + 101 * i
        what = "Supplier Total Amount review" if i == 2 else "Fuel"
        rows.append(["Fire Authority", f"T{i}", f"0{1 + i}/04/2023", PAYEES[i % 6], what,
                     f"{pence // 100}.{pence % 100:02d}"])
        want.count("", pence)
    new_at = len(rows) + 1
    rows.append(NEW_HEADER)
    for i in range(8):
        if i == 5:
            rows.append(NEW_HEADER)
        pence = 200_000 + 307 * i
        rows.append([f"N{i}", f"{10 + i}/11/2023", "Vehicle Parts", PAYEES[(i + 1) % 6],
                     f"{pence // 100}.{pence % 100:02d}"])
        want.count("", pence)
    return rows, want, new_at


def reheader_csv(path: Path) -> tuple[Expected, int]:
    rows, want, new_at = reheader_rows()
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return want, new_at


def reheader_xlsx(path: Path) -> tuple[Expected, int]:
    rows, want, new_at = reheader_rows()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2023-24"
    for r in rows:
        ws.append(r)
    wb.save(path)
    return want, new_at
