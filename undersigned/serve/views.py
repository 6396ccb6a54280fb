"""What the pages show: the campaign's copies and their states, a problem with its source
line, a sign-on's answers. Plain data, worked out from the build's plan (one decision per
rule: the plan says which copies exist and whether each is current)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..batch.build import BuildPlan
from ..errors import Problem, UndersignedError, printable
from ..mail.deliver import delivered, delivered_mark
from .renders import Rendered


@dataclass(frozen=True)
class Located:
    """A problem as the page lists it: ``file:line:column: field: message``, and the line."""

    text: str
    source: str = ""
    """The offending line of the file, as it is on disk now (empty when unknown)."""
    column: int = 0
    warning: bool = False


@dataclass(frozen=True)
class CopyRow:
    """One copy of a document on the campaign page."""

    stem: str
    document: str
    recipient: str | None
    lang: str
    pdf: str
    state: str
    """up-to-date, stale, missing, signed, modified, unknown, failed or rendering."""
    draft: bool
    delivered: str = ""
    """``delivered DATE`` when records/mail.json says the copy went to its addressee."""


@dataclass
class CampaignView:
    title: str
    copies: list[CopyRow] = field(default_factory=list)
    problems: list[Located] = field(default_factory=list)
    sign_ons: list[str] = field(default_factory=list)
    """The letters that collect co-signatures."""


LOCATION = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+)(?::(?P<column>\d+))?:")


def located(root: Path, problem: Problem | str) -> Located:
    """A problem (or an error message that starts with ``file:line[:column]:``) with the line
    of the file it points at, read from the campaign folder (never outside it)."""
    if isinstance(problem, Problem):
        text, path, line, column = str(problem), problem.path, problem.line, problem.column
        warning = problem.severity == "warning"
    else:
        text, warning = printable(problem), False
        found = LOCATION.match(problem)
        path = found["path"] if found else ""
        line = int(found["line"]) if found else 0
        column = int(found["column"] or 0) if found else 0
    return Located(text, _source_line(root, path, line), column, warning)


def _source_line(root: Path, path: str, line: int) -> str:
    if not path or line < 1:
        return ""
    base = root.resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        return ""
    try:
        with open(target, encoding="utf-8", errors="replace") as file:
            for number, text in enumerate(file, 1):
                if number == line:
                    return printable(text.rstrip("\n"))
    except OSError:
        pass
    return ""


def campaign_view(root: Path, plan: BuildPlan | None, problems: list[Problem],
                  rendered: dict[str, Rendered], rendering: set[str], title: str) -> CampaignView:
    view = CampaignView(title, problems=[located(root, p) for p in problems])
    if plan is None:
        return view
    documents = plan.loaded.campaign.documents
    sent = _delivered(root)
    for item in plan.items:
        output = item.output
        state = str(item.state)
        last = rendered.get(output.stem)
        if output.stem in rendering:
            state = "rendering"
        elif last is not None and last.error and not last.problems:
            state = "failed"
        sign_on = getattr(documents[output.document], "sign_on", None)
        view.copies.append(CopyRow(output.stem, output.document, output.recipient, output.lang,
                                   output.pdf, state,
                                   bool(sign_on and sign_on.stage == "draft"),
                                   delivered_mark(sent.get((output.document, output.recipient)))))
    view.sign_ons = sorted(d for d, doc in documents.items() if getattr(doc, "sign_on", None))
    return view


def _delivered(root: Path) -> dict:
    """What the mail record says was delivered; nothing when it cannot be read (``status``
    and ``send`` say why)."""
    try:
        return delivered(root)
    except UndersignedError:
        return {}


def copy_error(root: Path, last: Rendered) -> list[Located]:
    """Why a copy has no pages: the campaign's problems, or the render's error."""
    if last.problems:
        return [located(root, p) for p in last.problems]
    return [located(root, last.error or "")]
