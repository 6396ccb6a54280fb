"""Tidying the tagged structure WeasyPrint wrote, in reading order, before the PDF is
written: the rows of signature boxes become one list of the Members, and each signature
field's structure element goes into its Member's signing space (not at the end of the
document). Elements are found by the HTML element they come from (``tagging_fixes`` records
the pairs), never by position."""

from __future__ import annotations

SIGNATURE_ROW_CLASS = "signature-row"
SIGNATURE_FIRST_CLASS = "signature-first"


def pdf_object(pdf, reference):
    """The pydyf object behind a reference (``b"30 0 R"``)."""
    text = reference.decode("ascii") if isinstance(reference, bytes) else str(reference)
    return pdf.objects[int(text.split()[0])]


def structure_of(pdf, css_class: str | None = None, element_id: str | None = None) -> list:
    """The structure elements made from the HTML elements of ``css_class`` (or ``id``), in
    the order WeasyPrint made them (reading order)."""
    return [struct for _, struct in _made_from(pdf, css_class, element_id)]


def _made_from(pdf, css_class: str | None, element_id: str | None) -> list[tuple]:
    """(HTML element, structure element) pairs, each structure element once."""
    key = ("id", element_id) if element_id is not None else ("class", css_class)
    return _index(pdf).get(key, [])


def _index(pdf) -> dict[tuple, list[tuple]]:
    """The recorded pairs by ("id", ID) and by ("class", CLASS), made once per PDF (a
    letter asks for each of its signing spaces)."""
    index = pdf.__dict__.get("undersigned_index")
    if index is None:
        index, seen = {}, set()
        for element, struct in getattr(pdf, "undersigned_structure", ()):
            if id(struct) in seen:
                continue
            seen.add(id(struct))
            keys = [("class", name) for name in (element.get("class") or "").split()]
            if element.get("id"):
                keys.append(("id", element.get("id")))
            for key in keys:
                index.setdefault(key, []).append((element, struct))
        pdf.__dict__["undersigned_index"] = index
    return index


def join_signature_rows(pdf) -> None:
    """Move the items of every later row of signature boxes into the list of the letter's
    first row (marked ``SIGNATURE_FIRST_CLASS``), so that a screen reader announces one list
    of all the Members, in order; in a print bundle, one list per letter."""
    first = None
    for element, row in _made_from(pdf, SIGNATURE_ROW_CLASS, None):
        if row["S"] != "/L":
            continue
        if first is None or SIGNATURE_FIRST_CLASS in element.get("class").split():
            first = row
            continue
        for kid in row["K"]:
            pdf_object(pdf, kid)["P"] = first.reference
            first["K"].append(kid)
        parent = pdf_object(pdf, row["P"])
        parent["K"] = type(parent["K"])(kid for kid in parent["K"] if kid != row.reference)
