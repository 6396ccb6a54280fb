"""``undersigned send``: each final copy of a letter e-mailed to its addressee, with the
copies (cc) the letter lists; never a stale, unsigned or unverified copy, never twice."""

from __future__ import annotations

from pathlib import Path

from ..batch.build import plan_build
from ..errors import UndersignedError
from ..kinds import KINDS
from ..model import i18n
from ..render.environment import make_environment
from ..signing.policy import sending_problems
from .compose import MAIL_DIR, Attachment, address, message, render_mail, write_eml
from .invite import MailReport, left_out, letter_with_sign_on, mail_settings, send_all
from .record import MailRecord

KIND = "delivery"


def deliver(root: Path | str, doc_id: str, send: bool = False, resend: bool = False,
            trust: list[Path] = (), password: str | None = None,
            on_progress=None, verify_identities: bool = True) -> MailReport:
    """Write (and, with ``send``, send) one message per recipient of a final letter, with
    their copies attached; refuse what must not go (the sign-on policy decides:
    :func:`~undersigned.signing.policy.sending_problems`). Without ``verify_identities``
    the signers' certificates are not checked against a trust anchor."""
    root = Path(root)
    plan = plan_build(root, documents=[doc_id])
    loaded = plan.loaded
    document = letter_with_sign_on(loaded, doc_id)
    settings = mail_settings(loaded)
    if document.sign_on.stage != "final":
        raise UndersignedError(f"'{doc_id}' is a draft (sign_on.stage: draft); only a final "
                               "letter is sent: set stage: final and build it")
    kind = KINDS[document.kind]
    signers = {s.member.id for s in kind.signers(loaded, document)}
    copies: dict[str, list] = {}
    problems = []
    for item in plan.items:
        found = sending_problems(plan, item, signers, list(trust), verify_identities)
        problems += found
        if not found:
            copies.setdefault(item.output.recipient, []).append(item.output)
    if problems:
        raise UndersignedError("not sent: " + "; ".join(map(str, problems)))

    report = MailReport()
    record = MailRecord(root)
    env = make_environment(loaded.templates_dir)
    cc = [address(c.name, c.email) for c in document.cc if c.email]
    folder = Path(loaded.campaign.output_dir) / MAIL_DIR / "deliveries" / doc_id
    messages = []
    for recipient_id, outputs in copies.items():
        recipient = loaded.campaign.recipients[recipient_id]
        if not resend and left_out(record, report, KIND, doc_id, recipient_id):
            continue
        if not recipient.email:
            source = loaded.files["campaign.yaml"]
            line, _ = source.position(("recipients", recipient_id))
            report.skipped.append(f"campaign.yaml:{line}: {recipient_id}: no email address "
                                  "to send the letter to")
            continue
        lang = outputs[0].lang
        context = {
            "lang": lang,
            "recipient": {"id": recipient_id, "name": recipient.name.get(lang),
                          "salutation": recipient.salutation.get(lang)},
            "document": {"id": doc_id, "subject": document.subject.get(lang),
                         "date": i18n.format_date(document.date, lang).replace("\u00a0", " ")},
            "sender": {"name": loaded.campaign.sender.name.get(lang)},
            "cc": [c.name for c in document.cc],
        }
        subject, text, html = render_mail(env, loaded, KIND, lang, context)
        attachments = [Attachment(o.pdf, (loaded.output_dir / o.pdf).read_bytes())
                       for o in outputs]
        msg = message(settings, address(recipient.name.get(lang), recipient.email), subject,
                      text, html, attachments, cc)
        path = write_eml(root, folder, f"{recipient_id}.eml", msg)
        report.written.append(path)
        messages.append((recipient_id, recipient.email, msg, path))
    if send and messages:
        send_all(root, settings, password, report, KIND, doc_id, messages, resend, on_progress)
    return report
