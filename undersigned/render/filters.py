"""The filters templates use: Markdown, CSS strings, page counters.

Markdown is CommonMark without raw HTML or images, with the language's quotes;
links go only to the web or an e-mail address. Nothing a value holds can make the
PDF fetch or run anything.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup

from ..errors import RenderError

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


MAX_MARKDOWN_MARKS = 200
"""The most inline marks (code spans, emphasis, links, line breaks) one Markdown value may
have. WeasyPrint lays out a paragraph in time that grows with the square of its inline
elements: 1,600 code spans take 14 s, 12,400 (``"`a`b"`` repeated, within the length
limit of a value) two minutes; a real summary has a handful."""

class TooManyMarks(RenderError):
    """Raised when a Markdown value has more inline marks than MAX_MARKDOWN_MARKS (the
    caller names the output)."""


MARK_TYPES = frozenset({"code_inline", "em_open", "strong_open", "s_open", "link_open",
                        "hardbreak"})


def markdown(text: str | None, lang: str = "en") -> Markup:
    """Markdown paragraphs as HTML, with the language's quotes; raw HTML is printed as text."""
    if not text:
        return Markup("")
    parser, env = _markdown_parser(lang), {}
    tokens = parser.parse(str(text), env)
    _check_marks(token for block in tokens for token in block.children or ())
    return Markup(parser.renderer.render(tokens, parser.options, env))


def markdown_inline(text: str | None, lang: str = "en") -> Markup:
    """One Markdown paragraph as inline HTML (no ``<p>``), for list items and sentences."""
    if not text:
        return Markup("")
    parser, env = _markdown_parser(lang), {}
    tokens = parser.parseInline(str(text).strip(), env)
    _check_marks(token for block in tokens for token in block.children or ())
    return Markup(parser.renderer.render(tokens, parser.options, env))


def _check_marks(inline_tokens) -> None:
    """Refuse a value with more inline marks than its layout can afford (see
    MAX_MARKDOWN_MARKS)."""
    marks = sum(token.type in MARK_TYPES for token in inline_tokens)
    if marks > MAX_MARKDOWN_MARKS:
        raise TooManyMarks(f"a Markdown text has {marks:,} marks (code, emphasis, links, line "
                          f"breaks), more than the {MAX_MARKDOWN_MARKS} one text may have; "
                          "write it with fewer")


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
