"""The rendering sandbox holds (issue 12): bounded text, the bundled fonts only, reads that
no swapped folder can redirect, web links only, Markdown in linear time.

``intro(root, X)`` makes the example campaign's appeal use a template whose intro block
is X, as an author of a hostile campaign template would.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from undersigned.batch.build import build
from undersigned.render.environment import make_environment

APPEAL = "appeal-political-prisoners"
APPEAL_EN = f"{APPEAL}.president.en"


def intro(root: Path, body: str) -> None:
    (root / "templates" / "letter-appeal.html").write_text(
        '{% extends "builtin/letter.html" %}{% block intro %}' + body + "{% endblock %}")


def build_appeal(root: Path, jobs: int = 1):
    return build(root, documents=[APPEAL], recipients=["president"], langs=["en"], jobs=jobs)


def link_targets(pdf: Path) -> list[str]:
    """Every link action's target in the PDF, as a reader's viewer would follow it."""
    targets = []
    for page in PdfReader(pdf).pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            if action is not None:
                action = action.get_object()
                targets.append(f"{action.get('/S')} {action.get('/URI') or action.get('/F')}")
    return targets


# --- limits on text --------------------------------------------------------------------

MULTIPLIERS = {
    '{{ "%0100000000d" % 1 }}': "a formatted field of more than 1,000,000 characters",
    '{{ "%*d" % (10**8, 1) }}': "a formatted field of more than 1,000,000 characters",
    '{{ "%.100000000f" % 1.5 }}': "a formatted field of more than 1,000,000 characters",
    '{{ "%0100000000d"|format(1) }}': "a formatted field of more than 1,000,000 characters",
    '{{ "{:>100000000}".format(1) }}': "a formatted field of more than 1,000,000 characters",
    '{{ "{:{w}}".format(1, w=10**8) }}': "a formatted field of more than 1,000,000 characters",
    '{{ "{x:{w}}".format_map({"x": 1, "w": 10**8}) }}': "a formatted field of more than 1,000,000",
    '{{ "x"|center(10**8) }}': "a centred text of more than 1,000,000 characters",
    '{{ "x".center(10**8) }}': "a text made by center() of more than 2,000,000 characters",
    '{{ "x".ljust(10**8) }}': "a text made by ljust() of more than 2,000,000 characters",
    '{{ "x".zfill(10**8) }}': "a text made by zfill() of more than 2,000,000 characters",
    '{{ ("\t" * 1000).expandtabs(10**5) }}': "a text made by expandtabs() of more than",
    '{% set s = "x" * 999999 %}{{ s.replace("x", s) }}': "a text made by replace() of more",
    '{% set s = "x" * 999999 %}{{ s|replace("x", s) }}': "a text made by replace of more",
    '{{ ("a\n" * 499999)|indent(100) }}': "an indented text of more than 2,000,000",
    '{{ ("a " * 499999)|wordwrap(1, wrapstring="y" * 1000) }}': "a wrapped text of more than",
    '{{ (["x" * 999] * 1000000)|join }}': "a repetition of more than 2,000,000 characters",
    '{% set l = ["x" * 999] * 1000 %}{{ ([l] * 1000)|join }}': "a repetition of more than",
    '{{ "".join(["x" * 999999, "x" * 999999, "x" * 999999]) }}': "a text made by join() of",
    '{% for i in range(100) %}{{ "x" * 999999 }}{% endfor %}':
        "the template produces more than 2,000,000 characters",
    '{% set ns = namespace(x="ab") %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}'
    '{% endfor %}': "a text of more than 2,000,000 characters",
    '{% set ns = namespace(x="ab") %}{% for i in range(40) %}{% set ns.x = ns.x + ns.x %}'
    '{% endfor %}': "a text or list of more than 2,000,000 characters",
    '{% set l = ["x" * 1000] %}{% for i in range(40) %}{{ l.extend(l) or "" }}{% endfor %}':
        "a list of more than 2,000,000 characters",
    '{% macro m() %}{{ "x" * 999999 }}{{ "x" * 999999 }}{{ "x" * 999999 }}{% endmacro %}'
    '{{ m()|length }}': "the template produces more than 2,000,000 characters",
    '{{ lipsum(10**6) }}': "lipsum() of more than 100 paragraphs of 100 words",
    '{{ [1]|batch(10**9, "x")|list|length }}': "a batch of more than 1,000,000",
    '{{ [1]|slice(10**9)|list|length }}': "a slicing of more than 1,000,000",
}


@pytest.mark.parametrize("source", list(MULTIPLIERS))
def test_every_way_of_multiplying_text_is_refused_before_it_allocates(source):
    from jinja2.exceptions import SecurityError

    env = make_environment(None)
    with pytest.raises(SecurityError) as refused:
        env.from_string(source).render()
    assert MULTIPLIERS[source] in str(refused.value)


def test_ordinary_formatting_padding_and_joining_still_work():
    env = make_environment(None)
    source = ('{{ "%5d|%-4s|%.2f" % (3, "ok", 1.5) }} {{ "{:>6}|{:^5}".format("ok", "c") }} '
              '{{ "ab"|center(6) }} {{ [1, 2]|join(",") }} {{ "a" ~ "b" }} {{ "x"|indent(2) }} '
              '{{ "%s" % "y" }} {{ "a-b".replace("-", "+") }} {{ "%d%%"|format(5) }}')
    assert env.from_string(source).render() == (
        "    3|ok  |1.50     ok|  c     ab   1,2 ab x y a+b 5%")



@pytest.fixture
def unchecked(monkeypatch):
    """Builds without check's rendering of the HTML: ``check`` refuses these templates
    before any build (issue 11); these tests show what holds at build time all the same,
    for a template whose fault shows only in the build (a value, a layout)."""
    from undersigned.campaign import rehearsal

    monkeypatch.setattr(rehearsal, "rehearse", lambda *args, **kwargs: None)


def test_a_template_that_formats_a_huge_field_fails_its_output_only(example, unchecked):
    intro(example, '{{ "%0100000000d" % 1 }}')
    report = build(example, documents=[APPEAL], jobs=1)
    failed = {r.label: r.error for r in report.failed}
    assert failed == {
        f"{APPEAL}.{rest}": f"templates/letter-appeal.html:1: {APPEAL}.{rest}: a formatted "
                            "field of more than 1,000,000 characters is not allowed"
        for rest in ("president.en", "president.ru", "prosecutor-general.ru")}


# --- links ------------------------------------------------------------------------------

LINKS = ('<a href="javascript:alert(1)">js</a> <a href="file:///etc/passwd">file</a> '
         '<a href="launch:/bin/sh">launch</a> <a href="data:text/html,x">data</a> '
         '<a href="cases/bokayev.yaml">relative</a> <a href=" JavaScript:alert(2)">js2</a> '
         '<a href="https://example.org/ok">web</a> <a href="mailto:a@example.org">mail</a> '
         '<a href="http://example.org/plain">plain</a>')


def test_only_web_and_mail_links_reach_the_pdf(example):
    intro(example, LINKS)
    report = build_appeal(example)
    assert not report.failed, [r.error for r in report.failed]
    pdf = example / "outputs" / f"{APPEAL_EN}.pdf"
    assert link_targets(pdf) == ["/URI https://example.org/ok", "/URI mailto:a@example.org",
                                 "/URI http://example.org/plain"]
    from conftest import pdf_text
    assert "js file launch data relative js2 web mail plain" in " ".join(pdf_text(pdf).split())


# --- fonts ------------------------------------------------------------------------------

BUNDLED = re.compile(r"^[A-Z]{6}\+Undersigned-Serif(-Bold|-Italic|-BoldItalic)?$")


def pdffonts(pdf: Path) -> list[str]:
    """The fonts poppler's pdffonts finds in a PDF."""
    listing = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    return [line.split()[0] for line in listing if line.strip()]


def test_only_the_bundled_fonts_reach_any_output_whatever_family_is_asked(example):
    """A template's DejaVu Sans Mono and generic families, and a Markdown code span in a
    case summary, are drawn in the bundled font in every output, by the workers too."""
    intro(example, '<p style="font-family: DejaVu Sans Mono">mono</p>'
                   '<p style="font-family: monospace">generic</p><code>code</code>')
    case = example / "cases" / "bokayev.yaml"
    text = case.read_text()
    assert "  en: >-\n    arrested on 17 May" in text
    case.write_text(text.replace("  en: >-\n    arrested", "  en: >-\n    `code` arrested", 1))
    report = build(example, jobs=2)
    assert not report.failed, [r.error for r in report.failed]
    pdfs = sorted((example / "outputs").glob("*.pdf"))
    assert len(pdfs) == 8
    for pdf in pdfs:
        fonts = pdffonts(pdf)
        assert fonts and all(BUNDLED.match(font) for font in fonts), (pdf.name, fonts)


# --- files ------------------------------------------------------------------------------

RENDERS = 300


def _exchange(a: Path, b: Path) -> None:
    """Swap two names at once (renameat2 with RENAME_EXCHANGE), as an attacker would."""
    import ctypes
    import os

    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd, rename_exchange = -100, 2
    if libc.renameat2(at_fdcwd, bytes(a), at_fdcwd, bytes(b), rename_exchange) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))


def test_a_folder_swapped_for_a_link_outside_while_rendering_never_redirects_a_read(
        example, tmp_path):
    """A thread swaps the campaign's images/ with a link to a folder outside, again and
    again, while a page with its image is rendered 300 times: the outside image (10 pixels wide,
    the campaign's is 60) never lands in a PDF; a render that meets the link fails."""
    import io
    import threading

    from conftest import tiny_png
    from undersigned.errors import FetchRefused, RenderError
    from undersigned.pdf.writer import render_pdf

    tiny_png(example / "images" / "logo.png", 60, 24)
    tiny_png(tmp_path / "outside" / "logo.png", 10, 10, rgb=(200, 0, 0))
    (example / "swap").symlink_to(tmp_path / "outside")
    # A page with the image alone, so that many renders fit in seconds.
    html = ('<html lang="en"><body><p>logo</p><img src="images/logo.png" alt="logo"></body></html>')
    label = "swapped"
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            _exchange(example / "images", example / "swap")

    swapper = threading.Thread(target=swap)
    swapper.start()
    widths, refused = [], 0
    try:
        for _ in range(RENDERS):
            try:
                pdf = render_pdf(html, example, label)
            except (FetchRefused, RenderError) as exc:
                assert str(exc).startswith("swapped: "), str(exc)
                refused += 1
                continue
            widths.append(min(int(xobject.get_object()["/Width"])
                              for page in PdfReader(io.BytesIO(pdf)).pages
                              for xobject in (page["/Resources"].get("/XObject") or {}).values()))
    finally:
        stop.set()
        swapper.join()
    assert 10 not in widths, f"the outside image was embedded ({widths.count(10)} times)"
    assert widths.count(60) + refused == RENDERS and widths, (widths, refused)


# --- time and memory: a worker that overruns is killed, the others go on -----------------

ENDLESS = '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}'


def test_a_worker_stuck_past_its_time_limit_is_killed_and_the_build_goes_on(unchecked, example,
                                                                            monkeypatch):
    """Told 2 s, the worker's alarm (or, failing it, the build's watchdog) stops each of
    the three copies of the endless appeal, and the five other outputs are built."""
    import time

    from undersigned.isolate import limits

    real = limits.RENDER_SECONDS, limits.WATCHDOG_GRACE
    monkeypatch.setattr(limits, "RENDER_SECONDS", 2)
    monkeypatch.setattr(limits, "WATCHDOG_GRACE", 0.5)
    intro(example, ENDLESS)
    started = time.monotonic()
    report = build(example, documents=[APPEAL], jobs=2)
    assert time.monotonic() - started < 60
    failed = {r.label: r.error for r in report.failed}
    endless = [f"{APPEAL}.{rest}" for rest in ("president.en", "president.ru",
                                               "prosecutor-general.ru")]
    assert set(endless) <= set(failed)
    # Each endless copy is reported overrun; a worker the watchdog kills fails its own
    # copy only.
    reasons = ("took longer than 2 s to render and was stopped; is some text in it unusually "
               "long?",)
    assert all(error in (f"{label}: {why}" for why in reasons)
               for label, error in failed.items()), failed
    assert any(failed[label].endswith("unusually long?") for label in endless), failed
    # The others, under the real limits (2 s is no time for a letter on a loaded machine):
    monkeypatch.setattr(limits, "RENDER_SECONDS", real[0])
    monkeypatch.setattr(limits, "WATCHDOG_GRACE", real[1])
    others = ["appeal-dzhakishev-tokmadi", "question-dzhakishev-tokmadi",
              "question-political-prisoners"]
    assert not build(example, documents=others, jobs=2).failed
    assert len(list((example / "outputs").glob("*.pdf"))) == 5


MEMORY_HOG = "{% for i in range(75000) %}<p>w</p><p>w</p>{% endfor %}"
"""A letter of 150,000 paragraphs: each element's styles take memory, so a worker under a
320 MiB cap runs out of it within seconds (380,000 words in one paragraph took minutes,
and on a busy machine sometimes hit the time limit first)."""


def test_a_render_past_the_workers_memory_cap_fails_that_output_only(example, monkeypatch,
                                                                     unchecked):
    """Under a 320 MiB address-space cap (the real one is 1 GiB), a letter of 150,000
    paragraphs runs out of memory in its worker: its copies fail with that message, the
    build goes on, and nothing else fails but for that reason.

    Known limit: when GLib aborts the worker (instead of Python raising MemoryError), the
    pool breaks, and an output that shared it may fail as "not rendered, the worker pool
    stopped" after its one retry; the re-run command builds it."""
    from undersigned.isolate import limits

    real_cap = limits.MEMORY_BYTES
    monkeypatch.setattr(limits, "MEMORY_BYTES", 320 * 1024 ** 2)
    intro(example, MEMORY_HOG)
    report = build(example, jobs=2)
    out_of_memory = ("ran out of memory while rendering",
                     "a worker process died while rendering it (killed, or out of memory)")
    pool = ("not rendered, the worker pool stopped",) + out_of_memory
    failed = {r.label: r.error for r in report.failed}
    big = [f"{APPEAL}.{rest}" for rest in ("president.en", "president.ru",
                                           "prosecutor-general.ru")]
    assert set(big) <= set(failed)
    assert any(failed[label] in (f"{label}: {why}" for why in out_of_memory) for label in big)
    assert all(error in (f"{label}: {why}" for why in pool)
               for label, error in failed.items()), failed
    for result in report.results:
        if result.action == "built" and result.written[0].suffix == ".pdf":  # not a web page
            assert PdfReader(result.written[0]).pages
    # The re-run, under the real cap (320 MiB is tight enough that GLib may fail to create
    # a thread even for a small letter), builds the rest.
    monkeypatch.setattr(limits, "MEMORY_BYTES", real_cap)
    others = ["appeal-dzhakishev-tokmadi", "question-dzhakishev-tokmadi",
              "question-political-prisoners"]
    assert not build(example, documents=others, jobs=2).failed


def test_invite_renders_its_drafts_under_the_same_memory_cap_and_fails_the_same_way(
        example, monkeypatch, unchecked):
    """The case above, for ``invite``: its drafts render in the same isolated workers as
    ``build``'s, so the letter that exhausts a worker's memory fails the command with that
    reason, in one line, instead of exhausting (or hanging) the command's own process."""
    import time

    from test_mail import campaign_with_mail, run
    from undersigned.isolate import limits

    monkeypatch.setattr(limits, "MEMORY_BYTES", 320 * 1024 ** 2)
    root = campaign_with_mail(example, 25)  # (no mail is sent: the drafts fail first)
    intro(root, MEMORY_HOG)
    started = time.monotonic()
    result = run("invite", APPEAL, root)
    assert time.monotonic() - started < limits.RENDER_SECONDS
    assert result.exit_code == 1, result.output
    out_of_memory = ("ran out of memory while rendering",
                     "a worker process died while rendering it (killed, or out of memory)")
    assert result.output in [f"error: {APPEAL}.addressee.en (draft): {why}\n" for why in out_of_memory]
    assert not (root / "outputs" / "mail").exists()


# --- Markdown ---------------------------------------------------------------------------

def _summary(root: Path, markdown: str) -> None:
    case = root / "cases" / "bokayev.yaml"
    text = case.read_text()
    assert "  en: >-\n    arrested on 17 May" in text
    case.write_text(text.replace("  en: >-\n    arrested", f"  en: >-\n    {markdown} arrested",
                                 1))


def test_markdown_with_thousands_of_marks_fails_at_once_instead_of_for_minutes(example,
                                                                              unchecked):
    """12,400 code spans (49,600 characters, within a value's limit) took about two minutes
    of WeasyPrint layout per output (1,600 took 14 s); now the output fails in a moment."""
    import time

    _summary(example, "`a`b" * 12_400)
    started = time.monotonic()
    report = build_appeal(example)
    assert time.monotonic() - started < 10
    assert [r.error for r in report.failed] == [
        f"{APPEAL_EN}: a Markdown text has 12,400 marks (code, emphasis, links, line breaks), "
        "more than the 200 one text may have; write it with fewer"]


def test_markdown_with_up_to_200_marks_renders(example):
    _summary(example, "`a`b *c*" * 100)
    report = build_appeal(example)
    assert not report.failed, [r.error for r in report.failed]
    from conftest import pdf_text
    assert "ab cab c" in pdf_text(example / "outputs" / f"{APPEAL_EN}.pdf").replace("\n", " ")
