"""Rows of a table as models: the column mapping applied, every row validated by the same
model and the same messages as YAML data, each problem at its row and column."""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from dataclasses import field as default
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..errors import Problems, did_you_mean
from ..model.messages import report_validation_error
from ..model.models import LocalText, slug
from ..model.table_sources import TableSource
from ..model.yamlfile import YamlFile
from .read import Table, header_index, open_table


def read_models(root: Path, source: TableSource, model: type[BaseModel], problems: Problems,
                mapping_at=None, prefix: tuple = ()) -> tuple[str, dict[str, BaseModel],
                                                          TableFile | None]:
    """The rows of ``source`` as ``model``, by id; (table label, models, where each row's
    values stand: a :class:`TableFile` whose positions are ``prefix + (id, field, ...)``).

    ``mapping_at(key)`` locates a column mapping in the file that declares it, for a field
    the model does not have."""
    label = source.file
    fields = _field_kinds(model)
    for key in source.columns:
        if key not in fields and key != "id":
            where = mapping_at(key) if mapping_at else (label, 0, 0)
            problems.add(*where, f"columns.{key}", "unknown field" + did_you_mean(
                key, list(fields)) + f"; the fields of a row are id, {', '.join(fields)}")
    table = open_table(root / source.file, label, problems, source.encoding,
                       source.delimiter, source.sheet)
    if table is None:
        return label, {}, None
    columns = _columns(table, source, problems)
    if columns is None:
        for _ in table.rows:  # (closes the file)
            break
        return table.label, {}, None
    reading = _Reading(table, model, fields, columns, source, problems)
    last_data_row = 0
    for row_number, cells in table.rows:
        last_data_row = row_number
        reading.read(row_number, cells)
    for empty in table.empty_rows:
        if empty < last_data_row:
            problems.add(table.label, empty, message="the row is empty, between rows of data; "
                         "remove it (or fill it)")
    located = TableFile(root / source.file, table.label, None, {}, reading.rows, columns,
                        tuple(prefix))
    return table.label, reading.found, located


@dataclass
class TableFile(YamlFile):
    """A table's rows located as a YAML file's values are, for the checks that run on the
    models: ``prefix + (row id, field, language or index)`` stands at (row, column). The
    columns are the same for every row, so that only each row's number is kept."""

    rows: dict[str, int] = default(default_factory=dict)
    columns: dict = default(default_factory=dict)
    prefix: tuple = ()

    def holds(self, loc: tuple) -> bool:
        """Whether ``loc`` is a value of one of this table's rows."""
        n = len(self.prefix)
        return tuple(loc[:n]) == self.prefix and len(loc) > n and loc[n] in self.rows

    def position(self, loc: tuple) -> tuple[int, int]:
        if not self.holds(loc):
            return (1, 1)
        n = len(self.prefix)
        row = self.rows[loc[n]]
        mapped = self.columns.get(loc[n + 1]) if len(loc) > n + 1 else None
        part = loc[n + 2] if len(loc) > n + 2 else None
        if isinstance(mapped, list):
            mapped = mapped[part] if isinstance(part, int) and part < len(mapped) else mapped[0]
        elif isinstance(mapped, dict):
            mapped = mapped.get(part, next(iter(mapped.values()), None))
        return (row, mapped if isinstance(mapped, int) else 1)


class _Reading:
    """The rows of one table read into models, each problem at its row and column."""

    def __init__(self, table: Table, model, fields, columns, source: TableSource,
                 problems: Problems):
        self.table, self.model, self.fields, self.columns = table, model, fields, columns
        self.source, self.problems = source, problems
        self.found: dict[str, BaseModel] = {}
        self.rows: dict[str, int] = {}
        self.cells: dict[str, int] = {}
        """Row id -> a hash of its cells, to tell a repeated row from an id taken twice."""
        self.name_field = "name" if "name" in fields else "family"

    def read(self, row_number: int, cells: list[str]) -> None:
        table, problems = self.table, self.problems
        data, positions = _row_data(cells, self.columns, self.fields, self.source, row_number)
        row_id = data.get("id") if "id" in self.fields else data.pop("id", None)
        if row_id is None:
            row_id = _id_from_name(data.get(self.name_field))
        if row_id is not None and row_id in self.rows:
            self._taken(row_id, row_number, cells, positions)
            return
        try:
            value = self.model.model_validate(data)
        except ValidationError as exc:
            said = Problems()
            report_validation_error(_located(table.label, data, positions, row_number),
                                    self.model, exc, said)
            problems.items.extend(p for p in said.items  # a cell said wrong is said once
                                  if (p.line, p.column) not in table.flagged)
            return
        if row_id is None:
            row_id = getattr(value, "id", None)
        line, column = positions.get(("id",), (row_number, 0))
        if row_id is None:
            problems.add(table.label, line, column, "id", "the row has no id and no name to "
                         "make one from; give it a name, or map an id column (columns: {id: "
                         "...})")
            return
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", str(row_id)):
            problems.add(table.label, line, column, "id", f"'{row_id}' cannot be an id: at "
                         "most 64 lower-case letters, digits and hyphens, e.g. "
                         f"'{slug(str(row_id))}'")
            return
        self.rows[row_id] = row_number
        self.cells[row_id] = hash(tuple(cells))
        self.found[row_id] = value

    def _taken(self, row_id: str, row_number: int, cells: list[str], positions: dict) -> None:
        first = self.rows[row_id]
        if self.cells.get(row_id) == hash(tuple(cells)):
            self.problems.add(self.table.label, row_number, 0, "", f"the row repeats row "
                              f"{first}; remove one of them")
            return
        line, column = positions.get(("id",), (row_number, 0))
        self.problems.add(self.table.label, line, column, "id", f"the id '{row_id}' is taken "
                          f"by row {first} too; give each row an id of its own"
                          + ("" if self.columns.get("id") else
                             " (map an id column: columns: {id: ...})"))


def _id_from_name(written) -> str | None:
    """A row's id made from its name: the English one, else the first written."""
    if isinstance(written, LocalText):
        written = written.get("en") or next(iter(written.texts.values()), None)
    elif isinstance(written, dict):
        written = written.get("en") or next(iter(written.values()), None)
    return slug(written) if isinstance(written, str) and written else None


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
            # FR, as people write it, is the language code fr
            columns[field] = {str(lang).lower(): find(f"{field}.{lang}", m)
                              for lang, m in mapped.items()}
    return columns if ok else None


LANGUAGE_FIELDS = frozenset({"language", "languages"})
"""Fields whose cells are language codes, read in lower case (``FR`` is ``fr``)."""


def _row_data(cells: list[str], columns: dict, fields: dict[str, str], source: TableSource,
              row: int) -> tuple[dict, dict]:
    data: dict = {}
    positions: dict = {(): (row, 1)}

    def cell(column: int) -> str:
        return cells[column - 1].strip() if column <= len(cells) else ""

    for field, mapped in columns.items():
        kind = fields.get(field, "text")
        if isinstance(mapped, list) and kind in ("text", "local"):
            # A name in several columns (First, Last): one text, the cells joined.
            mapped_text = " ".join(t for t in (cell(c) for c in mapped) if t)
            positions[(field,)] = (row, mapped[0])
            if mapped_text:
                data[field] = _value(mapped_text, kind, field, source)
        elif isinstance(mapped, int):
            text = cell(mapped)
            positions[(field,)] = (row, mapped)
            if not text:
                continue
            if kind == "local":  # the common cases inline: a table has many rows
                data[field] = LocalText({"*": text}, once=True)
            elif kind == "text" and field not in LANGUAGE_FIELDS:
                data[field] = text
            else:
                data[field] = _value(text, kind, field, source)
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


def _value(text: str, kind: str, field: str, source: TableSource):
    """The value of one cell (or of cells joined) for a field of ``kind``."""
    if field in LANGUAGE_FIELDS:
        text = text.lower()
    if kind == "local":
        return LocalText({"*": text}, once=True)
    if kind == "local-list":
        return [LocalText({"*": line.strip()}, once=True)
                for line in text.splitlines() if line.strip()]
    if kind == "list":
        return [item for item in re.split(rf"[\s{re.escape(source.list_separator)}]+", text)
                if item]
    if kind == "int" and text.isdigit():
        return int(text)
    return text


def _located(label: str, data: dict, positions: dict, row: int) -> YamlFile:
    """A row as a parsed file, so that the model's errors are worded and located as for
    YAML: each value at its row and column."""
    shown = {key: (value.texts.get("*", value.texts) if isinstance(value, LocalText) else
                   [v.texts.get("*", v.texts) if isinstance(v, LocalText) else v
                    for v in value] if isinstance(value, list) else value)
             for key, value in data.items()}
    return YamlFile(Path(label), label, shown, positions)

