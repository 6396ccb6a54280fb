"""Writing the HTML of one copy, for template authors to iterate without a PDF viewer."""

from __future__ import annotations

from pathlib import Path

from .campaign.html import render_html
from .campaign.load import load_campaign
from .campaign.plan import plan_outputs
from .errors import UndersignedError
from .files import write_atomically


def write_preview(root: Path | str, document: str, recipient: str | None = None,
                  lang: str | None = None, target: Path | None = None) -> Path:
    """Render one output of ``document`` to HTML and return where it was written.

    Images and fonts are referenced by absolute ``file:`` URLs, so the file
    opens in a browser from anywhere.
    """
    loaded = load_campaign(root)
    outputs = plan_outputs(loaded, [document], [recipient] if recipient else [],
                           [lang] if lang else [])
    if not outputs:
        raise UndersignedError(f"the document '{document}' has no copy for "
                               f"{'recipient ' + recipient if recipient else ''}"
                               f"{' in ' + lang if lang else ''}".rstrip())
    output = outputs[0]
    html = render_html(loaded, output)
    if target is None:
        loaded.output_dir.mkdir(parents=True, exist_ok=True)
        target = loaded.output_dir / f"{output.stem}.html"
    write_atomically(Path(target), html.encode("utf-8"))
    return Path(target)
