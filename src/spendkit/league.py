"""``spendkit.league``: the league-table API by its documented path (see ``spendkit.api``)."""

from spendkit.aggregate.league import LeagueTable, load_manifest
from spendkit.api import league as make_league

__all__ = ["LeagueTable", "load_manifest", "make_league"]
