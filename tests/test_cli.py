"""The command line as a user meets it: exact output, exit codes, help, docs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO
from undersigned import __version__
from undersigned.cli import cli

COMMANDS = sorted(cli.commands)


def run(*args, **kwargs):
    return CliRunner().invoke(cli, list(args), **kwargs)


def test_check_on_the_example_prints_its_summary(example):
    result = run("check", str(example))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{example / 'campaign.yaml'}: Political prisoners in Kazakhstan, autumn 2017",
        "  17 cases, 1 signatory list (13 signatories), 2 recipients",
        "  5 documents: 2 letters, 2 written questions, 1 announcement",
        "  a build would write 14 files (8 PDFs, 2 web pages, 4 text exports) to outputs/",
        "ok",
    ]
    assert result.stderr == ""


def test_check_does_not_import_weasyprint(example):
    code = ("import sys; from undersigned.cli import main; sys.argv=['undersigned','check',"
            f"{str(example)!r}]\ntry: main()\nexcept SystemExit: pass\n"
            "assert 'weasyprint' not in sys.modules, 'weasyprint imported'")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


PLUGIN = """import os, sys
sys.stderr.write("a pydantic plugin was loaded\\n")
with open(os.environ["PLUGIN_MARK"], "a") as mark:  # (a fork server's stderr is silenced)
    mark.write(f"loaded in {os.getpid()}\\n")

class Watching:
    def new_schema_validator(self, *args, **kwargs):
        return None, None, None

plugin = Watching()
"""


def test_a_pydantic_plugin_installed_alongside_changes_nothing_the_command_does(example, tmp_path):
    """A package that registers a pydantic plugin is loaded by any program that builds a
    pydantic model; the command line, and the fork server its workers come from, validate
    with pydantic alone, and do not even read the installed packages' entry points
    (``importlib.metadata``: 20 ms of ``check``)."""
    import os

    site = tmp_path / "site"
    (site / "watching-1.0.dist-info").mkdir(parents=True)
    (site / "watching-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: watching\nVersion: 1.0\n")
    (site / "watching-1.0.dist-info" / "entry_points.txt").write_text(
        "[pydantic]\nwatching = watching:plugin\n")
    (site / "watching.py").write_text(PLUGIN)
    mark = tmp_path / "loaded"
    env = {**os.environ, "PLUGIN_MARK": str(mark), "PYTHONPATH": os.pathsep.join(
        [str(site)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    other_program = subprocess.run(
        [sys.executable, "-c", "import pydantic\nclass M(pydantic.BaseModel):\n    x: int"],
        env=env, capture_output=True, text=True)
    assert other_program.stderr == "a pydantic plugin was loaded\n"
    assert mark.read_text().count("loaded in") == 1
    mark.unlink()
    code = ("import sys; from undersigned.cli import main; sys.argv=['undersigned','check',"
            f"{str(example)!r}]\ntry: main()\nexcept SystemExit: pass\n"
            "print('importlib.metadata' in sys.modules)")
    checked = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True)
    assert checked.stderr == ""
    assert checked.stdout.splitlines()[-2:] == ["ok", "False"]
    built = subprocess.run([sys.executable, "-m", "undersigned.cli", "build", str(example),
                            "-d", "appeal-dzhakishev-tokmadi", "-l", "en", "--jobs", "2"],
                           env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert "1 built" in built.stdout
    assert not mark.exists()


def test_verify_prints_no_warning_of_a_library(built_example):
    """pyHanko imports DSA, which cryptography 51 deprecates with a warning: `sign` and
    `verify` printed it above their own lines (found by a fresh install in CI)."""
    letter = built_example / "outputs" / "appeal-political-prisoners.president.en.pdf"
    run = subprocess.run([sys.executable, "-W", "default", "-m", "undersigned.cli", "verify",
                          str(letter)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "Warning" not in run.stdout + run.stderr, run.stderr


def test_missing_campaign_folder_is_a_usage_error(tmp_path):
    result = run("check", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'nowhere'}: no such folder\n"


def test_folder_without_campaign_file_says_how_to_start(tmp_path):
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (f"error: {tmp_path}: there is no campaign.yaml here; "
                             "create a campaign with `undersigned init DIR`\n")


def test_init_creates_a_campaign_that_passes_check_and_builds(tmp_path):
    target = tmp_path / "new"
    result = run("init", str(target))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == f"next: cd {target} && undersigned check && undersigned build"
    assert run("check", str(target), "--strict").exit_code == 0
    built = run("build", str(target))
    assert built.exit_code == 0, built.output
    assert (target / "outputs" / "appeal.minister.en.pdf").stat().st_size > 1000


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = run("init", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == (f"error: {tmp_path} already exists and is not empty; "
                             "choose a new folder name\n")
    assert (tmp_path / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("kind", ["campaign", "case", "signatories"])
def test_schema_is_json_schema_with_field_descriptions(kind):
    result = run("schema", kind)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    for name, field in schema["properties"].items():
        assert field.get("description"), f"{kind}.{name} has no description"


def test_the_schema_describes_nested_fields_by_the_docstrings_under_them():
    # The models do not have pydantic read their docstrings at every start: the schema does.
    from undersigned.model.models import Person
    from undersigned.schema import attribute_docstrings

    schema = json.loads(run("schema", "case").stdout)
    person = schema["$defs"]["Person"]["properties"]
    docs = attribute_docstrings(Person)
    assert person and set(person) == set(docs)
    for name, field in person.items():
        assert field["description"] == docs[name]
    assert Person.model_fields["title"].description is None


def test_schema_validates_the_example_files(tmp_path):
    import jsonschema
    import yaml

    run("schema", "--output-dir", str(tmp_path))
    pairs = [("campaign", REPO / "campaign.yaml")]
    pairs += [("case", path) for path in sorted((REPO / "cases").glob("*.yaml"))]
    pairs += [("signatories", path) for path in sorted((REPO / "signatories").glob("*.yaml"))]
    for kind, path in pairs:
        schema = json.loads((tmp_path / f"{kind}.schema.json").read_text())
        data = yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # all scalars as text
        data = json.loads(json.dumps(data))
        errors = [e for e in jsonschema.Draft202012Validator(schema).iter_errors(data)
                  if e.validator not in ("type", "anyOf", "oneOf")]  # BaseLoader reads 8 as "8"
        assert not errors, (path, errors[0].message)


def test_version():
    result = run("--version")
    assert result.stdout == f"undersigned, version {__version__}\n"


def test_unknown_filter_value_is_a_usage_error_with_a_hint(example):
    result = run("build", str(example), "--document", "apeal-political-prisoners")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: there is no document 'apeal-political-prisoners' "
                                    "in the campaign; did you mean 'appeal-political-prisoners'?")
    assert not (example / "outputs").exists()


def test_preview_writes_html_of_one_copy(example):
    result = run("preview", "appeal-political-prisoners", str(example), "-r", "prosecutor-general")
    assert result.exit_code == 0, result.output
    path = example / "outputs" / "appeal-political-prisoners.prosecutor-general.ru.html"
    assert Path(result.stdout.strip()).resolve() == path.resolve()
    html = path.read_text()
    assert '<html lang="ru"' in html
    assert "Генеральному прокурору Республики Казахстан" in html


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert f"undersigned {command}" in result.stdout.split("Example:")[1]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_in_the_readme(command):
    readme = (REPO / "README.md").read_text()
    assert re.search(rf"`undersigned {command}\b", readme), f"README does not document {command}"


def test_cli_py_runs_from_the_checkout_without_installing():
    result = subprocess.run([sys.executable, str(REPO / "cli.py"), "--version"],
                            capture_output=True, text=True, cwd=REPO.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"undersigned, version {__version__}\n"


def test_help_is_fast_because_it_imports_no_library():
    code = ("import sys; from undersigned.cli import main; sys.argv=['undersigned','--help']\n"
            "try: main()\nexcept SystemExit: pass\n"
            "loaded = [m for m in ('weasyprint', 'pydantic', 'jinja2', 'babel') if m in sys.modules]\n"
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_every_error_speaks_in_one_voice_usage_mistakes_included(example):
    unknown_option = run("build", str(example), "--nope")
    assert unknown_option.exit_code == 2
    assert unknown_option.stderr == ("error: No such option '--nope'. Did you mean '--force'? "
                                     "(see: undersigned build --help)\n")
    missing_argument = run("respond")
    assert missing_argument.exit_code == 2
    assert missing_argument.stderr == ("error: Missing argument 'DOCUMENT'. "
                                       "(see: undersigned respond --help)\n")
    assert "Usage:" not in unknown_option.output + missing_argument.output


def test_a_reader_that_leaves_early_ends_the_command_quietly():
    """`undersigned … | head`: no 'Broken pipe' error, no traceback (the pipe's reader is
    gone before the command writes its first line)."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        process = subprocess.run([sys.executable, "-m", "undersigned.cli", "schema", "case"],
                                 stdout=write_end, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write_end)
    assert process.stderr == ""
    assert process.returncode == 1
