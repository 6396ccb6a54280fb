"""The template checks of ``check``: every template the plan uses exists, is UTF-8 and parses,
every template it names exists, every block it overrides exists in its parent, every file
it fetches is in the campaign, every phrase it uses is in each language's catalogue; then
the copies are rendered (:mod:`.rehearsal`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..errors import CampaignInvalid, Problems, did_you_mean
from ..model.i18n import REFERENCE_LANGUAGE
from ..model.yamlfile import dotted
from ..render.environment import make_environment
from ..render.scan import TemplateScan
from ..resources import PACKAGE_DIR
from .loaded import CAMPAIGN_FILE
from .plan import all_outputs

if TYPE_CHECKING:
    from jinja2 import Environment

    from .loaded import LoadedCampaign
    from .plan import Output


def check_templates(loaded: LoadedCampaign, problems: Problems, rehearse_now: bool = True) -> None:
    """Templates exist, are UTF-8 and parse; every template they name exists; every
    phrase they use is in the catalogue of every language they are rendered in; every
    copy renders. Without ``rehearse_now``, a campaign with no error so far keeps its
    copies to be rehearsed by :func:`rehearse_copies`."""
    data_valid = not problems.errors
    env = make_environment(loaded.templates_dir)
    scan = TemplateScan(env, loaded.root)
    source = loaded.files[CAMPAIGN_FILE]
    folder = loaded.templates_dir
    if folder.is_dir() and not folder.resolve().is_relative_to(loaded.root.resolve()):
        problems.add("templates/", message=f"links to {folder.resolve()}, outside the "
                     "campaign folder; campaign files must be inside it")
    available = sorted(env.list_templates(filter_func=lambda n: n.endswith(".html")))
    needed: dict[str, tuple[tuple, set[str]]] = {}  # name -> (where asked for, languages)
    outputs = all_outputs(loaded, env)
    for output in outputs:
        for template in output.templates:
            entry = needed.setdefault(template, (output.template_loc, set()))
            entry[1].add(output.lang)

    reported: set[tuple] = set()
    languages: set[str] = set()
    for name, (loc, langs) in needed.items():
        languages |= langs
        if not scan.exists(name):
            line, column = source.position(loc)
            problems.add(source.label, line, column, dotted(loc),
                         f"there is no template '{name}' in templates/ or among the "
                         "built-in ones" + did_you_mean(name, available))
            continue
        for key, (label, line) in sorted(scan.phrases(name).items()):
            for lang in sorted(langs & set(loaded.catalogues)):
                if not loaded.catalogues[lang].phrases:
                    continue  # an empty catalogue: reported once, where it was read
                if key not in loaded.catalogues[lang].phrases and (key, lang) not in reported:
                    reported.add((key, lang))
                    problems.add(label, line, message=f"the phrase '{key}' is missing from the "
                                 f"'{lang}' catalogue; add it to catalogues/{lang}.yaml")
    _check_reached(loaded, scan, [name for name in needed if scan.exists(name)], problems)
    for label, line, column, message in scan.faults:
        problems.add(label, line, column, message=message)

    if rehearse_now or problems.errors:  # errors: every copy's faults are reported with them
        from .rehearsal import rehearse  # (imports the fonts' coverage only when rendering)
        rehearse(loaded, outputs, env, scan, problems, data_valid)
    else:
        loaded.unrehearsed = _Unrehearsed(env, scan, outputs)

    reference = loaded.catalogues.get(REFERENCE_LANGUAGE)
    for lang in sorted(languages & set(loaded.catalogues) - {REFERENCE_LANGUAGE}):
        catalogue = loaded.catalogues[lang]
        missing = [k for k in (reference.phrases if reference else {})
                   if k not in catalogue.phrases and (k, lang) not in reported
                   and _needed_in(loaded, k, lang)]
        if missing and catalogue.phrases:
            label = next(iter(catalogue.where.values()), (f"catalogues/{lang}.yaml",))[0]
            problems.add(label, message=f"phrases missing from the '{lang}' catalogue: "
                         + ", ".join(missing))


class _Unrehearsed(NamedTuple):
    env: Environment
    scan: TemplateScan
    outputs: list[Output]


def rehearse_copies(loaded: LoadedCampaign, outputs: list[Output] | None = None) -> None:
    """Render the copies ``load_campaign(rehearse=False)`` left unrendered, ``outputs`` of
    them (all when None), as ``check`` would; raise CampaignInvalid with what fails. The
    caller vouches for the others: none is left to rehearse.

    ``build`` rehearses only the copies it is about to render: the others are up to date,
    so they were rehearsed, and built, from the very inputs their hash covers (templates,
    the files they fetch, data, catalogues, fonts, the toolkit)."""
    kept, loaded.unrehearsed = loaded.unrehearsed, None
    if kept is None or outputs == []:
        return
    from .rehearsal import rehearse

    problems = Problems()
    rehearse(loaded, kept.outputs if outputs is None else outputs, kept.env, kept.scan,
             problems, True)
    if problems.errors:  # listed with the campaign's warnings, as check lists them
        raise CampaignInvalid(loaded.warnings + problems.items)


def _needed_in(loaded: LoadedCampaign, key: str, lang: str) -> bool:
    """Whether a catalogue must have ``key`` in ``lang``: the announcement page's phrases
    only where an announcement prints that language (every built-in catalogue has them; a
    campaign's own catalogue for another language needs them only for an announcement)."""
    if not key.startswith("announcement."):
        return True
    return any(d.kind == "announcement" and lang in getattr(d, "languages", ())
               for d in loaded.campaign.documents.values())


def _check_reached(loaded: LoadedCampaign, scan: TemplateScan, names: list[str],
                   problems: Problems) -> None:
    """Blocks and fetched files of every template reached; every template in the folder
    when one is chosen by an expression (the build then depends on all of them)."""
    reached: set[str] = set()
    dynamic = False
    for name in names:
        found, by_expression = scan.reach(name)
        reached.update(found)
        dynamic = dynamic or by_expression
    if dynamic:
        everything = scan.env.list_templates(
            filter_func=lambda n: n.endswith((".html", ".css", ".txt", ".j2")))
        reached.update(everything)
    for name in sorted(reached):
        scan.unknown_blocks(name)
    for fetch in scan.fetches(sorted(reached), [loaded.root, PACKAGE_DIR]):
        if fetch.problem:
            problems.add(fetch.label, fetch.line, 0, message=f"the template fetches "
                         f"'{fetch.url}', but {fetch.problem}")
