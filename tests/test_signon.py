"""Sign-on: a final copy carries exactly the Members who agreed, a draft every invited Member
marked as a draft, and ``check`` names the Members who agreed to an earlier wording."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from conftest import pdf_pages_text, pdf_text
from undersigned.batch.build import build
from undersigned.campaign.html import render_html
from undersigned.campaign.load import load_campaign
from undersigned.campaign.plan import plan_outputs
from undersigned.cli import cli
from undersigned.kinds.signon import keep_wording, wording

APPEAL = "appeal-political-prisoners"
SECOND = "appeal-dzhakishev-tokmadi"
MEMBERS = ["panzeri", "benifei", "delvaux", "gomes", "kelam", "paet", "ward", "scholz",
           "sanchez-caldentey", "soltes", "spinelli", "staes", "vautmans"]


def names(root: Path) -> dict[str, tuple[str, str]]:
    """Member id -> (display name, family name as printed)."""
    data = yaml.safe_load((root / "signatories" / "meps-2017.yaml").read_text())
    return {m["id"]: (f"{m['given']} {m['family'].upper()}", m["family"].upper())
            for m in data["signatories"]}


def set_sign_on(root: Path, doc: str, **changes) -> None:
    """Rewrite a document's sign_on in campaign.yaml (the comments go; tests do not mind)."""
    path = root / "campaign.yaml"
    data = yaml.safe_load(path.read_text())
    data["documents"][doc]["sign_on"].update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def answers(agreed=(), declined=(), withdrawn=(), invited=()) -> list[dict]:
    entries = []
    for member in MEMBERS:
        entry = {"member": member, "invited": "2017-10-10"}
        for answer, ids in (("agreed", agreed), ("declined", declined),
                            ("withdrawn", withdrawn)):
            if member in ids:
                entry.update(answer=answer, answered="2017-10-12")
        if member in agreed or member in declined or member in withdrawn or member in invited:
            entries.append(entry)
    return entries


def run(*args):
    return CliRunner().invoke(cli, [*args])


def test_the_example_letters_carry_their_13_members_with_a_signature_field_each(built_example):
    people = names(built_example)
    for pdf in sorted((built_example / "outputs").glob("appeal-*.pdf")):
        text = " ".join(pdf_text(pdf).split())
        reader = PdfReader(pdf)
        fields = sorted(reader.get_fields() or {})
        assert fields == sorted(f"sig-{m}" for m in MEMBERS), pdf.name
        for display, _ in people.values():
            assert display in text, (pdf.name, display)
        assert "Draft" not in text and "Проект" not in text


def test_a_final_copy_shows_no_member_who_did_not_agree(example):
    """Declined, withdrawn and unanswered Members appear nowhere: not in the text, not in
    the PDF's authors, not as a signature field."""
    agreed = ["panzeri", "kelam", "gomes"]
    set_sign_on(example, APPEAL, stage="final",
                members=answers(agreed=agreed, declined=["benifei", "ward"],
                                withdrawn=["staes"], invited=["delvaux", "soltes"]))
    report = build(example, documents=[APPEAL])
    assert not report.failed, [r.error for r in report.failed]
    people = names(example)
    for pdf in sorted((example / "outputs").glob(f"{APPEAL}.*.pdf")):
        reader = PdfReader(pdf)
        text = pdf_text(pdf)
        for member, (display, family) in people.items():
            shown = family in text
            assert shown == (member in agreed), (pdf.name, member)
        assert sorted(reader.get_fields()) == sorted(f"sig-{m}" for m in agreed)
        authors = reader.metadata.author
        for member, (display, _) in people.items():
            assert (display in authors) == (member in agreed), (pdf.name, member, authors)
        assert list(reader.metadata.title).count("Draft") == 0


def test_a_draft_shows_every_invited_member_marked_on_every_page(example):
    set_sign_on(example, APPEAL, stage="draft", deadline="2017-10-17",
                members=answers(agreed=["panzeri"], declined=["benifei"],
                                invited=MEMBERS[2:]))
    report = build(example, documents=[APPEAL], langs=["en"])
    assert not report.failed, [r.error for r in report.failed]
    pdf = example / "outputs" / f"{APPEAL}.president.en.pdf"
    reader = PdfReader(pdf)
    pages = pdf_pages_text(pdf)
    assert len(pages) >= 2
    for page in pages:
        assert "Draft for co-signature — not for sending" in page
    text = " ".join("\n".join(pages).split())
    for display, _ in names(example).values():
        assert display in text
    assert "Agreed on 12 October 2017" in text
    assert "Declined on 12 October 2017" in text
    assert text.count("Invited, no answer yet") == len(MEMBERS) - 2
    assert "Please answer by 17 October 2017." in text
    assert reader.metadata.title.startswith("Draft for co-signature: ")
    assert not reader.get_fields()  # a draft has no signature fields


def test_the_russian_draft_is_marked_in_russian(example):
    set_sign_on(example, APPEAL, stage="draft",
                members=answers(agreed=["panzeri"], invited=["kelam"]))
    assert not build(example, documents=[APPEAL], langs=["ru"]).failed
    pdf = example / "outputs" / f"{APPEAL}.president.ru.pdf"
    for page in pdf_pages_text(pdf):
        assert "Проект для подписания — не для отправки" in page
    assert PdfReader(pdf).metadata.title.startswith("Проект для подписания: ")


@pytest.mark.parametrize("order, expected", [
    ("listed", ["ward", "kelam", "benifei", "paet"]),
    ("alphabetical", ["benifei", "kelam", "paet", "ward"]),
    # The term's groups in the registry's order (PPE, S&D, ... ALDE), then by name.
    ("group", ["kelam", "benifei", "ward", "paet"]),
])
def test_signatures_follow_the_order_the_letter_asks_for(example, order, expected):
    members = [{"member": m, "invited": "2017-10-10", "answer": "agreed", "answered": "2017-10-12"}
               for m in ["ward", "kelam", "benifei", "paet"]]
    set_sign_on(example, APPEAL, stage="final", order=order, members=members)
    loaded = load_campaign(example)
    output = next(o for o in plan_outputs(loaded, [APPEAL]) if o.lang == "en")
    html = render_html(loaded, output)
    found = re.findall(r'id="sig-([a-z-]+)"', html)
    assert found == expected


def test_a_final_build_with_nobody_agreed_is_an_error(example):
    set_sign_on(example, APPEAL, stage="final",
                members=answers(declined=["panzeri"], invited=["kelam"]))
    result = run("build", str(example))
    assert result.exit_code == 1
    assert ("documents.appeal-political-prisoners.sign_on.stage: a final copy needs at least "
            "one Member who agreed; 2 invited, none agreed yet (keep stage: draft while "
            "collecting answers)") in result.output
    assert not list((example / "outputs").glob("*.pdf"))


def test_a_member_may_sign_one_letter_and_not_the_other(example):
    set_sign_on(example, SECOND, stage="final",
                members=answers(agreed=[m for m in MEMBERS if m != "gomes"],
                                declined=["gomes"]))
    assert not build(example, documents=[APPEAL, SECOND], langs=["en"]).failed
    first = pdf_text(example / "outputs" / f"{APPEAL}.president.en.pdf")
    second = pdf_text(example / "outputs" / f"{SECOND}.president.en.pdf")
    assert "GOMES" in first and "GOMES" not in second


def test_changing_the_wording_after_an_agreement_names_the_members_concerned(example):
    loaded = load_campaign(example)
    agreed_to = keep_wording(example, APPEAL, wording(loaded, APPEAL))
    members = answers(agreed=MEMBERS[:3], invited=MEMBERS[3:5])
    for entry in members[:2]:
        entry["wording"] = agreed_to
    set_sign_on(example, APPEAL, stage="final", members=members)
    quiet = run("check", str(example))
    assert quiet.exit_code == 0 and "warning" not in quiet.output, quiet.output

    path = example / "campaign.yaml"
    path.write_text(path.read_text().replace(
        "ensure humane conditions of detention", "ensure decent conditions of detention"))
    result = run("check", str(example))
    assert result.exit_code == 0
    warning = next(line for line in result.output.splitlines() if "earlier wording" in line)
    assert "warning: documents.appeal-political-prisoners.sign_on.members[0].wording: " \
           "panzeri, benifei agreed to an earlier wording" in warning
    assert "[-humane-]{+decent+} conditions of" in warning
    assert "undersigned respond appeal-political-prisoners MEMBER --agreed" in warning
    assert "delvaux" not in warning  # agreed without a recorded wording
    strict = run("check", "--strict", str(example))
    assert strict.exit_code == 1


def test_a_wording_whose_text_was_not_kept_is_still_reported(example):
    members = answers(agreed=["kelam"])
    members[0]["wording"] = "0123456789ab"
    set_sign_on(example, APPEAL, stage="final", members=members)
    result = run("check", str(example))
    assert ("kelam agreed to an earlier wording (0123456789ab; now "
            in result.output)
    assert "its text is not kept (records/wordings/appeal-political-prisoners/" \
           "0123456789ab.txt is missing)" in result.output


# --- no final copy ever shows a Member who has not agreed ------------------------------

ANSWER = st.sampled_from(["agreed", "declined", "withdrawn", "invited", None])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=st.lists(ANSWER, min_size=len(MEMBERS), max_size=len(MEMBERS)),
       order=st.sampled_from(["listed", "alphabetical", "group"]),
       stage=st.sampled_from(["draft", "final"]))
def test_every_copy_shows_exactly_who_it_should(example_once, choice, order, stage):
    """Over generated answers, in both stages and every order: a final copy's HTML (what
    WeasyPrint lays out) names exactly the Members who agreed, each with a signature
    space; a draft names every invited Member."""
    root = example_once
    by_answer: dict[str, list[str]] = {}
    for member, answer in zip(MEMBERS, choice):
        if answer is not None:
            by_answer.setdefault(answer, []).append(member)
    agreed = by_answer.get("agreed", [])
    invited_any = [m for m, a in zip(MEMBERS, choice) if a is not None]
    if not invited_any or (stage == "final" and not agreed):
        return
    set_sign_on(root, APPEAL, stage=stage, order=order, members=answers(
        agreed=agreed, declined=by_answer.get("declined", ()),
        withdrawn=by_answer.get("withdrawn", ()), invited=by_answer.get("invited", ())))
    loaded = load_campaign(root)
    shown = set(agreed if stage == "final" else invited_any)
    people = names(root)
    for output in plan_outputs(loaded, [APPEAL]):
        html = render_html(loaded, output)
        assert set(re.findall(r'id="(?:sig|signatory)-([a-z-]+)"', html)) == shown
        for member, (display, _) in people.items():
            assert (display in html) == (member in shown), (output.stem, member)


@pytest.fixture(scope="module")
def example_once(tmp_path_factory) -> Path:
    from conftest import copy_example
    return copy_example(tmp_path_factory.mktemp("signon") / "campaign")


# --- signatures against the answers ---------------------------------------------------

from test_signing import keys  # noqa: E402,F401  (the test certificate chain)


def test_a_signature_by_a_member_who_declined_fails_status_and_verify(example, keys):  # noqa: F811
    assert not build(example, documents=[APPEAL], recipients=["president"], langs=["en"]).failed
    pdf = example / "outputs" / f"{APPEAL}.president.en.pdf"
    env = {"UNDERSIGNED_P12_PASSPHRASE": "secret"}
    for member in ("panzeri", "benifei"):
        signed = CliRunner(env=env).invoke(cli, ["sign", str(pdf), "-s", member, "--p12",
                                                 str(keys[member])])
        assert signed.exit_code == 0, signed.output
    only = ["-d", APPEAL, "-r", "president", "-l", "en"]
    verified = run("verify", str(pdf), "--trust", str(keys["ca"]))
    assert verified.exit_code == 0, verified.output
    assert verified.output.splitlines()[0] == (
        f"checked against the answers to '{APPEAL}' in {example / 'campaign.yaml'}")
    assert run("status", str(example), *only).exit_code == 0

    set_sign_on(example, APPEAL, members=answers(
        agreed=[m for m in MEMBERS if m != "benifei"], declined=["benifei"]))
    status = run("status", str(example), *only)
    assert status.exit_code == 1
    # The answers changed what the copy prints (benifei is no longer on it): signed, stale.
    assert status.stdout.splitlines() == [
        f"signed-stale {APPEAL}.president.en.pdf",
        "            sig-benifei: signed for 'benifei', who declined on 2017-10-12",
        "1 signed-stale"]
    assert status.stderr.startswith("1 signature by Members who did not agree to the letter\n")
    verified = run("verify", str(pdf), "--trust", str(keys["ca"]))
    assert verified.exit_code == 1
    line = next(l for l in verified.output.splitlines() if l.startswith("sig-benifei"))
    assert line.endswith("; FAILED: signed for 'benifei', who declined on 2017-10-12")
    assert verified.output.splitlines()[-1] == "13 signature fields, 2 signed, 1 failed"
    assert "the PDF: it was signed over an earlier build" in verified.output
    # Not asked about the campaign: the signatures themselves are sound.
    alone = run("verify", str(pdf), "--trust", str(keys["ca"]), "--no-campaign")
    assert alone.exit_code == 0, alone.output


@pytest.mark.parametrize("trap", ["folder-link", "file-link", "fifo"])
def test_a_kept_wording_is_never_read_or_written_through_a_link(example, tmp_path, trap):
    """records/wordings is the campaign's own: a link (to a folder or a file outside) or a
    FIFO is refused, by ``check`` in words and by recording an agreement with an error."""
    import os

    from undersigned.errors import FileRefused

    outside = tmp_path / "outside"
    outside.mkdir()
    loaded = load_campaign(example)
    text = wording(loaded, APPEAL)
    digest = keep_wording(example, APPEAL, text)
    kept = example / "records" / "wordings" / APPEAL / f"{digest}.txt"
    members = answers(agreed=["kelam"])
    members[0]["wording"] = "0123456789ab"
    set_sign_on(example, APPEAL, stage="final", members=members)
    folder = example / "records" / "wordings"
    target = folder / APPEAL / "0123456789ab.txt"
    if trap == "folder-link":
        (outside / APPEAL).mkdir()
        (outside / APPEAL / "0123456789ab.txt").write_text("secret words outside\n")
        os.rename(folder, tmp_path / "moved")
        folder.symlink_to(outside)
    elif trap == "file-link":
        (outside / "secret.txt").write_text("secret words outside\n")
        target.symlink_to(outside / "secret.txt")
    else:
        os.mkfifo(target)
    result = run("check", str(example))
    assert result.exit_code == 0
    line = next(l for l in result.output.splitlines() if "earlier wording" in l)
    assert "its text cannot be read (" in line and "secret" not in line
    if trap == "folder-link":
        with pytest.raises(FileRefused, match="is a symbolic link"):
            keep_wording(example, APPEAL, text + "more")
        assert list(outside.rglob("*.txt")) == [outside / APPEAL / "0123456789ab.txt"]
    else:
        assert kept.read_text() == text
