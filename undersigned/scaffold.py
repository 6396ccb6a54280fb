"""``undersigned init``: a new campaign folder from the built-in example."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .errors import UndersignedError, UsageError, did_you_mean
from .files import plain_folder, write_atomically, write_error

from .resources import SCAFFOLD_DIR as SCAFFOLD


def create_campaign(directory: Path) -> list[Path]:
    """Copy the starter campaign into ``directory``, which must be new or empty."""
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UndersignedError(f"{directory} already exists and is not empty; "
                               "choose a new folder name")
    written = []
    target = directory
    try:
        for source in sorted(SCAFFOLD.rglob("*")):
            if source.is_dir() or "__pycache__" in source.parts:
                continue
            target = directory / source.relative_to(SCAFFOLD)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(target)
        target = directory / "outputs"
        target.mkdir(exist_ok=True)
    except OSError as exc:
        raise write_error(exc, target) from exc
    return written


def starter_catalogue(lang: str) -> str:
    """A catalogue for ``lang`` to translate: every phrase of the built-in English one, in
    its order and nesting, marked ``TRANSLATE:`` (or the built-in translation, where the
    toolkit has one, to adapt), with what Babel already provides said in the header."""
    from babel import Locale

    from .model.i18n import REFERENCE_LANGUAGE, SOURCES_KEY, TRANSLATE_MARK, known_language
    from .resources import CATALOGUES_DIR

    if not known_language(lang):
        from babel import localedata

        known = sorted(n for n in localedata.locale_identifiers() if "_" not in n)
        raise UsageError(f"'{lang}' is not a language Babel knows" + did_you_mean(lang, known)
                         + " (give an ISO 639 code: az, fr, kk ...)")
    import yaml

    english = yaml.safe_load((CATALOGUES_DIR / f"{REFERENCE_LANGUAGE}.yaml").read_text("utf-8"))
    builtin = CATALOGUES_DIR / f"{lang}.yaml"
    translated = yaml.safe_load(builtin.read_text("utf-8")) if builtin.is_file() else {}
    english.pop(SOURCES_KEY, None)  # where the built-in phrases were checked: not phrases

    def merge(reference: dict, found: dict) -> dict:
        out = {}
        for key, value in reference.items():
            if isinstance(value, dict):
                out[key] = merge(value, found.get(key) or {})
            else:
                have = found.get(key)
                out[key] = have if isinstance(have, str) else TRANSLATE_MARK + value
        return out

    locale = Locale.parse(lang)
    name = f"{locale.get_display_name('en')} ({locale.get_display_name(lang)})"
    header = (f"# Phrases of the built-in templates in {name}.\n"
              f"# Replace each 'TRANSLATE: English text' with the {lang} phrase; check refuses\n"
              "# a phrase still marked. Keep the {placeholders}: the templates fill them in.\n"
              "# Dates and country names come from Babel; they need no phrase here.\n"
              "# Where a Member's title has a gender, add member_of_parliament_female and\n"
              "# member_of_parliament_male (a signatory's gender, or else title, chooses one).\n")
    return header + yaml.safe_dump(merge(english, translated or {}), allow_unicode=True,
                                   sort_keys=False, default_flow_style=False, width=1000)


def write_starter_catalogue(campaign: Path, lang: str, force: bool = False) -> Path:
    """Write ``catalogues/LANG.yaml`` in the campaign folder; never over an existing one
    unless ``force``."""
    text = starter_catalogue(lang)
    target = Path(campaign) / "catalogues" / f"{lang}.yaml"
    if os.path.lexists(target) and not force:
        raise UndersignedError(f"{target} already exists; edit it, or give --force to "
                               "replace it with a new starter")
    try:
        write_atomically(plain_folder(Path(campaign), Path("catalogues")) / f"{lang}.yaml",
                         text.encode("utf-8"))
    except OSError as exc:
        raise write_error(exc, target) from exc
    return target
