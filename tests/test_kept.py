"""What is derived from the package's own files is kept between runs (``undersigned.kept``):
the built-in templates' compiled code and scans, the built-in catalogues, the fonts'
coverage. A kept file is only ever a shortcut: damaged, replaced by a pipe or a link,
unwritable, or made by other code, the work is done anew and ``check`` says the same,
word for word. A campaign's own templates are never kept."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from undersigned import kept
from undersigned.campaign.html import render_html
from undersigned.campaign.load import load_campaign
from undersigned.campaign.plan import plan_outputs
from undersigned.cli import cli
from undersigned.errors import Problems
from undersigned.model import i18n
from undersigned.pdf import glyphs
from undersigned.render import environment
from undersigned.render.cache import BUILTIN_CACHE
from undersigned.render.environment import make_environment, time_limit
from undersigned.resources import CATALOGUES_DIR, TEMPLATES_DIR

BUILTIN = {str(p.relative_to(TEMPLATES_DIR)) for p in TEMPLATES_DIR.rglob("*") if p.is_file()}


@pytest.fixture
def kept_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "kept"
    monkeypatch.setattr(kept, "KEPT_DIR", folder)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return folder


@pytest.fixture
def compiled(monkeypatch) -> list[str]:
    """The names of the templates Jinja compiles (rather than reads from what was kept)."""
    names: list[str] = []
    original = environment._Sandbox.compile

    def counting(self, source, name=None, filename=None, *args, **kwargs):
        names.append(name)
        return original(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(environment._Sandbox, "compile", counting)
    return names


def check(root: Path) -> str:
    """``check``'s output, as from a new process (the fonts' coverage is read once in one)."""
    for coverage in (glyphs.font_coverage, glyphs._shipped_coverage, glyphs._cjk_coverage):
        coverage.cache_clear()
    with time_limit(60):  # a kept pipe read without care would block for ever
        result = CliRunner().invoke(cli, ["check", str(root)])
    assert result.exit_code == 0, result.output
    return result.output


def stamps(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def test_a_second_check_reads_what_the_first_kept_and_says_the_same(example, kept_dir,
                                                                     compiled):
    first = check(example)
    labels = {name.split("~")[0] for name in os.listdir(kept_dir)}
    assert {"catalogues", "letter.html", "letter.html.scan", "base.html", "question.html",
            "coverage-shipped"} <= labels
    assert "letter-appeal.html" in compiled and "letter.html" in compiled
    before = stamps(kept_dir)

    compiled.clear()
    assert check(example) == first
    assert compiled == ["letter-appeal.html"]  # the campaign's own, compiled every time
    assert stamps(kept_dir) == before  # read, not written again


def test_a_campaigns_templates_are_never_kept_nor_stood_in_for(example, kept_dir):
    check(example)  # the built-in letter.html is kept
    source = (TEMPLATES_DIR / "letter.html").read_text(encoding="utf-8")
    marked = source.replace("{% block letterhead %}",
                            "{% block letterhead %}<p>CAMPAIGN'S OWN</p>", 1)
    assert marked != source
    (example / "templates" / "letter.html").write_text(marked, encoding="utf-8")
    campaign = example / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8").replace(
        "template: letter-appeal.html", "template: letter.html"), encoding="utf-8")

    loaded = load_campaign(example)
    letter = next(o for o in plan_outputs(loaded) if o.template == "letter.html")
    assert "CAMPAIGN'S OWN" in render_html(loaded, letter)
    labels = {name.split("~")[0].removesuffix(".scan").replace("%", "/")
              for name in os.listdir(kept_dir)}
    assert labels - {"catalogues", "coverage-shipped", "coverage-cjk"} <= BUILTIN | {
        "builtin/" + name for name in BUILTIN}


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(500))


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _link_to_zero(path: Path) -> None:
    path.unlink()
    path.symlink_to("/dev/zero")


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _wrong_json(path: Path) -> None:
    path.write_text(json.dumps({"not": "what was kept"}) if path.suffix == ".json"
                    else "\0" * 64)


@pytest.mark.parametrize("damage", [_garbage, _cut, _empty, _fifo, _link_to_zero, _folder,
                                    _wrong_json], ids=lambda f: f.__name__.strip("_"))
def test_damaged_kept_files_are_done_anew_and_check_says_the_same(example, kept_dir, damage,
                                                                  compiled):
    first = check(example)
    for path in sorted(kept_dir.iterdir()):
        damage(path)
    compiled.clear()
    assert check(example) == first
    assert "letter.html" in compiled  # its kept code could not be used
    # Each was written anew, whole, over what stood in its place (but a folder, left alone).
    for path in kept_dir.iterdir():
        if damage is not _folder:
            assert path.is_file() and not path.is_symlink() and path.stat().st_size > 0


def test_an_unwritable_kept_folder_costs_the_work_not_an_error(example, tmp_path,
                                                               monkeypatch, compiled):
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setattr(kept, "KEPT_DIR", tmp_path / "a-file" / "kept")
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    first = check(example)
    compiled.clear()
    assert check(example) == first
    assert "letter.html" in compiled


def test_nothing_is_kept_under_pythondontwritebytecode(example, kept_dir, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    check(example)
    assert not kept_dir.exists()


def test_what_other_code_kept_is_not_used_and_is_replaced(example, kept_dir, monkeypatch,
                                                          compiled):
    first = check(example)
    before = set(os.listdir(kept_dir))
    monkeypatch.setattr(kept, "_code", "the code of another release")
    compiled.clear()
    assert check(example) == first
    assert "letter.html" in compiled
    after = set(os.listdir(kept_dir))
    assert len(after) == len(before) and not after & before  # one file per label, no more


def test_a_templates_kept_code_stands_only_for_its_own_source(kept_dir):
    env = make_environment(None)
    source, filename, _ = env.loader.get_source(env, "letter.html")
    env.get_template("letter.html")  # compiled and kept
    assert BUILTIN_CACHE.get_bucket(env, "letter.html", filename, source).code is not None
    changed = BUILTIN_CACHE.get_bucket(env, "letter.html", filename, source + "\n")
    assert changed.code is None


@pytest.fixture
def catalogues(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "catalogues"
    shutil.copytree(CATALOGUES_DIR, folder)
    monkeypatch.setattr(i18n, "BUILTIN_CATALOGUES", folder)
    return folder


def test_a_changed_builtin_catalogue_is_read_anew(catalogues, kept_dir):
    assert i18n.builtin_catalogues(Problems())["en"].phrase("yours_sincerely") == \
        "Yours sincerely,"
    en = catalogues / "en.yaml"
    en.write_text(en.read_text(encoding="utf-8").replace("Yours sincerely,", "Sincerely,"),
                  encoding="utf-8")
    assert i18n.builtin_catalogues(Problems())["en"].phrase("yours_sincerely") == "Sincerely,"


def test_a_fault_in_a_builtin_catalogue_is_said_every_time_and_nothing_is_kept(catalogues,
                                                                               kept_dir):
    fr = catalogues / "fr.yaml"
    text = fr.read_text(encoding="utf-8")
    assert 'yours_sincerely: "Nous' in text
    fr.write_text(text.replace('yours_sincerely: "Nous', 'yours_sincerely: "{nobody} Nous', 1),
                  encoding="utf-8")
    for _ in range(2):
        problems = Problems()
        i18n.builtin_catalogues(problems)
        assert [p.message for p in problems.items if p.field == "yours_sincerely"] == [
            "the placeholder {nobody} is not one this phrase is given (it has: none)"]
    assert list(kept_dir.glob("catalogues~*")) == []


def _catalogues_and_template() -> str:
    env = make_environment(None)
    env.get_template("letter.html")
    return json.dumps({lang: c.phrases for lang, c in
                       i18n.builtin_catalogues(Problems()).items()}, sort_keys=True)


def test_processes_keeping_the_same_files_at_once_each_get_them_whole(kept_dir):
    expected = _catalogues_and_template()
    shutil.rmtree(kept_dir)
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.starmap(_catalogues_and_template, [()] * 8)
    assert results == [expected] * 8
    assert _catalogues_and_template() == expected
    assert not [p for p in kept_dir.iterdir() if ".part" in p.name or p.name.startswith(".")]


def test_a_text_that_cannot_be_kept_as_utf8_is_read_each_time(catalogues, kept_dir):
    fr = catalogues / "fr.yaml"
    fr.write_text(fr.read_text(encoding="utf-8").replace('yours_sincerely: "Nous',
                                                         'yours_sincerely: "\\ud800 Nous', 1),
                  encoding="utf-8")
    for _ in range(2):
        phrase = i18n.builtin_catalogues(Problems())["fr"].phrases["yours_sincerely"]
        assert phrase.startswith("\ud800 Nous")
    assert list(kept_dir.glob("catalogues~*")) == []
