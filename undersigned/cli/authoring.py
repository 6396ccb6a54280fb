"""Writing a campaign and looking at it: ``init``, ``catalogue``, ``schema``, ``preview``,
``serve``, ``doctor``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .app import campaign_argument, cli, shown


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
    from ..doctor import diagnose

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
    from ..preview import write_preview

    path = write_preview(campaign_dir, document, recipient, lang, output)
    click.echo(shown(path))
    if open_browser and not _open_in_browser(path.resolve().as_uri()):
        click.echo(f"error: no browser found to open {shown(path)}; open it by hand, or set "
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
    from ..serve.server import exposed, serve as run

    if warning := exposed(host):
        click.echo(warning, err=True)

    def ready(url: str) -> None:
        click.echo(f"serving {shown(campaign_dir)} at {url} (Ctrl-C to stop)", err=True)
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
    from ..scaffold import create_campaign

    written = create_campaign(directory)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && undersigned check && undersigned build")


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
    from ..scaffold import write_starter_catalogue

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
    from ..schema import schema_text, write_schemas

    if output_dir is not None:
        for path in write_schemas(output_dir):
            click.echo(f"wrote {path}")
        return
    if kind is None:
        raise click.UsageError("name a KIND (campaign, case, signatories) or give --output-dir")
    click.echo(schema_text(kind), nl=False)
