"""Writing files so that nothing already written is lost or left half-written.

The bottom of the package: every stage that writes a file asks this module.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

PART_SUFFIX = ".part"
"""Temporary files are ``.NAME.XXXX.part`` beside their target until renamed into place."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the whole new one."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                     suffix=PART_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc  # name the real target
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def move_aside(path: Path) -> Path:
    """Rename a file that must not be overwritten (signed, edited) to a dated name beside it."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.stem}.kept-{stamp}{path.suffix}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.stem}.kept-{stamp}-{counter}{path.suffix}")
    os.replace(path, target)
    return target


def remove_stale_parts(folder: Path) -> None:
    """Delete temporary files left by an interrupted write (never a finished file)."""
    for part in folder.glob(f".*{PART_SUFFIX}"):
        part.unlink(missing_ok=True)


def is_inside(root: Path, relative: str) -> bool:
    """Whether ``relative`` names a file inside ``root`` (links resolved)."""
    try:
        path = (root / relative).resolve()
        return path.is_relative_to(root.resolve()) and path.is_file()
    except (OSError, ValueError):  # a NUL byte, a name too long, a loop of links
        return False
