"""`undersigned serve`: the live preview, driven in Chromium (Playwright), and its defences
against other sites (Host and Origin headers) and paths out of the output folder."""

from __future__ import annotations

import http.client
import os
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import tiny_png
from undersigned.cli import cli
from undersigned.errors import Problem
from undersigned.preview import with_base
from undersigned.serve.app import own_hosts
from undersigned.serve.server import exposed, make_server
from undersigned.serve.views import located

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LETTER = "appeal-political-prisoners.president.en"
WAIT_MS = 15_000  # a generous bound for a loaded CI machine, not a measurement
SUMMARY = "arrested on 12 June 2017 in an operation"


@pytest.fixture
def served(example: Path):
    """The example campaign served on a free port, in a thread; yields (address, folder)."""
    server, sock, url = make_server(example, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    ready = threading.Event()
    while not server.started and thread.is_alive():
        ready.wait(0.02)
    yield url.rstrip("/"), example
    server.should_exit = True
    thread.join(20)


def request(url: str, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (no normalisation of ``..``), with the server's Host
    unless ``headers`` say otherwise."""
    host = url.removeprefix("http://")
    connection = http.client.HTTPConnection(host, timeout=30)
    connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    for name, value in {"Host": host, **(headers or {})}.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


# --- in the browser --------------------------------------------------------------------------

@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (scripts/bootstrap --test installs it)")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def pages_say(page, text: str) -> None:
    """Wait until a page image of the copy carries ``text`` (its alt text is the page's text)."""
    try:
        page.wait_for_function(
            "text => [...document.querySelectorAll('#pages img')]"
            ".some(img => img.alt.replace(/\\s+/g, ' ').includes(text))", arg=text,
            timeout=WAIT_MS)
    except Exception:
        print(page.content()[-3000:])
        raise


def test_edit_break_and_fix_a_case_while_its_letter_is_open(served, browser):
    url, root = served
    page = browser.new_page()
    page.goto(url + "/")
    assert page.title() == "Political prisoners in Kazakhstan, autumn 2017 · undersigned"
    row = page.locator(f"tr[data-stem='{LETTER}']")
    assert row.locator("td").nth(1).inner_text() == "president"
    row.get_by_role("link", name="appeal-political-prisoners").click()
    page.wait_for_url(f"{url}/copy/{LETTER}")
    pages_say(page, SUMMARY)
    assert page.locator("#pages img").count() == 3
    page.mouse.wheel(0, 900)
    page.wait_for_function("window.scrollY > 0")
    scrolled = page.evaluate("window.scrollY")

    case = root / "cases" / "tokmadi.yaml"
    original = case.read_text(encoding="utf-8")
    case.write_text(original.replace(SUMMARY, "arrested on 12 June 2017 in Almaty in an "
                                     "operation"), encoding="utf-8")
    pages_say(page, "arrested on 12 June 2017 in Almaty in an operation")
    assert page.evaluate("window.scrollY") == scrolled  # the reload kept the place

    case.write_text(original.replace("arrested: 2017-06-12", "arrested: 12 June 2017"),
                    encoding="utf-8")
    error = page.locator("#errors li").first
    error.wait_for(timeout=WAIT_MS)
    assert error.locator("code").inner_text() == (
        'cases/tokmadi.yaml:9:1: arrested: expected a date like 2017-06-12 (or 2017-06, or '
        '2017), got "12 June 2017"')
    assert error.locator("pre").inner_text() == "arrested: 12 June 2017\n^"
    assert page.locator("#pages").count() == 0

    case.write_text(original, encoding="utf-8")
    pages_say(page, SUMMARY)
    assert page.locator("#errors").count() == 0

    page.goto(url + "/")  # the campaign page follows the copy's new state as it lands
    page.wait_for_function(
        "stem => document.querySelector(`tr[data-stem='${stem}'] .state`)"
        ".innerText.trim() === 'up-to-date'", arg=LETTER, timeout=WAIT_MS)


def test_the_switcher_leads_to_the_other_copies_and_the_pdf_downloads(served, browser):
    url, _ = served
    page = browser.new_page()
    page.goto(f"{url}/copy/{LETTER}")
    switcher = page.locator(".switcher li")
    assert switcher.all_inner_texts() == ["president en", "president ru", "prosecutor-general ru"]
    pages_say(page, SUMMARY)
    with page.expect_download() as download:
        page.locator("a.download").click()
    assert download.value.suggested_filename == f"{LETTER}.pdf"
    page.get_by_role("link", name="president ru").click()
    page.wait_for_url(f"{url}/copy/appeal-political-prisoners.president.ru")
    pages_say(page, "Уважаемый господин Президент!")


def test_the_sign_on_page_lists_the_answers(served, browser):
    url, _ = served
    page = browser.new_page()
    page.goto(url + "/")
    page.get_by_role("link", name="appeal-political-prisoners", exact=True).last.click()
    heading = page.locator("#agreed h2")
    assert heading.inner_text().startswith("Agreed (")
    assert page.locator("#agreed li").count() == int(heading.inner_text()[8:-1])


# --- refusing other sites and other files -----------------------------------------------------

def test_a_foreign_host_or_origin_is_refused(served):
    url, _ = served
    assert request(url, "/")[0] == 200
    assert request(url, "/", {"Host": "evil.example:80"}) == (
        403, b"refused: the Host header does not name this server")
    assert request(url, "/", {"Host": "evil.example"})[0] == 403
    assert request(url, "/events", {"Origin": "http://evil.example"}) == (
        403, b"refused: the request comes from another site")
    assert request(url, "/", {"Origin": url})[0] == 200


@pytest.mark.parametrize("path", [
    "/outputs/../campaign.yaml", "/outputs/%2e%2e/campaign.yaml", "/outputs/%2e%2e%2fcampaign.yaml",
    "/outputs/..%2F..%2Fetc%2Fpasswd", "/outputs/%2Fetc%2Fpasswd", "//etc/passwd",
    "/outputs//etc/passwd", "/pages/..%2fcampaign.yaml", "/assets/..%2f..%2fcli.py",
    "/../campaign.yaml", "/%2e%2e/%2e%2e/etc/passwd", "/cases/tokmadi.yaml",
    "/outputs/campaign.yaml", "/outputs/.manifest.json"])
def test_no_path_leads_out_of_what_is_served(served, path):
    url, _ = served
    status, body = request(url, path)
    assert status == 404
    assert b"root:" not in body and b"title:" not in body


def test_a_link_out_of_the_outputs_is_not_followed(served):
    url, root = served
    outputs = root / "outputs"
    outputs.mkdir(exist_ok=True)
    (outputs / f"{LETTER}.pdf").symlink_to(root / "campaign.yaml")
    assert request(url, f"/outputs/{LETTER}.pdf")[0] == 404


def test_only_its_own_assets_are_served(served):
    url, _ = served
    status, body = request(url, "/assets/serve.js")
    assert status == 200 and b"EventSource" in body
    assert request(url, "/assets/__init__.py")[0] == 404


# --- the parts ----------------------------------------------------------------------------------

def test_the_hosts_it_answers_to():
    assert own_hosts("127.0.0.1", 8000) == {"127.0.0.1:8000", "localhost:8000", "[::1]:8000"}
    assert own_hosts("192.168.1.5", 8000) == {"192.168.1.5:8000"}


def test_listening_beyond_this_machine_warns():
    assert exposed("127.0.0.1") is None and exposed("::1") is None
    assert exposed("0.0.0.0") == (
        "warning: listening on 0.0.0.0: anyone who can reach this machine can read the "
        "campaign's letters and cases; use --host 127.0.0.1 unless you mean it")


def test_a_problem_shows_its_line(tmp_path):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "a.yaml").write_text("name: A\narrested: 12 June\n", encoding="utf-8")
    shown = located(tmp_path, Problem("cases/a.yaml", 2, 11, "arrested", "expected a date"))
    assert (shown.text, shown.source, shown.column) == (
        "cases/a.yaml:2:11: arrested: expected a date", "arrested: 12 June", 11)
    outside = located(tmp_path, "../../etc/passwd:1:1: nothing to see")
    assert outside.source == ""


def test_serve_refuses_a_folder_without_a_campaign(tmp_path):
    result = CliRunner().invoke(cli, ["serve", str(tmp_path), "--port", "0"])
    assert result.exit_code == 2  # as every command given a folder without a campaign
    assert result.output == (f"error: {tmp_path}: there is no campaign.yaml here; create a "
                             "campaign with `undersigned init DIR`\n")


# --- preview ------------------------------------------------------------------------------------

def test_preview_images_resolve_from_where_the_html_is_written(example, tmp_path):
    logo = tiny_png(example / "assets" / "logo.png")
    result = CliRunner().invoke(cli, ["preview", "appeal-political-prisoners", str(example)])
    assert result.exit_code == 0, result.output
    html = (example / "outputs" / f"{LETTER}.html").read_text(encoding="utf-8")
    assert '<head><base href="../">' in html
    assert (example / "outputs" / "../assets/logo.png").resolve() == logo.resolve()


def test_the_base_leads_back_to_the_campaign(tmp_path):
    html = "<!DOCTYPE html><html><head lang=en><title>x</title></head></html>"
    assert with_base(html, tmp_path, tmp_path / "out" / "x.html") == (
        '<!DOCTYPE html><html><head lang=en><base href="../"><title>x</title></head></html>')
    assert '<base href="./">' in with_base(html, tmp_path, tmp_path / "x.html")
    assert '<base href="../campaign%20one/">' in with_base(
        html, tmp_path / "campaign one", tmp_path / "elsewhere" / "x.html")


def test_preview_open_without_a_browser_fails_and_says_so(example, monkeypatch):
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    monkeypatch.chdir(example)
    result = CliRunner().invoke(cli, ["preview", "appeal-political-prisoners", "--open"])
    assert result.exit_code == 1
    assert result.output == (
        f"outputs/{LETTER}.html\n"
        f"error: no browser found to open outputs/{LETTER}.html; open it by hand, or set "
        "BROWSER to the browser's command\n")


# --- the render worker ------------------------------------------------------------------------

def _letter_output(root: Path):
    from undersigned.campaign.load import load_campaign
    from undersigned.campaign.plan import plan_outputs

    loaded = load_campaign(root)
    return plan_outputs(loaded, ["appeal-political-prisoners"], ["president"], ["en"])[0]


def test_a_crashed_render_fails_its_copy_and_the_next_round_renders(example, tmp_path):
    import signal as signals

    from undersigned.serve.renders import Renders

    output = _letter_output(example)
    renders = Renders(example, tmp_path)
    try:
        _, worker = renders.start([output])
        os.kill(worker.pid, signals.SIGKILL)  # as the out-of-memory killer would
        [crashed] = list(renders.results(worker, [output]))
        assert crashed.error == (f"{output.stem}: a worker process died while rendering it "
                                 "(killed, or out of memory)")
        assert crashed.pages == []
        _, worker = renders.start([output])
        [rendered] = list(renders.results(worker, [output]))
        assert rendered.error is None and len(rendered.pages) == 3
    finally:
        renders.stop()


def test_a_newer_round_supersedes_the_running_one(example, tmp_path):
    from undersigned.serve.renders import Renders

    output = _letter_output(example)
    renders = Renders(example, tmp_path)
    try:
        first, old = renders.start([output])
        second, worker = renders.start([output])  # a second save, at once
        assert second == first + 1 and not old.is_alive()
        assert list(renders.results(old, [output])) == []
        [rendered] = list(renders.results(worker, [output]))
        text = " ".join(" ".join(page.text for page in rendered.pages).split())
        assert rendered.error is None and SUMMARY in text
    finally:
        renders.stop()
