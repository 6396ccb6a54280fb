"""The one Jinja environment: loaders, the sandbox, rendering with located errors.

Templates are looked up in the campaign's ``templates/`` folder first, then
among the built-in ones; ``builtin/NAME`` always names the built-in template,
so a campaign's ``letter.html`` can extend ``builtin/letter.html``.
Templates run in Jinja's sandbox with autoescaping and StrictUndefined: data
is printed, never evaluated, and a misspelt variable is an error, not a blank.
"""

from __future__ import annotations

import math
import traceback
from pathlib import Path

from jinja2 import (ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined,
                    TemplateError, TemplateNotFound, TemplateSyntaxError)
from jinja2.sandbox import SandboxedEnvironment

from ..errors import RenderError, UndersignedError
from ..resources import TEMPLATES_DIR
from .filters import css_counters, css_string, markdown

BUILTIN_LABEL = "<built-in>/templates"


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
    builtin = FileSystemLoader(str(TEMPLATES_DIR))
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
