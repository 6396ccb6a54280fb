"""Which language a screen reader is told to read a name in, when the name is written in
another script than the document's language (a Latin name in a Russian letter, a Cyrillic
native name in an English one): the HTML ``lang`` of that name, the PDF's ``/Lang``."""

from __future__ import annotations

from . import i18n

SCRIPT_VOICES = {"Latn": "en", "Cyrl": "ru", "Arab": "ar", "Hans": "zh", "Grek": "el",
                 "Geor": "ka", "Armn": "hy", "Hebr": "he", "Jpan": "ja", "Kore": "ko",
                 "Deva": "hi", "Thai": "th"}
"""One widely voiced language per script (ISO 15924): a name's own language is seldom
known, and a Latin name read as English is understood where one spelt out letter by
letter in Russian is not."""
HAN_SCRIPTS = frozenset({"Hans", "Jpan", "Kore"})
"""Scripts that include the Han characters (a kanji name in a Japanese copy is at home)."""


def name_lang(text: str | None, lang: str) -> str | None:
    """The ``lang`` to give ``text`` in a copy in ``lang``: None when it is written in the
    copy's own script (or has no letters), else the language of its script's voice."""
    script = i18n.script_of_text(text or "")
    own = i18n.script_of_language(lang)
    if script is None or script == own or (script == "Hans" and own in HAN_SCRIPTS):
        return None
    return SCRIPT_VOICES.get(script, "und-" + script)
