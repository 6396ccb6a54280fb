"""Checking, building and the state of the copies: ``check``, ``build``, ``status``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .app import campaign_argument, cli, count, print_warnings, say, shown, strict_option, with_filters


@cli.command()
@campaign_argument
@strict_option
def check(campaign_dir: Path, strict: bool):
    """Validate a campaign and say what a build would write.

    Every problem is reported at once, as FILE:LINE:COLUMN: FIELD: MESSAGE.
    Exit status 1 if there are errors (or warnings, with --strict).

    \b
    Example:
      undersigned check
      undersigned check ~/campaigns/kazakhstan --strict
    """
    from ..campaign.load import load_campaign
    from ..campaign.plan import plan_outputs
    from ..kinds import KINDS

    loaded = load_campaign(campaign_dir, strict=strict)
    for warning in loaded.warnings:
        click.echo(str(warning), err=True)
    outputs = plan_outputs(loaded)
    lists = loaded.lists
    members = sum(len(sl.signatories) for sl in lists.values())
    documents = loaded.campaign.documents
    kinds = ", ".join(count(sum(d.kind == kind.name for d in documents.values()), kind.noun,
                             kind.plural) for kind in KINDS.values())
    pdfs = len(outputs)
    texts = sum(len(o.exports) for o in outputs)
    click.echo(f"{loaded.root / 'campaign.yaml'}: {loaded.campaign.title}")
    click.echo(f"  {count(len(loaded.cases), 'case')}, "
               f"{count(len(lists), 'signatory list')} ({count(members, 'signatory', 'signatories')}), "
               f"{count(len(loaded.campaign.recipients), 'recipient')}")
    click.echo(f"  {count(len(documents), 'document')}: {kinds}")
    click.echo(f"  a build would write {count(pdfs + texts, 'file')} "
               f"({count(pdfs, 'PDF')}, {count(texts, 'text export')}) "
               f"to {loaded.campaign.output_dir}/")
    warnings = f" ({count(len(loaded.warnings), 'warning')})" if loaded.warnings else ""
    click.echo(f"ok{warnings}")


@cli.command()
@campaign_argument
@with_filters
@strict_option
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
              help="Worker processes (default: the number of CPUs).")
@click.option("--force", is_flag=True,
              help="Rebuild everything; signed or changed PDFs are moved aside, never deleted.")
@click.option("--bundle", is_flag=True,
              help="Also write DOCUMENT.bundle.pdf: all copies of a document, for printing.")
@click.option("--dry-run", is_flag=True, help="Print the plan and write nothing.")
@click.option("--report-json", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write the outcome as JSON: counts, failures, time, worker memory.")
def build(campaign_dir: Path, documents, recipients, langs, strict, jobs, force, bundle,
          dry_run, report_json):
    """Check the campaign, then render every document, recipient and language to PDF.

    Only outputs whose inputs changed since the last build are rendered;
    outputs/manifest.json records what each was built from. Written questions
    also get a plain-text export. Files are named DOCUMENT.RECIPIENT.LANG.pdf.
    A signed PDF is never overwritten.

    \b
    Example:
      undersigned build
      undersigned build --document appeal-political-prisoners --lang ru --jobs 2
    """
    from ..batch.build import build as run_build, plan_build

    if dry_run:
        _print_plan(plan_build(campaign_dir, documents, recipients, langs, strict, bundle),
                    force)
        return
    import time

    started = time.monotonic()
    progress = _Progress()
    report = run_build(campaign_dir, documents, recipients, langs, strict=strict, jobs=jobs,
                       force=force, bundle=bundle, on_start=progress.start,
                       on_result=progress.result, on_wait=say)
    progress.close()
    _print_report(report, campaign_dir)
    if report_json:
        _write_report(report_json, report, time.monotonic() - started)
    if report.interrupted:
        sys.exit(128 + report.signal)
    if report.failed or report.manifest_error:
        sys.exit(1)


def _print_plan(plan, force: bool) -> None:
    """``build --dry-run``: each output and bundle, whether it would be rendered, and why."""
    print_warnings(plan.loaded.warnings)
    rendered = {id(item) for item in plan.to_render(force) + plan.bundles_to_render(force)}
    for item in plan.everything:
        click.echo(f"{'render' if id(item) in rendered else 'skip':7} {item.state:11} "
                   f"{', '.join(item.files)}")
    click.echo(f"{count(len(plan.to_render(force)), 'output')} to render, "
               f"{count(len(plan.items), 'output')} planned; nothing was written")


def _print_report(report, campaign_dir: Path) -> None:
    """The end of a build: what was kept or moved aside, the counts, each failure and how
    to retry it."""
    from ..errors import printable

    print_warnings(report.loaded.warnings)
    if report.manifest_note:
        click.echo(f"warning: {report.manifest_note}", err=True)
    for result in report.results:
        if result.action == "kept":
            click.echo(f"kept: {result.error}", err=True)
        if result.moved_aside:
            click.echo(f"moved aside: {shown(result.moved_aside)}", err=True)
    click.echo(f"{report.count('built')} built, {report.count('up-to-date')} up to date, "
               f"{report.count('kept')} kept, {len(report.failed)} failed "
               f"in {shown(report.loaded.output_dir)}/")
    if report.failed:
        click.echo(f"{count(len(report.failed), 'output')} failed:", err=True)
        for result in report.failed:
            click.echo(f"  {printable(result.error)}", err=True)
        click.echo(f"to retry just these: {_rerun_command(campaign_dir, report.failed)}",
                   err=True)
    if report.manifest_error:
        click.echo(f"error: {report.manifest_error}", err=True)
    if report.interrupted:
        click.echo("interrupted: what was finished is saved; run the same command to "
                   "build the rest", err=True)


def _write_report(path: Path, report, seconds: float) -> None:
    import json

    data = {
        "seconds": round(seconds, 3),
        "counts": {action: report.count(action)
                   for action in ("built", "up-to-date", "kept", "failed")},
        "failures": [{"output": r.label, "error": r.error} for r in report.failed],
        "interrupted": report.interrupted,
        "worker_peak_memory_kib": report.worker_peak_kib,
    }
    from ..errors import UndersignedError
    from ..files import write_atomically, write_error

    try:
        write_atomically(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
    except OSError as exc:
        error = write_error(exc, path)
        raise UndersignedError(f"{error}; the build itself is done") from exc


class _Progress:
    """A progress bar on a terminal (count, rate, time left); plain lines elsewhere."""

    def __init__(self):
        self.tty = sys.stdout.isatty()
        self.total = self.done = 0
        self.started = 0.0

    def start(self, plan, total: int) -> None:
        import time

        self.total, self.started = total, time.monotonic()
        if total == 0:
            click.echo("nothing to render: every output is up to date")

    def result(self, result) -> None:
        import time

        if result.action not in ("built", "failed"):
            return
        self.done += 1
        if not self.tty:
            status = "FAILED " if result.action == "failed" else ""
            names = ", ".join(shown(p) for p in result.written) or result.label
            click.echo(f"[{self.done}/{self.total}] {status}{names}")
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        click.echo(f"\r[{bar}] {self.done}/{self.total}  {rate:.1f}/s  "
                   f"{int(left) // 60}:{int(left) % 60:02d} left ", nl=False)

    def close(self) -> None:
        if self.tty and self.done:
            click.echo()


def _rerun_command(campaign_dir: Path, failed) -> str:
    words = ["undersigned", "build"]
    if str(campaign_dir) != ".":
        words.append(str(campaign_dir))
    outputs = [r.output for r in failed if r.output is not None]
    for document in sorted({o.document for o in outputs}
                           | {r.label.removesuffix(".bundle") for r in failed if r.output is None}):
        words += ["--document", document]
    for recipient in sorted({o.recipient for o in outputs if o.recipient}):
        words += ["--recipient", recipient]
    for lang in sorted({o.lang for o in outputs}):
        words += ["--lang", lang]
    if any(r.output is None for r in failed):
        words.append("--bundle")
    return " ".join(words)


@cli.command()
@campaign_argument
@with_filters
def status(campaign_dir: Path, documents, recipients, langs):
    """Say which outputs are up to date, stale, missing, signed or changed by hand.

    Exit status 0 when every output is up to date (or signed), 1 otherwise, and 1 when
    a signed copy carries the signature of a Member who did not agree to the letter.

    \b
    Example:
      undersigned status
      undersigned status --document appeal-political-prisoners
    """
    from ..batch.build import plan_build, signature_problems
    from ..errors import printable

    plan = plan_build(campaign_dir, documents, recipients, langs)
    problems = signature_problems(plan)
    counts: dict[str, int] = {}
    for item in plan.everything:
        counts[item.state] = counts.get(item.state, 0) + 1
        click.echo(f"{item.state:11} {', '.join(item.files)}")
        for problem in problems.get(item.files[0], []):
            click.echo(printable(f"{'':11} {problem}"))
    click.echo(", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
    if problems:
        click.echo(f"{count(sum(map(len, problems.values())), 'signature')} by Members "
                   "who did not agree to the letter", err=True)
    if problems or any(state not in ("up-to-date", "signed") for state in counts):
        sys.exit(1)
