"""Broken campaigns, one fixture folder per failure, checked word for word.

Every folder under ``tests/broken/`` (and ``tests/warnings/``) holds only the
files that differ from the valid minimal campaign in ``tests/broken/_base/``;
a file named ``NAME.delete`` removes ``NAME`` from the copy. ``expected.txt``
holds the problem lines ``undersigned check`` must print on stderr, in order.

Some fixtures expose bugs of the library. Their ``expected.txt`` says what the
output *should* be, and the tests are marked ``xfail(strict=True)`` below, so
that fixing the bug makes them pass and the marker has to go.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from undersigned.campaign import LoadedCampaign, load_campaign
from undersigned.cli import cli
from undersigned.errors import CampaignInvalid, CampaignNotFound, Problem, Problems
from undersigned.model.yamlfile import YamlFile, read_yaml

TESTS = Path(__file__).parent
BROKEN = TESTS / "broken"
WARNINGS = TESTS / "warnings"
BASE = BROKEN / "_base"
SUMMARY = re.compile(r"^(\d+) errors?, (\d+) warnings?; nothing was written$")

# --- known bugs of the library -------------------------------------------------------

WRONG: dict[str, str] = {
    # Fixture name -> why the library gets it wrong; such tests are xfail(strict=True).
    # Empty: every bug this corpus found has been fixed.
}
NOT_REPORTED: dict[str, str] = {}


def _fixtures(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _params(folder: Path, *known: dict[str, str]) -> list:
    params = []
    for fixture in _fixtures(folder):
        reasons = [bugs[fixture.name] for bugs in known if fixture.name in bugs]
        marks = [pytest.mark.xfail(reason="; ".join(reasons), strict=True)] if reasons else []
        params.append(pytest.param(fixture, id=fixture.name, marks=marks))
    return params


# --- helpers -------------------------------------------------------------------------


def make_campaign(fixture: Path | None, tmp_path: Path) -> Path:
    """The base campaign copied into ``tmp_path``, with the fixture's files laid over it."""
    root = tmp_path / "campaign"
    shutil.copytree(BASE, root)
    if fixture is None:
        return root
    for path in sorted(fixture.rglob("*")):
        rel = path.relative_to(fixture)
        if path.is_dir() or rel == Path("expected.txt"):
            continue
        if path.name.endswith(".delete"):
            target = root / rel.with_name(path.name.removesuffix(".delete"))
            shutil.rmtree(target) if target.is_dir() else target.unlink()
            continue
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, root / rel)
    return root


def make_campaign_overlay(root: Path, fixture: Path) -> None:
    """Lay a second fixture's YAML files over a campaign already made."""
    for path in fixture.rglob("*.yaml"):
        shutil.copyfile(path, root / path.relative_to(fixture))


def expected_lines(fixture: Path) -> list[str]:
    return (fixture / "expected.txt").read_text(encoding="utf-8").splitlines()


def run_check(root: Path, *options: str):
    result = CliRunner().invoke(cli, ["check", str(root), *options])
    # A user's mistake must never end in a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    return result


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not SUMMARY.match(line)]


def summary_line(stderr: str) -> str:
    return stderr.splitlines()[-1]


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --- the base campaign ---------------------------------------------------------------


def test_base_campaign_passes_check(tmp_path):
    result = run_check(make_campaign(None, tmp_path))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines()[1:] == [
        "  1 case, 1 signatory list (2 signatories), 1 recipient",
        "  2 documents: 1 letter, 1 written question",
        "  a build would write 4 files (3 PDFs, 1 text export) to outputs/",
        "ok",
    ]


def test_base_campaign_passes_check_strict(tmp_path):
    result = run_check(make_campaign(None, tmp_path), "--strict")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "ok"


def test_corpus_is_large_enough():
    assert len(_fixtures(BROKEN)) >= 30
    for fixture in _fixtures(BROKEN) + _fixtures(WARNINGS):
        assert expected_lines(fixture), f"{fixture.name}/expected.txt is empty"


# --- broken campaigns, end to end ----------------------------------------------------


@pytest.mark.parametrize("fixture", _params(BROKEN, WRONG))
def test_check_prints_exactly_the_expected_problems(fixture, tmp_path):
    """check fails, and its problem lines on stderr are expected.txt, in order."""
    result = run_check(make_campaign(fixture, tmp_path))
    assert problem_lines(result.stderr) == expected_lines(fixture)
    assert result.exit_code == 1
    assert result.stdout == ""


@pytest.mark.parametrize("fixture", _params(BROKEN, NOT_REPORTED))
def test_check_summary_counts_the_problems(fixture, tmp_path):
    result = run_check(make_campaign(fixture, tmp_path))
    assert summary_line(result.stderr) == (
        f"{count(len(expected_lines(fixture)), 'error')}, 0 warnings; nothing was written")


# --- warnings ------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", _params(WARNINGS))
def test_warning_is_printed_and_check_passes(fixture, tmp_path):
    result = run_check(make_campaign(fixture, tmp_path))
    expected = expected_lines(fixture)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == expected
    assert result.stdout.splitlines()[-1] == f"ok ({count(len(expected), 'warning')})"


@pytest.mark.parametrize("fixture", _params(WARNINGS))
def test_warning_fails_check_strict(fixture, tmp_path):
    result = run_check(make_campaign(fixture, tmp_path), "--strict")
    expected = [line.replace(": warning: ", ": ", 1) for line in expected_lines(fixture)]
    assert result.exit_code == 1
    assert problem_lines(result.stderr) == expected
    assert summary_line(result.stderr) == (
        f"{count(len(expected), 'error')}, 0 warnings; nothing was written")
    assert "ok" not in result.stdout


# --- a campaign that is not there ----------------------------------------------------


def test_check_without_campaign_file_exits_2(tmp_path):
    result = run_check(tmp_path)
    assert result.exit_code == 2
    assert result.stderr == (f"error: {tmp_path}: there is no campaign.yaml here; create a "
                             "campaign with `undersigned init DIR`\n")


def test_check_of_missing_folder_exits_2(tmp_path):
    result = run_check(tmp_path / "nowhere")
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'nowhere'}: no such folder\n"


# --- the library, called directly ----------------------------------------------------


def test_load_campaign_returns_the_base(tmp_path):
    loaded = load_campaign(make_campaign(None, tmp_path))
    assert isinstance(loaded, LoadedCampaign)
    assert sorted(loaded.cases) == ["bokayev"]
    assert sorted(loaded.lists) == ["meps"]
    assert [m.id for m in loaded.lists["meps"].signatories] == ["kelam", "delvaux"]
    assert sorted(loaded.campaign.documents) == ["appeal", "question"]
    assert loaded.warnings == []


def test_load_campaign_raises_campaign_invalid_with_located_problems(tmp_path):
    root = make_campaign(BROKEN / "duplicate-key", tmp_path)
    with pytest.raises(CampaignInvalid) as info:
        load_campaign(root)
    assert Problem("cases/bokayev.yaml", 8, 1, "status",
                   "duplicate key 'status' (first given on line 5); a key may appear only "
                   "once", "error") in info.value.problems
    assert str(info.value) == f"{len(info.value.problems)} error(s) in the campaign"


def test_load_campaign_reports_every_file_at_once(tmp_path):
    root = make_campaign(BROKEN / "kind-typo", tmp_path)
    make_campaign_overlay(root, BROKEN / "group-gue-nl")
    make_campaign_overlay(root, BROKEN / "sentence-before-arrest")
    with pytest.raises(CampaignInvalid) as info:
        load_campaign(root)
    assert [(p.path, p.line, p.column, p.field) for p in info.value.problems] == [
        ("campaign.yaml", 16, 5, "documents.appeal.kind"),
        ("cases/bokayev.yaml", 7, 1, "sentenced"),
        ("signatories/meps.yaml", 11, 5, "signatories[1].group"),
    ]
    assert {p.severity for p in info.value.problems} == {"error"}


def test_problem_str_is_the_cli_line():
    problem = Problem("cases/x.yaml", 3, 5, "arrested", "expected a date", "error")
    assert str(problem) == "cases/x.yaml:3:5: arrested: expected a date"
    assert str(Problem("cases/x.yaml", message="the file is empty")) == \
        "cases/x.yaml: the file is empty"
    assert str(Problem("a.yaml", 1, 0, "", "m", "warning")) == "a.yaml:1: warning: m"


def test_warnings_are_returned_and_strict_makes_them_errors(tmp_path):
    root = make_campaign(WARNINGS / "non-canonical-spelling", tmp_path)
    loaded = load_campaign(root)
    assert loaded.warnings == [Problem(
        "campaign.yaml", 29, 5, "documents.appeal.intro",
        "'Max Bokayev' is not the canonical spelling; the case files write 'Maks Bokayev'",
        "warning")]
    with pytest.raises(CampaignInvalid) as info:
        load_campaign(root, strict=True)
    assert [p.severity for p in info.value.problems] == ["error"]
    assert info.value.problems[0].message == loaded.warnings[0].message


def test_missing_campaign_file_raises_campaign_not_found(tmp_path):
    with pytest.raises(CampaignNotFound) as info:
        load_campaign(tmp_path)
    assert info.value.exit_code == 2


def test_country_no_is_norway_not_false(tmp_path):
    root = make_campaign(None, tmp_path)
    path = root / "signatories" / "meps.yaml"
    path.write_text(path.read_text().replace("country: LU", "country: NO"))
    loaded = load_campaign(root)
    assert loaded.lists["meps"].signatories[1].country == "NO"


def test_nul_byte_in_logo_is_a_problem(tmp_path):
    root = make_campaign(None, tmp_path)
    path = root / "campaign.yaml"
    path.write_text(path.read_text().replace("sender:\n", 'sender:\n  logo: "logo\\0.png"\n'))
    with pytest.raises(CampaignInvalid) as info:
        load_campaign(root)
    assert [(p.path, p.line, p.column, p.field) for p in info.value.problems] == [
        ("campaign.yaml", 3, 9, "sender.logo")]  # refused where the value stands


def test_nul_byte_in_signature_image_is_a_problem(tmp_path):
    root = make_campaign(None, tmp_path)
    path = root / "signatories" / "meps.yaml"
    path.write_text(path.read_text().replace(
        "    group: PPE\n", '    group: PPE\n    signature_image: "sig\\0.png"\n'))
    with pytest.raises(CampaignInvalid) as info:
        load_campaign(root)
    assert [(p.path, p.line, p.column, p.field) for p in info.value.problems] == [
        ("signatories/meps.yaml", 8, 22, "signatories[0].signature_image")]


# --- read_yaml, called directly ------------------------------------------------------


def _read(tmp_path: Path, text: str | bytes) -> tuple[YamlFile | None, Problems]:
    path = tmp_path / "file.yaml"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    problems = Problems()
    return read_yaml(path, "file.yaml", problems), problems


def test_read_yaml_types_only_yaml_1_2_core_scalars(tmp_path):
    source, problems = _read(tmp_path, "a: NO\nb: on\nd: 2017-13-45\ne: true\nf: 12\n"
                                       "g: 1.5\nh: ~\ni: yes\nj: 0o12\nk: 0x1F\nl: -0\n")
    assert problems.items == []
    assert source.data == {"a": "NO", "b": "on", "d": "2017-13-45", "e": True, "f": 12,
                           "g": 1.5, "h": None, "i": "yes", "j": "0o12", "k": "0x1F", "l": 0}


@pytest.mark.parametrize("text", ["0012", "010000", "-007"])
def test_read_yaml_leading_zero_stays_text(tmp_path, text):
    source, problems = _read(tmp_path, f"a: {text}\n")
    assert problems.items == []
    assert source.data == {"a": text}


def test_read_yaml_keeps_positions(tmp_path):
    source, _ = _read(tmp_path, "people:\n  - name: Maks\n    variants: [Max, Bokaev]\n")
    assert source.position(("people",)) == (1, 1)
    assert source.position(("people", 0, "name")) == (2, 5)
    assert source.position(("people", 0, "variants", 1)) == (3, 21)
    assert source.position(("people", 0, "nothing", "here")) == (2, 5)


def test_read_yaml_bom_is_allowed(tmp_path):
    source, problems = _read(tmp_path, b"\xef\xbb\xbftitle: x\n")
    assert problems.items == [] and source.data == {"title": "x"}


def test_read_yaml_refuses_too_large_files(tmp_path):
    source, problems = _read(tmp_path, b"# " + b"x" * (2 * 1024 * 1024) + b"\n")
    assert source is None
    assert [str(p) for p in problems.items] == [
        "file.yaml: the file is 2,097,155 bytes; campaign files are limited to 2,097,152 "
        "bytes"]


def test_read_yaml_unreadable_file(tmp_path):
    problems = Problems()
    assert read_yaml(tmp_path / "absent.yaml", "absent.yaml", problems) is None
    assert [str(p) for p in problems.items] == [
        "absent.yaml: cannot read the file: No such file or directory"]
