"""Writing the HTML of one copy, for template authors to iterate without a PDF viewer."""

from __future__ import annotations

from pathlib import Path

from .campaign.html import render_html
from .campaign.load import load_campaign
from .campaign.plan import plan_outputs
from .errors import UndersignedError
from .files import write_atomically, write_error, writer_lock


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
    html = render_html(loaded, output).encode("utf-8")
    target = Path(target) if target is not None else loaded.output_dir / f"{output.stem}.html"
    try:
        if target.parent.resolve() == loaded.output_dir.resolve():
            with writer_lock(loaded.output_dir, "preview"):
                write_atomically(target, html)
        else:
            write_atomically(target, html)
    except OSError as exc:
        raise write_error(exc, target) from exc
    return target
