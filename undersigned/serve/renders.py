"""Rendering the copies a browser shows, in a worker process that a newer save replaces.

The server never renders itself: each round of renders runs in a process forked from the
build's warm fork server (WeasyPrint already imported), under the build workers' memory
cap, with the build's own code (:func:`..batch.build.build`, one copy at a time, so the
same sandbox, fetcher, time limit and safe writes as ``build``). The process then draws
each page of the PDF as a PNG (pypdfium2) with the page's text, for the browser to show
and for a reader (or a test) to find. A save during a round kills the round and starts
another; a round that crashes or outlives the time limit fails with a message, and the
server goes on.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import signal
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from ..batch.lifeline import BUILD_PID_VARIABLE, die_with_parent
from ..batch.workers import RENDER_SECONDS, WATCHDOG_GRACE, cap_memory
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


def render_round(root: str, outputs: list[Output], page_dir: str, server_pid: int, conn) -> None:
    """In the worker: bring each copy up to date as ``build`` would, draw its pages, and
    send one :class:`Rendered` per copy as soon as it is done."""
    die_with_parent(server_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cap_memory()
    from ..batch.build import build
    from ..batch.states import Action

    for output in outputs:
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
        except MemoryError:
            rendered.error = f"{output.stem}: ran out of memory while rendering"
        conn.send(rendered)
    conn.close()


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
    """At most one round of renders at a time; a new round replaces the running one."""

    def __init__(self, root: Path, page_dir: Path):
        self.root = root
        self.page_dir = page_dir
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["undersigned.batch.forkserver_preload"])
        os.environ[BUILD_PID_VARIABLE] = str(os.getpid())  # the fork server dies with us
        self.process = None
        self.round = 0

    def start(self, outputs: list[Output]):
        """Stop the running round, if any, and start one for ``outputs``; returns its handle."""
        self.stop()
        self.round += 1
        receive, send = self.context.Pipe(duplex=False)
        process = self.context.Process(
            target=render_round, args=(str(self.root), outputs, str(self.page_dir),
                                       os.getpid(), send), daemon=True)
        process.start()
        send.close()
        self.process = process
        return self.round, process, receive

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
        if self.process is not None:
            self.process.join()
        self.process = None

    def results(self, process, receive, outputs: list[Output]):
        """Yield each copy's :class:`Rendered` as the worker sends it (a blocking generator,
        for a thread): a dead or overrunning worker fails the copies it had left."""
        limit = RENDER_SECONDS + WATCHDOG_GRACE
        left = list(outputs)
        while left:
            ready = wait([receive, process.sentinel], timeout=limit)
            if receive in ready:
                try:
                    rendered = receive.recv()
                except (EOFError, OSError):
                    rendered = None
                if rendered is not None:
                    left = [o for o in left if o.stem != rendered.stem]
                    yield rendered
                    continue
            if process is not self.process:
                return  # superseded by a newer round, which renders these copies again
            if not ready:
                process.kill()
                why = (f"took longer than {RENDER_SECONDS} s to render and was stopped; "
                       "is some text in it unusually long?")
            else:
                why = "a worker process died while rendering it (killed, or out of memory)"
            for output in left:
                yield Rendered(output.stem, output.pdf, error=f"{output.stem}: {why}")
            return
        receive.close()
