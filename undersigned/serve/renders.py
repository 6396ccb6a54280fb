"""Rendering the copies a browser shows, in a worker process that a newer save replaces.

The server never renders itself: each round of renders runs in an isolated worker
(:mod:`..isolate.pool`, as ``build``'s: WeasyPrint already imported, the same memory cap,
time limit and watchdog), with the build's own code (:func:`..batch.build.build`, one
copy at a time, so the same sandbox, fetcher and safe writes as ``build``). The process then draws
each page of the PDF as a PNG (pypdfium2) with the page's text, for the browser to show
and for a reader (or a test) to find. A save during a round kills the round and starts
another; a round that crashes or outlives the time limit fails with a message, and the
server goes on.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..isolate import limits
from ..isolate.pool import Failure, Fault, Worker, fork_context
from ..campaign.plan import Output
from ..errors import CampaignInvalid, Problem, UndersignedError
from ..kinds import KINDS

PAGE_SCALE = 1.5
"""Pixels per PDF point of the page images (108 dpi: an A4 page is 893 pixels wide, sharp
at the default zoom and still readable at twice that)."""


@dataclass(frozen=True)
class Page:
    """One page of a copy as an image, with the text on it."""

    name: str
    """The image's file name in the server's page folder."""
    width: int
    height: int
    text: str


@dataclass
class Rendered:
    """A copy as the last round left it: its pages, or why there are none."""

    stem: str
    pdf: str = ""
    """The PDF's file name in the output folder."""
    pages: list[Page] = field(default_factory=list)
    error: str | None = None
    problems: list[Problem] = field(default_factory=list)
    """The campaign's problems, when it failed its check."""


def render_copy(root: str, output: Output, page_dir: str) -> Rendered:
    """In the worker: bring one copy up to date as ``build`` would, and draw its pages."""
    from ..batch.build import build
    from ..batch.states import Action

    rendered = Rendered(output.stem, output.pdf)
    try:
        report = build(root, [output.document], [output.recipient] if output.recipient
                       else [], [output.lang], jobs=1)
        failed = [r for r in report.results if r.action == Action.FAILED]
        if failed:
            rendered.error = failed[0].error
        elif not KINDS[output.kind].printed:  # a web page (announcement): no pages
            rendered.pages = []
        else:
            rendered.pages = _draw_pages(Path(report.loaded.output_dir) / output.pdf,
                                         Path(page_dir), output.stem)
    except CampaignInvalid as exc:
        rendered.problems = list(exc.problems)
        rendered.error = f"{len(exc.problems)} problem(s) in the campaign"
    except UndersignedError as exc:
        rendered.error = str(exc)
    return rendered


def _draw_pages(pdf: Path, page_dir: Path, stem: str) -> list[Page]:
    """Each page of ``pdf`` as a PNG in ``page_dir``, named by the PDF's content, with its text."""
    import pypdfium2

    data = _read_regular(pdf)
    digest = hashlib.sha256(data).hexdigest()[:16]
    document = pypdfium2.PdfDocument(data)
    pages = []
    try:
        for number in range(len(document)):
            page = document[number]
            name = f"{stem}.{digest}.{number + 1}.png"
            image = page.render(scale=PAGE_SCALE).to_pil()
            target = page_dir / name
            if not target.exists():
                partial = page_dir / f".{name}.part"
                image.save(partial, format="PNG", compress_level=1)
                os.replace(partial, target)
            text = page.get_textpage().get_text_range()
            pages.append(Page(name, image.width, image.height, _readable(text)))
    finally:
        document.close()
    return pages


HYPHENATED = re.compile("\u2010\r?\n")
"""A word hyphenated at the end of a line (WeasyPrint's hyphen is U+2010)."""
SPACED = re.compile("[ \u00a0\u202f]*([\u00a0\u202f])[ \u00a0\u202f]*")


def _readable(text: str) -> str:
    """The page's text as a reader says it: words hyphenated at a line's end whole again,
    one space where the PDF has a no-break space between two spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SPACED.sub(r"\1", HYPHENATED.sub("", text))


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file, never through a link (a link in outputs/ is not shown)."""
    from ..batch.manifest import sha256_of  # refuses links, pipes and devices

    sha256_of(path)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as file:
        return file.read()


class Renders:
    """At most one round of renders at a time, in one isolated worker; a new round kills
    the running one's worker and starts its own."""

    def __init__(self, root: Path, page_dir: Path):
        self.root = root
        self.page_dir = page_dir
        self.context = fork_context(warm=["undersigned.serve.renders", "undersigned.batch.build"])
        self.worker: Worker | None = None
        self.round = 0

    def start(self, outputs: list[Output]) -> tuple[int, Worker]:
        """Stop the running round, if any, and start one; returns (its number, its worker)."""
        self.stop()
        self.round += 1
        self.worker = Worker(self.context, limits.RENDER_SECONDS)
        return self.round, self.worker

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.kill()
        self.worker = None

    def results(self, worker: Worker, outputs: list[Output]):
        """Render each copy in ``worker`` and yield its :class:`Rendered` (a blocking
        generator, for a thread): a copy that fails says why; once the worker is dead or
        killed for overrunning, the copies left fail with the same reason; a round
        superseded by a newer one yields nothing more."""
        for index, output in enumerate(outputs):
            if worker is not self.worker:
                return
            args = (str(self.root), output, str(self.page_dir))
            result = (worker.wait() if worker.submit(output.stem, render_copy, args)
                      else Failure(Fault.DIED))
            if worker is not self.worker:
                return  # superseded by a newer round, which renders these copies again
            if not isinstance(result, Failure):
                yield result
            elif worker.is_alive():
                yield Rendered(output.stem, output.pdf, error=result.message(output.stem))
            else:
                for left in outputs[index:]:
                    yield Rendered(left.stem, left.pdf, error=result.message(left.stem))
                return
