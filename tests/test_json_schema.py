"""`spendkit schema NAME` describes exactly the document `spendkit NAME --format json` prints.

Each command is run on the sample ledger (and, where the published ledgers are present, on a
real one), and its JSON is validated with jsonschema against the schema the CLI serves. The
schema forbids keys it does not name, so a field added to a document but not to its model
(``spendkit.aggregate.documents``) fails here, as does a field renamed, removed or retyped."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from spendkit import errors
from tests.helpers import run

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
REAL_LEDGER = REALDATA / "oxford-city" / "expenditure-over-500-apr-jun-2016.csv"
NAMES = ("classify", "report", "rank", "league")


def served(name: str) -> dict[str, Any]:
    result = run("schema", name)
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


SCHEMAS = {name: served(name) for name in NAMES}


def check(name: str, document: dict[str, Any]) -> None:
    """Valid against the served schema, with every error listed if not."""
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
                for e in jsonschema.Draft202012Validator(SCHEMAS[name]).iter_errors(document)]
    assert not problems, "\n".join(problems[:20])


def output(*args: Any) -> dict[str, Any]:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def manifest(folder: Path, ledger: Path, place: str, suppliers: Path | None = None) -> Path:
    (folder / "peers.csv").write_text("name,local_share,sub_regional_share,sme_share,vcfse_share\n"
                                      "Peer A,20%,5%,30%,4%\nPeer B,20%,,25%,\n", encoding="utf-8")
    text = (f'title = "Test"\npeers = "peers.csv"\n[[organisation]]\nname = "Org"\n'
            f'place = "{place}"\nledgers = ["{ledger.as_posix()}"]\n')
    if suppliers is not None:
        text += f'suppliers = "{suppliers.as_posix()}"\n'
    path = folder / "league.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sample_docs(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = [samples / "ledger.csv", "--place", "Wigan", "--suppliers", samples / "suppliers.csv"]
    folder = tmp_path_factory.mktemp("league")
    return {"classify": output("classify", *base), "report": output("report", *base),
            "rank": output("rank", *base),
            "league": output("league", manifest(folder, samples / "ledger.csv", "Wigan",
                                                samples / "suppliers.csv"), "--fy", "2024/25")}


@pytest.mark.parametrize("name", NAMES)
def test_sample_documents_match_their_schema(name: str, sample_docs: dict[str, dict[str, Any]]) -> None:
    check(name, sample_docs[name])


def test_the_report_embeds_the_classify_document(sample_docs: dict[str, dict[str, Any]]) -> None:
    check("classify", sample_docs["report"]["classification"])


@pytest.mark.parametrize("name", NAMES)
def test_drift_is_caught(name: str, sample_docs: dict[str, dict[str, Any]]) -> None:
    """A key the model does not name, a key missing, or money as a float: each one fails."""
    doc = sample_docs[name]
    added = {**copy.deepcopy(doc), "new_field": 1}
    with pytest.raises(jsonschema.ValidationError, match="new_field"):
        jsonschema.validate(added, SCHEMAS[name])
    nested = copy.deepcopy(doc)
    (nested.get("reconciliation") or nested["method"])["extra"] = True
    with pytest.raises(jsonschema.ValidationError, match="extra"):
        jsonschema.validate(nested, SCHEMAS[name])
    missing = {k: v for k, v in doc.items() if k != "spendkit_version"}
    with pytest.raises(jsonschema.ValidationError, match="spendkit_version"):
        jsonschema.validate(missing, SCHEMAS[name])
    if name == "classify":
        floated = copy.deepcopy(doc)
        floated["geography"]["local"]["pence"] = 1.5
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(floated, SCHEMAS[name])


def test_optional_sections(samples: Path, tmp_path: Path) -> None:
    """Totals rows in a ledger, an LM3 estimate, a period: the keys present only then fit too."""
    lines = (samples / "ledger.csv").read_text(encoding="cp1252").splitlines()
    ledger = tmp_path / "with-total.csv"
    ledger.write_text("\n".join([*lines[:40], ",,,,,,Total,"]) + "\n", encoding="cp1252")
    respend = tmp_path / "respend.csv"
    respend.write_text("class,respend\nlocal,40%\n", encoding="utf-8")
    base = [ledger, "--place", "Wigan"]
    doc = output("classify", *base)
    assert "totals_rows" in doc["inputs"][0] and "totals_rows" in doc["reconciliation"]
    check("classify", doc)
    rep = output("report", samples / "ledger.csv", "--place", "Wigan", "--respend", respend,
                 "--fy", "2024/25", "--by", "quarter")
    assert "lm3" in rep
    check("report", rep)
    check("league", output("league", manifest(tmp_path, samples / "ledger.csv", "Wigan"),
                           "--method", "tussell", "--year", "2024"))


def test_the_python_models_read_the_documents(sample_docs: dict[str, dict[str, Any]]) -> None:
    from spendkit.aggregate.documents import validate

    for name in NAMES:
        model = validate(name, sample_docs[name])
        assert model.model_dump(by_alias=True, exclude_none=False)["spendkit_version"]


def test_unknown_schema_name() -> None:
    result = run("schema", "ledger")
    assert result.exit_code == errors.EXIT_USAGE
    assert "classify" in result.output


@pytest.mark.skipif(not REAL_LEDGER.is_file(), reason="the published ledgers are not here")
def test_real_ledger_documents_match_their_schema(tmp_path: Path) -> None:
    base = [REAL_LEDGER, "--place", "Oxford"]
    check("classify", output("classify", *base))
    check("report", output("report", *base, "--by", "expense_type", "--by", "quarter"))
    check("rank", output("rank", *base))
    check("league", output("league", manifest(tmp_path, REAL_LEDGER, "Oxford")))


def test_every_document_is_served() -> None:
    from spendkit.aggregate.documents import DOCUMENTS
    from spendkit.cli.schema import Document

    assert [d.value for d in Document] == list(DOCUMENTS) == list(NAMES)
