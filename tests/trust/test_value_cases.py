"""Wrong figures with no warning, impossible values accepted (issue 14, families 4 and 8).

* Money is exact: an amount of £10bn or more is rejected as too large to be a payment, and a
  run whose amounts (cap lifted) could pass int64 is counted exactly or refused (exit 3, the
  file named); never a negative total from positive amounts, never "balanced" when it is not.
* No relative dates: `today`, `now` (any case) never become the day of the run; the row is
  rejected or kept undated.
* Values are validated at the edge: re-spend and published shares within 0-100% and finite,
  years in range, manifest entries of the right type (exit 5 naming the file or option).

Each case states the expected behaviour first."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from make_corpus import Sheet, simple_xlsx, xlsx

import spendkit
from spendkit.normalise import values
from tests.trust.hostile import cli, ledger, no_traceback, ok, refused

INPUT, CONFIG = 3, 5
BIGGEST = "9999999999999.99"  # the largest amount a row may hold
BIGGEST_PENCE = 999_999_999_999_999
INT64_MAX = 2**63 - 1


@pytest.fixture
def uncapped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-amount cap (£10bn) lifted, so that a run can reach int64 with few rows and the
    whole-run check is what stands between it and a wrong sum."""
    monkeypatch.setattr(values, "MAX_PENCE", 10**16)


def test_an_amount_of_10bn_or_more_is_rejected_as_too_large(tmp_path: Path) -> None:
    """9,300 cells of £9,999,999,999,999.99 (a broken amount column): every row rejected with
    the reason "too large to be a payment" and its text kept; nothing counted; balanced."""
    path = _many(tmp_path / "overflow.csv", BIGGEST, 9300)
    doc = ok(cli("classify", path, "--place", "Wigan", "--format", "json"))
    assert doc is not None
    rec = doc["reconciliation"]
    assert (rec["rows_rejected"], rec["pence_counted"], rec["balanced"]) == (9300, 0, True)
    assert any("too large to be a payment" in r for r in rec["rejected_by_reason"])


def _pence_values(doc: Any) -> list[int]:
    """Every integer under a key naming pence, anywhere in a JSON document."""
    found: list[int] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if "pence" in str(k) and isinstance(v, int) and not isinstance(v, bool):
                found.append(v)
            found += _pence_values(v)
    elif isinstance(doc, list):
        for v in doc:
            found += _pence_values(v)
    return found


def _many(path: Path, amount: str, n: int, *, extra: str | None = None) -> Path:
    ledger(path, [f"Supplier {i % 50} Ltd" for i in range(n)], amount=amount)
    if extra is not None:
        with path.open("a", encoding="utf-8") as f:
            f.write(f"X1,Last Ltd,{extra},01/02/2024,WN1 1YN,Highways\n")
    return path


def _exact_or_refused(result, path: Path, expected: int) -> None:
    no_traceback(result)
    if result.exit_code == INPUT:
        refused(result, INPUT, path.name)
        return
    doc = ok(result)
    assert doc is not None
    rec = doc["reconciliation"]
    assert rec["pence_counted"] == expected and rec["pence_read"] == expected, rec
    assert rec["balanced"] is True
    assert all((v >= 0) == (expected >= 0) or v == 0 for v in _pence_values(doc)), "a total changed sign"


@pytest.mark.usefixtures("uncapped")
def test_sum_past_int64_is_exact_or_refused(tmp_path: Path) -> None:
    """9,300 rows of £9,999,999,999,999.99 (past int64 in pence): counted exactly or refused
    with exit 3; never a negative total with "balanced": true."""
    path = _many(tmp_path / "overflow.csv", BIGGEST, 9300)
    _exact_or_refused(cli("classify", path, "--place", "Wigan", "--format", "json"), path,
                      9300 * BIGGEST_PENCE)


@pytest.mark.usefixtures("uncapped")
def test_negative_sum_past_int64_is_exact_or_refused(tmp_path: Path) -> None:
    """9,300 credit notes of the same size: exact (and negative) or refused; never positive."""
    path = _many(tmp_path / "underflow.csv", f"-{BIGGEST}", 9300)
    _exact_or_refused(cli("classify", path, "--place", "Wigan", "--format", "json"), path,
                      -9300 * BIGGEST_PENCE)


@pytest.mark.usefixtures("uncapped")
def test_sum_exactly_at_int64_max_is_counted_exactly(tmp_path: Path) -> None:
    """Rows summing to exactly 2^63 - 1 pence: read and counted to the penny (exit 0)."""
    rest = INT64_MAX - 9223 * BIGGEST_PENCE
    path = _many(tmp_path / "edge.csv", BIGGEST, 9223, extra=f"{rest // 100}.{rest % 100:02d}")
    doc = ok(cli("classify", path, "--place", "Wigan", "--format", "json"))
    assert doc is not None and doc["reconciliation"]["pence_counted"] == INT64_MAX


@pytest.mark.usefixtures("uncapped")
def test_one_penny_past_int64_max_is_exact_or_refused(tmp_path: Path) -> None:
    """The same plus one penny: exactly 2^63 pence, or refused; never -2^63."""
    rest = INT64_MAX - 9223 * BIGGEST_PENCE + 1
    path = _many(tmp_path / "edge1.csv", BIGGEST, 9223, extra=f"{rest // 100}.{rest % 100:02d}")
    _exact_or_refused(cli("classify", path, "--place", "Wigan", "--format", "json"), path, INT64_MAX + 1)


@pytest.mark.usefixtures("uncapped")
def test_report_of_an_overflowing_ledger_is_exact_or_refused(tmp_path: Path) -> None:
    """`report --format json` on the 9,300 rows: every pence figure is non-negative, the
    reconciliation exact; or exit 3."""
    path = _many(tmp_path / "overflow.csv", BIGGEST, 9300)
    _exact_or_refused(cli("report", path, "--place", "Wigan", "--format", "json"), path,
                      9300 * BIGGEST_PENCE)


@pytest.mark.usefixtures("uncapped")
def test_rank_of_an_overflowing_ledger_has_no_negative_spend(tmp_path: Path) -> None:
    """`rank --format json` on the 9,300 rows: no supplier's or class's spend is negative; or
    exit 3."""
    path = _many(tmp_path / "overflow.csv", BIGGEST, 9300)
    result = cli("rank", path, "--place", "Wigan", "--format", "json")
    no_traceback(result)
    if result.exit_code == INPUT:
        refused(result, INPUT, path.name)
    else:
        doc = ok(result)
        assert all(v >= 0 for v in _pence_values(doc))


RELATIVE = ["today", "now", "Today", "NOW", " today ", "tomorrow", "yesterday"]


@pytest.mark.parametrize("word", RELATIVE)
def test_relative_date_is_never_the_day_of_the_run(tmp_path: Path, word: str) -> None:
    """A date cell `today`, `now`, `tomorrow`...: the row is rejected (with a reason naming
    the value) or kept undated; never dated with the day the run happens."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"], date=word)
    result = spendkit.classify(path, place="Wigan")
    today = dt.date.today()
    dates = result.rows["payment_date"].dropna().dt.date.tolist()
    assert today not in dates and today + dt.timedelta(days=1) not in dates, dates
    if len(result.rejected):
        assert word.strip() in result.rejected["reason"].iloc[0]


def test_relative_date_in_a_workbook_text_cell(tmp_path: Path) -> None:
    """`today` as text in a workbook's date column: not the day of the run."""
    path = tmp_path / "l.xlsx"
    path.write_bytes(simple_xlsx([["Supplier Name", "Amount", "Payment Date"], ["Acme Ltd", 10, "today"],
                                  ["Bolton Builders", 5, "01/02/2024"]]))
    result = spendkit.classify(path, place="Wigan")
    assert dt.date.today() not in result.rows["payment_date"].dropna().dt.date.tolist()


def test_relative_date_does_not_count_in_this_years_report(tmp_path: Path) -> None:
    """`report --year <this year>`: a payment dated `now` is not reported in this year (only the
    dated payment is)."""
    year = dt.date.today().year
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"], date="now")
    with path.open("a", encoding="utf-8") as f:
        f.write(f"T9,Bolton Builders,5.00,01/01/{year},WN1 1YN,Highways\n")
    doc = ok(cli("report", path, "--place", "Wigan", "--year", year, "--format", "json"))
    assert doc is not None and doc["reconciliation"]["pence_reported"] == 500, doc["reconciliation"]


BAD_SHARES = ["250%", "inf%", "nan", "-10%", "1e309%"]


@pytest.mark.parametrize("share", BAD_SHARES)
def test_respend_share_out_of_range_is_refused(tmp_path: Path, samples: Path, share: str) -> None:
    """A re-spend share of 250%, inf%, nan, -10% or 1e309%: refused (exit 5) naming the
    file; never an LM3 above 3, an `Infinity` in JSON or an OverflowError."""
    respend = tmp_path / "respend.csv"
    respend.write_text(f"supplier,class,respend\n,local,{share}\n", encoding="utf-8")
    result = cli("report", samples / "ledger.csv", "--place", "Wigan", "--suppliers", samples / "suppliers.csv",
                 "--respend", respend, "--format", "json")
    refused(result, CONFIG, "respend.csv")


def test_lm3_never_exceeds_three(tmp_path: Path, samples: Path) -> None:
    """The largest valid shares (100%) give an LM3 of at most 3."""
    respend = tmp_path / "respend.csv"
    respend.write_text("supplier,class,respend\n,local,100%\n,sme,100%\n,vcfse,100%\n", encoding="utf-8")
    doc = ok(cli("report", samples / "ledger.csv", "--place", "Wigan", "--suppliers", samples / "suppliers.csv",
                 "--respend", respend, "--format", "json"))
    assert doc is not None and 1 <= doc["lm3"]["lm3"] <= 3


@pytest.mark.parametrize("share", ["250%", "inf%", "nan%"])
def test_published_share_out_of_range_is_refused(tmp_path: Path, share: str) -> None:
    """A league table of published shares with 250%, inf% or nan%: exit 5 naming the file; never
    invalid JSON or an OverflowError."""
    shares = tmp_path / "shares.csv"
    shares.write_text("name,local_share,sub_regional_share,sme_share,vcfse_share\n"
                      f"A Council,{share},5%,20%,2%\nB Council,20%,6%,22%,3%\n", encoding="utf-8")
    for fmt in ("json", "table"):
        refused(cli("league", shares, "--format", fmt), CONFIG, "shares.csv")


def test_published_shares_with_an_empty_column_are_read(tmp_path: Path) -> None:
    """A published-shares file whose local column is empty (not known): read (exit 0), the
    JSON valid, the workbook, dashboard and CSV written."""
    shares = tmp_path / "shares.csv"
    shares.write_text("name,local_share,sub_regional_share,sme_share,vcfse_share\n"
                      "A Council,,5%,20%,2%\nB Council,,6%,22%,3%\n", encoding="utf-8")
    outs = [tmp_path / f"league.{ext}" for ext in ("xlsx", "html", "csv")]
    doc = ok(cli("league", shares, "--format", "json", *[a for o in outs for a in ("--out", o)]))
    assert doc is not None and all(o.exists() for o in outs)


@pytest.mark.parametrize("command", ["report", "rank"])
@pytest.mark.parametrize("year", ["20224", "0", "-2024"])
def test_year_out_of_range_is_refused(tmp_path: Path, command: str, year: str) -> None:
    """`--year 20224` (a typo), 0 or -2024: refused with exit 5 naming the option."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    refused(cli(command, path, "--place", "Wigan", "--year", year), CONFIG, "--year")


def _manifest(tmp_path: Path, body: str) -> Path:
    ledger(tmp_path / "L.csv", ["Acme Ltd"])
    path = tmp_path / "M.toml"
    path.write_text('title = "t"\n[[organisation]]\nname = "Wigan"\nplace = "Wigan"\n' + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("body", ["ledgers = [5]\n", 'ledgers = ["L.csv"]\nsuppliers = 7\n',
                                  "ledgers = 5\n", 'ledgers = ["L.csv"]\nplace = 3\n'])
def test_manifest_value_of_the_wrong_type_is_refused(tmp_path: Path, body: str) -> None:
    """A league manifest with a number where a path (or a place) is expected: exit 5 naming
    the manifest; never a traceback."""
    refused(cli("league", _manifest(tmp_path, body)), CONFIG, "M.toml")


def _deep_toml(depth: int) -> str:
    return "x = " + "[" * depth + "]" * depth + "\n"


def test_config_nested_5000_deep_is_refused(tmp_path: Path) -> None:
    """A spendkit.toml nested 5,000 deep: exit 5 naming the file; never a RecursionError."""
    config = tmp_path / "deep.toml"
    config.write_text(_deep_toml(5000), encoding="utf-8")
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    refused(cli("classify", path, "--place", "Wigan", "--config", config), CONFIG, "deep.toml")


def test_manifest_nested_5000_deep_is_refused(tmp_path: Path) -> None:
    """A league manifest nested 5,000 deep: exit 5 naming it."""
    manifest = tmp_path / "deep.toml"
    manifest.write_text(_deep_toml(5000), encoding="utf-8")
    refused(cli("league", manifest), CONFIG, "deep.toml")


def test_inline_tables_nested_5000_deep_are_refused(tmp_path: Path) -> None:
    """The same with inline tables (`{a = {a = ...}}`): exit 5 naming the file."""
    config = tmp_path / "deep.toml"
    config.write_text("x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n", encoding="utf-8")
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"])
    refused(cli("classify", path, "--place", "Wigan", "--config", config), CONFIG, "deep.toml")


@pytest.mark.usefixtures("uncapped")
def test_workbook_amount_cells_past_int64_are_exact_or_refused(tmp_path: Path) -> None:
    """Number cells of 9,999,999,999,999.99 in a workbook, 9,300 of them: exact or exit 3."""
    rows: list[list[Any]] = [["Supplier Name", "Amount", "Payment Date"]]
    rows += [[f"Supplier {i % 50} Ltd", BIGGEST, "01/02/2024"] for i in range(9300)]
    path = tmp_path / "overflow.xlsx"
    path.write_bytes(xlsx([Sheet("Payments", rows)]))
    _exact_or_refused(cli("classify", path, "--place", "Wigan", "--format", "json"), path,
                      9300 * BIGGEST_PENCE)


def test_json_output_is_always_valid_json(tmp_path: Path) -> None:
    """Whatever the values, `--format json` prints JSON a strict parser accepts (no NaN,
    Infinity)."""
    path = ledger(tmp_path / "l.csv", ["Acme Ltd"], amount="0.00")
    result = cli("report", path, "--place", "Wigan", "--format", "json")
    ok(result)
    json.loads(result.stdout, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
