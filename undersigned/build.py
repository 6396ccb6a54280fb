"""Planning and running a build: every output accounted for, none lost.

``plan_build`` checks the campaign, lists every output (document × recipient ×
language, narrowed by the filters) with its input hash and its state on disk.
``build`` then renders what is missing or stale in a pool of worker processes;
one failing output never stops the others. Each file is written to a
temporary file and renamed into place, so an interrupted build (Ctrl-C, a
killed worker, a full disk) leaves no partial PDF, and the next run completes
only what is missing. Signed or hand-modified PDFs are never overwritten;
``force`` moves them aside first.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import resource
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jinja2 import TemplateError

from .campaign import LoadedCampaign, load_campaign
from .context import build_context
from .errors import UndersignedError
from .fingerprint import Fingerprinter, digest_of
from .manifest import Entry, Manifest, sha256_of
from .plan import Output, plan_outputs
from .templating import make_environment, render_template

RENDER_SECONDS = 120
"""How long one output may take to render before it fails (a real letter takes well under
a second; only hostile input comes near)."""
BUILD_STATES = ("missing", "stale")
"""States that a build renders; ``force`` adds the others."""
PART_SUFFIX = ".part"


@dataclass
class Planned:
    """One output of a build, with its input hash and its state before the build."""

    output: Output
    input_hash: str
    state: str
    moved_aside: Path | None = None
    """Where a signed or modified PDF was moved by ``force``."""

    @property
    def stem(self) -> str:
        return self.output.stem


@dataclass
class BuildPlan:
    """Everything a build will consider, before anything is rendered."""

    loaded: LoadedCampaign
    manifest: Manifest
    items: list[Planned]
    bundles: list["Bundle"] = field(default_factory=list)

    def to_render(self, force: bool = False) -> list[Planned]:
        return [p for p in self.items if force or p.state in BUILD_STATES]

    def bundles_to_render(self, force: bool = False) -> list["Bundle"]:
        """Bundles that are missing or stale, or one of whose copies is rendered anew."""
        fresh = {p.output for p in self.to_render(force)}
        return [b for b in self.bundles if force or b.state in BUILD_STATES
                or fresh.intersection(b.outputs)]


@dataclass
class Bundle:
    """A print-ready PDF of all the copies of one document in the plan."""

    document: str
    outputs: list[Output]
    input_hash: str
    state: str
    moved_aside: Path | None = None

    @property
    def stem(self) -> str:
        return f"{self.document}.bundle"


@dataclass
class Result:
    """What happened to one output (or bundle) in a build."""

    label: str
    output: Output | None
    action: str
    """``built``, ``kept`` (signed or modified, left alone), ``up-to-date`` or ``failed``."""
    written: list[Path] = field(default_factory=list)
    error: str | None = None
    moved_aside: Path | None = None
    pages: int | None = None


@dataclass
class BuildReport:
    """The outcome of a build."""

    plan: BuildPlan
    results: list[Result] = field(default_factory=list)
    interrupted: bool = False
    worker_peak_kib: int = 0
    """The largest resident memory of any process that rendered (KiB)."""
    manifest_error: str | None = None
    """Why the manifest could not be saved, if it could not."""

    @property
    def loaded(self) -> LoadedCampaign:
        return self.plan.loaded

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.action == "failed"]

    def count(self, action: str) -> int:
        return sum(r.action == action for r in self.results)


def plan_build(root: Path | str, documents=(), recipients=(), langs=(), strict: bool = False,
               bundle: bool = False) -> BuildPlan:
    """Check the campaign and work out every output's input hash and state on disk."""
    loaded = load_campaign(root, strict=strict)
    outputs = plan_outputs(loaded, documents, recipients, langs)
    fingerprints = Fingerprinter(loaded)
    manifest = Manifest.load(loaded.output_dir)
    items = []
    for output in outputs:
        input_hash = fingerprints.output_hash(output)
        items.append(Planned(output, input_hash, manifest.state(output.stem, output.files,
                                                                 input_hash)))
    plan = BuildPlan(loaded, manifest, items)
    if bundle:
        for document in sorted({p.output.document for p in items}):
            parts = [p for p in items if p.output.document == document]
            input_hash = digest_of(*[p.input_hash for p in parts])
            stem = f"{document}.bundle"
            plan.bundles.append(Bundle(document, [p.output for p in parts], input_hash,
                                       manifest.state(stem, [f"{stem}.pdf"], input_hash)))
    return plan


def build(root: Path | str, documents=(), recipients=(), langs=(), strict: bool = False,
          jobs: int | None = None, force: bool = False, bundle: bool = False,
          on_start: Callable[[BuildPlan, int], None] | None = None,
          on_result: Callable[[Result], None] | None = None) -> BuildReport:
    """Check, plan, then render what is missing or stale; failures are collected, not raised."""
    plan = plan_build(root, documents, recipients, langs, strict, bundle)
    report = BuildReport(plan)
    out_dir = plan.loaded.output_dir
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(out_dir)
    except OSError as exc:
        raise UndersignedError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc

    def record(result: Result) -> None:
        report.results.append(result)
        if on_result:
            on_result(result)

    for planned in plan.items:
        if not force and planned.state == "up-to-date":
            record(Result(planned.output.label, planned.output, "up-to-date"))
        elif planned.state in ("signed", "modified") and not force:
            if planned.state == "signed":
                _record_signed(plan.manifest, planned)
            record(Result(planned.output.label, planned.output, "kept",
                          error=_kept_reason(out_dir, planned)))
    tasks: list[tuple[str, object, Planned | Bundle]] = []
    for planned in plan.to_render(force):
        tasks.append(("output", planned.output, planned))
    bundles = plan.bundles_to_render(force)
    for item in plan.bundles:
        if item in bundles:
            tasks.append(("bundle", item, item))
        elif item.state == "up-to-date":
            record(Result(item.stem, None, "up-to-date"))
    if on_start:
        on_start(plan, len(tasks))
    if force:
        for _, _, item in tasks:
            if item.state in ("signed", "modified"):
                item.moved_aside = _move_aside(out_dir / f"{item.stem}.pdf")
    _run(plan, tasks, jobs, report, record)
    _save_manifest(plan.manifest, report)
    return report


def _save_manifest(manifest: Manifest, report: "BuildReport") -> None:
    """Save the manifest; if that fails (a full disk), say so rather than lose the report.
    The outputs themselves are whole: the next build re-checks them."""
    try:
        manifest.save()
    except OSError as exc:
        report.manifest_error = (f"cannot write {manifest.path}: {exc.strerror or exc}; the "
                                 "next build will rebuild what it cannot vouch for")


def _record_signed(manifest: Manifest, planned: Planned) -> None:
    """Note in the manifest that an output is signed, as it now is on disk."""
    output = planned.output
    pdf = manifest.path.parent / output.files[0]
    stat = pdf.stat()
    entry = manifest.entries.get(output.stem)
    if entry is None:  # signed before the manifest knew it: what it was built from is unknown
        entry = manifest.entries[output.stem] = Entry(
            output.document, output.recipient, output.lang, output.kind, output.files,
            input_hash="", sha256="", pages=0, signatories=[], size=0, mtime_ns=0)
    entry.signed, entry.sha256 = True, sha256_of(pdf)
    entry.size, entry.mtime_ns = stat.st_size, stat.st_mtime_ns


def _kept_reason(out_dir: Path, planned: Planned) -> str:
    name = f"{planned.output.stem}.pdf"
    why = "is signed" if planned.state == "signed" else "was changed after it was built"
    return (f"{out_dir.name}/{name} {why}; it is kept as it is "
            "(build --force moves it aside and rebuilds)")


def _move_aside(path: Path) -> Path:
    """Rename a signed or modified PDF so that a rebuild cannot overwrite it."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.stem}.kept-{stamp}{path.suffix}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.stem}.kept-{stamp}-{counter}{path.suffix}")
    os.replace(path, target)
    return target


def _remove_stale_parts(out_dir: Path) -> None:
    """Delete temporary files left by an interrupted build (never a finished file)."""
    for part in out_dir.glob(f".*{PART_SUFFIX}"):
        part.unlink(missing_ok=True)


# --- running the tasks ----------------------------------------------------------------


def _run(plan: BuildPlan, tasks, jobs, report: BuildReport, record) -> None:
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks) or 1))
    manifest, out_dir = plan.manifest, plan.loaded.output_dir
    last_save = time.monotonic()

    def finish(kind, item, outcome) -> None:
        nonlocal last_save
        result = _result_of(kind, item, outcome, manifest, out_dir)
        report.worker_peak_kib = max(report.worker_peak_kib, outcome.get("peak_kib", 0))
        record(result)
        if time.monotonic() - last_save > 1.0:  # keep progress if the build is killed
            _save_manifest(manifest, report)
            last_save = time.monotonic()

    if jobs == 1:
        renderer = Renderer(plan.loaded)
        try:
            for kind, target, item in tasks:
                finish(kind, item, renderer.run(kind, target))
        except KeyboardInterrupt:
            report.interrupted = True
        return

    # Workers start from a fork server that has imported WeasyPrint but holds no
    # campaign, and receive only what rendering needs: a worker's memory then does not
    # grow with the size of the campaign the parent process has loaded and checked.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["undersigned.build", "undersigned.pdf", "weasyprint"])
    slim = dataclasses.replace(plan.loaded, files={}, warnings=[])
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(slim,)) as pool:
        pending = {}
        queue = list(tasks)
        try:
            # Keep a few tasks per worker in flight, so that an interruption
            # loses little and results come back in plan order.
            while queue or pending:
                while queue and len(pending) < jobs * 2:
                    kind, target, item = queue.pop(0)
                    pending[pool.submit(_work, kind, target)] = (kind, item)
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    kind, item = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        outcome = {"error": f"{item.stem}: a worker process died while "
                                            "rendering it (killed, or out of memory)"}
                    finish(kind, item, outcome)
                if any(isinstance(f.exception(), BrokenProcessPool)
                       for f in done if f.done() and not f.cancelled()):
                    for kind, _target, item in queue:
                        finish(kind, item, {"error": f"{item.stem}: not rendered, the "
                                                     "worker pool stopped"})
                    queue.clear()
        except KeyboardInterrupt:
            report.interrupted = True
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            for future, (kind, item) in pending.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    finish(kind, item, future.result())


def _result_of(kind, item, outcome: dict, manifest: Manifest, out_dir: Path) -> Result:
    if kind == "bundle":
        label, output, stem = item.stem, None, item.stem
        meta = {"document": item.document, "recipient": None,
                "lang": "+".join(sorted({o.lang for o in item.outputs})), "kind": "bundle"}
    else:
        output = item.output
        label, stem = output.label, output.stem
        meta = {"document": output.document, "recipient": output.recipient,
                "lang": output.lang, "kind": output.kind}
    moved = item.moved_aside
    if outcome.get("error"):
        return Result(label, output, "failed", error=outcome["error"], moved_aside=moved)
    manifest.entries[stem] = Entry(**meta, files=outcome["files"], input_hash=item.input_hash,
                                   sha256=outcome["sha256"], pages=outcome["pages"],
                                   signatories=outcome["signatories"], size=outcome["size"],
                                   mtime_ns=outcome["mtime_ns"])
    return Result(label, output, "built", [out_dir / name for name in outcome["files"]],
                  moved_aside=moved, pages=outcome["pages"])


_WORKER: "Renderer | None" = None


def _init_worker(loaded: LoadedCampaign) -> None:
    global _WORKER
    # The parent handles Ctrl-C: it lets running outputs finish and stops the rest.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = Renderer(loaded)


_FROZEN = False


def _work(kind: str, target) -> dict:
    """Render one task in a worker, then free its garbage at once.

    After the first task, everything alive (modules, fonts, compiled templates) is
    moved out of the collector's sight (gc.freeze), so that collecting after each
    letter scans only that letter's objects: worker memory stays flat over thousands
    of letters (measured: 101 MiB after 300, against 114 MiB without) at no cost in
    time.
    """
    global _FROZEN
    assert _WORKER is not None
    outcome = _WORKER.run(kind, target)
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

    def run(self, kind: str, target) -> dict:
        """Render and write one output or bundle; errors are returned, not raised."""
        label = target.stem
        try:
            with _time_limit(self.seconds, label):
                if kind == "bundle":
                    outcome = self._bundle(target)
                else:
                    outcome = self._output(target)
        except _TimeUp:
            outcome = {"error": f"{label}: took longer than {self.seconds} s to render and was "
                                "stopped; is some text in it unusually long?"}
        except MemoryError:
            outcome = {"error": f"{label}: ran out of memory while rendering"}
        except UndersignedError as exc:
            outcome = {"error": str(exc)}
        except OSError as exc:
            outcome = {"error": f"{label}: cannot write {exc.filename or 'a file'}: "
                                f"{exc.strerror or exc}"}
        outcome["peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return outcome

    def _layout(self, output: Output):
        from .pdf import layout

        html = render_html(self.loaded, output, self.env)
        return layout(html, self.loaded.root, output.label, self.font_config)

    def _output(self, output: Output) -> dict:
        from .pdf import write_pdf

        document = self._layout(output)
        files = {f"{output.stem}.pdf": write_pdf(document, output.label,
                                                 self._finisher(output, document),
                                                 self.loaded.campaign.pdf_standard)}
        if output.kind == "question":
            files[f"{output.stem}.txt"] = render_text(self.loaded, output, self.env).encode()
        return self._write(files, len(document.pages), self._signatories(output.document))

    def _finisher(self, output: Output, document):
        """Signature fields for a letter that wants them, placed from its layout."""
        from .fields import fields_finisher, signature_fields

        letter = self.loaded.campaign.documents[output.document]
        if output.kind != "letter" or not letter.signature_fields:
            return None
        members = self.loaded.lists[letter.signatories].signatories
        tooltips = {f"sig-{m.id}": f"Signature of {m.display_name}" for m in members}
        return fields_finisher(signature_fields(document, tooltips))

    def _bundle(self, bundle: Bundle) -> dict:
        from .pdf import write_pdf

        documents = [self._layout(output) for output in bundle.outputs]
        pages = [page for document in documents for page in document.pages]
        combined = documents[0].copy(pages)
        data = write_pdf(combined, bundle.stem, variant=self.loaded.campaign.pdf_standard)
        return self._write({f"{bundle.stem}.pdf": data}, len(pages),
                           self._signatories(bundle.document))

    def _signatories(self, document_id: str) -> list[str]:
        document = self.loaded.campaign.documents[document_id]
        return [m.id for m in self.loaded.lists[document.signatories].signatories]

    def _write(self, files: dict[str, bytes], pages: int, signatories: list[str]) -> dict:
        out_dir = self.loaded.output_dir
        for name, data in files.items():
            write_atomically(out_dir / name, data)
        pdf = out_dir / next(iter(files))
        stat = pdf.stat()
        return {"files": list(files), "sha256": sha256_of(pdf), "pages": pages,
                "signatories": signatories, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


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


# --- rendering one output -----------------------------------------------------------------


def render_html(loaded: LoadedCampaign, output: Output, env=None) -> str:
    """The HTML of one output."""
    env = env or make_environment(loaded.templates_dir)
    context = build_context(loaded, output)
    return render_template(env, output.template, context, loaded.root, output.label)


def render_text(loaded: LoadedCampaign, output: Output, env=None) -> str:
    """The plain-text export of a written question, ready to paste into the tabling system."""
    env = env or make_environment(loaded.templates_dir)
    variant = output.template.rsplit(".", 1)[0] + ".txt"
    # Loading by name finds (and caches) the variant without listing the template folders.
    try:
        name = env.select_template([variant, "question.txt"]).name
    except TemplateError:  # the variant is there but unusable: rendering it says why
        name = variant
    context = build_context(loaded, output)
    return render_template(env, name, context, loaded.root, output.label)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the whole new one."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                     suffix=PART_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc  # name the real target
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
