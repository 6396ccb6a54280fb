"""Editing a letter's answers in ``campaign.yaml`` as text, touching only the entries that
change.

A round-trip YAML library that loads and dumps the whole file re-indents lists and
re-wraps flow lists and long lines (ruamel.yaml rewrote over 100 lines of the example to
change one answer), so the file is not dumped: the parser gives the span of each member
entry and of each of its values, and only those spans are rewritten. An entry keeps its
style (a one-line ``{member: ..., ...}`` flow mapping or a block mapping), an unchanged
value keeps its quoting, and everything else, comments included, stays byte for byte.
A new entry is written in the style of the entry above it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

KEY_ORDER = ("member", "invited", "answer", "answered", "wording", "note")
"""The order of the keys of a new entry, and of keys added to an entry."""

Value = str | dt.date


@dataclass(frozen=True)
class Members:
    """The ``members`` list of one letter's sign-on in the text of ``campaign.yaml``."""

    text: str
    node: SequenceNode

    def entry(self, index: int) -> MappingNode:
        return self.node.value[index]


def find_members(text: str, doc_id: str) -> Members | None:
    """The ``documents.DOC.sign_on.members`` list of ``text``, or None if it has none."""
    # The pure-Python parser: its marks count characters of ``text``, which the edits need.
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    node = root
    for key in ("documents", doc_id, "sign_on", "members"):
        node = _value_of(node, key)
        if node is None:
            return None
    return Members(text, node) if isinstance(node, SequenceNode) else None


def _value_of(node: Node | None, key: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return value_node
    return None


def render_scalar(value: Value) -> str:
    """``value`` as a YAML scalar that reads back as the same text (or date): plain where
    that is safe, in double quotes otherwise."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if _reads_back_plain(value):
        return value
    quoted = json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML one
    return "".join(c if c.isprintable() or c == " " else f"\\u{ord(c):04x}" for c in quoted)


_PLAIN_SAFE = re.compile(r"[A-Za-z0-9\u00c0-\uffff][^,\[\]{}#:\"'\\\n\r\t]*")


def _reads_back_plain(text: str) -> bool:
    """Whether ``text`` reads back as itself unquoted, in a flow mapping, by YAML 1.1 and
    1.2 readers alike (so ``yes``, ``1.0`` and ``2017-10-19`` are quoted)."""
    if not _PLAIN_SAFE.fullmatch(text) or text != text.strip() or not text.isprintable():
        return False
    try:
        return yaml.safe_load(f"{{k: {text}}}") == {"k": text}
    except yaml.YAMLError:
        return False


def render_flow(values: dict[str, Value]) -> str:
    return "{" + ", ".join(f"{key}: {render_scalar(v)}" for key, v in values.items()) + "}"


def rewrite_entry(members: Members, index: int, values: dict[str, Value | None]) -> list:
    """The edits that give entry ``index`` these ``values`` (None removes a key); unchanged
    values and the text between keys are kept. Returns ``[(start, end, new text)]``."""
    entry = members.entry(index)
    text = members.text
    items = [(k, v) for k, v in entry.value if isinstance(k, ScalarNode)]
    separator = ", " if entry.flow_style else _newline(text) + " " * entry.start_mark.column
    edits = []
    kept = [(k, v) for k, v in items if values.get(k.value, _KEEP) is not None]
    for position, (key, value) in enumerate(items):
        new = values.get(key.value, _KEEP)
        if new is None:  # remove the key with the separator before it (after it, if first)
            if position > 0:
                previous = items[position - 1][1]
                edits.append((previous.end_mark.index, value.end_mark.index, ""))
            else:
                following = items[position + 1][0] if len(items) > 1 else None
                end = following.start_mark.index if following else value.end_mark.index
                edits.append((key.start_mark.index, end, ""))
        elif new is not _KEEP and not _same(value, new):
            edits.append((value.start_mark.index, value.end_mark.index, render_scalar(new)))
    present = {k.value for k, _ in items}
    added = [k for k in KEY_ORDER if values.get(k) is not None and k not in present]
    if added:
        last = kept[-1][1] if kept else items[-1][1]
        at = last.end_mark.index
        edits.append((at, at, "".join(f"{separator}{k}: {render_scalar(values[k])}"
                                      for k in added)))
    return edits


class _Keep:
    pass


_KEEP = _Keep()


def _same(node: Node, value: Value) -> bool:
    """Whether the scalar ``node`` already says ``value`` (so its quoting is kept)."""
    if not isinstance(node, ScalarNode):
        return False
    written = value.isoformat() if isinstance(value, dt.date) else value
    return node.value == written


def append_entry(members: Members, values: dict[str, Value]) -> list:
    """The edit that adds an entry after the last one, in the style of the last one."""
    text = members.text
    newline = _newline(text)
    if members.node.flow_style:  # members: [{...}, {...}]
        at = members.entry(-1).end_mark.index
        return [(at, at, ", " + render_flow(values))]
    last = members.entry(-1)
    line_start = text.rfind("\n", 0, last.start_mark.index) + 1
    prefix = text[line_start:last.start_mark.index]
    if not re.fullmatch(r"\s*-\s+", prefix):
        prefix = " " * max(last.start_mark.column - 2, 0) + "- "
    end = _content_end(last)
    line_end = text.find("\n", end)
    at = len(text) if line_end == -1 else line_end
    if line_end != -1 and text[line_end - 1:line_end] == "\r":
        at -= 1
    if isinstance(last, MappingNode) and not last.flow_style:
        indent = newline + " " * len(prefix)
        body = indent.join(f"{k}: {render_scalar(v)}" for k, v in values.items())
    else:
        body = render_flow(values)
    return [(at, at, newline + prefix + body)]


def _content_end(node: Node) -> int:
    """Where a node's own text ends (a block mapping's end mark lies after what follows)."""
    if isinstance(node, MappingNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1][1])
    return node.end_mark.index


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def apply(text: str, edits: list) -> str:
    """``text`` with the edits made (they do not overlap)."""
    out, cursor = [], 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        out.append(text[cursor:start])
        out.append(new)
        cursor = max(cursor, end)
    out.append(text[cursor:])
    return "".join(out)
