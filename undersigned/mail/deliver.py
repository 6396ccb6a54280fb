"""``undersigned send``: each final copy of a letter e-mailed to its addressee, and one
message per cc address with every addressee's copies; never a stale, unsigned or
unverified copy, never twice."""

from __future__ import annotations

from pathlib import Path

from ..batch.build import plan_build
from ..errors import UndersignedError
from ..kinds import KINDS
from ..render.environment import make_environment
from ..signing.policy import copy_to_send, sending_problems
from .compose import (MAIL_DIR, Attachment, address, campaign_place, in_language,
                      join_names, mail_date, message, render_mail, write_eml)
from .invite import MailReport, left_out, letter_with_sign_on, mail_settings, send_all
from .journal import MailRecord, Sent

KIND = "delivery"
COPY = "copy"
"""The template of the message a cc address gets."""


def cc_id(email: str) -> str:
    """Who a cc message goes to, in the record and as its file's name (``cc-ADDRESS``: no
    recipient id has an ``@``)."""
    return f"cc-{email}"


def deliver(root: Path | str, doc_id: str, send: bool = False, resend: bool = False,
            trust: list[Path] = (), password: str | None = None,
            on_progress=None, verify_identities: bool = True) -> MailReport:
    """Write (and, with ``send``, send) one message per recipient of a final letter, with
    their copies attached, and one per cc address with all of them; refuse what must not
    go (the sign-on policy decides: :func:`~undersigned.signing.policy.sending_problems`).
    Without ``verify_identities`` the signers' certificates are not checked against a
    trust anchor. Every message is composed before any is written."""
    root = Path(root)
    plan = plan_build(root, documents=[doc_id])
    loaded = plan.loaded
    document = letter_with_sign_on(loaded, doc_id)
    settings = mail_settings(loaded)
    if document.sign_on.stage != "final":
        raise UndersignedError(f"'{doc_id}' is a draft (sign_on.stage: draft); only a final "
                               "letter is sent: set stage: final and build it")
    copies = _copies_to_send(plan, document, list(trust), verify_identities)
    report = MailReport()
    record = MailRecord(root)
    env = make_environment(loaded.templates_dir)
    attachments = {o.pdf: Attachment(o.pdf, copy_to_send(loaded, o))
                   for outputs in copies.values() for o in outputs}
    composed = []
    for recipient_id, outputs in copies.items():
        recipient = loaded.campaign.recipients[recipient_id]
        if not resend and left_out(record, report, KIND, doc_id, recipient_id):
            pass
        elif not recipient.email:
            line, _ = loaded.files["campaign.yaml"].position(("recipients", recipient_id))
            report.skipped.append(f"campaign.yaml:{line}: {recipient_id}: no email address "
                                  "to send the letter to")
        else:
            lang = outputs[0].lang
            parts = render_mail(env, loaded, KIND, lang,
                                _context(loaded, document, doc_id, recipient_id, lang))
            to = address(recipient.name.get(lang), recipient.email)
            composed.append((recipient_id, recipient.email, to, parts,
                             [attachments[o.pdf] for o in outputs]))
    composed += _cc_messages(env, loaded, document, doc_id, copies, list(attachments.values()),
                             record, resend, report)
    folder = Path(loaded.campaign.output_dir) / MAIL_DIR / "deliveries" / doc_id
    messages = []
    for to_id, email, to, (subject, text, html), attached in composed:
        msg = message(settings, to, subject, text, html, attached)
        path = write_eml(root, folder, f"{to_id}.eml", msg)
        report.written.append(path)
        messages.append((to_id, email, msg, path))
    if send and messages:
        send_all(root, settings, password, report, KIND, doc_id, messages, resend, on_progress)
    return report


def _copies_to_send(plan, document, trust: list[Path], verify_identities: bool) -> dict:
    """Recipient id -> the outputs that may go to them; an error naming every copy that
    may not (the sign-on policy decides)."""
    loaded = plan.loaded
    signers = {s.member.id for s in KINDS[document.kind].signers(loaded, document)}
    copies: dict[str, list] = {}
    problems = []
    for item in plan.items:
        found = sending_problems(plan, item, signers, trust, verify_identities)
        problems += found
        if not found:
            copies.setdefault(item.output.recipient, []).append(item.output)
    if problems:
        raise UndersignedError("not sent: " + "; ".join(map(str, problems)))
    return copies


def _common(loaded, document, doc_id: str, lang: str) -> dict:
    """What every message about the letter says, in ``lang``."""
    return {
        "lang": lang,
        "document": {"id": doc_id,
                     "subject": in_language(document.subject, lang, loaded,
                                                  ("documents", doc_id, "subject")),
                     "date": mail_date(document.date, lang)},
        "sender": {"name": in_language(loaded.campaign.sender.name, lang, loaded,
                                       ("sender", "name"))},
    }


def cc_names(loaded, document, doc_id: str, lang: str) -> list[str]:
    """The cc names in ``lang`` (a name written once is the same in every language)."""
    names = []
    for i, contact in enumerate(document.cc):
        name = contact.name.get(lang)
        if not name:
            where = campaign_place(loaded, ("documents", doc_id, "cc", i, "name"))
            raise UndersignedError(f"{where}: no '{lang}' text; a message in '{lang}' would "
                                   f"mix languages: add {lang}: … to it")
        names.append(name)
    return names


def _context(loaded, document, doc_id: str, recipient_id: str, lang: str) -> dict:
    recipient = loaded.campaign.recipients[recipient_id]
    return {
        **_common(loaded, document, doc_id, lang),
        "recipient": {"id": recipient_id, "name": recipient.name.get(lang),
                      "salutation": in_language(recipient.salutation, lang, loaded,
                                                ("recipients", recipient_id, "salutation"))},
        "cc": join_names(cc_names(loaded, document, doc_id, lang), lang),
    }


def _cc_messages(env, loaded, document, doc_id: str, copies: dict, attachments: list,
                 record: MailRecord, resend: bool, report: MailReport) -> list:
    """One message per cc address, with every addressee's copies, in the contact's
    language (by default the letter's first)."""
    composed = []
    for contact in document.cc:
        if not contact.email:
            continue
        if not resend and left_out(record, report, KIND, doc_id, cc_id(contact.email),
                                       contact.email):
            continue
        lang = contact.language or document.languages[0]
        names = [loaded.campaign.recipients[r].name.get(lang)
                 or loaded.campaign.recipients[r].name.values()[0] for r in copies]
        context = {**_common(loaded, document, doc_id, lang),
                   "recipients": join_names(names, lang)}
        parts = render_mail(env, loaded, COPY, lang, context)
        to = address(contact.name.get(lang) or contact.name.values()[0], contact.email)
        composed.append((cc_id(contact.email), contact.email, to, parts, attachments))
    return composed


def delivered(root: Path | str) -> dict[tuple[str, str], Sent]:
    """(document, recipient id) -> the last message that delivered that recipient's copies,
    as records/mail.json says: what ``status`` and ``serve`` mark as delivered."""
    return {(e.document, e.to): e for e in MailRecord(Path(root)).entries if e.kind == KIND}


def delivered_mark(sent: Sent | None) -> str:
    """``delivered 2024-03-21`` (the day the server accepted it, UTC), or nothing."""
    return f"delivered {sent.sent_at[:10]}" if sent else ""
