"""Reading campaign YAML safely, with the line and column of every value.

PyYAML's safe loader is the parser, but not its constructor: we build the
Python values ourselves from the node tree so that

- duplicate keys are errors (PyYAML silently keeps the last one);
- only YAML 1.2 core scalars are typed: ``NO`` and ``on`` stay text, ``0012``
  stays text (not octal 10), ``2017-13-45`` stays text for the model to reject;
- every value's position is kept, so that a model error can name its line;
- aliases cannot expand into a "billion laughs", nor nesting exhaust the stack.
"""

from __future__ import annotations

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


