"""People's forms: a Member's title in their grammatical gender or as they choose it, a
recipient's complimentary close per language, and a person's name as each language
spells it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import pdf_text
from undersigned.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def bilingual(tmp_path) -> Path:
    """The starter campaign, in English and French (the built-in French catalogue has the
    gendered forms of a Member's title)."""
    root = tmp_path / "campaign"
    assert run("init", root).exit_code == 0
    campaign = root / "campaign.yaml"
    text = campaign.read_text().replace("    languages: [en]\n", "    languages: [en, fr]\n")
    # The final letter, both Members agreed: their signature boxes carry their titles.
    text = text.replace("      stage: draft\n", "      stage: final\n").replace(
        "{member: sample, invited: 2025-01-06}",
        "{member: sample, invited: 2025-01-06, answer: agreed, answered: 2025-01-09}")
    campaign.write_text(text)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def built_text(root: Path, lang: str) -> str:
    result = run("build", root)
    assert result.exit_code == 0, result.output
    return " ".join(pdf_text(root / "outputs" / f"appeal.minister.{lang}.pdf").split())


def test_a_members_title_follows_their_gender_or_their_choice(bilingual):
    members = bilingual / "signatories" / "members.yaml"
    edit(members, "    family: Example\n", "    family: Example\n    gender: female\n")
    edit(members, "    family: Sample\n", "    family: Sample\n    gender: male\n"
         "    member_title:\n      en: MEP\n      fr: Membre du Parlement européen\n")
    french = built_text(bilingual, "fr")
    assert "Maria EXAMPLE Députée au Parlement européen" in french
    assert "Jan SAMPLE Membre du Parlement européen" in french
    english = " ".join(pdf_text(bilingual / "outputs" / "appeal.minister.en.pdf").split())
    assert "Maria EXAMPLE Member of the European Parliament" in english
    assert "Jan SAMPLE MEP" in english


def test_a_catalogue_without_the_gendered_form_prints_its_plain_title(bilingual):
    """A starter catalogue (Albanian, not built in) has only the plain title: a woman is
    given it."""
    edit(bilingual / "campaign.yaml", "    languages: [en, fr]\n", "    languages: [en, sq]\n")
    assert run("catalogue", "sq", bilingual).exit_code == 0
    catalogue = bilingual / "catalogues" / "sq.yaml"
    catalogue.write_text(catalogue.read_text().replace("TRANSLATE: ", "").replace(
        "'Member of the European Parliament'", "Deputet i Parlamentit Evropian"))
    edit(bilingual / "signatories" / "members.yaml", "    family: Example\n",
         "    family: Example\n    gender: female\n")
    assert "Maria EXAMPLE Deputet i Parlamentit Evropian" in built_text(bilingual, "sq")


def test_a_recipient_has_the_complimentary_close_protocol_wants(bilingual):
    edit(bilingual / "campaign.yaml", "    salutation: Dear Minister,\n",
         "    salutation:\n      en: Dear Minister,\n      fr: Madame la Ministre,\n"
         "    complimentary_close:\n      en: Yours faithfully,\n"
         "      fr: Veuillez agréer, Madame la Ministre, l'expression de notre haute "
         "considération.\n")
    french = built_text(bilingual, "fr")
    assert ("Veuillez agréer, Madame la Ministre, l’expression de notre haute considération."
            in french or "Veuillez agréer, Madame la Ministre, l'expression de notre haute "
            "considération." in french)
    assert "Yours sincerely" not in french
    english = " ".join(pdf_text(bilingual / "outputs" / "appeal.minister.en.pdf").split())
    assert "Yours faithfully," in english and "Yours sincerely" not in english


def test_a_close_missing_in_a_language_is_a_check_error(bilingual):
    edit(bilingual / "campaign.yaml", "    salutation: Dear Minister,\n",
         "    salutation: {\"*\": \"Dear Minister,\"}\n"
         "    complimentary_close:\n      en: Yours faithfully,\n")
    result = run("check", bilingual)
    assert result.exit_code == 1
    assert ("recipients.minister.complimentary_close: no fr text, but the document 'appeal' "
            "is produced in fr") in result.output


def test_a_name_is_printed_as_each_language_spells_it(bilingual):
    edit(bilingual / "cases" / "alex-example.yaml", "    title: Mr\n",
         "    title: Mr\n    spellings: {fr: Alex Exemple}\n")
    assert "Alex Exemple" in built_text(bilingual, "fr")
    english = pdf_text(bilingual / "outputs" / "appeal.minister.en.pdf")
    assert "Alex Example" in english and "Exemple" not in english


def test_native_and_script_spellings_choose_by_the_languages_script():
    from undersigned.campaign.context import _person_name
    from undersigned.model.models import Person

    hasanli = Person(name="Ulvi Hasanli", native="Ulvi Həsənli",
                     spellings={"az": "Ulvi Həsənli", "Cyrl": "Ульви Гасанлы"})
    assert _person_name(hasanli, "az") == "Ulvi Həsənli"
    assert _person_name(hasanli, "en") == "Ulvi Hasanli"  # a Latin native is no English
    assert _person_name(hasanli, "ru") == "Ульви Гасанлы"
    assert _person_name(hasanli, "kk") == "Ульви Гасанлы"
    bokayev = Person(name="Maks Bokayev", native="Макс Бокаев")
    assert _person_name(bokayev, "ru") == "Макс Бокаев"
    assert _person_name(bokayev, "fr") == "Maks Bokayev"
    assert _person_name(bokayev, "ka") == "Maks Bokayev"  # no Georgian spelling given


def test_a_spelling_key_that_is_neither_language_nor_script_is_named(bilingual):
    edit(bilingual / "cases" / "alex-example.yaml", "    title: Mr\n",
         "    title: Mr\n    spellings: {French: Alex Exemple}\n")
    result = run("check", bilingual)
    assert result.exit_code == 1
    assert ("cases/alex-example.yaml:3:5: people[0]: spellings: 'French' is neither a "
            "language code (az, ru) nor a script code (Cyrl, Arab, Geor)") in result.output


def test_the_address_follows_each_languages_protocol(built_example):
    """English puts the style and form of address before the name and the office under
    it; Russian protocol puts the style and the office first, then господину and the name,
    all in the dative."""
    def address(name: str) -> list[str]:
        lines = [line.strip() for line in pdf_text(built_example / "outputs" / name).splitlines()]
        start = next(i for i, line in enumerate(lines) if line.startswith(("H.E.", "Его", "Ген")))
        return lines[start:start + 3]

    assert address("appeal-political-prisoners.president.en.pdf") == [
        "H.E. Mr Nursultan Nazarbayev", "President of the Republic of Kazakhstan",
        "Akorda Presidential Palace"]
    assert address("appeal-political-prisoners.president.ru.pdf") == [
        "Его Превосходительству", "Президенту Республики Казахстан",
        "господину Н.\u00a0А.\u00a0Назарбаеву"]
    assert address("appeal-political-prisoners.prosecutor-general.ru.pdf") == [
        "Генеральному прокурору Республики Казахстан", "господину Жакипу Асанову",
        "010000 Астана, Республика Казахстан"]


def test_an_address_line_left_empty_is_dropped():
    from undersigned.kinds.letter import recipient_heading

    order = "{style}\n{position}\n{honorific} {name}"
    assert recipient_heading(order, {"style": None, "honorific": "Mr", "name": "A\u00a0B",
                                     "position": None}) == [{"text": "Mr A\u00a0B", "name": True}]


@pytest.mark.parametrize("lang, woman", [
    ("fr", "Députée au Parlement européen"), ("es", "Diputada al Parlamento Europeo"),
    ("pl", "Posłanka do Parlamentu Europejskiego"),
    ("ru", "Депутат Европейского парламента")])
def test_the_title_ms_gives_a_woman_the_feminine_title(bilingual, lang, woman):
    """No ``gender:``: the title says it (Russian writes депутат of a woman too)."""
    edit(bilingual / "campaign.yaml", "    languages: [en, fr]\n", f"    languages: [en, {lang}]\n")
    members = bilingual / "signatories" / "members.yaml"
    assert "title: Ms" in members.read_text()
    text = built_text(bilingual, lang)
    assert f"Maria EXAMPLE {woman}" in text
    if lang != "ru":
        man = {"fr": "Député au", "es": "Diputado al", "pl": "Poseł do"}[lang]
        assert f"Jan SAMPLE {man}" in text


def test_a_given_gender_wins_over_the_title(bilingual):
    edit(bilingual / "signatories" / "members.yaml", "    family: Example\n",
         "    family: Example\n    gender: male\n")
    assert "Maria EXAMPLE Député au Parlement européen" in built_text(bilingual, "fr")


def test_check_warns_where_neither_title_nor_gender_says_the_gender(bilingual):
    members = bilingual / "signatories" / "members.yaml"
    edit(members, "title: Ms\n", "title: Dr\n")
    edit(members, "  - title: Mr\n    given: Jan\n", "  - given: Jan\n")
    result = run("check", bilingual)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "woman or a man" in line]
    assert lines == [
        "signatories/members.yaml:6:5: warning: signatories[0].title: Maria EXAMPLE: the "
        "title 'Dr' does not say whether the Member is a woman or a man, and the fr copies "
        "of 'appeal' print the Member's title in its feminine or masculine form; add gender: "
        "female or gender: male (or a title such as Ms or Mr)",
        "signatories/members.yaml:13:5: warning: signatories[1]: Jan SAMPLE: neither a "
        "title nor a gender says whether the Member is a woman or a man, and the fr copies "
        "of 'appeal' print the Member's title in its feminine or masculine form; add gender: "
        "female or gender: male (or a title such as Ms or Mr)"], result.output


def test_titles_say_the_gender_in_every_language():
    from undersigned.model.titles import gender_of_title

    for title in ("Ms", "MRS.", "Mme", "Frau", "Sra.", "Pani", "Mevrouw", "Signora",
                  "Sig.ra", "Г-жа", "Dr Frau"):
        assert gender_of_title(title) == "female", title
    for title in ("Mr", "M.", "Herr", "Sr.", "Pan", "De heer", "Г-н"):
        assert gender_of_title(title) == "male", title
    for title in ("Dr", "Prof.", "", None, "Ms Mr"):
        assert gender_of_title(title) is None, title


def test_a_head_of_state_gets_the_close_protocol_wants(bilingual):
    """The French close repeats the salutation's form of address; English keeps its own."""
    edit(bilingual / "campaign.yaml", "    salutation: Dear Minister,\n",
         "    salutation:\n      en: Dear Mr President,\n      fr: Monsieur le Président,\n"
         "    head_of_state: true\n")
    french = built_text(bilingual, "fr")
    assert ("Nous vous prions d’agréer, Monsieur le Président, l’expression de notre très "
            "haute considération.") in french
    assert "Capital City) : arrested" in french  # the template's colon, spaced as French
    english = " ".join(pdf_text(bilingual / "outputs" / "appeal.minister.en.pdf").split())
    assert "Yours sincerely," in english
