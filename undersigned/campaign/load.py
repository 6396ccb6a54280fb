"""Loading a campaign folder and checking everything in it before anything is written.

``load_campaign`` reads ``campaign.yaml``, ``cases/*.yaml`` and
``signatories/*.yaml``, validates each against the models, checks each file on
its own, then runs the cross-checks (:mod:`.checks`) and the template checks
(:mod:`.templates`). Every problem of the run is collected and raised at once as
:class:`CampaignInvalid`, each with its file, line and field.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import CampaignInvalid, CampaignNotFound, Problem, Problems, did_you_mean
from ..files import is_inside
from ..kinds import KINDS
from ..model import i18n
from ..model.messages import report_validation_error
from ..model.models import ID_PATTERN, Case, SignatoryList, slug
from ..model.terms import TERMS
from ..model.yamlfile import YamlFile, dotted, read_yaml
from .campaign_file import CampaignBase, campaign_model
from .checks import Checker
from .loaded import CAMPAIGN_FILE, LoadedCampaign, collector_paused
from .table_recipients import members_from_table, read_recipient_tables, with_table_recipients


def load_campaign(root: Path | str, strict: bool = False,
                  campaign_bytes: bytes | None = None, rehearse: bool = True) -> LoadedCampaign:
    """Load and check the campaign in ``root``; raise CampaignInvalid listing every problem.

    With ``campaign_bytes``, they stand for the content of ``campaign.yaml``: an edit is
    checked by the same rules before it replaces the file. With ``rehearse`` false, a
    campaign that passes every other check is returned before its copies are rendered:
    the caller rehearses those it will build (:func:`.templates.rehearse_copies`)."""
    with collector_paused():
        return _load_campaign(Path(root), strict, campaign_bytes, rehearse)


def _load_campaign(root: Path, strict: bool, campaign_bytes: bytes | None,
                   rehearse: bool = True) -> LoadedCampaign:
    if not root.is_dir():
        raise CampaignNotFound(f"{root}: no such folder")
    if not (root / CAMPAIGN_FILE).is_file():
        raise CampaignNotFound(f"{root}: there is no {CAMPAIGN_FILE} here; "
                               "create a campaign with `undersigned init DIR`")
    problems = Problems()
    files: dict[str, YamlFile] = {}

    campaign = _load_model(root, Path(CAMPAIGN_FILE), campaign_model(), files, problems,
                           campaign_bytes)
    incomplete: dict[str, set[str]] = {}
    if campaign is None and CAMPAIGN_FILE in files:
        campaign, incomplete = _partial_campaign(files[CAMPAIGN_FILE].data)
    cases = _load_folder(root, "cases", Case, files, problems)
    lists = _load_folder(root, "signatories", SignatoryList, files, problems)
    catalogues = i18n.load_catalogues(root, problems)

    for case_id, case in cases.items():
        _check_case(case, files[f"cases/{case_id}.yaml"], problems)
    for list_id, signatories in lists.items():
        _check_list(root, signatories, files[f"signatories/{list_id}.yaml"], problems)

    loaded = None
    if campaign is not None:
        loaded = LoadedCampaign(root, campaign, cases, lists, catalogues, files, incomplete)
        Checker(loaded, problems).run()
        # Late import: the template checks pull in Jinja, which loading needs only here.
        from .templates import check_templates
        # (--strict fails on warnings too: all copies are rehearsed, to be listed with them.)
        check_templates(_complete_part(loaded), problems, rehearse or strict)

    failing = problems.errors + (problems.warnings if strict else [])
    if failing or loaded is None:
        if strict:
            problems.items = [Problem(p.path, p.line, p.column, p.field, p.message, "error")
                              for p in problems.items]
        raise CampaignInvalid(problems.items)
    loaded.warnings = sorted(problems.warnings)
    return loaded


def load_document(root: Path | str, doc_id: str) -> LoadedCampaign:
    """What one document needs, read quickly for a command that only reads: campaign.yaml,
    the document's signatory list and its cases, each checked against its model, without
    the cross-checks and template checks of :func:`load_campaign` (``check`` does those).
    CampaignInvalid lists what is wrong in those files."""
    root = Path(root)
    if not (root / CAMPAIGN_FILE).is_file():
        load_campaign(root)  # raises CampaignNotFound, saying why
    problems = Problems()
    files: dict[str, YamlFile] = {}
    campaign = _load_model(root, Path(CAMPAIGN_FILE), campaign_model(), files, problems)
    lists: dict[str, SignatoryList] = {}
    cases: dict[str, Case] = {}
    document = campaign.documents.get(doc_id) if campaign is not None else None
    if document is not None:
        for folder, ids, model, found in (("signatories", [document.signatories],
                                           SignatoryList, lists),
                                          ("cases", document.cases, Case, cases)):
            for item_id in ids:
                rel = Path(folder, f"{item_id}.yaml")
                if (root / rel).is_file():
                    value = _load_model(root, rel, model, files, problems)
                    if value is not None:
                        found[item_id] = value
    catalogues = i18n.load_catalogues(root, problems)  # the phrases are part of the wording
    if campaign is None or problems.errors:
        raise CampaignInvalid(problems.items)
    return LoadedCampaign(root, campaign, cases, lists, catalogues, files)


# --- reading files into models ----------------------------------------------------------


def _load_folder(root: Path, folder: str, model: type[BaseModel], files, problems) -> dict:
    found: dict[str, Any] = {}
    directory = root / folder
    if not directory.is_dir():
        return found
    if not directory.resolve().is_relative_to(root.resolve()):
        problems.add(f"{folder}/", message=f"links to {directory.resolve()}, outside the "
                     "campaign folder; campaign files must be inside it")
        return found
    for path in sorted(directory.iterdir()):
        rel = path.relative_to(root)
        if path.suffix == ".yml":
            problems.add(str(rel), message="campaign files end in .yaml; rename it to "
                         f"{path.stem}.yaml")
            continue
        if path.suffix != ".yaml" or path.name.startswith("."):
            continue
        if not re.match(ID_PATTERN, path.stem):
            problems.add(str(rel), message=f"'{path.stem}' cannot be an id: name the file in "
                         "at most 64 lower-case letters, digits and hyphens, e.g. "
                         f"'{slug(path.stem)}.yaml'")
            continue
        value = _load_model(root, rel, model, files, problems)
        if value is not None:
            found[path.stem] = value
    return found


def _load_model(root: Path, rel: Path, model: type[BaseModel], files, problems,
                raw: bytes | None = None):
    label = rel.as_posix()
    source = read_yaml(root / rel, label, problems, inside=root, raw=raw)
    if source is None:
        return None
    files[label] = source
    if source.data is None:
        problems.add(label, message="the file is empty")
        return None
    tables = read_recipient_tables(root, source, problems, files) \
        if label == CAMPAIGN_FILE else {}
    context = {"recipient_tables": {table_id: list(rows) for table_id, rows in tables.items()}}
    data = source.data
    if model is SignatoryList and isinstance(data, dict) and "table" in data:
        data = members_from_table(root, source, problems)
        if data is None:
            return None
    try:
        value = model.model_validate(data, context=context)
    except ValidationError as exc:
        report_validation_error(source, model, exc, problems, tuple(KINDS))
        return None
    return with_table_recipients(value, tables, source, problems) if tables else value


def _partial_campaign(data) -> tuple[Any, dict[str, set[str]]]:
    """The part of an invalid campaign file that is valid, so that the cross-checks run on
    it in the same run: documents and recipients whose own values failed are kept without
    those values (None), or left out when that is not enough. Returns (campaign or None,
    document or recipient id -> the fields left out)."""
    model = campaign_model()
    try:
        model.model_validate(data)
        return None, {}  # (valid after all: nothing to salvage)
    except ValidationError as exc:
        errors = exc.errors()
    except Exception:  # noqa: BLE001 - salvaging is best effort; the errors are reported
        return None, {}
    if not isinstance(data, dict):
        return None, {}
    failed: dict[tuple[str, str], set[str]] = {}
    for error in errors:
        loc = error["loc"]
        if len(loc) < 2 or loc[0] not in ("documents", "recipients") or not isinstance(
                data.get(loc[0]), dict) or loc[1] not in data[loc[0]]:
            return None, {}  # a value of the campaign itself: nothing to check against
        rest = loc[3:] if loc[0] == "documents" and len(loc) > 2 and loc[2] in KINDS else loc[2:]
        failed.setdefault((loc[0], loc[1]), set()).add(rest[0] if rest else "")
    pruned = {key: (dict(value) if key in ("documents", "recipients") else value)
              for key, value in data.items()}
    salvaged: dict[str, Any] = {}
    for (section, item_id), fields in failed.items():
        entry = pruned[section].pop(item_id)
        if section == "documents" and "" not in fields and isinstance(entry, dict) \
                and entry.get("kind") in KINDS:
            salvaged[item_id] = _without(KINDS[entry["kind"]].model, entry, fields)
    try:
        base = CampaignBase.model_validate({k: v for k, v in pruned.items() if k != "documents"})
        documents = model.model_validate(pruned).documents if pruned["documents"] else {}
    except Exception:  # noqa: BLE001 - salvaging is best effort; the errors are reported
        return None, {}
    documents.update((key, value) for key, value in salvaged.items() if value is not None)
    campaign = model.model_construct(**dict(base), documents=documents)
    incomplete = {item_id: fields for (_, item_id), fields in failed.items()}
    return campaign, incomplete


def _complete_part(loaded: LoadedCampaign) -> LoadedCampaign:
    """The campaign without the documents checked without some of their values: what the
    plan and the templates can be checked on."""
    if not loaded.incomplete:
        return loaded
    campaign = loaded.campaign.model_copy(update={"documents": {
        doc_id: document for doc_id, document in loaded.campaign.documents.items()
        if doc_id not in loaded.incomplete}})
    return replace(loaded, campaign=campaign)


def _without(model: type[BaseModel], entry: dict, fields: set[str]):
    """``entry`` validated as ``model`` without ``fields``, which become None; or None."""
    from pydantic import create_model

    partial = create_model(f"Partial{model.__name__}", __base__=model, **{
        name: (model.model_fields[name].annotation | None, None)
        for name in fields if name in model.model_fields})
    try:
        return partial.model_validate({k: v for k, v in entry.items() if k not in fields})
    except Exception:  # noqa: BLE001 - more is wrong than those fields: leave it out
        return None


# --- checks within one file ------------------------------------------------------------


def _check_case(case: Case, source: YamlFile, problems: Problems) -> None:
    known = [(name, getattr(case, name)) for name in ("arrested", "sentenced", "appeal")
             if getattr(case, name) is not None]
    for (first, a), (then, b) in zip(known, known[1:]):
        precision = min(a.precision, b.precision)
        if b.key(precision) < a.key(precision):
            line, column = source.position((then,))
            problems.add(source.label, line, column, then,
                         f"{b} is before the date {first} ({a})")
    if case.released is not None and case.status.value not in ("released", "suspended-sentence"):
        line, column = source.position(("status",))
        problems.add(source.label, line, column, "status",
                     f"the case has a release date ({case.released}) but its status is "
                     f"'{case.status.value}'", "warning")


def _check_list(root: Path, signatories: SignatoryList, source: YamlFile,
                problems: Problems) -> None:
    def add(loc, message, severity="error"):
        line, column = source.position(loc)
        problems.add(source.label, line, column, dotted(loc), message, severity)

    term = signatories.parliamentary_term()
    if term is None:
        add(("term",), f"there is no term {signatories.term} in the registry; known terms: "
            + ", ".join(str(t) for t in TERMS) + "; for another term, declare its political "
            "groups under groups: (each with ep: and name:)")
    countries = i18n.country_codes()
    seen: dict[str, int] = {}
    for i, member in enumerate(signatories.signatories):
        if member.id in seen:
            add(("signatories", i), f"two signatories have the id '{member.id}' "
                f"(signatories[{seen[member.id]}] too); give one of them an explicit id")
        seen.setdefault(member.id, i)
        if member.country not in countries:
            hint = i18n.COMMON_MISTAKES.get(member.country.upper())
            add(("signatories", i, "country"), f"'{member.country}' is not an ISO 3166 "
                "country code" + (f"; did you mean '{hint}'?" if hint
                                  else did_you_mean(member.country.upper(), countries)))
        elif member.country not in i18n.EU_MEMBERS and not (
                member.country == "GB" and signatories.term in (8, 9)):
            add(("signatories", i, "country"), f"'{member.country}' "
                f"({i18n.country_name(member.country, 'en')}) has no Members in the European "
                f"Parliament of term {signatories.term}", "warning")
        if term is not None and term.group(member.group) is None:
            suggestion = term.suggestion(member.group)
            add(("signatories", i, "group"), f"'{member.group}' is not a political group "
                f"of term {term.number}" + (f"; {suggestion}" if suggestion else
                                            did_you_mean(member.group, term.group_acronyms())
                                            + f" (groups: {', '.join(term.group_acronyms())})"))
        if member.signature_image:
            if not is_inside(root, member.signature_image):
                add(("signatories", i, "signature_image"),
                    f"'{member.signature_image}' is not a file in the campaign folder")
