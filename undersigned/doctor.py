"""``undersigned doctor``: is this machine ready to render, and fast and reproducibly?"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .pdf.compat import supported_weasyprint, weasyprint_imported
from .resources import CJK_FONT, FONTS_DIR

APT_FIX = "sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
KAZAKH_LETTERS = "ӘҒҚҢӨҰҮҺІәғқңөұүһі"


@dataclass
class Finding:
    """One thing checked: what, whether it is fine, the details, and the fix."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def diagnose() -> list[Finding]:
    """Check Python, WeasyPrint, Pango, HarfBuzz-subset, the fonts, and a test render."""
    findings = [Finding("Python", sys.version_info >= (3, 11), sys.version.split()[0],
                        "install Python 3.11 or newer")]
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # doctor reports the missing library itself
            weasyprint = weasyprint_imported()
            from weasyprint.text import ffi
    except OSError as exc:  # Pango or another system library is missing
        findings.append(Finding("WeasyPrint", False, f"cannot load its libraries: {exc}", APT_FIX))
        return findings
    version = weasyprint.__version__
    findings.append(Finding("WeasyPrint", supported_weasyprint(version), version,
                            "pip install 'weasyprint>=70,<71'"))
    pango = ffi.pango.pango_version()
    pango_text = f"{pango // 10000}.{pango // 100 % 100}.{pango % 100}"
    findings.append(Finding("Pango", pango >= 14400, pango_text, APT_FIX))
    subset = ffi.harfbuzz_subset is not None and ffi.harfbuzz.hb_version_atleast(4, 1, 0)
    findings.append(Finding(
        "HarfBuzz-subset", bool(subset),
        "present: fonts are subset fast and byte-reproducibly" if subset else
        "missing: rendering is about 3x slower and PDFs are not byte-reproducible",
        "sudo apt-get install -y libharfbuzz-subset0"))
    findings.append(_fonts())
    findings.append(_cjk_fonts())
    findings.append(_test_render())
    return findings


BUNDLED_FONTS = tuple(f"{family}-{style}.ttf" for family, styles in (
    ("NotoSerif", ("Regular", "Bold", "Italic", "BoldItalic")),
    ("NotoSerifGeorgian", ("Regular", "Bold")), ("NotoSerifArmenian", ("Regular", "Bold")),
    ("NotoNaskhArabic", ("Regular", "Bold"))) for style in styles)
"""The fonts the package ships: Latin, Greek and Cyrillic, Georgian, Armenian, Arabic."""
SCRIPT_SAMPLES = {"Kazakh": KAZAKH_LETTERS, "Georgian": "ქართული", "Armenian": "Հայերեն",
                  "Arabic": "العربية"}
CJK_SAMPLE = "中华人民共和国"


def _fonts() -> Finding:
    from .pdf.glyphs import font_coverage

    files = sorted(p.name for p in FONTS_DIR.glob("*.ttf"))
    absent = sorted(set(BUNDLED_FONTS) - set(files))
    missing = [c for sample in SCRIPT_SAMPLES.values() for c in sample
               if ord(c) not in font_coverage()]
    ok = not absent and not missing and (FONTS_DIR / "OFL.txt").is_file()
    detail = f"{len(files)} fonts in {FONTS_DIR}"
    if absent:
        detail += f"; missing {', '.join(absent)}"
    if missing:
        detail += f"; no glyphs for {''.join(missing)}"
    return Finding("Fonts", ok, detail, "reinstall undersigned: pip install --force-reinstall undersigned")


def _cjk_fonts() -> Finding:
    from .pdf.glyphs import font_coverage

    ok = all(ord(c) in font_coverage() for c in CJK_SAMPLE)
    detail = (f"Noto Serif CJK in {CJK_FONT.parent}: Chinese letters can be printed" if ok
              else f"no {CJK_FONT}: a letter in Chinese fails (every other language works)")
    return Finding("Chinese fonts", ok, detail, "sudo apt-get install -y fonts-noto-cjk")


def _test_render() -> Finding:
    from .errors import UndersignedError
    from .pdf.writer import render_pdf

    html = ("<html lang='kk'><style>@font-face{font-family:T;src:url("
            f"'{(FONTS_DIR / 'NotoSerif-Regular.ttf').as_uri()}')}}html{{font-family:T}}"
            f"</style><p>Қазақстан {KAZAKH_LETTERS}</p></html>")
    started = time.perf_counter()
    try:
        pdf = render_pdf(html, Path(FONTS_DIR), "doctor test page")
    except UndersignedError as exc:
        return Finding("Test render", False, str(exc), APT_FIX)
    took = (time.perf_counter() - started) * 1000
    return Finding("Test render", pdf.startswith(b"%PDF"), f"a one-page PDF in {took:.0f} ms")
