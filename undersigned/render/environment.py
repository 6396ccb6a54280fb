"""The one Jinja environment: loaders, the sandbox, rendering with located errors.

Templates are looked up in the campaign's ``templates/`` folder first, then
among the built-in ones; ``builtin/NAME`` always names the built-in template,
so a campaign's ``letter.html`` can extend ``builtin/letter.html``.
Templates run in Jinja's sandbox with autoescaping and StrictUndefined: data
is printed, never evaluated, and a misspelt variable is an error, not a blank.
"""

from __future__ import annotations

import math
import signal
import threading
import time
import traceback
from contextlib import contextmanager
from functools import update_wrapper
from pathlib import Path

from jinja2 import (ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined,
                    TemplateError, TemplateNotFound, TemplateSyntaxError, UndefinedError, nodes)
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .compat import CodeGenerator, split_template_path

from ..errors import RenderError, UndersignedError, did_you_mean
from ..resources import TEMPLATES_DIR
from . import limits
from .cache import BUILTIN_CACHE
from .filters import css_counters, css_string, markdown, plain
from .limits import MAX_TEMPLATE_TEXT

BUILTIN_LABEL = "<built-in>/templates"


MAX_TEMPLATE_BYTES = 1024 * 1024
MAX_TEMPLATE_NAME = 255
"""The longest template name: longer ones cannot be file names."""


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
        if "\0" in template or len(template) > MAX_TEMPLATE_NAME:
            raise TemplateNotFound(template)  # no file can have such a name
        path = self.folder.joinpath(*split_template_path(template))
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError, ValueError):
            raise TemplateNotFound(template) from None
        if not resolved.is_relative_to(self.boundary):
            raise TemplateOutsideCampaign(template, f"templates/{template} links to {resolved}, "
                                          "outside the campaign folder")
        try:
            is_file = resolved.is_file()
        except OSError:
            is_file = False
        if not is_file:
            raise TemplateNotFound(template)
        try:
            stat = resolved.stat()
            raw = resolved.read_bytes() if stat.st_size <= MAX_TEMPLATE_BYTES else b""
        except OSError as exc:
            raise TemplateOutsideCampaign(template, f"templates/{template} cannot be read: "
                                          f"{exc.strerror or exc}") from None
        if stat.st_size > MAX_TEMPLATE_BYTES:
            raise TemplateOutsideCampaign(template, f"templates/{template} is over "
                                          f"{MAX_TEMPLATE_BYTES:,} bytes")
        source = raw.decode("utf-8")  # a UnicodeDecodeError: scan.py says where
        mtime = stat.st_mtime
        return source, str(path), lambda: resolved.is_file() and resolved.stat().st_mtime == mtime


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with every ``~`` checked against the text limit."""

    def visit_Concat(self, node, frame):
        self.write("environment.bounded_text(")
        super().visit_Concat(node, frame)
        self.write(")")


class _Undefined(StrictUndefined):
    """StrictUndefined whose message for a missing key lists the keys that exist."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        message = super()._undefined_message
        obj, name = self._undefined_obj, self._undefined_name
        if not self._undefined_hint and isinstance(obj, dict) and isinstance(name, str):
            keys = sorted(str(k) for k in obj)
            message += did_you_mean(name, keys) + f" (keys: {', '.join(keys)})"
        return message


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, also refusing arithmetic and text that would exhaust the machine:
    a power with thousands of digits (which would run in C, past any time limit), a text
    repeated, padded, formatted, replaced or joined into gigabytes, a document, block or
    macro longer than MAX_RENDERED_TEXT (see :mod:`.limits`)."""

    intercepted_binops = frozenset(["**", "*", "%", "+"])
    code_generator_class = _BoundedCodeGenerator
    concat = staticmethod(limits.bounded_concat)
    bounded_text = staticmethod(limits.bounded_text)

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
            limits.refuse_if_longer(limits.size_of(sequence) * max(count, 0), "a repetition")
        if operator == "%" and isinstance(left, str):
            limits.check_percent_format(left, right)
        if operator == "+" and isinstance(left, (str, list, tuple)) \
                and isinstance(right, (str, list, tuple)):
            limits.refuse_if_longer(limits.size_of(left) + limits.size_of(right),
                                    "a text or list")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        limits.check_method_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value):
        """``str.format`` as the sandbox wraps it, with fields that may not pad past the
        limit (Jinja's own wrapper, with a bounded formatter)."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text = value.__self__
        formatter = (limits.BoundedEscapeFormatter(self, escape=text.escape)
                     if isinstance(text, Markup) else limits.BoundedFormatter(self))
        is_format_map = value.__name__ == "format_map"

        def bounded(*args, **kwargs):
            if is_format_map:
                return wrapped(*args, **kwargs) if kwargs or len(args) != 1 else \
                    type(text)(formatter.vformat(text, (), args[0]))
            return type(text)(formatter.vformat(text, args, kwargs))

        return update_wrapper(bounded, value)


def make_environment(campaign_templates: Path | None) -> SandboxedEnvironment:
    """The Jinja environment for a campaign (or for the built-in templates alone). The
    built-in templates' compiled code is kept between runs (:mod:`.cache`)."""
    loaders = []
    if (campaign_templates is not None and campaign_templates.is_dir()
            and campaign_templates.resolve().is_relative_to(campaign_templates.parent.resolve())):
        # (A templates/ folder that links out of the campaign is not used; check says so.)
        loaders.append(_ConfinedLoader(campaign_templates, campaign_templates.parent))
    builtin = FileSystemLoader(str(TEMPLATES_DIR))
    loaders += [PrefixLoader({"builtin": builtin}), builtin]
    env = _Sandbox(
        loader=ChoiceLoader(loaders),
        undefined=_Undefined,
        autoescape=lambda name: not (name or "").endswith((".css", ".txt", ".md")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=BUILTIN_CACHE,
    )
    env.filters = limits.bounded_filters(env.filters)
    env.globals["lipsum"] = limits.bounded_lipsum
    env.filters["markdown"] = markdown
    env.filters["plain"] = plain
    env.filters["css_string"] = css_string
    env.filters["css_counters"] = css_counters
    return env


def template_label(filename: str | None, campaign_root: Path | None, name: str = "") -> str:
    """How messages name a template file: relative to the campaign, or ``<built-in>/…``."""
    if not filename:
        return name
    path = Path(filename)
    for base, prefix in ((campaign_root, ""), (TEMPLATES_DIR, BUILTIN_LABEL + "/")):
        if base is None:
            continue
        for candidate in (base.absolute(), base.resolve()):
            if path.is_relative_to(candidate):
                return prefix + path.relative_to(candidate).as_posix()
    return filename


def error_location(exc: BaseException, campaign_root: Path | None) -> str:
    """``file:line`` of the template frame where a rendering error happened, if any."""
    label, line = error_position(exc, campaign_root)
    return f"{label}:{line}" if label else ""


def error_position(exc: BaseException, campaign_root: Path | None) -> tuple[str, int]:
    """(template label, line) of the template frame where a rendering error happened, or
    ("", 0)."""
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        return template_label(exc.filename, campaign_root), exc.lineno
    frame = _template_frame(exc)
    if frame is not None:
        return template_label(frame.filename, campaign_root), frame.lineno
    return "", 0


def _template_frame(exc: BaseException):
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".css", ".txt", ".md", ".j2")):
            return frame
    return None


def render_failure(env: SandboxedEnvironment, exc: BaseException, context: dict,
                   campaign_root: Path | None) -> tuple[str, int, str] | None:
    """(template label, line, message) of a template's failure to render, or None for an
    exception that is not the template's doing (MemoryError)."""
    from jinja2.exceptions import SecurityError

    if isinstance(exc, MemoryError):
        return None
    label, line = error_position(exc, campaign_root)
    if isinstance(exc, TemplateOutsideCampaign):
        return label, line, exc.message
    if isinstance(exc, TemplateNotFound):
        return label, line, f"there is no template '{exc.name}'"
    if isinstance(exc, UndefinedError):
        message = exc.message or str(exc)
        return label, line, message + _undefined_hint(env, exc, message, context)
    if isinstance(exc, (TemplateError, SecurityError, UndersignedError)):
        return label, line, getattr(exc, "message", None) or str(exc)
    # What a template can provoke: OverflowError, RecursionError, a bad include name ...
    return label, line, str(exc)[:200] or type(exc).__name__


def _undefined_hint(env: SandboxedEnvironment, exc: UndefinedError, message: str,
                    context: dict) -> str:
    """``; did you mean 'sender'?`` for a name that is undefined, over the names that exist
    where it was used: the context, the globals and the names the template sets."""
    import re

    match = re.fullmatch(r"'(\w+)' is undefined", message)
    if not match:
        return ""
    names = set(context) | set(env.globals)
    frame = _template_frame(exc)
    if frame is not None:
        try:
            source = Path(frame.filename).read_text(encoding="utf-8")
            tree = env.parse(source)
        except Exception:  # the template could be read to render; this is only a hint
            tree = None
        if tree is not None:
            names |= {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
            names |= {n.name for n in tree.find_all(nodes.Macro)}
    names.discard(match.group(1))
    return did_you_mean(match.group(1), sorted(names))


def render_template(env: SandboxedEnvironment, name: str, context: dict,
                    campaign_root: Path | None, what: str) -> str:
    """Render one template; a template mistake becomes a RenderError naming file and line."""
    try:
        return env.get_template(name).render(context)
    except MemoryError:
        raise  # the renderer reports it as such
    except Exception as exc:
        failure = render_failure(env, exc, context, campaign_root)
        if failure is None:
            raise
        label, line, message = failure
        where = f"{label}:{line}: " if label else ""
        raise RenderError(f"{where}{what}: {message}") from exc


class TimeUp(BaseException):
    """Raised by the alarm in a render that took too long (a BaseException, so that no
    ``except Exception`` on a template's path swallows it)."""


@contextmanager
def time_limit(seconds: float):
    """Raise TimeUp in the block after ``seconds`` (in the main thread; elsewhere no limit
    applies). The frames of the template running then say where it was."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum, frame):
        raise TimeUp()

    # Within an enclosing limit (an isolated worker's, around a render's own), the sooner
    # one rings, and the enclosing one goes on afterwards with what is left of it.
    enclosing = signal.getitimer(signal.ITIMER_REAL)[0]
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, enclosing) if enclosing else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if enclosing:
            signal.setitimer(signal.ITIMER_REAL,
                             max(enclosing - (time.monotonic() - started), 0.001))
