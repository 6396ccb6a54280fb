"""Building the template context of one output: plain text in the output's language.

Templates see strings, lists and dicts only, already in the right language:
``{{ document.subject }}``, ``{{ signatory.country }}``; phrases come from
``t('key')``. Nothing in the context can run code.
"""

from __future__ import annotations

from pathlib import Path

from . import i18n
from .campaign import LoadedCampaign
from .models import Letter, LocalText, Question
from .plan import Output
from .templating import markdown, markdown_inline
from .terms import TERMS

FONTS_DIR = Path(__file__).parent / "fonts"
NATIVE_SCRIPT_LANGUAGES = {"ru", "kk", "uk", "be", "bg", "sr", "mk", "ky", "tg", "mn"}
"""Languages written in Cyrillic, in which people are named in their native script."""
RTL_LANGUAGES = {"ar", "he", "fa", "ur"}


def build_context(loaded: LoadedCampaign, output: Output) -> dict:
    """Everything a template needs to render ``output``."""
    campaign = loaded.campaign
    document = campaign.documents[output.document]
    lang = output.lang
    catalogue = loaded.catalogues[lang]
    local = _localiser(lang)

    def t(key: str, **values) -> str:
        return catalogue.phrase(key, **values)

    members = loaded.lists[document.signatories].signatories
    group_form = "ep" if isinstance(document, Question) else "english"
    term = TERMS[loaded.lists[document.signatories].term]
    signatories = [_signatory(loaded, m, term, group_form, lang, local, t) for m in members]
    cases = [_case(case_id, loaded.cases[case_id], lang, local, t) for case_id in document.cases]

    context = {
        "lang": lang,
        "dir": "rtl" if lang in RTL_LANGUAGES else "ltr",
        "t": t,
        "campaign": {"title": campaign.title},
        "document": {
            "id": output.document,
            "kind": document.kind,
            "date": i18n.format_date(document.date, lang),
            "date_iso": document.date.isoformat(),
            "subject": local(document.subject),
                    },
        "cases": cases,
        "signatories": signatories,
        "fonts_url": FONTS_DIR.as_uri(),
        "output": {"stem": output.stem, "template": output.template},
    }
    if isinstance(document, Letter):
        _letter_context(context, loaded, document, output, local)
    else:
        _question_context(context, document, signatories, term, local, t)
    context["metadata"] = _metadata(context, campaign.title, cases)
    return context


def _localiser(lang: str):
    def local(value: LocalText | None) -> str | None:
        return None if value is None else value.get(lang)
    return local


def _signatory(loaded, member, term, group_form, lang, local, t) -> dict:
    group = term.group(member.group)
    image = None
    if member.status == "signed" and member.signature_image:
        image = (loaded.root / member.signature_image).resolve().as_uri()
    return {
        "id": member.id,
        "title": member.title,
        "display_name": member.display_name,
        "name": member.name,
        "country": i18n.country_name(member.country, lang),
        "country_code": member.country,
        "group": group.ep if group_form == "ep" else group.english,
        "group_ep": group.ep,
        "group_english": group.english,
        "roles": [local(role) for role in member.roles],
        "status": member.status,
        "signed_on": i18n.format_date(member.signed_on, lang) if member.signed_on else None,
        "signature_image": image,
    }


def _person_name(person, lang: str) -> str:
    if lang in NATIVE_SCRIPT_LANGUAGES and person.native:
        return person.native
    return person.name


def _case(case_id, case, lang, local, t) -> dict:
    names = [_person_name(p, lang) for p in case.people]
    joined = names[0] if len(names) == 1 else \
        ", ".join(names[:-1]) + f" {t('and')} " + names[-1]
    region = local(case.region)
    return {
        "id": case_id,
        "name": joined,
        "names": names,
        "people": [{"name": _person_name(p, lang), "title": p.title} for p in case.people],
        # "other" says nothing to a reader: the templates print no category then.
        "category": None if case.category.value == "other" else t(f"category.{case.category.value}"),
        "status": case.status.value,
        "region": region,
        "arrested": i18n.format_date(case.arrested, lang) or None,
        "sentenced": i18n.format_date(case.sentenced, lang) or None,
        "appeal": i18n.format_date(case.appeal, lang) or None,
        "released": i18n.format_date(case.released, lang) or None,
        "sentence": local(case.sentence),
        "detention": local(case.detention),
        "charges": [local(c) for c in case.charges],
        "health": local(case.health),
        "un_decisions": [{
            "body": t(f"un_body.{d.body}"),
            "reference": d.reference,
            "date": i18n.format_date(d.date, lang) or None,
            "finding": local(d.finding),
        } for d in case.un_decisions],
        "summary": markdown_inline(local(case.summary), lang),
        "facts": markdown(local(case.facts), lang),
    }


def _letter_context(context, loaded, document: Letter, output: Output, local) -> None:
    campaign, lang = loaded.campaign, output.lang
    copy = document.recipients[output.copy_index]
    recipient = campaign.recipients[copy.recipient]
    sender = campaign.sender
    additions = [a for a in (recipient.additions, copy.additions) if a is not None]
    context["document"].update({
        "place": local(document.place),
        "reference": document.reference,
        "intro": markdown(local(copy.intro or document.intro), lang),
        "case_text": document.case_text,
        "requests": [markdown_inline(local(r), lang) for r in document.requests],
        "closing": markdown(local(document.closing), lang),
        "additions": [markdown(local(a), lang) for a in additions],
    })
    context["recipient"] = {
        "id": copy.recipient,
        "honorific": local(recipient.honorific),
        "name": local(recipient.name),
        "position": local(recipient.position),
        "organisation": local(recipient.organisation),
        "address": [local(line) for line in recipient.address],
        "salutation": local(copy.salutation or recipient.salutation),
    }
    logo = (loaded.root / sender.logo).resolve().as_uri() if sender.logo else None
    context["sender"] = {
        "name": local(sender.name),
        "lines": [local(line) for line in sender.lines],
        "logo": logo,
        "logo_alt": local(sender.logo_alt) or local(sender.name),
    }


def _question_context(context, question: Question, signatories, term, local, t) -> None:
    lang = context["lang"]
    by_id = {s["id"]: s for s in signatories}
    authors = [by_id[a] for a in question.authors]
    supporters = [by_id[s] for s in question.supporters]
    number = question.number
    header_number = None
    if number:
        # 2014-2019 headers print E-007095-17; later terms print E-004819/2020.
        header_number = (f"{number[:8]}-{number[-2:]}" if term.number <= 8 else number)
    subject = local(question.subject)
    if question.addressee == "vp-hr":
        subject = t("question.vp_hr_prefix") + subject
    context["document"].update({
        "number": number,
        "header_number": header_number,
        "priority": question.priority,
        "addressee_line": term.addressees[question.addressee],
        "rule": t("question.rule", number=term.question_rule),
        "term": term.number,
        "subject_line": subject,
        "body": markdown(local(question.body), lang),
        "body_text": local(question.body),
        "questions": [local(q) for q in question.questions],
    })
    context["authors"] = authors
    context["supporters"] = supporters
    # 2017 pages put a space before each comma: "Tunne Kelam (PPE) , Mady Delvaux (S&D)".
    separator = " , " if term.number <= 8 else ", "
    context["authors_line"] = separator.join(
        f"{m['name']} ({m['group_ep']})" for m in authors + supporters)


def _metadata(context: dict, campaign_title: str, cases: list[dict]) -> dict:
    document = context["document"]
    if document["kind"] == "question":
        authors = [a["name"] for a in context["authors"]]
        title = document["subject_line"]
    else:
        authors = [s["display_name"] for s in context["signatories"]]
        title = document["subject"]
    keywords = [campaign_title] + [name for case in cases for name in case["names"]]
    return {
        "title": title,
        "authors": authors,
        "description": f"{campaign_title}: {document['subject']}",
        "keywords": keywords,
        "created": document["date_iso"],
    }
