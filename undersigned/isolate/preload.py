"""Imported by the fork server, and by nothing else, when it starts: the fork server then
writes nothing to the terminal, dies with its owner (removing the owner's temporary
folder), and leaves Ctrl-C, SIGTERM and SIGHUP to the owner (see ``lifeline``). It also
loads what every worker needs, once, before the workers are forked from it."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile

from .lifeline import (OWNER_PID_VARIABLE, OWNER_TEMP_VARIABLE, TEMP_PREFIX,
                       die_with_parent, ignore_interruptions, silence_output)

silence_output()
ignore_interruptions()
# Its temporary files (ctypes writes one when it has to look WeasyPrint's libraries up
# with the C compiler: see compat.weasyprint_imported) go to the owner's folder, which goes
# with the owner.
if os.environ.get(OWNER_TEMP_VARIABLE):
    tempfile.tempdir = os.environ[OWNER_TEMP_VARIABLE]
# The owner started this process with these signals blocked (so that none could interrupt
# its start); ignored now, they may be unblocked.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


def _remove_owners_temp() -> None:
    folder = os.environ.get(OWNER_TEMP_VARIABLE)
    if folder and os.path.basename(folder).startswith(TEMP_PREFIX):
        shutil.rmtree(folder, ignore_errors=True)


# Not the parent-death signal: it would kill this process before it removes the folder.
# The fork server also ends on its own when the owner's end of its pipe closes (the owner
# is going), possibly before the watching thread has run: at that exit too.
atexit.register(_remove_owners_temp)
die_with_parent(int(os.environ.get(OWNER_PID_VARIABLE) or os.getppid()), parent_signal=False,
                before=_remove_owners_temp)

from ..model.plugins import without_pydantic_plugins  # noqa: E402
from ..pdf.compat import weasyprint_imported  # noqa: E402
from ..pdf.fontconfig import confine_fonts  # noqa: E402

without_pydantic_plugins()  # before any model is built here (the workers' modules)

confine_fonts()  # before WeasyPrint, so that no worker ever sees the machine's fonts
weasyprint_imported()  # (loaded once here, shared by every forked worker)

from ..pdf import writer  # noqa: E402,F401
from . import pool  # noqa: E402,F401
