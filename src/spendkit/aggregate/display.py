"""How a result shows itself: a one-line ``repr`` in a console, and a small table in a
notebook (``_repr_markdown_``, ``_repr_html_``). Each result type (``Result``, ``Report``,
``Ranking``, ``LeagueTable``) says what to show (``_display``); this module shows it the
three ways. The figures are the documents' own; nothing is computed here."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from spendkit.money import money, share

MOST = 20  # rows of a table shown in a notebook
HEADLINE = (("local", "Local"), ("local_or_sub_regional", "Local + sub-regional"),
            ("sme", "SME"), ("vcfse", "VCFSE"))


@dataclass
class Display:
    kind: str  # the type's name: Result, Report...
    facts: list[str]  # short phrases: "2,994 rows counted (£40,215,717.66)", "place Wigan"
    table: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    header: tuple[str, str] = ("", "")  # the table's column headings
    of: str = ""  # what the table's values are of, in one line: "of influenceable spend"
    hint: str = ""  # what to look at next: ".rows, .summary()"

    def rows(self, most: int) -> list[tuple[str, str]]:
        """The table's first ``most`` rows, and a row saying how many more there are."""
        more = len(self.table) - most
        return self.table[:most] + ([(f"… {more:,} more", "")] if more > 0 else [])

    def text(self) -> str:
        shown = ", ".join(f"{k} {v}".strip() for k, v in self.rows(4))
        inner = "; ".join([*self.facts, *([shown + (f" {self.of}" if self.of else "")]
                                          if self.table else [])])
        return f"<spendkit.{self.kind}: {inner}>"

    def markdown(self) -> str:
        out = [f"**spendkit.{self.kind}** · " + " · ".join(_md(f) for f in self.facts), ""]
        if self.table:
            out += [f"| {_md(self.header[0])} | {_md(self.header[1])} |", "|---|---:|",
                    *(f"| {_md(k)} | {_md(v)} |" for k, v in self.rows(MOST)), ""]
        if self.hint:
            out.append(_md(self.hint))
        return "\n".join(out)

    def html(self) -> str:
        e = html.escape
        rows = "".join(f"<tr><td>{e(k)}</td><td style='text-align:right'>{e(v)}</td></tr>"
                       for k, v in self.rows(MOST))
        table = (f"<table><thead><tr><th>{e(self.header[0])}</th><th style='text-align:right'>"
                 f"{e(self.header[1])}</th></tr></thead><tbody>{rows}</tbody></table>"
                 if self.table else "")
        hint = f"<p><small>{e(self.hint)}</small></p>" if self.hint else ""
        return (f"<div><p><b>spendkit.{e(self.kind)}</b> · {' · '.join(e(f) for f in self.facts)}"
                f"</p>{table}{hint}</div>")


def _md(text: str) -> str:
    """Text safe in a Markdown table cell (no pipes, no markup)."""
    return "".join(f"\\{c}" if c in "\\`*_[]<>|#" else c for c in text)


class Displayed:
    """A result that shows a short summary: ``repr`` in a console, a table in a notebook."""

    def _display(self) -> Display:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self._display().text()

    def _repr_markdown_(self) -> str:
        return self._display().markdown()

    def _repr_html_(self) -> str:
        return self._display().html()


def measured(m: dict[str, Any] | None) -> str:
    """A headline measure: '16.1% (99.0% known)', or 'not enough evidence (0.0% known)'."""
    if not m:
        return "–"
    if m.get("coverage") is None:
        return share(m.get("share"))
    known = f"({share(m['coverage'])} known)"
    return f"not enough evidence {known}" if m["share"] is None else f"{share(m['share'])} {known}"


def classify_display(doc: dict[str, Any]) -> Display:
    """A classify document: rows counted and rejected, the place, the headline shares."""
    rec, head = doc["reconciliation"], doc["headline"]
    place = doc["place"]["local_basis"]
    facts = [f"{rec['rows_counted']:,} rows counted ({money(rec['pence_counted'])})",
             f"{rec['rows_rejected']:,} rejected", f"place {place}",
             "balanced" if rec["balanced"] else "NOT balanced"]
    table = [(label, measured(head.get("measures", {}).get(key))) for key, label in HEADLINE]
    return Display("Result", facts, table, ("Share of influenceable spend", ""),
                   "of influenceable spend", ".rows, .rejected, .headline, .reconciliation, .summary(), .document()")


def report_display(doc: dict[str, Any]) -> Display:
    """A report document: the period, rows reported, the headline shares."""
    rec, head = doc["reconciliation"], doc["headline"]
    facts = [doc["period"]["label"], f"{rec['rows_reported']:,} rows reported "
             f"({money(rec['pence_reported'])})", f"place {doc['method']['place']['local_basis']}",
             f"{len(doc['breakdowns'])} breakdown(s)"]
    table = [(label, measured(head[key])) for key, label in HEADLINE if key in head]
    of = head["shares_of_text"].split(" (")[0]
    return Display("Report", facts, table, (f"Share of {of}", ""), f"of {of}", ".headline, .breakdowns, .trends, .to_dict(), .document(); spendkit.save(report, "
                   "'report.xlsx')")


def rank_display(doc: dict[str, Any], top: list[dict[str, Any]]) -> Display:
    """A ranking: suppliers, concentration, the top few by spend."""
    conc = doc["concentration"]
    facts = [f"{doc['suppliers']:,} suppliers ({money(doc['pence'])})",
             f"{conc['suppliers']:,} make up {conc['target']:.0%} of spend", doc["period"]["label"]]
    table = [(f"{s['rank']}. {s['payee']}", f"{money(s['pence'])} ({share(s['share'])})") for s in top]
    return Display("Ranking", facts, table, ("Top suppliers", "Spend (share)"), "",
                   ".overall, .by_class, .concentration, .leakage, .cles, .document()")


def league_display(doc: dict[str, Any]) -> Display:
    """A league table: organisations and their local rank."""
    orgs = doc["organisations"]
    facts = [f"{len(orgs):,} organisation(s)", f"method {doc['method']['name']}", doc["method"]["period"]]
    table = [(o["name"], o["ranks"]["local"]["text"] + f" ({share(o['shares'].get('local'))})"
              if "local" in o["ranks"] else "not ranked: " + o.get("not_ranked", {}).get("local", "no share"))
             for o in orgs]
    return Display("LeagueTable", facts, table, ("Organisation", "Local spend"), "",
                   ".ordered(), .sentences(), .to_dict(), .document()")
