"""A workaround for the standard library's e-mail header folding, used only where it is
needed.

Python's ``email`` folder (3.11, and later versions up to the fix of CPython issue 92081's
kin) drops the space between an ASCII word and an RFC 2047 encoded word when it folds a
long header: ``Приглашение подписать: Обращение …`` arrives as ``…подписать:Обращение``.
Long subjects in Russian are the rule here, so the Subject is encoded and folded with the
older ``email.header.Header``, which keeps every space inside its encoded words, and stored
as it is. :func:`folding_drops_spaces` probes the running Python once: where the folder
round-trips such a subject, the standard path is used and this module does nothing.
"""

from __future__ import annotations

from email import policy
from email.header import Header
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from functools import lru_cache

PROBE = "Reminder: invitation to co-sign: Обращение в защиту жертв политического преследования"


class PreFolded(str):
    """A header value already encoded and folded, to be written as it is."""


class _Policy(EmailPolicy):
    """The SMTP policy, but a :class:`PreFolded` value is stored and written unchanged."""

    def header_store_parse(self, name, value):
        if isinstance(value, PreFolded):
            return (name, str(value))
        return super().header_store_parse(name, value)


SMTP = _Policy(linesep="\r\n", refold_source="none")
"""``email.policy.SMTP`` that keeps pre-folded headers."""


@lru_cache(maxsize=1)
def folding_drops_spaces() -> bool:
    """Whether this Python's header folder loses the spaces around encoded words."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = PROBE
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    return str(parsed["Subject"]) != PROBE


def subject(text: str) -> str:
    """The Subject value to set: the text itself, or where the folder drops spaces, the text
    encoded and folded by ``email.header.Header``."""
    if text.isascii() or not folding_drops_spaces():
        return text
    folded = Header(text, "utf-8", header_name="Subject").encode(linesep="\r\n")
    return PreFolded(folded)
