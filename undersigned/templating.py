"""The one Jinja environment, and the template checks ``undersigned check`` runs.

Templates are looked up in the campaign's ``templates/`` folder first, then
among the built-in ones; ``builtin/NAME`` always names the built-in template,
so a campaign's ``letter.html`` can extend ``builtin/letter.html``.
Templates run in Jinja's sandbox with autoescaping and StrictUndefined: data
is printed, never evaluated, and a misspelt variable is an error, not a blank.
"""

from __future__ import annotations

import math
import re
import traceback
from functools import lru_cache
from pathlib import Path

from jinja2 import (ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined,
                    TemplateError, TemplateNotFound, TemplateSyntaxError, nodes)
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .errors import Problems, RenderError, UndersignedError, did_you_mean
from .yamlfile import dotted

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
BUILTIN_LABEL = "<built-in>/templates"
DEFAULT_TEMPLATES = {"letter": "letter.html", "question": "question.html"}


MAX_TEMPLATE_BYTES = 1024 * 1024


class TemplateOutsideCampaign(TemplateError):
    """Raised when a campaign template may not be read: it links outside the campaign
    folder, or it is too large. (Not a TemplateNotFound: the built-in template of the same
    name must not silently stand in for it.)"""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


class _ConfinedLoader(FileSystemLoader):
    """Loads a campaign's templates from its folder only: never through ``..`` (Jinja
    refuses those), a symbolic link out of the campaign, a device or a pipe."""

    def __init__(self, folder: Path, boundary: Path):
        super().__init__(str(folder))
        self.folder = folder.absolute()
        self.boundary = boundary.resolve()

    def get_source(self, environment, template):
        from jinja2.loaders import split_template_path

        path = self.folder.joinpath(*split_template_path(template))
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            raise TemplateNotFound(template) from None
        if not resolved.is_relative_to(self.boundary):
            raise TemplateOutsideCampaign(template, f"templates/{template} links to {resolved}, "
                                          "outside the campaign folder")
        if not resolved.is_file():
            raise TemplateNotFound(template)
        if resolved.stat().st_size > MAX_TEMPLATE_BYTES:
            raise TemplateOutsideCampaign(template, f"templates/{template} is over "
                                          f"{MAX_TEMPLATE_BYTES:,} bytes")
        source = resolved.read_bytes().decode("utf-8")
        mtime = resolved.stat().st_mtime
        return source, str(path), lambda: resolved.is_file() and resolved.stat().st_mtime == mtime


MAX_TEMPLATE_TEXT = 1_000_000
"""The longest text or list a template may build with ``*``."""


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, also refusing arithmetic that would exhaust the machine: a power
    with thousands of digits (which would run in C, past any time limit) or a text
    repeated into gigabytes."""

    intercepted_binops = frozenset(["**", "*"])

    def call_binop(self, context, operator, left, right):
        from jinja2.exceptions import SecurityError

        numbers = (int, float)
        if (operator == "**" and isinstance(left, numbers) and isinstance(right, numbers)
                and abs(left) > 1 and right > 0
                and right * math.log10(abs(left)) > 4000):
            raise SecurityError("a power with more than 4,000 digits is not allowed")
        if (operator == "*" and isinstance(right, int) and isinstance(left, (str, list, tuple))
                or operator == "*" and isinstance(left, int)
                and isinstance(right, (str, list, tuple))):
            sequence, count = (left, right) if isinstance(right, int) else (right, left)
            if len(sequence) * count > MAX_TEMPLATE_TEXT:
                raise SecurityError(f"a repetition longer than {MAX_TEMPLATE_TEXT:,} items "
                                    "is not allowed")
        return super().call_binop(context, operator, left, right)


def make_environment(campaign_templates: Path | None) -> SandboxedEnvironment:
    """The Jinja environment for a campaign (or for the built-in templates alone)."""
    loaders = []
    if (campaign_templates is not None and campaign_templates.is_dir()
            and campaign_templates.resolve().is_relative_to(campaign_templates.parent.resolve())):
        # (A templates/ folder that links out of the campaign is not used; check says so.)
        loaders.append(_ConfinedLoader(campaign_templates, campaign_templates.parent))
    builtin = FileSystemLoader(str(BUILTIN_TEMPLATES))
    loaders += [PrefixLoader({"builtin": builtin}), builtin]
    env = _Sandbox(
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
    parser.enable(["replacements", "smartquotes"]).disable("image")
    parser.add_render_rule("link_open", _link_open)
    parser.add_render_rule("link_close", _link_close)
    return parser


WEB_LINK = re.compile(r"(?i)^(https?://|mailto:)")


def _link_open(self, tokens, idx, options, env):
    """Links to the web or to an address only: a path would become a file:// link in the
    PDF. Other links keep their text and lose their target."""
    if WEB_LINK.match(tokens[idx].attrGet("href") or ""):
        return self.renderToken(tokens, idx, options, env)
    depth = 0
    for token in tokens[idx + 1:]:
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            if depth == 0:
                token.meta["dropped"] = True
                break
            depth -= 1
    return ""


def _link_close(self, tokens, idx, options, env):
    if tokens[idx].meta.get("dropped"):
        return ""
    return self.renderToken(tokens, idx, options, env)


def markdown(text: str | None, lang: str = "en") -> Markup:
    """Markdown paragraphs as HTML, with the language's quotes; raw HTML is printed as text."""
    if not text:
        return Markup("")
    return Markup(_markdown_parser(lang).render(str(text)))


def markdown_inline(text: str | None, lang: str = "en") -> Markup:
    """One Markdown paragraph as inline HTML (no ``<p>``), for list items and sentences."""
    if not text:
        return Markup("")
    return Markup(_markdown_parser(lang).renderInline(str(text).strip()))


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


def template_label(filename: str | None, campaign_root: Path | None, name: str = "") -> str:
    """How messages name a template file: relative to the campaign, or ``<built-in>/…``."""
    if not filename:
        return name
    path = Path(filename)
    for base, prefix in ((campaign_root, ""), (BUILTIN_TEMPLATES, BUILTIN_LABEL + "/")):
        if base is None:
            continue
        for candidate in (base.absolute(), base.resolve()):
            if path.is_relative_to(candidate):
                return prefix + path.relative_to(candidate).as_posix()
    return filename


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
        return f"{template_label(exc.filename, campaign_root)}:{exc.lineno}"
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".css", ".txt", ".j2")):
            return f"{template_label(frame.filename, campaign_root)}:{frame.lineno}"
    return ""


def render_template(env: SandboxedEnvironment, name: str, context: dict,
                    campaign_root: Path | None, what: str) -> str:
    """Render one template; a template mistake becomes a RenderError naming file and line."""
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    try:
        return env.get_template(name).render(context)
    except TemplateOutsideCampaign as exc:
        raise RenderError(f"{what}: {exc.message}") from exc
    except TemplateNotFound as exc:
        where = error_location(exc, campaign_root)
        raise RenderError(f"{where + ': ' if where else ''}{what}: there is no template "
                          f"'{exc.name}'") from exc
    except (TemplateError, SecurityError, UndersignedError) as exc:
        where = error_location(exc, campaign_root)
        message = getattr(exc, "message", None) or str(exc)
        raise RenderError(f"{where + ': ' if where else ''}{what}: {message}") from exc
    except MemoryError:
        raise  # the renderer reports it as such
    except Exception as exc:  # what a template can provoke: OverflowError, RecursionError ...
        where = error_location(exc, campaign_root)
        raise RenderError(f"{where + ': ' if where else ''}{what}: "
                          f"{str(exc)[:200] or type(exc).__name__}") from exc


# --- checks ---------------------------------------------------------------------------


class TemplateScan:
    """Reads templates once each: the phrases they use, the templates they reach, their faults.

    Faults are problems for ``check``: a template that is missing where another
    names it, that does not parse, or that is not UTF-8, each at its file and line.
    """

    def __init__(self, env: SandboxedEnvironment, campaign_root: Path | None):
        self.env = env
        self.root = campaign_root
        self._parsed: dict[str, tuple | None] = {}
        self.faults: list[tuple[str, int, int, str]] = []
        """(file label, line, column, message) of every fault found so far."""

    def label(self, name: str) -> str:
        path = self._path(name)
        return template_label(str(path) if path else None, self.root, name)

    def _path(self, name: str) -> Path | None:
        folders = []
        if self.root is not None:
            folders.append((self.root / "templates").resolve())
        folders.append(BUILTIN_TEMPLATES)
        bare = name.removeprefix("builtin/")
        for folder in folders[-1:] if name.startswith("builtin/") else folders:
            if (folder / bare).is_file():
                return folder / bare
        return None

    def parse(self, name: str):
        """(phrases, references, dynamic) of one template; None if it cannot be read."""
        if name in self._parsed:
            return self._parsed[name]
        self._parsed[name] = None
        try:
            source, filename, _ = self.env.loader.get_source(self.env, name)
            tree = self.env.parse(source, name, filename)
        except TemplateNotFound:
            return None
        except TemplateOutsideCampaign as exc:
            self.faults.append((f"templates/{name}", 0, 0, exc.message.split(" ", 1)[1]))
            return None
        except TemplateSyntaxError as exc:
            self.faults.append((self.label(name), exc.lineno, 0,
                                f"template syntax: {exc.message}"))
            return None
        except UnicodeDecodeError:
            from .errors import Problems
            from .yamlfile import decode_utf8

            found = Problems()
            decode_utf8(self._path(name).read_bytes(), self.label(name), found)
            self.faults += [(p.path, p.line, p.column, p.message) for p in found.items]
            return None
        phrases: dict[str, int] = {}
        for call in tree.find_all(nodes.Call):
            if (isinstance(call.node, nodes.Name) and call.node.name == "t" and call.args
                    and isinstance(call.args[0], nodes.Const)
                    and isinstance(call.args[0].value, str)):
                phrases.setdefault(call.args[0].value, call.lineno)
        references, dynamic = [], False
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import,
                                   nodes.FromImport)):
            if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
                references.append((node.template.value, node.lineno))
            else:
                dynamic = True
        self._parsed[name] = (phrases, references, dynamic)
        return self._parsed[name]

    def reach(self, name: str) -> tuple[list[str], bool]:
        """``name`` and every template it reaches by constant names; whether some name is not
        constant. A reference to a missing template is recorded as a fault."""
        seen: list[str] = []
        dynamic = False
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.append(current)
            parsed = self.parse(current)
            if parsed is None:
                continue
            _, references, uses_expression = parsed
            dynamic = dynamic or uses_expression
            for target, line in references:
                if self.exists(target):
                    todo.append(target)
                else:
                    names = self.env.list_templates()  # "builtin/..." names included
                    fault = (self.label(current), line, 0,
                             f"there is no template '{target}' in templates/ or among the "
                             "built-in ones" + did_you_mean(target, names))
                    if fault not in self.faults:
                        self.faults.append(fault)
        return seen, dynamic

    def exists(self, name: str) -> bool:
        try:
            self.env.loader.get_source(self.env, name)
        except TemplateNotFound:
            return False
        except (UnicodeDecodeError, TemplateOutsideCampaign):
            return True  # there, but unusable: parse() says why
        return True

    def phrases(self, name: str) -> dict[str, tuple[str, int]]:
        """Phrase key -> (file label, line) for every phrase ``name`` and what it reaches use."""
        used: dict[str, tuple[str, int]] = {}
        for reached in self.reach(name)[0]:
            parsed = self.parse(reached)
            if parsed is not None:
                for key, line in parsed[0].items():
                    used.setdefault(key, (self.label(reached), line))
        return used


def templates_reached(env: SandboxedEnvironment, name: str) -> tuple[list[str], bool]:
    """``name`` and every template it extends, includes or imports by a constant name, and
    whether some template names another by an expression, which this cannot follow."""
    return TemplateScan(env, None).reach(name)


def check_templates(loaded, problems: Problems) -> None:
    """Templates exist, are UTF-8 and parse; every template they name exists; every
    phrase they use is in the catalogue of every language they are rendered in."""
    from .campaign import CAMPAIGN_FILE
    from .i18n import REFERENCE_LANGUAGE
    from .models import Letter

    env = make_environment(loaded.templates_dir)
    scan = TemplateScan(env, loaded.root)
    source = loaded.files[CAMPAIGN_FILE]
    folder = loaded.templates_dir
    if folder.is_dir() and not folder.resolve().is_relative_to(loaded.root.resolve()):
        problems.add("templates/", message=f"links to {folder.resolve()}, outside the "
                     "campaign folder; campaign files must be inside it")
    available = sorted(env.list_templates(filter_func=lambda n: n.endswith(".html")))
    needed: dict[str, tuple[tuple, set[str]]] = {}  # name -> (where asked for, languages)

    def need(name: str, loc: tuple, langs) -> None:
        entry = needed.setdefault(name, (loc, set()))
        entry[1].update(langs)

    campaign = loaded.campaign
    for doc_id, document in campaign.documents.items():
        loc = ("documents", doc_id)
        if not isinstance(document, Letter):
            need(template_for(document), loc + ("template",), document.languages)
            text = template_for(document).rsplit(".", 1)[0] + ".txt"
            need(text if scan.exists(text) else "question.txt", loc + ("template",),
                 document.languages)
            continue
        for i, copy in enumerate(document.recipients):
            recipient = campaign.recipients.get(copy.recipient)
            langs = copy.languages or (recipient and recipient.languages) or document.languages
            if copy.template:
                need(copy.template, loc + ("recipients", i, "template"), langs)
            elif recipient is not None and recipient.template:
                need(recipient.template, ("recipients", copy.recipient, "template"), langs)
            else:
                need(template_for(document), loc + ("template",), langs)

    reported: set[tuple] = set()
    languages: set[str] = set()
    for name, (loc, langs) in needed.items():
        languages |= langs
        if not scan.exists(name):
            line, column = source.position(loc)
            problems.add(source.label, line, column, dotted(loc),
                         f"there is no template '{name}' in templates/ or among the "
                         "built-in ones" + did_you_mean(name, available))
            continue
        for key, (label, line) in sorted(scan.phrases(name).items()):
            for lang in sorted(langs & set(loaded.catalogues)):
                if key not in loaded.catalogues[lang].phrases and (key, lang) not in reported:
                    reported.add((key, lang))
                    problems.add(label, line, message=f"the phrase '{key}' is missing from the "
                                 f"'{lang}' catalogue; add it to catalogues/{lang}.yaml")
    for label, line, column, message in scan.faults:
        problems.add(label, line, column, message=message)

    reference = loaded.catalogues.get(REFERENCE_LANGUAGE)
    for lang in sorted(languages & set(loaded.catalogues) - {REFERENCE_LANGUAGE}):
        catalogue = loaded.catalogues[lang]
        missing = [k for k in (reference.phrases if reference else {})
                   if k not in catalogue.phrases and (k, lang) not in reported]
        if missing:
            label = next(iter(catalogue.where.values()), (f"catalogues/{lang}.yaml",))[0]
            problems.add(label, message=f"phrases missing from the '{lang}' catalogue: "
                         + ", ".join(missing))
