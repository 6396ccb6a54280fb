"""What the build does to spend less time per letter changes nothing a reader sees.

What a worker shares between the letters it renders (its font configuration, each
document's parsed stylesheet) changes nothing in them: every copy has the bytes it has when
a fresh process renders it alone, and a stylesheet WeasyPrint warns about fails every copy
that has it, not only the first. Each object of a PDF is encoded (and compressed) once,
and the bytes are pydyf's own. WeasyPrint is imported without running a program to find
its libraries. An ``id`` nothing links to makes no anchor; one that a link
or a ``target-counter`` names still does. (Names kept whole without a box each:
test_typography.py.)"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from undersigned.campaign.html import render_html
from undersigned.campaign.load import load_campaign
from undersigned.campaign.plan import plan_outputs

BUILT_IN_CSS = Path(__file__).resolve().parent.parent / "undersigned" / "templates" / "letter.css"
COPIES = ["appeal-dzhakishev-tokmadi.president.ru",
          "appeal-dzhakishev-tokmadi.prosecutor-general.ru",
          "appeal-political-prisoners.president.ru",
          "appeal-political-prisoners.prosecutor-general.ru"]


def build(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "undersigned.cli", "build", str(root),
                           "--jobs", "1", "--lang", "ru", *args],
                          capture_output=True, text=True)


def one_after_the_other_then_alone(root: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The four Russian letters rendered by one process, then each by a fresh one."""
    outputs = root / "outputs"
    built = build(root, "-d", "appeal-dzhakishev-tokmadi", "-d", "appeal-political-prisoners")
    assert built.returncode == 0, built.stderr
    together = {p.stem: p.read_bytes() for p in outputs.glob("*.pdf")}
    alone = {}
    for stem in COPIES:
        document, recipient, _ = stem.split(".")
        for path in outputs.glob("*.pdf"):
            path.unlink()
        built = build(root, "-d", document, "-r", recipient)
        assert built.returncode == 0, built.stderr
        alone[stem] = (outputs / f"{stem}.pdf").read_bytes()
    return together, alone


def test_a_letters_stylesheet_is_the_same_text_for_every_recipient(example):
    """So a worker parses it once per document and language (the bookmark, which names
    the recipient, is an attribute of the address)."""
    loaded = load_campaign(example)
    styles = {}
    for output in plan_outputs(loaded, langs=["ru"]):
        if output.kind == "letter":
            html = render_html(loaded, output)
            styles.setdefault(output.document, set()).add(
                re.search(r"<style>(.*?)</style>", html, re.S).group(1))
            assert f'data-bookmark="{output.recipient}' not in html  # the name, not the id
    assert sorted(styles) == ["appeal-dzhakishev-tokmadi", "appeal-political-prisoners"]
    assert all(len(texts) == 1 for texts in styles.values())
    assert styles["appeal-dzhakishev-tokmadi"] != styles["appeal-political-prisoners"]


@pytest.mark.parametrize("addition", [
    "",
    # A counter style lives in the document: a sheet that adds one is parsed for each.
    '@counter-style stars { system: cyclic; symbols: "*"; suffix: " "; }\n'
    "ol.requests { list-style: stars; }\n",
])
def test_each_copy_has_the_bytes_a_fresh_process_gives_it(example, addition):
    (example / "templates" / "letter.css").write_text(BUILT_IN_CSS.read_text() + addition)
    together, alone = one_after_the_other_then_alone(example)
    assert sorted(together) == COPIES
    assert [stem for stem in COPIES if together[stem] != alone[stem]] == []
    if addition:
        from conftest import pdf_text

        assert "* " in pdf_text(example / "outputs" / f"{COPIES[-1]}.pdf")


def test_a_stylesheet_weasyprint_warns_about_fails_every_copy(example):
    (example / "templates" / "letter.css").write_text(BUILT_IN_CSS.read_text()
                                                      + "p { colr: red; }\n")
    built = build(example, "-d", "appeal-dzhakishev-tokmadi", "-d", "appeal-political-prisoners")
    assert built.returncode != 0
    for stem in COPIES:
        assert (f"  {stem}: WeasyPrint reported: Ignored `colr: red` at 147:5, unknown property."
                in built.stderr), built.stderr
    assert list((example / "outputs").glob("*.pdf")) == []


ANCHORS = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Anchors</title>'
           '<style>.counted::after { content: " on page " target-counter("#counted", page) }'
           '</style></head><body><p><a href="#there">See there</a></p><p class="counted">'
           'Counted</p><p id="there">There</p><p style="break-before: page" id="counted">'
           'Here</p><div id="alone">Alone</div></body></html>')


def test_an_id_is_a_destination_only_if_something_in_the_document_names_it(tmp_path):
    from io import BytesIO

    from undersigned.pdf.writer import render_pdf

    pdf = PdfReader(BytesIO(render_pdf(ANCHORS, tmp_path, "anchors")))
    assert sorted(pdf.named_destinations) == ["counted", "there"]
    assert [annotation.get_object()["/Dest"] for annotation in pdf.pages[0]["/Annots"]] == [
        "there"]
    assert "Counted on page 2" in pdf.pages[0].extract_text()


def test_an_id_named_by_a_linked_stylesheet_is_still_a_destination(tmp_path):
    """CSS the HTML does not show may name any id: then every id is an anchor."""
    from io import BytesIO

    from undersigned.pdf.writer import render_pdf

    (tmp_path / "more.css").write_text('.counted::after { content: " on page "'
                                       ' target-counter("#counted", page) }')
    html = ANCHORS.replace("<style>.counted::after", '<link rel="stylesheet" href="more.css">'
                           "<style>.unused::after")
    pdf = PdfReader(BytesIO(render_pdf(html, tmp_path, "linked")))
    assert sorted(pdf.named_destinations) == ["alone", "counted", "there"]
    assert "Counted on page 2" in pdf.pages[0].extract_text()


def test_a_copy_cascaded_without_the_footnote_rules_has_the_same_bytes(example):
    """A letter has no footnote, so the browser stylesheet's footnote and note rules are
    left out of its cascade: the PDF is the one made with them (a comment that says
    "footnote" keeps them)."""
    from undersigned.pdf.compat import NOTES
    from undersigned.pdf.writer import render_pdf

    loaded = load_campaign(example)
    output = next(o for o in plan_outputs(loaded, langs=["ru"]) if o.kind == "letter")
    html = render_html(loaded, output)
    assert NOTES.search(html) is None
    with_rules = html.replace("</body>", "<!-- a footnote --></body>")
    assert render_pdf(html, loaded.root, "without") == render_pdf(with_rules, loaded.root, "with")


def test_a_footnote_still_gets_its_call_and_its_marker(tmp_path):
    from io import BytesIO

    from undersigned.pdf.writer import render_pdf

    html = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Note</title>'
            '</head><body><p>Text<span style="float: footnote">The footnote.</span> goes on.'
            '</p></body></html>')
    page = PdfReader(BytesIO(render_pdf(html, tmp_path, "note"))).pages[0]
    assert page.extract_text() == "Text1 goes on.\n1. The footnote."


ODD_HTML = ('<!DOCTYPE html><html><head><title>a &amp; b < c</title><style>p>a{x:"<"}</style>'
            '<script>if (a < b && c) {}</script></head><body><!-- a -- comment -->'
            '<p class=x id=\'y\' data-z="1 &quot;2&quot;">text &nbsp; &#x41; &lt;tag&gt;\r\n'
            '<textarea>&lt;raw</textarea><svg><![CDATA[ <cdata> ]]></svg><br/><img alt=a\tb>'
            '</p><plaintext><p>all of it text</body>')


def test_html_is_parsed_into_the_same_tree_with_the_kept_regular_expressions(example):
    """tinyhtml5's regular expressions, kept under the right key, parse each document as
    tinyhtml5 made anew for every run of text did."""
    import xml.etree.ElementTree as ET

    import tinyhtml5
    from tinyhtml5 import inputstream

    from undersigned.pdf.compat import html_parsing_cached

    loaded = load_campaign(example)
    documents = [render_html(loaded, o) for o in plan_outputs(loaded)][:4] + [ODD_HTML]
    html_parsing_cached()
    kept = inputstream.characters_until_regex

    def trees() -> list[bytes]:
        return [ET.tostring(tinyhtml5.parse(html, namespace_html_elements=False))
                for html in documents]

    with_kept = trees()
    assert len(kept) >= 5
    try:
        inputstream.characters_until_regex = {}
        assert trees() == with_kept
    finally:
        inputstream.characters_until_regex = kept


def test_a_shared_stylesheet_resolves_each_documents_own_custom_properties(tmp_path):
    """The same <style> with var() in two documents whose custom properties differ: the
    second, made with the first's parsed stylesheet, is the one a fresh process makes."""
    from weasyprint.text.fonts import FontConfiguration

    from undersigned.pdf.fontconfig import confine_fonts
    from undersigned.pdf.writer import render_pdf

    def document(colour: str) -> str:
        return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>V</title>'
                '<style>p { color: var(--c); width: var(--w, 50mm) }</style></head>'
                f'<body style="--c: {colour}; --w: 80mm"><p>Text</p></body></html>')

    confine_fonts()
    shared = FontConfiguration()
    render_pdf(document("#0000ff"), tmp_path, "blue", shared)
    green = render_pdf(document("#00ff00"), tmp_path, "green", shared)
    assert green == render_pdf(document("#00ff00"), tmp_path, "green", FontConfiguration())
    assert b"0 1 0 rg" in b"".join(_streams(green))


def _streams(pdf: bytes) -> list[bytes]:
    import zlib

    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
    return found


def test_each_stream_is_compressed_once_and_the_pdf_has_pydyfs_own_bytes(example, monkeypatch):
    """pydyf encodes every object a second time to hash them for the file identifier PDF/A
    asks for; the writer keeps the first encoding: one compression per stream written,
    and the very bytes pydyf's own ``write`` gives."""
    import zlib

    import pydyf

    from undersigned.pdf.compat import default_compression
    from undersigned.pdf.writer import layout, write_pdf

    loaded = load_campaign(example)
    output = next(o for o in plan_outputs(loaded, langs=["ru"]) if o.kind == "letter")
    html = render_html(loaded, output)
    compressed: list[int] = []
    default_compression()
    compressing = pydyf.zlib

    class Counting:
        compress = staticmethod(zlib.compress)

        @staticmethod
        def compressobj(**options):
            compressed.append(1)
            return compressing.compressobj(**options)

    def written() -> tuple[bytes, int]:
        compressed.clear()
        pdf = write_pdf(layout(html, loaded.root, output.label), output.label)
        return pdf, len(compressed)

    monkeypatch.setattr(pydyf, "zlib", Counting)
    once, compressions = written()
    assert compressions == once.count(b"/FlateDecode") > 5
    monkeypatch.setattr(pydyf.PDF, "write", pydyf.PDF.write.__wrapped__)
    twice, compressions_by_pydyf = written()
    assert once == twice
    assert compressions_by_pydyf == 2 * compressions - 1  # all but the cross-reference stream


STREAM = re.compile(rb"<<[^<>]*/FlateDecode[^<>]*>>\nstream\n")


def test_streams_are_compressed_at_zlibs_default_level_with_the_same_content(example,
                                                                             monkeypatch):
    """Each stream's zlib header says the default level (not pydyf's 9, three times slower
    for streams 1.3% shorter); decompressed, the streams are those pydyf's level gives."""
    import zlib

    import pydyf

    from undersigned.pdf.writer import layout, write_pdf

    loaded = load_campaign(example)
    output = next(o for o in plan_outputs(loaded, langs=["en"]) if o.kind == "letter")
    html = render_html(loaded, output)

    def streams() -> list[bytes]:
        """The header and content of each compressed stream but the cross-reference stream
        (whose offsets follow the lengths of the others)."""
        pdf = write_pdf(layout(html, loaded.root, output.label), output.label)
        return [pdf[m.end():m.end() + 2] + zlib.decompressobj().decompress(pdf[m.end():])
                for m in STREAM.finditer(pdf) if b"/XRef" not in m.group()]

    default = streams()
    assert len(default) > 5
    assert {stream[:2] for stream in default} == {b"\x78\x9c"}  # zlib's default level
    monkeypatch.setattr(pydyf, "zlib", zlib)  # pydyf's own: level 9
    slowest = streams()
    assert {stream[:2] for stream in slowest} == {b"\x78\xda"}
    assert [s[2:] for s in default] == [s[2:] for s in slowest]


PROGRAMS_RUN = """
import sys
run = []
sys.addaudithook(lambda event, args: run.append(args[0]) if event == "subprocess.Popen" else None)
"""
LIBRARIES = """
from weasyprint.text import ffi
print(run, ffi.pango.pango_version() > 0, ffi.harfbuzz_subset is not None)
"""


def test_weasyprint_is_imported_without_running_a_program():
    """WeasyPrint's own import asks ctypes about library names Linux does not know, which
    runs ldconfig, the C compiler and the linker; undersigned's loads the same libraries
    by their sonames, running nothing."""
    ours = subprocess.run([sys.executable, "-c", PROGRAMS_RUN + "from undersigned.pdf.compat "
                           "import weasyprint_imported\nweasyprint_imported()" + LIBRARIES],
                          capture_output=True, text=True, check=True)
    assert ours.stdout == "[] True True\n"
    plain = subprocess.run([sys.executable, "-c", PROGRAMS_RUN + "import weasyprint" + LIBRARIES],
                           capture_output=True, text=True, check=True)
    assert plain.stdout.startswith("[") and "ldconfig" in plain.stdout
    assert plain.stdout.endswith(" True True\n")


def test_weasyprint_is_imported_the_usual_way_when_a_soname_does_not_load():
    """A library that does not load by its soname (one day, another soname): the import is
    made again the usual way, which finds it, and WeasyPrint's message about missing
    libraries is never printed."""
    code = PROGRAMS_RUN + """
import cffi.api
load = cffi.api._load_backend_lib
def no_soname(backend, name, flags):
    if str(name).endswith(".so.0"):
        raise OSError(f"{name}: no such file")
    return load(backend, name, flags)
cffi.api._load_backend_lib = no_soname
from undersigned.pdf.compat import weasyprint_imported
weasyprint_imported()
""" + LIBRARIES
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert "ldconfig" in result.stdout and result.stdout.endswith(" True True\n")
    assert "WeasyPrint could not import" not in result.stdout + result.stderr


def test_typeset_texts_kept_by_a_process_give_every_copy_the_same_html(example, monkeypatch):
    """The example's copies rendered with the typeset texts a process keeps, and with
    every text typeset anew: the same HTML. A text longer than the memo's limit is typeset
    and not kept."""
    from undersigned.render import typography

    loaded = load_campaign(example)
    outputs = plan_outputs(loaded)
    typography._typeset.cache_clear()
    kept = [render_html(loaded, o) for o in outputs] + [render_html(loaded, o) for o in outputs]
    assert typography._typeset.cache_info().hits > 500
    monkeypatch.setattr(typography, "_typeset", typography._typeset.__wrapped__)
    assert [render_html(loaded, o) for o in outputs] * 2 == kept
    monkeypatch.undo()
    size = typography._typeset.cache_info().currsize
    long_text = "No. 5 " * 200
    assert typography.typeset(long_text, "en") == "No.\u00a05 " * 199 + "No.\u00a05 "
    assert typography._typeset.cache_info().currsize == size
