"""Reading what a finished PDF says about itself: its signature fields, and whether any is
signed. A query on bytes, never a search for a byte pattern (a text can contain
``/ByteRange /Sig`` and be no signature at all)."""

from __future__ import annotations

import io
import logging


def signed_fields(data: bytes) -> list[str] | None:
    """The names of the signature fields that carry a signature (a ``/V`` dictionary), from
    the PDF's form; None when the bytes cannot be read as a PDF (or are encrypted)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    logger = logging.getLogger("pyhanko")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)  # an odd file is an answer here, not a log line
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            return None
        return [name for name, value, _ in enumerate_sig_fields(reader) if value is not None]
    except Exception:  # pyHanko raises many kinds for files that are not (good) PDFs
        return None
    finally:
        logger.setLevel(level)


def is_signed(data: bytes) -> bool:
    """Whether a PDF carries at least one signature in its form."""
    return bool(signed_fields(data))
