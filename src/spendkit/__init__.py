"""spendkit: where does public money go? Payment ledgers classified by place, to the penny.

The API is imported lazily so that ``spendkit --help`` stays instant.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Settings", "classify", "save"]


def __getattr__(name: str) -> Any:
    if name == "classify":
        from spendkit.api import classify

        return classify
    if name == "save":
        from spendkit.api import save

        return save
    if name == "Settings":
        from spendkit.config import Settings

        return Settings
    raise AttributeError(name)
