"""Settings: a pydantic model, loaded from ``spendkit.toml``, overridden by flags.

Precedence, highest first: command-line flags, then the file given with
``--config`` (or ``spendkit.toml`` in the working directory), then the
defaults below, which follow DOMAIN.md.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from spendkit.errors import ConfigError, SpendkitError

CONFIG_NAME = "spendkit.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlaceSettings(_Strict):
    """The organisation's area and the rings around it."""

    districts: list[str] = Field(default_factory=list,
                                 description="District names or ONS codes, e.g. ['Wigan'].")
    sub_regional: list[str] = Field(
        default_factory=list,
        description="Districts or a named area (e.g. 'Greater Manchester'); "
                    "empty means the districts adjacent to the place.")
    regional: list[str] = Field(
        default_factory=list,
        description="Districts, a named area or a region; empty means the place's region "
                    "(Wales, Scotland and Northern Ireland as wholes).")


class DateSettings(_Strict):
    unreadable: Literal["reject", "keep"] = Field(
        "reject", description="A date that is not a real date rejects its row ('reject'), "
                              "or is kept as missing with a note ('keep').")


class OrganisationRules(_Strict):
    size_rule: Literal["procurement-act-2023", "eu-2003-361", "companies-act-2006",
                       "companies-act-2006-2025", "islington-2020"] = Field(
        "procurement-act-2023", description="The rule that turns staff and money into size bands.")
    guarantee_is_vcfse: bool = Field(
        False, description="Count companies limited by guarantee as VCFSE (many are trade bodies).")
    rules: Path | None = Field(None, description="Your copy of the sector rules (spendkit config init).")


# How old (days) an installed register may be before it is called old.
MAX_AGE_DAYS = {"companies_house": 45, "charity_commission": 45, "oscr": 45, "ccni": 45,
                "mutuals": 90, "ocds": 45, "charity_company_links": 365, "cio_links": 365,
                "dual_registered": 365}
# Where `spendkit registers fetch` downloads each register from (its publisher's current file).
REGISTER_URLS = {
    "companies_house": "https://download.companieshouse.gov.uk/BasicCompanyDataAsOneFile-{month}.zip",
    "charity_commission": "https://ccewuksprdoneregsadata1.blob.core.windows.net/data/txt/"
                          "publicextract.charity.zip",
    "oscr": "https://www.oscr.org.uk/umbraco/Surface/FormsSurface/CharityRegDownload",
    "ccni": "https://www.charitycommissionni.org.uk/umbraco/api/charityApi/ExportSearchResultsToCsv/"
            "?pageNumber=1&include=Linked&include=Removed",
}


class RegistrySettings(_Strict):
    """Registry downloads, as downloaded (each optional; several files allowed)."""

    companies: list[Path] = Field(default_factory=list, description="Companies House BasicCompanyData "
                                  "CSV or zip(s).")
    charities: list[Path] = Field(default_factory=list, description="Charity Commission register "
                                  "extract (publicextract.charity.txt or its zip).")
    oscr: list[Path] = Field(default_factory=list, description="Scottish Charity Register CSV.")
    ccni: list[Path] = Field(default_factory=list, description="Charity Commission for NI CSV.")
    mutuals: list[Path] = Field(default_factory=list, description="FCA Mutuals Public Register CSV.")
    decisions: Path | None = Field(default=None, description="A decisions file (CSV: payee,org_id; "
                                   "org_id an org-id or 'none'), applied before any matching.")
    installed: bool = Field(True, description="Use the registers installed with `spendkit registers "
                            "add` or `fetch` (false: only the files given for the run).")
    data_dir: Path | None = Field(None, description="Where installed registers live (default: "
                                  "$SPENDKIT_DATA_DIR, else the user data directory).")
    max_age_days: dict[str, int] = Field(
        default_factory=lambda: dict(MAX_AGE_DAYS),
        description="Register kind -> days after which `registers status` and every run warn "
                    "that its installed data is old.")
    urls: dict[str, str] = Field(
        default_factory=lambda: dict(REGISTER_URLS),
        description="Register kind -> the URL `registers fetch` downloads ({month}: the first "
                    "day of this month, YYYY-MM-01; the month before is tried if not yet out).")


# At least half the spend must be known: below that the unknown part is larger than the known
# one, the share's bounds are more than 50 points apart, and the unknown alone could reverse any
# comparison (docs/methodology.md, "Coverage").
MIN_COVERAGE = 0.5

Sector = Literal["public", "individual", "vcfse", "private", "unknown"]


class HeadlineSettings(_Strict):
    exclude: list[Sector] = Field(
        default_factory=lambda: list[Sector](["public", "individual"]),
        description="Sectors left out of 'influenceable spend', the denominator of the headline shares.")
    min_coverage: float = Field(
        MIN_COVERAGE, ge=0, le=1, allow_inf_nan=False,
        description="A share is stated only when its family (place for local, size for SME, "
                    "sector for VCFSE) is known for at least this share of the spend; below it, "
                    "'not enough evidence' and what to supply. League tables do not rank below it.")


class Settings(_Strict):
    place: PlaceSettings = Field(default_factory=PlaceSettings)
    columns: dict[str, str] = Field(default_factory=dict,
                                    description="Role -> header, e.g. payee = 'Vendor Name'.")
    dates: DateSettings = Field(default_factory=DateSettings)
    organisations: OrganisationRules = Field(default_factory=OrganisationRules)
    headline: HeadlineSettings = Field(default_factory=HeadlineSettings)
    registries: RegistrySettings = Field(default_factory=RegistrySettings)
    postcodes: Path | None = Field(None, description="An ONSPD/NSPL download to use instead of "
                                                     "the packaged directory.")
    suppliers: Path | None = Field(None, description="A supplier file (CSV/XLSX) with postcodes.")
    sheet: list[str] | None = Field(None, description="The workbook sheets to read (default: every "
                                                     "sheet that holds a ledger).")

    @field_validator("sheet", mode="before")
    @classmethod
    def _one_sheet(cls, value: Any) -> Any:
        """One sheet's name, as a single string, is a list of one (API callers and the
        config file may give either)."""
        return [value] if isinstance(value, str) else value


def load_settings(config: Path | None = None, *, cwd: Path | None = None) -> tuple[Settings, Path | None]:
    """Settings from ``config`` or ./spendkit.toml (if present), else the defaults."""
    path = config
    if path is None:
        candidate = (cwd or Path.cwd()) / CONFIG_NAME
        path = candidate if candidate.is_file() else None
    if path is None:
        return Settings(), None
    if not path.is_file():  # (a folder, device or pipe is not a file: never opened)
        raise ConfigError(f"{path}: no such config file." if not path.exists()
                          else f"{path}: is not a file (a folder, device or pipe?).")
    settings = _validate(read_toml(path), str(path))
    base = path.parent
    for name in ("postcodes", "suppliers"):
        value = getattr(settings, name)
        if value is not None and not value.is_absolute():
            setattr(settings, name, base / value)
    rules = settings.organisations.rules
    if rules is not None and not rules.is_absolute():
        settings.organisations.rules = base / rules
    reg = settings.registries
    for name in ("companies", "charities", "oscr", "ccni", "mutuals"):
        setattr(reg, name, [p if p.is_absolute() else base / p for p in getattr(reg, name)])
    if reg.decisions is not None and not reg.decisions.is_absolute():
        reg.decisions = base / reg.decisions
    if reg.data_dir is not None and not reg.data_dir.is_absolute():
        reg.data_dir = base / reg.data_dir
    return settings, path


def read_toml(path: Path, unreadable: type[SpendkitError] = ConfigError) -> dict[str, Any]:
    """A TOML file's document; a ConfigError (never a traceback) if it is not valid TOML or
    nests tables or arrays deeper than Python can follow, an ``unreadable`` if it cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}).") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML (nested too deeply to read).",
                          hint="A settings file nests a few levels at most; check the file.") from None
    except OSError as exc:
        raise unreadable(f"{path}: cannot be read ({exc.strerror or exc}).",
                          hint="Check the file's permissions (can you open it?).") from None


# ---------------------------------------------------------------- values from the command line and files
# Checked where they enter (an option, a cell of a shares file), so no impossible value
# reaches a figure: a share is a finite number from 0 to 1 (an LM3 over 3 is impossible); a
# year is one a ledger can hold (pandas dates end in 2262; public ledgers begin long after 1900).
YEARS = (1900, 2100)
_SHARE: TypeAdapter[float] = TypeAdapter(Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)])
_YEAR: TypeAdapter[int] = TypeAdapter(Annotated[int, Field(ge=YEARS[0], le=YEARS[1])])


def check_share(number: float, text: str, where: str) -> float:
    """``number`` (read from ``text``) if it is a finite share from 0 to 1, else a ConfigError
    naming ``where`` and the value."""
    try:
        return _SHARE.validate_python(number)
    except ValidationError:
        raise ConfigError(f"{where}: '{text}' is not a share from 0% to 100%.",
                          hint="Write a share as 15.7% or 0.157 (a finite number, at most 100%).") from None


def check_year(year: Any, option: str) -> int:
    """``year`` as an int if it is from 1900 to 2100, else a ConfigError naming ``option``."""
    try:
        return _YEAR.validate_python(year)
    except ValidationError:
        raise ConfigError(f"{option} {year}: not a year from {YEARS[0]} to {YEARS[1]}.",
                          hint="Write a year in full, e.g. 2024 (or --fy 2024/25).") from None


def _validate(data: dict[str, Any], where: str) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{where}: {problems}.",
                          hint="See docs/configuration.md for the settings and their types.") from None


def apply_overrides(settings: Settings, **flags: Any) -> Settings:
    """A copy of ``settings`` with every flag that was given (not None / not empty) applied."""
    data = settings.model_dump()
    for key, value in flags.items():
        if value is None or value == [] or value == {}:
            continue
        if key in ("districts", "sub_regional", "regional"):
            data["place"][key] = list(value)
        elif key in ("size_rule", "guarantee_is_vcfse"):
            data["organisations"][key] = value
        elif key in ("companies", "charities", "oscr", "ccni", "mutuals"):
            data["registries"][key] = list(value)
        elif key == "decisions":
            data["registries"][key] = value
        elif key == "installed":
            data["registries"]["installed"] = bool(value)
        elif key == "columns":
            data["columns"] = {**data["columns"], **value}
        else:
            data[key] = value
    return _validate(data, "options")


def parse_column_options(options: list[str] | None) -> dict[str, str]:
    """['payee=Vendor Name', ...] -> {'payee': 'Vendor Name'}."""
    out = {}
    for opt in options or []:
        role, sep, header = opt.partition("=")
        if not sep or not role.strip() or not header.strip():
            raise ConfigError(f"--column {opt!r}: expected ROLE=HEADER, e.g. --column payee=\"Vendor Name\".")
        out[role.strip().lower()] = header.strip().strip('"')
    return out


STARTER = """# spendkit settings. Flags on the command line win over this file.
# Every key is optional; see docs/configuration.md.

[place]
districts = ["Wigan"]        # district names or ONS codes; several make one place
sub_regional = []            # [] = districts adjacent to the place; or e.g. ["Greater Manchester"]
regional = []                # [] = the place's region (Wales, Scotland, NI as wholes)

[organisations]
size_rule = "procurement-act-2023"  # eu-2003-361, companies-act-2006, companies-act-2006-2025, islington-2020
guarantee_is_vcfse = false          # count companies limited by guarantee as VCFSE?
rules = "spendkit-rules.toml"       # your copy of the sector rules (patterns, exclusions)

[headline]
exclude = ["public", "individual"]  # left out of "influenceable spend" (the headline denominator)
min_coverage = 0.5                  # state a share only when its place/size/sector is known for this much

[dates]
unreadable = "reject"               # or "keep": count the row undated

[columns]                           # only if a column is detected wrongly, e.g.
# payee = "Vendor Name"

[registries]                        # downloads, as downloaded (optional)
# companies = ["BasicCompanyData-2026-11-01-part1_7.zip", "..."]
# charities = ["publicextract.charity.zip"]
# installed = true                  # use the registers installed with `spendkit registers add`
# data_dir = "registers-store"      # where they are installed (default: the user data folder)
# max_age_days = { companies_house = 45 }   # warn when older
# urls = { companies_house = "https://.../BasicCompanyDataAsOneFile-{month}.zip" }

# suppliers = "suppliers.xlsx"      # the supplier file used on every run
# postcodes = "ONSPD_NOV_2025_UK.zip"
"""


def write_starter_files(folder: Path, *, force: bool = False) -> list[Path]:
    """spendkit.toml (commented defaults) and spendkit-rules.toml (the packaged sector rules)."""
    from importlib import resources

    from spendkit.errors import OutputError

    if not folder.is_dir():
        raise OutputError(f"{folder}: no such folder.")
    targets = {folder / CONFIG_NAME: STARTER,
               folder / "spendkit-rules.toml": (resources.files("spendkit") / "data" / "rules.toml")
               .read_text(encoding="utf-8")}
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        raise OutputError(f"{', '.join(map(str, existing))} already exist(s).",
                          hint="Pass --force to overwrite.")
    for path, text in targets.items():
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return list(targets)
