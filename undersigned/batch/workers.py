"""Rendering outputs and bundles, in this process or in a pool of worker processes.

A worker returns an :class:`Outcome` for each task, never raises: one failing
output never stops the others. Each file is written atomically, so a killed
worker leaves no partial PDF.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..campaign.html import render_docx, render_exports, render_html
from ..campaign.loaded import LoadedCampaign
from ..campaign.plan import Output
from ..errors import UndersignedError
from .. import files
from ..kinds import KINDS
from ..isolate import limits
from ..isolate.pool import Failure, Pool
from ..render.environment import TimeUp, make_environment, time_limit
from .manifest import MANIFEST, Entry, Manifest, OnDisk, on_disk

if TYPE_CHECKING:
    from .planned import Bundle, Planned

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
    an alarm, which code running in C does not hear). Otherwise each task runs in an
    isolated worker process (:mod:`..isolate.pool`: memory cap, time limit, watchdog); a
    task whose worker dies or overruns fails with the reason, and the others go on.
    """
    if not tasks:
        return None
    if jobs == 1:
        renderer = Renderer(loaded)
        try:
            for task, job in tasks:
                finish(task, renderer.run(job))
        except KeyboardInterrupt as exc:
            return getattr(exc, "signal_number", signal.SIGINT)
        return None

    # Workers receive only what rendering needs: a worker's memory then does not grow
    # with the size of the campaign the parent process has loaded and checked.
    slim = dataclasses.replace(loaded, files={}, warnings=[])
    by_stem = {job.stem: (task, job) for task, job in tasks}

    def done(stem: str, outcome) -> None:
        task, job = by_stem[stem]
        finish(task, Outcome(outcome.message(stem)) if isinstance(outcome, Failure)
               else outcome)

    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    with Pool(workers, setup=_init_worker, setup_args=(slim, limits.RENDER_SECONDS),
              warm=["undersigned.batch.workers"]) as pool:
        return pool.run([(job.stem, _work, (job,)) for _, job in tasks], done)


_WORKER: Renderer | None = None
_FROZEN = False


def _init_worker(loaded: LoadedCampaign, seconds: float) -> None:
    global _WORKER
    _WORKER = Renderer(loaded, seconds)


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

    def __init__(self, loaded: LoadedCampaign, seconds: float | None = None):
        self.loaded = loaded
        self.seconds = limits.RENDER_SECONDS if seconds is None else seconds
        self.env = make_environment(loaded.templates_dir)
        self._font_config = None

    @property
    def font_config(self):
        if self._font_config is None:
            from ..pdf.compat import weasyprint_imported
            from ..pdf.fontconfig import confine_fonts

            confine_fonts()
            weasyprint_imported()
            from weasyprint.text.fonts import FontConfiguration

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
                              if limits.reached_memory_cap() else str(exc))
        except OSError as exc:
            outcome = Outcome(f"{label}: cannot write {exc.filename or 'a file'}: "
                              f"{exc.strerror or exc}")
        outcome.peak_kib = limits.peak_kib()
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
        """Write the files atomically, the PDF last, their record in the journal before the
        first is in place; whatever came to stand in the PDF's place since the plan is
        moved aside, in the moment between its bytes reaching the disk and its rename."""
        out_dir = self.loaded.output_dir
        pdf_name, *exports = contents
        document = self.loaded.campaign.documents[meta["document"]]
        kind = KINDS[document.kind]
        signatories = [s.member.id for s in kind.signers(self.loaded, document)]
        entry = Entry(**meta, files=list(contents), input_hash=job.input_hash,
                      sha256=hashlib.sha256(contents[pdf_name]).hexdigest(), pages=pages,
                      signatories=signatories, size=len(contents[pdf_name]), mtime_ns=0,
                      exports={name: [hashlib.sha256(contents[name]).hexdigest(),
                                      len(contents[name]), 0, 0] for name in exports})
        outcome = Outcome(entry=entry)
        recorded = []

        def record_first() -> None:
            """Journal the record before the first of the files is renamed into place (its
            bytes on disk): whatever kills the build after, each is known as a build's own,
            and a write that fails leaves the folder as it was."""
            if not recorded:
                Manifest(out_dir / MANIFEST).record(job.stem, entry)
                recorded.append(True)

        def clear_the_way() -> None:
            record_first()
            found = on_disk(out_dir / pdf_name)
            if found is not None and found != job.expected and not _written_here(
                    out_dir, job.stem, pdf_name):
                outcome.moved_aside = str(files.move_aside(out_dir / pdf_name))

        for name in exports:  # (files.write_atomically, the module's: tests replace it)
            files.write_atomically(out_dir / name, contents[name], before_replace=record_first)
        files.write_atomically(out_dir / pdf_name, contents[pdf_name],
                               before_replace=clear_the_way)
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
