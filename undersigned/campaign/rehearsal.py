"""``check`` renders the HTML of the copies as ``build`` would, so that what passes it builds.

Each copy is rendered with its real context in the real sandbox, without the PDF:
a template error (an undefined name, a key that does not exist, a bad include)
is reported at its template file and line; every character the shipped fonts
cannot draw is reported where the text was written; every file the HTML makes
the renderer fetch must be in the campaign.

To stay fast on thousands of copies, one copy is rendered per shape: copies of
one document in one language whose own values (a letter's recipient and its
overrides) are present or absent alike render through the same template paths.
The texts of the copies not rendered are read for their characters.
"""

from __future__ import annotations

import enum
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel

from ..errors import Problems
from ..kinds import KINDS
from ..model.i18n import PhraseError
from ..model.models import LocalText
from ..model.yamlfile import dotted
from ..pdf.standards import STANDARDS
from ..pdf.glyphs import FONT_HELP, describe_character, missing_glyphs, undrawable
from ..render.environment import (TimeUp, error_position, render_failure, template_label,
                                  time_limit)
from ..render.scan import fetched_by_html, images_without_alt, local_resource
from ..resources import PACKAGE_DIR
from .context import build_context

if TYPE_CHECKING:
    from jinja2 import Environment

    from ..render.scan import TemplateScan
    from .loaded import LoadedCampaign
    from .plan import Output


def _render_copy(loaded: LoadedCampaign, output: Output, env: Environment,
                 scan: TemplateScan, context: dict, quiet: bool, tagged: bool,
                 failures: dict, glyphs: dict, fetched: dict) -> None:
    """Render one copy's templates and note what would fail its build: a template error,
    a character no font draws, an image without alt text, a file it cannot fetch."""
    for number, template in enumerate(output.templates):
        html, failure = _render(env, template, context, loaded.root)
        if failure is not None:
            if not (quiet and failure.missing_phrase):
                failures.setdefault((failure.label or output.template, failure.line,
                                     failure.message), output.label)
            continue
        if number == 0:  # the PDF's HTML; text exports are not drawn
            for c in missing_glyphs(html):
                glyphs.setdefault(c, output.label)
            if tagged and not quiet:
                _images_without_alt(html, scan.label(output.template), output, failures)
            for url in ([] if quiet else fetched_by_html(html)):
                _, fault = local_resource(url, loaded.root, [loaded.root, PACKAGE_DIR])
                if fault and url not in _constant_urls(scan, output):
                    fetched.setdefault((scan.label(output.template), url, fault),
                                       output.label)


def rehearse(loaded: LoadedCampaign, outputs: list[Output], env: Environment,
             scan: TemplateScan, problems: Problems, data_valid: bool) -> None:
    """Render the HTML of ``outputs`` (one per shape) and report what would fail the build.

    Copies whose templates are missing or broken are skipped: those faults are reported
    already. So are copies whose data is incomplete when ``data_valid`` is false."""
    quiet = bool(problems.errors)
    """Errors are known already: leave out what they may explain (a missing phrase)."""
    tagged = STANDARDS[loaded.campaign.pdf_standard].tagged
    failures: dict[tuple, str] = {}  # (label, line, message) -> the first copy it broke
    glyphs: dict[str, str] = {}  # character -> the first copy that prints it
    fetched: dict[tuple, str] = {}
    rendered_shapes: set[tuple] = set()
    shapes = _Shapes()
    read: set[tuple] = set()
    # Characters no font has, anywhere in the data: the texts of copies not rendered need
    # reading only when there are some.
    suspects = set(undrawable(_all_text(loaded)))
    renderable: dict[tuple[str, ...], bool] = {}
    shared: dict[tuple[str, str], int | None] = {}  # (document, language) -> its shape
    numbered: dict[tuple, int] = {}
    for output in outputs:
        templates = tuple(output.templates)
        if templates not in renderable:
            renderable[templates] = _renderable(scan, output)
        if not renderable[templates]:
            continue
        document = loaded.campaign.documents[output.document]
        key = (output.document, output.lang)
        if key not in shared:
            # A document's shape (a letter's covers all its copies: 100,000 of them from a
            # table) is hashed once, here, and stands as a small number in each copy's shape.
            whole = _document_shape(loaded, document, output.lang, shapes)
            shared[key] = None if whole is None else numbered.setdefault(whole, len(numbered))
        try:
            models = KINDS[output.kind].copy_models(loaded, document, output)
        except Exception:  # noqa: BLE001 - a reference that does not resolve: reported already
            continue
        if shared[key] is None:
            continue
        shape = (output.kind, templates, shared[key],
                 tuple([shapes.of(model) for model in models]))
        if shape in rendered_shapes:
            for model in (models + _document_models(loaded, document)) if suspects else ():
                if (id(model), output.lang) not in read:
                    read.add((id(model), output.lang))
                    for c in suspects.intersection(_texts(model, output.lang)):
                        glyphs.setdefault(c, output.label)
            continue
        rendered_shapes.add(shape)
        try:
            context = build_context(loaded, output)
        except Exception as exc:  # noqa: BLE001
            if data_valid:  # nothing else explains it: say so rather than pass the copy
                problems.add(template_label(None, None, output.template), 0, 0, output.label,
                             f"cannot build the template context: {exc}")
            continue
        _render_copy(loaded, output, env, scan, context, quiet, tagged, failures, glyphs,
                     fetched)
    faulty = {(label, line) for label, line, _, _ in scan.faults}  # reported as such
    for (label, line, message), copy in failures.items():
        if (label, line) not in faulty:
            problems.add(label, line, 0, copy, message)
    for (label, url, fault), copy in fetched.items():
        problems.add(label, 0, 0, copy, f"the copy fetches '{url}', but {fault}")
    for c, copy in sorted(glyphs.items()):
        _report_glyph(loaded, scan, outputs, c, copy, problems)


def _images_without_alt(html: str, label: str, output: Output, failures: dict) -> None:
    """Each image of the page without an ``alt`` attribute, which a tagged PDF refuses."""
    for src in images_without_alt(html):
        failures.setdefault((label, 0, (
            f"an image ('{src}') has no alt attribute: a tagged PDF needs its text "
            "alternative; give it alt=\"what it shows\", or alt=\"\" if it is decoration")),
            output.label)


RENDER_SECONDS = 10
"""How long ``check`` lets one template render (HTML takes milliseconds; a loop that runs
for ever would stop ``check`` itself)."""


class _Failure(NamedTuple):
    label: str
    line: int
    message: str
    missing_phrase: bool
    """A phrase missing from a catalogue: the static checks report the ones they can see."""


def _render(env: Environment, template: str, context: dict,
            root: Path) -> tuple[str | None, _Failure | None]:
    """(the HTML, None), or (None, why it failed)."""
    try:
        with time_limit(RENDER_SECONDS):
            return env.get_template(template).render(context), None
    except TimeUp as exc:
        label, line = error_position(exc, root)
        return None, _Failure(label, line, f"took longer than {RENDER_SECONDS} s to render "
                              "and was stopped; does a loop run for ever?", False)
    except Exception as exc:  # noqa: BLE001 - every template failure is reported
        failure = render_failure(env, exc, context, root)
        if failure is None:
            raise
        return None, _Failure(*failure, isinstance(exc, PhraseError))


def _renderable(scan: TemplateScan, output: Output) -> bool:
    for template in output.templates:
        if not scan.exists(template):
            return False
        reached, _ = scan.reach(template)
        if any(scan.parse(name) is None for name in reached):
            return False
    return True


def _constant_urls(scan: TemplateScan, output: Output) -> set[str]:
    """The URLs the copy's templates fetch by a constant (their faults are reported as such)."""
    return {url for name in scan.reach(output.template)[0] if scan.parse(name)
            for url, _ in scan.parse(name).urls}


def _document_shape(loaded: LoadedCampaign, document, lang: str, shapes: _Shapes):
    """The shape of what all copies of a document in ``lang`` share: the document, its
    signatory list and its cases; None when a reference does not resolve."""
    try:
        models = _document_models(loaded, document)
    except (KeyError, TypeError):
        return None
    return (lang,) + tuple([shapes.of(model) for model in models])


def _document_models(loaded: LoadedCampaign, document) -> list:
    """The document, its signatory list and its cases: what its copies share."""
    return ([document, loaded.lists[document.signatories]]
            + [loaded.cases[case_id] for case_id in document.cases])


def _all_text(loaded: LoadedCampaign) -> str:
    """Every text of the campaign's files and catalogues, run together."""
    parts = [text for source in loaded.files.values() for _, text in _strings(source.data, ())]
    parts += [text for catalogue in loaded.catalogues.values()
              for text in catalogue.phrases.values()]
    return "".join(parts)


class _Shapes:
    """The shape of a model: which of its fields a template finds present (and in which
    languages), the lengths of its lists, the values of its choices (``case_text: facts``);
    not its texts. Copies whose models have the same shapes take the same paths through a
    template that tests what is there, not what it says. Memoised: cases and lists are
    shared by many copies."""

    def __init__(self):
        self._memo: dict[int, tuple] = {}
        self._fields: dict[type, list[tuple[str, bool]]] = {}

    def of(self, value: Any) -> Any:
        cls = type(value)
        # The commonest values first, by exact type (100,000 recipients from a table each
        # have a shape); then the general cases, in the same order of precedence.
        if cls is str:
            return bool(value)
        if value is None:
            return False
        if cls is LocalText:
            return tuple([lang for lang, text in value.texts.items() if text])
        if isinstance(value, BaseModel):
            shape = self._memo.get(id(value))
            if shape is None:
                fields = self._fields.get(cls)
                if fields is None:
                    fields = self._fields[cls] = [(name, _is_choice(field))
                                                  for name, field in cls.model_fields.items()]
                values = value.__dict__
                of = self.of
                shape = self._memo[id(value)] = tuple(
                    [values[name] if choice else of(values[name]) for name, choice in fields])
            return shape
        if isinstance(value, LocalText):
            return tuple(lang for lang, text in value.texts.items() if text)
        if isinstance(value, (list, tuple)):
            return tuple([self.of(item) for item in value])
        if isinstance(value, str):
            return bool(value)
        return value is not None


def _is_choice(field) -> bool:
    """A field whose value selects what a template prints: a bool, a literal, an enum."""
    annotation = field.annotation
    return annotation is bool or typing.get_origin(annotation) is typing.Literal or (
        isinstance(annotation, type) and issubclass(annotation, enum.Enum))


def _texts(model: Any, lang: str) -> str:
    """Every text of a model as printed in ``lang``, run together (for its characters)."""
    if isinstance(model, LocalText):
        return model.get(lang) or ""
    if isinstance(model, str):
        return model
    if isinstance(model, BaseModel):
        return "".join(_texts(getattr(model, name), lang) for name in type(model).model_fields
                       if name != "notes")
    if isinstance(model, (list, tuple)):
        return "".join(_texts(item, lang) for item in model)
    return ""


def _report_glyph(loaded: LoadedCampaign, scan: TemplateScan, outputs: list[Output], c: str,
                  copy: str, problems: Problems) -> None:
    """One error per place the character is written: YAML values, phrases, templates."""
    message = (f"the shipped fonts cannot draw {describe_character(c)}; use another "
               f"character or add a font ({FONT_HELP})")
    found = False
    for source in loaded.files.values():
        for loc, text in _strings(source.data, ()):
            if c in text and "notes" not in loc:
                line, column = source.position(loc)
                problems.add(source.label, line, column, dotted(loc), message)
                found = True
    for catalogue in loaded.catalogues.values():
        for key, text in catalogue.phrases.items():
            if c in text and key in catalogue.where:
                label, line, column = catalogue.where[key]
                problems.add(label, line, column, key, message)
                found = True
    if not found:  # written in a template, or made by one
        names = sorted({name for output in outputs for name in scan.reach(output.template)[0]})
        for name in names:
            try:
                source = scan.env.loader.get_source(scan.env, name)[0]
            except Exception:  # noqa: BLE001 - unreadable templates are reported already
                continue
            for number, text in enumerate(source.splitlines(), 1):
                if c in text:
                    problems.add(scan.label(name), number, text.index(c) + 1, "", message)
                    found = True
    if not found:  # made by a template (a filter, a phrase filled in): name the copy
        problems.add(scan.label(outputs[0].template) if outputs else "templates/", 0, 0, copy,
                     message)


def _strings(value: Any, loc: tuple):
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, loc + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, loc + (i,))
