"""The options the commands share, declared once (Typer needs each command's parameters spelt
out, so the commands annotate them with these types), and settings made from them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from spendkit.config import Settings

Ledgers = Annotated[list[Path], typer.Argument(help="Ledger files: CSV, XLSX/XLS, Parquet, or a zip of them.",
                                               show_default=False)]
PlaceOpt = Annotated[list[str] | None, typer.Option(
    "--place", "-p", help="The place: district name or ONS code (repeat for several).")]
SubRegionalOpt = Annotated[list[str] | None, typer.Option(
    "--sub-regional", help="Named area or districts for sub-regional (default: adjacent districts).")]
RegionalOpt = Annotated[list[str] | None, typer.Option(
    "--regional", help="Named area, region or districts for regional (default: the place's region).")]
SuppliersOpt = Annotated[Path | None, typer.Option(
    "--suppliers", "-s", help="Supplier file (CSV/XLSX) with supplier id or name, and postcode.")]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Write the classified rows (.csv, .xlsx or .parquet); rejected rows go "
                        "beside it as NAME.rejected.EXT.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]
ColumnOpt = Annotated[list[str] | None, typer.Option(
    "--column", "-c", help='Map a column: ROLE=HEADER, e.g. --column payee="Vendor Name".')]
SheetOpt = Annotated[list[str] | None, typer.Option(
    "--sheet", help="Workbook sheet to read (repeat for several; default: every sheet that holds "
                    "a ledger).")]
PostcodesOpt = Annotated[Path | None, typer.Option(
    "--postcodes", help="An ONSPD/NSPL download (CSV or zip) to use instead of the packaged directory.")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="Settings file (default: ./spendkit.toml if present).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the figures.")]
SizeRuleOpt = Annotated[str | None, typer.Option(
    "--size-rule", help="procurement-act-2023 (default), eu-2003-361, companies-act-2006, "
                        "companies-act-2006-2025 or islington-2020.")]
GuaranteeOpt = Annotated[bool | None, typer.Option(
    "--guarantee-is-vcfse/--guarantee-is-not-vcfse",
    help="Count companies limited by guarantee as VCFSE (default: no).")]


def settings_from_options(config: Path | None, *, column: list[str] | None = None,
                          **flags: Any) -> Settings:
    """Settings from the config file, then the flags given."""
    from spendkit.config import apply_overrides, load_settings, parse_column_options

    settings, _ = load_settings(config)
    return apply_overrides(settings, columns=parse_column_options(column), **flags)


def config_input(config: Path | None) -> list[tuple[Path, str]]:
    """The config file a run reads (--config, else ./spendkit.toml if there), as an input that
    no output may overwrite."""
    from spendkit.config import CONFIG_NAME

    path = config if config is not None else Path(CONFIG_NAME)
    return [(path, "the config file")] if path.is_file() else []


ByOpt = Annotated[list[str] | None, typer.Option(
    "--by", "-b", help="Break spend down by: department (service area), expense_type, month, "
                       "quarter, fy (UK financial year), year, or any ledger column. Repeat for "
                       "several (default: department and month).")]
FromOpt = Annotated[str | None, typer.Option(
    "--from", help="First payment date to count: 2024-04-01 or 01/04/2024.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last payment date to count (included).")]
FyOpt = Annotated[str | None, typer.Option(
    "--fy", help="Count one UK financial year, e.g. 2024/25 (1 April 2024 to 31 March 2025).")]
YearOpt = Annotated[int | None, typer.Option("--year", help="Count one calendar year, e.g. 2024.")]
ReportFormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, json or csv (stdout).")]
ReportOutOpt = Annotated[list[Path] | None, typer.Option(
    "--out", "-o", help="Write the report: .xlsx workbook, .html dashboard, .json document, or "
                        "the figures as a .csv or .parquet table. Repeat for several files.")]
KeepDuplicatesOpt = Annotated[bool, typer.Option(
    "--keep-duplicates", help="Keep rows that repeat an earlier file's row (same transaction id, "
                              "amount and payee); by default they are dropped, and reported.")]
SharesOfOpt = Annotated[str, typer.Option(
    "--shares-of", help="Denominator of the headline shares: influenceable (default when sectors "
                        "are known: public bodies and individuals left out) or all.")]
RespendOpt = Annotated[Path | None, typer.Option(
    "--respend", help="CSV of re-spend shares (supplier or class, respend): adds an LM3 estimate.")]
TopOpt = Annotated[int, typer.Option("--top", "-n", help="How many suppliers in each ranking.")]
MethodOpt = Annotated[str, typer.Option(
    "--method", help="spendkit (the place and settings as given) or tussell (local = the same "
                     "ITL1 region, calendar year, EU SME rule, Tussell's VCSE rule).")]
Manifest = Annotated[Path, typer.Argument(
    help="TOML manifest (\\[\\[organisation]] name, place, ledgers, suppliers) or a CSV table of "
         "published shares (name,local_share,sub_regional_share,sme_share,vcfse_share).",
    show_default=False)]
