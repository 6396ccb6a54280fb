"""Verifying every signature of a PDF: intact, covering the document as it is now, made by
the field's Member with a certificate valid at the signing time that chains to a trust
anchor the recipient chose."""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field as dataclass_field
from enum import StrEnum
from pathlib import Path

from .keys import load_trust_anchors
from .pdf import (PDF_LIMIT, SigningError, active_content, field_member, one_line, pdf_reader,
                  read_input, same_person, signature_fields)


TOOLKIT_SUBFILTERS = ("/ETSI.CAdES.detached", "/adbe.pkcs7.detached")
"""The signatures that can be verified here (pyHanko's); any other is signed but unverifiable."""
NO_ANCHOR = ("the signer's identity was not checked: no trust anchor was given "
             "(--trust CERT, or --system-trust)")


class Check(StrEnum):
    """A check of a signature that failed: what callers decide on, never the message."""

    UNREADABLE = "unreadable"
    UNVERIFIABLE = "unverifiable"
    BROKEN = "broken"
    NOT_COVERED = "not-covered"
    CHANGED_AFTER = "changed-after"
    BYTES_APPENDED = "bytes-appended"
    WRONG_SIGNER = "wrong-signer"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    NO_ANCHOR = "no-anchor"
    UNTRUSTED = "untrusted"
    NOT_AGREED = "not-agreed"
    """The campaign's answers do not show the field's Member agreeing to the letter."""
    NO_MEMBER = "no-member"
    """The campaign knows no Member for the field."""


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
    """The Member the field belongs to (``Pier Antonio PANZERI``): from the campaign, by the
    field's name, where the copy is a campaign's; else as the PDF describes the field."""
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
    failed: list[Check] = dataclass_field(default_factory=list)
    """The checks that failed, in the order of ``problems``."""

    def fail(self, check: Check, reason: str) -> None:
        self.failed.append(check)
        self.problems.append(reason)

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
    problems: list[str] = dataclass_field(default_factory=list)
    """What else is wrong with the document as a whole (signed over bytes no build wrote)."""

    @property
    def passed(self) -> bool:
        return (all(f.passed for f in self.fields) and not self.appended_bytes
                and not self.active_content and not self.problems)

    def as_dict(self) -> dict:
        return {"identities_validated": self.identities_validated, "passed": self.passed,
                "problems": self.problems,
                "appended_bytes": self.appended_bytes, "active_content": self.active_content,
                "fields": [{**asdict(f), "passed": f.passed} for f in self.fields]}


def verify_pdf(pdf: Path, trust: list[Path] | None = None, system_trust: bool = False,
               members: dict[str, str] | None = None) -> VerifyReport:
    """Every signature field of ``pdf``, empty or signed, with every check of a signature;
    and what concerns the whole document (bytes after its end, active content).

    ``members`` maps each field name to its Member's name as the campaign gives it: the
    name a certificate must carry. Without it (no campaign), the field's own description
    is all there is, which anyone who can edit the PDF can change."""
    pdf = Path(pdf)
    data = read_input(pdf, PDF_LIMIT)
    reader = pdf_reader(data, pdf)
    # No anchors: an empty trust list, so that nothing is trusted by accident (and
    # nothing is fetched: no network, ever).
    anchors = load_trust_anchors(list(trust or []), system_trust)
    appended = appended_bytes(data)
    fields = signature_fields(reader, pdf)
    with _quiet_pyhanko():
        signatures = _embedded_signatures(reader, pdf)
        reports = [_field_report(name, value, widget, signatures.get(name), anchors, appended,
                                 members)
                   for name, (value, widget) in fields.items()]
        active = active_content(reader)
    return VerifyReport(reports, appended, active, bool(anchors))


def _embedded_signatures(reader, pdf: Path) -> dict[str, object]:
    """Field name -> pyHanko's view of its signature, for the SubFilters pyHanko verifies
    (or why it cannot be read). A damaged file (a byte changed where the form's objects
    are) is a SigningError naming it, never pyHanko's exception."""
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    found = {}
    try:
        listed = list(enumerate_sig_fields(reader, filled_status=True))
    except Exception as exc:  # pyHanko parses lazily: the damage shows only here
        raise SigningError(f"{pdf}: the PDF is damaged: its signature fields cannot be read "
                           f"({one_line(exc)}); it cannot be verified") from exc
    for name, value, ref in listed:
        try:
            value = value.get_object()
            if isinstance(value, dict) and str(value.get("/SubFilter")) in TOOLKIT_SUBFILTERS:
                found[name] = EmbeddedPdfSignature(reader, ref, name)
        except Exception as exc:  # unreadable contents: reported by _field_report
            found[name] = one_line(exc)
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


def _field_report(name, value, widget, signature, anchors, appended: int,
                  members: dict[str, str] | None) -> FieldReport:
    """One field's report; a field whose objects cannot be read (a damaged file) fails
    with the reason, as a broken signature, never an exception. Its Member is the
    campaign's (``members``, by field name) where a campaign is given."""
    try:
        tooltip = widget.get("/TU")
        member = field_member(widget) if members is None else members.get(name)
        report = FieldReport(name, str(tooltip) if tooltip is not None else "",
                             signed=value is not None, member=member)
    except Exception as exc:
        report = FieldReport(name, "", signed=True, intact=False)
        report.fail(Check.BROKEN, f"BROKEN: the field cannot be read ({one_line(exc)})")
        return report
    if value is None:
        return report
    if members is not None and member is None:
        report.fail(Check.NO_MEMBER, f"the campaign has no Member whose field is {name}")
    try:
        value = value.get_object()
    except Exception as exc:
        report.intact = False
        report.fail(Check.BROKEN, f"BROKEN: the signature cannot be read ({one_line(exc)})")
        return report
    return _signature_report(report, value, signature, anchors, appended)


def _signature_report(report: FieldReport, value, signature, anchors,
                      appended: int) -> FieldReport:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    if not isinstance(value, dict):
        report.fail(Check.UNREADABLE, "its value is not a signature dictionary: this is not a "
                    "field undersigned made or signed")
        return report
    report.subfilter = str(value.get("/SubFilter")) if "/SubFilter" in value else None
    if report.subfilter not in TOOLKIT_SUBFILTERS:
        report.fail(Check.UNVERIFIABLE, f"signed with /SubFilter {report.subfilter or '(none)'}, "
                    "which cannot be verified here")
        return report
    try:
        if isinstance(signature, str):
            raise SigningError(signature)
        claimed = signature.self_reported_timestamp
        moment = claimed or dt.datetime.now(dt.timezone.utc)
        context = ValidationContext(trust_roots=anchors, allow_fetching=False, moment=moment)
        status = validate_pdf_signature(signature, context)
    except Exception as exc:  # a malformed signature: it fails, whatever the reason
        report.fail(Check.UNREADABLE, f"the signature cannot be read: {one_line(exc)}")
        return report
    try:
        _check(report, status, moment, bool(anchors), appended)
    except Exception as exc:  # pyHanko's status of a damaged file, read lazily
        report.intact = False
        report.problems.append(f"BROKEN: the signature cannot be checked ({one_line(exc)})")
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
        report.fail(Check.BROKEN, "BROKEN: the signed bytes were changed, or the signature does "
                               "not match them")
    # Later revisions may add signatures (form filling) and validation data, nothing else:
    # an annotation added after signing can cover or contradict what was signed.
    changed = level is not None and level.name in ("ANNOTATIONS", "OTHER")
    report.covers_document = report.coverage is not None and not appended and not changed
    if report.coverage is None:
        report.fail(Check.NOT_COVERED, "the signature does not cover the document as of its "
                    "revision")
    elif changed:
        report.fail(Check.CHANGED_AFTER, "the document was changed after signing beyond "
                    "adding signatures")
    elif appended:
        report.fail(Check.BYTES_APPENDED, f"does not cover the document as it is now: "
                    f"{appended:,} bytes were added after its end, outside every signature")
    report.signer_is_member = same_person(report.signer_name, report.member)
    if not report.signer_is_member:
        report.fail(
            Check.WRONG_SIGNER,
            f"signed by {report.signer_name or 'a certificate without a name'}, not by the "
            f"field's Member {report.member or '(the field names none)'}")
    valid_from, valid_to = certificate.not_valid_before, certificate.not_valid_after
    report.certificate_valid = valid_from <= moment <= valid_to
    if moment > valid_to:
        report.fail(Check.EXPIRED, f"the certificate was EXPIRED at the signing time "
                               f"({moment:%Y-%m-%d %H:%M} UTC; valid until "
                               f"{valid_to:%Y-%m-%d %H:%M} UTC)")
    elif moment < valid_from:
        report.fail(Check.NOT_YET_VALID, f"the certificate was NOT YET VALID at the signing time "
                               f"({moment:%Y-%m-%d %H:%M} UTC; valid from "
                               f"{valid_from:%Y-%m-%d %H:%M} UTC)")
    if not anchored:
        report.fail(Check.NO_ANCHOR, NO_ANCHOR)
    else:
        report.trusted = bool(status.trusted)
        if not report.trusted:
            report.fail(Check.UNTRUSTED, "NOT trusted: the certificate does not chain to a trust "
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
