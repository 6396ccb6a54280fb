"""Signing a letter's signature field with PAdES, and verifying every signature in a PDF.

pyHanko does the cryptography. Each signature is an incremental update: the
bytes already signed are never rewritten, so the signatures already in the file
stay valid as the next signatory signs.

``verify`` answers a recipient's question for each filled field: is the signature
intact, does it cover the document as it is now, was it made by the Member the field
belongs to, with a certificate valid at the signing time that chains to a trust anchor
the recipient chose. ``sign`` refuses what would fail that question.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import unicodedata
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field as dataclass_field
from pathlib import Path

from .errors import UndersignedError, WriteFailed
from .files import read_regular, write_atomically, write_error, writer_lock

PDF_LIMIT = 100 * 1024 * 1024
"""The largest PDF read: a letter is well under a megabyte."""
KEY_FILE_LIMIT = 1024 * 1024
"""The largest .p12 or certificate file read."""
TRUST_STORE_LIMIT = 16 * 1024 * 1024
"""The largest certificate bundle read (the system's is about 200 kB)."""
IMAGE_FILE_LIMIT = 20 * 1024 * 1024
IMAGE_PIXEL_LIMIT = 25_000_000
"""The most pixels a signature image may have (5000 x 5000)."""
TOOLKIT_SUBFILTERS = ("/ETSI.CAdES.detached", "/adbe.pkcs7.detached")
"""The signatures that can be verified here (pyHanko's); any other is signed but unverifiable."""
NO_ANCHOR = ("the signer's identity was not checked: no trust anchor was given "
             "(--trust CERT, or --system-trust)")


class SigningError(UndersignedError):
    """Raised when a PDF cannot be signed or read for verification."""


@dataclass
class FieldReport:
    """What ``verify`` says of one signature field: every check, and why it failed."""

    field: str
    """The field name, ``sig-ID``."""
    label: str
    """The field's description (``Signature of Pier Antonio PANZERI``), if any."""
    signed: bool
    """The field has a value (a signature, or something that claims to be one)."""
    member: str | None = None
    """The Member the field belongs to, from its description (``Pier Antonio PANZERI``)."""
    subfilter: str | None = None
    """The kind of signature (``/ETSI.CAdES.detached``)."""
    signer: str | None = None
    """The signer certificate's subject."""
    signer_name: str | None = None
    """The common name in the signer's certificate."""
    signing_time: str | None = None
    """The time the signer's software claims, ISO 8601."""
    intact: bool | None = None
    """The signed bytes are unchanged and the cryptographic signature is valid."""
    coverage: str | None = None
    """``entire file`` or ``entire revision`` (later revisions were added after it)."""
    changed_after: str | None = None
    """What later revisions changed: ``nothing``, ``form filling`` (more signatures), ..."""
    covers_document: bool | None = None
    """The signature covers the document as it is now, but for changes a signature allows
    (later signatures) and with no bytes added after the end."""
    signer_is_member: bool | None = None
    """The certificate's common name is the field's Member (without case and diacritics)."""
    certificate_valid: bool | None = None
    """The signer's certificate was neither expired nor not yet valid at the signing time."""
    trusted: bool | None = None
    """The signer's certificate chains to a trust anchor (None: no anchors given)."""
    problems: list[str] = dataclass_field(default_factory=list)
    """Why the signature fails, one reason per check that failed."""

    @property
    def passed(self) -> bool:
        """Filled fields pass when every check does; an empty field has nothing to fail."""
        return not self.problems


@dataclass
class VerifyReport:
    """What ``verify`` says of a PDF: each field, and what concerns the whole document."""

    fields: list[FieldReport]
    appended_bytes: int
    """Bytes after the end of the last revision (its ``%%EOF``), which no signature covers."""
    active_content: list[str]
    """JavaScript, launch actions, automatic actions, ... found in the document."""
    identities_validated: bool
    """Trust anchors were given, so that "trusted" was checked."""

    @property
    def passed(self) -> bool:
        return (all(f.passed for f in self.fields) and not self.appended_bytes
                and not self.active_content)

    def as_dict(self) -> dict:
        return {"identities_validated": self.identities_validated, "passed": self.passed,
                "appended_bytes": self.appended_bytes, "active_content": self.active_content,
                "fields": [{**asdict(f), "passed": f.passed} for f in self.fields]}


def _read_input(path: Path, limit: int) -> bytes:
    """The bytes of a file given by the user, through a symbolic link if it is one: a regular
    file only, of at most ``limit`` bytes (never a device, a pipe or an endless file)."""
    return read_regular(Path(os.path.realpath(path)), limit, what=str(path))


def _reader(data: bytes, path: Path):
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        encrypted = reader.encrypted
    except Exception as exc:  # pyHanko raises several kinds for unreadable files
        raise SigningError(f"{path}: cannot read the PDF: {_reason(exc)}") from exc
    if encrypted:
        raise SigningError(f"{path}: the PDF is encrypted; undersigned signs and verifies "
                           "only the unencrypted letters it makes")
    return reader


def _reason(exc: BaseException) -> str:
    """An exception as one line, never empty."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _fields(reader, path: Path) -> dict[str, tuple[object, object]]:
    """Signature field name -> (its value, None while empty; the field), in document order."""
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        return {name: (value, ref.get_object())
                for name, value, ref in enumerate_sig_fields(reader)}
    except Exception as exc:  # a loop in the form tree, a dangling reference
        raise SigningError(f"{path}: cannot read the signature fields: {_reason(exc)}") from exc


def _member(field) -> str | None:
    """The Member a field belongs to, from the description undersigned gives it."""
    tooltip = field.get("/TU")
    match = re.fullmatch(r"Signature of (.+)", str(tooltip)) if tooltip is not None else None
    return match.group(1).strip() if match else None


def _name_key(name: str) -> list[str]:
    """A person's name compared without case, diacritics, punctuation or word order."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return sorted(re.findall(r"\w+", plain))


def same_person(certificate_name: str | None, member: str | None) -> bool:
    """Whether a certificate's common name names the Member (``IGOR SOLTES``, ``Igor ŠOLTES``)."""
    return bool(certificate_name and member) and _name_key(certificate_name) == _name_key(member)


def _as_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def sign_letter(pdf: Path, signatory: str, p12: Path, passphrase: bytes | None,
                image: Path | None = None, reason: str | None = None,
                location: str | None = None, allow_other_signer: bool = False,
                on_wait: Callable[[str], None] | None = None) -> str:
    """Sign the field ``sig-SIGNATORY`` of ``pdf`` in place; return the field's name.

    The signature is PAdES baseline (ETSI.CAdES.detached, SHA-256). With
    ``image`` the field shows it; otherwise its appearance stays as it was (empty),
    so that no font is introduced. A link is followed and its target signed. The PDF is
    read and replaced under the folder's writers' lock, so that signers who sign at the
    same time each add their signature; the new file replaces the old one whole, with
    its mode. The certificate must be valid now and, unless ``allow_other_signer``, name
    the field's Member.
    """
    from pyhanko.sign import fields, signers
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    pdf = Path(pdf)
    target = Path(os.path.realpath(pdf))
    read_regular(target, PDF_LIMIT, what=str(pdf))  # a PDF, before a lock beside it is made
    signer, signer_name = _load_signer(p12, passphrase)
    appearance = _appearance(image)
    field = f"sig-{signatory}"
    with ExitStack() as stack:
        try:
            stack.enter_context(writer_lock(target.parent, "sign", on_wait=on_wait))
        except WriteFailed as exc:  # no lock file can be made there: nor can the PDF be written
            cause = exc.__cause__
            raise (write_error(cause, pdf) if isinstance(cause, OSError) else exc) from cause
        data = read_regular(target, PDF_LIMIT, what=str(pdf))  # as it is now, under the lock
        reader = _reader(data, pdf)
        _check_signable(reader, pdf, signatory)
        member = _member(_fields(reader, pdf)[field][1])
        if not allow_other_signer and not same_person(signer_name, member):
            whose = f"the field of {member}" if member else "a field that names no Member"
            their = f"{member}'s" if member else "the Member's"
            raise SigningError(
                f"{pdf}: {field} is {whose}, but the certificate in {p12} is "
                f"{signer_name or 'nameless'}'s; sign with {their} certificate, or give "
                "--allow-other-signer to sign in their place")
        metadata = signers.PdfSignatureMetadata(
            field_name=field, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason, location=location)
        pdf_signer = signers.PdfSigner(metadata, signer=signer, stamp_style=appearance)
        output = io.BytesIO()
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
            pdf_signer.sign_pdf(writer, output=output)
        except Exception as exc:  # pyHanko's errors for odd certificates, keys or files
            raise SigningError(f"{pdf}: signing failed: {_reason(exc)}") from exc
        try:
            write_atomically(target, output.getvalue())
        except OSError as exc:
            raise write_error(exc, pdf) from exc
    return field


def _check_signable(reader, pdf: Path, signatory: str) -> None:
    """Refuse a letter whose field ``sig-SIGNATORY`` is missing, filled, or not a signature
    field this toolkit made, or that has active content."""
    field = f"sig-{signatory}"
    existing = _fields(reader, pdf)
    if field not in existing:
        names = ", ".join(n.removeprefix("sig-") for n in existing) or "none"
        raise SigningError(f"{pdf}: '{signatory}' is not a signatory of this letter "
                           f"(signatories with a field: {names})")
    value = existing[field][0]
    if value is not None:
        if not isinstance(value.get_object(), dict):
            raise SigningError(f"{pdf}: {field} has a value that is not a signature: this "
                               "is not a field undersigned made or signed")
        raise SigningError(f"{pdf}: {field} is already signed; a field is signed only once")
    active = active_content(reader)
    if active:
        raise SigningError(f"{pdf}: the PDF has active content ({', '.join(active)}), "
                           "which undersigned letters never have; it is not signed")


def _load_signer(p12: Path, passphrase: bytes | None):
    """The signer of a PKCS#12 file and its certificate's common name; refused when the file
    lacks the key or the certificate, or the certificate is not valid now."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    data = _read_input(p12, KEY_FILE_LIMIT)
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(data, passphrase)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{p12}: cannot open the PKCS#12 file: wrong passphrase, or not "
                           "a .p12/.pfx file") from exc
    for missing, what in ((key, "private key"), (certificate, "certificate")):
        if missing is None:
            raise SigningError(f"{p12}: holds no {what}; export the certificate together "
                               "with its key")
    public = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*public) != certificate.public_key().public_bytes(*public):
        raise SigningError(f"{p12}: its private key is not the key of its certificate")
    now = dt.datetime.now(dt.timezone.utc)
    if certificate.not_valid_after_utc < now:
        raise SigningError(f"{p12}: the certificate expired on "
                           f"{certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC; sign with a "
                           "valid one")
    if certificate.not_valid_before_utc > now:
        raise SigningError(f"{p12}: the certificate is valid only from "
                           f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC; sign with a "
                           "valid one")
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = _as_text(names[0].value) if names else None
    der = serialization.Encoding.DER
    key_der = key.private_bytes(der, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    try:
        signer = signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(der)),
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs(
                [asn1_x509.Certificate.load(c.public_bytes(der)) for c in others or []]))
    except Exception as exc:  # a key type pyHanko cannot sign with
        raise SigningError(f"{p12}: cannot sign with this key: {_reason(exc)}") from exc
    return signer, common_name


def _appearance(image: Path | None):
    from pyhanko.stamp import StaticStampStyle
    from pyhanko.stamp.noop import NoOpStampStyle

    if image is None:
        return NoOpStampStyle()
    from pyhanko.pdf_utils.images import PdfImage

    return StaticStampStyle(background=PdfImage(_signature_picture(image)), border_width=0)


def _signature_picture(image: Path):
    """The image at ``image`` as RGB, or RGBA where it has transparency, whatever its mode
    (16-bit grey, CMYK, 1-bit, palette ...), of at most IMAGE_PIXEL_LIMIT pixels."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    data = _read_input(image, IMAGE_FILE_LIMIT)
    # Pillow's own bound is larger than ours and raises at open, before the size is known:
    # opening reads only the header, so it is lifted there, and ours checked before decoding.
    bound, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        picture = Image.open(io.BytesIO(data))
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise SigningError(f"{image}: not an image that can be used as a signature: "
                           f"{_reason(exc)}") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = bound
    width, height = picture.size
    if width * height > IMAGE_PIXEL_LIMIT:
        raise SigningError(f"{image}: is {width}×{height} pixels; a signature image has at "
                           f"most {IMAGE_PIXEL_LIMIT:,}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            picture.load()
    except (OSError, Image.DecompressionBombError, ValueError) as exc:
        raise SigningError(f"{image}: not an image that can be used as a signature: "
                           f"{_reason(exc)}") from exc
    if picture.mode in ("RGB", "RGBA"):
        return picture
    if picture.mode.startswith(("I", "F")):  # 16- or 32-bit grey: scale down to 8 bits
        low, high = picture.getextrema()
        scale = 255 / (high - low) if high > low else 0
        picture = picture.convert("F").point(lambda v: (v - low) * scale).convert("L")
    alpha = ("A" in picture.getbands() or "a" in picture.getbands()
             or "transparency" in picture.info)
    return picture.convert("RGBA" if alpha else "RGB")


def load_trust_anchors(paths: list[Path], system: bool = False) -> list:
    """The certificates in ``paths`` (PEM, possibly several, or DER), and the system's when
    ``system``: the anchors a signer's certificate must chain to."""
    anchors = []
    for path in paths:
        anchors += _certificates(_read_input(path, KEY_FILE_LIMIT), str(path))
    if system:
        anchors += _system_anchors()
    return anchors


def _certificates(data: bytes, name: str, strict: bool = True) -> list:
    """Every certificate in a PEM or DER file; a private key or anything else is refused
    (or, not ``strict``, a certificate that does not parse is left out)."""
    import warnings

    from asn1crypto import pem, x509
    from cryptography import x509 as crypto_x509

    if pem.detect(data):
        try:
            blocks = list(pem.unarmor(data, multiple=True))
        except ValueError as exc:
            raise SigningError(f"{name}: not a certificate (PEM or DER)") from exc
        if any("PRIVATE KEY" in kind for kind, _, _ in blocks):
            raise SigningError(f"{name}: is a private key, not a certificate; give the "
                               "certificate of the authority you trust")
        ders = [der for kind, _, der in blocks if kind in ("CERTIFICATE", "TRUSTED CERTIFICATE")]
    else:
        ders = [data]
    certificates = []
    for der in ders:
        try:
            with warnings.catch_warnings():  # old roots of the system's store have oddities
                warnings.simplefilter("ignore")
                crypto_x509.load_der_x509_certificate(der)  # asn1crypto parses lazily
        except ValueError as exc:
            if not strict:
                continue
            if _is_private_key(der):
                raise SigningError(f"{name}: is a private key, not a certificate; give the "
                                   "certificate of the authority you trust") from exc
            raise SigningError(f"{name}: not a certificate (PEM or DER)") from exc
        certificates.append(x509.Certificate.load(der))
    if not certificates:
        raise SigningError(f"{name}: not a certificate (PEM or DER)")
    return certificates


def _is_private_key(der: bytes) -> bool:
    from cryptography.hazmat.primitives import serialization

    try:
        serialization.load_der_private_key(der, password=None)
    except TypeError:  # an encrypted private key
        return True
    except Exception:  # not a key: the backend raises several kinds
        return False
    return True


def _system_anchors() -> list:
    """The certificate authorities of this system's TLS store (``/etc/ssl/certs``)."""
    import ssl

    paths = ssl.get_default_verify_paths()
    for bundle in (paths.cafile, paths.openssl_cafile):
        if bundle and os.path.isfile(bundle):
            data = _read_input(Path(bundle), TRUST_STORE_LIMIT)
            return _certificates(data, bundle, strict=False)
    raise SigningError("--system-trust: this system has no certificate bundle "
                       f"({paths.openssl_cafile}); give the anchors with --trust CERT")


def verify_pdf(pdf: Path, trust: list[Path] | None = None,
               system_trust: bool = False) -> VerifyReport:
    """Every signature field of ``pdf``, empty or signed, with every check of a signature;
    and what concerns the whole document (bytes after its end, active content)."""
    pdf = Path(pdf)
    data = _read_input(pdf, PDF_LIMIT)
    reader = _reader(data, pdf)
    # No anchors: an empty trust list, so that nothing is trusted by accident (and
    # nothing is fetched: no network, ever).
    anchors = load_trust_anchors(list(trust or []), system_trust)
    appended = appended_bytes(data)
    fields = _fields(reader, pdf)
    with _quiet_pyhanko():
        signatures = _embedded_signatures(reader)
        reports = [_field_report(name, value, widget, signatures.get(name), anchors, appended)
                   for name, (value, widget) in fields.items()]
        active = active_content(reader)
    return VerifyReport(reports, appended, active, bool(anchors))


def _embedded_signatures(reader) -> dict[str, object]:
    """Field name -> pyHanko's view of its signature, for the SubFilters pyHanko verifies
    (or why it cannot be read)."""
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko.sign.fields import enumerate_sig_fields

    found = {}
    for name, value, ref in enumerate_sig_fields(reader, filled_status=True):
        value = value.get_object()
        if isinstance(value, dict) and str(value.get("/SubFilter")) in TOOLKIT_SUBFILTERS:
            try:
                found[name] = EmbeddedPdfSignature(reader, ref, name)
            except Exception as exc:  # unreadable contents: reported by _field_report
                found[name] = _reason(exc)
    return found


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


def _field_report(name, value, widget, signature, anchors, appended: int) -> FieldReport:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    tooltip = widget.get("/TU")
    report = FieldReport(name, str(tooltip) if tooltip is not None else "",
                         signed=value is not None, member=_member(widget))
    if value is None:
        return report
    value = value.get_object()
    if not isinstance(value, dict):
        report.problems.append("its value is not a signature dictionary: this is not a field "
                               "undersigned made or signed")
        return report
    report.subfilter = str(value.get("/SubFilter")) if "/SubFilter" in value else None
    if report.subfilter not in TOOLKIT_SUBFILTERS:
        report.problems.append(f"signed with /SubFilter {report.subfilter or '(none)'}, which "
                               "cannot be verified here")
        return report
    try:
        if isinstance(signature, str):
            raise SigningError(signature)
        claimed = signature.self_reported_timestamp
        moment = claimed or dt.datetime.now(dt.timezone.utc)
        context = ValidationContext(trust_roots=anchors, allow_fetching=False, moment=moment)
        status = validate_pdf_signature(signature, context)
    except Exception as exc:  # a malformed signature: it fails, whatever the reason
        report.problems.append(f"the signature cannot be read: {_reason(exc)}")
        return report
    _check(report, status, moment, bool(anchors), appended)
    return report


def _check(report: FieldReport, status, moment: dt.datetime, anchored: bool,
           appended: int) -> None:
    """Fill ``report`` with pyHanko's ``status`` of the signature and what we check besides."""
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    certificate = status.signing_cert
    report.signer = certificate.subject.human_friendly
    common_name = certificate.subject.native.get("common_name")
    report.signer_name = (common_name[0] if isinstance(common_name, list) else common_name)
    report.signing_time = (status.signer_reported_dt.isoformat()
                           if status.signer_reported_dt else None)
    report.intact = bool(status.intact and status.valid)
    report.coverage = {SignatureCoverageLevel.ENTIRE_FILE: "entire file",
                       SignatureCoverageLevel.ENTIRE_REVISION: "entire revision"
                       }.get(status.coverage)
    level = status.modification_level
    report.changed_after = ("nothing" if level is None or level.name == "NONE"
                            else level.name.lower().replace("_", " "))
    if not report.intact:
        report.problems.append("BROKEN: the signed bytes were changed, or the signature does "
                               "not match them")
    # Later revisions may add signatures (form filling) and validation data, nothing else:
    # an annotation added after signing can cover or contradict what was signed.
    changed = level is not None and level.name in ("ANNOTATIONS", "OTHER")
    report.covers_document = report.coverage is not None and not appended and not changed
    if report.coverage is None:
        report.problems.append("the signature does not cover the document as of its revision")
    elif changed:
        report.problems.append("the document was changed after signing beyond adding "
                               "signatures")
    elif appended:
        report.problems.append(f"does not cover the document as it is now: {appended:,} bytes "
                               "were added after its end, outside every signature")
    report.signer_is_member = same_person(report.signer_name, report.member)
    if not report.signer_is_member:
        report.problems.append(
            f"signed by {report.signer_name or 'a certificate without a name'}, not by the "
            f"field's Member {report.member or '(the field names none)'}")
    valid_from, valid_to = certificate.not_valid_before, certificate.not_valid_after
    report.certificate_valid = valid_from <= moment <= valid_to
    if moment > valid_to:
        report.problems.append(f"the certificate was EXPIRED at the signing time "
                               f"({moment:%Y-%m-%d %H:%M} UTC; valid until "
                               f"{valid_to:%Y-%m-%d %H:%M} UTC)")
    elif moment < valid_from:
        report.problems.append(f"the certificate was NOT YET VALID at the signing time "
                               f"({moment:%Y-%m-%d %H:%M} UTC; valid from "
                               f"{valid_from:%Y-%m-%d %H:%M} UTC)")
    if not anchored:
        report.problems.append(NO_ANCHOR)
    else:
        report.trusted = bool(status.trusted)
        if not report.trusted:
            report.problems.append("NOT trusted: the certificate does not chain to a trust "
                                   "anchor")


def appended_bytes(data: bytes) -> int:
    """How many bytes follow the end of the PDF's last revision (its last ``%%EOF`` and end
    of line): bytes that no signature and no revision covers."""
    end = data.rfind(b"%%EOF")
    if end < 0:
        return 0
    end += len(b"%%EOF")
    for marker in (b"\r\n", b"\n", b"\r"):
        if data.startswith(marker, end):
            end += len(marker)
            break
    tail = data[end:]
    return len(tail) if tail.strip(b"\x00\t\n\x0c\r ") else 0


ACTIVE_ACTIONS = {
    "/JavaScript": "JavaScript", "/Launch": "a /Launch action",
    "/SubmitForm": "a /SubmitForm action", "/ImportData": "an /ImportData action",
    "/GoToR": "a link into another file (/GoToR)", "/GoToE": "a link into an embedded file "
    "(/GoToE)", "/RichMediaExecute": "rich media", "/Rendition": "a media rendition",
    "/Movie": "a movie", "/Sound": "a sound", "/Hide": "a /Hide action",
    "/SetOCGState": "a /SetOCGState action",
}
"""Action types that run something, send something, or open another file."""
ACTIVE_KEYS = {
    "/JS": "JavaScript", "/AA": "automatic actions (/AA)", "/EmbeddedFiles": "embedded files",
    "/EmbeddedFile": "embedded files", "/XFA": "an XFA form", "/RichMedia": "rich media",
}
SAFE_URI_SCHEMES = ("http:", "https:", "mailto:")
OBJECT_WALK_LIMIT = 500_000


def active_content(reader) -> list[str]:
    """What in the document can run, send or open something: JavaScript, launch actions,
    automatic actions, embedded files, links other than http(s) and mailto. In the order
    found, once each."""
    from pyhanko.pdf_utils import generic

    found: dict[str, None] = {}
    seen: set = set()
    stack = [reader.root]
    visited = 0
    while stack and visited < OBJECT_WALK_LIMIT:
        item = stack.pop()
        visited += 1
        if isinstance(item, generic.IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                item = item.get_object()
            except Exception:  # a dangling reference: nothing to run there
                continue
        if isinstance(item, dict):
            _active_in(item, found)
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return list(found)


def _active_in(dictionary: dict, found: dict[str, None]) -> None:
    for key, what in ACTIVE_KEYS.items():
        if key in dictionary:
            found.setdefault(what)
    if "/JavaScript" in dictionary:  # the document-level scripts of the /Names tree
        found.setdefault("JavaScript")
    action = str(dictionary.get("/S", ""))
    if action in ACTIVE_ACTIONS:
        found.setdefault(ACTIVE_ACTIONS[action])
    if action == "/URI":
        uri = _as_text(dictionary.get("/URI", "")).strip()
        if not uri.lower().startswith(SAFE_URI_SCHEMES):
            scheme = uri.split(":", 1)[0] if ":" in uri else uri
            found.setdefault(f"a link of scheme '{scheme[:40]}'")
