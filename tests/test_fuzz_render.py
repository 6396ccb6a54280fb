"""Property tests over rendering: whatever text the data holds, the result is a valid PDF
or undersigned's own error, never another exception, and the text is printed, not run.

UNDERSIGNED_FUZZ_EXAMPLES sets how many examples each property tries (default 20);
the README records the longer campaign that was run once.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import copy_example
from undersigned.campaign.html import render_html
from undersigned.campaign import load_campaign
from undersigned.errors import UndersignedError
from undersigned.pdf.writer import render_pdf
from undersigned.campaign.plan import plan_outputs

EXAMPLES = int(os.environ.get("UNDERSIGNED_FUZZ_EXAMPLES", "20"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Text as people paste it: any printable character, markup and template syntax included.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               min_size=1, max_size=300)
MARKUP = st.sampled_from(["<script>alert(1)</script>", "{{ 7 * 7 }}", "{% raw %}", "</style>",
                          "![x](file:///etc/passwd)", "[a](javascript:alert(1))", "\u202e",
                          "\u200b", "&amp;", "*", "_", "`", "# ", "> ", "1. ", "\\", "'\""])
PASTED = st.lists(st.one_of(TEXT, MARKUP), min_size=1, max_size=4).map("".join)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Path:
    return copy_example(tmp_path_factory.mktemp("fuzz") / "campaign")


def yaml_quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    escaped = "".join(c if c.isprintable() or c == " " else f"\\u{ord(c):04x}"
                      if ord(c) < 0x10000 else f"\\U{ord(c):08x}" for c in escaped)
    return f'"{escaped}"'


def with_question_body(campaign: Path, body: str, tmp: Path) -> Path:
    root = tmp / "c"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(campaign, root)
    text = (root / "campaign.yaml").read_text()
    start = text.index("    body: >-\n      On 19 October 2017")
    end = text.index("    questions:\n", start)
    (root / "campaign.yaml").write_text(text[:start] + f"    body: {yaml_quoted(body)}\n"
                                        + text[end:])
    return root


@FUZZ
@given(body=PASTED)
def test_any_question_text_renders_or_fails_with_our_error(campaign, tmp_path, body):
    root = with_question_body(campaign, body, tmp_path)
    try:
        loaded = load_campaign(root)
        [output] = plan_outputs(loaded, documents=["question-political-prisoners"])
        html = render_html(loaded, output)
        pdf = render_pdf(html, loaded.root, output.label)
    except UndersignedError:
        return
    assert pdf.startswith(b"%PDF-")
    printed = html.split("<body>", 1)[1]
    assert "<script" not in printed  # markup in data is text, never an element
    assert "<img" not in printed  # nor an image to fetch
    if "{{ 7 * 7 }}" in body and "49" not in body:
        assert "49" not in printed  # template syntax in data is never evaluated


@FUZZ
@given(name=PASTED, role=PASTED)
def test_any_signatory_name_and_role_render_or_fail_with_our_error(campaign, tmp_path, name,
                                                                    role):
    root = tmp_path / "c"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(campaign, root)
    path = root / "signatories" / "meps-2017.yaml"
    text = path.read_text().replace("    given: Brando\n", f"    given: {yaml_quoted(name)}\n")
    text = text.replace("    family: Benifei\n",
                        f"    family: Benifei\n    roles: [{yaml_quoted(role)}]\n")
    path.write_text(text)
    try:
        loaded = load_campaign(root)
        [output] = plan_outputs(loaded, documents=["appeal-dzhakishev-tokmadi"],
                                recipients=["president"], langs=["en"])
        pdf = render_pdf(render_html(loaded, output), loaded.root, output.label)
    except UndersignedError:
        return
    assert pdf.startswith(b"%PDF-")
