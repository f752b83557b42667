"""`spendkit schema NAME`: the JSON Schema of a command's JSON document, on stdout."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from spendkit.cli.app import app, user_errors


class Document(StrEnum):
    classify = "classify"
    report = "report"
    rank = "rank"
    league = "league"


@app.command(short_help="The JSON Schema of a command's --format json document.")
def schema(
    name: Annotated[Document, typer.Argument(
        help="The command whose document it describes.", show_default=False,
        metavar="classify|report|rank|league")],
) -> None:
    """Print the JSON Schema (draft 2020-12) of the document a command prints with --format
    json, to validate it or generate code from it (see docs/json-schema.md)."""
    with user_errors():
        from spendkit import api
        from spendkit.output.export import to_json

        sys.stdout.write(to_json(api.json_schema(name.value)))
        sys.stdout.flush()
