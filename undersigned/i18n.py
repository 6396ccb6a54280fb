"""Languages: phrase catalogues, and dates and country names through Babel.

Fixed phrases of the templates ("Yours sincerely,", "Question for written
answer") live in per-language catalogues, ``catalogues/<lang>.yaml``: the
built-in ones in the package, which a campaign can extend or override with
files of its own in its ``catalogues/`` folder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import Problems
from .models import PartialDate
from .yamlfile import YamlFile, read_yaml

BUILTIN_CATALOGUES = Path(__file__).parent / "catalogues"
REFERENCE_LANGUAGE = "en"
"""The catalogue every other one must match, key for key."""

BABEL_LOCALES = {"en": "en_GB"}
"""Babel locale per language where the bare language is not what EU documents use
("19 October 2017", not "October 19, 2017")."""


@dataclass
class Catalogue:
    """The phrases of one language, with where each was defined."""

    lang: str
    phrases: dict[str, str] = field(default_factory=dict)
    where: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Phrase key -> (file label, line)."""

    def phrase(self, key: str, **values: object) -> str:
        """The phrase ``key`` with ``{name}`` placeholders filled in."""
        text = self.phrases[key]
        return text.format(**values) if values else text


def load_catalogues(campaign_root: Path | None, problems: Problems) -> dict[str, Catalogue]:
    """Every language's catalogue: built-in phrases, then the campaign's overrides."""
    catalogues: dict[str, Catalogue] = {}
    sources = [(BUILTIN_CATALOGUES, None)]
    if campaign_root is not None:
        sources.append((campaign_root / "catalogues", campaign_root))
    for folder, root in sources:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            label = str(path.relative_to(root)) if root else f"<built-in>/catalogues/{path.name}"
            loaded = read_yaml(path, label, problems)
            if loaded is None:
                continue
            if loaded.data is None:
                problems.add(label, message="the file is empty")
                continue
            if not isinstance(loaded.data, dict):
                problems.add(label, 1, 1, message="a catalogue is a mapping from phrase keys "
                             "to text")
                continue
            catalogue = catalogues.setdefault(path.stem, Catalogue(path.stem))
            _flatten(loaded, loaded.data, (), catalogue, problems)
    return catalogues


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
    catalogue.phrases[key] = data
    catalogue.where[key] = (source.label, line)


@lru_cache(maxsize=None)
def _locale(lang: str):
    from babel import Locale

    return Locale.parse(BABEL_LOCALES.get(lang, lang))


def format_date(value: dt.date | PartialDate | None, lang: str) -> str:
    """A date as written in ``lang``: "19 October 2017", "19 октября 2017 г.", "December 2016"."""
    from babel.dates import format_date as babel_date, format_skeleton

    if value is None:
        return ""
    if isinstance(value, dt.date):
        return babel_date(value, format="long", locale=_locale(lang))
    if value.precision == 3:
        return babel_date(dt.date(value.year, value.month, value.day), format="long",
                          locale=_locale(lang))
    if value.precision == 2:
        return format_skeleton("yMMMM", dt.date(value.year, value.month, 1),
                               locale=_locale(lang))
    return str(value.year)


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


def known_language(lang: str) -> bool:
    """Whether Babel has locale data for ``lang``."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(BABEL_LOCALES.get(lang, lang))
    except (UnknownLocaleError, ValueError):
        return False
    return True
