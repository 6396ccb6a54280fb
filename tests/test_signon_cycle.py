"""The whole sign-on cycle against the real local SMTP server: invite → answers from a
spreadsheet → the final letter carries exactly those who agreed → two Members sign →
verify → send (each addressee gets their copies; each cc address one message with all of
them) → a second send sends nothing."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from test_mail import (APPEAL, campaign_with_mail, run, server, tls,  # noqa: F401 (fixtures)
                       with_recipient_addresses)
from test_signing import keys  # noqa: F401 (the test certificate chain)


def test_the_full_sign_on_cycle(example, server, keys):  # noqa: F811
    root = campaign_with_mail(example, server.port)
    invited = run("invite", APPEAL, root, "--send")
    assert invited.exit_code == 0, invited.output
    assert len(server.messages) == 3

    (root / "answers.csv").write_text(
        "Member,Answer,Date,Note\n"
        "Brando Benifei,yes,19/10/2017,by e-mail\n"
        "sanchez-caldentey,no,2017-10-19,\n"
        "soltes,agreed,2017-10-19,by phone\n", encoding="utf-8")
    answered = run("respond", APPEAL, root, "--from", root / "answers.csv")
    assert answered.exit_code == 0, answered.output

    campaign = root / "campaign.yaml"
    text = campaign.read_text()
    start = text.index(f"  {APPEAL}:")
    text = text[:start] + text[start:].replace("      stage: draft", "      stage: final", 1)
    text = with_recipient_addresses(text)
    start = text.index(f"  {APPEAL}:")
    text = text[:start] + text[start:].replace(
        "    languages: [en, ru]\n",
        "    languages: [en, ru]\n    cc:\n      - {name: {en: EU Delegation to Kazakhstan, "
        "ru: Представительство ЕС в Казахстане}, email: delegation@example.eu}\n"
        "    digital_signers: [panzeri, benifei]\n", 1)  # the others sign on paper
    campaign.write_text(text)
    built = run("build", root, "-d", APPEAL)
    assert built.exit_code == 0, built.output

    letter = root / "outputs" / f"{APPEAL}.president.en.pdf"
    printed = " ".join(PdfReader(letter).pages[-1].extract_text().split())
    fields = sorted(PdfReader(letter).get_fields())
    assert "sig-sanchez-caldentey" not in fields and "SÁNCHEZ" not in printed
    assert fields == ["sig-benifei", "sig-panzeri"]  # no field for who signs on paper
    assert "ŠOLTES" in printed  # who signs on paper is printed all the same
    assert "Copy to: EU Delegation to Kazakhstan" in printed

    env = {"UNDERSIGNED_P12_PASSPHRASE": "secret"}
    for member in ("panzeri", "benifei"):
        signed = run("sign", letter, "-s", member, "--p12", keys[member], env=env)
        assert signed.exit_code == 0, signed.output
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 0, verified.output

    dry = run("send", APPEAL, root, "--trust", keys["ca"])
    assert dry.exit_code == 0, dry.output
    assert len(server.messages) == 3  # nothing sent without --send
    sent = run("send", APPEAL, root, "--trust", keys["ca"], "--send")
    assert sent.exit_code == 0, sent.output
    deliveries = server.messages[3:]
    assert [str(m["To"]) for m in deliveries] == [
        "Nursultan Nazarbayev <akorda@example.kz>", "Жакипу Асанову <prokuror@example.kz>",
        "EU Delegation to Kazakhstan <delegation@example.eu>"]
    assert all(m["Cc"] is None for m in deliveries)
    assert [server.envelopes[3 + i][1] for i in range(3)] == [
        ["akorda@example.kz"], ["prokuror@example.kz"], ["delegation@example.eu"]]
    bodies = [m.get_body(("plain",)).get_content() for m in deliveries]
    assert "A copy goes to EU Delegation to Kazakhstan." in bodies[0]
    assert "Копия: Представительство ЕС в Казахстане." in bodies[1]
    attachments = {a.get_filename(): a.get_content() for a in deliveries[0].iter_attachments()}
    assert sorted(attachments) == [f"{APPEAL}.president.en.pdf", f"{APPEAL}.president.ru.pdf"]
    assert attachments[f"{APPEAL}.president.en.pdf"] == letter.read_bytes()  # the signed copy
    assert len(PdfReader(BytesIO(attachments[f"{APPEAL}.president.en.pdf"]))
               .get_fields()) == 2
    copied = sorted(a.get_filename() for a in deliveries[2].iter_attachments())
    assert copied == sorted([*attachments, *(a.get_filename() for a in
                                             deliveries[1].iter_attachments())])
    assert deliveries[2]["Subject"].startswith("Copy: Appeal for the victims")
    assert "as sent to Nursultan Nazarbayev and Zhakip Asanov." in bodies[2]

    again = run("send", APPEAL, root, "--trust", keys["ca"], "--send")
    assert again.exit_code == 0
    assert len(server.messages) == 6
    assert ("already sent, left out (--resend sends again): president, prosecutor-general, "
            "delegation@example.eu") in again.output
