"""The checks that span files: references, languages, spellings, and each kind's own.

The :class:`Checker` runs what every document needs (its cases and signatory list
exist, its texts exist in each language it is printed in, names are spelt as the
case files spell them) and asks the document's kind for the rest.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import Problems, did_you_mean
from ..files import is_inside
from ..kinds import kind_of
from ..kinds.base import local_fields
from ..model import i18n
from ..model.models import LANGUAGE_NEUTRAL_FIELDS
from ..model.yamlfile import YamlFile, dotted

if TYPE_CHECKING:
    from .loaded import LoadedCampaign


class Checker:
    """The cross-checks of one loaded campaign, collecting problems; kinds call back into it."""

    def __init__(self, loaded: LoadedCampaign, problems: Problems):
        from .loaded import CAMPAIGN_FILE

        self.loaded = loaded
        self.problems = problems
        self.campaign_file: YamlFile = loaded.files[CAMPAIGN_FILE]
        self.memory: dict = {}
        """What a kind's checks remember from one document to the next."""
        self._names: _NameVariants | None = None
        self._written_once: set[tuple] = set()

    def add(self, source: YamlFile, loc: tuple, message: str, severity: str = "error"):
        line, column = source.position(loc)
        self.problems.add(source.label, line, column, dotted(loc), message, severity)

    def run(self) -> None:
        campaign = self.loaded.campaign
        out = (self.loaded.root / campaign.output_dir).resolve()
        if not out.is_relative_to(self.loaded.root.resolve()) or out == self.loaded.root.resolve():
            self.add(self.campaign_file, ("output_dir",), f"'{campaign.output_dir}' is not a "
                     "folder inside the campaign folder; outputs are written only there")
        if campaign.sender.logo and not is_inside(self.loaded.root, campaign.sender.logo):
            self.add(self.campaign_file, ("sender", "logo"),
                     f"'{campaign.sender.logo}' is not a file in the campaign folder")
        elif campaign.sender.logo and not campaign.sender.logo_alt:
            self.add(self.campaign_file, ("sender", "logo"),
                     "a logo needs a text alternative, read to those who cannot see it: add "
                     "logo_alt under sender (what the logo says, e.g. the senders' name)")
        for doc_id, document in campaign.documents.items():
            loc = ("documents", doc_id)
            kind = kind_of(document)
            for step in (lambda: self._check_references(doc_id, document, loc),
                         lambda: kind.check_references(self, doc_id, document, loc),
                         lambda: self._check_languages(doc_id, document, loc),
                         lambda: kind.check(self, doc_id, document, loc),
                         lambda: self._check_spellings(document, loc),
                         lambda: self._check_genders(doc_id, document)):
                if doc_id not in self.loaded.incomplete:
                    step()
                    continue
                try:  # a document checked without the values that failed: what it can
                    step()
                except Exception:  # noqa: BLE001
                    pass  # a check that needs a value that failed; that value is reported

    def _check_references(self, doc_id: str, document, loc: tuple) -> None:
        loaded = self.loaded
        self.duplicates(loc + ("cases",), document.cases, "case")
        for i, case_id in enumerate(document.cases):
            if case_id not in loaded.cases:
                self.missing(loc + ("cases", i), "case", case_id, loaded.cases,
                             f"cases/{case_id}.yaml")
        if document.signatories not in loaded.lists:
            self.missing(loc + ("signatories",), "signatory list", document.signatories,
                         loaded.lists, f"signatories/{document.signatories}.yaml")

    def duplicates(self, loc: tuple, ids: list[str], what: str, why: str = "") -> None:
        """An error for each id listed a second time under ``loc``."""
        first: dict[str, int] = {}
        for i, name in enumerate(ids):
            if name in first:
                self.add(self.campaign_file, loc + (i,), f"the {what} '{name}' is listed twice "
                         f"(also at {loc[-1]}[{first[name]}]){why}")
            first.setdefault(name, i)

    def missing(self, loc, what, name, known, where) -> None:
        """An error for a reference to nothing, unless the file is there but invalid."""
        if name is None:
            return  # a value that failed validation: its own error says why
        if where.endswith(".yaml") and (self.loaded.root / where).is_file():
            return  # the file exists but is invalid: its own errors say why
        if where.startswith("recipients:") and name in self.loaded.incomplete:
            return  # declared in campaign.yaml, but invalid: its own errors say why
        self.add(self.campaign_file, loc, f"there is no {what} '{name}' (looked for {where})"
                 + did_you_mean(name, list(known)))

    def _check_languages(self, doc_id: str, document, loc: tuple) -> None:
        """Every text a document prints exists in every language it is produced in."""
        loaded, kind = self.loaded, kind_of(document)
        for lang_loc, lang in kind.languages(loaded.campaign, document, loc):
            if lang not in loaded.catalogues:
                self.add(self.campaign_file, lang_loc,
                         f"there is no phrase catalogue for '{lang}'" +
                         did_you_mean(lang, list(loaded.catalogues)) +
                         f"; add catalogues/{lang}.yaml to the campaign")
            elif not i18n.known_language(lang):
                self.add(self.campaign_file, lang_loc, f"'{lang}' is not a language Babel knows")
        for source, text_loc, text, langs in self._texts(doc_id, document, loc):
            missing = [lang for lang in langs if text.get(lang) is None]
            if missing:
                self.add(source, text_loc, f"no {'/'.join(missing)} text, but the document "
                         f"'{doc_id}' is produced in {'/'.join(missing)}")
            elif text.once and len(set(langs)) > 1 and not _neutral(text_loc):
                key = (source.label, text_loc)
                if key not in self._written_once:
                    self._written_once.add(key)
                    self.add(source, text_loc, f"written once, but printed in the "
                             f"{'/'.join(sorted(set(langs)))} copies of '{doc_id}'; write it per "
                             f"language, or mark it the same in every language with "
                             f"{{\"*\": …}}", "warning")

    def _texts(self, doc_id: str, document, loc: tuple):
        """(file, location, text, languages needed) of every localised text a document prints."""
        loaded, kind = self.loaded, kind_of(document)
        langs = kind.printed_languages(loaded.campaign, document)
        yield from local_fields(self.campaign_file, loc, document, langs)
        yield from kind.texts(self, doc_id, document, loc, langs)
        if loaded.campaign.watermark is not None:  # printed on every page of every copy
            yield self.campaign_file, ("watermark",), loaded.campaign.watermark, langs
        signatories = loaded.lists.get(document.signatories)
        if signatories is not None:
            # The Members the document may print: a draft prints every invited one.
            printed = {s.member.id for s in kind.signers(loaded, document, draft=True)}
            source = loaded.files[f"signatories/{document.signatories}.yaml"]
            for i, member in enumerate(signatories.signatories):
                if member.id in printed:
                    yield from local_fields(source, ("signatories", i), member, langs)

    def _check_spellings(self, document, loc: tuple) -> None:
        """Warn where a document's own text spells a person's name other than canonically."""
        if self._names is None:
            self._names = _NameVariants(self.loaded.cases.values())
        for source, text_loc, text, _ in local_fields(self.campaign_file, loc, document, []):
            for value in text.values():
                for variant, canonical in self._names.find(value):
                    self.add(source, text_loc, f"'{variant}' is not the canonical spelling; "
                             f"the case files write '{canonical}'", "warning")


    def _check_genders(self, doc_id: str, document) -> None:
        """Warn, once per Member, where a copy prints a title with a gender ("Députée",
        "Posłanka") and neither the Member's ``gender`` nor ``title`` says which."""
        loaded, kind = self.loaded, kind_of(document)
        signatories = loaded.lists.get(document.signatories)
        if signatories is None or not kind.prints_member_titles:
            return
        gendered = [lang for lang in kind.printed_languages(loaded.campaign, document)
                    if _has_gendered_title(loaded.catalogues.get(lang))]
        if not gendered:
            return
        printed = {s.member.id for s in kind.signers(loaded, document, draft=True)}
        source = loaded.files[f"signatories/{document.signatories}.yaml"]
        for i, member in enumerate(signatories.signatories):
            key = ("gender", source.label, member.id)
            if (member.id not in printed or member.grammatical_gender or member.member_title
                    or key in self._written_once):
                continue
            self._written_once.add(key)
            said = (f"the title '{member.title}' does not say" if member.title
                    else "neither a title nor a gender says")
            self.add(source, ("signatories", i) + (("title",) if member.title else ()),
                     f"{member.display_name}: {said} whether the Member is a woman or a man, "
                     f"and the {'/'.join(sorted(set(gendered)))} copies of '{doc_id}' print "
                     "the Member's title in its feminine or masculine form; add gender: "
                     "female or gender: male (or a title such as Ms or Mr)", "warning")


def _has_gendered_title(catalogue) -> bool:
    """Whether a catalogue writes "Member of the European Parliament" per gender."""
    if catalogue is None:
        return False
    forms = {catalogue.phrases.get(f"member_of_parliament_{g}") for g in ("female", "male")}
    return None not in forms and len(forms) == 2


def _neutral(loc: tuple) -> bool:
    """Whether the field at ``loc`` holds a name, a place or a reference."""
    return next((part for part in reversed(loc) if isinstance(part, str)), "") \
        in LANGUAGE_NEUTRAL_FIELDS


class _NameVariants:
    """Finds the non-canonical spellings of people's names in a text, in time linear in
    the text: variants are indexed by their first word, not tried one by one."""

    def __init__(self, cases):
        self.canonical: dict[str, str] = {}
        self.by_first_word: dict[str, list[str]] = {}
        for case in cases:
            for person in case.people:
                for variant in person.variants:
                    # A part of the canonical name ("Bokayev") is no misspelling of it.
                    words = re.findall(r"\w+", variant)
                    if not words or variant in person.name:
                        continue
                    self.canonical[variant] = person.name
                    self.by_first_word.setdefault(words[0], []).append(variant)
        for variants in self.by_first_word.values():
            variants.sort(key=len, reverse=True)

    def find(self, text: str):
        """(variant, canonical name) for each variant that stands as whole words in text."""
        for word in re.finditer(r"\w+", text):
            for variant in self.by_first_word.get(word.group(), ()):
                end = word.start() + len(variant)
                if text.startswith(variant, word.start()) and not (
                        end < len(text) and (text[end].isalnum() or text[end] == "_")):
                    yield variant, self.canonical[variant]
                    break
