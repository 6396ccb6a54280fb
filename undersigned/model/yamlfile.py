"""Reading campaign YAML safely, with the line and column of every value; and editing a
YAML file in place, span by span (:class:`YamlText`, at the end of this module).

PyYAML's safe loader is the parser, but not its constructor: we build the
Python values ourselves from the node tree so that

- duplicate keys are errors (PyYAML silently keeps the last one);
- only YAML 1.2 core scalars are typed: ``NO`` and ``on`` stay text, ``0012``
  stays text (not octal 10), ``2017-13-45`` stays text for the model to reject;
- every value's position is kept, so that a model error can name its line;
- aliases cannot expand into a "billion laughs", nor nesting exhaust the stack.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..errors import Problems
from .text import normal, text_problem

MAX_FILE_BYTES = 2 * 1024 * 1024
"""A campaign file larger than this is refused before it is parsed."""
MAX_NODES = 100_000
"""How many values one file may expand to, aliases included."""
MAX_DEPTH = 64
"""How deeply values may nest."""
MAX_TEXT_CHARS = 50_000
"""How long one value may be: far above any real name, fact or paragraph."""
PARSER = f"PyYAML {yaml.__version__}"
"""What parses YAML here: what is kept of a parsed file (:mod:`undersigned.kept`) names it."""

Key = str | int
Position = tuple[int, int]

_CORE = "tag:yaml.org,2002:"


class _CoreResolver(yaml.resolver.BaseResolver):
    """Resolves plain scalars by the YAML 1.2 core schema, not YAML 1.1's."""


for _tag, _pattern, _first in [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    # Decimal integers only, and no leading zero: "0012" is text, never octal.
    ("int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    # A float has a point or an exponent: "0012" and "010000" (a postcode) stay text.
    ("float", r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$", "-+.0123456789"),
    ("float", r"^[-+]?[0-9]+[eE][-+]?[0-9]+$", "-+0123456789"),
    ("float", r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+."),
]:
    _CoreResolver.add_implicit_resolver(_CORE + _tag, re.compile(_pattern), list(_first))


class _Composer(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
                yaml.composer.Composer, _CoreResolver):
    """Parses to a node tree only; construction is ours."""

    def __init__(self, stream: str):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _CoreResolver.__init__(self)


@dataclass
class YamlFile:
    """A parsed YAML file: its values and where each one stands."""

    path: Path
    """The file on disk."""
    label: str
    """How messages name the file (relative to the campaign folder)."""
    data: object = None
    """The values, as dicts, lists, str, int, float, bool and None."""
    positions: dict[tuple[Key, ...], Position] = field(default_factory=dict)
    """(line, column) of each value by its path of keys; of its key for mapping entries."""

    def position(self, loc: tuple[Key, ...]) -> Position:
        """The position of ``loc``, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc not in self.positions and loc:
            loc = loc[:-1]
        return self.positions.get(loc, (1, 1))


def read_yaml(path: Path, label: str, problems: Problems,
              inside: Path | None = None, raw: bytes | None = None) -> YamlFile | None:
    """Parse one campaign file; report what is wrong to ``problems`` and return None then.

    With ``inside``, a file that resolves outside that folder (through a symbolic
    link) is refused before it is opened. With ``raw``, those bytes are parsed as the
    file's (an edit checked before it is written).
    """
    before = len(problems.errors)
    if raw is not None and len(raw) > MAX_FILE_BYTES:
        problems.add(label, message=f"the file would be {len(raw):,} bytes; campaign files "
                     f"are limited to {MAX_FILE_BYTES:,} bytes")
        return None
    if raw is None:
        raw = _read_bounded(path, label, problems, inside)
    if raw is None:
        return None
    text = decode_utf8(raw, label, problems)
    if text is None:
        return None
    result = YamlFile(path, label)
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        line, column, message = parser_advice(exc, text)
        problems.add(label, line, column, message=f"invalid YAML: {message}")
        return None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        character = exc.character if isinstance(exc.character, str) else chr(exc.character)
        problems.add(label, line, column, message=f"the character U+{ord(character):04X} "
                     f"({unicodedata.name(character, 'a control character')}) is not allowed "
                     "in YAML; remove it")
        return None
    except yaml.YAMLError as exc:
        problems.add(label, message=f"invalid YAML: {exc}")
        return None
    except RecursionError:
        line, column, key = _too_deep_entry(text)
        problems.add(label, line, column, key, f"values nest too deeply (more than "
                     f"{MAX_DEPTH} levels)")
        return None
    if node is None:
        result.data = None
        result.positions[()] = (1, 1)
        return result
    builder = _Builder(result, problems, chars=2 * len(text) + 100_000)
    result.data = builder.build(node, (), 0)
    return None if len(problems.errors) > before else result


def parser_advice(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str]:
    """(line, column, message) of a parser error, in words that say what to do for the
    mistakes people make (an apostrophe in single quotes, an unquoted ': ', a tab); the
    parser's own words otherwise."""
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and mark.index >= len(text.rstrip()):
        # Ran off the end (an unclosed quote or bracket): point where it opened.
        mark = exc.context_mark
    lines = text.splitlines()
    number = mark.line if mark else 0
    current = lines[number] if number < len(lines) else ""
    at = mark.column if mark else 0
    problem, context = exc.problem or "", exc.context or ""

    def value_of(row: str) -> tuple[int, str]:
        """(column, text) of the value on a ``key: value`` or ``- value`` line."""
        match = re.match(r"\s*(?:-\s+)?(?:[^:#'\"]+:\s+)?", row)
        start = match.end() if match else 0
        return start, row[start:].rstrip()

    if problem.startswith("found character '\\t'"):
        return number + 1, at + 1, ("the line is indented with a tab; indent with spaces, "
                                   "not tabs")
    if "expected <block end>, but found '<scalar>'" in problem and 0 < at <= len(current):
        quote = current[:at].rstrip()[-1:]
        start, value = value_of(current)
        if quote == "'" and value.startswith("'"):
            inner = value[1:-1] if value.endswith("'") and len(value) > 1 else value[1:]
            return number + 1, start + 1, (
                "an apostrophe ends a text in single quotes; put the text in double quotes "
                f"(\"{inner}\") or write the apostrophe twice ('{inner.replace(chr(39), chr(39) * 2)}')")
        if quote == '"' and value.startswith('"'):
            return number + 1, at + 1, ("text follows the closing quote; put all of the text "
                                        "inside the quotes, and write a quote inside it as \\\"")
    if problem == "mapping values are not allowed here":
        start, value = value_of(current)
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        return number + 1, start + 1, ("a text holding ': ' must be in quotes; put the text "
                                       f"in double quotes (\"{quoted}\")")
    found = re.match(r"found character '(.)' that cannot start any token", problem)
    if found and found.group(1) in "@`%":
        start, value = value_of(current)
        return number + 1, at + 1, (f"a text cannot start with '{found.group(1)}' unless it is "
                                    f"quoted; put the text in double quotes (\"{value}\")")
    if context == "while scanning a quoted scalar" and "end of stream" in problem:
        return number + 1, at + 1, ("the quote opened here is never closed; close it at the "
                                    "end of the text")
    if problem == "could not find expected ':'" and exc.context_mark is not None:
        row = exc.context_mark.line
        return row + 1, exc.context_mark.column + 1, (
            "this line is neither 'key: value' nor a list item; to continue the text of the "
            "line above, indent it more than its key, or put the whole text in quotes")
    if "expected <block end>, but found '-'" in problem:
        return number + 1, at + 1, ("a list item where the keys of a mapping go on; put the "
                                    "list under a key ('key:', then '- item' lines indented "
                                    "below it)")
    if context in ("while parsing a flow mapping", "while parsing a flow sequence"):
        bracket = "{" if "mapping" in context else "["
        return number + 1, at + 1, (
            f"the '{bracket}' opened here is never closed; close it, or put a text that "
            f"starts with '{bracket}' in double quotes")
    message = f"{context}: {problem}" if context and problem else problem or "invalid YAML"
    return number + 1 if mark else 0, at + 1 if mark else 0, message


def _read_bounded(path: Path, label: str, problems: Problems, inside: Path | None):
    """The bytes of a regular file of at most MAX_FILE_BYTES inside ``inside``, or None."""
    try:
        if inside is not None and not path.resolve().is_relative_to(inside.resolve()):
            problems.add(label, message=f"links to {path.resolve()}, outside the campaign "
                         "folder; campaign files must be inside it")
            return None
        stat = path.stat()
        if not S_ISREG(stat.st_mode):
            problems.add(label, message="is not a regular file (a device, a pipe or a "
                         "folder?); campaign files are plain text files")
            return None
        if stat.st_size > MAX_FILE_BYTES:
            problems.add(label, message=f"the file is {stat.st_size:,} bytes; campaign files "
                         f"are limited to {MAX_FILE_BYTES:,} bytes")
            return None
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:
        problems.add(label, message=f"cannot read the file: {getattr(exc, 'strerror', None) or exc}")
        return None
    if len(raw) > MAX_FILE_BYTES:  # it grew since stat
        problems.add(label, message=f"the file is over {MAX_FILE_BYTES:,} bytes; campaign "
                     "files are limited to that")
        return None
    return raw


def _field_part(loc: tuple[Key, ...]) -> tuple[Key, ...]:
    """The leading mapping keys of ``loc``: ``('notes', 0, 0)`` -> ``('notes',)``."""
    out: list[Key] = []
    for part in loc:
        if isinstance(part, int):
            break
        out.append(part)
    return tuple(out or loc[:1])


def _too_deep_entry(text: str) -> tuple[int, int, str]:
    """(line, column, top-level key) of where ``text`` nests too deeply."""
    line, column = _too_deep(text)
    key = ""
    for number, content in enumerate(text.splitlines()[:line], 1):
        match = re.match(r"([^\s#:][^:]*):(\s|$)", content)
        if match:
            key, line, column = match.group(1), number, 1
    return line, column, key


def _too_deep(text: str) -> tuple[int, int]:
    """Where ``text`` first nests deeper than MAX_DEPTH, found from parser events."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.BaseLoader):  # libyaml scans ahead
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1, event.start_mark.column + 1
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except (yaml.YAMLError, RecursionError):
        pass
    return 0, 0


def decode_utf8(raw: bytes, label: str, problems: Problems) -> str | None:
    """``raw`` as text (a byte-order mark is dropped); None, with the position, if not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw[:exc.start].count(b"\n") + 1
        column = len(raw[line_start:exc.start].decode("utf-8", "replace")) + 1
        problems.add(label, line, column, message=f"not valid UTF-8 (byte "
                     f"0x{raw[exc.start]:02x}); save the file as UTF-8")
        return None


if getattr(yaml, "__with_libyaml__", False):
    class _FastComposer(yaml.cyaml.CParser, _CoreResolver):
        """libyaml's parser with our resolver: the same nodes, ten times faster."""

        def __init__(self, stream: str):
            yaml.cyaml.CParser.__init__(self, stream)
            _CoreResolver.__init__(self)
else:  # pragma: no cover - PyYAML built without libyaml
    _FastComposer = None


def _compose(text: str):
    """The node tree of ``text``. libyaml parses; on an error the pure-Python parser parses
    again, for its clearer messages (it names the character it cannot read, for one)."""
    if _FastComposer is not None:
        loader = _FastComposer(text)
        try:
            return loader.get_single_node()
        except yaml.YAMLError:
            pass
        finally:
            loader.dispose()
    loader = _Composer(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


class _TooLarge(Exception):
    def __init__(self, message: str, node, loc):
        super().__init__(message)
        self.node, self.loc = node, loc


class _Builder:
    """Turns a node tree into plain values, recording positions and problems."""

    def __init__(self, target: YamlFile, problems: Problems, chars: int):
        self.target = target
        self.problems = problems
        self.count = 0
        self.chars_left = chars
        """Characters the values may add up to: aliases must not multiply text either."""

    def build(self, node, loc: tuple[Key, ...], depth: int):
        try:
            return self._value(node, loc, depth)
        except _TooLarge as exc:
            # Name the field, not the path of list indexes below it (e[7][8][8]...).
            entry = _field_part(exc.loc)
            line, column = self.target.position(entry)
            self.problems.add(self.target.label, line, column, dotted(entry), str(exc))
            return None

    def _error(self, node, loc, message):
        field = dotted(loc)
        self.problems.add(self.target.label, node.start_mark.line + 1,
                          node.start_mark.column + 1, field, message)

    def _value(self, node, loc, depth):
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(f"the file expands to more than {MAX_NODES:,} values "
                            "(too many aliases?)", node, loc)
        if depth > MAX_DEPTH:
            raise _TooLarge(f"values nest too deeply (more than {MAX_DEPTH} levels)", node, loc)
        self.target.positions.setdefault(loc, (node.start_mark.line + 1,
                                               node.start_mark.column + 1))
        if isinstance(node, ScalarNode):
            return self._scalar(node, loc)
        if isinstance(node, SequenceNode):
            if node.tag != _CORE + "seq":
                self._error(node, loc, _tag_message(node.tag))
            return [self._value(item, loc + (i,), depth + 1)
                    for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self._mapping(node, loc, depth)
        self._error(node, loc, "unsupported YAML value")  # pragma: no cover
        return None

    def _mapping(self, node, loc, depth):
        if node.tag != _CORE + "map":
            self._error(node, loc, _tag_message(node.tag))
        result: dict = {}
        first_line: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self._error(key_node, loc, "a key must be plain text, not a list or mapping")
                continue
            key = self._scalar(key_node, loc)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = key_node.value
            key_line = key_node.start_mark.line + 1
            if key == "<<":
                self._error(key_node, loc, "merge keys (<<) are not supported; write the "
                            "fields out in full")
                continue
            if key in result:
                self._error(key_node, loc + (key,),
                            f"duplicate key '{key}' (first given on line {first_line[key]}); "
                            "a key may appear only once")
                continue
            first_line[key] = key_line
            self.target.positions[loc + (key,)] = (key_line, key_node.start_mark.column + 1)
            result[key] = self._value(value_node, loc + (key,), depth + 1)
        return result

    def _scalar(self, node, loc):
        tag, text = node.tag, node.value
        self.chars_left -= len(text)
        if self.chars_left < 0:
            raise _TooLarge("the values expand to many times the size of the file (too many "
                            "aliases?)", node, loc)
        if len(text) > MAX_TEXT_CHARS:
            self._error(node, loc, f"the value is {len(text):,} characters long; values are "
                        f"limited to {MAX_TEXT_CHARS:,}")
            return text[:MAX_TEXT_CHARS]
        unwanted = text_problem(text)
        if unwanted:
            self._error(node, loc, unwanted)
            return text
        if tag == _CORE + "str":
            # One spelling per text: "José" typed on one machine and pasted from another
            # (decomposed, NFD) must compare, and print, as the same name.
            return normal(text)
        if tag == _CORE + "null":
            return None
        if tag == _CORE + "bool":
            return text.lower() == "true"
        if tag == _CORE + "int":
            try:
                return int(text)
            except ValueError:
                self._error(node, loc, f"'{text}' is not a whole number")
                return text
        if tag == _CORE + "float":
            lowered = text.lower().lstrip("+")
            if lowered in (".inf", "-.inf", ".nan"):
                return float(lowered.replace(".", ""))
            try:
                return float(text)
            except ValueError:
                self._error(node, loc, f"'{text}' is not a number")
                return text
        self._error(node, loc, _tag_message(tag))
        return text


def _tag_message(tag: str) -> str:
    shown = "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag
    return f"the tag {shown} is not allowed; write plain values"


def dotted(loc: tuple[Key, ...]) -> str:
    """``('signatories', 3, 'group')`` -> ``signatories[3].group``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out




# --- Editing a file span by span ---------------------------------------------------------
#
# A round-trip library that loads and dumps a whole file re-indents lists, re-wraps flow
# lists and long lines, and reads YAML 1.1 (``NO`` becomes ``false``). So a file is never
# dumped: the parser gives the span of each value in the text, and only the spans that
# change are rewritten. Everything else (comments, quoting, line endings, a byte-order
# mark) stays byte for byte. The span of ``*x`` is the alias itself, never the anchored
# value, and a value that is anchored and repeated elsewhere is not edited in place (both
# places would change): such an edit is refused at its position in the original file.


class EditRefused(Exception):
    """Raised when an edit cannot be made in place; ``line`` and ``column`` are in the
    original text."""

    def __init__(self, line: int, column: int, message: str):
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


@dataclass(eq=False, slots=True)
class Span:
    """One value of a YAML text, and where its own text stands (anchor and tag aside)."""

    kind: str
    """``scalar``, ``mapping``, ``sequence`` or ``alias``."""
    start: int
    end: int
    """Where the value's text ends: a block scalar's last character, a block collection's
    last value's end; never the comments and blank lines after it."""
    flow: bool = False
    value: str | None = None
    """A scalar's text as read (quotes aside); an alias's anchor name."""
    anchor: str | None = None
    anchor_start: int = 0
    """Where the value's anchor (``&x``) stands, if it has one."""
    parent: Span | None = None
    pairs: list[list[Span]] = field(default_factory=list)
    """A mapping's [key, value] spans."""
    items: list[Span] = field(default_factory=list)
    """A sequence's items."""
    aliases: list[Span] = field(default_factory=list)
    """The aliases that repeat this (anchored) value."""
    target: Span | None = None
    """The value an alias repeats."""

    def get(self, key: Key) -> Span | None:
        """The value at ``key`` (a mapping's key, a sequence's index), or None."""
        if self.kind == "sequence":
            ok = isinstance(key, int) and -len(self.items) <= key < len(self.items)
            return self.items[key] if ok else None
        return next((value for k, value in self.pairs
                     if k.kind == "scalar" and k.value == str(key)), None)


_SPAN_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml where PyYAML has it: it reads what the campaign's reader reads (a tab before a
comment, which PyYAML's own scanner refuses), and its marks count characters too."""


def _scalar_starts(text: str) -> dict[int, int]:
    """Where each scalar's own text starts (after its anchor and tag), by where it ends."""
    return {token.end_mark.index: token.start_mark.index
            for token in yaml.scan(text, Loader=_SPAN_LOADER)
            if isinstance(token, yaml.ScalarToken)}


def _block_scalar_end(text: str, start: int, end: int) -> int:
    """Where a block scalar's text ends: after its last character, or, when it keeps its
    trailing line breaks (``|+``), at the last of them (they are part of its value)."""
    body = text[start:end]
    if "+" not in body.split("\n", 1)[0].split("#", 1)[0]:
        return start + len(body.rstrip())
    kept = body.rstrip(" \t")
    if kept.endswith("\n"):
        return start + len(kept) - (2 if kept.endswith("\r\n") else 1)
    return start + len(kept)


def parse_spans(text: str) -> Span | None:
    """The spans of the values of ``text``: the root, or None for an empty document.
    Raises yaml.YAMLError if it is not YAML, EditRefused if it holds two documents."""
    starts = _scalar_starts(text)
    anchors: dict[str, Span] = {}
    stack: list[Span] = []
    root = None
    for event in yaml.parse(text, Loader=_SPAN_LOADER):
        if isinstance(event, yaml.DocumentStartEvent) and root is not None:
            raise EditRefused(event.start_mark.line + 1, event.start_mark.column + 1,
                              "a second YAML document; keep one document in the file")
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            done = stack.pop()
            last = done.pairs[-1][1] if done.pairs else done.items[-1] if done.items else None
            done.end = event.end_mark.index if done.flow or last is None else last.end
            continue
        if isinstance(event, yaml.AliasEvent):
            span = Span("alias", event.start_mark.index, event.end_mark.index,
                        value=event.anchor, target=anchors.get(event.anchor))
            if span.target is not None:
                span.target.aliases.append(span)
        elif isinstance(event, yaml.ScalarEvent):
            end = event.end_mark.index
            start = starts.get(end, end)
            if event.style in ("|", ">"):
                end = _block_scalar_end(text, start, end)
            span = Span("scalar", start, end, value=event.value, anchor=event.anchor)
        elif isinstance(event, yaml.CollectionStartEvent):
            kind = "mapping" if isinstance(event, yaml.MappingStartEvent) else "sequence"
            flow = bool(event.flow_style)
            at = event.end_mark.index - 1 if flow else -1  # a block one: at its first child
            span = Span(kind, at, at, flow=flow, anchor=event.anchor)
        else:
            continue
        if event.anchor:
            anchors[event.anchor] = span
            span.anchor_start = event.start_mark.index
        if stack:
            _attach(stack[-1], span, text)
        else:
            root = span
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append(span)
    return root


def _attach(parent: Span, span: Span, text: str) -> None:
    span.parent = parent
    if parent.start < 0:  # a block collection starts at its first key, or its first '-'
        parent.start = span.start if parent.kind == "mapping" else text.rfind("-", 0, span.start)
    if parent.kind == "sequence":
        parent.items.append(span)
    elif parent.pairs and len(parent.pairs[-1]) == 1:
        parent.pairs[-1].append(span)
    else:
        parent.pairs.append([span])


def render_scalar(value: str | int | dt.date) -> str:
    """``value`` as a YAML scalar that reads back as the same value, by this module (YAML
    1.2) and by YAML 1.1 readers alike: plain where that is safe, in double quotes
    otherwise (so ``NO``, ``on``, ``1e3`` and ``2017-10-19`` as text are quoted)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if _reads_back_plain(value):
        return value
    quoted = json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML one
    return "".join(c if c.isprintable() or c == " " else
                   f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}" for c in quoted)


_PLAIN_SAFE = re.compile(r"[A-Za-z0-9\u00c0-\uffff][^,\[\]{}#:\"'\\\n\r\t]*")


def _reads_back_plain(text: str) -> bool:
    if not _PLAIN_SAFE.fullmatch(text) or text != text.strip() or not text.isprintable():
        return False
    try:
        node = _compose(f"{{k: {text}}}")
        core = node.value[0][1]
        return (yaml.safe_load(f"{{k: {text}}}") == {"k": text}
                and core.tag == _CORE + "str" and core.value == text)
    except (yaml.YAMLError, IndexError, AttributeError):
        return False


def render_flow(pairs: list[tuple[str, str]]) -> str:
    """A flow mapping of keys and their rendered values: ``{member: panzeri, ...}``."""
    return "{" + ", ".join(f"{key}: {value}" for key, value in pairs) + "}"


class YamlText:
    """A YAML text to edit in place: the spans of its values, and the edits to make.

    Edits are collected (``replace``, ``remove``, ``add``, ``append``) and made at once by
    ``edited``; ``original_position`` takes a position in the edited text back to the
    original one, so that a problem found in the edit is reported where the user can see
    it. Raises EditRefused (at the original position) for an edit that cannot be made.
    """

    def __init__(self, text: str):
        self.bom = "\ufeff" if text.startswith("\ufeff") else ""
        self.text = text[len(self.bom):]
        self.newline = "\r\n" if "\r\n" in self.text else "\n"
        try:
            self.root = parse_spans(self.text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise EditRefused(mark.line + 1, mark.column + 1, f"invalid YAML: {exc.problem}")
        self.edits: list[tuple[int, int, str]] = []

    def position(self, index: int, text: str | None = None) -> Position:
        """(line, column) of a character index, both from 1."""
        text = self.text if text is None else text
        line_start = text.rfind("\n", 0, index) + 1
        return text.count("\n", 0, index) + 1, index - line_start + 1

    def refuse(self, span: Span, message: str):
        raise EditRefused(*self.position(span.start), message)

    def find(self, *path: Key) -> Span | None:
        """The value at ``path`` from the root, or None; never through an alias (the value
        is then someone else's too): that is refused at the alias."""
        span = self.root
        for depth, key in enumerate(path, 1):
            if span is None or span.kind not in ("mapping", "sequence"):
                return None
            span = span.get(key)
            if span is not None and span.kind == "alias" and depth < len(path):
                self.refuse(span, f"'{dotted(path)}' goes through the alias *{span.value}; "
                            "write the value out in full there, then run again")
        return span

    def _editable(self, span: Span) -> None:
        """Refuse to change a value that is anchored (or inside one) and repeated."""
        at = span
        while at is not None:
            if at.anchor and at.aliases:
                line = self.position(at.aliases[0].start)[0]
                raise EditRefused(*self.position(at.anchor_start), (
                    f"this value is anchored (&{at.anchor}) and repeated through "
                    f"*{at.anchor} on line {line}: an edit here would change both; write the "
                    f"value out in full in place of *{at.anchor}, then run again"))
            at = at.parent

    def _line_after(self, index: int) -> tuple[int, str]:
        """Where the line holding ``index`` ends (after its line break), and the line break
        to write first if the file ends there without one."""
        end = self.text.find("\n", index)
        return (len(self.text), self.newline) if end == -1 else (end + 1, "")

    def _line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def replace(self, span: Span, rendered: str) -> None:
        """Write ``rendered`` in place of a value (an alias: in place of the alias only)."""
        self._editable(span if span.kind != "alias" else span.parent)
        if (span.start == span.end and self.text[span.start - 1:span.start] not in " \t\n[{,"
                and not rendered.startswith(("\n", "\r"))):
            rendered = " " + rendered  # an empty value right after its key (or its &anchor)
        header = self.text[span.start:span.end].split("\n", 1)[0].rstrip("\r")
        if span.kind == "scalar" and header[:1] in ("|", ">") and "#" in header:
            rendered += "  " + header[header.index("#"):]  # the comment on a block's first line
        self.edits.append((span.start, span.end, rendered))

    def remove(self, mapping: Span, key: str) -> None:
        """Remove a key and its value; in a block mapping, their whole lines."""
        self._editable(mapping)
        index = next(i for i, (k, _) in enumerate(mapping.pairs) if k.value == key)
        key_span, value = mapping.pairs[index]
        following = mapping.pairs[index + 1][0] if index + 1 < len(mapping.pairs) else None
        line_start = self._line_start(key_span.start)
        if not mapping.flow and not self.text[line_start:key_span.start].strip():
            self.edits.append((line_start, self._line_after(value.end)[0], ""))
        elif index > 0:
            self.edits.append((mapping.pairs[index - 1][1].end, value.end, ""))
        else:
            self.edits.append((key_span.start,
                               following.start if following else value.end, ""))

    def add(self, mapping: Span, pairs: list[tuple[str, str]], after: str | None = None):
        """Add keys with their rendered values after the key ``after`` (the last one by
        default), in the mapping's style. A value starting with a line break is a block
        collection, written on the lines below its key."""
        self._editable(mapping)
        if not pairs:
            return
        if not mapping.pairs:
            if not mapping.flow:  # pragma: no cover - a block mapping has a key
                raise ValueError("an empty block mapping")
            self.edits.append((mapping.start + 1, mapping.start + 1, ", ".join(
                f"{k}: {v}" for k, v in pairs)))
            return
        last = next((v for k, v in mapping.pairs if k.value == after), mapping.pairs[-1][1])
        if mapping.flow:
            self.edits.append((last.end, last.end, "".join(f", {k}: {v}" for k, v in pairs)))
            return
        first = mapping.pairs[0][0].start
        indent = " " * (first - self._line_start(first))
        at, lead = self._line_after(last.end)
        self.edits.append((at, at, lead + "".join(
            f"{indent}{k}:{'' if v.startswith(self.newline) else ' '}{v}{self.newline}"
            for k, v in pairs)))

    def append(self, sequence: Span, pairs: list[tuple[str, str]]) -> None:
        """Add a mapping of keys and rendered values after the last item, in the style of
        the last item (a block mapping after a block mapping, a flow one otherwise)."""
        self._editable(sequence)
        if sequence.flow or not sequence.items:
            at = sequence.items[-1].end if sequence.items else sequence.start + 1
            comma = ", " if sequence.items else ""
            self.edits.append((at, at, comma + render_flow(pairs)))
            return
        last = sequence.items[-1]
        line_start = self._line_start(last.start)
        prefix = self.text[line_start:last.start]
        if not re.fullmatch(r" *- +", prefix):
            dash = self.text.rfind("-", 0, last.start)
            prefix = " " * (dash - self._line_start(dash)) + "- "
        if last.kind == "mapping" and not last.flow:
            body = (self.newline + " " * len(prefix)).join(f"{k}: {v}" for k, v in pairs)
        else:
            body = render_flow(pairs)
        at, lead = self._line_after(last.end)
        self.edits.append((at, at, lead + prefix + body + self.newline))

    def edited(self) -> str:
        """The text with every edit made (byte-order mark kept)."""
        out, cursor = [self.bom], 0
        for start, end, new in sorted(self.edits, key=lambda e: (e[0], e[1])):
            if start < cursor:
                raise ValueError(f"two edits overlap at {self.position(start)}")
            out += [self.text[cursor:start], new]
            cursor = end
        out.append(self.text[cursor:])
        return "".join(out)

    def original_position(self, line: int, column: int) -> Position:
        """A position in the edited text (without its byte-order mark) taken back to the
        original: to the start of the edit if it falls in written text."""
        edited = self.edited()[len(self.bom):]  # made again: edits may have been added
        starts = [0] + [i + 1 for i, c in enumerate(edited) if c == "\n"]
        index = starts[min(max(line, 1), len(starts)) - 1] + max(column - 1, 0)
        shift = 0
        for start, end, new in sorted(self.edits, key=lambda e: (e[0], e[1])):
            if index < start + shift:
                break
            if index < start + shift + len(new):
                return self.position(start)
            shift += len(new) - (end - start)
        return self.position(min(index - shift, len(self.text)))
