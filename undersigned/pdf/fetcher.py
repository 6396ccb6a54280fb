"""The only way a render reads a file: ``data:`` URLs and files in the allowed folders.

Nothing outside the campaign folder and the package's own templates and fonts is
read, and nothing is fetched from the network.

A file is opened one path component at a time, each relative to the folder opened
before it (``openat``) and without following a symbolic link (``O_NOFOLLOW``), from the
allowed folder down. Checking a path and then opening it would leave a moment in
which a folder of the campaign can be swapped for a link to elsewhere (a
rename-exchange); opened this way, no swap can redirect a read.
"""

from __future__ import annotations

import errno
import mimetypes
import os
import stat
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from ..resources import PACKAGE_DIR

MAX_RESOURCE_BYTES = 50 * 1024 * 1024
"""The largest file a document may read (an image, a font, a stylesheet)."""

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


class Refused(Exception):
    """Raised when a path may not be read; the message says why."""


def read_beneath(root: Path, relative: PurePosixPath) -> bytes:
    """The bytes of the regular file ``relative`` under the folder ``root``, opened
    component by component without following any link."""
    fd = os.open(root, _DIRECTORY)
    try:
        for part in relative.parts[:-1]:
            try:
                inner = os.open(part, _DIRECTORY, dir_fd=fd)
            except OSError as exc:
                raise _refusal(exc, "a folder on its way") from exc
            os.close(fd)
            fd = inner
        try:
            inner = os.open(relative.parts[-1], _FILE, dir_fd=fd)
        except OSError as exc:
            raise _refusal(exc, "it") from exc
        os.close(fd)
        fd = inner
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused("it is not a regular file")
        if info.st_size > MAX_RESOURCE_BYTES:
            raise Refused(f"it is over {MAX_RESOURCE_BYTES:,} bytes")
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_RESOURCE_BYTES:
                break
        data = b"".join(chunks)
        if len(data) > MAX_RESOURCE_BYTES:
            raise Refused(f"it is over {MAX_RESOURCE_BYTES:,} bytes")
        return data
    finally:
        if fd >= 0:
            os.close(fd)


def _refusal(exc: OSError, what: str) -> Refused:
    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        return Refused(f"{what} is a symbolic link (or not a folder); files are read "
                       "without following links")
    return Refused(exc.strerror or str(exc))


def _resolved(path: Path) -> Path:
    """Where ``path`` leads now, to word a refusal (links may change as it is worked out)."""
    try:
        return path.resolve()
    except OSError:
        return path


def read_allowed(path: Path, roots: list[Path]) -> bytes:
    """The bytes of the file ``path`` if it lies under one of ``roots`` (resolved folders),
    read without following a link; ``Refused`` says why not, naming the file. What a
    render reads for a PDF (through the fetcher) and for a Word copy (its logo)."""
    # Lexically: no link is followed below, so ".." means the folder above.
    path = Path(os.path.normpath(path))
    root = next((root for root in roots if path.is_relative_to(root) and path != root), None)
    if root is None:
        raise Refused(f"refused to read {_resolved(path)}: it is outside the campaign folder")
    try:
        return read_beneath(root, PurePosixPath(path.relative_to(root).as_posix()))
    except Refused as exc:
        real = _resolved(path)
        if not any(real.is_relative_to(r) for r in roots):
            raise Refused(f"refused to read {real}: it is outside the campaign folder") \
                from None
        raise Refused(f"refused to read {path}: {exc}") from None
    except OSError as exc:  # the allowed folder itself is gone
        raise Refused(f"cannot read {path}: {exc.strerror or exc}") from None


@lru_cache(maxsize=1)
def fetcher_class():
    """The URL fetcher class, defined once WeasyPrint is imported (lazily, to keep it out of
    start-up)."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class CampaignFetcher(URLFetcher):
        """Serves ``data:`` URLs and files under the allowed folders; refuses all else."""

        def __init__(self, roots: list[Path]):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False,
                             timeout=5)
            self.roots = [root.resolve() for root in roots]

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise FatalURLFetchingError(f"refused to fetch {url}: only files in the "
                                            "campaign folder can be used")
            path = Path(unquote(urlsplit(url).path))
            try:
                data = read_allowed(path, self.roots)
            except Refused as exc:
                raise FatalURLFetchingError(str(exc)) from None
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), data, {"Content-Type": mime})

    return CampaignFetcher


def make_fetcher(campaign_root: Path):
    """A fetcher that may read the campaign folder and the built-in templates and fonts."""
    return fetcher_class()([campaign_root, PACKAGE_DIR])
