"""The ``undersigned`` command: parses options, calls the library, reports.

Each command calls one library function. Errors are turned into a message on
stderr and an exit status in one place (``_Group.invoke``): 1 for a problem in
the campaign or the build, 2 for a usage error. The library is imported inside
the commands so that ``--help`` does not load it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__

campaign_argument = click.argument(
    "campaign_dir", required=False, default=".",
    type=click.Path(file_okay=False, path_type=Path))
strict_option = click.option("--strict", is_flag=True,
                             help="Treat warnings as errors.")


class _Group(click.Group):
    def invoke(self, ctx):
        from .errors import CampaignInvalid, UndersignedError, printable

        try:
            return super().invoke(ctx)
        except CampaignInvalid as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            errors = sum(p.severity == "error" for p in exc.problems)
            warnings = len(exc.problems) - errors
            click.echo(f"{_count(errors, 'error')}, {_count(warnings, 'warning')}; "
                       "nothing was written", err=True)
            ctx.exit(exc.exit_code)
        except UndersignedError as exc:
            click.echo(f"error: {printable(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:  # a read or write the library did not name itself
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {printable(where + (exc.strerror or str(exc)))}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (main installs it)
            click.echo("interrupted", err=True)
            ctx.exit(128 + getattr(exc, "signal_number", 2))


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="undersigned")
def cli():
    """Letters and parliamentary questions from structured case data.

    A campaign folder holds campaign.yaml, cases/, signatories/ and, optionally,
    templates/ and catalogues/. Start with `undersigned init my-campaign`.

    \b
    Example:
      undersigned check            # validate the campaign in this folder
      undersigned build            # write every PDF to outputs/
    """


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
    from .campaign.load import load_campaign
    from .campaign.plan import plan_outputs
    from .kinds import KINDS

    loaded = load_campaign(campaign_dir, strict=strict)
    for warning in loaded.warnings:
        click.echo(str(warning), err=True)
    outputs = plan_outputs(loaded)
    lists = loaded.lists
    members = sum(len(sl.signatories) for sl in lists.values())
    documents = loaded.campaign.documents
    kinds = ", ".join(_count(sum(d.kind == kind.name for d in documents.values()), kind.noun,
                             kind.plural) for kind in KINDS.values())
    pdfs = len(outputs)
    texts = sum(len(o.exports) for o in outputs)
    click.echo(f"{loaded.root / 'campaign.yaml'}: {loaded.campaign.title}")
    click.echo(f"  {_count(len(loaded.cases), 'case')}, "
               f"{_count(len(lists), 'signatory list')} ({_count(members, 'signatory', 'signatories')}), "
               f"{_count(len(loaded.campaign.recipients), 'recipient')}")
    click.echo(f"  {_count(len(documents), 'document')}: {kinds}")
    click.echo(f"  a build would write {_count(pdfs + texts, 'file')} "
               f"({_count(pdfs, 'PDF')}, {_count(texts, 'text export')}) "
               f"to {loaded.campaign.output_dir}/")
    warnings = f" ({_count(len(loaded.warnings), 'warning')})" if loaded.warnings else ""
    click.echo(f"ok{warnings}")


filters = [
    click.option("--document", "-d", "documents", multiple=True, metavar="ID",
                 help="Only this document (repeatable)."),
    click.option("--recipient", "-r", "recipients", multiple=True, metavar="ID",
                 help="Only copies for this recipient (repeatable)."),
    click.option("--lang", "-l", "langs", multiple=True, metavar="LANG",
                 help="Only this language (repeatable)."),
]


def with_filters(function):
    for option in reversed(filters):
        function = option(function)
    return function


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
    from .batch.build import build as run_build, plan_build

    if dry_run:
        _print_plan(plan_build(campaign_dir, documents, recipients, langs, strict, bundle),
                    force)
        return
    import time

    started = time.monotonic()
    progress = _Progress()
    report = run_build(campaign_dir, documents, recipients, langs, strict=strict, jobs=jobs,
                       force=force, bundle=bundle, on_start=progress.start,
                       on_result=progress.result, on_wait=_say)
    progress.close()
    _print_report(report, campaign_dir)
    if report_json:
        _write_report(report_json, report, time.monotonic() - started)
    if report.interrupted:
        sys.exit(128 + report.signal)
    if report.failed or report.manifest_error:
        sys.exit(1)


def _say(message: str) -> None:
    """A line for the user on stderr (waiting for a lock ...)."""
    click.echo(message, err=True)


def _print_plan(plan, force: bool) -> None:
    """``build --dry-run``: each output and bundle, whether it would be rendered, and why."""
    _print_warnings(plan.loaded.warnings)
    rendered = {id(item) for item in plan.to_render(force) + plan.bundles_to_render(force)}
    for item in plan.everything:
        click.echo(f"{'render' if id(item) in rendered else 'skip':7} {item.state:11} "
                   f"{', '.join(item.files)}")
    click.echo(f"{_count(len(plan.to_render(force)), 'output')} to render, "
               f"{_count(len(plan.items), 'output')} planned; nothing was written")


def _print_report(report, campaign_dir: Path) -> None:
    """The end of a build: what was kept or moved aside, the counts, each failure and how
    to retry it."""
    from .errors import printable

    _print_warnings(report.loaded.warnings)
    if report.manifest_note:
        click.echo(f"warning: {report.manifest_note}", err=True)
    for result in report.results:
        if result.action == "kept":
            click.echo(f"kept: {result.error}", err=True)
        if result.moved_aside:
            click.echo(f"moved aside: {_shown(result.moved_aside)}", err=True)
    click.echo(f"{report.count('built')} built, {report.count('up-to-date')} up to date, "
               f"{report.count('kept')} kept, {len(report.failed)} failed "
               f"in {_shown(report.loaded.output_dir)}/")
    if report.failed:
        click.echo(f"{_count(len(report.failed), 'output')} failed:", err=True)
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
    from .errors import UndersignedError
    from .files import write_atomically, write_error

    try:
        write_atomically(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
    except OSError as exc:
        error = write_error(exc, path)
        raise UndersignedError(f"{error}; the build itself is done") from exc


def _print_warnings(warnings) -> None:
    for warning in warnings:
        click.echo(str(warning), err=True)


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
            names = ", ".join(_shown(p) for p in result.written) or result.label
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


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
    from .batch.build import plan_build, signature_problems
    from .errors import printable

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
        click.echo(f"{_count(sum(map(len, problems.values())), 'signature')} by Members "
                   "who did not agree to the letter", err=True)
    if problems or any(state not in ("up-to-date", "signed") for state in counts):
        sys.exit(1)


@cli.command()
@click.argument("document")
@click.argument("member_and_dir", nargs=-1, metavar="[MEMBER] [DIR]")
@click.option("--agreed", "answer", flag_value="agreed", help="The Member agreed to co-sign.")
@click.option("--declined", "answer", flag_value="declined", help="The Member declined.")
@click.option("--withdrawn", "answer", flag_value="withdrawn",
              help="The Member agreed, then withdrew.")
@click.option("--invited", "answer", flag_value="invited",
              help="Record an invitation (no answer yet).")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="The date of the answer (or invitation); default: today.")
@click.option("--note", help="How the answer came (never printed).")
@click.option("--from", "table", type=click.Path(dir_okay=False, path_type=Path),
              metavar="CSV", help="Record every answer of a spreadsheet (CSV) instead.")
@click.option("--delimiter", metavar="CHAR", help="The CSV's delimiter: , ; or tab "
              "(default: detected).")
def respond(document: str, member_and_dir, answer, on, note, table, delimiter):
    """Record Members' answers to a letter's sign-on in campaign.yaml.

    Edits only the Member's entry under sign_on.members (a Member of the list not
    yet invited gets a new one); comments and layout stay as they are. --agreed
    also records the fingerprint of the wording agreed to. With --from, every row
    of the spreadsheet is checked first and all are recorded, or none.

    \b
    Example:
      undersigned respond appeal-political-prisoners panzeri --agreed --on 2017-10-19
      undersigned respond appeal-political-prisoners --from answers.csv
    """
    from .answers.record import respond as record_one, respond_from
    from .errors import printable
    from .model.signon import Answer

    wanted = 0 if table else 1
    if not wanted <= len(member_and_dir) <= wanted + 1:
        raise click.UsageError("give DOC and DIR with --from" if table else
                               "give DOC, MEMBER and optionally DIR")
    campaign_dir = Path(member_and_dir[wanted]) if len(member_and_dir) > wanted else Path(".")
    if table:
        if answer or on or note:
            raise click.UsageError("with --from, the answers, dates and notes come from the "
                                   "spreadsheet")
        outcome = respond_from(campaign_dir, document, table, delimiter)
    else:
        if answer is None:
            raise click.UsageError("say the answer: --agreed, --declined, --withdrawn or "
                                   "--invited")
        outcome = record_one(campaign_dir, document, member_and_dir[0], Answer(answer),
                             on.date() if on else None, note)
    for done in outcome.recorded:
        was = ("already recorded" if not done.changed else
               "added: not invited before" if done.previous is None else
               f"was {done.previous.value}")
        what = "invited" if done.answer is Answer.INVITED else done.answer.value
        wording = f", wording {done.wording}" if done.wording else ""
        click.echo(printable(f"{done.member.id}: {what} on {done.on}{wording} ({was})"))
    changed = sum(d.changed for d in outcome.recorded)
    click.echo(f"{document}: {_count(changed, 'answer')} recorded in "
               f"{campaign_dir / 'campaign.yaml'}" if outcome.written else
               f"{document}: nothing to change")
    _print_warnings(outcome.warnings)


@cli.command()
@click.argument("document")
@campaign_argument
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Count the days to the deadline from this day (default: today).")
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the answers as an Excel workbook to this file.")
def signatures(document: str, campaign_dir: Path, as_json: bool, today, xlsx):
    """Say who is on board a letter: who agreed, declined, withdrew or has not answered.

    Also the deadline and the days left, those who agreed by political group and by
    country, and whether the wording they agreed to is the current one.

    \b
    Example:
      undersigned signatures appeal-political-prisoners
      undersigned signatures appeal-political-prisoners --json
      undersigned signatures appeal-political-prisoners --xlsx answers.xlsx
    """
    from .answers.signatures import signatures as standing, summary_lines

    report = standing(campaign_dir, document, today.date() if today else None)
    if xlsx is not None:
        from .answers.workbook import write_workbook

        write_workbook(report, xlsx)
        click.echo(f"wrote {xlsx}", err=True)
    if as_json:
        import json

        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    from .errors import printable

    for line in summary_lines(report):
        click.echo(printable(line))


PASSPHRASE_VARIABLE = "UNDERSIGNED_P12_PASSPHRASE"


@cli.command()
@click.argument("pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--signatory", "-s", required=True, metavar="ID",
              help="Whose field to sign: the signatory's id (the field is sig-ID).")
@click.option("--p12", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The signer's certificate and key, a PKCS#12 (.p12/.pfx) file.")
@click.option("--image", type=click.Path(dir_okay=False, path_type=Path),
              help="A signature image shown in the field (PNG, JPEG, TIFF ...).")
@click.option("--reason", help="Why the document is signed, recorded in the signature.")
@click.option("--location", help="Where it is signed, recorded in the signature.")
@click.option("--allow-other-signer", is_flag=True,
              help="Sign a field whose Member is not the one named in the certificate.")
def sign(pdf: Path, signatory: str, p12: Path, image, reason, location,
         allow_other_signer: bool):
    """Sign a signatory's field in a letter (PAdES), keeping earlier signatures valid.

    The passphrase of the .p12 file is read from the environment variable
    UNDERSIGNED_P12_PASSPHRASE or asked for; it is never a command-line argument.
    The PDF is updated in place, as an incremental update, one signer at a time.
    The certificate must be valid today and name the field's Member (compared
    without case and accents), unless --allow-other-signer is given.

    \b
    Example:
      undersigned sign outputs/appeal.president.en.pdf --signatory panzeri --p12 panzeri.p12
    """
    import os

    from .errors import printable
    from .signing import sign_letter

    passphrase = os.environ.get(PASSPHRASE_VARIABLE)
    if passphrase is None and sys.stdin.isatty():
        passphrase = click.prompt(f"Passphrase for {p12}", hide_input=True, default="",
                                  show_default=False)
    field = sign_letter(pdf, signatory, p12, passphrase.encode() if passphrase else None,
                        image, reason, location, allow_other_signer,
                        on_wait=lambda message: click.echo(printable(message), err=True))
    click.echo(printable(f"signed {field} in {pdf}"))


@cli.command()
@click.argument("pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--trust", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="CERT", help="A trust anchor (PEM, possibly several, or DER "
                                   "certificate); repeatable.")
@click.option("--system-trust", is_flag=True,
              help="Trust the certificate authorities of this system's TLS store as well.")
@click.option("--campaign", "campaign_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The campaign whose answers the signatures are checked against; by "
                   "default the one whose output folder holds the PDF, if any.")
@click.option("--no-campaign", is_flag=True,
              help="Do not check the signatures against a campaign's answers.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(pdf: Path, trust, system_trust: bool, campaign_dir, no_campaign: bool,
           as_json: bool):
    """Check every signature of a PDF: does it prove who signed what.

    For each filled field: the signature is intact, covers the document as it is
    now, was made by the field's Member (the certificate's name, compared without
    case and accents), with a certificate valid at the signing time that chains
    to a trust anchor given with --trust (or --system-trust). Bytes added after
    the end of the PDF and active content (JavaScript, launch actions ...) are
    reported. A copy in a campaign's output folder (or given --campaign) is checked
    against the letter's answers: a signature by a Member who declined, withdrew or has
    not agreed fails. Exit status 0 only if every filled field passes every check and
    the document has neither; 1 otherwise, with the reasons per field.

    \b
    Example:
      undersigned verify outputs/appeal.president.en.pdf --trust ep-ca.pem
      undersigned verify signed.pdf --trust ep-ca.pem --json
    """
    import json

    from .errors import printable
    from .signing import verify_pdf

    from .errors import UsageError
    from .signing.answers import campaign_of, check_answers

    report = verify_pdf(pdf, list(trust), system_trust)
    root = None if no_campaign else campaign_dir or campaign_of(pdf)
    document = check_answers(pdf, report, root) if root is not None else None
    if campaign_dir is not None and document is None:
        raise UsageError(f"{pdf} is not a copy of the campaign in {campaign_dir}")
    if as_json:
        click.echo(json.dumps({"file": str(pdf), "answers_of": document, **report.as_dict()},
                              indent=2))
    else:
        if document is not None:
            click.echo(printable(f"checked against the answers to '{document}' in "
                                 f"{root / 'campaign.yaml'}"))
        for field in report.fields:
            click.echo(printable(_field_line(field)))
        if report.appended_bytes:
            click.echo(f"the PDF: {report.appended_bytes:,} bytes after its end (the last "
                       "%%EOF), covered by no signature")
        if report.active_content:
            click.echo(printable("the PDF has active content: "
                                 + ", ".join(report.active_content)))
        signed = [f for f in report.fields if f.signed]
        click.echo(f"{_count(len(report.fields), 'signature field')}, {len(signed)} signed, "
                   f"{sum(not f.passed for f in signed)} failed")
    if not report.passed:
        sys.exit(1)


def _field_line(report) -> str:
    name = f"{report.field} ({report.label})" if report.label else report.field
    if not report.signed:
        return f"{name}: empty"
    by = f"signed by {report.signer} at {report.signing_time}" if report.signer else "signed"
    if report.problems:
        return f"{name}: {by}; FAILED: " + "; ".join(report.problems)
    return (f"{name}: {by}; OK: intact, covers the {report.coverage}, changed after: "
            f"{report.changed_after}, signed by the field's Member, certificate valid at "
            "signing time, trusted")


@cli.command()
def doctor():
    """Report whether this machine can render, fast and reproducibly, and how to fix it.

    Checks Python, WeasyPrint and Pango, HarfBuzz-subset (without it rendering
    is about 3x slower and PDFs are not byte-reproducible), the shipped fonts,
    and renders a test page.

    \b
    Example:
      undersigned doctor
    """
    from .doctor import diagnose

    findings = diagnose()
    for finding in findings:
        mark = "ok  " if finding.ok else "FAIL"
        click.echo(f"{mark} {finding.name}: {finding.detail}")
        if not finding.ok and finding.fix:
            click.echo(f"     fix: {finding.fix}")
    if not all(f.ok for f in findings):
        sys.exit(1)


@cli.command()
@click.argument("document")
@campaign_argument
@click.option("--recipient", "-r", metavar="ID", help="The recipient's copy (default: the first).")
@click.option("--lang", "-l", metavar="LANG", help="The language (default: the first).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the HTML (default: outputs/DOCUMENT.RECIPIENT.LANG.html).")
@click.option("--open", "open_browser", is_flag=True, help="Open the HTML in a browser.")
def preview(document: str, campaign_dir: Path, recipient, lang, output, open_browser):
    """Write the HTML of one copy of a document, to iterate on a template without a PDF viewer.

    \b
    Example:
      undersigned preview appeal-political-prisoners --recipient president --lang ru --open
    """
    from .preview import write_preview

    path = write_preview(campaign_dir, document, recipient, lang, output)
    click.echo(_shown(path))
    if open_browser and not _open_in_browser(path.resolve().as_uri()):
        click.echo(f"error: no browser found to open {_shown(path)}; open it by hand, or set "
                   "BROWSER to the browser's command", err=True)
        sys.exit(1)


@cli.command()
@campaign_argument
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The port to listen on (0: any free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; anything but loopback is reachable by others.")
@click.option("--open", "open_browser", is_flag=True, help="Open the campaign page in a browser.")
def serve(campaign_dir: Path, port: int, host: str, open_browser: bool):
    """Preview the campaign live in a browser: its copies, their states, their pages.

    Every save of a case, template, catalogue or image re-renders the copies open in the
    browser, which update by themselves; problems replace the pages until fixed.
    Ctrl-C stops the server.

    \b
    Example:
      undersigned serve --open
      undersigned serve ~/campaigns/kazakhstan --port 8765
    """
    from .serve.server import exposed, serve as run

    if warning := exposed(host):
        click.echo(warning, err=True)

    def ready(url: str) -> None:
        click.echo(f"serving {_shown(campaign_dir)} at {url} (Ctrl-C to stop)", err=True)
        if open_browser and not _open_in_browser(url):
            click.echo(f"no browser found to open {url}; open it by hand", err=True)

    run(campaign_dir, host, port, on_ready=ready)


def _open_in_browser(url: str) -> bool:
    """Open ``url`` in the user's browser; False when there is none to open it."""
    import webbrowser

    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path):
    """Create a new campaign folder with a small example that passes `check`.

    \b
    Example:
      undersigned init my-campaign && cd my-campaign && undersigned check
    """
    from .scaffold import create_campaign

    written = create_campaign(directory)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && undersigned check && undersigned build")


SMTP_PASSWORD_VARIABLE = "UNDERSIGNED_SMTP_PASSWORD"


def _smtp_password(send: bool, campaign_dir: Path) -> str | None:
    """The SMTP password, from the environment or a prompt; never a file or an option."""
    import os

    password = os.environ.get(SMTP_PASSWORD_VARIABLE)
    if password is None and send and sys.stdin.isatty():
        password = click.prompt("SMTP password (empty if the server asks for none)",
                                hide_input=True, default="", show_default=False) or None
    return password


def _mail_progress(n: int, total: int, to: str) -> None:
    """One line per message the server accepted, as it goes."""
    from .errors import printable

    click.echo(printable(f"[{n}/{total}] sent to {to}"), err=True)


def _mail_report(report, send: bool) -> None:
    from .errors import printable

    if len(report.written) > 10:
        click.echo(printable(f"wrote {len(report.written)} messages in "
                             f"{_shown(report.written[0].parent)}"))
    else:
        for path in report.written:
            click.echo(printable(f"wrote {_shown(path)}"))
    if send:
        click.echo(f"{len(report.sent)} sent (recorded in records/mail.json)")
    if report.already:
        click.echo(printable(f"already sent, left out (--resend sends again): "
                             f"{', '.join(report.already)}"))
    for line in report.skipped + report.failed:
        click.echo(printable(f"not sent: {line}" if send else f"left out: {line}"), err=True)
    if report.stopped:
        click.echo(printable(f"stopped: {report.stopped}; run the command again to send the "
                             "rest"), err=True)
    if not send and report.written:
        click.echo("nothing was sent; --send sends these messages")
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.argument("document")
@campaign_argument
@click.option("--reminder", is_flag=True, help="A reminder to those who have not answered.")
@click.option("--member", "members", multiple=True, metavar="ID",
              help="Only this Member (repeatable).")
@click.option("--send", is_flag=True, help="Send the messages over SMTP (campaign mail: "
                                           "settings); without it they are only written.")
@click.option("--resend", is_flag=True, help="Write to Members the record says already got "
                                             "this message.")
def invite(document: str, campaign_dir: Path, reminder: bool, members, send: bool,
           resend: bool):
    """Invite the Members of a letter's sign-on who have not answered to co-sign it.

    One e-mail per Member, in their language, with the draft attached (rendered once
    per language), written as .eml files under outputs/mail/; --send sends them and
    records each in records/mail.json, so that nobody gets the same message twice
    (--resend overrides). The SMTP password comes from UNDERSIGNED_SMTP_PASSWORD or a
    prompt, never a file or an option.

    \b
    Example:
      undersigned invite appeal-political-prisoners
      UNDERSIGNED_SMTP_PASSWORD=... undersigned invite appeal-political-prisoners --send
      undersigned invite appeal-political-prisoners --reminder --send
    """
    from .mail.invite import invite as invite_members

    report = invite_members(campaign_dir, document, reminder, resend, send, members,
                            _smtp_password(send, campaign_dir), _mail_progress)
    _mail_report(report, send)


@cli.command(name="send")
@click.argument("document")
@campaign_argument
@click.option("--send", "really", is_flag=True, help="Send; without it the messages are "
                                                     "only written and listed.")
@click.option("--resend", is_flag=True, help="Send to recipients the record says already "
                                             "got the letter.")
@click.option("--trust", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="CERT", help="A trust anchor for verifying the copies' signatures.")
def send_letter(document: str, campaign_dir: Path, really: bool, resend: bool, trust):
    """E-mail each final copy of a letter to its addressee, with the letter's cc.

    Refuses a draft, a stale or missing copy, a copy whose signatures do not verify,
    and, where the letter sets require_digital_signatures, a copy not signed by every
    Member who agreed. Without --send it writes the messages under outputs/mail/ and
    lists them; with it, it sends them and records each, never twice (--resend).

    \b
    Example:
      undersigned send appeal-political-prisoners --trust ep-ca.pem
      undersigned send appeal-political-prisoners --trust ep-ca.pem --send
    """
    from .mail.deliver import deliver

    report = deliver(campaign_dir, document, really, resend, list(trust),
                     _smtp_password(really, campaign_dir), _mail_progress)
    _mail_report(report, really)


@cli.command()
@click.argument("lang")
@campaign_argument
@click.option("--force", is_flag=True, help="Replace an existing catalogue of that language.")
def catalogue(lang: str, campaign_dir: Path, force: bool):
    """Write catalogues/LANG.yaml: every phrase of the built-in templates to translate.

    Each phrase is the English one marked "TRANSLATE:" (or the built-in translation,
    where the toolkit has one, to adapt); check refuses a phrase still marked. Any
    language Babel knows can be added this way; dates and country names need no phrase.

    \b
    Example:
      undersigned catalogue az && $EDITOR catalogues/az.yaml && undersigned check
    """
    from .scaffold import write_starter_catalogue

    target = write_starter_catalogue(campaign_dir, lang, force)
    click.echo(f"wrote {target}: translate each phrase marked TRANSLATE:, then run "
               "undersigned check")


@cli.command()
@click.argument("kind", required=False,
                type=click.Choice(["campaign", "case", "signatories"]))
@click.option("--output-dir", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Write all three schemas as KIND.schema.json into this folder.")
def schema(kind, output_dir):
    """Print the JSON Schema of a campaign file kind, for editors' completion and validation.

    With the YAML language server, start a file with a line such as
    `# yaml-language-server: $schema=schemas/case.schema.json`.

    \b
    Example:
      undersigned schema case > case.schema.json
      undersigned schema --output-dir schemas
    """
    from .schema import schema_text, write_schemas

    if output_dir is not None:
        for path in write_schemas(output_dir):
            click.echo(f"wrote {path}")
        return
    if kind is None:
        raise click.UsageError("name a KIND (campaign, case, signatories) or give --output-dir")
    click.echo(schema_text(kind), nl=False)


@cli.group(cls=_Group)
def meps():
    """The European Parliament's lists of Members: import a signatory list, or check one.

    A source is the Parliament's open-data CSV (data_v1_meps_N_en.csv, any encoding:
    UTF-8, or Windows-1252 as served) or its XML list of Members, as a file or a URL.

    \b
    Example:
      undersigned meps import meps-term-8.csv --term 8 --id 28365 --id 124867 \\
          --groups meps.xml -o signatories/meps-2017.yaml
      undersigned meps check signatories/meps-2017.yaml meps-term-8.csv
    """


def _term(number: int):
    from .model.terms import TERMS

    if number not in TERMS:
        raise click.BadParameter(f"the toolkit knows the terms {', '.join(map(str, TERMS))}",
                                 param_hint="--term")
    return TERMS[number]


groups_option = click.option(
    "--groups", "groups_source", help="The Parliament's XML list of Members, for the groups "
    "(and Member States) the open-data CSV does not have.")
encoding_option = click.option("--encoding", help="The CSV's encoding, if not UTF-8 or "
                               "Windows-1252 (which are recognised).")


@meps.command(name="import")
@click.argument("source")
@click.option("--term", "term_number", type=int, required=True, help="The parliamentary term.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="The signatory list to write or update (default: "
                   "signatories/meps-term-N.yaml).")
@click.option("--id", "ids", type=int, multiple=True, help="A Member's EP id, in the order "
              "the list is to have them (repeatable).")
@click.option("--group", "groups", multiple=True, help="Only Members of this political group.")
@click.option("--country", "countries", multiple=True, help="Only Members for this country "
              "(ISO code).")
@click.option("--committee", "committees", multiple=True, help="Only members of this "
              "committee, where the source says who is.")
@groups_option
@encoding_option
def meps_import(source, term_number, output, ids, groups, countries, committees,
                groups_source, encoding):
    """Write a signatory list from the Parliament's list of Members (or update one).

    Names keep the Parliament's spelling with its diacritics; the country becomes an ISO
    code; gender, e-mail and EP id are kept. Updating a list keeps what was added to it
    (roles, titles, notes, ids) and its opening comments.

    \b
    Example:
      undersigned meps import meps-term-8.csv --term 8 --country SI -o signatories/si.yaml
    """
    from .files import write_atomically
    from .meps.lists import Selection, import_list, read_list_text
    from .meps.sources import read_source, with_memberships

    term = _term(term_number)
    members = read_source(source, term, encoding)
    selection = Selection(list(ids), list(groups), list(countries), list(committees))
    if groups_source:
        members = with_memberships(members, read_source(groups_source, term, encoding))
    chosen = selection.choose(members, term)
    if not chosen:
        raise click.ClickException("no Member of the source matches the selection")
    output = output or Path("signatories") / f"meps-term-{term.number}.yaml"
    existing = read_list_text(output)
    text, notes = import_list(chosen, term, existing, source.rsplit("/", 1)[-1])
    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(output, text.encode("utf-8"))
    for note in notes:
        click.echo(f"warning: {note}", err=True)
    click.echo(f"{'updated' if existing is not None else 'wrote'} {output}: "
               f"{_count(len(chosen), 'Member')} from {source}")


@meps.command(name="check")
@click.argument("signatory_list", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("source")
@click.option("--term", "term_number", type=int, help="The term (default: the list's).")
@groups_option
@encoding_option
@strict_option
def meps_check(signatory_list, source, term_number, groups_source, encoding, strict):
    """Compare a signatory list with the Parliament's list of Members.

    Each EP id unknown for the term, name spelt otherwise than the Parliament spells it
    (Soltes for Šoltes), country or group that differs is a warning at its line, with
    the Parliament's form to write. Exit status 0, or 1 with --strict if any differs.

    \b
    Example:
      undersigned meps check signatories/meps-2017.yaml meps-term-8.csv
    """
    from .errors import Problems
    from .meps.lists import check_list
    from .meps.sources import read_source, with_memberships
    from .model.yamlfile import read_yaml

    problems = Problems()
    loaded = read_yaml(signatory_list, str(signatory_list), problems)
    if loaded is None:
        from .errors import CampaignInvalid

        raise CampaignInvalid(problems.items)
    data = loaded.data if isinstance(loaded.data, dict) else {}
    number = term_number or data.get("term")
    if not isinstance(number, int):
        raise click.UsageError("the list has no term: give --term")
    term = _term(number)
    members = read_source(source, term, encoding)
    if groups_source:
        members = with_memberships(members, read_source(groups_source, term, encoding))
    compared = check_list(loaded, members, term, source.rsplit("/", 1)[-1], problems)
    for problem in problems.items:
        click.echo(str(problem), err=True)
    differences = len(problems.items)
    click.echo(f"{_count(compared, 'Member')} compared with {source}: "
               + (f"{_count(differences, 'difference')}" if differences else "no difference"))
    if problems.errors or (strict and differences):
        raise SystemExit(1)


def main() -> None:
    import signal

    from .errors import Terminated

    def terminate(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: then let running work finish
        raise Terminated()

    signal.signal(signal.SIGTERM, terminate)
    try:
        cli(prog_name="undersigned")
    finally:
        # The command is done: a SIGTERM now (while the interpreter shuts down, when its
        # handler may no longer run) must not turn a finished command into a killed one.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})


if __name__ == "__main__":  # pragma: no cover
    main()
