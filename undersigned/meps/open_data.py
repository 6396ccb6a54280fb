"""The European Parliament's lists of Members, read as published.

Two forms: the open-data CSV (``mep_identifier``, ``mep_given_name``, ``mep_family_name``,
``mep_gender``, ``mep_citizenship`` as an English country name, ``mep_email`` as a
``mailto:`` URL; served in Windows-1252), and the XML list of current Members
(``<meps><mep><fullName/><country/><politicalGroup/><id/><nationalPoliticalGroup/></mep>``,
the group as its full English name, the family name in capitals). A URL instead of a file
is downloaded by :mod:`.fetch`, within one deadline and a size cap. Every problem of a source is located
(``meps.csv:ROW: column: message``) and reported at once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import CampaignInvalid, Problems
from ..files import read_regular
from ..model.models import slug
from ..model.terms import Term
from ..model.text import LOST, text_problem
from .fetch import SourceUnavailable  # noqa: F401  (raised by download; importers catch it)

MAX_SOURCE_BYTES = 20 * 1024 * 1024
"""The largest list read or downloaded (the Parliament's are about 250 KB)."""
MAX_ROWS = 20_000
"""The most Members one list may hold (a term has about 750)."""
CSV_COLUMNS = ("mep_identifier", "mep_given_name", "mep_family_name")
"""The columns an open-data CSV must have; the others are read where present."""


@dataclass(frozen=True)
class EpMember:
    """One Member as the Parliament lists them."""

    ep_id: int
    given: str
    family: str
    where: str
    """Where in the source (``meps-term-8.csv:3``)."""
    title: str | None = None
    gender: str | None = None
    country: str | None = None
    """ISO 3166 code."""
    email: str | None = None
    group: str | None = None
    """The group's EP acronym in the term (``S&D``), where the source gives it."""
    citizenship: bool = False
    """Whether ``country`` is the citizenship (the open-data CSV) rather than the Member
    State the Member was elected in (the XML list); they can differ."""
    damaged: tuple[str, ...] = ()
    """The name fields (``given``, ``family``) in which the source lost letters: each one
    is U+FFFD in the name, which ``check`` refuses until someone writes it."""
    citizen_of: str | None = None
    """The citizenship the open-data CSV gives, where the XML list gives another Member
    State (then ``country``): each source says something else."""

    @property
    def source(self) -> str:
        """The source's name, without the row: ``meps-term-8.csv``."""
        return self.where.rsplit(":", 1)[0]

    @property
    def list_id(self) -> str:
        """The id a new entry of a signatory list gets: from the family name, or from the
        EP id while the name is damaged (never ``kone-na`` from ``Kone?ná``)."""
        return f"ep-{self.ep_id}" if self.damaged else slug(self.family)

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"

    @property
    def display_name(self) -> str:
        """The Parliament's display form: "Pier Antonio PANZERI"."""
        return f"{self.given} {self.family.upper()}"


def read_source(location: str, term: Term, encoding: str | None = None) -> list[EpMember]:
    """The Members of the list at ``location`` (a file or an http(s) URL); CampaignInvalid
    with every located problem if it cannot be read as one."""
    label = location.rsplit("/", 1)[-1] or location
    data = download(location) if re.match(r"(?i)https?://", location) else _read_file(location)
    problems = Problems()
    if data.lstrip()[:1] == b"<":
        members = _read_xml(data, label, term, problems)
    else:
        members = _read_csv(data, label, encoding, problems)
    seen: dict[int, EpMember] = {}
    for member in members:
        if member.ep_id in seen:
            problems.add(member.where, field="id", message=f"the EP id {member.ep_id} is "
                         f"listed twice (first at {seen[member.ep_id].where})")
        seen.setdefault(member.ep_id, member)
    if problems.errors:
        raise CampaignInvalid(problems.items)
    return list(seen.values())


def with_memberships(members: list[EpMember], listed: list[EpMember]) -> list[EpMember]:
    """``members`` with the group, the Member State and the names of the same Members in
    ``listed`` (the XML list, in UTF-8): the open-data CSV has no group, gives the
    citizenship, which is not always the Member State a Member was elected in, and has lost
    the letters Windows-1252 cannot hold, which the XML list has."""
    from dataclasses import replace

    by_id = {m.ep_id: m for m in listed}
    merged = []
    for member in members:
        other = by_id.get(member.ep_id)
        if other is not None:
            names = {key: _repaired(getattr(member, key), getattr(other, key))
                     for key in member.damaged}
            citizen_of = member.country if member.citizenship and other.country \
                and other.country != member.country else None
            member = replace(member, group=other.group or member.group,
                             country=other.country or member.country,
                             citizenship=member.citizenship and not other.country,
                             citizen_of=citizen_of, **names,
                             damaged=tuple(k for k, v in names.items() if LOST in v))
        merged.append(member)
    return merged


def _repaired(damaged: str, whole: str) -> str:
    """``Kate\ufffdina`` repaired from ``Kateřina``: the lost letters filled in where the
    two agree letter for letter (the CSV's capitals kept, ``McGuinness``), else the whole
    spelling of the second source; the damaged text if that has lost letters too."""
    if not whole or LOST in whole:
        return damaged
    if fits(damaged, whole):
        return "".join(b if a == LOST else a for a, b in zip(damaged, whole))
    return whole


def fits(damaged: str, whole: str) -> bool:
    """Whether ``whole`` may be ``damaged`` with its lost letters (U+FFFD) written: the same
    letters elsewhere, case and diacritics aside."""
    return len(whole) == len(damaged) and all(
        a == LOST or fold(a) == fold(b) for a, b in zip(damaged, whole))


def _read_file(location: str) -> bytes:
    return read_regular(Path(location), MAX_SOURCE_BYTES, location)


def download(url: str, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The body of ``url`` (see :mod:`.fetch`: one deadline, the size cap, an exact
    length, redirects only to https on the same site)."""
    from .fetch import download as fetch

    return fetch(url, limit)


def _read_csv(data: bytes, label: str, encoding: str | None,
              problems: Problems) -> list[EpMember]:
    """The open-data CSV, read as every table is (:mod:`undersigned.tables.read`); a ``?``
    the export wrote for a letter it could not hold is kept, marked (see ``_marked``)."""
    from ..tables.read import header_index, open_csv_bytes

    table = open_csv_bytes(data, label, problems, encoding, lost="keep")
    if table is None:
        return []
    index = {name: column - 1 for name, column in header_index(table.header).items()}
    missing = [c for c in CSV_COLUMNS if c not in index]
    if missing:
        problems.add(label, 1, 0, "", f"no column {', '.join(missing)}: this is not the "
                     "Parliament's open-data list of Members (columns mep_identifier, "
                     "mep_given_name, mep_family_name, ...), nor its XML list")
        return []
    members = []
    for number, cells in table.rows:
        if number > MAX_ROWS + 1:
            problems.add(label, number, 0, "", f"more than {MAX_ROWS:,} Members; is this a "
                         "list of Members?")
            break
        row = {name: cells[i].strip() if i < len(cells) else "" for name, i in index.items()}
        member = _csv_member(row, label, number, problems, index)
        if member is not None:
            members.append(member)
    return members


def _csv_member(row: dict[str, str], label: str, number: int, problems: Problems,
                index: dict[str, int]) -> EpMember | None:
    def at(column: str) -> tuple[str, int, int, str]:
        return label, number, index[column] + 1, column

    ep_id = _ep_id(row.get("mep_identifier"), problems, *at("mep_identifier"))
    given, family = row.get("mep_given_name", ""), row.get("mep_family_name", "")
    if not given or not family:
        problems.add(*at("mep_given_name" if not given else "mep_family_name"), "empty")
    if ep_id is None or not given or not family:
        return None
    country_name = row.get("mep_citizenship", "")
    country = country_code(country_name) if country_name else None
    if country_name and country is None:
        problems.add(*at("mep_citizenship"), f"'{country_name}' is not a "
                     "country name Babel knows in English", severity="warning")
    email = row.get("mep_email", "").removeprefix("mailto:") or None
    gender = row.get("mep_gender", "").lower() or None
    title = row.get("mep_honorific_prefix") or None
    (given, family), damaged = _marked(given, family)
    return EpMember(ep_id, given, family, f"{label}:{number}", title,
                    gender if gender in ("female", "male") else None, country, email,
                    citizenship=country is not None, damaged=damaged)


def _marked(given: str, family: str) -> tuple[tuple[str, str], tuple[str, ...]]:
    """The names with each ``?`` (a letter the export could not hold: no name has one)
    written as U+FFFD, which ``check`` refuses until someone writes the letter; and which
    of ``given``, ``family`` were damaged so."""
    damaged = tuple(key for key, text in (("given", given), ("family", family))
                    if "?" in text or LOST in text)
    return (given.replace("?", LOST), family.replace("?", LOST)), damaged


def _ep_id(value: str | None, problems: Problems, label: str, line: int, column: int,
           field: str) -> int | None:
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return int(value)
    problems.add(label, line, column, field, f"'{value}' is not an EP id (a number)"
                 if value else "empty")
    return None


def _read_xml(data: bytes, label: str, term: Term, problems: Problems) -> list[EpMember]:
    """The Parliament's XML list; entities and DTDs are refused, never expanded."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as safe_xml
    from defusedxml import DefusedXmlException

    try:
        root = safe_xml.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        problems.add(label, message=f"refused: the XML declares {_what(exc)}, which a list of "
                     "Members never needs (nothing was expanded or fetched)")
        return []
    except ParseError as exc:
        line, column = exc.position
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        problems.add(label, line, column + 1, "", f"not well-formed XML: {reason}")
        return []
    if root.tag != "meps":
        problems.add(label, 1, 1, "", f"the root element is <{root.tag}>; the Parliament's list "
                     "is <meps><mep>…</mep></meps>")
        return []
    members = []
    for number, mep in enumerate(root.findall("mep"), start=1):
        where = f"{label}:mep[{number}]"
        if number > MAX_ROWS:
            problems.add(label, field=f"mep[{number}]", message=f"more than {MAX_ROWS:,} "
                         "Members; is this a list of Members?")
            break
        value = {child.tag: (child.text or "").strip() for child in mep}
        ep_id = _ep_id(value.get("id"), problems, label, 0, 0, f"mep[{number}].id")
        given, family = split_full_name(value.get("fullName", ""))
        wrong = text_problem((given + family).replace(LOST, ""))
        if wrong:
            problems.add(label, field=f"mep[{number}].fullName", message=wrong)
            continue
        if not family:
            problems.add(label, field=f"mep[{number}].fullName", message=f"'"
                         f"{value.get('fullName', '')}' has no family name in capitals "
                         "(the Parliament writes 'Pier Antonio PANZERI')")
        group = None
        if value.get("politicalGroup"):
            found = term.find_group(value["politicalGroup"])
            group = found.ep if found else None
            if found is None:
                problems.add(label, field=f"mep[{number}].politicalGroup", message=f"'"
                             f"{value['politicalGroup']}' is not a group of the "
                             f"{ordinal(term.number)} term ({', '.join(term.group_acronyms())})")
        country_name = value.get("country", "")
        country = country_code(country_name) if country_name else None
        if ep_id is None or not family:
            continue
        (given, family), damaged = _marked(given, family)
        members.append(EpMember(ep_id, given, family, where, country=country, group=group,
                                damaged=damaged))
    return members


def _what(exc: Exception) -> str:
    kind = type(exc).__name__
    return {"DTDForbidden": "a document type (DTD)", "EntitiesForbidden": "an entity",
            "ExternalReferenceForbidden": "an external reference"}.get(kind, kind)


def split_full_name(full: str) -> tuple[str, str]:
    """``Pier Antonio PANZERI`` -> (``Pier Antonio``, ``Panzeri``); ``Lola SÁNCHEZ
    CALDENTEY`` -> (``Lola``, ``Sánchez Caldentey``); ``Esther de LANGE`` -> (``Esther``,
    ``de Lange``): the family name is the words in capitals, with the particles before
    them, written back in mixed case (which cannot restore ``McGuinness``: check it)."""
    words = full.split()
    start = len(words)
    while start > 1 and _capitals(words[start - 1]):
        start -= 1
    if start == len(words):  # no word in capitals
        return full.strip(), ""
    while start > 1 and words[start - 1] in PARTICLES:
        start -= 1
    family = " ".join(w if w in PARTICLES else _mixed_case(w) for w in words[start:])
    return " ".join(words[:start]), family


PARTICLES = frozenset({"de", "da", "das", "del", "della", "der", "di", "do", "dos", "du",
                       "la", "le", "van", "von", "ten", "ter", "zu"})
"""Lower-case words of a family name ("de Lange", "van Nistelrooij")."""


def _capitals(word: str) -> bool:
    """A word in capitals ("PANZERI", "D'HONDT"), not an initial ("M.")."""
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _mixed_case(family: str) -> str:
    return re.sub(r"[^\W\d_]+", lambda m: m.group()[0] + m.group()[1:].lower(), family)


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    from babel import Locale

    codes = {}
    for code, name in Locale("en").territories.items():
        if len(code) == 2 and code.isalpha():
            codes[fold(name)] = code
    codes.update({fold("Czech Republic"): "CZ", fold("Great Britain"): "GB",
                  fold("Slovak Republic"): "SK", fold("The Netherlands"): "NL"})
    return codes


def country_code(name: str) -> str | None:
    """``Italy`` -> ``IT``; ``Czechia`` and ``Czech Republic`` -> ``CZ``."""
    return _country_codes().get(fold(name))


def fold(text: str) -> str:
    """How two spellings of a name compare: case, diacritics and spacing aside
    (``Soltes`` and ``Šoltes`` fold alike)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split())


def ordinal(number: int) -> str:
    return f"{number}{'th' if 10 <= number % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th')}"


__all__ = ["EpMember", "SourceUnavailable", "country_code", "download", "fold", "read_source",
           "split_full_name", "with_memberships"]
