"""League tables: several organisations ranked by local, sub-regional, SME and VCFSE share.

A manifest names the organisations. TOML:

    title = "North West councils"            # optional
    peers = "published.csv"                  # optional: others' published shares
    [method]                                 # optional; command-line flags win
    name = "spendkit"                        # or "tussell"
    fy = "2024/25"                           # or year = 2024 (calendar)
    [[organisation]]
    name = "Sample Borough Council"
    place = "Wigan"                          # or a list of districts
    ledgers = ["apr.csv", "may.csv"]         # paths relative to the manifest
    suppliers = "suppliers.csv"              # optional; so too sub_regional, regional

or just a CSV of published shares: ``name,local_share,sub_regional_share,sme_share,vcfse_share``
(15.7% or 0.157; a blank cell is not known, and that organisation is not ranked on it).

Ranking is standard competition ranking ("1224"): organisations with equal shares (to six
decimal places) share a rank, and the next rank skips. "44th of 311" counts only the
organisations ranked on that measure: those with a figure, and, for an organisation counted
from its ledgers, whose measure is known (place, size or sector) for at least
``[headline] min_coverage`` of its spend; one below is listed, with its coverage and bounds,
but not ranked on that measure.

Each rank comes with an interval from the bounds (``coverage.measure``: ``low`` = the share
with every unknown out, ``high`` = every unknown in). Best rank: this organisation at its
``high`` and every other ranked one at its ``low`` (1 + those whose low is above its high);
worst rank: this one at its ``low`` and every other at its ``high`` (1 + those whose high is
above its low). Published shares have no bounds (low = high = the share). So "3rd of 5
(2nd-4th)": ranked 3rd on the shares as counted, and no way of placing the unknowns could
put it above 2nd or below 4th. Everything is checked (ledgers exist, places
are known, shares parse) before any ledger is read, so a bad manifest writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, StrictInt, StrictStr, ValidationError

from spendkit.aggregate.coverage import FAMILY, fine_table, measure
from spendkit.aggregate.display import Display, Displayed, league_display
from spendkit.aggregate.periods import check_options, period_notes, prepare
from spendkit.aggregate.shares import (
    DENOMINATORS,
    base_rows,
    headline_masks,
    parse_share,
    resolve_denominator,
)
from spendkit.config import read_toml
from spendkit.errors import ConfigError, InputFileError
from spendkit.read.guard import check_path, unreadable

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from spendkit.aggregate.documents import LeagueDocument
    from spendkit.aggregate.result import Result
    from spendkit.config import Settings
    from spendkit.reference.districts import Districts

MEASURES = ("local", "sub_regional", "sme", "vcfse")
SHARE_COLUMNS = {f"{m}_share": m for m in MEASURES}
SCHEMA_VERSION = "2.0"
_ORG_KEYS = {"name", "place", "ledgers", "suppliers", "sub_regional", "regional"}
_TOP_KEYS = {"title", "peers", "method", "organisation"}
_METHOD_KEYS = {"name", "fy", "year", "shares_of"}


@dataclass(frozen=True)
class Method:
    """A way of counting, as a transformation of each organisation's Settings."""

    name: str
    description: str
    local: str = "place"  # or "region": the place's ITL1 region counts as local
    calendar_year: bool = False
    size_rule: str | None = None  # None: the settings' own
    guarantee_is_vcfse: bool | None = None
    shares_of: str | None = None  # None: the --shares-of option

    def apply(self, settings: Settings, districts: Districts) -> Settings:
        from spendkit.config import Settings

        data = settings.model_dump()
        if self.local == "region":
            codes = [c for p in data["place"]["districts"] for c in districts.resolve(p)]
            regions = list(dict.fromkeys(districts.region(c)[1] for c in codes))
            if "" in regions:
                raise ConfigError(f"place {', '.join(data['place']['districts'])}: no region is "
                                  f"known, so the {self.name} method cannot count it.")
            data["place"] = {"districts": regions, "sub_regional": regions, "regional": []}
        organisations = data.get("organisations")
        if organisations is not None:
            if self.size_rule is not None:
                organisations["size_rule"] = self.size_rule
            if self.guarantee_is_vcfse is not None:
                organisations["guarantee_is_vcfse"] = self.guarantee_is_vcfse
        return Settings.model_validate(data)


METHODS = {
    "spendkit": Method("spendkit", "spendkit's own: local = the organisation's place, "
                                   "sub-regional = the ring around it, size and sector rules "
                                   "as in the settings"),
    "tussell": Method(
        "tussell", "as the Tussell / LocalGov Local Government Procurement Index: local = a "
                   "supplier in the same ITL1 (NUTS1) region as the organisation, one calendar "
                   "year, SMEs by the EU recommendation 2003/361, VCSE including companies "
                   "limited by guarantee (Tussell: CIC in the name, or a registered charity, "
                   "charitable organisation, CIC, guarantee company or non-profit), shares of "
                   "all published spend; no sub-regional figure",
        local="region", calendar_year=True, size_rule="eu-2003-361", guarantee_is_vcfse=True,
        shares_of="all"),
}
LABELS = {"local": "Local", "sub_regional": "Sub-regional", "sme": "SME", "vcfse": "VCFSE"}


@dataclass
class Organisation:
    name: str
    place: list[str]
    ledgers: list[Path]
    suppliers: Path | None = None
    sub_regional: list[str] = field(default_factory=list)
    regional: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    path: Path
    title: str
    organisations: list[Organisation]
    peers: list[dict[str, Any]]
    method: dict[str, Any]


# ---------------------------------------------------------------- reading and checking

def load_manifest(path: Path) -> Manifest:
    """A TOML manifest or a CSV of published shares; every path and share checked."""
    check_path(path, "a league manifest")
    if path.suffix.lower() == ".csv":
        return Manifest(path, path.stem, [], read_peers(path), {})
    data = read_toml(path, unreadable=InputFileError)
    _only(data, _TOP_KEYS, str(path))
    _typed(_ManifestTop, data, str(path))
    method = data.get("method", {})
    _only(method, _METHOD_KEYS, f"{path} [method]")
    _typed(_ManifestMethod, method, f"{path} [method]")
    base = path.parent
    orgs = []
    for i, raw in enumerate(data.get("organisation", []), start=1):
        where = f"{path}: organisation {i}"
        _only(raw, _ORG_KEYS, where)
        if not raw.get("name") or not raw.get("place") or not raw.get("ledgers"):
            raise ConfigError(f"{where}: needs name, place and ledgers.")
        _typed(_ManifestOrganisation, raw, where)
        ledgers = [base / p for p in _list(raw["ledgers"])]
        missing = [str(p) for p in ledgers if not p.exists()]  # (read.guard checks what is there)
        suppliers = base / raw["suppliers"] if raw.get("suppliers") else None
        if suppliers is not None and not suppliers.exists():
            missing.append(str(suppliers))
        if missing:
            raise InputFileError(f"{path}: organisation '{raw['name']}': no such file: "
                                 f"{', '.join(missing)}.",
                                 hint="Paths in a manifest are relative to the manifest's folder.")
        orgs.append(Organisation(str(raw["name"]), _list(raw["place"]), ledgers, suppliers,
                                 _list(raw.get("sub_regional", [])), _list(raw.get("regional", []))))
    peers = read_peers(base / data["peers"]) if data.get("peers") else []
    names = [o.name for o in orgs] + [p["name"] for p in peers]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{path}: organisation named more than once: {', '.join(dupes)}.")
    if not names:
        raise ConfigError(f"{path}: no [[organisation]] and no peers: nothing to rank.")
    return Manifest(path, str(data.get("title", path.stem)), orgs, peers, method)


Texts = StrictStr | list[StrictStr]


class _ManifestTop(BaseModel):
    """The types of a manifest's top-level keys (paths and names are text, never numbers)."""

    title: StrictStr | None = None
    peers: StrictStr | None = None
    method: dict[str, Any] = {}
    organisation: list[dict[str, Any]] = []


class _ManifestMethod(BaseModel):
    name: StrictStr | None = None
    fy: StrictStr | None = None
    year: StrictInt | None = None
    shares_of: StrictStr | None = None


class _ManifestOrganisation(BaseModel):
    name: StrictStr
    place: Texts
    ledgers: Texts
    suppliers: StrictStr | None = None
    sub_regional: Texts = []
    regional: Texts = []


def _typed(model: type[BaseModel], data: Any, where: str) -> None:
    """A ConfigError naming each key of ``data`` whose value has the wrong type for ``model``."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        wrong = {str(e["loc"][0]) if e["loc"] else "": e["input"] for e in exc.errors()}
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a table of keys, not {data!r}.") from None
        problems = "; ".join(f"{k} = {data.get(k, v)!r}" for k, v in wrong.items())
        raise ConfigError(f"{where}: wrong type: {problems}.",
                          hint="Names and paths are text in quotes (several: a list of them); a "
                               "year is a number. See docs/reports.md (league).") from None


def _only(data: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}.",
                          hint=f"Allowed: {', '.join(sorted(allowed))}.")


def _list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value)


def read_peers(path: Path) -> list[dict[str, Any]]:
    """Published shares: name plus any of local_share, sub_regional_share, sme_share, vcfse_share."""
    check_path(path, "a table of published shares")
    try:
        frame = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: not a readable CSV ({exc}).") from None
    except OSError as exc:
        raise unreadable(path, exc) from None
    frame.columns = [c.strip().lower() for c in frame.columns]
    shares = [c for c in frame.columns if c in SHARE_COLUMNS]
    if "name" not in frame or not shares:
        raise InputFileError(f"{path}: needs a name column and at least one of "
                             f"{', '.join(SHARE_COLUMNS)}.", hint=f"Columns found: {', '.join(frame.columns)}.")
    out = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        name = str(rec["name"]).strip()
        if not name:
            raise InputFileError(f"{path} row {i}: no name.")
        out.append({"name": name, "shares": {SHARE_COLUMNS[c]: parse_share(rec[c], f"{path} row {i} {c}")
                                             for c in shares}})
    return out


def check_places(manifest: Manifest, districts: Districts) -> None:
    for org in manifest.organisations:
        for p in [*org.place, *org.sub_regional, *org.regional]:
            try:
                districts.resolve(p)
            except ConfigError as exc:
                raise ConfigError(f"{manifest.path}: organisation '{org.name}': {exc.message}",
                                  hint=exc.hint) from None


# ---------------------------------------------------------------- ranking

def competition_ranks(values: dict[str, float | None]) -> dict[str, int]:
    """Standard competition ranking, highest first: {a: .5, b: .4, c: .4, d: .1} -> 1, 2, 2, 4.
    Names with no value are not ranked."""
    known = {k: round(v, 6) for k, v in values.items() if v is not None}
    return {k: 1 + sum(1 for w in known.values() if w > v) for k, v in known.items()}


def rank_intervals(bounds: dict[str, tuple[float, float]]) -> dict[str, tuple[int, int]]:
    """{name: (best, worst)} from each ranked name's (low, high) share: best = 1 + the others
    whose low is above its high; worst = 1 + the others whose high is above its low (to six
    decimal places, as ``competition_ranks``)."""
    names = list(bounds)
    low = np.array([round(bounds[n][0], 6) for n in names])
    high = np.array([round(bounds[n][1], 6) for n in names])
    best = 1 + (low[None, :] > high[:, None]).sum(axis=1)  # (a name is never above itself: low <= high)
    worst = 1 + (high[None, :] > low[:, None]).sum(axis=1) - (high > low)
    return {n: (int(b), int(w)) for n, b, w in zip(names, best, worst, strict=True)}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_text(r: dict[str, Any]) -> str:
    """'3rd of 5 (2nd-4th)', or '3rd of 5' when the bounds cannot move it."""
    span = "" if r["best"] == r["worst"] else f" ({ordinal(r['best'])}-{ordinal(r['worst'])})"
    return f"{ordinal(r['rank'])} of {r['of']}{span}"


@dataclass(repr=False)
class LeagueTable(Displayed):
    """What ``spendkit.make_league`` returns: organisations ranked by their shares:
    ``ordered()``, ``sentences()``, ``to_dict()`` (the JSON document), ``document()`` (typed)."""

    entries: list[dict[str, Any]]
    method: dict[str, Any]

    def __post_init__(self) -> None:
        for m in MEASURES:
            values = {e["name"]: e["shares"].get(m) for e in self.entries}
            ranks = competition_ranks(values)
            bounds = {n: _bounds(e, m) for e in self.entries if (n := e["name"]) in ranks}
            spans = rank_intervals(bounds)
            for e in self.entries:
                if e["name"] in ranks:
                    best, worst = spans[e["name"]]
                    r = {"rank": ranks[e["name"]], "of": len(ranks), "best": best, "worst": worst}
                    e["ranks"][m] = {**r, "text": f"{ordinal(r['rank'])} of {r['of']}",
                                     "interval_text": f"{ordinal(best)}-{ordinal(worst)} of {r['of']}"}

    def measures(self) -> list[str]:
        return [m for m in MEASURES if any(m in e["ranks"] or m in e.get("not_ranked", {})
                                           for e in self.entries)]

    def ordered(self) -> list[dict[str, Any]]:
        """By local rank (unranked last), then name; when nobody is ranked on local spend (no
        postcodes anywhere, say), by the first measure someone is ranked on."""
        by = next((m for m in MEASURES if any(m in e["ranks"] for e in self.entries)), "local")
        return sorted(self.entries, key=lambda e: (e["ranks"].get(by, {}).get("rank", 10**9),
                                                   e["name"]))

    def sentences(self) -> list[str]:
        """'Sample Borough Council: 3rd of 5 (2nd-4th) for local spend, ...; not ranked on SME
        spend (size known for 12.0% of its spend)' for each organisation whose figures come
        from its ledgers."""
        words = {"local": "local spend", "sub_regional": "sub-regional spend",
                 "sme": "SME spend", "vcfse": "VCFSE spend"}
        out = []
        for e in self.ordered():
            if e["source"] != "ledgers" or not (e["ranks"] or e.get("not_ranked")):
                continue
            parts = [f"{rank_text(e['ranks'][m])} for {words[m]}" for m in MEASURES if m in e["ranks"]]
            parts += [f"not ranked on {words[m]} ({why})" for m, why in e.get("not_ranked", {}).items()]
            out.append(f"{e['name']}: " + ", ".join(parts))
        return out

    def long(self) -> pd.DataFrame:
        rows = []
        for e in self.ordered():
            rec: dict[str, Any] = {"name": e["name"], "source": e["source"], "pence": e.get("pence")}
            for m in MEASURES:
                r = e["ranks"].get(m)
                low, high = e.get("bounds", {}).get(m) or (None, None)
                rec[f"{m}_share"] = e["shares"].get(m)
                rec[f"{m}_rank"] = r["rank"] if r else None
                rec[f"{m}_of"] = r["of"] if r else None
                rec[f"{m}_rank_best"] = r["best"] if r else None
                rec[f"{m}_rank_worst"] = r["worst"] if r else None
                rec[f"{m}_coverage"] = e.get("coverage", {}).get(m)
                rec[f"{m}_low"], rec[f"{m}_high"] = low, high
                rec[f"{m}_not_ranked"] = e.get("not_ranked", {}).get(m)
            rows.append(rec)
        frame = pd.DataFrame(rows)
        for c in frame.columns:
            if c == "pence" or c.endswith(("_rank", "_of", "_best", "_worst")):
                frame[c] = frame[c].astype("Int64")
        return frame

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, "command": "league",
                "spendkit_version": version("spendkit"),
                "method": self.method, "measures": self.measures(),
                "organisations": self.ordered(), "sentences": self.sentences()}

    def notes(self) -> list[str]:
        return [n for e in self.entries for n in e.get("notes", [])]

    def document(self) -> LeagueDocument:
        """The league document, typed: ``table.document().organisations[0].ranks.local``."""
        from spendkit.aggregate.documents import validate

        return validate("league", self.to_dict())  # type: ignore[return-value]

    def _display(self) -> Display:
        return league_display({"organisations": self.ordered(), "method": self.method})


def _bounds(entry: dict[str, Any], m: str) -> tuple[float, float]:
    """An entry's (low, high) on ``m``: its bounds, or its published share twice."""
    got = entry.get("bounds", {}).get(m)
    if got is None or got[0] is None:
        return entry["shares"][m], entry["shares"][m]
    return got[0], got[1]


def make_league(manifest_path: Path, settings: Settings, *,
                classify: Callable[[Sequence[Path], Settings], Result], method: str | None = None,
                fy: str | None = None, year: int | None = None, shares_of: str = "auto"
                ) -> LeagueTable:
    """Read and check the manifest, classify each organisation's ledgers under the method,
    and rank (``classify`` is an engine's: ``spendkit.api.league`` passes the local one)."""
    from spendkit.config import apply_overrides
    from spendkit.reference.districts import Districts

    manifest = load_manifest(Path(manifest_path))
    name = method or manifest.method.get("name", "spendkit")
    if name not in METHODS:
        raise ConfigError(f"--method '{name}': use {' or '.join(METHODS)}.")
    how = METHODS[name]
    if fy is None and year is None:  # a period on the command line replaces the manifest's
        fy, year = manifest.method.get("fy"), manifest.method.get("year")
    if how.calendar_year and year is None and manifest.organisations:
        raise ConfigError(f"the {name} method counts one calendar year: give --year (e.g. 2024).")
    if how.calendar_year and fy is not None:
        raise ConfigError(f"the {name} method counts a calendar year, not a financial year: "
                          "give --year instead of --fy.")
    check_options(None, None, fy, year)
    districts = Districts()
    check_places(manifest, districts)
    wanted = how.shares_of or (shares_of if shares_of != "auto" else
                               manifest.method.get("shares_of", "auto"))
    entries = []
    period_label = "as published"
    denominators: set[str] = set()
    for org in manifest.organisations:
        org_settings = how.apply(apply_overrides(
            settings, districts=org.place, suppliers=org.suppliers, sub_regional=org.sub_regional,
            regional=org.regional), districts)
        rows, dups, period, _status = prepare(classify(org.ledgers, org_settings), fy=fy, year=year)
        denominator = resolve_denominator(rows, wanted)
        denominators.add(denominator)
        period_label = period["label"]
        entries.append(_entry(org, rows, base_rows(rows, denominator), how,
                              [f"{org.name}: {n}" for n in _notes(dups, period)],
                              org_settings.headline.min_coverage))
    for peer in manifest.peers:
        entries.append({"name": peer["name"], "source": "published", "place": None, "pence": None,
                        "denominator_pence": None, "rows": None, "shares": peer["shares"],
                        "ranks": {}, "coverage": {}, "bounds": {}, "not_ranked": {}, "notes": []})
    return LeagueTable(entries, {
        "name": name, "description": how.description, "period": period_label,
        "shares_of": "; ".join(DENOMINATORS[d] for d in sorted(denominators)) or "as published",
        "ranking": "standard competition ranking: equal shares (to 6 decimal places) share a "
                   "rank and the next rank is skipped (1, 2, 2, 4)",
        "rank_interval": "best: this organisation with every unknown counted in and every other "
                         "with every unknown out; worst: the reverse; published shares are taken "
                         "as exact",
        "min_coverage": f"an organisation is ranked on a measure when its place, size or sector "
                        f"is known for at least {settings.headline.min_coverage:.0%} of its spend",
        "sub_regional": "the districts around the place, not the place itself",
        "published_shares": "taken as given; check they were counted the same way",
        "manifest": str(manifest.path), "title": manifest.title})


def _entry(org: Organisation, rows: pd.DataFrame, base: pd.DataFrame, how: Method,
           notes: list[str], min_coverage: float) -> dict[str, Any]:
    """One organisation's row of the league: its spend, and on each measure its share of
    ``base``'s spend (null below ``min_coverage``), coverage and bounds (``coverage.measure``)."""
    total = int(base["amount_pence"].sum())
    fine = fine_table(base)
    masks = headline_masks(base)
    wanted = [m for m in MEASURES if m in masks or m == "sub_regional"]
    if how.local == "region":
        wanted.remove("sub_regional")
    figures = {m: measure(fine, m, total, min_coverage) for m in wanted}
    shares: dict[str, float | None] = {m: f["share"] for m, f in figures.items()}
    if how.local == "region":
        shares["sub_regional"] = None
    not_ranked = {m: (f"{FAMILY[m]} known for {f['coverage']:.1%} of its spend, below "
                      f"{min_coverage:.0%}")
                  for m, f in figures.items() if not f["enough_evidence"] and f["coverage"] is not None}
    return {"name": org.name, "source": "ledgers", "place": org.place,
            "pence": int(rows["amount_pence"].sum()), "denominator_pence": total,
            "rows": len(rows), "shares": shares, "ranks": {},
            "coverage": {m: f["coverage"] for m, f in figures.items()},
            "bounds": {m: [f["low"], f["high"]] for m, f in figures.items()},
            "not_ranked": not_ranked, "notes": notes}


def _notes(dups: pd.DataFrame, period: dict[str, Any]) -> list[str]:
    return period_notes(dups, period, False)
