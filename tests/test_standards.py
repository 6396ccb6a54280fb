"""PDF standards, checked by tools that did not make the files.

- PDF/A-3a and PDF/UA-1 together (the default), PDF/A-3b (``pdf_standard: pdf/a-3b``,
  untagged) and PDF/UA-1 (``pdf_standard: pdf/ua-1``) by ``page-validation``, an
  independent conformance checker from PyPI (tests/test_accessible.py checks the tagged
  files in five languages, signed and unsigned);
- PDF syntax by qpdf, through pikepdf.

Rules the validator is known to get wrong would be listed in KNOWN_WRONG with
the reason; there are none here (one finding about files signed twice is the
validator's mistake, checked and explained in tests/test_accessible.py). Two
real findings were fixed in undersigned/pdf/ instead: WeasyPrint 70 compresses
the XMP metadata stream (PDF/A forbids a filter on it), and a compressed stream
ending in a CR byte made its /Length ambiguous before "endstream".
"""

from __future__ import annotations

from pathlib import Path

import page
import pikepdf
import pytest

from conftest import copy_example
from test_accessible import structure
from undersigned.batch.build import build

KNOWN_WRONG: dict[str, str] = {}
"""Validator rule id -> why that finding is the validator's mistake, not the PDF's."""


def findings(pdf: Path, profile: str) -> list[str]:
    report = page.validate_pdf(str(pdf), profile=profile)
    return [f"{f.rule_id}: {f.message}" for f in report.failures
            if f.rule_id not in KNOWN_WRONG]


def example_pdfs(root: Path) -> list[Path]:
    return sorted((root / "outputs").glob("*.pdf"))


def test_every_example_pdf_is_pdf_a_3a_and_pdf_ua_1(built_example):
    pdfs = example_pdfs(built_example)
    assert len(pdfs) == 8
    for pdf in pdfs:
        for profile in ("3a", "ua1"):
            assert findings(pdf, profile) == [], (pdf.name, profile)


def test_print_bundles_are_pdf_a_3a_and_pdf_ua_1(example):
    report = build(example, bundle=True, documents=["appeal-political-prisoners"], jobs=2)
    assert not report.failed
    bundle = example / "outputs" / "appeal-political-prisoners.bundle.pdf"
    assert findings(bundle, "3a") == [] and findings(bundle, "ua1") == []
    with pikepdf.open(bundle) as document:  # one list of the 13 Members per letter
        lists = [element for element in structure(document.Root.StructTreeRoot.K[0])
                 if element.get("/S") == "/L" and len(element.K) == 13]
        assert len(lists) == 3


def with_standard(root: Path, standard: str) -> Path:
    campaign = root / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace(
        "title: Political prisoners", f"pdf_standard: {standard}\ntitle: Political prisoners", 1))
    return root


@pytest.fixture(scope="module")
def untagged_example(tmp_path_factory) -> Path:
    root = with_standard(copy_example(tmp_path_factory.mktemp("3b") / "campaign"), "pdf/a-3b")
    report = build(root, jobs=2)
    assert not report.failed, [r.error for r in report.failed]
    return root


def test_pdf_a_3b_mode_passes_pdf_a_3b_untagged(untagged_example):
    pdfs = example_pdfs(untagged_example)
    assert len(pdfs) == 8
    for pdf in pdfs:
        assert findings(pdf, "3b") == [], pdf.name
        with pikepdf.open(pdf) as document:
            assert "/StructTreeRoot" not in document.Root


def test_pdf_ua_mode_passes_pdf_ua_1(example):
    with_standard(example, "pdf/ua-1")
    report = build(example, documents=["appeal-political-prisoners"], langs=["ru"], jobs=1)
    assert not report.failed, [r.error for r in report.failed]
    for pdf in example_pdfs(example):
        assert findings(pdf, "ua1") == [], pdf.name


def test_the_signature_fields_and_the_language_are_tagged(built_example):
    pdf = built_example / "outputs" / "appeal-political-prisoners.president.ru.pdf"
    with pikepdf.open(pdf) as document:
        root = document.Root
        assert str(root.Lang) == "ru"
        assert bool(root.MarkInfo.Marked) is True
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        forms = [element for element in structure(root.StructTreeRoot.K[0])
                 if element.get("/S") == "/Form"]
        assert len(forms) == 13
        assert str(forms[0].Alt) == "Signature of Pier Antonio PANZERI"


def test_every_example_pdf_has_clean_syntax(built_example, untagged_example):
    for pdf in example_pdfs(built_example) + example_pdfs(untagged_example):
        with pikepdf.open(pdf) as document:
            assert document.check_pdf_syntax() == [], pdf.name
