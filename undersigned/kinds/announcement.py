"""The announcement: a web page (HTML and a Markdown twin) reporting a campaign's documents.

Who wrote to whom and when, the signatories by name, group and country, the cases with a
line each, the questions with their numbers and where they will be answered, links to
the copies; every fact from the campaign's data, per language, from a template the
campaign can override (``template: my-page.html``, with ``my-page.md`` for the twin).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from ..errors import did_you_mean
from ..model import i18n
from ..model.models import DocumentBase, Id, LocalText, Model, Url
from ..render.filters import markdown
from ..render.typography import typeset
from .base import DocumentKind, Input, local_fields

if TYPE_CHECKING:  # the layers above pass these in: kinds name them by protocol
    from .needs import Checker, LoadedCampaign, Output

EP_QUESTION_PAGE = "https://www.europarl.europa.eu/doceo/document/{prefix}-{term}-{year}-{number}_{lang}.html"
"""Where the Parliament publishes a written question and, once given, its answer."""


class Source(Model):
    """A source of the facts the page reports."""

    title: LocalText
    """What the source is (``Open Dialogue Foundation, 24 October 2017``)."""
    url: Url | None = None
    """Where it can be read."""


class Announcement(DocumentBase):
    """A public page announcing the campaign's letters and questions."""

    kind: Literal["announcement"]
    """``announcement``."""
    subject: LocalText
    """The page's headline."""
    lead: LocalText | None = None
    """The opening paragraph (Markdown)."""
    reports: list[Id] = Field(min_length=1)
    """The documents of the campaign the page reports (letters, questions), in order."""
    provenance: LocalText | None = None
    """Which parts of the documents are documented and which are reconstructed (Markdown)."""
    sources: list[Source] = []
    """Where the facts come from."""
    url: Url | None = None
    """The page's own address, for its Open Graph metadata."""


class AnnouncementKind(DocumentKind):
    """One page per language; its facts are the reported documents' data."""

    name = "announcement"
    noun, plural = "announcement", "announcements"
    model = Announcement
    default_template = "announcement.html"
    text_exports = {"md": "announcement.md"}
    printed = False

    def check_references(self, checker: Checker, doc_id: str, document: Announcement,
                         loc: tuple) -> None:
        documents = checker.loaded.campaign.documents
        reportable = [d for d, doc in documents.items() if doc.kind != self.name]
        for i, reported in enumerate(document.reports):
            if reported not in reportable:
                checker.add(checker.campaign_file, loc + ("reports", i),
                            f"there is no letter or question '{reported}' in the campaign"
                            + did_you_mean(reported, reportable))

    def texts(self, checker, doc_id, document, loc, langs):
        for i, source in enumerate(document.sources):
            yield from local_fields(checker.campaign_file, loc + ("sources", i), source, langs)

    def inputs(self, loaded: LoadedCampaign, document: Announcement,
               output: Output) -> list[Input]:
        """The reported documents, their signatory lists and recipients: the page's facts."""
        documents = loaded.campaign.documents
        items = []
        for doc_id in document.reports:
            reported = documents[doc_id]
            items.append(Input(("announced", doc_id), reported))
            items.append(Input(("announced-list", reported.signatories),
                               loaded.lists[reported.signatories]))
            for copy in getattr(reported, "recipients", []):
                recipient = loaded.campaign.recipients.get(copy.recipient)
                if recipient is not None:
                    items.append(Input(("announced-recipient", copy.recipient), recipient))
        return items

    def context(self, context: dict, loaded: LoadedCampaign, document: Announcement,
                output: Output) -> None:
        lang = output.lang
        files = context.pop("outputs", [])
        context["document"].update({
            "lead": markdown(_local(document.lead, lang), lang) if document.lead else None,
            "provenance": (markdown(_local(document.provenance, lang), lang)
                           if document.provenance else None),
            # The Markdown twin prints the texts as written.
            "lead_md": _local(document.lead, lang),
            "provenance_md": _local(document.provenance, lang),
            "sources": [{"title": _local(s.title, lang), "url": s.url} for s in document.sources],
            "url": document.url,
            "locale": i18n_locale(lang),
        })
        reports = [_report(loaded, doc_id, lang, files) for doc_id in document.reports]
        context["letters"] = [r for r in reports if r["kind"] == "letter"]
        context["questions"] = [r for r in reports if r["kind"] == "question"]
        context["reports"] = reports
        members: dict[str, dict] = {}  # every Member who signed or tabled one, once
        for report in reports:
            for signer in report["signatories"]:
                members.setdefault(signer["id"], signer)
        context["members"] = list(members.values())

    def metadata(self, context: dict) -> tuple[str, list[str]]:
        return context["document"]["subject"], [context["campaign"]["title"]]


def _local(value: LocalText | None, lang: str, fallback: list[str] = ()) -> str | None:
    """The text in ``lang``, or in the first of ``fallback`` it exists in (a question tabled
    in English is quoted in English on the Russian page)."""
    if value is None:
        return None
    for candidate in (lang, *fallback):
        text = value.get(candidate)
        if text is not None:
            return typeset(text, candidate)
    return None


def i18n_locale(lang: str) -> str:
    """``ru`` -> ``ru_RU``: Open Graph's form of a locale."""
    from babel import Locale
    from babel.core import get_global

    locale = Locale.parse(get_global("likely_subtags").get(lang, lang))
    return f"{locale.language}_{locale.territory}" if locale.territory else lang


def _report(loaded: LoadedCampaign, doc_id: str, lang: str, files: list[dict]) -> dict:
    """What the page says of one reported document."""
    from . import KINDS  # the table of kinds, which lists this one: asked when rendering

    document = loaded.campaign.documents[doc_id]
    kind = KINDS[document.kind]
    # The list's term with the groups it declares (a group formed mid-term), as letters use.
    term = loaded.lists[document.signatories].parliamentary_term()
    languages = list(document.languages)
    signers = []
    for signer in kind.signers(loaded, document):
        member = signer.member
        group = term.group(member.group)
        signers.append({"id": member.id, "name": member.name,
                        "group": group.english, "group_ep": group.ep,
                        "country": i18n.country_name(member.country, lang)})
    report = {
        "id": doc_id,
        "kind": document.kind,
        "date": i18n.format_date(document.date, lang),
        "date_iso": document.date.isoformat(),
        "subject": _local(document.subject, lang, languages),
        "signatories": signers,
        "files": [f for f in files if f["document"] == doc_id],
        "recipients": [],
    }
    for copy in getattr(document, "recipients", []):
        recipient = loaded.campaign.recipients.get(copy.recipient)
        if recipient is not None:
            report["recipients"].append(_local(recipient.position, lang, languages)
                                        or _local(recipient.name, lang, languages))
    if document.kind == "question":
        report.update(_question(document, lang, signers))
    return report


def _question(question, lang: str, signers: list[dict]) -> dict:
    """A question's number, authors and the Parliament's page where it will be answered."""
    by_id = {s["id"]: s for s in signers}
    url = None
    if question.number:
        prefix, digits, year = question.number[0], question.number[2:8], question.number[-4:]
        url = EP_QUESTION_PAGE.format(prefix=prefix, term=question.term, year=year,
                                      number=digits, lang=lang.upper() if lang in
                                      EP_LANGUAGES else "EN")
    return {"number": question.number, "answer_url": url,
            "signatories": [by_id[a] for a in question.authors + question.supporters
                            if a in by_id]}


EP_LANGUAGES = {"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu",
                "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"}
"""The official languages in which the Parliament's pages exist."""


KIND = AnnouncementKind()
