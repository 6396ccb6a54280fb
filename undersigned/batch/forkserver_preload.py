"""Imported by the workers' fork server, and by nothing else, when it starts: the fork
server then dies with the build, and leaves Ctrl-C and SIGTERM to it (see ``lifeline``).
It also loads what every worker needs, once, before the workers are forked from it."""

from __future__ import annotations

import os

from .lifeline import BUILD_PID_VARIABLE, die_with_parent, ignore_interruptions

die_with_parent(int(os.environ.get(BUILD_PID_VARIABLE) or os.getppid()))
ignore_interruptions()

from ..pdf.fontconfig import confine_fonts  # noqa: E402

confine_fonts()  # before WeasyPrint, so that no worker ever sees the machine's fonts
import weasyprint  # noqa: E402,F401  (loaded once here, shared by every forked worker)

from . import workers  # noqa: E402,F401
from ..pdf import writer  # noqa: E402,F401
