"""Building the template context of one output: plain text in the output's language.

Templates see strings, lists and dicts only, already in the right language:
``{{ document.subject }}``, ``{{ signatory.country }}``; phrases come from
``t('key')``. Nothing in the context can run code.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from ..kinds import KINDS
from ..model import i18n
from ..model.models import LocalText
from ..model.voices import name_lang
from ..render.filters import markdown, markdown_inline
from ..render.typography import RTL_LANGUAGES, colon, label, list_comma, typeset
from ..resources import FONTS_DIR
from .loaded import LoadedCampaign
from .plan import Output



def build_context(loaded: LoadedCampaign, output: Output) -> dict:
    """Everything a template needs to render ``output``."""
    campaign = loaded.campaign
    document = campaign.documents[output.document]
    lang = output.lang
    catalogue = loaded.catalogues[lang]
    local = _localiser(lang)

    def t(key: str, **values) -> str:
        # Every printed phrase with the language's spacing ("Objet :", "Вопрос ?").
        return typeset(catalogue.phrase(key, **values), lang)

    kind = KINDS[output.kind]
    group_form = kind.group_form
    term = loaded.lists[document.signatories].parliamentary_term()
    signatories = [_signatory(loaded, s, term, group_form, lang, local, t)
                   for s in kind.signers(loaded, document)]
    cases = [_case(case_id, loaded.cases[case_id], lang, local, t, catalogue.phrases)
             for case_id in document.cases]

    context = {
        "lang": lang,
        "dir": "rtl" if lang in RTL_LANGUAGES else "ltr",
        "t": t,
        "label": lambda key, colon=False: label(catalogue.phrase(key), lang, colon),
        "comma": list_comma(lang),
        "colon": colon(lang),
        "ltr": lambda text: _left_to_right_in_rtl(text, lang),
        "campaign": {"title": campaign.title, "watermark": local(campaign.watermark)},
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
    if not kind.printed:  # a web page links to the other copies: the plan names their files
        from .plan import all_outputs

        context["outputs"] = [{"document": o.document, "recipient": o.recipient,
                               "lang": o.lang, "file": o.pdf}
                              for o in all_outputs(loaded) if KINDS[o.kind].printed]
    kind.context(context, loaded, document, output)
    context["metadata"] = _metadata(context, kind.metadata(context), campaign.title, cases)
    return context


def _left_to_right_in_rtl(text: str | None, lang: str) -> bool:
    """Whether ``text`` is a line in a left-to-right script ("010000 Astana") in a
    right-to-left copy, where it must be laid out left to right to keep its order."""
    return lang in RTL_LANGUAGES and i18n.script_of_text(text or "") not in (None, "Arab",
                                                                              "Hebr")


def _localiser(lang: str):
    """The text of a value in ``lang``, with the language's typography."""
    def local(value: LocalText | None) -> str | None:
        return None if value is None else typeset(value.get(lang), lang)
    return local


def _signatory(loaded, signer, term, group_form, lang, local, t) -> dict:
    member, invitation = signer.member, signer.invitation
    group = term.group(member.group)
    image = None
    if signer.answer == "agreed" and member.signature_image:
        image = (loaded.root / member.signature_image).resolve().as_uri()
    answered_on = invitation.answered if invitation else None
    return {
        "id": member.id,
        "title": member.title,
        "display_name": member.display_name,
        "name_lang": name_lang(member.display_name, lang),
        "name": member.name,
        "country": i18n.country_name(member.country, lang),
        "country_code": member.country,
        # English copies may print the English acronym (EPP); every other language prints
        # the Parliament's own (PPE, Verts/ALE), as its pages in that language do.
        "group": group.ep if group_form == "ep" or lang != "en" else group.english,
        "group_ep": group.ep,
        "group_english": group.english,
        "member_title": local(member.member_title) or _member_title(loaded, member, lang, t),
        "roles": [local(role) for role in member.roles],
        "answer": signer.answer.value,
        "answered_on": i18n.format_date(answered_on, lang) if answered_on else None,
        "signature_image": image,
    }


def _member_title(loaded, member, lang: str, t) -> str:
    """"Member of the European Parliament" in the Member's grammatical gender (given, or
    said by the title), where the catalogue has that form."""
    if member.grammatical_gender:
        key = f"member_of_parliament_{member.grammatical_gender}"
        if key in loaded.catalogues[lang].phrases:
            return t(key)
    return t("member_of_parliament")


def _person_name(person, lang: str) -> str:
    """The person's name as the copy's language writes it (see ``Person.spellings``)."""
    script = i18n.script_of_language(lang)
    for key in (lang, script):
        if key in person.spellings:
            return person.spellings[key]
    if person.native and script != "Latn" and i18n.script_of_text(person.native) == script:
        return person.native
    return person.name


def _joined(names: list, t):
    """"A", "A and B", "A, B and C" in the copy's language; of HTML names, HTML."""
    if len(names) == 1:
        return names[0]
    text = escape if isinstance(names[0], Markup) else str
    return text(", ").join(names[:-1]) + text(f" {t('and')} ") + names[-1]


def _in_own_lang(name: str, lang: str) -> Markup:
    """The name as HTML, in a span with its own ``lang`` when its script is not the copy's
    (screen readers and the tagged PDF read it in that language)."""
    own = name_lang(name, lang)
    return Markup('<span lang="{}">{}</span>').format(own, name) if own else escape(name)


def _category(case, t, phrases: dict[str, str]) -> str | None:
    """Why the case's people were targeted, in the feminine form (the catalogue's
    ``category_female``) when every one of them is a woman and the language has one."""
    if case.category.value == "other":
        return None  # "other" says nothing to a reader: the templates print no category
    key = case.category.value
    if f"category_female.{key}" in phrases and all(p.grammatical_gender == "female"
                                                    for p in case.people):
        return t(f"category_female.{key}")
    return t(f"category.{key}")


def _case(case_id, case, lang, local, t, phrases: dict[str, str]) -> dict:
    names = [_person_name(p, lang) for p in case.people]
    region = local(case.region)
    return {
        "id": case_id,
        "name": _joined(names, t),
        "name_html": _joined([_in_own_lang(name, lang) for name in names], t),
        "names": names,
        "people": [{"name": name, "lang": name_lang(name, lang), "title": p.title,
                    "native": p.native,
                    "native_html": _in_own_lang(p.native, lang) if p.native else None}
                   for name, p in zip(names, case.people)],
        # "other" says nothing to a reader: the templates print no category then.
        "category": _category(case, t, phrases),
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


def _metadata(context: dict, title_and_authors: tuple[str, list[str]], campaign_title: str,
              cases: list[dict]) -> dict:
    document = context["document"]
    title, authors = title_and_authors
    keywords = [campaign_title] + [name for case in cases for name in case["names"]]
    return {
        "title": title,
        "authors": authors,
        "description": f"{campaign_title}: {document['subject']}",
        "keywords": keywords,
        "created": document["date_iso"],
    }
