"""The HTML of one copy, and the text exports written beside its PDF."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..render.environment import make_environment, render_template
from .context import build_context

if TYPE_CHECKING:
    from jinja2 import Environment

    from .loaded import LoadedCampaign
    from .plan import Output


def render_html(loaded: LoadedCampaign, output: Output, env: Environment | None = None) -> str:
    """The HTML of one output."""
    env = env or make_environment(loaded.templates_dir)
    return render_template(env, output.template, build_context(loaded, output), loaded.root,
                           output.label)


def render_exports(loaded: LoadedCampaign, output: Output,
                   env: Environment | None = None) -> dict[str, str]:
    """File name -> text of each text export of one output (a question's ``.txt``, ready
    to paste into the tabling system), from the templates the plan chose."""
    if not output.exports:
        return {}
    env = env or make_environment(loaded.templates_dir)
    context = build_context(loaded, output)
    return {name: render_template(env, template, context, loaded.root, output.label)
            for name, template in output.exports}
