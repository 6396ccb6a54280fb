"""The question for written answer: one copy per language, with the Parliament's header."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import Field, StrictBool, StrictInt

from ..errors import did_you_mean
from ..model import i18n
from ..model.models import DocumentBase, Id, IsoDate, LocalText
from ..model.terms import ADDRESSEES, TERMS
from ..render.filters import markdown, markdown_inline, plain
from ..render.typography import typeset
from ..model.voices import name_lang
from .base import DocumentKind

if TYPE_CHECKING:  # the layers above pass these in: kinds name them by protocol
    from .needs import Checker, LoadedCampaign, Output

MAX_QUESTION_WORDS = 200
MAX_SUB_QUESTIONS = 3


class Question(DocumentBase):
    """A question for written answer to an EU institution."""

    kind: Literal["question"]
    """``question``."""
    term: StrictInt
    """The parliamentary term; sets the Rule number and the header's wording."""
    addressee: Literal[ADDRESSEES]  # type: ignore[valid-type]
    """``vp-hr``, ``commission``, ``council`` or ``european-council``."""
    number: str | None = Field(default=None, pattern=r"^[EP]-\d{6}/\d{4}$")
    """The number the Parliament gave it, in citation form (``E-007095/2017``); none while drafting."""
    published: IsoDate | None = None
    """The date the Parliament's page of the question gives (it can differ from the day it
    was tabled, ``date``); printed in the header in place of ``date``."""
    print_date: StrictBool = True
    """``false``: the header prints no date (where the public record gives none)."""
    priority: StrictBool = False
    """A priority question (one per author a month, answered within three weeks)."""
    authors: list[Id] = Field(min_length=1)
    """Ids of the authors in the signatory list."""
    supporters: list[Id] = []
    """Ids of supporting Members in the signatory list."""
    subject: LocalText
    """The subject, without the ``VP/HR —`` prefix, which the 8th term's questions to the
    VP/HR print before it (later terms print none)."""
    body: LocalText
    """The context paragraphs (Markdown)."""
    questions: list[LocalText] = Field(min_length=1)
    """The sub-questions, numbered in the output; at most three."""


class QuestionKind(DocumentKind):
    """Authors and supporters in the Parliament's form, and a plain-text export to table it."""

    name = "question"
    noun, plural = "written question", "written questions"
    model = Question
    default_template = "question.html"
    text_exports = {"txt": "question.txt"}
    group_form = "ep"
    prints_member_titles = False  # "Name (Group)" only

    def check(self, checker: Checker, doc_id: str, question: Question, loc: tuple) -> None:
        """Admissibility: the term and its dates, authors in the list, the number, the word
        and sub-question limits, one priority question per author a month."""
        add, cf = checker.add, checker.campaign_file
        term = TERMS.get(question.term)
        if term is None:
            add(cf, loc + ("term",), f"there is no term {question.term} in "
                "the registry; known terms: " + ", ".join(str(t) for t in TERMS))
            return
        if not term.covers(question.date):
            add(cf, loc + ("date",), f"{question.date} is not in term "
                f"{term.number} ({term.start} to {term.end or 'today'})")
        signatories = checker.loaded.lists.get(question.signatories)
        if signatories is not None:
            if signatories.term != question.term:
                add(cf, loc + ("signatories",),
                    f"the list '{question.signatories}' is of term {signatories.term}, "
                    f"the question of term {question.term}")
            ids = [m.id for m in signatories.signatories]
            for name in ("authors", "supporters"):
                for i, member in enumerate(getattr(question, name)):
                    if member not in ids:
                        add(cf, loc + (name, i),
                            f"'{member}' is not in the list '{question.signatories}'"
                            + did_you_mean(member, ids))
        if question.number:
            prefix, year = question.number[0], int(question.number[-4:])
            if (prefix == "P") != question.priority:
                add(cf, loc + ("number",),
                    f"{question.number} is numbered as {'a priority' if prefix == 'P' else 'an ordinary'} "
                    f"question but priority is {'true' if question.priority else 'false'}")
            if year != question.date.year:
                add(cf, loc + ("number",), f"{question.number} is of "
                    f"{year} but the question is dated {question.date}")
        for lang in question.languages:
            words = question_words(question, lang)
            if words > MAX_QUESTION_WORDS:
                add(cf, loc + ("body",),
                    f"the {lang} question has {words} words; the limit is "
                    f"{MAX_QUESTION_WORDS} (body and sub-questions, see README)")
        if len(question.questions) > MAX_SUB_QUESTIONS:
            add(cf, loc + ("questions",),
                f"{len(question.questions)} sub-questions; at most {MAX_SUB_QUESTIONS} "
                "are admissible")
        if question.priority:
            priority_months = checker.memory.setdefault("priority_months", {})
            month = (question.date.year, question.date.month)
            for author in question.authors:
                other = priority_months.get((author, month))
                if other:
                    add(cf, loc + ("priority",),
                        f"'{author}' already has a priority question in "
                        f"{question.date:%B %Y} ('{other}'); one a month is allowed",
                        "warning")
                priority_months.setdefault((author, month), doc_id)

    def context(self, context: dict, loaded: LoadedCampaign, question: Question,
                output: Output) -> None:
        lang, t = context["lang"], context["t"]
        term = TERMS[question.term]
        by_id = {s["id"]: s for s in context["signatories"]}
        authors = [by_id[a] for a in question.authors]
        supporters = [by_id[s] for s in question.supporters]
        number = question.number
        header_number = None
        if number:
            # 2014-2019 headers print E-007095-17; later terms print E-004819/2020.
            header_number = (f"{number[:8]}-{number[-2:]}" if term.number <= 8 else number)
        subject = typeset(question.subject.get(lang), lang)
        if question.addressee == "vp-hr" and term.vp_hr_prefix:
            subject = t("question.vp_hr_prefix") + subject
        printed = (question.published or question.date) if question.print_date else None
        context["document"].update({
            # The header's date: the Parliament's, or none where the record has none.
            "date": i18n.format_date(printed, lang) if printed else "",
            "number": number,
            "header_number": header_number,
            "priority": question.priority,
            "addressee_line": t(term.addressee_key(question.addressee, question.date)),
            "rule": t("question.rule", number=term.question_rule),
            "term": term.number,
            "subject_line": subject,
            "body": markdown(question.body.get(lang), lang),
            "body_text": plain(question.body.get(lang), lang),
            "questions": [markdown_inline(q.get(lang), lang) for q in question.questions],
            "questions_text": [plain(f"{n}. {q.get(lang)}", lang)
                               for n, q in enumerate(question.questions, 1)],
        })
        context["authors"] = authors
        context["supporters"] = supporters
        # 2017 pages put a space before each comma: "Tunne Kelam (PPE) , Mady Delvaux (S&D)".
        separator = " , " if term.number <= 8 else ", "
        context["authors_line"] = separator.join(
            f"{m['name']} ({m['group_ep']})" for m in authors + supporters)
        context["authors_lang"] = name_lang(context["authors_line"], lang)

    def metadata(self, context: dict) -> tuple[str, list[str]]:
        return context["document"]["subject_line"], [a["name"] for a in context["authors"]]


WORD = re.compile(r"[\w’']+(?:[-‐][\w’']+)*")


def count_words(text: str) -> int:
    """Words as the admissibility check counts them.

    A word is a run of letters and digits; hyphenated compounds and apostrophes
    stay one word ("EU-Kazakhstan", "Parliament's"); punctuation and Markdown
    markup are not words.
    """
    return len(WORD.findall(text.replace("_", " ")))


def question_words(question: Question, lang: str) -> int:
    """The words of a question in ``lang``: its body and sub-questions, not its subject."""
    texts = [question.body.get(lang) or ""] + [q.get(lang) or "" for q in question.questions]
    return sum(count_words(text) for text in texts)


KIND = QuestionKind()
