"""Signatures against the sign-on: does each signature in a copy belong to a Member who
agreed to the letter? ``verify`` asks this of a PDF in a campaign's output folder."""

from __future__ import annotations

from pathlib import Path

from ..campaign.load import load_campaign
from ..campaign.plan import all_outputs
from ..errors import CampaignInvalid, UndersignedError
from ..kinds import KINDS
from .verify import VerifyReport


def campaign_of(pdf: Path) -> Path | None:
    """The campaign folder that ``pdf`` is an output of: the nearest folder at most three
    levels above it holding a ``campaign.yaml``."""
    folder = Path(pdf).resolve().parent
    for candidate in [folder, *folder.parents][:4]:
        if (candidate / "campaign.yaml").is_file():
            return candidate
    return None


def check_answers(pdf: Path, report: VerifyReport, root: Path) -> str | None:
    """Add to ``report`` a problem for each signature by a Member whom the campaign's answers
    do not show agreeing to the letter; return the copy's document id, or None when
    ``pdf`` is not one of the campaign's copies."""
    try:
        loaded = load_campaign(root)
    except CampaignInvalid as exc:
        raise UndersignedError(
            f"{root / 'campaign.yaml'}: cannot check the signatures against the answers: "
            f"the campaign has {len(exc.problems)} problem(s) (undersigned check {root}); "
            "--no-campaign skips this check") from exc
    target = Path(pdf).resolve()
    output = next((o for o in all_outputs(loaded)
                   if (loaded.output_dir / o.pdf).resolve() == target), None)
    if output is None:
        return None
    document = loaded.campaign.documents[output.document]
    signed = [f.field for f in report.fields if f.signed]
    problems = KINDS[document.kind].signature_problems(document, signed)
    for field in report.fields:
        if field.field in problems:
            field.problems.append(problems[field.field])
    return output.document
