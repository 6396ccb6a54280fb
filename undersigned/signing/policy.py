"""The sign-on policy, decided once: whose field is whose, who may sign a copy, which
signatures a copy may carry, and whether a copy may be sent.

``status``, ``verify``, ``sign``, ``send`` and ``serve`` ask these functions; each answer
is a :class:`Problem` with a :class:`Code`, so that no caller decides by reading a
message. What the answers of the sign-on say (who agreed) is the letter kind's
(:func:`~undersigned.kinds.signon.unexpected_signatures`); what a signature proves is
``verify``'s; which copies exist and in what state is the build plan's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from ..batch.states import SIGNED_STATES, State
from ..campaign.load import load_campaign
from ..campaign.plan import Output, all_outputs
from ..errors import CampaignInvalid, UndersignedError
from ..kinds import KINDS
from .verify import Check, VerifyReport, verify_pdf

if TYPE_CHECKING:
    from ..batch.build import BuildPlan, Planned
    from ..campaign.load import LoadedCampaign


class Code(StrEnum):
    """Why a copy may not be signed or sent, as callers decide on it."""

    NOT_BUILT = "not-built"
    """Missing, stale or unknown: build it first."""
    SIGNED_STALE = "signed-stale"
    """Signed over a build from other inputs: build --resign, then sign again."""
    MODIFIED = "modified"
    """Changed since the build, or signed over bytes no build wrote."""
    DRAFT = "draft"
    """A draft is never sent."""
    SIGNATURE_FAILED = "signature-failed"
    """A signature that does not verify (broken, wrong signer, untrusted ...)."""
    IDENTITY_UNCHECKED = "identity-unchecked"
    """No trust anchor was given, so who signed was not proven."""
    NOT_AGREED = "not-agreed"
    """Signed, or to be signed, for a Member who did not agree to the letter."""
    NOT_SIGNED_YET = "not-signed-yet"
    """The letter requires every agreeing Member's signature, and one is missing."""
    NOT_A_FIELD = "not-a-field"
    """The copy has no field for that Member."""
    EMPTY_FIELDS = "empty-fields"
    """A signed copy with empty signature fields, which anyone could fill in, and which
    cannot be taken out without breaking its signatures."""
    DOCUMENT = "document"
    """Bytes after the end, active content: the document as a whole."""


@dataclass(frozen=True)
class Problem:
    """One reason, with its code, the file and (for a signature) the field."""

    code: Code
    file: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


# --- whose field is whose ----------------------------------------------------------------


def field_members(loaded: LoadedCampaign, document) -> dict[str, str]:
    """Each signature field a copy of ``document`` may have, ``sig-ID``, and the name of
    its Member as the campaign's list gives it: never the text a PDF carries."""
    listed = loaded.lists.get(document.signatories)
    if listed is None:
        return {}
    return {f"sig-{m.id}": m.display_name for m in listed.signatories}


def campaign_of(pdf: Path) -> Path | None:
    """The campaign folder that ``pdf`` is an output of: the nearest folder at most three
    levels above it holding a ``campaign.yaml``."""
    folder = Path(pdf).resolve().parent
    for candidate in [folder, *folder.parents][:4]:
        if (candidate / "campaign.yaml").is_file():
            return candidate
    return None


@dataclass
class CampaignCopy:
    """A PDF found to be one of a campaign's copies."""

    loaded: LoadedCampaign
    output: Output

    @property
    def document(self):
        return self.loaded.campaign.documents[self.output.document]


def copy_in(root: Path, pdf: Path) -> CampaignCopy | None:
    """The copy of the campaign in ``root`` that ``pdf`` is, or None when it is none."""
    try:
        loaded = load_campaign(root)
    except CampaignInvalid as exc:
        raise UndersignedError(
            f"{root / 'campaign.yaml'}: cannot check the signatures against the campaign: "
            f"it has {len(exc.problems)} problem(s) (undersigned check {root}); "
            "--no-campaign skips this check") from exc
    target = Path(pdf).resolve()
    output = next((o for o in all_outputs(loaded)
                   if (loaded.output_dir / o.pdf).resolve() == target), None)
    return None if output is None else CampaignCopy(loaded, output)


# --- signatures against the answers --------------------------------------------------------


def unexpected(document, signed_fields: list[str]) -> dict[str, str]:
    """For each signed field whose Member the answers do not show agreeing, why."""
    return KINDS[document.kind].signature_problems(document, signed_fields)


def verify_copy(pdf: Path, trust: list[Path], system_trust: bool,
                copy: CampaignCopy | None) -> VerifyReport:
    """``verify``: every signature of ``pdf`` checked against the field's Member as the
    campaign names them, the answers to the letter, and the bytes the build wrote."""
    members = field_members(copy.loaded, copy.document) if copy else None
    report = verify_pdf(pdf, trust, system_trust, members)
    if copy is None:
        return report
    refused = unexpected(copy.document, [f.field for f in report.fields if f.signed])
    for field in report.fields:
        if field.field in refused:
            field.fail(Check.NOT_AGREED, refused[field.field])
    state = _state_of(copy)
    if state == State.MODIFIED and any(f.signed for f in report.fields):
        report.problems.append("it was signed over bytes that no build of the campaign wrote "
                               "(the copy was changed after it was built)")
    elif state == State.SIGNED_STALE:
        report.problems.append("it was signed over an earlier build: the letter's inputs "
                               "changed since (undersigned build --resign makes a copy to "
                               "sign again)")
    return report


def _state_of(copy: CampaignCopy) -> State:
    from ..batch.build import plan_build

    plan = plan_build(copy.loaded.root, documents=[copy.output.document],
                      recipients=[copy.output.recipient] if copy.output.recipient else [],
                      langs=[copy.output.lang])
    return next(i.state for i in plan.items if i.output.stem == copy.output.stem)


def signature_problems(plan: BuildPlan) -> dict[str, list[Problem]]:
    """For each signed copy of a plan, the signatures its document's answers do not account
    for (a Member who declined, withdrew or never agreed), by file name."""
    from ..batch.manifest import signed_fields_of

    found: dict[str, list[Problem]] = {}
    documents = plan.loaded.campaign.documents
    for item in plan.items:
        if item.state not in SIGNED_STATES:
            continue
        fields = signed_fields_of(plan.loaded.output_dir / item.output.pdf)
        refused = unexpected(documents[item.output.document], fields)
        if refused:
            found[item.output.pdf] = [Problem(Code.NOT_AGREED, item.output.pdf, why, field)
                                      for field, why in refused.items()]
    return found


# --- who may sign ------------------------------------------------------------------------


def may_sign(copy: CampaignCopy, signatory: str) -> Problem | None:
    """Whether ``signatory`` may sign this copy: a Member the copy prints, who agreed."""
    field = f"sig-{signatory}"
    refused = unexpected(copy.document, [field])
    if field in refused:
        return Problem(Code.NOT_AGREED, copy.output.pdf, refused[field] + "; not signed",
                       field)
    printed = {s.member.id for s in KINDS[copy.document.kind].signers(copy.loaded,
                                                                       copy.document)}
    if signatory not in printed:
        return Problem(Code.NOT_A_FIELD, copy.output.pdf,
                       f"'{signatory}' does not sign this copy (it prints "
                       f"{', '.join(sorted(printed)) or 'nobody'})", field)
    return None


# --- what may be sent --------------------------------------------------------------------

_STATE_CODES = {State.SIGNED_STALE: Code.SIGNED_STALE, State.MODIFIED: Code.MODIFIED}


_EMPTY_FIELDS = ("{n} empty signature field(s) ({fields}) would go out for anyone to fill in, "
                 "and taking them out of a signed copy would break its signatures: have "
                 "them signed; or list in the letter's digital_signers only the Members who "
                 "sign electronically (build --resign gives the others no field); or set "
                 "keep_empty_signature_fields: true on the letter to send them empty")


def copy_to_send(loaded: LoadedCampaign, output: Output) -> bytes:
    """The bytes a recipient gets of a copy ``sending_problems`` let go: the built copy
    with its empty signature fields taken out (in a revision of its own, so that nobody
    can sign in a Member's name in what was sent), unless the letter keeps them."""
    from .pdf import without_empty_fields

    path = loaded.output_dir / output.pdf
    data = path.read_bytes()
    document = loaded.campaign.documents[output.document]
    if getattr(document, "keep_empty_signature_fields", True):
        return data
    return without_empty_fields(data, path)[0]


def sending_problems(plan: BuildPlan, item: Planned, signers: set[str], trust: list[Path],
                     verify_identities: bool = True) -> list[Problem]:
    """Why a copy must not go: its state, a signature that does not verify (or whose signer
    was not proven, unless ``verify_identities`` is off), a signature by a Member who did
    not agree, and, where the letter requires them, a Member who agreed and has not signed."""
    document = plan.loaded.campaign.documents[item.output.document]
    name = item.output.pdf
    if item.state not in (State.UP_TO_DATE, State.SIGNED):
        code = _STATE_CODES.get(item.state, Code.NOT_BUILT)
        how = {Code.SIGNED_STALE: "build --resign, then have it signed again",
               Code.MODIFIED: "it was changed after it was built (or signed over bytes no "
                              "build wrote); build --force makes a new copy to sign"
               }.get(code, f"build it first (undersigned build -d {item.output.document})")
        return [Problem(code, name, f"{item.state}; {how}")]
    copy = CampaignCopy(plan.loaded, item.output)
    report = verify_pdf(plan.loaded.output_dir / name, trust, False,
                        field_members(plan.loaded, document))
    problems = [Problem(Code.DOCUMENT, name, p) for p in report.problems]
    if report.appended_bytes:
        problems.append(Problem(Code.DOCUMENT, name, f"{report.appended_bytes:,} bytes after "
                                "the end of the PDF, covered by no signature"))
    if report.active_content:
        problems.append(Problem(Code.DOCUMENT, name,
                                f"active content ({', '.join(report.active_content)})"))
    signed = [f for f in report.fields if f.signed]
    refused = unexpected(copy.document, [f.field for f in signed])
    for field in signed:
        if field.field in refused:
            problems.append(Problem(Code.NOT_AGREED, name, refused[field.field], field.field))
        failed = [p for p, c in zip(field.problems, field.failed) if c is not Check.NO_ANCHOR]
        if failed:
            problems.append(Problem(Code.SIGNATURE_FAILED, name, "; ".join(failed), field.field))
        elif Check.NO_ANCHOR in field.failed and verify_identities:
            problems.append(Problem(Code.IDENTITY_UNCHECKED, name, "who signed is not proven: "
                                    "give --trust CERT (or --no-trust to send unverified)",
                                    field.field))
    empty = [f.field for f in report.fields if not f.signed]
    if signed and empty and not getattr(document, "keep_empty_signature_fields", True):
        problems.append(Problem(Code.EMPTY_FIELDS, name, _EMPTY_FIELDS.format(
            n=len(empty), fields=", ".join(empty))))
    if getattr(document, "require_digital_signatures", False):
        awaited = signers if document.digital_signers is None else set(document.digital_signers)
        missing = sorted(awaited - {f.field.removeprefix("sig-") for f in signed})
        if missing:
            problems.append(Problem(Code.NOT_SIGNED_YET, name,
                                    f"not signed yet by {', '.join(missing)}"))
    return problems
