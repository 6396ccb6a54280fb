"""Running renders in isolated worker processes: the one way ``build``, ``serve`` and
``invite`` render outside their own process.

Each worker is forked from a fork server that has imported WeasyPrint but holds no
campaign (so a worker's memory does not grow with what the owner loaded), writes nothing
to the terminal, dies with its owner (``lifeline``), runs under a memory cap and, for
each call, a time limit (an alarm), watched from the owner (a call still running past
its limit plus a grace has its worker killed). Each worker has its own pipe and runs
one call at a time: a worker that dies fails only the call it was running, and nothing
is shared between processes but pipes (no semaphore for anyone to leak).

A call returns its result, or a :class:`Failure`; it never raises in the owner.
"""

from __future__ import annotations

import enum
import multiprocessing
import os
import select
import shutil
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import wait

from ..errors import UndersignedError
from ..render.environment import TimeUp, time_limit
from . import limits
from .lifeline import (OWNER_PID_VARIABLE, OWNER_TEMP_VARIABLE, die_with_parent,
                       ignore_interruptions, owned_temp_dir)

HELD = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
PRELOAD = "undersigned.isolate.preload"
SERVER_DYING = 0.5
"""Seconds a fork server whose fresh worker died is given to be seen dead, if it is dying."""


class Fault(enum.Enum):
    """Why an isolated call gave no result."""

    OVERRAN = "overran"
    DIED = "died"
    OUT_OF_MEMORY = "out of memory"
    REFUSED = "refused"
    """It raised one of undersigned's errors, whose message says what is wrong."""
    RAISED = "raised"
    NOT_STARTED = "not started"


@dataclass(frozen=True)
class Failure:
    """A call that gave no result, and why; ``detail`` is the error it raised, if it did."""

    fault: Fault
    detail: str = ""
    seconds: float = 0

    def message(self, label: str) -> str:
        """What to tell the user about the render of ``label``, in one line."""
        if self.fault is Fault.OVERRAN:
            return (f"{label}: took longer than {self.seconds:g} s to render and was "
                    "stopped; is some text in it unusually long?")
        if self.fault is Fault.DIED:
            return (f"{label}: a worker process died while rendering it (killed, or out "
                    "of memory)")
        if self.fault is Fault.OUT_OF_MEMORY:
            return f"{label}: ran out of memory while rendering"
        if self.fault is Fault.NOT_STARTED:
            return f"{label}: not rendered, the worker pool stopped"
        if self.fault is Fault.REFUSED:
            return self.detail
        return f"{label}: {self.detail}"


def fork_context(warm: Iterable[str] = ()):
    """The fork server's multiprocessing context, its server started (with interruptions
    held, so that none cuts its start short). ``warm`` names modules the server imports
    once for every worker; they count only for the first server a process starts."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOAD, *warm])
    from multiprocessing import forkserver

    os.environ[OWNER_PID_VARIABLE] = str(os.getpid())  # for the fork server's lifeline
    os.environ[OWNER_TEMP_VARIABLE] = owned_temp_dir()  # which it removes after us
    with signals_held():
        forkserver.ensure_running()
    return context


@contextmanager
def signals_held():
    """Hold Ctrl-C, SIGTERM and SIGHUP back for the block (they arrive right after it): a
    process being started is never torn down halfway, and inherits them held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _serve(conn, owner_pid: int, temp: str, memory: int, seconds: float, setup,
           setup_args) -> None:
    """In the worker: run each call the pipe brings, send back its result or Failure.
    Its temporary files (WeasyPrint's font folder ...) go to ``temp``, which the owner
    removes once it has stopped the worker, and which the worker removes if the owner
    dies first."""
    tempfile.tempdir = os.environ["TMPDIR"] = temp
    try:
        # with the fork server, which dies with the owner
        die_with_parent(owner_pid, before=lambda: shutil.rmtree(temp, ignore_errors=True))
        ignore_interruptions()  # the owner handles them, and lets running calls finish
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)
        limits.cap_memory(memory)
        if setup is not None:
            setup(*setup_args)
        while (call := conn.recv()) is not None:
            function, args = call
            conn.send(_call(function, args, seconds))
    except (EOFError, OSError, KeyboardInterrupt):  # the owner is gone, or closed the pipe
        pass


def _call(function, args, seconds: float):
    try:
        with time_limit(seconds):
            return function(*args)
    except TimeUp:
        return Failure(Fault.OVERRAN, seconds=seconds)
    except MemoryError:
        return Failure(Fault.OUT_OF_MEMORY)
    except UndersignedError as exc:
        if limits.reached_memory_cap():
            return Failure(Fault.OUT_OF_MEMORY)
        return Failure(Fault.REFUSED, str(exc))
    except Exception as exc:  # noqa: BLE001  (reported through the pipe, never printed)
        if limits.reached_memory_cap():
            return Failure(Fault.OUT_OF_MEMORY)
        return Failure(Fault.RAISED, f"{type(exc).__name__}: {exc}")


class Worker:
    """One worker process and its pipe; it runs one call at a time."""

    def __init__(self, context, seconds: float, setup=None, setup_args=()):
        self.conn, child = context.Pipe(duplex=True)
        self.temp = tempfile.mkdtemp(prefix="worker-", dir=owned_temp_dir())
        self.process = context.Process(
            target=_serve, args=(child, os.getpid(), self.temp, limits.MEMORY_BYTES, seconds,
                                 setup, setup_args), daemon=True, name="undersigned-worker")
        try:
            with signals_held():
                self.process.start()
        except BaseException:
            shutil.rmtree(self.temp, ignore_errors=True)
            raise
        finally:
            child.close()
        self.seconds = seconds
        self.key: Hashable | None = None
        self.since = 0.0
        self.done = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_alive(self) -> bool:
        return self.process.is_alive()

    def submit(self, key: Hashable, function: Callable, args: tuple) -> bool:
        """Send a call; False if the worker is gone."""
        if not self.process.is_alive():
            return False
        try:
            self.conn.send((function, args))
        except (OSError, EOFError):
            return False
        self.key, self.since = key, time.monotonic()
        return True

    def overran(self) -> bool:
        return time.monotonic() - self.since > self.seconds + limits.WATCHDOG_GRACE

    def receive(self):
        """The result of the running call, or Failure(DIED) if the worker died first."""
        self.key = None
        try:
            result = self.conn.recv()
        except (EOFError, OSError):
            return Failure(Fault.DIED)
        self.done += 1
        return result

    def wait(self):
        """The result of the running call, waiting for it at most its time limit (plus the
        watchdog's grace): past that, the worker is killed and the call overran."""
        left = self.seconds + limits.WATCHDOG_GRACE - (time.monotonic() - self.since)
        if not wait([self.conn, self.process.sentinel], timeout=max(left, 0)):
            self.kill()
            self.key = None
            return Failure(Fault.OVERRAN, seconds=self.seconds)
        return self.receive()

    def kill(self) -> None:
        """Kill the worker (its pipe is left to the thread that may be reading it)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        shutil.rmtree(self.temp, ignore_errors=True)


class Pool:
    """Up to ``size`` workers, started as calls need them; each runs ``setup(*setup_args)``
    once, then calls, under the time limit ``seconds`` (default: limits.RENDER_SECONDS)."""

    def __init__(self, size: int, setup=None, setup_args=(), warm: Iterable[str] = (),
                 seconds: float | None = None):
        self.context = fork_context(warm)
        self.size = max(1, size)
        self.setup, self.setup_args = setup, setup_args
        self.seconds = limits.RENDER_SECONDS if seconds is None else seconds
        self.workers: list[Worker] = []
        self.fresh_deaths = 0
        self.server_restarts = 0
        self.interruption: KeyboardInterrupt | None = None

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        for worker in self.workers:
            worker.kill()
        self.workers = []

    def run(self, calls: Iterable[tuple[Hashable, Callable, tuple]],
            finish: Callable[[Hashable, object], None]) -> int | None:
        """Run each (key, function, args), calling ``finish(key, result or Failure)`` in
        this process as each ends. Returns the signal that interrupted it (Ctrl-C's SIGINT,
        SIGTERM), if one did: running calls finished, the rest were abandoned."""
        queue = deque(calls)
        try:
            while queue or self._busy():
                self._hand_out(queue, finish)
                self._collect(finish, timeout=0.5)
        except KeyboardInterrupt as exc:
            self.interruption = exc
            self._drain(finish)
            return getattr(exc, "signal_number", signal.SIGINT)
        return None

    def _busy(self) -> list[Worker]:
        return [w for w in self.workers if w.key is not None]

    def _hand_out(self, queue: deque, finish) -> None:
        while queue:
            idle = next((w for w in self.workers if w.key is None), None)
            if idle is None and len(self.workers) < self.size:
                idle = self._start_worker()
            elif idle is None:
                return
            if idle is not None and idle.submit(*queue[0]):
                queue.popleft()
            elif idle is not None:  # it died while idle: its replacement takes the call
                self._retire(idle, fresh=idle.done == 0)
            if self.fresh_deaths >= 2:  # workers die before doing anything: give up
                while queue:
                    finish(queue.popleft()[0], Failure(Fault.NOT_STARTED))

    def _start_worker(self) -> Worker | None:
        with signals_held():  # started and known, or neither
            try:
                worker = Worker(self.context, self.seconds, self.setup, self.setup_args)
            except (OSError, EOFError):  # it died as it started, or the fork server is
                # gone (refused, or died before it said the worker's pid): a new one if so
                if not self._new_fork_server():
                    self.fresh_deaths += 1
                return None
            self.workers.append(worker)
        return worker

    def _collect(self, finish, timeout: float) -> None:
        busy = self._busy()
        if not busy:
            return
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                         timeout=timeout))
        for worker in busy:
            key = worker.key
            if worker.conn in ready or worker.process.sentinel in ready:
                result = worker.receive()
                if isinstance(result, Failure) and result.fault is Fault.DIED:
                    self._retire(worker, fresh=worker.done == 0)
                else:
                    self.fresh_deaths = 0
                finish(key, result)
            elif worker.overran():
                self._retire(worker, fresh=False)
                finish(key, Failure(Fault.OVERRAN, seconds=self.seconds))

    def _retire(self, worker: Worker, fresh: bool) -> None:
        worker.kill()
        self.workers.remove(worker)
        if fresh and self._new_fork_server():
            fresh = False  # it went with its fork server, not for a fault of its own
        self.fresh_deaths = self.fresh_deaths + 1 if fresh else 0

    def _new_fork_server(self) -> bool:
        """Whether the fork server had died, and a new one now starts the next workers (at
        most three times a pool: workers that die for another reason still stop it).

        A fork server killed takes its workers with it, but they may be seen dead (both at
        once, with ``-j 2``) a moment before it is: it is given ``SERVER_DYING`` seconds
        to end, so that its workers' deaths are not taken for their own faults."""
        from multiprocessing import forkserver

        if self.server_restarts >= 3:
            return False
        before = getattr(forkserver._forkserver, "_forkserver_pid", None)
        if before is not None:
            _wait_for_end(before, SERVER_DYING)
        with signals_held():
            forkserver.ensure_running()
        if getattr(forkserver._forkserver, "_forkserver_pid", None) == before:
            return False
        self.server_restarts += 1
        return True

    def _drain(self, finish) -> None:
        """After an interruption: let running calls finish (a second one stops them)."""
        try:
            while self._busy():
                self._collect(finish, timeout=0.5)
        except KeyboardInterrupt:
            pass
        self.close()


def _wait_for_end(pid: int, seconds: float) -> None:
    """Wait up to ``seconds`` for process ``pid`` to end (not reaping it)."""
    try:
        watched = os.pidfd_open(pid)
    except (OSError, AttributeError):  # gone already, or no process descriptors here
        return
    try:
        select.select([watched], [], [], seconds)
    finally:
        os.close(watched)


def run_each(calls: list[tuple[Hashable, Callable, tuple]], size: int, warm=()) -> dict:
    """Each call's result (or Failure) by key, in a pool of ``size`` workers; an
    interruption is raised again once running calls have finished."""
    results: dict = {}
    with Pool(min(size, len(calls)), warm=warm) as pool:
        pool.run(calls, results.__setitem__)
    if pool.interruption is not None:
        raise pool.interruption
    return results
