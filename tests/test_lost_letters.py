"""Letters lost by a lossy export (issues 22, 27, 28-C): the Parliament's lists imported
without a damaged name, and one detector of lost letters and unprintable characters for
YAML values, table cells and names, every finding located."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from table_campaign import HEADER, make_table_campaign
from undersigned.campaign.load import load_campaign
from undersigned.cli import cli
from undersigned.errors import CampaignInvalid, Problems
from undersigned.model.text import lost_letters

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
TERM_7 = DATA / "ep-open-data" / "meps-term-7.csv"
TERM_8 = DATA / "ep-open-data" / "meps-term-8.csv"
TERM_9 = DATA / "ep-open-data" / "meps-term-9.csv"
NAMES_9 = DATA / "meps-term-9-names.xml"
LOST = "\ufffd"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def errors_of(folder: Path) -> list[str]:
    try:
        load_campaign(folder)
    except CampaignInvalid as exc:
        return [str(p) for p in exc.problems if p.severity == "error"]
    return []


def names_of(listed: Path) -> list[tuple[str, str]]:
    made = yaml.safe_load(listed.read_text(encoding="utf-8"))["signatories"]
    return [(s["given"], s["family"]) for s in made]


# --- the Parliament's lists -------------------------------------------------------------


@pytest.mark.parametrize("source, damaged", [(TERM_8, None), (TERM_9, 71)])
def test_an_import_writes_no_damaged_name_and_says_who_needs_repair(tmp_path, example,
                                                                     source, damaged):
    target = example / "signatories" / "imported.yaml"
    result = run("meps", "import", source, "--term", source.stem[-1], "-o", target)
    assert result.exit_code == 1, result.output  # names to repair
    lines = result.output.splitlines()
    assert len(lines) < 20, result.output
    names = names_of(target)
    assert not any("?" in given + family for given, family in names)
    hit = [n for n in names if LOST in n[0] + n[1]]
    if damaged:
        assert len(hit) == damaged
    text = target.read_text(encoding="utf-8")
    assert "id: kone-na" not in text
    warning = next(line for line in lines if "names lost letters" in line)
    assert warning.startswith(f"{target}: warning: {len(hit)} Members' names lost letters "
                              f"in {source.name}")
    assert lines[-1].endswith(f"; {len(hit)} names to repair ('undersigned check' fails "
                              "until they are)")
    # every damaged Member is listed with --verbose, and check fails at each field
    verbose = run("meps", "import", source, "--term", source.stem[-1], "-o",
                  tmp_path / "again.yaml", "--verbose")
    for given, family in hit:
        assert f"{given} {family.upper()} (" in verbose.output
    errors = errors_of(example)
    fields = sum(1 for n in hit for part in n if LOST in part)
    assert len([e for e in errors if "imported.yaml" in e and "U+FFFD" in e]) == fields


def test_konecna_is_written_from_the_xml_list_and_checks_clean(example):
    target = example / "signatories" / "t9.yaml"
    result = run("meps", "import", TERM_9, "--term", 9, "--id", 23699, "--id", 23768,
                 "--id", 23868, "--groups", NAMES_9, "-o", target)
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {target}: 3 Members from {TERM_9}\n"
    assert names_of(target) == [("Kateřina", "Konečná"), ("Bogusław", "Liberadzki"),
                                ("Monika", "Beňová")]
    made = yaml.safe_load(target.read_text(encoding="utf-8"))["signatories"]
    assert [m["id"] for m in made] == ["konecna", "liberadzki", "benova"]
    assert [m["group"] for m in made] == ["GUE/NGL", "S&D", "S&D"]  # The Left is GUE/NGL
    assert errors_of(example) == []


def test_a_damaged_member_gets_an_id_from_the_ep_id(tmp_path):
    target = tmp_path / "t9.yaml"
    result = run("meps", "import", TERM_9, "--term", 9, "--id", 23699, "-o", target)
    assert result.exit_code == 1
    made = yaml.safe_load(target.read_text(encoding="utf-8"))["signatories"]
    assert (made[0]["id"], made[0]["given"], made[0]["family"]) == (
        "ep-23699", f"Kate{LOST}ina", f"Kone{LOST}ná")
    assert result.stderr.splitlines(keepends=True)[-1] == (
        f"{target}: warning: 1 Member's name lost letters in meps-term-9.csv (the file is Windows-1252, "
        f"which cannot hold them): written with {LOST} where a letter is missing, which check "
        f"refuses until it is written: Kate{LOST}ina KONE{LOST}NÁ (meps-term-9.csv:35, "
        "katerina.konecna@europarl.europa.eu); import again with the Parliament's XML list "
        "(--groups FILE.xml), which spells them, or write each name as the Member does\n")


def test_the_same_warning_for_many_members_is_one_line(tmp_path):
    result = run("meps", "import", TERM_8, "--term", 8, "-o", tmp_path / "t8.yaml")
    group_lines = [line for line in result.stderr.splitlines() if "no political group" in line]
    assert group_lines == [
        f"{tmp_path / 't8.yaml'}: warning: 860 Members: no political group in the source; add group: (or give "
        "--groups with the Parliament's XML list) (Charles Goerens, Jean-Marie Le Pen, "
        "Reimer Böge and 857 more; --verbose lists them all)"]
    verbose = run("meps", "import", TERM_8, "--term", 8, "-o", tmp_path / "v.yaml", "-v")
    assert len([x for x in verbose.stderr.splitlines() if "no political group" in x]) == 860


def test_a_term_7_list_is_imported(tmp_path):
    target = tmp_path / "t7.yaml"
    result = run("meps", "import", TERM_7, "--term", 7, "--groups", DATA / "meps-term-7.xml",
                 "-o", target)
    assert result.exit_code == 0, result.output
    made = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert made["term"] == 7
    assert [(s["family"], s["group"]) for s in made["signatories"]] == [
        ("Schulz", "S&D"), ("Brok", "PPE"), ("Goerens", "ALDE"), ("Liberadzki", "S&D"),
        ("Beňová", "S&D"), ("Panzeri", "S&D"), ("Farage", "EFD")]
    assert names_of(target)[3] == ("Bogusław", "Liberadzki")  # repaired from the XML list


def test_the_registry_knows_terms_5_to_10():
    from undersigned.model.terms import TERMS

    assert sorted(TERMS) == [5, 6, 7, 8, 9, 10]
    assert TERMS[5].find_group("Group of the European Liberal, Democrat and Reform Party").ep \
        == "ELDR"
    assert TERMS[6].group("IND/DEM") is not None and TERMS[6].group("S&D") is None
    assert TERMS[7].suggestion("PSE") == "the PSE group became S&D in 2009: write 'S&D'"
    # as the Parliament's election-results pages name them (1999-2004 and 2004-2009)
    assert TERMS[5].group("PSE").name == "Group of the Party of European Socialists"
    assert TERMS[6].group("PSE").name == "Socialist Group in the European Parliament"
    assert TERMS[5].find_group("Technical Group of Independent Members - mixed group").ep \
        == "TDI"


def test_a_campaign_declares_a_terms_groups(example):
    """A term the registry does not know, and a group formed mid-term, declared in the
    signatory list: check accepts them, and still refuses a group nobody declared."""
    listed = example / "signatories" / "meps-2017.yaml"
    text = listed.read_text(encoding="utf-8")
    text = text.replace("term: 8\n", "term: 8\ngroups:\n  - {ep: NEW, name: A New Group}\n")
    text = text.replace("group: S&D\n    ep_id: 124867", "group: NEW\n    ep_id: 124867")
    listed.write_text(text, encoding="utf-8")
    assert errors_of(example) == []
    other = example / "signatories" / "term-11.yaml"
    other.write_text("term: 11\ngroups:\n  - {ep: FUT, name: Future Group}\nsignatories:\n"
                     "  - {given: Ann, family: Example, country: BE, group: FUT}\n"
                     "  - {given: Bob, family: Other, country: BE, group: OLD}\n",
                     encoding="utf-8")
    errors = errors_of(example)
    assert len(errors) == 1 and errors[0].startswith(
        "signatories/term-11.yaml:6:") and "group" in errors[0], errors


def test_meps_check_gives_no_advice_from_a_citizenship(tmp_path):
    """Kelam's citizenship is Spain in the open data; with the XML list, which gives the
    Member State, check says which source says what and advises the XML's."""
    listed = tmp_path / "l.yaml"
    example = (REPO / "signatories" / "meps-2017.yaml").read_text(encoding="utf-8")
    listed.write_text(example.replace("country: EE", "country: FI", 1), encoding="utf-8")
    result = run("meps", "check", listed, TERM_8, "--groups", DATA / "meps-2017.xml")
    line = next(x for x in result.output.splitlines() if "KELAM" in x)
    assert line.endswith("warning: signatories[4].country: the Parliament lists Tunne KELAM "
                         "for EE, not FI (its open data gives ES as the citizenship, "
                         "meps-term-8.csv:176); write EE")


# --- one detector for every text --------------------------------------------------------


@pytest.mark.parametrize("text, lost", [
    ("Kate?ina", [4]), ("?ukasz", [0]), ("??? ?????!", [0, 1, 2, 4, 5, 6, 7, 8]),
    ("Why? Because.", []), ("Is it so?", []), ('"Really?!"', []), ("See ?", [4]),
])
def test_the_lost_letter_detector(text, lost):
    assert lost_letters(text) == lost


def _check_errors(folder: Path) -> list[str]:
    return [e for e in errors_of(folder) if "U+" in e or "letter was lost" in e]


@pytest.mark.parametrize("value, found", [
    ("Beni?ei", "has '?' where a letter was lost"),
    (f"Beni{LOST}ei", "contains U+FFFD where a letter was lost"),
    ("Beni\x9bei", "U+009B"),
    ("Beni\u202eie", "contains U+202E RIGHT-TO-LEFT OVERRIDE, which can disguise text"),
])
def test_check_fails_at_a_damaged_name_in_a_signatory_list(example, value, found):
    listed = example / "signatories" / "meps-2017.yaml"
    text = listed.read_text(encoding="utf-8").replace("family: Benifei", f"family: {value}")
    listed.write_bytes(text.encode("utf-8"))
    line = next(n for n, x in enumerate(text.split("\n"), 1) if x.endswith(value))
    errors = errors_of(example)
    assert any(e.startswith(f"signatories/meps-2017.yaml:{line}:") and found in e
               for e in errors), errors


def test_check_fails_at_a_damaged_name_in_a_case_and_passes_a_question_in_prose(example):
    case = example / "cases" / "bokayev.yaml"
    text = case.read_text(encoding="utf-8")
    case.write_text(text.replace("name: Maks Bokayev", "name: Maks Boka?ev")
                    .replace("    Maks Bokayev, a civil", "    Was he released? Not yet. Maks "
                             "Bokayev, a civil", 1)
                    .replace("notes: >-\n", "notes: >-\n  Why? Because.\n", 1),
                    encoding="utf-8")
    errors = errors_of(example)
    assert [e for e in errors if "bokayev.yaml" in e] == [
        "cases/bokayev.yaml:3:5: people[0].name: 'Maks Boka?ev' has '?' where a letter was "
        "lost (Windows-1252, Excel's default CSV export, cannot hold it); write the name "
        "with its letters, as the person spells it (the Parliament's XML list or a UTF-8 "
        "export has it)"]


# --- tables -------------------------------------------------------------------------------


CYRILLIC_ROW = ["ngo-1", "Анна Новак", "Директор", "ул. Ленина 1", "Баку",
                "Dear Ms Nowak,", "Уважаемая госпожа Новак!", "ru", "anna@ngo.example.org"]


def test_a_cp1252_export_of_cyrillic_fails_check_at_its_cells(tmp_path):
    """What Excel's default CSV export writes of Russian: '?' for every letter (27)."""
    folder = make_table_campaign(tmp_path / "c", 1)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, CYRILLIC_ROW])
    (folder / "recipients.csv").write_bytes(out.getvalue().encode("cp1252", errors="replace"))
    errors = [e for e in errors_of(folder) if e.startswith("recipients.csv")]
    assert errors[0] == (
        "recipients.csv:2:2: column 'Name': '???? ?????' has '?' where a letter was lost "
        "(character 1): the program that saved the file wrote '?' for letters its encoding "
        "could not hold (Excel's default CSV export does); export it as \"CSV UTF-8\" (or as "
        ".xlsx) from the original")
    assert [e.split(":")[1:3] for e in errors if "letter was lost" in e] == [
        ["2", "2"], ["2", "3"], ["2", "4"], ["2", "5"], ["2", "7"]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("bad, found", [
    ("\x1b[2JDirector", "contains the control character U+001B; remove it"),
    ("\u202eDirector", "contains U+202E RIGHT-TO-LEFT OVERRIDE, which can disguise text"),
    (f"Dir{LOST}ctor", "contains U+FFFD where a letter was lost"),
])
def test_a_table_cell_gets_the_checks_of_a_yaml_value(tmp_path, fmt, bad, found):
    """28-C: a recipient's cell with an ESC sequence or a bidi override fails check at its
    row and column, as the same text in YAML does."""
    folder = make_table_campaign(tmp_path / "c", 2, fmt)
    path = folder / f"recipients.{fmt}"
    if fmt == "csv":
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        lines[2] = lines[2].replace("Director 2", bad, 1)
        path.write_text("".join(lines), encoding="utf-8", newline="")
    else:
        import openpyxl
        book = openpyxl.load_workbook(path)
        sheet = book.active
        sheet.cell(row=3, column=2).value = bad if "\x1b" not in bad else "x"
        book.save(path)
        if "\x1b" in bad:  # openpyxl refuses to write ESC; write it as Excel escapes it
            _replace_in_xlsx(path, "<t>x</t>", "<t>_x001B_[2JDirector</t>")
    errors = [e for e in errors_of(folder) if "recipients" in e]
    assert any(e.startswith(f"recipients.{fmt}") and ":3:2: column 'Name': " in e
               and found in e for e in errors), errors


def _replace_in_xlsx(path: Path, old: str, new: str) -> None:
    import zipfile

    parts = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            parts[info.filename] = archive.read(info.filename)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data.replace(old.encode(), new.encode()))


def test_one_windows_1252_csv_is_read_alike_as_recipients_and_as_answers(tmp_path):
    """Issue 20: one reader, one encoding and delimiter policy, whatever reads the file."""
    from undersigned.answers.table import read_answers
    from undersigned.tables.read import open_table

    path = tmp_path / "export.csv"
    path.write_bytes("member;answer;date;note\nŠoltes;oui;19/10/2017;répondu « d’accord »\n"
                     .encode("cp1252"))
    problems = Problems()
    table = open_table(path, "export.csv", problems)
    assert (table.header, list(table.rows)) == (
        ["member", "answer", "date", "note"],
        [(2, ["Šoltes", "oui", "19/10/2017", "répondu « d’accord »"])])
    rows = read_answers(path, "export.csv", None, problems)
    assert [(r.line, r.member, r.note) for r in rows] == [(2, "Šoltes", "répondu « d’accord »")]
    assert problems.items == []
    # and as a recipients table: the same cells, through the same model checks
    folder = make_table_campaign(tmp_path / "c", 1)
    row = ["ngo-1", "Igor Šoltes", "Député", "", "Bruxelles", "Cher Monsieur,", "", "en",
           "igor@example.org"]
    (folder / "recipients.csv").write_bytes((";".join(HEADER) + "\n" + ";".join(row) + "\n")
                                            .encode("cp1252"))
    loaded = load_campaign(folder)
    assert loaded.campaign.recipients["ngo-1"].name.get("en") == "Igor Šoltes"


@pytest.mark.parametrize("how", ["yaml", "table"])
def test_a_control_character_in_a_name_never_reaches_the_workbook(example, tmp_path, how):
    """28-C: ``signatures --xlsx`` with an ESC sequence in a Member's name (in YAML, or in
    a cell of a signatory table) stops at the name's place, in one voice, with the ESC
    escaped: no IllegalCharacterError, no raw control character on the terminal."""
    listed = example / "signatories" / "meps-2017.yaml"
    text = listed.read_text(encoding="utf-8")
    if how == "yaml":
        listed.write_text(text.replace("given: Brando", 'given: "\\e]0;pwned\\a Brando"'),
                          encoding="utf-8")
        where = "signatories/meps-2017.yaml:"
    else:
        data = yaml.safe_load(text)
        rows = [["ID", "Given", "Family", "Country", "Group", "EP id"]] + [
            [m["id"], m["given"], m["family"], m["country"], m["group"], str(m["ep_id"])]
            for m in data["signatories"]]
        rows[2][1] = "\x1b]0;pwned\x07 Brando"
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        (example / "signatories" / "members.csv").write_text(out.getvalue(), encoding="utf-8")
        listed.write_text("term: 8\ntable:\n  file: signatories/members.csv\n  columns:\n"
                          "    id: ID\n    given: Given\n    family: Family\n"
                          "    country: Country\n    group: Group\n    ep_id: EP id\n",
                          encoding="utf-8")
        where = "signatories/members.csv:3:2: column 'Given': "
    target = tmp_path / "answers.xlsx"
    result = run("signatures", "appeal-political-prisoners", example, "--xlsx", target)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "IllegalCharacter" not in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert where in result.output and "U+001B" in result.output
    assert not target.exists()


def test_the_workbook_escapes_what_xlsx_cannot_hold():
    from undersigned.answers.workbook import _cell

    assert _cell("\x1b]0;x\x07 Brando") == "\\x1b]0;x\\x07 Brando"
    assert _cell("=1+1") == "'=1+1"


# --- spreadsheet mapping (27) -------------------------------------------------------------


MAPPED = """recipient_tables:
  ngos:
    file: recipients.csv
    columns:
      name: [First, Last]
      position: Position
      salutation: {EN: Salutation, RU: Salutation RU}
      languages: Languages
      email: E-mail

"""


def _mapped_campaign(tmp_path: Path, rows: list[list[str]], declaration: str = MAPPED) -> Path:
    folder = make_table_campaign(tmp_path / "c", 1)
    text = (folder / "campaign.yaml").read_text(encoding="utf-8")
    start = text.index("recipient_tables:")
    end = text.index("documents:\n")
    (folder / "campaign.yaml").write_text(text[:start] + declaration + text[end:],
                                          encoding="utf-8")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [["First", "Last", "Position", "Salutation", "Salutation RU", "Languages", "E-mail"]]
        + rows)
    (folder / "recipients.csv").write_text(out.getvalue(), encoding="utf-8")
    return folder


ANNA = ["Anna", "Nowak", "Director", "Dear Ms Nowak,", "Уважаемая госпожа Новак!", "EN, RU",
        "anna@ngo.example.org"]


def test_a_name_from_two_columns_and_languages_as_people_write_them(tmp_path):
    folder = _mapped_campaign(tmp_path, [ANNA])
    loaded = load_campaign(folder)
    anna = loaded.campaign.recipients["anna-nowak"]
    assert anna.name.get("en") == "Anna Nowak"
    assert anna.languages == ["en", "ru"]
    assert anna.salutation.get("ru") == "Уважаемая госпожа Новак!"
    # the position is written once but printed in en and ru: warned at its cell
    warnings = [str(w) for w in loaded.warnings if "written once" in str(w)]
    assert warnings and all(w.startswith("recipients.csv:2:3: warning: recipients.anna-nowak"
                                         ".position: written once") for w in warnings), warnings


def test_a_name_per_language_makes_the_id_from_the_english_one(tmp_path):
    declaration = MAPPED.replace("name: [First, Last]", "name: {en: First, RU: Last}")
    folder = _mapped_campaign(tmp_path, [["Anna Nowak", "Анна Новак"] + ANNA[2:]], declaration)
    loaded = load_campaign(folder)
    assert loaded.campaign.recipients["anna-nowak"].name.get("ru") == "Анна Новак"


def test_a_repeated_row_is_named_as_such_and_no_message_shows_none_or_a_pattern(tmp_path):
    folder = _mapped_campaign(tmp_path, [
        ANNA, ANNA,
        ["Ben", "Olsen", "", "Dear Mr Olsen,", "", "en",
         "icsantos@x.example.org; mailto:isabel.santos@x.example.org"],
        ["", "", "", "Dear colleague,", "", "en", ""]])
    errors = [e for e in errors_of(folder) if e.startswith("recipients.csv")]
    assert errors == [
        "recipients.csv:3: the row repeats row 2; remove one of them",
        "recipients.csv:4:7: email: expected one e-mail address like name@example.org, got "
        "'icsantos@x.example.org; mailto:isabel.santos@x.example.org'; give one address per "
        "cell",
        "recipients.csv:5:1: name: missing; this field is required"]
    assert not any("None" in e or "^[" in e for e in errors)


def test_meps_check_never_advises_a_damaged_spelling(tmp_path):
    """The open data's 'Kate?ina' is no spelling to write: a list that says Kateřina checks
    clean against it, and another spelling is told apart without the damaged one as advice."""
    listed = tmp_path / "l.yaml"
    listed.write_text("term: 9\nsignatories:\n"
                      "  - {given: Kateřina, family: Konečná, country: CZ, group: GUE/NGL, "
                      "ep_id: 23699}\n"
                      "  - {given: Boguslav, family: Liberadzki, country: PL, group: S&D, "
                      "ep_id: 23768}\n", encoding="utf-8")
    result = run("meps", "check", listed, TERM_9)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (f"{listed}:4:6: warning: signatories[1].given: differs from "
                        f"meps-term-9.csv:37, whose 'Bogus{LOST}aw' lost letters in the "
                        "Parliament's export: compare with its XML list (--groups), which "
                        "spells them")
    assert lines[1:] == [f"2 Members compared with {TERM_9}: 1 difference"]


def test_meps_import_for_a_term_the_list_declares(tmp_path):
    """A term after the registry's, its groups declared in the list to update: the XML
    list's groups are found among them, and the list keeps its declaration."""
    listed = tmp_path / "t11.yaml"
    listed.write_text("term: 11\ngroups:\n  - {ep: FUT, name: Future Group}\n"
                      "signatories:\n  - {given: Ann, family: Example, country: BE, "
                      "group: FUT}\n", encoding="utf-8")
    source = tmp_path / "meps.xml"
    source.write_text("<meps><mep><fullName>Kateřina KONEČNÁ</fullName><country>Czechia"
                      "</country><politicalGroup>Future Group</politicalGroup><id>23699</id>"
                      "</mep></meps>", encoding="utf-8")
    result = run("meps", "import", source, "--term", 11, "-o", listed)
    assert result.exit_code == 0, result.output
    made = yaml.safe_load(listed.read_text(encoding="utf-8"))
    assert made["groups"] == [{"ep": "FUT", "name": "Future Group"}]
    assert made["signatories"][-1]["group"] == "FUT"
    unknown = run("meps", "import", source, "--term", 11, "-o", tmp_path / "new.yaml")
    assert unknown.exit_code == 2
    assert "for another, declare its groups in the signatory list" in unknown.output


def test_a_region_written_once_is_warned_of_as_any_text(example):
    """27: "Baku" printed as typed in the Russian copy; a town is spelt per language."""
    case = example / "cases" / "bokayev.yaml"
    text = case.read_text(encoding="utf-8")
    case.write_text(text.replace("region:\n  en: Atyrau\n  ru: Атырау\n", "region: Atyrau\n"),
                    encoding="utf-8")
    loaded = load_campaign(example)
    assert any(str(w).startswith("cases/bokayev.yaml:9:1: warning: region: written once, "
                                 "but printed in the en/ru copies") for w in loaded.warnings), \
        [str(w) for w in loaded.warnings]
