"""Which letter and which Member of its signatory list a person means: the letter by id,
the Member by id, EP id or name."""

from __future__ import annotations

import re

from ..campaign.loaded import CAMPAIGN_FILE, LoadedCampaign
from ..errors import CampaignInvalid, Problem, closest, did_you_mean
from ..kinds.signon import fold
from ..model.models import Signatory, SignatoryList
from ..model.yamlfile import dotted


def sign_on_letter(loaded: LoadedCampaign, doc_id: str):
    """The letter ``doc_id`` and its signatory list; CampaignInvalid, naming the line in
    campaign.yaml, if it is not a document with a sign-on."""
    documents = loaded.campaign.documents
    source = loaded.files[CAMPAIGN_FILE]

    def refuse(loc: tuple, message: str):
        line, column = source.position(loc)
        raise CampaignInvalid([Problem(source.label, line, column, dotted(loc), message)])

    if doc_id not in documents:
        refuse(("documents",), f"there is no document '{doc_id}'{did_you_mean(doc_id, documents)} "
               f"(the documents: {', '.join(documents)})")
    document = documents[doc_id]
    if document.kind == "question":
        refuse(("documents", doc_id), "a written question has no sign-on; its authors are "
               "listed under authors")
    if getattr(document, "sign_on", None) is None:
        refuse(("documents", doc_id), f"this {document.kind} has no sign_on, so no answers "
               "to record or count")
    listed = loaded.lists.get(document.signatories)
    if listed is None:
        refuse(("documents", doc_id, "signatories"), "there is no signatory list "
               f"signatories/{document.signatories}.yaml")
    return document, listed


def find_members(listed: SignatoryList, written: str) -> list[Signatory]:
    """The Members ``written`` may name: their id (``panzeri``), their EP id (``28365``) or
    their name as "Given Family" (``Pier Antonio Panzeri``), compared without case and
    diacritics; where that names several, the one whose name it spells with its diacritics.
    More than one Member in the answer is ambiguous: the caller refuses it."""
    text = " ".join(written.split())
    key = fold(text)
    for member in listed.signatories:
        if text == member.id or key == member.id:
            return [member]
    if text.isdigit():
        for member in listed.signatories:
            if member.ep_id is not None and int(text) == member.ep_id:
                return [member]
    named = [m for m in listed.signatories if key == fold(f"{m.given} {m.family}")]
    spelled = [m for m in named if text.casefold() == f"{m.given} {m.family}".casefold()]
    return spelled if len(spelled) == 1 else named


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
