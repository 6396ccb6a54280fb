"""What ``meps import`` tells its user: a warning said for many Members is one line with a
count and examples (``--verbose`` lists them all), the Members whose names lost letters
are one summary, and a last line says what was written and what needs attention.

A 750-Member import thus prints a handful of lines, so that a real warning is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from .open_data import EpMember

EXAMPLES = 3
"""How many Members a folded line names before "and N more"."""


@dataclass(frozen=True)
class Note:
    """A warning about one Member, said as a located problem is (``t9.yaml: warning:
    signatories[3]: Ann Example: no political group …``); the notes of the same ``what``
    about one file are folded into one line."""

    what: str
    """What is said of every Member it concerns (the line that folds them says it)."""
    who: str
    where: str = ""
    """Where, as a problem is located: ``t9.yaml``, ``meps-term-9.csv:29``."""
    field: str = ""
    said: str = ""
    """What is said of this Member when said alone, if more than ``what``."""
    file: str = ""
    """The file the notes are folded by, where ``where`` is a row of it."""

    def __str__(self) -> str:
        at = f"{self.where}: " if self.where else ""
        field = f"{self.field}: " if self.field else ""
        return f"{at}warning: {field}{self.who}: {self.said or self.what}"


def folded(notes: list, verbose: bool = False) -> list[str]:
    """One line per kind of note, in the order first met: the note itself for one Member,
    ``FILE: warning: N Members: what (NAME, NAME, NAME and N more; --verbose lists them
    all)`` for many; with ``verbose``, a line per note. Other problems pass as they are."""
    if verbose:
        return [str(note) for note in notes]
    kinds: dict[tuple, list[Note]] = {}
    for note in notes:
        key = (note.file or note.where, note.what) if isinstance(note, Note) \
            else (id(note),)
        kinds.setdefault(key, []).append(note)
    lines = []
    for same in kinds.values():
        first = same[0]
        if len(same) == 1:
            lines.append(str(first))
        else:
            at = f"{first.file or first.where}: " if first.file or first.where else ""
            lines.append(f"{at}warning: {len(same)} Members: {first.what} "
                         f"({_examples([note.who for note in same])})")
    return lines


def _examples(names: list[str]) -> str:
    shown = ", ".join(names[:EXAMPLES])
    more = len(names) - EXAMPLES
    return shown + (f" and {more} more; --verbose lists them all" if more > 0 else "")


def damaged_names(members: list[EpMember], source_label: str, written: str = "",
                  verbose: bool = False) -> list[str]:
    """The one summary of the Members whose names the source lost letters of (empty when
    none did): how many, the first few (the e-mail address as a hint for a human, never
    as a source of letters), and how to repair them."""
    damaged = [m for m in members if m.damaged]
    if not damaged:
        return []
    shown = damaged if verbose else damaged[:EXAMPLES]
    names = ", ".join(f"{m.display_name} ({m.where}" + (f", {m.email}" if m.email else "")
                      + ")" for m in shown)
    more = len(damaged) - len(shown)
    whose = "1 Member's name" if len(damaged) == 1 else f"{len(damaged):,} Members' names"
    at = f"{written}: " if written else ""
    return [f"{at}warning: {whose} lost letters in {source_label} (the "
            "file is Windows-1252, which cannot hold them): written with \ufffd where a "
            f"letter is missing, which check refuses until it is written: {names}"
            + (f" and {more} more (--verbose lists them all)" if more else "")
            + "; import again with the Parliament's XML list (--groups FILE.xml), which "
            "spells them, or write each name as the Member does"]


def last_line(written: str, chosen: list[EpMember], source: str) -> str:
    """What was written, from where, and how many names need attention."""
    damaged = sum(1 for m in chosen if m.damaged)
    line = f"{written}: {_count(len(chosen), 'Member')} from {source}"
    if damaged:
        line += (f"; {_count(damaged, 'name')} to repair ('undersigned check' fails until "
                 "they are)")
    return line


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
