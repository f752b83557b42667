"""``spendkit.rank``: the ranking API by its documented path (see ``spendkit.api``)."""

from spendkit.aggregate.rank import Ranking, rank_result
from spendkit.api import rank as make_ranking

__all__ = ["Ranking", "make_ranking", "rank_result"]
