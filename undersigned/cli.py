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
        from .errors import CampaignInvalid, UndersignedError

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
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


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
    from .campaign import load_campaign
    from .plan import plan_outputs

    loaded = load_campaign(campaign_dir, strict=strict)
    for warning in loaded.warnings:
        click.echo(str(warning), err=True)
    outputs = plan_outputs(loaded)
    lists = loaded.lists
    members = sum(len(sl.signatories) for sl in lists.values())
    documents = loaded.campaign.documents
    kinds = {kind: sum(d.kind == kind for d in documents.values())
             for kind in ("letter", "question")}
    pdfs = len(outputs)
    texts = sum(o.kind == "question" for o in outputs)
    click.echo(f"{loaded.root / 'campaign.yaml'}: {loaded.campaign.title}")
    click.echo(f"  {_count(len(loaded.cases), 'case')}, "
               f"{_count(len(lists), 'signatory list')} ({_count(members, 'signatory', 'signatories')}), "
               f"{_count(len(loaded.campaign.recipients), 'recipient')}")
    click.echo(f"  {_count(len(documents), 'document')}: {_count(kinds['letter'], 'letter')}, "
               f"{_count(kinds['question'], 'written question')}")
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
def build(campaign_dir: Path, documents, recipients, langs, strict: bool):
    """Check the campaign, then render every document, recipient and language to PDF.

    Written questions also get a plain-text export. Files are written to the
    campaign's output folder (outputs/ by default), named DOCUMENT.RECIPIENT.LANG.pdf.

    \b
    Example:
      undersigned build
      undersigned build --document appeal-political-prisoners --lang ru
    """
    from .build import build as run_build

    def progress(result, index, total):
        if result.error:
            click.echo(f"[{index}/{total}] FAILED {result.output.label}", err=True)
        else:
            names = ", ".join(_shown(p) for p in result.written)
            click.echo(f"[{index}/{total}] {names}")

    report = run_build(campaign_dir, documents, recipients, langs, strict=strict,
                       on_result=progress)
    for warning in report.loaded.warnings:
        click.echo(str(warning), err=True)
    done = len(report.results) - len(report.failed)
    click.echo(f"{_count(done, 'output')} written to {_shown(report.loaded.output_dir)}/")
    if report.failed:
        click.echo(f"{_count(len(report.failed), 'output')} failed:", err=True)
        for result in report.failed:
            click.echo(f"  {result.error}", err=True)
        rerun = _rerun_command(campaign_dir, report.failed)
        click.echo(f"to retry just these: {rerun}", err=True)
        sys.exit(1)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _rerun_command(campaign_dir: Path, failed) -> str:
    words = ["undersigned", "build"]
    if str(campaign_dir) != ".":
        words.append(str(campaign_dir))
    for document in sorted({r.output.document for r in failed}):
        words += ["--document", document]
    for recipient in sorted({r.output.recipient for r in failed if r.output.recipient}):
        words += ["--recipient", recipient]
    for lang in sorted({r.output.lang for r in failed}):
        words += ["--lang", lang]
    return " ".join(words)


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
    if open_browser:
        click.launch(str(path))


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


def main() -> None:
    cli(prog_name="undersigned")


if __name__ == "__main__":  # pragma: no cover
    main()
