"""The filters templates use: Markdown, CSS strings, page counters.

Markdown is CommonMark without raw HTML or images, with the language's quotes;
links go only to the web or an e-mail address. Nothing a value holds can make the
PDF fetch or run anything.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup

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
