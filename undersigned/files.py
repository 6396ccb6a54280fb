"""Reading and writing files so that nothing already written is lost, half-written or
read without bounds.

The bottom of the package: every stage that writes a file, reads one it did not write
itself, or needs the folder to itself asks this module.

- ``write_atomically``: the old file or the whole new one, never a mix, with its mode kept;
- ``read_regular``: a regular file only (no device, pipe or link), and at most so many bytes;
- ``output_target``: a file the user names to write is a regular file or a new name;
- ``writer_lock``: one writer at a time per folder, an advisory lock that dies with its
  process.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from .errors import Busy, FileRefused, WriteFailed

PART_SUFFIX = ".part"
"""Temporary files are ``.NAME.XXXX.part`` beside their target until renamed into place."""
LOCK_NAME = ".undersigned.lock"
"""The lock file every writing command takes in the folder it writes into."""
LOCK_WAIT_VARIABLE = "UNDERSIGNED_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 10.0
"""Seconds a command waits for another one writing into the same folder before it gives up."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, data: bytes, mode: int | None = None,
                     before_replace: Callable[[], None] | None = None) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the whole new one.

    The new file gets ``mode``, or the mode of the file it replaces, or the default one.
    ``before_replace`` runs once the new bytes are safely on disk, just before they take
    the old file's place (to record them, or to move the old file aside).
    """
    if mode is None:
        try:
            existing = os.lstat(path)
            if stat.S_ISREG(existing.st_mode):
                mode = stat.S_IMODE(existing.st_mode)
        except OSError:
            pass
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                     suffix=PART_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_umask() if mode is None else mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace()
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc  # name the real target
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def move_aside(path: Path, folder: Path | None = None) -> Path:
    """Rename a file that must not be overwritten (signed, edited) to a dated name beside it,
    or in ``folder`` (a real folder, made if needed) under its own name."""
    if folder is not None:
        folder.mkdir(exist_ok=True)
        if folder.is_symlink() or not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "is not a real folder", str(folder))
        target = folder / path.name
    else:
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
        target = path.with_name(f"{path.stem}.kept-{stamp}{path.suffix}")
    counter = 1
    while target.exists():
        counter += 1
        target = target.with_name(f"{path.stem}.{counter}{path.suffix}")
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


def plain_folder(root: Path, relative: Path, create: bool = True) -> Path:
    """``root / relative``, a folder reached without symbolic links (each part is a real
    folder, created if ``create``); FileRefused naming the first part that is a link or
    not a folder, so that nothing is written to (or read from) outside ``root``."""
    current = root
    for part in Path(relative).parts:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError as missing:
            if not create:
                raise FileRefused(f"{current}: cannot read: No such file or directory") \
                    from missing
            try:
                os.mkdir(current)
            except FileExistsError:
                pass  # made at the same moment by another process: looked at again below
            info = os.lstat(current)
        if stat.S_ISLNK(info.st_mode):
            raise FileRefused(f"{current}: is a symbolic link; it must be a folder in the "
                              "campaign")
        if not stat.S_ISDIR(info.st_mode):
            raise FileRefused(f"{current}: is not a folder")
    return current


def output_target(path: Path | str, what: str = "") -> Path:
    """A file named by the user to write: an existing regular file (replaced) or a new
    name in a folder. FileRefused for anything else (a device node, a FIFO, a
    socket, a symbolic link, a folder), before any work is done: replacing a device by
    a regular file, as root ``/dev/null`` itself, is not a write the user meant."""
    path = Path(path)
    name = what or str(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise FileRefused(f"{name}: cannot be written: {exc.strerror or exc}") from exc
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise FileRefused(f"{name}: is a symbolic link; name the file itself")
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"{name}: is {_kind_of(info.st_mode)}, not a regular file; "
                              "name a file to write")
        return path
    parent = path.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent  # a folder still to be made: its first existing one counts
    if not parent.is_dir():
        raise FileRefused(f"{name}: {parent} is not a folder")
    return path


def _kind_of(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a file"


def write_error(exc: OSError, path: Path | str | None = None) -> WriteFailed:
    """The one-line message of a failed write: the file and the cause."""
    name = path if path is not None else exc.filename or "a file"
    return WriteFailed(f"cannot write {name}: {exc.strerror or exc}")


def read_regular(path: Path, limit: int, what: str = "") -> bytes:
    """The bytes of ``path``, which must be a regular file (not a link, device or pipe) of
    at most ``limit`` bytes; FileRefused otherwise, naming the file."""
    name = what or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileRefused(f"{name}: is a symbolic link; give the file itself") from exc
        raise FileRefused(f"{name}: cannot read: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"{name}: is not a regular file")
        if info.st_size > limit:
            raise FileRefused(f"{name}: is {info.st_size:,} bytes; at most {limit:,} are read")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise FileRefused(f"{name}: is over {limit:,} bytes; at most that is read")
        return b"".join(chunks)
    except OSError as exc:
        raise FileRefused(f"{name}: cannot read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)


def lock_wait() -> float:
    """How long a writer waits for another: ``UNDERSIGNED_LOCK_WAIT`` seconds, or 10."""
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_VARIABLE, DEFAULT_LOCK_WAIT)))
    except ValueError:
        return DEFAULT_LOCK_WAIT


@contextmanager
def writer_lock(folder: Path, command: str, wait: float | None = None,
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the writers' lock of ``folder`` (created if need be) for the block.

    An advisory ``flock`` on ``folder/.undersigned.lock``: the kernel releases it when its
    process ends, however it ends, so a killed command never leaves the folder locked.
    While another process holds it, ``on_wait`` is told who, once; after ``wait`` seconds
    (default :func:`lock_wait`) Busy says who holds it. Readers never take it.
    """
    wait = lock_wait() if wait is None else wait
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o644)
    except OSError as exc:
        raise write_error(exc, folder / LOCK_NAME) from exc
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(fd)
                if time.monotonic() >= deadline:
                    raise Busy(f"{folder}: {holder} is writing here; try again when it has "
                               "finished") from None
                if on_wait is not None and not told:
                    on_wait(f"waiting for {holder} to finish writing in {folder}")
                    told = True
                time.sleep(0.05)
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {command} {stamp}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # nobody holds it now
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> str:
    """Who holds a lock, as its holder wrote it: ``process 123 (undersigned build, since …)``."""
    try:
        text = os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
        pid, command, stamp = text.split(" ", 2)
        return f"process {int(pid)} (undersigned {command}, since {stamp})"
    except (OSError, ValueError):
        return "another undersigned process"
