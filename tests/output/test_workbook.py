"""workbook.py and xlsx.py: the report workbook opened with openpyxl: sheets, formats, sums,
named tables, widths, print set-up, the chart, plain labels, file names, safety."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import spendkit
from spendkit.aggregate import report as R
from spendkit.output import cells, export
from spendkit.output.export import GBP_FORMAT
from spendkit.output.workbook import write_report
from spendkit.output.xlsx import money_text, table_name
from spendkit.schema import GEOGRAPHY_CLASSES, LABELS, SECTOR_CLASSES, SIZE_CLASSES

TABLE_SHEETS = {
    "Trend by month": "TrendByMonth", "Trend by year": "TrendByYear",
    "Geography by department": "GeographyByDepartment", "Size by department": "SizeByDepartment",
    "Sector by department": "SectorByDepartment", "Geography by month": "GeographyByMonth",
    "Size by month": "SizeByMonth", "Sector by month": "SectorByMonth", "Suppliers": "Suppliers",
    "Top by class": "TopByClass", "Leakage": "Leakage", "Classified rows": "Classified",
    "Rejected rows": "Rejected"}
# spendkit's codes that differ from their labels: none may appear in a text cell
REALDATA = Path(__file__).parents[2] / ".." / "shared" / "realdata"
CODES = sorted({c for c in (*GEOGRAPHY_CLASSES, *SIZE_CLASSES, *SECTOR_CLASSES)
                if "_" in c or c != LABELS[c].lower()} | {"True", "False", "yes", "no", "unknown"})


@pytest.fixture(scope="module")
def path(result, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "report.xlsx"
    seen: list[tuple[int, int]] = []
    write_report(R.build_report(result, by=["department", "month"]), path,
                 progress=lambda done, total: seen.append((done, total)))
    assert [p.name for p in path.parent.iterdir()] == ["report.xlsx"]  # no temporary left
    assert seen and seen[-1][0] == seen[-1][1] > len(result.rows)  # every table row counted
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    return path


@pytest.fixture(scope="module")
def book(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def _table(ws) -> tuple[list[str], list[tuple]]:
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def test_sheets(book) -> None:
    assert book.sheetnames == [
        "Summary", "Trend by month", "Trend by year",
        "Geography by department", "Size by department", "Sector by department",
        "Geography by month", "Size by month", "Sector by month",
        "Suppliers", "Top by class", "Leakage", "Classified rows", "Rejected rows", "Method"]


def test_breakdown_sheets_sum_to_the_classified_total(book, counted: int) -> None:
    for name in ("Geography by department", "Size by month", "Sector by department"):
        ws = book[name]
        header, rows = _table(ws)
        assert ws.freeze_panes == "A2"
        (table,) = ws.tables.values()  # the filter is the table's, above the Total row
        assert table.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{len(rows)}"
        spend = header.index("Spend £")
        body, total = rows[:-1], rows[-1]
        assert total[0] == "Total"
        assert round(sum(r[spend] for r in body) * 100) == counted
        assert round(total[spend] * 100) == counted
        cell = ws.cell(row=2, column=spend + 1)
        assert cell.number_format == GBP_FORMAT
        assert ws.cell(row=len(rows) + 1, column=spend + 1).font.bold
        share = header.index(next(h for h in header if h.endswith("share")))
        assert ws.cell(row=2, column=share + 1).number_format == "0.0%"
        assert ws.cell(row=1, column=1).font.bold


def test_geography_sheet_has_the_known_local_figure(book) -> None:
    header, rows = _table(book["Geography by month"])
    local = header.index("Local £")
    assert round(sum(r[local] for r in rows[:-1]) * 100) == 634_423_754
    assert [r[0] for r in rows[:3]] == ["2024-04", "2024-05", "2024-06"]


def test_summary_headline_and_reconciliation(book, result) -> None:
    cells: dict = {}
    for r in book["Summary"].iter_rows(values_only=True):
        if r and r[0]:
            cells.setdefault(r[0], r[1:])  # the first 'Local' is the headline's
    head = result.summary()["headline"]
    assert cells["Local"][0] == head["local_share"]
    assert round(cells["Local"][2] * 100) == head["influenceable_pence"]
    rec = result.summary()["reconciliation"]
    assert cells["Read from the ledgers"][0] == rec["rows_read"]
    assert round(cells["Counted (classified)"][1] * 100) == rec["pence_counted"]
    assert round(cells["Reported"][1] * 100) == rec["pence_counted"]
    assert cells["Reconciles"][0] == "Yes"


def test_rows_sheets_and_suppliers(book, result, counted: int) -> None:
    header, rows = _table(book["Classified rows"])
    assert len(rows) == len(result.rows)
    assert sum(r[header.index("Amount (pence)")] for r in rows) == counted
    assert round(sum(r[header.index("Amount £")] for r in rows) * 100) == counted
    ws = book["Classified rows"]
    assert ws.cell(row=2, column=header.index("Amount £") + 1).number_format == GBP_FORMAT
    assert {r[header.index("In the report")] for r in rows} == {"Yes"}
    assert ws.cell(row=2, column=header.index("Payment date (spendkit)") + 1).number_format \
        == "dd/mm/yyyy"
    assert "Payment Date" in header  # the ledger's own column, as it is
    # every row's exact amount: the cell holds the pence as an exact decimal
    pence = [r[header.index("Amount (pence)")] for r in rows]
    pounds = [r[header.index("Amount £")] for r in rows]
    assert all(round(p * 100) == q for p, q in zip(pounds, pence, strict=True))
    rej_header, rejected = _table(book["Rejected rows"])
    assert len(rejected) == 6 and "Reason rejected" in rej_header
    sup_header, suppliers = _table(book["Suppliers"])
    assert round(suppliers[-1][sup_header.index("Spend £")] * 100) == counted
    method = {r[0]: r[1] for r in book["Method"].iter_rows(values_only=True) if r and r[0]}
    assert method["spendkit version"] and "ONS Postcode Directory" in method["Postcodes"]
    assert method["place.districts"] == "Wigan"
    assert method["headline.exclude"] == "Public bodies, Individuals"


def test_named_tables_cover_their_rows(book, result) -> None:
    for sheet, name in TABLE_SHEETS.items():
        ws = book[sheet]
        assert list(ws.tables) == [name], sheet
        header, rows = _table(ws)
        body = len(rows) - (1 if rows and rows[-1][0] == "Total" else 0)
        last = openpyxl.utils.get_column_letter(len(header))
        assert ws.tables[name].ref == f"A1:{last}{max(body, 1) + 1}", sheet
        assert [c.name for c in ws.tables[name].tableColumns] == header, sheet
    assert book["Classified rows"].tables["Classified"].ref.endswith(str(len(result.rows) + 1))
    assert set(book["Summary"].tables) == {"Headline", "ByPlace", "BySize", "BySector"}
    place = book["Summary"].tables["ByPlace"]
    first = int(re.search(r"(\d+):", place.ref).group(1))
    labels = [book["Summary"].cell(row=first + i, column=1).value for i in range(7)]
    assert labels == ["Place", *(LABELS[c] for c in GEOGRAPHY_CLASSES)]


def test_table_names_are_valid() -> None:
    assert table_name("Geography by department") == "GeographyByDepartment"
    assert table_name("A1") == "T_A1" and table_name("r2c3") == "T_R2c3"
    assert table_name("2024 trend") == "T_2024Trend" and table_name("!!") == "Table"


def test_print_set_up(book) -> None:
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1), ws.title  # 1 is the default, left out
    summary = book["Summary"]
    assert summary.page_setup.fitToHeight in (None, 1)  # the Summary on one page
    for sheet in TABLE_SHEETS:
        ws = book[sheet]
        assert ws.page_setup.fitToHeight == 0  # as many pages down as the rows need
        assert ws.print_title_rows == "$1:$1", sheet  # the header on every page


def test_summary_has_a_chart_of_spend_by_place(path: Path, book) -> None:
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        charts = [n for n in names if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        chart = z.read(charts[0]).decode()
    assert "<c:barChart>" in chart and "Summary!$A$" in chart and "Summary!$B$" in chart
    assert "Spend by place" in chart
    assert len(book["Summary"]._charts) == 1


def _shown(cell) -> str | None:
    """What a cell's number format shows (for £ and counts), to size against its width."""
    if isinstance(cell.value, bool) or not isinstance(cell.value, int | float):
        return None
    if cell.number_format == GBP_FORMAT:
        return money_text(round(cell.value * 100))
    if cell.number_format == "#,##0":
        return f"{cell.value:,.0f}"
    return None


def _width(ws, column: int) -> float:
    """A column's width (columns of one width are stored as one range)."""
    for dim in ws.column_dimensions.values():
        if dim.min and dim.max and dim.min <= column <= dim.max:
            return dim.width
    raise AssertionError(f"{ws.title}: column {column} has no width set")


def _widths_fit(book) -> None:
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                shown = _shown(cell)
                if shown is None:
                    continue
                width = _width(ws, cell.column)
                need = len(shown) * (1.1 if cell.font.bold else 1.0)
                assert width >= need, (ws.title, cell.coordinate, shown, width)


def test_widths_fit_every_figure(book) -> None:
    _widths_fit(book)


def test_widths_fit_bold_totals_of_hundreds_of_millions(tmp_path: Path) -> None:
    """A body spending hundreds of millions: no money column shows '###', the bold totals
    (£1,234,567,890.12) included."""
    ledger = tmp_path / "big.csv"
    lines = ["Supplier Name,Amount,Payment Date,Service Area"]
    for i in range(6):
        lines.append(f"Big Contractor {i} Ltd,\"205,761,315.02\",0{i + 1}/04/2024,Highways")
    lines.append("Small Shop,12.00,01/05/2024,Libraries")
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "r.xlsx"
    write_report(R.build_report(spendkit.classify(ledger, place="Wigan"), by=["department"]), out)
    book = openpyxl.load_workbook(out)
    _widths_fit(book)
    header, rows = _table(book["Geography by department"])
    assert rows[-1][header.index("Spend £")] == 1_234_567_902.12


def test_no_internal_codes_and_booleans_as_booleans(book) -> None:
    leaks = []
    for ws in book.worksheets:
        if ws.title == "Method":
            continue  # settings are named as spendkit.toml names them
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and (v in CODES or re.search(r"\b\w+=\w+", v)
                                           or re.search(r"\((" + "|".join(CODES) + r")\)", v)):
                    leaks.append((ws.title, cell.coordinate, v))
    assert leaks == []
    header, rows = _table(book["Classified rows"])
    sme = {r[header.index("SME")] for r in rows}
    assert sme == {True, False, None}
    assert {r[header.index("Influenceable")] for r in rows} == {True, False}
    place = {r[header.index("Place")] for r in rows}
    assert place == {LABELS[c] for c in GEOGRAPHY_CLASSES}
    sup_header, suppliers = _table(book["Suppliers"])
    assert {r[sup_header.index("SME")] for r in suppliers[:-1]} <= {"Yes", "No", "Unknown"}
    top_header, top = _table(book["Top by class"])
    rankings = {r[top_header.index("Ranking")] for r in top}
    assert {"Outside UK suppliers", "Suppliers of unknown place", "Suppliers of unknown size",
            "Public bodies"} <= rankings


def test_no_absolute_paths(tmp_path: Path, samples: Path) -> None:
    folder = tmp_path / "council" / "finance"
    folder.mkdir(parents=True)
    ledger = folder / "ledger.csv"
    ledger.write_bytes((samples / "ledger.csv").read_bytes())
    suppliers = folder / "suppliers.csv"
    suppliers.write_bytes((samples / "suppliers.csv").read_bytes())
    result = spendkit.classify(ledger.resolve(), place="Wigan", suppliers=suppliers.resolve())
    out = tmp_path / "r.xlsx"
    write_report(R.build_report(result, by=["department"]), out)
    book = openpyxl.load_workbook(out)
    texts = [c.value for ws in book for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert not [t for t in texts if str(tmp_path) in t or "council/finance" in t]
    method = {r[0]: r[1] for r in book["Method"].iter_rows(values_only=True) if r and r[0]}
    assert method["Supplier file"] == "suppliers.csv" and method["suppliers"] == "suppliers.csv"
    assert "ledger.csv" in method
    header, rows = _table(book["Classified rows"])
    assert {r[header.index("Source file")] for r in rows} == {"ledger.csv"}


def test_text_that_looks_like_a_formula_is_neutralised(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "Supplier Name,Amount,Payment Date,Postcode,Service Area\n"
        '"=HYPERLINK(""http://x"",""click"")",100.00,01/04/2024,WN1 1YN,+SUM(A1)\n'
        "Plain Ltd,50.00,02/04/2024,M1 1AE,@Adults\n", encoding="utf-8")
    out = tmp_path / "r.xlsx"
    rep = R.build_report(spendkit.classify(ledger, place="Wigan"), by=["department"])
    write_report(rep, out)
    book = openpyxl.load_workbook(out)
    values = [c.value for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [v for v in values if v.startswith(("=", "+", "@"))]
    assert "'=HYPERLINK(\"http://x\",\"click\")" in values and "'+SUM(A1)" in values
    assert all(c.data_type != "f" for ws in book for row in ws.iter_rows() for c in row)


def test_xml_text_round_trips(tmp_path: Path) -> None:
    """Text with markup characters, Excel's own escapes, edge spaces and no value: read back
    exactly as it was (empty as no cell)."""
    texts = ["A & B <Ltd>", "_x000D_ kept", "  spaced  ", "", None, "Ünïcødé £€", "x" * 40]
    frame = pd.DataFrame({"name": pd.Series(texts, dtype="object"),
                          "amount_pence": pd.array([1, -2, 3, None, 10**12, 0, 5], dtype="Int64"),
                          "flag": pd.array([True, False, None, True, False, True, None],
                                           dtype="boolean"),
                          "when": pd.to_datetime(["2024-04-01", None, "2025-03-31", "2024-02-29",
                                                  "1999-12-31", "2024-04-01", "2024-04-01"])})
    out = tmp_path / "rows.xlsx"
    export.write_table(frame, out, sheet="Rows")
    ws = openpyxl.load_workbook(out)["Rows"]
    header, rows = _table(ws)
    assert header == ["name", "amount", "amount_pence", "flag", "when"]
    # Excel reads '_x000D_' in a cell as its escape of a carriage return: the text's own
    # underscore is escaped (_x005F_), which Excel reads back as '_' (openpyxl does not)
    assert [r[0] for r in rows] == ["A & B <Ltd>", "_x005F_x000D_ kept", "  spaced  ", None, None,
                                    "Ünïcødé £€", "x" * 40]
    assert [r[1] for r in rows] == [0.01, -0.02, 0.03, None, 10_000_000_000, 0, 0.05]
    assert [r[2] for r in rows] == [1, -2, 3, None, 10**12, 0, 5]
    assert [r[3] for r in rows] == [True, False, None, True, False, True, None]
    assert rows[0][4].date().isoformat() == "2024-04-01" and rows[1][4] is None
    assert rows[3][4].date().isoformat() == "2024-02-29"
    assert list(ws.tables) == ["Rows"] and ws.tables["Rows"].ref == "A1:E8"
    assert ws.cell(row=2, column=2).number_format == GBP_FORMAT
    assert _width(ws, 2) >= len("£10,000,000,000.00")


@pytest.mark.skipif(not (REALDATA / "craven-district").is_dir(), reason="no real ledgers here")
def test_a_real_ledger_s_workbook(tmp_path: Path) -> None:
    """A council's published ledger: every table named and whole, every figure's column wide
    enough, no code and no folder in any text cell, the rows' pence summing to the total."""
    ledger = (REALDATA / "craven-district" / "payments-2017-03.csv").resolve()
    result = spendkit.classify(ledger, place="North Yorkshire")
    out = tmp_path / "craven.xlsx"
    write_report(R.build_report(result, by=["department"]), out)
    book = openpyxl.load_workbook(out)
    _widths_fit(book)
    header, rows = _table(book["Classified rows"])
    assert book["Classified rows"].tables["Classified"].ref.endswith(f"{len(rows) + 1}")
    assert sum(r[header.index("Amount (pence)")] for r in rows) == \
        result.summary()["reconciliation"]["pence_counted"]
    texts = [c.value for ws in book for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert not [t for t in texts if str(ledger.parent) in t]
    assert not [t for t in texts if t in CODES]


def test_headers_a_table_can_take(tmp_path: Path) -> None:
    """Headers on several lines, too long, empty or the same but for case: each table column
    named once, at most 255 characters, its header cell the same text."""
    frame = pd.DataFrame([["a", "b", "c", "d", "e"]],
                         columns=["Net\nAmount", "x" * 300, "", "Payee", "PAYEE"])
    out = tmp_path / "h.xlsx"
    export.write_table(frame, out, sheet="Rows")
    ws = openpyxl.load_workbook(out)["Rows"]
    names = [c.name for c in ws.tables["Rows"].tableColumns]
    assert names == [c.value for c in ws[1]]
    assert names[0] == "Net Amount" and len(names[1]) <= 255 and names[2] == "Column 3"
    assert names[3:] == ["Payee", "PAYEE (2)"]
    assert [c.value for c in ws[2]] == ["a", "b", "c", "d", "e"]


def test_league_and_rank_workbooks(samples: Path, tmp_path: Path) -> None:
    from spendkit import api
    from spendkit.config import PlaceSettings, Settings
    from spendkit.output.workbook import write_league, write_ranking
    from tests.aggregate.test_league import _manifest

    table = api.league(_manifest(tmp_path, samples), Settings(), fy="2024/25")
    write_league(table, tmp_path / "league.xlsx")
    ranking = api.rank([samples / "ledger.csv"],
                       Settings(place=PlaceSettings(districts=["Wigan"])), top=5)
    write_ranking(ranking, tmp_path / "rank.xlsx")
    league = openpyxl.load_workbook(tmp_path / "league.xlsx")
    ws = league["League"]
    header, rows = _table(ws)
    assert list(ws.tables) == ["League"]
    assert header[:3] == ["Organisation", "Figures from", "Spend £"]
    assert "Local ranked out of" in header and "Local rank" in header
    assert {r[1] for r in rows} <= {"Ledgers", "Published shares"}
    rank = openpyxl.load_workbook(tmp_path / "rank.xlsx")
    assert [sorted(ws.tables) for ws in rank.worksheets] == [
        [], ["Suppliers"], ["TopByClass"], ["Leakage"], []]
    for book in (league, rank):
        _widths_fit(book)
        texts = [c.value for ws in book for row in ws.iter_rows() for c in row
                 if isinstance(c.value, str)]
        assert not [t for t in texts if str(samples) in t or str(tmp_path) in t]


def test_one_neutraliser_for_csv_and_xlsx() -> None:
    """export's names for the neutraliser are cells' own (one implementation)."""
    assert export.safe_strings is cells.safe_strings and export.sheet_name is cells.sheet_name
    assert export.GBP_FORMAT == cells.GBP_FORMAT == GBP_FORMAT
    text = pd.Series(["=1+1", "-12.50", "ok\x07", "@x"], dtype="str")
    assert cells.safe_strings(text, xlsx=True).tolist() == ["'=1+1", "-12.50", "ok", "'@x"]
