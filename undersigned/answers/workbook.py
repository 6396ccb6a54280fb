"""A letter's sign-on as an XLSX workbook (``signatures DOC --xlsx FILE``), for colleagues
who follow it in Excel: a sheet of every Member and where they stand, and a sheet of who
agreed by group and by country."""

from __future__ import annotations

import io
import re
from pathlib import Path

from ..errors import printable
from ..files import write_atomically
from ..model.invitations import Answer
from .signatures import Report

ANSWERS_HEADER = ("Member", "Name", "Group", "Country", "Answer", "Invited", "Answered",
                  "Agreed to the current wording")
SECTIONS = ((Answer.AGREED, "agreed"), (Answer.DECLINED, "declined"),
            (Answer.WITHDRAWN, "withdrawn"), (Answer.INVITED, "no answer yet"))


def workbook_bytes(report: Report) -> bytes:
    """The XLSX file of ``report``: sheets "Answers" and "Summary"."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    answers = book.active
    answers.title = "Answers"
    answers.append(ANSWERS_HEADER)
    for answer, shown in SECTIONS:
        for standing in report.with_answer(answer):
            invitation = standing.invitation
            current = report.current(standing) if answer is Answer.AGREED else None
            answers.append([_cell(standing.member.id), _cell(standing.member.name),
                            _cell(standing.group), _cell(standing.member.country), shown,
                            invitation.invited, invitation.answered,
                            {True: "yes", False: "no", None: ""}[current]])
    for standing in report.not_invited:
        answers.append([_cell(standing.member.id), _cell(standing.member.name),
                        _cell(standing.group), _cell(standing.member.country), "not invited"])
    for cell in answers[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGH", (18, 30, 12, 8, 14, 12, 12, 14)):
        answers.column_dimensions[column].width = width
    answers.freeze_panes = "A2"
    for row in answers.iter_rows(min_row=2, min_col=6, max_col=7):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"

    summary = book.create_sheet("Summary")
    summary.append(["Letter", report.document])
    summary.append(["Stage", report.stage])
    summary.append(["Deadline", report.deadline])
    summary["B3"].number_format = "yyyy-mm-dd"
    summary.append([])
    summary.append(["Agreed, by group", "Members"])
    for group, count in report.by_group():
        summary.append([_cell(group), count])
    summary.append([])
    summary.append(["Agreed, by country", "Members"])
    for _, name, count in report.by_country():
        summary.append([name, count])
    summary.column_dimensions["A"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(text: str) -> str:
    """Text as a cell: never read as a formula by a spreadsheet ('=...', '+...', '@...'),
    and a control character (which XLSX cannot hold) shown escaped (``\\x1b``), never
    raw: ``check`` refuses them, but a sign-on report must still be written."""
    text = printable(text) if _ILLEGAL.search(text) else text
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""The characters XML 1.0, and so XLSX, cannot hold."""


def write_workbook(report: Report, target: Path) -> None:
    write_atomically(target, workbook_bytes(report))
