"""The report, ranking and league table as self-contained HTML pages: the place and method
on top, headline cards, bars by class, spend over time, the top suppliers, coverage, the
rejected rows and the input files. Inline CSS; charts drawn here in Python (HTML bars, and an
SVG whose text stays at its CSS size at any width); a few lines of inline script (sortable
tables); nothing loaded from anywhere (the page's Content-Security-Policy forbids it), so it
opens offline and can be e-mailed as it is. Same input, same bytes.

One layout from a 390 px phone to a wide screen: cards wrap, bars put their figures on a
line of their own when narrow, wide tables scroll inside their own box, and no text is
smaller than 12 px. Printed, the page drops its shadows and scroll boxes, keeps the bar
colours and repeats table headers on each page.
"""

from __future__ import annotations

import html
import math
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spendkit.money import money
from spendkit.output.export import atomic_path
from spendkit.schema import LABELS

if TYPE_CHECKING:
    from spendkit.aggregate.league import LeagueTable
    from spendkit.aggregate.rank import Ranking
    from spendkit.aggregate.report import Report

COLOURS = {
    "local": "#1b7837", "sub_regional": "#5aae61", "regional": "#a6dba0", "national": "#9970ab",
    "outside_uk": "#762a83", "unknown": "#bbbbbb", "micro": "#08519c", "small": "#3182bd",
    "medium": "#6baed6", "sme": "#9ecae1", "large": "#e6550d", "vcfse": "#d95f02",
    "private": "#7570b3", "public": "#1b9e77", "individual": "#e7298a",
}
NARROW = 700  # px: below this width the page is laid out for a phone
CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#222;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:14px 10px}
h1{font-size:22px;line-height:1.2;margin:0 0 4px;overflow-wrap:anywhere}
h2{font-size:18px;margin:0 0 8px;padding-top:8px}h3{font-size:15px;margin:14px 0 6px}
p,li,dd{overflow-wrap:anywhere}
.sub{color:#555;margin:0 0 10px}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;font-size:13px;color:#333;margin:0 0 14px}
.meta dt{font-weight:600}.meta dd{margin:0;min-width:0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px}
.card{background:#fff;border-radius:8px;padding:8px 12px;min-width:0;box-shadow:0 1px 3px #0002}
.card .v{font-size:20px;font-weight:700;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.card .l{color:#555;font-size:13px;line-height:1.3}
.card.first{grid-column:span 2}
section{background:#fff;border-radius:8px;padding:6px 12px 14px;margin-top:14px;min-width:0;box-shadow:0 1px 3px #0002}
.scroll{overflow-x:auto;max-width:100%}
.scroll:focus-visible{outline:2px solid #3182bd}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{padding:5px 8px;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}
th{background:#eef1f5;cursor:pointer;user-select:none;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bars{display:grid;gap:6px 12px;font-size:14px}
.bar-row{display:grid;grid-template-columns:1fr auto;grid-template-areas:"lab fig" "track track";align-items:center;gap:0 8px}
.bar-row .lab{grid-area:lab;min-width:0;overflow-wrap:anywhere}
.bar-row .fig{grid-area:fig;font-size:13px;color:#333;font-variant-numeric:tabular-nums;text-align:right;white-space:nowrap}
.bar-row .track{grid-area:track;height:14px;background:#f0f1f3;border-radius:2px;overflow:hidden}
.bar-row .track i{display:block;height:100%}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;margin-top:6px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-1px}
.note{color:#555;font-size:13px}
code{font-size:13px;overflow-wrap:anywhere}
.tchart{display:flex;align-items:stretch;margin-top:4px}
.tchart svg{display:block;overflow:visible}
.tchart .plot{flex:1 1 auto;min-width:0}
.tchart text{font:12px system-ui,Arial,sans-serif;fill:#333}
.tchart .w{display:none}.tchart .n{display:inline}
.status-bad{color:#b00020;font-weight:700}
i.sw{display:inline-block;width:12px;height:12px;vertical-align:-1px;margin-right:4px}
@media (min-width:700px){
main{padding:24px}
h1{font-size:26px}h2{font-size:19px}
.cards{grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:12px}
.card{padding:14px 18px}.card .v{font-size:26px}
section{padding:8px 18px 16px;margin-top:16px}
.bar-row{grid-template-columns:minmax(120px,180px) 1fr minmax(200px,max-content);grid-template-areas:"lab track fig"}
.bar-row .fig{text-align:left}
.tchart .w{display:inline}.tchart .n{display:none}
}
@media print{
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
@page{margin:14mm}
body{background:#fff;font-size:11pt}
main{max-width:none;padding:0}
section,.card{box-shadow:none;border:1px solid #ccc}
section,.card,.bar-row,tr,.tchart{break-inside:avoid}
h2,h3{break-after:avoid}
.scroll{overflow:visible}
th{cursor:auto;background:#eef1f5}
thead{display:table-header-group}
.tchart .w{display:inline}.tchart .n{display:none}
}
"""
SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th, i) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], rows = Array.from(body.rows);
    var dir = th.dataset.dir === "asc" ? -1 : 1; th.dataset.dir = dir === 1 ? "asc" : "desc";
    rows.sort(function (a, b) {
      var x = a.cells[i].dataset.v || a.cells[i].textContent, y = b.cells[i].dataset.v || b.cells[i].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      return (isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny) * dir;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
document.getElementById("rendered").textContent = "rendered";
"""


def e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def pct(value: float | None) -> str:
    return "–" if value is None or value != value else f"{value * 100:.1f}%"


def page(title: str, subtitle: str, meta: list[tuple[str, str]], body: list[str]) -> str:
    """A whole page: title, subtitle, the place and method (``meta``: label, text), ``body``."""
    csp = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
           "img-src data:")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{e(title)}</h1>", f'<p class="sub">{e(subtitle)}</p>', meta_list(meta), *body,
        f'<p class="note">Made by spendkit {e(version("spendkit"))}. '
        '<span id="rendered" hidden></span></p>',
        f"</main><script>{SCRIPT}</script></body></html>", ""])


def meta_list(items: list[tuple[str, str]]) -> str:
    """The place and method, on top of every page."""
    inner = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in items if v)
    return f'<dl class="meta" id="method">{inner}</dl>'


def cards(items: list[tuple[str, str, str]]) -> str:
    """[(id, value, label)] -> headline cards; each value in an element with its id. The first
    (the total) is twice as wide on a phone, so its figure stays on one line."""
    inner = "".join(f'<div class="card{" first" if n == 0 else ""}"><div class="v" id="{e(i)}">{e(v)}</div>'
                    f'<div class="l">{e(label)}</div></div>' for n, (i, v, label) in enumerate(items))
    return f'<div class="cards">{inner}</div>'


def bars(title: str, items: list[tuple[str, float | None, str, str]]) -> str:
    """Horizontal bars: (label, share 0..1 or None, figure text, colour) each; the figure on the
    bar's line on a wide screen, above the bar on a phone."""
    rows = []
    for label, share, figure, colour in items:
        w = max(0.0, min(1.0, share or 0.0)) * 100
        rows.append(f'<div class="bar-row" title="{e(label)}: {e(figure)}"><span class="lab">{e(label)}</span>'
                    f'<span class="track"><i style="width:{w:.1f}%;background:{colour}"></i></span>'
                    f'<span class="fig">{e(figure)}</span></div>')
    head = f"<h3>{e(title)}</h3>" if title else ""
    return f'{head}<div class="bars" role="list" aria-label="{e(title)}">{"".join(rows)}</div>'


def class_bars(title: str, section: dict[str, dict[str, Any]]) -> str:
    """One bar per class, its length its share of spend."""
    return bars(title, [(LABELS.get(c, c), v["share"], f'{pct(v["share"])} · {money(v["pence"])}',
                         COLOURS.get(c, "#888")) for c, v in section.items()])


def stacked_months(table: Any, classes: tuple[str, ...]) -> str:
    """Stacked columns: spend per month, split by class (credit notes netted; a net negative
    class is drawn as zero and its figure stays in the table). Two SVGs side by side: the
    axis (fixed width) and the plot, whose columns are placed in percentages of its width, so
    that its text keeps its CSS size (12 px) at any width. On a phone fewer months are named."""
    if not len(table):
        return '<p class="note">No dated payments.</p>'
    height, bottom, top_pad, axis_w = 240, 36, 10, 58
    records = _every_month(table.to_dict("records"), classes)
    tops = [sum(max(0, int(r[f"{c}_pence"])) for c in classes) for r in records]
    tick = _nice(max(max(tops), 1) / 4)
    scale = (height - bottom - top_pad) / (tick * 4)
    n = len(records)
    step = 100 / n
    bar = step * 0.7
    every_narrow, every_wide = -(-n // 6), -(-n // 16)  # name at most 6 months on a phone, 16 wide
    axis = [f'<svg class="axis" width="{axis_w}" height="{height}" aria-hidden="true">']
    plot = [f'<svg class="plot" width="100%" height="{height}" aria-hidden="true">']
    for k in range(5):
        y = height - bottom - tick * k * scale
        axis.append(f'<text x="{axis_w - 6}" y="{y + 4:.1f}" text-anchor="end">{e(_short(tick * k))}</text>')
        plot.append(f'<line x1="0" x2="100%" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
    for i, r in enumerate(records):
        x = i * step + (step - bar) / 2
        y = height - bottom
        for c in classes:
            h = max(0, int(r[f"{c}_pence"])) * scale
            if h <= 0:
                continue
            y -= h
            plot.append(f'<rect x="{x:.3f}%" y="{y:.1f}" width="{bar:.3f}%" height="{h:.1f}" '
                        f'fill="{COLOURS.get(c, "#888")}"><title>{e(r["group"])} '
                        f'{e(LABELS.get(c, c))}: {e(money(int(r[f"{c}_pence"])))}</title></rect>')
        wide, narrow = i % every_wide == 0, i % every_narrow == 0
        if not (wide or narrow):
            continue
        month, year = _month_label(str(r["group"]))
        centre = f'x="{x + bar / 2:.3f}%" text-anchor="middle"'
        plot.append(f'<text{_shown(wide, narrow)} {centre} y="{height - bottom + 15}">{e(month)}</text>')
        # the year under the first month named, and wherever it changes, at each width
        new_wide = wide and (i == 0 or year != _month_label(str(records[i - every_wide]["group"]))[1])
        new_narrow = narrow and (i == 0 or year != _month_label(str(records[i - every_narrow]["group"]))[1])
        if year and (new_wide or new_narrow):
            plot.append(f'<text{_shown(new_wide, new_narrow)} {centre} y="{height - bottom + 30}">'
                        f'{e(year)}</text>')
    chart = "".join([*axis, "</svg>", *plot, "</svg>"])
    legend = "".join(f'<span><i style="background:{COLOURS.get(c, "#888")}"></i>'
                     f'{e(LABELS.get(c, c))}</span>' for c in classes)
    label = f"Spend by month from {records[0]['group']} to {records[-1]['group']}, by class"
    return (f'<div class="tchart" role="img" aria-label="{e(label)}">{chart}</div>'
            f'<div class="legend">{legend}</div>')


def _every_month(records: list[dict[str, Any]], classes: tuple[str, ...], most: int = 120
                 ) -> list[dict[str, Any]]:
    """The months from the first to the last, a month without payments as an empty column, so
    that the axis is time (up to ``most`` months; beyond, or for groups that are not months,
    the groups as they are)."""
    months = []
    for r in records:
        year, _, month = str(r["group"]).partition("-")
        if not (len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
            return records
        months.append(int(year) * 12 + int(month) - 1)
    if not months or max(months) - min(months) + 1 > most:
        return records
    have = dict(zip(months, records, strict=True))
    return [have.get(m) or {"group": f"{m // 12:04d}-{m % 12 + 1:02d}", **{f"{c}_pence": 0 for c in classes}}
            for m in range(min(months), max(months) + 1)]


def _shown(wide: bool, narrow: bool) -> str:
    """A chart label's class: shown at both widths (none), only wide ("w") or only narrow ("n")."""
    return "" if wide and narrow else ' class="w"' if wide else ' class="n"'


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _month_label(group: str) -> tuple[str, str]:
    """'2024-04' -> ('Apr', '2024'); anything else as it is."""
    year, _, month = group.partition("-")
    if len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return MONTHS[int(month) - 1], year
    return group, ""


def _nice(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at least ``x`` (axis ticks at round figures)."""
    power = 10 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= x)


def _short(pence: float) -> str:
    pounds = pence / 100
    for size, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(pounds) >= size:
            return f"£{pounds / size:.{0 if pounds % size == 0 else 1}f}{unit}"
    return f"£{pounds:.0f}"


def table_html(columns: list[tuple[str, str, bool]], records: list[dict[str, Any]],
               cell: Any, label: str = "") -> str:
    """A sortable table in its own horizontally scrolling box: columns are (key, heading,
    numeric); ``cell(record, key)`` gives (text, sort value or None)."""
    head = "".join(f'<th class="{"n" if n else ""}" scope="col">{e(h)}</th>' for _k, h, n in columns)
    rows = []
    for r in records:
        tds = []
        for k, _h, n in columns:
            text, sort = cell(r, k)
            data = f' data-v="{e(sort)}"' if sort is not None else ""
            tds.append(f'<td class="{"n" if n else ""}"{data}>{e(text)}</td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return (f'<div class="scroll" tabindex="0" role="region" aria-label="{e(label or "table")}">'
            f'<table class="sortable"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def suppliers_table(frame: Any, label: str = "Top suppliers") -> str:
    cols = [("rank", "#", True), ("payee", "Supplier", False), ("pence", "Spend", True),
            ("share", "Share", True), ("cumulative_share", "Cumulative", True),
            ("district_name", "District", False), ("geography", "Place", False)]
    cols += [(c, h, False) for c, h in (("size_band", "Size"), ("sector", "Sector")) if c in frame]

    def cell(r: dict[str, Any], k: str) -> tuple[str, Any]:
        if k == "pence":
            return money(int(r[k])), int(r[k])
        if k in ("share", "cumulative_share"):
            return pct(r[k]), r[k]
        if k in ("geography", "size_band", "sector"):
            return LABELS.get(r[k], r[k]), None
        return str(r[k]), (r[k] if k == "rank" else None)

    return table_html(cols, frame.to_dict("records"), cell, label)


def file_name(file: Any) -> str:
    """An input's name, never the folder it is in (which would tell where the run was)."""
    text = str(file or "")
    return text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or text


# ---------------------------------------------------------------- report sections

def coverage_section(totals: dict[str, dict[str, dict[str, Any]]]) -> str:
    """The share of spend whose place, size and sector are known (unknown is never guessed)."""
    words = {"geography": "Place known", "size": "Size known", "sector": "Sector known"}
    items = []
    for fam, section in totals.items():
        unknown = section.get("unknown", {"share": 0.0, "pence": 0})
        known = None if unknown["share"] is None else 1 - unknown["share"]
        items.append((words.get(fam, fam), known,
                      f"{pct(known)} · unknown {money(unknown['pence'])}", "#3182bd"))
    return ('<section id="coverage"><h2>Coverage</h2>' + bars("", items) +
            '<p class="note">Share of the reported spend whose place, size or sector is known from '
            "the evidence; the rest stays unknown (never guessed), so a class's share is at least "
            "the figure shown.</p></section>")


def rejected_section(rec: dict[str, Any], top: int = 5) -> str:
    """Rows not counted: how many, their pence, and the commonest reasons."""
    rows, pence = rec.get("rows_rejected", 0), rec.get("pence_rejected", 0)
    unreadable = rec.get("rejected_amount_unreadable", 0)
    reasons = sorted((rec.get("rejected_by_reason") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    text = (f'<p id="rejected-summary"><b>{rows:,}</b> row(s) rejected, '
            f"<b>{e(money(pence))}</b>")
    text += (f" (and {unreadable:,} whose amount could not be read, so its pence are unknown)"
             if unreadable else "") + ("; each is listed with its reason in the report workbook's "
                                       "Rejected rows sheet and in the rejected rows' file "
                                       "<code>spendkit classify --out</code> writes.</p>")
    if not rows:
        return '<section id="rejected"><h2>Rejected rows</h2><p id="rejected-summary">No row rejected.</p></section>'
    table = table_html([("reason", "Reason", False), ("rows", "Rows", True)],
                       [{"reason": k, "rows": v} for k, v in reasons[:top]],
                       lambda r, k: (f"{r[k]:,}", r[k]) if k == "rows" else (r[k], None),
                       "Commonest reasons for rejecting a row")
    more = (f'<p class="note">{len(reasons) - top:,} other reason(s).</p>' if len(reasons) > top else "")
    return f'<section id="rejected"><h2>Rejected rows</h2>{text}{table}{more}</section>'


def inputs_section(inputs: list[dict[str, Any]]) -> str:
    """The files read (by name), each with its rows, pence and the columns used."""
    cols = [("file", "File", False), ("sheet", "Sheet", False), ("rows_read", "Rows", True),
            ("pence_read", "Pence read", True), ("columns", "Payee · amount · date", False)]

    def cell(r: dict[str, Any], k: str) -> tuple[str, Any]:
        if k == "file":
            return file_name(r.get("file")), None
        if k == "sheet":
            return r.get("sheet") or "–", None
        if k == "rows_read":
            return f"{int(r.get('rows_read') or 0):,}", int(r.get("rows_read") or 0)
        if k == "pence_read":
            return money(int(r.get("pence_read") or 0)), int(r.get("pence_read") or 0)
        used = r.get("columns") or {}
        return " · ".join(str(used.get(role, "–")) for role in ("payee", "amount", "date")), None

    return ('<section id="inputs"><h2>Input files</h2>' +
            table_html(cols, inputs, cell, "Input files") + "</section>")


def report_meta(s: dict[str, Any], period: str, method: dict[str, Any]) -> list[tuple[str, str]]:
    place = s["place"]
    local = ", ".join(f'{d["name"]} ({d["code"]})' for d in place["local"])
    rule = (method.get("size_rule") or {}).get("name", "")
    supplier = file_name((s.get("supplier_file") or {}).get("file")) if s.get("supplier_file") else ""
    return [("Place", local), ("Period", period),
            ("Shares of", method.get("shares_of", "")), ("Size rule", rule),
            ("Postcodes", s.get("postcode_directory", "")), ("Supplier file", supplier),
            ("Files", ", ".join(file_name(i.get("file")) for i in s.get("inputs", [])))]


# ---------------------------------------------------------------- pages

def headline_card(m: dict[str, Any], label: str) -> tuple[str, str]:
    """A headline share's card: the share and how much of the spend it is known for, or 'not
    enough evidence' with its bounds when too little is known (a share on little evidence is
    never shown as if known)."""
    if m.get("coverage") is None:
        return pct(m.get("share")), label
    known = f"known for {pct(m['coverage'])} of spend"
    if m["share"] is None:
        return "not enough evidence", f"{label}: {known}; between {pct(m['low'])} and {pct(m['high'])}"
    return pct(m["share"]), f"{label} ({known})"


def report_html(report: Report, ranking: Ranking | None = None) -> str:
    from spendkit.aggregate.rank import Ranking

    ranking = ranking or Ranking(report.rows, 20)
    s = report.summary
    place = ", ".join(d["name"] for d in s["place"]["local"])
    head = report.headline
    rec = report.reconciliation()
    totals = report.class_totals()
    geo = totals["geography"]
    items = [("total-spend", money(head["pence"]), f"spend, {report.period['label']}")]
    for key, label in (("local", "local"), ("local_or_sub_regional", "local + sub-regional"),
                       ("sme", "with SMEs"), ("vcfse", "with VCFSE organisations")):
        if key in head:
            items.append((f"{key.replace('_', '-')}-share", *headline_card(head[key], label)))
    items.append(("unknown-share", pct(geo["unknown"]["share"]), "place unknown (of all spend)"))
    body = [cards(items),
            f'<p class="note">Shares are of {e(head["shares_of_text"])}: '
            f'{e(money(head["denominator_pence"]))}.</p>',
            '<section id="classes"><h2>Spend by class</h2>']
    titles = {"geography": "By place", "size": "By size", "sector": "By sector"}
    for fam, section in totals.items():
        body.append(class_bars(titles[fam], section))
    body.append("</section>")
    body.append(coverage_section(totals))
    monthly = [b for b in report.breakdowns if b.by == "month" and b.family == "geography"]
    if not monthly:
        from spendkit.aggregate.dimensions import breakdown, classes
        from spendkit.aggregate.report import Breakdown

        monthly = [Breakdown("geography", "month", breakdown(report.rows, "geography", "month"),
                             classes(report.rows, "geography"))]
    b = monthly[0]
    body += ['<section id="months"><h2>Spend over time, by place</h2>',
             stacked_months(b.table[b.table["group"] != "undated"], b.classes), "</section>"]
    body += ['<section id="suppliers"><h2>Top suppliers</h2>', suppliers_table(ranking.overall),
             f'<p class="note">{ranking.concentration["suppliers"]:,} of '
             f'{ranking.concentration["of"]:,} suppliers make up 80% of spend.</p></section>']
    body.append(rejected_section(s["reconciliation"]))
    body.append(inputs_section(s.get("inputs", [])))
    balanced = rec["balanced"]
    status = "reconciled" if balanced else '<span class="status-bad">DOES NOT RECONCILE</span>'
    notes = "".join(f"<li>{e(n)}</li>" for n in report.notes())
    cls = s["reconciliation"]
    body += ['<section id="method-notes"><h2>Reconciliation and method</h2>',
             f'<p id="read">Read {cls["rows_read"]:,} rows = {cls["rows_counted"]:,} counted + '
             f'{cls["rows_rejected"]:,} rejected; {e(money(cls["pence_read"]))} read = '
             f'{e(money(cls["pence_counted"]))} counted + {e(money(cls["pence_rejected"]))} rejected.</p>',
             f'<p id="reconciliation">Classified {e(money(rec["pence_counted"]))} '
             f'({rec["rows_counted"]:,} rows) = reported {e(money(rec["pence_reported"]))} + '
             f'duplicates {e(money(rec["duplicates_dropped"]["pence"]))} + outside the period '
             f'{e(money(rec["outside_period"]["pence"]))} + undated '
             f'{e(money(rec["undated_left_out"]["pence"]))}: {status}.</p>',
             f"<ul>{notes}</ul>" if notes else "",
             f'<p class="note">Local: {e(s["place"]["local_basis"])}. Sub-regional: '
             f'{e(s["place"]["sub_regional_basis"])}. Regional: {e(s["place"]["regional_basis"])}. '
             f'Postcodes: {e(s["postcode_directory"])}.</p></section>']
    return page(f"Spend report: {place}", f"{report.period['label']}; "
                f"{rec['rows_reported']:,} payments",
                report_meta(s, report.period["label"], report.method()), body)


def write_report(report: Report, path: Path) -> None:
    _write(report_html(report), path)


def ranking_html(ranking: Ranking) -> str:
    c = ranking.concentration
    m = ranking.method
    meta = [("Place", m.get("place", "")), ("Period", m.get("period") or ranking.period.get("label", "")),
            ("Supplier", m.get("supplier", "")), ("Shares", m.get("shares", "")),
            ("Postcodes", m.get("postcode_directory", ""))]
    body = [cards([("total-spend", money(c["total_pence"]), "spend"),
                   ("suppliers", f"{c['of']:,}", "suppliers"),
                   ("suppliers-80", f"{c['suppliers']:,}", "suppliers make up 80% of spend")])]
    for key, title, frame in ranking.by_class:
        if key in ("all", "geography=local", "sme", "sector=vcfse"):
            body += [f"<section><h2>{e(title)}</h2>", suppliers_table(frame, title), "</section>"]
    notes = ranking.notes()
    if notes:
        body.append("<section><h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in notes)
                    + "</ul></section>")
    place = m.get("place") or ""
    return page(f"Suppliers ranked{': ' + place if place else ''}",
                ranking.period.get("label", "all dates"), meta, body)


def write_ranking(ranking: Ranking, path: Path) -> None:
    _write(ranking_html(ranking), path)


def league_html(table: LeagueTable) -> str:
    from spendkit.aggregate.league import LABELS as MEASURES

    measures = table.measures()
    cols = [("name", "Organisation", False), ("place", "Place", False), ("pence", "Spend", True)]
    for m in measures:
        cols += [(f"{m}_share", MEASURES[m], True), (f"{m}_rank", "Rank", True)]

    def cell(r: dict[str, Any], k: str) -> tuple[str, Any]:
        if k == "name":
            return r["name"], None
        if k == "place":
            return _place_text(r.get("place")), None
        if k == "pence":
            return (money(r["pence"]), r["pence"]) if r["pence"] is not None else ("published", -1)
        m, what = k.rsplit("_", 1)
        if what == "share":
            return pct(r["shares"].get(m)), r["shares"].get(m)
        rank = r["ranks"].get(m)
        return (rank["text"], rank["rank"]) if rank else ("–", None)

    ordered = table.ordered()
    charts = []
    for m in measures:
        ranked = sorted((r for r in ordered if r["shares"].get(m) is not None),
                        key=lambda r: (r["ranks"].get(m, {}).get("rank", 10**9), r["name"]))
        charts.append(bars(MEASURES[m], [
            (r["name"] + ("" if r["source"] == "ledgers" else " (published)"), r["shares"][m],
             f'{pct(r["shares"][m])} · {r["ranks"][m]["text"] if m in r["ranks"] else "–"}',
             COLOURS["local"] if r["source"] == "ledgers" else "#888") for r in ranked]))
    meth = table.method
    meta = [("Method", f"{meth['name']}: {meth.get('description', '')}"), ("Period", meth.get("period", "")),
            ("Places", "; ".join(f"{r['name']}: {_place_text(r.get('place'))}" for r in ordered
                                 if r["source"] == "ledgers") or "as published"),
            ("Shares of", meth.get("shares_of", "")), ("Ranking", meth.get("ranking", "")),
            ("Sub-regional", meth.get("sub_regional", "")),
            ("Published shares", meth.get("published_shares", "")),
            ("Manifest", file_name(meth.get("manifest", "")))]
    body = ['<section id="league-chart"><h2>Shares compared</h2>', *charts,
            '<p class="note">Green: counted from the organisation\'s ledgers; grey: published '
            "shares, taken as given.</p></section>",
            f'<section id="league-table"><h2>The table</h2>{table_html(cols, ordered, cell, "League table")}</section>',
            "<section><h2>In words</h2><ul>" + "".join(f"<li>{e(s)}</li>" for s in table.sentences())
            + "</ul>" + "".join(f'<p class="note">{e(n)}</p>' for n in table.notes()) + "</section>"]
    return page(f"League table: {meth.get('title', '')}",
                f"{meth['name']} method, {meth['period']}", meta, body)


def write_league(table: LeagueTable, path: Path) -> None:
    _write(league_html(table), path)


def _place_text(place: Any) -> str:
    if place is None:
        return "–"
    if isinstance(place, list | tuple):
        return ", ".join(str(p) for p in place)
    return str(place)


def _write(text: str, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
