"""Nothing lost, nothing stale: builds under kills, signals, damage and concurrency.

Each test reproduces one way a build lost a signed or edited letter, or kept a stale
one with exit 0, before the journal, the writers' lock and the lifeline existed.
Builds that are killed run as real processes of the CLI.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import REPO, pdf_text
from undersigned.batch.build import build
from undersigned.cli import cli

LETTERS = [
    "appeal-dzhakishev-tokmadi.president.en.pdf",
    "appeal-dzhakishev-tokmadi.president.ru.pdf",
    "appeal-dzhakishev-tokmadi.prosecutor-general.ru.pdf",
    "appeal-political-prisoners.president.en.pdf",
    "appeal-political-prisoners.president.ru.pdf",
    "appeal-political-prisoners.prosecutor-general.ru.pdf",
]
QUESTIONS = ["question-dzhakishev-tokmadi.en.pdf", "question-political-prisoners.en.pdf"]
LIST = "signatories/meps-2017.yaml"


def run(*args: str, env: dict | None = None):
    return CliRunner(env=env).invoke(cli, [str(a) for a in args])


def rename_benifei(root: Path, given: str) -> None:
    """Give Brando Benifei another given name: every letter and question changes."""
    path = root / LIST
    text = path.read_text()
    start = text.index("given: Brando")
    end = text.index("\n", start)
    path.write_text(text[:start] + f"given: {given}" + text[end:])


def tag_env(tag: str) -> dict[str, str]:
    """The environment entry that marks a test's processes: the tag, scoped to this pytest
    process, so that tests running side by side (pytest -n) never see each other's."""
    return {"UNDERSIGNED_TEST_TAG": f"{os.getpid()}-{tag}"}


def spawn(*args: str, tag: str) -> subprocess.Popen:
    """The CLI in a process of its own, marked with ``tag`` in its environment (which its
    fork server and workers inherit, so that leftovers can be found)."""
    env = {**os.environ, **tag_env(tag)}
    return subprocess.Popen([sys.executable, "-m", "undersigned.cli", *map(str, args)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def tagged(tag: str) -> list[int]:
    """Processes alive (not zombies) whose environment carries ``tag``."""
    found = []
    ((name, value),) = tag_env(tag).items()
    needle = f"{name}={value}".encode()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if needle in environ.read_bytes().split(b"\0"):
                state = (environ.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(environ.parent.name))
        except (OSError, IndexError):
            continue
    return found


def describe(pids: list[int]) -> list[str]:
    """Who each process is, for a failure message."""
    found = []
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:120]
            found.append(f"{pid} (parent {stat[1]}): {command.decode(errors='replace')}")
        except OSError:
            continue
    return found


def finished(process: subprocess.Popen, tag: str, seconds: float = 60) -> tuple[str, str]:
    """The output of a process once it has ended; what of it still runs, if it does not."""
    try:
        return process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        pytest.fail("still running: " + "; ".join(describe(tagged(tag))))


def leftovers(tag: str, seconds: float = 5.0) -> list[int]:
    """What is still running of a killed command after ``seconds`` at most."""
    deadline = time.monotonic() + seconds
    while (alive := tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def whole(pdf: Path) -> bool:
    try:
        return len(PdfReader(pdf).pages) > 0
    except Exception:
        return False


@pytest.fixture
def built(built_copy) -> Path:
    """The example as a build of it leaves it (the ``example`` of the test)."""
    return built_copy


# --- 1. kills leave nothing stale ---------------------------------------------------------


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_builds_killed_again_and_again_leave_nothing_stale(built, how):
    outputs = built / "outputs"
    moments = random.Random(how).sample([0.6, 0.9, 1.2, 1.5, 1.8, 2.1, 2.4, 2.7], 4)
    for round_, moment in enumerate(moments):
        rename_benifei(built, f"Brando{round_}")
        build_process = spawn("build", built, "-j", "2", tag=f"kill{how}{round_}")
        time.sleep(moment)
        build_process.send_signal(how)
        stdout, stderr = finished(build_process, f"kill{how}{round_}")
        assert "Traceback" not in stderr
        if how == signal.SIGTERM:  # (-15: before the interpreter got as far as the command)
            assert build_process.returncode in (0, 143) or (
                build_process.returncode == -15 and not stdout), stdout + stderr
        assert leftovers(f"kill{how}{round_}") == []
        assert all(whole(pdf) for pdf in outputs.glob("*.pdf"))
    result = run("build", built, "-j", "2")
    assert result.exit_code == 0, result.output
    assert " 0 kept, 0 failed" in result.output
    for name in LETTERS:
        assert "Brando3 BENIFEI" in pdf_text(outputs / name), name
    assert run("status", built).output.splitlines()[-1] == "10 up-to-date"


def test_a_sigterm_lets_running_outputs_finish_and_exits_143(built):
    rename_benifei(built, "Brando Maria")
    build_process = spawn("build", built, "-j", "2", tag="term")
    journal = built / "outputs" / ".manifest.journal"
    deadline = time.monotonic() + 30
    while journal.read_text().count("\n") < 11 and time.monotonic() < deadline:
        time.sleep(0.02)  # until the first output is written (after the 10 records of before)
    build_process.send_signal(signal.SIGTERM)
    stdout, stderr = build_process.communicate(timeout=60)
    assert build_process.returncode == 143, stdout + stderr
    assert stderr.splitlines()[-1] == ("interrupted: what was finished is saved; run the same "
                                       "command to build the rest")
    assert leftovers("term") == []
    assert all(whole(pdf) for pdf in (built / "outputs").glob("*.pdf"))
    again = run("build", built, "-j", "2")
    assert again.exit_code == 0 and " 0 kept, 0 failed" in again.output


def test_after_a_manifest_that_could_not_be_saved_the_next_build_rebuilds_what_is_stale(
        built, monkeypatch):
    import undersigned.batch.manifest as manifest_module

    rename_benifei(built, "Brando Maria")

    def full_disk(self):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))

    monkeypatch.setattr(manifest_module.Manifest, "save", full_disk)
    result = run("build", built, "-d", "question-political-prisoners", "-j", "1")
    assert result.exit_code == 1
    assert "No space left on device; the next build will rebuild what it cannot vouch for" \
        in result.stderr
    monkeypatch.undo()
    status = run("status", built, "-d", "question-political-prisoners")
    assert status.output.splitlines()[0].startswith("up-to-date  question-political-prisoners")
    rename_benifei(built, "Brando Mario")
    again = run("build", built, "-j", "2")
    assert again.exit_code == 0 and "10 built, 0 up to date, 0 kept" in again.output


# --- 2. a file changed during a build is kept ---------------------------------------------


def test_a_pdf_changed_after_the_plan_is_moved_aside_before_it_is_replaced(built):
    rename_benifei(built, "Brando Maria")
    letter = built / "outputs" / LETTERS[3]
    edited = letter.read_bytes() + b"\n% signed by hand while the build ran\n"

    def edit_during_the_build(plan, count):
        letter.write_bytes(edited)  # after the plan read its state, before its turn comes

    report = build(built, jobs=1, on_start=edit_during_the_build)
    [result] = [r for r in report.results if r.label == LETTERS[3][:-4]]
    assert result.action == "built"
    assert result.moved_aside is not None and result.moved_aside.read_bytes() == edited
    assert "Brando Maria BENIFEI" in pdf_text(letter)


# --- 4. two builds at once ----------------------------------------------------------------


def test_two_builds_at_once_lose_no_record_and_no_file(built):
    rename_benifei(built, "Brando Maria")
    first = spawn("build", built, "-d", "appeal-political-prisoners", "-j", "1", tag="two-a")
    second = spawn("build", built, "-d", "question-political-prisoners", "-d",
                   "appeal-dzhakishev-tokmadi", "-j", "1", tag="two-b")
    for process in (first, second):
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stdout + stderr
        assert "No such file" not in stderr
    assert run("status", built).output.splitlines()[-1] == (
        "3 stale, 7 up-to-date")  # in neither build: question-dzhakishev-tokmadi, the announcement
    manifest = json.loads((built / "outputs" / "manifest.json").read_text())["outputs"]
    assert len(manifest) == 10


def test_a_second_writer_waits_then_says_who_holds_the_folder(built):
    from undersigned.files import writer_lock

    with writer_lock(built / "outputs", "sign"):
        result = run("build", built, env={"UNDERSIGNED_LOCK_WAIT": "0.3"})
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"waiting for process {os.getpid()} (undersigned sign, since ")
    assert lines[-1].startswith(f"error: {built / 'outputs'}: process {os.getpid()} "
                                "(undersigned sign, since ")
    assert lines[-1].endswith(") is writing here; try again when it has finished")
    assert run("status", built).exit_code == 0  # readers never wait


# --- 5. a damaged manifest ----------------------------------------------------------------


@pytest.mark.parametrize("damage", ["{ not json", "[" * 200_000, '{"outputs": [1]}'])
def test_a_damaged_manifest_is_rebuilt_from_the_journal_and_keeps_hand_edits(built, damage):
    outputs = built / "outputs"
    edited_pdf = outputs / QUESTIONS[1]
    with edited_pdf.open("ab") as handle:
        handle.write(b"\n% annotated by hand\n")
    edited = edited_pdf.read_bytes()
    (outputs / "manifest.json").write_text(damage)
    rename_benifei(built, "Brando Maria")
    result = run("build", built, "-j", "2")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0].startswith(
        "warning: outputs/manifest.json could not be read: it is not the JSON of a manifest")
    assert (f"kept: outputs/{QUESTIONS[1]} was changed after it was built; it is kept as it "
            "is (build --force moves it aside and rebuilds)") in result.stderr.splitlines()
    assert "9 built, 0 up to date, 1 kept, 0 failed" in result.output
    assert edited_pdf.read_bytes() == edited
    assert run("status", built).output.splitlines()[-1] == "1 modified, 9 up-to-date"


def test_without_manifest_nor_journal_every_file_is_moved_aside_not_overwritten(built):
    outputs = built / "outputs"
    edited_pdf = outputs / QUESTIONS[1]
    with edited_pdf.open("ab") as handle:
        handle.write(b"\n% annotated by hand\n")
    edited = edited_pdf.read_bytes()
    (outputs / "manifest.json").unlink()
    (outputs / ".manifest.journal").unlink()
    assert run("status", built).output.splitlines()[-1] == "10 unknown"
    result = run("build", built, "-j", "2")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("moved aside: ") == 10
    [kept] = outputs.glob("question-political-prisoners.en.kept-*.pdf")
    assert kept.read_bytes() == edited
    assert run("status", built).output.splitlines()[-1] == "10 up-to-date"


KILLED_BETWEEN_EXPORTS_AND_PDF = r"""
import os, signal, sys
import undersigned.files as files
from undersigned.batch.build import build

real = files.write_atomically
written = []

def write(path, data, **options):
    if written and written[-1].with_suffix("") == path.with_suffix("") and written[-1] != path:
        os.kill(os.getpid(), signal.SIGKILL)  # its exports are in place, its main file is not
    written.append(path)
    real(path, data, **options)

files.write_atomically = write
build(sys.argv[1], jobs=1)
"""


@pytest.mark.parametrize("lost_manifest", [False, True])
def test_a_build_killed_between_an_outputs_exports_and_its_pdf_edits_nothing(built,
                                                                              lost_manifest):
    """A build killed after an output's text exports were replaced but before its PDF
    was: the exports are a build's own (newer than the PDF), not edits. Status said
    "modified", and the next build moved them aside as if edited by hand."""
    outputs = built / "outputs"
    rename_benifei(built, "Brando Maria")
    killed = subprocess.run([sys.executable, "-c", KILLED_BETWEEN_EXPORTS_AND_PDF, str(built)],
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    if lost_manifest:
        (outputs / "manifest.json").unlink()
    lines = run("status", built).output.splitlines()
    assert not any(line.startswith(("unknown", "modified")) for line in lines), lines
    assert sum(line.startswith("stale  ") for line in lines) >= 1, lines
    result = run("build", built, "-j", "2")
    assert result.exit_code == 0 and " 0 kept, 0 failed" in result.output, result.output
    assert "moved aside" not in result.output + result.stderr
    assert not list(outputs.glob("*.kept-*"))
    assert run("status", built).output.splitlines()[-1] == "10 up-to-date"


def test_a_manifest_lost_during_a_killed_build_is_rebuilt_from_the_journal(built):
    outputs = built / "outputs"
    rename_benifei(built, "Brando Maria")
    build_process = spawn("build", built, "-j", "1", tag="lost")
    deadline = time.monotonic() + 30
    journal = outputs / ".manifest.journal"
    while journal.read_text().count("\n") < 12 and time.monotonic() < deadline:
        time.sleep(0.01)  # 10 records of the first build, then two of this one
    build_process.kill()
    build_process.communicate()
    (outputs / "manifest.json").unlink()
    lines = run("status", built).output.splitlines()
    assert sum(line.startswith("up-to-date  ") for line in lines) >= 1, lines
    assert not any(line.startswith(("unknown", "modified")) for line in lines), lines
    result = run("build", built, "-j", "2")
    assert result.exit_code == 0 and " 0 kept, 0 failed" in result.output
    assert run("status", built).output.splitlines()[-1] == "10 up-to-date"


# --- 6. "signed" is a parsed signature ----------------------------------------------------


def test_signed_means_a_signature_in_the_form_not_a_byte_pattern(example):
    campaign = example / "campaign.yaml"
    text = campaign.read_text()
    assert "subject: Political prisoners and politically motivated prosecutions" in text
    campaign.write_text(text.replace(
        "subject: Political prisoners and politically motivated prosecutions",
        "subject: /ByteRange /Sig political prisoners and politically motivated prosecutions"))
    assert run("build", example, "-d", "question-political-prisoners", "-j", "1").exit_code == 0
    pdf = example / "outputs" / QUESTIONS[1]
    assert "/ByteRange /Sig" in pdf_text(pdf)
    os.utime(pdf)  # touched
    status = run("status", example, "-d", "question-political-prisoners")
    assert status.output.splitlines()[0].startswith("up-to-date  question-political-prisoners")
    with pdf.open("ab") as handle:  # what a byte search took for a signature
        handle.write(b"\n99 0 obj\n<< /Type /Sig /ByteRange [0 1 2 3] /Contents <00> >>\n"
                     b"endobj\n")
    status = run("status", example, "-d", "question-political-prisoners")
    assert status.output.splitlines()[0].startswith("modified    question-political-prisoners")


# --- 7. kills leave nothing running -------------------------------------------------------


def test_a_killed_build_leaves_no_process_and_no_late_write(built):
    rename_benifei(built, "Brando Maria")
    build_process = spawn("build", built, "-j", "2", tag="nine")
    journal = built / "outputs" / ".manifest.journal"
    deadline = time.monotonic() + 60
    while journal.read_text().count("\n") < 11 and time.monotonic() < deadline:
        time.sleep(0.02)  # until a worker has written an output (after the 10 records of before)
    running = tagged("nine")
    assert len(running) >= 4, describe(running)  # the build, the fork server, two workers ...
    build_process.kill()
    build_process.communicate()
    assert leftovers("nine") == []
    seen = {p.name: p.stat().st_mtime_ns for p in (built / "outputs").iterdir()}
    time.sleep(1.5)
    assert {p.name: p.stat().st_mtime_ns for p in (built / "outputs").iterdir()} == seen


# --- 8. write errors are one line ---------------------------------------------------------


def test_a_report_that_cannot_be_written_is_a_message_after_the_build(built):
    result = run("build", built, "--report-json", "/nonexistent/r.json")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == ("error: cannot write /nonexistent/r.json: No such "
                                              "file or directory; the build itself is done")
    assert "0 built, 10 up to date" in result.output


def test_a_preview_that_cannot_be_written_is_a_message(example):
    result = run("preview", "appeal-political-prisoners", example, "-o", "/nonexistent/p.html")
    assert result.exit_code == 1
    assert result.stderr == ("error: cannot write /nonexistent/p.html: No such file or "
                             "directory\n")


def read_only(monkeypatch):
    """A read-only file system, as far as the toolkit's writes go (root ignores modes)."""
    import shutil
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(shutil, "copyfile", refuse)
    monkeypatch.setattr(os, "replace", refuse)


def test_writes_on_a_read_only_disk_are_one_line_messages(built, tmp_path, monkeypatch):
    read_only(monkeypatch)
    preview = run("preview", "appeal-political-prisoners", built)
    assert preview.exit_code == 1
    assert preview.stderr == (f"error: cannot write {built / 'outputs'}/appeal-political-"
                              "prisoners.president.en.html: Read-only file system\n")
    init = run("init", tmp_path / "new")
    assert init.exit_code == 1
    assert init.stderr == (f"error: cannot write {tmp_path / 'new'}/campaign.yaml: Read-only "
                           "file system\n")
    schema = run("schema", "-o", tmp_path / "schemas")
    assert schema.exit_code == 1
    assert schema.stderr == (f"error: cannot write {tmp_path / 'schemas'}/campaign.schema.json:"
                             " Read-only file system\n")


def test_force_on_a_read_only_folder_holding_a_signed_letter_says_so(built, monkeypatch,
                                                                    tmp_path):
    from certs import make_authority, make_signer
    from undersigned.signing import sign_letter

    letter = built / "outputs" / LETTERS[0]
    sign_letter(letter, "panzeri", make_signer(tmp_path, make_authority(tmp_path),
                                               "Pier Antonio Panzeri", 10), b"secret")
    before = letter.read_bytes()
    read_only(monkeypatch)
    result = run("build", built, "--force", "-d", "appeal-dzhakishev-tokmadi")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: cannot move {letter} aside to keep it: Read-only file system; nothing was "
        "rebuilt")
    assert letter.read_bytes() == before


# --- 10. reads are bounded ----------------------------------------------------------------


@pytest.mark.parametrize("what", ["manifest-zero", "pdf-zero", "manifest-fifo", "pdf-fifo",
                                  "pdf-outside"])
def test_status_reads_no_device_pipe_or_link(built, tmp_path, what):
    outputs = built / "outputs"
    target = outputs / ("manifest.json" if what.startswith("manifest") else QUESTIONS[1])
    target.unlink()
    outside = tmp_path / "outside.pdf"
    outside.write_bytes((outputs / QUESTIONS[0]).read_bytes())
    if what.endswith("zero"):
        target.symlink_to("/dev/zero")
    elif what.endswith("fifo"):
        os.mkfifo(target)
    else:
        target.symlink_to(outside)
    started = time.monotonic()
    status = subprocess.run([sys.executable, "-m", "undersigned.cli", "status", str(built)],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 30
    assert "Traceback" not in status.stderr
    if what.startswith("pdf"):
        assert f"unknown     {QUESTIONS[1]}, question-political-prisoners.en.txt" in \
            status.stdout.splitlines()
        result = run("build", built, "-d", "question-political-prisoners")
        assert result.exit_code == 0 and "1 built" in result.output
        assert whole(target) and not target.is_symlink()
        assert outside.read_bytes() == (outputs / QUESTIONS[0]).read_bytes()
    else:  # the journal vouches for every file
        assert status.stdout.splitlines()[-1] == "10 up-to-date"
