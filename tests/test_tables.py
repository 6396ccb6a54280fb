"""Recipients from CSV and XLSX tables: read through the same model, located errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from table_campaign import HEADER, make_table_campaign
from undersigned.campaign.load import load_campaign
from undersigned.cli import cli
from undersigned.errors import CampaignInvalid


def _check(folder: Path):
    return CliRunner().invoke(cli, ["check", str(folder)])


def _errors(folder: Path) -> list[str]:
    with pytest.raises(CampaignInvalid) as caught:
        load_campaign(folder)
    return [str(p) for p in caught.value.problems if p.severity == "error"]


def _write_csv(folder: Path, text: str | bytes) -> None:
    path = folder / "recipients.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


ROW = "ngo-1,Anna Nowak,Director,1 Rue de la Loi,1040 Brussels,\"Dear Ms Nowak,\",,en,anna@ngo.example.org\n"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_letter_goes_to_every_row_of_a_table(tmp_path, fmt):
    folder = make_table_campaign(tmp_path / "c", 30, fmt)
    loaded = load_campaign(folder)
    letter = loaded.campaign.documents["appeal-political-prisoners"]
    assert [c.recipient for c in letter.recipients][:3] == ["president", "prosecutor-general",
                                                             "ngo-000001"]
    assert len(letter.recipients) == 32
    recipient = loaded.campaign.recipients["ngo-000030"]
    assert recipient.name.get("en") == "Director 30"
    assert [line.get("en") for line in recipient.address] == ["30 Rue de la Loi",
                                                               "1040 Brussels, Belgium"]
    assert recipient.salutation.get("ru") == "Уважаемый директор!"
    result = _check(folder)
    assert result.exit_code == 0, result.output
    assert "32 recipients" in result.output


def test_a_table_builds_pdfs(tmp_path):
    folder = make_table_campaign(tmp_path / "c", 2, "xlsx")
    result = CliRunner().invoke(cli, ["build", str(folder), "-d", "appeal-political-prisoners",
                                      "-r", "ngo-000002", "-j", "1"])
    assert result.exit_code == 0, result.output
    from pypdf import PdfReader
    text = PdfReader(folder / "outputs" / "appeal-political-prisoners.ngo-000002.en.pdf") \
        .pages[0].extract_text()
    assert "Director 2" in text and "Dear Director," in text


def test_dry_run_of_a_large_table(tmp_path):
    folder = make_table_campaign(tmp_path / "c", 3000)
    result = CliRunner().invoke(cli, ["build", str(folder), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "appeal-political-prisoners.ngo-003000.en.pdf" in result.output


def test_bad_rows_are_all_reported_at_their_row_and_column(tmp_path):
    folder = make_table_campaign(tmp_path / "c", 1)
    _write_csv(folder, ",".join(HEADER) + "\n" + ROW
               + "ngo-1,Bob,,,,\"Dear Bob,\",,en,\n"
               + "ngo-3,Carl,,,,,,en,not-an-address\n"
               + ",,,,,,,,\n"
               + "Bad Id,Dora,,,,Hi,,en,\n")
    assert _errors(folder) == [
        "recipients.csv:3:1: id: the id 'ngo-1' is taken by row 2 too; give each row an id "
        "of its own",
        "recipients.csv:4:6: salutation: missing; this field is required",
        "recipients.csv:4:9: email: expected one e-mail address like name@example.org, got "
        "'not-an-address'",
        "recipients.csv:5: the row is empty, between rows of data; remove it (or fill it)",
        "recipients.csv:6:1: id: 'Bad Id' cannot be an id: at most 64 lower-case letters, "
        "digits and hyphens, e.g. 'bad-id'",
    ]


def test_a_header_without_a_mapped_column(tmp_path):
    folder = make_table_campaign(tmp_path / "c", 1)
    _write_csv(folder, ",".join(h if h != "Position" else "Posiiton" for h in HEADER)
               + "\n" + ROW)
    assert _errors(folder) == [
        "recipients.csv:1: columns.position: no column 'Position' in the header; did you "
        "mean 'Posiiton'? (columns: " + ", ".join(HEADER).replace("Position", "Posiiton") + ")"]


def test_encoding_other_than_declared(tmp_path):
    folder = make_table_campaign(tmp_path / "c", 1)
    _write_csv(folder, (",".join(HEADER) + "\n" + ROW.replace("Anna Nowak", "Igor Šoltes"))
               .encode("cp1252"))
    text = (folder / "campaign.yaml").read_text()
    (folder / "campaign.yaml").write_text(text.replace("    file: recipients.csv\n",
                                                       "    file: recipients.csv\n"
                                                       "    encoding: utf-8\n"))
    assert _errors(folder) == [
        "recipients.csv:2:12: the file is declared as utf-8, but byte 0x8a is not "
        "utf-8 text; declare its real encoding (cp1252, for example) or export it as CSV UTF-8"]


def test_cp1252_bom_and_semicolons_are_detected(tmp_path):
    folder = make_table_campaign(tmp_path / "c", 1)
    _write_csv(folder, (";".join(HEADER) + "\n" + ROW.replace(",", ";")
                        .replace("Anna Nowak", "Igor Šoltes")).encode("cp1252"))
    assert load_campaign(folder).campaign.recipients["ngo-1"].name.get("en") == "Igor Šoltes"
    _write_csv(folder, b"\xef\xbb\xbf" + (",".join(HEADER) + "\n" + ROW).encode())
    assert "ngo-1" in load_campaign(folder).campaign.recipients


def test_a_declared_delimiter_that_is_not_the_files(tmp_path):
    folder = make_table_campaign(tmp_path / "c", 1)
    _write_csv(folder, ";".join(HEADER) + "\n" + ROW.replace(",", ";"))
    text = (folder / "campaign.yaml").read_text()
    (folder / "campaign.yaml").write_text(text.replace("    file: recipients.csv\n",
                                                       "    file: recipients.csv\n"
                                                       "    delimiter: ','\n"))
    assert _errors(folder) == [
        "recipients.csv:1:1: the header is one column, 'ID;Name;Position;Street;City;Salutati...'"
        ": the file is separated by ';', not ','; declare delimiter: ';'"]


def _xlsx_folder(tmp_path) -> Path:
    return make_table_campaign(tmp_path / "c", 3, "xlsx")


def test_xlsx_formulas_and_merged_cells(tmp_path):
    import openpyxl
    folder = _xlsx_folder(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Recipients"
    sheet.append(HEADER)
    sheet.append(["ngo-1", "=B3", "Director", "1 Rue", "Brussels", "Dear Sir,", "", "en", ""])
    sheet.append(["ngo-2", "Anna", "Director", "1 Rue", "", "Dear Anna,", "", "en", ""])
    sheet.merge_cells("D3:E3")
    book.save(folder / "recipients.xlsx")
    assert _errors(folder) == [
        "recipients.xlsx[Recipients]:2:2: the cell is a formula (=B3); tables are read as "
        "values: copy the column and paste it as values",
        "recipients.xlsx[Recipients]:2:2: name: missing; this field is required",
        "recipients.xlsx[Recipients]:3:4: the cells D3:E3 are merged; unmerge them and "
        "write the value in each cell",
    ]


def test_an_xlsx_that_is_not_a_zip_or_is_a_zip_bomb(tmp_path):
    folder = _xlsx_folder(tmp_path)
    (folder / "recipients.xlsx").write_text("ID,Name\n")
    assert _errors(folder) == [
        "recipients.xlsx: is not an XLSX workbook (an XLSX file is a zip archive); save it "
        "again as .xlsx, or export it as CSV"]
    with zipfile.ZipFile(folder / "recipients.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 50_000_000)
    [message] = _errors(folder)
    assert message.startswith("recipients.xlsx: would unpack to 50,000,000 bytes "
                              "(xl/worksheets/sheet1.xml is ")
    assert message.endswith("it is refused as a zip bomb")


def test_cli_reports_table_errors_without_a_traceback(tmp_path):
    folder = make_table_campaign(tmp_path / "c", 1)
    _write_csv(folder, ",".join(HEADER) + "\n" + ROW + ROW)
    result = _check(folder)
    assert result.exit_code == 1
    assert "recipients.csv:3: the row repeats row 2; remove one of them\n" in result.output
    assert "Traceback" not in result.output


def test_a_changed_row_makes_only_its_own_copy_stale(tmp_path):
    folder = make_table_campaign(tmp_path / "c", 2)
    built = CliRunner().invoke(cli, ["build", str(folder), "-d", "appeal-political-prisoners",
                                     "-r", "ngo-000001", "-r", "ngo-000002"])
    assert built.exit_code == 0, built.output
    table = folder / "recipients.csv"
    table.write_text(table.read_text().replace("Director 2,", "Directrice 2,"))
    status = CliRunner().invoke(cli, ["status", str(folder)])
    lines = [line for line in status.output.splitlines() if "ngo-" in line]
    assert lines == ["up-to-date  appeal-political-prisoners.ngo-000001.en.pdf",
                     "stale       appeal-political-prisoners.ngo-000002.en.pdf"]


def test_a_table_over_its_limits_is_told_at_the_row_and_cell(tmp_path, monkeypatch):
    import undersigned.tables.read as read

    monkeypatch.setattr(read, "MAX_ROWS", 3)
    monkeypatch.setattr(read, "MAX_CELL_CHARS", 20)
    folder = make_table_campaign(tmp_path / "c", 5)
    table = folder / "recipients.csv"
    table.write_text(table.read_text().replace("Director 2,", "Director " + "x" * 30 + ","))
    errors = _errors(folder)
    assert "recipients.csv:3:2: the cell is 39 characters long; cells are limited to 20" in errors
    assert "recipients.csv:5: more than 3 rows; split the table" in errors


def test_the_sign_on_as_a_workbook_for_colleagues_in_excel(example, tmp_path):
    import datetime as dt

    import openpyxl

    members = example / "signatories" / "meps-2017.yaml"
    members.write_text(members.read_text().replace("given: Brando", "given: \"=HYPERLINK(1)\""))
    target = tmp_path / "answers.xlsx"
    result = CliRunner().invoke(cli, ["signatures", "appeal-political-prisoners", str(example),
                                      "--xlsx", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {target}\n"
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Answers", "Summary"]
    rows = list(book["Answers"].iter_rows(values_only=True))
    assert rows[0] == ("Member", "Name", "Group", "Country", "Answer", "Invited", "Answered",
                       "Agreed to the current wording")
    assert rows[1][:7] == ("panzeri", "Pier Antonio Panzeri", "S&D", "IT", "agreed",
                           dt.datetime(2017, 10, 19), dt.datetime(2017, 10, 19))
    assert rows[2][1] == "'=HYPERLINK(1) Benifei"  # text, never a formula
    assert len(rows) == 14
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert ("Agreed, by group", "Members") in summary and ("S&D", 5) in summary


MEMBERS_TABLE = """term: 8
title: From a spreadsheet
table:
  file: signatories/members.csv
  columns:
    id: ID
    title: Title
    given: Given name
    family: Family name
    country: Country
    group: Group
    gender: Gender
    ep_id: EP id
    roles: Role
"""


def test_a_signatory_list_takes_its_members_from_a_table(example):
    (example / "signatories" / "members.csv").write_text(
        "ID,Title,Given name,Family name,Country,Group,Gender,EP id,Role\n"
        "panzeri,Mr,Pier Antonio,Panzeri,IT,S&D,male,28365,"
        "Chair of the Subcommittee on Human Rights\n"
        "soltes,Mr,Igor,Šoltes,SI,Verts/ALE,male,125003,\n", encoding="utf-8")
    (example / "signatories" / "from-table.yaml").write_text(MEMBERS_TABLE)
    loaded = load_campaign(example)
    members = loaded.lists["from-table"].signatories
    assert [(m.id, m.family, m.group, m.ep_id, m.gender) for m in members] == [
        ("panzeri", "Panzeri", "S&D", 28365, "male"), ("soltes", "Šoltes", "Verts/ALE", 125003,
                                                        "male")]
    assert [r.get("en") for r in members[0].roles] == ["Chair of the Subcommittee on Human Rights"]

    (example / "signatories" / "members.csv").write_text(
        "ID,Title,Given name,Family name,Country,Group,Gender,EP id,Role\n"
        "panzeri,Mr,Pier Antonio,Panzeri,IT,S&D,mail,28365x,\n", encoding="utf-8")
    errors = _errors(example)
    assert [e for e in errors if e.startswith("signatories/members.csv")] == [
        "signatories/members.csv:2:7: gender: expected one of female, male; got 'mail'; "
        "did you mean 'male'?",
        "signatories/members.csv:2:8: ep_id: expected a whole number, got \"28365x\""]


@pytest.mark.parametrize("kind", ["fifo", "link-outside"])
def test_a_table_that_is_a_fifo_or_leads_outside_is_refused_once(tmp_path, kind):
    import os

    folder = make_table_campaign(tmp_path / "c", 2)
    table = folder / "recipients.csv"
    table.unlink()
    if kind == "fifo":
        os.mkfifo(table)
    else:
        outside = tmp_path / "elsewhere.csv"
        outside.write_text("ID,Name\n")
        table.symlink_to(outside)
    errors = _errors(folder)
    lines = (folder / "campaign.yaml").read_text(encoding="utf-8").splitlines()
    line = lines.index("    file: recipients.csv") + 1
    assert errors == [f"campaign.yaml:{line}:5: recipient_tables.ngos.file: 'recipients.csv' is "
                      "not a file in the campaign folder"]
