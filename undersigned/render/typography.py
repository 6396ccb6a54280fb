"""Typography per language, for every text the toolkit prints.

No line breaks inside a date ("16 мая 2017 г."), between "No." and its number, after an
initial ("Н. А. Назарбаеву"); French spacing before ``: ; ! ?`` and inside « »; the
language's quotation marks (CLDR). Applied to the text of Markdown values and to the
plain texts and dates of the template context; the text exports stay plain.
"""

from __future__ import annotations

import re
from functools import lru_cache

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
"""Languages written right to left: their copies are laid out with ``dir="rtl"``."""
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"

QUOTES = {
    "en": "“”‘’", "ga": "“”‘’", "mt": "“”‘’", "pt": "“”‘’", "tr": "“”‘’", "zh": "“”‘’",
    "az": "“”‘’", "da": "“”‘’", "nl": "‘’“”", "fi": "””’’", "sv": "””’’",
    "de": "„“‚‘", "cs": "„“‚‘", "sk": "„“‚‘", "sl": "„“‚‘", "hr": "„“‚‘", "et": "„“‚‘",
    "bg": "„“„“", "lt": "„“„“", "lv": "“”„“", "hu": "„”»«", "pl": "„”«»", "ro": "„”«»",
    "ka": "„“«»", "fr": "«»‹›", "es": "«»“”", "it": "«»“”", "el": "«»“”", "hy": "«»««",
    "ru": "«»„“", "uk": "«»„“", "kk": "«»„“", "be": "«»„“", "ar": "”“’‘",
}
"""Quotation marks per language (opening, closing, then the inner pair), as CLDR gives
them; straight quotes typed in data files become these."""


def quotes(lang: str) -> str:
    return QUOTES.get(lang, QUOTES["en"])


NUMBER_SIGNS = re.compile(r"(?<!\w)(No\.|Nos\.|Nr\.|nr\.|no\.|n°|N°|№|nº|Nº|п\.|ст\.|p\.|pp\.|"
                          r"art\.|Art\.)\s+(?=\d)")
"""A number sign and the number after it: "No. 16/2017", "№ 16", "Nr. 5", "art. 174"."""
INITIAL = re.compile(r"(?<![\w.])(\w\.)[ \t]+(?=\w)")
"""A letter and a full stop, then a word: an initial when the letter is a capital ("N. A.
Nazarbayev", "Н. А. Назарбаеву")."""
SPACES = re.compile(r"[ \t]+")
ENGLISH_QUOTED = re.compile(r"“([^“”\n]{1,2000})”")
"""A quotation between English marks (“…”), which a copy in another language prints
between its own."""


@lru_cache(maxsize=None)
def _date_pattern(lang: str) -> re.Pattern | None:
    """A day, a month name of ``lang`` and an optional year (with "г." in Russian)."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return None
    names = set()
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            names.update(locale.months.get(context, {}).get(width, {}).values())
    names = sorted((n for n in names if n and len(n) > 1), key=len, reverse=True)
    if not names:
        return None
    months = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?<!\d)(\d{{1,2}}\.?)[ \t]+({months})(?:[ \t]+(\d{{4}})"
                      rf"(?:[ \t]+(г\.|m\.|y\.|vuonna))?)?(?!\w)", re.IGNORECASE)


def typeset(text: str, lang: str) -> str:
    """``text`` with the no-break spaces and French spacing ``lang`` wants."""
    if not text:
        return text
    text = NUMBER_SIGNS.sub(lambda m: m.group(1) + NBSP, text)
    text = INITIAL.sub(lambda m: m.group(1) + (NBSP if m.group(1)[0].isupper()
                                               else m.group(0)[2:]), text)
    marks = quotes(lang)
    if "“”" not in (marks[:2], marks[2:]):  # English marks typed in another language
        text = ENGLISH_QUOTED.sub(lambda m: marks[0] + m.group(1) + marks[1], text)
    pattern = _date_pattern(lang)
    if pattern is not None:
        text = pattern.sub(lambda m: NBSP.join(g for g in m.groups() if g), text)
    if lang == "fr":
        text = french_spacing(text)
    return text


def french_spacing(text: str) -> str:
    """A narrow no-break space before ; ! ? and inside « », a no-break space before : (not
    in an address such as https://, nor between digits as in 10:30)."""
    text = re.sub(r"(?<=[^\s;!?])[ \t\u00a0\u202f]?([;!?]+)(?=\s|$|[»)\]])",
                  lambda m: NARROW_NBSP + m.group(1), text)
    text = re.sub(r"(?<=[^\s\d/:])[ \t\u00a0\u202f]?:(?=\s|$)", NBSP + ":", text)
    text = re.sub(r"«[ \t\u00a0\u202f]*", "«" + NARROW_NBSP, text)
    text = re.sub(r"[ \t\u00a0\u202f]*»", NARROW_NBSP + "»", text)
    return text


def date_text(text: str) -> str:
    """A formatted date, unbreakable: every space a no-break one."""
    return SPACES.sub(NBSP, text) if text else text
