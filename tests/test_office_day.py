"""A real office's day, end to end (issue 27), on a generated campaign: 30 recipients, letters
in English, French, German, Azerbaijani and Russian (40 copies), five Members invited in
their languages over the test SMTP server, their answers recorded, the final copies built,
one Member signing all 40 with one command, and the letters sent: every message in one
language, each cc address one message with every copy, nothing sent twice."""

from __future__ import annotations

from io import BytesIO

import yaml
from pypdf import PdfReader

from certs import make_authority, make_intermediate, make_signer
from test_mail import run, server, tls  # noqa: F401 (fixtures)
from test_mail_languages import CAMPAIGN, MEMBERS, assert_no_english, parts

LANGS = ["en", "fr", "de", "az", "ru"]
LETTER = "appeal"
TITLE = {"en": "Minister", "fr": "Ministre", "de": "Minister", "az": "Nazir", "ru": "Министр"}
SALUTATION = {"en": "Dear Minister,", "fr": "Monsieur le Ministre,",
              "de": "Sehr geehrter Herr Minister,", "az": "Hörmətli cənab Nazir,",
              "ru": "Уважаемый господин министр,"}
RUSSIAN = {"sender": "Депутаты Европейского парламента", "place": "Брюссель",
           "subject": "Призыв к освобождению задержанных журналистов",
           "intro": "Мы пишем Вам о журналистах, задержанных в Баку.",
           "cc": "Европейская служба внешних связей"}
MORE_MEMBERS = """\
  - {id: petrov, title: Mr, given: Ivan, family: Petrov, country: LV, group: S&D,
     email: ivan.petrov@europarl.example, language: ru}
  - {id: walsh, title: Ms, given: Mary, family: Walsh, country: IE, group: PPE,
     email: mary.walsh@europarl.example, language: en}
"""


def recipients() -> dict:
    """30 ministers, each read in one language and the first ten in a second one too: 40
    copies."""
    found = {}
    for i in range(1, 31):
        langs = [LANGS[i % 5]] + ([LANGS[(i + 1) % 5]] if i <= 10 else [])
        found[f"minister-{i:02d}"] = {
            "name": {lang: f"{TITLE[lang]} {i}" for lang in LANGS},
            "salutation": dict(SALUTATION), "email": f"minister{i}@gov.example",
            "languages": langs}
    return found


def office_campaign(root, port: int):
    campaign = yaml.safe_load(CAMPAIGN.format(port=port, stage="draft", agreed=""))
    campaign["sender"]["name"]["ru"] = RUSSIAN["sender"]
    campaign["recipients"] = recipients()
    letter = campaign["documents"][LETTER]
    for key in ("place", "subject", "intro"):
        letter[key]["ru"] = RUSSIAN[key]
    letter["languages"] = LANGS
    letter["recipients"] = list(campaign["recipients"])
    letter["sign_on"]["deadline"] = "2024-03-18"
    letter["sign_on"]["members"] += [{"member": m, "invited": "2024-03-01"}
                                     for m in ("petrov", "walsh")]
    droi = {"name": {"en": "Subcommittee on Human Rights",
                     "fr": "Sous-commission des droits de l’homme",
                     "de": "Unterausschuss Menschenrechte",
                     "az": "İnsan hüquqları üzrə alt komitə",
                     "ru": "Подкомитет по правам человека"},
            "email": "droi@europarl.example", "language": "fr"}
    letter["cc"][0]["name"]["ru"] = RUSSIAN["cc"]
    letter["cc"].append(droi)
    root.mkdir(parents=True)
    (root / "campaign.yaml").write_text(yaml.safe_dump(campaign, allow_unicode=True,
                                                       sort_keys=False))
    (root / "signatories").mkdir()
    (root / "signatories" / "meps.yaml").write_text(MEMBERS + MORE_MEMBERS)
    return root


def one_language(message, lang: str) -> None:
    """No English phrase in a message in another language, and its HTML says its language."""
    if lang != "en":
        assert_no_english(message)
    _, html = parts(message)
    assert f'<html lang="{lang}">' in html


def test_an_offices_day_thirty_recipients_five_languages(tmp_path, server):
    root = office_campaign(tmp_path / "office", server.port)
    assert run("check", root).exit_code == 0, run("check", root).output

    invited = run("invite", LETTER, root, "--send")
    assert invited.exit_code == 0, invited.output
    languages = {"zeljana.zovko": "fr", "hans.muller": "de", "leyla.aliyeva": "az",
                 "ivan.petrov": "ru", "mary.walsh": "en"}
    assert sorted(m["To"].addresses[0].username for m in server.messages) == sorted(languages)
    for message in server.messages:
        one_language(message, languages[message["To"].addresses[0].username])
    invitations = len(server.messages)

    for member, answer in [("zovko", "agreed"), ("muller", "agreed"), ("aliyeva", "agreed"),
                           ("petrov", "declined"), ("walsh", "agreed")]:
        said = run("respond", LETTER, member, root, f"--{answer}", "--on", "2024-03-10")
        assert said.exit_code == 0, said.output
    campaign = root / "campaign.yaml"
    text = campaign.read_text().replace("stage: draft", "stage: final", 1)
    campaign.write_text(text.replace("  appeal:\n", "  appeal:\n    digital_signers: [muller]\n",
                                     1))
    built = run("build", root, "-d", LETTER)
    assert built.exit_code == 0, built.output
    copies = sorted((root / "outputs").glob(f"{LETTER}.minister-*.pdf"))
    assert len(copies) == 40

    authority = make_authority(tmp_path, "Signing CA")
    p12 = make_signer(tmp_path, make_intermediate(tmp_path, authority), "Hans Müller", 7)
    signed = run("sign", *copies, "-s", "muller", "--p12", p12,
                 env={"UNDERSIGNED_P12_PASSPHRASE": "secret"})
    assert signed.exit_code == 0, signed.output
    assert signed.stdout.count("signed sig-muller in ") == 40

    sent = run("send", LETTER, root, "--trust", authority.pem, "--send")
    assert sent.exit_code == 0, sent.output
    deliveries = server.messages[invitations:]
    by_address = {}
    for message in deliveries:
        by_address.setdefault(message["To"].addresses[0].addr_spec, []).append(message)
    assert all(len(messages) == 1 for messages in by_address.values())  # one each
    assert len(by_address) == 32  # 30 ministers and the two cc addresses
    for i, (name, recipient) in enumerate(recipients().items(), 1):
        [message] = by_address[recipient["email"]]
        lang = recipient["languages"][0]
        one_language(message, lang)
        assert parts(message)[0].startswith(SALUTATION[lang] + "\n")
        assert sorted(a.get_filename() for a in message.iter_attachments()) == sorted(
            f"{LETTER}.{name}.{lang}.pdf" for lang in recipient["languages"])
    for address, lang in (("eeas@example.eu", "de"), ("droi@europarl.example", "fr")):
        [copy] = by_address[address]
        one_language(copy, lang)
        assert len(list(copy.iter_attachments())) == 40  # every addressee's copies
    [sent_copy] = [a.get_content() for a in by_address["minister4@gov.example"][0]
                   .iter_attachments() if a.get_filename().endswith(".ru.pdf")]
    printed = " ".join(PdfReader(BytesIO(sent_copy)).pages[-1].extract_text().split())
    assert "МЮЛЛЕР" in printed or "MÜLLER" in printed
    assert "PETROV" not in printed.upper() and "ПЕТРОВ" not in printed  # he declined
    assert list(PdfReader(BytesIO(sent_copy)).get_fields()) == ["sig-muller"]

    again = run("send", LETTER, root, "--trust", authority.pem, "--send")
    assert again.exit_code == 0, again.output
    assert len(server.messages) == invitations + 32  # nothing sent twice
