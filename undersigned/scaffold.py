"""``undersigned init``: a new campaign folder from the built-in example."""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import UndersignedError
from .files import write_error

from .resources import SCAFFOLD_DIR as SCAFFOLD


def create_campaign(directory: Path) -> list[Path]:
    """Copy the starter campaign into ``directory``, which must be new or empty."""
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UndersignedError(f"{directory} already exists and is not empty; "
                               "choose a new folder name")
    written = []
    target = directory
    try:
        for source in sorted(SCAFFOLD.rglob("*")):
            if source.is_dir() or "__pycache__" in source.parts:
                continue
            target = directory / source.relative_to(SCAFFOLD)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.append(target)
        target = directory / "outputs"
        target.mkdir(exist_ok=True)
    except OSError as exc:
        raise write_error(exc, target) from exc
    return written
