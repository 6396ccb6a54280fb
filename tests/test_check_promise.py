"""What ``check`` passes, ``build`` builds; what a build reads, its input hash covers.

The fixtures under ``tests/broken/`` hold the messages word for word; these tests hold
what is not a message: input hashes, ``status`` on an unreadable template, names read
as NFC, the language-neutral marker, and copies that differ only by a recipient.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_broken_inputs import make_campaign, run_check
from undersigned.batch.fingerprint import Fingerprinter
from undersigned.campaign import load_campaign
from undersigned.campaign.plan import all_outputs
from undersigned.cli import cli
from undersigned.errors import CampaignInvalid


def _letter_template(root: Path, body: str) -> None:
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "letter.html").write_text(
        '{% extends "builtin/letter.html" %}\n{% block additions %}\n' + body
        + "\n{% endblock %}\n", encoding="utf-8")


def _hashes(root: Path) -> dict[str, str]:
    loaded = load_campaign(root)
    fingerprint = Fingerprinter(loaded)
    return {o.stem: fingerprint.output_hash(o) for o in all_outputs(loaded)}


def test_files_a_template_fetches_are_part_of_the_input_hash(tmp_path):
    root = make_campaign(None, tmp_path)
    _letter_template(root, '<link rel="stylesheet" href="style.css"><p>x</p>')
    (root / "style.css").write_text("p { background: url(pic.png) }\n")
    (root / "pic.png").write_bytes(b"\x89PNG one")
    before = _hashes(root)
    (root / "style.css").write_text("p { background: url(pic.png); color: red }\n")
    after_css = _hashes(root)
    (root / "pic.png").write_bytes(b"\x89PNG two")
    after_image = _hashes(root)
    letters = [stem for stem in before if stem.startswith("appeal.")]
    assert letters
    for stem in letters:
        assert before[stem] != after_css[stem] != after_image[stem]
    assert before["question.en"] == after_css["question.en"] == after_image["question.en"]


@pytest.mark.parametrize("make_evil", ["latin-1", "too-large", "link-outside"])
def test_status_and_hash_survive_an_unreadable_template_reached_by_expression(
        tmp_path, make_evil):
    root = make_campaign(None, tmp_path)
    _letter_template(root, "{% if false %}{% include document.subject %}{% endif %}")
    load_campaign(root)  # passes: the template is sound so far
    evil = root / "templates" / "evil.html"
    if make_evil == "latin-1":
        evil.write_bytes("Caf\xe9\n".encode("latin-1"))
    elif make_evil == "too-large":
        evil.write_bytes(b"x" * (1024 * 1024 + 1))
    else:
        (tmp_path / "secret.html").write_text("secret")
        evil.symlink_to(tmp_path / "secret.html")
    with pytest.raises(CampaignInvalid) as info:  # check now names it
        load_campaign(root)
    assert [p.path for p in info.value.problems] == ["templates/evil.html"]
    result = CliRunner().invoke(cli, ["status", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception


def test_check_renders_a_copy_whose_recipient_lacks_a_field(tmp_path):
    root = make_campaign(None, tmp_path)
    text = (root / "campaign.yaml").read_text(encoding="utf-8")
    second = ("  minister:\n    name:\n      en: A Minister\n      ru: Министр\n"
              "    position:\n      en: Minister\n      ru: Министр\n"
              "    salutation:\n      en: Dear Minister,\n      ru: Уважаемый министр!\n")
    text = text.replace("documents:\n", second + "documents:\n", 1)
    text = text.replace("    recipients: [president]\n", "    recipients: [minister, president]\n")
    (root / "campaign.yaml").write_text(text, encoding="utf-8")
    _letter_template(root, "<p>{{ recipient.position.upper() }}</p>")
    result = run_check(root)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "templates/letter.html:3: appeal.president.en: 'None' has no attribute 'upper'")


def test_names_are_read_as_nfc_so_a_decomposed_spelling_is_no_variant(tmp_path):
    root = make_campaign(None, tmp_path)
    composed = "José Bokayev"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    case = root / "cases" / "bokayev.yaml"
    case.write_text(case.read_text(encoding="utf-8").replace(
        "  - name: Maks Bokayev\n    variants: [Max Bokayev, Bokaev]",
        f"  - name: {composed}\n    variants: [{decomposed}, Bokaev]"), encoding="utf-8")
    campaign = root / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8").replace(
        "We ask you to release Maks Bokayev.", f"We ask you to release {decomposed}."),
        encoding="utf-8")
    loaded = load_campaign(root)
    assert loaded.warnings == []
    assert loaded.cases["bokayev"].people[0].variants[0] == composed


def test_texts_marked_the_same_in_every_language_and_places_give_no_warning(tmp_path):
    root = make_campaign(None, tmp_path)
    path = root / "campaign.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    salutation:\n      en: Dear Mr President,\n"
                        "      ru: Уважаемый господин Президент!\n",
                        '    salutation: {"*": "Dear Mr President,"}\n')
    text = text.replace("    place:\n      en: Brussels\n      ru: Брюссель\n",
                        "    place: Brussels\n")
    path.write_text(text, encoding="utf-8")
    assert load_campaign(root).warnings == []


def test_check_of_the_example_renders_every_copy_without_a_problem(example):
    result = CliRunner().invoke(cli, ["check", str(example), "--strict"])
    assert result.exit_code == 0, result.stderr
