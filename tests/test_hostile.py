"""The hostile-input suite: every case of ``tests/hostile/cases.py``, run in a sandbox.

Each case is a copy of ``tests/broken/_base`` changed by the case, next to a folder of
sentinel files (``outside/``) that hostile data and templates point at with file://
URLs, ../ paths, absolute paths and symbolic links. The CLI runs in a subprocess
through ``tests/hostile/sandbox.py``, which caps its memory and CPU time and records
every file it opens and every network or program call it makes. Whatever the case,

- it finishes within its time limit, and not by a signal or a traceback;
- nothing outside the campaign folder in the test's folder is opened or listed (the
  sentinels, through links too), nor /etc/passwd and the like; no socket is made and
  no URL other than a file inside the campaign or the package is requested; no program
  is started other than the library lookups WeasyPrint makes when it loads;
- no sentinel text or secret environment variable is printed, to the terminal or into
  the outputs, and no raw control character reaches the terminal;
- and the outcome is the expected one: the exact problem lines, or the PDF showing the
  hostile text literally, in the shipped font only, fetching nothing.

Cases that expose bugs of the library expect the correct outcome and are marked
``xfail(strict=True)`` with the bug as reason: fixing the bug makes them pass, and the
marker then has to go.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import SHIPPED_FONT
from hostile.cases import (CASES, CATEGORIES, ENV_SECRET, OUTSIDE_FILES, SECRET, Case, Fails,
                           Passes, Renders)

TESTS = Path(__file__).resolve().parent
BASE = TESTS / "broken" / "_base"
SANDBOX = TESTS / "hostile" / "sandbox.py"
def _package_seen_by_subprocesses() -> Path:
    """Where a fresh interpreter, run from elsewhere, imports undersigned from: the
    installed package under CI, which this process may not share (python -m pytest
    puts the checkout first on its own path)."""
    found = subprocess.run([sys.executable, "-c", "import undersigned; print(undersigned.__file__)"],
                           capture_output=True, text=True, cwd="/", check=True)
    return Path(found.stdout.strip()).resolve().parent


PACKAGE = _package_seen_by_subprocesses()

MEMORY_BYTES = 2 * 1024 ** 3
"""The address space every run may use (RLIMIT_AS)."""
FORBIDDEN = ("/etc/passwd", "/etc/shadow", "/etc/hostname", "/proc/self/environ",
             "/dev/zero")
"""Files no run may open, whatever the case points at."""
LIBRARY_LOOKUP = {"ldconfig", "gcc", "cc", "ld", "objdump", "x86_64-linux-gnu-gcc"}
"""Programs ctypes.util.find_library runs when WeasyPrint looks for Pango and HarfBuzz:
the only programs a run may start, whatever the input."""
NETWORK_EVENTS = ("socket.", "http.client.", "ftplib.", "smtplib.", "poplib.", "imaplib.",
                  "nntplib.", "telnetlib.", "webbrowser.")
PROGRAM_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                  "os.startfile", "pty.spawn")
SUMMARY = re.compile(r"^(\d+) errors?, (\d+) warnings?; nothing was written$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# --- running one command in the sandbox ---------------------------------------------------


@dataclass
class Run:
    """One sandboxed command and what it did."""

    args: list[str]
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    events: list[dict]
    pid: int
    timed_out: bool = False

    @property
    def exited(self) -> dict | None:
        """The exit record of the process itself (not of a forked worker), if it wrote one."""
        return next((e for e in self.events if e["event"] == "exit" and e["pid"] == self.pid),
                    None)


@dataclass
class World:
    """A test's folder: the campaign, the sentinels outside it, a working folder."""

    root: Path
    campaign: Path
    outside: Path
    work: Path
    runs: list[Run] = field(default_factory=list)

    @classmethod
    def make(cls, tmp_path: Path) -> "World":
        root = tmp_path.resolve()
        world = cls(root, root / "campaign", root / "outside", root / "work")
        shutil.copytree(BASE, world.campaign)
        for name, content in OUTSIDE_FILES.items():
            path = world.outside / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        world.work.mkdir()
        return world

    def fill(self, text: str) -> str:
        return text.replace("@OUTSIDE@", str(self.outside)).replace("@CAMPAIGN@",
                                                                      str(self.campaign))

    def run(self, args: list[str], timeout: float = 60, cpu: int = 60,
            render_seconds: int | None = None, script: Path | None = None,
            memory: int = MEMORY_BYTES) -> Run:
        log = self.root / f"audit-{len(self.runs)}.jsonl"
        options = ["--log", str(log), "--memory", str(memory), "--cpu", str(cpu)]
        if render_seconds is not None:
            options += ["--render-seconds", str(render_seconds)]
        if script is not None:
            options += ["--script", str(script)]
        env = {**os.environ, "HOSTILE_ENV_SECRET": ENV_SECRET, "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8:backslashreplace"}
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, str(SANDBOX), *options, "--", *args],
                                   cwd=self.work, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
        timed_out = False
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)  # the sandbox and anything it started
            stdout, stderr = process.communicate()
        run = Run(args, process.returncode, stdout.decode("utf-8", "replace"),
                  stderr.decode("utf-8", "replace"), time.monotonic() - started,
                  _read_events(log), process.pid, timed_out)
        self.runs.append(run)
        return run


def _read_events(log: Path) -> list[dict]:
    events = []
    if log.exists():
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:  # the last line of a process killed mid-write
                pass
    return events


# --- what no run may do -------------------------------------------------------------------


def _inside(path: str, *roots: Path) -> bool:
    return any(path == str(root) or path.startswith(str(root) + os.sep) for root in roots)


def violations(run: Run, world: World) -> list[str]:
    """Everything the run did that no input may make it do."""
    found = []
    allowed_files = (world.campaign, world.work)
    for event in run.events:
        kind = event["event"]
        if kind in ("open", "os.listdir", "os.scandir"):
            path = event["path"]
            real = os.path.realpath(path)
            if path in FORBIDDEN or real in FORBIDDEN:
                found.append(f"{kind} {path}")
            elif _inside(real, world.root) and not _inside(real, *allowed_files) \
                    and not path.startswith(str(world.root / "audit-")):
                shown = path if real == path else f"{path} (a link to {real})"
                found.append(f"{kind} {shown}: outside the campaign folder")
        elif kind == "urllib.Request":
            url = event["args"][0]
            if urlsplit(url).scheme != "file":
                found.append(f"network request {url}")
            else:
                real = os.path.realpath(unquote(urlsplit(url).path))
                if not _inside(real, world.campaign, PACKAGE):
                    found.append(f"urllib.Request {url}: outside the campaign folder")
        elif kind.startswith(NETWORK_EVENTS):
            found.append(f"network: {kind} {event['args']}")
        elif kind.startswith(PROGRAM_EVENTS):
            program = os.path.basename(event["args"][0]) if event["args"] else "?"
            if kind != "subprocess.Popen" or program not in LIBRARY_LOOKUP:
                found.append(f"started a program: {kind} {event['args']}")
        elif kind == "audit-error":
            found.append(f"the audit hook failed: {event['error']}")
    return found


def leaks(world: World) -> list[str]:
    """Secrets printed to the terminal or into an output file."""
    found = []
    for run in world.runs:
        for stream, text in (("stdout", run.stdout), ("stderr", run.stderr)):
            for secret in (SECRET, ENV_SECRET):
                if secret in text:
                    found.append(f"{secret} printed on {stream} of {run.args[0]}")
            if CONTROL.search(text):
                found.append(f"raw control characters on {stream} of {run.args[0]}: "
                             f"{sorted(set(CONTROL.findall(text)))!r}")
    outputs = world.campaign / "outputs"
    for path in sorted(outputs.rglob("*")) if outputs.is_dir() else []:
        if not path.is_file():
            continue
        text = pdf_text(path) if path.suffix == ".pdf" else path.read_text(errors="replace")
        for secret in (SECRET, ENV_SECRET):
            if secret in text:
                found.append(f"{secret} in {path.relative_to(world.campaign)}")
    return found


# --- what a reader of the PDF sees -------------------------------------------------------


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


@dataclass
class PdfFacts:
    text: str
    pages: int
    fonts: set[str]
    images: int
    uris: list[str]
    launches: int
    attachments: int
    fields: int


def embedded_fonts(path: Path) -> list[str]:
    """The fonts poppler's ``pdffonts`` lists in the PDF (as /BaseFont names), a second
    opinion on what pypdf finds in the pages' resources."""
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    return ["/" + line.split()[0] for line in listing if line.strip()]


def pdf_facts(path: Path) -> PdfFacts:
    from pypdf import PdfReader

    reader = PdfReader(path)
    fonts, images, uris, launches = set(), set(), [], 0
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
        for xobject in (resources.get("/XObject") or {}).values():
            obj = xobject.get_object()
            if obj.get("/Subtype") == "/Image":
                images.add(id(obj) if xobject.indirect_reference is None
                           else xobject.indirect_reference.idnum)
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if action.get("/S") == "/URI":
                uris.append(str(action.get("/URI")))
            if action.get("/S") == "/Launch":
                launches += 1
    names = reader.trailer["/Root"].get("/Names") or {}
    attachments = len((names.get("/EmbeddedFiles") or {}).get("/Names") or []) // 2
    form = reader.trailer["/Root"].get("/AcroForm") or {}
    return PdfFacts(pdf_text(path), len(reader.pages), fonts, len(images), uris, launches,
                    attachments, len(form.get("/Fields") or []))


# --- the outcome of a case --------------------------------------------------------------


def command_of(case: Case, world: World) -> list[str]:
    if case.command == "check":
        return ["check", str(world.campaign)]
    document, recipient, lang = _output_parts(case.output)
    args = ["build", str(world.campaign), "--document", document, "--lang", lang,
            "--jobs", "1"]
    return args + (["--recipient", recipient] if recipient else [])


def _output_parts(stem: str) -> tuple[str, str | None, str]:
    parts = stem.split(".")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else (parts[0], None, parts[1])


def prepare(case: Case, world: World) -> None:
    """Make the case's campaign: edits, then files, then its own function."""
    for rel, old, new in case.edits:
        path = world.campaign / rel
        text = path.read_text(encoding="utf-8")
        old, new = world.fill(old), world.fill(new)
        assert text.count(old) == 1, f"edit of {rel}: {old[:60]!r} is not there exactly once"
        path.write_text(text.replace(old, new), encoding="utf-8")
    for rel, content in case.files.items():
        path = world.campaign / rel
        if content is None:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = world.fill(content).encode("utf-8")
        else:
            content = content.replace(b"@OUTSIDE@", str(world.outside).encode())
        path.write_bytes(content)
    if case.make is not None:
        case.make(world.campaign, world.outside)


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not SUMMARY.match(line)]


def outcome_problems(case: Case, world: World, run: Run) -> list[str]:
    """How the run differs from the case's expected outcome."""
    expect, found = case.expect, []
    outputs = world.campaign / "outputs"
    pdf = outputs / f"{case.output}.pdf"
    if isinstance(expect, Fails):
        if run.returncode != expect.exit:
            found.append(f"exit status {run.returncode}, expected {expect.exit}")
        if expect.lines:
            lines = [world.fill(line) for line in expect.lines]
            if problem_lines(run.stderr) != lines:
                found.append("problem lines differ:\n  got:      "
                             + "\n            ".join(problem_lines(run.stderr))
                             + "\n  expected: " + "\n            ".join(lines))
            errors = sum(": warning: " not in line for line in lines)
            summary = (f"{errors} error{'s' * (errors != 1)}, {len(lines) - errors} "
                       f"warning{'s' * (len(lines) - errors != 1)}; nothing was written")
            if run.stderr.splitlines()[-1:] != [summary]:
                found.append(f"the last line is not {summary!r}")
        for text in expect.contains:
            if world.fill(text) not in run.stderr:
                found.append(f"stderr lacks {world.fill(text)!r}")
        if case.command == "check" and (run.stdout or outputs.exists()):
            found.append("a failing check printed a summary or wrote outputs")
        if case.command == "build" and pdf.exists():
            found.append(f"{pdf.name} was written although its build failed")
    elif isinstance(expect, Passes):
        if run.returncode != 0:
            found.append(f"exit status {run.returncode}, expected 0")
        if run.stderr.splitlines() != [world.fill(w) for w in expect.warnings]:
            found.append(f"stderr is not exactly the expected warnings: {run.stderr[-2000:]!r}")
        warnings = len(expect.warnings)
        last = "ok" if not warnings else f"ok ({warnings} warning{'s' * (warnings != 1)})"
        if run.stdout.splitlines()[-1:] != [last]:
            found.append(f"check did not end with {last!r}")
    else:
        found += _rendering_problems(case, expect, world, run, pdf)
    return found


def _rendering_problems(case: Case, expect: Renders, world: World, run: Run,
                        pdf: Path) -> list[str]:
    if run.returncode != 0 or not pdf.is_file():
        return [f"exit status {run.returncode}, no {pdf.name}: {run.stderr[-2000:]}"]
    found = []
    if run.stderr:
        found.append(f"a successful build printed on stderr: {run.stderr[-2000:]!r}")
    facts = pdf_facts(pdf)
    for text in expect.shows:
        if " ".join(world.fill(text).split()) not in facts.text:
            found.append(f"the PDF does not show {world.fill(text)!r}")
    for text in expect.hides:
        if world.fill(text) in facts.text:
            found.append(f"the PDF shows {world.fill(text)!r}")
    if facts.pages < expect.min_pages:
        found.append(f"{facts.pages} pages, expected at least {expect.min_pages}")
    strange = {font for font in facts.fonts | set(embedded_fonts(pdf))
               if not SHIPPED_FONT.match(font)}
    if strange:
        found.append(f"fonts other than the shipped one: {sorted(strange)}")
    if facts.images != expect.images:
        found.append(f"{facts.images} images in the PDF, expected {expect.images}")
    unsafe = [uri for uri in facts.uris
              if not uri.startswith(("http://", "https://", "mailto:"))]
    if unsafe or facts.launches or facts.attachments:
        found.append(f"unsafe links {unsafe}, {facts.launches} launch actions, "
                     f"{facts.attachments} attachments")
    if expect.signature_fields is not None and facts.fields != expect.signature_fields:
        found.append(f"{facts.fields} signature fields, expected {expect.signature_fields}")
    if expect.html_shows or expect.html_hides:
        found += _html_problems(case, expect, world)
    return found


def _html_problems(case: Case, expect: Renders, world: World) -> list[str]:
    document, recipient, lang = _output_parts(case.output)
    target = world.campaign / "outputs" / "preview.html"
    args = ["preview", document, str(world.campaign), "--lang", lang, "--output", str(target)]
    run = world.run(args + (["--recipient", recipient] if recipient else []),
                    timeout=case.timeout, cpu=case.cpu)
    if run.returncode != 0 or not target.is_file():
        return [f"preview failed ({run.returncode}): {run.stderr[-2000:]}"]
    html = target.read_text(encoding="utf-8")
    body = html[html.index("<body"):]  # the <head> holds the built-in CSS and metadata
    found = [f"the HTML lacks {world.fill(text)!r}" for text in expect.html_shows
             if world.fill(text) not in body]
    found += [f"the HTML has {world.fill(text)!r}" for text in expect.html_hides
              if world.fill(text) in body]
    return found


# --- the suite ---------------------------------------------------------------------------


def _params() -> list:
    return [pytest.param(case, id=case.name,
                         marks=[pytest.mark.xfail(reason=case.bug, strict=True)] if case.bug
                         else []) for case in CASES]


@pytest.mark.parametrize("case", _params())
def test_hostile_input(case: Case, tmp_path: Path):
    world = World.make(tmp_path)
    prepare(case, world)
    run = world.run(command_of(case, world), timeout=case.timeout, cpu=case.cpu,
                    render_seconds=case.render_seconds)

    problems = []
    if run.timed_out:
        problems.append(f"did not finish within {case.timeout} s")
    elif run.returncode is None or run.returncode < 0:
        problems.append(f"killed by signal {-(run.returncode or 0)} (a resource limit?)")
    elif run.exited is None:
        problems.append("ended without its exit record")
    elif run.exited["maxrss_kib"] * 1024 >= MEMORY_BYTES:
        problems.append(f"peak memory {run.exited['maxrss_kib']} KiB")
    if "Traceback (most recent call last)" in run.stderr:
        problems.append("a traceback instead of a message:\n" + run.stderr[-3000:])
    if not run.timed_out:
        problems += outcome_problems(case, world, run)
    for each in world.runs:
        problems += violations(each, world)
    problems += leaks(world)
    assert not problems, f"{case.name} ({case.what}):\n- " + "\n- ".join(problems)


ASKED_FOR = (
    # The issue's list, item by item, and the cases that answer it.
    "yaml-duplicate-key", "yaml-billion-laughs", "yaml-deep-nesting", "yaml-file-too-large",
    "yaml-invalid-utf8", "yaml-byte-order-mark", "yaml-tab-indentation",
    "yaml-1.1-norway-and-on", "yaml-1.1-numbers", "yaml-impossible-dates",
    "types-text", "types-local-text", "types-lists", "types-ids", "types-languages",
    "types-dates", "types-choices", "types-numbers-and-flags", "types-web-addresses",
    "types-mappings",
    "markup-html-in-names", "markup-html-in-facts", "markup-markdown-images",
    "markup-markdown-links", "markup-css-injection-reference", "markup-jinja-in-data",
    "text-long-name", "text-long-word", "text-right-to-left", "text-mixed-scripts",
    "text-zero-width", "text-control-characters", "text-500-signatories",
    "templates-sandbox-class-mro", "templates-include-parent-path",
    "templates-include-absolute-path", "templates-undefined-variable",
)


def test_the_suite_covers_what_the_issue_asks():
    names = [case.name for case in CASES]
    assert len(names) >= 60
    assert [name for name in ASKED_FOR if name not in names] == []
    assert len(set(names)) == len(names), "case names must be unique"
    by_category = {c: [case for case in CASES if case.category == c] for c in CATEGORIES}
    assert {case.category for case in CASES} <= set(CATEGORIES)
    assert all(len(cases) >= 2 for cases in by_category.values()), \
        {c: len(cases) for c, cases in by_category.items()}
    for case in CASES:
        assert case.command in ("check", "build"), case.name
        assert case.what and (case.bug is None or case.bug.strip()), case.name
        if isinstance(case.expect, Fails):
            assert case.expect.lines or case.expect.contains, case.name
        if isinstance(case.expect, Passes):
            assert case.command == "check", case.name
        if isinstance(case.expect, Renders):
            assert case.command == "build", case.name
    # Every check error the suite expects word for word says where: path:line:column: field:
    located = re.compile(r"^[\w./-]+(:\d+(:\d+)?)?: ")
    for case in CASES:
        if isinstance(case.expect, Fails):
            for line in case.expect.lines:
                assert located.match(line), (case.name, line)


# --- the sandbox itself: the checks above would be empty if it saw nothing ------------------

SPY = """
import os, socket, subprocess, sys, urllib.request
campaign, outside = sys.argv[1], sys.argv[2]
open(os.path.join(outside, "secret.txt")).read()
open(os.path.join(campaign, "link.txt")).read()
os.listdir(outside)
socket.getaddrinfo("127.0.0.1", 9)
with socket.socket() as s:
    try:
        s.connect(("127.0.0.1", 9))
    except OSError:
        pass
try:
    urllib.request.urlopen("http://127.0.0.1:9/", timeout=2)
except OSError:
    pass
subprocess.run(["true"])
open("/etc/passwd").read()
"""


def test_sandbox_sees_reads_links_network_and_programs(tmp_path):
    world = World.make(tmp_path)
    (world.campaign / "link.txt").symlink_to(world.outside / "secret.txt")
    script = world.root / "spy.py"
    script.write_text(SPY)
    run = world.run([str(world.campaign), str(world.outside)], script=script, timeout=30)
    assert run.returncode == 0, run.stderr
    assert run.exited is not None
    found = violations(run, world)
    expected = [
        f"open {world.outside}/secret.txt: outside the campaign folder",
        f"open {world.campaign}/link.txt (a link to {world.outside}/secret.txt): outside the "
        "campaign folder",
        f"os.listdir {world.outside}: outside the campaign folder",
        "network request http://127.0.0.1:9/",
        "open /etc/passwd",
    ]
    for line in expected:
        assert line in found, (line, found)
    assert any(line.startswith("network: socket.getaddrinfo") for line in found), found
    assert any(line.startswith("network: socket.connect") for line in found), found
    assert any(line.startswith("started a program: subprocess.Popen ['true'")
               for line in found), found


def test_sandbox_caps_memory(tmp_path):
    world = World.make(tmp_path)
    script = world.root / "hog.py"
    script.write_text("data = bytearray(3 * 1024 ** 3)\n")
    run = world.run([], script=script, timeout=30)
    assert run.returncode == 1
    assert run.stderr.splitlines()[-1] == "MemoryError"
    assert run.exited is not None


def test_sandbox_caps_cpu_time(tmp_path):
    world = World.make(tmp_path)
    script = world.root / "spin.py"
    script.write_text("while True:\n    pass\n")
    run = world.run([], script=script, timeout=30, cpu=1)
    assert not run.timed_out
    assert run.returncode in (-signal.SIGXCPU, -signal.SIGKILL)
    assert run.seconds < 10


def test_sandbox_kills_what_outlives_the_timeout(tmp_path):
    world = World.make(tmp_path)
    script = world.root / "sleep.py"
    script.write_text("import time\ntime.sleep(60)\n")
    run = world.run([], script=script, timeout=2)
    assert run.timed_out and run.seconds < 10


def test_a_clean_build_does_nothing_the_suite_forbids(tmp_path):
    """The base campaign, built and previewed: no violation, no leak (the control case)."""
    world = World.make(tmp_path)
    case = Case("control", "limits", "the base campaign", Renders(html_shows=("Maks Bokayev",)),
                command="build")
    run = world.run(command_of(case, world))
    assert run.returncode == 0, run.stderr
    assert outcome_problems(case, world, run) == []
    assert [v for each in world.runs for v in violations(each, world)] == []
    assert leaks(world) == []
    assert run.exited["maxrss_kib"] * 1024 < MEMORY_BYTES
