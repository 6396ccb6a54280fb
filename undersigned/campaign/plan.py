"""What a campaign produces: every copy, its templates, its files and its bundle, decided once.

``check``, the fingerprint, the renderer, ``status``, ``preview`` and the manifest all
ask this module which copies there are and what each is made of; none works it out
again. The document's kind says which copies it has and their HTML template; this
module names their files and settles each text export's template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import UsageError, did_you_mean
from ..kinds import KINDS
from .loaded import collector_paused

if TYPE_CHECKING:
    from jinja2 import Environment

    from .loaded import LoadedCampaign

BUNDLE_SUFFIX = ".bundle"
FORMATS = ("pdf", "docx")
"""The formats a copy can be written in: the PDF always (it is what is signed and sent),
and a Word copy for review where the document's ``formats`` or ``build --format`` ask."""


@dataclass(frozen=True, order=True)
class Output:
    """One copy to produce: a document, for one recipient (letters), in one language."""

    document: str
    recipient: str | None
    lang: str
    kind: str
    template: str
    """The HTML template the PDF is rendered from."""
    copy_index: int | None = None
    """The position of the recipient in the document's ``recipients`` list."""
    exports: tuple[tuple[str, str], ...] = ()
    """(file name, template) of each text export written beside the PDF."""
    docx: str | None = None
    """The file name of the Word copy for review, when one is made beside the PDF."""
    template_loc: tuple = field(default=(), compare=False)
    """Where in ``campaign.yaml`` the template was chosen (for messages)."""

    @property
    def stem(self) -> str:
        """The file name without extension: ``appeal.president.ru``, ``question-7095.en``."""
        return output_stem(self.document, self.recipient, self.lang)

    @property
    def pdf(self) -> str:
        """The main file: the PDF, or the HTML of a web page (``KIND.printed`` is false)."""
        return f"{self.stem}.{'pdf' if KINDS[self.kind].printed else 'html'}"

    @property
    def files(self) -> list[str]:
        """The files this output writes, relative to the output folder: the PDF first."""
        return [self.pdf] + [name for name, _ in self.exports] + ([self.docx] if self.docx else [])

    @property
    def templates(self) -> list[str]:
        """Every template the output is rendered from: the PDF's, then each export's."""
        return [self.template] + [template for _, template in self.exports]

    @property
    def label(self) -> str:
        return self.stem

    @property
    def bundle(self) -> str:
        """The stem of the print bundle this copy belongs to."""
        return bundle_stem(self.document)


def output_stem(document: str, recipient: str | None, lang: str) -> str:
    """The file name of a copy without extension."""
    return ".".join([document] + ([recipient] if recipient else []) + [lang])


def bundle_stem(document: str) -> str:
    """``appeal.bundle``: the print PDF of every copy of a document."""
    return f"{document}{BUNDLE_SUFFIX}"


def plan_outputs(loaded: LoadedCampaign, documents=(), recipients=(), langs=(),
                 env: Environment | None = None, formats=()) -> list[Output]:
    """Every output of a campaign, narrowed by the filters; unknown filter values are errors.
    ``formats`` adds formats to every document's own (``build --format docx``)."""
    campaign = loaded.campaign
    everything = all_outputs(loaded, env, formats)
    _known("document", documents, campaign.documents)
    _known("recipient", recipients, campaign.recipients)
    _known("language", langs, {output.lang for output in everything})
    return [o for o in everything
            if (not documents or o.document in documents)
            and (not recipients or o.recipient in recipients)
            and (not langs or o.lang in langs)]


@collector_paused()
def all_outputs(loaded: LoadedCampaign, env: Environment | None = None,
                formats=()) -> list[Output]:
    """Every copy of every document, in a stable order. References that do not resolve (a
    campaign still being checked) are skipped rather than guessed."""
    from ..render.environment import make_environment
    from ..render.scan import template_exists

    env = env or make_environment(loaded.templates_dir)
    exists: dict[str, bool] = {}

    def export_template(template: str, suffix: str, default: str) -> str:
        variant = template.rsplit(".", 1)[0] + "." + suffix
        if variant not in exists:
            exists[variant] = template_exists(env, variant)
        return variant if exists[variant] else default

    outputs = []
    for doc_id, document in sorted(loaded.campaign.documents.items()):
        kind = KINDS[document.kind]
        word = kind.printed and "docx" in (*getattr(document, "formats", ()), *formats)
        for copy in kind.copies(loaded.campaign, doc_id, document):
            stem = output_stem(doc_id, copy.recipient, copy.lang)
            exports = tuple((f"{stem}.{suffix}", export_template(copy.template, suffix, default))
                            for suffix, default in kind.text_exports.items())
            docx = f"{stem}.docx" if word else None
            outputs.append(Output(doc_id, copy.recipient, copy.lang, kind.name, copy.template,
                                  copy.copy_index, exports, docx, copy.template_loc))
    return outputs


def _known(what: str, asked, known) -> None:
    for name in asked:
        if name not in known:
            raise UsageError(f"there is no {what} '{name}' in the campaign"
                             + did_you_mean(name, list(known))
                             + f" (known: {', '.join(sorted(known))})")
