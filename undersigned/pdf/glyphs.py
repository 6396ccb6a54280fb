"""Every character of a document is drawn from the shipped fonts, or the document fails:
no fallback font from the machine ever appears in a PDF."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from html.parser import HTMLParser

from ..errors import RenderError
from ..resources import FONTS_DIR


@lru_cache(maxsize=1)
def font_coverage() -> frozenset[int]:
    """Code points the shipped fonts can draw (all four styles cover the same set)."""
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for path in sorted(FONTS_DIR.glob("*-Regular.ttf")):
        with TTFont(path, lazy=True) as font:
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


def check_glyphs(html: str, what: str) -> None:
    """Fail if the document uses a character the shipped font cannot draw."""
    collector = _TextCollector()
    collector.feed(html)
    covered = font_coverage()
    missing = sorted(c for c in collector.chars
                     if ord(c) not in covered and not c.isspace()
                     and unicodedata.category(c) not in ("Cc", "Cf"))
    if missing:
        shown = ", ".join(f"'{c}' (U+{ord(c):04X} {unicodedata.name(c, '?')})"
                          for c in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise RenderError(f"{what}: the font has no glyph for {shown}{more}; "
                          "use other characters or add a font that has them")
