"""Recording an answer in a letter's ``members`` list of ``campaign.yaml``, as edits of the
text (made by :class:`~undersigned.model.yamlfile.YamlText`, which keeps every byte it does
not change): an entry keeps its style (a one-line ``{member: ..., ...}`` flow mapping or a
block mapping), an unchanged value keeps its quoting, and a new entry is written in the
style of the entry above it. An entry written as an alias (``- *pz``) is replaced by the
entry in full, so that the answer changes that letter's entry only.
"""

from __future__ import annotations

import datetime as dt

from ..model.yamlfile import Span, YamlText, render_flow, render_scalar

KEY_ORDER = ("member", "invited", "answer", "answered", "wording", "note")
"""The order of the keys of a new entry, and of keys added to an entry."""

Value = str | dt.date


def find_members(doc: YamlText, doc_id: str) -> Span | None:
    """The span of ``documents.DOC.sign_on.members``, if it is a list."""
    members = doc.find("documents", doc_id, "sign_on", "members")
    if members is not None and members.kind == "alias":
        doc.refuse(members, f"this letter's members are *{members.value}, a list another "
                   "letter holds too: an answer would be recorded for both; write this "
                   "letter's list out in full, then run again")
    return members if members is not None and members.kind == "sequence" else None


def rewrite_entry(doc: YamlText, entry: Span, values: dict[str, Value | None]) -> None:
    """Give the entry these ``values`` (None removes a key); unchanged values and the text
    between keys are kept."""
    if entry.kind == "alias":
        doc.replace(entry, render_flow(_rendered(values)))
        return
    if entry.kind != "mapping":
        doc.refuse(entry, "this entry of the members list is not a mapping (member:, "
                   "invited:, ...); write it as one, then run again")
    kept = None
    for key, value in entry.pairs:
        new = values.get(key.value, _KEEP)
        if new is None:
            doc.remove(entry, key.value)
            continue
        kept = key.value
        if new is not _KEEP and not _same(value, new):
            doc.replace(value, render_scalar(new))
    present = {key.value for key, _ in entry.pairs}
    doc.add(entry, [(k, v) for k, v in _rendered(values) if k not in present], after=kept)


def append_entry(doc: YamlText, members: Span, values: dict[str, Value | None]) -> None:
    """Add an entry after the last one, in the style of the last one."""
    doc.append(members, _rendered(values))


def _rendered(values: dict[str, Value | None]) -> list[tuple[str, str]]:
    return [(key, render_scalar(values[key])) for key in KEY_ORDER
            if values.get(key) is not None]


class _Keep:
    pass


_KEEP = _Keep()


def _same(span: Span, value: Value) -> bool:
    """Whether the value's text already says ``value`` (so its quoting is kept)."""
    if span.kind == "alias" and span.target is not None:
        span = span.target
    written = value.isoformat() if isinstance(value, dt.date) else value
    return span.kind == "scalar" and span.value == written
