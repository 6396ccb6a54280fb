"""Isolated processes die with the command that started them, however it ends.

Linux sends a process a signal of its choosing when its parent dies
(``PR_SET_PDEATHSIG``). Each worker asks for SIGKILL when its parent (the fork server)
dies, and watches the command itself (the *owner*) whatever becomes of the process in
between. The fork server watches the owner too, and, before it goes, removes the folder
in which the owner's multiprocessing keeps the fork server's socket (the owner, killed
with SIGKILL, could not). A command killed with SIGKILL therefore leaves no fork server,
no worker, no worker writing a file after it, and no temporary file.

That folder is itself made only once a *janitor* watches it (``owned_temp_dir``): the
fork server's socket must exist before the fork server does, so a command killed between
the two would otherwise leave the folder behind with no one alive to remove it.
"""

from __future__ import annotations

import os
import secrets
import select
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
OWNER_PID_VARIABLE = "UNDERSIGNED_BUILD_PID"
"""The owner's process id, as the fork server finds it in its environment."""
OWNER_TEMP_VARIABLE = "UNDERSIGNED_BUILD_TEMP"
"""The owner's temporary folder (its multiprocessing folder is in it), which the fork
server removes when the owner is gone."""
TEMP_PREFIX = "undersigned-"
"""How the owner's temporary folder is named, in the system's temporary folder."""
# Ignores the terminal's signals (the owner handles them), waits for the end of a pipe that
# only the owner holds open (it ends when the owner does, however), then removes the folder,
# again and again until it is gone (for 5 s at most): the fork server and the workers
# outlive the owner by a moment, and what they write in it meanwhile (a worker's fonts'
# folder) would leave it behind after one removal.
JANITOR = ('trap "" INT TERM HUP; read -r _; n=0; '
           'until rm -rf -- "$0" && ! [ -e "$0" ]; do '
           '[ $n -lt 100 ] || exit 1; n=$((n + 1)); sleep 0.05; done')
_owned: list[str] = []


def die_with_parent(owner_pid: int, parent_signal: bool = True,
                    before: Callable[[], None] | None = None) -> None:
    """Be killed (SIGKILL) as soon as the owner dies, whoever the parent is.

    Two ways, for a process started by a process that may itself be gone: the kernel's
    parent-death signal (unless ``parent_signal`` is False), and a thread that waits on a
    process descriptor of the owner (``pidfd_open``: it becomes readable when the owner
    ends, and cannot be fooled by a reused process id), which calls ``before`` first. If
    the owner is already gone, exit now.
    """
    if parent_signal and sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        watched = os.pidfd_open(owner_pid)
    except ProcessLookupError:
        if before is not None:
            before()
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
                    os.kill(owner_pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
        try:
            if before is not None:
                before()
        finally:
            os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="undersigned-lifeline", daemon=True).start()


def ignore_interruptions() -> None:
    """Leave Ctrl-C, SIGTERM and SIGHUP to the owner, which lets running work finish (the
    lifeline ends this process when the owner is gone)."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)


def silence_output() -> None:
    """Send this process's standard output and error to /dev/null: an isolated process
    never writes to the user's terminal (what it has to say goes back through its pipe),
    not even the traceback of a start cut short by the owner's death."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def system_temp_dir() -> str:
    """The system's temporary folder, as Python's ``tempfile`` would choose it, without
    the file Python writes and removes there to test it the first time it is asked: a
    command killed between the two leaves that file behind (seen once in the kill tests:
    "temporary files left: ['na8t_9qe']"). The first of ``TMPDIR``, ``TEMP`` and ``TMP``
    that is a folder this process may write in, else ``/tmp``, ``/var/tmp``, ``/usr/tmp``
    or the working folder; set as ``tempfile``'s for the rest of the process."""
    if tempfile.tempdir is None:
        candidates = [os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP")]
        for folder in [*candidates, "/tmp", "/var/tmp", "/usr/tmp", os.getcwd()]:
            if folder and os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
                tempfile.tempdir = os.path.abspath(folder)
                break
    return tempfile.gettempdir()


def owned_temp_dir() -> str:
    """This process's temporary folder for its fork server and workers, in the system's
    temporary folder, removed when the process ends, however it ends (made once).

    A janitor (a shell, started first) removes the folder when the end of a pipe that only
    this process holds closes: when it exits or is killed. The folder is made after the
    janitor has started, so no moment leaves it without one. multiprocessing's own folder
    (for the fork server's socket) is made inside it, and removed by multiprocessing at
    exit as usual.
    """
    if _owned:
        return _owned[0]
    from multiprocessing import util

    folder = os.path.join(system_temp_dir(), TEMP_PREFIX + secrets.token_hex(4))
    # The janitor reads ``watched``; ``held``, the other end, is never closed: the kernel
    # closes it when this process ends. Neither is inherited by anything else it starts.
    watched, held = os.pipe()
    try:
        os.posix_spawn("/bin/sh", ["sh", "-c", JANITOR, folder], os.environ, setsid=True,
                       file_actions=[(os.POSIX_SPAWN_DUP2, watched, 0),
                                     (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                     (os.POSIX_SPAWN_DUP2, 1, 2)])
    finally:
        os.close(watched)
    os.mkdir(folder, 0o700)
    # at exit, after multiprocessing has removed its own folder (priority -100) from it
    util.Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=-101)
    _owned.append(folder)
    saved, tempfile.tempdir = tempfile.tempdir, folder
    try:
        util.get_temp_dir()  # multiprocessing's folder, inside ours
    finally:
        tempfile.tempdir = saved
    return folder
