"""What a kind of document declares, so that the stages above never ask which kind it is.

A kind is one module (``letter.py``, ``question.py``) holding a :class:`DocumentKind`:
its model, the copies it produces and their templates, the text exports beside the PDF,
its template context, its checks, what its input hash covers beyond the document, and
what is added to its PDF. The table in ``undersigned.kinds`` lists them; the planner,
the checker, the context builder, the fingerprint and the renderer only call these hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from ..model.models import DocumentBase, LocalText
from .signon import Signer

if TYPE_CHECKING:  # the layers above pass these in: kinds name them by protocol
    from .needs import Campaign, Checker, LoadedCampaign, Output
    from ..model.yamlfile import YamlFile


@dataclass(frozen=True)
class Copy:
    """One copy a document produces, as its kind decides it; the plan names its files."""

    recipient: str | None
    lang: str
    template: str
    template_loc: tuple
    """Where in ``campaign.yaml`` the template was chosen (for messages)."""
    copy_index: int | None = None
    """The position of the recipient in the document's ``recipients`` list."""


@dataclass(frozen=True)
class Input:
    """Something an output is built from, beyond its document, list, cases and templates."""

    key: tuple
    """What the fingerprint memoises it under (``("sender",)``)."""
    model: BaseModel
    files: tuple[str, ...] = ()
    """Files it names, relative to the campaign folder (a logo)."""


TextField = tuple["YamlFile", tuple, LocalText, list[str]]
"""(file, location, text, languages it must exist in)."""


class DocumentKind:
    """The base of every kind: the defaults, and the hooks each kind fills in."""

    name: ClassVar[str]
    """The value of ``kind:`` in the campaign file."""
    noun: ClassVar[str]
    plural: ClassVar[str]
    """How ``check`` counts documents of this kind (``2 letters``)."""
    model: ClassVar[type[DocumentBase]]
    default_template: ClassVar[str]
    """The built-in template used when neither document nor copy names one."""
    prints_member_titles: ClassVar[bool] = True
    """Whether the copies print each Member's title ("Députée au Parlement européen"),
    which ``check`` then wants in the Member's gender."""
    text_exports: ClassVar[dict[str, str]] = {}
    """Suffix -> the default template of a text export written beside the PDF
    (``{"txt": "question.txt"}``); a document's own template ``X.html`` uses ``X.SUFFIX``
    where it exists."""
    printed: ClassVar[bool] = True
    """Rendered to a PDF (and, if asked, a Word copy); a web page (the announcement) is
    written as its HTML instead, and is never bundled or signed."""
    group_form: ClassVar[str] = "english"
    """Which form of a political group the document prints: ``english`` (EPP) or ``ep`` (PPE)."""

    def copies(self, campaign: Campaign, doc_id: str, document: Any) -> Iterator[Copy]:
        """Every copy of the document: one per language of ``document.languages``."""
        loc = ("documents", doc_id)
        template, where = self.template_of(document, loc)
        for lang in document.languages:
            yield Copy(None, lang, template, where)

    def template_of(self, document: Any, loc: tuple) -> tuple[str, tuple]:
        """The document's template and where it was chosen."""
        return document.template or self.default_template, loc + ("template",)

    def printed_languages(self, campaign: Campaign, document: Any) -> list[str]:
        """The languages every text of the document must exist in."""
        return list(document.languages)

    def languages(self, campaign: Campaign, document: Any, loc: tuple) -> Iterator[tuple]:
        """(location, language) of every language the document's copies are asked in."""
        for i, lang in enumerate(document.languages):
            yield loc + ("languages", i), lang

    def check_references(self, checker: Checker, doc_id: str, document: Any,
                         loc: tuple) -> None:
        """References beyond cases and the signatory list (recipients ...)."""

    def texts(self, checker: Checker, doc_id: str, document: Any, loc: tuple,
              langs: list[str]) -> Iterator[TextField]:
        """Localised texts the document prints beyond its own fields and its signatories."""
        return iter(())

    def check(self, checker: Checker, doc_id: str, document: Any, loc: tuple) -> None:
        """Checks of this kind only (admissibility of a question ...)."""

    def context(self, context: dict, loaded: LoadedCampaign, document: Any,
                output: Output) -> None:
        """Add the kind's own part to the template context."""

    def signers(self, loaded: LoadedCampaign, document: Any,
                draft: bool | None = None) -> list[Signer]:
        """The Members the copies print, in order (as a draft prints them, if ``draft``): by
        default the whole signatory list."""
        return [Signer(m) for m in loaded.lists[document.signatories].signatories]

    def signature_problems(self, document: Any, signed_fields: list[str]) -> dict[str, str]:
        """For each signed field that the document's data does not account for, why."""
        return {}

    def metadata(self, context: dict) -> tuple[str, list[str]]:
        """The PDF's title and authors."""
        return context["document"]["subject"], [s["display_name"] for s in
                                                context["signatories"]]

    def inputs(self, loaded: LoadedCampaign, document: Any, output: Output) -> list[Input]:
        """What the output is built from beyond the document, its list, cases and templates."""
        return []

    def copy_models(self, loaded: LoadedCampaign, document: Any,
                    output: Output) -> list[BaseModel]:
        """The models that make one copy differ from the document's other copies in its
        language (a letter's recipient and the copy's overrides). ``check`` renders one copy
        per shape of these and reads the texts of the others."""
        return []

    def finisher(self, loaded: LoadedCampaign, document: Any, output: Output,
                 laid_out: Any) -> Callable | None:
        """What to add to the PDF as it is written (signature fields ...), if anything."""
        return None


def local_fields(source: YamlFile, loc: tuple, model: BaseModel,
                 langs: list[str]) -> Iterator[TextField]:
    """(file, location, text, languages) of each LocalText field of ``model``, lists included."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, LocalText):
            yield source, loc + (name,), value, langs
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, LocalText):
                    yield source, loc + (name, i), item, langs
