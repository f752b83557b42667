"""Districts and the place: names, regions and named areas for every district code (shipped in
``data/``), and ``Place``, the organisation's districts and the rings around them, with the
basis for each ring in words for the report."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

import pandas as pd

from spendkit.errors import ConfigError

if TYPE_CHECKING:
    from spendkit.reference.postcode_index import PostcodeIndex


# ---------------------------------------------------------------- districts and areas

class Districts:
    """District names, regions and countries, and named areas, from the shipped tables."""

    def __init__(self) -> None:
        data = resources.files("spendkit") / "data"
        with resources.as_file(data / "districts.csv") as p:
            self.frame = pd.read_csv(p, dtype="str", keep_default_na=False).set_index("code")
        with resources.as_file(data / "areas.csv") as p:
            areas = pd.read_csv(p, dtype="str", keep_default_na=False)
        self.areas = {a: list(g["district_code"]) for a, g in areas.groupby("area", sort=False)}

    def name(self, code: str) -> str:
        return self.frame["name"].get(code, code)

    def names(self, codes: Iterable[str]) -> list[str]:
        return [self.name(c) for c in codes]

    def name_column(self, codes: pd.Series) -> pd.Series:
        """``name`` over a column of codes at once (a code not in the table stands for itself)."""
        return codes.map(self.frame["name"]).fillna(codes)

    def region(self, code: str) -> tuple[str, str]:
        row = self.frame.loc[code] if code in self.frame.index else None
        return ("", "") if row is None else (row["region_code"], row["region_name"])

    def in_region(self, region_code: str) -> list[str]:
        return sorted(self.frame.index[self.frame["region_code"] == region_code])

    def resolve(self, text: str, what: str = "place") -> list[str]:
        """A district (name or code), a region, or a named area -> district codes."""
        t = text.strip()
        key = _fold(t)
        if t.upper() in self.frame.index:
            return [t.upper()]
        by_name = {}
        for c, n in self.frame["name"].items():
            by_name[_fold(n)] = c
            if ", " in n:  # "Bristol, City of" is also "Bristol" and "City of Bristol"
                head, tail = n.split(", ", 1)
                by_name.setdefault(_fold(head), c)
                by_name.setdefault(_fold(f"{tail} {head}"), c)
        if key in by_name:
            return [by_name[key]]
        areas = {_fold(a): a for a in self.areas}
        if key in areas:
            return list(self.areas[areas[key]])
        regions = {_fold(n): c for c, n in zip(self.frame["region_code"], self.frame["region_name"],
                                               strict=True) if c}
        if key in regions:
            return self.in_region(regions[key])
        if t.upper() in regions.values():
            return self.in_region(t.upper())
        choices = [*self.frame["name"], *self.areas, *{n for n in self.frame["region_name"] if n}]
        close = difflib.get_close_matches(t, choices, n=4, cutoff=0.6) or \
            [c for c in choices if key and key in _fold(c)][:4]
        raise ConfigError(f"unknown {what} '{text}'.",
                          hint=(f"Did you mean: {', '.join(close)}?" if close else
                                "Give a local authority district name or ONS code, e.g. Wigan or E08000010."))


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("&", "and"))


# ---------------------------------------------------------------- the place and its rings

@dataclass
class Place:
    local: list[str]
    sub_regional: list[str]
    regional: list[str]
    local_basis: str
    sub_regional_basis: str
    regional_basis: str
    sub_regional_label: str = ""  # short, for evidence: "adjacent to Wigan"
    regional_label: str = ""  # "in North West"

    def to_dict(self, districts: Districts) -> dict:
        def named(codes: Sequence[str]) -> list[dict]:
            return [{"code": c, "name": districts.name(c)} for c in codes]
        return {"local": named(self.local), "local_basis": self.local_basis,
                "sub_regional": named(self.sub_regional), "sub_regional_basis": self.sub_regional_basis,
                "regional_basis": self.regional_basis, "regional_districts": len(self.regional)}


def resolve_place(places: Sequence[str], districts: Districts, index: PostcodeIndex,
                  sub_regional: Sequence[str] | None = None,
                  regional: Sequence[str] | None = None) -> Place:
    """The place's districts, and sub-regional/regional rings (defaults: adjacent; region)."""
    if not places:
        raise ConfigError("no place given.",
                          hint="Pass --place (e.g. --place Wigan or --place E08000010), "
                               "or set place in spendkit.toml.")
    local = _unique(c for p in places for c in districts.resolve(p))
    label = ", ".join(districts.names(local))
    if sub_regional:
        sub = _unique(c for s in sub_regional for c in districts.resolve(s, "sub-regional area"))
        sub_basis = f"named list: {', '.join(sub_regional)}"
        sub_label = f"in {', '.join(sub_regional)}"
    else:
        adj = index.adjacency
        sub = sorted({n for c in local for n in adj.get(c, ())} - set(local))
        sub_basis = (f"districts adjacent to {label} (postcodes within 500 m of each other "
                     "in the ONS Postcode Directory)")
        sub_label = f"adjacent to {label}"
    sub = [c for c in sub if c not in local]
    if regional:
        reg = _unique(c for r in regional for c in districts.resolve(r, "regional area"))
        reg_basis = f"named list: {', '.join(regional)}"
        reg_label = f"in {', '.join(regional)}"
    else:
        regions = _unique(districts.region(c) for c in local)
        reg = _unique(c for code, _ in regions if code for c in districts.in_region(code))
        names = ", ".join(name for code, name in regions if code)
        reg_basis = f"region: {names}" if reg else "none"
        reg_label = f"in {names}"
    return Place(local=local, sub_regional=_sorted_by_name(sub, districts),
                 regional=sorted(set(reg) - set(local) - set(sub)),
                 local_basis=label, sub_regional_basis=sub_basis, regional_basis=reg_basis,
                 sub_regional_label=sub_label, regional_label=reg_label)


def _unique(items: Iterable) -> list:
    return list(dict.fromkeys(items))


def _sorted_by_name(codes: Iterable[str], districts: Districts) -> list[str]:
    return sorted(codes, key=districts.name)
