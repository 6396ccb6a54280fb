"""Signature fields, PAdES signing in turn, verification, and signed copies kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from certs import make_authority, make_signer
from conftest import tiny_png
from undersigned.batch.build import build
from undersigned.cli import cli

LETTER = "appeal-political-prisoners.president.en.pdf"
IDS = ["panzeri", "benifei", "delvaux", "gomes", "kelam", "paet", "ward", "scholz",
       "sanchez-caldentey", "soltes", "spinelli", "staes", "vautmans"]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    authority = make_authority(folder)
    return {"ca": authority.pem,
            "panzeri": make_signer(folder, authority, "Pier Antonio Panzeri", 10),
            "benifei": make_signer(folder, authority, "Brando Benifei", 11)}


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

    result = run("verify", letter)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("sig-panzeri (Signature of Pier Antonio PANZERI): signed by "
                               "Organization: undersigned tests, Common Name: Pier Antonio "
                               "Panzeri at ")
    assert lines[0].endswith("; intact, covers the entire revision, changed after: form filling")
    assert lines[1].endswith("; intact, covers the entire file, changed after: nothing")
    assert lines[2] == "sig-delvaux (Signature of Mady DELVAUX): empty"
    assert lines[-2] == "13 signature fields, 2 signed, 0 broken"
    assert lines[-1] == ("the signers' identities were not validated: no trust anchor was "
                         "given (--trust CERT)")

    trusted = run("verify", letter, "--trust", keys["ca"], "--json")
    report = json.loads(trusted.stdout)
    assert report["identities_validated"] is True
    signed = [f for f in report["fields"] if f["signed"]]
    assert [(f["field"], f["intact"], f["trusted"], f["broken"]) for f in signed] == [
        ("sig-panzeri", True, True, False), ("sig-benifei", True, True, False)]


def test_pyhanko_own_validation_agrees(letter, keys):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from undersigned.signing import _load_certificate

    run("sign", letter, "--signatory", "panzeri", "--p12", keys["panzeri"])
    run("sign", letter, "--signatory", "benifei", "--p12", keys["benifei"])
    with letter.open("rb") as handle:
        reader = PdfFileReader(handle)
        context = ValidationContext(trust_roots=[_load_certificate(keys["ca"])])
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
    result = run("verify", letter)
    assert result.exit_code == 1
    assert ("sig-panzeri (Signature of Pier Antonio PANZERI): signed by Organization: "
            "undersigned tests, Common Name: Pier Antonio Panzeri at ") in result.stdout
    assert ("BROKEN: the signed bytes were changed, or the signature does not match them"
            in result.stdout)
    assert "13 signature fields, 1 signed, 1 broken" in result.stdout


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
    assert run("verify", letter).exit_code == 0


def test_a_rebuild_leaves_a_really_signed_pdf_byte_for_byte_unchanged(example, keys):
    build(example, documents=["appeal-political-prisoners"], recipients=["president"],
          langs=["en"], jobs=1)
    pdf = example / "outputs" / LETTER
    assert run("sign", pdf, "--signatory", "kelam", "--p12", keys["panzeri"]).exit_code == 0
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
