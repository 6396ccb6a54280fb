"""Reading a PDF to sign or verify: bounded and unencrypted; its signature fields and the
Member each belongs to; the active content a letter must not have."""

from __future__ import annotations

import io
import os
import re
import unicodedata
from pathlib import Path

from ..errors import UndersignedError
from ..files import read_regular


PDF_LIMIT = 100 * 1024 * 1024
"""The largest PDF read: a letter is well under a megabyte."""


class SigningError(UndersignedError):
    """Raised when a PDF cannot be signed or read for verification."""


def read_input(path: Path, limit: int) -> bytes:
    """The bytes of a file given by the user, through a symbolic link if it is one: a regular
    file only, of at most ``limit`` bytes (never a device, a pipe or an endless file)."""
    return read_regular(Path(os.path.realpath(path)), limit, what=str(path))


def pdf_reader(data: bytes, path: Path):
    from pyhanko.pdf_utils.reader import PdfFileReader

    from ..pdf.compat import object_streams_indexed

    try:
        reader = object_streams_indexed(PdfFileReader(io.BytesIO(data), strict=False))
        encrypted = reader.encrypted
    except Exception as exc:  # pyHanko raises several kinds for unreadable files
        raise SigningError(f"{path}: cannot read the PDF: {one_line(exc)}") from exc
    if encrypted:
        raise SigningError(f"{path}: the PDF is encrypted; undersigned signs and verifies "
                           "only the unencrypted letters it makes")
    return reader


def one_line(exc: BaseException) -> str:
    """An exception as one line, never empty."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def signature_fields(reader, path: Path) -> dict[str, tuple[object, object]]:
    """Signature field name -> (its value, None while empty; the field), in document order."""
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        return {name: (value, ref.get_object())
                for name, value, ref in enumerate_sig_fields(reader)}
    except Exception as exc:  # a loop in the form tree, a dangling reference
        raise SigningError(f"{path}: cannot read the signature fields: {one_line(exc)}") from exc


def field_member(field) -> str | None:
    """The Member a field belongs to, from the description undersigned gives it."""
    tooltip = field.get("/TU")
    match = re.fullmatch(r"Signature of (.+)", str(tooltip)) if tooltip is not None else None
    return match.group(1).strip() if match else None


def _name_key(name: str) -> list[str]:
    """A person's name compared without case, diacritics, punctuation or word order."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return sorted(re.findall(r"\w+", plain))


def same_person(certificate_name: str | None, member: str | None) -> bool:
    """Whether a certificate's common name names the Member (``IGOR SOLTES``, ``Igor ŠOLTES``)."""
    return bool(certificate_name and member) and _name_key(certificate_name) == _name_key(member)


def as_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


ACTIVE_ACTIONS = {
    "/JavaScript": "JavaScript", "/Launch": "a /Launch action",
    "/SubmitForm": "a /SubmitForm action", "/ImportData": "an /ImportData action",
    "/GoToR": "a link into another file (/GoToR)", "/GoToE": "a link into an embedded file "
    "(/GoToE)", "/RichMediaExecute": "rich media", "/Rendition": "a media rendition",
    "/Movie": "a movie", "/Sound": "a sound", "/Hide": "a /Hide action",
    "/SetOCGState": "a /SetOCGState action",
}
"""Action types that run something, send something, or open another file."""


ACTIVE_KEYS = {
    "/JS": "JavaScript", "/AA": "automatic actions (/AA)", "/EmbeddedFiles": "embedded files",
    "/EmbeddedFile": "embedded files", "/XFA": "an XFA form", "/RichMedia": "rich media",
}


SAFE_URI_SCHEMES = ("http:", "https:", "mailto:")
OBJECT_WALK_LIMIT = 500_000


def active_content(reader) -> list[str]:
    """What in the document can run, send or open something: JavaScript, launch actions,
    automatic actions, embedded files, links other than http(s) and mailto. In the order
    found, once each."""
    from pyhanko.pdf_utils import generic

    found: dict[str, None] = {}
    seen: set = set()
    stack = [reader.root]
    visited = 0
    while stack and visited < OBJECT_WALK_LIMIT:
        item = stack.pop()
        visited += 1
        if isinstance(item, generic.IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                item = item.get_object()
            except Exception:  # a dangling reference: nothing to run there
                continue
        if isinstance(item, dict):
            _active_in(item, found)
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return list(found)


def _active_in(dictionary: dict, found: dict[str, None]) -> None:
    for key, what in ACTIVE_KEYS.items():
        if key in dictionary:
            found.setdefault(what)
    if "/JavaScript" in dictionary:  # the document-level scripts of the /Names tree
        found.setdefault("JavaScript")
    action = str(dictionary.get("/S", ""))
    if action in ACTIVE_ACTIONS:
        found.setdefault(ACTIVE_ACTIONS[action])
    if action == "/URI":
        uri = as_text(dictionary.get("/URI", "")).strip()
        if not uri.lower().startswith(SAFE_URI_SCHEMES):
            scheme = uri.split(":", 1)[0] if ":" in uri else uri
            found.setdefault(f"a link of scheme '{scheme[:40]}'")
