"""The letter: from the signatories to one or more recipients, a copy per recipient and language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, StrictBool, ValidationInfo, field_validator

from ..model.models import DocumentBase, Id, Lang, LocalText, Model, Recipient
from ..model.invitations import Answer, Contact, SignOn
from ..model import i18n
from ..model.i18n import fill
from ..render.filters import markdown, markdown_inline
from ..render.typography import typeset
from .base import Copy, DocumentKind, Input, TextField, local_fields
from .signon import Signer, check_sign_on, signers, unexpected_signatures

if TYPE_CHECKING:  # the layers above pass these in: kinds name them by protocol
    from .needs import Campaign, Checker, LoadedCampaign, Output


def _copy_from_id(value: Any) -> Any:
    return {"recipient": value} if isinstance(value, str) else value


class RecipientCopy(Model):
    """One recipient of a letter, with what is different in their copy."""

    recipient: Id
    """The recipient's id under ``recipients:``."""
    salutation: LocalText | None = None
    """Replaces the recipient's salutation in this letter."""
    complimentary_close: LocalText | None = None
    """Replaces the recipient's complimentary close in this letter."""
    languages: list[Lang] | None = None
    """Replaces the languages of this recipient's copies of this letter."""
    intro: LocalText | None = None
    """Replaces the letter's opening paragraphs (Markdown)."""
    additions: LocalText | None = None
    """Markdown paragraphs added after the cases in this copy."""
    template: str | None = None
    """A template variant for this copy."""


class Letter(DocumentBase):
    """A letter from the signatories to one or more recipients."""

    not_printed: ClassVar[frozenset[str]] = frozenset({"require_digital_signatures",
                                                       "keep_empty_signature_fields"})
    """Settings that decide what ``send`` does, not what a copy prints: changing one leaves
    the built and signed copies as they are."""
    missing_hints: ClassVar[dict[str, str]] = {"sign_on": (
        "a letter records whom it invites to co-sign and their answers: sign_on: {stage: "
        "draft, members: [{member: ID, invited: YYYY-MM-DD}]} (see the README, 'Collecting "
        "co-signatures')")}

    kind: Literal["letter"]
    """``letter``."""
    place: LocalText
    """Where it is written (``Brussels``)."""
    reference: str | None = None
    """Reference printed at the top and in the footer."""
    subject: LocalText
    """The subject line."""
    recipients: list[Annotated[RecipientCopy, BeforeValidator(_copy_from_id)]] = Field(min_length=1)
    """Recipient ids, or mappings with a ``recipient`` id and what differs in that copy;
    ``{table: ID}`` stands for every row of a recipient table (with what differs in those
    copies, if anything)."""
    intro: LocalText
    """Opening paragraphs (Markdown)."""
    case_text: Literal["summary", "facts"] = "summary"
    """Which text of each case the letter prints: the ``summary`` or the full ``facts``."""
    requests: list[LocalText] = []
    """What the signatories ask for, one item each."""
    closing: LocalText | None = None
    """A closing paragraph before the complimentary close (Markdown)."""
    sign_on: SignOn
    """The Members invited to co-sign, their answers, and whether to build the draft or the
    final copy."""
    cc: list[Contact] = []
    """Who receives a copy: printed under the signatures, and copied in by ``send``."""
    require_digital_signatures: StrictBool = False
    """``send`` e-mails a final copy only once every Member who agreed has signed it
    digitally and every signature verifies."""
    signature_fields: StrictBool = True
    """Give each signatory an empty PDF signature field over their signing space, to sign
    electronically (``undersigned sign`` or any PDF reader); false for paper only."""
    digital_signers: list[Id] | None = None
    """The Members who sign electronically, by id: only they get a signature field (and,
    with ``require_digital_signatures``, only their signatures are awaited). By default
    every Member who agreed gets one."""
    keep_empty_signature_fields: StrictBool = False
    """``send`` takes the empty signature fields out of an unsigned copy, and refuses a signed
    copy that still has some, since anyone could sign there in a Member's name; true sends
    them as they are."""


    @field_validator("recipients", mode="before")
    @classmethod
    def _rows_of_tables(cls, value: Any, info: ValidationInfo) -> Any:
        """``{table: ID}`` becomes a copy per row of that table, in the table's order."""
        if not isinstance(value, list):
            return value
        tables = (info.context or {}).get("recipient_tables", {})
        copies = []
        for item in value:
            if isinstance(item, dict) and "table" in item and "recipient" not in item:
                rows = tables.get(item["table"])
                if rows is None:
                    raise ValueError(f"there is no recipient table '{item['table']}' under "
                                     "recipient_tables: in the campaign file"
                                     + (f" (tables: {', '.join(tables)})" if tables else ""))
                rest = {k: v for k, v in item.items() if k != "table"}
                copies += [{"recipient": row_id, **rest} for row_id in rows]
            else:
                copies.append(item)
        return copies


class LetterKind(DocumentKind):
    """A copy per recipient and language, with the sender's letterhead and signature boxes."""

    name = "letter"
    noun, plural = "letter", "letters"
    model = Letter
    default_template = "letter.html"

    def copies(self, campaign: Campaign, doc_id: str, document: Letter) -> Iterator[Copy]:
        loc = ("documents", doc_id)
        for i, copy in enumerate(document.recipients):
            recipient = campaign.recipients.get(copy.recipient)
            if copy.template:
                template, where = copy.template, loc + ("recipients", i, "template")
            elif recipient is not None and recipient.template:
                template, where = recipient.template, ("recipients", copy.recipient, "template")
            else:
                template, where = self.template_of(document, loc)
            for lang in _copy_languages(campaign, document, copy):
                yield Copy(copy.recipient, lang, template, where, i)

    def printed_languages(self, campaign: Campaign, document: Letter) -> list[str]:
        # A letter is printed in its copies' languages.
        return sorted({lang for copy in document.recipients
                       for lang in _copy_languages(campaign, document, copy)})

    def languages(self, campaign: Campaign, document: Letter, loc: tuple) -> Iterator[tuple]:
        yield from super().languages(campaign, document, loc)
        for i, copy in enumerate(document.recipients):
            for j, lang in enumerate(copy.languages or []):
                yield loc + ("recipients", i, "languages", j), lang
            recipient = campaign.recipients.get(copy.recipient)
            for j, lang in enumerate((recipient and recipient.languages) or []):
                yield ("recipients", copy.recipient, "languages", j), lang

    def check_references(self, checker: Checker, doc_id: str, document: Letter,
                         loc: tuple) -> None:
        checker.duplicates(loc + ("recipients",), [c.recipient for c in document.recipients],
                           "recipient", "; each copy needs a file name of its own")
        recipients = checker.loaded.campaign.recipients
        for i, copy in enumerate(document.recipients):
            if copy.recipient not in recipients:
                data = checker.campaign_file.data["documents"][doc_id]["recipients"][i]
                where = loc + ("recipients", i) + (() if isinstance(data, str) else ("recipient",))
                checker.missing(where, "recipient", copy.recipient, recipients,
                                "recipients: in campaign.yaml")

    def check(self, checker: Checker, doc_id: str, document: Letter, loc: tuple) -> None:
        """Recipients' languages are the document's; the date lies in the list's term."""
        campaign = checker.loaded.campaign
        produced = set(document.languages)
        for i, copy in enumerate(document.recipients):
            recipient = campaign.recipients.get(copy.recipient)
            asked = [(loc + ("recipients", i, "languages"), copy.languages),
                     (("recipients", copy.recipient, "languages"),
                      None if copy.languages else recipient and recipient.languages)]
            for where, langs in asked:
                for j, lang in enumerate(langs or []):
                    if lang not in produced:
                        checker.add(checker.campaign_file, where + (j,), f"the document "
                                    f"'{doc_id}' is not produced in '{lang}' (its languages: "
                                    f"{', '.join(document.languages)}); add '{lang}' to its "
                                    "languages, or remove it here")
        check_sign_on(checker, doc_id, document, loc)
        agreed = {i.member for i in document.sign_on.members if i.answer is Answer.AGREED}
        for i, member in enumerate(document.digital_signers or []):
            if member not in agreed:
                checker.add(checker.campaign_file, loc + ("digital_signers", i), f"'{member}' "
                            f"has not agreed to sign '{doc_id}' (sign_on), so has no signature "
                            "field to sign in; remove them here, or record their answer")
        signatories = checker.loaded.lists.get(document.signatories)
        term = signatories.parliamentary_term() if signatories is not None else None
        if term is not None and not term.covers(document.date):
            checker.add(checker.campaign_file, loc + ("date",), f"{document.date} is not in "
                        f"term {term.number} ({term.start} to {term.end or 'today'}), the term "
                        f"of its signatory list '{document.signatories}'")

    def texts(self, checker: Checker, doc_id: str, document: Letter, loc: tuple,
              langs: list[str]) -> Iterator[TextField]:
        loaded, cf = checker.loaded, checker.campaign_file
        campaign = loaded.campaign
        yield from local_fields(cf, ("sender",), campaign.sender, langs)
        for i, copy in enumerate(document.recipients):
            needed = _copy_languages(campaign, document, copy)
            yield from local_fields(cf, loc + ("recipients", i), copy, needed)
            recipient = campaign.recipients.get(copy.recipient)
            if recipient is not None:
                yield from local_fields(loaded.source_of(("recipients", copy.recipient)),
                                        ("recipients", copy.recipient), recipient, needed)
        case_field = document.case_text
        for case_id in document.cases:
            case = loaded.cases.get(case_id)
            if case is None:
                continue
            source = loaded.files[f"cases/{case_id}.yaml"]
            for name in (case_field, "region", "sentence", "detention"):
                value = getattr(case, name)
                if value is None and name == case_field:
                    checker.add(source, (name,), f"missing; the letter '{doc_id}' prints each "
                                f"case's {name}")
                elif value is not None:
                    yield source, (name,), value, langs

    def context(self, context: dict, loaded: LoadedCampaign, document: Letter,
                output: Output) -> None:
        campaign, lang = loaded.campaign, output.lang

        def local(value: LocalText | None) -> str | None:
            return None if value is None else typeset(value.get(lang), lang)

        copy = document.recipients[output.copy_index]
        recipient = campaign.recipients[copy.recipient]
        sender = campaign.sender
        additions = [a for a in (recipient.additions, copy.additions) if a is not None]
        context["document"].update({
            "place": local(document.place),
            "reference": document.reference,
            "intro": markdown(local(copy.intro or document.intro), lang),
            "case_text": document.case_text,
            "requests": [markdown_inline(local(r), lang) for r in document.requests],
            "closing": markdown(local(document.closing), lang),
            "additions": [markdown(local(a), lang) for a in additions],
            "draft": document.sign_on.stage == "draft",
            "deadline": (i18n.format_date(document.sign_on.deadline, lang)
                         if document.sign_on.deadline else None),
            "cc": [local(c.name) for c in document.cc],
        })
        if document.sign_on.stage == "draft":
            for signatory in context["signatories"]:
                signatory["signature_image"] = None  # a draft is not signed
        parts = {"style": local(recipient.style), "honorific": local(recipient.honorific),
                 "name": local(recipient.name), "position": local(recipient.position)}
        context["recipient"] = {
            "id": copy.recipient,
            **parts,
            "heading": recipient_heading(context["t"]("recipient_block"), parts),
            "organisation": local(recipient.organisation),
            "address": [local(line) for line in recipient.address],
            "salutation": local(copy.salutation or recipient.salutation),
            "complimentary_close": local(copy.complimentary_close
                                         or recipient.complimentary_close)
                                   or _default_close(context["t"], recipient, local(
                                       copy.salutation or recipient.salutation)),
        }
        logo = (loaded.root / sender.logo).resolve().as_uri() if sender.logo else None
        context["sender"] = {
            "name": local(sender.name),
            "lines": [local(line) for line in sender.lines],
            "logo": logo,
            "logo_alt": local(sender.logo_alt) or local(sender.name),
        }

    def inputs(self, loaded: LoadedCampaign, document: Letter, output: Output) -> list[Input]:
        sender = loaded.campaign.sender
        return [Input(("sender",), sender, (sender.logo,) if sender.logo else ()),
                Input(("recipient", output.recipient),
                      loaded.campaign.recipients[output.recipient])]

    def copy_models(self, loaded: LoadedCampaign, document: Letter, output: Output) -> list:
        copy = document.recipients[output.copy_index]
        return [copy, loaded.campaign.recipients[copy.recipient]]

    def finisher(self, loaded: LoadedCampaign, document: Letter, output: Output, laid_out):
        """Signature fields for a letter that wants them, placed from its layout."""
        from ..pdf.fields import fields_finisher, signature_fields

        if not document.signature_fields:
            return None
        if document.sign_on.stage == "draft":
            return None  # a draft is not signed
        tooltips = {f"sig-{s.member.id}": f"Signature of {s.member.display_name}"
                    for s in self.signers(loaded, document) if document.digital_signers is None
                    or s.member.id in document.digital_signers}
        return fields_finisher(signature_fields(laid_out, tooltips))

    def signature_problems(self, document: Letter, signed_fields: list[str]) -> dict[str, str]:
        """A signature by a Member who declined, withdrew or has not agreed."""
        return unexpected_signatures(document.sign_on, signed_fields)

    def signers(self, loaded: LoadedCampaign, document: Letter,
                draft: bool | None = None) -> list[Signer]:
        """Those who agreed, in a final copy; every invited Member in a draft."""
        return signers(loaded, document.sign_on, document.signatories, draft)

    def metadata(self, context: dict) -> tuple[str, list[str]]:
        title, authors = super().metadata(context)
        if context["document"]["draft"]:
            title = f"{context['t']('draft.title')}: {title}"
        return title, authors


def recipient_heading(order: str, parts: dict[str, str | None]) -> list[dict]:
    """The first lines of the address, in the order the language's protocol wants
    (``order`` is the catalogue's ``recipient_block``: a line per line, with the
    placeholders {style}, {honorific}, {name} and {position}); lines left empty are
    dropped, and the line with the name is marked to be set in bold."""
    lines = []
    for pattern in order.splitlines():
        text = fill(pattern, {k: v or "" for k, v in parts.items()}, "the phrase "
                    "'recipient_block'")
        text = re.sub(r" {2,}", " ", text).strip(" ")  # only ASCII spaces: no-break ones stay
        if text:
            lines.append({"text": text, "name": "{name}" in pattern})
    return lines


def _copy_languages(campaign: Campaign, document: Letter, copy: RecipientCopy) -> list[str]:
    """The languages of a recipient's copies: theirs, among those the document is produced
    in (``check`` reports the others)."""
    recipient = campaign.recipients.get(copy.recipient)
    asked = copy.languages or (recipient and recipient.languages)
    if not asked:
        return list(document.languages)
    return [lang for lang in asked if lang in document.languages]


KIND = LetterKind()


def _default_close(t, recipient: Recipient, salutation: str) -> str:
    """The catalogue's close: to a head of state the higher one, which may repeat the
    salutation's form of address ("Monsieur le Président")."""
    if recipient.head_of_state:
        return t("yours_sincerely_head_of_state", address=salutation.rstrip(" ,!:;\u00a0"))
    return t("yours_sincerely")
