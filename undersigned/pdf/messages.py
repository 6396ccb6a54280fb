"""What WeasyPrint says while it works: the writer fails a document on any warning, and
a stylesheet that made one is never shared (``compat.stylesheets_shared``)."""

from __future__ import annotations

import logging
from contextlib import contextmanager


@contextmanager
def weasyprint_messages():
    """Collect WeasyPrint's warnings and errors while the block runs."""
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
