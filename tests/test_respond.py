"""``respond``: an answer edits only its Member's entry of campaign.yaml (comments, layout
and quoting elsewhere stay byte for byte), a spreadsheet of answers is recorded whole or
not at all, and what cannot be recorded is refused with the file, line and field."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from undersigned.model.yamlfile import render_scalar
from undersigned.answers.record import respond, respond_from
from undersigned.campaign.load import load_campaign
from undersigned.cli import cli
from undersigned.files import writer_lock
from undersigned.kinds.signon import fingerprint, wording
from undersigned.model.invitations import Answer

APPEAL = "appeal-political-prisoners"
TODAY = dt.date(2017, 10, 25)
MEMBERS = ["panzeri", "benifei", "delvaux", "gomes", "kelam", "paet", "ward", "scholz",
           "sanchez-caldentey", "soltes", "spinelli", "staes", "vautmans"]


def run(*args):
    return CliRunner().invoke(cli, [*args])


def entry(member: str, rest: str = "invited: 2017-10-19, answer: agreed, answered: 2017-10-19"):
    return f"        - {{member: {member}, {rest}}}\n"


def changed_lines(before: str, after: str) -> dict[int, tuple[str, str]]:
    """Line number -> (before, after) for each line that differs; the files must have the
    same number of lines."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return {n: (a, b) for n, (a, b) in enumerate(zip(old, new), 1) if a != b}


def line_of(text: str, needle: str, after: int = 0) -> int:
    """The 1-based number of the first line at or after ``after`` containing ``needle``."""
    for number, line in enumerate(text.splitlines(), 1):
        if number >= after and needle in line:
            return number
    raise AssertionError(needle)


def without_member(root: Path, member: str) -> str:
    """Remove a Member's entry from the appeal's sign-on (only its first letter's), as text."""
    path = root / "campaign.yaml"
    text = path.read_text()
    path.write_text(text.replace(entry(member), "", 1))
    return path.read_text()


def current_fingerprint(root: Path) -> str:
    return fingerprint(wording(load_campaign(root), APPEAL))


# --- one answer -----------------------------------------------------------------------


def test_an_answer_changes_only_its_members_line(example):
    before = (example / "campaign.yaml").read_text()
    result = run("respond", APPEAL, "benifei", str(example), "--declined", "--on", "2017-10-19",
                 "--note", "by phone: too busy")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("benifei: declined on 2017-10-19 (was agreed)\n"
                             f"{APPEAL}: 1 answer recorded in {example}/campaign.yaml\n")
    after = (example / "campaign.yaml").read_text()
    line = line_of(before, "member: benifei")
    assert changed_lines(before, after) == {line: (entry("benifei"), entry(
        "benifei", 'invited: 2017-10-19, answer: declined, answered: 2017-10-19, '
        'note: "by phone: too busy"'))}


def test_agreeing_records_the_wording_and_keeps_its_text(example):
    before = (example / "campaign.yaml").read_text()
    digest = current_fingerprint(example)
    outcome = respond(example, APPEAL, "panzeri", Answer.AGREED, dt.date(2017, 10, 19),
                      today=TODAY)
    assert outcome.written and outcome.recorded[0].wording == digest
    after = (example / "campaign.yaml").read_text()
    assert changed_lines(before, after) == {line_of(before, "member: panzeri"): (
        entry("panzeri"), entry("panzeri", "invited: 2017-10-19, answer: agreed, answered: "
                                f"2017-10-19, wording: {digest}"))}
    kept = example / "records" / "wordings" / APPEAL / f"{digest}.txt"
    assert kept.read_text() == wording(load_campaign(example), APPEAL)


def test_confirming_after_the_wording_changed_updates_the_fingerprint(example):
    respond(example, APPEAL, "panzeri", Answer.AGREED, dt.date(2017, 10, 19), today=TODAY)
    old = current_fingerprint(example)
    path = example / "campaign.yaml"
    path.write_text(path.read_text().replace("deep\n        concern", "grave\n        concern"))
    new = current_fingerprint(example)
    assert new != old
    check = run("check", str(example))
    assert f"panzeri agreed to an earlier wording ({old}; now {new}); changed since: " \
           "…to express our [-deep-]{+grave+} concern at the…" in check.stderr
    result = run("respond", APPEAL, "panzeri", str(example), "--agreed", "--on", "2017-10-19")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"panzeri: agreed on 2017-10-19, wording {new} (was agreed)")
    assert f"wording: {new}}}" in path.read_text()
    assert "earlier wording" not in run("check", str(example)).stderr


def test_the_same_answer_again_changes_nothing(example):
    respond(example, APPEAL, "panzeri", Answer.AGREED, dt.date(2017, 10, 19), today=TODAY)
    before = (example / "campaign.yaml").read_bytes()
    result = run("respond", APPEAL, "panzeri", str(example), "--agreed", "--on", "2017-10-19")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("(already recorded)\n" f"{APPEAL}: nothing to change\n")
    assert (example / "campaign.yaml").read_bytes() == before


def test_a_member_not_yet_invited_gets_a_new_entry_in_the_same_style(example):
    before = without_member(example, "vautmans")
    respond(example, APPEAL, "Hilde Vautmans", Answer.AGREED, dt.date(2017, 10, 20),
            today=TODAY)
    after = (example / "campaign.yaml").read_text()
    staes = line_of(before, "member: staes")
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert new[:staes] == old[:staes] and new[staes + 1:] == old[staes:]
    assert new[staes] == entry("vautmans", (
        f"invited: 2017-10-20, answer: agreed, answered: 2017-10-20, wording: "
        f"{current_fingerprint(example)}, note: no invitation was recorded; it is dated with "
        "the answer"))


def test_invited_records_an_invitation_without_an_answer(example):
    before = without_member(example, "vautmans")
    result = run("respond", APPEAL, "vautmans", str(example), "--invited", "--on", "2017-10-12")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("vautmans: invited on 2017-10-12 (added: not invited before)")
    after = (example / "campaign.yaml").read_text()
    staes = line_of(before, "member: staes")
    assert after.splitlines(keepends=True)[staes] == entry("vautmans", "invited: 2017-10-12")
    # Invited again: the answer goes, the new invitation date stays.
    respond(example, APPEAL, "panzeri", Answer.INVITED, dt.date(2017, 10, 20), today=TODAY)
    assert entry("panzeri", "invited: 2017-10-20") in (example / "campaign.yaml").read_text()


def test_a_block_entry_keeps_its_style_and_its_comments(example):
    path = example / "campaign.yaml"
    block = ("        - member: panzeri   # the Chair\n"
             "          invited: 2017-10-19\n"
             "          # answered by phone\n"
             "          answer: agreed\n"
             "          answered: 2017-10-19\n"
             "          note: 'by phone'\n")
    path.write_text(path.read_text().replace(entry("panzeri"), block, 1))
    respond(example, APPEAL, "panzeri", Answer.DECLINED, dt.date(2017, 10, 20),
            "changed her mind", today=TODAY)
    assert block.replace("agreed", "declined").replace("answered: 2017-10-19",
                                                       "answered: 2017-10-20").replace(
        "'by phone'", "changed her mind") in path.read_text()
    respond(example, APPEAL, "paet", Answer.DECLINED, dt.date(2017, 10, 20), today=TODAY)
    assert entry("paet", "invited: 2017-10-19, answer: declined, answered: 2017-10-20") \
        in path.read_text()


def test_a_new_entry_after_a_block_entry_is_a_block_entry(example):
    path = example / "campaign.yaml"
    text = path.read_text().replace(entry("vautmans"), "", 1).replace(
        entry("staes"), "        - member: staes\n          invited: 2017-10-19\n", 1)
    path.write_text(text)
    respond(example, APPEAL, "vautmans", Answer.INVITED, dt.date(2017, 10, 20), today=TODAY)
    assert ("        - member: staes\n          invited: 2017-10-19\n"
            "        - member: vautmans\n          invited: 2017-10-20\n") in path.read_text()


def test_the_file_keeps_its_mode_and_carriage_returns(example):
    path = example / "campaign.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    path.chmod(0o640)
    before = path.read_bytes()
    respond(example, APPEAL, "ward", Answer.WITHDRAWN, dt.date(2017, 10, 21), today=TODAY)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert path.read_bytes() == before.replace(
        entry("ward").replace("\n", "\r\n").encode(),
        entry("ward", "invited: 2017-10-19, answer: withdrawn, answered: 2017-10-21")
        .replace("\n", "\r\n").encode(), 1)


@pytest.mark.parametrize("note, written", [
    ("by phone", "by phone"),
    ("yes", '"yes"'),
    ("2017-10-19", '"2017-10-19"'),
    ("e-mail: from the office", '"e-mail: from the office"'),
    ("# not a comment", '"# not a comment"'),
    ('she said "yes"', '"she said \\"yes\\""'),
    ("по телефону", "по телефону"),
    ("two\nlines", '"two\\nlines"'),
])
def test_a_note_is_quoted_when_it_must_be_and_reads_back(example, note, written):
    assert render_scalar(note) == written
    respond(example, APPEAL, "kelam", Answer.DECLINED, dt.date(2017, 10, 20), note,
            today=TODAY)
    members = load_campaign(example).campaign.documents[APPEAL].sign_on.members
    assert next(m for m in members if m.member == "kelam").note == note


# --- refusals -------------------------------------------------------------------------


def refused(example: Path, *args) -> str:
    before = (example / "campaign.yaml").read_bytes()
    result = run("respond", *args)
    assert result.exit_code == 1, result.output
    assert (example / "campaign.yaml").read_bytes() == before
    assert result.stdout == ""
    return result.stderr


def test_an_unknown_document_is_refused_with_a_suggestion(example):
    line = line_of((example / "campaign.yaml").read_text(), "documents:")
    assert refused(example, "appeal-politcal-prisoners", "kelam", str(example), "--agreed") == (
        f"campaign.yaml:{line}:1: documents: there is no document 'appeal-politcal-prisoners'; "
        "did you mean 'appeal-political-prisoners'? (the documents: appeal-political-prisoners, "
        "appeal-dzhakishev-tokmadi, question-political-prisoners, question-dzhakishev-tokmadi, "
        "announcement-2017)\n"
        "1 error, 0 warnings; nothing was written\n")


def test_a_written_question_is_refused(example):
    line = line_of((example / "campaign.yaml").read_text(), "question-political-prisoners:")
    assert refused(example, "question-political-prisoners", "kelam", str(example),
                   "--agreed") == (
        f"campaign.yaml:{line}:3: documents.question-political-prisoners: a written question "
        "has no sign-on; its authors are listed under authors\n"
        "1 error, 0 warnings; nothing was written\n")


def test_an_unknown_member_is_refused_with_a_suggestion(example):
    assert refused(example, APPEAL, "soltez", str(example), "--declined") == (
        "signatories/meps-2017.yaml:12:1: signatories: 'soltez' is not in the signatory list "
        "'meps-2017'; did you mean 'soltes' (Igor Šoltes)?\n"
        "1 error, 0 warnings; nothing was written\n")


def test_an_answer_before_the_invitation_is_refused(example):
    text = (example / "campaign.yaml").read_text()
    line = line_of(text, "member: gomes")
    column = text.splitlines()[line - 1].index("invited") + 1
    assert refused(example, APPEAL, "gomes", str(example), "--declined", "--on",
                   "2017-10-01") == (
        f"campaign.yaml:{line}:{column}: documents.{APPEAL}.sign_on.members[3].invited: Ana Gomes "
        "was invited on 2017-10-19; an answer dated 2017-10-01 cannot come before it\n"
        "1 error, 0 warnings; nothing was written\n")


def test_withdrawing_without_having_agreed_is_refused(example):
    without_member(example, "vautmans")
    assert "Hilde Vautmans cannot withdraw: they have not agreed (answer: not invited); " \
           "record declined instead" in refused(example, APPEAL, "vautmans", str(example),
                                                "--withdrawn", "--on", "2017-10-19")


def test_an_answer_dated_in_the_future_is_refused(example):
    assert refused(example, APPEAL, "ward", str(example), "--declined", "--on",
                   "2999-01-01").startswith("--on: 2999-01-01 is after today (")


def test_a_missing_answer_flag_is_a_usage_error(example):
    result = run("respond", APPEAL, "ward", str(example))
    assert result.exit_code == 2
    assert "say the answer: --agreed, --declined, --withdrawn or --invited" in result.stderr


def test_an_edit_the_loader_refuses_is_not_written(example):
    """The edited file goes through the same loader as check: a final letter whose
    Members all decline has nobody to sign it."""
    table = write_csv(example, "member,answer,date\n" + "".join(
        f"{member},no,2017-10-20\n" for member in MEMBERS))
    before = (example / "campaign.yaml").read_text()
    result = run("respond", APPEAL, str(example), "--from", str(table))
    assert result.exit_code == 1
    line = line_of(before, "stage: final")
    assert result.stderr == (
        f"campaign.yaml:{line}:7: documents.{APPEAL}.sign_on.stage: a final copy needs at "
        "least one Member who agreed; 13 invited, none agreed yet (keep stage: draft while "
        "collecting answers)\n1 error, 0 warnings; nothing was written\n")
    assert (example / "campaign.yaml").read_text() == before


def test_the_loaders_warnings_about_the_sign_on_follow_the_answer(example):
    """An agreement after the letter's date is recorded, with check's warning."""
    text = (example / "campaign.yaml").read_text()
    result = run("respond", APPEAL, "kelam", str(example), "--agreed", "--on", "2017-10-21")
    assert result.exit_code == 0, result.output
    line = line_of(text, "member: kelam")
    column = text.splitlines()[line - 1].index("answered") + 1
    assert result.stderr == (
        f"campaign.yaml:{line}:{column}: warning: documents.{APPEAL}.sign_on.members[4].answered: "
        "agreed on 2017-10-21, after the letter's date 2017-10-19; date the letter on or after "
        "the last agreement it carries\n")


def test_the_campaign_must_be_valid_before_an_answer_is_recorded(example):
    path = example / "campaign.yaml"
    path.write_text(path.read_text().replace("case_text: summary", "case_text: sumary", 1))
    result = run("respond", APPEAL, "ward", str(example), "--declined", "--on", "2017-10-20")
    assert result.exit_code == 1
    assert "case_text" in result.stderr and "nothing was written" in result.stderr


# --- one writer at a time -------------------------------------------------------------


def test_respond_waits_for_the_lock_and_says_who_holds_it(example, monkeypatch):
    monkeypatch.setenv("UNDERSIGNED_LOCK_WAIT", "0.2")
    before = (example / "campaign.yaml").read_bytes()
    with writer_lock(example, "respond"):
        result = run("respond", APPEAL, "ward", str(example), "--declined", "--on",
                     "2017-10-20")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {example}: process {os.getpid()} (undersigned "
                                    "respond, since ")
    assert result.stderr.endswith(" is writing here; try again when it has finished\n")
    assert (example / "campaign.yaml").read_bytes() == before


RESPOND = """
import sys
from undersigned.cli import main
sys.argv = ["undersigned", "respond", "appeal-political-prisoners", sys.argv[1], sys.argv[2],
            "--declined", "--on", "2017-10-20"]
main()
"""


def test_two_respond_at_once_both_record_their_answer(example):
    """Two processes started together each record an answer; the lock serialises them, so
    the second reads the first's file and neither answer is lost."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    members = ["ward", "staes", "paet", "gomes"]
    processes = [subprocess.Popen([sys.executable, "-c", RESPOND, member, str(example)],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for member in members]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    text = (example / "campaign.yaml").read_text()
    for member in members:
        assert entry(member, "invited: 2017-10-19, answer: declined, answered: 2017-10-20") \
            in text


# --- a spreadsheet of answers ---------------------------------------------------------


def write_csv(folder: Path, text: str, encoding: str = "utf-8") -> Path:
    path = folder / "answers.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_a_spreadsheet_is_recorded_in_one_write(example, monkeypatch):
    monkeypatch.chdir(example)
    before = without_member(example, "vautmans")
    write_csv(example, "\ufeffTime stamp; Member ;ANSWER;Date;Note\n"
                       "2017-10-20 10:00;28365;yes;19/10/2017;form\n"
                       "2017-10-20 10:01;lola sanchez caldentey;NON;20.10.2017 10:33;\n"
                       "\n"
                       "2017-10-20 10:02;ward;withdrawn;2017-10-21;\n"
                       "2017-10-20 10:03;Hilde VAUTMANS;да;2017-10-21;by e-mail\n")
    result = run("respond", APPEAL, "--from", "answers.csv")
    assert result.exit_code == 0, result.output
    digest = current_fingerprint(example)
    assert result.stdout == (
        f"panzeri: agreed on 2017-10-19, wording {digest} (was agreed)\n"
        "sanchez-caldentey: declined on 2017-10-20 (was agreed)\n"
        "ward: withdrawn on 2017-10-21 (was agreed)\n"
        f"vautmans: agreed on 2017-10-21, wording {digest} (added: not invited before)\n"
        f"{APPEAL}: 4 answers recorded in campaign.yaml\n")
    after = (example / "campaign.yaml").read_text().splitlines(keepends=True)
    old = before.splitlines(keepends=True)
    staes = line_of(before, "member: staes")
    assert after[staes] == entry("vautmans", (
        f"invited: 2017-10-21, answer: agreed, answered: 2017-10-21, wording: {digest}, "
        "note: no invitation was recorded; it is dated with the answer; by e-mail"))
    del after[staes]
    assert changed_lines(before, "".join(after)) == {
        line_of(before, "member: panzeri"): (entry("panzeri"), entry(
            "panzeri", "invited: 2017-10-19, answer: agreed, answered: 2017-10-19, "
            f"wording: {digest}, note: form")),
        line_of(before, "member: ward"): (entry("ward"), entry(
            "ward", "invited: 2017-10-19, answer: withdrawn, answered: 2017-10-21")),
        line_of(before, "member: sanchez-caldentey"): (entry("sanchez-caldentey"), entry(
            "sanchez-caldentey", "invited: 2017-10-19, answer: declined, answered: 2017-10-20")),
    }
    assert len(old) + 1 == len((example / "campaign.yaml").read_text().splitlines())


def test_every_bad_row_is_reported_and_nothing_is_recorded(example, monkeypatch):
    monkeypatch.chdir(example)
    write_csv(example, "member,answer,date,note\n"
                       "panzery,yes,19/10/2017,\n"
                       "28365,maybe,2017-10-32,\n"
                       "benifei,,,\n"
                       "Pier Antonio PANZERI,no,2017-10-19,\n"
                       ",yes,2017-10-19,\n"
                       "gomes,no,2017-10-01,\n"
                       "kelam,yes,2017-10-20,fine\n")
    before = (example / "campaign.yaml").read_bytes()
    result = run("respond", APPEAL, str(example), "--from", "answers.csv")
    assert result.exit_code == 1
    gomes = line_of(before.decode(), "member: gomes")
    assert result.stderr == (
        "answers.csv:2:1: member: 'panzery' is not in the signatory list 'meps-2017'; did you "
        "mean 'panzeri' (Pier Antonio Panzeri)?\n"
        "answers.csv:3:2: answer: 'maybe' is not an answer; write agreed, declined or withdrawn "
        "(yes and no are read as agreed and declined)\n"
        "answers.csv:3:3: date: '2017-10-32' is not a date; write it as 2017-10-19 (or "
        "19/10/2017, day first)\n"
        "answers.csv:4:2: answer: empty; give agreed, declined or withdrawn\n"
        "answers.csv:4:3: date: empty; give the date of the answer, 2017-10-19\n"
        "answers.csv:5:1: member: Pier Antonio Panzeri ('panzeri') already answers on row 3; "
        "keep one row per Member\n"
        "answers.csv:6:1: member: empty; give the Member's id, EP id or name\n"
        f"answers.csv:7:3: date: Ana Gomes was invited on 2017-10-19 (campaign.yaml line {gomes}); "
        "an answer dated 2017-10-01 cannot come before it\n"
        "8 errors, 0 warnings; nothing was written\n")
    assert (example / "campaign.yaml").read_bytes() == before
    assert not (example / "records").exists()


def test_a_windows_1252_spreadsheet_is_read_as_every_table_is(example, monkeypatch):
    """Excel's default CSV export (Windows-1252, semicolons) is read by the one table reader,
    as a recipients table is; its accents arrive intact."""
    monkeypatch.chdir(example)
    write_csv(example, "member;answer;date;note\nsoltes;no;2017-10-20;répondu\n", "cp1252")
    result = run("respond", APPEAL, str(example), "--from", "answers.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("soltes: declined on 2017-10-20")
    assert "note: répondu" in (example / "campaign.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("written", ["ab", '"', "\\n", ""])
def test_a_delimiter_that_cannot_be_one_is_one_line(example, monkeypatch, written):
    monkeypatch.chdir(example)
    write_csv(example, "member,answer,date\nsoltes,yes,2017-10-20\n")
    before = (example / "campaign.yaml").read_bytes()
    result = run("respond", APPEAL, str(example), "--from", "answers.csv",
                 "--delimiter", written)
    assert result.exit_code == 1
    shown = written.encode("unicode_escape").decode()
    assert result.stderr == (f"error: answers.csv: '{shown}' cannot separate the columns of "
                             "a CSV; give one character of , ; | or tab\n")
    assert (example / "campaign.yaml").read_bytes() == before


def test_a_missing_column_is_named_with_those_found(example, monkeypatch):
    monkeypatch.chdir(example)
    write_csv(example, "Name,Reply,Date\nsoltes,yes,2017-10-19\n")
    result = run("respond", APPEAL, str(example), "--from", "answers.csv")
    assert result.exit_code == 1
    found = "the header row has 'Name', 'Reply', 'Date' (the columns are member, answer, " \
            "date and, optionally, note)"
    assert result.stderr == (f"answers.csv:1: answer: no 'answer' column; {found}\n"
                             f"answers.csv:1: member: no 'member' column; {found}\n"
                             "2 errors, 0 warnings; nothing was written\n")


def test_a_declared_delimiter_and_tabs(example):
    table = write_csv(example, "member\tanswer\tdate\nsoltes\tno\t2017-10-20\n")
    outcome = respond_from(example, APPEAL, table, delimiter="tab", today=TODAY)
    assert [(r.member.id, r.answer) for r in outcome.recorded] == [("soltes", Answer.DECLINED)]
    table = write_csv(example, "member,answer,date\nsoltes,yes,2017-10-20\n")
    outcome = respond_from(example, APPEAL, table, today=TODAY)
    assert [(r.member.id, r.answer) for r in outcome.recorded] == [("soltes", Answer.AGREED)]


def test_a_spreadsheet_with_a_header_only_is_refused(example):
    table = write_csv(example, "member,answer,date\n")
    result = run("respond", APPEAL, str(example), "--from", str(table))
    assert result.exit_code == 1
    assert result.stderr == (f"{table}: has a header row but no answers\n"
                             "1 error, 0 warnings; nothing was written\n")


def test_a_spreadsheet_too_large_is_refused_in_one_line(example):
    """Far more rows than a sign-on has: refused at the row past the limit, in one line,
    not with a message per repeated row before it."""
    table = write_csv(example, "member,answer,date\n" + "kelam,yes,2017-10-19\n" * 60_000)
    result = run("respond", APPEAL, str(example), "--from", str(table))
    assert result.exit_code == 1
    assert result.stderr == (f"error: {table}:2002: more than 2,000 rows; a sign-on has one "
                             "row per Member\n")


def test_a_flow_list_of_members_and_a_byte_order_mark(example):
    """``members: [{...}, {...}]`` gets its new entry inside the brackets; a file starting
    with a byte-order mark keeps it."""
    path = example / "campaign.yaml"
    text = path.read_text()
    start = text.index("      members:\n")
    end = text.index("    languages:", start)
    flow = ("      members: [{member: panzeri, invited: 2017-10-19, answer: agreed, "
            "answered: 2017-10-19},\n                {member: benifei, invited: 2017-10-19}]\n")
    path.write_text("\ufeff" + text[:start] + flow + text[end:], encoding="utf-8")
    respond(example, APPEAL, "benifei", Answer.DECLINED, dt.date(2017, 10, 20), today=TODAY)
    respond(example, APPEAL, "kelam", Answer.INVITED, dt.date(2017, 10, 20), today=TODAY)
    assert path.read_text(encoding="utf-8") == "\ufeff" + text[:start] + flow.replace(
        "{member: benifei, invited: 2017-10-19}]",
        "{member: benifei, invited: 2017-10-19, answer: declined, answered: 2017-10-20}, "
        "{member: kelam, invited: 2017-10-20}]") + text[end:]


def test_an_xlsx_sheet_of_answers_is_read_as_a_table_is(example):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Member", "Answer", "Date"])
    book.active.append(["soltes", "no", "2017-10-20"])
    book.save(example / "answers.xlsx")
    outcome = respond_from(example, APPEAL, example / "answers.xlsx", today=TODAY)
    assert [(r.member.id, r.answer) for r in outcome.recorded] == [("soltes", Answer.DECLINED)]


# --- YAML's corners (issue 28, class I, and class A's alias) ----------------------------

OTHER = "appeal-dzhakishev-tokmadi"


def with_entry(root: Path, block: str, member: str = "panzeri") -> str:
    """campaign.yaml with the first letter's entry of ``member`` written as ``block``."""
    path = root / "campaign.yaml"
    path.write_text(path.read_text().replace(entry(member), block, 1))
    return path.read_text()


def test_a_block_note_followed_by_another_key_is_answered(example):
    before = with_entry(example, "        - member: panzeri\n          note: |\n"
                                 "            by phone\n          invited: 2017-10-19\n"
                                 "          answer: agreed\n          answered: 2017-10-19\n")
    result = run("respond", APPEAL, "panzeri", str(example), "--declined", "--on",
                 "2017-10-20", "--note", "by e-mail")
    assert result.exit_code == 0, result.output
    assert (example / "campaign.yaml").read_text() == before.replace(
        "          note: |\n            by phone\n          invited: 2017-10-19\n"
        "          answer: agreed\n          answered: 2017-10-19\n",
        "          note: by e-mail\n          invited: 2017-10-19\n"
        "          answer: declined\n          answered: 2017-10-20\n", 1)


def test_comments_between_and_after_keys_stay_on_their_own_lines(example):
    block = ("        - member: panzeri   # the Chair\n"
             "          invited: 2017-10-19\t# by post\n"
             "          # she may change her mind\n"
             "          answer: declined\n"
             "          answered: 2017-10-19  # by phone\n"
             "          # end of panzeri\n")
    before = with_entry(example, block)
    respond(example, APPEAL, "panzeri", Answer.AGREED, dt.date(2017, 10, 19), today=TODAY)
    digest = current_fingerprint(example)
    assert (example / "campaign.yaml").read_text() == before.replace(block, block.replace(
        "answer: declined", "answer: agreed").replace(
        "answered: 2017-10-19  # by phone\n",
        f"answered: 2017-10-19  # by phone\n          wording: {digest}\n"), 1)


def test_an_anchored_value_is_kept_and_its_alias_answered(example):
    """No "undefined alias": the anchor stays with its value."""
    before = with_entry(example, entry("panzeri", "invited: &d 2017-10-19, answer: agreed, "
                                                  "answered: *d"))
    respond(example, APPEAL, "panzeri", Answer.DECLINED, dt.date(2017, 10, 20), today=TODAY)
    assert (example / "campaign.yaml").read_text() == before.replace(
        "answer: agreed, answered: *d}", "answer: declined, answered: 2017-10-20}", 1)
    # An answer that leaves the aliased value alone keeps the alias.
    with_entry(example, entry("benifei", "invited: &i 2017-10-19, answer: agreed, "
                                         "answered: *i"), "benifei")
    respond(example, APPEAL, "benifei", Answer.AGREED, dt.date(2017, 10, 19), "again",
            today=TODAY)
    assert (f"answered: *i, wording: {current_fingerprint(example)}, note: again}}"
            in (example / "campaign.yaml").read_text())


def shared_entry(root: Path) -> str:
    """The first letter's panzeri anchored as &pz, the second letter's entry *pz."""
    path = root / "campaign.yaml"
    text = path.read_text().replace(entry("panzeri"), entry("panzeri").replace(
        "- {", "- &pz {"), 1)
    second = text.index(entry("panzeri"))
    text = text[:second] + "        - *pz\n" + text[second + len(entry("panzeri")):]
    path.write_text(text)
    return text


def test_an_answer_through_an_alias_changes_that_letters_entry_only(example):
    before = shared_entry(example)
    result = run("respond", OTHER, "panzeri", str(example), "--declined", "--on", "2017-10-20")
    assert result.exit_code == 0, result.output
    after = (example / "campaign.yaml").read_text()
    assert changed_lines(before, after) == {line_of(before, "- *pz"): (
        "        - *pz\n", entry("panzeri", "invited: 2017-10-19, answer: declined, "
                                          "answered: 2017-10-20"))}
    members = load_campaign(example).campaign.documents
    assert members[APPEAL].sign_on.members[0].answer is Answer.AGREED
    assert members[OTHER].sign_on.members[0].answer is Answer.DECLINED


def test_an_answer_to_an_entry_another_letter_repeats_is_refused_where_it_stands(example):
    before = shared_entry(example)
    line = line_of(before, "&pz")
    assert refused(example, APPEAL, "panzeri", str(example), "--declined", "--on",
                   "2017-10-20") == (
        f"campaign.yaml:{line}:11: documents.{APPEAL}.sign_on.members: this value is anchored "
        f"(&pz) and repeated through *pz on line {line_of(before, '- *pz')}: an edit here "
        "would change both; write the value out in full in place of *pz, then run again\n"
        "1 error, 0 warnings; nothing was written\n")


def test_a_problem_in_the_edit_is_located_in_the_file_as_it_is(example):
    """The check of the edited file finds that nobody agrees any more: the error names the
    line of ``stage: final`` in the file on disk, not in the edited text (a line shorter)."""
    path = example / "campaign.yaml"
    text = path.read_text()
    start = text.index("      stage: final\n")
    text = text[:start] + text[start:].replace("      stage: final\n", "", 1).replace(
        "    languages:", "      stage: final\n    languages:", 1)
    path.write_text(text)
    with_entry(example, "        - member: panzeri\n          invited: 2017-10-19\n"
                        "          answer: agreed\n          answered: 2017-10-19\n"
                        f"          wording: {current_fingerprint(example)}\n")
    before = path.read_text()
    table = write_csv(example, "member,answer,date\n" + "".join(
        f"{member},no,2017-10-20\n" for member in MEMBERS))
    result = run("respond", APPEAL, str(example), "--from", str(table))
    assert result.exit_code == 1
    assert result.stderr == (
        f"campaign.yaml:{line_of(before, 'stage: final')}:7: documents.{APPEAL}.sign_on.stage: "
        "a final copy needs at least one Member who agreed; 13 invited, none agreed yet (keep "
        "stage: draft while collecting answers)\n1 error, 0 warnings; nothing was written\n")
    assert path.read_text() == before


def test_block_entries_with_carriage_returns_and_quoted_keys(example):
    path = example / "campaign.yaml"
    with_entry(example, "        - \"member\": panzeri\n          'invited': 2017-10-19\n"
                        "          \"answer\": agreed   # yes\n          answered: 2017-10-19\n")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    before = path.read_bytes()
    respond(example, APPEAL, "panzeri", Answer.INVITED, dt.date(2017, 10, 20), today=TODAY)
    assert path.read_bytes() == before.replace(
        b"          'invited': 2017-10-19\r\n          \"answer\": agreed   # yes\r\n"
        b"          answered: 2017-10-19\r\n", b"          'invited': 2017-10-20\r\n", 1)


@pytest.mark.parametrize("corner, first", [
    ("merge", "merge keys (<<) are not supported; write the fields out in full"),
    ("two-documents", "invalid YAML: expected a single document in the stream"),
])
def test_corners_the_reader_refuses_are_said_before_any_edit(example, corner, first):
    path = example / "campaign.yaml"
    if corner == "merge":
        with_entry(example, "        - &base {member: panzeri, invited: 2017-10-19}\n")
        with_entry(example, "        - {<<: *base, member: benifei}\n", "benifei")
    else:
        path.write_text(path.read_text() + "---\nmore: 1\n")
    message = refused(example, APPEAL, "kelam", str(example), "--declined", "--on",
                      "2017-10-20")
    assert first in message and "Traceback" not in message


def test_a_members_list_shared_by_two_letters_is_refused_for_either(example):
    path = example / "campaign.yaml"
    text = path.read_text()
    first = text.index("      members:\n")
    text = text[:first] + "      members: &all\n" + text[first + len("      members:\n"):]
    second = text.index("      members:\n")
    end = text.index("    languages:", second)
    path.write_text(text[:second] + "      members: *all\n" + text[end:])
    before = path.read_text()
    alias = line_of(before, "members: *all")
    assert refused(example, OTHER, "panzeri", str(example), "--declined", "--on",
                   "2017-10-20") == (
        f"campaign.yaml:{alias}:16: documents.{OTHER}.sign_on.members: this letter's members "
        "are *all, a list another letter holds too: an answer would be recorded for both; "
        "write this letter's list out in full, then run again\n"
        "1 error, 0 warnings; nothing was written\n")
    message = refused(example, APPEAL, "panzeri", str(example), "--declined", "--on",
                      "2017-10-20")
    assert message.startswith(f"campaign.yaml:{line_of(before, '&all')}:16: ")
    assert f"(&all) and repeated through *all on line {alias}" in message


def test_a_name_that_could_be_two_members_is_refused_and_an_exact_spelling_decides(example):
    """28-A: 'PIER ANTONIO PANZÉRI' is panzeri-b (Panzéri) exactly, not panzeri; a spelling
    that is neither's exactly could be either, and is refused."""
    listed = example / "signatories" / "meps-2017.yaml"
    listed.write_text(listed.read_text() + "  - id: panzeri-b\n    given: Pier Antonio\n"
                      "    family: Panzéri\n    country: IT\n    group: S&D\n")
    accented = run("respond", APPEAL, "PIER ANTONIO PANZÉRI", str(example), "--declined",
                   "--on", "2017-10-19")
    assert accented.exit_code == 0, accented.output
    assert accented.stdout.startswith("panzeri-b: declined on 2017-10-19")
    plain = run("respond", APPEAL, "pier antonio panzeri", str(example), "--agreed",
                "--on", "2017-10-19")
    assert plain.exit_code == 0, plain.output
    assert plain.stdout.startswith("panzeri: agreed on 2017-10-19")
    before = (example / "campaign.yaml").read_bytes()
    either = run("respond", APPEAL, "Pier Antonio Pánzeri", str(example), "--withdrawn",
                 "--on", "2017-10-19")
    assert either.exit_code == 1
    assert ("member: 'Pier Antonio Pánzeri' could be 'panzeri' (Pier Antonio Panzeri) or "
            "'panzeri-b' (Pier Antonio Panzéri); write the Member's id") in either.output
    assert (example / "campaign.yaml").read_bytes() == before
