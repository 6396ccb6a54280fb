"""A third kind of document, declared the way a real one would be: one module.

``test_structure.py`` adds it to the kind table and nothing else, to show that a new
kind (a co-signature invitation, a cover e-mail ...) needs no change to the engine.
"""

from __future__ import annotations

from typing import Literal

from undersigned.kinds.base import DocumentKind
from undersigned.model.models import DocumentBase, LocalText
from undersigned.render.filters import markdown


class Memo(DocumentBase):
    """A briefing memo for the signatories' offices."""

    kind: Literal["memo"]
    """``memo``."""
    subject: LocalText
    """What the memo is about."""
    body: LocalText
    """The memo (Markdown)."""


class MemoKind(DocumentKind):
    """One copy per language; no recipients, no signature fields."""

    name = "memo"
    noun, plural = "memo", "memos"
    model = Memo
    default_template = "memo.html"
    text_exports = {"md": "memo.md"}

    def context(self, context, loaded, document, output):
        context["document"]["body"] = markdown(document.body.get(output.lang), output.lang)


KIND = MemoKind()
