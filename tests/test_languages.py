"""Every shipped language: one letter and one written question built in each, read back
from the PDF: the Member's title as the Parliament writes it (in her gender where the
language has one), the date as the language writes it, the question's header lines, and
every character drawn from an embedded font the toolkit ships."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import SHIPPED_FONT, pdf_text
from undersigned.errors import Problems
from undersigned.model.i18n import (BUILTIN_LANGUAGES, OPTIONAL_VALUES, format_date,
                                    load_catalogues)
from undersigned.render.typography import RTL_LANGUAGES

LANGUAGES = sorted(BUILTIN_LANGUAGES)
EU_LANGUAGES = {"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu",
                "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"}
OTHER_LANGUAGES = {"ru", "uk", "kk", "az", "ka", "hy", "tr", "ar", "zh"}
LETTER_DATE = dt.date(2025, 3, 14)
QUESTION_DATE = dt.date(2025, 3, 21)


def same(text: str) -> dict:
    """A value printed alike in every language."""
    return {"*": text}


CAMPAIGN = {
    "title": "Every language",
    "sender": {"name": same("European Parliament"),
               "lines": [same("Rue Wiertz 60 · 1047 Bruxelles")]},
    "recipients": {"minister": {
        "style": same("H.E."), "name": same("Jane Minister"),
        "position": same("Minister of Justice"), "address": [same("1 Example Street")],
        "salutation": same("Dear Minister,"), "languages": LANGUAGES}},
    "documents": {
        "appeal": {
            "kind": "letter", "date": LETTER_DATE.isoformat(), "place": same("Bruxelles"),
            "reference": "LANG-01", "subject": same("Alex Example"),
            "signatories": "members", "recipients": ["minister"], "languages": LANGUAGES,
            "sign_on": {"stage": "final", "members": [
                {"member": "example", "invited": "2025-03-01", "answer": "agreed",
                 "answered": "2025-03-03"}]},
            "cases": ["alex-example"], "intro": same("Alex Example."),
            "requests": [same("Alex Example.")], "closing": same("Alex Example.")},
        "question": {
            "kind": "question", "date": QUESTION_DATE.isoformat(), "term": 10,
            "addressee": "vp-hr", "signatories": "members", "authors": ["example"],
            "languages": LANGUAGES, "cases": ["alex-example"], "subject": same("Alex Example"),
            "body": same("Alex Example."), "questions": [same("Alex Example?")]},
    },
}
ANNOUNCEMENT = {
    "kind": "announcement", "date": QUESTION_DATE.isoformat(), "signatories": "members",
    "languages": LANGUAGES, "subject": same("Alex Example"), "reports": ["appeal", "question"],
    "cases": ["alex-example"]}
"""The page reporting the letter and the question, in every language (built with them)."""
MEMBERS = {"term": 10, "signatories": [
    {"id": "example", "given": "Maria", "family": "Example", "country": "PT", "group": "S&D",
     "gender": "female"}]}
CASE = {"people": [{"name": "Alex Example", "title": "Mr"}], "category": "journalist",
        "status": "serving-sentence", "arrested": "2024-05-17",
        "summary": same("Alex Example.")}


def words(text: str) -> str:
    """Text as compared: compatibility forms folded (Arabic presentation forms, as PDF text
    extraction gives them, become letters), spaces of every width made one space."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def shown(phrase: str, text: str, lang: str) -> bool:
    """Whether the PDF's text shows ``phrase``. Text extraction gives the words of a
    right-to-left line in the order they are drawn, which for a phrase mixing scripts is
    neither the logical order nor its reverse: there, every word must be shown."""
    phrase = words(phrase)
    if lang not in RTL_LANGUAGES:
        return phrase in text
    return (phrase in text or " ".join(reversed(phrase.split())) in text
            or set(phrase.split()) <= set(text.split()))


@pytest.fixture(scope="module")
def everywhere(tmp_path_factory) -> Path:
    """The campaign above, with its announcement, built once in every shipped language."""
    from undersigned.batch.build import build

    root = tmp_path_factory.mktemp("languages") / "campaign"
    (root / "signatories").mkdir(parents=True)
    (root / "cases").mkdir()
    campaign = {**CAMPAIGN, "documents": {**CAMPAIGN["documents"], "page": ANNOUNCEMENT}}
    (root / "campaign.yaml").write_text(json.dumps(campaign, ensure_ascii=False))
    (root / "signatories" / "members.yaml").write_text(json.dumps(MEMBERS))
    (root / "cases" / "alex-example.yaml").write_text(json.dumps(CASE))
    report = build(root)
    assert not report.failed, [r.error for r in report.failed]
    return root


@pytest.fixture(scope="module")
def catalogues():
    problems = Problems()
    loaded = load_catalogues(None, problems)
    assert not problems.errors and not problems.warnings, problems.errors + problems.warnings
    return loaded


def test_the_shipped_languages_are_those_the_issue_lists():
    assert set(LANGUAGES) == EU_LANGUAGES | OTHER_LANGUAGES


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalogue_has_every_phrase_of_the_english_one(lang, catalogues):
    """Key for key as en.yaml, and each phrase with exactly the placeholders of the English
    one (the gendered titles are optional)."""
    from undersigned.model.i18n import placeholders

    english = catalogues["en"].phrases
    phrases = catalogues[lang].phrases
    optional = {"member_of_parliament_female", "member_of_parliament_male",
                *(k for k in phrases if k.startswith("category_female."))}
    assert {k.split(".", 1)[1] for k in optional if k.startswith("category_female.")} <= \
        {k.split(".", 1)[1] for k in english if k.startswith("category.")}
    assert sorted(set(english) - set(phrases)) == []
    assert sorted(set(phrases) - set(english) - optional) == []
    # A form of address may leave the name out ("Madame la Députée,", "Tisztelt Képviselő
    # Asszony!"): the greetings may use fewer placeholders, never others.
    greetings = {"mail.greeting", "mail.greeting_female", "mail.greeting_male"}
    for key, text in phrases.items():
        reference = english.get(key, english["member_of_parliament"])
        if key in greetings:
            assert set(placeholders(text)) <= set(placeholders(reference)), (lang, key)
            continue
        assert set(placeholders(reference)) <= set(placeholders(text)) <= \
            set(placeholders(reference)) | OPTIONAL_VALUES.get(key, set()), (lang, key)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_letter_shows_the_members_title_and_the_date_in_its_language(lang, everywhere,
                                                                       catalogues):
    phrases = catalogues[lang].phrases
    text = words(pdf_text(everywhere / "outputs" / f"appeal.minister.{lang}.pdf"))
    title = phrases.get("member_of_parliament_female", phrases["member_of_parliament"])
    assert shown(title, text, lang)
    assert shown(format_date(LETTER_DATE, lang), text, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_question_shows_its_header_in_its_language(lang, everywhere, catalogues):
    phrases = catalogues[lang].phrases
    text = words(pdf_text(everywhere / "outputs" / f"question.{lang}.pdf"))
    assert shown(phrases["question.title"], text, lang)
    assert shown(phrases["question.addressee.vp-hr-female"], text, lang)  # Kallas, 2025
    assert shown(phrases["question.rule"].format(number=144), text, lang)
    assert shown(format_date(QUESTION_DATE, lang), text, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_character_is_drawn_from_an_embedded_shipped_font(lang, everywhere):
    for name in (f"appeal.minister.{lang}.pdf", f"question.{lang}.pdf"):
        fonts = {}
        for page in PdfReader(everywhere / "outputs" / name).pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                descriptor = descriptor.get_object()
                fonts[str(font["/BaseFont"])] = any(
                    key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
        assert fonts, name
        assert {f for f in fonts if not SHIPPED_FONT.match(f)} == set(), name
        assert [f for f, embedded in fonts.items() if not embedded] == [], name


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_announcement_is_written_in_every_language(lang, everywhere, catalogues):
    """The page's headings and labels are its language's (every shipped catalogue has the
    announcement's phrases): the sections, the date the letter was sent, how many Members
    signed it, the question not yet numbered and the date it was tabled."""
    import html5lib

    phrases = catalogues[lang].phrases
    page = html5lib.parse((everywhere / "outputs" / f"page.{lang}.html").read_bytes(),
                          namespaceHTMLElements=False)
    text = words("".join(page.find("body").itertext()))
    for key in ("letters", "questions", "signatories", "cases", "not_numbered"):
        assert words(phrases[f"announcement.{key}"]) in text, (lang, key)
    assert words(phrases["announcement.sent"].format(date=format_date(LETTER_DATE, lang))) \
        in text, lang
    assert words(phrases["announcement.signed_by"].format(count=1)) in text, lang
    assert words(phrases["announcement.tabled"].format(date=format_date(QUESTION_DATE, lang))) \
        in text, lang
    plural = {"fr": "Questions avec demande de réponse écrite",
              "de": "Anfragen zur schriftlichen Beantwortung",
              "es": "Preguntas con solicitud de respuesta escrita"}  # the Parliament's words
    assert plural.get(lang, "") in text


def left_edges(pdf: Path) -> list[tuple[float, str]]:
    """Where each run of text on the first page begins, from the left edge, in points."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((tm[4] * cm[0] + cm[4], text.strip()))

    PdfReader(pdf).pages[0].extract_text(visitor_text=visit)
    return runs


def test_arabic_is_laid_out_right_to_left(everywhere):
    """In Arabic the address starts at the right margin and the reference sits at the left
    (the end of the line), the mirror of the English copy; a run of Latin words keeps its
    order ("Alex Example.", not ".Example Alex")."""
    def edge(lang: str, text: str) -> float:
        runs = left_edges(everywhere / "outputs" / f"appeal.minister.{lang}.pdf")
        return next(x for x, run in runs if text in run)

    assert edge("en", "LANG-01") > 300 and edge("en", "Jane Minister") < 100
    assert edge("ar", "LANG-01") < 100 and edge("ar", "Jane Minister") > 300

    text = words(pdf_text(everywhere / "outputs" / "appeal.minister.ar.pdf"))
    assert ".Example Alex" not in text and ".Alex Example" in text  # drawn order


def test_a_chinese_letter_closes_on_two_lines_and_uses_chinese_commas(everywhere):
    text = pdf_text(everywhere / "outputs" / "appeal.minister.zh.pdf")
    assert "此致\n敬礼" in text
    assert "葡萄牙，S&D" in text and "葡萄牙, S&D" not in text
    assert "：:" not in text and "： " not in text


def test_a_french_letter_spaces_its_punctuation_and_dates_as_french_does(everywhere):
    text = pdf_text(everywhere / "outputs" / "appeal.minister.fr.pdf")
    assert "Objet\u00a0: Alex Example" in text
    assert "Bruxelles, le 14\u00a0mars\u00a02025" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalogue_says_where_its_phrases_were_checked(lang, catalogues):
    """The ``sources:`` map names a Parliament page, or says the phrase was not checked,
    for every phrase ("*" speaks for those it does not name); an EU language's rule line is
    sourced (the Irish one says it is not)."""
    catalogue = catalogues[lang]
    assert "*" in catalogue.sources
    for key in catalogue.phrases:
        source = catalogue.source(key)
        assert source.startswith("http") or "not" in source or "as recorded" in source, key
    if lang in EU_LANGUAGES - {"et", "hr", "lt", "mt", "sl"}:
        assert catalogue.sources.get("question.rule"), lang


def test_a_latin_address_line_keeps_its_order_in_a_right_to_left_copy(everywhere):
    """"1 Example Street" in the Arabic letter is drawn left to right at the right margin,
    not reordered as "Example Street 1"."""
    runs = left_edges(everywhere / "outputs" / "appeal.minister.ar.pdf")
    [line] = [run for _, run in runs if "Example Street" in run]
    assert line == "1 Example Street"
    assert next(x for x, run in runs if "Example Street" in run) > 300


def test_a_french_question_spaces_its_sub_questions_and_labels(everywhere):
    text = pdf_text(everywhere / "outputs" / "question.fr.pdf")
    assert "Alex Example\u202f?" in text  # the sub-question, as typed: "Alex Example?"
    assert "Objet\u00a0: Alex Example" in text


def test_a_case_about_a_woman_says_her_category_in_the_feminine(tmp_path):
    """27: "Journalistin", "dziennikarka", "журналистка" when every person of the case is a
    woman (her gender, or her title, says so); the masculine form for a man, or for a case of
    a woman and a man."""
    from undersigned.batch.build import build

    root = tmp_path / "campaign"
    (root / "signatories").mkdir(parents=True)
    (root / "cases").mkdir()
    langs = ["de", "pl", "ru", "fr"]
    campaign = json.loads(json.dumps(CAMPAIGN))
    letter = campaign["documents"]["appeal"]
    letter["languages"] = campaign["recipients"]["minister"]["languages"] = langs
    letter["cases"] = ["her", "them"]
    del campaign["documents"]["question"]
    (root / "campaign.yaml").write_text(json.dumps(campaign, ensure_ascii=False))
    (root / "signatories" / "members.yaml").write_text(json.dumps(MEMBERS))
    her = {**CASE, "people": [{"name": "Sevinj Vagifgizi", "title": "Ms"}]}
    them = {**CASE, "category": "lawyer", "people": [
        {"name": "Alex Example", "gender": "female"}, {"name": "Sam Example", "title": "Mr"}]}
    (root / "cases" / "her.yaml").write_text(json.dumps(her))
    (root / "cases" / "them.yaml").write_text(json.dumps(them))
    report = build(root)
    assert not report.failed, [r.error for r in report.failed]
    expected = {"de": ("(Journalistin)", "(Rechtsanwalt)"), "pl": ("(dziennikarka)", "(prawnik)"),
                "ru": ("(журналистка)", "(юрист)"), "fr": ("(journaliste)", "(avocat)")}
    for lang, (feminine, masculine) in expected.items():
        text = words(pdf_text(root / "outputs" / f"appeal.minister.{lang}.pdf"))
        assert feminine in text and masculine in text, (lang, text)
