"""Reading what a finished PDF says about itself: its signature fields, and whether any is
signed. A query on bytes, never a search for a byte pattern (a text can contain
``/ByteRange /Sig`` and be no signature at all)."""

from __future__ import annotations

import hashlib
import io
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import UnsupportedVersion
from .compat import object_streams_indexed


def signed_fields(data: bytes) -> list[str] | None:
    """The names of the signature fields that carry a signature (a ``/V`` dictionary), from
    the PDF's form; None when the bytes cannot be read as a PDF (or are encrypted)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    with _quiet():
        try:
            reader = object_streams_indexed(PdfFileReader(io.BytesIO(data), strict=False))
            if reader.encrypted:
                return None
            return [name for name, value, _ in enumerate_sig_fields(reader) if value is not None]
        except UnsupportedVersion:
            raise
        except Exception:  # pyHanko raises many kinds for files that are not (good) PDFs
            return None


def is_signed(data: bytes) -> bool:
    """Whether a PDF carries at least one signature in its form."""
    return bool(signed_fields(data))


_REVISION_END = re.compile(rb"%%EOF(?:\r\n|\r|\n)?")


@dataclass(frozen=True)
class SignedBase:
    """What the first signature of a PDF was made over."""

    sha256: str
    """SHA-256 of the PDF's first revision: the bytes up to its first ``%%EOF``."""
    direct: bool
    """The first signature is the first change after that revision (nothing was added to
    the document between the build and the first signature)."""


def signed_base(data: bytes) -> SignedBase | None:
    """The revision that a signed PDF's first signature was made over; None when the PDF
    carries no signature (or cannot be read as one)."""
    ends = _signature_ends(data)
    if not ends:
        return None
    first = min(ends)
    revisions = [m.end() for m in _REVISION_END.finditer(data, 0, first)]
    if not revisions:
        return None
    return SignedBase(hashlib.sha256(data[:revisions[0]]).hexdigest(), len(revisions) == 2)


def _signature_ends(data: bytes) -> list[int]:
    """Where the bytes each signature covers end (``/ByteRange`` [a b c d]: at c + d)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    ends = []
    with _quiet():
        try:
            reader = object_streams_indexed(PdfFileReader(io.BytesIO(data), strict=False))
            if reader.encrypted:
                return []
            for _, value, _ in enumerate_sig_fields(reader, filled_status=True):
                byte_range = value.get_object().get("/ByteRange")
                start, length = int(byte_range[2]), int(byte_range[3])
                if 0 < start + length <= len(data):
                    ends.append(start + length)
        except UnsupportedVersion:
            raise
        except Exception:  # pyHanko raises many kinds for files that are not (good) PDFs
            return []
    return ends


@contextmanager
def _quiet():
    logger = logging.getLogger("pyhanko")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)  # an odd file is an answer here, not a log line
    try:
        yield
    finally:
        logger.setLevel(level)
