"""Random ledgers for the fuzz suite, as hypothesis strategies: every generated row knows what it
should become (its pence, or that its amount is unreadable; whether it has a payee; whether
its date is readable), so a run's figures are checked against the ledger itself.

A ledger is written as CSV (encodings, delimiters, quoting, line endings, title rows, blank
lines), as XLSX with openpyxl (number and text cells, date cells, title rows, a notes sheet),
or as Parquet with pyarrow (text or typed columns). The cells carry what real and hostile
files hold: formula-like text (``=``, ``+``, ``-``, ``@``, also behind a line feed, tab, space
or control character), RTL marks, NUL, brackets (``[b]``, ``[/]``, ``[t/a ...]``), random
unicode, huge and odd amounts, dates in many notations and relative dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st
from make_corpus import csv_text

# ---------------------------------------------------------------- cells


@dataclass(frozen=True)
class Amount:
    """An amount cell: its text (or number, in a workbook) and its pence (None: unreadable)."""

    text: str
    pence: int | None
    number: float | None = None  # the same amount as a number cell (workbooks, Parquet)


@dataclass(frozen=True)
class When:
    """A date cell and what it should become: True readable (or blank: kept undated), False
    unreadable (rejected), None a relative date (rejected or undated; never the run's day)."""

    text: str
    readable: bool | None
    date: dt.date | None = None


def _money(p: int) -> str:
    sign, p = ("-", -p) if p < 0 else ("", p)
    return f"{sign}{p // 100}.{p % 100:02d}"


def _pounds(p: int) -> Decimal:
    return Decimal(p) / 100


PENCE = st.integers(-10**11, 10**11)
POSITIVE = st.integers(1, 10**11)
AMOUNTS = st.one_of(
    PENCE.map(lambda p: Amount(_money(p), p, float(_pounds(p)))),
    st.integers(0, 10**11).map(lambda p: Amount(f"£{p // 100:,}.{p % 100:02d}", p, float(_pounds(p)))),
    POSITIVE.map(lambda p: Amount(f"({p // 100:,}.{p % 100:02d})", -p)),
    POSITIVE.map(lambda p: Amount(f"{p // 100}.{p % 100:02d}-", -p)),
    POSITIVE.map(lambda p: Amount(f"{p // 100:,}.{p % 100:02d} CR", -p)),
    POSITIVE.map(lambda p: Amount(f" £ {p // 100}.{p % 100:02d} ", p)),
    st.integers(0, 10**6).map(lambda p: Amount(str(p), p * 100, float(p))),
    # the largest a single payment may be (under £10bn): read exactly, whatever the sum;
    # £10bn or more is "too large to be a payment": rejected, its pence unknown
    st.just(Amount("9999999999.99", 999_999_999_999, None)),
    st.just(Amount("9999999999999.99", None)),
    st.sampled_from([Amount("N/A", None), Amount("1e309", None), Amount("£", None),
                     Amount("--5", None), Amount("", None), Amount("12,34", None),
                     Amount("TBC", None), Amount("1.2.3", None), Amount("nan", None),
                     Amount("inf", None), Amount("1.234,56", None), Amount("0x10", None),
                     Amount("=1+1", None), Amount("99999999999999999999", None)]),
)
DAYS = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31))
DATES = st.one_of(
    DAYS.flatmap(lambda d: st.sampled_from([
        When(d.strftime("%d/%m/%Y"), True, d), When(d.isoformat(), True, d),
        When(d.strftime("%d-%b-%Y"), True, d), When(f"{d.isoformat()} 10:30:00", True, d),
        When(f"{d.isoformat()}T00:00:00", True, d), When(d.strftime("%d.%m.%Y"), True, d),
        When(f"{d.day} {d.strftime('%B %Y')}", True, d),
        When(str((d - dt.date(1899, 12, 30)).days), True, d)])),  # an Excel serial day
    st.sampled_from([When("31/02/2024", False), When("00/00/0000", False),
                     When("2024-13-01", False), When("29/02/2023", False),
                     When("yesterday", False), When("", True)]),
    st.sampled_from([When("today", None), When("now", None), When("Today", None),
                     When("NOW", None)]),
)
POSTCODES = st.sampled_from(["WN1 1YN", "wn5 0lh", "BL1 1AA", "M1 1AE", "SW1A 1AA", "GY1 1EW",
                             "ZZ9 9ZZ", "AB1", "TBC", "", "=WN1 1YN", "\u202eWN1 1YN"])

# Text a spreadsheet would run, or a terminal would take for markup, or a reader might choke on.
HOSTILE = st.sampled_from([
    "=", "+", "-", "@", "=SUM(A1:A9)", '=HYPERLINK("http://example.invalid","Click") ',
    "+cmd|' /C calc'!A0 ", "@SUM(1) ", "-2+3 ", "\t=", "\n=", "\r=", " =", "  +", "\x07=",
    "\x00=", "\u202e", "\u200f", "\ufeff", "\x00", "[b]", "[/]", "[t/a x] ", "[red]", "\\[",
    "'", '"', ",", ";", "|", "\r\n", "\x1b[31m",
])
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghij&'-.()"
NAMES = st.one_of(
    st.sampled_from(["Acme Supplies Ltd", "ACME SUPPLIES LIMITED", "Wigan Food Bank",
                     "J Smith [t/a Smith Plumbing]", "Café Nero Ltd", "O'Brien & Sons",
                     "REDACTED", "Personal Data", "Bolton Builders"]),
    st.text(alphabet=ALPHABET, min_size=1, max_size=20)
      .filter(lambda s: any(c.isalpha() for c in s)),
).filter(lambda s: s.strip().upper().rstrip(":") not in ("TOTAL", "TOTALS", "GRAND TOTAL",
                                                        "SUBTOTAL", "SUB TOTAL", "SUB-TOTAL"))
UNICODE = st.text(st.characters(exclude_categories=["Cs"]), max_size=6)
DECORATION = st.one_of(st.just(""), HOSTILE, UNICODE)


@st.composite
def payees(draw: st.DrawFn) -> str:
    """A payee with letters in it (so it always names someone), maybe behind hostile text."""
    return draw(DECORATION) + draw(NAMES) + draw(DECORATION)


TEXT = st.one_of(st.sampled_from(["Adult Social Care", "Highways", ""]), HOSTILE,
                 st.builds(lambda a, b: a + b, HOSTILE, UNICODE))


@dataclass
class Row:
    payee: str  # "" or blank: no payee (rejected)
    amount: Amount
    date: When
    postcode: str
    department: str

    @property
    def has_payee(self) -> bool:
        return self.payee.strip() != ""


ROWS = st.builds(Row, st.one_of(payees(), payees(), payees(), st.sampled_from(["", "   "])),
                 AMOUNTS, DATES, POSTCODES, TEXT)

# ---------------------------------------------------------------- headers

ROLES = {
    "transaction_id": ["Transaction Number", "Transaction ID", "Transaction No", "Trans No"],
    "payee": ["Supplier Name", "Beneficiary", "Vendor Name", "Payee", "Supplier"],
    "amount": ["Amount", "Net Amount", "Value (£)", "Amount Paid", "Net Value"],
    "date": ["Payment Date", "Date Paid", "Date", "Paid Date"],
    "postcode": ["Postcode", "Supplier Postcode", "Post Code"],
    "department": ["Service Area", "Directorate", "Department"],
}
# A ledger's own extra column, named by text a spreadsheet would run.
HOSTILE_HEADERS = st.sampled_from(['=HYPERLINK("http://example.invalid","x")', "+Notes", "@Ref",
                                   "-Memo", "\n=Notes", "Notes [b]", "[/]", "Notes"])


def _spelling(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, name.upper(), name.lower(), f" {name} "])


@dataclass
class Ledger:
    """Rows and how they are laid out in the file."""

    rows: list[Row]
    header: list[str]  # in file order; the extra column last
    order: list[str] = field(default_factory=list)  # roles in file order (and "extra")
    titles: list[str] = field(default_factory=list)  # lines above the header
    blank_after: set[int] = field(default_factory=set)  # blank lines after these rows

    def records(self) -> list[list[str]]:
        """The data rows as text, in file order (transaction ids T00001...)."""
        out = []
        for n, r in enumerate(self.rows, start=1):
            by_role = {"transaction_id": f"T{n:05d}", "payee": r.payee, "amount": r.amount.text,
                       "date": r.date.text, "postcode": r.postcode, "department": r.department,
                       "extra": r.department[::-1]}
            out.append([by_role[role] for role in self.order])
        return out

    # -- what the run must report

    @property
    def rows_read(self) -> int:
        return len(self.rows)

    @property
    def pence_read(self) -> int:
        """The independent sum of every readable amount (Decimal pounds -> pence)."""
        return int(sum((_pounds(r.amount.pence) for r in self.rows if r.amount.pence is not None),
                       Decimal(0)) * 100)

    def surely_counted(self) -> list[Row]:
        return [r for r in self.rows if r.has_payee and r.amount.pence is not None
                and r.date.readable is True]

    def maybe_counted(self) -> list[Row]:
        """Rows with a relative date: rejected, or counted undated (never dated today)."""
        return [r for r in self.rows if r.has_payee and r.amount.pence is not None
                and r.date.readable is None]

    def relative_ids(self) -> set[str]:
        return {f"T{n:05d}" for n, r in enumerate(self.rows, start=1) if r.date.readable is None}


@st.composite
def ledgers(draw: st.DrawFn, *, max_rows: int = 25, titles: bool = True) -> Ledger:
    """A ledger: its roles in any order, each under any of its spellings in any case, plus an
    extra column (last) whose header may be hostile; title lines and blank lines."""
    order = [*draw(st.permutations(list(ROLES))), "extra"]
    header = [draw(st.sampled_from(ROLES[role]).flatmap(_spelling)) for role in order[:-1]]
    header.append(draw(HOSTILE_HEADERS))
    rows = draw(st.lists(ROWS, min_size=1, max_size=max_rows))
    lines = draw(st.lists(st.sampled_from(["Payments over £500", "Sample Borough Council",
                                           "Period: April 2024", "Published under the "
                                           "Transparency Code"]), max_size=3)) if titles else []
    blank = draw(st.sets(st.integers(0, len(rows) - 1), max_size=3))
    return Ledger(rows, header, order, lines, blank)


# ---------------------------------------------------------------- writing files

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252"]
DELIMITERS = [",", ";", "\t", "|"]


@dataclass(frozen=True)
class CsvStyle:
    encoding: str
    delimiter: str
    quote_all: bool
    newline: str


CSV_STYLES = st.builds(CsvStyle, st.sampled_from(ENCODINGS), st.sampled_from(DELIMITERS),
                       st.booleans(), st.sampled_from(["\n", "\r\n"]))


def write_csv(ledger: Ledger, style: CsvStyle, path: Path) -> Path:
    """The ledger as a CSV file; in Windows-1252 a character it lacks becomes '?', as Excel
    would write it (the payee still has its letters)."""
    nl, sep = style.newline, style.delimiter
    text = "".join(line + nl for line in ledger.titles)
    text += csv_text([ledger.header], sep=sep, nl=nl, quote_all=style.quote_all)
    for i, record in enumerate(ledger.records()):
        text += csv_text([record], sep=sep, nl=nl, quote_all=style.quote_all)
        if i in ledger.blank_after:
            text += nl if i % 2 else sep * 3 + nl
    path.write_bytes(text.encode(style.encoding, errors="replace"))
    return path


def xlsx_text(value: str) -> str:
    """What a workbook can hold of a text: XML 1.0 has no place for most control characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)


def write_xlsx(ledger: Ledger, path: Path, *, numbers: bool, date_cells: bool, notes_sheet: bool,
               sheet_name: str = "Payments") -> Path:
    """The ledger as a workbook (openpyxl): amounts as number cells where they are numbers,
    dates as date cells, text that looks like a formula kept as text (never a formula)."""
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    if notes_sheet:
        first.title = "Notes"
        first.append(["These are the council's payments over £500."])
        first.append(["=Notes are text, not formulas"])
        first["A2"].data_type = "s"
        sheet = book.create_sheet(sheet_name)
    else:
        first.title = sheet_name
        sheet = first
    for line in ledger.titles:
        sheet.append([line])
    sheet.append([xlsx_text(h) for h in ledger.header])
    for row, record in zip(ledger.rows, ledger.records(), strict=True):
        cells: list[object] = []
        for role, text in zip(ledger.order, record, strict=True):
            if role == "amount" and numbers and row.amount.number is not None:
                cells.append(row.amount.number)
            elif role == "date" and date_cells and row.date.date is not None:
                cells.append(dt.datetime.combine(row.date.date, dt.time()))
            else:
                cells.append(xlsx_text(text) or None)
        sheet.append(cells)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would make "=..." a formula
    book.save(path)
    return path


def write_parquet(ledger: Ledger, path: Path, *, typed: bool) -> Path:
    """The ledger as Parquet: every column text, or (``typed``) the amount as decimal(18,2)
    and the date as a date column where every cell allows it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, pa.Array] = {}
    records = ledger.records()
    for i, (role, name) in enumerate(zip(ledger.order, ledger.header, strict=True)):
        texts = [r[i] for r in records]
        if typed and role == "amount" and all(r.amount.pence is not None for r in ledger.rows):
            columns[name] = pa.array([_pounds(r.amount.pence) for r in ledger.rows  # type: ignore[arg-type]
                                      ], pa.decimal128(18, 2))
        elif typed and role == "date" and all(r.date.date is not None for r in ledger.rows):
            columns[name] = pa.array([r.date.date for r in ledger.rows], pa.date32())
        else:
            columns[name] = pa.array(texts, pa.string())
    pq.write_table(pa.table(columns), path)
    return path
