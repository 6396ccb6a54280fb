"""Running a build: check, plan, render each output, write it safely.

One failing output never stops the others; each PDF is written to a temporary
file in the output folder and renamed into place, so a reader never sees half
a PDF and an interrupted build leaves nothing corrupt behind.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .campaign import LoadedCampaign, load_campaign
from .context import build_context
from .errors import UndersignedError
from .plan import Output, plan_outputs
from .templating import make_environment, render_template


@dataclass
class Result:
    """What happened to one output."""

    output: Output
    written: list[Path] = field(default_factory=list)
    error: str | None = None


@dataclass
class BuildReport:
    """The outcome of a build: one result per planned output."""

    loaded: LoadedCampaign
    results: list[Result] = field(default_factory=list)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.error]


def render_html(loaded: LoadedCampaign, output: Output, env=None) -> str:
    """The HTML of one output."""
    env = env or make_environment(loaded.templates_dir)
    context = build_context(loaded, output)
    return render_template(env, output.template, context, loaded.root, output.label)


def render_text(loaded: LoadedCampaign, output: Output, env=None) -> str:
    """The plain-text export of a written question, ready to paste into the tabling system."""
    env = env or make_environment(loaded.templates_dir)
    name = output.template.rsplit(".", 1)[0] + ".txt"
    if name not in env.list_templates():
        name = "question.txt"
    context = build_context(loaded, output)
    return render_template(env, name, context, loaded.root, output.label)


def build(root: Path | str, documents=(), recipients=(), langs=(), strict: bool = False,
          on_result: Callable[[Result, int, int], None] | None = None) -> BuildReport:
    """Check the campaign, then make every planned output; failures are collected, not raised."""
    from .pdf import render_pdf

    loaded = load_campaign(root, strict=strict)
    outputs = plan_outputs(loaded, documents, recipients, langs)
    env = make_environment(loaded.templates_dir)
    report = BuildReport(loaded)
    out_dir = loaded.output_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    for index, output in enumerate(outputs, 1):
        result = Result(output)
        try:
            html = render_html(loaded, output, env)
            pdf = render_pdf(html, loaded.root, output.label)
            files = {out_dir / f"{output.stem}.pdf": pdf}
            if output.kind == "question":
                files[out_dir / f"{output.stem}.txt"] = render_text(loaded, output, env).encode()
            for path, data in files.items():
                write_atomically(path, data)
                result.written.append(path)
        except UndersignedError as exc:
            result.error = str(exc)
        except OSError as exc:
            result.error = f"{output.label}: cannot write {exc.filename or out_dir}: " \
                f"{exc.strerror or exc}"
        report.results.append(result)
        if on_result:
            on_result(result, index, len(outputs))
    return report


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the whole new one."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
