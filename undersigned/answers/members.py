"""Which Member of a signatory list a person means: by id, EP id or name."""

from __future__ import annotations

import re

from ..errors import closest
from ..kinds.signon import fold
from ..model.models import Signatory, SignatoryList


def find_member(listed: SignatoryList, written: str) -> Signatory | None:
    """The Member ``written`` names: their id (``panzeri``), their EP id (``28365``) or
    their name as "Given Family" (``Pier Antonio Panzeri``), compared without case and
    diacritics; None if none is."""
    text = " ".join(written.split())
    key = fold(text)
    for member in listed.signatories:
        if text == member.id or key == member.id:
            return member
    if text.isdigit():
        for member in listed.signatories:
            if member.ep_id is not None and int(text) == member.ep_id:
                return member
    for member in listed.signatories:
        if key == fold(f"{member.given} {member.family}"):
            return member
    return None


def suggest_member(listed: SignatoryList, written: str) -> str:
    """A ``; did you mean 'id' (Name)?`` hint for a mistyped id or name, or ''."""
    by_key: dict[str, Signatory] = {}
    for member in listed.signatories:
        by_key.setdefault(member.id, member)
        by_key.setdefault(fold(f"{member.given} {member.family}"), member)
        by_key.setdefault(fold(member.family), member)
    match = closest(re.sub(r"\s+", " ", fold(written)).strip(), list(by_key))
    if match is None:
        return ""
    member = by_key[match]
    return f"; did you mean '{member.id}' ({member.given} {member.family})?"
