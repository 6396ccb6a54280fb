"""A ``.docx`` from the HTML a copy's PDF is rendered from: one source of text, two formats.

The HTML's blocks become paragraphs whose Word style is named for what they are, after
the block's class (``salutation`` -> Salutation, a case -> Case, a signatory's name ->
Signatory), so that an office can restyle the review copy in Word; lists are Word lists
(each numbered list starts at 1), the signature boxes a table, the page's margin lines
(draft mark, watermark, reference, "Page 1 of 2") a header and a footer with PAGE and
NUMPAGES fields. The document's language is set on every run (``w:lang``), so that
Word's spell-check uses it, and a right-to-left copy reads right to left. The bytes are
reproducible: no clock, fixed zip times.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from babel import Locale, UnknownLocaleError
from docx import Document
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import html as lxml_html

STYLES: dict[str, tuple[str, str]] = {
    # HTML class -> (Word style, the style it is based on)
    "sender-name": ("Sender", "Normal"),
    "sender-line": ("Letterhead", "Normal"),
    "letterhead": ("Letterhead", "Normal"),
    "dateline": ("Dateline", "Normal"),
    "reference": ("Reference", "Normal"),
    "recipient": ("Recipient", "Normal"),
    "subject": ("Subject", "Heading 1"),
    "salutation": ("Salutation", "Normal"),
    "intro": ("Body Text", "Normal"),
    "body": ("Body Text", "Normal"),
    "cases": ("Case", "Normal"),
    "case": ("Case", "Normal"),
    "addition": ("Addition", "Body Text"),
    "requests-heading": ("Requests Heading", "Body Text"),
    "requests": ("Request", "Normal"),
    "closing-block": ("Closing", "Body Text"),
    "complimentary": ("Complimentary Close", "Normal"),
    "sign-space": ("Signature Space", "Normal"),
    "sig-name": ("Signatory", "Normal"),
    "sig-member": ("Signatory Details", "Normal"),
    "sig-role": ("Signatory Details", "Normal"),
    "sig-meta": ("Signatory Details", "Normal"),
    "draft-signatories": ("Signatory", "Normal"),
    "cc": ("Cc", "Normal"),
    "draft-deadline": ("Deadline", "Normal"),
    "header": ("Question Header", "Normal"),
    "title": ("Question Title", "Normal"),
    "sub-questions": ("Sub-question", "Body Text"),
    "sub-question": ("Sub-question", "Body Text"),
    "watermark": ("Watermark", "Normal"),
}
"""Classes of the built-in templates; any other class names a style after itself
(``my-note`` -> My Note), and a block without a class takes its nearest ancestor's."""

BLOCK_TAGS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "address", "section",
              "header", "footer", "ul", "ol", "table", "tr", "td", "th", "tbody", "thead",
              "blockquote", "article", "main", "aside", "nav", "figure", "figcaption", "dl",
              "dt", "dd", "pre", "hr"}
SKIPPED_TAGS = {"style", "script", "head", "title", "meta", "link", "template", "img"}
SPACES = re.compile(r"[ \t\n\r\f]+")


@dataclass
class Margins:
    """What the PDF prints in the page's margins, for the header and footer of every page."""

    top: list[str] = field(default_factory=list)
    """Lines at the top of every page (the draft mark, the watermark)."""
    bottom_left: str = ""
    """The footer's left text (the letter's reference)."""
    page_of: str = "{page} / {pages}"
    """The page number phrase, with ``{page}`` and ``{pages}`` made fields."""


def docx_of(html: str, lang: str, margins: Margins, title: str = "",
            authors: tuple[str, ...] = (), created: date | None = None,
            image: Callable[[str], bytes] | None = None) -> bytes:
    """The ``.docx`` of one copy from its HTML. ``image`` gives the bytes of an ``<img>``'s
    ``src`` (the letterhead's logo), or raises; without it, images are left out."""
    document = Document()
    _page_setup(document)
    _set_language(document, lang)
    writer = _Writer(document, image)
    root = lxml_html.document_fromstring(html)
    if (root.get("dir") or "").lower() == "rtl":
        _right_to_left(document)
    body = root.find("body")
    writer.blocks(body if body is not None else root, None)
    _margins(document, margins)
    properties = document.core_properties
    when = datetime.combine(created or date(2000, 1, 1), datetime.min.time(), timezone.utc)
    properties.title, properties.author = title, "; ".join(authors)
    properties.created = properties.modified = when
    properties.last_modified_by, properties.revision = "", 1
    properties.language = _language_tag(lang)
    buffer = io.BytesIO()
    document.save(buffer)
    return _reproducible(buffer.getvalue(), when)


def _page_setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(24)
    section.left_margin, section.right_margin = Mm(22), Mm(20)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Noto Serif", Pt(11)


def _language_tag(lang: str) -> str:
    """``ru`` -> ``ru-RU``: the region Word's spell-checkers are chosen by."""
    from babel.core import get_global

    try:
        locale = Locale.parse(get_global("likely_subtags").get(lang, lang))
    except (UnknownLocaleError, ValueError):
        return lang
    return f"{locale.language}-{locale.territory}" if locale.territory else lang


def _set_language(document, lang: str) -> None:
    """The language of every run, as the document defaults: spell-check in it."""
    tag = _language_tag(lang)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    for old in rpr.findall(qn("w:lang")):
        rpr.remove(old)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), tag)
    language.set(qn("w:eastAsia"), tag if lang in ("zh", "ja", "ko") else "zh-CN")
    language.set(qn("w:bidi"), tag if lang in ("ar", "he", "fa", "ur") else "ar-SA")
    rpr.append(language)
    for style in document.styles:  # the template's styles name English: make them inherit
        style_rpr = style.element.rPr
        if style_rpr is not None:
            for old in style_rpr.findall(qn("w:lang")):
                style_rpr.remove(old)


def _right_to_left(document) -> None:
    """A copy the HTML lays out right to left (``<html dir="rtl">``, as the PDF): every
    paragraph, header and footer included, reads right to left in Word too (``w:bidi``
    in the paragraph defaults), and so do the signature tables (``w:bidiVisual``)."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    ppr_default = defaults.find(qn("w:pPrDefault"))
    if ppr_default is None:
        ppr_default = OxmlElement("w:pPrDefault")
        defaults.append(ppr_default)
    ppr = ppr_default.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        ppr_default.append(ppr)
    ppr.insert(0, OxmlElement("w:bidi"))
    table_style = document.styles["Normal Table"].element
    tbl_pr = table_style.find(qn("w:tblPr"))
    if tbl_pr is None:
        tbl_pr = OxmlElement("w:tblPr")
        table_style.append(tbl_pr)
    tbl_pr.insert(0, OxmlElement("w:bidiVisual"))


class _Writer:
    """Walks the HTML and appends paragraphs, lists and the signature table."""

    def __init__(self, document, image: Callable[[str], bytes] | None = None):
        self.document = document
        self.image = image
        self.table = None
        """The signature table being filled, while signature rows follow each other."""

    def style(self, name: str, based_on: str):
        styles = self.document.styles
        try:
            return styles[name]
        except KeyError:
            style = styles.add_style(name, 1)  # WD_STYLE_TYPE.PARAGRAPH
            style.base_style = styles[based_on]
            style.quick_style = True
            return style

    def style_of(self, element, inherited: str | None) -> str:
        for name in (element.get("class") or "").split():
            if name in STYLES:
                word, based_on = STYLES[name]
                self.style(word, based_on)
                return word
            if name not in ("name", "numbered"):
                return self.style(name.replace("-", " ").title(), "Normal").name
        if element.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return f"Heading {element.tag[1]}"
        return inherited or "Body Text"

    def blocks(self, element, inherited: str | None) -> None:
        """Append the blocks of ``element``'s children."""
        style = self.style_of(element, inherited) if element.tag != "body" else inherited
        self.loose_text(element.text, style)
        for child in element:
            if child.tag == "img" and self.image and child.get("src"):
                self.table = None
                self.picture(child, self.style_of(child, style))
                self.loose_text(child.tail, style)
                continue
            if not isinstance(child.tag, str) or child.tag in SKIPPED_TAGS or \
                    "watermark" in (child.get("class") or "").split():  # the header's
                self.loose_text(child.tail, style)
                continue
            if "signature-row" in (child.get("class") or "").split():
                self.signature_row(child)
            elif child.tag in ("ul", "ol"):
                self.table = None
                self.list(child, style)
            elif child.tag in BLOCK_TAGS and _has_blocks(child):
                self.blocks(child, style)
            elif child.tag in BLOCK_TAGS:
                self.table = None
                self.paragraph(child, self.style_of(child, style))
            else:  # an inline element among blocks: a paragraph of its own
                self.table = None
                self.paragraph(child, style)
            self.loose_text(child.tail, style)

    def picture(self, element, style: str) -> None:
        """An image (the logo) in a paragraph of its own, as high as the letter's CSS sets
        it, with its ``alt`` as Word's text alternative (``descr``)."""
        paragraph = self.document.add_paragraph(style=style)
        run = paragraph.add_run()
        run.add_picture(io.BytesIO(self.image(element.get("src"))), height=Mm(14))
        for properties in run._r.iter(qn("wp:docPr")):
            properties.set("descr", element.get("alt") or "")

    def loose_text(self, text: str | None, style: str | None) -> None:
        if text and text.strip():
            self.table = None
            paragraph = self.document.add_paragraph(style=style or "Body Text")
            paragraph.add_run(SPACES.sub(" ", text).strip())

    def paragraph(self, element, style: str, container=None):
        paragraph = (container or self.document).add_paragraph(style=style)
        runs: list[tuple[str, dict]] = []
        _inline(element, {}, runs, include_tail=False)
        _add_runs(paragraph, runs)
        return paragraph

    def list(self, element, inherited: str | None) -> None:
        """A Word list: numbered lists restart at 1, bullets use the bullet list."""
        style = self.style_of(element, inherited)
        num_id = self.numbering(element.tag == "ol")
        for item in element:
            if not isinstance(item.tag, str) or item.tag != "li":
                continue
            if _has_blocks(item):
                self.blocks(item, style)
                continue
            paragraph = self.paragraph(item, self.style_of(item, style))
            num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = 0
            num_pr.get_or_add_numId().val = num_id

    def numbering(self, ordered: bool) -> int:
        """A numbering instance: a new one starting at 1 for each numbered list."""
        styles = self.document.styles
        base = styles["List Number" if ordered else "List Bullet"]
        num_id = base.element.pPr.numPr.numId.val
        if not ordered:
            return num_id
        numbering = self.document.part.numbering_part.element
        abstract = numbering.num_having_numId(num_id).abstractNumId.val
        num = numbering.add_num(abstract)
        num.add_lvlOverride(ilvl=0).add_startOverride(1)
        return num.numId

    def signature_row(self, element) -> None:
        """The signature boxes: a row of the signature table, one box a cell."""
        boxes = [box for box in element if isinstance(box.tag, str)]
        if not boxes:
            return
        if self.table is None or len(self.table.columns) < len(boxes):
            self.table = self.document.add_table(rows=0, cols=max(3, len(boxes)))
            self.table.autofit = True
        cells = self.table.add_row().cells
        for cell, box in zip(cells, boxes):
            cell._tc.remove_all("w:p")
            for line in box:
                if isinstance(line.tag, str):
                    style = self.style_of(line, "Signatory Details")
                    self.paragraph(line, style, container=cell)
            if not cell.paragraphs:
                cell.add_paragraph()


def _has_blocks(element) -> bool:
    return any(isinstance(c.tag, str) and (c.tag in BLOCK_TAGS or c.tag in ("ul", "ol"))
               for c in element)


def _inline(element, marks: dict, runs: list, include_tail: bool = True) -> None:
    """The text of ``element`` as (text, marks) runs: bold, italic, line breaks."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in SKIPPED_TAGS:
        pass
    elif tag == "br":
        runs.append(("\n", marks))
    else:
        marks = dict(marks)
        if tag in ("strong", "b"):
            marks["bold"] = True
        elif tag in ("em", "i", "cite"):
            marks["italic"] = True
        elif tag in ("sup", "sub"):
            marks[tag] = True
        if element.text and isinstance(element.tag, str):
            runs.append((element.text, marks))
        for child in element:
            _inline(child, marks, runs)
    if include_tail and element.tail:
        runs.append((element.tail, marks))


def _add_runs(paragraph, runs: list[tuple[str, dict]]) -> None:
    """Runs with HTML's white space: collapsed, and trimmed at the paragraph's ends."""
    pieces, previous_space = [], True
    for text, marks in runs:
        if text == "\n":
            pieces.append(("\n", marks))
            previous_space = True
            continue
        text = SPACES.sub(" ", text)
        if previous_space:
            text = text.lstrip(" ")
        if text:
            pieces.append((text, marks))
            previous_space = text.endswith(" ")
    while pieces and pieces[-1][0] != "\n" and pieces[-1][0].endswith(" "):
        text, marks = pieces.pop()
        if text.rstrip(" "):
            pieces.append((text.rstrip(" "), marks))
            break
    for text, marks in pieces:
        run = paragraph.add_run()
        if text == "\n":
            run.add_break()
            continue
        run.text = text
        run.bold = marks.get("bold") or None
        run.italic = marks.get("italic") or None
        run.font.superscript = marks.get("sup") or None
        run.font.subscript = marks.get("sub") or None


def _margins(document, margins: Margins) -> None:
    """The page's margin lines: a header, and a footer with the page number as fields."""
    section = document.sections[0]
    header = section.header.paragraphs[0]
    for i, line in enumerate(margins.top):
        paragraph = header if i == 0 else section.header.add_paragraph(style="Header")
        paragraph.text = line
    footer = section.footer.paragraphs[0]
    width = section.page_width - section.left_margin - section.right_margin
    footer.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run(margins.bottom_left + "\t")
    for part in re.split(r"(\{page\}|\{pages\})", margins.page_of):
        if part in ("{page}", "{pages}"):
            _field(footer, "PAGE" if part == "{page}" else "NUMPAGES")
        elif part:
            footer.add_run(part)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in on every page."""
    for kind, text in (("begin", None), (None, f" {instruction} "), ("separate", None),
                       (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text.startswith(" "):
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = text
            run._r.append(code)
        else:
            run.text = text


def _reproducible(data: bytes, when: datetime) -> bytes:
    """The same zip with every member dated ``when``: identical inputs, identical bytes."""
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()
