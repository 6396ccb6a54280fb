"""Writing the messages: from the campaign's mail templates (or the built-in ones) in the
reader's language, as standard ``.eml`` files (Python's ``email`` package)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import os
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from ..campaign.html import render_html
from ..campaign.loaded import LoadedCampaign
from ..campaign.plan import Output, plan_outputs
from ..errors import UndersignedError
from ..files import plain_folder, write_atomically, write_error
from ..isolate.pool import Failure, run_each
from ..model.signon import MailSettings
from ..render.environment import render_template
from ..render.scan import template_exists
from . import compat

MAIL_DIR = Path("mail")
"""Where the ``.eml`` files go, inside the output folder."""


def mail_template(env, kind: str, lang: str, suffix: str) -> str:
    """``mail/KIND.LANG.SUFFIX`` (the campaign's, else the built-in one), else English."""
    name = f"mail/{kind}.{lang}.{suffix}"
    return name if template_exists(env, name) else f"mail/{kind}.en.{suffix}"


def render_mail(env, loaded: LoadedCampaign, kind: str, lang: str,
                context: dict) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a message: the text template's first line is
    ``Subject: ...``."""
    text_name = mail_template(env, kind, lang, "txt")
    text = render_template(env, text_name, context, loaded.root, f"{kind} ({lang})")
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise UndersignedError(f"templates/{text_name}: the first line must be "
                               "'Subject: ...', the message's subject")
    html = render_template(env, mail_template(env, kind, lang, "html"), context, loaded.root,
                           f"{kind} ({lang})")
    return " ".join(first.removeprefix("Subject:").split()), body.strip() + "\n", html


def address(name: str | None, email: str) -> Address:
    """A header address; a name's line breaks and control characters become spaces (a
    name in the data cannot add a header)."""
    user, _, domain = email.rpartition("@")
    shown = " ".join("".join(c if c.isprintable() else " " for c in name or "").split())
    return Address(display_name=shown, username=user, domain=domain)


@dataclass
class Mail:
    """A message, and its bytes as written to the ``.eml`` file and sent."""

    message: EmailMessage
    data: bytes

    @property
    def sender(self) -> str:
        return self.message["From"].addresses[0].addr_spec

    @property
    def recipients(self) -> list[str]:
        return [a.addr_spec for header in ("To", "Cc")
                for a in (self.message[header].addresses if self.message[header] else ())]


class Attachment:
    """A PDF attached to many messages, base64-encoded once (not once per message)."""

    def __init__(self, name: str, data: bytes):
        self.name = name
        self.token = os.urandom(12)
        self.token_text = base64.b64encode(self.token)
        self.encoded = base64.encodebytes(data).replace(b"\n", b"\r\n").rstrip(b"\r\n")


def message(settings: MailSettings, to: Address, subject: str, text: str, html: str,
            attachments: list[Attachment], cc: list[Address] = ()) -> Mail:
    """A multipart message: plain text and HTML, the PDFs attached; non-ASCII names and
    subjects encoded as RFC 2047 wants. The attachments' encoded bytes are put in place of
    a token after the rest of the message is written, so that 700 messages with the same
    draft cost one encoding of it."""
    msg = EmailMessage(policy=compat.SMTP)
    msg["From"] = address(settings.from_name, settings.from_address)
    msg["To"] = to
    if cc:
        msg["Cc"] = list(cc)
    if settings.reply_to:
        msg["Reply-To"] = address(settings.from_name, settings.reply_to)
    msg["Subject"] = compat.subject(subject)  # (long Cyrillic subjects keep their spaces)
    msg["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    msg["Message-ID"] = make_msgid(domain=settings.from_address.rpartition("@")[2])
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    for attachment in attachments:
        msg.add_attachment(attachment.token, maintype="application", subtype="pdf",
                           filename=attachment.name)
    data = msg.as_bytes()
    for attachment in attachments:
        assert data.count(attachment.token_text) == 1
        data = data.replace(attachment.token_text, attachment.encoded)
    return Mail(msg, data)


def write_eml(root: Path, folder: Path, name: str, mail: Mail) -> Path:
    """Write ``mail`` as ``folder/name`` (relative to the campaign folder), atomically."""
    target = plain_folder(root, folder) / name
    try:
        write_atomically(target, mail.data)
    except OSError as exc:
        raise write_error(exc, target) from exc
    return target


def draft_pdfs(loaded: LoadedCampaign, doc_id: str, langs: set[str], env) -> dict[str, bytes]:
    """The letter as a draft for co-signature (every invited Member, marked, no fields),
    once per language: its first copy in that language. Rendered as ``build`` renders, in
    isolated worker processes (memory cap, time limit, watchdog), languages side by side
    (up to the number of CPUs); a draft that fails stops the command with the reason."""
    document = loaded.campaign.documents[doc_id]
    draft = document.model_copy(update={"sign_on": document.sign_on.model_copy(
        update={"stage": "draft"})})
    campaign = loaded.campaign.model_copy(update={"documents": {
        **loaded.campaign.documents, doc_id: draft}})
    as_draft = dataclasses.replace(loaded, campaign=campaign, files={}, warnings=[])
    outputs: list[Output] = plan_outputs(as_draft, [doc_id], env=env)
    chosen = [next(o for o in outputs if o.lang == lang) for lang in sorted(langs)]
    results = run_each([(o.lang, _draft_pdf, (as_draft, o)) for o in chosen],
                       os.cpu_count() or 1, warm=["undersigned.mail.compose"])
    for output in chosen:
        if isinstance(results[output.lang], Failure):
            raise UndersignedError(results[output.lang].message(f"{output.stem} (draft)"))
    return {output.lang: results[output.lang] for output in chosen}


def _draft_pdf(loaded: LoadedCampaign, output: Output) -> bytes:
    from ..pdf.writer import layout, write_pdf
    from ..render.environment import make_environment

    what = f"{output.label} (draft)"
    html = render_html(loaded, output, make_environment(loaded.templates_dir))
    return write_pdf(layout(html, loaded.root, what), what, None, loaded.campaign.pdf_standard)
