"""The kinds of document a campaign can declare, in one table.

Adding a kind means writing its module (model, copies, context, checks; see
:mod:`undersigned.kinds.base`) and adding it here; nothing else changes.
"""

from __future__ import annotations

from . import announcement, letter, question
from .base import Copy, DocumentKind, Input

KINDS: dict[str, DocumentKind] = {kind.name: kind for kind in (letter.KIND, question.KIND,
                                                              announcement.KIND)}
"""Kind name (the ``kind:`` of a document) -> its declaration, in the order ``check`` lists them."""


def kind_of(document) -> DocumentKind:
    """The declaration of a validated document's kind."""
    return KINDS[document.kind]


__all__ = ["KINDS", "Copy", "DocumentKind", "Input", "kind_of"]
