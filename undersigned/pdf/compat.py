"""Workarounds for third-party behaviour, each in one place, guarded by the versions it was
written for, so that an upgrade fails loudly here instead of quietly elsewhere.

- pydyf (WeasyPrint's PDF writer) can end a stream ambiguously (``stream_ends``),
  encodes (and compresses) every object twice when the PDF has an identifier
  (``objects_encoded_once``), and compresses at zlib's slowest level
  (``default_compression``);
- WeasyPrint 70 looks for its C libraries under names that make Linux run the C compiler
  (``weasyprint_imported``);
- WeasyPrint 70 exposes a page's laid-out boxes only as the private ``_page_box``
  (``page_box``);
- WeasyPrint 70's tagged PDF lacks a few things PDF/UA asks for (``tagging_fixes``);
- WeasyPrint 70 keeps text unhyphenated only through a box per span; its hyphenation
  dictionaries can do it for nothing (``kept_whole``);
- WeasyPrint 70 parses a document's ``<style>`` anew for every document
  (``stylesheets_shared``);
- WeasyPrint 70 computes the styles of an element with an ``id``, and of all inside it,
  anew (``ids_unanchored``);
- WeasyPrint 70 computes five footnote and note styles for every element, footnotes or
  not (``without_notes``);
- tinyhtml5 2.1 never finds the regular expressions it keeps (``html_parsing_cached``);
- pyHanko rewrites a signed PDF's XMP metadata in a form PDF/A refuses (``metadata_kept``).
"""

from __future__ import annotations

import re
import threading
import weakref
import zlib
from functools import lru_cache, wraps

from ..errors import UnsupportedVersion

PYDYF_VERSIONS = ("0.10.", "0.11.", "0.12.", "0.13.")
"""pydyf releases whose ``Stream.data`` the stream-end fix was written and tested for."""
WEASYPRINT_VERSIONS = ("70.",)
"""The WeasyPrint releases undersigned supports (the one place that says so: ``doctor``
asks it, and a test compares it with pyproject.toml's requirement): those whose
``Page._page_box`` the layout lookups, and whose output the PDF/A fixes, were written for."""

__all__ = ["UnsupportedVersion", "WEASYPRINT_VERSIONS", "page_box", "unambiguous_stream_ends"]


def supported_weasyprint(version: str) -> bool:
    """Whether ``version`` of WeasyPrint is one undersigned supports."""
    return version.startswith(WEASYPRINT_VERSIONS)


@lru_cache(maxsize=1)
def unambiguous_stream_ends() -> None:
    """Make every stream end with an unambiguous end-of-line before ``endstream``.

    pydyf (WeasyPrint's PDF writer) writes ``stream``, the data, ``\\n`` and
    ``endstream``. When compressed data happens to end with a ``\\r`` byte (one
    stream in 256), that ``\\r\\n`` reads as the end-of-line, so the data looks a
    byte shorter than its /Length: a PDF/A violation (ISO 19005-2, 6.1.7.1) that
    validators report. Such a stream gets ``\\r\\n`` after its data instead.
    """
    import pydyf

    if not pydyf.__version__.startswith(PYDYF_VERSIONS):
        raise UnsupportedVersion(f"pydyf {pydyf.__version__}: the stream-end fix in "
                                 "undersigned.pdf.compat was written for pydyf "
                                 + ", ".join(v + "x" for v in PYDYF_VERSIONS))
    original = pydyf.Stream.data.fget

    def data(self):
        raw = original(self)
        if raw.endswith(b"\r\nendstream"):
            raw = raw[:-len(b"\nendstream")] + b"\r\nendstream"
        return raw

    pydyf.Stream.data = property(data)


_WRITING = threading.local()
"""The objects of the PDF a thread is writing, encoded: their ``number`` -> (the object,
its bytes)."""


@lru_cache(maxsize=1)
def objects_encoded_once() -> None:
    """Encode each object of a PDF once while pydyf writes it.

    pydyf 0.13 writes every object (each stream compressed at zlib's level 9), then, to
    compute the file identifier PDF/A asks for, encodes them all a second time and hashes
    the result: each page's content, font and structure stream serialised and compressed
    twice, 7 ms of the example's letters' 43 ms of drawing and writing (in one process,
    writing the same laid-out copies both ways, best of 5 rounds: 42.6 → 35.7 ms). While
    ``PDF.write`` runs, nothing changes the objects it writes, so the second encoding is
    the first's bytes, kept. Only the PDF's own (numbered) objects are kept, and only until
    ``write`` returns; the bytes written are the same.
    """
    import pydyf

    unambiguous_stream_ends()  # (its version check; kept bytes are those it ends)
    write = pydyf.PDF.write

    @wraps(write)
    def write_encoding_once(self, *args, **kwargs):
        _WRITING.encoded = {}
        try:
            return write(self, *args, **kwargs)
        finally:
            _WRITING.encoded = None

    for kind in (pydyf.Dictionary, pydyf.Stream, pydyf.Array):
        kind.data = property(_encoded_once(kind.data.fget))
    pydyf.PDF.write = write_encoding_once


class _DefaultLevel:
    """zlib as pydyf sees it: every stream compressed at zlib's default level."""

    compress = staticmethod(zlib.compress)

    @staticmethod
    def compressobj(level: int = zlib.Z_DEFAULT_COMPRESSION, *args, **kwargs):
        return zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, *args, **kwargs)


@lru_cache(maxsize=1)
def default_compression() -> None:
    """Compress a PDF's streams at zlib's default level (6) rather than pydyf's 9.

    Writing the example's 8 letters and questions from the same layouts, in one process,
    best of 5 rounds: 36.6 ms a copy at level 9, 33.3 ms at level 6, for PDFs 1.0% larger
    (279,507 bytes in all, against 276,719). What a reader sees is the same; a PDF is as
    reproducible as before."""
    import pydyf

    unambiguous_stream_ends()  # (its version check)
    pydyf.zlib = _DefaultLevel


def _encoded_once(encode):
    def data(self):
        encoded = getattr(_WRITING, "encoded", None)
        if encoded is None or self.number is None:
            return encode(self)
        kept = encoded.get(self.number)
        if kept is None or kept[0] is not self:
            kept = encoded[self.number] = (self, encode(self))
        return kept[1]
    return data


@lru_cache(maxsize=1)
def weasyprint_imported():
    """WeasyPrint, imported with its C libraries loaded by the names Linux knows them by.

    WeasyPrint 70 tries each library under several names, for Linux, macOS and Windows
    (``libpango-1.0-0``, ``pango-1.0-0``, ``pango-1.0``, ``libpango-1.0.so.0``, …); cffi
    asks ``ctypes.util.find_library`` about each name the loader does not know, which on
    Linux runs ``ldconfig -p``, then the C compiler and the linker (writing temporary
    files): 0.17 of the 0.45 s its import takes, in every process that renders (a build's
    fork server, ``send``, the preview, ``doctor``). On Linux, those names are "not found"
    at once during the import, so the first one the loader knows, the library's soname
    (``libpango-1.0.so.0``), is loaded, as ``find_library``'s answer would have been.
    Should none load, the import is made again the usual way, and fails or not as it would
    have.
    """
    import sys

    if sys.platform.startswith("linux") and "weasyprint.text.ffi" not in sys.modules:
        import contextlib
        import ctypes.util
        import io

        find_library = ctypes.util.find_library
        ctypes.util.find_library = _not_looked_up
        try:
            # (WeasyPrint prints its installation help to stdout when a library is missing.)
            with contextlib.redirect_stdout(io.StringIO()):
                import weasyprint
            return weasyprint
        except OSError:
            pass  # the usual way, below
        finally:
            ctypes.util.find_library = find_library
    import weasyprint

    return weasyprint


def _not_looked_up(name: str) -> None:
    return None


def page_box(page):
    """The root box of a laid-out WeasyPrint page (WeasyPrint 70 keeps it private)."""
    _check_weasyprint("the layout lookups")
    return page._page_box


def _check_weasyprint(what: str) -> None:
    import weasyprint

    if not supported_weasyprint(weasyprint.__version__):
        raise UnsupportedVersion(f"WeasyPrint {weasyprint.__version__}: {what} in "
                                 "undersigned.pdf.compat were written for WeasyPrint 70")


_ARTIFACTS: set[int] = set()
"""The boxes of the page being drawn whose content is an artifact (its margin boxes')."""


@lru_cache(maxsize=1)
def tagging_fixes() -> None:
    """Four additions to WeasyPrint 70's tagged PDF, which PDF/UA asks for:

    - an element's ``lang`` attribute becomes the ``/Lang`` of its structure element (a
      Latin name in a Russian letter is read as Latin, not as Russian);
    - the page's margin boxes (page numbers, the reference, a draft's mark) are drawn as
      pagination artifacts, outside the structure (WeasyPrint 70 builds structure elements
      for them that no parent holds);
    - an image with ``alt=""`` is decoration, drawn as an artifact (WeasyPrint 70 refuses
      it as an image without a text alternative);
    - each structure element is recorded with the HTML element it comes from, in
      ``pdf.undersigned_structure`` (a list of pairs), for the finisher to find the
      signature block and the signing spaces by their class and id.
    """
    _check_weasyprint("the tagging fixes")
    import pydyf
    import weasyprint.document
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import stream as stream_module
    from weasyprint.pdf import tags

    build_box_tree, draw_page = tags._build_box_tree, weasyprint.document.draw_page
    marked = stream_module.Stream.marked

    def build(box, parent, pdf, *args):
        if isinstance(box, boxes.MarginBox) or decorative(box):
            return
        element = None if isinstance(box, boxes.PageBox) else box.element
        if element is not None and element.tag in ("html", "body"):
            element = None
        record = pdf.__dict__.setdefault("undersigned_structure", [])
        for struct in build_box_tree(box, parent, pdf, *args):
            if element is not None:
                if element.get("lang") and "Lang" not in struct:
                    struct["Lang"] = pydyf.String(element.get("lang"))
                record.append((element, struct))
            yield struct

    def draw(page_box, stream):
        _ARTIFACTS.clear()
        if stream._tags is not None:
            _ARTIFACTS.update(id(box) for margin in page_box.children
                              if isinstance(margin, boxes.MarginBox)
                              for box in margin.descendants())
        try:
            draw_page(page_box, stream)
        finally:
            _ARTIFACTS.clear()

    def decorative(box) -> bool:
        """An image with an empty text alternative (``alt=""``): decoration, as in HTML."""
        return (isinstance(box, boxes.ReplacedBox) and box.element is not None
                and box.element.get("alt") == "")

    def marked_or_artifact(self, box, tag):
        if id(box) in _ARTIFACTS or decorative(box):
            return self.artifact()
        return marked(self, box, tag)

    tags._build_box_tree = build
    weasyprint.document.draw_page = draw
    stream_module.Stream.marked = marked_or_artifact


@lru_cache(maxsize=1)
def kept_whole() -> None:
    """Give the layout of a WeasyPrint ``HTML`` that has ``undersigned_kept_whole`` (words,
    see :mod:`.hyphens`) hyphenation dictionaries that do not split them.

    WeasyPrint 70 makes a layout's dictionaries in ``LayoutContext.dictionaries``, a dict
    it creates empty in ``Document._build_layout_context`` and fills as languages need.
    """
    _check_weasyprint("the words kept whole")
    from weasyprint.document import Document

    from .hyphens import Dictionaries

    build_layout_context = Document._build_layout_context.__func__

    def build(cls, html, *args, **kwargs):
        context = build_layout_context(cls, html, *args, **kwargs)
        words = getattr(html, "undersigned_kept_whole", None)
        if words:
            context.dictionaries = Dictionaries(words)
        return context

    Document._build_layout_context = classmethod(build)


_PARSED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Per font configuration, the ``<style>`` sheets parsed with it: (text, base URL, media)
to (base URL, matcher, page rules), the most recently used last."""
SHARED_STYLESHEETS = 16
"""The most sheets kept per font configuration: a worker's memory stays flat however many
documents and languages a campaign has (a build renders a document's copies one after
the other)."""


@lru_cache(maxsize=1)
def stylesheets_shared() -> None:
    """Parse the text of a ``<style>`` element once per font configuration, as WeasyPrint
    70 parses its own browser stylesheet once per process: a build's worker has one font
    configuration for all its letters, whose stylesheet is the same for every recipient of
    a document in a language (8 ms of a letter's 170, measured on the benchmark's).

    WeasyPrint 70 makes a ``CSS`` for each ``<style>`` of each document (``find_stylesheets``
    in ``weasyprint.css``): its selectors in a ``cssselect2.Matcher``, which the cascade only
    reads, its ``@page`` rules added to the document's list, its ``@font-face`` fonts to the
    font configuration. A sheet is shared only if parsing it said nothing (a warning fails
    the document that has it, every time: ``writer._failures_named``) and added no counter
    style, colour profile or cascade layer (which live in the document, not in the sheet).
    Any other ``CSS`` (a ``<link>``, an ``@import``) is made as WeasyPrint makes it.
    """
    _check_weasyprint("the shared stylesheets")
    import weasyprint.css

    from .messages import weasyprint_messages

    make = weasyprint.css.CSS
    expected = {"string", "base_url", "url_fetcher", "media_type", "font_config",
                "counter_style", "page_rules", "color_profiles", "layers"}

    def css(**given):
        font_config = given.get("font_config")
        if font_config is None or given.keys() != expected:
            return make(**given)
        parsed = _PARSED.setdefault(font_config, {})
        key = (given["string"], given["base_url"], given["media_type"])
        page_rules, layers = given["page_rules"], given["layers"]
        found = parsed.pop(key, None)
        if found is not None:
            parsed[key] = found  # the most recently used last
        else:
            first = len(page_rules)
            before = (dict(given["counter_style"]), dict(given["color_profiles"]), len(layers))
            with weasyprint_messages() as said:
                sheet = make(**given)
            after = (dict(given["counter_style"]), dict(given["color_profiles"]), len(layers))
            if not said and after == before:
                if len(parsed) >= SHARED_STYLESHEETS:
                    del parsed[next(iter(parsed))]
                parsed[key] = (sheet.base_url, sheet.matcher, page_rules[first:])
            return sheet
        shared = object.__new__(make)
        shared.base_url, shared.matcher, rules = found
        page_rules.extend(rules)
        shared.page_rules, shared.layers = page_rules, layers
        return shared

    weasyprint.css.CSS = css


_UNANCHORED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Per document (its root element), the elements whose ``id`` makes no anchor."""


def ids_unanchored(document, elements: set) -> None:
    """Make no anchor of the ``id`` of ``elements`` in the WeasyPrint ``HTML`` ``document``:
    no named destination in its PDF, and nothing a link or ``target-counter`` could reach.

    WeasyPrint 70 gives every element with an ``id`` an ``anchor`` through a declaration
    of its own (``find_style_attributes`` in ``weasyprint.css``), and shares computed
    styles only between elements whose own declarations are the same objects: so an
    element with an ``id`` and every element inside it get their styles computed anew.
    A signature box and its five lines, thirteen times in a letter: 9 ms of a letter's
    144 (the benchmark's; 14 ms with the signing spaces' ids). The ``id`` stays on the
    element, for what reads the laid-out boxes and the tagged structure.
    """
    _anchors_left_out()
    if elements:
        _UNANCHORED[document.etree_element] = elements


@lru_cache(maxsize=1)
def _anchors_left_out() -> None:
    _check_weasyprint("the anchors left out")
    import weasyprint.css

    find = weasyprint.css.find_style_attributes

    def find_style_attributes(tree, *args, **kwargs):
        unanchored = _UNANCHORED.get(tree, ())
        for found in find(tree, *args, **kwargs):
            _, element, declarations, _ = found
            if element in unanchored and _anchor_of_id(element, declarations):
                continue
            yield found

    weasyprint.css.find_style_attributes = find_style_attributes


def _anchor_of_id(element, declarations) -> bool:
    """Whether ``declarations`` are the one that WeasyPrint 70 makes of ``element``'s id."""
    if len(declarations) != 1 or getattr(declarations[0], "lower_name", None) != "-weasy-anchor":
        return False
    strings = [token.value for token in declarations[0].value if token.type == "string"]
    return strings == [element.get("id")]


NOTES = re.compile(r"(?i)footnote|note\(")
"""What in a document's HTML may ask for footnotes (``float: footnote``) or notes
(``position: note()``). (Whether it brings CSS it does not show is the writer's
question: ``writer.EXTERNAL_CSS``.)"""


def without_notes(document, html: str) -> None:
    """Cascade the WeasyPrint ``HTML`` ``document`` with the browser stylesheet less its
    footnote and note rules (``::footnote-call``, ``::footnote-marker``, ``::note-call``,
    ``::note-marker``, ``::note-callback``) if nothing in ``html`` can make a footnote or
    a note (:data:`NOTES`).

    Those rules name no element, so WeasyPrint 70 computes the five styles for every
    element of every document (and ``::marker``'s: six where one does): 5 ms of a
    letter's 131 (the benchmark's, en and ru). The styles of everything that is drawn
    are the same.
    """
    _browser_stylesheet_without_notes()
    if not NOTES.search(html):
        document.undersigned_without_notes = True


@lru_cache(maxsize=1)
def _browser_stylesheet_without_notes() -> None:
    _check_weasyprint("the browser stylesheet without notes")
    import weasyprint
    from weasyprint import html as weasyprint_html
    from weasyprint.css.counters import CounterStyle

    lines = weasyprint_html.UA.splitlines(keepends=True)
    kept = "".join(line for line in lines if not line.startswith(("::footnote", "::note")))
    if len(lines) - len(kept.splitlines()) != 5:
        raise UnsupportedVersion("WeasyPrint's browser stylesheet has not the five footnote "
                                 "and note rules undersigned.pdf.compat leaves out")
    # (the counter styles it defines are WeasyPrint's, made once with its own sheet)
    without = weasyprint.CSS(string=kept, counter_style=CounterStyle())
    stylesheets = weasyprint.HTML._ua_stylesheets

    def ua_stylesheets(self, forms=False):
        if getattr(self, "undersigned_without_notes", False) and not forms:
            return [without]
        return stylesheets(self, forms)

    weasyprint.HTML._ua_stylesheets = ua_stylesheets


class _UntilRegexes(dict):
    """tinyhtml5's regular expressions for ``chars_until``, made the first time a set of
    characters is asked for, as tinyhtml5 makes them."""

    def __missing__(self, key):
        characters, opposite = key
        regex = "".join([f"\\x{ord(character):02x}" for character in characters])
        self[key] = compiled = re.compile(f"[{'' if opposite else '^'}{regex}]+")
        return compiled


@lru_cache(maxsize=1)
def html_parsing_cached() -> None:
    """Let tinyhtml5 (WeasyPrint's HTML parser) find the regular expressions it keeps.

    tinyhtml5 2.1 keeps them in ``inputstream.characters_until_regex`` under the wrong key
    (``characters = cache[key] = regex`` stores the regex under ``(regex, opposite)``), so
    it builds one for every run of text it reads: 631 times for a letter, half of the
    10 ms it takes to parse one. Here the cache makes them on a miss, under the key asked.
    """
    from tinyhtml5 import inputstream

    if type(inputstream.characters_until_regex) is dict:
        inputstream.characters_until_regex = _UntilRegexes()


PYHANKO_VERSIONS = ("0.38.",)
"""pyHanko releases whose internals the fixes below were written for (the writer's
``_update_meta``, the reader's ``_get_object_from_stream``)."""


@lru_cache(maxsize=1)
def _pyhanko_version() -> str:
    """The installed pyHanko's version, read once (a reader is made for every PDF read)."""
    from importlib.metadata import version

    return version("pyhanko")


def _check_pyhanko(what: str) -> None:
    found = _pyhanko_version()
    if not found.startswith(PYHANKO_VERSIONS):
        raise UnsupportedVersion(f"pyHanko {found}: {what} in undersigned.pdf.compat was "
                                 "written for pyHanko " +
                                 ", ".join(v + "x" for v in PYHANKO_VERSIONS))


def metadata_kept(writer):
    """An incremental pyHanko writer that leaves the document's metadata as it is.

    On every signature pyHanko parses the XMP metadata and writes it anew, with the clock's
    time as the modification date and its own name as producer. Its serialisation loses
    what PDF/A asks of the PDF/UA extension schema (``rdf:parseType="Resource"`` items, the
    namespace URI as text), so a signed PDF/A-3a + PDF/UA-1 letter would fail PDF/A.
    The metadata describes the letter, which signing does not change: it is kept.
    """
    _check_pyhanko("the metadata fix")
    writer._update_meta = lambda: None
    return writer


def object_streams_indexed(reader):
    """A pyHanko reader that parses each object stream's table of contents once.

    pyHanko 0.38 reads the table of an object stream again for every object it takes from
    it: reading all ~600 objects of a tagged 3-page letter (the active-content walk of
    ``verify`` and ``sign``) parsed about 370,000 numbers and took 2.4 s of a 2.5 s verify.
    This reader keeps, per object stream, the decoded bytes and the first offset listed
    for each object, and otherwise does what pyHanko's own method does, in its non-strict
    mode (a damaged table ends the objects it lists; an object not listed is null).
    """
    from io import BytesIO

    from pyhanko.pdf_utils import generic, misc
    from pyhanko.pdf_utils.decode_limits import DecodePurpose

    _check_pyhanko("the object-stream index")
    if reader.strict:
        return reader
    tables: dict[int, tuple[object, bytes, dict[int, int]]] = {}

    def table_of(stmnum: int, stream) -> tuple[bytes, dict[int, int]]:
        known = tables.get(stmnum)
        if known is not None and known[0] is stream:
            return known[1], known[2]
        data = stream.read_data(DecodePurpose.OBJECT_STREAM)
        reading, offsets = BytesIO(data), {}
        for _ in range(stream["/N"]):
            try:
                misc.read_non_whitespace(reading, seek_back=True)
                objnum = generic.NumberObject.read_from_stream(reading)
                misc.read_non_whitespace(reading, seek_back=True)
                offset = generic.NumberObject.read_from_stream(reading)
                misc.read_non_whitespace(reading, seek_back=True)
            except ValueError:  # pyHanko gives null for every object listed after this
                break
            offsets.setdefault(objnum, offset)
        tables[stmnum] = (stream, data, offsets)
        return data, offsets

    def from_stream(idnum, stmnum, idx):
        stream = generic.Reference(stmnum, 0, reader).get_object()
        assert isinstance(stream, generic.StreamObject)
        assert stream["/Type"] == "/ObjStm"
        if not (0 <= idx < stream["/N"]):
            return generic.NullObject()
        data, offsets = table_of(stmnum, stream)
        if idnum not in offsets:
            return generic.NullObject()
        reading = BytesIO(data)
        reading.seek(stream["/First"] + offsets[idnum])
        try:
            obj = generic.read_object(reading, generic.Reference(idnum, 0, reader))
        except (misc.PdfStreamError, misc.PdfReadError):
            obj = generic.NullObject()
        return obj

    reader._get_object_from_stream = from_stream
    return reader
