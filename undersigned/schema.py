"""JSON Schema of each campaign file kind, generated from the models."""

from __future__ import annotations

import json
from pathlib import Path

from .files import write_atomically, write_error

from .campaign.campaign_file import campaign_model
from .model.models import Case, SignatoryList

KINDS = {"campaign": campaign_model, "case": lambda: Case, "signatories": lambda: SignatoryList}
"""File kind -> its model (the campaign's depends on the document kinds)."""


def schema_for(kind: str) -> dict:
    """The JSON Schema (draft 2020-12) of one file kind."""
    model = KINDS[kind]()
    schema = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"undersigned:{kind}.schema.json", **schema}


def schema_text(kind: str) -> str:
    return json.dumps(schema_for(kind), indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    """Write ``KIND.schema.json`` for every kind into ``directory``."""
    written = []
    path = directory
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            path = directory / f"{kind}.schema.json"
            write_atomically(path, schema_text(kind).encode("utf-8"))
            written.append(path)
    except OSError as exc:
        raise write_error(exc, path) from exc
    return written
