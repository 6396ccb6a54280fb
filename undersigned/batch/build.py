"""Planning and running a build: every output accounted for, none lost.

``plan_build`` checks the campaign, takes every output the campaign plan lists
(narrowed by the filters) with its input hash and its state on disk, and the print
bundles. ``build`` then renders what is missing or stale (:mod:`.workers`); one
failing output never stops the others. Each file is written to a temporary file
and renamed into place, so an interrupted build (Ctrl-C, a killed worker, a full
disk) leaves no partial PDF, and the next run completes only what is missing.
Signed or hand-modified PDFs (and text exports edited by hand) are never overwritten;
``force`` moves them aside first; an edited export of an output rebuilt anyway is moved
aside too.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..campaign.load import load_campaign
from ..campaign.loaded import LoadedCampaign, collector_paused
from ..campaign.templates import rehearse_copies
from ..campaign.plan import Output, all_outputs, bundle_stem, plan_outputs
from ..errors import UndersignedError, WriteFailed
from ..kinds import KINDS
from ..files import move_aside, remove_stale_parts, writer_lock
from .fingerprint import Fingerprinter, digest_of
from .manifest import MANIFEST, Manifest, export_stamps, on_disk, signed_fields_of
from .planned import Bundle, Planned
from .states import BUILD_STATES, KEPT_STATES, MOVED_STATES, Action, State
from .workers import Outcome, Task, run_tasks


SUPERSEDED = "superseded"
"""The folder of the output folder where ``build --resign`` keeps the signed copies it
replaces, under their own names."""


@dataclass
class BuildPlan:
    """Everything a build will consider, before anything is rendered."""

    loaded: LoadedCampaign
    manifest: Manifest
    items: list[Planned]
    bundles: list[Bundle] = field(default_factory=list)
    resign: bool = False
    """Render anew the signed copies whose inputs changed (``signed-stale``), their signed
    files kept in ``outputs/superseded/``, so that the Members sign the current text."""

    def to_render(self, force: bool = False) -> list[Planned]:
        return [p for p in self.items if force or p.state in BUILD_STATES
                or (self.resign and p.state == State.SIGNED_STALE)]

    def bundles_to_render(self, force: bool = False) -> list[Bundle]:
        """Bundles that are missing or stale, or one of whose copies is rendered anew."""
        fresh = {p.output for p in self.to_render(force)}
        return [b for b in self.bundles if force or b.state in BUILD_STATES
                or fresh.intersection(b.outputs)]

    @property
    def everything(self) -> list[Planned | Bundle]:
        """Every output, then every bundle, as ``status`` lists them."""
        return [*self.items, *self.bundles]


OUTPUT_SUFFIXES = (".pdf", ".txt", ".docx", ".html", ".md")
"""What a file in the output folder may be that a build writes."""


def leftovers(loaded: LoadedCampaign) -> list[str]:
    """Files in the output folder that no copy or bundle of the campaign writes (a document
    renamed or removed since, an earlier campaign's copy): ``status`` lists them; nothing
    deletes them."""
    known = {name for output in all_outputs(loaded) for name in output.files}
    known |= {f"{bundle_stem(doc)}.pdf" for doc in loaded.campaign.documents}
    try:
        entries = list(os.scandir(loaded.output_dir))
    except OSError:
        return []
    return sorted(e.name for e in entries
                  if e.is_file(follow_symlinks=False) and e.name.endswith(OUTPUT_SUFFIXES)
                  and ".kept-" not in e.name and e.name not in known)


@dataclass
class Result:
    """What happened to one output (or bundle) in a build."""

    label: str
    output: Output | None
    action: Action
    written: list[Path] = field(default_factory=list)
    error: str | None = None
    moved_aside: Path | None = None
    pages: int | None = None
    exports_aside: list[Path] = field(default_factory=list)
    """Text exports edited by hand, moved aside (``.kept-...``) before being written anew."""


@dataclass
class BuildReport:
    """The outcome of a build."""

    plan: BuildPlan
    results: list[Result] = field(default_factory=list)
    worker_peak_kib: int = 0
    """The largest resident memory of any process that rendered (KiB)."""
    manifest_error: str | None = None
    """Why the manifest could not be saved, if it could not."""
    manifest_note: str | None = None
    """That the manifest could not be read and was rebuilt from the disk, if so."""
    signal: int | None = None
    """The signal that interrupted the build (SIGINT for Ctrl-C, SIGTERM), if one did."""
    to_sign_again: dict[str, list[str]] = field(default_factory=dict)
    """For each signed copy rendered anew (``resign``): the Members who had signed it."""

    @property
    def loaded(self) -> LoadedCampaign:
        return self.plan.loaded

    @property
    def interrupted(self) -> bool:
        """Stopped by Ctrl-C or SIGTERM before every output was rendered."""
        return self.signal is not None

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.action == Action.FAILED]

    def count(self, action: Action | str) -> int:
        return sum(r.action == action for r in self.results)


def plan_build(root: Path | str, documents=(), recipients=(), langs=(), strict: bool = False,
               bundle: bool = False, formats=()) -> BuildPlan:
    """Check the campaign and work out every output's input hash and state on disk
    (a query: it writes nothing and takes no lock)."""
    with collector_paused():
        loaded = load_campaign(root, strict=strict)
        return _plan(loaded, documents, recipients, langs, bundle, formats)


def _plan(loaded: LoadedCampaign, documents, recipients, langs, bundle: bool,
          formats=()) -> BuildPlan:
    """The plan of a loaded campaign.

    Bundles are planned for the selected documents when asked for, and, once a bundle
    exists, by every build and ``status`` that is not narrowed to some recipients or
    languages: a bundle always holds every copy of its document, so it is kept as
    current as the copies themselves.
    """
    outputs = plan_outputs(loaded, documents, recipients, langs, formats=formats)
    fingerprints = Fingerprinter(loaded)
    manifest = Manifest.load(loaded.output_dir)
    items = [_planned(manifest, output, fingerprints.output_hash(output)) for output in outputs]
    plan = BuildPlan(loaded, manifest, items)
    hashes = {p.output: p.input_hash for p in items}
    copies: dict[str, list[Output]] = {}
    for output in all_outputs(loaded, formats=formats):
        if KINDS[output.kind].printed and (not documents or output.document in documents):
            copies.setdefault(output.document, []).append(output)
    for document, parts in sorted(copies.items()):
        stem = bundle_stem(document)
        exists = bool(manifest.records(stem)) or os.path.lexists(loaded.output_dir / f"{stem}.pdf")
        if not (bundle or (exists and not recipients and not langs)):
            continue
        input_hash = digest_of(*[hashes.get(o) or fingerprints.output_hash(o) for o in parts])
        files = [f"{stem}.pdf"]
        disk = on_disk(loaded.output_dir / files[0])
        state = manifest.state(stem, files, input_hash)
        manifest.refresh(stem, files, input_hash)
        plan.bundles.append(Bundle(document, parts, input_hash, state, disk))
    return plan


def _planned(manifest: Manifest, output: Output, input_hash: str) -> Planned:
    disk = on_disk(manifest.path.parent / output.pdf)
    state = manifest.state(output.stem, output.files, input_hash)
    manifest.refresh(output.stem, output.files, input_hash)
    return Planned(output, input_hash, state, disk)


def build(root: Path | str, documents=(), recipients=(), langs=(), strict: bool = False,
          jobs: int | None = None, force: bool = False, bundle: bool = False, formats=(),
          resign: bool = False,
          on_start: Callable[[BuildPlan, int], None] | None = None,
          on_result: Callable[[Result], None] | None = None,
          on_wait: Callable[[str], None] | None = None) -> BuildReport:
    """Check, plan, then render what is missing or stale; failures are collected, not raised.

    The build holds the output folder's writers' lock from planning to the last record
    (``on_wait`` hears who it waits for), so that no other build or ``sign`` changes a
    file between the moment its state is read and the moment it is replaced.
    """
    loaded = load_campaign(root, strict=strict, rehearse=False)
    plan_outputs(loaded, documents, recipients, langs)  # unknown filter values: nothing written
    out_dir = loaded.output_dir
    if not out_dir.is_dir():  # every copy is to be built: check them before writing anything
        rehearse_copies(loaded)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UndersignedError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc
    with writer_lock(out_dir, "build", on_wait=on_wait):
        try:
            remove_stale_parts(out_dir)
        except OSError as exc:
            raise UndersignedError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc
        with collector_paused():
            plan = _plan(loaded, documents, recipients, langs, bundle, formats)
        plan.resign = resign
        # A copy built from the current inputs (up to date, or signed over such a build)
        # was rehearsed then, from the very inputs its hash covers: the others are now.
        built = () if force else (State.UP_TO_DATE, State.SIGNED)
        unproven = [p.output for p in plan.items if p.state not in built]
        unproven += [o for b in plan.bundles if b.state not in built for o in b.outputs]
        rehearse_copies(loaded, list(dict.fromkeys(unproven)))
        return _run(plan, jobs, force, on_start, on_result)


def _run(plan: BuildPlan, jobs, force: bool, on_start, on_result) -> BuildReport:
    report = BuildReport(plan)
    out_dir = plan.loaded.output_dir
    if plan.manifest.damaged:
        report.manifest_note = (f"{out_dir.name}/{MANIFEST} could not be read: "
                                f"{plan.manifest.damaged}; it is rebuilt from the files on "
                                "disk, and files it cannot vouch for are moved aside")

    def record(result: Result) -> None:
        report.results.append(result)
        if on_result:
            on_result(result)

    for planned in plan.items:
        if not force and planned.state == State.UP_TO_DATE:
            record(Result(planned.output.label, planned.output, Action.UP_TO_DATE))
        elif planned.state in KEPT_STATES and not force and not (
                plan.resign and planned.state == State.SIGNED_STALE):
            record(Result(planned.output.label, planned.output, Action.KEPT,
                          error=_kept_reason(plan, planned)))
    tasks = [Task(planned) for planned in plan.to_render(force)]
    bundles = plan.bundles_to_render(force)
    for item in plan.bundles:
        if item in bundles:
            tasks.append(Task(item))
        elif item.state == State.UP_TO_DATE:
            record(Result(item.stem, None, Action.UP_TO_DATE))
    if on_start:
        on_start(plan, len(tasks))
    jobs_of = []
    for task in tasks:
        expected = task.item.disk
        edited = ([] if task.is_bundle else plan.manifest.edited_exports(
            task.item.stem, task.item.files, task.item.input_hash))
        task.item.exports_aside = [_move_aside(out_dir / name) for name in edited]
        pdf_kept = task.item.state in KEPT_STATES and not (
            task.item.state == State.MODIFIED and edited and _pdf_vouched(plan, task.item))
        if task.item.state == State.SIGNED_STALE:
            pdf = out_dir / task.item.files[0]
            report.to_sign_again[task.item.files[0]] = [
                f.removeprefix("sig-") for f in signed_fields_of(pdf)]
            task.item.moved_aside = _move_aside(pdf, out_dir / SUPERSEDED)
            expected = None
        elif task.item.state in MOVED_STATES or (force and pdf_kept):
            task.item.moved_aside = _move_aside(out_dir / task.item.files[0])
            expected = None
        jobs_of.append((task, task.job(expected)))

    last_save = time.monotonic()

    def finish(task: Task, outcome: Outcome) -> None:
        nonlocal last_save
        report.worker_peak_kib = max(report.worker_peak_kib, outcome.peak_kib)
        record(_result_of(task, outcome, plan.manifest, out_dir))
        if time.monotonic() - last_save > 1.0:  # keep progress if the build is killed
            _save_manifest(plan.manifest, report)
            last_save = time.monotonic()

    report.signal = run_tasks(plan.loaded, jobs_of, jobs, finish)
    _save_manifest(plan.manifest, report, compact=True)
    return report


def _pdf_vouched(plan: BuildPlan, item: Planned) -> bool:
    """Whether the PDF on disk is one a build wrote (its output is modified only in its
    text exports)."""
    return plan.manifest.vouched(item.stem, item.files, item.input_hash) is not None


def _move_aside(path: Path, folder: Path | None = None) -> Path:
    try:
        return move_aside(path, folder)
    except OSError as exc:
        raise WriteFailed(f"cannot move {path} aside to keep it: {exc.strerror or exc}; "
                          "nothing was rebuilt") from exc


def _save_manifest(manifest: Manifest, report: BuildReport, compact: bool = False) -> None:
    """Save the manifest; if that fails (a full disk), say so rather than lose the report.
    The journal still vouches for every file written, so the next build knows them."""
    try:
        if compact:
            manifest.compact()
        else:
            manifest.save()
    except OSError as exc:
        report.manifest_error = (f"cannot write {manifest.path}: {exc.strerror or exc}; the "
                                 "next build will rebuild what it cannot vouch for")


def _kept_reason(plan: BuildPlan, planned: Planned) -> str:
    out_dir = plan.loaded.output_dir
    why = {State.SIGNED: "is signed",
           State.SIGNED_STALE: "is signed over an earlier build (its inputs changed since, "
                               "so it is not sent)"
           }.get(planned.state, "was changed after it was built")
    how = ("build --resign makes a new copy to sign and keeps this one in "
           f"{out_dir.name}/{SUPERSEDED}/" if planned.state == State.SIGNED_STALE else
           "build --force moves it aside and rebuilds")
    name = planned.output.pdf
    if planned.state == State.MODIFIED and _pdf_vouched(plan, planned):
        name = ", ".join(plan.manifest.edited_exports(planned.stem, planned.files,
                                                      planned.input_hash))
    return f"{out_dir.name}/{name} {why}; it is kept as it is ({how})"


def _result_of(task: Task, outcome: Outcome, manifest: Manifest, out_dir: Path) -> Result:
    item = task.item
    output = None if task.is_bundle else item.output
    moved = item.moved_aside or (Path(outcome.moved_aside) if outcome.moved_aside else None)
    if outcome.error:
        return Result(item.stem, output, Action.FAILED, error=outcome.error, moved_aside=moved,
                      exports_aside=item.exports_aside)
    outcome.entry.exports = export_stamps(out_dir, outcome.entry.files[1:])
    manifest.entries[item.stem] = outcome.entry
    return Result(item.stem, output, Action.BUILT,
                  [out_dir / name for name in outcome.entry.files],
                  moved_aside=moved, pages=outcome.entry.pages,
                  exports_aside=item.exports_aside)
