"""Where the package's own data lives: built-in templates, catalogues, fonts, scaffold.

One module names these folders so that no stage works out a path relative to its
own file (which breaks as soon as the module moves).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
"""The installed package: the built-in templates and fonts may be read from here."""
TEMPLATES_DIR = PACKAGE_DIR / "templates"
"""The built-in templates (``builtin/letter.html``, ...)."""
CATALOGUES_DIR = PACKAGE_DIR / "catalogues"
"""The built-in phrase catalogues, one ``LANG.yaml`` each."""
FONTS_DIR = PACKAGE_DIR / "fonts"
"""The shipped fonts (Noto Serif, and Noto for Georgian, Armenian and Arabic; OFL) that
every PDF embeds."""
SYSTEM_FONTS_DIR = Path("/usr/share/fonts/opentype/noto")
"""The one folder of the machine's fonts a render sees: Noto Serif CJK (too large to bundle,
about 50 MB), installed by ``scripts/bootstrap`` from Debian's ``fonts-noto-cjk``."""
CJK_FONT = SYSTEM_FONTS_DIR / "NotoSerifCJK-Regular.ttc"
"""The regular face of Noto Serif CJK; its simplified-Chinese face is the one printed."""
CJK_FACE = 2
"""The index of "Noto Serif CJK SC" in the collection (JP, KR, SC, TC, HK)."""
SCAFFOLD_DIR = PACKAGE_DIR / "scaffold"
"""The starter campaign ``undersigned init`` copies."""
