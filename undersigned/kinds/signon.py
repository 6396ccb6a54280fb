"""Who signs a letter, decided once, and the wording the Members agree to.

Only the Members who ``agreed`` sign a final copy; a draft shows every invited Member
with their answer. The context, the PDF's signature fields and metadata, the manifest,
``signatures``, ``invite``, ``verify`` and ``send`` all ask :func:`signers`.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FileRefused, did_you_mean
from ..files import plain_folder, read_regular, write_atomically
from ..model.models import Signatory
from ..model.invitations import Answer, Invitation, SignOn

if TYPE_CHECKING:  # the layers above pass these in: kinds name them by protocol
    from .needs import Checker, LoadedCampaign

WORDINGS_DIR = Path("records") / "wordings"
"""Where the wording each Member agreed to is kept, relative to the campaign folder:
``records/wordings/DOC/FINGERPRINT.txt``; ``check`` shows what changed since."""
WORDING_LIMIT = 4 * 1024 * 1024


@dataclass(frozen=True)
class Signer:
    """A Member as a copy prints them: who, and their answer (none outside a sign-on)."""

    member: Signatory
    invitation: Invitation | None = None

    @property
    def answer(self) -> Answer:
        return self.invitation.answer if self.invitation else Answer.AGREED


def invitations(sign_on: SignOn) -> dict[str, Invitation]:
    """Each invited Member's invitation, by id (the first where ``check`` reports a second)."""
    found: dict[str, Invitation] = {}
    for invitation in sign_on.members:
        found.setdefault(invitation.member, invitation)
    return found


def signers(loaded: LoadedCampaign, sign_on: SignOn, list_id: str,
            draft: bool | None = None) -> list[Signer]:
    """The Members a copy prints: in a final copy those who agreed, in a draft every invited
    Member; in the order the sign-on asks for. Ids not in the list are left out (``check``
    reports them)."""
    draft = sign_on.stage == "draft" if draft is None else draft
    signatories = loaded.lists[list_id]
    by_id = {m.id: m for m in signatories.signatories}
    chosen = [Signer(by_id[i.member], i) for i in invitations(sign_on).values()
              if i.member in by_id and (draft or i.answer is Answer.AGREED)]
    if sign_on.order == "alphabetical":
        chosen.sort(key=lambda s: _sort_name(s.member))
    elif sign_on.order == "group":
        term = signatories.parliamentary_term()
        rank = {g: n for n, g in enumerate(term.group_acronyms())} if term else {}

        def group_rank(member: Signatory) -> int:
            group = term.group(member.group) if term else None
            return rank.get(group.ep, len(rank)) if group else len(rank)

        chosen.sort(key=lambda s: (group_rank(s.member), _sort_name(s.member)))
    return chosen


def _sort_name(member: Signatory) -> tuple[str, str]:
    return fold(member.family), fold(member.given)


def fold(text: str) -> str:
    """Without case and diacritics: ``Sánchez`` and ``SANCHEZ`` fold alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# --- the wording Members agree to -----------------------------------------------------


def wording(loaded: LoadedCampaign, doc_id: str) -> str:
    """What co-signatories of a letter agree to: everything its copies print but the
    Members' names and answers. First its texts in every language (subject, opening,
    cases, requests, closing, each recipient's additions), then the rest of what prints:
    the document's other fields (recipients, cc, dates ...), its cases' facts (names,
    dates, places), the catalogue's phrases in its languages, and the source of the
    templates its copies are rendered from (not the templates those include)."""
    document = loaded.campaign.documents[doc_id]
    parts: list[str] = []
    for lang in document.languages:
        def text(value) -> str | None:
            return None if value is None else value.get(lang)

        section = [("subject", text(document.subject)), ("intro", text(document.intro))]
        for case_id in document.cases:
            case = loaded.cases.get(case_id)
            if case is not None:
                section.append((f"case {case_id}", text(getattr(case, document.case_text))))
        section += [(f"request {n}", text(r)) for n, r in enumerate(document.requests, 1)]
        section.append(("closing", text(document.closing)))
        for copy in document.recipients:
            recipient = loaded.campaign.recipients.get(copy.recipient)
            section.append((f"intro for {copy.recipient}", text(copy.intro)))
            for addition in (recipient and recipient.additions, copy.additions):
                section.append((f"addition for {copy.recipient}", text(addition)))
        parts.append(f"[{lang}]")
        parts += [f"{name}: {' '.join(value.split())}" for name, value in section if value]
    return "\n".join(parts + _also_printed(loaded, document)) + "\n"


def _also_printed(loaded: LoadedCampaign, document) -> list[str]:
    """The rest of what a letter's copies print, one line per fact, so that a change shows
    in the word diff as the line that changed."""
    import json

    from ..resources import TEMPLATES_DIR

    def line(label: str, value) -> str:
        return f"{label}: {json.dumps(value, sort_keys=True, ensure_ascii=False)}"

    lines = ["[also printed]", line("document", document.model_dump(
        mode="json", exclude={"sign_on"}))]
    for case_id in document.cases:
        case = loaded.cases.get(case_id)
        if case is not None:
            lines.append(line(f"facts of {case_id}", case.model_dump(mode="json")))
    for copy in document.recipients:
        recipient = loaded.campaign.recipients.get(copy.recipient)
        if recipient is not None:
            lines.append(line(f"recipient {copy.recipient}", recipient.model_dump(mode="json")))
    for lang in document.languages:
        catalogue = loaded.catalogues.get(lang)
        for key, phrase in sorted(catalogue.phrases.items()) if catalogue else ():
            lines.append(f"phrase {lang} {key}: {' '.join(phrase.split())}")
    templates = {document.template} if getattr(document, "template", None) else {"letter.html"}
    templates |= {c.template for c in document.recipients if getattr(c, "template", None)}
    templates |= {r.template for r in map(loaded.campaign.recipients.get,
                                          (c.recipient for c in document.recipients))
                  if r is not None and getattr(r, "template", None)}
    for name in sorted(templates):
        for folder in (loaded.root / "templates", TEMPLATES_DIR):
            if (folder / name).is_file():
                source = (folder / name).read_text(encoding="utf-8", errors="replace")
                lines.append(f"template {name}: {' '.join(source.split())}")
                break
    return lines


def fingerprint(text: str) -> str:
    """The short fingerprint recorded with an agreement."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def wording_path(root: Path, doc_id: str, digest: str) -> Path:
    return root / WORDINGS_DIR / doc_id / f"{digest}.txt"


def keep_wording(root: Path, doc_id: str, text: str) -> str:
    """Keep the wording (once per fingerprint) so that a later change can be shown; return
    its fingerprint. The folders on the way must be real folders of the campaign."""
    digest = fingerprint(text)
    path = plain_folder(root, WORDINGS_DIR / doc_id) / f"{digest}.txt"
    if not os.path.lexists(path):
        write_atomically(path, text.encode())
    return digest


def _kept_wording(root: Path, doc_id: str, digest: str) -> str:
    """The text of a kept wording, read without following links."""
    folder = plain_folder(root, WORDINGS_DIR / doc_id, create=False)
    shown = WORDINGS_DIR / doc_id / f"{digest}.txt"
    return read_regular(folder / f"{digest}.txt", WORDING_LIMIT, str(shown)).decode()


def word_diff(old: str, new: str, limit: int = 6) -> str:
    """What changed, word by word: ``[-old words-]{+new words+}`` with a little context,
    at most ``limit`` changes."""
    a, b = re.findall(r"\S+", old), re.findall(r"\S+", new)
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        before = " ".join(a[max(0, i1 - 3):i1])
        after = " ".join(a[i2:i2 + 3])
        removed = f"[-{' '.join(a[i1:i2])}-]" if i2 > i1 else ""
        added = f"{{+{' '.join(b[j1:j2])}+}}" if j2 > j1 else ""
        changes.append(f"…{before} {removed}{added} {after}…".replace("… ", "…")
                       .replace(" …", "…"))
    shown = changes[:limit]
    if len(changes) > limit:
        shown.append(f"and {len(changes) - limit} more changes")
    return "; ".join(shown)


# --- check ---------------------------------------------------------------------------


def check_sign_on(checker: Checker, doc_id: str, document, loc: tuple) -> None:
    """Strict about the answers: ids in the list, each Member once, answers after the
    invitation, somebody agreed before a final copy, and consent to the current wording."""
    sign_on: SignOn = document.sign_on
    cf, add = checker.campaign_file, checker.add
    loc = loc + ("sign_on",)
    listed = checker.loaded.lists.get(document.signatories)
    ids = [m.id for m in listed.signatories] if listed is not None else None
    first: dict[str, int] = {}
    for i, invitation in enumerate(sign_on.members):
        where = loc + ("members", i)
        if ids is not None and invitation.member not in ids:
            add(cf, where + ("member",), f"'{invitation.member}' is not in the signatory list "
                f"'{document.signatories}'" + did_you_mean(invitation.member, ids))
        if invitation.member in first:
            other = sign_on.members[first[invitation.member]]
            answers = {other.answer, invitation.answer}
            if {Answer.AGREED, Answer.DECLINED} <= answers:
                add(cf, where, f"'{invitation.member}' both agreed and declined (also at "
                    f"members[{first[invitation.member]}]); keep the one answer that stands")
            else:
                add(cf, where, f"'{invitation.member}' is invited twice (also at "
                    f"members[{first[invitation.member]}]); keep one entry per Member")
        first.setdefault(invitation.member, i)
        if invitation.answered is not None and invitation.answered < invitation.invited:
            add(cf, where + ("answered",), f"the answer is dated {invitation.answered}, before the "
                f"invitation of {invitation.invited}")
        if invitation.answer is Answer.AGREED and invitation.answered is not None \
                and invitation.answered > document.date:
            add(cf, where + ("answered",), f"agreed on {invitation.answered}, after the letter's date "
                f"{document.date}; date the letter on or after the last agreement it carries",
                "warning")
    _check_deadline(checker, document, loc)
    agreed = [i for i in sign_on.members if i.answer is Answer.AGREED]
    if sign_on.stage == "final" and not agreed:
        add(cf, loc + ("stage",), f"a final copy needs at least one Member who agreed; "
            f"{len(sign_on.members)} invited, none agreed yet (keep stage: draft while "
            "collecting answers)")
    _check_consent(checker, doc_id, loc, agreed)


def _check_deadline(checker: Checker, document, loc: tuple) -> None:
    """A deadline before the first invitation is an error; one that had passed when a
    Member was invited, or that falls after the letter's date, a warning. (Dates from the
    data, never today's: the same campaign checks the same way on any day.)"""
    sign_on: SignOn = document.sign_on
    deadline, where = sign_on.deadline, loc + ("deadline",)
    if deadline is None:
        return
    early = min(i.invited for i in sign_on.members)
    if deadline < early:
        checker.add(checker.campaign_file, where, f"the deadline {deadline} is before the "
                    f"first invitation ({early})")
        return
    late = [i.member for i in sign_on.members if i.invited > deadline]
    if late:
        checker.add(checker.campaign_file, where, f"the deadline {deadline} had passed when "
                    f"{', '.join(late)} {'was' if len(late) == 1 else 'were'} invited; set a "
                    "later deadline before inviting them", "warning")
    if sign_on.stage == "draft" and deadline > document.date:
        checker.add(checker.campaign_file, where, f"the deadline {deadline} is after the "
                    f"letter's date {document.date}: Members would answer after the date "
                    "the letter carries; move one of the two", "warning")


def _check_consent(checker: Checker, doc_id: str, loc: tuple, agreed: list[Invitation]) -> None:
    """Warn, naming them, when Members agreed to a wording that has changed since."""
    recorded = [i for i in agreed if i.wording]
    if not recorded:
        return
    current = wording(checker.loaded, doc_id)
    digest = fingerprint(current)
    earlier: dict[str, list[str]] = {}
    for invitation in recorded:
        if invitation.wording != digest:
            earlier.setdefault(invitation.wording, []).append(invitation.member)
    for old, members in earlier.items():
        path = wording_path(checker.loaded.root, doc_id, old)
        shown = path.relative_to(checker.loaded.root)
        try:
            changed = word_diff(_kept_wording(checker.loaded.root, doc_id, old), current)
            what = f"changed since: {changed}"
        except FileRefused as exc:
            what = (f"its text is not kept ({shown} is missing)"
                    if isinstance(exc.__cause__, FileNotFoundError)
                    else f"its text cannot be read ({exc})")
        except UnicodeDecodeError:
            what = f"its text cannot be read ({shown} is not UTF-8)"
        add_at = loc + ("members", next(n for n, i in enumerate(checker.loaded.campaign
                                                                .documents[doc_id].sign_on
                                                                .members)
                                        if i.member == members[0]), "wording")
        checker.add(checker.campaign_file, add_at, f"{', '.join(members)} agreed to an earlier "
                    f"wording ({old}; now {digest}); {what}. Ask them to confirm, then record "
                    f"it: undersigned respond {doc_id} MEMBER --agreed", "warning")


# --- signatures against answers ---------------------------------------------------------


def unexpected_signatures(sign_on: SignOn, signed_fields: list[str]) -> dict[str, str]:
    """For each signed field ``sig-ID`` whose Member did not agree to the letter, why that
    signature should not be there: the Member declined, withdrew, has not answered or was
    never invited."""
    found = invitations(sign_on)
    problems = {}
    for field in signed_fields:
        member = field.removeprefix("sig-")
        invitation = found.get(member)
        if invitation is None:
            problems[field] = (f"signed for '{member}', who is not invited to co-sign this "
                               "letter (sign_on.members)")
        elif invitation.answer is Answer.DECLINED:
            problems[field] = f"signed for '{member}', who declined on {invitation.answered}"
        elif invitation.answer is Answer.WITHDRAWN:
            problems[field] = f"signed for '{member}', who withdrew on {invitation.answered}"
        elif invitation.answer is Answer.INVITED:
            problems[field] = (f"signed for '{member}', whose answer is not recorded; record "
                               f"it first (undersigned respond DOC {member} --agreed)")
    return problems
