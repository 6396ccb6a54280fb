"""Signing packs: the copies one Member must sign, taken out of the campaign for their
office to sign with the Member's own certificate, and brought back.

The office that runs a campaign never holds a Member's key: ``pack`` writes the copies a
Member still has to sign into a folder; the Member's office signs them (``undersigned
sign FOLDER/*.pdf -s ID --p12 …``, asking the passphrase once, or any PAdES tool);
``collect`` takes each signed copy back into the output folder, only if it extends, byte
for byte, the copy that is there now (so a signature added meanwhile by another Member is
never lost) and the sign-on policy accepts who signed it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..batch.build import plan_build
from ..batch.manifest import signed_fields_of
from ..batch.states import State
from ..errors import UndersignedError
from ..files import read_regular, write_atomically, writer_lock
from .pdf import PDF_LIMIT
from .policy import CampaignCopy, may_sign, unexpected


def copies_to_sign(root: Path, member: str, documents=()) -> list[Path]:
    """The current copies that print ``member``'s signature field, which the Member may sign
    (they agreed) and has not signed yet."""
    plan = plan_build(root, documents)
    found = []
    for item in plan.items:
        if item.state not in (State.UP_TO_DATE, State.SIGNED):
            continue
        document = plan.loaded.campaign.documents[item.output.document]
        if getattr(document, "sign_on", None) is None:
            continue  # not a letter Members sign (a question, an announcement)
        if may_sign(CampaignCopy(plan.loaded, item.output), member) is not None:
            continue
        pdf = plan.loaded.output_dir / item.output.pdf
        if f"sig-{member}" not in signed_fields_of(pdf):
            found.append(pdf)
    return found


def write_pack(root: Path, member: str, folder: Path, documents=()) -> list[Path]:
    """Copy every copy ``member`` must sign into ``folder`` (new, or an empty real folder)."""
    copies = copies_to_sign(root, member, documents)
    if not copies:
        raise UndersignedError(f"'{member}' has no copy to sign: every copy that prints them "
                               "is signed by them, or they have not agreed (undersigned "
                               "signatures DOC)")
    if folder.is_symlink() or (folder.exists() and (not folder.is_dir() or any(folder.iterdir()))):
        raise UndersignedError(f"{folder}: give a new or empty folder for the pack")
    folder.mkdir(parents=True, exist_ok=True)
    for pdf in copies:
        shutil.copyfile(pdf, folder / pdf.name)
    return [folder / pdf.name for pdf in copies]


@dataclass
class Collected:
    """What ``collect`` took back, and what it refused, with why."""

    taken: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def collect(root: Path, folder: Path) -> Collected:
    """Take each signed copy in ``folder`` back into the campaign's output folder."""
    plan = plan_build(root)
    by_name = {item.output.pdf: item for item in plan.items}
    out_dir = plan.loaded.output_dir
    report = Collected()
    with writer_lock(out_dir, "collect"):
        for incoming in sorted(folder.glob("*.pdf")):
            item = by_name.get(incoming.name)
            if item is None:
                report.refused.append(f"{incoming.name}: not a copy of this campaign")
                continue
            why = _refusal(CampaignCopy(plan.loaded, item.output), incoming,
                           out_dir / incoming.name)
            if why:
                report.refused.append(f"{incoming.name}: {why}")
                continue
            write_atomically(out_dir / incoming.name,
                             read_regular(incoming, PDF_LIMIT, str(incoming)))
            report.taken.append(incoming.name)
    return report


def _refusal(copy: CampaignCopy, incoming: Path, current: Path) -> str | None:
    """Why a signed copy may not replace the current one, or None."""
    data = read_regular(incoming, PDF_LIMIT, str(incoming))
    now = read_regular(current, PDF_LIMIT, str(current))
    if data == now:
        return "the same as the copy in the output folder: nothing new signed"
    if not data.startswith(now):
        return ("it does not extend the copy in the output folder byte for byte (the copy "
                "was rebuilt or signed by someone else since the pack was made): sign the "
                "current copy again")
    signed = signed_fields_of(incoming)
    refused = unexpected(copy.document, signed)
    if refused:
        return "; ".join(f"{name}: {why}" for name, why in refused.items())
    return None
