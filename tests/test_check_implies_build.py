"""The promise of ``check``: whatever campaign it passes, ``build`` renders every copy.

Hypothesis generates campaigns from the minimal one in ``tests/broken/_base``: data
(texts with characters the fonts have or lack, recipients' languages, dates, optional
fields present or not) and a campaign template made of blocks drawn from a vocabulary of
valid and invalid constructs. Whenever ``check`` passes, ``build`` must succeed for every
copy. (When ``check`` fails, nothing is asserted here: the fixtures under ``tests/broken``
test its messages.)

UNDERSIGNED_FUZZ_EXAMPLES sets how many campaigns are tried (default 12); CI loads a
derandomized profile (conftest.py).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from test_broken_inputs import BASE
from undersigned.batch.build import build
from undersigned.campaign import load_campaign
from undersigned.errors import CampaignInvalid

EXAMPLES = int(os.environ.get("UNDERSIGNED_FUZZ_EXAMPLES", "12"))
PROMISE = settings(max_examples=EXAMPLES, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])

def mostly(valid: list, invalid: list) -> st.SearchStrategy:
    """One of ``valid`` seven times in eight, else one of ``invalid``: about half of the
    campaigns then pass check, so that the property says something."""
    return st.sampled_from(valid * 7 + invalid)


# Texts as people write them: plain, Markdown, Kazakh letters; and characters no shipped
# font has (an emoji, Chinese).
TEXTS = mostly(["We ask you to release Maks Bokayev.",
                "*Release* him: [the UN says so](https://un.org).",
                "Қазақстан: Ә Ғ Қ Ң Ө Ұ Ү Һ І", "Bokayev — “now”, 100 %"],
               ["Thank you 📰", "議員"])

# Blocks of a campaign template, valid and invalid: what check must catch is what the
# build would trip over.
BLOCKS = mostly([
    "{% block intro %}{{ super() }}<p>{{ recipient.name }}</p>{% endblock %}",
    "{% block closing %}{% if document.closing %}{{ document.closing }}{% endif %}"
    "{% endblock %}",
    "{% block subject %}<p>{{ t('and') }} {{ document.subject }}</p>{% endblock %}",
    "{% block additions %}{% for case in cases %}<p>{{ case.name }}</p>{% endfor %}"
    "{% endblock %}",
    "{% block requests %}<p>{{ recipient.position or '' }}</p>{% endblock %}",
    "{% block additions %}<link rel=\"stylesheet\" href=\"style.css\">{% endblock %}",
    "{% block intro %}{% if false %}{% include document.subject %}{% endif %}"
    "{{ super() }}{% endblock %}",
], [
    "{% block intro %}<p>{{ senderr.name }}</p>{% endblock %}",
    "{% block intro %}<p>{{ recipient.nme }}</p>{% endblock %}",
    "{% block letterhed %}<p>Letterhead</p>{% endblock %}",
    "{% block requests %}<p>{{ recipient.position.upper() }}</p>{% endblock %}",
    "{% block additions %}<img src=\"pic.png\" alt=\"\">{% endblock %}",
    "{% block additions %}{% include 'nothere.html' %}{% endblock %}",
    "{% block additions %}<p>{{ '📰' }}</p>{% endblock %}",
    "{% block additions %}<p>{{ t('no.such.phrase') }}</p>{% endblock %}",
    "{% block additions %}<p>{{ 10 ** 5000 }}</p>{% endblock %}",
    "{% block additions %}<p style=\"background: url(missing.png)\">x</p>{% endblock %}",
])


@st.composite
def campaigns(draw) -> dict:
    return {
        "intro_en": draw(TEXTS),
        "closing": draw(st.one_of(st.none(), TEXTS)),
        "recipient_languages": draw(mostly([None, ["en"], ["ru"], ["en", "ru"]],
                                           [["en", "az"]])),
        "position": draw(st.booleans()),
        "date": draw(mostly(["2017-10-19", "2014-07-01"], ["2020-01-10"])),
        "blocks": draw(st.lists(BLOCKS, max_size=3,
                                unique_by=lambda block: re.search(r"block (\w+)", block)[1])),
        "style_css": draw(mostly([None, "p { color: #333 }"], ["p { background: url(pic.png) }"])),
        "evil_template": draw(st.booleans()),
    }


def make(root: Path, spec: dict) -> Path:
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(BASE, root)
    path = root / "campaign.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("      en: We ask you to release Maks Bokayev.\n",
                        f"      en: \"{spec['intro_en']}\"\n")
    text = text.replace("    date: 2017-10-19\n", f"    date: {spec['date']}\n", 1)
    extra = ""
    if spec["closing"] is not None:
        extra += f"    closing:\n      en: \"{spec['closing']}\"\n      ru: Спасибо.\n"
    text = text.replace("    cases: [bokayev]\n    intro:", "    cases: [bokayev]\n" + extra
                        + "    intro:", 1)
    recipient = ""
    if spec["recipient_languages"]:
        recipient += f"    languages: [{', '.join(spec['recipient_languages'])}]\n"
    if spec["position"]:
        recipient += "    position:\n      en: President\n      ru: Президент\n"
    text = text.replace("documents:\n", recipient + "documents:\n", 1)
    path.write_text(text, encoding="utf-8")
    templates = root / "templates"
    templates.mkdir()
    if spec["blocks"]:
        (templates / "letter.html").write_text(
            '{% extends "builtin/letter.html" %}\n' + "\n".join(spec["blocks"]) + "\n",
            encoding="utf-8")
    if spec["style_css"] is not None:
        (root / "style.css").write_text(spec["style_css"], encoding="utf-8")
    if spec["evil_template"]:
        (templates / "evil.html").write_bytes("Caf\xe9\n".encode("latin-1"))
    return root


@PROMISE
@given(spec=campaigns())
def test_what_check_passes_builds(tmp_path, spec):
    root = make(tmp_path / "c", spec)
    try:
        load_campaign(root)
    except CampaignInvalid:
        event("check failed")
        return  # check said no: nothing was promised
    event("check passed")
    report = build(root, jobs=1)
    assert [(r.label, r.error) for r in report.failed] == []
    assert report.count("built") == len(report.plan.items)
