"""read.headers: header words (acronyms split) and what the rows above a header are."""

from __future__ import annotations

import pytest

from spendkit.read.headers import preamble_note, role_rank, words


@pytest.mark.parametrize(("header", "expected"), [
    ("VATRegistrationNumber", ("vat", "registration", "number")),
    ("IrrecoverableVATAmount", ("irrecoverable", "vat", "amount")),
    ("BeneficiaryName", ("beneficiary", "name")),
    ("Name:  ", ("name",)),
])
def test_words_split_acronyms(header: str, expected: tuple[str, ...]) -> None:
    assert words(header) == expected


def test_a_vat_amount_is_no_vat_number() -> None:
    assert role_rank("IrrecoverableVATAmount", "vat_number") == 0
    assert role_rank("VAT RegNo", "vat_number") > 0


@pytest.mark.parametrize(("rows", "kind"), [
    ([["sql select t.apar_id, t.amount"], ["sql where t.client = 'DC'"], ["query"],
      ["", "", "Darlington Borough Council - Analysis of Transactions Over 500"]], "SQL text"),
    ([["Invoices Over Specified Nett Amount"], ["Report Date:", "02/07/2012"], ["Threshold: 500"]],
     "report parameters"),
    ([["Sum of Invoice Nett Amount", ""]], "a pivot table's title"),
    ([["Payments over £500, April 2024"]], "a title"),
])
def test_preamble_kinds(rows: list[list[str]], kind: str) -> None:
    note = preamble_note(rows, len(rows) + 1)
    assert note is not None
    assert note.startswith(f"{len(rows)} row(s) above the header (row {len(rows) + 1}) are not data but {kind}: '")


def test_blank_rows_above_a_header_are_not_noted() -> None:
    assert preamble_note([["", ""], []], 3) is None


def test_a_long_first_line_is_cut_in_the_note() -> None:
    note = preamble_note([["x" * 100]], 2)
    assert note is not None and note.endswith("x" * 57 + "...'")


def test_a_sentence_names_no_role() -> None:
    """A data dictionary's description ("... the total gross income submitted ...") is not an
    amount header, whatever words it holds; a long real header still is."""
    sentence = ("The latest income submitted by the charity. This is the total gross income "
                "submitted on part A of the annual return submission.")
    assert role_rank(sentence, "amount") == 0
    assert role_rank("Voluntary Community and Social Enterprise Supplier", "vcse_flag") > 0
