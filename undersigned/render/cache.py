"""The built-in templates' compiled code and what scanning them found, kept between runs
(:mod:`undersigned.kept`): never a campaign's templates, which are compiled and scanned
every time.

A compiled template is Jinja's bytecode cache's file, used only when Jinja finds the
same source in it (its checksum) and it was made by the same Jinja and the same code of
this package (the key); a scan's result is JSON, under a key of the template's source.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

from .. import kept
from ..resources import TEMPLATES_DIR


def is_builtin(filename: str | None) -> bool:
    """Whether a template file is one of the package's own (not a campaign's)."""
    if not filename:
        return False
    return os.path.normpath(filename).startswith(str(TEMPLATES_DIR) + os.sep)


class BuiltinCache(BytecodeCache):
    """Jinja's bytecode cache, for the built-in templates only, and their scans."""

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        if not is_builtin(filename):
            return ""  # never kept
        return f"{name}~" + kept.key("template code", jinja2.__version__, name, filename)

    def load_bytecode(self, bucket: Bucket) -> None:
        data = kept.read(*bucket.key.rsplit("~", 1), ".code") if bucket.key else None
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)  # Jinja compares its magic and checksum
        except Exception:  # a damaged file (cut short, or not one at all): compiled anew
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.key:
            kept.write(*bucket.key.rsplit("~", 1), ".code", bucket.bytecode_to_string())

    def scanned(self, name: str, filename: str | None, source: str,
                scan: Callable[[], Any], to_json: Callable[[Any], object],
                from_json: Callable[[Any], Any]) -> Any:
        """What ``scan()`` finds in a template: kept for a built-in one (as the JSON of
        ``to_json``, read back by ``from_json``), found anew for any other."""
        if not is_builtin(filename):
            return scan()
        source_digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
        return kept.remembered(f"{name}.scan", kept.key("template scan", jinja2.__version__,
                                                        name, filename, source_digest),
                               scan, to_json, from_json)


BUILTIN_CACHE = BuiltinCache()
"""The one cache every environment and scan of a process shares."""
