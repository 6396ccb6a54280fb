"""Planning a build: every output (document × recipient × language) before any is made."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UsageError, did_you_mean
from .models import Letter
from .templating import template_for


@dataclass(frozen=True, order=True)
class Output:
    """One copy to produce: a document, for one recipient (letters), in one language."""

    document: str
    recipient: str | None
    lang: str
    kind: str
    template: str
    copy_index: int | None = None
    """The position of the recipient in the document's ``recipients`` list."""

    @property
    def stem(self) -> str:
        """The file name without extension: ``appeal.president.ru``, ``question-7095.en``."""
        parts = [self.document] + ([self.recipient] if self.recipient else []) + [self.lang]
        return ".".join(parts)

    @property
    def files(self) -> list[str]:
        """The files this output writes, relative to the output folder."""
        extra = [f"{self.stem}.txt"] if self.kind == "question" else []
        return [f"{self.stem}.pdf"] + extra

    @property
    def label(self) -> str:
        return self.stem


def plan_outputs(loaded, documents=(), recipients=(), langs=()) -> list[Output]:
    """Every output of a campaign, narrowed by the filters; unknown filter values are errors."""
    campaign = loaded.campaign
    _known("document", documents, campaign.documents)
    _known("recipient", recipients, campaign.recipients)
    _known("language", langs, {output.lang for output in _all_outputs(loaded)})
    return [o for o in _all_outputs(loaded)
            if (not documents or o.document in documents)
            and (not recipients or o.recipient in recipients)
            and (not langs or o.lang in langs)]


def _all_outputs(loaded):
    campaign = loaded.campaign
    for doc_id, document in sorted(campaign.documents.items()):
        if isinstance(document, Letter):
            for i, copy in enumerate(document.recipients):
                recipient = campaign.recipients[copy.recipient]
                for lang in copy.languages or recipient.languages or document.languages:
                    yield Output(doc_id, copy.recipient, lang, "letter",
                                 template_for(document, copy, recipient), i)
        else:
            for lang in document.languages:
                yield Output(doc_id, None, lang, "question", template_for(document))


def _known(what: str, asked, known) -> None:
    for name in asked:
        if name not in known:
            raise UsageError(f"there is no {what} '{name}' in the campaign"
                                   + did_you_mean(name, list(known))
                                   + f" (known: {', '.join(sorted(known))})")
