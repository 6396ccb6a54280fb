"""What is derived from the package's own files, kept between runs beside its bytecode.

Every ``check`` and ``build`` used to redo the same work on files that ship with the
package and never change between two runs: compiling and scanning the built-in templates,
reading the 33 built-in catalogues, decoding the shipped fonts' character maps. That was
about 30% of a ``check`` of the example campaign. The results are kept here, in the
package's own ``__pycache__`` folder, which only whoever installed the package can write,
as for its Python bytecode. **Nothing derived from a campaign is ever kept**: a campaign's
folder comes from many hands, so nothing in it, or named after it, may stand in for code
or for what a check found.

A kept result is used only when it was made by the same code from the same inputs: its
key covers the caller's inputs (the content of the files it read, or for fonts their size
and time), the Python release, the releases of the libraries it names, and the size and
time of every Python file of the package (as Python's own bytecode is checked against its
source). A file that cannot be read or written (a read-only installation, a damaged file)
costs the work, never an error; ``PYTHONDONTWRITEBYTECODE`` stops writes, as it does
Python's.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__
from .errors import FileRefused
from .files import read_regular, write_atomically
from .resources import PACKAGE_DIR

KEPT_DIR = PACKAGE_DIR / "__pycache__" / "kept"
"""Where what is derived from the package's files is kept."""
MAX_KEPT_BYTES = 8 * 1024 * 1024
"""A kept file larger than this is not read (the largest, the built-in catalogues, is
about 350 KB)."""

_code: str | None = None


def code_digest() -> str:
    """The package's code as it is now: the size and modification time of each of its
    Python files (one ``stat`` each, once per process), and the Python release."""
    global _code
    if _code is None:
        sources = []
        for folder, dirs, files in os.walk(PACKAGE_DIR):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            sources += [Path(folder, name) for name in sorted(files) if name.endswith(".py")]
        try:
            code = stat_digest(sources)
        except OSError:  # a file removed while this runs: no two runs can agree
            code = os.urandom(16).hex()
        _code = hashlib.sha256(f"{__version__}\0{sys.version}\0{code}".encode()).hexdigest()
    return _code


def key(*parts: str) -> str:
    """The name of a kept result: of the package's code and of ``parts`` (what it is, the
    content or digest of what it was made from, the releases of the libraries it used)."""
    return hashlib.sha256("\0".join([code_digest(), *parts]).encode()).hexdigest()


def content_digest(paths: list[Path]) -> str:
    """The SHA-256 of files' names and contents (OSError if one cannot be read)."""
    digest = hashlib.sha256()
    for path in paths:
        data = path.read_bytes()
        digest.update(f"{path}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def stat_digest(paths: list[Path]) -> str:
    """A digest of files' names, sizes and modification times (OSError if one is not
    there): for large files, as Python checks its bytecode against a source."""
    parts = []
    for path in paths:
        info = os.stat(path)
        parts.append(f"{path}\0{info.st_size}\0{info.st_mtime_ns}")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _name(label: str, key: str, suffix: str) -> str:
    return f"{label.replace('/', '%')}~{key}{suffix}"


def read(label: str, key: str, suffix: str) -> bytes | None:
    """The bytes kept as ``label`` under ``key`` (a :func:`key`), or None when there are
    none, or they are not a regular file of at most MAX_KEPT_BYTES."""
    try:
        return read_regular(KEPT_DIR / _name(label, key, suffix), MAX_KEPT_BYTES)
    except FileRefused:
        return None


def write(label: str, key: str, suffix: str, data: bytes) -> None:
    """Keep ``data`` as ``label`` under ``key``, whole or not at all, and drop what was
    kept as ``label`` under other keys (by an earlier release, or of an earlier file);
    silently not where it cannot be written."""
    if sys.dont_write_bytecode:
        return
    name = _name(label, key, suffix)
    try:
        KEPT_DIR.mkdir(parents=True, exist_ok=True)
        write_atomically(KEPT_DIR / name, data)
        for older in KEPT_DIR.glob(glob.escape(_name(label, "", "")) + "*" + suffix):
            if older.name != name:
                older.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only installation: the work is done again next time


def remembered(label: str, key: str, compute: Callable[[], Any],
               to_json: Callable[[Any], object], from_json: Callable[[Any], Any],
               worth_keeping: Callable[[Any], bool] = lambda found: True) -> Any:
    """What ``compute()`` returns, kept as JSON (``label`` under ``key``): read back by
    ``from_json`` when it is there and whole, else computed and kept (when it is
    ``worth_keeping``)."""
    data = read(label, key, ".json")
    if data is not None:
        try:
            return from_json(json.loads(data))
        except Exception:  # a damaged file: computed anew
            pass
    found = compute()
    if worth_keeping(found):
        try:
            data = json.dumps(to_json(found), ensure_ascii=False).encode("utf-8")
        except ValueError:  # a lone surrogate in a text: not kept, done again next time
            return found
        write(label, key, ".json", data)
    return found
