"""Jinja's internals that the sandbox builds on, in one place and guarded by the versions
they were written for, so that an upgrade fails loudly here instead of quietly elsewhere.

- ``CodeGenerator``: subclassed to bound what a template's output may grow to;
- ``SandboxedFormatter`` and ``SandboxedEscapeFormatter``: subclassed to bound
  ``str.format`` fields (not part of Jinja's documented API);
- ``split_template_path``: how a loader splits a template name (a loader's helper);
- ``jinja2.filters``' own functions (``do_center``, ``sync_do_join`` ...), wrapped by the
  bounded filters.
"""

from __future__ import annotations

import jinja2

from ..errors import UnsupportedVersion

JINJA_VERSIONS = ("3.1.",)
"""Jinja releases whose internals below were read and tested (pyproject.toml bounds it)."""


def check_jinja(version: str = jinja2.__version__) -> None:
    """Refuse a Jinja release the internals below were not written for."""
    if not version.startswith(JINJA_VERSIONS):
        raise UnsupportedVersion(f"Jinja {version}: the sandbox's bounds in "
                                 "undersigned.render were written for Jinja "
                                 + ", ".join(v + "x" for v in JINJA_VERSIONS))


check_jinja()

from jinja2 import filters  # noqa: E402
from jinja2.compiler import CodeGenerator  # noqa: E402
from jinja2.loaders import split_template_path  # noqa: E402
from jinja2.sandbox import SandboxedEscapeFormatter, SandboxedFormatter  # noqa: E402

__all__ = ["CodeGenerator", "JINJA_VERSIONS", "SandboxedEscapeFormatter", "SandboxedFormatter",
           "check_jinja", "filters", "split_template_path"]
