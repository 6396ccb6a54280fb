"""Writing the messages: from the campaign's mail templates (or the built-in ones) in the
reader's language, as standard ``.eml`` files (Python's ``email`` package)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from ..campaign.html import render_html
from ..campaign.loaded import LoadedCampaign
from ..campaign.plan import Output, plan_outputs
from ..errors import UndersignedError
from ..files import plain_folder, write_atomically, write_error
from ..model.signon import MailSettings
from ..render.environment import render_template
from ..render.scan import template_exists

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
    user, _, domain = email.rpartition("@")
    return Address(display_name=name or "", username=user, domain=domain)


def message(settings: MailSettings, to: Address, subject: str, text: str, html: str,
            attachments: list[tuple[str, bytes]], cc: list[Address] = ()) -> EmailMessage:
    """A multipart message: plain text and HTML, the PDFs attached; non-ASCII names and
    subjects encoded as RFC 2047 wants."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = address(settings.from_name, settings.from_address)
    msg["To"] = to
    if cc:
        msg["Cc"] = list(cc)
    if settings.reply_to:
        msg["Reply-To"] = address(settings.from_name, settings.reply_to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    msg["Message-ID"] = make_msgid(domain=settings.from_address.rpartition("@")[2])
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return msg


def write_eml(root: Path, folder: Path, name: str, msg: EmailMessage) -> Path:
    """Write ``msg`` as ``folder/name`` (relative to the campaign folder), atomically."""
    target = plain_folder(root, folder) / name
    try:
        write_atomically(target, msg.as_bytes())
    except OSError as exc:
        raise write_error(exc, target) from exc
    return target


def draft_pdfs(loaded: LoadedCampaign, doc_id: str, langs: set[str], env) -> dict[str, bytes]:
    """The letter as a draft for co-signature (every invited Member, marked, no fields),
    once per language: its first copy in that language."""
    from ..pdf.writer import layout, write_pdf

    document = loaded.campaign.documents[doc_id]
    draft = document.model_copy(update={"sign_on": document.sign_on.model_copy(
        update={"stage": "draft"})})
    campaign = loaded.campaign.model_copy(update={"documents": {
        **loaded.campaign.documents, doc_id: draft}})
    as_draft = dataclasses.replace(loaded, campaign=campaign)
    found: dict[str, bytes] = {}
    outputs: list[Output] = plan_outputs(as_draft, [doc_id], env=env)
    for lang in sorted(langs):
        output = next(o for o in outputs if o.lang == lang)
        html = render_html(as_draft, output, env)
        laid_out = layout(html, loaded.root, f"{output.label} (draft)")
        found[lang] = write_pdf(laid_out, f"{output.label} (draft)", None,
                                loaded.campaign.pdf_standard)
    return found
