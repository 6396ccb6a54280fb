"""``signatures``: who agreed, declined, withdrew or has not answered a letter, the days to
its deadline, the spread by group and country, and whether the wording is current."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from undersigned.answers.record import respond
from undersigned.answers.signatures import signatures
from undersigned.campaign.load import load_campaign
from undersigned.cli import cli
from undersigned.kinds.signon import fingerprint, wording
from undersigned.model.invitations import Answer

APPEAL = "appeal-political-prisoners"
TODAY = dt.date(2017, 10, 25)


def run(*args):
    return CliRunner().invoke(cli, [*args])


def entry(member: str, rest: str = "invited: 2017-10-19, answer: agreed, answered: 2017-10-19"):
    return f"        - {{member: {member}, {rest}}}\n"


def scenario(root: Path) -> str:
    """A sign-on half-way: a deadline, two declined, one withdrawn, two not answered, one
    not invited, and Members who agreed to the current and to an earlier wording."""
    path = root / "campaign.yaml"
    text = path.read_text()
    text = text.replace("      order: listed\n", "      order: listed\n      deadline: 2017-10-22\n",
                        1)
    for member, rest in [("benifei", "invited: 2017-10-12, answer: declined, answered: 2017-10-13"),
                         ("gomes", "invited: 2017-10-12, answer: declined, answered: 2017-10-14"),
                         ("ward", "invited: 2017-10-12, answer: withdrawn, answered: 2017-10-16"),
                         ("delvaux", "invited: 2017-10-12"),
                         ("scholz", "invited: 2017-10-12"),
                         ("kelam", "invited: 2017-10-12, answer: agreed, answered: 2017-10-13, "
                                   "wording: 000000000000")]:
        text = text.replace(entry(member), entry(member, rest), 1)
    path.write_text(text.replace(entry("vautmans"), "", 1))
    respond(root, APPEAL, "panzeri", Answer.AGREED, dt.date(2017, 10, 19), today=TODAY)
    return fingerprint(wording(load_campaign(root), APPEAL))


def test_the_example_is_all_agreed(example):
    result = run("signatures", APPEAL, str(example))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{APPEAL} (final): 13 of 13 invited agreed"
    assert lines[1] == "agreed (13):"
    assert lines[2] == "  Pier Antonio Panzeri         S&D        IT  on 2017-10-19"
    assert lines[-3:] == [
        "by group: S&D 5, GUE/NGL 3, ALDE 2, Verts/ALE 2, PPE 1",
        "by country: Italy 3, Belgium 2, Estonia 2, Germany 1, Luxembourg 1, Portugal 1, "
        "Slovenia 1, Spain 1, United Kingdom 1",
        f"wording: 0 agreed to the current wording "
        f"({fingerprint(wording(load_campaign(example), APPEAL))}); 13 without a recorded "
        "wording"]


def test_a_sign_on_half_way(example):
    digest = scenario(example)
    result = run("signatures", APPEAL, str(example), "--today", "2017-10-25")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"""\
{APPEAL} (final): 7 of 12 invited agreed
deadline 2017-10-22: deadline passed 3 days ago
agreed (7):
  Pier Antonio Panzeri         S&D        IT  on 2017-10-19
  Tunne Kelam                  PPE        EE  on 2017-10-13  (agreed to an earlier wording, 000000000000)
  Urmas Paet                   ALDE       EE  on 2017-10-19
  Lola Sánchez Caldentey       GUE/NGL    ES  on 2017-10-19
  Igor Šoltes                  Verts/ALE  SI  on 2017-10-19
  Barbara Spinelli             GUE/NGL    IT  on 2017-10-19
  Bart Staes                   Verts/ALE  BE  on 2017-10-19
declined (2):
  Brando Benifei               S&D        IT  on 2017-10-13
  Ana Gomes                    S&D        PT  on 2017-10-14
withdrew (1):
  Julie Ward                   S&D        GB  on 2017-10-16
not answered (2):
  Mady Delvaux                 S&D        LU  invited 2017-10-12
  Helmut Scholz                GUE/NGL    DE  invited 2017-10-12
not invited (1): vautmans
by group: GUE/NGL 2, Verts/ALE 2, PPE 1, S&D 1, ALDE 1
by country: Estonia 2, Italy 2, Belgium 1, Slovenia 1, Spain 1
wording: 1 agreed to the current wording ({digest}); 1 to an earlier one (kelam): ask them to \
confirm, then undersigned respond {APPEAL} MEMBER --agreed; 5 without a recorded wording
"""


def test_days_left_before_the_deadline(example):
    scenario(example)
    assert "deadline 2017-10-22: 3 days left\n" in run(
        "signatures", APPEAL, str(example), "--today", "2017-10-19").stdout
    assert "deadline 2017-10-22: the deadline is today\n" in run(
        "signatures", APPEAL, str(example), "--today", "2017-10-22").stdout
    assert "deadline 2017-10-22: deadline passed 1 day ago\n" in run(
        "signatures", APPEAL, str(example), "--today", "2017-10-23").stdout


def test_the_json_for_scripts(example):
    digest = scenario(example)
    result = run("signatures", APPEAL, str(example), "--json", "--today", "2017-10-20")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["document", "stage", "signatories", "today", "deadline", "days_left",
                          "wording", "counts", "agreed", "declined", "withdrawn",
                          "not_answered", "not_invited", "by_group", "by_country"]
    assert {k: data[k] for k in list(data)[:8]} == {
        "document": APPEAL, "stage": "final", "signatories": "meps-2017",
        "today": "2017-10-20", "deadline": "2017-10-22", "days_left": 2, "wording": digest,
        "counts": {"invited": 12, "agreed": 7, "declined": 2, "withdrawn": 1,
                   "not_answered": 2, "not_invited": 1}}
    assert data["agreed"][:2] == [
        {"member": "panzeri", "name": "Pier Antonio Panzeri", "group": "S&D", "country": "IT",
         "invited": "2017-10-19", "answered": "2017-10-19", "wording": digest,
         "wording_current": True},
        {"member": "kelam", "name": "Tunne Kelam", "group": "PPE", "country": "EE",
         "invited": "2017-10-12", "answered": "2017-10-13", "wording": "000000000000",
         "wording_current": False}]
    assert data["agreed"][2]["wording"] is None and data["agreed"][2]["wording_current"] is None
    assert data["declined"][0] == {"member": "benifei", "name": "Brando Benifei", "group": "S&D",
                                   "country": "IT", "invited": "2017-10-12",
                                   "answered": "2017-10-13"}
    assert data["not_answered"][0] == {"member": "delvaux", "name": "Mady Delvaux",
                                       "group": "S&D", "country": "LU", "invited": "2017-10-12"}
    assert data["not_invited"] == [{"member": "vautmans", "name": "Hilde Vautmans",
                                    "group": "ALDE", "country": "BE"}]
    assert data["by_group"][0] == {"group": "GUE/NGL", "count": 2}
    assert data["by_country"][0] == {"country": "EE", "name": "Estonia", "count": 2}


def test_a_written_question_has_no_signatures(example):
    result = run("signatures", "question-political-prisoners", str(example))
    assert result.exit_code == 1
    text = (example / "campaign.yaml").read_text().splitlines()
    line = next(n for n, t in enumerate(text, 1) if "question-political-prisoners:" in t)
    assert result.stderr == (
        f"campaign.yaml:{line}:3: documents.question-political-prisoners: a written question "
        "has no sign-on; its authors are listed under authors\n"
        "1 error, 0 warnings; nothing was written\n")


def test_an_unknown_document(example):
    result = run("signatures", "appeal", str(example))
    assert result.exit_code == 1
    assert "documents: there is no document 'appeal'" in result.stderr


def test_the_library_reads_only_the_letters_files(example):
    """A broken case the letter does not use does not stop signatures (check reports it)."""
    (example / "cases" / "unused.yaml").write_text("people: [")
    report = signatures(example, APPEAL, TODAY)
    assert len(report.with_answer(Answer.AGREED)) == 13
