"""The Word copy for review: same text as the PDF, Word styles, lists, table, fields, language;
planned, recorded and rebuilt like the PDF; LibreOffice opens it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from conftest import REPO, copy_example


@pytest.fixture(scope="module")
def built_docx(tmp_path_factory) -> Path:
    """The example built with ``formats=("docx",)`` (as ``build --format docx``)."""
    from undersigned.batch.build import build

    root = copy_example(tmp_path_factory.mktemp("docx") / "campaign")
    report = build(root, formats=("docx",), jobs=1)
    assert not report.failed, [r.error for r in report.failed]
    return root


def docx_body_text(path: Path) -> str:
    """The text of the body (paragraphs and table cells, in order), without header and footer."""
    document = Document(path)
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t")))
                     for p in document.element.body.iter(qn("w:p")))


def numbered_paragraphs(path: Path) -> int:
    body = Document(path).element.body
    return sum(1 for p in body.iter(qn("w:p")) if p.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
               is not None)


WATERMARK = {"en": "Reconstruction from the public record — not the text as sent",
             "ru": "Реконструкция по открытым источникам — не подлинный текст"}


def pdf_body_text(path: Path, footer_left: str) -> tuple[str, int]:
    """The PDF's text without what it prints on every page (the footer, the watermark),
    and how many list markers ("1.") it holds: pypdf reads the markers apart, on lines of
    their own."""
    pages, markers = [], 0
    for page in PdfReader(path).pages:
        text = page.extract_text()
        text = re.sub(r"(Page|Страница) \d+ (of|из) \d+", "", text)
        for repeated in (footer_left, WATERMARK[path.stem.rsplit(".", 1)[1]]):
            if repeated and (i := text.rfind(repeated)) >= 0:
                text = text[:i] + text[i + len(repeated):]
            else:
                assert not repeated or repeated == footer_left, (path.name, "no watermark")
        markers += len(re.findall(r"(?m)^\d+\.\s*$", text))
        pages.append(re.sub(r"(?m)^\d+\.\s*$", "", text))
    return "\n".join(pages), markers


def normalised(text: str) -> str:
    """Without white space, hyphens (the PDF hyphenates at line ends) and bullets."""
    return re.sub(r"[\s\-‐\u00ad•]", "", text)


def test_every_copy_has_a_docx_with_the_pdfs_text(built_docx: Path):
    outputs = built_docx / "outputs"
    pdfs = sorted(outputs.glob("*.pdf"))
    assert len(pdfs) == 8
    for pdf in pdfs:
        docx = pdf.with_suffix(".docx")
        footer = Document(docx).sections[0].footer.paragraphs[0].text.split("\t")[0]
        text, markers = pdf_body_text(pdf, footer)
        assert normalised(docx_body_text(docx)) == normalised(text), pdf.name
        assert numbered_paragraphs(docx) >= markers, pdf.name


def test_the_letter_in_word(built_docx: Path):
    path = built_docx / "outputs" / "appeal-political-prisoners.president.ru.docx"
    document = Document(path)
    styles = {p.style.name for p in document.paragraphs}
    assert {"Sender", "Letterhead", "Subject", "Salutation", "Case", "Request",
            "Complimentary Close"} <= styles
    assert document.styles["Subject"].base_style.name == "Heading 1"
    salutation = next(p for p in document.paragraphs if p.style.name == "Salutation")
    assert salutation.text == "Уважаемый господин Президент!"
    # The signature block: a table whose cells hold the Members, one a cell.
    table = document.tables[0]
    names = [p.text for row in table.rows for cell in row.cells for p in cell.paragraphs
             if p.style.name == "Signatory"]
    assert len(names) == 13 and names[0] == "Pier Antonio PANZERI", names
    # Two numbered lists (17 cases, 4 requests), each starting at 1.
    numbering = document.part.numbering_part.element
    num_ids = {p._p.pPr.numPr.numId.val for p in document.paragraphs
               if p._p.pPr is not None and p._p.pPr.numPr is not None}
    assert len(num_ids) == 2
    for num_id in num_ids:
        num = numbering.num_having_numId(num_id)
        assert num.find(f"{qn('w:lvlOverride')}/{qn('w:startOverride')}").get(qn("w:val")) == "1"
    # Spell-checked in Russian.
    lang = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/"
                                        f"{qn('w:rPr')}/{qn('w:lang')}")
    assert lang.get(qn("w:val")) == "ru-RU"
    # The footer: the reference, and the page number as fields.
    footer = document.sections[0].footer.paragraphs[0]
    assert footer.text.startswith("Исх. D(2017)KZ-01\tСтраница ")
    codes = [t.text.strip() for t in footer._p.iter(qn("w:instrText"))]
    assert codes == ["PAGE", "NUMPAGES"]
    assert document.core_properties.created.date().isoformat() == "2017-10-19"
    # The watermark, in the header of every page.
    assert [p.text for p in document.sections[0].header.paragraphs] == [WATERMARK["ru"]]


def test_docx_is_in_the_manifest_and_rebuilt_when_missing(built_docx: Path, tmp_path: Path):
    from undersigned.batch.build import build, plan_build

    root = tmp_path / "campaign"
    shutil.copytree(built_docx, root)
    manifest = (root / "outputs" / "manifest.json").read_text()
    assert "question-political-prisoners.en.docx" in manifest
    plan = plan_build(root, formats=("docx",))
    assert {item.state for item in plan.items} == {"up-to-date"}
    docx = root / "outputs" / "question-political-prisoners.en.docx"
    before = docx.read_bytes()
    docx.unlink()
    report = build(root, documents=["question-political-prisoners"], formats=("docx",), jobs=1)
    assert [r.action for r in report.results] == ["built"]
    assert docx.read_bytes() == before  # the same inputs, the same bytes


def test_a_document_asks_for_word_copies_itself(example: Path):
    from undersigned.campaign.load import load_campaign
    from undersigned.campaign.plan import plan_outputs

    campaign = example / "campaign.yaml"
    text = campaign.read_text()
    campaign.write_text(text.replace("    kind: question\n    date: 2017-11-13\n    term: 8\n"
                                     "    addressee: vp-hr\n    number: E-007095/2017\n",
                                     "    kind: question\n    date: 2017-11-13\n    term: 8\n"
                                     "    addressee: vp-hr\n    number: E-007095/2017\n"
                                     "    formats: [pdf, docx]\n", 1))
    outputs = plan_outputs(load_campaign(example))
    assert [o.docx for o in outputs if o.docx] == ["question-political-prisoners.en.docx"]
    assert outputs[-1].files == ["question-political-prisoners.en.pdf",
                                 "question-political-prisoners.en.txt",
                                 "question-political-prisoners.en.docx"]


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice is not installed (scripts/bootstrap --test installs it)")
def test_libreoffice_converts_every_docx(built_docx: Path, tmp_path: Path):
    """One run of LibreOffice for all the files: it is slow to start."""
    docs = sorted((built_docx / "outputs").glob("*.docx"))
    result = subprocess.run(
        ["soffice", "--headless", "--norestore", "--convert-to", "pdf", "--outdir",
         str(tmp_path / "converted"), *map(str, docs)],
        capture_output=True, text=True, timeout=300,
        env={"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr + result.stdout
    for doc in docs:
        converted = tmp_path / "converted" / doc.with_suffix(".pdf").name
        reader = PdfReader(converted)
        last = reader.pages[-1].extract_text()
        assert re.search(rf"(Page|Страница) {len(reader.pages)} (of|из) {len(reader.pages)}",
                         last), doc.name


def test_questions_print_the_date_the_parliaments_page_gives(built_docx: Path):
    """E-007095/2017: 17 November 2017 on the EP's page (tabled on the 13th); E-007094/2017:
    the record gives no date, so none is printed."""
    outputs = built_docx / "outputs"

    def first_page(name: str) -> str:
        return " ".join(PdfReader(outputs / name).pages[0].extract_text().split())

    assert first_page("question-political-prisoners.en.pdf").startswith(
        "17 November 2017 Question for written answer E-007095-17 ")
    assert first_page("question-dzhakishev-tokmadi.en.pdf").startswith(
        "Question for written answer E-007094-17 ")
    assert (outputs / "question-dzhakishev-tokmadi.en.txt").read_text().startswith(
        "Question for written answer E-007094-17\n")


def test_build_format_docx_plans_the_word_copies(example: Path):
    from click.testing import CliRunner

    from undersigned.cli import cli

    result = CliRunner().invoke(cli, ["build", str(example), "--format", "docx", "--dry-run",
                                      "-d", "question-political-prisoners"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "render  missing     question-political-prisoners.en.pdf, "
        "question-political-prisoners.en.txt, question-political-prisoners.en.docx",
        "1 output to render, 1 output planned; nothing was written"]
    check = CliRunner().invoke(cli, ["check", str(example)])
    assert "(8 PDFs, 2 web pages, 4 text exports)" in check.stdout


def test_a_right_to_left_copy_reads_right_to_left_in_word(tmp_path: Path):
    """An Arabic copy (``<html dir="rtl">``, as the PDF lays it out): its paragraphs and
    its signature table run right to left in Word, and LibreOffice sets them at the right
    of the page; a left-to-right copy of the same text stays at the left."""
    from undersigned.word.writer import Margins, docx_of

    body = ('<body><p class="salutation">السيد الرئيس،</p><div class="signature-row">'
            '<div><p class="sig-name">ألف</p></div></div></body>')
    lefts = {}
    for direction in ("rtl", "ltr"):
        path = tmp_path / f"{direction}.docx"
        path.write_bytes(docx_of(f'<html lang="ar" dir="{direction}">{body}</html>', "ar",
                                 Margins()))
        document = Document(path)
        defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:pPrDefault')}/"
                                                f"{qn('w:pPr')}")
        assert (defaults.find(qn("w:bidi")) is not None) == (direction == "rtl")
        converted = subprocess.run(
            ["soffice", "--headless", "--norestore", "--convert-to", "pdf", "--outdir",
             str(tmp_path), str(path)], capture_output=True, text=True, timeout=300,
            env={"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"})
        assert converted.returncode == 0, converted.stderr
        words = subprocess.run(["pdftotext", "-bbox", str(path.with_suffix(".pdf")), "-"],
                               capture_output=True, text=True, check=True).stdout
        width, height = map(float, re.search(r'<page width="([0-9.]+)" height="([0-9.]+)"',
                                             words).groups())
        xs = [float(x) for x, y in re.findall(r'<word xMin="([0-9.]+)" yMin="([0-9.]+)"',
                                              words) if float(y) < height * 0.9]  # not "1 / 1"
        lefts[direction] = (min(xs), width)
    assert lefts["rtl"][0] > lefts["rtl"][1] / 2, lefts  # at the right of the page
    assert lefts["ltr"][0] < lefts["ltr"][1] / 4, lefts


def test_the_letterhead_logo_is_in_the_word_copy_with_its_text_alternative(example: Path):
    """The logo the PDF prints is in the Word copy too, 14 mm high as in the letter, with the
    campaign's logo_alt as Word's text alternative; a logo swapped for a link to a file
    outside the campaign, or a URL, is refused for the Word copy as for the PDF."""
    from conftest import tiny_png
    from undersigned.batch.build import build

    tiny_png(example / "logo.png")
    campaign = example / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace(
        "sender:\n", "sender:\n  logo: logo.png\n  logo_alt:\n    en: Logo of the senders\n"
        "    ru: Логотип отправителей\n", 1))
    letter = ["appeal-political-prisoners"]
    report = build(example, documents=letter, recipients=["president"], langs=["en"],
                   formats=("docx",), jobs=1)
    assert not report.failed, [r.error for r in report.failed]
    document = Document(example / "outputs" / "appeal-political-prisoners.president.en.docx")
    first = document.paragraphs[0]
    assert first.style.name == "Logo" and first.text == ""
    (picture,) = first._p.iter(qn("wp:inline"))
    assert picture.find(qn("wp:docPr")).get("descr") == "Logo of the senders"
    assert round(int(picture.find(qn("wp:extent")).get("cy")) / 36000) == 14  # mm
    (image,) = [part for part in document.part.package.parts
                if part.partname.startswith("/word/media/")]
    assert image.blob == (example / "logo.png").read_bytes()
    assert document.paragraphs[1].style.name == "Sender"

    (example / "logo.png").unlink()
    (example / "logo.png").symlink_to(REPO / "tests" / "conftest.py")
    # check refuses it before a build; swapped after check, the Word copy's read refuses it
    from undersigned.campaign.html import _campaign_image
    from undersigned.errors import RenderError

    with pytest.raises(RenderError, match="it is outside the campaign folder"):
        _campaign_image(example, (example / "logo.png").as_uri())
    with pytest.raises(RenderError, match="only images that are files of the campaign"):
        _campaign_image(example, "https://example.org/logo.png")
