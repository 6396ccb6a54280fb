"""The campaign data model, declared once.

Validation, the JSON Schema for editors (``undersigned schema``) and the
reference in the README all come from these classes and their field docstrings.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal

# StrictBool looks unused here, but campaign files' annotations are resolved in this module.
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field,
                      GetCoreSchemaHandler, GetJsonSchemaHandler, StrictBool, StrictInt,
                      ValidationError, model_validator)
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

from .terms import Group, Term, with_groups
from .text import name_problem
from .titles import grammatical_gender

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
LANG_PATTERN = r"^[a-z]{2,3}$"

Id = Annotated[str, Field(pattern=ID_PATTERN)]
"""A lower-case identifier of at most 64 letters, digits and hyphens (``bokayev``,
``appeal-2017``); ids make file names, so they stay short."""
Lang = Annotated[str, Field(pattern=LANG_PATTERN)]
"""A language code (ISO 639-1 where one exists): ``en``, ``ru``, ``kk``."""
Url = Annotated[str, Field(pattern=r"^https?://\S+$")]
EMAIL_PATTERN = r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$"


def _mailable(value: str) -> str:
    """An address the SMTP path can send to: a mailbox name in ASCII (a non-ASCII one
    needs SMTPUTF8, which few servers offer), a domain in ASCII or one IDNA encodes."""
    user, _, domain = value.rpartition("@")
    if not user.isascii():
        raise ValueError(f"'{value}': a mailbox name with non-ASCII letters cannot be sent "
                         "to over SMTP without SMTPUTF8; give an ASCII address")
    try:
        domain.encode("idna")
    except UnicodeError:
        raise ValueError(f"'{value}': the domain '{domain}' is not a valid "
                         "internationalised domain name") from None
    return value


Email = Annotated[str, Field(pattern=EMAIL_PATTERN, max_length=254), AfterValidator(_mailable)]
"""An e-mail address (``pier.panzeri@europarl.europa.eu``); a non-ASCII domain is sent
in its IDNA form (``xn--...``)."""


def is_email(text: str) -> bool:
    """Whether ``text`` is one e-mail address, as ``email:`` fields accept them."""
    return len(text) <= 254 and re.fullmatch(EMAIL_PATTERN, text) is not None


def _iso_date_only(value: Any) -> Any:
    # Pydantic would take a number as seconds since 1970: "date: 0" is not 1 January 1970.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"expected a date like 2017-10-19, got {describe(value)}")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]
"""A full date written as in ISO 8601, ``2017-10-19``."""


def _whole_name(value: Any) -> Any:
    texts = value.values() if isinstance(value, LocalText) else [value]
    for text in texts:
        problem = name_problem(text) if isinstance(text, str) else None
        if problem:
            raise ValueError(problem)
    return value


MAX_MARKS_PER_LETTER = 8
"""The most combining marks one letter may carry (Vietnamese needs two, Hebrew or Arabic
with every sign three or four): a mark piled 5,000 times is drawn far outside the page."""
_MARK_RUN_CANDIDATE = re.compile(r"[^\w\s!-~]{%d,}" % (MAX_MARKS_PER_LETTER + 1))
"""A run of characters that are neither letters, digits, spaces nor ASCII: combining marks
are among them (and rare elsewhere), so that only such runs are looked at closely."""


def piled_marks(value: Any) -> str | None:
    """Why a text (or the texts of a value) cannot be printed: a letter carrying more than
    MAX_MARKS_PER_LETTER combining marks; None if it can."""
    texts = ([value] if isinstance(value, str) else
             [v for v in value if isinstance(v, str)] if isinstance(value, (list, tuple))
             else [])
    for text in texts:
        if text.isascii():
            continue
        for run in _MARK_RUN_CANDIDATE.finditer(text):
            marks = longest = letter = 0
            for index, character in enumerate(run.group(), run.start()):
                marks = marks + 1 if unicodedata.category(character) in ("Mn", "Me") else 0
                if marks > longest:
                    longest, letter = marks, index - marks + 1  # the letter before them
            if longest > MAX_MARKS_PER_LETTER:
                return (f"the letter at character {letter} carries {longest:,} combining "
                        f"marks; at most {MAX_MARKS_PER_LETTER} are allowed (so many would "
                        "be drawn far outside the page)")
    return None


@lru_cache(maxsize=None)
def _text_fields(model: type) -> tuple[str, ...]:
    """The fields of ``model`` declared as plain text or a list of texts."""
    return tuple(name for name, info in model.model_fields.items()
                 if re.search(r"\bstr\b", repr(info.annotation)))


class Model(BaseModel):
    """The base of every model: unknown fields are errors, values are frozen, and no text
    piles more combining marks on a letter than can be printed."""

    # (The docstrings under fields describe them in the JSON Schema: undersigned.schema
    # reads them when it is asked for, not pydantic at every start.)
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False)

    @model_validator(mode="after")
    def _printable_letters(self):
        # Once per model, over its plain-text fields only, not once per field (100,000
        # table rows): the error is still the field's own. LocalText checks its texts.
        for name in _text_fields(type(self)):
            value = self.__dict__[name]
            if value is None or value.__class__ is str and value.isascii():
                continue
            fault = piled_marks(value)
            if fault is not None:
                error = PydanticCustomError("value_error", "{fault}", {"fault": fault})
                raise ValidationError.from_exception_data(type(self).__name__, [
                    InitErrorDetails(type=error, loc=(name,), input=value)])
        return self


# --- value types ----------------------------------------------------------------------


ANY_LANGUAGE = "*"
"""The key of a text that is the same in every language: ``place: {"*": Brussels}``."""

LANGUAGE_NEUTRAL_FIELDS = frozenset({"name", "native", "place", "detention",
                                     "address", "organisation", "reference"})
"""Fields whose text is a name, a place or a reference: written once, it is the same in
every language without a warning. Not a case's ``region``: a town is spelt in each
language's script ("Baku", "Баку", "Bakı"), so that, written once and printed in several
languages, it is warned of as any text is."""


class LocalText:
    """Text in one or several languages.

    Written either as plain text (the same in every language: names,
    references) or as a mapping from language to text::

        subject:
          en: Political prisoners in Kazakhstan
          ru: Политические заключённые в Казахстане
    """

    __slots__ = ("texts", "once")

    def __init__(self, texts: dict[str, str], once: bool = False):
        self.texts = texts
        """Language -> text; the key ``*`` holds text that is the same in every language."""
        self.once = once
        """Written once as plain text, not marked as the same in every language
        (``{"*": …}``): ``check`` warns when it is printed in several languages."""

    def get(self, lang: str) -> str | None:
        """The text in ``lang``, or None when it has not been written."""
        return self.texts.get(lang, self.texts.get("*"))

    def values(self) -> list[str]:
        return list(self.texts.values())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LocalText) and other.texts == self.texts

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.texts.items())))

    def __repr__(self) -> str:
        return f"LocalText({self.texts!r})"

    @classmethod
    def parse(cls, value: Any) -> "LocalText":
        if isinstance(value, LocalText):
            return value
        if isinstance(value, str):
            if not value.isascii() and (fault := piled_marks(value)):
                raise ValueError(fault)
            return cls({"*": value}, once=True)
        if isinstance(value, dict):
            texts = {}
            for lang, text in value.items():
                if lang == ANY_LANGUAGE and len(value) == 1:
                    pass  # {"*": text}: the same in every language, on purpose
                elif not isinstance(lang, str) or not re.match(LANG_PATTERN, lang):
                    raise ValueError(f"'{lang}' is not a language code like en or ru")
                if not isinstance(text, str):
                    raise ValueError(f"the {lang} text must be text, got {describe(text)}")
                if not text.isascii() and (fault := piled_marks(text)):
                    raise ValueError(f"the {lang} text: {fault}")
                texts[lang] = text
            if not texts:
                raise ValueError("give the text, or a mapping from language to text")
            return cls(texts)
        hint = f"; {TEXT_NOT_LIST}" if isinstance(value, list) else ""
        raise ValueError("expected text or a mapping from language to text, "
                         f"got {describe(value)}{hint}")

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler):
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(
                lambda v: v.texts.get("*", v.texts)))

    @classmethod
    def __get_pydantic_json_schema__(cls, schema, handler: GetJsonSchemaHandler):
        return {"anyOf": [
            {"type": "string"},
            {"type": "object", "minProperties": 1,
             "propertyNames": {"pattern": LANG_PATTERN},
             "additionalProperties": {"type": "string"}},
        ]}


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day: ``2007``, ``2016-12``, ``2016-11-28``."""

    year: int
    month: int | None = None
    day: int | None = None

    def key(self, precision: int) -> tuple[int, ...]:
        """The date cut to ``precision`` parts (1 year, 2 month, 3 day), for comparisons."""
        return (self.year, self.month or 0, self.day or 0)[:precision]

    @property
    def precision(self) -> int:
        return 1 if self.month is None else 2 if self.day is None else 3

    def __str__(self) -> str:
        parts = [f"{self.year:04d}"] + [f"{p:02d}" for p in (self.month, self.day) if p]
        return "-".join(parts)

    @classmethod
    def parse(cls, value: Any) -> "PartialDate":
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value.strip())
            if match:
                year, month, day = (int(g) if g else None for g in match.groups())
                try:
                    dt.date(year, month or 1, day or 1)
                except ValueError as exc:
                    raise ValueError(f"'{value}' is not a real date ({exc})") from None
                return cls(year, month, day)
        raise ValueError("expected a date like 2017-06-12 (or 2017-06, or 2017), "
                         f"got {describe(value)}")

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler):
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(str))

    @classmethod
    def __get_pydantic_json_schema__(cls, schema, handler: GetJsonSchemaHandler):
        return {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
                "description": "A date, or just its year and month, or its year."}


TEXT_NOT_LIST = ("write one text: several lines or paragraphs go in a block ('|' after the "
                 "colon, then the lines indented below it), not in a list")
"""What to do when a list stands where a text goes."""


def describe(value: Any) -> str:
    """A value as a message shows it: ``"12 June"``, ``the number 12``, ``true``, ``a list``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value:g}" if isinstance(value, float) else f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return _shown(value)


def _shown(value: Any) -> str:
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f'"{text}"'


# --- cases ----------------------------------------------------------------------------


class Category(str, Enum):
    """Why a person was targeted, as the appeals group them."""

    civil_society_activist = "civil-society-activist"
    trade_union_activist = "trade-union-activist"
    journalist = "journalist"
    social_network_user = "social-network-user"
    human_rights_defender = "human-rights-defender"
    lawyer = "lawyer"
    politician = "politician"
    businessperson = "businessperson"
    religious_believer = "religious-believer"
    other = "other"


class Status(str, Enum):
    """Where the person stands now."""

    pre_trial_detention = "pre-trial-detention"
    serving_sentence = "serving-sentence"
    suspended_sentence = "suspended-sentence"
    restricted_freedom = "restricted-freedom"
    released = "released"
    unknown = "unknown"


class Person(Model):
    """A person concerned by a case."""

    name: Annotated[str, AfterValidator(_whole_name)] = Field(min_length=1)
    """Canonical spelling in Latin script, "Given Family" (``Maks Bokayev``); every document uses it."""
    variants: list[Annotated[str, AfterValidator(_whole_name)]] = []
    """Other spellings and transliterations met in sources (``Max Bokayev``, ``Bokaev``)."""
    native: Annotated[str, AfterValidator(_whole_name)] | None = None
    """The name in its native script (``Макс Бокаев``); used in copies in the languages of
    that script, when it is not the Latin one (Cyrillic: Russian, Kazakh ...)."""
    spellings: dict[str, Annotated[str, AfterValidator(_whole_name)]] = {}
    """The name as a language, or a script, spells it: ``{az: Ulvi Həsənli, Cyrl: Ульви
    Гасанлы}``; a copy prints the spelling of its language, else of its language's script
    (ISO 15924: ``Cyrl``, ``Arab``, ``Geor`` ...), else ``native``, else ``name``."""
    title: str | None = None
    """How to refer to the person, e.g. ``Mr`` or ``Ms``."""
    gender: Literal["female", "male"] | None = None
    """The grammatical gender of the words about the person ("Journalistin"), in languages
    that have one; else the title says it ("Ms"), else the masculine form is used."""

    @property
    def grammatical_gender(self) -> str | None:
        return grammatical_gender(self.gender, self.title)

    @model_validator(mode="after")
    def _spelling_keys(self) -> "Person":
        for key in self.spellings:
            if not (re.fullmatch(LANG_PATTERN, key) or re.fullmatch(r"[A-Z][a-z]{3}", key)):
                raise ValueError(f"spellings: '{key}' is neither a language code (az, ru) nor "
                                 "a script code (Cyrl, Arab, Geor)")
        return self


class UNDecision(Model):
    """A decision, opinion or communication of a United Nations body on the case."""

    body: Literal["wgad", "human-rights-committee", "committee-against-torture",
                  "special-procedures", "other"]
    """``wgad`` (Working Group on Arbitrary Detention), ``human-rights-committee``, ..."""
    reference: str
    """The decision's citation, e.g. ``Opinion No. 16/2017``."""
    date: PartialDate | None = None
    """When it was adopted."""
    finding: LocalText | None = None
    """What it found or asked for, in a sentence."""
    url: Url | None = None
    """Where it is published."""


class Case(Model):
    """One case: a person (or people) prosecuted, and the facts an appeal cites. One YAML file in ``cases/``; its id is the file name."""

    people: list[Person] = Field(min_length=1)
    """The person or people concerned."""
    category: Category
    """Why they were targeted."""
    status: Status
    """Where they stand now."""
    region: LocalText | None = None
    """The town or region of the case (``Atyrau``)."""
    arrested: PartialDate | None = None
    """Date of arrest or detention."""
    sentenced: PartialDate | None = None
    """Date of the first-instance sentence."""
    appeal: PartialDate | None = None
    """Date the appeal was decided."""
    released: PartialDate | None = None
    """Date of release."""
    sentence: LocalText | None = None
    """The sentence as handed down (``five years' imprisonment and a three-year ban on civic activity``)."""
    detention: LocalText | None = None
    """Place of detention (``penal colony in Petropavlovsk``)."""
    charges: list[LocalText] = []
    """The charges, one per item."""
    health: LocalText | None = None
    """Health concerns."""
    un_decisions: list[UNDecision] = []
    """Decisions of UN bodies on the case."""
    summary: LocalText | None = None
    """One or two sentences on the case, used where a letter lists several cases."""
    facts: LocalText | None = None
    """The facts in full, as Markdown paragraphs, used where a letter details the case."""
    sources: list[Url] = []
    """Where the facts come from."""
    notes: str | None = None
    """Editorial notes: what the sources leave open or disagree on. Never printed."""


# --- signatories ----------------------------------------------------------------------


class Signatory(Model):
    """A Member who signs (or is invited to sign)."""

    id: Id | None = None
    """Stable id, used for signature fields and question authors; by default the family name in lower case (``sanchez-caldentey``)."""
    title: str | None = None
    """``Mr``, ``Ms``, ``Dr`` ..."""
    given: Annotated[str, AfterValidator(_whole_name)] = Field(min_length=1)
    """Given name(s), as the Member writes them (``Pier Antonio``)."""
    family: Annotated[str, AfterValidator(_whole_name)] = Field(min_length=1)
    """Family name(s) with diacritics (``Sánchez Caldentey``); displayed in capitals."""
    country: str
    """Member State, as an ISO 3166 code (``IT``, ``GB``; Greece is ``GR``, not ``EL``)."""
    group: str
    """Political group, in its EP form (``PPE``, ``Verts/ALE``) or English form (``EPP``, ``Greens/EFA``)."""
    gender: Literal["female", "male"] | None = None
    """The grammatical gender of the Member's title, in languages that have one
    (``Députée``/``Député``, ``Posłanka``/``Poseł``); by default the one the ``title`` says
    (``Ms``, ``Mme``, ``Frau``, ``Pani`` say female), else the catalogue's
    ``member_of_parliament``."""
    member_title: LocalText | None = None
    """The title printed under the name, per language, as the Member chooses it; replaces
    the catalogue's."""
    roles: list[LocalText] = []
    """Roles printed under the name (``Chair of the Subcommittee on Human Rights``)."""
    ep_id: StrictInt | None = None
    """The Member's id on the European Parliament's website."""
    email: Email | None = None
    """The Member's e-mail address, for invitations to co-sign (``undersigned invite``)."""
    language: Lang | None = None
    """The language the Member is written to in (invitations); by default the letter's first."""
    signature_image: str | None = None
    """A scanned signature (PNG or JPEG), relative to the campaign folder; printed in the
    final copies of the letters the Member agreed to."""

    moved_fields: ClassVar[dict[str, str]] = dict.fromkeys(
        ("status", "signed_on"), "answers are no longer kept in the signatory list: each "
        "letter records its Members' answers under sign_on.members (see the README, "
        "'Collecting co-signatures')")

    @model_validator(mode="after")
    def _default_id(self) -> "Signatory":
        if self.id is None:
            object.__setattr__(self, "id", slug(self.family))
        return self

    @property
    def grammatical_gender(self) -> str | None:
        """``gender`` if given, else what the title says ("Ms" -> female), else None."""
        return grammatical_gender(self.gender, self.title)

    @property
    def display_name(self) -> str:
        """The EP display form: "Given FAMILY"."""
        return f"{self.given} {self.family.upper()}"

    @property
    def name(self) -> str:
        """Mixed case, as in a written question's author line."""
        return f"{self.given} {self.family}"


class DeclaredGroup(Model):
    """A political group the registry of terms does not know: of a term after it, or
    formed mid-term."""

    ep: str = Field(min_length=1)
    """The acronym in EP documents (``PfE``)."""
    english: str | None = None
    """The English acronym, where it differs (``EPP`` for ``PPE``)."""
    name: str = Field(min_length=1)
    """The group's full English name (``Patriots for Europe Group``)."""


class SignatoryList(Model):
    """The Members who sign a campaign's documents. One YAML file in ``signatories/``."""

    term: StrictInt
    """The parliamentary term (5: 1999-2004 ... 8: 2014-2019, 9: 2019-2024, 10: 2024-2029)."""
    title: str | None = None
    """What the list is, for people reading the file."""
    groups: list[DeclaredGroup] = []
    """Political groups of the term that the toolkit's registry does not know (a term not
    yet in it, a group formed mid-term), added to (or, with the same ``ep``, replacing)
    the registry's for this list."""
    signatories: list[Signatory] = Field(min_length=1)
    """The Members, in the order they sign."""
    notes: str | None = None
    """Editorial notes. Never printed."""

    def parliamentary_term(self) -> Term | None:
        """The list's term with its declared groups; None for a term neither the registry
        nor the list describes."""
        return with_groups(self.term, [Group(g.ep, g.english or g.ep, g.name)
                                       for g in self.groups])


# --- recipients, sender and documents ---------------------------------------------------------


class Recipient(Model):
    """Someone a letter is addressed to. Declared under ``recipients:`` in the campaign file."""

    style: LocalText | None = None
    """The protocol style (``H.E.``, ``Его Превосходительству``), printed where the
    language's order of the address puts it: before the name in English, on a line of its
    own above the office in Russian (the catalogue's ``recipient_block``)."""
    honorific: LocalText | None = None
    """Form of address just before the name (``Mr``, ``господину``)."""
    name: Annotated[LocalText, AfterValidator(_whole_name)]
    """The recipient's name (``Nursultan Nazarbayev``)."""
    position: LocalText | None = None
    """The recipient's office (``President of the Republic of Kazakhstan``)."""
    organisation: LocalText | None = None
    """The institution, if not clear from the position."""
    address: list[LocalText] = []
    """Postal address, one line per item."""
    salutation: LocalText
    """Opening of the letter (``Dear Mr President,``)."""
    complimentary_close: LocalText | None = None
    """The close before the signatures, where protocol wants it per addressee (``Veuillez
    agréer, Monsieur l'Ambassadeur, l'expression de ma haute considération.``); by default
    the catalogue's ``yours_sincerely``, or ``yours_sincerely_head_of_state``."""
    head_of_state: StrictBool = False
    """A head of state, to whom protocol wants a higher close by default: "С глубоким
    уважением,", "顺致崇高的敬意", and in French one that repeats the salutation's form of
    address ("Nous vous prions d'agréer, Monsieur le Président, l'expression de notre très
    haute considération.")."""
    email: Email | None = None
    """The recipient's e-mail address, to which ``undersigned send`` delivers the final copy."""
    languages: list[Lang] | None = None
    """The languages this recipient gets copies in, preferred first; by default the document's."""
    template: str | None = None
    """A template variant for this recipient's copies."""
    additions: LocalText | None = None
    """Markdown paragraphs added to every letter to this recipient, after the cases."""
    notes: str | None = None
    """Editorial notes. Never printed."""


class Sender(Model):
    """Who the letter is from, printed in the letterhead."""

    name: LocalText
    """The sender line (``Members of the European Parliament``)."""
    lines: list[LocalText] = []
    """Lines under it: an address, a website."""
    logo: str | None = None
    """An image (PNG, JPEG or SVG) relative to the campaign folder."""
    logo_alt: LocalText | None = None
    """Text alternative of the logo, for screen readers."""


class DocumentBase(Model):
    """What every kind of document has; each kind (``undersigned.kinds``) adds its own fields."""

    template: str | None = None
    """The template, looked up in the campaign's ``templates/`` then among the built-in ones."""
    date: IsoDate
    """The date printed on the document, and its PDF creation date."""
    signatories: Id
    """The signatory list (a file in ``signatories/`` without ``.yaml``)."""
    cases: list[Id] = []
    """The cases the document concerns (files in ``cases/`` without ``.yaml``)."""
    languages: list[Lang] = Field(default=["en"], min_length=1)
    """The languages to produce."""
    formats: list[Literal["pdf", "docx"]] = ["pdf"]
    """The formats of each copy: the PDF always; ``docx`` adds a Word copy for review
    (``DOCUMENT.RECIPIENT.LANG.docx``), made from the same HTML as the PDF."""
    notes: str | None = None
    """Editorial notes: what the sources leave open. Never printed."""


def slug(text: str) -> str:
    """``Sánchez Caldentey`` -> ``sanchez-caldentey``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"
