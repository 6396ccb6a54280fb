"""Rows of a table as models: the column mapping applied, every row validated by the same
model and the same messages as YAML data, each problem at its row and column."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..errors import Problems, did_you_mean
from ..model.messages import report_validation_error
from ..model.models import LocalText, slug
from ..model.sources import TableSource
from ..model.yamlfile import YamlFile
from .read import Table, header_index, open_table


def read_models(root: Path, source: TableSource, model: type[BaseModel], problems: Problems,
                mapping_at=None) -> tuple[str, dict[str, BaseModel], dict[str, int]]:
    """The rows of ``source`` as ``model``, by id; (table label, models, id -> row).

    ``mapping_at(key)`` locates a column mapping in the file that declares it, for a field
    the model does not have."""
    label = source.file
    fields = _field_kinds(model)
    for key in source.columns:
        if key not in fields and key != "id":
            where = mapping_at(key) if mapping_at else (label, 0, 0)
            problems.add(*where, f"columns.{key}", "unknown field" + did_you_mean(
                key, list(fields)) + f"; the fields of a row are id, {', '.join(fields)}")
    path = root / source.file
    table = open_table(path, label, problems, source.encoding, source.delimiter, source.sheet)
    found: dict[str, BaseModel] = {}
    rows: dict[str, int] = {}
    if table is None:
        return label, found, rows
    columns = _columns(table, source, problems)
    if columns is None:
        for _ in table.rows:  # (closes the file)
            break
        return table.label, found, rows
    id_column = columns.get("id")
    name_field = "name" if "name" in fields else "family"
    last_data_row = 0
    for row_number, cells in table.rows:
        last_data_row = row_number
        data, positions = _row_data(cells, columns, fields, source, row_number)
        row_id = data.get("id") if "id" in fields else data.pop("id", None)
        if row_id is None:
            written = data.get(name_field)
            written = written.get("en") or next(iter(written.texts.values()), None) \
                if isinstance(written, LocalText) else written
            row_id = slug(written) if isinstance(written, str) and written else None
        if row_id is not None and row_id in rows:
            line, column = positions.get(("id",), (row_number, 0))
            problems.add(table.label, line, column, "id", f"the id '{row_id}' is taken by row "
                         f"{rows[row_id]} too; give each row an id of its own"
                         + ("" if id_column else " (map an id column: columns: {id: ...})"))
            continue
        try:
            value = model.model_validate(data)
        except ValidationError as exc:
            said = Problems()
            report_validation_error(_located(table.label, data, positions, row_number), model,
                                    exc, said)
            problems.items.extend(p for p in said.items  # a cell said wrong is said once
                                  if (p.line, p.column) not in table.flagged)
            continue
        if row_id is None:
            row_id = getattr(value, "id", None)
        if row_id is None or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", str(row_id)):
            line, column = positions.get(("id",), (row_number, 0))
            problems.add(table.label, line, column, "id", f"'{row_id}' cannot be an id: at "
                         "most 64 lower-case letters, digits and hyphens, e.g. "
                         f"'{slug(str(row_id))}'")
            continue
        rows[row_id] = row_number
        found[row_id] = value
    for empty in table.empty_rows:
        if empty < last_data_row:
            problems.add(table.label, empty, message="the row is empty, between rows of data; "
                         "remove it (or fill it)")
    return table.label, found, rows


def _field_kinds(model: type[BaseModel]) -> dict[str, str]:
    """Field -> ``text``, ``local`` (LocalText), ``local-list``, ``list`` or ``int``."""
    kinds = {}
    for name, info in model.model_fields.items():
        base = _bare(info.annotation)
        if typing.get_origin(base) is list:
            item = _bare(typing.get_args(base)[0])
            kinds[name] = "local-list" if item is LocalText else "list"
        elif base is LocalText:
            kinds[name] = "local"
        elif base is int:
            kinds[name] = "int"
        else:
            kinds[name] = "text"
    return kinds


def _bare(annotation):
    """``annotation`` without ``Optional``/``| None`` and ``Annotated`` (``StrictInt`` is
    ``int``, ``list[LocalText] | None`` is ``list[LocalText]``)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _columns(table: Table, source: TableSource, problems: Problems):
    """Field -> its column(s) as indexes, in the shape of the mapping; None when a mapped
    column is not in the header (each reported)."""
    index = header_index(table.header)
    ok = True

    def find(field: str, header: str):
        nonlocal ok
        if header in index:
            return index[header]
        folded = {h.casefold(): c for h, c in index.items()}
        if header.casefold() in folded:
            return folded[header.casefold()]
        problems.add(table.label, 1, 0, f"columns.{field}", f"no column '{header}' in the "
                     "header" + did_you_mean(header, list(index)) + " (columns: "
                     + ", ".join(h for h in table.header if h) + ")")
        ok = False
        return None

    columns = {}
    for field, mapped in source.columns.items():
        if isinstance(mapped, str):
            columns[field] = find(field, mapped)
        elif isinstance(mapped, list):
            columns[field] = [find(field, m) for m in mapped]
        else:
            columns[field] = {lang: find(f"{field}.{lang}", m) for lang, m in mapped.items()}
    return columns if ok else None


def _row_data(cells: list[str], columns: dict, fields: dict[str, str], source: TableSource,
              row: int) -> tuple[dict, dict]:
    data: dict = {}
    positions: dict = {(): (row, 1)}

    def cell(column: int) -> str:
        return cells[column - 1].strip() if column <= len(cells) else ""

    for field, mapped in columns.items():
        kind = fields.get(field, "text")
        if isinstance(mapped, int):
            text = cell(mapped)
            positions[(field,)] = (row, mapped)
            if not text:
                continue
            if kind == "local":
                data[field] = LocalText({"*": text}, once=True)
            elif kind == "local-list":
                data[field] = [LocalText({"*": line.strip()}, once=True)
                               for line in text.splitlines() if line.strip()]
            elif kind == "list":
                data[field] = [item for item in re.split(
                    rf"[\s{re.escape(source.list_separator)}]+", text) if item]
            elif kind == "int" and text.isdigit():
                data[field] = int(text)
            else:
                data[field] = text
        elif isinstance(mapped, list):
            items = []
            for column in mapped:
                text = cell(column)
                if text:
                    positions[(field, len(items))] = (row, column)
                    items.append(LocalText({"*": text}, once=True) if kind == "local-list"
                                 else text)
            positions.setdefault((field,), (row, mapped[0]))
            if items:
                data[field] = items
        else:
            texts = {}
            for lang, column in mapped.items():
                text = cell(column)
                positions[(field, lang)] = (row, column)
                if text:
                    texts[lang] = text
            positions[(field,)] = (row, next(iter(mapped.values())))
            if texts:
                data[field] = texts if kind != "local-list" else [
                    LocalText(dict(zip(texts, parts))) for parts in zip(
                        *(t.splitlines() for t in texts.values()))]
    return data, positions


def _located(label: str, data: dict, positions: dict, row: int) -> YamlFile:
    """A row as a parsed file, so that the model's errors are worded and located as for
    YAML: each value at its row and column."""
    shown = {key: (value.texts.get("*", value.texts) if isinstance(value, LocalText) else
                   [v.texts.get("*", v.texts) if isinstance(v, LocalText) else v
                    for v in value] if isinstance(value, list) else value)
             for key, value in data.items()}
    return YamlFile(Path(label), label, shown, positions)

