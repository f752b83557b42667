"""Money is held as integer pence (int64), never summed as binary floats; this module turns it
into text: '£1,234.56' for people, '1234.56' for files, and shares as percentages, and says
whether a run's amounts can be summed exactly in int64 at all.

Why sums cannot overflow: a single amount is at most ``MAX_PAYMENT_PENCE`` (larger cells are
rejected when read), so the rows of any table up to 1,048,576 rows (a worksheet's limit, and
more than a part of a streamed file) sum within int64 nine times over; and before any figure is
made, the sum of the absolute amounts of a whole run is checked (``abs_total``): when it fits in
int64, so does every sum or subtotal of those amounts, in any order and either engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# £10bn: more than any one payment in a UK public ledger (the largest, grant-in-aid from a
# department to the NHS or a funding body, run to a few £bn), so a larger cell is a broken one.
MAX_PAYMENT_PENCE = 10**12
INT64_MAX = 2**63 - 1
_BLOCK = 2**20  # amounts summed per block: 2**20 * MAX_PAYMENT_PENCE < 2**63


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


def abs_total(pence: np.ndarray) -> int:
    """The exact sum of |pence| (a Python int, however large), summed in int64 blocks that
    cannot overflow (each amount is within ``MAX_PAYMENT_PENCE``)."""
    import numpy as np

    values = np.abs(np.asarray(pence, dtype=np.int64))
    return sum(int(values[i:i + _BLOCK].sum()) for i in range(0, len(values), _BLOCK))
