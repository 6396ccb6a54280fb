"""``undersigned invite``: one e-mail per Member still to answer, with the draft attached,
written as ``.eml`` files and, when asked, sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..campaign.load import load_campaign
from ..campaign.loaded import LoadedCampaign
from ..errors import UndersignedError, UsageError, did_you_mean
from ..files import plain_folder, writer_lock
from ..kinds.signon import Answer, invitations
from ..render.environment import make_environment
from .compose import (MAIL_DIR, Attachment, address, draft_pdfs, in_language, mail_date,
                      message, phrases, render_mail, write_eml)
from .journal import RECORD, MailRecord, Sent
from .smtp import MailError, PartlyRefused, Refused, SmtpSession


@dataclass
class MailReport:
    """What a run of ``invite`` or ``send`` wrote, sent, skipped and failed to send."""

    written: list[Path] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    """Who was left out because the record says they already got this message."""
    skipped: list[str] = field(default_factory=list)
    """Who could not be written to, and why (no address ...)."""
    failed: list[str] = field(default_factory=list)
    """Messages the server refused, and why."""
    stopped: str | None = None
    """Why sending stopped before the end (a lost connection)."""

    @property
    def ok(self) -> bool:
        return not (self.skipped or self.failed or self.stopped)


def letter_with_sign_on(loaded: LoadedCampaign, doc_id: str):
    """The letter ``doc_id``; UsageError for an unknown document or one without sign-on."""
    documents = loaded.campaign.documents
    if doc_id not in documents:
        raise UsageError(f"there is no document '{doc_id}' in the campaign"
                         + did_you_mean(doc_id, list(documents)))
    document = documents[doc_id]
    if getattr(document, "sign_on", None) is None:
        raise UsageError(f"'{doc_id}' is a {document.kind}, not a letter with a sign-on; a "
                         "written question has no sign-on (its authors are listed under "
                         "authors)")
    return document


def mail_settings(loaded: LoadedCampaign):
    if loaded.campaign.mail is None:
        raise UndersignedError("campaign.yaml: mail: missing; e-mail needs at least "
                               "mail: {from_address: office@example.org} (see the README, "
                               "'Collecting co-signatures')")
    return loaded.campaign.mail


def invite(root: Path | str, doc_id: str, reminder: bool = False, resend: bool = False,
           send: bool = False, members=(), password: str | None = None,
           on_progress=None) -> MailReport:
    """Write (and, with ``send``, send) an invitation, or a reminder, to each Member of the
    letter's sign-on who has not answered; never twice to the same Member unless
    ``resend``."""
    root = Path(root)
    loaded = load_campaign(root)
    document = letter_with_sign_on(loaded, doc_id)
    settings = mail_settings(loaded)
    kind = "reminder" if reminder else "invitation"
    listed = {m.id: (i, m) for i, m in enumerate(loaded.lists[document.signatories].signatories)}
    pending = [i for i in invitations(document.sign_on).values()
               if i.answer is Answer.INVITED]
    if members:
        known = {i.member for i in pending}
        for member in members:
            if member not in known:
                raise UsageError(f"'{member}' is not a Member of '{doc_id}' still to answer"
                                 + did_you_mean(member, sorted(known)))
        pending = [i for i in pending if i.member in members]
    report = MailReport()
    record = MailRecord(root)
    source = loaded.files[f"signatories/{document.signatories}.yaml"]
    chosen = []
    for invitation in pending:
        index, member = listed[invitation.member]
        if not resend and left_out(record, report, kind, doc_id, member.id):
            continue
        if not member.email:
            line, _ = source.position(("signatories", index))
            report.skipped.append(f"{source.label}:{line}: {member.id}: no email address to "
                                  f"write to")
            continue
        chosen.append(member)
    if not chosen:
        return report

    env = make_environment(loaded.templates_dir)
    language = {m.id: m.language if m.language in document.languages
                else document.languages[0] for m in chosen}
    composed = [(member, render_mail(env, loaded, kind, language[member.id],
                                     _context(loaded, document, doc_id, member,
                                              language[member.id])))
                for member in chosen]  # every message composed before anything is written
    drafts = {lang: Attachment(f"{doc_id}.draft.{lang}.pdf", data) for lang, data in
              draft_pdfs(loaded, doc_id, set(language.values()), env).items()}
    folder = Path(loaded.campaign.output_dir) / MAIL_DIR / f"{kind}s" / doc_id
    messages = []
    for member, (subject, text, html) in composed:
        msg = message(settings, address(member.name, member.email), subject, text, html,
                      [drafts[language[member.id]]])
        path = write_eml(root, folder, f"{member.id}.eml", msg)
        report.written.append(path)
        messages.append((member, msg, path))
    if send:
        send_all(root, settings, password, report, kind, doc_id,
                 [(m.id, m.email, msg, path) for m, msg, path in messages], resend, on_progress)
    return report


def greeting(loaded: LoadedCampaign, member, lang: str) -> str:
    """"Dear Ms Zovko," in the language's form (the catalogue's ``mail.greeting_female`` or
    ``_male``) when the Member's gender (or title) is known, else "Dear Željana Zovko,"."""
    gender = member.grammatical_gender
    key = f"mail.greeting_{gender}" if gender else "mail.greeting"
    return phrases(loaded, lang)(key, name=member.name, family=member.family)


def _context(loaded, document, doc_id, member, lang) -> dict:
    deadline = document.sign_on.deadline
    return {
        "lang": lang,
        "greeting": greeting(loaded, member, lang),
        "member": {"id": member.id, "name": member.name, "display_name": member.display_name,
                   "title": member.title, "family": member.family},
        "document": {"id": doc_id,
                     "subject": in_language(document.subject, lang, loaded,
                                                  ("documents", doc_id, "subject")),
                     "date": mail_date(document.date, lang),
                     "deadline": mail_date(deadline, lang) if deadline else None},
        "sender": {"name": office_name(loaded, lang)},
    }


def office_name(loaded: LoadedCampaign, lang: str) -> str:
    """Who signs invitations: the office that sends them (``mail.from_name``), else the
    letter's sender."""
    settings = loaded.campaign.mail
    if settings is not None and settings.from_name:
        return settings.from_name
    return in_language(loaded.campaign.sender.name, lang, loaded, ("sender", "name"))


def send_all(root: Path, settings, password, report: MailReport, kind: str, doc_id: str,
             messages, resend: bool, on_progress=None) -> None:
    """Send each message over one connection, journalled in the record around each
    sending (see :mod:`.record`); under the records' lock, so that two runs never send
    the same message twice."""
    with writer_lock(plain_folder(root, RECORD.parent), kind):
        fresh = MailRecord(root)  # what another run may have sent meanwhile
        with SmtpSession(settings, password) as session:
            for n, (to, email, msg, path) in enumerate(messages, 1):
                if not resend and left_out(fresh, report, kind, doc_id, to):
                    continue
                stop = _send_one(root, session, fresh, report, (kind, doc_id, to, email),
                                 msg, path)
                if stop:
                    report.stopped = f"{stop}; {len(report.sent)} of {len(messages)} sent"
                    return
                if on_progress is not None:
                    on_progress(n, len(messages), to)


def _send_one(root: Path, session: SmtpSession, record: MailRecord, report: MailReport,
              what: tuple, msg, path: Path) -> str | None:
    """Send one message between its two entries in the record; why sending must stop,
    if it must."""
    kind, doc_id, to, email = what
    try:
        entry = record.begin(kind, doc_id, to, email, msg.message["Message-ID"],
                             str(path.relative_to(root)))
    except OSError as exc:
        return f"{RECORD}: cannot be written ({_reason(exc)}); {to}'s message was not sent"
    refused = ""
    try:
        session.send(msg)
    except PartlyRefused as exc:
        refused = str(exc)
        report.failed.append(f"{session.name}: {to}: {exc}; the message went to "
                             f"{', '.join(exc.accepted)} and is recorded as sent: it is not "
                             "sent again (--resend sends it to everyone)")
    except Refused as exc:
        report.failed.append(f"{session.name}: {to}: {exc}")
        return _abandon(record, entry)
    except MailError as exc:  # no answer from the server: by SMTP's rules, not taken
        return _abandon(record, entry) or str(exc)
    try:
        report.sent.append(record.accepted(entry, refused))
    except OSError as exc:
        return (f"the server accepted {to}'s message but {RECORD} cannot be written "
                f"({_reason(exc)}): it stays marked as perhaps sent, and is not sent again "
                "without --resend")
    return None


def _abandon(record: MailRecord, entry: Sent) -> str | None:
    try:
        record.abandon(entry)
    except OSError as exc:
        return (f"{RECORD}: cannot be written ({_reason(exc)}); {entry.to}'s message, "
                "refused, stays marked as perhaps sent")
    return None


def left_out(record: MailRecord, report: MailReport, kind: str, doc_id: str,
             to: str, shown: str | None = None) -> bool:
    """Whether ``to`` already got (or may have got) this message; said in the report (as
    ``shown``, if given)."""
    entry = record.sent(kind, doc_id, to)
    if entry is None:
        return False
    if entry.uncertain:
        report.skipped.append(
            f"{shown or to}: may have been sent ({entry.sent_at}, Message-ID {entry.message_id}): "
            f"the server's answer was not recorded in {RECORD}; look for it in the sent "
            f"mail, and if it did not go, send it again with --resend")
    else:
        report.already.append(shown or to)
    return True


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
