"""Sign-on: whom a letter invites to co-sign, and what each Member answered.

A signatory list says who can be asked; each letter records, under ``sign_on``, the
Members it invited and their answers. Only the Members who agreed sign the final copy.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from .models import Email, Id, IsoDate, Lang, LocalText, Model


class Answer(StrEnum):
    """Where a Member stands on a letter."""

    INVITED = "invited"
    """Invited, no answer yet."""
    AGREED = "agreed"
    """Agreed to co-sign: signs the final copy."""
    DECLINED = "declined"
    """Declined: appears nowhere in the final copy."""
    WITHDRAWN = "withdrawn"
    """Agreed, then withdrew: appears nowhere in the final copy."""


class Invitation(Model):
    """One Member invited to co-sign a letter, and their answer."""

    member: Id
    """The Member's id in the letter's signatory list."""
    invited: IsoDate
    """When the Member was invited."""
    answer: Answer = Answer.INVITED
    """``invited`` (no answer yet), ``agreed``, ``declined`` or ``withdrawn``."""
    answered: IsoDate | None = None
    """When the Member answered; required with an answer."""
    wording: str | None = Field(default=None, pattern=r"^[0-9a-f]{12}$")
    """The fingerprint of the wording the Member agreed to (``undersigned respond`` records
    it); ``check`` warns when the letter's wording has changed since."""
    note: str | None = None
    """How the answer came (``by e-mail from the office``). Never printed."""

    @model_validator(mode="after")
    def _answered_on(self) -> "Invitation":
        if self.answer is Answer.INVITED and self.answered is not None:
            raise ValueError("an answer date is given but no answer; set answer: agreed, "
                             "declined or withdrawn, or remove answered")
        if self.answer is not Answer.INVITED and self.answered is None:
            raise ValueError(f"the answer '{self.answer.value}' needs its date: add "
                             "answered: YYYY-MM-DD")
        return self


class SignOn(Model):
    """A letter's sign-on: who is invited, who answered, and which copy to build."""

    stage: Literal["draft", "final"] = "draft"
    """``draft`` while collecting answers: copies show every invited Member with their
    answer, marked as a draft for co-signature, without signature fields. ``final``: copies
    carry only the Members who agreed, with signature fields."""
    order: Literal["listed", "alphabetical", "group"] = "listed"
    """The order of the signatures: as ``listed`` here, ``alphabetical`` by family name, or
    by political ``group`` (then alphabetical)."""
    deadline: IsoDate | None = None
    """The date by which Members are asked to answer."""
    members: list[Invitation] = Field(min_length=1)
    """The Members invited, each with their answer."""


class Contact(Model):
    """Someone who receives a copy of a letter by e-mail."""

    name: LocalText
    """Their name, as printed in the cc line: plain text, or per language
    (``{en: EU Delegation to Azerbaijan, fr: Délégation de l'UE en Azerbaïdjan}``)."""
    email: Email | None = None
    """Their e-mail address; ``undersigned send`` sends it one message per letter, with
    every addressee's copies."""
    language: Lang | None = None
    """The language of that message; by default the letter's first."""


class MailSettings(Model):
    """How ``invite`` and ``send`` write and send e-mail. The password is never here: it
    comes from the environment (``UNDERSIGNED_SMTP_PASSWORD``) or a prompt."""

    from_address: Email
    """The sender's address (``office@example.org``); answers come back to it."""
    from_name: str | None = None
    """The sender's name as shown in the From line."""
    reply_to: Email | None = None
    """Where answers go, if not to ``from_address``."""
    host: str | None = None
    """The SMTP server (``smtp.example.org``); ``UNDERSIGNED_SMTP_HOST`` overrides it."""
    port: int | None = Field(default=None, ge=1, le=65535)
    """The server's port; by default 587 with STARTTLS, 465 with TLS, 25 without."""
    security: Literal["starttls", "tls", "none"] = "starttls"
    """``starttls`` (the default), ``tls`` (implicit TLS) or ``none`` (only for a server on
    this machine)."""
    user: str | None = None
    """The login name, if the server asks for one; ``UNDERSIGNED_SMTP_USER`` overrides it."""
