"""Money is held as integer pence (int64), never summed as binary floats; this module turns it
into text: '£1,234.56' for people, '1234.56' for files, and shares as percentages."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def money(pence: int) -> str:
    """Exact £ text: -123456 -> '-£1,234.56'."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def pounds(pence: pd.Series) -> pd.Series:
    """int64 pence -> exact decimal text '-1234.56'."""
    import numpy as np
    import pandas as pd

    p = pence.astype(np.int64)
    a = p.abs()
    sign = pd.Series(np.where(p < 0, "-", ""), index=p.index)
    return sign + (a // 100).astype("str") + "." + (a % 100).astype("str").str.zfill(2)
