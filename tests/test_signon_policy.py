"""One sign-on policy, asked by status, verify, sign, send and the build: a copy signed by a
Member who did not agree, signed over changed bytes, signed before its inputs changed, or
signed without proof of who signed, is never sent (issues 20, 27 and 28, class A)."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from test_mail import (APPEAL, campaign_with_mail, keeping_empty_fields,  # noqa: F401
                       run, server, tls, with_letter_setting, with_recipient_addresses)
from test_signing import keys  # noqa: F401 (the test certificate chain)

PASS = {"UNDERSIGNED_P12_PASSPHRASE": "secret"}
COPY = f"{APPEAL}.president.en.pdf"


def final_campaign(example, port: int):
    """The example with mail, its appeal final with addresses, built: panzeri, benifei and
    nine others agreed."""
    root = campaign_with_mail(example, port, stage="final")
    campaign = root / "campaign.yaml"
    campaign.write_text(with_recipient_addresses(campaign.read_text()))
    answer(root, "benifei", "agreed")
    built = run("build", root, "-d", APPEAL)
    assert built.exit_code == 0, built.output
    return root


def answer(root, member: str, answer: str) -> None:
    result = run("respond", APPEAL, member, root, f"--{answer}", "--on", "2017-10-19")
    assert result.exit_code == 0, result.output


def sign(root, member: str, key, **kwargs):
    return run("sign", root / "outputs" / COPY, "-s", member, "--p12", key, env=PASS)


@pytest.mark.parametrize("then", ["declined", "withdrawn"])
def test_send_refuses_a_copy_signed_by_a_member_who_then_said_no(example, server, keys,
                                                                  then):
    root = final_campaign(example, server.port)
    assert sign(root, "panzeri", keys["panzeri"]).exit_code == 0
    answer(root, "panzeri", then)
    run("build", root, "-d", APPEAL)
    status = run("status", root, "-d", APPEAL)
    assert status.exit_code == 1
    assert f"signed-stale {COPY}" in status.stdout
    assert "sig-panzeri: signed for 'panzeri', who " in status.stdout
    for really in ([], ["--send"]):
        sent = run("send", APPEAL, root, "--trust", keys["ca"], *really)
        assert sent.exit_code == 1, sent.output
        assert f"error: not sent: {COPY}: signed-stale; build --resign" in sent.output
    assert server.messages == []
    verified = run("verify", root / "outputs" / COPY, "--trust", keys["ca"])
    assert verified.exit_code == 1
    said = {"declined": "declined", "withdrawn": "withdrew"}[then]
    assert f"signed for 'panzeri', who {said}" in verified.output


def test_sign_refuses_a_member_who_declined_or_was_never_asked(example, server, keys):
    root = final_campaign(example, server.port)
    answer(root, "benifei", "declined")  # after the build: the copy still has the field
    pdf = root / "outputs" / COPY
    before = pdf.read_bytes()
    refused = sign(root, "benifei", keys["benifei"])
    assert refused.exit_code == 1
    assert refused.output == (f"error: {pdf}: sig-benifei: signed for 'benifei', who "
                              "declined on 2017-10-19; not signed\n")
    stranger = run("sign", pdf, "-s", "mogherini", "--p12", keys["panzeri"], env=PASS)
    assert stranger.exit_code == 1
    assert pdf.read_bytes() == before


def test_the_fields_member_comes_from_the_campaign_not_from_the_pdf(example, server, keys):
    """28-A: rewriting the field's description does not let another Member's certificate
    sign it, nor make verify accept one."""
    import pikepdf

    root = final_campaign(example, server.port)
    pdf = root / "outputs" / COPY
    with pikepdf.open(pdf, allow_overwriting_input=True) as document:
        for field in document.Root.AcroForm.Fields:
            if str(field.T) == "sig-panzeri":
                field.TU = pikepdf.String("Signature of Brando BENIFEI")
        document.save(pdf)
    forged = sign(root, "panzeri", keys["benifei"])
    assert forged.exit_code == 1
    assert "sig-panzeri is the field of Pier Antonio PANZERI, but the certificate" in \
        forged.output
    signed = run("sign", pdf, "-s", "panzeri", "--p12", keys["benifei"],
                 "--allow-other-signer", env=PASS)
    assert signed.exit_code == 0, signed.output
    verified = run("verify", pdf, "--trust", keys["ca"])
    assert verified.exit_code == 1
    assert "not by the field's Member Pier Antonio PANZERI" in verified.output


def test_a_copy_changed_after_the_build_is_not_signed_into_a_sendable_one(example, server,
                                                                          keys):
    """28-A: a line of text added with pikepdf, then a real signature: the signature's base
    is not the bytes the build recorded."""
    import pikepdf

    root = final_campaign(example, server.port)
    pdf = root / "outputs" / COPY
    with pikepdf.open(pdf, allow_overwriting_input=True) as document:
        page = document.pages[0]
        page.contents_add(document.make_stream(b"BT /F1 12 Tf 72 72 Td (We also ask) Tj ET"))
        document.save(pdf)
    assert sign(root, "panzeri", keys["panzeri"]).exit_code == 0
    status = run("status", root, "-d", APPEAL, "-l", "en", "-r", "president")
    assert f"modified    {COPY}" in status.stdout
    sent = run("send", APPEAL, root, "--trust", keys["ca"])
    assert sent.exit_code == 1
    assert (f"{COPY}: modified; it was changed after it was built (or signed over bytes no "
            "build wrote)") in sent.output
    verified = run("verify", pdf, "--trust", keys["ca"])
    assert verified.exit_code == 1
    assert "the PDF: it was signed over bytes that no build of the campaign wrote" in \
        verified.output


def test_an_input_changed_after_signing_makes_the_copy_signed_stale_and_resign_renews_it(
        example, server, keys):
    """27: a cc added after signing is printed on the letter; the signed copy no longer says
    what the letter says."""
    root = final_campaign(example, server.port)
    for member in ("panzeri", "benifei"):
        assert sign(root, member, keys[member]).exit_code == 0
    assert run("status", root, "-d", APPEAL, "-l", "en").exit_code == 0
    campaign = root / "campaign.yaml"
    text = campaign.read_text()
    start = text.index(f"  {APPEAL}:")
    campaign.write_text(text[:start] + text[start:].replace(
        "    languages: [en, ru]\n",
        "    languages: [en, ru]\n    cc:\n      - {name: EU Delegation to Kazakhstan}\n", 1))
    status = run("status", root, "-d", APPEAL, "-l", "en")
    assert status.exit_code == 1
    assert f"signed-stale {COPY}" in status.stdout
    assert "1 signed copy signed over an earlier build" in status.stderr
    kept = run("build", root, "-d", APPEAL, "-l", "en")
    assert "is signed over an earlier build (its inputs changed since" in kept.output
    sent = run("send", APPEAL, root, "--trust", keys["ca"])
    assert sent.exit_code == 1 and "signed-stale" in sent.output
    renewed = run("build", root, "-d", APPEAL, "-l", "en", "--resign")
    assert renewed.exit_code == 0, renewed.output
    assert f"to sign again: {COPY}: panzeri, benifei" in renewed.output
    superseded = root / "outputs" / "superseded" / COPY
    assert PdfReader(superseded).get_fields()["sig-panzeri"].get("/V") is not None
    assert "EU Delegation" in " ".join(p.extract_text() for p in
                                       PdfReader(root / "outputs" / COPY).pages)
    assert sorted(p.name for p in (root / "outputs").glob("*.kept-*")) == []
    assert run("status", root, "-d", APPEAL, "-l", "en").exit_code == 0


def test_send_without_trust_refuses_signed_copies_and_no_trust_says_so_per_line(
        example, server, keys):
    """27: signed copies go only with their signers proven, or with an explicit --no-trust."""
    root = keeping_empty_fields(final_campaign(example, server.port))
    assert sign(root, "panzeri", keys["panzeri"]).exit_code == 0
    refused = run("send", APPEAL, root, "--send")
    assert refused.exit_code == 1
    assert (f"{COPY}: sig-panzeri: who signed is not proven: give --trust CERT (or "
            "--no-trust to send unverified)") in refused.output
    assert server.messages == []
    unproven = run("send", APPEAL, root, "--send", "--no-trust")
    assert unproven.exit_code == 0, unproven.output
    sent_lines = [line for line in unproven.stderr.splitlines() if "sent to" in line]
    assert sent_lines and all(line.endswith("(who signed was not verified: --no-trust)")
                              for line in sent_lines)
    both = run("send", APPEAL, root, "--trust", keys["ca"], "--no-trust")
    assert both.exit_code == 2


def test_a_member_signs_every_copy_of_their_pack_in_one_run_and_the_office_collects_them(
        example, server, keys, tmp_path):
    """27: the office holds no Member's key; one pack per Member, one `sign` run for all of
    it (the passphrase given once), and the signed copies taken back."""
    root = final_campaign(example, server.port)
    packed = run("pack", "benifei", root, "-o", tmp_path / "pack")
    assert packed.exit_code == 0, packed.output
    pack = sorted((tmp_path / "pack").glob("*.pdf"))
    names = [p.name for p in pack]
    assert COPY in names and len(names) >= 3  # every copy that prints benifei, both letters
    assert all(f"sig-benifei" in PdfReader(p).get_fields() for p in pack)
    signed = run("sign", *pack, "-s", "benifei", "--p12", keys["benifei"], env=PASS)
    assert signed.exit_code == 0, signed.output
    assert signed.stdout.count("signed sig-benifei in ") == len(pack)
    taken = run("collect", tmp_path / "pack", root)
    assert taken.exit_code == 0, taken.output
    assert taken.stdout.endswith(f"{len(pack)} signed copies taken back, 0 refused\n")
    status = run("status", root)
    assert status.stdout.count("\nsigned ") + status.stdout.startswith("signed ") == len(pack)
    assert run("pack", "benifei", root, "-o", tmp_path / "again").exit_code == 1


def test_collect_never_replaces_a_copy_signed_meanwhile_by_another_member(example, server,
                                                                          keys, tmp_path):
    root = final_campaign(example, server.port)
    assert run("pack", "benifei", root, "-o", tmp_path / "pack", "-d", APPEAL).exit_code == 0
    copy = tmp_path / "pack" / COPY
    assert run("sign", copy, "-s", "benifei", "--p12", keys["benifei"], env=PASS).exit_code == 0
    assert sign(root, "panzeri", keys["panzeri"]).exit_code == 0  # meanwhile, in outputs/
    before = (root / "outputs" / COPY).read_bytes()
    taken = run("collect", tmp_path / "pack", root)
    assert taken.exit_code == 1
    assert (f"not taken: {COPY}: it does not extend the copy in the output folder byte for "
            "byte") in taken.stderr
    assert (root / "outputs" / COPY).read_bytes() == before


@pytest.mark.parametrize("change", ["case-name", "phrase", "template", "cc"])
def test_what_a_member_agrees_to_is_what_the_copies_print(example, change):
    """28-A: renaming a case's person, a catalogue phrase, a template block or a new cc
    changes the wording Members agreed to, so `check` asks for their agreement again."""
    from undersigned.campaign.load import load_campaign
    from undersigned.kinds.signon import fingerprint, wording

    before = fingerprint(wording(load_campaign(example), APPEAL))
    if change == "case-name":
        case = example / "cases" / "atabek.yaml"
        case.write_text(case.read_text().replace("name: Aron Atabek", "name: Aron Atabekov"))
    elif change == "phrase":
        (example / "catalogues").mkdir(exist_ok=True)
        (example / "catalogues" / "en.yaml").write_text(
            'requests_heading: "We therefore do NOT call on you to:"\n')
    elif change == "template":
        template = example / "templates" / "letter-appeal.html"
        template.write_text(template.read_text() + "\n{# a new block #}<p>P.S.</p>\n")
    else:
        campaign = example / "campaign.yaml"
        text = campaign.read_text()
        start = text.index(f"  {APPEAL}:")
        campaign.write_text(text[:start] + text[start:].replace(
            "    languages: [en, ru]\n",
            "    languages: [en, ru]\n    cc:\n      - {name: EU Delegation}\n", 1))
    assert fingerprint(wording(load_campaign(example), APPEAL)) != before


def test_digital_signers_must_have_agreed(example, server):
    """27: only the Members who sign electronically get a field; one who did not agree is
    an error at the entry."""
    root = with_letter_setting(campaign_with_mail(example, server.port, stage="final"),
                               "digital_signers: [panzeri, soltes]")
    campaign = root / "campaign.yaml"
    result = run("check", root)
    assert result.exit_code == 1
    line = next(n for n, t in enumerate(campaign.read_text().splitlines(), 1)
                if "digital_signers" in t)
    assert (f"campaign.yaml:{line}:") in result.output
    assert (f"documents.{APPEAL}.digital_signers[1]: 'soltes' has not agreed to sign "
            f"'{APPEAL}' (sign_on), so has no signature field to sign in; remove them here, "
            "or record their answer") in " ".join(result.output.split())
