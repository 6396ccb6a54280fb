"""Workarounds for third-party behaviour, each in one place, guarded by the versions it was
written for, so that an upgrade fails loudly here instead of quietly elsewhere.

- pydyf (WeasyPrint's PDF writer) can end a stream ambiguously (``stream_ends``);
- WeasyPrint 70 exposes a page's laid-out boxes only as the private ``_page_box``
  (``page_box``).
"""

from __future__ import annotations

from functools import lru_cache

from ..errors import UnsupportedVersion

PYDYF_VERSIONS = ("0.10.", "0.11.", "0.12.", "0.13.")
"""pydyf releases whose ``Stream.data`` the stream-end fix was written and tested for."""
WEASYPRINT_VERSIONS = ("70.",)
"""The WeasyPrint releases undersigned supports (the one place that says so: ``doctor``
asks it, and a test compares it with pyproject.toml's requirement): those whose
``Page._page_box`` the layout lookups, and whose output the PDF/A fixes, were written for."""

__all__ = ["UnsupportedVersion", "WEASYPRINT_VERSIONS", "page_box", "unambiguous_stream_ends"]


def supported_weasyprint(version: str) -> bool:
    """Whether ``version`` of WeasyPrint is one undersigned supports."""
    return version.startswith(WEASYPRINT_VERSIONS)


@lru_cache(maxsize=1)
def unambiguous_stream_ends() -> None:
    """Make every stream end with an unambiguous end-of-line before ``endstream``.

    pydyf (WeasyPrint's PDF writer) writes ``stream``, the data, ``\\n`` and
    ``endstream``. When compressed data happens to end with a ``\\r`` byte (one
    stream in 256), that ``\\r\\n`` reads as the end-of-line, so the data looks a
    byte shorter than its /Length: a PDF/A violation (ISO 19005-2, 6.1.7.1) that
    validators report. Such a stream gets ``\\r\\n`` after its data instead.
    """
    import pydyf

    if not pydyf.__version__.startswith(PYDYF_VERSIONS):
        raise UnsupportedVersion(f"pydyf {pydyf.__version__}: the stream-end fix in "
                                 "undersigned.pdf.compat was written for pydyf "
                                 + ", ".join(v + "x" for v in PYDYF_VERSIONS))
    original = pydyf.Stream.data.fget

    def data(self):
        raw = original(self)
        if raw.endswith(b"\r\nendstream"):
            raw = raw[:-len(b"\nendstream")] + b"\r\nendstream"
        return raw

    pydyf.Stream.data = property(data)


def page_box(page):
    """The root box of a laid-out WeasyPrint page (WeasyPrint 70 keeps it private)."""
    import weasyprint

    if not supported_weasyprint(weasyprint.__version__):
        raise UnsupportedVersion(f"WeasyPrint {weasyprint.__version__}: the layout lookups "
                                 "in undersigned.pdf.compat were written for WeasyPrint 70")
    return page._page_box
