"""Recording Members' answers in a letter's sign-on in ``campaign.yaml``: one from the
command line (``respond``), or a spreadsheet of them (``respond --from``).

Everything is checked before anything is written: the answers against the signatory list
and the invitations, then the edited file by the same loader as ``check``. Then the file
is replaced at once, under the campaign folder's writers' lock, so that two ``respond`` at
once never lose an answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..campaign.load import CAMPAIGN_FILE, LoadedCampaign, load_campaign
from ..errors import CampaignInvalid, Problem, Problems, UndersignedError
from ..files import read_regular, write_atomically, write_error, writer_lock
from ..kinds.signon import fingerprint, keep_wording, wording
from ..model.models import Signatory, SignatoryList
from ..model.signon import Answer, Invitation
from ..model.yamlfile import MAX_FILE_BYTES, EditRefused, YamlFile, YamlText, dotted
from . import edit
from .members import find_member, sign_on_letter, suggest_member
from .table import read_answers

NOT_INVITED_NOTE = "no invitation was recorded; it is dated with the answer"


@dataclass(frozen=True)
class Reply:
    """One answer to record, as given: whom, what, when, and where it was written."""

    member: str
    answer: Answer | None
    on: dt.date | None
    note: str | None = None
    source: str | None = None
    """The spreadsheet it comes from; None for the command line."""
    line: int = 0
    """Its line in that spreadsheet."""


@dataclass(frozen=True)
class Recorded:
    """What became of one answer."""

    member: Signatory
    answer: Answer
    on: dt.date
    previous: Answer | None
    """The answer it replaces; None when the Member was not invited before."""
    changed: bool
    """False when exactly this was already recorded."""
    wording: str | None = None


@dataclass
class Outcome:
    """What ``respond`` did: each answer, and the campaign's warnings about this sign-on."""

    document: str
    recorded: list[Recorded]
    written: bool
    warnings: list[Problem] = field(default_factory=list)


def respond(root: Path, doc_id: str, member: str, answer: Answer, on: dt.date | None = None,
            note: str | None = None, today: dt.date | None = None) -> Outcome:
    """Record one Member's answer (``invited`` records an invitation) to a letter."""
    today = today or dt.date.today()
    return record(Path(root), doc_id, [Reply(member, answer, on or today, note)], today)


def respond_from(root: Path, doc_id: str, table: Path, delimiter: str | None = None,
                 today: dt.date | None = None) -> Outcome:
    """Record every answer of a spreadsheet (CSV), all of them or, if one row is wrong,
    none."""
    problems = Problems()
    label = str(table)
    rows = read_answers(Path(table), label, delimiter, problems)
    if problems.errors and not rows:
        raise CampaignInvalid(problems.items)
    replies = [Reply(r.member, r.answer, r.on, r.note, label, r.line) for r in rows]
    if not replies:
        raise CampaignInvalid([Problem(label, 0, 0, "", "has a header row but no answers")])
    return record(Path(root), doc_id, replies, today or dt.date.today(), problems)


def record(root: Path, doc_id: str, replies: list[Reply], today: dt.date,
           problems: Problems | None = None) -> Outcome:
    """Check ``replies`` against the letter's sign-on and record them in one write."""
    problems = problems or Problems()
    with writer_lock(root, "respond"):
        loaded = load_campaign(root)
        source = loaded.files[CAMPAIGN_FILE]
        _, listed = sign_on_letter(loaded, doc_id)
        plan = _Plan(loaded, source, doc_id, listed, today, problems)
        for reply in replies:
            plan.add(reply)
        if problems.errors:
            raise CampaignInvalid(problems.items)
        outcome = Outcome(doc_id, plan.recorded, written=False)
        if not any(r.changed for r in plan.recorded):
            return outcome
        path = root / CAMPAIGN_FILE
        old = read_regular(path, MAX_FILE_BYTES, CAMPAIGN_FILE)
        doc = plan.edited(old.decode("utf-8"))
        new = doc.edited().encode("utf-8")
        checked = _check_edit(root, doc, new)
        members = checked.campaign.documents[doc_id].sign_on.members
        if list(members) != plan.expected():  # the edit must say exactly what was meant
            raise UndersignedError(f"{CAMPAIGN_FILE}: the edited sign-on of '{doc_id}' did "
                                   "not read back as intended; nothing was written (please "
                                   "report this, with the file)")
        if plan.agreed:
            keep_wording(root, doc_id, plan.text)

        def unchanged_since_read() -> None:
            if read_regular(path, MAX_FILE_BYTES, CAMPAIGN_FILE) != old:
                raise UndersignedError(f"{CAMPAIGN_FILE}: changed while the answers were being "
                                       "recorded; nothing was written; run the command again")

        try:
            write_atomically(path, new, before_replace=unchanged_since_read)
        except OSError as exc:
            raise write_error(exc, path) from exc
        outcome.written = True
        prefix = f"documents.{doc_id}.sign_on"
        outcome.warnings = [w for w in checked.warnings if w.field.startswith(prefix)]
        return outcome


class _Plan:
    """The answers to record, checked one by one, and the edit they make."""

    def __init__(self, loaded: LoadedCampaign, source: YamlFile, doc_id: str,
                 listed: SignatoryList, today: dt.date, problems: Problems):
        self.loaded, self.source, self.doc_id, self.listed = loaded, source, doc_id, listed
        self.today, self.problems = today, problems
        self.members = list(loaded.campaign.documents[doc_id].sign_on.members)
        self.first = {}
        for index, invitation in enumerate(self.members):
            self.first.setdefault(invitation.member, index)
        self.list_id = loaded.campaign.documents[doc_id].signatories
        self.text = wording(loaded, doc_id)
        self.digest = fingerprint(self.text)
        self.changes: dict[int, dict] = {}
        self.added: list[dict] = []
        self.seen: dict[str, Reply] = {}
        self.recorded: list[Recorded] = []
        self.agreed = False

    def problem(self, reply: Reply, column: str, message: str, loc: tuple | None = None,
                file: YamlFile | None = None) -> None:
        """A problem with a reply: at its row in a spreadsheet, else at ``loc``."""
        if reply.source is not None:
            self.problems.add(reply.source, reply.line, 0, column, message)
        elif loc is not None:
            file = file or self.source
            line, col = file.position(loc)
            self.problems.add(file.label, line, col, dotted(loc), message)
        else:
            self.problems.add(column, message=message)

    def add(self, reply: Reply) -> None:
        member = find_member(self.listed, reply.member)
        list_file = self.loaded.files[f"signatories/{self.list_id}.yaml"]
        if member is None:
            self.problem(reply, "member", f"'{reply.member}' is not in the signatory list "
                         f"'{self.list_id}'{suggest_member(self.listed, reply.member)}",
                         ("signatories",), list_file)
            return
        earlier = self.seen.get(member.id)
        if earlier is not None:
            self.problem(reply, "member", f"{member.given} {member.family} ('{member.id}') "
                         f"already answers on line {earlier.line}; keep one row per Member")
            return
        self.seen[member.id] = reply
        if reply.answer is None or reply.on is None:
            return  # the cell's own problem is reported
        if reply.on > self.today:
            self.problem(reply, "date" if reply.source else "--on", f"{reply.on} is after today "
                         f"({self.today}); an answer is recorded once given")
            return
        index = self.first.get(member.id)
        current = self.members[index] if index is not None else None
        values = self._values(reply, member, current)
        if values is None:
            return
        changed = current is None or self._differs(current, values)
        if current is None:
            self.added.append(values)
        elif changed:
            self.changes[index] = values
        self.agreed |= reply.answer is Answer.AGREED
        self.recorded.append(Recorded(member, reply.answer, reply.on,
                                      current.answer if current else None, changed,
                                      self.digest if reply.answer is Answer.AGREED else None))

    def _values(self, reply: Reply, member: Signatory, current: Invitation | None):
        """The entry's keys after the reply (None removes a key), or None if it cannot be."""
        loc = ("documents", self.doc_id, "sign_on", "members")
        if current is not None:
            loc += (self.first[member.id],)
        name = f"{member.given} {member.family}"
        if reply.answer is Answer.WITHDRAWN and (current is None or current.answer not in (
                Answer.AGREED, Answer.WITHDRAWN)):
            had = current.answer.value if current else "not invited"
            self.problem(reply, "answer", f"{name} cannot withdraw: they have not agreed "
                         f"(answer: {had}); record declined instead", loc)
            return None
        if reply.answer is Answer.INVITED:
            return {"member": member.id, "invited": reply.on, "answer": None, "answered": None,
                    "wording": None, "note": reply.note}
        invited = current.invited if current is not None else reply.on
        if reply.on < invited:
            where = (f" ({self.source.label} line {self.source.position(loc + ('invited',))[0]})"
                     if reply.source else "")
            self.problem(reply, "date", f"{name} was invited on {invited}{where}; an answer "
                         f"dated {reply.on} cannot come before it", loc + ("invited",))
            return None
        note = reply.note
        if current is None:
            note = f"{NOT_INVITED_NOTE}; {note}" if note else NOT_INVITED_NOTE
        return {"member": member.id, "invited": invited, "answer": reply.answer.value,
                "answered": reply.on,
                "wording": self.digest if reply.answer is Answer.AGREED else None,
                "note": note}

    @staticmethod
    def _differs(current: Invitation, values: dict) -> bool:
        now = {"member": current.member, "invited": current.invited,
               "answer": None if current.answer is Answer.INVITED else current.answer.value,
               "answered": current.answered, "wording": current.wording, "note": current.note}
        return now != {key: values.get(key) for key in now}

    def expected(self) -> list[Invitation]:
        """The sign-on's members as the edited file must read."""
        entries = [self._as_invitation(self.changes[i]) if i in self.changes else invitation
                   for i, invitation in enumerate(self.members)]
        return entries + [self._as_invitation(values) for values in self.added]

    @staticmethod
    def _as_invitation(values: dict) -> Invitation:
        return Invitation.model_validate({k: v for k, v in values.items() if v is not None})

    def edited(self, text: str) -> YamlText:
        """``text`` with the answers recorded as edits, each entry in its own style."""
        try:
            doc = YamlText(text)
            members = edit.find_members(doc, self.doc_id)
            if members is None or len(members.items) != len(self.members):
                raise UndersignedError(f"{CAMPAIGN_FILE}: the sign-on of '{self.doc_id}' is "
                                       "not written as a list of members that can be edited; "
                                       "record the answers by hand")
            for index, values in self.changes.items():
                edit.rewrite_entry(doc, members.items[index], values)
            for values in self.added:
                edit.append_entry(doc, members, values)
        except EditRefused as exc:
            raise CampaignInvalid([Problem(CAMPAIGN_FILE, exc.line, exc.column,
                                           f"documents.{self.doc_id}.sign_on.members",
                                           exc.message)]) from exc
        return doc


def _check_edit(root: Path, doc: YamlText, new: bytes) -> LoadedCampaign:
    """The campaign with the edited file, checked as ``check`` does; a problem found in the
    edit is reported at its place in the file as it is on disk, never in the edited text."""
    try:
        return load_campaign(root, campaign_bytes=new)
    except CampaignInvalid as exc:
        def located(problem: Problem) -> Problem:
            if problem.path != CAMPAIGN_FILE or not problem.line:
                return problem
            line, column = doc.original_position(problem.line, problem.column)
            return replace(problem, line=line, column=column if problem.column else 0)

        raise CampaignInvalid([located(p) for p in exc.problems]) from exc
