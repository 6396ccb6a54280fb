"""A signatory list from the Parliament's lists of Members, and a list checked against them.

``import_list`` writes (or updates) ``signatories/NAME.yaml`` with the Members selected
from a source: the Parliament's spelling of each name with its diacritics, the country as
an ISO code, the gender (which chooses "Députée" or "Député"), the e-mail address and the
EP id; the group from the source where it has one (the XML list), else from ``groups``.
Updating a list keeps what the user added (roles, titles, notes, spellings, ids) and its
opening comments. ``check_list`` compares a list with a source, a located warning per
difference, with the Parliament's form to write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import Problems, UndersignedError
from ..model.terms import Term
from ..model.yamlfile import YamlFile
from .sources import EpMember, fits, fold, ordinal
from .summary import Note

IMPORTED_FIELDS = ("given", "family", "country", "gender", "ep_id", "email")
"""What an import takes from the Parliament's list; every other field is the user's."""
FIELD_ORDER = ("id", "title", "given", "family", "country", "group", "gender", "ep_id",
               "email")


@dataclass
class Selection:
    """Which Members of a source to take: all of them when nothing is given."""

    ids: list[int] = field(default_factory=list)
    """EP ids, in the order the list is to have them."""
    groups: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    committees: list[str] = field(default_factory=list)

    def choose(self, members: list[EpMember], term: Term) -> list[EpMember]:
        if self.committees:
            raise UndersignedError("the Parliament's open-data CSV and XML lists of Members "
                                   "do not say who sits on which committee; select the "
                                   "committee's Members by --id (the committee's page lists "
                                   "their ids)")
        chosen = members
        if self.groups:
            wanted = set()
            for written in self.groups:
                group = term.find_group(written)
                if group is None:
                    raise UndersignedError(f"'{written}' is not a group of the "
                                           f"{ordinal(term.number)} term "
                                           f"({', '.join(term.group_acronyms())})")
                wanted.add(group.ep)
            if not any(m.group for m in members):
                raise UndersignedError("this list has no political groups (the open-data CSV "
                                       "has none); select by group with the XML list as "
                                       "--groups, or by --id")
            chosen = [m for m in chosen if m.group in wanted]
        if self.countries:
            codes = {c.upper() for c in self.countries}
            chosen = [m for m in chosen if m.country in codes]
        if self.ids:
            by_id = {m.ep_id: m for m in chosen}
            unknown = [str(i) for i in self.ids if i not in by_id]
            if unknown:
                raise UndersignedError(f"no Member with the EP id {', '.join(unknown)} in the "
                                       f"source{' among those selected' if chosen is not members else ''}")
            chosen = [by_id[i] for i in self.ids]
        return chosen


def import_list(members: list[EpMember], term: Term, existing: str | None,
                source_label: str = "") -> tuple[str, list[Note]]:
    """The YAML text of the signatory list, and notes for the user (Members without a
    group, for example). ``existing`` is the current text of the list, if any."""
    try:
        old = yaml.safe_load(existing) if existing else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise UndersignedError(f"the signatory list to update is not valid YAML{where}: "
                               f"{getattr(exc, 'problem', None) or exc}; fix it or write to "
                               "a new file") from exc
    if existing is not None and not isinstance(old, dict):
        raise UndersignedError("the signatory list to update is not a mapping with term: and "
                               "signatories:; fix it or write to a new file")
    old = old or {}
    if old.get("term") not in (None, term.number):
        raise UndersignedError(f"the list to update is of the {ordinal(old['term'])} term, not "
                               f"the {ordinal(term.number)}; import into a new file")
    entries: list[dict] = [dict(e) for e in old.get("signatories") or [] if isinstance(e, dict)]
    by_id = {e.get("ep_id"): e for e in entries if e.get("ep_id") is not None}
    for member in members:
        entry = by_id.get(member.ep_id)
        if entry is None:
            entry = {"id": member.list_id, "title": member.title}
            entries.append(entry)
        for name in IMPORTED_FIELDS:
            value = getattr(member, name)
            if value is not None:
                entry[name] = value
        if member.group:
            entry["group"] = member.group
    notes = [Note("no political group in the source; add group: (or give --groups with "
                  "the Parliament's XML list)", f"{e.get('given')} {e.get('family')}")
             for e in entries if not e.get("group")]
    data = {"term": term.number}
    data["title"] = old.get("title") or (f"Members of the {ordinal(term.number)} term"
                                         + (f", from {source_label}" if source_label else ""))
    data["signatories"] = [_ordered(e) for e in entries]
    for key, value in old.items():
        if key not in data:
            data[key] = value
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=88)
    return _opening_comments(existing) + text, notes


def _ordered(entry: dict) -> dict:
    ordered = {k: entry[k] for k in FIELD_ORDER if entry.get(k) is not None}
    ordered.update({k: v for k, v in entry.items() if k not in ordered and v is not None})
    return ordered


def _opening_comments(existing: str | None) -> str:
    lines = []
    for line in (existing or "").splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def check_list(source: YamlFile, members: list[EpMember], term: Term, source_label: str,
               problems: Problems) -> int:
    """Compare a signatory list with the Parliament's; return how many Members were
    compared. Each difference is a warning at the field, with the Parliament's form."""
    data = source.data if isinstance(source.data, dict) else {}
    if data.get("term") not in (None, term.number):
        problems.add(source.label, *source.position(("term",)), "term", f"the list is of the "
                     f"{ordinal(data['term'])} term; compare it with that term's list "
                     f"(--term {data['term']})")
        return 0
    by_id = {m.ep_id: m for m in members}
    by_name: dict[str, list[EpMember]] = {}
    for member in members:
        by_name.setdefault(fold(member.name), []).append(member)
    compared = 0
    for index, entry in enumerate(data.get("signatories") or []):
        if not isinstance(entry, dict):
            continue
        loc = ("signatories", index)
        where = f"signatories[{index}]"

        def warn(key: str, message: str) -> None:
            line, column = source.position(loc + (key,))
            problems.add(source.label, line, column, f"{where}.{key}" if key else where,
                         message, severity="warning")

        name = f"{entry.get('given', '')} {entry.get('family', '')}".strip()
        ep_id = entry.get("ep_id")
        if ep_id is None:
            found = by_name.get(fold(name), [])
            if len(found) == 1:
                warn("family", f"no ep_id; {found[0].display_name} is EP id "
                     f"{found[0].ep_id} in {source_label} ({found[0].where}): add "
                     f"ep_id: {found[0].ep_id}")
            else:
                warn("family", f"{name} is not in {source_label}, the Parliament's list of "
                     f"the {ordinal(term.number)} term")
            continue
        member = by_id.get(ep_id)
        if member is None:
            warn("ep_id", f"no Member has the EP id {ep_id} in {source_label}, the "
                 f"Parliament's list of the {ordinal(term.number)} term")
            continue
        compared += 1
        for key in ("given", "family"):
            if key in member.damaged and not fits(getattr(member, key), str(entry.get(key))):
                warn(key, f"differs from {member.where}, whose '{getattr(member, key)}' lost "
                     "letters in the Parliament's export: compare with its XML list "
                     "(--groups), which spells them")
            elif key not in member.damaged and entry.get(key) != getattr(member, key):
                warn(key, f"the Parliament spells it '{getattr(member, key)}' "
                     f"({member.display_name}, {member.where}); write that")
        if member.country and entry.get("country") != member.country:
            warn("country", country_difference(member, entry.get("country")))
        if member.group and entry.get("group") is not None:
            group = term.find_group(str(entry["group"]))
            if group is None or group.ep != member.group:
                warn("group", f"the Parliament lists {member.display_name} in "
                     f"{member.group}, not {entry['group']}")
        if member.gender and entry.get("gender") not in (None, member.gender):
            warn("gender", f"the Parliament lists {member.display_name} as {member.gender}")
    return compared


def country_difference(member: EpMember, written: object) -> str:
    """What differs between a list's ``country`` and the Parliament's, each source named
    for what it gives: the open data gives a citizenship, which is no advice on the Member
    State of election (Kelam's is Spain there); the XML list gives the Member State."""
    if member.citizenship:
        return (f"the Parliament's open data gives {member.country} as the citizenship of "
                f"{member.display_name} ({member.where}); the list says {written}. country: "
                "is the Member State of election, which the open data does not give: "
                "compare with the Parliament's XML list (--groups), which does")
    also = (f" (its open data gives {member.citizen_of} as the citizenship, {member.where})"
            if member.citizen_of else "")
    return (f"the Parliament lists {member.display_name} for {member.country}, not "
            f"{written}{also}; write {member.country}")


def declared_groups(path: Path) -> list:
    """The groups a signatory list declares for its term (``groups:``, for a term or a
    group the registry does not know); none when the list does not exist or says none
    (what is wrong in it is said where the list is read)."""
    from ..model.terms import Group
    from ..model.yamlfile import read_yaml

    if not path.is_file():
        return []
    loaded = read_yaml(path, str(path), Problems())
    data = loaded.data if loaded is not None and isinstance(loaded.data, dict) else {}
    groups = data.get("groups") if isinstance(data.get("groups"), list) else []
    return [Group(str(g["ep"]), str(g.get("english") or g["ep"]), str(g["name"]))
            for g in groups if isinstance(g, dict) and g.get("ep") and g.get("name")]


def read_list_text(path: Path) -> str | None:
    from ..files import read_regular
    from ..model.yamlfile import MAX_FILE_BYTES

    if not path.exists() and not path.is_symlink():
        return None
    return read_regular(path, MAX_FILE_BYTES, str(path)).decode("utf-8")


__all__ = ["Selection", "check_list", "import_list", "read_list_text"]
