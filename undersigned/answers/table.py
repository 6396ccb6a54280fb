"""Reading a spreadsheet of answers (the CSV or XLSX export of a sign-on form), every bad
row reported at once. The file is read as every table is (:mod:`undersigned.tables.read`:
its encoding, delimiter, limits and checks of each cell).

Columns, found by their header whatever their case and spaces: ``member`` (id, EP id or
"Given Family"), ``answer``, ``date`` and, optionally, ``note``; other columns (a form's
time stamp) are left alone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import FileRefused, Problems
from ..kinds.signon import fold
from ..model.invitations import Answer
from ..tables.read import open_table

MAX_ROWS = 2000
"""More rows than this is not a sign-on (the Parliament has 720 Members)."""
COLUMNS = ("member", "answer", "date", "note")
REQUIRED = ("member", "answer", "date")

ANSWER_WORDS: dict[str, Answer] = {
    **dict.fromkeys(("agreed", "agree", "yes", "y", "oui", "ja", "si", "да"), Answer.AGREED),
    **dict.fromkeys(("declined", "decline", "no", "n", "non", "nein", "нет"), Answer.DECLINED),
    **dict.fromkeys(("withdrawn", "withdraw", "withdrew"), Answer.WITHDRAWN),
}
"""The words accepted in the ``answer`` column, compared without case and diacritics:
agreed, declined or withdrawn, or yes / no in English, French, German, Italian/Spanish
and Russian."""

_DATE_FORMATS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), (1, 2, 3)),      # 2017-10-19
    (re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})"), (3, 2, 1)),  # 19/10/2017, 19.10.2017
)
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"


@dataclass(frozen=True)
class Row:
    """One row of answers as read; ``answer`` and ``on`` are None where the cell is bad."""

    line: int
    """The row of the table (the header is row 1)."""
    member: str
    answer: Answer | None
    on: dt.date | None
    note: str | None
    columns: dict[str, int] | None = None
    """Column name (``member``, ``answer`` …) -> its 1-based column, to locate a problem."""


def read_answers(path: Path, label: str, delimiter: str | None,
                 problems: Problems) -> list[Row]:
    """The rows of the spreadsheet ``path`` (CSV or XLSX, read as every table is:
    :mod:`undersigned.tables.read`); what is wrong goes to ``problems``, every row at once.
    The file itself being unreadable (not text, no header, a delimiter that cannot be one)
    raises FileRefused with the one reason; a missing column stops at that problem."""
    opened = Problems()
    table = open_table(path, label, opened, delimiter=delimiter)
    if table is None:
        raise FileRefused(str(opened.items[0]))
    columns = _columns(table.header, label, problems)
    rows: list[Row] = []
    for line, cells in table.rows:
        if columns is None:
            break  # (closes the file)
        if line > MAX_ROWS + 1:
            for _ in table.rows:  # (closes the file)
                break
            raise FileRefused(f"{label}:{line}: more than {MAX_ROWS:,} rows; a sign-on has "
                              "one row per Member")
        row = _row(cells, columns, line, label, problems)
        if row is not None:
            rows.append(row)
    problems.items.extend(opened.items)
    return rows


def _columns(header: list[str], label: str, problems: Problems) -> dict[str, int] | None:
    """Column name -> its index; None (with a problem per missing column) if one is
    missing."""
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = re.sub(r"\s+", "", name).lower()
        if key in COLUMNS and key not in found:
            found[key] = index
    missing = [c for c in REQUIRED if c not in found]
    shown = ", ".join(f"'{name.strip()}'" for name in header if name.strip()) or "nothing"
    for column in missing:
        problems.add(label, 1, 0, column, f"no '{column}' column; the header row has {shown} "
                     f"(the columns are member, answer, date and, optionally, note)")
    return None if missing else found


def _row(cells: list[str], columns: dict[str, int], line: int, label: str,
         problems: Problems) -> Row | None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def bad(column: str, message: str) -> None:
        problems.add(label, line, columns[column] + 1, column, message)

    member, written_answer, written_date = cell("member"), cell("answer"), cell("date")
    for name, value, example in (("member", member, "the Member's id, EP id or name"),
                                 ("answer", written_answer, "agreed, declined or withdrawn"),
                                 ("date", written_date, "the date of the answer, 2017-10-19")):
        if not value:
            bad(name, f"empty; give {example}")
    answer = ANSWER_WORDS.get(fold(written_answer)) if written_answer else None
    if written_answer and answer is None:
        bad("answer", f"'{written_answer}' is not an answer; write agreed, declined or "
            "withdrawn (yes and no are read as agreed and declined)")
    on = parse_date(written_date) if written_date else None
    if written_date and on is None:
        bad("date", f"'{written_date}' is not a date; write it as 2017-10-19 (or 19/10/2017, "
            "day first)")
    if not member:
        return None
    return Row(line, member, answer, on, cell("note") or None,
               {name: index + 1 for name, index in columns.items()})


def parse_date(text: str) -> dt.date | None:
    """``2017-10-19``, ``19/10/2017`` or ``19.10.2017`` (day first), with or without a time
    of day after it (form exports add one); None if it is none of these or no such day."""
    for pattern, (year, month, day) in _DATE_FORMATS:
        match = re.fullmatch(pattern.pattern + _TIME, text)
        if match:
            try:
                return dt.date(int(match[year]), int(match[month]), int(match[day]))
            except ValueError:
                return None
    return None
