"""Languages: phrase catalogues, and dates and country names through Babel.

Fixed phrases of the templates ("Yours sincerely,", "Question for written
answer") live in per-language catalogues, ``catalogues/<lang>.yaml``: the
built-in ones in the package, which a campaign can extend or override with
files of its own in its ``catalogues/`` folder.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .. import kept
from ..errors import Problems, UndersignedError, did_you_mean
from ..resources import CATALOGUES_DIR
from .models import PartialDate
from .yamlfile import PARSER, YamlFile, read_yaml

BUILTIN_CATALOGUES = CATALOGUES_DIR
BUILTIN_LABEL = "<built-in>/catalogues"
"""How messages name the built-in catalogues' folder."""
REFERENCE_LANGUAGE = "en"
"""The catalogue every other one must match, key for key."""

OPTIONAL_VALUES = {"yours_sincerely_head_of_state": {"address"}}
"""Values a phrase is given that its English original does not print: the French close to
a head of state repeats the form of address ({address}, "Monsieur le Président")."""

SOURCES_KEY = "sources"
"""The top-level key of a catalogue that says where its phrases come from, not a phrase."""
SOURCES_DEFAULT = "*"
"""The key of ``sources:`` that speaks for every phrase it does not name."""

TRANSLATE_MARK = "TRANSLATE: "
"""Marks a phrase of a starter catalogue (``undersigned catalogue``) still in English."""
BUILTIN_LANGUAGES = frozenset(path.stem for path in CATALOGUES_DIR.glob("*.yaml"))

BABEL_LOCALES = {"en": "en_GB", "pt": "pt_PT"}
"""Babel locale per language where the bare language is not what EU documents use
("19 October 2017", not "October 19, 2017"; the EU's Portuguese is European: "Estónia",
not "Estônia")."""
AFTER_YEAR = {"pl": "\u00a0r."}
"""What a language writes after the year of a date where Babel writes nothing: Polish
"13 listopada 2017 r." (as the Parliament's Polish pages)."""


@dataclass
class Catalogue:
    """The phrases of one language, with where each was defined."""

    lang: str
    phrases: dict[str, str] = field(default_factory=dict)
    where: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    """Phrase key -> (file label, line, column)."""
    sources: dict[str, str] = field(default_factory=dict)
    """Phrase key (or ``*`` for every other) -> the Parliament's page the phrase was checked
    against, or a note that it was not: the catalogue's ``sources:`` map. Never printed."""

    def source(self, key: str) -> str | None:
        """Where the phrase ``key`` comes from, as the catalogue says."""
        return self.sources.get(key, self.sources.get(SOURCES_DEFAULT))

    def phrase(self, key: str, **values: object) -> str:
        """The phrase ``key`` with ``{name}`` placeholders filled in."""
        if key not in self.phrases:
            raise PhraseError(f"there is no phrase '{key}' in the '{self.lang}' catalogue")
        text = self.phrases[key]
        return fill(text, values, f"the '{self.lang}' phrase '{key}'") if values else text


class PhraseError(UndersignedError):
    """Raised when a template asks for a phrase that is missing or cannot be filled in."""


PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}|[{}]")
"""``{name}`` placeholders, ``{{`` and ``}}`` for braces; nothing else (no attribute or
index access: a phrase cannot reach into the values it is given)."""


def placeholders(text: str) -> list[str] | str:
    """The placeholder names of a phrase, or the fault that makes it unusable."""
    names = []
    for match in PLACEHOLDER.finditer(text):
        if match.group(1):
            names.append(match.group(1))
        elif match.group(0) in "{}":
            return (f"'{match.group(0)}' at character {match.start() + 1} is not a placeholder; "
                    "write {name}, or {{ and }} for braces")
    return names


MAX_PHRASE_TEXT = 1_000_000
"""The longest text a phrase may make once filled in: render.limits.MAX_TEMPLATE_TEXT, the
longest text a template may build in one step (this layer is below the renderer's)."""


def fill(text: str, values: dict, what: str) -> str:
    """``text`` with each ``{name}`` replaced by ``str(values[name])``; PhraseError, before
    anything is built, if that would be longer than MAX_PHRASE_TEXT (7,000 ``{place}``
    filled with 49,000 characters each would take gigabytes)."""
    shown = {name: str(value) for name, value in values.items()}
    found = placeholders(text)
    if isinstance(found, list):
        size = len(text) + sum(len(shown.get(name, "")) for name in found)
        if size > MAX_PHRASE_TEXT:
            raise PhraseError(f"{what} would be {size:,} characters long once filled in "
                              f"({len(found):,} placeholders); at most {MAX_PHRASE_TEXT:,} "
                              "are allowed")

    def replace(match: re.Match) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1)
        if name is None or name not in values:
            raise PhraseError(f"{what} has the placeholder {token}, which is not one of "
                              + ", ".join("{" + v + "}" for v in values))
        return shown[name]

    return PLACEHOLDER.sub(replace, text)


def load_catalogues(campaign_root: Path | None, problems: Problems) -> dict[str, Catalogue]:
    """Every language's catalogue: built-in phrases, then the campaign's overrides."""
    catalogues = builtin_catalogues(problems)
    if campaign_root is None:
        return catalogues
    builtin_reference = (dict(catalogues[REFERENCE_LANGUAGE].phrases)
                         if REFERENCE_LANGUAGE in catalogues else {})
    folder = campaign_root / "catalogues"
    if not folder.is_dir():
        return catalogues
    if not folder.resolve().is_relative_to(campaign_root.resolve()):
        problems.add("catalogues/", message=f"links to {folder.resolve()}, outside the "
                     "campaign folder; campaign files must be inside it")
        return catalogues
    _read_catalogues(folder, campaign_root, catalogues, problems)
    if REFERENCE_LANGUAGE in catalogues:
        # (The built-in phrases were checked against the built-in English: only the
        # campaign's own are checked here.)
        reference = {**catalogues[REFERENCE_LANGUAGE].phrases, **builtin_reference}
        _check_placeholders(catalogues, reference, problems, builtin=False)
    return catalogues


def builtin_catalogues(problems: Problems) -> dict[str, Catalogue]:
    """The built-in catalogues, read and checked once and then kept between runs
    (:mod:`undersigned.kept`) as long as their files are as they were; a fresh copy each
    call, which a campaign's catalogues may extend."""
    def read() -> tuple[dict[str, Catalogue], Problems]:
        found, catalogues = Problems(), {}
        _read_catalogues(BUILTIN_CATALOGUES, None, catalogues, found)
        if REFERENCE_LANGUAGE in catalogues:
            _check_placeholders(catalogues, catalogues[REFERENCE_LANGUAGE].phrases, found)
        return catalogues, found

    try:
        inputs = kept.content_digest(sorted(BUILTIN_CATALOGUES.glob("*.yaml")))
    except OSError:
        inputs = None
    if inputs is None:
        catalogues, found = read()
    else:
        catalogues, found = kept.remembered(
            "catalogues", kept.key("built-in catalogues", PARSER, inputs), read,
            lambda result: [_catalogue_json(c) for c in result[0].values()],
            lambda data: ({c["lang"]: _catalogue_of(c) for c in data}, Problems()),
            worth_keeping=lambda result: not result[1].items)  # a fault is said every time
    problems.items += found.items
    return catalogues


def _catalogue_json(catalogue: Catalogue) -> dict:
    return {"lang": catalogue.lang, "phrases": catalogue.phrases, "where": catalogue.where,
            "sources": catalogue.sources}


def _catalogue_of(data: dict) -> Catalogue:
    return Catalogue(str(data["lang"]), dict(data["phrases"]),
                     {key: (label, line, column)
                      for key, (label, line, column) in data["where"].items()},
                     dict(data["sources"]))


def _read_catalogues(folder: Path, root: Path | None, catalogues: dict[str, Catalogue],
                     problems: Problems) -> None:
    """Read the catalogues of one folder (the package's, or a campaign's: ``root``) into
    ``catalogues``, over what they hold."""
    for path in sorted(folder.glob("*.yaml")):
        label = str(path.relative_to(root)) if root else f"{BUILTIN_LABEL}/{path.name}"
        loaded = read_yaml(path, label, problems, inside=root)
        if loaded is None:
            continue
        if loaded.data is None:
            catalogues.setdefault(path.stem, Catalogue(path.stem))
            if path.stem not in BUILTIN_LANGUAGES or root is None:
                problems.add(label, message=f"the file is empty; `undersigned catalogue "
                             f"{path.stem}` writes one with every phrase to translate")
            else:
                problems.add(label, message=f"the file is empty: it changes no phrase of "
                             f"the built-in '{path.stem}' catalogue", severity="warning")
            continue
        if not isinstance(loaded.data, dict):
            problems.add(label, 1, 1, message="a catalogue is a mapping from phrase keys "
                         "to text")
            continue
        catalogue = catalogues.setdefault(path.stem, Catalogue(path.stem))
        phrases = {k: v for k, v in loaded.data.items() if k != SOURCES_KEY}
        _flatten(loaded, phrases, (), catalogue, problems)
        if SOURCES_KEY in loaded.data:
            _read_sources(loaded, loaded.data[SOURCES_KEY], catalogue, problems)


def _check_placeholders(catalogues: dict[str, Catalogue], reference: dict[str, str],
                        problems: Problems, builtin: bool = True) -> None:
    """Every phrase uses only the placeholders of its built-in English original: the
    templates fill in exactly those. (Without ``builtin``, the built-in phrases are not
    checked again.)"""
    for catalogue in catalogues.values():
        for key, text in catalogue.phrases.items():
            if key not in reference or not builtin and catalogue.where[key][0].startswith(
                    BUILTIN_LABEL):
                continue
            allowed = set(placeholders(reference[key])) | OPTIONAL_VALUES.get(key, set())
            unknown = [n for n in placeholders(text) if n not in allowed]
            if unknown:
                label, line, column = catalogue.where[key]
                shown = ", ".join("{" + n + "}" for n in sorted(allowed)) or "none"
                problems.add(label, line, column, key, f"the placeholder {{{unknown[0]}}} is not "
                             f"one this phrase is given (it has: {shown})")


def _read_sources(source: YamlFile, data: object, catalogue: Catalogue,
                  problems: Problems) -> None:
    """The ``sources:`` map: phrase key -> the page it was checked against, or a note."""
    if not isinstance(data, dict):
        line, column = source.position((SOURCES_KEY,))
        problems.add(source.label, line, column, SOURCES_KEY, "a mapping from phrase keys "
                     "(or \"*\" for every other) to the page each was checked against")
        return
    for key, text in data.items():
        line, column = source.position((SOURCES_KEY, key))
        where = f"{SOURCES_KEY}.{key}"
        if not isinstance(text, str):
            problems.add(source.label, line, column, where, "a source is text: the page's "
                         "address, or a note saying the phrase was not checked")
        elif key != SOURCES_DEFAULT and key not in catalogue.phrases:
            problems.add(source.label, line, column, where, f"there is no phrase '{key}' in "
                         f"this catalogue" + did_you_mean(str(key), list(catalogue.phrases)),
                         severity="warning")
        else:
            catalogue.sources[str(key)] = text


def _flatten(source: YamlFile, data: object, loc: tuple, catalogue: Catalogue,
             problems: Problems) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            _flatten(source, value, loc + (key,), catalogue, problems)
        return
    key = ".".join(str(part) for part in loc)
    line, column = source.position(loc)
    if not isinstance(data, str):
        hint = "; put it in quotes" if isinstance(data, (int, float)) else ""
        problems.add(source.label, line, column, key, f"a phrase must be text{hint}")
        return
    if data.startswith(TRANSLATE_MARK):
        problems.add(source.label, line, column, key, f"not translated yet: replace "
                     f"'{data}' with the {catalogue.lang} phrase")
        return
    found = placeholders(data)
    if isinstance(found, str):
        problems.add(source.label, line, column, key, found)
        return
    catalogue.phrases[key] = data
    catalogue.where[key] = (source.label, line, column)


@lru_cache(maxsize=None)
def _locale(lang: str):
    from babel import Locale

    return Locale.parse(BABEL_LOCALES.get(lang, lang))


def format_date(value: dt.date | PartialDate | None, lang: str) -> str:
    """A date as written in ``lang``: "19 October 2017", "19 октября 2017 г.", "December 2016",
    with no-break spaces."""
    from babel.dates import format_date as babel_date, format_skeleton

    if value is None:
        return ""
    if isinstance(value, dt.date):
        text = babel_date(value, format="long", locale=_locale(lang))
    elif value.precision == 3:
        text = babel_date(dt.date(value.year, value.month, value.day), format="long",
                          locale=_locale(lang))
    elif value.precision == 2:
        text = format_skeleton("yMMMM", dt.date(value.year, value.month, 1),
                               locale=_locale(lang))
    else:
        return str(value.year)
    text = re.sub(r"[ \t]+", "\u00a0", text)  # a date is never broken across lines
    if lang == "az":  # "19 oktyabr 2017-ci il": the year as an ordinal, then "il"
        year = str(value.year)
        return text.replace(year, f"{year}-{azerbaijani_ordinal(value.year)}\u00a0il", 1)
    return text + AFTER_YEAR.get(lang, "")


_AZ_ORDINALS = {"1": "ci", "2": "ci", "3": "cü", "4": "cü", "5": "ci", "6": "cı", "7": "ci",
                "8": "ci", "9": "cu"}
_AZ_TENS = {"1": "cu", "2": "ci", "3": "cu", "4": "cı", "5": "ci", "6": "cı", "7": "ci",
            "8": "ci", "9": "cı"}


def azerbaijani_ordinal(number: int) -> str:
    """The ordinal suffix of ``number`` in Azerbaijani, by the vowel of its last word
    (2017 "iki min on yeddi" -> "ci", 2023 "üç" -> "cü", 2010 "on" -> "cu")."""
    digits = str(number)
    if digits[-1] != "0":
        return _AZ_ORDINALS[digits[-1]]
    if len(digits) > 1 and digits[-2] != "0":
        return _AZ_TENS[digits[-2]]
    if len(digits) > 2 and digits[-3] != "0":
        return "cü"  # yüz
    return "ci"  # min


def country_name(code: str, lang: str) -> str:
    """The name of the country with ISO code ``code`` in ``lang`` (``IT`` -> Italy, Италия)."""
    return _locale(lang).territories.get(code, code)


NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
"""Babel territory codes that are not ISO 3166 countries."""
COMMON_MISTAKES = {"UK": "GB", "EL": "GR"}
EU_MEMBERS = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT "
                       "RO SE SI SK".split())
"""Member States whose Members sit in the Parliament (the United Kingdom too until 2020)."""
"""Codes used in EU texts that are not ISO 3166 (the EU writes Greece EL, the UK UK)."""


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code Babel knows."""
    return frozenset(code for code in _locale("en").territories
                     if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)


@lru_cache(maxsize=None)
def known_language(lang: str) -> bool:
    """Whether Babel has locale data for ``lang``."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(BABEL_LOCALES.get(lang, lang))
    except (UnknownLocaleError, ValueError):
        return False
    return True


LANGUAGE_SCRIPTS = {
    **dict.fromkeys(("ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "tg", "mn"), "Cyrl"),
    **dict.fromkeys(("ar", "fa", "ur", "ps"), "Arab"),
    "he": "Hebr", "yi": "Hebr", "el": "Grek", "ka": "Geor", "hy": "Armn",
    "zh": "Hans", "ja": "Jpan", "ko": "Kore", "hi": "Deva", "th": "Thai",
}
"""The script (ISO 15924) each language is written in, where it is not Latin."""

_SCRIPT_WORDS = {"CYRILLIC": "Cyrl", "ARABIC": "Arab", "HEBREW": "Hebr", "GREEK": "Grek",
                 "GEORGIAN": "Geor", "ARMENIAN": "Armn", "CJK": "Hans", "HIRAGANA": "Jpan",
                 "KATAKANA": "Jpan", "HANGUL": "Kore", "DEVANAGARI": "Deva", "THAI": "Thai",
                 "LATIN": "Latn"}


def script_of_language(lang: str) -> str:
    """``ru`` -> ``Cyrl``, ``az`` -> ``Latn``."""
    return LANGUAGE_SCRIPTS.get(lang, "Latn")


def script_of_text(text: str) -> str | None:
    """The script of the first letter of ``text`` that has one (``Ульви`` -> ``Cyrl``)."""
    import unicodedata

    for character in text:
        if character.isalpha():
            word = unicodedata.name(character, "").split(" ")[0]
            return _SCRIPT_WORDS.get(word)
    return None
