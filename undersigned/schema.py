"""JSON Schema of each campaign file kind, generated from the models."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .files import write_atomically, write_error

from .campaign.campaign_file import campaign_model
from .model.models import Case, SignatoryList

KINDS = {"campaign": campaign_model, "case": lambda: Case, "signatories": lambda: SignatoryList}
"""File kind -> its model (the campaign's depends on the document kinds)."""


def schema_for(kind: str) -> dict:
    """The JSON Schema (draft 2020-12) of one file kind."""
    model = KINDS[kind]()
    schema = model.model_json_schema(schema_generator=_documented_generator())
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"undersigned:{kind}.schema.json", **schema}


def _documented_generator():
    """pydantic's JSON Schema generator, with each field described by the docstring written
    under it in its model's class. The models do not ask pydantic for those
    (``use_attribute_docstrings``): reading them means reading the models' source, a sixth
    of the time every command spends importing the toolkit, for the schema alone."""
    from pydantic.json_schema import GenerateJsonSchema

    class Documented(GenerateJsonSchema):
        def model_schema(self, schema):
            json_schema = super().model_schema(schema)
            properties = json_schema.get("properties", {})
            cls = schema["cls"]
            for name, field in cls.model_fields.items():
                described = properties.get(field.alias or name)
                if described is not None and "description" not in described:
                    doc = attribute_docstrings(_defining_class(cls, name)).get(name)
                    if doc:
                        described["description"] = doc
            return json_schema

    return Documented


def _defining_class(cls: type, name: str) -> type:
    """The class of ``cls``'s bases (or itself) whose body declares the field ``name``."""
    return next((klass for klass in cls.__mro__
                 if name in klass.__dict__.get("__annotations__", {})), cls)


@lru_cache(maxsize=None)
def attribute_docstrings(cls: type) -> dict[str, str]:
    """The string written under each annotated attribute in a class's body (PEP 257's
    attribute docstrings), by attribute; {} when its source cannot be read."""
    import ast
    import inspect
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(cls))
        body = ast.parse(source).body[0].body
    except (OSError, TypeError, SyntaxError, IndexError, AttributeError):
        return {}
    docs = {}
    for node, after in zip(body, body[1:]):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


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
