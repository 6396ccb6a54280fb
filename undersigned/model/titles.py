"""The gender a title says: "Ms", "Mme", "Frau", "Pani", "Г-жа" say a woman.

A Member's title chooses the grammatical gender of "Member of the European Parliament"
where a language has one ("Députée", "Posłanka"), unless the signatory list says
``gender:``. This table is the only place that knows which titles say which gender.
"""

from __future__ import annotations

import re

TITLE_GENDERS: dict[str, tuple[str, ...]] = {
    "female": (
        "Ms", "Mrs", "Miss", "Mme", "Madame", "Mlle", "Mademoiselle", "Frau", "Fr",
        "Sra", "Señora", "Dña", "Doña", "Pani", "Paní", "Mevrouw", "Mevr", "Mw",
        "Signora", "Sig.ra", "Sig.ra.", "Senhora", "Sr.ª", "Fru", "Rouva", "Proua", "Kundze",
        "Ponia", "Gospa", "Ga", "Doamna", "Dna", "D-na", "Dl.na", "Asszony", "Κα", "Κυρία", "Sinjura",
        "Bean", "Hanım", "Bayan", "xanım", "Г-жа", "Госпожа", "Г-жо", "Пані",
        "Ханым", "Տիկին", "ქალბატონი", "السيدة", "女士",
    ),
    "male": (
        "Mr", "M", "Monsieur", "Herr", "Hr", "Sr", "Señor", "D", "Don", "Pan", "Pán", "De heer",
        "Dhr", "Mijnheer", "Signor", "Sig", "Senhor", "Herra", "Härra", "Kungs", "Ponas", "Úr",
        "Gospod", "G", "Domnul", "Dl", "Κος", "Κύριος", "Sinjur", "An tUasal", "Bey", "Bay",
        "cənab", "Г-н", "Господин", "Г-не", "Пан", "Мырза", "Պարոն", "ბატონი", "السيد", "先生",
    ),
}
"""Titles, as Members and the Parliament's lists write them in each language, by the
gender they say. Compared without case, dots at the end and extra spaces ("MRS.", "sig.ra").
Academic titles ("Dr", "Prof.", "Ing.") say nothing."""


def _key(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip().rstrip(".").casefold()


_GENDER_OF = {_key(title): gender for gender, titles in TITLE_GENDERS.items()
              for title in titles}


def gender_of_title(title: str | None) -> str | None:
    """``female``, ``male`` or None: what ``title`` says ("Ms" -> female, "Dr" -> None).

    A title of several words ("Dr Frau", "Prof. Mr") says what its gendered words say,
    unless they disagree."""
    if not title:
        return None
    whole = _GENDER_OF.get(_key(title))
    if whole:
        return whole
    found = {_GENDER_OF.get(_key(word)) for word in title.split()} - {None}
    return found.pop() if len(found) == 1 else None


def grammatical_gender(gender: str | None, title: str | None) -> str | None:
    """The gender a person's words take: ``gender`` if given, else what the title says."""
    return gender or gender_of_title(title)
