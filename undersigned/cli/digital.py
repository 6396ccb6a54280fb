"""Digital signatures in a copy: ``sign`` and ``verify``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .app import cli, count


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

    from ..errors import printable
    from ..signing import sign_letter

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

    from ..errors import printable
    from ..signing import verify_pdf

    from ..errors import UsageError
    from ..signing.answers import campaign_of, check_answers

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
        click.echo(f"{count(len(report.fields), 'signature field')}, {len(signed)} signed, "
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
