"""Loading a campaign folder and checking everything in it before anything is written.

``load_campaign`` reads ``campaign.yaml``, ``cases/*.yaml`` and
``signatories/*.yaml``, validates each against the models, then cross-checks
them (references, groups per term, dates, languages, admissibility of written
questions, spellings of names). Every problem of the run is collected and
raised at once as :class:`CampaignInvalid`, each with its file, line and field.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from . import i18n
from .errors import CampaignInvalid, CampaignNotFound, Problem, Problems, did_you_mean
from .models import (ID_PATTERN, LANG_PATTERN, Campaign, Case, Letter, LocalText, Question,
                     SignatoryList, describe, slug)
from .terms import TERMS
from .yamlfile import YamlFile, dotted, read_yaml

CAMPAIGN_FILE = "campaign.yaml"
MAX_QUESTION_WORDS = 200
MAX_SUB_QUESTIONS = 3


@dataclass
class LoadedCampaign:
    """A campaign that passed every check: its models, and where each value came from."""

    root: Path
    campaign: Campaign
    cases: dict[str, Case]
    lists: dict[str, SignatoryList]
    catalogues: dict[str, i18n.Catalogue]
    files: dict[str, YamlFile] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def output_dir(self) -> Path:
        return self.root / self.campaign.output_dir


def load_campaign(root: Path | str, strict: bool = False) -> LoadedCampaign:
    """Load and check the campaign in ``root``; raise CampaignInvalid listing every problem."""
    root = Path(root)
    if not root.is_dir():
        raise CampaignNotFound(f"{root}: no such folder")
    if not (root / CAMPAIGN_FILE).is_file():
        raise CampaignNotFound(f"{root}: there is no {CAMPAIGN_FILE} here; "
                               "create a campaign with `undersigned init DIR`")
    problems = Problems()
    files: dict[str, YamlFile] = {}

    campaign = _load_model(root, Path(CAMPAIGN_FILE), Campaign, files, problems)
    cases = _load_folder(root, "cases", Case, files, problems)
    lists = _load_folder(root, "signatories", SignatoryList, files, problems)
    catalogues = i18n.load_catalogues(root, problems)

    loaded = None
    if campaign is not None:
        loaded = LoadedCampaign(root, campaign, cases, lists, catalogues, files)
        _Checker(loaded, problems).run()
        # Late import: templating pulls in Jinja, which check needs only here.
        from .templating import check_templates
        check_templates(loaded, problems)

    for case_id, case in cases.items():
        _check_case(case, files[f"cases/{case_id}.yaml"], problems)
    for list_id, signatories in lists.items():
        _check_list(root, signatories, files[f"signatories/{list_id}.yaml"], problems)

    failing = problems.errors + (problems.warnings if strict else [])
    if failing or loaded is None:
        if strict:
            problems.items = [Problem(p.path, p.line, p.column, p.field, p.message, "error")
                              for p in problems.items]
        raise CampaignInvalid(problems.items)
    loaded.warnings = sorted(problems.warnings)
    return loaded


# --- reading files into models ----------------------------------------------------------


def _load_folder(root: Path, folder: str, model: type[BaseModel], files, problems) -> dict:
    found: dict[str, Any] = {}
    directory = root / folder
    if not directory.is_dir():
        return found
    if not directory.resolve().is_relative_to(root.resolve()):
        problems.add(f"{folder}/", message=f"links to {directory.resolve()}, outside the "
                     "campaign folder; campaign files must be inside it")
        return found
    for path in sorted(directory.iterdir()):
        rel = path.relative_to(root)
        if path.suffix == ".yml":
            problems.add(str(rel), message="campaign files end in .yaml; rename it to "
                         f"{path.stem}.yaml")
            continue
        if path.suffix != ".yaml" or path.name.startswith("."):
            continue
        if not re.match(ID_PATTERN, path.stem):
            problems.add(str(rel), message=f"'{path.stem}' cannot be an id: name the file in "
                         "at most 64 lower-case letters, digits and hyphens, e.g. "
                         f"'{slug(path.stem)}.yaml'")
            continue
        value = _load_model(root, rel, model, files, problems)
        if value is not None:
            found[path.stem] = value
    return found


def _load_model(root: Path, rel: Path, model: type[BaseModel], files, problems):
    label = rel.as_posix()
    source = read_yaml(root / rel, label, problems, inside=root)
    if source is None:
        return None
    files[label] = source
    if source.data is None:
        problems.add(label, message="the file is empty")
        return None
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        for error in _without_missing_explained_by_typos(model, exc.errors()):
            _report(source, model, error, problems)
        return None


def _without_missing_explained_by_typos(model, errors: list[dict]) -> list[dict]:
    """Drop "group: missing" where "grup: unknown field; did you mean 'group'?" says it all."""
    suggested = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            parent = error["loc"][:-1]
            hint = did_you_mean(error["loc"][-1], _fields_at(model, parent))
            if hint:
                suggested.add(parent + (hint.split("'")[1],))
    return [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in suggested)]


def _report(source: YamlFile, model: type[BaseModel], error: dict, problems: Problems) -> None:
    """Turn one pydantic error into a located, plain-English problem."""
    loc = _data_loc(source.data, error["loc"])
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    message = _MESSAGES.get(kind)
    if kind == "extra_forbidden":
        allowed = _fields_at(model, error["loc"][:-1])
        message = "unknown field" + did_you_mean(loc[-1], allowed)
        if not did_you_mean(loc[-1], allowed) and allowed:
            message += "; the fields here are " + ", ".join(allowed)
    elif kind in ("literal_error", "enum"):
        choices = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        message = (f"expected one of {', '.join(choices)}; got {_shown_value(value)}"
                   + did_you_mean(value, choices))
    elif kind == "union_tag_invalid":
        loc = loc + ("kind",)
        choices = re.findall(r"'([^']*)'", ctx.get("expected_tags", ""))
        message = (f"expected one of {', '.join(choices)}; got {_shown_value(ctx.get('tag'))}"
                   + did_you_mean(ctx.get("tag"), choices))
    elif kind == "union_tag_not_found":
        loc = loc + ("kind",)
        message = "missing; say what the document is: kind: letter, or kind: question"
    elif kind == "string_pattern_mismatch":
        message = _pattern_message(ctx.get("pattern", ""), value)
    elif kind in ("too_short", "string_too_short"):
        message = "must not be empty"
    elif kind == "string_type" and isinstance(value, (int, float)):  # bools too
        message = f"expected text, got {describe(value)}; put it in quotes if it is meant as text"
    elif kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
    elif message is not None:
        message = message.format(got=describe(value))
    else:
        message = error["msg"]
    line, column = source.position(loc)
    problems.add(source.label, line, column, dotted(loc), message)


_MESSAGES = {
    "missing": "missing; this field is required",
    "string_type": "expected text, got {got}",
    "int_type": "expected a whole number, got {got}",
    "int_parsing": "expected a whole number, got {got}",
    "int_from_float": "expected a whole number, got {got}",
    "bool_type": "expected true or false, got {got}",
    "bool_parsing": "expected true or false, got {got}",
    "list_type": "expected a list, got {got}",
    "dict_type": "expected a mapping of fields, got {got}",
    "model_type": "expected a mapping of fields, got {got}",
    "model_attributes_type": "expected a mapping of fields, got {got}",
    "date_type": "expected a date like 2017-10-19, got {got}",
    "date_parsing": "expected a date like 2017-10-19, got {got}",
    "date_from_datetime_parsing": "expected a date like 2017-10-19, got {got}",
    "date_from_datetime_inexact": "expected a date like 2017-10-19, got {got}",
}


def _pattern_message(pattern: str, value: Any) -> str:
    got = _shown_value(value)
    if pattern == ID_PATTERN:
        return f"expected an id of at most 64 lower-case letters, digits and hyphens, got {got}"
    if pattern == LANG_PATTERN:
        return f"expected a language code like en or ru, got {got}"
    if pattern.startswith("^https?"):
        return f"expected a web address starting with https:// or http://, got {got}"
    if pattern.startswith("^[EP]"):
        return f"expected a number like E-007095/2017 or P-001234/2018, got {got}"
    return f"does not match {pattern}: {got}"


def _shown_value(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else describe(value)


def _data_loc(data: Any, loc: tuple) -> tuple:
    """Pydantic's error location mapped onto the data: drop union tags, keep real keys."""
    out: list = []
    current = data
    for i, part in enumerate(loc):
        if isinstance(current, dict) and part in current:
            out.append(part)
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            out.append(part)
            current = current[part]
        elif isinstance(current, dict) and current.get("kind") == part and i < len(loc) - 1:
            continue  # the discriminated union's tag
        elif part == "[key]":
            continue
        else:
            out.append(part)
            current = None
    return tuple(out)


def _fields_at(model: Any, loc: tuple) -> list[str]:
    """The field names of the model found at ``loc`` below ``model``."""
    current = model
    for part in loc:
        current = _descend(current, part)
        if current is None:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _descend(tp: Any, part: Any) -> Any:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        info = tp.model_fields.get(part) if isinstance(part, str) else None
        return info.annotation if info else None
    origin = typing.get_origin(tp)
    if origin is list:
        return typing.get_args(tp)[0] if isinstance(part, int) else None
    if origin is dict:
        return typing.get_args(tp)[1]
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(tp):
            arg = _unwrap(arg)
            kind = getattr(arg, "model_fields", {}).get("kind")
            if kind is not None and part in typing.get_args(kind.annotation):
                return arg
    return None


# --- checks within one file ------------------------------------------------------------


def _check_case(case: Case, source: YamlFile, problems: Problems) -> None:
    known = [(name, getattr(case, name)) for name in ("arrested", "sentenced", "appeal")
             if getattr(case, name) is not None]
    for (first, a), (then, b) in zip(known, known[1:]):
        precision = min(a.precision, b.precision)
        if b.key(precision) < a.key(precision):
            line, column = source.position((then,))
            problems.add(source.label, line, column, then,
                         f"{b} is before the date {first} ({a})")
    if case.released is not None and case.status.value not in ("released", "suspended-sentence"):
        line, column = source.position(("status",))
        problems.add(source.label, line, column, "status",
                     f"the case has a release date ({case.released}) but its status is "
                     f"'{case.status.value}'", "warning")


def _check_list(root: Path, signatories: SignatoryList, source: YamlFile,
                problems: Problems) -> None:
    def add(loc, message, severity="error"):
        line, column = source.position(loc)
        problems.add(source.label, line, column, dotted(loc), message, severity)

    term = TERMS.get(signatories.term)
    if term is None:
        add(("term",), f"there is no term {signatories.term} in the registry; known terms: "
            + ", ".join(str(t) for t in TERMS))
    countries = i18n.country_codes()
    seen: dict[str, int] = {}
    for i, member in enumerate(signatories.signatories):
        if member.id in seen:
            add(("signatories", i), f"two signatories have the id '{member.id}' "
                f"(signatories[{seen[member.id]}] too); give one of them an explicit id")
        seen.setdefault(member.id, i)
        if member.country not in countries:
            hint = i18n.COMMON_MISTAKES.get(member.country.upper())
            add(("signatories", i, "country"), f"'{member.country}' is not an ISO 3166 "
                "country code" + (f"; did you mean '{hint}'?" if hint
                                  else did_you_mean(member.country.upper(), countries)))
        elif member.country not in i18n.EU_MEMBERS and not (
                member.country == "GB" and signatories.term in (8, 9)):
            add(("signatories", i, "country"), f"'{member.country}' "
                f"({i18n.country_name(member.country, 'en')}) has no Members in the European "
                f"Parliament of term {signatories.term}", "warning")
        if term is not None and term.group(member.group) is None:
            add(("signatories", i, "group"), f"'{member.group}' is not a political group "
                f"of term {term.number}" + did_you_mean(member.group, term.group_acronyms())
                + f" (groups: {', '.join(term.group_acronyms())})")
        if member.signature_image:
            if not _inside(root, member.signature_image):
                add(("signatories", i, "signature_image"),
                    f"'{member.signature_image}' is not a file in the campaign folder")
        if member.signed_on and member.status != "signed":
            add(("signatories", i, "signed_on"), f"a signing date is given but the status "
                f"is '{member.status}'", "warning")


def _inside(root: Path, relative: str) -> bool:
    """Whether ``relative`` names an existing file inside the campaign folder."""
    try:
        target = (root / relative).resolve()
        return target.is_file() and target.is_relative_to(root.resolve())
    except (OSError, ValueError):  # a NUL byte, a name too long, a loop of links
        return False


# --- cross-checks ---------------------------------------------------------------------


class _Checker:
    """The checks that span files: references, languages, admissibility, spellings."""

    def __init__(self, loaded: LoadedCampaign, problems: Problems):
        self.loaded = loaded
        self.problems = problems
        self.campaign_file = loaded.files[CAMPAIGN_FILE]
        self._names: _NameVariants | None = None

    def add(self, source: YamlFile, loc: tuple, message: str, severity: str = "error"):
        line, column = source.position(loc)
        self.problems.add(source.label, line, column, dotted(loc), message, severity)

    def run(self) -> None:
        campaign = self.loaded.campaign
        out = (self.loaded.root / campaign.output_dir).resolve()
        if not out.is_relative_to(self.loaded.root.resolve()) or out == self.loaded.root.resolve():
            self.add(self.campaign_file, ("output_dir",), f"'{campaign.output_dir}' is not a "
                     "folder inside the campaign folder; outputs are written only there")
        if campaign.sender.logo and not _inside(self.loaded.root, campaign.sender.logo):
            self.add(self.campaign_file, ("sender", "logo"),
                     f"'{campaign.sender.logo}' is not a file in the campaign folder")
        priority_months: dict[tuple, str] = {}
        for doc_id, document in campaign.documents.items():
            loc = ("documents", doc_id)
            self._check_references(doc_id, document, loc)
            self._check_languages(doc_id, document, loc)
            if isinstance(document, Question):
                self._check_question(doc_id, document, loc, priority_months)
            self._check_spellings(document, loc)

    def _check_references(self, doc_id: str, document, loc: tuple) -> None:
        loaded = self.loaded
        self._duplicates(loc + ("cases",), document.cases, "case")
        if isinstance(document, Letter):
            self._duplicates(loc + ("recipients",), [c.recipient for c in document.recipients],
                             "recipient", "; each copy needs a file name of its own")
        for i, case_id in enumerate(document.cases):
            if case_id not in loaded.cases:
                self._missing(loc + ("cases", i), "case", case_id, loaded.cases,
                              f"cases/{case_id}.yaml")
        if document.signatories not in loaded.lists:
            self._missing(loc + ("signatories",), "signatory list", document.signatories,
                          loaded.lists, f"signatories/{document.signatories}.yaml")
        if isinstance(document, Letter):
            for i, copy in enumerate(document.recipients):
                if copy.recipient not in loaded.campaign.recipients:
                    where = loc + ("recipients", i) + (() if self._plain(loc, i) else ("recipient",))
                    self._missing(where, "recipient", copy.recipient,
                                  loaded.campaign.recipients, "recipients: in campaign.yaml")

    def _duplicates(self, loc: tuple, ids: list[str], what: str, why: str = "") -> None:
        first: dict[str, int] = {}
        for i, name in enumerate(ids):
            if name in first:
                self.add(self.campaign_file, loc + (i,), f"the {what} '{name}' is listed twice "
                         f"(also at {loc[-1]}[{first[name]}]){why}")
            first.setdefault(name, i)

    def _plain(self, loc: tuple, i: int) -> bool:
        data = self.campaign_file.data["documents"][loc[1]]["recipients"][i]
        return isinstance(data, str)

    def _missing(self, loc, what, name, known, where) -> None:
        if where.endswith(".yaml") and (self.loaded.root / where).is_file():
            return  # the file exists but is invalid: its own errors say why
        self.add(self.campaign_file, loc, f"there is no {what} '{name}' (looked for {where})"
                 + did_you_mean(name, list(known)))

    def _check_languages(self, doc_id: str, document, loc: tuple) -> None:
        """Every text a document prints exists in every language it is produced in."""
        loaded = self.loaded
        for lang_loc, lang in self._languages(document, loc):
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

    def _languages(self, document, loc):
        """(location, language) of every language a document's outputs use."""
        for i, lang in enumerate(document.languages):
            yield loc + ("languages", i), lang
        if isinstance(document, Letter):
            recipients = self.loaded.campaign.recipients
            for i, copy in enumerate(document.recipients):
                for j, lang in enumerate(copy.languages or []):
                    yield loc + ("recipients", i, "languages", j), lang
                recipient = recipients.get(copy.recipient)
                for j, lang in enumerate((recipient and recipient.languages) or []):
                    yield ("recipients", copy.recipient, "languages", j), lang

    def _texts(self, doc_id: str, document, loc: tuple):
        """(file, location, text, languages needed) of every localised text a document prints."""
        loaded, cf = self.loaded, self.campaign_file
        langs = list(document.languages)
        if isinstance(document, Letter):  # a letter is printed in its copies' languages
            langs = sorted({lang for copy in document.recipients
                            for lang in self._copy_languages(document, copy)})
        yield from _local_fields(cf, loc, document, langs)
        signatories = loaded.lists.get(document.signatories)
        case_fields = ("summary",) if getattr(document, "case_text", None) == "summary" \
            else ("facts",) if isinstance(document, Letter) else ()
        if isinstance(document, Letter):
            sender = loaded.campaign.sender
            yield from _local_fields(cf, ("sender",), sender, langs)
            for i, copy in enumerate(document.recipients):
                needed = self._copy_languages(document, copy)
                yield from _local_fields(cf, loc + ("recipients", i), copy, needed)
                recipient = loaded.campaign.recipients.get(copy.recipient)
                if recipient is not None:
                    yield from _local_fields(cf, ("recipients", copy.recipient), recipient,
                                             needed)
            for case_id in document.cases:
                case = loaded.cases.get(case_id)
                if case is None:
                    continue
                source = loaded.files[f"cases/{case_id}.yaml"]
                for name in case_fields + ("region", "sentence", "detention"):
                    value = getattr(case, name)
                    if value is None and name in case_fields:
                        self.add(source, (name,), f"missing; the letter '{doc_id}' prints each "
                                 f"case's {name}")
                    elif value is not None:
                        yield source, (name,), value, langs
        if signatories is not None:
            source = loaded.files[f"signatories/{document.signatories}.yaml"]
            for i, member in enumerate(signatories.signatories):
                yield from _local_fields(source, ("signatories", i), member, langs)

    def _copy_languages(self, document: Letter, copy) -> list[str]:
        recipient = self.loaded.campaign.recipients.get(copy.recipient)
        return list(copy.languages or (recipient and recipient.languages) or document.languages)

    def _check_question(self, doc_id: str, question: Question, loc: tuple,
                        priority_months: dict) -> None:
        term = TERMS.get(question.term)
        if term is None:
            self.add(self.campaign_file, loc + ("term",), f"there is no term {question.term} in "
                     "the registry; known terms: " + ", ".join(str(t) for t in TERMS))
            return
        if not term.covers(question.date):
            self.add(self.campaign_file, loc + ("date",), f"{question.date} is not in term "
                     f"{term.number} ({term.start} to {term.end or 'today'})")
        signatories = self.loaded.lists.get(question.signatories)
        if signatories is not None:
            if signatories.term != question.term:
                self.add(self.campaign_file, loc + ("signatories",),
                         f"the list '{question.signatories}' is of term {signatories.term}, "
                         f"the question of term {question.term}")
            ids = [m.id for m in signatories.signatories]
            for name in ("authors", "supporters"):
                for i, member in enumerate(getattr(question, name)):
                    if member not in ids:
                        self.add(self.campaign_file, loc + (name, i),
                                 f"'{member}' is not in the list '{question.signatories}'"
                                 + did_you_mean(member, ids))
        if question.number:
            prefix, year = question.number[0], int(question.number[-4:])
            if (prefix == "P") != question.priority:
                self.add(self.campaign_file, loc + ("number",),
                         f"{question.number} is numbered as {'a priority' if prefix == 'P' else 'an ordinary'} "
                         f"question but priority is {'true' if question.priority else 'false'}")
            if year != question.date.year:
                self.add(self.campaign_file, loc + ("number",), f"{question.number} is of "
                         f"{year} but the question is dated {question.date}")
        for lang in question.languages:
            words = question_words(question, lang)
            if words > MAX_QUESTION_WORDS:
                self.add(self.campaign_file, loc + ("body",),
                         f"the {lang} question has {words} words; the limit is "
                         f"{MAX_QUESTION_WORDS} (body and sub-questions, see README)")
        if len(question.questions) > MAX_SUB_QUESTIONS:
            self.add(self.campaign_file, loc + ("questions",),
                     f"{len(question.questions)} sub-questions; at most {MAX_SUB_QUESTIONS} "
                     "are admissible")
        if question.priority:
            month = (question.date.year, question.date.month)
            for author in question.authors:
                other = priority_months.get((author, month))
                if other:
                    self.add(self.campaign_file, loc + ("priority",),
                             f"'{author}' already has a priority question in "
                             f"{question.date:%B %Y} ('{other}'); one a month is allowed",
                             "warning")
                priority_months.setdefault((author, month), doc_id)

    def _check_spellings(self, document, loc: tuple) -> None:
        """Warn where a document's own text spells a person's name other than canonically."""
        if self._names is None:
            self._names = _NameVariants(self.loaded.cases.values())
        for source, text_loc, text, _ in _local_fields(self.campaign_file, loc, document, []):
            for value in text.values():
                for variant, canonical in self._names.find(value):
                    self.add(source, text_loc, f"'{variant}' is not the canonical spelling; "
                             f"the case files write '{canonical}'", "warning")


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


def _local_fields(source: YamlFile, loc: tuple, model: BaseModel, langs: list[str]):
    """(file, location, text, languages) of each LocalText field of ``model``, lists included."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, LocalText):
            yield source, loc + (name,), value, langs
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, LocalText):
                    yield source, loc + (name, i), item, langs


WORD = re.compile(r"[\w’']+(?:[-‐][\w’']+)*")


def count_words(text: str) -> int:
    """Words as the admissibility check counts them.

    A word is a run of letters and digits; hyphenated compounds and apostrophes
    stay one word ("EU-Kazakhstan", "Parliament's"); punctuation and Markdown
    markup are not words.
    """
    return len(WORD.findall(text.replace("_", " ")))


def question_words(question: Question, lang: str) -> int:
    """The words of a question in ``lang``: its body and sub-questions, not its subject."""
    texts = [question.body.get(lang) or ""] + [q.get(lang) or "" for q in question.questions]
    return sum(count_words(text) for text in texts)
