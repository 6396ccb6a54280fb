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
from .record import RECORD, MailRecord, Sent
from .smtp import MailError, Refused, SmtpSession


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
        if not resend and record.sent(kind, doc_id, member.id):
            report.already.append(member.id)
        elif not member.email:
            line, _ = source.position(("signatories", index))
            report.skipped.append(f"{source.label}:{line}: {member.id}: no email address to "
                                  f"write to")
        else:
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


TITLE_GENDERS = {"ms": "female", "mrs": "female", "miss": "female", "mme": "female",
                 "frau": "female", "mr": "male", "m": "male", "herr": "male"}
"""Titles that say the grammatical gender of a greeting, when ``gender`` is not given."""


def greeting(loaded: LoadedCampaign, member, lang: str) -> str:
    """"Dear Ms Zovko," in the language's form (the catalogue's ``mail.greeting_female`` or
    ``_male``) when the Member's gender (or title) is known, else "Dear Željana Zovko,"."""
    gender = member.gender or TITLE_GENDERS.get((member.title or "").lower().rstrip("."))
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
    """Send each message over one connection, recording each as the server accepts it;
    under the records' lock, so that two runs never send the same message twice."""
    with writer_lock(plain_folder(root, RECORD.parent), kind):
        fresh = MailRecord(root)  # what another run may have sent meanwhile
        with SmtpSession(settings, password) as session:
            for n, (to, email, msg, path) in enumerate(messages, 1):
                if not resend and fresh.sent(kind, doc_id, to):
                    report.already.append(to)
                    continue
                try:
                    session.send(msg)
                except Refused as exc:
                    report.failed.append(f"{session.name}: {to}: {exc}")
                    continue
                except MailError as exc:
                    report.stopped = f"{exc}; {n - 1} of {len(messages)} sent"
                    return
                report.sent.append(fresh.add(kind, doc_id, to, email, msg.message["Message-ID"],
                                             str(path.relative_to(root))))
                if on_progress is not None:
                    on_progress(n, len(messages), to)
