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
    assert "  6 documents: 2 letters, 2 written questions, 1 announcement, 1 memo" in check.output
    assert "a build would write 18 files (10 PDFs, 2 web pages, 6 text exports)" in check.output

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
    assert ("documents.question-political-prisoners.kind: expected one of letter, question, announcement, "
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


def _lint_copy(tmp_path: Path) -> Path:
    """A copy of the package and its contracts, to break on purpose."""
    shutil.copytree(REPO / "undersigned", tmp_path / "undersigned",
                    ignore=shutil.ignore_patterns("__pycache__", "fonts", "catalogues"))
    shutil.copyfile(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize("module, code, broken", [
    ("model/peek.py", "from ..cli import app\n", "Stages only look down"),
    ("mail/peek.py", "from . import deliver\n", "Mail: sending letters"),
    ("kinds/peek.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
     "    from ..campaign.load import LoadedCampaign\n", "Stages only look down"),
    ("tables/extra.py", "X = 1\n", "Tables: rows above reading"),
])
def test_a_module_that_breaks_a_layer_or_is_not_placed_fails_the_contracts(tmp_path, module,
                                                                              code, broken):
    """A new module must respect the layers (type-only imports count) and, in a container
    marked exhaustive, be placed in one."""
    root = _lint_copy(tmp_path)
    (root / "undersigned" / module).write_text(code)
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    result = subprocess.run([lint, "--no-cache"], cwd=root, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(root)})
    assert result.returncode == 1, result.stdout
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout


def test_third_party_internals_are_bounded_and_guarded():
    """Every library whose internals are used has an upper bound, and the WeasyPrint
    releases undersigned supports are said in one place that pyproject.toml agrees with."""
    import tomllib

    from undersigned.errors import UnsupportedVersion
    from undersigned.pdf.compat import WEASYPRINT_VERSIONS
    from undersigned.render.compat import check_jinja

    requirements = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    bounded = {r.split(">")[0].split("<")[0]: r for r in requirements}
    for library in ("jinja2", "openpyxl", "pyhanko", "pydantic", "weasyprint"):
        assert "<" in bounded[library], bounded[library]
    assert WEASYPRINT_VERSIONS == ("70.",) and bounded["weasyprint"] == "weasyprint>=70,<71"
    with pytest.raises(UnsupportedVersion, match=r"^Jinja 3\.2\.0: the sandbox's bounds"):
        check_jinja("3.2.0")
    check_jinja("3.1.6")


def test_no_function_is_longer_than_80_lines():
    import ast

    long = []
    for path in sorted((REPO / "undersigned").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > 80:
                    long.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.name} "
                                f"({length} lines)")
    assert long == []
