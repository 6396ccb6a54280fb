"""Rendering treats campaign data as untrusted: printed, never run or fetched."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import pdf_text
from undersigned.batch.build import build
from undersigned.campaign.html import render_html
from undersigned.campaign import load_campaign
from undersigned.cli import cli
from undersigned.errors import FetchRefused, RenderError
from undersigned.pdf.fetcher import make_fetcher
from undersigned.pdf.writer import render_pdf
from undersigned.resources import FONTS_DIR
from undersigned.campaign.plan import plan_outputs

QUESTION = "question-political-prisoners"


def set_question_body(root: Path, body: str) -> None:
    """Replace the body of the first written question with ``body`` (a YAML block)."""
    text = (root / "campaign.yaml").read_text()
    start = text.index("    body: >-\n      On 19 October 2017")
    end = text.index("    questions:\n", start)
    indented = "\n".join("      " + line for line in body.splitlines())
    (root / "campaign.yaml").write_text(text[:start] + "    body: |\n" + indented + "\n"
                                        + text[end:])


def only_question(root: Path):
    loaded = load_campaign(root)
    [output] = plan_outputs(loaded, documents=[QUESTION])
    return loaded, output


def test_html_and_script_in_data_are_printed_as_text(example):
    set_question_body(example, '<script>alert(1)</script> and <b>bold</b> & {{ 7 * 7 }}')
    loaded, output = only_question(example)
    html = render_html(loaded, output)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    text = pdf_text_of(loaded, output, html)
    assert "<script>alert(1)</script> and <b>bold</b> & {{ 7 * 7 }}" in text


def test_markdown_images_and_file_links_never_reach_the_pdf(example):
    set_question_body(example, "See ![secret](file:///etc/passwd) and "
                               "[a link](file:///etc/passwd) and <img src=\"file:///etc/passwd\">.")
    loaded, output = only_question(example)
    html = render_html(loaded, output)
    assert "<img" not in html
    assert 'href="file:' not in html
    render_pdf(html, loaded.root, output.label)  # nothing to fetch, nothing refused


def pdf_text_of(loaded, output, html) -> str:
    target = loaded.root / "check.pdf"
    target.write_bytes(render_pdf(html, loaded.root, output.label))
    return " ".join(pdf_text(target).split())


def test_fetcher_serves_campaign_files_and_data_urls_only(example, tmp_path):
    from weasyprint.urls import FatalURLFetchingError

    inside = example / "cases" / "bokayev.yaml"
    fetcher = make_fetcher(example)
    assert fetcher.fetch(inside.as_uri()).read().startswith(b"# yaml-language-server")
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    for url in [outside.as_uri(), "file:///etc/passwd", "http://127.0.0.1/x.png",
                "https://example.org/logo.png", "ftp://example.org/x"]:
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)
    link = example / "link.txt"
    link.symlink_to(outside)
    with pytest.raises(FatalURLFetchingError, match="outside the campaign folder"):
        fetcher.fetch(link.as_uri())


def test_template_that_reads_a_file_outside_the_campaign_fails_that_document(example):
    loaded, output = only_question(example)  # (check would refuse the template)
    (example / "templates" / "question.html").write_text(
        '{% extends "builtin/question.html" %}'
        '{% block body %}<img src="file:///etc/passwd" alt="x">{% endblock %}')
    with pytest.raises(FetchRefused, match=r"^question-political-prisoners.en: refused to read "
                                           r"/etc/passwd: it is outside the campaign folder$"):
        render_pdf(render_html(loaded, output), loaded.root, output.label)


def test_a_character_missing_from_the_font_fails_the_document(example):
    loaded, output = only_question(example)  # (check would report the characters)
    html = render_html(loaded, output).replace(", thirteen ", ", signed क by all 📰, thirteen ", 1)
    with pytest.raises(RenderError) as caught:
        render_pdf(html, loaded.root, output.label)
    assert str(caught.value) == (
        "question-political-prisoners.en: the font has no glyph for 'क' "
        "(U+0915 DEVANAGARI LETTER KA), '📰' (U+1F4F0 NEWSPAPER); use other characters or "
        'add a font that has them (see "Adding a font" in README.md)')


def test_chinese_is_drawn_from_the_system_cjk_font_and_only_what_no_font_has_fails(example):
    loaded, output = only_question(example)
    html = render_html(loaded, output).replace(", thirteen ", ", 中华人民共和国， क, thirteen ", 1)
    with pytest.raises(RenderError) as caught:
        render_pdf(html, loaded.root, output.label)
    assert "the font has no glyph for 'क' (U+0915 DEVANAGARI LETTER KA); use" in str(caught.value)


@pytest.mark.parametrize("font", ["NotoSerifCJK-Regular.ttc"] + sorted(
    p.name for p in FONTS_DIR.glob("*.ttf")))
def test_each_fonts_characters_are_read_as_fonttools_reads_them(font):
    # Decoded here (format 12: the CJK font's ranges; format 4: the shipped fonts), without
    # fontTools.
    from fontTools.ttLib import TTFont
    from undersigned.pdf.glyphs import _code_points
    from undersigned.resources import CJK_FACE, CJK_FONT

    path, face = (CJK_FONT, CJK_FACE) if font.endswith(".ttc") else (FONTS_DIR / font, 0)
    with TTFont(path, lazy=True, fontNumber=face) as reference:
        assert _code_points(path, face) == frozenset(reference.getBestCmap())
    if face == 0:  # a face the file does not have is fontTools' to answer, not an IndexError
        assert _code_points(path, 2) == _code_points(path, 0)


@pytest.mark.parametrize("html, missing", [
    ("<p>Қазақстан, 中华人民共和国</p>", []),
    ("<p>&#x915; &amp; &#2325</p>", ["क"]),  # only a character reference prints it
    ('<p title="क">text</p><img alt="&#x1F4F0;" src="a.png">', ["📰"]),  # alt, not title
    ("<style>/* क */</style><p>&bogus; &#xD800; ok</p>", ["क"]),  # the parser's own reading
    ("<p>\x00\u200b\u00a0 &nbsp;</p>", []),
])
def test_the_characters_no_font_draws_are_found_with_or_without_parsing(html, missing):
    # The whole page's characters are read first, and the markup parsed only when the fonts
    # lack one of them: both ways must agree with the parser.
    from undersigned.pdf.glyphs import _TextCollector, missing_glyphs, undrawable

    collector = _TextCollector()
    collector.feed(html)
    assert undrawable(collector.chars) == missing
    assert missing_glyphs(html) == missing


def test_images_without_alt_are_found_in_any_case():
    from undersigned.render.scan import images_without_alt

    assert images_without_alt('<p>no image</p><a href="img.png">img</a>') == []
    assert images_without_alt('<IMG SRC="a.png"><img alt="" src="b.png"><Img src=c.png>') == [
        "a.png", "c.png"]


def test_the_cjk_fonts_table_directories_are_every_table_fonttools_finds(tmp_path):
    # They stand for the 53 MB font in every output's input hash: each table's checksum.
    from fontTools.ttLib import TTCollection
    from undersigned.pdf.glyphs import table_directories
    from undersigned.resources import CJK_FONT

    directories = table_directories(CJK_FONT)
    with TTCollection(CJK_FONT, lazy=True) as collection:
        assert len(collection.fonts) == 5  # JP, KR, SC, TC, HK
        for font in collection.fonts:
            for tag, entry in font.reader.tables.items():
                record = tag.encode("latin-1") + struct.pack(">III", entry.checkSum,
                                                             entry.offset, entry.length)
                assert record in directories
    cut = tmp_path / "cut.ttc"
    cut.write_bytes(CJK_FONT.read_bytes()[:600])
    with pytest.raises(ValueError, match="cut short"):
        table_directories(cut)
    changed = bytearray(CJK_FONT.read_bytes()[:4096])
    start = changed.index(b"CFF ")  # in the first font's directory
    changed[start + 4] ^= 1  # the checksum of its outlines
    other = tmp_path / "changed.ttc"
    other.write_bytes(bytes(changed))
    assert table_directories(other) != directories


def test_kazakh_letters_render_in_the_shipped_font(example):
    set_question_body(example, "Қазақстан Республикасы: Ә Ғ Қ Ң Ө Ұ Ү Һ І ә ғ қ ң ө ұ ү һ і")
    loaded, output = only_question(example)
    text = pdf_text_of(loaded, output, render_html(loaded, output))
    assert "Ә Ғ Қ Ң Ө Ұ Ү Һ І ә ғ қ ң ө ұ ү һ і" in text


def test_undefined_variable_names_template_file_and_line(example):
    loaded, output = only_question(example)  # (check reports it too: test_check_renders)
    (example / "templates" / "question.html").write_text(
        '{% extends "builtin/question.html" %}\n{% block body %}\n{{ document.subjet }}\n'
        '{% endblock %}\n')
    with pytest.raises(RenderError) as caught:
        render_html(loaded, output)
    assert str(caught.value) == ("templates/question.html:3: question-political-prisoners.en: "
                                 "'dict object' has no attribute 'subjet'; did you mean "
                                 "'subject'? (keys: addressee_line, body, body_text, date, "
                                 "date_iso, header_number, id, kind, number, priority, questions, "
                                 "questions_text, "
                                 "rule, subject, subject_line, term)")


def test_sandbox_blocks_access_to_python_internals(example):
    loaded, output = only_question(example)
    (example / "templates" / "question.html").write_text(
        "{% extends 'builtin/question.html' %}{% block body %}"
        "{{ ''.__class__.__mro__[1].__subclasses__() }}{% endblock %}")
    with pytest.raises(RenderError, match="access to attribute '__class__' of 'str' object is unsafe"):
        render_html(loaded, output)


def test_one_failing_output_does_not_stop_the_others(example):
    # A CSS declaration WeasyPrint ignores (with a warning) fails the PDF, not the HTML.
    (example / "templates" / "question.html").write_text(
        "{% extends 'builtin/question.html' %}{% block style %}{{ super() }}\n"
        "p { colr: red }{% endblock %}")
    result = CliRunner().invoke(cli, ["build", str(example), "--document", QUESTION,
                                      "--document", "appeal-dzhakishev-tokmadi"])
    assert result.exit_code == 1
    written = sorted(p.name for p in (example / "outputs").glob("*.pdf"))
    assert written == ["appeal-dzhakishev-tokmadi.president.en.pdf",
                       "appeal-dzhakishev-tokmadi.president.ru.pdf",
                       "appeal-dzhakishev-tokmadi.prosecutor-general.ru.pdf"]
    assert "1 output failed:" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"to retry just these: undersigned build {example} --document {QUESTION} --lang en")


def test_build_never_starts_on_invalid_data(example):
    text = (example / "campaign.yaml").read_text()
    (example / "campaign.yaml").write_text(text.replace("authors: [kelam, delvaux]\n    cases: [bokayev",
                                                        "authors: [kelam, delvo]\n    cases: [bokayev", 1))
    result = CliRunner().invoke(cli, ["build", str(example)])
    assert result.exit_code == 1
    assert not (example / "outputs").exists()
    assert ("documents.question-political-prisoners.authors[1]: 'delvo' is not in the list "
            "'meps-2017'; did you mean 'delvaux'?") in result.stderr
    assert result.stderr.splitlines()[-1] == "1 error, 0 warnings; nothing was written"


def test_library_build_reports_results(example):
    report = build(example, documents=[QUESTION], jobs=1)
    assert [r.output.stem for r in report.results] == ["question-political-prisoners.en"]
    assert report.results[0].action == "built"
    assert [p.name for p in report.results[0].written] == [
        "question-political-prisoners.en.pdf", "question-political-prisoners.en.txt"]


def image_sizes(pdf: Path) -> set[tuple[int, int]]:
    """(width, height) of every distinct image in the PDF."""
    from pypdf import PdfReader

    sizes = set()
    for page in PdfReader(pdf).pages:
        for ref in page["/Resources"].get("/XObject", {}).values():
            image = ref.get_object()
            if image["/Subtype"] == "/Image":
                sizes.add((int(image["/Width"]), int(image["/Height"])))
    return sizes


def test_logo_and_signature_images_from_the_campaign_are_printed(example):
    from conftest import tiny_png

    tiny_png(example / "images" / "logo.png", width=60, height=24)
    tiny_png(example / "images" / "panzeri.png", width=80, height=30, rgb=(0, 0, 0))
    campaign = example / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace(
        "sender:\n", "sender:\n  logo: images/logo.png\n  logo_alt: Logo of the senders\n", 1))
    signatories = example / "signatories" / "meps-2017.yaml"
    signatories.write_text(signatories.read_text().replace(
        "    ep_id: 28365\n", "    ep_id: 28365\n    signature_image: images/panzeri.png\n", 1))
    loaded = load_campaign(example)
    [output] = plan_outputs(loaded, documents=["appeal-dzhakishev-tokmadi"],
                            recipients=["president"], langs=["en"])
    html = render_html(loaded, output)
    assert 'alt="Logo of the senders"' in html
    assert 'alt="Signature: Pier Antonio PANZERI"' in html
    target = example / "out.pdf"
    target.write_bytes(render_pdf(html, loaded.root, output.label))
    assert image_sizes(target) == {(60, 24), (80, 30)}


def test_signature_image_outside_the_campaign_is_a_check_error(example, tmp_path):
    from conftest import tiny_png

    outside = tiny_png(tmp_path / "elsewhere.png")
    signatories = example / "signatories" / "meps-2017.yaml"
    signatories.write_text(signatories.read_text().replace(
        "    ep_id: 28365\n", f"    ep_id: 28365\n    signature_image: {outside}\n", 1))
    result = CliRunner().invoke(cli, ["check", str(example)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"signatories/meps-2017.yaml:20:5: signatories[0].signature_image: '{outside}' is not "
        "a file in the campaign folder")
