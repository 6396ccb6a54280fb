"""Words a document keeps unhyphenated, given to WeasyPrint at the cost of no box.

A template keeps text whole with ``<span style="hyphens: manual">…</span>``, and so does
the ``markdown`` filter for each capitalised word of a case's text ("Аблязова" is never
printed as "Аблязо-ва"). In WeasyPrint each such span is an inline box that the layout of
every line of its paragraph pays for: a tenth of an English letter of the benchmark's
campaign (156 ms with its 20 spans, 142 ms without, in one process, best of 3).

The PDF gets the same guarantee from the hyphenation dictionaries instead: it is made from
the HTML without these spans (:func:`unwrapped`), and each dictionary of its layout refuses
to split the words they held (:class:`Dictionaries`, which ``compat.kept_whole`` gives
WeasyPrint). Line breaks between the words of a span are allowed as they were. A word so
kept is kept whole wherever it is in the document, also outside a span (a name is not
hyphenated in one sentence and split in the next), whatever its case. The HTML itself
(a web copy, the preview) keeps its spans: a browser needs them.
"""

from __future__ import annotations

import re
from html import unescape

KEPT_WHOLE = re.compile(r'<span style="hyphens: manual">([^<>]*)</span>')
"""A span that only keeps its text, with no element in it, from being hyphenated."""
WORD = re.compile(r"\w+")


def unwrapped(html: str) -> tuple[str, frozenset[str]]:
    """``html`` without the spans that keep text whole (:data:`KEPT_WHOLE`), and the words
    they held, case-folded."""
    words: set[str] = set()

    def text(match: re.Match) -> str:
        words.update(word.casefold() for word in WORD.findall(unescape(match.group(1))))
        return match.group(1)

    return KEPT_WHOLE.sub(text, html), frozenset(words)


def kept(word: str, words: frozenset[str]) -> bool:
    """Whether ``word`` (as the layout found it: Pango ends a word at an apostrophe or a
    hyphen) is one of ``words`` in any case, or has one as a part: "ABLYAZOV" (a
    ``text-transform``) and "Ablyazov’s" (should a layout give it whole) are kept with
    "Ablyazov"."""
    return not words.isdisjoint(part.casefold() for part in WORD.findall(word))


class KeptWhole:
    """A Pyphen dictionary that does not split the words of :func:`kept`."""

    def __init__(self, dictionary, words: frozenset[str]):
        self.dictionary, self.words = dictionary, words

    def iterate(self, word: str):
        """The places ``word`` may be split at, as Pyphen's ``iterate``: none if it is kept."""
        return iter(()) if kept(word, self.words) else self.dictionary.iterate(word)

    def __getattr__(self, name: str):
        return getattr(self.dictionary, name)


class Dictionaries(dict):
    """The hyphenation dictionaries of one document's layout, each made to keep ``words``
    whole.

    WeasyPrint 70 keeps them in ``LayoutContext.dictionaries``, asks it with ``get`` for
    the key ``(lang, left, right, total)`` and, the first time a language needs one,
    makes a Pyphen dictionary that it both stores and uses at once: so it is made here,
    on that first ``get``, where it can be wrapped before it is used."""

    def __init__(self, words: frozenset[str]):
        super().__init__()
        self.words = words

    def get(self, key, default=None):
        if key not in self:
            import pyphen

            lang, left, right, _total = key
            self[key] = KeptWhole(pyphen.Pyphen(lang=lang, left=left, right=right), self.words)
        return super().get(key, default)
