"""spendkit: where does public money go? Payment ledgers classified by place, to the penny.

    import spendkit
    result = spendkit.classify("ledger.csv", place="Wigan", suppliers="suppliers.csv")
    result.headline.local_share               # 0.161008
    rep = spendkit.make_report("ledger.csv", place="Wigan", fy="2024/25")
    spendkit.save(rep, "report.xlsx")

One function per command, its keyword names the command line's options (``size_rule=`` for
``--size-rule``, ``date_from=`` for ``--from``); each returns one type with typed accessors:

    classify      -> Result       (spendkit classify)
    make_report   -> Report       (spendkit report)
    make_ranking  -> Ranking      (spendkit rank)
    make_league   -> LeagueTable  (spendkit league)
    save(thing, path)             (--out: .xlsx, .html, .json, .csv, .parquet)
    json_schema(command)          (spendkit schema)

See docs/python-api.md. The API is imported lazily so that ``spendkit --help`` stays instant.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "LeagueTable",
    "Ranking",
    "Report",
    "Result",
    "Settings",
    "SpendkitError",
    "__version__",
    "classify",
    "json_schema",
    "make_league",
    "make_ranking",
    "make_report",
    "save",
]

_API = {"classify": "classify", "make_report": "report", "make_ranking": "rank",
        "make_league": "league", "save": "save", "json_schema": "json_schema"}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("spendkit")
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "0+unknown"
    if name in _API:
        from spendkit import api

        return getattr(api, _API[name])
    if name == "Settings":
        from spendkit.config import Settings

        return Settings
    if name == "SpendkitError":
        from spendkit.errors import SpendkitError

        return SpendkitError
    if name == "Result":
        from spendkit.aggregate.result import Result

        return Result
    if name == "Report":
        from spendkit.aggregate.report import Report

        return Report
    if name == "Ranking":
        from spendkit.aggregate.rank import Ranking

        return Ranking
    if name == "LeagueTable":
        from spendkit.aggregate.league import LeagueTable

        return LeagueTable
    raise AttributeError(f"module 'spendkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names, and the documented modules (``spendkit.report``: the report API...)."""
    return sorted({*__all__, "api", "config", "errors", "league", "rank", "report", "spark"})
