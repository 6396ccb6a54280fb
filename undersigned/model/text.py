"""The checks every text gets before it may be printed, wherever it was written: a YAML
value, a table cell, a name from the Parliament's lists.

- control characters (tabs and line breaks aside), C1 controls, line and paragraph
  separators and the bidirectional overrides that can disguise a name are refused;
- U+FFFD, the sign a decoder leaves where it could not read a letter, is refused;
- a ``?`` standing for a lost letter is refused: anywhere in a name (no name holds one),
  and, in a table cell (Excel's default CSV export writes one for every letter it cannot
  hold), wherever it is not a question mark ending a question or in a web address:
  ``Kate?ina``, ``?ukasz``, ``??? ?????``;
- text is kept in one spelling (NFC), so that "José" typed and "José" pasted compare.

One detector for YAML values, table cells and imported names, so that they cannot drift.
"""

from __future__ import annotations

import re
import unicodedata

UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
                         "\u202a-\u202e\u2066-\u2069\ufffd]")
"""Characters no value may hold: control characters (tabs and line breaks aside), line and
paragraph separators, the bidirectional overrides that can disguise a name, and U+FFFD."""

LOST = "\ufffd"
"""The replacement character: where a letter was lost in a conversion."""

_QUESTION_ENDING = re.compile(r"(?<=[\w.)\]\"'»”’])\?+(?=[\s\"'»”’)\]!.,;:]|$)")
"""Question marks that end a question (``Why?``, ``really??``, ``"why?"``), not a word's
lost letter."""


def unprintable_message(character: str) -> str:
    """Why ``character`` (found by UNPRINTABLE) may not be printed, and what to do."""
    code = f"U+{ord(character):04X}"
    name = unicodedata.name(character, "")
    if "\u202a" <= character <= "\u202e" or "\u2066" <= character <= "\u2069":
        return f"contains {code} {name}, which can disguise text; remove it"
    if character in "\u2028\u2029":
        return f"contains {code} {name}, which cannot be printed; use a blank line instead"
    if character == LOST:
        return (f"contains {code} where a letter was lost (a file converted through an "
                "encoding that could not hold it); write the letter itself, from the "
                "original or a UTF-8 export")
    return f"contains the control character {code}; remove it"


def text_problem(text: str) -> str | None:
    """What makes ``text`` unfit to print (a control character, a bidirectional override,
    a lost letter), or None."""
    found = UNPRINTABLE.search(text)
    return unprintable_message(found.group()) if found else None


def name_problem(text: str) -> str | None:
    """What is wrong with ``text`` as a person's name: a ``?`` (a name never holds one: it
    stands for a letter lost in an export); None if fine. (What no text may hold is
    ``text_problem``'s, asked where the text is read.)"""
    if "?" in text:
        return (f"'{text}' has '?' where a letter was lost (Windows-1252, Excel's default "
                "CSV export, cannot hold it); write the name with its letters, as the "
                "person spells it (the Parliament's XML list or a UTF-8 export has it)")
    return None


_NOT_PROSE = re.compile(r"\S+://\S*|\S+@\S+")
"""Web and e-mail addresses, where a ``?`` starts a query, not a lost letter."""


def lost_letters(text: str) -> list[int]:
    """The 0-based offsets of the ``?`` in ``text`` that stand for lost letters: every
    ``?`` but those ending a question after a word (``Why?``) and those in a web address."""
    if "?" not in text:
        return []
    kept = {i for pattern in (_QUESTION_ENDING, _NOT_PROSE) for m in pattern.finditer(text)
            for i in range(m.start(), m.end())}
    return [i for i, c in enumerate(text) if c == "?" and i not in kept]


def lost_letter_message(text: str, encoding: str) -> str | None:
    """The error for a table cell with a ``?`` standing for a lost letter, or None: what
    Excel's default CSV export writes for every letter Windows-1252 cannot hold (the file
    is then plain ASCII, and nothing else shows the loss)."""
    offsets = lost_letters(text)
    if not offsets:
        return None
    shown = text if len(text) <= 40 else text[:37] + "..."
    why = (f"the file is read as {encoding}, which cannot hold letters of other scripts, "
           "and the program that saved it wrote '?' for them" if single_byte(encoding) else
           "the program that saved the file wrote '?' for letters its encoding could not "
           "hold (Excel's default CSV export does)")
    return (f"'{shown}' has '?' where a letter was lost (character {offsets[0] + 1}): {why}; "
            "export it as \"CSV UTF-8\" (or as .xlsx) from the original")


def has_lost_letters(text: str) -> bool:
    """Whether ``text`` holds a lost letter: U+FFFD, or a ``?`` other than a question's."""
    return LOST in text or bool(lost_letters(text))


def single_byte(encoding: str) -> bool:
    """Whether ``encoding`` holds one byte per character (cp1252, latin-1): text in it
    cannot hold most of the world's letters."""
    import codecs

    name = codecs.lookup(encoding).name
    return not name.startswith(("utf", "gb", "big5", "shift", "euc", "iso2022", "cp932",
                                "cp949", "cp950", "johab", "hz"))


def normal(text: str) -> str:
    """``text`` in one spelling (NFC): composed, as most keyboards type it."""
    return unicodedata.normalize("NFC", text)
