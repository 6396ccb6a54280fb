"""Reading a PDF to sign or verify: bounded and unencrypted; its signature fields and the
Member each belongs to; the active content a letter must not have."""

from __future__ import annotations

import hashlib
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


def without_empty_fields(data: bytes, path: Path) -> tuple[bytes, list[str]]:
    """The PDF with its empty signature fields taken out, and their names: the widgets from
    their pages, the fields from the form, their Form elements from the structure tree. Done
    in one revision appended to ``data``, so the copy is still the one built, byte for byte,
    up to its end. Only for a copy nobody signed: taking out a field after a signature
    changes what that signature covers beyond adding signatures."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from ..pdf.compat import metadata_kept

    reader = pdf_reader(data, path)
    fields = signature_fields(reader, path)
    empty = [name for name, (value, _) in fields.items() if value is None]
    if not empty:
        return data, []
    if len(empty) < len(fields):
        raise SigningError(f"{path}: signed: its empty signature fields cannot be taken out "
                           "without breaking its signatures")
    writer = metadata_kept(IncrementalPdfFileWriter(io.BytesIO(data), strict=False))
    # The revision's identifier follows from the bytes, so the same copy gives the same file
    # (pyHanko keeps it in a private attribute; without it, its random one is left)
    document_id = getattr(writer, "_document_id", None)
    if isinstance(document_id, list) and len(document_id) == 2:
        document_id[1] = generic.ByteStringObject(hashlib.sha256(data).digest()[:16])
    form_ref = writer.root.raw_get("/AcroForm")
    form = form_ref.get_object()
    fields = _raw(form["/Fields"])
    removed = [ref for ref in fields if ref.get_object().get("/V") is None]
    kept = generic.ArrayObject(ref for ref in fields if ref.get_object().get("/V") is not None)
    for ref in removed:
        _unhook_widget(writer, ref)
    if kept:
        form["/Fields"] = kept
        _mark(writer, form_ref, None)
    else:
        del writer.root["/AcroForm"]
        writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), empty


def _raw(array) -> list:
    """An array's items as stored: references stay references."""
    return [array.raw_get(i) for i in range(len(array))]


def _mark(writer, reference, owner) -> None:
    """Record a change to ``reference``'s object or, where it is a direct object, to the
    object that holds it (``owner``, a reference; None for the catalog)."""
    from pyhanko.pdf_utils import generic

    if isinstance(reference, generic.IndirectObject):
        writer.mark_update(reference)
    elif owner is None:
        writer.update_root()
    else:
        _mark(writer, owner, None)


def _unhook_widget(writer, widget_ref) -> None:
    """Take a widget out of its page's annotations and, in a tagged PDF, its Form element
    out of the structure tree and the parent tree."""
    from pyhanko.pdf_utils import generic

    widget = widget_ref.get_object()
    page_ref = widget.raw_get("/P")
    page = page_ref.get_object()
    annots = _raw(page["/Annots"])
    page["/Annots"] = generic.ArrayObject(a for a in annots if a != widget_ref)
    writer.mark_update(page_ref)
    key = widget.get("/StructParent")
    tree_root_ref = writer.root.raw_get("/StructTreeRoot") if "/StructTreeRoot" in \
        writer.root else None
    if key is None or tree_root_ref is None:
        return
    tree_root = tree_root_ref.get_object()
    parent_tree_ref = tree_root.raw_get("/ParentTree")
    parent_tree = parent_tree_ref.get_object()
    nums = _raw(parent_tree["/Nums"])
    at = [i for i in range(0, len(nums), 2) if nums[i] == key]
    if not at:
        return
    element_ref = nums[at[0] + 1]
    parent_tree["/Nums"] = generic.ArrayObject(nums[:at[0]] + nums[at[0] + 2:])
    _mark(writer, parent_tree_ref, tree_root_ref)
    element = element_ref.get_object()
    parent_ref = element.raw_get("/P")
    parent = parent_ref.get_object()
    kids = parent["/K"]
    if isinstance(kids, generic.ArrayObject):
        parent["/K"] = generic.ArrayObject(k for k in _raw(kids) if k != element_ref)
        writer.mark_update(parent_ref)
