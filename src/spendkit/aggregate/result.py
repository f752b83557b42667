"""What a classification returns: the counted rows (the ledger's columns plus each row's
classes and evidence), the rejected rows with their reasons, and how they were decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from spendkit.aggregate.display import Display, Displayed, classify_display
from spendkit.aggregate.summary import summarise
from spendkit.config import Settings
from spendkit.reference.districts import Districts, Place

if TYPE_CHECKING:
    from spendkit.aggregate.documents import ClassifyDocument, ClassifyHeadline, Reconciliation


@dataclass(repr=False)
class Result(Displayed):
    """What ``spendkit.classify`` returns: the counted rows (``rows``: the ledger's columns,
    the classes and evidence), the rejected rows with their reasons (``rejected``), and how they
    were decided (``inputs``, ``place``, ``settings``...). The figures: ``summary()`` (the
    classify document, a dict), ``document()`` (the same, typed), ``headline`` and
    ``reconciliation``."""

    rows: pd.DataFrame
    rejected: pd.DataFrame
    inputs: list[dict[str, Any]]
    place: Place
    districts: Districts
    directory: str
    settings: Settings = field(default_factory=Settings)
    suppliers: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)  # what reading the reference data found (registers)
    registers: list[dict[str, Any]] = field(default_factory=list)  # the registers used, and their dates

    def summary(self) -> dict[str, Any]:
        """The classify document (`spendkit classify --format json`), as a dict."""
        return summarise(self)

    def document(self) -> ClassifyDocument:
        """The classify document, typed: ``result.document().geography.local.pence``."""
        from spendkit.aggregate.documents import validate

        return validate("classify", self._figures())  # type: ignore[return-value]

    @property
    def headline(self) -> ClassifyHeadline:
        """The committee's figures: local, SME and VCFSE shares of influenceable spend."""
        return self.document().headline

    @property
    def reconciliation(self) -> Reconciliation:
        """Rows and pence read = counted + rejected (``balanced``), rejections by reason."""
        return self.document().reconciliation

    def _figures(self) -> dict[str, Any]:
        """summary(), counted once for these rows (a notebook shows a result several times)."""
        key = (id(self.rows), id(self.rejected), len(self.rows), len(self.rejected))
        cached = self.__dict__.get("_summary")
        if cached is None or cached[0] != key:
            self.__dict__["_summary"] = cached = (key, self.summary())
        return cached[1]  # type: ignore[no-any-return]

    def _display(self) -> Display:
        return classify_display(self._figures())
