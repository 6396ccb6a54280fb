"""Where elements were laid out: a page and a box per element, from WeasyPrint's layout."""

from __future__ import annotations

from dataclasses import dataclass

from .compat import page_box


@dataclass(frozen=True)
class ElementBox:
    """Where an element was laid out: its page and border box, in CSS px from the top left."""

    page: int
    """0-based page index."""
    element_id: str
    x: float
    y: float
    width: float
    height: float


def element_boxes(document, css_class: str) -> list[ElementBox]:
    """Every laid-out box of the elements with ``css_class``, one per element and page.

    An element split across pages has a box on each; one kept whole, on one page only.
    """
    found = []
    for index, page in enumerate(document.pages):
        seen = set()
        for box in page_box(page).descendants():
            element = getattr(box, "element", None)
            if element is None or id(element) in seen or not hasattr(box, "border_width"):
                continue
            if css_class not in (element.get("class") or "").split():
                continue
            seen.add(id(element))
            found.append(ElementBox(index, element.get("id") or "", box.border_box_x(),
                                    box.border_box_y(), box.border_width(),
                                    box.border_height()))
    return found
