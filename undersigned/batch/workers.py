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
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..campaign.html import render_docx, render_exports, render_html
from ..campaign.loaded import LoadedCampaign
from ..campaign.plan import Output
from ..errors import UndersignedError
from .. import files
from ..kinds import KINDS
from ..render.environment import TimeUp, make_environment, time_limit
from .lifeline import BUILD_PID_VARIABLE, die_with_parent, ignore_interruptions
from .manifest import MANIFEST, Entry, Manifest, OnDisk, on_disk

if TYPE_CHECKING:
    from .planned import Bundle, Planned

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
    running tasks finished, the rest were abandoned.

    ``jobs=1`` renders in this process, one task after the other (the time limit is then
    an alarm, which code running in C does not hear). Otherwise each task runs in a
    worker process under a memory cap (:data:`WORKER_MEMORY_BYTES`), watched from here: a
    task still running past its time limit has its worker killed and fails, and the
    tasks that shared that pool are run again in a new one (:func:`_run_in_pool`).
    """
    if not tasks:
        return None
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
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    queue, retried = list(tasks), set()
    while queue:
        interrupted, queue = _run_in_pool(context, slim, queue, workers, finish, retried)
        if interrupted is not None:
            return interrupted
    return None


WORKER_MEMORY_BYTES = 1024 ** 3
"""The address space a worker process may use (RLIMIT_AS): about three times what a
worker rendering a 1,000-letter campaign reserves (its resident memory is about 100 MiB).
Past it, the render fails as out of memory, and the build goes on."""

WATCHDOG_GRACE = 5.0
"""Seconds past the time limit before the build kills a worker whose task has not
stopped by itself (the worker's own alarm is not heard while it runs C code)."""


def _run_in_pool(context, slim: LoadedCampaign, queue: list[tuple[Task, Job]], workers: int,
                 finish: Callable[[Task, Outcome], None], retried: set[str]):
    """Run tasks in one pool of workers until they are done or the pool breaks (a worker
    killed by the watchdog, or dead). Returns (the interrupting signal or None, the tasks
    left to run in a new pool).

    Each worker says which task it starts, and in which process; a task that outlives
    its time limit (plus WATCHDOG_GRACE) has its worker killed and fails with the time
    limit's message, a task whose worker died fails as such, and the others that were in
    the pool are run again (once: a task that breaks a second pool fails too).
    """
    started = context.SimpleQueue()
    running: dict[str, tuple[int, float]] = {}  # stem: (worker pid, when it started)
    overran: set[str] = set()
    seconds = RENDER_SECONDS
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_init_worker,
                             initargs=(slim, os.getpid(), started,
                                       WORKER_MEMORY_BYTES)) as pool:
        pending: dict = {}
        queue = list(queue)
        try:
            # Keep a few tasks per worker in flight, so that an interruption
            # loses little and results come back in plan order.
            while queue or pending:
                broken = False
                while queue and len(pending) < workers * 2 and not broken:
                    try:
                        with _signals_held():  # a worker being started is never torn down
                            pending[pool.submit(_work, queue[0][1])] = queue[0]
                        queue.pop(0)
                    except BrokenProcessPool:  # a worker died since the last round
                        broken = True
                done = set()
                if pending:
                    done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                _watch(started, running, overran, seconds)
                failed = []
                for future in done:
                    task, job = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        failed.append((task, job))
                        continue
                    running.pop(job.stem, None)
                    finish(task, outcome)
                if broken or failed:
                    for future in list(pending):  # what finished before the pool broke
                        task, job = pending.pop(future)
                        if future.done() and not future.cancelled() \
                                and future.exception() is None:
                            running.pop(job.stem, None)
                            finish(task, future.result())
                        else:
                            failed.append((task, job))
                    return None, _after_break(pool, failed, queue, running, overran, retried,
                                              seconds, finish)
        except KeyboardInterrupt as exc:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            for future, (task, _) in pending.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    finish(task, future.result())
            return _signal_of(exc), []
    return None, []


def _watch(started, running: dict[str, tuple[int, float]], overran: set[str],
           seconds: float) -> None:
    """Note the tasks workers have started; kill the worker of any that overran."""
    while not started.empty():
        stem, pid = started.get()
        running[stem] = (pid, time.monotonic())
    for stem, (pid, since) in running.items():
        if stem not in overran and time.monotonic() - since > seconds + WATCHDOG_GRACE:
            overran.add(stem)
            _kill(pid)


def _after_break(pool, failed: list[tuple[Task, Job]], queue: list[tuple[Task, Job]],
                 running: dict[str, tuple[int, float]], overran: set[str], retried: set[str],
                 seconds: float, finish) -> list[tuple[Task, Job]]:
    """After a worker died: fail the task it was running, kill the pool's other workers
    (whose results are lost with the pool), and give back what is to run again."""
    dead = {stem for stem, (pid, _) in running.items() if not _alive(pid)}
    for pid, _ in running.values():
        _kill(pid)
    for process in list((getattr(pool, "_processes", None) or {}).values()):  # idle ones too
        _kill(process.pid)
    if not running and not overran:  # no task even started: the pool cannot work
        for task, job in failed + queue:
            finish(task, Outcome(f"{job.stem}: not rendered, the worker pool stopped"))
        return []
    again = []
    for task, job in failed:
        stem = job.stem
        if stem in overran:
            finish(task, Outcome(f"{stem}: took longer than {seconds} s to render and was "
                                 "stopped; is some text in it unusually long?"))
        elif stem in dead or (stem in running and stem in retried):
            finish(task, Outcome(f"{stem}: a worker process died while rendering it (killed, "
                                 "or out of memory)"))
        else:
            if stem in running:
                retried.add(stem)
            again.append((task, job))
    return again + queue


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except OSError:
        return True


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


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
_STARTED = None


def _init_worker(loaded: LoadedCampaign, build_pid: int, started=None,
                 memory: int = WORKER_MEMORY_BYTES) -> None:
    global _WORKER, _STARTED
    die_with_parent(build_pid)  # with the fork server, which dies with the build
    # The build handles Ctrl-C and SIGTERM: it lets running outputs finish, stops the rest.
    ignore_interruptions()
    cap_memory(memory)
    _STARTED = started
    _WORKER = Renderer(loaded)


def cap_memory(memory: int = WORKER_MEMORY_BYTES) -> None:
    """Cap this process's address space (RLIMIT_AS) at ``memory``, or lower if it already is."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
    if soft == resource.RLIM_INFINITY or soft > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


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
    if _STARTED is not None:  # for the build's watchdog
        _STARTED.put((job.stem, os.getpid()))
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
            with time_limit(self.seconds):
                if isinstance(job.target, Output):
                    outcome = self._output(job)
                else:
                    outcome = self._bundle(job)
        except TimeUp:
            outcome = Outcome(f"{label}: took longer than {self.seconds} s to render and was "
                              "stopped; is some text in it unusually long?")
        except MemoryError:
            outcome = Outcome(f"{label}: ran out of memory while rendering")
        except UndersignedError as exc:
            # A C library that cannot allocate often fails in its own words ("SystemError:
            # error return without exception set"): near the cap, say what happened.
            outcome = Outcome(f"{label}: ran out of memory while rendering"
                              if _reached_memory_cap() else str(exc))
        except OSError as exc:
            outcome = Outcome(f"{label}: cannot write {exc.filename or 'a file'}: "
                              f"{exc.strerror or exc}")
        outcome.peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return outcome

    def _layout(self, output: Output, html: str | None = None):
        from ..pdf.writer import layout

        html = html or render_html(self.loaded, output, self.env)
        return layout(html, self.loaded.root, output.label, self.font_config)

    def _output(self, job: Job) -> Outcome:
        from ..pdf.writer import write_pdf

        output = job.target
        document = self.loaded.campaign.documents[output.document]
        kind = KINDS[output.kind]
        html = render_html(self.loaded, output, self.env)
        pages = 0
        if kind.printed:
            laid_out = self._layout(output, html)
            finisher = kind.finisher(self.loaded, document, output, laid_out)
            written = {output.pdf: write_pdf(laid_out, output.label, finisher,
                                             self.loaded.campaign.pdf_standard)}
            pages = len(laid_out.pages)
        else:  # a web page: its HTML is the file
            written = {output.pdf: html.encode()}
        for name, text in render_exports(self.loaded, output, self.env).items():
            written[name] = text.encode()
        if output.docx:
            written[output.docx] = render_docx(self.loaded, output, html)
        meta = {"document": output.document, "recipient": output.recipient,
                "lang": output.lang, "kind": output.kind}
        return self._write(job, written, meta, pages)

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
        kind = KINDS[document.kind]
        signatories = [s.member.id for s in kind.signers(self.loaded, document)]
        entry = Entry(**meta, files=list(contents), input_hash=job.input_hash,
                      sha256=hashlib.sha256(contents[pdf_name]).hexdigest(), pages=pages,
                      signatories=signatories, size=len(contents[pdf_name]), mtime_ns=0)
        outcome = Outcome(entry=entry)

        def record_and_clear_the_way() -> None:
            Manifest(out_dir / MANIFEST).record(job.stem, entry)
            found = on_disk(out_dir / pdf_name)
            if found is not None and found != job.expected and not _written_here(
                    out_dir, job.stem, pdf_name):
                outcome.moved_aside = str(files.move_aside(out_dir / pdf_name))

        for name in exports:
            files.write_atomically(out_dir / name, contents[name])  # (the module's: tests replace it)
        files.write_atomically(out_dir / pdf_name, contents[pdf_name],
                               before_replace=record_and_clear_the_way)
        found = on_disk(out_dir / pdf_name)
        entry.size, entry.mtime_ns, entry.inode = found.size, found.mtime_ns, found.inode
        return outcome


def _written_here(out_dir: Path, stem: str, name: str) -> bool:
    """Whether the file that stands at ``name`` is one a build wrote (the journal vouches for
    it): an earlier try of the same output, in a pool that was replaced. Such a file is
    replaced without a copy; anything else is moved aside first."""
    from .manifest import sha256_of

    try:
        digest = sha256_of(out_dir / name)
    except UndersignedError:
        return False
    return any(r.sha256 == digest and not r.signed
               for r in Manifest.load(out_dir).records(stem))


def _reached_memory_cap() -> bool:
    """Whether this process's address space came within a tenth of its cap (RLIMIT_AS)."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit == resource.RLIM_INFINITY:
        return False
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024 >= 0.9 * limit
    except (OSError, ValueError):
        pass
    return False
