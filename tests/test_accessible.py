"""Accessible and archival in one file (issue 24): a letter and a written question in English,
Russian, French, Arabic and Chinese, unsigned and signed, checked by page-validation as both
PDF/A-3a and PDF/UA-1, and their structure read back with pikepdf as a screen reader would
walk it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import page
import pikepdf
import pytest
import yaml
from click.testing import CliRunner

from certs import make_authority, make_signer
from conftest import tiny_png

LANGS = ["en", "ru", "fr", "ar", "zh"]
KINDS = {"letter": "appeal.minister.{lang}.pdf", "question": "question.{lang}.pdf"}


def same(text: str) -> dict:
    return {"*": text}


CAMPAIGN = {
    "title": "Accessible",
    "sender": {"name": same("European Parliament"), "logo": "logo.png",
               "logo_alt": {lang: "Логотип Европейского парламента" if lang == "ru"
                            else "Logo of the European Parliament" for lang in LANGS},
               "lines": [same("Rue Wiertz 60 · 1047 Bruxelles")]},
    "recipients": {"minister": {
        "style": same("H.E."), "name": same("Jane Minister"),
        "position": same("Minister of Justice"), "address": [same("1 Example Street")],
        "salutation": same("Dear Minister,"), "languages": LANGS}},
    "documents": {
        "appeal": {
            "kind": "letter", "date": "2025-03-14", "place": same("Bruxelles"),
            "reference": "UA-01", "subject": same("Alex Example"), "case_text": "summary",
            "signatories": "members", "recipients": ["minister"], "languages": LANGS,
            "sign_on": {"stage": "final", "members": [
                {"member": member, "invited": "2025-03-01", "answer": "agreed",
                 "answered": "2025-03-03"} for member in ("example", "sample", "third",
                                                          "fourth")]},
            "cases": ["alex-example"], "intro": same("Alex Example."),
            "template": "letter-native.html",
            "requests": [same("Release Alex Example."), same("Let him see a lawyer.")],
            "closing": same("Alex Example.")},
        "question": {
            "kind": "question", "date": "2025-03-21", "term": 10,
            "addressee": "vp-hr", "signatories": "members", "authors": ["example"],
            "languages": LANGS, "cases": ["alex-example"], "subject": same("Alex Example"),
            "body": same("Alex Example."), "questions": [same("Alex Example?"),
                                                         same("When?")]},
    },
}
MEMBERS = {"term": 10, "signatories": [
    {"id": "example", "given": "Maria", "family": "Example", "country": "PT", "group": "S&D",
     "gender": "female", "signature_image": "signature.png"},
    {"id": "sample", "given": "Ivan", "family": "Sample", "country": "EE", "group": "PPE"},
    {"id": "third", "given": "Anna", "family": "Third", "country": "FR", "group": "Renew"},
    {"id": "fourth", "given": "Jan", "family": "Fourth", "country": "BE", "group": "Verts/ALE"}]}
CASE = {"people": [{"name": "Alex Example", "native": "Алекс Пример", "title": "Mr"}],
        "category": "journalist", "status": "serving-sentence", "arrested": "2024-05-17",
        "summary": same("Alex Example.")}


NATIVE_TEMPLATE = """{% extends "builtin/letter.html" %}
{% block intro %}{% for case in cases %}{% for person in case.people %}
<p>{{ person.name }} ({{ person.native_html }})</p>{% endfor %}{% endfor %}{% endblock %}
"""
"""A letter that prints each person's native spelling beside the copy's."""


def write_campaign(root: Path, campaign: dict = CAMPAIGN) -> Path:
    (root / "signatories").mkdir(parents=True)
    (root / "cases").mkdir()
    (root / "campaign.yaml").write_text(yaml.safe_dump(campaign, allow_unicode=True,
                                                       sort_keys=False))
    (root / "signatories" / "members.yaml").write_text(json.dumps(MEMBERS))
    (root / "cases" / "alex-example.yaml").write_text(json.dumps(CASE, ensure_ascii=False))
    (root / "templates").mkdir()
    (root / "templates" / "letter-native.html").write_text(NATIVE_TEMPLATE)
    tiny_png(root / "logo.png")
    tiny_png(root / "signature.png", 80, 30, rgb=(0, 0, 90))
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Each (kind, language) rendered once, and two signed copies of letters: an English one
    signed once, with an image, and an Arabic one signed twice."""
    from undersigned.batch.build import build
    from undersigned.signing import sign_letter

    root = write_campaign(tmp_path_factory.mktemp("accessible") / "campaign")
    report = build(root)
    assert not report.failed, [r.error for r in report.failed]
    keys = tmp_path_factory.mktemp("keys")
    authority = make_authority(keys)
    maria = make_signer(keys, authority, "Maria Example", 10)
    ivan = make_signer(keys, authority, "Ivan Sample", 11)
    outputs = root / "outputs"
    once, twice = outputs / "signed-once.en.pdf", outputs / "signed-twice.ar.pdf"
    shutil.copyfile(outputs / "appeal.minister.en.pdf", once)
    shutil.copyfile(outputs / "appeal.minister.ar.pdf", twice)
    sign_letter(once, "example", maria, b"secret", image=root / "signature.png")
    sign_letter(twice, "example", maria, b"secret")
    sign_letter(twice, "sample", ivan, b"secret")
    return outputs


def failures(pdf: Path, profile: str) -> list[str]:
    """page-validation's findings, but one it is known to get wrong (see
    ``earlier_revision_signature``)."""
    report = page.validate_pdf(str(pdf), profile=profile)
    return [f"{f.rule_id}: {f.message}" for f in report.failures
            if not (f.rule_id.endswith("-SIGNATURE-BYTERANGE-001")
                    and earlier_revision_signature(pdf, f.object_id.object_number))]


def earlier_revision_signature(pdf: Path, number: int) -> bool:
    """Whether signature dictionary ``number`` was added by an incremental update that a
    later one follows, and its /ByteRange covers exactly the file up to the end of that
    update (its ``%%EOF`` and end-of-line), but for its own /Contents.

    page-validation asks every signature's range to reach the end of the file, which only
    the last signature of a file signed twice can do: the first one signed the file as it
    was. ISO 32000-2 (12.8.1, with its errata) wants the range of a signature to end at the
    %%EOF of the update that added it, which is what this checks; ISO 19005-3 (6.4.3) asks
    no more."""
    data = pdf.read_bytes()
    with pikepdf.open(pdf) as document:
        signature = document.get_object(number, 0)
        start, before, after, length = (int(v) for v in signature.ByteRange)
    ends = [m.end() for m in re.finditer(rb"%%EOF\r?\n?", data)]
    contents = data[before:after]
    return (start == 0 and after + length in ends[:-1]
            and contents.startswith(b"<") and contents.endswith(b">"))


PDFS = [KINDS[kind].format(lang=lang) for kind in KINDS for lang in LANGS]


@pytest.mark.parametrize("name", PDFS + ["signed-once.en.pdf", "signed-twice.ar.pdf"])
def test_every_copy_is_pdf_a_3a_and_pdf_ua_1(built, name):
    for profile in ("3a", "ua1"):
        assert failures(built / name, profile) == [], (name, profile)


def structure(element, found=None) -> list:
    """Every structure element under ``element``, depth first: reading order."""
    found = [] if found is None else found
    if isinstance(element, pikepdf.Dictionary) and "/S" in element:
        found.append(element)
        kids = element.get("/K")
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
            structure(kid, found)
    return found


def tree(pdf) -> list:
    return structure(pdf.Root.StructTreeRoot.K[0])


def test_the_document_says_its_language_and_shows_its_title(built):
    for lang in LANGS:
        with pikepdf.open(built / f"appeal.minister.{lang}.pdf") as pdf:
            assert str(pdf.Root.Lang) == lang
            assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
            assert bool(pdf.Root.MarkInfo.Marked) is True
            assert b"<pdfuaid:part>1</pdfuaid:part>" in pdf.Root.Metadata.read_bytes()


def test_a_name_in_another_script_carries_its_language(built):
    """A Latin name in an Arabic, Russian or Chinese letter is read as Latin, the Cyrillic
    native name in the others as Russian; in the Russian letter that native name is in the
    letter's own script and needs none."""
    expected = {"en": {"ru": 1}, "fr": {"ru": 1}, "ru": {"en": 4},
                "ar": {"en": 5, "ru": 1}, "zh": {"en": 5, "ru": 1}}
    for lang in LANGS:
        with pikepdf.open(built / f"appeal.minister.{lang}.pdf") as pdf:
            langs = [str(e.Lang) for e in tree(pdf) if "/Lang" in e and e.S != "/Form"]
            # The four Members' names and the case's Latin name where the script differs.
            assert {code: langs.count(code) for code in set(langs)} == expected[lang], lang


def test_headings_and_lists_are_real_ones(built):
    with pikepdf.open(built / "appeal.minister.en.pdf") as pdf:
        tags = [str(e.S) for e in tree(pdf)]
        assert tags.count("/H1") == 1  # the subject
        assert tags.count("/L") == 3  # the case, the requests, the Members
    with pikepdf.open(built / "question.en.pdf") as pdf:
        tags = [str(e.S) for e in tree(pdf)]
        assert (tags.count("/H1"), tags.count("/H2"), tags.count("/L")) == (1, 1, 1)
        [questions] = [e for e in tree(pdf) if e.S == "/L"]
        assert len([kid for kid in questions.K if kid.S == "/LI"]) == 2


def test_the_signature_block_is_one_list_of_the_members_in_order(built_example):
    """Thirteen Members in five rows of boxes are read as one list, each item with the
    Member's signature field first, named for them, and their name in Latin script."""
    from test_signing import IDS

    pdf_path = built_example / "outputs" / "appeal-political-prisoners.president.ru.pdf"
    with pikepdf.open(pdf_path) as pdf:
        lists = [e for e in tree(pdf)
                 if e.S == "/L" and any(k.S == "/Form" for k in structure(e))]
        assert len(lists) == 1
        items = [kid for kid in lists[0].K if kid.S == "/LI"]
        assert len(items) == 13
        names = [str(k.Alt) for item in items for k in structure(item) if k.S == "/Form"]
        assert {str(k.Lang) for item in items for k in structure(item) if k.S == "/Form"} \
            == {"en"}
        fields = {str(w.T): str(w.TU) for page in pdf.pages for w in page.get("/Annots", [])
                  if w.get("/FT") == "/Sig"}
        assert names == [fields[f"sig-{i}"] for i in IDS]
        assert names[0] == "Signature of Pier Antonio PANZERI"
        assert all(any(str(k.get("/Lang", "")) == "en" for k in structure(item))
                   for item in items)


def test_the_logo_and_the_signature_images_have_alternative_text(built):
    with pikepdf.open(built / "signed-once.en.pdf") as pdf:
        figures = [str(e.get("/Alt", "")) for e in tree(pdf) if e.S == "/Figure"]
        assert figures == ["Logo of the European Parliament", "Signature: Maria EXAMPLE"]
        forms = [str(e.Alt) for e in tree(pdf) if e.S == "/Form"]
        assert forms[0] == "Signature of Maria EXAMPLE"  # the field signed with an image
    with pikepdf.open(built / "appeal.minister.ru.pdf") as pdf:
        figures = [str(e.get("/Alt", "")) for e in tree(pdf) if e.S == "/Figure"]
        assert figures[0] == "Логотип Европейского парламента"


PAINTING = {"Tj", "TJ", "'", '"', "Do", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh",
            "BI"}


def untagged_operations(pdf_page) -> list[str]:
    """The drawing operators of a page outside any marked content (neither tagged content
    nor an artifact): what a screen reader would meet without structure."""
    depth, found = 0, []
    for operands, operator in pikepdf.parse_content_stream(pdf_page):
        name = str(operator)
        if name in ("BMC", "BDC"):
            depth += 1
        elif name == "EMC":
            depth -= 1
        elif name in PAINTING and depth == 0:
            found.append(name)
    return found


@pytest.mark.parametrize("name", PDFS)
def test_no_page_has_untagged_content(built, name):
    with pikepdf.open(built / name) as pdf:
        assert [untagged_operations(p) for p in pdf.pages] == [[]] * len(pdf.pages)


def only_english(campaign: dict) -> None:
    """The campaign reduced to its English letter."""
    campaign["documents"]["appeal"]["languages"] = ["en"]
    campaign["recipients"]["minister"]["languages"] = ["en"]
    del campaign["documents"]["question"]


def test_the_page_furniture_and_a_drafts_mark_are_artifacts(tmp_path):
    """Page numbers, the reference and the draft's mark at the top of every page are drawn
    as artifacts: present on the page, absent from what is read."""
    from undersigned.batch.build import build

    campaign = json.loads(json.dumps(CAMPAIGN))
    campaign["documents"]["appeal"]["sign_on"]["stage"] = "draft"
    only_english(campaign)
    root = write_campaign(tmp_path / "campaign", campaign)
    report = build(root)
    assert not report.failed, [r.error for r in report.failed]
    [pdf_path] = (root / "outputs").glob("*.pdf")
    assert failures(pdf_path, "3a") == [] and failures(pdf_path, "ua1") == []
    with pikepdf.open(pdf_path) as pdf:
        for pdf_page in pdf.pages:
            # Text in artifacts on each page: the draft's mark, the reference, "Page 1 of 1".
            assert artifact_text_runs(pdf_page) == 3
            assert untagged_operations(pdf_page) == []


def artifact_text_runs(pdf_page) -> int:
    """How many artifacts of the page show text."""
    inside, runs, shown = [], 0, False
    for operands, operator in pikepdf.parse_content_stream(pdf_page):
        name = str(operator)
        if name in ("BMC", "BDC"):
            inside.append(str(operands[0]))
            shown = False
        elif name == "EMC":
            if inside.pop() == "/Artifact" and shown:
                runs += 1
            shown = False
        elif name in ("Tj", "TJ") and inside and inside[-1] == "/Artifact":
            shown = True
    return runs


def test_check_asks_for_the_logos_text_alternative(tmp_path):
    from undersigned.cli import cli

    campaign = json.loads(json.dumps(CAMPAIGN))
    del campaign["sender"]["logo_alt"]
    root = write_campaign(tmp_path / "campaign", campaign)
    line = (root / "campaign.yaml").read_text().splitlines().index("  logo: logo.png") + 1
    result = CliRunner().invoke(cli, ["check", str(root)])
    assert result.exit_code == 1
    assert (f"campaign.yaml:{line}:3: sender.logo: a logo needs a text alternative, read to "
            "those who cannot see it: add logo_alt under sender (what the logo says, e.g. "
            "the senders' name)") in result.output


def test_pdf_a_3b_stays_for_an_untagged_file(tmp_path):
    from undersigned.batch.build import build

    campaign = json.loads(json.dumps(CAMPAIGN))
    campaign["pdf_standard"] = "pdf/a-3b"
    only_english(campaign)
    root = write_campaign(tmp_path / "campaign", campaign)
    report = build(root)
    assert not report.failed, [r.error for r in report.failed]
    pdf_path = root / "outputs" / "appeal.minister.en.pdf"
    assert failures(pdf_path, "3b") == []
    with pikepdf.open(pdf_path) as pdf:
        assert "/StructTreeRoot" not in pdf.Root
        assert b"pdfuaid" not in pdf.Root.Metadata.read_bytes()


def test_signing_keeps_the_metadata_as_written(built):
    """pyHanko would rewrite the XMP metadata in a form PDF/A refuses, with the clock's time;
    a signed copy keeps the letter's own (undersigned.pdf.compat.metadata_kept)."""
    with pikepdf.open(built / "appeal.minister.ar.pdf") as unsigned, \
            pikepdf.open(built / "signed-twice.ar.pdf") as signed:
        assert signed.Root.Metadata.read_bytes() == unsigned.Root.Metadata.read_bytes()


def test_the_new_workarounds_refuse_library_versions_they_were_not_written_for(monkeypatch):
    import weasyprint

    from undersigned.pdf import compat

    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(compat.UnsupportedVersion, match=r"^WeasyPrint 71\.0: the tagging fixes"):
        compat.tagging_fixes.__wrapped__()
    monkeypatch.setattr(compat, "_pyhanko_version", lambda: "0.39.0")  # read once, cached
    with pytest.raises(compat.UnsupportedVersion, match=r"^pyHanko 0\.39\.0: the metadata fix"):
        compat.metadata_kept(object())
    with pytest.raises(compat.UnsupportedVersion,
                       match=r"^pyHanko 0\.39\.0: the object-stream index"):
        compat.object_streams_indexed(object())


def test_a_name_is_given_the_language_of_its_script():
    from undersigned.model.voices import name_lang

    assert name_lang("Макс Бокаев", "en") == "ru"  # a Cyrillic native name in English
    assert name_lang("Pier Antonio PANZERI", "ar") == "en"
    assert name_lang("Pier Antonio PANZERI", "fr") is None
    assert name_lang("Макс Бокаев", "kk") is None
    assert name_lang("王", "ja") is None and name_lang("王", "en") == "zh"


def test_an_image_with_an_empty_alt_is_decoration(tmp_path):
    """``alt=""`` says an image is decoration, as in HTML: drawn as an artifact, not a
    figure without a text alternative (which PDF/UA refuses, and WeasyPrint with it)."""
    from undersigned.pdf.writer import render_pdf

    tiny_png(tmp_path / "rule.png")
    html = ('<html lang="en"><head><title>T</title></head><body><p>Text</p>'
            '<img src="rule.png" alt=""></body></html>')
    pdf_path = tmp_path / "decorated.pdf"
    pdf_path.write_bytes(render_pdf(html, tmp_path, "decorated"))
    assert failures(pdf_path, "3a") == [] and failures(pdf_path, "ua1") == []
    with pikepdf.open(pdf_path) as pdf:
        assert [e for e in tree(pdf) if e.S == "/Figure"] == []
        assert untagged_operations(pdf.pages[0]) == []


def test_check_asks_for_the_text_alternative_of_a_templates_image(tmp_path):
    """A campaign template's image without alt would fail the tagged build: check says so,
    naming the template and the copy."""
    from undersigned.cli import cli

    campaign = json.loads(json.dumps(CAMPAIGN))
    only_english(campaign)
    root = write_campaign(tmp_path / "campaign", campaign)
    (root / "templates" / "letter-native.html").write_text(
        '{% extends "builtin/letter.html" %}{% block intro %}<img src="logo.png">'
        '{% endblock %}')
    result = CliRunner().invoke(cli, ["check", str(root)])
    assert result.exit_code == 1
    assert ("templates/letter-native.html: appeal.minister.en: an image ('logo.png') has no "
            "alt attribute: a tagged PDF needs its text alternative; give it alt=\"what it "
            "shows\", or alt=\"\" if it is decoration\n") in result.output
