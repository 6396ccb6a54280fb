"""Making the PDF of one rendered HTML document with WeasyPrint.

WeasyPrint is imported here only, and only when a PDF is made, so that
``undersigned --help`` and ``undersigned check`` stay fast.

Three guarantees are enforced here rather than hoped for:
- nothing outside the campaign folder and the built-in templates is read, and
  nothing is fetched from the network (``CampaignFetcher``);
- every character is in the shipped font, so no fallback font from the machine
  ever appears (``check_glyphs``);
- any WeasyPrint warning or error fails the document instead of leaving a
  silently degraded PDF.
"""

from __future__ import annotations

import logging
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import FetchRefused, RenderError

FONTS_DIR = Path(__file__).parent / "fonts"
BUILTIN_DIR = Path(__file__).parent
PDF_VARIANT = "pdf/a-3b"
"""Archival PDF by default: fonts embedded, colours defined, metadata in XMP."""


@lru_cache(maxsize=1)
def fetcher_class():
    """The URL fetcher class, defined once WeasyPrint is imported (lazily, to keep it out of
    start-up)."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class CampaignFetcher(URLFetcher):
        """Serves ``data:`` URLs and files under the allowed folders; refuses all else."""

        def __init__(self, roots: list[Path]):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False,
                             timeout=5)
            self.roots = [root.resolve() for root in roots]

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise FatalURLFetchingError(f"refused to fetch {url}: only files in the "
                                            "campaign folder can be used")
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise FatalURLFetchingError(f"refused to read {path}: it is outside the "
                                            "campaign folder")
            return super().fetch(path.as_uri(), headers)

    return CampaignFetcher


def make_fetcher(campaign_root: Path):
    """A fetcher that may read the campaign folder and the built-in templates and fonts."""
    return fetcher_class()([campaign_root, BUILTIN_DIR])


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


@contextmanager
def _weasyprint_messages():
    """Collect WeasyPrint's warnings and errors during a render."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    logger = logging.getLogger("weasyprint")
    handler = Collect(level=logging.WARNING)
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def render_pdf(html: str, campaign_root: Path, what: str, font_config=None,
               variant: str = PDF_VARIANT) -> bytes:
    """The PDF of ``html``; a RenderError naming ``what`` if anything went wrong."""
    return write_pdf(layout(html, campaign_root, what, font_config), what, variant=variant)


def write_pdf(document, what: str, finisher=None, variant: str = PDF_VARIANT) -> bytes:
    """The PDF bytes of a laid-out document in ``variant`` (PDF/A-3b by default, or
    PDF/UA-1); ``finisher`` may add to it."""
    def finish(document, pdf) -> None:
        _uncompressed_metadata(pdf)
        if finisher is not None:
            finisher(document, pdf)

    _unambiguous_stream_ends()
    with _failures_named(what):
        return document.write_pdf(pdf_variant=variant, finisher=finish)


@lru_cache(maxsize=1)
def _unambiguous_stream_ends() -> None:
    """Make every stream end with an unambiguous end-of-line before ``endstream``.

    pydyf (WeasyPrint's PDF writer) writes ``stream``, the data, ``\\n`` and
    ``endstream``. When compressed data happens to end with a ``\\r`` byte (one
    stream in 256), that ``\\r\\n`` reads as the end-of-line, so the data looks a
    byte shorter than its /Length: a PDF/A violation (ISO 19005-2, 6.1.7.1) that
    validators report. Such a stream gets ``\\r\\n`` after its data instead.
    """
    import pydyf

    original = pydyf.Stream.data.fget

    def data(self):
        raw = original(self)
        if raw.endswith(b"\r\nendstream"):
            raw = raw[:-len(b"\nendstream")] + b"\r\nendstream"
        return raw

    pydyf.Stream.data = property(data)


def _uncompressed_metadata(pdf) -> None:
    """Store the XMP metadata stream without a filter, as PDF/A requires (ISO 19005-2,
    6.6.2.1); WeasyPrint 70 compresses it for every PDF/A version but the first."""
    reference = pdf.catalog.get("Metadata")
    if reference is not None:
        pdf.objects[int(reference.split()[0])].compress = False


def layout(html: str, campaign_root: Path, what: str, font_config=None):
    """WeasyPrint's laid-out document (pages and boxes) of ``html``."""
    import weasyprint

    check_glyphs(html, what)
    with _failures_named(what):
        document = weasyprint.HTML(string=html,
                                   base_url=campaign_root.resolve().as_uri() + "/",
                                   url_fetcher=make_fetcher(campaign_root))
        return document.render(font_config=font_config)


@contextmanager
def _failures_named(what: str):
    """Turn whatever WeasyPrint raises or logs into a RenderError naming the document."""
    from weasyprint.urls import FatalURLFetchingError

    try:
        with _weasyprint_messages() as messages:
            yield
    except FatalURLFetchingError as exc:
        raise FetchRefused(f"{what}: {exc}") from exc
    except (RenderError, FetchRefused):
        raise
    except Exception as exc:  # WeasyPrint raises many kinds; each fails this document only.
        raise RenderError(f"{what}: WeasyPrint failed: {type(exc).__name__}: {exc}") from exc
    if messages:
        details = "; ".join(record.getMessage() for record in messages[:3])
        raise RenderError(f"{what}: WeasyPrint reported: {details}")


@dataclass(frozen=True)
class ElementBox:
    """Where an element was laid out: its page and border box, in CSS px from the top left."""

    page: int
    """0-based page index."""
    element_id: str
    x: float
    y: float
    width: float
    height: float


def element_boxes(document, css_class: str) -> list[ElementBox]:
    """Every laid-out box of the elements with ``css_class``, one per element and page.

    An element split across pages has a box on each; one kept whole, on one page only.
    """
    found = []
    for index, page in enumerate(document.pages):
        seen = set()
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None or id(element) in seen or not hasattr(box, "border_width"):
                continue
            if css_class not in (element.get("class") or "").split():
                continue
            seen.add(id(element))
            found.append(ElementBox(index, element.get("id") or "", box.border_box_x(),
                                    box.border_box_y(), box.border_width(),
                                    box.border_height()))
    return found
