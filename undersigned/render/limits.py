"""How much text a template may make: every way of multiplying text is bounded before it
allocates, and every text a render joins (the document, a block, a macro's output) is
bounded as it grows.

A template runs in Jinja's sandbox, which stops it reaching Python's internals but not
from asking for ten gigabytes of spaces: ``"%0100000000d" % 1``, ``"x"|center(10**8)``,
``s.replace("x", s)`` or a loop printing a million-character text a hundred times. Here
each such path estimates its result first and refuses it past the limit, with a
:class:`SecurityError` that the renderer reports with the template's file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from string import Formatter

from jinja2.exceptions import SecurityError
from markupsafe import EscapeFormatter

from .compat import SandboxedEscapeFormatter, SandboxedFormatter

MAX_TEMPLATE_TEXT = 1_000_000
"""The longest text or list a template may build with ``*``, and the widest field a
format may pad to."""

MAX_RENDERED_TEXT = 2_000_000
"""The most characters a template may produce: the whole document, a block, a macro's
output, a text built with ``~``, ``+``, ``join`` or ``replace``. (A real letter is about
60,000; a 500-signatory letter about 400,000.)"""

MAX_LIPSUM_PARAGRAPHS = 100


def refuse_if_longer(size: int, what: str, limit: int = MAX_RENDERED_TEXT) -> None:
    """Refuse a text or list about to be ``size`` characters (or items) long."""
    if size > limit:
        raise SecurityError(f"{what} of more than {limit:,} characters is not allowed")


def size_of(value, _seen: set[int] | None = None) -> int:
    """About how many characters ``value`` prints as (lists and mappings counted through,
    each object once)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        seen = _seen if _seen is not None else set()
        if id(value) in seen:
            return 0
        seen.add(id(value))
        items = value.items() if isinstance(value, dict) else value
        total = len(value)
        for item in items:
            total += size_of(item, seen)
            if total > MAX_RENDERED_TEXT:
                break
        return total
    return 8


def bounded_concat(parts: Iterable[str]) -> str:
    """Jinja's ``concat`` (how every template, block and macro output is joined), refusing
    to grow past MAX_RENDERED_TEXT."""
    collected, total = [], 0
    for part in parts:
        total += len(part)
        if total > MAX_RENDERED_TEXT:
            raise SecurityError(f"the template produces more than {MAX_RENDERED_TEXT:,} "
                                "characters; is a loop printing a very long text?")
        collected.append(part)
    return "".join(collected)


def bounded_text(text):
    """The result of ``~``, checked once it is made (its parts are bounded already)."""
    refuse_if_longer(len(text), "a text")
    return text


# --- formatting: % and str.format -------------------------------------------------------

_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.S)
_FORMAT_SPEC = re.compile(r"^(?:.?[<>=^])?[+\- ]?z?#?0?(\d*)[,_]?(?:\.(\d+))?")


def check_percent_format(template: str, values) -> None:
    """Refuse ``template % values`` if its fields would pad or print past the limit."""
    args = list(values) if isinstance(values, tuple) else [values]
    padding = 0
    for match in _PERCENT_SPEC.finditer(template):
        for number in match.group(1), match.group(2):
            if number == "*":
                number = args.pop(0) if args and isinstance(args[0], int) else 0
            padding += int(number or 0)
        if match.group(3) != "%" and args:
            args.pop(0)
    refuse_if_longer(padding, "a formatted field", MAX_TEMPLATE_TEXT)
    refuse_if_longer(len(template) + padding + size_of(values), "a formatted text")


class _BoundedFields:
    """Formatter fields that may not pad or print past the limit, in one call."""

    def vformat(self, format_string, args, kwargs):
        self._padding = 0
        return super().vformat(format_string, args, kwargs)

    def format_field(self, value, format_spec):
        match = _FORMAT_SPEC.match(format_spec or "")
        self._padding += max(int(match.group(1) or 0), int(match.group(2) or 0))
        refuse_if_longer(self._padding, "a formatted field", MAX_TEMPLATE_TEXT)
        return super().format_field(value, format_spec)


class BoundedFormatter(_BoundedFields, SandboxedFormatter):
    pass


class BoundedEscapeFormatter(_BoundedFields, SandboxedEscapeFormatter):
    pass


assert issubclass(BoundedEscapeFormatter, EscapeFormatter) and issubclass(BoundedFormatter,
                                                                          Formatter)


# --- methods of texts and lists ---------------------------------------------------------


def _padded(text, width=0, *rest) -> int:
    return max(len(text), width if isinstance(width, int) else 0)


def _expanded(text, tabsize=8) -> int:
    return len(text) + text.count("\t") * (tabsize if isinstance(tabsize, int) else 0)


def _replaced(text, old="", new="", count=-1, *rest) -> int:
    if not isinstance(old, str) or not isinstance(new, str):
        return len(text)
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * len(new)


def _joined(separator, items=(), *rest) -> int:
    items = list(items) if not isinstance(items, (list, tuple, str)) else items
    return size_of(items) + len(separator) * len(items)


TEXT_METHODS: dict[str, Callable[..., int]] = {
    "center": _padded, "ljust": _padded, "rjust": _padded, "zfill": _padded,
    "expandtabs": _expanded, "replace": _replaced, "join": _joined,
}
"""The methods of ``str`` that can make a text longer than their inputs, and the length of
what each would return."""


def check_method_call(method, args: tuple, kwargs: dict) -> None:
    """Refuse a call of a text's or list's method that would build too much."""
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    kwargs = {key: value for key, value in kwargs.items() if key != "_block_vars"}  # Jinja's
    if isinstance(owner, str) and name in TEXT_METHODS:
        try:
            size = TEXT_METHODS[name](owner, *args, **kwargs)
        except TypeError:
            return  # the call itself will say what is wrong with its arguments
        refuse_if_longer(size, f"a text made by {name}()")
    elif isinstance(owner, list) and name in ("append", "insert", "extend"):
        added = size_of(args[-1]) if args else 0
        refuse_if_longer(size_of(owner) + added, "a list")


# --- filters that can multiply text -------------------------------------------------------


def bounded_filters(filters: dict) -> dict:
    """Jinja's filters that can make more text than they are given, each refusing to make
    more than the limit before it starts."""
    from .compat import filters as jinja

    def center(value, width=80):
        refuse_if_longer(width if isinstance(width, int) else 0, "a centred text",
                         MAX_TEMPLATE_TEXT)
        return jinja.do_center(value, width)

    def indent(value, width=4, first=False, blank=False):
        step = width if isinstance(width, str) else " " * width if isinstance(width, int) else ""
        refuse_if_longer(len(str(value)) + len(step) * (str(value).count("\n") + 1),
                         "an indented text")
        return jinja.do_indent(value, width, first, blank)

    def wordwrap(environment, value, width=79, break_long_words=True, wrapstring=None,
                 break_on_hyphens=True):
        text = str(value)
        if not isinstance(width, int) or width < 1:
            width = 1
        separator = wrapstring if isinstance(wrapstring, str) else environment.newline_sequence
        refuse_if_longer(len(text) + (len(text) // width + text.count("\n") + 1)
                         * len(separator), "a wrapped text")
        return jinja.do_wordwrap(environment, value, width, break_long_words, wrapstring,
                                 break_on_hyphens)

    def replace(eval_ctx, value, old, new, count=None):
        refuse_if_longer(_replaced(str(value), str(old), str(new),
                                   -1 if count is None else count), "a text made by replace")
        return jinja.do_replace(eval_ctx, value, old, new, count)

    def format_(value, *args, **kwargs):
        check_percent_format(str(value), kwargs or args)
        return jinja.do_format(value, *args, **kwargs)

    def join(eval_ctx, value, d="", attribute=None):
        value = list(value) if attribute is None else value
        if attribute is None:
            refuse_if_longer(size_of(value) + len(d) * len(value), "a joined text")
        return bounded_text(jinja.sync_do_join(eval_ctx, value, d, attribute))

    def truncate(environment, s, length=255, killwords=False, end="...", leeway=None):
        refuse_if_longer(len(str(end)), "a truncation mark", MAX_TEMPLATE_TEXT)
        return jinja.do_truncate(environment, s, length, killwords, end, leeway)

    def batch(value, linecount, fill_with=None):
        refuse_if_longer(linecount if isinstance(linecount, int) else 0, "a batch",
                         MAX_TEMPLATE_TEXT)
        return jinja.do_batch(value, linecount, fill_with)

    def slice_(value, slices, fill_with=None):
        refuse_if_longer(slices if isinstance(slices, int) else 0, "a slicing",
                         MAX_TEMPLATE_TEXT)
        return jinja.sync_do_slice(value, slices, fill_with)

    def sum_(environment, iterable, attribute=None, start=0):
        items = list(iterable)
        refuse_if_longer(size_of(items) + size_of(start), "a sum")
        return jinja.sync_do_sum(environment, items, attribute, start)

    from jinja2.utils import pass_environment, pass_eval_context

    return {**filters, "center": center, "indent": indent,
            "wordwrap": pass_environment(wordwrap), "replace": pass_eval_context(replace),
            "format": format_, "join": pass_eval_context(join),
            "truncate": pass_environment(truncate), "batch": batch, "slice": slice_,
            "sum": pass_environment(sum_)}


def bounded_lipsum(n=5, html=True, min=20, max=100):
    """Jinja's ``lipsum``, at most MAX_LIPSUM_PARAGRAPHS paragraphs of at most 100 words."""
    from jinja2.utils import generate_lorem_ipsum

    if not all(isinstance(x, int) for x in (n, min, max)) or n > MAX_LIPSUM_PARAGRAPHS \
            or min > 100 or max > 100:
        raise SecurityError(f"lipsum() of more than {MAX_LIPSUM_PARAGRAPHS} paragraphs of "
                            "100 words is not allowed")
    return generate_lorem_ipsum(n, html, min, max)
