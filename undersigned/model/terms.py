"""The registry of European Parliament terms: groups, rule numbers, addressees.

Sources: the EP Rules of Procedure (Rule 130 in the 8th term, 138 in the 9th,
144 in the 10th) and the group lists of each term. EP documents print the
groups' EP form (PPE, Verts/ALE); NGO texts often use the English form (EPP,
Greens/EFA). A signatory list may use either; a document prints the form its
kind wants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Group:
    """A political group of one term."""

    ep: str
    """The acronym in EP documents, e.g. ``PPE``."""
    english: str
    """The English acronym, e.g. ``EPP`` (the same as ``ep`` for most groups)."""
    name: str
    """The group's full English name."""


@dataclass(frozen=True)
class Term:
    """One parliamentary term."""

    number: int
    start: dt.date
    end: dt.date | None
    question_rule: int
    """The Rule printed in a written question's header."""
    groups: tuple[Group, ...]
    addressees: dict[str, str]
    """Addressee id -> the header line of a written question (``to the Council``)."""

    def group(self, acronym: str) -> Group | None:
        """The group written ``acronym`` in either form, or None."""
        for group in self.groups:
            if acronym in (group.ep, group.english):
                return group
        return None

    def group_acronyms(self) -> list[str]:
        """Every accepted spelling, EP forms first."""
        names = [g.ep for g in self.groups]
        return names + [g.english for g in self.groups if g.english not in names]

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


_VP_HR_LONG = ("to the Vice-President of the Commission / High Representative of the "
               "Union for Foreign Affairs and Security Policy")

_COMMON_ADDRESSEES = {
    "commission": "to the Commission",
    "council": "to the Council",
    "european-council": "to the President of the European Council",
}

PPE = Group("PPE", "EPP", "Group of the European People's Party (Christian Democrats)")
SD = Group("S&D", "S&D", "Group of the Progressive Alliance of Socialists and Democrats "
           "in the European Parliament")
ECR = Group("ECR", "ECR", "European Conservatives and Reformists Group")
GREENS = Group("Verts/ALE", "Greens/EFA", "Group of the Greens/European Free Alliance")
GUE = Group("GUE/NGL", "GUE/NGL", "Confederal Group of the European United Left - "
            "Nordic Green Left")
LEFT = Group("The Left", "The Left", "The Left group in the European Parliament - GUE/NGL")
NI = Group("NI", "NI", "Non-attached Members")
RENEW = Group("Renew", "Renew", "Renew Europe Group")

TERMS: dict[int, Term] = {
    8: Term(8, dt.date(2014, 7, 1), dt.date(2019, 7, 1), 130, (
        PPE, SD, ECR,
        Group("ALDE", "ALDE", "Group of the Alliance of Liberals and Democrats for Europe"),
        GUE, GREENS,
        Group("EFDD", "EFDD", "Europe of Freedom and Direct Democracy Group"),
        Group("ENF", "ENF", "Europe of Nations and Freedom Group"),
        NI,
    ), {**_COMMON_ADDRESSEES,
        "vp-hr": "to the Commission (Vice-President/High Representative)"}),
    9: Term(9, dt.date(2019, 7, 2), dt.date(2024, 7, 15), 138, (
        PPE, SD, RENEW,
        Group("ID", "ID", "Identity and Democracy Group"),
        GREENS, ECR, GUE, LEFT, NI,
    ), {**_COMMON_ADDRESSEES, "vp-hr": _VP_HR_LONG}),
    10: Term(10, dt.date(2024, 7, 16), None, 144, (
        PPE, SD,
        Group("PfE", "PfE", "Patriots for Europe Group"),
        ECR, RENEW, GREENS, LEFT,
        Group("ESN", "ESN", "Europe of Sovereign Nations Group"),
        NI,
    ), {**_COMMON_ADDRESSEES, "vp-hr": _VP_HR_LONG}),
}

ADDRESSEES = ("commission", "vp-hr", "council", "european-council")
"""The addressees a written question may have, as written in a campaign file."""


def term_for(number: int) -> Term | None:
    return TERMS.get(number)
