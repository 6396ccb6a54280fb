"""Invitations and delivery through a real SMTP server on 127.0.0.1 (aiosmtpd), with
STARTTLS and a login: what the server received, what the record says, and faults."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import ssl
import subprocess
import sys
import threading
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from certs import make_authority, make_server_certificate
from conftest import REPO
from undersigned.cli import cli

APPEAL = "appeal-political-prisoners"
EMAILS = {"panzeri": "pier.panzeri@europarl.example", "benifei": "brando.benifei@europarl.example",
          "sanchez-caldentey": "lola.sanchez@europarl.example",
          "soltes": "igor.soltes@europarl.example"}
PENDING = ["benifei", "sanchez-caldentey", "soltes"]


class Inbox:
    """What the server received, and the faults it is told to make."""

    def __init__(self):
        self.messages: list = []
        self.envelopes: list = []
        self.refuse: set[str] = set()
        self.drop_after: int | None = None
        self.holding = threading.Event()
        """Set while the server holds a message's DATA without answering."""
        self.hold: threading.Event | None = None
        """If given, DATA is answered only once it is set."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hold is not None:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait)
        if self.drop_after is not None and len(self.messages) >= self.drop_after:
            server.transport.close()  # the connection dropped midway
            return "421 closing"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    authority = make_authority(folder, "Mail CA")
    cert, key = make_server_certificate(folder, authority)
    return {"ca": authority.pem, "cert": cert, "key": key, "folder": folder}


@pytest.fixture
def server(tls, monkeypatch):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls["cert"], tls["key"])

    def authenticate(server, session, envelope, mechanism, data):
        ok = data.login == b"office" and data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True, authenticator=authenticate,
                            auth_require_tls=True)
    controller.start()
    monkeypatch.setenv("UNDERSIGNED_SMTP_CA", str(tls["ca"]))
    monkeypatch.setenv("UNDERSIGNED_SMTP_PASSWORD", "s3cret")
    inbox.port = port
    yield inbox
    controller.stop()


def campaign_with_mail(root: Path, port: int, stage: str = "draft") -> Path:
    campaign = root / "campaign.yaml"
    text = campaign.read_text()
    text = text.replace("recipients:\n  president:", "mail:\n  from_address: office@example.org\n"
                        "  from_name: Bureau des députés\n  host: localhost\n"
                        f"  port: {port}\n  user: office\n\nrecipients:\n  president:", 1)
    start = text.index(f"  {APPEAL}:")
    text = text[:start] + text[start:].replace("      stage: final", f"      stage: {stage}", 1)
    for member in PENDING:
        text = text.replace(f"{{member: {member}, invited: 2017-10-19, answer: agreed, "
                            "answered: 2017-10-19}", f"{{member: {member}, invited: "
                            "2017-10-19}", 1)
    campaign.write_text(text)
    members = root / "signatories" / "meps-2017.yaml"
    listed = members.read_text()
    for member, email in EMAILS.items():
        block = listed.index(f"  - id: {member}\n")
        end = listed.index("    group:", block)
        listed = listed[:end] + f"    email: {email}\n" + listed[end:]
    members.write_text(listed)
    return root


def run(*args, env=None):
    return CliRunner(env=env).invoke(cli, [str(a) for a in args])


def record(root: Path) -> list[dict]:
    return json.loads((root / "records" / "mail.json").read_text())["sent"]


def test_invitations_reach_each_member_still_to_answer_once(example, server):
    root = campaign_with_mail(example, server.port)
    result = run("invite", APPEAL, root, "--send")
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in server.messages] == [
        "Brando Benifei <brando.benifei@europarl.example>",
        "Lola Sánchez Caldentey <lola.sanchez@europarl.example>",
        "Igor Šoltes <igor.soltes@europarl.example>"]
    first = server.messages[0]
    assert first["From"] == "Bureau des députés <office@example.org>"
    assert first["Subject"] == ("Invitation to co-sign: Appeal for the victims of political "
                                "prosecution and the political prisoners in Kazakhstan")
    raw_from = [line for line in (root / "outputs" / "mail" / "invitations" / APPEAL /
                                  "benifei.eml").read_bytes().splitlines()
                if line.startswith(b"From:")][0]
    assert raw_from.isascii() and b"=?utf-8?" in raw_from  # RFC 2047 on the wire
    text = first.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Dear Mr Benifei,\n")  # the title the list gives
    assert text.endswith("\nBureau des députés\n")  # the office, not the letter's sender
    [attachment] = list(first.iter_attachments())
    assert attachment.get_filename() == f"{APPEAL}.draft.en.pdf"
    pdf = attachment.get_content()
    sent_eml = BytesParser(policy=policy.default).parsebytes(
        (root / "outputs" / "mail" / "invitations" / APPEAL / "benifei.eml").read_bytes())
    assert pdf == next(sent_eml.iter_attachments()).get_content()  # byte-identical
    from io import BytesIO

    from pypdf import PdfReader
    first_page = PdfReader(BytesIO(pdf)).pages[0].extract_text()
    assert "Draft for co-signature" in first_page
    assert "[Addressee]" in first_page and "[Salutation]" in first_page  # no one's copy
    assert "Nazarbayev" not in first_page
    entries = record(root)
    assert [(e["kind"], e["to"], e["address"]) for e in entries] == [
        ("invitation", m, EMAILS[m]) for m in PENDING]
    assert [e["message_id"] for e in entries] == [m["Message-ID"] for m in server.messages]

    again = run("invite", APPEAL, root, "--send")
    assert again.exit_code == 0
    assert len(server.messages) == 3  # nobody is written to twice
    assert "already sent, left out (--resend sends again): benifei, sanchez-caldentey, " \
           "soltes" in again.output
    resent = run("invite", APPEAL, root, "--send", "--resend", "--member", "soltes")
    assert resent.exit_code == 0 and len(server.messages) == 4


def test_a_reminder_goes_only_to_those_who_have_not_answered(example, server):
    root = campaign_with_mail(example, server.port)
    assert run("invite", APPEAL, root, "--send").exit_code == 0
    answered = run("respond", APPEAL, "benifei", root, "--declined", "--on", "2017-10-20")
    assert answered.exit_code == 0, answered.output
    reminded = run("invite", APPEAL, root, "--reminder", "--send")
    assert reminded.exit_code == 0, reminded.output
    reminders = server.messages[3:]
    assert [m["To"].addresses[0].username for m in reminders] == ["lola.sanchez", "igor.soltes"]
    assert all(m["Subject"].startswith("Reminder: invitation to co-sign:") for m in reminders)


def test_a_refused_recipient_is_not_recorded_and_a_rerun_sends_only_it(example, server):
    root = campaign_with_mail(example, server.port)
    server.refuse = {EMAILS["sanchez-caldentey"]}
    result = run("invite", APPEAL, root, "--send")
    assert result.exit_code == 1
    assert (f"not sent: localhost:{server.port}: sanchez-caldentey: "
            f"{EMAILS['sanchez-caldentey']} refused (550 5.1.1 no such mailbox here)"
            in result.output)
    assert [e["to"] for e in record(root)] == ["benifei", "soltes"]
    server.refuse = set()
    rerun = run("invite", APPEAL, root, "--send")
    assert rerun.exit_code == 0, rerun.output
    assert [m["To"].addresses[0].username for m in server.messages] == [
        "brando.benifei", "igor.soltes", "lola.sanchez"]
    assert [e["to"] for e in record(root)] == ["benifei", "soltes", "sanchez-caldentey"]


def test_a_dropped_connection_leaves_a_record_of_exactly_what_went(example, server):
    root = campaign_with_mail(example, server.port)
    server.drop_after = 1
    result = run("invite", APPEAL, root, "--send")
    assert result.exit_code == 1
    assert f"stopped: localhost:{server.port}: the connection was lost" in result.output
    assert "1 of 3 sent; run the command again to send the rest" in result.output
    assert [e["to"] for e in record(root)] == ["benifei"]
    server.drop_after = None
    assert run("invite", APPEAL, root, "--send").exit_code == 0
    assert [e["to"] for e in record(root)] == ["benifei", "sanchez-caldentey", "soltes"]
    assert len(server.messages) == 3


def test_a_failed_login_sends_nothing(example, server, monkeypatch):
    root = campaign_with_mail(example, server.port)
    monkeypatch.setenv("UNDERSIGNED_SMTP_PASSWORD", "wrong")
    result = run("invite", APPEAL, root, "--send")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(
        f"error: localhost:{server.port}: login as office refused (535 ")
    assert server.messages == [] and not (root / "records" / "mail.json").exists()


def test_no_password_in_a_script_is_a_clear_error(example, server, monkeypatch):
    root = campaign_with_mail(example, server.port)
    monkeypatch.delenv("UNDERSIGNED_SMTP_PASSWORD")
    result = run("invite", APPEAL, root, "--send")
    assert result.exit_code == 1
    assert (f"error: localhost:{server.port}: a password is needed to log in as office: set "
            "UNDERSIGNED_SMTP_PASSWORD, or run the command in a terminal to be asked for "
            "it") in result.output


def test_an_untrusted_server_certificate_is_refused(example, server, monkeypatch, tmp_path):
    root = campaign_with_mail(example, server.port)
    other = make_authority(tmp_path, "Other CA")
    monkeypatch.setenv("UNDERSIGNED_SMTP_CA", str(other.pem))
    result = run("invite", APPEAL, root, "--send")
    assert result.exit_code == 1
    assert (f"error: localhost:{server.port}: its certificate is not trusted (unable to get "
            "local issuer certificate)") in result.output
    assert server.messages == []


def test_a_server_that_does_not_answer_is_named(example, monkeypatch):
    root = campaign_with_mail(example, free_port())
    monkeypatch.setenv("UNDERSIGNED_SMTP_PASSWORD", "x")
    result = run("invite", APPEAL, root, "--send")
    assert result.exit_code == 1
    assert "error: localhost:" in result.output and "cannot connect" in result.output


def test_a_member_without_an_address_is_named_and_the_others_are_written(example, server):
    root = campaign_with_mail(example, server.port)
    members = root / "signatories" / "meps-2017.yaml"
    members.write_text(members.read_text().replace(f"    email: {EMAILS['soltes']}\n", ""))
    result = run("invite", APPEAL, root)
    assert result.exit_code == 1
    assert "left out: signatories/meps-2017.yaml:" in result.output
    assert ": soltes: no email address to write to" in result.output
    written = sorted(p.name for p in (root / "outputs" / "mail" / "invitations" / APPEAL)
                     .iterdir())
    assert written == ["benifei.eml", "sanchez-caldentey.eml"]
    assert server.messages == []  # without --send nothing is sent


def test_invitations_for_a_written_question_are_refused(example, server):
    root = campaign_with_mail(example, server.port)
    result = run("invite", "question-political-prisoners", root)
    assert result.exit_code == 2
    assert ("'question-political-prisoners' is a question, not a letter with a sign-on"
            in result.output)


# --- delivery: what must not go --------------------------------------------------------

def final_with_addresses(example, port) -> Path:
    root = campaign_with_mail(example, port, stage="final")
    campaign = root / "campaign.yaml"
    campaign.write_text(with_recipient_addresses(campaign.read_text()))
    return root


def with_recipient_addresses(text: str) -> str:
    """The example's campaign file with an e-mail address for each recipient."""
    text = text.replace("    salutation:\n      en: Dear Mr President,",
                        "    email: akorda@example.kz\n    salutation:\n"
                        "      en: Dear Mr President,", 1)
    return text.replace("    salutation:\n      en: Dear Prosecutor General,",
                        "    email: prokuror@example.kz\n    salutation:\n"
                        "      en: Dear Prosecutor General,", 1)


def with_letter_setting(root: Path, line: str) -> Path:
    """The example's appeal with one more setting (``key: value``)."""
    campaign = root / "campaign.yaml"
    text = campaign.read_text()
    start = text.index(f"  {APPEAL}:")
    campaign.write_text(text[:start] + text[start:].replace(
        "    case_text: summary\n", f"    case_text: summary\n    {line}\n", 1))
    return root


def keeping_empty_fields(root: Path) -> Path:
    """The example's letter sent with its unsigned fields (a test of what else send checks,
    on a copy one Member signed)."""
    return with_letter_setting(root, "keep_empty_signature_fields: true")


def signed_by_panzeri(root: Path, folder: Path):
    """The example's built appeal to the President in English, signed by Panzeri with a
    certificate of a new authority: (the authority, the PDF)."""
    from certs import make_intermediate, make_signer

    assert run("build", root, "-d", APPEAL).exit_code == 0
    authority = make_authority(folder, "Signing CA")
    p12 = make_signer(folder, make_intermediate(folder, authority), "Pier Antonio Panzeri", 30)
    pdf = root / "outputs" / f"{APPEAL}.president.en.pdf"
    signed = run("sign", pdf, "-s", "panzeri", "--p12", p12,
                 env={"UNDERSIGNED_P12_PASSPHRASE": "secret"})
    assert signed.exit_code == 0, signed.output
    return authority, pdf


def test_send_refuses_a_draft(example, server):
    root = campaign_with_mail(example, server.port)
    result = run("send", APPEAL, root)
    assert result.exit_code == 1
    assert result.output == (f"error: '{APPEAL}' is a draft (sign_on.stage: draft); only a "
                             "final letter is sent: set stage: final and build it\n")


def test_send_refuses_missing_and_stale_copies(example, server):
    root = final_with_addresses(example, server.port)
    missing = run("send", APPEAL, root)
    assert missing.exit_code == 1
    assert (f"error: not sent: {APPEAL}.president.en.pdf: missing; build it first "
            f"(undersigned build -d {APPEAL})") in missing.output
    assert run("build", root, "-d", APPEAL).exit_code == 0
    campaign = root / "campaign.yaml"
    campaign.write_text(campaign.read_text().replace(
        "ensure humane conditions of detention", "ensure decent conditions of detention"))
    stale = run("send", APPEAL, root, "--send")
    assert stale.exit_code == 1
    assert f"{APPEAL}.president.en.pdf: stale; build it first" in stale.output
    assert server.messages == []


def test_send_refuses_unsigned_copies_where_signatures_are_required(example, server, tls):
    root = final_with_addresses(example, server.port)
    campaign = root / "campaign.yaml"
    text = campaign.read_text()
    start = text.index(f"  {APPEAL}:")
    campaign.write_text(text[:start] + text[start:].replace(
        "    case_text: summary\n", "    case_text: summary\n    require_digital_signatures: true\n",
        1))
    assert run("build", root, "-d", APPEAL).exit_code == 0
    result = run("send", APPEAL, root, "--trust", tls["ca"], "--send")
    assert result.exit_code == 1
    assert (f"{APPEAL}.president.en.pdf: not signed yet by delvaux, gomes, kelam, paet, "
            "panzeri, scholz, spinelli, staes, vautmans, ward") in result.output
    assert server.messages == []


def test_send_refuses_a_copy_whose_signature_does_not_verify(example, server, tls, tmp_path):
    root = keeping_empty_fields(final_with_addresses(example, server.port))
    authority, pdf = signed_by_panzeri(root, tmp_path)
    first = run("send", APPEAL, root, "--trust", authority.pem)
    assert first.exit_code == 0, first.output
    data = pdf.read_bytes()  # then a byte of the signed text changes
    at = data.index(b"WeasyPrint 70")  # in the signed, uncompressed XMP metadata
    pdf.write_bytes(data[:at] + b"WeasyPrinT" + data[at + len(b"WeasyPrint"):])
    result = run("send", APPEAL, root, "--trust", authority.pem, "--send")
    assert result.exit_code == 1
    # A signed byte of the build's own revision: the copy is no longer the one built.
    assert f"{APPEAL}.president.en.pdf: modified; it was changed after it was built" in \
        result.output
    assert server.messages == []
    pdf.write_bytes(data + b"%% appended\n")  # intact, but with bytes after its end
    appended = run("send", APPEAL, root, "--trust", authority.pem, "--send")
    assert appended.exit_code == 1
    assert f"{APPEAL}.president.en.pdf: 12 bytes after the end of the PDF" in appended.output


def test_a_server_that_never_greets_times_out_with_its_name(example, monkeypatch):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never says a word
    port = listener.getsockname()[1]
    try:
        root = campaign_with_mail(example, port)
        monkeypatch.setenv("UNDERSIGNED_SMTP_TIMEOUT", "1")
        monkeypatch.setenv("UNDERSIGNED_SMTP_PASSWORD", "x")
        result = run("invite", APPEAL, root, "--send")
    finally:
        listener.close()
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == f"error: localhost:{port}: no answer within 1 s"
    assert not (root / "records" / "mail.json").exists()


def test_a_name_or_subject_with_line_breaks_cannot_add_a_header(example, server):
    root = campaign_with_mail(example, server.port)
    members = root / "signatories" / "meps-2017.yaml"
    members.write_text(members.read_text().replace(
        "    given: Brando\n", "    given: \"Brando\\r\\nBcc: spy@example.org\\n\"\n", 1))
    result = run("invite", APPEAL, root, "--send", "--member", "benifei")
    assert result.exit_code == 0, result.output
    [received] = server.messages
    assert received["Bcc"] is None
    assert str(received["To"]) == ('"Brando Bcc: spy@example.org Benifei" '
                                   "<brando.benifei@europarl.example>")
    assert server.envelopes[0][1] == ["brando.benifei@europarl.example"]


@pytest.mark.parametrize("subject", [
    "Приглашение подписать письмо: Обращение в защиту жертв политического преследования и "
    "политических заключённых в Казахстане",
    "Reminder: invitation to co-sign: Обращение в защиту жертв политического",
    "Invitation to co-sign: Appeal for the victims of political prosecution and Sánchez",
    "Short",
])
def test_long_non_ascii_subjects_arrive_with_every_space(subject):
    """Python 3.11's header folder drops the space before an encoded word when it folds
    ("защиту жертв" arrived as "защитужертв"): the workaround keeps every space."""
    from undersigned.mail.compose import address, message
    from undersigned.model.invitations import MailSettings

    mail = message(MailSettings(from_address="office@example.org"),
                   address("Ульви Гасанлы", "u@example.org"), subject, "x", "<p>x</p>", [])
    assert mail.data.isascii()
    assert all(len(line) <= 78 for line in mail.data.split(b"\r\n"))
    assert BytesParser(policy=policy.default).parsebytes(mail.data)["Subject"] == subject


def test_ctrl_c_while_the_server_holds_a_message_exits_130_and_says_interrupted(example,
                                                                              server):
    """Ctrl-C while connected (the server has the message and has not answered): one line,
    "interrupted", exit 130, no goodbye waited for, and the message not recorded as sent."""
    root = campaign_with_mail(example, server.port)
    server.hold = threading.Event()
    process = subprocess.Popen([sys.executable, "-m", "undersigned.cli", "invite", APPEAL,
                                str(root), "--send", "--member", "benifei"], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.holding.wait(120), process.communicate(timeout=1)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        server.hold.set()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stdout + stderr
    assert stderr.splitlines() == ["interrupted"], stderr
    # The server held the message: the journal says it may have been sent, never "sent".
    assert not (root / "records" / "mail.json").exists() or [
        entry["status"] for entry in record(root)] in ([], ["sending"])


def attached_pdfs(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()
            if part.get_content_type() == "application/pdf"}


def empty_fields(data: bytes) -> list[str]:
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    return [name for name, value, _ in enumerate_sig_fields(reader) if value is None]


def test_a_delivered_copy_has_no_empty_signature_field(example, server, tmp_path):
    root = final_with_addresses(example, server.port)
    assert run("build", root, "-d", APPEAL).exit_code == 0
    built = (root / "outputs" / f"{APPEAL}.president.en.pdf").read_bytes()
    assert len(empty_fields(built)) == 10  # one per Member who agreed, to sign in a reader
    result = run("send", APPEAL, root, "--send")
    assert result.exit_code == 0, result.output
    to_president = next(m for m in server.messages if m["To"].addresses[0].username == "akorda")
    sent = attached_pdfs(to_president)[f"{APPEAL}.president.en.pdf"]
    assert empty_fields(sent) == []
    assert sent.startswith(built)  # the copy as built, and a revision that takes them out
    assert (root / "outputs" / f"{APPEAL}.president.en.pdf").read_bytes() == built
    text = subprocess.run(["pdftotext", "-", "-"], input=sent, capture_output=True,
                          check=True).stdout.decode()
    assert "Pier Antonio PANZERI" in text  # the printed names and boxes stay
    import page  # and the copy stays PDF/A-3a and PDF/UA-1

    (tmp_path / "sent.pdf").write_bytes(sent)
    assert [page.validate_pdf(str(tmp_path / "sent.pdf"), profile=p).failures
            for p in ("3a", "ua1")] == [[], []]


def test_a_signed_copy_with_empty_fields_is_refused_unless_the_letter_keeps_them(
        example, server, tls, tmp_path):
    root = final_with_addresses(example, server.port)
    authority, pdf = signed_by_panzeri(root, tmp_path)
    refused = run("send", APPEAL, root, "--trust", authority.pem, "--send")
    assert refused.exit_code == 1
    assert (f"{APPEAL}.president.en.pdf: 9 empty signature field(s) (sig-delvaux, "
            "sig-gomes, ") in refused.output
    assert ("taking them out of a signed copy would break its signatures: have them signed; "
            "or list in the letter's digital_signers only the Members who sign "
            "electronically (build --resign gives the others no field); or set "
            "keep_empty_signature_fields: true on the letter to send them empty") in " ".join(
                refused.output.split())
    assert server.messages == []
    keeping_empty_fields(root)
    kept = run("send", APPEAL, root, "--trust", authority.pem, "--send")
    assert kept.exit_code == 0, kept.output
    to_president = next(m for m in server.messages if m["To"].addresses[0].username == "akorda")
    sent = attached_pdfs(to_president)[f"{APPEAL}.president.en.pdf"]
    assert sent == pdf.read_bytes() and len(empty_fields(sent)) == 9
