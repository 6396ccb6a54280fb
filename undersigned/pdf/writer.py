"""Making the PDF of one rendered HTML document with WeasyPrint.

WeasyPrint is imported here only, and only when a PDF is made, so that
``undersigned --help`` and ``undersigned check`` stay fast.

Three guarantees are enforced here rather than hoped for:
- nothing outside the campaign folder and the built-in templates is read, and
  nothing is fetched from the network (``CampaignFetcher``);
- every character is in the shipped font, so no fallback font from the machine
  ever appears (``check_glyphs``);
- any WeasyPrint warning or error fails the document instead of leaving a
  silently degraded PDF;
- the only links in a PDF go to the web, to an e-mail address or within the document
  (``web_links_only``): no ``javascript:``, ``file:`` or ``launch:`` action, no file
  attached through a link.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

from ..errors import FetchRefused, RenderError
from .compat import (default_compression, html_parsing_cached, ids_unanchored, kept_whole,
                     objects_encoded_once, stylesheets_shared, tagging_fixes,
                     unambiguous_stream_ends, weasyprint_imported, without_notes)
from .fetcher import make_fetcher
from .fontconfig import confine_fonts
from .glyphs import check_glyphs
from .hyphens import unwrapped
from .messages import weasyprint_messages
from .standards import DEFAULT_STANDARD, STANDARDS, add_ua_identification
from .structure import join_signature_rows


def render_pdf(html: str, campaign_root: Path, what: str, font_config=None,
               variant: str = DEFAULT_STANDARD) -> bytes:
    """The PDF of ``html``; a RenderError naming ``what`` if anything went wrong."""
    return write_pdf(layout(html, campaign_root, what, font_config), what, variant=variant)


def write_pdf(document, what: str, finisher=None, variant: str = DEFAULT_STANDARD) -> bytes:
    """The PDF bytes of a laid-out document in the standard ``variant`` (a key of
    ``STANDARDS``: tagged PDF/A-3a and PDF/UA-1 by default); ``finisher`` may add to it."""
    standard = STANDARDS[variant]

    def finish(document, pdf) -> None:
        if standard.ua_in_pdf_a:
            add_ua_identification(pdf)
        join_signature_rows(pdf)
        _uncompressed_metadata(pdf)
        _images_not_interpolated(pdf)
        if finisher is not None:
            finisher(document, pdf)

    unambiguous_stream_ends()
    objects_encoded_once()
    default_compression()
    tagging_fixes()
    with _failures_named(what):
        return document.write_pdf(pdf_variant=standard.weasyprint_variant, finisher=finish)


def _uncompressed_metadata(pdf) -> None:
    """Store the XMP metadata stream without a filter, as PDF/A requires (ISO 19005-2,
    6.6.2.1); WeasyPrint 70 compresses it for every PDF/A version but the first."""
    reference = pdf.catalog.get("Metadata")
    if reference is not None:
        pdf.objects[int(reference.split()[0])].compress = False


def _images_not_interpolated(pdf) -> None:
    """Write every image with /Interpolate false, as PDF/A requires (ISO 19005-2, 6.2.8);
    WeasyPrint 70 asks viewers to smooth any image whose CSS ``image-rendering`` is
    ``auto``, as a template's logo or signature image is unless it says otherwise."""
    for item in pdf.objects:
        extra = getattr(item, "extra", None)
        if extra is not None and extra.get("Subtype") == "/Image" and "Interpolate" in extra:
            extra["Interpolate"] = "false"


def layout(html: str, campaign_root: Path, what: str, font_config=None):
    """WeasyPrint's laid-out document (pages and boxes) of ``html``; the words of its
    spans that only keep text unhyphenated are kept whole by the hyphenation dictionaries
    instead, at no cost in boxes (:mod:`.hyphens`); an ``id`` nothing links to makes
    no anchor (:func:`unlinked`), and a document without footnotes or notes is cascaded
    without their rules (``compat.without_notes``)."""
    confine_fonts()
    weasyprint = weasyprint_imported()

    check_glyphs(html, what)
    kept_whole()
    stylesheets_shared()
    html_parsing_cached()
    html, words = unwrapped(html)
    with _failures_named(what):
        document = weasyprint.HTML(string=html,
                                   base_url=campaign_root.resolve().as_uri() + "/",
                                   url_fetcher=make_fetcher(campaign_root))
        document.undersigned_kept_whole = words
        if not EXTERNAL_CSS.search(html):  # all the document's CSS is in its HTML
            ids_unanchored(document, unlinked(document.etree_element, html))
            without_notes(document, html)
        return web_links_only(document.render(font_config=font_config))


def unlinked(root, html: str) -> set:
    """The elements under ``root`` with an ``id`` that nothing in ``html`` names ("#id"
    nowhere: no link, no ``target-counter``): their ids need no anchor (``compat.ids_unanchored``).
    The signature boxes' and signing spaces' ids are read from the boxes, not linked to.
    (Asked only of a document whose CSS is all in ``html``: :data:`EXTERNAL_CSS`.)"""
    return {element for element in root.iter()
            if (name := element.get("id")) and f"#{name}" not in html}


EXTERNAL_CSS = re.compile(r"(?i)<link|@import")
"""What in a document's HTML brings CSS the HTML does not show: such a CSS may name any
id or ask for footnotes, so every id stays an anchor and the footnote rules stay."""


LINK_SCHEMES = re.compile(r"(?i)^(https?|mailto):")
"""The only targets a link in a PDF may have, beside a place in the same document."""


def web_links_only(document):
    """Drop from a laid-out document every link but those within it and those to
    ``http``, ``https`` and ``mailto`` addresses (a template can write any ``<a href>``);
    the linked text stays."""
    for page in document.pages:
        page.links[:] = [link for link in page.links
                         if link[0] == "internal"
                         or link[0] == "external" and LINK_SCHEMES.match(str(link[1]).strip())]
    return document


@contextmanager
def _failures_named(what: str):
    """Turn whatever WeasyPrint raises or logs into a RenderError naming the document."""
    from weasyprint.urls import FatalURLFetchingError

    try:
        with weasyprint_messages() as messages:
            yield
    except FatalURLFetchingError as exc:
        raise FetchRefused(f"{what}: {exc}") from exc
    except (RenderError, FetchRefused, MemoryError):
        raise  # (the renderer words running out of memory)
    except Exception as exc:  # WeasyPrint raises many kinds; each fails this document only.
        raise RenderError(f"{what}: WeasyPrint failed: {type(exc).__name__}: {exc}") from exc
    if messages:
        details = "; ".join(record.getMessage() for record in messages[:3])
        raise RenderError(f"{what}: WeasyPrint reported: {details}")
