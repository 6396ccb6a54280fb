"""Tables as data sources: a CSV or XLSX file and which of its columns holds which field.

Declared in the campaign file (``recipient_tables:``) or in a signatory list (``table:``);
read by :mod:`undersigned.tables`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .models import Model

ColumnMap = str | list[str] | dict[str, str]
"""One column's header (``Name``), several (``[Street, City]`` for a list field), or a
mapping from language to header (``{en: Salutation, fr: Salutation FR}``)."""


class TableSource(Model):
    """A CSV or XLSX file of rows, each one recipient (or one Member)."""

    file: str = Field(min_length=1)
    """The table, relative to the campaign folder (``recipients.csv``, ``ngos.xlsx``)."""
    columns: dict[str, ColumnMap] = Field(min_length=1)
    """Field -> the column(s) holding it: ``name: Name``, ``address: [Street, City]``,
    ``salutation: {en: Salutation, fr: Salutation FR}``. ``id`` names the id column; without
    it, a row's id is its name in lower case (``amnesty-international``)."""
    encoding: str | None = None
    """The CSV's encoding (``utf-8``, ``cp1252``); by default UTF-8, with or without a BOM,
    else Windows-1252."""
    delimiter: Literal[",", ";", "tab", "|"] | None = None
    """The CSV's delimiter; by default the one of the header row."""
    sheet: str | None = None
    """The XLSX sheet; by default the first."""
    list_separator: str = ","
    """What separates the items of a list held in one cell (``languages: en, fr``)."""
