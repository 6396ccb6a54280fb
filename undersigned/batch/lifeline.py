"""Workers die with the build that started them, however it ends.

Linux sends a process a signal of its choosing when its parent dies
(``PR_SET_PDEATHSIG``). The fork server that starts the workers asks for SIGKILL when
the build dies (``forkserver_preload``, imported there and nowhere else), and each
worker asks the same of the fork server; each of them also watches the build itself,
whatever becomes of the process in between. A build killed with SIGKILL therefore
leaves no fork server, no worker, and no worker writing a file after it.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
BUILD_PID_VARIABLE = "UNDERSIGNED_BUILD_PID"
"""The build's process id, as the fork server finds it in its environment."""


def die_with_parent(build_pid: int) -> None:
    """Be killed (SIGKILL) as soon as the build dies, whoever the parent is.

    Two ways, for a process started by a process that may itself be gone: the kernel's
    parent-death signal, and a thread that waits on a process descriptor of the build
    (``pidfd_open``: it becomes readable when the build ends, and cannot be fooled by a
    reused process id). If the build is already gone, exit now.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        watched = os.pidfd_open(build_pid)
    except ProcessLookupError:
        os._exit(1)
    except (OSError, AttributeError):  # no process descriptors here: poll instead
        watched = None

    def watch() -> None:
        if watched is not None:
            select.select([watched], [], [])
        else:
            while True:
                time.sleep(0.2)
                try:
                    os.kill(build_pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="undersigned-lifeline", daemon=True).start()


def ignore_interruptions() -> None:
    """Leave Ctrl-C and SIGTERM to the build process, which lets running work finish."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

