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
from ..model import i18n
from ..model.models import LocalText, Recipient
from ..model.invitations import MailSettings
from ..isolate.pool import Failure, run_each
from ..render.environment import render_template
from . import compat

MAIL_DIR = Path("mail")
"""Where the ``.eml`` files go, inside the output folder."""


def mail_templates(loaded: LoadedCampaign, kind: str, lang: str) -> tuple[str, str]:
    """The (text, HTML) templates of a message: the campaign's ``mail/KIND.LANG.*``, else
    its ``mail/KIND.*``, else the built-in ones (which take every phrase from the
    language's catalogue). A campaign overrides both parts together, never one alone: a
    message whose HTML part stays in another language than its text is what it prevents."""
    folder = loaded.templates_dir
    for stem in (f"mail/{kind}.{lang}", f"mail/{kind}"):
        given = [suffix for suffix in ("txt", "html")
                 if folder is not None and (folder / f"{stem}.{suffix}").is_file()]
        if len(given) == 2:
            return f"{stem}.txt", f"{stem}.html"
        if given:
            other = "html" if given == ["txt"] else "txt"
            raise UndersignedError(
                f"templates/{stem}.{given[0]}: a mail template has two parts; add "
                f"templates/{stem}.{other} too (the plain text and the HTML part are "
                "overridden together, so that both speak the same language)")
    return f"builtin/mail/{kind}.txt", f"builtin/mail/{kind}.html"


def render_mail(env, loaded: LoadedCampaign, kind: str, lang: str,
                context: dict) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a message: the text template's first line is
    ``Subject: ...``. The templates' phrases come from the catalogue of ``lang``
    (``t('mail.…')``)."""
    text_name, html_name = mail_templates(loaded, kind, lang)
    context = {**context, "t": phrases(loaded, lang)}
    text = render_template(env, text_name, context, loaded.root, f"{kind} ({lang})")
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise UndersignedError(f"templates/{text_name.removeprefix('builtin/')}: the first "
                               "line must be 'Subject: ...', the message's subject")
    html = render_template(env, html_name, context, loaded.root, f"{kind} ({lang})")
    return " ".join(first.removeprefix("Subject:").split()), body.strip() + "\n", html


def phrases(loaded: LoadedCampaign, lang: str):
    """``t(key, **values)`` for mail templates: a phrase of the ``lang`` catalogue; one
    still marked for translation is an error (it would put English in the message)."""
    catalogue = loaded.catalogues.get(lang)
    if catalogue is None:
        raise UndersignedError(f"there is no '{lang}' catalogue: mail in '{lang}' needs "
                               f"catalogues/{lang}.yaml with the mail phrases (undersigned "
                               "catalogue writes a starter)")

    def t(key: str, **values) -> str:
        text = catalogue.phrase(key, **values)
        if catalogue.phrases[key].startswith(i18n.TRANSLATE_MARK):
            label, line, column = catalogue.where[key]
            raise UndersignedError(f"{label}:{line}:{column}: {key}: still to translate; "
                                   f"a message in '{lang}' would carry English")
        return text
    return t


def in_language(value: LocalText | None, lang: str, loaded: LoadedCampaign,
                loc: tuple) -> str:
    """The text of ``value`` (at ``loc`` in campaign.yaml) in ``lang`` for a message in
    ``lang``; an error when it has none or is written in another script (a Cyrillic
    subject in a French message)."""
    text = None if value is None else value.get(lang)
    where = campaign_place(loaded, loc, lang)
    if not text:
        raise UndersignedError(f"{where}: no '{lang}' text; a message in '{lang}' would "
                               f"mix languages: add {lang}: … to it")
    script = i18n.script_of_text(text)
    if script is not None and script != i18n.script_of_language(lang):
        raise UndersignedError(f"{where}: '{text}' is not written in the script of '{lang}' "
                               f"({script}); a message in '{lang}' would mix languages: "
                               f"give its {lang} text")
    return text


def campaign_place(loaded: LoadedCampaign, loc: tuple, lang: str | None = None) -> str:
    """``campaign.yaml:LINE:COLUMN: dotted.path`` of a value of the campaign file (at its
    ``lang`` text, where it has one)."""
    line, column = loaded.files["campaign.yaml"].position(loc + ((lang,) if lang else ()))
    path = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in loc).lstrip(".")
    return f"campaign.yaml:{line}:{column}: {path}"


def mail_date(value, lang: str) -> str:
    """A date as the message's language writes it, with ordinary spaces."""
    return i18n.format_date(value, lang).replace("\u00a0", " ")


def join_names(names: list[str], lang: str) -> str:
    """``A, B and C`` as ``lang`` writes a list (``A、B和C`` in Chinese)."""
    from babel.lists import format_list

    return format_list(list(names), locale=i18n.BABEL_LOCALES.get(lang, lang)) if names else ""


def address(name: str | None, email: str) -> Address:
    """A header address; a name's line breaks and control characters become spaces (a
    name in the data cannot add a header); a non-ASCII domain in its IDNA form."""
    user, _, domain = email.rpartition("@")
    if not domain.isascii():
        domain = domain.encode("idna").decode("ascii")  # the model checked it encodes
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
    as_draft = neutral_draft(loaded, doc_id, sorted(langs))
    outputs: list[Output] = plan_outputs(as_draft, [doc_id], env=env)
    chosen = [next(o for o in outputs if o.lang == lang) for lang in sorted(langs)]
    results = run_each([(o.lang, _draft_pdf, (as_draft, o)) for o in chosen],
                       os.cpu_count() or 1, warm=["undersigned.mail.compose"])
    for output in chosen:
        if isinstance(results[output.lang], Failure):
            raise UndersignedError(results[output.lang].message(f"{output.stem} (draft)"))
    return {output.lang: results[output.lang] for output in chosen}


DRAFT_ADDRESSEE = "addressee"
"""The id of the neutral addressee a draft for co-signature is written to."""


def neutral_draft(loaded: LoadedCampaign, doc_id: str, langs: list[str]) -> LoadedCampaign:
    """The campaign with ``doc_id`` as a draft addressed to no one in particular: one copy
    per language, whose address and salutation are the catalogue's placeholders
    (``[Addressee]``, ``[Salutation]``), so that no Member reads another office's name as
    the addressee of what they co-sign."""
    document = loaded.campaign.documents[doc_id]
    first = document.recipients[0]
    placeholder = {key: LocalText({lang: phrases(loaded, lang)(f"mail.draft_{key}")
                                   for lang in langs}) for key in ("addressee", "salutation")}
    addressee = Recipient(name=placeholder["addressee"], salutation=placeholder["salutation"])
    copy = first.model_copy(update={
        "recipient": DRAFT_ADDRESSEE, "salutation": None, "complimentary_close": None,
        "languages": langs, "additions": None, "intro": None})
    draft = document.model_copy(update={"recipients": [copy], "sign_on": document.sign_on
                                        .model_copy(update={"stage": "draft"})})
    campaign = loaded.campaign.model_copy(update={
        "documents": {**loaded.campaign.documents, doc_id: draft},
        "recipients": {**loaded.campaign.recipients, DRAFT_ADDRESSEE: addressee}})
    return dataclasses.replace(loaded, campaign=campaign, files={}, warnings=[])


def _draft_pdf(loaded: LoadedCampaign, output: Output) -> bytes:
    from ..pdf.writer import layout, write_pdf
    from ..render.environment import make_environment

    what = f"{output.label} (draft)"
    html = render_html(loaded, output, make_environment(loaded.templates_dir))
    return write_pdf(layout(html, loaded.root, what), what, None, loaded.campaign.pdf_standard)
