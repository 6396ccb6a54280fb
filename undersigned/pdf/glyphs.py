"""Every character of a document is drawn from the shipped fonts, or the document fails:
no fallback font from the machine ever appears in a PDF."""

from __future__ import annotations

import struct
import unicodedata
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser

from .. import kept
from ..errors import RenderError
from ..resources import CJK_FACE, CJK_FONT, FONTS_DIR


@lru_cache(maxsize=1)
def font_coverage() -> frozenset[int]:
    """Code points the shipped fonts can draw (each family's styles cover the same set),
    with Chinese where the system's Noto Serif CJK is installed."""
    return _shipped_coverage() | _cjk_coverage()


@lru_cache(maxsize=1)
def _shipped_coverage() -> frozenset[int]:
    return _kept_coverage("shipped", sorted(FONTS_DIR.glob("*-Regular.ttf")))


@lru_cache(maxsize=1)
def _cjk_coverage() -> frozenset[int]:
    """Read only for a character the shipped fonts lack."""
    return _kept_coverage("cjk", [CJK_FONT], CJK_FACE) if CJK_FONT.is_file() else frozenset()


def _kept_coverage(label: str, fonts: list, face: int = 0) -> frozenset[int]:
    """The characters the fonts draw, kept between runs (:mod:`undersigned.kept`) while
    their files are unchanged (decoding Noto Serif CJK's character map took 8 ms)."""
    def decode() -> frozenset[int]:
        return frozenset(c for path in fonts for c in _code_points(path, face))

    try:
        inputs = kept.stat_digest(fonts)
    except OSError:
        return decode()
    return kept.remembered(f"coverage-{label}", kept.key("coverage", inputs, str(face)),
                           decode, _ranges, lambda data: frozenset(
                               c for first, last in data for c in range(int(first), int(last) + 1)))


def _ranges(points: frozenset[int]) -> list[list[int]]:
    """Code points as [first, last] runs (Noto Serif CJK's 44,746 are 1,978 runs)."""
    runs: list[list[int]] = []
    for c in sorted(points):
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return runs


def _code_points(path, face: int = 0) -> frozenset[int]:
    """The characters a font maps to a glyph, from the character-map subtable fontTools'
    getBestCmap reads, decoded here when it is of format 12 (Noto Serif CJK's 45,000
    characters as ranges: fontTools' map of each took 100 ms) or of format 4 (the shipped
    fonts: importing fontTools alone took 20 ms of every check); by fontTools otherwise."""
    try:
        with open(path, "rb") as file:
            table = _table(file, b"cmap", face)
        found = _decoded(table) if table is not None else None
    except (OSError, ValueError, IndexError, struct.error):  # (IndexError: no such face)
        found = None  # fontTools says what is wrong with it
    if found is not None:
        return found
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True, fontNumber=face) as font:
        return frozenset(font.getBestCmap())


BEST_CMAPS = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))
"""The subtables getBestCmap prefers, in its order."""


def _decoded(table: bytes) -> frozenset[int] | None:
    """The characters of the subtable getBestCmap would read, when it is of format 12 or
    4; None for any other, or one cut short."""
    _, count = struct.unpack_from(">HH", table)
    subtables = {}
    for n in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", table, 4 + 8 * n)
        subtables.setdefault((platform, encoding), offset)
    best = next((subtables[key] for key in BEST_CMAPS if key in subtables), None)
    if best is None:
        return None
    kind = struct.unpack_from(">H", table, best)[0]
    if kind == 12:
        groups = struct.unpack_from(">I", table, best + 12)[0]
        data = table[best + 16:best + 16 + 12 * groups]
        if len(data) != 12 * groups:
            return None
        return frozenset(c for first, last, glyph in struct.iter_unpack(">III", data)
                         for n, c in enumerate(range(first, last + 1)) if glyph + n)
    if kind == 4:
        return _format_4(table, best)
    return None


def _format_4(table: bytes, at: int) -> frozenset[int] | None:
    """The characters a format-4 subtable (segments of the BMP) maps to a glyph other
    than 0, the missing glyph."""
    length, _, twice = struct.unpack_from(">HHH", table, at + 2)
    if at + length > len(table):
        return None
    segments = twice // 2
    ends_at = at + 14
    starts_at = ends_at + twice + 2
    deltas_at = starts_at + twice
    offsets_at = deltas_at + twice
    ends = struct.unpack_from(f">{segments}H", table, ends_at)
    starts = struct.unpack_from(f">{segments}H", table, starts_at)
    deltas = struct.unpack_from(f">{segments}h", table, deltas_at)
    offsets = struct.unpack_from(f">{segments}H", table, offsets_at)
    found = []
    for n in range(segments):
        first, last, delta, offset = starts[n], ends[n], deltas[n], offsets[n]
        if first > last:
            continue
        for c in range(first, last + 1):
            if c == 0xFFFF:
                break
            if offset == 0:
                glyph = (c + delta) & 0xFFFF
            else:
                glyph = struct.unpack_from(">H", table,
                                           offsets_at + 2 * n + offset + 2 * (c - first))[0]
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            if glyph:
                found.append(c)
    return frozenset(found)


def _read(file, size: int, at: int | None = None) -> bytes:
    """``size`` bytes of a font file (from ``at``); ValueError for a file cut short."""
    if at is not None:
        file.seek(at)
    data = file.read(size)
    if len(data) != size:
        raise ValueError(f"{file.name}: cut short")
    return data


def _faces(file) -> list[tuple[bytes, bytes]]:
    """Each font's offset table and table records in a font file (one; several in a
    collection); ValueError for a file cut short."""
    head = _read(file, 12, 0)
    starts = [0]
    if head[:4] == b"ttcf":
        count = struct.unpack_from(">I", head, 8)[0]
        if count > 1024:
            raise ValueError(f"{file.name}: not a font collection ({count:,} fonts)")
        starts = list(struct.unpack(f">{count}I", _read(file, 4 * count)))
    faces = []
    for start in starts:
        offset_table = _read(file, 12, start)
        tables = struct.unpack_from(">H", offset_table, 4)[0]
        faces.append((offset_table, _read(file, 16 * tables)))
    return faces


def _table(file, tag: bytes, face: int = 0) -> bytes | None:
    """The bytes of one table of a font (None when it has none)."""
    _, records = _faces(file)[face]
    for found, _, offset, length in struct.iter_unpack(">4sIII", records):
        if found == tag:
            return _read(file, length, offset)
    return None


def table_directories(path) -> bytes:
    """The table directories of a font file (of each font of a collection): every table's
    tag, checksum, offset and length, as the file declares them.

    They change with any table's content, so they stand for a large font's content
    (Noto Serif CJK: 53 MB to hash, 60 ms a build; its directories are 1 KB).
    OSError or ValueError for a file that is not a font or is cut short."""
    with open(path, "rb") as file:
        faces = _faces(file)
        return _read(file, 12, 0) + b"".join(table + records for table, records in faces)


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
