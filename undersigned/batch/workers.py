"""Rendering outputs and bundles, in this process or in a pool of worker processes.

A worker returns an :class:`Outcome` for each task, never raises: one failing
output never stops the others. Each file is written atomically, so a killed
worker leaves no partial PDF.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import resource
import signal
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..campaign.html import render_exports, render_html
from ..campaign.loaded import LoadedCampaign
from ..campaign.plan import Output
from ..errors import UndersignedError
from .. import files
from ..kinds import KINDS
from ..render.environment import make_environment
from .manifest import sha256_of

if TYPE_CHECKING:
    from .build import Bundle, Planned

RENDER_SECONDS = 120
"""How long one output may take to render before it fails (a real letter takes well under
a second; only hostile input comes near)."""


@dataclass
class Outcome:
    """What rendering one output or bundle gave: the files written, or why not."""

    error: str | None = None
    files: list[str] = field(default_factory=list)
    sha256: str = ""
    """SHA-256 of the PDF as written."""
    pages: int = 0
    signatories: list[str] = field(default_factory=list)
    size: int = 0
    mtime_ns: int = 0
    peak_kib: int = 0
    """The largest resident memory of the process that rendered it (KiB)."""


@dataclass(frozen=True)
class Task:
    """One thing to render: a planned output or a bundle."""

    item: Planned | Bundle

    @property
    def is_bundle(self) -> bool:
        return not hasattr(self.item, "output")

    @property
    def target(self) -> Output | Bundle:
        """What a worker needs to render it (an Output, or the Bundle)."""
        return self.item if self.is_bundle else self.item.output


def run_tasks(loaded: LoadedCampaign, tasks: list[Task], jobs: int | None,
              finish: Callable[[Task, Outcome], None]) -> bool:
    """Render every task, calling ``finish`` with each outcome in the parent process.
    Returns True if interrupted (Ctrl-C): running tasks finished, the rest abandoned."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks) or 1))
    if jobs == 1:
        renderer = Renderer(loaded)
        try:
            for task in tasks:
                finish(task, renderer.run(task.target))
        except KeyboardInterrupt:
            return True
        return False

    # Workers start from a fork server that has imported WeasyPrint but holds no
    # campaign, and receive only what rendering needs: a worker's memory then does not
    # grow with the size of the campaign the parent process has loaded and checked.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["undersigned.batch.workers", "undersigned.pdf.writer",
                                    "weasyprint"])
    slim = dataclasses.replace(loaded, files={}, warnings=[])
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(slim,)) as pool:
        pending: dict = {}
        queue = list(tasks)
        try:
            # Keep a few tasks per worker in flight, so that an interruption
            # loses little and results come back in plan order.
            while queue or pending:
                while queue and len(pending) < jobs * 2:
                    task = queue.pop(0)
                    pending[pool.submit(_work, task.target)] = task
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    task = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        outcome = Outcome(f"{task.item.stem}: a worker process died while "
                                          "rendering it (killed, or out of memory)")
                    finish(task, outcome)
                if any(isinstance(f.exception(), BrokenProcessPool)
                       for f in done if f.done() and not f.cancelled()):
                    for task in queue:
                        finish(task, Outcome(f"{task.item.stem}: not rendered, the worker "
                                             "pool stopped"))
                    queue.clear()
        except KeyboardInterrupt:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            for future, task in pending.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    finish(task, future.result())
            return True
    return False


_WORKER: Renderer | None = None


def _init_worker(loaded: LoadedCampaign) -> None:
    global _WORKER
    # The parent handles Ctrl-C: it lets running outputs finish and stops the rest.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = Renderer(loaded)


_FROZEN = False


def _work(target) -> Outcome:
    """Render one task in a worker, then free its garbage at once.

    After the first task, everything alive (modules, fonts, compiled templates) is
    moved out of the collector's sight (gc.freeze), so that collecting after each
    letter scans only that letter's objects: worker memory stays flat over thousands
    of letters (measured: 101 MiB after 300, against 114 MiB without) at no cost in
    time.
    """
    global _FROZEN
    assert _WORKER is not None
    outcome = _WORKER.run(target)
    gc.collect()
    if not _FROZEN:
        gc.freeze()
        _FROZEN = True
    return outcome


class Renderer:
    """Renders outputs for one campaign, reusing what can be reused between documents:
    the Jinja environment (compiled templates) and WeasyPrint's font configuration."""

    def __init__(self, loaded: LoadedCampaign, seconds: float = RENDER_SECONDS):
        self.loaded = loaded
        self.seconds = seconds
        self.env = make_environment(loaded.templates_dir)
        self._font_config = None

    @property
    def font_config(self):
        if self._font_config is None:
            from weasyprint.text.fonts import FontConfiguration

            self._font_config = FontConfiguration()
        return self._font_config

    def run(self, target: Output | Bundle) -> Outcome:
        """Render and write one output or bundle; errors are returned, not raised."""
        label = target.stem
        try:
            with _time_limit(self.seconds, label):
                if isinstance(target, Output):
                    outcome = self._output(target)
                else:
                    outcome = self._bundle(target)
        except _TimeUp:
            outcome = Outcome(f"{label}: took longer than {self.seconds} s to render and was "
                              "stopped; is some text in it unusually long?")
        except MemoryError:
            outcome = Outcome(f"{label}: ran out of memory while rendering")
        except UndersignedError as exc:
            outcome = Outcome(str(exc))
        except OSError as exc:
            outcome = Outcome(f"{label}: cannot write {exc.filename or 'a file'}: "
                              f"{exc.strerror or exc}")
        outcome.peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return outcome

    def _layout(self, output: Output):
        from ..pdf.writer import layout

        html = render_html(self.loaded, output, self.env)
        return layout(html, self.loaded.root, output.label, self.font_config)

    def _output(self, output: Output) -> Outcome:
        from ..pdf.writer import write_pdf

        document = self.loaded.campaign.documents[output.document]
        laid_out = self._layout(output)
        finisher = KINDS[output.kind].finisher(self.loaded, document, output, laid_out)
        written = {output.pdf: write_pdf(laid_out, output.label, finisher,
                                         self.loaded.campaign.pdf_standard)}
        for name, text in render_exports(self.loaded, output, self.env).items():
            written[name] = text.encode()
        return self._write(written, len(laid_out.pages), self._signatories(output.document))

    def _bundle(self, bundle: Bundle) -> Outcome:
        from ..pdf.writer import write_pdf

        documents = [self._layout(output) for output in bundle.outputs]
        pages = [page for document in documents for page in document.pages]
        combined = documents[0].copy(pages)
        data = write_pdf(combined, bundle.stem, variant=self.loaded.campaign.pdf_standard)
        return self._write({f"{bundle.stem}.pdf": data}, len(pages),
                           self._signatories(bundle.document))

    def _signatories(self, document_id: str) -> list[str]:
        document = self.loaded.campaign.documents[document_id]
        return [m.id for m in self.loaded.lists[document.signatories].signatories]

    def _write(self, contents: dict[str, bytes], pages: int,
               signatories: list[str]) -> Outcome:
        out_dir = self.loaded.output_dir
        for name, data in contents.items():
            files.write_atomically(out_dir / name, data)  # (the module's: tests replace it)
        pdf = out_dir / next(iter(contents))
        stat = pdf.stat()
        return Outcome(files=list(contents), sha256=sha256_of(pdf), pages=pages,
                       signatories=signatories, size=stat.st_size, mtime_ns=stat.st_mtime_ns)


class _TimeUp(BaseException):
    """Raised by the alarm in a render that took too long (a BaseException, so that no
    library's ``except Exception`` swallows it)."""


@contextmanager
def _time_limit(seconds: float, label: str):
    """Stop the block after ``seconds`` (in the main thread; elsewhere no limit applies)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum, frame):
        raise _TimeUp(label)

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
