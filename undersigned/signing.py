"""Signing a letter's signature field with PAdES, and verifying every signature in a PDF.

pyHanko does the cryptography. Each signature is an incremental update: the
bytes already signed are never rewritten, so the signatures already in the file
stay valid as the next signatory signs.
"""

from __future__ import annotations

import io
import logging
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import UndersignedError


class SigningError(UndersignedError):
    """Raised when a PDF cannot be signed or read for verification."""


@dataclass
class FieldReport:
    """What ``verify`` says of one signature field."""

    field: str
    """The field name, ``sig-ID``."""
    label: str
    """The field's description (``Signature of Pier Antonio PANZERI``), if any."""
    signed: bool
    signer: str | None = None
    """The signer certificate's subject."""
    signing_time: str | None = None
    """The time the signer's software claims, ISO 8601."""
    intact: bool | None = None
    """The signed bytes are unchanged and the cryptographic signature is valid."""
    coverage: str | None = None
    """``entire file`` or ``entire revision`` (later revisions were added after it)."""
    changed_after: str | None = None
    """What later revisions changed: ``nothing``, ``form filling`` (more signatures), ..."""
    trusted: bool | None = None
    """The signer's certificate chains to a given trust anchor (None: no anchors given)."""
    problem: str | None = None
    """Why the signature is broken, if it is."""

    @property
    def broken(self) -> bool:
        return self.signed and self.problem is not None


def _reader(data: bytes, path: Path):
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        return PdfFileReader(io.BytesIO(data), strict=False)
    except Exception as exc:  # pyHanko raises several kinds for unreadable files
        raise SigningError(f"{path}: cannot read the PDF: {exc}") from exc


def _fields(reader) -> dict[str, object]:
    """Signature field name -> its value (None while empty), in document order."""
    from pyhanko.sign.fields import enumerate_sig_fields

    return {name: value for name, value, _ in enumerate_sig_fields(reader)}


def sign_letter(pdf: Path, signatory: str, p12: Path, passphrase: bytes | None,
                image: Path | None = None, reason: str | None = None,
                location: str | None = None) -> str:
    """Sign the field ``sig-SIGNATORY`` of ``pdf`` in place; return the field's name.

    The signature is PAdES baseline (ETSI.CAdES.detached, SHA-256). With
    ``image`` the field shows it; otherwise its appearance stays as it was (empty),
    so that no font is introduced.
    """
    from pyhanko.sign import fields, signers
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from .files import write_atomically

    pdf = Path(pdf)
    try:
        data = pdf.read_bytes()
    except OSError as exc:
        raise SigningError(f"{pdf}: cannot read: {exc.strerror or exc}") from exc
    field = f"sig-{signatory}"
    existing = _fields(_reader(data, pdf))
    if field not in existing:
        names = ", ".join(n.removeprefix("sig-") for n in existing) or "none"
        raise SigningError(f"{pdf}: '{signatory}' is not a signatory of this letter "
                           f"(signatories with a field: {names})")
    if existing[field] is not None:
        raise SigningError(f"{pdf}: {field} is already signed; a field is signed only once")
    signer = _load_signer(p12, passphrase)
    metadata = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location=location)
    pdf_signer = signers.PdfSigner(metadata, signer=signer, stamp_style=_appearance(image))
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    output = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=output)
    except Exception as exc:  # pyHanko's errors for odd certificates, keys or files
        raise SigningError(f"{pdf}: signing failed: {exc}") from exc
    write_atomically(pdf, output.getvalue())
    return field


def _load_signer(p12: Path, passphrase: bytes | None):
    from pyhanko.sign import signers

    try:
        data = Path(p12).read_bytes()
    except OSError as exc:
        raise SigningError(f"{p12}: cannot read: {exc.strerror or exc}") from exc
    try:
        return signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=passphrase)
    except ValueError as exc:
        raise SigningError(f"{p12}: cannot open the PKCS#12 file: wrong passphrase, or not "
                           "a .p12/.pfx file") from exc


def _appearance(image: Path | None):
    from pyhanko.stamp import StaticStampStyle
    from pyhanko.stamp.noop import NoOpStampStyle

    if image is None:
        return NoOpStampStyle()
    from PIL import Image, UnidentifiedImageError
    from pyhanko.pdf_utils.images import PdfImage

    try:
        picture = Image.open(image)
        picture.load()
    except (OSError, UnidentifiedImageError) as exc:
        raise SigningError(f"{image}: not an image that can be used as a signature: {exc}") from exc
    return StaticStampStyle(background=PdfImage(picture), border_width=0)


def verify_pdf(pdf: Path, trust: list[Path] | None = None) -> list[FieldReport]:
    """Every signature field of ``pdf``: empty, or signed with what its signature proves."""
    pdf = Path(pdf)
    try:
        data = pdf.read_bytes()
    except OSError as exc:
        raise SigningError(f"{pdf}: cannot read: {exc.strerror or exc}") from exc
    reader = _reader(data, pdf)
    roots = [_load_certificate(path) for path in trust or []]
    # No anchors: an empty trust list, so that nothing is trusted by accident (and
    # nothing is fetched: no network, ever).
    context_args = {"trust_roots": roots, "allow_fetching": False}
    signatures = {sig.field_name: sig for sig in reader.embedded_signatures}
    reports = []
    with _quiet_pyhanko():
        for name, value in _fields(reader).items():
            reports.append(_field_report(reader, name, value, signatures, context_args))
    return reports


@contextmanager
def _quiet_pyhanko():
    """pyHanko logs what it finds (an untrusted signer, with a traceback); we report it."""
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _field_report(reader, name, value, signatures, context_args) -> FieldReport:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    label = _field_label(reader, name)
    if value is None or name not in signatures:
        return FieldReport(name, label, signed=False)
    try:
        status = validate_pdf_signature(signatures[name], ValidationContext(**context_args))
    except Exception as exc:  # a malformed signature: broken, whatever the reason
        return FieldReport(name, label, True, problem=f"cannot be validated: {exc}")
    return _report(name, label, status, bool(context_args["trust_roots"]))


def _report(name: str, label: str, status, anchored: bool) -> FieldReport:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    coverage = {SignatureCoverageLevel.ENTIRE_FILE: "entire file",
                SignatureCoverageLevel.ENTIRE_REVISION: "entire revision"}.get(status.coverage)
    level = status.modification_level
    changed = "nothing" if level is None or level.name == "NONE" else \
        level.name.lower().replace("_", " ")
    problem = None
    if not (status.intact and status.valid):
        problem = "the signed bytes were changed, or the signature does not match them"
    elif coverage is None:
        problem = "the signature does not cover the document as of its revision"
    elif level is not None and level.name == "OTHER":
        problem = "the document was changed after signing in ways a signature does not allow"
    when = status.signer_reported_dt.isoformat() if status.signer_reported_dt else None
    return FieldReport(name, label, True, status.signing_cert.subject.human_friendly, when,
                       status.intact and status.valid, coverage, changed,
                       status.trusted if anchored else None, problem)


def _field_label(reader, name: str) -> str:
    from pyhanko.sign.fields import enumerate_sig_fields

    for _name, _value, ref in enumerate_sig_fields(reader, with_name=name):
        tooltip = ref.get_object().get("/TU")
        return str(tooltip) if tooltip is not None else ""
    return ""


def _load_certificate(path: Path):
    from asn1crypto import pem, x509

    try:
        data = Path(path).read_bytes()
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        return x509.Certificate.load(data)
    except (OSError, ValueError) as exc:
        raise SigningError(f"{path}: not a certificate (PEM or DER): {exc}") from exc


def reports_as_dicts(reports: list[FieldReport]) -> list[dict]:
    return [{**asdict(r), "broken": r.broken} for r in reports]
