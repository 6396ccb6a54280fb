"""The announcement: the public page reporting the campaign's documents, from its data."""

from __future__ import annotations

from pathlib import Path

import html5lib

ANNOUNCEMENT = "announcement-2017"


def build_page(root: Path):
    from undersigned.batch.build import build

    report = build(root, documents=[ANNOUNCEMENT], jobs=1)
    assert not report.failed, [r.error for r in report.failed]
    return report


def strict_parse(path: Path):
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(path.read_bytes())  # raises ParseError at the first error


def test_the_example_announces_the_2017_appeals_in_english_and_russian(example: Path):
    build_page(example)
    out = example / "outputs"
    assert sorted(p.name for p in out.glob(f"{ANNOUNCEMENT}.*")) == [
        f"{ANNOUNCEMENT}.en.html", f"{ANNOUNCEMENT}.en.md",
        f"{ANNOUNCEMENT}.ru.html", f"{ANNOUNCEMENT}.ru.md"]
    page = strict_parse(out / f"{ANNOUNCEMENT}.en.html")
    meta = {m.get("property"): m.get("content") for m in page.iter("meta") if m.get("property")}
    assert meta["og:title"] == "MEPs address Kazakhstani authorities on political prisoners"
    assert meta["og:locale"] == "en_US" and meta["og:type"] == "article"
    assert any(s.get("media") == "print" for s in page.iter("style"))
    text = " ".join("".join(page.find("body").itertext()).split())
    assert "Sent on 19 October 2017 to: President of the Republic of Kazakhstan" in text
    assert "Prosecutor General of the Republic of Kazakhstan" in text
    assert "E-007095/2017: Political prisoners and politically motivated prosecutions" in text
    assert "Tabled on 13 November 2017 by: Tunne Kelam (PPE), Mady Delvaux (S&D)." in text
    rows = [[" ".join("".join(td.itertext()).split()) for td in tr.iter("td")]
            for tr in page.iter("tr")]
    assert rows[0] == ["Pier Antonio Panzeri", "S&D", "Italy"] and len(rows) == 13
    links = {a.get("href") for a in page.iter("a")}
    assert "https://www.europarl.europa.eu/doceo/document/E-8-2017-007095_EN.html" in links
    assert "appeal-political-prisoners.president.ru.pdf" in links
    assert "Maks Bokayev (civil society activist, Atyrau): arrested on 17 May 2016" in text
    assert "Reconstruction from the public record — not the text as sent" in text
    assert "What is documented, and what is reconstructed" in text
    russian = strict_parse(out / f"{ANNOUNCEMENT}.ru.html")
    text = " ".join("".join(russian.find("body").itertext()).split())
    assert "Отправлено 19 октября 2017 г., адресаты: Президенту Республики Казахстан" in text
    assert [td.text for td in next(russian.iter("tr")).iter("td")] == \
        ["Pier Antonio Panzeri", "S&D", "Италия"]
    assert "Макс Бокаев (гражданский активист, Атырау)" in text
    twin = (out / f"{ANNOUNCEMENT}.en.md").read_text()
    assert twin.startswith("# MEPs address Kazakhstani authorities on political prisoners\n")
    assert "- Pier Antonio Panzeri, S&D, Italy\n" in twin
    assert "[The question and its answer on the European Parliament's website](https://www." \
           "europarl.europa.eu/doceo/document/E-8-2017-007095_EN.html)" in twin


def test_the_page_follows_the_data(example: Path):
    """Changing a case, or a reported letter, rebuilds the page with the new facts."""
    build_page(example)
    page = example / "outputs" / f"{ANNOUNCEMENT}.en.html"
    case = example / "cases" / "bokayev.yaml"
    case.write_text(case.read_text().replace("arrested on 17 May 2016", "arrested on 18 May 2016"))
    report = build_page(example)
    assert [r.action for r in report.results if r.label.startswith(ANNOUNCEMENT)] == \
        ["built", "built"]
    assert "arrested on 18 May 2016" in page_text(page)
    campaign = example / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace(
        "en: The urgent cases of Mr Mukhtar Dzhakishev and Mr Muratkhan Tokmadi",
        "en: The cases of Mr Mukhtar Dzhakishev and Mr Muratkhan Tokmadi"))
    build_page(example)
    assert "The cases of Mr Mukhtar Dzhakishev" in page_text(page)


def test_a_report_of_a_document_that_does_not_exist(example: Path):
    from click.testing import CliRunner

    from undersigned.cli import cli

    campaign = example / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace(
        "question-political-prisoners, question-dzhakishev-tokmadi]",
        "question-political-prisoner, question-dzhakishev-tokmadi]"))
    result = CliRunner().invoke(cli, ["check", str(example)])
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(campaign.read_text().splitlines(), 1)
                if "question-political-prisoner," in text)
    assert (f"campaign.yaml:{line}:15: documents.announcement-2017.reports[2]: there is no "
            "letter or question 'question-political-prisoner' in the campaign; did you mean "
            "'question-political-prisoners'?") in result.output


def page_text(page) -> str:
    """The page's text as a reader sees it: no tags, no-break spaces as spaces."""
    import re

    return " ".join(re.sub(r"<[^>]+>", "", page.read_text()).replace("\xa0", " ").split())

