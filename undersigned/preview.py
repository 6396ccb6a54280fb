"""Writing the HTML of one copy, for template authors to iterate without a PDF viewer."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

from .campaign.html import render_html
from .campaign.load import load_campaign
from .campaign.plan import plan_outputs
from .errors import UndersignedError
from .files import output_target, write_atomically, write_error, writer_lock
from .kinds import KINDS


def write_preview(root: Path | str, document: str, recipient: str | None = None,
                  lang: str | None = None, target: Path | None = None) -> Path:
    """Render one output of ``document`` to HTML and return where it was written.

    Fonts are referenced by absolute ``file:`` URLs; the campaign's own files (a logo, a
    signature image), which templates name relative to the campaign folder as WeasyPrint
    reads them, resolve through a ``<base>`` that leads from where the HTML is written back
    to the campaign folder.
    """
    if target is not None:
        output_target(target)  # a device, a FIFO, a link, a folder: refused before the work
    loaded = load_campaign(root)
    outputs = plan_outputs(loaded, [document], [recipient] if recipient else [],
                           [lang] if lang else [])
    if not outputs:
        raise UndersignedError(f"the document '{document}' has no copy for "
                               f"{'recipient ' + recipient if recipient else ''}"
                               f"{' in ' + lang if lang else ''}".rstrip())
    output = outputs[0]
    # A web page's built file is STEM.html: its preview goes beside it, never over it.
    suffix = ".html" if KINDS[output.kind].printed else ".preview.html"
    target = Path(target) if target is not None else loaded.output_dir / f"{output.stem}{suffix}"
    html = with_base(render_html(loaded, output), loaded.root, target).encode("utf-8")
    try:
        if target.parent.resolve() == loaded.output_dir.resolve():
            with writer_lock(loaded.output_dir, "preview"):
                write_atomically(target, html)
        else:
            write_atomically(target, html)
    except OSError as exc:
        raise write_error(exc, target) from exc
    return target


HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


def with_base(html: str, root: Path, target: Path) -> str:
    """``html`` with a ``<base>`` that makes its relative links resolve from ``root`` when
    the file is opened at ``target``."""
    relative = os.path.relpath(Path(root).resolve(), Path(target).resolve().parent)
    href = "" if relative == "." else quote(Path(relative).as_posix()) + "/"
    base = f'<base href="{href or "./"}">'
    found = HEAD.search(html)
    if found is None:
        return base + html
    return html[:found.end()] + base + html[found.end():]
