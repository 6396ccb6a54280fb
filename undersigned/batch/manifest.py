"""``outputs/manifest.json`` and its journal: what each output was built from, and its state.

The manifest records, per output, its input hash, the SHA-256 of its PDF, its pages
and signatories, and the size, time and inode of the file as written. Before a
worker renames a new file into place it appends the same record to
``outputs/.manifest.journal`` (and syncs it), so that a build killed at any moment
leaves a record of every file it wrote; at the end of a build the journal is rewritten
as a copy of the manifest. A lost or damaged manifest is rebuilt from the journal and
the files on disk, never from a guess. From those, each output is in one state:

- ``missing``: a file is not there;
- ``stale``: built by undersigned from other inputs than the current ones;
- ``up-to-date``: built from the current inputs and untouched since;
- ``signed``: the PDF's form carries a digital signature, made over the very bytes a
  build of the current inputs wrote (its first revision); never overwritten;
- ``signed-stale``: signed over the bytes of a build from other inputs; never
  overwritten, never sent;
- ``modified``: the PDF changed since it was built (annotated, stamped, edited, or
  signed over bytes that no build wrote), or one of its text exports was edited; never
  overwritten either;
- ``unknown``: a file no record vouches for (the manifest was lost, or the file is a
  link or not ours): a build moves it aside, then writes the output anew.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat as stat_module
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .. import __version__
from ..errors import FileRefused
from ..files import read_regular, write_atomically
from .states import State

MANIFEST = "manifest.json"
JOURNAL = ".manifest.journal"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
"""A manifest or journal larger than this is not read (a real one is kilobytes a copy)."""
MAX_SIGNED_PDF_BYTES = 256 * 1024 * 1024
"""The largest PDF whose form is parsed to see whether it is signed."""


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
    inode: int = 0
    base_sha256: str = ""
    """For a signed PDF: SHA-256 of the build's own bytes that its first signature was made
    over (the record that vouches for them)."""
    exports: dict = field(default_factory=dict)
    """The text exports as written: name -> [SHA-256, size, mtime_ns, inode], so that one
    edited by hand is known as such (an entry without them vouches only for the PDF)."""

    @classmethod
    def from_json(cls, data: object) -> Entry:
        """An entry from its JSON form; ValueError if it is not one."""
        if not isinstance(data, dict):
            raise ValueError("not an entry")
        names = {f.name for f in fields(cls)}
        entry = cls(**{k: v for k, v in data.items() if k in names})
        if not (isinstance(entry.sha256, str) and isinstance(entry.input_hash, str)
                and isinstance(entry.files, list) and entry.files
                and all(isinstance(name, str) for name in entry.files)):
            raise ValueError("not an entry")
        return entry

    def to_json(self) -> dict:
        """The entry's JSON form. (Not ``dataclasses.asdict``, which copies every list and
        dict in it: on a no-op rebuild of 200 letters, that was 10 of its 400 ms.)"""
        return dict(vars(self))


def _write_if_changed(path: Path, data: bytes, name: str) -> None:
    """Write ``data`` to ``path`` unless the file holds them already: a build that changed
    nothing (a no-op rebuild) then leaves both files as they were, without two writes
    that each wait for the disk."""
    try:
        if read_regular(path, MAX_MANIFEST_BYTES, name) == data:
            return
    except FileRefused:
        pass
    write_atomically(path, data)


@dataclass(frozen=True)
class OnDisk:
    """A PDF as found on disk: its stat, and its SHA-256 once it had to be computed."""

    size: int
    mtime_ns: int
    inode: int
    regular: bool
    """A regular file (not a link, pipe, device or folder)."""


@dataclass
class Manifest:
    """The manifest of an output folder, with the journal's records of files written since."""

    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    journal: dict[str, list[Entry]] = field(default_factory=dict)
    """Stem -> records of files written by builds whose manifest was not saved after."""
    damaged: str | None = None
    """Why ``manifest.json`` could not be read, when it exists but could not."""

    @property
    def journal_path(self) -> Path:
        return self.path.parent / JOURNAL

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        """The manifest in ``out_dir`` and its journal; a damaged manifest loses nothing:
        what the journal vouches for is known, and every other file is ``unknown``."""
        manifest = cls(out_dir / MANIFEST)
        try:
            data = json.loads(read_regular(manifest.path, MAX_MANIFEST_BYTES, MANIFEST))
            outputs = data.get("outputs") if isinstance(data, dict) else None
            if not isinstance(outputs, dict):
                raise ValueError("there is no \"outputs\" mapping")
            for stem, entry in outputs.items():
                manifest.entries[str(stem)] = Entry.from_json(entry)
        except FileRefused as exc:
            if os.path.lexists(manifest.path):
                manifest.damaged = str(exc).split(": ", 1)[-1]
            manifest.entries = {}
        except (ValueError, TypeError, RecursionError, UnicodeDecodeError) as exc:
            manifest.damaged = (f"it is not the JSON of a manifest ({type(exc).__name__})"
                                if isinstance(exc, RecursionError) else
                                f"it is not the JSON of a manifest ({exc})"[:200])
            manifest.entries = {}
        manifest._read_journal()
        return manifest

    def _read_journal(self) -> None:
        try:
            text = read_regular(self.journal_path, MAX_MANIFEST_BYTES, JOURNAL)
        except FileRefused:
            return
        for line in text.decode("utf-8", "replace").splitlines():
            try:
                record = json.loads(line)
                stem, entry = str(record["stem"]), Entry.from_json(record["entry"])
            except (ValueError, TypeError, KeyError, RecursionError):
                continue  # a line cut short by a kill: its file was never renamed into place
            self.journal.setdefault(stem, []).append(entry)

    def to_json(self) -> str:
        outputs = {stem: self.entries[stem].to_json() for stem in sorted(self.entries)}
        return json.dumps({"generator": f"undersigned {__version__}", "outputs": outputs},
                          indent=2, ensure_ascii=False) + "\n"

    def save(self) -> None:
        _write_if_changed(self.path, self.to_json().encode("utf-8"), MANIFEST)

    def compact(self) -> None:
        """Take into the manifest every journal record that vouches for a file on disk, save
        it, then rewrite the journal as one record per output: a second copy of the
        manifest, from which a damaged ``manifest.json`` is rebuilt. Only when no writer
        is running (the caller holds the folder's lock and its workers are done)."""
        for stem, records in self.journal.items():
            pdf = self.path.parent / records[-1].files[0]
            disk = on_disk(pdf)
            entry = self.entries.get(stem)
            if disk is None or not disk.regular or (entry is not None and (
                    entry.size, entry.mtime_ns, entry.inode) == (disk.size, disk.mtime_ns,
                                                                 disk.inode)):
                continue
            try:
                digest = sha256_of(pdf)
            except FileRefused:
                continue
            match = next((r for r in reversed(records) if r.sha256 == digest), None)
            if match is not None:
                match.size, match.mtime_ns, match.inode = disk.size, disk.mtime_ns, disk.inode
                self.entries[stem] = match
        self.save()
        lines = [json.dumps({"stem": stem, "entry": self.entries[stem].to_json()},
                            ensure_ascii=False) + "\n" for stem in sorted(self.entries)]
        _write_if_changed(self.journal_path, "".join(lines).encode("utf-8"), JOURNAL)
        self.journal = {stem: [entry] for stem, entry in self.entries.items()}

    def records(self, stem: str) -> list[Entry]:
        """Every record of a file written for ``stem``: the manifest's, then the journal's."""
        entry = self.entries.get(stem)
        return ([entry] if entry is not None else []) + self.journal.get(stem, [])

    def state(self, stem: str, files: list[str], input_hash: str) -> State:
        """The state of one output (see the module docstring); reads the disk, changes nothing."""
        return self._state(stem, files, input_hash)[0]

    def _state(self, stem: str, files: list[str], input_hash: str) -> tuple[State, Entry | None]:
        out_dir = self.path.parent
        disk = on_disk(out_dir / files[0])
        if disk is None:
            return State.MISSING, None
        if not disk.regular:
            return State.UNKNOWN, None
        entry = self.entries.get(stem)
        if entry is not None and (entry.size, entry.mtime_ns, entry.inode or disk.inode) == (
                disk.size, disk.mtime_ns, disk.inode):
            record = entry
        else:
            try:
                digest = sha256_of(out_dir / files[0])
            except FileRefused:
                return State.UNKNOWN, None
            record = next((r for r in reversed(self.records(stem)) if r.sha256 == digest), None)
            if record is None:
                state, record = self._unrecorded(stem, out_dir / files[0], digest)
                if record is None:
                    return state, None
        if record.signed:
            return (State.SIGNED if record.input_hash == input_hash else State.SIGNED_STALE), record
        if any(not os.path.lexists(out_dir / name) for name in files[1:]):
            return State.MISSING, record
        if edited_exports(out_dir, record, self.records(stem)):
            return State.MODIFIED, record
        return (State.UP_TO_DATE if record.input_hash == input_hash else State.STALE), record

    def _unrecorded(self, stem: str, pdf: Path, digest: str) -> tuple[State, Entry | None]:
        """A file whose bytes no record vouches for: signed over a build's own bytes (the
        record of a signed copy is then made), changed by hand, or not known at all."""
        records = self.records(stem)
        base = signed_base_of(pdf)
        if base is None:
            return (State.MODIFIED if records else State.UNKNOWN), None
        built = next((r for r in reversed(records)
                      if (r.base_sha256 if r.signed else r.sha256) == base.sha256), None)
        if built is None or not base.direct:
            return State.MODIFIED, None  # signed over bytes that no build wrote
        signed = replace(built, signed=True, sha256=digest,
                         base_sha256=built.base_sha256 if built.signed else built.sha256)
        return State.SIGNED, signed  # or signed-stale: the caller compares the inputs

    def vouched(self, stem: str, files: list[str], input_hash: str) -> Entry | None:
        """The record of a build that wrote the PDF on disk as it is, if one does."""
        return self._state(stem, files, input_hash)[1]

    def edited_exports(self, stem: str, files: list[str], input_hash: str) -> list[str]:
        """The text exports of an output changed by hand since they were written (judged
        by the record of the PDF on disk, or else the last one written)."""
        records = self.records(stem)
        record = self.vouched(stem, files, input_hash) or (records[-1] if records else None)
        if record is None:
            return []
        return edited_exports(self.path.parent, record, records)

    def refresh(self, stem: str, files: list[str], input_hash: str) -> None:
        """Make the record that vouches for the file on disk the manifest's entry, with the
        file's size, time and inode, so that the next run need not hash it again (and keep
        the last record of a file changed since, so that it stays known as modified)."""
        state, record = self._state(stem, files, input_hash)
        disk = on_disk(self.path.parent / files[0])
        if state == State.MODIFIED and stem not in self.entries:
            self.entries[stem] = self.records(stem)[-1]  # still ours, changed since: kept
        if record is None or disk is None:
            return
        record.size, record.mtime_ns, record.inode = disk.size, disk.mtime_ns, disk.inode
        self.entries[stem] = record

    def record(self, stem: str, entry: Entry) -> None:
        """Append a file's record to the journal, durably, before the file is renamed into
        place: whatever kills the build after, the file is known as ours."""
        line = json.dumps({"stem": stem, "entry": entry.to_json()}, ensure_ascii=False) + "\n"
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))  # one write: lines of concurrent workers never mix
            os.fsync(fd)
        finally:
            os.close(fd)


def on_disk(path: Path) -> OnDisk | None:
    """The stat of ``path`` without following a link; None when nothing is there."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError:
        return OnDisk(0, 0, 0, False)
    return OnDisk(info.st_size, info.st_mtime_ns, info.st_ino, stat_module.S_ISREG(info.st_mode))


def export_stamps(out_dir: Path, names: list[str]) -> dict:
    """What :attr:`Entry.exports` records of files just written."""
    stamps = {}
    for name in names:
        disk = on_disk(out_dir / name)
        try:
            digest = sha256_of(out_dir / name)
        except FileRefused:
            continue
        stamps[name] = [digest, disk.size, disk.mtime_ns, disk.inode]
    return stamps


def edited_exports(out_dir: Path, record: Entry, records: list[Entry] = ()) -> list[str]:
    """The exports ``record`` vouches for that are no longer as any build wrote them (edited,
    or replaced by something that is not a regular file); a missing one is not edited.

    An export as another of ``records`` (the output's) wrote it is a build's own, not an
    edit: a build killed after an output's exports were in place but before its PDF was
    leaves them newer than the PDF (the output is then stale, not modified)."""
    edited = []
    for name, (digest, size, mtime_ns, inode) in record.exports.items():
        disk = on_disk(out_dir / name)
        if disk is None or (disk.regular and (disk.size, disk.mtime_ns, disk.inode)
                            == (size, mtime_ns, inode)):
            continue
        written = {digest} | {other.exports[name][0] for other in records
                              if name in other.exports}
        try:
            if sha256_of(out_dir / name) in written:
                continue
        except FileRefused:
            pass
        edited.append(name)
    return edited


def sha256_of(path: Path) -> str:
    """SHA-256 of a regular file (never a link, pipe or device), read in blocks."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise FileRefused(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        if not stat_module.S_ISREG(os.fstat(fd).st_mode):
            raise FileRefused(f"{path}: is not a regular file")
        digest = hashlib.sha256()
        while block := os.read(fd, 1 << 20):
            digest.update(block)
        return digest.hexdigest()
    finally:
        os.close(fd)


def is_signed(path: Path) -> bool:
    """Whether a PDF's form carries a digital signature (parsed, not searched for)."""
    return bool(signed_fields_of(path))


def signed_base_of(path: Path):
    """What the first signature of a PDF was made over (:class:`~undersigned.pdf.inspect.
    SignedBase`), or None when it carries none or cannot be read."""
    from ..pdf.inspect import signed_base

    try:
        return signed_base(read_regular(path, MAX_SIGNED_PDF_BYTES))
    except FileRefused:
        return None


def signed_fields_of(path: Path) -> list[str]:
    """The names of the signed fields of a PDF (none if it cannot be read as one)."""
    from ..pdf.inspect import signed_fields

    try:
        return signed_fields(read_regular(path, MAX_SIGNED_PDF_BYTES)) or []
    except FileRefused:
        return []
