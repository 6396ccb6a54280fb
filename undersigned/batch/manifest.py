"""``outputs/manifest.json``: every output with what it was built from, and its state.

The manifest records, per output, its input hash, the SHA-256 of its PDF, its
pages and signatories, and the size and time of the file as written. From that
and the file on disk each output is in one of five states:

- ``missing``: a file is not there;
- ``stale``: built from other inputs than the current ones;
- ``up-to-date``: built from the current inputs and untouched since;
- ``signed``: the PDF carries a digital signature; never overwritten;
- ``modified``: the PDF changed since it was built (annotated, stamped, signed by
  hand in an editor); never overwritten either.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import __version__
from ..files import write_atomically
from .states import State

MANIFEST = "manifest.json"


@dataclass
class Entry:
    """What the manifest knows of one output."""

    document: str
    recipient: str | None
    lang: str
    kind: str
    files: list[str]
    input_hash: str
    sha256: str
    """SHA-256 of the PDF as written."""
    pages: int
    signatories: list[str]
    size: int
    mtime_ns: int
    signed: bool = False


@dataclass
class Manifest:
    """The manifest of an output folder."""

    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, out_dir: Path) -> "Manifest":
        """The manifest in ``out_dir``; an empty one if it is missing or unreadable.

        An unreadable manifest loses nothing: every output is then treated as
        stale (rebuilt) unless its file is signed or changed by hand (kept).
        """
        path = out_dir / MANIFEST
        manifest = cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            for stem, entry in data.get("outputs", {}).items():
                manifest.entries[stem] = Entry(**entry)
        except (OSError, ValueError, TypeError, AttributeError):
            manifest.entries = {}
        return manifest

    def to_json(self) -> str:
        outputs = {stem: asdict(self.entries[stem]) for stem in sorted(self.entries)}
        return json.dumps({"generator": f"undersigned {__version__}", "outputs": outputs},
                          indent=2, ensure_ascii=False) + "\n"

    def save(self) -> None:
        write_atomically(self.path, self.to_json().encode("utf-8"))

    def state(self, stem: str, files: list[str], input_hash: str) -> State:
        """The state of one output (see the module docstring); reads the disk, changes nothing."""
        out_dir = self.path.parent
        pdf = out_dir / files[0]
        entry = self.entries.get(stem)
        if not pdf.exists():
            return State.MISSING
        stat = pdf.stat()
        if entry is not None and (entry.size, entry.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            if entry.signed:
                return State.SIGNED
            state = State.UP_TO_DATE if entry.input_hash == input_hash else State.STALE
        elif is_signed(pdf):
            return State.SIGNED
        elif entry is not None and entry.sha256 == sha256_of(pdf):  # only touched
            state = State.UP_TO_DATE if entry.input_hash == input_hash else State.STALE
        elif entry is not None:
            return State.MODIFIED
        else:
            state = State.STALE  # no record of it: rebuild, it was never ours to keep
        if any(not (out_dir / name).exists() for name in files[1:]):
            return State.MISSING
        return state

    def refresh(self, stem: str, files: list[str]) -> None:
        """Record the size and time of a PDF that was only touched (its content is what was
        recorded), so that the next run need not hash it again."""
        entry = self.entries.get(stem)
        pdf = self.path.parent / files[0]
        if entry is None or not pdf.exists():
            return
        stat = pdf.stat()
        if (entry.size, entry.mtime_ns) != (stat.st_size, stat.st_mtime_ns) \
                and entry.sha256 == sha256_of(pdf):
            entry.size, entry.mtime_ns = stat.st_size, stat.st_mtime_ns


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_signed(path: Path) -> bool:
    """Whether a PDF carries a digital signature (a signature dictionary with a byte range)."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return b"/ByteRange" in data and b"/Sig" in data
