"""The ``undersigned`` command: parses options, calls the library, reports.

One module per family of commands (building, co-signing, digital signatures, the
Parliament's lists, authoring), each registering its commands on the group in ``app``,
which also holds the one place where errors become messages and exit statuses. The
library is imported inside the commands so that ``--help`` does not load it.
"""

from . import authoring, building, cosigning, digital, parliament  # noqa: F401  (registers)
from .app import cli, main

__all__ = ["cli", "main"]
