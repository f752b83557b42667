"""The report as one self-contained HTML page: headline figures, bars by class, spend over
time and the top suppliers. Inline CSS and SVG drawn here in Python; a few lines of inline
script (sortable tables); nothing loaded from anywhere (the page's Content-Security-Policy
forbids it), so it opens offline and can be e-mailed as it is. Same input, same bytes.
"""

from __future__ import annotations

import html
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
CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#222;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px}
.sub{color:#555;margin:0 0 20px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border-radius:8px;padding:14px 18px;min-width:150px;box-shadow:0 1px 3px #0002}
.card .v{font-size:26px;font-weight:700}.card .l{color:#555;font-size:13px}
section{background:#fff;border-radius:8px;padding:8px 18px 16px;margin-top:16px;box-shadow:0 1px 3px #0002}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{padding:5px 8px;border-bottom:1px solid #e3e3e3;text-align:left}
th{background:#eef1f5;cursor:pointer;user-select:none}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.legend span{display:inline-block;margin-right:14px;font-size:13px}
.legend i{display:inline-block;width:11px;height:11px;margin-right:5px;vertical-align:-1px}
.note{color:#555;font-size:13px}
svg text{font:12px system-ui,Arial,sans-serif;fill:#333}
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


def page(title: str, subtitle: str, body: list[str]) -> str:
    csp = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
           "img-src data:")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{e(title)}</h1>", f'<p class="sub">{e(subtitle)}</p>', *body,
        f'<p class="note">Made by spendkit {e(version("spendkit"))}. '
        '<span id="rendered" hidden></span></p>',
        f"</main><script>{SCRIPT}</script></body></html>", ""])


def cards(items: list[tuple[str, str, str]]) -> str:
    """[(id, value, label)] -> headline cards; each value in an element with its id."""
    inner = "".join(f'<div class="card"><div class="v" id="{e(i)}">{e(v)}</div>'
                    f'<div class="l">{e(label)}</div></div>' for i, v, label in items)
    return f'<div class="cards">{inner}</div>'


def class_bars(title: str, section: dict[str, dict[str, Any]]) -> str:
    """Horizontal bars: one per class, length by share of spend."""
    width, label_w, bar_w, row_h = 760, 150, 420, 26
    height = row_h * len(section) + 8
    parts = [f'<svg role="img" aria-label="{e(title)}" width="100%" viewBox="0 0 {width} {height}">']
    for i, (cls, v) in enumerate(section.items()):
        y = 4 + i * row_h
        share = v["share"] or 0.0
        w = max(0.0, min(1.0, share)) * bar_w
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{e(LABELS.get(cls, cls))}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
                     f'fill="{COLOURS.get(cls, "#888")}"><title>{e(LABELS.get(cls, cls))}: '
                     f'{e(money(v["pence"]))}</title></rect>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 16}">{e(pct(v["share"]))} · '
                     f'{e(money(v["pence"]))}</text>')
    parts.append("</svg>")
    return f"<h3>{e(title)}</h3>" + "".join(parts)


def stacked_months(table: Any, classes: tuple[str, ...]) -> str:
    """Stacked columns: spend per month, split by class (credit notes netted; a net negative
    class is drawn as zero and its figure stays in the table)."""
    if not len(table):
        return '<p class="note">No dated payments.</p>'
    width, height, left, bottom, top_pad = 1000, 300, 90, 40, 10
    records = table.to_dict("records")
    tops = [sum(max(0, int(r[f"{c}_pence"])) for c in classes) for r in records]
    tick = _nice(max(max(tops), 1) / 4)
    peak = tick * 4
    step = (width - left - 10) / len(records)
    bar = step * 0.7
    scale = (height - bottom - top_pad) / peak
    label_every = -(-len(records) // 14)
    parts = [f'<svg role="img" aria-label="Spend by month" width="100%" viewBox="0 0 {width} {height}">']
    for k in range(5):
        value = tick * k
        y = height - bottom - value * scale
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{e(_short(value))}</text>')
    for i, r in enumerate(records):
        x = left + i * step + (step - bar) / 2
        y = height - bottom
        for c in classes:
            h = max(0, int(r[f"{c}_pence"])) * scale
            if h <= 0:
                continue
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{COLOURS.get(c, "#888")}"><title>{e(r["group"])} '
                         f'{e(LABELS.get(c, c))}: {e(money(int(r[f"{c}_pence"])))}</title></rect>')
        if i % label_every == 0:  # with many months, label every few
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" '
                         f'text-anchor="middle">{e(r["group"])}</text>')
    parts.append("</svg>")
    legend = "".join(f'<span><i style="background:{COLOURS.get(c, "#888")}"></i>'
                     f'{e(LABELS.get(c, c))}</span>' for c in classes)
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _nice(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at least ``x`` (axis ticks at round figures)."""
    import math

    power = 10 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= x)


def _short(pence: float) -> str:
    pounds = pence / 100
    for size, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(pounds) >= size:
            return f"£{pounds / size:.{0 if pounds % size == 0 else 1}f}{unit}"
    return f"£{pounds:.0f}"


def table_html(columns: list[tuple[str, str, bool]], records: list[dict[str, Any]],
               cell: Any) -> str:
    """A sortable table: columns are (key, heading, numeric); ``cell(record, key)`` gives
    (text, sort value or None)."""
    head = "".join(f'<th class="{"n" if n else ""}">{e(h)}</th>' for _k, h, n in columns)
    rows = []
    for r in records:
        tds = []
        for k, _h, n in columns:
            text, sort = cell(r, k)
            data = f' data-v="{e(sort)}"' if sort is not None else ""
            tds.append(f'<td class="{"n" if n else ""}"{data}>{e(text)}</td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return f'<table class="sortable"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def suppliers_table(frame: Any) -> str:
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

    return table_html(cols, frame.to_dict("records"), cell)


# ---------------------------------------------------------------- pages

def report_html(report: Report, ranking: Ranking | None = None) -> str:
    from spendkit.aggregate.rank import Ranking

    ranking = ranking or Ranking(report.rows, 20)
    s = report.summary
    place = ", ".join(d["name"] for d in s["place"]["local"])
    head = report.headline
    rec = report.reconciliation()
    geo = report.class_totals()["geography"]
    items = [("total-spend", money(head["pence"]), f"spend, {report.period['label']}")]
    for key, label in (("local", "local"), ("local_or_sub_regional", "local + sub-regional"),
                       ("sme", "with SMEs"), ("vcfse", "with VCFSE organisations")):
        if key in head:
            items.append((f"{key.replace('_', '-')}-share", pct(head[key]["share"]), label))
    items.append(("unknown-share", pct(geo["unknown"]["share"]), "place unknown (of all spend)"))
    body = [cards(items),
            f'<p class="note">Shares are of {e(head["shares_of_text"])}: '
            f'{e(money(head["denominator_pence"]))}.</p>',
            "<section><h2>Spend by class</h2>"]
    titles = {"geography": "By place", "size": "By size", "sector": "By sector"}
    for fam, section in report.class_totals().items():
        body.append(class_bars(titles[fam], section))
    body.append("</section>")
    monthly = [b for b in report.breakdowns if b.by == "month" and b.family == "geography"]
    if not monthly:
        from spendkit.aggregate.dimensions import breakdown, classes
        from spendkit.aggregate.report import Breakdown

        monthly = [Breakdown("geography", "month", breakdown(report.rows, "geography", "month"),
                             classes(report.rows, "geography"))]
    b = monthly[0]
    body += ["<section><h2>Spend over time, by place</h2>",
             stacked_months(b.table[b.table["group"] != "undated"], b.classes), "</section>"]
    body += ["<section><h2>Top suppliers</h2>", suppliers_table(ranking.overall),
             f'<p class="note">{ranking.concentration["suppliers"]:,} of '
             f'{ranking.concentration["of"]:,} suppliers make up 80% of spend.</p></section>']
    status = "reconciled" if rec["balanced"] else "DOES NOT RECONCILE"
    notes = "".join(f"<li>{e(n)}</li>" for n in report.notes())
    body += ["<section><h2>Reconciliation and method</h2>",
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
                f"{rec['rows_reported']:,} payments", body)


def write_report(report: Report, path: Path) -> None:
    _write(report_html(report), path)


def write_ranking(ranking: Ranking, path: Path) -> None:
    c = ranking.concentration
    body = [cards([("total-spend", money(c["total_pence"]), "spend"),
                   ("suppliers", f"{c['of']:,}", "suppliers"),
                   ("suppliers-80", f"{c['suppliers']:,}", "suppliers make up 80% of spend")])]
    for key, title, frame in ranking.by_class:
        if key in ("all", "geography=local", "sme", "sector=vcfse"):
            body += [f"<section><h2>{e(title)}</h2>", suppliers_table(frame), "</section>"]
    _write(page("Suppliers ranked", ranking.period.get("label", "all dates"), body), path)


def write_league(table: LeagueTable, path: Path) -> None:
    from spendkit.aggregate.league import LABELS as MEASURES

    measures = table.measures()
    cols = [("name", "Organisation", False), ("pence", "Spend", True)]
    for m in measures:
        cols += [(f"{m}_share", MEASURES[m], True), (f"{m}_rank", "Rank", True)]

    def cell(r: dict[str, Any], k: str) -> tuple[str, Any]:
        if k == "name":
            return r["name"], None
        if k == "pence":
            return (money(r["pence"]), r["pence"]) if r["pence"] is not None else ("published", -1)
        m, what = k.rsplit("_", 1)
        if what == "share":
            return pct(r["shares"].get(m)), r["shares"].get(m)
        rank = r["ranks"].get(m)
        return (rank["text"], rank["rank"]) if rank else ("–", None)

    body = [f"<section>{table_html(cols, table.ordered(), cell)}</section>",
            "<ul>" + "".join(f"<li>{e(s)}</li>" for s in table.sentences()) + "</ul>",
            f'<p class="note">{e(table.method["description"])}. {e(table.method["ranking"])}.</p>']
    _write(page(f"League table: {table.method.get('title', '')}",
                f"{table.method['name']} method, {table.method['period']}", body), path)


def _write(text: str, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
