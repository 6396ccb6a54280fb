"""Reading templates without rendering them: what each reaches, which phrases it uses,
and what is wrong with it (missing, not UTF-8, not parsing), at its file and line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from jinja2 import TemplateNotFound, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from ..errors import Problems, did_you_mean
from ..model.yamlfile import decode_utf8
from ..resources import TEMPLATES_DIR
from .cache import BUILTIN_CACHE
from .environment import TemplateOutsideCampaign, template_label

_FETCHED = re.compile(
    r"""\bsrc\s*=\s*["']([^"'{}<>]+)["']"""
    r"""|<(?:link|image|use)\b[^>]*?\bhref\s*=\s*["']([^"'{}<>]+)["']"""
    r"""|<object\b[^>]*?\bdata\s*=\s*["']([^"'{}<>]+)["']"""
    r"""|\burl\(\s*["']?([^"'(){}<>\s]+)["']?\s*\)"""
    r"""|@import\s+["']([^"'{}<>]+)["']""", re.IGNORECASE)
"""What WeasyPrint fetches: images and scripts (src), stylesheets (link href, @import) and
CSS url(...), objects, SVG images. Values holding ``{`` are expressions, resolved only by rendering."""


def fetched_urls(text: str) -> list[tuple[str, int]]:
    """(URL, line) of every resource a template, an HTML page or a stylesheet makes the
    renderer fetch, by a constant URL."""
    found = []
    for match in _FETCHED.finditer(text):
        url = next(group for group in match.groups() if group is not None).strip()
        if url and not url.startswith("#"):
            found.append((url, text.count("\n", 0, match.start()) + 1))
    return found


_CSS_FETCHED = re.compile(
    r"""\"(?:\\.|[^"\\])*\"|'(?:\\.|[^'\\])*'"""  # a string: text, not a URL
    r"""|\burl\(\s*["']?([^"'()\s]+)["']?\s*\)|@import\s+["']([^"']+)["']""", re.IGNORECASE)


def css_urls(css: str) -> list[str]:
    """The URLs a stylesheet fetches: ``url(...)`` and ``@import``, not text in strings."""
    return [url for match in _CSS_FETCHED.finditer(css)
            for url in match.groups() if url]


def fetched_by_html(html: str) -> list[str]:
    """The URLs a rendered page makes the renderer fetch: ``src`` attributes, stylesheet
    links, and ``url(...)``/``@import`` in style elements and attributes (not text that only
    looks like markup)."""
    from html.parser import HTMLParser

    urls: list[str] = []

    class _Collector(HTMLParser):
        in_style = False

        def handle_starttag(self, tag, attrs):
            values = dict(attrs)
            if values.get("src"):
                urls.append(values["src"])
            if values.get("href") and (tag in ("link", "image", "use") or tag == "a" and (
                    values.get("rel") or "").lower() == "attachment"):
                urls.append(values["href"])
            if tag == "object" and values.get("data"):
                urls.append(values["data"])
            if values.get("style"):
                urls.extend(css_urls(values["style"]))
            self.in_style = tag == "style"

        def handle_endtag(self, tag):
            self.in_style = False

        def handle_data(self, data):
            if self.in_style:
                urls.extend(css_urls(data))

    _Collector(convert_charrefs=True).feed(html)
    return [url.strip() for url in urls if url.strip() and not url.strip().startswith("#")]


_IMG = re.compile("<img", re.IGNORECASE)


def images_without_alt(html: str) -> list[str]:
    """The ``src`` of each image of a rendered page that has no ``alt`` attribute: a tagged
    PDF needs its text alternative (``alt=""`` says it is decoration)."""
    from html.parser import HTMLParser

    found: list[str] = []
    if not _IMG.search(html):  # no image at all: nothing to parse
        return found

    class _Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            values = dict(attrs)
            if tag == "img" and "alt" not in values:
                found.append(values.get("src") or "")

    _Images(convert_charrefs=True).feed(html)
    return found


def local_resource(url: str, base: Path, roots: list[Path]) -> tuple[Path | None, str | None]:
    """The file a URL fetched relative to ``base`` (a folder) names, or why it cannot be
    fetched: (path, None), (None, None) for a ``data:`` URL, or (None, why)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return None, None
    if scheme not in ("", "file") or parts.netloc:
        return None, "only files in the campaign folder can be used"
    raw = unquote(parts.path)
    if "\0" in raw or not raw:
        return None, "it is not a file name"
    try:
        path = (Path(raw) if scheme == "file" or raw.startswith("/") else base / raw).resolve()
    except (OSError, RuntimeError, ValueError):
        return None, "it is not a file name"
    if not any(path.is_relative_to(root.resolve()) for root in roots):
        return None, "it is outside the campaign folder; only files in it can be used"
    try:
        if not path.is_file():
            return None, "there is no such file in the campaign folder"
    except OSError as exc:
        return None, f"it cannot be read: {exc.strerror or exc}"
    return path, None


class Parsed(NamedTuple):
    """What reading one template found."""

    phrases: dict[str, int]
    """Phrase key -> line of its first use."""
    references: list[tuple[str, int]]
    """(template name, line) of each template it extends, includes or imports by name."""
    dynamic: bool
    """Whether it names a template by an expression."""
    extends: tuple[str, int] | None
    """(template name, line) of the template it extends by name, if any."""
    blocks: list[tuple[str, int]]
    """(name, line) of the blocks it defines at its top level."""
    all_blocks: frozenset[str]
    """Every block it defines, nested ones included."""
    urls: list[tuple[str, int]]
    """(URL, line) of each resource it makes the renderer fetch by a constant URL."""

    def to_json(self) -> dict:
        return {**self._asdict(), "all_blocks": sorted(self.all_blocks)}

    @classmethod
    def from_json(cls, data: dict) -> Parsed:
        return cls({str(k): int(v) for k, v in data["phrases"].items()},
                   _pairs(data["references"]), bool(data["dynamic"]),
                   _pairs([data["extends"]])[0] if data["extends"] else None,
                   _pairs(data["blocks"]), frozenset(map(str, data["all_blocks"])),
                   _pairs(data["urls"]))


def _pairs(items) -> list[tuple[str, int]]:
    return [(str(text), int(line)) for text, line in items]


class Fetch(NamedTuple):
    """A resource a template makes the renderer fetch: where it is asked for, and the file
    it names or why it cannot be fetched."""

    label: str
    line: int
    url: str
    path: Path | None
    problem: str | None


class TemplateScan:
    """Reads templates once each: the phrases they use, the templates they reach, their faults.

    Faults are problems for ``check``: a template that is missing where another
    names it, that does not parse, or that is not UTF-8, each at its file and line.
    """

    def __init__(self, env: SandboxedEnvironment, campaign_root: Path | None):
        self.env = env
        self.root = campaign_root
        self._parsed: dict[str, Parsed | None] = {}
        self.faults: list[tuple[str, int, int, str]] = []
        """(file label, line, column, message) of every fault found so far."""

    def label(self, name: str) -> str:
        path = self._path(name)
        return template_label(str(path) if path else None, self.root, name)

    def _path(self, name: str) -> Path | None:
        folders = []
        if self.root is not None:
            folders.append((self.root / "templates").resolve())
        folders.append(TEMPLATES_DIR)
        bare = name.removeprefix("builtin/")
        for folder in folders[-1:] if name.startswith("builtin/") else folders:
            if (folder / bare).is_file():
                return folder / bare
        return None

    def parse(self, name: str):
        """What one template uses and reaches; None if it cannot be read. (What a built-in
        template uses is kept between runs: :mod:`.cache`.)"""
        if name in self._parsed:
            return self._parsed[name]
        self._parsed[name] = None
        try:
            source, filename, _ = self.env.loader.get_source(self.env, name)
            parsed = BUILTIN_CACHE.scanned(name, filename, source,
                                           lambda: self._scan(source, name, filename),
                                           Parsed.to_json, Parsed.from_json)
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
            found = Problems()
            decode_utf8(self._path(name).read_bytes(), self.label(name), found)
            self.faults += [(p.path, p.line, p.column, p.message) for p in found.items]
            return None
        self._parsed[name] = parsed
        return parsed

    def _scan(self, source: str, name: str, filename: str | None) -> Parsed:
        """Parse one template and read what it uses (TemplateSyntaxError if it does not
        parse)."""
        tree = self.env.parse(source, name, filename)
        phrases: dict[str, int] = {}
        for call in tree.find_all(nodes.Call):
            if (isinstance(call.node, nodes.Name) and call.node.name == "t" and call.args
                    and isinstance(call.args[0], nodes.Const)
                    and isinstance(call.args[0].value, str)):
                phrases.setdefault(call.args[0].value, call.lineno)
        references, dynamic, extends = [], False, None
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import,
                                   nodes.FromImport)):
            if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
                references.append((node.template.value, node.lineno))
                if isinstance(node, nodes.Extends) and extends is None:
                    extends = (node.template.value, node.lineno)
            else:
                dynamic = True
        nested = {id(inner) for outer in tree.find_all(nodes.Block)
                  for inner in outer.find_all(nodes.Block)}
        blocks = [(b.name, b.lineno) for b in tree.find_all(nodes.Block) if id(b) not in nested]
        all_blocks = frozenset(b.name for b in tree.find_all(nodes.Block))
        return Parsed(phrases, references, dynamic, extends, blocks, all_blocks,
                      fetched_urls(source))

    def unknown_blocks(self, name: str) -> None:
        """Record a fault for each block a child template defines that no template it
        extends has: Jinja would drop it without a word."""
        parsed = self.parse(name)
        if parsed is None or parsed.extends is None:
            return
        parent, ancestors, seen = parsed.extends[0], set(), set()
        current: str | None = parent
        while current is not None and current not in seen:
            seen.add(current)
            above = self.parse(current) if self.exists(current) else None
            if above is None:
                return  # a missing or broken parent is reported as such
            ancestors |= above.all_blocks
            current = above.extends[0] if above.extends else None
        for block, line in parsed.blocks:
            if block not in ancestors:
                fault = (self.label(name), line, 0,
                         f"there is no block '{block}' in {parent}, which this template "
                         f"extends" + did_you_mean(block, sorted(ancestors))
                         + f" (its blocks: {', '.join(sorted(ancestors))})")
                if fault not in self.faults:
                    self.faults.append(fault)

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
            dynamic = dynamic or parsed.dynamic
            for target, line in parsed.references:
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
        return template_exists(self.env, name)

    def phrases(self, name: str) -> dict[str, tuple[str, int]]:
        """Phrase key -> (file label, line) for every phrase ``name`` and what it reaches use."""
        used: dict[str, tuple[str, int]] = {}
        for reached in self.reach(name)[0]:
            parsed = self.parse(reached)
            if parsed is not None:
                for key, line in parsed.phrases.items():
                    used.setdefault(key, (self.label(reached), line))
        return used


    def fetches(self, names: list[str], roots: list[Path]) -> list[Fetch]:
        """Every resource the templates ``names`` fetch by a constant URL, and the resources
        the stylesheets among them fetch in turn."""
        found: list[Fetch] = []
        base = self.root if self.root is not None else TEMPLATES_DIR
        for name in names:
            parsed = self.parse(name)
            if parsed is not None:
                found += [Fetch(self.label(name), line, url, *local_resource(url, base, roots))
                          for url, line in parsed.urls]
        stylesheets = [f.path for f in found if f.path is not None and f.path.suffix == ".css"]
        seen: set[Path] = set()
        while stylesheets:  # what a fetched stylesheet fetches in turn, relative to it
            sheet = stylesheets.pop()
            if sheet in seen:
                continue
            seen.add(sheet)
            try:
                text = sheet.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            label = template_label(str(sheet), self.root)
            for url, line in fetched_urls(text):
                fetch = Fetch(label, line, url, *local_resource(url, sheet.parent, roots))
                found.append(fetch)
                if fetch.path is not None and fetch.path.suffix == ".css":
                    stylesheets.append(fetch.path)
        return found

    def resources(self, names: list[str], roots: list[Path]) -> list[Path]:
        """Every file the templates ``names`` make the renderer fetch by a constant URL."""
        return sorted({f.path for f in self.fetches(names, roots) if f.path is not None})


def templates_reached(env: SandboxedEnvironment, name: str) -> tuple[list[str], bool]:
    """``name`` and every template it extends, includes or imports by a constant name, and
    whether some template names another by an expression, which this cannot follow."""
    return TemplateScan(env, None).reach(name)


def template_exists(env: SandboxedEnvironment, name: str) -> bool:
    """Whether ``name`` is a template of the campaign or a built-in one (one that is there
    but unusable counts: reading it says why)."""
    try:
        env.loader.get_source(env, name)
    except TemplateNotFound:
        return False
    except (UnicodeDecodeError, TemplateOutsideCampaign):
        return True
    return True

