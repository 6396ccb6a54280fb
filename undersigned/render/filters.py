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
from .typography import ENGLISH_QUOTED, RTL_LANGUAGES, date_spans, quotes, typeset

@lru_cache(maxsize=None)
def _markdown_parser(lang: str, typeset_text: bool = True):
    from markdown_it import MarkdownIt

    # CommonMark without raw HTML; images are off too, so that text from a case
    # file can never make the PDF fetch anything.
    parser = MarkdownIt("commonmark", {"html": False, "typographer": True,
                                       "quotes": quotes(lang)})
    parser.enable(["replacements", "smartquotes"]).disable("image")
    parser.add_render_rule("link_open", _link_open)
    parser.add_render_rule("link_close", _link_close)
    if quotes(lang)[:2] != "“”":  # English marks typed: nested as the language nests
        parser.core.ruler.before("smartquotes", "straight_quotes", _straight_quotes)
    if typeset_text:  # the language's no-break spaces in printed text, not in exports
        parser.core.ruler.push("typeset", lambda state: _typeset_tokens(state, lang))
    return parser


def _straight_quotes(state) -> None:
    """English marks “…” typed in a language with others made straight, so that the smart
    quotes give the language's own at the level where they stand ("«…“…”…»" in Spanish)."""
    marks = state.md.options["quotes"]
    for block in state.tokens:
        if block.type != "inline":
            continue
        block.content = _straighten(block.content, marks)  # smart quotes look here first
        for child in block.children or ():
            if child.type == "text":
                child.content = _straighten(child.content, marks)


def _straighten(text: str, marks: str) -> str:
    """“…” made "…", unless it stands inside a quotation typed with the language's own
    first-level marks (where “…” is the second level in Spanish, Italian, Greek)."""
    def replace(match):
        before = text[:match.start()]
        if before.count(marks[0]) > before.count(marks[1]):
            return match.group(0)
        return f'"{match.group(1)}"'
    return ENGLISH_QUOTED.sub(replace, text)


def _typeset_tokens(state, lang: str) -> None:
    budget = [MAX_UNHYPHENATED]
    for block in state.tokens:
        if not block.children:
            continue
        children = []
        for child in block.children:
            if child.type == "text":
                child.content = typeset(child.content, lang, english_quotes=False)
                if lang in RTL_LANGUAGES:
                    # No name spans: WeasyPrint 70 orders the inline boxes of a
                    # right-to-left line right to left even inside a run of Latin
                    # words, so "Alex Example." would print as ".Example Alex"; and
                    # Pyphen has no dictionary for these languages to split names with.
                    children.append(child)
                else:
                    children.extend(_kept_whole(child, budget, lang))
            else:
                children.append(child)
        block.children = children


PROPER_NAME = re.compile(r"(?<!\w)[^\W\d_a-zа-яё]\w{4,}(?:[-‐]\w+)*")
"""A word that starts with a capital: in running text, a name (or the first word of a
sentence, which loses nothing by not being hyphenated)."""
MAX_UNHYPHENATED = 200
"""The most words of one value kept whole this way: each is an inline box, and a
paragraph's layout time grows with the square of its inline boxes."""
UNHYPHENATED = '<span style="hyphens: manual">'


UNBROKEN = '<span class="date" style="white-space: nowrap; hyphens: manual">'
"""A date: one unit, never broken across lines nor hyphenated ("7 апре-ля 2017 года")."""


def _kept_whole(token, budget: list[int], lang: str):
    """The text token, with each date in a span that is never broken nor hyphenated, and
    each capitalised word in a span that is never hyphenated ("Аблязова" is not split as
    "Аблязо-ва")."""
    from markdown_it.token import Token

    text, start, parts = token.content, 0, []
    for first, end in date_spans(text, lang):
        if budget[0] <= 0:
            break
        budget[0] -= 1
        parts += _names_kept_whole(text[start:first], budget)
        parts += [Token("html_inline", "", 0, content=UNBROKEN),
                  Token("text", "", 0, content=text[first:end]),
                  Token("html_inline", "", 0, content="</span>")]
        start = end
    if not parts:
        return _names_kept_whole(text, budget)
    return parts + _names_kept_whole(text[start:], budget)


def _names_kept_whole(text: str, budget: list[int]):
    """Text tokens of ``text``, each capitalised word in a span that is never hyphenated;
    words apart by white space only ("Mukhtar Ablyazov", "Working Group") share one span,
    which breaks between them as the text would: a third fewer spans in the example's
    letters, and a letter's layout time grows with its inline boxes (each span is one)."""
    from markdown_it.token import Token

    start, parts, first = 0, [], None  # first: where the span that ends at `start` begins
    for match in PROPER_NAME.finditer(text):
        if not match.group()[0].isupper():
            continue
        if first is not None and text[start:match.start()].isspace():
            start = match.end()
            parts[-2].content = text[first:start]
            continue
        if budget[0] <= 0:
            continue
        budget[0] -= 1
        if match.start() > start:
            parts.append(Token("text", "", 0, content=text[start:match.start()]))
        parts += [Token("html_inline", "", 0, content=UNHYPHENATED),
                  Token("text", "", 0, content=match.group()),
                  Token("html_inline", "", 0, content="</span>")]
        first, start = match.start(), match.end()
    if start < len(text):
        parts.append(Token("text", "", 0, content=text[start:]))
    return parts


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
    return _markdown_of(str(text), lang, False) if text else Markup("")


def markdown_inline(text: str | None, lang: str = "en") -> Markup:
    """One Markdown paragraph as inline HTML (no ``<p>``), for list items and sentences."""
    return _markdown_of(str(text).strip(), lang, True) if text else Markup("")


MARKDOWN_MEMO = 256
"""Texts whose HTML a process keeps: a case's summary and facts are printed in every copy
of every letter that names it (about 5 of a copy's 7 ms of context were this). Markup
cannot be changed, so a copy cannot alter what the next one prints."""
MEMO_TEXT = 4096
"""The longest text kept (the example's longest is 550 characters): with the number of
texts, it bounds what the memo adds to a worker's memory (a few MiB at most), however
long and many the texts of a campaign."""


def _markdown_of(text: str, lang: str, inline: bool) -> Markup:
    if len(text) > MEMO_TEXT:
        return _rendered.__wrapped__(text, lang, inline)
    return _rendered(text, lang, inline)


@lru_cache(maxsize=MARKDOWN_MEMO)
def _rendered(text: str, lang: str, inline: bool) -> Markup:
    parser, env = _markdown_parser(lang), {}
    tokens = parser.parseInline(text, env) if inline else parser.parse(text, env)
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


TEXT_WIDTH = 72
"""The line length of plain-text exports: what an e-mail carries without rewrapping."""


def plain(text: str | None, lang: str = "en", width: int = TEXT_WIDTH,
          indent: str = "") -> str:
    """Markdown as plain text for a text export: no marks (``*``, `` ` ``, ``[...]()``), the
    language's quotes, a web link's address after its text, paragraphs and list items
    wrapped at ``width`` (a word or an address longer than that keeps its line), with
    ``indent`` before the lines after the first (a numbered item's hanging indent)."""
    import textwrap

    if not text:
        return ""
    parser, env = _markdown_parser(lang, typeset_text=False), {}
    tokens = parser.parse(str(text), env)
    _check_marks(token for block in tokens for token in block.children or ())
    blocks: list[str] = []
    prefixes: list[str] = []
    numbers: list[int] = []
    previous_item = False
    for token in tokens:
        if token.type == "bullet_list_open":
            prefixes.append("- ")
            numbers.append(0)
        elif token.type == "ordered_list_open":
            prefixes.append("#")
            numbers.append(int(token.attrGet("start") or 1) - 1)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            prefixes.pop()
            numbers.pop()
        elif token.type == "list_item_open" and prefixes and prefixes[-1] == "#":
            numbers[-1] += 1
        elif token.type == "inline":
            first = ""
            if prefixes:
                first = f"{numbers[-1]}. " if prefixes[-1] == "#" else prefixes[-1]
                first = "   " * (len(prefixes) - 1) + first
            words = _inline_text(token.children or [])
            lines = [textwrap.fill(" ".join(part.split()), width,
                                   initial_indent=first if i == 0 else indent,
                                   subsequent_indent=(" " * len(first)) or indent,
                                   break_long_words=False, break_on_hyphens=False)
                     for i, part in enumerate(words.split("\n"))]
            item = bool(prefixes)
            # Items of a list follow each other line by line; paragraphs have a blank line.
            blocks.append(("\n" if item and previous_item else "\n\n") + "\n".join(lines))
            previous_item = item
    return "".join(blocks).lstrip("\n")


def _inline_text(children) -> str:
    """The text of a paragraph's inline tokens, a hard line break kept as a newline."""
    out: list[str] = []
    href_stack: list[str | None] = []
    start_stack: list[int] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "link_open":
            href = child.attrGet("href") or ""
            href_stack.append(href if WEB_LINK.match(href) else None)
            start_stack.append(len(out))
        elif child.type == "link_close" and href_stack:
            href, start = href_stack.pop(), start_stack.pop()
            shown = "".join(out[start:])
            target = href.removeprefix("mailto:") if href else None
            if target and target != shown:
                out.append(f" ({target})")
    return "".join(out)
