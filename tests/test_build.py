"""The example campaign built to PDF: what a reader of each PDF sees."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import pdf_pages_text, pdf_text

LETTERS = ["appeal-political-prisoners", "appeal-dzhakishev-tokmadi"]
QUESTIONS = ["question-political-prisoners", "question-dzhakishev-tokmadi"]

SIGNATORIES = [
    # display name, English group form, country in English, in Russian
    ("Pier Antonio PANZERI", "S&D", "Italy", "Италия"),
    ("Brando BENIFEI", "S&D", "Italy", "Италия"),
    ("Mady DELVAUX", "S&D", "Luxembourg", "Люксембург"),
    ("Ana GOMES", "S&D", "Portugal", "Португалия"),
    ("Tunne KELAM", "EPP", "Estonia", "Эстония"),
    ("Urmas PAET", "ALDE", "Estonia", "Эстония"),
    ("Julie WARD", "S&D", "United Kingdom", "Великобритания"),
    ("Helmut SCHOLZ", "GUE/NGL", "Germany", "Германия"),
    ("Lola SÁNCHEZ CALDENTEY", "GUE/NGL", "Spain", "Испания"),
    ("Igor ŠOLTES", "Greens/EFA", "Slovenia", "Словения"),
    ("Barbara SPINELLI", "GUE/NGL", "Italy", "Италия"),
    ("Bart STAES", "Greens/EFA", "Belgium", "Бельгия"),
    ("Hilde VAUTMANS", "ALDE", "Belgium", "Бельгия"),
]

PRISONERS_EN = ["Maks Bokayev", "Talgat Ayan", "Aron Atabek", "Sanat Bukenov", "Edige Batyrov",
                "Amin Eleusinov", "Nurbek Kushakbayev", "Seytkazy Matayev", "Aset Matayev",
                "Yaroslav Golyshkin", "Sanat Dosov", "Ruslan Ginatullin", "Igor Chuprina",
                "Ermek Taychibekov", "Igor Sichev", "Mukhtar Dzhakishev", "Muratkhan Tokmadi"]


def unhyphenated(text: str) -> str:
    """Text with line-end hyphenation undone and lines joined, as a reader reads it."""
    return re.sub(r"\s+", " ", re.sub(r"(\w)[-\u2010]\n(\w)", r"\1\2", text))


def outputs(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "outputs").iterdir() if not p.name.startswith("."))


def test_build_writes_every_document_recipient_and_language(built_example):
    assert outputs(built_example) == [
        "announcement-2017.en.html",
        "announcement-2017.en.md",
        "announcement-2017.ru.html",
        "announcement-2017.ru.md",
        "appeal-dzhakishev-tokmadi.president.en.pdf",
        "appeal-dzhakishev-tokmadi.president.ru.pdf",
        "appeal-dzhakishev-tokmadi.prosecutor-general.ru.pdf",
        "appeal-political-prisoners.president.en.pdf",
        "appeal-political-prisoners.president.ru.pdf",
        "appeal-political-prisoners.prosecutor-general.ru.pdf",
        "manifest.json",
        "question-dzhakishev-tokmadi.en.pdf",
        "question-dzhakishev-tokmadi.en.txt",
        "question-political-prisoners.en.pdf",
        "question-political-prisoners.en.txt",
    ]


@pytest.mark.parametrize("letter", LETTERS)
def test_letter_in_english_names_every_signatory_with_group_and_country(built_example, letter):
    text = pdf_text(built_example / "outputs" / f"{letter}.president.en.pdf")
    flat = unhyphenated(text)
    for name, group, country, _ in SIGNATORIES:
        assert name in text
        assert f"{country}, {group}" in flat
    assert "Chair of the Subcommittee on Human Rights" in flat
    assert "Brussels, 19 October 2017" in flat
    assert "Dear Mr President," in flat
    assert "Yours sincerely," in flat


@pytest.mark.parametrize("letter", LETTERS)
def test_letter_in_russian_has_russian_dates_countries_and_phrases(built_example, letter):
    text = pdf_text(built_example / "outputs" / f"{letter}.president.ru.pdf")
    flat = unhyphenated(text)
    for name, group, _, country in SIGNATORIES:
        assert name in text
        group = {"EPP": "PPE", "Greens/EFA": "Verts/ALE"}.get(group, group)  # the EP's form
        assert f"{country}, {group}" in flat
    assert "Брюссель, 19 октября 2017 г." in flat
    assert "Уважаемый господин Президент!" in flat
    assert "С глубоким уважением," in flat  # to a head of state
    assert "Председатель Подкомитета по правам человека" in flat


def test_appeal_names_all_seventeen_prisoners(built_example):
    flat = unhyphenated(pdf_text(built_example / "outputs" /
                                 "appeal-political-prisoners.president.en.pdf"))
    for name in PRISONERS_EN:
        assert name in flat
    ru = unhyphenated(pdf_text(built_example / "outputs" /
                               "appeal-political-prisoners.president.ru.pdf"))
    assert "Макс Бокаев" in ru and "Мухтар Джакишев" in ru


def test_copies_for_two_recipients_differ_visibly(built_example):
    out = built_example / "outputs"
    president = unhyphenated(pdf_text(out / "appeal-political-prisoners.president.ru.pdf"))
    prosecutor = unhyphenated(pdf_text(out / "appeal-political-prisoners.prosecutor-general.ru.pdf"))
    assert "Президенту Республики Казахстан" in president
    assert "Генеральному прокурору Республики Казахстан" in prosecutor
    assert "надзор за законностью" in prosecutor
    assert "надзор за законностью" not in president
    second = unhyphenated(pdf_text(out / "appeal-dzhakishev-tokmadi.prosecutor-general.ru.pdf"))
    assert "Уважаемый господин Асанов!" in second


def test_written_question_has_the_2017_ep_header_lines_in_order(built_example):
    lines = [line.strip() for line in
             pdf_pages_text(built_example / "outputs" / "question-political-prisoners.en.pdf")[0]
             .splitlines()]
    expected = [
        # The date the Parliament's page gives E-007095/2017 (the record's), unbreakable.
        "17\u00a0November\u00a02017",
        "Question for written answer E-007095-17",
        "to the Commission (Vice-President/High Representative)",
        "Rule 130",
        "Tunne Kelam (PPE) , Mady Delvaux (S&D)",
    ]
    assert lines[:5] == expected
    flat = unhyphenated("\n".join(lines))
    assert ("Subject: VP/HR — Political prisoners and politically motivated prosecutions "
            "in the Republic of Kazakhstan") in flat
    assert "1. How does the Vice-President/High Representative" in flat


def test_written_question_text_export_is_ready_to_paste(built_example):
    text = (built_example / "outputs" / "question-dzhakishev-tokmadi.en.txt").read_text()
    lines = text.splitlines()
    assert lines[:5] == [  # no date: the record gives none for E-007094/2017
        "Question for written answer E-007094-17",
        "to the Commission (Vice-President/High Representative)",
        "Rule 130",
        "Tunne Kelam (PPE) , Mady Delvaux (S&D)",
        "",
    ]
    assert "Subject: VP/HR — The cases of Mukhtar Dzhakishev and Muratkhan Tokmadi in Kazakhstan" in lines
    assert [line[:3] for line in lines if re.match(r"\d\. ", line)] == ["1. ", "2. ", "3. "]
    assert "<" not in text and "&amp;" not in text


@pytest.mark.parametrize("name", ["appeal-political-prisoners.president.ru.pdf",
                                  "question-political-prisoners.en.pdf"])
def test_fonts_are_the_shipped_family_and_embedded(built_example, name):
    reader = PdfReader(built_example / "outputs" / name)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor
    assert fonts, "no fonts found"
    for base_font, embedded in fonts.items():
        assert re.fullmatch(r"/[A-Z]{6}\+Undersigned-Serif(-Bold|-Italic|-BoldItalic)?", base_font)
        assert embedded, base_font


def test_metadata_title_authors_subject_keywords_language_and_date(built_example):
    reader = PdfReader(built_example / "outputs" / "appeal-political-prisoners.president.ru.pdf")
    xmp = reader.xmp_metadata
    assert xmp.dc_title == {"x-default": "Обращение в защиту жертв политического преследования "
                                         "и политических заключённых в Казахстане"}
    assert "Lola SÁNCHEZ CALDENTEY" in xmp.dc_creator
    assert len(xmp.dc_creator) == 13
    assert xmp.pdf_keywords.startswith("Political prisoners in Kazakhstan, autumn 2017, ")
    assert "Макс Бокаев" in xmp.pdf_keywords
    assert xmp.xmp_create_date.date().isoformat() == "2017-10-19"
    assert reader.trailer["/Root"]["/Lang"] == "ru"
    raw = xmp.stream.get_data().decode()
    assert 'pdfaid:part="3"' in raw and 'pdfaid:conformance="A"' in raw
    assert "<pdfuaid:part>1</pdfuaid:part>" in raw


def test_signature_boxes_are_never_split_and_closing_has_signatures(built_example):
    from undersigned.campaign.html import render_html
    from undersigned.campaign import load_campaign
    from undersigned.pdf.boxes import element_boxes
    from undersigned.pdf.writer import layout
    from undersigned.campaign.plan import plan_outputs

    loaded = load_campaign(built_example)
    for output in plan_outputs(loaded, documents=LETTERS):
        document = layout(render_html(loaded, output), loaded.root, output.label)
        boxes = element_boxes(document, "signature-box")
        ids = [box.element_id for box in boxes]
        assert len(ids) == 13 and len(set(ids)) == 13, (output.label, ids)
        page_height = document.pages[0].height
        for box in boxes:
            assert box.y + box.height <= page_height
        closing = element_boxes(document, "complimentary")
        assert len(closing) == 1
        assert any(box.page == closing[0].page and box.y > closing[0].y for box in boxes)


def test_identical_inputs_give_identical_bytes_across_processes(example):
    command = [sys.executable, "-m", "undersigned.cli", "build", str(example),
               "--document", "question-political-prisoners",
               "--document", "appeal-dzhakishev-tokmadi", "--lang", "ru", "--lang", "en"]
    subprocess.run(command, check=True, capture_output=True)
    first = {p.name: p.read_bytes() for p in (example / "outputs").glob("*.pdf")}
    for path in (example / "outputs").glob("*.pdf"):
        path.unlink()
    subprocess.run(command, check=True, capture_output=True)
    second = {p.name: p.read_bytes() for p in (example / "outputs").glob("*.pdf")}
    assert first and first == second
