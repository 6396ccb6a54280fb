"""Layout a reader sees: no page left largely empty before the signatures, the
complimentary close with the first row of signatures, sub-questions in a hanging indent
with no stretched gap after their numbers."""

from __future__ import annotations

import pytest

from undersigned.campaign.html import render_html
from undersigned.campaign.load import load_campaign
from undersigned.campaign.plan import plan_outputs
from undersigned.pdf.boxes import element_boxes
from undersigned.pdf.compat import page_box
from undersigned.pdf.writer import layout

MIN_FILL = 0.8


def page_fills(document) -> list[tuple[float, float]]:
    """(share of the page's content height used, free height in px) of each page."""
    found = []
    for page in document.pages:
        box = page_box(page)
        top, height = box.content_box_y(), box.height
        bottom = top
        for child in box.children:
            if type(child).__name__ == "MarginBox":
                continue
            for inner in child.descendants():
                if type(inner).__name__ == "LineBox" or getattr(
                        getattr(inner, "element", None), "tag", None) == "img":
                    bottom = max(bottom, inner.position_y + inner.margin_height())
        found.append(((bottom - top) / height, top + height - bottom))
    return found


def laid_out(root, **filters):
    loaded = load_campaign(root)
    for output in plan_outputs(loaded, **filters):
        if output.kind == "letter":
            yield output, layout(render_html(loaded, output), loaded.root, output.label)


def assert_pages_filled(output, document) -> None:
    """No page but the last is less than 80% full, unless what starts the next page (a
    signature row, with the close that stays with it) would not have fitted."""
    fills = page_fills(document)
    rows = element_boxes(document, "signature-row") + element_boxes(document, "complimentary")
    for index, (fill, free) in enumerate(fills[:-1]):
        if fill >= MIN_FILL:
            continue
        starting = [b for b in rows if b.page == index + 1]
        first = min(starting, key=lambda b: b.y, default=None)
        assert first is not None and first.height > free, (output.stem, index, fills)


def test_no_page_of_the_example_letters_is_left_largely_empty(built_example):
    for output, document in laid_out(built_example):
        assert_pages_filled(output, document)


@pytest.mark.parametrize("sentences", [0, 1, 4, 9])
def test_closings_of_any_length_keep_pages_full(example, sentences):
    campaign = example / "campaign.yaml"
    closing = " ".join(["We look forward to your reply and to a dialogue on these cases."]
                       * sentences)
    text = campaign.read_text()
    text = text.replace("    closing:\n      en: We look forward to your reply.\n",
                        f"    closing:\n      en: \"{closing or '—'}\"\n", 1)
    campaign.write_text(text)
    for output, document in laid_out(example, documents=["appeal-dzhakishev-tokmadi"],
                                     langs=["en"]):
        assert_pages_filled(output, document)
        close = element_boxes(document, "complimentary")
        first_row = element_boxes(document, "signature-row")[0]
        assert [b.page for b in close] == [first_row.page]  # never split from the signatures


def test_sub_questions_hang_and_their_numbers_are_not_stretched(built_example):
    loaded = load_campaign(built_example)
    [output] = plan_outputs(loaded, documents=["question-political-prisoners"])
    document = layout(render_html(loaded, output), loaded.root, output.label)
    numbers = element_boxes(document, "number")
    questions = element_boxes(document, "sub-question")
    assert len(numbers) == 3
    for number, question in zip(numbers, questions):
        assert abs(number.x - question.x) < 0.5  # the number at the paragraph's left edge
    # Each question's text starts right at the end of its number's box (the indent), with
    # no space of its own that justification would stretch.
    starts = []
    for page in document.pages:
        for box in page_box(page).descendants():
            if type(box).__name__ != "LineBox":
                continue
            parts = list(box.children)
            if parts and type(parts[0]).__name__ == "InlineBlockBox" and \
                    parts[0].element.get("class") == "number":
                text = parts[1]
                assert not text.text.startswith(" "), text.text
                number_end = parts[0].border_box_x() + parts[0].border_width()
                assert abs(text.position_x - number_end) < 0.01
                starts.append(round(text.position_x, 2))
    assert len(starts) == 3 and len(set(starts)) == 1


def stretched_case_lines(document) -> list[str]:
    """The lines of the case list whose word gaps justification widened."""
    found = []
    boxes = [box for page in document.pages for box in page_box(page).descendants()]
    items = {id(li) for box in boxes if getattr(box, "element", None) is not None
             and box.element.tag in ("ul", "ol")
             and "cases" in (box.element.get("class") or "").split()
             for li in box.element}
    for box in boxes:
        if type(box).__name__ == "LineBox" and id(getattr(box, "element", None)) in items:
            texts = [b for b in box.descendants() if type(b).__name__ == "TextBox"]
            if any(getattr(b, "justification_spacing", 0) for b in texts):
                found.append("".join(b.text for b in texts))
    return found


def test_the_case_list_is_set_ragged_with_no_stretched_word_gaps(example):
    """27: a case's name, category and town are never spread over a line ("Sevinj    Vagifgizi
    (journalist,    Baku):"): list items are set flush to the start, in every language."""
    seen = 0
    for variant in ("the campaign's", "the built-in"):
        for output, document in laid_out(example, documents=["appeal-political-prisoners"]):
            assert stretched_case_lines(document) == [], (variant, output.stem)
            seen += 1
        campaign = example / "campaign.yaml"
        campaign.write_text(campaign.read_text().replace(
            "    template: letter-appeal.html\n", "", 1))
    assert seen == 6
