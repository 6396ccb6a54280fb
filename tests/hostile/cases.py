"""The hostile inputs, as data: what each one is, how it is made, what must happen.

Every case starts from a copy of the small valid campaign in ``tests/broken/_base``
(a letter ``appeal`` in en and ru to ``president``, a question ``question``, the case
``bokayev``, the list ``meps``) and changes it by

- ``edits``: (file, old, new) replacements, each of which must match exactly once, so
  that line numbers stay those of the base files;
- ``files``: files written over the copy (text or bytes; ``None`` deletes);
- ``make``: a function of (campaign folder, outside folder) for what files cannot say:
  symbolic links, a FIFO, generated content.

In file contents, edits and expected messages, ``@OUTSIDE@`` stands for the folder next
to the campaign that holds the sentinel files no case may ever read (see
``OUTSIDE_FILES``), and ``@CAMPAIGN@`` for the campaign folder.

``command`` is ``check``, or ``build`` of the one output named by ``output`` (so that
each case renders at most one PDF). The expected outcome is one of

- ``Fails``: the exit status, and the exact problem lines ``check`` prints, or exact
  substrings of stderr, each with its ``path:line:column: field:`` where there is one;
- ``Passes``: ``check`` succeeds, with exactly these warnings;
- ``Renders``: the PDF is written, and what a reader of it sees (or must not see),
  with optional checks on the HTML of the same copy (``undersigned preview``).

A case that exposes a bug of the library keeps the *correct* outcome and names the
bug in ``bug``; the test marks it ``xfail(strict=True)``.
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

SECRET = "HOSTILE-SENTINEL-5b1f0c"
"""Written in every sentinel file outside the campaign: it must never be printed."""
ENV_SECRET = "HOSTILE-ENV-SECRET-9e2d7a"
"""Put in the environment of every run: it must never be printed either."""

CATEGORIES = ("yaml", "types", "markup", "text", "templates", "resources", "limits")


# --- expected outcomes ----------------------------------------------------------------


@dataclass(frozen=True)
class Fails:
    """The command fails with a clear message."""

    lines: tuple[str, ...] = ()
    """Exactly the problem lines of ``check`` on stderr, in order (the summary aside)."""
    contains: tuple[str, ...] = ()
    """Exact substrings of stderr (for ``build``: the failure line of the output)."""
    exit: int = 1


@dataclass(frozen=True)
class Passes:
    """``check`` succeeds; ``warnings`` are exactly the lines it prints on stderr."""

    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Renders:
    """``build`` writes the PDF; the checks are on what a reader of it sees."""

    shows: tuple[str, ...] = ()
    """Substrings of the PDF's text (whitespace runs read as one space)."""
    hides: tuple[str, ...] = ()
    """Never in the PDF's text."""
    html_shows: tuple[str, ...] = ()
    """Substrings of the copy's HTML (from ``undersigned preview``)."""
    html_hides: tuple[str, ...] = ()
    """Never in the copy's HTML."""
    min_pages: int = 1
    signature_fields: int | None = None
    """How many signature fields the PDF has, where that is the point."""
    images: int = 0
    """How many images the PDF holds: none, unless the case adds one."""


Outcome = Fails | Passes | Renders


@dataclass(frozen=True)
class Case:
    """One hostile input: how to make it, what to run, what must happen."""

    name: str
    category: str
    """One of CATEGORIES."""
    what: str
    """What the case tries, in one line."""
    expect: Outcome
    edits: tuple[tuple[str, str, str], ...] = ()
    files: dict[str, str | bytes | None] = field(default_factory=dict)
    make: Callable[[Path, Path], None] | None = None
    command: str = "check"
    """``check`` or ``build``."""
    output: str = "appeal.president.en"
    """The one output ``build`` renders (and ``preview`` shows): DOC[.RECIPIENT].LANG."""
    bug: str | None = None
    """Why the library gets this wrong, for an xfail(strict=True) case."""
    timeout: float = 60
    """Wall-clock seconds the command may take."""
    cpu: int = 60
    """CPU seconds (RLIMIT_CPU) the command may use."""
    render_seconds: int | None = None
    """Lower the library's per-output render time limit (120 s) to this."""


# --- helpers for writing cases ----------------------------------------------------------

CAMPAIGN = "campaign.yaml"
CASE = "cases/bokayev.yaml"
LIST = "signatories/meps.yaml"
TEMPLATE = "templates/letter.html"


def edit(path: str, old: str, new: str) -> tuple[str, str, str]:
    return (path, old, new)


def add_to_sender(text: str) -> tuple[str, str, str]:
    """A line under ``sender:`` in campaign.yaml: it becomes line 3."""
    return edit(CAMPAIGN, "sender:\n", "sender:\n" + text)


def in_intro(body: str) -> dict[str, str]:
    """templates/letter.html extending the built-in letter, with ``body`` as the intro
    block's content on line 3."""
    return {TEMPLATE: '{% extends "builtin/letter.html" %}\n{% block intro %}\n' + body
            + "\n{% endblock %}\n"}


def name_of_person(value: str) -> tuple[str, str, str]:
    """The case's person named ``value`` (a YAML scalar, quoted as needed), on line 2."""
    return edit(CASE, "  - name: Maks Bokayev\n", f"  - name: {value}\n")


def summary_en(value: str) -> tuple[str, str, str]:
    """The English summary of the case (a YAML scalar), on line 9."""
    return edit(CASE, "  en: arrested on 17 May 2016 and sentenced to five years in prison.\n",
                f"  en: {value}\n")


def png(width: int = 60, height: int = 24, rgb=(20, 40, 160)) -> bytes:
    """A small solid-colour RGB PNG."""
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b""))


def png_bomb(width: int = 20000, height: int = 10000) -> bytes:
    """A PNG of 200 million one-bit pixels in 25 KB: a decompression bomb."""
    rows = (b"\x00" + b"\x00" * (width // 8)) * height
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def link(name: str, target: str) -> Callable[[Path, Path], None]:
    """A ``make`` that creates the symbolic link ``name`` (in the campaign) to ``target``
    (``@OUTSIDE@`` allowed)."""
    def make(root: Path, outside: Path) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        path.symlink_to(target.replace("@OUTSIDE@", str(outside)))
    return make


# --- the sentinel files ---------------------------------------------------------------

OUTSIDE_FILES: dict[str, str | bytes] = {
    # Next to the campaign folder, never inside it: no case may open any of these.
    "secret.txt": f"{SECRET}\n",
    "secret.yaml": (
        "people:\n  - name: " + SECRET + "\ncategory: other\nstatus: unknown\n"
        "summary: " + SECRET + "\n"),
    "secret.html": ('{% extends "builtin/letter.html" %}{% block intro %}' + SECRET
                    + "{% endblock %}\n"),
    "secret.css": f"/* {SECRET} */ body {{ color: red; }}\n",
    "secret.png": png(10, 10, (200, 0, 0)),
    "manifest.json": '{"' + SECRET + '": {}}\n',
    "cases/bokayev.yaml": (
        "people:\n  - name: " + SECRET + "\ncategory: other\nstatus: unknown\n"
        "summary: " + SECRET + "\n"),
    "templates/letter.html": ('{% extends "builtin/letter.html" %}{% block intro %}' + SECRET
                              + "{% endblock %}\n"),
    "catalogue.yaml": f"yours_sincerely: {SECRET}\n",
}


# --- YAML ---------------------------------------------------------------------------

BILLION_LAUGHS = "".join(
    ['x1: &x1 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n']
    + [f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]\n" for i in range(2, 10)])

TEXT_BOMB = (
    "    requests:\n      - &big \"" + "lol " * 12_000 + "\"\n" + "      - *big\n" * 2_000)

YAML = [
    Case("yaml-duplicate-key", "yaml", "a key given twice in a case file",
         edits=(edit(CASE, "sentenced: 2016-11-28\n",
                     "sentenced: 2016-11-28\nstatus: released\n"),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:8:1: status: duplicate key 'status' (first given on line 5); "
             "a key may appear only once",))),
    Case("yaml-duplicate-nested-key", "yaml", "a language given twice in one text",
         edits=(edit(CAMPAIGN, "      en: Appeal for Maks Bokayev\n",
                     "      en: Appeal for Maks Bokayev\n      en: Appeal for someone else\n"),),
         expect=Fails(lines=(
             "campaign.yaml:23:7: documents.appeal.subject.en: duplicate key 'en' (first given "
             "on line 22); a key may appear only once",))),
    Case("yaml-duplicate-document-id", "yaml", "two documents with the same id",
         edits=(edit(CAMPAIGN, "  question:\n", "  appeal:\n    kind: letter\n  question:\n"),),
         expect=Fails(lines=(
             "campaign.yaml:32:3: documents.appeal: duplicate key 'appeal' (first given on "
             "line 15); a key may appear only once",))),
    Case("yaml-billion-laughs", "yaml", "nine levels of aliases, a billion 'lol's",
         edits=(edit(CASE, "sentenced: 2016-11-28\n",
                     "sentenced: 2016-11-28\n" + BILLION_LAUGHS),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:12:1: x5: the values expand to many times the size of the "
             "file (too many aliases?)",))),
    Case("yaml-alias-text-bomb", "yaml",
         "2,000 aliases of a 48,000-character text: 96 million characters from 75 KB",
         edits=(edit(CAMPAIGN, "    intro:\n      en: We ask", TEXT_BOMB
                     + "    intro:\n      en: We ask"),),
         expect=Fails(contains=("campaign.yaml:29:5: documents.appeal.requests:",))),
    Case("yaml-recursive-alias", "yaml", "an alias inside its own anchor",
         edits=(edit(CASE, "sentenced: 2016-11-28\n",
                     "sentenced: 2016-11-28\nnotes: &loop [*loop]\n"),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:8:1: notes: values nest too deeply (more than 64 levels)",))),
    Case("yaml-deep-nesting", "yaml", "lists nested 100 deep",
         edits=(edit(CASE, "sentenced: 2016-11-28\n",
                     "sentenced: 2016-11-28\nnotes: " + "[" * 100 + "]" * 100 + "\n"),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:8:1: notes: values nest too deeply (more than 64 levels)",))),
    Case("yaml-very-deep-nesting", "yaml", "lists nested 1,000 deep (the parser recurses)",
         edits=(edit(CASE, "sentenced: 2016-11-28\n",
                     "sentenced: 2016-11-28\nnotes: " + "[" * 1000 + "]" * 1000 + "\n"),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:8:1: notes: values nest too deeply (more than 64 levels)",))),
    Case("yaml-file-too-large", "yaml", "a 3 MiB case file",
         make=lambda root, outside: _pad(root / CASE, 3 * 1024 * 1024),
         expect=Fails(lines=(
             "cases/bokayev.yaml: the file is 3,145,728 bytes; campaign files are limited to "
             "2,097,152 bytes",))),
    Case("yaml-value-too-long", "yaml", "a name of 60,000 characters",
         edits=(name_of_person("M" * 60_000),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:2:11: people[0].name: the value is 60,000 characters long; "
             "values are limited to 50,000",))),
    Case("yaml-too-many-values", "yaml", "120,000 spelling variants in one list",
         edits=(edit(CASE, "variants: [Max Bokayev, Bokaev]",
                     "variants: [" + ", ".join(["v"] * 120_000) + "]"),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:1:1: people: the file expands to more than 100,000 values "
             "(too many aliases?)",))),
    Case("yaml-invalid-utf8", "yaml", "a Latin-1 byte in a signatory's family name",
         make=lambda root, outside: _replace_bytes(root / LIST, b"family: Kelam",
                                                   b"family: Kel\xe4m"),
         expect=Fails(lines=(
             "signatories/meps.yaml:5:16: not valid UTF-8 (byte 0xe4); save the file as "
             "UTF-8",))),
    Case("yaml-encoded-surrogate", "yaml", "a UTF-16 surrogate encoded as UTF-8 bytes",
         make=lambda root, outside: _replace_bytes(root / CAMPAIGN, b"Minimal campaign",
                                                   b"Minimal \xed\xa0\x80campaign"),
         expect=Fails(lines=(
             "campaign.yaml:1:16: not valid UTF-8 (byte 0xed); save the file as UTF-8",))),
    Case("yaml-utf16-file", "yaml", "a case file saved as UTF-16",
         make=lambda root, outside: (root / CASE).write_bytes(
             (root / CASE).read_text(encoding="utf-8").encode("utf-16")),
         expect=Fails(lines=(
             "cases/bokayev.yaml:1:1: not valid UTF-8 (byte 0xff); save the file as UTF-8",))),
    Case("yaml-byte-order-mark", "yaml", "every file starts with a UTF-8 byte-order mark",
         make=lambda root, outside: [_replace_bytes(root / f, b"", b"\xef\xbb\xbf", start=True)
                                     for f in (CAMPAIGN, CASE, LIST)],
         command="build",
         expect=Renders(shows=("Subject: Appeal for Maks Bokayev", "Tunne KELAM"))),
    Case("yaml-tab-indentation", "yaml", "a tab indents a signatory's field",
         edits=(edit(LIST, "    given: Tunne\n", "\tgiven: Tunne\n"),),
         expect=Fails(lines=(
             "signatories/meps.yaml:4:1: invalid YAML: the line is indented with a tab; indent "
             "with spaces, not tabs",))),
    Case("yaml-nul-byte", "yaml", "a raw NUL byte in a name",
         edits=(name_of_person("Maks\x00Bokayev"),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:2:15: the character U+0000 (a control character) is not "
             "allowed in YAML; remove it",))),
    Case("yaml-1.1-norway-and-on", "yaml", "NO, on and yes: text in YAML 1.2, not booleans",
         edits=(edit(LIST, "    country: LU\n", "    country: NO\n"),
                edit(CAMPAIGN, "    kind: letter\n",
                     "    kind: letter\n    signature_fields: on\n"),
                edit(CAMPAIGN, "    kind: question\n", "    kind: question\n    priority: yes\n")),
         expect=Fails(lines=(
             "campaign.yaml:17:5: documents.appeal.signature_fields: expected true or false, "
             "got \"on\"",
             "campaign.yaml:35:5: documents.question.priority: expected true or false, got "
             "\"yes\"",
             "signatories/meps.yaml:10:5: warning: signatories[1].country: 'NO' (Norway) has "
             "no Members in the European Parliament of term 8"))),
    Case("yaml-1.1-numbers", "yaml", "1e3, 0x8, 1:30, 0012 and 8.0 where numbers go",
         edits=(edit(CAMPAIGN, "title: Minimal campaign", "title: 1e3"),
                edit(LIST, "    group: PPE\n", "    group: PPE\n    ep_id: 1:30\n"),
                edit(LIST, "    group: S&D\n", "    group: S&D\n    ep_id: 0012\n"),
                edit(LIST, "term: 8\n", "term: 8.0\n"),
                edit(CAMPAIGN, "    term: 8\n", "    term: 0x8\n")),
         expect=Fails(lines=(
             "campaign.yaml:1:1: title: expected text, got the number 1000; put it in quotes "
             "if it is meant as text",
             "campaign.yaml:34:5: documents.question.term: expected a whole number, got "
             "\"0x8\"",
             "signatories/meps.yaml:1:1: term: expected a whole number, got the number 8",
             "signatories/meps.yaml:8:5: signatories[0].ep_id: expected a whole number, got "
             "\"1:30\"",
             "signatories/meps.yaml:13:5: signatories[1].ep_id: expected a whole number, got "
             "\"0012\""))),
    Case("yaml-huge-numbers", "yaml", "a 10,001-digit whole number and 1e999",
         edits=(edit(LIST, "    group: PPE\n",
                     "    group: PPE\n    ep_id: 1" + "0" * 10_000 + "\n"),
                edit(CAMPAIGN, "    term: 8\n", "    term: 1e999\n")),
         expect=Fails(contains=(
             "campaign.yaml:34:5: documents.question.term: expected a whole number, got the "
             "number inf",
             "signatories/meps.yaml:8:12: signatories[0].ep_id: '10000000000"))),
    Case("yaml-impossible-dates", "yaml", "2017-13-45 and 2017-02-30",
         edits=(edit(CAMPAIGN, "    date: 2017-10-19\n", "    date: 2017-13-45\n"),
                edit(CASE, "sentenced: 2016-11-28\n", "sentenced: 2017-02-30\n")),
         expect=Fails(lines=(
             "campaign.yaml:17:5: documents.appeal.date: expected a date like 2017-10-19, "
             "got \"2017-13-45\"",
             "cases/bokayev.yaml:7:1: sentenced: '2017-02-30' is not a real date (day is out "
             "of range for month)"))),
    Case("yaml-python-tag", "yaml", "!!python/object/apply:os.system to run a command",
         edits=(edit(CASE, "status: serving-sentence\n",
                     "status: !!python/object/apply:os.system [\"touch @OUTSIDE@/pwned\"]\n"),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:5:9: status: the tag !!python/object/apply:os.system is not "
             "allowed; write plain values",))),
    Case("yaml-include-tag", "yaml", "a custom !include tag naming a file outside",
         edits=(summary_en("!include @OUTSIDE@/secret.txt"),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:9:7: summary.en: the tag !include is not allowed; write "
             "plain values",))),
    Case("yaml-merge-key", "yaml", "a merge key pulling fields from an anchor",
         edits=(edit(LIST, "  - given: Mady\n", "  - <<: {given: Mady}\n    given: Mady\n"),),
         expect=Fails(lines=(
             "signatories/meps.yaml:8:5: signatories[1]: merge keys (<<) are not supported; "
             "write the fields out in full",))),
    Case("yaml-two-documents", "yaml", "a second YAML document in a case file",
         edits=(edit(CASE, "category: civil", "---\ncategory: civil"),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:4:1: invalid YAML: expected a single document in the stream: "
             "but found another document",))),
    Case("yaml-undefined-alias", "yaml", "an alias to no anchor",
         edits=(edit(CASE, "status: serving-sentence\n", "status: *nowhere\n"),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:5:9: invalid YAML: found undefined alias 'nowhere'",))),
    Case("yaml-mapping-as-key", "yaml", "a list used as a key",
         edits=(edit(CASE, "category: civil", "? [a, b]\n: x\ncategory: civil"),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:4:3: a key must be plain text, not a list or mapping",))),
]


def _pad(path: Path, size: int) -> None:
    data = path.read_bytes() + b"# "
    path.write_bytes(data + b"x" * (size - len(data) - 1) + b"\n")


def _replace_bytes(path: Path, old: bytes, new: bytes, start: bool = False) -> None:
    data = path.read_bytes()
    if start:
        path.write_bytes(new + data)
        return
    assert data.count(old) == 1, (path, old)
    path.write_bytes(data.replace(old, new))


# --- every wrong type for every kind of field ----------------------------------------

TYPES = [
    Case("types-text", "types", "plain-text fields given a list, a mapping, a number, true, null",
         edits=(edit(CAMPAIGN, "title: Minimal campaign", "title: [Minimal, campaign]"),
                edit(LIST, "    given: Tunne\n", "    given: {first: Tunne}\n"),
                edit(LIST, "    family: Kelam\n", "    family: 12\n    title: true\n"),
                edit(LIST, "    family: Delvaux\n", "    family: ~\n"),
                edit(CASE, "    variants: [Max Bokayev, Bokaev]\n",
                     "    variants: [Max Bokayev, 7]\n    native: [Макс]\n")),
         expect=Fails(lines=(
             "campaign.yaml:1:1: title: expected text, got a list; write one text: several "
             "lines or paragraphs go in a block ('|' after the colon, then the lines indented "
             "below it), not in a list",
             "cases/bokayev.yaml:3:29: people[0].variants[1]: expected text, got the number "
             "7; put it in quotes if it is meant as text",
             "cases/bokayev.yaml:4:5: people[0].native: expected text, got a list; write one "
             "text: several lines or paragraphs go in a block ('|' after the colon, then the "
             "lines indented below it), not in a list",
             "signatories/meps.yaml:4:5: signatories[0].given: expected text, got a mapping",
             "signatories/meps.yaml:5:5: signatories[0].family: expected text, got the number "
             "12; put it in quotes if it is meant as text",
             "signatories/meps.yaml:6:5: signatories[0].title: expected text, got true; put it "
             "in quotes if it is meant as text",
             "signatories/meps.yaml:10:5: signatories[1].family: expected text, got "
             "nothing"))),
    Case("types-local-text", "types",
         "texts in several languages given a number, a list, an empty mapping, a bad key",
         edits=(edit(CAMPAIGN, "    subject:\n      en: Appeal for Maks Bokayev\n"
                     "      ru: Обращение в защиту Макса Бокаева\n",
                     "    subject: 12\n"),
                edit(CAMPAIGN, "    place:\n      en: Brussels\n      ru: Брюссель\n",
                     "    place: [Brussels]\n"),
                edit(CAMPAIGN, "      en: Dear Mr President,\n",
                     "      english: Dear Mr President,\n"),
                edit(CAMPAIGN, "      en: We ask you to release Maks Bokayev.\n",
                     "      en: [We ask]\n"),
                edit(CASE, "summary:\n", "region: {}\nsummary:\n")),
         expect=Fails(lines=(
             "campaign.yaml:11:5: recipients.president.salutation: 'english' is not a "
             "language code like en or ru",
             "campaign.yaml:18:5: documents.appeal.place: expected text or a mapping from "
             "language to text, got a list; write one text: several lines or paragraphs go in "
             "a block ('|' after the colon, then the lines indented below it), not in a list",
             "campaign.yaml:19:5: documents.appeal.subject: expected text or a mapping from "
             "language to text, got the number 12",
             "campaign.yaml:25:5: documents.appeal.intro: the en text must be text, got a "
             "list",
             "cases/bokayev.yaml:8:1: region: give the text, or a mapping from language to "
             "text"))),
    Case("types-lists", "types", "lists given as text, a number, a mapping or nothing",
         edits=(edit(CASE, "    variants: [Max Bokayev, Bokaev]\n", "    variants: Bokaev\n"),
                edit(CAMPAIGN, "    languages: [en, ru]\n", "    languages: en\n"),
                edit(CAMPAIGN, "    cases: [bokayev]\n    intro:",
                     "    cases: {bokayev: 1}\n    intro:"),
                edit(CAMPAIGN, "    questions:\n      - Will the VP/HR raise his case?\n",
                     "    questions:\n")),
         files={LIST: "term: 8\nsignatories: 2\n"},
         expect=Fails(lines=(
             "campaign.yaml:26:5: documents.appeal.languages: expected a list, got \"en\"",
             "campaign.yaml:28:5: documents.appeal.cases: expected a list, got a mapping",
             "campaign.yaml:42:5: documents.question.questions: expected a list, got nothing",
             "cases/bokayev.yaml:3:5: people[0].variants: expected a list, got \"Bokaev\"",
             "signatories/meps.yaml:2:1: signatories: expected a list, got the number 2",
             ))),
    Case("types-ids", "types", "ids with capitals, spaces, a leading hyphen, a number",
         edits=(edit(CAMPAIGN, "    signatories: meps\n    sign_on",
                     "    signatories: Meps\n    sign_on"),
                edit(CAMPAIGN, "    authors: [kelam]\n", "    authors: [\"kelam \", -kelam]\n"),
                edit(CAMPAIGN, "    cases: [bokayev]\n    subject", "    cases: [12]\n    subject"),
                edit(LIST, "  - id: kelam\n", "  - id: Kelam\n")),
         expect=Fails(lines=(
             "campaign.yaml:24:5: documents.appeal.signatories: expected an id of at most 64 lower-case "
             "letters, digits and hyphens, got 'Meps'",
             "campaign.yaml:38:15: documents.question.authors[0]: expected an id of at most 64 "
             "lower-case letters, digits and hyphens, got 'kelam '",
             "campaign.yaml:38:25: documents.question.authors[1]: expected an id of at most 64 "
             "lower-case letters, digits and hyphens, got '-kelam'",
             "campaign.yaml:39:13: documents.question.cases[0]: expected text, got the number "
             "12; put it in quotes if it is meant as text",
             "signatories/meps.yaml:3:5: signatories[0].id: expected an id of at most 64 lower-case "
             "letters, digits and hyphens, got 'Kelam'"))),
    Case("types-languages", "types", "language codes in capitals, in words, as numbers",
         edits=(edit(CAMPAIGN, "    languages: [en, ru]\n", "    languages: [EN, english, 7]\n"),),
         expect=Fails(lines=(
             "campaign.yaml:26:17: documents.appeal.languages[0]: expected a language code "
             "like en or ru, got 'EN'",
             "campaign.yaml:26:21: documents.appeal.languages[1]: expected a language code "
             "like en or ru, got 'english'",
             "campaign.yaml:26:30: documents.appeal.languages[2]: expected text, got the "
             "number 7; put it in quotes if it is meant as text"))),
    Case("types-dates", "types", "dates in words, partial where a full one is needed, numbers",
         edits=(edit(CAMPAIGN, "    date: 2017-10-19\n", "    date: 19 October 2017\n"),
                edit(CAMPAIGN, "    date: 2017-11-13\n", "    date: 2017-11\n"),
                edit(CASE, "arrested: 2016-05-17\n", "arrested: 17.05.2016\n"),
                edit(CASE, "sentenced: 2016-11-28\n", "sentenced: true\nreleased: [2017]\n"),
                edit(CAMPAIGN, "invited: 2014-07-01, answer", "invited: 0, answer")),
         expect=Fails(lines=(
             "campaign.yaml:17:5: documents.appeal.date: expected a date like 2017-10-19, got "
             "\"19 October 2017\"",
             "campaign.yaml:25:55: documents.appeal.sign_on.members[0].invited: expected a date "
             "like 2017-10-19, got the number 0",
             "campaign.yaml:36:5: documents.question.date: expected a date like 2017-10-19, "
             "got \"2017-11\"",
             "cases/bokayev.yaml:6:1: arrested: expected a date like 2017-06-12 (or 2017-06, "
             "or 2017), got \"17.05.2016\"",
             "cases/bokayev.yaml:7:1: sentenced: expected a date like 2017-06-12 (or 2017-06, "
             "or 2017), got true",
             "cases/bokayev.yaml:8:1: released: expected a date like 2017-06-12 (or 2017-06, "
             "or 2017), got a list"))),
    Case("types-choices", "types", "choices in capitals, misspelt, as numbers",
         edits=(edit(CASE, "category: civil-society-activist", "category: Journalist"),
                edit(CASE, "status: serving-sentence", "status: 3"),
                edit(CAMPAIGN, "    addressee: vp-hr\n", "    addressee: commision\n"),
                edit(CAMPAIGN, "    kind: letter\n", "    kind: letter\n    case_text: full\n"),
                edit(CAMPAIGN, "answer: agreed", "answer: yes")),
         expect=Fails(lines=(
             "campaign.yaml:17:5: documents.appeal.case_text: expected one of summary, facts; "
             "got 'full'",
             "campaign.yaml:26:76: documents.appeal.sign_on.members[0].answer: expected one of "
             "invited, agreed, declined, withdrawn; got 'yes'",
             "campaign.yaml:36:5: documents.question.addressee: expected one of "
             "commission, vp-hr, council, european-council; got 'commision'; did you mean "
             "'commission'?",
             "cases/bokayev.yaml:4:1: category: expected one of civil-society-activist, "
             "trade-union-activist, journalist, social-network-user, human-rights-defender, "
             "lawyer, politician, businessperson, religious-believer, other; got 'Journalist'; "
             "did you mean 'journalist'?",
             "cases/bokayev.yaml:5:1: status: expected one of pre-trial-detention, "
             "serving-sentence, suspended-sentence, restricted-freedom, released, unknown; got "
             "the number 3"))),
    Case("types-numbers-and-flags", "types", "whole numbers and true/false given as text",
         edits=(edit(LIST, "term: 8\n", "term: \"8\"\n"),
                edit(LIST, "    group: PPE\n", "    group: PPE\n    ep_id: 12.5\n"),
                edit(LIST, "    group: S&D\n", "    group: S&D\n    ep_id: true\n"),
                edit(CAMPAIGN, "    kind: letter\n",
                     "    kind: letter\n    signature_fields: \"true\"\n"),
                edit(CAMPAIGN, "    kind: question\n", "    kind: question\n    priority: 1\n")),
         expect=Fails(lines=(
             "campaign.yaml:17:5: documents.appeal.signature_fields: expected true or false, "
             "got \"true\"",
             "campaign.yaml:35:5: documents.question.priority: expected true or false, got "
             "the number 1",
             "signatories/meps.yaml:1:1: term: expected a whole number, got \"8\"",
             "signatories/meps.yaml:8:5: signatories[0].ep_id: expected a whole number, got "
             "the number 12.5",
             "signatories/meps.yaml:13:5: signatories[1].ep_id: expected a whole number, got "
             "true"))),
    Case("types-web-addresses", "types", "sources that are file:, javascript: or empty addresses",
         edits=(edit(CASE, "summary:\n",
                     "sources: [\"file:///etc/passwd\", \"javascript:alert(1)\", \"http://\"]\n"
                     "un_decisions:\n  - body: wgad\n    reference: Opinion No. 16/2017\n"
                     "    url: ftp://ohchr.org/x\nsummary:\n"),),
         expect=Fails(lines=(
             "cases/bokayev.yaml:8:11: sources[0]: expected a web address starting with "
             "https:// or http://, got 'file:///etc/passwd'",
             "cases/bokayev.yaml:8:33: sources[1]: expected a web address starting with "
             "https:// or http://, got 'javascript:alert(1)'",
             "cases/bokayev.yaml:8:56: sources[2]: expected a web address starting with "
             "https:// or http://, got 'http://'",
             "cases/bokayev.yaml:12:5: un_decisions[0].url: expected a web address starting "
             "with https:// or http://, got 'ftp://ohchr.org/x'"))),
    Case("types-mappings", "types", "records given as text or a list",
         edits=(edit(CASE, "  - name: Maks Bokayev\n    variants: [Max Bokayev, Bokaev]\n",
                     "  - Maks Bokayev\n"),
                edit(CAMPAIGN, "sender:\n  name:\n    en: Members of the European Parliament\n"
                     "    ru: Депутаты Европейского парламента\n",
                     "sender: Members of the European Parliament\n"),
                edit(LIST, "  - given: Mady\n    family: Delvaux\n    country: LU\n"
                     "    group: S&D\n", "  - [Mady, Delvaux]\n")),
         expect=Fails(lines=(
             "campaign.yaml:2:1: sender: expected a mapping of fields, got \"Members of the "
             "European Parliament\"",
             "cases/bokayev.yaml:2:5: people[0]: expected a mapping of fields, got \"Maks "
             "Bokayev\"",
             "signatories/meps.yaml:8:5: signatories[1]: expected a mapping of fields, got a "
             "list"))),
    Case("types-whole-file", "types",
         "a case file that is one line of text, a list file that is a list",
         files={CASE: "Just a string\n", LIST: "- kelam\n- delvaux\n"},
         expect=Fails(lines=(
             "cases/bokayev.yaml:1:1: expected a mapping of fields, got \"Just a string\"",
             "signatories/meps.yaml:1:1: expected a mapping of fields, got a list"))),
    Case("types-number-as-id-key", "types", "a recipient id that is a number",
         edits=(edit(CAMPAIGN, "  president:\n", "  12:\n"),),
         expect=Fails(lines=(
             "campaign.yaml:7:3: recipients[12]: expected text, got the number 12; put it in "
             "quotes if it is meant as text",
             # (the other checks run on the rest: the letter's recipient is gone)
             "campaign.yaml:27:18: documents.appeal.recipients[0]: there is no recipient "
             "'president' (looked for recipients: in campaign.yaml)"))),
]


# --- data that looks like code ----------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"

MARKUP = [
    Case("markup-html-in-names", "markup", "HTML and a script in a person's and a Member's names",
         edits=(name_of_person(f"\"{SCRIPT} Maks <b>Bokayev</b>\""),
                edit(LIST, "    given: Tunne\n", "    given: <i>Tunne</i>\n"),
                edit(LIST, "    family: Kelam\n", "    family: Kelam & <u>Co</u>\n")),
         command="build",
         expect=Renders(
             shows=(f"{SCRIPT} Maks <b>Bokayev</b>", "<i>Tunne</i> KELAM & <U>CO</"),
             html_shows=("&lt;script&gt;alert(1)&lt;/script&gt;",),
             html_hides=("<script", "<b>", "<i>", "<u>"))),
    Case("markup-html-in-facts", "markup", "raw HTML, a script and an iframe in Markdown facts",
         edits=(edit(CAMPAIGN, "    kind: letter\n", "    kind: letter\n    case_text: facts\n"),
                edit(CASE, "summary:\n",
                     "facts:\n  en: |\n    " + SCRIPT + "\n\n"
                     "    <div style=\"background: url(file:///etc/passwd)\">styled</div>\n\n"
                     "    <iframe src=\"http://127.0.0.1:9/\"></iframe> &lt;b&gt;\n"
                     "  ru: факты\nsummary:\n")),
         command="build",
         expect=Renders(
             # The typographer makes the straight quotes curly: the markup is text.
             shows=(SCRIPT, "<div style=“background: url(file:///etc/passwd)”>styled</div>",
                    "<iframe src=“http://127.0.0.1:9/”></iframe> <b>"),
             html_hides=("<script", "<div style", "<iframe"))),
    Case("markup-markdown-images", "markup",
         "Markdown and HTML images of /etc/passwd and of files outside the campaign",
         edits=(summary_en("\"see ![passwd](file:///etc/passwd) and "
                           "![proc](file:///proc/self/environ)"
                           " and <img src='file:///etc/passwd'> and ![ref][r]\\n\\n"
                           "[r]: file:///etc/passwd\""),),
         command="build",
         expect=Renders(shows=("see ![passwd](file:///etc/passwd)",
                               "<img src=‘file:///etc/passwd’>"),
                        html_hides=("<img src", "<img alt"))),
    Case("markup-markdown-path-links", "markup",
         "Markdown links and images to paths, which the PDF resolves to file: links",
         edits=(summary_en("\"see [up](../outside/secret.txt), [root](/etc/passwd) and "
                           "![secret](@OUTSIDE@/secret.png)\""),),
         command="build",
         expect=Renders(shows=("see up, root and !secret",))),
    Case("markup-markdown-links", "markup", "http, javascript, data and file links in Markdown",
         edits=(summary_en("\"[track](http://127.0.0.1:9/pixel) [js](javascript:alert(1)) "
                           "[data](data:text/html,hi) [file](file:///etc/passwd) "
                           "<file:///etc/passwd> <https://example.org/x>\""),),
         command="build",
         expect=Renders(
             shows=("track", "[js](javascript:alert(1))", "[file](file:///etc/passwd)",
                    "<file:///etc/passwd>"),
             html_shows=('href="http://127.0.0.1:9/pixel"',),
             html_hides=('href="javascript:', 'href="file:', 'href="data:'))),
    Case("markup-template-link-schemes", "markup",
         "template links to javascript:, file:, launch:, data: and relative targets",
         files=in_intro('<a href="javascript:alert(1)">js</a> <a href="file:///etc/passwd">'
                        'file</a> <a href="launch:/bin/sh">launch</a> <a href="data:text/html,x">'
                        'data</a> <a href="../outside/secret.txt">rel</a> '
                        '<a href=" JavaScript:alert(2)">js2</a> '
                        '<a href="https://example.org/ok">web</a> <a href="mailto:a@example.org">'
                        'mail</a>'),
         command="build",
         expect=Renders(shows=("js file launch data rel js2 web mail",))),
    Case("markup-font-family-of-the-machine", "markup",
         "a template asks for the machine's DejaVu Sans Mono and the generic monospace",
         files=in_intro('<p style="font-family: DejaVu Sans Mono">mono</p>'
                        '<p style="font-family: monospace, sans-serif">generic</p>'
),
         command="build",
         expect=Renders(shows=("mono", "generic"))),
    Case("markup-local-font-of-the-machine", "markup",
         "an @font-face of the machine's DejaVu Sans through local(): not found, the output fails",
         files=in_intro('<style>@font-face { font-family: L; src: local("DejaVu Sans") }</style>'
                        '<p style="font-family: L">local</p>'),
         command="build",
         expect=Fails(contains=("  appeal.president.en: WeasyPrint reported: Font-face 'L' "
                                "cannot be loaded",))),
    Case("markup-code-span-in-data", "markup",
         "a Markdown code span in a case summary (rendered in a monospace family)",
         edits=(summary_en("\"arrested for `posting` on `Facebook`\""),),
         command="build",
         expect=Renders(shows=("arrested for posting on Facebook",),
                        html_shows=("<code>posting</code>",))),
    Case("markup-markdown-many-marks", "markup",
         "12,400 Markdown code spans in a summary: within its length, minutes of layout",
         edits=(summary_en("\"" + "`a`b" * 12_400 + "\""),),
         command="build", timeout=30,
         expect=Fails(contains=("appeal.president.en: cannot build the template context: a Markdown text has 12,400 marks (code, "
                                "emphasis, links, line breaks), more than the 200 one text may "
                                "have; write it with fewer",))),
    Case("markup-css-injection-reference", "markup",
         "a reference that closes the CSS string of the page footer and adds rules",
         edits=(edit(CAMPAIGN, "    kind: letter\n",
                     "    kind: letter\n    reference: 'R-1\"; } @page { background: "
                     "url(file:///etc/passwd) } body { background: url(\"http://127.0.0.1:9/x\"); "
                     "content: \"</style><img src=x>\\'\n"),),
         command="build",
         expect=Renders(shows=("R-1\"; } @page { background: url(file:///etc/passwd) }",
                               "</style><img src=x>\\"))),
    Case("markup-css-injection-bookmark", "markup",
         "a recipient name that breaks out of the bookmark label's CSS string",
         edits=(edit(CAMPAIGN, "      en: Nursultan Nazarbayev\n",
                     "      en: 'Nazarbayev\"); } address { background: url(\"../outside/"
                     "secret.png\") } x { content: (\"'\n"),),
         command="build",
         expect=Renders(shows=("Nazarbayev\"); } address { background: "
                               "url(\"../outside/secret.png\") }",))),
    Case("markup-css-injection-phrase", "markup",
         "a catalogue phrase that breaks out of the footer's CSS with an @import",
         files={"catalogues/en.yaml":
                "page_of: 'Page {page} of {pages}\"; } @import url(\"file:///etc/passwd\"); "
                "body { background: url(\"@OUTSIDE@/secret.png\") } x { content: \"'\n"},
         command="build",
         # A lone brace is not a placeholder: check refuses the phrase before it reaches CSS.
         expect=Fails(contains=("catalogues/en.yaml:1:1: page_of: '}' at character 26 is not "
                                "a placeholder; write {name}, or {{ and }} for braces",))),
    Case("markup-jinja-in-data", "markup", "Jinja expressions and statements in names and texts",
         edits=(name_of_person("\"{{ 7*7 }} "
                               "{{ cycler.__init__.__globals__.os.popen('id').read() }}\""),
                edit(CAMPAIGN, "      en: Appeal for Maks Bokayev\n",
                     "      en: \"{% include '/etc/passwd' %}{{ config }}\"\n"),
                edit(CAMPAIGN, "      en: We ask you to release Maks Bokayev.\n",
                     "      en: \"{% raw %}{{ 6*7 }}{# comment #}\"\n")),
         command="build",
         expect=Renders(
             shows=("{{ 7*7 }}", "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
                    "{% include '/etc/passwd' %}{{ config }}", "{% raw %}{{ 6*7 }}{# comment #}"),
             hides=("49", "42", "uid="))),
    Case("markup-jinja-in-phrase", "markup", "Jinja syntax in a catalogue phrase",
         files={"catalogues/en.yaml": "yours_sincerely: \"{{ 7*7 }} {% include 'x' %} Yours,\"\n"},
         command="build",
         expect=Fails(contains=("catalogues/en.yaml:1:1: yours_sincerely: '{' at character 11 "
                                "is not a placeholder; write {name}, or {{ and }} for braces",))),
    Case("markup-entities", "markup", "HTML entities in plain text are printed as written",
         edits=(name_of_person("\"Maks &amp; &#60;b&#62; &lt;script&gt;\""),),
         command="build",
         expect=Renders(shows=("Maks &amp; &#60;b&#62; &lt;script&gt;",))),
    Case("markup-format-string-in-phrase", "markup",
         "a catalogue phrase that walks Python attributes with str.format",
         files={"catalogues/en.yaml": "question.rule: \"Rule {number.__class__.__mro__}\"\n"},
         command="build", output="question.en",
         expect=Fails(contains=("catalogues/en.yaml:1:1: question.rule:",))),
    Case("markup-unknown-placeholder-in-phrase", "markup",
         "a catalogue phrase with a misspelt placeholder",
         files={"catalogues/en.yaml": "question.rule: \"Rule {nmber}\"\n"},
         command="build", output="question.en",
         expect=Fails(contains=("catalogues/en.yaml:1:1: question.rule:",))),
]


# --- text --------------------------------------------------------------------------

GROUPS = ["PPE", "S&D", "ECR", "ALDE", "GUE/NGL", "Verts/ALE", "EFDD", "ENF", "NI"]
FIVE_HUNDRED = "term: 8\nsignatories:\n" + "".join(
    f"  - id: {'kelam' if i == 1 else f'member-{i}'}\n    given: Given{i}\n"
    f"    family: Family{i}\n    country: EE\n    group: {GROUPS[i % 9]}\n"
    for i in range(1, 501))

TEXT = [
    Case("text-long-name", "text", "a family name of 3,000 letters without a space",
         edits=(edit(LIST, "    family: Kelam\n", "    family: " + "K" * 3000 + "\n"),),
         command="build", expect=Renders(shows=("Tunne KKKKKKKKKK",))),
    Case("text-long-word", "text", "one 45,000-letter word in a summary",
         edits=(summary_en("arrested " + "x" * 45_000 + " sentenced"),),
         command="build", expect=Renders(shows=("arrested", "xxxxxxxxxx"), min_pages=1)),
    Case("text-long-summary", "text", "a 48,000-character summary of words",
         edits=(summary_en("arrested " + "word " * 9_600),),
         command="build", expect=Renders(shows=("arrested word word",), min_pages=5)),
    Case("text-right-to-left", "text", "a Hebrew name: no shipped font has Hebrew",
         edits=(name_of_person("\"Maks שלום\""),),
         command="build",
         expect=Fails(lines=tuple(  # check names every character, where it is written
             f"cases/bokayev.yaml:2:5: people[0].name: the shipped fonts cannot draw {c}; "
             'use another character or add a font (see "Adding a font" in README.md)' for c in (
                 "'ו' (U+05D5 HEBREW LETTER VAV)", "'ל' (U+05DC HEBREW LETTER LAMED)",
                 "'ם' (U+05DD HEBREW LETTER FINAL MEM)", "'ש' (U+05E9 HEBREW LETTER SHIN)")))),
    Case("text-arabic-in-a-latin-letter", "text",
         "an Arabic name inside an English letter, laid out right to left within it",
         edits=(name_of_person("\"Maks مرحبا Bokayev\""),),
         command="build", expect=Renders(shows=("Bokayev (civil society activist)",))),
    Case("text-cjk-and-emoji", "text",
         "Chinese (drawn from Noto Serif CJK), Devanagari and an emoji in a Member's role",
         edits=(edit(LIST, "    group: PPE\n",
                     "    group: PPE\n    roles: [{\"*\": \"議員 क 🙂\"}]\n"),),
         command="build",
         expect=Fails(lines=tuple(
             f"signatories/meps.yaml:8:14: signatories[0].roles[0].*: the shipped fonts cannot "
             f"draw {c}; use another character or add a font (see \"Adding a font\" in "
             "README.md)" for c in (
                 "'क' (U+0915 DEVANAGARI LETTER KA)",
                 "'🙂' (U+1F642 SLIGHTLY SMILING FACE)")))),
    Case("text-mixed-scripts", "text", "Latin, Cyrillic, Kazakh and Greek in one name",
         edits=(name_of_person("\"Maks Бокаев Қазақ Ωμέγα ß ø ł ğ Ǆ\""),),
         command="build", expect=Renders(shows=("Maks Бокаев Қазақ Ωμέγα ß ø ł ğ Ǆ",))),
    Case("text-bidi-controls", "text", "right-to-left override and isolate characters in a name",
         edits=(name_of_person("\"\\u202eMaks Bokayev\\u202c and \\u2067Tokmadi\\u2069\""),),
         # The override would draw the name reversed ("veyakoB skaM"): refused at check.
         command="build",
         expect=Fails(contains=("cases/bokayev.yaml:2:11: people[0].name: contains U+202E "
                                "RIGHT-TO-LEFT OVERRIDE, which can disguise text; remove it",))),
    Case("text-zero-width", "text", "zero-width space, joiners, word joiner and BOM inside names",
         edits=(name_of_person("\"Ma\\u200bks\\u200d Bok\\ufeffay\\u2060ev\\u200c\""),
                edit(LIST, "    family: Kelam\n", "    family: \"Ke\\u200blam\"\n")),
         command="build",
         expect=Renders(shows=("Maks Bokayev (civil society activist)", "Tunne KELAM"))),
    Case("text-control-characters", "text",
         "BEL, ESC, NUL, DEL, VT, FF and NEL written as YAML escapes",
         edits=(name_of_person("\"Maks\\aBok\\eay\\0ev\\x7f\\v\\f\\x85\""),),
         expect=Fails(contains=("cases/bokayev.yaml:2:11: people[0].name:",))),
    Case("text-terminal-escape-in-message", "text",
         "terminal escape sequences in a value that an error message quotes",
         edits=(edit(CASE, "category: civil-society-activist",
                     "category: \"\\e[2J\\e]0;pwned\\a\""),),
         # Refused where it is read; the message escapes what it quotes.
         expect=Fails(contains=("cases/bokayev.yaml:4:11: category: contains the control "
                                "character U+001B; remove it",))),
    Case("text-long-document-id", "text", "a document id of 300 letters, too long for a file name",
         edits=(edit(CAMPAIGN, "  appeal:\n", "  " + "a" * 300 + ":\n"),),
         expect=Fails(contains=("campaign.yaml:15:3: documents." + "a" * 300 + ": ",))),
    Case("text-newlines-in-names", "text", "line breaks inside a family name and a salutation",
         edits=(edit(LIST, "    family: Kelam\n", "    family: \"Kelam\\n\\nEvil\"\n"),
                edit(CAMPAIGN, "      en: Dear Mr President,\n",
                     "      en: \"Dear\\r\\nMr\\tPresident,\\u2029\"\n")),
         command="build",
         expect=Fails(contains=("campaign.yaml:12:11: recipients.president.salutation.en: "
                                "contains U+2029 PARAGRAPH SEPARATOR, which cannot be printed; "
                                "use a blank line instead",))),
    Case("text-line-separator", "text", "a Unicode LINE SEPARATOR (U+2028) in a salutation",
         edits=(edit(CAMPAIGN, "      en: Dear Mr President,\n",
                     "      en: \"Dear Mr\\u2028President,\"\n"),),
         command="build",
         expect=Fails(contains=("campaign.yaml:12:11: recipients.president.salutation.en: "
                                "contains U+2028 LINE SEPARATOR, which cannot be printed; use "
                                "a blank line instead",))),
    Case("text-combining-marks", "text", "a letter carrying 300 combining marks",
         edits=(name_of_person("\"Maks Z" + "\\u0301\\u0327\\u0308" * 100 + "algo\""),),
         # Refused since issue 28 (more than 8 marks on a letter; NFC made Ź one letter).
         expect=Fails(lines=("cases/bokayev.yaml:2:5: people[0].name: the letter at "
                             "character 6 carries 299 combining marks; at most 8 are allowed "
                             "(so many would be drawn far outside the page)",))),
    Case("text-few-combining-marks", "text", "a letter carrying 3 combining marks, printed",
         edits=(name_of_person("\"Maks Z\\u0301\\u0327\\u0308algo\""),),
         command="build", expect=Renders(shows=("Maks",))),
    Case("text-500-signatories", "text", "500 Members sign one letter",
         files={LIST: FIVE_HUNDRED},
         edits=(edit(CAMPAIGN, "[{member: kelam, invited: 2014-07-01, answer: agreed, "
                     "answered: 2014-07-01}]", "[" + ", ".join(
                         f"{{member: {'kelam' if i == 1 else f'member-{i}'}, invited: "
                         "2014-07-01, answer: agreed, answered: 2014-07-01}"
                         for i in range(1, 501)) + "]"),),
         command="build",
         expect=Renders(shows=("Given1 FAMILY1", "Given250 FAMILY250", "Given500 FAMILY500"),
                        min_pages=20, signature_fields=500)),
]


# --- templates ------------------------------------------------------------------------

TEMPLATES = [
    Case("templates-sandbox-class-mro", "templates", "walk from a string to every Python class",
         files=in_intro("{{ ''.__class__.__mro__[1].__subclasses__() }}"),
         command="build",
         expect=Fails(contains=(
             "templates/letter.html:3: appeal.president.en: access to attribute '__class__' "
             "of 'str' object is unsafe",))),
    Case("templates-sandbox-globals", "templates", "read the globals of the phrase function",
         files=in_intro("{{ t.__globals__['os'].environ }}"),
         command="build",
         expect=Fails(contains=(
             "templates/letter.html:3: appeal.president.en: access to attribute "
             "'__globals__' of 'function' object is unsafe",))),
    Case("templates-sandbox-cycler-popen", "templates",
         "the classic cycler.__init__ escape to os.popen",
         files=in_intro("{{ cycler.__init__.__globals__.os.popen('id').read() }}"),
         command="build",
         expect=Fails(contains=(
             "templates/letter.html:3: appeal.president.en: access to attribute '__init__' "
             "of 'type' object is unsafe",))),
    Case("templates-sandbox-attr-filter", "templates",
         "|attr() with an escaped name, the usual way round filters on '__'",
         files=in_intro("{{ (lipsum|attr('\\x5f\\x5fglobals\\x5f\\x5f'))['os']"
                        ".popen('id').read() }}"),
         command="build",
         expect=Fails(contains=(
             "templates/letter.html:3: appeal.president.en: access to attribute "
             "'__globals__' of 'function' object is unsafe",))),
    Case("templates-sandbox-format", "templates", "str.format in a template reaching __class__",
         files=in_intro("{{ '{0.__class__.__mro__}'.format(document) }}"),
         command="build",
         expect=Fails(contains=(
             "templates/letter.html:3: appeal.president.en: access to attribute '__class__' "
             "of 'dict' object is unsafe",))),
    Case("templates-sandbox-format-through-phrase", "templates",
         "a phrase formatted with the phrase function itself reaches os.environ",
         files={**in_intro("{{ t('leak', f=t) }}"),
                "catalogues/en.yaml": "leak: \"{f.__globals__[Path].__new__.__globals__[os]"
                                      ".environ[HOSTILE_ENV_SECRET]}\"\n",
                "catalogues/ru.yaml": "leak: утечка\n"},
         command="build",
         # Only {name} placeholders exist: the phrase is refused before anything renders.
         expect=Fails(contains=("catalogues/en.yaml:1:1: leak: '{' at character 1 is not a "
                                "placeholder; write {name}, or {{ and }} for braces",))),
    Case("templates-sandbox-range", "templates", "a range of a billion items",
         files=in_intro("{{ range(10**9)|list|length }}"),
         command="build",
         expect=Fails(contains=(
             "templates/letter.html:3: appeal.president.en: Range too big. The sandbox "
             "blocks ranges larger than MAX_RANGE (100000).",))),
    Case("templates-huge-string", "templates", "a ten-gigabyte string in a template",
         files=in_intro("{{ 'x' * 10**10 }}"),
         command="build",
         expect=Fails(contains=("templates/letter.html:3: appeal.president.en: a repetition "
                                "longer than 1,000,000 items is not allowed",))),
    Case("templates-huge-number", "templates", "a 5,000-digit number printed",
         files=in_intro("{{ 10**5000 }}"),
         command="build",
         expect=Fails(contains=("templates/letter.html:3: appeal.president.en: ",))),
    Case("templates-endless-loop", "templates", "ten billion loop iterations",
         files=in_intro("{% for i in range(100000) %}{% for j in range(100000) %}"
                        "{% endfor %}{% endfor %}"),
         command="build", render_seconds=2, timeout=90,
         expect=Fails(contains=(  # check stops it: HTML takes milliseconds, not seconds
             "appeal.president.en: took longer than 10 s to render and was stopped; does a "
             "loop run for ever?",))),
    Case("templates-percent-format-width", "templates",
         "a %-format padded to 100 million digits (5 GB, then an abort in GLib)",
         files=in_intro('{{ "%0100000000d" % 1 }}'),
         command="build",
         expect=Fails(contains=("templates/letter.html:3: appeal.president.en: a formatted "
                                "field of more than 1,000,000 characters is not allowed",))),
    Case("templates-format-method-width", "templates",
         "str.format and the format filter padding to 100 million, the width given apart",
         files=in_intro('{{ "{:{w}}".format(1, w=10**8) }}{{ "%*d"|format(10**8, 1) }}'),
         command="build",
         expect=Fails(contains=("templates/letter.html:3: appeal.president.en: a formatted "
                                "field of more than 1,000,000 characters is not allowed",))),
    Case("templates-center-filter", "templates",
         "|center(10**8): 100 MB of spaces that WeasyPrint's whitespace handling chews for minutes",
         files=in_intro('{{ "x"|center(10**8) }}'),
         command="build", timeout=30,
         expect=Fails(contains=("templates/letter.html:3: appeal.president.en: a centred "
                                "text of more than 1,000,000 characters is not allowed",))),
    Case("templates-replace-multiplies", "templates",
         "a million-character text with each character replaced by itself",
         files=in_intro('{% set s = "x" * 999999 %}{{ s.replace("x", s) }}{{ s|replace("x", s) }}'),
         command="build",
         expect=Fails(contains=("templates/letter.html:3: appeal.president.en: a text made "
                                "by replace() of more than 2,000,000 characters is not allowed",))),
    Case("templates-loop-of-long-texts", "templates",
         "100 texts of 999,999 characters, each within the limit (4.9 GB in all)",
         files=in_intro('{% for i in range(100) %}{{ "x" * 999999 }}{% endfor %}'),
         command="build",
         expect=Fails(contains=("appeal.president.en: the template produces more than "
                                "2,000,000 characters; is a loop printing a very long text?",))),
    Case("templates-doubling-concatenation", "templates",
         "a text doubled with ~ forty times, and a list extended by itself",
         files=in_intro('{% set ns = namespace(x="ab") %}{% for i in range(40) %}'
                        '{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x|length }}'),
         command="build",
         expect=Fails(contains=("templates/letter.html:3: appeal.president.en: a text of "
                                "more than 2,000,000 characters is not allowed",))),
    Case("templates-join-of-repeated-text", "templates",
         "a list of a thousand references to one long text, joined",
         files=in_intro('{{ (["x" * 9999] * 1000)|join }}'),
         command="build",
         expect=Fails(contains=("templates/letter.html:3: appeal.president.en: a repetition "
                                "of more than 2,000,000 characters is not allowed",))),
    Case("templates-lipsum-million", "templates", "lipsum() of a million paragraphs",
         files=in_intro("{{ lipsum(10**6) }}"),
         command="build",
         expect=Fails(contains=("templates/letter.html:3: appeal.president.en: lipsum() of "
                                "more than 100 paragraphs of 100 words is not allowed",))),
    Case("templates-power-tower", "templates",
         "9**(9**9): hours of integer arithmetic, folded by Jinja at compile time",
         files=in_intro("{{ 9**(9**9) }}"),
         command="build", render_seconds=2, cpu=20, timeout=30,
         expect=Fails(contains=(
             "templates/letter.html:3: appeal.president.en: a power with more than 4,000 "
             "digits is not allowed",))),
    Case("templates-recursive-macro", "templates", "a macro that calls itself for ever",
         files=in_intro("{% macro down(n) %}{{ down(n + 1) }}{% endmacro %}{{ down(0) }}"),
         command="build",
         expect=Fails(contains=("templates/letter.html:3: appeal.president.en: ",))),
    Case("templates-includes-itself", "templates", "a template that includes itself",
         files=in_intro("{% include 'loop.html' %}") | {"templates/loop.html":
                                                       "x\n{% include 'loop.html' %}\n"},
         command="build",
         expect=Fails(contains=("templates/loop.html:2: appeal.president.en: ",))),
    Case("templates-include-parent-path", "templates", "{% include %} with ../ out of templates/",
         files=in_intro("{% include '../../outside/secret.html' %}"),
         expect=Fails(lines=(
             "templates/letter.html:3: there is no template '../../outside/secret.html' in "
             "templates/ or among the built-in ones",))),
    Case("templates-include-absolute-path", "templates", "{% include %} of absolute paths",
         files=in_intro("{% include '@OUTSIDE@/secret.html' %}\n{% include '/etc/passwd' %}"),
         expect=Fails(lines=(
             "templates/letter.html:3: there is no template '@OUTSIDE@/secret.html' in "
             "templates/ or among the built-in ones",
             "templates/letter.html:4: there is no template '/etc/passwd' in templates/ or "
             "among the built-in ones"))),
    Case("templates-builtin-traversal", "templates", "builtin/../../ to leave the package",
         files=in_intro("{% include 'builtin/../../../../../etc/passwd' %}"),
         expect=Fails(lines=(
             "templates/letter.html:3: there is no template 'builtin/../../../../../etc/passwd' "
             "in templates/ or among the built-in ones",))),
    Case("templates-template-field-outside", "templates", "a document's template: ../ and absolute",
         edits=(edit(CAMPAIGN, "    kind: letter\n",
                     "    kind: letter\n    template: ../outside/secret.html\n"),
                edit(CAMPAIGN, "    kind: question\n",
                     "    kind: question\n    template: @OUTSIDE@/secret.html\n")),
         expect=Fails(lines=(
             "campaign.yaml:17:5: documents.appeal.template: there is no template "
             "'../outside/secret.html' in templates/ or among the built-in ones",
             "campaign.yaml:35:5: documents.question.template: there is no template "
             "'@OUTSIDE@/secret.html' in templates/ or among the built-in ones"))),
    Case("templates-dynamic-include-from-data", "templates",
         "a template includes a name the data gives",
         files=in_intro("{% include document.subject %}"),
         edits=(edit(CAMPAIGN, "      en: Appeal for Maks Bokayev\n",
                     "      en: ../outside/secret.html\n"),),
         command="build",
         expect=Fails(contains=(
             "templates/letter.html:3: appeal.president.en: there is no template "
             "'../outside/secret.html'",))),
    Case("templates-symlink-outside", "templates",
         "templates/letter.html is a link to a file outside",
         make=link(TEMPLATE, "@OUTSIDE@/secret.html"),
         expect=Fails(contains=("templates/letter.html: ", "outside the campaign folder"))),
    Case("templates-folder-symlink-outside", "templates",
         "templates/ is a link to a folder outside",
         make=link("templates", "@OUTSIDE@/templates"),
         expect=Fails(contains=("templates", "outside the campaign folder"))),
    Case("templates-undefined-variable", "templates", "a misspelt variable",
         files=in_intro("{{ recipient.name }}\n{{ document.sumary }}"),
         command="build",
         expect=Fails(contains=(
             "templates/letter.html:4: appeal.president.en: 'dict object' has no attribute "
             "'sumary'",))),
    Case("templates-undefined-in-include", "templates", "an undefined name in an included template",
         files={**in_intro("{% include 'parts/intro.html' %}"),
                "templates/parts/intro.html":
                    "<p>\n{{ recipient.name }}\n</p>\n{{ recipent.name }}\n"},
         command="build",
         expect=Fails(contains=(
             "templates/parts/intro.html:4: appeal.president.en: 'recipent' is undefined",))),
    Case("templates-undefined-in-macro", "templates", "an undefined name inside a macro",
         files={TEMPLATE: '{% extends "builtin/letter.html" %}\n'
                          "{% macro greet(who) %}\n<p>{{ who.name }}</p>\n"
                          "<p>{{ salutaton }}</p>\n{% endmacro %}\n"
                          "{% block intro %}\n{{ greet(recipient) }}\n{% endblock %}\n"},
         command="build",
         expect=Fails(contains=(
             "templates/letter.html:4: appeal.president.en: 'salutaton' is undefined",))),
    Case("templates-unknown-phrase", "templates", "a phrase no catalogue has",
         files=in_intro("{{ t('no.such.phrase') }}"),
         expect=Fails(lines=(
             "templates/letter.html:3: the phrase 'no.such.phrase' is missing from the 'en' "
             "catalogue; add it to catalogues/en.yaml",
             "templates/letter.html:3: the phrase 'no.such.phrase' is missing from the 'ru' "
             "catalogue; add it to catalogues/ru.yaml"))),
    Case("templates-phrase-key-from-data", "templates", "a phrase whose key comes from the data",
         files=in_intro("{{ t(document.subject) }}"),
         command="build",
         expect=Fails(contains=("templates/letter.html:3: appeal.president.en: ",))),
    Case("templates-syntax-error", "templates", "an unclosed tag",
         files=in_intro("{% if recipient %}\n<p>never closed</p>"),
         expect=Fails(lines=(
             "templates/letter.html:5: template syntax: Encountered unknown tag 'endblock'. "
             "You probably made a nesting mistake. Jinja is expecting this tag, but currently "
             "looking for 'elif' or 'else' or 'endif'. The innermost block that needs to be "
             "closed is 'if'.",))),
    Case("templates-not-utf8", "templates", "a template saved in Latin-1",
         files={TEMPLATE: '{% extends "builtin/letter.html" %}\n{% block intro %}\n'
                          .encode() + "Caf\xe9\n{% endblock %}\n".encode("latin-1")},
         expect=Fails(lines=(
             "templates/letter.html:3:4: not valid UTF-8 (byte 0xe9); save the file as UTF-8",))),
]


# --- resources: what a document may read ------------------------------------------------


def fetch_case(name: str, what: str, html: str, refused: str, **options) -> Case:
    """A template that fetches something it may not: ``check`` refuses it (``refused`` is
    its message), so the build never starts; or, if check cannot see it, the build refuses
    to read it (``refused`` starts with "appeal.president.en: ")."""
    return Case(name, "resources", what, files=in_intro(html), command="build",
                expect=Fails(contains=(refused,)), **options)


RESOURCES = [
    fetch_case("resources-template-img-passwd", "an <img> of /etc/passwd in a template",
               '<img src="file:///etc/passwd" alt="x">',
               "templates/letter.html:3: the template fetches 'file:///etc/passwd', but it is "
               "outside the campaign folder; only files in it can be used"),
    fetch_case("resources-template-img-parent", "an <img> of ../outside/secret.png",
               '<img src="../outside/secret.png" alt="x">',
               "templates/letter.html:3: the template fetches '../outside/secret.png', but it is "
               "outside the campaign folder; only files in it can be used"),
    fetch_case("resources-template-http", "an <img> and a stylesheet over http",
               '<img src="http://127.0.0.1:9/pixel.png" alt="x">'
               '<link rel="stylesheet" href="https://example.org/x.css">',
               "templates/letter.html:3: the template fetches 'https://example.org/x.css', but only "
               "files in the campaign folder can be used"),
    fetch_case("resources-template-css-import", "@import and @font-face of files outside",
               '<style>@import url("@OUTSIDE@/secret.css"); @font-face { font-family: x; '
               'src: url("file:///etc/passwd") }</style>',
               "templates/letter.html:3: the template fetches '@OUTSIDE@/secret.css', but it is "
               "outside the campaign folder; only files in it can be used"),
    fetch_case("resources-template-attachment", "a PDF attachment of /etc/passwd",
               '<link rel="attachment" href="file:///etc/passwd">'
               '<a rel="attachment" href="../outside/secret.txt">x</a>',
               "templates/letter.html:3: the template fetches 'file:///etc/passwd', but it is "
               "outside the campaign folder; only files in it can be used"),
    fetch_case("resources-template-object-embed", "<object> and <embed> of files outside",
               '<object data="file:///etc/passwd" type="image/png"></object>'
               '<embed src="@OUTSIDE@/secret.png">',
               "templates/letter.html:3: the template fetches 'file:///etc/passwd', but it is "
               "outside the campaign folder; only files in it can be used"),
    fetch_case("resources-template-inline-svg", "an inline SVG <image> of a file outside",
               '<svg width="20" height="20"><image href="@OUTSIDE@/secret.png" width="10" '
               'height="10"/></svg>',
               "templates/letter.html:3: the template fetches '@OUTSIDE@/secret.png', but it is "
               "outside the campaign folder; only files in it can be used"),
    fetch_case("resources-template-base-href", "<base href> pointing at /etc",
               '<base href="file:///etc/"><img src="passwd" alt="x">',
               "templates/letter.html:3: the template fetches 'passwd', but there is no such file "
               "in the campaign folder"),
    fetch_case("resources-template-symlinked-image",
               "an image inside the campaign that links outside",
               '<img src="images/pic.png" alt="x">',
               "templates/letter.html:3: the template fetches 'images/pic.png', but it is "
               "outside the campaign folder; only files in it can be used",
               make=link("images/pic.png", "@OUTSIDE@/secret.png")),
    Case("resources-ids-as-paths", "resources", "case and list ids that are paths",
         edits=(edit(CAMPAIGN, "    cases: [bokayev]\n    intro",
                     "    cases: [../../outside/secret]\n    intro"),
                edit(CAMPAIGN, "    signatories: meps\n    authors",
                     "    signatories: @OUTSIDE@/secret\n    authors")),
         expect=Fails(lines=(
             "campaign.yaml:28:13: documents.appeal.cases[0]: expected an id of at most 64 lower-case "
             "letters, digits and hyphens, got '../../outside/secret'",
             "campaign.yaml:37:5: documents.question.signatories: expected an id of at most 64 "
             "lower-case letters, digits and hyphens, got '@OUTSIDE@/secret'"))),
    Case("resources-logo-outside", "resources",
         "the logo as file:// URL, absolute path, ../ path and http:// address",
         edits=(add_to_sender("  logo: file:///etc/passwd\n"),
                edit(LIST, "    group: PPE\n", "    group: PPE\n"
                     "    signature_image: @OUTSIDE@/secret.png\n"),
                edit(LIST, "    group: S&D\n", "    group: S&D\n"
                     "    signature_image: ../outside/secret.png\n")),
         files={"signatories/more.yaml": "term: 8\nsignatories:\n  - given: A\n    family: B\n"
                "    country: EE\n    group: PPE\n    signature_image: http://127.0.0.1:9/s.png\n"
                "  - given: C\n    family: D\n    country: EE\n    group: PPE\n"
                "    signature_image: /proc/self/environ\n"},
         expect=Fails(lines=(
             "campaign.yaml:3:3: sender.logo: 'file:///etc/passwd' is not a file in the "
             "campaign folder",
             "signatories/meps.yaml:8:5: signatories[0].signature_image: '@OUTSIDE@/secret.png' "
             "is not a file in the campaign folder",
             "signatories/meps.yaml:13:5: signatories[1].signature_image: "
             "'../outside/secret.png' is not a file in the campaign folder",
             "signatories/more.yaml:7:5: signatories[0].signature_image: "
             "'http://127.0.0.1:9/s.png' is not a file in the campaign folder",
             "signatories/more.yaml:12:5: signatories[1].signature_image: '/proc/self/environ' "
             "is not a file in the campaign folder"))),
    Case("resources-logo-symlink", "resources", "a logo inside the campaign that links outside",
         edits=(add_to_sender("  logo: images/logo.png\n"),),
         make=link("images/logo.png", "@OUTSIDE@/secret.png"),
         expect=Fails(lines=(
             "campaign.yaml:3:3: sender.logo: 'images/logo.png' is not a file in the campaign "
             "folder",))),
    Case("resources-logo-not-an-image", "resources", "the logo is a YAML file",
         edits=(add_to_sender("  logo: cases/bokayev.yaml\n  logo_alt: {\"*\": Logo}\n"),),
         command="build",
         expect=Fails(contains=(
             "  appeal.president.en: WeasyPrint reported: Failed to load image at "
             "'file://@CAMPAIGN@/cases/bokayev.yaml'",))),
    Case("resources-svg-logo-external-images", "resources",
         "an SVG logo that pulls /etc/passwd and a file outside",
         edits=(add_to_sender("  logo: logo.svg\n  logo_alt: {\"*\": Logo}\n"),),
         files={"logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" '
                'xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="20">'
                '<image href="file:///etc/passwd" width="10" height="10"/>'
                '<image xlink:href="@OUTSIDE@/secret.png" width="10" height="10"/>'
                '<image href="http://127.0.0.1:9/x.png" width="10" height="10"/></svg>'},
         command="build",
         expect=Fails(contains=("  appeal.president.en: WeasyPrint reported: ",))),
    Case("resources-svg-logo-xxe", "resources", "an SVG logo with external XML entities",
         edits=(add_to_sender("  logo: logo.svg\n  logo_alt: {\"*\": Logo}\n"),),
         files={"logo.svg": '<?xml version="1.0"?>\n<!DOCTYPE svg [\n'
                '<!ENTITY passwd SYSTEM "file:///etc/passwd">\n'
                '<!ENTITY secret SYSTEM "@OUTSIDE@/secret.txt">]>\n'
                '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
                '<text y="10">&passwd;&secret;</text></svg>'},
         command="build",
         expect=Fails(contains=("  appeal.president.en: WeasyPrint reported: ",))),
    Case("resources-svg-logo-billion-laughs", "resources", "an SVG logo with nested XML entities",
         edits=(add_to_sender("  logo: logo.svg\n  logo_alt: {\"*\": Logo}\n"),),
         files={"logo.svg": '<?xml version="1.0"?>\n<!DOCTYPE svg [\n'
                '<!ENTITY a0 "lollollollollollollollollollol">\n'
                + "".join(f'<!ENTITY a{i} "' + f"&a{i - 1};" * 10 + '">\n' for i in range(1, 10))
                + ']>\n<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
                '<text y="10">&a9;</text></svg>'},
         command="build",
         expect=Fails(contains=("  appeal.president.en: WeasyPrint reported: ",))),
    Case("resources-png-bomb-logo", "resources", "a 25 KB PNG logo of 200 million pixels",
         edits=(add_to_sender("  logo: logo.png\n  logo_alt: {\"*\": Logo}\n"),),
         files={"logo.png": png_bomb()},
         command="build",
         expect=Fails(contains=("  appeal.president.en: WeasyPrint reported: ",))),
    Case("resources-logo-inside-renders", "resources",
         "a logo and a signature inside the campaign are printed (the control case)",
         edits=(add_to_sender("  logo: images/logo.png\n  logo_alt: {\"*\": Logo}\n"),
                edit(LIST, "    group: PPE\n", "    group: PPE\n"
                     "    signature_image: images/kelam.png\n")),
         files={"images/logo.png": png(60, 24), "images/kelam.png": png(80, 30, (0, 0, 0))},
         command="build", expect=Renders(shows=("Tunne KELAM",), images=2)),
    Case("resources-output-dir-outside", "resources", "output_dir: ../outside",
         edits=(edit(CAMPAIGN, "sender:\n", "output_dir: ../outside\nsender:\n"),),
         command="build", output="question.en",
         expect=Fails(contains=("campaign.yaml:2:1: output_dir:",))),
    Case("resources-case-file-symlink", "resources", "cases/evil.yaml links to a file outside",
         make=link("cases/evil.yaml", "@OUTSIDE@/secret.yaml"),
         expect=Fails(contains=("cases/evil.yaml: ", "outside the campaign folder"))),
    Case("resources-cases-folder-symlink", "resources", "cases/ links to a folder outside",
         make=link("cases", "@OUTSIDE@/cases"),
         expect=Fails(contains=("cases", "outside the campaign folder"))),
    Case("resources-catalogue-symlink", "resources", "catalogues/en.yaml links to a file outside",
         make=link("catalogues/en.yaml", "@OUTSIDE@/catalogue.yaml"),
         expect=Fails(contains=("catalogues/en.yaml: ", "outside the campaign folder"))),
    Case("resources-case-file-is-fifo", "resources", "cases/fifo.yaml is a named pipe",
         make=lambda root, outside: os.mkfifo(root / "cases" / "fifo.yaml"),
         expect=Fails(contains=("cases/fifo.yaml: ",)), timeout=8),
    Case("resources-case-file-is-dev-zero", "resources", "cases/zero.yaml links to /dev/zero",
         make=link("cases/zero.yaml", "/dev/zero"),
         expect=Fails(contains=("cases/zero.yaml: ",))),
    Case("resources-case-file-is-folder", "resources", "cases/dir.yaml is a folder",
         files={"cases/dir.yaml/x.yaml": "a: b\n"},
         expect=Fails(lines=("cases/dir.yaml: is not a regular file (a device, a pipe or a "
                             "folder?); campaign files are plain text files",))),
]


# --- limits: time and memory ------------------------------------------------------------


def _documents_and_variants(root: Path, outside: Path) -> None:
    """2,000 letters, and a person with 20,000 spelling variants: both files within limits."""
    campaign = (root / CAMPAIGN).read_text()
    letter = campaign[campaign.index("  appeal:\n"):campaign.index("  question:\n")]
    (root / CAMPAIGN).write_text(campaign + "".join(
        letter.replace("  appeal:\n", f"  appeal-{i}:\n") for i in range(2000)))
    case = (root / CASE).read_text()
    (root / CASE).write_text(case.replace(
        "variants: [Max Bokayev, Bokaev]",
        "variants: [" + ", ".join(f"Variant{i} Bokayev" for i in range(20_000)) + "]"))


def _many_cases(root: Path, outside: Path) -> None:
    """1,000 case files, all in one letter."""
    case = (root / CASE).read_text()
    for i in range(1000):
        (root / "cases" / f"case-{i}.yaml").write_text(case)
    campaign = (root / CAMPAIGN).read_text()
    (root / CAMPAIGN).write_text(campaign.replace(
        "    cases: [bokayev]\n    intro:",
        "    cases: [bokayev, " + ", ".join(f"case-{i}" for i in range(1000)) + "]\n    intro:"))


def _phrase_of_placeholders(root: Path, outside: Path) -> None:
    """A dateline of 7,000 {place} and a place of 49,000 characters: 343 million once
    filled in (check peaked at 2.1 GB in 7fda9f7)."""
    (root / "catalogues").mkdir(exist_ok=True)
    (root / "catalogues" / "en.yaml").write_text('dateline: "' + "{place}" * 7000 + '"\n')
    campaign = (root / CAMPAIGN).read_text()
    (root / CAMPAIGN).write_text(campaign.replace(
        "      en: Brussels\n", "      en: " + "Brussels " * 5444 + "X\n", 1))


def _address_of_names(root: Path, outside: Path) -> None:
    """A variant: the address block's line of 7,000 {name}, a name of 49,000 characters
    (another phrase, filled by the letter's kind, not by a template)."""
    (root / "catalogues").mkdir(exist_ok=True)
    (root / "catalogues" / "en.yaml").write_text('recipient_block: "' + "{name}" * 7000
                                                 + '"\n')
    campaign = (root / CAMPAIGN).read_text()
    (root / CAMPAIGN).write_text(campaign.replace(
        "      en: Nursultan Nazarbayev\n", "      en: " + "Nazarbayev " * 4454 + "N\n", 1))


PILED = "m" + "\u0301" * 5000  # (NFC makes the first two one letter: 4,999 marks are left)

LIMITS = [
    Case("limits-phrase-filled-past-the-budget", "limits",
         "7,000 {place} placeholders filled with a 49,000-character place",
         make=_phrase_of_placeholders, timeout=20,
         expect=Fails(contains=("the 'en' phrase 'dateline' would be 343,028,000 characters "
                                "long once filled in (7,000 placeholders); at most 1,000,000 "
                                "are allowed",))),
    Case("limits-address-filled-past-the-budget", "limits",
         "the address block's line of 7,000 {name}, a 49,000-character name",
         make=_address_of_names, timeout=20,
         expect=Fails(contains=("the phrase 'recipient_block' would be 343,007,000 characters "
                                "long once filled in (7,000 placeholders); at most 1,000,000 "
                                "are allowed",))),
    Case("limits-combining-marks-on-a-name", "limits",
         "a family name whose last letter carries 5,000 combining marks",
         edits=(edit(LIST, "    family: Kelam\n", f"    family: Kela{PILED}\n"),),
         expect=Fails(lines=("signatories/meps.yaml:5:5: signatories[0].family: the letter at "
                             "character 5 carries 4,999 combining marks; at most 8 are "
                             "allowed (so many would be drawn far outside the page)",))),
    Case("limits-combining-marks-in-a-summary", "limits",
         "a Russian summary with 40 marks piled on one letter (a variant)",
         edits=(edit(CASE, "  ru: задержан 17 мая", "  ru: задержан" + "\u0483" * 40
                     + " 17 мая"),),
         expect=Fails(lines=("cases/bokayev.yaml:8:1: summary: the ru text: the letter at "
                             "character 8 carries 40 combining marks; at most 8 are allowed (so many "
                             "would be drawn far outside the page)",))),
    Case("limits-many-cases", "limits", "1,000 case files in one letter: check in seconds",
         make=_many_cases, timeout=20, expect=Passes()),
    Case("limits-documents-times-variants", "limits",
         "2,000 letters and 20,000 spelling variants: check in seconds",
         make=_documents_and_variants, timeout=15, expect=Passes()),
]


CASES: list[Case] = YAML + TYPES + MARKUP + TEXT + TEMPLATES + RESOURCES + LIMITS
