"""``undersigned catalogue LANG``: a starter catalogue for any language Babel knows, which
``check`` refuses until its marked phrases are translated, and then builds."""

from __future__ import annotations

from click.testing import CliRunner

from conftest import pdf_text
from undersigned.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_a_starter_catalogue_passes_check_once_translated(tmp_path):
    root = tmp_path / "campaign"
    assert run("init", root).exit_code == 0
    campaign = root / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace("    languages: [en]\n",
                                                     "    languages: [en, sq]\n"))
    written = run("catalogue", "sq", root)
    assert written.exit_code == 0, written.output
    starter = (root / "catalogues" / "sq.yaml").read_text()
    assert starter.startswith("# Phrases of the built-in templates in Albanian "
                              "(shqip).\n")
    assert "yours_sincerely: 'TRANSLATE: Yours sincerely,'\n" in starter

    refused = run("check", root)
    assert refused.exit_code == 1
    assert ("catalogues/sq.yaml:13:1: yours_sincerely: not translated yet: replace "
            "'TRANSLATE: Yours sincerely,' with the sq phrase") in refused.output

    translated = starter.replace("'TRANSLATE: Yours sincerely,'", "Me respekt,")
    translated = translated.replace("TRANSLATE: ", "")
    (root / "catalogues" / "sq.yaml").write_text(translated)
    checked = run("check", root)
    assert checked.exit_code == 0, checked.output
    built = run("build", root)
    assert built.exit_code == 0, built.output
    text = pdf_text(root / "outputs" / "appeal.minister.sq.pdf")
    assert "Me respekt," in text
    assert "15\u00a0janar\u00a02025" in text  # the date from Babel, in Albanian


def test_an_existing_catalogue_is_kept_and_unknown_languages_refused(example):
    (example / "catalogues").mkdir(exist_ok=True)
    mine = example / "catalogues" / "fr.yaml"
    mine.write_text("yours_sincerely: Cordialement,\n")
    kept = run("catalogue", "fr", example)
    assert kept.exit_code == 1
    assert kept.output == (f"error: {mine} already exists; edit it, or give --force to "
                           "replace it with a new starter\n")
    assert mine.read_text() == "yours_sincerely: Cordialement,\n"
    unknown = run("catalogue", "azz", example)
    assert unknown.exit_code == 2
    assert unknown.output == ("error: 'azz' is not a language Babel knows; did you mean "
                              "'az'? (give an ISO 639 code: az, fr, kk ...)\n")


def test_a_builtin_language_starts_from_its_translation(example):
    assert run("catalogue", "ru", example).exit_code == 0
    text = (example / "catalogues" / "ru.yaml").read_text()
    assert ": 'TRANSLATE: " not in text  # every phrase has its built-in translation
    assert "yours_sincerely: С уважением,\n" in text
    assert run("check", example).exit_code == 0


def test_an_empty_catalogue_gets_one_message_that_says_what_to_do(example):
    (example / "catalogues").mkdir(exist_ok=True)
    (example / "catalogues" / "sq.yaml").write_text("")
    campaign = example / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace(
        "    languages: [en, ru]\n", "    languages: [en, ru, sq]\n", 1))
    result = run("check", example)
    assert result.exit_code == 1
    catalogue_lines = [l for l in result.output.splitlines() if "catalogue" in l]
    assert catalogue_lines == ["catalogues/sq.yaml: the file is empty; `undersigned catalogue "
                               "sq` writes one with every phrase to translate"]


def test_a_source_for_a_phrase_the_catalogue_lacks_is_a_warning(tmp_path):
    from undersigned.errors import Problems
    from undersigned.model.i18n import load_catalogues

    (tmp_path / "catalogues").mkdir()
    (tmp_path / "catalogues" / "fr.yaml").write_text(
        'subject: "Objet"\nsources:\n  subjet: https://example.org\n  subject: 3\n')
    problems = Problems()
    catalogues = load_catalogues(tmp_path, problems)
    assert [str(p) for p in problems.warnings] == [
        "catalogues/fr.yaml:3:3: warning: sources.subjet: there is no phrase 'subjet' in "
        "this catalogue; did you mean 'subject'?"]
    assert [str(p) for p in problems.errors] == [
        "catalogues/fr.yaml:4:3: sources.subject: a source is text: the page's address, "
        "or a note saying the phrase was not checked"]
    assert "sources.subjet" not in catalogues["fr"].phrases
