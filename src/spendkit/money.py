"""Money is held as integer pence (int64), never summed as binary floats; this module turns it
into text: '£1,234.56' for people, '1234.56' for files, and shares as percentages, and says
whether a run's amounts can be summed exactly in int64 at all.

Why sums cannot overflow: a single amount is at most ``MAX_PAYMENT_PENCE`` (larger cells are
rejected when read, as broken), and before any figure is made the exact sum of the absolute
amounts of the whole run is checked (``abs_total``; the Spark engine sums them as decimals):
when it fits in int64, so does every sum or subtotal of those amounts, in any order and either
engine; when it does not, the run is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# £10bn: more than any one payment in a UK public ledger (the largest, grant-in-aid from a
# department to the NHS or a funding body, run to a few £bn), so a larger cell is a broken one;
# 9.2 million amounts at the cap still sum within int64.
MAX_PAYMENT_PENCE = 10**12
INT64_MAX = 2**63 - 1
_BLOCK = 2**20  # values summed per block in exact_sum


def money(pence: int) -> str:
    """Exact £ text: -123456 -> '-£1,234.56'."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def share(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def pounds(pence: pd.Series) -> pd.Series:
    """int64 pence -> exact decimal text '-1234.56'; "" where the pence are missing (a rejected
    row whose amount could not be read: unknown, not 0.00)."""
    import numpy as np
    import pandas as pd

    missing = pence.isna().to_numpy()
    p = pence.fillna(0).astype(np.int64) if missing.any() else pence.astype(np.int64)
    a = p.abs()
    sign = pd.Series(np.where(p < 0, "-", ""), index=p.index)
    text = sign + (a // 100).astype("str") + "." + (a % 100).astype("str").str.zfill(2)
    return text.where(~missing, "") if missing.any() else text


def abs_total(pence: np.ndarray) -> int:
    """The exact sum of |pence| (a Python int, however large), for any int64 values."""
    import numpy as np

    values = np.asarray(pence, dtype=np.int64)
    return exact_sum(values[values > 0]) - exact_sum(values[values < 0])


def exact_sum(values: np.ndarray) -> int:
    """The exact sum of int64 values (a Python int): each value split into its high and low
    32 bits, each half summed in int64 blocks that cannot overflow (2**20 values of at most
    2**32 each), and the halves joined in Python integers."""
    high, low = values >> 32, values & 0xFFFFFFFF
    return sum(int(high[i:i + _BLOCK].sum()) * 2**32 + int(low[i:i + _BLOCK].sum())
               for i in range(0, len(values), _BLOCK))
