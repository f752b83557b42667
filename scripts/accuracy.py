"""Measured accuracy: spendkit against real ground truths, written to ``docs/accuracy.md``.

``make accuracy`` runs it. Each ground truth becomes a small ledger that holds what a real ledger
could hold (the payee's name, an amount, the registration numbers the source gives) and never
the answer; spendkit classifies it as it would any ledger, and its answers are compared with the
truth, per class, by payee count and by pounds. The ground truths are in ``../shared/realdata``
(not copied into the repository); a truth whose file is absent is skipped and says so. The
project's own labelled names (``tests/data/labelled_names.csv``) are always measured.

    python scripts/accuracy.py                 # the "now" section of docs/accuracy.md
    python scripts/accuracy.py --section before  # record the figures as "before"

Only the named section of the document is replaced; the other is kept as it was.

Precision of a class: of the payees (or pounds) spendkit put in the class, the share whose truth
is that class. Recall: of the payees (or pounds) whose truth is the class, the share spendkit
put in it. A payee spendkit leaves unknown lowers recall, never precision.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT / ".." / "shared" / "realdata"
LABELLED = ROOT / "tests" / "data" / "labelled_names.csv"
DOC = ROOT / "docs" / "accuracy.md"
PLACE = "Manchester"  # the place decides nothing measured here (sector and size only)


@dataclass
class Truth:
    """A ground truth: one row per payee, with its pence, the identifiers a ledger could carry,
    and the truth: ``sector`` (vcfse / public / private / individual / not-vcfse / "") and
    ``size`` (sme / large / "")."""

    name: str
    about: str
    rows: pd.DataFrame  # payee, pence, charity, company, sector, size
    classes: tuple[str, ...] = ()
    sizes: bool = False
    subsets: dict[str, pd.Series] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Running spendkit


def classify(rows: pd.DataFrame, place: str = PLACE) -> pd.DataFrame:
    """spendkit's sector, evidence and SME answer for each row of ``rows`` (a ledger built from
    payee, pence and the identifiers; the truth columns are not written)."""
    import spendkit.api as api

    amounts = [f"{Decimal(int(p)) / 100:.2f}" for p in rows["pence"]]
    ledger = pd.DataFrame({"Supplier Name": rows["payee"].to_numpy(), "Amount": amounts,
                           "Payment Date": "2025-01-15",
                           "Transaction Number": [f"T{i}" for i in range(len(rows))]})
    for col, header in (("charity", "Charity Number"), ("company", "Company Number")):
        if col in rows and (rows[col].fillna("") != "").any():
            ledger[header] = rows[col].fillna("").to_numpy()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "truth.csv"
        ledger.to_csv(path, index=False)
        result = api.classify(path, place=place)
    got = result.rows.set_index(result.rows["transaction_id"].astype("str"))
    got = got.reindex([f"T{i}" for i in range(len(rows))])
    out = rows.reset_index(drop=True).copy()
    out["got_sector"] = got["sector"].astype("str").fillna("unknown").to_numpy()
    out["got_evidence"] = got["sector_evidence"].astype("str").fillna("").to_numpy()
    sme = got["sme"].astype("object").to_numpy()
    out["got_size"] = ["sme" if s is True else "large" if s is False else "unknown" for s in sme]
    out["got_size_evidence"] = got["size_evidence"].astype("str").fillna("").to_numpy()
    return out


# ---------------------------------------------------------------------------------------------
# Scores


def scores(truth: pd.Series, got: pd.Series, pence: pd.Series, cls: str) -> dict[str, float | int]:
    """Precision and recall of one class, by payee count and by pence. ``truth`` "" rows are
    not measured; a ``not-X`` truth counts as "not cls" for every class."""
    measured = truth != ""
    t = (truth == cls) & measured
    g = (got == cls) & measured
    tp = t & g
    p = pence.clip(lower=0)
    return {
        "actual": int(t.sum()), "called": int(g.sum()), "right": int(tp.sum()),
        "actual_p": int(p[t].sum()), "called_p": int(p[g].sum()), "right_p": int(p[tp].sum()),
    }


def ratio(a: int, b: int) -> str:
    return "–" if b == 0 else f"{100 * a / b:.1f}%"


def score_table(rows: pd.DataFrame, classes: tuple[str, ...], truth_col: str, got_col: str) -> list[str]:
    lines = ["| class | payees in truth | called by spendkit | precision (payees) | recall (payees) "
             "| £ in truth | precision (£) | recall (£) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for cls in classes:
        s = scores(rows[truth_col], rows[got_col], rows["pence"], cls)
        lines.append(f"| {cls} | {s['actual']:,} | {s['called']:,} | {ratio(s['right'], s['called'])} "
                     f"| {ratio(s['right'], s['actual'])} | {pounds(s['actual_p'])} "
                     f"| {ratio(s['right_p'], s['called_p'])} | {ratio(s['right_p'], s['actual_p'])} |")
    return lines


def pounds(pence: int) -> str:
    return f"£{Decimal(pence) / 100:,.0f}"


def costliest(rows: pd.DataFrame, classes: tuple[str, ...], truth_col: str, got_col: str,
              evidence_col: str, n: int = 8) -> list[str]:
    """The costliest errors: a payee put in a class it is not in (a false answer), or a payee
    of a measured class that spendkit put elsewhere or left unknown (a miss)."""
    t, g = rows[truth_col], rows[got_col]
    positive = t.isin(classes)
    wrong = (t != "") & (t != g) & (positive | g.isin(classes))
    bad = rows[wrong].sort_values("pence", ascending=False).head(n)
    if bad.empty:
        return ["No errors."]
    out = ["| payee | £ | truth | spendkit | spendkit's evidence |", "|---|---:|---|---|---|"]
    for r in bad.itertuples():
        ev = str(getattr(r, evidence_col)).replace("|", "/")
        out.append(f"| {md(r.payee)} | {pounds(int(r.pence))} | {getattr(r, truth_col)} "
                   f"| {getattr(r, got_col)} | {md(ev)[:160]} |")
    return out


def md(text: str) -> str:
    return str(text).replace("|", "/").replace("\n", " ").strip()


def coverage(rows: pd.DataFrame, got_col: str) -> str:
    known = rows[got_col] != "unknown"
    p = rows["pence"].clip(lower=0)
    return (f"decided for {int(known.sum()):,} of {len(rows):,} payees "
            f"({ratio(int(known.sum()), len(rows))}), {ratio(int(p[known].sum()), int(p.sum()))} of the £")


# ---------------------------------------------------------------------------------------------
# The ground truths


def labelled_names() -> Truth:
    data = pd.read_csv(LABELLED, dtype="str", keep_default_na=False)
    rows = pd.DataFrame({"payee": data["name"], "pence": data["amount"].map(to_pence),
                         "charity": "", "company": "", "sector": data["sector"], "size": ""})
    return Truth("The project's labelled names", (
        f"`tests/data/labelled_names.csv`: {len(rows)} payee names from real ledgers, labelled by hand "
        "with their sector (the source column says where each came from; amounts are the payee's "
        "spend in that ledger, nominal for the issue's examples). The name is all spendkit sees."),
        rows, classes=("vcfse", "public", "private", "individual"))


def to_pence(text: str) -> int:
    clean = re.sub(r"[£,\s]", "", str(text))
    try:
        return int((Decimal(clean) * 100).to_integral_value())
    except Exception:
        return 0


def contracts_finder() -> Truth | None:
    path = REALDATA / "contracts-finder-ocds" / "contracts_finder_award_releases_english.jsonl"
    if not path.is_file():
        return None
    found: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        release = json.loads(line)
        parties = {p.get("id"): p for p in release.get("parties", [])}
        for award in release.get("awards", []):
            suppliers = award.get("suppliers", [])
            value = award.get("value", {}).get("amount") or 0
            for s in suppliers:
                party = parties.get(s.get("id"), {})
                details = party.get("details", {})
                name = (s.get("name") or party.get("name") or "").strip()
                if not name:
                    continue
                ident = party.get("identifier", {})
                company = ident.get("id", "") if ident.get("scheme") == "GB-COH" else ""
                row = found.setdefault(name.upper(), {"payee": name, "pence": 0, "charity": "",
                                                      "company": company, "sector": "", "size": ""})
                row["pence"] += int(Decimal(str(value)) * 100) // max(len(suppliers), 1)
                if "vcse" in details:
                    row["sector"] = "vcfse" if details["vcse"] else "not-vcfse"
                if details.get("scale") in ("sme", "large"):
                    row["size"] = details["scale"]
    rows = pd.DataFrame(list(found.values()))
    return Truth("Contracts Finder award notices", (
        f"`contracts-finder-ocds/`: {len(rows)} distinct suppliers of 201 award notices (Jan-Mar 2025); "
        "truth is the supplier's own `details.scale` (SME or large) and `details.vcse` as the buyer "
        "recorded them. **Self-declared and noisy**: suppliers tick these boxes themselves and buyers "
        "copy them, so a 'disagreement' may be the notice's error. spendkit sees the name and the "
        "GB-COH company number where the notice gives one; £ is the award value shared among its suppliers."),
        rows, classes=("vcfse",), sizes=True)


def salford_register() -> Truth | None:
    path = REALDATA / "odileeds" / "salford_2022-07_contracts-register.csv"
    if not path.is_file():
        return None
    data = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8", encoding_errors="replace")
    data.columns = [re.sub(r"^[^A-Za-z]+", "", c) for c in data.columns]
    sme = data["SME Supplier?"].str.strip().str.lower().map({"yes": "sme", "no": "large"}).fillna("")
    data = data.assign(size=sme, pence=data["Total Contract Value (including extensions)"].map(to_pence))
    data = data[(data["Supplier Company Name"].str.strip() != "") & ~data["Supplier Company Name"].str.contains(
        "(?i)^various")]
    agg = data.groupby(data["Supplier Company Name"].str.strip(), sort=False).agg(
        pence=("pence", "sum"), size=("size", lambda s: s.iloc[0] if s.nunique() == 1 else ""),
        company=("Company Number", "first"))
    rows = pd.DataFrame({"payee": agg.index, "pence": agg["pence"].to_numpy(), "charity": "",
                         "company": agg["company"].str.strip().to_numpy(), "sector": "",
                         "size": agg["size"].to_numpy()})
    return Truth("Salford contracts register (SME column hidden)", (
        f"`odileeds/salford_2022-07_contracts-register.csv`: {len(rows)} distinct suppliers; truth is "
        "the council's own `SME Supplier?` column (Yes / No; suppliers with answers that differ "
        "between contracts and 'Various' are not measured). The column is **not** given to spendkit: "
        "it sees the name and the company number. £ is the total contract value."),
        rows, sizes=True)


def trafford_grants() -> Truth | None:
    path = REALDATA / "trafford" / "trafford_council_voluntary_sector_grants_360giving.csv"
    if not path.is_file():
        return None
    data = pd.read_csv(path, dtype="str", keep_default_na=False)
    ident = data["Recipient Org:Identifier"].str.strip()
    charity = data["Recipient Org:Charity Number"].str.strip()
    charity = charity.mask((charity == "") & ident.str.match(r"(?i)GB-(?:CHC|SC|NIC)-"), ident)
    data = data.assign(charity=charity, pence=data["Amount Awarded"].map(to_pence))
    agg = data.groupby(data["Recipient Org:Name"].str.strip(), sort=False).agg(
        pence=("pence", "sum"), charity=("charity", "first"),
        company=("Recipient Org:Company Number", "first"))
    rows = pd.DataFrame({"payee": agg.index, "pence": agg["pence"].to_numpy(),
                         "charity": agg["charity"].to_numpy(), "company": agg["company"].to_numpy(),
                         "sector": "vcfse", "size": ""})
    has = rows["charity"] != ""
    return Truth("Trafford voluntary-sector grants", (
        f"`trafford/trafford_council_voluntary_sector_grants_360giving.csv`: {len(rows)} distinct "
        "recipients of 555 grants, every one a VCFSE organisation (precision is 100% by "
        "construction, so only recall is informative). spendkit sees the name, the charity number "
        "(or the GB-CHC org-id where the number is blank) and the company number; £ is the amount awarded."),
        rows, classes=("vcfse",), subsets={"with a charity number": has, "without one": ~has})


def wakefield_charities() -> Truth | None:
    path = REALDATA / "odileeds" / "wakefield_2018-Q3.csv"
    if not path.is_file():
        return None
    import spendkit.api as api
    from spendkit.normalise.identifiers import normalise_charity_numbers

    result = api.classify(path, place="Wakefield")
    rows = result.rows
    number = normalise_charity_numbers(rows["charity_number"].astype("str").fillna(""))
    keep = (number != "") & (rows["amount_pence"] > 0)
    sub = rows[keep].assign(num=number[keep])
    agg = sub.groupby(sub["payee"].astype("str"), sort=False).agg(
        pence=("amount_pence", "sum"), got_sector=("sector", "first"),
        got_evidence=("sector_evidence", "first"), charity=("num", "first"))
    out = pd.DataFrame({"payee": agg.index, "pence": agg["pence"].astype("int64").to_numpy(),
                        "charity": agg["charity"].astype("str").to_numpy(), "company": "",
                        "sector": "vcfse", "size": "",
                        "got_sector": agg["got_sector"].astype("str").to_numpy(),
                        "got_evidence": agg["got_evidence"].astype("str").to_numpy()})
    return Truth("Wakefield 2018-Q3: payees with a charity number", (
        f"`odileeds/wakefield_2018-Q3.csv` run whole as a ledger (place Wakefield): the {len(out)} payees "
        "whose `Charity Registration Number` holds a valid charity number are VCFSE (a registered "
        "charity). spendkit reads that column as any ledger's."), out, classes=("vcfse",))


def numbers_in_names() -> list[str]:
    """Where a 6-7 digit number printed in a payee name comes from, on every real ledger."""
    if not REALDATA.is_dir():
        return ["(realdata absent: not measured)"]
    trailing = re.compile(r"(?:^|[\s(#])(\d{6,7})\)?\s*$")
    context = re.compile(r"(?i)\b(?:REG(?:ISTERED)?\.?\s*)?CHARITY\b[^0-9]{0,20}(\d{6,7})\b")
    bare: dict[str, str] = {}
    ctx: dict[str, str] = {}
    for f in sorted(REALDATA.rglob("*.csv")):
        if any(p in f.parts for p in ("charity-lookups", "companies-house")) or "trafford-supplier" in f.name:
            continue
        try:
            data = pd.read_csv(f, dtype="str", keep_default_na=False, encoding="latin-1",
                               on_bad_lines="skip", engine="python")
        except Exception:
            continue
        for col in data.columns:
            if not re.search(r"(?i)supplier|vendor|beneficiary|payee", col) or re.search(
                    r"(?i)\b(?:id|no|number|ref|reference|code|postcode)\b|internal", col):
                continue
            for name in data[col].drop_duplicates():
                name = str(name).strip()
                if re.fullmatch(r"[\d\s]*", name):
                    continue
                if context.search(name):
                    ctx.setdefault(name, f.relative_to(REALDATA).as_posix())
                elif trailing.search(name):
                    bare.setdefault(name, f.relative_to(REALDATA).as_posix())
    registered = _registered_charity_numbers()

    def in_register(names: dict[str, str]) -> str:
        if registered is None:
            return ""
        hits = [n for n in names if (m := trailing.search(n) or context.search(n))
                and m.group(1).lstrip("0") in registered]
        return (f" Checked against the Charity Commission's register of numbers "
                f"(`charity-lookups/charity_scale.csv`, {len(registered):,} numbers): {len(hits)} of "
                f"{len(names)} are numbers it has issued" + (" (" + ", ".join(f"`{n}`" for n in hits) + ")"
                                                            if hits else "") + ".")

    lines = [f"- Names ending in a bare 6-7 digit number: **{len(bare)}** distinct, e.g. "
             + ", ".join(f"`{n}`" for n in list(bare)[:8]) + ". Read by hand, none is the payee's "
             "charity number: they are the publisher's supplier or store references (`RINGTONS LTD "
             "(387786)`, `CO-OP GROUP 190294`, `VODAFONE LIMITED (345559)`)." + in_register(bare)
             + " A number the register has issued is not the payee's for that (the register gave "
             "them to other charities). Precision of a 'number at the end of the name' rule: 0 of "
             f"{len(bare)}; spendkit does not use one.",
             f"- Names with a number after 'charity' ('REG.CHARITY 1062692', 'CHARITY NUMBER 1151677'): "
             f"**{len(ctx)}** distinct: " + ", ".join(f"`{n}`" for n in ctx) + "." + in_register(ctx)
             + " spendkit reads these as the charity number.",
             "- The charity numbers of the Wakefield ledger are in their own column, never in the name."]
    return lines


def _registered_charity_numbers() -> set[str] | None:
    path = REALDATA / "charity-lookups" / "charity_scale.csv"
    if not path.is_file():
        return None
    return set(pd.read_csv(path, dtype="str", keep_default_na=False)["reg_number"].str.strip().str.lstrip("0"))


TRUTHS: list[Callable[[], Truth | None]] = [labelled_names, wakefield_charities, trafford_grants,
                                            contracts_finder, salford_register]


# ---------------------------------------------------------------------------------------------
# The document


def measure(truth: Truth) -> tuple[list[str], pd.DataFrame]:
    """The section of one truth, and its rows with spendkit's answers."""
    rows = truth.rows if "got_sector" in truth.rows else classify(truth.rows)
    lines = [f"### {truth.name}", "", truth.about, ""]
    if truth.classes:
        lines += ["Sector: " + coverage(rows, "got_sector") + ".", ""]
        lines += [*score_table(rows, truth.classes, "sector", "got_sector"), ""]
        for label, mask in truth.subsets.items():
            sub = rows[mask.to_numpy()]
            s = scores(sub["sector"], sub["got_sector"], sub["pence"], truth.classes[0])
            lines.append(f"- {truth.classes[0]} recall {label}: {ratio(s['right'], s['actual'])} of "
                         f"{s['actual']:,} payees, {ratio(s['right_p'], s['actual_p'])} of "
                         f"{pounds(s['actual_p'])}")
        if truth.subsets:
            lines.append("")
        lines += ["Costliest sector errors:", ""]
        lines += [*costliest(rows, truth.classes, "sector", "got_sector", "got_evidence"), ""]
    if truth.sizes:
        lines += ["Size (SME or not): " + coverage(rows, "got_size") + ".", ""]
        lines += [*score_table(rows, ("sme", "large"), "size", "got_size"), ""]
        lines += ["Costliest size errors:", ""]
        lines += [*costliest(rows, ("sme", "large"), "size", "got_size", "got_size_evidence"), ""]
    return lines, rows


def targets(measured: dict[str, pd.DataFrame]) -> list[str]:
    """The issue's targets, each with its figure and whether it is met."""
    out = ["| target | figure | met |", "|---|---:|:---:|"]
    for key, what, only_numbered in (
            ("wakefield_charities", "VCFSE recall by £, Wakefield payees with a charity number", False),
            ("trafford_grants", "VCFSE recall by £, Trafford recipients with a charity number", True)):
        rows = measured.get(key)
        if rows is None:
            out.append(f"| {what} | not measured (file absent) | – |")
            continue
        if only_numbered:
            rows = rows[rows["charity"] != ""]
        s = scores(rows["sector"], rows["got_sector"], rows["pence"], "vcfse")
        met = s["actual_p"] > 0 and s["right_p"] >= 0.9 * s["actual_p"]
        out.append(f"| {what} | {ratio(s['right_p'], s['actual_p'])} | {'yes' if met else '**no**'} |")
    rows = measured["labelled_names"]
    commercial = int(((rows["sector"] == "private") & (rows["got_sector"] == "vcfse")).sum())
    out.append(f"| commercial names called VCFSE, labelled names | {commercial} | "
               f"{'yes' if commercial == 0 else '**no**'} |")
    s = scores(rows["sector"], rows["got_sector"], rows["pence"], "public")
    met = s["right_p"] >= 0.9 * s["actual_p"]
    out.append(f"| public-body recall by £, labelled names | {ratio(s['right_p'], s['actual_p'])} "
               f"| {'yes' if met else '**no**'} |")
    return out


def section(truths: list[tuple[str, Truth]], absent: list[str]) -> list[str]:
    lines: list[str] = []
    measured: dict[str, pd.DataFrame] = {}
    for key, truth in truths:
        body, measured[key] = measure(truth)
        lines += body
    lines = ["Targets (at least 90%, or none):", "", *targets(measured), "", *lines]
    lines += ["### Registration numbers printed in payee names", "", *numbers_in_names(), ""]
    if absent:
        lines += ["Not measured (file absent): " + ", ".join(absent) + ".", ""]
    return lines


HEAD = """# Measured accuracy

spendkit's sector and size answers measured against real ground truths: `make accuracy`
(`scripts/accuracy.py`) builds a small ledger from each truth (the payee name, an amount, and
the registration numbers the source gives, never the answer), classifies it as any ledger, and
compares. **Precision** of a class: of the payees (or £) spendkit put in it, the share that
truly are. **Recall**: of the payees (or £) that truly are, the share spendkit put in it. A
payee left unknown lowers recall, never precision: spendkit does not guess.

Targets: VCFSE recall at least 90% by £ where a charity number or VCSE flag is present
(Wakefield; Trafford with a charity number); no commercial name called VCFSE and public-body
recall at least 90% by £ on the labelled names (`tests/decide/test_accuracy.py` checks both on
every test run).

Size is measured on what a bare ledger gives: with no supplier file and no register, spendkit
decides size only for public limited companies (not SMEs) and leaves the rest unknown, so the
size figures below are coverage figures more than accuracy ones; the supplier file (staff,
turnover) and the Companies House register (accounts category, a weak proxy) are what raise them.

Not found in the real data: a county's own creditor-type coding, and a VCSE flag column with
answers (Wakefield's `VCSE Grant` column reads "Not yet available" on every row).

The last section, "Before the identifier and name rules of issue 13", is this same script run
on spendkit as it was before those rules (`python scripts/accuracy.py --section before` on that
code), kept so that each rule change shows its effect.
"""


def write_doc(section_name: str, body: list[str], doc: Path = DOC) -> None:
    begin, end = f"<!-- BEGIN {section_name} -->", f"<!-- END {section_name} -->"
    titles = {"now": "## Now", "before": "## Before the identifier and name rules of issue 13"}
    text = doc.read_text(encoding="utf-8") if doc.is_file() else ""
    if "<!-- BEGIN now -->" not in text:
        text = HEAD + "\n" + "".join(f"{titles[s]}\n\n<!-- BEGIN {s} -->\n<!-- END {s} -->\n\n"
                                     for s in ("now", "before"))
    start, stop = text.index(begin) + len(begin), text.index(end)
    text = text[:start] + "\n" + "\n".join(body).rstrip() + "\n" + text[stop:]
    tmp = doc.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(doc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", choices=("now", "before"), default="now")
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    truths, absent = [], []
    for make in TRUTHS:
        truth = make()
        if truth is None:
            absent.append(make.__name__)
        else:
            truths.append((make.__name__, truth))
    write_doc(args.section, section(truths, absent), args.doc)
    print(f"wrote the '{args.section}' section of {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
