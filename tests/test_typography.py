"""Typography per language, on the text a reader sees and on where lines break: no break
inside a date, after "No." or an initial; French spacing; the language's quotation marks."""

from __future__ import annotations

import re

import pytest

from undersigned.campaign.html import render_html
from undersigned.campaign.load import load_campaign
from undersigned.campaign.plan import plan_outputs
from undersigned.pdf.compat import page_box
from undersigned.pdf.writer import layout
from undersigned.render.filters import markdown, plain
from undersigned.render.typography import NARROW_NBSP as NN, NBSP as NB, date_spans, typeset

QUESTION = "question-political-prisoners"


@pytest.mark.parametrize("lang, text, expected", [
    ("en", "arrested on 17 May 2016", f"arrested on 17{NB}May{NB}2016"),
    ("ru", "16 мая 2017 г. в Астане", f"16{NB}мая{NB}2017{NB}г. в Астане"),
    ("de", "am 3. Juni 2017", f"am 3.{NB}Juni{NB}2017"),
    ("fr", "le 1 juin", f"le 1{NB}juin"),
    ("en", "Opinion No. 16/2017", f"Opinion No.{NB}16/2017"),
    ("ru", "Мнение № 16/2017", f"Мнение №{NB}16/2017"),
    ("ru", "господину Н. А. Назарбаеву", f"господину Н.{NB}А.{NB}Назарбаеву"),
    ("en", "plan b. then, and 7 days", "plan b. then, and 7 days"),  # neither initial nor date
    ("fr", "Il a dit : « non » ! Vraiment ?", f"Il a dit{NB}: «{NN}non{NN}»{NN}! Vraiment{NN}?"),
    ("fr", "Voir https://example.org à 10:30 ; fin", f"Voir https://example.org à 10:30{NN}; fin"),
    ("en", "Really? Yes: no!", "Really? Yes: no!"),  # French spacing is French only
    ("ru", "он сказал “нет” и ушёл", "он сказал «нет» и ушёл"),  # English marks typed
    ("de", "„schon“ und “noch”", "„schon“ und „noch“"),
    ("en", "he said “no”", "he said “no”"),
])
def test_typeset(lang, text, expected):
    assert typeset(text, lang) == expected


@pytest.mark.parametrize("lang, expected", [
    ("en", "“free” and ‘fair’"), ("ru", "«free» and „fair“"), ("de", "„free“ and ‚fair‘"),
    ("pl", "„free” and «fair»"), ("fr", f"«{NN}free{NN}» and ‹fair›"), ("it", "«free» and “fair”"),
])
def test_straight_quotes_become_the_languages_own(lang, expected):
    html = str(markdown("\"free\" and 'fair'", lang))
    assert expected in html


def test_text_exports_stay_plain_without_no_break_spaces():
    assert plain("On 17 May 2016, Opinion No. 16/2017.", "en") == \
        "On 17 May 2016, Opinion No. 16/2017."


def lines_of(document) -> list[str]:
    """The text of every laid-out line, page after page."""
    found = []
    for page in document.pages:
        for box in page_box(page).descendants():
            if type(box).__name__ == "LineBox":
                found.append("".join(getattr(b, "text", "") for b in box.descendants()))
    return found


def test_no_line_breaks_inside_a_date_a_number_or_after_an_initial(example):
    """The body of a question, with the date, the number and the initials pushed word by
    word along the line, so that without no-break spaces a line would end inside them
    (checked: without them, these 24 layouts have 28 such breaks)."""
    campaign = example / "campaign.yaml"
    original = campaign.read_text()
    start = original.index("      On 19 October 2017, thirteen Members")
    end = original.index("    questions:", start)
    breaks = []
    for shift in range(24):
        body = ("      " + "wide " * shift + "On 16 October 2017 the Opinion No. 16/2017 of "
                "the Working Group reached N. A. Nazarbayev. " * 3 + "\n")
        campaign.write_text(original[:start] + body + original[end:])
        loaded = load_campaign(example)
        [output] = plan_outputs(loaded, documents=[QUESTION])
        lines = lines_of(layout(render_html(loaded, output), loaded.root, output.label))
        for line in lines:
            text = line.rstrip()
            if text.endswith((" 16", " October", "No.", " N.", " A.")):
                breaks.append((shift, text[-20:]))
    assert breaks == []


def test_french_spacing_is_printed_with_glyphs_of_the_embedded_font(tmp_path):
    from click.testing import CliRunner

    from conftest import pdf_text
    from undersigned.cli import cli

    root = tmp_path / "campaign"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    campaign = root / "campaign.yaml"
    text = campaign.read_text().replace("    languages: [en]\n", "    languages: [fr]\n")
    text = text.replace("    closing: We look forward to your reply.",
                        "    closing: \"Nous attendons votre réponse : « vite » !\"")
    campaign.write_text(text)
    assert runner.invoke(cli, ["catalogue", "fr", str(root)]).exit_code == 0
    catalogue = root / "catalogues" / "fr.yaml"
    catalogue.write_text(catalogue.read_text().replace("TRANSLATE: ", ""))
    built = runner.invoke(cli, ["build", str(root)])
    assert built.exit_code == 0, built.output  # every glyph was found in the embedded font
    printed = pdf_text(root / "outputs" / "appeal.minister.fr.pdf")
    assert f"réponse{NB}: «{NN}vite{NN}»{NN}!" in printed
    assert f"15{NB}janvier{NB}2025" in printed


def test_names_in_running_text_are_never_hyphenated(example):
    """Long names pushed word by word along the lines of a letter's justified, hyphenated
    opening: no line ends inside one (checked: without the spans that keep capitalised
    words whole, these 16 layouts split a name 25 times)."""
    campaign = example / "campaign.yaml"
    original = campaign.read_text()
    start = original.index("        Further to our letter of today")
    end = original.index("      ru: |\n        В дополнение", start)
    names = ("Ablyazov", "Kazatomprom", "Nazarbayev", "Dzhakishev", "Eleusinov",
             "Kushakbayev", "Taychibekov")
    split = []
    for shift in range(16):
        intro = ("        " + "wide " * shift + "the opponent Mukhtar Ablyazov, Kazatomprom "
                 "and Nazarbayev, Dzhakishev, Eleusinov, Kushakbayev and Taychibekov "
                 "wrote. " * 3 + "\n")
        campaign.write_text(original[:start] + intro + original[end:])
        loaded = load_campaign(example)
        [output] = plan_outputs(loaded, documents=["appeal-dzhakishev-tokmadi"],
                                recipients=["president"], langs=["en"])
        document = layout(render_html(loaded, output), loaded.root, output.label)
        for line in lines_of(document):
            text = line.rstrip()
            if text.endswith(("‐", "-")):
                fragment = text[:-1].split()[-1]
                if any(name.startswith(fragment) and name != fragment for name in names):
                    split.append((shift, text[-25:]))
    assert split == []


def test_names_are_kept_whole_by_the_dictionary_and_other_words_still_hyphenated(example):
    """The PDF is laid out without the names' spans (a box each): its hyphenation keeps
    their words whole instead, also before a possessive ending, while the long words
    around them are still split (checked: with dictionaries that keep nothing whole, these
    16 layouts split a name 10 times)."""
    campaign = example / "campaign.yaml"
    original = campaign.read_text()
    start = original.index("        Further to our letter of today")
    end = original.index("      ru: |\n        В дополнение", start)
    names = ("Kushakbayev", "Taychibekov", "Eleusinov", "Nazarbayev")
    split, hyphenated = [], 0
    for shift in range(16):
        intro = ("        " + "wide " * shift + ("the responsibilities of Kushakbayev’s "
                 "counsel, Taychibekov's family, responsibilities of Eleusinov and "
                 "responsibilities of Nazarbayev. ") * 3 + "\n")
        campaign.write_text(original[:start] + intro + original[end:])
        loaded = load_campaign(example)
        [output] = plan_outputs(loaded, documents=["appeal-dzhakishev-tokmadi"],
                                recipients=["president"], langs=["en"])
        for line in lines_of(layout(render_html(loaded, output), loaded.root, output.label)):
            text = line.rstrip()
            if text.endswith(("‐", "-")):
                fragment = text[:-1].split()[-1]
                hyphenated += "responsibilities".startswith(fragment)
                if any(name.startswith(fragment) for name in names):
                    split.append((shift, text[-25:]))
    assert split == []
    assert hyphenated >= 8


@pytest.mark.parametrize("word, kept", [
    ("Ablyazov", True), ("ablyazov", True), ("ABLYAZOV", True), ("Ablyazov’s", True),
    ("Ablyazov's", True), ("Kazatomprom-Ablyazov", True), ("Ablyazova", False),
    ("responsibilities", False),
])
def test_a_word_is_kept_whole_if_a_kept_word_is_one_of_its_parts(word, kept):
    from undersigned.pdf.hyphens import kept as is_kept, unwrapped

    html, words = unwrapped(str(markdown("Mukhtar Ablyazov wrote.", "en")))
    assert words == {"mukhtar", "ablyazov"} and "<span" not in html
    assert is_kept(word, words) is kept


def test_only_spans_that_just_keep_text_unhyphenated_are_unwrapped():
    from undersigned.pdf.hyphens import unwrapped

    date = str(markdown("arrested on 13 November 2017", "en"))
    html = (date + '<span style="hyphens: manual">O&#39;Brien &amp; Sons</span>'
            '<span style="hyphens: manual" lang="kk">Астана</span>'
            '<span style="hyphens: manual"><b>Bold</b></span>')
    unwrapped_html, words = unwrapped(html)
    assert unwrapped_html == (date + "O&#39;Brien &amp; Sons"
                              '<span style="hyphens: manual" lang="kk">Астана</span>'
                              '<span style="hyphens: manual"><b>Bold</b></span>')
    assert words == {"o", "brien", "sons"}


def test_a_russian_letter_states_its_subject_without_an_e_mail_label(built_example):
    from conftest import pdf_pages_text

    outputs = built_example / "outputs"
    russian = pdf_pages_text(outputs / "appeal-political-prisoners.president.ru.pdf")[0]
    assert "Тема" not in russian
    assert "\nОбращение в защиту жертв политического преследования" in russian
    english = pdf_pages_text(outputs / "appeal-political-prisoners.president.en.pdf")[0]
    assert "Subject: Appeal for the victims of political prosecution" in english


HYPHENATED_WORDS = {
    "bg": "правозащитниците", "cs": "odpovědnostmi", "da": "menneskerettighedsforkæmpere",
    "de": "menschenrechtsverteidiger", "el": "δικαιωμάτων", "en": "responsibilities",
    "es": "responsabilidades", "et": "inimõiguste", "fr": "internationalement",
    "hr": "odgovornostima", "hu": "emberijogvédők", "it": "responsabilità",
    "lt": "atsakomybėmis", "lv": "cilvēktiesību", "nl": "mensenrechtenverdedigers",
    "pl": "odpowiedzialności", "pt": "responsabilidades", "ro": "responsabilităților",
    "sk": "zodpovednosťami", "sl": "odgovornostmi", "sv": "människorättsförsvarare",
    "ru": "правозащитников", "uk": "правозахисників",
}
"""A long word per language that its Pyphen dictionary can hyphenate."""


def _hyphenated_languages() -> list[str]:
    import pyphen

    from undersigned.model.i18n import BUILTIN_LANGUAGES

    return sorted(lang for lang in BUILTIN_LANGUAGES if pyphen.language_fallback(lang))


def test_every_shipped_language_with_a_dictionary_has_a_word_to_hyphenate():
    assert [lang for lang in _hyphenated_languages() if lang not in HYPHENATED_WORDS] == []


@pytest.mark.parametrize("lang", _hyphenated_languages())
def test_a_letter_is_hyphenated_with_the_dictionary_of_its_language(lang, tmp_path):
    """The starter letter in ``lang`` with a closing of long words between short ones: its
    justified lines end inside a word, at a point the language's dictionary allows."""
    import pyphen
    from click.testing import CliRunner

    from undersigned.cli import cli

    root = tmp_path / "campaign"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    campaign = root / "campaign.yaml"
    word = HYPHENATED_WORDS[lang]
    text = campaign.read_text().replace("    languages: [en]\n", f"    languages: [{lang}]\n")
    campaign.write_text(text.replace("    closing: We look forward to your reply.",
                                     "    closing: " + " ".join(
                                         f"{'x' * (i % 7 + 1)} {word}" for i in range(30))))
    loaded = load_campaign(root)
    [output] = plan_outputs(loaded, documents=["appeal"])
    lines = lines_of(layout(render_html(loaded, output), loaded.root, output.label))
    split = [line.rstrip()[:-1].split()[-1] for line in lines
             if line.rstrip().endswith("‐") and word.startswith(line.rstrip()[:-1].split()[-1])]
    assert split, f"no {lang} line ends inside '{word}'"
    allowed = {word[:i] for i in pyphen.Pyphen(lang=pyphen.language_fallback(lang)).positions(word)}
    assert set(split) <= allowed


DATES = {
    # A language's dates as case texts write them: a day, a month name in any case, the
    # year and what follows it.
    "ru": ("слово ", ["3 октября 2016 года", "7 апреля 2017 года", "декабре 2015 года",
                      "16 мая 2017 г."]),
    "pl": ("słowo ", ["14 listopada 2017 r.", "grudniu 2015 roku", "3 października 2016"]),
    "zh": ("词", ["2016年10月3日", "2017年4月7日", "2015年12月"]),
}


def split_dates(lines: list[str], dates: list[str], times: int) -> list[str]:
    """The dates that are not each printed ``times`` times whole on one line (a date split
    across lines, or hyphenated, is not found on any)."""
    flat = [" ".join(line.replace(NB, " ").replace(NN, " ").split()) for line in lines]
    return [date for date in dates if sum(line.count(date) for line in flat) != times]


def _question_in(campaign, lang: str, body: str) -> None:
    """The example's first question in ``lang`` only, with ``body``."""
    original = campaign.read_text()
    start = original.index("  question-political-prisoners:\n")
    body_at = original.index("    body: >-\n", start)
    end = original.index("    questions:", body_at)
    text = (original[:start] + "  question-political-prisoners:\n    languages: [" + lang
            + "]\n" + original[start + len("  question-political-prisoners:\n"):body_at]
            + "    body: " + repr(body).replace("'", '"') + "\n" + original[end:])
    # The watermark is printed on every page, so it needs a text in the copy's language.
    watermark = "watermark:\n  en: Reconstruction"
    if lang not in ("en", "ru"):
        text = text.replace(watermark, f"watermark:\n  {lang}: Reconstruction\n  en: Reconstruction")
    campaign.write_text(text)
    members = campaign.parent / "signatories" / "meps-2017.yaml"
    listed = members.read_text()  # a role is written in English and Russian only
    if "    roles:\n" in listed:
        start = listed.index("    roles:\n")
        members.write_text(listed[:start] + listed[listed.index("  - id: benifei", start):])


@pytest.mark.parametrize("lang", sorted(DATES))
def test_a_date_is_never_broken_across_lines_in_a_question(example, lang):
    """Russian, Polish and Chinese copies of the example's question, the dates pushed word
    by word along the line: each is printed whole on one line (checked: without the date
    pattern and its spans, a date is split in 18 Russian, 32 Polish and 10 Chinese of these
    (layout, date) pairs)."""
    word, dates = DATES[lang]
    joiner = {"ru": " и ", "pl": " i ", "zh": "和"}[lang]
    sentence = joiner.join(dates) + joiner
    campaign = example / "campaign.yaml"
    original = campaign.read_text()
    split = []
    for shift in range(16 if lang == "zh" else 20):
        campaign.write_text(original)
        _question_in(campaign, lang, word * shift + sentence * 3)
        loaded = load_campaign(example)
        [output] = plan_outputs(loaded, documents=[QUESTION])
        lines = lines_of(layout(render_html(loaded, output), loaded.root, output.label))
        split += [(shift, date) for date in split_dates(lines, dates, 3)]
    assert split == []


def test_a_russian_date_is_never_broken_nor_hyphenated_in_a_letter(example):
    """The Russian letter's opening (justified and hyphenated), the dates pushed along the
    line: each is printed whole ("7 апре-ля 2017 года" would not be; checked: without the
    date pattern and its spans, 30 of these (layout, date) pairs are split)."""
    word, dates = DATES["ru"]
    campaign = example / "campaign.yaml"
    original = campaign.read_text()
    start = original.index("        В дополнение к нашему сегодняшнему письму")
    end = original.index("    requests:", start)
    split = []
    for shift in range(20):
        intro = "        " + word * shift + (" и ".join(dates) + " и ") * 3 + "\n"
        campaign.write_text(original[:start] + intro + original[end:])
        loaded = load_campaign(example)
        [output] = plan_outputs(loaded, documents=["appeal-dzhakishev-tokmadi"],
                                recipients=["president"], langs=["ru"])
        lines = lines_of(layout(render_html(loaded, output), loaded.root, output.label))
        split += [(shift, date) for date in split_dates(lines, dates, 3)]
    assert split == []


def test_a_date_in_markdown_is_one_unbroken_unhyphenated_unit():
    html = str(markdown("aresztowany 13 listopada 2017 r. w Ałmaty", "pl"))
    assert (f'<span class="date" style="white-space: nowrap; hyphens: manual">'
            f"13{NB}listopada{NB}2017{NB}r.</span>") in html


def test_names_apart_by_white_space_only_share_one_unhyphenated_span():
    # Each span is an inline box, which a paragraph's layout pays for: "Mukhtar Ablyazov"
    # is one, and still breaks between its words.
    html = str(markdown("Mukhtar Ablyazov, Kazatomprom and the UN Working Group on "
                        "Arbitrary Detention met Nazarbayev.", "en"))
    kept = re.findall(r'<span style="hyphens: manual">([^<]*)</span>', html)
    assert kept == ["Mukhtar Ablyazov", "Kazatomprom", "Working Group", "Arbitrary Detention",
                    "Nazarbayev"]


def test_the_html_of_short_texts_is_kept_and_of_long_ones_made_each_time():
    # What the memo of Markdown texts can add to a worker's memory is bounded.
    from undersigned.render.filters import MARKDOWN_MEMO, MEMO_TEXT, _rendered

    _rendered.cache_clear()
    long = "Mukhtar Ablyazov " * (MEMO_TEXT // 10)
    assert markdown(long, "en") == markdown(long, "en")
    assert _rendered.cache_info().currsize == 0
    short = [markdown(f"case {n} of Mukhtar Ablyazov", "en") for n in range(MARKDOWN_MEMO + 9)]
    assert short[3] == markdown("case 3 of Mukhtar Ablyazov", "en")
    assert _rendered.cache_info().currsize == MARKDOWN_MEMO


def test_latin_names_in_chinese_text_are_not_stretched(example):
    """A Chinese copy is not justified (WeasyPrint would stretch only the spaces of the
    Latin names in it): no text box of the question's body is given extra spacing
    (checked: justified, 6 of its text boxes with "Mukhtar" are)."""
    body = ("穆赫塔尔·贾基舍夫（Mukhtar Dzhakishev）和穆拉特汗·托克马迪（Muratkhan Tokmadi）"
            "的案件仍未解决，" * 6)
    _question_in(example / "campaign.yaml", "zh", body)
    loaded = load_campaign(example)
    [output] = plan_outputs(loaded, documents=[QUESTION])
    document = layout(render_html(loaded, output), loaded.root, output.label)
    stretched = [box.text for page in document.pages for box in page_box(page).descendants()
                 if getattr(box, "justification_spacing", 0) and "Mukhtar" in (
                     getattr(box, "text", "") or "")]
    assert stretched == []


@pytest.mark.parametrize("lang, text, date", [
    ("ru", "и в декабре 2015 года задержан", "декабре 2015 года"),
    ("pl", "dnia 13 listopada 2017 r. w", "13 listopada 2017 r."),
    ("az", "19 oktyabr 2017-ci il tarixində", "19 oktyabr 2017-ci il"),
    ("hu", "2017. október 19. óta", "2017. október 19."),
    ("lt", "nuo 2017 m. spalio 19 d. ir", "2017 m. spalio 19 d."),
    ("kk", "2017 ж. 19 қазан күні", "2017 ж. 19 қазан"),
    ("ka", "19 ოქტომბერი, 2017 წელს", "19 ოქტომბერი, 2017"),
    ("zh", "于2017年10月19日被捕", "2017年10月19日"),
    ("en", "in May the plan, in October 2017", "October 2017"),
])
def test_a_date_is_found_whole_in_every_languages_order(lang, text, date):
    """The date (and only it: "May" alone is no date) is one unit, its spaces no-break."""
    typeset_text = typeset(text, lang)
    found = [typeset_text[start:end] for start, end in date_spans(typeset_text, lang)]
    assert found == [date.replace(" ", NB)]
