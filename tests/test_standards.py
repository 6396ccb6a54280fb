"""PDF standards, checked by tools that did not make the files.

- PDF/A-3b (the default) and PDF/UA-1 (``pdf_standard: pdf/ua-1``) by
  ``page-validation``, an independent conformance checker from PyPI;
- PDF syntax by qpdf, through pikepdf.

Rules the validator is known to get wrong would be listed in KNOWN_WRONG with
the reason; there are none. Two real findings were fixed in undersigned/pdf.py
instead: WeasyPrint 70 compresses the XMP metadata stream (PDF/A forbids a
filter on it), and a compressed stream ending in a CR byte made its /Length
ambiguous before "endstream".
"""

from __future__ import annotations

from pathlib import Path

import page
import pikepdf
import pytest

from conftest import copy_example
from undersigned.batch.build import build

KNOWN_WRONG: dict[str, str] = {}
"""Validator rule id -> why that finding is the validator's mistake, not the PDF's."""


def findings(pdf: Path, profile: str) -> list[str]:
    report = page.validate_pdf(str(pdf), profile=profile)
    return [f"{f.rule_id}: {f.message}" for f in report.failures
            if f.rule_id not in KNOWN_WRONG]


def example_pdfs(root: Path) -> list[Path]:
    return sorted((root / "outputs").glob("*.pdf"))


def test_every_example_pdf_is_pdf_a_3b(built_example):
    pdfs = example_pdfs(built_example)
    assert len(pdfs) == 8
    for pdf in pdfs:
        assert findings(pdf, "3b") == [], pdf.name


def test_print_bundles_are_pdf_a_3b(example):
    report = build(example, bundle=True, documents=["appeal-political-prisoners"], jobs=2)
    assert not report.failed
    assert findings(example / "outputs" / "appeal-political-prisoners.bundle.pdf", "3b") == []


@pytest.fixture(scope="module")
def accessible_example(tmp_path_factory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("ua") / "campaign")
    campaign = root / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace(
        "title: Political prisoners", "pdf_standard: pdf/ua-1\ntitle: Political prisoners", 1))
    report = build(root, jobs=2)
    assert not report.failed, [r.error for r in report.failed]
    return root


def test_pdf_ua_mode_passes_pdf_ua_1(accessible_example):
    pdfs = example_pdfs(accessible_example)
    assert len(pdfs) == 8
    for pdf in pdfs:
        assert findings(pdf, "ua1") == [], pdf.name


def test_pdf_ua_mode_tags_the_signature_fields_and_the_language(accessible_example):
    pdf = accessible_example / "outputs" / "appeal-political-prisoners.president.ru.pdf"
    with pikepdf.open(pdf) as document:
        root = document.Root
        assert str(root.Lang) == "ru"
        assert bool(root.MarkInfo.Marked) is True
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        forms = [kid for kid in root.StructTreeRoot.K[0].K
                 if isinstance(kid, pikepdf.Dictionary) and kid.get("/S") == "/Form"]
        assert len(forms) == 13
        assert str(forms[0].Alt) == "Signature of Pier Antonio PANZERI"


def test_every_example_pdf_has_clean_syntax(built_example, accessible_example):
    for pdf in example_pdfs(built_example) + example_pdfs(accessible_example):
        with pikepdf.open(pdf) as document:
            assert document.check_pdf_syntax() == [], pdf.name
