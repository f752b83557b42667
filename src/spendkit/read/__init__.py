"""Files -> raw tables of text: formats decided by content, headers found below titles."""

from spendkit.read.files import RestartWhole, iter_tables, read_tables, sniff_format
from spendkit.read.table import RawTable

__all__ = ["RawTable", "RestartWhole", "iter_tables", "read_tables", "sniff_format"]
