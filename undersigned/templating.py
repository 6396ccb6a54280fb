"""The one Jinja environment, and the template checks ``undersigned check`` runs.

Templates are looked up in the campaign's ``templates/`` folder first, then
among the built-in ones; ``builtin/NAME`` always names the built-in template,
so a campaign's ``letter.html`` can extend ``builtin/letter.html``.
Templates run in Jinja's sandbox with autoescaping and StrictUndefined: data
is printed, never evaluated, and a misspelt variable is an error, not a blank.
"""

from __future__ import annotations

import re
import traceback
from functools import lru_cache
from pathlib import Path

from jinja2 import (ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined,
                    TemplateNotFound, TemplateSyntaxError, nodes)
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .errors import Problems, RenderError, did_you_mean
from .yamlfile import dotted

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
BUILTIN_LABEL = "<built-in>/templates"
DEFAULT_TEMPLATES = {"letter": "letter.html", "question": "question.html"}


def make_environment(campaign_templates: Path | None) -> SandboxedEnvironment:
    """The Jinja environment for a campaign (or for the built-in templates alone)."""
    loaders = []
    if campaign_templates is not None and campaign_templates.is_dir():
        loaders.append(FileSystemLoader(str(campaign_templates.resolve())))
    builtin = FileSystemLoader(str(BUILTIN_TEMPLATES))
    loaders += [PrefixLoader({"builtin": builtin}), builtin]
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=lambda name: not (name or "").endswith((".css", ".txt")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = markdown
    env.filters["css_string"] = css_string
    env.filters["css_counters"] = css_counters
    return env


QUOTES = {"en": "“”‘’", "ru": "«»„“", "de": "„“‚‘", "fr": "«»‹›", "kk": "«»„“"}
"""Typographic quotes per language, for the straight quotes typed in data files."""


@lru_cache(maxsize=None)
def _markdown_parser(lang: str):
    from markdown_it import MarkdownIt

    # CommonMark without raw HTML; images are off too, so that text from a case
    # file can never make the PDF fetch anything.
    parser = MarkdownIt("commonmark", {"html": False, "typographer": True,
                                       "quotes": QUOTES.get(lang, QUOTES["en"])})
    return parser.enable(["replacements", "smartquotes"]).disable("image")


def markdown(text: str | None, lang: str = "en") -> Markup:
    """Markdown paragraphs as HTML, with the language's quotes; raw HTML is printed as text."""
    if not text:
        return Markup("")
    return Markup(_markdown_parser(lang).render(str(text)))


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element."""
    escaped = re.sub(r'["\\<>\n\r]', lambda m: f"\\{ord(m.group()):x} ", str(text))
    return Markup(f'"{escaped}"')


def css_counters(phrase: str) -> Markup:
    """A phrase with ``{page}`` and ``{pages}`` as CSS ``content`` with page counters."""
    parts = re.split(r"(\{page\}|\{pages\})", str(phrase))
    out = []
    for part in parts:
        if part in ("{page}", "{pages}"):
            out.append(f"counter({part[1:-1]})")
        elif part:
            out.append(css_string(part))
    return Markup(" ".join(out) or '""')


def template_label(env: SandboxedEnvironment, name: str, filename: str | None,
                   campaign_root: Path | None) -> str:
    """How messages name a template file."""
    if filename and campaign_root is not None:
        path = Path(filename)
        if path.is_relative_to(campaign_root.resolve()):
            return path.relative_to(campaign_root.resolve()).as_posix()
    if filename and Path(filename).is_relative_to(BUILTIN_TEMPLATES):
        return f"{BUILTIN_LABEL}/{Path(filename).relative_to(BUILTIN_TEMPLATES).as_posix()}"
    return filename or name


def template_for(document, copy=None, recipient=None) -> str:
    """The template of one output: the copy's, the recipient's, the document's, the default."""
    for candidate in (copy and copy.template, recipient and recipient.template,
                      document.template):
        if candidate:
            return candidate
    return DEFAULT_TEMPLATES[document.kind]


def error_location(exc: BaseException, campaign_root: Path | None) -> str:
    """``file:line`` of the template frame where a rendering error happened, if any."""
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        return f"{_label_path(exc.filename, campaign_root)}:{exc.lineno}"
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".css", ".txt", ".j2")):
            return f"{_label_path(frame.filename, campaign_root)}:{frame.lineno}"
    return ""


def _label_path(filename: str, campaign_root: Path | None) -> str:
    path = Path(filename)
    if campaign_root is not None and path.is_relative_to(campaign_root.resolve()):
        return path.relative_to(campaign_root.resolve()).as_posix()
    if path.is_relative_to(BUILTIN_TEMPLATES):
        return f"{BUILTIN_LABEL}/{path.relative_to(BUILTIN_TEMPLATES).as_posix()}"
    return filename


def render_template(env: SandboxedEnvironment, name: str, context: dict,
                    campaign_root: Path | None, what: str) -> str:
    """Render one template; a template mistake becomes a RenderError naming file and line."""
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    try:
        return env.get_template(name).render(context)
    except (TemplateError, SecurityError) as exc:
        where = error_location(exc, campaign_root)
        raise RenderError(f"{where + ': ' if where else ''}{what}: {exc.message or exc}") from exc


# --- checks ---------------------------------------------------------------------------


def phrases_used(env: SandboxedEnvironment, name: str) -> dict[str, int]:
    """Catalogue keys a template asks for with ``t('key')``, with their line numbers."""
    source, filename, _ = env.loader.get_source(env, name)
    tree = env.parse(source, name, filename)
    found: dict[str, int] = {}
    for call in tree.find_all(nodes.Call):
        if (isinstance(call.node, nodes.Name) and call.node.name == "t" and call.args
                and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str)):
            found.setdefault(call.args[0].value, call.lineno)
    return found


def check_templates(loaded, problems: Problems) -> None:
    """Templates exist and parse; every phrase they use exists in every language needed."""
    from .campaign import CAMPAIGN_FILE
    from .i18n import REFERENCE_LANGUAGE

    env = make_environment(loaded.templates_dir)
    source = loaded.files[CAMPAIGN_FILE]
    available = sorted(env.list_templates(filter_func=lambda n: n.endswith(".html")))
    needed: dict[str, tuple] = {}  # template name -> where it was asked for
    languages: set[str] = set()
    campaign = loaded.campaign
    for doc_id, document in campaign.documents.items():
        loc = ("documents", doc_id)
        languages.update(document.languages)
        needed.setdefault(template_for(document), loc + ("template",))
        for i, copy in enumerate(getattr(document, "recipients", [])):
            recipient = campaign.recipients.get(copy.recipient)
            if copy.template:
                needed.setdefault(copy.template, loc + ("recipients", i, "template"))
            elif recipient is not None and recipient.template:
                needed.setdefault(recipient.template,
                                  ("recipients", copy.recipient, "template"))
            languages.update(copy.languages or (recipient and recipient.languages) or [])

    used: dict[str, tuple[str, int]] = {}
    for name, loc in needed.items():
        try:
            template = env.get_template(name)
        except TemplateNotFound as exc:
            line, column = source.position(loc)
            missing = exc.name if exc.name != name else name
            problems.add(source.label, line, column, dotted(loc),
                         f"there is no template '{missing}' in templates/ or among the "
                         "built-in ones" + did_you_mean(missing, available))
            continue
        except TemplateSyntaxError as exc:
            problems.add(template_label(env, name, exc.filename, loaded.root), exc.lineno,
                         message=f"template syntax: {exc.message}")
            continue
        for dependency in templates_reached(env, name)[0]:
            try:
                keys = phrases_used(env, dependency)
            except TemplateNotFound:
                continue
            except TemplateSyntaxError as exc:
                problems.add(template_label(env, dependency, exc.filename, loaded.root),
                             exc.lineno, message=f"template syntax: {exc.message}")
                continue
            filename = env.loader.get_source(env, dependency)[1]
            label = template_label(env, dependency, filename, loaded.root)
            for key, line in keys.items():
                used.setdefault(key, (label, line))
        del template

    reference = loaded.catalogues.get(REFERENCE_LANGUAGE)
    for lang in sorted(languages & set(loaded.catalogues)):
        catalogue = loaded.catalogues[lang]
        for key, (label, line) in sorted(used.items()):
            if key not in catalogue.phrases:
                problems.add(label, line, message=f"the phrase '{key}' is missing from the "
                             f"'{lang}' catalogue; add it to catalogues/{lang}.yaml")
        if reference is not None and lang != REFERENCE_LANGUAGE:
            missing = [k for k in reference.phrases if k not in catalogue.phrases
                       and k not in used]
            if missing:
                label = next(iter(catalogue.where.values()), (f"catalogues/{lang}.yaml", 0))[0]
                problems.add(label, message=f"phrases missing from the '{lang}' catalogue: "
                             + ", ".join(missing))


def templates_reached(env: SandboxedEnvironment, name: str) -> tuple[list[str], bool]:
    """``name`` and every template it extends, includes or imports by a constant name.

    The flag says whether some template names another by an expression, which
    this cannot follow.
    """
    seen: list[str] = []
    dynamic = False
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        try:
            source, filename, _ = env.loader.get_source(env, current)
            tree = env.parse(source, current, filename)
        except (TemplateNotFound, TemplateSyntaxError):
            continue
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import,
                                   nodes.FromImport)):
            if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
                todo.append(node.template.value)
            else:
                dynamic = True
    return seen, dynamic
