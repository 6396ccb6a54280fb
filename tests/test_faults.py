"""Fault injection: a full disk, a read-only output folder, a template deleted mid-build,
a render that never ends. Each gives a clear message; no existing output is lost."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import undersigned.files as build_module
from undersigned.batch.build import build
from undersigned.batch.workers import Job, Renderer
from undersigned.campaign import load_campaign
from undersigned.cli import cli
from undersigned.campaign.plan import plan_outputs

QUESTION = "question-political-prisoners"
QUESTION_PDF = f"{QUESTION}.en.pdf"


@pytest.fixture
def built_question(example) -> Path:
    report = build(example, documents=[QUESTION], jobs=1)
    assert not report.failed
    return example


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (root / "outputs").iterdir() if p.is_file()}


def failing_fdopen(code: int):
    """An os.fdopen whose files fail to write with ``code`` (ENOSPC, EROFS ...)."""
    real = os.fdopen

    class Failing:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[: len(data) // 3])  # part of it gets to the disk
            raise OSError(code, os.strerror(code))

    def fdopen(fd, *args, **kwargs):
        return Failing(real(fd, *args, **kwargs))

    return fdopen


def test_a_full_disk_fails_each_output_clearly_and_keeps_what_was_there(built_question,
                                                                         monkeypatch):
    before = snapshot(built_question)
    path = built_question / "signatories" / "meps-2017.yaml"
    path.write_text(path.read_text().replace("given: Brando", "given: Brando Maria"))
    monkeypatch.setattr(build_module.os, "fdopen", failing_fdopen(errno.ENOSPC))
    result = CliRunner().invoke(cli, ["build", str(built_question), "-d", QUESTION, "-j", "1"])
    assert result.exit_code == 1
    out = built_question / "outputs"
    # The text export is written first, the PDF last (its record and rename end the write).
    assert (f"  {QUESTION}.en: cannot write {out / (QUESTION + '.en.txt')}: No space left on "
            "device" in result.stderr.splitlines())
    # The manifest did not change (the output failed), so it is not written: no error.
    assert "manifest.json" not in result.stderr
    assert snapshot(built_question) == before  # nothing corrupted, nothing lost
    assert not list(out.glob(".*.part"))  # no half-written temporary files left
    monkeypatch.undo()
    again = build(built_question, documents=[QUESTION], jobs=1)
    assert [r.action for r in again.results] == ["built"]
    assert PdfReader(out / QUESTION_PDF).pages


def test_a_read_only_output_folder_is_reported_and_nothing_changes(built_question, monkeypatch):
    before = snapshot(built_question)
    real = build_module.tempfile.mkstemp

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(kwargs.get("dir", "")))

    monkeypatch.setattr(build_module.tempfile, "mkstemp", read_only)
    report = build(built_question, documents=[QUESTION], jobs=1, force=True)
    [result] = report.results
    assert result.action == "failed"
    assert result.error == (f"{QUESTION}.en: cannot write {built_question / 'outputs'}: "
                            "Read-only file system")
    assert report.manifest_error is None  # the manifest did not change: nothing to write
    assert snapshot(built_question) == before
    monkeypatch.setattr(build_module.tempfile, "mkstemp", real)


def test_an_output_folder_that_cannot_be_created_is_a_clear_error(example):
    (example / "outputs").write_text("a file where the folder should be")
    result = CliRunner().invoke(cli, ["build", str(example), "-d", QUESTION])
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot write to {example / 'outputs'}: File exists\n"
    assert (example / "outputs").read_text() == "a file where the folder should be"


def test_a_template_deleted_during_the_build_fails_its_outputs_only(example):
    template = example / "templates" / "letter-appeal.html"

    def delete_template(plan, total):
        template.unlink()

    report = build(example, documents=["appeal-political-prisoners", QUESTION], langs=["en"],
                   jobs=1, on_start=delete_template)
    outcomes = {r.label: (r.action, r.error) for r in report.results}
    assert outcomes[f"{QUESTION}.en"] == ("built", None)
    assert outcomes["appeal-political-prisoners.president.en"] == (
        "failed", "appeal-political-prisoners.president.en: there is no template "
                  "'letter-appeal.html'")
    assert not (example / "outputs" / "appeal-political-prisoners.president.en.pdf").exists()


def test_a_render_that_takes_too_long_is_stopped_with_a_clear_message(example, monkeypatch):
    import time

    loaded = load_campaign(example)
    [output] = plan_outputs(loaded, documents=[QUESTION])
    renderer = Renderer(loaded, seconds=0.5)
    monkeypatch.setattr(Renderer, "_output", lambda self, output: time.sleep(5))
    started = time.monotonic()
    outcome = renderer.run(Job(output, 'input', None))
    assert time.monotonic() - started < 3
    assert outcome.error == (f"{QUESTION}.en: took longer than 0.5 s to render and was "
                                "stopped; is some text in it unusually long?")


def test_running_out_of_memory_fails_that_output_only(example, monkeypatch):
    loaded = load_campaign(example)
    [output] = plan_outputs(loaded, documents=[QUESTION])

    def exhausted(self, output):
        raise MemoryError

    monkeypatch.setattr(Renderer, "_output", exhausted)
    outcome = Renderer(loaded).run(Job(output, 'input', None))
    assert outcome.error == f"{QUESTION}.en: ran out of memory while rendering"
