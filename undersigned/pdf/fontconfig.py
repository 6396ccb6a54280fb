"""Layout sees the bundled fonts and the campaign's own, never the machine's.

Pango finds fonts through fontconfig, which WeasyPrint 70 configures with
``FcInitLoadConfigAndFonts`` each time it makes a ``FontConfiguration``; that reads the
file named by ``FONTCONFIG_FILE``. Pointing it at the package's ``fonts/fonts.conf``
(the bundled fonts' folder, no system folder) before any font configuration is made
means that a family the document does not ship falls back to the bundled one, and no
font of the machine can be embedded in a PDF.
"""

from __future__ import annotations

import os

from ..resources import FONTS_DIR

FONTCONFIG_FILE = FONTS_DIR / "fonts.conf"


def confine_fonts() -> None:
    """Make every later font configuration of this process (and of the processes it
    starts) see only the bundled fonts."""
    os.environ["FONTCONFIG_FILE"] = str(FONTCONFIG_FILE)
    os.environ.pop("FONTCONFIG_PATH", None)
