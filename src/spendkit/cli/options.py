"""The options the commands share, declared once (Typer needs each command's parameters spelt
out, so the commands annotate them with these types), and settings made from them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from spendkit.config import Settings


def choices(*values: str) -> Any:
    """Shell completion of an option's values: those starting with what is typed."""
    def complete(incomplete: str) -> list[str]:
        return [v for v in values if v.startswith(incomplete)]
    return complete


SIZE_RULES = ("procurement-act-2023", "eu-2003-361", "companies-act-2006", "companies-act-2006-2025",
              "islington-2020")


def _plain_arguments() -> None:
    """Arguments shown as a person writes them: `LEDGER...` and `[FOLDER]` (their metavar),
    not Typer's `{LEDGER}...` and `LEDGER <list[Path]>`: the help text says what they are."""
    from typer.core import TyperArgument

    def usage(self: Any) -> str:
        name = self.metavar or self.name.upper()
        name = name if self.metavar or self.nargs == 1 else f"{name}..."
        return name if self.required or name.startswith("[") else f"[{name}]"

    TyperArgument._usage_display_name = usage  # type: ignore[attr-defined,method-assign]
    TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign,assignment]


_plain_arguments()

Ledgers = Annotated[list[Path], typer.Argument(help="Ledger files: CSV, XLSX/XLS, Parquet, or a zip of "
                                                    "them; - reads one from standard input.",
                                               show_default=False, metavar="LEDGER...")]
PlaceOpt = Annotated[list[str] | None, typer.Option(
    "--place", "-p", metavar="PLACE",
    help="The place: district name or ONS code (repeat for several).")]
SubRegionalOpt = Annotated[list[str] | None, typer.Option(
    "--sub-regional", metavar="AREA",
    help="Named area or districts for sub-regional (default: adjacent districts).")]
RegionalOpt = Annotated[list[str] | None, typer.Option(
    "--regional", metavar="AREA",
    help="Named area, region or districts for regional (default: the place's region).")]
SuppliersOpt = Annotated[Path | None, typer.Option(
    "--suppliers", "-s", metavar="FILE",
    help="Supplier file (CSV/XLSX) with supplier id or name, and postcode.")]
OutOpt = Annotated[list[Path] | None, typer.Option(
    "--out", "-o", metavar="FILE",
    help="Write the classified rows (.csv, .xlsx or .parquet), and the rejected rows beside "
         "them as FILE.rejected.EXT. Once only.")]
FormatOpt = Annotated[str, typer.Option(
    "--format", "-f", metavar="FORMAT", autocompletion=choices("table", "json", "csv", "jsonl"),
    help="table (default) or json: the figures; csv or jsonl: the classified rows.")]
ColumnOpt = Annotated[list[str] | None, typer.Option(
    "--column", "-c", metavar="ROLE=HEADER",
    help='Map a column by hand, e.g. --column payee="Vendor Name".')]
SheetOpt = Annotated[list[str] | None, typer.Option(
    "--sheet", metavar="SHEET",
    help="Workbook sheet to read (repeat; default: every sheet that holds a ledger).")]
PostcodesOpt = Annotated[Path | None, typer.Option(
    "--postcodes", metavar="FILE",
    help="An ONSPD/NSPL download (CSV or zip) instead of the packaged directory.")]
DecisionsOpt = Annotated[Path | None, typer.Option(
    "--decisions", metavar="FILE",
    help="Decisions file (CSV: payee,org_id or none), applied before any matching.")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", metavar="FILE", help="Settings file (default: ./spendkit.toml if present).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the figures.")]
SizeRuleOpt = Annotated[str | None, typer.Option(
    "--size-rule", metavar="RULE", autocompletion=choices(*SIZE_RULES),
    help="procurement-act-2023 (default), eu-2003-361, companies-act-2006, "
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


MaxRejectedOpt = Annotated[str | None, typer.Option(
    "--max-rejected", metavar="N|P%",
    help="Exit with status 8 (outputs still written) when more than N rows, or P% of the rows "
         "read, are rejected.")]


def parse_max_rejected(limit: str | None) -> tuple[int | None, float | None]:
    """--max-rejected as (rows, percent), one of them set; checked before any work."""
    if limit is None:
        return None, None
    text = limit.strip()
    try:
        if text.endswith("%"):
            share = float(text[:-1])
            if 0 <= share <= 100:
                return None, share
        elif text.isdigit():
            return int(text), None
    except ValueError:
        pass
    raise typer.BadParameter(f"'{limit}' is not a row count (e.g. 10) or a share of rows "
                             "(e.g. 0.5%) between 0% and 100%", param_hint="--max-rejected")


def check_rejected(limit: str | None, rec: dict[str, Any]) -> None:
    """End the run with exit status 8 and one line on stderr when more rows were rejected than
    ``limit`` allows (``rec``: the reconciliation, rows_read and rows_rejected)."""
    rows, share = parse_max_rejected(limit)
    read, rejected = int(rec["rows_read"]), int(rec["rows_rejected"])
    over = (rows is not None and rejected > rows) or \
        (share is not None and rejected * 100 > share * read)
    if over:
        from spendkit.errors import EXIT_TOO_MANY_REJECTED

        percent = 100 * rejected / read if read else 0.0
        typer.echo(f"spendkit: {rejected:,} of {read:,} rows rejected ({percent:.2f}%), more than "
                   f"--max-rejected {limit} allows (outputs, if any, are written)", err=True)
        raise typer.Exit(EXIT_TOO_MANY_REJECTED)


def one_out(out: list[Path] | None) -> Path | None:
    """The one --out file of a command that writes one (exit status 2 if given more than once,
    rather than silently writing only the last)."""
    if out and len(out) > 1:
        raise typer.BadParameter(f"give it once (given {len(out)} times: "
                                 f"{', '.join(str(p) for p in out)})", param_hint="--out")
    no_stdout(out)
    return out[0] if out else None


def no_stdout(out: list[Path] | None) -> None:
    """``--out -`` is refused (exit status 2): the figures already go to stdout (--format), and
    a file's name is needed for its rejected rows beside it."""
    if out and any(str(p) == "-" for p in out):
        raise typer.BadParameter("'-' (standard output) is not a file to write: the figures go "
                                 "to stdout already (--format json or csv); give a file name",
                                 param_hint="--out")


def config_input(config: Path | None) -> list[tuple[Path, str]]:
    """The config file a run reads (--config, else ./spendkit.toml if there), as an input that
    no output may overwrite."""
    from spendkit.config import CONFIG_NAME

    path = config if config is not None else Path(CONFIG_NAME)
    return [(path, "the config file")] if path.is_file() else []


ByOpt = Annotated[list[str] | None, typer.Option(
    "--by", "-b", metavar="DIMENSION",
    autocompletion=choices("department", "expense_type", "month", "quarter", "fy", "year"),
    help="department, expense_type, month, quarter, fy, year or any ledger column; repeat "
         "(default: department and month).")]
FromOpt = Annotated[str | None, typer.Option(
    "--from", metavar="DATE", help="First payment date to count: 2024-04-01 or 01/04/2024.")]
ToOpt = Annotated[str | None, typer.Option("--to", metavar="DATE",
                                           help="Last payment date to count (included).")]
FyOpt = Annotated[str | None, typer.Option(
    "--fy", metavar="YYYY/YY", help="Count one UK financial year, e.g. 2024/25.")]
YearOpt = Annotated[int | None, typer.Option("--year", metavar="YEAR",
                                             help="Count one calendar year, e.g. 2024.")]
ReportFormatOpt = Annotated[str, typer.Option(
    "--format", "-f", metavar="FORMAT", autocompletion=choices("table", "json", "csv", "jsonl"),
    help="On stdout: table (default), json (the document), csv or jsonl (the figures).")]
ReportOutOpt = Annotated[list[Path] | None, typer.Option(
    "--out", "-o", metavar="FILE",
    help="Write .xlsx, .html, .json, .csv or .parquet (repeat for several files).")]
KeepDuplicatesOpt = Annotated[bool, typer.Option(
    "--keep-duplicates",
    help="Keep rows repeating an earlier file's row (default: dropped, and reported).")]
SharesOfOpt = Annotated[str, typer.Option(
    "--shares-of", metavar="WHAT", autocompletion=choices("influenceable", "all", "auto"),
    help="Headline shares of influenceable spend (default when sectors are known) or all.")]
RespendOpt = Annotated[Path | None, typer.Option(
    "--respend", metavar="FILE", help="CSV of re-spend shares: adds an LM3 estimate.")]
TopOpt = Annotated[int, typer.Option("--top", "-n", metavar="N",
                                     help="How many suppliers in each ranking.")]
MethodOpt = Annotated[str, typer.Option(
    "--method", metavar="METHOD", autocompletion=choices("spendkit", "tussell"),
    help="spendkit (the place and settings as given) or tussell (Tussell's index).")]
Manifest = Annotated[Path, typer.Argument(
    help="TOML manifest of [[organisation]] tables, or a CSV of published shares.",
    show_default=False, metavar="MANIFEST")]


# The registers a run matches payees to: every command takes the same options, so the same
# ledger gives the same figures in each. Installed registers are used unless --no-registers.
CompaniesOpt = Annotated[list[Path] | None, typer.Option(
    "--companies", metavar="FILE",
    help="Companies House BasicCompanyData CSV or zip (repeat for parts).")]
CharitiesOpt = Annotated[list[Path] | None, typer.Option(
    "--charities", metavar="FILE",
    help="Charity Commission register extract (publicextract.charity.txt/zip).")]
OscrOpt = Annotated[list[Path] | None, typer.Option(
    "--oscr", metavar="FILE", help="Scottish Charity Register CSV.")]
CcniOpt = Annotated[list[Path] | None, typer.Option(
    "--ccni", metavar="FILE", help="Charity Commission NI CSV.")]
MutualsOpt = Annotated[list[Path] | None, typer.Option(
    "--mutuals", metavar="FILE", help="FCA Mutuals Public Register CSV.")]
NoRegistersOpt = Annotated[bool, typer.Option(
    "--no-registers", help="Do not use the installed registers (spendkit registers).")]


def register_flags(companies: list[Path] | None, charities: list[Path] | None,
                   oscr: list[Path] | None, ccni: list[Path] | None, mutuals: list[Path] | None,
                   no_registers: bool) -> dict[str, Any]:
    """The register options as settings overrides (for ``settings_from_options``)."""
    return {"companies": companies, "charities": charities, "oscr": oscr, "ccni": ccni,
            "mutuals": mutuals, "installed": False if no_registers else None}
