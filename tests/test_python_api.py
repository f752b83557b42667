"""The Python API as a notebook user meets it: the public names, help text, keyword names the
same as the command line's options, a DataFrame as a ledger, short reprs and notebook
displays, one typed result per command, and docs/python-api.md run as written."""

from __future__ import annotations

import inspect
import re
import shutil
from html.parser import HTMLParser
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import typer

import spendkit
import spendkit.cli
from spendkit.errors import ColumnError, ConfigError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def base(samples: Path) -> dict[str, Any]:
    return {"place": "Wigan", "suppliers": samples / "suppliers.csv"}


# ---------------------------------------------------------------- discoverable

def test_version_and_names() -> None:
    assert spendkit.__version__ == version("spendkit")
    shown = dir(spendkit)
    for name in ("classify", "make_report", "make_ranking", "make_league", "save", "json_schema",
                 "Result", "Report", "Ranking", "LeagueTable", "Settings", "__version__"):
        assert name in spendkit.__all__ and name in shown
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = spendkit.no_such_name


@pytest.mark.parametrize("name", ["classify", "make_report", "make_ranking", "make_league",
                                  "save", "json_schema"])
def test_docstrings_say_parameters_and_returns(name: str) -> None:
    doc = inspect.getdoc(getattr(spendkit, name)) or ""
    assert len(doc.splitlines()) >= 3, doc
    if name.startswith(("classify", "make_")):
        assert "Parameters:" in doc and "Returns:" in doc, doc
    for kind in ("Result", "Report", "Ranking", "LeagueTable"):
        assert len(inspect.getdoc(getattr(spendkit, kind)) or "") > 80


# The command line's options that say where output goes, not how to count: not API keywords.
OUTPUT_ONLY = {"outs", "out", "format", "quiet", "max_rejected", "engine", "encoding"}
COMMANDS = {"classify": "classify", "report": "make_report", "rank": "make_ranking",
            "league": "make_league"}


@pytest.mark.parametrize("command", COMMANDS)
def test_keyword_names_are_the_options_names(command: str) -> None:
    """Every option of `spendkit COMMAND` that changes the figures is a keyword of its function."""
    from spendkit.api import SettingOptions

    click_command = typer.main.get_command(spendkit.cli.app).commands[command]  # type: ignore[attr-defined]
    options = {p.name for p in click_command.params if p.param_type_name == "option"} - OUTPUT_ONLY
    function = getattr(spendkit, COMMANDS[command])
    signature = inspect.signature(function).parameters
    takes_settings = any(p.kind is p.VAR_KEYWORD for p in signature.values())
    accepted = set(signature) | (set(SettingOptions.__annotations__) if takes_settings else set())
    assert options and options <= accepted, options - accepted


def test_size_rule_and_friends_by_their_option_names(samples: Path, base: dict[str, Any]) -> None:
    result = spendkit.classify(samples / "ledger.csv", **base, size_rule="eu-2003-361",
                               guarantee_is_vcfse=True, sub_regional="Greater Manchester")
    doc = result.summary()
    assert doc["headline"]["size_rule"]["id"] == "eu-2003-361"
    assert doc["headline"]["vcfse_includes_guarantee_companies"] is True
    assert doc["place"]["sub_regional_basis"].startswith("named list: Greater Manchester")
    with pytest.raises(TypeError, match="size_rul'"):
        spendkit.classify(samples / "ledger.csv", place="Wigan", size_rul="eu-2003-361")  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match=r"classify\(\) keyword size_rule: .*eu-2003-361"):
        spendkit.classify(samples / "ledger.csv", place="Wigan", size_rule="eu")  # type: ignore[arg-type]


def test_column_as_on_the_command_line(tmp_path: Path) -> None:
    ledger = tmp_path / "odd.csv"
    ledger.write_text("Who,How Much,When\nAcme Ltd,10.00,03/04/2024\n", encoding="utf-8")
    result = spendkit.classify(ledger, place="Wigan", column=["payee=Who", "amount=How Much"])
    assert result.rows["payee"].tolist() == ["Acme Ltd"]
    assert result.rows["amount_pence"].tolist() == [1000]
    assert spendkit.classify(ledger, place="Wigan", column="payee=Who",
                             columns={"amount": "How Much"}).rows["amount_pence"].tolist() == [1000]


# ---------------------------------------------------------------- a DataFrame as a ledger

def test_a_dataframe_is_a_ledger(samples: Path, base: dict[str, Any], result) -> None:
    frame = pd.read_csv(samples / "ledger.csv", encoding="cp1252")
    from_frame = spendkit.classify(frame, **base)
    ours, theirs = from_frame.summary(), result.summary()
    for section in ("geography", "size", "sector", "headline", "cross"):
        assert ours[section] == theirs[section], section
    rec, expected = ours["reconciliation"], theirs["reconciliation"]
    assert {k: rec[k] for k in ("rows_read", "rows_counted", "rows_rejected", "pence_read",
                                "pence_counted", "balanced")} == \
        {k: expected[k] for k in ("rows_read", "rows_counted", "rows_rejected", "pence_read",
                                  "pence_counted", "balanced")}
    assert set(from_frame.rows["source_file"].astype(str)) == {"<DataFrame>"}
    assert ours["inputs"][0]["file"] == "<DataFrame>"


def test_dataframes_and_files_together(samples: Path, tmp_path: Path) -> None:
    a = pd.DataFrame({"Supplier Name": ["Acme Ltd", "Bolt Ltd"], "Amount": [10.0, 5.25],
                      "Date": pd.to_datetime(["2024-04-03", "2024-04-04"]),
                      "Postcode": ["WN1 1YN", "BL1 1RU"]})
    b = pd.DataFrame({"Supplier Name": ["Credit Ltd"], "Amount": ["-1.25"], "Date": ["05/04/2024"],
                      "Postcode": ["WN1 1YN"]})
    f = tmp_path / "c.csv"
    f.write_text("Supplier Name,Amount,Date,Postcode\nDee Ltd,1.00,06/04/2024,WN1 1YN\n", encoding="utf-8")
    result = spendkit.classify([a, f, b], place="Wigan")
    rows = result.rows.set_index("payee")
    assert rows["amount_pence"].to_dict() == {"Acme Ltd": 1000, "Bolt Ltd": 525, "Dee Ltd": 100,
                                              "Credit Ltd": -125}
    assert rows["source_file"].astype(str).to_dict() == {
        "Acme Ltd": "<DataFrame 1>", "Bolt Ltd": "<DataFrame 1>", "Dee Ltd": str(f),
        "Credit Ltd": "<DataFrame 2>"}
    assert rows.loc["Acme Ltd", "payment_date"] == pd.Timestamp("2024-04-03")
    assert result.headline.local_share == round((1000 + 100 - 125) / (1000 + 525 + 100 - 125), 6)


def test_a_dataframe_without_a_payee_column_is_named_in_the_error() -> None:
    with pytest.raises(ColumnError, match="<DataFrame>"):
        spendkit.classify(pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}), place="Wigan")
    from spendkit.read import files

    assert not files._IN_MEMORY  # forgotten once the call is over, even on an error


def test_a_dataframe_to_report_and_rank(samples: Path, base: dict[str, Any]) -> None:
    frame = pd.read_csv(samples / "ledger.csv", encoding="cp1252")
    rep = spendkit.make_report(frame, **base, fy="2024/25", by=["quarter"])
    assert rep.document().reconciliation.balanced
    assert spendkit.make_ranking(frame, **base, top=3).overall["rank"].tolist() == [1, 2, 3]


# ---------------------------------------------------------------- results: repr, notebook, typed

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _shows(thing: Any, *expected: str) -> None:
    text = repr(thing)
    assert text.startswith(f"<spendkit.{type(thing).__name__}: ") and len(text) < 400, text
    assert "DataFrame" not in text and "\n" not in text
    markdown = thing._repr_markdown_()
    assert "|---|---:|" in markdown
    parser = _Tags()
    parser.feed(thing._repr_html_())
    assert not parser.open and "<table>" in thing._repr_html_()
    for words in expected:
        assert words in text and words in markdown and words in "".join(parser.text), words


def test_result(result) -> None:
    doc = result.summary()
    _shows(result, "2,994 rows counted (£40,215,717.66)", "place Wigan", "16.1%", "VCFSE")
    assert result.headline.local_share == doc["headline"]["local_share"]
    assert result.reconciliation.rows_rejected == doc["reconciliation"]["rows_rejected"]
    assert result.document().geography.local.pence == doc["geography"]["local"]["pence"]
    assert result.document().reconciliation.dates is not None
    assert result.document().reconciliation.dates.from_ == doc["reconciliation"]["dates"]["from"]


def test_report_ranking_league(samples: Path, base: dict[str, Any], tmp_path: Path) -> None:
    rep = spendkit.make_report(samples / "ledger.csv", **base, fy="2024/25")
    _shows(rep, "financial year 2024/25", "16.1%")
    assert [b.by for b in rep.breakdowns][:1] == ["department"]  # the command line's default
    assert rep.document().headline.local.share == rep.headline["local"]["share"]
    ranking = spendkit.make_ranking(samples / "ledger.csv", **base, top=5)
    _shows(ranking, "222 suppliers", "1. Calderstone Care Group PLC")
    assert ranking.document().concentration.suppliers == ranking.concentration["suppliers"]
    (tmp_path / "peers.csv").write_text("name,local_share\nPeer A,20%\nPeer B,10%\n", encoding="utf-8")
    table = spendkit.make_league(tmp_path / "peers.csv")
    _shows(table, "2 organisation(s)", "Peer A")
    assert table.document().organisations[0].ranks.local.text == "1st of 2"  # type: ignore[union-attr]


def test_long_tables_are_cut_in_the_display() -> None:
    from spendkit.aggregate.display import Display

    shown = Display("LeagueTable", ["311 organisation(s)"], [(f"Org {i}", "1st") for i in range(311)],
                    ("Organisation", "Local spend"))
    assert shown.text().count("Org ") == 4 and "… 307 more" in shown.text()
    assert shown.markdown().count("| Org ") == 20 and "… 291 more" in shown.markdown()
    assert "a|b" not in Display("Result", ["a|b"], [("x|y", "1")]).markdown()


# ---------------------------------------------------------------- the documentation, run

def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", path.read_text(encoding="utf-8"), re.M | re.S)


def test_python_api_md_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/python-api.md's code blocks, one after another as in a notebook, in a folder with
    the sample data; the values its comments promise are checked."""
    shutil.copytree(ROOT / "data" / "samples", tmp_path / "data" / "samples")
    monkeypatch.chdir(tmp_path)
    blocks = _python_blocks(ROOT / "docs" / "python-api.md")
    assert len(blocks) >= 3
    space: dict[str, Any] = {}
    for block in blocks:
        exec(compile(block, "docs/python-api.md", "exec"), space)
    assert space["result"].headline.local_share == 0.161008
    assert space["report"].document().headline.local.share == 0.161008
    assert (tmp_path / "report.xlsx").is_file()
    assert space["ranking"].document().concentration.suppliers > 0


def test_settings_sections_by_keyword(samples: Path) -> None:
    """A spendkit.toml section as a dict merges into the settings; an option by name wins."""
    from spendkit.api import settings_for

    merged = settings_for(organisations={"guarantee_is_vcfse": True}, size_rule="eu-2003-361",
                          dates={"unreadable": "keep"})
    assert merged.organisations.guarantee_is_vcfse is True
    assert merged.organisations.size_rule == "eu-2003-361"
    assert merged.dates.unreadable == "keep"
    named = settings_for(organisations={"size_rule": "islington-2020"}, size_rule="eu-2003-361")
    assert named.organisations.size_rule == "eu-2003-361"
