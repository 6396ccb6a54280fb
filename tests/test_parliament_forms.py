"""The phrases as the Parliament prints them: a question's header line for line as the EP's
own page in that language, the rule line of the Rules of Procedure, the forms of the 9th
and 10th terms, and the language's own punctuation, quotes and forms of address."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import pdf_text
from undersigned.model.i18n import country_name, format_date
from undersigned.render.filters import markdown

NB, NN = "\u00a0", "\u202f"


def same(text: str) -> dict:
    return {"*": text}


def question(number: str, date: str, term: int, lang: str) -> dict:
    return {"kind": "question", "date": date, "term": term, "addressee": "vp-hr",
            "number": number, "signatories": f"term-{term}", "authors": ["nart", "punset"],
            "languages": [lang], "subject": same("Alex Example"),
            "body": same("Alex Example."), "questions": [same("Alex Example?")]}


HEADERS = {
    # The header of the EP's page of the question in that language, as it prints it (date,
    # number and authors' names aside: the test's own question stands in for them).
    "pt": ("E-007863/2017", "2017-12-14", 8, [
        # https://www.europarl.europa.eu/doceo/document/E-8-2017-007863_PT.html
        "Pergunta com pedido de resposta escrita E-007863-17",
        "à Comissão (Vice-Presidente/Alta Representante)",
        "Artigo 130.° do Regimento",
        "Javier Nart (ALDE) , Carolina Punset (ALDE)"]),
    "pl": ("E-007863/2017", "2017-12-14", 8, [
        # https://www.europarl.europa.eu/doceo/document/E-8-2017-007863_PL.html, as the
        # review of issue 23 recorded it (not seen by this project's search)
        "Pytanie wymagające odpowiedzi pisemnej E-007863-17",
        "do Komisji (Wiceprzewodniczącej/Wysokiej Przedstawiciel)",
        "art. 130 Regulaminu",
        "Javier Nart (ALDE) , Carolina Punset (ALDE)"]),
    "fr": ("E-002777/2021", "2021-05-20", 9, [
        # https://www.europarl.europa.eu/doceo/document/E-9-2021-002777_FR.html, as the
        # review of issue 23 recorded it; the addressee as the French Rules of Procedure
        # name the VP/HR (RULES-9-2023-02-14-RULE-136_FR)
        "Question avec demande de réponse écrite E-002777/2021",
        "au vice-président de la Commission / haut représentant de l’Union pour les "
        "affaires étrangères et la politique de sécurité",
        "article 138 du règlement",
        "Javier Nart (Renew), Carolina Punset (Renew)"]),
    "zh": ("E-007863/2017", "2017-12-14", 8, [
        # The Parliament publishes no Chinese pages: the English page's lines
        # (E-8-2015-002412_EN) in the catalogue's Chinese.
        "要求书面答复的问题 E-007863-17",
        "致欧盟委员会（副主席/高级代表）",
        "第130条",
        "Javier Nart (ALDE) , Carolina Punset (ALDE)"]),
}


def members(term: int) -> dict:
    group = "ALDE" if term == 8 else "Renew"
    return {"term": term, "signatories": [
        {"id": "nart", "title": "Mr", "given": "Javier", "family": "Nart", "country": "ES",
         "group": group},
        {"id": "punset", "title": "Ms", "given": "Carolina", "family": "Punset",
         "country": "ES", "group": group}]}


@pytest.fixture(scope="module")
def questions(tmp_path_factory) -> Path:
    """A question to the VP/HR in each language of HEADERS, numbered and dated as the EP's."""
    from undersigned.batch.build import build

    root = tmp_path_factory.mktemp("headers") / "campaign"
    (root / "signatories").mkdir(parents=True)
    documents = {f"question-{lang}": question(number, date, term, lang)
                 for lang, (number, date, term, _) in HEADERS.items()}
    (root / "campaign.yaml").write_text(json.dumps(
        {"title": "Headers", "sender": {"name": same("European Parliament")},
         "documents": documents}, ensure_ascii=False))
    for term in (8, 9):
        (root / "signatories" / f"term-{term}.yaml").write_text(json.dumps(members(term)))
    report = build(root)
    assert not report.failed, [r.error for r in report.failed]
    return root


def pdftotext_lines(pdf: Path) -> list[str]:
    """The lines ``pdftotext`` reads from the first page, no-break spaces as spaces."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def logical_lines(lines: list[str], expected: list[str]) -> list[str]:
    """The PDF's lines from the title on, a line wrapped at the page's edge joined back
    (the EP's page is wider), as many as ``expected`` has."""
    start = next(i for i, line in enumerate(lines) if line.startswith(expected[0][:6]))
    found, lines = [], lines[start:]
    for want in expected:
        line = lines.pop(0)
        while lines and len(line) < len(want) and want.startswith(line):
            line += ("" if line.endswith(("/", "（")) else " ") + lines.pop(0)
        found.append(line)
    return found


@pytest.mark.parametrize("lang", sorted(HEADERS))
def test_a_questions_header_is_the_parliaments_line_for_line(questions, lang):
    expected = HEADERS[lang][3]
    lines = pdftotext_lines(questions / "outputs" / f"question-{lang}.{lang}.pdf")
    assert logical_lines(lines, expected) == expected


@pytest.mark.parametrize("lang, rule", [
    ("fr", "article 130 du règlement"), ("de", "Artikel 130 der Geschäftsordnung"),
    ("pl", "art. 130 Regulaminu"), ("pt", "Artigo 130.° do Regimento"),
    ("en", "Rule 130")])
def test_the_rule_line_names_the_rules_of_procedure(lang, rule):
    from undersigned.errors import Problems
    from undersigned.model.i18n import load_catalogues

    catalogue = load_catalogues(None, Problems())[lang]
    assert catalogue.phrase("question.rule", number=130) == rule


def test_portuguese_is_european_portuguese():
    assert country_name("EE", "pt") == "Estónia"
    assert country_name("SI", "pt") == "Eslovénia"


def test_polish_and_azerbaijani_dates_write_the_year_as_their_pages_do():
    assert format_date(dt.date(2017, 11, 13), "pl") == f"13{NB}listopada{NB}2017{NB}r."
    assert format_date(dt.date(2017, 10, 19), "az") == f"19{NB}oktyabr{NB}2017-ci{NB}il"
    assert format_date(dt.date(2023, 10, 19), "az").endswith("2023-cü\u00a0il")


def test_terms_9_and_10_print_no_vp_hr_prefix(questions, built_example):
    french = pdf_text(questions / "outputs" / "question-fr.fr.pdf")
    assert f"Objet{NB}: Alex Example" in french and "VP/HR" not in french
    # The 8th term's pages print it (E-8-2015-002412_EN, E-8-2017-007863_PT).
    english = pdf_text(built_example / "outputs" / "question-political-prisoners.en.pdf")
    assert "Subject: VP/HR — Political prisoners" in " ".join(english.split())


def test_the_vp_hr_is_addressed_as_a_woman_from_december_2024():
    from undersigned.model.terms import TERMS

    assert TERMS[8].vp_hr_prefix and not TERMS[9].vp_hr_prefix and not TERMS[10].vp_hr_prefix
    assert TERMS[10].addressee_key("vp-hr", dt.date(2024, 11, 30)) == \
        "question.addressee.vp-hr"
    assert TERMS[10].addressee_key("vp-hr", dt.date(2024, 12, 1)) == \
        "question.addressee.vp-hr-female"


def test_chinese_prints_no_double_colon_and_no_space_after_a_full_width_colon(questions):
    text = pdf_text(questions / "outputs" / "question-zh.zh.pdf")
    assert "主题：副主席/高级代表 — Alex Example" in text
    assert "：:" not in text and "： " not in text


def test_armenian_nests_its_quotes():
    assert "«Սա «բառ» է»" in str(markdown("\"Սա 'բառ' է\"", "hy"))


@pytest.mark.parametrize("lang", ["es", "it", "el"])
def test_english_quotes_typed_become_the_languages_first_level(lang):
    assert "«Alex» y «Ana “B” C»" in str(markdown("“Alex” y «Ana “B” C»", lang))


def test_a_russian_letter_writes_vas_and_closes_to_a_head_of_state_with_deep_respect(
        built_example):
    text = " ".join(pdf_text(built_example / "outputs" /
                             "appeal-political-prisoners.president.ru.pdf").split())
    assert "призываем Вас:" in text and "призываем вас" not in text
    assert "С глубоким уважением," in text
    prosecutor = " ".join(pdf_text(built_example / "outputs" /
                                   "appeal-political-prisoners.prosecutor-general.ru.pdf")
                          .split())
    assert "С уважением," in prosecutor and "С глубоким" not in prosecutor
    assert "Эстония, PPE" in text and "Бельгия, Verts/ALE" in text  # the EP's acronyms
