"""Synthetic ledgers for the benchmark suite: 100k, 1M and 10M rows, shaped like real ones.

    python scripts/bench/generate.py                 # 100k and 1m (CSV + Parquet; XLSX for 100k)
    python scripts/bench/generate.py --sizes 10m     # the 10,000,000-row ledger too (~1 GB CSV)

Output (bench/out/, git-ignored), deterministic for a given seed and postcode directory:

* ``suppliers.csv``: the supplier master file, one row per known supplier
  (``Supplier ID,Supplier Name,Postcode,Company Number,Employees,Turnover``).
* ``ledger-<size>.csv``: a finance export, ``Transaction Number,Payment Date,Supplier ID,
  Supplier Name,Supplier Postcode,Service Area,Expense Type,Net Amount``; UTF-8, CRLF.
* ``ledger-<size>.parquet``: the same rows, the same text (every column a string, messy
  values as exported), for engines that read Parquet.
* ``ledger-100k.xlsx``: the 100k rows as a finance system's workbook export (amounts as
  numbers, dates as dates; the few unreadable values stay text).

The shape:

* 20,000 payees; the number of payments per payee follows a Zipf law (rank ** -1.07), and
  each payee has its own typical payment size (log-normal), so spend is heavily skewed.
* Real postcodes from the ONS Postcode Directory (``PostcodeIndex.load()``), placed for a
  council in Wigan: about 22% of payees in Wigan, 10% in the adjacent districts, 13%
  elsewhere in the North West, 50% anywhere in the UK (drawn from every postcode with a
  district, so spread as addresses are), 1% Channel Islands / Isle of Man, 2% with a
  postcode-shaped value that is not in the directory, 2% with no postcode at all.
* 65% of payees carry their postcode in the ledger (written messily: lower case, no space,
  double spaces); the rest rely on the supplier file (95% of payees are in it; a few
  there have 'TBC' or 'N/A' instead of a postcode).
* Amounts: '1234.56', '1,234.56', '£1,234.56'; credits (3%) as '(12.00)', '1,234.56 CR'
  or '-12.00'. Dates: UK day-first '01/04/2024', about 12% ISO '2024-04-01'.
* 1.5% of rows are to redacted payees ('REDACTED - PERSONAL DATA', 'Redacted'), with no
  supplier id or postcode; about 1 row in 10,000 is unreadable (amount 'TBC' or blank,
  date '31/02/2024', or no payee) and is rejected by a careful reader.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
SEED = 20240401
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
N_PAYEES = 20_000
CHUNK = 500_000
PLACE = "Wigan"
COLUMNS = ["Transaction Number", "Payment Date", "Supplier ID", "Supplier Name",
           "Supplier Postcode", "Service Area", "Expense Type", "Net Amount"]
SUPPLIER_COLUMNS = ["Supplier ID", "Supplier Name", "Postcode", "Company Number", "Employees",
                    "Turnover"]

# Share of payees per band (the rest of the UK is "national").
BANDS = {"local": 0.22, "sub_regional": 0.10, "regional": 0.13, "national": 0.50,
         "outside_uk": 0.01, "not_found": 0.02, "none": 0.02}
SERVICE_AREAS = {
    "Adult Social Care": ["Residential Care Placements", "Home Care", "Day Care Services",
                          "Direct Payments", "Supported Living"],
    "Children's Services": ["Foster Care Payments", "Residential Placements", "Transport - Pupils",
                            "Legal Fees", "Agency Staff"],
    "Highways & Transport": ["Road Maintenance", "Street Lighting", "Vehicle Hire", "Fuel",
                             "Winter Maintenance"],
    "Environmental Services": ["Grounds Maintenance", "Waste Disposal", "Refuse Collection",
                               "Cleaning Materials", "Vehicle Repairs"],
    "Housing": ["Building Repairs & Maintenance", "Temporary Accommodation", "Rent",
                "Energy Costs", "Security"],
    "Corporate Services": ["Computer Software & Licences", "Consultancy", "Postage",
                           "Payments to Other Public Bodies", "Insurance"],
    "Public Health": ["Contracted Services", "Drug & Alcohol Services", "Sexual Health",
                      "Health Checks"],
    "Leisure & Culture": ["Equipment Purchase", "Books & Publications", "Events",
                          "Catering Provisions"],
    "Education & Skills": ["School Meals", "Training", "Exam Fees", "Educational Supplies"],
}
FIRST = """Ashworth Barlow Bennett Boardman Bradshaw Brierley Calderbank Cunliffe Dootson Eckersley
Fairclough Fletcher Gaskell Greenhalgh Hampson Hesketh Holcroft Houghton Hulme Ince Jolly
Kenyon Latham Liptrot Makinson Marsden Mather Melling Monks Naylor Orrell Parr Pennington
Rigby Rimmer Santus Seddon Shaw Sixsmith Standish Swift Tickle Topping Unsworth Vose Wainwright
Whittle Winstanley Worsley Yates Aspull Billinge Golborne Hindley Leigh Pemberton Shevington
Tyldesley Upholland Abram Astley Atherton Bryn Haigh Lowton Orrell Appley Kestrel Meridian
Northgate Pennine Redwood Summit Crown Anchor Beacon Harbour Oakfield Riverside Sterling Vantage
Apex Bridgewater Cedar Douglas Elmwood Fernside Granite Heritage Ironbridge Juniper Keystone
Lakeside Millstone Newbury Orchard Pinnacle Quarry Rowan Saxon Thornbury Unity Valley Westfield
Yew Zenith Acorn Bluebell Clover Dale Ember Foxglove Garnet Hawthorn Ivy Jasper Laurel Maple
Nettle Onyx Poplar Quill Rose Sorrel Teal Umber Violet Willow Ashby Brook Carter Dixon Ellis
Foster Grant Harris Irving Jackson Knight Lloyd Morris Nolan Owen Price Quinn Reid Scott Turner
Walker Young Adams Baker Clarke Davies Evans Green Hughes Jones King Lewis Moore Parker Roberts
Smith Taylor Thomas Ward White Wilson Wood Wright""".split()  # noqa: SIM905
TRADES = """Plumbing Joinery Roofing Electrical Catering Cleaning Care Homecare Transport Coaches
Taxis Landscapes Grounds Fencing Scaffolding Surveying Consulting Legal Accountancy Recruitment
Staffing Security Printing Signs Stationery Software Systems Networks Telecoms Engineering
Construction Builders Civils Paving Drainage Glazing Decorators Flooring Furniture Textiles
Uniforms Supplies Hygiene Waste Recycling Skip Hire Plant Hire Vehicles Motors Fuels Energy
Solar Heating Lifts Locksmiths Pest Control Tree Surgery Nurseries Foods Bakery Dairy Meats
Produce Training Tutors Therapy Counselling Housing Lettings Estates Removals Storage
Couriers Logistics Media Design Events Sports Leisure Arts Theatre Music""".split()  # noqa: SIM905
TAILS = ["", "", "", "Services", "Group", "Solutions", "Associates", "Partnership", "Contractors",
         "UK", "North West", "Holdings", "Direct", "Trust", "& Sons", "Care", "Supplies"]
SUFFIXES = [" Ltd", " Limited", " Ltd", " PLC", " LLP", "", "", " CIC"]
REDACTED = ["REDACTED - PERSONAL DATA", "Redacted"]


def _spaced(compact: np.ndarray) -> np.ndarray:
    """S7 compact postcodes (b'WN11YN') -> 'WN1 1YN'."""
    return np.array([c[:-3] + " " + c[-3:] for c in np.char.decode(compact.astype("S7"), "ascii")],
                    dtype=object)


def payees(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The 20,000 payees: id, name, postcode (true, as in the ledger, as in the supplier file)."""
    from spendkit.reference.districts import Districts, resolve_place
    from spendkit.reference.postcode_index import PostcodeIndex

    index = PostcodeIndex.load()
    districts = Districts()
    place = resolve_place([PLACE], districts, index)
    codes = np.array(index.codes, dtype=object)
    district = np.asarray(index.district)
    has = district >= 0
    dcode = np.where(has, codes[np.clip(district, 0, None)], "")
    pools = {
        "local": np.isin(dcode, place.local),
        "sub_regional": np.isin(dcode, place.sub_regional),
        "regional": np.isin(dcode, place.regional),
        "national": has & ~np.isin(dcode, [*place.local, *place.sub_regional, *place.regional,
                                           "L99999999", "M99999999"]),
        "outside_uk": np.isin(dcode, ["L99999999", "M99999999"]),
    }
    band_names = list(BANDS)
    band = rng.choice(len(band_names), size=N_PAYEES, p=list(BANDS.values()))
    postcode = np.full(N_PAYEES, "", dtype=object)
    all_pcs = np.asarray(index.postcodes)
    for b, name in enumerate(band_names):
        who = np.flatnonzero(band == b)
        if name in pools:
            pool = np.flatnonzero(pools[name])
            postcode[who] = _spaced(all_pcs[rng.choice(pool, size=len(who))])
        elif name == "not_found":  # postcode-shaped, but no such postcode
            postcode[who] = [f"ZZ{rng.integers(1, 99)} {rng.integers(1, 9)}ZZ" for _ in who]

    names: set[str] = set()
    out_names = []
    while len(out_names) < N_PAYEES:
        base = f"{rng.choice(FIRST)} {rng.choice(TRADES)} {rng.choice(TAILS)}".strip()
        if base.upper() in names:
            continue
        names.add(base.upper())
        out_names.append(base + str(rng.choice(SUFFIXES)))
    ids = rng.choice(np.arange(100_000, 1_000_000), size=N_PAYEES, replace=False).astype(str)

    # The ledger's own postcode column: 65% of payees, written as people type them.
    in_ledger = rng.random(N_PAYEES) < 0.65
    style = rng.choice(4, size=N_PAYEES, p=[0.75, 0.10, 0.10, 0.05])
    ledger_pc = np.array([
        "" if not keep or not pc else
        pc if s == 0 else pc.lower() if s == 1 else pc.replace(" ", "") if s == 2 else
        pc.replace(" ", "  ") + " "
        for pc, keep, s in zip(postcode, in_ledger, style, strict=True)], dtype=object)
    in_file = rng.random(N_PAYEES) < 0.95
    file_pc = postcode.copy()
    junk = rng.random(N_PAYEES) < 0.015
    file_pc[junk] = rng.choice(["TBC", "N/A", "tbc", "Unknown"], size=int(junk.sum()))

    # Zipf-like: payments per payee ~ rank ** -1.07; typical size per payee, log-normal.
    weights = 1.0 / np.arange(1, N_PAYEES + 1) ** 1.07
    mu = rng.normal(np.log(450.0), 1.3, size=N_PAYEES) + 1.2 * (weights / weights[0]) ** 0.25
    areas = list(SERVICE_AREAS)
    area = rng.integers(0, len(areas), size=N_PAYEES)
    expense = np.array([rng.integers(0, len(SERVICE_AREAS[areas[a]])) for a in area])
    employees = np.where(rng.random(N_PAYEES) < 0.6,
                         np.maximum(1, rng.lognormal(2.5, 1.6, N_PAYEES)).astype(int).astype(str), "")
    turnover = np.where(rng.random(N_PAYEES) < 0.5,
                        (np.round(rng.lognormal(13.5, 2.0, N_PAYEES), -3)).astype(np.int64).astype(str), "")
    company = np.where(rng.random(N_PAYEES) < 0.55,
                       np.char.zfill(rng.integers(1, 14_999_999, N_PAYEES).astype(str), 8), "")
    return {"id": ids, "name": np.array(out_names, dtype=object), "postcode": postcode,
            "ledger_pc": ledger_pc, "file_pc": file_pc, "in_file": in_file,
            "p": weights / weights.sum(), "mu": mu, "area": area, "expense": expense,
            "employees": employees, "turnover": turnover, "company": company, "band": band}


def write_suppliers(p: dict[str, np.ndarray], path: Path) -> None:
    keep = p["in_file"]
    table = pa.table({
        "Supplier ID": p["id"][keep], "Supplier Name": p["name"][keep].astype(str),
        "Postcode": p["file_pc"][keep].astype(str), "Company Number": p["company"][keep],
        "Employees": p["employees"][keep], "Turnover": p["turnover"][keep]})
    _write_csv([table], path)


def _days() -> tuple[np.ndarray, np.ndarray, list[dt.date]]:
    start = dt.date(2024, 4, 1)
    days = [start + dt.timedelta(d) for d in range(365)]
    days = [d for d in days if d.weekday() < 5]
    return (np.array([d.strftime("%d/%m/%Y") for d in days], dtype=object),
            np.array([d.isoformat() for d in days], dtype=object), days)


def _money(pence: np.ndarray, style: np.ndarray) -> list[str]:
    """int pence -> text as finance exports write it (style 0 plain, 1 commas, 2 £, credits 3-5)."""
    out = []
    for v, s in zip(pence.tolist(), style.tolist(), strict=True):
        a = abs(v)
        w, f = divmod(a, 100)
        if s == 0:
            out.append(f"{'-' if v < 0 else ''}{w}.{f:02d}")
        elif s == 1:
            out.append(f"{w:,}.{f:02d}")
        elif s == 2:
            out.append(f"£{w:,}.{f:02d}")
        elif s == 3:
            out.append(f"({w:,}.{f:02d})")
        elif s == 4:
            out.append(f"{w:,}.{f:02d} CR")
        else:
            out.append(f"-{w}.{f:02d}")
    return out


def chunk(p: dict[str, np.ndarray], n: int, start: int, seed: list[int]) -> dict[str, np.ndarray]:
    """``n`` ledger rows (rows start..start+n of the ledger), as text columns plus typed values."""
    rng = np.random.default_rng(seed)
    who = rng.choice(N_PAYEES, size=n, p=p["p"])
    pence = np.clip(np.round(np.exp(p["mu"][who] + 0.9 * rng.standard_normal(n)) * 100),
                    1, 500_000_000).astype(np.int64)
    credit = rng.random(n) < 0.03
    style = np.where(credit, rng.integers(3, 6, n),
                     rng.choice(3, size=n, p=[0.55, 0.30, 0.15]))
    pence = np.where(credit, -pence, pence)
    amount = np.array(_money(pence, style), dtype=object)
    uk, iso, days = _days()
    day = rng.integers(0, len(uk), n)
    date = np.where(rng.random(n) < 0.12, iso[day], uk[day])
    areas = list(SERVICE_AREAS)
    own = rng.random(n) < 0.85
    area_i = np.where(own, p["area"][who], rng.integers(0, len(areas), n))
    area = np.array(areas, dtype=object)[area_i]
    exp_i = np.where(own, p["expense"][who], rng.integers(0, 4, n))
    expense = np.array([SERVICE_AREAS[areas[a]][e] for a, e in zip(area_i.tolist(), exp_i.tolist(),
                                                                    strict=True)], dtype=object)
    name = p["name"][who].copy()
    shout = rng.random(n) < 0.02  # the same payee keyed in capitals now and then
    name[shout] = np.char.upper(name[shout].astype(str))
    sid = p["id"][who].astype(object)
    pc = p["ledger_pc"][who].copy()
    redacted = rng.random(n) < 0.015
    name[redacted] = rng.choice(REDACTED, size=int(redacted.sum()))
    sid[redacted] = ""
    pc[redacted] = ""
    # About one row in 10,000 that a careful reader must reject.
    bad = rng.random(n)
    amount[bad < 0.00004] = "TBC"
    amount[(bad >= 0.00004) & (bad < 0.00006)] = ""
    date[(bad >= 0.00006) & (bad < 0.00009)] = "31/02/2024"
    name[(bad >= 0.00009) & (bad < 0.0001)] = ""
    return {"Transaction Number": np.char.mod("%d", np.arange(7_000_001 + start, 7_000_001 + start + n)),
            "Payment Date": date, "Supplier ID": sid, "Supplier Name": name, "Supplier Postcode": pc,
            "Service Area": area, "Expense Type": expense, "Net Amount": amount,
            "_pence": pence, "_day": day, "_bad": bad, "_days": days}


def _table(c: dict[str, np.ndarray]) -> pa.Table:
    return pa.table({k: pa.array(c[k].astype(str) if c[k].dtype != object else c[k], pa.string())
                     for k in COLUMNS})


def _csv_field(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Quote a text column only where a value needs it (a comma, quote or line break), as
    finance exports do; pyarrow's own writer would quote every string."""
    col = pc.fill_null(col, "")
    needs = pc.match_substring_regex(col, r'[,"\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, col)


def _write_csv(tables, path: Path) -> None:
    """Stream tables to a CSV file (CRLF, minimal quoting), one chunk in memory at a time."""
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "wb") as f:
        header = False
        for t in tables:
            if not header:
                f.write((",".join(t.column_names) + "\r\n").encode())
                header = True
            lines = pc.binary_join_element_wise(*[_csv_field(c) for c in t.columns], ",")
            f.write(("\r\n".join(lines.to_pylist()) + "\r\n").encode("utf-8"))
    tmp.replace(path)


def ledger(p: dict[str, np.ndarray], size: str, *, xlsx: bool) -> None:
    n = SIZES[size]
    csv_path, pq_path = OUT / f"ledger-{size}.csv", OUT / f"ledger-{size}.parquet"
    t0 = time.perf_counter()
    pq_tmp = pq_path.with_suffix(".parquet.part")
    pq_writer: pq.ParquetWriter | None = None
    xlsx_rows: list[dict[str, np.ndarray]] = []

    def tables():
        nonlocal pq_writer
        for i, start in enumerate(range(0, n, CHUNK)):
            c = chunk(p, min(CHUNK, n - start), start, [SEED, n, i])
            t = _table(c)
            if pq_writer is None:
                pq_writer = pq.ParquetWriter(pq_tmp, t.schema, compression="zstd")
            pq_writer.write_table(t)
            if xlsx:
                xlsx_rows.append(c)
            yield t

    _write_csv(tables(), csv_path)
    assert pq_writer is not None
    pq_writer.close()
    pq_tmp.replace(pq_path)
    print(f"  {csv_path.name}: {csv_path.stat().st_size / 1e6:,.0f} MB; {pq_path.name}: "
          f"{pq_path.stat().st_size / 1e6:,.0f} MB ({time.perf_counter() - t0:.0f} s)", flush=True)
    if xlsx:
        t0 = time.perf_counter()
        path = OUT / f"ledger-{size}.xlsx"
        write_xlsx(xlsx_rows, path)
        print(f"  {path.name}: {path.stat().st_size / 1e6:,.1f} MB ({time.perf_counter() - t0:.0f} s)",
              flush=True)


def write_xlsx(chunks: list[dict[str, np.ndarray]], path: Path) -> None:
    """A finance system's workbook: amounts as numbers, dates as dates; unreadable cells as text.

    openpyxl in write-only mode (the venv has no faster XLSX writer)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet("Payments")
    ws.append(COLUMNS)
    for c in chunks:
        days = c["_days"]
        for i in range(len(c["_pence"])):
            amount = c["Net Amount"][i]
            date = c["Payment Date"][i]
            ws.append([
                int(c["Transaction Number"][i]),
                date if date in ("", "31/02/2024") else days[c["_day"][i]],
                c["Supplier ID"][i], c["Supplier Name"][i], c["Supplier Postcode"][i],
                c["Service Area"][i], c["Expense Type"][i],
                amount if amount in ("", "TBC") else int(c["_pence"][i]) / 100,
            ])
    tmp = path.with_suffix(".xlsx.part")
    book.save(tmp)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100k,1m", help="comma-separated: 100k, 1m, 10m")
    ap.add_argument("--force", action="store_true", help="regenerate files that exist")
    args = ap.parse_args(argv)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        sys.exit(f"unknown size(s): {', '.join(unknown)} (use {', '.join(SIZES)})")
    OUT.mkdir(parents=True, exist_ok=True)
    todo = [s for s in sizes if args.force or not all(
        (OUT / f"ledger-{s}.{ext}").exists() for ext in ("csv", "parquet", *(["xlsx"] if s == "100k" else [])))]
    if not todo and (OUT / "suppliers.csv").exists() and not args.force:
        print("bench/out: ledgers already generated (use --force to regenerate)")
        return
    print(f"generating into {OUT} (seed {SEED})", flush=True)
    p = payees(np.random.default_rng([SEED, 0]))
    write_suppliers(p, OUT / "suppliers.csv")
    print(f"  suppliers.csv: {int(p['in_file'].sum()):,} suppliers", flush=True)
    for s in todo:
        ledger(p, s, xlsx=(s == "100k"))


if __name__ == "__main__":
    main()
