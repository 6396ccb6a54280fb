"""Mail speaks the letter's language or refuses: built-in invitations and deliveries in
French, German and Azerbaijani carry no English line in either part; a campaign template
overrides both parts or neither; a message that would mix languages is refused before
anything is written. Against the test SMTP server of test_mail."""

from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager
from email import policy
from email.parser import BytesParser
from io import BytesIO
from pathlib import Path

import yaml
from pypdf import PdfReader

from test_mail import run, server, tls  # noqa: F401 (fixtures)
from test_serve import request
from undersigned.batch.build import plan_build
from undersigned.resources import CATALOGUES_DIR
from undersigned.serve.server import make_server
from undersigned.serve.views import campaign_view

LETTER = "appeal"

CAMPAIGN = """\
title: Journalists detained in Azerbaijan
sender:
  name:
    en: Members of the European Parliament
    fr: Députés au Parlement européen
    de: Mitglieder des Europäischen Parlaments
    az: Avropa Parlamentinin deputatları
mail:
  from_address: office@example.org
  from_name: DROI office
  host: localhost
  port: {port}
  user: office
recipients:
  president:
    honorific:
      en: Mr
      fr: M.
      de: Herrn
      az: cənab
    name: İlham Əliyev
    salutation:
      en: Dear Mr President,
      fr: Monsieur le Président,
      de: Sehr geehrter Herr Präsident,
      az: Hörmətli cənab Prezident,
    email: president@example.az
    languages: [az]
  droi:
    name:
      en: Subcommittee on Human Rights
      fr: Sous-commission des droits de l’homme
      de: Unterausschuss Menschenrechte
      az: İnsan hüquqları üzrə alt komitə
    salutation:
      en: Dear Chair,
      fr: Madame la Présidente,
      de: Sehr geehrte Frau Vorsitzende,
      az: Hörmətli sədr,
    languages: [fr]
documents:
  appeal:
    kind: letter
    date: 2024-03-20
    place:
      en: Brussels
      fr: Bruxelles
      de: Brüssel
      az: Brüssel
    subject:
      en: Appeal for the release of detained journalists
      fr: Appel pour la libération des journalistes détenus
      de: Aufruf zur Freilassung der inhaftierten Journalisten
      az: Həbs edilmiş jurnalistlərin azad edilməsinə dair müraciət
    signatories: meps
    sign_on:
      stage: {stage}
      deadline: 2024-03-15
      members:
        - {{member: zovko, invited: 2024-03-01{agreed}}}
        - {{member: muller, invited: 2024-03-01{agreed}}}
        - {{member: aliyeva, invited: 2024-03-01{agreed}}}
    languages: [en, fr, de, az]
    recipients: [president, droi]
    cc:
      - name:
          en: European External Action Service
          fr: Service européen pour l’action extérieure
          de: Europäischer Auswärtiger Dienst
          az: Avropa Xarici Fəaliyyət Xidməti
        email: eeas@example.eu
        language: de
    intro:
      en: We are writing about the journalists detained in Baku.
      fr: Nous vous écrivons au sujet des journalistes détenus à Bakou.
      de: Wir schreiben Ihnen wegen der in Baku inhaftierten Journalisten.
      az: Bakıda həbs edilmiş jurnalistlərlə bağlı Sizə müraciət edirik.
"""

MEMBERS = """\
term: 9
signatories:
  - {id: zovko, title: Ms, given: Željana, family: Zovko, country: HR, group: PPE,
     email: zeljana.zovko@europarl.example, language: fr}
  - {id: muller, title: Mr, given: Hans, family: Müller, country: DE, group: S&D,
     email: hans.muller@europarl.example, language: de}
  - {id: aliyeva, given: Leyla, family: Aliyeva, gender: female, country: LT, group: Renew,
     email: leyla.aliyeva@europarl.example, language: az}
"""


def make_campaign(root: Path, port: int, stage: str = "draft") -> Path:
    agreed = ", answer: agreed, answered: 2024-03-10" if stage == "final" else ""
    root.mkdir(parents=True, exist_ok=True)
    (root / "campaign.yaml").write_text(CAMPAIGN.format(port=port, stage=stage, agreed=agreed))
    (root / "signatories").mkdir(exist_ok=True)
    (root / "signatories" / "meps.yaml").write_text(MEMBERS)
    return root


@contextmanager
def serving(root: Path):
    server, sock, url = make_server(root, "127.0.0.1", 0, watch=False)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.02)
    try:
        yield url.rstrip("/")
    finally:
        server.should_exit = True
        thread.join(20)


def english_fragments() -> list[str]:
    """Every piece of the English mail phrases between placeholders: none may appear in a
    message in another language."""
    phrases = yaml.safe_load((CATALOGUES_DIR / "en.yaml").read_text())["mail"]
    pieces = [p.strip(" ,.“”[]") for text in phrases.values()
              for p in re.split(r"\{\w+\}", text)]
    return [p for p in pieces if len(p) > 3]


def parts(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    return text, html


def assert_no_english(message) -> None:
    text, html = parts(message)
    for fragment in english_fragments():
        for where, body in (("Subject", str(message["Subject"])), ("text", text),
                            ("html", html)):
            assert fragment not in body, f"{fragment!r} in the {where} part:\n{body}"


def test_an_invitation_speaks_the_members_language_in_both_parts(tmp_path, server):
    root = make_campaign(tmp_path / "c", server.port)
    result = run("invite", LETTER, root, "--send")
    assert result.exit_code == 0, result.output
    by_member = {m["To"].addresses[0].username: m for m in server.messages}
    assert sorted(by_member) == ["hans.muller", "leyla.aliyeva", "zeljana.zovko"]
    for message in by_member.values():
        assert_no_english(message)
        assert message["From"] == "DROI office <office@example.org>"

    french = by_member["zeljana.zovko"]
    text, html = parts(french)
    assert french["Subject"] == ("Invitation à cosigner : Appel pour la libération des "
                                 "journalistes détenus")
    assert text.startswith("Madame la Députée,\n")
    assert "du 20 mars 2024" in text and "Merci de répondre avant le 15 mars 2024." in text
    assert '<html lang="fr">' in html and "<p>Madame la Députée,</p>" in html
    assert text.rstrip().endswith("DROI office")

    german = by_member["hans.muller"]
    text, html = parts(german)
    assert text.startswith("Sehr geehrter Herr Müller,\n")
    assert "vom 20. März 2024" in text and "Bitte antworten Sie bis zum 15. März 2024." in html

    azerbaijani = by_member["leyla.aliyeva"]
    text, html = parts(azerbaijani)
    assert text.startswith("Hörmətli xanım Aliyeva,\n")  # gender: female, no title
    assert "20 mart 2024" in text

    [draft] = list(german.iter_attachments())
    assert draft.get_filename() == f"{LETTER}.draft.de.pdf"
    page = PdfReader(BytesIO(draft.get_content())).pages[0].extract_text()
    assert "[Empfänger]" in page and "[Anrede]" in page  # no one's copy
    assert "Əliyev" not in page and "Unterausschuss" not in page


def test_a_delivery_to_a_president_in_azerbaijani_is_all_azerbaijani(tmp_path, server):
    root = make_campaign(tmp_path / "c", server.port, stage="final")
    built = run("build", root, "-d", LETTER)
    assert built.exit_code == 0, built.output
    sent = run("send", LETTER, root, "--send")
    assert sent.exit_code == 1, sent.output  # droi has no address: named, the rest sent
    assert "not sent: campaign.yaml:29: droi: no email address to send the letter to" \
        in sent.output
    assert "[2/2] sent to cc-eeas@example.eu" in sent.output
    by_address = {m["To"].addresses[0].addr_spec: m for m in server.messages}
    president = by_address["president@example.az"]
    assert_no_english(president)
    text, html = parts(president)
    assert text.startswith("Hörmətli cənab Prezident,\n")
    assert "20 mart 2024" in text
    assert "Surəti: Avropa Xarici Fəaliyyət Xidməti." in text
    assert [a.get_filename() for a in president.iter_attachments()] == [
        f"{LETTER}.president.az.pdf"]

    # one message to the cc address, in its language, with every addressee's copy
    copy = by_address["eeas@example.eu"]
    assert_no_english(copy)
    assert copy["Subject"] == ("Kopie: Aufruf zur Freilassung der inhaftierten Journalisten")
    assert sorted(a.get_filename() for a in copy.iter_attachments()) == [
        f"{LETTER}.droi.fr.pdf", f"{LETTER}.president.az.pdf"]
    text, _ = parts(copy)
    assert "an İlham Əliyev und Unterausschuss Menschenrechte gesandt" in text
    assert len(server.messages) == 2

    # delivered state, from records/mail.json, in status and on serve's campaign page
    day = json.loads((root / "records" / "mail.json").read_text())["sent"][0]["sent_at"][:10]
    status = run("status", root)
    assert f"{LETTER}.president.az.pdf (delivered {day})\n" in status.output
    assert f"{LETTER}.droi.fr.pdf\n" in status.output  # not delivered: no address
    view = campaign_view(root, plan_build(root), [], {}, set(), "t")
    marks = {row.stem: row.delivered for row in view.copies}
    assert marks == {f"{LETTER}.president.az": f"delivered {day}", f"{LETTER}.droi.fr": ""}
    with serving(root) as url:
        status_code, page = request(url, "/")
        assert status_code == 200
        assert f'<span class="state state-delivered">delivered {day}</span>' in page.decode()
        _, signon = request(url, f"/signon/{LETTER}")
        assert "deadline passed on 2024-03-15" in signon.decode()  # never "-995 days left"
        assert "days left" not in signon.decode()


def test_a_campaign_template_overrides_both_parts_or_neither(tmp_path, server):
    root = make_campaign(tmp_path / "c", server.port)
    (root / "templates" / "mail").mkdir(parents=True)
    (root / "templates" / "mail" / "invitation.fr.txt").write_text("Subject: Bonjour\nBonjour\n")
    result = run("invite", LETTER, root)
    assert result.exit_code == 1
    assert result.output == (
        "error: templates/mail/invitation.fr.txt: a mail template has two parts; add "
        "templates/mail/invitation.fr.html too (the plain text and the HTML part are "
        "overridden together, so that both speak the same language)\n")
    assert not (root / "outputs" / "mail").exists()

    (root / "templates" / "mail" / "invitation.fr.html").write_text("<p>Bonjour</p>\n")
    assert run("invite", LETTER, root).exit_code == 0
    written = BytesParser(policy=policy.default).parsebytes(
        (root / "outputs" / "mail" / "invitations" / LETTER / "zovko.eml").read_bytes())
    assert written["Subject"] == "Bonjour"
    assert parts(written)[1] == "<p>Bonjour</p>\n"


def test_a_message_that_would_mix_languages_is_refused_before_anything_is_written(
        tmp_path, server):
    root = make_campaign(tmp_path / "c", server.port)
    campaign = root / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace(
        "      az: Həbs edilmiş jurnalistlərin azad edilməsinə dair müraciət\n",
        "      az: Освобождение журналистов\n"))
    result = run("invite", LETTER, root)
    assert result.exit_code == 1
    assert result.output == (
        "error: campaign.yaml:54:7: documents.appeal.subject: 'Освобождение журналистов' is not "
        "written in the script of 'az' (Cyrl); a message in 'az' would mix languages: give "
        "its az text\n")
    assert not (root / "outputs" / "mail").exists()  # not even the French and German ones


def test_check_warns_of_a_deadline_passed_before_an_invitation_or_after_the_letter(tmp_path):
    root = make_campaign(tmp_path / "c", 2525)
    campaign = root / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace(
        "{member: aliyeva, invited: 2024-03-01}", "{member: aliyeva, invited: 2024-03-16}"))
    checked = run("check", root)
    assert ("campaign.yaml:58:7: warning: documents.appeal.sign_on.deadline: the deadline "
            "2024-03-15 had passed when aliyeva was invited; set a later deadline before "
            "inviting them\n") in checked.output, checked.output

    campaign.write_text(campaign.read_text().replace("deadline: 2024-03-15",
                                                     "deadline: 2024-03-25"))
    checked = run("check", root)
    assert ("campaign.yaml:58:7: warning: documents.appeal.sign_on.deadline: the deadline "
            "2024-03-25 is after the "
            "letter's date 2024-03-20: Members would answer after the date the letter "
            "carries; move one of the two") in checked.output, checked.output
