"""The seams of the code: one plan decides what is produced, kinds are plug-ins, layers
only look down, third-party workarounds are contained. Includes the regressions the
restructuring fixed (a stale text export and a stale bundle that builds called current).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import REPO, pdf_text
from undersigned.cli import cli

QUESTION = "question-political-prisoners"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


# --- regressions ----------------------------------------------------------------------


def test_a_text_export_follows_the_template_it_falls_back_to(example):
    """A question with its own HTML template and no text variant uses question.txt; a
    question.txt added to the campaign then changes the export, so the export is stale."""
    campaign = example / "campaign.yaml"
    text = campaign.read_text()
    anchor = f"  {QUESTION}:\n    kind: question\n"
    assert anchor in text
    campaign.write_text(text.replace(anchor, anchor + "    template: my-question.html\n"))
    (example / "templates" / "my-question.html").write_text(
        '{% extends "builtin/question.html" %}\n')
    assert run("build", str(example), "-d", QUESTION, "-j", "1").exit_code == 0
    export = example / "outputs" / f"{QUESTION}.en.txt"
    assert "Question for written answer" in export.read_text()

    (example / "templates" / "question.txt").write_text("CAMPAIGN EXPORT: {{ document.subject_line }}\n")
    status = run("status", str(example), "-d", QUESTION)
    assert status.output.splitlines()[0] == f"stale       {QUESTION}.en.pdf, {QUESTION}.en.txt"
    result = run("build", str(example), "-d", QUESTION, "-j", "1")
    assert result.exit_code == 0, result.output
    assert "1 built, 0 up to date" in result.output
    assert export.read_text().startswith("CAMPAIGN EXPORT: VP/HR — Political prisoners")


def test_a_bundle_is_kept_current_and_listed_once_it_exists(example):
    document = "appeal-dzhakishev-tokmadi"
    assert run("build", str(example), "-d", document, "--bundle", "-j", "2").exit_code == 0
    bundle = example / "outputs" / f"{document}.bundle.pdf"
    assert "Muratkhan Tokmadi" in pdf_text(bundle)

    case = example / "cases" / "tokmadi.yaml"
    case.write_text(case.read_text().replace("name: Muratkhan Tokmadi", "name: Muratkhan Tokmadiyev"))
    status = run("status", str(example), "-d", document)
    assert status.exit_code == 1
    assert f"stale       {document}.bundle.pdf" in status.output.splitlines()
    result = run("build", str(example), "-d", document, "-j", "2")  # no --bundle
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[3] == f"[4/4] {bundle}"
    assert "Muratkhan Tokmadiyev" in pdf_text(bundle)
    status = run("status", str(example), "-d", document)
    assert status.output.splitlines()[-1] == "4 up-to-date"


def test_a_bundle_holds_every_copy_of_its_document_whatever_the_filters(example):
    document = "appeal-dzhakishev-tokmadi"
    result = run("build", str(example), "-d", document, "--lang", "en", "--bundle", "-j", "1")
    assert result.exit_code == 0, result.output
    reader = PdfReader(example / "outputs" / f"{document}.bundle.pdf")
    assert [item.title[-4:] for item in reader.outline] == ["(en)", "(ru)", "(ru)"]


def test_hypothesis_runs_derandomized_without_any_environment_variable(request):
    from hypothesis import settings

    profile = settings.default
    if request.config.getoption("--long-random") or os.environ.get(
            "UNDERSIGNED_HYPOTHESIS_PROFILE") == "long":
        assert not profile.derandomize
    else:
        assert profile.derandomize and profile.database is None


def _readme_command(marker: str) -> str:
    """The shell command of the README's first code block that starts with ``marker``."""
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    return next(b.strip() for b in blocks if b.startswith(marker))


def test_the_readme_test_command_is_the_one_ci_runs():
    """A newcomer runs what CI runs: the README's second command is .ci/run's last line,
    and neither sets an environment variable."""
    command = _readme_command("scripts/bootstrap --test")
    ci = (REPO / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert command == ci == "scripts/bootstrap --test && .venv/bin/python -m pytest"
    addopts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"]["addopts"]
    assert "--durations=20" in addopts.split()  # CI's output lists the slowest 20 tests


# --- document kinds as plug-ins -------------------------------------------------------


@pytest.fixture
def memo_kind(monkeypatch):
    """The test kind in the kind table, and nowhere else."""
    import memo_kind
    from undersigned.kinds import KINDS

    monkeypatch.setitem(KINDS, "memo", memo_kind.KIND)
    return memo_kind.KIND


def test_a_third_kind_needs_only_its_module_and_the_table(example, memo_kind):
    campaign = example / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace("documents:\n", """documents:
  briefing:
    kind: memo
    date: 2017-10-18
    signatories: meps-2017
    cases: [tokmadi]
    languages: [en, ru]
    subject:
      en: Briefing on the October appeal
      ru: Справка об октябрьском обращении
    body:
      en: The letters go out **tomorrow**.
      ru: Письма уходят **завтра**.
""", 1))
    (example / "templates" / "memo.html").write_text(
        '{% extends "builtin/base.html" %}{% block content %}<h1>{{ document.subject }}</h1>'
        '{{ document.body }}{% for case in cases %}<p>{{ case.name }}</p>{% endfor %}'
        '{% endblock %}')
    (example / "templates" / "memo.md").write_text("# {{ document.subject }}\n")

    check = run("check", str(example))
    assert check.exit_code == 0, check.output
    assert "  5 documents: 2 letters, 2 written questions, 1 memo" in check.output
    assert "a build would write 14 files (10 PDFs, 4 text exports)" in check.output

    result = run("build", str(example), "-d", "briefing", "-j", "1")
    assert result.exit_code == 0, result.output
    out = example / "outputs"
    assert "Письма уходят завтра." in pdf_text(out / "briefing.ru.pdf")
    assert "Муратхан Токмади" in pdf_text(out / "briefing.ru.pdf")
    assert PdfReader(out / "briefing.en.pdf").metadata.title == "Briefing on the October appeal"
    assert (out / "briefing.en.md").read_text() == "# Briefing on the October appeal\n"
    assert run("status", str(example), "-d", "briefing").output.splitlines() == [
        "up-to-date  briefing.en.pdf, briefing.en.md",
        "up-to-date  briefing.ru.pdf, briefing.ru.md", "2 up-to-date"]


def test_a_document_of_no_kind_names_every_kind(example, memo_kind):
    campaign = example / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace("    kind: question\n", "    kind: memoo\n", 1))
    result = run("check", str(example))
    assert result.exit_code == 1
    assert ("documents.question-political-prisoners.kind: expected one of letter, question, "
            "memo; got 'memoo'; did you mean 'memo'?") in result.stderr


# --- third-party workarounds ----------------------------------------------------------


def test_a_stream_whose_data_ends_in_cr_gets_an_unambiguous_end_of_line():
    import pydyf

    from undersigned.pdf.compat import unambiguous_stream_ends

    unambiguous_stream_ends()
    assert pydyf.Stream([b"abc\r"], compress=False).data.endswith(
        b"<</Length 4>>\nstream\nabc\r\r\nendstream")
    assert pydyf.Stream([b"abc"], compress=False).data.endswith(
        b"<</Length 3>>\nstream\nabc\nendstream")


def test_workarounds_refuse_library_versions_they_were_not_written_for(monkeypatch):
    import pydyf
    import weasyprint

    from undersigned.pdf import compat

    monkeypatch.setattr(pydyf, "__version__", "1.0.0")
    with pytest.raises(compat.UnsupportedVersion, match=r"^pydyf 1\.0\.0: the stream-end fix"):
        compat.unambiguous_stream_ends.__wrapped__()
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(compat.UnsupportedVersion, match=r"^WeasyPrint 71\.0: the layout"):
        compat.page_box(object())


def test_the_page_box_lookup_finds_laid_out_elements(tmp_path):
    from undersigned.pdf.boxes import element_boxes
    from undersigned.pdf.writer import layout

    html = ("<style>@page{size:200px 200px;margin:0} body{margin:0} p{margin:0;height:20px}"
            "</style>"
            "<div class='mark' id='a' style='height:50px'>x</div>"
            "<div class='mark' id='b'>" + "<p>y</p>" * 20 + "</div>")
    document = layout(html, tmp_path, "boxes test")
    boxes = element_boxes(document, "mark")
    assert [(b.page, b.element_id) for b in boxes] == [(0, "a"), (0, "b"), (1, "b"), (2, "b")]
    assert (boxes[0].y, boxes[0].height, boxes[1].y) == (0, 50, 50)


# --- layers ---------------------------------------------------------------------------


def test_the_layer_contracts_hold():
    """No import cycles, and each layer imports only the layers below it (pyproject.toml)."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the test dependencies"
    result = subprocess.run([lint, "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
