"""undersigned: letters and parliamentary questions from structured case data."""

import sys as _sys
import warnings as _warnings

__version__ = "0.1.0"


def _interrupted_while_starting(signum, frame):
    """Ctrl-C before the command has started: the one line it says after (``cli.app``)."""
    import os

    os.write(2, b"interrupted\n")
    os._exit(128 + signum)  # nothing is open or written yet


# The command line (``python -m undersigned.cli``, the ``undersigned`` script, ``cli.py``)
# says "interrupted" and nothing else when Ctrl-C comes while it is still importing, before
# ``cli.app.main`` takes interruptions over (Python would print the import's traceback).
# A program that imports the library keeps its own handling, and a command started with
# Ctrl-C ignored (a background job of a script) keeps ignoring it.
_started_as = (getattr(_sys, "argv", None) or [""])[0]  # (an embedded Python may have none)
if _started_as == "-m" or _started_as.rsplit("/", 1)[-1] in ("undersigned", "cli.py"):
    import signal as _signal

    if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
        try:
            _signal.signal(_signal.SIGINT, _interrupted_while_starting)
        except ValueError:  # imported by another thread than the main one: not the command
            pass

# pyHanko 0.38 imports cryptography's DSA key type at import time, and cryptography 51
# deprecates DSA with a warning there: every `sign` and `verify` printed it to the user,
# who can do nothing about it. Only that warning, only from pyHanko's modules, is hidden.
_warnings.filterwarnings("ignore", message=r"DSA is deprecated", module=r"pyhanko(\.|$)")
