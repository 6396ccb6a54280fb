"""The HTML of one copy, and the text exports written beside its PDF."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..render.environment import make_environment, render_template
from ..errors import RenderError
from ..render.filters import TooManyMarks
from .context import build_context

if TYPE_CHECKING:
    from pathlib import Path

    from jinja2 import Environment

    from .loaded import LoadedCampaign
    from .plan import Output


def _context(loaded: LoadedCampaign, output: Output) -> dict:
    """The template context of ``output``; a value too costly to lay out names the output."""
    try:
        return build_context(loaded, output)
    except TooManyMarks as exc:
        raise RenderError(f"{output.label}: {exc}") from exc


def render_html(loaded: LoadedCampaign, output: Output, env: Environment | None = None) -> str:
    """The HTML of one output."""
    env = env or make_environment(loaded.templates_dir)
    return render_template(env, output.template, _context(loaded, output), loaded.root,
                           output.label)


def render_exports(loaded: LoadedCampaign, output: Output,
                   env: Environment | None = None) -> dict[str, str]:
    """File name -> text of each text export of one output (a question's ``.txt``, ready
    to paste into the tabling system), from the templates the plan chose."""
    if not output.exports:
        return {}
    env = env or make_environment(loaded.templates_dir)
    context = _context(loaded, output)
    # Plain text to paste or e-mail: the no-break spaces of print become plain ones.
    return {name: render_template(env, template, context, loaded.root, output.label)
            .translate(PLAIN_SPACES) for name, template in output.exports}


def render_docx(loaded: LoadedCampaign, output: Output, html: str) -> bytes:
    """The Word copy of one output, from the HTML its PDF is rendered from; its header and
    footer carry what the PDF prints in the page's margins."""
    from ..word.writer import Margins, docx_of

    context = _context(loaded, output)
    t, document, metadata = context["t"], context["document"], context["metadata"]
    top = [t("draft.mark")] if document.get("draft") else []
    if context["campaign"].get("watermark"):
        top.append(context["campaign"]["watermark"])
    reference = f"{t('reference')} {document['reference']}" if document.get("reference") else ""
    margins = Margins(top, reference, t("page_of"))
    return docx_of(html, output.lang, margins, metadata["title"], tuple(metadata["authors"]),
                   loaded.campaign.documents[output.document].date,
                   image=lambda src: _campaign_image(loaded.root, src))


def _campaign_image(root: Path, src: str) -> bytes:
    """An image a copy shows (the logo: a file of the campaign, as ``check`` requires), read
    as the PDF's render reads it: beneath the campaign folder, no link followed."""
    from urllib.parse import unquote, urlsplit

    from ..pdf.fetcher import Refused, read_allowed

    url = urlsplit(src)
    if url.scheme not in ("", "file"):
        raise RenderError(f"the Word copy shows only images that are files of the campaign, "
                          f"not {src[:60]}")
    resolved = root.resolve()
    try:
        return read_allowed(resolved / unquote(url.path), [resolved])
    except Refused as exc:
        raise RenderError(str(exc)) from None


PLAIN_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})
