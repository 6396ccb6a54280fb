"""Signature fields, PAdES signing in turn, verification, and signed copies kept."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from certs import make_authority, make_intermediate, make_signer
from conftest import tiny_png
from undersigned.batch.build import build
from undersigned.cli import cli

LETTER = "appeal-political-prisoners.president.en.pdf"
IDS = ["panzeri", "benifei", "delvaux", "gomes", "kelam", "paet", "ward", "scholz",
       "sanchez-caldentey", "soltes", "spinelli", "staes", "vautmans"]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """A test chain (root CA, intermediate CA, Members) and the certificates a recipient
    must not trust: expired, not yet valid, self-signed."""
    folder = tmp_path_factory.mktemp("keys")
    root = make_authority(folder)
    intermediate = make_intermediate(folder, root)
    utc = dt.timezone.utc
    return {
        "ca": root.pem, "intermediate": intermediate.pem, "folder": folder,
        "panzeri": make_signer(folder, intermediate, "Pier Antonio Panzeri", 10),
        "benifei": make_signer(folder, intermediate, "Brando Benifei", 11),
        "soltes": make_signer(folder, intermediate, "IGOR SOLTES", 12),
        "mallory": make_signer(folder, None, "Mallory", 13),
        "forged": make_signer(folder, None, "Pier Antonio Panzeri", 14, file_name="forged.p12"),
        "expired": make_signer(folder, intermediate, "Pier Antonio Panzeri", 15,
                               not_before=dt.datetime(2020, 1, 1, tzinfo=utc),
                               not_after=dt.datetime(2021, 1, 1, tzinfo=utc),
                               file_name="expired.p12"),
        "future": make_signer(folder, intermediate, "Pier Antonio Panzeri", 16,
                              not_before=dt.datetime(2090, 1, 1, tzinfo=utc),
                              file_name="future.p12"),
        "keyless": make_signer(folder, intermediate, "Pier Antonio Panzeri", 17,
                               with_key=False, file_name="keyless.p12"),
        "certless": make_signer(folder, intermediate, "Pier Antonio Panzeri", 18,
                                with_cert=False, file_name="certless.p12"),
    }


@pytest.fixture
def letter(built_example, tmp_path) -> Path:
    """A fresh copy of a built letter, to sign."""
    target = tmp_path / LETTER
    shutil.copyfile(built_example / "outputs" / LETTER, target)
    return target


def run(*args, passphrase="secret"):
    env = {"UNDERSIGNED_P12_PASSPHRASE": passphrase} if passphrase is not None else {}
    return CliRunner(env=env).invoke(cli, [str(a) for a in args])


def fields_of(pdf: Path) -> dict[str, tuple[int, list[float]]]:
    """Signature field name -> (page index, rectangle)."""
    reader = PdfReader(pdf)
    found = {}
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/FT") == "/Sig":
                found[str(annotation["/T"])] = (index, [float(v) for v in annotation["/Rect"]])
    return found


def test_a_letter_has_one_named_empty_field_per_signatory(built_example):
    pdf = built_example / "outputs" / LETTER
    fields = fields_of(pdf)
    assert list(fields) == [f"sig-{i}" for i in IDS]
    reader = PdfReader(pdf)
    acroform = reader.trailer["/Root"]["/AcroForm"]
    assert len(acroform["/Fields"]) == 13
    assert "/NeedAppearances" not in acroform
    for annotation in reader.pages[fields["sig-panzeri"][0]]["/Annots"]:
        annotation = annotation.get_object()
        assert annotation["/F"] == 4 and "/N" in annotation["/AP"]  # PDF/A: printable, drawn
        assert "/V" not in annotation  # empty


def test_field_rectangles_lie_on_the_signing_space_of_their_boxes(built_example):
    from undersigned.campaign.html import render_html
    from undersigned.campaign import load_campaign
    from undersigned.pdf.boxes import element_boxes
    from undersigned.pdf.writer import layout
    from undersigned.campaign.plan import plan_outputs

    loaded = load_campaign(built_example)
    [output] = plan_outputs(loaded, documents=["appeal-political-prisoners"],
                            recipients=["president"], langs=["en"])
    document = layout(render_html(loaded, output), loaded.root, output.label)
    boxes = {b.element_id.removeprefix("signatory-"): b
             for b in element_boxes(document, "signature-box")}
    fields = fields_of(built_example / "outputs" / LETTER)
    for signatory, box in boxes.items():
        page, (left, bottom, right, top) = fields[f"sig-{signatory}"]
        assert page == box.page
        height = document.pages[page].height
        # The box in PDF points, origin at the bottom left.
        box_left, box_right = box.x * 0.75, (box.x + box.width) * 0.75
        box_top, box_bottom = (height - box.y) * 0.75, (height - box.y - box.height) * 0.75
        assert box_left - 0.01 <= left < right <= box_right + 0.01
        assert box_bottom - 0.01 <= bottom < top <= box_top + 0.01
        assert top - bottom > 40 and right - left > 140  # room to sign: 17 mm x 54 mm


def test_fields_can_be_turned_off(example):
    text = (example / "campaign.yaml").read_text()
    (example / "campaign.yaml").write_text(text.replace(
        "    case_text: facts\n", "    case_text: facts\n    signature_fields: false\n", 1))
    build(example, documents=["appeal-dzhakishev-tokmadi"], langs=["en"], jobs=1)
    pdf = example / "outputs" / "appeal-dzhakishev-tokmadi.president.en.pdf"
    assert fields_of(pdf) == {}
    assert "/AcroForm" not in PdfReader(pdf).trailer["/Root"]


def test_two_signatories_sign_in_turn_and_both_signatures_verify(letter, keys):
    first = run("sign", letter, "--signatory", "panzeri", "--p12", keys["panzeri"])
    assert first.exit_code == 0, first.output
    assert first.stdout == f"signed sig-panzeri in {letter}\n"
    second = run("sign", letter, "--signatory", "benifei", "--p12", keys["benifei"])
    assert second.exit_code == 0, second.output

    untrusted = run("verify", letter)
    assert untrusted.exit_code == 1  # who signed is not known without a trust anchor
    lines = untrusted.stdout.splitlines()
    assert lines[0].startswith("sig-panzeri (Signature of Pier Antonio PANZERI): signed by "
                               "Organization: undersigned tests, Common Name: Pier Antonio "
                               "Panzeri at ")
    assert lines[0].endswith("; FAILED: the signer's identity was not checked: no trust "
                             "anchor was given (--trust CERT, or --system-trust)")
    assert lines[2] == "sig-delvaux (Signature of Mady DELVAUX): empty"
    assert lines[-1] == "13 signature fields, 2 signed, 2 failed"

    result = run("verify", letter, "--trust", keys["ca"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("; OK: intact, covers the entire revision, changed after: form "
                             "filling, signed by the field's Member, certificate valid at "
                             "signing time, trusted")
    assert lines[1].endswith("; OK: intact, covers the entire file, changed after: nothing, "
                             "signed by the field's Member, certificate valid at signing time, "
                             "trusted")
    assert lines[-1] == "13 signature fields, 2 signed, 0 failed"

    trusted = run("verify", letter, "--trust", keys["ca"], "--json")
    report = json.loads(trusted.stdout)
    assert report["identities_validated"] is True and report["passed"] is True
    signed = [f for f in report["fields"] if f["signed"]]
    assert [(f["field"], f["intact"], f["trusted"], f["passed"]) for f in signed] == [
        ("sig-panzeri", True, True, True), ("sig-benifei", True, True, True)]


def test_pyhanko_own_validation_agrees(letter, keys):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from undersigned.signing import load_trust_anchors

    run("sign", letter, "--signatory", "panzeri", "--p12", keys["panzeri"])
    run("sign", letter, "--signatory", "benifei", "--p12", keys["benifei"])
    with letter.open("rb") as handle:
        reader = PdfFileReader(handle)
        context = ValidationContext(trust_roots=load_trust_anchors([keys["ca"]]))
        statuses = [validate_pdf_signature(sig, context) for sig in reader.embedded_signatures]
        assert [s.bottom_line for s in statuses] == [True, True]
        assert [sig.field_name for sig in reader.embedded_signatures] == ["sig-panzeri",
                                                                          "sig-benifei"]


def test_a_byte_changed_after_signing_is_detected(letter, keys):
    run("sign", letter, "--signatory", "panzeri", "--p12", keys["panzeri"])
    data = bytearray(letter.read_bytes())
    position = data.index(b"/Producer") if b"/Producer" in data else len(data) // 3
    data[position + 1] ^= 0x01
    letter.write_bytes(bytes(data))
    result = run("verify", letter, "--trust", keys["ca"])
    assert result.exit_code == 1
    assert ("sig-panzeri (Signature of Pier Antonio PANZERI): signed by Organization: "
            "undersigned tests, Common Name: Pier Antonio Panzeri at ") in result.stdout
    assert ("; FAILED: BROKEN: the signed bytes were changed, or the signature does not match "
            "them" in result.stdout)
    assert "13 signature fields, 1 signed, 1 failed" in result.stdout


def test_signing_a_signed_field_or_a_stranger_is_a_clear_error(letter, keys):
    run("sign", letter, "--signatory", "panzeri", "--p12", keys["panzeri"])
    again = run("sign", letter, "--signatory", "panzeri", "--p12", keys["panzeri"])
    assert again.exit_code == 1
    assert again.stderr == (f"error: {letter}: sig-panzeri is already signed; a field is "
                            "signed only once\n")
    stranger = run("sign", letter, "--signatory", "mogherini", "--p12", keys["panzeri"])
    assert stranger.exit_code == 1
    assert stranger.stderr == (f"error: {letter}: 'mogherini' is not a signatory of this "
                               f"letter (signatories with a field: {', '.join(IDS)})\n")


def test_a_wrong_passphrase_is_a_clear_error_and_the_pdf_is_untouched(letter, keys):
    before = letter.read_bytes()
    result = run("sign", letter, "--signatory", "panzeri", "--p12", keys["panzeri"],
                 passphrase="wrong")
    assert result.exit_code == 1
    assert result.stderr == (f"error: {keys['panzeri']}: cannot open the PKCS#12 file: wrong "
                             "passphrase, or not a .p12/.pfx file\n")
    assert letter.read_bytes() == before


def test_the_passphrase_is_not_a_command_line_option():
    result = run("sign", "--help")
    assert "--passphrase" not in result.stdout
    assert "UNDERSIGNED_P12_PASSPHRASE" in result.stdout


def test_a_visible_signature_image_adds_no_unembedded_font(letter, keys, tmp_path):
    image = tiny_png(tmp_path / "signature.png", width=90, height=30, rgb=(10, 10, 90))
    result = run("sign", letter, "--signatory", "panzeri", "--p12", keys["panzeri"],
                 "--image", image)
    assert result.exit_code == 0, result.output
    reader = PdfReader(letter)
    page = reader.pages[fields_of(letter)["sig-panzeri"][0]]
    for annotation in page["/Annots"]:
        annotation = annotation.get_object()
        if annotation["/T"] == "sig-panzeri":
            appearance = annotation["/AP"]["/N"].get_object()
            resources = appearance.get("/Resources", {})
            assert "/Font" not in resources
            assert appearance.get_data() != b""  # the image is drawn
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor
    assert run("verify", letter, "--trust", keys["ca"]).exit_code == 0


def test_a_rebuild_leaves_a_really_signed_pdf_byte_for_byte_unchanged(example, keys):
    build(example, documents=["appeal-political-prisoners"], recipients=["president"],
          langs=["en"], jobs=1)
    pdf = example / "outputs" / LETTER
    assert run("sign", pdf, "--signatory", "kelam", "--p12", keys["panzeri"],
               "--allow-other-signer").exit_code == 0
    signed = pdf.read_bytes()
    path = example / "signatories" / "meps-2017.yaml"
    path.write_text(path.read_text().replace("given: Brando", "given: Brando Maria"))
    result = CliRunner().invoke(cli, ["build", str(example), "-d", "appeal-political-prisoners",
                                      "-r", "president", "-l", "en"])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes() == signed
    assert "kept: outputs/appeal-political-prisoners.president.en.pdf is signed" in result.stderr
    manifest = json.loads((example / "outputs" / "manifest.json").read_text())
    assert manifest["outputs"]["appeal-political-prisoners.president.en"]["signed"] is True


def test_a_signed_letter_keeps_clean_pdf_syntax(letter, keys):
    import pikepdf

    run("sign", letter, "--signatory", "panzeri", "--p12", keys["panzeri"])
    run("sign", letter, "--signatory", "benifei", "--p12", keys["benifei"])
    with pikepdf.open(letter) as document:
        assert document.check_pdf_syntax() == []


# What verify answers: intact, covering the document, by the field's Member, with a
# certificate valid when signing and chaining to a trust anchor. Each case below was a
# signature reported as fine, or a traceback.

def pyhanko_sign(pdf: Path, field: str, p12: Path, subfilter=None) -> None:
    """Sign as any other tool would, without sign's checks: to make what sign refuses."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=b"secret")
    metadata = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm="sha256",
        subfilter=subfilter or fields.SigSeedSubFilter.PADES)
    output = io.BytesIO()
    signers.PdfSigner(metadata, signer=signer).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf.read_bytes())), output=output)
    pdf.write_bytes(output.getvalue())


def edit_pdf(pdf: Path, change) -> None:
    """Rewrite ``pdf`` with pikepdf after ``change(document)``: a hostile sender's PDF."""
    import pikepdf

    with pikepdf.open(pdf, allow_overwriting_input=True) as document:
        change(document)
        document.save(pdf)


def set_field(document, name: str, **entries) -> None:
    for field in document.Root.AcroForm.Fields:
        if str(field.T) == name:
            for key, value in entries.items():
                field[f"/{key}"] = value


def field_line(result, field: str) -> str:
    [line] = [line for line in result.stdout.splitlines() if line.startswith(field + " ")]
    return line


def test_a_self_signed_mallory_fails_verification(letter, keys):
    result = run("sign", letter, "-s", "panzeri", "--p12", keys["mallory"], "--allow-other-signer")
    assert result.exit_code == 0, result.output
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 1
    line = field_line(verified, "sig-panzeri")
    assert "Common Name: Mallory at " in line
    assert line.endswith("; FAILED: signed by Mallory, not by the field's Member Pier Antonio "
                         "PANZERI; NOT trusted: the certificate does not chain to a trust "
                         "anchor")
    assert verified.stdout.splitlines()[-1] == "13 signature fields, 1 signed, 1 failed"


def test_a_self_signed_certificate_in_the_members_name_is_not_trusted(letter, keys):
    assert run("sign", letter, "-s", "panzeri", "--p12", keys["forged"]).exit_code == 0
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 1
    assert field_line(verified, "sig-panzeri").endswith(
        "; FAILED: NOT trusted: the certificate does not chain to a trust anchor")


def test_sign_refuses_another_members_certificate_unless_told(letter, keys):
    before = letter.read_bytes()
    refused = run("sign", letter, "-s", "benifei", "--p12", keys["panzeri"])
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: {letter}: sig-benifei is the field of Brando BENIFEI, but the certificate in "
        f"{keys['panzeri']} is Pier Antonio Panzeri's; sign with Brando BENIFEI's certificate, "
        "or give --allow-other-signer to sign in their place\n")
    assert letter.read_bytes() == before
    allowed = run("sign", letter, "-s", "benifei", "--p12", keys["panzeri"], "--allow-other-signer")
    assert allowed.exit_code == 0, allowed.output
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 1  # trusted, but not the field's Member
    assert field_line(verified, "sig-benifei").endswith(
        "; FAILED: signed by Pier Antonio Panzeri, not by the field's Member Brando BENIFEI")


def test_a_members_name_matches_without_case_or_diacritics(letter, keys):
    # The field says "Igor ŠOLTES"; the certificate "IGOR SOLTES".
    result = run("sign", letter, "-s", "soltes", "--p12", keys["soltes"])
    assert result.exit_code == 0, result.output
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 0, verified.output
    assert "signed by the field's Member" in field_line(verified, "sig-soltes")


def test_an_intermediate_certificate_can_be_the_trust_anchor(letter, keys):
    run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"])
    assert run("verify", letter, "--trust", keys["intermediate"]).exit_code == 0
    assert run("verify", letter, "--trust", keys["mallory"].with_suffix(".pem")).exit_code == 1


@pytest.mark.parametrize("which, message", [
    ("expired", "the certificate expired on 2021-01-01 00:00 UTC; sign with a valid one"),
    ("future", "the certificate is valid only from 2090-01-01 00:00 UTC; sign with a valid one"),
])
def test_an_expired_or_not_yet_valid_certificate_is_refused_and_reported(letter, keys, which,
                                                                          message):
    before = letter.read_bytes()
    refused = run("sign", letter, "-s", "panzeri", "--p12", keys[which])
    assert refused.exit_code == 1
    assert refused.stderr == f"error: {keys[which]}: {message}\n"
    assert letter.read_bytes() == before
    pyhanko_sign(letter, "sig-panzeri", keys[which])  # another tool signs it anyway
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 1
    line = field_line(verified, "sig-panzeri")
    state = "EXPIRED" if which == "expired" else "NOT YET VALID"
    assert f"; FAILED: the certificate was {state} at the signing time " in line
    assert "NOT trusted" in line


@pytest.mark.parametrize("which, message", [
    ("keyless", "holds no private key; export the certificate together with its key"),
    ("certless", "holds no certificate; export the certificate together with its key"),
])
def test_a_p12_without_key_or_certificate_is_a_clear_error(letter, keys, which, message):
    result = run("sign", letter, "-s", "panzeri", "--p12", keys[which])
    assert result.exit_code == 1
    assert result.stderr == f"error: {keys[which]}: {message}\n"


def test_an_unknown_subfilter_is_signed_but_unverifiable_for_sign_and_verify(letter, keys):
    from pyhanko.sign.fields import SigSeedSubFilter

    import pikepdf

    def rsa_sha1(document):
        for field in document.Root.AcroForm.Fields:
            if str(field.T) == "sig-panzeri":
                field.V.SubFilter = pikepdf.Name("/adbe.x509.rsa_sha1")

    pyhanko_sign(letter, "sig-panzeri", keys["panzeri"], SigSeedSubFilter.ADOBE_PKCS7_DETACHED)
    edit_pdf(letter, rsa_sha1)
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 1
    assert field_line(verified, "sig-panzeri") == (
        "sig-panzeri (Signature of Pier Antonio PANZERI): signed; FAILED: signed with "
        "/SubFilter /adbe.x509.rsa_sha1, which cannot be verified here")
    assert verified.stdout.splitlines()[-1] == "13 signature fields, 1 signed, 1 failed"
    again = run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"])
    assert again.stderr == (f"error: {letter}: sig-panzeri is already signed; a field is "
                            "signed only once\n")


def test_a_field_whose_value_is_not_a_signature_is_reported_not_a_traceback(letter, keys):
    edit_pdf(letter, lambda d: set_field(d, "sig-panzeri", V=7))
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 1
    assert field_line(verified, "sig-panzeri") == (
        "sig-panzeri (Signature of Pier Antonio PANZERI): signed; FAILED: its value is not a "
        "signature dictionary: this is not a field undersigned made or signed")
    refused = run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"])
    assert refused.exit_code == 1
    assert refused.stderr == (f"error: {letter}: sig-panzeri has a value that is not a "
                              "signature: this is not a field undersigned made or signed\n")


@pytest.mark.parametrize("contents", [b"\x30\x03\x02\x01\x01", None],
                         ids=["bogus CMS", "no contents"])
def test_bogus_cades_contents_are_a_failed_signature_not_a_traceback(letter, keys, contents):
    import pikepdf

    def bogus(document):
        signature = pikepdf.Dictionary(
            Type=pikepdf.Name.Sig, Filter=pikepdf.Name("/Adobe.PPKLite"),
            SubFilter=pikepdf.Name("/ETSI.CAdES.detached"))
        if contents is not None:
            signature.ByteRange = [0, 10, 20, 30]
            signature.Contents = pikepdf.String(contents)
        set_field(document, "sig-panzeri", V=document.make_indirect(signature))

    edit_pdf(letter, bogus)
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 1
    assert field_line(verified, "sig-panzeri").startswith(
        "sig-panzeri (Signature of Pier Antonio PANZERI): signed; FAILED: the signature cannot "
        "be read: ")
    assert "Traceback" not in verified.output


def test_bytes_appended_after_the_end_are_reported(letter, keys):
    run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"])
    with letter.open("ab") as handle:
        handle.write(b"\nPay to IBAN XX00 instead\n")  # 26 bytes
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 1
    assert field_line(verified, "sig-panzeri").endswith(
        "; FAILED: does not cover the document as it is now: 26 bytes were added after its "
        "end, outside every signature")
    assert verified.stdout.splitlines()[-2] == (
        "the PDF: 26 bytes after its end (the last %%EOF), covered by no signature")


def test_an_annotation_added_after_signing_is_reported(letter, keys):
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"])
    writer = IncrementalPdfFileWriter(io.BytesIO(letter.read_bytes()))
    page = writer.root["/Pages"]["/Kids"].raw_get(0).get_object()
    note = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/FreeText"),
        generic.pdf_name("/Rect"): generic.ArrayObject(map(generic.NumberObject,
                                                           (100, 100, 300, 150))),
        generic.pdf_name("/Contents"): generic.TextStringObject("NOT"),
        generic.pdf_name("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g")})
    page["/Annots"] = generic.ArrayObject([writer.add_object(note)])
    writer.update_container(page)
    output = io.BytesIO()
    writer.write(output)  # an incremental update: the signed bytes stay as they were
    letter.write_bytes(output.getvalue())
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 1
    assert field_line(verified, "sig-panzeri").endswith(
        "; FAILED: the document was changed after signing beyond adding signatures")


def test_javascript_is_reported_by_verify_and_refused_by_sign(letter, keys):
    import pikepdf

    run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"])
    signed = letter.read_bytes()
    edit_pdf(letter, lambda d: setattr(d.Root, "OpenAction", pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('signed by the president')"))))
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 1
    assert "the PDF has active content: JavaScript" in verified.stdout.splitlines()
    refused = run("sign", letter, "-s", "benifei", "--p12", keys["benifei"])
    assert refused.exit_code == 1
    assert refused.stderr == (f"error: {letter}: the PDF has active content (JavaScript), "
                              "which undersigned letters never have; it is not signed\n")
    letter.write_bytes(signed)
    edit_pdf(letter, lambda d: (setattr(d.Root, "AA", pikepdf.Dictionary(O=pikepdf.Dictionary(
        S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))))))
    verified = run("verify", letter, "--trust", keys["ca"], "--json")
    assert json.loads(verified.stdout)["active_content"] == [
        "automatic actions (/AA)", "a /Launch action"]
    assert verified.exit_code == 1


def test_text_from_the_pdf_or_a_certificate_cannot_forge_a_line(letter, keys, tmp_path):
    import pikepdf

    forged = "\x1b[2K\r\x1b[32msig-panzeri: OK, trusted\u202e"
    p12 = make_signer(tmp_path, None, "Mallory" + forged, 20, file_name="forged-line.p12")
    run("sign", letter, "-s", "panzeri", "--p12", p12, "--allow-other-signer")
    edit_pdf(letter, lambda d: set_field(d, "sig-benifei", TU=pikepdf.String(forged)))
    verified = run("verify", letter, "--trust", keys["ca"])
    assert verified.exit_code == 1
    assert "\x1b" not in verified.stdout and "\r" not in verified.stdout
    assert "\u202e" not in verified.stdout
    assert "Mallory\\x1b[2K\\r\\x1b[32msig-panzeri: OK, trusted\\u202e" in verified.stdout
    assert ("sig-benifei (\\x1b[2K\\r\\x1b[32msig-panzeri: OK, trusted\\u202e): empty"
            in verified.stdout.splitlines())


def test_trust_given_a_private_key_or_not_a_certificate_is_a_clear_error(letter, keys, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"])
    key = ec.generate_private_key(ec.SECP256R1())
    der = tmp_path / "key.der"
    der.write_bytes(key.private_bytes(serialization.Encoding.DER,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    pem = tmp_path / "key.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    junk = tmp_path / "junk.der"
    junk.write_bytes(b"\x30\x03\x02\x01\x01")
    for path in (der, pem):
        result = run("verify", letter, "--trust", path)
        assert result.exit_code == 1
        assert result.stderr == (f"error: {path}: is a private key, not a certificate; give "
                                 "the certificate of the authority you trust\n")
        assert result.stdout == ""
    result = run("verify", letter, "--trust", junk)
    assert result.stderr == f"error: {junk}: not a certificate (PEM or DER)\n"
    p12 = run("verify", letter, "--trust", keys["panzeri"])
    assert p12.stderr == f"error: {keys['panzeri']}: not a certificate (PEM or DER)\n"


def test_an_encrypted_pdf_is_refused_by_sign_and_verify(letter, keys):
    import pikepdf

    with pikepdf.open(letter, allow_overwriting_input=True) as document:
        document.save(letter, encryption=pikepdf.Encryption(owner="o", user="", R=6))
    for result in (run("verify", letter, "--trust", keys["ca"]),
                   run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"])):
        assert result.exit_code == 1
        assert result.stderr == (f"error: {letter}: the PDF is encrypted; undersigned signs "
                                 "and verifies only the unencrypted letters it makes\n")


@pytest.mark.parametrize("mode", ["I;16", "CMYK", "1", "P", "P with transparency", "LA", "L",
                                  "RGBA", "F"])
def test_a_signature_image_in_any_mode_is_used(letter, keys, tmp_path, mode):
    from PIL import Image

    picture = Image.new("RGB", (90, 30), (10, 10, 90))
    options = {}
    if mode == "I;16":
        picture = Image.new("I;16", (90, 30), 300)
    elif mode == "P with transparency":
        picture, options = picture.convert("P"), {"transparency": 0}
    else:
        picture = picture.convert(mode)
    path = tmp_path / ("signature.tiff" if mode in ("I;16", "CMYK", "F") else "signature.png")
    picture.save(path, **options)
    result = run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"], "--image", path)
    assert result.exit_code == 0, result.output
    assert run("verify", letter, "--trust", keys["ca"]).exit_code == 0


def test_a_signature_image_of_too_many_pixels_is_refused(letter, keys, tmp_path):
    from PIL import Image

    path = tmp_path / "huge.png"
    Image.new("1", (20000, 10000)).save(path)
    result = run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"], "--image", path)
    assert result.exit_code == 1
    assert result.stderr == (f"error: {path}: is 20000×10000 pixels; a signature image has "
                             "at most 25,000,000\n")


def test_inputs_are_read_from_regular_files_with_a_bound(letter, keys, tmp_path):
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.pdf"
    zero.symlink_to("/dev/zero")
    large = tmp_path / "large.pdf"
    with large.open("wb") as handle:
        handle.truncate(300 * 1024 * 1024)  # sparse: nothing is written
    cases = [
        (("verify", "/dev/zero"), "/dev/zero: is not a regular file"),
        (("verify", zero), f"{zero}: is not a regular file"),
        (("verify", fifo), f"{fifo}: is not a regular file"),
        (("verify", large), f"{large}: is 314,572,800 bytes; at most 104,857,600 are read"),
        (("verify", letter, "--trust", fifo), f"{fifo}: is not a regular file"),
        (("verify", letter, "--trust", "/dev/zero"), "/dev/zero: is not a regular file"),
        (("sign", letter, "-s", "panzeri", "--p12", "/dev/zero"),
         "/dev/zero: is not a regular file"),
        (("sign", letter, "-s", "panzeri", "--p12", fifo), f"{fifo}: is not a regular file"),
        (("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"], "--image", "/dev/zero"),
         "/dev/zero: is not a regular file"),
        (("sign", fifo, "-s", "panzeri", "--p12", keys["panzeri"]),
         f"{fifo}: is not a regular file"),
    ]
    for args, message in cases:
        result = run(*args)
        assert (result.exit_code, result.stderr) == (1, f"error: {message}\n"), args


def test_three_signers_at_once_all_land(letter, keys):
    import os
    import subprocess
    import sys

    env = {**os.environ, "UNDERSIGNED_P12_PASSPHRASE": "secret"}
    signers = [("panzeri", keys["panzeri"]), ("benifei", keys["benifei"]),
               ("soltes", keys["soltes"])]
    processes = [subprocess.Popen([sys.executable, "-m", "undersigned.cli", "sign", str(letter),
                                   "-s", who, "--p12", str(p12)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for who, p12 in signers]
    outputs = [process.communicate(timeout=60) for process in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    report = json.loads(run("verify", letter, "--trust", keys["ca"], "--json").stdout)
    assert sorted(f["field"] for f in report["fields"] if f["signed"]) == [
        "sig-benifei", "sig-panzeri", "sig-soltes"]
    assert report["passed"] is True


def test_a_signer_waits_for_the_writer_of_the_folder_and_says_who_it_is(letter, keys,
                                                                        monkeypatch):
    from undersigned.files import writer_lock

    before = letter.read_bytes()
    monkeypatch.setenv("UNDERSIGNED_LOCK_WAIT", "0.3")
    with writer_lock(letter.parent, "build"):
        result = run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"])
    assert result.exit_code == 1
    [waiting, error] = result.stderr.splitlines()
    assert waiting.startswith("waiting for process ") and "(undersigned build, since " in waiting
    assert error.startswith(f"error: {letter.parent}: process ")
    assert error.endswith("is writing here; try again when it has finished")
    assert letter.read_bytes() == before


def test_sign_keeps_the_mode_and_signs_the_target_of_a_link(letter, keys, tmp_path):
    letter.chmod(0o600)
    link = tmp_path / "link.pdf"
    link.symlink_to(letter)
    result = run("sign", link, "-s", "panzeri", "--p12", keys["panzeri"])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == letter
    assert letter.stat().st_mode & 0o777 == 0o600
    assert run("verify", letter, "--trust", keys["ca"]).exit_code == 0


@pytest.mark.parametrize("code, cause", [(28, "No space left on device"),
                                         (30, "Read-only file system")])
def test_a_failed_write_leaves_the_letter_intact_with_a_one_line_message(letter, keys,
                                                                         monkeypatch, code,
                                                                         cause):
    import undersigned.files as files
    from test_faults import failing_fdopen

    before = letter.read_bytes()
    monkeypatch.setattr(files.os, "fdopen", failing_fdopen(code))
    result = run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"])
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot write {letter}: {cause}\n"
    assert letter.read_bytes() == before
    assert not list(letter.parent.glob(".*.part"))


@pytest.fixture
def small_disk(tmp_path):
    """A folder on a 60 kB file system of its own: the letter fits, its signed copy not."""
    import subprocess

    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=60k", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small file system here (not root, or no mount allowed); "
                    "the failing writes are simulated by the test above")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.mark.parametrize("read_only", [False, True], ids=["full disk", "read-only"])
def test_a_real_full_disk_or_read_only_folder_leaves_the_letter_intact(letter, keys,
                                                                       small_disk, read_only):
    import subprocess

    pdf = small_disk / letter.name
    shutil.copyfile(letter, pdf)
    if read_only:
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = run("sign", pdf, "-s", "panzeri", "--p12", keys["panzeri"])
    assert result.exit_code == 1
    cause = "Read-only file system" if read_only else "No space left on device"
    assert result.stderr == f"error: cannot write {pdf}: {cause}\n"
    assert pdf.read_bytes() == letter.read_bytes()
    assert [p.name for p in small_disk.iterdir() if p.suffix == ".part"] == []


def test_verify_json_carries_every_check(letter, keys):
    run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"])
    report = json.loads(run("verify", letter, "--trust", keys["ca"], "--json").stdout)
    [field] = [f for f in report["fields"] if f["signed"]]
    assert {key: field[key] for key in (
        "field", "member", "signer_name", "subfilter", "intact", "coverage", "changed_after",
        "covers_document", "signer_is_member", "certificate_valid", "trusted", "problems",
        "passed")} == {
        "field": "sig-panzeri", "member": "Pier Antonio PANZERI",
        "signer_name": "Pier Antonio Panzeri", "subfilter": "/ETSI.CAdES.detached",
        "intact": True, "coverage": "entire file", "changed_after": "nothing",
        "covers_document": True, "signer_is_member": True, "certificate_valid": True,
        "trusted": True, "problems": [], "passed": True}
    assert {key: report[key] for key in ("appended_bytes", "active_content", "passed")} == {
        "appended_bytes": 0, "active_content": [], "passed": True}


def test_the_system_trust_store_is_used_only_when_asked(letter, keys):
    import ssl

    run("sign", letter, "-s", "panzeri", "--p12", keys["panzeri"])
    result = run("verify", letter, "--system-trust")
    assert result.exit_code == 1  # the test CA is not among the system's
    paths = ssl.get_default_verify_paths()
    if not any(bundle and Path(bundle).is_file()
               for bundle in (paths.cafile, paths.openssl_cafile)):
        assert result.stderr == (f"error: --system-trust: this system has no certificate "
                                 f"bundle ({paths.openssl_cafile}); give the anchors with "
                                 "--trust CERT\n")
        return
    assert field_line(result, "sig-panzeri").endswith(
        "; FAILED: NOT trusted: the certificate does not chain to a trust anchor")


@pytest.mark.parametrize("certificate, member, same", [
    ("Pier Antonio Panzeri", "Pier Antonio PANZERI", True),
    ("PANZERI, Pier Antonio", "Pier Antonio PANZERI", True),
    ("Igor Soltes", "Igor ŠOLTES", True),
    ("LOLA SANCHEZ-CALDENTEY", "Lola SÁNCHEZ CALDENTEY", True),
    ("Pier Panzeri", "Pier Antonio PANZERI", False),
    ("Mallory", "Pier Antonio PANZERI", False),
    ("", "Pier Antonio PANZERI", False),
    ("Pier Antonio Panzeri", None, False),
])
def test_a_certificate_names_a_member_without_case_diacritics_or_order(certificate, member,
                                                                         same):
    from undersigned.signing import same_person

    assert same_person(certificate, member) is same


def test_the_library_reports_every_check_without_printing(letter, keys, capsys):
    from undersigned.signing import sign_letter, verify_pdf

    assert sign_letter(letter, "panzeri", keys["panzeri"], b"secret") == "sig-panzeri"
    report = verify_pdf(letter, [keys["ca"]])
    assert capsys.readouterr() == ("", "")
    assert report.passed and report.identities_validated
    [signed] = [f for f in report.fields if f.signed]
    assert (signed.intact, signed.covers_document, signed.signer_is_member,
            signed.certificate_valid, signed.trusted, signed.problems) == (
        True, True, True, True, True, [])
    assert not verify_pdf(letter).passed  # no anchor: nobody's identity is known


# The three verifiers agree: undersigned, pyHanko's own validation and poppler's pdfsig.

AGREEMENT_CASES = {
    # case: (field, key, sign with pyHanko directly, then) -> (intact, trusted)
    "member": ("panzeri", "panzeri", None),
    "mallory": ("panzeri", "mallory", None),
    "forged": ("panzeri", "forged", None),
    "other member": ("benifei", "panzeri", None),
    "expired": ("panzeri", "expired", None),
    "not yet valid": ("panzeri", "future", None),
    "byte changed": ("panzeri", "panzeri", "flip"),
    "bytes appended": ("panzeri", "panzeri", "append"),
}


def pdfsig_results(pdf: Path, nss: Path) -> list[tuple[str, bool, bool]]:
    """(field, intact, trusted) of every signed field, as poppler's pdfsig sees them."""
    import subprocess

    output = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)], capture_output=True,
                            text=True, timeout=60).stdout
    results: dict[str, list[bool]] = {}
    field = None
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("- Signature Field Name: "):
            field = line.removeprefix("- Signature Field Name: ")
        elif line.startswith("- Signature Validation: "):  # a signed field
            results[field] = [line == "- Signature Validation: Signature is Valid.", False]
        elif line.startswith("- Certificate Validation: "):
            results[field][1] = line == "- Certificate Validation: Certificate is Trusted."
    results = [(field, intact, trusted) for field, (intact, trusted) in results.items()]
    return results


@pytest.fixture(scope="module")
def nss(keys):
    import shutil as shell

    from certs import nss_database

    if shell.which("pdfsig") is None or shell.which("certutil") is None:
        pytest.skip("poppler's pdfsig or NSS's certutil is not installed "
                    "(scripts/bootstrap --test installs poppler-utils and libnss3-tools)")
    return nss_database(keys["folder"] / "nss", [keys["ca"]])


@pytest.mark.parametrize("case", list(AGREEMENT_CASES))
def test_verify_agrees_with_pyhanko_and_pdfsig(letter, keys, nss, case):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from undersigned.signing import load_trust_anchors

    who, key, then = AGREEMENT_CASES[case]
    pyhanko_sign(letter, f"sig-{who}", keys[key])
    if then == "flip":
        data = bytearray(letter.read_bytes())
        data[data.index(b"/Producer") + 1] ^= 0x01
        letter.write_bytes(bytes(data))
    elif then == "append":
        with letter.open("ab") as handle:
            handle.write(b"appended\n")
    report = json.loads(run("verify", letter, "--trust", keys["ca"], "--json").stdout)
    ours = [(f["field"], f["intact"], f["trusted"]) for f in report["fields"] if f["signed"]]
    with letter.open("rb") as handle:
        context = ValidationContext(trust_roots=load_trust_anchors([keys["ca"]]),
                                    allow_fetching=False)
        theirs = []
        for signature in PdfFileReader(handle, strict=False).embedded_signatures:
            status = validate_pdf_signature(signature, context)
            theirs.append((signature.field_name, status.intact and status.valid,
                           status.trusted))
    assert ours == theirs == pdfsig_results(letter, nss)
    assert report["passed"] is (case == "member")
