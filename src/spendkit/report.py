"""``spendkit.report``: the report API by its documented path (see ``spendkit.api``)."""

from spendkit.aggregate.report import Report, build_report
from spendkit.api import report as make_report

__all__ = ["Report", "build_report", "make_report"]
