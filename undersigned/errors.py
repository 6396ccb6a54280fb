"""The exception root of undersigned and the located problems it reports.

The library never prints: it raises one of these, and the CLI turns it into a
message on stderr and an exit status, in one place.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or suspicious) in a campaign, with where it is."""

    path: str
    """The file, relative to the campaign folder where possible."""
    line: int = 0
    """1-based line, 0 when the problem concerns the whole file."""
    column: int = 0
    """1-based column, 0 when unknown."""
    field: str = ""
    """The field, as a dotted path (``signatories[3].group``); empty for the file."""
    message: str = ""
    """What is wrong and, where possible, what to write instead."""
    severity: str = "error"
    """``error`` or ``warning``."""

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        prefix = "warning: " if self.severity == "warning" else ""
        what = f"{self.field}: " if self.field else ""
        return printable(f"{where}: {prefix}{what}{self.message}")


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\x1b``), so that a value quoted in a
    message cannot move the cursor, clear the screen or retitle the terminal."""
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode()
                   for c in text)


class UndersignedError(Exception):
    """Raised when undersigned cannot do what it was asked; the root of all its errors."""

    exit_code = 1


class CampaignInvalid(UndersignedError):
    """Raised when a campaign has errors; carries every problem found in the run."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_problem_order)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the campaign")


class CampaignNotFound(UndersignedError):
    """Raised when the campaign folder or its campaign file does not exist."""

    exit_code = 2


class UsageError(UndersignedError):
    """Raised when a command is asked for something the campaign does not have."""

    exit_code = 2


class RenderError(UndersignedError):
    """Raised when one output (a PDF or its HTML) cannot be produced."""


class Busy(UndersignedError):
    """Raised when another process is writing into the same folder and does not finish
    within the wait."""


class FileRefused(UndersignedError):
    """Raised when a file may not be read: not a regular file, a link, or too large."""


class UnsupportedVersion(UndersignedError):
    """Raised when a workaround for a library's internals meets a version of it that the
    workaround was not written for."""


class WriteFailed(UndersignedError):
    """Raised when a file cannot be written (a missing folder, a read-only or full disk,
    no permission); the message names the file and the cause."""


class FetchRefused(UndersignedError):
    """Raised when a template or data asks for a resource outside the campaign."""


@dataclass
class Problems:
    """Collects the problems of a run so that all are reported at once."""

    items: list[Problem] = field(default_factory=list)

    def add(self, path: str | Path, line: int = 0, column: int = 0, field: str = "",
            message: str = "", severity: str = "error") -> None:
        self.items.append(Problem(str(path), line, column, field, message, severity))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]


def _problem_order(problem: Problem) -> tuple:
    return (problem.path, problem.line, problem.column, problem.field, problem.message)


def did_you_mean(value: object, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """A ``; did you mean 'x'?`` hint for a mistyped name, or an empty string."""
    match = closest(value, choices)
    return f"; did you mean '{match}'?" if match else ""


def closest(value: object, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """The choice ``value`` was most likely meant to be, if one is close enough."""
    if not isinstance(value, str):
        return None
    extension = value[value.rfind("."):] if "." in value else ""
    if extension and any(c.endswith(extension) for c in choices):
        # Compare file names without their shared extension: "closing.html" is not
        # "question.html" just because both end in ".html".
        stems = {c[:-len(extension)]: c for c in choices if c.endswith(extension)}
        match = closest(value[:-len(extension)], list(stems))
        return stems[match] if match is not None else None
    lowered = {c.lower(): c for c in choices}
    if value.lower() in lowered and lowered[value.lower()] != value:
        return lowered[value.lower()]
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


class Terminated(KeyboardInterrupt):
    """Raised in the command's process by SIGTERM (the CLI installs the handler): a
    command stops as it does on Ctrl-C (a build lets running outputs finish, abandons
    the rest, and leaves every file whole), and exits with 143 instead of 130."""

    signal_number = 15
