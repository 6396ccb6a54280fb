"""The limits every isolated render runs under: memory, time, and the watchdog's grace.

Read at the moment a pool starts (never bound as default arguments), so that one
assignment here (a test's monkeypatch) changes them for ``build``, ``serve`` and ``invite``.
"""

from __future__ import annotations

import resource

MEMORY_BYTES = 1024 ** 3
"""The address space a worker process may use (RLIMIT_AS): about three times what a
worker rendering a 1,000-letter campaign reserves (its resident memory is about 100 MiB).
Past it, the render fails as out of memory, and the command goes on."""

RENDER_SECONDS = 120
"""How long one render may take before it fails (a real letter takes well under a second;
only hostile input comes near)."""

WATCHDOG_GRACE = 5.0
"""Seconds past the time limit before the owner kills a worker whose render has not
stopped by itself (the worker's own alarm is not heard while it runs C code)."""


def cap_memory(memory: int) -> None:
    """Cap this process's address space (RLIMIT_AS) at ``memory``, or lower if it already is."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
    if soft == resource.RLIM_INFINITY or soft > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def reached_memory_cap() -> bool:
    """Whether this process's address space came within a tenth of its cap (RLIMIT_AS): a
    C library that cannot allocate often fails in its own words ("SystemError: error
    return without exception set"), and near the cap that means out of memory."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit == resource.RLIM_INFINITY:
        return False
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024 >= 0.9 * limit
    except (OSError, ValueError):
        pass
    return False


def peak_kib() -> int:
    """The largest resident memory of this process so far (KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
