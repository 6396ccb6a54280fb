"""Empty signature fields, one per signatory, over the signing space of each box.

Positions come from WeasyPrint's layout of the letter (the ``sign-space``
element of each signature box), never from guessed coordinates. The fields are
added while WeasyPrint writes the PDF, in the same single revision, so the
letter stays PDF/A and byte-reproducible: each widget is printable (/F 4)
and has a normal appearance (an empty form XObject), and the form does not ask
readers to regenerate appearances.
"""

from __future__ import annotations

from dataclasses import dataclass

from .structure import pdf_object, structure_of

CSS_PX_TO_PT = 0.75
"""PDF points per CSS pixel (72 per inch / 96 per inch)."""
SIGN_SPACE_CLASS = "sign-space"


@dataclass(frozen=True)
class SignatureField:
    """A signature field to create: its name, page and rectangle in PDF points."""

    name: str
    """``sig-ID``, stable across builds."""
    page: int
    """0-based page index."""
    rect: tuple[float, float, float, float]
    """(left, bottom, right, top) in PDF user space, origin at the bottom left."""
    tooltip: str = ""


def signature_fields(document, tooltips: dict[str, str] | None = None) -> list[SignatureField]:
    """The fields of a laid-out letter, from the boxes of its ``sign-space`` elements: with
    ``tooltips``, only for the boxes it names."""
    from .boxes import element_boxes

    fields = []
    for box in element_boxes(document, SIGN_SPACE_CLASS):
        if not box.element_id.startswith("sig-") or (tooltips is not None
                                                     and box.element_id not in tooltips):
            continue
        page_height = document.pages[box.page].height
        left = box.x * CSS_PX_TO_PT
        right = (box.x + box.width) * CSS_PX_TO_PT
        bottom = (page_height - box.y - box.height) * CSS_PX_TO_PT
        top = (page_height - box.y) * CSS_PX_TO_PT
        fields.append(SignatureField(box.element_id, box.page,
                                     tuple(round(v, 2) for v in (left, bottom, right, top)),
                                     (tooltips or {}).get(box.element_id, "")))
    return fields


def fields_finisher(fields: list[SignatureField]):
    """A WeasyPrint ``finisher`` that adds ``fields`` to the PDF as it is written."""
    import pydyf

    def finish(document, pdf) -> None:
        if not fields:
            return
        page_numbers = pdf.pages["Kids"][::3]
        form_fields = pydyf.Array()
        for field in fields:
            page = pdf.objects[page_numbers[field.page]]
            left, bottom, right, top = field.rect
            appearance = pydyf.Stream([], {
                "Type": "/XObject", "Subtype": "/Form",
                "BBox": pydyf.Array([0, 0, round(right - left, 2), round(top - bottom, 2)]),
            })
            pdf.add_object(appearance)
            widget = pydyf.Dictionary({
                "Type": "/Annot",
                "Subtype": "/Widget",
                "FT": "/Sig",
                "T": pydyf.String(field.name),
                "Rect": pydyf.Array(field.rect),
                "F": 4,  # print, as PDF/A requires
                "P": page.reference,
                "AP": pydyf.Dictionary({"N": appearance.reference}),
            })
            if field.tooltip:
                widget["TU"] = pydyf.String(field.tooltip)
            pdf.add_object(widget)
            page.setdefault("Annots", pydyf.Array()).append(widget.reference)
            form_fields.append(widget.reference)
            if "StructTreeRoot" in pdf.catalog:
                _tag_widget(pdf, widget, page, field.name)
        pdf.catalog["AcroForm"] = pydyf.Dictionary({"Fields": form_fields})

    return finish


def _tag_widget(pdf, widget, page, name: str) -> None:
    """In a tagged PDF, put the widget in a Form structure element, as screen readers and
    PDF/UA require, registered in the structure parent tree: inside the Member's signing
    space, so that it is read with their name, or else at the end of the document."""
    import pydyf

    root = pdf_object(pdf, pdf.catalog["StructTreeRoot"])
    spaces = structure_of(pdf, element_id=name)
    parent = spaces[0] if spaces else pdf_object(pdf, root["K"][0])
    parent_tree = pdf_object(pdf, root["ParentTree"])
    nums = parent_tree["Nums"]
    key = max(nums[0::2], default=-1) + 1
    reference = pydyf.Dictionary({"Type": "/OBJR", "Obj": widget.reference,
                                  "Pg": page.reference})
    pdf.add_object(reference)
    # The object reference is the Form's one kid, not in an array: pyHanko recognises a
    # signed field's widget in the structure tree only there (a path ending in /K /Obj), and
    # would otherwise count the widget's change as an unexplained one.
    form = pydyf.Dictionary({"Type": "/StructElem", "S": "/Form", "P": parent.reference,
                             "K": reference.reference, "Pg": page.reference})
    if "TU" in widget:
        form["Alt"] = widget["TU"]
        form["Lang"] = pydyf.String("en")  # "Signature of …" is English in every copy
    pdf.add_object(form)
    parent["K"].insert(0, form.reference)
    nums.extend([key, form.reference])
    widget["StructParent"] = key
