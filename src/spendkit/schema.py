"""The vocabulary every stage shares: the classes a payee is put in, their labels, and the
columns each stage hands on to the next (the column contract, written once here).

Column contract. The ledger's own columns ride along untouched from ``read`` to the counted
rows (one that clashes with a name below is kept as ``NAME (ledger)``); each stage adds,
and drops, only these:

=====================================  ==========================================================
stage (function)                       columns of the rows it hands on
=====================================  ==========================================================
normalise (``normalise.ledger``        adds ``LEDGER_COLUMNS`` (payee ... source_row) and the
``.to_ledger``: ``Ledger.rows``)       helper ``postcode_raw`` (``NORMALISE_HELPERS``)
supplier file (``reference.suppliers   adds the helpers ``supplier_row`` (the supplier file's row,
.join_suppliers``; with a file only)   -1 when none) and ``supplier_match`` (how it matched)
registers (``decide.rows               adds ``REGISTRY_KEPT`` (org_id, match_method,
.registry_rows``; with registers)      match_evidence, reg_registry) and the helpers
                                       ``REGISTRY_HELPERS`` (reg_postcode, reg_label,
                                       reg_legal_form, reg_accounts_category,
                                       reg_income_pounds, reg_status,
                                       reg_sme_declared, reg_vcse_declared)
decide: place (``decide.place          drops ``postcode_raw``; adds ``PLACE_COLUMNS``
.place_rows``)
decide: organisation (``decide.rows    drops every helper (``DECIDE_HELPERS``); adds
.organisation_rows``)                  ``ORGANISATION_COLUMNS``
=====================================  ==========================================================

So the counted rows of ``spendkit.classify(...)`` (``Result.rows``) are the ledger's columns,
``LEDGER_COLUMNS``, ``REGISTRY_KEPT`` (with registers), ``PLACE_COLUMNS`` and
``ORGANISATION_COLUMNS``, and no helper. Rejected rows (``Ledger.rejected``) are the ledger's
columns plus ``REJECTED_COLUMNS``. The Spark engine writes the same columns, with the types
given here (``tests/test_schema.py`` checks the contract at each boundary).
"""

from __future__ import annotations

GEOGRAPHY_CLASSES = ("local", "sub_regional", "regional", "national", "outside_uk", "unknown")
SIZE_CLASSES = ("micro", "small", "medium", "sme", "large", "unknown")
SECTOR_CLASSES = ("vcfse", "private", "public", "individual", "unknown")

LABELS = {
    "local": "Local", "sub_regional": "Sub-regional", "regional": "Regional",
    "national": "National", "outside_uk": "Outside UK", "unknown": "Unknown",
    "micro": "Micro", "small": "Small", "medium": "Medium", "sme": "SME (band unknown)",
    "large": "Large", "vcfse": "VCFSE", "private": "Private", "public": "Public bodies",
    "individual": "Individuals",
}

# Headers for spendkit's own columns where people read them (the report workbook); the files
# of rows (classify --out) keep the column names above, which programs rely on.
COLUMN_LABELS = {
    "payee": "Payee", "amount": "Amount £", "amount_pence": "Amount (pence)",
    "payment_date": "Payment date", "period_end": "Period end", "supplier_id": "Supplier id",
    "department": "Department", "expense_type": "Expense type", "transaction_id": "Transaction id",
    "company_number": "Company number", "charity_number": "Charity number",
    "vat_number": "VAT number", "sme_flag": "SME flag (ledger)", "vcse_flag": "VCSE flag (ledger)",
    "source_file": "Source file", "source_sheet": "Source sheet", "source_row": "Source row",
    "postcode": "Postcode", "postcode_source": "Postcode from", "district_code": "District code",
    "district_name": "District", "geography": "Place", "geography_evidence": "Place evidence",
    "size_band": "Size", "size_evidence": "Size evidence", "size_strength": "Size evidence strength",
    "size_conflict": "Size conflict", "sme": "SME", "sector": "Sector",
    "sector_evidence": "Sector evidence", "sector_strength": "Sector evidence strength",
    "sector_conflict": "Sector conflict", "influenceable": "Influenceable",
    "org_id": "Organisation id", "match_method": "Register match",
    "match_evidence": "Register match evidence", "reg_registry": "Register",
    "amount_text": "Amount as written", "reason": "Reason rejected", "in_report": "In the report",
}
CLASS_COLUMNS = ("geography", "size_band", "sector")  # columns whose values are classes

# (name, type) in output order; types: string, int64, bool, timestamp (what the Spark engine's
# Arrow and Parquet schema use; pandas holds text as str or category, bool/boolean).
LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("payee", "string"), ("payee_key", "string"), ("amount_pence", "int64"),
    ("payment_date", "timestamp"),  # the day paid, or the first day of the period the cell names
    ("period_end", "timestamp"),  # the last day of that period (= payment_date for a day)
    ("supplier_id", "string"), ("department", "string"),
    ("expense_type", "string"), ("transaction_id", "string"), ("company_number", "string"),
    ("charity_number", "string"), ("vat_number", "string"), ("sme_flag", "string"), ("vcse_flag", "string"),
    ("source_file", "string"), ("source_sheet", "string"), ("source_row", "int64"))
PLACE_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (c, "string") for c in ("postcode", "postcode_source", "district_code", "district_name",
                            "geography", "geography_evidence"))
ORGANISATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("size_band", "string"), ("size_evidence", "string"), ("size_strength", "string"),
    ("size_conflict", "string"), ("sme", "bool"), ("sector", "string"),
    ("sector_evidence", "string"), ("sector_strength", "string"), ("sector_conflict", "string"),
    ("influenceable", "bool"))
REJECTED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_file", "string"), ("source_sheet", "string"), ("source_row", "int64"),
    ("amount_pence", "int64"), ("amount_text", "string"), ("reason", "string"))

# Helper columns: they ride between steps and never reach the counted rows.
NORMALISE_HELPERS = ("postcode_raw",)  # normalise -> place_rows (which drops it)
SUPPLIER_HELPERS = ("supplier_row", "supplier_match")  # join_suppliers -> place, organisation
REGISTRY_KEPT = ("org_id", "match_method", "match_evidence", "match_candidates", "reg_registry")
REGISTRY_HELPERS = ("reg_postcode", "reg_label", "reg_legal_form", "reg_accounts_category",
                    "reg_income_pounds", "reg_status", "reg_sme_declared", "reg_vcse_declared")  # registry_rows -> place, organisation
REGISTRY_COLUMNS = (*REGISTRY_KEPT, *REGISTRY_HELPERS[2:])  # a register match's columns
DECIDE_HELPERS = (*SUPPLIER_HELPERS, *REGISTRY_HELPERS)  # organisation_rows drops them


def names(columns: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """The names of a (name, type) column list."""
    return tuple(n for n, _ in columns)
