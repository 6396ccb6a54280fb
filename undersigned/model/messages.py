"""Pydantic's validation errors in words a campaign author can act on.

Each error becomes a located :class:`~undersigned.errors.Problem`: the file, the
line and column of the value (from :class:`~undersigned.model.yamlfile.YamlFile`),
the dotted field, and a message that says what to write instead.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from ..errors import Problems, did_you_mean
from .models import EMAIL_PATTERN, ID_PATTERN, LANG_PATTERN, TEXT_NOT_LIST, describe
from .yamlfile import YamlFile, dotted


def report_validation_error(source: YamlFile, model: type[BaseModel], exc: ValidationError,
                            problems: Problems, kinds: tuple[str, ...] = ()) -> None:
    """Add one located problem per error of ``exc`` (``kinds``: the document kinds, named
    when a document does not say which it is)."""
    for error in _without_missing_explained_by_typos(model, exc.errors()):
        _report(source, model, error, problems, kinds)


def _without_missing_explained_by_typos(model, errors: list[dict]) -> list[dict]:
    """Drop "group: missing" where "grup: unknown field; did you mean 'group'?" says it all."""
    suggested = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            parent = error["loc"][:-1]
            hint = did_you_mean(error["loc"][-1], _fields_at(model, parent))
            if hint:
                suggested.add(parent + (hint.split("'")[1],))
    return [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in suggested)]


def _report(source: YamlFile, model: type[BaseModel], error: dict, problems: Problems,
            kinds: tuple[str, ...]) -> None:
    """Turn one pydantic error into a located, plain-English problem."""
    loc = _data_loc(source.data, error["loc"])
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    message = _MESSAGES.get(kind)
    if kind == "extra_forbidden":
        allowed = _fields_at(model, error["loc"][:-1])
        moved = getattr(_model_at(model, error["loc"][:-1]), "moved_fields", {})
        message = "unknown field" + did_you_mean(loc[-1], allowed)
        if loc[-1] in moved:
            message = moved[loc[-1]]
        elif not did_you_mean(loc[-1], allowed) and allowed:
            message += "; the fields here are " + ", ".join(allowed)
    elif kind in ("literal_error", "enum"):
        choices = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        message = (f"expected one of {', '.join(choices)}; got {_shown_value(value)}"
                   + did_you_mean(value, choices))
    elif kind == "union_tag_invalid":
        loc = loc + ("kind",)
        choices = re.findall(r"'([^']*)'", ctx.get("expected_tags", ""))
        message = (f"expected one of {', '.join(choices)}; got {_shown_value(ctx.get('tag'))}"
                   + did_you_mean(ctx.get("tag"), choices))
    elif kind == "union_tag_not_found":
        loc = loc + ("kind",)
        choices = [f"kind: {kind}" for kind in kinds]
        message = ("missing; say what the document is: "
                   + (", ".join(choices[:-1]) + ", or " + choices[-1] if len(choices) > 1
                      else "".join(choices)))
    elif kind == "string_pattern_mismatch":
        message = _pattern_message(ctx.get("pattern", ""), value)
    elif kind in ("too_short", "string_too_short"):
        message = "must not be empty"
    elif kind == "string_type" and isinstance(value, (int, float)):  # bools too
        message = f"expected text, got {describe(value)}; put it in quotes if it is meant as text"
    elif kind == "string_type" and isinstance(value, list):
        message = f"expected text, got {describe(value)}; {TEXT_NOT_LIST}"
    elif kind == "missing" and loc and loc[-1] in getattr(
            _model_at(model, error["loc"][:-1]), "missing_hints", {}):
        message = "missing; " + _model_at(model, error["loc"][:-1]).missing_hints[loc[-1]]
    elif kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
    elif message is not None:
        message = message.format(got=describe(value))
    else:
        message = error["msg"]
    line, column = source.position(loc)
    problems.add(source.label, line, column, dotted(loc), message)


_MESSAGES = {
    "missing": "missing; this field is required",
    "string_type": "expected text, got {got}",
    "int_type": "expected a whole number, got {got}",
    "int_parsing": "expected a whole number, got {got}",
    "int_from_float": "expected a whole number, got {got}",
    "bool_type": "expected true or false, got {got}",
    "bool_parsing": "expected true or false, got {got}",
    "list_type": "expected a list, got {got}",
    "dict_type": "expected a mapping of fields, got {got}",
    "model_type": "expected a mapping of fields, got {got}",
    "model_attributes_type": "expected a mapping of fields, got {got}",
    "date_type": "expected a date like 2017-10-19, got {got}",
    "date_parsing": "expected a date like 2017-10-19, got {got}",
    "date_from_datetime_parsing": "expected a date like 2017-10-19, got {got}",
    "date_from_datetime_inexact": "expected a date like 2017-10-19, got {got}",
}


def _pattern_message(pattern: str, value: Any) -> str:
    got = _shown_value(value)
    if pattern == ID_PATTERN:
        return f"expected an id of at most 64 lower-case letters, digits and hyphens, got {got}"
    if pattern == LANG_PATTERN:
        return f"expected a language code like en or ru, got {got}"
    if pattern.startswith("^https?"):
        return f"expected a web address starting with https:// or http://, got {got}"
    if pattern.startswith("^[EP]"):
        return f"expected a number like E-007095/2017 or P-001234/2018, got {got}"
    if pattern == EMAIL_PATTERN:
        several = isinstance(value, str) and len(re.findall(r"@", value)) > 1
        return (f"expected one e-mail address like name@example.org, got {got}"
                + ("; give one address per cell" if several else ""))
    if pattern == r"^[0-9a-f]{12}$":
        return f"expected the 12 hexadecimal digits of a wording's fingerprint, got {got}"
    return f"expected text of another form, got {got}"  # a pattern is no help to a reader


def _shown_value(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else describe(value)


def _data_loc(data: Any, loc: tuple) -> tuple:
    """Pydantic's error location mapped onto the data: drop union tags, keep real keys."""
    out: list = []
    current = data
    for i, part in enumerate(loc):
        if isinstance(current, dict) and part in current:
            out.append(part)
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            out.append(part)
            current = current[part]
        elif isinstance(current, dict) and current.get("kind") == part and i < len(loc) - 1:
            continue  # the discriminated union's tag
        elif part == "[key]":
            continue
        else:
            out.append(part)
            current = None
    return tuple(out)


def _model_at(model: Any, loc: tuple) -> type[BaseModel] | None:
    """The model found at ``loc`` below ``model``, if there is one."""
    current = model
    for part in loc:
        current = _descend(current, part)
        if current is None:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _fields_at(model: Any, loc: tuple) -> list[str]:
    """The field names of the model found at ``loc`` below ``model``."""
    found = _model_at(model, loc)
    return list(found.model_fields) if found is not None else []


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _descend(tp: Any, part: Any) -> Any:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        info = tp.model_fields.get(part) if isinstance(part, str) else None
        return info.annotation if info else None
    origin = typing.get_origin(tp)
    if origin is list:
        return typing.get_args(tp)[0] if isinstance(part, int) else None
    if origin is dict:
        return typing.get_args(tp)[1]
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(tp):
            arg = _unwrap(arg)
            kind = getattr(arg, "model_fields", {}).get("kind")
            if kind is not None and part in typing.get_args(kind.annotation):
                return arg
    return None
