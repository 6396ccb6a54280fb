"""Run the undersigned CLI under fixed limits, recording every file it opens and every
network or process call it makes.

    python sandbox.py --log AUDIT.jsonl [--memory BYTES] [--cpu SECONDS]
                      [--render-seconds SECONDS] [--script FILE] -- CLI ARGUMENTS...

Before the CLI is imported this launcher

- caps the address space (RLIMIT_AS) and the CPU time (RLIMIT_CPU) of the process, so
  that no input can take the machine's memory or run for ever;
- installs an audit hook (PEP 578) that writes one JSON line per event to the log as
  it happens: every ``open`` (with its absolute path), every ``os.listdir`` and
  ``os.scandir``, every ``socket.*``, ``urllib.Request`` and ``http.client`` event, and
  every attempt to start a program. Written as they happen, not at exit, so that a
  process killed by a limit, or a forked worker that leaves with ``os._exit``, still
  leaves its record; a last ``exit`` line says the process ended normally, with its
  peak memory and CPU time.

The hook sees what Python opens; files that C libraries (fontconfig, Pango) open by
themselves are not audited, which is why WeasyPrint may read only through a Python
URL fetcher. ``--script FILE`` runs a Python file instead of the CLI, for the tests of
the sandbox itself.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import runpy
import sys

NETWORK_PREFIXES = ("socket.", "urllib.", "http.client.", "ftplib.", "smtplib.", "poplib.",
                    "imaplib.", "nntplib.", "telnetlib.", "webbrowser.")
PROGRAM_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                  "os.startfile", "pty.spawn")
"""Events that start another program (the test allows only the library lookups WeasyPrint
makes when it loads)."""
OTHER_EVENTS = ("os.fork", "os.forkpty", "ctypes.dlopen")
"""Recorded for the reader of a log, not judged."""
LISTING_EVENTS = ("os.listdir", "os.scandir")


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return str(value)


def install(log_path: str) -> None:
    """Start writing audit events to ``log_path``, one JSON object a line."""
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    write, dumps, getpid = os.write, json.dumps, os.getpid

    def emit(record: dict) -> None:
        record["pid"] = getpid()
        write(fd, (dumps(record, ensure_ascii=True) + "\n").encode())

    def hook(event: str, args: tuple) -> None:
        try:
            if event == "open":
                path = args[0]
                if isinstance(path, int):  # an already open descriptor
                    return
                path = _text(path)
                emit({"event": "open", "path": os.path.abspath(path),
                      "mode": _text(args[1]) if len(args) > 1 and args[1] is not None else "",
                      "flags": args[2] if len(args) > 2 and isinstance(args[2], int) else 0})
            elif event in LISTING_EVENTS:
                path = args[0] if args and args[0] is not None else "."
                if not isinstance(path, int):
                    emit({"event": event, "path": os.path.abspath(_text(path))})
            elif event.startswith(NETWORK_PREFIXES):
                emit({"event": event, "args": [_text(a)[:200] for a in args]})
            elif event.startswith(PROGRAM_EVENTS + OTHER_EVENTS):
                # The program and its arguments, not its environment.
                emit({"event": event, "args": [_text(a)[:200] for a in args[:2]]})
        except Exception as exc:  # never break the program under test; say so instead
            try:
                emit({"event": "audit-error", "error": repr(exc)})
            except Exception:
                pass

    def at_exit() -> None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        emit({"event": "exit", "maxrss_kib": usage.ru_maxrss,
              "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3)})

    atexit.register(at_exit)
    sys.addaudithook(hook)


def limit(memory: int, cpu: int) -> None:
    """Cap the address space at ``memory`` bytes and the CPU time at ``cpu`` seconds (the
    kernel sends SIGXCPU then, and SIGKILL a second later)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _set_render_seconds(seconds: float | int) -> None:
    """Lower the library's own per-output time limit (120 s), so that a test can see it
    stop a runaway render in seconds."""
    from undersigned.isolate import limits

    limits.RENDER_SECONDS = seconds


def main(argv: list[str]) -> None:
    if "--" not in argv:
        sys.exit("usage: sandbox.py --log FILE [--memory N] [--cpu N] [--render-seconds N] "
                 "[--script FILE] -- ARGS...")
    split = argv.index("--")
    options, arguments = argv[:split], argv[split + 1:]
    settings = {"--log": None, "--memory": str(2 * 1024 ** 3), "--cpu": "60",
                "--render-seconds": None, "--script": None}
    for name, value in zip(options[::2], options[1::2]):
        if name not in settings:
            sys.exit(f"sandbox.py: unknown option {name}")
        settings[name] = value
    if settings["--log"] is None:
        sys.exit("sandbox.py: --log FILE is required")

    limit(int(settings["--memory"]), int(settings["--cpu"]))
    install(settings["--log"])
    if settings["--render-seconds"] is not None:
        seconds = float(settings["--render-seconds"])
        _set_render_seconds(int(seconds) if seconds.is_integer() else seconds)
    if settings["--script"] is not None:
        sys.argv = [settings["--script"], *arguments]
        runpy.run_path(settings["--script"], run_name="__main__")
    else:
        sys.argv = ["undersigned", *arguments]
        runpy.run_module("undersigned.cli", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
