"""Every character of a document is drawn from the shipped fonts, or the document fails:
no fallback font from the machine ever appears in a PDF."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from html.parser import HTMLParser

from ..errors import RenderError
from ..resources import CJK_FACE, CJK_FONT, FONTS_DIR


@lru_cache(maxsize=1)
def font_coverage() -> frozenset[int]:
    """Code points the shipped fonts can draw (each family's styles cover the same set),
    with Chinese where the system's Noto Serif CJK is installed."""
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for path in sorted(FONTS_DIR.glob("*-Regular.ttf")):
        with TTFont(path, lazy=True) as font:
            covered.update(font.getBestCmap())
    if CJK_FONT.is_file():
        with TTFont(CJK_FONT, lazy=True, fontNumber=CJK_FACE) as font:
            covered.update(font.getBestCmap())
    return frozenset(covered)


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chars: set[str] = set()

    def handle_data(self, data):
        self.chars.update(data)

    def handle_starttag(self, tag, attrs):
        # Only the alt text of images can be drawn (when the image is missing).
        for name, value in attrs:
            if name == "alt" and value:
                self.chars.update(value)


FONT_HELP = 'see "Adding a font" in README.md'
"""Where a message about a character no font has sends the reader."""


def missing_glyphs(html: str) -> list[str]:
    """The characters of a document's text the shipped fonts cannot draw, sorted."""
    collector = _TextCollector()
    collector.feed(html)
    return undrawable(collector.chars)


def undrawable(chars) -> list[str]:
    """Those of ``chars`` that would be drawn and that the shipped fonts cannot draw."""
    covered = font_coverage()
    return sorted(c for c in set(chars)
                  if ord(c) not in covered and not c.isspace()
                  and unicodedata.category(c) not in ("Cc", "Cf"))


def describe_character(c: str) -> str:
    """``'漢' (U+6F22 CJK UNIFIED IDEOGRAPH-6F22)``."""
    return f"'{c}' (U+{ord(c):04X} {unicodedata.name(c, '?')})"


def check_glyphs(html: str, what: str) -> None:
    """Fail if the document uses a character the shipped font cannot draw, naming them all."""
    missing = missing_glyphs(html)
    if missing:
        shown = ", ".join(describe_character(c) for c in missing)
        raise RenderError(f"{what}: the font has no glyph for {shown}; "
                          f"use other characters or add a font that has them ({FONT_HELP})")
