"""Signing a letter's field with PAdES: one signer at a time, the letter written whole
with its mode kept, and nothing signed that ``verify`` would fail."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from ..errors import WriteFailed
from ..files import read_regular, write_atomically, write_error, writer_lock
from ..pdf.compat import metadata_kept
from .keys import load_signer
from .policy import campaign_of, copy_in, field_members, may_sign
from .pdf import (PDF_LIMIT, SigningError, active_content, field_member, one_line, pdf_reader,
                  read_input, same_person, signature_fields)


IMAGE_FILE_LIMIT = 20 * 1024 * 1024
"""The largest signature image file read."""
IMAGE_PIXEL_LIMIT = 25_000_000
"""The most pixels a signature image may have (5000 x 5000)."""


def sign_letter(pdf: Path, signatory: str, p12: Path, passphrase: bytes | None,
                image: Path | None = None, reason: str | None = None,
                location: str | None = None, allow_other_signer: bool = False,
                on_wait: Callable[[str], None] | None = None) -> str:
    """Sign the field ``sig-SIGNATORY`` of ``pdf`` in place; return the field's name.

    The signature is PAdES baseline (ETSI.CAdES.detached, SHA-256). With
    ``image`` the field shows it; otherwise its appearance stays as it was (empty),
    so that no font is introduced. A link is followed and its target signed. The PDF is
    read and replaced under the folder's writers' lock, so that signers who sign at the
    same time each add their signature; the new file replaces the old one whole, with
    its mode. The certificate must be valid now and, unless ``allow_other_signer``, name
    the field's Member.
    """
    from pyhanko.sign import fields, signers
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    pdf = Path(pdf)
    target = Path(os.path.realpath(pdf))
    read_regular(target, PDF_LIMIT, what=str(pdf))  # a PDF, before a lock beside it is made
    signer, signer_name = load_signer(p12, passphrase)
    appearance = _appearance(image)
    field = f"sig-{signatory}"
    with ExitStack() as stack:
        try:
            stack.enter_context(writer_lock(target.parent, "sign", on_wait=on_wait))
        except WriteFailed as exc:  # no lock file can be made there: nor can the PDF be written
            cause = exc.__cause__
            raise (write_error(cause, pdf) if isinstance(cause, OSError) else exc) from cause
        data = read_regular(target, PDF_LIMIT, what=str(pdf))  # as it is now, under the lock
        reader = pdf_reader(data, pdf)
        _check_signable(reader, pdf, signatory)
        member = _field_member(pdf, field, signature_fields(reader, pdf)[field][1])
        if not allow_other_signer and not same_person(signer_name, member):
            whose = f"the field of {member}" if member else "a field that names no Member"
            their = f"{member}'s" if member else "the Member's"
            raise SigningError(
                f"{pdf}: {field} is {whose}, but the certificate in {p12} is "
                f"{signer_name or 'nameless'}'s; sign with {their} certificate, or give "
                "--allow-other-signer to sign in their place")
        metadata = signers.PdfSignatureMetadata(
            field_name=field, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason, location=location)
        pdf_signer = signers.PdfSigner(metadata, signer=signer, stamp_style=appearance)
        output = io.BytesIO()
        try:
            writer = metadata_kept(IncrementalPdfFileWriter(io.BytesIO(data), strict=False))
            pdf_signer.sign_pdf(writer, output=output)
        except Exception as exc:  # pyHanko's errors for odd certificates, keys or files
            raise SigningError(f"{pdf}: signing failed: {one_line(exc)}") from exc
        try:
            write_atomically(target, output.getvalue())
        except OSError as exc:
            raise write_error(exc, pdf) from exc
    return field


def _field_member(pdf: Path, field: str, widget) -> str | None:
    """Whose field this is: as the campaign the PDF is a copy of names them (and only if the
    sign-on lets them sign it), else as the PDF describes the field."""
    root = campaign_of(pdf)
    copy = copy_in(root, pdf) if root is not None else None
    if copy is None:
        return field_member(widget)
    refused = may_sign(copy, field.removeprefix("sig-"))
    if refused is not None:
        raise SigningError(f"{pdf}: {refused.field}: {refused.message}")
    return field_members(copy.loaded, copy.document).get(field)


def _check_signable(reader, pdf: Path, signatory: str) -> None:
    """Refuse a letter whose field ``sig-SIGNATORY`` is missing, filled, or not a signature
    field this toolkit made, or that has active content."""
    field = f"sig-{signatory}"
    existing = signature_fields(reader, pdf)
    if field not in existing:
        names = ", ".join(n.removeprefix("sig-") for n in existing) or "none"
        raise SigningError(f"{pdf}: '{signatory}' is not a signatory of this letter "
                           f"(signatories with a field: {names})")
    value = existing[field][0]
    if value is not None:
        if not isinstance(value.get_object(), dict):
            raise SigningError(f"{pdf}: {field} has a value that is not a signature: this "
                               "is not a field undersigned made or signed")
        raise SigningError(f"{pdf}: {field} is already signed; a field is signed only once")
    active = active_content(reader)
    if active:
        raise SigningError(f"{pdf}: the PDF has active content ({', '.join(active)}), "
                           "which undersigned letters never have; it is not signed")


def _appearance(image: Path | None):
    from pyhanko.stamp import StaticStampStyle
    from pyhanko.stamp.noop import NoOpStampStyle

    if image is None:
        return NoOpStampStyle()
    from pyhanko.pdf_utils.images import PdfImage

    return StaticStampStyle(background=PdfImage(_signature_picture(image)), border_width=0)


def _signature_picture(image: Path):
    """The image at ``image`` as RGB, or RGBA where it has transparency, whatever its mode
    (16-bit grey, CMYK, 1-bit, palette ...), of at most IMAGE_PIXEL_LIMIT pixels."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    data = read_input(image, IMAGE_FILE_LIMIT)
    # Pillow's own bound is larger than ours and raises at open, before the size is known:
    # opening reads only the header, so it is lifted there, and ours checked before decoding.
    bound, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        picture = Image.open(io.BytesIO(data))
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise SigningError(f"{image}: not an image that can be used as a signature: "
                           f"{one_line(exc)}") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = bound
    width, height = picture.size
    if width * height > IMAGE_PIXEL_LIMIT:
        raise SigningError(f"{image}: is {width}×{height} pixels; a signature image has at "
                           f"most {IMAGE_PIXEL_LIMIT:,}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            picture.load()
    except (OSError, Image.DecompressionBombError, ValueError) as exc:
        raise SigningError(f"{image}: not an image that can be used as a signature: "
                           f"{one_line(exc)}") from exc
    if picture.mode in ("RGB", "RGBA"):
        return picture
    if picture.mode.startswith(("I", "F")):  # 16- or 32-bit grey: scale down to 8 bits
        low, high = picture.getextrema()
        scale = 255 / (high - low) if high > low else 0
        picture = picture.convert("F").point(lambda v: (v - low) * scale).convert("L")
    alpha = ("A" in picture.getbands() or "a" in picture.getbands()
             or "transparency" in picture.info)
    return picture.convert("RGBA" if alpha else "RGB")
