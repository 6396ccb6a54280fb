"""Running the preview server (uvicorn) on a socket of its own, until Ctrl-C."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from pathlib import Path

from ..campaign.load import load_campaign
from ..errors import CampaignInvalid, UndersignedError
from .app import create_app, is_loopback

DEFAULT_PORT = 8000
MAX_CONNECTIONS = 256
"""Connections served at once; uvicorn answers 503 beyond, well below the usual limit of
1,024 open files (the event streams have their own, smaller limit)."""


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free one)."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return socket.create_server((host.strip("[]"), port), family=family, backlog=64)
    except OSError as exc:
        hint = "; choose another with --port" if exc.errno == 98 else ""
        raise UndersignedError(f"cannot listen on {host}:{port}: "
                               f"{exc.strerror or exc}{hint}") from exc


def exposed(host: str) -> str | None:
    """The warning for a server that other machines can reach, if it is one."""
    if is_loopback(host):
        return None
    return (f"warning: listening on {host}: anyone who can reach this machine can read the "
            "campaign's letters and cases; use --host 127.0.0.1 unless you mean it")


class OneLineWhenOutOfResources(logging.Filter):
    """At the file-descriptor limit asyncio logs a traceback for every retry of accept()
    (hundreds of megabytes of log in minutes): say it in one line, once a minute."""

    QUIET_SECONDS = 60.0

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.clock = clock
        self.last: float | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("socket.accept() out of system resource"):
            return True
        now = self.clock()
        if self.last is not None and now - self.last < self.QUIET_SECONDS:
            return False
        self.last = now
        error = record.exc_info[1] if record.exc_info else None
        reason = getattr(error, "strerror", None) or error or "too many open files"
        record.msg = (f"serve: cannot accept a connection: out of system resources "
                      f"({reason}); close some pages (said once a minute)")
        record.args, record.exc_info, record.exc_text, record.stack_info = (), None, None, None
        return True


def quiet_accept_errors() -> None:
    """Install :class:`OneLineWhenOutOfResources` on asyncio's logger, once."""
    logger = logging.getLogger("asyncio")
    if not any(isinstance(f, OneLineWhenOutOfResources) for f in logger.filters):
        logger.addFilter(OneLineWhenOutOfResources())


def make_server(root: Path | str, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                watch: bool = True):
    """The uvicorn server of the preview of ``root``, its listening socket and its address
    (not started: ``server.run(sockets=[sock])`` runs it)."""
    import uvicorn

    root = Path(root)
    try:
        load_campaign(root)  # not a campaign at all: say so now
    except CampaignInvalid:
        pass  # served: its pages list the problems until they are fixed
    sock = listen(host, port)
    port = sock.getsockname()[1]
    quiet_accept_errors()
    app = create_app(root, host, port, watch=watch)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=1, limit_concurrency=MAX_CONNECTIONS)
    shown = f"[{host}]" if ":" in host else host
    return uvicorn.Server(config), sock, f"http://{shown}:{port}/"


def serve(root: Path | str, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
          on_ready: Callable[[str], None] | None = None) -> None:
    """Serve the live preview of the campaign in ``root`` until interrupted; ``on_ready``
    hears the address once the server listens."""
    server, sock, url = make_server(root, host, port)
    if on_ready:
        started = server.startup

        async def startup(sockets=None):
            await started(sockets)
            on_ready(url)

        server.startup = startup
    server.run(sockets=[sock])
