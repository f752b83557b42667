"""The JSON documents `classify`, `report`, `rank` and `league` print (--format json),
described as pydantic models: the source of their JSON Schema (spendkit schema NAME,
docs/json-schema.md).

The documents are built as dicts where their figures are made (summary.document,
Report.to_dict, Ranking.to_dict, LeagueTable.to_dict); these models say exactly
what they hold. Every object forbids keys it does not name (additionalProperties: false),
so a field added to a document without its model fails tests/test_json_schema.py, which
validates each command's real output. To add a field: add it to the builder, then one line to
the model here (optional fields, present only sometimes, as Absent[...]), and say what it
is in docs/json-schema.md.

    schema("report")                  # the JSON Schema, a dict
    validate("report", rep.to_dict())  # the document as the model, or a ValidationError
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import SkipJsonSchema

from spendkit.schema import GEOGRAPHY_CLASSES, SECTOR_CLASSES, SIZE_CLASSES

T = TypeVar("T")
# A key present only in some documents (never null when present).
Absent = Annotated[T | SkipJsonSchema[None],
                   Field(default=None, json_schema_extra=lambda field: field.pop("default", None))]

Pence = Annotated[int, Field(description="Money in integer pence (never a float).")]
Share = Annotated[float | None, Field(description="A share from 0 to 1, 6 decimal places; null "
                                                  "when its denominator is zero.")]


def version(major: int) -> Any:
    """``schema_version``: ``MAJOR.minor`` of the given major (fields may be added in a minor
    version; a major version renames, removes or changes the meaning of a field)."""
    return Annotated[str, Field(pattern=rf"^{major}\.[0-9]+$",
                                description=f"{major}.minor: fields may be added in a minor version.")]


Fraction = Annotated[float | None, Field(description="0 to 1, 6 decimal places; null when its "
                                                     "denominator is zero.")]
Measure = Literal["local", "sub_regional", "sme", "vcfse"]
Family = Literal["geography", "size", "sector"]


class Strict(BaseModel):
    """An object of a document: exactly the keys named (additionalProperties: false)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _classes(name: str, classes: tuple[str, ...], value: Any, doc: str) -> type[Strict]:
    """A model with one required field per class, in the classes' order."""
    model = create_model(name, __base__=Strict, **{c: (value, ...) for c in classes})  # type: ignore[call-overload]
    model.__doc__ = doc
    return model  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the classify document

class ClassFigures(Strict):
    """A class's spend: pence, rows, distinct payees (by name key) and share of counted pence."""

    pence: Pence
    rows: int
    payees: int
    share: Share


Geography = _classes("Geography", GEOGRAPHY_CLASSES, ClassFigures, "Every place class, in order.")
Size = _classes("Size", SIZE_CLASSES, ClassFigures, "Every size class; sme = an SME whose band is "
                                                   "not known.")
Sector = _classes("Sector", SECTOR_CLASSES, ClassFigures, "Every sector class, in order.")
SizePence = _classes("SizePence", SIZE_CLASSES, Pence, "Pence per size class.")
SectorPence = _classes("SectorPence", SECTOR_CLASSES, Pence, "Pence per sector class.")
GeographyBySize = _classes("GeographyBySize", GEOGRAPHY_CLASSES, SizePence,
                           "Pence per place class and size class (every pair).")
GeographyBySector = _classes("GeographyBySector", GEOGRAPHY_CLASSES, SectorPence,
                             "Pence per place class and sector class (every pair).")


class InputTotalsRows(Strict):
    """A table's own totals rows (not counted), checked against its other rows."""

    rows: int
    pence: Pence
    other_rows_pence: Pence
    matches: bool
    summary: str


class TotalsSheet(Strict):
    """A workbook's totals sheet (not counted), checked against its other sheets."""

    pence: Pence
    other_sheets_pence: Pence
    matches: bool


class Input(Strict):
    """One table read: a file, a workbook's sheet, a zip's member, a table part-way down."""

    file: str
    sheet: str | None
    encoding: str | None
    delimiter: str | None
    header_row: int | None = Field(description="The header's row number, as a spreadsheet shows it.")
    columns: dict[str, str] = Field(description="Role (payee, amount, date...) -> the header used.")
    rows_read: int
    blank_rows: int
    pence_read: Pence = Field(description="Every amount read in the table, totals rows apart.")
    notes: list[str]
    totals_rows: Absent[InputTotalsRows]
    totals_sheet: Absent[TotalsSheet]


class SupplierFile(Strict):
    file: str
    rows: int
    columns: dict[str, str]
    notes: list[str]


class RegisterUsed(Strict):
    """A register the run matched payees to: installed (spendkit registers) or given for the run."""

    kind: str = Field(description="companies_house, charity_commission, oscr, ccni, mutuals, "
                                  "charity_company_links, cio_links, dual_registered, ocds.")
    name: str
    date: str = Field(description="ISO date of the register's data; '' when given for the run.")
    date_from: str = Field(description="Where the date came from (file name, content, file modified).")
    rows: int | None
    files: list[str] = Field(description="File names, never paths.")
    installed_at: str = Field(description="ISO time of the install; '' when given for the run.")
    source: Literal["installed", "given"]


class District(Strict):
    code: str = Field(description="ONS district code, e.g. E08000010.")
    name: str


class Place(Strict):
    local: list[District]
    local_basis: str
    sub_regional: list[District]
    sub_regional_basis: str
    regional_basis: str
    regional_districts: int


class Dates(Strict):
    """The dates the counted rows cover, and the calendar months inside with no row."""

    from_: str = Field(alias="from", description="ISO date.")
    to: str = Field(description="ISO date.")
    months: int
    months_missing: list[str] = Field(description="YYYY-MM.")


class ReconciledTotalsRows(Strict):
    rows: int
    pence: Pence
    all_match: bool


class Reconciliation(Strict):
    """Rows and pence read = counted + rejected (balanced)."""

    rows_read: int
    rows_counted: int
    rows_rejected: int
    pence_read: Pence
    pence_counted: Pence
    pence_rejected: Pence
    rejected_amount_unreadable: int
    rows_undated: int
    blank_rows_skipped: int
    rejected_by_reason: dict[str, int]
    dates: Dates | None
    balanced: bool
    checked: str
    totals_rows: Absent[ReconciledTotalsRows]


class MeasureFigure(Strict):
    """A headline share with what it knows: ``share`` is null below ``min_coverage``."""

    pence: Pence = Field(description="The pence known to be in the class.")
    share: Share = Field(description="Of the denominator; null when not enough evidence.")
    coverage: Fraction = Field(description="The share of the denominator whose class is known.")
    low: Fraction = Field(description="The share if every unknown were out of the class.")
    high: Fraction = Field(description="The share if every unknown were in the class.")
    enough_evidence: bool


class Measures(Strict):
    local: MeasureFigure
    sub_regional: Absent[MeasureFigure]
    local_or_sub_regional: MeasureFigure
    sme: Absent[MeasureFigure]
    vcfse: Absent[MeasureFigure]


class PayeesCarrying(Strict):
    """How many payees, largest first, carry ``target`` of the unknown spend (of ``of``)."""

    target: float
    payees: int
    of: int
    at_least: bool = Field(description="True when only the largest were counted: at least this many.")


class FamilyCoverage(Strict):
    """What is known of a family (place, size, sector) in the denominator's spend."""

    known_pence: Pence
    unknown_pence: Pence
    coverage: Fraction
    enough_evidence: bool
    payees_carrying_unknown: Absent[PayeesCarrying]
    next_step: Absent[str | None] = Field(description="Below min_coverage: what to supply, in one line.")


class Coverage(Strict):
    place: Absent[FamilyCoverage]
    size: Absent[FamilyCoverage]
    sector: Absent[FamilyCoverage]


MinCoverage = Annotated[float, Field(description="[headline] min_coverage: a share is stated "
                                                 "when its family is known for at least this "
                                                 "share of the spend.")]


class SizeRule(Strict):
    id: str
    name: str


class ClassifyHeadline(Strict):
    """Shares of influenceable spend (the sectors in excluded_sectors left out)."""

    influenceable_pence: Pence
    influenceable_payees: int
    excluded_sectors: list[Literal["public", "individual", "vcfse", "private", "unknown"]]
    excluded_pence: dict[str, Pence]
    local_share: Share
    sub_regional_share: Share
    local_or_sub_regional_share: Share
    sme_share: Share
    vcfse_share: Share
    unknown_place_share: Share
    unknown_size_share: Share
    unknown_sector_share: Share
    size_rule: SizeRule
    vcfse_includes_guarantee_companies: bool
    min_coverage: MinCoverage
    measures: Measures
    coverage: Coverage


class Bases(Strict):
    """What each section's shares are of, in words."""

    headline: str
    geography: str
    size: str
    sector: str
    cross: str


class Cross(Strict):
    geography_by_size: GeographyBySize  # type: ignore[valid-type]
    geography_by_sector: GeographyBySector  # type: ignore[valid-type]


class ClassifyDocument(Strict):
    """`spendkit classify --format json`: the figures of a classification, reconciled."""

    schema_version: version(2)  # type: ignore[valid-type]
    spendkit_version: str
    inputs: list[Input]
    supplier_file: SupplierFile | None
    postcode_directory: str
    registers: list[RegisterUsed]
    place: Place
    reconciliation: Reconciliation
    geography: Geography  # type: ignore[valid-type]
    size: Size  # type: ignore[valid-type]
    sector: Sector  # type: ignore[valid-type]
    headline: ClassifyHeadline
    cross: Cross
    bases: Bases
    list_payees: str = Field(description="The command that lists the payees, largest first, "
                                         "with the facts each lacks.")


# ---------------------------------------------------------------- the report document

class RowsPence(Strict):
    rows: int
    pence: Pence


class Period(Strict):
    """The period counted, and what it leaves out."""

    from_: str | None = Field(alias="from", description="ISO date, or null: from the start.")
    to: str | None = Field(description="ISO date, or null: to the end.")
    label: str
    outside: RowsPence
    undated: RowsPence
    partly_inside: RowsPence = Field(description="Rows whose period is only partly inside "
                                                 "(counted as outside).")


class ReportMethod(Strict):
    period: str
    shares_of: str
    duplicates: str
    place: Place
    postcode_directory: str
    supplier_file: SupplierFile | None
    spendkit_version: str
    registers: Absent[list[RegisterUsed]]
    size_rule: Absent[SizeRule]
    vcfse_includes_guarantee_companies: Absent[bool]


class ReportReconciliation(Strict):
    """Counted = reported + duplicates dropped + outside the period + undated left out."""

    rows_counted: int
    pence_counted: Pence
    duplicates_dropped: RowsPence
    outside_period: RowsPence
    undated_left_out: RowsPence
    rows_reported: int
    pence_reported: Pence
    balanced: bool


class PenceShare(Strict):
    pence: Pence
    share: Share


class ReportHeadline(Strict):
    shares_of: Literal["all", "influenceable"]
    shares_of_text: str
    denominator_pence: Pence
    pence: Pence
    min_coverage: MinCoverage
    local: MeasureFigure
    local_or_sub_regional: MeasureFigure
    sme: Absent[MeasureFigure]
    vcfse: Absent[MeasureFigure]
    coverage: Coverage


class ReportClasses(Strict):
    geography: Geography  # type: ignore[valid-type]
    size: Absent[Size]  # type: ignore[valid-type]
    sector: Absent[Sector]  # type: ignore[valid-type]


class Group(Strict):
    group: str
    rows: int
    payees: int
    pence: Pence
    classes: dict[str, PenceShare] = Field(description="Class -> pence and share of the group.")


class Breakdown(Strict):
    family: Family
    by: str
    groups: list[Group]


def _trend(name: str, yoy: bool) -> type[Strict]:
    """One period's headline shares: local and local or sub-regional always, SME and VCFSE when
    the rows have them; the change on the period before (and on the same month a year before)."""
    fields: dict[str, Any] = {"period": (str, ...), "rows": (int, ...), "pence": (Pence, ...)}
    for m in ("local", "local_or_sub_regional", "sme", "vcfse"):
        always = m in ("local", "local_or_sub_regional")
        for suffix, kind in (("pence", Pence), ("share", Share), ("coverage", Fraction),
                             ("change_pp", float | None),
                             *((("yoy_pp", float | None),) if yoy else ())):
            fields[f"{m}_{suffix}"] = (kind, ...) if always else (Absent[kind], None)  # type: ignore[misc,valid-type]
    return create_model(name, __base__=Strict, **fields)  # type: ignore[no-any-return]


MonthlyTrend = _trend("MonthlyTrend", yoy=True)
YearlyTrend = _trend("YearlyTrend", yoy=False)


class Trends(Strict):
    shares_of: Literal["all", "influenceable"]
    undated: RowsPence
    min_coverage: MinCoverage
    monthly: list[MonthlyTrend]  # type: ignore[valid-type]
    yearly: list[YearlyTrend]  # type: ignore[valid-type]


class DuplicateRow(Strict):
    source_file: str
    source_row: int
    transaction_id: str
    payee: str
    amount_pence: Pence


class Duplicates(Strict):
    rows: int
    pence: Pence
    kept: bool
    rows_listed: list[DuplicateRow] = Field(description="The first 100.")


class LM3(Strict):
    lm3: float | None
    r1_pence: Pence
    r2_pence: Pence
    r3_pence: Pence
    local_pence_without_share: Pence
    estimate: bool
    label: str
    formula: str


class ReportDocument(Strict):
    """`spendkit report --format json`: the report's figures, with the classification's."""

    schema_version: version(2)  # type: ignore[valid-type]
    command: Literal["report"]
    spendkit_version: str
    method: ReportMethod
    period: Period
    reconciliation: ReportReconciliation
    headline: ReportHeadline
    classes: ReportClasses
    breakdowns: list[Breakdown]
    trends: Trends
    duplicates: Duplicates
    notes: list[str]
    classification: ClassifyDocument
    lm3: Absent[LM3]


# ---------------------------------------------------------------- the rank document

class RankMethod(Strict):
    period: str
    supplier: str
    shares: str
    leakage: str
    place: str
    postcode_directory: str
    registers: Absent[list[RegisterUsed]]


class Concentration(Strict):
    """How many suppliers, largest first, make up target of the spend."""

    target: float
    suppliers: int
    of: int
    pence: Pence
    total_pence: Pence


class Supplier(Strict):
    rank: int
    payee: str
    payee_key: str
    pence: Pence
    rows: int
    share: Share
    cumulative_share: Share
    geography: Absent[str]
    district_name: Absent[str]
    postcode: Absent[str]
    size_band: Absent[str]
    sme: Absent[Literal["yes", "no", "unknown"]]
    sector: Absent[str]


class Ranked(Strict):
    key: str = Field(description="all, FAMILY=CLASS (geography=local...) or sme.")
    title: str
    suppliers: list[Supplier]


class LeakageRow(Strict):
    category: str
    local_pence: Pence
    local_suppliers: int
    non_local_pence: Pence
    largest_non_local: str
    largest_non_local_pence: Pence
    largest_non_local_place: str


class Leakage(Strict):
    category: str = Field(description="The column the categories are from.")
    rows: list[LeakageRow]


class RankDocument(Strict):
    """`spendkit rank --format json`: suppliers ranked, concentration, leakage, the CLES view."""

    schema_version: version(1)  # type: ignore[valid-type]
    command: Literal["rank"]
    spendkit_version: str
    method: RankMethod
    period: Period
    pence: Pence
    suppliers: int
    concentration: Concentration
    rankings: list[Ranked]
    leakage: Leakage
    cles: list[Supplier]
    coverage: Coverage


# ---------------------------------------------------------------- the league document

class LeagueMethod(Strict):
    name: Literal["spendkit", "tussell"]
    description: str
    period: str
    shares_of: str
    ranking: str
    rank_interval: str
    min_coverage: str
    sub_regional: str
    published_shares: str
    manifest: str
    title: str


class Rank(Strict):
    rank: int
    of: int
    best: int = Field(description="The rank with its unknowns all in and every other's all out.")
    worst: int = Field(description="The rank with its unknowns all out and every other's all in.")
    text: str = Field(description="'3rd of 5'.")
    interval_text: str = Field(description="'2nd-4th of 5'.")


def _per_measure(name: str, value: Any, doc: str) -> type[Strict]:
    """A model with one optional field per league measure (local, sub_regional, sme, vcfse)."""
    fields = {m: (Absent[value], None) for m in get_args(Measure)}  # type: ignore[misc,valid-type]
    model = create_model(name, __base__=Strict, **fields)  # type: ignore[call-overload]
    model.__doc__ = doc
    return model  # type: ignore[no-any-return]


MeasureCoverage = _per_measure("MeasureCoverage", Fraction, "Per measure: the share of spend known.")
Bounds = Annotated[list[float | None], Field(min_length=2, max_length=2,
                                             description="[low, high].")]


MeasureBounds = _per_measure("MeasureBounds", Bounds, "Per measure: [low, high].")
NotRanked = _per_measure("NotRanked", str, "Per measure: why it is listed but not ranked.")
Shares = _per_measure("Shares", Share, "Per measure: the share (null when not ranked for want "
                                       "of evidence).")
Ranks = _per_measure("Ranks", Rank, "Per measure: the rank and its interval.")


class LeagueEntry(Strict):
    name: str
    source: Literal["ledgers", "published"]
    place: list[str] | None
    pence: Pence | None
    denominator_pence: Pence | None
    rows: int | None
    shares: Shares  # type: ignore[valid-type]
    ranks: Ranks  # type: ignore[valid-type]
    coverage: MeasureCoverage = Field(  # type: ignore[valid-type]
        description="Published shares: {} (taken as exact).")
    bounds: MeasureBounds  # type: ignore[valid-type]
    not_ranked: NotRanked = Field(  # type: ignore[valid-type]
        description="Why a measure is listed but not ranked.")
    notes: list[str]


class LeagueDocument(Strict):
    """`spendkit league --format json`: organisations ranked by their shares."""

    schema_version: version(2)  # type: ignore[valid-type]
    command: Literal["league"]
    spendkit_version: str
    method: LeagueMethod
    measures: list[Measure]
    organisations: list[LeagueEntry]
    sentences: list[str]


DOCUMENTS: dict[str, type[Strict]] = {
    "classify": ClassifyDocument, "report": ReportDocument, "rank": RankDocument,
    "league": LeagueDocument,
}


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a command's document: classify, report, rank, league."""
    model = DOCUMENTS[name]
    out: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    out.update(model.model_json_schema(by_alias=True, mode="serialization"))
    return out


def validate(name: str, document: dict[str, Any]) -> Strict:
    """The document read into its model (a pydantic ValidationError if it does not fit)."""
    return DOCUMENTS[name].model_validate(document, strict=True)
