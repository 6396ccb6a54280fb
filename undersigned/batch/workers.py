"""Rendering outputs and bundles, in this process or in a pool of worker processes.

A worker returns an :class:`Outcome` for each task, never raises: one failing
output never stops the others. Each file is written atomically, so a killed
worker leaves no partial PDF.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import multiprocessing
import os
import resource
import signal
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..campaign.html import render_exports, render_html
from ..campaign.loaded import LoadedCampaign
from ..campaign.plan import Output
from ..errors import UndersignedError
from .. import files
from ..kinds import KINDS
from ..render.environment import make_environment
from .lifeline import BUILD_PID_VARIABLE, die_with_parent, ignore_interruptions
from .manifest import MANIFEST, Entry, Manifest, OnDisk, on_disk

if TYPE_CHECKING:
    from .build import Bundle, Planned

RENDER_SECONDS = 120
"""How long one output may take to render before it fails (a real letter takes well under
a second; only hostile input comes near)."""


@dataclass
class Outcome:
    """What rendering one output or bundle gave: the files written, or why not."""

    error: str | None = None
    entry: Entry | None = None
    """The record of the files written (also appended to the journal before they were)."""
    moved_aside: str | None = None
    """Where a file that changed since the plan was moved before it was replaced."""
    peak_kib: int = 0
    """The largest resident memory of the process that rendered it (KiB)."""


@dataclass(frozen=True)
class Job:
    """What a worker needs to render one output or bundle, and to replace its files safely."""

    target: Output | Bundle
    input_hash: str
    expected: OnDisk | None
    """The PDF as the plan found it (None: absent); anything else there is moved aside."""

    @property
    def stem(self) -> str:
        return self.target.stem


@dataclass(frozen=True)
class Task:
    """One thing to render: a planned output or a bundle."""

    item: Planned | Bundle

    @property
    def is_bundle(self) -> bool:
        return not hasattr(self.item, "output")

    def job(self, expected: OnDisk | None) -> Job:
        target = self.item if self.is_bundle else self.item.output
        return Job(target, self.item.input_hash, expected)


def run_tasks(loaded: LoadedCampaign, tasks: list[tuple[Task, Job]], jobs: int | None,
              finish: Callable[[Task, Outcome], None]) -> int | None:
    """Render every task, calling ``finish`` with each outcome in the parent process.
    Returns the signal that interrupted it (Ctrl-C's SIGINT, or SIGTERM), if one did:
    running tasks finished, the rest were abandoned."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks) or 1))
    if jobs == 1:
        renderer = Renderer(loaded)
        try:
            for task, job in tasks:
                finish(task, renderer.run(job))
        except KeyboardInterrupt as exc:
            return _signal_of(exc)
        return None

    # Workers start from a fork server that has imported WeasyPrint but holds no
    # campaign, and receive only what rendering needs: a worker's memory then does not
    # grow with the size of the campaign the parent process has loaded and checked.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["undersigned.batch.forkserver_preload"])
    os.environ[BUILD_PID_VARIABLE] = str(os.getpid())  # for the fork server's lifeline
    slim = dataclasses.replace(loaded, files={}, warnings=[])
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(slim, os.getpid())) as pool:
        pending: dict = {}
        queue = list(tasks)
        try:
            # Keep a few tasks per worker in flight, so that an interruption
            # loses little and results come back in plan order.
            while queue or pending:
                broken = False
                while queue and len(pending) < jobs * 2 and not broken:
                    try:
                        with _signals_held():  # a worker being started is never torn down
                            pending[pool.submit(_work, queue[0][1])] = queue[0][0]
                        queue.pop(0)
                    except BrokenProcessPool:  # a worker died since the last round
                        broken = True
                if not pending:
                    done = set()
                else:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    task = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        outcome = Outcome(f"{task.item.stem}: a worker process died while "
                                          "rendering it (killed, or out of memory)")
                    finish(task, outcome)
                if broken or any(isinstance(f.exception(), BrokenProcessPool)
                                 for f in done if f.done() and not f.cancelled()):
                    for task, _ in queue:
                        finish(task, Outcome(f"{task.item.stem}: not rendered, the worker "
                                             "pool stopped"))
                    queue.clear()
        except KeyboardInterrupt as exc:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            for future, task in pending.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    finish(task, future.result())
            return _signal_of(exc)
    return None


@contextmanager
def _signals_held():
    """Hold Ctrl-C and SIGTERM back for the block (they arrive right after it): submitting
    may start a worker, and a pool shut down while a worker starts leaves that worker to
    fail on the pool's removed semaphores."""
    held = {signal.SIGINT, signal.SIGTERM}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _signal_of(interruption: KeyboardInterrupt) -> int:
    return getattr(interruption, "signal_number", signal.SIGINT)


_WORKER: Renderer | None = None


def _init_worker(loaded: LoadedCampaign, build_pid: int) -> None:
    global _WORKER
    die_with_parent(build_pid)  # with the fork server, which dies with the build
    # The build handles Ctrl-C and SIGTERM: it lets running outputs finish, stops the rest.
    ignore_interruptions()
    _WORKER = Renderer(loaded)


_FROZEN = False


def _work(job: Job) -> Outcome:
    """Render one task in a worker, then free its garbage at once.

    After the first task, everything alive (modules, fonts, compiled templates) is
    moved out of the collector's sight (gc.freeze), so that collecting after each
    letter scans only that letter's objects: worker memory stays flat over thousands
    of letters (measured: 101 MiB after 300, against 114 MiB without) at no cost in
    time.
    """
    global _FROZEN
    assert _WORKER is not None
    outcome = _WORKER.run(job)
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
            from ..pdf.fontconfig import confine_fonts
            from weasyprint.text.fonts import FontConfiguration

            confine_fonts()

            self._font_config = FontConfiguration()
        return self._font_config

    def run(self, job: Job) -> Outcome:
        """Render and write one output or bundle; errors are returned, not raised."""
        label = job.stem
        try:
            with _time_limit(self.seconds, label):
                if isinstance(job.target, Output):
                    outcome = self._output(job)
                else:
                    outcome = self._bundle(job)
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

    def _output(self, job: Job) -> Outcome:
        from ..pdf.writer import write_pdf

        output = job.target
        document = self.loaded.campaign.documents[output.document]
        laid_out = self._layout(output)
        finisher = KINDS[output.kind].finisher(self.loaded, document, output, laid_out)
        written = {output.pdf: write_pdf(laid_out, output.label, finisher,
                                         self.loaded.campaign.pdf_standard)}
        for name, text in render_exports(self.loaded, output, self.env).items():
            written[name] = text.encode()
        meta = {"document": output.document, "recipient": output.recipient,
                "lang": output.lang, "kind": output.kind}
        return self._write(job, written, meta, len(laid_out.pages))

    def _bundle(self, job: Job) -> Outcome:
        from ..pdf.writer import write_pdf

        bundle = job.target
        documents = [self._layout(output) for output in bundle.outputs]
        pages = [page for document in documents for page in document.pages]
        combined = documents[0].copy(pages)
        data = write_pdf(combined, bundle.stem, variant=self.loaded.campaign.pdf_standard)
        meta = {"document": bundle.document, "recipient": None,
                "lang": "+".join(sorted({o.lang for o in bundle.outputs})), "kind": "bundle"}
        return self._write(job, {f"{bundle.stem}.pdf": data}, meta, len(pages))

    def _write(self, job: Job, contents: dict[str, bytes], meta: dict, pages: int) -> Outcome:
        """Write the files atomically, the PDF last: its record goes to the journal, and
        whatever came to stand in its place since the plan is moved aside, in the moment
        between its bytes reaching the disk and its rename into place."""
        out_dir = self.loaded.output_dir
        pdf_name, *exports = contents
        document = self.loaded.campaign.documents[meta["document"]]
        signatories = [m.id for m in self.loaded.lists[document.signatories].signatories]
        entry = Entry(**meta, files=list(contents), input_hash=job.input_hash,
                      sha256=hashlib.sha256(contents[pdf_name]).hexdigest(), pages=pages,
                      signatories=signatories, size=len(contents[pdf_name]), mtime_ns=0)
        outcome = Outcome(entry=entry)

        def record_and_clear_the_way() -> None:
            Manifest(out_dir / MANIFEST).record(job.stem, entry)
            found = on_disk(out_dir / pdf_name)
            if found is not None and found != job.expected:
                outcome.moved_aside = str(files.move_aside(out_dir / pdf_name))

        for name in exports:
            files.write_atomically(out_dir / name, contents[name])  # (the module's: tests replace it)
        files.write_atomically(out_dir / pdf_name, contents[pdf_name],
                               before_replace=record_and_clear_the_way)
        found = on_disk(out_dir / pdf_name)
        entry.size, entry.mtime_ns, entry.inode = found.size, found.mtime_ns, found.inode
        return outcome


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
