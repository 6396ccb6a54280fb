"""A signatory list from the Parliament's lists of Members, and a list checked against them.

``import_list`` writes (or updates) ``signatories/NAME.yaml`` with the Members selected
from a source: the Parliament's spelling of each name with its diacritics, the country as
an ISO code, the gender (which chooses "Députée" or "Député"), the e-mail address and the
EP id; the group from the source where it has one (the XML list), else from ``groups``.
Updating a list edits its text in place (``YamlText``): what the user added (roles, titles,
notes, ids, comments) stays byte for byte, and a field the user changed since the last
import (recorded in ``NAME.import.json``) is kept and reported. ``check_list`` compares a
list with a source, a located warning per difference, with the Parliament's form to write.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import Problem, Problems, UndersignedError
from ..files import read_regular, write_atomically, write_error
from ..model.models import is_email, slug
from ..model.terms import Term
from ..model.yamlfile import (MAX_FILE_BYTES, EditRefused, YamlFile, YamlText, decode_utf8,
                              read_yaml, render_scalar)
from .sources import EpMember, fold, ordinal

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


RECORDED_FIELDS = ("given", "family", "country", "group", "gender", "email")
"""What an import writes into an entry and records (in the list's ``.import.json``): a
field changed by hand since the last import is kept, and the difference reported."""


@dataclass
class ListImport:
    """A signatory list written or updated from the Parliament's list."""

    text: str
    """The list's new text."""
    record: dict
    """What the import wrote, by EP id: the content of the list's ``.import.json``."""
    notes: list[Problem]
    """What the user should know (warnings): fields kept, addresses left out, Members
    without a group."""
    created: bool


def record_path(list_path: Path) -> Path:
    """Where an import records what it wrote into a list: ``NAME.import.json`` beside it."""
    return list_path.with_name(f"{list_path.stem}.import.json")


def import_file(path: Path, members: list[EpMember], term: Term,
                source_label: str = "") -> ListImport:
    """Write or update the signatory list at ``path`` with ``members``, and its record."""
    label = str(path)
    existing = _read_list(path, label)
    record_file = record_path(path)
    result = import_list(members, term, existing, source_label, _read_record(record_file),
                         label)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = json.dumps(result.record, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    for target, data, before in ((path, result.text, existing),
                                 (record_file, record, _text_of(record_file))):
        if data == before:
            continue  # unchanged: the file is left as it is, not replaced by a copy
        try:
            write_atomically(target, data.encode("utf-8"))
        except OSError as exc:
            raise write_error(exc, target) from exc
    return result


def import_list(members: list[EpMember], term: Term, existing: str | None,
                source_label: str = "", record: dict | None = None,
                label: str = "the signatory list") -> ListImport:
    """The list with ``members`` written in (``existing`` is its current text, if any):
    an existing list is edited in place, keeping every byte the import does not change."""
    record = record if (record or {}).get("term") in (None, term.number) else {}
    remembered = (record or {}).get("members") or {}
    notes: list[Problem] = []
    chosen = [(member, _source_values(member, notes)) for member in members]
    if existing is None or _only_comments(existing):
        text, data = _new_list(chosen, term, existing or "", source_label)
    else:
        text, data = _updated_list(existing, chosen, term, remembered, label, notes,
                                   source_label)
    notes += [Problem(label, 0, 0, f"signatories[{i}]", f"{e.get('given')} {e.get('family')}: "
                      "no political group in the source; add group: (or give --groups with "
                      "the Parliament's XML list)", "warning")
              for i, e in enumerate(data.get("signatories") or [])
              if isinstance(e, dict) and not e.get("group")]
    wrote = {**remembered, **{str(member.ep_id): values for member, values in chosen}}
    return ListImport(text, {"about": RECORD_ABOUT, "source": source_label,
                             "term": term.number, "members": wrote},
                      notes, created=existing is None)


RECORD_ABOUT = ("What `undersigned meps import` last wrote into the signatory list of the same "
                "name, Member by Member (EP id), so that the next import keeps what was "
                "changed by hand since. Written by the import; not to be edited.")


def _read_list(path: Path, label: str) -> str | None:
    """The text of the list to update (None if there is none); one line if not UTF-8."""
    if not path.exists() and not path.is_symlink():
        return None
    raw = read_regular(path, MAX_FILE_BYTES, label)
    problems = Problems()
    text = decode_utf8(raw, label, problems)
    if text is None:
        raise UndersignedError(f"{problems.errors[0]} (a Latin-1 or Windows-1252 file?); "
                               "the list to update was not changed")
    return ("\ufeff" if raw.startswith(b"\xef\xbb\xbf") else "") + text


def _text_of(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None


def _read_record(path: Path) -> dict:
    """What the last import wrote into the list ({} if no import was recorded)."""
    if not path.exists() and not path.is_symlink():
        return {}
    raw = read_regular(path, MAX_FILE_BYTES, str(path))
    try:
        record = json.loads(raw.decode("utf-8"))
    except ValueError:
        record = None
    if not isinstance(record, dict) or not isinstance(record.get("members"), dict):
        raise UndersignedError(f"{path}: not the record of an import; delete it (the next "
                               "import then takes every field from the Parliament's list) "
                               "and run again")
    return record


def _source_values(member: EpMember, notes: list[Problem]) -> dict[str, str]:
    values = {"given": member.given, "family": member.family, "country": member.country,
              "gender": member.gender, "email": _one_email(member, notes),
              "group": member.group}
    return {k: unicodedata.normalize("NFC", v) for k, v in values.items() if v is not None}


def _one_email(member: EpMember, notes: list[Problem]) -> str | None:
    """The first valid address of the source's e-mail cell; the others are reported."""
    if not member.email:
        return None
    written = [re.sub(r"(?i)^mailto:", "", part) for part in re.split(r"[\s,;]+", member.email)]
    written = [part for part in written if part]
    valid = [part for part in written if is_email(part)]
    if valid and len(written) == 1:
        return valid[0]
    if not valid:
        message = f"'{member.email}' is not an e-mail address; no email written"
    else:
        left = ", ".join(part for part in written if part != valid[0])
        message = (f"{len(written)} e-mail addresses in one cell; kept {valid[0]}, left out "
                   f"{left} (a Member has one email:)")
    notes.append(Problem(member.where, 0, 0, "mep_email", f"{member.display_name}: {message}",
                         "warning"))
    return valid[0] if valid else None


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#")
               for line in text.lstrip("\ufeff").splitlines())


def _new_list(chosen, term: Term, comments: str, source_label: str) -> tuple[str, dict]:
    ids: set[str] = set()
    entries = [_new_entry(member, values, ids) for member, values in chosen]
    data = {"term": term.number,
            "title": f"Members of the {ordinal(term.number)} term"
                     + (f", from {source_label}" if source_label else ""),
            "signatories": entries}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=88)
    return comments + text, data


def _new_entry(member: EpMember, values: dict, ids: set) -> dict:
    """A Member's entry, under an id not used yet in the list."""
    base = slug(member.family)
    entry_id, number = base, 1
    while entry_id in ids:
        number += 1
        entry_id = f"{base}-{number}"
    ids.add(entry_id)
    entry = {"id": entry_id, "title": member.title, **values, "ep_id": member.ep_id}
    return {k: entry[k] for k in FIELD_ORDER if entry.get(k) is not None}


class _ListEdit:
    """An existing list, edited in place: the entries of the chosen Members brought up to
    date field by field, new Members appended in the style of the last entry."""

    def __init__(self, existing: str, term: Term, remembered: dict, label: str,
                 notes: list[Problem]):
        self.term, self.remembered, self.label, self.notes = term, remembered, label, notes
        problems = Problems()
        self.read = read_yaml(Path(label), label, problems,
                              raw=existing.lstrip("\ufeff").encode("utf-8"))
        if self.read is None:
            raise UndersignedError(f"{problems.errors[0]}; fix the list to update, or import "
                                   "into a new file; nothing was written")
        data = self.read.data
        if not isinstance(data, dict) or not isinstance(data.get("signatories") or [], list):
            raise UndersignedError(f"{label}: the signatory list to update is not a mapping "
                                   "with term: and signatories:; fix it or write to a new file")
        if data.get("term") not in (None, term.number):
            raise UndersignedError(f"{label}: the list to update is of the "
                                   f"{ordinal(data['term'])} term, not the "
                                   f"{ordinal(term.number)}; import into a new file")
        try:
            self.doc = YamlText(existing)
        except EditRefused as exc:
            raise self.refused(exc) from exc
        self.expected = copy.deepcopy(data)
        self.entries = self.expected.setdefault("signatories", []) or []
        self.expected["signatories"] = self.entries

    def refused(self, exc: EditRefused) -> UndersignedError:
        return UndersignedError(f"{self.label}:{exc.line}:{exc.column}: {exc.message}; "
                                "nothing was written")

    def same(self, field_name: str, written, value) -> bool:
        if written is None or value is None:
            return written is None and value is None
        if field_name == "group":
            found, other = self.term.find_group(str(written)), self.term.find_group(str(value))
            return found is not None and found == other
        return written == value

    def update(self, index: int, values: dict, last: dict | None) -> None:
        """Bring the entry ``index`` up to date, keeping what was changed by hand."""
        entry = self.entries[index]
        span = self.doc.find("signatories", index)
        if span is None or span.kind != "mapping":
            self.doc.refuse(span, "this entry is not written as a mapping (an alias?); write "
                            "it out in full, then import again")
        for name in RECORDED_FIELDS:
            new, written = values.get(name), entry.get(name)
            if new is None or self.same(name, written, new):
                continue
            loc = ("signatories", index) + ((name,) if name in entry else ())

            def note(message: str) -> None:
                self.notes.append(Problem(self.label, *self.read.position(loc),
                                          f"signatories[{index}].{name}", message, "warning"))

            if last is not None and not self.same(name, written, last.get(name)):
                note(f"kept {_shown(written)}, changed by hand since the last import (which "
                     f"wrote {_shown(last.get(name))}); the Parliament's list says {_shown(new)}")
                continue
            if last is None and written is not None:
                note(f"{_shown(written)} replaced by the Parliament's {_shown(new)} (no earlier "
                     "import of this Member is recorded)")
            value_span = span.get(name)
            if value_span is not None:
                self.doc.replace(value_span, render_scalar(new))
            else:  # after the key written before it in FIELD_ORDER, as the file has them
                written_keys = {key.value for key, _ in span.pairs}
                before = [k for k in FIELD_ORDER[:FIELD_ORDER.index(name)] if k in written_keys]
                self.doc.add(span, [(name, render_scalar(new))],
                             after=before[-1] if before else None)
            entry[name] = new

    def append(self, entries: list[dict]) -> None:
        """Add new Members' entries after the last one (a ``signatories:`` list if none)."""
        if not entries:
            return
        pairs = [[(k, render_scalar(v)) for k, v in entry.items()] for entry in entries]
        sequence = self.doc.find("signatories")
        if sequence is not None and sequence.kind == "sequence":
            for entry in pairs:
                self.doc.append(sequence, entry)
        else:
            nl = self.doc.newline
            block = "".join(nl + "  - " + (nl + "    ").join(f"{k}: {v}" for k, v in entry)
                            for entry in pairs)
            if sequence is None:
                self.doc.add(self.doc.root, [("signatories", block)])
            else:
                self.doc.replace(sequence, block)
        self.entries += entries

    def top(self, source_label: str) -> None:
        """``term:`` and ``title:`` where the list has none."""
        for key, value in (("term", self.term.number), ("title", (
                f"Members of the {ordinal(self.term.number)} term"
                + (f", from {source_label}" if source_label else "")))):
            if key not in self.expected:
                self.doc.add(self.doc.root, [(key, render_scalar(value))])
                self.expected[key] = value

    def edited(self) -> str:
        """The edited text, read back by the campaign's reader: it must say what was meant."""
        text = self.doc.edited()
        problems = Problems()
        read = read_yaml(Path(self.label), self.label, problems,
                         raw=text.lstrip("\ufeff").encode("utf-8"))
        if read is None or read.data != self.expected:
            raise UndersignedError(f"{self.label}: the updated list did not read back as "
                                   "intended; nothing was written (please report this, with "
                                   "the file)")
        return text


def _shown(value) -> str:
    return "no value" if value is None else f"'{value}'"


def _updated_list(existing: str, chosen, term: Term, remembered: dict, label: str,
                  notes: list[Problem], source_label: str = "") -> tuple[str, dict]:
    edit = _ListEdit(existing, term, remembered, label, notes)
    by_id = {e.get("ep_id"): i for i, e in enumerate(edit.entries)
             if isinstance(e, dict) and e.get("ep_id") is not None}
    ids = {e.get("id") for e in edit.entries if isinstance(e, dict)}
    added = []
    try:
        for member, values in chosen:
            index = by_id.get(member.ep_id)
            if index is None:
                added.append(_new_entry(member, values, ids))
            else:
                edit.update(index, values, remembered.get(str(member.ep_id)))
        edit.append(added)
        edit.top(source_label)
    except EditRefused as exc:
        raise edit.refused(exc) from exc
    return edit.edited(), edit.expected


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
            if entry.get(key) != getattr(member, key):
                warn(key, f"the Parliament spells it '{getattr(member, key)}' "
                     f"({member.display_name}, {member.where}); write that")
        if member.country and entry.get("country") != member.country:
            if member.citizenship:
                warn("country", f"the Parliament's open data gives {member.country} as the "
                     f"citizenship of {member.display_name} ({member.where}), not "
                     f"{entry.get('country')}; if it is the Member State of election, write "
                     f"{member.country} (the XML list, given as --groups, has Member States)")
            else:
                warn("country", f"the Parliament lists {member.display_name} for "
                     f"{member.country}, not {entry.get('country')}; write {member.country}")
        if member.group and entry.get("group") is not None:
            group = term.find_group(str(entry["group"]))
            if group is None or group.ep != member.group:
                warn("group", f"the Parliament lists {member.display_name} in "
                     f"{member.group}, not {entry['group']}")
        if member.gender and entry.get("gender") not in (None, member.gender):
            warn("gender", f"the Parliament lists {member.display_name} as {member.gender}")
    return compared


__all__ = ["ListImport", "Selection", "check_list", "import_file", "import_list", "record_path"]
