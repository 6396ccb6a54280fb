"""The registry of European Parliament terms: groups, rule numbers, addressees.

Sources: the EP Rules of Procedure (questions for written answer: Rule 42 in the 5th
term, 110 in the 6th, 117 in the 7th, 130 in the 8th, 138 in the 9th, 144 in the 10th)
and the Parliament's lists of the groups of each term, 1999 to 2029. A campaign declares
a group the registry does not know (a later term, a group formed mid-term) in its
signatory list (``groups:``); see ``with_groups``. EP documents print the
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
    also: tuple[str, ...] = ()
    """Other acronyms of the same group in the same term (it was renamed during the term):
    accepted as the group, never a group of their own."""


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
    """Addressee id -> the catalogue key of the header line of a written question
    (``question.addressee.council``: "to the Council"); the words are in the catalogues,
    the form each term prints is chosen here."""
    vp_hr_prefix: bool = False
    """Whether a question to the VP/HR prints "VP/HR — " before its subject (the 8th term's
    pages do; E-9-2021-002777 and later pages do not)."""

    def addressee_key(self, addressee: str, day: dt.date) -> str:
        """The catalogue key of the addressee line of a question dated ``day``: from
        1 December 2024 the VP/HR is a woman (Kaja Kallas), whom gendered languages address
        in the feminine ("à la vice-présidente … haute représentante")."""
        key = self.addressees[addressee]
        if key == _VP_HR_LONG and day >= VP_HR_WOMAN_SINCE:
            return _VP_HR_LONG_FEMALE
        return key

    def group(self, acronym: str) -> Group | None:
        """The group written ``acronym`` in either form, or None."""
        for group in self.groups:
            if acronym in (group.ep, group.english) + group.also:
                return group
        return None

    def group_acronyms(self) -> list[str]:
        """Every accepted spelling, EP forms first."""
        names = [g.ep for g in self.groups]
        names += [g.english for g in self.groups if g.english not in names]
        return names + [a for g in self.groups for a in g.also if a not in names]

    def suggestion(self, written: str) -> str | None:
        """What to write instead of a group written as people write it ('Renew Europe',
        'EPP Group', 'NA') or by the name it had in an earlier term ('ALDE' in the 9th);
        None when nothing fits."""
        key = _alias_key(written)
        for old, new, term, how in RENAMED:
            group = self.group(new)
            if key == _alias_key(old) and self.number >= term and group is not None:
                return f"{how}: write {_acronyms(group)}"
        group = self.find_group(written)
        return None if group is None else f"write {_acronyms(group)} ({group.name})"

    def find_group(self, written: str) -> Group | None:
        """The group of this term written ``written`` in any accepted way: an acronym, its
        full English name as the Parliament's lists give it, or a common alias."""
        key = _alias_key(written)
        for group in self.groups:
            spellings = (group.ep, group.english, group.name) + group.also + tuple(
                alias for acronym in (group.ep,) + group.also for alias in ALIASES.get(acronym, ()))
            if key in (_alias_key(spelling) for spelling in spellings):
                return group
        return None

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


_COMMON_ADDRESSEES = {
    "commission": "question.addressee.commission",
    "council": "question.addressee.council",
    "european-council": "question.addressee.european-council",
}
# The 8th term's pages print "to the Commission (Vice-President/High Representative)";
# from the 9th, "to the Vice-President of the Commission / High Representative of the
# Union for Foreign Affairs and Security Policy".
_VP_HR_SHORT = "question.addressee.vp-hr-short"
_VP_HR_LONG = "question.addressee.vp-hr"
_VP_HR_LONG_FEMALE = "question.addressee.vp-hr-female"
VP_HR_WOMAN_SINCE = dt.date(2024, 12, 1)
"""Kaja Kallas took office as VP/HR on 1 December 2024 (Josep Borrell before her; in the
8th term Federica Mogherini, whom the short form already addresses)."""

PPE = Group("PPE", "EPP", "Group of the European People's Party (Christian Democrats)")
SD = Group("S&D", "S&D", "Group of the Progressive Alliance of Socialists and Democrats "
           "in the European Parliament")
ECR = Group("ECR", "ECR", "European Conservatives and Reformists Group")
GREENS = Group("Verts/ALE", "Greens/EFA", "Group of the Greens/European Free Alliance")
GUE = Group("GUE/NGL", "GUE/NGL", "Confederal Group of the European United Left - "
            "Nordic Green Left")
LEFT = Group("The Left", "The Left", "The Left group in the European Parliament - GUE/NGL")
# GUE/NGL took the name The Left in January 2021, in the middle of the 9th term: one group
# under both acronyms (and both full names), never two groups.
GUE_LEFT = Group("GUE/NGL", "GUE/NGL", LEFT.name, also=("The Left",))
NI = Group("NI", "NI", "Non-attached Members")
RENEW = Group("Renew", "Renew", "Renew Europe Group")

PPE_DE = Group("PPE-DE", "EPP-ED", "Group of the European People's Party (Christian "
               "Democrats) and European Democrats")
PSE = Group("PSE", "PES", "Group of the Party of European Socialists")
PSE_6 = Group("PSE", "PES", "Socialist Group in the European Parliament")
ALDE = Group("ALDE", "ALDE", "Group of the Alliance of Liberals and Democrats for Europe")
UEN = Group("UEN", "UEN", "Union for Europe of the Nations Group")

# Terms 5 and 6 as the Parliament's own election-results pages give them
# (results.elections.europa.eu, 1999-2004 and 2004-2009, "constitutive session" and
# "outgoing Parliament"): the socialists were the "Group of the Party of European Socialists"
# in 1999 and the "Socialist Group in the European Parliament" from 2004; the technical
# group of 1999 is "TDI" there and "TGI" in the Parliament's English press releases
# (28 July 1999), formally the "Technical Group of Independent Members - mixed group".
# ITS (January to November 2007) is on neither page, having formed and ended in between.
TERMS: dict[int, Term] = {
    5: Term(5, dt.date(1999, 7, 20), dt.date(2004, 7, 19), 42, (
        PPE_DE, PSE,
        Group("ELDR", "ELDR", "Group of the European Liberal, Democrat and Reform Party"),
        GREENS, GUE, UEN,
        Group("EDD", "EDD", "Group for a Europe of Democracies and Diversities"),
        Group("TDI", "TGI", "Technical Group of Independent Members - mixed group"),
        NI,
    ), {"commission": "question.addressee.commission",
        "council": "question.addressee.council"}),
    6: Term(6, dt.date(2004, 7, 20), dt.date(2009, 7, 13), 110, (
        PPE_DE, PSE_6, ALDE, GREENS, GUE,
        Group("IND/DEM", "IND/DEM", "Independence/Democracy Group"),
        UEN,
        Group("ITS", "ITS", "Identity, Tradition and Sovereignty Group"),
        NI,
    ), {"commission": "question.addressee.commission",
        "council": "question.addressee.council"}),
    7: Term(7, dt.date(2009, 7, 14), dt.date(2014, 6, 30), 117, (
        PPE, SD, ALDE, GREENS, ECR, GUE,
        Group("EFD", "EFD", "Europe of Freedom and Democracy Group"),
        NI,
    ), {**_COMMON_ADDRESSEES, "vp-hr": _VP_HR_SHORT}),
    8: Term(8, dt.date(2014, 7, 1), dt.date(2019, 7, 1), 130, (
        PPE, SD, ECR, ALDE, GUE, GREENS,
        Group("EFDD", "EFDD", "Europe of Freedom and Direct Democracy Group"),
        Group("ENF", "ENF", "Europe of Nations and Freedom Group"),
        NI,
    ), {**_COMMON_ADDRESSEES, "vp-hr": _VP_HR_SHORT}, vp_hr_prefix=True),
    9: Term(9, dt.date(2019, 7, 2), dt.date(2024, 7, 15), 138, (
        PPE, SD, RENEW,
        Group("ID", "ID", "Identity and Democracy Group"),
        GREENS, ECR, GUE_LEFT, NI,
    ), {**_COMMON_ADDRESSEES, "vp-hr": _VP_HR_LONG}),
    10: Term(10, dt.date(2024, 7, 16), None, 144, (
        PPE, SD,
        Group("PfE", "PfE", "Patriots for Europe Group"),
        ECR, RENEW, GREENS, LEFT,
        Group("ESN", "ESN", "Europe of Sovereign Nations Group"),
        NI,
    ), {**_COMMON_ADDRESSEES, "vp-hr": _VP_HR_LONG}),
}

ALIASES: dict[str, tuple[str, ...]] = {
    # Group (EP acronym) -> how people write it besides its acronyms and full name.
    "PPE": ("EPP Group", "EPP-ED", "European People's Party", "EVP", "PPE Group"),
    "S&D": ("S&D Group", "S and D", "S-D", "SD", "S&D Group", "Socialists and Democrats",
            "Socialists & Democrats", "PES", "PSE"),
    "Renew": ("Renew Europe", "RE", "Renew Group", "Renew Europe Group"),
    "ALDE": ("ALDE Group", "Liberals", "ALDE/ADLE", "ADLE"),
    "Verts/ALE": ("Greens", "Greens-EFA", "Greens/ALE", "Verts", "Greens EFA", "The Greens",
                  "Greens/EFA Group", "G/EFA"),
    "GUE/NGL": ("GUE", "GUE-NGL", "GUENGL", "European United Left", "GUE/NGL Group",
                "The Left", "Left", "The Left Group", "Left Group", "LEFT", GUE.name, LEFT.name),
    "The Left": ("Left", "The Left Group", "Left Group", "LEFT", "GUE/NGL", "GUE", "GUE-NGL",
                 "GUENGL", "European United Left", "GUE/NGL Group", GUE.name),
    "NI": ("NA", "Non-attached", "Non attached", "Non-inscrits", "Non-Inscrits", "NI Group",
           "Non-attached Members", "independent"),
    "ECR": ("ECR Group", "European Conservatives and Reformists", "Conservatives"),
    "ID": ("ID Group", "Identity and Democracy"),
    "EFDD": ("EFDD Group", "EFD"),
    "EFD": ("EFD Group", "Europe of Freedom and Democracy"),
    "PPE-DE": ("EPP-ED Group", "PPE-DE Group", "EPP", "PPE", "European People's Party"),
    "PSE": ("PSE Group", "PES Group", "Socialists", "S&D"),
    "ELDR": ("ELDR Group", "Liberals"),
    "IND/DEM": ("IND-DEM", "INDDEM", "Independence/Democracy"),
    "UEN": ("UEN Group", "Union for Europe of the Nations"),
    "ENF": ("ENF Group", "Europe of Nations and Freedom"),
    "PfE": ("Patriots", "Patriots for Europe", "PfE Group", "PATRIOTS"),
    "ESN": ("ESN Group", "Europe of Sovereign Nations"),
}
"""Ways of writing each group that are not its acronyms: ``check`` suggests the acronym."""

RENAMED: tuple[tuple[str, str, int, str], ...] = (
    ("ELDR", "ALDE", 6, "ELDR became ALDE in 2004"),
    ("PPE-DE", "PPE", 7, "PPE-DE became PPE in 2009, when the European Democrats left"),
    ("PSE", "S&D", 7, "the PSE group became S&D in 2009"),
    ("IND/DEM", "EFD", 7, "IND/DEM became EFD in 2009"),
    ("EFD", "EFDD", 8, "EFD became EFDD in 2014"),
    # (old acronym, new acronym, first term of the new one, what happened)
    ("ALDE", "Renew", 9, "ALDE became Renew Europe in 2019"),
    ("ENF", "ID", 9, "ENF became Identity and Democracy in 2019"),
    ("GUE/NGL", "The Left", 10, "GUE/NGL was renamed The Left in 2021"),
)
"""The history of renamed groups, so that a list of a later term is told the new name."""


def _acronyms(group: Group) -> str:
    return f"'{group.ep}'" + (f" or '{group.english}'" if group.english != group.ep else "")


def _alias_key(text: str) -> str:
    """How two spellings of a group compare: case, spaces, 'the', 'group' aside."""
    words = text.casefold().replace("-", " ").replace("_", " ").split()
    words = [w for w in words if w not in ("the", "group")] or words
    return " ".join(words)


ADDRESSEES = ("commission", "vp-hr", "council", "european-council")
"""The addressees a written question may have, as written in a campaign file."""


def term_for(number: int) -> Term | None:
    return TERMS.get(number)


def with_groups(number: int, declared: tuple[Group, ...] | list[Group] = ()) -> Term | None:
    """The term ``number`` with the groups a campaign declares (a group formed mid-term, a
    term after the registry's): a declared group replaces the registry's of the same EP
    acronym. A term the registry does not know exists only with declared groups; it has no
    dates (every date is in it) and no Rule for written questions."""
    known = TERMS.get(number)
    if not declared:
        return known
    from dataclasses import replace

    if known is None:
        return Term(number, dt.date.min, None, 0, tuple(declared), dict(_COMMON_ADDRESSEES))
    names = {group.ep for group in declared}
    groups = tuple(g for g in known.groups if g.ep not in names) + tuple(declared)
    return replace(known, groups=groups)
