"""Sector of a payee (vcfse / public / individual / private / unknown), whole columns at a time.

The patterns live in ``data/rules.toml`` (a user's copy replaces it whole, ``load_rules(path)``),
each with the reason it exists. Two sources of evidence:

* ``sector_from_name``: the payee's name. First matching rule wins, in file order; evidence
  quotes the matched words ("name contains 'CIC' (community interest company)"); strength
  "weak" (a name is a clue, not a registration).
* ``sector_from_legal_form``: a legal form as a supplier file writes it, or Companies House's
  CompanyCategory. Companies limited by guarantee count as VCFSE only with
  ``guarantee_is_vcfse=True``.

Nothing is guessed: a name no rule recognises is ``unknown`` and says so.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spendkit.distinct import per_distinct
from spendkit.errors import ConfigError
from spendkit.normalise.values import SPACES

SECTORS = ("vcfse", "public", "individual", "private", "unknown")
COMPANY_SUFFIX_MODES = ("keep", "skip", "undecided")
DEFAULT_EVIDENCE = "name contains '{match}' ({label})"
COLUMNS = ["sector", "sector_evidence", "sector_strength", "sector_rule"]


@dataclass(frozen=True)
class NameRule:
    id: str
    sector: str
    pattern: str  # one regex (alternatives joined), without flags
    unless: str  # "" for none
    company_suffix: str  # keep | skip | undecided
    business_words: str  # keep | skip | undecided
    label: str
    evidence: str
    why: str = ""
    source: str = ""


@dataclass(frozen=True)
class FormRule:
    id: str
    sector: str
    pattern: str
    label: str
    strength: str
    guarantee: bool = False


@dataclass(frozen=True)
class Rules:
    path: str
    company_suffix: str
    business_words: str  # "" for none
    names: tuple[NameRule, ...]
    legal_forms: tuple[FormRule, ...]


# ---------------------------------------------------------------------------------------------
# Loading


def load_rules(path: Path | None = None) -> Rules:
    """The sector rules: the packaged ``rules.toml``, or the user's copy at ``path``.

    Invalid TOML, a missing field, an unknown sector or a bad regular expression raise
    ``ConfigError`` naming the file and the rule.
    """
    if path is None:
        return _packaged()
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such sector rules file.")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the sector rules ({exc}).") from None
    return parse_rules(text, str(path))


@functools.cache
def _packaged() -> Rules:
    ref = resources.files("spendkit") / "data" / "rules.toml"
    return parse_rules(ref.read_text(encoding="utf-8"), "spendkit/data/rules.toml")


def parse_rules(text: str, where: str) -> Rules:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc}).") from None
    hint = "See the comments at the top of spendkit's packaged rules.toml for the fields."
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise ConfigError(f"{where}: [settings] must be a table.", hint=hint)
    suffix = _regex(settings.get("company_suffix", r"\b(?:LTD|LIMITED|PLC|LLP)\b"), where,
                    "settings.company_suffix")
    business = settings.get("business_words", "")
    business = _regex(business, where, "settings.business_words") if business else ""
    names = tuple(_name_rule(r, i, where, hint) for i, r in enumerate(_tables(data, "name", where)))
    forms = tuple(_form_rule(r, i, where, hint) for i, r in enumerate(_tables(data, "legal_form", where)))
    for kind, rules in (("name", names), ("legal_form", forms)):
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ConfigError(f"{where}: [[{kind}]] rule '{rule.id}' appears twice.", hint=hint)
            seen.add(rule.id)
    return Rules(where, suffix, business, names, forms)


def _tables(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{where}: '{key}' must be written as [[{key}]] tables.")
    return value


_NAME_FIELDS = {"id", "sector", "pattern", "unless", "company_suffix", "business_words", "label", "evidence", "why", "source"}
_FORM_FIELDS = {"id", "sector", "pattern", "label", "strength", "guarantee", "why", "source"}


def _name_rule(raw: dict[str, Any], i: int, where: str, hint: str) -> NameRule:
    rid = _rule_id(raw, i, "name", where, hint)
    what = f"[[name]] rule '{rid}'"
    _check_fields(raw, _NAME_FIELDS, what, where, hint)
    sector = _sector(raw, what, where)
    modes = {}
    for field in ("company_suffix", "business_words"):
        modes[field] = raw.get(field, "keep")
        if modes[field] not in COMPANY_SUFFIX_MODES:
            raise ConfigError(f"{where}: {what}: {field} must be one of "
                              f"{', '.join(COMPANY_SUFFIX_MODES)} (not {modes[field]!r}).")
    label = str(raw.get("label", rid))
    evidence = str(raw.get("evidence", DEFAULT_EVIDENCE))
    try:
        evidence.format(match="", label="")
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"{where}: {what}: evidence may use only {{match}} and {{label}} ({exc}).") from None
    return NameRule(rid, sector, _pattern(raw, "pattern", what, where, required=True),
                    _pattern(raw, "unless", what, where, required=False), modes["company_suffix"],
                    modes["business_words"], label, evidence,
                    str(raw.get("why", "")), str(raw.get("source", "")))


def _form_rule(raw: dict[str, Any], i: int, where: str, hint: str) -> FormRule:
    rid = _rule_id(raw, i, "legal_form", where, hint)
    what = f"[[legal_form]] rule '{rid}'"
    _check_fields(raw, _FORM_FIELDS, what, where, hint)
    strength = raw.get("strength", "strong")
    if strength not in ("strong", "partial", "weak", ""):
        raise ConfigError(f"{where}: {what}: strength must be strong, partial, weak or \"\".")
    guarantee = raw.get("guarantee", False)
    if not isinstance(guarantee, bool):
        raise ConfigError(f"{where}: {what}: guarantee must be true or false.")
    return FormRule(rid, _sector(raw, what, where), _pattern(raw, "pattern", what, where, required=True),
                    str(raw.get("label", rid)), strength, guarantee)


def _rule_id(raw: dict[str, Any], i: int, kind: str, where: str, hint: str) -> str:
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise ConfigError(f"{where}: [[{kind}]] rule number {i + 1} has no id.", hint=hint)
    return rid.strip()


def _check_fields(raw: dict[str, Any], allowed: set[str], what: str, where: str, hint: str) -> None:
    extra = sorted(set(raw) - allowed)
    if extra:
        raise ConfigError(f"{where}: {what}: unknown field(s) {', '.join(extra)}.", hint=hint)


def _sector(raw: dict[str, Any], what: str, where: str) -> str:
    sector = raw.get("sector")
    if sector not in SECTORS:
        raise ConfigError(f"{where}: {what}: sector must be one of {', '.join(SECTORS)} (not {sector!r}).")
    return str(sector)


def _pattern(raw: dict[str, Any], key: str, what: str, where: str, *, required: bool) -> str:
    value = raw.get(key)
    if value is None or value == "" or value == []:
        if required:
            raise ConfigError(f"{where}: {what}: no {key}.")
        return ""
    parts = [value] if isinstance(value, str) else value
    if not isinstance(parts, list) or not all(isinstance(p, str) and p for p in parts):
        raise ConfigError(f"{where}: {what}: {key} must be a regular expression or a list of them.")
    for p in parts:
        _regex(p, where, f"{what}: {key}")
    return parts[0] if len(parts) == 1 else "|".join(f"(?:{p})" for p in parts)


def _regex(pattern: Any, where: str, what: str) -> str:
    if not isinstance(pattern, str):
        raise ConfigError(f"{where}: {what}: must be a regular expression (text).")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{where}: {what}: {pattern!r} is not a valid regular expression ({exc}).") from None
    return pattern


# ---------------------------------------------------------------------------------------------
# Classifying


def match_key(names: pd.Series) -> pd.Series:
    """Names as the rules see them: upper case, straight apostrophes, whitespace collapsed."""
    k = names.fillna("").astype("str").str.upper()
    k = k.str.replace("[\u2018\u2019\u0060\u00b4]", "'", regex=True)
    return k.str.replace(SPACES, " ", regex=True).str.strip()


RULE_GROUP = 8  # sector_from_name tests the name rules this many at a time first


def _ci(pattern: str) -> str:
    return f"(?i:{pattern})"  # scoped, so it can sit inside a group in both RE2 and re


def contains(key: pd.Series, pattern: str) -> np.ndarray:
    """``key.str.contains(pattern)`` as a bool array, ASCII names in pyarrow's RE2 engine.

    pandas sends a whole column to Python's ``re`` when one name has a non-ASCII letter and
    the pattern uses ``\\b`` (the engines disagree on such letters): here only those names
    go to ``re``. (Keys have their whitespace collapsed, so ``\\s`` and ``$`` agree too.)
    """
    import pyarrow.compute as pc

    out = np.zeros(len(key), dtype=bool)
    for values, at in _by_engine(key, pattern):
        if isinstance(values, pd.Series):
            out[at] = values.str.contains(pattern, regex=True).to_numpy(dtype=bool)
        else:
            out[at] = pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False)
    return out


def extract(key: pd.Series, pattern: str) -> pd.Series:
    """The first match of ``pattern`` in each name ("" where none), engines chosen as in
    ``contains``."""
    import pyarrow.compute as pc

    out = np.full(len(key), "", dtype=object)
    for values, at in _by_engine(key, pattern):
        if isinstance(values, pd.Series):
            found = values.str.extract(f"({pattern})", expand=True)[0]
        else:
            found = pc.struct_field(pc.extract_regex(values, f"(?P<m>{pattern})"), [0]).to_pandas()
        out[at] = found.fillna("").to_numpy(dtype=object)
    return pd.Series(out, index=key.index, dtype="str")


def _by_engine(key: pd.Series, pattern: str) -> Iterator[tuple[Any, np.ndarray]]:
    """(values, positions) to run ``pattern`` on: ASCII names as an Arrow array for RE2, the
    others (or all, for a pattern RE2 cannot run, such as a look-around) as a Series for ``re``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.array(key.astype("str"), type=pa.large_string())
    ascii_ = pc.string_is_ascii(values).to_numpy(zero_copy_only=False)
    if not _re2_runs(pattern):
        ascii_[:] = False
    if ascii_.any():
        yield values.filter(ascii_), np.flatnonzero(ascii_)
    if not ascii_.all():
        yield key[~ascii_].astype("object"), np.flatnonzero(~ascii_)


@functools.cache
def _re2_runs(pattern: str) -> bool:
    """Can pyarrow's RE2 run ``pattern``? (Not a look-around, say.)"""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.match_substring_regex(pa.array([""], pa.large_string()), pattern)
    except pa.ArrowInvalid:
        return False
    return True


@per_distinct
def sector_from_name(names: pd.Series, rules: Rules | None = None) -> pd.DataFrame:
    """Sector from the payee name: columns sector, sector_evidence, sector_strength, sector_rule."""
    rules = rules or load_rules()
    index = names.index
    key = match_key(names).reset_index(drop=True)
    n = len(key)
    sector = np.full(n, "unknown", dtype=object)
    evidence = np.full(n, "no sector rule matched the name", dtype=object)
    rule_id = np.full(n, "", dtype=object)
    blank = (key == "").to_numpy()
    evidence[blank] = "no name"
    todo = ~blank.copy()
    # The rules in groups, each group's patterns as one alternation first: a name that matches
    # none of a group's patterns is not tested against them one by one (most names match few).
    in_group = np.zeros(n, dtype=bool)
    has_suffix = contains(key, _ci(rules.company_suffix))
    has_business = (contains(key, _ci(rules.business_words))
                    if rules.business_words else np.zeros(n, dtype=bool))
    for i, rule in enumerate(rules.names):
        if not todo.any():
            break
        if i % RULE_GROUP == 0:
            group = rules.names[i:i + RULE_GROUP]
            pos = np.flatnonzero(todo)
            in_group[:] = False
            in_group[pos] = contains(key.iloc[pos], _ci("|".join(f"(?:{r.pattern})" for r in group)))
        pos = np.flatnonzero(todo & in_group)
        if not len(pos):
            continue
        found = _apply_name_rule(rule, rules, key, pos, has_suffix, has_business)
        if found is None:
            continue
        pos, decided_sector, text_arr = found
        sector[pos] = decided_sector
        evidence[pos] = text_arr
        rule_id[pos] = rule.id
        todo[pos] = False
    strength = np.where(sector == "unknown", "", "weak")
    return _sector_columns(index, sector, evidence, strength, rule_id)


def _apply_name_rule(rule: NameRule, rules: Rules, key: pd.Series, pos: np.ndarray,
                     has_suffix: np.ndarray, has_business: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """One name rule on the names at ``pos``: (the positions it matches, their sector, their
    evidence), or None when it matches none of them."""
    cand = key.iloc[pos]
    hit = contains(cand, _ci(rule.pattern))
    if rule.unless:
        hit &= ~contains(cand, _ci(rule.unless))
    if rule.company_suffix == "skip":
        hit &= ~has_suffix[pos]
    if rule.business_words == "skip":
        hit &= ~has_business[pos]
    if not hit.any():
        return None
    pos = pos[hit]
    matched = extract(key.iloc[pos], _ci(rule.pattern)).str.strip(" _")
    head, sep, tail = rule.evidence.replace("{label}", rule.label).partition("{match}")
    text = (head + matched + tail) if sep else pd.Series(head, index=matched.index, dtype="str")
    decided_sector = np.full(len(pos), rule.sector, dtype=object)
    text_arr = text.to_numpy(dtype=object)
    undecided = np.zeros(len(pos), dtype=bool)
    if rule.company_suffix == "undecided":
        undecided |= has_suffix[pos]
    if rule.business_words == "undecided":
        undecided |= has_business[pos]
    if undecided.any():
        marker = "|".join(f"(?:{p})" for p in (rules.company_suffix, rules.business_words) if p)
        also = extract(key.iloc[pos[undecided]], _ci(marker))
        text_arr[undecided] = (text.iloc[np.flatnonzero(undecided)] + " but also '"
                               + also.fillna("").str.strip()
                               + "': VCFSE or a business, not decided from the name").to_numpy()
        decided_sector[undecided] = "unknown"
    return pos, decided_sector, text_arr


@per_distinct
def sector_from_legal_form(forms: pd.Series, rules: Rules | None = None, *,
                           guarantee_is_vcfse: bool = False) -> pd.DataFrame:
    """Sector from a legal form ("Community Interest Company", "PRI/LBG/NSC (...)", "Sole trader").

    A company limited by guarantee is VCFSE only when ``guarantee_is_vcfse`` is True; otherwise
    the form decides nothing ("limited by guarantee: not counted as VCFSE unless opted in"):
    trade bodies, management companies and council-owned companies are limited by guarantee too.
    """
    rules = rules or load_rules()
    index = forms.index
    original = forms.fillna("").astype("str").str.replace(SPACES, " ", regex=True).str.strip()
    key = original.str.upper().reset_index(drop=True)
    orig = original.reset_index(drop=True)
    n = len(key)
    sector = np.full(n, "unknown", dtype=object)
    evidence = ("legal form '" + orig + "' not recognised").to_numpy(dtype=object)
    strength = np.full(n, "", dtype=object)
    rule_id = np.full(n, "", dtype=object)
    blank = (key == "").to_numpy()
    evidence[blank] = "no legal form"
    todo = ~blank.copy()
    for rule in rules.legal_forms:
        if not todo.any():
            break
        pos = np.flatnonzero(todo)
        hit = contains(key.iloc[pos], _ci(rule.pattern))
        if not hit.any():
            continue
        pos = pos[hit]
        if rule.guarantee:
            if guarantee_is_vcfse:
                sec, label, stren = "vcfse", "limited by guarantee: counted as VCFSE (guarantee_is_vcfse)", "partial"
            else:
                sec, label, stren = ("unknown", "limited by guarantee: not counted as VCFSE unless opted in "
                                                "(guarantee_is_vcfse)", "")
        else:
            sec, label, stren = rule.sector, rule.label, rule.strength
        if sec == "unknown":
            stren = ""
        sector[pos] = sec
        evidence[pos] = ("legal form '" + orig.iloc[pos] + "': " + label).to_numpy(dtype=object)
        strength[pos] = stren
        rule_id[pos] = rule.id
        todo[pos] = False
    return _sector_columns(index, sector, evidence, strength, rule_id)


def _sector_columns(index: pd.Index, sector: np.ndarray, evidence: np.ndarray, strength: np.ndarray,
                    rule_id: np.ndarray) -> pd.DataFrame:
    """The four sector columns, as text, on ``index``."""
    values = {"sector": sector, "sector_evidence": evidence, "sector_strength": strength,
              "sector_rule": rule_id}
    return pd.DataFrame({k: pd.Series(v, index=index, dtype="str") for k, v in values.items()},
                        index=index)
