"""Who is on board a letter: the answers of its sign-on, the deadline, the spread of those
who agreed by political group and country, and whether they agreed to the current wording.

A query: it reads only campaign.yaml, the letter's signatory list and its cases (for the
wording), and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..campaign.load import load_document
from ..kinds.signon import fingerprint, invitations, wording
from ..model.i18n import country_name
from ..model.models import Signatory
from ..model.invitations import Answer, Invitation
from .members import sign_on_letter


@dataclass(frozen=True)
class Standing:
    """One Member of the list and where they stand on the letter."""

    member: Signatory
    invitation: Invitation | None
    """None when the Member is in the list but was not invited."""
    group: str
    """The political group as EP documents write it (``PPE``), or as the list writes it."""


@dataclass
class Report:
    """Where a letter's sign-on stands on ``today``."""

    document: str
    stage: str
    list_id: str
    today: dt.date
    deadline: dt.date | None
    wording: str
    """The fingerprint of the current wording."""
    standings: list[Standing] = field(default_factory=list)
    group_order: list[str] = field(default_factory=list)
    """The term's groups, in the registry's order."""

    def with_answer(self, answer: Answer) -> list[Standing]:
        return [s for s in self.standings if s.invitation and s.invitation.answer is answer]

    @property
    def not_invited(self) -> list[Standing]:
        return [s for s in self.standings if s.invitation is None]

    @property
    def days_left(self) -> int | None:
        return (self.deadline - self.today).days if self.deadline else None

    def by_group(self) -> list[tuple[str, int]]:
        """Groups by how many agreed, ties in the term's order of groups."""
        counts = Counter(s.group for s in self.with_answer(Answer.AGREED))
        rank = {g: n for n, g in enumerate(self.group_order)}
        return sorted(counts.items(), key=lambda item: (-item[1], rank.get(item[0], len(rank)),
                                                        item[0]))

    def by_country(self) -> list[tuple[str, str, int]]:
        counts = Counter(s.member.country for s in self.with_answer(Answer.AGREED))
        named = [(code, country_name(code, "en"), n) for code, n in counts.items()]
        return sorted(named, key=lambda item: (-item[2], item[1]))

    def current(self, standing: Standing) -> bool | None:
        """Whether the Member agreed to the current wording; None if no wording was recorded."""
        recorded = standing.invitation.wording if standing.invitation else None
        return None if recorded is None else recorded == self.wording

    def as_dict(self) -> dict:
        """The report for scripts (``signatures --json``)."""
        def entry(standing: Standing) -> dict:
            member, invitation = standing.member, standing.invitation
            out = {"member": member.id, "name": member.name, "group": standing.group,
                   "country": member.country}
            if invitation is not None:
                out["invited"] = invitation.invited.isoformat()
                if invitation.answered is not None:
                    out["answered"] = invitation.answered.isoformat()
                if invitation.answer is Answer.AGREED:
                    out["wording"] = invitation.wording
                    out["wording_current"] = self.current(standing)
            return out

        sections = {"agreed": self.with_answer(Answer.AGREED),
                    "declined": self.with_answer(Answer.DECLINED),
                    "withdrawn": self.with_answer(Answer.WITHDRAWN),
                    "not_answered": self.with_answer(Answer.INVITED),
                    "not_invited": self.not_invited}
        return {
            "document": self.document,
            "stage": self.stage,
            "signatories": self.list_id,
            "today": self.today.isoformat(),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "days_left": self.days_left,
            "wording": self.wording,
            "counts": {"invited": sum(s.invitation is not None for s in self.standings),
                       **{name: len(members) for name, members in sections.items()}},
            **{name: [entry(s) for s in members] for name, members in sections.items()},
            "by_group": [{"group": g, "count": n} for g, n in self.by_group()],
            "by_country": [{"country": c, "name": name, "count": n}
                           for c, name, n in self.by_country()],
        }


def signatures(root: Path | str, doc_id: str, today: dt.date | None = None) -> Report:
    """Where the sign-on of the letter ``doc_id`` stands on ``today`` (default: today)."""
    loaded = load_document(root, doc_id)
    document, listed = sign_on_letter(loaded, doc_id)
    sign_on = document.sign_on
    term = listed.parliamentary_term()

    def group(member: Signatory) -> str:
        found = term.group(member.group) if term else None
        return found.ep if found else member.group

    answers = invitations(sign_on)
    by_id = {m.id: m for m in listed.signatories}
    standings = [Standing(by_id[i], answers[i], group(by_id[i])) for i in answers if i in by_id]
    standings += [Standing(m, None, group(m)) for m in listed.signatories if m.id not in answers]
    return Report(doc_id, sign_on.stage, document.signatories, today or dt.date.today(),
                  sign_on.deadline, fingerprint(wording(loaded, doc_id)), standings,
                  term.group_acronyms() if term else [])


def summary_lines(report: Report) -> list[str]:
    """The report as ``signatures`` prints it."""
    invited = [s for s in report.standings if s.invitation is not None]
    agreed = report.with_answer(Answer.AGREED)
    lines = [f"{report.document} ({report.stage}): {len(agreed)} of {len(invited)} invited "
             f"agreed"]
    if report.deadline is not None:
        days = report.days_left
        when = (f"{days} day{'s' if days != 1 else ''} left" if days > 0 else
                "the deadline is today" if days == 0 else
                f"deadline passed {-days} day{'s' if days != -1 else ''} ago")
        lines.append(f"deadline {report.deadline}: {when}")
    for title, answer, date_word in (("agreed", Answer.AGREED, "on"),
                                     ("declined", Answer.DECLINED, "on"),
                                     ("withdrew", Answer.WITHDRAWN, "on"),
                                     ("not answered", Answer.INVITED, "invited")):
        members = report.with_answer(answer)
        lines.append(f"{title} ({len(members)})" + (":" if members else ""))
        for standing in members:
            invitation = standing.invitation
            day = invitation.invited if answer is Answer.INVITED else invitation.answered
            mark = ""
            if answer is Answer.AGREED and report.current(standing) is False:
                mark = f"  (agreed to an earlier wording, {invitation.wording})"
            lines.append(f"  {standing.member.name:28} {standing.group:10} "
                         f"{standing.member.country}  {date_word} {day}{mark}")
    if report.not_invited:
        lines.append(f"not invited ({len(report.not_invited)}): "
                     + ", ".join(s.member.id for s in report.not_invited))
    if agreed:
        lines.append("by group: " + ", ".join(f"{g} {n}" for g, n in report.by_group()))
        lines.append("by country: " + ", ".join(f"{name} {n}"
                                                for _, name, n in report.by_country()))
        lines.append(_wording_line(report, agreed))
    return lines


def _wording_line(report: Report, agreed: list[Standing]) -> str:
    current = [s for s in agreed if report.current(s)]
    earlier = [s for s in agreed if report.current(s) is False]
    unknown = [s for s in agreed if report.current(s) is None]
    parts = [f"{len(current)} agreed to the current wording ({report.wording})"]
    if earlier:
        parts.append(f"{len(earlier)} to an earlier one ("
                     + ", ".join(s.member.id for s in earlier)
                     + f"): ask them to confirm, then undersigned respond {report.document} "
                       "MEMBER --agreed")
    if unknown:
        parts.append(f"{len(unknown)} without a recorded wording")
    return "wording: " + "; ".join(parts)
