"""Every character of a document is drawn from the shipped fonts, or the document fails:
no fallback font from the machine ever appears in a PDF."""

from __future__ import annotations

import struct
import unicodedata
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser

from ..errors import RenderError
from ..resources import CJK_FACE, CJK_FONT, FONTS_DIR


@lru_cache(maxsize=1)
def font_coverage() -> frozenset[int]:
    """Code points the shipped fonts can draw (each family's styles cover the same set),
    with Chinese where the system's Noto Serif CJK is installed."""
    return _shipped_coverage() | _cjk_coverage()


@lru_cache(maxsize=1)
def _shipped_coverage() -> frozenset[int]:
    return frozenset(c for path in sorted(FONTS_DIR.glob("*-Regular.ttf"))
                     for c in _code_points(path))


@lru_cache(maxsize=1)
def _cjk_coverage() -> frozenset[int]:
    """Read only for a character the shipped fonts lack."""
    return _code_points(CJK_FONT, CJK_FACE) if CJK_FONT.is_file() else frozenset()


def _code_points(path, face: int = 0) -> frozenset[int]:
    """The characters a font maps to a glyph. A font with a table of whole ranges
    (format 12, as Noto Serif CJK's 45,000 characters) is read as those ranges: decoding
    it into fontTools' map of every character took 100 ms."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True, fontNumber=face) as font:
        ranges = _ranges(font.reader["cmap"])
        if ranges is None:
            return frozenset(font.getBestCmap())
    return frozenset(c for first, last in ranges for c in range(first, last + 1))


def _ranges(table: bytes) -> list[tuple[int, int]] | None:
    """The Windows full-Unicode (3, 10) subtable's groups when it is of format 12, the
    one getBestCmap would read first; None for any other font."""
    try:
        _, count = struct.unpack_from(">HH", table)
        for n in range(count):
            platform, encoding, offset = struct.unpack_from(">HHI", table, 4 + 8 * n)
            if (platform, encoding) == (3, 10) and \
                    struct.unpack_from(">H", table, offset)[0] == 12:
                groups = struct.unpack_from(">I", table, offset + 12)[0]
                data = table[offset + 16:offset + 16 + 12 * groups]
                if len(data) != 12 * groups:
                    return None  # cut short: fontTools says what is wrong with it
                return [(first, last) for first, last, _ in struct.iter_unpack(">III", data)]
    except struct.error:
        pass  # a damaged table: likewise
    return None


def table_directories(path) -> bytes:
    """The table directories of a font file (of each font of a collection): every table's
    tag, checksum, offset and length, as the file declares them.

    They change with any table's content, so they stand for a large font's content
    (Noto Serif CJK: 53 MB to hash, 60 ms a build; its directories are 1 KB).
    OSError or ValueError for a file that is not a font or is cut short."""
    with open(path, "rb") as file:
        head = file.read(12)
        starts = [0]
        if head[:4] == b"ttcf":
            count = struct.unpack_from(">I", head, 8)[0]
            if count > 1024:
                raise ValueError(f"{path}: not a font collection ({count:,} fonts)")
            data = file.read(4 * count)
            starts = list(struct.unpack(f">{count}I", data)) if len(data) == 4 * count else []
            if len(starts) != count:
                raise ValueError(f"{path}: cut short")
        parts = [head]
        for start in starts:
            file.seek(start)
            offset_table = file.read(12)
            if len(offset_table) != 12:
                raise ValueError(f"{path}: cut short")
            tables = struct.unpack_from(">H", offset_table, 4)[0]
            records = file.read(16 * tables)
            if len(records) != 16 * tables:
                raise ValueError(f"{path}: cut short")
            parts += [offset_table, records]
    return b"".join(parts)


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
    # The page's characters, and what its character references stand for, hold every
    # character of its text: when the fonts draw them all, the text need not be parsed
    # out of the markup (a quarter of a millisecond instead of a millisecond or more).
    if not undrawable(set(html).union(unescape(html)) if "&" in html else set(html)):
        return []
    collector = _TextCollector()
    collector.feed(html)
    return undrawable(collector.chars)


def undrawable(chars) -> list[str]:
    """Those of ``chars`` that would be drawn and that the shipped fonts cannot draw."""
    shipped = _shipped_coverage()
    lacking = [c for c in set(chars)
               if ord(c) not in shipped and not c.isspace()
               and unicodedata.category(c) not in ("Cc", "Cf")]
    if lacking:
        cjk = _cjk_coverage()
        lacking = [c for c in lacking if ord(c) not in cjk]
    return sorted(lacking)


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
