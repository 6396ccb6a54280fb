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
    "ka": "„“«»", "fr": "«»‹›", "es": "«»“”", "it": "«»“”", "el": "«»“”", "hy": "«»«»",
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


GAP = r"[ \t\u00a0\u202f]"
YEAR_WORDS = (r"г\.|года|году|гг\.|р\.|року|r\.|roku|m\.|metų|y\.|vuonna|gada|ж\.|жылы|թ\.|"
              r"թվականի|\.?évi|-?(?:ci|cı|cu|cü)" + GAP + r"+il(?:i|də)?")
"""What follows a year in a date, in the languages that write something there ("2017 г.",
"2017 года", "2017 r.", "2017 m.", "2017-ci il")."""
CJK_DATE = re.compile(r"\d{1,4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)?"
                      r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号]")
"""A date as Chinese and Japanese write it: "2017年10月19日", "2015年12月", "10月19日"."""


YEAR_FIRST_WORDS = r"m\.|ж\.|թ\.|gada"
"""What follows the year in the languages that write it first ("2017 m. spalio 19 d.")."""


@lru_cache(maxsize=None)
def _date_pattern(lang: str) -> re.Pattern | None:
    """A date in ``lang``: a day and a month name, a month name and a year, or all three,
    with what the language writes after the year ("г.", "года", "r."), or the year first
    where the language writes it so ("2017. október 19.", "2017 m. spalio 19 d."). A month
    name of five letters or more matches in any case ending ("декабре", "grudniu" as
    "декабря", "grudnia")."""
    from babel import Locale, UnknownLocaleError

    if lang in CJK_LANGUAGES:
        return CJK_DATE
    try:
        locale = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return None
    names = set()
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            names.update(locale.months.get(context, {}).get(width, {}).values())
    names = {n for n in names if n and len(n) > 1}
    if not names:
        return None
    forms = sorted({re.escape(n[:-1]) + r"\w*" if len(n) >= 5 and n[-1].isalpha()
                    else re.escape(n) for n in names}, key=len, reverse=True)
    months = "|".join(forms)
    dates = [rf"(?:\d{{1,2}}\.?{GAP}+)?(?:{months})(?:,?{GAP}+\d{{4}}"
             rf"(?:{GAP}*(?:{YEAR_WORDS})(?!\w))?)?"]
    if locale.date_formats["long"].pattern.startswith("y"):
        dates.insert(0, rf"\d{{4}}\.?(?:{GAP}+(?:{YEAR_FIRST_WORDS}))?{GAP}+(?:\d{{1,2}}\.?"
                        rf"{GAP}+)?(?:{months})(?:{GAP}+\d{{1,2}}\.?(?:{GAP}*d\.)?)?")
    return re.compile(rf"(?<![\w.])(?:{'|'.join(dates)})(?!\w)", re.IGNORECASE)


CJK_LANGUAGES = frozenset({"zh", "ja"})
_GAPS = re.compile(GAP + "+")


def _is_date(text: str) -> bool:
    """Whether a match is a date: a month name alone ("May", "марта") is not."""
    return any(character.isdigit() for character in text)


def _join_date(match: re.Match) -> str:
    """A date's parts joined by no-break spaces."""
    text = match.group(0)
    return _GAPS.sub(NBSP, text) if _is_date(text) else text


def date_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """Where the dates of ``text`` are (start, end), to be kept whole: never broken across
    lines, never hyphenated."""
    pattern = _date_pattern(lang)
    if pattern is None:
        return []
    return [m.span() for m in pattern.finditer(text) if _is_date(m.group(0))]


TYPESET_MEMO = 2048
"""Texts typeset that a process keeps: a case's fields, a Member's country and roles are
printed in every copy that names them (1,047 texts typeset for the example's 10 copies
in ``check``, 14 ms; about 300 different). A str cannot be changed, so a copy cannot alter
what the next one prints."""
TYPESET_MEMO_TEXT = 1000
"""The longest text kept: with their number, it bounds what the memo holds (2,048 texts
of 1,000 characters and their typeset forms: 16 MiB at worst, a few hundred KiB for the
example's copies)."""


def typeset(text: str, lang: str, english_quotes: bool = True) -> str:
    """``text`` with the no-break spaces and French spacing ``lang`` wants, and English marks
    typed in another language made its own (unless ``english_quotes`` is False: Markdown
    makes them straight before its smart quotes nest them)."""
    if not text:
        return text
    if len(text) > TYPESET_MEMO_TEXT:
        return _typeset.__wrapped__(text, lang, english_quotes)
    return _typeset(text, lang, english_quotes)


@lru_cache(maxsize=TYPESET_MEMO)
def _typeset(text: str, lang: str, english_quotes: bool) -> str:
    text = NUMBER_SIGNS.sub(lambda m: m.group(1) + NBSP, text)
    text = INITIAL.sub(lambda m: m.group(1) + (NBSP if m.group(1)[0].isupper()
                                               else m.group(0)[2:]), text)
    marks = quotes(lang)
    if english_quotes and marks[:2] != "“”":  # English marks typed in another language
        text = _first_level_quotes(text, marks)
    pattern = _date_pattern(lang)
    if pattern is not None and lang not in CJK_LANGUAGES:
        text = pattern.sub(_join_date, text)
    if lang == "fr":
        text = french_spacing(text)
    return text


def _first_level_quotes(text: str, marks: str) -> str:
    """English marks “…” typed outside any quotation become the language's first-level
    marks; inside one, where the language's second level is “…” (Spanish, Italian, Greek),
    they stay."""
    def replace(match: re.Match) -> str:
        before = text[:match.start()]
        if marks[2:] == "“”" and before.count(marks[0]) > before.count(marks[1]):
            return match.group(0)
        return marks[0] + match.group(1) + marks[1]
    return ENGLISH_QUOTED.sub(replace, text)


LIST_COMMAS = {"zh": "，", "ja": "、", "ar": "، ", "fa": "، ", "ur": "، "}
"""The comma between the items of a list ("Italy, S&D"), where it is not ", "."""


def list_comma(lang: str) -> str:
    return LIST_COMMAS.get(lang, ", ")


def colon(lang: str) -> str:
    """A colon and the space after it, between a label and its text: ": ", French "\u00a0: ",
    Chinese "：" (no space after a full-width mark)."""
    if lang in CJK_LANGUAGES:
        return "："
    return NBSP + ": " if lang == "fr" else ": "


FULL_WIDTH_END = ("：", "，", "。", "；", "）")


def label(phrase: str, lang: str, colon: bool = False) -> str:
    """A phrase that leads a value ("Subject:", "Ref."), with the colon it wants when
    ``colon`` and the language's spacing, then a space, or none after a full-width mark
    ("事由：" + value, not "事由：: " nor "事由： ")."""
    if not phrase:
        return ""
    if colon and not phrase.rstrip().endswith((":", "：", "՝")):
        phrase = phrase + ("：" if lang in CJK_LANGUAGES else ":")
    phrase = typeset(phrase, lang)
    return phrase if phrase.endswith(FULL_WIDTH_END) else phrase + " "


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
